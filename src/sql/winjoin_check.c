/*
 * winjoin_check.c -- whether a join on window_start and window_end joins the same
 * windows of both inputs, as Flink's WindowJoinUtil decides before it plans a
 * WindowJoin: both inputs must carry window properties (a window TVF, a window
 * aggregation or a window join, seen through projections and filters: agg_attached.c's
 * `sql_window_attach`), of the same time attribute type and the same window (kind,
 * size, slide, gap, offset).  Otherwise Flink logs a warning and plans the regular
 * join; so does Strom.  Asked by join_bind.c for inner and outer joins and by
 * winjoin_semi.c for semi and anti joins, so both follow one rule.
 *
 * Time attribute type: Strom's window columns are TIMESTAMP(3) on both kinds of time,
 * and `sql_window_attach` finds no window properties over a processing-time attribute
 * (its windows fire by the clock, which the window join does not), so a join of
 * processing-time windows is a regular join here; Flink refuses it ("Processing time
 * Window Join is not supported yet").
 */
#include "sql_int.h"

/* The window of p's columns start and end, in *w; false when they carry none. */
static bool window_of(const sql_plan *p, int start, int end, sql_window *w) {
  int cols[2] = {start, end}, time_col;
  return sql_window_attach(p, cols, 2, w, &time_col) && w->start_col == start && w->end_col == end;
}

bool sql_winjoin_same_windows(const sql_plan *p) {
  const sql_join *j = p->join;
  if (j->lwend < 0 || j->rwend < 0) return false;
  int ls = -1, rs = -1;
  for (int i = 0; i < j->nkeys && ls < 0; i++) {
    const sql_expr *l = j->lkeys[i], *r = j->rkeys[i];
    if (l->op == SQL_E_COL && r->op == SQL_E_COL && p->in->cols[l->col].wincol == SQL_WIN_START &&
        p->in2->cols[r->col].wincol == SQL_WIN_START)
      ls = l->col, rs = r->col;
  }
  sql_window lw, rw;
  if (ls < 0 || !window_of(p->in, ls, j->lwend, &lw) || !window_of(p->in2, rs, j->rwend, &rw)) return false;
  return lw.inner == rw.inner && lw.size == rw.size && lw.slide == rw.slide && lw.gap == rw.gap &&
         lw.offset == rw.offset && lw.proctime == rw.proctime;
}
