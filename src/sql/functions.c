/*
 * functions.c -- the built-in scalar functions: one table of name, arity, a type
 * check (which also converts arguments to the types the function computes on) and an
 * evaluator.  The semantics follow Flink's function reference: string positions are
 * 1-based, strict functions give NULL for a NULL argument, COALESCE/IF/NULLIF are not
 * strict.  Time functions work in UTC (TIMESTAMP has no zone).
 */
#include <ctype.h>
#include <math.h>
#include <strings.h>
#include <time.h>

#include "sql_int.h"

static const sql_type T_BOOL = {.id = STROM_BOOLEAN}, T_INT = {.id = STROM_INT}, T_BIGINT = {.id = STROM_BIGINT},
                      T_DOUBLE = {.id = STROM_DOUBLE}, T_STR = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX},
                      T_TS = {.id = STROM_TIMESTAMP, .p = 3};

static int fail(char *err, size_t errlen, const sql_expr *e, const char *what) {
  snprintf(err, errlen, "%s: %s", e->fn->name, what);
  return STROM_EINVAL;
}

/* Converts argument i to t; an error if the types cannot convert. */
static int arg_to(sql_arena *a, sql_expr *e, int i, const sql_type *t, char *err, size_t errlen) {
  if (!e->a[i]->type.id) e->a[i]->type = *t; /* untyped NULL */
  if (e->a[i]->type.id == t->id && e->a[i]->type.kind == t->kind && (t->id != STROM_DECIMAL)) return 0;
  if (!sql_can_cast(&e->a[i]->type, t)) {
    char want[48], got[48], m[160];
    sql_type_name(t, want, sizeof want);
    sql_type_name(&e->a[i]->type, got, sizeof got);
    snprintf(m, sizeof m, "argument %d is %s, expected %s", i + 1, got, want);
    return fail(err, errlen, e, m);
  }
  if (!(e->a[i] = sql_cast_to(a, e->a[i], t))) return STROM_ENOMEM;
  return 0;
}

static int all_to(sql_arena *a, sql_expr *e, const sql_type *t, char *err, size_t errlen) {
  for (int i = 0; i < e->n; i++) {
    int rc = arg_to(a, e, i, t, err, errlen);
    if (rc) return rc;
  }
  return 0;
}

static bool numeric_arg(sql_expr *e, int i) { return sql_type_numeric(&e->a[i]->type); }

/* ---- strings ---- */

static int ck_str_str(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_STR;
  return all_to(a, e, &T_STR, err, errlen);
}

static int ck_str_int(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_INT;
  return all_to(a, e, &T_STR, err, errlen);
}

/* (string, int, [int]) -> string */
static int ck_substr(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = arg_to(a, e, 0, &T_STR, err, errlen);
  for (int i = 1; !rc && i < e->n; i++) rc = arg_to(a, e, i, &T_BIGINT, err, errlen);
  e->type = T_STR;
  return rc;
}

/* (string, int, string) -> string: LPAD, RPAD */
static int ck_pad(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = arg_to(a, e, 0, &T_STR, err, errlen);
  if (!rc) rc = arg_to(a, e, 1, &T_BIGINT, err, errlen);
  if (!rc) rc = arg_to(a, e, 2, &T_STR, err, errlen);
  e->type = T_STR;
  return rc;
}

static int ck_split_index(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = arg_to(a, e, 0, &T_STR, err, errlen);
  if (!rc) rc = arg_to(a, e, 1, &T_STR, err, errlen);
  if (!rc) rc = arg_to(a, e, 2, &T_BIGINT, err, errlen);
  e->type = T_STR;
  return rc;
}

static char *alloc_str(sql_ectx *c, sql_val *out, size_t n) {
  char *p = sql_ectx_alloc(c, n + 1);
  if (p) out->s.p = p, out->s.n = (uint32_t)n;
  return p;
}

static int f_upper(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  char *p = alloc_str(c, out, a[0].s.n);
  if (!p) return STROM_ENOMEM;
  bool up = !strcmp(e->fn->name, "UPPER");
  for (uint32_t i = 0; i < a[0].s.n; i++)
    p[i] = (char)(up ? toupper((unsigned char)a[0].s.p[i]) : tolower((unsigned char)a[0].s.p[i]));
  return 0;
}

static int f_initcap(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  char *p = alloc_str(c, out, a[0].s.n);
  if (!p) return STROM_ENOMEM;
  bool start = true;
  for (uint32_t i = 0; i < a[0].s.n; i++) {
    unsigned char ch = (unsigned char)a[0].s.p[i];
    p[i] = (char)(start ? toupper(ch) : tolower(ch));
    start = !isalnum(ch);
  }
  return 0;
}

/* UTF-8 code points, which is what Flink's lengths and positions count. */
static size_t utf8_len(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
  return k;
}
static size_t utf8_offset(const char *s, size_t n, size_t chars) {
  size_t i = 0;
  while (i < n && chars) {
    i++;
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    chars--;
  }
  return i;
}

static int f_char_length(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e, (void)c;
  out->i = (int64_t)utf8_len(a[0].s.p, a[0].s.n);
  return 0;
}

