/*
 * sort_bind.c -- ORDER BY, LIMIT and OFFSET of a query, as Flink plans them:
 *
 * - batch mode: a SORT node (sort_plan.c) that sorts every row at the end of input on
 *   any keys (ASC/DESC; NULLs sort as the smallest value unless NULLS FIRST/LAST says
 *   otherwise) and emits rows offset+1 .. offset+limit; without ORDER BY, LIMIT keeps
 *   the first rows to arrive.
 * - streaming, ORDER BY without LIMIT/OFFSET: the first key must be a time attribute,
 *   ascending (Flink's temporal sort): a SORT node emitting rows in order as the
 *   watermark passes them (a rowtime) or as the clock moves on (a PROCTIME()); any
 *   other ORDER BY is refused, saying why.
 * - streaming, LIMIT n [OFFSET m]: a Top-N over the whole input (rank_topn.c with no
 *   partition key, one subtask), an updating result; without ORDER BY it keeps the
 *   first rows and only appends.
 *
 * A sort key of a SELECT that names no output column (`SELECT k FROM t ORDER BY v`)
 * is added to the select list as a hidden item, sorted on, and projected away after
 * the sort (not under SELECT DISTINCT, where it would change the rows).
 */
#include <stdlib.h>

#include "batch.h"
#include "rank.h"

static void *fail(char *err, size_t errlen, const sql_node *n, const char *msg) {
  if (n) snprintf(err, errlen, "line %d, column %d: %s", n->line, n->col, msg);
  else snprintf(err, errlen, "%s", msg);
  return NULL;
}

static const sql_node *kid(const sql_node *n, sql_kind k) {
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind == k) return n->kids[i];
  return NULL;
}

sql_node *sql_sort_strip(sql_arena *a, const sql_node *q) {
  sql_node *c = sql_arena_alloc(a, sizeof *c);
  sql_node **kids = sql_arena_alloc(a, sizeof *kids * (size_t)(q->nkids ? q->nkids : 1));
  if (!c || !kids) return NULL;
  *c = *q;
  c->kids = kids, c->nkids = 0, c->cap = q->nkids;
  for (int i = 0; i < q->nkids; i++) {
    sql_kind k = q->kids[i]->kind;
    if (k != SQL_ORDER_BY && k != SQL_LIMIT && k != SQL_OFFSET) kids[c->nkids++] = q->kids[i];
  }
  return c;
}

/* LIMIT's or OFFSET's count: a non-negative integer literal. */
static bool count_of(sql_session *s, sql_arena *a, const sql_node *n, int64_t *v, char *err, size_t errlen) {
  sql_expr *e = sql_bind_expr(s, a, NULL, 0, n->kids[0], err, errlen);
  if (!e) return false;
  if (e->op == SQL_E_CAST && e->n == 1) e = e->a[0];
  if (e->op != SQL_E_LIT || e->lit.null || (e->type.id != STROM_INT && e->type.id != STROM_BIGINT) || e->lit.i < 0) {
    char m[96];
    snprintf(m, sizeof m, "%s needs a non-negative integer literal", n->kind == SQL_LIMIT ? "LIMIT" : "OFFSET");
    fail(err, errlen, n, m);
    return false;
  }
  *v = e->lit.i;
  return true;
}

/* Streaming LIMIT: ROW_NUMBER() OVER (ORDER BY keys) <= offset + limit, the row number
 * not selected. */
