/*
 * rank_topn.c -- ROW_NUMBER() under a bounding WHERE, as Flink runs it.
 *
 * Top-N (Flink's AppendOnlyTopNFunction): per partition key a LIST state holds the
 * current top N rows in order (a new row goes after the rows it ties with).  A row
 * that enters the top N either shifts the rows below it -- with the row number in the
 * output, -U/+U for every position whose row changed and +I for a new last position --
 * or, without it, pushes the last row out: -D for that row, then +I for the new one.
 * Deduplication (rn = 1 ordered by a time attribute, rn not selected) keeps one row per
 * key in VALUE state, as Flink's row-time deduplicate: keep-first (ASC) replaces the
 * row when an earlier one arrives out of order, keep-last (DESC) when a row at the same
 * or a later time arrives, each change as -U/+U after the first +I.  A window Top-N
 * (PARTITION BY window_start, window_end, ...) keeps the window's top N and emits them
 * once, as +I rows, when the watermark passes the window's end; rows for a window that
 * has fired are late and dropped.  Over an updating input the Top-N keeps every row of
 * the partition (Flink's RetractableTopNFunction); the other forms need append-only input.
 */
#include <inttypes.h>

#include "batch.h"
#include "rank.h"

/* ---- owned row copies ---- */

int rank_rows_push(rank_rows *p, const strom_row *src) {
  if (p->n == p->cap) {
    int cap = p->cap ? p->cap * 2 : 8;
    strom_row **r = realloc(p->r, sizeof *r * (size_t)cap);
    if (!r) return STROM_ENOMEM;
    for (int i = p->cap; i < cap; i++) r[i] = NULL;
    p->r = r, p->cap = cap;
  }
  if (!p->r[p->n] && !(p->r[p->n] = strom_row_new(p->schema))) return STROM_ENOMEM;
  strom_row *d = p->r[p->n];
  strom_row_clear(d);
  int rc = strom_row_copy(d, src);
  if (!rc) rc = strom__row_own_strings(d);
  if (rc) return rc;
  d->time = src->time;
  p->n++;
  return STROM_OK;
}

void rank_rows_clear(rank_rows *p) { p->n = 0; }

void rank_rows_free(rank_rows *p) {
  for (int i = 0; i < p->cap; i++) strom_row_free(p->r[i]);
  free(p->r);
  *p = (rank_rows){0};
}

/* Appends a copy of src whose strings stay where src's are (in the state's storage). */
static int push_ref(rank_rows *p, const strom_row *src) {
  if (p->n == p->cap) return rank_rows_push(p, src); /* (growing the array owns this one row: harmless) */
  if (!p->r[p->n] && !(p->r[p->n] = strom_row_new(p->schema))) return STROM_ENOMEM;
  strom_row_copy(p->r[p->n++], src);
  return STROM_OK;
}

/* Loads st's list into p; own: the rows own their strings, else they point into the
 * state's stored list, valid until the state changes (what a read-then-rewrite wants). */
static int load_rows(rank_rows *p, strom_state *st, bool own) {
  rank_rows_clear(p);
  size_t n = strom_state_list_size(st);
  for (size_t i = 0; i < n; i++) {
    const strom_row *src = strom_state_list_get(st, i);
    if (!src) return STROM_ENOMEM;
    int rc = own ? rank_rows_push(p, src) : push_ref(p, src);
    if (rc) return rc;
  }
  return STROM_OK;
}

int rank_rows_load(rank_rows *p, strom_state *st) { return load_rows(p, st, true); }

