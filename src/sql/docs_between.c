/*
 * docs_between.c -- x [NOT] BETWEEN lo AND hi with a NULL bound, as Flink's function
 * reference gives it: the predicate is (x >= lo AND x <= hi) in three-valued logic, so
 * the NULL bound's comparison is UNKNOWN and the AND is FALSE when the other comparison
 * fails (12 BETWEEN NULL AND 10 is FALSE, 12 NOT BETWEEN 15 AND NULL is TRUE), UNKNOWN
 * otherwise.  A NULL x stays UNKNOWN (the callers' strict path).
 */
#include "sql_int.h"

void sql_between_null_bound(const sql_expr *e, const sql_val *v, sql_val *out) {
  const sql_type *t = &e->a[0]->type;
  bool fails = v[1].null ? !v[2].null && sql_val_cmp(t, &v[0], &v[2]) > 0 : sql_val_cmp(t, &v[0], &v[1]) < 0;
  out->null = !fails;
  out->i = fails && e->op == SQL_E_NOT_BETWEEN;
}
