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
 * Both sides are grouped by (id, window) and joined on exactly that, so the query is
 * one grouping of people and auctions together: a tumbling window keyed by person id =
 * seller whose reduce keeps the name and whether the key had a registration and an
 * auction in the window; when the window fires, the keys with both are the result,
 * once each.  The runtime runs such a window on its sliced fast path (a hash table of
 * accumulators per window, no timers), so the state is one small entry per person and
 * seller of the open windows, where a window join would buffer every row of both sides
 * and keep a timer per key.
 */
#include "nexmark_queries.h"

enum { SIZE_MS = 10000 };
enum { C_ID, C_NAME, C_PERSON, C_AUCTION };

static const char *const KEY_SPEC = "id BIGINT, name VARCHAR, person BOOLEAN, auction BOOLEAN";
static const char *const OUT_SPEC = "id BIGINT, name VARCHAR, starttime TIMESTAMP(3)";

/* People and sellers of auctions as rows of one shape, keyed by person id. */
static int project(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)ctx, (void)input;
  int type = strom_row_get_int(in, STROM_NX_EVENT_TYPE);
  if (type == 2) return STROM_OK;
  strom_row *r = strom_out_row(out);
  if (type == 0) {
    strom_row_set_bigint(r, C_ID, strom_row_get_bigint(in, STROM_NX_PERSON_ID));
    size_t n;
    const char *s = strom_row_get_str(in, STROM_NX_PERSON_NAME, &n);
    strom_row_set_str_ref(r, C_NAME, s, n);
  } else {
    strom_row_set_bigint(r, C_ID, strom_row_get_bigint(in, STROM_NX_AUCTION_SELLER));
  }
  strom_row_set_bool(r, C_PERSON, type == 0);
  strom_row_set_bool(r, C_AUCTION, type == 1);
  return strom_out_emit(out, r);
}

static int combine(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, C_ID, strom_row_get_bigint(acc, C_ID));
  const strom_row *named = strom_row_get_bool(acc, C_PERSON) ? acc : in;
  if (strom_row_get_bool(named, C_PERSON)) {
    size_t n;
    const char *s = strom_row_get_str(named, C_NAME, &n);
    strom_row_set_str_ref(out, C_NAME, s, n);
  }
  strom_row_set_bool(out, C_PERSON, strom_row_get_bool(acc, C_PERSON) || strom_row_get_bool(in, C_PERSON));
  strom_row_set_bool(out, C_AUCTION, strom_row_get_bool(acc, C_AUCTION) || strom_row_get_bool(in, C_AUCTION));
  return STROM_OK;
}

static int new_user(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out) {
  if (n != 1) return strom_ctx_fail(ctx, "q8: expected one row per key and window, got %zu", n);
  const strom_row *k = rows[0];
  if (!strom_row_get_bool(k, C_PERSON) || !strom_row_get_bool(k, C_AUCTION)) return STROM_OK;
  strom_row *r = strom_out_row(out);
  strom_row_set_bigint(r, 0, strom_row_get_bigint(k, C_ID));
  size_t len;
  const char *s = strom_row_get_str(k, C_NAME, &len);
  strom_row_set_str_ref(r, 1, s, len);
  strom_row_set_timestamp(r, 2, strom_ctx_window_start(ctx));
  int rc = strom_out_emit(out, r);
  strom__nexmark_latency_sample(strom_ctx_data(ctx), strom_ctx_subtask(ctx), strom_ctx_window_end(ctx));
  return rc;
}

strom_stream *strom__nexmark_q8(strom_env *env, strom_stream *events, strom__nexmark_latency *lat) {
  (void)env;
  strom_schema *ks = strom_schema_parse(KEY_SPEC, NULL, 0), *os = strom_schema_parse(OUT_SPEC, NULL, 0);
  strom_watermark_strategy ws = strom__nexmark_watermarks(lat);
  strom_stream *e = strom_process(strom_assign_timestamps(events, &ws),
                                  &(strom_process_def){.process = project, .finish = strom__nexmark_input_ended, .data = lat, .out_schema = ks});
  e = strom_set_name(e, "q8 people and sellers");
  strom_stream *r = strom_window(strom_key_by(e, "id"),
                                 &(strom_window_def){.assigner = strom_tumbling(SIZE_MS), .reduce = combine,
                                                     .process = new_user, .out_schema = os, .data = lat});
  r = strom_set_uid(strom_set_name(r, "q8 new users"), "q8-users");
  strom_schema_free(ks);
  strom_schema_free(os);
  return r;
}
