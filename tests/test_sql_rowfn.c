/*
 * test_sql_rowfn.c -- ROW values as one value (rowfn_val.c: ARRAY[ROW(...)], MAP[k, ROW],
 * arr[i].f, ARRAY<ROW<...>> / MAP<K, ROW<...>> / MULTISET<T> columns through the json
 * format, JSON_OBJECT / JSON_ARRAY / JSON_STRING of a ROW, MAP_ENTRIES), the print sink's
 * Java text of such values, and the aggregates JSON_OBJECTAGG, JSON_ARRAYAGG and COLLECT
 * (agg_json.c) in GROUP BY (exact changelogs, retraction under an updating input) and in
 * window aggregations.  Expected values are worked out by hand from Flink's semantics
 * (JsonObjectAggFunction, JsonArrayAggFunction, CollectAggFunction, JsonGenerateUtils).
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_changelog_test.h"

#define CHECK_LOG(sql, expected) CHECK_MODE(sql, false, false, expected)

/* The event-time table w over tmp/w/d.json: ts 1 a 1, 2 b NULL, 7 a 3, 12 c 4 (seconds). */
#define W_DDL                                                                                                    \
  "CREATE TABLE w (ts TIMESTAMP(3), k STRING NOT NULL, v INT, WATERMARK FOR ts AS ts) WITH ('connector' = " \
  "'filesystem', 'path' = '${TMP}/w', 'format' = 'json');"

TEST(row_as_array_and_map_element) {
  CHECK_LOG("SELECT ARRAY[ROW(1, 'a'), ROW(2, 'b')] AS arr, MAP['k', ROW(1)] AS m", "+I[[(1, a), (2, b)], {k=(1)}]\n");
  /* CARDINALITY, a NULL field, an element, a NULL element, a field of an element */
  CHECK_LOG("SELECT CARDINALITY(ARRAY[ROW(1, 'a'), ROW(2, CAST(NULL AS STRING))]) AS c, "
            "ARRAY[ROW(1, 'a'), ROW(2, CAST(NULL AS STRING))][2].EXPR$1 AS f, ARRAY[ROW(1, 'a')][1] AS r, "
            "ARRAY[ROW(1, 'a'), NULL][2] AS z, ARRAY[ROW(1, 'a'), ROW(2, 'b')][2].EXPR$0 AS i, ARRAY[ROW(1, 'a')][3] AS o",
            "+I[2, <NULL>, (1, a), <NULL>, 2, <NULL>]\n");
  /* the elements meet at their common type field by field; nested ROWs; a whole-NULL ROW */
  CHECK_LOG("SELECT ARRAY[ROW(1, 'a'), ROW(CAST(2 AS BIGINT), 'bb')] AS x, ARRAY[ROW(1, ROW('x', 2))][1].EXPR$1.EXPR$0 AS n, "
            "ARRAY[CAST(NULL AS ROW<a INT>), ROW(5)] AS z, MAP['k', (1, 'q')]['k'].EXPR$1 AS q",
            "+I[[(1, a), (2, bb)], x, [NULL, (5)], q]\n");
  /* a view's packed ROW column: its fields by name */
  CHECK_LOG("CREATE VIEW v AS SELECT ARRAY[ROW(1, 'a')][1] AS r; SELECT r.EXPR$1 AS f, v.r.EXPR$0 AS g, r FROM v",
            "+I[a, 1, (1, a)]\n");
  CHECK_ERR("CREATE TABLE s (id INT, p ROW<a INT, b STRING>) WITH ('connector' = 'print');"
            "INSERT INTO s SELECT 1, ARRAY[ROW(1, 'a')][1]",
            "a ROW column takes one ROW value");
  /* =, IS NULL, GROUP BY and the choices work on packed ROWs; < is refused as Flink does */
  CHECK_LOG("SELECT ARRAY[ROW(1)][1] = ARRAY[ROW(1)][1] AS e, ARRAY[ROW(1)][1] IS NULL AS n, "
            "COALESCE(ARRAY[CAST(NULL AS ROW<a INT>)][1], ARRAY[ROW(2)][1]) AS d, NULLIF(ARRAY[ROW(1)][1], ARRAY[ROW(1)][1]) AS z",
            "+I[TRUE, FALSE, (2), <NULL>]\n");
  CHECK_FINAL("SELECT r, COUNT(*) AS c FROM (SELECT ARRAY[ROW(x)][1] AS r FROM (VALUES (1), (1), (2)) AS t(x)) GROUP BY r",
              "[(1), 2]\n[(2), 1]\n");
  CHECK_ERR("SELECT ARRAY[ROW(1)][1] < ARRAY[ROW(2)][1]", "operator < does not apply to ROW values");
  CHECK_ERR("SELECT UPPER(ROW(1, 'a'))", "a ROW value as an argument of UPPER");
  CHECK_ERR("SELECT ARRAY[ROW(1, 'a')][1].nope", "no field named nope in ROW<`EXPR$0` INT, `EXPR$1` STRING>");
  CHECK_ERR("SELECT ARRAY[ROW(1, 'a'), ROW(1)]", "the ARRAY elements have no common type");
}

