/*
 * subq_agg.c -- subqueries where the binder's joins cannot take them as written: in an
 * aggregate query's select list and HAVING, and in a JOIN's ON condition.  All
 * are rewrites of the syntax tree, before the SELECT is bound, to shapes subq_bind.c and
 * subq_mark.c already plan, as Calcite's SubQueryRemoveRule does for Flink (the
 * subquery is joined above the Aggregate / above the Join's inputs):
 *
 *   SELECT k, SUM(v) + (SELECT MAX(x) FROM t2) FROM t WHERE w GROUP BY k HAVING h
 *   -> SELECT $agg.k AS k, $agg.$a0 + (SELECT MAX(x) FROM t2) AS EXPR$1
 *      FROM (SELECT k, SUM(v) AS $a0, ... FROM t WHERE w GROUP BY k) AS $agg WHERE h'
 *
 * where every aggregate call (outside subqueries) and every group key expression of the
 * select list and HAVING reads its column of $agg, and a group key named qualified
 * inside a subquery (`t.k`, a correlation) reads it too.  HAVING becomes the outer WHERE,
 * so its IN / EXISTS / scalar subqueries (correlated by the group keys or not) are
 * semi / anti joins, marker joins or scalar joins over the aggregate's changelog.
 *
 *   FROM a JOIN b ON c [WHERE w]   (c has a subquery) -> FROM a CROSS JOIN b WHERE c AND w
 *
 * for INNER joins reached from FROM through INNER / CROSS joins only (the same rows; the
 * WHERE's equalities move back into the join as its keys).  In an outer join's ON, each
 * AND term with a subquery reads one side only and becomes a BOOLEAN column of it:
 *
 *   a LEFT JOIN b ON a.k = b.k AND a.x IN (q) -> (SELECT *, a.x IN (q) AS $on0 FROM a) AS a
 *                                                LEFT JOIN b ON a.k = b.k AND a.$on0
 *
 * A term that reads both sides of a LEFT / RIGHT join is computed over a domain of both
 * sides' values (Calcite's rewriteSubQueryOnDomain, see both_sides); one reading columns
 * not qualified by their table, or both sides of a FULL join (as Flink), is refused.  A subquery
 * inside an aggregate call does not split the query: subq_bind.c joins it below the
 * aggregation (Calcite converts it first: it gives the aggregate its rows).
 */
#include <strings.h>

#include "sql_int.h"

#define MAX_ITEMS 256


static const sql_node *kid_of(const sql_node *n, sql_kind k) {
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind == k) return n->kids[i];
  return NULL;
}

bool sql_subq_is_agg(const sql_node *n) {
  static const char *const aggs[] = {"COUNT", "SUM", "MIN", "MAX", "AVG", "STDDEV_POP", "STDDEV_SAMP", "VAR_POP",
                                     "VAR_SAMP", "COLLECT", "LISTAGG", "FIRST_VALUE", "LAST_VALUE"};
  if (n->kind != SQL_CALL || !n->text || kid_of(n, SQL_OVER)) return false;
  for (size_t i = 0; i < sizeof aggs / sizeof *aggs; i++)
    if (!strcasecmp(n->text, aggs[i])) return true;
  return false;
}

static bool has_agg(const sql_node *n) {
  if (!n || n->kind == SQL_SUBQUERY) return false;
  if (sql_subq_is_agg(n)) return true;
  for (int i = 0; i < n->nkids; i++)
    if (has_agg(n->kids[i])) return true;
  return false;
}

static bool has_subq(const sql_node *n) {
  if (!n) return false;
  if (n->kind == SQL_SUBQUERY) return true;
  for (int i = 0; i < n->nkids; i++)
    if (has_subq(n->kids[i])) return true;
  return false;
}

/* A subquery of n outside aggregate calls (those inside are joined below the
 * aggregation, as Calcite converts them first: they give the aggregates their rows). */
static bool subq_outside_agg(const sql_node *n) {
  if (!n || sql_subq_is_agg(n)) return false;
  if (n->kind == SQL_SUBQUERY) return true;
  for (int i = 0; i < n->nkids; i++)
    if (subq_outside_agg(n->kids[i])) return true;
  return false;
}

/* The same expression as written (names compared as SQL compares them). */
static bool same(const sql_node *x, const sql_node *y) {
  if (x->kind != y->kind || x->nkids != y->nkids || x->flags != y->flags) return false;
  if (!x->text != !y->text || (x->text && strcasecmp(x->text, y->text))) return false;
  if (x->kind == SQL_TYPE && (x->p != y->p || x->s != y->s)) return false;
  for (int i = 0; i < x->nkids; i++)
    if (!same(x->kids[i], y->kids[i])) return false;
  return true;
}

static sql_node *id(sql_arena *a, const sql_node *at, const char *text) { return sql_node_new(a, SQL_ID, at, text, 0); }

/* $agg.name */
static sql_node *agg_col(sql_arena *a, const sql_node *at, const char *name) {
  sql_node *f = sql_node_new(a, SQL_FIELD, at, name, 1);
  if (f && !(f->kids[0] = id(a, at, "$agg"))) return NULL;
  return f;
}

