/*
 * nexmark_queries.c -- the Nexmark queries written against the DataStream API (see
 * nexmark_queries.h): the stateless ones (q0-q2) and the choice of a query; the
 * stateful ones have a file each (nexmark_q3.c ... nexmark_q8.c).  They use only the
 * public API: they are what a user would write, and the cost of the SQL layer will be
 * measured against them.
 */
#include "nexmark_queries.h"

static int is_bid(strom_ctx *ctx, const strom_row *in) {
  (void)ctx;
  return strom_row_get_int(in, STROM_NX_EVENT_TYPE) == 2;
}

static strom_stream *bids(strom_stream *events) { return strom_set_name(strom_filter(events, is_bid, NULL), "Bids"); }

static int q0_project(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  (void)ctx;
  static const int cols[] = {STROM_NX_BID_AUCTION, STROM_NX_BID_BIDDER, STROM_NX_BID_PRICE, STROM_NX_BID_CHANNEL,
                             STROM_NX_BID_URL, STROM_NX_BID_DATE_TIME, STROM_NX_BID_EXTRA};
  strom_row_set_bigint(out, 0, strom_row_get_bigint(in, cols[0]));
  strom_row_set_bigint(out, 1, strom_row_get_bigint(in, cols[1]));
  strom_row_set_bigint(out, 2, strom_row_get_bigint(in, cols[2]));
  size_t n;
  const char *s = strom_row_get_str(in, cols[3], &n);
  strom_row_set_str_ref(out, 3, s, n);
  s = strom_row_get_str(in, cols[4], &n);
  strom_row_set_str_ref(out, 4, s, n);
  strom_row_set_timestamp(out, 5, strom_row_get_timestamp(in, cols[5]));
  s = strom_row_get_str(in, cols[6], &n);
  strom_row_set_str_ref(out, 6, s, n);
  return STROM_OK;
}

static int q1_euros(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(in, STROM_NX_BID_AUCTION));
  strom_row_set_bigint(out, 1, strom_row_get_bigint(in, STROM_NX_BID_BIDDER));
  /* DECIMAL(18,3): 0.908 * price is price * 908 thousandths, exactly. */
  strom_row_set_decimal(out, 2, strom_row_get_bigint(in, STROM_NX_BID_PRICE) * 908);
  strom_row_set_timestamp(out, 3, strom_row_get_timestamp(in, STROM_NX_BID_DATE_TIME));
  return STROM_OK;
}

static int q2_selected(strom_ctx *ctx, const strom_row *in) {
  (void)ctx;
  return strom_row_get_int(in, STROM_NX_EVENT_TYPE) == 2 && strom_row_get_bigint(in, STROM_NX_BID_AUCTION) % 123 == 0;
}

static int q2_project(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(in, STROM_NX_BID_AUCTION));
  strom_row_set_bigint(out, 1, strom_row_get_bigint(in, STROM_NX_BID_PRICE));
  return STROM_OK;
}

static strom_stream *stateless(int q, strom_stream *events) {
  static const char *specs[] = {
      "auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, date_time TIMESTAMP(3), extra VARCHAR",
      "auction BIGINT, bidder BIGINT, price DECIMAL(18,3), date_time TIMESTAMP(3)",
      "auction BIGINT, price BIGINT",
  };
  strom_schema *out = strom_schema_parse(specs[q], NULL, 0);
  strom_stream *r;
  switch (q) {
    case 0: r = strom_set_name(strom_map(bids(events), out, q0_project, NULL), "q0"); break;
    case 1: r = strom_set_name(strom_map(bids(events), out, q1_euros, NULL), "q1"); break;
    default: r = strom_set_name(strom_map(strom_filter(events, q2_selected, NULL), out, q2_project, NULL), "q2"); break;
  }
  strom_schema_free(out);
  return r;
}

strom_stream *strom__nexmark_query_probed(strom_env *env, int q, strom_stream *events, strom__nexmark_latency *lat) {
  switch (q) {
    case 0:
    case 1:
    case 2: return stateless(q, events);
    case 3: return strom__nexmark_q3(env, events);
    case 4: return strom__nexmark_q4(env, events, lat);
    case 5: return strom__nexmark_q5(env, events, lat);
    case 7: return strom__nexmark_q7(env, events, lat);
    case 8: return strom__nexmark_q8(env, events, lat);
    default: return NULL;
  }
}

strom_stream *strom__nexmark_query(strom_env *env, int q, strom_stream *events) {
  return strom__nexmark_query_probed(env, q, events, NULL);
}
