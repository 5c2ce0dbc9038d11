/*
 * join_plan.c -- joins on the DataStream API.  Each input gets its equi-join keys
 * appended as columns (cast to one type, or a constant when there are none) and is
 * keyed by them; then:
 *
 * - a regular join runs the runtime's changelog join (src/runtime/op_join_regular.c)
 *   with the residual condition as its non-equi predicate and state TTL from
 *   table.exec.state.ttl;
 * - an inner interval join runs strom_interval_join (append-only, state bounded by
 *   the time bounds, late rows dropped), an outer one join_interval.c's operator;
 * - a window join is a keyed co-process function here: the key includes window_start
 *   and window_end, each side's rows wait in list state until the watermark passes
 *   window_end - 1, then every pair that passes the residual is emitted (with null
 *   padding for outer joins) and the window's state is dropped, as Flink's
 *   WindowJoinOperator does; rows of a window that has fired are late and dropped.
 */
#include <inttypes.h>

#include "../api/api.h"
#include "../runtime/join_regular.h"
#include "sql_int.h"

static const strom_schema *own_schema(sql_build *b, strom_schema *s) {
  if (!s) return NULL;
  if (sql_build_own(b, s, (void (*)(void *))strom_schema_free)) return NULL;
  return s;
}

/* ---- the key projection: the row, then its keys ---- */

typedef struct keyproj {
  int ncols, nkeys;
  sql_expr **keys; /* NULL: one constant key */
} keyproj;

static int keyproj_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const keyproj *k = strom_ctx_data(ctx);
  strom_row *o = strom_out_row(out);
  for (int i = 0; i < k->ncols; i++) o->nulls[i] = in->nulls[i], o->v[i] = in->v[i];
  if (!k->keys) {
    o->nulls[k->ncols] = 0, o->v[k->ncols].i = 0;
  } else {
    sql_ectx c = {0};
    for (int i = 0; i < k->nkeys; i++) {
      sql_val v;
      if (sql_eval(k->keys[i], in, &c, &v)) {
        int rc = strom_ctx_fail(ctx, "join key: %s", c.err[0] ? c.err : "evaluation failed");
        sql_ectx_free(&c);
        return rc;
      }
      int col = k->ncols + i;
      if (v.null) o->nulls[col] = 1;
      else if (k->keys[i]->type.id == STROM_VARCHAR) strom_row_set_str(o, col, v.s.p, v.s.n);
      else o->nulls[col] = 0, o->v[col].i = v.i, o->v[col].w.hi = v.w.hi;
    }
    sql_ectx_free(&c);
  }
  strom_row_set_kind(o, strom_row_get_kind(in));
  strom_row_set_time(o, strom_row_time(in));
  return strom_out_emit(out, o);
}

/* Keys that are plain columns of the same types on both sides: the sides are keyed by
 * those columns as they are, without a projection that copies every row to append
 * them (and stores them twice in the join's state). */
static bool direct_keys(const sql_join *j) {
  if (!j->nkeys || j->nkeys > 64) return false;
  for (int i = 0; i < j->nkeys; i++) {
    const sql_expr *l = j->lkeys[i], *r = j->rkeys[i];
    if (l->op != SQL_E_COL || r->op != SQL_E_COL || l->type.id != r->type.id || l->type.kind != r->type.kind ||
        (l->type.id == STROM_DECIMAL && l->type.s != r->type.s))
      return false;
  }
  return true;
}

static strom_keyed *keyed_side(sql_build *b, const sql_plan *side, strom_stream *in, sql_expr **keys, int nkeys,
                               bool direct, const strom_schema **schema) {
  if (direct) {
    int cols[64];
    for (int i = 0; i < nkeys; i++) cols[i] = keys[i]->col;
    return (*schema = own_schema(b, sql_plan_schema(side))) ? strom__key_by_cols(in, cols, nkeys) : NULL;
  }
  strom_schema *s = sql_plan_schema(side);
  static const sql_type t_int = {.id = STROM_INT};
  char name[24];
  strom_buf kn = {0};
  for (int i = 0; s && i < (nkeys ? nkeys : 1); i++) {
    snprintf(name, sizeof name, "jk%d", i);
    sql_type t = nkeys ? keys[i]->type : t_int;
    if (sql_schema_add(s, name, &t)) strom_schema_free(s), s = NULL;
    strom__buf_printf(&kn, "%s%s", i ? ", " : "", name);
  }
  keyproj *k = sql_arena_alloc(&b->arena, sizeof *k);
  if (!(*schema = own_schema(b, s)) || !k) return strom__buf_free(&kn), NULL;
  k->ncols = side->ncols, k->nkeys = nkeys, k->keys = nkeys ? keys : NULL;
  strom_process_def d = {.process = keyproj_process, .data = k, .out_schema = *schema};
  strom_keyed *ks = strom_key_by(strom_set_name(strom_process(in, &d), "Join key projection"), kn.p);
  strom__buf_free(&kn);
  return ks;
}

