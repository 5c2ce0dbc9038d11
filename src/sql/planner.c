/*
 * planner.c -- from a bound plan to the DataStream API: no second engine.  A SCAN is
 * the connector's source, a CALC over it for computed columns and a watermark
 * operator (Flink SQL's periodic "max of the watermark expression"); a CALC (filter
 * then projection, Flink's Calc) is one process operator that chains with its
 * neighbours; UNION ALL is strom_union; a windowed AGG is key_by + the runtime's
 * window operator (incremental aggregate + a window function adding window_start,
 * window_end, window_time), so it keeps one accumulator per key and window and emits
 * final +I rows when the watermark passes the window's end; a non-windowed AGG is a
 * keyed process function with the accumulator in value state (TTL from
 * table.exec.state.ttl) emitting +I, then -U/+U on every change, -D when the group
 * empties, as Flink's GroupAggFunction does.  EXPLAIN prints the same tree.
 */
#include <inttypes.h>

#include "batch.h"
#include "hint.h"
#include "sql_int.h"
#include "unnest.h"
#include "match.h"

strom_schema *sql_plan_schema(const sql_plan *p) {
  strom_schema *s = strom_schema_new();
  for (int i = 0; s && i < p->ncols; i++) {
    char name[24];
    snprintf(name, sizeof name, "c%d", i); /* names need not be unique in SQL: the schema's are positional */
    if (sql_schema_add(s, name, &p->cols[i].type)) {
      strom_schema_free(s);
      return NULL;
    }
  }
  return s;
}

static const strom_schema *owned_schema(sql_build *b, strom_schema *s) {
  if (!s) return NULL;
  if (sql_build_own(b, s, (void (*)(void *))strom_schema_free)) return NULL;
  return s;
}

/* ---- CALC: filter and projection ---- */

typedef struct calc {
  const sql_expr *cond;
  sql_expr **exprs;
  int n;
  bool *str;   /* output column i is a VARCHAR */
  int *direct; /* output column i is input column direct[i] as it is (-1: evaluate, -2: the row's timestamp) */
  /* cond is, or starts with (AND), `column op literal` over integers (a view's
   * event_type = 2): that is compared directly, without the evaluator, and rest (the
   * other operand of the AND, or NULL) evaluated after it; fast_col -1 otherwise. */
  const sql_expr *rest;
  int fast_col;
  sql_eop fast_op;
  int64_t fast_lit;
} calc;

/* Sets k's fast path when cond is an integer column compared with a literal of its type. */
static void fast_cond(calc *k, const sql_expr *cond) {
  k->fast_col = -1;
  k->rest = NULL;
  if (cond && cond->op == SQL_E_AND && cond->n == 2) {
    fast_cond(k, cond->a[0]);
    if (k->fast_col >= 0) k->rest = cond->a[1];
    return;
  }
  if (!cond || cond->op < SQL_E_EQ || cond->op > SQL_E_GE || cond->n != 2) return;
  const sql_expr *l = cond->a[0], *r = cond->a[1];
  if (l->op != SQL_E_COL || r->op != SQL_E_LIT || r->lit.null || !sql_int64_type(&l->type) || l->type.id != r->type.id ||
      !sql_int64_type(&r->type))
    return;
  k->fast_col = l->col, k->fast_op = cond->op, k->fast_lit = r->lit.i;
}

static bool fast_pass(const calc *k, const strom_row *in) {
  if (in->nulls[k->fast_col]) return false; /* NULL compared is unknown: filtered out */
  int64_t x = in->v[k->fast_col].i;
  return k->fast_op == SQL_E_EQ ? x == k->fast_lit : sql_cmp_holds(k->fast_op, x, k->fast_lit); /* = mostly */
}

/* A CALC subtask's scratch for evaluation, and its plan (one lookup per row, not two). */
typedef struct calc_local {
  sql_ectx c;
  const calc *k;
} calc_local;

static int calc_open(strom_ctx *ctx) {
  calc_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  l->k = strom_ctx_data(ctx);
  strom_ctx_set_local(ctx, l);
  return STROM_OK;
}

static void calc_close(strom_ctx *ctx) {
  calc_local *l = strom_ctx_local(ctx);
  if (l) sql_ectx_free(&l->c);
  free(l);
  if (sql_calc_ctx == ctx) sql_calc_ctx = NULL;
}

static int calc_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  calc_local *l = strom_ctx_local(ctx);
  const calc *k = l->k;
  const sql_expr *cond = k->cond;
  if (k->fast_col >= 0) { /* a row the filter's fast part drops costs nothing more */
    if (!fast_pass(k, in)) return STROM_OK;
    cond = k->rest;
  }
  sql_ectx *c = &l->c;
  if (c->chunks) sql_ectx_reset(c); /* most rows allocate nothing */
  sql_calc_ctx = ctx; /* CURRENT_WATERMARK (fn_time2.c) */
  if (cond) {
    int r = sql_eval_pred(cond, in, c);
    if (r < 0) return strom_ctx_fail(ctx, "%s", c->err[0] ? c->err : "evaluation failed");
    if (!r) return STROM_OK;
  }
  if (!k->exprs) return strom_out_emit(out, in);
  strom_row *o = strom_out_row(out);
  for (int i = 0; i < k->n; i++) {
    int d = k->direct[i];
    if (d >= 0) { /* a column passed on: no evaluation (string refs stay valid, as below) */
      o->nulls[i] = in->nulls[d];
      o->v[i] = in->v[d];
      continue;
    }
    if (d == -2) {
      o->nulls[i] = 0;
      o->v[i].i = in->time;
      continue;
    }
    sql_val v;
    int rc = sql_eval(k->exprs[i], in, c, &v);
    if (rc) return strom_ctx_fail(ctx, "%s", c->err[0] ? c->err : "evaluation failed");
    /* Strings point into the input row, a literal or the scratch, all alive until
     * the emit below returns: reference them instead of copying. */
    if (v.null) o->nulls[i] = 1;
    else if (k->str[i]) strom_row_set_str_ref(o, i, v.s.p, v.s.n);
    else o->nulls[i] = 0, o->v[i].i = v.i, o->v[i].w.hi = v.w.hi; /* hi: a wide DECIMAL's */
  }
  o->kind = in->kind;
  return strom_out_emit(out, o);
}

static strom_stream *calc_stream(sql_build *b, strom_stream *in, const sql_expr *cond, sql_expr **exprs, int n,
                                 const strom_schema *out, const char *name) {
  calc *k = sql_arena_alloc(&b->arena, sizeof *k);
  if (!k) return NULL;
  k->cond = cond, k->exprs = exprs, k->n = n;
  fast_cond(k, cond);
  sql_expr_compile((sql_expr *)cond);
  for (int i = 0; i < n; i++) sql_expr_compile(exprs[i]);
  if (!(k->str = sql_arena_alloc(&b->arena, sizeof(bool) * (size_t)(n ? n : 1))) ||
      !(k->direct = sql_arena_alloc(&b->arena, sizeof(int) * (size_t)(n ? n : 1))))
    return NULL;
  const strom_schema *is = strom_stream_schema(in);
  for (int i = 0; i < n; i++) {
    k->str[i] = strom_schema_col_type(out, i) == STROM_VARCHAR;
    /* A bare column whose physical type is unchanged is copied, not evaluated. */
    const strom_col *oc = &out->cols[i], *ic = exprs[i]->op == SQL_E_COL && exprs[i]->col < is->ncols ? &is->cols[exprs[i]->col] : NULL;
    k->direct[i] = ic && ic->type == oc->type && ic->precision == oc->precision && ic->scale == oc->scale ? exprs[i]->col : -1;
    if (exprs[i]->op == SQL_E_ROWTIME && oc->type == STROM_TIMESTAMP) k->direct[i] = -2;
  }
  /* Every column passed on as it is, in order, under the same name, and no filter: no
   * operator at all (names matter: key_by and sinks find columns by them). */
  bool identity = !cond && exprs && n == is->ncols;
  for (int i = 0; identity && i < n; i++)
    identity = k->direct[i] == i && !strcmp(strom_schema_col_name(is, i), strom_schema_col_name(out, i));
  if (identity) return in;
  strom_process_def d = {.open = calc_open, .process = calc_process, .close = calc_close, .data = k, .out_schema = out};
  return strom_set_name(strom_process(in, &d), name);
}

strom_stream *sql_calc_stream(sql_build *b, strom_stream *in, sql_expr **exprs, int n, const strom_schema *out,
                              const char *name) {
  return calc_stream(b, in, NULL, exprs, n, out, name);
}

/* ---- SCAN ---- */

/* A table's WATERMARK: the delay, and the rowtime as an expression over the physical
 * columns when it is a computed column evaluated in the watermark operator. */
typedef struct wm_sql {
  int64_t delay;
  const sql_expr *rowtime;
  const char *name;
  /* A rowtime `CASE WHEN k = lit THEN ts_a ... ELSE ts_z END` that picks one of several
   * millisecond timestamp columns by an integer column, as a table holding several
   * kinds of event declares its event time (Nexmark's datagen): read without the
   * evaluator.  sw_col -1: none; sw_res[k] is the column of kind k, for kinds 0..15
   * (the literals must lie there), others and NULL take the ELSE, sw_res[16] (-1: NULL). */
  int sw_col;
  int sw_res[17];
} wm_sql;

/* Sets w's column switch when its rowtime has that shape. */
static void wm_switch(wm_sql *w) {
  const sql_expr *e = w->rowtime;
  w->sw_col = -1;
  if (!e || e->op != SQL_E_CASE || e->n < 2 || sql_ts_wide(&e->type)) return;
  int col = -1, res[17];
  bool set[16] = {0};
  res[16] = -1;
  for (int i = 0; i + 1 < e->n; i += 2) {
    const sql_expr *x = e->a[i], *then = e->a[i + 1];
    const sql_expr *k = x->n == 2 ? x->a[0] : NULL, *l = x->n == 2 ? x->a[1] : NULL;
    if (x->op != SQL_E_EQ || k->op != SQL_E_COL || l->op != SQL_E_LIT || l->lit.null || !sql_int64_type(&k->type) ||
        k->type.id != l->type.id || (col >= 0 && k->col != col) || l->lit.i < 0 || l->lit.i > 15)
      return;
    if (then->op != SQL_E_COL || then->type.id != e->type.id || then->type.kind || sql_ts_wide(&then->type)) return;
    col = k->col;
    if (!set[l->lit.i]) set[l->lit.i] = true, res[l->lit.i] = then->col; /* the first WHEN that matches wins */
  }
  if (e->n & 1) {
    const sql_expr *x = e->a[e->n - 1];
    if (x->op != SQL_E_COL || x->type.id != e->type.id || x->type.kind || sql_ts_wide(&x->type)) return;
    res[16] = x->col;
  }
  for (int k = 0; k < 16; k++)
    if (!set[k]) res[k] = res[16];
  w->sw_col = col;
  memcpy(w->sw_res, res, sizeof res);
}

