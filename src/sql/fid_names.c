/*
 * fid_names.c -- what EXPLAIN shows for the columns and calls the binder's rewrites
 * invent.  A subquery's correlation key ($k0) and an aggregate split off a HAVING
 * ($a0) keep their unique internal names for name resolution, with the text Flink's
 * plans show for them (the key's column name, the aggregate call) carried after a
 * unit separator; EXPLAIN prints that text.  A ROW value's field access prints as
 * Flink's r.f instead of the evaluator's $FIELD(r), a ROW constructor without the
 * NULL marker its packed value carries first.  The grouping sets' $e stays: Flink's
 * Expand names that column $e too.  Aggregate calls print as Flink's plans print them
 * (SUM(a), COUNT(DISTINCT b), not the parser's S-expression), and an OVER aggregate as
 * Flink's OverAggregate (partitionBy, orderBy, the frame as SQL, columns w0$o0, ...).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rank.h"
#include "sql_int.h"

#define SEP '\x1f'

static void call_text(strom_buf *t, const sql_node *n);

char *sql_fid_hidden_name(sql_arena *a, const char *base, const sql_node *x) {
  strom_buf t = {0};
  if (x && (x->kind == SQL_ID || x->kind == SQL_FIELD) && x->text) strom__buf_printf(&t, "%s", sql_fid_shown(x->text));
  else if (x && x->kind == SQL_NAME && x->nkids && x->kids[x->nkids - 1]->text) strom__buf_printf(&t, "%s", x->kids[x->nkids - 1]->text);
  else if (x && x->kind == SQL_CALL && x->text) call_text(&t, x);
  else if (x) sql_show_expr_plain(&t, x);
  size_t bl = strlen(base);
  char *s = sql_arena_alloc(a, bl + 2 + t.len);
  if (s) {
    memcpy(s, base, bl);
    s[bl] = SEP;
    if (t.len) memcpy(s + bl + 1, t.p, t.len);
    s[bl + 1 + t.len] = 0;
  }
  strom__buf_free(&t);
  return s;
}

char *sql_fid_hidden_as(sql_arena *a, const char *base, const char *shown) {
  size_t bl = strlen(base), sl = shown ? strlen(shown) : 0;
  char *s = sql_arena_alloc(a, bl + 2 + sl);
  if (s) {
    memcpy(s, base, bl);
    s[bl] = SEP;
    if (sl) memcpy(s + bl + 1, shown, sl);
    s[bl + 1 + sl] = 0;
  }
  return s;
}

/* An aggregate call as Flink's plan prints it: NAME([DISTINCT] args) [FILTER (WHERE c)],
 * the OVER clause left to the OverAggregate that computes it. */
static void call_text(strom_buf *t, const sql_node *n) {
  strom__buf_printf(t, "%s(%s", n->text, n->flags & SQL_F(DISTINCT) ? "DISTINCT " : "");
  const sql_node *filter = NULL;
  int k = 0;
  for (int i = 0; i < n->nkids; i++) {
    const sql_node *x = n->kids[i];
    if (x->kind == SQL_FILTER) filter = x;
    if (x->kind == SQL_FILTER || x->kind == SQL_OVER) continue;
    if (k++) strom__buf_append(t, ", ", 2);
    if (x->kind == SQL_STAR) strom__buf_append(t, "*", 1);
    else sql_show_expr_plain(t, x);
  }
  strom__buf_append(t, ")", 1);
  if (filter && filter->nkids) {
    strom__buf_printf(t, " FILTER (WHERE ");
    sql_show_expr_plain(t, filter->kids[0]);
    strom__buf_append(t, ")", 1);
  }
}

char *sql_fid_call_text(sql_arena *a, const sql_node *call) {
  strom_buf t = {0};
  if (call->kind == SQL_CALL && call->text) call_text(&t, call);
  else sql_show_expr_plain(&t, call);
  char *s = sql_arena_strndup(a, t.p ? t.p : "", t.len);
  strom__buf_free(&t);
  return s;
}

void sql_fid_over_explain(strom_buf *b, const sql_plan *p) {
  const sql_over *v = p->over;
  const sql_col *cols = p->in->cols;
  strom__buf_printf(b, "OverAggregate(");
  if (v->npart) {
    strom__buf_printf(b, "partitionBy=[");
    for (int i = 0; i < v->npart; i++) {
      if (i) strom__buf_append(b, ", ", 2);
      sql_expr_print(b, v->part[i], cols);
    }
    strom__buf_printf(b, "], ");
  }
  if (v->norder) {
    strom__buf_printf(b, "orderBy=[");
    for (int i = 0; i < v->norder; i++) {
      if (i) strom__buf_append(b, ", ", 2);
      sql_expr_print(b, v->order[i], cols);
      strom__buf_printf(b, " %s", v->desc[i] ? "DESC" : "ASC");
    }
    strom__buf_printf(b, "], ");
  }
  strom__buf_printf(b, "window=[%s BETWEEN ", v->rows ? "ROWS" : "RANGE");
  if (v->preceding < 0) strom__buf_printf(b, "UNBOUNDED PRECEDING");
  else if (v->preceding == 0) strom__buf_printf(b, "CURRENT ROW");
  else strom__buf_printf(b, "%" PRId64 " PRECEDING", v->preceding); /* RANGE: milliseconds, as Flink prints it */
  strom__buf_printf(b, " AND CURRENT ROW], select=[");
  for (int i = 0; i < v->naggs; i++)
    strom__buf_printf(b, "%s%s AS %s", i ? ", " : "", v->aggs[i].text, sql_fid_shown(p->cols[p->in->ncols + i].name));
  strom__buf_printf(b, "])\n");
}

const char *sql_fid_shown(const char *name) {
  const char *p = name && name[0] == '$' ? strchr(name, SEP) : NULL;
  return p ? p + 1 : name;
}

bool sql_fid_has_shown(const char *name) { return name && name[0] == '$' && strchr(name, SEP); }

bool sql_fid_print_call(strom_buf *b, const sql_expr *e, const sql_col *cols) {
  if (e->op == SQL_E_FUNC && e->fn && !strcmp(e->fn->name, "ROW") && e->type.kind == SQL_K_ROWV && e->aux == 1 && e->n >= 1) {
    strom__buf_printf(b, "ROW("); /* without the packed value's NULL marker, its first argument */
    for (int i = 1; i < e->n; i++) {
      if (i > 1) strom__buf_append(b, ", ", 2);
      sql_expr_print(b, e->a[i], cols);
    }
    strom__buf_append(b, ")", 1);
    return true;
  }
  if (e->op != SQL_E_FUNC || !e->fn || strcmp(e->fn->name, "$FIELD") || e->n != 1 || e->a[0]->type.kind != SQL_K_ROWV)
    return false;
  sql_expr_print(b, e->a[0], cols);
  strom__buf_printf(b, ".%s", sql_rowv_fname(&e->a[0]->type, (int)e->aux));
  return true;
}
