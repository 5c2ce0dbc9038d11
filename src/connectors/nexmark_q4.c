/*
 * nexmark_q4.c -- Nexmark q4, average closing price per category:
 *
 *   SELECT Q.category, AVG(Q.final) FROM (
 *     SELECT MAX(B.price) AS final, A.category FROM auction A, bid B
 *     WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
 *     GROUP BY A.id, A.category) Q
 *   GROUP BY Q.category
 *
 * Two keyed stages.  The first, keyed by a bucket of auction ids, keeps each auction
 * (category, start, expiry) and its highest qualifying bid so far, and emits a change
 * (category, previous winning price or NULL, new one) whenever that rises.  Bids that
 * arrive before their auction (parallel source subtasks are at different points of
 * the sequence) wait in a list until it comes.  Unlike Flink's regular join, which
 * keeps every bid and auction forever, state is dropped by event time: an auction once
 * the watermark passes its expiry (no qualifying bid can come after), a waiting bid
 * once the watermark passes its own time (its auction, which is older, would have
 * come), both at the next whole second of event time (one timer per bucket and second).
 * The second stage, keyed by category, keeps the sum and count of the winning prices
 * and emits (category, avg) whenever the average changes: an update stream.
 */
#include <stdlib.h>

#include "nexmark_queries.h"

/* An auction (kind 1: category, date_time, expires set) or a bid (kind 2: price, date_time). */
static const char *const EVENT_SPEC =
    "kind INT, auction BIGINT, category BIGINT, date_time TIMESTAMP(3), expires TIMESTAMP(3), price BIGINT, bucket BIGINT";
enum { E_KIND, E_AUCTION, E_CATEGORY, E_TIME, E_EXPIRES, E_PRICE, E_BUCKET };
enum { BUCKET_IDS = 64, GRAIN_MS = 1000 }; /* stage 1: auctions per key, cleanup interval */
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
  int64_t id = type == 1 ? strom_row_get_bigint(in, STROM_NX_AUCTION_ID) : strom_row_get_bigint(in, STROM_NX_BID_AUCTION);
  strom_row_set_bigint(r, E_BUCKET, (int64_t)((uint64_t)id / BUCKET_IDS));
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

/* Keyed by bucket (auction id / BUCKET_IDS), each bucket a map from auction id to the
 * auction and its winning price so far: a timer per auction (the expiry) cost three
 * times the auction's own state, while a bucket's cleanup timers are one per
 * GRAIN_MS of event time, each dropping every auction of the bucket that has expired
 * by then (and every waiting bid that old).  Buckets of consecutive ids (rather than
 * ids mod a number) keep a bucket's auctions alike in age: the few buckets in flight
 * take the bids, a cleanup scans a few dozen auctions, and a copy-on-write checkpoint
 * copies only the buckets changed meanwhile.  The buckets in flight at a time are few,
 * but they follow one another across the subtasks' key groups. */
static const char *const AUCTION_KEY_SPEC = "auction BIGINT";
static const char *const AUCTION_SPEC = "category BIGINT, date_time TIMESTAMP(3), expires TIMESTAMP(3), price BIGINT";
enum { A_CATEGORY, A_TIME, A_EXPIRES, A_PRICE };

typedef struct winner_local {
  strom_schema *event_s, *key_s, *auction_s;
  strom_state *auctions, *waiting;
  strom_row *key, *upd;
  int64_t *gone; /* auctions to drop (a map must not change while it is iterated) */
  size_t ngone, gone_cap;
  strom_row **keep; /* waiting bids that stay */
  size_t nkeep, keep_cap;
} winner_local;

