/*
 * catalog_ns.c -- catalogs and databases, as Flink's CatalogManager: the session starts
 * in default_catalog.default_database; CREATE CATALOG (generic_in_memory only) adds a
 * catalog with its default database, CREATE DATABASE a database, USE [CATALOG] moves
 * the current ones.  Tables and views stay in the session's one list (sql_catalog) and
 * carry the catalog and database they live in, so a name resolves as Flink's: t in the
 * current database, db.t in the current catalog, c.db.t anywhere.  Also the SHOW
 * statements that list names (CATALOGS, DATABASES, TABLES, VIEWS, CURRENT ...).
 */
#include <stdarg.h>
#include <strings.h>

#include "sql_int.h"

typedef struct ns_db {
  char *name;
} ns_db;

typedef struct ns_cat {
  char *name;
  ns_db *dbs;
  int ndbs;
  sql_jdbc_cat *jdbc; /* a 'jdbc' catalog's tables (catalog_jdbc.c), else NULL */
} ns_cat;

struct sql_ns {
  ns_cat *cats;
  int ncats;
  /* the current ones: the catalog's and database's own name strings, which stay where
   * they are when the arrays grow (a current one is never dropped) */
  const char *cur_cat, *cur_db;
};

static const char DEF_CAT[] = "default_catalog", DEF_DB[] = "default_database";

const char *sql_ns_catalog(const sql_catalog *c) { return c->ns ? c->ns->cur_cat : DEF_CAT; }
const char *sql_ns_database(const sql_catalog *c) { return c->ns ? c->ns->cur_db : DEF_DB; }

int sql_ns_err(sql_session *s, const sql_node *n, const char *fmt, ...) {
  int k = snprintf(s->err, sizeof s->err, "line %d, column %d: ", n->line, n->col);
  va_list ap;
  va_start(ap, fmt);
  if (k > 0 && (size_t)k < sizeof s->err) vsnprintf(s->err + k, sizeof s->err - (size_t)k, fmt, ap);
  va_end(ap);
  return STROM_EINVAL;
}

void sql_ns_free(struct sql_ns *ns) {
  if (!ns) return;
  for (int i = 0; i < ns->ncats; i++) {
    for (int k = 0; k < ns->cats[i].ndbs; k++) free(ns->cats[i].dbs[k].name);
    free(ns->cats[i].dbs);
    free(ns->cats[i].name);
    sql_jdbc_cat_free(ns->cats[i].jdbc);
  }
  free(ns->cats);
  free(ns);
}

static ns_cat *cat_find(const struct sql_ns *ns, const char *name) {
  for (int i = 0; ns && i < ns->ncats; i++)
    if (!strcmp(ns->cats[i].name, name)) return &ns->cats[i];
  return NULL;
}

static ns_db *db_find(const ns_cat *c, const char *name) {
  for (int i = 0; c && i < c->ndbs; i++)
    if (!strcmp(c->dbs[i].name, name)) return &c->dbs[i];
  return NULL;
}

static int db_add(ns_cat *c, const char *name) {
  ns_db *d = strom__realloc(c->dbs, sizeof *d * (size_t)(c->ndbs + 1));
  if (!d) return STROM_ENOMEM;
  c->dbs = d;
  if (!(d[c->ndbs].name = strom__strdup(name))) return STROM_ENOMEM;
  c->ndbs++;
  return STROM_OK;
}

/* A jdbc catalog's databases as the server has them now: new ones are added (none is
 * removed, the current one's name must stay); the live list in *live when asked for. */
static int jdbc_sync(ns_cat *c, char ***live, int *nlive, char *err, size_t errlen) {
  char **dbs;
  int n, rc = sql_jdbc_cat_databases(c->jdbc, &dbs, &n, err, errlen);
  for (int i = 0; !rc && i < n; i++)
    if (!db_find(c, dbs[i])) rc = db_add(c, dbs[i]);
  if (live && !rc) *live = dbs, *nlive = n;
  else {
    for (int i = 0; i < n; i++) free(dbs[i]);
    free(dbs);
  }
  return rc;
}

