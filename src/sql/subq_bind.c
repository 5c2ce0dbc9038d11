/*
 * subq_bind.c -- subqueries and set operations as joins and aggregations, the way
 * Flink's planner rewrites them (Calcite's SubQueryRemoveRule and decorrelation):
 *
 * - an AND term of WHERE that is `x [NOT] IN (query)` or `[NOT] EXISTS (query)` is a
 *   semi (anti) join of the FROM with the subquery; a subquery correlated by its WHERE
 *   (`WHERE b.k = a.k AND ...`) joins on that condition, its equalities the keys.
 *   NOT IN is null-aware as in Flink: a row matches when x = y or either is NULL, so
 *   one NULL in the subquery makes NOT IN never true;
 * - a scalar subquery `(SELECT agg FROM ...)` is joined to every row: uncorrelated, it
 *   is one row (an aggregate without GROUP BY; anything else is checked at run time,
 *   and more than one row fails the job); correlated by equalities, it is the
 *   aggregate grouped by the inner side of the equalities, LEFT joined on them.  In
 *   WHERE, when the subquery is an operand of a comparison (which rejects NULLs) the
 *   join is an inner join, else a LEFT join, as Flink simplifies it;
 * - UNION is UNION ALL then a GROUP BY on every column; INTERSECT and EXCEPT are a
 *   semi and an anti join on every column (NULLs equal) then that GROUP BY;
 *   INTERSECT ALL and EXCEPT ALL count each row on both sides (subq_plan.c).
 */
#include <strings.h>

#include "sql_int.h"

#define MAX_TERMS 64

typedef struct subq_ref {
  const sql_node *node;
  int col; /* in the SELECT's scope (joins and filters added later keep the index) */
  sql_type type;
  bool count; /* a correlated COUNT: 0, not NULL, where nothing matches */
} subq_ref;

typedef struct sql_subq {
  const sql_node *terms[MAX_TERMS]; /* IN / EXISTS terms of WHERE, for sql_subq_after */
  int nterms;
  subq_ref refs[MAX_TERMS]; /* scalar subqueries: their column */
  int nrefs;
} sql_subq;

/* ---- AST helpers ---- */

static bool is_op(const sql_node *n, const char *op) { return n && n->kind == SQL_OP && n->text && !strcmp(n->text, op); }

static const sql_node *kid_of(const sql_node *n, sql_kind k) {
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind == k) return n->kids[i];
  return NULL;
}


static int and_terms(const sql_node *n, const sql_node **out, int k) {
  if (is_op(n, "and")) return and_terms(n->kids[1], out, and_terms(n->kids[0], out, k));
  if (k < MAX_TERMS) out[k] = n;
  return k + 1;
}

static const sql_node *and_node(sql_arena *a, const sql_node **t, int n) {
  const sql_node *r = n ? t[0] : NULL;
  for (int i = 1; i < n && r; i++) {
    sql_node *x = sql_node_new(a, SQL_OP, t[i], "and", 2);
    if (!x) return NULL;
    x->kids[0] = (sql_node *)r, x->kids[1] = (sql_node *)t[i];
    r = x;
  }
  return r;
}

/* An IN / EXISTS term: x [NOT] IN (query), [NOT] EXISTS (query), NOT (x IN (query)). */
static bool semi_term(const sql_node *n) {
  if (is_op(n, "not") && n->nkids == 1) return semi_term(n->kids[0]);
  if ((is_op(n, "in") || is_op(n, "not-in")) && n->nkids == 2 && n->kids[1]->kind == SQL_SUBQUERY) return true;
  return is_op(n, "exists");
}

static bool is_agg_call(const sql_node *n) {
  if (!n || n->kind == SQL_SUBQUERY) return false;
  if (n->kind == SQL_CALL && n->text &&
      (!strcasecmp(n->text, "COUNT") || !strcasecmp(n->text, "SUM") || !strcasecmp(n->text, "MIN") ||
       !strcasecmp(n->text, "MAX") || !strcasecmp(n->text, "AVG")))
    return true;
  for (int i = 0; i < n->nkids; i++)
    if (is_agg_call(n->kids[i])) return true;
  return false;
}

/* The scalar subqueries of n (not those inside another subquery). */
static int scalars(const sql_node *n, const sql_node **out, int k) {
  if (!n) return k;
  if (n->kind == SQL_SUBQUERY) {
    if (k < MAX_TERMS) out[k] = n;
    return k + 1;
  }
  if (n->kind == SQL_SELECT || n->kind == SQL_SETOP || n->kind == SQL_WITH || n->kind == SQL_QUERY) return k;
  if (is_op(n, "exists")) return k;
  for (int i = 0; i < n->nkids; i++) {
    if ((is_op(n, "in") || is_op(n, "not-in")) && i == 1 && n->kids[1]->kind == SQL_SUBQUERY) continue;
    k = scalars(n->kids[i], out, k);
  }
  return k;
}

/* The first subquery of n outside aggregate calls. */
static const sql_node *outside_aggs(const sql_node *n) {
  if (!n || sql_subq_is_agg(n)) return NULL;
  if (n->kind == SQL_SUBQUERY) return n;
  for (int i = 0; i < n->nkids; i++) {
    const sql_node *s = outside_aggs(n->kids[i]);
    if (s) return s;
  }
  return NULL;
}

/* The query of a SUBQUERY node, through extra parentheses. */
static const sql_node *query_of(const sql_node *sq) {
  const sql_node *q = sq->kids[0];
  while (q->kind == SQL_SUBQUERY) q = q->kids[0];
  return q;
}

/* A SELECT with FROM and none of GROUP BY, HAVING, aggregates, ORDER BY (a DISTINCT
 * changes neither IN nor EXISTS: the semi join reads the rows as if it were not there). */
static bool plain_select(const sql_node *q) {
  if (q->kind != SQL_SELECT || !kid_of(q, SQL_FROM)) return false;
  if (kid_of(q, SQL_GROUP_BY) || kid_of(q, SQL_HAVING) || kid_of(q, SQL_ORDER_BY) || kid_of(q, SQL_LIMIT) ||
      kid_of(q, SQL_OFFSET))
    return false;
  const sql_node *items = kid_of(q, SQL_ITEMS);
  return items && !is_agg_call(items) && !sql_node_has_over(items);
}

