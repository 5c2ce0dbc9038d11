/*
 * rank_cumulate.c -- the CUMULATE window TVF (Flink's cumulating windows): windows
 * that share a start, every `size`, and end every `step` after it, so a row at ts is
 * in [start, start + k*step) for every k with start + k*step > ts.  Without an
 * aggregation the TVF repeats the row once per window (planner.c's TVF operator asks
 * here which windows).  A window aggregation over it is a keyed operator with one
 * accumulator per window end in MAP state and an event-time timer per window end; a
 * row whose step-sized slice has ended (slice end - 1 <= watermark) is late and
 * dropped from every window, as Flink's slicing window operator does.  Results are
 * final +I rows.  DISTINCT aggregates (the daily cumulative distinct count Flink's docs
 * motivate CUMULATE with) keep value counts per window end, dropped when it fires.
 * TUMBLE and HOP aggregations with DISTINCT aggregates run here too (one accumulator and
 * one set of value counts per window, late by slice as HOP is elsewhere), so they need
 * not keep the window's rows.  Over a PROCTIME() attribute the windows are those of the
 * operator's clock when the row arrives (as Flink assigns them) and fire on
 * processing-time timers; nothing is late.
 */
#include <inttypes.h>

#include "rank.h"

/* The start of t's window or slice of length m, windows starting at off + k * m. */
static int64_t floor_to(int64_t t, int64_t m, int64_t off) { return t - (((t - off) % m) + m) % m; }

/* The CUMULATE windows a row at ts belongs to (ends ascending). */
static int cumulate_windows(const sql_window *w, int64_t ts, int64_t *starts, int64_t *ends, int cap) {
  int64_t start = floor_to(ts, w->size, w->offset);
  int n = 0;
  for (int64_t end = start + w->slide; end <= start + w->size && n < cap; end += w->slide)
    if (end > ts) starts[n] = start, ends[n] = end, n++;
  return n;
}

/* The windows of a row at ts for CUMULATE, TUMBLE and HOP (ends ascending). */
static int windows_of(const sql_window *w, int64_t ts, int64_t *starts, int64_t *ends, int cap) {
  if (w->kind == SQL_W_CUMULATE) return cumulate_windows(w, ts, starts, ends, cap);
  int64_t slide = w->kind == SQL_W_HOP ? w->slide : w->size, last = floor_to(ts, slide, w->offset);
  int n = 0;
  for (int64_t start = last - ((w->size - 1) / slide) * slide; start <= last && n < cap; start += slide)
    if (start + w->size > ts) starts[n] = start, ends[n] = start + w->size, n++;
  return n;
}

/* The slices rows are late by: a row whose slice has fired is dropped from every window. */
static int64_t slice_of(const sql_window *w) { return w->kind == SQL_W_TUMBLE ? w->size : w->slide; }

typedef struct cumu {
  const sql_agg *aggs;
  int naggs, nkeys, tcol, rows_col;
  bool real_keys;
  const strom_schema *acc, *end_schema;
  sql_window w;
} cumu;

typedef struct cumu_local {
  strom_state *st;
  strom_row *end, *acc;
  int64_t *starts, *ends; /* a row's windows */
  int cap;
  sql_ectx ec;
  sql_distinct *dist;
} cumu_local;

static int cumu_open(strom_ctx *ctx) {
  const cumu *c = strom_ctx_data(ctx);
  cumu_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  strom_state_desc d = {.name = "cumulate", .kind = STROM_STATE_MAP, .schema = c->acc, .map_key_schema = c->end_schema};
  if (!(l->st = strom_ctx_state(ctx, &d))) return STROM_EINVAL;
  if (sql_agg_any_distinct(c->aggs, c->naggs) && !(l->dist = rank_distinct_open_windowed(ctx, c->aggs, c->naggs)))
    return STROM_EINVAL;
  l->end = strom_row_new(c->end_schema);
  l->acc = strom_row_new(c->acc);
  int64_t step = c->w.kind == SQL_W_TUMBLE ? c->w.size : c->w.slide, n = c->w.size / step + 2;
  if (n > 1000000) return strom_ctx_fail(ctx, "a window of %" PRId64 " steps is too many", n);
  l->cap = (int)n;
  l->starts = strom__calloc((size_t)n, sizeof *l->starts);
  l->ends = strom__calloc((size_t)n, sizeof *l->ends);
  return l->end && l->acc && l->starts && l->ends ? STROM_OK : STROM_ENOMEM;
}

static void cumu_close(strom_ctx *ctx) {
  cumu_local *l = strom_ctx_local(ctx);
  if (!l) return;
  strom_row_free(l->end);
  strom_row_free(l->acc);
  sql_ectx_free(&l->ec);
  sql_distinct_free(l->dist);
  free(l->starts);
  free(l->ends);
  free(l);
}

