/*
 * ctas.c -- CREATE TABLE ... AS query (Flink 1.16's CTAS) and [CREATE OR] REPLACE TABLE
 * ... AS query (Flink 1.19's RTAS): the statement is a CREATE TABLE whose columns are the
 * query's (names, types, nullability; a time attribute becomes a plain timestamp, as the
 * table has no watermark) and whose options are its WITH's, then an INSERT of the query
 * into it.  session.c creates the table at once and queues the INSERT with the others
 * (in a statement set, it is one of them).  What Flink 1.19 refuses in the CREATE part
 * (TEMPORARY, explicit columns, a watermark, PARTITIONED BY, a primary key) is refused
 * here with Flink's messages.
 */
#include "hint.h"
#include "parser.h"

static const sql_node *kid(const sql_node *n, sql_kind k) {
  for (int i = 1; i < n->nkids; i++)
    if (n->kids[i]->kind == k) return n->kids[i];
  return NULL;
}

bool sql_ctas_is(const sql_node *n) {
  return n->kind == SQL_CREATE_TABLE && n->nkids && n->kids[n->nkids - 1]->kind == SQL_SUBQUERY;
}

int sql_ctas_check(const sql_node *n, char *err, size_t errlen) {
  const char *what = n->flags & SQL_F(OR_REPLACE) ? "CREATE OR REPLACE TABLE AS SELECT"
                     : n->flags & SQL_F(REPLACE)  ? "REPLACE TABLE AS SELECT"
                                                  : "CREATE TABLE AS SELECT";
  bool rtas = n->flags & (SQL_F(REPLACE) | SQL_F(OR_REPLACE));
  const char *m = NULL;
  const sql_node *cols = n->kids[1];
  bool wm = false, pk = false, col = false;
  for (int i = 0; i < cols->nkids; i++) {
    const sql_node *c = cols->kids[i];
    if (c->kind == SQL_WATERMARK) wm = true;
    else if (c->kind == SQL_PRIMARY_KEY) pk = true;
    else col = true, pk |= (c->flags & SQL_F(PRIMARY_KEY)) != 0;
  }
  if (n->flags & SQL_F(TEMPORARY)) m = rtas ? "does not support temporary table yet." : "does not support to create temporary table yet.";
  else if (rtas && (n->flags & SQL_F(IF_NOT_EXISTS))) m = "does not support IF NOT EXISTS statements.";
  else if (col) m = "does not support to specify explicit columns yet.";
  else if (wm) m = "does not support to specify explicit watermark yet.";
  else if (kid(n, SQL_PARTITIONED_BY)) m = "does not support to create partitioned table yet.";
  else if (pk) m = "does not support primary key constraints yet.";
  if (!m) return STROM_OK;
  snprintf(err, errlen, "line %d, column %d: %s syntax %s", n->line, n->col, what, m);
  return STROM_EINVAL;
}

/* Every node of a tree made from generated text at the statement's AS, so an error in
 * it points into the statement. */
static void relocate(sql_node *n, int line, int col) {
  n->line = line, n->col = col;
  for (int i = 0; i < n->nkids; i++) relocate(n->kids[i], line, col);
}

int sql_ctas_build(sql_session *s, sql_arena *a, const sql_node *n, sql_node **create, sql_node **insert, char *err,
                   size_t errlen) {
  const sql_node *as = n->kids[n->nkids - 1], *q = as->kids[0];
  sql_arena scratch = {0};
  sql_plan *p = sql_bind_query(s, &scratch, q, err, errlen);
  strom_buf t = {0};
  int rc = p ? STROM_OK : STROM_EINVAL;
  if (!rc && !p->ncols) rc = STROM_EINVAL, snprintf(err, errlen, "the query has no columns");
  strom__buf_printf(&t, "CREATE TABLE t (");
  for (int i = 0, k = 0; !rc && i < p->ncols; i++) {
    const sql_col *c = &p->cols[i];
    if (c->hidden) continue;
    if (strchr(c->name, '.')) { /* a flattened ROW column (types_row.c) */
      snprintf(err, errlen, "line %d, column %d: not supported: CREATE TABLE AS SELECT of a ROW column ('%s')", q->line, q->col, c->name);
      rc = STROM_EINVAL;
      break;
    }
    char ty[256];
    sql_type_name(&c->type, ty, sizeof ty);
    strom__buf_printf(&t, "%s`", k++ ? ", " : "");
    for (const char *ch = c->name; *ch; ch++) strom__buf_printf(&t, *ch == '`' ? "``" : "%c", *ch);
    strom__buf_printf(&t, "` %s", ty);
  }
  strom__buf_printf(&t, ")");
  sql_arena_free(&scratch);
  sql_node *gen = NULL;
  if (!rc) {
    char perr[512];
    gen = sql_parse_statement(a, t.p, t.len, NULL, 0, perr, sizeof perr);
    if (!gen) snprintf(err, errlen, "line %d, column %d: the query's column types cannot be declared (%s)", q->line, q->col, perr), rc = STROM_EINVAL;
  }
  strom__buf_free(&t);
  if (rc) return rc;
  relocate(gen->kids[1], as->line, as->col);
  const sql_node *com = kid(n, SQL_COMMENT), *with = kid(n, SQL_WITH_OPTIONS);
  sql_node *c = sql_node_new(a, SQL_CREATE_TABLE, n, NULL, 2 + (com != NULL) + (with != NULL));
  sql_node *ins = sql_node_new(a, SQL_INSERT, n, NULL, 2);
  if (!c || !ins) return snprintf(err, errlen, "out of memory"), STROM_ENOMEM;
  c->flags = n->flags & SQL_F(IF_NOT_EXISTS);
  int k = 0;
  c->kids[k++] = n->kids[0], c->kids[k++] = gen->kids[1];
  if (com) c->kids[k++] = (sql_node *)com;
  if (with) c->kids[k++] = (sql_node *)with;
  ins->kids[0] = n->kids[0], ins->kids[1] = (sql_node *)q;
  *create = c, *insert = ins;
  return STROM_OK;
}