static int64_t wm_periodic(strom_ctx *ctx, int64_t max_ts) {
  const wm_sql *w = strom_ctx_data(ctx);
  return max_ts == INT64_MIN ? INT64_MIN : max_ts - w->delay;
}

static int64_t wm_on_event(strom_ctx *ctx, const strom_row *row, int64_t ts) {
  (void)row;
  const wm_sql *w = strom_ctx_data(ctx);
  return ts - w->delay;
}

static int64_t wm_rowtime(strom_ctx *ctx, const strom_row *row) {
  const wm_sql *w = strom_ctx_data(ctx);
  sql_ectx c;
  sql_ectx_init(&c);
  sql_val v;
  int rc = sql_eval(w->rowtime, row, &c, &v);
  if (c.chunks) sql_ectx_free(&c);
  if (rc) strom_ctx_fail(ctx, "the rowtime column '%s': %s", w->name, c.err[0] ? c.err : "evaluation failed");
  else if (v.null) strom_ctx_fail(ctx, "the timestamp column '%s' is NULL", w->name);
  else return v.i;
  return INT64_MIN;
}

/* wm_rowtime by w's column switch; the evaluator for a NULL result (its error). */
static int64_t wm_rowtime_switch(strom_ctx *ctx, const strom_row *row) {
  const wm_sql *w = strom_ctx_data(ctx);
  uint64_t k = (uint64_t)row->v[w->sw_col].i;
  int col = w->sw_res[row->nulls[w->sw_col] || k > 15 ? 16 : k];
  if (STROM_LIKELY(col >= 0 && !row->nulls[col])) return row->v[col].i;
  return wm_rowtime(ctx, row);
}

/* The watermark operator of table t over s: the rowtime is column ts_col of s, or the
 * expression rowtime over s's columns. */
static strom_stream *add_watermarks(sql_build *b, const sql_table *t, strom_stream *s, int ts_col, const sql_expr *rowtime) {
  wm_sql *w = sql_arena_alloc(&b->arena, sizeof *w);
  if (!w) return NULL;
  w->delay = t->wm_delay_ms, w->rowtime = rowtime, w->name = t->cols[t->wm_col].name;
  wm_switch(w);
  if (b->sess->batch) w->delay = INT64_MAX / 4; /* batch: no row is late, the end of input fires every window */
  sql_expr_compile((sql_expr *)rowtime);
  const char *emit = sql_table_option(t, "scan.watermark.emit.strategy");
  bool on_event = emit && !strcmp(emit, "on-event");
  return strom_assign_timestamps(
      s, &(strom_watermark_strategy){.kind = STROM_WM_CUSTOM,
                                     .timestamp_column = rowtime ? NULL : strom_schema_col_name(strom_stream_schema(s), ts_col),
                                     .timestamp_fn = !rowtime ? NULL : w->sw_col >= 0 ? wm_rowtime_switch : wm_rowtime,
                                     .on_periodic = on_event ? NULL : wm_periodic,
                                     .on_event = on_event ? wm_on_event : NULL,
                                     .data = w});
}

/* Whether t's source can read only some of its columns: its connector prunes and no
 * column crosses it as text (ARRAY, MAP, ROW values: types_io.c). */
static bool prunable(const sql_table *t) {
  if (!t->conn->prunes) return false;
  for (int c = 0; c < t->ncols; c++)
    if (!t->cols[c].computed && t->cols[c].type.kind) return false;
  return true;
}

/* The index of table t in b->shared; -1 when the statement reads it once. */
static int shared_of(const sql_build *b, const sql_table *t) {
  int sh = -1;
  for (int i = 0; i < b->nshared; i++)
    if (b->shared[i] == t) sh = i;
  return sh;
}

/* The index of scan p's table in b->shared when its shared source reads every physical
 * column and the scan's own watermarks are the shared ones; -1 otherwise. */
static int shared_scan(const sql_build *b, const sql_plan *p) {
  const sql_table *t = p->table;
  int sh = shared_of(b, t);
  if (sh < 0 || p->wm_expr || (t->wm_col >= 0 && t->conn->own_watermark && t->conn->own_watermark(t))) return -1;
  return prunable(t) && b->shared_used[sh] ? -1 : sh; /* as scan_calc_stream prunes */
}

static strom_stream *scan_stream(sql_build *b, const sql_plan *p) {
  const sql_table *t = p->table;
  strom_schema *phys = strom_schema_new();
  for (int i = 0; phys && i < t->ncols; i++)
    if (!t->cols[i].computed && sql_schema_add_io(phys, t->cols[i].name, &t->cols[i].type)) {
      strom_schema_free(phys);
      phys = NULL;
    }
  const strom_schema *ps = owned_schema(b, phys);
  if (!ps) return NULL;
  /* a table read twice: one source, as scan_calc_stream shares it, when that one reads
   * every column (watermarks on the physical row, its way), so both readers see the same
   * rows and watermarks in one order (a window join of two TVFs over t) */
  int sh = shared_scan(b, p);
  strom_stream *s = sh >= 0 ? b->shared_stream[sh] : NULL;
  if (!s && !(s = sql_io_decode(b, t, t->conn->scan(b, t, ps)))) return NULL;
  if (sh >= 0 && !b->shared_stream[sh]) {
    int pc = 0; /* the rowtime's physical index */
    for (int i = 0; i < t->wm_col; i++) pc += !t->cols[i].computed;
    bool computed = t->wm_col >= 0 && t->cols[t->wm_col].computed;
    if (t->wm_col >= 0 && !(s = add_watermarks(b, t, s, computed ? -1 : pc, computed ? p->exprs[t->wm_col] : NULL)))
      return NULL;
    b->shared_stream[sh] = s;
  }
  if (p->exprs) {
    const strom_schema *full = owned_schema(b, sql_plan_schema(p));
    if (!full) return NULL;
    s = calc_stream(b, s, NULL, p->exprs, p->ncols, full, "Computed columns");
  }
  if (sh >= 0) return s;
  if (p->wm_expr) s = sql_wm_expr_watermarks(b, t, s, t->wm_col, p->wm_expr);
  else if (t->wm_col >= 0 && !(t->conn->own_watermark && t->conn->own_watermark(t))) s = add_watermarks(b, t, s, t->wm_col, NULL);
  return s;
}

/* ---- VALUES ---- */

static strom_stream *values_stream(sql_build *b, const sql_plan *p) {
  const strom_schema *s = owned_schema(b, sql_plan_schema(p));
  if (!s) return NULL;
  strom_row **rows = strom__calloc((size_t)p->nrows + 1, sizeof *rows);
  if (!rows) return NULL;
  strom_stream *out = NULL;
  int r = 0;
  for (; r < p->nrows; r++) {
    if (!(rows[r] = strom_row_new(s))) break;
    for (int c = 0; c < p->ncols; c++)
      if (sql_val_set(rows[r], c, &p->rows[r][c]->lit)) break;
  }
  if (r == p->nrows) out = strom_from_rows(b->env, s, (const strom_row *const *)rows, (size_t)p->nrows);
  for (int i = 0; i < p->nrows; i++) strom_row_free(rows[i]);
  free(rows);
  return out;
}

/* ---- window TVF without aggregation: window columns per row ---- */

typedef struct tvf {
  sql_window w;
  int ncols;
} tvf;

static int tvf_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const tvf *t = strom_ctx_data(ctx);
  int64_t ts = strom_row_time(in);
  if (ts == STROM_NO_TIMESTAMP) return strom_ctx_fail(ctx, "a row has no event time");
  if (t->w.kind == SQL_W_CUMULATE) { /* windows sharing a start, ending every step (rank_cumulate.c) */
    int64_t st = ts - (((ts - t->w.offset) % t->w.size) + t->w.size) % t->w.size;
    for (int64_t en = st + t->w.slide; en <= st + t->w.size; en += t->w.slide) {
      if (en <= ts) continue;
      strom_row *o = strom_out_row(out);
      for (int i = 0; i < t->ncols; i++) o->nulls[i] = in->nulls[i], o->v[i] = in->v[i];
      strom_row_set_timestamp(o, t->ncols, st);
      strom_row_set_timestamp(o, t->ncols + 1, en);
      strom_row_set_timestamp(o, t->ncols + 2, en - 1);
      strom_row_set_time(o, en - 1);
      o->kind = in->kind; /* an updating input's -U/-D stay retractions */
      int rc = strom_out_emit(out, o);
      if (rc) return rc;
    }
    return STROM_OK;
  }
  int64_t size = t->w.size, slide = t->w.kind == SQL_W_HOP ? t->w.slide : size;
  int64_t last = ts - (((ts - t->w.offset) % slide) + slide) % slide; /* the last window start at or before ts */
  for (int64_t start = last; start > ts - size; start -= slide) {
    strom_row *o = strom_out_row(out);
    for (int i = 0; i < t->ncols; i++) o->nulls[i] = in->nulls[i], o->v[i] = in->v[i];
    strom_row_set_timestamp(o, t->ncols, start);
    strom_row_set_timestamp(o, t->ncols + 1, start + size);
    strom_row_set_timestamp(o, t->ncols + 2, start + size - 1);
    strom_row_set_time(o, start + size - 1);
    o->kind = in->kind;
    int rc = strom_out_emit(out, o);
    if (rc) return rc;
  }
  return STROM_OK;
}

/* ---- AGG ---- */

typedef struct aggconf {
  const sql_agg *aggs;
  int naggs, nkeys; /* key columns in the pre-projected row (at least one) */
  bool real_keys;   /* false: one constant key column */
  bool windowed;
  int64_t slice;  /* HOP: a row whose slice (of the slide's size) has ended is late, as in Flink */
  int tcol;       /* the row time in the pre-projected row */
  int rows_col;   /* windowed: rows counted into the accumulator */
  bool counts;    /* every aggregate a plain COUNT(*): acc_add counts without sql_agg_add */
  const strom_schema *acc, *state_schema;
  int64_t ttl_ms;
  int64_t mb_size, mb_latency_ms; /* mini-batch: rows and latency of a batch; 0: none */
} aggconf;

