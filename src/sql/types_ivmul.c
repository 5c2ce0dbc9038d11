/*
 * types_ivmul.c -- an INTERVAL times an integer (`INTERVAL '1' SECOND * 2`, `3 * INTERVAL
 * '1' MONTH`), as Flink: the same interval type, its milliseconds or months multiplied.
 * types_time.c's sql_temporal_arith hands the product here.  Only exact integers
 * (TINYINT..BIGINT) multiply an interval here; an overflow fails the row with a message.
 */
#include "sql_int.h"

static int ck_none(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a, (void)e, (void)err, (void)errlen;
  return 0;
}

static int f_interval_times(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  int64_t r;
  if (__builtin_mul_overflow(a[0].i, a[1].i, &r) || (e->type.kind == SQL_K_IV_YM && (r > INT32_MAX || r < INT32_MIN)))
    return sql_ectx_fail(c, "INTERVAL * %lld overflows", (long long)a[1].i);
  out->null = false;
  out->i = r;
  return 0;
}

static const sql_func interval_times = {"INTERVAL_TIMES", 2, 2, true, ck_none, f_interval_times};

sql_expr *sql_interval_times(sql_arena *a, sql_expr *l, sql_expr *r, char *err, size_t errlen) {
  if (l->type.kind != SQL_K_IV_DT && l->type.kind != SQL_K_IV_YM) { /* the interval first */
    sql_expr *t = l;
    l = r, r = t;
  }
  const sql_type *n = &r->type;
  if (n->kind || (n->id != STROM_INT && n->id != STROM_BIGINT) || (l->type.kind != SQL_K_IV_DT && l->type.kind != SQL_K_IV_YM)) {
    char xs[48], ys[48];
    sql_type_name(&l->type, xs, sizeof xs);
    sql_type_name(n, ys, sizeof ys);
    snprintf(err, errlen, "cannot multiply %s by %s (an INTERVAL multiplies by an integer)", xs, ys);
    return NULL;
  }
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **args = sql_arena_alloc(a, 2 * sizeof *args);
  if (!e || !args) return snprintf(err, errlen, "out of memory"), NULL;
  *e = (sql_expr){.op = SQL_E_FUNC, .type = l->type, .n = 2, .a = args, .fn = &interval_times, .col = -1};
  e->type.not_null = l->type.not_null && n->not_null;
  args[0] = l, args[1] = r;
  return e;
}
