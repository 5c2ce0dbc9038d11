/*
 * fn_string3.c -- the string functions a sweep of Flink's reference found missing or
 * short: STARTSWITH, ENDSWITH, BTRIM, UNHEX (Flink 2.0), LTRIM / RTRIM with the
 * characters to remove (Calcite's two-argument forms) and LOCATE's third argument,
 * the position to search from.  functions.c asks here first, so LTRIM, RTRIM and
 * LOCATE are these entries and the one-argument forms keep the same results.
 *
 * The trim functions treat their second argument as a set of code points, as Flink's
 * BTrimFunction and Calcite's trim do; LOCATE counts code points and gives 0 when the
 * start is past the end or below 1, as SqlFunctionUtils.position does.
 */
#include <strings.h>

#include "sql_int.h"

static const sql_type T_STR = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX}, T_INT = {.id = STROM_INT},
                      T_BIGINT = {.id = STROM_BIGINT}, T_BOOL = {.id = STROM_BOOLEAN},
                      T_BYTES = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX, .kind = SQL_K_BYTES};

/* Converts argument i to t, with an error naming the function and argument. */
static int conv(sql_arena *a, sql_expr *e, int i, const sql_type *t, char *err, size_t errlen) {
  if (!e->a[i]->type.id) e->a[i]->type = *t; /* an untyped NULL */
  if (e->a[i]->type.id == t->id && e->a[i]->type.kind == t->kind) return 0;
  if (!sql_can_cast(&e->a[i]->type, t) || e->a[i]->type.kind == SQL_K_BYTES) {
    char want[48], got[48];
    sql_type_name(t, want, sizeof want);
    sql_type_name(&e->a[i]->type, got, sizeof got);
    snprintf(err, errlen, "%s: argument %d is %s, expected %s", e->fn->name, i + 1, got, want);
    return STROM_EINVAL;
  }
  return (e->a[i] = sql_cast_to(a, e->a[i], t)) ? 0 : STROM_ENOMEM;
}

static int all_str(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  for (int i = 0; i < e->n; i++) {
    int rc = conv(a, e, i, &T_STR, err, errlen);
    if (rc) return rc;
  }
  return 0;
}

static size_t cp_len(unsigned char b) { return b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1; }

/* ---- STARTSWITH / ENDSWITH ---- */

static int ck_affix(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  e->type = T_BOOL;
  /* both strings or both bytes, as Flink's signature wants */
  bool bytes = e->a[0]->type.kind == SQL_K_BYTES || e->a[1]->type.kind == SQL_K_BYTES;
  for (int i = 0; i < 2; i++) {
    if (!e->a[i]->type.id) e->a[i]->type = bytes ? T_BYTES : T_STR;
    if (e->a[i]->type.id != STROM_VARCHAR || (e->a[i]->type.kind != 0) != bytes) {
      char got[48];
      sql_type_name(&e->a[i]->type, got, sizeof got);
      snprintf(err, errlen, "%s: argument %d is %s, expected %s", e->fn->name, i + 1, got,
               bytes ? "BYTES like the other argument" : "a STRING");
      return STROM_EINVAL;
    }
  }
  return 0;
}

static int f_affix(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  uint32_t n = a[0].s.n, k = a[1].s.n;
  bool start = e->fn->name[0] == 'S' || e->fn->name[0] == 's';
  out->i = k <= n && !memcmp(start ? a[0].s.p : a[0].s.p + n - k, a[1].s.p, k);
  return 0;
}

/* ---- LTRIM / RTRIM / BTRIM (s [, chars]) ---- */

static int ck_trim(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_STR;
  return all_str(a, e, err, errlen);
}

static bool in_set(const char *set, size_t n, const char *ch, size_t len) {
  for (size_t i = 0; i + len <= n; i += cp_len((unsigned char)set[i]))
    if (!memcmp(set + i, ch, len)) return true;
  return false;
}

