/*
 * nexmark_q8.c -- Nexmark q8, new users: people who registered and opened an auction
 * in the same 10 s tumbling window.
 *
 *   SELECT P.id, P.name, P.starttime
 *   FROM (SELECT id, name, window_start AS starttime, window_end AS endtime FROM TUMBLE(person, 10 s)
 *         GROUP BY id, name, window_start, window_end) P
 *   JOIN (SELECT seller, window_start AS starttime, window_end AS endtime FROM TUMBLE(auction, 10 s)
 *         GROUP BY seller, window_start, window_end) A
 *   ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime
 *
 * The auction side's GROUP BY makes a seller appear once per window however many
 * auctions they opened: an event-time tumbling window with a reduce does that (one
 * row per seller and window, at the window's last millisecond).  Person ids are unique,
 * so that side needs no grouping.  Both meet in a window join on the same tumbling
 * windows, which fires when the watermark passes the window, after the sellers of the
 * window have been emitted by the grouping before it.
 */
#include "nexmark_queries.h"

enum { SIZE_MS = 10000 };

static const char *const PERSON_SPEC = "id BIGINT, name VARCHAR";
static const char *const SELLER_SPEC = "seller BIGINT, auctions BIGINT";
static const char *const OUT_SPEC = "id BIGINT, name VARCHAR, starttime TIMESTAMP(3)";

static int people(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)ctx, (void)input;
  if (strom_row_get_int(in, STROM_NX_EVENT_TYPE) != 0) return STROM_OK;
  strom_row *r = strom_out_row(out);
  strom_row_set_bigint(r, 0, strom_row_get_bigint(in, STROM_NX_PERSON_ID));
  size_t n;
  const char *s = strom_row_get_str(in, STROM_NX_PERSON_NAME, &n);
  strom_row_set_str_ref(r, 1, s, n);
  return strom_out_emit(out, r);
}

static int sellers(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)ctx, (void)input;
  if (strom_row_get_int(in, STROM_NX_EVENT_TYPE) != 1) return STROM_OK;
  strom_row *r = strom_out_row(out);
  strom_row_set_bigint(r, 0, strom_row_get_bigint(in, STROM_NX_AUCTION_SELLER));
  strom_row_set_bigint(r, 1, 1);
  return strom_out_emit(out, r);
}

static int input_ended(strom_ctx *ctx, strom_out *out) {
  (void)out;
  strom__nexmark_latency_input_ended(ctx);
  return STROM_OK;
}

static int count_auctions(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(acc, 0));
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + strom_row_get_bigint(in, 1));
  return STROM_OK;
}

static int new_user(strom_ctx *ctx, const strom_row *person, const strom_row *seller, strom_out *out) {
  (void)seller;
  int64_t end = strom_ctx_timestamp(ctx) + 1;
  strom_row *r = strom_out_row(out);
  strom_row_set_bigint(r, 0, strom_row_get_bigint(person, 0));
  size_t n;
  const char *s = strom_row_get_str(person, 1, &n);
  strom_row_set_str_ref(r, 1, s, n);
  strom_row_set_timestamp(r, 2, end - SIZE_MS);
  int rc = strom_out_emit(out, r);
  strom__nexmark_latency_sample(strom_ctx_data(ctx), strom_ctx_subtask(ctx), end);
  return rc;
}

strom_stream *strom__nexmark_q8(strom_env *env, strom_stream *events, strom__nexmark_latency *lat) {
  (void)env;
  strom_schema *ps = strom_schema_parse(PERSON_SPEC, NULL, 0), *ss = strom_schema_parse(SELLER_SPEC, NULL, 0);
  strom_schema *os = strom_schema_parse(OUT_SPEC, NULL, 0);
  strom_watermark_strategy ws = strom__nexmark_watermarks(lat);
  strom_stream *timed = strom_assign_timestamps(events, &ws);
  strom_stream *p = strom_process(timed, &(strom_process_def){.process = people, .finish = input_ended, .data = lat, .out_schema = ps});
  p = strom_set_name(p, "q8 people");
  strom_stream *a = strom_process(timed, &(strom_process_def){.process = sellers, .finish = input_ended, .data = lat, .out_schema = ss});
  a = strom_set_name(a, "q8 auctions");
  strom_stream *s = strom_window(strom_key_by(a, "seller"),
                                 &(strom_window_def){.assigner = strom_tumbling(SIZE_MS), .reduce = count_auctions});
  s = strom_set_uid(strom_set_name(s, "q8 sellers per window"), "q8-sellers");
  strom_stream *r = strom_window_join(strom_key_by(p, "id"), strom_key_by(s, "seller"), strom_tumbling(SIZE_MS), new_user, os, lat);
  r = strom_set_uid(strom_set_name(r, "q8 new users"), "q8-join");
  strom_schema_free(ps);
  strom_schema_free(ss);
  strom_schema_free(os);
  return r;
}
