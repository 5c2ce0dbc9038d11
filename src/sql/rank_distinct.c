/*
 * rank_distinct.c -- aggregates with DISTINCT (COUNT(DISTINCT x), SUM(DISTINCT x),
 * AVG(DISTINCT x)) and SELECT DISTINCT.
 *
 * A non-windowed GROUP BY keeps, per group and DISTINCT aggregate, a MAP state from
 * each value to how many rows carry it (Flink's MapView in the accumulator): a value
 * is folded into the accumulator when its count goes from 0 to 1 and retracted when
 * it drops back to 0, so -U/-D input retracts correctly.  A window aggregation with a
 * DISTINCT aggregate keeps the window's rows (the window operator's full-window
 * function) and folds each distinct value once when the window fires.  SELECT
 * DISTINCT is a GROUP BY on every selected column with no aggregate.
 */
#include "sql_int.h"

bool sql_agg_any_distinct(const sql_agg *aggs, int n) {
  for (int i = 0; i < n; i++)
    if (aggs[i].distinct) return true;
  return false;
}

/* ---- non-windowed: value counts in MAP state ---- */

typedef struct dvalue {
  strom_state *st;
  strom_row *key, *cnt;
} dvalue;

struct sql_distinct {
  const sql_agg *aggs;
  int n;
  dvalue *v; /* one per aggregate; st is NULL for the non-distinct ones */
  strom_schema *cnt_schema;
  strom_schema **key_schemas;
};

void sql_distinct_free(sql_distinct *d) {
  if (!d) return;
  for (int i = 0; i < d->n; i++) {
    strom_row_free(d->v[i].key);
    strom_row_free(d->v[i].cnt);
    if (d->key_schemas[i]) strom_schema_free(d->key_schemas[i]);
  }
  strom_schema_free(d->cnt_schema);
  free(d->key_schemas);
  free(d->v);
  free(d);
}

sql_distinct *sql_distinct_open(strom_ctx *ctx, const sql_agg *aggs, int n) {
  sql_distinct *d = strom__calloc(1, sizeof *d);
  if (!d) return NULL;
  d->aggs = aggs, d->n = n;
  d->v = strom__calloc((size_t)n, sizeof *d->v);
  d->key_schemas = strom__calloc((size_t)n, sizeof *d->key_schemas);
  d->cnt_schema = strom_schema_new();
  if (!d->v || !d->key_schemas || !d->cnt_schema || strom_schema_add(d->cnt_schema, "n", STROM_BIGINT)) goto fail;
  for (int i = 0; i < n; i++) {
    if (!aggs[i].distinct) continue;
    if (!(d->key_schemas[i] = strom_schema_new()) || sql_schema_add(d->key_schemas[i], "v", &aggs[i].in_type)) goto fail;
    char name[32];
    snprintf(name, sizeof name, "distinct-%d", i);
    strom_state_desc sd = {.name = name, .kind = STROM_STATE_MAP, .schema = d->cnt_schema, .map_key_schema = d->key_schemas[i]};
    if (!(d->v[i].st = strom_ctx_state(ctx, &sd))) goto fail;
    if (!(d->v[i].key = strom_row_new(d->key_schemas[i])) || !(d->v[i].cnt = strom_row_new(d->cnt_schema))) goto fail;
  }
  return d;
fail:
  sql_distinct_free(d);
  return NULL;
}

static bool passes(const sql_agg *g, const strom_row *in, sql_val *v) {
  if (g->filter >= 0 && (in->nulls[g->filter] || !in->v[g->filter].i)) return false;
  sql_val_get(in, g->arg, v);
  return !v->null;
}

int sql_distinct_add(sql_distinct *d, strom_row *acc, const strom_row *in, bool retract, sql_ectx *c) {
  for (int i = 0; i < d->n; i++) {
    const sql_agg *g = &d->aggs[i];
    sql_val v;
    if (!g->distinct || !passes(g, in, &v)) continue;
    dvalue *dv = &d->v[i];
    strom_row_clear(dv->key);
    int rc = sql_val_set(dv->key, 0, &v);
    if (rc) return rc;
    const strom_row *cur = strom_state_map_get(dv->st, dv->key);
    int64_t n = cur ? strom_row_get_bigint(cur, 0) : 0;
    if (retract && n == 0) continue; /* a retraction of a value never added (state expired) */
    n += retract ? -1 : 1;
    if (n == 0) rc = strom_state_map_remove(dv->st, dv->key);
    else strom_row_set_bigint(dv->cnt, 0, n), rc = strom_state_map_put(dv->st, dv->key, dv->cnt);
    if (rc) return rc;
    if (n == (retract ? 0 : 1)) { /* the value appears or disappears: fold it */
      sql_agg one = *g;
      one.distinct = false;
      if ((rc = sql_agg_add(&one, 1, acc, in, retract, c))) return rc;
    }
  }
  return STROM_OK;
}

/* ---- windowed: fold the window's rows when it fires ---- */

typedef struct dwin {
  const sql_agg *aggs;
  int naggs, nkeys;
  bool real_keys;
  const strom_schema *acc;
} dwin;

static int dwin_fire(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out) {
  const dwin *w = strom_ctx_data(ctx);
  if (!n) return STROM_OK;
  strom_row *acc = strom_row_new(w->acc);
  if (!acc) return STROM_ENOMEM;
  sql_ectx c = {0};
  int rc = STROM_OK;
  sql_agg_init(w->aggs, w->naggs, acc);
  for (size_t r = 0; r < n && !rc; r++) rc = sql_agg_add(w->aggs, w->naggs, acc, rows[r], false, &c);
  for (int i = 0; i < w->naggs && !rc; i++) {
    const sql_agg *g = &w->aggs[i];
    if (!g->distinct) continue;
    sql_agg one = *g;
    one.distinct = false;
    /* quadratic in the window's rows, but without extra state */
    for (size_t r = 0; r < n && !rc; r++) {
      sql_val v, u;
      if (!passes(g, rows[r], &v)) continue;
      bool seen = false;
      for (size_t q = 0; q < r && !seen; q++) seen = passes(g, rows[q], &u) && !sql_val_cmp(&g->in_type, &u, &v);
      if (!seen) rc = sql_agg_add(&one, 1, acc, rows[r], false, &c);
    }
  }
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
                                  strom_window_assigner assigner) {
  dwin *w = sql_arena_alloc(&b->arena, sizeof *w);
  if (!w) return NULL;
  *w = (dwin){.aggs = aggs, .naggs = naggs, .nkeys = nkeys, .real_keys = real_keys, .acc = acc};
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