static ns_cat *cat_add(struct sql_ns *ns, const char *name, const char *db) {
  ns_cat *c = strom__realloc(ns->cats, sizeof *c * (size_t)(ns->ncats + 1));
  if (!c) return NULL;
  ns->cats = c;
  c = &c[ns->ncats];
  memset(c, 0, sizeof *c);
  if (!(c->name = strom__strdup(name)) || db_add(c, db)) {
    free(c->dbs ? c->dbs[0].name : NULL), free(c->dbs), free(c->name);
    return NULL;
  }
  ns->ncats++;
  return c;
}

/* The catalogs, made on first use with the default one. */
static struct sql_ns *ns_get(sql_catalog *c) {
  if (c->ns) return c->ns;
  struct sql_ns *ns = strom__calloc(1, sizeof *ns);
  if (!ns || !cat_add(ns, DEF_CAT, DEF_DB)) return free(ns), NULL;
  ns->cur_cat = ns->cats[0].name, ns->cur_db = ns->cats[0].dbs[0].name;
  return c->ns = ns;
}

static void ns_set(struct sql_ns *ns, const char *cat, const char *db) {
  ns_cat *c = cat_find(ns, cat);
  ns_db *d = db_find(c, db);
  if (c && d) ns->cur_cat = c->name, ns->cur_db = d->name;
}

int sql_ns_resolve(const sql_catalog *c, const sql_node *name, const char **cat, const char **db, const char **obj,
                   char *err, size_t errlen) {
  int n = name->nkids;
  if (n < 1) return snprintf(err, errlen, "an empty name"), -1;
  if (n > 3) return snprintf(err, errlen, "'%s...' has %d parts; a name is [catalog.][database.]object", name->kids[0]->text, n), -1;
  *obj = name->kids[n - 1]->text;
  *db = n >= 2 ? name->kids[n - 2]->text : sql_ns_database(c);
  *cat = n == 3 ? name->kids[0]->text : sql_ns_catalog(c);
  bool cat_ok = c->ns ? cat_find(c->ns, *cat) != NULL : !strcmp(*cat, DEF_CAT);
  if (!cat_ok) return snprintf(err, errlen, "catalog '%s' does not exist", *cat), -1;
  ns_cat *jc = c->ns ? cat_find(c->ns, *cat) : NULL;
  if (jc && jc->jdbc && !db_find(jc, *db) && jdbc_sync(jc, NULL, NULL, err, errlen)) return -1; /* made since? */
  bool db_ok = c->ns ? db_find(cat_find(c->ns, *cat), *db) != NULL : !strcmp(*db, DEF_DB);
  if (!db_ok) return snprintf(err, errlen, "database '%s.%s' does not exist", *cat, *db), -1;
  return 0;
}

static bool in_ns(const sql_table *t, const char *cat, const char *db) {
  return !strcmp(t->catalog ? t->catalog : DEF_CAT, cat) && !strcmp(t->database ? t->database : DEF_DB, db);
}

bool sql_ns_exists(const sql_catalog *c, const char *cat, const char *db) {
  if (!c->ns) return !strcmp(cat, DEF_CAT) && (!db || !strcmp(db, DEF_DB));
  const ns_cat *k = cat_find(c->ns, cat);
  return k && (!db || db_find(k, db));
}

sql_table *sql_ns_find(const sql_catalog *c, const char *cat, const char *db, const char *name) {
  ns_cat *jc = cat_find(c->ns, cat);
  if (jc && jc->jdbc) return sql_jdbc_cat_table(jc->jdbc, db, name, NULL, 0);
  for (int i = 0; i < c->n; i++)
    if (!strcmp(c->t[i]->name, name) && in_ns(c->t[i], cat, db)) return c->t[i];
  return NULL;
}

sql_table *sql_catalog_lookup(const sql_catalog *c, const sql_node *name, char *err, size_t errlen) {
  const char *cat, *db, *obj;
  if (errlen) err[0] = 0;
  if (sql_ns_resolve(c, name, &cat, &db, &obj, err, errlen)) return NULL;
  ns_cat *jc = cat_find(c->ns, cat);
  if (jc && jc->jdbc) return sql_jdbc_cat_table(jc->jdbc, db, obj, err, errlen); /* read from PostgreSQL */
  return sql_ns_find(c, cat, db, obj);
}

