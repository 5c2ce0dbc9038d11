/*
 * join_bind.c -- the logical side of joins: a JOIN plan node over two inputs, and the
 * analysis of its condition that chooses what runs it, as Flink's planner does:
 *
 * - equalities between an expression of the left and one of the right are the
 *   equi-join keys (both inputs are partitioned by them);
 * - two bounds on the difference of the inputs' rowtime attributes
 *   (l.ts BETWEEN r.ts - INTERVAL .. AND r.ts + INTERVAL .., or >=/<=/</> pairs) make a
 *   join of append-only inputs an interval join (inner or outer);
 * - l.window_start = r.window_start AND l.window_end = r.window_end over two windowed
 *   inputs (window TVFs or window aggregates) make a window join;
 * - everything else is the residual, a non-equi condition checked on each pair.
 *
 * A regular join keeps every row in state, so its output is a changelog when either
 * input is one or the join is outer; interval and window joins append.
 */
#include "sql_int.h"

sql_plan *sql_join_new(sql_arena *a, sql_plan *l, sql_plan *r, const char *type, char *err, size_t errlen) {
  sql_plan *p = sql_arena_alloc(a, sizeof *p);
  sql_join *j = sql_arena_alloc(a, sizeof *j);
  int n = l->ncols + r->ncols;
  if (!p || !j || !(p->cols = sql_arena_alloc(a, sizeof(sql_col) * (size_t)(n ? n : 1)))) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  p->kind = SQL_P_JOIN;
  p->ncols = n;
  p->time_col = -1;
  p->in = l, p->in2 = r;
  p->join = j;
  if (l->ncols) memcpy(p->cols, l->cols, sizeof(sql_col) * (size_t)l->ncols);
  if (r->ncols) memcpy(p->cols + l->ncols, r->cols, sizeof(sql_col) * (size_t)r->ncols);
  for (int i = 0; i < n; i++) p->cols[i].rowtime = false; /* a join's output carries no time attribute */
  j->type = !strcmp(type, "left") ? SQL_J_LEFT : !strcmp(type, "right") ? SQL_J_RIGHT : !strcmp(type, "full") ? SQL_J_FULL : SQL_J_INNER;
  j->cross = !strcmp(type, "cross");
  for (int i = 0; i < n; i++) /* the side an outer join pads with NULLs is nullable (nullability.c) */
    if (i < l->ncols ? j->type == SQL_J_RIGHT || j->type == SQL_J_FULL : j->type == SQL_J_LEFT || j->type == SQL_J_FULL)
      p->cols[i].type.not_null = false;
  j->ltime = j->rtime = j->lwend = j->rwend = -1;
  j->asof = -1;
  p->changelog = l->changelog || r->changelog || j->type != SQL_J_INNER;
  return p;
}

/* ---- expression helpers ---- */

static int max_col(const sql_expr *e) {
  int m = e->op == SQL_E_COL ? e->col : -1;
  for (int i = 0; i < e->n; i++) {
    int k = max_col(e->a[i]);
    if (k > m) m = k;
  }
  return m;
}

static int min_col(const sql_expr *e) {
  int m = e->op == SQL_E_COL ? e->col : INT32_MAX;
  for (int i = 0; i < e->n; i++) {
    int k = min_col(e->a[i]);
    if (k < m) m = k;
  }
  return m;
}

/* Which input e reads: 0 left, 1 right, 2 none (a constant), -1 both. */
static int side_of(const sql_expr *e, int nl) {
  int lo = min_col(e), hi = max_col(e);
  if (hi < 0) return 2;
  if (hi < nl) return 0;
  if (lo >= nl) return 1;
  return -1;
}

/* A copy of e with column references moved by delta. */
static sql_expr *shift(sql_arena *a, const sql_expr *e, int delta) {
  sql_expr *c = sql_arena_alloc(a, sizeof *c);
  if (!c) return NULL;
  *c = *e;
  if (e->op == SQL_E_COL) c->col += delta;
  if (e->n) {
    if (!(c->a = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)e->n))) return NULL;
    for (int i = 0; i < e->n; i++)
      if (!(c->a[i] = shift(a, e->a[i], delta))) return NULL;
  }
  return c;
}

static sql_expr *and_of(sql_arena *a, sql_expr *x, sql_expr *y) {
  if (!x) return y;
  if (!y) return x;
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **args = sql_arena_alloc(a, 2 * sizeof *args);
  if (!e || !args) return NULL;
  e->op = SQL_E_AND, e->type = (sql_type){.id = STROM_BOOLEAN}, e->n = 2, e->a = args, e->col = -1;
  args[0] = x, args[1] = y;
  return e;
}

static int conjuncts(sql_expr *e, sql_expr **out, int n, int cap) {
  if (!e) return n;
  if (e->op == SQL_E_AND) return conjuncts(e->a[1], out, conjuncts(e->a[0], out, n, cap), cap);
  if (n < cap) out[n] = e;
  return n + 1;
}