static int f_substring(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  int64_t len = (int64_t)utf8_len(a[0].s.p, a[0].s.n), start = a[1].i, cnt = e->n > 2 ? a[2].i : INT64_MAX;
  if (e->n > 2 && cnt < 0) {
    out->s.p = "", out->s.n = 0;
    return 0;
  }
  if (start < 0) start = len + start + 1; /* Flink counts a negative start from the end */
  if (start == 0) start = 1;
  int64_t from = start - 1, to = cnt == INT64_MAX ? len : from + cnt;
  if (from < 0) from = 0;
  if (to > len) to = len;
  if (from >= to) {
    out->s.p = "", out->s.n = 0;
    return 0;
  }
  size_t b = utf8_offset(a[0].s.p, a[0].s.n, (size_t)from), en = utf8_offset(a[0].s.p, a[0].s.n, (size_t)to);
  out->s.p = a[0].s.p + b, out->s.n = (uint32_t)(en - b);
  return 0;
}

static int f_left_right(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  int64_t len = (int64_t)utf8_len(a[0].s.p, a[0].s.n), k = a[1].i < 0 ? 0 : a[1].i;
  if (k > len) k = len;
  if (!strcmp(e->fn->name, "LEFT")) {
    out->s.p = a[0].s.p, out->s.n = (uint32_t)utf8_offset(a[0].s.p, a[0].s.n, (size_t)k);
  } else {
    size_t b = utf8_offset(a[0].s.p, a[0].s.n, (size_t)(len - k));
    out->s.p = a[0].s.p + b, out->s.n = a[0].s.n - (uint32_t)b;
  }
  return 0;
}

static int f_trim(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  const char *p = a[0].s.p;
  size_t n = a[0].s.n;
  bool l = strcmp(e->fn->name, "RTRIM") != 0, r = strcmp(e->fn->name, "LTRIM") != 0;
  while (l && n && *p == ' ') p++, n--;
  while (r && n && p[n - 1] == ' ') n--;
  out->s.p = p, out->s.n = (uint32_t)n;
  return 0;
}

static int f_concat(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  size_t n = 0;
  for (int i = 0; i < e->n; i++) n += a[i].s.n;
  char *p = alloc_str(c, out, n);
  if (!p) return STROM_ENOMEM;
  for (int i = 0; i < e->n; i++) memcpy(p, a[i].s.p, a[i].s.n), p += a[i].s.n;
  return 0;
}

/* CONCAT_WS skips NULL arguments after the separator (not strict). */
static int f_concat_ws(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (a[0].null) {
    out->null = true;
    return 0;
  }
  size_t n = 0;
  for (int i = 1; i < e->n; i++) n += a[i].null ? 0 : a[i].s.n + a[0].s.n;
  char *p = alloc_str(c, out, n);
  if (!p) return STROM_ENOMEM;
  size_t k = 0;
  bool first = true;
  for (int i = 1; i < e->n; i++) {
    if (a[i].null) continue;
    if (!first) memcpy(p + k, a[0].s.p, a[0].s.n), k += a[0].s.n;
    memcpy(p + k, a[i].s.p, a[i].s.n), k += a[i].s.n;
    first = false;
  }
  out->s.n = (uint32_t)k;
  return 0;
}

static int f_replace(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  const char *s = a[0].s.p, *f = a[1].s.p, *t = a[2].s.p;
  size_t n = a[0].s.n, fn = a[1].s.n, tn = a[2].s.n;
  if (!fn) {
    *out = a[0];
    return 0;
  }
  size_t hits = 0;
  for (size_t i = 0; i + fn <= n;) {
    if (!memcmp(s + i, f, fn)) hits++, i += fn;
    else i++;
  }
  char *p = alloc_str(c, out, n - hits * fn + hits * tn);
  if (!p) return STROM_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    if (i + fn <= n && !memcmp(s + i, f, fn)) memcpy(p + k, t, tn), k += tn, i += fn;
    else p[k++] = s[i++];
  }
  return 0;
}

static int f_pad(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  int64_t len = a[1].i;
  if (len < 0 || len > (1 << 20)) {
    out->null = true;
    return 0;
  }
  size_t have = utf8_len(a[0].s.p, a[0].s.n);
  if ((size_t)len <= have) {
    out->s.p = a[0].s.p, out->s.n = (uint32_t)utf8_offset(a[0].s.p, a[0].s.n, (size_t)len);
    return 0;
  }
  if (!a[2].s.n) {
    out->null = true;
    return 0;
  }
  size_t need = (size_t)len - have;
  char *p = alloc_str(c, out, a[0].s.n + need * a[2].s.n);
  if (!p) return STROM_ENOMEM;
  strom_buf b = {0};
  bool left = !strcmp(e->fn->name, "LPAD");
  if (!left) strom__buf_append(&b, a[0].s.p, a[0].s.n);
  for (size_t i = 0; i < need; i++) strom__buf_append(&b, a[2].s.p + (i % a[2].s.n), 1);
  if (left) strom__buf_append(&b, a[0].s.p, a[0].s.n);
  memcpy(p, b.p, b.len);
  out->s.n = (uint32_t)b.len;
  strom__buf_free(&b);
  return 0;
}