void sql_ns_enter(sql_catalog *c, const sql_table *t, const char *save[2]) {
  save[0] = sql_ns_catalog(c), save[1] = sql_ns_database(c);
  if (c->ns && t->ctx_catalog && t->ctx_database) ns_set(c->ns, t->ctx_catalog, t->ctx_database);
}

void sql_ns_leave(sql_catalog *c, const char *save[2]) {
  if (c->ns) ns_set(c->ns, save[0], save[1]);
}

void sql_catalog_remove(sql_catalog *c, sql_table *t) {
  for (int i = 0; i < c->n; i++)
    if (c->t[i] == t) {
      memmove(&c->t[i], &c->t[i + 1], sizeof *c->t * (size_t)(c->n - i - 1));
      c->n--;
      sql_table_free(t);
      return;
    }
}

/* ---- SQL LIKE of SHOW ... LIKE: % any run, _ one character, \ escapes ---- */

static bool like(const char *s, const char *p) {
  for (; *p; p++, s++) {
    if (*p == '%') {
      while (p[1] == '%') p++;
      for (;; s++) {
        if (like(s, p + 1)) return true;
        if (!*s) return false;
      }
    }
    if (!*s) return false;
    if (*p == '\\' && p[1]) p++;
    else if (*p == '_') continue;
    if (*p != *s) return false;
  }
  return !*s;
}

/* Whether name passes the SHOW's [NOT] LIKE kid, if it has one. */
bool sql_show_like(const sql_node *n, const char *name) {
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind == SQL_OP) return like(name, n->kids[i]->kids[0]->text) == !strcmp(n->kids[i]->text, "like");
  return true;
}

