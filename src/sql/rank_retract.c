/*
 * rank_retract.c -- RANK() / DENSE_RANK() Top-N over an updating input (a GROUP BY's
 * changelog, a join's), as Flink's RetractableTopNFunction keeps it: per partition key a
 * LIST state holds every row of the partition in order (a retraction from the top pulls
 * the rows below it in, so none may be forgotten).  Each input row is inserted after
 * its ties (+I / +U) or removed (-U / -D, the first row equal to it in every column); the
 * ranks before and after are compared row by row and only the difference is emitted:
 * with the rank in the output, -D for the removed row, +I for the added one, -U/+U for a
 * row whose rank changed and -D / +I for rows that fall out of / come into the range;
 * without it, -D for each row that leaves the range, then +I for each that enters.
 * Ties share a rank; RANK skips after them, DENSE_RANK does not (the SQL definition,
 * as rank_topn.c's append-only RANK Top-N).
 */
#include "rank.h"

typedef struct rr {
  const sql_over *o;
  int nin, ord0; /* the input's columns; the first sort key in the projected row */
  const strom_schema *pre;
  int64_t ttl_ms;
} rr;

typedef struct rr_local {
  strom_state *st;
  rank_rows cur; /* the partition's rows, read from the state */
  int64_t *rk0, *rk1;
  const strom_row **keep; /* the rows that stay after a retraction */
  int rkcap;
} rr_local;

static int rr_open(strom_ctx *ctx) {
  const rr *t = strom_ctx_data(ctx);
  rr_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->cur.schema = t->pre;
  strom_state_desc d = {.name = "retract-rank", .kind = STROM_STATE_LIST, .schema = t->pre};
  if (t->ttl_ms > 0) d.ttl = (strom_state_ttl){.ttl_ms = t->ttl_ms, .update = STROM_TTL_ON_CREATE_AND_WRITE};
  return (l->st = strom_ctx_state(ctx, &d)) ? STROM_OK : STROM_EINVAL;
}

static void rr_close(strom_ctx *ctx) {
  rr_local *l = strom_ctx_local(ctx);
  if (!l) return;
  rank_rows_free(&l->cur);
  free(l->rk0);
  free(l->rk1);
  free(l->keep);
  free(l);
}

static int cmp_rows(const rr *t, const strom_row *a, const strom_row *b) { return rank_cmp_rows(t->o, t->ord0, a, b); }

/* rk[i]: the RANK or DENSE_RANK of row i of the sorted rows. */
static void ranks(const rr *t, const rank_rows *p, int64_t *rk) {
  int64_t dense = 0;
  for (int i = 0; i < p->n; i++) {
    bool tie = i > 0 && cmp_rows(t, p->r[i - 1], p->r[i]) == 0;
    if (!tie) dense++;
    rk[i] = tie ? rk[i - 1] : t->o->rank_fn == SQL_RANK_DENSE ? dense : i + 1;
  }
}

static bool in_range(const rr *t, int64_t rk) { return rk >= t->o->start && rk <= t->o->limit; }

static int emit(const rr *t, strom_out *out, const strom_row *r, strom_row_kind k, int64_t rk) {
  strom_row *o = strom_out_row(out);
  for (int i = 0; i < t->nin; i++) o->nulls[i] = r->nulls[i], o->v[i] = r->v[i];
  if (t->o->rank_out) strom_row_set_bigint(o, t->nin, rk);
  else strom_row_set_null(o, t->nin);
  strom_row_set_kind(o, k);
  return strom_out_emit(out, o);
}

static int grow(rr_local *l, int n) {
  if (n <= l->rkcap) return STROM_OK;
  int cap = n < 16 ? 16 : n * 2;
  int64_t *a = realloc(l->rk0, sizeof *a * (size_t)cap);
  if (!a) return STROM_ENOMEM;
  l->rk0 = a;
  int64_t *b = realloc(l->rk1, sizeof *b * (size_t)cap);
  if (!b) return STROM_ENOMEM;
  l->rk1 = b;
  const strom_row **c = realloc(l->keep, sizeof *c * (size_t)cap);
  if (!c) return STROM_ENOMEM;
  l->keep = c;
  l->rkcap = cap;
  return STROM_OK;
}

/* Appends a copy of src whose strings stay in the state's storage: valid until the
 * state changes, which is last (list_update encodes its rows before it writes). */
static int push_ref(rank_rows *p, const strom_row *src) {
  if (p->n == p->cap) return rank_rows_push(p, src); /* growing the array: this one row owned */
  if (!p->r[p->n] && !(p->r[p->n] = strom_row_new(p->schema))) return STROM_ENOMEM;
  strom_row_copy(p->r[p->n++], src);
  return STROM_OK;
}

