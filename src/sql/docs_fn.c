/*
 * docs_fn.c -- the functions of Flink's function reference that its SQL-standard call
 * forms need (docs_grammar.h rewrites them to these names, which hold a space so no
 * unquoted call can reach them), and WEEK:
 *
 *   "FLOOR TO" / "CEIL TO"(x, 'UNIT')   FLOOR / CEIL(x TO unit) of a TIMESTAMP(p <= 3),
 *                                       DATE or TIME: the start of x's unit, or of the
 *                                       next one when x is past the start (CEIL)
 *   "TRIM BOTH" / "TRIM LEADING" / "TRIM TRAILING"(s, chars)
 *                                       TRIM(... chars FROM s): removes any of the
 *                                       characters of chars from the side(s)
 *   WEEK(date)                          the ISO-8601 week of the year (1..53)
 *   IS_ALPHA / IS_DIGIT / IS_DECIMAL(s) Flink's SqlFunctionUtils: FALSE for NULL and '';
 *                                       letters only / digits only / text Java's
 *                                       Integer, Long or Double parsing accepts
 *
 * Days are converted to and from the proleptic Gregorian calendar with the usual
 * era-based arithmetic (days since 1970-01-01).
 */
#include <string.h>
#include <strings.h>

#include "sql_int.h"

static const sql_type T_STR = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX};

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* ---- FLOOR / CEIL (x TO unit) ---- */

enum { U_YEAR, U_QUARTER, U_MONTH, U_WEEK, U_DAY, U_HOUR, U_MINUTE, U_SECOND, U_MILLISECOND };
static const char *const unit_names[] = {"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND"};
static const int64_t unit_ms[] = {0, 0, 0, 0, 86400000, 3600000, 60000, 1000, 1};

static int ck_floor_to(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  const sql_type *t = &e->a[0]->type;
  const sql_expr *u = e->a[1];
  bool ts = t->id == STROM_TIMESTAMP && !t->kind && !t->ltz && t->p <= 3;
  bool date = t->id == STROM_INT && t->kind == SQL_K_DATE, time = t->id == STROM_INT && t->kind == SQL_K_TIME;
  const char *fn = e->fn->name[0] == 'F' ? "FLOOR" : "CEIL";
  if (!ts && !date && !time) {
    char got[64];
    sql_type_name(t, got, sizeof got);
    snprintf(err, errlen, "not supported yet: %s(%s TO unit) (a TIMESTAMP(p <= 3), DATE or TIME is)", fn, got);
    return STROM_EINVAL;
  }
  e->aux = -1;
  for (int i = 0; u->op == SQL_E_LIT && i < (int)(sizeof unit_names / sizeof *unit_names); i++)
    if (u->lit.s.n == strlen(unit_names[i]) && !strncasecmp(u->lit.s.p, unit_names[i], u->lit.s.n)) e->aux = i;
  if (e->aux < 0 || (date && e->aux > U_DAY) || (time && e->aux < U_HOUR)) {
    snprintf(err, errlen, "not supported yet: %s(... TO %.*s) of this type", fn, u->op == SQL_E_LIT ? (int)u->lit.s.n : 1,
             u->op == SQL_E_LIT ? u->lit.s.p : "?");
    return STROM_EINVAL;
  }
  e->type = *t;
  return 0;
}

