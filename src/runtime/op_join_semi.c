/*
 * op_join_semi.c -- the semi and anti join of SQL (IN / EXISTS subqueries, INTERSECT,
 * EXCEPT) on two keyed changelog streams, with Flink's StreamingSemiAntiJoinOperator
 * semantics.
 *
 * Each side keeps its rows of the current key in a map state: row -> (count, matches);
 * matches, kept for the left's rows, is how many right rows the row joins with.  A
 * semi join emits a left row while it has a match: a left row that arrives with one is
 * passed on with its own kind (+I/+U, -U/-D), a right row that gives a left row its
 * first match emits +I[left], and the retraction of its last match -D[left].  An anti
 * join is the reverse: a left row passes while it has no match, the first match
 * retracts it (-D) and the loss of the last emits it again (+I).  A left row held
 * twice is emitted twice.  The output is the left's columns only.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/core.h"
#include "join_regular.h"

typedef struct slocal {
  strom_state *st[2];
  strom_row *keys[2]; /* the input row of each side as a map key (kind +I) */
  strom_row *key;     /* the current one */
  strom_row *val;    /* (count, matches) */
  strom_row *joined; /* for the condition */
  strom_row *out;
  strom_row **lrows; /* left rows copied out of the map while it is updated */
  int64_t *lcount, *lassoc;
  size_t nl, capl;
  const strom_schema *val_schema;
} slocal;

static int sj_open(strom_ctx *ctx) {
  const strom__semi_join_def *d = strom_ctx_data(ctx);
  slocal *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  if (!(l->val_schema = strom_schema_parse("n BIGINT, assoc BIGINT", NULL, 0))) return STROM_ENOMEM;
  static const char *names[2] = {"semi-join-left-rows", "semi-join-right-rows"};
  for (int s = 0; s < 2; s++) {
    strom_state_desc sd = {.name = names[s], .kind = STROM_STATE_MAP, .schema = l->val_schema,
                           .map_key_schema = d->in_schema[s]};
    if (d->ttl_ms > 0) sd.ttl = (strom_state_ttl){.ttl_ms = d->ttl_ms, .update = STROM_TTL_ON_CREATE_AND_WRITE};
    if (!(l->st[s] = strom_ctx_state(ctx, &sd))) return STROM_EINVAL;
    if (!(l->keys[s] = strom_row_new(d->in_schema[s]))) return STROM_ENOMEM;
  }
  l->val = strom_row_new(l->val_schema);
  l->joined = d->cond ? strom_row_new(d->joined_schema) : NULL;
  l->out = strom_row_new(d->out_schema);
  return l->val && l->out && (l->joined || !d->cond) ? STROM_OK : STROM_ENOMEM;
}

static void sj_close(strom_ctx *ctx) {
  slocal *l = strom_ctx_local(ctx);
  if (!l) return;
  for (int s = 0; s < 2; s++) strom_row_free(l->keys[s]);
  for (size_t i = 0; i < l->capl; i++) strom_row_free(l->lrows[i]);
  free(l->lrows);
  free(l->lcount);
  free(l->lassoc);
  strom_row_free(l->val);
  strom_row_free(l->joined);
  strom_row_free(l->out);
  strom_schema_free((strom_schema *)l->val_schema);
  free(l);
}

static bool no_match_key(strom_ctx *ctx, const strom__semi_join_def *d) {
  if (d->null_safe) return false;
  const strom_row *k = strom_ctx_key(ctx);
  for (int i = 0; k && i < k->ncols; i++)
    if (k->nulls[i]) return true;
  return false;
}

/* Whether the left row lr and the right row rr pass the condition: 1, 0 or an error. */
static int pair_matches(strom_ctx *ctx, const strom__semi_join_def *d, slocal *l, const strom_row *lr,
                        const strom_row *rr) {
  if (!d->cond) return 1;
  strom_row *o = l->joined;
  int nl = d->ncols[0];
  for (int i = 0; i < nl; i++) o->nulls[i] = lr->nulls[i], o->v[i] = lr->v[i];
  for (int i = 0; i < d->ncols[1]; i++) o->nulls[nl + i] = rr->nulls[i], o->v[nl + i] = rr->v[i];
  return d->cond(ctx, o, d->data);
}

static int emit_left(strom_out *out, const strom__semi_join_def *d, slocal *l, const strom_row *lr, strom_row_kind k,
                     int64_t times) {
  strom_row *o = l->out;
  for (int i = 0; i < d->ncols[0]; i++) o->nulls[i] = lr->nulls[i], o->v[i] = lr->v[i];
  strom_row_set_kind(o, k);
  for (int64_t i = 0; i < times; i++) {
    int rc = strom_out_emit(out, o);
    if (rc) return rc;
  }
  return STROM_OK;
}

static int put(slocal *l, int s, const strom_row *key, int64_t count, int64_t assoc) {
  if (count <= 0) return strom_state_map_remove(l->st[s], key);
  strom_row_set_bigint(l->val, 0, count);
  strom_row_set_bigint(l->val, 1, assoc);
  return strom_state_map_put(l->st[s], key, l->val);
}

