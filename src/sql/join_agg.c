/*
 * join_agg.c -- a GROUP BY over an inner regular join, folded into the join's own
 * operator (eager aggregation).  Nexmark q4's inner query is the shape:
 *
 *   SELECT MAX(B.price) AS final, A.category
 *   FROM auction A, bid B
 *   WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
 *   GROUP BY A.id, A.category
 *
 * Flink plans a Join whose every pair is materialised, shuffled by the GROUP BY keys
 * and folded by a GroupAggregate.  When the GROUP BY keys include the join's keys, all
 * the pairs of one group share one join key, so the subtask that joins them can also
 * fold them: the join's keyed operator keeps, beside each side's rows, the group
 * accumulators of its join key, folds each new pair into its group and emits the
 * group's change (+I, or -U/+U when its result moved) as the GroupAggregate would.  No
 * joined row leaves the operator.  A join key's first group is VALUE state (its key,
 * then its accumulators): one lookup, where a join key mostly has one group (q4's
 * auction has one category); further groups are MAP state (group key ->
 * accumulators).  The pairs only insert, so no row count is kept, and a group whose
 * accumulators a pair leaves as they were (a bid below the maximum) is not written.
 *
 * It needs both inputs append-only: the pairs then only ever insert, so every
 * aggregate folds them without retraction, and each side's rows are a list (appended,
 * never searched).  The changes are those of the two operators with the pairs of one
 * input row folded together (one change per group and input row, as a mini-batch of
 * those pairs would give); the final results are the same, row for row.
 *
 * With table.exec.mini-batch.* (agg_minibatch.c) the rows are buffered by join key and
 * a key's rows folded at once: each list is appended once, the other side's stored rows
 * are decoded once for all of them, each group is read and written once, and one change
 * per group and batch goes downstream (Flink's mini-batch join and aggregation).
 *
 * What is recognised (else the Join and the GroupAggregate run): a non-windowed GROUP
 * BY whose input is an inner regular join (not a temporal, interval or window join,
 * not join_winmax.c's rewrite) of two append-only inputs, with equi-keys that are
 * plain columns, each of which the GROUP BY keys name from one side or the other; no
 * DISTINCT aggregate; streaming mode without table.exec.state.ttl or
 * strom.join.watermark-expiry (whose expiries this operator does not implement).
 * 'strom.optimizer.join-aggregate' = 'false' turns it off.
 */
#include "../api/api.h"
#include "sql_int.h"

typedef struct joinagg {
  int nside[2]; /* each side's columns in the joined row */
  const sql_expr *residual;
  sql_expr **pre; /* the aggregation's pre-projection over the joined row */
  int npre, nkeys;
  int njkeys, *keycol[2]; /* the join key's columns in each side's keyed rows */
  int *direct; /* pre column i is joined column direct[i] as it is (-1: evaluated) */
  bool *str;   /* pre column i is a VARCHAR */
  bool *dbl;   /* pre column i is a DOUBLE grouping key: -0.0 is made 0.0, as key hashing does */
  bool all_direct, any_dbl; /* every pre column is direct; some is dbl */
  int keyside; /* 0 or 1: every grouping key is a column of that side (q4's), else -1 */
  bool minmax; /* every aggregate folds by sql_agg_minmax_add (q4's MAX) */
  const sql_agg *aggs;
  int naggs;
  /* acc: the accumulators; first: a join key's first group, its key then its acc */
  const strom_schema *in[2], *joined, *pre_schema, *key_schema, *acc, *first;
  int64_t mb_size, mb_latency_ms; /* table.exec.mini-batch.*: rows and latency of a batch; 0: none */
} joinagg;

/* A group the current input row's pairs fold into: its key and accumulators (owned
 * copies), and the accumulators as read (had: the group existed; first: it is the
 * join key's first group). */
typedef struct group {
  strom_row *key, *acc, *orig;
  bool had, first;
} group;

