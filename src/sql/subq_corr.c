/*
 * subq_corr.c -- correlated subqueries whose correlation is not by equalities alone
 * (`(SELECT MAX(x) FROM t2 WHERE t2.k = t1.k AND t2.ts < t1.ts)`, `WHERE t2.x > t1.v`),
 * decorrelated as Calcite's RelDecorrelator does for Flink: the distinct values of the
 * outer columns the subquery's WHERE reads (a "value generator") are joined with the
 * subquery's FROM on that WHERE, the subquery runs grouped by those values, and the
 * outer row is LEFT joined to its group on them, NULLs equal (a NULL outer value still
 * has its group: `t2.x > t1.v OR t2.y = 1` can hold for it).  Everything is a regular
 * join or aggregation, so updates and retractions on either side update the result.
 *
 * The generator is a bound plan the binder reads by an internal name in FROM
 * (sql_binder_plan_name), so the subquery's own select list, GROUP BY and HAVING bind as
 * written over it.  The outer input is planned twice (once for the generator), as Flink
 * plans the two uses of the outer scan when subplan reuse is off.
 */
#include <strings.h>

#include "sql_int.h"

#define MAX_VALUES 64

static void outer_used(const sql_expr *e, int nr, bool *used) {
  if (e->op == SQL_E_COL && e->col >= nr) used[e->col - nr] = true;
  for (int i = 0; i < e->n; i++) outer_used(e->a[i], nr, used);
}


static sql_expr *node(sql_arena *a, sql_eop op, const sql_type *t, int n) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **args = sql_arena_alloc(a, sizeof *args * (size_t)n);
  if (!e || !args) return NULL;
  *e = (sql_expr){.op = op, .type = *t, .n = n, .a = args, .col = -1};
  return e;
}

static sql_expr *colref(sql_arena *a, int c, const sql_type *t) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  if (e) *e = (sql_expr){.op = SQL_E_COL, .col = c, .type = *t};
  return e;
}

/* x as a join key that is never NULL: CASE WHEN x IS NULL THEN <zero> ELSE x END */
static sql_expr *non_null(sql_arena *a, sql_expr *x) {
  static const sql_type tb = {.id = STROM_BOOLEAN, .not_null = true};
  sql_type t = x->type;
  t.not_null = true;
  sql_expr *c = node(a, SQL_E_CASE, &t, 3), *isn = node(a, SQL_E_IS_NULL, &tb, 1), *zero = sql_arena_alloc(a, sizeof *zero);
  if (!c || !isn || !zero) return NULL;
  *zero = (sql_expr){.op = SQL_E_LIT, .type = t, .col = -1};
  if (t.id == STROM_VARCHAR) zero->lit.s.p = "";
  isn->a[0] = x;
  c->a[0] = isn, c->a[1] = zero, c->a[2] = x;
  return c;
}

/* x IS NOT DISTINCT FROM y as equalities the join takes as keys:
 * (x IS NULL) = (y IS NULL) AND non_null(x) = non_null(y) */
static sql_expr *same_value(sql_arena *a, sql_expr *x, sql_expr *y) {
  static const sql_type tb = {.id = STROM_BOOLEAN, .not_null = true};
  sql_expr *eq = node(a, SQL_E_EQ, &tb, 2);
  if (!eq) return NULL;
  if (x->type.not_null && y->type.not_null) {
    eq->a[0] = x, eq->a[1] = y;
    return eq;
  }
  sql_expr *n0 = node(a, SQL_E_EQ, &tb, 2), *both = node(a, SQL_E_AND, &tb, 2), *xn = node(a, SQL_E_IS_NULL, &tb, 1),
           *yn = node(a, SQL_E_IS_NULL, &tb, 1);
  if (!n0 || !both || !xn || !yn || !(eq->a[0] = non_null(a, x)) || !(eq->a[1] = non_null(a, y))) return NULL;
  xn->a[0] = x, yn->a[0] = y;
  n0->a[0] = xn, n0->a[1] = yn;
  both->a[0] = n0, both->a[1] = eq;
  return both;
}

static sql_node *mk(sql_arena *a, sql_kind k, const sql_node *at, const char *text, int nkids) {
  return sql_node_new(a, k, at, text, nkids);
}

/* name.col */
static sql_node *field(sql_arena *a, const sql_node *at, const char *name, const char *col) {
  sql_node *f = mk(a, SQL_FIELD, at, col, 1);
  if (f && !(f->kids[0] = mk(a, SQL_ID, at, name, 0))) return NULL;
  return f;
}