typedef struct rw {
  sql_arena *a;
  const sql_node **keys;
  const char **knames;
  int nkeys;
  const sql_node *aggs[MAX_ITEMS];
  int naggs;
  const char *quals[32]; /* the FROM's table names and aliases */
  int nquals;
  bool oom;
  bool legacy; /* GROUP BY TUMBLE/HOP/SESSION(...): its _START/_END/... calls are computed below too */
} rw;

static void from_quals(rw *r, const sql_node *n) {
  if (!n || n->kind == SQL_SUBQUERY || r->nquals == 32) return;
  if (n->kind == SQL_AS) {
    if (n->nkids > 1 && n->kids[1]->kind == SQL_ID) r->quals[r->nquals++] = n->kids[1]->text;
    return;
  }
  if (n->kind == SQL_NAME) {
    if (n->nkids) r->quals[r->nquals++] = n->kids[n->nkids - 1]->text;
    return;
  }
  for (int i = 0; i < n->nkids; i++) from_quals(r, n->kids[i]);
}

static bool outer_qual(const rw *r, const char *q) {
  for (int i = 0; i < r->nquals; i++)
    if (!strcasecmp(r->quals[i], q)) return true;
  return false;
}

/* The group key n reads, or -1: the same expression, or a column named as a key
 * column is (k for t.k, t.k for k); inside a subquery only qualified by an outer table. */
static int key_of(const rw *r, const sql_node *n, bool in_subq) {
  for (int i = 0; i < r->nkeys; i++) {
    const sql_node *k = r->keys[i];
    if (!in_subq && same(n, k)) return i;
    bool kcol = k->kind == SQL_ID || (k->kind == SQL_FIELD && k->kids[0]->kind == SQL_ID);
    if (!kcol) continue;
    if (!in_subq && n->kind == SQL_ID && !strcasecmp(n->text, k->text)) return i;
    if (n->kind == SQL_FIELD && n->nkids == 1 && n->kids[0]->kind == SQL_ID && outer_qual(r, n->kids[0]->text) &&
        !strcasecmp(n->text, k->text) && (k->kind == SQL_ID || !strcasecmp(k->kids[0]->text, n->kids[0]->text)))
      return i;
  }
  return -1;
}

/* TUMBLE_START(...), HOP_END(...), SESSION_ROWTIME(...): a legacy group window's own column */
static bool window_aux(const sql_node *n) {
  static const char *const fns[] = {"TUMBLE_START", "TUMBLE_END", "TUMBLE_ROWTIME", "TUMBLE_PROCTIME", "HOP_START", "HOP_END",
                                    "HOP_ROWTIME", "HOP_PROCTIME", "SESSION_START", "SESSION_END", "SESSION_ROWTIME",
                                    "SESSION_PROCTIME"};
  if (n->kind != SQL_CALL || !n->text) return false;
  for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
    if (!strcasecmp(n->text, fns[i])) return true;
  return false;
}

static const sql_node *replace(rw *r, const sql_node *n, bool in_subq) {
  if (!n) return n;
  if (!in_subq && (sql_subq_is_agg(n) || (r->legacy && window_aux(n)))) {
    int j = 0;
    while (j < r->naggs && r->aggs[j] != n) j++;
    if (j == r->naggs) {
      if (j == MAX_ITEMS) return r->oom = true, n;
      r->aggs[r->naggs++] = n;
    }
    char ab[16];
    snprintf(ab, sizeof ab, "$a%d", j);
    char *nm = sql_fid_hidden_name(r->a, ab, n); /* fid_names.c: EXPLAIN shows the call */
    if (!nm) return r->oom = true, n;
    sql_node *c = agg_col(r->a, n, nm);
    return c ? c : (r->oom = true, n);
  }
  if (n->kind == SQL_ID || n->kind == SQL_FIELD || !in_subq) {
    int k = key_of(r, n, in_subq);
    if (k >= 0) {
      sql_node *c = agg_col(r->a, n, r->knames[k]);
      return c ? c : (r->oom = true, n);
    }
  }
  if (n->kind == SQL_FIELD) return n; /* t.k that is no key: as written */
  bool sub = in_subq || n->kind == SQL_SUBQUERY;
  sql_node *copy = NULL;
  for (int i = 0; i < n->nkids; i++) {
    const sql_node *k = replace(r, n->kids[i], sub);
    if (k == n->kids[i]) continue;
    if (!sql_node_set_kid(r->a, n, &copy, i, k)) return r->oom = true, n;
  }
  return copy ? copy : n;
}

/* The first column read left in n outside subqueries once keys and aggregates read $agg:
 * one neither grouped nor aggregated. */
static const sql_node *loose_column(const sql_node *n) {
  if (!n || n->kind == SQL_SUBQUERY) return NULL;
  if (n->kind == SQL_ID) return n;
  if (n->kind == SQL_FIELD) return n->kids[0]->kind == SQL_ID && !strcmp(n->kids[0]->text, "$agg") ? NULL : n;
  if (n->kind == SQL_NAMED_ARG) return loose_column(n->kids[1]);
  for (int i = 0; i < n->nkids; i++) {
    const sql_node *c = loose_column(n->kids[i]);
    if (c) return c;
  }
  return NULL;
}