static const sql_node *show_from(const sql_node *n) {
  return n->nkids && n->kids[0]->kind == SQL_NAME ? n->kids[0] : NULL;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Flink's one-column tableau of names (sorted), "Empty set" when none. */
static void print_list(FILE *f, const char *title, const char **names, int n) {
  qsort(names, (size_t)n, sizeof *names, cmp_names);
  int w = (int)strlen(title);
  for (int i = 0; i < n; i++)
    if ((int)strlen(names[i]) > w) w = (int)strlen(names[i]);
  if (!n) {
    fprintf(f, "Empty set\n");
    return;
  }
  strom_buf line = {0};
  strom__buf_printf(&line, "+");
  for (int i = 0; i < w + 2; i++) strom__buf_printf(&line, "-");
  strom__buf_printf(&line, "+");
  fprintf(f, "%s\n| %-*s |\n%s\n", line.p, w, title, line.p);
  for (int i = 0; i < n; i++) fprintf(f, "| %-*s |\n", w, names[i]);
  fprintf(f, "%s\n%d row%s in set\n", line.p, n, n == 1 ? "" : "s");
  strom__buf_free(&line);
}

/* SHOW TABLES of a jdbc catalog: PostgreSQL's tables; no views, as Flink's */
static int show_jdbc_tables(sql_session *s, const sql_node *n, sql_jdbc_cat *j, const char *db, bool views) {
  char **all = NULL, m[1024];
  int nall = 0;
  if (!views && sql_jdbc_cat_tables(j, db, &all, &nall, m, sizeof m)) return sql_ns_err(s, n, "%s", m);
  const char **names = strom__calloc((size_t)nall + 1, sizeof *names);
  int k = 0;
  for (int i = 0; names && i < nall; i++)
    if (sql_show_like(n, all[i])) names[k++] = all[i];
  if (names) print_list(s->out, views ? "view name" : "table name", names, k);
  free(names);
  for (int i = 0; i < nall; i++) free(all[i]);
  free(all);
  return names ? STROM_OK : STROM_ENOMEM;
}

int sql_catalog_show(sql_session *s, const sql_node *n) {
  const char *what = n->text;
  sql_catalog *c = &s->cat;
  if (!strcmp(what, "CURRENT CATALOG") || !strcmp(what, "CURRENT DATABASE")) {
    const char *one = what[8] == 'C' ? sql_ns_catalog(c) : sql_ns_database(c);
    print_list(s->out, what[8] == 'C' ? "current catalog name" : "current database name", &one, 1);
    return STROM_OK;
  }
  if (!strcmp(what, "CATALOGS")) {
    struct sql_ns *ns = ns_get(c);
    if (!ns) return STROM_ENOMEM;
    const char **names = strom__calloc((size_t)ns->ncats, sizeof *names);
    if (!names) return STROM_ENOMEM;
    int k = 0;
    for (int i = 0; i < ns->ncats; i++)
      if (sql_show_like(n, ns->cats[i].name)) names[k++] = ns->cats[i].name;
    print_list(s->out, "catalog name", names, k);
    free(names);
    return STROM_OK;
  }
  if (!strcmp(what, "DATABASES")) {
    struct sql_ns *ns = ns_get(c);
    if (!ns) return STROM_ENOMEM;
    const sql_node *from = show_from(n);
    if (from && from->nkids != 1) return sql_ns_err(s, from, "SHOW DATABASES FROM takes a catalog name");
    ns_cat *cat = cat_find(ns, from ? from->kids[0]->text : ns->cur_cat);
    if (!cat) return sql_ns_err(s, from, "catalog '%s' does not exist", from->kids[0]->text);
    if (cat->jdbc) { /* the server's list now */
      char **live = NULL, m[1024];
      int nlive = 0, rc = jdbc_sync(cat, &live, &nlive, m, sizeof m);
      const char **names = rc ? NULL : strom__calloc((size_t)nlive + 1, sizeof *names);
      if (!rc && !names) rc = STROM_ENOMEM;
      int k = 0;
      for (int i = 0; names && i < nlive; i++)
        if (sql_show_like(n, live[i])) names[k++] = live[i];
      if (names) print_list(s->out, "database name", names, k);
      free(names);
      for (int i = 0; i < nlive; i++) free(live[i]);
      free(live);
      if (rc) return rc == STROM_ENOMEM ? rc : sql_ns_err(s, from ? from : n, "%s", m);
      return STROM_OK;
    }
    const char **names = strom__calloc((size_t)cat->ndbs, sizeof *names);
    if (!names) return STROM_ENOMEM;
    int k = 0;
    for (int i = 0; i < cat->ndbs; i++)
      if (sql_show_like(n, cat->dbs[i].name)) names[k++] = cat->dbs[i].name;
    print_list(s->out, "database name", names, k);
    free(names);
    return STROM_OK;
  }
  if (!strcmp(what, "TABLES") || !strcmp(what, "VIEWS")) {
    bool views = what[0] == 'V';
    const char *cat = sql_ns_catalog(c), *db = sql_ns_database(c);
    const sql_node *from = show_from(n);
    if (from) {
      if (from->nkids > 2) return sql_ns_err(s, from, "SHOW %s FROM takes [catalog.]database", what);
      const char *obj;
      char m[300];
      /* resolve "db" / "cat.db" as the qualifier of an object */
      sql_node q = *from;
      sql_node *kids[3] = {from->kids[0], from->nkids > 1 ? from->kids[1] : NULL, NULL};
      sql_node dummy = {.kind = SQL_ID, .text = "x"};
      kids[from->nkids] = &dummy;
      q.kids = kids, q.nkids = from->nkids + 1;
      if (sql_ns_resolve(c, &q, &cat, &db, &obj, m, sizeof m)) return sql_ns_err(s, from, "%s", m);
    }
    ns_cat *jc = cat_find(c->ns, cat);
    if (jc && jc->jdbc) return show_jdbc_tables(s, n, jc->jdbc, db, views);
    const char **names = strom__calloc((size_t)c->n + 1, sizeof *names);
    if (!names) return STROM_ENOMEM;
    int k = 0;
    for (int i = 0; i < c->n; i++)
      if ((!views || c->t[i]->view) && in_ns(c->t[i], cat, db) && sql_show_like(n, c->t[i]->name)) names[k++] = c->t[i]->name;
    print_list(s->out, views ? "view name" : "table name", names, k);
    free(names);
    return STROM_OK;
  }
  return sql_show_more(s, n);
}

/* ---- CREATE / DROP / USE ---- */

static const sql_node *kid(const sql_node *n, sql_kind k) {
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind == k) return n->kids[i];
  return NULL;
}

