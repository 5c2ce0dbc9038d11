/*
 * pg_conn.c -- libpq plumbing shared by the PostgreSQL sink, scan and lookup join:
 * connection settings, connecting, classifying errors for retries, messages naming the
 * table and column, and PostgreSQL's text format of values.
 */
#include <ctype.h>
#include <time.h>

#include "pg_conn.h"

int strom__pg_target_init(strom_pg_target *t, const strom_jdbc_opts *o, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  if (!o || !o->url || !o->table_name || !*o->table_name) {
    snprintf(err, errlen, "jdbc: url and table-name are required");
    return STROM_EINVAL;
  }
  const char *url = o->url;
  if (!strncmp(url, "jdbc:", 5)) url += 5;
  /* Flink's URLs name the driver; only PostgreSQL's is served here. */
  if (strstr(url, "://") && strncmp(url, "postgresql://", 13) && strncmp(url, "postgres://", 11)) {
    snprintf(err, errlen, "jdbc: url '%s' is not a PostgreSQL URL (jdbc:postgresql://host:port/database)", o->url);
    return STROM_EINVAL;
  }
  t->conninfo = strom__strdup(url);
  t->table = strom__strdup(o->table_name);
  t->user = o->username ? strom__strdup(o->username) : NULL;
  t->password = o->password ? strom__strdup(o->password) : NULL;
  if (!t->conninfo || !t->table || (o->username && !t->user) || (o->password && !t->password)) {
    strom__pg_target_free(t);
    snprintf(err, errlen, "out of memory");
    return STROM_ENOMEM;
  }
  return STROM_OK;
}

void strom__pg_target_free(strom_pg_target *t) {
  free(t->conninfo);
  free(t->table);
  free(t->user);
  free(t->password);
  memset(t, 0, sizeof *t);
}

PGconn *strom__pg_connect(const strom_pg_target *t, const char *role, char *err, size_t errlen) {
  char app[64];
  snprintf(app, sizeof app, "strom-%s", role);
  const char *keys[8], *vals[8];
  int n = 0;
  keys[n] = "dbname", vals[n++] = t->conninfo;
  if (t->user) keys[n] = "user", vals[n++] = t->user;
  if (t->password) keys[n] = "password", vals[n++] = t->password;
  keys[n] = "application_name", vals[n++] = app;
  keys[n] = "connect_timeout", vals[n++] = "10";
  /* timestamptz values cross as UTC text ("... +00"), the instants TIMESTAMP_LTZ holds */
  keys[n] = "options", vals[n++] = "-c TimeZone=UTC";
  keys[n] = NULL, vals[n] = NULL;
  PGconn *c = PQconnectdbParams(keys, vals, 1);
  if (!c || PQstatus(c) != CONNECTION_OK) {
    const char *m = c ? PQerrorMessage(c) : "out of memory";
    size_t len = strlen(m);
    while (len && isspace((unsigned char)m[len - 1])) len--;
    snprintf(err, errlen, "table '%s': cannot connect to PostgreSQL: %.*s", t->table, (int)len, m);
    PQfinish(c);
    return NULL;
  }
  return c;
}

bool strom__pg_transient(PGconn *c, const PGresult *r) {
  if (PQstatus(c) == CONNECTION_BAD) return true;
  const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  if (!st) return !r; /* no result at all: the connection broke */
  /* 08 connection exception, 40 transaction rollback (serialization, deadlock),
   * 53 insufficient resources, 57 operator intervention (shutdown), 58 system error. */
  return !strncmp(st, "08", 2) || !strncmp(st, "40", 2) || !strncmp(st, "53", 2) || !strncmp(st, "57", 2) ||
         !strncmp(st, "58", 2);
}

void strom__pg_error(char *buf, size_t cap, const char *table, PGconn *c, const PGresult *r) {
  const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  if (!m) m = PQerrorMessage(c);
  size_t len = strlen(m);
  while (len && isspace((unsigned char)m[len - 1])) len--;
  const char *col = r ? PQresultErrorField(r, PG_DIAG_COLUMN_NAME) : NULL;
  const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
  snprintf(buf, cap, "table '%s': %.*s%s%s%s%s%s", table, (int)len, m, col ? " (column " : "", col ? col : "",
           col ? ")" : "", detail ? ": " : "", detail ? detail : "");
}

bool strom__pg_exec(PGconn *c, const char *sql, const char *table, char *err, size_t errlen) {
  PGresult *r = PQexec(c, sql);
  ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
  if (!ok) strom__pg_error(err, errlen, table, c, r);
  PQclear(r);
  return ok;
}

int strom__pg_parse_value(strom_row *r, int col, const char *s, size_t n, char *err, size_t errlen) {
  const strom_schema *sc = strom_row_schema(r);
  if (strom_schema_col_type(sc, col) == STROM_BOOLEAN && n == 1 && (*s == 't' || *s == 'f')) {
    strom_row_set_bool(r, col, *s == 't');
    return STROM_OK;
  }
  /* a timestamptz in the connection's UTC: the instant without its "+00" */
  if (strom_schema_col_type(sc, col) == STROM_TIMESTAMP && n > 3 && !memcmp(s + n - 3, "+00", 3)) n -= 3;
  return strom__parse_value(r, col, s, n, err, errlen);
}

int strom__pg_col_list(strom_buf *b, const strom_schema *s, const char *prefix) {
  int rc = STROM_OK;
  for (int i = 0; !rc && i < strom_schema_ncols(s); i++)
    rc = strom__buf_printf(b, "%s%s%s", i ? ", " : "", prefix ? prefix : "", strom_schema_col_name(s, i));
  return rc;
}

int *strom__pg_cols(const strom_schema *s, const char *list, int *n, char *err, size_t errlen) {
  *n = 0;
  int *cols = strom__calloc((size_t)strom_schema_ncols(s) + 1, sizeof *cols);
  if (!cols) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  for (const char *p = list ? list : ""; *p;) {
    while (isspace((unsigned char)*p) || *p == ',') p++;
    const char *b = p;
    while (*p && *p != ',' && !isspace((unsigned char)*p)) p++;
    if (p == b) break;
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(p - b), b);
    int c = strom_schema_find(s, name);
    bool dup = false;
    for (int i = 0; i < *n; i++) dup |= cols[i] == c;
    if (c < 0 || dup || *n == strom_schema_ncols(s)) {
      char sch[512];
      strom_schema_format(s, sch, sizeof sch);
      snprintf(err, errlen, "%s column '%s' in (%s)", c < 0 ? "no" : "repeated", name, sch);
      free(cols);
      return NULL;
    }
    cols[(*n)++] = c;
  }
  if (!*n) {
    snprintf(err, errlen, "no key columns given");
    free(cols);
    return NULL;
  }
  return cols;
}

void strom__pg_backoff(int attempt) {
  int64_t ms = 100;
  for (int i = 0; i < attempt && ms < 5000; i++) ms *= 2;
  if (ms > 5000) ms = 5000;
  nanosleep(&(struct timespec){ms / 1000, (long)(ms % 1000) * 1000000}, NULL);
}
