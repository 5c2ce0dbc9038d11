/*
 * catalog_jdbc.c -- CREATE CATALOG ... WITH ('type' = 'jdbc'): Flink's JdbcCatalog over
 * PostgreSQL (its PostgresCatalog).  The catalog's databases are the server's (less the
 * templates), a database's tables are its base tables as "schema.table" (a bare name is
 * in schema public), and a table is read from PostgreSQL's system catalogs when a
 * statement names it: its columns with Flink's PostgreSQL type mapping, NOT NULL,
 * and the primary key.  It becomes an ordinary jdbc connector table (the scan, the sink,
 * upsert by that key, the lookup join) made from a CREATE TABLE text, so it is checked
 * and shown (DESCRIBE, SHOW CREATE TABLE) like one a user wrote.  The table made last
 * serves again while the definition is unchanged; the tables made live as long as the
 * catalog, since plans point at them.
 * The catalog is read-only for DDL, as Flink's (catalog_ns.c refuses it).
 */
#include <ctype.h>
#include <postgresql/libpq-fe.h>

#include "parser.h"
#include "sql_int.h"

typedef struct jtable {
  char *db, *path; /* "schema.table" */
  char *ddl;       /* the CREATE TABLE text the table was made from */
  sql_arena ast;   /* its syntax tree, which the table points into */
  sql_table *t;
} jtable;

struct sql_jdbc_cat {
  char *name;
  char *base;           /* "jdbc:postgresql://host:port", no trailing '/' */
  char *user, *password;
  char *defdb;          /* 'default-database': where the databases are listed from */
  jtable *tables;
  int ntables;
};

void sql_jdbc_cat_free(sql_jdbc_cat *j) {
  if (!j) return;
  for (int i = 0; i < j->ntables; i++) {
    sql_table_free(j->tables[i].t);
    sql_arena_free(&j->tables[i].ast);
    free(j->tables[i].db), free(j->tables[i].path), free(j->tables[i].ddl);
  }
  free(j->tables);
  free(j->name), free(j->base), free(j->user), free(j->password), free(j->defdb);
  free(j);
}

static const char *opt(const sql_node *with, const char *key) {
  for (int i = 0; with && i < with->nkids; i++)
    if (!strcmp(with->kids[i]->kids[0]->text, key)) return with->kids[i]->kids[1]->text;
  return NULL;
}

/* libpq's message without its trailing newline */
static int msg_len(const char *m) {
  size_t n = strlen(m);
  while (n && isspace((unsigned char)m[n - 1])) n--;
  return (int)n;
}

/* Connects to database db; NULL with "catalog 'c': cannot connect to <url>: why" in err. */
static PGconn *connect_db(const sql_jdbc_cat *j, const char *db, char *err, size_t errlen) {
  char url[1024];
  snprintf(url, sizeof url, "%s/%s", j->base + 5, db); /* libpq takes the URL without "jdbc:" */
  const char *keys[] = {"dbname", "user", "password", "application_name", "connect_timeout", NULL};
  const char *vals[] = {url, j->user, j->password, "strom-catalog", "10", NULL};
  PGconn *c = PQconnectdbParams(keys, vals, 1);
  if (c && PQstatus(c) == CONNECTION_OK) return c;
  const char *m = c ? PQerrorMessage(c) : "out of memory";
  snprintf(err, errlen, "catalog '%s': cannot connect to %s/%s as user '%s': %.*s", j->name, j->base, db, j->user,
           msg_len(m), m);
  PQfinish(c);
  return NULL;
}

/* Runs q with text parameters; NULL with the server's message in err. */
static PGresult *query(const sql_jdbc_cat *j, PGconn *c, const char *q, int n, const char *const *params, char *err,
                       size_t errlen) {
  PGresult *r = PQexecParams(c, q, n, NULL, params, NULL, NULL, 0);
  if (r && PQresultStatus(r) == PGRES_TUPLES_OK) return r;
  const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
  snprintf(err, errlen, "catalog '%s' (%s): %.*s", j->name, j->base, msg_len(m), m);
  PQclear(r);
  return NULL;
}