typedef struct ja_local {
  const joinagg *j; /* the plan (strom_ctx_data), once per row the fewer */
  strom_state *rows[2], *first, *groups;
  strom_row *joined, *pre, *prev, *next, *firstrow;
  group *g;
  int ng, capg;
  sql_ectx ec;
  sql_minibatch *mb;        /* table.exec.mini-batch.enabled */
  const strom_row **side;   /* a batch's new rows by input: [0, capside) left, then right */
  size_t capside;
  const strom_row *last_src; /* the row whose pairs' group is l->g[last_g] (keyside) */
  int last_g;
  strom_row **cache[2]; /* per side, its stored rows decoded for a batch (cache_other) */
  size_t ncache[2];
} ja_local;

static int ja_open(strom_ctx *ctx) {
  const joinagg *j = strom_ctx_data(ctx);
  ja_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->j = j;
  sql_ectx_init(&l->ec);
  static const char *names[2] = {"join-agg-left", "join-agg-right"};
  for (int s = 0; s < 2; s++) {
    strom_state_desc d = {.name = names[s], .kind = STROM_STATE_LIST, .schema = j->in[s]};
    if (!(l->rows[s] = strom_ctx_state(ctx, &d))) return STROM_EINVAL;
  }
  strom_state_desc fd = {.name = "join-agg-first-group", .kind = STROM_STATE_VALUE, .schema = j->first};
  strom_state_desc gd = {.name = "join-agg-groups", .kind = STROM_STATE_MAP, .schema = j->acc, .map_key_schema = j->key_schema};
  if (!(l->first = strom_ctx_state(ctx, &fd)) || !(l->groups = strom_ctx_state(ctx, &gd))) return STROM_EINVAL;
  if (j->mb_size > 0 && !(l->mb = sql_minibatch_new(j->mb_size, j->mb_latency_ms))) return STROM_ENOMEM;
  return (l->joined = strom_row_new(j->joined)) && (l->pre = strom_row_new(j->pre_schema)) &&
                 (l->firstrow = strom_row_new(j->first))
             ? STROM_OK
             : STROM_ENOMEM;
}

static void ja_close(strom_ctx *ctx) {
  ja_local *l = strom_ctx_local(ctx);
  if (!l) return;
  for (int i = 0; i < l->capg; i++) {
    strom_row_free(l->g[i].key);
    strom_row_free(l->g[i].acc);
    strom_row_free(l->g[i].orig);
  }
  free(l->g);
  strom_row_free(l->joined);
  strom_row_free(l->pre);
  strom_row_free(l->prev);
  strom_row_free(l->next);
  strom_row_free(l->firstrow);
  sql_ectx_free(&l->ec);
  sql_minibatch_free(l->mb);
  free(l->side);
  for (int s = 0; s < 2; s++) {
    for (size_t i = 0; i < l->ncache[s]; i++) strom_row_free(l->cache[s][i]);
    free(l->cache[s]);
  }
  free(l);
  if (sql_calc_ctx == ctx) sql_calc_ctx = NULL;
}