static int acc_create(strom_ctx *ctx, strom_row *acc) {
  const aggconf *a = strom_ctx_data(ctx);
  sql_agg_init(a->aggs, a->naggs, acc);
  strom_row_set_bigint(acc, a->rows_col, 0);
  return STROM_OK;
}

static int acc_add(strom_ctx *ctx, const strom_row *in, const strom_row *acc, strom_row *acc_out) {
  (void)acc;
  const aggconf *a = strom_ctx_data(ctx);
  if (a->slice > 0) {
    int64_t t = in->v[a->tcol].i, end = t - ((t % a->slice) + a->slice) % a->slice + a->slice;
    if (end - 1 <= strom_ctx_watermark(ctx)) return STROM_OK; /* its slice has fired: late */
  }
  /* an updating input's -U/-D take their row out of the window of its time */
  strom_row_kind k = strom_row_get_kind(in);
  bool retract = k == STROM_UPDATE_BEFORE || k == STROM_DELETE;
  acc_out->v[a->rows_col].i += retract ? -1 : 1;
  if (a->counts) {
    for (int i = 0; i < a->naggs; i++) acc_out->v[a->aggs[i].acc].i += retract ? -1 : 1;
    return STROM_OK;
  }
  sql_ectx c;
  sql_ectx_init(&c);
  int rc = sql_agg_add(a->aggs, a->naggs, acc_out, in, retract, &c);
  if (c.chunks) sql_ectx_free(&c);
  return rc;
}

static int acc_merge(strom_ctx *ctx, const strom_row *x, const strom_row *y, strom_row *out) {
  const aggconf *a = strom_ctx_data(ctx);
  strom_row_copy(out, x);
  out->v[a->rows_col].i += y->v[a->rows_col].i;
  return sql_agg_merge(a->aggs, a->naggs, out, y);
}

static int acc_result(strom_ctx *ctx, const strom_row *acc, strom_row *out) {
  (void)ctx;
  return strom_row_copy(out, acc);
}

static void put_keys(const aggconf *a, strom_ctx *ctx, strom_row *o) {
  if (!a->real_keys) return;
  const strom_row *key = strom_ctx_key(ctx);
  for (int i = 0; i < a->nkeys; i++) o->nulls[i] = key->nulls[i], o->v[i] = key->v[i];
}

static int window_fire(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out) {
  const aggconf *a = strom_ctx_data(ctx);
  if (!n || rows[0]->v[a->rows_col].i <= 0) return STROM_OK; /* emptied by retractions: no row, as Flink */
  strom_row *o = strom_out_row(out);
  put_keys(a, ctx, o);
  int k = a->real_keys ? a->nkeys : 0;
  int64_t ws = strom_ctx_window_start(ctx), we = strom_ctx_window_end(ctx);
  strom__row_put_ts(o, k, ws);
  strom__row_put_ts(o, k + 1, we);
  strom__row_put_ts(o, k + 2, we - 1);
  sql_agg_result(a->aggs, a->naggs, rows[0], o, k + 3);
  return strom_out_emit(out, o);
}

/* Non-windowed aggregation: value state = accumulator + the group's row count. */
typedef struct group_local {
  strom_state *st;
  strom_row *acc, *prev, *next;
  sql_ectx ec;
  sql_distinct *dist; /* DISTINCT aggregates' value counts */
  sql_minibatch *mb;  /* table.exec.mini-batch.enabled */
} group_local;

static int group_open(strom_ctx *ctx) {
  const aggconf *a = strom_ctx_data(ctx);
  group_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  strom_state_desc d = {.name = "group-agg", .kind = STROM_STATE_VALUE, .schema = a->state_schema};
  if (a->ttl_ms > 0) d.ttl = (strom_state_ttl){.ttl_ms = a->ttl_ms, .update = STROM_TTL_ON_CREATE_AND_WRITE};
  if (!(l->st = strom_ctx_state(ctx, &d))) return STROM_EINVAL;
  l->acc = strom_row_new(a->state_schema);
  if (sql_agg_any_distinct(a->aggs, a->naggs) && !(l->dist = sql_distinct_open(ctx, a->aggs, a->naggs, a->ttl_ms))) return STROM_EINVAL;
  if (a->mb_size > 0 && !(l->mb = sql_minibatch_new(a->mb_size, a->mb_latency_ms))) return STROM_ENOMEM;
  return l->acc ? STROM_OK : STROM_ENOMEM;
}

static void group_close(strom_ctx *ctx) {
  group_local *l = strom_ctx_local(ctx);
  if (!l) return;
  strom_row_free(l->acc);
  strom_row_free(l->prev);
  strom_row_free(l->next);
  sql_ectx_free(&l->ec);
  sql_distinct_free(l->dist);
  sql_minibatch_free(l->mb);
  free(l);
}

static bool rows_equal(const strom_row *x, const strom_row *y) { return strom__row_prefix_equal(x, y, x->ncols); }

/* Folds rows (one key's, in arrival order: one row, or a mini-batch's) into the group's
 * accumulator with one state read and write, and emits one change: +I for a new group,
 * -U/+U when its result changed, -D when its last row was retracted. */
static int group_fold(strom_ctx *ctx, const strom_row *const *rows, const int *inputs, size_t n, strom_out *out) {
  (void)inputs;
  const aggconf *a = strom_ctx_data(ctx);
  group_local *l = strom_ctx_local(ctx);
  const strom_schema *os = strom_row_schema(strom_out_row(out));
  if (!l->prev && (!(l->prev = strom_row_new(os)) || !(l->next = strom_row_new(os)))) return STROM_ENOMEM;
  int cnt_col = a->acc->ncols; /* the row count after the accumulators */
  const strom_row *cur = strom_state_get(l->st);
  bool had = cur != NULL;
  if (had) strom_row_copy(l->acc, cur), strom__row_own_strings(l->acc);
  strom_row_clear(l->prev);
  if (had) {
    put_keys(a, ctx, l->prev);
    sql_agg_result(a->aggs, a->naggs, l->acc, l->prev, a->real_keys ? a->nkeys : 0);
  }
  sql_ectx_reset(&l->ec);
  int64_t count = had ? strom_row_get_bigint(l->acc, cnt_col) : 0;
  for (size_t i = 0; i < n; i++) {
    /* a group that has no rows (new, or emptied by retractions) starts over */
    if (count <= 0) sql_agg_init(a->aggs, a->naggs, l->acc), count = 0;
    strom_row_kind k = strom_row_get_kind(rows[i]);
    bool retract = k == STROM_UPDATE_BEFORE || k == STROM_DELETE;
    int rc = sql_agg_add(a->aggs, a->naggs, l->acc, rows[i], retract, &l->ec);
    if (!rc && l->dist) rc = sql_distinct_add(l->dist, l->acc, rows[i], retract, &l->ec);
    if (rc) return strom_ctx_fail(ctx, "%s", l->ec.err);
    count += retract ? -1 : 1;
  }
  strom_row_set_bigint(l->acc, cnt_col, count);
  if (count <= 0) {
    strom_state_clear(l->st);
    if (!had) return STROM_OK;
    strom_row_set_kind(l->prev, STROM_DELETE);
    return strom_out_emit(out, l->prev);
  }
  int rc;
  if ((rc = strom_state_update(l->st, l->acc))) return rc;
  strom_row_clear(l->next);
  put_keys(a, ctx, l->next);
  sql_agg_result(a->aggs, a->naggs, l->acc, l->next, a->real_keys ? a->nkeys : 0);
  if (!had) {
    strom_row_set_kind(l->next, STROM_INSERT);
    return strom_out_emit(out, l->next);
  }
  if (a->ttl_ms <= 0 && rows_equal(l->prev, l->next)) return STROM_OK; /* nothing changed: no update */
  strom_row_set_kind(l->prev, STROM_UPDATE_BEFORE);
  if ((rc = strom_out_emit(out, l->prev))) return rc;
  strom_row_set_kind(l->next, STROM_UPDATE_AFTER);
  return strom_out_emit(out, l->next);
}

static int group_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  group_local *l = strom_ctx_local(ctx);
  if (l->mb) return sql_minibatch_add(l->mb, ctx, input, in, group_fold, out);
  return group_fold(ctx, &in, &input, 1, out);
}

/* The mini-batch's end: its latency timer, or a watermark, checkpoint or end of input. */
static int group_flush(strom_ctx *ctx, strom_out *out) {
  group_local *l = strom_ctx_local(ctx);
  return l->mb ? sql_minibatch_flush(l->mb, ctx, group_fold, out) : STROM_OK;
}

static int group_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)time;
  return group_flush(ctx, out);
}

/* A SESSION window with DISTINCT keeps its rows in list state, which keeps no row kind:
 * over an updating input each row carries its sign (-1 for -U/-D) in a last column. */
static int signed_row(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  (void)ctx;
  for (int i = 0; i < in->ncols; i++) {
    sql_val v;
    sql_val_get(in, i, &v);
    int rc = sql_val_set(out, i, &v);
    if (rc) return rc;
  }
  strom_row_kind k = strom_row_get_kind(in);
  strom_row_set_bigint(out, in->ncols, k == STROM_UPDATE_BEFORE || k == STROM_DELETE ? -1 : 1);
  strom_row_set_time(out, strom_row_time(in));
  return STROM_OK;
}

/* agg_stream's pre-projection of p's input: keys, aggregate arguments, filters, as a
 * CALC over the input, so it merges with the input's CALCs (and the scan): columns the
 * aggregation does not read are never computed.  Its columns are named c0, c1, ...
 * (sql_plan_schema).  join_agg.c evaluates the same expressions on joined rows. */
