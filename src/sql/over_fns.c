/*
 * over_fns.c -- the OVER-only functions, and Flink's further aggregates in OVER windows
 * (rank_bind.c's over_agg asks sql_over_fn_bind first): LAG / LEAD, CUME_DIST,
 * PERCENT_RANK, NTILE; FIRST_VALUE / LAST_VALUE / LISTAGG / STDDEV_* / VAR_* / STDDEV /
 * VARIANCE, whose accumulators are agg_more.c's (the OVER operator folds each frame's rows
 * into them as a GROUP BY folds a group's).
 *
 * What runs where is Flink's planner's choice (AggFunctionFactory): streaming runs LAG
 * only; LEAD, CUME_DIST, PERCENT_RANK and NTILE need rows the stream has not seen yet
 * (the partition's end, the next rows), so streaming refuses them with Flink's message
 * and batch mode computes them over each sorted partition (over_batch.c).  As in
 * Calcite, these five need ORDER BY and take no frame.
 *
 * Streaming LAG is Flink's LagAggFunction: an accumulator with the last offset + 1 values
 * folded (NULLs too) and the offset and default of the last row folded, whose result is
 * the oldest value once there are offset + 1, else that default.  They live in one VARCHAR
 * accumulator column, so the OVER operator's keyed state (and checkpoints) hold them; an
 * unbounded frame's peers (RANGE, one timestamp) are all folded before any is emitted, so
 * they share the value, as in Flink.  The offset may be any integer expression, as
 * Flink's LagAggFunction takes it per row (a row's offset trims what the accumulator
 * keeps: a larger offset later finds fewer values and gives the default); a negative one
 * fails the job with Flink's message.  The default and a non-literal offset, expressions
 * over the input row, are projected after the argument by the operators (column arg + 1
 * the default, then the offset).
 */
#include <stdarg.h>
#include <strings.h>

#include "rank.h"

static const struct {
  const char *name;
  sql_agg_kind kind;
} fns[] = {{"LAG", SQL_AGG_LAG},
           {"LEAD", SQL_AGG_LEAD},
           {"CUME_DIST", SQL_AGG_CUME_DIST},
           {"PERCENT_RANK", SQL_AGG_PERCENT_RANK},
           {"NTILE", SQL_AGG_NTILE}};

static int fn_kind(const char *name) {
  for (size_t i = 0; name && i < sizeof fns / sizeof *fns; i++)
    if (!strcasecmp(name, fns[i].name)) return (int)fns[i].kind;
  return -1;
}

bool sql_over_fn_positional(const sql_node *n) { return n && n->kind == SQL_CALL && fn_kind(n->text) >= 0; }

static int fail(char *err, size_t errlen, const sql_node *at, const char *fmt, ...) {
  if (err[0]) return -1;
  int k = at ? snprintf(err, errlen, "line %d, column %d: ", at->line, at->col) : 0;
  if (k < 0 || (size_t)k >= errlen) k = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
  va_end(ap);
  return -1;
}

static const sql_node *kid(const sql_node *n, sql_kind k) {
  for (int i = 0; n && i < n->nkids; i++)
    if (n->kids[i]->kind == k) return n->kids[i];
  return NULL;
}

/* A non-negative integer literal (a leading minus is part of the literal's text). */
static bool int_literal(const sql_node *n, int64_t *v) {
  if (!n || n->kind != SQL_NUMBER || !n->text) return false;
  char *e;
  long long x = strtoll(n->text, &e, 10);
  if (*e) return false;
  *v = x;
  return true;
}

/* LAG / LEAD (x [, offset [, default]]): the offset an integer (a literal, or an
 * expression over the row), the default an expression. */