static sql_plan *topn(sql_arena *a, sql_plan *in, const sql_sort *st) {
  sql_over *o = sql_arena_alloc(a, sizeof *o);
  sql_plan *p = sql_arena_alloc(a, sizeof *p), *c = sql_arena_alloc(a, sizeof *c);
  sql_col *cols = sql_arena_alloc(a, sizeof *cols * (size_t)(in->ncols + 1));
  sql_expr **ex = sql_arena_alloc(a, sizeof *ex * (size_t)(in->ncols ? in->ncols : 1));
  if (!o || !p || !c || !cols || !ex) return NULL;
  *o = (sql_over){.part = NULL, .norder = st->n, .order = st->keys, .desc = st->desc, .nulls_first = st->nulls_first,
                  .rank = true, .limit = st->offset + st->limit, .start = st->offset + 1, .wend_col = -1,
                  .time_col = -1, .preceding = -1, .text = "ORDER BY"};
  if (in->ncols) memcpy(cols, in->cols, sizeof *cols * (size_t)in->ncols);
  cols[in->ncols] = (sql_col){.name = "$row_number", .type = {.id = STROM_BIGINT, .not_null = true}, .hidden = true};
  /* with no order a row never leaves the top N: it only appends */
  bool changes = st->n > 0 || in->changelog;
  *p = (sql_plan){.kind = SQL_P_OVER, .ncols = in->ncols + 1, .cols = cols, .in = in, .changelog = changes,
                  .time_col = in->time_col, .over = o};
  for (int i = 0; i < in->ncols; i++) {
    if (!(ex[i] = sql_arena_alloc(a, sizeof *ex[i]))) return NULL;
    *ex[i] = (sql_expr){.op = SQL_E_COL, .col = i, .type = in->cols[i].type};
  }
  *c = (sql_plan){.kind = SQL_P_CALC, .ncols = in->ncols, .cols = in->cols, .in = p, .exprs = ex, .changelog = changes,
                  .time_col = in->time_col};
  return c;
}

/* The sort of in; key i is column extra[i] of in when extra && extra[i] >= 0, else
 * bound over in's columns. */