/* A time term: a TIMESTAMP column plus or minus a constant number of milliseconds. */
static bool time_term(const sql_expr *e, int *col, int64_t *off) {
  if (e->op == SQL_E_COL && e->type.id == STROM_TIMESTAMP) return *col = e->col, *off = 0, true;
  if ((e->op == SQL_E_ADD || e->op == SQL_E_SUB) && e->n == 2 && e->a[0]->op == SQL_E_COL &&
      e->a[0]->type.id == STROM_TIMESTAMP && e->a[1]->op == SQL_E_LIT && e->a[1]->type.id == STROM_BIGINT) {
    *col = e->a[0]->col;
    *off = e->op == SQL_E_ADD ? e->a[1]->lit.i : -e->a[1]->lit.i;
    return true;
  }
  return false;
}

typedef struct bounds {
  bool has_lo, has_hi;
  int64_t lo, hi; /* right time - left time */
  int lt, rt;
} bounds;

/* x op y on the rowtime attributes of the two sides: narrows b; false if it is not one. */
static bool time_bound(const sql_plan *p, sql_eop op, const sql_expr *x, const sql_expr *y, bounds *b) {
  int cx, cy, nl = p->in->ncols;
  int64_t ox, oy;
  if (!time_term(x, &cx, &ox) || !time_term(y, &cy, &oy)) return false;
  bool xl = cx < nl;
  if (xl == (cy < nl)) return false;
  int lc = xl ? cx : cy, rc = (xl ? cy : cx) - nl;
  if (!p->in->cols[lc].rowtime || !p->in2->cols[rc].rowtime) return false;
  if ((b->lt >= 0 && b->lt != lc) || (b->rt >= 0 && b->rt != rc)) return false;
  /* Written as R + or op L + ol: R - L op ol - or; with the left first, flip op. */
  int64_t v = xl ? ox - oy : oy - ox;
  if (xl) op = op == SQL_E_GE ? SQL_E_LE : op == SQL_E_LE ? SQL_E_GE : op == SQL_E_GT ? SQL_E_LT : SQL_E_GT;
  bool lower = op == SQL_E_GE || op == SQL_E_GT;
  if (op == SQL_E_GT) v++;
  if (op == SQL_E_LT) v--;
  if (lower && (!b->has_lo || v > b->lo)) b->lo = v, b->has_lo = true;
  if (!lower && (!b->has_hi || v < b->hi)) b->hi = v, b->has_hi = true;
  b->lt = lc, b->rt = rc;
  return true;
}

static bool is_time_bound(const sql_plan *p, const sql_expr *c, bounds *b) {
  switch (c->op) {
    case SQL_E_GE: case SQL_E_LE: case SQL_E_GT: case SQL_E_LT: return time_bound(p, c->op, c->a[0], c->a[1], b);
    case SQL_E_BETWEEN: {
      bounds t = *b;
      if (!time_bound(p, SQL_E_GE, c->a[0], c->a[1], &t) || !time_bound(p, SQL_E_LE, c->a[0], c->a[2], &t)) return false;
      *b = t;
      return true;
    }
    default: return false;
  }
}

/* ---- the analysis ---- */

static bool inner_join(const sql_plan *p) { return p->kind == SQL_P_JOIN && p->join->type == SQL_J_INNER; }

/* Adds conjunct c to the innermost inner join of the left-deep chain that has all its
 * columns (a join's columns start with its left input's). */
static void push(sql_arena *a, sql_plan *p, sql_expr *c) {
  int m = max_col(c);
  while (inner_join(p->in) && m < p->in->ncols) p = p->in;
  p->join->cond = and_of(a, p->join->cond, c);
}

/* Wraps *in in a filter on cond (over its columns). */
static bool filter_input(sql_arena *a, sql_plan **in, sql_expr *cond) {
  sql_plan *f = sql_arena_alloc(a, sizeof *f);
  if (!f || !cond) return false;
  f->kind = SQL_P_CALC;
  f->ncols = (*in)->ncols, f->cols = (*in)->cols, f->in = *in, f->cond = cond;
  f->changelog = (*in)->changelog, f->time_col = (*in)->time_col;
  *in = f;
  return true;
}

#define MAX_CONJ 256

static int reanalyze(sql_arena *a, sql_plan *p, char *err, size_t errlen);