/* Row j of the list after the change: the input inserted at pos (add) or row pos gone. */
static const strom_row *after(const rr_local *l, bool add, int pos, const strom_row *in, int j) {
  if (j < pos) return l->cur.r[j];
  if (add) return j == pos ? in : l->cur.r[j - 1];
  return l->cur.r[j + 1];
}

static int rr_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const rr *t = strom_ctx_data(ctx);
  rr_local *l = strom_ctx_local(ctx);
  strom_row_kind k = strom_row_get_kind(in);
  bool add = k == STROM_INSERT || k == STROM_UPDATE_AFTER;
  rank_rows_clear(&l->cur);
  int m = (int)strom_state_list_size(l->st), pos = 0, rc = STROM_OK;
  for (int i = 0; i < m && !rc; i++) {
    const strom_row *r = strom_state_list_get(l->st, (size_t)i);
    rc = r ? push_ref(&l->cur, r) : STROM_ENOMEM;
  }
  if (!rc) rc = grow(l, m + 1);
  if (rc) return rc;
  if (add) {
    while (pos < m && cmp_rows(t, l->cur.r[pos], in) <= 0) pos++;
  } else {
    while (pos < m && !strom__row_prefix_equal(l->cur.r[pos], in, t->nin)) pos++;
    if (pos == m) return STROM_OK; /* a retraction of a row never seen (its state expired) */
  }
  int n = add ? m + 1 : m - 1;
  /* ranks before and after; rows before pos keep theirs (nothing before them changed) */
  ranks(t, &l->cur, l->rk0);
  int64_t *rk0 = l->rk0, *rk1 = l->rk1, dense = 0;
  for (int j = 0; j < n; j++) {
    if (j < pos) {
      rk1[j] = rk0[j];
      dense = j == 0 || rk1[j] != rk1[j - 1] ? dense + 1 : dense;
      continue;
    }
    bool tie = j > 0 && cmp_rows(t, after(l, add, pos, in, j - 1), after(l, add, pos, in, j)) == 0;
    if (!tie) dense++;
    rk1[j] = tie ? rk1[j - 1] : t->o->rank_fn == SQL_RANK_DENSE ? dense : j + 1;
  }
  bool rank_out = t->o->rank_out;
  if (!add && in_range(t, rk0[pos])) rc = emit(t, out, l->cur.r[pos], STROM_DELETE, rk0[pos]);
  /* pass 0: retractions (-D, -U/+U with the rank); pass 1: additions (+I); ranks only
   * grow along the list, so the walk ends where both lists have left the range */
  for (int pass = 0; pass < 2 && !rc; pass++) {
    if (pass == 1 && add && in_range(t, rk1[pos])) rc = emit(t, out, in, STROM_INSERT, rk1[pos]);
    for (int i = pos; i < m && !rc; i++) {
      if (!add && i == pos) continue;
      int j = add ? i + 1 : i - 1;
      if (rk0[i] > t->o->limit && rk1[j] > t->o->limit) break;
      bool was = in_range(t, rk0[i]), is = in_range(t, rk1[j]);
      if (pass == 0 && was && !is) rc = emit(t, out, l->cur.r[i], STROM_DELETE, rk0[i]);
      else if (pass == 0 && was && is && rank_out && rk0[i] != rk1[j]) {
        rc = emit(t, out, l->cur.r[i], STROM_UPDATE_BEFORE, rk0[i]);
        if (!rc) rc = emit(t, out, l->cur.r[i], STROM_UPDATE_AFTER, rk1[j]);
      } else if (pass == 1 && !was && is) rc = emit(t, out, l->cur.r[i], STROM_INSERT, rk1[j]);
    }
  }
  if (rc) return rc;
  if (add) return strom_state_list_insert(l->st, (size_t)pos, in, SIZE_MAX); /* encodes the new row only */
  if (!n) return strom_state_clear(l->st), STROM_OK;
  for (int j = 0; j < n; j++) l->keep[j] = after(l, false, pos, in, j);
  return strom_state_list_update(l->st, l->keep, (size_t)n);
}

strom_stream *sql_rank_retract_stream(sql_build *b, const sql_plan *p, strom_keyed *ks, const strom_schema *pre,
                                      int ord0) {
  rr *t = sql_arena_alloc(&b->arena, sizeof *t);
  strom_schema *os = sql_plan_schema(p);
  if (!t || !os || sql_build_own(b, os, (void (*)(void *))strom_schema_free)) return NULL;
  *t = (rr){.o = p->over, .nin = p->in->ncols, .ord0 = ord0, .pre = pre, .ttl_ms = b->sess->state_ttl_ms};
  strom_process_def d = {.open = rr_open, .process = rr_process, .close = rr_close, .data = t, .out_schema = os};
  return strom_set_name(strom_keyed_process(ks, &d), "RetractRank");
}
