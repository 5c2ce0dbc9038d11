/*
 * over_batch.c -- the OVER node of batch mode when it has LAG, LEAD, CUME_DIST,
 * PERCENT_RANK or NTILE (Flink's batch OverAggregate: the partition sorted, then each
 * row's functions).  Streaming cannot run the last four (they need rows still to come)
 * and runs LAG as an accumulator over a frame; batch mode computes all of them from the
 * sorted partition, as Flink's batch operator does with its offset and whole-partition
 * frames:
 *
 *   LAG / LEAD (x, k, d)  x of the row k rows before / after in the partition, else d
 *   CUME_DIST            rows up to the current row's last peer / rows of the partition
 *   PERCENT_RANK         (rank - 1) / (rows - 1), 0 for a partition of one row
 *   NTILE(n)             the partition cut into n buckets in order, the first
 *                        (rows mod n) buckets one row larger
 *
 * ROW_NUMBER / RANK / DENSE_RANK without a WHERE that makes them a Top-N come here too
 * (rank_topn.c), numbering every row.  Other aggregates of the same window fold their frame's rows (ROWS n PRECEDING, RANGE
 * INTERVAL PRECEDING, UNBOUNDED PRECEDING; RANGE frames end at the last peer).
 * Rows of a partition wait in LIST state (keyed by the PARTITION BY) until the
 * end-of-input timer; ties in ORDER BY keep their arrival order.
 */
#include "rank.h"

typedef struct obatch {
  const sql_over *o;
  sql_agg *aggs;
  int naggs, nin, ord0, tcol; /* tcol: the time column of RANGE INTERVAL frames, or -1 */
  const strom_schema *pre, *acc;
} obatch;

typedef struct obatch_local {
  strom_state *rows;
  rank_rows all;
  strom_row *acc;
  sql_ectx ec;
} obatch_local;

static int ob_open(strom_ctx *ctx) {
  const obatch *v = strom_ctx_data(ctx);
  obatch_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->all.schema = v->pre;
  strom_state_desc d = {.name = "over-batch-rows", .kind = STROM_STATE_LIST, .schema = v->pre};
  if (!(l->rows = strom_ctx_state(ctx, &d))) return STROM_EINVAL;
  return (l->acc = strom_row_new(v->acc)) ? STROM_OK : STROM_ENOMEM;
}

static void ob_close(strom_ctx *ctx) {
  obatch_local *l = strom_ctx_local(ctx);
  if (!l) return;
  rank_rows_free(&l->all);
  strom_row_free(l->acc);
  sql_ectx_free(&l->ec);
  free(l);
}

static int ob_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input, (void)out;
  obatch_local *l = strom_ctx_local(ctx);
  if (strom_row_get_kind(in) != STROM_INSERT) return strom_ctx_fail(ctx, "an OVER aggregate got an update row");
  bool first = strom_state_list_size(l->rows) == 0;
  int rc = strom_state_add(l->rows, in);
  return rc || !first ? rc : strom_ctx_register_event_timer(ctx, INT64_MAX);
}

/* Stable merge sort of r[0, n) by the OVER clause's ORDER BY (tmp holds n). */
static void sort_rows(const obatch *v, strom_row **r, strom_row **tmp, int n) {
  if (n < 2) return;
  int h = n / 2;
  sort_rows(v, r, tmp, h);
  sort_rows(v, r + h, tmp, n - h);
  int i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = rank_cmp_rows(v->o, v->ord0, r[j], r[i]) < 0 ? r[j++] : r[i++];
  while (i < h) tmp[k++] = r[i++];
  while (j < n) tmp[k++] = r[j++];
  memcpy(r, tmp, sizeof *r * (size_t)n);
}