int sql_agg_prepare(sql_build *b, const sql_plan *p, sql_agg_pre *out) {
  bool attached = p->win.kind == SQL_W_ATTACHED; /* keyed by the window too: agg_attached.c */
  int nk = attached ? p->nkeys + 2 : p->nkeys ? p->nkeys : 1, na = p->naggs;
  int n = nk + 2 * na + 1;
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)(n ? n : 1));
  if (!ex) return STROM_ENOMEM;
  static const sql_type t_int = {.id = STROM_INT};
  int k = 0;
  for (int i = 0; i < nk; i++, k++) {
    sql_expr *e = i < p->nkeys ? p->keys[i] : NULL;
    if (!e) {
      e = sql_arena_alloc(&b->arena, sizeof *e);
      if (!e) return STROM_ENOMEM;
      e->op = SQL_E_LIT, e->type = t_int;
      if (attached) {
        e->op = SQL_E_COL, e->col = i == p->nkeys ? p->win.start_col : p->win.end_col;
        e->type = p->in->cols[e->col].type;
      }
    }
    ex[k] = e;
  }
  /* sql_agg.arg and .filter are positions among the args and filters; shift them */
  sql_agg *aggs = sql_arena_alloc(&b->arena, sizeof *aggs * (size_t)(na ? na : 1));
  if (!aggs) return STROM_ENOMEM;
  for (int i = 0; i < na; i++) {
    aggs[i] = p->aggs[i];
    aggs[i].arg = p->agg_args[i] ? k : -1;
    if (p->agg_args[i]) ex[k++] = p->agg_args[i];
  }
  for (int i = 0; i < na; i++) {
    aggs[i].filter = p->agg_filters[i] ? k : -1;
    if (p->agg_filters[i]) ex[k++] = p->agg_filters[i];
  }
  int tcol = -1;
  if (p->win.kind && p->time_col >= 0) {
    sql_expr *te = sql_arena_alloc(&b->arena, sizeof *te);
    if (!te) return STROM_ENOMEM;
    te->op = SQL_E_COL, te->col = p->time_col, te->type = p->in->cols[p->time_col].type;
    tcol = k;
    ex[k++] = te;
  }
  sql_plan *pp = sql_arena_alloc(&b->arena, sizeof *pp);
  if (!pp || !(pp->cols = sql_arena_alloc(&b->arena, sizeof *pp->cols * (size_t)(k ? k : 1)))) return STROM_ENOMEM;
  pp->kind = SQL_P_CALC, pp->in = p->in, pp->ncols = k, pp->exprs = ex, pp->changelog = p->in->changelog, pp->time_col = -1;
  for (int i = 0, ia = 0, ifl = 0; i < k; i++) {
    char name[32];
    if (i < nk) snprintf(name, sizeof name, "k%d", i);
    else if (i == tcol) snprintf(name, sizeof name, "t");
    else {
      while (ia < na && !p->agg_args[ia]) ia++;
      while (ifl < na && !p->agg_filters[ifl]) ifl++;
      if (ia < na) snprintf(name, sizeof name, "a%d", ia++);
      else snprintf(name, sizeof name, "f%d", ifl++);
    }
    pp->cols[i] = (sql_col){.name = sql_arena_strndup(&b->arena, name, strlen(name)), .type = ex[i]->type.id ? ex[i]->type : t_int};
    if (!pp->cols[i].name) return STROM_ENOMEM;
  }
  *out = (sql_agg_pre){.plan = pp, .nkeys = nk, .aggs = aggs, .tcol = tcol};
  return STROM_OK;
}

/* The state of a non-windowed aggregation: the accumulators, then the group's row count. */
const strom_schema *sql_agg_state_schema(sql_build *b, const strom_schema *acc) {
  strom_schema *st = strom_schema_new();
  for (int i = 0; st && i < strom_schema_ncols(acc); i++) {
    if (acc->cols[i].type == STROM_DECIMAL) strom_schema_add_decimal(st, acc->cols[i].name, acc->cols[i].precision, acc->cols[i].scale);
    else strom__schema_add_col(st, acc->cols[i].name, &acc->cols[i]);
  }
  if (st) strom_schema_add(st, "rows", STROM_BIGINT);
  return owned_schema(b, st);
}

/* The columns of an AGG's output stream, named c0, c1, ... */
const strom_schema *sql_agg_out_schema(sql_build *b, const sql_plan *p) {
  strom_schema *outs = strom_schema_new();
  for (int i = 0; outs && i < p->ncols; i++) {
    char name[32];
    snprintf(name, sizeof name, "c%d", i);
    sql_schema_add(outs, name, &p->cols[i].type);
  }
  return owned_schema(b, outs);
}

static strom_stream *agg_stream(sql_build *b, const sql_plan *p) {
  if (sql_joinagg_applies(b, p)) return sql_joinagg_stream(b, p); /* join_agg.c */
  sql_agg_pre pre;
  if (sql_agg_prepare(b, p, &pre)) return NULL;
  bool attached = p->win.kind == SQL_W_ATTACHED;
  int nk = pre.nkeys, na = p->naggs, tcol = pre.tcol;
  sql_agg *aggs = pre.aggs;
  strom_stream *s = sql_plan_stream(b, pre.plan);
  if (!s) return NULL;
  int sign_col = -1;
  if (p->win.kind == SQL_W_SESSION && pre.plan->changelog && sql_agg_any_distinct(aggs, na)) {
    strom_schema *ws = sql_plan_schema(pre.plan);
    if (ws && strom_schema_add(ws, "sign", STROM_BIGINT)) strom_schema_free(ws), ws = NULL;
    const strom_schema *wso = owned_schema(b, ws);
    if (!wso) return NULL;
    sign_col = pre.plan->ncols;
    s = strom_set_name(strom_map(s, wso, signed_row, NULL), "Row kind as a column");
  }
  /* 2. key_by */
  strom_buf keys = {0};
  for (int i = 0; i < nk; i++) strom__buf_printf(&keys, "%sc%d", i ? ", " : "", i);
  strom_keyed *ks = strom_key_by(s, keys.p);
  strom__buf_free(&keys);
  /* 3. the aggregation */
  aggconf *a = sql_arena_alloc(&b->arena, sizeof *a);
  strom_schema *acc = strom_schema_new();
  if (!a || !acc || sql_agg_acc_schema(aggs, na, acc)) return strom_schema_free(acc), NULL;
  a->rows_col = strom_schema_ncols(acc);
  if (p->win.kind && strom_schema_add(acc, "rows", STROM_BIGINT)) return strom_schema_free(acc), NULL;
  a->tcol = tcol;
  a->slice = p->win.kind == SQL_W_HOP && tcol >= 0 && !p->win.proctime ? p->win.slide : 0;
  a->aggs = aggs, a->naggs = na, a->nkeys = nk, a->real_keys = p->nkeys > 0, a->windowed = p->win.kind != SQL_W_NONE;
  a->counts = true;
  for (int i = 0; i < na; i++) a->counts &= aggs[i].kind == SQL_AGG_COUNT_STAR && !aggs[i].distinct && aggs[i].filter < 0;
  a->acc = owned_schema(b, acc);
  a->ttl_ms = b->sess->state_ttl_ms;
  if (!a->acc) return NULL;
  const strom_schema *os = sql_agg_out_schema(b, p);
  if (!os) return NULL;
  if (attached) return sql_attached_agg(b, ks, aggs, na, p->nkeys, a->acc, os);
  if (a->windowed && p->win.proctime && p->win.kind == SQL_W_SESSION && sql_agg_any_distinct(aggs, na))
    return sql_build_fail(b, "not supported yet: DISTINCT aggregates in processing-time SESSION windows"), NULL;
  if (a->windowed && (p->win.kind == SQL_W_CUMULATE || (p->win.kind != SQL_W_SESSION && sql_agg_any_distinct(aggs, na))))
    /* rank_cumulate.c */
    return sql_cumulate_agg(b, ks, aggs, na, nk, a->real_keys, tcol, a->acc, os, &p->win);
  if (a->windowed && sql_agg_any_distinct(aggs, na)) /* SESSION: rank_distinct.c */
    return sql_distinct_window(b, ks, aggs, na, nk, a->real_keys, a->acc, os,
                               p->win.kind == SQL_W_TUMBLE ? strom_tumbling(p->win.size)
                               : p->win.kind == SQL_W_HOP  ? strom_sliding(p->win.size, p->win.slide)
                                                           : strom_session(p->win.gap),
                               sign_col);
  if (a->windowed) {
    strom_aggregate_def *ad = sql_arena_alloc(&b->arena, sizeof *ad);
    if (!ad) return NULL;
    *ad = (strom_aggregate_def){.acc_schema = a->acc, .out_schema = a->acc, .create = acc_create, .add = acc_add,
                                .merge = acc_merge, .result = acc_result, .add_in_place = true};
    strom_window_assigner w = p->win.kind == SQL_W_TUMBLE ? strom_tumbling(p->win.size)
                              : p->win.kind == SQL_W_HOP  ? strom_sliding(p->win.size, p->win.slide)
                                                          : strom_session(p->win.gap);
    w.processing_time = p->win.proctime;
    w.offset_ms = p->win.offset;
    strom_window_def wd = {.assigner = w, .aggregate = ad, .process = window_fire, .out_schema = os, .data = a};
    return strom_set_name(strom_window(ks, &wd), "Window aggregate");
  }
  if (!(a->state_schema = sql_agg_state_schema(b, a->acc))) return NULL;
  if (b->sess->batch) /* batch_agg.c: one final row per group */
    return sql_batch_agg(b, ks, aggs, na, nk, a->real_keys, a->state_schema, os, a->ttl_ms);
  strom_process_def d = {.open = group_open, .process = group_process, .close = group_close, .data = a, .out_schema = os};
  int mb = sql_minibatch_on(b);
  if (mb < 0) return NULL;
  if (mb) {
    a->mb_size = b->sess->minibatch_size, a->mb_latency_ms = b->sess->minibatch_latency_ms;
    d.flush = group_flush, d.on_timer = group_timer;
  }
  return strom_set_name(strom_keyed_process(ks, &d), a->mb_size ? "MiniBatch group aggregate" : "Group aggregate");
}

/* ---- merging adjacent CALCs (Flink's CalcMergeRule) ---- */

static int count_refs(const sql_expr *e, int col) {
  if (e->op == SQL_E_COL) return e->col == col;
  int n = 0;
  for (int i = 0; i < e->n; i++) n += count_refs(e->a[i], col);
  return n;
}

/* e with every column reference replaced by the lower CALC's expression. */
static sql_expr *substitute(sql_arena *a, const sql_expr *e, sql_expr **lower) {
  if (e->op == SQL_E_COL) return lower[e->col];
  sql_expr *c = sql_arena_alloc(a, sizeof *c);
  if (!c) return NULL;
  *c = *e;
  c->fast = NULL; /* its children change */
  if (e->n) {
    if (!(c->a = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)e->n))) return NULL;
    for (int i = 0; i < e->n; i++)
      if (!(c->a[i] = substitute(a, e->a[i], lower))) return NULL;
  }
  return c;
}

static bool cheap(const sql_expr *e) { return e->op == SQL_E_COL || e->op == SQL_E_LIT; }

