/*
 * agg_more.c -- Flink's further aggregate functions on the accumulator rows of
 * aggregates.c: STDDEV_POP/STDDEV_SAMP/STDDEV, VAR_POP/VAR_SAMP/VARIANCE, LISTAGG,
 * FIRST_VALUE and LAST_VALUE (not OVER).
 *
 * The variances are Flink's rewrite (AggregateReduceFunctionsRule with its WELFORD_M2
 * helper): a count, a running mean and the sum of squared deviations m2 in DOUBLE
 * columns, updated by Welford's method in both directions, so they retract and merge
 * (window slices).  The result is m2 / n (or / (n - 1), NULL for one row), its square
 * root for STDDEV, then CAST to the result type, which is AVG's: the input type (an
 * INT input gives a truncated INT), DECIMAL(38, max(6, s)) for DECIMAL(p, s).
 *
 * LISTAGG, and FIRST_VALUE / LAST_VALUE over an updating input, keep every non-NULL
 * value in arrival order in one VARCHAR column (Flink's ListAggWithRetract and
 * First/LastValueWithRetract keep the same lists): a retraction removes the oldest
 * equal value.  Append-only FIRST_VALUE / LAST_VALUE keep one value.  All of it lives
 * in the accumulator row, which the operators hold in keyed state.
 */
#include <math.h>

#include "sql_int.h"

int sql_agg_more_kind(const char *name) {
  static const struct {
    const char *name;
    sql_agg_kind kind;
  } names[] = {{"STDDEV_POP", SQL_AGG_STDDEV_POP}, {"STDDEV_SAMP", SQL_AGG_STDDEV_SAMP}, {"STDDEV", SQL_AGG_STDDEV_SAMP},
               {"VAR_POP", SQL_AGG_VAR_POP},       {"VAR_SAMP", SQL_AGG_VAR_SAMP},       {"VARIANCE", SQL_AGG_VAR_SAMP},
               {"LISTAGG", SQL_AGG_LISTAGG},       {"FIRST_VALUE", SQL_AGG_FIRST_VALUE}, {"LAST_VALUE", SQL_AGG_LAST_VALUE}};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (!strcasecmp(name, names[i].name)) return (int)names[i].kind;
  return -1;
}

static bool is_variance(const sql_agg *g) { return g->kind >= SQL_AGG_STDDEV_POP && g->kind <= SQL_AGG_VAR_SAMP; }
static bool is_list(const sql_agg *g) { return g->kind == SQL_AGG_LISTAGG || g->keep_list; }
static bool is_text(const sql_type *t) { return t->id == STROM_VARCHAR; }

const char *sql_agg_more_bind(sql_agg *g, int nargs, const sql_node *sep) {
  if (g->distinct && !is_variance(g)) return "not supported yet: DISTINCT in this aggregate function";
  if (g->kind == SQL_AGG_LISTAGG) {
    if (nargs != 1 && nargs != 2) return "LISTAGG takes one or two arguments";
    if (!is_text(&g->in_type) || g->in_type.kind) return "LISTAGG needs a character string argument";
    if (nargs == 2 && (!sep || sep->kind != SQL_STRING)) return "LISTAGG's separator must be a string literal";
    g->sep = nargs == 2 ? sep->text : ",";
    g->type = (sql_type){.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX}; /* STRING */
    return NULL;
  }
  if (nargs != 1) return "this aggregate function takes one argument";
  if (is_variance(g)) {
    if (!sql_type_numeric(&g->in_type)) return "this aggregate function needs a numeric argument";
    g->type = g->in_type.id == STROM_DECIMAL
                  ? (sql_type){.id = STROM_DECIMAL, .p = SQL_MAX_PRECISION, .s = g->in_type.s > 6 ? g->in_type.s : 6}
                  : g->in_type;
  } else {
    g->type = g->in_type;
  }
  g->type.not_null = false;
  return NULL;
}

void sql_agg_more_changelog(sql_agg *aggs, int n, bool changelog) {
  for (int i = 0; i < n; i++)
    if (aggs[i].kind == SQL_AGG_FIRST_VALUE || aggs[i].kind == SQL_AGG_LAST_VALUE) aggs[i].keep_list = changelog;
}

