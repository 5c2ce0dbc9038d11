/*
 * join_expire.c -- when a regular inner join may drop one side's rows by event time
 * without changing its result (Nexmark q7: bids joined with each 10 s window's highest
 * price, `B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime`, where
 * B1.dateTime is a window aggregate's window_end).  Flink plans this as a regular join,
 * since window_end is no time attribute, and keeps every bid; the result depends on no
 * such state once the windows a bid can meet have been emitted.
 *
 * The proof: the condition holds a conjunct X.ts >= Y.w - a (or one that implies it),
 * X.ts a rowtime column of one side and Y.w the window_end of a window aggregation on
 * the other (through projections and filters only).  A window aggregate emits its row
 * of end E when its watermark reaches E - 1, before it forwards that watermark, so once
 * the join's watermark (the smaller of its inputs') reaches t + a, every Y row with
 * w <= t + a has arrived: an X row of time t matches no later Y row and can go.  Rows
 * of X that arrive late still join with every Y row held (Y is never dropped), and a
 * late retraction of an expired X row still retracts its joined rows (they are found
 * on Y's side), so the changelog stays Flink's.
 */
#include "../runtime/join_regular.h"
#include "sql_int.h"

/* Whether column col of p is a window aggregation's window_end. */
static bool window_end_of_agg(const sql_plan *p, int col) {
  while (p && p->kind == SQL_P_CALC) {
    if (p->exprs) {
      const sql_expr *e = p->exprs[col];
      if (e->op != SQL_E_COL) return false;
      col = e->col;
    }
    p = p->in;
  }
  return p && p->kind == SQL_P_AGG && p->win.kind != SQL_W_NONE && col == p->nkeys + 1 &&
         p->cols[col].wincol == SQL_WIN_END;
}

bool sql_time_term(const sql_expr *e, int *col, int64_t *off) {
  if (e->op == SQL_E_COL && e->type.id == STROM_TIMESTAMP) return *col = e->col, *off = 0, true;
  if ((e->op == SQL_E_ADD || e->op == SQL_E_SUB) && e->n == 2 && e->a[0]->op == SQL_E_COL &&
      e->a[0]->type.id == STROM_TIMESTAMP && e->a[1]->op == SQL_E_LIT && e->a[1]->type.id == STROM_BIGINT &&
      !e->a[1]->lit.null && e->a[1]->lit.i > -((int64_t)1 << 50) && e->a[1]->lit.i < ((int64_t)1 << 50)) {
    *col = e->a[0]->col;
    *off = e->op == SQL_E_ADD ? e->a[1]->lit.i : -e->a[1]->lit.i;
    return true;
  }
  return false;
}

typedef struct expiry {
  bool found;
  int side, col;
  int64_t after;
} expiry;

/* big >= small (both time terms over the join's columns): an expiry if big is a
 * rowtime column of one side and small a window_end of the other's window aggregate. */
static void ge(const sql_plan *p, const sql_expr *big, const sql_expr *small, expiry *x) {
  int cb, cs, nl = p->in->ncols;
  int64_t ob, os;
  if (!sql_time_term(big, &cb, &ob) || !sql_time_term(small, &cs, &os)) return;
  int sb = cb < nl ? 0 : 1, ss = cs < nl ? 0 : 1;
  if (sb == ss) return;
  const sql_plan *xin = sb ? p->in2 : p->in, *yin = ss ? p->in2 : p->in;
  int xc = sb ? cb - nl : cb, yc = ss ? cs - nl : cs;
  if (!xin->cols[xc].rowtime || !window_end_of_agg(yin, yc)) return;
  /* X.ts + ob >= Y.w + os: X matches Y rows with w <= X.ts + (ob - os) */
  int64_t a = ob - os;
  if (x->found && (x->side != sb || x->col != xc)) return;
  if (!x->found || a < x->after) *x = (expiry){true, sb, xc, a};
}

static void conjunct(const sql_plan *p, const sql_expr *e, expiry *x) {
  switch (e->op) {
    case SQL_E_AND: conjunct(p, e->a[0], x), conjunct(p, e->a[1], x); break;
    case SQL_E_GE: case SQL_E_GT: ge(p, e->a[0], e->a[1], x); break;
    case SQL_E_LE: case SQL_E_LT: ge(p, e->a[1], e->a[0], x); break;
    case SQL_E_BETWEEN: ge(p, e->a[0], e->a[1], x), ge(p, e->a[2], e->a[0], x); break;
    default: break;
  }
}

void sql_join_expiry(const sql_plan *p, strom__regular_join_def *d) {
  const sql_join *j = p->join;
  if (j->kind != SQL_JK_REGULAR || j->type != SQL_J_INNER || !j->residual) return;
  expiry x = {0};
  conjunct(p, j->residual, &x);
  if (!x.found) return;
  d->expire = true, d->expire_side = x.side, d->expire_col = x.col, d->expire_ms = x.after;
}
