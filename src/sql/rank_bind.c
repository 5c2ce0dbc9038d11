/*
 * rank_bind.c -- binding OVER windows: aggregates over a frame (SUM(x) OVER (PARTITION
 * BY k ORDER BY rowtime ROWS/RANGE BETWEEN ... PRECEDING AND CURRENT ROW)) and
 * ROW_NUMBER(), which only runs as Flink runs it: under a WHERE on its column that
 * bounds it (rn <= N, rn < N, rn = 1; rn > M or BETWEEN for an offset), turning it into a Top-N, a deduplication
 * (rn = 1 ordered by a time attribute) or a window Top-N (partitioned by window_start
 * and window_end).  The OVER calls of a select list become columns of one SQL_P_OVER
 * node between FROM/WHERE and the projection; the binder resolves each call to its
 * column.  As in Flink, every OVER call of one SELECT must use the same window.
 */
#include <strings.h>

#include "rank.h"

bool sql_call_is_over(const sql_node *n) {
  if (!n || n->kind != SQL_CALL) return false;
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind == SQL_OVER) return true;
  return false;
}

bool sql_node_has_over(const sql_node *n) {
  if (!n || n->kind == SQL_SUBQUERY) return false;
  if (sql_call_is_over(n)) return true;
  for (int i = 0; i < n->nkids; i++)
    if (sql_node_has_over(n->kids[i])) return true;
  return false;
}

static void collect(const sql_node *n, const sql_node **calls, int *k, int cap) {
  if (!n || n->kind == SQL_SUBQUERY) return;
  if (sql_call_is_over(n)) {
    if (*k < cap) calls[*k] = n;
    ++*k;
    return;
  }
  for (int i = 0; i < n->nkids; i++) collect(n->kids[i], calls, k, cap);
}

static const sql_node *kid(const sql_node *n, sql_kind k) {
  for (int i = 0; n && i < n->nkids; i++)
    if (n->kids[i]->kind == k) return n->kids[i];
  return NULL;
}

static void *fail(char *err, size_t errlen, const sql_node *at, const char *msg, const char *arg) {
  if (err[0]) return NULL;
  int k = at ? snprintf(err, errlen, "line %d, column %d: ", at->line, at->col) : 0;
  if (k < 0 || (size_t)k >= errlen) k = 0;
  snprintf(err + k, errlen - (size_t)k, msg, arg ? arg : "");
  return NULL;
}

static char *text_of(sql_arena *a, const sql_node *n) {
  strom_buf t = {0};
  sql_print(n, &t);
  char *s = sql_arena_strndup(a, t.p ? t.p : "", t.len);
  strom__buf_free(&t);
  return s;
}

