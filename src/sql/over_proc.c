/*
 * over_proc.c -- OVER aggregates ordered by a processing-time attribute (ORDER BY pt,
 * pt AS PROCTIME()), as Flink's ProcTime*PrecedingFunction operators: every row is
 * emitted as it arrives (+I, its input columns and the aggregates of its frame), in
 * arrival order per partition; there is no watermark to wait for.
 *
 *   ROWS / RANGE UNBOUNDED PRECEDING  one accumulator per key in VALUE state (and, for
 *                                     DISTINCT aggregates, value counts in map state);
 *                                     as in Flink both are the same running aggregate
 *   ROWS n PRECEDING                  the last n rows in LIST state; the frame is they
 *                                     and the row
 *   RANGE INTERVAL t PRECEDING        the rows processed at or after now - t, each with
 *                                     the clock's time when it came, in LIST state; a
 *                                     processing-time timer at (its time + t + 1) drops
 *                                     the rows that left the frame, so an idle key
 *                                     frees its state
 *
 * Bounded frames recompute the frame's aggregate from the kept rows, so MIN, MAX and
 * LAG need no retraction (as rank_over.c).  Unlike Flink's RANGE operator, which holds
 * the rows of one millisecond until a timer at the next one and emits them together, a
 * row here sees the rows before it of its own millisecond but not those after it: a
 * bounded input ends before such a timer would fire, and the result must not depend
 * on how many rows a millisecond happened to hold.
 */
#include "rank.h"

bool sql_over_proc_bind(sql_over *o, const sql_node *over, const sql_plan *in, char *err, size_t errlen) {
  if (o->norder != 1 || o->order[0]->op != SQL_E_COL || !in->cols[o->order[0]->col].proctime) return true;
  if (o->desc[0]) {
    if (!err[0])
      snprintf(err, errlen,
               "line %d, column %d: OVER aggregates ordered by a processing-time attribute must be ascending "
               "(ORDER BY %s ASC)",
               over->line, over->col, in->cols[o->order[0]->col].name);
    return false;
  }
  o->proc = true;
  return true;
}

typedef struct procop {
  const sql_over *o;
  sql_agg *aggs;
  int naggs, nin, tcol; /* tcol: the row's processing time (RANGE frames) */
  const strom_schema *pre, *acc;
} procop;

typedef struct proc_local {
  sql_distinct *dist;
  strom_state *frame, *acc_st;
  rank_rows fr;
  strom_row *acc, *cur;
  sql_ectx ec;
} proc_local;

static int op_open(strom_ctx *ctx) {
  const procop *v = strom_ctx_data(ctx);
  proc_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->fr.schema = v->pre;
  strom_state_desc fd = {.name = "over-proc-frame", .kind = STROM_STATE_LIST, .schema = v->pre};
  strom_state_desc ad = {.name = "over-proc-acc", .kind = STROM_STATE_VALUE, .schema = v->acc};
  if (!(l->frame = strom_ctx_state(ctx, &fd)) || !(l->acc_st = strom_ctx_state(ctx, &ad))) return STROM_EINVAL;
  if (v->o->preceding < 0 && sql_agg_any_distinct(v->aggs, v->naggs) &&
      !(l->dist = sql_distinct_open(ctx, v->aggs, v->naggs, 0)))
    return STROM_EINVAL;
  l->acc = strom_row_new(v->acc);
  l->cur = strom_row_new(v->pre);
  return l->acc && l->cur ? STROM_OK : STROM_ENOMEM;
}

static void op_close(strom_ctx *ctx) {
  proc_local *l = strom_ctx_local(ctx);
  if (!l) return;
  rank_rows_free(&l->fr);
  strom_row_free(l->acc);
  strom_row_free(l->cur);
  sql_ectx_free(&l->ec);
  sql_distinct_free(l->dist);
  free(l);
}

static int failed(strom_ctx *ctx, proc_local *l) {
  return strom_ctx_fail(ctx, "%s", l->ec.err[0] ? l->ec.err : "an OVER aggregate failed");
}

/* Folds rows[0, n) into a fresh accumulator (DISTINCT aggregates: each value once). */
static int fold(strom_ctx *ctx, const procop *v, proc_local *l, const strom_row *const *rows, int n) {
  sql_agg_init(v->aggs, v->naggs, l->acc);
  sql_ectx_reset(&l->ec);
  for (int i = 0; i < n; i++)
    if (sql_agg_add(v->aggs, v->naggs, l->acc, rows[i], false, &l->ec)) return failed(ctx, l);
  if (sql_agg_any_distinct(v->aggs, v->naggs) && rank_distinct_fold(v->aggs, v->naggs, l->acc, rows, (size_t)n, &l->ec))
    return failed(ctx, l);
  return STROM_OK;
}

static int emit(const procop *v, proc_local *l, strom_out *out, const strom_row *r) {
  strom_row *o = strom_out_row(out);
  for (int i = 0; i < v->nin; i++) o->nulls[i] = r->nulls[i], o->v[i] = r->v[i];
  o->time = r->time;
  sql_agg_result(v->aggs, v->naggs, l->acc, o, v->nin);
  return strom_out_emit(out, o);
}