static const char *opt(const sql_node *with, const char *key) {
  for (int i = 0; with && i < with->nkids; i++)
    if (!strcmp(with->kids[i]->kids[0]->text, key)) return with->kids[i]->kids[1]->text;
  return NULL;
}

/* PostgreSQL's databases, the default one first (USE CATALOG picks the first) */
static int create_jdbc_catalog(sql_session *s, const sql_node *n, struct sql_ns *ns, const char *name, const sql_node *with) {
  char **dbs;
  int ndbs, rc = STROM_OK;
  sql_jdbc_cat *j = sql_jdbc_cat_open(s, n, name, with, &dbs, &ndbs);
  if (!j) return s->err[0] ? STROM_EINVAL : STROM_ENOMEM;
  ns_cat *c = ndbs ? cat_add(ns, name, dbs[0]) : NULL;
  if (!ndbs) rc = sql_ns_err(s, n, "catalog '%s': the server has no database", name);
  else if (!c) rc = STROM_ENOMEM;
  for (int i = 1; c && !rc && i < ndbs; i++) rc = db_add(c, dbs[i]);
  for (int i = 0; i < ndbs; i++) free(dbs[i]);
  free(dbs);
  if (c) c->jdbc = j;
  else sql_jdbc_cat_free(j);
  return rc;
}

/* Whether cat is a jdbc catalog, whose tables and databases are PostgreSQL's: DDL in it
 * fails as Flink's (its JdbcCatalog throws UnsupportedOperationException). */
int sql_ns_read_only(sql_session *s, const sql_node *at, const char *what, const char *cat, const char *db, const char *obj) {
  ns_cat *c = cat_find(s->cat.ns, cat);
  if (!c || !c->jdbc) return STROM_OK;
  return sql_ns_err(s, at, "could not execute %s in path `%s`.`%s`%s%s%s: catalog '%s' (type 'jdbc') is read-only: "
                    "its databases and tables are PostgreSQL's", what, cat, db, obj ? ".`" : "", obj ? obj : "",
                    obj ? "`" : "", cat);
}

static int create_catalog(sql_session *s, const sql_node *n) {
  const sql_node *nm = n->kids[0], *with = kid(n, SQL_WITH_OPTIONS);
  if (nm->nkids != 1) return sql_ns_err(s, nm, "a catalog name has one part");
  const char *name = nm->kids[0]->text;
  struct sql_ns *ns = ns_get(&s->cat);
  if (!ns) return STROM_ENOMEM;
  if (cat_find(ns, name)) {
    if (n->flags & SQL_F(IF_NOT_EXISTS)) return STROM_OK;
    return sql_ns_err(s, nm, "catalog '%s' already exists", name);
  }
  const char *type = opt(with, "type");
  if (!type) return sql_ns_err(s, n, "CREATE CATALOG %s: the 'type' option is missing (Strom has 'generic_in_memory' and 'jdbc')", name);
  if (!strcmp(type, "jdbc")) return create_jdbc_catalog(s, n, ns, name, with);
  if (strcmp(type, "generic_in_memory"))
    return sql_ns_err(s, with, "not supported: catalog type '%s' (Strom has 'generic_in_memory' and 'jdbc' catalogs)", type);
  for (int i = 0; i < with->nkids; i++) {
    const char *k = with->kids[i]->kids[0]->text;
    if (strcmp(k, "type") && strcmp(k, "default-database") && strcmp(k, "property-version"))
      return sql_ns_err(s, with->kids[i], "catalog '%s': unsupported option '%s' (generic_in_memory takes 'default-database')", name, k);
  }
  const char *db = opt(with, "default-database");
  if (db && !*db) return sql_ns_err(s, with, "catalog '%s': 'default-database' must not be empty", name);
  return cat_add(ns, name, db ? db : "default") ? STROM_OK : STROM_ENOMEM;
}