/* ---- the residual on a joined row ---- */

static int residual_cond(strom_ctx *ctx, const strom_row *joined, void *data) {
  (void)ctx;
  const sql_expr *e = data;
  sql_ectx c;
  sql_ectx_init(&c);
  int r = sql_eval_pred(e, joined, &c);
  if (r < 0) r = strom_ctx_fail(ctx, "join condition: %s", c.err[0] ? c.err : "evaluation failed");
  sql_ectx_free(&c);
  return r;
}

/* ---- interval join ---- */

typedef struct ijoin {
  int nl, nr;
  const sql_expr *residual;
} ijoin;

static void fill(strom_row *o, int nl, int nr, const strom_row *l, const strom_row *r) {
  strom__row_fill_pair(o, l, nl, r, nr);
}

static int interval_pair(strom_ctx *ctx, const strom_row *left, const strom_row *right, strom_out *out) {
  const ijoin *j = strom_ctx_data(ctx);
  strom_row *o = strom_out_row(out);
  fill(o, j->nl, j->nr, left, right);
  if (j->residual) {
    int r = residual_cond(ctx, o, (void *)j->residual);
    if (r <= 0) return r;
  }
  return strom_out_emit(out, o);
}

/* ---- window join ---- */

typedef struct wjoin {
  sql_jtype type;
  int nl, nr;
  int wend[2]; /* window_end column of each side */
  const sql_expr *residual;
  const strom_schema *in[2], *out;
  const struct sql_winsemi *semi; /* SEMI / ANTI: winjoin_semi.c decides per left row */
  int nkey;
  const int *lkey; /* the left rows' equi-key columns: a NULL among them matches nothing (Flink's null filters) */
} wjoin;

static bool wj_null_key(const wjoin *w, const strom_row *lr) {
  for (int i = 0; i < w->nkey; i++)
    if (lr->nulls[w->lkey[i]]) return true;
  return false;
}

typedef struct wlocal {
  strom_state *rows[2];
  strom_row *joined;
  bool *matched;
  size_t cap;
  int64_t late;
  strom_row *left; /* SEMI / ANTI: the left row emitted */
} wlocal;

static int wj_open(strom_ctx *ctx) {
  const wjoin *w = strom_ctx_data(ctx);
  wlocal *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  static const char *names[2] = {"window-join-left", "window-join-right"};
  for (int s = 0; s < 2; s++) {
    strom_state_desc d = {.name = names[s], .kind = STROM_STATE_LIST, .schema = w->in[s]};
    if (!(l->rows[s] = strom_ctx_state(ctx, &d))) return STROM_EINVAL;
  }
  if (w->semi) return sql_winsemi_rows(w->semi, &l->joined, &l->left);
  return (l->joined = strom_row_new(w->out)) ? STROM_OK : STROM_ENOMEM;
}

static void wj_close(strom_ctx *ctx) {
  wlocal *l = strom_ctx_local(ctx);
  if (!l) return;
  if (l->late) strom__log(STROM_LOG_WARN, "window join: dropped %" PRId64 " late rows", l->late);
  strom_row_free(l->joined);
  strom_row_free(l->left);
  free(l->matched);
  free(l);
}

static int wj_process(strom_ctx *ctx, int s, const strom_row *in, strom_out *out) {
  (void)out;
  const wjoin *w = strom_ctx_data(ctx);
  wlocal *l = strom_ctx_local(ctx);
  if (in->nulls[w->wend[s]]) return STROM_OK;
  int64_t fire = in->v[w->wend[s]].i - 1;
  if (fire <= strom_ctx_watermark(ctx)) {
    l->late++;
    return STROM_OK;
  }
  int rc = strom_state_add(l->rows[s], in);
  return rc ? rc : strom_ctx_register_event_timer(ctx, fire);
}

static int wj_emit(wlocal *l, strom_out *out, int64_t t) {
  strom_row_set_kind(l->joined, STROM_INSERT);
  strom_row_set_time(l->joined, t);
  return strom_out_emit(out, l->joined);
}