strom_keyed *rank_key_by(sql_build *b, const sql_plan *p, strom_stream *in, sql_expr **extra, int n, int nkeys,
                         const strom_schema **pre_out) {
  int nin = p->in->ncols;
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)(nin + n));
  strom_schema *pre = strom_schema_new();
  if (!ex || !pre) return strom_schema_free(pre), NULL;
  char name[32];
  for (int i = 0; i < nin + n; i++) {
    if (i < nin) {
      if (!(ex[i] = sql_arena_alloc(&b->arena, sizeof *ex[i]))) return strom_schema_free(pre), NULL;
      *ex[i] = (sql_expr){.op = SQL_E_COL, .col = i, .type = p->in->cols[i].type};
    } else ex[i] = extra[i - nin];
    snprintf(name, sizeof name, i < nin ? "c%d" : "x%d", i < nin ? i : i - nin);
    sql_type t = ex[i]->type.id ? ex[i]->type : (sql_type){.id = STROM_INT};
    if (sql_schema_add(pre, name, &t)) return strom_schema_free(pre), NULL;
  }
  if (sql_build_own(b, pre, (void (*)(void *))strom_schema_free)) return NULL;
  *pre_out = pre;
  strom_stream *s = sql_calc_stream(b, in, ex, nin + n, pre, "Rank key projection");
  strom_buf keys = {0};
  for (int i = 0; i < nkeys; i++) strom__buf_printf(&keys, "%sx%d", i ? ", " : "", i);
  strom_keyed *ks = s && keys.p ? strom_key_by(s, keys.p) : NULL;
  strom__buf_free(&keys);
  return ks;
}

/* ---- the operator ---- */

enum { TOPN, DEDUP, WINDOW_TOPN, RETRACT_TOPN };

typedef struct topn {
  const sql_over *o;
  int mode;
  int nin, ord0;     /* the input's columns, the first sort key in the projected row */
  bool ties_before;  /* a new row goes before the rows it ties with (keep the last) */
  const strom_schema *pre;
  int64_t ttl_ms;    /* table.exec.state.ttl (not for window Top-N, whose state ends with the window) */
} topn;

typedef struct topn_local {
  strom_state *st;
  rank_rows cur, next;
} topn_local;

static int topn_mode(const sql_plan *p, bool *ties_before) {
  const sql_over *o = p->over;
  bool by_time = o->rank_fn == SQL_RANK_ROW_NUMBER && o->limit == 1 && o->start <= 1 && !o->rank_out && o->norder == 1 && o->order[0]->op == SQL_E_COL &&
                 o->order[0]->type.id == STROM_TIMESTAMP;
  if (ties_before) *ties_before = by_time && o->desc[0];
  if (o->window) return WINDOW_TOPN;
  if (p->in->changelog) return RETRACT_TOPN;
  return by_time && p->in->cols[o->order[0]->col].rowtime ? DEDUP : TOPN;
}

/* The ORDER BY of o over rows whose order columns start at ord0 (shared with
 * rank_retract.c). */
int rank_cmp_rows(const sql_over *o, int ord0, const strom_row *a, const strom_row *b) {
  for (int i = 0; i < o->norder; i++) {
    int c = ord0 + i;
    bool an = a->nulls[c], bn = b->nulls[c];
    int r;
    if (an || bn) r = an && bn ? 0 : (an ? -1 : 1) * (o->nulls_first[i] ? 1 : -1);
    else {
      sql_val x, y;
      sql_val_get(a, c, &x);
      sql_val_get(b, c, &y);
      r = sql_val_cmp(&o->order[i]->type, &x, &y);
      if (o->desc[i]) r = -r;
    }
    if (r) return r;
  }
  return 0;
}

static int cmp_rows(const topn *t, const strom_row *a, const strom_row *b) { return rank_cmp_rows(t->o, t->ord0, a, b); }

/* Emits r at rank rn (0: no rank), unless rn is before the first rank asked for. */
static int emit(const topn *t, strom_out *out, const strom_row *r, strom_row_kind k, int64_t rn) {
  if (rn > 0 && rn < t->o->start) return STROM_OK;
  strom_row *o = strom_out_row(out);
  for (int i = 0; i < t->nin; i++) o->nulls[i] = r->nulls[i], o->v[i] = r->v[i];
  if (rn > 0 && t->o->rank_out) strom_row_set_bigint(o, t->nin, rn);
  else strom_row_set_null(o, t->nin);
  strom_row_set_kind(o, k);
  return strom_out_emit(out, o);
}

static int topn_open(strom_ctx *ctx) {
  const topn *t = strom_ctx_data(ctx);
  topn_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->cur.schema = l->next.schema = t->pre;
  strom_state_desc d = {.name = t->mode == DEDUP ? "deduplicate" : "top-n",
                        .kind = t->mode == DEDUP ? STROM_STATE_VALUE : STROM_STATE_LIST,
                        .schema = t->pre};
  if (t->ttl_ms > 0 && t->mode != WINDOW_TOPN) d.ttl = (strom_state_ttl){.ttl_ms = t->ttl_ms, .update = STROM_TTL_ON_CREATE_AND_WRITE};
  return (l->st = strom_ctx_state(ctx, &d)) ? STROM_OK : STROM_EINVAL;
}

