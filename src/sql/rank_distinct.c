/*
 * rank_distinct.c -- aggregates with DISTINCT (COUNT(DISTINCT x), SUM(DISTINCT x),
 * AVG(DISTINCT x)) and SELECT DISTINCT.
 *
 * A non-windowed GROUP BY keeps, per group and DISTINCT aggregate, a MAP state from
 * each value to how many rows carry it (Flink's MapView in the accumulator): a value
 * is folded into the accumulator when its count goes from 0 to 1 and retracted when
 * it drops back to 0, so -U/-D input retracts correctly.  TUMBLE, HOP and CUMULATE
 * aggregations keep such counts per window end (rank_cumulate.c); a SESSION window
 * with a DISTINCT aggregate keeps the window's rows (the window operator's full-window
 * function, sessions merge) and folds each distinct value once when it fires; over an
 * updating input a value counts if more of its rows add it than retract it.  SELECT
 * DISTINCT is a GROUP BY on every selected column with no aggregate.
 */
#include "rank.h"

bool sql_agg_any_distinct(const sql_agg *aggs, int n) {
  for (int i = 0; i < n; i++)
    if (aggs[i].distinct) return true;
  return false;
}

/* ---- non-windowed: value counts in MAP state ---- */

/* The DISTINCT aggregates of one argument (COUNT(DISTINCT x), COUNT(DISTINCT x)
 * FILTER (...), SUM(DISTINCT x)) share one map: value -> one count per aggregate, so a
 * row costs one lookup per argument, not per aggregate. */
typedef struct dgroup {
  strom_state *st;
  int n;
  int *agg;   /* the aggregates of the group */
  strom_schema *key_schema, *cnt_schema;
  strom_row *key, *cnt;
} dgroup;

struct sql_distinct {
  const sql_agg *aggs;
  int ngroups;
  dgroup *g;
  bool windowed; /* keys are (window end, value): one set of counts per window */
};

void sql_distinct_free(sql_distinct *d) {
  if (!d) return;
  for (int i = 0; i < d->ngroups; i++) {
    dgroup *g = &d->g[i];
    strom_row_free(g->key);
    strom_row_free(g->cnt);
    if (g->key_schema) strom_schema_free(g->key_schema);
    if (g->cnt_schema) strom_schema_free(g->cnt_schema);
    free(g->agg);
  }
  free(d->g);
  free(d);
}

static bool same_arg(const sql_agg *a, const sql_agg *b) {
  return a->distinct_arg && b->distinct_arg && !strcmp(a->distinct_arg, b->distinct_arg) && a->in_type.id == b->in_type.id &&
         a->in_type.s == b->in_type.s;
}

static sql_distinct *open_distinct(strom_ctx *ctx, const sql_agg *aggs, int n, int64_t ttl_ms, bool windowed) {
  sql_distinct *d = strom__calloc(1, sizeof *d);
  if (!d || !(d->g = strom__calloc((size_t)n, sizeof *d->g))) goto fail;
  d->aggs = aggs;
  d->windowed = windowed;
  for (int i = 0; i < n; i++) {
    if (!aggs[i].distinct) continue;
    int k = 0;
    while (k < d->ngroups && !same_arg(&aggs[d->g[k].agg[0]], &aggs[i])) k++;
    dgroup *g = &d->g[k];
    if (k == d->ngroups) {
      d->ngroups++;
      if (!(g->agg = strom__calloc((size_t)n, sizeof *g->agg))) goto fail;
    }
    g->agg[g->n++] = i;
  }
  for (int k = 0; k < d->ngroups; k++) {
    dgroup *g = &d->g[k];
    char name[32];
    if (!(g->key_schema = strom_schema_new()) || (windowed && strom_schema_add(g->key_schema, "w", STROM_BIGINT)) ||
        sql_schema_add(g->key_schema, "v", &aggs[g->agg[0]].in_type))
      goto fail;
    if (!(g->cnt_schema = strom_schema_new())) goto fail;
    for (int i = 0; i < g->n; i++) {
      snprintf(name, sizeof name, "n%d", i);
      if (strom_schema_add(g->cnt_schema, name, STROM_BIGINT)) goto fail;
    }
    snprintf(name, sizeof name, "distinct-%d", g->agg[0]);
    strom_state_desc sd = {.name = name, .kind = STROM_STATE_MAP, .schema = g->cnt_schema, .map_key_schema = g->key_schema};
    if (ttl_ms > 0) sd.ttl = (strom_state_ttl){.ttl_ms = ttl_ms, .update = STROM_TTL_ON_CREATE_AND_WRITE}; /* as the group's */
    if (!(g->st = strom_ctx_state(ctx, &sd))) goto fail;
    if (!(g->key = strom_row_new(g->key_schema)) || !(g->cnt = strom_row_new(g->cnt_schema))) goto fail;
  }
  return d;
fail:
  sql_distinct_free(d);
  return NULL;
}

