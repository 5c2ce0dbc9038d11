/*
 * join_winmax.c -- rows joined with the highest (or lowest) value of their own tumbling
 * window, without a regular join.  Nexmark q7 ("the bids at each 10 s window's highest
 * price") is the shape:
 *
 *   SELECT ... FROM bid B JOIN (
 *     SELECT MAX(price) AS maxprice, window_end AS dateTime
 *     FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
 *     GROUP BY window_start, window_end) B1
 *   ON B.price = B1.maxprice
 *   WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime
 *
 * Flink plans it as a regular join (window_end is no time attribute), which keeps every
 * bid in state, keyed by price, forever.  Both sides are the same rows, so the join is
 * an arg-max per window (the rewrite IBM's WinMagic makes of a correlated MAX subquery):
 * a row can match only the windows whose end its time condition allows, and in those
 * only if its value equals the window's maximum, which is at least every value counted
 * in the window.  So each row is sent, tagged, to the windows it meets (whose ends its
 * time condition allows) and to its own (where it counts in the maximum), except where
 * this subtask has already seen a higher value counted there; one keyed operator per
 * window end keeps the maximum so far and the rows that meet the window at it.
 *
 * The result is the regular join's, row for row, including late rows:
 *   - a window's maximum counts the rows the window aggregation would have counted: a
 *     row that comes once the watermark has passed its window's end - 1 is late there
 *     and only joins;
 *   - so the maximum is final when the watermark passes end - 1: the rows held are
 *     emitted, and a row that meets the window later (at its end, or late) is emitted
 *     as it comes, since the window keeps its maximum (one small value per window, as
 *     the regular join keeps the aggregation's row);
 *   - a window without a counted row produced no aggregate row: nothing joins it.
 * The rows come out when their window fires instead of as they pair up; the join's
 * output is append-only either way.
 *
 * What is recognised (else the regular join runs): an inner, regular join with one
 * equi-key, a plain column on each side, of an integer type; one side a CALC of column
 * references over a TUMBLE aggregation with no GROUP BY key besides the window and one
 * MAX or MIN (no DISTINCT, no FILTER); the other side the aggregation's input (a CALC
 * over the same scan with the same filter), append-only, whose key and rowtime columns
 * are the aggregate's argument and the window's time column; and a residual made only
 * of bounds of that rowtime by the window's start, end or time plus constants, above
 * and below, spanning at most four windows.  Not with table.exec.state.ttl (the regular
 * join would forget rows) nor in batch mode.  'strom.optimizer.window-max-join' =
 * 'false' turns it off.
 */
#include <inttypes.h>

#include "../api/api.h"
#include "rank.h"

enum { X_START, X_END, X_TIME, X_AGG }; /* what a column of the aggregation side is */
enum { MAX_SPAN = 4, SEEN = 8 };

typedef struct winmax {
  int probe;             /* the side of the rows: 0 left, 1 right; the other aggregates */
  const sql_plan *y, *x; /* the rows' side and the aggregation's side */
  int key, ts;           /* the rows' compared column and rowtime column */
  int *xcol;             /* per column of x: X_START, X_END, X_TIME or X_AGG */
  int64_t size, offset;
  int64_t lo, hi; /* a row of time t meets the windows ending in [t + lo, t + hi] */
  bool max;       /* MAX (else MIN) */
} winmax;

/* ---- recognition ---- */

/* p as the planner runs it (b NULL: p is, EXPLAIN's optimized plan). */
static const sql_plan *merged(sql_build *b, const sql_plan *p) { return b ? sql_calc_merged(b, p) : p; }

/* The CALC p's column col as an expression over p->in (a column reference when p is
 * no CALC or passes its rows through). */
static const sql_expr *calc_col(const sql_plan *p, int col, sql_expr *tmp) {
  if (p->kind == SQL_P_CALC && p->exprs) return p->exprs[col];
  *tmp = (sql_expr){.op = SQL_E_COL, .col = col, .type = p->cols[col].type};
  return tmp;
}

/* Whether rows y and agg input a are the same rows (a CALC of the same filter over
 * equal plans, or equal plans) and y's columns yc[i] are a's ac[i]. */