/* A left row: counts its matches, passes it on when it has (semi) or lacks (anti) one. */
static int left_row(strom_ctx *ctx, const strom__semi_join_def *d, slocal *l, const strom_row *in, bool acc,
                    strom_out *out) {
  int64_t m = 0;
  if (!no_match_key(ctx, d)) {
    size_t pos = 0;
    const strom_row *k, *v;
    int it;
    while ((it = strom_state_map_next(l->st[1], &pos, &k, &v)) == 1) {
      int r = pair_matches(ctx, d, l, in, k);
      if (r < 0) return r;
      if (r) m += strom_row_get_bigint(v, 0);
    }
    if (it < 0) return strom_ctx_fail(ctx, "semi join: reading the right rows of a key failed");
  }
  const strom_row *cur = strom_state_map_get(l->st[0], l->key);
  int64_t have = cur ? strom_row_get_bigint(cur, 0) : 0;
  if (d->anti != (m > 0)) {
    int rc = emit_left(out, d, l, in, strom_row_get_kind(in), 1);
    if (rc) return rc;
  }
  if (acc) return put(l, 0, l->key, have + 1, m);
  return have > 0 ? put(l, 0, l->key, have - 1, m) : STROM_OK;
}

/* Copies the left rows that match the right row in into l->lrows. */
static int matching_left(strom_ctx *ctx, const strom__semi_join_def *d, slocal *l, const strom_row *in) {
  l->nl = 0;
  if (no_match_key(ctx, d)) return STROM_OK;
  size_t pos = 0;
  const strom_row *k, *v;
  int it;
  while ((it = strom_state_map_next(l->st[0], &pos, &k, &v)) == 1) {
    int r = pair_matches(ctx, d, l, k, in);
    if (r < 0) return r;
    if (!r) continue;
    if (l->nl == l->capl) {
      size_t cap = l->capl ? 2 * l->capl : 8;
      strom_row **rows = strom__realloc(l->lrows, cap * sizeof *rows);
      if (!rows) return STROM_ENOMEM;
      l->lrows = rows;
      memset(rows + l->capl, 0, (cap - l->capl) * sizeof *rows);
      int64_t *c = strom__realloc(l->lcount, cap * sizeof *c);
      if (!c) return STROM_ENOMEM;
      l->lcount = c;
      int64_t *a = strom__realloc(l->lassoc, cap * sizeof *a);
      if (!a) return STROM_ENOMEM;
      l->lassoc = a;
      l->capl = cap;
    }
    if (!l->lrows[l->nl] && !(l->lrows[l->nl] = strom_row_new(d->in_schema[0]))) return STROM_ENOMEM;
    strom_row_copy(l->lrows[l->nl], k);
    int rc = strom__row_own_strings(l->lrows[l->nl]);
    if (rc) return rc;
    l->lcount[l->nl] = strom_row_get_bigint(v, 0);
    l->lassoc[l->nl] = strom_row_get_bigint(v, 1);
    l->nl++;
  }
  if (it < 0) return strom_ctx_fail(ctx, "semi join: reading the left rows of a key failed");
  return STROM_OK;
}

/* A right row: left rows whose match count leaves or reaches zero appear or vanish. */
static int right_row(strom_ctx *ctx, const strom__semi_join_def *d, slocal *l, const strom_row *in, bool acc,
                     strom_out *out) {
  int rc = matching_left(ctx, d, l, in);
  if (rc) return rc;
  for (size_t i = 0; i < l->nl; i++) {
    int64_t a = l->lassoc[i];
    if (acc && a == 0) rc = emit_left(out, d, l, l->lrows[i], d->anti ? STROM_DELETE : STROM_INSERT, l->lcount[i]);
    if (!acc && a == 1) rc = emit_left(out, d, l, l->lrows[i], d->anti ? STROM_INSERT : STROM_DELETE, l->lcount[i]);
    if (rc) return rc;
    int64_t na = acc ? a + 1 : a > 0 ? a - 1 : 0;
    if ((rc = put(l, 0, l->lrows[i], l->lcount[i], na))) return rc;
  }
  const strom_row *cur = strom_state_map_get(l->st[1], l->key);
  int64_t have = cur ? strom_row_get_bigint(cur, 0) : 0;
  if (acc) return put(l, 1, l->key, have + 1, 0);
  return have > 0 ? put(l, 1, l->key, have - 1, 0) : STROM_OK;
}

static int sj_process(strom_ctx *ctx, int s, const strom_row *in, strom_out *out) {
  const strom__semi_join_def *d = strom_ctx_data(ctx);
  slocal *l = strom_ctx_local(ctx);
  strom_row_kind kind = strom_row_get_kind(in);
  bool acc = kind == STROM_INSERT || kind == STROM_UPDATE_AFTER;
  strom_row_set_time(l->out, strom_row_time(in)); /* the output carries its trigger's timestamp */
  l->key = l->keys[s];
  strom_row_copy(l->key, in);
  strom_row_set_kind(l->key, STROM_INSERT);
  return s == 0 ? left_row(ctx, d, l, in, acc, out) : right_row(ctx, d, l, in, acc, out);
}

strom_stream *strom__semi_join(strom_keyed *left, strom_keyed *right, const strom__semi_join_def *def) {
  strom_process_def d = {.open = sj_open, .process = sj_process, .close = sj_close, .data = (void *)def,
                         .out_schema = def->out_schema};
  return strom_set_name(strom_keyed_co_process(left, right, &d), def->anti ? "AntiJoin" : "SemiJoin");
}
