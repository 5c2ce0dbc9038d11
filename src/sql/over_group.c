/*
 * over_group.c -- OVER calls in a SELECT that also aggregates.  SQL evaluates window
 * functions after the grouping, over its rows, so
 *
 *   SELECT k, SUM(v), RANK() OVER (ORDER BY SUM(v) DESC) FROM t GROUP BY k
 *
 * is bound as the grouping under a SELECT of the OVER calls, as Calcite plans it:
 *
 *   SELECT k, $a0 AS EXPR$1, RANK() OVER (ORDER BY $a0 DESC)
 *   FROM (SELECT k, SUM(v) AS $a0 FROM t GROUP BY k)
 *
 * Every aggregate call outside an OVER (in the items, in an OVER's arguments, PARTITION
 * BY or ORDER BY) becomes a column of the inner SELECT, and so does every GROUP BY key
 * that is an expression (a plain column key keeps its name).  The rewritten tree is
 * bound as any other; ORDER BY / LIMIT were split off before (sort_bind.c).
 */
#include "sql_int.h"

typedef struct rewrite {
  sql_arena *a;
  bool (*is_agg)(const sql_node *n);
  const sql_node *group;
  sql_node *inner_items;
  const char **agg_text; /* the aggregates moved so far, as printed */
  int naggs, cap;
} rewrite;

static const char *printed(sql_arena *a, const sql_node *n) {
  strom_buf b = {0};
  if (sql_print(n, &b)) return strom__buf_free(&b), NULL;
  char *s = sql_arena_strndup(a, b.p ? b.p : "", b.len);
  strom__buf_free(&b);
  return s;
}

static sql_node *id(sql_arena *a, const sql_node *at, const char *name) { return sql_node_new(a, SQL_ID, at, name, 0); }

static sql_node *as(sql_arena *a, const sql_node *at, sql_node *e, const char *name) {
  sql_node *n = sql_node_new(a, SQL_AS, at, NULL, 2), *alias = id(a, at, name);
  if (!n || !alias) return NULL;
  n->kids[0] = e, n->kids[1] = alias;
  return n;
}

/* The inner column an aggregate call becomes ($a0, $a1, ...; one per distinct call). */
static const char *agg_column(rewrite *r, const sql_node *call) {
  const char *t = printed(r->a, call);
  if (!t) return NULL;
  char name[24];
  for (int i = 0; i < r->naggs; i++)
    if (!strcmp(r->agg_text[i], t)) return snprintf(name, sizeof name, "$a%d", i), sql_arena_strndup(r->a, name, strlen(name));
  if (r->naggs == r->cap) {
    int cap = r->cap ? 2 * r->cap : 8;
    const char **p = sql_arena_alloc(r->a, sizeof *p * (size_t)cap);
    if (!p) return NULL;
    if (r->naggs) memcpy(p, r->agg_text, sizeof *p * (size_t)r->naggs);
    r->agg_text = p, r->cap = cap;
  }
  snprintf(name, sizeof name, "$a%d", r->naggs);
  r->agg_text[r->naggs++] = t;
  char *nm = sql_arena_strndup(r->a, name, strlen(name));
  sql_node *col = nm ? as(r->a, call, (sql_node *)call, nm) : NULL;
  return col && sql_node_append(r->a, r->inner_items, col) ? nm : NULL;
}

/* n with its aggregate calls and GROUP BY expressions replaced by the inner columns;
 * NULL when out of memory. */
static const sql_node *outer(rewrite *r, const sql_node *n) {
  if (n->kind == SQL_SUBQUERY) return n;
  if (r->is_agg(n)) {
    const char *c = agg_column(r, n);
    return c ? id(r->a, n, c) : NULL;
  }
  if (n->kind != SQL_ID && r->group) {
    const char *t = NULL;
    for (int i = 0; i < r->group->nkids; i++) {
      const sql_node *g = r->group->kids[i];
      if (g->kind == SQL_ID) continue;
      if (!t && !(t = printed(r->a, n))) return NULL;
      const char *gt = printed(r->a, g);
      char name[24];
      snprintf(name, sizeof name, "$g%d", i);
      if (gt && !strcmp(gt, t)) return id(r->a, n, sql_arena_strndup(r->a, name, strlen(name)));
    }
  }
  sql_node *copy = NULL;
  for (int i = 0; i < n->nkids; i++) {
    const sql_node *k = outer(r, n->kids[i]);
    if (!k) return NULL;
    if (k != n->kids[i] && !sql_node_set_kid(r->a, n, &copy, i, k)) return NULL;
  }
  return copy ? copy : n;
}

