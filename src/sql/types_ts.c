/*
 * types_ts.c -- TIMESTAMP(p) and TIMESTAMP_LTZ(p) finer than milliseconds.  A value
 * keeps milliseconds since the epoch in `i` (what watermarks, windows and the row time
 * read, unchanged) and, for p = 4..9, the nanoseconds of that millisecond in ts.nano,
 * as Flink's TimestampData does (a long of millis and an int of nano-of-milli).  This
 * file has what the precision changes: truncation between precisions (Flink cuts, never
 * rounds), ordering, the text forms (Flink's CAST AS STRING and Java's LocalDateTime for
 * the print connector) and the fractional seconds of functions (EXTRACT, DATE_FORMAT,
 * TIMESTAMPDIFF).  Values of TIMESTAMP(0..3) never read ts.nano.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sql_int.h"

/* Nanoseconds of one unit of the last fractional digit of TIMESTAMP(p), p = 4..9. */
static const uint32_t nano_unit[10] = {0, 0, 0, 1000000, 100000, 10000, 1000, 100, 10, 1};

void sql_ts_truncate(sql_val *v, int p) {
  if (p > 9) p = 9;
  if (p > 3) {
    v->ts.nano -= v->ts.nano % nano_unit[p];
    return;
  }
  v->ts.nano = 0;
  if (p < 3) { /* whole seconds, tenths, hundredths: floor, also before 1970 */
    int64_t u = p <= 0 ? 1000 : p == 1 ? 100 : 10;
    int64_t r = v->i % u;
    v->i -= r < 0 ? r + u : r;
  }
}

void sql_ts_format(strom_buf *b, const sql_type *t, const sql_val *v) {
  strom__format_ts(b, v->i, t->p > 3 ? v->ts.nano : 0, t->p, ' ');
}

int sql_ts_cmp(const sql_val *a, const sql_val *b) {
  if (a->i != b->i) return a->i < b->i ? -1 : 1;
  return a->ts.nano < b->ts.nano ? -1 : a->ts.nano > b->ts.nano;
}

int sql_ts_literal_precision(const char *text) {
  const char *dot = strchr(text, '.');
  if (!dot) return 0;
  int n = 0;
  for (const char *p = dot + 1; *p >= '0' && *p <= '9'; p++) n++;
  return n;
}

void sql_ts_java(strom_buf *b, const sql_val *v, bool wide, bool instant) {
  int64_t secs = v->i / 1000;
  int milli = (int)(v->i % 1000);
  if (milli < 0) secs--, milli += 1000;
  uint32_t nano = (uint32_t)milli * 1000000u + (wide ? v->ts.nano : 0);
  time_t tt = (time_t)secs;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strom__buf_printf(b, "%04d-%02d-%02dT%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
  /* LocalDateTime.toString: seconds only when not zero, then the fraction in 3, 6 or 9
   * digits, as few as hold it. */
  if (tm.tm_sec || nano) strom__buf_printf(b, ":%02d", tm.tm_sec);
  if (nano % 1000000u == 0 && nano) strom__buf_printf(b, ".%03u", nano / 1000000u);
  else if (nano % 1000u == 0 && nano) strom__buf_printf(b, ".%06u", nano / 1000u);
  else if (nano) strom__buf_printf(b, ".%09u", nano);
  if (instant) strom__buf_append(b, "Z", 1);
}

int64_t sql_ts_extract_sub(const sql_type *t, const sql_val *v, bool micro) {
  int64_t of_min = ((v->i % 60000) + 60000) % 60000;
  int64_t nano = t->id == STROM_TIMESTAMP && t->p > 3 && !t->kind ? v->ts.nano : 0;
  return micro ? of_min * 1000 + nano / 1000 : of_min * 1000000 + nano;
}

const char *sql_ts_fraction9(int milli, uint32_t nano) {
  static _Thread_local char buf[16];
  snprintf(buf, sizeof buf, "%03d%06u", milli, nano % 1000000u);
  return buf;
}

/* ---- TIMESTAMPDIFF / TIMESTAMPADD ---- */

static const char *const units[] = {"NANOSECOND", "MICROSECOND", "MILLISECOND", "SECOND", "MINUTE",
                                    "HOUR",       "DAY",         "WEEK",        "MONTH",  "QUARTER", "YEAR"};
/* Nanoseconds of each unit up to WEEK; months for the rest. */
static const int64_t unit_len[] = {1, 1000, 1000000, 1000000000LL, 60000000000LL, 3600000000000LL, 86400000000000LL,
                                   604800000000000LL, 1, 3, 12};

const char *sql_ts_unit(const char *text) {
  for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
    size_t n = strlen(units[i]);
    /* SECOND or SECONDS, SQL_TSI_SECOND */
    const char *t = !strncasecmp(text, "SQL_TSI_", 8) ? text + 8 : text;
    if (!strncasecmp(t, units[i], n) && (!t[n] || ((t[n] == 's' || t[n] == 'S') && !t[n + 1]))) return units[i];
  }
  return NULL;
}

