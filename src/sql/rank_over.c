/*
 * rank_over.c -- OVER aggregates in event time, as Flink's row-time over functions:
 * SUM(x) OVER (PARTITION BY k ORDER BY rowtime ROWS BETWEEN n PRECEDING AND CURRENT
 * ROW), the RANGE BETWEEN INTERVAL ... PRECEDING form, and UNBOUNDED PRECEDING.
 *
 * Per partition key, rows wait in MAP state under (timestamp, arrival number), with a
 * count per timestamp and an event-time timer at it (Flink's MapState<Long, List<Row>>):
 * when the watermark passes it, the rows of that timestamp are emitted in arrival order
 * with the aggregate of their frame, as +I rows.  Late rows are dropped as Flink drops them: for a bounded frame a row at or
 * before the last timestamp emitted for its key, for an unbounded one a row at or
 * behind the watermark.  Bounded frames keep the rows they still need (the last n rows, or the rows
 * within the interval) and recompute the frame's aggregate, so MIN and MAX work
 * without retraction; unbounded frames keep one accumulator (and, for DISTINCT
 * aggregates, value counts in map state), bounded ones fold each distinct value of the
 * frame once.  In a RANGE frame all
 * rows of one timestamp are peers and get the same value; in a ROWS frame each row
 * sees the rows before it.
 */
#include "rank.h"

typedef struct overop {
  const sql_over *o;
  sql_agg *aggs;
  int naggs, nin, tcol;
  const strom_schema *pre, *acc, *last, *slot, *count;
} overop;

typedef struct over_local {
  sql_distinct *dist; /* unbounded frames: DISTINCT aggregates' value counts */
  strom_state *rows, *counts, *frame, *acc_st, *last;
  rank_rows batch, fr;
  strom_row *acc, *lastrow, *slot, *tskey, *cnt;
  sql_ectx ec;
} over_local;

static int over_open(strom_ctx *ctx) {
  const overop *v = strom_ctx_data(ctx);
  over_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->batch.schema = l->fr.schema = v->pre;
  strom_state_desc pd = {.name = "over-rows", .kind = STROM_STATE_MAP, .schema = v->pre, .map_key_schema = v->slot};
  strom_state_desc cd = {.name = "over-counts", .kind = STROM_STATE_MAP, .schema = v->count, .map_key_schema = v->last};
  strom_state_desc fd = {.name = "over-frame", .kind = STROM_STATE_LIST, .schema = v->pre};
  strom_state_desc ad = {.name = "over-acc", .kind = STROM_STATE_VALUE, .schema = v->acc};
  strom_state_desc ld = {.name = "over-last", .kind = STROM_STATE_VALUE, .schema = v->last};
  if (!(l->rows = strom_ctx_state(ctx, &pd)) || !(l->counts = strom_ctx_state(ctx, &cd)) || !(l->frame = strom_ctx_state(ctx, &fd)) ||
      !(l->acc_st = strom_ctx_state(ctx, &ad)) || !(l->last = strom_ctx_state(ctx, &ld)))
    return STROM_EINVAL;
  if (v->o->preceding < 0 && sql_agg_any_distinct(v->aggs, v->naggs) &&
      !(l->dist = sql_distinct_open(ctx, v->aggs, v->naggs, 0)))
    return STROM_EINVAL;
  l->acc = strom_row_new(v->acc);
  l->lastrow = strom_row_new(v->last);
  l->tskey = strom_row_new(v->last);
  l->slot = strom_row_new(v->slot);
  l->cnt = strom_row_new(v->count);
  return l->acc && l->lastrow && l->tskey && l->slot && l->cnt ? STROM_OK : STROM_ENOMEM;
}

static void over_close(strom_ctx *ctx) {
  over_local *l = strom_ctx_local(ctx);
  if (!l) return;
  rank_rows_free(&l->batch);
  rank_rows_free(&l->fr);
  strom_row_free(l->acc);
  strom_row_free(l->lastrow);
  strom_row_free(l->tskey);
  strom_row_free(l->slot);
  strom_row_free(l->cnt);
  sql_ectx_free(&l->ec);
  sql_distinct_free(l->dist);
  free(l);
}