static int f_reverse(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  char *p = alloc_str(c, out, a[0].s.n);
  if (!p) return STROM_ENOMEM;
  for (uint32_t i = 0; i < a[0].s.n; i++) p[i] = a[0].s.p[a[0].s.n - 1 - i];
  return 0;
}

static int f_split_index(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e, (void)c;
  const char *s = a[0].s.p, *d = a[1].s.p;
  size_t n = a[0].s.n, dn = a[1].s.n;
  int64_t want = a[2].i, k = 0;
  if (want < 0 || !dn) {
    out->null = true;
    return 0;
  }
  size_t b = 0;
  for (size_t i = 0; i <= n;) {
    if (i == n || (i + dn <= n && !memcmp(s + i, d, dn))) {
      if (k++ == want) {
        out->s.p = s + b, out->s.n = (uint32_t)(i - b);
        return 0;
      }
      i += i == n ? 1 : dn;
      b = i;
    } else {
      i++;
    }
  }
  out->null = true;
  return 0;
}

static int f_position(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e, (void)c;
  /* POSITION(needle, haystack) / LOCATE(needle, haystack): 1-based, 0 if absent. */
  const char *h = a[1].s.p, *nd = a[0].s.p;
  size_t hn = a[1].s.n, nn = a[0].s.n;
  out->i = 0;
  for (size_t i = 0; i + nn <= hn; i++)
    if (!memcmp(h + i, nd, nn)) {
      out->i = (int64_t)utf8_len(h, i) + 1;
      break;
    }
  return 0;
}

/* ---- math ---- */

static int ck_same_numeric(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  if (!numeric_arg(e, 0)) return fail(err, errlen, e, "expects a numeric argument");
  e->type = e->a[0]->type;
  return 0;
}

static int ck_double(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_DOUBLE;
  return all_to(a, e, &T_DOUBLE, err, errlen);
}

static int ck_round(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  if (!numeric_arg(e, 0)) return fail(err, errlen, e, "expects a numeric argument");
  if (e->n > 1) {
    if (e->a[1]->op != SQL_E_LIT || e->a[1]->type.id != STROM_INT)
      return fail(err, errlen, e, "the number of decimal places must be an integer literal");
    int rc = arg_to(a, e, 1, &T_INT, err, errlen);
    if (rc) return rc;
  }
  e->type = e->a[0]->type;
  int d = e->n > 1 ? (int)e->a[1]->lit.i : 0;
  if (e->type.id == STROM_DECIMAL) {
    int s = d < 0 ? 0 : d < e->type.s ? d : e->type.s;
    e->type = sql_decimal(e->type.p - e->type.s + s + (s < e->type.s), s);
  }
  return 0;
}

static int ck_floor(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  if (!numeric_arg(e, 0)) return fail(err, errlen, e, "expects a numeric argument");
  e->type = e->a[0]->type;
  if (e->type.id == STROM_DECIMAL) e->type = sql_decimal(e->type.p - e->type.s + (e->type.s > 0), 0);
  return 0;
}

static int f_abs(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (sql_dec_wide(&e->a[0]->type)) /* the result is wide only if the argument is */
    return sql_dec_wide_fn(e->fn->name, &e->type, &e->a[0]->type, a, e->n, out, c);
  if (e->type.id == STROM_DOUBLE) out->d = fabs(a[0].d);
  else out->i = a[0].i < 0 ? (int64_t)(0 - (uint64_t)a[0].i) : a[0].i;
  return 0;
}

static int f_sign(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (sql_dec_wide(&e->a[0]->type)) /* the result is wide only if the argument is */
    return sql_dec_wide_fn(e->fn->name, &e->type, &e->a[0]->type, a, e->n, out, c);
  if (e->type.id == STROM_DOUBLE) out->d = a[0].d > 0 ? 1.0 : a[0].d < 0 ? -1.0 : 0.0;
  else if (e->type.id == STROM_DECIMAL) out->i = (a[0].i > 0 ? 1 : a[0].i < 0 ? -1 : 0) * sql_pow10(e->type.s);
  else out->i = a[0].i > 0 ? 1 : a[0].i < 0 ? -1 : 0;
  return 0;
}

static int f_floor_ceil(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (sql_dec_wide(&e->a[0]->type)) /* the result is wide only if the argument is */
    return sql_dec_wide_fn(e->fn->name, &e->type, &e->a[0]->type, a, e->n, out, c);
  bool ceil_ = strncmp(e->fn->name, "CEIL", 4) == 0;
  const sql_type *in = &e->a[0]->type;
  if (in->id == STROM_DOUBLE) out->d = ceil_ ? ceil(a[0].d) : floor(a[0].d);
  else if (in->id == STROM_DECIMAL) {
    int64_t m = sql_pow10(in->s), q = a[0].i / m, r = a[0].i % m;
    if (r && ceil_ && a[0].i > 0) q++;
    if (r && !ceil_ && a[0].i < 0) q--;
    out->i = q;
  } else out->i = a[0].i;
  return 0;
}