static bool legacy_window_key(const sql_node *g) {
  if (g->kind != SQL_CALL || !g->text) return false;
  return !strcasecmp(g->text, "TUMBLE") || !strcasecmp(g->text, "HOP") || !strcasecmp(g->text, "SESSION") ||
         !strcasecmp(g->text, "CUMULATE");
}

static const sql_node *fail(char *err, size_t errlen, const sql_node *at, const char *msg) {
  if (err[0]) return NULL; /* keep the first error */
  if (at) snprintf(err, errlen, "line %d, column %d: %s", at->line, at->col, msg);
  else snprintf(err, errlen, "%s", msg);
  return NULL;
}

/* The aggregate query sel split into the aggregation and a SELECT over it. */
static const sql_node *split_agg(sql_arena *a, const sql_node *sel, char *err, size_t errlen) {
  const sql_node *items = kid_of(sel, SQL_ITEMS), *from = kid_of(sel, SQL_FROM), *where = kid_of(sel, SQL_WHERE),
                 *group = kid_of(sel, SQL_GROUP_BY), *having = kid_of(sel, SQL_HAVING);
  rw *r = sql_arena_alloc(a, sizeof *r);
  if (!r) return fail(err, errlen, sel, "out of memory");
  r->a = a;
  r->nkeys = group ? group->nkids : 0;
  r->keys = sql_arena_alloc(a, sizeof *r->keys * (size_t)(r->nkeys + 1));
  r->knames = sql_arena_alloc(a, sizeof *r->knames * (size_t)(r->nkeys + 1));
  if (!r->keys || !r->knames) return fail(err, errlen, sel, "out of memory");
  for (int i = 0; i < r->nkeys; i++) {
    const sql_node *g = group->kids[i];
    if (g->kind == SQL_ROW || has_subq(g)) return sel; /* bound as written */
    r->legacy |= legacy_window_key(g); /* stays below, not selected: its columns are the _START/_END calls */
    r->keys[i] = g;
    const char *nm = g->kind == SQL_ID || g->kind == SQL_FIELD ? g->text : NULL;
    for (int j = 0; nm && j < i; j++)
      if (!strcasecmp(r->knames[j], nm)) nm = NULL;
    if (!nm) {
      char *x = sql_arena_alloc(a, 16);
      if (!x) return fail(err, errlen, sel, "out of memory");
      snprintf(x, 16, "$g%d", i);
      nm = x;
    }
    r->knames[i] = nm;
  }
  if (from) from_quals(r, from->kids[0]);
  /* the outer select list: each item as the aggregate's columns, named as before */
  sql_node *oitems = sql_node_new(a, SQL_ITEMS, items, NULL, items->nkids);
  if (!oitems) return fail(err, errlen, sel, "out of memory");
  for (int i = 0; i < items->nkids; i++) {
    const sql_node *it = items->kids[i];
    if (it->kind == SQL_STAR) return fail(err, errlen, it, "'*' is not allowed in an aggregate query");
    const sql_node *x = it->kind == SQL_AS ? it->kids[0] : it, *nx = replace(r, x, false);
    if (it->kind == SQL_AS) {
      sql_node *as = sql_node_new(a, SQL_AS, it, NULL, it->nkids);
      if (!as) return fail(err, errlen, sel, "out of memory");
      memcpy(as->kids, it->kids, sizeof(sql_node *) * (size_t)it->nkids);
      as->kids[0] = (sql_node *)nx;
      oitems->kids[i] = as;
      continue;
    }
    char *nm = NULL;
    if (x->kind == SQL_ID || x->kind == SQL_FIELD) nm = (char *)x->text;
    else if ((nm = sql_arena_alloc(a, 24))) snprintf(nm, 24, "EXPR$%d", i);
    sql_node *as = nm ? sql_node_new(a, SQL_AS, it, NULL, 2) : NULL;
    if (!as || !(as->kids[1] = id(a, it, nm))) return fail(err, errlen, sel, "out of memory");
    as->kids[1]->flags = SQL_F(QUOTED);
    as->kids[0] = (sql_node *)nx;
    oitems->kids[i] = as;
  }
  const sql_node *cond = having ? replace(r, having->kids[0], false) : NULL;
  if (r->oom) return fail(err, errlen, sel, "out of memory");
  for (int i = 0; i <= oitems->nkids; i++) {
    const sql_node *c = loose_column(i < oitems->nkids ? oitems->kids[i]->kids[0] : cond);
    if (c) {
      char m[200];
      snprintf(m, sizeof m, "column '%s' is neither in GROUP BY nor inside an aggregate function", c->text);
      return fail(err, errlen, c, m);
    }
  }
  /* SELECT keys, aggregates FROM from WHERE where GROUP BY group (a subquery in an
   * aggregate's argument is joined there, below the aggregation: subq_bind.c) */
  int nlegacy = 0;
  for (int i = 0; i < r->nkeys; i++) nlegacy += legacy_window_key(r->keys[i]);
  int ni = r->nkeys - nlegacy + r->naggs;
  if (!ni) return sel;
  sql_node *isel = sql_node_new(a, SQL_SELECT, sel, NULL, 1 + !!from + !!where + !!group),
           *iitems = sql_node_new(a, SQL_ITEMS, items, NULL, ni);
  if (!isel || !iitems) return fail(err, errlen, sel, "out of memory");
  for (int i = 0, o = 0; i < r->nkeys + r->naggs; i++) {
    const sql_node *x = i < r->nkeys ? r->keys[i] : r->aggs[i - r->nkeys];
    if (i < r->nkeys && legacy_window_key(x)) continue;
    char ab[16];
    snprintf(ab, sizeof ab, "$a%d", i - r->nkeys);
    char *nm = i < r->nkeys ? (char *)r->knames[i] : sql_fid_hidden_name(a, ab, x); /* fid_names.c */
    if (!nm) return fail(err, errlen, sel, "out of memory");
    sql_node *as = sql_node_new(a, SQL_AS, x, NULL, 2);
    if (!as || !(as->kids[1] = id(a, x, nm))) return fail(err, errlen, sel, "out of memory");
    as->kids[1]->flags = SQL_F(QUOTED);
    as->kids[0] = (sql_node *)x;
    iitems->kids[o++] = as;
  }
  int k = 0;
  isel->kids[k++] = iitems;
  if (from) isel->kids[k++] = (sql_node *)from;
  if (where) isel->kids[k++] = (sql_node *)where;
  if (group) isel->kids[k++] = (sql_node *)group;
  /* SELECT items' FROM (isel) AS $agg [WHERE having'] */
  sql_node *sq = sql_node_new(a, SQL_SUBQUERY, sel, NULL, 1), *as = sql_node_new(a, SQL_AS, sel, NULL, 2),
           *ofrom = sql_node_new(a, SQL_FROM, sel, NULL, 1), *osel = sql_node_new(a, SQL_SELECT, sel, NULL, cond ? 3 : 2);
  sql_node *ow = cond ? sql_node_new(a, SQL_WHERE, having, NULL, 1) : NULL;
  if (!sq || !as || !ofrom || !osel || (cond && !ow) || !(as->kids[1] = id(a, sel, "$agg")))
    return fail(err, errlen, sel, "out of memory");
  sq->kids[0] = isel;
  as->kids[0] = sq;
  ofrom->kids[0] = as;
  osel->kids[0] = oitems;
  osel->kids[1] = ofrom;
  if (ow) ow->kids[0] = (sql_node *)cond, osel->kids[2] = ow;
  return osel;
}

