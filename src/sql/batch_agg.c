/*
 * batch_agg.c -- the non-windowed GROUP BY of batch mode (Flink's batch hash
 * aggregation): the same accumulators as the streaming group aggregation (in VALUE
 * state per group key, with the group's row count), but nothing is emitted while rows
 * arrive; the first row of a group registers an event-time timer at the end of input,
 * and when the end-of-input watermark fires it the group's result is emitted once, as
 * +I, and its state dropped.  So the output is insert-only and final.  A global
 * aggregate (no GROUP BY) runs on one subtask and, as in Flink's batch mode, gives its
 * one row also when no row arrived (COUNT(*) = 0, SUM = NULL).
 */
#include "batch.h"

typedef struct bagg {
  const sql_agg *aggs;
  int naggs, nkeys;
  bool real_keys;
  const strom_schema *state;
  int64_t ttl_ms;
} bagg;

typedef struct bagg_local {
  strom_state *st;
  strom_row *acc;
  sql_ectx ec;
  sql_distinct *dist;
  bool emitted; /* a global aggregate gave its row */
} bagg_local;

static int bagg_open(strom_ctx *ctx) {
  const bagg *a = strom_ctx_data(ctx);
  bagg_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  strom_state_desc d = {.name = "batch-agg", .kind = STROM_STATE_VALUE, .schema = a->state};
  if (a->ttl_ms > 0) d.ttl = (strom_state_ttl){.ttl_ms = a->ttl_ms, .update = STROM_TTL_ON_CREATE_AND_WRITE};
  if (!(l->st = strom_ctx_state(ctx, &d))) return STROM_EINVAL;
  if (sql_agg_any_distinct(a->aggs, a->naggs) && !(l->dist = sql_distinct_open(ctx, a->aggs, a->naggs, a->ttl_ms)))
    return STROM_EINVAL;
  return (l->acc = strom_row_new(a->state)) ? STROM_OK : STROM_ENOMEM;
}

static void bagg_close(strom_ctx *ctx) {
  bagg_local *l = strom_ctx_local(ctx);
  if (!l) return;
  strom_row_free(l->acc);
  sql_ectx_free(&l->ec);
  sql_distinct_free(l->dist);
  free(l);
}

static int bagg_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input, (void)out;
  const bagg *a = strom_ctx_data(ctx);
  bagg_local *l = strom_ctx_local(ctx);
  int cnt = a->state->ncols - 1;
  const strom_row *cur = strom_state_get(l->st);
  int rc;
  if (cur) strom_row_copy(l->acc, cur), strom__row_own_strings(l->acc);
  else {
    sql_agg_init(a->aggs, a->naggs, l->acc);
    strom_row_set_bigint(l->acc, cnt, 0);
    if ((rc = strom_ctx_register_event_timer(ctx, INT64_MAX))) return rc;
  }
  strom_row_kind k = strom_row_get_kind(in);
  bool retract = k == STROM_UPDATE_BEFORE || k == STROM_DELETE; /* batch inputs append, but be exact */
  sql_ectx_reset(&l->ec);
  rc = sql_agg_add(a->aggs, a->naggs, l->acc, in, retract, &l->ec);
  if (!rc && l->dist) rc = sql_distinct_add(l->dist, l->acc, in, retract, &l->ec);
  if (rc) return strom_ctx_fail(ctx, "%s", l->ec.err);
  strom_row_set_bigint(l->acc, cnt, strom_row_get_bigint(l->acc, cnt) + (retract ? -1 : 1));
  return strom_state_update(l->st, l->acc);
}

/* The group's row: keys, then each aggregate's result over acc. */
static int emit_group(const bagg *a, strom_ctx *ctx, const strom_row *acc, strom_out *out) {
  strom_row *o = strom_out_row(out);
  if (a->real_keys) {
    const strom_row *key = strom_ctx_key(ctx);
    for (int i = 0; i < a->nkeys; i++) o->nulls[i] = key->nulls[i], o->v[i] = key->v[i];
  }
  sql_agg_result(a->aggs, a->naggs, acc, o, a->real_keys ? a->nkeys : 0);
  strom_row_set_kind(o, STROM_INSERT);
  strom_row_set_time(o, STROM_NO_TIMESTAMP);
  return strom_out_emit(out, o);
}

static int bagg_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)time;
  const bagg *a = strom_ctx_data(ctx);
  bagg_local *l = strom_ctx_local(ctx);
  const strom_row *cur = strom_state_get(l->st);
  int rc = STROM_OK;
  if (cur && strom_row_get_bigint(cur, a->state->ncols - 1) > 0) {
    rc = emit_group(a, ctx, cur, out);
    l->emitted = true;
  }
  strom_state_clear(l->st);
  return rc;
}

static int bagg_finish(strom_ctx *ctx, strom_out *out) {
  const bagg *a = strom_ctx_data(ctx);
  bagg_local *l = strom_ctx_local(ctx);
  if (a->real_keys || l->emitted || strom_ctx_subtask(ctx) != 0) return STROM_OK;
  sql_agg_init(a->aggs, a->naggs, l->acc);
  return emit_group(a, ctx, l->acc, out);
}

strom_stream *sql_batch_agg(sql_build *b, strom_keyed *ks, const sql_agg *aggs, int naggs, int nkeys, bool real_keys,
                            const strom_schema *state, const strom_schema *out, int64_t ttl_ms) {
  bagg *a = sql_arena_alloc(&b->arena, sizeof *a);
  if (!a || !ks) return NULL;
  *a = (bagg){.aggs = aggs, .naggs = naggs, .nkeys = nkeys, .real_keys = real_keys, .state = state, .ttl_ms = ttl_ms};
  strom_process_def d = {.open = bagg_open, .process = bagg_process, .on_timer = bagg_timer, .finish = bagg_finish,
                         .close = bagg_close, .data = a, .out_schema = out};
  strom_stream *s = strom_set_name(strom_keyed_process(ks, &d), "Batch group aggregate");
  /* one group: one subtask, which also knows when no row came */
  return real_keys ? s : strom_set_parallelism(s, 1);
}