static int winner_open(strom_ctx *ctx) {
  winner_local *l = calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->event_s = strom_schema_parse(EVENT_SPEC, NULL, 0);
  l->key_s = strom_schema_parse(AUCTION_KEY_SPEC, NULL, 0);
  l->auction_s = strom_schema_parse(AUCTION_SPEC, NULL, 0);
  if (!l->event_s || !l->key_s || !l->auction_s) return strom_ctx_fail(ctx, "q4: cannot parse the state schemas");
  l->key = strom_row_new(l->key_s);
  l->upd = strom_row_new(l->auction_s);
  l->auctions = strom_ctx_state(ctx, &(strom_state_desc){.name = "auctions", .kind = STROM_STATE_MAP,
                                                          .schema = l->auction_s, .map_key_schema = l->key_s});
  l->waiting = strom_ctx_state(ctx, &(strom_state_desc){.name = "waiting", .kind = STROM_STATE_LIST, .schema = l->event_s});
  return l->auctions && l->waiting && l->key && l->upd ? STROM_OK : strom_ctx_fail(ctx, "q4: cannot declare state");
}

static void free_keep(winner_local *l) {
  for (size_t i = 0; i < l->nkeep; i++) strom_row_free(l->keep[i]);
  l->nkeep = 0;
}

static void winner_close(strom_ctx *ctx) {
  winner_local *l = strom_ctx_local(ctx);
  if (!l) return;
  free_keep(l);
  free(l->keep);
  free(l->gone);
  strom_row_free(l->key);
  strom_row_free(l->upd);
  strom_schema_free(l->event_s);
  strom_schema_free(l->key_s);
  strom_schema_free(l->auction_s);
  free(l);
}

/* The first cleanup time at or after t. */
static int64_t grain_after(int64_t t) {
  int64_t r = t % GRAIN_MS;
  return t - (r < 0 ? r + GRAIN_MS : r) + GRAIN_MS;
}

static bool qualifies(const strom_row *auction, int64_t bid_time) {
  return bid_time >= strom_row_get_timestamp(auction, A_TIME) && bid_time <= strom_row_get_timestamp(auction, A_EXPIRES);
}

/* Records price as the winning bid of the auction keyed by l->key (a its map value,
 * from the state or about to be stored) if it beats the current one. */
static int raise(winner_local *l, const strom_row *a, int64_t price, strom_out *out) {
  bool had = !strom_row_is_null(a, A_PRICE);
  if (had && strom_row_get_bigint(a, A_PRICE) >= price) return STROM_OK;
  strom_row *c = strom_out_row(out);
  strom_row_set_bigint(c, 0, strom_row_get_bigint(a, A_CATEGORY));
  if (had) strom_row_set_bigint(c, 1, strom_row_get_bigint(a, A_PRICE));
  else strom_row_set_null(c, 1);
  strom_row_set_bigint(c, 2, price);
  int rc = a == l->upd ? STROM_OK : strom_row_copy(l->upd, a);
  strom_row_set_bigint(l->upd, A_PRICE, price);
  if (!rc) rc = strom_state_map_put(l->auctions, l->key, l->upd);
  return rc ? rc : strom_out_emit(out, c);
}

/* Keeps the waiting bids that fail drop(bid, arg) (copies: a list row lives until the
 * next list call); returns through *best the highest price among the dropped ones
 * that qualify for auction a (when a is given). */
static int sift_waiting(winner_local *l, bool (*drop)(const strom_row *, int64_t), int64_t arg, const strom_row *a,
                        int64_t *best) {
  size_t n = strom_state_list_size(l->waiting);
  free_keep(l);
  if (n > l->keep_cap) {
    strom_row **k = realloc(l->keep, n * sizeof *k);
    if (!k) return STROM_ENOMEM;
    l->keep = k;
    l->keep_cap = n;
  }
  for (size_t i = 0; i < n; i++) {
    const strom_row *b = strom_state_list_get(l->waiting, i);
    if (!b) return STROM_ENOMEM;
    if (drop(b, arg)) {
      if (a && qualifies(a, strom_row_get_timestamp(b, E_TIME)) && strom_row_get_bigint(b, E_PRICE) > *best)
        *best = strom_row_get_bigint(b, E_PRICE);
      continue;
    }
    strom_row *k = strom_row_new(l->event_s);
    if (!k) return STROM_ENOMEM;
    l->keep[l->nkeep++] = k;
    int rc = strom_row_copy(k, b); /* numbers only: no strings to own */
    if (rc) return rc;
  }
  if (l->nkeep == n) return STROM_OK;
  if (!l->nkeep) {
    strom_state_clear(l->waiting);
    return STROM_OK;
  }
  return strom_state_list_update(l->waiting, (const strom_row *const *)l->keep, l->nkeep);
}