/* A CALC over a CALC becomes one operator when no expression of the lower one would be
 * evaluated twice; NULL when they cannot merge. */
static sql_plan *merge_calc(sql_build *b, const sql_plan *p) {
  const sql_plan *lo = p->in;
  if (p->kind != SQL_P_CALC || lo->kind != SQL_P_CALC || !p->exprs) return NULL;
  if (lo->exprs) {
    for (int c = 0; c < lo->ncols; c++) {
      if (cheap(lo->exprs[c])) continue;
      int refs = p->cond ? count_refs(p->cond, c) : 0;
      for (int i = 0; i < p->ncols; i++) refs += count_refs(p->exprs[i], c);
      if (refs > 1 || (p->cond && count_refs(p->cond, c))) return NULL;
    }
  }
  sql_plan *m = sql_arena_alloc(&b->arena, sizeof *m);
  if (!m) return NULL;
  *m = *p;
  m->in = lo->in;
  if (!lo->exprs) { /* a filter below: conditions add up, columns stay */
    m->cond = lo->cond;
    if (p->cond) {
      sql_expr *and = sql_arena_alloc(&b->arena, sizeof *and);
      sql_expr **args = sql_arena_alloc(&b->arena, 2 * sizeof *args);
      if (!and || !args) return NULL;
      and->op = SQL_E_AND, and->type = (sql_type){.id = STROM_BOOLEAN}, and->n = 2, and->a = args;
      args[0] = lo->cond, args[1] = p->cond;
      m->cond = and;
    }
    return m;
  }
  if (!(m->exprs = sql_arena_alloc(&b->arena, sizeof(sql_expr *) * (size_t)(p->ncols ? p->ncols : 1)))) return NULL;
  for (int i = 0; i < p->ncols; i++)
    if (!(m->exprs[i] = substitute(&b->arena, p->exprs[i], lo->exprs))) return NULL;
  m->cond = lo->cond;
  if (p->cond) {
    sql_expr *up = substitute(&b->arena, p->cond, lo->exprs);
    if (!up) return NULL;
    if (lo->cond) {
      sql_expr *and = sql_arena_alloc(&b->arena, sizeof *and);
      sql_expr **args = sql_arena_alloc(&b->arena, 2 * sizeof *args);
      if (!and || !args) return NULL;
      and->op = SQL_E_AND, and->type = (sql_type){.id = STROM_BOOLEAN}, and->n = 2, and->a = args;
      args[0] = lo->cond, args[1] = up;
      up = and;
    }
    m->cond = up;
  }
  return m;
}

/* ---- a CALC right over a SCAN: computed columns and projection pushdown ---- */

static void mark_cols(const sql_expr *e, bool *used) {
  if (e->op == SQL_E_COL) used[e->col] = true;
  for (int i = 0; i < e->n; i++) mark_cols(e->a[i], used);
}

/* e with column c renamed map[c]. */
sql_expr *sql_expr_remap(sql_arena *a, const sql_expr *e, const int *map) {
  sql_expr *c = sql_arena_alloc(a, sizeof *c);
  if (!c) return NULL;
  *c = *e;
  if (e->op == SQL_E_COL) c->col = map[e->col];
  if (e->n) {
    if (!(c->a = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)e->n))) return NULL;
    for (int i = 0; i < e->n; i++)
      if (!(c->a[i] = sql_expr_remap(a, e->a[i], map))) return NULL;
  }
  return c;
}

/* As Flink pushes projections and computed columns into the scan: the source reads
 * only the physical columns the CALC (and the WATERMARK) need, when its connector can;
 * a computed rowtime is evaluated once, by the watermark operator, and read back as the
 * row's timestamp; other computed columns are evaluated in the CALC, for the rows its
 * filter keeps.  One operator instead of a projection, a computed-column CALC and the
 * CALC itself.  *applies false (and NULL): not this plan's shape, plan it as before. */
static strom_stream *scan_calc_stream(sql_build *b, const sql_plan *p, bool *applies) {
  const sql_plan *sc = p->in;
  const sql_table *t = sc->table;
  int n = sc->ncols, ntop = p->exprs ? p->ncols : n;
  *applies = false;
  if (t->wm_col >= 0 && t->conn->own_watermark && t->conn->own_watermark(t)) return NULL;
  if (sc->wm_expr) return NULL; /* its expression reads the full row (wm_expr.c) */
  bool wm_computed = t->wm_col >= 0 && t->cols[t->wm_col].computed;
  sql_arena *a = &b->arena;
  sql_expr **top = p->exprs;
  if (!top) { /* a filter: every column passes on */
    if (!(top = sql_arena_alloc(a, sizeof *top * (size_t)(n ? n : 1)))) return NULL;
    for (int i = 0; i < n; i++) {
      if (!(top[i] = sql_arena_alloc(a, sizeof *top[i]))) return NULL;
      *top[i] = (sql_expr){.op = SQL_E_COL, .col = i, .type = sc->cols[i].type};
    }
  }
  bool *ref = sql_arena_alloc(a, sizeof *ref * (size_t)(n ? n : 1));
  if (!ref) return NULL;
  for (int c = 0; c < n; c++) {
    int refs = p->cond ? count_refs(p->cond, c) : 0;
    for (int i = 0; i < ntop; i++) refs += count_refs(top[i], c);
    ref[c] = refs > 0;
    if (refs > 1 && sc->exprs && !cheap(sc->exprs[c]) && !(c == t->wm_col && wm_computed)) return NULL;
  }
  *applies = true;
  /* the physical columns needed, pidx: a table column's physical index */
  int nphys = 0, *pidx = sql_arena_alloc(a, sizeof *pidx * (size_t)(n ? n : 1));
  if (!pidx) return NULL;
  for (int c = 0; c < n; c++) pidx[c] = t->cols[c].computed ? -1 : nphys++;
  bool *used = sql_arena_alloc(a, sizeof *used * (size_t)(nphys ? nphys : 1));
  int *map = sql_arena_alloc(a, sizeof *map * (size_t)(nphys ? nphys : 1));
  if (!used || !map) return NULL;
  for (int c = 0; c < n; c++) {
    bool need = ref[c] || c == t->wm_col;
    if (!need) continue;
    if (pidx[c] >= 0) used[pidx[c]] = true;
    else mark_cols(sc->exprs[c], used);
  }
  int shared = shared_of(b, t);
  bool prune = prunable(t) && (shared < 0 || b->shared_used[shared]);
  if (prune && shared >= 0) { /* the shared source reads what every CALC over it reads */
    for (int k = 0; k < nphys; k++)
      if (used[k] && !b->shared_used[shared][k]) { /* a CALC shared_reads did not foresee */
        *applies = false;
        return NULL;
      }
    used = b->shared_used[shared];
  }
  strom_schema *ps = strom_schema_new();
  if (!ps || sql_build_own(b, ps, (void (*)(void *))strom_schema_free)) return NULL;
  for (int c = 0, k = 0; c < n; c++) {
    if (pidx[c] < 0) continue;
    if (prune && !used[pidx[c]]) {
      map[pidx[c]] = -1;
      continue;
    }
    map[pidx[c]] = k++;
    if (sql_schema_add_io(ps, t->cols[c].name, &t->cols[c].type)) return NULL;
  }
  /* each referenced table column as an expression over the scan's row */
  sql_expr **lower = sql_arena_alloc(a, sizeof *lower * (size_t)(n ? n : 1));
  if (!lower) return NULL;
  for (int c = 0; c < n; c++) {
    lower[c] = NULL;
    if (!ref[c]) continue;
    if (c == t->wm_col && wm_computed && !sql_ts_wide(&sc->cols[c].type)) { /* the row time holds no nanoseconds */
      if (!(lower[c] = sql_arena_alloc(a, sizeof *lower[c]))) return NULL;
      *lower[c] = (sql_expr){.op = SQL_E_ROWTIME, .type = sc->cols[c].type};
    } else if (pidx[c] >= 0) {
      if (!(lower[c] = sql_arena_alloc(a, sizeof *lower[c]))) return NULL;
      *lower[c] = (sql_expr){.op = SQL_E_COL, .col = map[pidx[c]], .type = sc->cols[c].type};
    } else if (!(lower[c] = sql_expr_remap(a, sc->exprs[c], map))) {
      return NULL;
    }
  }
  sql_expr *cond = NULL, **exprs = sql_arena_alloc(a, sizeof *exprs * (size_t)(ntop ? ntop : 1));
  if (!exprs || (p->cond && !(cond = substitute(a, p->cond, lower)))) return NULL;
  for (int i = 0; i < ntop; i++)
    if (!(exprs[i] = substitute(a, top[i], lower))) return NULL;
  strom_stream *s = shared >= 0 ? b->shared_stream[shared] : NULL;
  if (!s) {
    if (!(s = sql_io_decode(b, t, t->conn->scan(b, t, ps)))) return NULL;
    if (t->wm_col >= 0) {
      const sql_expr *rowtime = wm_computed ? sql_expr_remap(a, sc->exprs[t->wm_col], map) : NULL;
      if ((wm_computed && !rowtime) || !(s = add_watermarks(b, t, s, wm_computed ? -1 : map[pidx[t->wm_col]], rowtime)))
        return NULL;
    }
    if (shared >= 0) b->shared_stream[shared] = s;
  }
  const strom_schema *out = owned_schema(b, sql_plan_schema(p));
  return out ? calc_stream(b, s, cond, exprs, ntop, out, p->exprs ? (p->cond ? "Calc" : "Project") : "Filter") : NULL;
}

/* ---- columns a join's parent does not read are dropped below the join ---- */

/* A CALC over p passing on the columns i with keep[i], map[i] their new positions. */
static sql_plan *project_cols(sql_arena *a, sql_plan *p, const bool *keep, const int *map, int n) {
  sql_plan *c = sql_arena_alloc(a, sizeof *c);
  if (!c) return NULL;
  c->kind = SQL_P_CALC, c->in = p, c->ncols = n, c->changelog = p->changelog, c->time_col = -1;
  if (!(c->cols = sql_arena_alloc(a, sizeof *c->cols * (size_t)(n ? n : 1))) ||
      !(c->exprs = sql_arena_alloc(a, sizeof *c->exprs * (size_t)(n ? n : 1))))
    return NULL;
  for (int i = 0; i < p->ncols; i++) {
    if (!keep[i]) continue;
    c->cols[map[i]] = p->cols[i];
    if (!(c->exprs[map[i]] = sql_arena_alloc(a, sizeof(sql_expr)))) return NULL;
    *c->exprs[map[i]] = (sql_expr){.op = SQL_E_COL, .col = i, .type = p->cols[i].type};
    if (p->time_col == i) c->time_col = map[i];
  }
  return c;
}

