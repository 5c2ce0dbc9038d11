/*
 * rank_over.c -- OVER aggregates in event time, as Flink's row-time over functions:
 * SUM(x) OVER (PARTITION BY k ORDER BY rowtime ROWS BETWEEN n PRECEDING AND CURRENT
 * ROW), the RANGE BETWEEN INTERVAL ... PRECEDING form, and UNBOUNDED PRECEDING.
 *
 * Per partition key, rows wait in a LIST state with an event-time timer at their
 * timestamp; when the watermark passes it, the rows of that timestamp are emitted in
 * timestamp order (ties in arrival order) with the aggregate of their frame, as +I
 * rows.  Late rows are dropped as Flink drops them: for a bounded frame a row at or
 * before the last timestamp emitted for its key, for an unbounded one a row at or
 * behind the watermark.  Bounded frames keep the rows they still need (the last n rows, or the rows
 * within the interval) and recompute the frame's aggregate, so MIN and MAX work
 * without retraction; unbounded frames keep one accumulator.  In a RANGE frame all
 * rows of one timestamp are peers and get the same value; in a ROWS frame each row
 * sees the rows before it.
 */
#include "rank.h"

typedef struct overop {
  const sql_over *o;
  sql_agg *aggs;
  int naggs, nin, tcol;
  const strom_schema *pre, *acc, *last;
} overop;

typedef struct over_local {
  strom_state *pending, *frame, *acc_st, *last;
  rank_rows cur, batch, rest, fr;
  strom_row *acc, *lastrow;
  sql_ectx ec;
} over_local;

static int over_open(strom_ctx *ctx) {
  const overop *v = strom_ctx_data(ctx);
  over_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->cur.schema = l->batch.schema = l->rest.schema = l->fr.schema = v->pre;
  strom_state_desc pd = {.name = "over-pending", .kind = STROM_STATE_LIST, .schema = v->pre};
  strom_state_desc fd = {.name = "over-frame", .kind = STROM_STATE_LIST, .schema = v->pre};
  strom_state_desc ad = {.name = "over-acc", .kind = STROM_STATE_VALUE, .schema = v->acc};
  strom_state_desc ld = {.name = "over-last", .kind = STROM_STATE_VALUE, .schema = v->last};
  if (!(l->pending = strom_ctx_state(ctx, &pd)) || !(l->frame = strom_ctx_state(ctx, &fd)) ||
      !(l->acc_st = strom_ctx_state(ctx, &ad)) || !(l->last = strom_ctx_state(ctx, &ld)))
    return STROM_EINVAL;
  l->acc = strom_row_new(v->acc);
  l->lastrow = strom_row_new(v->last);
  return l->acc && l->lastrow ? STROM_OK : STROM_ENOMEM;
}

static void over_close(strom_ctx *ctx) {
  over_local *l = strom_ctx_local(ctx);
  if (!l) return;
  rank_rows_free(&l->cur);
  rank_rows_free(&l->batch);
  rank_rows_free(&l->rest);
  rank_rows_free(&l->fr);
  strom_row_free(l->acc);
  strom_row_free(l->lastrow);
  sql_ectx_free(&l->ec);
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
  int rc = strom_state_add(l->pending, in);
  return rc ? rc : strom_ctx_register_event_timer(ctx, ts);
}

static int emit_row(const overop *v, over_local *l, strom_out *out, const strom_row *r) {
  strom_row *o = strom_out_row(out);
  for (int i = 0; i < v->nin; i++) o->nulls[i] = r->nulls[i], o->v[i] = r->v[i];
  sql_agg_result(v->aggs, v->naggs, l->acc, o, v->nin);
  return strom_out_emit(out, o);
}

static int add_row(strom_ctx *ctx, const overop *v, over_local *l, const strom_row *r) {
  sql_ectx_reset(&l->ec);
  if (sql_agg_add(v->aggs, v->naggs, l->acc, r, false, &l->ec)) return strom_ctx_fail(ctx, "%s", l->ec.err);
  return STROM_OK;
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
    for (int i = from; i < to && !rc; i++) rc = emit_row(v, l, out, l->batch.r[i]);
  }
  return rc ? rc : strom_state_list_update(l->frame, (const strom_row *const *)l->fr.r, (size_t)l->fr.n);
}