static bool same_rows(const sql_plan *y, const sql_plan *a, const int *yc, const int *ac, int n) {
  const sql_plan *yb = y->kind == SQL_P_CALC ? y->in : y, *ab = a->kind == SQL_P_CALC ? a->in : a;
  const sql_expr *ycond = y->kind == SQL_P_CALC ? y->cond : NULL, *acond = a->kind == SQL_P_CALC ? a->cond : NULL;
  if (!sql_plan_equal(yb, ab) || !sql_expr_equal(ycond, acond)) return false;
  for (int i = 0; i < n; i++) {
    sql_expr t1, t2;
    if (!sql_expr_equal(calc_col(y, yc[i], &t1), calc_col(a, ac[i], &t2))) return false;
  }
  return true;
}

static bool int_type(const sql_type *t) {
  return (t->id == STROM_BIGINT || t->id == STROM_INT) && !t->kind && !t->elem;
}

/* x's columns as the aggregation's window bounds and aggregate: x is a CALC of column
 * references (or nothing) over agg. */
static bool agg_side(sql_build *b, sql_arena *ar, const sql_plan *x, winmax *m, const sql_plan **aggp) {
  x = merged(b, x);
  const sql_plan *agg = x->kind == SQL_P_CALC ? x->in : x;
  if (agg->kind != SQL_P_AGG || agg->win.kind != SQL_W_TUMBLE || agg->win.proctime || agg->nkeys || agg->naggs != 1 ||
      agg->changelog || agg->aggs[0].keep_list /* over an updating input */ || agg->gsets || (agg->agg_filters && agg->agg_filters[0]) || agg->aggs[0].distinct ||
      (agg->aggs[0].kind != SQL_AGG_MAX && agg->aggs[0].kind != SQL_AGG_MIN) || !agg->agg_args[0] ||
      agg->agg_args[0]->op != SQL_E_COL || !int_type(&agg->aggs[0].type) || agg->ncols != 4)
    return false;
  if (x->kind == SQL_P_CALC && x->cond) return false;
  int *xc = sql_arena_alloc(ar, sizeof *xc * (size_t)x->ncols);
  if (!xc) return false;
  for (int i = 0; i < x->ncols; i++) {
    sql_expr t;
    const sql_expr *e = calc_col(x, i, &t);
    if (e->op != SQL_E_COL || e->col < 0 || e->col > 3) return false;
    xc[i] = e->col; /* AGG's columns: window_start, window_end, window_time, the aggregate */
  }
  m->xcol = xc, m->x = x, m->size = agg->win.size, m->offset = agg->win.offset, m->max = agg->aggs[0].kind == SQL_AGG_MAX;
  *aggp = agg;
  return true;
}

typedef struct bounds {
  bool has_lo, has_hi;
  int64_t lo, hi;
} bounds;

/* big + (strict ? 0 : 1) > small, over the join's columns: one the rows' rowtime, the
 * other a window bound of x.  Narrows the window ends a row meets. */
static bool ge(const sql_plan *p, const winmax *m, const sql_expr *big, const sql_expr *small, bool strict, bounds *b) {
  int cb, cs, nl = p->in->ncols;
  int64_t ob, os;
  if (!sql_time_term(big, &cb, &ob) || !sql_time_term(small, &cs, &os)) return false;
  int yoff = m->probe ? nl : 0, xoff = m->probe ? 0 : nl;
  bool big_y = cb == yoff + m->ts, small_y = cs == yoff + m->ts;
  int xc = big_y ? cs - xoff : cb - xoff;
  if (big_y == small_y || xc < 0 || xc >= m->x->ncols || m->xcol[xc] == X_AGG) return false;
  int64_t wend = m->xcol[xc] == X_START ? m->size : m->xcol[xc] == X_TIME ? -1 : 0; /* end = column + wend */
  if (big_y) { /* t + ob >= end - wend + os: end <= t + ob + wend - os */
    int64_t h = ob + wend - os - (strict ? 1 : 0);
    if (!b->has_hi || h < b->hi) b->hi = h;
    b->has_hi = true;
  } else { /* end - wend + ob >= t + os: end >= t + os + wend - ob */
    int64_t l = os + wend - ob + (strict ? 1 : 0);
    if (!b->has_lo || l > b->lo) b->lo = l;
    b->has_lo = true;
  }
  return true;
}