TEST(row_in_json_functions) {
  /* Flink's JsonGenerateUtils: a ROW is an object of its field names (EXPR$n for ROW(...)) */
  CHECK_OUT("CREATE TABLE p (j STRING, a STRING, s STRING) WITH ('connector' = 'print');"
            "INSERT INTO p SELECT JSON_OBJECT('k' VALUE ROW(1, 'a')), JSON_ARRAY(ROW(1, CAST(NULL AS INT)), 2), "
            "JSON_STRING(ARRAY[ROW('q')]);",
            "+I[{\"k\":{\"EXPR$0\":1,\"EXPR$1\":\"a\"}}, [{\"EXPR$0\":1,\"EXPR$1\":null},2], [{\"EXPR$0\":\"q\"}]]\n");
  /* a ROW column by its field names; a NULL one is null */
  write_tmp_file("r/d.json", "{\"id\":1,\"p\":{\"a\":1,\"q\":{\"s\":\"x\"}}}\n{\"id\":2,\"p\":null}\n");
  CHECK_OUT("CREATE TABLE t (id INT, p ROW<a INT, q ROW<s STRING>>) WITH ('connector' = 'filesystem', "
            "'path' = '${TMP}/r', 'format' = 'json');"
            "CREATE TABLE p (id INT, j STRING, n STRING) WITH ('connector' = 'print');"
            "INSERT INTO p SELECT id, JSON_OBJECT('p' VALUE p), ARRAY[p][1].q.s FROM t;",
            "+I[1, {\"p\":{\"a\":1,\"q\":{\"s\":\"x\"}}}, x]\n+I[2, {\"p\":null}, null]\n");
}

TEST(row_collections_through_json_format_and_print) {
  write_tmp_file("in/d.json",
                 "{\"id\":1,\"items\":[{\"f0\":1,\"f1\":\"a\"},{\"f0\":2,\"f1\":null}],\"m\":{\"x\":{\"n\":5}},\"ms\":{\"a\":2,\"b\":1}}\n"
                 "{\"id\":2,\"items\":null,\"m\":{},\"ms\":null}\n"
                 "{\"id\":3,\"items\":[null,{\"f1\":\"z\",\"extra\":1}]}\n");
  const char *ddl = "CREATE TABLE t (id INT, items ARRAY<ROW<f0 INT, f1 STRING>>, m MAP<STRING, ROW<n BIGINT>>, "
                    "ms MULTISET<STRING>) WITH ('connector' = 'filesystem', 'path' = '${TMP}/in', 'format' = 'json');";
  char sql[2048];
  snprintf(sql, sizeof sql,
           "%s SELECT id, items, items[1].f0 AS a, items[2].f1 AS b, CARDINALITY(items) AS c, m['x'].n AS n, m, ms, "
           "CARDINALITY(ms) AS cm FROM t",
           ddl);
  CHECK_ROWS(sql, "+I[1, [(1, a), (2, NULL)], 1, <NULL>, 2, 5, {x=(5)}, {a=2, b=1}, 2]\n"
                  "+I[2, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, {}, <NULL>, <NULL>]\n"
                  "+I[3, [NULL, (NULL, z)], <NULL>, z, 2, <NULL>, <NULL>, <NULL>, <NULL>]\n");
  snprintf(sql, sizeof sql, "%s DESCRIBE t", ddl);
  CHECK_OUT(sql, "ARRAY<ROW<`f0` INT, `f1` STRING>>");
  /* written back by field names (a missing member read as NULL, an unknown one ignored) */
  snprintf(sql, sizeof sql,
           "%s CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = '${TMP}/out', 'format' = 'json') LIKE t;"
           "INSERT INTO o SELECT * FROM t;",
           ddl);
  char *out, err[512];
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  free(out);
  char *files = slurp_tmp_dir("out");
  CHECK_STR(files, "{\"id\":1,\"items\":[{\"f0\":1,\"f1\":\"a\"},{\"f0\":2,\"f1\":null}],\"m\":{\"x\":{\"n\":5}},\"ms\":{\"a\":2,\"b\":1}}\n"
                   "{\"id\":2,\"items\":null,\"m\":{},\"ms\":null}\n"
                   "{\"id\":3,\"items\":[null,{\"f0\":null,\"f1\":\"z\"}],\"m\":null,\"ms\":null}\n");
  free(files);
  /* the print sink: Java's toString of Flink's external types (a nested Row is +I[...]) */
  snprintf(sql, sizeof sql,
           "%s CREATE TABLE p (id INT, items ARRAY<ROW<f0 INT, f1 STRING>>, ms MULTISET<STRING>) WITH ('connector' = 'print');"
           "INSERT INTO p SELECT id, items, ms FROM t;",
           ddl);
  CHECK_OUT(sql, "+I[1, [+I[1, a], +I[2, null]], {a=2, b=1}]\n+I[2, null, null]\n+I[3, [null, +I[null, z]], null]\n");
  /* SQL-kind columns reach the print sink as values, not as their text */
  CHECK_OUT("CREATE TABLE p (id INT, d DATE, a ARRAY<INT>, m MAP<STRING, BOOLEAN>) WITH ('connector' = 'print');"
            "INSERT INTO p VALUES (1, DATE '2020-01-02', ARRAY[1, NULL], MAP['a', TRUE]);",
            "+I[1, 2020-01-02, [1, null], {a=true}]\n");
  CHECK_ERR("CREATE TABLE b (r ARRAY<ROW<a INT, a STRING>>) WITH ('connector' = 'print'); INSERT INTO b SELECT NULL",
            "field 'a' given twice in a ROW type");
}

