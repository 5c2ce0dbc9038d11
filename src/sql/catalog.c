/*
 * catalog.c -- the session's tables and views:
 * CREATE TABLE turns into a sql_table (columns with their SQL types, computed columns,
 * the watermark, the primary key, the WITH options and the connector they name), views
 * keep their query's syntax tree.  Names are case-sensitive, as in Flink.  Which catalog
 * and database a table lives in, and the current ones, are catalog_ns.c's.
 */
#include <strings.h>

#include "sql_int.h"

/* In the current catalog and database (catalog_ns.c). */
sql_table *sql_catalog_find(const sql_catalog *c, const char *name) {
  return sql_ns_find(c, sql_ns_catalog(c), sql_ns_database(c), name);
}

int sql_catalog_add(sql_catalog *c, sql_table *t) {
  if (c->n == c->cap) {
    int cap = c->cap ? c->cap * 2 : 8;
    sql_table **n = strom__realloc(c->t, sizeof *n * (size_t)cap);
    if (!n) return STROM_ENOMEM;
    c->t = n, c->cap = cap;
  }
  if (!t->catalog && !(t->catalog = strom__strdup(sql_ns_catalog(c)))) return STROM_ENOMEM;
  if (!t->database && !(t->database = strom__strdup(sql_ns_database(c)))) return STROM_ENOMEM;
  c->t[c->n++] = t;
  return STROM_OK;
}

int sql_catalog_drop(sql_catalog *c, const char *name) {
  sql_table *t = sql_catalog_find(c, name);
  if (!t) return -1;
  sql_catalog_remove(c, t);
  return 0;
}

void sql_catalog_free(sql_catalog *c) {
  for (int i = 0; i < c->n; i++) sql_table_free(c->t[i]);
  free(c->t);
  sql_ns_free(c->ns);
  sql_props_free(c->props); /* catalog_props.c */
  memset(c, 0, sizeof *c);
}

void sql_table_free(sql_table *t) {
  if (!t) return;
  free(t->name);
  free(t->cols);
  free(t->pk);
  free(t->keys);
  free(t->vals);
  for (int i = 0; i < t->nown_names; i++) free(t->own_names[i]);
  free(t->own_names);
  free(t->catalog);
  free(t->database);
  free(t->view_text);
  free(t->ctx_catalog);
  free(t->ctx_database);
  free(t);
}

const char *sql_table_option(const sql_table *t, const char *key) {
  for (int i = 0; i < t->nopts; i++)
    if (!strcmp(t->keys[i], key)) return t->vals[i];
  return NULL;
}

static int at(char *err, size_t errlen, const sql_node *n, const char *fmt, const char *a, const char *b) {
  int k = snprintf(err, errlen, "line %d, column %d: ", n->line, n->col);
  if (k > 0 && (size_t)k < errlen) snprintf(err + k, errlen - (size_t)k, fmt, a, b);
  return STROM_EINVAL;
}

/* WATERMARK FOR c AS c [- INTERVAL ...]: the bounded delay in milliseconds. */
static int watermark_delay(const sql_node *w, const char *col, int64_t *out, char *err, size_t errlen) {
  const sql_node *e = w->kids[1];
  if (e->kind == SQL_ID && !strcmp(e->text, col)) {
    *out = 0;
    return 0;
  }
  if (e->kind == SQL_OP && !strcmp(e->text, "-") && e->kids[0]->kind == SQL_ID && !strcmp(e->kids[0]->text, col) &&
      e->kids[1]->kind == SQL_INTERVAL) {
    const sql_node *iv = e->kids[1];
    const char *u = iv->text;
    double x = strtod(iv->kids[0]->text, NULL);
    double unit = !strncmp(u, "SECOND", 6) ? 1000 : !strncmp(u, "MINUTE", 6) ? 60000 : !strncmp(u, "HOUR", 4) ? 3600000
                  : !strncmp(u, "DAY", 3) ? 86400000 : -1;
    if (unit < 0 || strstr(u, " TO ")) return 1; /* a general expression (wm_expr.c) */
    if (x < 0) return at(err, errlen, iv, "the watermark delay must not be negative%s%s", "", "");
    *out = (int64_t)(x * unit + 0.5);
    return 0;
  }
  (void)col;
  return 1; /* any other expression: evaluated per row (wm_expr.c) */
}