/* The input whose values of the columns cols[0..n) (ascending) are at least those of p's
 * (cols renumbered for it): the generator may offer values no outer row has (their
 * groups join nothing), never miss one.  A join's output keeps a subset of each side's
 * values (NULL padding aside: not through the padded side); a DISTINCT (a GROUP BY of
 * every column without aggregates) keeps its input's.  Going down keeps the generator
 * append-only where the outer input is updating only above (MIN / MAX need that). */
static sql_plan *value_source(sql_plan *p, int *cols, int n) {
  for (;;) {
    if (p->kind == SQL_P_JOIN && p->in && p->in2) {
      sql_jtype t = p->join->type;
      int nl = p->in->ncols;
      if (cols[n - 1] < nl && (t == SQL_J_INNER || t == SQL_J_LEFT || t == SQL_J_SEMI || t == SQL_J_ANTI)) {
        p = p->in;
        continue;
      }
      if (cols[0] >= nl && (t == SQL_J_INNER || t == SQL_J_RIGHT) && p->join->kind == SQL_JK_REGULAR) {
        for (int k = 0; k < n; k++) cols[k] -= nl;
        p = p->in2;
        continue;
      }
      return p;
    }
    if (p->kind == SQL_P_AGG && p->naggs == 0 && p->nkeys == p->ncols && p->win.kind == SQL_W_NONE && p->in) {
      bool same = p->in->ncols == p->ncols;
      for (int i = 0; same && i < p->nkeys; i++) same = p->keys[i]->op == SQL_E_COL && p->keys[i]->col == i;
      if (!same) return p;
      p = p->in;
      continue;
    }
    return p;
  }
}

/* The generator's copy of outer column c as EXPLAIN shows it: its name and a 0, as
 * Flink's plans tell a decorrelated variable from the column it copies (ts0, not ts). */
static const char *value_name(sql_arena *a, const sql_plan *in, int c) {
  const char *n = sql_fid_shown(in->cols[c].name);
  size_t l = strlen(n);
  char *s = sql_arena_alloc(a, l + 2);
  if (!s) return n;
  memcpy(s, n, l);
  s[l] = '0', s[l + 1] = 0;
  return s;
}

/* The generator of q: the distinct values of the outer columns q's WHERE reads joined
 * with q's FROM on it, named for FROM (its first *nvals columns name.$c0, ... are in's
 * columns outer[0], ...); NULL when q's WHERE reads no outer column (no error then) or
 * with an error. */
