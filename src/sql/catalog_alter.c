/*
 * catalog_alter.c -- ALTER TABLE t RENAME TO u / SET (...) / RESET (...) and ALTER VIEW v
 * RENAME TO w / AS query, as Flink's: a rename stays in the object's catalog and
 * database; SET merges options and RESET removes them, and the table is checked again
 * with its new options as at CREATE TABLE (the old options stay when that fails); a view's
 * new query is bound first (it must bind, and keep the column list's length).  The
 * session runs the pending INSERTs before any ALTER, so no planned job sees a change.
 */
#include <strings.h>

#include "sql_int.h"

static int rename_to(sql_session *s, const sql_node *n, sql_table *t) {
  const sql_node *to = n->kids[1];
  const char *cat, *db, *name;
  char m[300];
  if (sql_ns_resolve(&s->cat, to, &cat, &db, &name, m, sizeof m)) return sql_ns_err(s, to, "%s", m);
  if (to->nkids > 1 && (strcmp(cat, t->catalog) || strcmp(db, t->database)))
    return sql_ns_err(s, to, "a rename stays in '%s.%s': '%s.%s.%s' is in another catalog or database", t->catalog,
                      t->database, cat, db, name);
  if (sql_ns_find(&s->cat, t->catalog, t->database, name))
    return sql_ns_err(s, to, "a table or view '%s.%s.%s' already exists", t->catalog, t->database, name);
  char *nn = strom__strdup(name);
  if (!nn) return STROM_ENOMEM;
  free(t->name);
  t->name = nn;
  return STROM_OK;
}

/* The table checked with its new options; on failure the old ones are put back. */
static int set_options(sql_session *s, const sql_node *at, sql_table *t, const char **keys, const char **vals, int n) {
  const char **ok = t->keys, **ov = t->vals;
  int on = t->nopts;
  const sql_connector *oc = t->conn;
  t->keys = keys, t->vals = vals, t->nopts = n;
  const char *conn = sql_table_option(t, "connector");
  char m[768] = "";
  if (!conn) snprintf(m, sizeof m, "a table needs the 'connector' option");
  else if (!(t->conn = sql_connector_find(conn)))
    snprintf(m, sizeof m, "unknown connector '%s' (known: datagen, filesystem, print, blackhole, nexmark, kafka, jdbc)", conn);
  else if (!sql_connector_check_options(t, m, sizeof m) && t->conn->validate) t->conn->validate(t, m, sizeof m);
  if (!m[0]) {
    for (int k = 0; k < t->ncols; k++)
      if (t->cols[k].metadata && !t->conn->has_metadata)
        snprintf(m, sizeof m, "connector '%s' has no metadata columns (column '%s')", conn, t->cols[k].name);
  }
  if (!m[0] && t->partitioned_by) {
    char pm[768];
    if (sql_fs_partition_check(t, t->partitioned_by, pm, sizeof pm)) snprintf(m, sizeof m, "%s", pm);
  }
  if (m[0]) {
    t->keys = ok, t->vals = ov, t->nopts = on, t->conn = oc;
    free(keys), free(vals);
    return sql_ns_err(s, at, "ALTER TABLE %s: %s", t->name, m);
  }
  free(ok), free(ov);
  return STROM_OK;
}

static int alter_options(sql_session *s, const sql_node *n, sql_table *t, bool reset) {
  int cap = t->nopts + n->nkids + 1, k = 0;
  const char **keys = strom__calloc((size_t)cap, sizeof *keys), **vals = strom__calloc((size_t)cap, sizeof *vals);
  if (!keys || !vals) return free(keys), free(vals), STROM_ENOMEM;
  for (int i = 0; i < t->nopts; i++) keys[k] = t->keys[i], vals[k++] = t->vals[i];
  if (reset) {
    for (int j = 1; j < n->nkids; j++) {
      const char *key = n->kids[j]->text;
      if (!strcmp(key, "connector")) {
        free(keys), free(vals);
        return sql_ns_err(s, n->kids[j], "ALTER TABLE RESET does not support changing 'connector'");
      }
      for (int i = 0; i < k; i++)
        if (!strcmp(keys[i], key)) {
          memmove(&keys[i], &keys[i + 1], sizeof *keys * (size_t)(k - i - 1));
          memmove(&vals[i], &vals[i + 1], sizeof *vals * (size_t)(k - i - 1));
          k--;
          break;
        }
    }
  } else {
    const sql_node *with = n->kids[1];
    if (!with->nkids) {
      free(keys), free(vals);
      return sql_ns_err(s, with, "ALTER TABLE SET needs at least one option");
    }
    for (int j = 0; j < with->nkids; j++) {
      const char *key = with->kids[j]->kids[0]->text, *val = with->kids[j]->kids[1]->text;
      int i = 0;
      while (i < k && strcmp(keys[i], key)) i++;
      keys[i] = key, vals[i] = val; /* the option's strings live in the session's syntax trees */
      if (i == k) k++;
    }
  }
  return set_options(s, n, t, keys, vals, k);
}

static int alter_view_as(sql_session *s, const sql_node *n, sql_table *t) {
  const sql_node *q = n->kids[1];
  sql_arena a = {0};
  char err[1024];
  sql_plan *p = sql_bind_query(s, &a, q, err, sizeof err);
  int ncols = p ? p->ncols : 0;
  sql_arena_free(&a);
  if (!p) return sql_ns_err(s, q, "%s", err);
  if (t->column_list && t->column_list->nkids != ncols)
    return sql_ns_err(s, q, "view '%s' names %d columns, the new query has %d", t->name, t->column_list->nkids, ncols);
  /* the statement node stands in for CREATE VIEW's: its last kid is the query */
  t->query = q;
  sql_view_text(s, t, n);
  return STROM_OK;
}

int sql_catalog_alter(sql_session *s, const sql_node *n) {
  int prc = sql_props_alter(s, n); /* ALTER DATABASE / CATALOG: catalog_props.c */
  if (prc != 1) return prc;
  bool view = !strncmp(n->text, "alter-view", 10);
  char m[300];
  sql_table *t = sql_catalog_lookup(&s->cat, n->kids[0], m, sizeof m);
  if (!t || t->view != view) {
    if (n->flags & SQL_F(IF_EXISTS)) return STROM_OK;
    if (!m[0]) {
      const char *c, *d, *o;
      sql_ns_resolve(&s->cat, n->kids[0], &c, &d, &o, m, sizeof m);
      if (t) snprintf(m, sizeof m, "'%s.%s.%s' is a %s: use ALTER %s", c, d, o, t->view ? "view" : "table", t->view ? "VIEW" : "TABLE");
      else snprintf(m, sizeof m, "%s '%s.%s.%s' does not exist", view ? "view" : "table", c, d, o);
    }
    return sql_ns_err(s, n->kids[0], "%s", m);
  }
  if (!strcmp(n->text, "alter-table-rename") || !strcmp(n->text, "alter-view-rename")) return rename_to(s, n, t);
  if (!strcmp(n->text, "alter-table-set")) return alter_options(s, n, t, false);
  if (!strcmp(n->text, "alter-table-reset")) return alter_options(s, n, t, true);
  if (!strcmp(n->text, "alter-view-as")) return alter_view_as(s, n, t);
  int rc = sql_alter_schema(s, n, t); /* catalog_alter_schema.c */
  if (rc != 1) return rc;
  return sql_ns_err(s, n, "not supported yet: %s", n->text);
}