sql_distinct *sql_distinct_open(strom_ctx *ctx, const sql_agg *aggs, int n, int64_t ttl_ms) {
  return open_distinct(ctx, aggs, n, ttl_ms, false);
}

sql_distinct *rank_distinct_open_windowed(strom_ctx *ctx, const sql_agg *aggs, int n) {
  return open_distinct(ctx, aggs, n, 0, true);
}

static bool passes(const sql_agg *g, const strom_row *in, sql_val *v) {
  if (g->filter >= 0 && (in->nulls[g->filter] || !in->v[g->filter].i)) return false;
  sql_val_get(in, g->arg, v);
  return !v->null;
}

static int add_distinct(sql_distinct *d, int64_t window, strom_row *acc, const strom_row *in, bool retract, sql_ectx *c) {
  for (int k = 0; k < d->ngroups; k++) {
    dgroup *g = &d->g[k];
    sql_val v;
    bool any = false;
    uint64_t mask = 0; /* the aggregates this row counts for (at most 64 share a map) */
    for (int i = 0; i < g->n && i < 64; i++)
      if (passes(&d->aggs[g->agg[i]], in, &v)) mask |= 1ull << i, any = true;
    if (!any) continue;
    strom_row_clear(g->key);
    if (d->windowed) strom_row_set_bigint(g->key, 0, window);
    int rc = sql_val_set(g->key, d->windowed, &v);
    if (rc) return rc;
    const strom_row *cur = strom_state_map_get(g->st, g->key);
    bool left = false;
    for (int i = 0; i < g->n; i++) {
      int64_t n = cur ? strom_row_get_bigint(cur, i) : 0, was = n;
      if (mask >> i & 1) {
        if (!retract) n++;
        else if (n > 0) n--; /* (a retraction of a value never added, as after state expiry, is ignored) */
      }
      strom_row_set_bigint(g->cnt, i, n);
      left |= n > 0;
      if ((was == 0) != (n == 0)) { /* the value appears or disappears for this aggregate: fold it */
        sql_agg one = d->aggs[g->agg[i]];
        one.distinct = false;
        if ((rc = sql_agg_add(&one, 1, acc, in, retract, c))) return rc;
      }
    }
    rc = left ? strom_state_map_put(g->st, g->key, g->cnt) : strom_state_map_remove(g->st, g->key);
    if (rc) return rc;
  }
  return STROM_OK;
}

int sql_distinct_add(sql_distinct *d, strom_row *acc, const strom_row *in, bool retract, sql_ectx *c) {
  return add_distinct(d, 0, acc, in, retract, c);
}

int rank_distinct_add_window(sql_distinct *d, int64_t window, strom_row *acc, const strom_row *in, sql_ectx *c) {
  return add_distinct(d, window, acc, in, false, c);
}

int rank_distinct_retract_window(sql_distinct *d, int64_t window, strom_row *acc, const strom_row *in, sql_ectx *c) {
  return add_distinct(d, window, acc, in, true, c);
}