/* ---- ON conditions ---- */

typedef struct on_rw {
  sql_arena *a;
  const sql_node *moved[32];
  int nmoved;
  const sql_node *bad;
  bool temporal;   /* bad is the ON of a FOR SYSTEM_TIME AS OF join */
  const char *why; /* else why bad's term cannot be taken apart */
  int ncols;       /* $on columns so far */
} on_rw;

/* n with the ON conditions that hold subqueries taken out into o->moved (inner joins on
 * an inner path only); o->bad: the first that cannot move. */
/* The qualifiers n reads: t of t.c outside subqueries, and inside them those of the
 * outer tables quals lists (correlation); *bare: a column read unqualified outside them. */
static void read_quals(const sql_node *n, bool in_subq, const rw *outer, const char **q, int *nq, bool *bare) {
  if (!n) return;
  if (n->kind == SQL_ID && !in_subq) *bare = true;
  if (n->kind == SQL_FIELD && n->nkids == 1 && n->kids[0]->kind == SQL_ID) {
    const char *t = n->kids[0]->text;
    if ((!in_subq || outer_qual(outer, t)) && *nq < 32) q[(*nq)++] = t;
    return;
  }
  if (n->kind == SQL_AS && in_subq) { /* an alias is no column read */
    read_quals(n->kids[0], in_subq, outer, q, nq, bare);
    return;
  }
  for (int i = 0; i < n->nkids; i++) read_quals(n->kids[i], in_subq || n->kind == SQL_SUBQUERY, outer, q, nq, bare);
}

/* The alias a single table reference is read by (t of `t`, `db.t`, `x AS t`), or NULL. */
static const char *ref_alias(const sql_node *n) {
  if (n->kind == SQL_NAME && n->nkids) return n->kids[n->nkids - 1]->text;
  if (n->kind == SQL_AS && n->nkids > 1 && n->kids[1]->kind == SQL_ID &&
      (n->kids[0]->kind == SQL_NAME || n->kids[0]->kind == SQL_SUBQUERY))
    return n->kids[1]->text;
  return NULL;
}

/* (SELECT *, term AS name FROM side) AS alias */
static sql_node *with_column(sql_arena *a, const sql_node *side, const char *alias, const sql_node *term, const char *name) {
  sql_node *sel = sql_node_new(a, SQL_SELECT, side, NULL, 2), *its = sql_node_new(a, SQL_ITEMS, side, NULL, 2),
           *as = sql_node_new(a, SQL_AS, term, NULL, 2), *fr = sql_node_new(a, SQL_FROM, side, NULL, 1),
           *sq = sql_node_new(a, SQL_SUBQUERY, side, NULL, 1), *out = sql_node_new(a, SQL_AS, side, NULL, 2);
  if (!sel || !its || !as || !fr || !sq || !out || !(its->kids[0] = sql_node_new(a, SQL_STAR, side, NULL, 0)) ||
      !(as->kids[1] = id(a, term, name)) || !(out->kids[1] = id(a, side, alias)))
    return NULL;
  as->kids[0] = (sql_node *)term, its->kids[1] = as;
  fr->kids[0] = (sql_node *)side;
  sel->kids[0] = its, sel->kids[1] = fr;
  sq->kids[0] = sel, out->kids[0] = sq;
  return out;
}