/* Drops the first k rows of the frame (kept for reuse at the end of the pool). */
static int drop_front(rank_rows *p, int k) {
  if (k > p->n) k = p->n;
  if (k <= 0) return STROM_OK;
  strom_row **tmp = malloc(sizeof *tmp * (size_t)k);
  if (!tmp) return STROM_ENOMEM;
  memcpy(tmp, p->r, sizeof *tmp * (size_t)k);
  memmove(p->r, p->r + k, sizeof *tmp * (size_t)(p->cap - k));
  memcpy(p->r + p->cap - k, tmp, sizeof *tmp * (size_t)k);
  p->n -= k;
  free(tmp);
  return STROM_OK;
}

/* RANGE frames: the rows processed before now - preceding leave. */
static int expire(const procop *v, proc_local *l, int64_t now) {
  int old = 0;
  while (old < l->fr.n && l->fr.r[old]->v[v->tcol].i < now - v->o->preceding) old++;
  return drop_front(&l->fr, old);
}

static int store_frame(proc_local *l) {
  if (!l->fr.n) return strom_state_clear(l->frame), STROM_OK;
  return strom_state_list_update(l->frame, (const strom_row *const *)l->fr.r, (size_t)l->fr.n);
}

static int op_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const procop *v = strom_ctx_data(ctx);
  proc_local *l = strom_ctx_local(ctx);
  const sql_over *o = v->o;
  if (strom_row_get_kind(in) != STROM_INSERT) return strom_ctx_fail(ctx, "an OVER aggregate got an update row");
  int rc;
  if (o->preceding < 0) { /* UNBOUNDED PRECEDING */
    const strom_row *a = strom_state_get(l->acc_st);
    if (a) {
      strom_row_clear(l->acc);
      if ((rc = strom_row_copy(l->acc, a)) || (rc = strom__row_own_strings(l->acc))) return rc;
    } else sql_agg_init(v->aggs, v->naggs, l->acc);
    sql_ectx_reset(&l->ec);
    if (sql_agg_add(v->aggs, v->naggs, l->acc, in, false, &l->ec) ||
        (l->dist && sql_distinct_add(l->dist, l->acc, in, false, &l->ec)))
      return failed(ctx, l);
    if ((rc = emit(v, l, out, in))) return rc;
    return strom_state_update(l->acc_st, l->acc);
  }
  if ((rc = rank_rows_load(&l->fr, l->frame))) return rc;
  int64_t now = strom_ctx_now(ctx);
  if (o->rows) {
    if ((rc = rank_rows_push(&l->fr, in))) return rc;
  } else {
    strom_row_clear(l->cur);
    if ((rc = strom_row_copy(l->cur, in))) return rc;
    strom_row_set_bigint(l->cur, v->tcol, now);
    if ((rc = expire(v, l, now)) || (rc = rank_rows_push(&l->fr, l->cur))) return rc;
  }
  if ((rc = fold(ctx, v, l, (const strom_row *const *)l->fr.r, l->fr.n)) || (rc = emit(v, l, out, in))) return rc;
  if (o->rows && l->fr.n > o->preceding && (rc = drop_front(&l->fr, l->fr.n - (int)o->preceding))) return rc;
  if ((rc = store_frame(l))) return rc;
  /* the timer that drops this row when it leaves the frame (one per key and millisecond) */
  if (!o->rows && now <= INT64_MAX - o->preceding - 1)
    rc = strom_ctx_register_processing_timer(ctx, now + o->preceding + 1);
  return rc;
}

static int op_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)out;
  const procop *v = strom_ctx_data(ctx);
  proc_local *l = strom_ctx_local(ctx);
  int rc = rank_rows_load(&l->fr, l->frame);
  if (rc) return rc;
  return (rc = expire(v, l, time)) ? rc : store_frame(l);
}

strom_stream *sql_over_proc_stream(sql_build *b, const sql_plan *p, strom_stream *in) {
  const sql_over *o = p->over;
  int nk = o->npart ? o->npart : 1, nin = p->in->ncols, na = o->naggs;
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)(nk + 3 * na + 1)); /* 3: LAG's default and offset */
  sql_agg *aggs = sql_arena_alloc(&b->arena, sizeof *aggs * (size_t)(na ? na : 1));
  procop *v = sql_arena_alloc(&b->arena, sizeof *v);
  strom_schema *os = sql_plan_schema(p), *acc = strom_schema_new();
  if (!os || sql_build_own(b, os, (void (*)(void *))strom_schema_free)) return strom_schema_free(acc), NULL;
  if (!acc || sql_build_own(b, acc, (void (*)(void *))strom_schema_free) || !ex || !aggs || !v) return NULL;
  /* the time slot holds the clock's time, set as each row of a RANGE frame comes */
  int tcol;
  const strom_schema *pre = NULL;
  strom_keyed *ks = sql_over_key_by(b, p, in, ex, aggs, (sql_expr){.op = SQL_E_LIT, .type = {.id = STROM_BIGINT}}, acc, &tcol, &pre);
  if (!ks) return NULL;
  *v = (procop){.o = o, .aggs = aggs, .naggs = na, .nin = nin, .tcol = tcol, .pre = pre, .acc = acc};
  strom_process_def d = {.open = op_open, .process = op_process, .close = op_close, .on_timer = op_timer,
                         .data = v, .out_schema = os};
  return strom_set_name(strom_keyed_process(ks, &d), "OverAggregate");
}
