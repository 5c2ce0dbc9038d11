/*
 * winjoin_semi.c -- window semi and anti joins: `x [NOT] IN (subquery)` and
 * `[NOT] EXISTS (subquery)` between two windowed relations correlated by
 * l.window_start = r.window_start AND l.window_end = r.window_end, which Flink runs as
 * a WindowJoin of type LeftSemiJoin / LeftAntiJoin (WindowJoinOperator's
 * SemiAntiWindowJoinProcessor) instead of a regular semi/anti join.
 *
 * Planning (`sql_winsemi_applies`, asked by join_bind.c's analysis): as Flink's
 * WindowJoinUtil, both inputs must be append-only and windowed with the same window
 * (winjoin_check.c's `sql_winjoin_same_windows`, shared with the inner and outer
 * window joins); otherwise the join stays the regular semi/anti join, as Flink falls back.
 * INTERSECT / EXCEPT (keys with NULLs equal) keep their regular plan too.
 *
 * Running: join_plan.c's window join operator keeps both sides' rows per key and
 * window, drops late rows and fires at window_end - 1; for a semi/anti join its timer
 * hands the window to `sql_winsemi_fire`, which emits each left row once when some
 * right row matches it (semi) or none does (anti), then drops the window's state.  So
 * the output is append-only and emitted when the window closes.  A key with a NULL
 * matches nothing (Flink's JoinConditionWithNullFilters), so `NOT EXISTS (... l.k =
 * r.k ...)` keeps a left row whose k is NULL; NOT IN's null-aware condition
 * (`x = y OR x IS NULL OR y IS NULL`, subq_bind.c) is a residual, so one NULL on the
 * right of a window empties that window's NOT IN result.
 */
#include "sql_int.h"

struct sql_winsemi {
  bool anti;
  int nl, nr;  /* the plan's columns of each side (the state rows append the keys) */
  int nkeys;   /* appended after the nl columns of a left state row */
  const sql_expr *residual; /* over the left's columns then the right's, or NULL */
  const strom_schema *both, *out;
};

bool sql_winsemi_applies(const sql_plan *p) {
  const sql_join *j = p->join;
  if (j->type < SQL_J_SEMI || j->null_safe || p->in->changelog || p->in2->changelog || j->lwend < 0) return false;
  return sql_winjoin_same_windows(p); /* winjoin_check.c: Flink's WindowJoinUtil */
}

struct sql_winsemi *sql_winsemi_new(sql_build *b, const sql_plan *p, const strom_schema *out) {
  struct sql_winsemi *s = sql_arena_alloc(&b->arena, sizeof *s);
  sql_plan both = *p;
  both.ncols = p->in->ncols + p->in2->ncols; /* a semi join's plan shows the left's columns only */
  strom_schema *bs = sql_plan_schema(&both);
  if (!s || !bs || sql_build_own(b, bs, (void (*)(void *))strom_schema_free)) return NULL;
  *s = (struct sql_winsemi){.anti = p->join->type == SQL_J_ANTI, .nl = p->in->ncols, .nr = p->in2->ncols,
                            .nkeys = p->join->nkeys, .residual = p->join->residual, .both = bs, .out = out};
  return s;
}

int sql_winsemi_rows(const struct sql_winsemi *s, strom_row **joined, strom_row **left) {
  if (!(*joined = strom_row_new(s->both)) || !(*left = strom_row_new(s->out))) return STROM_ENOMEM;
  return STROM_OK;
}

/* Whether left row lr matches some right row of the window: -1 on an error. */
static int matches(strom_ctx *ctx, const struct sql_winsemi *s, strom_state *right, size_t nr, strom_row *joined,
                   const strom_row *lr) {
  for (int k = 0; k < s->nkeys; k++)
    if (lr->nulls[s->nl + k]) return 0; /* NULL = anything is not true */
  if (!s->residual) return nr > 0;
  sql_ectx c;
  sql_ectx_init(&c);
  int r = 0;
  for (size_t k = 0; k < nr && !r; k++) {
    const strom_row *rr = strom_state_list_get(right, k);
    if (!rr) {
      r = STROM_ENOMEM;
      break;
    }
    strom__row_fill_pair(joined, lr, s->nl, rr, s->nr);
    r = sql_eval_pred(s->residual, joined, &c);
    if (r < 0) r = strom_ctx_fail(ctx, "join condition: %s", c.err[0] ? c.err : "evaluation failed");
  }
  sql_ectx_free(&c);
  return r;
}

int sql_winsemi_fire(strom_ctx *ctx, const struct sql_winsemi *s, strom_state *rows[2], strom_row *joined,
                     strom_row *left, strom_out *out, int64_t t) {
  size_t nl = strom_state_list_size(rows[0]), nr = strom_state_list_size(rows[1]);
  int rc = STROM_OK;
  for (size_t i = 0; i < nl && !rc; i++) {
    const strom_row *lr = strom_state_list_get(rows[0], i);
    if (!lr) return STROM_ENOMEM;
    int m = matches(ctx, s, rows[1], nr, joined, lr);
    if (m < 0) return m;
    if (!m != s->anti) continue;
    strom__row_fill_pair(left, lr, s->nl, NULL, 0);
    strom_row_set_kind(left, STROM_INSERT);
    strom_row_set_time(left, t);
    rc = strom_out_emit(out, left);
  }
  strom_state_clear(rows[0]);
  strom_state_clear(rows[1]);
  return rc;
}