static int over_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  const overop *v = strom_ctx_data(ctx);
  over_local *l = strom_ctx_local(ctx);
  int rc = rank_rows_load(&l->cur, l->pending);
  if (rc) return rc;
  rank_rows_clear(&l->batch);
  rank_rows_clear(&l->rest);
  /* the due rows in timestamp order, stable (insertion sort: a timer's batch is small) */
  for (int i = 0; i < l->cur.n && !rc; i++) {
    const strom_row *r = l->cur.r[i];
    rc = rank_rows_push(r->v[v->tcol].i <= time ? &l->batch : &l->rest, r);
  }
  if (rc) return rc;
  for (int i = 1; i < l->batch.n; i++)
    for (int j = i; j > 0 && l->batch.r[j - 1]->v[v->tcol].i > l->batch.r[j]->v[v->tcol].i; j--) {
      strom_row *t = l->batch.r[j];
      l->batch.r[j] = l->batch.r[j - 1], l->batch.r[j - 1] = t;
    }
  for (int from = 0; from < l->batch.n && !rc;) {
    int to = from + 1;
    while (to < l->batch.n && l->batch.r[to]->v[v->tcol].i == l->batch.r[from]->v[v->tcol].i) to++;
    rc = emit_group(ctx, v, l, out, from, to);
    from = to;
  }
  if (rc) return rc;
  strom_row_set_bigint(l->lastrow, 0, time);
  if ((rc = strom_state_update(l->last, l->lastrow))) return rc;
  return strom_state_list_update(l->pending, (const strom_row *const *)l->rest.r, (size_t)l->rest.n);
}

strom_stream *sql_over_agg_stream(sql_build *b, const sql_plan *p, strom_stream *in) {
  const sql_over *o = p->over;
  int nk = o->npart ? o->npart : 1, nin = p->in->ncols, na = o->naggs;
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)(nk + na + 1));
  sql_agg *aggs = sql_arena_alloc(&b->arena, sizeof *aggs * (size_t)(na ? na : 1));
  overop *v = sql_arena_alloc(&b->arena, sizeof *v);
  strom_schema *os = sql_plan_schema(p), *acc = strom_schema_new(), *last = strom_schema_new();
  if (os) sql_build_own(b, os, (void (*)(void *))strom_schema_free);
  if (acc) sql_build_own(b, acc, (void (*)(void *))strom_schema_free);
  if (last) sql_build_own(b, last, (void (*)(void *))strom_schema_free);
  if (!ex || !aggs || !v || !os || !acc || !last || strom_schema_add(last, "ts", STROM_BIGINT)) return NULL;
  int k = 0;
  for (int i = 0; i < nk; i++, k++) {
    if (o->npart) ex[k] = o->part[i];
    else if ((ex[k] = sql_arena_alloc(&b->arena, sizeof *ex[k]))) *ex[k] = (sql_expr){.op = SQL_E_LIT, .type = {.id = STROM_INT}};
    else return NULL;
  }
  for (int i = 0; i < na; i++) {
    aggs[i] = o->aggs[i];
    aggs[i].filter = -1;
    if (o->args[i]) ex[k] = o->args[i], aggs[i].arg = nin + k++;
    else aggs[i].arg = -1;
  }
  if (!(ex[k] = sql_arena_alloc(&b->arena, sizeof *ex[k]))) return NULL;
  *ex[k] = (sql_expr){.op = SQL_E_COL, .col = o->time_col, .type = p->in->cols[o->time_col].type};
  int tcol = nin + k++;
  if (sql_agg_acc_schema(aggs, na, acc)) return NULL;
  const strom_schema *pre = NULL;
  strom_keyed *ks = rank_key_by(b, p, in, ex, k, nk, &pre);
  if (!ks) return NULL;
  *v = (overop){.o = o, .aggs = aggs, .naggs = na, .nin = nin, .tcol = tcol, .pre = pre, .acc = acc, .last = last};
  strom_process_def d = {.open = over_open, .process = over_process, .close = over_close, .on_timer = over_timer,
                         .data = v, .out_schema = os};
  return strom_set_name(strom_keyed_process(ks, &d), "OverAggregate");
}