/* The pre-projection of l->joined into l->pre: 1, or 0 when the residual fails it. */
static int project(strom_ctx *ctx, const joinagg *j, ja_local *l) {
  const strom_row *jr = l->joined;
  if (j->residual) {
    sql_val t;
    int rc = j->residual->fast ? j->residual->fast(j->residual, jr, &l->ec, &t) : sql_eval(j->residual, jr, &l->ec, &t);
    if (rc) return strom_ctx_fail(ctx, "join condition: %s", l->ec.err[0] ? l->ec.err : "evaluation failed");
    if (t.null || !t.i) return 0;
  }
  strom_row *o = l->pre;
  if (j->all_direct) {
    const int *restrict dir = j->direct;
    const uint8_t *restrict jn = jr->nulls;
    const strom_value *restrict jv = jr->v;
    uint8_t *restrict on = o->nulls;
    strom_value *restrict ov = o->v;
#define PRE_COL(i) (on[i] = jn[dir[i]], ov[i] = jv[dir[i]])
    switch (j->npre) { /* unrolled, as strom__copy_cols */
      case 4: PRE_COL(3); __attribute__((fallthrough));
      case 3: PRE_COL(2); __attribute__((fallthrough));
      case 2: PRE_COL(1); __attribute__((fallthrough));
      case 1: PRE_COL(0); __attribute__((fallthrough));
      case 0: break;
      default:
        for (int i = 0; i < j->npre; i++) PRE_COL(i);
    }
#undef PRE_COL
  } else {
    for (int i = 0; i < j->npre; i++) {
      int d = j->direct[i];
      if (d >= 0) {
        o->nulls[i] = jr->nulls[d], o->v[i] = jr->v[d];
        continue;
      }
      sql_val v;
      if (sql_eval(j->pre[i], jr, &l->ec, &v))
        return strom_ctx_fail(ctx, "%s", l->ec.err[0] ? l->ec.err : "evaluation failed");
      /* strings point into the rows' state entries or the scratch, both alive until the
       * groups are written back */
      if (v.null) o->nulls[i] = 1;
      else if (j->str[i]) strom_row_set_str_ref(o, i, v.s.p, v.s.n);
      else o->nulls[i] = 0, o->v[i].i = v.i, o->v[i].w.hi = v.w.hi;
    }
  }
  /* a group is one key for the state's hashing, which takes -0.0 for 0.0: so must the
   * groups this row touches and the first group's check be */
  if (j->any_dbl)
    for (int i = 0; i < j->nkeys; i++)
      if (j->dbl[i] && !o->nulls[i] && o->v[i].d == 0) o->v[i].d = 0.0;
  return 1;
}

/* The output row of a group's key and accumulators acc into o. */
static void result(const joinagg *j, const group *g, const strom_row *acc, strom_row *o) {
  strom_row_clear(o);
  for (int i = 0; i < j->nkeys; i++) o->nulls[i] = g->key->nulls[i], o->v[i] = g->key->v[i];
  sql_agg_result(j->aggs, j->naggs, acc, o, j->nkeys);
}

/* Sets g's accumulators from the state's row src (its columns from col on), or starts
 * them when there is none. */
static int load(const joinagg *j, group *g, const strom_row *src, int col) {
  g->had = src != NULL;
  if (!g->had) {
    sql_agg_init(j->aggs, j->naggs, g->acc);
    return STROM_OK;
  }
  for (int i = 0; i < g->orig->ncols; i++) g->orig->nulls[i] = src->nulls[col + i], g->orig->v[i] = src->v[col + i];
  int rc = strom__row_own_strings(g->orig);
  return rc ? rc : strom_row_copy(g->acc, g->orig) ? STROM_ENOMEM : strom__row_own_strings(g->acc);
}

/* The group of l->pre's keys among those of this input row, read from state (or
 * started) the first time. */
static group *group_of(const joinagg *j, ja_local *l) {
  for (int i = 0; i < l->ng; i++)
    if (strom__row_prefix_equal(l->pre, l->g[i].key, j->nkeys)) return &l->g[i];
  if (l->ng == l->capg) {
    int cap = l->capg ? 2 * l->capg : 4;
    group *g = strom__realloc(l->g, (size_t)cap * sizeof *g);
    if (!g) return NULL;
    memset(g + l->capg, 0, (size_t)(cap - l->capg) * sizeof *g);
    l->g = g, l->capg = cap;
  }
  group *g = &l->g[l->ng];
  if (!g->key && (!(g->key = strom_row_new(j->key_schema)) || !(g->acc = strom_row_new(j->acc)) ||
                  !(g->orig = strom_row_new(j->acc))))
    return NULL;
  for (int i = 0; i < j->nkeys; i++) g->key->nulls[i] = l->pre->nulls[i], g->key->v[i] = l->pre->v[i];
  if (strom__row_own_strings(g->key)) return NULL;
  /* the first group of the join key (or none yet: this one becomes it), else the map */
  bool taken = false;
  for (int i = 0; i < l->ng; i++) taken |= l->g[i].first;
  const strom_row *cur = taken ? NULL : strom_state_get(l->first);
  g->first = !taken && (!cur || strom__row_prefix_equal(l->pre, cur, j->nkeys));
  if (load(j, g, g->first ? cur : strom_state_map_get(l->groups, g->key), g->first ? j->nkeys : 0)) return NULL;
  l->ng++;
  return g;
}

