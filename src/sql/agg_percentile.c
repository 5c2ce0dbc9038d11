/*
 * agg_percentile.c -- PERCENTILE(expr, percentage [, frequency]), Flink 2.0's exact
 * percentile (PercentileAggFunction): the values sorted, each counted frequency times,
 * and the value at position p * (n - 1) interpolated linearly between its two
 * neighbours.  A NULL value or frequency, or a frequency below 1, leaves the row out; a
 * group with no value left gives NULL.  percentage is a literal in [0, 1] or an ARRAY of
 * them (the result is then an ARRAY<DOUBLE>, one percentile each).
 *
 * The state is agg_json.c's list (as ARRAY_AGG's): each entry is the pair (value as
 * DOUBLE, frequency as BIGINT) in types_coll.c's encoding, so the aggregate retracts
 * (the first equal pair goes) and merges window slices; the sort happens per result.
 */
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#include "sql_int.h"

static const sql_type T_DOUBLE = {.id = STROM_DOUBLE}, T_BIGINT = {.id = STROM_BIGINT};

static int ck_none(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a, (void)e, (void)err, (void)errlen;
  return 0;
}

/* (v, f) -> the pair's encodings; NULL (the row left out) for a frequency below 1 */
static int f_pair(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c) {
  sql_val f = e->n > 1 ? args[1] : (sql_val){.i = 1};
  if (f.i < 1) return out->null = true, 0;
  strom_buf b = {0};
  sql_coll_put(&b, &T_DOUBLE, &args[0]);
  sql_coll_put(&b, &T_BIGINT, &f);
  return sql_coll_finish(&b, out, c);
}

static const sql_func pair_fn = {"$PERCENTILE_PAIR", 1, 2, true, ck_none, f_pair};

static bool has_col(const sql_expr *x) {
  if (x->op == SQL_E_COL) return true;
  for (int i = 0; i < x->n; i++)
    if (x->a[i] && has_col(x->a[i])) return true;
  return false;
}

static int fail(char *err, size_t errlen, const char *m) { return snprintf(err, errlen, "PERCENTILE: %s", m), -1; }

sql_expr *sql_pct_arg(sql_arena *a, sql_agg *g, sql_expr **args, int nargs, char *err, size_t errlen) {
  if (nargs < 2 || nargs > 3) return fail(err, errlen, "takes (expr, percentage [, frequency])"), NULL;
  if (!sql_type_numeric(&args[0]->type) && args[0]->type.id) return fail(err, errlen, "expr must be numeric"), NULL;
  if (nargs > 2 && (args[2]->type.kind || (args[2]->type.id != STROM_INT && args[2]->type.id != STROM_BIGINT && args[2]->type.id)))
    return fail(err, errlen, "the frequency must be an integer"), NULL;
  /* the percentage: a constant, evaluated now */
  sql_expr *p = args[1];
  bool arr = p->type.kind == SQL_K_ARRAY;
  if (has_col(p) || (!arr && !sql_type_numeric(&p->type)) || (arr && (!p->type.elem || !sql_type_numeric(p->type.elem))))
    return fail(err, errlen, "the percentage must be a numeric literal in [0, 1] or an ARRAY of them"), NULL;
  sql_type want = arr ? sql_coll_array_type(&T_DOUBLE) : T_DOUBLE;
  if (!(p = sql_cast_to(a, p, &want))) return fail(err, errlen, "out of memory"), NULL;
  sql_ectx c;
  sql_ectx_init(&c);
  sql_val v = {0};
  int rc = sql_eval(p, NULL, &c, &v), n = 0;
  double *pct = NULL;
  if (!rc && !v.null) {
    if (!arr) {
      pct = sql_arena_alloc(a, sizeof *pct), n = 1;
      if (pct) pct[0] = v.d;
    } else {
      const char *q = v.s.p, *end = q + v.s.n;
      uint32_t k = 0;
      if (sql_coll_count(&q, end, &k) && k > 0 && k < 10000 && (pct = sql_arena_alloc(a, sizeof *pct * k)))
        for (uint32_t i = 0; i < k; i++) {
          sql_val x;
          if (!sql_coll_get(&q, end, &T_DOUBLE, &x) || x.null) {
            n = -1;
            break;
          }
          pct[n++] = x.d;
        }
    }
  }
  sql_ectx_free(&c);
  if (rc || v.null || !pct || n <= 0) return fail(err, errlen, "the percentage must be a numeric literal in [0, 1] or an ARRAY of them"), NULL;
  for (int i = 0; i < n; i++)
    if (!(pct[i] >= 0 && pct[i] <= 1)) {
      char m[120];
      snprintf(m, sizeof m, "the percentage %g is outside [0, 1]", pct[i]);
      return fail(err, errlen, m), NULL;
    }
  g->pct = pct, g->npct = n, g->pct_array = arr, g->json_absent = true; /* a NULL pair is left out */
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **av = sql_arena_alloc(a, sizeof *av * 2);
  if (!e || !av) return fail(err, errlen, "out of memory"), NULL;
  if (!args[0]->type.id) args[0]->type = T_DOUBLE;
  if (!(av[0] = sql_cast_to(a, args[0], &T_DOUBLE))) return fail(err, errlen, "out of memory"), NULL;
  if (nargs > 2) {
    if (!args[2]->type.id) args[2]->type = T_BIGINT;
    if (!(av[1] = sql_cast_to(a, args[2], &T_BIGINT))) return fail(err, errlen, "out of memory"), NULL;
  }
  *e = (sql_expr){.op = SQL_E_FUNC, .n = nargs - 1, .a = av, .fn = &pair_fn, .col = -1,
                  .type = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX}};
  return e;
}

