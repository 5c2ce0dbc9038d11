/*
 * nexmark_q4.c -- Nexmark q4, average closing price per category:
 *
 *   SELECT Q.category, AVG(Q.final) FROM (
 *     SELECT MAX(B.price) AS final, A.category FROM auction A, bid B
 *     WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
 *     GROUP BY A.id, A.category) Q
 *   GROUP BY Q.category
 *
 * Two keyed stages.  The first, keyed by auction id, keeps each auction
 * (category, start, expiry) and its highest qualifying bid so far, and emits a change
 * (category, previous winning price or NULL, new one) whenever that rises.  Bids that
 * arrive before their auction (parallel source subtasks are at different points of
 * the sequence) wait in a list until it comes.  Unlike Flink's regular join, which
 * keeps every bid and auction forever, state is dropped by event time: an auction once
 * the watermark passes its expiry (no qualifying bid can come after), a waiting bid
 * once the watermark passes its own time (its auction, which is older, would have come).
 * The second stage, keyed by category, keeps the sum and count of the winning prices
 * and emits (category, avg) whenever the average changes: an update stream.
 */
#include <stdlib.h>

#include "nexmark_queries.h"

/* An auction (kind 1: category, date_time, expires set) or a bid (kind 2: price, date_time). */
static const char *const EVENT_SPEC =
    "kind INT, auction BIGINT, category BIGINT, date_time TIMESTAMP(3), expires TIMESTAMP(3), price BIGINT";
enum { E_KIND, E_AUCTION, E_CATEGORY, E_TIME, E_EXPIRES, E_PRICE };
static const char *const CHANGE_SPEC = "category BIGINT, old_price BIGINT, new_price BIGINT";
static const char *const AVG_ACC_SPEC = "total BIGINT, n BIGINT, avg BIGINT";
static const char *const OUT_SPEC = "category BIGINT, avg BIGINT";

/* Per source subtask, the highest bid seen lately on each auction (a small
 * direct-mapped table).  A later bid at no higher price cannot raise the auction's
 * winning price: if the earlier bid was within the auction's lifetime the winner is
 * already at least that, and if it was past the expiry so is the later one (a bid is
 * never older than its auction, by the generator's construction).  Such bids are
 * dropped before they cross a channel.  The table is not checkpointed: after a restore
 * it starts empty and only lets more bids through, so it never changes the result. */
enum { SEEN = 4096 };
typedef struct seen_bid {
  int64_t auction, price, time;
} seen_bid;

static int project_open(strom_ctx *ctx) {
  seen_bid *t = calloc(SEEN, sizeof *t);
  if (!t) return STROM_ENOMEM;
  for (int i = 0; i < SEEN; i++) t[i].auction = INT64_MIN;
  strom_ctx_set_local(ctx, t);
  return STROM_OK;
}

static void project_close(strom_ctx *ctx) { free(strom_ctx_local(ctx)); }

static bool may_raise(seen_bid *table, int64_t auction, int64_t price, int64_t time) {
  seen_bid *e = &table[(uint64_t)auction & (SEEN - 1)];
  if (e->auction == auction) {
    if (time >= e->time && price <= e->price) return false;
    if (price > e->price) *e = (seen_bid){auction, price, time};
    return true;
  }
  *e = (seen_bid){auction, price, time};
  return true;
}

/* Auctions and bids in one row shape, so that they share one channel and keep the
 * sequence's order at parallelism 1 (two inputs would be read in any interleaving). */