int sql_agg_more_schema(sql_agg *g, int i, strom_schema *acc) {
  if (sql_agg_over_only(g)) return sql_over_fn_schema(g, i, acc);
  char name[32];
  g->acc = strom_schema_ncols(acc);
  snprintf(name, sizeof name, "a%d", i);
  if (is_variance(g)) {
    int rc = strom_schema_add(acc, name, STROM_BIGINT);
    snprintf(name, sizeof name, "mean%d", i);
    if (!rc) rc = strom_schema_add(acc, name, STROM_DOUBLE);
    snprintf(name, sizeof name, "m2%d", i);
    return rc ? rc : strom_schema_add(acc, name, STROM_DOUBLE);
  }
  if (is_list(g)) return strom_schema_add(acc, name, STROM_VARCHAR);
  return sql_schema_add(acc, name, &g->in_type);
}

void sql_agg_more_init(const sql_agg *g, strom_row *acc) {
  if (sql_agg_over_only(g)) {
    sql_over_fn_init(g, acc);
    return;
  }
  if (is_variance(g)) {
    strom_row_set_bigint(acc, g->acc, 0);
    strom_row_set_double(acc, g->acc + 1, 0);
    strom_row_set_double(acc, g->acc + 2, 0);
  } else if (is_list(g)) {
    strom_row_set_str(acc, g->acc, "", 0);
  }
}

/* ---- variances ---- */

static double as_double(const sql_type *t, const sql_val *v) {
  if (t->id == STROM_DOUBLE) return v->d; /* FLOAT too: a narrow DOUBLE */
  if (t->id == STROM_DECIMAL) return (double)sql_dec_get(t, v) / pow(10, t->s);
  return (double)v->i;
}

/* One value in (sign 1) or out (-1), as Flink's WelfordM2AggFunction: the count keeps
 * going below zero (a retraction before its row) while mean and m2 stay at zero. */
static void welford(strom_row *acc, int c, double x, int sign) {
  int64_t n = acc->v[c].i + sign;
  acc->v[c].i = n;
  double *mean = &acc->v[c + 1].d, *m2 = &acc->v[c + 2].d;
  if (n <= 0) {
    if (n == 0) *mean = 0, *m2 = 0;
    return;
  }
  if (sign > 0) {
    double d = x - *mean;
    *mean += d / (double)n;
    *m2 += d * (x - *mean);
  } else {
    double d2 = x - *mean;
    *mean -= d2 / (double)n;
    *m2 -= (x - *mean) * d2;
  }
}

/* ---- value lists: [u32 length][bytes] for strings, 16 bytes for the rest ---- */

static void put_elem(strom_buf *b, const sql_type *t, const sql_val *v) {
  if (is_text(t)) {
    uint32_t n = v->s.n;
    strom__buf_append(b, &n, 4);
    strom__buf_append(b, v->s.p, n);
  } else {
    strom__buf_append(b, &v->w.lo, 8);
    strom__buf_append(b, &v->w.hi, 8);
  }
}

/* The element at *p (advanced past it); false at the end. */
bool sql_vlist_next(const char **p, const char *end, const sql_type *t, sql_val *v) {
  *v = (sql_val){.null = false};
  if (is_text(t)) {
    uint32_t n;
    if (end - *p < 4) return false;
    memcpy(&n, *p, 4);
    if ((size_t)(end - *p - 4) < n) return false;
    v->s.p = *p + 4, v->s.n = n;
    *p += 4 + n;
    return true;
  }
  if (end - *p < 16) return false;
  memcpy(&v->w.lo, *p, 8);
  memcpy(&v->w.hi, *p + 8, 8);
  *p += 16;
  return true;
}

static bool same(const sql_type *t, const sql_val *a, const sql_val *b) {
  if (is_text(t)) return a->s.n == b->s.n && !memcmp(a->s.p, b->s.p, a->s.n);
  return sql_val_cmp(t, a, b) == 0;
}

int sql_vlist_merge(const sql_agg *g, strom_row *acc, const strom_row *o) {
  size_t na, nb;
  const char *a = strom_row_get_str(acc, g->acc, &na), *bp = strom_row_get_str(o, g->acc, &nb);
  if (!nb) return STROM_OK;
  strom_buf b = {0};
  if (na) strom__buf_append(&b, a, na);
  strom__buf_append(&b, bp, nb);
  int rc = strom_row_set_str(acc, g->acc, b.p, b.len);
  strom__buf_free(&b);
  return rc;
}

