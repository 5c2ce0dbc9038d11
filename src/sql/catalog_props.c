/*
 * catalog_props.c -- the options and comments of catalogs and databases, and the
 * statements that change and show them, as Flink 1.20's: ALTER DATABASE [c.]db SET
 * (...) merges a database's properties; ALTER CATALOG c SET (...) / RESET ('k', ...) /
 * COMMENT '...' change a catalog's options (checked as at CREATE CATALOG: a
 * generic_in_memory catalog takes 'default-database' only, and RESET cannot change
 * 'type'); SHOW CREATE CATALOG and DESCRIBE CATALOG [EXTENDED] print them.  The catalogs
 * and databases themselves are catalog_ns.c's; this side table, keyed by their names,
 * is filled by CREATE CATALOG / DATABASE (sql_props_created) and read by name, so a
 * catalog made again starts afresh; the session's default_catalog has no entry, as Flink
 * keeps no descriptor of it (DESCRIBE / SHOW CREATE / ALTER CATALOG refuse it).  Unlike Flink, ALTER CATALOG keeps the in-memory
 * catalog's tables (Flink re-creates the catalog object, which empties an in-memory one).
 */
#include <strings.h>

#include "sql_int.h"

typedef struct prop_ent {
  char *cat, *db; /* db NULL: the catalog's own entry */
  char *comment;
  char **keys, **vals;
  int n;
} prop_ent;

struct sql_props {
  prop_ent *e;
  int n;
};

static prop_ent *find(struct sql_props *p, const char *cat, const char *db) {
  for (int i = 0; p && i < p->n; i++)
    if (!strcmp(p->e[i].cat, cat) && (db ? p->e[i].db && !strcmp(p->e[i].db, db) : !p->e[i].db)) return &p->e[i];
  return NULL;
}

static void ent_clear(prop_ent *e) {
  for (int i = 0; i < e->n; i++) free(e->keys[i]), free(e->vals[i]);
  free(e->keys), free(e->vals), free(e->comment);
  e->keys = e->vals = NULL, e->comment = NULL, e->n = 0;
}

void sql_props_free(struct sql_props *p) {
  if (!p) return;
  for (int i = 0; i < p->n; i++) ent_clear(&p->e[i]), free(p->e[i].cat), free(p->e[i].db);
  free(p->e);
  free(p);
}

/* The entry of cat[.db], made empty when missing (or when fresh is set). */
static prop_ent *get(sql_session *s, const char *cat, const char *db, bool fresh) {
  if (!s->cat.props && !(s->cat.props = strom__calloc(1, sizeof *s->cat.props))) return NULL;
  struct sql_props *p = s->cat.props;
  prop_ent *e = find(p, cat, db);
  if (e) {
    if (fresh) ent_clear(e);
    return e;
  }
  prop_ent *ne = strom__realloc(p->e, sizeof *ne * (size_t)(p->n + 1));
  if (!ne) return NULL;
  p->e = ne;
  e = &p->e[p->n];
  memset(e, 0, sizeof *e);
  if (!(e->cat = strom__strdup(cat)) || (db && !(e->db = strom__strdup(db)))) {
    free(e->cat);
    return NULL;
  }
  p->n++;
  return e;
}

static int put(prop_ent *e, const char *k, const char *v) {
  for (int i = 0; i < e->n; i++)
    if (!strcmp(e->keys[i], k)) {
      char *nv = strom__strdup(v);
      if (!nv) return STROM_ENOMEM;
      free(e->vals[i]);
      e->vals[i] = nv;
      return STROM_OK;
    }
  char **nk = strom__realloc(e->keys, sizeof *nk * (size_t)(e->n + 1));
  if (nk) e->keys = nk;
  char **nv = nk ? strom__realloc(e->vals, sizeof *nv * (size_t)(e->n + 1)) : NULL;
  if (!nv) return STROM_ENOMEM;
  e->vals = nv;
  if (!(e->keys[e->n] = strom__strdup(k))) return STROM_ENOMEM;
  if (!(e->vals[e->n] = strom__strdup(v))) return free(e->keys[e->n]), STROM_ENOMEM;
  e->n++;
  return STROM_OK;
}