static int over_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input, (void)out;
  const overop *v = strom_ctx_data(ctx);
  over_local *l = strom_ctx_local(ctx);
  if (strom_row_get_kind(in) != STROM_INSERT) return strom_ctx_fail(ctx, "an OVER aggregate got an update row");
  if (in->nulls[v->tcol]) return STROM_OK;
  int64_t ts = in->v[v->tcol].i;
  /* late, as in Flink: unbounded frames drop rows behind the watermark, bounded ones
   * rows at or before the key's last emitted timestamp */
  if (v->o->preceding < 0 && ts <= strom_ctx_watermark(ctx)) return STROM_OK;
  const strom_row *last = strom_state_get(l->last);
  if (last && ts <= last->v[0].i) return STROM_OK;
  strom_row_set_bigint(l->tskey, 0, ts);
  const strom_row *c = strom_state_map_get(l->counts, l->tskey);
  int64_t n = c ? c->v[0].i : 0;
  strom_row_set_bigint(l->slot, 0, ts);
  strom_row_set_bigint(l->slot, 1, n);
  strom_row_set_bigint(l->cnt, 0, n + 1);
  int rc = strom_state_map_put(l->rows, l->slot, in);
  if (!rc) rc = strom_state_map_put(l->counts, l->tskey, l->cnt);
  return rc || n ? rc : strom_ctx_register_event_timer(ctx, ts);
}

static int emit_row(const overop *v, over_local *l, strom_out *out, const strom_row *r) {
  strom_row *o = strom_out_row(out);
  for (int i = 0; i < v->nin; i++) o->nulls[i] = r->nulls[i], o->v[i] = r->v[i];
  sql_agg_result(v->aggs, v->naggs, l->acc, o, v->nin);
  return strom_out_emit(out, o);
}

static int add_row(strom_ctx *ctx, const overop *v, over_local *l, const strom_row *r) {
  sql_ectx_reset(&l->ec);
  if (sql_agg_add(v->aggs, v->naggs, l->acc, r, false, &l->ec) ||
      (l->dist && sql_distinct_add(l->dist, l->acc, r, false, &l->ec)))
    return strom_ctx_fail(ctx, "%s", l->ec.err[0] ? l->ec.err : "an OVER aggregate failed");
  return STROM_OK;
}

/* Bounded frames: each distinct value of the frame once (the frame's rows, then r). */
static int fold_distinct(strom_ctx *ctx, const overop *v, over_local *l, const strom_row *r) {
  if (!sql_agg_any_distinct(v->aggs, v->naggs)) return STROM_OK;
  int n = l->fr.n + (r != NULL);
  const strom_row **rows = malloc(sizeof *rows * (size_t)(n ? n : 1));
  if (!rows) return STROM_ENOMEM;
  for (int i = 0; i < l->fr.n; i++) rows[i] = l->fr.r[i];
  if (r) rows[l->fr.n] = r;
  sql_ectx_reset(&l->ec);
  int rc = rank_distinct_fold(v->aggs, v->naggs, l->acc, rows, (size_t)n, &l->ec);
  free(rows);
  return rc ? strom_ctx_fail(ctx, "%s", l->ec.err[0] ? l->ec.err : "an OVER aggregate failed") : STROM_OK;
}

/* Drops the first k rows of p (their rows are kept for reuse at the end). */
static void drop_front(rank_rows *p, int k) {
  if (k <= 0) return;
  if (k > p->n) k = p->n;
  strom_row **tmp = malloc(sizeof *tmp * (size_t)k);
  if (!tmp) return;
  memcpy(tmp, p->r, sizeof *tmp * (size_t)k);
  memmove(p->r, p->r + k, sizeof *tmp * (size_t)(p->cap - k));
  memcpy(p->r + p->cap - k, tmp, sizeof *tmp * (size_t)k);
  p->n -= k;
  free(tmp);
}