static bool conjunct(const sql_plan *p, const winmax *m, const sql_expr *e, bounds *b) {
  switch (e->op) {
    case SQL_E_AND: return conjunct(p, m, e->a[0], b) && conjunct(p, m, e->a[1], b);
    case SQL_E_GE: return ge(p, m, e->a[0], e->a[1], false, b);
    case SQL_E_GT: return ge(p, m, e->a[0], e->a[1], true, b);
    case SQL_E_LE: return ge(p, m, e->a[1], e->a[0], false, b);
    case SQL_E_LT: return ge(p, m, e->a[1], e->a[0], true, b);
    case SQL_E_BETWEEN: return e->aux == 0 && ge(p, m, e->a[0], e->a[1], false, b) && ge(p, m, e->a[2], e->a[0], false, b);
    default: return false;
  }
}

/* Whether join p is the arg-max shape, as seen from probe side `probe`. */
static bool match_side(sql_build *b, sql_arena *ar, const sql_plan *p, int probe, winmax *m) {
  const sql_join *j = p->join;
  *m = (winmax){.probe = probe, .y = merged(b, probe ? p->in2 : p->in)};
  const sql_plan *agg;
  if (!agg_side(b, ar, probe ? p->in : p->in2, m, &agg)) return false;
  const sql_expr *yk = probe ? j->rkeys[0] : j->lkeys[0], *xk = probe ? j->lkeys[0] : j->rkeys[0];
  if (yk->op != SQL_E_COL || xk->op != SQL_E_COL || m->xcol[xk->col] != X_AGG || !int_type(&yk->type) ||
      yk->type.id != xk->type.id || m->y->changelog)
    return false;
  m->key = yk->col;
  /* the rows' rowtime: the aggregation windows its input by it */
  const sql_plan *a = agg->in;
  int atime = agg->time_col;
  if (a->kind == SQL_P_WINDOW_TVF) atime = a->time_col, a = a->in;
  if (atime < 0) return false;
  m->ts = -1;
  for (int c = 0; c < m->y->ncols; c++)
    if (m->y->cols[c].rowtime) m->ts = c;
  if (m->ts < 0) return false;
  int yc[2] = {m->key, m->ts}, ac[2] = {agg->agg_args[0]->col, atime};
  if (!same_rows(m->y, merged(b, a), yc, ac, 2)) return false;
  bounds bd = {0};
  if (!j->residual || !conjunct(p, m, j->residual, &bd) || !bd.has_lo || !bd.has_hi || bd.hi < bd.lo ||
      bd.hi - bd.lo >= MAX_SPAN * m->size)
    return false;
  m->lo = bd.lo, m->hi = bd.hi;
  return true;
}

static bool match(sql_build *b, sql_arena *ar, const sql_plan *p, winmax *m) {
  if (p->kind != SQL_P_JOIN) return false;
  const sql_join *j = p->join;
  if (j->type != SQL_J_INNER || j->kind != SQL_JK_REGULAR || j->nkeys != 1 || j->asof >= 0 || j->null_safe) return false;
  return match_side(b, ar, p, 0, m) || match_side(b, ar, p, 1, m);
}

bool sql_winmax_applies(sql_build *b, const sql_plan *p) {
  const sql_session *s = b->sess;
  if (!s->winmax || s->state_ttl_ms > 0 || s->batch) return false;
  winmax m;
  return match(b, &b->arena, p, &m);
}

/* ---- stage 1: each row tagged with the windows it meets, hopeless ones dropped ---- */

typedef struct seen {
  int64_t end, best;
} seen;

static int tag_open(strom_ctx *ctx) {
  seen *s = malloc(sizeof *s * SEEN);
  if (!s) return STROM_ENOMEM;
  for (int i = 0; i < SEEN; i++) s[i] = (seen){INT64_MIN, 0};
  strom_ctx_set_local(ctx, s);
  return STROM_OK;
}

