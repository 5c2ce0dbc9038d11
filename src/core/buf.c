/*
 * buf.c -- a growable byte buffer for building text (formatting rows, messages,
 * file output).  Doubling growth; the caller owns and frees it.
 */
#include "core.h"

int strom__buf_reserve(strom_buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return STROM_OK;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra) cap *= 2;
  char *p = strom__realloc(b->p, cap);
  if (!p) return STROM_ENOMEM;
  b->p = p;
  b->cap = cap;
  return STROM_OK;
}

int strom__buf_append(strom_buf *b, const void *p, size_t n) {
  if (strom__buf_reserve(b, n + 1)) return STROM_ENOMEM;
  memcpy(b->p + b->len, p, n);
  b->len += n;
  b->p[b->len] = 0;
  return STROM_OK;
}

int strom__buf_printf(strom_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
  va_end(ap);
  if (n < 0) return STROM_EINVAL;
  if (b->len + (size_t)n + 1 > b->cap) {
    if (strom__buf_reserve(b, (size_t)n + 1)) return STROM_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
  }
  b->len += (size_t)n;
  return STROM_OK;
}

void strom__buf_free(strom_buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}
