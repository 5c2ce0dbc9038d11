/*
 * catalog_show.c -- the SHOW statements that print a table's definition or a list of
 * functions: SHOW CREATE TABLE / VIEW in Flink's text form (ShowCreateUtil: quoted
 * identifiers, types in their serializable form, options sorted), SHOW COLUMNS [LIKE],
 * SHOW [USER] FUNCTIONS [LIKE].  A table's definition is read back from its CREATE TABLE
 * syntax tree (which the session keeps) and its current name and options; expressions
 * (computed columns, the watermark) are written back as SQL by a small printer here.
 * A view prints its query as it was written (Flink prints its expanded query).
 */
#include <strings.h>

#include "sql_int.h"

/* ---- SQL text of syntax trees ---- */

static _Thread_local bool plain_ids; /* EXPLAIN's text (sql_show_expr_plain): names as they are */

static void ident(strom_buf *b, const char *s) {
  if (plain_ids) {
    strom__buf_printf(b, "%s", s);
    return;
  }
  strom__buf_printf(b, "`");
  for (; *s; s++) strom__buf_printf(b, *s == '`' ? "``" : "%c", *s);
  strom__buf_printf(b, "`");
}

static void quoted(strom_buf *b, const char *s) {
  strom__buf_printf(b, "'");
  for (; *s; s++) strom__buf_printf(b, *s == '\'' ? "''" : "%c", *s);
  strom__buf_printf(b, "'");
}

/* A TYPE node in Flink's serializable form (LogicalType.asSerializableString). */
static void type_sql(strom_buf *b, const sql_node *t) {
  const char *n = t->text ? t->text : "?";
  if (!strcmp(n, "STRING")) strom__buf_printf(b, "VARCHAR(2147483647)");
  else if (!strcmp(n, "BYTES")) strom__buf_printf(b, "VARBINARY(2147483647)");
  else if (!strcmp(n, "DECIMAL")) strom__buf_printf(b, "DECIMAL(%d, %d)", t->p >= 0 ? t->p : 10, t->s >= 0 ? t->s : 0);
  else if (!strcmp(n, "CHAR") || !strcmp(n, "VARCHAR") || !strcmp(n, "BINARY") || !strcmp(n, "VARBINARY"))
    strom__buf_printf(b, "%s(%d)", n, t->p >= 0 ? t->p : 1);
  else if (!strcmp(n, "TIME")) strom__buf_printf(b, "TIME(%d)", t->p >= 0 ? t->p : 0);
  else if (!strcmp(n, "TIMESTAMP")) strom__buf_printf(b, "TIMESTAMP(%d)", t->p >= 0 ? t->p : 6);
  else if (!strcmp(n, "TIMESTAMP_LTZ")) strom__buf_printf(b, "TIMESTAMP(%d) WITH LOCAL TIME ZONE", t->p >= 0 ? t->p : 6);
  else if ((!strcmp(n, "ARRAY") || !strcmp(n, "MULTISET")) && t->nkids == 1) {
    strom__buf_printf(b, "%s<", n);
    type_sql(b, t->kids[0]);
    strom__buf_printf(b, ">");
  } else if (!strcmp(n, "MAP") && t->nkids == 2) {
    strom__buf_printf(b, "MAP<");
    type_sql(b, t->kids[0]);
    strom__buf_printf(b, ", ");
    type_sql(b, t->kids[1]);
    strom__buf_printf(b, ">");
  } else if (!strcmp(n, "ROW")) {
    strom__buf_printf(b, "ROW<");
    for (int i = 0; i < t->nkids; i++) {
      const sql_node *f = t->kids[i];
      strom__buf_printf(b, "%s", i ? ", " : "");
      ident(b, f->kids[0]->text);
      strom__buf_printf(b, " ");
      type_sql(b, f->kids[1]);
      if (f->nkids > 2 && f->kids[2]->text) strom__buf_printf(b, " "), quoted(b, f->kids[2]->text);
    }
    strom__buf_printf(b, ">");
  } else strom__buf_printf(b, "%s", n);
  if (t->flags & SQL_F(NOT_NULL)) strom__buf_printf(b, " NOT NULL");
}

