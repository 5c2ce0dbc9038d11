/*
 * datagen_text.c -- the datagen connector's values of the types that cross a connector
 * as text (types_io.c): DATE, TIME, INTERVAL, ARRAY, MAP, MULTISET.  The generator
 * writes the text Strom's CAST from a string reads back (2026-11-28, 02:31:38.123,
 * +1 02:03:04.005, [a, b], {k=1}), with Flink's datagen choices: DATE and TIME are the
 * current date and time of day, intervals random (within min/max, else up to 99 days or
 * 99 years), collections hold `length` elements (3 by default) of random values of their
 * element types, recursively.  Values are a function of the seed, so a resumed job
 * regenerates the same rows (the date and time excepted, as Flink's).
 */
#include "sql_int.h"

static uint64_t next(uint64_t *r) {
  uint64_t x = (*r += 0x9E3779B97F4A7C15ULL);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

bool sql_dg_text_supported(const sql_type *t) {
  switch (t->kind) {
    case SQL_K_ARRAY: return sql_dg_text_supported(t->elem);
    case SQL_K_MAP: return sql_dg_text_supported(t->key) && sql_dg_text_supported(t->elem);
    case SQL_K_MULTISET: return sql_dg_text_supported(t->key);
    case SQL_K_ROWV:
    case SQL_K_BYTES: return false;
    default: return true;
  }
}

/* An element's value: the type's whole range for numbers, 100 characters (or VARCHAR(n)'s
 * n) for strings. */
static void scalar(strom_buf *b, const sql_type *t, uint64_t *r, int64_t now) {
  sql_val v = {0};
  uint64_t x = next(r);
  int bits = sql_narrow_bits(t);
  switch (t->id) {
    case STROM_BOOLEAN: v.i = (int64_t)(x & 1); break;
    case STROM_INT: v.i = bits ? (int64_t)(int16_t)x >> (16 - bits) : (int32_t)x; break;
    case STROM_BIGINT: v.i = (int64_t)x; break;
    case STROM_DOUBLE: v.d = (double)(x >> 11) / 9007199254740992.0 * 1e9; break;
    case STROM_DECIMAL: {
      int digits = t->p > 18 ? 18 : t->p;
      v.i = (int64_t)(x % (uint64_t)sql_pow10(digits));
      if (sql_dec_wide(t)) v.w.hi = 0;
      break;
    }
    case STROM_TIMESTAMP: v.i = now; break;
    case STROM_VARCHAR: {
      static const char hex[] = "0123456789abcdef";
      char s[100];
      size_t n = t->p > 0 && t->p < (int)sizeof s ? (size_t)t->p : sizeof s;
      for (size_t k = 0; k < n; k++) s[k] = hex[(k % 16 ? x >>= 4 : (x = next(r))) & 15];
      v.s.p = s, v.s.n = (uint32_t)n;
      sql_val_format(b, t, &v);
      return;
    }
    default: break;
  }
  if (t->narrow == SQL_N_FLOAT) v.d = (double)(float)v.d;
  sql_val_format(b, t, &v);
}

void sql_dg_text(strom_buf *b, const sql_type *t, uint64_t seed, int64_t now, int64_t len, const int64_t *range) {
  uint64_t r = seed;
  sql_val v = {0};
  switch (t->kind) {
    case SQL_K_DATE: v.i = floor_div(now, 86400000); break;
    case SQL_K_TIME: v.i = now - floor_div(now, 86400000) * 86400000; break;
    case SQL_K_IV_DT:
    case SQL_K_IV_YM: {
      int64_t lo = range ? range[0] : 0, hi = range ? range[1] : t->kind == SQL_K_IV_DT ? 100 * 86400000LL - 1 : 99 * 12 + 11;
      uint64_t span = (uint64_t)(hi - lo) + 1;
      v.i = span ? lo + (int64_t)(next(&r) % span) : (int64_t)next(&r);
      break;
    }
    case SQL_K_ARRAY:
    case SQL_K_MAP:
    case SQL_K_MULTISET: {
      strom__buf_append(b, t->kind == SQL_K_ARRAY ? "[" : "{", 1);
      for (int64_t i = 0; i < len; i++) {
        if (i) strom__buf_append(b, ", ", 2);
        const sql_type *e = t->kind == SQL_K_ARRAY ? t->elem : t->key;
        sql_dg_text(b, e, next(&r), now, 3, NULL);
        if (t->kind == SQL_K_MAP) strom__buf_append(b, "=", 1), sql_dg_text(b, t->elem, next(&r), now, 3, NULL);
        if (t->kind == SQL_K_MULTISET) strom__buf_append(b, "=1", 2);
      }
      strom__buf_append(b, t->kind == SQL_K_ARRAY ? "]" : "}", 1);
      return;
    }
    default: scalar(b, t, &r, now); return;
  }
  sql_val_format(b, t, &v);
}