static int f_round(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (sql_dec_wide(&e->a[0]->type)) /* the result is wide only if the argument is */
    return sql_dec_wide_fn(e->fn->name, &e->type, &e->a[0]->type, a, e->n, out, c);
  int d = e->n > 1 ? (int)a[1].i : 0;
  const sql_type *in = &e->a[0]->type;
  if (in->id == STROM_DOUBLE) {
    double m = pow(10.0, d);
    double x = a[0].d * m;
    out->d = (x < 0 ? -floor(-x + 0.5) : floor(x + 0.5)) / m;
  } else if (in->id == STROM_DECIMAL) {
    int64_t v;
    int s = d < in->s ? d : in->s;
    if (!sql_dec_rescale(a[0].i, in->s, s < 0 ? 0 : s, 18, &v)) out->null = true;
    else {
      if (s < 0) { /* round to tens, hundreds: rescale down then back */
        int64_t m = sql_pow10(-s), q = v / m, r = v % m;
        if ((r < 0 ? -r : r) * 2 >= m) q += v < 0 ? -1 : 1;
        v = q * m;
      }
      if (!sql_dec_rescale(v, s < 0 ? 0 : s, e->type.s, e->type.p, &out->i)) out->null = true;
    }
  } else {
    if (d >= 0) out->i = a[0].i;
    else {
      int64_t m = sql_pow10(-d), q = a[0].i / m, r = a[0].i % m;
      if ((r < 0 ? -r : r) * 2 >= m) q += a[0].i < 0 ? -1 : 1;
      out->i = q * m;
    }
  }
  return 0;
}

/* TRUNCATE(x [, d]): toward zero at d digits after the point (before it when d < 0),
 * typed as ROUND (Flink gives both the same type). */
static int f_truncate(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  int d = e->n > 1 ? (int)a[1].i : 0;
  const sql_type *in = &e->a[0]->type;
  if (in->id == STROM_DECIMAL) return sql_dec_wide_fn("TRUNCATE", &e->type, in, a, e->n, out, c);
  if (in->id == STROM_DOUBLE) {
    double m = pow(10.0, d);
    out->d = trunc(a[0].d * m) / m;
  } else if (d >= 0) out->i = a[0].i;
  else {
    int64_t m = sql_pow10(-d);
    out->i = m ? a[0].i / m * m : 0;
  }
  return 0;
}

static int f_math1(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  const char *n = e->fn->name;
  double x = a[0].d;
  if (!strcmp(n, "SQRT")) out->d = sqrt(x);
  else if (!strcmp(n, "EXP")) out->d = exp(x);
  else if (!strcmp(n, "LN")) out->d = log(x);
  else if (!strcmp(n, "LOG10")) out->d = log10(x);
  else if (!strcmp(n, "LOG2")) out->d = log2(x);
  else if (!strcmp(n, "POWER") || !strcmp(n, "POW")) out->d = pow(x, a[1].d);
  else out->null = true;
  return 0;
}

static int ck_mod(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  sql_type t;
  if (!numeric_arg(e, 0) || !numeric_arg(e, 1) || e->a[0]->type.id == STROM_DOUBLE || e->a[1]->type.id == STROM_DOUBLE)
    return fail(err, errlen, e, "expects exact numeric arguments");
  if (!sql_common_type(&e->a[0]->type, &e->a[1]->type, &t)) return fail(err, errlen, e, "bad arguments");
  e->type = e->a[1]->type;
  sql_mod_type(&e->a[0]->type, &e->a[1]->type, &e->type); /* mod_type.c: DECIMAL when a fraction */
  return all_to(a, e, &t, err, errlen);
}

static int f_mod(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (sql_dec_wide(&e->a[0]->type)) /* the result is wide only if the argument is */
    return sql_dec_wide_fn(e->fn->name, &e->type, &e->a[0]->type, a, e->n, out, c);
  if (a[1].i == 0) return sql_ectx_fail(c, "division by zero");
  int64_t r = a[1].i == -1 ? 0 : a[0].i % a[1].i;
  const sql_type *t = &e->a[0]->type;
  if (t->id == STROM_DECIMAL && e->type.id == STROM_DECIMAL) {
    if (!sql_dec_rescale(r, t->s, e->type.s, e->type.p, &out->i)) out->null = true;
  } else if (t->id == STROM_DECIMAL) out->i = r / sql_pow10(t->s);
  else out->i = r;
  return 0;
}

/* ---- conditional ---- */

static int ck_common(sql_arena *a, sql_expr *e, int first, char *err, size_t errlen) {
  sql_type t = e->a[first]->type;
  for (int i = first + 1; i < e->n; i++)
    if (!sql_common_type(&t, &e->a[i]->type, &t)) return fail(err, errlen, e, "arguments have no common type");
  if (!t.id) t = T_INT;
  t.not_null = false;
  e->type = t;
  for (int i = first; i < e->n; i++) {
    int rc = arg_to(a, e, i, &t, err, errlen);
    if (rc) return rc;
  }
  return 0;
}