static void del(prop_ent *e, const char *k) {
  for (int i = 0; i < e->n; i++)
    if (!strcmp(e->keys[i], k)) {
      free(e->keys[i]), free(e->vals[i]);
      memmove(&e->keys[i], &e->keys[i + 1], sizeof *e->keys * (size_t)(e->n - i - 1));
      memmove(&e->vals[i], &e->vals[i + 1], sizeof *e->vals * (size_t)(e->n - i - 1));
      e->n--;
      return;
    }
}

static const sql_node *kid(const sql_node *n, sql_kind k) {
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind == k) return n->kids[i];
  return NULL;
}

static int set_comment(prop_ent *e, const char *c) {
  char *nc = strom__strdup(c);
  if (!nc) return STROM_ENOMEM;
  free(e->comment);
  e->comment = nc;
  return STROM_OK;
}

/* The catalog and database a [c.]db name means. */
static void db_of(sql_session *s, const sql_node *nm, const char **cat, const char **db) {
  *cat = nm->nkids == 2 ? nm->kids[0]->text : sql_ns_catalog(&s->cat);
  *db = nm->kids[nm->nkids - 1]->text;
}

int sql_props_created(sql_session *s, const sql_node *n) {
  bool catalog = !strcmp(n->text, "create-catalog");
  const sql_node *nm = n->kids[0], *with = kid(n, SQL_WITH_OPTIONS), *com = kid(n, SQL_COMMENT);
  const char *cat, *db = NULL;
  if (catalog) cat = nm->kids[0]->text;
  else db_of(s, nm, &cat, &db);
  prop_ent *e = get(s, cat, db, true);
  if (!e) return STROM_ENOMEM;
  for (int i = 0; with && i < with->nkids; i++)
    if (put(e, with->kids[i]->kids[0]->text, with->kids[i]->kids[1]->text)) return STROM_ENOMEM;
  if (com && set_comment(e, com->kids[0]->text)) return STROM_ENOMEM;
  return STROM_OK;
}

/* A catalog's entry: NULL for the session's default catalog, which no CREATE CATALOG
 * described (Flink has no descriptor of it in its catalog store either). */
static prop_ent *cat_ent(sql_session *s, const char *cat) { return s->cat.props ? find(s->cat.props, cat, NULL) : NULL; }

static bool cat_exists(sql_session *s, const char *cat) { return sql_ns_exists(&s->cat, cat, NULL); }

static int alter_database(sql_session *s, const sql_node *n) {
  const sql_node *nm = n->kids[0], *with = n->kids[1];
  if (nm->nkids > 2) return sql_ns_err(s, nm, "a database name is [catalog.]database");
  const char *cat, *db;
  db_of(s, nm, &cat, &db);
  if (!sql_ns_exists(&s->cat, cat, NULL)) return sql_ns_err(s, nm, "catalog '%s' does not exist", cat);
  if (!sql_ns_exists(&s->cat, cat, db)) return sql_ns_err(s, nm, "database '%s.%s' does not exist", cat, db);
  if (!with->nkids) return sql_ns_err(s, with, "ALTER DATABASE SET needs at least one property");
  prop_ent *e = get(s, cat, db, false);
  if (!e) return STROM_ENOMEM;
  for (int i = 0; i < with->nkids; i++)
    if (put(e, with->kids[i]->kids[0]->text, with->kids[i]->kids[1]->text)) return STROM_ENOMEM;
  return STROM_OK;
}

