/*
 * catalog_alter_schema.c -- ALTER TABLE t ADD / MODIFY (element [FIRST | AFTER c], ...),
 * DROP (c, ...), DROP PRIMARY KEY, DROP WATERMARK and RENAME c TO d, as Flink's
 * AlterSchemaConverter: the table's schema (columns in order, watermark, primary key) is
 * read from its CREATE TABLE tree, changed, and written back as a new CREATE TABLE tree
 * (in the script's arena) that catalog.c builds and the binder checks exactly as at CREATE
 * TABLE; only when that succeeds does the table take the new definition, so a failed
 * ALTER leaves it as it was.  Flink's checks come first, with its messages: a column a
 * computed column, the watermark, the partitioning or the primary key uses cannot be
 * dropped (nor, but for the key, renamed); ADD refuses an existing column, watermark or
 * key, MODIFY a missing one.
 */
#include "sql_int.h"

typedef struct schema {
  const sql_node **cols; /* COLUMN / COMPUTED / METADATA elements, in order */
  int n;
  const sql_node *wm; /* the WATERMARK element, or NULL */
  const char **pk;
  int npk;
} schema;

static const char *el_name(const sql_node *e) { return e->kids[0]->text; }

static int find(const schema *sc, const char *name) {
  for (int i = 0; i < sc->n; i++)
    if (!strcmp(el_name(sc->cols[i]), name)) return i;
  return -1;
}

/* Whether expression e names column c (an identifier, or the head of a field chain). */
static bool refers(const sql_node *e, const char *c) {
  if (!e) return false;
  if (e->kind == SQL_ID) return !strcmp(e->text, c);
  for (int i = 0; i < e->nkids; i++)
    if (refers(e->kids[i], c)) return true;
  return false;
}

static int fail(sql_session *s, const sql_node *at, const sql_table *t, const char *fmt, const char *a, const char *b) {
  char m[600];
  snprintf(m, sizeof m, fmt, a, b);
  return sql_ns_err(s, at, "ALTER TABLE %s: %s", t->name, m);
}

/* Flink's ReferencesManager.checkReferences: whether column c may go away or change
 * name; dropping lists the columns dropped with it (their references do not count). */
static int check_refs(sql_session *s, const sql_node *at, const sql_table *t, const schema *sc, const char *c,
                      const sql_node *dropping) {
  if (find(sc, c) < 0) return fail(s, at, t, "The column `%s` does not exist in the base table.%s", c, "");
  char users[400] = "";
  size_t k = 0;
  /* Flink lists the computed columns sorted by name */
  const char *last = "";
  for (;;) {
    const char *next = NULL;
    for (int i = 0; i < sc->n; i++) {
      const sql_node *e = sc->cols[i];
      if (e->kind != SQL_COMPUTED || !refers(e->kids[1], c)) continue;
      bool gone = false;
      for (int d = 1; dropping && d < dropping->nkids; d++) gone |= !strcmp(dropping->kids[d]->text, el_name(e));
      if (gone || strcmp(el_name(e), last) <= 0) continue;
      if (!next || strcmp(el_name(e), next) < 0) next = el_name(e);
    }
    if (!next) break;
    int w = snprintf(users + k, sizeof users - k, "%s`%s`", k ? ", " : "", next);
    if (w > 0 && (size_t)w < sizeof users - k) k += (size_t)w;
    last = next;
  }
  if (k) return fail(s, at, t, "The column `%s` is referenced by computed column %s.", c, users);
  for (int i = 0; t->partitioned_by && i < t->partitioned_by->nkids; i++)
    if (!strcmp(t->partitioned_by->kids[i]->text, c))
      return fail(s, at, t, "The column `%s` is used as the partition keys.%s", c, "");
  if (sc->wm && (!strcmp(el_name(sc->wm), c) || refers(sc->wm->kids[1], c)))
    return fail(s, at, t, "The column `%s` is referenced by watermark expression.%s", c, "");
  return STROM_OK;
}

/* The definition of t as the schema says, built and bound as CREATE TABLE would; on
 * success t takes it. */