static const struct {
  const char *op, *sql;
  int prec;
} ops[] = {{"or", "OR", 1},        {"and", "AND", 2},         {"=", "=", 4},          {"<>", "<>", 4},
           {"<", "<", 4},          {">", ">", 4},             {"<=", "<=", 4},        {">=", ">=", 4},
           {"like", "LIKE", 4},    {"not-like", "NOT LIKE", 4}, {"is-distinct-from", "IS DISTINCT FROM", 4},
           {"is-not-distinct-from", "IS NOT DISTINCT FROM", 4}, {"+", "+", 5}, {"-", "-", 5},
           {"||", "||", 5},        {"*", "*", 6},             {"/", "/", 6},          {"%", "%", 6}};

static int op_prec(const sql_node *n) {
  if (n->kind != SQL_OP) return 9;
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
    if (!strcmp(ops[i].op, n->text)) return n->nkids == 2 ? ops[i].prec : 9;
  if (!strcmp(n->text, "not")) return 3;
  if (!strcmp(n->text, "neg")) return 7;
  return 4; /* IS NULL, BETWEEN, IN */
}

static void expr_sql(strom_buf *b, const sql_node *n);

static void operand(strom_buf *b, const sql_node *n, int prec, bool right) {
  int p = op_prec(n);
  bool paren = p < prec || (right && p == prec);
  strom__buf_printf(b, paren ? "(" : "");
  expr_sql(b, n);
  strom__buf_printf(b, paren ? ")" : "");
}

void sql_show_expr(strom_buf *b, const sql_node *n) { expr_sql(b, n); }

void sql_show_expr_plain(strom_buf *b, const sql_node *n) {
  plain_ids = true;
  expr_sql(b, n);
  plain_ids = false;
}