/* The rows of one timestamp, batch[from, to). */
static int emit_group(strom_ctx *ctx, const overop *v, over_local *l, strom_out *out, int from, int to) {
  const sql_over *o = v->o;
  int rc = STROM_OK;
  int64_t ts = l->batch.r[from]->v[v->tcol].i;
  if (o->preceding < 0) { /* UNBOUNDED PRECEDING: one running accumulator */
    const strom_row *a = strom_state_get(l->acc_st);
    if (a) {
      strom_row_clear(l->acc);
      if ((rc = strom_row_copy(l->acc, a)) || (rc = strom__row_own_strings(l->acc))) return rc;
    } else sql_agg_init(v->aggs, v->naggs, l->acc);
    for (int i = from; i < to && !rc; i++) {
      rc = add_row(ctx, v, l, l->batch.r[i]);
      if (!rc && o->rows) rc = emit_row(v, l, out, l->batch.r[i]);
    }
    for (int i = from; i < to && !rc && !o->rows; i++) rc = emit_row(v, l, out, l->batch.r[i]);
    return rc ? rc : strom_state_update(l->acc_st, l->acc);
  }
  if ((rc = rank_rows_load(&l->fr, l->frame))) return rc;
  if (o->rows) {
    for (int i = from; i < to && !rc; i++) {
      sql_agg_init(v->aggs, v->naggs, l->acc);
      for (int f = 0; f < l->fr.n && !rc; f++) rc = add_row(ctx, v, l, l->fr.r[f]);
      if (!rc) rc = add_row(ctx, v, l, l->batch.r[i]);
      if (!rc) rc = fold_distinct(ctx, v, l, l->batch.r[i]);
      if (!rc) rc = emit_row(v, l, out, l->batch.r[i]);
      if (!rc && o->preceding > 0) {
        rc = rank_rows_push(&l->fr, l->batch.r[i]);
        if (l->fr.n > o->preceding) drop_front(&l->fr, l->fr.n - (int)o->preceding);
      }
    }
  } else {
    int old = 0;
    while (old < l->fr.n && l->fr.r[old]->v[v->tcol].i < ts - o->preceding) old++;
    drop_front(&l->fr, old);
    for (int i = from; i < to && !rc; i++) rc = rank_rows_push(&l->fr, l->batch.r[i]);
    sql_agg_init(v->aggs, v->naggs, l->acc);
    for (int f = 0; f < l->fr.n && !rc; f++) rc = add_row(ctx, v, l, l->fr.r[f]);
    if (!rc) rc = fold_distinct(ctx, v, l, NULL);
    for (int i = from; i < to && !rc; i++) rc = emit_row(v, l, out, l->batch.r[i]);
  }
  return rc ? rc : strom_state_list_update(l->frame, (const strom_row *const *)l->fr.r, (size_t)l->fr.n);
}

static int over_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  const overop *v = strom_ctx_data(ctx);
  over_local *l = strom_ctx_local(ctx);
  strom_row_set_bigint(l->tskey, 0, time);
  const strom_row *c = strom_state_map_get(l->counts, l->tskey);
  int64_t n = c ? c->v[0].i : 0;
  int rc = STROM_OK;
  rank_rows_clear(&l->batch);
  strom_row_set_bigint(l->slot, 0, time);
  for (int64_t i = 0; i < n && !rc; i++) {
    strom_row_set_bigint(l->slot, 1, i);
    const strom_row *r = strom_state_map_get(l->rows, l->slot);
    if (r && !(rc = rank_rows_push(&l->batch, r))) rc = strom_state_map_remove(l->rows, l->slot);
  }
  if (!rc && n) rc = strom_state_map_remove(l->counts, l->tskey);
  if (!rc && l->batch.n) rc = emit_group(ctx, v, l, out, 0, l->batch.n);
  if (rc) return rc;
  strom_row_set_bigint(l->lastrow, 0, time);
  return strom_state_update(l->last, l->lastrow);
}

/* The OVER's input keyed by its partition (a constant without PARTITION BY), each row
 * carrying, past its nin columns, ex[..]: the partition keys, each aggregate's argument
 * (and over_fns.c's default beside it), then time, the frame's time.  aggs[i] (o's,
 * unfiltered) point at their arguments there, acc gets their accumulators' columns,
 * *tcol the time's column, *pre the row's schema.  NULL on error. */