static void topn_close(strom_ctx *ctx) {
  topn_local *l = strom_ctx_local(ctx);
  if (!l) return;
  rank_rows_free(&l->cur);
  rank_rows_free(&l->next);
  free(l);
}

static int dedup_process(const topn *t, topn_local *l, const strom_row *in, strom_out *out) {
  int c = t->ord0;
  if (in->nulls[c]) return STROM_OK;
  const strom_row *prev = strom_state_get(l->st);
  if (prev) {
    int64_t pt = prev->v[c].i, nt = in->v[c].i;
    bool take = t->o->desc[0] ? pt <= nt : nt < pt;
    if (!take) return STROM_OK;
    int rc = emit(t, out, prev, STROM_UPDATE_BEFORE, 0);
    if (!rc) rc = emit(t, out, in, STROM_UPDATE_AFTER, 0);
    if (rc) return rc;
  } else {
    int rc = emit(t, out, in, STROM_INSERT, 0);
    if (rc) return rc;
  }
  return strom_state_update(l->st, in);
}

/* The same input row (its columns, not its kind). */
static bool same_row(const topn *t, const strom_row *a, const strom_row *b) { return strom__row_prefix_equal(a, b, t->nin); }

/* Top-N over an updating input (Flink's RetractableTopNFunction): the list holds every
 * row of the partition in order, since a retraction from the top N pulls the next row
 * in.  The changes to the top N are emitted as the append-only Top-N does. */
static int retract_process(const topn *t, topn_local *l, const strom_row *in, strom_out *out) {
  strom_row_kind k = strom_row_get_kind(in);
  bool add = k == STROM_INSERT || k == STROM_UPDATE_AFTER;
  int64_t limit = t->o->limit;
  int rc = rank_rows_load(&l->cur, l->st);
  if (rc) return rc;
  int m = l->cur.n, pos = 0;
  if (add) {
    while (pos < m && cmp_rows(t, l->cur.r[pos], in) <= 0) pos++;
  } else {
    while (pos < m && !same_row(t, l->cur.r[pos], in)) pos++;
    if (pos == m) return STROM_OK; /* a retraction of a row never seen (state expired) */
  }
  rank_rows_clear(&l->next);
  for (int i = 0; i <= m && !rc; i++) {
    if (i == pos && add) rc = rank_rows_push(&l->next, in);
    if (!rc && i < m && (add || i != pos)) rc = rank_rows_push(&l->next, l->cur.r[i]);
  }
  if (rc) return rc;
  int64_t before = m < limit ? m : limit, after = l->next.n < limit ? l->next.n : limit;
  if (pos < limit) {
    const sql_over *o = t->o;
    if (!o->rank_out && o->start <= 1) {
      if (add) {
        if (before == limit) rc = emit(t, out, l->cur.r[limit - 1], STROM_DELETE, 0);
        if (!rc) rc = emit(t, out, in, STROM_INSERT, 0);
      } else {
        rc = emit(t, out, l->cur.r[pos], STROM_DELETE, 0);
        if (!rc && after == limit) rc = emit(t, out, l->next.r[limit - 1], STROM_INSERT, 0);
      }
    } else {
      int64_t common = before < after ? before : after;
      for (int64_t i = pos; i < common && !rc; i++) {
        rc = emit(t, out, l->cur.r[i], STROM_UPDATE_BEFORE, i + 1);
        if (!rc) rc = emit(t, out, l->next.r[i], STROM_UPDATE_AFTER, i + 1);
      }
      if (!rc && after > before) rc = emit(t, out, l->next.r[before], STROM_INSERT, before + 1);
      if (!rc && before > after) rc = emit(t, out, l->cur.r[before - 1], STROM_DELETE, before);
    }
    if (rc) return rc;
  }
  if (!l->next.n) return strom_state_clear(l->st), STROM_OK;
  return strom_state_list_update(l->st, (const strom_row *const *)l->next.r, (size_t)l->next.n);
}