static int ck_coalesce(sql_arena *a, sql_expr *e, char *err, size_t errlen) { return ck_common(a, e, 0, err, errlen); }

static int ck_if(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = arg_to(a, e, 0, &T_BOOL, err, errlen);
  return rc ? rc : ck_common(a, e, 1, err, errlen);
}

static int f_coalesce(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  out->null = true;
  for (int i = 0; i < e->n; i++)
    if (!a[i].null) {
      *out = a[i];
      break;
    }
  return 0;
}

static int f_nullif(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  *out = a[0];
  if (!a[0].null && !a[1].null && !sql_val_cmp(&e->type, &a[0], &a[1])) out->null = true;
  return 0;
}

static int f_if(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e, (void)c;
  *out = !a[0].null && a[0].i ? a[1] : a[2];
  return 0;
}

static int f_greatest(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  bool most = !strcmp(e->fn->name, "GREATEST");
  *out = a[0];
  for (int i = 1; i < e->n; i++) {
    int r = sql_val_cmp(&e->type, &a[i], out);
    if (most ? r > 0 : r < 0) *out = a[i];
  }
  return 0;
}

/* ---- time ---- */

static int ck_ts_part(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_BIGINT;
  return arg_to(a, e, e->n - 1, &T_TS, err, errlen);
}

/* EXTRACT(unit FROM ts) arrives as EXTRACT(unit-keyword, ts): the binder puts the unit
 * in aux and passes only the timestamp. */
static int f_extract(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  int64_t ms = a[e->n - 1].i, secs = ms / 1000;
  if (ms % 1000 < 0) secs--;
  time_t t = (time_t)secs;
  struct tm tm;
  gmtime_r(&t, &tm);
  const char *u = e->aux ? (const char *)(intptr_t)e->aux : e->fn->name;
  if (!strcmp(u, "YEAR")) out->i = tm.tm_year + 1900;
  else if (!strcmp(u, "QUARTER")) out->i = tm.tm_mon / 3 + 1;
  else if (!strcmp(u, "MONTH")) out->i = tm.tm_mon + 1;
  else if (!strcmp(u, "DAY") || !strcmp(u, "DAYOFMONTH")) out->i = tm.tm_mday;
  else if (!strcmp(u, "DAYOFYEAR") || !strcmp(u, "DOY")) out->i = tm.tm_yday + 1;
  else if (!strcmp(u, "DAYOFWEEK") || !strcmp(u, "DOW")) out->i = tm.tm_wday + 1;
  else if (!strcmp(u, "HOUR")) out->i = tm.tm_hour;
  else if (!strcmp(u, "MINUTE")) out->i = tm.tm_min;
  else if (!strcmp(u, "SECOND")) out->i = tm.tm_sec;
  else if (!strcmp(u, "MILLISECOND")) out->i = ((ms % 1000) + 1000) % 1000 + tm.tm_sec * 1000;
  else if (!strcmp(u, "EPOCH")) out->i = secs;
  else if (!strcmp(u, "MICROSECOND") || !strcmp(u, "NANOSECOND")) /* types_ts.c */
    out->i = sql_ts_extract_sub(&e->a[e->n - 1]->type, &a[e->n - 1], u[1] == 'I');
  else if (!strcmp(u, "ISODOW")) out->i = (tm.tm_wday + 6) % 7 + 1; /* Monday 1 .. Sunday 7 */
  else if (!strcmp(u, "WEEK") || !strcmp(u, "ISOYEAR")) { /* the ISO week: the year of its Thursday */
    time_t thu = t + (time_t)(3 - (tm.tm_wday + 6) % 7) * 86400;
    struct tm th;
    gmtime_r(&thu, &th);
    out->i = u[0] == 'W' ? th.tm_yday / 7 + 1 : th.tm_year + 1900;
  } else { /* DECADE, CENTURY, MILLENNIUM as Calcite counts them (the year 2000 is in the 20th century) */
    int64_t y = tm.tm_year + 1900;
    if (!strcmp(u, "DECADE")) out->i = y / 10 - (y % 10 < 0);
    else if (!strcmp(u, "CENTURY")) out->i = y > 0 ? (y + 99) / 100 : (y - 99) / 100;
    else if (!strcmp(u, "MILLENNIUM")) out->i = y > 0 ? (y + 999) / 1000 : (y - 999) / 1000;
    else out->null = true;
  }
  return 0;
}

/* Java SimpleDateFormat patterns as Flink's DATE_FORMAT uses them: yyyy MM dd HH mm ss
 * S SS SSS (the milliseconds, at least that many digits), other letters copied. */
