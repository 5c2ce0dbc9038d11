/*
 * fid_check.c -- the type checks Flink makes at validation time that the binder's
 * implicit casts would otherwise defer to the job: a comparison or an IN list whose
 * operands belong to families Flink does not compare (a STRING with a number or a
 * BOOLEAN, a number with a BOOLEAN or a date).  Flink's planner compares a string with
 * a DATE, TIME or TIMESTAMP by casting the string (its code generator's "date/time
 * equalTo string"), and numbers of any kind with each other, so those stay accepted.
 * Messages follow Calcite's wording, with the types in Calcite's spelling (INTEGER,
 * VARCHAR(2147483647), a literal 'x' as CHAR(1)).
 */
#include <stdio.h>
#include <string.h>

#include "sql_int.h"

typedef enum { F_ANY, F_NUM, F_CHAR, F_BOOL, F_TS, F_DATE, F_TIME, F_IV, F_OTHER } family;

static family family_of(const sql_type *t) {
  if (!t->id) return F_ANY;
  switch (t->kind) {
    case SQL_K_NONE: break;
    case SQL_K_DATE: return F_DATE;
    case SQL_K_TIME: return F_TIME;
    case SQL_K_IV_DT:
    case SQL_K_IV_YM: return F_IV;
    default: return F_OTHER; /* bytes, collections, rows: the binder's own checks */
  }
  switch (t->id) {
    case STROM_INT:
    case STROM_BIGINT:
    case STROM_DOUBLE:
    case STROM_DECIMAL: return F_NUM;
    case STROM_VARCHAR: return F_CHAR;
    case STROM_BOOLEAN: return F_BOOL;
    case STROM_TIMESTAMP: return F_TS;
    default: return F_OTHER;
  }
}

bool sql_fid_comparable(const sql_type *a, const sql_type *b) {
  family x = family_of(a), y = family_of(b);
  if (x == y || x == F_ANY || y == F_ANY || x == F_OTHER || y == F_OTHER) return true;
  bool tx = x >= F_TS && x <= F_IV, ty = y >= F_TS && y <= F_IV;
  if (tx && ty) return true; /* dates, times and intervals among themselves: the binder's own rules */
  if (x == F_CHAR) x = y, y = F_CHAR;
  return y == F_CHAR && (x == F_TS || x == F_DATE || x == F_TIME || x == F_IV);
}

/* The type as Calcite prints it in a validation message. */
static void calcite_name(const sql_expr *e, char *buf, size_t cap) {
  const sql_type *t = &e->type;
  if (!t->id) {
    snprintf(buf, cap, "NULL");
    return;
  }
  switch (t->kind) {
    case SQL_K_DATE: snprintf(buf, cap, "DATE"); return;
    case SQL_K_TIME: snprintf(buf, cap, "TIME(%d)", t->p); return;
    case SQL_K_NONE: break;
    default: sql_type_name(t, buf, cap); return;
  }
  switch (t->id) {
    case STROM_INT:
      snprintf(buf, cap, "%s", t->narrow == SQL_N_TINYINT ? "TINYINT" : t->narrow == SQL_N_SMALLINT ? "SMALLINT" : "INTEGER");
      return;
    case STROM_DOUBLE: snprintf(buf, cap, "%s", t->narrow == SQL_N_FLOAT ? "FLOAT" : "DOUBLE"); return;
    case STROM_VARCHAR:
      if (e->op == SQL_E_LIT) snprintf(buf, cap, "CHAR(%u)", e->lit.null ? 0 : e->lit.s.n);
      else snprintf(buf, cap, "VARCHAR(%d)", t->p ? t->p : SQL_VARCHAR_MAX);
      return;
    case STROM_TIMESTAMP:
      snprintf(buf, cap, "%s(%d)", t->ltz ? "TIMESTAMP_WITH_LOCAL_TIME_ZONE" : "TIMESTAMP", t->p);
      return;
    default: {
      char n[64];
      sql_type t2 = *t;
      t2.not_null = false;
      sql_type_name(&t2, n, sizeof n);
      snprintf(buf, cap, "%s", n);
      return;
    }
  }
}

static const char *op_text(const char *op) {
  if (!strcmp(op, "!=")) return "<>";
  if (!strcmp(op, "is-distinct-from")) return "IS DISTINCT FROM";
  if (!strcmp(op, "is-not-distinct-from")) return "IS NOT DISTINCT FROM";
  return op;
}

bool sql_fid_check_cmp(const sql_expr *l, const sql_expr *r, const char *op, char *m, size_t cap) {
  if (sql_fid_comparable(&l->type, &r->type)) return true;
  char x[64], y[64];
  calcite_name(l, x, sizeof x);
  calcite_name(r, y, sizeof y);
  const char *o = op_text(op);
  snprintf(m, cap, "Cannot apply '%s' to arguments of type '<%s> %s <%s>'. Supported form(s): '<COMPARABLE_TYPE> %s <COMPARABLE_TYPE>'",
           o, x, o, y, o);
  return false;
}

bool sql_fid_check_in(const sql_expr *e, char *m, size_t cap) {
  const char *name = e->op == SQL_E_NOT_IN ? "NOT IN" : "IN";
  family list = F_ANY;
  const sql_type *lt = NULL;
  for (int i = 1; i < e->n; i++) {
    if (!lt || family_of(lt) == F_ANY) lt = &e->a[i]->type;
    /* the list's own least restrictive type: its families must agree (Calcite's
     * leastRestrictive has no type for 1 and 'a') */
    family f = family_of(&e->a[i]->type);
    if (f == F_ANY || f == F_OTHER) continue;
    if (list == F_ANY) list = f;
    else if (f != list) {
      snprintf(m, cap, "Values in expression list must have compatible types");
      return false;
    }
  }
  if (lt && !sql_fid_comparable(&e->a[0]->type, lt)) {
    snprintf(m, cap, "Values passed to %s operator must have compatible types", name);
    return false;
  }
  return true;
}