/* Writes back the touched groups whose accumulators moved and emits their changes, as
 * group_fold (planner.c) does. */
static int flush_groups(const joinagg *j, ja_local *l, int64_t time, strom_out *out) {
  for (int i = 0; i < l->ng; i++) {
    group *g = &l->g[i];
    if (g->had && strom__row_prefix_equal(g->orig, g->acc, g->acc->ncols)) continue; /* nothing moved */
    int rc;
    if (g->first) {
      strom_row *f = l->firstrow;
      for (int c = 0; c < j->nkeys; c++) f->nulls[c] = g->key->nulls[c], f->v[c] = g->key->v[c];
      for (int c = 0; c < g->acc->ncols; c++) f->nulls[j->nkeys + c] = g->acc->nulls[c], f->v[j->nkeys + c] = g->acc->v[c];
      rc = strom_state_update(l->first, f);
    } else {
      rc = strom_state_map_put(l->groups, g->key, g->acc);
    }
    if (rc) return rc;
    result(j, g, g->acc, l->next);
    strom_row_set_time(l->next, time);
    if (!g->had) {
      strom_row_set_kind(l->next, STROM_INSERT);
      if ((rc = strom_out_emit(out, l->next))) return rc;
      continue;
    }
    result(j, g, g->orig, l->prev);
    if (strom__row_prefix_equal(l->prev, l->next, l->next->ncols)) continue; /* the same result */
    strom_row_set_kind(l->prev, STROM_UPDATE_BEFORE);
    strom_row_set_time(l->prev, time);
    strom_row_set_kind(l->next, STROM_UPDATE_AFTER);
    if ((rc = strom_out_emit(out, l->prev)) || (rc = strom_out_emit(out, l->next))) return rc;
  }
  return STROM_OK;
}

/* Folds the pairs of row in (input s's, already in state) with the other side's stored
 * rows [0, n) into their groups: read from the list, or from copies made once for all
 * the batch's rows of side s (cached). */
static int pair_with(strom_ctx *ctx, const joinagg *j, ja_local *l, int s, const strom_row *in, size_t n,
                     strom_row *const *cached) {
  /* the input's half of the joined row once, the other half per pair */
  strom_row *jr = l->joined;
  int off = s == 0 ? 0 : j->nside[0], ooff = s == 0 ? j->nside[0] : 0, no = j->nside[1 - s];
  strom__copy_cols(jr->nulls + off, jr->v + off, in->nulls, in->v, j->nside[s]);
  for (size_t i = 0; i < n; i++) {
    const strom_row *o = cached ? cached[i] : strom_state_list_get(l->rows[1 - s], i);
    if (!o) return STROM_ENOMEM;
    strom__copy_cols(jr->nulls + ooff, jr->v + ooff, o->nulls, o->v, no);
    int r = project(ctx, j, l);
    if (r < 0) return r;
    if (!r) continue;
    /* the grouping keys all from one row of the pair: that row's pairs share a group
     * (the stored side's rows are told apart by pointer only when they are copies) */
    const strom_row *src = j->keyside == s ? in : j->keyside == 1 - s && cached ? o : NULL;
    group *g;
    if (src && src == l->last_src) {
      g = &l->g[l->last_g];
    } else {
      if (!(g = group_of(j, l))) return STROM_ENOMEM;
      l->last_src = src, l->last_g = (int)(g - l->g);
    }
    if (j->minmax)
      for (int a = 0; a < j->naggs; a++) sql_agg_minmax_add(&j->aggs[a], g->acc, l->pre);
    else if (sql_agg_add(j->aggs, j->naggs, g->acc, l->pre, false, &l->ec))
      return strom_ctx_fail(ctx, "%s", l->ec.err);
  }
  return STROM_OK;
}