strom_keyed *sql_over_key_by(sql_build *b, const sql_plan *p, strom_stream *in, sql_expr **ex, sql_agg *aggs, sql_expr time,
                             strom_schema *acc, int *tcol, const strom_schema **pre) {
  const sql_over *o = p->over;
  int nk = o->npart ? o->npart : 1, nin = p->in->ncols, k = 0;
  for (int i = 0; i < nk; i++, k++) {
    if (o->npart) ex[k] = o->part[i];
    else if ((ex[k] = sql_arena_alloc(&b->arena, sizeof *ex[k]))) *ex[k] = (sql_expr){.op = SQL_E_LIT, .type = {.id = STROM_INT}};
    else return NULL;
  }
  for (int i = 0; i < o->naggs; i++) {
    aggs[i] = o->aggs[i];
    aggs[i].filter = -1;
    if (o->args[i]) ex[k] = o->args[i], aggs[i].arg = nin + k++;
    else aggs[i].arg = -1;
    if (aggs[i].over_fn && aggs[i].over_fn->def) ex[k++] = aggs[i].over_fn->def; /* over_fns.c: column arg + 1 */
    if (aggs[i].over_fn && aggs[i].over_fn->off) ex[k++] = aggs[i].over_fn->off;  /* then a non-literal offset */
  }
  if (!(ex[k] = sql_arena_alloc(&b->arena, sizeof *ex[k]))) return NULL;
  *ex[k] = time;
  *tcol = nin + k++;
  if (sql_agg_acc_schema(aggs, o->naggs, acc)) return NULL;
  return rank_key_by(b, p, in, ex, k, nk, pre);
}

strom_stream *sql_over_agg_stream(sql_build *b, const sql_plan *p, strom_stream *in) {
  const sql_over *o = p->over;
  if (o->batch_fns) return sql_over_batch_stream(b, p, in); /* over_batch.c */
  if (o->proc) return sql_over_proc_stream(b, p, in); /* over_proc.c */
  int nk = o->npart ? o->npart : 1, nin = p->in->ncols, na = o->naggs;
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)(nk + 3 * na + 1)); /* 3: LAG's default and offset */
  sql_agg *aggs = sql_arena_alloc(&b->arena, sizeof *aggs * (size_t)(na ? na : 1));
  overop *v = sql_arena_alloc(&b->arena, sizeof *v);
  strom_schema *os = sql_plan_schema(p), *acc = strom_schema_new(), *last = strom_schema_new(),
               *slot = strom_schema_new(), *count = strom_schema_new();
  strom_schema *all[] = {os, acc, last, slot, count};
  for (int i = 0; i < 5; i++)
    if (!all[i] || sql_build_own(b, all[i], (void (*)(void *))strom_schema_free)) {
      for (int j = i + (all[i] != NULL); j < 5; j++) strom_schema_free(all[j]);
      return NULL;
    }
  if (!ex || !aggs || !v || strom_schema_add(last, "ts", STROM_BIGINT) || strom_schema_add(slot, "ts", STROM_BIGINT) ||
      strom_schema_add(slot, "seq", STROM_BIGINT) || strom_schema_add(count, "n", STROM_BIGINT))
    return NULL;
  int tcol;
  const strom_schema *pre = NULL;
  strom_keyed *ks = sql_over_key_by(
      b, p, in, ex, aggs, (sql_expr){.op = SQL_E_COL, .col = o->time_col, .type = p->in->cols[o->time_col].type}, acc, &tcol, &pre);
  if (!ks) return NULL;
  *v = (overop){.o = o, .aggs = aggs, .naggs = na, .nin = nin, .tcol = tcol, .pre = pre, .acc = acc, .last = last,
                .slot = slot, .count = count};
  strom_process_def d = {.open = over_open, .process = over_process, .close = over_close, .on_timer = over_timer,
                         .data = v, .out_schema = os};
  return strom_set_name(strom_keyed_process(ks, &d), "OverAggregate");
}

void rank_over_explain(strom_buf *o, const sql_plan *p) { sql_fid_over_explain(o, p); /* fid_names.c */ }
