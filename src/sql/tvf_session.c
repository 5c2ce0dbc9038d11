/*
 * tvf_session.c -- the SESSION window TVF on its own, without an aggregation over it
 * (Flink 1.19+): SELECT * FROM TABLE(SESSION(TABLE t [PARTITION BY k], DESCRIPTOR(ts), gap)).
 *
 * TUMBLE, HOP and CUMULATE windows follow from a row alone, so planner.c's Window TVF
 * tags each row as it passes.  A session's bounds are known only when it closes: a row
 * may still merge two sessions into one.  So the rows wait in an event-time session
 * window of the runtime (keyed by the partition columns, all rows under one key when
 * there are none) and leave, each with the window_start, window_end and window_time of
 * its whole session, when the watermark passes the session's end.  A session is
 * [first row, last row + gap), as Flink's.  A row whose session would already have
 * closed is late and dropped (counted), as Flink drops it; the output is insert-only.
 * Window Top-N and deduplication over the TVF consume these rows as over any window TVF.
 */
#include "rank.h"

typedef struct tvf_session {
  int ncols; /* the input's columns, first in the keyed projection */
} tvf_session;

static int session_fire(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out) {
  const tvf_session *t = strom_ctx_data(ctx);
  int64_t start = strom_ctx_window_start(ctx), end = strom_ctx_window_end(ctx);
  for (size_t r = 0; r < n; r++) {
    strom_row *o = strom_out_row(out);
    const strom_row *in = rows[r];
    for (int i = 0; i < t->ncols; i++) o->nulls[i] = in->nulls[i], o->v[i] = in->v[i];
    strom_row_set_timestamp(o, t->ncols, start);
    strom_row_set_timestamp(o, t->ncols + 1, end);
    strom_row_set_timestamp(o, t->ncols + 2, end - 1);
    strom_row_set_time(o, end - 1);
    int rc = strom_out_emit(out, o);
    if (rc) return rc;
  }
  return STROM_OK;
}

strom_stream *sql_session_tvf_stream(sql_build *b, const sql_plan *p) {
  if (p->in->changelog)
    return sql_build_fail(b, "not supported: a SESSION window TVF without an aggregation over an updating input "
                             "(its rows are held until the session closes; aggregate over it, or make the input insert-only)"),
           NULL;
  strom_stream *in = sql_plan_stream(b, p->in);
  int nk = p->win.npart ? p->win.npart : 1;
  sql_expr **keys = sql_arena_alloc(&b->arena, sizeof *keys * (size_t)nk);
  tvf_session *t = sql_arena_alloc(&b->arena, sizeof *t);
  strom_schema *os = sql_plan_schema(p);
  if (os && sql_build_own(b, os, (void (*)(void *))strom_schema_free)) os = NULL; /* freed by it */
  if (!in || !keys || !t || !os) return NULL;
  for (int i = 0; i < nk; i++) {
    if (!(keys[i] = sql_arena_alloc(&b->arena, sizeof *keys[i]))) return NULL;
    if (p->win.npart) {
      int c = p->win.part[i];
      *keys[i] = (sql_expr){.op = SQL_E_COL, .col = c, .type = p->in->cols[c].type};
    } else /* one session sequence for the whole table, as Flink's global partition */
      *keys[i] = (sql_expr){.op = SQL_E_LIT, .type = {.id = STROM_INT}};
  }
  const strom_schema *pre;
  strom_keyed *ks = rank_key_by(b, p, in, keys, nk, nk, &pre);
  if (!ks) return NULL;
  t->ncols = p->in->ncols;
  strom_window_def wd = {.assigner = strom_session(p->win.gap), .process = session_fire, .out_schema = os, .data = t};
  return strom_set_name(strom_window(ks, &wd), "Session window TVF");
}