/* ---- expression helpers ---- */

static sql_expr *col(sql_arena *a, int c, const sql_type *t) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  if (e) e->op = SQL_E_COL, e->col = c, e->type = *t;
  return e;
}

static sql_expr *node2(sql_arena *a, sql_eop op, sql_expr *x, sql_expr *y) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **args = sql_arena_alloc(a, 2 * sizeof *args);
  if (!e || !args || !x || !y) return NULL;
  e->op = op, e->type = (sql_type){.id = STROM_BOOLEAN}, e->n = 2, e->a = args, e->col = -1;
  args[0] = x, args[1] = y;
  return e;
}

static sql_expr *and_of(sql_arena *a, sql_expr *x, sql_expr *y) { return !x ? y : !y ? x : node2(a, SQL_E_AND, x, y); }

/* x = y in their common type (NULL with an error when they have none). */
static sql_expr *equal(struct binder *b, const sql_node *at, sql_expr *x, sql_expr *y) {
  sql_type t;
  if (!sql_common_type(&x->type, &y->type, &t)) {
    char f[48], g[48];
    sql_type_name(&x->type, f, sizeof f);
    sql_type_name(&y->type, g, sizeof g);
    return sql_binder_fail(b, at, "cannot compare %s with %s", f, g);
  }
  sql_arena *a = sql_binder_arena(b);
  sql_expr *e = node2(a, SQL_E_EQ, sql_cast_to(a, x, &t), sql_cast_to(a, y, &t));
  return e ? e : sql_binder_fail(b, at, "out of memory");
}

static sql_expr *is_null(sql_arena *a, sql_expr *x) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **args = sql_arena_alloc(a, sizeof *args);
  if (!e || !args) return NULL;
  e->op = SQL_E_IS_NULL, e->type = (sql_type){.id = STROM_BOOLEAN, .not_null = true}, e->n = 1, e->a = args, e->col = -1;
  args[0] = x;
  return e;
}

/* e with its columns moved: those below split by +shift_lo, the others by shift_hi. */
static sql_expr *remap(sql_arena *a, const sql_expr *e, int split, int shift_lo, int shift_hi) {
  sql_expr *c = sql_arena_alloc(a, sizeof *c);
  if (!c) return NULL;
  *c = *e;
  if (e->op == SQL_E_COL) c->col += e->col < split ? shift_lo : shift_hi;
  if (e->n) {
    if (!(c->a = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)e->n))) return NULL;
    for (int i = 0; i < e->n; i++)
      if (!(c->a[i] = remap(a, e->a[i], split, shift_lo, shift_hi))) return NULL;
  }
  return c;
}

/* ---- joins ---- */

/* The semi (anti) join of l and r on cond (over l's columns then r's). */
static sql_plan *semi_join(struct binder *b, const sql_node *at, sql_plan *l, sql_plan *r, bool anti, sql_expr *cond) {
  char m[512];
  sql_plan *p = sql_join_new(sql_binder_arena(b), l, r, "inner", m, sizeof m);
  if (!p) return sql_binder_fail(b, at, "%s", m);
  p->join->type = anti ? SQL_J_ANTI : SQL_J_SEMI;
  if (sql_join_add_cond(sql_binder_arena(b), p, cond, m, sizeof m)) return sql_binder_fail(b, at, "%s", m);
  p->ncols = p->in->ncols; /* the left's columns (the condition still sees both) */
  p->changelog = (anti && p->join->kind != SQL_JK_WINDOW) || p->in->changelog || p->in2->changelog;
  return p;
}

/* The scope of a correlated subquery: the inner columns, then the outer ones; an outer
 * column that an inner one shadows is reachable only qualified. */
static sql_col *corr_scope(sql_arena *a, const sql_plan *inner, const sql_plan *outer) {
  int n = inner->ncols + outer->ncols;
  sql_col *c = sql_arena_alloc(a, sizeof *c * (size_t)(n ? n : 1));
  if (!c) return NULL;
  memcpy(c, inner->cols, sizeof *c * (size_t)inner->ncols);
  for (int i = 0; i < outer->ncols; i++) {
    sql_col *o = &c[inner->ncols + i];
    *o = outer->cols[i];
    for (int k = 0; k < inner->ncols && !o->hidden; k++)
      if (!strcmp(inner->cols[k].name, o->name) && !inner->cols[k].hidden) o->hidden = true;
  }
  return c;
}

static sql_plan *grouped_correlated(struct binder *b, sql_plan *in, const sql_node *q, sql_expr **cond, int *nkeys);