static const char *corr_values(struct binder *b, sql_plan *in, const sql_node *q, int *outer, int *nvals) {
  sql_arena *a = sql_binder_arena(b);
  const sql_node *from = NULL, *w = NULL;
  for (int i = 0; i < q->nkids; i++) {
    if (q->kids[i]->kind == SQL_FROM) from = q->kids[i];
    if (q->kids[i]->kind == SQL_WHERE) w = q->kids[i];
  }
  if (!from || !w) return sql_binder_fail(b, q, "a correlated subquery needs FROM and WHERE");
  sql_plan *r0 = sql_binder_from(b, from->kids[0]);
  if (!r0) return NULL;
  int nr = r0->ncols, nl = in->ncols;
  /* the subquery's columns, then the outer ones (hidden where an inner name shadows them) */
  sql_col *scope = sql_arena_alloc(a, sizeof *scope * (size_t)(nr + nl + 1));
  bool *used = sql_arena_alloc(a, (size_t)nl + 1);
  int *map = sql_arena_alloc(a, sizeof *map * (size_t)(nr + nl + 1));
  if (!scope || !used || !map) return sql_binder_fail(b, q, "out of memory");
  memcpy(scope, r0->cols, sizeof *scope * (size_t)nr);
  for (int i = 0; i < nl; i++) {
    sql_col *o = &scope[nr + i];
    *o = in->cols[i];
    for (int k = 0; k < nr && !o->hidden; k++)
      if (!r0->cols[k].hidden && !strcmp(r0->cols[k].name, o->name)) o->hidden = true;
    used[i] = false;
  }
  sql_expr *c = sql_binder_expr(b, scope, nr + nl, w->kids[0], false);
  if (!c) return NULL;
  if (c->type.id && c->type.id != STROM_BOOLEAN) return sql_binder_fail(b, w->kids[0], "WHERE needs a BOOLEAN condition");
  outer_used(c, nr, used);
  int nv = 0;
  for (int i = 0; i < nl; i++)
    if (used[i]) {
      if (nv == MAX_VALUES) return sql_binder_fail(b, w->kids[0], "a correlated subquery reading more than %d outer columns", MAX_VALUES);
      outer[nv++] = i;
    }
  if (!nv) return NULL; /* not correlated by its WHERE: the caller's error stands */
  /* SELECT DISTINCT the outer columns FROM in: the generator's values $c0, ...  A LEFT
   * join (an earlier subquery's, which makes in updating) keeps every left row, so the
   * values of its left columns are those of its left input, which may only insert */
  sql_plan *base = in;
  int *bcol = sql_arena_alloc(a, sizeof *bcol * (size_t)nv);
  if (!bcol) return sql_binder_fail(b, q, "out of memory");
  memcpy(bcol, outer, sizeof *bcol * (size_t)nv);
  base = value_source(base, bcol, nv);
  sql_plan *p = sql_arena_alloc(a, sizeof *p);
  sql_col *pc = sql_arena_alloc(a, sizeof *pc * (size_t)nv);
  sql_expr **ex = sql_arena_alloc(a, sizeof *ex * (size_t)nv);
  char *name = sql_arena_alloc(a, 40);
  if (!p || !pc || !ex || !name) return sql_binder_fail(b, q, "out of memory");
  snprintf(name, 40, "$corr%d_%d_%d", q->line, q->col, in->ncols);
  for (int k = 0; k < nv; k++) {
    char cb[16];
    snprintf(cb, sizeof cb, "$c%d", k);
    char *cn = sql_fid_hidden_as(a, cb, value_name(a, in, outer[k])); /* fid_names.c: EXPLAIN shows the column */
    if (!cn || !(ex[k] = colref(a, bcol[k], &base->cols[bcol[k]].type))) return sql_binder_fail(b, q, "out of memory");
    pc[k] = (sql_col){.name = cn, .type = in->cols[outer[k]].type};
  }
  *p = (sql_plan){.kind = SQL_P_CALC, .ncols = nv, .cols = pc, .in = base, .exprs = ex, .changelog = base->changelog, .time_col = -1};
  char m[512];
  sql_plan *d = sql_select_distinct(a, p, m, sizeof m);
  if (!d) return sql_binder_fail(b, q, "%s", m);
  for (int k = 0; k < nv; k++) d->cols[k].qual = name;
  /* over an append-only input the DISTINCT only inserts (a value's first row), so MIN /
   * MAX over the join stay possible */
  d->changelog = base->changelog;
  /* joined with the subquery's FROM on its WHERE (over the values, then the FROM's columns) */
  for (int i = 0; i < nr; i++) map[i] = nv + i;
  for (int i = 0; i < nl; i++) map[nr + i] = -1;
  for (int k = 0; k < nv; k++) map[nr + outer[k]] = k;
  sql_plan *j = sql_join_new(a, d, r0, "inner", m, sizeof m);
  sql_expr *jc = j ? sql_expr_remap(a, c, map) : NULL;
  if (!j || !jc || sql_join_add_cond(a, j, jc, m, sizeof m)) return sql_binder_fail(b, w, "%s", j ? m : "out of memory");
  if (sql_binder_plan_name(b, name, j)) return sql_binder_fail(b, q, "out of memory");
  *nvals = nv;
  return name;
}

/* The first t.c in n (outside nested subqueries) whose t is a table of in and not of
 * q's FROM: the outer row read where the generator's join does not carry it. */
static const sql_node *outer_field(const sql_node *n, const sql_plan *in, const sql_plan *r0) {
  if (!n || n->kind == SQL_SUBQUERY) return NULL;
  if (n->kind == SQL_FIELD && n->nkids == 1 && n->kids[0]->kind == SQL_ID) {
    const char *t = n->kids[0]->text;
    bool outer = false, inner = false;
    for (int i = 0; i < in->ncols && !outer; i++) outer = in->cols[i].qual && !strcmp(in->cols[i].qual, t);
    for (int i = 0; i < r0->ncols && !inner; i++) inner = r0->cols[i].qual && !strcmp(r0->cols[i].qual, t);
    return outer && !inner ? n : NULL;
  }
  for (int i = 0; i < n->nkids; i++) {
    const sql_node *f = outer_field(n->kids[i], in, r0);
    if (f) return f;
  }
  return NULL;
}

