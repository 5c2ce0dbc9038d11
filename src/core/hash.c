/*
 * hash.c -- hashing of keys.  A key is the canonical byte form of the key columns
 * (the same encoding as rows, so equal values give equal bytes whatever their
 * storage; a DECIMAL wider than 18 digits 16 bytes), hashed with XXH3.  Key groups and partitioning derive from this hash, so
 * it must be identical on every subtask and stable across versions (savepoints
 * store state by key group).
 */
/* XXH3 compiled in (the same function as the library's, so the same hashes): keys are
 * short, and a call through the library's dispatch costs as much as hashing them. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core.h"

uint64_t strom__hash_bytes(const void *p, size_t n) { return XXH3_64bits(p, n); }

/* The key bytes of a single non-VARCHAR column c (what the general loop writes for
 * that case): its null byte, then its 8 bytes unless NULL.  buf has room for 9. */
static inline size_t key1_fixed(const strom_row *r, int c, strom_type_id type, uint8_t *buf) {
  uint8_t null = r->nulls[c];
  int64_t v = r->v[c].i;
  buf[0] = null;
  if (null) return 1;
  if (type == STROM_DOUBLE && r->v[c].d == 0) v = 0; /* -0.0 == 0.0 */
  memcpy(buf + 1, &v, 8);
  return 9;
}

static size_t key_bytes_general(const strom_row *r, const int *cols, int ncols, uint8_t *buf, size_t cap);
static size_t key_bytes_wide(const strom_row *r, const int *cols, int ncols, uint8_t *buf, size_t cap);

size_t strom__key_bytes(const strom_row *r, const int *cols, int ncols, uint8_t *buf, size_t cap) {
  if (ncols == 1 && cap >= 9) {
    const strom_col *c = &r->schema->cols[cols[0]];
    if (c->keyw == 8) return key1_fixed(r, cols[0], c->type, buf);
  }
  return key_bytes_general(r, cols, ncols, buf, cap);
}

__attribute__((noinline)) static size_t key_bytes_general(const strom_row *r, const int *cols, int ncols, uint8_t *buf,
                                                          size_t cap) {
  if (STROM_UNLIKELY(r->schema->nwide)) return key_bytes_wide(r, cols, ncols, buf, cap);
  /* one pass: columns are written while they fit; past cap only the size is counted
   * (the caller grows the buffer and asks again) */
  size_t need = 0;
  for (int k = 0; k < ncols; k++) {
    int c = cols[k];
    uint8_t null = r->nulls[c];
    strom_type_id t = r->schema->cols[c].type;
    size_t w = null ? 1 : t == STROM_VARCHAR ? 5 + (size_t)r->v[c].s.n : 9;
    if (need + w <= cap) {
      uint8_t *p = buf + need;
      *p = null;
      if (!null && t == STROM_VARCHAR) {
        uint32_t n = r->v[c].s.n;
        memcpy(p + 1, &n, 4);
        memcpy(p + 5, r->v[c].s.p, n);
      } else if (!null) {
        int64_t v = r->v[c].i;
        if (t == STROM_DOUBLE && r->v[c].d == 0) v = 0; /* -0.0 == 0.0 */
        memcpy(p + 1, &v, 8);
      }
    }
    need += w;
  }
  return need;
}

/* The same with DECIMALs wider than 18 digits among the row's columns: those write 16
 * bytes (low word, then high), so equal values give equal bytes; TIMESTAMP(4..9) 12
 * (milliseconds, nanoseconds). */
__attribute__((noinline)) static size_t key_bytes_wide(const strom_row *r, const int *cols, int ncols, uint8_t *buf,
                                                       size_t cap) {
  size_t need = 0;
  for (int k = 0; k < ncols; k++) {
    const strom_col *c = &r->schema->cols[cols[k]];
    need += 1;
    if (!r->nulls[cols[k]]) need += c->keyw ? c->keyw : 4 + r->v[cols[k]].s.n;
  }
  if (need > cap) return need;
  for (int k = 0; k < ncols; k++) {
    int c = cols[k];
    const strom_col *col = &r->schema->cols[c];
    *buf++ = r->nulls[c];
    if (r->nulls[c]) continue;
    if (!col->keyw) {
      uint32_t n = r->v[c].s.n;
      memcpy(buf, &n, 4);
      memcpy(buf + 4, r->v[c].s.p, n);
      buf += 4 + n;
    } else if (col->keyw == 16) {
      memcpy(buf, &r->v[c].w.lo, 8);
      memcpy(buf + 8, &r->v[c].w.hi, 8);
      buf += 16;
    } else if (col->keyw == 12) { /* TIMESTAMP(4..9): milliseconds, nanoseconds */
      memcpy(buf, &r->v[c].ts.ms, 8);
      memcpy(buf + 8, &r->v[c].ts.nano, 4);
      buf += 12;
    } else {
      int64_t v = r->v[c].i;
      if (col->type == STROM_DOUBLE && r->v[c].d == 0) v = 0; /* -0.0 == 0.0 */
      memcpy(buf, &v, 8);
      buf += 8;
    }
  }
  return need;
}

__attribute__((noinline)) static uint64_t key_hash_general(const strom_row *r, const int *cols, int ncols) {
  uint8_t small[256];
  size_t n = strom__key_bytes(r, cols, ncols, small, sizeof small);
  if (n <= sizeof small) return XXH3_64bits(small, n);
  uint8_t *big = strom__malloc(n);
  if (!big) return 0;
  strom__key_bytes(r, cols, ncols, big, n);
  uint64_t h = XXH3_64bits(big, n);
  free(big);
  return h;
}

uint64_t strom__key_hash(const strom_row *r, const int *cols, int ncols) {
  if (ncols == 1) {
    const strom_col *c = &r->schema->cols[cols[0]];
    if (c->keyw == 8) {
      uint8_t b[9];
      return XXH3_64bits(b, key1_fixed(r, cols[0], c->type, b));
    }
  }
  return key_hash_general(r, cols, ncols);
}

int strom__key_decode(strom_row *r, const uint8_t *p, size_t n) {
  const uint8_t *end = p + n;
  for (int c = 0; c < r->ncols; c++) {
    if (p >= end) return STROM_EPARSE;
    r->nulls[c] = *p++;
    if (r->nulls[c]) continue;
    if (r->schema->cols[c].type == STROM_VARCHAR) {
      uint32_t len;
      if (end - p < 4) return STROM_EPARSE;
      memcpy(&len, p, 4);
      if ((size_t)(end - p - 4) < len) return STROM_EPARSE;
      r->v[c].s.p = (const char *)p + 4;
      r->v[c].s.n = len;
      p += 4 + len;
    } else if (r->schema->cols[c].keyw != 8) { /* a wide DECIMAL (16) or TIMESTAMP(4..9) (12) */
      size_t w = r->schema->cols[c].keyw;
      if ((size_t)(end - p) < w) return STROM_EPARSE;
      if (w == 16) {
        memcpy(&r->v[c].w.lo, p, 8);
        memcpy(&r->v[c].w.hi, p + 8, 8);
      } else {
        memcpy(&r->v[c].ts.ms, p, 8);
        memcpy(&r->v[c].ts.nano, p + 8, 4);
      }
      p += w;
    } else {
      if (end - p < 8) return STROM_EPARSE;
      memcpy(&r->v[c].i, p, 8);
      p += 8;
    }
  }
  return p == end ? STROM_OK : STROM_EPARSE;
}
