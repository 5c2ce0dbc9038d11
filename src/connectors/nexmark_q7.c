/*
 * nexmark_q7.c -- Nexmark q7, highest bid: the bids with the highest price of each
 * 10 s tumbling window.
 *
 *   SELECT B.auction, B.price, B.bidder, B.dateTime, B.extra FROM bid B
 *   JOIN (SELECT MAX(price) AS maxprice, window_end AS dateTime
 *         FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
 *         GROUP BY window_start, window_end) B1
 *   ON B.price = B1.maxprice
 *   WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime
 *
 * The join's BETWEEN includes both ends, so a bid exactly at a window's end also
 * matches the window before its own (it does not count in that window's maximum).
 *
 * Right after the source, each subtask drops the bids below the highest price it has
 * already seen in their window (they cannot win it), so few bids cross a channel.
 * No operator sees all bids of a window: stage 1 is keyed by (window end, a part of
 * the bids: price mod 64), so a window's bids spread over the subtasks, and keeps per
 * key the highest price and the bids that have it; stage 2, keyed by window end,
 * does the same over stage 1's survivors and emits the window's winners.  Each stage
 * fires at the window's end (not end - 1), when no bid at the end itself can come.
 * A bid at a window's end travels twice: once as a candidate of its own window
 * (contributing to the maximum) and once as a match-only candidate of the window it
 * ends.  The candidate list of a key holds the contributing bids at the current
 * maximum and every match-only bid; it is rebuilt when the maximum rises, which
 * happens about log(n) times for n bids.
 */
#include <stdlib.h>

#include "nexmark_queries.h"

enum { SIZE_MS = 10000, PARTS = 64 };
enum { C_W, C_PART, C_CONTRIB, C_AUCTION, C_PRICE, C_BIDDER, C_TIME, C_EXTRA };

static const char *const BID_SPEC =
    "w BIGINT, part BIGINT, contrib INT, auction BIGINT, price BIGINT, bidder BIGINT, date_time TIMESTAMP(3), extra VARCHAR";
static const char *const OUT_SPEC = "auction BIGINT, price BIGINT, bidder BIGINT, date_time TIMESTAMP(3), extra VARCHAR";
static const char *const MAX_SPEC = "price BIGINT";

static int emit_bid(const strom_row *in, int64_t w, int contrib, strom_out *out) {
  strom_row *r = strom_out_row(out);
  int64_t price = strom_row_get_bigint(in, STROM_NX_BID_PRICE);
  strom_row_set_bigint(r, C_W, w);
  strom_row_set_bigint(r, C_PART, price & (PARTS - 1));
  strom_row_set_int(r, C_CONTRIB, contrib);
  strom_row_set_bigint(r, C_AUCTION, strom_row_get_bigint(in, STROM_NX_BID_AUCTION));
  strom_row_set_bigint(r, C_PRICE, price);
  strom_row_set_bigint(r, C_BIDDER, strom_row_get_bigint(in, STROM_NX_BID_BIDDER));
  strom_row_set_timestamp(r, C_TIME, strom_row_get_timestamp(in, STROM_NX_BID_DATE_TIME));
  size_t n;
  const char *s = strom_row_get_str(in, STROM_NX_BID_EXTRA, &n);
  strom_row_set_str_ref(r, C_EXTRA, s, n);
  return strom_out_emit(out, r);
}

/* The highest price this source subtask has seen in its current and previous window:
 * a bid below it cannot be its window's highest, so it need not travel.  Kept outside
 * the checkpoint on purpose: after a restore it starts again from nothing and only lets
 * more bids through, so the filter never changes the result. */
typedef struct seen_max {
  int64_t w[2], max[2]; /* [0] current window end, [1] the one before */
} seen_max;

static int bids_open(strom_ctx *ctx) {
  seen_max *m = malloc(sizeof *m);
  if (!m) return STROM_ENOMEM;
  *m = (seen_max){{INT64_MIN, INT64_MIN}, {INT64_MIN, INT64_MIN}};
  strom_ctx_set_local(ctx, m);
  return STROM_OK;
}

static void bids_close(strom_ctx *ctx) { free(strom_ctx_local(ctx)); }