/* As Flink's ProjectJoinTransposeRule: the join p of which its parent reads the columns
 * need[i], with each input narrowed to the columns the parent, the keys, the residual
 * and the time bounds use, so the join's state holds only those; map[i] is column i's
 * new position (-1: dropped).  NULL when nothing would be dropped (or on no memory). */
static sql_plan *prune_join(sql_build *b, const sql_plan *p, bool *need, int *map) {
  const sql_join *j = p->join;
  if (j->type >= SQL_J_SEMI) return NULL;
  if (j->asof >= 0) return NULL; /* FOR SYSTEM_TIME AS OF: the lookup reads its table whole (tjoin_*.c) */
  int nl = p->in->ncols, n = p->ncols;
  if (j->residual) mark_cols(j->residual, need);
  for (int i = 0; i < j->nkeys; i++) {
    bool *lneed = need, *rneed = need + nl;
    mark_cols(j->lkeys[i], lneed);
    mark_cols(j->rkeys[i], rneed);
  }
  if (j->kind == SQL_JK_INTERVAL) need[j->ltime] = need[nl + j->rtime] = true;
  if (j->kind == SQL_JK_WINDOW) need[j->lwend] = need[nl + j->rwend] = true;
  int kl = 0, kr = 0;
  for (int i = 0; i < n; i++) {
    if (!need[i]) map[i] = -1;
    else map[i] = i < nl ? kl++ : nl + kr++; /* right columns renumbered below */
  }
  if (kl + kr == n) return NULL;
  for (int i = nl; i < n; i++)
    if (map[i] >= 0) map[i] -= nl - kl;
  sql_arena *a = &b->arena;
  int *rmap = sql_arena_alloc(a, sizeof *rmap * (size_t)(n - nl ? n - nl : 1));
  sql_join *nj = sql_arena_alloc(a, sizeof *nj);
  sql_plan *np = sql_arena_alloc(a, sizeof *np);
  if (!rmap || !nj || !np) return NULL;
  for (int i = nl; i < n; i++) rmap[i - nl] = map[i] >= 0 ? map[i] - kl : -1;
  *nj = *j;
  if (!(nj->lkeys = sql_arena_alloc(a, sizeof *nj->lkeys * (size_t)(j->nkeys ? j->nkeys : 1))) ||
      !(nj->rkeys = sql_arena_alloc(a, sizeof *nj->rkeys * (size_t)(j->nkeys ? j->nkeys : 1))))
    return NULL;
  for (int i = 0; i < j->nkeys; i++)
    if (!(nj->lkeys[i] = sql_expr_remap(a, j->lkeys[i], map)) || !(nj->rkeys[i] = sql_expr_remap(a, j->rkeys[i], rmap))) return NULL;
  if (j->residual && !(nj->residual = sql_expr_remap(a, j->residual, map))) return NULL;
  nj->cond = NULL; /* the condition was analysed into the fields above */
  if (j->kind == SQL_JK_INTERVAL) nj->ltime = map[j->ltime], nj->rtime = rmap[j->rtime];
  if (j->kind == SQL_JK_WINDOW) nj->lwend = map[j->lwend], nj->rwend = rmap[j->rwend];
  *np = *p;
  np->join = nj, np->ncols = kl + kr;
  if (!(np->in = project_cols(a, p->in, need, map, kl)) || !(np->in2 = project_cols(a, p->in2, need + nl, rmap, kr)) ||
      !(np->cols = sql_arena_alloc(a, sizeof *np->cols * (size_t)(kl + kr ? kl + kr : 1))))
    return NULL;
  for (int i = 0; i < n; i++)
    if (map[i] >= 0) np->cols[map[i]] = p->cols[i];
  np->time_col = p->time_col >= 0 ? map[p->time_col] : -1;
  return np;
}

/* The input columns an AGG reads: keys, arguments, filters, its time. */
static void agg_mark(const sql_plan *p, bool *need) {
  for (int i = 0; i < p->nkeys; i++) mark_cols(p->keys[i], need);
  for (int i = 0; i < p->naggs; i++) {
    if (p->agg_args[i]) mark_cols(p->agg_args[i], need);
    if (p->agg_filters && p->agg_filters[i]) mark_cols(p->agg_filters[i], need);
  }
  if (p->time_col >= 0) need[p->time_col] = true;
  if (p->win.kind == SQL_W_ATTACHED) need[p->win.start_col] = need[p->win.end_col] = true;
}

/* np (a copy of AGG p over a narrowed input) with p's expressions renumbered by map. */
static sql_plan *agg_remap(sql_arena *a, const sql_plan *p, sql_plan *np, const int *map) {
  if ((p->nkeys && !(np->keys = sql_arena_alloc(a, sizeof *np->keys * (size_t)p->nkeys))) ||
      (p->naggs && !(np->agg_args = sql_arena_alloc(a, sizeof *np->agg_args * (size_t)p->naggs))) ||
      (p->naggs && p->agg_filters && !(np->agg_filters = sql_arena_alloc(a, sizeof *np->agg_filters * (size_t)p->naggs))))
    return NULL;
  for (int i = 0; i < p->nkeys; i++)
    if (!(np->keys[i] = sql_expr_remap(a, p->keys[i], map))) return NULL;
  for (int i = 0; i < p->naggs; i++) {
    if (p->agg_args[i] && !(np->agg_args[i] = sql_expr_remap(a, p->agg_args[i], map))) return NULL;
    if (p->agg_filters && p->agg_filters[i] && !(np->agg_filters[i] = sql_expr_remap(a, p->agg_filters[i], map))) return NULL;
  }
  if (p->time_col >= 0) np->time_col = map[p->time_col];
  if (p->win.kind == SQL_W_ATTACHED) np->win.start_col = map[p->win.start_col], np->win.end_col = map[p->win.end_col];
  return np;
}

/* A CALC or AGG over a join, reading the join pruned by prune_join; NULL: as it is. */
static sql_plan *over_pruned_join(sql_build *b, const sql_plan *p) {
  const sql_plan *jp = p->in;
  if (jp->kind != SQL_P_JOIN || (p->kind != SQL_P_CALC && p->kind != SQL_P_AGG) || (p->kind == SQL_P_CALC && !p->exprs))
    return NULL;
  sql_arena *a = &b->arena;
  bool *need = sql_arena_alloc(a, sizeof *need * (size_t)(jp->ncols ? jp->ncols : 1));
  int *map = sql_arena_alloc(a, sizeof *map * (size_t)(jp->ncols ? jp->ncols : 1));
  sql_plan *np = sql_arena_alloc(a, sizeof *np);
  if (!need || !map || !np) return NULL;
  *np = *p;
  if (p->kind == SQL_P_CALC) {
    if (p->cond) mark_cols(p->cond, need);
    for (int i = 0; i < p->ncols; i++) mark_cols(p->exprs[i], need);
  } else {
    agg_mark(p, need);
  }
  if (!(np->in = prune_join(b, jp, need, map))) return NULL;
  if (p->kind == SQL_P_CALC) {
    if (p->cond && !(np->cond = sql_expr_remap(a, p->cond, map))) return NULL;
    if (!(np->exprs = sql_arena_alloc(a, sizeof *np->exprs * (size_t)p->ncols))) return NULL;
    for (int i = 0; i < p->ncols; i++)
      if (!(np->exprs[i] = sql_expr_remap(a, p->exprs[i], map))) return NULL;
    return np;
  }
  return agg_remap(a, p, np, map);
}

/* ---- equal sub-plans (Flink's sub-plan reuse, for aggregations) ---- */

static bool type_equal(const sql_type *a, const sql_type *b) {
  return a->id == b->id && a->p == b->p && a->s == b->s && a->ltz == b->ltz && a->kind == b->kind && a->elem == b->elem &&
         a->key == b->key;
}

bool sql_expr_equal(const sql_expr *a, const sql_expr *b) {
  if (!a || !b) return a == b;
  if (a->op != b->op || a->n != b->n || a->col != b->col || a->fn != b->fn || a->aux != b->aux ||
      a->try_cast != b->try_cast || !type_equal(&a->type, &b->type))
    return false;
  if (a->op == SQL_E_LIT) {
    if (a->lit.null != b->lit.null) return false;
    if (!a->lit.null && a->type.id == STROM_VARCHAR
            ? a->lit.s.n != b->lit.s.n || (a->lit.s.n && memcmp(a->lit.s.p, b->lit.s.p, a->lit.s.n))
            : !a->lit.null && a->lit.i != b->lit.i)
      return false;
  }
  for (int i = 0; i < a->n; i++)
    if (!sql_expr_equal(a->a[i], b->a[i])) return false;
  return true;
}

static bool win_equal(const sql_window *a, const sql_window *b) {
  return a->kind == b->kind && a->size == b->size && a->slide == b->slide && a->gap == b->gap && a->proctime == b->proctime &&
         a->offset == b->offset && a->npart == b->npart &&
         (!a->npart || !memcmp(a->part, b->part, sizeof *a->part * (size_t)a->npart)) &&
         (a->kind != SQL_W_ATTACHED || (a->inner == b->inner && a->start_col == b->start_col && a->end_col == b->end_col));
}

static bool exprs_equal(sql_expr *const *a, sql_expr *const *b, int n) {
  if (!a || !b) return a == b;
  for (int i = 0; i < n; i++)
    if (!sql_expr_equal(a[i], b[i])) return false;
  return true;
}

/* Whether a and b compute the same rows: scans, CALCs, window TVFs and aggregations
 * compared field by field; any other node is taken as different. */