static void expr_sql(strom_buf *b, const sql_node *n) {
  switch (n->kind) {
    case SQL_ID: ident(b, n->text); return;
    case SQL_FIELD:
      expr_sql(b, n->kids[0]);
      strom__buf_printf(b, ".");
      ident(b, n->text);
      return;
    case SQL_NUMBER: strom__buf_printf(b, "%s", n->text); return;
    case SQL_STRING: quoted(b, n->text); return;
    case SQL_KEYWORD: strom__buf_printf(b, "%s", n->text); return;
    case SQL_TYPED_LITERAL:
      strom__buf_printf(b, "%s ", n->text);
      quoted(b, n->kids[0]->text);
      return;
    case SQL_INTERVAL:
      strom__buf_printf(b, "INTERVAL ");
      quoted(b, n->kids[0]->text);
      strom__buf_printf(b, " %s", n->text);
      return;
    case SQL_CAST:
      strom__buf_printf(b, "%s(", n->flags & SQL_F(TRY) ? "TRY_CAST" : "CAST");
      expr_sql(b, n->kids[0]);
      strom__buf_printf(b, " AS ");
      type_sql(b, n->kids[1]);
      strom__buf_printf(b, ")");
      return;
    case SQL_CALL: {
      bool brackets = !strcmp(n->text, "ARRAY") || !strcmp(n->text, "MAP"); /* constructors: ARRAY[1, 2] */
      bool unit = !strcasecmp(n->text, "TIMESTAMPADD") || !strcasecmp(n->text, "TIMESTAMPDIFF");
      if (!strcasecmp(n->text, "EXTRACT") && n->nkids == 2) {
        strom__buf_printf(b, "EXTRACT(%s FROM ", n->kids[0]->text);
        expr_sql(b, n->kids[1]);
        strom__buf_printf(b, ")");
        return;
      }
      strom__buf_printf(b, "%s%s%s", n->text, brackets ? "[" : "(", n->flags & SQL_F(DISTINCT) ? "DISTINCT " : "");
      for (int i = 0; i < n->nkids; i++) {
        if (n->kids[i]->kind == SQL_FILTER || n->kids[i]->kind == SQL_OVER) break;
        strom__buf_printf(b, "%s", i ? ", " : "");
        if (n->kids[i]->kind == SQL_STAR) strom__buf_printf(b, "*");
        else if (i == 0 && unit && n->kids[0]->kind == SQL_ID) strom__buf_printf(b, "%s", n->kids[0]->text); /* the unit word */
        else expr_sql(b, n->kids[i]);
      }
      strom__buf_printf(b, brackets ? "]" : ")");
      return;
    }
    case SQL_INDEX:
      expr_sql(b, n->kids[0]);
      strom__buf_printf(b, "[");
      expr_sql(b, n->kids[1]);
      strom__buf_printf(b, "]");
      return;
    case SQL_CASE:
      strom__buf_printf(b, "CASE");
      for (int i = 0; i < n->nkids; i++) {
        const sql_node *k = n->kids[i];
        if (k->kind == SQL_WHEN) {
          strom__buf_printf(b, " WHEN ");
          expr_sql(b, k->kids[0]);
          strom__buf_printf(b, " THEN ");
          expr_sql(b, k->kids[1]);
        } else if (k->kind == SQL_ELSE) {
          strom__buf_printf(b, " ELSE ");
          expr_sql(b, k->kids[0]);
        } else {
          strom__buf_printf(b, " ");
          expr_sql(b, k);
        }
      }
      strom__buf_printf(b, " END");
      return;
    case SQL_OP: {
      int p = op_prec(n);
      for (size_t i = 0; i < sizeof ops / sizeof *ops && n->nkids == 2; i++)
        if (!strcmp(ops[i].op, n->text)) {
          operand(b, n->kids[0], p, false);
          strom__buf_printf(b, " %s ", ops[i].sql);
          operand(b, n->kids[1], p, true);
          return;
        }
      if (!strcmp(n->text, "neg") || !strcmp(n->text, "not")) {
        strom__buf_printf(b, "%s", n->text[0] == 'n' && n->text[1] == 'e' ? "-" : "NOT ");
        operand(b, n->kids[0], p, false);
        return;
      }
      if (!strncmp(n->text, "is-", 3) && n->nkids == 1) {
        operand(b, n->kids[0], 5, false);
        strom__buf_printf(b, " IS");
        for (const char *c = n->text + 2; *c; c++) strom__buf_printf(b, "%c", *c == '-' ? ' ' : (char)(*c - 32));
        return;
      }
      if ((!strcmp(n->text, "between") || !strcmp(n->text, "not-between")) && n->nkids == 3) {
        operand(b, n->kids[0], 5, false);
        strom__buf_printf(b, " %sBETWEEN ", n->text[0] == 'n' ? "NOT " : "");
        operand(b, n->kids[1], 5, false);
        strom__buf_printf(b, " AND ");
        operand(b, n->kids[2], 5, false);
        return;
      }
      if ((!strcmp(n->text, "in") || !strcmp(n->text, "not-in")) && n->nkids >= 2 && n->kids[1]->kind != SQL_SELECT) {
        operand(b, n->kids[0], 5, false);
        strom__buf_printf(b, " %sIN (", n->text[0] == 'n' ? "NOT " : "");
        for (int i = 1; i < n->nkids; i++) {
          strom__buf_printf(b, "%s", i > 1 ? ", " : "");
          expr_sql(b, n->kids[i]);
        }
        strom__buf_printf(b, ")");
        return;
      }
      break;
    }
    case SQL_ROW:
      strom__buf_printf(b, "ROW(");
      for (int i = 0; i < n->nkids; i++) {
        strom__buf_printf(b, "%s", i ? ", " : "");
        expr_sql(b, n->kids[i]);
      }
      strom__buf_printf(b, ")");
      return;
    default: break;
  }
  sql_print(n, b); /* a form this printer does not know: its S-expression */
}

