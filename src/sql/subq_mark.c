/*
 * subq_mark.c -- IN / EXISTS subqueries where a semi or anti join cannot take them
 * (under OR, inside NOT (... AND ...), in the select list: `SELECT x IN (...) AS f`).
 * Flink's planner (Calcite's SubQueryRemoveRule) LEFT joins the row with the subquery's
 * distinct values and a marker, plus the subquery's row and NULL counts, and reads the
 * predicate's three-valued result off them.  This file rewrites the syntax tree to that
 * shape in terms of scalar subqueries, which subq_bind.c already joins (LEFT, keyed by
 * the correlation equality when there is one, a COUNT reading 0 where nothing matches):
 *
 *   x IN (q)   -> CASE WHEN (SELECT COUNT(*) FROM (q) AS $in($v) WHERE $v = x) > 0 THEN TRUE
 *                      WHEN x IS NULL AND (SELECT COUNT(*) FROM (q) AS $in($v)) > 0 THEN NULL
 *                      WHEN (SELECT COUNT(*) - COUNT($v) FROM (q) AS $in($v)) > 0 THEN NULL
 *                      ELSE FALSE END
 *   x NOT IN (q) -> NOT (x IN (q))           (NULL stays NULL: SQL's null-aware NOT IN)
 *   EXISTS (q) -> CASE WHEN (SELECT COUNT(*) FROM <q's FROM> WHERE <q's WHERE>) > 0
 *                      THEN TRUE ELSE FALSE END   (q correlated by equalities, as a
 *                 correlated scalar subquery), or over (q) AS $ex when q aggregates.
 *
 * The first subquery is correlated by `$v = x` (x reads the outer row), so it becomes
 * the distinct values of q counted per value and LEFT joined on x = $v: Flink's marker
 * join.  When q is a plain `SELECT y FROM f WHERE w` (w may be correlated by equalities,
 * `t.k = s.k`), the counts are taken over f and w directly instead of a derived table:
 * `(SELECT COUNT(*) FROM f WHERE w AND y = x)`, `... WHERE w`, `COUNT(*) - COUNT(y) ...
 * WHERE w`, each a scalar subquery correlated by w's equalities (and y = x), so the
 * three-valued IN and NOT IN hold per outer row.  x's names of outer columns are
 * qualified first (`k` -> `s.k`), so a column of f with the same name does not hide them.
 */
#include <strings.h>

#include "sql_int.h"


static sql_node *n1(sql_arena *a, sql_kind k, const sql_node *at, const char *text, const sql_node *x) {
  sql_node *n = x ? sql_node_new(a, k, at, text, 1) : NULL;
  if (n) n->kids[0] = (sql_node *)x;
  return n;
}

static sql_node *n2(sql_arena *a, sql_kind k, const sql_node *at, const char *text, const sql_node *x, const sql_node *y) {
  sql_node *n = x && y ? sql_node_new(a, k, at, text, 2) : NULL;
  if (n) n->kids[0] = (sql_node *)x, n->kids[1] = (sql_node *)y;
  return n;
}

static bool is_op(const sql_node *n, const char *op) { return n && n->kind == SQL_OP && n->text && !strcmp(n->text, op); }

static const sql_node *kid_of(const sql_node *n, sql_kind k) {
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind == k) return n->kids[i];
  return NULL;
}

/* (SELECT item FROM from [WHERE where]) */
static sql_node *scalar(sql_arena *a, const sql_node *at, const sql_node *item, const sql_node *from, const sql_node *where) {
  sql_node *sel = sql_node_new(a, SQL_SELECT, at, NULL, where ? 3 : 2);
  if (!sel) return NULL;
  if (!(sel->kids[0] = n1(a, SQL_ITEMS, at, NULL, item)) || !(sel->kids[1] = n1(a, SQL_FROM, at, NULL, from))) return NULL;
  if (where && !(sel->kids[2] = n1(a, SQL_WHERE, at, NULL, where))) return NULL;
  return n1(a, SQL_SUBQUERY, at, "$marker", sel); /* the text tells subq_bind.c's errors where it came from */
}