static int format_ts_ns(int64_t ms, uint32_t nano, const char *f, size_t fn, strom_buf *b);
static int format_ts(int64_t ms, const char *f, size_t fn, strom_buf *b) { return format_ts_ns(ms, 0, f, fn, b); }
static int format_ts_ns(int64_t ms, uint32_t nano, const char *f, size_t fn, strom_buf *b) {
  int64_t secs = ms / 1000;
  int milli = (int)(ms % 1000);
  if (milli < 0) secs--, milli += 1000;
  time_t t = (time_t)secs;
  struct tm tm;
  gmtime_r(&t, &tm);
  for (size_t i = 0; i < fn;) {
    size_t k = i;
    while (k < fn && f[k] == f[i]) k++;
    size_t run = k - i;
    switch (f[i]) {
      case 'y': strom__buf_printf(b, run == 2 ? "%02d" : "%04d", run == 2 ? (tm.tm_year + 1900) % 100 : tm.tm_year + 1900); break;
      case 'M': strom__buf_printf(b, run >= 2 ? "%02d" : "%d", tm.tm_mon + 1); break;
      case 'd': strom__buf_printf(b, run >= 2 ? "%02d" : "%d", tm.tm_mday); break;
      case 'H': strom__buf_printf(b, run >= 2 ? "%02d" : "%d", tm.tm_hour); break;
      case 'm': strom__buf_printf(b, run >= 2 ? "%02d" : "%d", tm.tm_min); break;
      case 's': strom__buf_printf(b, run >= 2 ? "%02d" : "%d", tm.tm_sec); break;
      case 'S':
        if (run <= 3) strom__buf_printf(b, "%0*d", (int)run, milli); /* SimpleDateFormat: milliseconds as a number, S 5, SS 05, SSS 005 */
        else strom__buf_printf(b, "%.*s", (int)(run > 9 ? 9 : run), sql_ts_fraction9(milli, nano)); /* java.time: SSSSSS */
        break;
      case '\'': {
        size_t j = i + 1;
        while (j < fn && f[j] != '\'') j++;
        strom__buf_append(b, f + i + 1, j - i - 1);
        k = j < fn ? j + 1 : j;
        break;
      }
      default: strom__buf_append(b, f + i, run); break;
    }
    i = k;
  }
  return 0;
}

static int ck_date_format(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = arg_to(a, e, 0, &T_TS, err, errlen);
  if (!rc) rc = arg_to(a, e, 1, &T_STR, err, errlen);
  e->type = T_STR;
  return rc;
}

static int f_date_format(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  strom_buf b = {0};
  format_ts_ns(a[0].i, sql_ts_wide(&e->a[0]->type) ? a[0].ts.nano : 0, a[1].s.p, a[1].s.n, &b);
  char *p = alloc_str(c, out, b.len);
  if (p) memcpy(p, b.p, b.len);
  strom__buf_free(&b);
  return p ? 0 : STROM_ENOMEM;
}

static int ck_to_timestamp(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_TS;
  return all_to(a, e, &T_STR, err, errlen);
}

/* TO_TIMESTAMP(s [, format]): the format's letters are matched positionally; the
 * default is 'yyyy-MM-dd HH:mm:ss'.  Unparseable text gives NULL, as in Flink. */
static int f_to_timestamp(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (e->n == 1) {
    if (sql_val_parse(&T_TS, a[0].s.p, a[0].s.n, out, c)) out->null = true;
    return 0;
  }
  const char *s = a[0].s.p, *f = a[1].s.p;
  size_t n = a[0].s.n, fn = a[1].s.n, i = 0, j = 0;
  int v[7] = {1970, 1, 1, 0, 0, 0, 0}; /* y M d H m s S */
  const char *letters = "yMdHmsS";
  while (j < fn) {
    const char *li = strchr(letters, f[j]);
    if (f[j] && li) {
      size_t k = j;
      while (k < fn && f[k] == f[j]) k++;
      int x = 0, digits = 0;
      size_t maxd = f[j] == 'y' && k - j == 4 ? 4 : k - j < 2 ? 3 : k - j;
      while (i < n && isdigit((unsigned char)s[i]) && (size_t)digits < maxd) x = x * 10 + (s[i++] - '0'), digits++;
      if (!digits) goto bad;
      if (f[j] == 'S') for (int d = digits; d > 3; d--) x /= 10; /* SSSSSS: a fraction, cut to milliseconds */
      v[li - letters] = x;
      j = k;
    } else {
      if (i >= n || s[i] != f[j]) goto bad;
      i++, j++;
    }
  }
  if (i != n) goto bad;
  struct tm tm = {.tm_year = v[0] - 1900, .tm_mon = v[1] - 1, .tm_mday = v[2], .tm_hour = v[3], .tm_min = v[4], .tm_sec = v[5]};
  out->i = (int64_t)timegm(&tm) * 1000 + v[6];
  return 0;
bad:
  out->null = true;
  return 0;
}

static int ck_from_unixtime(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = arg_to(a, e, 0, &T_BIGINT, err, errlen);
  if (!rc && e->n > 1) rc = arg_to(a, e, 1, &T_STR, err, errlen);
  e->type = T_STR;
  return rc;
}

static int f_from_unixtime(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  strom_buf b = {0};
  const char *f = e->n > 1 ? a[1].s.p : "yyyy-MM-dd HH:mm:ss";
  format_ts(a[0].i * 1000, f, e->n > 1 ? a[1].s.n : strlen(f), &b);
  char *p = alloc_str(c, out, b.len);
  if (p) memcpy(p, b.p, b.len);
  strom__buf_free(&b);
  return p ? 0 : STROM_ENOMEM;
}