static int wj_timer(strom_ctx *ctx, int64_t t, strom_out *out) {
  const wjoin *w = strom_ctx_data(ctx);
  wlocal *l = strom_ctx_local(ctx);
  if (w->semi) return sql_winsemi_fire(ctx, w->semi, l->rows, l->joined, l->left, out, t);
  size_t nl = strom_state_list_size(l->rows[0]), nr = strom_state_list_size(l->rows[1]);
  if (nr > l->cap) {
    bool *m = strom__realloc(l->matched, nr * sizeof *m);
    if (!m) return STROM_ENOMEM;
    l->matched = m, l->cap = nr;
  }
  if (nr) memset(l->matched, 0, nr * sizeof *l->matched);
  bool lo = w->type == SQL_J_LEFT || w->type == SQL_J_FULL, ro = w->type == SQL_J_RIGHT || w->type == SQL_J_FULL;
  int rc = STROM_OK;
  /* one right row (a window's aggregate, as q5's maximum) is read once, not per left row */
  const strom_row *only = nr == 1 ? strom_state_list_get(l->rows[1], 0) : NULL;
  if (nr == 1 && !only) return STROM_ENOMEM;
  for (size_t i = 0; i < nl && !rc; i++) {
    const strom_row *lr = strom_state_list_get(l->rows[0], i);
    if (!lr) return STROM_ENOMEM;
    bool any = false;
    size_t nrk = wj_null_key(w, lr) ? 0 : nr;
    for (size_t k = 0; k < nrk && !rc; k++) {
      const strom_row *rr = only ? only : strom_state_list_get(l->rows[1], k);
      if (!rr) return STROM_ENOMEM;
      fill(l->joined, w->nl, w->nr, lr, rr);
      if (w->residual) {
        int r = residual_cond(ctx, l->joined, (void *)w->residual);
        if (r < 0) return r;
        if (!r) continue;
      }
      any = true;
      l->matched[k] = true;
      rc = wj_emit(l, out, t);
    }
    if (!any && lo && !rc) {
      fill(l->joined, w->nl, w->nr, lr, NULL);
      rc = wj_emit(l, out, t);
    }
  }
  for (size_t k = 0; k < nr && ro && !rc; k++) {
    if (l->matched[k]) continue;
    const strom_row *rr = strom_state_list_get(l->rows[1], k);
    if (!rr) return STROM_ENOMEM;
    fill(l->joined, w->nl, w->nr, NULL, rr);
    rc = wj_emit(l, out, t);
  }
  strom_state_clear(l->rows[0]);
  strom_state_clear(l->rows[1]);
  return rc;
}

/* ---- the stream ---- */

/* Only the regular and window joins' operators are known not to read the appended keys. */
static bool keyed_directly(const sql_build *b, const sql_join *j) {
  return ((j->kind == SQL_JK_REGULAR && !b->sess->join_expiry) || j->kind == SQL_JK_WINDOW) && j->type < SQL_J_SEMI &&
         direct_keys(j);
}

int sql_join_keyed(sql_build *b, const sql_plan *p, strom_keyed **kl, strom_keyed **kr, const strom_schema **lsch,
                   const strom_schema **rsch) {
  const sql_join *j = p->join;
  strom_stream *ls = sql_plan_stream(b, p->in), *rs = ls ? sql_plan_stream(b, p->in2) : NULL;
  if (!rs) return STROM_EINVAL;
  bool direct = keyed_directly(b, j);
  *kl = keyed_side(b, p->in, ls, j->lkeys, j->nkeys, direct, lsch);
  *kr = *kl ? keyed_side(b, p->in2, rs, j->rkeys, j->nkeys, direct, rsch) : NULL;
  return *kr ? STROM_OK : STROM_EINVAL;
}

