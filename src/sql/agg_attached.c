/*
 * agg_attached.c -- a window aggregation whose windows come with its input's rows:
 * GROUP BY window_start, window_end (and other keys) over the output of a window
 * aggregation, a window TVF seen through a view or subquery, or a window join
 * (Flink's WindowAttachedWindowingStrategy).  Flink plans such a GROUP BY as a window
 * aggregation, not as a regular one: it emits one final row per window when the
 * watermark passes the window's end, keeps no state past it, and its output is
 * append-only, so a window join or window Top-N can read it (Nexmark q5's
 * MAX(num) per window, joined on the window with the per-auction counts).
 *
 * The window is read from each row: the aggregation is keyed by the group keys and the
 * window's bounds, folds its rows into an accumulator in VALUE state, and an event-time
 * timer at window_end - 1 emits the result and clears the state.  A row whose window has
 * already fired is late and dropped, as in Flink's window operators; the windowed
 * operators upstream emit a window's rows before they forward the watermark that fires
 * it, so their rows are never late here.
 *
 * A window's rows come in a burst (the window operator upstream emits them together), so
 * the accumulator of the last key stays in memory while rows of that key follow, and
 * goes to state when another key comes, and before a watermark, a checkpoint's snapshot
 * or the end of input (the flush hook).
 */
#include <inttypes.h>

#include "../runtime/keyed.h"
#include "rank.h"

/* ---- planning: is the GROUP BY over attached windows? ---- */

/* The windowed node that column col of p comes from unchanged (projections, filters and
 * window joins pass window columns on), and which of its window columns it is
 * (0 window_start, 1 window_end, 2 window_time); NULL when it is none. */
static const sql_plan *win_origin(const sql_plan *p, int col, int *which) {
  while (p && col >= 0) {
    switch (p->kind) {
      case SQL_P_CALC:
        if (p->exprs) {
          const sql_expr *e = p->exprs[col];
          if (e->op != SQL_E_COL) return NULL;
          col = e->col;
        }
        p = p->in;
        continue;
      case SQL_P_WINDOW_TVF:
        if (col < p->in->ncols) {
          p = p->in;
          continue;
        }
        *which = col - p->in->ncols;
        return p;
      case SQL_P_AGG:
        if (p->win.kind == SQL_W_NONE || col < p->nkeys || col >= p->nkeys + 3) return NULL;
        *which = col - p->nkeys;
        return p;
      case SQL_P_JOIN:
        if (p->join->kind != SQL_JK_WINDOW) return NULL;
        if (col >= p->in->ncols) col -= p->in->ncols, p = p->in2;
        else p = p->in;
        continue;
      default: return NULL;
    }
  }
  return NULL;
}

bool sql_window_attach(const sql_plan *in, const int *cols, int n, sql_window *w, int *time_col) {
  if (in->changelog) return false; /* Flink's window aggregation of updates is not built */
  const sql_plan *origin = NULL;
  int col[3] = {-1, -1, -1};
  for (int i = 0; i < n; i++) {
    int which;
    const sql_plan *o = cols[i] >= 0 ? win_origin(in, cols[i], &which) : NULL;
    if (!o) continue;
    if (origin && o != origin) return false; /* the windows of two inputs: which would it be? */
    if (col[which] >= 0 && col[which] != cols[i]) return false;
    origin = o, col[which] = cols[i];
  }
  if (!origin || col[0] < 0 || col[1] < 0) return false;
  const sql_window *ow = &origin->win;
  if (ow->proctime) return false; /* windows of the clock fire by it, not by watermarks */
  *w = *ow;
  if (ow->kind != SQL_W_ATTACHED) w->inner = ow->kind;
  w->kind = SQL_W_ATTACHED;
  w->start_col = col[0], w->end_col = col[1];
  *time_col = col[2];
  return true;
}

/* ---- the operator ---- */

typedef struct attconf {
  const sql_agg *aggs;
  int naggs, nkeys; /* the group keys; window_start and window_end follow them in the key */
  const strom_schema *acc;
} attconf;

typedef struct attlocal {
  strom_state *st;
  strom_row *acc;
  sql_ectx ec;
  sql_distinct *dist; /* DISTINCT aggregates' value counts, per window end */
  strom_row *last;    /* dirty: the input row whose key acc belongs to, not yet in state */
  bool dirty;
  int64_t late;
} attlocal;

