/*
 * fid_char.c -- CHAR(n) and bounded VARCHAR(n) results as Flink types them.  Calcite
 * gives a || b the sum of its operands' lengths (CHAR when both are CHAR, else VARCHAR:
 * 'a' || 'bc' is CHAR(3) NOT NULL), up to the longest string there is.  Values are not
 * padded here: a string literal already has its CHAR(n) length, a CAST to CHAR(n) pads
 * (value.c), and Flink pads nothing else (a ragged CASE, COALESCE, UNION or VALUES turns
 * VARCHAR instead, and CHAR(n) columns hold what their source gives).
 */
#include "sql_int.h"

void sql_fid_concat_type(sql_expr *e) {
  const sql_type *x = &e->a[0]->type, *y = &e->a[1]->type;
  if (e->type.kind || x->kind || y->kind || x->id != STROM_VARCHAR || y->id != STROM_VARCHAR) return;
  if (x->p <= 0 || y->p <= 0 || x->p >= SQL_VARCHAR_MAX || y->p >= SQL_VARCHAR_MAX) return;
  int64_t n = (int64_t)x->p + y->p;
  e->type.p = n < SQL_VARCHAR_MAX ? (int)n : SQL_VARCHAR_MAX;
  e->type.chr = x->chr && y->chr;
}