/* The first column of r as malloc'd strings. */
static int column_strings(PGresult *r, char ***out, int *n) {
  *n = PQntuples(r);
  *out = strom__calloc((size_t)*n + 1, sizeof **out);
  if (!*out) return STROM_ENOMEM;
  for (int i = 0; i < *n; i++)
    if (!((*out)[i] = strom__strdup(PQgetvalue(r, i, 0)))) {
      for (int k = 0; k < i; k++) free((*out)[k]);
      free(*out), *out = NULL;
      return STROM_ENOMEM;
    }
  return STROM_OK;
}

sql_jdbc_cat *sql_jdbc_cat_open(sql_session *s, const sql_node *n, const char *name, const sql_node *with, char ***dbs,
                                int *ndbs) {
  *dbs = NULL, *ndbs = 0;
  static const char *const known[] = {"type", "property-version", "base-url", "default-database", "username", "password", NULL};
  for (int i = 0; i < with->nkids; i++) {
    const char *k = with->kids[i]->kids[0]->text;
    bool ok = false;
    for (int m = 0; known[m]; m++) ok |= !strcmp(k, known[m]);
    if (!ok) {
      sql_ns_err(s, with->kids[i], "catalog '%s': unsupported option '%s' (a jdbc catalog takes 'base-url', "
                 "'default-database', 'username', 'password')", name, k);
      return NULL;
    }
  }
  static const char *const required[] = {"base-url", "default-database", "username", "password", NULL};
  for (int m = 0; required[m]; m++)
    if (!opt(with, required[m]) || !*opt(with, required[m])) {
      sql_ns_err(s, n, "catalog '%s': the option '%s' is required for a jdbc catalog", name, required[m]);
      return NULL;
    }
  const char *base = opt(with, "base-url"), *db = opt(with, "default-database");
  static const char PFX[] = "jdbc:postgresql://";
  if (strncmp(base, PFX, sizeof PFX - 1)) {
    sql_ns_err(s, with, "catalog '%s': base-url '%s' is not a PostgreSQL URL (jdbc:postgresql://host:port; Strom's "
               "jdbc catalog serves PostgreSQL only)", name, base);
    return NULL;
  }
  /* Flink: the base URL names the server only; the database comes from the path */
  size_t blen = strlen(base);
  const char *slash = strchr(base + sizeof PFX - 1, '/');
  if (slash && slash[1]) {
    sql_ns_err(s, with, "catalog '%s': base-url '%s' must not name a database (jdbc:postgresql://host:port; the "
               "database is 'default-database' or the one a name picks)", name, base);
    return NULL;
  }
  if (slash) blen = (size_t)(slash - base);
  if (strchr(base, '?')) {
    sql_ns_err(s, with, "catalog '%s': base-url '%s' must not have parameters (jdbc:postgresql://host:port)", name, base);
    return NULL;
  }
  sql_jdbc_cat *j = strom__calloc(1, sizeof *j);
  if (!j || !(j->name = strom__strdup(name)) || !(j->base = strom__strdup(base)) ||
      !(j->user = strom__strdup(opt(with, "username"))) || !(j->password = strom__strdup(opt(with, "password"))) ||
      !(j->defdb = strom__strdup(db))) {
    sql_jdbc_cat_free(j);
    return NULL;
  }
  j->base[blen] = 0;
  char err[1024];
  int rc = sql_jdbc_cat_databases(j, dbs, ndbs, err, sizeof err);
  if (rc) {
    sql_jdbc_cat_free(j);
    if (rc != STROM_ENOMEM) sql_ns_err(s, n, "%s", err);
    return NULL;
  }
  return j;
}

int sql_jdbc_cat_databases(sql_jdbc_cat *j, char ***dbs, int *ndbs, char *err, size_t errlen) {
  *dbs = NULL, *ndbs = 0;
  const char *db = j->defdb;
  PGconn *c = connect_db(j, db, err, errlen);
  PGresult *r = c ? query(j, c,
                          "SELECT datname FROM pg_database WHERE datname NOT IN ('template0', 'template1') "
                          "ORDER BY datname = $1 DESC, datname", 1, &db, err, errlen)
                  : NULL;
  int rc = r ? column_strings(r, dbs, ndbs) : STROM_EINVAL;
  PQclear(r);
  PQfinish(c);
  return rc;
}