/* The aggregate an OVER call computes (the result types of the GROUP BY ones). */
static bool over_agg(sql_session *s, sql_arena *a, const sql_plan *in, const sql_node *n, sql_agg *g, sql_expr **arg,
                     char *err, size_t errlen) {
  const char *name = n->text;
  int nargs = 0;
  for (int i = 0; i < n->nkids; i++) {
    if (n->kids[i]->kind == SQL_FILTER) return fail(err, errlen, n, "not supported yet: FILTER in an OVER aggregate", NULL), false;
    if (n->kids[i]->kind != SQL_OVER) nargs++;
  }
  *g = (sql_agg){.arg = -1, .filter = -1, .text = sql_fid_call_text(a, n)}; /* fid_names.c: SUM(a) */
  bool star = nargs == 1 && n->kids[0]->kind == SQL_STAR;
  int fn = sql_over_fn_bind(s, a, in, n, nargs, g, arg, err, errlen); /* over_fns.c: LAG, LEAD, LISTAGG, ... */
  if (fn) return fn > 0;
  if (!strcasecmp(name, "COUNT")) g->kind = star || !nargs ? SQL_AGG_COUNT_STAR : SQL_AGG_COUNT;
  else if (!strcasecmp(name, "SUM")) g->kind = SQL_AGG_SUM;
  else if (!strcasecmp(name, "MIN")) g->kind = SQL_AGG_MIN;
  else if (!strcasecmp(name, "MAX")) g->kind = SQL_AGG_MAX;
  else if (!strcasecmp(name, "AVG")) g->kind = SQL_AGG_AVG;
  else return fail(err, errlen, n, "not supported yet: %s(...) OVER (...)", name), false;
  if (g->kind != SQL_AGG_COUNT_STAR && nargs != 1) return fail(err, errlen, n, "%s takes one argument", name), false;
  if ((n->flags & SQL_F(DISTINCT)) && g->kind != SQL_AGG_MIN && g->kind != SQL_AGG_MAX) {
    if (g->kind == SQL_AGG_COUNT_STAR) return fail(err, errlen, n, "COUNT(DISTINCT ...) needs an argument", NULL), false;
    g->distinct = true;
    g->distinct_arg = text_of(a, n->kids[0]);
  }
  *arg = NULL;
  if (g->kind != SQL_AGG_COUNT_STAR) {
    if (!(*arg = sql_bind_expr(s, a, in->cols, in->ncols, n->kids[0], err, errlen))) return false;
    g->in_type = (*arg)->type.id ? (*arg)->type : (sql_type){.id = STROM_INT};
    if ((g->kind == SQL_AGG_SUM || g->kind == SQL_AGG_AVG) && !sql_type_numeric(&g->in_type))
      return fail(err, errlen, n, "%s needs a numeric argument", name), false;
  }
  switch (g->kind) {
    case SQL_AGG_COUNT:
    case SQL_AGG_COUNT_STAR: g->type = (sql_type){.id = STROM_BIGINT, .not_null = true}; break;
    case SQL_AGG_SUM:
    case SQL_AGG_AVG:
      g->type = g->in_type.id == STROM_DECIMAL
                    ? (sql_type){.id = STROM_DECIMAL, .p = SQL_MAX_PRECISION,
                                 .s = g->kind == SQL_AGG_AVG && g->in_type.s < 6 ? 6 : g->in_type.s}
                    : (sql_type){.id = g->in_type.id};
      if (!g->in_type.kind) g->type.narrow = g->in_type.narrow; /* Flink: SUM/AVG of TINYINT is TINYINT, of FLOAT FLOAT */
      break;
    default: g->type = g->in_type, g->type.not_null = false; break;
  }
  return true;
}

static bool frame(sql_over *o, const sql_node *over, const sql_plan *in, char *err, size_t errlen) {
  bool timed = o->norder == 1 && o->order[0]->op == SQL_E_COL && in->cols[o->order[0]->col].rowtime && !o->desc[0];
  if (!timed && !o->batch_fns && !sql_over_proc_bind(o, over, in, err, errlen)) return false; /* over_proc.c */
  if (!timed && !o->batch_fns && !o->proc) /* batch mode's sorted partitions (over_batch.c) take any ORDER BY */
    return fail(err, errlen, over,
                "OVER aggregates must be ordered by one time attribute, ascending (ORDER BY rowtime); "
                "declare WATERMARK FOR it on its table", NULL), false;
  o->time_col = timed ? o->order[0]->col : -1;
  const sql_node *f = kid(over, SQL_FRAME);
  o->rows = false, o->preceding = -1; /* the default: RANGE UNBOUNDED PRECEDING */
  if (!f) return true;
  o->rows = !strcmp(f->text, "rows");
  const sql_node *start = f->kids[0], *end = f->nkids > 1 ? f->kids[1] : NULL;
  if (end && strcmp(end->text, "current-row"))
    return fail(err, errlen, end, "not supported yet: OVER frames that end after the current row", NULL), false;
  if (!strcmp(start->text, "unbounded-preceding")) return true;
  if (!strcmp(start->text, "current-row")) return o->preceding = 0, true;
  if (strcmp(start->text, "preceding") || start->nkids != 1)
    return fail(err, errlen, start, "an OVER frame must start before the current row", NULL), false;
  const sql_node *v = start->kids[0];
  if (o->rows) {
    char *e;
    long long n = v->kind == SQL_NUMBER ? strtoll(v->text, &e, 10) : -1;
    if (n < 0 || v->kind != SQL_NUMBER || *e)
      return fail(err, errlen, v, "ROWS BETWEEN n PRECEDING wants a non-negative integer", NULL), false;
    o->preceding = n;
    return true;
  }
  if (v->kind != SQL_INTERVAL) return fail(err, errlen, v, "RANGE BETWEEN ... PRECEDING wants an INTERVAL", NULL), false;
  if (!timed && !o->proc)
    return fail(err, errlen, v, "not supported yet: RANGE BETWEEN INTERVAL ... PRECEDING ordered by other than one time attribute, ascending", NULL), false;
  if (!sql_interval_ms(v, &o->preceding, err, errlen)) return false;
  if (o->preceding < 0) return fail(err, errlen, v, "the interval must not be negative", NULL), false;
  return true;
}

