/*
 * alloc.c -- allocation wrappers.  Strom does not abort on a failed allocation: the
 * wrappers log it once and return NULL, and callers turn NULL into STROM_ENOMEM.
 */
#include "core.h"

static void oom(size_t n) { strom__log(STROM_LOG_ERROR, "out of memory allocating %zu bytes", n); }

void *strom__malloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) oom(n);
  return p;
}

void *strom__calloc(size_t n, size_t sz) {
  void *p = calloc(n ? n : 1, sz ? sz : 1);
  if (!p) oom(n * sz);
  return p;
}

void *strom__realloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) oom(n);
  return q;
}

char *strom__strndup(const char *s, size_t n) {
  char *p = strom__malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *strom__strdup(const char *s) { return s ? strom__strndup(s, strlen(s)) : NULL; }

char *strom__vaprintf(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return NULL;
  char *p = strom__malloc((size_t)n + 1);
  if (p) vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

char *strom__aprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = strom__vaprintf(fmt, ap);
  va_end(ap);
  return p;
}