int sql_vlist_update(const sql_agg *g, strom_row *acc, const sql_val *v, bool retract) {
  size_t n;
  const char *p = strom_row_get_str(acc, g->acc, &n), *end = p + n;
  strom_buf b = {0};
  if (!retract) {
    if (n) strom__buf_append(&b, p, n);
    put_elem(&b, &g->in_type, v);
  } else {
    bool removed = false;
    sql_val e;
    for (const char *q = p; q < end;) {
      const char *at = q;
      if (!sql_vlist_next(&q, end, &g->in_type, &e)) break;
      if (!removed && same(&g->in_type, &e, v)) removed = true;
      else strom__buf_append(&b, at, (size_t)(q - at));
    }
    if (!removed) return STROM_OK; /* a retraction of a value never counted: nothing to take */
  }
  int rc = strom_row_set_str(acc, g->acc, b.p ? b.p : "", b.len);
  strom__buf_free(&b);
  return rc;
}

int sql_agg_more_add(const sql_agg *g, strom_row *acc, const strom_row *in, bool retract, sql_ectx *c) {
  if (sql_agg_over_only(g)) return sql_over_fn_add(g, acc, in, c); /* OVER input appends */
  sql_val v;
  sql_val_get(in, g->arg, &v);
  if (v.null) return STROM_OK; /* all of them skip NULLs */
  if (is_variance(g)) {
    welford(acc, g->acc, as_double(&g->in_type, &v), retract ? -1 : 1);
    return STROM_OK;
  }
  if (is_list(g)) return sql_vlist_update(g, acc, &v, retract);
  if (retract) /* the binder marks them keep_list over updating input */
    return sql_ectx_fail(c, "%s cannot retract a row here", g->kind == SQL_AGG_FIRST_VALUE ? "FIRST_VALUE" : "LAST_VALUE");
  if (g->kind == SQL_AGG_FIRST_VALUE && !acc->nulls[g->acc]) return STROM_OK;
  return sql_val_set(acc, g->acc, &v);
}

int sql_agg_more_merge(const sql_agg *g, strom_row *acc, const strom_row *o) {
  if (sql_agg_over_only(g)) return STROM_OK; /* OVER accumulators are never merged */
  if (is_variance(g)) { /* Flink's merge of two m2 accumulators (Chan et al.) */
    int64_t na = acc->v[g->acc].i, nb = o->v[g->acc].i;
    if (nb <= 0) {
      acc->v[g->acc].i += nb;
    } else if (na <= 0) {
      acc->v[g->acc].i = nb + na;
      acc->v[g->acc + 1].d = o->v[g->acc + 1].d, acc->v[g->acc + 2].d = o->v[g->acc + 2].d;
    } else {
      int64_t n = na + nb;
      double dm = o->v[g->acc + 1].d - acc->v[g->acc + 1].d;
      acc->v[g->acc + 1].d += (double)nb / (double)n * dm;
      acc->v[g->acc + 2].d += o->v[g->acc + 2].d + (double)na * (double)nb / (double)n * dm * dm;
      acc->v[g->acc].i = n;
    }
    if (acc->v[g->acc].i <= 0) acc->v[g->acc + 1].d = 0, acc->v[g->acc + 2].d = 0;
    return STROM_OK;
  }
  if (is_list(g)) return sql_vlist_merge(g, acc, o); /* acc holds the earlier rows */
  if (o->nulls[g->acc] || (g->kind == SQL_AGG_FIRST_VALUE && !acc->nulls[g->acc])) return STROM_OK;
  sql_val v;
  sql_val_get(o, g->acc, &v);
  return sql_val_set(acc, g->acc, &v);
}

static void variance_result(const sql_agg *g, const strom_row *acc, strom_row *out, int col) {
  int64_t n = acc->v[g->acc].i;
  double m2 = acc->v[g->acc + 2].d;
  bool samp = g->kind == SQL_AGG_STDDEV_SAMP || g->kind == SQL_AGG_VAR_SAMP;
  if (n <= 0 || m2 < 0 || (samp && n == 1)) {
    strom_row_set_null(out, col);
    return;
  }
  double r = m2 / (double)(samp ? n - 1 : n);
  if (g->kind == SQL_AGG_STDDEV_POP || g->kind == SQL_AGG_STDDEV_SAMP) r = pow(r, 0.5);
  sql_type dbl = {.id = STROM_DOUBLE};
  sql_val d = {.null = false, .d = r}, v;
  sql_ectx c;
  sql_ectx_init(&c);
  if (g->type.id == STROM_DOUBLE && !g->type.narrow) v = d;
  else if (sql_val_cast(&dbl, &g->type, &d, &v, &c)) v.null = true; /* out of the type's range */
  sql_val_set(out, col, &v);
  if (c.chunks) sql_ectx_free(&c);
}