/* One IN / EXISTS term of WHERE as a semi or anti join of in. */
static sql_plan *semi_term_join(struct binder *b, sql_plan *in, const sql_node *t) {
  sql_arena *a = sql_binder_arena(b);
  bool neg = false;
  while (is_op(t, "not")) neg = !neg, t = t->kids[0];
  bool exists = is_op(t, "exists");
  if (is_op(t, "not-in")) neg = !neg;
  const sql_node *sq = exists ? t->kids[0] : t->kids[1], *q = query_of(sq);
  /* (a, b) IN (SELECT c, d ...): one equality per field (types_rowval.c's leaves) */
  const sql_node *one[1] = {exists ? NULL : t->kids[0]}, **xn = one;
  const char **paths;
  int nx = exists ? 0 : sql_row_value_leaves(a, in->cols, in->ncols, t->kids[0], &xn, &paths, sql_binder_err(b), 256);
  if (nx < 0) return NULL;
  if (!nx) xn = one, nx = !exists;
  if (nx > MAX_TERMS) return sql_binder_fail(b, t->kids[0], "more than %d values IN (subquery)", MAX_TERMS);
  sql_expr *xs[MAX_TERMS], *ys[MAX_TERMS];
  for (int i = 0; i < nx; i++)
    if (!(xs[i] = sql_binder_expr(b, in->cols, in->ncols, xn[i], false))) return NULL;
  sql_plan *r;
  sql_expr *cond = NULL;
  if (plain_select(q)) { /* may be correlated: its WHERE and item see the outer columns */
    if (!(r = sql_binder_from(b, kid_of(q, SQL_FROM)->kids[0]))) return NULL;
    sql_col *scope = corr_scope(a, r, in);
    if (!scope) return sql_binder_fail(b, t, "out of memory");
    int nl = in->ncols, nr = r->ncols;
    const sql_node *w = kid_of(q, SQL_WHERE);
    if (w) {
      sql_expr *c = sql_binder_expr(b, scope, nr + nl, w->kids[0], false);
      if (!c) return NULL;
      if (c->type.id && c->type.id != STROM_BOOLEAN) return sql_binder_fail(b, w->kids[0], "WHERE needs a BOOLEAN condition");
      if (!(cond = remap(a, c, nr, nl, -nr))) return sql_binder_fail(b, t, "out of memory");
    }
    if (!exists) {
      const sql_node *items = kid_of(q, SQL_ITEMS);
      bool star = false;
      for (int i = 0; i < items->nkids; i++) star |= items->kids[i]->kind == SQL_STAR;
      if (items->nkids != nx || star) {
        if (nx == 1) return sql_binder_fail(b, sq, "the subquery of IN must return one column");
        return sql_binder_fail(b, sq, "the subquery of IN must return %d columns, one per value", nx);
      }
      for (int i = 0; i < nx; i++) {
        const sql_node *it = items->kids[i]->kind == SQL_AS ? items->kids[i]->kids[0] : items->kids[i];
        sql_expr *e = sql_binder_expr(b, scope, nr + nl, it, false);
        if (!e || !(ys[i] = remap(a, e, nr, nl, -nr))) return NULL;
      }
    }
  } else {
    char *err = sql_binder_err(b), first[512];
    int nk = 0;
    if (!(r = sql_binder_query(b, q))) { /* correlated by equalities, with GROUP BY / DISTINCT? */
      snprintf(first, sizeof first, "%s", err);
      err[0] = 0;
      if (!(r = grouped_correlated(b, in, q, &cond, &nk))) {
        if (!err[0] && strstr(first, " not found") && sql_subq_limited(q)) sql_binder_fail(b, sq, SQL_SUBQ_LIMIT_MSG);
        if (!err[0]) sql_binder_fail(b, NULL, "%s", first);
        return NULL;
      }
      if (!exists && r->ncols - nk != nx)
        return sql_binder_fail(b, sq, "the subquery of IN must return %d column%s, not %d", nx, nx == 1 ? "" : "s", r->ncols - nk);
      for (int i = 0; i < nx && !exists; i++) ys[i] = col(a, in->ncols + nk + i, &r->cols[nk + i].type);
    } else if (!exists) {
      if (r->ncols != nx && nx == 1) return sql_binder_fail(b, sq, "the subquery of IN must return one column, not %d", r->ncols);
      if (r->ncols != nx) return sql_binder_fail(b, sq, "the subquery of IN must return %d columns, one per value, not %d", nx, r->ncols);
      for (int i = 0; i < nx; i++) ys[i] = col(a, in->ncols + i, &r->cols[i].type);
    }
  }
  for (int i = nx - 1; i >= 0 && !exists; i--) {
    sql_expr *x = xs[i], *y = ys[i], *eq = equal(b, t, x, y);
    if (!eq) return NULL;
    /* NOT IN is null-aware: a field pair with a NULL may be equal, so it cannot prove the row absent */
    if (neg && (!x->type.not_null || !y->type.not_null))
      eq = node2(a, SQL_E_OR, node2(a, SQL_E_OR, eq, is_null(a, x)), is_null(a, y));
    if (!(cond = and_of(a, eq, cond))) return sql_binder_fail(b, t, "out of memory");
  }
  return semi_join(b, t, in, r, neg, cond);
}

/* Whether the scalar subquery sq is an operand of a comparison in the WHERE term t:
 * the condition rejects the NULL a LEFT join would pad with. */
static bool null_rejecting(const sql_node *t, const sql_node *sq) {
  static const char *cmp[] = {"=", "<>", "!=", "<", ">", "<=", ">=", "between", "not-between", "like", "not-like"};
  if (t->kind != SQL_OP) return false;
  for (size_t i = 0; i < sizeof cmp / sizeof *cmp; i++)
    if (!strcmp(t->text, cmp[i]))
      for (int k = 0; k < t->nkids; k++)
        if (t->kids[k] == sq) return true;
  return false;
}

static bool one_row(const sql_plan *r) {
  if (r->kind == SQL_P_VALUES) return r->nrows == 1;
  return r->kind == SQL_P_CALC && r->in->kind == SQL_P_AGG && r->in->nkeys == 0 && r->in->win.kind == SQL_W_NONE &&
         !r->cond;
}

/* The check that a scalar subquery gives at most one row (per value of its first nkeys
 * columns, the correlation keys) (subq_plan.c). */
static sql_plan *single_row(sql_arena *a, sql_plan *r, int nkeys) {
  sql_plan *p = sql_arena_alloc(a, sizeof *p);
  if (!p) return NULL;
  *p = (sql_plan){.kind = SQL_P_SETOP, .ncols = r->ncols, .cols = r->cols, .in = r, .changelog = r->changelog,
                  .time_col = -1, .setop = SQL_SO_SINGLE_ROW, .nkeys = nkeys};
  return p;
}

static sql_plan *checked_rows(struct binder *b, const sql_node *q, sql_plan *r, int nkeys) {
  sql_plan *c = single_row(sql_binder_arena(b), r, nkeys);
  return c ? c : sql_binder_fail(b, q, "out of memory");
}

/* A correlated scalar subquery q: its WHERE's terms that read the inner columns only
 * stay, equalities inner = outer become the GROUP BY of the aggregate and the join's
 * keys (without an aggregate, the rows per key are checked to be one).  NULL with no error when q is not one (the caller reports why it failed). */