bool sql_plan_equal(const sql_plan *a, const sql_plan *b) {
  if (a == b) return true;
  if (!a || !b || a->kind != b->kind || a->ncols != b->ncols || a->changelog != b->changelog || a->time_col != b->time_col ||
      a->batch_final != b->batch_final)
    return false;
  for (int i = 0; i < a->ncols; i++)
    if (!type_equal(&a->cols[i].type, &b->cols[i].type) || a->cols[i].rowtime != b->cols[i].rowtime) return false;
  switch (a->kind) {
    case SQL_P_SCAN: return a->table == b->table && exprs_equal(a->exprs, b->exprs, a->ncols);
    case SQL_P_CALC:
      return sql_expr_equal(a->cond, b->cond) && exprs_equal(a->exprs, b->exprs, a->ncols) && sql_plan_equal(a->in, b->in);
    case SQL_P_WINDOW_TVF: return win_equal(&a->win, &b->win) && sql_plan_equal(a->in, b->in);
    case SQL_P_AGG:
      if (a->nkeys != b->nkeys || a->naggs != b->naggs || !win_equal(&a->win, &b->win) ||
          !exprs_equal(a->keys, b->keys, a->nkeys) || !exprs_equal(a->agg_args, b->agg_args, a->naggs) ||
          !exprs_equal(a->agg_filters, b->agg_filters, a->naggs))
        return false;
      for (int i = 0; i < a->naggs; i++) {
        const sql_agg *x = &a->aggs[i], *y = &b->aggs[i];
        if (x->kind != y->kind || x->distinct != y->distinct || !type_equal(&x->type, &y->type) ||
            !type_equal(&x->in_type, &y->in_type))
          return false;
      }
      return sql_plan_equal(a->in, b->in);
    default: return false;
  }
}

/* How many times p reads table t. */
static int scans_of(const sql_plan *p, const sql_table *t) {
  if (!p) return 0;
  return (p->kind == SQL_P_SCAN && p->table == t) + scans_of(p->in, t) + scans_of(p->in2, t);
}

/* Notes the tables of p that the roots read more than once. */
static void note_shared(sql_build *b, const sql_plan *const *roots, int n, const sql_plan *p) {
  if (!p) return;
  if (p->kind == SQL_P_SCAN && b->nshared < (int)(sizeof b->shared / sizeof *b->shared)) {
    int scans = 0;
    for (int i = 0; i < n && scans < 2; i++) scans += scans_of(roots[i], p->table);
    bool known = false;
    for (int i = 0; i < b->nshared; i++) known |= b->shared[i] == p->table;
    if (scans > 1 && !known) b->shared[b->nshared] = p->table, b->shared_stream[b->nshared++] = NULL;
  }
  note_shared(b, roots, n, p->in);
  note_shared(b, roots, n, p->in2);
}

static void scan_reads(const sql_plan *p, const sql_plan *sc, bool *used, bool *ref);

/* Adds to used the physical columns of table t that the CALCs and AGGs over its scans
 * in p read; *all when a scan of it has another parent. */
static void union_reads(sql_build *b, const sql_plan *p, const sql_plan *parent, const sql_table *t, bool *used, bool *all) {
  if (!p || *all) return;
  if (p->kind == SQL_P_SCAN && p->table == t) {
    bool *ref = sql_arena_alloc(&b->arena, sizeof *ref * (size_t)(p->ncols ? p->ncols : 1));
    if (!ref || !parent || (parent->kind != SQL_P_CALC && parent->kind != SQL_P_AGG)) *all = true;
    else scan_reads(parent, p, used, ref);
  }
  union_reads(b, p->in, p, t, used, all);
  union_reads(b, p->in2, p, t, used, all);
}

/* The physical columns of shared table t that the roots, as they will be planned
 * (sql_plan_optimized), read; NULL when they read all of them. */
static bool *shared_reads(sql_build *b, const sql_plan *const *roots, int n, const sql_table *t) {
  int nphys = 0;
  for (int c = 0; c < t->ncols; c++) nphys += !t->cols[c].computed;
  bool *used = sql_arena_alloc(&b->arena, sizeof *used * (size_t)(nphys ? nphys : 1)), all = !used;
  for (int i = 0; i < n && !all; i++) union_reads(b, sql_plan_optimized(b, roots[i]), NULL, t, used, &all);
  return all ? NULL : used;
}

int sql_plan_stream_roots(sql_build *b, const sql_plan *const *roots, int n, strom_stream **out) {
  b->nshared = b->nreuse = 0;
  for (int i = 0; i < n; i++) note_shared(b, roots, n, roots[i]);
  for (int i = 0; i < b->nshared; i++) b->shared_used[i] = shared_reads(b, roots, n, b->shared[i]);
  int rc = STROM_OK;
  for (int i = 0; i < n; i++)
    if (!(out[i] = sql_plan_stream(b, roots[i]))) rc = STROM_EINVAL;
  b->nshared = b->nreuse = 0;
  return rc;
}

strom_stream *sql_plan_stream_root(sql_build *b, const sql_plan *p) {
  strom_stream *s;
  sql_plan_stream_roots(b, &p, 1, &s);
  return s;
}

strom_stream *sql_plan_stream(sql_build *b, const sql_plan *p) {
  for (const sql_plan *m; p->kind == SQL_P_CALC && p->in->kind == SQL_P_CALC && (m = merge_calc(b, p));) p = m;
  const sql_plan *pruned = p->in && p->in->kind == SQL_P_JOIN ? over_pruned_join(b, p) : NULL;
  if (pruned) p = pruned;
  switch (p->kind) {
    case SQL_P_SCAN: return scan_stream(b, p);
    case SQL_P_VALUES: return values_stream(b, p);
    case SQL_P_CALC: {
      if (p->in->kind == SQL_P_SCAN) {
        bool applies;
        strom_stream *s = scan_calc_stream(b, p, &applies);
        if (applies) return s;
      }
      strom_stream *in = sql_plan_stream(b, p->in);
      if (!in) return NULL;
      if (!p->exprs) return calc_stream(b, in, p->cond, NULL, 0, strom_stream_schema(in), "Filter");
      const strom_schema *s = owned_schema(b, sql_plan_schema(p));
      return s ? calc_stream(b, in, p->cond, p->exprs, p->ncols, s, p->cond ? "Calc" : "Project") : NULL;
    }
    case SQL_P_UNION: {
      strom_stream *l = sql_plan_stream(b, p->in), *r = l ? sql_plan_stream(b, p->in2) : NULL;
      return r ? strom_union(l, r) : NULL;
    }
    case SQL_P_WINDOW_TVF: {
      if (p->win.proctime) {
        sql_build_fail(b, "not supported yet: processing-time windows without an aggregation");
        return NULL;
      }
      if (p->win.kind == SQL_W_SESSION) return sql_session_tvf_stream(b, p); /* tvf_session.c */
      strom_stream *in = sql_plan_stream(b, p->in);
      tvf *t = sql_arena_alloc(&b->arena, sizeof *t);
      const strom_schema *s = owned_schema(b, sql_plan_schema(p));
      if (!in || !t || !s) return NULL;
      t->w = p->win, t->ncols = p->in->ncols;
      return strom_set_name(strom_process(in, &(strom_process_def){.process = tvf_process, .data = t, .out_schema = s}),
                            "Window TVF");
    }
    case SQL_P_AGG: {
      for (int i = 0; i < b->nreuse; i++)
        if (sql_plan_equal(b->reuse_plan[i], p)) return b->reuse_stream[i];
      strom_stream *s = agg_stream(b, p);
      if (s && b->nreuse < (int)(sizeof b->reuse_plan / sizeof *b->reuse_plan))
        b->reuse_plan[b->nreuse] = p, b->reuse_stream[b->nreuse++] = s;
      return s;
    }
    case SQL_P_OVER: {
      strom_stream *in = sql_plan_stream(b, p->in);
      return in ? sql_batch_final(b, p, sql_over_stream(b, p, in)) : NULL;
    }
    case SQL_P_JOIN: return sql_batch_final(b, p, sql_join_stream(b, p));
    case SQL_P_SETOP: return sql_batch_final(b, p, sql_setop_stream(b, p));
    case SQL_P_SORT: return sql_sort_stream(b, p);
    case SQL_P_EXPAND: return sql_gsets_stream(p, sql_plan_stream(b, p->in), owned_schema(b, sql_plan_schema(p)));
    case SQL_P_UNNEST: return sql_unnest_stream(b, p, sql_plan_stream(b, p->in)); /* unnest_plan.c */
    case SQL_P_MATCH: return sql_match_stream(b, p, sql_plan_stream(b, p->in)); /* match_plan.c */
  }
  return NULL;
}

/* ---- EXPLAIN ---- */

/* An AGG (not over a join: over_pruned_join) over a CALC of the columns it reads, as
 * agg_stream's pre-projection merged into that CALC runs it; p when it reads them all. */
static const sql_plan *agg_narrowed(sql_build *b, const sql_plan *p) {
  sql_arena *a = &b->arena;
  int n = p->in->ncols, k = 0;
  bool *need = sql_arena_alloc(a, sizeof *need * (size_t)(n ? n : 1));
  int *map = sql_arena_alloc(a, sizeof *map * (size_t)(n ? n : 1));
  sql_plan *np = sql_arena_alloc(a, sizeof *np);
  if (!need || !map || !np) return p;
  agg_mark(p, need);
  for (int i = 0; i < n; i++) map[i] = need[i] ? k++ : -1;
  if (k == n) return p;
  *np = *p;
  if (!(np->in = project_cols(a, p->in, need, map, k))) return p;
  return agg_remap(a, p, np, map) ? np : p;
}

const sql_plan *sql_calc_merged(sql_build *b, const sql_plan *p) {
  for (const sql_plan *m; p->kind == SQL_P_CALC && p->in->kind == SQL_P_CALC && (m = merge_calc(b, p));) p = m;
  return p;
}

const sql_plan *sql_plan_optimized(sql_build *b, const sql_plan *p) {
  p = sql_calc_merged(b, p);
  const sql_plan *pruned = p->in && p->in->kind == SQL_P_JOIN ? over_pruned_join(b, p) : NULL;
  if (pruned) p = pruned;
  else if (p->kind == SQL_P_AGG && p->in->kind != SQL_P_SCAN) p = agg_narrowed(b, p);
  const sql_plan *in = p->in ? sql_plan_optimized(b, p->in) : NULL, *in2 = p->in2 ? sql_plan_optimized(b, p->in2) : NULL;
  bool jag = p->kind == SQL_P_AGG && sql_joinagg_applies(b, p);
  bool mb = p->kind == SQL_P_AGG && !p->win.kind && b->sess->minibatch && b->sess->minibatch_size > 0 &&
            b->sess->minibatch_latency_ms > 0;
  bool wmx = p->kind == SQL_P_JOIN && sql_winmax_applies(b, p);
  if (in == p->in && in2 == p->in2 && !mb && !wmx && !jag) return p;
  sql_plan *np = sql_arena_alloc(&b->arena, sizeof *np);
  if (!np) return p;
  *np = *p;
  np->in = (sql_plan *)in, np->in2 = (sql_plan *)in2;
  if (mb) np->mb_size = b->sess->minibatch_size, np->mb_latency_ms = b->sess->minibatch_latency_ms;
  np->winmax = wmx;
  np->joinagg = jag;
  return np;
}

