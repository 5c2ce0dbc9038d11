/*
 * insert_partition.c -- INSERT { INTO | OVERWRITE } t PARTITION (k = v, ...) [(cols)]
 * query, as Flink: the static partition columns take the literal values, and the query
 * gives the table's other columns (in table order, or those of the column list).  The
 * statement is rewritten before binding into an INSERT with a column list:
 *
 *   INSERT INTO t (<other columns or the list>, k, ...) SELECT *, v, ... FROM (query) AS __static
 *
 * so that the values are cast to the partition columns' types as an INSERT's are.
 * INSERT OVERWRITE with static values replaces, like a dynamic one, the partitions the
 * statement writes rows to (insert_overwrite.c).
 */
#include <strings.h>

#include "sql_int.h"

static const sql_node *fail(const sql_node *at, char *err, size_t errlen, const char *fmt, const char *a, const char *b) {
  int k = snprintf(err, errlen, "line %d, column %d: ", at->line, at->col);
  if (k < 0 || (size_t)k >= errlen) k = 0;
  snprintf(err + k, errlen - (size_t)k, fmt, a, b);
  return NULL;
}

static bool literal(const sql_node *v) {
  return v->kind == SQL_NUMBER || v->kind == SQL_STRING || v->kind == SQL_TYPED_LITERAL ||
         (v->kind == SQL_KEYWORD && (!strcasecmp(v->text, "TRUE") || !strcasecmp(v->text, "FALSE") || !strcasecmp(v->text, "NULL")));
}

static bool named(const sql_node *list, const char *name) {
  for (int i = 0; list && i < list->nkids; i++)
    if (!strcmp(list->kids[i]->text, name)) return true;
  return false;
}

const sql_node *sql_insert_partition(sql_arena *a, const sql_table *t, const sql_node *spec, const sql_node **collist,
                                     const sql_node *q, char *err, size_t errlen) {
  const sql_node *pb = t->partitioned_by;
  if (!pb) return fail(spec, err, errlen, "INSERT ... PARTITION: table '%s' is not partitioned (it has no PARTITIONED BY)%s", t->name, "");
  int ns = spec->nkids;
  for (int i = 0; i < ns; i++) {
    const sql_node *k = spec->kids[i]->kids[0], *v = spec->kids[i]->kids[1];
    if (!named(pb, k->text)) return fail(k, err, errlen, "INSERT ... PARTITION: '%s' is not a partition column of '%s'", k->text, t->name);
    for (int j = 0; j < i; j++)
      if (!strcmp(spec->kids[j]->kids[0]->text, k->text))
        return fail(k, err, errlen, "INSERT ... PARTITION: column '%s' is given twice%s", k->text, "");
    if (named(*collist, k->text))
      return fail(k, err, errlen, "INSERT ... PARTITION: column '%s' has a static value and is in the column list too%s", k->text, "");
    if (!literal(v)) return fail(v, err, errlen, "INSERT ... PARTITION: the value of '%s' must be a literal%s", k->text, "");
  }
  /* the column list: the given one, or every written column without a static value */
  int nc = *collist ? (*collist)->nkids : t->ncols;
  sql_node *cl = sql_node_new(a, SQL_COLUMN_LIST, spec, NULL, nc + ns);
  if (!cl) return fail(spec, err, errlen, "out of memory%s%s", "", "");
  int k = 0;
  if (*collist) {
    for (int i = 0; i < nc; i++) cl->kids[k++] = (*collist)->kids[i];
  } else {
    for (int i = 0; i < t->ncols; i++) {
      if (!sql_col_written(&t->cols[i])) continue;
      bool stat = false;
      for (int j = 0; j < ns; j++) stat |= !strcmp(spec->kids[j]->kids[0]->text, t->cols[i].name);
      if (!stat && !(cl->kids[k++] = sql_node_new(a, SQL_ID, spec, t->cols[i].name, 0)))
        return fail(spec, err, errlen, "out of memory%s%s", "", "");
    }
  }
  for (int j = 0; j < ns; j++) cl->kids[k++] = spec->kids[j]->kids[0];
  cl->nkids = k;
  /* SELECT *, v, ... FROM (q) AS __static */
  sql_node *sel = sql_node_new(a, SQL_SELECT, spec, NULL, 2), *items = sql_node_new(a, SQL_ITEMS, spec, NULL, 1 + ns),
           *from = sql_node_new(a, SQL_FROM, spec, NULL, 1), *as = sql_node_new(a, SQL_AS, spec, NULL, 2),
           *sub = sql_node_new(a, SQL_SUBQUERY, q, NULL, 1), *alias = sql_node_new(a, SQL_ID, spec, "__static", 0),
           *star = sql_node_new(a, SQL_STAR, spec, NULL, 0);
  if (!sel || !items || !from || !as || !sub || !alias || !star) return fail(spec, err, errlen, "out of memory%s%s", "", "");
  items->kids[0] = star;
  for (int j = 0; j < ns; j++) items->kids[1 + j] = spec->kids[j]->kids[1];
  sub->kids[0] = (sql_node *)q;
  as->kids[0] = sub, as->kids[1] = alias;
  from->kids[0] = as;
  sel->kids[0] = items, sel->kids[1] = from;
  *collist = cl;
  return sel;
}
