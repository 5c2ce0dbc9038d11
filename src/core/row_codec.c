/*
 * row_codec.c -- the binary encoding of rows (see core.h for the layout).  Channels
 * encode every record that crosses a task boundary, so both directions are written
 * as straight-line loops over the schema with no allocation.
 */
#include "core.h"

static inline size_t varint_len(uint32_t v) { return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5; }

size_t strom__row_encoded_size(const strom_row *r) {
  const strom_schema *s = r->schema;
  size_t n = ((size_t)r->ncols + 7) / 8 + s->fixed_size;
  if (s->nstr) {
    for (int i = 0; i < r->ncols; i++) {
      if (s->cols[i].type != STROM_VARCHAR || r->nulls[i]) continue;
      n += varint_len(r->v[i].s.n) + r->v[i].s.n;
    }
  }
  return n; /* an over-estimate when fixed-width columns are NULL; that is fine */
}

uint8_t *strom__row_encode(const strom_row *r, uint8_t *dst) {
  const strom_col *cols = r->schema->cols;
  int n = r->ncols;
  uint8_t *bm = dst;
  dst += (n + 7) / 8;
  memset(bm, 0, (size_t)(n + 7) / 8);
  for (int i = 0; i < n; i++) {
    if (r->nulls[i]) {
      bm[i >> 3] |= (uint8_t)(1u << (i & 7));
      continue;
    }
    switch (cols[i].type) {
      case STROM_BOOLEAN: *dst++ = (uint8_t)(r->v[i].i != 0); break;
      case STROM_INT: {
        int32_t v = (int32_t)r->v[i].i;
        memcpy(dst, &v, 4);
        dst += 4;
        break;
      }
      case STROM_VARCHAR: {
        uint32_t len = r->v[i].s.n;
        while (len >= 0x80) {
          *dst++ = (uint8_t)(len | 0x80);
          len >>= 7;
        }
        *dst++ = (uint8_t)len;
        memcpy(dst, r->v[i].s.p, r->v[i].s.n);
        dst += r->v[i].s.n;
        break;
      }
      default: memcpy(dst, &r->v[i], 8); dst += 8; break;
    }
  }
  return dst;
}

const uint8_t *strom__row_decode(strom_row *r, const uint8_t *src, const uint8_t *end) {
  const strom_col *cols = r->schema->cols;
  int n = r->ncols;
  const uint8_t *bm = src;
  if ((size_t)(end - src) < (size_t)(n + 7) / 8) return NULL;
  src += (n + 7) / 8;
  for (int i = 0; i < n; i++) {
    if (bm[i >> 3] & (1u << (i & 7))) {
      r->nulls[i] = 1;
      continue;
    }
    r->nulls[i] = 0;
    switch (cols[i].type) {
      case STROM_BOOLEAN:
        if (src >= end) return NULL;
        r->v[i].i = *src++ != 0;
        break;
      case STROM_INT: {
        int32_t v;
        if (end - src < 4) return NULL;
        memcpy(&v, src, 4);
        src += 4;
        r->v[i].i = v;
        break;
      }
      case STROM_VARCHAR: {
        uint32_t len = 0;
        for (int shift = 0;; shift += 7) {
          if (src >= end || shift > 28) return NULL;
          uint8_t b = *src++;
          len |= (uint32_t)(b & 0x7f) << shift;
          if (!(b & 0x80)) {
            /* Only the encoder's own form: no overlong zero bytes, nothing past 32 bits. */
            if ((shift && !b) || (shift == 28 && b > 0x0f)) return NULL;
            break;
          }
        }
        if ((size_t)(end - src) < len) return NULL;
        r->v[i].s.p = (const char *)src;
        r->v[i].s.n = len;
        src += len;
        break;
      }
      default:
        if (end - src < 8) return NULL;
        memcpy(&r->v[i], src, 8);
        src += 8;
        break;
    }
  }
  return src;
}