static int rebuild(sql_session *s, const sql_node *at, sql_table *t, const schema *sc) {
  sql_arena *a = &s->arenas[s->narenas - 1];
  const sql_node *ddl = t->ddl;
  sql_node *cols = sql_node_new(a, SQL_COLUMNS, ddl->kids[1], NULL, sc->n + 2);
  if (!cols) return STROM_ENOMEM;
  cols->nkids = 0;
  for (int i = 0; i < sc->n; i++) {
    sql_node *e = (sql_node *)sc->cols[i];
    if (e->flags & SQL_F(PRIMARY_KEY)) { /* the key is one PRIMARY KEY element below */
      sql_node *c = sql_node_new(a, e->kind, e, e->text, e->nkids);
      if (!c) return STROM_ENOMEM;
      memcpy(c->kids, e->kids, sizeof *c->kids * (size_t)e->nkids);
      c->flags = e->flags & ~SQL_F(PRIMARY_KEY);
      e = c;
    }
    cols->kids[cols->nkids++] = e;
  }
  if (sc->wm) cols->kids[cols->nkids++] = (sql_node *)sc->wm;
  if (sc->npk) {
    sql_node *k = sql_node_new(a, SQL_PRIMARY_KEY, at, NULL, sc->npk);
    if (!k) return STROM_ENOMEM;
    for (int i = 0; i < sc->npk; i++)
      if (!(k->kids[i] = sql_node_new(a, SQL_ID, at, sc->pk[i], 0))) return STROM_ENOMEM;
    cols->kids[cols->nkids++] = k;
  }
  sql_node *with = sql_node_new(a, SQL_WITH_OPTIONS, at, NULL, t->nopts);
  sql_node *name = sql_node_new(a, SQL_NAME, ddl->kids[0], NULL, 1);
  char *tn = sql_arena_strndup(a, t->name, strlen(t->name));
  if (!with || !name || !tn || !(name->kids[0] = sql_node_new(a, SQL_ID, ddl->kids[0], tn, 0))) return STROM_ENOMEM;
  for (int i = 0; i < t->nopts; i++) {
    sql_node *o = sql_node_new(a, SQL_OPTION, at, NULL, 2);
    if (!o || !(o->kids[0] = sql_node_new(a, SQL_STRING, at, t->keys[i], 0)) ||
        !(o->kids[1] = sql_node_new(a, SQL_STRING, at, t->vals[i], 0)))
      return STROM_ENOMEM;
    with->kids[i] = o;
  }
  sql_node *nd = sql_node_new(a, SQL_CREATE_TABLE, ddl, ddl->text, 5);
  if (!nd) return STROM_ENOMEM;
  nd->flags = ddl->flags;
  int k = 0;
  nd->kids[k++] = name;
  nd->kids[k++] = cols;
  if (t->comment) nd->kids[k++] = (sql_node *)t->comment;
  if (t->partitioned_by) nd->kids[k++] = (sql_node *)t->partitioned_by;
  nd->kids[k++] = with;
  nd->nkids = k;
  char err[1024];
  sql_table *nt;
  int rc = sql_table_from_ast(nd, &nt, err, sizeof err);
  if (!rc) {
    sql_arena ba = {0};
    sql_plan *p = sql_bind_scan(&ba, nt, nt->name, err, sizeof err);
    sql_arena_free(&ba);
    if (!p) sql_table_free(nt), rc = STROM_EINVAL;
  }
  if (rc) {
    if (rc == STROM_ENOMEM) return rc;
    const char *m = err; /* the new tree's positions are the old statements': keep the message only */
    int l, c, off = 0;
    if (sscanf(err, "line %d, column %d: %n", &l, &c, &off) == 2 && off > 0) m = err + off;
    return sql_ns_err(s, at, "ALTER TABLE %s: %s", t->name, m);
  }
  sql_table old = *t;
  *t = *nt;
  t->catalog = old.catalog, t->database = old.database;
  old.catalog = old.database = NULL;
  *nt = old;
  sql_table_free(nt);
  return STROM_OK;
}