static int f_floor_to(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  bool ceil = e->fn->name[0] == 'C';
  const sql_type *t = &e->a[0]->type;
  int64_t x = a[0].i, f;
  int64_t ms = t->kind == SQL_K_DATE ? x * 86400000 : x; /* as milliseconds since the epoch (or of the day) */
  if (e->aux >= U_DAY) {
    int64_t u = unit_ms[e->aux];
    f = floor_div(ms, u) * u;
    if (ceil && f != ms) f += u;
  } else if (e->aux == U_WEEK) { /* Calcite's weeks start on Sunday; 1970-01-01 was a Thursday */
    int64_t day = floor_div(ms, 86400000), dow = ((day + 4) % 7 + 7) % 7;
    f = (day - dow) * 86400000;
    if (ceil && f != ms) f += 7 * 86400000LL;
  } else {
    int64_t y, m, d, day = floor_div(ms, 86400000);
    strom__civil_from_days(day, &y, &m, &d);
    int64_t fm = e->aux == U_YEAR ? 1 : e->aux == U_QUARTER ? (m - 1) / 3 * 3 + 1 : m;
    f = strom__days_from_civil(y, fm, 1) * 86400000;
    if (ceil && f != ms) {
      int64_t step = e->aux == U_YEAR ? 12 : e->aux == U_QUARTER ? 3 : 1, nm = fm + step;
      f = strom__days_from_civil(y + (nm - 1) / 12, (nm - 1) % 12 + 1, 1) * 86400000;
    }
  }
  out->i = t->kind == SQL_K_DATE ? floor_div(f, 86400000) : f;
  return 0;
}

/* ---- TRIM(BOTH | LEADING | TRAILING chars FROM s) ---- */

static int ck_trim_chars(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  for (int i = 0; i < 2; i++) {
    if (!e->a[i]->type.id) e->a[i]->type = T_STR;
    if (e->a[i]->type.id != STROM_VARCHAR || e->a[i]->type.kind) {
      char got[64];
      sql_type_name(&e->a[i]->type, got, sizeof got);
      snprintf(err, errlen, "TRIM: %s is %s, expected a string", i ? "the characters to remove" : "the string", got);
      return STROM_EINVAL;
    }
    if (!(e->a[i] = sql_cast_to(a, e->a[i], &T_STR))) return STROM_ENOMEM;
  }
  e->type = T_STR;
  return 0;
}

/* The length of the UTF-8 character starting at p (1 for a stray byte). */
static size_t u8len(unsigned char b) { return b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1; }

static bool in_set(const char *set, size_t n, const char *ch, size_t len) {
  for (size_t i = 0; i + len <= n; i += u8len((unsigned char)set[i]))
    if (!memcmp(set + i, ch, len)) return true;
  return false;
}

static int f_trim_chars(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  const char *p = a[0].s.p, *set = a[1].s.p;
  size_t n = a[0].s.n, sn = a[1].s.n;
  bool l = e->fn->name[5] != 'T', r = e->fn->name[5] != 'L'; /* "TRIM BOTH" / "TRIM LEADING" / "TRIM TRAILING" */
  while (l && n) {
    size_t k = u8len((unsigned char)*p);
    if (k > n || !in_set(set, sn, p, k)) break;
    p += k, n -= k;
  }
  while (r && n) {
    size_t k = 1;
    while (k < n && k < 4 && ((unsigned char)p[n - k] & 0xC0) == 0x80) k++;
    if (!in_set(set, sn, p + n - k, k)) break;
    n -= k;
  }
  out->s.p = p, out->s.n = (uint32_t)n;
  return 0;
}

/* ---- WEEK(date) ---- */

static int ck_week(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  const sql_type *t = &e->a[0]->type;
  if (!(t->id == STROM_INT && t->kind == SQL_K_DATE) && !(t->id == STROM_TIMESTAMP && !t->kind && !t->ltz)) {
    char got[64];
    sql_type_name(t, got, sizeof got);
    snprintf(err, errlen, "WEEK: the argument is %s, expected a DATE or TIMESTAMP", got);
    return STROM_EINVAL;
  }
  e->type = (sql_type){.id = STROM_BIGINT, .not_null = t->not_null};
  return 0;
}

static int f_week(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  int64_t day = e->a[0]->type.kind == SQL_K_DATE ? a[0].i : floor_div(a[0].i, 86400000);
  int64_t wd = ((day + 3) % 7 + 7) % 7 + 1; /* ISO weekday, Monday 1: 1970-01-01 was a Thursday */
  int64_t thu = day - wd + 4, y, m, d;      /* the week belongs to the year of its Thursday */
  strom__civil_from_days(thu, &y, &m, &d);
  out->i = (thu - strom__days_from_civil(y, 1, 1)) / 7 + 1;
  return 0;
}