static int bind_lag(sql_session *s, sql_arena *a, const sql_plan *in, const sql_node *n, int nargs, sql_agg *g,
                    sql_expr **arg, struct sql_over_fn *f, char *err, size_t errlen) {
  const char *name = n->text;
  if (nargs < 1 || nargs > 3) return fail(err, errlen, n, "%s takes one to three arguments (x [, offset [, default]])", name);
  if (!(*arg = sql_bind_expr(s, a, in->cols, in->ncols, n->kids[0], err, errlen))) return -1;
  g->in_type = (*arg)->type.id ? (*arg)->type : (sql_type){.id = STROM_INT};
  g->type = g->in_type, g->type.not_null = false;
  f->offset = 1;
  if (nargs > 1 && !int_literal(n->kids[1], &f->offset)) { /* an expression: each row's (Flink's LagAggFunction) */
    sql_expr *o = sql_bind_expr(s, a, in->cols, in->ncols, n->kids[1], err, errlen);
    if (!o) return -1;
    char ot[64];
    sql_type_name(&o->type, ot, sizeof ot);
    if (o->type.kind || (o->type.id != STROM_INT && o->type.id != STROM_BIGINT))
      return fail(err, errlen, n->kids[1], "%s's offset must be an integer, not %s", name, o->type.id ? ot : "NULL");
    static const sql_type big = {.id = STROM_BIGINT};
    if (!(f->off = sql_cast_to(a, o, &big))) return fail(err, errlen, NULL, "out of memory");
  } else if (nargs > 1 && f->offset < 0) {
    char at[32];
    snprintf(at, sizeof at, "%lld", (long long)f->offset);
    return fail(err, errlen, n->kids[1], "Offset(%s) should be positive (in %s).", at, name);
  }
  if (nargs > 2) { /* any expression of the argument's type family (Calcite), cast to its type */
    sql_expr *d = sql_bind_expr(s, a, in->cols, in->ncols, n->kids[2], err, errlen);
    if (!d) return -1;
    sql_type ct;
    char xt[64], dt[64];
    sql_type_name(&g->in_type, xt, sizeof xt);
    sql_type_name(&d->type, dt, sizeof dt);
    bool null_lit = d->op == SQL_E_LIT && !d->type.id;
    bool family = sql_type_numeric(&g->in_type) ? sql_type_numeric(&d->type) : d->type.id == g->in_type.id;
    if (!null_lit && (!family || !sql_common_type(&g->in_type, &d->type, &ct) || !sql_can_cast(&d->type, &g->in_type)))
      return fail(err, errlen, n->kids[2], "%s's default of type %s does not fit its argument's type %s", name, dt, xt);
    /* NOT NULL only when neither x nor the default can be NULL (Flink's LagAggFunction) */
    g->type.not_null = g->in_type.not_null && d->type.not_null && !null_lit;
    sql_type dt_in = g->in_type;
    dt_in.not_null = d->type.not_null;
    if (!(f->def = sql_cast_to(a, d, &dt_in))) return fail(err, errlen, NULL, "out of memory");
  }
  return 1;
}

int sql_over_fn_bind(sql_session *s, sql_arena *a, const sql_plan *in, const sql_node *n, int nargs, sql_agg *g,
                     sql_expr **arg, char *err, size_t errlen) {
  const char *name = n->text;
  int k = fn_kind(name);
  *arg = NULL;
  if (k < 0) { /* agg_more.c's aggregates, as in a GROUP BY (input appends: one value kept for FIRST/LAST_VALUE) */
    int m = sql_agg_more_kind(name);
    if (m < 0) return 0;
    g->kind = (sql_agg_kind)m;
    if (nargs < 1 || n->kids[0]->kind == SQL_STAR) return fail(err, errlen, n, "%s needs an argument", name);
    if (!(*arg = sql_bind_expr(s, a, in->cols, in->ncols, n->kids[0], err, errlen))) return -1;
    g->in_type = (*arg)->type.id ? (*arg)->type : (sql_type){.id = STROM_INT};
    if (n->flags & SQL_F(DISTINCT)) {
      g->distinct = true;
      strom_buf t = {0};
      sql_print(n->kids[0], &t);
      g->distinct_arg = sql_arena_strndup(a, t.p ? t.p : "", t.len);
      strom__buf_free(&t);
    }
    const char *why = sql_agg_more_bind(g, nargs, nargs > 1 ? n->kids[1] : NULL);
    return why ? fail(err, errlen, n, "%s: %s", name, why) : 1;
  }
  g->kind = (sql_agg_kind)k;
  const sql_node *over = kid(n, SQL_OVER);
  if (kid(over, SQL_FRAME)) /* Calcite: these functions do not allow framing */
    return fail(err, errlen, kid(over, SQL_FRAME), "ROW/RANGE not allowed with %s (it takes no frame)", name);
  if (!kid(over, SQL_ORDER_BY)) return fail(err, errlen, over, "%s needs ORDER BY in its OVER clause", name);
  if (n->flags & SQL_F(DISTINCT)) return fail(err, errlen, n, "DISTINCT is not allowed in %s", name);
  if (!s->batch && k != SQL_AGG_LAG) /* Flink's AggFunctionFactory, word for word */
    return fail(err, errlen, n, "%s Function is not supported in stream mode.", name);
  struct sql_over_fn *f = sql_arena_alloc(a, sizeof *f);
  if (!f) return fail(err, errlen, NULL, "out of memory");
  *f = (struct sql_over_fn){.offset = 1};
  g->over_fn = f;
  if (k == SQL_AGG_LAG || k == SQL_AGG_LEAD) return bind_lag(s, a, in, n, nargs, g, arg, f, err, errlen);
  if (k == SQL_AGG_NTILE) {
    if (nargs != 1 || !int_literal(n->kids[0], &f->buckets) || f->buckets <= 0)
      return fail(err, errlen, n, "Argument to function 'NTILE' must be a positive integer literal");
    g->type = (sql_type){.id = STROM_BIGINT, .not_null = true};
    return 1;
  }
  if (nargs) return fail(err, errlen, n, "%s() takes no arguments", name);
  g->type = (sql_type){.id = STROM_DOUBLE, .not_null = true};
  return 1;
}