static int unit_index(const sql_expr *e) {
  const char *u = (const char *)(intptr_t)e->aux;
  for (int i = 0; i < (int)(sizeof units / sizeof *units); i++)
    if (u == units[i]) return i;
  return 3;
}

static const sql_type T_INT = {.id = STROM_INT}, T_TS3 = {.id = STROM_TIMESTAMP, .p = 3};

static int ts_arg(sql_arena *a, sql_expr *e, int i, char *err, size_t errlen) {
  sql_type *t = &e->a[i]->type;
  if (t->id == STROM_TIMESTAMP && !t->kind) return 0;
  if (!t->id) return e->a[i]->type = T_TS3, 0;
  if (!sql_can_cast(t, &T_TS3) || t->kind == SQL_K_TIME) {
    char got[48];
    sql_type_name(t, got, sizeof got);
    snprintf(err, errlen, "%s: argument %d is %s, expected a TIMESTAMP or DATE", e->fn->name, i + 2, got);
    return STROM_EINVAL;
  }
  return (e->a[i] = sql_cast_to(a, e->a[i], &T_TS3)) ? 0 : STROM_ENOMEM;
}

static int ck_diff(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_INT;
  if (e->n != 2) return snprintf(err, errlen, "TIMESTAMPDIFF wants (unit, timestamp, timestamp)"), STROM_EINVAL;
  int rc = ts_arg(a, e, 0, err, errlen);
  return rc ? rc : ts_arg(a, e, 1, err, errlen);
}

static int64_t nano_of(const sql_expr *x, const sql_val *v) { return x->type.p > 3 ? v->ts.nano : 0; }

/* The calendar fields of a value: months since year 0, and the offset into the month
 * in nanoseconds (to tell whether a month is complete). */
static void month_pos(int64_t ms, int64_t nano, int64_t *months, __int128 *into) {
  int64_t d = ms / 86400000 - (ms % 86400000 < 0);
  time_t s = (time_t)(d * 86400);
  struct tm tm;
  gmtime_r(&s, &tm);
  *months = (int64_t)(tm.tm_year + 1900) * 12 + tm.tm_mon;
  *into = ((__int128)(tm.tm_mday - 1) * 86400000 + (ms - d * 86400000)) * 1000000 + nano;
}

/* Flink's TIMESTAMPDIFF: whole units from a to b (negative when b is earlier), an INT. */
static int f_diff(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  int u = unit_index(e);
  int64_t r;
  if (u < 8) {
    __int128 d = ((__int128)a[1].i - a[0].i) * 1000000 + (nano_of(e->a[1], &a[1]) - nano_of(e->a[0], &a[0]));
    r = (int64_t)(d / unit_len[u]);
    if (d / unit_len[u] != (__int128)r) return sql_ectx_fail(c, "TIMESTAMPDIFF: the difference overflows");
  } else {
    int64_t m0, m1;
    __int128 i0, i1;
    month_pos(a[0].i, nano_of(e->a[0], &a[0]), &m0, &i0);
    month_pos(a[1].i, nano_of(e->a[1], &a[1]), &m1, &i1);
    int64_t m = m1 - m0;
    if (m > 0 && i1 < i0) m--;
    else if (m < 0 && i1 > i0) m++;
    r = m / unit_len[u];
  }
  if (r < INT32_MIN || r > INT32_MAX) return sql_ectx_fail(c, "TIMESTAMPDIFF: %lld does not fit an INT", (long long)r);
  out->i = r;
  return 0;
}

static int ck_add(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  if (e->n != 2) return snprintf(err, errlen, "TIMESTAMPADD wants (unit, interval, timestamp)"), STROM_EINVAL;
  const sql_type *t = &e->a[0]->type;
  if (t->kind || (t->id != STROM_INT && t->id != STROM_BIGINT && t->id))
    return snprintf(err, errlen, "TIMESTAMPADD: the interval must be an INT or BIGINT"), STROM_EINVAL;
  /* Calcite's result type: a TIME stays TIME; a DATE stays DATE for DAY and longer
   * units (TIMESTAMPADD(WEEK, 1, DATE '2003-01-02') is DATE '2003-01-09'), else TIMESTAMP */
  const sql_type *d = &e->a[1]->type;
  if (d->kind == SQL_K_TIME || (d->kind == SQL_K_DATE && unit_index(e) >= 6)) {
    e->type = *d;
    e->type.not_null = false;
    return 0;
  }
  int rc = ts_arg(a, e, 1, err, errlen);
  e->type = e->a[1]->type;
  e->type.not_null = false;
  return rc;
}