/* The other side's first n stored rows, decoded once for a batch's several rows of side
 * s: copies whose strings point into the list, which stays put until the fold ends.
 * NULL: out of memory. */
enum { CACHE_MAX = 1024 }; /* more stored rows are read from the list per pair */
static strom_row *const *cache_other(ja_local *l, const joinagg *j, int s, size_t n) {
  int o = 1 - s;
  if (n > l->ncache[o]) {
    strom_row **c = strom__realloc(l->cache[o], n * sizeof *c);
    if (!c) return NULL;
    for (size_t i = l->ncache[o]; i < n; i++) c[i] = NULL;
    l->cache[o] = c, l->ncache[o] = n;
  }
  for (size_t i = 0; i < n; i++) {
    const strom_row *r = strom_state_list_get(l->rows[o], i);
    if (!r || (!l->cache[o][i] && !(l->cache[o][i] = strom_row_new(j->in[o]))) || strom_row_copy(l->cache[o][i], r))
      return NULL;
  }
  return l->cache[o];
}

/* Folds one join key's new rows (one row, or a mini-batch's in arrival order with their
 * inputs) as if its left rows had come before its right ones, an order two inputs may
 * always arrive in: each new left row pairs with the right rows stored before, then
 * each new right row with every left row.  Both lists are appended first, so the rows
 * the pairs' strings point into stay put until the groups are written back. */
static int ja_fold(strom_ctx *ctx, const strom_row *const *rows, const int *inputs, size_t n, strom_out *out) {
  const joinagg *j = strom_ctx_data(ctx);
  ja_local *l = strom_ctx_local(ctx);
  if (!l->next && (!(l->next = strom_row_new(strom_row_schema(strom_out_row(out)))) || !(l->prev = strom_row_new(l->next->schema))))
    return STROM_ENOMEM;
  /* the new rows by input, each side's in arrival order: [0, n) left, [n, 2n) right */
  if (n > l->capside) {
    const strom_row **side = strom__realloc(l->side, 2 * n * sizeof *side);
    if (!side) return STROM_ENOMEM;
    l->side = side, l->capside = n;
  }
  size_t nnew[2] = {0, 0};
  for (size_t i = 0; i < n; i++) l->side[inputs[i] * n + nnew[inputs[i]]++] = rows[i];
  const strom_row *const *add[2] = {l->side, l->side + n};
  /* the stored rows each side's new rows pair with: the right side's from before the
   * batch (counted before its new rows go in, so a new key's list is not walked), the
   * left side's all of them */
  size_t nright = nnew[0] ? strom_state_list_size(l->rows[1]) : 0, nleft = 0;
  int rc;
  for (int s = 0; s < 2; s++)
    if (nnew[s] && (rc = nnew[s] == 1 ? strom_state_add(l->rows[s], add[s][0])
                                      : strom_state_list_add_all(l->rows[s], add[s], nnew[s])))
      return rc;
  if (nnew[1]) nleft = strom_state_list_size(l->rows[0]);
  if (!nright && !nleft) return STROM_OK;
  l->ng = 0;
  l->last_src = NULL;
  if (l->ec.chunks) sql_ectx_reset(&l->ec);
  sql_calc_ctx = ctx; /* CURRENT_WATERMARK in a key or an argument (fn_time2.c) */
  for (int s = 0; s < 2; s++) {
    size_t other = s == 0 ? nright : nleft;
    if (!other) continue;
    strom_row *const *cached = nnew[s] > 1 && other <= CACHE_MAX ? cache_other(l, j, s, other) : NULL;
    if (nnew[s] > 1 && other <= CACHE_MAX && !cached) return STROM_ENOMEM;
    for (size_t i = 0; i < nnew[s]; i++)
      if ((rc = pair_with(ctx, j, l, s, add[s][i], other, cached))) return rc;
  }
  return flush_groups(j, l, strom_row_time(rows[n - 1]), out);
}