/* ---- LAG's accumulator: the offset and the default of the last row folded, then the
 * values, oldest first, each in types_coll.c's encoding of its type ---- */

static const sql_type off_type = {.id = STROM_BIGINT};

int sql_over_fn_offset_col(const sql_agg *g) { return g->arg + 1 + (g->over_fn->def != NULL); }

/* The accumulator [p, end): its offset, where the default and the values start; the
 * number of values, -1 when it holds nothing yet (or is malformed). */
static int64_t lag_read(const sql_type *t, const char *p, const char *end, int64_t *off, const char **def,
                        const char **values) {
  sql_val v;
  *off = 0, *def = *values = end;
  if (p >= end || !sql_coll_get(&p, end, &off_type, &v)) return -1;
  *off = v.i, *def = p;
  if (!sql_coll_get(&p, end, t, &v)) return -1;
  *values = p;
  int64_t n = 0;
  while (p < end && sql_coll_get(&p, end, t, &v)) n++;
  return n;
}

int sql_over_fn_schema(sql_agg *g, int i, strom_schema *acc) {
  char name[32];
  g->acc = strom_schema_ncols(acc);
  snprintf(name, sizeof name, "lag%d", i);
  return strom_schema_add(acc, name, STROM_VARCHAR); /* only LAG uses it; the others keep an empty one */
}

void sql_over_fn_init(const sql_agg *g, strom_row *acc) { strom_row_set_str(acc, g->acc, "", 0); }

int sql_over_fn_add(const sql_agg *g, strom_row *acc, const strom_row *in, sql_ectx *c) {
  if (g->kind != SQL_AGG_LAG || !g->over_fn) return STROM_OK;
  const sql_type *t = &g->in_type;
  sql_val o = {.i = g->over_fn->offset}, v;
  if (g->over_fn->off) {
    sql_val_get(in, sql_over_fn_offset_col(g), &o);
    if (o.null) return sql_ectx_fail(c, "LAG's offset is NULL");
    if (o.i < 0) return sql_ectx_fail(c, "Offset(%lld) should be positive.", (long long)o.i);
  }
  size_t n;
  const char *p = strom_row_get_str(acc, g->acc, &n), *end = p + n, *def, *keep;
  int64_t old;
  int64_t count = lag_read(t, p, end, &old, &def, &keep);
  for (; count > o.i; count--) sql_coll_get(&keep, end, t, &v); /* keep offset values, append the new one */
  strom_buf b = {0};
  sql_coll_put(&b, &off_type, &o);
  sql_val d = {.null = true};
  if (g->over_fn->def) sql_val_get(in, g->arg + 1, &d); /* Flink's LagAcc keeps the last row's default */
  sql_coll_put(&b, t, &d);
  if (count > 0 && end > keep) strom__buf_append(&b, keep, (size_t)(end - keep));
  sql_val_get(in, g->arg, &v);
  sql_coll_put(&b, t, &v);
  int rc = strom_row_set_str(acc, g->acc, b.p ? b.p : "", b.len);
  strom__buf_free(&b);
  return rc;
}

void sql_over_fn_result(const sql_agg *g, const strom_row *acc, strom_row *out, int col) {
  sql_val v = {.null = true};
  if (g->kind == SQL_AGG_LAG && g->over_fn) { /* over_batch.c writes the others */
    size_t n;
    const char *p = strom_row_get_str(acc, g->acc, &n), *end = p + n, *def, *values;
    int64_t off, count = lag_read(&g->in_type, p, end, &off, &def, &values);
    if (count >= 0 && !sql_coll_get(count == off + 1 ? &values : &def, end, &g->in_type, &v)) v = (sql_val){.null = true};
  }
  sql_val_set(out, col, &v);
}