static void tag_close(strom_ctx *ctx) { free(strom_ctx_local(ctx)); }

static inline bool better(const winmax *m, int64_t a, int64_t b) { return m->max ? a > b : a < b; }

/* The end of the first window whose end is >= t (windows end at offset mod size). */
static int64_t first_end(const winmax *m, int64_t t) {
  int64_t r = (t - m->offset) % m->size;
  if (r < 0) r += m->size;
  return r ? t - r + m->size : t;
}

enum { COUNTS = 1, MEETS = 2 }; /* a copy of a row: in its own window's maximum; may join the window */

/* Emits in's copy for the window ending at end, unless a value this subtask saw
 * counted there beats it: that value was not late here, so it is not late downstream
 * either (whose watermark is no further on), and the window's maximum is at least it. */
static int tag_copy(strom_ctx *ctx, const winmax *m, seen *sn, const strom_row *in, int64_t v, int64_t end, int flags,
                    strom_out *out) {
  seen *s = &sn[(uint64_t)(end / m->size) % SEEN]; /* a slot holds the newest window that maps to it */
  if ((flags & COUNTS) && end - 1 > strom_ctx_watermark(ctx)) {
    if (s->end < end) s->end = end, s->best = v;
    else if (s->end == end && better(m, v, s->best)) s->best = v;
  }
  if (s->end == end && better(m, s->best, v)) return STROM_OK;
  int n = m->y->ncols;
  strom_row *o = strom_out_row(out);
  for (int i = 0; i < n; i++) o->nulls[i] = in->nulls[i], o->v[i] = in->v[i];
  o->nulls[n] = o->nulls[n + 1] = 0;
  o->v[n].i = end, o->v[n + 1].i = flags;
  strom_row_set_kind(o, STROM_INSERT);
  strom_row_set_time(o, strom_row_time(in));
  return strom_out_emit(out, o);
}

static int tag_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const winmax *m = strom_ctx_data(ctx);
  seen *sn = strom_ctx_local(ctx);
  if (in->nulls[m->key] || in->nulls[m->ts]) return STROM_OK; /* NULL joins nothing, counts in no MAX */
  if (strom_row_get_kind(in) != STROM_INSERT) return strom_ctx_fail(ctx, "a window max join got an update row");
  int64_t v = in->v[m->key].i, t = strom_row_get_timestamp(in, m->ts);
  if (t > INT64_MAX / 2 || t < INT64_MIN / 2) return STROM_OK; /* no window ends out there */
  int64_t own = first_end(m, t + 1), from = first_end(m, t + m->lo), to = t + m->hi; /* own: [own - size, own) holds t */
  int rc;
  if ((own < from || own > to) && (rc = tag_copy(ctx, m, sn, in, v, own, COUNTS, out))) return rc;
  for (int64_t end = from; end <= to; end += m->size)
    if ((rc = tag_copy(ctx, m, sn, in, v, end, MEETS | (end == own ? COUNTS : 0), out))) return rc;
  return STROM_OK;
}

/* ---- stage 2: per window end, the best value and the rows at it ---- */

typedef struct wm_op {
  const winmax *m;
  const strom_schema *rows, *acc;
  int ncols_out;
} wm_op;

typedef struct wm_local {
  strom_state *acc_st, *rows_st;
  strom_row *acc;
  rank_rows rows; /* the window's rows, copied out to drop those below a new best */
  const strom_row **keep;
  size_t cap;
} wm_local;

enum { A_BEST, A_FIRED };

static int op_open(strom_ctx *ctx) {
  const wm_op *w = strom_ctx_data(ctx);
  wm_local *l = calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  strom_state_desc ad = {.name = "window-max", .kind = STROM_STATE_VALUE, .schema = w->acc};
  strom_state_desc rd = {.name = "window-max-rows", .kind = STROM_STATE_LIST, .schema = w->rows};
  if (!(l->acc_st = strom_ctx_state(ctx, &ad)) || !(l->rows_st = strom_ctx_state(ctx, &rd))) return STROM_EINVAL;
  l->rows.schema = w->rows;
  return (l->acc = strom_row_new(w->acc)) ? STROM_OK : STROM_ENOMEM;
}

