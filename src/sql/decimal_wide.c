/*
 * decimal_wide.c -- SQL on DECIMALs wider than 18 digits (precision 19..38, Flink's
 * maximum): arithmetic, casts, comparison and the DECIMAL functions when the result or
 * an operand is held in 128 bits.  The narrow path (an int64, expr.c and expr_fast.c)
 * stays as it was; these are called from its hooks when sql_dec_wide says so (and for
 * TRUNCATE of any DECIMAL).  Results
 * follow Flink's DecimalDataUtils: exact, rounded half up to the result type's scale,
 * NULL when they need more than its precision.
 */
#include <math.h>
#include <stdlib.h>

#include "sql_int.h"

static int dscale(const sql_type *t) { return t->id == STROM_DECIMAL ? t->s : 0; }

static int put(const sql_type *t, __int128 v, bool ok, sql_val *out, sql_ectx *c) {
  if (!ok) return sql_dec_overflow(t, out, c);
  sql_dec_put(t, v, out);
  return 0;
}

/* a % b, both at their scales, into scale s: the remainder's sign is the dividend's. */
static bool dec_mod(__int128 a, int sa, __int128 b, int sb, int s, int p, __int128 *out) {
  int w = sa > sb ? sa : sb;
  __int128 x, y;
  if (__builtin_mul_overflow(a, strom__dec128_pow10(w - sa), &x)) return false; /* |a| 10^k > 2^127: > 38 digits */
  if (__builtin_mul_overflow(b, strom__dec128_pow10(w - sb), &y)) return strom__dec128_rescale(x, w, s, p, out); /* |b| > |a| */
  return strom__dec128_rescale(x % y, w, s, p, out);
}

int sql_dec_wide_arith(int op, const sql_type *t, const sql_type *tx, const sql_val *x, const sql_type *ty,
                       const sql_val *y, sql_val *out, sql_ectx *c) {
  __int128 a = sql_dec_get(tx, x), b = sql_dec_get(ty, y), v = 0;
  int sx = dscale(tx), sy = dscale(ty);
  bool ok;
  switch (op) {
    case SQL_E_ADD:
    case SQL_E_SUB: ok = strom__dec128_addsub(a, sx, b, sy, op == SQL_E_SUB, t->s, t->p, &v); break;
    case SQL_E_MUL: ok = strom__dec128_mul(a, b, sx + sy - t->s, t->p, &v); break;
    case SQL_E_DIV:
      if (b == 0) return sql_ectx_fail(c, "division by zero");
      ok = strom__dec128_div(a, t->s + sy - sx, b, t->p, &v);
      break;
    default:
      if (b == 0) return sql_ectx_fail(c, "division by zero");
      ok = dec_mod(a, sx, b, sy, t->s, t->p, &v);
      break;
  }
  return put(t, v, ok, out, c);
}

/* A wide decimal as a double: its text read back, so the double is the nearest one. */
static double wide_to_double(__int128 v, int scale) {
  strom_buf b = {0};
  strom__dec128_format(&b, v, scale);
  strom__buf_append(&b, "", 1);
  double d = b.p ? strtod(b.p, NULL) : 0;
  strom__buf_free(&b);
  return d;
}

int sql_dec_wide_cast(const sql_type *from, const sql_type *to, const sql_val *v, sql_val *out, sql_ectx *c) {
  out->null = false;
  __int128 x = from->id == STROM_DOUBLE ? 0 : sql_dec_get(from, v);
  int fs = dscale(from);
  switch (to->id) {
    case STROM_BOOLEAN: out->i = from->id == STROM_DOUBLE ? v->d != 0 : x != 0; return 0;
    case STROM_INT:
    case STROM_BIGINT:
    case STROM_TIMESTAMP: { /* the integer part, wrapped to the type as Java's longValue() */
      int64_t q = (int64_t)(uint64_t)(unsigned __int128)(x / strom__dec128_pow10(fs));
      out->i = to->id == STROM_INT ? (int32_t)(uint32_t)(uint64_t)q : q;
      return 0;
    }
    case STROM_DOUBLE: out->d = wide_to_double(x, fs); return 0;
    case STROM_DECIMAL: {
      __int128 r = 0;
      bool ok;
      if (from->id == STROM_DOUBLE) {
        /* long double keeps the double's 53 bits exactly while scaling; a value past
         * 38 digits (or NaN, infinity) does not fit. */
        long double scaled = (long double)v->d * powl(10.0L, to->s);
        ok = fabsl(scaled) < 1e38L;
        if (ok) r = (__int128)roundl(scaled), ok = strom__dec128_fits(r, to->p);
      } else {
        ok = strom__dec128_rescale(x, fs, to->s, to->p, &r);
      }
      return put(to, r, ok, out, c);
    }
    default: break;
  }
  return sql_ectx_fail(c, "unsupported cast");
}