/* ADD / MODIFY: kids NAME, then elements, a column's COLUMN_LIST FIRST / AFTER c after it. */
static int add_modify(sql_session *s, const sql_node *n, sql_table *t, schema *sc, bool add) {
  sql_arena *a = &s->arenas[s->narenas - 1];
  bool wm_seen = false, pk_seen = false;
  for (int i = 1; i < n->nkids; i++) {
    const sql_node *e = n->kids[i], *pos = i + 1 < n->nkids && n->kids[i + 1]->kind == SQL_COLUMN_LIST ? n->kids[++i] : NULL;
    if (e->kind == SQL_WATERMARK) {
      if (wm_seen) return fail(s, e, t, "only one WATERMARK is allowed%s%s", "", "");
      wm_seen = true;
      if (add && sc->wm) {
        strom_buf b = {0};
        sql_show_expr(&b, sc->wm->kids[1]);
        int rc = fail(s, e, t, "The base table has already defined the watermark strategy `%s` AS %s. You might want to drop it before adding a new one.",
                      el_name(sc->wm), b.p ? b.p : "");
        strom__buf_free(&b);
        return rc;
      }
      if (!add && !sc->wm) return fail(s, e, t, "The base table does not define any watermark. You might want to add a new one.%s%s", "", "");
      sc->wm = e;
      continue;
    }
    const sql_node *key = e->kind == SQL_PRIMARY_KEY ? e : NULL;
    if (e->kind != SQL_PRIMARY_KEY) {
      const char *c = el_name(e);
      for (int j = 1; j < i; j++)
        if (n->kids[j]->kind != SQL_COLUMN_LIST && n->kids[j]->kind != SQL_WATERMARK && n->kids[j]->kind != SQL_PRIMARY_KEY &&
            n->kids[j] != e && !strcmp(el_name(n->kids[j]), c))
          return fail(s, e, t, "Encounter duplicate column `%s`.%s", c, "");
      int at = find(sc, c);
      if (add && at >= 0) return fail(s, e, t, "Try to add a column `%s` which already exists in the table.%s", c, "");
      if (!add && at < 0) return fail(s, e, t, "Try to modify a column `%s` which does not exist in the table.%s", c, "");
      if (!add) { /* MODIFY keeps the old comment unless it gives one */
        const sql_node *oc = NULL, *nc = NULL;
        for (int k = 2; k < sc->cols[at]->nkids; k++)
          if (sc->cols[at]->kids[k]->kind == SQL_COMMENT) oc = sc->cols[at]->kids[k];
        for (int k = 2; k < e->nkids; k++)
          if (e->kids[k]->kind == SQL_COMMENT) nc = e->kids[k];
        if (oc && !nc) {
          sql_node *c2 = sql_node_new(a, e->kind, e, e->text, e->nkids + 1);
          if (!c2) return STROM_ENOMEM;
          memcpy(c2->kids, e->kids, sizeof *c2->kids * (size_t)e->nkids);
          c2->kids[e->nkids] = (sql_node *)oc;
          c2->flags = e->flags;
          e = c2;
        }
        memmove(&sc->cols[at], &sc->cols[at + 1], sizeof *sc->cols * (size_t)(sc->n - at - 1));
        sc->n--;
      }
      int to = add ? sc->n : at;
      if (pos && !strcmp(pos->text, "FIRST")) to = 0;
      else if (pos) {
        const char *ref = pos->kids[0]->text;
        int r = find(sc, ref);
        if (r < 0) return fail(s, pos, t, "Referenced column `%s` by 'AFTER' does not exist in the table.%s", ref, "");
        to = r + 1;
      }
      memmove(&sc->cols[to + 1], &sc->cols[to], sizeof *sc->cols * (size_t)(sc->n - to));
      sc->cols[to] = e;
      sc->n++;
      if (!(e->flags & SQL_F(PRIMARY_KEY))) continue;
      key = e; /* c INT PRIMARY KEY NOT ENFORCED: a key of that column */
    }
    if (pk_seen) return fail(s, e, t, "a table can have only one PRIMARY KEY%s%s", "", "");
    pk_seen = true;
    if (add && sc->npk) {
      char cols[400] = "";
      size_t k = 0;
      for (int j = 0; j < sc->npk; j++) {
        int w = snprintf(cols + k, sizeof cols - k, "%s`%s`", j ? ", " : "", sc->pk[j]);
        if (w > 0 && (size_t)w < sizeof cols - k) k += (size_t)w;
      }
      return fail(s, e, t, "The base table has already defined the primary key constraint [%s]. You might want to drop it before adding a new one.%s", cols, "");
    }
    if (!add && !sc->npk) return fail(s, e, t, "The base table does not define any primary key constraint. You might want to add a new one.%s%s", "", "");
    int nk = key->kind == SQL_PRIMARY_KEY ? key->nkids : 1;
    const char **pk = sql_arena_alloc(a, sizeof *pk * (size_t)(nk + 1));
    if (!pk) return STROM_ENOMEM;
    for (int j = 0; j < nk; j++) pk[j] = key->kind == SQL_PRIMARY_KEY ? key->kids[j]->text : el_name(key);
    sc->pk = pk, sc->npk = nk;
  }
  return STROM_OK;
}

