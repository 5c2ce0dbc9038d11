/*
 * tjoin_bind.c -- joins with `t FOR SYSTEM_TIME AS OF l.time` (Flink's temporal joins)
 * and the PROCTIME() attribute they are driven by.
 *
 * The binder (bind_join) binds the right table and records the left's time attribute
 * in sql_join.asof; join_bind.c splits the ON condition into keys and a residual as for
 * any join (conditions on the right table stay in the residual: the table is read by
 * the join itself) and then calls sql_asof_analyze, which chooses:
 *
 * - a processing-time attribute: a lookup join (tjoin_lookup.c) against a jdbc or
 *   filesystem table, whose lookup keys are columns of that table;
 * - a rowtime attribute: an event-time temporal join against a versioned table (a
 *   PRIMARY KEY and a watermark, or a view deduplicating to the last row per key by
 *   rowtime): keyed by the equi-join keys, which must cover the primary key, on
 *   src/runtime/op_join_temporal.c.
 *
 * Both keep the left's time attributes, and append (a lookup join passes a changelog
 * of its left input on).
 */
#include <inttypes.h>

#include "../runtime/join_temporal.h"
#include "rank.h"

bool sql_is_proctime_call(const sql_expr *e) {
  return e && e->op == SQL_E_FUNC && e->fn && !strcmp(e->fn->name, "PROCTIME");
}

static const char *conn_name(const sql_plan *r) { return r->kind == SQL_P_SCAN ? r->table->conn->name : NULL; }

/* Lookup keys are columns of the table; a cast the binder put on the table's column
 * (to a common type) moves to the left's expression instead. */
static int lookup_keys(sql_arena *a, sql_join *j, const sql_plan *r, char *err, size_t errlen) {
  for (int k = 0; k < j->nkeys; k++) {
    sql_expr *re = j->rkeys[k];
    while (re->op == SQL_E_CAST && re->n == 1) re = re->a[0];
    if (re->op != SQL_E_COL)
      return snprintf(err, errlen, "a lookup join's keys must be columns of table '%s' (ON left_expr = %s.column)",
                      r->table->name, r->table->name), -1;
    const sql_type *rt = &r->cols[re->col].type;
    sql_expr *le = j->lkeys[k];
    while (le->op == SQL_E_CAST && le->n == 1 && le->a[0]->type.id == rt->id) le = le->a[0];
    if (le->type.id != rt->id || (rt->id == STROM_DECIMAL && le->type.s != rt->s))
      if (!(le = sql_cast_to(a, le, rt))) return snprintf(err, errlen, "out of memory"), -1;
    j->lkeys[k] = le;
    j->rkeys[k] = re;
  }
  return 0;
}

/* A versioned view (Flink's: the last row per key by rowtime, a deduplication under
 * projections): its key columns (pk[i] for each of r's columns) and its rowtime column.
 * A table with a PRIMARY KEY and a watermark is one as well. */
static bool versioned(const sql_plan *r, bool *pk, int *tcol) {
  memset(pk, 0, sizeof(bool) * (size_t)r->ncols);
  if (r->kind == SQL_P_SCAN) {
    if (r->table->wm_col < 0 || !r->table->npk) return false;
    for (int i = 0; i < r->ncols; i++)
      for (int k = 0; k < r->table->npk; k++) pk[i] |= !strcmp(r->cols[i].name, r->table->pk[k]);
    *tcol = r->table->wm_col;
    return true;
  }
  int m[256]; /* r's column i is column m[i] of the node reached */
  if (r->ncols > 256) return false;
  for (int i = 0; i < r->ncols; i++) m[i] = i;
  const sql_plan *cur = r;
  for (; cur->kind == SQL_P_CALC; cur = cur->in) {
    if (cur->cond) return false;
    for (int i = 0; cur->exprs && i < r->ncols; i++)
      if (m[i] >= 0) m[i] = cur->exprs[m[i]]->op == SQL_E_COL ? cur->exprs[m[i]]->col : -1;
  }
  const sql_over *o = cur->kind == SQL_P_OVER ? cur->over : NULL;
  if (!o || !o->rank || o->window || o->limit != 1 || o->start > 1 || o->rank_out || o->norder != 1 || !o->desc[0] ||
      o->order[0]->op != SQL_E_COL || !cur->in->cols[o->order[0]->col].rowtime || cur->in->changelog || !o->npart)
    return false;
  *tcol = -1;
  for (int i = 0; i < r->ncols; i++)
    if (m[i] >= 0 && m[i] == o->order[0]->col) *tcol = i;
  for (int k = 0; k < o->npart; k++) {
    bool found = false;
    for (int i = 0; o->part[k]->op == SQL_E_COL && i < r->ncols; i++)
      if (m[i] == o->part[k]->col) pk[i] = found = true;
    if (!found) return false;
  }
  return *tcol >= 0;
}