/* Whether column col of p is window_start (which 0) or window_end (1) of a window TVF
 * or a window aggregation, followed through projections and filters. */
static bool window_col(const sql_plan *p, int col, int which) {
  for (int depth = 0; p && depth < 1000; depth++) {
    if (p->kind == SQL_P_WINDOW_TVF) return col == p->ncols - 3 + which;
    if (p->kind == SQL_P_AGG) return p->win.kind != SQL_W_NONE && col == p->nkeys + which;
    if (p->kind != SQL_P_CALC) return false;
    if (p->exprs) {
      if (col < 0 || col >= p->ncols || p->exprs[col]->op != SQL_E_COL) return false;
      col = p->exprs[col]->col;
    }
    p = p->in;
  }
  return false;
}

static bool is_rank_call(const sql_node *c) {
  return !strcasecmp(c->text, "ROW_NUMBER") || !strcasecmp(c->text, "RANK") || !strcasecmp(c->text, "DENSE_RANK");
}

/* One OVER node over in for calls[0, n), which share one window. */
static sql_plan *bind_window(sql_session *s, sql_arena *a, sql_plan *in, const sql_node **calls, int n, char *err,
                             size_t errlen) {
  sql_over *o = sql_arena_alloc(a, sizeof *o);
  sql_plan *p = sql_arena_alloc(a, sizeof *p);
  sql_col *cols = sql_arena_alloc(a, sizeof *cols * (size_t)(in->ncols + n));
  if (!o || !p || !cols) return fail(err, errlen, NULL, "out of memory", NULL);
  const sql_node *over = kid(calls[0], SQL_OVER);
  o->text = text_of(a, over);
  /* PARTITION BY, ORDER BY */
  const sql_node *pb = kid(over, SQL_PARTITION_BY), *ob = kid(over, SQL_ORDER_BY);
  o->npart = pb ? pb->nkids : 0;
  o->norder = ob ? ob->nkids : 0;
  o->part = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)(o->npart + 1));
  o->order = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)(o->norder + 1));
  o->desc = sql_arena_alloc(a, sizeof(bool) * (size_t)(o->norder + 1));
  o->nulls_first = sql_arena_alloc(a, sizeof(bool) * (size_t)(o->norder + 1));
  if (!o->part || !o->order || !o->desc || !o->nulls_first) return fail(err, errlen, NULL, "out of memory", NULL);
  o->wend_col = -1;
  bool ws = false;
  for (int i = 0; i < o->npart; i++) {
    if (!(o->part[i] = sql_bind_expr(s, a, in->cols, in->ncols, pb->kids[i], err, errlen))) return NULL;
    if (o->part[i]->op == SQL_E_COL) {
      if (window_col(in, o->part[i]->col, 0)) ws = true;
      if (window_col(in, o->part[i]->col, 1)) o->wend_col = o->part[i]->col;
    }
  }
  o->window = ws && o->wend_col >= 0 && !in->changelog;
  for (int i = 0; i < o->norder; i++) {
    const sql_node *sk = ob->kids[i];
    unsigned fl = sk->kind == SQL_SORT ? sk->flags : 0;
    if (sk->kind == SQL_SORT) sk = sk->kids[0];
    if (!(o->order[i] = sql_bind_expr(s, a, in->cols, in->ncols, sk, err, errlen))) return NULL;
    o->desc[i] = fl & SQL_F(DESC);
    /* Flink sorts NULL as the smallest value unless told otherwise */
    o->nulls_first[i] = (fl & SQL_F(NULLS_FIRST)) ? true : (fl & SQL_F(NULLS_LAST)) ? false : !o->desc[i];
  }
  /* the calls */
  if (in->ncols) memcpy(cols, in->cols, sizeof *cols * (size_t)in->ncols);
  for (int i = 0; i < n; i++) {
    const char *fn = calls[i]->text;
    if (!strcasecmp(fn, "ROW_NUMBER")) o->rank = true;
    else if (!strcasecmp(fn, "RANK")) o->rank = true, o->rank_fn = SQL_RANK_RANK; /* rank_topn.c: ties share a rank */
    else if (!strcasecmp(fn, "DENSE_RANK")) o->rank = true, o->rank_fn = SQL_RANK_DENSE;
  }
  bool is_rank = o->rank;
  /* batch mode sorts each partition (over_batch.c), so any ORDER BY will do */
  bool timed = o->norder == 1 && o->order[0]->op == SQL_E_COL && in->cols[o->order[0]->col].rowtime && !o->desc[0];
  for (int i = 0; i < n && !is_rank; i++)
    if (s->batch && (sql_over_fn_positional(calls[i]) || (!timed && o->norder))) o->batch_fns = true;
  if (in->changelog && !is_rank) /* a Top-N takes updates (it keeps every row), an OVER aggregate does not */
    return fail(err, errlen, calls[0], "not supported yet: OVER aggregates over an updating input", NULL);
  if (o->rank) {
    const char *fn = calls[0]->text;
    if (n != 1) return fail(err, errlen, calls[0], "not supported yet: %s() with other OVER calls in one SELECT", fn);
    if (calls[0]->nkids != 1) return fail(err, errlen, calls[0], "%s() takes no arguments", fn);
    if (!o->norder) return fail(err, errlen, over, "%s() needs ORDER BY in its OVER clause", fn);
    o->rank_out = true;
    const char *rn = sql_fid_hidden_as(a, "$row_number", "w0$o0"); /* fid_names.c: Flink's Rank names it w0$o0 */
    if (!rn) return fail(err, errlen, NULL, "out of memory", NULL);
    cols[in->ncols] = (sql_col){.name = rn, .type = {.id = STROM_BIGINT, .not_null = true}, .hidden = true};
  } else {
    if (!frame(o, over, in, err, errlen)) return NULL;
    o->naggs = n;
    o->aggs = sql_arena_alloc(a, sizeof *o->aggs * (size_t)n);
    o->args = sql_arena_alloc(a, sizeof *o->args * (size_t)n);
    if (!o->aggs || !o->args) return fail(err, errlen, NULL, "out of memory", NULL);
    for (int i = 0; i < n; i++) {
      if (!over_agg(s, a, in, calls[i], &o->aggs[i], &o->args[i], err, errlen)) return NULL;
      char base[24], shown[24], *nm;
      snprintf(base, sizeof base, "$over%d", i), snprintf(shown, sizeof shown, "w0$o%d", i);
      if (!(nm = sql_fid_hidden_as(a, base, shown))) return fail(err, errlen, NULL, "out of memory", NULL); /* fid_names.c */
      cols[in->ncols + i] = (sql_col){.name = nm, .type = o->aggs[i].type, .hidden = true};
    }
  }
  *p = (sql_plan){.kind = SQL_P_OVER, .ncols = in->ncols + n, .cols = cols, .in = in, .changelog = false,
                  .time_col = in->time_col, .over = o};
  return p;
}

