/*
 * udtf.c -- C table functions (include/strom/sql.h, "Table functions in C"): telling a
 * table function's descriptor from a scalar one's when CREATE FUNCTION loads a symbol
 * (udf.c keeps both kinds in the session), checking it, and converting between the
 * SQL values and the ABI's strom_sql_value for the arguments and the emitted rows.
 * unnest_plan.c calls the function once per input row.
 */
#include "unnest.h"

bool sql_udtf_is(const void *sym) {
  return sym && !((uintptr_t)sym % _Alignof(strom_sql_table_fn)) && *(const int *)sym == STROM_SQL_TABLE_FN_ABI;
}

static bool col_type_ok(strom_type_id t) {
  return t == STROM_BOOLEAN || t == STROM_INT || t == STROM_BIGINT || t == STROM_DOUBLE || t == STROM_VARCHAR ||
         t == STROM_TIMESTAMP;
}

void sql_udtf_check(const strom_sql_table_fn *f, char *m, size_t mlen) {
  m[0] = 0;
  if (f->ncols < 1 || f->ncols > 64) snprintf(m, mlen, "%d columns, expected 1..64", f->ncols);
  else if (!f->col_names || !f->col_types) snprintf(m, mlen, "no column names or types");
  else if (f->min_args < 0 || f->max_args < f->min_args || f->max_args > 64)
    snprintf(m, mlen, "bad argument counts %d..%d", f->min_args, f->max_args);
  else if (!f->eval) snprintf(m, mlen, "no eval function");
  for (int i = 0; !m[0] && i < f->ncols; i++) {
    if (!f->col_names[i] || !f->col_names[i][0]) snprintf(m, mlen, "column %d has no name", i + 1);
    else if (!col_type_ok(f->col_types[i]))
      snprintf(m, mlen, "column %s has type %d (BOOLEAN, INT, BIGINT, DOUBLE, VARCHAR or TIMESTAMP)", f->col_names[i],
               (int)f->col_types[i]);
  }
}

sql_type sql_udtf_col_type(strom_type_id id) {
  sql_type t = {.id = id};
  if (id == STROM_VARCHAR) t.p = SQL_VARCHAR_MAX;
  if (id == STROM_TIMESTAMP) t.p = 3;
  return t;
}

int sql_udtf_scalar_check(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  snprintf(err, errlen, "%s is a table function: call it in FROM as LATERAL TABLE(%s(...))", e->fn->name, e->fn->name);
  return STROM_EINVAL;
}

/* A bound argument's value as the ABI has it (udf.c's conversion for ABI 2). */
void sql_udtf_arg(const sql_type *t, const sql_val *v, strom_sql_value *out) {
  *out = (strom_sql_value){.type = t->id, .is_null = v->null, .scale = t->id == STROM_DECIMAL ? t->s : 0,
                           .precision = t->id == STROM_DECIMAL || t->id == STROM_TIMESTAMP ? t->p : 0};
  if (v->null) return;
  if (t->id == STROM_DOUBLE) out->d = v->d;
  else if (t->id == STROM_VARCHAR) out->s = v->s.p, out->len = v->s.n;
  else if (t->id == STROM_DECIMAL) {
    __int128 x = sql_dec_get(t, v);
    out->i = (int64_t)(uint64_t)x, out->hi = (int64_t)(x >> 64);
  } else {
    out->i = v->i;
    if (sql_ts_wide(t)) out->nano = (int32_t)v->ts.nano;
  }
}

int sql_udtf_col(const strom_sql_table_fn *f, int i, const strom_sql_value *v, sql_val *out, char *err, size_t errlen) {
  out->null = v->is_null != 0;
  if (out->null) return 0;
  strom_type_id t = f->col_types[i];
  if (v->type != t) return snprintf(err, errlen, "emitted a value of another type than column %s declares", f->col_names[i]), -1;
  if (t == STROM_DOUBLE) out->d = v->d;
  else if (t == STROM_VARCHAR) {
    if (v->len > UINT32_MAX || (v->len && !v->s)) return snprintf(err, errlen, "emitted a bad string in column %s", f->col_names[i]), -1;
    out->s.p = v->len ? v->s : "", out->s.n = (uint32_t)v->len;
  } else if (t == STROM_BOOLEAN) out->i = v->i != 0;
  else if (t == STROM_INT && (v->i < INT32_MIN || v->i > INT32_MAX))
    return snprintf(err, errlen, "emitted %lld, out of INT's range, in column %s", (long long)v->i, f->col_names[i]), -1;
  else out->i = v->i;
  return 0;
}
