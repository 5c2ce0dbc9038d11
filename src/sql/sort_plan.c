/*
 * sort_plan.c -- the SORT node's operator (sort_bind.c chose the mode), a keyed process
 * function on one constant key (one subtask) with the rows waiting in keyed state:
 *
 * - batch (Flink's batch Sort / SortLimit): every row waits in LIST state; the end-of-input
 *   watermark fires one timer, which sorts them (stable: ties keep their arrival
 *   order) and emits rows offset+1 .. offset+limit as +I.  With a small LIMIT the
 *   list holds only the best offset+limit rows so far, in order (a row that does not
 *   beat the last one is dropped at once), so memory does not grow with the input.
 * - time (Flink's TemporalSort, RowTimeSortOperator): a row waits in MAP state under
 *   (its time, its number among the rows of that time), with a count per time, for the
 *   watermark to pass its time (an event-time timer at it); the timer takes the rows of
 *   its time, sorts them on the other keys and emits them, keeping their event time.
 *   Timers fire in time order, so the output is sorted, and each row is touched once.
 * - proctime (Flink's ProcTimeSortOperator): rows wait in LIST state for a
 *   processing-time timer a millisecond on; it sorts them on the keys after the
 *   PROCTIME() one and emits them; the end of a bounded input (an event-time timer at
 *   the maximum watermark) emits what still waits.
 *   As in Flink, a row is late -- dropped -- when its time is at or before the last
 *   timer that fired (VALUE state), not the watermark: a row behind the watermark but
 *   after the rows emitted so far still goes out, at the next watermark.
 */
#include <inttypes.h>

#include "batch.h"
#include "rank.h"

typedef struct sorter {
  const sql_sort *s;
  int nin;  /* the input's columns, first in the projected row */
  const int *kcol; /* sort key i is column kcol[i] of the projected row: an input column,
                     or an expression's column after the input's and the constant key */
  int64_t keep; /* batch with a small LIMIT: rows kept (offset + limit), else 0 */
  int first;    /* the first key compared: 1 for proctime, whose rows share "now" */
  const strom_schema *pre;
  const strom_schema *last; /* time: (BIGINT): the last timer fired, a count, a time */
  const strom_schema *tkey; /* time: (t BIGINT, i BIGINT) a waiting row's key */
} sorter;

typedef struct sort_local {
  strom_state *st, *last;
  strom_state *counts; /* time: rows waiting per time */
  strom_row *lrow, *k1, *k2;
  rank_rows rows, next;
  const strom_row **ord;
  int cap;
  bool armed; /* batch: the end-of-input timer is registered (one key: one timer) */
  int64_t pt;  /* proctime: the processing-time timer registered last */
} sort_local;

static int cmp_keys(const sorter *t, const strom_row *a, const strom_row *b) {
  const sql_sort *s = t->s;
  for (int i = t->first; i < s->n; i++) {
    int c = t->kcol[i];
    bool an = a->nulls[c], bn = b->nulls[c];
    int r;
    if (an || bn) r = an && bn ? 0 : (an ? -1 : 1) * (s->nulls_first[i] ? 1 : -1);
    else {
      sql_val x, y;
      sql_val_get(a, c, &x);
      sql_val_get(b, c, &y);
      r = sql_val_cmp(&s->keys[i]->type, &x, &y);
      if (s->desc[i]) r = -r;
    }
    if (r) return r;
  }
  return 0;
}

/* A stable merge sort of r[0..n) (tmp: n more slots): ties keep their order. */
static void msort(const sorter *t, const strom_row **r, const strom_row **tmp, int n) {
  if (n < 2) return;
  int h = n / 2;
  msort(t, r, tmp, h);
  msort(t, r + h, tmp, n - h);
  int i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = cmp_keys(t, r[j], r[i]) < 0 ? r[j++] : r[i++];
  while (i < h) tmp[k++] = r[i++];
  while (j < n) tmp[k++] = r[j++];
  memcpy(r, tmp, sizeof *r * (size_t)n);
}