/* True if a bid of price for window w can still win it; records the price. */
static bool may_win(seen_max *m, int64_t w, int64_t price, bool contributes) {
  int i = m->w[0] == w ? 0 : m->w[1] == w ? 1 : -1;
  if (i < 0) {
    if (!contributes || w < m->w[0]) return true; /* a window not tracked: let it through */
    m->w[1] = m->w[0], m->max[1] = m->max[0];
    m->w[0] = w, m->max[0] = price;
    return true;
  }
  if (price < m->max[i]) return false;
  if (contributes) m->max[i] = price;
  return true;
}

static int bids(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  if (strom_row_get_int(in, STROM_NX_EVENT_TYPE) != 2) return STROM_OK;
  seen_max *m = strom_ctx_local(ctx);
  int64_t t = strom_row_get_timestamp(in, STROM_NX_BID_DATE_TIME), off = t % SIZE_MS;
  int64_t price = strom_row_get_bigint(in, STROM_NX_BID_PRICE);
  if (off < 0) off += SIZE_MS;
  int rc = STROM_OK;
  if (may_win(m, t - off + SIZE_MS, price, true)) rc = emit_bid(in, t - off + SIZE_MS, 1, out);
  if (!rc && off == 0 && may_win(m, t, price, false)) rc = emit_bid(in, t, 0, out);
  return rc;
}

typedef struct top_local {
  strom_schema *max_s, *cand_s;
  strom_state *max, *cands;
  strom_row *max_row;
  const strom_row **keep;
  strom_row **copies;
  size_t cap;
  bool final; /* stage 2: emit the winners; stage 1: forward the candidates */
} top_local;

static int top_open(strom_ctx *ctx, bool final) {
  top_local *l = calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->final = final;
  l->max_s = strom_schema_parse(MAX_SPEC, NULL, 0);
  l->cand_s = strom_schema_parse(BID_SPEC, NULL, 0);
  l->max_row = l->max_s ? strom_row_new(l->max_s) : NULL;
  l->max = strom_ctx_state(ctx, &(strom_state_desc){.name = "max", .kind = STROM_STATE_VALUE, .schema = l->max_s});
  l->cands = strom_ctx_state(ctx, &(strom_state_desc){.name = "top", .kind = STROM_STATE_LIST, .schema = l->cand_s});
  return l->max && l->cands && l->max_row ? STROM_OK : strom_ctx_fail(ctx, "q7: cannot declare state");
}
static int local_open(strom_ctx *ctx) { return top_open(ctx, false); }
static int final_open(strom_ctx *ctx) { return top_open(ctx, true); }

static void top_close(strom_ctx *ctx) {
  top_local *l = strom_ctx_local(ctx);
  if (!l) return;
  for (size_t i = 0; i < l->cap; i++) strom_row_free(l->copies[i]);
  free(l->copies);
  free(l->keep);
  strom_row_free(l->max_row);
  strom_schema_free(l->max_s);
  strom_schema_free(l->cand_s);
  free(l);
}

/* The maximum rose to in's price: the list becomes the match-only bids plus in. */
static int restart_list(top_local *l, const strom_row *in) {
  size_t n = strom_state_list_size(l->cands), k = 0;
  if (n + 1 > l->cap) {
    size_t cap = (n + 1) * 2;
    const strom_row **keep = realloc(l->keep, cap * sizeof *keep);
    if (!keep) return STROM_ENOMEM;
    l->keep = keep;
    strom_row **copies = realloc(l->copies, cap * sizeof *copies);
    if (!copies) return STROM_ENOMEM;
    for (size_t i = l->cap; i < cap; i++) copies[i] = NULL;
    l->copies = copies;
    l->cap = cap;
  }
  for (size_t i = 0; i < n; i++) {
    const strom_row *c = strom_state_list_get(l->cands, i);
    if (strom_row_get_int(c, C_CONTRIB)) continue;
    /* List rows are valid only until the next list call: keep owned copies. */
    if (!l->copies[k] && !(l->copies[k] = strom_row_new(l->cand_s))) return STROM_ENOMEM;
    strom_row_clear(l->copies[k]);
    int rc = strom_row_copy(l->copies[k], c);
    if (rc) return rc;
    size_t len;
    const char *s = strom_row_get_str(c, C_EXTRA, &len);
    if ((rc = strom_row_set_str(l->copies[k], C_EXTRA, s, len))) return rc;
    l->keep[k] = l->copies[k];
    k++;
  }
  l->keep[k++] = in;
  return strom_state_list_update(l->cands, l->keep, k);
}