static int use(sql_session *s, const sql_node *n, bool catalog) {
  const sql_node *nm = n->kids[0];
  struct sql_ns *ns = ns_get(&s->cat);
  if (!ns) return STROM_ENOMEM;
  if (catalog) {
    if (nm->nkids != 1) return sql_ns_err(s, nm, "a catalog name has one part");
    ns_cat *c = cat_find(ns, nm->kids[0]->text);
    if (!c) return sql_ns_err(s, nm, "catalog '%s' does not exist", nm->kids[0]->text);
    if (!c->ndbs) return sql_ns_err(s, nm, "catalog '%s' has no database to use", c->name);
    /* Flink: the catalog's default database, or the first one when it was dropped */
    ns->cur_cat = c->name, ns->cur_db = c->dbs[0].name;
    return STROM_OK;
  }
  if (nm->nkids > 2) return sql_ns_err(s, nm, "USE takes [catalog.]database");
  const char *cat = nm->nkids == 2 ? nm->kids[0]->text : ns->cur_cat, *db = nm->kids[nm->nkids - 1]->text;
  ns_cat *c = cat_find(ns, cat);
  if (!c) return sql_ns_err(s, nm, "catalog '%s' does not exist", cat);
  ns_db *d = db_find(c, db);
  if (!d) return sql_ns_err(s, nm, "database '%s.%s' does not exist", cat, db);
  ns->cur_cat = c->name, ns->cur_db = d->name;
  return STROM_OK;
}

static int create_database(sql_session *s, const sql_node *n) {
  const sql_node *nm = n->kids[0];
  struct sql_ns *ns = ns_get(&s->cat);
  if (!ns) return STROM_ENOMEM;
  if (nm->nkids > 2) return sql_ns_err(s, nm, "a database name is [catalog.]database");
  const char *cat = nm->nkids == 2 ? nm->kids[0]->text : ns->cur_cat, *db = nm->kids[nm->nkids - 1]->text;
  ns_cat *c = cat_find(ns, cat);
  if (!c) return sql_ns_err(s, nm, "catalog '%s' does not exist", cat);
  if (c->jdbc) return sql_ns_read_only(s, nm, "CreateDatabase", cat, db, NULL);
  if (db_find(c, db)) {
    if (n->flags & SQL_F(IF_NOT_EXISTS)) return STROM_OK;
    return sql_ns_err(s, nm, "database '%s.%s' already exists", cat, db);
  }
  return db_add(c, db);
}

static int drop_database(sql_session *s, const sql_node *n) {
  const sql_node *nm = n->kids[0];
  bool cascade = n->nkids > 1 && !strcmp(n->kids[1]->text, "CASCADE");
  struct sql_ns *ns = ns_get(&s->cat);
  if (!ns) return STROM_ENOMEM;
  if (nm->nkids > 2) return sql_ns_err(s, nm, "a database name is [catalog.]database");
  const char *cat = nm->nkids == 2 ? nm->kids[0]->text : ns->cur_cat, *db = nm->kids[nm->nkids - 1]->text;
  ns_cat *c = cat_find(ns, cat);
  ns_db *d = db_find(c, db);
  if (c && c->jdbc) return sql_ns_read_only(s, nm, "DropDatabase", cat, db, NULL);
  if (!c || !d) {
    if (n->flags & SQL_F(IF_EXISTS)) return STROM_OK;
    if (!c) return sql_ns_err(s, nm, "catalog '%s' does not exist", cat);
    return sql_ns_err(s, nm, "database '%s.%s' does not exist", cat, db);
  }
  if (c->name == ns->cur_cat && d->name == ns->cur_db)
    return sql_ns_err(s, nm, "cannot drop database '%s.%s': it is the current database", cat, db);
  sql_catalog *sc = &s->cat;
  for (int i = 0; i < sc->n; i++)
    if (in_ns(sc->t[i], c->name, d->name) && !cascade)
      return sql_ns_err(s, nm, "database '%s.%s' is not empty (it has '%s'; DROP DATABASE ... CASCADE drops its tables and views)",
                        cat, db, sc->t[i]->name);
  if (!cascade && sql_udf_drop_ns(s, c->name, d->name, true))
    return sql_ns_err(s, nm, "database '%s.%s' is not empty (it has functions; DROP DATABASE ... CASCADE drops them)", cat, db);
  sql_udf_drop_ns(s, c->name, d->name, false);
  for (int i = 0; i < sc->n;)
    if (in_ns(sc->t[i], c->name, d->name)) sql_catalog_remove(sc, sc->t[i]);
    else i++;
  free(d->name);
  memmove(d, d + 1, sizeof *d * (size_t)(c->ndbs - (d - c->dbs) - 1));
  c->ndbs--;
  return STROM_OK;
}