static int and_split(const sql_node *n, const sql_node **out, int k) {
  if (n->kind == SQL_OP && n->text && !strcmp(n->text, "and") && n->nkids == 2)
    return and_split(n->kids[1], out, and_split(n->kids[0], out, k));
  if (k < 64) out[k] = n;
  return k + 1;
}

static sql_node *op2(sql_arena *a, const sql_node *at, const char *op, const sql_node *x, const sql_node *y) {
  sql_node *n = x && y ? sql_node_new(a, SQL_OP, at, op, 2) : NULL;
  if (n) n->kids[0] = (sql_node *)x, n->kids[1] = (sql_node *)y;
  return n;
}

static sql_node *qfield(sql_arena *a, const sql_node *at, const char *t, const char *c) {
  sql_node *f = sql_node_new(a, SQL_FIELD, at, c, 1);
  if (f && !(f->kids[0] = id(a, at, t))) return NULL;
  return f;
}

/* The column names n reads qualified by t (outside and inside subqueries), at most 32. */
static void cols_of(const sql_node *n, const char *t, const char **out, int *k) {
  if (!n) return;
  if (n->kind == SQL_FIELD && n->nkids == 1 && n->kids[0]->kind == SQL_ID) {
    if (strcasecmp(n->kids[0]->text, t)) return;
    for (int i = 0; i < *k; i++)
      if (!strcmp(out[i], n->text)) return;
    if (*k < 32) out[(*k)++] = n->text;
    return;
  }
  for (int i = 0; i < n->nkids; i++) cols_of(n->kids[i], t, out, k);
}

/* (SELECT [DISTINCT] items FROM from) */
static sql_node *select_of(sql_arena *a, const sql_node *at, sql_node *items, const sql_node *from, bool distinct) {
  sql_node *sel = sql_node_new(a, SQL_SELECT, at, NULL, 2), *fr = sql_node_new(a, SQL_FROM, at, NULL, 1),
           *sq = sql_node_new(a, SQL_SUBQUERY, at, NULL, 1);
  if (!sel || !fr || !sq || !items) return NULL;
  fr->kids[0] = (sql_node *)from;
  sel->kids[0] = items, sel->kids[1] = fr;
  if (distinct) sel->flags = SQL_F(DISTINCT);
  sq->kids[0] = sel;
  return sq;
}

static sql_node *as_of(sql_arena *a, const sql_node *at, const sql_node *x, const char *name) {
  sql_node *as = x ? sql_node_new(a, SQL_AS, at, NULL, 2) : NULL;
  if (!as || !(as->kids[1] = id(a, at, name))) return NULL;
  as->kids[0] = (sql_node *)x;
  return as;
}

/* A term of an outer join's ON reading both sides, as Calcite's SubQueryRemoveRule
 * rewrites it over a domain (rewriteSubQueryOnDomain): the distinct values of the
 * columns it reads of each side, crossed, give the term as a column $onN (its subquery
 * joined there, correlated to the domain's columns, which keep the sides' names); the
 * side that keeps its rows' NULL padding (the right of a LEFT join, the left of a RIGHT
 * one) is joined to the domain on its own columns, and the term becomes `<other side's
 * columns> = side.$dN_i AND side.$onN`.  A row whose read columns hold a NULL meets no
 * domain row (as Calcite's equalities).  NULL with *why when it cannot. */
/* Flink cannot plan it either: Calcite's SubQueryRemoveRule joins the subquery to the
 * join's right input under a correlation over both inputs, which Flink's decorrelation
 * leaves in the plan (TableException "unexpected correlate variable $cor0 in the plan");
 * Calcite's later domain rewrite would pad a right row once per distinct left value. */
static const char full_both[] = "a FULL join";