/* A generic_in_memory catalog's options, as CREATE CATALOG checks them. */
static int check_catalog(sql_session *s, const sql_node *at, const char *cat, const prop_ent *e) {
  const char *type = NULL;
  for (int i = 0; i < e->n; i++) {
    const char *k = e->keys[i];
    if (!strcmp(k, "type")) type = e->vals[i];
    else if (!strcmp(k, "default-database") && !*e->vals[i])
      return sql_ns_err(s, at, "catalog '%s': 'default-database' must not be empty", cat);
    else if (strcmp(k, "default-database") && strcmp(k, "property-version"))
      return sql_ns_err(s, at, "catalog '%s': unsupported option '%s' (generic_in_memory takes 'default-database')", cat, k);
  }
  if (type && strcmp(type, "generic_in_memory"))
    return sql_ns_err(s, at, "not supported: catalog type '%s' (Strom has 'generic_in_memory' catalogs only)", type);
  return STROM_OK;
}

static int alter_catalog(sql_session *s, const sql_node *n) {
  const sql_node *nm = n->kids[0];
  if (nm->nkids != 1) return sql_ns_err(s, nm, "a catalog name has one part");
  const char *cat = nm->kids[0]->text;
  if (!cat_exists(s, cat)) return sql_ns_err(s, nm, "catalog '%s' does not exist", cat);
  prop_ent *e = cat_ent(s, cat);
  if (!e) return sql_ns_err(s, nm, "Catalog %s does not exist in the catalog store (it was not made by CREATE CATALOG).", cat);
  if (!strcmp(n->text, "alter-catalog-comment")) return set_comment(e, n->kids[1]->text);
  for (int i = 0; i < e->n; i++)
    if (!strcmp(e->keys[i], "type") && strcmp(e->vals[i], "generic_in_memory"))
      return sql_ns_err(s, nm, "not supported yet: ALTER CATALOG SET / RESET of a '%s' catalog", e->vals[i]);
  /* the change on a copy, checked, then kept */
  prop_ent c = {.cat = e->cat};
  for (int i = 0; i < e->n; i++)
    if (put(&c, e->keys[i], e->vals[i])) return ent_clear(&c), STROM_ENOMEM;
  if (!strcmp(n->text, "alter-catalog-set")) {
    const sql_node *with = n->kids[1];
    if (!with->nkids) return ent_clear(&c), sql_ns_err(s, with, "ALTER CATALOG SET needs at least one option");
    for (int i = 0; i < with->nkids; i++)
      if (put(&c, with->kids[i]->kids[0]->text, with->kids[i]->kids[1]->text)) return ent_clear(&c), STROM_ENOMEM;
  } else {
    for (int i = 1; i < n->nkids; i++) {
      const char *k = n->kids[i]->text;
      if (!*k) return ent_clear(&c), sql_ns_err(s, n->kids[i], "ALTER CATALOG RESET does not support empty key");
      if (!strcmp(k, "type")) return ent_clear(&c), sql_ns_err(s, n->kids[i], "ALTER CATALOG RESET does not support changing 'type'");
      del(&c, k);
    }
  }
  int rc = check_catalog(s, n, cat, &c);
  if (rc) return ent_clear(&c), rc;
  for (int i = 0; i < e->n; i++) free(e->keys[i]), free(e->vals[i]);
  free(e->keys), free(e->vals);
  e->keys = c.keys, e->vals = c.vals, e->n = c.n;
  return STROM_OK;
}

int sql_props_alter(sql_session *s, const sql_node *n) {
  if (!strcmp(n->text, "alter-database")) return alter_database(s, n);
  if (!strncmp(n->text, "alter-catalog-", 14)) return alter_catalog(s, n);
  return 1;
}

static int cmp_idx(const void *a, const void *b, void *keys) {
  char **k = keys;
  return strcmp(k[*(const int *)a], k[*(const int *)b]);
}

static void quoted(strom_buf *b, const char *s) {
  strom__buf_append(b, "'", 1);
  for (; *s; s++) strom__buf_append(b, *s == '\'' ? "''" : s, *s == '\'' ? 2 : 1);
  strom__buf_append(b, "'", 1);
}

/* One row of DESCRIBE CATALOG's two-column box, values right-aligned as Flink's tableau. */
static void box_line(FILE *f, int w1, int w2) {
  fputc('+', f);
  for (int i = 0; i < w1 + 2; i++) fputc('-', f);
  fputc('+', f);
  for (int i = 0; i < w2 + 2; i++) fputc('-', f);
  fputs("+\n", f);
}