static sql_plan *sort_over(sql_session *s, sql_arena *a, sql_plan *in, const sql_node *q, const int *extra, char *err,
                           size_t errlen) {
  const sql_node *ob = kid(q, SQL_ORDER_BY), *lim = kid(q, SQL_LIMIT), *off = kid(q, SQL_OFFSET);
  bool batch = s && s->batch;
  sql_sort *st = sql_arena_alloc(a, sizeof *st);
  if (!st) return fail(err, errlen, NULL, "out of memory");
  int n = ob ? ob->nkids : 0;
  *st = (sql_sort){.mode = SQL_SORT_BATCH, .n = n, .limit = -1};
  st->keys = sql_arena_alloc(a, sizeof *st->keys * (size_t)(n + 1));
  st->desc = sql_arena_alloc(a, sizeof(bool) * (size_t)(n + 1));
  st->nulls_first = sql_arena_alloc(a, sizeof(bool) * (size_t)(n + 1));
  if (!st->keys || !st->desc || !st->nulls_first) return fail(err, errlen, NULL, "out of memory");
  for (int i = 0; i < n; i++) {
    const sql_node *k = ob->kids[i];
    unsigned fl = k->kind == SQL_SORT ? k->flags : 0;
    if (k->kind == SQL_SORT) k = k->kids[0];
    if (k->kind == SQL_NUMBER && strspn(k->text, "0123456789") == strlen(k->text)) { /* ORDER BY 2: a position */
      long pos = strtol(k->text, NULL, 10);
      if (pos < 1 || pos > in->ncols) {
        char m[96];
        snprintf(m, sizeof m, "ORDER BY position %s is not in the select list (1..%d)", k->text, in->ncols);
        return fail(err, errlen, k, m);
      }
      if (!(st->keys[i] = sql_arena_alloc(a, sizeof *st->keys[i]))) return fail(err, errlen, NULL, "out of memory");
      *st->keys[i] = (sql_expr){.op = SQL_E_COL, .col = (int)pos - 1, .type = in->cols[pos - 1].type};
    } else if (extra && extra[i] >= 0) {
      if (!(st->keys[i] = sql_arena_alloc(a, sizeof *st->keys[i]))) return fail(err, errlen, NULL, "out of memory");
      *st->keys[i] = (sql_expr){.op = SQL_E_COL, .col = extra[i], .type = in->cols[extra[i]].type};
    } else if (!(st->keys[i] = sql_bind_expr(s, a, in->cols, in->ncols, k, err, errlen))) {
      return NULL;
    }
    st->desc[i] = fl & SQL_F(DESC);
    /* Flink sorts NULL as the smallest value unless told otherwise */
    st->nulls_first[i] = (fl & SQL_F(NULLS_FIRST)) ? true : (fl & SQL_F(NULLS_LAST)) ? false : !st->desc[i];
  }
  if (lim && !count_of(s, a, lim, &st->limit, err, errlen)) return NULL;
  if (off && !count_of(s, a, off, &st->offset, err, errlen)) return NULL;
  if (st->limit > INT64_MAX / 2 || st->offset > INT64_MAX / 2) return fail(err, errlen, lim ? lim : off, "LIMIT or OFFSET is too large");
  if (!batch && lim) {
    if (st->limit == 0) { /* nothing: a filter that passes no row */
      sql_plan *f = sql_arena_alloc(a, sizeof *f);
      sql_expr *no = sql_arena_alloc(a, sizeof *no);
      if (!f || !no) return fail(err, errlen, NULL, "out of memory");
      *no = (sql_expr){.op = SQL_E_LIT, .type = {.id = STROM_BOOLEAN}};
      *f = (sql_plan){.kind = SQL_P_CALC, .ncols = in->ncols, .cols = in->cols, .in = in, .cond = no,
                      .changelog = in->changelog, .time_col = in->time_col};
      return f;
    }
    sql_plan *p = topn(a, in, st);
    return p ? p : fail(err, errlen, NULL, "out of memory");
  }
  if (!batch) {
    if (off) return fail(err, errlen, off, "not supported in streaming mode: OFFSET without LIMIT (set 'execution.runtime-mode' = 'batch' for a bounded input)");
    const sql_expr *k0 = st->keys[0];
    bool proc = k0->op == SQL_E_COL && in->cols[k0->col].proctime;
    if (k0->op != SQL_E_COL || !(in->cols[k0->col].rowtime || proc) || st->desc[0])
      return fail(err, errlen, ob,
                  "in streaming mode, ORDER BY must start with a time attribute in ascending order (rows are "
                  "sorted as the watermark or the clock passes them); ORDER BY ... LIMIT n is a Top-N, and batch mode ('execution.runtime-mode' = "
                  "'batch') sorts a bounded input on any columns");
    if (in->changelog)
      return fail(err, errlen, ob, "not supported yet: ORDER BY on a time attribute over an updating input");
    st->mode = proc ? SQL_SORT_PROCTIME : SQL_SORT_TIME;
  }
  sql_plan *p = sql_arena_alloc(a, sizeof *p);
  sql_col *cols = sql_arena_alloc(a, sizeof *cols * (size_t)(in->ncols ? in->ncols : 1));
  if (!p || !cols) return fail(err, errlen, NULL, "out of memory");
  if (in->ncols) memcpy(cols, in->cols, sizeof *cols * (size_t)in->ncols);
  *p = (sql_plan){.kind = SQL_P_SORT, .ncols = in->ncols, .cols = cols, .in = in, .changelog = in->changelog,
                  .time_col = in->time_col, .sort = st};
  return p;
}

sql_plan *sql_sort_bind(sql_session *s, sql_arena *a, sql_plan *in, const sql_node *q, char *err, size_t errlen) {
  return sort_over(s, a, in, q, NULL, err, errlen);
}

static sql_node *new_node(sql_arena *a, sql_kind k, const sql_node *at, const char *text, int nkids) {
  sql_node *n = sql_arena_alloc(a, sizeof *n);
  sql_node **kids = sql_arena_alloc(a, sizeof *kids * (size_t)(nkids ? nkids : 1));
  if (!n || !kids) return NULL;
  *n = (sql_node){.kind = k, .line = at->line, .col = at->col, .text = text, .p = -1, .s = -1, .cap = nkids, .kids = kids};
  return n;
}