static int ck_to_timestamp_ltz(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  if (e->a[0]->type.id == STROM_VARCHAR && !e->a[0]->type.kind) return (e->fn = sql_ltz_string_func())->check(a, e, err, errlen); /* fn_time2.c */
  if (e->n > 2) return fail(err, errlen, e, "takes (numeric [, precision]) or (string [, format [, time zone]])");
  int rc = arg_to(a, e, 0, &T_BIGINT, err, errlen);
  if (!rc && e->n > 1) {
    if (e->a[1]->op != SQL_E_LIT || e->a[1]->lit.i < 0 || e->a[1]->lit.i > 9)
      return fail(err, errlen, e, "the precision must be a literal 0 to 9 (0 seconds, 3 milliseconds, 6 microseconds, 9 nanoseconds)");
  }
  e->type = T_TS;
  e->type.ltz = true;
  if (!rc && e->n > 1 && e->a[1]->lit.i > 3) e->type.p = (int)e->a[1]->lit.i; /* Flink 2.3: TIMESTAMP_LTZ(p) for p > 3 */
  return rc;
}

static int f_to_timestamp_ltz(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  if (e->n > 1 && a[1].i != 3 && a[1].i != 0) return sql_ts_from_epoch(a[0].i, (int)a[1].i, out, c); /* types_ts.c */
  out->i = e->n > 1 && a[1].i == 0 ? a[0].i * 1000 : a[0].i;
  return 0;
}

static int ck_unix_timestamp(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_BIGINT;
  return all_to(a, e, &T_STR, err, errlen);
}

static int f_unix_timestamp(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (e->n == 0) {
    out->i = strom__now_ms() / 1000;
    return 0;
  }
  sql_val ts;
  int rc = f_to_timestamp(e, a, &ts, c);
  if (rc) return rc;
  if (ts.null) out->null = true;
  else out->i = ts.i / 1000;
  return 0;
}

static int ck_now(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a, (void)err, (void)errlen;
  e->type = T_TS;
  e->type.ltz = true;
  return 0;
}

static int f_now(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e, (void)a, (void)c;
  out->i = strom__now_ms();
  return 0;
}

/* PROCTIME(): a processing-time attribute, TIMESTAMP_LTZ(3) NOT NULL (tjoin_bind.c); so
 * are NOW(), CURRENT_TIMESTAMP and CURRENT_ROW_TIMESTAMP(), read per row in streaming */
static int ck_proctime(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  ck_now(a, e, err, errlen);
  e->type.not_null = true;
  return 0;
}

/* LOCALTIMESTAMP: the same instant as a TIMESTAMP(3) NOT NULL in the session's zone (UTC) */
static int ck_local_now(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  ck_proctime(a, e, err, errlen);
  e->type.ltz = false;
  return 0;
}

