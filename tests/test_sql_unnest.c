/*
 * test_sql_unnest.c -- UNNEST and LATERAL TABLE end to end: CROSS JOIN / comma / LEFT JOIN
 * ON TRUE of ARRAY, MAP, MULTISET and ROW-element arrays, WITH ORDINALITY, an UNNEST
 * alone in FROM, a TUMBLE window over unnested rows (the time attribute kept), the
 * expansion of a GROUP BY's changelog in streaming and batch mode, C table functions
 * built by the test, EXPLAIN, and the errors of bad SQL with their line and column.
 * Every expected row is computed by hand from the inputs written here.
 */
#include <stdlib.h>

#include "sql_test.h"

#define T3 "(VALUES (1, ARRAY[10, 20]), (2, CAST(NULL AS ARRAY<INT>)), (3, CAST(ARRAY[] AS ARRAY<INT>)), (4, ARRAY[40])) AS t(id, arr)"

TEST(cross_join_unnest_gives_a_row_per_element) {
  /* the NULL (2) and empty (3) arrays give no row */
  CHECK_ROWS("SELECT id, x FROM " T3 " CROSS JOIN UNNEST(t.arr) AS u(x)", true,
             "+I[1, 10]\n+I[1, 20]\n+I[4, 40]\n");
  /* the comma form; no column list: the element column is EXPR$0 */
  CHECK_ROWS("SELECT id, EXPR$0 FROM " T3 ", UNNEST(arr)", true, "+I[1, 10]\n+I[1, 20]\n+I[4, 40]\n");
  /* an INNER JOIN's ON filters the expanded rows */
  CHECK_ROWS("SELECT id, x FROM " T3 " JOIN UNNEST(arr) AS u(x) ON x > 15", true, "+I[1, 20]\n+I[4, 40]\n");
  /* qualified by the alias, WHERE over the expansion */
  CHECK_ROWS("SELECT t.id, u.x * 2 FROM " T3 ", UNNEST(t.arr) AS u(x) WHERE u.x < 30", true, "+I[1, 20]\n+I[1, 40]\n");
}

TEST(with_ordinality_numbers_elements_from_one) {
  CHECK_ROWS("SELECT id, x, pos FROM " T3 " CROSS JOIN UNNEST(arr) WITH ORDINALITY AS u(x, pos)", true,
             "+I[1, 10, 1]\n+I[1, 20, 2]\n+I[4, 40, 1]\n");
  CHECK_ROWS("SELECT * FROM UNNEST(ARRAY['a', 'b', 'c']) WITH ORDINALITY", true, "+I[a, 1]\n+I[b, 2]\n+I[c, 3]\n");
}

TEST(left_join_unnest_keeps_rows_without_elements) {
  /* NULL and empty arrays: one row with a NULL element, as Flink's LEFT JOIN ... ON TRUE */
  CHECK_ROWS("SELECT id, x FROM " T3 " LEFT JOIN UNNEST(t.arr) AS u(x) ON TRUE", true,
             "+I[1, 10]\n+I[1, 20]\n+I[2, <NULL>]\n+I[3, <NULL>]\n+I[4, 40]\n");
  CHECK_ROWS("SELECT id, x, n FROM " T3 " LEFT OUTER JOIN UNNEST(arr) WITH ORDINALITY AS u(x, n) ON TRUE WHERE id > 1",
             true, "+I[2, <NULL>, <NULL>]\n+I[3, <NULL>, <NULL>]\n+I[4, 40, 1]\n");
}