int sql_table_from_ast(const sql_node *n, sql_table **out, char *err, size_t errlen) {
  *out = NULL;
  const sql_node *name = n->kids[0], *cols = n->kids[1], *with = NULL, *part = NULL, *t_comment = NULL;
  for (int i = 2; i < n->nkids; i++) {
    if (n->kids[i]->kind == SQL_WITH_OPTIONS) with = n->kids[i];
    if (n->kids[i]->kind == SQL_PARTITIONED_BY) part = n->kids[i];
    if (n->kids[i]->kind == SQL_COMMENT) t_comment = n->kids[i];
  }
  sql_table *t = strom__calloc(1, sizeof *t);
  if (!t) return STROM_ENOMEM;
  t->wm_col = -1;
  int rc = STROM_OK;
  t->name = strom__strdup(name->kids[name->nkids - 1]->text);
  t->cols = strom__calloc((size_t)cols->nkids + 1, sizeof *t->cols);
  t->pk = strom__calloc((size_t)cols->nkids + 1, sizeof *t->pk);
  if (!t->name || !t->cols || !t->pk) {
    rc = STROM_ENOMEM;
    goto fail;
  }
  const sql_node *wm = NULL;
  for (int i = 0; i < cols->nkids; i++) {
    const sql_node *c = cols->kids[i];
    switch (c->kind) {
      case SQL_COLUMN: {
        if (c->kids[1]->text && !strcmp(c->kids[1]->text, "ROW")) {
          if ((rc = sql_row_flatten(t, c, cols->nkids - i, err, errlen))) goto fail;
          break;
        }
        sql_table_col *tc = &t->cols[t->ncols];
        tc->name = c->kids[0]->text;
        for (int k = 0; k < t->ncols; k++)
          if (!strcmp(t->cols[k].name, tc->name)) {
            rc = at(err, errlen, c, "column '%s' is declared twice%s", tc->name, "");
            goto fail;
          }
        if ((rc = sql_type_from_ast(c->kids[1], &tc->type, err, errlen))) goto fail;
        if (c->flags & SQL_F(PRIMARY_KEY)) t->pk[t->npk++] = tc->name;
        t->ncols++;
        break;
      }
      case SQL_COMPUTED:
        t->cols[t->ncols].name = c->kids[0]->text;
        t->cols[t->ncols].computed = c->kids[1];
        t->ncols++;
        break;
      case SQL_METADATA: {
        sql_table_col *tc = &t->cols[t->ncols];
        tc->name = c->kids[0]->text;
        for (int k = 0; k < t->ncols; k++)
          if (!strcmp(t->cols[k].name, tc->name)) {
            rc = at(err, errlen, c, "column '%s' is declared twice%s", tc->name, "");
            goto fail;
          }
        if ((rc = sql_type_from_ast(c->kids[1], &tc->type, err, errlen))) goto fail;
        bool from = c->nkids > 2 && c->kids[2]->kind != SQL_COMMENT;
        tc->metadata = from ? c->kids[2]->text : tc->name; /* without FROM: the column's name */
        tc->is_virtual = (c->flags & SQL_F(VIRTUAL)) != 0;
        t->ncols++;
        break;
      }
      case SQL_WATERMARK:
        if (wm) {
          rc = at(err, errlen, c, "only one WATERMARK is allowed%s%s", "", "");
          goto fail;
        }
        wm = c;
        break;
      case SQL_PRIMARY_KEY:
        for (int k = 0; k < c->nkids; k++) t->pk[t->npk++] = c->kids[k]->text;
        break;
      default: rc = at(err, errlen, c, "unexpected %s in CREATE TABLE%s", sql_kind_name(c->kind), ""); goto fail;
    }
  }
  if (wm) {
    const char *wc = wm->kids[0]->text;
    for (int k = 0; k < t->ncols; k++)
      if (!strcmp(t->cols[k].name, wc)) t->wm_col = k;
    if (t->wm_col < 0) {
      rc = at(err, errlen, wm, "WATERMARK FOR %s: no such column%s", wc, "");
      goto fail;
    }
    if (!t->cols[t->wm_col].computed && t->cols[t->wm_col].type.id != STROM_TIMESTAMP) {
      rc = at(err, errlen, wm, "WATERMARK FOR %s: the column must be TIMESTAMP(3) or TIMESTAMP_LTZ(3)%s", wc, "");
      goto fail;
    }
    if ((rc = watermark_delay(wm, wc, &t->wm_delay_ms, err, errlen)) == 1) t->wm_expr = wm->kids[1], rc = 0;
    if (rc) goto fail;
  }
  for (int k = 0; k < t->npk; k++) {
    bool found = false;
    for (int c = 0; c < t->ncols; c++) found |= !strcmp(t->cols[c].name, t->pk[k]);
    if (!found) {
      rc = at(err, errlen, cols, "PRIMARY KEY column '%s' does not exist%s", t->pk[k], "");
      goto fail;
    }
  }
  int nopts = with ? with->nkids : 0;
  t->keys = strom__calloc((size_t)nopts + 1, sizeof *t->keys);
  t->vals = strom__calloc((size_t)nopts + 1, sizeof *t->vals);
  if (!t->keys || !t->vals) {
    rc = STROM_ENOMEM;
    goto fail;
  }
  for (int i = 0; i < nopts; i++) {
    const sql_node *o = with->kids[i];
    for (int k = 0; k < t->nopts; k++)
      if (!strcmp(t->keys[k], o->kids[0]->text)) {
        rc = at(err, errlen, o, "option '%s' is given twice%s", o->kids[0]->text, "");
        goto fail;
      }
    t->keys[t->nopts] = o->kids[0]->text;
    t->vals[t->nopts++] = o->kids[1]->text;
  }
  sql_row_markers(t); /* types_row.c */
  const char *conn = sql_table_option(t, "connector");
  if (!conn) {
    rc = at(err, errlen, n, "table '%s' has no 'connector' option (e.g. WITH ('connector' = 'filesystem', ...))%s", t->name, "");
    goto fail;
  }
  if (!(t->conn = sql_connector_find(conn))) {
    rc = at(err, errlen, with, "unknown connector '%s' (known: datagen, filesystem, print, blackhole, nexmark, kafka, jdbc)%s", conn, "");
    goto fail;
  }
  for (int k = 0; k < t->ncols; k++)
    if (t->cols[k].metadata && !t->conn->has_metadata) {
      rc = at(err, errlen, cols, "connector '%s' has no metadata columns (column '%s')", conn, t->cols[k].name);
      goto fail;
    }
  const char *emit = sql_table_option(t, "scan.watermark.emit.strategy");
  if (emit && strcmp(emit, "on-periodic") && strcmp(emit, "on-event")) {
    rc = at(err, errlen, with, "'scan.watermark.emit.strategy' must be 'on-periodic' or 'on-event', got '%s'%s", emit, "");
    goto fail;
  }
  char m[768];
  if ((rc = sql_connector_check_options(t, m, sizeof m)) || (t->conn->validate && (rc = t->conn->validate(t, m, sizeof m)))) {
    at(err, errlen, with, "table '%s': %s", t->name, m);
    goto fail;
  }
  if (part && (rc = sql_fs_partition_check(t, part, err, errlen))) goto fail;
  t->partitioned_by = part;
  t->comment = t_comment;
  t->ddl = n;
  *out = t;
  return STROM_OK;
fail:
  sql_table_free(t);
  return rc ? rc : STROM_EINVAL;
}