int sql_asof_analyze(sql_arena *a, sql_plan *p, char *err, size_t errlen) {
  sql_join *j = p->join;
  const sql_plan *l = p->in, *r = p->in2;
  int nl = l->ncols;
  const char *tn = r->kind == SQL_P_SCAN ? r->table->name : r->ncols && r->cols[0].qual ? r->cols[0].qual : "the right side";
  if (!j->nkeys)
    return snprintf(err, errlen, "a temporal join needs an equality between the left input and a column of %s'%s'",
                    r->kind == SQL_P_SCAN ? "table " : "", tn), -1;
  if (l->cols[j->asof].proctime) {
    const char *cn = conn_name(r);
    if (!cn || (strcmp(cn, "jdbc") && strcmp(cn, "filesystem")))
      return snprintf(err, errlen, "a lookup join (FOR SYSTEM_TIME AS OF a PROCTIME() attribute) needs a jdbc or "
                                   "filesystem table on its right, not %s%s%s", cn ? "connector '" : "a view or query",
                      cn ? cn : "", cn ? "'" : ""), -1;
    if (r->exprs) return snprintf(err, errlen, "not supported yet: computed columns on lookup table '%s'", tn), -1;
    for (int i = 0; i < r->ncols; i++)
      if (r->cols[i].type.kind)
        return snprintf(err, errlen, "not supported yet: column '%s' of type DATE/TIME/INTERVAL/ARRAY/MAP in lookup table '%s'",
                        r->cols[i].name, tn), -1;
    if (lookup_keys(a, j, r, err, errlen)) return -1;
    j->kind = SQL_JK_LOOKUP;
    p->changelog = l->changelog;
  } else {
    bool *pk = sql_arena_alloc(a, sizeof(bool) * (size_t)(r->ncols ? r->ncols : 1));
    int tcol;
    if (!pk) return snprintf(err, errlen, "out of memory"), -1;
    if (!versioned(r, pk, &tcol))
      return snprintf(err, errlen, "an event-time temporal join needs a versioned table on its right: a table with a "
                                   "PRIMARY KEY and a WATERMARK (%s has %s), or a view keeping the last row per key "
                                   "by its rowtime (ROW_NUMBER() OVER (PARTITION BY key ORDER BY rowtime DESC) = 1)", tn,
                      r->kind != SQL_P_SCAN ? "neither" : r->table->npk ? "no watermark" : "no primary key"), -1;
    if (l->changelog) return snprintf(err, errlen, "not supported yet: an event-time temporal join of an updating left input"), -1;
    for (int c = 0; c < r->ncols; c++) {
      bool found = !pk[c];
      for (int i = 0; i < j->nkeys && !found; i++) {
        const sql_expr *re = j->rkeys[i];
        while (re->op == SQL_E_CAST && re->n == 1) re = re->a[0];
        found = re->op == SQL_E_COL && re->col == c;
      }
      if (!found)
        return snprintf(err, errlen, "an event-time temporal join's condition must contain the primary key of "
                                     "versioned table '%s' (%s.%s = ...)", tn, tn, r->cols[c].name), -1;
    }
    j->kind = SQL_JK_TEMPORAL;
    j->rtime = tcol;
    p->changelog = false;
  }
  /* the left's time attributes survive the join; the right's do not */
  for (int i = 0; i < p->ncols; i++) {
    p->cols[i].rowtime = i < nl && l->cols[i].rowtime;
    p->cols[i].proctime = i < nl && l->cols[i].proctime;
  }
  p->time_col = l->time_col;
  return 0;
}

void sql_asof_explain(strom_buf *o, const sql_plan *p) {
  static const char *types[] = {"InnerJoin", "LeftOuterJoin", "RightOuterJoin", "FullOuterJoin"};
  const sql_join *j = p->join;
  bool lookup = j->kind == SQL_JK_LOOKUP;
  strom__buf_printf(o, "%s(table=[%s], joinType=[%s], %s=[%s], leftKeys=[", lookup ? "LookupJoin" : "TemporalJoin",
                    p->in2->kind == SQL_P_SCAN ? p->in2->table->name : p->in2->ncols && p->in2->cols[0].qual ? p->in2->cols[0].qual : "?", types[j->type],
                    lookup ? "proctime" : "rowtime", p->in->cols[j->asof].name);
}

/* ---- the event-time temporal join ---- */

static int residual(strom_ctx *ctx, const strom_row *joined, void *data) {
  sql_ectx c = {0};
  int r = sql_eval_pred(data, joined, &c);
  if (r < 0) r = strom_ctx_fail(ctx, "join condition: %s", c.err[0] ? c.err : "evaluation failed");
  sql_ectx_free(&c);
  return r;
}

strom_stream *sql_temporal_join(sql_build *b, const sql_plan *p, strom_keyed *kl, strom_keyed *kr,
                                const strom_schema *ls, const strom_schema *rs, const strom_schema *out) {
  const sql_join *j = p->join;
  strom__temporal_join_def *d = sql_arena_alloc(&b->arena, sizeof *d);
  if (!d) return NULL;
  *d = (strom__temporal_join_def){.left_outer = j->type == SQL_J_LEFT, .in_schema = {ls, rs},
                                  .ncols = {p->in->ncols, p->in2->ncols}, .time_col = {j->asof, j->rtime},
                                  .nkeys = j->nkeys, .out_schema = out, .cond = j->residual ? residual : NULL,
                                  .data = j->residual};
  return strom__temporal_join(kl, kr, d);
}