int rank_distinct_drop_window(sql_distinct *d, int64_t window) {
  for (int k = 0; k < d->ngroups; k++) {
    dgroup *g = &d->g[k];
    rank_rows keys = {.schema = g->key_schema};
    size_t pos = 0;
    const strom_row *key, *val;
    int rc = STROM_OK;
    while (!rc && strom_state_map_next(g->st, &pos, &key, &val))
      if (strom_row_get_bigint(key, 0) == window) rc = rank_rows_push(&keys, key);
    for (int i = 0; i < keys.n && !rc; i++) rc = strom_state_map_remove(g->st, keys.r[i]);
    rank_rows_free(&keys);
    if (rc) return rc;
  }
  return STROM_OK;
}

/* ---- windowed: fold the window's rows when it fires ---- */

typedef struct dwin {
  const sql_agg *aggs;
  int naggs, nkeys;
  bool real_keys;
  const strom_schema *acc;
  int sign_col; /* -1: insert-only input */
} dwin;

typedef struct sort_ctx {
  const sql_agg *g;
  const strom_row *const *rows;
} sort_ctx;

static int by_value(const void *x, const void *y, void *arg) {
  const sort_ctx *sc = arg;
  size_t a = *(const size_t *)x, b = *(const size_t *)y;
  sql_val u, v;
  sql_val_get(sc->rows[a], sc->g->arg, &u);
  sql_val_get(sc->rows[b], sc->g->arg, &v);
  int c = sql_val_cmp(&sc->g->in_type, &u, &v);
  return c ? c : (a > b) - (a < b);
}

/* Whether r is a -U/-D: list state keeps no row kind, so the planner put it in sign_col. */
static bool retracts(const strom_row *r, int sign_col) { return sign_col >= 0 && r->v[sign_col].i < 0; }

/* sign_col >= 0: rows of an updating input, whose -U/-D cancel a +I/+U of their value (a
 * value counts when more rows add it than retract it); otherwise every row adds. */
static int fold(const sql_agg *aggs, int naggs, strom_row *acc, const strom_row *const *rows, size_t n, int sign_col,
                sql_ectx *ec) {
  size_t *idx = malloc(sizeof *idx * (n ? n : 1));
  if (!idx) return STROM_ENOMEM;
  int rc = STROM_OK;
  for (int i = 0; i < naggs && !rc; i++) {
    const sql_agg *g = &aggs[i];
    if (!g->distinct) continue;
    sql_agg one = *g;
    one.distinct = false;
    /* the rows that count, sorted by value (ties by position): fold the first of each run */
    size_t m = 0;
    for (size_t r = 0; r < n; r++) {
      sql_val v;
      if (passes(g, rows[r], &v)) idx[m++] = r;
    }
    sort_ctx sc = {g, rows};
    qsort_r(idx, m, sizeof *idx, by_value, &sc);
    for (size_t q = 0, run = 0; q < m && !rc; q = run) {
      sql_val u, v;
      int64_t net = 0;
      sql_val_get(rows[idx[q]], g->arg, &u);
      for (run = q; run < m; run++) {
        sql_val_get(rows[idx[run]], g->arg, &v);
        if (sql_val_cmp(&g->in_type, &u, &v)) break;
        net += retracts(rows[idx[run]], sign_col) ? -1 : 1;
      }
      if (net > 0) rc = sql_agg_add(&one, 1, acc, rows[idx[q]], false, ec);
    }
  }
  free(idx);
  return rc;
}

int rank_distinct_fold(const sql_agg *aggs, int naggs, strom_row *acc, const strom_row *const *rows, size_t n,
                       sql_ectx *ec) {
  return fold(aggs, naggs, acc, rows, n, -1, ec);
}