static const sql_func funcs[] = {
    {"UPPER", 1, 1, true, ck_str_str, f_upper},
    {"LOWER", 1, 1, true, ck_str_str, f_upper},
    {"INITCAP", 1, 1, true, ck_str_str, f_initcap},
    {"CHAR_LENGTH", 1, 1, true, ck_str_int, f_char_length},
    {"CHARACTER_LENGTH", 1, 1, true, ck_str_int, f_char_length},
    {"SUBSTRING", 2, 3, true, ck_substr, f_substring},
    {"SUBSTR", 2, 3, true, ck_substr, f_substring},
    {"LEFT", 2, 2, true, ck_substr, f_left_right},
    {"RIGHT", 2, 2, true, ck_substr, f_left_right},
    {"TRIM", 1, 1, true, ck_str_str, f_trim},
    {"LTRIM", 1, 1, true, ck_str_str, f_trim},
    {"RTRIM", 1, 1, true, ck_str_str, f_trim},
    {"CONCAT", 1, 64, true, ck_str_str, f_concat},
    {"CONCAT_WS", 2, 64, false, ck_str_str, f_concat_ws},
    {"REPLACE", 3, 3, true, ck_str_str, f_replace},
    {"LPAD", 3, 3, true, ck_pad, f_pad},
    {"RPAD", 3, 3, true, ck_pad, f_pad},
    {"REVERSE", 1, 1, true, ck_str_str, f_reverse},
    {"SPLIT_INDEX", 3, 3, true, ck_split_index, f_split_index},
    {"POSITION", 2, 2, true, ck_str_int, f_position},
    {"LOCATE", 2, 2, true, ck_str_int, f_position},
    {"ABS", 1, 1, true, ck_same_numeric, f_abs},
    {"SIGN", 1, 1, true, ck_same_numeric, f_sign},
    {"FLOOR", 1, 1, true, ck_floor, f_floor_ceil},
    {"CEIL", 1, 1, true, ck_floor, f_floor_ceil},
    {"CEILING", 1, 1, true, ck_floor, f_floor_ceil},
    {"ROUND", 1, 2, true, ck_round, f_round},
    {"TRUNCATE", 1, 2, true, ck_round, f_truncate},
    {"MOD", 2, 2, true, ck_mod, f_mod},
    {"SQRT", 1, 1, true, ck_double, f_math1},
    {"EXP", 1, 1, true, ck_double, f_math1},
    {"LN", 1, 1, true, ck_double, f_math1},
    {"LOG10", 1, 1, true, ck_double, f_math1},
    {"LOG2", 1, 1, true, ck_double, f_math1},
    {"POWER", 2, 2, true, ck_double, f_math1},
    {"POW", 2, 2, true, ck_double, f_math1},
    {"COALESCE", 1, 64, false, ck_coalesce, f_coalesce},
    {"IFNULL", 2, 2, false, ck_coalesce, f_coalesce},
    {"NULLIF", 2, 2, false, ck_coalesce, f_nullif},
    {"IF", 3, 3, false, ck_if, f_if},
    {"GREATEST", 1, 64, true, ck_coalesce, f_greatest},
    {"LEAST", 1, 64, true, ck_coalesce, f_greatest},
    {"EXTRACT", 1, 1, true, ck_ts_part, f_extract},
    {"YEAR", 1, 1, true, ck_ts_part, f_extract},
    {"QUARTER", 1, 1, true, ck_ts_part, f_extract},
    {"MONTH", 1, 1, true, ck_ts_part, f_extract},
    {"DAYOFMONTH", 1, 1, true, ck_ts_part, f_extract},
    {"DAYOFYEAR", 1, 1, true, ck_ts_part, f_extract},
    {"DAYOFWEEK", 1, 1, true, ck_ts_part, f_extract},
    {"HOUR", 1, 1, true, ck_ts_part, f_extract},
    {"MINUTE", 1, 1, true, ck_ts_part, f_extract},
    {"SECOND", 1, 1, true, ck_ts_part, f_extract},
    {"DATE_FORMAT", 2, 2, true, ck_date_format, f_date_format},
    {"TO_TIMESTAMP", 1, 2, true, ck_to_timestamp, f_to_timestamp},
    {"FROM_UNIXTIME", 1, 2, true, ck_from_unixtime, f_from_unixtime},
    {"UNIX_TIMESTAMP", 0, 2, true, ck_unix_timestamp, f_unix_timestamp},
    {"TO_TIMESTAMP_LTZ", 1, 3, true, ck_to_timestamp_ltz, f_to_timestamp_ltz},
    {"NOW", 0, 0, false, ck_proctime, f_now},
    {"CURRENT_TIMESTAMP", 0, 0, false, ck_proctime, f_now},
    {"CURRENT_ROW_TIMESTAMP", 0, 0, false, ck_proctime, f_now},
    {"LOCALTIMESTAMP", 0, 0, false, ck_local_now, f_now},
    {"PROCTIME", 0, 0, false, ck_proctime, f_now},
};

const sql_func *sql_func_in(const sql_func *t, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (!strcasecmp(t[i].name, name)) return &t[i];
  return NULL;
}

const sql_func *sql_func_find(const char *name) {
  if (sql_fnstr3_func_find(name)) return sql_fnstr3_func_find(name); /* fn_string3.c: first, for LTRIM / RTRIM / LOCATE's longer forms */
  const sql_func *f = SQL_FUNC_IN(funcs, name);
  if (f) return f;
  if (sql_bytes_func_find(name)) return sql_bytes_func_find(name); /* types_bytes.c */
  if (sql_math_func_find(name)) return sql_math_func_find(name);   /* fn_math.c */
  if (sql_fncoll_func_find(name)) return sql_fncoll_func_find(name); /* fn_coll.c */
  if (sql_time2_func_find(name)) return sql_time2_func_find(name);   /* fn_time2.c */
  if (sql_fnstr_func_find(name)) return sql_fnstr_func_find(name); /* fn_string2.c */
  if (sql_docs_func_find(name)) return sql_docs_func_find(name);   /* docs_fn.c */
  if (sql_fid_func_find(name)) return sql_fid_func_find(name);     /* fid_typeof.c */
  return sql_regex_func_find(name);
}

void sql_func_list(strom_buf *b) {
  for (size_t i = 0; i < sizeof funcs / sizeof *funcs; i++) strom__buf_printf(b, "%s%s", i ? " " : "", funcs[i].name);
  strom__buf_printf(b, " REGEXP REGEXP_EXTRACT REGEXP_REPLACE REGEXP_COUNT REGEXP_INSTR REGEXP_SUBSTR REGEXP_EXTRACT_ALL");
  strom__buf_printf(b, " TO_BASE64 FROM_BASE64 HEX ENCODE DECODE OCTET_LENGTH"); /* types_bytes.c */
  sql_math_func_list(b), sql_fncoll_func_list(b), sql_time2_func_list(b); /* fn_math.c, fn_coll.c, fn_time2.c */
  sql_fnstr_func_list(b); /* fn_string2.c */
  sql_fnstr3_func_list(b); /* fn_string3.c */
  strom__buf_printf(b, " WEEK IS_ALPHA IS_DIGIT IS_DECIMAL"); /* docs_fn.c (its other names are the call forms' rewrites) */
  strom__buf_printf(b, " TYPEOF"); /* fid_typeof.c */
}