/* The physical columns of scan sc that a CALC or AGG p over it reads (and the watermark),
 * as scan_calc_stream and the source's projection prune them: computed columns read
 * theirs.  used: one flag per physical column. */
static void scan_reads(const sql_plan *p, const sql_plan *sc, bool *used, bool *ref) {
  const sql_table *t = sc->table;
  for (int c = 0; c < sc->ncols; c++) ref[c] = c == t->wm_col;
  if (sc->wm_expr) mark_cols(sc->wm_expr, ref);
  if (p->kind == SQL_P_CALC) {
    if (p->cond) mark_cols(p->cond, ref);
    if (p->exprs)
      for (int i = 0; i < p->ncols; i++) mark_cols(p->exprs[i], ref);
    else
      for (int c = 0; c < sc->ncols; c++) ref[c] = true;
  } else {
    for (int i = 0; i < p->nkeys; i++) mark_cols(p->keys[i], ref);
    for (int i = 0; i < p->naggs; i++) {
      if (p->agg_args[i]) mark_cols(p->agg_args[i], ref);
      if (p->agg_filters && p->agg_filters[i]) mark_cols(p->agg_filters[i], ref);
    }
    if (p->time_col >= 0) ref[p->time_col] = true;
  }
  for (int c = 0, k = 0; c < sc->ncols; c++) {
    if (t->cols[c].computed) {
      if (ref[c] && sc->exprs) mark_cols(sc->exprs[c], used);
      continue;
    }
    if (ref[c]) used[k] = true;
    k++;
  }
}

/* A scan under a CALC or AGG: the fields its source reads, Flink's project=[...]. */
static void explain_scan(strom_buf *o, const sql_plan *p, const sql_plan *sc, int depth) {
  const sql_table *t = sc->table;
  int n = sc->ncols;
  bool used[512] = {0}, ref[512];
  if (n > 512 || !prunable(t)) {
    sql_plan_explain(o, sc, depth);
    return;
  }
  scan_reads(p, sc, used, ref);
  for (int i = 0; i < depth; i++) strom__buf_append(o, "  ", 2);
  strom__buf_printf(o, "TableSourceScan(table=[%s], connector=[%s], project=[", t->name, t->conn->name);
  bool first = true;
  for (int c = 0, k = 0; c < n; c++) {
    if (t->cols[c].computed) continue;
    if (used[k++]) strom__buf_printf(o, "%s%s", first ? "" : ", ", t->cols[c].name), first = false;
  }
  strom__buf_printf(o, "]");
  if (sc->wm_expr) sql_wm_expr_explain(o, sc);
  else if (t->wm_col >= 0) strom__buf_printf(o, ", watermark=[%s - %" PRId64 " ms]", t->cols[t->wm_col].name, t->wm_delay_ms);
  strom__buf_printf(o, ")\n");
}

static void cols_list(strom_buf *o, const sql_plan *p) {
  for (int i = 0; i < p->ncols; i++) strom__buf_printf(o, "%s%s", i ? ", " : "", sql_fid_shown(p->cols[i].name));
}

static void win_text(strom_buf *o, const sql_window *w) {
  if (w->kind == SQL_W_ATTACHED) {
    sql_window inner = *w;
    inner.kind = w->inner;
    win_text(o, &inner);
    return;
  }
  if (w->kind == SQL_W_TUMBLE) strom__buf_printf(o, "TUMBLE(size=%" PRId64 " ms)", w->size);
  else if (w->kind == SQL_W_HOP) strom__buf_printf(o, "HOP(slide=%" PRId64 " ms, size=%" PRId64 " ms)", w->slide, w->size);
  else if (w->kind == SQL_W_CUMULATE) strom__buf_printf(o, "CUMULATE(step=%" PRId64 " ms, size=%" PRId64 " ms)", w->slide, w->size);
  else strom__buf_printf(o, "SESSION(gap=%" PRId64 " ms)", w->gap);
  if (w->offset) strom__buf_printf(o, " [offset=%" PRId64 " ms]", w->offset);
  if (w->proctime) strom__buf_printf(o, " [processing time]");
}

static void plan_explain(strom_buf *o, const sql_plan *p, int depth);

void sql_plan_explain(strom_buf *o, const sql_plan *p, int depth) {
  size_t mark = o->len;
  plan_explain(o, p, depth);
  sql_explain_changelog_mark(o, mark, p); /* EXPLAIN CHANGELOG_MODE (explain_mode.c) */
}

static void plan_explain(strom_buf *o, const sql_plan *p, int depth) {
  for (int i = 0; i < depth; i++) strom__buf_append(o, "  ", 2);
  if (p->batch_final) { /* batch mode: batch_final.c folds this node's changelog */
    strom__buf_printf(o, "FinalResult() [emits at end of input]\n");
    for (int i = 0; i <= depth; i++) strom__buf_append(o, "  ", 2);
    depth++;
  }
  switch (p->kind) {
    case SQL_P_SCAN:
      strom__buf_printf(o, "TableSourceScan(table=[%s], connector=[%s], fields=[", p->table->name, p->table->conn->name);
      cols_list(o, p);
      strom__buf_printf(o, "]");
      if (p->wm_expr) sql_wm_expr_explain(o, p);
      else if (p->table->wm_col >= 0)
        strom__buf_printf(o, ", watermark=[%s - %" PRId64 " ms]", p->table->cols[p->table->wm_col].name, p->table->wm_delay_ms);
      strom__buf_printf(o, ")\n");
      return;
    case SQL_P_VALUES: strom__buf_printf(o, "Values(rows=%d, fields=[", p->nrows); cols_list(o, p); strom__buf_printf(o, "])\n"); return;
    case SQL_P_CALC:
      if (sql_limit_explain(o, p, depth)) return; /* sort_plan.c */
      strom__buf_printf(o, "Calc(");
      if (p->exprs) {
        strom__buf_printf(o, "select=[");
        for (int i = 0; i < p->ncols; i++) {
          if (i) strom__buf_append(o, ", ", 2);
          size_t at = o->len;
          sql_expr_print(o, p->exprs[i], p->in->cols);
          const char *shown = sql_fid_shown(p->cols[i].name); /* fid_names.c: a rewrite's column shows as its text */
          if (sql_fid_has_shown(p->cols[i].name) ? strlen(shown) != o->len - at || memcmp(o->p + at, shown, o->len - at)
                                                 : p->exprs[i]->op != SQL_E_COL || strcmp(sql_fid_shown(p->in->cols[p->exprs[i]->col].name), p->cols[i].name))
            strom__buf_printf(o, " AS %s", shown);
        }
        strom__buf_printf(o, "]");
      }
      if (p->cond) {
        strom__buf_printf(o, "%swhere=[", p->exprs ? ", " : "");
        sql_expr_print(o, p->cond, p->in->cols); /* the filter runs before the projection */
        strom__buf_printf(o, "]");
      }
      strom__buf_printf(o, ")%s\n", p->changelog ? " [changelog]" : "");
      if (p->in->kind == SQL_P_SCAN) explain_scan(o, p, p->in, depth + 1);
      else sql_plan_explain(o, p->in, depth + 1);
      return;
    case SQL_P_UNION:
      strom__buf_printf(o, "Union(all=[true])\n");
      sql_plan_explain(o, p->in, depth + 1);
      sql_plan_explain(o, p->in2, depth + 1);
      return;
    case SQL_P_WINDOW_TVF:
      strom__buf_printf(o, "WindowTableFunction(");
      win_text(o, &p->win);
      for (int i = 0; i < p->win.npart; i++)
        strom__buf_printf(o, "%s%s", i ? ", " : ", partition=[", p->in->cols[p->win.part[i]].name);
      strom__buf_printf(o, "%s, time=[%s])\n", p->win.npart ? "]" : "", p->in->cols[p->time_col].name);
      sql_plan_explain(o, p->in, depth + 1);
      return;
    case SQL_P_AGG:
      strom__buf_printf(o, "%s(", p->win.kind ? "WindowAggregate" : "GroupAggregate");
      if (p->nkeys) {
        strom__buf_printf(o, "groupBy=[");
        for (int i = 0; i < p->nkeys; i++) {
          if (i) strom__buf_append(o, ", ", 2);
          sql_expr_print(o, p->keys[i], p->in->cols);
        }
        strom__buf_printf(o, "], ");
      }
      if (p->win.kind) {
        strom__buf_printf(o, "window=[");
        win_text(o, &p->win);
        if (p->win.kind == SQL_W_ATTACHED)
          strom__buf_printf(o, ", win_start=[%s], win_end=[%s]", p->in->cols[p->win.start_col].name,
                            p->in->cols[p->win.end_col].name);
        strom__buf_printf(o, "], ");
      }
      strom__buf_printf(o, "select=[");
      for (int i = 0; i < p->naggs; i++) strom__buf_printf(o, "%s%s", i ? ", " : "", p->aggs[i].text);
      strom__buf_printf(o, "])%s", p->win.kind ? " [emits final results]" : p->changelog ? " [changelog]" : " [emits at end of input]");
      if (p->mb_size > 0)
        strom__buf_printf(o, " [mini-batch: %" PRId64 " rows or %" PRId64 " ms]", p->mb_size, p->mb_latency_ms);
      if (p->joinagg) strom__buf_printf(o, " [folded into the join]");
      strom__buf_printf(o, "\n");
      if (p->in->kind == SQL_P_SCAN) explain_scan(o, p, p->in, depth + 1);
      else sql_plan_explain(o, p->in, depth + 1);
      return;
    case SQL_P_OVER:
      sql_over_explain(o, p);
      sql_plan_explain(o, p->in, depth + 1);
      return;
    case SQL_P_JOIN: sql_join_explain(o, p, depth); return;
    case SQL_P_SETOP: sql_setop_explain(o, p, depth); return;
    case SQL_P_SORT: sql_sort_explain(o, p, depth); return;
    case SQL_P_EXPAND: sql_gsets_explain(o, p); sql_plan_explain(o, p->in, depth + 1); return;
    case SQL_P_UNNEST: sql_unnest_explain(o, p); sql_plan_explain(o, p->in, depth + 1); return;
    case SQL_P_MATCH: sql_match_explain(o, p); sql_plan_explain(o, p->in, depth + 1); return;
  }
}