TEST(map_entries) {
  CHECK_LOG("SELECT MAP_ENTRIES(MAP['a', 1, 'b', CAST(NULL AS INT)]) AS e, MAP_ENTRIES(MAP['a', 1])[1].`value` AS v, "
            "MAP_ENTRIES(MAP['a', 1])[1].key AS k, CARDINALITY(MAP_ENTRIES(MAP['x', 'y'])) AS n",
            "+I[[(a, 1), (b, NULL)], 1, a, 1]\n");
  CHECK_ERR("SELECT MAP_ENTRIES(ARRAY[1])", "MAP_ENTRIES wants a MAP, got ARRAY<INT>");
}

TEST(json_objectagg_arrayagg_group_by) {
  /* NULL ON NULL is JSON_OBJECTAGG's default, ABSENT ON NULL JSON_ARRAYAGG's; members by key */
  CHECK_LOG("SELECT g, JSON_OBJECTAGG(KEY k VALUE v) AS o, JSON_ARRAYAGG(v) AS a, JSON_ARRAYAGG(v NULL ON NULL) AS an, "
            "JSON_OBJECTAGG(k VALUE v ABSENT ON NULL) AS oa "
            "FROM (VALUES (1, 'b', 2), (1, 'a', CAST(NULL AS INT)), (2, 'c', 3)) AS t(g, k, v) GROUP BY g",
            "+I[1, {\"b\":2}, [2], [2], {\"b\":2}]\n"
            "-U[1, {\"b\":2}, [2], [2], {\"b\":2}]\n"
            "+U[1, {\"a\":null,\"b\":2}, [2], [2,null], {\"b\":2}]\n"
            "+I[2, {\"c\":3}, [3], [3], {\"c\":3}]\n");
  /* values are JSON_STRING'ed: strings quoted, ROWs and ARRAYs as JSON; no GROUP BY: one row */
  CHECK_LOG("SELECT JSON_ARRAYAGG(s) AS a, JSON_OBJECTAGG(KEY s VALUE ARRAY[1]) AS o, COUNT(*) AS n "
            "FROM (VALUES ('x'), ('y')) AS t(s)",
            "+I[[\"x\"], {\"x\":[1]}, 1]\n-U[[\"x\"], {\"x\":[1]}, 1]\n+U[[\"x\",\"y\"], {\"x\":[1],\"y\":[1]}, 2]\n");
  CHECK_ERR("SELECT JSON_OBJECTAGG(KEY k VALUE 1) FROM (VALUES ('a'), ('a')) AS t(k)",
            "Key 'a' is already present. Duplicate keys are not allowed in JSON_OBJECTAGG. Please ensure that keys are unique.");
  CHECK_ERR("SELECT JSON_OBJECTAGG(KEY k VALUE 1) FROM (VALUES (CAST(NULL AS STRING))) AS t(k)",
            "JSON_OBJECTAGG: the key must be NOT NULL");
  CHECK_ERR("SELECT JSON_OBJECTAGG(KEY 1 VALUE 1)", "JSON_OBJECTAGG: the key must be a string, got INT");
  CHECK_ERR("SELECT JSON_ARRAYAGG(DISTINCT 1)", "DISTINCT is not allowed in JSON_ARRAYAGG");
  CHECK_ERR("SELECT JSON_ARRAYAGG(1, 2)", "JSON_ARRAYAGG takes one value");
}