const sql_node *sql_over_group_rewrite(sql_arena *a, const sql_node *sel, bool (*is_agg)(const sql_node *n), char *err,
                                       size_t errlen) {
  const sql_node *items = NULL, *group = NULL;
  for (int i = 0; i < sel->nkids; i++) {
    if (sel->kids[i]->kind == SQL_ITEMS) items = sel->kids[i];
    if (sel->kids[i]->kind == SQL_GROUP_BY) group = sel->kids[i];
  }
  for (int i = 0; group && i < group->nkids; i++)
    if (sql_gsets_is_item(group->kids[i])) {
      snprintf(err, errlen, "line %d, column %d: not supported yet: OVER calls with GROUPING SETS, ROLLUP or CUBE",
               group->kids[i]->line, group->kids[i]->col);
      return NULL;
    }
  rewrite r = {.a = a, .is_agg = is_agg, .group = group};
  sql_node *inner = sql_node_new(a, SQL_SELECT, sel, NULL, 0), *oitems = sql_node_new(a, SQL_ITEMS, items, NULL, 0),
           *osel = sql_node_new(a, SQL_SELECT, sel, NULL, 0), *from = sql_node_new(a, SQL_FROM, sel, NULL, 1),
           *sub = sql_node_new(a, SQL_SUBQUERY, sel, NULL, 1);
  if (!inner || !oitems || !osel || !from || !sub || !(r.inner_items = sql_node_new(a, SQL_ITEMS, items, NULL, 0))) goto oom;
  /* the inner SELECT: the GROUP BY keys, then the aggregates as the items name them */
  for (int i = 0; group && i < group->nkids; i++) {
    const sql_node *g = group->kids[i];
    char name[24];
    snprintf(name, sizeof name, "$g%d", i);
    sql_node *col = g->kind == SQL_ID ? (sql_node *)g : as(a, g, (sql_node *)g, sql_arena_strndup(a, name, strlen(name)));
    if (!col || !sql_node_append(a, r.inner_items, col)) goto oom;
  }
  for (int i = 0; i < items->nkids; i++) {
    const sql_node *it = items->kids[i], *e = it->kind == SQL_AS ? it->kids[0] : it;
    const sql_node *o = outer(&r, e);
    if (!o) goto oom;
    if (it->kind == SQL_AS) {
      sql_node *copy = NULL;
      if (o != e && !sql_node_set_kid(a, it, &copy, 0, o)) goto oom;
      o = copy ? copy : it;
    } else if (o != e && o->kind == SQL_ID) { /* a moved aggregate keeps Flink's name for the item */
      char name[24];
      snprintf(name, sizeof name, "EXPR$%d", i);
      if (!(o = as(a, it, (sql_node *)o, sql_arena_strndup(a, name, strlen(name))))) goto oom;
    }
    if (!sql_node_append(a, oitems, (sql_node *)o)) goto oom;
  }
  if (!r.inner_items->nkids) { /* no keys and the aggregates only in OVERs' frames: keep one row */
    sql_node *one = sql_node_new(a, SQL_NUMBER, sel, "1", 0);
    if (!one || !sql_node_append(a, r.inner_items, one)) goto oom;
  }
  if (!sql_node_append(a, inner, r.inner_items)) goto oom;
  for (int i = 0; i < sel->nkids; i++)
    if (sel->kids[i]->kind != SQL_ITEMS && !sql_node_append(a, inner, sel->kids[i])) goto oom;
  sub->kids[0] = inner;
  sql_node *alias = as(a, sel, sub, "$grouped");
  if (!alias) goto oom;
  from->kids[0] = alias;
  osel->flags = sel->flags;
  if (!sql_node_append(a, osel, oitems) || !sql_node_append(a, osel, from)) goto oom;
  return osel;
oom:
  snprintf(err, errlen, "out of memory");
  return NULL;
}