void sql_agg_more_result(const sql_agg *g, const strom_row *acc, strom_row *out, int col) {
  if (sql_agg_over_only(g)) {
    sql_over_fn_result(g, acc, out, col);
    return;
  }
  if (is_variance(g)) {
    variance_result(g, acc, out, col);
    return;
  }
  if (!is_list(g)) {
    sql_val v;
    sql_val_get(acc, g->acc, &v);
    sql_val_set(out, col, &v);
    return;
  }
  size_t n;
  const char *p = strom_row_get_str(acc, g->acc, &n), *end = p + n;
  sql_val e = {0};
  if (g->kind != SQL_AGG_LISTAGG) { /* FIRST_VALUE: the oldest value; LAST_VALUE: the newest */
    sql_val pick = {.null = true};
    while (p < end && sql_vlist_next(&p, end, &g->in_type, &e)) {
      if (pick.null || g->kind == SQL_AGG_LAST_VALUE) pick = e;
      if (g->kind == SQL_AGG_FIRST_VALUE) break;
    }
    sql_val_set(out, col, &pick);
    return;
  }
  if (!n) {
    strom_row_set_null(out, col);
    return;
  }
  strom_buf b = {0};
  size_t seplen = strlen(g->sep);
  for (bool first = true; p < end && sql_vlist_next(&p, end, &g->in_type, &e); first = false) {
    if (!first) strom__buf_append(&b, g->sep, seplen);
    strom__buf_append(&b, e.s.p, e.s.n);
  }
  strom_row_set_str(out, col, b.p ? b.p : "", b.len);
  strom__buf_free(&b);
}

/* ---- COUNT(DISTINCT a, b, ...) ---- */

static sql_node *node(sql_arena *a, sql_kind k, const sql_node *at, const char *text, int nkids) {
  return sql_node_new(a, k, at, text, nkids);
}

/* COUNT(DISTINCT a, b) counts the distinct tuples with no NULL in them (Calcite's
 * COUNT of several arguments): it becomes COUNT(DISTINCT CASE WHEN a IS NOT NULL AND b IS
 * NOT NULL THEN ARRAY[CAST(a AS STRING), CAST(b AS STRING)] END), one value a tuple,
 * which the one-argument DISTINCT state (rank_distinct.c) counts.  The casts keep
 * distinct values distinct within a column; the array's encoding keeps the columns
 * apart. */
const sql_node *sql_agg_more_count_tuple(sql_arena *a, const sql_node *call, int nargs) {
  sql_node *arr = node(a, SQL_CALL, call, "ARRAY", nargs), *cond = NULL;
  if (!arr) return NULL;
  for (int i = 0; i < nargs; i++) {
    const sql_node *x = call->kids[i];
    sql_node *cast = node(a, SQL_CAST, x, NULL, 2), *t = node(a, SQL_TYPE, x, "STRING", 0),
             *nn = node(a, SQL_OP, x, "is-not-null", 1);
    if (!cast || !t || !nn) return NULL;
    cast->kids[0] = (sql_node *)x, cast->kids[1] = t;
    arr->kids[i] = cast;
    nn->kids[0] = (sql_node *)x;
    if (!cond) cond = nn;
    else {
      sql_node *and = node(a, SQL_OP, x, "and", 2);
      if (!and) return NULL;
      and->kids[0] = cond, and->kids[1] = nn;
      cond = and;
    }
  }
  sql_node *when = node(a, SQL_WHEN, call, NULL, 2), *cs = node(a, SQL_CASE, call, NULL, 1);
  int extra = call->nkids - nargs; /* FILTER */
  sql_node *out = node(a, SQL_CALL, call, call->text, 1 + extra);
  if (!when || !cs || !out) return NULL;
  when->kids[0] = cond, when->kids[1] = arr;
  cs->kids[0] = when;
  out->flags = call->flags;
  out->kids[0] = cs;
  for (int i = 0; i < extra; i++) out->kids[1 + i] = call->kids[nargs + i];
  return out;
}