/* rk[i]: the RANK or DENSE_RANK of row i of the sorted rows (ties share a rank). */
static void ranks(const topn *t, const rank_rows *p, int64_t *rk) {
  int64_t dense = 0;
  for (int i = 0; i < p->n; i++) {
    bool tie = i > 0 && cmp_rows(t, p->r[i - 1], p->r[i]) == 0;
    if (!tie) dense++;
    rk[i] = tie ? rk[i - 1] : t->o->rank_fn == SQL_RANK_DENSE ? dense : i + 1;
  }
}

/* RANK() / DENSE_RANK() Top-N of an append-only input: the list keeps every row whose
 * rank is within the limit (all the rows that tie at the last rank), a new row goes
 * after its ties.  A new row only raises the ranks of the rows after it, so each
 * change is per row: without the rank in the output, -D for each row that falls out
 * then +I for the new one; with it, in list order, +I for the new row, -U/+U for a
 * row whose rank changed and -D for one that fell out.  A window Top-N only keeps
 * the rows and emits them with their ranks when the window fires. */
static int rank_process(const topn *t, topn_local *l, const strom_row *in, strom_out *out, int64_t wend,
                        strom_ctx *ctx) {
  const sql_over *o = t->o;
  int rc = rank_rows_load(&l->cur, l->st);
  if (rc) return rc;
  int m = l->cur.n, pos = 0;
  while (pos < m && cmp_rows(t, l->cur.r[pos], in) <= 0) pos++;
  rank_rows_clear(&l->next);
  for (int i = 0; i <= m && !rc; i++) {
    if (i == pos) rc = rank_rows_push(&l->next, in);
    if (!rc && i < m) rc = rank_rows_push(&l->next, l->cur.r[i]);
  }
  int64_t *rk0 = malloc(sizeof *rk0 * (size_t)(m + 1)), *rk1 = malloc(sizeof *rk1 * (size_t)(m + 2));
  if (rc || !rk0 || !rk1) {
    free(rk0), free(rk1);
    return rc ? rc : STROM_ENOMEM;
  }
  ranks(t, &l->cur, rk0);
  ranks(t, &l->next, rk1);
  int k = 0; /* rows kept: ranks only grow along the list */
  while (k < l->next.n && rk1[k] <= o->limit) k++;
  if (pos >= k) goto done; /* the new row is not in the top: nothing changes */
  if (t->mode == WINDOW_TOPN) {
    rc = strom_ctx_register_event_timer(ctx, wend - 1);
  } else if (!o->rank_out) {
    for (int i = 0; i < m && !rc; i++) {
      int j = i < pos ? i : i + 1;
      bool was = rk0[i] >= o->start, is = j < k && rk1[j] >= o->start;
      if (was && !is) rc = emit(t, out, l->cur.r[i], STROM_DELETE, 0);
    }
    if (!rc && rk1[pos] >= o->start) rc = emit(t, out, in, STROM_INSERT, 0);
    for (int i = 0; i < m && !rc; i++) {
      int j = i < pos ? i : i + 1;
      if (rk0[i] < o->start && j < k && rk1[j] >= o->start) rc = emit(t, out, l->cur.r[i], STROM_INSERT, 0);
    }
  } else {
    for (int j = 0; j < l->next.n && !rc; j++) {
      if (j == pos) {
        rc = emit(t, out, in, STROM_INSERT, rk1[j]);
        continue;
      }
      int i = j < pos ? j : j - 1;
      bool was = rk0[i] >= o->start, is = j < k && rk1[j] >= o->start;
      if (was && is && rk0[i] != rk1[j]) {
        rc = emit(t, out, l->cur.r[i], STROM_UPDATE_BEFORE, rk0[i]);
        if (!rc) rc = emit(t, out, l->next.r[j], STROM_UPDATE_AFTER, rk1[j]);
      } else if (was && !is) {
        rc = emit(t, out, l->cur.r[i], STROM_DELETE, rk0[i]);
      } else if (!was && is) {
        rc = emit(t, out, l->next.r[j], STROM_INSERT, rk1[j]);
      }
    }
  }
  if (!rc) rc = strom_state_list_update(l->st, (const strom_row *const *)l->next.r, (size_t)k);
done:
  free(rk0);
  free(rk1);
  return rc;
}