/* Flink's builtin schemas, which hold no user tables */
#define USER_SCHEMAS                                                                                              \
  "table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg\\_toast%' AND "        \
  "table_schema NOT LIKE 'pg\\_temp\\_%'"

int sql_jdbc_cat_tables(sql_jdbc_cat *j, const char *db, char ***names, int *n, char *err, size_t errlen) {
  *names = NULL, *n = 0;
  PGconn *c = connect_db(j, db, err, errlen);
  PGresult *r = c ? query(j, c,
                          "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE "
                          "table_type = 'BASE TABLE' AND " USER_SCHEMAS " ORDER BY 1", 0, NULL, err, errlen)
                  : NULL;
  int rc = r ? column_strings(r, names, n) : STROM_EINVAL;
  PQclear(r);
  PQfinish(c);
  return rc;
}

/* ---- a table: Flink's PostgreSQL type mapping, then a CREATE TABLE ---- */

/* Flink's type for PostgreSQL's typname (an array's element without its '_') and typmod;
 * false when Flink has none. */
static bool flink_type(const char *ty, int mod, strom_buf *b) {
  if (!strcmp(ty, "int2")) return !strom__buf_printf(b, "SMALLINT");
  if (!strcmp(ty, "int4")) return !strom__buf_printf(b, "INT");
  if (!strcmp(ty, "int8")) return !strom__buf_printf(b, "BIGINT");
  if (!strcmp(ty, "float4")) return !strom__buf_printf(b, "FLOAT");
  if (!strcmp(ty, "float8")) return !strom__buf_printf(b, "DOUBLE");
  if (!strcmp(ty, "bool")) return !strom__buf_printf(b, "BOOLEAN");
  if (!strcmp(ty, "text")) return !strom__buf_printf(b, "STRING");
  if (!strcmp(ty, "bytea")) return !strom__buf_printf(b, "BYTES");
  if (!strcmp(ty, "date")) return !strom__buf_printf(b, "DATE");
  if (!strcmp(ty, "numeric")) /* typmod: (precision << 16 | scale) + 4; none: Flink's DECIMAL(38, 18) */
    return !(mod < 4 ? strom__buf_printf(b, "DECIMAL(38, 18)")
                     : strom__buf_printf(b, "DECIMAL(%d, %d)", ((mod - 4) >> 16) & 0xffff, (mod - 4) & 0xffff));
  if (!strcmp(ty, "varchar")) return !(mod < 4 ? strom__buf_printf(b, "STRING") : strom__buf_printf(b, "VARCHAR(%d)", mod - 4));
  if (!strcmp(ty, "bpchar")) return !(mod < 4 ? strom__buf_printf(b, "STRING") : strom__buf_printf(b, "CHAR(%d)", mod - 4));
  if (!strcmp(ty, "char")) return !strom__buf_printf(b, "CHAR(1)");
  /* fractional digits: the typmod, PostgreSQL's 6 without one */
  if (!strcmp(ty, "time")) return !strom__buf_printf(b, "TIME(%d)", mod < 0 ? 6 : mod);
  if (!strcmp(ty, "timestamp")) return !strom__buf_printf(b, "TIMESTAMP(%d)", mod < 0 ? 6 : mod);
  if (!strcmp(ty, "timestamptz")) return !strom__buf_printf(b, "TIMESTAMP_LTZ(%d)", mod < 0 ? 6 : mod);
  return false;
}

/* `name` with backquotes doubled */
static void quoted_id(strom_buf *b, const char *s) {
  strom__buf_printf(b, "`");
  for (; *s; s++) strom__buf_printf(b, *s == '`' ? "``" : "%c", *s);
  strom__buf_printf(b, "`");
}

static void quoted_str(strom_buf *b, const char *s) {
  strom__buf_printf(b, "'");
  for (; *s; s++) strom__buf_printf(b, *s == '\'' ? "''" : "%c", *s);
  strom__buf_printf(b, "'");
}