static int ja_process(strom_ctx *ctx, int s, const strom_row *in, strom_out *out) {
  ja_local *l = strom_ctx_local(ctx);
  const joinagg *j = l->j;
  if (in->kind != STROM_INSERT)
    return strom_ctx_fail(ctx, "join aggregate: a %s row reached the %s input, which the plan takes for insert-only",
                          strom_row_kind_str(strom_row_get_kind(in)), s == 0 ? "left" : "right");
  for (int i = 0; i < j->njkeys; i++)
    if (in->nulls[j->keycol[s][i]]) return STROM_OK; /* a NULL key matches nothing, ever: not kept */
  if (l->mb) return sql_minibatch_add(l->mb, ctx, s, in, ja_fold, out);
  return ja_fold(ctx, &in, &s, 1, out);
}

/* The mini-batch's end: its latency timer, or a watermark, checkpoint or end of input. */
static int ja_flush(strom_ctx *ctx, strom_out *out) {
  ja_local *l = strom_ctx_local(ctx);
  return l->mb ? sql_minibatch_flush(l->mb, ctx, ja_fold, out) : STROM_OK;
}

static int ja_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)time;
  return ja_flush(ctx, out);
}

/* ---- recognition ---- */

/* Whether the GROUP BY keys name join key i: its left column, or its right one. */
static bool key_grouped(const sql_plan *p, const sql_join *jn, int i, int nl) {
  for (int g = 0; g < p->nkeys; g++) {
    const sql_expr *k = p->keys[g];
    if (k->op == SQL_E_COL && (k->col == jn->lkeys[i]->col || k->col == nl + jn->rkeys[i]->col)) return true;
  }
  return false;
}

bool sql_joinagg_applies(sql_build *b, const sql_plan *p) {
  const sql_session *se = b->sess;
  if (!se->joinagg || se->batch || se->state_ttl_ms > 0 || se->join_expiry) return false;
  if (p->kind != SQL_P_AGG || p->win.kind || !p->nkeys || sql_agg_any_distinct(p->aggs, p->naggs)) return false;
  const sql_plan *jp = p->in;
  if (jp->kind != SQL_P_JOIN || jp->in->changelog || jp->in2->changelog) return false;
  const sql_join *jn = jp->join;
  if (jn->kind != SQL_JK_REGULAR || jn->type != SQL_J_INNER || !jn->nkeys || jn->asof >= 0) return false;
  for (int i = 0; i < jn->nkeys; i++)
    if (jn->lkeys[i]->op != SQL_E_COL || jn->rkeys[i]->op != SQL_E_COL || !key_grouped(p, jn, i, jp->in->ncols))
      return false;
  return !sql_winmax_applies(b, jp);
}

/* ---- the stream ---- */

