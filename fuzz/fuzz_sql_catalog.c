/*
 * fuzz_sql_catalog.c -- libFuzzer target for the catalog statements as they run: the
 * input is a script run in a fresh session that already has a catalog c with a database
 * c.d, tables, a view and a LIKE-derived table; scripts made only of CREATE / DROP / USE
 * / ALTER / SHOW / DESCRIBE statements (nothing that starts a job, loads a library or
 * writes a file) are executed, so name resolution, SHOW CREATE's SQL printer, ALTER's
 * option checks and CREATE TABLE ... LIKE's merge see arbitrary input.
 * Invariants: no memory error, UB or leak; a failed statement leaves a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/parser.h"
#include "sql/sql_int.h"

static const char setup[] =
    "CREATE CATALOG c WITH ('type' = 'generic_in_memory'); CREATE DATABASE c.d;"
    "CREATE TABLE t (a INT, s STRING, ts TIMESTAMP(3), e AS a + 1, r ROW<x INT, y STRING>,"
    " WATERMARK FOR ts AS ts - INTERVAL '1' SECOND, PRIMARY KEY (a) NOT ENFORCED) WITH ('connector' = 'datagen');"
    "CREATE TABLE c.d.u (k INT, v STRING) PARTITIONED BY (v) WITH ('connector' = 'filesystem',"
    " 'path' = '/nonexistent', 'format' = 'csv');"
    "CREATE VIEW c.d.w AS SELECT a, s FROM default_catalog.default_database.t WHERE a > 1;"
    "CREATE TABLE l (z AS s || 'x') WITH ('number-of-rows' = '1') LIKE t;";

/* CREATE CATALOG ... ('type' = 'jdbc'), which connects to a server */
static int jdbc_catalog(const sql_node *n) {
  for (int i = 0; i < n->nkids; i++)
    for (int k = 0; n->kids[i]->kind == SQL_WITH_OPTIONS && k < n->kids[i]->nkids; k++)
      if (!strcmp(n->kids[i]->kids[k]->kids[0]->text, "type") && !strcmp(n->kids[i]->kids[k]->kids[1]->text, "jdbc")) return 1;
  return 0;
}

/* Statements that only change or print the catalog. */
static int catalog_only(const sql_node *n) {
  switch (n->kind) {
    case SQL_CATALOG_STMT: return !jdbc_catalog(n);
    case SQL_SHOW:
    case SQL_DESCRIBE:
    case SQL_CREATE_TABLE:
    case SQL_CREATE_VIEW:
    case SQL_DROP_TABLE:
    case SQL_DROP_VIEW: return 1;
    default: return 0;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[1024];
  sql_arena a = {0};
  sql_node *script = sql_parse_script(&a, (const char *)data, size, NULL, 0, err, sizeof err);
  int ok = script != NULL;
  for (int i = 0; ok && i < script->nkids; i++) ok = catalog_only(script->kids[i]);
  sql_arena_free(&a);
  if (!ok) return 0;
  FILE *out = fopen("/dev/null", "w");
  if (!out) return 0;
  strom_sql_session *s = strom_sql_session_new(out);
  if (strom_sql_execute(s, setup, sizeof setup - 1)) abort();
  if (strom_sql_execute(s, (const char *)data, size) && !strom_sql_errmsg(s)[0]) abort();
  strom_sql_session_free(s);
  fclose(out);
  return 0;
}