static const sql_node *both_sides(on_rw *o, const sql_node *n, const sql_node *term, const sql_node **side, const char **why) {
  sql_arena *a = o->a;
  if (!n->text || (strcmp(n->text, "left") && strcmp(n->text, "right")))
    return *why = full_both, NULL;
  const char *al[2] = {ref_alias(side[0]), ref_alias(side[1])};
  if (!al[0] || !al[1]) return *why = "it reads both sides, and a side is not one table", NULL;
  const char *cn[2][32];
  int nc[2] = {0, 0};
  for (int s = 0; s < 2; s++) cols_of(term, al[s], cn[s], &nc[s]);
  if (nc[0] >= 32 || nc[1] >= 32) return *why = "it reads more than 31 columns of a side", NULL;
  int id0 = o->ncols++, keep = strcmp(n->text, "left") ? 0 : 1; /* the side the domain joins */
  char *dn = sql_arena_alloc(a, 16), *on = sql_arena_alloc(a, 16);
  if (!dn || !on) return NULL;
  snprintf(dn, 16, "$d%d", id0), snprintf(on, 16, "$on%d", id0);
  /* (SELECT DISTINCT al.c, ... FROM side) AS al, for each side */
  const sql_node *dom[2];
  for (int s = 0; s < 2; s++) {
    sql_node *its = sql_node_new(a, SQL_ITEMS, term, NULL, nc[s] ? nc[s] : 1);
    if (!its) return NULL;
    for (int k = 0; k < nc[s]; k++)
      if (!(its->kids[k] = qfield(a, term, al[s], cn[s][k]))) return NULL;
    if (!nc[s] && !(its->kids[0] = sql_node_new(a, SQL_NUMBER, term, "1", 0))) return NULL;
    if (!(dom[s] = as_of(a, term, select_of(a, term, its, side[s], true), al[s]))) return NULL;
  }
  /* (SELECT al0.c AS $dN_0, ..., al1.c AS ..., term AS $onN FROM dom0 CROSS JOIN dom1) AS $dN */
  int nd = nc[0] + nc[1];
  sql_node *its = sql_node_new(a, SQL_ITEMS, term, NULL, nd + 1), *cj = sql_node_new(a, SQL_JOIN, term, "cross", 2);
  if (!its || !cj) return NULL;
  cj->kids[0] = (sql_node *)dom[0], cj->kids[1] = (sql_node *)dom[1];
  const char *dcol[64];
  for (int s = 0, k = 0; s < 2; s++)
    for (int c = 0; c < nc[s]; c++, k++) {
      char *nm = sql_arena_alloc(a, 24);
      if (!nm) return NULL;
      snprintf(nm, 24, "$d%d_%d", id0, k);
      dcol[k] = nm;
      if (!(its->kids[k] = as_of(a, term, qfield(a, term, al[s], cn[s][c]), nm))) return NULL;
    }
  if (!(its->kids[nd] = as_of(a, term, term, on))) return NULL;
  const sql_node *d = as_of(a, term, select_of(a, term, its, cj, false), dn);
  if (!d) return NULL;
  /* (SELECT keep.*, $dN.<other side's columns>, $dN.$onN FROM keep JOIN d ON keep.c = $dN.$dN_k ...) AS keep */
  int other = 1 - keep, base_other = other == 0 ? 0 : nc[0], base_keep = keep == 0 ? 0 : nc[0];
  sql_node *kits = sql_node_new(a, SQL_ITEMS, term, NULL, nc[other] + 2), *star = sql_node_new(a, SQL_STAR, term, NULL, 1);
  if (!kits || !star || !(star->kids[0] = id(a, term, al[keep]))) return NULL;
  kits->kids[0] = star;
  for (int c = 0; c < nc[other]; c++)
    if (!(kits->kids[1 + c] = as_of(a, term, qfield(a, term, dn, dcol[base_other + c]), dcol[base_other + c]))) return NULL;
  if (!(kits->kids[1 + nc[other]] = as_of(a, term, qfield(a, term, dn, on), on))) return NULL;
  const sql_node *jc = NULL;
  for (int c = 0; c < nc[keep]; c++) {
    sql_node *eq = op2(a, term, "=", qfield(a, term, al[keep], cn[keep][c]), qfield(a, term, dn, dcol[base_keep + c]));
    if (!(jc = jc ? op2(a, term, "and", jc, eq) : eq)) return NULL;
  }
  sql_node *j = sql_node_new(a, SQL_JOIN, term, jc ? "inner" : "cross", jc ? 3 : 2), *jon = jc ? sql_node_new(a, SQL_ON, term, NULL, 1) : NULL;
  if (!j || (jc && !jon)) return NULL;
  j->kids[0] = (sql_node *)side[keep], j->kids[1] = (sql_node *)d;
  if (jc) jon->kids[0] = (sql_node *)jc, j->kids[2] = jon;
  if (!(side[keep] = as_of(a, term, select_of(a, term, kits, j, false), al[keep]))) return NULL;
  /* the term: other.c = keep.$dN_k AND ... AND keep.$onN */
  const sql_node *nt = qfield(a, term, al[keep], on);
  for (int c = nc[other] - 1; c >= 0 && nt; c--)
    nt = op2(a, term, "and", op2(a, term, "=", qfield(a, term, al[other], cn[other][c]), qfield(a, term, al[keep], dcol[base_other + c])), nt);
  return nt;
}

/* An outer join's ON whose AND terms hold subqueries, as Calcite's SubQueryRemoveRule
 * joins a subquery below the join: each such term reads one side only (its columns
 * qualified), so it becomes a BOOLEAN column of that side, `(SELECT *, term AS $onN FROM
 * side) AS side`, and the ON reads `side.$onN` (a NULL or FALSE term matches nothing, as
 * before).  NULL with o->bad set when a term reads both sides or unqualified columns, or a
 * side is not one table. */