static int cumu_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input, (void)out;
  const cumu *c = strom_ctx_data(ctx);
  cumu_local *l = strom_ctx_local(ctx);
  /* processing time: the windows of this operator's clock, as Flink assigns them (the
   * PROCTIME() value was read upstream, and a window may have fired since) */
  if (!c->w.proctime && in->nulls[c->tcol]) return STROM_OK;
  int64_t ts = c->w.proctime ? strom_ctx_now(ctx) : in->v[c->tcol].i;
  int64_t slice = slice_of(&c->w);
  if (!c->w.proctime && floor_to(ts, slice, c->w.offset) + slice - 1 <= strom_ctx_watermark(ctx)) return STROM_OK; /* its slice fired */
  strom_row_kind kind = strom_row_get_kind(in); /* an updating input's -U/-D retract from their windows */
  bool retract = kind == STROM_UPDATE_BEFORE || kind == STROM_DELETE;
  int64_t *st = l->starts, *en = l->ends;
  int nw = windows_of(&c->w, ts, st, en, l->cap);
  for (int i = 0; i < nw; i++) {
    strom_row_set_bigint(l->end, 0, en[i]);
    const strom_row *cur = strom_state_map_get(l->st, l->end);
    int rc;
    if (cur) {
      strom_row_clear(l->acc);
      if ((rc = strom_row_copy(l->acc, cur)) || (rc = strom__row_own_strings(l->acc))) return rc;
    } else {
      sql_agg_init(c->aggs, c->naggs, l->acc);
      strom_row_set_bigint(l->acc, c->rows_col, 0);
    }
    sql_ectx_reset(&l->ec);
    if (sql_agg_add(c->aggs, c->naggs, l->acc, in, retract, &l->ec) ||
        (l->dist && (retract ? rank_distinct_retract_window : rank_distinct_add_window)(l->dist, en[i], l->acc, in, &l->ec)))
      return strom_ctx_fail(ctx, "%s", l->ec.err[0] ? l->ec.err : "a DISTINCT aggregate failed");
    l->acc->v[c->rows_col].i += retract ? -1 : 1;
    if ((rc = strom_state_map_put(l->st, l->end, l->acc)) ||
        /* processing time: at the end itself, when no row can join the window any more (a
         * row of the clock's last millisecond in it would otherwise fire it twice) */
        (rc = c->w.proctime ? strom_ctx_register_processing_timer(ctx, en[i])
                            : strom_ctx_register_event_timer(ctx, en[i] - 1)))
      return rc;
  }
  return STROM_OK;
}

static int cumu_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  const cumu *c = strom_ctx_data(ctx);
  cumu_local *l = strom_ctx_local(ctx);
  int64_t we = c->w.proctime ? time : time + 1;
  strom_row_set_bigint(l->end, 0, we);
  const strom_row *acc = strom_state_map_get(l->st, l->end);
  if (!acc) return STROM_OK;
  if (acc->v[c->rows_col].i <= 0) { /* emptied by retractions: no row, as Flink */
    int rc = strom_state_map_remove(l->st, l->end);
    if (!rc && l->dist) rc = rank_distinct_drop_window(l->dist, we);
    return rc;
  }
  strom_row *o = strom_out_row(out);
  int k = 0;
  if (c->real_keys) {
    const strom_row *key = strom_ctx_key(ctx);
    for (; k < c->nkeys; k++) o->nulls[k] = key->nulls[k], o->v[k] = key->v[k];
  }
  strom_row_set_timestamp(o, k, c->w.kind == SQL_W_CUMULATE ? floor_to(we - 1, c->w.size, c->w.offset) : we - c->w.size);
  strom_row_set_timestamp(o, k + 1, we);
  strom_row_set_timestamp(o, k + 2, we - 1);
  sql_agg_result(c->aggs, c->naggs, acc, o, k + 3);
  int rc = strom_out_emit(out, o);
  if (!rc) rc = strom_state_map_remove(l->st, l->end);
  if (!rc && l->dist) rc = rank_distinct_drop_window(l->dist, we);
  return rc;
}

strom_stream *sql_cumulate_agg(sql_build *b, strom_keyed *ks, const sql_agg *aggs, int naggs, int nkeys,
                               bool real_keys, int tcol, const strom_schema *acc, const strom_schema *out,
                               const sql_window *w) {
  if (tcol < 0) {
    sql_build_fail(b, "CUMULATE needs a time attribute");
    return NULL;
  }
  cumu *c = sql_arena_alloc(&b->arena, sizeof *c);
  strom_schema *es = strom_schema_new();
  if (!c || !es || strom_schema_add(es, "window_end", STROM_BIGINT) ||
      sql_build_own(b, es, (void (*)(void *))strom_schema_free))
    return NULL;
  *c = (cumu){.aggs = aggs, .naggs = naggs, .nkeys = nkeys, .tcol = tcol, .rows_col = strom_schema_ncols(acc) - 1,
              .real_keys = real_keys, .acc = acc, .end_schema = es, .w = *w};
  strom_process_def d = {.open = cumu_open, .process = cumu_process, .close = cumu_close, .on_timer = cumu_timer,
                         .data = c, .out_schema = out};
  return strom_set_name(strom_keyed_process(ks, &d), "Window aggregate (cumulate)");
}