static sql_plan *correlated_scalar(struct binder *b, sql_plan *in, const sql_node *q, sql_expr **cond, int *nkeys) {
  sql_arena *a = sql_binder_arena(b);
  const sql_node *items = kid_of(q, SQL_ITEMS), *from = kid_of(q, SQL_FROM), *w = kid_of(q, SQL_WHERE);
  if (q->kind == SQL_SELECT && (kid_of(q, SQL_LIMIT) || kid_of(q, SQL_OFFSET))) /* not bound alone: correlated */
    return sql_binder_fail(b, q, SQL_SUBQ_LIMIT_MSG);
  if (q->kind != SQL_SELECT || !items || !from || !w || items->nkids != 1 || items->kids[0]->kind == SQL_STAR ||
      sql_node_has_over(items))
    return NULL;
  bool agg = is_agg_call(items);
  if (kid_of(q, SQL_GROUP_BY) || kid_of(q, SQL_HAVING) || (q->flags & SQL_F(DISTINCT))) {
    /* grouped per outer value by subq_corr.c; one row per outer value only when it is an
     * aggregate without GROUP BY, else checked */
    sql_plan *r = sql_subq_corr_scalar(b, in, q, agg, cond, nkeys);
    bool one = agg && !kid_of(q, SQL_GROUP_BY) && !(q->flags & SQL_F(DISTINCT));
    return !r || one ? r : checked_rows(b, q, r, *nkeys);
  }
  sql_plan *r0 = sql_binder_from(b, from->kids[0]);
  if (!r0) return NULL;
  const sql_node *t[MAX_TERMS], *keep[MAX_TERMS], *ik[MAX_TERMS];
  int n = and_terms(w->kids[0], t, 0), nkeep = 0, nk = 0;
  if (n > MAX_TERMS) return NULL;
  sql_expr *ok[MAX_TERMS];
  for (int i = 0; i < n; i++) {
    if (sql_binder_expr(b, r0->cols, r0->ncols, t[i], true)) {
      keep[nkeep++] = t[i];
      continue;
    }
    bool eq = false; /* inner = outer: a key; anything else: subq_corr.c's value generator */
    for (int s = 0; s < 2 && is_op(t[i], "=") && !eq; s++) {
      sql_expr *o;
      if (sql_binder_expr(b, r0->cols, r0->ncols, t[i]->kids[s], true) &&
          (o = sql_binder_expr(b, in->cols, in->ncols, t[i]->kids[1 - s], true)))
        ik[nk] = t[i]->kids[s], ok[nk++] = o, eq = true;
    }
    if (!eq) {
      sql_plan *r = sql_subq_corr_scalar(b, in, q, agg, cond, nkeys);
      return !r || agg ? r : checked_rows(b, q, r, *nkeys);
    }
  }
  if (!nk) return NULL;
  /* SELECT ik0 AS $k0, ..., item FROM ... WHERE keep GROUP BY ik0, ... */
  sql_node *sel = sql_node_new(a, SQL_SELECT, q, NULL, 0), *its = sql_node_new(a, SQL_ITEMS, items, NULL, nk + 1),
           *gb = sql_node_new(a, SQL_GROUP_BY, w, NULL, nk);
  if (!sel || !its || !gb) return sql_binder_fail(b, q, "out of memory");
  for (int i = 0; i < nk; i++) {
    sql_node *as = sql_node_new(a, SQL_AS, ik[i], NULL, 2);
    char kb[16];
    snprintf(kb, sizeof kb, "$k%d", i);
    char *nm = sql_fid_hidden_name(a, kb, ik[i]); /* fid_names.c: EXPLAIN shows the key's name */
    if (!as || !nm || !(as->kids[1] = sql_node_new(a, SQL_ID, ik[i], nm, 0))) return sql_binder_fail(b, q, "out of memory");
    as->kids[0] = (sql_node *)ik[i];
    its->kids[i] = as;
    gb->kids[i] = (sql_node *)ik[i];
  }
  its->kids[nk] = items->kids[0];
  const sql_node *wk = and_node(a, keep, nkeep);
  sql_node *wn = wk ? sql_node_new(a, SQL_WHERE, w, NULL, 1) : NULL;
  if (wn) wn->kids[0] = (sql_node *)wk;
  sel->kids = sql_arena_alloc(a, 4 * sizeof(sql_node *));
  if (!sel->kids) return sql_binder_fail(b, q, "out of memory");
  sel->kids[sel->nkids++] = its;
  sel->kids[sel->nkids++] = (sql_node *)from;
  if (wn) sel->kids[sel->nkids++] = wn;
  if (agg) sel->kids[sel->nkids++] = gb;
  sel->cap = sel->nkids;
  sql_plan *r = sql_binder_query(b, sel);
  if (!r) return NULL;
  /* without an aggregate: each key's rows, checked to be at most one (Flink's SINGLE_VALUE) */
  if (!agg && !(r = single_row(a, r, nk))) return sql_binder_fail(b, q, "out of memory");
  for (int i = 0; i < nk; i++) {
    sql_expr *eq = equal(b, ik[i], ok[i], col(a, in->ncols + i, &r->cols[i].type));
    if (!eq || !(*cond = and_of(a, *cond, eq))) return NULL;
  }
  *nkeys = nk;
  return r;
}

/* The subquery q of an IN / EXISTS term with GROUP BY, DISTINCT or HAVING, correlated
 * by equalities inner = outer in its WHERE (`SELECT MAX(x) FROM b WHERE b.k = a.k GROUP
 * BY b.g`): the inner side of each equality joins the GROUP BY (a DISTINCT's columns) and
 * leads the select list, so q runs once for every outer value, and the equalities become
 * the semi join's keys (cond, over in's columns then q's).  Within one value of the
 * inner side the groups are those q forms for it.  NULL with no error when q is not
 * one. */
