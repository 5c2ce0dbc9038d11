/*
 * batch_final.c -- the final result of a changelog, for batch mode: an operator that
 * in streaming mode updates its results (an outer regular join that first emits a
 * row padded with NULLs, a Top-N whose members change) runs unchanged, and this
 * keyed operator after it counts each distinct row (+I/+U add one, -U/-D take one,
 * in VALUE state keyed by every column) and emits every row with a positive count
 * that many times, as +I, when the input ends (an event-time timer at the end-of-input
 * watermark).  What reaches the sink is the table the changelog describes.
 */
#include "batch.h"

typedef struct final_local {
  strom_state *st;
  strom_row *cnt;
} final_local;

static int final_open(strom_ctx *ctx) {
  const strom_schema *s = strom_ctx_data(ctx);
  final_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  strom_state_desc d = {.name = "batch-final", .kind = STROM_STATE_VALUE, .schema = s};
  if (!(l->st = strom_ctx_state(ctx, &d))) return STROM_EINVAL;
  return (l->cnt = strom_row_new(s)) ? STROM_OK : STROM_ENOMEM;
}

static void final_close(strom_ctx *ctx) {
  final_local *l = strom_ctx_local(ctx);
  if (!l) return;
  strom_row_free(l->cnt);
  free(l);
}

static int final_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input, (void)out;
  final_local *l = strom_ctx_local(ctx);
  strom_row_kind k = strom_row_get_kind(in);
  int64_t d = k == STROM_UPDATE_BEFORE || k == STROM_DELETE ? -1 : 1;
  const strom_row *cur = strom_state_get(l->st);
  if (!cur) {
    int rc = strom_ctx_register_event_timer(ctx, INT64_MAX);
    if (rc) return rc;
  }
  strom_row_set_bigint(l->cnt, 0, (cur ? strom_row_get_bigint(cur, 0) : 0) + d);
  return strom_state_update(l->st, l->cnt);
}

static int final_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)time;
  final_local *l = strom_ctx_local(ctx);
  const strom_row *cur = strom_state_get(l->st);
  int64_t n = cur ? strom_row_get_bigint(cur, 0) : 0;
  const strom_row *key = strom_ctx_key(ctx);
  for (int64_t i = 0; i < n; i++) {
    strom_row *o = strom_out_row(out);
    for (int c = 0; c < o->ncols; c++) o->nulls[c] = key->nulls[c], o->v[c] = key->v[c];
    strom_row_set_time(o, STROM_NO_TIMESTAMP);
    int rc = strom_out_emit(out, o);
    if (rc) return rc;
  }
  strom_state_clear(l->st);
  return STROM_OK;
}

strom_stream *sql_batch_final(sql_build *b, const sql_plan *p, strom_stream *in) {
  if (!in || !p->batch_final) return in;
  if (p->ncols > 64) {
    sql_build_fail(b, "not supported yet: in batch mode, an outer join or Top-N with more than 64 columns");
    return NULL;
  }
  /* every column a key: project to positional names first */
  strom_schema *ks = sql_plan_schema(p), *cs = strom_schema_new();
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)(p->ncols ? p->ncols : 1));
  if (!ks || !cs || !ex || strom_schema_add(cs, "n", STROM_BIGINT) || sql_build_own(b, ks, (void (*)(void *))strom_schema_free)) {
    strom_schema_free(ks), strom_schema_free(cs);
    return NULL;
  }
  if (sql_build_own(b, cs, (void (*)(void *))strom_schema_free)) return strom_schema_free(cs), NULL;
  strom_buf names = {0};
  for (int i = 0; i < p->ncols; i++) {
    if (!(ex[i] = sql_arena_alloc(&b->arena, sizeof *ex[i]))) return strom__buf_free(&names), NULL;
    *ex[i] = (sql_expr){.op = SQL_E_COL, .col = i, .type = p->cols[i].type};
    strom__buf_printf(&names, "%sc%d", i ? ", " : "", i);
  }
  strom_stream *s = sql_calc_stream(b, in, ex, p->ncols, ks, "Batch final projection");
  strom_keyed *k = s && names.p ? strom_key_by(s, names.p) : NULL;
  strom__buf_free(&names);
  if (!k) return NULL;
  strom_process_def d = {.open = final_open, .process = final_process, .on_timer = final_timer, .close = final_close,
                         .data = cs, .out_schema = ks};
  return strom_set_name(strom_keyed_process(k, &d), "Batch final result");
}