static const sql_node *outer_read(struct binder *b, const sql_plan *in, const sql_node *q, const sql_node *item) {
  const sql_node *from = NULL;
  for (int i = 0; i < q->nkids; i++)
    if (q->kids[i]->kind == SQL_FROM) from = q->kids[i];
  char *err = sql_binder_err(b), keep[512];
  snprintf(keep, sizeof keep, "%s", err);
  if (!strstr(keep, " not found")) return NULL;
  err[0] = 0;
  const sql_plan *r0 = from ? sql_binder_from(b, from->kids[0]) : NULL;
  memcpy(err, keep, strlen(keep) + 1);
  return r0 ? outer_field(item, in, r0) : NULL;
}

/* q over its generator: SELECT [DISTINCT] name.$c0 AS $k0, ..., q's items FROM name
 * [GROUP BY q's keys, name.$c0, ...] [HAVING h], so q's rows or groups are formed per
 * outer value; outer[] / *nv: the values' columns in in.  NULL as corr_values. */
static sql_node *over_values(struct binder *b, sql_plan *in, const sql_node *q, bool grouped, int *outer, int *nv) {
  sql_arena *a = sql_binder_arena(b);
  const char *name = corr_values(b, in, q, outer, nv);
  if (!name) return NULL;
  const sql_node *items = NULL, *g = NULL, *h = NULL;
  for (int i = 0; i < q->nkids; i++) {
    if (q->kids[i]->kind == SQL_ITEMS) items = q->kids[i];
    if (q->kids[i]->kind == SQL_GROUP_BY) g = q->kids[i];
    if (q->kids[i]->kind == SQL_HAVING) h = q->kids[i];
  }
  int ng = g ? g->nkids : 0, n = *nv;
  grouped |= g != NULL;
  sql_node *sel = mk(a, SQL_SELECT, q, NULL, 2 + grouped + !!h), *its = mk(a, SQL_ITEMS, items, NULL, n + items->nkids),
           *fr = mk(a, SQL_FROM, q, NULL, 1), *tn = mk(a, SQL_NAME, q, NULL, 1),
           *gb = grouped ? mk(a, SQL_GROUP_BY, g ? g : q, NULL, ng + n) : NULL;
  if (!sel || !its || !fr || !tn || (grouped && !gb) || !(tn->kids[0] = mk(a, SQL_ID, q, name, 0)))
    return sql_binder_fail(b, q, "out of memory");
  for (int k = 0; k < n; k++) {
    char cb[16], kb[16];
    snprintf(cb, sizeof cb, "$c%d", k), snprintf(kb, sizeof kb, "$k%d", k);
    const char *shown = value_name(a, in, outer[k]); /* fid_names.c: EXPLAIN shows the column */
    char *cn = sql_fid_hidden_as(a, cb, shown), *kn = sql_fid_hidden_as(a, kb, shown);
    sql_node *as = mk(a, SQL_AS, q, NULL, 2);
    if (!cn || !kn || !as) return sql_binder_fail(b, q, "out of memory");
    if (!(as->kids[0] = field(a, q, name, cn)) || !(as->kids[1] = mk(a, SQL_ID, q, kn, 0)) ||
        (gb && !(gb->kids[ng + k] = field(a, q, name, cn))))
      return sql_binder_fail(b, q, "out of memory");
    its->kids[k] = as;
  }
  for (int i = 0; i < items->nkids; i++) its->kids[n + i] = items->kids[i];
  for (int i = 0; i < ng; i++) gb->kids[i] = g->kids[i];
  fr->kids[0] = tn;
  int k = 0;
  sel->flags = q->flags; /* DISTINCT */
  sel->kids[k++] = its, sel->kids[k++] = fr;
  if (gb) sel->kids[k++] = gb;
  if (h) sel->kids[k++] = (sql_node *)h;
  return sel;
}