strom_stream *sql_joinagg_stream(sql_build *b, const sql_plan *p) {
  const sql_plan *jp = p->in;
  sql_agg_pre pre;
  joinagg *j = sql_arena_alloc(&b->arena, sizeof *j);
  if (!j || sql_agg_prepare(b, p, &pre)) return NULL;
  strom_keyed *kl, *kr;
  if (sql_join_keyed(b, jp, &kl, &kr, &j->in[0], &j->in[1])) return NULL;
  strom_schema *js = sql_plan_schema(jp), *ps = sql_plan_schema(pre.plan), *ks = strom_schema_new();
  for (int i = 0; ps && ks && i < pre.nkeys; i++) strom__schema_add_col(ks, strom_schema_col_name(ps, i), &ps->cols[i]);
  if (!js || !ps || !ks || sql_build_own(b, js, (void (*)(void *))strom_schema_free) ||
      sql_build_own(b, ps, (void (*)(void *))strom_schema_free) || sql_build_own(b, ks, (void (*)(void *))strom_schema_free))
    return NULL;
  strom_schema *acc = strom_schema_new(), *first = strom_schema_new();
  if (!acc || !first || sql_agg_acc_schema(pre.aggs, p->naggs, acc) ||
      sql_build_own(b, acc, (void (*)(void *))strom_schema_free))
    return strom_schema_free(acc), strom_schema_free(first), NULL;
  for (int i = 0; i < pre.nkeys; i++) strom__schema_add_col(first, strom_schema_col_name(ps, i), &ps->cols[i]);
  for (int i = 0; i < strom_schema_ncols(acc); i++) strom__schema_add_col(first, strom_schema_col_name(acc, i), &acc->cols[i]);
  if (sql_build_own(b, first, (void (*)(void *))strom_schema_free)) return NULL;
  const strom_schema *os = sql_agg_out_schema(b, p);
  if (!os) return NULL;
  j->acc = acc, j->first = first;
  j->nside[0] = jp->in->ncols, j->nside[1] = jp->in2->ncols;
  const sql_join *jn = jp->join;
  j->njkeys = jn->nkeys;
  for (int s = 0; s < 2; s++) {
    if (!(j->keycol[s] = sql_arena_alloc(&b->arena, sizeof(int) * (size_t)jn->nkeys))) return NULL;
    /* keyed by the columns themselves, or by copies appended after the side's own */
    bool direct = strom_schema_ncols(j->in[s]) == j->nside[s];
    for (int i = 0; i < jn->nkeys; i++) j->keycol[s][i] = direct ? (s ? jn->rkeys : jn->lkeys)[i]->col : j->nside[s] + i;
  }
  j->residual = jp->join->residual;
  j->pre = pre.plan->exprs, j->npre = pre.plan->ncols, j->nkeys = pre.nkeys;
  j->aggs = pre.aggs, j->naggs = p->naggs;
  j->joined = js, j->pre_schema = ps, j->key_schema = ks;
  if (!(j->direct = sql_arena_alloc(&b->arena, sizeof *j->direct * (size_t)(j->npre ? j->npre : 1))) ||
      !(j->str = sql_arena_alloc(&b->arena, sizeof *j->str * (size_t)(j->npre ? j->npre : 1))) ||
      !(j->dbl = sql_arena_alloc(&b->arena, sizeof *j->dbl * (size_t)(j->npre ? j->npre : 1))))
    return NULL;
  sql_expr_compile((sql_expr *)j->residual);
  for (int i = 0; i < j->npre; i++) {
    sql_expr_compile(j->pre[i]);
    const strom_col *oc = &ps->cols[i], *ic = j->pre[i]->op == SQL_E_COL ? &js->cols[j->pre[i]->col] : NULL;
    j->direct[i] = ic && ic->type == oc->type && ic->precision == oc->precision && ic->scale == oc->scale ? j->pre[i]->col : -1;
    j->str[i] = oc->type == STROM_VARCHAR;
    j->dbl[i] = i < j->nkeys && oc->type == STROM_DOUBLE;
    j->any_dbl |= j->dbl[i];
  }
  j->all_direct = true;
  for (int i = 0; i < j->npre; i++) j->all_direct &= j->direct[i] >= 0;
  j->keyside = -1;
  for (int i = 0; i < j->nkeys; i++) {
    int side = j->direct[i] < 0 ? -2 : j->direct[i] < j->nside[0] ? 0 : 1;
    j->keyside = i == 0 || side == j->keyside ? side : -2;
  }
  if (j->keyside < 0) j->keyside = -1;
  j->minmax = true;
  for (int i = 0; i < j->naggs; i++) j->minmax &= sql_agg_is_minmax64(&j->aggs[i]);
  strom_process_def d = {.open = ja_open, .process = ja_process, .close = ja_close, .data = j, .out_schema = os};
  int mb = sql_minibatch_on(b);
  if (mb < 0) return NULL;
  if (mb) {
    j->mb_size = b->sess->minibatch_size, j->mb_latency_ms = b->sess->minibatch_latency_ms;
    d.flush = ja_flush, d.on_timer = ja_timer;
  }
  return strom_set_name(strom_keyed_co_process(kl, kr, &d), j->mb_size ? "MiniBatch join aggregate" : "Join aggregate");
}