static const sql_node *outer_on(on_rw *o, const sql_node *n, const sql_node *on, const sql_node *l, const sql_node *r) {
  const sql_node *t[64];
  int nt = and_split(on->kids[0], t, 0);
  if (nt > 64) return o->bad = on, o->why = "more than 64 AND terms", NULL;
  const sql_node *side[2] = {l, r};
  for (int i = 0; i < nt; i++) {
    if (!has_subq(t[i])) continue;
    rw sq[2] = {{.a = o->a}, {.a = o->a}};
    from_quals(&sq[0], side[0]);
    from_quals(&sq[1], side[1]);
    rw both = {.a = o->a};
    from_quals(&both, side[0]), from_quals(&both, side[1]);
    const char *q[32];
    int nq = 0;
    bool bare = false;
    read_quals(t[i], false, &both, q, &nq, &bare);
    if (bare) return o->bad = t[i], o->why = "it reads columns not qualified by their table (write t.col)", NULL;
    int s = 1; /* reads no column: either side; the right one */
    bool in0 = false, in1 = false;
    for (int k = 0; k < nq; k++) in0 |= outer_qual(&sq[0], q[k]), in1 |= outer_qual(&sq[1], q[k]);
    if (in0 && in1) {
      const char *why = NULL;
      const sql_node *bt = both_sides(o, n, t[i], side, &why);
      if (!bt && why) o->bad = t[i], o->why = why;
      if (!bt) return NULL;
      t[i] = bt;
      continue;
    }
    if (in0) s = 0;
    const char *alias = ref_alias(side[s]);
    if (!alias) return o->bad = t[i], o->why = "the side it reads is not one table", NULL;
    char *nm = sql_arena_alloc(o->a, 16);
    if (!nm) return NULL;
    snprintf(nm, 16, "$on%d", o->ncols++);
    if (!(side[s] = with_column(o->a, side[s], alias, t[i], nm))) return NULL;
    sql_node *f = sql_node_new(o->a, SQL_FIELD, t[i], nm, 1);
    if (!f || !(f->kids[0] = id(o->a, t[i], alias))) return NULL;
    t[i] = f;
  }
  const sql_node *c = t[0];
  for (int i = 1; i < nt; i++) {
    sql_node *x = sql_node_new(o->a, SQL_OP, t[i], "and", 2);
    if (!x) return NULL;
    x->kids[0] = (sql_node *)c, x->kids[1] = (sql_node *)t[i];
    c = x;
  }
  sql_node *j = sql_node_new(o->a, SQL_JOIN, n, n->text, n->nkids), *non = sql_node_new(o->a, SQL_ON, on, NULL, 1);
  if (!j || !non) return NULL;
  j->flags = n->flags;
  memcpy(j->kids, n->kids, sizeof(sql_node *) * (size_t)n->nkids);
  j->kids[0] = (sql_node *)side[0], j->kids[1] = (sql_node *)side[1];
  non->kids[0] = (sql_node *)c;
  for (int i = 2; i < j->nkids; i++)
    if (j->kids[i]->kind == SQL_ON) j->kids[i] = non;
  return j;
}

static const sql_node *take_on(on_rw *o, const sql_node *n, bool inner_path) {
  if (!n || n->kind != SQL_JOIN || o->bad) return n;
  bool inner = n->text && (!strcmp(n->text, "inner") || !strcmp(n->text, "cross"));
  const sql_node *on = kid_of(n, SQL_ON);
  sql_node *copy = NULL;
  for (int i = 0; i < 2 && i < n->nkids; i++) {
    const sql_node *k = take_on(o, n->kids[i], inner_path && inner);
    if (k == n->kids[i]) continue;
    if (!copy) {
      if (!(copy = sql_node_new(o->a, n->kind, n, n->text, n->nkids))) return NULL;
      copy->flags = n->flags;
      memcpy(copy->kids, n->kids, sizeof(sql_node *) * (size_t)n->nkids);
    }
    copy->kids[i] = (sql_node *)k;
  }
  if (on && has_subq(on->kids[0])) {
    bool temporal = n->kids[0]->kind == SQL_SYSTEM_TIME || (n->nkids > 1 && n->kids[1]->kind == SQL_SYSTEM_TIME);
    if (temporal || o->nmoved == 32) {
      o->temporal = temporal;
      o->bad = on;
      return n;
    }
    if (!inner || !inner_path) {
      const sql_node *j = outer_on(o, n, on, copy ? copy->kids[0] : n->kids[0], copy ? copy->kids[1] : n->kids[1]);
      return j ? j : o->bad ? n : NULL;
    }
    o->moved[o->nmoved++] = on->kids[0];
    sql_node *c = sql_node_new(o->a, SQL_JOIN, n, "cross", 2);
    if (!c) return NULL;
    c->flags = n->flags;
    c->kids[0] = copy ? copy->kids[0] : n->kids[0];
    c->kids[1] = copy ? copy->kids[1] : n->kids[1];
    return c;
  }
  return copy ? copy : n;
}

