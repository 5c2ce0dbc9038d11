/*
 * fid_overlaps.c -- the SQL period predicate (s1, e1) OVERLAPS (s2, e2), rewritten as
 * Calcite's convertOverlaps (and so Flink) does: an end given as an INTERVAL literal
 * is start + interval; each period's ends are sorted, s0 = CASE WHEN s <= e THEN s
 * ELSE e END and e0 the other; the periods overlap when e0 >= s1 AND e1 >= s0 (ends
 * inclusive: periods that only touch overlap).
 */
#include <stdio.h>

#include "sql_int.h"

static sql_node *op2(sql_arena *a, const sql_node *at, const char *op, const sql_node *l, const sql_node *r) {
  sql_node *n = sql_node_new(a, SQL_OP, at, op, 2);
  if (n) n->kids[0] = (sql_node *)l, n->kids[1] = (sql_node *)r;
  return n;
}

/* CASE WHEN c THEN x ELSE y END */
static sql_node *case_of(sql_arena *a, const sql_node *at, const sql_node *c, const sql_node *x, const sql_node *y) {
  sql_node *k = sql_node_new(a, SQL_CASE, at, NULL, 2), *w = sql_node_new(a, SQL_WHEN, at, NULL, 2),
           *e = sql_node_new(a, SQL_ELSE, at, NULL, 1);
  if (!k || !w || !e) return NULL;
  w->kids[0] = (sql_node *)c, w->kids[1] = (sql_node *)x, e->kids[0] = (sql_node *)y;
  k->kids[0] = w, k->kids[1] = e;
  return k;
}

/* One period's sorted ends: *s and *e. */
static bool period(sql_arena *a, const sql_node *at, const sql_node *r, sql_node **s, sql_node **e) {
  const sql_node *p = r->kids[0], *q = r->kids[1];
  if (q->kind == SQL_INTERVAL && !(q = op2(a, at, "+", p, q))) return false;
  sql_node *le = op2(a, at, "<=", p, q);
  return le && (*s = case_of(a, at, le, p, q)) && (*e = case_of(a, at, le, q, p));
}

const sql_node *sql_fid_overlaps(sql_arena *a, const sql_node *n, char *err, size_t errlen) {
  for (int i = 0; i < 2; i++)
    if (n->kids[i]->kind != SQL_ROW || n->kids[i]->nkids != 2) {
      snprintf(err, errlen, "line %d, column %d: OVERLAPS needs two periods: (start, end or INTERVAL) OVERLAPS (start, end or INTERVAL)",
               n->kids[i]->line, n->kids[i]->col);
      return NULL;
    }
  sql_node *s0, *e0, *s1, *e1;
  if (!period(a, n, n->kids[0], &s0, &e0) || !period(a, n, n->kids[1], &s1, &e1)) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  sql_node *l = op2(a, n, ">=", e0, s1), *r = op2(a, n, ">=", e1, s0), *both = l && r ? op2(a, n, "and", l, r) : NULL;
  if (!both) snprintf(err, errlen, "out of memory");
  return both;
}