TEST(rows_maps_and_multisets_expand) {
  /* ROW elements: a column per field, named by the fields or by the alias */
  CHECK_ROWS("SELECT id, a, b FROM (VALUES (1, ARRAY[ROW(1, 'x'), ROW(2, 'y')])) AS t(id, r) CROSS JOIN UNNEST(r) AS u(a, b)",
             true, "+I[1, 1, x]\n+I[1, 2, y]\n");
  CHECK_ROWS("SELECT k, v, o FROM (VALUES (CAST('[{\"k\": 7, \"v\": \"s\"}, null]' AS ARRAY<ROW<k INT, v STRING>>))) AS t(r), "
             "UNNEST(r) WITH ORDINALITY AS u(k, v, o)",
             true, "+I[7, s, 1]\n+I[<NULL>, <NULL>, 2]\n");
  CHECK_ROWS("SELECT k, v FROM (VALUES (CAST('[{\"k\": 7, \"v\": \"s\"}]' AS ARRAY<ROW<k INT, v STRING>>))) AS t(r), UNNEST(r)",
             true, "+I[7, s]\n");
  /* a MAP: its KEY and VALUE per entry */
  CHECK_ROWS("SELECT id, KEY, `VALUE` FROM (VALUES (1, MAP['a', 1, 'b', 2])) AS t(id, m) CROSS JOIN UNNEST(m)", true,
             "+I[1, a, 1]\n+I[1, b, 2]\n");
  CHECK_ROWS("SELECT id, k, v FROM (VALUES (1, MAP['a', 1]), (2, CAST(NULL AS MAP<STRING, INT>))) AS t(id, m) "
             "LEFT JOIN UNNEST(m) AS u(k, v) ON TRUE",
             true, "+I[1, a, 1]\n+I[2, <NULL>, <NULL>]\n");
  /* a MULTISET: each element as often as it occurs */
  CHECK_ROWS("SELECT e FROM (VALUES (CAST('{a=2, b=1}' AS MULTISET<STRING>))) AS t(m) CROSS JOIN UNNEST(m) AS u(e)", true,
             "+I[a]\n+I[a]\n+I[b]\n");
}

static const char *events_json =
    "{\"id\": 1, \"xs\": [1, 2], \"ts\": \"2020-01-01 00:00:01\"}\n"
    "{\"id\": 2, \"xs\": [], \"ts\": \"2020-01-01 00:00:03\"}\n"
    "{\"id\": 3, \"xs\": [5], \"ts\": \"2020-01-01 00:00:12\"}\n"
    "{\"id\": 4, \"xs\": null, \"ts\": \"2020-01-01 00:00:13\"}\n"
    "{\"id\": 5, \"xs\": [7, 8, 9], \"ts\": \"2020-01-01 00:00:25\"}\n";

#define EV_DDL                                                                                                      \
  "CREATE TABLE ev (id INT, xs ARRAY<INT>, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) "        \
  "WITH ('connector' = 'filesystem', 'path' = '${TMP}/ev.json', 'format' = 'json');\n"

TEST(tumble_window_over_unnested_rows_keeps_the_time_attribute) {
  write_tmp_file("ev.json", events_json);
  /* [0, 10): 1 + 2; [10, 20): 5 (id 4's NULL array gives nothing); [20, 30): 7 + 8 + 9 */
  CHECK_ROWS(EV_DDL "CREATE VIEW flat AS SELECT id, x, ts FROM ev CROSS JOIN UNNEST(xs) AS u(x);\n"
                    "SELECT window_start, window_end, COUNT(*) AS n, SUM(x) AS s "
                    "FROM TABLE(TUMBLE(TABLE flat, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
             true,
             "+I[2020-01-01 00:00:00.000, 2020-01-01 00:00:10.000, 2, 3]\n"
             "+I[2020-01-01 00:00:10.000, 2020-01-01 00:00:20.000, 1, 5]\n"
             "+I[2020-01-01 00:00:20.000, 2020-01-01 00:00:30.000, 3, 24]\n");
  /* the legacy group window over the unnested rowtime too */
  CHECK_ROWS(EV_DDL "SELECT TUMBLE_START(ts, INTERVAL '10' SECOND), MAX(x) FROM ev, UNNEST(xs) AS u(x) "
                    "GROUP BY TUMBLE(ts, INTERVAL '10' SECOND)",
             true,
             "+I[2020-01-01 00:00:00.000, 2]\n+I[2020-01-01 00:00:10.000, 5]\n+I[2020-01-01 00:00:20.000, 9]\n");
}

