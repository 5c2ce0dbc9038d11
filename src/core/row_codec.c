/*
 * row_codec.c -- the binary encoding of rows (see core.h for the layout).  Channels
 * encode every record that crosses a task boundary, so both directions are written
 * as straight-line loops over the schema with no allocation.
 */
#include "core.h"

static inline size_t varint_len(uint32_t v) { return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5; }

size_t strom__row_strings_size(const strom_row *r) {
  const strom_schema *s = r->schema;
  size_t n = 0;
  for (int i = 0; i < r->ncols; i++) {
    if (s->cols[i].type != STROM_VARCHAR || r->nulls[i]) continue;
    n += varint_len(r->v[i].s.n) + r->v[i].s.n;
  }
  return n;
}

/* The fast path: a row of 1 to 8 columns that are all 8 bytes wide (BIGINT, DOUBLE,
 * DECIMAL, TIMESTAMP) and none NULL is a zero bitmap byte and the values.  The null
 * flags are read 8 at a time (rows pad them to 8 bytes; see STROM_ROW_NULLS_SIZE).
 * The general paths are kept out of line, so that the fast ones need no stack frame. */
static inline bool wide8(const strom_schema *s, unsigned n) { return n - 1 < 8 && s->n8 == (int)n; }

#define FALLTHROUGH __attribute__((fallthrough))
/* Copies n (1..8) 8-byte values between a row and the encoding. */
#define COPY8(n, STORE)             \
  switch (n) {                      \
    case 8: STORE(7); FALLTHROUGH;  \
    case 7: STORE(6); FALLTHROUGH;  \
    case 6: STORE(5); FALLTHROUGH;  \
    case 5: STORE(4); FALLTHROUGH;  \
    case 4: STORE(3); FALLTHROUGH;  \
    case 3: STORE(2); FALLTHROUGH;  \
    case 2: STORE(1); FALLTHROUGH;  \
    default: STORE(0);              \
  }

__attribute__((noinline)) static uint8_t *encode_general(const strom_row *r, uint8_t *restrict dst) {
  const strom_col *cols = r->schema->cols;
  const uint8_t *nulls = r->nulls;
  const strom_value *v = r->v;
  int n = r->ncols;
  uint8_t *bm = dst;
  dst += (n + 7) / 8;
  for (int base = 0; base < n; base += 8) {
    unsigned bits = 0;
    int lim = n - base < 8 ? n : base + 8;
    for (int i = base; i < lim; i++) {
      if (nulls[i]) {
        bits |= 1u << (i - base);
        continue;
      }
      switch (cols[i].enc) {
        case STROM_BOOLEAN: *dst++ = (uint8_t)(v[i].i != 0); break;
        case STROM_INT: {
          int32_t x = (int32_t)v[i].i;
          memcpy(dst, &x, 4);
          dst += 4;
          break;
        }
        case STROM_VARCHAR: {
          uint32_t len = v[i].s.n;
          while (len >= 0x80) {
            *dst++ = (uint8_t)(len | 0x80);
            len >>= 7;
          }
          *dst++ = (uint8_t)len;
          memcpy(dst, v[i].s.p, v[i].s.n);
          dst += v[i].s.n;
          break;
        }
        case STROM__ENC_DEC128: /* lo, then hi */
          memcpy(dst, &v[i].w.lo, 8);
          memcpy(dst + 8, &v[i].w.hi, 8);
          dst += 16;
          break;
        case STROM__ENC_TS_WIDE: /* milliseconds, then the nanoseconds of the millisecond */
          memcpy(dst, &v[i].ts.ms, 8);
          memcpy(dst + 8, &v[i].ts.nano, 4);
          dst += 12;
          break;
        default: memcpy(dst, &v[i], 8); dst += 8; break;
      }
    }
    bm[base >> 3] = (uint8_t)bits;
  }
  return dst;
}

uint8_t *strom__row_encode(const strom_row *r, uint8_t *dst) {
  unsigned n = (unsigned)r->ncols;
  if (STROM_LIKELY(wide8(r->schema, n))) {
    uint64_t nulls;
    memcpy(&nulls, r->nulls, 8);
    if (STROM_LIKELY(!(nulls << (64 - 8 * n)))) { /* the first n flags are 0 */
      const strom_value *v = r->v;
      uint8_t *out = dst + 1;
#define ENC(k) memcpy(out + 8 * (k), &v[k].i, 8)
      COPY8(n, ENC)
#undef ENC
      dst[0] = 0;
      return out + 8 * n;
    }
  }
  return encode_general(r, dst);
}