static sql_node *count_star(sql_arena *a, const sql_node *at) {
  return n1(a, SQL_CALL, at, "COUNT", sql_node_new(a, SQL_STAR, at, NULL, 0));
}

static sql_node *positive(sql_arena *a, const sql_node *at, const sql_node *x) {
  return n2(a, SQL_OP, at, ">", x, sql_node_new(a, SQL_NUMBER, at, "0", 0));
}

static sql_node *kw(sql_arena *a, const sql_node *at, const char *w) { return sql_node_new(a, SQL_KEYWORD, at, w, 0); }

/* (q) AS alias[(col)] */
static sql_node *derived(sql_arena *a, const sql_node *sq, const char *alias, const char *colname) {
  sql_node *as = sql_node_new(a, SQL_AS, sq, NULL, colname ? 3 : 2);
  if (!as || !(as->kids[1] = sql_node_new(a, SQL_ID, sq, alias, 0))) return NULL;
  as->kids[0] = (sql_node *)sq;
  if (colname && !(as->kids[2] = n1(a, SQL_COLUMN_LIST, sq, NULL, sql_node_new(a, SQL_ID, sq, colname, 0)))) return NULL;
  return as;
}

/* CASE WHEN c0 THEN r0 ... ELSE e END */
static sql_node *case_of(sql_arena *a, const sql_node *at, const sql_node **c, const sql_node **r, int n, const sql_node *e) {
  sql_node *k = sql_node_new(a, SQL_CASE, at, NULL, n + 1);
  if (!k) return NULL;
  for (int i = 0; i < n; i++)
    if (!(k->kids[i] = n2(a, SQL_WHEN, at, NULL, c[i], r[i]))) return NULL;
  return (k->kids[n] = n1(a, SQL_ELSE, at, NULL, e)) ? k : NULL;
}

static bool has_agg(const sql_node *n) {
  static const char *const aggs[] = {"COUNT", "SUM", "MIN", "MAX", "AVG", "STDDEV_POP", "STDDEV_SAMP", "VAR_POP",
                                     "VAR_SAMP", "COLLECT", "LISTAGG", "FIRST_VALUE", "LAST_VALUE"};
  if (n->kind == SQL_SUBQUERY) return false;
  if (n->kind == SQL_CALL && n->text)
    for (size_t i = 0; i < sizeof aggs / sizeof *aggs; i++)
      if (!strcasecmp(n->text, aggs[i])) return true;
  for (int i = 0; i < n->nkids; i++)
    if (has_agg(n->kids[i])) return true;
  return false;
}

/* q's one item when q is a plain SELECT [DISTINCT] item FROM ... WHERE ... (no grouping,
 * aggregate, OVER, ORDER BY or LIMIT), the shape whose WHERE may read the outer row. */
static const sql_node *plain_item(const sql_node *q) {
  while (q->kind == SQL_SUBQUERY) q = q->kids[0];
  /* (a DISTINCT changes none of the three counts: the item = x rows, the rows, the NULL items) */
  if (q->kind != SQL_SELECT || !kid_of(q, SQL_FROM) || !kid_of(q, SQL_WHERE) ||
      kid_of(q, SQL_GROUP_BY) || kid_of(q, SQL_HAVING) || kid_of(q, SQL_ORDER_BY) || kid_of(q, SQL_LIMIT) ||
      kid_of(q, SQL_OFFSET))
    return NULL;
  const sql_node *items = kid_of(q, SQL_ITEMS);
  if (!items || items->nkids != 1 || sql_node_has_over(items) || has_agg(items)) return NULL;
  const sql_node *it = items->kids[0]->kind == SQL_AS ? items->kids[0]->kids[0] : items->kids[0];
  return it->kind == SQL_STAR ? NULL : it;
}

/* x with its unqualified names of outer columns qualified (l.k for k), so that inside q,
 * whose own columns come first, they still read the outer row; NULL if out of memory. */
