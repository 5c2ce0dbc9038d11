/*
 * wm_expr.c -- WATERMARK FOR c AS <any expression of the row>: Flink accepts any
 * expression giving a TIMESTAMP(p <= 3) or TIMESTAMP_LTZ(p <= 3), evaluates it for
 * every row and keeps the largest value as the watermark (its WatermarkAssignerOperator;
 * a NULL is skipped).  The two common forms, `c` and `c - INTERVAL 'n' unit`, keep the
 * planner's bounded fast path (planner.c's add_watermarks); this file runs the others.
 *
 * The watermark operator sees the table's full row (physical and computed columns in
 * declaration order), which is the scope the expression was bound in (binder.c's
 * sql_bind_scan).  'scan.watermark.emit.strategy' = 'on-event' emits a row's value at
 * once; otherwise each subtask keeps its largest value and the periodic timer emits it.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "sql_int.h"

typedef struct wm_expr {
  const sql_expr *e;
  const char *col;
  pthread_mutex_t mu;
  _Atomic(int64_t *) max; /* per subtask, allocated by the first row (the parallelism is known then) */
  int nmax;
} wm_expr;

static void wm_expr_free(void *p) {
  wm_expr *w = p;
  pthread_mutex_destroy(&w->mu);
  free(atomic_load(&w->max));
  free(w);
}

int sql_wm_expr_check(const sql_expr *e, const sql_table *t, const sql_node *at, char *err, size_t errlen) {
  if (e->type.id == STROM_TIMESTAMP && !e->type.kind && !sql_ts_wide(&e->type)) return 0;
  char tn[64];
  sql_type_name(&e->type, tn, sizeof tn);
  snprintf(err, errlen,
           "line %d, column %d: WATERMARK FOR %s: the watermark expression must give a TIMESTAMP(p) or "
           "TIMESTAMP_LTZ(p) with p <= 3, not %s",
           at->line, at->col, t->cols[t->wm_col].name, tn);
  return STROM_EINVAL;
}

/* The expression's value for row, or INT64_MIN when it is NULL or failed (then the
 * job has failed with the reason). */
static int64_t eval(strom_ctx *ctx, const wm_expr *w, const strom_row *row) {
  sql_ectx c;
  sql_ectx_init(&c);
  sql_val v;
  int rc = sql_eval(w->e, row, &c, &v);
  if (c.chunks) sql_ectx_free(&c);
  if (rc) {
    strom_ctx_fail(ctx, "the watermark expression of '%s': %s", w->col, c.err[0] ? c.err : "evaluation failed");
    return INT64_MIN;
  }
  return v.null ? INT64_MIN : v.i;
}

static int64_t *slot(strom_ctx *ctx, wm_expr *w) {
  int64_t *m = atomic_load(&w->max);
  if (!m) {
    pthread_mutex_lock(&w->mu);
    if (!(m = atomic_load(&w->max))) {
      int n = strom_ctx_parallelism(ctx);
      if ((m = strom__malloc(sizeof *m * (size_t)(n > 0 ? n : 1)))) {
        for (int i = 0; i < n; i++) m[i] = INT64_MIN;
        w->nmax = n;
        atomic_store(&w->max, m);
      }
    }
    pthread_mutex_unlock(&w->mu);
  }
  int i = strom_ctx_subtask(ctx);
  return m && i >= 0 && i < w->nmax ? &m[i] : NULL;
}

static int64_t on_event_emit(strom_ctx *ctx, const strom_row *row, int64_t ts) {
  (void)ts;
  return eval(ctx, strom_ctx_data(ctx), row); /* the operator emits only a larger one */
}

static int64_t on_event_keep(strom_ctx *ctx, const strom_row *row, int64_t ts) {
  (void)ts;
  wm_expr *w = strom_ctx_data(ctx);
  int64_t v = eval(ctx, w, row), *m = slot(ctx, w);
  if (!m) strom_ctx_fail(ctx, "out of memory for the watermark of '%s'", w->col);
  else if (v > *m) *m = v;
  return INT64_MIN;
}

static int64_t on_periodic(strom_ctx *ctx, int64_t max_ts) {
  (void)max_ts;
  wm_expr *w = strom_ctx_data(ctx);
  int64_t *m = atomic_load(&w->max);
  int i = strom_ctx_subtask(ctx);
  return m && i >= 0 && i < w->nmax ? m[i] : INT64_MIN;
}

static int64_t no_watermark(strom_ctx *ctx, int64_t max_ts) {
  (void)ctx, (void)max_ts;
  return INT64_MIN;
}

strom_stream *sql_wm_expr_watermarks(sql_build *b, const sql_table *t, strom_stream *s, int ts_col, const sql_expr *e) {
  wm_expr *w = strom__calloc(1, sizeof *w);
  if (!w) return NULL;
  pthread_mutex_init(&w->mu, NULL);
  if (sql_build_own(b, w, wm_expr_free)) return NULL;
  w->e = e, w->col = t->cols[t->wm_col].name;
  sql_expr_compile((sql_expr *)e);
  const char *emit = sql_table_option(t, "scan.watermark.emit.strategy");
  bool on_event = emit && !strcmp(emit, "on-event");
  strom_watermark_strategy ws = {.kind = STROM_WM_CUSTOM,
                                 .timestamp_column = strom_schema_col_name(strom_stream_schema(s), ts_col),
                                 .data = w};
  if (b->sess->batch) ws.on_periodic = no_watermark; /* batch: no row is late, the end of input fires every window */
  else if (on_event) ws.on_event = on_event_emit;
  else ws.on_event = on_event_keep, ws.on_periodic = on_periodic;
  return strom_assign_timestamps(s, &ws);
}

void sql_wm_expr_explain(strom_buf *o, const sql_plan *sc) {
  strom__buf_printf(o, ", watermark=[%s, ", sc->table->cols[sc->table->wm_col].name);
  sql_expr_print(o, sc->wm_expr, sc->cols);
  strom__buf_printf(o, "]");
}