static int sort_open(strom_ctx *ctx) {
  const sorter *t = strom_ctx_data(ctx);
  sort_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->rows.schema = l->next.schema = t->pre;
  bool tm = t->s->mode == SQL_SORT_TIME;
  strom_state_desc d = {.name = "sort", .kind = tm ? STROM_STATE_MAP : STROM_STATE_LIST, .schema = t->pre,
                        .map_key_schema = tm ? t->tkey : NULL};
  if (!(l->st = strom_ctx_state(ctx, &d))) return STROM_EINVAL;
  if (!tm) return STROM_OK;
  strom_state_desc ld = {.name = "sort-last-fired", .kind = STROM_STATE_VALUE, .schema = t->last};
  strom_state_desc cd = {.name = "sort-counts", .kind = STROM_STATE_MAP, .schema = t->last, .map_key_schema = t->last};
  if (!(l->last = strom_ctx_state(ctx, &ld)) || !(l->counts = strom_ctx_state(ctx, &cd))) return STROM_EINVAL;
  return (l->lrow = strom_row_new(t->last)) && (l->k1 = strom_row_new(t->last)) && (l->k2 = strom_row_new(t->tkey))
             ? STROM_OK
             : STROM_ENOMEM;
}

static void sort_close(strom_ctx *ctx) {
  sort_local *l = strom_ctx_local(ctx);
  if (!l) return;
  rank_rows_free(&l->rows);
  rank_rows_free(&l->next);
  strom_row_free(l->lrow);
  strom_row_free(l->k1);
  strom_row_free(l->k2);
  free(l->ord);
  free(l);
}

/* Batch with a small LIMIT: in joins the sorted best t->keep rows if it beats the last
 * (a tie goes after the rows it ties with, so it never beats the last). */
static int keep_best(const sorter *t, sort_local *l, const strom_row *in) {
  size_t have = strom_state_list_size(l->st);
  if ((int64_t)have >= t->keep && cmp_keys(t, strom_state_list_get(l->st, have - 1), in) <= 0) return STROM_OK;
  int rc = rank_rows_load(&l->rows, l->st);
  if (rc) return rc;
  int pos = 0;
  while (pos < l->rows.n && cmp_keys(t, l->rows.r[pos], in) <= 0) pos++;
  rank_rows_clear(&l->next);
  for (int i = 0; i <= l->rows.n && !rc && l->next.n < t->keep; i++) {
    if (i == pos) rc = rank_rows_push(&l->next, in);
    if (!rc && i < l->rows.n && l->next.n < t->keep) rc = rank_rows_push(&l->next, l->rows.r[i]);
  }
  return rc ? rc : strom_state_list_update(l->st, (const strom_row *const *)l->next.r, (size_t)l->next.n);
}

/* Time mode: in waits under (its time, the count of rows of that time so far). */
static int time_add(strom_ctx *ctx, const sorter *t, sort_local *l, const strom_row *in) {
  if (in->nulls[t->kcol[0]]) return STROM_OK;
  int64_t ts = in->v[t->kcol[0]].i;
  const strom_row *last = strom_state_get(l->last);
  if (last && ts <= strom_row_get_bigint(last, 0)) return STROM_OK; /* late */
  strom_row_set_bigint(l->k1, 0, ts);
  const strom_row *c = strom_state_map_get(l->counts, l->k1);
  int64_t n = c ? strom_row_get_bigint(c, 0) : 0;
  strom_row_set_bigint(l->k2, 0, ts);
  strom_row_set_bigint(l->k2, 1, n);
  strom_row_set_bigint(l->lrow, 0, n + 1);
  int rc = strom_state_map_put(l->st, l->k2, in);
  if (!rc) rc = strom_state_map_put(l->counts, l->k1, l->lrow);
  if (!rc && !n) rc = strom_ctx_register_event_timer(ctx, ts);
  return rc;
}

static int sort_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input, (void)out;
  const sorter *t = strom_ctx_data(ctx);
  sort_local *l = strom_ctx_local(ctx);
  if (t->s->mode == SQL_SORT_TIME) return time_add(ctx, t, l, in);
  if (t->s->mode == SQL_SORT_PROCTIME) { /* one timer per millisecond of the clock */
    int64_t due = strom_ctx_now(ctx) + 1;
    int rc = due > l->pt ? strom_ctx_register_processing_timer(ctx, due) : STROM_OK;
    if (due > l->pt) l->pt = due;
    if (!rc && !l->armed) /* a bounded input's end fires no clock timer: its watermark flushes */
      l->armed = true, rc = strom_ctx_register_event_timer(ctx, INT64_MAX);
    return rc ? rc : strom_state_add(l->st, in);
  }
  if (l->armed) /* (asking the list its size would walk it: quadratic) */
    return t->keep ? keep_best(t, l, in) : strom_state_add(l->st, in);
  l->armed = true; /* after a restore the timer is registered again: it is the same timer */
  int rc = strom_ctx_register_event_timer(ctx, INT64_MAX);
  return rc ? rc : t->keep ? keep_best(t, l, in) : strom_state_add(l->st, in);
}