static int project(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  int type = strom_row_get_int(in, STROM_NX_EVENT_TYPE);
  if (type == 0) return STROM_OK;
  if (type == 2 && !may_raise(strom_ctx_local(ctx), strom_row_get_bigint(in, STROM_NX_BID_AUCTION),
                              strom_row_get_bigint(in, STROM_NX_BID_PRICE), strom_row_get_timestamp(in, STROM_NX_BID_DATE_TIME)))
    return STROM_OK;
  strom_row *r = strom_out_row(out);
  strom_row_set_int(r, E_KIND, type);
  if (type == 1) {
    strom_row_set_bigint(r, E_AUCTION, strom_row_get_bigint(in, STROM_NX_AUCTION_ID));
    strom_row_set_bigint(r, E_CATEGORY, strom_row_get_bigint(in, STROM_NX_AUCTION_CATEGORY));
    strom_row_set_timestamp(r, E_TIME, strom_row_get_timestamp(in, STROM_NX_AUCTION_DATE_TIME));
    strom_row_set_timestamp(r, E_EXPIRES, strom_row_get_timestamp(in, STROM_NX_AUCTION_EXPIRES));
  } else {
    strom_row_set_bigint(r, E_AUCTION, strom_row_get_bigint(in, STROM_NX_BID_AUCTION));
    strom_row_set_bigint(r, E_PRICE, strom_row_get_bigint(in, STROM_NX_BID_PRICE));
    strom_row_set_timestamp(r, E_TIME, strom_row_get_timestamp(in, STROM_NX_BID_DATE_TIME));
  }
  return strom_out_emit(out, r);
}

/* ---- stage 1: the winning bid of each auction ---- */

typedef struct winner_local {
  strom_schema *event_s;
  /* The auction's row, its price column holding the winning price so far (NULL: none),
   * so that a bid costs one state lookup. */
  strom_state *auction, *waiting;
  strom_row *upd;
} winner_local;

static int winner_open(strom_ctx *ctx) {
  winner_local *l = calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->event_s = strom_schema_parse(EVENT_SPEC, NULL, 0);
  l->upd = l->event_s ? strom_row_new(l->event_s) : NULL;
  l->auction = strom_ctx_state(ctx, &(strom_state_desc){.name = "auction", .kind = STROM_STATE_VALUE, .schema = l->event_s});
  l->waiting = strom_ctx_state(ctx, &(strom_state_desc){.name = "waiting", .kind = STROM_STATE_LIST, .schema = l->event_s});
  return l->auction && l->waiting && l->upd ? STROM_OK : strom_ctx_fail(ctx, "q4: cannot declare state");
}

static void winner_close(strom_ctx *ctx) {
  winner_local *l = strom_ctx_local(ctx);
  if (!l) return;
  strom_row_free(l->upd);
  strom_schema_free(l->event_s);
  free(l);
}

static bool qualifies(const strom_row *auction, int64_t bid_time) {
  return bid_time >= strom_row_get_timestamp(auction, E_TIME) && bid_time <= strom_row_get_timestamp(auction, E_EXPIRES);
}

/* Records price as the auction's winning bid if it beats the current one (a is the
 * auction's row, from the state or about to be stored). */
static int raise(winner_local *l, const strom_row *a, int64_t price, strom_out *out) {
  bool had = !strom_row_is_null(a, E_PRICE);
  if (had && strom_row_get_bigint(a, E_PRICE) >= price) return STROM_OK;
  strom_row *c = strom_out_row(out);
  strom_row_set_bigint(c, 0, strom_row_get_bigint(a, E_CATEGORY));
  if (had) strom_row_set_bigint(c, 1, strom_row_get_bigint(a, E_PRICE));
  else strom_row_set_null(c, 1);
  strom_row_set_bigint(c, 2, price);
  int rc = strom_row_copy(l->upd, a);
  strom_row_set_bigint(l->upd, E_PRICE, price);
  if (!rc) rc = strom_state_update(l->auction, l->upd);
  return rc ? rc : strom_out_emit(out, c);
}

static int winner_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  winner_local *l = strom_ctx_local(ctx);
  int rc;
  (void)input;
  if (strom_row_get_int(in, E_KIND) == 1) {
    if ((rc = strom_state_update(l->auction, in))) return rc;
    if ((rc = strom_ctx_register_event_timer(ctx, strom_row_get_timestamp(in, E_EXPIRES)))) return rc;
    size_t n = strom_state_list_size(l->waiting);
    if (!n) return STROM_OK;
    /* The best waiting bid; the list row is only valid until the next list call. */
    int64_t best = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
      const strom_row *b = strom_state_list_get(l->waiting, i);
      if (qualifies(in, strom_row_get_timestamp(b, E_TIME)) && strom_row_get_bigint(b, E_PRICE) > best)
        best = strom_row_get_bigint(b, E_PRICE);
    }
    strom_state_clear(l->waiting);
    return best == INT64_MIN ? STROM_OK : raise(l, in, best, out);
  }
  const strom_row *a = strom_state_get(l->auction);
  if (a) return qualifies(a, strom_row_get_timestamp(in, E_TIME)) ? raise(l, a, strom_row_get_bigint(in, E_PRICE), out) : STROM_OK;
  if ((rc = strom_state_add(l->waiting, in))) return rc;
  return strom_ctx_register_event_timer(ctx, strom_row_get_timestamp(in, E_TIME));
}