/* q's one item over the generator, grouped by its values when agg (or q has GROUP BY) */
sql_plan *sql_subq_corr_scalar(struct binder *b, sql_plan *in, const sql_node *q, bool agg, sql_expr **cond, int *nkeys) {
  sql_arena *a = sql_binder_arena(b);
  int outer[MAX_VALUES], nv = 0;
  sql_node *sel = over_values(b, in, q, agg, outer, &nv);
  if (!sel) return NULL;
  sql_plan *r = sql_binder_query(b, sel);
  if (!r) {
    const sql_node *at = outer_read(b, in, q, sel->kids[0]->kids[nv]);
    if (at) {
      sql_binder_err(b)[0] = 0;
      return sql_binder_fail(b, at, "not supported yet: a subquery correlated by more than equalities whose select list "
                                    "reads the outer query (%s.%s)", at->kids[0]->text, at->text);
    }
    return NULL;
  }
  for (int k = 0; k < nv; k++) {
    sql_expr *x = colref(a, outer[k], &in->cols[outer[k]].type), *y = colref(a, in->ncols + k, &r->cols[k].type);
    sql_expr *eq = x && y ? same_value(a, x, y) : NULL;
    if (!eq) return sql_binder_fail(b, q, "out of memory");
    if (*cond) {
      static const sql_type tb = {.id = STROM_BOOLEAN};
      sql_expr *and = node(a, SQL_E_AND, &tb, 2);
      if (!and) return sql_binder_fail(b, q, "out of memory");
      and->a[0] = *cond, and->a[1] = eq;
      eq = and;
    }
    *cond = eq;
  }
  *nkeys = nv;
  return r;
}

/* q (an IN / EXISTS subquery with GROUP BY, DISTINCT or HAVING) over the generator;
 * on[i] / ok[i]: the outer column of value i as written and bound over in. */
sql_node *sql_subq_corr_grouped(struct binder *b, sql_plan *in, const sql_node *q, const sql_node **on, sql_expr **ok,
                                int *nkeys) {
  sql_arena *a = sql_binder_arena(b);
  int outer[MAX_VALUES], nv = 0;
  sql_node *sel = over_values(b, in, q, false, outer, &nv);
  if (!sel) return NULL;
  for (int k = 0; k < nv; k++) {
    const sql_col *oc = &in->cols[outer[k]];
    on[k] = oc->qual ? field(a, q, oc->qual, oc->name) : mk(a, SQL_ID, q, oc->name, 0);
    if (!on[k] || !(ok[k] = colref(a, outer[k], &oc->type))) return sql_binder_fail(b, q, "out of memory");
  }
  *nkeys = nv;
  return sel;
}

static const sql_node *kid(const sql_node *n, sql_kind k) {
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind == k) return n->kids[i];
  return NULL;
}

const sql_node *sql_subq_drop_sort(sql_arena *a, const sql_node *n) {
  if (!n || n->kind == SQL_SELECT || n->kind == SQL_SETOP || n->kind == SQL_WITH || n->kind == SQL_QUERY) return n;
  if (n->kind == SQL_SUBQUERY) {
    const sql_node *q = n->kids[0];
    if (q->kind == SQL_SUBQUERY) {
      const sql_node *in = sql_subq_drop_sort(a, q);
      if (!in || in == q) return in;
      sql_node *c = NULL;
      return sql_node_set_kid(a, n, &c, 0, in) ? c : NULL;
    }
    if (q->kind != SQL_SELECT || !kid(q, SQL_ORDER_BY) || kid(q, SQL_LIMIT) || kid(q, SQL_OFFSET)) return n;
    sql_node *s = sql_node_new(a, SQL_SELECT, q, q->text, q->nkids - 1), *c = NULL;
    if (!s) return NULL;
    s->flags = q->flags;
    for (int i = 0, k = 0; i < q->nkids; i++)
      if (q->kids[i]->kind != SQL_ORDER_BY) s->kids[k++] = q->kids[i];
    return sql_node_set_kid(a, n, &c, 0, s) ? c : NULL;
  }
  sql_node *copy = NULL;
  for (int i = 0; i < n->nkids; i++) {
    const sql_node *k = sql_subq_drop_sort(a, n->kids[i]);
    if (!k) return NULL;
    if (k != n->kids[i] && !sql_node_set_kid(a, n, &copy, i, k)) return NULL;
  }
  return copy ? copy : n;
}

bool sql_subq_limited(const sql_node *n) {
  if (!n) return false;
  if (n->kind == SQL_SELECT && (kid(n, SQL_LIMIT) || kid(n, SQL_OFFSET))) return true;
  if (n->kind == SQL_QUERY && (kid(n, SQL_LIMIT) || kid(n, SQL_OFFSET))) return true;
  for (int i = 0; i < n->nkids; i++)
    if (sql_subq_limited(n->kids[i])) return true;
  return false;
}