TEST(json_aggs_and_collect_retract) {
  write_tmp_file("w/d.json", "{\"ts\":\"2020-01-01 00:00:01\",\"k\":\"a\",\"v\":1}\n{\"ts\":\"2020-01-01 00:00:02\",\"k\":\"b\",\"v\":null}\n"
                             "{\"ts\":\"2020-01-01 00:00:07\",\"k\":\"a\",\"v\":3}\n{\"ts\":\"2020-01-01 00:00:12\",\"k\":\"c\",\"v\":4}\n");
  /* the inner counts: +I(a,1) +I(b,1) -U(a,1) +U(a,2) +I(c,1); a retraction removes the first
   * equal element (ListView.remove) / the key (MapView.remove) / one count */
  CHECK_LOG(W_DDL "SELECT JSON_ARRAYAGG(c) AS a, JSON_OBJECTAGG(KEY k VALUE c) AS o, COLLECT(c) AS m "
                  "FROM (SELECT k, COUNT(*) AS c FROM w GROUP BY k)",
            "+I[[1], {\"a\":1}, {1=1}]\n"
            "-U[[1], {\"a\":1}, {1=1}]\n+U[[1,1], {\"a\":1,\"b\":1}, {1=2}]\n"
            "-U[[1,1], {\"a\":1,\"b\":1}, {1=2}]\n+U[[1], {\"b\":1}, {1=1}]\n"
            "-U[[1], {\"b\":1}, {1=1}]\n+U[[1,2], {\"a\":2,\"b\":1}, {1=1, 2=1}]\n"
            "-U[[1,2], {\"a\":2,\"b\":1}, {1=1, 2=1}]\n+U[[1,2,1], {\"a\":2,\"b\":1,\"c\":1}, {1=2, 2=1}]\n");
  /* COLLECT skips NULLs; CARDINALITY of a multiset counts its distinct elements (MapData.size) */
  CHECK_FINAL("SELECT g, COLLECT(s) AS c, CARDINALITY(COLLECT(s)) AS n FROM (VALUES (1, 'b'), (1, 'a'), (1, 'b'), "
              "(2, CAST(NULL AS STRING))) AS t(g, s) GROUP BY g",
              "[1, {a=1, b=2}, 2]\n[2, {}, 0]\n");
}