static int winner_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)out;
  winner_local *l = strom_ctx_local(ctx);
  const strom_row *a = strom_state_get(l->auction);
  if (a && time < strom_row_get_timestamp(a, E_EXPIRES)) return STROM_OK; /* a waiting bid's timer, auction still open */
  strom_state_clear(l->auction);
  strom_state_clear(l->waiting);
  return STROM_OK;
}

/* ---- stage 2: the average per category ---- */

typedef struct avg_local {
  strom_schema *acc_s;
  strom_state *acc;
  strom_row *next;
} avg_local;

static int avg_open(strom_ctx *ctx) {
  avg_local *l = calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->acc_s = strom_schema_parse(AVG_ACC_SPEC, NULL, 0);
  l->next = l->acc_s ? strom_row_new(l->acc_s) : NULL;
  l->acc = strom_ctx_state(ctx, &(strom_state_desc){.name = "avg", .kind = STROM_STATE_VALUE, .schema = l->acc_s});
  return l->acc && l->next ? STROM_OK : strom_ctx_fail(ctx, "q4: cannot declare state");
}

static void avg_close(strom_ctx *ctx) {
  avg_local *l = strom_ctx_local(ctx);
  if (!l) return;
  strom_row_free(l->next);
  strom_schema_free(l->acc_s);
  free(l);
}

static int avg_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  avg_local *l = strom_ctx_local(ctx);
  const strom_row *acc = strom_state_get(l->acc);
  int64_t total = acc ? strom_row_get_bigint(acc, 0) : 0, n = acc ? strom_row_get_bigint(acc, 1) : 0;
  bool had = acc != NULL;
  int64_t before = had ? strom_row_get_bigint(acc, 2) : 0;
  if (strom_row_is_null(in, 1)) n++;
  else total -= strom_row_get_bigint(in, 1);
  total += strom_row_get_bigint(in, 2);
  int64_t avg = total / n;
  strom_row_set_bigint(l->next, 0, total);
  strom_row_set_bigint(l->next, 1, n);
  strom_row_set_bigint(l->next, 2, avg);
  int rc = strom_state_update(l->acc, l->next);
  if (rc || (had && avg == before)) return rc;
  strom_row *r = strom_out_row(out);
  strom_row_set_bigint(r, 0, strom_row_get_bigint(in, 0));
  strom_row_set_bigint(r, 1, avg);
  return strom_out_emit(out, r);
}

strom_stream *strom__nexmark_q4(strom_env *env, strom_stream *events, strom__nexmark_latency *lat) {
  (void)env, (void)lat; /* not windowed: no latency to measure */
  strom_schema *es = strom_schema_parse(EVENT_SPEC, NULL, 0);
  strom_schema *cs = strom_schema_parse(CHANGE_SPEC, NULL, 0), *os = strom_schema_parse(OUT_SPEC, NULL, 0);
  strom_watermark_strategy ws = strom__nexmark_watermarks(NULL);
  strom_stream *e = strom_process(strom_assign_timestamps(events, &ws), &(strom_process_def){.open = project_open, .process = project, .close = project_close, .out_schema = es});
  e = strom_set_name(e, "q4 auctions and bids");
  strom_stream *changes = strom_keyed_process(
      strom_key_by(e, "auction"), &(strom_process_def){.open = winner_open, .process = winner_process,
                                                       .on_timer = winner_timer, .close = winner_close, .out_schema = cs});
  changes = strom_set_uid(strom_set_name(changes, "q4 winning bids"), "q4-winners");
  strom_stream *r = strom_keyed_process(
      strom_key_by(changes, "category"),
      &(strom_process_def){.open = avg_open, .process = avg_process, .close = avg_close, .out_schema = os});
  r = strom_set_uid(strom_set_name(r, "q4 average per category"), "q4-avg");
  strom_schema_free(es);
  strom_schema_free(cs);
  strom_schema_free(os);
  return r;
}
