/*
 * unnest_plan.c -- the operator of an UNNEST / LATERAL TABLE node (Flink's Correlate):
 * a stateless flat-map chained after its input.  Each input row gives one output row
 * per element of its collection (an ARRAY in order, a MAP's entries in its order, a
 * MULTISET's elements as often as they occur), or per row its C table function emits;
 * each is the input row's columns then the element's, with the input row's kind (+I,
 * -U, +U, -D: a retraction expands to the same rows retracted) and event timestamp, so
 * the output of an append-only input is append-only and keeps its time attribute and
 * watermarks.  A NULL or empty collection (or no emitted row) gives nothing, or under
 * LEFT JOIN ... ON TRUE one row with NULL element columns.  Element values are referenced
 * in the collection's bytes, alive until the emit returns: nothing is copied.
 */
#include "unnest.h"

typedef struct unnest_op {
  const sql_unnest *u;
  bool str[66]; /* element column i is a VARCHAR in the rows (strings are referenced) */
} unnest_op;

static int op_open(strom_ctx *ctx) {
  sql_ectx *c = strom__calloc(1, sizeof *c);
  if (!c) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, c);
  return STROM_OK;
}

static void op_close(strom_ctx *ctx) {
  sql_ectx *c = strom_ctx_local(ctx);
  if (c) sql_ectx_free(c);
  free(c);
}

/* A scratch output row holding in's columns, in's kind; the element columns NULL. */
static strom_row *out_row(strom_out *out, const sql_unnest *u, const strom_row *in) {
  strom_row *o = strom_out_row(out);
  memcpy(o->nulls, in->nulls, (size_t)u->nin);
  memcpy(o->v, in->v, (size_t)u->nin * sizeof *o->v);
  memset(o->nulls + u->nin, 1, (size_t)u->nout);
  strom_row_set_kind(o, strom_row_get_kind(in));
  return o;
}

static void put(strom_row *o, const unnest_op *k, int i, const sql_val *v) {
  int col = k->u->nin + i;
  if (v->null) o->nulls[col] = 1;
  else if (k->str[i]) strom_row_set_str_ref(o, col, v->s.p, v->s.n);
  else o->nulls[col] = 0, o->v[col].i = v->i, o->v[col].w.hi = v->w.hi; /* hi: a wide DECIMAL's or TIMESTAMP's */
}

/* One element of type t at *p (its fields when the elements are ROWs), emitted n times. */
static int emit_elem(strom_ctx *ctx, strom_out *out, const unnest_op *k, const strom_row *in, const char **p, const char *end,
                     const sql_type *t, int64_t n, int64_t *pos) {
  const sql_unnest *u = k->u;
  sql_val v;
  if (!sql_coll_get(p, end, t, &v)) return strom_ctx_fail(ctx, "UNNEST: a malformed collection value");
  for (int64_t r = 0; r < n; r++) {
    strom_row *o = out_row(out, u, in);
    int nf = 1;
    if (!u->rowv) put(o, k, 0, &v);
    else if (!v.null) { /* a NULL ROW element: NULL fields */
      const char *q = v.s.p, *qe = q + v.s.n;
      uint32_t have;
      nf = sql_rowv_nfields(t);
      if (!sql_coll_count(&q, qe, &have) || have != (uint32_t)nf) return strom_ctx_fail(ctx, "UNNEST: a malformed ROW value");
      for (int i = 0; i < nf; i++) {
        sql_val f;
        if (!sql_coll_get(&q, qe, sql_rowv_ftype(t, i), &f)) return strom_ctx_fail(ctx, "UNNEST: a malformed ROW value");
        put(o, k, i, &f);
      }
    } else nf = sql_rowv_nfields(t);
    ++*pos; /* counts the rows emitted (LEFT JOIN) as well */
    if (u->ordinality) o->nulls[u->nin + nf] = 0, o->v[u->nin + nf].i = *pos;
    int rc = strom_out_emit(out, o);
    if (rc) return rc;
  }
  return STROM_OK;
}

static int expand_coll(strom_ctx *ctx, strom_out *out, const unnest_op *k, const strom_row *in, const sql_val *coll, int64_t *pos) {
  const sql_unnest *u = k->u;
  if (coll->null) return STROM_OK;
  const char *p = coll->s.p, *end = p + coll->s.n;
  uint32_t n;
  if (!sql_coll_count(&p, end, &n)) return strom_ctx_fail(ctx, "UNNEST: a malformed collection value");
  const sql_type *t = &u->coll;
  for (uint32_t i = 0; i < n; i++) {
    int rc;
    if (u->kind == SQL_UN_ARRAY) rc = emit_elem(ctx, out, k, in, &p, end, t->elem, 1, pos);
    else if (u->kind == SQL_UN_MULTISET) { /* key, then its count */
      const char *kp = p;
      sql_val skip, cnt;
      if (!sql_coll_get(&p, end, t->key, &skip) || !sql_coll_get(&p, end, t->elem, &cnt) || cnt.null)
        return strom_ctx_fail(ctx, "UNNEST: a malformed MULTISET value");
      rc = emit_elem(ctx, out, k, in, &kp, end, t->key, cnt.i, pos);
    } else {
      sql_val key, val;
      if (!sql_coll_get(&p, end, t->key, &key) || !sql_coll_get(&p, end, t->elem, &val))
        return strom_ctx_fail(ctx, "UNNEST: a malformed MAP value");
      strom_row *o = out_row(out, u, in);
      put(o, k, 0, &key), put(o, k, 1, &val);
      ++*pos;
      if (u->ordinality) o->nulls[u->nin + 2] = 0, o->v[u->nin + 2].i = *pos;
      rc = strom_out_emit(out, o);
    }
    if (rc) return rc;
  }
  return STROM_OK;
}

