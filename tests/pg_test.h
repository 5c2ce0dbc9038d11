/*
 * pg_test.h -- what the PostgreSQL tests share: a real server from Debian's postgresql
 * started by tests/pg_server.sh on a loopback port and a temporary data directory
 * (stopped at exit), a libpq connection to it, and statements and queries on it.
 * Header-only (static), included by one test file each.
 */
#ifndef STROM_PG_TEST_H
#define STROM_PG_TEST_H

#include <postgresql/libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char pg_dir[256], pg_url[256], pg_conninfo[256];
static PGconn *pg;

static void pg_script(char *buf, size_t cap) {
  const char *root = getenv("STROM_TEST_ROOT");
  snprintf(buf, cap, "%s/tests/pg_server.sh", root ? root : ".");
}

static void pg_stop(void) {
  if (pg) PQfinish(pg);
  pg = NULL;
  if (!pg_dir[0]) return;
  char script[512], cmd[1024];
  pg_script(script, sizeof script);
  snprintf(cmd, sizeof cmd, "'%s' stop '%s'", script, pg_dir);
  if (system(cmd)) fprintf(stderr, "could not stop the server in %s\n", pg_dir);
  pg_dir[0] = 0;
}

/* Starts the server and connects; pg_url is its JDBC URL (without a user). */
static bool pg_start(void) {
  char script[512], cmd[1024];
  pg_script(script, sizeof script);
  snprintf(cmd, sizeof cmd, "'%s' start %d", script, (int)getpid());
  FILE *f = popen(cmd, "r");
  int port = 0;
  if (!f || fscanf(f, "%255s %d", pg_dir, &port) != 2) {
    if (f) pclose(f);
    return false;
  }
  pclose(f);
  atexit(pg_stop);
  snprintf(pg_url, sizeof pg_url, "jdbc:postgresql://127.0.0.1:%d/postgres", port);
  snprintf(pg_conninfo, sizeof pg_conninfo, "host=127.0.0.1 port=%d dbname=postgres user=postgres", port);
  pg = PQconnectdb(pg_conninfo);
  return PQstatus(pg) == CONNECTION_OK;
}

static bool pg_exec(const char *q) {
  PGresult *r = PQexec(pg, q);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) fprintf(stderr, "  SQL failed: %s: %s", q, PQerrorMessage(pg));
  PQclear(r);
  return ok;
}

/* The result of q as "a,b;c,d" (rows joined by ';', columns by ','). */
static char *pg_query(const char *q) {
  PGresult *r = PQexec(pg, q);
  size_t cap = 64, len = 0;
  char *out = calloc(1, cap);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    fprintf(stderr, "  query failed: %s: %s", q, PQerrorMessage(pg));
    PQclear(r);
    return out;
  }
  for (int i = 0; i < PQntuples(r); i++)
    for (int j = 0; j < PQnfields(r); j++) {
      const char *v = PQgetisnull(r, i, j) ? "null" : PQgetvalue(r, i, j);
      size_t n = strlen(v) + 2;
      while (len + n + 1 > cap) out = realloc(out, cap *= 2);
      len += (size_t)sprintf(out + len, "%s%s", i || j ? (j ? "," : ";") : "", v);
    }
  PQclear(r);
  return out;
}

#endif