static void op_close(strom_ctx *ctx) {
  wm_local *l = strom_ctx_local(ctx);
  if (!l) return;
  strom_row_free(l->acc);
  rank_rows_free(&l->rows);
  free(l->keep);
  free(l);
}

/* The joined row: the row's columns and the window's, in the join's order. */
static int emit(const wm_op *w, const strom_row *r, int64_t end, int64_t best, strom_out *out) {
  const winmax *m = w->m;
  strom_row *o = strom_out_row(out);
  int ny = m->y->ncols, nx = m->x->ncols, yat = m->probe ? nx : 0, xat = m->probe ? 0 : ny;
  for (int i = 0; i < ny; i++) o->nulls[yat + i] = r->nulls[i], o->v[yat + i] = r->v[i];
  for (int i = 0; i < nx; i++) switch (m->xcol[i]) {
      case X_START: strom_row_set_timestamp(o, xat + i, end - m->size); break;
      case X_END: strom_row_set_timestamp(o, xat + i, end); break;
      case X_TIME: strom_row_set_timestamp(o, xat + i, end - 1); break;
      default: o->nulls[xat + i] = 0, o->v[xat + i].i = best; break;
    }
  strom_row_set_kind(o, STROM_INSERT);
  strom_row_set_time(o, strom_row_time(r));
  return strom_out_emit(out, o);
}

static int op_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const wm_op *w = strom_ctx_data(ctx);
  const winmax *m = w->m;
  wm_local *l = strom_ctx_local(ctx);
  int ny = m->y->ncols, rc, flags = (int)in->v[ny + 1].i;
  int64_t end = in->v[ny].i, v = in->v[m->key].i;
  const strom_row *a = strom_state_get(l->acc_st);
  bool has = a && !a->nulls[A_BEST], fired = a && strom_row_get_int(a, A_FIRED);
  int64_t best = has ? a->v[A_BEST].i : 0;
  if (fired) return (flags & MEETS) && has && v == best ? emit(w, in, end, best, out) : STROM_OK;
  /* late for the window aggregation (its end - 1 passed): may join, does not count */
  bool counts = (flags & COUNTS) && end - 1 > strom_ctx_watermark(ctx), changed = !a;
  if (counts && (!has || better(m, v, best))) {
    if (a) { /* the rows below the new best can match nothing */
      if ((rc = rank_rows_load(&l->rows, l->rows_st))) return rc;
      size_t k = 0;
      if ((size_t)l->rows.n > l->cap) {
        const strom_row **p = realloc(l->keep, sizeof *p * (size_t)l->rows.n);
        if (!p) return STROM_ENOMEM;
        l->keep = p, l->cap = (size_t)l->rows.n;
      }
      for (int i = 0; i < l->rows.n; i++)
        if (!better(m, v, l->rows.r[i]->v[m->key].i)) l->keep[k++] = l->rows.r[i];
      if (k < (size_t)l->rows.n && (rc = strom_state_list_update(l->rows_st, l->keep, k))) return rc;
    }
    has = changed = true, best = v;
  }
  if (changed) {
    /* the window's maximum is final once the watermark passes end - 1, when the window
     * aggregation would emit it */
    if (!a && (rc = strom_ctx_register_event_timer(ctx, end - 1))) return rc;
    if (has) strom_row_set_bigint(l->acc, A_BEST, best);
    else strom_row_set_null(l->acc, A_BEST);
    strom_row_set_int(l->acc, A_FIRED, 0);
    if ((rc = strom_state_update(l->acc_st, l->acc))) return rc;
  }
  if (!(flags & MEETS) || (has && better(m, best, v))) return STROM_OK;
  return strom_state_add(l->rows_st, in);
}