/* ---- IS_ALPHA, IS_DIGIT, IS_DECIMAL ---- */

static int ck_is(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  if (!e->a[0]->type.id) e->a[0]->type = T_STR;
  if (e->a[0]->type.id != STROM_VARCHAR || e->a[0]->type.kind) {
    char got[64];
    sql_type_name(&e->a[0]->type, got, sizeof got);
    snprintf(err, errlen, "%s: the argument is %s, expected a string", e->fn->name, got);
    return STROM_EINVAL;
  }
  if (!(e->a[0] = sql_cast_to(a, e->a[0], &T_STR))) return STROM_ENOMEM;
  e->type = (sql_type){.id = STROM_BOOLEAN, .not_null = true};
  return 0;
}

/* Java's Double.parseDouble (decimal forms; hex floats are not taken), after trimming
 * the characters <= ' ' as String.trim does. */
static bool java_double(const char *p, size_t n) {
  while (n && (unsigned char)*p <= ' ') p++, n--;
  while (n && (unsigned char)p[n - 1] <= ' ') n--;
  size_t i = 0;
  if (i < n && (p[i] == '+' || p[i] == '-')) i++;
  if ((n - i == 3 && !memcmp(p + i, "NaN", 3)) || (n - i == 8 && !memcmp(p + i, "Infinity", 8))) return true;
  size_t digits = 0;
  while (i < n && p[i] >= '0' && p[i] <= '9') i++, digits++;
  if (i < n && p[i] == '.') {
    i++;
    while (i < n && p[i] >= '0' && p[i] <= '9') i++, digits++;
  }
  if (!digits) return false;
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    if (i < n && (p[i] == '+' || p[i] == '-')) i++;
    size_t ed = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') i++, ed++;
    if (!ed) return false;
  }
  if (i < n && strchr("fFdD", p[i])) i++;
  return i == n;
}

static int f_is(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  out->null = false, out->i = 0;
  if (a[0].null || !a[0].s.n) return 0;
  const unsigned char *p = (const unsigned char *)a[0].s.p;
  size_t n = a[0].s.n;
  char kind = e->fn->name[3]; /* IS_Alpha, IS_Digit, IS_DEcimal */
  if (kind == 'D' && e->fn->name[4] == 'E') return out->i = java_double(a[0].s.p, n), 0;
  for (size_t i = 0; i < n; i++) {
    /* non-ASCII characters count as letters (most are; Java's Character.isLetter decides there) */
    bool ok = kind == 'A' ? (p[i] >= 0x80 || (unsigned)((p[i] | 0x20) - 'a') < 26u) : (p[i] >= '0' && p[i] <= '9');
    if (!ok) return 0;
  }
  out->i = 1;
  return 0;
}

static const sql_func docs_funcs[] = {
    {"FLOOR TO", 2, 2, true, ck_floor_to, f_floor_to},
    {"CEIL TO", 2, 2, true, ck_floor_to, f_floor_to},
    {"TRIM BOTH", 2, 2, true, ck_trim_chars, f_trim_chars},
    {"TRIM LEADING", 2, 2, true, ck_trim_chars, f_trim_chars},
    {"TRIM TRAILING", 2, 2, true, ck_trim_chars, f_trim_chars},
    {"WEEK", 1, 1, true, ck_week, f_week},
    {"IS_ALPHA", 1, 1, false, ck_is, f_is},
    {"IS_DIGIT", 1, 1, false, ck_is, f_is},
    {"IS_DECIMAL", 1, 1, false, ck_is, f_is},
};

const sql_func *sql_docs_func_find(const char *name) {
  return SQL_FUNC_IN(docs_funcs, name);
}