static int drop_catalog(sql_session *s, const sql_node *n) {
  const sql_node *nm = n->kids[0];
  struct sql_ns *ns = ns_get(&s->cat);
  if (!ns) return STROM_ENOMEM;
  if (nm->nkids != 1) return sql_ns_err(s, nm, "a catalog name has one part");
  ns_cat *c = cat_find(ns, nm->kids[0]->text);
  if (!c) {
    if (n->flags & SQL_F(IF_EXISTS)) return STROM_OK;
    return sql_ns_err(s, nm, "catalog '%s' does not exist", nm->kids[0]->text);
  }
  if (c->name == ns->cur_cat) return sql_ns_err(s, nm, "cannot drop catalog '%s': it is the current catalog", c->name);
  sql_catalog *sc = &s->cat;
  for (int i = 0; i < sc->n;)
    if (!strcmp(sc->t[i]->catalog ? sc->t[i]->catalog : DEF_CAT, c->name)) sql_catalog_remove(sc, sc->t[i]);
    else i++;
  sql_udf_drop_ns(s, c->name, NULL, false);
  for (int k = 0; k < c->ndbs; k++) free(c->dbs[k].name);
  free(c->dbs);
  free(c->name);
  sql_jdbc_cat_free(c->jdbc);
  memmove(c, c + 1, sizeof *c * (size_t)(ns->ncats - (c - ns->cats) - 1));
  ns->ncats--;
  return STROM_OK;
}

/* ALTER TABLE / VIEW / DATABASE in a jdbc catalog: refused (sql_ns_read_only) */
static int jdbc_alter(sql_session *s, const sql_node *n) {
  const sql_node *nm = n->kids[0];
  if (!s->cat.ns || nm->kind != SQL_NAME || nm->nkids < 1) return STROM_OK;
  if (!strncmp(n->text, "alter-catalog", 13)) return STROM_OK; /* names a catalog, not a table: catalog_props.c */
  if (!strncmp(n->text, "alter-database", 14)) {
    if (nm->nkids > 2) return STROM_OK;
    const char *cat = nm->nkids == 2 ? nm->kids[0]->text : s->cat.ns->cur_cat;
    return sql_ns_read_only(s, nm, "AlterDatabase", cat, nm->kids[nm->nkids - 1]->text, NULL);
  }
  const char *cat, *db, *obj;
  char m[300];
  if (sql_ns_resolve(&s->cat, nm, &cat, &db, &obj, m, sizeof m)) return STROM_OK; /* sql_catalog_alter says why */
  return sql_ns_read_only(s, nm, !strncmp(n->text, "alter-view", 10) ? "AlterView" : "AlterTable", cat, db, obj);
}

int sql_catalog_stmt(sql_session *s, const sql_node *n) {
  const char *w = n->text;
  if (!strcmp(w, "create-catalog") || !strcmp(w, "create-database")) { /* their options: catalog_props.c */
    bool had = n->kids[0]->nkids == 1 && w[7] == 'c' && sql_ns_exists(&s->cat, n->kids[0]->kids[0]->text, NULL);
    int rc = w[7] == 'c' ? create_catalog(s, n) : create_database(s, n);
    return rc || had ? rc : sql_props_created(s, n);
  }
  if (!strcmp(w, "drop-catalog")) return drop_catalog(s, n);
  if (!strcmp(w, "drop-database")) return drop_database(s, n);
  if (!strcmp(w, "use-catalog")) return use(s, n, true);
  if (!strcmp(w, "use")) return use(s, n, false);
  if (!strncmp(w, "alter-", 6) && jdbc_alter(s, n)) return STROM_EINVAL;
  if (!strncmp(w, "alter-", 6)) return sql_catalog_alter(s, n);
  return 1;
}
