/*
 * sink_notnull.c -- Flink's sink NOT NULL enforcer (table.exec.sink.not-null-enforcer):
 * a sink column declared NOT NULL (or in the primary key, which Flink makes NOT NULL)
 * that the query may fill with NULL gets a check.  ERROR (the default) fails the job
 * with Flink's message when a NULL arrives; DROP drops such rows silently (a filter on
 * the INSERT's cast).  A column the query proves NOT NULL (nullability.c) needs no check,
 * as Flink adds none.  The checks are added after EXPLAIN, as Flink shows them in the
 * sink operator rather than in the plan.
 */
#include <strings.h>

#include "sql_int.h"

static int f_enforce(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c) {
  if (args[0].null)
    return sql_ectx_fail(c, "Column '%.*s' is NOT NULL, however, a null value is being written into it. You can set job "
                            "configuration 'table.exec.sink.not-null-enforcer'='DROP' to suppress this exception and drop "
                            "such records silently.",
                         (int)e->lit.s.n, e->lit.s.p);
  *out = args[0];
  return 0;
}

static const sql_func ENFORCER = {"NOT_NULL_ENFORCER", 1, 1, false, NULL, f_enforce};

static bool in_pk(const sql_table *t, const char *name) {
  for (int i = 0; i < t->npk; i++)
    if (!strcmp(t->pk[i], name)) return true;
  return false;
}

int sql_sink_not_null(sql_session *s, sql_arena *a, sql_plan *p, const sql_table *t, char *err, size_t errlen) {
  const char *mode = sql_session_get(s, "table.exec.sink.not-null-enforcer");
  bool drop = mode && !strcasecmp(mode, "DROP");
  if (mode && !drop && strcasecmp(mode, "ERROR"))
    return snprintf(err, errlen, "'table.exec.sink.not-null-enforcer' must be 'ERROR' or 'DROP', got '%s'", mode), STROM_EINVAL;
  if (p->kind != SQL_P_CALC || !p->exprs) return STROM_OK;
  for (int i = 0, k = 0; i < t->ncols && k < p->ncols; i++) {
    const sql_table_col *tc = &t->cols[i];
    if (!sql_col_written(tc)) continue;
    sql_expr *x = p->exprs[k];
    if ((tc->type.not_null || in_pk(t, tc->name)) && !x->type.not_null && !sql_row_is_marker(tc->name)) {
      if (drop) {
        sql_expr *nn = sql_arena_alloc(a, sizeof *nn), **na = sql_arena_alloc(a, sizeof *na * 2);
        if (!nn || !na) return STROM_ENOMEM;
        nn->op = SQL_E_IS_NOT_NULL, nn->type = (sql_type){.id = STROM_BOOLEAN, .not_null = true};
        nn->n = 1, nn->a = na, na[0] = x;
        if (p->cond) {
          sql_expr *and = sql_arena_alloc(a, sizeof *and), **aa = sql_arena_alloc(a, sizeof *aa * 2);
          if (!and || !aa) return STROM_ENOMEM;
          and->op = SQL_E_AND, and->type = nn->type, and->n = 2, and->a = aa, aa[0] = p->cond, aa[1] = nn;
          nn = and;
        }
        p->cond = nn;
      } else {
        sql_expr *f = sql_arena_alloc(a, sizeof *f), **fa = sql_arena_alloc(a, sizeof *fa);
        if (!f || !fa) return STROM_ENOMEM;
        f->op = SQL_E_FUNC, f->fn = &ENFORCER, f->type = x->type, f->type.not_null = true;
        f->n = 1, f->a = fa, fa[0] = x;
        f->lit.s.p = tc->name, f->lit.s.n = (uint32_t)strlen(tc->name);
        p->exprs[k] = f;
      }
    }
    k++;
  }
  return STROM_OK;
}
