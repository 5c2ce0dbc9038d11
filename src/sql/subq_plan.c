/*
 * subq_plan.c -- the operators of subq_bind.c's plans: the semi and anti join
 * (src/runtime/op_join_semi.c over the join's keyed inputs), INTERSECT ALL and
 * EXCEPT ALL, and the run-time check that a scalar subquery gives one row.
 *
 * INTERSECT ALL and EXCEPT ALL run as Flink rewrites them: both inputs keyed by every
 * column, a count of the row on each side in value state (the GROUP BY of the UNION
 * ALL of the marked sides), and each change of the counts emitted the way Flink's
 * group aggregation and its ReplicateRows table function would: the first row of a
 * group +I, later ones -U (old) and +U (new), the group's last retraction -D, each
 * repeated as many times as the row is in the result: min(left, right) for
 * INTERSECT ALL (when both are >= 1), left - right for EXCEPT ALL (when positive).
 */
#include "../runtime/join_regular.h"
#include "sql_int.h"

static const strom_schema *own(sql_build *b, strom_schema *s) {
  if (!s) return NULL;
  if (sql_build_own(b, s, (void (*)(void *))strom_schema_free)) return NULL;
  return s;
}

static int residual(strom_ctx *ctx, const strom_row *joined, void *data) {
  sql_ectx c = {0};
  int r = sql_eval_pred(data, joined, &c);
  if (r < 0) r = strom_ctx_fail(ctx, "join condition: %s", c.err[0] ? c.err : "evaluation failed");
  sql_ectx_free(&c);
  return r;
}

strom_stream *sql_semi_join_stream(sql_build *b, const sql_plan *p, strom_keyed *kl, strom_keyed *kr,
                                   const strom_schema *ls, const strom_schema *rs) {
  const sql_join *j = p->join;
  sql_plan both = *p;
  both.ncols = p->in->ncols + p->in2->ncols;
  const strom_schema *out = own(b, sql_plan_schema(p)), *joined = own(b, sql_plan_schema(&both));
  strom__semi_join_def *d = sql_arena_alloc(&b->arena, sizeof *d);
  if (!out || !joined || !d) return NULL;
  *d = (strom__semi_join_def){.anti = j->type == SQL_J_ANTI, .null_safe = j->null_safe, .in_schema = {ls, rs},
                              .ncols = {p->in->ncols, p->in2->ncols}, .out_schema = out, .joined_schema = joined,
                              .cond = j->residual ? residual : NULL, .data = j->residual,
                              .ttl_ms = b->sess->state_ttl_ms};
  return strom__semi_join(kl, kr, d);
}

/* in projected to p's columns (named c0, c1, ...), plus a constant 0 when one_key;
 * keys: the first nkeys of them (all when 0), or that constant. */
static strom_stream *project(sql_build *b, const sql_plan *p, strom_stream *in, bool one_key, int nkeys, strom_buf *keys) {
  int n = p->ncols + one_key;
  sql_expr **e = sql_arena_alloc(&b->arena, sizeof *e * (size_t)(n ? n : 1));
  strom_schema *s = sql_plan_schema(p);
  static const sql_type t_int = {.id = STROM_INT, .not_null = true};
  if (!e || !s || (one_key && sql_schema_add(s, "one", &t_int))) return strom_schema_free(s), NULL;
  for (int i = 0; i < n; i++) {
    if (!(e[i] = sql_arena_alloc(&b->arena, sizeof *e[i]))) return strom_schema_free(s), NULL;
    if (i < p->ncols) *e[i] = (sql_expr){.op = SQL_E_COL, .col = i, .type = p->cols[i].type};
    else *e[i] = (sql_expr){.op = SQL_E_LIT, .col = -1, .type = t_int};
    if (!one_key && (!nkeys || i < nkeys)) strom__buf_printf(keys, "%sc%d", i ? ", " : "", i);
  }
  if (one_key) strom__buf_printf(keys, "one");
  const strom_schema *os = own(b, s);
  return os ? sql_calc_stream(b, in, e, n, os, "Project") : NULL;
}

/* ---- INTERSECT ALL, EXCEPT ALL ---- */

typedef struct setop {
  int kind, ncols, nkeys;
  const strom_schema *counts, *out;
} setop;

typedef struct setop_local {
  strom_state *st;
  strom_row *c, *o;
} setop_local;

static int so_open(strom_ctx *ctx) {
  const setop *s = strom_ctx_data(ctx);
  setop_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  strom_state_desc d = {.name = s->kind == SQL_SO_SINGLE_ROW ? "scalar-subquery-rows" : "set-operation-counts",
                        .kind = STROM_STATE_VALUE, .schema = s->counts};
  if (!(l->st = strom_ctx_state(ctx, &d))) return STROM_EINVAL;
  l->c = strom_row_new(s->counts);
  l->o = strom_row_new(s->out);
  return l->c && l->o ? STROM_OK : STROM_ENOMEM;
}

static void so_close(strom_ctx *ctx) {
  setop_local *l = strom_ctx_local(ctx);
  if (!l) return;
  strom_row_free(l->c);
  strom_row_free(l->o);
  free(l);
}

/* How many times the row is in the result for the counts (left, right). */
static int64_t times(int kind, int64_t l, int64_t r) {
  if (kind == SQL_SO_INTERSECT_ALL) return l >= 1 && r >= 1 ? (l < r ? l : r) : 0;
  return l > r ? l - r : 0;
}