static sql_node *grouped_select(struct binder *b, sql_plan *in, const sql_node *q, const sql_node **on, sql_expr **ok,
                                int *nkeys) {
  sql_arena *a = sql_binder_arena(b);
  const sql_node *items = q->kind == SQL_SELECT ? kid_of(q, SQL_ITEMS) : NULL, *from = items ? kid_of(q, SQL_FROM) : NULL,
                 *w = from ? kid_of(q, SQL_WHERE) : NULL, *g = w ? kid_of(q, SQL_GROUP_BY) : NULL,
                 *h = w ? kid_of(q, SQL_HAVING) : NULL;
  if (!w || kid_of(q, SQL_ORDER_BY) || kid_of(q, SQL_LIMIT) || kid_of(q, SQL_OFFSET) || sql_node_has_over(items))
    return NULL;
  if (!g && is_agg_call(items)) return NULL; /* one row per outer row: the caller's scalar comparison */
  for (int i = 0; i < items->nkids; i++)
    if (items->kids[i]->kind == SQL_STAR) return NULL;
  sql_plan *r0 = sql_binder_from(b, from->kids[0]);
  if (!r0) return NULL;
  const sql_node *t[MAX_TERMS], *keep[MAX_TERMS], *ik[MAX_TERMS];
  int n = and_terms(w->kids[0], t, 0), nkeep = 0, nk = 0;
  if (n > MAX_TERMS) return NULL;
  for (int i = 0; i < n; i++) {
    if (sql_binder_expr(b, r0->cols, r0->ncols, t[i], true)) {
      keep[nkeep++] = t[i];
      continue;
    }
    bool eq = false; /* inner = outer: a key; anything else: subq_corr.c's value generator */
    for (int s = 0; s < 2 && is_op(t[i], "=") && !eq; s++) {
      sql_expr *o;
      if (sql_binder_expr(b, r0->cols, r0->ncols, t[i]->kids[s], true) &&
          (o = sql_binder_expr(b, in->cols, in->ncols, t[i]->kids[1 - s], true)))
        on[nk] = t[i]->kids[1 - s], ik[nk] = t[i]->kids[s], ok[nk++] = o, eq = true;
    }
    if (!eq) return sql_subq_corr_grouped(b, in, q, on, ok, nkeys);
  }
  if (!nk) return NULL;
  /* SELECT ik0 AS $k0, ..., items FROM from WHERE keep [GROUP BY g..., ik0, ...] [HAVING h] */
  sql_node *sel = sql_node_new(a, SQL_SELECT, q, NULL, 2 + !!nkeep + !!g + !!h),
           *its = sql_node_new(a, SQL_ITEMS, items, NULL, nk + items->nkids),
           *gb = g ? sql_node_new(a, SQL_GROUP_BY, g, NULL, g->nkids + nk) : NULL;
  if (!sel || !its || (g && !gb)) return sql_binder_fail(b, q, "out of memory");
  for (int i = 0; i < nk; i++) {
    sql_node *as = sql_node_new(a, SQL_AS, ik[i], NULL, 2);
    char kb[16];
    snprintf(kb, sizeof kb, "$k%d", i);
    char *nm = sql_fid_hidden_name(a, kb, ik[i]); /* fid_names.c: EXPLAIN shows the key's name */
    if (!as || !nm || !(as->kids[1] = sql_node_new(a, SQL_ID, ik[i], nm, 0))) return sql_binder_fail(b, q, "out of memory");
    as->kids[0] = (sql_node *)ik[i];
    its->kids[i] = as;
    if (gb) gb->kids[g->nkids + i] = (sql_node *)ik[i];
  }
  for (int i = 0; i < items->nkids; i++) its->kids[nk + i] = items->kids[i];
  for (int i = 0; gb && i < g->nkids; i++) gb->kids[i] = g->kids[i];
  int k = 0;
  sel->flags = q->flags; /* DISTINCT */
  sel->kids[k++] = its;
  sel->kids[k++] = (sql_node *)from;
  if (nkeep) {
    sql_node *wn = sql_node_new(a, SQL_WHERE, w, NULL, 1);
    if (!wn || !(wn->kids[0] = (sql_node *)and_node(a, keep, nkeep))) return sql_binder_fail(b, q, "out of memory");
    sel->kids[k++] = wn;
  }
  if (gb) sel->kids[k++] = gb;
  if (h) sel->kids[k++] = (sql_node *)h;
  *nkeys = nk;
  return sel;
}

static sql_plan *grouped_correlated(struct binder *b, sql_plan *in, const sql_node *q, sql_expr **cond, int *nkeys) {
  sql_arena *a = sql_binder_arena(b);
  const sql_node *on[MAX_TERMS];
  sql_expr *ok[MAX_TERMS];
  int nk = 0;
  sql_node *sel = grouped_select(b, in, q, on, ok, &nk);
  sql_plan *r = sel ? sql_binder_query(b, sel) : NULL;
  if (!r) return NULL;
  for (int i = 0; i < nk; i++) {
    sql_expr *eq = equal(b, on[i], ok[i], col(a, in->ncols + i, &r->cols[i].type));
    if (!eq || !(*cond = and_of(a, *cond, eq))) return NULL;
  }
  *nkeys = nk;
  return r;
}

static sql_plan *correlated_scalar(struct binder *b, sql_plan *in, const sql_node *q, sql_expr **cond, int *nkeys);

/* subq_mark.c's count over `(q) AS $in($v)` when q is correlated by equalities and has
 * GROUP BY / HAVING: q grouped by the correlation's inner side too ($k0, ...) and the
 * count correlated by `$in.$ki = <outer side>` as well, so correlated_scalar groups it
 * per outer value.  NULL with no error when the marker is not one. */