TEST(unnest_expands_a_group_by_changelog) {
  write_tmp_file("ev.json", events_json);
  /* ids 1..5 by id % 2: k=1 gets 1, 3, 5; k=0 gets 2, 4.  Each update of [COUNT, SUM]
   * retracts both old elements and adds both new ones. */
  const char *q = EV_DDL "SELECT k, v FROM (SELECT id % 2 AS k, ARRAY[COUNT(*), SUM(id)] AS a FROM ev GROUP BY id % 2) "
                         "CROSS JOIN UNNEST(a) AS u(v)";
  CHECK_ROWS(q, true,
             "+I[0, 1]\n+I[0, 2]\n+I[1, 1]\n+I[1, 1]\n"
             "+U[0, 2]\n+U[0, 6]\n+U[1, 2]\n+U[1, 3]\n+U[1, 4]\n+U[1, 9]\n"
             "-U[0, 1]\n-U[0, 2]\n-U[1, 1]\n-U[1, 1]\n-U[1, 2]\n-U[1, 4]\n");
  /* batch mode: the final rows only */
  char b[2048];
  snprintf(b, sizeof b, "SET 'execution.runtime-mode' = 'batch';\n%s", q);
  CHECK_ROWS(b, true, "+I[0, 2]\n+I[0, 6]\n+I[1, 3]\n+I[1, 9]\n");
  snprintf(b, sizeof b, "SET 'execution.runtime-mode' = 'batch';\n%s",
           EV_DDL "SELECT id, x, n FROM ev LEFT JOIN UNNEST(xs) WITH ORDINALITY AS u(x, n) ON TRUE WHERE id < 5");
  CHECK_ROWS(b, true, "+I[1, 1, 1]\n+I[1, 2, 2]\n+I[2, <NULL>, <NULL>]\n+I[3, 5, 1]\n+I[4, <NULL>, <NULL>]\n");
}