static int topn_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const topn *t = strom_ctx_data(ctx);
  topn_local *l = strom_ctx_local(ctx);
  if (t->mode == RETRACT_TOPN) return retract_process(t, l, in, out);
  if (strom_row_get_kind(in) != STROM_INSERT) return strom_ctx_fail(ctx, "Top-N got an update row: its input must be append-only");
  if (t->mode == DEDUP) return dedup_process(t, l, in, out);
  int64_t limit = t->o->limit, wend = 0;
  if (t->mode == WINDOW_TOPN) {
    wend = in->v[t->o->wend_col].i;
    if (in->nulls[t->o->wend_col] || wend - 1 <= strom_ctx_watermark(ctx)) return STROM_OK; /* its window has fired */
  }
  if (t->o->rank_fn != SQL_RANK_ROW_NUMBER) return rank_process(t, l, in, out, wend, ctx);
  int m = (int)strom_state_list_size(l->st), pos = m;
  if (m >= limit) { /* full: a row that does not beat the last one changes nothing */
    int c = cmp_rows(t, strom_state_list_get(l->st, (size_t)m - 1), in);
    if (c < 0 || (c == 0 && !t->ties_before)) return STROM_OK;
  }
  /* The rows after the input's place, read from the end (the rows before it are
   * neither emitted nor rewritten): cur holds old rows pos..m-1, their strings pointing
   * into the state, which nothing changes until the input is inserted, last. */
  rank_rows_clear(&l->cur);
  while (pos > 0) {
    const strom_row *r = strom_state_list_get(l->st, (size_t)pos - 1);
    if (!r) return STROM_ENOMEM;
    int c = cmp_rows(t, r, in);
    if (!(c > 0 || (c == 0 && t->ties_before))) break;
    int rc = push_ref(&l->cur, r);
    if (rc) return rc;
    pos--;
  }
  if (pos >= limit) return STROM_OK;
  strom_row **tail = l->cur.r;
  for (int i = 0, j = l->cur.n - 1; i < j; i++, j--) {
    strom_row *x = tail[i];
    tail[i] = tail[j], tail[j] = x;
  }
  /* old row i (i >= pos) is tail[i - pos]; the new list has the input at pos and old
   * row i - 1 at i > pos */
  int rc = STROM_OK;
  if (t->mode == WINDOW_TOPN) {
    if ((rc = strom_ctx_register_event_timer(ctx, wend - 1))) return rc;
  } else if (!t->o->rank_out && t->o->start <= 1) {
    if (m == limit && (rc = emit(t, out, tail[m - 1 - pos], STROM_DELETE, 0))) return rc;
    if ((rc = emit(t, out, in, STROM_INSERT, 0))) return rc;
  } else {
    for (int i = pos; i < m && !rc; i++) {
      rc = emit(t, out, tail[i - pos], STROM_UPDATE_BEFORE, i + 1);
      if (!rc) rc = emit(t, out, i == pos ? in : tail[i - 1 - pos], STROM_UPDATE_AFTER, i + 1);
    }
    if (!rc && m < limit) rc = emit(t, out, m == pos ? in : tail[m - 1 - pos], STROM_INSERT, m + 1);
    if (rc) return rc;
  }
  return strom_state_list_insert(l->st, (size_t)pos, in, (size_t)limit);
}

static int topn_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)time;
  const topn *t = strom_ctx_data(ctx);
  topn_local *l = strom_ctx_local(ctx);
  int rc = rank_rows_load(&l->cur, l->st);
  int64_t *rk = t->o->rank_fn && l->cur.n ? malloc(sizeof *rk * (size_t)l->cur.n) : NULL;
  if (rk) ranks(t, &l->cur, rk);
  else if (t->o->rank_fn && l->cur.n && !rc) rc = STROM_ENOMEM;
  for (int i = 0; i < l->cur.n && !rc; i++) rc = emit(t, out, l->cur.r[i], STROM_INSERT, rk ? rk[i] : i + 1);
  free(rk);
  strom_state_clear(l->st);
  return rc;
}