/* The OVER calls of a SELECT's items: one OVER node per window.  Streaming takes one
 * window (as Flink's StreamExecOverAggregate); batch mode stacks a node per window (and
 * per ranking call), each adding its columns, as Flink's batch plan does.  *calls_out
 * gets the calls in the order of the columns they add after in's. */
sql_plan *sql_over_bind(sql_session *s, sql_arena *a, sql_plan *in, const sql_node *items, const sql_node ***calls_out,
                        int *ncalls, char *err, size_t errlen) {
  int n = 0;
  collect(items, NULL, &n, 0);
  const sql_node **calls = sql_arena_alloc(a, sizeof *calls * (size_t)n), **order = sql_arena_alloc(a, sizeof *order * (size_t)n);
  bool *taken = sql_arena_alloc(a, sizeof *taken * (size_t)n);
  if (!calls || !order || !taken) return fail(err, errlen, NULL, "out of memory", NULL);
  int k = 0;
  collect(items, calls, &k, n);
  int done = 0;
  sql_plan *p = in;
  for (int i = 0; i < n; i++) {
    if (taken[i]) continue;
    const char *w = text_of(a, kid(calls[i], SQL_OVER));
    bool alone = s->batch && is_rank_call(calls[i]); /* a ranking call is a node of its own */
    int first = done;
    for (int j = i; j < n; j++) {
      if (taken[j] || strcmp(text_of(a, kid(calls[j], SQL_OVER)), w) || (j > i && (alone || (s->batch && is_rank_call(calls[j])))))
        continue;
      taken[j] = true, order[done++] = calls[j];
    }
    if (first && !s->batch)
      return fail(err, errlen, calls[i], "Over Agg: Unsupported use of OVER windows. All aggregates must be computed on the "
                                          "same window.", NULL);
    if (!(p = bind_window(s, a, p, order + first, done - first, err, errlen))) return NULL;
  }
  *calls_out = order;
  *ncalls = n;
  return p;
}