static const sql_node *move_on(sql_arena *a, const sql_node *sel, char *err, size_t errlen) {
  const sql_node *from = kid_of(sel, SQL_FROM);
  if (!from || from->kids[0]->kind != SQL_JOIN) return sel;
  on_rw o = {.a = a};
  const sql_node *j = take_on(&o, from->kids[0], true);
  if (!j) return fail(err, errlen, sel, "out of memory");
  if (o.bad) {
    char m[300];
    if (o.temporal) /* its join would go below the temporal join, where the time attribute is none any more */
      snprintf(m, sizeof m, "not supported: a subquery in the ON condition of a FOR SYSTEM_TIME AS OF join (its join "
                            "would take the left table's time attribute, which Flink refuses too: temporal table join "
                            "currently only supports 'FOR SYSTEM_TIME AS OF' left table's time attribute field)");
    else if (o.why == full_both)
      snprintf(m, sizeof m, "not supported: a subquery in the ON condition of a FULL join that reads both sides (Flink "
                            "cannot plan it either: its decorrelation leaves an unexpected correlate variable in the plan)");
    else snprintf(m, sizeof m, "not supported yet: this subquery in the ON condition of an outer join (%s)", o.why);
    return fail(err, errlen, o.bad, m);
  }
  if (j == from->kids[0]) return sel;
  if (!o.nmoved) { /* outer joins' ON terms as columns of a side: only the FROM changes */
    sql_node *s = sql_node_new(a, SQL_SELECT, sel, NULL, sel->nkids), *nf = sql_node_new(a, SQL_FROM, from, NULL, 1);
    if (!s || !nf) return fail(err, errlen, sel, "out of memory");
    nf->kids[0] = (sql_node *)j;
    s->flags = sel->flags;
    for (int i = 0; i < sel->nkids; i++) s->kids[i] = sel->kids[i]->kind == SQL_FROM ? nf : sel->kids[i];
    return s;
  }
  const sql_node *where = kid_of(sel, SQL_WHERE);
  const sql_node *c = where ? where->kids[0] : NULL;
  for (int i = o.nmoved - 1; i >= 0; i--) {
    if (!c) {
      c = o.moved[i];
      continue;
    }
    sql_node *x = sql_node_new(a, SQL_OP, o.moved[i], "and", 2);
    if (!x) return fail(err, errlen, sel, "out of memory");
    x->kids[0] = (sql_node *)o.moved[i], x->kids[1] = (sql_node *)c;
    c = x;
  }
  sql_node *s = sql_node_new(a, SQL_SELECT, sel, NULL, sel->nkids + !where);
  sql_node *nf = sql_node_new(a, SQL_FROM, from, NULL, 1), *nw = sql_node_new(a, SQL_WHERE, where ? where : sel, NULL, 1);
  if (!s || !nf || !nw) return fail(err, errlen, sel, "out of memory");
  nf->kids[0] = (sql_node *)j;
  nw->kids[0] = (sql_node *)c;
  s->flags = sel->flags;
  int k = 0;
  for (int i = 0; i < sel->nkids; i++) {
    const sql_node *x = sel->kids[i];
    if (x->kind == SQL_FROM) {
      s->kids[k++] = nf;
      if (!where) s->kids[k++] = nw;
    } else s->kids[k++] = x->kind == SQL_WHERE ? nw : (sql_node *)x;
  }
  return s;
}

const sql_node *sql_subq_select_rewrite(sql_arena *a, const sql_node *sel, char *err, size_t errlen) {
  if (sel->kind != SQL_SELECT || kid_of(sel, SQL_ORDER_BY) || kid_of(sel, SQL_LIMIT) || kid_of(sel, SQL_OFFSET))
    return sel; /* sort_bind.c binds the SELECT without them, which comes back here */
  if ((sel->flags & SQL_F(DISTINCT)) && kid_of(sel, SQL_ITEMS) && has_subq(kid_of(sel, SQL_ITEMS))) {
    /* SELECT DISTINCT * FROM (the SELECT without DISTINCT) AS $d: the subqueries join
     * below the DISTINCT's grouping (which the binder treats as an aggregation) */
    sql_node *in = sql_node_new(a, SQL_SELECT, sel, NULL, sel->nkids), *sq = sql_node_new(a, SQL_SUBQUERY, sel, NULL, 1),
             *as = sql_node_new(a, SQL_AS, sel, NULL, 2), *fr = sql_node_new(a, SQL_FROM, sel, NULL, 1),
             *its = sql_node_new(a, SQL_ITEMS, sel, NULL, 1), *d = sql_node_new(a, SQL_SELECT, sel, NULL, 2);
    if (!in || !sq || !as || !fr || !its || !d || !(as->kids[1] = id(a, sel, "$d")) ||
        !(its->kids[0] = sql_node_new(a, SQL_STAR, sel, NULL, 0)))
      return fail(err, errlen, sel, "out of memory");
    memcpy(in->kids, sel->kids, sizeof(sql_node *) * (size_t)sel->nkids);
    in->flags = sel->flags & ~SQL_F(DISTINCT);
    sq->kids[0] = in, as->kids[0] = sq, fr->kids[0] = as;
    d->kids[0] = its, d->kids[1] = fr;
    d->flags = SQL_F(DISTINCT);
    return d;
  }
  const sql_node *s = move_on(a, sel, err, errlen);
  if (!s) return NULL;
  const sql_node *items = kid_of(s, SQL_ITEMS), *group = kid_of(s, SQL_GROUP_BY), *having = kid_of(s, SQL_HAVING);
  if (!items || sql_node_has_over(items)) return s;
  bool aggregate = group || has_agg(items) || (having && has_agg(having->kids[0]));
  if (aggregate && (subq_outside_agg(items) || (having && subq_outside_agg(having->kids[0]))))
    return split_agg(a, s, err, errlen);
  return s;
}