sql_type sql_pct_type(const sql_agg *g) {
  sql_type t = g->pct_array ? sql_coll_array_type(&T_DOUBLE) : T_DOUBLE;
  t.not_null = false;
  return t;
}

typedef struct wv {
  double v;
  int64_t f;
} wv;

static int by_value(const void *x, const void *y) {
  double a = ((const wv *)x)->v, b = ((const wv *)y)->v;
  return (a > b) - (a < b);
}

/* The value at rank r (0-based) of the sorted, weighted values. */
static double at_rank(const wv *w, int n, int64_t r) {
  for (int i = 0; i < n; i++) {
    if (r < w[i].f) return w[i].v;
    r -= w[i].f;
  }
  return w[n - 1].v;
}

void sql_pct_result(const sql_agg *g, const sql_val *entries, int n, strom_row *out, int col) {
  wv *w = n > 0 ? malloc(sizeof *w * (size_t)n) : NULL;
  int64_t total = 0;
  int k = 0;
  for (int i = 0; i < n && w; i++) {
    const char *p = entries[i].s.p, *end = p + entries[i].s.n;
    sql_val v, f;
    if (entries[i].null || !sql_coll_get(&p, end, &T_DOUBLE, &v) || !sql_coll_get(&p, end, &T_BIGINT, &f) || v.null) continue;
    w[k++] = (wv){v.d, f.i}, total += f.i;
  }
  if (!k) {
    free(w);
    strom_row_set_null(out, col);
    return;
  }
  qsort(w, (size_t)k, sizeof *w, by_value);
  strom_buf b = {0};
  uint32_t cnt = (uint32_t)g->npct;
  if (g->pct_array) strom__buf_append(&b, &cnt, 4);
  double r = 0;
  for (int i = 0; i < g->npct; i++) {
    double pos = g->pct[i] * (double)(total - 1), lo = floor(pos);
    double a = at_rank(w, k, (int64_t)lo), hi = at_rank(w, k, (int64_t)ceil(pos));
    r = a + (pos - lo) * (hi - a);
    sql_val x = {.d = r};
    if (g->pct_array) sql_coll_put(&b, &T_DOUBLE, &x);
  }
  free(w);
  if (!g->pct_array) strom_row_set_double(out, col, r);
  else if (b.p) strom_row_set_str(out, col, b.p, b.len);
  else strom_row_set_null(out, col);
  strom__buf_free(&b);
}