sql_plan *sql_sort_select(sql_session *s, sql_arena *a, const sql_node *sel, sql_plan *(*bind)(void *, const sql_node *),
                          void *ctx, char *err, size_t errlen) {
  const sql_node *ob = kid(sel, SQL_ORDER_BY);
  sql_node *bare = sql_sort_strip(a, sel);
  if (!bare) return fail(err, errlen, NULL, "out of memory");
  sql_plan *in = bind(ctx, bare);
  if (!in) return NULL;
  if (!ob || (sel->flags & SQL_F(DISTINCT))) return sort_over(s, a, in, sel, NULL, err, errlen);
  /* the keys that name no output column become hidden items */
  int *extra = sql_arena_alloc(a, sizeof *extra * (size_t)ob->nkids), nextra = 0;
  if (!extra) return fail(err, errlen, NULL, "out of memory");
  for (int i = 0; i < ob->nkids; i++) {
    const sql_node *k = ob->kids[i]->kind == SQL_SORT ? ob->kids[i]->kids[0] : ob->kids[i];
    extra[i] = -1;
    if (sql_bind_expr(s, a, in->cols, in->ncols, k, err, errlen)) continue;
    err[0] = 0;
    extra[i] = in->ncols + nextra++;
  }
  if (!nextra) return sort_over(s, a, in, sel, NULL, err, errlen);
  const sql_node *items = kid(bare, SQL_ITEMS);
  sql_node *wide_items = items ? new_node(a, SQL_ITEMS, items, NULL, items->nkids + nextra) : NULL;
  if (!wide_items) return fail(err, errlen, NULL, "out of memory");
  for (int i = 0; i < items->nkids; i++) wide_items->kids[wide_items->nkids++] = items->kids[i];
  for (int i = 0; i < ob->nkids; i++) {
    if (extra[i] < 0) continue;
    const sql_node *k = ob->kids[i]->kind == SQL_SORT ? ob->kids[i]->kids[0] : ob->kids[i];
    char *name = sql_arena_alloc(a, 24);
    /* a column keeps its name (EXPLAIN shows it), an expression gets one */
    if (name) snprintf(name, 24, "$sort%d", i);
    const char *nm = k->kind == SQL_ID ? k->text : name;
    sql_node *as = new_node(a, SQL_AS, k, NULL, 2), *id = nm ? new_node(a, SQL_ID, k, nm, 0) : NULL;
    if (!as || !id) return fail(err, errlen, NULL, "out of memory");
    as->kids[0] = (sql_node *)k, as->kids[1] = id, as->nkids = 2;
    wide_items->kids[wide_items->nkids++] = as;
  }
  for (int i = 0; i < bare->nkids; i++)
    if (bare->kids[i] == items) bare->kids[i] = wide_items;
  sql_plan *w = bind(ctx, bare);
  if (!w) return NULL;
  for (int i = in->ncols; i < w->ncols; i++) w->cols[i].hidden = true;
  sql_plan *sorted = sort_over(s, a, w, sel, extra, err, errlen);
  if (!sorted) return NULL;
  /* project the hidden keys away */
  sql_plan *c = sql_arena_alloc(a, sizeof *c);
  sql_expr **ex = sql_arena_alloc(a, sizeof *ex * (size_t)(in->ncols ? in->ncols : 1));
  if (!c || !ex) return fail(err, errlen, NULL, "out of memory");
  for (int i = 0; i < in->ncols; i++) {
    if (!(ex[i] = sql_arena_alloc(a, sizeof *ex[i]))) return fail(err, errlen, NULL, "out of memory");
    *ex[i] = (sql_expr){.op = SQL_E_COL, .col = i, .type = w->cols[i].type};
  }
  *c = (sql_plan){.kind = SQL_P_CALC, .ncols = in->ncols, .cols = sorted->cols, .in = sorted, .exprs = ex,
                  .changelog = sorted->changelog, .time_col = sorted->time_col < in->ncols ? sorted->time_col : -1};
  return c;
}
