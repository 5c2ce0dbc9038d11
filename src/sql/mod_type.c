/*
 * mod_type.c -- the result type of MOD(x, y) and x % y as Flink infers it (Calcite's
 * NULLABLE_MOD with FlinkTypeSystem.deriveDecimalModType): the type of y when neither
 * operand has a fraction (MOD(BIGINT, TINYINT) is TINYINT, the remainder always fits),
 * else DECIMAL(min(p1 - s1, p2 - s2) + s, s) with s = max(s1, s2), an integer operand
 * counted as the DECIMAL of its digits (TINYINT 3, SMALLINT 5, INT 10, BIGINT 19).
 * The remainder is computed in the operands' common type as before; only the result's
 * type is Flink's.
 */
#include "sql_int.h"

static void as_decimal(const sql_type *t, int *p, int *s) {
  *s = t->id == STROM_DECIMAL ? t->s : 0;
  if (t->id == STROM_DECIMAL) *p = t->p;
  else if (t->narrow == SQL_N_TINYINT) *p = 3;
  else if (t->narrow == SQL_N_SMALLINT) *p = 5;
  else *p = t->id == STROM_BIGINT ? 19 : 10;
}

bool sql_mod_type(const sql_type *x, const sql_type *y, sql_type *out) {
  if (x->kind || y->kind || !x->id || !y->id || x->id == STROM_DOUBLE || y->id == STROM_DOUBLE) return false;
  int p1, s1, p2, s2;
  as_decimal(x, &p1, &s1);
  as_decimal(y, &p2, &s2);
  bool nn = out->not_null; /* the caller's */
  if (!s1 && !s2) *out = *y;
  else {
    int s = s1 > s2 ? s1 : s2;
    *out = sql_decimal((p1 - s1 < p2 - s2 ? p1 - s1 : p2 - s2) + s, s);
  }
  out->not_null = nn;
  return true;
}

sql_expr *sql_mod_cast(sql_arena *a, sql_expr *e, const sql_type *t) {
  sql_expr_nullability(e); /* the binder derives it for the node it gets back, the cast */
  sql_type want = *t;
  want.not_null = e->type.not_null;
  if (want.id == e->type.id && want.p == e->type.p && want.s == e->type.s && want.narrow == e->type.narrow) return e;
  return sql_cast_to(a, e, &want);
}