static sql_plan *grouped_marker(struct binder *b, sql_plan *in, const sql_node *mq, sql_expr **cond, int *nkeys) {
  sql_arena *a = sql_binder_arena(b);
  const sql_node *from = kid_of(mq, SQL_FROM), *as = from ? from->kids[0] : NULL;
  if (!as || as->kind != SQL_AS || as->nkids != 3 || as->kids[0]->kind != SQL_SUBQUERY ||
      as->kids[2]->kind != SQL_COLUMN_LIST || as->kids[2]->nkids != 1)
    return NULL;
  const sql_node *on[MAX_TERMS];
  sql_expr *ok[MAX_TERMS];
  int nk = 0;
  sql_node *sel = grouped_select(b, in, query_of(as->kids[0]), on, ok, &nk);
  if (!sel) return NULL;
  /* SELECT item FROM (sel) AS $in($k0, ..., $v) WHERE [w AND] $in.$k0 = on0 AND ... */
  sql_node *sq = sql_node_new(a, SQL_SUBQUERY, as, NULL, 1), *nas = sql_node_new(a, SQL_AS, as, NULL, 3),
           *cl = sql_node_new(a, SQL_COLUMN_LIST, as, NULL, nk + 1), *nf = sql_node_new(a, SQL_FROM, from, NULL, 1);
  if (!sq || !nas || !cl || !nf) return sql_binder_fail(b, mq, "out of memory");
  sq->kids[0] = sel;
  nas->kids[0] = sq, nas->kids[1] = as->kids[1], nas->kids[2] = cl;
  nf->kids[0] = nas;
  const sql_node *w = kid_of(mq, SQL_WHERE) ? kid_of(mq, SQL_WHERE)->kids[0] : NULL;
  for (int i = 0; i <= nk; i++) {
    char kb[16];
    snprintf(kb, sizeof kb, "$k%d", i);
    const sql_node *sits = kid_of(sel, SQL_ITEMS); /* the inner key's name for EXPLAIN (fid_names.c) */
    char *nm = i < nk ? sql_fid_hidden_name(a, kb, sits && i < sits->nkids && sits->kids[i]->kind == SQL_AS ? sits->kids[i]->kids[1] : NULL) : NULL;
    if (i < nk && !nm) return sql_binder_fail(b, mq, "out of memory");
    if (!(cl->kids[i] = i < nk ? sql_node_new(a, SQL_ID, as, nm, 0) : as->kids[2]->kids[0]))
      return sql_binder_fail(b, mq, "out of memory");
    if (i == nk) break;
    sql_node *f = sql_node_new(a, SQL_FIELD, on[i], nm, 1), *eq = sql_node_new(a, SQL_OP, on[i], "=", 2);
    if (!f || !eq || !(f->kids[0] = sql_node_new(a, SQL_ID, as, as->kids[1]->text, 0))) return sql_binder_fail(b, mq, "out of memory");
    eq->kids[0] = f, eq->kids[1] = (sql_node *)on[i];
    if (w) {
      sql_node *x = sql_node_new(a, SQL_OP, on[i], "and", 2);
      if (!x) return sql_binder_fail(b, mq, "out of memory");
      x->kids[0] = (sql_node *)w, x->kids[1] = eq;
      w = x;
    } else w = eq;
  }
  sql_node *nw = sql_node_new(a, SQL_WHERE, mq, NULL, 1), *nq = sql_node_new(a, SQL_SELECT, mq, NULL, 3);
  if (!nw || !nq) return sql_binder_fail(b, mq, "out of memory");
  nw->kids[0] = (sql_node *)w;
  nq->kids[0] = (sql_node *)kid_of(mq, SQL_ITEMS), nq->kids[1] = nf, nq->kids[2] = nw;
  return correlated_scalar(b, in, nq, cond, nkeys);
}

/* Whether u is x [NOT] IN (SELECT agg FROM ... WHERE <correlated>) without GROUP BY. */
static bool agg_in(struct binder *b, const sql_node *u) {
  if (!(is_op(u, "in") || is_op(u, "not-in")) || u->nkids != 2 || u->kids[1]->kind != SQL_SUBQUERY ||
      u->kids[0]->kind == SQL_ROW)
    return false;
  const sql_node *q = query_of(u->kids[1]), *items = q->kind == SQL_SELECT ? kid_of(q, SQL_ITEMS) : NULL;
  if (!items || items->nkids != 1 || !kid_of(q, SQL_WHERE) || kid_of(q, SQL_GROUP_BY) || !is_agg_call(items) ||
      (q->flags & SQL_F(DISTINCT)) || sql_node_has_over(items))
    return false;
  char *err = sql_binder_err(b), first[512];
  snprintf(first, sizeof first, "%s", err);
  bool alone = sql_binder_query(b, q) != NULL; /* uncorrelated: the semi / marker join as before */
  memcpy(err, first, strlen(first) + 1);
  return !alone;
}

/* n with each x [NOT] IN (SELECT agg FROM ... WHERE <correlated>) without GROUP BY, which
 * is one row per outer row, written as the comparison x = (q) (NOT IN: x <> (q)), a
 * correlated scalar subquery LEFT joined (a COUNT reads 0 where nothing matches).  top:
 * n is an AND term of WHERE, whose comparison becomes (x = (q)) IS TRUE so that the join
 * stays LEFT.  n itself when there is none; NULL when out of memory. */
static const sql_node *agg_in_rewrite(struct binder *b, const sql_node *n, bool top) {
  sql_arena *a = sql_binder_arena(b);
  if (!n || n->kind == SQL_SUBQUERY || n->kind == SQL_SELECT || n->kind == SQL_SETOP || n->kind == SQL_WITH ||
      n->kind == SQL_QUERY)
    return n;
  const sql_node *u = n;
  bool neg = false;
  while (top && is_op(u, "not") && u->nkids == 1) neg = !neg, u = u->kids[0];
  if (agg_in(b, u)) {
    if (is_op(u, "not-in")) neg = !neg;
    sql_node *cmp = sql_node_new(a, SQL_OP, u, neg ? "<>" : "=", 2);
    if (!cmp) return NULL;
    cmp->kids[0] = u->kids[0], cmp->kids[1] = u->kids[1];
    if (!top) return cmp;
    sql_node *it = sql_node_new(a, SQL_OP, n, "is-true", 1);
    if (it) it->kids[0] = cmp;
    return it;
  }
  sql_node *copy = NULL;
  for (int i = 0; i < n->nkids; i++) {
    const sql_node *k = agg_in_rewrite(b, n->kids[i], false);
    if (!k) return NULL;
    if (k == n->kids[i]) continue;
    if (!sql_node_set_kid(a, n, &copy, i, k)) return NULL;
  }
  return copy ? copy : n;
}

/* Joins the scalar subquery sq to in: LEFT, or INNER when in_where and the term t
 * rejects NULLs; records the column its value is in. */