static int drop_cols(sql_session *s, const sql_node *n, sql_table *t, schema *sc) {
  for (int i = 1; i < n->nkids; i++) {
    const char *c = n->kids[i]->text;
    for (int j = 1; j < i; j++)
      if (!strcmp(n->kids[j]->text, c)) return fail(s, n->kids[i], t, "Duplicate column `%s`.%s", c, "");
  }
  for (int i = 1; i < n->nkids; i++) {
    const char *c = n->kids[i]->text;
    int rc = check_refs(s, n->kids[i], t, sc, c, n);
    if (rc) return rc;
    for (int k = 0; k < sc->npk; k++)
      if (!strcmp(sc->pk[k], c)) return fail(s, n->kids[i], t, "The column `%s` is used as the primary key.%s", c, "");
  }
  for (int i = 1; i < n->nkids; i++) {
    int at = find(sc, n->kids[i]->text);
    memmove(&sc->cols[at], &sc->cols[at + 1], sizeof *sc->cols * (size_t)(sc->n - at - 1));
    sc->n--;
  }
  if (!sc->n) return fail(s, n, t, "a table needs at least one column%s%s", "", "");
  return STROM_OK;
}

static int rename_col(sql_session *s, const sql_node *n, sql_table *t, schema *sc) {
  sql_arena *a = &s->arenas[s->narenas - 1];
  const char *from = n->kids[1]->text, *to = n->kids[2]->text;
  int rc = check_refs(s, n->kids[1], t, sc, from, NULL);
  if (rc) return rc;
  if (find(sc, to) >= 0) return fail(s, n->kids[2], t, "The column `%s` already existed in table schema.%s", to, "");
  int at = find(sc, from);
  const sql_node *e = sc->cols[at];
  sql_node *c = sql_node_new(a, e->kind, e, e->text, e->nkids);
  if (!c) return STROM_ENOMEM;
  memcpy(c->kids, e->kids, sizeof *c->kids * (size_t)e->nkids);
  c->flags = e->flags;
  c->kids[0] = n->kids[2];
  sc->cols[at] = c;
  for (int k = 0; k < sc->npk; k++)
    if (!strcmp(sc->pk[k], from)) sc->pk[k] = to;
  return STROM_OK;
}

int sql_alter_schema(sql_session *s, const sql_node *n, sql_table *t) {
  const char *w = n->text;
  bool addm = !strcmp(w, "alter-table-add") || !strcmp(w, "alter-table-modify");
  if (!addm && strcmp(w, "alter-table-drop") && strcmp(w, "alter-table-drop-pk") && strcmp(w, "alter-table-drop-watermark") &&
      strcmp(w, "alter-table-rename-column"))
    return 1;
  if (!t->ddl) return sql_ns_err(s, n, "ALTER TABLE %s: the table has no definition to change", t->name);
  sql_arena *a = &s->arenas[s->narenas - 1];
  const sql_node *dc = t->ddl->kids[1];
  schema sc = {0};
  sc.cols = sql_arena_alloc(a, sizeof *sc.cols * (size_t)(dc->nkids + n->nkids + 1));
  sc.pk = sql_arena_alloc(a, sizeof *sc.pk * (size_t)(t->npk + 1));
  if (!sc.cols || !sc.pk) return STROM_ENOMEM;
  for (int i = 0; i < dc->nkids; i++) {
    const sql_node *e = dc->kids[i];
    if (e->kind == SQL_COLUMN || e->kind == SQL_COMPUTED || e->kind == SQL_METADATA) sc.cols[sc.n++] = e;
    if (e->kind == SQL_WATERMARK) sc.wm = e;
  }
  for (int i = 0; i < t->npk; i++) sc.pk[sc.npk++] = t->pk[i];
  int rc;
  if (addm) rc = add_modify(s, n, t, &sc, !strcmp(w, "alter-table-add"));
  else if (!strcmp(w, "alter-table-drop")) rc = drop_cols(s, n, t, &sc);
  else if (!strcmp(w, "alter-table-rename-column")) rc = rename_col(s, n, t, &sc);
  else if (!strcmp(w, "alter-table-drop-pk")) {
    if (!sc.npk) return fail(s, n, t, "The base table does not define any primary key.%s%s", "", "");
    sc.npk = 0, rc = STROM_OK;
  } else {
    if (!sc.wm) return fail(s, n, t, "The base table does not define any watermark strategy.%s%s", "", "");
    sc.wm = NULL, rc = STROM_OK;
  }
  return rc ? rc : rebuild(s, n, t, &sc);
}
