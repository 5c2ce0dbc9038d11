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

int strom__buf_json_string(strom_buf *b, const char *s, size_t n) {
  if (strom__buf_append(b, "\"", 1)) return STROM_ENOMEM;
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    if (strom__buf_append(b, s + run, i - run)) return STROM_ENOMEM;
    run = i + 1;
    char e[8];
    int len;
    switch (c) {
      case '"': len = snprintf(e, sizeof e, "\\\""); break;
      case '\\': len = snprintf(e, sizeof e, "\\\\"); break;
      case '\n': len = snprintf(e, sizeof e, "\\n"); break;
      case '\r': len = snprintf(e, sizeof e, "\\r"); break;
      case '\t': len = snprintf(e, sizeof e, "\\t"); break;
      default: len = snprintf(e, sizeof e, "\\u%04x", c); break;
    }
    if (strom__buf_append(b, e, (size_t)len)) return STROM_ENOMEM;
  }
  if (strom__buf_append(b, s + run, n - run)) return STROM_ENOMEM;
  return strom__buf_append(b, "\"", 1);
}

void strom__buf_free(strom_buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}