strom_stream *sql_join_stream(sql_build *b, const sql_plan *p) {
  const sql_join *j = p->join;
  if (j->kind == SQL_JK_LOOKUP) return sql_lookup_stream(b, p);
  if (sql_winmax_applies(b, p)) return sql_winmax_stream(b, p);
  strom_keyed *kl, *kr;
  const strom_schema *lsch, *rsch;
  if (sql_join_keyed(b, p, &kl, &kr, &lsch, &rsch)) return NULL;
  bool direct = keyed_directly(b, j);
  const strom_schema *out = own_schema(b, sql_plan_schema(p));
  if (!out) return NULL;
  sql_expr_compile((sql_expr *)j->residual); /* its columns are final: the join's inputs are built */
  if (j->type >= SQL_J_SEMI && j->kind != SQL_JK_WINDOW) return sql_semi_join_stream(b, p, kl, kr, lsch, rsch); /* subq_plan.c */
  switch (j->kind) {
    case SQL_JK_INTERVAL: {
      if (j->type != SQL_J_INNER) return sql_outer_interval_join(b, p, kl, kr, lsch, rsch, out);
      ijoin *ij = sql_arena_alloc(&b->arena, sizeof *ij);
      if (!ij) return NULL;
      ij->nl = p->in->ncols, ij->nr = p->in2->ncols, ij->residual = j->residual;
      return strom_interval_join(kl, kr, j->lower, j->upper, interval_pair, out, ij);
    }
    case SQL_JK_WINDOW: {
      wjoin *w = sql_arena_alloc(&b->arena, sizeof *w);
      if (!w) return NULL;
      *w = (wjoin){.type = j->type, .nl = p->in->ncols, .nr = p->in2->ncols, .wend = {j->lwend, j->rwend},
                   .residual = j->residual, .in = {lsch, rsch}, .out = out};
      if (j->type >= SQL_J_SEMI && !(w->semi = sql_winsemi_new(b, p, out))) return NULL; /* keys appended: not direct */
      int *lkey = sql_arena_alloc(&b->arena, sizeof *lkey * (size_t)(j->nkeys ? j->nkeys : 1));
      if (!lkey) return NULL;
      for (int i = 0; i < j->nkeys; i++) lkey[i] = direct ? j->lkeys[i]->col : p->in->ncols + i;
      w->nkey = j->nkeys, w->lkey = lkey;
      strom_process_def d = {.open = wj_open, .process = wj_process, .close = wj_close, .on_timer = wj_timer,
                             .data = w, .out_schema = out};
      return strom_set_name(strom_keyed_co_process(kl, kr, &d), "WindowJoin");
    }
    case SQL_JK_TEMPORAL: return sql_temporal_join(b, p, kl, kr, lsch, rsch, out);
    case SQL_JK_LOOKUP: case SQL_JK_REGULAR: break;
  }
  strom__regular_join_def *d = sql_arena_alloc(&b->arena, sizeof *d);
  if (!d) return NULL;
  static const strom__join_type types[] = {STROM__JOIN_INNER, STROM__JOIN_LEFT, STROM__JOIN_RIGHT, STROM__JOIN_FULL};
  *d = (strom__regular_join_def){.type = types[j->type], .in_schema = {lsch, rsch}, .ncols = {p->in->ncols, p->in2->ncols},
                                 .out_schema = out, .cond = j->residual ? residual_cond : NULL,
                                 .data = j->residual, .ttl_ms = b->sess->state_ttl_ms,
                                 .append_only = {!p->in->changelog, !p->in2->changelog}};
  if (b->sess->join_expiry) sql_join_expiry(p, d);
  return strom__regular_join(kl, kr, d);
}

/* ---- EXPLAIN ---- */

static void keys_text(strom_buf *o, sql_expr **k, int n, const sql_col *cols) {
  for (int i = 0; i < n; i++) {
    if (i) strom__buf_append(o, ", ", 2);
    sql_expr_print(o, k[i], cols);
  }
}

void sql_join_explain(strom_buf *o, const sql_plan *p, int depth) {
  static const char *types[] = {"InnerJoin", "LeftOuterJoin", "RightOuterJoin", "FullOuterJoin", "LeftSemiJoin", "LeftAntiJoin"};
  static const char *kinds[] = {"Join", "IntervalJoin", "WindowJoin"};
  const sql_join *j = p->join;
  if (p->winmax && sql_winmax_explain(o, p, depth)) return;
  if (j->asof >= 0) sql_asof_explain(o, p);
  else strom__buf_printf(o, "%s(joinType=[%s], leftKeys=[", kinds[j->kind], types[j->type]);
  keys_text(o, j->lkeys, j->nkeys, p->in->cols);
  strom__buf_printf(o, "], rightKeys=[");
  keys_text(o, j->rkeys, j->nkeys, p->in2->cols);
  strom__buf_printf(o, "]");
  if (j->kind == SQL_JK_INTERVAL)
    strom__buf_printf(o, ", bounds=[%s - %s in [%" PRId64 " ms, %" PRId64 " ms]]", p->in2->cols[j->rtime].name,
                      p->in->cols[j->ltime].name, j->lower, j->upper);
  if (j->residual) {
    strom__buf_printf(o, ", where=[");
    sql_expr_print(o, j->residual, p->cols);
    strom__buf_printf(o, "]");
  }
  strom__buf_printf(o, ")%s\n", p->changelog ? " [changelog]" : "");
  sql_plan_explain(o, p->in, depth + 1);
  sql_plan_explain(o, p->in2, depth + 1);
}