static const sql_node *outer_names(sql_arena *a, const sql_node *x, const sql_col *cols, int ncols) {
  if (x->kind == SQL_SUBQUERY) return x;
  if (x->kind == SQL_ID) {
    const char *qual = NULL;
    int found = 0;
    for (int i = 0; i < ncols; i++)
      if (!cols[i].hidden && !strcmp(cols[i].name, x->text)) found++, qual = cols[i].qual;
    if (found != 1 || !qual) return x;
    sql_node *f = sql_node_new(a, SQL_FIELD, x, x->text, 1);
    if (f && !(f->kids[0] = sql_node_new(a, SQL_ID, x, qual, 0))) return NULL;
    if (f) f->flags = x->flags;
    return f;
  }
  sql_node *copy = NULL;
  for (int i = 0; i < x->nkids; i++) {
    if (x->kind == SQL_FIELD) break; /* t.k is qualified already */
    const sql_node *k = outer_names(a, x->kids[i], cols, ncols);
    if (!k) return NULL;
    if (k == x->kids[i]) continue;
    if (!sql_node_set_kid(a, x, &copy, i, k)) return NULL;
  }
  return copy ? copy : x;
}

static sql_node *in_marker(sql_arena *a, const sql_node *t, const sql_col *outer, int nouter) {
  const sql_node *x = t->kids[0], *sq = t->kids[1], *item = plain_item(sq);
  sql_node *hit, *rows, *nulls;
  if (item && !(x = outer_names(a, x, outer, nouter))) return NULL;
  if (item) {
    /* q's WHERE may be correlated (by equalities): count over q's FROM and WHERE, so each
     * count is a scalar subquery correlated by them, and hit also by item = x */
    const sql_node *q = sq;
    while (q->kind == SQL_SUBQUERY) q = q->kids[0];
    const sql_node *from = kid_of(q, SQL_FROM)->kids[0], *w = kid_of(q, SQL_WHERE)->kids[0];
    hit = scalar(a, t, count_star(a, t), from, n2(a, SQL_OP, t, "and", w, n2(a, SQL_OP, t, "=", item, x)));
    rows = scalar(a, t, count_star(a, t), from, w);
    nulls = scalar(a, t, n2(a, SQL_OP, t, "-", count_star(a, t), n1(a, SQL_CALL, t, "COUNT", item)), from, w);
  } else {
    sql_node *v = sql_node_new(a, SQL_ID, t, "$v", 0);
    hit = scalar(a, t, count_star(a, t), derived(a, sq, "$in", "$v"), n2(a, SQL_OP, t, "=", v, x));
    rows = scalar(a, t, count_star(a, t), derived(a, sq, "$in", "$v"), NULL);
    nulls = scalar(a, t, n2(a, SQL_OP, t, "-", count_star(a, t), n1(a, SQL_CALL, t, "COUNT", v)),
                   derived(a, sq, "$in", "$v"), NULL);
  }
  sql_node *null_bool = n2(a, SQL_CAST, t, NULL, kw(a, t, "NULL"), sql_node_new(a, SQL_TYPE, t, "BOOLEAN", 0));
  const sql_node *c[3] = {positive(a, t, hit),
                          n2(a, SQL_OP, t, "and", n1(a, SQL_OP, t, "is-null", x), positive(a, t, rows)),
                          positive(a, t, nulls)};
  const sql_node *r[3] = {kw(a, t, "TRUE"), null_bool, null_bool};
  if (!c[0] || !c[1] || !c[2] || !r[0] || !r[1]) return NULL;
  sql_node *k = case_of(a, t, c, r, 3, kw(a, t, "FALSE"));
  return is_op(t, "not-in") ? n1(a, SQL_OP, t, "not", k) : k;
}