static sql_plan *scalar_join(struct binder *b, sql_subq *s, sql_plan *in, const sql_node *sq, const sql_node *t) {
  sql_arena *a = sql_binder_arena(b);
  if (s->nrefs == MAX_TERMS) return sql_binder_fail(b, sq, "more than %d subqueries in one SELECT", MAX_TERMS);
  const sql_node *q = query_of(sq);
  char *err = sql_binder_err(b), first[512];
  sql_expr *cond = NULL;
  int nkeys = 0;
  sql_plan *r = sql_binder_query(b, q);
  if (!r) { /* correlated? */
    snprintf(first, sizeof first, "%s", err);
    err[0] = 0;
    r = correlated_scalar(b, in, q, &cond, &nkeys);
    if (!r && sq->text && !strcmp(sq->text, "$marker")) { /* a correlated IN's subquery with GROUP BY? */
      char second[512];
      snprintf(second, sizeof second, "%s", err);
      err[0] = 0;
      if (!(r = grouped_marker(b, in, q, &cond, &nkeys)) && !err[0]) memcpy(err, second, strlen(second) + 1);
    }
    if (!r && strstr(first, " not found") && sql_subq_limited(q)) {
      err[0] = 0;
      return sql_binder_fail(b, sq, SQL_SUBQ_LIMIT_MSG);
    }
    if (!r && sq->text && !strcmp(sq->text, "$marker")) { /* subq_mark.c's rewrite of an IN */
      const char *why = strstr(err[0] ? err : first, ": ");
      if (err[0] && why && strncmp(why + 2, "not supported", 13) && !strstr(err, "column names given for"))
        return NULL; /* the user's error inside the subquery (a column not found, a type): as it is */
      err[0] = 0;
      if (strstr(first, "column names given for")) /* (q) AS $in($v): q is not one column */
        return sql_binder_fail(b, sq, "the subquery of IN must return one column");
      why = why ? why + 2 : first;
      if (!strncmp(why, "not supported yet: ", 19)) why += 19;
      return sql_binder_fail(b, sq, "not supported yet: this IN / EXISTS subquery outside the AND terms of WHERE (%s)", why);
    }
    if (!r && !err[0]) sql_binder_fail(b, NULL, "%s", first);
    if (!r) return NULL;
  } else {
    if (r->ncols != 1) return sql_binder_fail(b, sq, "a scalar subquery must return one column, not %d", r->ncols);
    if (!one_row(r) && !(r = single_row(a, r, 0))) return sql_binder_fail(b, sq, "out of memory");
  }
  const sql_node *it0 = kid_of(q, SQL_ITEMS) ? kid_of(q, SQL_ITEMS)->kids[0] : NULL;
  if (it0 && it0->kind == SQL_AS) it0 = it0->kids[0];
  /* a correlated COUNT reads 0, not NULL, where nothing matches: the comparison may hold
   * there, so the join stays LEFT */
  bool zero = nkeys && it0 && it0->kind == SQL_CALL && !strcasecmp(it0->text, "COUNT");
  bool inner = t && null_rejecting(t, sq) && !zero;
  char m[512];
  sql_plan *j = sql_join_new(a, in, r, inner ? (nkeys ? "inner" : "cross") : "left", m, sizeof m);
  if (!j || sql_join_add_cond(a, j, cond, m, sizeof m)) return sql_binder_fail(b, sq, "%s", m);
  for (int i = in->ncols; i < j->ncols; i++) {
    char base[32], *nm;
    snprintf(base, sizeof base, "$subquery%d_%d", s->nrefs, i - in->ncols);
    /* fid_names.c: EXPLAIN shows the subquery's column (EXPR$0, its alias) */
    if (!(nm = sql_fid_hidden_as(a, base, sql_fid_shown(j->cols[i].name)))) return sql_binder_fail(b, sq, "out of memory");
    j->cols[i].name = nm, j->cols[i].qual = NULL, j->cols[i].hidden = true;
    j->cols[i].type.not_null = false; /* a LEFT join's padding, an empty aggregate */
  }
  const sql_node *item = kid_of(q, SQL_ITEMS) ? kid_of(q, SQL_ITEMS)->kids[0] : NULL;
  if (item && item->kind == SQL_AS) item = item->kids[0];
  bool count = nkeys && item && item->kind == SQL_CALL && !strcasecmp(item->text, "COUNT");
  s->refs[s->nrefs++] = (subq_ref){sq, in->ncols + nkeys, j->cols[in->ncols + nkeys].type, count};
  return j;
}

/* ---- the hooks ---- */

sql_plan *sql_subq_where(struct binder *b, sql_plan *in, const sql_node **where) {
  sql_subq *s = sql_arena_alloc(sql_binder_arena(b), sizeof *s);
  if (!s) return sql_binder_fail(b, *where, "out of memory");
  *sql_binder_subq(b) = s;
  if (!*where) return in;
  const sql_node *ws = sql_subq_drop_sort(sql_binder_arena(b), (*where)->kids[0]);
  if (!ws) return sql_binder_fail(b, *where, "out of memory");
  if (ws != (*where)->kids[0]) {
    sql_node *nw = sql_node_new(sql_binder_arena(b), SQL_WHERE, *where, NULL, 1);
    if (!nw) return sql_binder_fail(b, *where, "out of memory");
    nw->kids[0] = (sql_node *)ws;
    *where = nw;
  }
  const sql_node *t[MAX_TERMS], *rest[MAX_TERMS];
  int n = and_terms((*where)->kids[0], t, 0), nrest = 0;
  if (n > MAX_TERMS) { /* too many to take apart: bound as written */
    for (int i = 0; i < MAX_TERMS; i++)
      if (semi_term(t[i])) return sql_binder_fail(b, t[i], "not supported yet: subqueries in a WHERE of more than %d AND terms", MAX_TERMS);
    return in;
  }
  bool any = false;
  for (int i = 0; i < n; i++) {
    const sql_node *rt = agg_in_rewrite(b, t[i], true);
    if (!rt) return sql_binder_fail(b, t[i], "out of memory");
    any |= rt != t[i];
    t[i] = rt;
    if (semi_term(t[i])) {
      s->terms[s->nterms++] = t[i];
      any = true;
      continue;
    }
    bool marked = false; /* IN / EXISTS under OR, NOT (... AND ...): marker joins (subq_mark.c) */
    if (!(t[i] = sql_subq_mark_rewrite_in(sql_binder_arena(b), t[i], &marked, in->cols, in->ncols))) return sql_binder_fail(b, *where, "out of memory");
    any |= marked;
    rest[nrest++] = t[i];
    const sql_node *sq[MAX_TERMS];
    int k = scalars(t[i], sq, 0);
    if (k > MAX_TERMS) return sql_binder_fail(b, t[i], "more than %d subqueries in one condition", MAX_TERMS);
    for (int j = 0; j < k; j++)
      if (!(in = scalar_join(b, s, in, sq[j], t[i]))) return NULL;
  }
  if (any) {
    const sql_node *r = and_node(sql_binder_arena(b), rest, nrest);
    sql_node *w = r ? sql_node_new(sql_binder_arena(b), SQL_WHERE, *where, NULL, 1) : NULL;
    if (w) w->kids[0] = (sql_node *)r;
    else if (r) return sql_binder_fail(b, *where, "out of memory");
    *where = w;
  }
  return in;
}