static int emit_row(const sorter *t, strom_out *out, const strom_row *r) {
  strom_row *o = strom_out_row(out);
  for (int i = 0; i < t->nin; i++) o->nulls[i] = r->nulls[i], o->v[i] = r->v[i];
  strom_row_set_kind(o, STROM_INSERT);
  strom_row_set_time(o, t->s->mode == SQL_SORT_TIME ? r->v[t->kcol[0]].i : STROM_NO_TIMESTAMP);
  return strom_out_emit(out, o);
}

/* Time mode: the rows of this timer's time, taken out of state (the others: all rows). */
static int take_due(const sorter *t, sort_local *l, int64_t time) {
  if (t->s->mode != SQL_SORT_TIME) {
    int rc = rank_rows_load(&l->rows, l->st);
    strom_state_clear(l->st);
    return rc;
  }
  rank_rows_clear(&l->rows);
  strom_row_set_bigint(l->k1, 0, time);
  const strom_row *c = strom_state_map_get(l->counts, l->k1);
  int64_t n = c ? strom_row_get_bigint(c, 0) : 0;
  strom_state_map_remove(l->counts, l->k1);
  strom_row_set_bigint(l->k2, 0, time);
  for (int64_t i = 0; i < n; i++) {
    strom_row_set_bigint(l->k2, 1, i);
    const strom_row *r = strom_state_map_get(l->st, l->k2);
    int rc = r ? rank_rows_push(&l->rows, r) : STROM_OK;
    if (rc) return rc;
    strom_state_map_remove(l->st, l->k2);
  }
  strom_row_set_bigint(l->lrow, 0, time);
  return strom_state_update(l->last, l->lrow);
}

static int sort_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  const sorter *t = strom_ctx_data(ctx);
  sort_local *l = strom_ctx_local(ctx);
  int rc = take_due(t, l, time);
  if (rc) return rc;
  int n = l->rows.n;
  if (2 * n > l->cap) {
    const strom_row **o = realloc(l->ord, sizeof *o * (size_t)(2 * n));
    if (!o) return STROM_ENOMEM;
    l->ord = o, l->cap = 2 * n;
  }
  for (int i = 0; i < n; i++) l->ord[i] = l->rows.r[i];
  msort(t, l->ord, l->ord + n, n);
  int64_t from = t->s->offset, to = t->s->limit < 0 ? INT64_MAX : from + t->s->limit;
  for (int64_t i = from; i < n && i < to && !rc; i++) rc = emit_row(t, out, l->ord[i]);
  return rc;
}

strom_stream *sql_sort_stream(sql_build *b, const sql_plan *p) {
  const sql_sort *s = p->sort;
  strom_stream *in = sql_plan_stream(b, p->in);
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)(s->n + 1));
  sorter *t = sql_arena_alloc(&b->arena, sizeof *t);
  strom_schema *os = sql_plan_schema(p);
  if (!in || !ex || !t || !os || sql_build_own(b, os, (void (*)(void *))strom_schema_free)) return strom_schema_free(os), NULL;
  if (!(ex[0] = sql_arena_alloc(&b->arena, sizeof *ex[0]))) return NULL;
  *ex[0] = (sql_expr){.op = SQL_E_LIT, .type = {.id = STROM_INT}}; /* one key: every row in one place */
  int *kcol = sql_arena_alloc(&b->arena, sizeof *kcol * (size_t)(s->n + 1)), m = 1;
  if (!kcol) return NULL;
  for (int i = 0; i < s->n; i++) { /* a column is compared where it is: no copy per row */
    if (s->keys[i]->op == SQL_E_COL) kcol[i] = s->keys[i]->col;
    else kcol[i] = p->in->ncols + m, ex[m++] = s->keys[i];
  }
  strom_schema *last = strom_schema_new();
  if (!last || strom_schema_add(last, "t", STROM_BIGINT) || sql_build_own(b, last, (void (*)(void *))strom_schema_free))
    return strom_schema_free(last), NULL;
  strom_schema *tkey = strom_schema_new();
  if (!tkey || strom_schema_add(tkey, "t", STROM_BIGINT) || strom_schema_add(tkey, "i", STROM_BIGINT) ||
      sql_build_own(b, tkey, (void (*)(void *))strom_schema_free))
    return strom_schema_free(tkey), NULL;
  const strom_schema *pre = NULL;
  strom_keyed *ks = rank_key_by(b, p, in, ex, m, 1, &pre);
  if (!ks) return NULL;
  *t = (sorter){.s = s, .nin = p->in->ncols, .kcol = kcol, .pre = pre, .last = last, .tkey = tkey,
                .first = s->mode == SQL_SORT_PROCTIME};
  if (s->mode == SQL_SORT_BATCH && s->limit >= 0 && s->offset + s->limit <= 10000) t->keep = s->offset + s->limit;
  strom_process_def d = {.open = sort_open, .process = sort_process, .on_timer = sort_timer, .close = sort_close,
                         .data = t, .out_schema = os};
  /* The default parallelism, not 1: the one subtask that has the key feeds its
   * operators downstream one to one, so they (and a sink of parallelism 1) see the
   * rows in order, where a rebalance from one subtask to several would not. */
  strom_stream *out = strom_keyed_process(ks, &d);
  return strom_set_name(out, s->mode == SQL_SORT_TIME       ? "Temporal sort"
                             : s->mode == SQL_SORT_PROCTIME ? "Processing-time sort"
                             : s->n                         ? "Sort"
                                                            : "Limit");
}