TEST(unnested_append_only_rows_go_to_an_append_only_sink) {
  write_tmp_file("ev.json", events_json);
  char *out, err[1024];
  int rc = run(EV_DDL "CREATE TABLE sink (id INT, x INT, n INT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/out', "
                      "'format' = 'csv');\n"
                      "INSERT INTO sink SELECT id, x, n FROM ev CROSS JOIN UNNEST(xs) WITH ORDINALITY AS u(x, n) WHERE n < 3",
               &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  free(out);
  CHECK_INT(rc, 0);
  char *got = slurp_tmp_dir("out");
  CHECK_STR(got, "1,1,1\n1,2,2\n3,5,1\n5,7,1\n5,8,2\n");
  free(got);
}

TEST(explain_shows_the_correlate) {
  write_tmp_file("ev.json", events_json);
  CHECK_OUT(EV_DDL "EXPLAIN SELECT id, x FROM ev CROSS JOIN UNNEST(xs) WITH ORDINALITY AS u(x, o) WHERE x > 1",
            "  Correlate(invocation=[UNNEST(xs) WITH ORDINALITY], select=[id,xs,ts,x,o], joinType=[INNER])\n"
            "    TableSourceScan(table=[ev]");
}

TEST(bad_unnest_sql_names_line_and_column) {
  CHECK_ERR("SELECT * FROM (VALUES (1)) AS t(a),\n  UNNEST(a) AS u(x)", "line 2, column 10: UNNEST needs an ARRAY, MAP or MULTISET, got INT");
  CHECK_ERR("SELECT * FROM (VALUES (ARRAY[1])) AS t(a) CROSS JOIN UNNEST(a) AS u(x, y)",
            "line 1, column 68: UNNEST gives 1 column, but its alias names 2");
  CHECK_ERR("SELECT * FROM (VALUES (MAP['a', 1])) AS t(m) CROSS JOIN UNNEST(m) WITH ORDINALITY AS u(k, v)",
            "UNNEST gives 3 columns, but its alias names 2");
  CHECK_ERR("SELECT * FROM (VALUES (ARRAY[1])) AS t(a) LEFT JOIN UNNEST(a) AS u(x) ON x > 0",
            "line 1, column 71: not supported: a LEFT JOIN with UNNEST or LATERAL TABLE must be ON TRUE");
  CHECK_ERR("SELECT * FROM (VALUES (ARRAY[1])) AS t(a) RIGHT JOIN UNNEST(a) AS u(x) ON TRUE", "not supported: a RIGHT JOIN with UNNEST");
  CHECK_ERR("SELECT * FROM (VALUES (ARRAY[1])) AS t(a) CROSS JOIN UNNEST(nope) AS u(x)", "column 'nope' not found");
  CHECK_ERR("SELECT * FROM (VALUES (ARRAY[1])) AS t(a) CROSS JOIN UNNEST(a) AS u(x", "expected ')'");
  CHECK_ERR("SELECT * FROM (VALUES (1)) AS t(a), LATERAL TABLE(nosuch(a))", "line 1, column 51: table function NOSUCH not found");
  CHECK_ERR("SELECT * FROM (VALUES (1)) AS t(a), LATERAL TABLE(ABS(a))", "ABS is a scalar function, not a table function");
  CHECK_ERR("SELECT * FROM (VALUES (1)) AS t(a), LATERAL (SELECT 1)", "not supported: LATERAL other than LATERAL TABLE");
}

/* ---- C table functions ---- */

static const char *tfn_src =
    "#include <string.h>\n"
    "#include \"strom/sql.h\"\n"
    "/* split(s [, sep]): a row (word, length) per word of s between single-character separators */\n"
    "static int split(strom_sql_table_fn_ctx *ctx, int argc, const strom_sql_value *argv) {\n"
    "  if (argv[0].is_null) return 0;\n"
    "  char sep = argc > 1 && !argv[1].is_null && argv[1].len ? argv[1].s[0] : ' ';\n"
    "  const char *p = argv[0].s, *e = p + argv[0].len;\n"
    "  while (p < e) {\n"
    "    const char *q = memchr(p, sep, (size_t)(e - p));\n"
    "    if (!q) q = e;\n"
    "    if (q > p) {\n"
    "      strom_sql_value row[2] = {{.type = STROM_VARCHAR, .s = p, .len = (size_t)(q - p)},\n"
    "                                {.type = STROM_INT, .i = q - p}};\n"
    "      if (ctx->emit(ctx, row)) return -1;\n"
    "    }\n"
    "    p = q + 1;\n"
    "  }\n"
    "  return 0;\n"
    "}\n"
    "static const char *const split_names[] = {\"word\", \"len\"};\n"
    "static const strom_type_id split_types[] = {STROM_VARCHAR, STROM_INT};\n"
    "const strom_sql_table_fn split_fn = {STROM_SQL_TABLE_FN_ABI, 2, split_names, split_types, 1, 2, split};\n"
    "static int fail(strom_sql_table_fn_ctx *ctx, int argc, const strom_sql_value *argv) {\n"
    "  (void)argc, (void)argv;\n"
    "  strncpy(ctx->err, \"no luck\", ctx->errlen);\n"
    "  return 1;\n"
    "}\n"
    "static const strom_type_id bad_types[] = {STROM_DECIMAL};\n"
    "const strom_sql_table_fn fail_fn = {STROM_SQL_TABLE_FN_ABI, 1, split_names, split_types, 0, 0, fail};\n"
    "const strom_sql_table_fn bad_fn = {STROM_SQL_TABLE_FN_ABI, 1, split_names, bad_types, 0, 0, fail};\n";

static bool build_tfn_lib(char *lib, size_t cap) {
  char src[300], cmd[1400];
  snprintf(src, sizeof src, "%s/tfn.c", tmp);
  snprintf(lib, cap, "%s/libtfn.so", tmp);
  FILE *f = fopen(src, "w");
  if (!f) return false;
  fputs(tfn_src, f);
  fclose(f);
  const char *root = getenv("STROM_TEST_ROOT");
  snprintf(cmd, sizeof cmd, "cc -std=c17 -shared -fPIC -I%s/include -o %s %s", root ? root : ".", lib, src);
  return system(cmd) == 0;
}

TEST(lateral_table_calls_a_c_table_function) {
  char lib[300], q[4096];
  CHECK(build_tfn_lib(lib, sizeof lib));
  const char *data = "(VALUES (1, 'a bb'), (2, CAST(NULL AS STRING)), (3, ''), (4, 'x-yz')) AS t(id, s)";
  snprintf(q, sizeof q,
           "CREATE FUNCTION words AS '%s:split_fn' LANGUAGE C;\n"
           "SELECT id, word, len FROM %s, LATERAL TABLE(words(s)) AS w(word, len)",
           lib, data);
  CHECK_ROWS(q, true, "+I[1, a, 1]\n+I[1, bb, 2]\n+I[4, x-yz, 4]\n");
  /* the declared column names; a second argument; CROSS JOIN */
  snprintf(q, sizeof q,
           "CREATE FUNCTION words AS '%s:split_fn';\n"
           "SELECT id, word, len FROM %s CROSS JOIN LATERAL TABLE(words(s, '-'))",
           lib, data);
  CHECK_ROWS(q, true, "+I[1, a bb, 4]\n+I[4, x, 1]\n+I[4, yz, 2]\n");
  /* LEFT JOIN ... ON TRUE: rows the function emits nothing for get NULLs; WITH ORDINALITY is UNNEST's only */
  snprintf(q, sizeof q,
           "CREATE FUNCTION words AS '%s:split_fn';\n"
           "SELECT id, T.w, T.n FROM %s LEFT JOIN LATERAL TABLE(words(s)) AS T(w, n) ON TRUE",
           lib, data);
  CHECK_ROWS(q, true, "+I[1, a, 1]\n+I[1, bb, 2]\n+I[2, <NULL>, <NULL>]\n+I[3, <NULL>, <NULL>]\n+I[4, x-yz, 4]\n");
  snprintf(q, sizeof q, "CREATE FUNCTION words AS '%s:split_fn';\nEXPLAIN SELECT id, word FROM %s, LATERAL TABLE(words(s, '-'))",
           lib, data);
  CHECK_OUT(q, "Correlate(invocation=[words(s, '-')], select=[id,s,word,len], joinType=[INNER])");
  /* errors: arity, alias width, scalar use, LEFT JOIN other than ON TRUE, a failing function, a bad descriptor */
  snprintf(q, sizeof q, "CREATE FUNCTION words AS '%s:split_fn';\nSELECT * FROM %s, LATERAL TABLE(words(s, 'a', 'b'))", lib, data);
  CHECK_ERR(q, "line 2, column 112: table function words takes 1 to 2 arguments, got 3");
  snprintf(q, sizeof q, "CREATE FUNCTION words AS '%s:split_fn';\nSELECT * FROM %s, LATERAL TABLE(words(s)) AS w(a)", lib, data);
  CHECK_ERR(q, "LATERAL TABLE gives 2 columns, but its alias names 1");
  snprintf(q, sizeof q, "CREATE FUNCTION words AS '%s:split_fn';\nSELECT words(s) FROM %s", lib, data);
  CHECK_ERR(q, "line 2, column 8: words is a table function: call it in FROM as LATERAL TABLE(words(...))");
  snprintf(q, sizeof q, "CREATE FUNCTION words AS '%s:split_fn';\nSELECT * FROM %s LEFT JOIN LATERAL TABLE(words(s)) ON id = 1",
           lib, data);
  CHECK_ERR(q, "must be ON TRUE");
  snprintf(q, sizeof q, "CREATE FUNCTION f AS '%s:fail_fn';\nSELECT * FROM %s, LATERAL TABLE(f())", lib, data);
  CHECK_ERR(q, "table function f failed: no luck");
  snprintf(q, sizeof q, "CREATE FUNCTION b AS '%s:bad_fn'", lib);
  CHECK_ERR(q, "is not a Strom table function: column word has type");
}

int main(int argc, char **argv) {
  snprintf(tmp, sizeof tmp, "/tmp/strom_test_sql_unnest_XXXXXX");
  if (!mkdtemp(tmp)) return 1;
  TEST_MAIN_BEGIN(argc, argv);
  RUN(cross_join_unnest_gives_a_row_per_element);
  RUN(with_ordinality_numbers_elements_from_one);
  RUN(left_join_unnest_keeps_rows_without_elements);
  RUN(rows_maps_and_multisets_expand);
  RUN(tumble_window_over_unnested_rows_keeps_the_time_attribute);
  RUN(unnest_expands_a_group_by_changelog);
  RUN(unnested_append_only_rows_go_to_an_append_only_sink);
  RUN(explain_shows_the_correlate);
  RUN(bad_unnest_sql_names_line_and_column);
  RUN(lateral_table_calls_a_c_table_function);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