static int op_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  const wm_op *w = strom_ctx_data(ctx);
  int64_t end = time + 1;
  wm_local *l = strom_ctx_local(ctx);
  const strom_row *a = strom_state_get(l->acc_st);
  if (!a) return STROM_OK;
  bool has = !a->nulls[A_BEST];
  int64_t best = a->v[A_BEST].i;
  int rc;
  size_t n = has ? strom_state_list_size(l->rows_st) : 0;
  for (size_t i = 0; i < n; i++) {
    const strom_row *r = strom_state_list_get(l->rows_st, i);
    if (r && r->v[w->m->key].i == best && (rc = emit(w, r, end, best, out))) return rc;
  }
  strom_state_clear(l->rows_st);
  if (has) strom_row_set_bigint(l->acc, A_BEST, best);
  else strom_row_set_null(l->acc, A_BEST);
  strom_row_set_int(l->acc, A_FIRED, 1);
  return strom_state_update(l->acc_st, l->acc);
}

/* ---- planning ---- */

static const strom_schema *owned(sql_build *b, strom_schema *s) {
  if (!s || sql_build_own(b, s, (void (*)(void *))strom_schema_free)) return NULL;
  return s;
}

strom_stream *sql_winmax_stream(sql_build *b, const sql_plan *p) {
  winmax *m = sql_arena_alloc(&b->arena, sizeof *m);
  wm_op *w = sql_arena_alloc(&b->arena, sizeof *w);
  if (!m || !w || !match(b, &b->arena, p, m)) return NULL;
  strom_stream *ys = sql_plan_stream(b, m->y);
  if (!ys) return NULL;
  strom_schema *rs = sql_plan_schema(m->y), *acc = strom_schema_new();
  static const sql_type t_big = {.id = STROM_BIGINT}, t_int = {.id = STROM_INT};
  if (rs && (sql_schema_add(rs, "$window_end", &t_big) || sql_schema_add(rs, "$counts", &t_int)))
    strom_schema_free(rs), rs = NULL;
  if (acc && (sql_schema_add(acc, "best", &t_big) || sql_schema_add(acc, "fired", &t_int)))
    strom_schema_free(acc), acc = NULL;
  const strom_schema *rows = owned(b, rs), *accs = owned(b, acc), *os = owned(b, sql_plan_schema(p));
  if (!rows || !accs || !os) return NULL;
  *w = (wm_op){.m = m, .rows = rows, .acc = accs};
  strom_process_def td = {.open = tag_open, .process = tag_process, .close = tag_close, .data = m, .out_schema = rows};
  strom_stream *tagged = strom_set_name(strom_process(ys, &td), "WindowMaxJoin candidates");
  int kc = m->y->ncols;
  strom_keyed *ks = tagged ? strom__key_by_cols(tagged, &kc, 1) : NULL;
  strom_process_def d = {.open = op_open, .process = op_process, .close = op_close, .on_timer = op_timer,
                         .data = w, .out_schema = os};
  return ks ? strom_set_name(strom_keyed_process(ks, &d), "WindowMaxJoin") : NULL;
}

static void end_plus(strom_buf *o, int64_t ms) {
  strom__buf_printf(o, "window_end");
  if (ms) strom__buf_printf(o, " %c %" PRId64, ms < 0 ? '-' : '+', ms < 0 ? -ms : ms);
}

bool sql_winmax_explain(strom_buf *o, const sql_plan *p, int depth) {
  sql_arena ar = {0};
  winmax m;
  bool ok = match(NULL, &ar, p, &m);
  if (ok) {
    const sql_plan *agg = m.x->kind == SQL_P_CALC ? m.x->in : m.x;
    const sql_col *yc = m.y->cols;
    strom__buf_printf(o, "WindowMaxJoin(joinType=[InnerJoin], window=[TUMBLE(size=%" PRId64 " ms)], where=[%s = %s(%s), %s BETWEEN ",
                      m.size, yc[m.key].name, m.max ? "MAX" : "MIN", agg->in->cols[agg->agg_args[0]->col].name, yc[m.ts].name);
    end_plus(o, -m.hi);
    strom__buf_printf(o, " AND ");
    end_plus(o, -m.lo);
    strom__buf_printf(o, "], select=[");
    for (int i = 0; i < p->ncols; i++) strom__buf_printf(o, "%s%s", i ? ", " : "", p->cols[i].name);
    strom__buf_printf(o, "])\n");
    sql_plan_explain(o, m.y, depth + 1);
  }
  sql_arena_free(&ar);
  return ok;
}