/* ---- the WHERE that makes ROW_NUMBER a Top-N ---- */

static bool constant(const sql_expr *e, int64_t *v) {
  if (e->op == SQL_E_CAST && e->n == 1) e = e->a[0];
  if (e->op != SQL_E_LIT || e->lit.null || (e->type.id != STROM_INT && e->type.id != STROM_BIGINT)) return false;
  *v = e->lit.i;
  return true;
}

static bool is_col(const sql_expr *e, int col) {
  if (e->op == SQL_E_CAST && e->n == 1) e = e->a[0];
  return e->op == SQL_E_COL && e->col == col;
}

/* The bounds a conjunct puts on column col (rn <= N, rn < N, N >= rn, rn = N, rn > M,
 * rn >= M, rn BETWEEN M AND N) into [*lo, *hi]; false if it is no such bound. */
static bool bound_of(const sql_expr *c, int col, int64_t *lo, int64_t *hi) {
  int64_t v, w;
  if (c->op == SQL_E_BETWEEN && c->n == 3 && is_col(c->a[0], col) && constant(c->a[1], &v) && constant(c->a[2], &w)) {
    if (v > *lo) *lo = v;
    if (w < *hi) *hi = w;
    return true;
  }
  if (c->n != 2) return false;
  sql_eop op = c->op;
  const sql_expr *x = c->a[0], *y = c->a[1];
  if (!is_col(x, col)) { /* mirror N >= rn */
    const sql_expr *t = x;
    x = y, y = t;
    op = op == SQL_E_GE ? SQL_E_LE : op == SQL_E_GT ? SQL_E_LT : op == SQL_E_LE ? SQL_E_GE : op == SQL_E_LT ? SQL_E_GT
       : op == SQL_E_EQ ? SQL_E_EQ : SQL_E_NOT;
  }
  if (!is_col(x, col) || !constant(y, &v)) return false;
  switch (op) {
    case SQL_E_LE: w = v; v = INT64_MIN; break;
    case SQL_E_LT: w = v - 1; v = INT64_MIN; break;
    case SQL_E_EQ: w = v; break;
    case SQL_E_GE: w = INT64_MAX; break;
    case SQL_E_GT: w = INT64_MAX; v = v + 1; break;
    default: return false;
  }
  if (v > *lo) *lo = v;
  if (w < *hi) *hi = w;
  return true;
}