/* Whether PostgreSQL reads s unquoted as itself (it folds other names to lower case). */
static bool plain_name(const char *s) {
  if (!*s || isdigit((unsigned char)*s) || *s == '$') return false;
  for (; *s; s++)
    if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' && *s != '$') return false;
  return true;
}

/* name as PostgreSQL reads it back: as it is, or in double quotes */
static void pg_name(strom_buf *b, const char *s) {
  if (plain_name(s)) {
    strom__buf_printf(b, "%s", s);
    return;
  }
  strom__buf_printf(b, "\"");
  for (; *s; s++) strom__buf_printf(b, *s == '"' ? "\"\"" : "%c", *s);
  strom__buf_printf(b, "\"");
}

/* PostgreSQL's columns of schema.table (in order): name, typname, typmod, NOT NULL, and
 * the column's place in the primary key (0: not in it). */
static const char COLUMNS_Q[] =
    "SELECT a.attname, t.typname, a.atttypmod, a.attnotnull, "
    "coalesce((SELECT k.n FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY k(att, n) "
    "WHERE i.indrelid = c.oid AND i.indisprimary AND k.att = a.attnum), 0) "
    "FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
    "JOIN pg_type t ON t.oid = a.atttypid "
    "WHERE s.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
    "ORDER BY a.attnum";

/* The CREATE TABLE text of db's schema.table into b; 1 when there is no such table. */
static int table_ddl(sql_jdbc_cat *j, const char *db, const char *schema, const char *table, strom_buf *b, char *err,
                     size_t errlen) {
  PGconn *c = connect_db(j, db, err, errlen);
  const char *params[] = {schema, table};
  PGresult *r = c ? query(j, c, COLUMNS_Q, 2, params, err, errlen) : NULL;
  PQfinish(c);
  if (!r) return STROM_EINVAL;
  int n = PQntuples(r), rc = n ? STROM_OK : 1;
  strom__buf_printf(b, "CREATE TABLE ");
  char path[512];
  snprintf(path, sizeof path, "%s.%s", schema, table);
  quoted_id(b, path);
  strom__buf_printf(b, " (");
  int npk = 0;
  for (int i = 0; i < n && !rc; i++) {
    const char *ty = PQgetvalue(r, i, 1);
    bool arr = ty[0] == '_';
    if (!plain_name(PQgetvalue(r, i, 0))) { /* the connector's statements name columns unquoted */
      snprintf(err, errlen, "catalog '%s': column '%s' of table '%s.%s': not supported yet: a column name PostgreSQL "
               "reads only in double quotes (upper case, spaces, ...)", j->name, PQgetvalue(r, i, 0), db, path);
      rc = STROM_EINVAL;
      break;
    }
    strom__buf_printf(b, "%s", i ? ", " : "");
    quoted_id(b, PQgetvalue(r, i, 0));
    strom__buf_printf(b, " %s", arr ? "ARRAY<" : "");
    if (!flink_type(ty + arr, atoi(PQgetvalue(r, i, 2)), b)) {
      snprintf(err, errlen, "catalog '%s': column '%s' of table '%s.%s' has PostgreSQL type '%s', which has no Flink "
               "type (Flink's PostgresCatalog maps int2/int4/int8, float4/float8, numeric, bool, text, varchar, "
               "bpchar, bytea, date, time, timestamp, timestamptz and their arrays)",
               j->name, PQgetvalue(r, i, 0), db, path, arr ? ty + 1 : ty);
      rc = STROM_EINVAL;
    }
    strom__buf_printf(b, "%s%s", arr ? ">" : "", PQgetvalue(r, i, 3)[0] == 't' ? " NOT NULL" : "");
    npk += atoi(PQgetvalue(r, i, 4)) > 0;
  }
  if (npk && !rc) {
    strom__buf_printf(b, ", PRIMARY KEY (");
    for (int k = 1; k <= npk; k++) /* in the key's order */
      for (int i = 0; i < n; i++)
        if (atoi(PQgetvalue(r, i, 4)) == k) strom__buf_printf(b, "%s", k > 1 ? ", " : ""), quoted_id(b, PQgetvalue(r, i, 0));
    strom__buf_printf(b, ") NOT ENFORCED");
  }
  PQclear(r);
  if (rc) return rc;
  char url[1024];
  snprintf(url, sizeof url, "%s/%s", j->base, db);
  strom__buf_printf(b, ") WITH ('connector' = 'jdbc', 'url' = ");
  quoted_str(b, url);
  strom_buf tn = {0}; /* the name the connector's statements use */
  pg_name(&tn, schema);
  strom__buf_printf(&tn, ".");
  pg_name(&tn, table);
  strom__buf_printf(b, ", 'table-name' = ");
  quoted_str(b, tn.p ? tn.p : "");
  strom__buf_free(&tn);
  strom__buf_printf(b, ", 'username' = ");
  quoted_str(b, j->user);
  strom__buf_printf(b, ", 'password' = ");
  quoted_str(b, j->password);
  return strom__buf_printf(b, ")");
}