static int top_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input, (void)out;
  top_local *l = strom_ctx_local(ctx);
  const strom_row *m = strom_state_get(l->max);
  int rc;
  /* The first contributing bid, or any match-only one (rare, and registering twice
   * is harmless), sets the key's timer; asking the list for its size would cost a
   * pass over it. */
  bool contrib = strom_row_get_int(in, C_CONTRIB);
  if ((!m || !contrib) && (rc = strom_ctx_register_event_timer(ctx, strom_row_get_bigint(in, C_W)))) return rc;
  if (!contrib) return strom_state_add(l->cands, in);
  int64_t price = strom_row_get_bigint(in, C_PRICE);
  if (m && price < strom_row_get_bigint(m, 0)) return STROM_OK;
  if (m && price == strom_row_get_bigint(m, 0)) return strom_state_add(l->cands, in);
  strom_row_set_bigint(l->max_row, 0, price);
  if ((rc = strom_state_update(l->max, l->max_row))) return rc;
  return restart_list(l, in);
}

static int top_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  top_local *l = strom_ctx_local(ctx);
  const strom_row *m = strom_state_get(l->max);
  bool has_max = m != NULL;
  int64_t max = m ? strom_row_get_bigint(m, 0) : 0;
  size_t n = strom_state_list_size(l->cands);
  for (size_t i = 0; i < n; i++) {
    const strom_row *c = strom_state_list_get(l->cands, i);
    bool at_max = has_max && strom_row_get_bigint(c, C_PRICE) == max;
    int rc;
    if (!l->final) {
      /* The window's maximum is at least this key's: a bid below it cannot win. */
      if (!at_max && (strom_row_get_int(c, C_CONTRIB) || (has_max && strom_row_get_bigint(c, C_PRICE) < max))) continue;
      strom_row *r = strom_out_row(out);
      if ((rc = strom_row_copy(r, c))) return rc;
      strom_row_set_time(r, time);
      if ((rc = strom_out_emit(out, r))) return rc;
      continue;
    }
    if (!at_max) continue;
    strom_row *r = strom_out_row(out);
    strom_row_set_bigint(r, 0, strom_row_get_bigint(c, C_AUCTION));
    strom_row_set_bigint(r, 1, strom_row_get_bigint(c, C_PRICE));
    strom_row_set_bigint(r, 2, strom_row_get_bigint(c, C_BIDDER));
    strom_row_set_timestamp(r, 3, strom_row_get_timestamp(c, C_TIME));
    size_t len;
    const char *s = strom_row_get_str(c, C_EXTRA, &len);
    strom_row_set_str_ref(r, 4, s, len);
    if ((rc = strom_out_emit(out, r))) return rc;
    strom__nexmark_latency_sample(strom_ctx_data(ctx), strom_ctx_subtask(ctx), time);
  }
  strom_state_clear(l->cands);
  strom_state_clear(l->max);
  return STROM_OK;
}

strom_stream *strom__nexmark_q7(strom_env *env, strom_stream *events, strom__nexmark_latency *lat) {
  (void)env;
  strom_schema *bs = strom_schema_parse(BID_SPEC, NULL, 0), *os = strom_schema_parse(OUT_SPEC, NULL, 0);
  strom_watermark_strategy ws = strom__nexmark_watermarks(lat);
  strom_stream *b = strom_process(strom_assign_timestamps(events, &ws),
                                  &(strom_process_def){.open = bids_open, .process = bids, .finish = strom__nexmark_input_ended,
                                                       .close = bids_close, .data = lat, .out_schema = bs});
  b = strom_set_name(b, "q7 bids");
  strom_stream *local = strom_keyed_process(strom_key_by(b, "w, part"),
                                            &(strom_process_def){.open = local_open, .process = top_process,
                                                                 .on_timer = top_timer, .close = top_close, .out_schema = bs});
  local = strom_set_uid(strom_set_name(local, "q7 highest bids per part"), "q7-local");
  strom_stream *r = strom_keyed_process(strom_key_by(local, "w"),
                                        &(strom_process_def){.open = final_open, .process = top_process, .on_timer = top_timer,
                                                             .close = top_close, .data = lat, .out_schema = os});
  r = strom_set_uid(strom_set_name(r, "q7 highest bids"), "q7-final");
  strom_schema_free(bs);
  strom_schema_free(os);
  return r;
}