sql_plan *sql_subq_after(struct binder *b, sql_plan *in, const sql_node **itemsp, bool aggregate) {
  sql_subq *s = *sql_binder_subq(b);
  for (int i = 0; i < s->nterms; i++)
    if (!(in = semi_term_join(b, in, s->terms[i]))) return NULL;
  bool marked = false; /* SELECT x IN (...) AS f: marker joins (subq_mark.c) */
  if (!(*itemsp = sql_subq_drop_sort(sql_binder_arena(b), *itemsp)) || !(*itemsp = agg_in_rewrite(b, *itemsp, false))) return sql_binder_fail(b, NULL, "out of memory");
  if (!(*itemsp = sql_subq_mark_rewrite_in(sql_binder_arena(b), *itemsp, &marked, in->cols, in->ncols))) return sql_binder_fail(b, NULL, "out of memory");
  const sql_node *items = *itemsp;
  const sql_node *sq[MAX_TERMS];
  int k = scalars(items, sq, 0);
  if (k > MAX_TERMS) return sql_binder_fail(b, items, "more than %d subqueries in one select list", MAX_TERMS);
  const sql_node *outside = aggregate ? outside_aggs(items) : NULL; /* those inside: joined below the aggregation */
  if (outside) return sql_binder_fail(b, outside, "not supported yet: a scalar subquery in the select list of an aggregate query grouped by a ROW or a subquery");
  for (int j = 0; j < k; j++)
    if (!(in = scalar_join(b, s, in, sq[j], NULL))) return NULL;
  return in;
}

sql_expr *sql_subq_ref(struct binder *b, const sql_node *n) {
  sql_subq *s = *sql_binder_subq(b);
  for (int i = 0; s && i < s->nrefs; i++)
    if (s->refs[i].node == n) {
      sql_arena *a = sql_binder_arena(b);
      sql_expr *e = col(a, s->refs[i].col, &s->refs[i].type);
      if (e && s->refs[i].count) { /* CASE WHEN c IS NULL THEN 0 ELSE c END */
        sql_expr *c = sql_arena_alloc(a, sizeof *c), *zero = sql_arena_alloc(a, sizeof *zero);
        sql_expr **args = sql_arena_alloc(a, 3 * sizeof *args);
        if (!c || !zero || !args || !(args[0] = is_null(a, e))) return sql_binder_fail(b, n, "out of memory");
        zero->op = SQL_E_LIT, zero->col = -1, zero->type = e->type;
        args[1] = zero, args[2] = e;
        c->op = SQL_E_CASE, c->col = -1, c->n = 3, c->a = args, c->type = e->type;
        c->type.not_null = true;
        e = c;
      }
      return e ? e : sql_binder_fail(b, n, "out of memory");
    }
  return sql_binder_fail(b, n, "not supported yet: a scalar subquery here (only in WHERE and the select list)");
}

/* ---- set operations ---- */

sql_plan *sql_setop_bind(struct binder *b, const sql_node *n, sql_plan *u) {
  sql_arena *a = sql_binder_arena(b);
  bool all = n->flags & SQL_F(ALL);
  char m[512];
  sql_plan *d;
  if (!strcmp(n->text, "union")) return (d = sql_select_distinct(a, u, m, sizeof m)) ? d : sql_binder_fail(b, n, "%s", m);
  bool intersect = n->text[0] == 'i';
  if (all) {
    sql_plan *p = sql_arena_alloc(a, sizeof *p);
    if (!p) return sql_binder_fail(b, n, "out of memory");
    *p = (sql_plan){.kind = SQL_P_SETOP, .ncols = u->ncols, .cols = u->cols, .in = u->in, .in2 = u->in2,
                    .changelog = true, .time_col = -1, .setop = intersect ? SQL_SO_INTERSECT_ALL : SQL_SO_EXCEPT_ALL};
    for (int i = 0; i < p->ncols; i++) p->cols[i].rowtime = false;
    return p;
  }
  /* a semi (anti) join on every column, NULLs equal, then DISTINCT */
  sql_plan *j = sql_join_new(a, u->in, u->in2, "inner", m, sizeof m);
  if (!j) return sql_binder_fail(b, n, "%s", m);
  sql_join *jj = j->join;
  int nc = u->ncols;
  jj->type = intersect ? SQL_J_SEMI : SQL_J_ANTI;
  jj->kind = SQL_JK_REGULAR;
  jj->null_safe = true;
  jj->nkeys = nc;
  jj->lkeys = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)(nc ? nc : 1));
  jj->rkeys = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)(nc ? nc : 1));
  if (!jj->lkeys || !jj->rkeys) return sql_binder_fail(b, n, "out of memory");
  for (int i = 0; i < nc; i++)
    if (!(jj->lkeys[i] = col(a, i, &u->cols[i].type)) || !(jj->rkeys[i] = col(a, i, &u->cols[i].type)))
      return sql_binder_fail(b, n, "out of memory");
  j->ncols = nc;
  j->changelog = !intersect || u->in->changelog || u->in2->changelog;
  return (d = sql_select_distinct(a, j, m, sizeof m)) ? d : sql_binder_fail(b, n, "%s", m);
}