int sql_props_show(sql_session *s, const sql_node *n) {
  bool show = !strcmp(n->text, "CREATE CATALOG"), desc = !strncmp(n->text, "DESCRIBE CATALOG", 16);
  if (!show && !desc) return 1;
  const sql_node *nm = n->kids[0];
  if (nm->nkids != 1) return sql_ns_err(s, nm, "a catalog name has one part");
  const char *cat = nm->kids[0]->text;
  if (!cat_exists(s, cat)) return sql_ns_err(s, nm, "catalog '%s' does not exist", cat);
  prop_ent *e = cat_ent(s, cat);
  if (!e) return sql_ns_err(s, nm, "Cannot obtain metadata information from Catalog %s.", cat);
  int *order = strom__calloc((size_t)e->n + 1, sizeof *order);
  if (!order) return STROM_ENOMEM;
  for (int i = 0; i < e->n; i++) order[i] = i;
  qsort_r(order, (size_t)e->n, sizeof *order, cmp_idx, e->keys);
  if (show) {
    strom_buf b = {0};
    strom__buf_printf(&b, "CREATE CATALOG `%s`\n", cat); /* Flink's ShowCreateUtil layout */
    if (e->comment) strom__buf_printf(&b, "COMMENT "), quoted(&b, e->comment), strom__buf_printf(&b, "\n");
    if (e->n) strom__buf_printf(&b, "WITH (\n");
    for (int i = 0; i < e->n; i++) {
      strom__buf_printf(&b, "  ");
      quoted(&b, e->keys[order[i]]);
      strom__buf_printf(&b, " = ");
      quoted(&b, e->vals[order[i]]);
      strom__buf_printf(&b, "%s\n", i + 1 < e->n ? "," : "");
    }
    if (e->n) strom__buf_printf(&b, ")\n");
    fprintf(s->out, "%s", b.p);
    strom__buf_free(&b);
  } else {
    bool ext = strstr(n->text, "EXTENDED") != NULL;
    const char *type = "";
    for (int i = 0; i < e->n; i++)
      if (!strcmp(e->keys[i], "type")) type = e->vals[i];
    int rows = 3 + (ext ? e->n : 0), k = 0;
    char **names = strom__calloc((size_t)rows, sizeof *names);
    const char **vals = strom__calloc((size_t)rows, sizeof *vals);
    if (!names || !vals) return free(names), free(vals), free(order), STROM_ENOMEM;
    names[k] = strom__strdup("name"), vals[k++] = cat;
    names[k] = strom__strdup("type"), vals[k++] = type;
    names[k] = strom__strdup("comment"), vals[k++] = e->comment ? e->comment : "";
    for (int i = 0; ext && i < e->n; i++) { /* every option, 'type' too, as Flink */
      size_t len = strlen(e->keys[order[i]]) + 8;
      if ((names[k] = malloc(len))) snprintf(names[k], len, "option:%s", e->keys[order[i]]);
      vals[k++] = e->vals[order[i]];
    }
    int w1 = 9, w2 = 10; /* "info name", "info value" */
    for (int i = 0; i < k; i++) {
      if (names[i] && (int)strlen(names[i]) > w1) w1 = (int)strlen(names[i]);
      if ((int)strlen(vals[i]) > w2) w2 = (int)strlen(vals[i]);
    }
    box_line(s->out, w1, w2);
    fprintf(s->out, "| %*s | %*s |\n", w1, "info name", w2, "info value");
    box_line(s->out, w1, w2);
    for (int i = 0; i < k; i++) fprintf(s->out, "| %*s | %*s |\n", w1, names[i] ? names[i] : "", w2, vals[i]);
    box_line(s->out, w1, w2);
    fprintf(s->out, "%d rows in set\n", k);
    for (int i = 0; i < k; i++) free(names[i]);
    free(names), free(vals);
  }
  fflush(s->out);
  free(order);
  return STROM_OK;
}
