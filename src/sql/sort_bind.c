/*
 * sort_bind.c -- ORDER BY, LIMIT and OFFSET of a query, as Flink plans them:
 *
 * - batch mode: a SORT node (sort_plan.c) that sorts every row at the end of input on
 *   any keys (ASC/DESC; NULLs sort as the smallest value unless NULLS FIRST/LAST says
 *   otherwise) and emits rows offset+1 .. offset+limit; without ORDER BY, LIMIT keeps
 *   the first rows to arrive.
 * - streaming, ORDER BY without LIMIT/OFFSET: the first key must be a time attribute,
 *   ascending (Flink's temporal sort): a SORT node emitting rows in order as the
 *   watermark passes them; any other ORDER BY is refused, saying why.
 * - streaming, LIMIT n [OFFSET m]: a Top-N over the whole input (rank_topn.c with no
 *   partition key, one subtask), an updating result; without ORDER BY it keeps the
 *   first rows and only appends.
 */
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

sql_plan *sql_sort_bind(sql_session *s, sql_arena *a, sql_plan *in, const sql_node *q, char *err, size_t errlen) {
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
    if (!(st->keys[i] = sql_bind_expr(s, a, in->cols, in->ncols, k, err, errlen))) return NULL;
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
    if (k0->op != SQL_E_COL || !in->cols[k0->col].rowtime || st->desc[0])
      return fail(err, errlen, ob,
                  "in streaming mode, ORDER BY must start with a time attribute in ascending order (a sort on "
                  "watermarks); ORDER BY ... LIMIT n is a Top-N, and batch mode ('execution.runtime-mode' = "
                  "'batch') sorts a bounded input on any columns");
    if (in->changelog)
      return fail(err, errlen, ob, "not supported yet: ORDER BY on a time attribute over an updating input");
    st->mode = SQL_SORT_TIME;
  }
  sql_plan *p = sql_arena_alloc(a, sizeof *p);
  sql_col *cols = sql_arena_alloc(a, sizeof *cols * (size_t)(in->ncols ? in->ncols : 1));
  if (!p || !cols) return fail(err, errlen, NULL, "out of memory");
  if (in->ncols) memcpy(cols, in->cols, sizeof *cols * (size_t)in->ncols);
  *p = (sql_plan){.kind = SQL_P_SORT, .ncols = in->ncols, .cols = cols, .in = in, .changelog = in->changelog,
                  .time_col = in->time_col, .sort = st};
  return p;
}