static int f_trim(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  const char *p = a[0].s.p, *set = e->n > 1 ? a[1].s.p : " ";
  size_t n = a[0].s.n, sn = e->n > 1 ? a[1].s.n : 1;
  char w = (char)(e->fn->name[0] & ~0x20); /* L, R or B */
  while (w != 'R' && n) {
    size_t k = cp_len((unsigned char)*p);
    if (k > n || !in_set(set, sn, p, k)) break;
    p += k, n -= k;
  }
  while (w != 'L' && n) {
    size_t k = 1;
    while (k < n && k < 4 && ((unsigned char)p[n - k] & 0xC0) == 0x80) k++;
    if (!in_set(set, sn, p + n - k, k)) break;
    n -= k;
  }
  out->s.p = p, out->s.n = (uint32_t)n;
  return 0;
}

/* ---- LOCATE(needle, haystack [, from]) ---- */

static int ck_locate(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_INT;
  int rc = conv(a, e, 0, &T_STR, err, errlen);
  if (!rc) rc = conv(a, e, 1, &T_STR, err, errlen);
  if (!rc && e->n > 2) rc = conv(a, e, 2, &T_BIGINT, err, errlen);
  return rc;
}

static int f_locate(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  const char *h = a[1].s.p, *nd = a[0].s.p;
  size_t hn = a[1].s.n, nn = a[0].s.n, i = 0;
  int64_t from = e->n > 2 ? a[2].i : 1, pos = 1;
  out->i = 0;
  if (from < 1) return 0;
  while (pos < from && i < hn) i += cp_len((unsigned char)h[i]), pos++; /* to the start code point */
  if (pos < from) return 0; /* past the end */
  for (; i + nn <= hn; i += cp_len((unsigned char)h[i]), pos++)
    if (!memcmp(h + i, nd, nn)) {
      out->i = pos;
      return 0;
    }
  return 0;
}

/* ---- UNHEX(s): BYTES; an odd length reads as if a 0 led; a non-hex digit gives NULL ---- */

static int ck_unhex(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_BYTES;
  return conv(a, e, 0, &T_STR, err, errlen);
}

static int hexval(char ch) {
  return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

static int f_unhex(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  size_t n = a[0].s.n, m = (n + 1) / 2;
  char *p = sql_ectx_alloc(c, m + 1);
  if (!p) return STROM_ENOMEM;
  size_t i = 0, k = 0;
  if (n & 1) {
    int v = hexval(a[0].s.p[0]);
    if (v < 0) return out->null = true, 0;
    p[k++] = (char)v, i = 1;
  }
  for (; i < n; i += 2) {
    int hi = hexval(a[0].s.p[i]), lo = hexval(a[0].s.p[i + 1]);
    if (hi < 0 || lo < 0) return out->null = true, 0;
    p[k++] = (char)(hi * 16 + lo);
  }
  out->s.p = p, out->s.n = (uint32_t)k;
  return 0;
}

static const sql_func funcs[] = {
    {"STARTSWITH", 2, 2, true, ck_affix, f_affix},
    {"ENDSWITH", 2, 2, true, ck_affix, f_affix},
    {"LTRIM", 1, 2, true, ck_trim, f_trim},
    {"RTRIM", 1, 2, true, ck_trim, f_trim},
    {"BTRIM", 1, 2, true, ck_trim, f_trim},
    {"LOCATE", 2, 3, true, ck_locate, f_locate},
    {"UNHEX", 1, 1, true, ck_unhex, f_unhex},
};

const sql_func *sql_fnstr3_func_find(const char *name) {
  return SQL_FUNC_IN(funcs, name);
}

void sql_fnstr3_func_list(strom_buf *b) {
  /* LTRIM, RTRIM and LOCATE are listed by functions.c */
  strom__buf_printf(b, " STARTSWITH ENDSWITH BTRIM UNHEX");
}
