/*
 * types_time.c -- DATE, TIME and INTERVAL as SQL values.  They ride on the row model's
 * integer columns and are told apart by sql_type.kind: DATE is an INT of days since
 * 1970-01-01, TIME(0..3) an INT of milliseconds of the day, INTERVAL DAY TO SECOND
 * (any of its units) a BIGINT of milliseconds and INTERVAL YEAR TO MONTH an INT of
 * months, as Flink represents them internally.  This file has their types, text forms
 * (Flink's: 2020-01-31, 12:34:56.789, +1 02:03:04.000, +1-02), casts, literals and the
 * datetime arithmetic `ts + INTERVAL '1' HOUR`, `d - INTERVAL '1' MONTH`.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "sql_int.h"

#define DAY_MS 86400000LL

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

int sql_temporal_type_from_ast(const sql_node *t, sql_type *out, char *err, size_t errlen) {
  const char *n = t->text;
  if (!strcmp(n, "DATE")) out->id = STROM_INT, out->kind = SQL_K_DATE;
  else if (!strcmp(n, "TIME")) {
    if (t->p > 9) {
      snprintf(err, errlen, "line %d, column %d: TIME precision must be between 0 and 9", t->line, t->col);
      return STROM_ENOTSUP;
    }
    out->id = STROM_INT, out->kind = SQL_K_TIME, out->p = t->p < 0 ? 0 : t->p;
  } else if (!strncmp(n, "INTERVAL ", 9)) {
    bool ym = !strncmp(n + 9, "YEAR", 4) || !strncmp(n + 9, "MONTH", 5);
    out->id = ym ? STROM_INT : STROM_BIGINT;
    out->kind = ym ? SQL_K_IV_YM : SQL_K_IV_DT;
  } else return sql_coll_type_from_ast(t, out, err, errlen);
  return STROM_OK;
}

void sql_temporal_type_name(const sql_type *t, char *buf, size_t cap) {
  const char *nn = t->not_null ? " NOT NULL" : "";
  switch (t->kind) {
    case SQL_K_DATE: snprintf(buf, cap, "DATE%s", nn); return;
    case SQL_K_TIME: snprintf(buf, cap, "TIME(%d)%s", t->p, nn); return;
    case SQL_K_IV_DT: snprintf(buf, cap, "INTERVAL DAY TO SECOND(3)%s", nn); return;
    case SQL_K_IV_YM: snprintf(buf, cap, "INTERVAL YEAR TO MONTH%s", nn); return;
    case SQL_K_BYTES: sql_bytes_type_name(t, buf, cap); return;
    default: sql_coll_type_name(t, buf, cap); return;
  }
}

void sql_temporal_format(strom_buf *b, const sql_type *t, int64_t v) {
  switch (t->kind) {
    case SQL_K_DATE: {
      time_t s = (time_t)(v * 86400);
      struct tm tm;
      gmtime_r(&s, &tm);
      strom__buf_printf(b, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
      return;
    }
    case SQL_K_TIME: {
      int64_t ms = v;
      strom__buf_printf(b, "%02d:%02d:%02d", (int)(ms / 3600000), (int)(ms / 60000 % 60), (int)(ms / 1000 % 60));
      if (t->p > 0) strom__buf_printf(b, ".%03d", (int)(ms % 1000));
      for (int i = 3; i < t->p; i++) strom__buf_append(b, "0", 1); /* TIME(4..9) holds milliseconds, as Flink's */
      return;
    }
    case SQL_K_IV_DT: {
      uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
      strom__buf_printf(b, "%c%" PRIu64 " %02d:%02d:%02d.%03d", v < 0 ? '-' : '+', a / (uint64_t)DAY_MS, (int)(a / 3600000 % 24),
                        (int)(a / 60000 % 60), (int)(a / 1000 % 60), (int)(a % 1000));
      return;
    }
    case SQL_K_IV_YM: {
      int64_t a = v < 0 ? -v : v;
      strom__buf_printf(b, "%c%" PRId64 "-%02d", v < 0 ? '-' : '+', a / 12, (int)(a % 12));
      return;
    }
    default: return;
  }
}