int sql_dec_wide_cmp(const sql_type *t, const sql_val *a, const sql_val *b) {
  __int128 x = sql_dec_get(t, a), y = sql_dec_get(t, b);
  return x < y ? -1 : x > y;
}

int sql_dec_wide_fn(const char *name, const sql_type *rt, const sql_type *in, const sql_val *a, int n, sql_val *out,
                    sql_ectx *c) {
  __int128 x = sql_dec_get(in, &a[0]), r = 0;
  int s = dscale(in);
  bool ok = true;
  if (!strcmp(name, "ABS")) {
    r = x < 0 ? -x : x;
  } else if (!strcmp(name, "SIGN")) {
    r = (x > 0) - (x < 0);
    r *= strom__dec128_pow10(rt->s);
  } else if (!strncmp(name, "CEIL", 4) || !strcmp(name, "FLOOR")) {
    __int128 m = strom__dec128_pow10(s), q = x / m, rem = x % m;
    if (rem && name[0] == 'C' && x > 0) q++;
    if (rem && name[0] == 'F' && x < 0) q--;
    ok = strom__dec128_rescale(q, 0, rt->s, rt->p, &r);
  } else if (!strcmp(name, "ROUND")) {
    int d = n > 1 ? (int)a[1].i : 0, to = d < s ? d : s;
    ok = strom__dec128_rescale(x, s, to < 0 ? 0 : to, 38, &r);
    if (ok && to < 0) { /* to tens, hundreds: half up at that digit */
      __int128 m = to < -38 ? 0 : strom__dec128_pow10(-to);
      if (!m) r = 0;
      else ok = strom__dec128_rescale(r, -to, 0, 38, &r) && strom__dec128_rescale(r, 0, -to, 38, &r);
    }
    if (ok) ok = strom__dec128_rescale(r, to < 0 ? 0 : to, rt->s, rt->p, &r);
  } else if (!strcmp(name, "TRUNCATE")) { /* toward zero: the digits past d dropped */
    int d = n > 1 ? (int)a[1].i : 0, drop = s - (d < 0 ? 0 : d > s ? s : d);
    __int128 m = strom__dec128_pow10(drop);
    r = x / m; /* at scale s - drop */
    if (d < 0) {
      __int128 k = -d > 38 ? 0 : strom__dec128_pow10(-d);
      r = k ? r / k * k : 0;
    }
    ok = strom__dec128_rescale(r, s - drop, rt->s, rt->p, &r);
  } else if (!strcmp(name, "MOD")) {
    __int128 y = sql_dec_get(in, &a[1]);
    if (y == 0) return sql_ectx_fail(c, "division by zero");
    if (rt->id == STROM_DECIMAL) ok = strom__dec128_rescale(x % y, s, rt->s, rt->p, &r);
    else { /* an integer result type: the remainder's integer part */
      out->i = (int64_t)(x % y / strom__dec128_pow10(s));
      return 0;
    }
  } else {
    return sql_ectx_fail(c, "%s: not supported on DECIMAL wider than 18 digits", name);
  }
  if (rt->id != STROM_DECIMAL) { /* cannot happen for the functions above; be safe */
    out->null = false;
    out->i = (int64_t)r;
    return 0;
  }
  return put(rt, r, ok, out, c);
}