__attribute__((noinline)) static const uint8_t *decode_general(strom_row *r, const uint8_t *src, const uint8_t *end) {
  const strom_col *cols = r->schema->cols;
  uint8_t *nulls = r->nulls;
  strom_value *v = r->v;
  int n = r->ncols;
  const uint8_t *bm = src;
  if ((size_t)(end - src) < (size_t)(n + 7) / 8) return NULL;
  src += (n + 7) / 8;
  for (int i = 0; i < n; i++) {
    if (bm[i >> 3] & (1u << (i & 7))) {
      nulls[i] = 1;
      continue;
    }
    nulls[i] = 0;
    switch (cols[i].enc) {
      case STROM_BOOLEAN:
        if (src >= end) return NULL;
        v[i].i = *src++ != 0;
        break;
      case STROM_INT: {
        int32_t x;
        if (end - src < 4) return NULL;
        memcpy(&x, src, 4);
        src += 4;
        v[i].i = x;
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
        v[i].s.p = (const char *)src;
        v[i].s.n = len;
        src += len;
        break;
      }
      case STROM__ENC_DEC128:
        if (end - src < 16) return NULL;
        memcpy(&v[i].w.lo, src, 8);
        memcpy(&v[i].w.hi, src + 8, 8);
        src += 16;
        break;
      case STROM__ENC_TS_WIDE:
        if (end - src < 12) return NULL;
        memcpy(&v[i].ts.ms, src, 8);
        memcpy(&v[i].ts.nano, src + 8, 4);
        src += 12;
        if (v[i].ts.nano > 999999) return NULL;
        break;
      default:
        if (end - src < 8) return NULL;
        memcpy(&v[i], src, 8);
        src += 8;
        break;
    }
  }
  return src;
}

const uint8_t *strom__row_decode(strom_row *r, const uint8_t *src, const uint8_t *end) {
  unsigned n = (unsigned)r->ncols;
  /* No column NULL (bits past the last column are ignored, as in the general path). */
  if (STROM_LIKELY(wide8(r->schema, n)) && STROM_LIKELY((size_t)(end - src) > 8 * n) &&
      STROM_LIKELY(!(src[0] & (0xffu >> (8 - n))))) {
    const uint64_t none = 0;
    strom_value *v = r->v;
    const uint8_t *in = src + 1;
#define DEC(k) memcpy(&v[k].i, in + 8 * (k), 8)
    COPY8(n, DEC)
#undef DEC
    memcpy(r->nulls, &none, 8);
    return in + 8 * n;
  }
  return decode_general(r, src, end);
}

int strom__row_encode_scratch(const strom_row *r, uint8_t **buf, size_t *cap, size_t *len) {
  size_t n = strom__row_encoded_size(r);
  if (n > *cap) {
    uint8_t *p = strom__realloc(*buf, n);
    if (!p) return STROM_ENOMEM;
    *buf = p;
    *cap = n;
  }
  *len = (size_t)(strom__row_encode(r, *buf) - *buf);
  return STROM_OK;
}

__attribute__((noinline)) static const uint8_t *skip_general(const strom_schema *s, const uint8_t *src, const uint8_t *end) {
  unsigned n = (unsigned)s->ncols;
  size_t nb = (n + 7) / 8;
  if ((size_t)(end - src) < nb) return NULL;
  const uint8_t *bm = src;
  src += nb;
  for (unsigned i = 0; i < n; i++) {
    if (bm[i >> 3] & (1u << (i & 7))) continue;
    size_t w;
    switch (s->cols[i].enc) {
      case STROM_BOOLEAN: w = 1; break;
      case STROM_INT: w = 4; break;
      case STROM_VARCHAR: {
        uint32_t len = 0;
        for (int shift = 0;; shift += 7) {
          if (src >= end || shift > 28) return NULL;
          uint8_t b = *src++;
          len |= (uint32_t)(b & 0x7f) << shift;
          if (!(b & 0x80)) break;
        }
        w = len;
        break;
      }
      case STROM__ENC_DEC128: w = 16; break;
      case STROM__ENC_TS_WIDE: w = 12; break;
      default: w = 8; break;
    }
    if ((size_t)(end - src) < w) return NULL;
    src += w;
  }
  return src;
}

const uint8_t *strom__row_skip(const strom_schema *s, const uint8_t *src, const uint8_t *end) {
  unsigned n = (unsigned)s->ncols;
  if (STROM_LIKELY(wide8(s, n)) && STROM_LIKELY((size_t)(end - src) > 8 * n) &&
      STROM_LIKELY(!(src[0] & (0xffu >> (8 - n)))))
    return src + 1 + 8 * n;
  return skip_general(s, src, end);
}