static int parse_date(const char *s, int64_t *out) {
  int y, m, d, used = 0;
  if (sscanf(s, "%5d-%2d-%2d%n", &y, &m, &d, &used) != 3 || s[used] || m < 1 || m > 12 || d < 1 || d > 31) return -1;
  struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
  time_t t = timegm(&tm);
  struct tm back;
  gmtime_r(&t, &back);
  if (back.tm_mday != d) return -1; /* 2021-02-30 */
  *out = floor_div((int64_t)t, 86400);
  return 0;
}

static int parse_time(const char *s, int64_t *out) {
  int h, m, sec = 0, used = 0;
  if (sscanf(s, "%2d:%2d:%2d%n", &h, &m, &sec, &used) != 3) {
    used = 0;
    if (sscanf(s, "%2d:%2d%n", &h, &m, &used) != 2) return -1;
  }
  const char *p = s + used;
  int ms = 0;
  if (*p == '.') {
    int digits = 0;
    for (p++; isdigit((unsigned char)*p); p++, digits++)
      if (digits < 3) ms = ms * 10 + (*p - '0');
    if (!digits) return -1;
    for (; digits < 3; digits++) ms *= 10;
  }
  if (*p || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return -1;
  *out = ((int64_t)h * 3600 + m * 60 + sec) * 1000 + ms;
  return 0;
}

/* Flink's interval text: "+1 02:03:04.000" / "-0 00:00:01.500" and "+1-02". */
static int parse_interval(const sql_type *t, const char *s, int64_t *out) {
  bool neg = *s == '-';
  if (*s == '-' || *s == '+') s++;
  if (t->kind == SQL_K_IV_YM) {
    long long y, m;
    int used = 0;
    if (sscanf(s, "%lld-%lld%n", &y, &m, &used) != 2 || s[used] || m < 0 || m > 11) return -1;
    if (y < 0 || y > (INT32_MAX - 11) / 12) return -1; /* the months are an INT */
    *out = (neg ? -1 : 1) * (y * 12 + m);
    return 0;
  }
  long long d;
  int h, mi, sec, used = 0, ms = 0;
  if (sscanf(s, "%lld %2d:%2d:%2d%n", &d, &h, &mi, &sec, &used) != 4) return -1;
  if (d < 0 || d > INT64_MAX / 86400000 - 1 || h < 0 || mi < 0 || sec < 0) return -1; /* the milliseconds fit a BIGINT */
  const char *p = s + used;
  if (*p == '.') {
    int digits = 0;
    for (p++; isdigit((unsigned char)*p); p++, digits++)
      if (digits < 3) ms = ms * 10 + (*p - '0');
    for (; digits < 3; digits++) ms *= 10;
  }
  if (*p) return -1;
  *out = (neg ? -1 : 1) * (((d * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL + ms);
  return 0;
}

int sql_temporal_parse(const sql_type *t, const char *s, size_t n, int64_t *out) {
  while (n && isspace((unsigned char)*s)) s++, n--;
  while (n && isspace((unsigned char)s[n - 1])) n--;
  char tmp[64];
  if (!n || n >= sizeof tmp) return -1;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  switch (t->kind) {
    case SQL_K_DATE: return parse_date(tmp, out);
    case SQL_K_TIME: return parse_time(tmp, out);
    default: return parse_interval(t, tmp, out);
  }
}

bool sql_temporal_can_cast(const sql_type *from, const sql_type *to) {
  if (from->kind == SQL_K_BYTES || to->kind == SQL_K_BYTES) return sql_bytes_can_cast(from, to);
  if (from->kind >= SQL_K_ARRAY || to->kind >= SQL_K_ARRAY) return sql_coll_can_cast(from, to);
  if (!from->id || from->id == STROM_VARCHAR || to->id == STROM_VARCHAR) return true;
  if (from->kind == to->kind) return from->id == to->id;
  bool ts_from = from->id == STROM_TIMESTAMP && !from->kind, ts_to = to->id == STROM_TIMESTAMP && !to->kind;
  /* DATE <-> TIMESTAMP, TIMESTAMP -> TIME, and TIME -> TIMESTAMP on 1970-01-01 (so HOUR()
   * and EXTRACT take a TIME) */
  return (from->kind == SQL_K_DATE && ts_to) || (ts_from && to->kind == SQL_K_DATE) || (ts_from && to->kind == SQL_K_TIME) ||
         (from->kind == SQL_K_TIME && ts_to);
}

int sql_temporal_cast(const sql_type *from, const sql_type *to, const sql_val *v, sql_val *out, sql_ectx *c) {
  if (from->kind == SQL_K_BYTES || to->kind == SQL_K_BYTES) return sql_bytes_cast(from, to, v, out, c);
  out->null = false;
  if (to->id == STROM_VARCHAR && !to->kind) {
    strom_buf b = {0};
    sql_val_format(&b, from, v);
    return sql_coll_finish(&b, out, c);
  }
  if (from->id == STROM_VARCHAR && !from->kind) {
    if (sql_val_parse(to, v->s.p, v->s.n, out, c)) {
      char tn[48];
      sql_type_name(to, tn, sizeof tn);
      return sql_ectx_fail(c, "cannot cast '%.*s' to %s", (int)(v->s.n > 64 ? 64 : v->s.n), v->s.p, tn);
    }
    return 0;
  }
  if (from->kind >= SQL_K_ARRAY) return sql_coll_cast(from, to, v, out, c);
  if (from->kind == to->kind) *out = *v;
  else if (from->kind == SQL_K_DATE) out->i = v->i * DAY_MS;
  else if (to->kind == SQL_K_DATE) out->i = floor_div(v->i, DAY_MS);
  else if (to->kind == SQL_K_TIME) out->i = v->i - floor_div(v->i, DAY_MS) * DAY_MS;
  else if (from->kind == SQL_K_TIME) out->i = v->i;
  else return sql_ectx_fail(c, "unsupported cast");
  if (sql_ts_wide(to)) out->ts.nano = 0; /* from a DATE or TIME: on the millisecond */
  return 0;
}

/* ---- literals ---- */

int sql_temporal_literal(const char *kw, const char *text, sql_type *t, sql_val *v) {
  memset(t, 0, sizeof *t);
  if (!strcmp(kw, "DATE")) t->id = STROM_INT, t->kind = SQL_K_DATE;
  else if (!strcmp(kw, "TIME")) {
    t->id = STROM_INT, t->kind = SQL_K_TIME, t->p = strchr(text, '.') ? 3 : 0;
    if (t->p && strspn(strchr(text, '.') + 1, "0123456789") > 3) return -3; /* TIME(p > 3): as Flink, refused */
  } else return -2;
  t->not_null = true;
  v->null = false;
  return sql_temporal_parse(t, text, strlen(text), &v->i);
}

/* INTERVAL '1' HOUR, INTERVAL '1-2' YEAR TO MONTH, INTERVAL '2' MONTH: units is the
 * INTERVAL node's text ("HOUR", "YEAR TO MONTH", "DAY TO SECOND"). */
int sql_interval_literal(const char *units, const char *text, sql_type *t, sql_val *v) {
  memset(t, 0, sizeof *t);
  t->not_null = true;
  v->null = false;
  bool neg = *text == '-';
  if (*text == '-' || *text == '+') text++;
  if (!strncmp(units, "YEAR", 4) || !strncmp(units, "MONTH", 5)) {
    t->id = STROM_INT, t->kind = SQL_K_IV_YM;
    long long a = 0, b = 0;
    char *end;
    a = strtoll(text, &end, 10);
    if (end == text) return -1;
    if (strstr(units, " TO ")) {
      if (*end != '-') return -1;
      const char *m = end + 1;
      b = strtoll(m, &end, 10);
      if (end == m || b > 11) return -1;
      a = a * 12 + b;
    } else if (units[0] == 'Y') a *= 12;
    if (*end) return -1;
    v->i = neg ? -a : a;
    return 0;
  }
  return -2; /* day-time intervals: the binder's own reader */
}

/* ---- arithmetic ---- */

static int64_t add_months_days(int64_t days, int64_t months) {
  time_t s = (time_t)(days * 86400);
  struct tm tm;
  gmtime_r(&s, &tm);
  int64_t m = (int64_t)tm.tm_year * 12 + tm.tm_mon + months;
  int y = (int)floor_div(m, 12), mo = (int)(m - floor_div(m, 12) * 12);
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int yy = y + 1900, last = mdays[mo] + (mo == 1 && ((yy % 4 == 0 && yy % 100) || yy % 400 == 0));
  struct tm n = {.tm_year = y, .tm_mon = mo, .tm_mday = tm.tm_mday > last ? last : tm.tm_mday};
  return floor_div((int64_t)timegm(&n), 86400);
}

/* e->aux: +1 or -1; a[0] the datetime, a[1] the interval (either kind) */
static int f_datetime_plus(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  int64_t iv = a[1].i * e->aux, x = a[0].i;
  const sql_type *t = &e->a[0]->type, *it = &e->a[1]->type;
  out->null = false;
  if (it->kind == SQL_K_IV_YM) {
    if (t->kind == SQL_K_DATE) out->i = add_months_days(x, iv);
    else if (t->kind == SQL_K_TIME) out->i = x;
    else {
      int64_t d = floor_div(x, DAY_MS);
      out->i = add_months_days(d, iv) * DAY_MS + (x - d * DAY_MS);
    }
  } else if (t->kind == SQL_K_DATE) out->i = floor_div(x * DAY_MS + iv, DAY_MS);
  else if (t->kind == SQL_K_TIME) {
    int64_t r = (x + iv) % DAY_MS;
    out->i = r < 0 ? r + DAY_MS : r;
  } else out->i = x + iv;
  out->ts.nano = a[0].ts.nano; /* a TIMESTAMP(4..9) keeps its nanoseconds (types_ts.c) */
  return 0;
}

static int ck_none(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a, (void)e, (void)err, (void)errlen;
  return 0;
}

static const sql_func datetime_plus = {"DATETIME_PLUS", 2, 2, true, ck_none, f_datetime_plus};

sql_expr *sql_temporal_arith(sql_arena *a, sql_eop op, sql_expr *l, sql_expr *r, char *err, size_t errlen) {
  const sql_type *x = &l->type, *y = &r->type;
  bool xi = x->kind == SQL_K_IV_DT || x->kind == SQL_K_IV_YM, yi = y->kind == SQL_K_IV_DT || y->kind == SQL_K_IV_YM;
  bool xd = x->kind == SQL_K_DATE || x->kind == SQL_K_TIME || (x->id == STROM_TIMESTAMP && !x->kind);
  bool yd = y->kind == SQL_K_DATE || y->kind == SQL_K_TIME || (y->id == STROM_TIMESTAMP && !y->kind);
  char xs[48], ys[48];
  sql_type_name(x, xs, sizeof xs);
  sql_type_name(y, ys, sizeof ys);
  if ((op == SQL_E_ADD || op == SQL_E_SUB) && xi && yi && x->kind == y->kind) {
    sql_expr *e = sql_arena_alloc(a, sizeof *e);
    sql_expr **args = sql_arena_alloc(a, 2 * sizeof *args);
    if (!e || !args) return snprintf(err, errlen, "out of memory"), NULL;
    *e = (sql_expr){.op = op, .type = *x, .n = 2, .a = args, .col = -1};
    e->type.not_null = x->not_null && y->not_null;
    args[0] = l, args[1] = r;
    return e;
  }
  if (op == SQL_E_ADD && xi && yd) {
    sql_expr *t = l;
    l = r, r = t, xd = true, yi = true;
  }
  if ((op == SQL_E_ADD || op == SQL_E_SUB) && xd && yi) {
    if (l->type.kind == SQL_K_TIME && r->type.kind == SQL_K_IV_YM) {
      snprintf(err, errlen, "cannot add %s to %s", ys, xs);
      return NULL;
    }
    sql_expr *e = sql_arena_alloc(a, sizeof *e);
    sql_expr **args = sql_arena_alloc(a, 2 * sizeof *args);
    if (!e || !args) return snprintf(err, errlen, "out of memory"), NULL;
    *e = (sql_expr){.op = SQL_E_FUNC, .type = l->type, .n = 2, .a = args, .fn = &datetime_plus, .col = -1,
                    .aux = op == SQL_E_SUB ? -1 : 1};
    e->type.not_null = l->type.not_null && r->type.not_null;
    args[0] = l, args[1] = r;
    return e;
  }
  if (op == SQL_E_MUL && (xi || yi)) return sql_interval_times(a, l, r, err, errlen); /* types_ivmul.c */
  snprintf(err, errlen, "cannot apply %s to %s and %s", op == SQL_E_ADD ? "+" : op == SQL_E_SUB ? "-" : "arithmetic", xs, ys);
  return NULL;
}

bool sql_temporal_common_type(const sql_type *a, const sql_type *b, sql_type *out) {
  if (a->kind == SQL_K_BYTES || b->kind == SQL_K_BYTES) return sql_bytes_common_type(a, b, out);
  if (a->kind == b->kind && a->id == b->id && a->elem == b->elem && a->key == b->key) return *out = *a, out->not_null = a->not_null && b->not_null, true;
  if (a->kind == SQL_K_ROWV && b->kind == SQL_K_ROWV) return sql_rowv_common_type(a, b, out); /* rowfn_val.c */
  if (a->id == STROM_VARCHAR && !a->kind) return *out = *b, out->not_null = false, true;
  if (b->id == STROM_VARCHAR && !b->kind) return *out = *a, out->not_null = false, true;
  /* a DATE compared with a TIMESTAMP: both as TIMESTAMP */
  if ((a->kind == SQL_K_DATE && b->id == STROM_TIMESTAMP && !b->kind) || (b->kind == SQL_K_DATE && a->id == STROM_TIMESTAMP && !a->kind))
    return *out = (sql_type){.id = STROM_TIMESTAMP, .p = a->kind ? (b->p > 3 ? b->p : 3) : (a->p > 3 ? a->p : 3)}, true;
  return false;
}

/* ---- CURRENT_DATE, CURRENT_TIME, LOCALTIME (UTC, the only session time zone) ---- */

static int ck_current(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a, (void)err, (void)errlen;
  bool date = !strcmp(e->fn->name, "CURRENT_DATE");
  e->type = (sql_type){.id = STROM_INT, .kind = date ? SQL_K_DATE : SQL_K_TIME, .not_null = true};
  return 0;
}

static int f_current(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)a, (void)c;
  int64_t now = strom__now_ms();
  out->null = false;
  out->i = e->type.kind == SQL_K_DATE ? floor_div(now, DAY_MS) : now - floor_div(now, DAY_MS) * DAY_MS;
  return 0;
}

static const sql_func niladic[] = {
    {"CURRENT_DATE", 0, 0, false, ck_current, f_current},
    {"CURRENT_TIME", 0, 0, false, ck_current, f_current},
    {"LOCALTIME", 0, 0, false, ck_current, f_current},
};

const sql_func *sql_temporal_niladic(const char *name) {
  return SQL_FUNC_IN(niladic, name);
}
