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
 * folded (NULLs too) and the default of the last row folded, whose result is the oldest
 * value once there are offset + 1, else that default.  They live in one VARCHAR
 * accumulator column, so the OVER operator's keyed state (and checkpoints) hold them; an
 * unbounded frame's peers (RANGE, one timestamp) are all folded before any is emitted, so
 * they share the value, as in Flink.  The default, an expression over the input row, is
 * projected next to the argument by the operators (column arg + 1).
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

/* LAG / LEAD (x [, offset [, default]]): the offset a literal, the default an expression. */
static int bind_lag(sql_session *s, sql_arena *a, const sql_plan *in, const sql_node *n, int nargs, sql_agg *g,
                    sql_expr **arg, struct sql_over_fn *f, char *err, size_t errlen) {
  const char *name = n->text;
  if (nargs < 1 || nargs > 3) return fail(err, errlen, n, "%s takes one to three arguments (x [, offset [, default]])", name);
  if (!(*arg = sql_bind_expr(s, a, in->cols, in->ncols, n->kids[0], err, errlen))) return -1;
  g->in_type = (*arg)->type.id ? (*arg)->type : (sql_type){.id = STROM_INT};
  g->type = g->in_type, g->type.not_null = false;
  f->offset = 1;
  if (nargs > 1) {
    char at[32];
    if (!int_literal(n->kids[1], &f->offset))
      return fail(err, errlen, n->kids[1], "%s's offset must be an integer literal", name);
    snprintf(at, sizeof at, "%lld", (long long)f->offset);
    if (f->offset < 0) return fail(err, errlen, n->kids[1], "Offset(%s) should be positive (in %s).", at, name);
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

/* ---- LAG's accumulator: the default of the last row folded, then the values, oldest first;
 * each [u8 null][u32 length + bytes | 16 bytes] ---- */

static bool is_text(const sql_type *t) { return t->id == STROM_VARCHAR; }

static size_t elem_size(const sql_type *t, const char *p, const char *end) {
  if (end - p < 1) return 0;
  if (p[0]) return 1; /* NULL */
  if (!is_text(t)) return end - p >= 17 ? 17 : 0;
  uint32_t n;
  if (end - p < 5) return 0;
  memcpy(&n, p + 1, 4);
  return (size_t)(end - p - 5) >= n ? 5 + n : 0;
}

static void elem_get(const sql_type *t, const char *p, sql_val *v) {
  *v = (sql_val){.null = p[0] != 0};
  if (v->null) return;
  if (is_text(t)) {
    memcpy(&v->s.n, p + 1, 4);
    v->s.p = p + 5;
  } else {
    memcpy(&v->w.lo, p + 1, 8);
    memcpy(&v->w.hi, p + 9, 8);
  }
}

static void elem_put(strom_buf *b, const sql_type *t, const sql_val *v) {
  uint8_t null = v->null;
  strom__buf_append(b, &null, 1);
  if (v->null) return;
  if (is_text(t)) {
    uint32_t len = v->s.n;
    strom__buf_append(b, &len, 4);
    strom__buf_append(b, v->s.p, len);
  } else {
    strom__buf_append(b, &v->w.lo, 8);
    strom__buf_append(b, &v->w.hi, 8);
  }
}

/* The elements of [p, end): their count, and where the first value (after the default) is. */
static int64_t elems(const sql_type *t, const char *p, const char *end, const char **values) {
  int64_t count = 0;
  *values = end;
  for (const char *q = p; q < end; count++) {
    size_t k = elem_size(t, q, end);
    if (!k) break;
    q += k;
    if (!count) *values = q;
  }
  return count;
}

int sql_over_fn_schema(sql_agg *g, int i, strom_schema *acc) {
  char name[32];
  g->acc = strom_schema_ncols(acc);
  snprintf(name, sizeof name, "lag%d", i);
  return strom_schema_add(acc, name, STROM_VARCHAR); /* only LAG uses it; the others keep an empty one */
}

void sql_over_fn_init(const sql_agg *g, strom_row *acc) { strom_row_set_str(acc, g->acc, "", 0); }

int sql_over_fn_add(const sql_agg *g, strom_row *acc, const strom_row *in) {
  if (g->kind != SQL_AGG_LAG || !g->over_fn) return STROM_OK;
  size_t n;
  const char *p = strom_row_get_str(acc, g->acc, &n), *end = p + n, *keep;
  int64_t count = elems(&g->in_type, p, end, &keep) - 1; /* values */
  /* keep offset values, append the new one: offset + 1 */
  for (; count > g->over_fn->offset; count--) keep += elem_size(&g->in_type, keep, end);
  strom_buf b = {0};
  sql_val v = {.null = true};
  if (g->over_fn->def) sql_val_get(in, g->arg + 1, &v); /* Flink's LagAcc keeps the last row's default */
  elem_put(&b, &g->in_type, &v);
  if (end > keep) strom__buf_append(&b, keep, (size_t)(end - keep));
  sql_val_get(in, g->arg, &v);
  elem_put(&b, &g->in_type, &v);
  int rc = strom_row_set_str(acc, g->acc, b.p ? b.p : "", b.len);
  strom__buf_free(&b);
  return rc;
}

void sql_over_fn_result(const sql_agg *g, const strom_row *acc, strom_row *out, int col) {
  sql_val v = {.null = true};
  if (g->kind == SQL_AGG_LAG && g->over_fn) { /* over_batch.c writes the others */
    size_t n;
    const char *p = strom_row_get_str(acc, g->acc, &n), *end = p + n, *values;
    int64_t count = elems(&g->in_type, p, end, &values) - 1;
    if (count >= 0) elem_get(&g->in_type, count == g->over_fn->offset + 1 ? values : p, &v);
  }
  sql_val_set(out, col, &v);
}