/* Whether some conjunct of c bounds col, and the bounds (c unchanged). */
static bool strip_check(const sql_expr *c, int col, int64_t *lo, int64_t *hi) {
  if (c->op == SQL_E_AND) {
    bool l = strip_check(c->a[0], col, lo, hi), r = strip_check(c->a[1], col, lo, hi);
    return l || r;
  }
  return bound_of(c, col, lo, hi);
}

/* cond without the conjuncts that bound col (NULL when none is left). */
static sql_expr *strip(sql_expr *c, int col, int64_t *lo, int64_t *hi) {
  if (c->op == SQL_E_AND) {
    sql_expr *l = strip(c->a[0], col, lo, hi), *r = strip(c->a[1], col, lo, hi);
    if (!l || !r) return l ? l : r;
    c->a[0] = l, c->a[1] = r;
    return c;
  }
  return bound_of(c, col, lo, hi) ? NULL : c;
}

sql_plan *sql_topn_filter(sql_plan *f) {
  sql_plan *x = f->in;
  if (!f->cond || f->exprs || x->kind != SQL_P_CALC || !x->exprs || x->cond || x->in->kind != SQL_P_OVER) return f;
  sql_plan *p = x->in;
  sql_over *o = p->over;
  if (!o->rank || o->limit) return f;
  int rn = -1;
  for (int i = 0; i < x->ncols; i++)
    if (x->exprs[i]->op == SQL_E_COL && x->exprs[i]->col == p->in->ncols) rn = i;
  if (rn < 0) return f;
  int64_t lo = 1, hi = INT64_MAX;
  sql_expr *cond = f->cond;
  /* look first, so that a WHERE that does not bound rn stays as written */
  if (!strip_check(cond, rn, &lo, &hi) || hi == INT64_MAX || hi < 1) return f;
  lo = 1, hi = INT64_MAX;
  sql_expr *rest = strip(cond, rn, &lo, &hi);
  o->limit = hi;
  o->start = lo;
  /* a window Top-N emits final rows; the others update their results */
  p->changelog = x->changelog = f->changelog = !o->window;
  if (!rest) return x;
  f->cond = rest;
  return f;
}

static void refs(const sql_expr *e, bool *used, int n) {
  if (!e) return;
  if (e->op == SQL_E_COL && e->col >= 0 && e->col < n) used[e->col] = true;
  for (int i = 0; i < e->n; i++) refs(e->a[i], used, n);
}

void sql_topn_finish(sql_plan *calc) {
  if (!calc->exprs) return;
  /* down through filters to the projection over a Top-N */
  const sql_plan *x = calc->in;
  bool used[512] = {0};
  while (x->kind == SQL_P_CALC && !x->exprs) {
    if (x->in->kind == SQL_P_OVER) break;
    x = x->in;
  }
  if (x->kind != SQL_P_CALC || !x->exprs || x->in->kind != SQL_P_OVER || x->ncols > 512) return;
  sql_over *o = x->in->over;
  if (!o->rank || !o->limit) return;
  for (int i = 0; i < calc->ncols; i++) refs(calc->exprs[i], used, x->ncols);
  for (const sql_plan *f = calc; f != x; f = f->in) refs(f->cond, used, x->ncols);
  bool out = false;
  for (int i = 0; i < x->ncols; i++)
    if (used[i] && x->exprs[i]->op == SQL_E_COL && x->exprs[i]->col == x->in->in->ncols) out = true;
  o->rank_out = out;
}
