/*
 * nexmark_q3.c -- Nexmark q3, local item suggestion: auctions of category 10 joined
 * with their sellers living in OR, ID or CA (Flink's regular inner join).
 *
 *   SELECT P.name, P.city, P.state, A.id FROM auction A JOIN person P ON A.seller = P.id
 *   WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')
 *
 * Both sides are filtered and projected right after the source (chained), then meet in
 * a keyed co-process on person id = seller.  A person id occurs once, so the person
 * side keeps one row per key; an auction that arrives before its seller (possible at
 * parallelism > 1, where source subtasks run at different points of the sequence)
 * waits in a list until the person comes.  Once the person is known no auction needs
 * to be kept: no second person with that id can come.  Like Flink's join without a
 * state TTL, auctions of sellers who never qualify are kept forever.
 */
#include <stdlib.h>

#include "nexmark_queries.h"

static const char *const PERSON_SPEC = "id BIGINT, name VARCHAR, city VARCHAR, state VARCHAR";
static const char *const AUCTION_SPEC = "id BIGINT, seller BIGINT";
static const char *const OUT_SPEC = "name VARCHAR, city VARCHAR, state VARCHAR, id BIGINT";

static bool local_state(const char *s, size_t n) {
  if (n != 2) return false;
  return (s[0] == 'O' && s[1] == 'R') || (s[0] == 'I' && s[1] == 'D') || (s[0] == 'C' && s[1] == 'A');
}

static int people(strom_ctx *ctx, const strom_row *in, strom_out *out) {
  (void)ctx;
  if (strom_row_get_int(in, STROM_NX_EVENT_TYPE) != 0) return STROM_OK;
  size_t n;
  const char *st = strom_row_get_str(in, STROM_NX_PERSON_STATE, &n);
  if (!local_state(st, n)) return STROM_OK;
  strom_row *r = strom_out_row(out);
  strom_row_set_bigint(r, 0, strom_row_get_bigint(in, STROM_NX_PERSON_ID));
  size_t len;
  const char *s = strom_row_get_str(in, STROM_NX_PERSON_NAME, &len);
  strom_row_set_str_ref(r, 1, s, len);
  s = strom_row_get_str(in, STROM_NX_PERSON_CITY, &len);
  strom_row_set_str_ref(r, 2, s, len);
  strom_row_set_str_ref(r, 3, st, n);
  return strom_out_emit(out, r);
}

static int auctions(strom_ctx *ctx, const strom_row *in, strom_out *out) {
  (void)ctx;
  if (strom_row_get_int(in, STROM_NX_EVENT_TYPE) != 1 || strom_row_get_bigint(in, STROM_NX_AUCTION_CATEGORY) != 10)
    return STROM_OK;
  strom_row *r = strom_out_row(out);
  strom_row_set_bigint(r, 0, strom_row_get_bigint(in, STROM_NX_AUCTION_ID));
  strom_row_set_bigint(r, 1, strom_row_get_bigint(in, STROM_NX_AUCTION_SELLER));
  return strom_out_emit(out, r);
}

typedef struct q3_local {
  strom_schema *person_s, *auction_s;
  strom_state *person, *waiting;
} q3_local;

static int q3_open(strom_ctx *ctx) {
  q3_local *l = calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->person_s = strom_schema_parse(PERSON_SPEC, NULL, 0);
  l->auction_s = strom_schema_parse(AUCTION_SPEC, NULL, 0);
  l->person = strom_ctx_state(ctx, &(strom_state_desc){.name = "person", .kind = STROM_STATE_VALUE, .schema = l->person_s});
  l->waiting = strom_ctx_state(ctx, &(strom_state_desc){.name = "auctions", .kind = STROM_STATE_LIST, .schema = l->auction_s});
  return l->person && l->waiting ? STROM_OK : strom_ctx_fail(ctx, "q3: cannot declare the join's state");
}

static void q3_close(strom_ctx *ctx) {
  q3_local *l = strom_ctx_local(ctx);
  if (!l) return;
  strom_schema_free(l->person_s);
  strom_schema_free(l->auction_s);
  free(l);
}

static int joined(const strom_row *p, int64_t auction, strom_out *out) {
  strom_row *r = strom_out_row(out);
  for (int c = 1; c <= 3; c++) {
    size_t n;
    const char *s = strom_row_get_str(p, c, &n);
    strom_row_set_str_ref(r, c - 1, s, n);
  }
  strom_row_set_bigint(r, 3, auction);
  return strom_out_emit(out, r);
}

static int q3_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  q3_local *l = strom_ctx_local(ctx);
  int rc;
  if (input == 0) {
    if ((rc = strom_state_update(l->person, in))) return rc;
    size_t n = strom_state_list_size(l->waiting);
    for (size_t i = 0; i < n; i++)
      if ((rc = joined(in, strom_row_get_bigint(strom_state_list_get(l->waiting, i), 0), out))) return rc;
    if (n) strom_state_clear(l->waiting);
    return STROM_OK;
  }
  const strom_row *p = strom_state_get(l->person);
  return p ? joined(p, strom_row_get_bigint(in, 0), out) : strom_state_add(l->waiting, in);
}

strom_stream *strom__nexmark_q3(strom_env *env, strom_stream *events) {
  (void)env;
  strom_schema *ps = strom_schema_parse(PERSON_SPEC, NULL, 0), *as = strom_schema_parse(AUCTION_SPEC, NULL, 0);
  strom_schema *os = strom_schema_parse(OUT_SPEC, NULL, 0);
  strom_stream *p = strom_set_name(strom_flat_map(events, ps, people, NULL), "q3 people in OR/ID/CA");
  strom_stream *a = strom_set_name(strom_flat_map(events, as, auctions, NULL), "q3 auctions of category 10");
  strom_stream *r = strom_keyed_co_process(
      strom_key_by(p, "id"), strom_key_by(a, "seller"),
      &(strom_process_def){.open = q3_open, .process = q3_process, .close = q3_close, .out_schema = os});
  r = strom_set_uid(strom_set_name(r, "q3 join"), "q3-join");
  strom_schema_free(ps);
  strom_schema_free(as);
  strom_schema_free(os);
  return r;
}