static int fold(strom_ctx *ctx, const obatch *v, obatch_local *l, strom_row *const *r, int from, int to) {
  sql_ectx_reset(&l->ec);
  for (int f = from; f < to; f++)
    if (sql_agg_add(v->aggs, v->naggs, l->acc, r[f], false, &l->ec))
      return strom_ctx_fail(ctx, "%s", l->ec.err[0] ? l->ec.err : "an OVER aggregate failed");
  if (sql_agg_any_distinct(v->aggs, v->naggs) &&
      rank_distinct_fold(v->aggs, v->naggs, l->acc, (const strom_row *const *)r + from, (size_t)(to - from), &l->ec))
    return strom_ctx_fail(ctx, "%s", l->ec.err[0] ? l->ec.err : "an OVER aggregate failed");
  return STROM_OK;
}

/* Aggregate i's positional value for row i of n sorted rows whose peers are [ps, pe). */
static void positional(const obatch *v, const sql_agg *g, strom_row *const *r, int n, int i, int ps, int pe,
                       strom_row *o, int col) {
  const struct sql_over_fn *f = g->over_fn;
  switch (g->kind) {
    case SQL_AGG_LAG:
    case SQL_AGG_LEAD: {
      sql_val x = {.null = true}, off = {.i = f->offset};
      if (f->off) sql_val_get(r[i], sql_over_fn_offset_col(g), &off); /* this row's offset (over_fns.c) */
      int64_t j = off.null ? -1 : g->kind == SQL_AGG_LAG ? (int64_t)i - off.i : (int64_t)i + off.i;
      if (j >= 0 && j < n) sql_val_get(r[j], g->arg, &x);
      else if (f->def) sql_val_get(r[i], g->arg + 1, &x); /* the current row's default */
      sql_val_set(o, col, &x);
      break;
    }
    case SQL_AGG_CUME_DIST: strom_row_set_double(o, col, (double)pe / n); break;
    case SQL_AGG_PERCENT_RANK: strom_row_set_double(o, col, n > 1 ? (double)ps / (n - 1) : 0); break;
    case SQL_AGG_NTILE: {
      int64_t size = n / f->buckets, big = n % f->buckets, edge = big * (size + 1);
      strom_row_set_bigint(o, col, i < edge ? i / (size + 1) + 1 : big + (i - edge) / size + 1);
      break;
    }
    default: break;
  }
  (void)v, (void)ps;
}

static int ob_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)time;
  const obatch *v = strom_ctx_data(ctx);
  obatch_local *l = strom_ctx_local(ctx);
  const sql_over *o = v->o;
  int rc = rank_rows_load(&l->all, l->rows);
  if (rc) return rc;
  strom_state_clear(l->rows);
  int n = l->all.n;
  strom_row **r = l->all.r, **tmp = malloc(sizeof *tmp * (size_t)(n ? n : 1));
  if (!tmp) return STROM_ENOMEM;
  sort_rows(v, r, tmp, n);
  free(tmp);
  bool running = o->preceding < 0 && !sql_agg_any_distinct(v->aggs, v->naggs); /* one accumulator grows */
  int upto = 0, ps = 0, pe = 0, dense = 0;
  sql_agg_init(v->aggs, v->naggs, l->acc);
  for (int i = 0; i < n && !rc; i++) {
    if (i >= pe) { /* the next group of peers */
      ps = i;
      for (pe = i + 1; pe < n && !rank_cmp_rows(o, v->ord0, r[ps], r[pe]);) pe++;
      dense++;
    }
    int lo = 0, hi = o->rows ? i + 1 : pe;
    if (o->preceding >= 0) {
      if (o->rows) lo = i - (int)(o->preceding < i ? o->preceding : i);
      else if (!o->preceding || v->tcol < 0) lo = ps;
      else {
        int64_t t = r[i]->v[v->tcol].i;
        for (lo = ps; lo > 0 && !r[lo - 1]->nulls[v->tcol] && r[lo - 1]->v[v->tcol].i >= t - o->preceding;) lo--;
      }
    }
    if (running) {
      rc = fold(ctx, v, l, r, upto, hi);
      upto = hi > upto ? hi : upto;
    } else {
      sql_agg_init(v->aggs, v->naggs, l->acc);
      rc = fold(ctx, v, l, r, lo, hi);
    }
    if (rc) break;
    strom_row *e = strom_out_row(out);
    for (int c = 0; c < v->nin; c++) e->nulls[c] = r[i]->nulls[c], e->v[c] = r[i]->v[c];
    e->time = r[i]->time;
    sql_agg_result(v->aggs, v->naggs, l->acc, e, v->nin);
    for (int a = 0; a < v->naggs; a++)
      if (sql_agg_over_only(&v->aggs[a])) positional(v, &v->aggs[a], r, n, i, ps, pe, e, v->nin + a);
    if (o->rank) /* ROW_NUMBER / RANK / DENSE_RANK with no WHERE bounding them */
      strom_row_set_bigint(e, v->nin, o->rank_fn == SQL_RANK_RANK ? ps + 1 : o->rank_fn == SQL_RANK_DENSE ? dense : i + 1);
    rc = strom_out_emit(out, e);
  }
  return rc;
}