static int att_open(strom_ctx *ctx) {
  const attconf *a = strom_ctx_data(ctx);
  attlocal *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  strom_state_desc d = {.name = "window-agg", .kind = STROM_STATE_VALUE, .schema = a->acc};
  if (!(l->st = strom_ctx_state(ctx, &d))) return STROM_EINVAL;
  if (sql_agg_any_distinct(a->aggs, a->naggs) && !(l->dist = rank_distinct_open_windowed(ctx, a->aggs, a->naggs)))
    return STROM_EINVAL;
  return (l->acc = strom_row_new(a->acc)) ? STROM_OK : STROM_ENOMEM;
}

static void att_close(strom_ctx *ctx) {
  attlocal *l = strom_ctx_local(ctx);
  if (!l) return;
  if (l->late) strom__log(STROM_LOG_WARN, "window aggregation: dropped %" PRId64 " late rows", l->late);
  strom_row_free(l->acc);
  strom_row_free(l->last);
  sql_ectx_free(&l->ec);
  sql_distinct_free(l->dist);
  free(l);
}

/* Puts the accumulator kept in memory into its key's state; the current key is then
 * that key. */
static int write_back(strom_ctx *ctx, attlocal *l) {
  if (!l->dirty) return STROM_OK;
  l->dirty = false;
  int rc = strom__ctx_set_key_from_row(ctx, 0, l->last);
  return rc ? rc : strom_state_update(l->st, l->acc);
}

static int att_flush(strom_ctx *ctx, strom_out *out) {
  (void)out;
  return write_back(ctx, strom_ctx_local(ctx));
}

static int att_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input, (void)out;
  const attconf *a = strom_ctx_data(ctx);
  attlocal *l = strom_ctx_local(ctx);
  int ec = a->nkeys + 1, rc;
  if (in->nulls[ec]) return STROM_OK; /* no window (a window column is never NULL upstream) */
  int64_t end = in->v[ec].i;
  if (end - 1 <= strom_ctx_watermark(ctx)) {
    l->late++;
    return STROM_OK;
  }
  if (!l->dirty || !strom__row_prefix_equal(l->last, in, ec + 1)) {
    /* another key: the kept one goes to state, this one's comes from it */
    if (l->dirty && ((rc = write_back(ctx, l)) || (rc = strom__ctx_set_key_from_row(ctx, 0, in)))) return rc;
    const strom_row *cur = strom_state_get(l->st);
    if (cur) {
      strom_row_copy(l->acc, cur);
      if ((rc = strom__row_own_strings(l->acc))) return rc;
    } else {
      sql_agg_init(a->aggs, a->naggs, l->acc);
      if ((rc = strom_ctx_register_event_timer(ctx, end - 1))) return rc;
    }
    if (!l->last && !(l->last = strom_row_new(strom_row_schema(in)))) return STROM_ENOMEM;
    strom_row_copy(l->last, in);
    if ((rc = strom__row_own_strings(l->last))) return rc;
    l->dirty = true;
  }
  sql_ectx_reset(&l->ec);
  rc = sql_agg_add(a->aggs, a->naggs, l->acc, in, false, &l->ec);
  if (!rc && l->dist) rc = rank_distinct_add_window(l->dist, end, l->acc, in, &l->ec);
  if (rc) return strom_ctx_fail(ctx, "%s", l->ec.err);
  return STROM_OK;
}

static int att_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  const attconf *a = strom_ctx_data(ctx);
  attlocal *l = strom_ctx_local(ctx);
  const strom_row *cur = strom_state_get(l->st);
  if (!cur) return STROM_OK;
  const strom_row *key = strom_ctx_key(ctx);
  strom_row *o = strom_out_row(out);
  int nk = a->nkeys + 2;
  for (int i = 0; i < nk; i++) o->nulls[i] = key->nulls[i], o->v[i] = key->v[i];
  strom_row_set_timestamp(o, nk, time); /* window_time: window_end - 1 */
  sql_agg_result(a->aggs, a->naggs, cur, o, nk + 1);
  strom_row_set_kind(o, STROM_INSERT);
  strom_row_set_time(o, time);
  int rc = strom_out_emit(out, o);
  strom_state_clear(l->st);
  if (!rc && l->dist) rc = rank_distinct_drop_window(l->dist, time + 1);
  return rc;
}

strom_stream *sql_attached_agg(sql_build *b, strom_keyed *ks, const sql_agg *aggs, int naggs, int nkeys,
                               const strom_schema *acc, const strom_schema *out) {
  attconf *a = sql_arena_alloc(&b->arena, sizeof *a);
  if (!a) return NULL;
  *a = (attconf){.aggs = aggs, .naggs = naggs, .nkeys = nkeys, .acc = acc};
  strom_process_def d = {.open = att_open, .process = att_process, .close = att_close, .on_timer = att_timer,
                         .flush = att_flush, .data = a, .out_schema = out};
  return strom_set_name(strom_keyed_process(ks, &d), "Window aggregate");
}