/* ---- SHOW CREATE TABLE / VIEW ---- */

static void full_name(strom_buf *b, const sql_table *t) {
  ident(b, t->catalog ? t->catalog : "default_catalog");
  strom__buf_printf(b, ".");
  ident(b, t->database ? t->database : "default_database");
  strom__buf_printf(b, ".");
  ident(b, t->name);
}

static int cmp_keys(const void *a, const void *b) {
  return strcmp(**(const char *const *const *)a, **(const char *const *const *)b);
}

void sql_show_create(strom_buf *b, const sql_table *t) {
  strom__buf_printf(b, "CREATE TABLE ");
  full_name(b, t);
  strom__buf_printf(b, " (\n");
  const sql_node *cols = t->ddl ? t->ddl->kids[1] : NULL, *wm = NULL, *pk = NULL;
  bool first = true;
  for (int i = 0; cols && i < cols->nkids; i++) {
    const sql_node *c = cols->kids[i];
    if (c->kind == SQL_WATERMARK) wm = c;
    if (c->kind == SQL_PRIMARY_KEY) pk = c;
    if (c->kind != SQL_COLUMN && c->kind != SQL_COMPUTED && c->kind != SQL_METADATA) continue;
    strom__buf_printf(b, "%s  ", first ? "" : ",\n");
    first = false;
    ident(b, c->kids[0]->text);
    strom__buf_printf(b, " ");
    const sql_node *com = NULL;
    if (c->kind == SQL_COMPUTED) {
      strom__buf_printf(b, "AS ");
      expr_sql(b, c->kids[1]);
    } else {
      type_sql(b, c->kids[1]);
      bool key = (c->flags & SQL_F(PRIMARY_KEY)) != 0; /* Flink's key columns are NOT NULL */
      for (int k = 0; k < t->npk; k++) key |= !strcmp(t->pk[k], c->kids[0]->text);
      if (key && !(c->kids[1]->flags & SQL_F(NOT_NULL))) strom__buf_printf(b, " NOT NULL");
      if (c->kind == SQL_METADATA) {
        strom__buf_printf(b, " METADATA");
        if (c->nkids > 2 && c->kids[2]->kind == SQL_STRING) strom__buf_printf(b, " FROM "), quoted(b, c->kids[2]->text);
        if (c->flags & SQL_F(VIRTUAL)) strom__buf_printf(b, " VIRTUAL");
      }
    }
    for (int k = 2; k < c->nkids; k++)
      if (c->kids[k]->kind == SQL_COMMENT) com = c->kids[k];
    if (com) strom__buf_printf(b, " COMMENT "), quoted(b, com->kids[0]->text);
  }
  if (wm) {
    strom__buf_printf(b, ",\n  WATERMARK FOR ");
    ident(b, wm->kids[0]->text);
    strom__buf_printf(b, " AS ");
    expr_sql(b, wm->kids[1]);
  }
  if (t->npk) { /* Flink names an unnamed key PK_ and its columns */
    strom__buf_printf(b, ",\n  CONSTRAINT `PK");
    for (int k = 0; k < t->npk; k++) strom__buf_printf(b, "_%s", t->pk[k]);
    strom__buf_printf(b, "` PRIMARY KEY (");
    for (int k = 0; k < t->npk; k++) strom__buf_printf(b, "%s", k ? ", " : ""), ident(b, t->pk[k]);
    strom__buf_printf(b, ") NOT ENFORCED");
  }
  (void)pk;
  strom__buf_printf(b, "\n)\n");
  if (t->comment && *t->comment->kids[0]->text) strom__buf_printf(b, "COMMENT "), quoted(b, t->comment->kids[0]->text), strom__buf_printf(b, "\n");
  if (t->partitioned_by) {
    strom__buf_printf(b, "PARTITIONED BY (");
    for (int k = 0; k < t->partitioned_by->nkids; k++)
      strom__buf_printf(b, "%s", k ? ", " : ""), ident(b, t->partitioned_by->kids[k]->text);
    strom__buf_printf(b, ")\n");
  }
  if (t->nopts) {
    const char ***order = strom__calloc((size_t)t->nopts, sizeof *order);
    if (!order) return;
    for (int k = 0; k < t->nopts; k++) order[k] = &t->keys[k];
    qsort(order, (size_t)t->nopts, sizeof *order, cmp_keys);
    strom__buf_printf(b, "WITH (\n");
    for (int k = 0; k < t->nopts; k++) {
      int i = (int)(order[k] - t->keys);
      strom__buf_printf(b, "  ");
      quoted(b, t->keys[i]);
      strom__buf_printf(b, " = ");
      quoted(b, t->vals[i]);
      strom__buf_printf(b, "%s\n", k + 1 < t->nopts ? "," : "");
    }
    strom__buf_printf(b, ")\n");
    free(order);
  }
}