static sql_node *exists_marker(sql_arena *a, const sql_node *t) {
  const sql_node *sq = t->kids[0], *q = sq->kids[0];
  while (q->kind == SQL_SUBQUERY) q = q->kids[0];
  sql_node *cnt;
  const sql_node *items = q->kind == SQL_SELECT ? kid_of(q, SQL_ITEMS) : NULL;
  /* DISTINCT, or GROUP BY without HAVING: the same EXISTS (rows exist iff groups do) */
  bool grouped = q->kind == SQL_SELECT && kid_of(q, SQL_GROUP_BY) && !kid_of(q, SQL_HAVING);
  bool plain = q->kind == SQL_SELECT && kid_of(q, SQL_FROM) && (grouped || !kid_of(q, SQL_GROUP_BY)) &&
               !kid_of(q, SQL_HAVING) && !kid_of(q, SQL_ORDER_BY) && !kid_of(q, SQL_LIMIT) &&
               !kid_of(q, SQL_OFFSET) &&
               items && !sql_node_has_over(items);
  for (int i = 0; plain && !grouped && i < items->nkids; i++) {
    const sql_node *it = items->kids[i]->kind == SQL_AS ? items->kids[i]->kids[0] : items->kids[i];
    if (it->kind == SQL_CALL && it->text &&
        (!strcasecmp(it->text, "COUNT") || !strcasecmp(it->text, "SUM") || !strcasecmp(it->text, "MIN") ||
         !strcasecmp(it->text, "MAX") || !strcasecmp(it->text, "AVG")))
      plain = false; /* an aggregate: one row, always */
  }
  if (!plain && q->kind == SQL_SELECT && !kid_of(q, SQL_GROUP_BY) && !kid_of(q, SQL_HAVING) && !kid_of(q, SQL_LIMIT) &&
      !kid_of(q, SQL_OFFSET) && items && !sql_node_has_over(items))
    return kw(a, t, "TRUE"); /* an aggregate without GROUP BY: one row, correlated or not */
  if (plain) {
    const sql_node *w = kid_of(q, SQL_WHERE);
    cnt = scalar(a, t, count_star(a, t), kid_of(q, SQL_FROM)->kids[0], w ? w->kids[0] : NULL);
  } else {
    cnt = scalar(a, t, count_star(a, t), derived(a, sq, "$ex", NULL), NULL);
  }
  const sql_node *c[1] = {positive(a, t, cnt)}, *r[1] = {kw(a, t, "TRUE")};
  if (!c[0] || !r[0]) return NULL;
  return case_of(a, t, c, r, 1, kw(a, t, "FALSE"));
}

const sql_node *sql_subq_mark_rewrite(sql_arena *a, const sql_node *n, bool *changed) {
  return sql_subq_mark_rewrite_in(a, n, changed, NULL, 0);
}

const sql_node *sql_subq_mark_rewrite_in(sql_arena *a, const sql_node *n, bool *changed, const sql_col *outer, int nouter) {
  if (!n) return NULL;
  if (n->kind == SQL_SUBQUERY || n->kind == SQL_SELECT || n->kind == SQL_SETOP || n->kind == SQL_WITH ||
      n->kind == SQL_QUERY)
    return n; /* a subquery's own IN / EXISTS are its business */
  if ((is_op(n, "in") || is_op(n, "not-in")) && n->nkids == 2 && n->kids[1]->kind == SQL_SUBQUERY &&
      n->kids[0]->kind != SQL_ROW) {
    *changed = true;
    return in_marker(a, n, outer, nouter);
  }
  if (is_op(n, "exists") && n->nkids == 1 && n->kids[0]->kind == SQL_SUBQUERY) {
    *changed = true;
    return exists_marker(a, n);
  }
  sql_node *copy = NULL;
  for (int i = 0; i < n->nkids; i++) {
    bool ch = false;
    const sql_node *k = sql_subq_mark_rewrite_in(a, n->kids[i], &ch, outer, nouter);
    if (!k) return NULL;
    if (!ch) continue;
    *changed = true;
    if (!sql_node_set_kid(a, n, &copy, i, k)) return NULL;
  }
  return copy ? copy : n;
}
