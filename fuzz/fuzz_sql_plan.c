/*
 * fuzz_sql_plan.c -- libFuzzer target for the SQL binder and planner's EXPLAIN: the
 * input is parsed as one statement; a query (or an INSERT's query) is bound against a
 * fixed catalog (a table with every supported type, computed columns and a watermark,
 * a view, a versioned filesystem table with a PROCTIME column, a table with a general
 * watermark expression, a json table with nested ROWs, a table and a view in a second
 * catalog's database c.d) and its plan printed, as
 * bound and as optimized for running (sql_plan_optimized).
 * Nothing runs.  Invariants: no memory error, UB or leak; a rejected query has a message.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sql/parser.h"
#include "sql/sql_int.h"

static strom_sql_session *session(void) {
  static strom_sql_session *s;
  if (s) return s;
  s = strom_sql_session_new(stdout);
  const char *ddl =
      "CREATE TABLE t (a INT, b BIGINT, c DOUBLE, d DECIMAL(10, 2), s STRING, f BOOLEAN, ts TIMESTAMP(3),"
      " e AS a + 1, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen');"
      "CREATE TABLE o (a INT, s STRING) WITH ('connector' = 'blackhole');"
      "CREATE VIEW v AS SELECT a, s, ts FROM t WHERE a > 0;"
      "CREATE TABLE r (k INT, w STRING, rt TIMESTAMP(3), pt AS PROCTIME(), PRIMARY KEY (k) NOT ENFORCED,"
      " WATERMARK FOR rt AS rt) WITH ('connector' = 'filesystem', 'path' = '/nonexistent', 'format' = 'csv');"
      "CREATE TABLE w (v INT, lag INT, ts TIMESTAMP(3), WATERMARK FOR ts AS TIMESTAMPADD(SECOND, -lag, ts))"
      " WITH ('connector' = 'datagen');"
      "CREATE TABLE j (id INT, p ROW<x INT, q ROW<y STRING>>) WITH ('connector' = 'filesystem', 'path' = '/nonexistent',"
      " 'format' = 'json');"
      "CREATE CATALOG c WITH ('type' = 'generic_in_memory'); CREATE DATABASE c.d;"
      "CREATE TABLE c.d.t2 (a INT, s STRING) WITH ('connector' = 'datagen');"
      "CREATE VIEW c.d.v2 AS SELECT a, s FROM c.d.t2 UNION ALL SELECT a, s FROM v;";
  if (strom_sql_execute(s, ddl, strlen(ddl))) abort();
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  strom_sql_session *s = session();
  char err[1024];
  sql_arena a = {0};
  sql_node *n = sql_parse_statement(&a, (const char *)data, size, NULL, 0, err, sizeof err);
  if (n) {
    const sql_node *q = n->kind == SQL_INSERT ? n->kids[n->nkids - 1] : n;
    if (q->kind == SQL_SELECT || q->kind == SQL_SETOP || q->kind == SQL_WITH || q->kind == SQL_VALUES) {
      sql_plan *p = sql_bind_query(s, &a, q, err, sizeof err);
      if (!p && !err[0]) abort();
      if (p) {
        strom_buf b = {0};
        sql_plan_explain(&b, p, 0);
        /* and as it would run: CALCs merged, joins and aggregations narrowed */
        sql_build bb = {.sess = s};
        sql_plan_explain(&b, sql_plan_optimized(&bb, p), 0);
        sql_arena_free(&bb.arena);
        strom__buf_free(&b);
        sql_table *o = sql_catalog_find(&s->cat, "o");
        if (n->kind == SQL_INSERT) sql_bind_insert_cast(&a, p, o, NULL, err, sizeof err);
      }
    }
  }
  sql_arena_free(&a);
  return 0;
}