static bool for_auction(const strom_row *bid, int64_t auction) { return strom_row_get_bigint(bid, E_AUCTION) == auction; }
static bool not_after(const strom_row *bid, int64_t t) { return strom_row_get_timestamp(bid, E_TIME) <= t; }

static int winner_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  winner_local *l = strom_ctx_local(ctx);
  int rc;
  (void)input;
  int64_t id = strom_row_get_bigint(in, E_AUCTION);
  strom_row_set_bigint(l->key, 0, id);
  if (strom_row_get_int(in, E_KIND) == 1) {
    strom_row_set_bigint(l->upd, A_CATEGORY, strom_row_get_bigint(in, E_CATEGORY));
    strom_row_set_timestamp(l->upd, A_TIME, strom_row_get_timestamp(in, E_TIME));
    strom_row_set_timestamp(l->upd, A_EXPIRES, strom_row_get_timestamp(in, E_EXPIRES));
    strom_row_set_null(l->upd, A_PRICE);
    if ((rc = strom_state_map_put(l->auctions, l->key, l->upd))) return rc;
    if ((rc = strom_ctx_register_event_timer(ctx, grain_after(strom_row_get_timestamp(in, E_EXPIRES))))) return rc;
    if (!strom_state_list_size(l->waiting)) return STROM_OK;
    int64_t best = INT64_MIN;
    if ((rc = sift_waiting(l, for_auction, id, l->upd, &best))) return rc;
    return best == INT64_MIN ? STROM_OK : raise(l, l->upd, best, out);
  }
  const strom_row *a = strom_state_map_get(l->auctions, l->key);
  if (a) return qualifies(a, strom_row_get_timestamp(in, E_TIME)) ? raise(l, a, strom_row_get_bigint(in, E_PRICE), out) : STROM_OK;
  /* Before its auction (another source subtask is behind): wait until the watermark
   * passes the bid, by when the auction, which is older, has come. */
  if ((rc = strom_state_add(l->waiting, in))) return rc;
  return strom_ctx_register_event_timer(ctx, grain_after(strom_row_get_timestamp(in, E_TIME)));
}

static int winner_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)out;
  winner_local *l = strom_ctx_local(ctx);
  l->ngone = 0;
  size_t pos = 0;
  const strom_row *k, *v;
  while (strom_state_map_next(l->auctions, &pos, &k, &v)) {
    if (strom_row_get_timestamp(v, A_EXPIRES) > time) continue;
    if (l->ngone == l->gone_cap) {
      size_t cap = l->gone_cap ? 2 * l->gone_cap : 64;
      int64_t *g = realloc(l->gone, cap * sizeof *g);
      if (!g) return STROM_ENOMEM;
      l->gone = g;
      l->gone_cap = cap;
    }
    l->gone[l->ngone++] = strom_row_get_bigint(k, 0);
  }
  for (size_t i = 0; i < l->ngone; i++) {
    strom_row_set_bigint(l->key, 0, l->gone[i]);
    int rc = strom_state_map_remove(l->auctions, l->key);
    if (rc < 0) return rc;
  }
  return strom_state_list_size(l->waiting) ? sift_waiting(l, not_after, time, NULL, NULL) : STROM_OK;
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
      strom_key_by(e, "bucket"), &(strom_process_def){.open = winner_open, .process = winner_process,
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