static void show_create_view(strom_buf *b, const sql_session *s, const sql_table *t) {
  strom__buf_printf(b, "CREATE VIEW ");
  full_name(b, t);
  strom__buf_printf(b, " (\n");
  sql_arena a = {0};
  char err[512];
  const char *home[2];
  sql_ns_enter((sql_catalog *)&s->cat, t, home);
  sql_plan *p = sql_bind_query((sql_session *)s, &a, t->query, err, sizeof err);
  sql_ns_leave((sql_catalog *)&s->cat, home);
  int n = t->column_list ? t->column_list->nkids : p ? p->ncols : 0;
  for (int i = 0; i < n; i++) {
    strom__buf_printf(b, "%s  ", i ? ",\n" : "");
    ident(b, t->column_list ? t->column_list->kids[i]->text : p->cols[i].name);
  }
  sql_arena_free(&a);
  strom__buf_printf(b, "\n)\n");
  if (t->comment && *t->comment->kids[0]->text) strom__buf_printf(b, "COMMENT "), quoted(b, t->comment->kids[0]->text), strom__buf_printf(b, "\n");
  strom__buf_printf(b, "AS ");
  if (t->view_text) strom__buf_printf(b, "%s\n", t->view_text);
  else sql_print(t->query, b), strom__buf_printf(b, "\n");
}

/* The query of CREATE VIEW n as written: from the query's first token to the end of the
 * statement (the next ';' outside strings, quoted names and comments). */