void sql_sort_explain(strom_buf *o, const sql_plan *p, int depth) {
  const sql_sort *s = p->sort;
  const char *name = s->mode != SQL_SORT_BATCH ? "TemporalSort" : !s->n ? "Limit" : s->limit >= 0 || s->offset ? "SortLimit" : "Sort";
  strom__buf_printf(o, "%s(", name);
  if (s->n) rank_exprs_text(o, "orderBy", s->keys, s->n, s->desc, p->in->cols);
  if (s->limit >= 0 || s->offset)
    strom__buf_printf(o, "%soffset=[%" PRId64 "], fetch=[%s", s->n ? ", " : "", s->offset, s->limit < 0 ? "unlimited" : "");
  if (s->limit >= 0) strom__buf_printf(o, "%" PRId64, s->limit);
  if (s->limit >= 0 || s->offset) strom__buf_printf(o, "]");
  strom__buf_printf(o, ")%s\n", s->mode != SQL_SORT_BATCH ? "" : " [emits at end of input]");
  sql_plan_explain(o, p->in, depth + 1);
}

bool sql_sortlimit_explain(strom_buf *o, const sql_plan *r) {
  const sql_over *v = r->over;
  if (r->kind != SQL_P_OVER || !v->rank || !v->norder || v->npart || v->rank_out || !v->text || strcmp(v->text, "ORDER BY"))
    return false;
  int64_t offset = v->start > 1 ? v->start - 1 : 0;
  strom__buf_printf(o, "SortLimit(");
  rank_exprs_text(o, "orderBy", v->order, v->norder, v->desc, r->in->cols);
  strom__buf_printf(o, ", offset=[%" PRId64 "], fetch=[%" PRId64 "], strategy=[%s])%s\n", offset, v->limit - offset,
                    r->in->changelog ? "RetractStrategy" : "AppendFastStrategy", r->changelog ? " [changelog]" : "");
  return true;
}

/* A streaming LIMIT is a Top-N over the whole input under the CALC that drops its row
 * number; EXPLAIN shows it as Flink's StreamPhysicalLimit does, or with ORDER BY as its
 * StreamPhysicalSortLimit (the Top-N's strategy: AppendFastStrategy over an insert-only
 * input, RetractStrategy over an updating one). */
bool sql_limit_explain(strom_buf *o, const sql_plan *p, int depth) {
  const sql_plan *r = p->in;
  if (p->kind != SQL_P_CALC || p->cond || !p->exprs || !r || r->kind != SQL_P_OVER || !r->over->rank ||
      r->over->npart || r->over->rank_out || !r->over->text || strcmp(r->over->text, "ORDER BY") ||
      p->ncols != r->ncols - 1)
    return false;
  for (int i = 0; i < p->ncols; i++)
    if (p->exprs[i]->op != SQL_E_COL || p->exprs[i]->col != i) return false;
  int64_t offset = r->over->start > 1 ? r->over->start - 1 : 0;
  if (!sql_sortlimit_explain(o, r))
    strom__buf_printf(o, "Limit(offset=[%" PRId64 "], fetch=[%" PRId64 "])%s\n", offset, r->over->limit - offset,
                      p->changelog ? " [changelog]" : "");
  sql_plan_explain(o, r->in, depth + 1);
  return true;
}