static int dwin_fire(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out) {
  const dwin *w = strom_ctx_data(ctx);
  int64_t net = 0; /* an updating input's -U/-D take their row back */
  for (size_t r = 0; r < n; r++) net += retracts(rows[r], w->sign_col) ? -1 : 1;
  if (net <= 0) return STROM_OK; /* no rows left (or none): no result, as a window emptied by retractions */
  strom_row *acc = strom_row_new(w->acc);
  if (!acc) return STROM_ENOMEM;
  sql_ectx c = {0};
  int rc = STROM_OK;
  sql_agg_init(w->aggs, w->naggs, acc);
  for (size_t r = 0; r < n && !rc; r++) rc = sql_agg_add(w->aggs, w->naggs, acc, rows[r], retracts(rows[r], w->sign_col), &c);
  if (!rc) rc = fold(w->aggs, w->naggs, acc, rows, n, w->sign_col, &c);
  if (!rc) {
    strom_row *o = strom_out_row(out);
    int k = 0;
    if (w->real_keys) {
      const strom_row *key = strom_ctx_key(ctx);
      for (; k < w->nkeys; k++) o->nulls[k] = key->nulls[k], o->v[k] = key->v[k];
    }
    int64_t ws = strom_ctx_window_start(ctx), we = strom_ctx_window_end(ctx);
    strom_row_set_timestamp(o, k, ws);
    strom_row_set_timestamp(o, k + 1, we);
    strom_row_set_timestamp(o, k + 2, we - 1);
    sql_agg_result(w->aggs, w->naggs, acc, o, k + 3);
    rc = strom_out_emit(out, o);
  } else if (c.err[0]) {
    rc = strom_ctx_fail(ctx, "%s", c.err);
  }
  sql_ectx_free(&c);
  strom_row_free(acc);
  return rc;
}

strom_stream *sql_distinct_window(sql_build *b, strom_keyed *ks, const sql_agg *aggs, int naggs, int nkeys,
                                  bool real_keys, const strom_schema *acc, const strom_schema *out,
                                  strom_window_assigner assigner, int sign_col) {
  dwin *w = sql_arena_alloc(&b->arena, sizeof *w);
  if (!w) return NULL;
  *w = (dwin){.aggs = aggs, .naggs = naggs, .nkeys = nkeys, .real_keys = real_keys, .acc = acc, .sign_col = sign_col};
  strom_window_def wd = {.assigner = assigner, .process = dwin_fire, .out_schema = out, .data = w};
  return strom_set_name(strom_window(ks, &wd), "Window aggregate (distinct)");
}

/* ---- SELECT DISTINCT ---- */

sql_plan *sql_select_distinct(sql_arena *a, sql_plan *p, char *err, size_t errlen) {
  sql_plan *g = sql_arena_alloc(a, sizeof *g);
  sql_expr **keys = sql_arena_alloc(a, sizeof *keys * (size_t)(p->ncols ? p->ncols : 1));
  sql_col *cols = sql_arena_alloc(a, sizeof *cols * (size_t)(p->ncols ? p->ncols : 1));
  sql_agg *aggs = sql_arena_alloc(a, sizeof *aggs);
  sql_expr **none = sql_arena_alloc(a, sizeof *none);
  if (!g || !keys || !cols || !aggs || !none) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  for (int i = 0; i < p->ncols; i++) {
    if (!(keys[i] = sql_arena_alloc(a, sizeof *keys[i]))) {
      snprintf(err, errlen, "out of memory");
      return NULL;
    }
    *keys[i] = (sql_expr){.op = SQL_E_COL, .col = i, .type = p->cols[i].type};
    cols[i] = p->cols[i];
    cols[i].rowtime = false; /* a grouped column is no longer a time attribute */
    cols[i].qual = NULL;
  }
  *g = (sql_plan){.kind = SQL_P_AGG, .ncols = p->ncols, .cols = cols, .in = p, .changelog = true, .time_col = -1,
                  .nkeys = p->ncols, .keys = keys, .aggs = aggs, .agg_args = none, .agg_filters = none};
  return g;
}