strom_stream *sql_topn_stream(sql_build *b, const sql_plan *p, strom_stream *in) {
  const sql_over *o = p->over;
  static const char *fns[] = {"ROW_NUMBER", "RANK", "DENSE_RANK"};
  if (!o->limit && b->sess->batch && !o->window) return sql_over_batch_stream(b, p, in); /* over_batch.c: every row numbered */
  if (!o->limit) {
    sql_build_fail(b, "not supported yet: %s() without a WHERE that bounds it (rn <= N, rn < N, rn = 1)", fns[o->rank_fn]);
    return NULL;
  }
  int nk = o->npart ? o->npart : 1;
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)(nk + o->norder));
  topn *t = sql_arena_alloc(&b->arena, sizeof *t);
  strom_schema *os = sql_plan_schema(p);
  if (!ex || !t || !os || sql_build_own(b, os, (void (*)(void *))strom_schema_free)) return NULL;
  for (int i = 0; i < nk; i++) {
    if (o->npart) ex[i] = o->part[i];
    else if ((ex[i] = sql_arena_alloc(&b->arena, sizeof *ex[i]))) *ex[i] = (sql_expr){.op = SQL_E_LIT, .type = {.id = STROM_INT}};
    else return NULL;
  }
  for (int i = 0; i < o->norder; i++) ex[nk + i] = o->order[i];
  const strom_schema *pre = NULL;
  strom_keyed *ks = rank_key_by(b, p, in, ex, nk + o->norder, nk, &pre);
  if (!ks) return NULL;
  if (o->rank_fn && p->in->changelog && !o->window) return sql_rank_retract_stream(b, p, ks, pre, p->in->ncols + nk);
  *t = (topn){.o = o, .nin = p->in->ncols, .ord0 = p->in->ncols + nk, .pre = pre, .ttl_ms = b->sess->state_ttl_ms};
  t->mode = topn_mode(p, &t->ties_before);
  strom_process_def d = {.open = topn_open, .process = topn_process, .close = topn_close, .on_timer = topn_timer,
                         .data = t, .out_schema = os};
  static const char *names[] = {"Rank", "Deduplicate", "WindowRank", "RetractRank"};
  return strom_set_name(strom_keyed_process(ks, &d), names[t->mode]);
}

void rank_exprs_text(strom_buf *o, const char *label, sql_expr **e, int n, const bool *desc, const sql_col *cols) {
  strom__buf_printf(o, "%s=[", label);
  for (int i = 0; i < n; i++) {
    if (i) strom__buf_append(o, ", ", 2);
    sql_expr_print(o, e[i], cols);
    if (desc) strom__buf_printf(o, " %s", desc[i] ? "DESC" : "ASC");
  }
  strom__buf_printf(o, "]");
}

void sql_over_explain(strom_buf *o, const sql_plan *p) {
  const sql_over *v = p->over;
  const sql_col *cols = p->in->cols;
  if (!v->rank) {
    rank_over_explain(o, p);
    return;
  }
  if (sql_sortlimit_explain(o, p)) return; /* ORDER BY ... LIMIT (sort_plan.c) */
  int mode = topn_mode(p, NULL);
  if (mode == DEDUP) {
    strom__buf_printf(o, "Deduplicate(keep=[%s], ", v->desc[0] ? "LastRow" : "FirstRow");
    rank_exprs_text(o, "key", v->part, v->npart, NULL, cols);
    strom__buf_printf(o, ", order=[ROWTIME])%s\n", p->changelog ? " [changelog]" : "");
    return;
  }
  static const char *fns[] = {"ROW_NUMBER", "RANK", "DENSE_RANK"};
  strom__buf_printf(o, "%s(rankType=[%s], rankRange=[rankStart=%" PRId64 ", rankEnd=%" PRId64 "], ",
                    mode == WINDOW_TOPN ? "WindowRank" : "Rank", fns[v->rank_fn], v->start > 1 ? v->start : 1, v->limit);
  rank_exprs_text(o, "partitionBy", v->part, v->npart, NULL, cols);
  strom__buf_printf(o, ", ");
  rank_exprs_text(o, "orderBy", v->order, v->norder, v->desc, cols);
  strom__buf_printf(o, ", outputRankNumber=[%s])%s\n", v->rank_out ? "true" : "false",
                    mode == WINDOW_TOPN ? " [emits final results]" : p->changelog ? " [changelog]" : "");
}

strom_stream *sql_over_stream(sql_build *b, const sql_plan *p, strom_stream *in) {
  return p->over->rank ? sql_topn_stream(b, p, in) : sql_over_agg_stream(b, p, in);
}
