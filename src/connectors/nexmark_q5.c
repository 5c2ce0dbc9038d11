/*
 * nexmark_q5.c -- Nexmark q5, hot items: the auctions with the most bids in each
 * sliding window of 10 s every 2 s.
 *
 *   SELECT auction, num FROM (bid counts per auction and HOP window) AuctionBids
 *   JOIN (the maximum count per window) MaxBids
 *   ON same window AND AuctionBids.num >= MaxBids.maxn
 *
 * Stage 1 counts bids per auction and window: an event-time sliding window with a
 * reduce, which the runtime runs as panes of 2 s merged when a window fires; a filter
 * chained to it drops the counts below one it already passed for the window.  Stage 2,
 * keyed by the window's end, keeps the largest count seen so far and the auctions that
 * have it (the list restarts when a larger count arrives) and emits them when the
 * watermark passes the window: every count of the window has arrived by then, since
 * stage 1 emits a window's counts before it forwards the watermark that fired them.
 */
#include <stdlib.h>

#include "nexmark_queries.h"

enum { SIZE_MS = 10000, SLIDE_MS = 2000 };

static const char *const BID_SPEC = "auction BIGINT, num BIGINT";
static const char *const OUT_SPEC = "auction BIGINT, num BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3)";
static const char *const MAX_SPEC = "num BIGINT";

static int bids(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)ctx, (void)input;
  if (strom_row_get_int(in, STROM_NX_EVENT_TYPE) != 2) return STROM_OK;
  strom_row *r = strom_out_row(out);
  strom_row_set_bigint(r, 0, strom_row_get_bigint(in, STROM_NX_BID_AUCTION));
  strom_row_set_bigint(r, 1, 1);
  return strom_out_emit(out, r);
}

static int add_counts(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(acc, 0));
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + strom_row_get_bigint(in, 1));
  return STROM_OK;
}

static int with_window(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out) {
  if (n != 1) return strom_ctx_fail(ctx, "q5: expected one count per window, got %zu", n);
  strom_row *r = strom_out_row(out);
  strom_row_set_bigint(r, 0, strom_row_get_bigint(rows[0], 0));
  strom_row_set_bigint(r, 1, strom_row_get_bigint(rows[0], 1));
  strom_row_set_timestamp(r, 2, strom_ctx_window_start(ctx));
  strom_row_set_timestamp(r, 3, strom_ctx_window_end(ctx));
  return strom_out_emit(out, r);
}

/* Right after the counting (chained to it), each subtask drops the counts below the
 * highest it has already emitted for the same window: they cannot be the window's
 * maximum.  A window's counts come out together when it fires, so remembering the
 * latest window is enough.  Not checkpointed: a window fires within one watermark, so
 * no checkpoint falls inside it, and starting empty only lets more through. */
typedef struct seen_count {
  int64_t window_end, max;
} seen_count;

static int below_open(strom_ctx *ctx) {
  seen_count *m = malloc(sizeof *m);
  if (!m) return STROM_ENOMEM;
  *m = (seen_count){INT64_MIN, INT64_MIN};
  strom_ctx_set_local(ctx, m);
  return STROM_OK;
}

static void below_close(strom_ctx *ctx) { free(strom_ctx_local(ctx)); }

static int drop_below(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  seen_count *m = strom_ctx_local(ctx);
  int64_t end = strom_row_get_timestamp(in, 3), num = strom_row_get_bigint(in, 1);
  if (end != m->window_end) *m = (seen_count){end, num};
  else if (num < m->max) return STROM_OK;
  else m->max = num;
  return strom_out_emit(out, in);
}

typedef struct hot_local {
  strom_schema *max_s, *cand_s;
  strom_state *max, *cands;
  strom_row *max_row;
} hot_local;