TEST(json_aggs_in_windows) {
  write_tmp_file("w/d.json", "{\"ts\":\"2020-01-01 00:00:01\",\"k\":\"a\",\"v\":1}\n{\"ts\":\"2020-01-01 00:00:02\",\"k\":\"b\",\"v\":null}\n"
                             "{\"ts\":\"2020-01-01 00:00:07\",\"k\":\"a\",\"v\":3}\n{\"ts\":\"2020-01-01 00:00:12\",\"k\":\"c\",\"v\":4}\n");
  CHECK_ROWS(W_DDL "SELECT window_start, JSON_OBJECTAGG(KEY k VALUE v) AS o, JSON_ARRAYAGG(v NULL ON NULL) AS a, COLLECT(k) AS c "
                   "FROM TABLE(TUMBLE(TABLE w, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY window_start, window_end",
             "+I[2020-01-01 00:00:00.000, {\"a\":1,\"b\":null}, [1,null], {a=1, b=1}]\n"
             "+I[2020-01-01 00:00:05.000, {\"a\":3}, [3], {a=1}]\n"
             "+I[2020-01-01 00:00:10.000, {\"c\":4}, [4], {c=1}]\n");
  /* HOP merges its slices in time order */
  CHECK_ROWS(W_DDL "SELECT window_start, JSON_ARRAYAGG(k) AS a, COLLECT(k) AS c FROM TABLE(HOP(TABLE w, DESCRIPTOR(ts), "
                   "INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
             "+I[2019-12-31 23:59:55.000, [\"a\",\"b\"], {a=1, b=1}]\n"
             "+I[2020-01-01 00:00:00.000, [\"a\",\"b\",\"a\"], {a=2, b=1}]\n"
             "+I[2020-01-01 00:00:05.000, [\"a\",\"c\"], {a=1, c=1}]\n"
             "+I[2020-01-01 00:00:10.000, [\"c\"], {c=1}]\n");
  /* sessions with a 4 s gap: [1, 6), [7, 11), [12, 16) */
  CHECK_ROWS(W_DDL "SELECT window_start, JSON_ARRAYAGG(k) AS a FROM TABLE(SESSION(TABLE w, DESCRIPTOR(ts), INTERVAL '4' SECOND)) "
                   "GROUP BY window_start, window_end",
             "+I[2020-01-01 00:00:01.000, [\"a\",\"b\"]]\n+I[2020-01-01 00:00:07.000, [\"a\"]]\n+I[2020-01-01 00:00:12.000, [\"c\"]]\n");
  CHECK_ROWS(W_DDL "SELECT TUMBLE_START(ts, INTERVAL '10' SECOND) AS s, JSON_OBJECTAGG(KEY k VALUE CAST(v AS STRING)) AS o "
                   "FROM w WHERE k <> 'a' GROUP BY TUMBLE(ts, INTERVAL '10' SECOND)",
             "+I[2020-01-01 00:00:00.000, {\"b\":null}]\n+I[2020-01-01 00:00:10.000, {\"c\":\"4\"}]\n");
  CHECK_ERR(W_DDL "SELECT JSON_ARRAYAGG(v) OVER (PARTITION BY k ORDER BY ts) FROM w", "JSON_ARRAYAGG");
}

TEST(json_path_filters) {
  /* Jayway's filters, which Flink's JSON functions reach through Calcite: a list of the
   * elements that pass, then the path's further steps on each */
  CHECK_LOG("SELECT JSON_QUERY('{\"a\":[{\"b\":1,\"n\":\"x\"},{\"b\":2,\"n\":\"y\"},{\"b\":3}]}', '$.a[?(@.b > 1)].b') AS q, "
            "JSON_QUERY('{\"a\":[{\"b\":1,\"n\":\"x\"},{\"b\":2,\"n\":\"y\"}]}', '$.a[?(@.n == ''x'' || @.b >= 2)].n') AS q2, "
            "JSON_QUERY('{\"a\":[{\"b\":1},{\"c\":2},{\"b\":2}]}', '$.a[?(!@.c && @.b != 2)]') AS q3, "
            "JSON_QUERY('{\"a\":{\"b\":5}}', 'lax $.a[?(@.b == 5)].b') AS o, "
            "JSON_QUERY('{\"a\":[{\"b\":null},{\"b\":\"1\"},{\"b\":true}]}', '$.a[?(@.b == null || @.b == true)]') AS k",
            "+I[[2,3], [\"x\",\"y\"], [{\"b\":1}], [5], [{\"b\":null},{\"b\":true}]]\n");
  CHECK_LOG("SELECT JSON_EXISTS('{\"a\":[{\"b\":1}]}', '$.a[?(@.b)]') AS e, JSON_EXISTS('{\"a\":[{\"b\":1}]}', '$.a[?(@.c)]') AS f",
            "+I[TRUE, FALSE]\n");
  CHECK_ERR("SELECT JSON_VALUE('{}', '$.a[?(@.b =~ /x/)]')", "not supported: =~ (regular expressions) in the JSON path filter");
  CHECK_ERR("SELECT JSON_QUERY('{}', '$.a[?(@.b > )]')", "expected a value in the JSON path filter at character 7");
  CHECK_ERR("SELECT JSON_QUERY('{}', '$.a[?(@.b > 1)')", "expected ']' after the filter in the JSON path");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom_test_rowfn_%d", (int)getpid());
  mkdir(tmp, 0755);
  char d[400];
  const char *sub[] = {"r", "in", "w"};
  for (int i = 0; i < 3; i++) snprintf(d, sizeof d, "%s/%s", tmp, sub[i]), mkdir(d, 0755);
  RUN(row_as_array_and_map_element);
  RUN(row_in_json_functions);
  RUN(row_collections_through_json_format_and_print);
  RUN(map_entries);
  RUN(json_objectagg_arrayagg_group_by);
  RUN(json_aggs_and_collect_retract);
  RUN(json_aggs_in_windows);
  RUN(json_path_filters);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