static int analyze(sql_arena *a, sql_plan *p, char *err, size_t errlen) {
  sql_join *j = p->join;
  int nl = p->in->ncols;
  sql_expr *c[MAX_CONJ];
  int n = conjuncts(j->cond, c, 0, MAX_CONJ);
  if (n > MAX_CONJ) return snprintf(err, errlen, "a join condition with more than %d ANDed terms", MAX_CONJ), -1;
  j->nkeys = 0;
  j->residual = NULL;
  j->kind = SQL_JK_REGULAR;
  if (!(j->lkeys = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)(n + 1))) ||
      !(j->rkeys = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)(n + 1))))
    return snprintf(err, errlen, "out of memory"), -1;
  /* A condition on one input only filters that input before the join (Flink's filter
   * push-down), unless that input is preserved by an outer join. */
  bool push_l = j->type == SQL_J_INNER || j->type == SQL_J_RIGHT || j->type == SQL_J_SEMI,
       push_r = (j->type == SQL_J_INNER || j->type == SQL_J_LEFT || j->type >= SQL_J_SEMI) && j->asof < 0;
  sql_expr *kept = NULL;
  for (int i = 0; i < n; i++) {
    int sd = side_of(c[i], nl);
    if ((sd == 0 && push_l) || (sd == 1 && push_r)) {
      sql_plan **in = sd ? &p->in2 : &p->in;
      sql_expr *e = sd ? shift(a, c[i], -nl) : c[i];
      if (!e) return snprintf(err, errlen, "out of memory"), -1;
      if (inner_join(*in)) { /* into that join, where it may be a key */
        push(a, *in, e);
        if (reanalyze(a, *in, err, errlen)) return -1;
      } else if (!filter_input(a, in, e)) {
        return snprintf(err, errlen, "out of memory"), -1;
      }
    } else if (!(kept = and_of(a, kept, c[i]))) {
      return snprintf(err, errlen, "out of memory"), -1;
    }
  }
  j->cond = kept;
  n = conjuncts(j->cond, c, 0, MAX_CONJ);
  bounds b = {.lt = -1, .rt = -1};
  sql_expr *timeconds = NULL;
  bool ws = false, we = false;
  for (int i = 0; i < n; i++) {
    sql_expr *e = c[i];
    if (e->op == SQL_E_EQ) {
      int s0 = side_of(e->a[0], nl), s1 = side_of(e->a[1], nl);
      if ((s0 == 0 && s1 == 1) || (s0 == 1 && s1 == 0)) {
        sql_expr *le = s0 == 0 ? e->a[0] : e->a[1], *re = s0 == 0 ? e->a[1] : e->a[0];
        if (le->op == SQL_E_COL && re->op == SQL_E_COL) {
          int8_t lw = p->cols[le->col].wincol, rw = p->cols[re->col].wincol;
          if (lw && lw == rw) {
            ws |= lw == SQL_WIN_START;
            if (lw == SQL_WIN_END) we = true, j->lwend = le->col, j->rwend = re->col - nl;
          }
        }
        j->lkeys[j->nkeys] = le;
        if (!(j->rkeys[j->nkeys++] = shift(a, re, -nl))) return snprintf(err, errlen, "out of memory"), -1;
        continue;
      }
    }
    if (is_time_bound(p, e, &b)) {
      timeconds = and_of(a, timeconds, e);
      continue;
    }
    j->residual = and_of(a, j->residual, e);
  }
  if (j->asof >= 0) { /* FOR SYSTEM_TIME AS OF: tjoin_bind.c */
    j->residual = and_of(a, j->residual, timeconds);
    j->lwend = j->rwend = -1;
    return sql_asof_analyze(a, p, err, errlen);
  }
  bool append = !p->in->changelog && !p->in2->changelog && j->type < SQL_J_SEMI; /* semi/anti: regular only */
  bool inserts = !p->in->changelog && !p->in2->changelog; /* a window join keeps no retractable state */
  if (ws && we && ((append && sql_winjoin_same_windows(p)) || (inserts && sql_winsemi_applies(p)))) {
    j->kind = SQL_JK_WINDOW;
  } else if (b.has_lo && b.has_hi && append) {
    if (b.lo > b.hi) return snprintf(err, errlen, "the join's time bounds can never hold (an empty interval)"), -1;
    j->kind = SQL_JK_INTERVAL;
    j->ltime = b.lt, j->rtime = b.rt, j->lower = b.lo, j->upper = b.hi;
  }
  if (j->kind != SQL_JK_INTERVAL) j->residual = and_of(a, j->residual, timeconds);
  if (j->kind != SQL_JK_WINDOW) j->lwend = j->rwend = -1;
  p->changelog = j->kind == SQL_JK_REGULAR && (!append || j->type != SQL_J_INNER);
  return 0;
}

int sql_join_add_cond(sql_arena *a, sql_plan *p, sql_expr *cond, char *err, size_t errlen) {
  sql_join *j = p->join;
  if (cond && max_col(cond) >= p->ncols) return snprintf(err, errlen, "the join condition reads a column out of range"), -1;
  j->cond = and_of(a, j->cond, cond);
  return analyze(a, p, err, errlen);
}

/* Analyses the left-deep chain of inner joins under p, innermost first, then p. */
static int reanalyze(sql_arena *a, sql_plan *p, char *err, size_t errlen) {
  if (inner_join(p->in) && reanalyze(a, p->in, err, errlen)) return -1;
  return analyze(a, p, err, errlen);
}

int sql_join_push_where(sql_arena *a, sql_plan *in, sql_expr **cond, char *err, size_t errlen) {
  if (!inner_join(in) || !*cond) return 0;
  sql_expr *c[MAX_CONJ];
  int n = conjuncts(*cond, c, 0, MAX_CONJ);
  if (n > MAX_CONJ) return 0; /* leave such a WHERE as a filter */
  for (int i = 0; i < n; i++) push(a, in, c[i]);
  *cond = NULL;
  return reanalyze(a, in, err, errlen);
}