static int hot_open(strom_ctx *ctx) {
  hot_local *l = calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->max_s = strom_schema_parse(MAX_SPEC, NULL, 0);
  l->cand_s = strom_schema_parse(OUT_SPEC, NULL, 0);
  l->max_row = l->max_s ? strom_row_new(l->max_s) : NULL;
  l->max = strom_ctx_state(ctx, &(strom_state_desc){.name = "max", .kind = STROM_STATE_VALUE, .schema = l->max_s});
  l->cands = strom_ctx_state(ctx, &(strom_state_desc){.name = "hot", .kind = STROM_STATE_LIST, .schema = l->cand_s});
  return l->max && l->cands && l->max_row ? STROM_OK : strom_ctx_fail(ctx, "q5: cannot declare state");
}

static void hot_close(strom_ctx *ctx) {
  hot_local *l = strom_ctx_local(ctx);
  if (!l) return;
  strom_row_free(l->max_row);
  strom_schema_free(l->max_s);
  strom_schema_free(l->cand_s);
  free(l);
}

static int hot_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input, (void)out;
  hot_local *l = strom_ctx_local(ctx);
  const strom_row *m = strom_state_get(l->max);
  int64_t num = strom_row_get_bigint(in, 1);
  if (m && num < strom_row_get_bigint(m, 0)) return STROM_OK;
  if (m && num == strom_row_get_bigint(m, 0)) return strom_state_add(l->cands, in);
  int rc;
  if (!m && (rc = strom_ctx_register_event_timer(ctx, strom_row_get_timestamp(in, 3) - 1))) return rc;
  strom_row_set_bigint(l->max_row, 0, num);
  if ((rc = strom_state_update(l->max, l->max_row))) return rc;
  const strom_row *one[1] = {in};
  return strom_state_list_update(l->cands, one, 1);
}

static int hot_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  hot_local *l = strom_ctx_local(ctx);
  strom__nexmark_latency *lat = strom_ctx_data(ctx);
  size_t n = strom_state_list_size(l->cands);
  for (size_t i = 0; i < n; i++) {
    strom_row *r = strom_out_row(out);
    int rc = strom_row_copy(r, strom_state_list_get(l->cands, i));
    strom_row_set_time(r, time);
    if (rc || (rc = strom_out_emit(out, r))) return rc;
    strom__nexmark_latency_sample(lat, strom_ctx_subtask(ctx), time + 1);
  }
  strom_state_clear(l->cands);
  strom_state_clear(l->max);
  return STROM_OK;
}

strom_stream *strom__nexmark_q5(strom_env *env, strom_stream *events, strom__nexmark_latency *lat) {
  (void)env;
  strom_schema *bs = strom_schema_parse(BID_SPEC, NULL, 0), *os = strom_schema_parse(OUT_SPEC, NULL, 0);
  strom_watermark_strategy ws = strom__nexmark_watermarks(lat);
  strom_stream *b = strom_process(strom_assign_timestamps(events, &ws),
                                  &(strom_process_def){.process = bids, .finish = strom__nexmark_input_ended, .data = lat, .out_schema = bs});
  b = strom_set_name(b, "q5 bids");
  strom_stream *counts = strom_window(strom_key_by(b, "auction"),
                                      &(strom_window_def){.assigner = strom_sliding(SIZE_MS, SLIDE_MS), .reduce = add_counts,
                                                          .process = with_window, .out_schema = os});
  counts = strom_set_uid(strom_set_name(counts, "q5 bids per auction and window"), "q5-counts");
  counts = strom_process(counts, &(strom_process_def){.open = below_open, .process = drop_below, .close = below_close});
  counts = strom_set_name(counts, "q5 counts that may be the highest");
  strom_stream *r = strom_keyed_process(strom_key_by(counts, "window_end"),
                                        &(strom_process_def){.open = hot_open, .process = hot_process, .on_timer = hot_timer,
                                                             .close = hot_close, .data = lat, .out_schema = os});
  r = strom_set_uid(strom_set_name(r, "q5 hottest per window"), "q5-hottest");
  strom_schema_free(bs);
  strom_schema_free(os);
  return r;
}
