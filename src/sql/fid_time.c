/*
 * fid_time.c -- TIME(p) for p > 3, which Flink's planner refuses ("TIME precision is
 * not supported: p": FlinkTypeFactory turns a TIME type with more than milliseconds away,
 * FLINK-17224) wherever a statement names one: a CAST, a column, a ROW field, an ARRAY
 * element.  Checked on the statement as written, so a catalog's own tables (a JDBC
 * catalog maps PostgreSQL's time to TIME(6)) still describe themselves; literals with
 * more than three digits are refused where they are bound (binder.c).
 */
#include "sql_int.h"

const sql_node *sql_fid_time_check(const sql_node *n) {
  if (!n) return NULL;
  if (n->kind == SQL_TYPE && n->text && !strcmp(n->text, "TIME") && n->p > 3 && n->p <= 9) return n;
  for (int i = 0; i < n->nkids; i++) {
    const sql_node *t = sql_fid_time_check(n->kids[i]);
    if (t) return t;
  }
  return NULL;
}