strom_stream *sql_over_batch_stream(sql_build *b, const sql_plan *p, strom_stream *in) {
  const sql_over *o = p->over;
  int nk = o->npart ? o->npart : 1, nin = p->in->ncols, na = o->naggs;
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)(nk + o->norder + 3 * na + 1));
  sql_agg *aggs = sql_arena_alloc(&b->arena, sizeof *aggs * (size_t)(na ? na : 1));
  obatch *v = sql_arena_alloc(&b->arena, sizeof *v);
  strom_schema *os = sql_plan_schema(p), *acc = strom_schema_new();
  if (!os || sql_build_own(b, os, (void (*)(void *))strom_schema_free)) return strom_schema_free(acc), NULL;
  if (!acc || sql_build_own(b, acc, (void (*)(void *))strom_schema_free) || !ex || !aggs || !v) return NULL;
  int k = 0;
  for (int i = 0; i < nk; i++, k++) {
    if (o->npart) ex[k] = o->part[i];
    else if ((ex[k] = sql_arena_alloc(&b->arena, sizeof *ex[k]))) *ex[k] = (sql_expr){.op = SQL_E_LIT, .type = {.id = STROM_INT}};
    else return NULL;
  }
  int ord0 = nin + k;
  for (int i = 0; i < o->norder; i++) ex[k++] = o->order[i];
  for (int i = 0; i < na; i++) {
    aggs[i] = o->aggs[i];
    aggs[i].filter = -1;
    if (o->args[i]) ex[k] = o->args[i], aggs[i].arg = nin + k++;
    else aggs[i].arg = -1;
    if (aggs[i].over_fn && aggs[i].over_fn->def) ex[k++] = aggs[i].over_fn->def; /* the default: column arg + 1 */
    if (aggs[i].over_fn && aggs[i].over_fn->off) ex[k++] = aggs[i].over_fn->off;  /* then a non-literal offset */
  }
  int tcol = -1;
  if (o->time_col >= 0) {
    if (!(ex[k] = sql_arena_alloc(&b->arena, sizeof *ex[k]))) return NULL;
    *ex[k] = (sql_expr){.op = SQL_E_COL, .col = o->time_col, .type = p->in->cols[o->time_col].type};
    tcol = nin + k++;
  }
  if (sql_agg_acc_schema(aggs, na, acc)) return NULL;
  const strom_schema *pre = NULL;
  strom_keyed *ks = rank_key_by(b, p, in, ex, k, nk, &pre);
  if (!ks) return NULL;
  *v = (obatch){.o = o, .aggs = aggs, .naggs = na, .nin = nin, .ord0 = ord0, .tcol = tcol, .pre = pre, .acc = acc};
  strom_process_def d = {.open = ob_open, .process = ob_process, .close = ob_close, .on_timer = ob_timer,
                         .data = v, .out_schema = os};
  return strom_set_name(strom_keyed_process(ks, &d), "OverAggregate");
}