void sql_view_text(sql_session *s, sql_table *t, const sql_node *n) {
  free(t->ctx_catalog), free(t->ctx_database), free(t->view_text);
  t->ctx_catalog = strom__strdup(sql_ns_catalog(&s->cat)), t->ctx_database = strom__strdup(sql_ns_database(&s->cat));
  t->view_text = NULL;
  for (int i = 1; i < n->nkids; i++)
    if (n->kids[i]->kind == SQL_COMMENT) t->comment = n->kids[i];
  const char *p = s->text;
  if (!p) return;
  const sql_node *q = n->kids[n->nkids - 1];
  for (int line = 1, col = 1; *p && (line < q->line || col < q->col); p++) {
    if (*p == '\n') line++, col = 1;
    else col++;
  }
  const char *e = p;
  while (*e && *e != ';') {
    if (*e == '\'' || *e == '`') {
      char c = *e++;
      while (*e && !(*e == c && e[1] != c)) e += *e == c ? 2 : 1;
      if (*e) e++;
    } else if (e[0] == '-' && e[1] == '-') {
      while (*e && *e != '\n') e++;
    } else if (e[0] == '/' && e[1] == '*') {
      const char *z = strstr(e + 2, "*/");
      e = z ? z + 2 : e + strlen(e);
    } else e++;
  }
  while (e > p && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r')) e--;
  size_t len = (size_t)(e - p);
  if ((t->view_text = strom__malloc(len + 1))) memcpy(t->view_text, p, len), t->view_text[len] = 0;
}

/* ---- SHOW COLUMNS ---- */

/* A tableau of ncols columns (Flink's SQL client form): cells[r * ncols + c]. */
void sql_print_tableau(FILE *f, const char *const *head, int ncols, char **cells, int nrows) {
  int w[8] = {0};
  for (int c = 0; c < ncols; c++) {
    w[c] = (int)strlen(head[c]);
    for (int r = 0; r < nrows; r++)
      if ((int)strlen(cells[r * ncols + c]) > w[c]) w[c] = (int)strlen(cells[r * ncols + c]);
  }
  if (!nrows) {
    fprintf(f, "Empty set\n");
    return;
  }
  strom_buf line = {0};
  for (int c = 0; c < ncols; c++) {
    strom__buf_printf(&line, "+");
    for (int i = 0; i < w[c] + 2; i++) strom__buf_printf(&line, "-");
  }
  strom__buf_printf(&line, "+");
  fprintf(f, "%s\n", line.p);
  for (int c = 0; c < ncols; c++) fprintf(f, "| %*s ", w[c], head[c]);
  fprintf(f, "|\n%s\n", line.p);
  for (int r = 0; r < nrows; r++) {
    for (int c = 0; c < ncols; c++) fprintf(f, "| %*s ", w[c], cells[r * ncols + c]);
    fprintf(f, "|\n");
  }
  fprintf(f, "%s\n%d row%s in set\n", line.p, nrows, nrows == 1 ? "" : "s");
  strom__buf_free(&line);
}

/* Flink's SHOW COLUMNS (DESCRIBE's columns): name, type, null, key, extras, watermark. */
int sql_show_columns(sql_session *s, const sql_node *n, sql_table *t) {
  sql_arena a = {0};
  char err[1024];
  const char *home[2];
  sql_ns_enter(&s->cat, t, home);
  sql_plan *p = t->view ? sql_bind_query(s, &a, t->query, err, sizeof err) : sql_bind_scan(&a, t, t->name, err, sizeof err);
  sql_ns_leave(&s->cat, home);
  if (!p) {
    sql_arena_free(&a);
    return sql_ns_err(s, n, "%s", err);
  }
  char **cells = strom__calloc((size_t)p->ncols * 6 + 1, sizeof *cells);
  int nrows = 0;
  for (int i = 0, shown = 0; cells && i < p->ncols; i++, shown++) {
    const char *name = t->view && t->column_list && shown < t->column_list->nkids ? t->column_list->kids[shown]->text : p->cols[i].name;
    size_t seg;
    int end = sql_row_group_end(p->cols, p->ncols, i, &seg);
    if (seg) { /* a ROW value's columns, one line as DESCRIBE (types_rowval.c) */
      char rn[256];
      strom_buf rt = {0};
      snprintf(rn, sizeof rn, "%.*s", (int)seg - 1, p->cols[i].name);
      if (!(t->view && t->column_list && shown < t->column_list->nkids)) name = rn;
      sql_row_type_name(&rt, p->cols, i, end, seg);
      /* nullable unless its null marker is NOT NULL: a ROW(...) constructor's, a ROW<...> NOT NULL column's */
      bool nn = !strcmp(p->cols[i].name + seg, "$") && p->cols[i].type.not_null;
      const char *row[6] = {name, rt.p ? rt.p : "ROW<>", nn ? "FALSE" : "TRUE", "", "", ""};
      if (sql_show_like(n, name)) {
        for (int c = 0; c < 6; c++) cells[nrows * 6 + c] = strom__strdup(row[c]);
        nrows++;
      }
      strom__buf_free(&rt);
      i = end - 1;
      continue;
    }
    if (!sql_show_like(n, name)) continue;
    sql_type ty = p->cols[i].type;
    bool not_null = ty.not_null;
    for (int k = 0; !t->view && k < t->npk; k++) not_null |= !strcmp(t->pk[k], name); /* as Flink's resolved schema */
    ty.not_null = false;
    char tn[512], key[256] = "", extras[600] = "", wmk[600] = "";
    sql_type_name(&ty, tn, sizeof tn);
    if (p->cols[i].proctime) snprintf(tn + strlen(tn), sizeof tn - strlen(tn), " *PROCTIME*");
    if (p->cols[i].rowtime && !t->view) snprintf(tn + strlen(tn), sizeof tn - strlen(tn), " *ROWTIME*");
    if (!t->view) {
      if (t->npk) {
        for (int k = 0; k < t->npk; k++)
          if (!strcmp(t->pk[k], name)) {
            strom_buf kb = {0};
            strom__buf_printf(&kb, "PRI(");
            for (int j = 0; j < t->npk; j++) strom__buf_printf(&kb, "%s%s", j ? ", " : "", t->pk[j]);
            strom__buf_printf(&kb, ")");
            snprintf(key, sizeof key, "%s", kb.p);
            strom__buf_free(&kb);
          }
      }
      if (i < t->ncols && t->cols[i].computed) {
        strom_buf eb = {0};
        strom__buf_printf(&eb, "AS ");
        expr_sql(&eb, t->cols[i].computed);
        snprintf(extras, sizeof extras, "%s", eb.p);
        strom__buf_free(&eb);
      } else if (i < t->ncols && t->cols[i].metadata) {
        snprintf(extras, sizeof extras, "METADATA FROM '%s'%s", t->cols[i].metadata, t->cols[i].is_virtual ? " VIRTUAL" : "");
      }
      if (i == t->wm_col && t->ddl) {
        for (int k = 0; k < t->ddl->kids[1]->nkids; k++)
          if (t->ddl->kids[1]->kids[k]->kind == SQL_WATERMARK) {
            strom_buf eb = {0};
            expr_sql(&eb, t->ddl->kids[1]->kids[k]->kids[1]);
            snprintf(wmk, sizeof wmk, "%s", eb.p);
            strom__buf_free(&eb);
          }
      }
    }
    const char *row[6] = {name, tn, not_null ? "FALSE" : "TRUE", key, extras, wmk};
    for (int c = 0; c < 6; c++) cells[nrows * 6 + c] = strom__strdup(row[c]);
    nrows++;
  }
  static const char *const head[6] = {"name", "type", "null", "key", "extras", "watermark"};
  if (cells) sql_print_tableau(s->out, head, 6, cells, nrows);
  for (int i = 0; cells && i < nrows * 6; i++) free(cells[i]);
  free(cells);
  sql_arena_free(&a);
  return cells ? STROM_OK : STROM_ENOMEM;
}

/* ---- SHOW [USER] FUNCTIONS ---- */

static int cmp_str(const void *a, const void *b) { return strcasecmp(*(const char *const *)a, *(const char *const *)b); }

static int show_functions(sql_session *s, const sql_node *n, bool user) {
  strom_buf b = {0};
  if (!user) {
    sql_func_list(&b);
    /* the aggregates (aggregates.c, agg_more.c, agg_json.c, agg_percentile.c) and the OVER functions */
    strom__buf_printf(&b, " COUNT SUM MIN MAX AVG STDDEV_POP STDDEV_SAMP STDDEV VAR_POP VAR_SAMP VARIANCE LISTAGG"
                          " FIRST_VALUE LAST_VALUE JSON_OBJECTAGG JSON_ARRAYAGG COLLECT ARRAY_AGG PERCENTILE"
                          " ROW_NUMBER RANK DENSE_RANK LAG LEAD CUME_DIST PERCENT_RANK NTILE");
  }
  sql_udf_list(s, &b);
  char *list = b.p ? b.p : "";
  const char **names = strom__calloc(strlen(list) / 2 + 2, sizeof *names);
  if (!names) return strom__buf_free(&b), STROM_ENOMEM;
  int k = 0;
  for (char *save = NULL, *w = strtok_r(list, " ", &save); w; w = strtok_r(NULL, " ", &save))
    if (sql_show_like(n, w)) names[k++] = w;
  qsort(names, (size_t)k, sizeof *names, cmp_str);
  char **cells = (char **)names;
  static const char *const head[1] = {"function name"};
  /* left-aligned as the one-column lists */
  int w = (int)strlen(head[0]);
  for (int i = 0; i < k; i++)
    if ((int)strlen(cells[i]) > w) w = (int)strlen(cells[i]);
  if (!k) fprintf(s->out, "Empty set\n");
  else {
    strom_buf line = {0};
    strom__buf_printf(&line, "+");
    for (int i = 0; i < w + 2; i++) strom__buf_printf(&line, "-");
    strom__buf_printf(&line, "+");
    fprintf(s->out, "%s\n| %-*s |\n%s\n", line.p, w, head[0], line.p);
    for (int i = 0; i < k; i++) fprintf(s->out, "| %-*s |\n", w, cells[i]);
    fprintf(s->out, "%s\n%d row%s in set\n", line.p, k, k == 1 ? "" : "s");
    strom__buf_free(&line);
  }
  free(names);
  strom__buf_free(&b);
  return STROM_OK;
}

int sql_show_more(sql_session *s, const sql_node *n) {
  const char *what = n->text;
  if (!strcmp(what, "USER FUNCTIONS") || (!strcmp(what, "FUNCTIONS") && n->nkids)) {
    if (n->nkids && n->kids[0]->kind == SQL_NAME) {
      const char *c, *d, *o;
      char m[300];
      sql_node q = *n->kids[0];
      sql_node dummy = {.kind = SQL_ID, .text = "x"}, *kids[4] = {0};
      if (q.nkids > 2) return sql_ns_err(s, &q, "SHOW FUNCTIONS FROM takes [catalog.]database");
      for (int i = 0; i < q.nkids; i++) kids[i] = q.kids[i];
      kids[q.nkids] = &dummy;
      q.kids = kids, q.nkids++;
      if (sql_ns_resolve(&s->cat, &q, &c, &d, &o, m, sizeof m)) return sql_ns_err(s, n->kids[0], "%s", m);
      /* the functions of that database: list them with it current */
      const char *save[2];
      sql_table where = {.ctx_catalog = (char *)c, .ctx_database = (char *)d};
      sql_ns_enter(&s->cat, &where, save);
      int rc = show_functions(s, n, what[0] == 'U');
      sql_ns_leave(&s->cat, save);
      return rc;
    }
    return show_functions(s, n, what[0] == 'U');
  }
  if (!strcmp(what, "CREATE TABLE") || !strcmp(what, "CREATE VIEW") || !strcmp(what, "COLUMNS")) {
    char m[300];
    sql_table *t = sql_catalog_lookup(&s->cat, n->kids[0], m, sizeof m);
    if (!t) {
      const char *c, *d, *o;
      if (!m[0]) sql_ns_resolve(&s->cat, n->kids[0], &c, &d, &o, m, sizeof m),
          snprintf(m, sizeof m, "%s '%s.%s.%s' does not exist", what[7] == 'V' ? "view" : "table", c, d, o);
      return sql_ns_err(s, n->kids[0], "%s", m);
    }
    if (what[0] == 'C' && what[1] == 'O') return sql_show_columns(s, n, t);
    bool view = what[7] == 'V';
    if (t->view != view)
      return sql_ns_err(s, n->kids[0], "SHOW CREATE %s is only supported for %ss, but '%s' is a %s; use SHOW CREATE %s",
                        view ? "VIEW" : "TABLE", view ? "view" : "table", t->name, t->view ? "view" : "table",
                        t->view ? "VIEW" : "TABLE");
    strom_buf b = {0};
    if (view) show_create_view(&b, s, t);
    else sql_show_create(&b, t);
    fprintf(s->out, "%s", b.p ? b.p : "");
    fflush(s->out);
    strom__buf_free(&b);
    return STROM_OK;
  }
  return sql_props_show(s, n); /* SHOW CREATE CATALOG, DESCRIBE CATALOG: catalog_props.c */
}