/* ---- C table functions ---- */

typedef struct fn_call {
  strom_sql_table_fn_ctx pub; /* first: the function's ctx is this */
  strom_ctx *ctx;
  strom_out *out;
  const unnest_op *k;
  const strom_row *in;
  int64_t pos;
  int rc;
} fn_call;

static int fn_emit(strom_sql_table_fn_ctx *pub, const strom_sql_value *row) {
  fn_call *f = (fn_call *)pub;
  const sql_unnest *u = f->k->u;
  if (f->rc) return f->rc;
  if (!row) return f->rc = strom_ctx_fail(f->ctx, "table function %s emitted no values", u->fname);
  strom_row *o = out_row(f->out, u, f->in);
  for (int i = 0; i < u->fn->ncols; i++) {
    sql_val v;
    char m[160];
    if (sql_udtf_col(u->fn, i, &row[i], &v, m, sizeof m)) return f->rc = strom_ctx_fail(f->ctx, "table function %s %s", u->fname, m);
    put(o, f->k, i, &v);
  }
  ++f->pos;
  if (u->ordinality) o->nulls[u->nin + u->fn->ncols] = 0, o->v[u->nin + u->fn->ncols].i = f->pos;
  return f->rc = strom_out_emit(f->out, o);
}

static int call_fn(strom_ctx *ctx, strom_out *out, const unnest_op *k, const strom_row *in, sql_ectx *c, int64_t *pos) {
  const sql_unnest *u = k->u;
  strom_sql_value argv[64];
  for (int i = 0; i < u->nargs; i++) {
    sql_val v;
    if (sql_eval(u->args[i], in, c, &v)) return strom_ctx_fail(ctx, "%s", c->err[0] ? c->err : "evaluation failed");
    sql_udtf_arg(&u->args[i]->type, &v, &argv[i]);
  }
  char msg[200] = "";
  fn_call f = {.pub = {.emit = fn_emit, .err = msg, .errlen = sizeof msg}, .ctx = ctx, .out = out, .k = k, .in = in};
  int rc = u->fn->eval(&f.pub, u->nargs, argv);
  *pos = f.pos;
  if (f.rc) return f.rc;
  if (rc) return strom_ctx_fail(ctx, "table function %s failed: %s", u->fname, msg[0] ? msg : "(no message)");
  return STROM_OK;
}

static int op_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const unnest_op *k = strom_ctx_data(ctx);
  const sql_unnest *u = k->u;
  sql_ectx *c = strom_ctx_local(ctx);
  sql_ectx_reset(c);
  int64_t pos = 0;
  int rc;
  if (u->kind == SQL_UN_FUNCTION) rc = call_fn(ctx, out, k, in, c, &pos);
  else {
    sql_val coll;
    if (sql_eval(u->arg, in, c, &coll)) return strom_ctx_fail(ctx, "%s", c->err[0] ? c->err : "evaluation failed");
    rc = expand_coll(ctx, out, k, in, &coll, &pos);
  }
  if (rc || pos || !u->left) return rc;
  return strom_out_emit(out, out_row(out, u, in)); /* LEFT JOIN: nothing expanded */
}

strom_stream *sql_unnest_stream(sql_build *b, const sql_plan *p, strom_stream *in) {
  if (!in) return NULL;
  unnest_op *k = sql_arena_alloc(&b->arena, sizeof *k);
  strom_schema *s = sql_plan_schema(p);
  if (!k || !s || sql_build_own(b, s, (void (*)(void *))strom_schema_free)) return NULL;
  k->u = p->unnest;
  for (int i = 0; i < p->unnest->nout; i++) k->str[i] = strom_schema_col_type(s, p->unnest->nin + i) == STROM_VARCHAR;
  if (k->u->arg) sql_expr_compile(k->u->arg);
  for (int i = 0; i < k->u->nargs; i++) sql_expr_compile(k->u->args[i]);
  strom_process_def d = {.open = op_open, .process = op_process, .close = op_close, .data = k, .out_schema = s};
  return strom_set_name(strom_process(in, &d), k->u->kind == SQL_UN_FUNCTION ? "Correlate" : "Unnest");
}

void sql_unnest_explain(strom_buf *o, const sql_plan *p) {
  const sql_unnest *u = p->unnest;
  strom__buf_printf(o, "Correlate(invocation=[");
  if (u->kind == SQL_UN_FUNCTION) {
    strom__buf_printf(o, "%s(", u->fname);
    for (int i = 0; i < u->nargs; i++) {
      if (i) strom__buf_append(o, ", ", 2);
      sql_expr_print(o, u->args[i], p->in->cols);
    }
    strom__buf_printf(o, ")");
  } else {
    strom__buf_printf(o, "UNNEST(");
    sql_expr_print(o, u->arg, p->in->cols);
    strom__buf_printf(o, ")%s", u->ordinality ? " WITH ORDINALITY" : "");
  }
  strom__buf_printf(o, "], select=[");
  for (int i = 0; i < p->ncols; i++) strom__buf_printf(o, "%s%s", i ? "," : "", p->cols[i].name);
  strom__buf_printf(o, "], joinType=[%s])%s\n", u->left ? "LEFT" : "INNER", p->changelog ? " [changelog]" : "");
}