static int f_add(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  int u = unit_index(e);
  int64_t n = a[0].i, ms = a[1].i, nano = nano_of(e->a[1], &a[1]);
  out->null = false;
  if (e->type.kind == SQL_K_TIME) { /* wraps around the day; DAY and longer leave it */
    __int128 t = u < 6 ? ((__int128)ms * 1000000 + (__int128)n * unit_len[u]) / 1000000 % 86400000 : ms;
    out->i = (int64_t)(t < 0 ? t + 86400000 : t);
    return 0;
  }
  if (e->a[1]->type.kind == SQL_K_DATE) ms *= 86400000; /* a DATE's days; DAY and longer units */
  if (u < 8) {
    __int128 t = (__int128)ms * 1000000 + nano + (__int128)n * unit_len[u];
    __int128 q = t / 1000000, r = t % 1000000;
    if (r < 0) q--, r += 1000000;
    if (q < -62167219200000LL || q > 253402300799999LL) return sql_ectx_fail(c, "TIMESTAMPADD: the result is out of range");
    out->i = (int64_t)q;
    out->ts.nano = (uint32_t)r;
  } else {
    int64_t d = ms / 86400000 - (ms % 86400000 < 0), m;
    if (__builtin_mul_overflow(n, unit_len[u], &m) || m > 120000 || m < -120000)
      return sql_ectx_fail(c, "TIMESTAMPADD: the result is out of range");
    time_t s = (time_t)(d * 86400);
    struct tm tm;
    gmtime_r(&s, &tm);
    int64_t mm = (int64_t)tm.tm_year * 12 + tm.tm_mon + m;
    int y = (int)(mm / 12 - (mm % 12 < 0)), mo = (int)(mm - (int64_t)y * 12);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int yy = y + 1900, last = mdays[mo] + (mo == 1 && ((yy % 4 == 0 && yy % 100) || yy % 400 == 0));
    struct tm nt = {.tm_year = y, .tm_mon = mo, .tm_mday = tm.tm_mday > last ? last : tm.tm_mday};
    out->i = (int64_t)timegm(&nt) * 1000 + (ms - d * 86400000);
    out->ts.nano = (uint32_t)nano;
  }
  if (e->type.kind == SQL_K_DATE) {
    out->i = out->i / 86400000 - (out->i % 86400000 < 0);
    return 0;
  }
  if (e->type.p < 9) sql_ts_truncate(out, e->type.p);
  return 0;
}

static const struct sql_func ts_funcs[] = {
    {"TIMESTAMPDIFF", 2, 2, true, ck_diff, f_diff},
    {"TIMESTAMPADD", 2, 2, true, ck_add, f_add},
};

const struct sql_func *sql_ts_func_find(const char *name) {
  for (size_t i = 0; i < sizeof ts_funcs / sizeof *ts_funcs; i++)
    if (!strcasecmp(name, ts_funcs[i].name)) return &ts_funcs[i];
  return NULL;
}

bool sql_ts_unit_call(const struct sql_func *f) { return f == &ts_funcs[0] || f == &ts_funcs[1]; }

int sql_ts_from_epoch(int64_t v, int p, sql_val *out, sql_ectx *c) {
  static const int64_t per_ms[10] = {0, 0, 0, 1, 10, 100, 1000, 10000, 100000, 1000000};
  __int128 ms;
  int64_t sub = 0;
  if (p < 3) {
    ms = (__int128)v * (p == 0 ? 1000 : p == 1 ? 100 : 10);
  } else {
    int64_t u = per_ms[p];
    ms = v / u;
    sub = v % u;
    if (sub < 0) ms--, sub += u;
  }
  if (ms < -62167219200000LL || ms > 253402300799999LL)
    return sql_ectx_fail(c, "TO_TIMESTAMP_LTZ: %lld at precision %d is outside the TIMESTAMP range", (long long)v, p);
  out->null = false;
  out->i = (int64_t)ms;
  out->ts.nano = p > 3 ? (uint32_t)(sub * (1000000 / per_ms[p])) : 0;
  return 0;
}