sql_table *sql_jdbc_cat_table(sql_jdbc_cat *j, const char *db, const char *obj, char *err, size_t errlen) {
  char local[512];
  if (!err || !errlen) err = local, errlen = sizeof local;
  err[0] = 0;
  /* Flink's PostgresTablePath: "schema.table", or a table of schema public */
  char schema[256], table[256];
  const char *dot = strchr(obj, '.');
  if (dot && strchr(dot + 1, '.')) {
    snprintf(err, errlen, "catalog '%s': table name '%s' is not valid: it is 'schema.table' or 'table' (in schema "
             "public)", j->name, obj);
    return NULL;
  }
  snprintf(schema, sizeof schema, "%.*s", dot ? (int)(dot - obj) : 6, dot ? obj : "public");
  snprintf(table, sizeof table, "%s", dot ? dot + 1 : obj);
  if (!*schema || !*table) {
    snprintf(err, errlen, "catalog '%s': table name '%s' is not valid: it is 'schema.table' or 'table'", j->name, obj);
    return NULL;
  }
  char path[520];
  snprintf(path, sizeof path, "%s.%s", schema, table);
  /* read every time, as Flink's getTable; the table made last time serves while the
   * definition is the same, and older ones stay for the plans that point at them */
  strom_buf ddl = {0};
  int rc = table_ddl(j, db, schema, table, &ddl, err, errlen);
  if (rc) {
    strom__buf_free(&ddl);
    if (rc == 1)
      snprintf(err, errlen, "table '%s.%s.%s' does not exist (catalog '%s' lists the base tables of %s/%s)", j->name, db,
               path, j->name, j->base, db);
    return NULL;
  }
  for (int i = j->ntables - 1; i >= 0; i--)
    if (!strcmp(j->tables[i].db, db) && !strcmp(j->tables[i].path, path)) {
      if (strcmp(j->tables[i].ddl, ddl.p)) break;
      strom__buf_free(&ddl);
      return j->tables[i].t;
    }
  jtable *grown = strom__realloc(j->tables, sizeof *grown * (size_t)(j->ntables + 1));
  if (!grown) {
    strom__buf_free(&ddl);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  j->tables = grown;
  jtable *e = &grown[j->ntables];
  memset(e, 0, sizeof *e);
  e->ddl = ddl.p;
  char m[1024];
  const sql_node *n = sql_parse_statement(&e->ast, e->ddl, ddl.len, NULL, 0, m, sizeof m);
  if (!n || sql_table_from_ast(n, &e->t, m, sizeof m)) {
    snprintf(err, errlen, "catalog '%s': table '%s.%s': %s", j->name, db, path, m);
    sql_arena_free(&e->ast), free(e->ddl);
    return NULL;
  }
  if (!(e->db = strom__strdup(db)) || !(e->path = strom__strdup(path)) || !(e->t->catalog = strom__strdup(j->name)) ||
      !(e->t->database = strom__strdup(db))) {
    sql_table_free(e->t), sql_arena_free(&e->ast), free(e->ddl), free(e->db), free(e->path);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  j->ntables++;
  return e->t;
}