static int emit(setop_local *l, strom_out *out, strom_row_kind k, int64_t n) {
  strom_row_set_kind(l->o, k);
  for (int64_t i = 0; i < n; i++) {
    int rc = strom_out_emit(out, l->o);
    if (rc) return rc;
  }
  return STROM_OK;
}

static int so_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  const setop *s = strom_ctx_data(ctx);
  setop_local *l = strom_ctx_local(ctx);
  strom_row_kind k = strom_row_get_kind(in);
  bool acc = k == STROM_INSERT || k == STROM_UPDATE_AFTER;
  const strom_row *cur = strom_state_get(l->st);
  int64_t c[2] = {cur ? strom_row_get_bigint(cur, 0) : 0, cur ? strom_row_get_bigint(cur, 1) : 0};
  for (int i = 0; i < s->ncols; i++) l->o->nulls[i] = in->nulls[i], l->o->v[i] = in->v[i];
  strom_row_set_time(l->o, strom_row_time(in));
  if (s->kind == SQL_SO_SINGLE_ROW) {
    bool null_key = false; /* a correlated row with a NULL key matches no outer row */
    for (int i = 0; i < s->nkeys; i++) null_key |= in->nulls[i];
    int64_t n = c[0] + (null_key ? 0 : acc ? 1 : -1);
    if (n > 1)
      return strom_ctx_fail(ctx, "a scalar subquery returned more than one row%s (Flink fails the same way: use an "
                                 "aggregate, or a condition that selects one row)", s->nkeys ? " for one outer row" : "");
    strom_row_set_bigint(l->c, 0, n < 0 ? 0 : n);
    strom_row_set_bigint(l->c, 1, 0);
    int rc = strom_state_update(l->st, l->c);
    strom_row_set_kind(l->o, k);
    return rc ? rc : strom_out_emit(out, l->o);
  }
  if (!cur && !acc) return STROM_OK; /* a retraction of nothing, as Flink's aggregation ignores it */
  int64_t n[2] = {c[0], c[1]};
  n[input] += acc ? 1 : -1;
  if (n[input] < 0) n[input] = 0;
  int64_t before = times(s->kind, c[0], c[1]), after = times(s->kind, n[0], n[1]);
  int rc;
  if (!cur) return (rc = emit(l, out, STROM_INSERT, after)) ? rc : (strom_row_set_bigint(l->c, 0, n[0]), strom_row_set_bigint(l->c, 1, n[1]), strom_state_update(l->st, l->c));
  if (n[0] + n[1] == 0) {
    strom_state_clear(l->st);
    return emit(l, out, STROM_DELETE, before);
  }
  if ((rc = emit(l, out, STROM_UPDATE_BEFORE, before)) || (rc = emit(l, out, STROM_UPDATE_AFTER, after))) return rc;
  strom_row_set_bigint(l->c, 0, n[0]);
  strom_row_set_bigint(l->c, 1, n[1]);
  return strom_state_update(l->st, l->c);
}

strom_stream *sql_setop_stream(sql_build *b, const sql_plan *p) {
  bool single = p->setop == SQL_SO_SINGLE_ROW;
  strom_buf keys = {0};
  strom_stream *l = sql_plan_stream(b, p->in), *r = l && !single ? sql_plan_stream(b, p->in2) : NULL;
  if (!l || (!single && !r)) return NULL;
  strom_buf rkeys = {0};
  l = project(b, p, l, single && !p->nkeys, p->nkeys, &keys);
  if (r) r = project(b, p, r, false, 0, &rkeys);
  strom__buf_free(&rkeys);
  setop *s = sql_arena_alloc(&b->arena, sizeof *s);
  const strom_schema *cs = own(b, strom_schema_parse("l BIGINT, r BIGINT", NULL, 0)), *os = own(b, sql_plan_schema(p));
  if (!l || (!single && !r) || !s || !cs || !os || !keys.p) return strom__buf_free(&keys), NULL;
  *s = (setop){.kind = p->setop, .ncols = p->ncols, .nkeys = p->nkeys, .counts = cs, .out = os};
  strom_process_def d = {.open = so_open, .process = so_process, .close = so_close, .data = s, .out_schema = os};
  strom_keyed *kl = strom_key_by(l, keys.p), *kr = single ? NULL : strom_key_by(r, keys.p);
  strom__buf_free(&keys);
  if (single) return strom_set_name(strom_keyed_process(kl, &d), "SingleRowCheck");
  return strom_set_name(strom_keyed_co_process(kl, kr, &d), p->setop == SQL_SO_INTERSECT_ALL ? "IntersectAll" : "ExceptAll");
}

void sql_setop_explain(strom_buf *o, const sql_plan *p, int depth) {
  static const char *names[] = {"", "IntersectAll", "ExceptAll", "SingleRowCheck"};
  strom__buf_printf(o, "%s(fields=[", names[p->setop]);
  for (int i = 0; i < p->ncols; i++) strom__buf_printf(o, "%s%s", i ? ", " : "", p->cols[i].name);
  strom__buf_printf(o, "])%s\n", p->changelog ? " [changelog]" : "");
  sql_plan_explain(o, p->in, depth + 1);
  if (p->in2) sql_plan_explain(o, p->in2, depth + 1);
}
