/*
 * test_sql_functions3.c -- the math (fn_math.c), collection (fn_coll.c) and time
 * (fn_time2.c) built-in functions against values worked out by hand from Flink's
 * function reference: trigonometry, LOG with a base, RAND / RAND_INTEGER with a seed
 * (java.util.Random's sequence, computed from its documented algorithm), ARRAY_* and
 * MAP_* with NULLs, empty arrays, duplicates and negative offsets, TO_DATE and
 * CONVERT_TZ, and the errors for bad arguments.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_test.h"

TEST(math_trig_and_log) {
  CHECK_ROWS("SELECT SIN(0), COS(0), ASIN(1), ATAN(1), ATAN2(0, -1), COSH(0), TANH(0), DEGREES(PI()), RADIANS(180), "
             "PI(), E(), LOG(2, 8), LOG(10, 1000), LOG(1), COT(PI() / 4) > 0.9999, COT(PI() / 4) < 1.0001",
             false,
             "+I[0.0, 1.0, 1.5707963267948966, 0.7853981633974483, 3.141592653589793, 1.0, 0.0, 180.0, "
             "3.141592653589793, 3.141592653589793, 2.718281828459045, 3.0, 2.9999999999999996, 0.0, TRUE, TRUE]\n");
  /* integers and decimals are computed on as DOUBLE; NULL in gives NULL out */
  CHECK_ROWS("SELECT SIN(x), LOG(x, 9), DEGREES(CAST(1.5 AS DECIMAL(3, 1))) FROM (VALUES (3), (CAST(NULL AS INT))) AS t(x)",
             false, "+I[0.1411200080598672, 2.0, 85.94366926962348]\n+I[<NULL>, <NULL>, 85.94366926962348]\n");
  CHECK_ERR("SELECT SIN('a')", "SIN: argument 1 is CHAR(1) NOT NULL, expected a number");
  CHECK_ERR("SELECT ATAN2(1)", "ATAN2 takes 2 arguments, got 1");
}

TEST(math_rand_seeded_is_java_random) {
  /* new java.util.Random(42): nextDouble() 0.7275636800328681, 0.6832234717598454,
   * 0.30871945533265976; nextInt(10) 0, 3, 8.  Random(-1).nextInt(1000): 913, 225, 579. */
  CHECK_ROWS("SELECT RAND(42), RAND_INTEGER(42, 10), RAND_INTEGER(-1, 1000), RAND(42) FROM (VALUES (1), (2), (3)) AS t(x)",
             false,
             "+I[0.7275636800328681, 0, 913, 0.7275636800328681]\n"
             "+I[0.6832234717598454, 3, 225, 0.6832234717598454]\n"
             "+I[0.30871945533265976, 8, 579, 0.30871945533265976]\n");
  /* a power-of-two bound takes Random.nextInt's shortcut: Random(7).nextInt(16) = 11, 10 */
  CHECK_ROWS("SELECT RAND_INTEGER(7, 16) FROM (VALUES (1), (2)) AS t(x)", false, "+I[11]\n+I[10]\n");
  CHECK_ERR("SELECT RAND(x) FROM (VALUES (1)) AS t(x)", "RAND: the seed must be an integer literal");
  CHECK_ERR("SELECT RAND_INTEGER(0)", "RAND_INTEGER: the bound must be positive, got 0");
}

TEST(math_rand_unseeded_differs_per_row) {
  char *out, err[256];
  CHECK_INT(run("SELECT RAND(), RAND_INTEGER(1000000) FROM (VALUES (1), (2), (3), (4)) AS t(x)", &out, err, sizeof err), 0);
  char *rows = rows_of(out, false);
  free(out);
  /* four rows in [0, 1): not all the same (a constant-folded RAND would be) */
  char first[128] = "";
  int same = 0, n = 0;
  for (char *l = strtok(rows, "\n"); l; l = strtok(NULL, "\n"), n++) {
    double d = atof(l + 3);
    CHECK(d >= 0.0 && d < 1.0);
    if (!n) snprintf(first, sizeof first, "%s", l);
    else same += !strcmp(first, l);
  }
  CHECK_INT(n, 4);
  CHECK(same < 3);
  free(rows);
}

TEST(collection_search_and_remove) {
  CHECK_ROWS("SELECT ARRAY_CONTAINS(ARRAY[1, 2, NULL], NULL), ARRAY_CONTAINS(ARRAY[1, 2], CAST(NULL AS INT)), "
             "ARRAY_CONTAINS(ARRAY['a', 'b'], 'b'), ARRAY_POSITION(ARRAY[3, 2, 1, 2], 2), ARRAY_POSITION(ARRAY[3], 4), "
             "ARRAY_POSITION(ARRAY[1], CAST(NULL AS INT)), ARRAY_REMOVE(ARRAY[1, NULL, 2, 1], 1), "
             "ARRAY_REMOVE(ARRAY[1, NULL, 2, NULL], CAST(NULL AS INT)), ARRAY_REMOVE(ARRAY[1, 1], 1)",
             false, "+I[TRUE, FALSE, TRUE, 2, 0, <NULL>, [NULL, 2], [1, 2], []]\n");
  /* a NULL array gives NULL, also for the functions that look for NULL elements */
  CHECK_ROWS("SELECT ARRAY_CONTAINS(a, 1), ARRAY_CONTAINS(a, NULL), ARRAY_REMOVE(a, 1), ARRAY_DISTINCT(a), "
             "ARRAY_REVERSE(a), ARRAY_SLICE(a, 1), ARRAY_MAX(a), CARDINALITY(ARRAY_UNION(a, a)) "
             "FROM (VALUES (ARRAY[1, NULL, 1]), (NULL)) AS t(a)",
             false,
             "+I[TRUE, TRUE, [NULL], [1, NULL], [1, NULL, 1], [1, NULL, 1], 1, 2]\n"
             "+I[<NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>]\n");
  CHECK_ERR("SELECT ARRAY_CONTAINS(ARRAY[1, 2], 'x')", "ARRAY_CONTAINS: argument 2 is CHAR(1) NOT NULL, expected INT");
  CHECK_ERR("SELECT ARRAY_REVERSE(5)", "ARRAY_REVERSE: argument 1 is INT NOT NULL, expected an ARRAY");
}

TEST(collection_reshape) {
  CHECK_ROWS("SELECT ARRAY_DISTINCT(ARRAY[NULL, 1, 2, 1, NULL, 3]), ARRAY_REVERSE(ARRAY['a', 'b', 'c']), "
             "ARRAY_SLICE(ARRAY[1, 2, 3, 4, 5, 6], 2, 5), ARRAY_SLICE(ARRAY[1, 2, 3], -2), ARRAY_SLICE(ARRAY[1, 2, 3], 0, 0), "
             "ARRAY_SLICE(ARRAY[1, 2, 3], 3, 1), ARRAY_SLICE(ARRAY[1, 2, 3], -5, -4), ARRAY_SLICE(ARRAY[1, 2, 3], 5), "
             "ARRAY_SLICE(ARRAY[1, 2, 3], -2, -1), ARRAY_SLICE(ARRAY[1, 2, 3], 1, CAST(NULL AS INT))",
             false, "+I[[NULL, 1, 2, 3], [c, b, a], [2, 3, 4, 5], [2, 3], [1], [], [1], [], [2, 3], <NULL>]\n");
  /* empty arrays stay empty */
  CHECK_ROWS("SELECT ARRAY_DISTINCT(ARRAY_REMOVE(ARRAY[1], 1)), ARRAY_SLICE(ARRAY_REMOVE(ARRAY[1], 1), 1, 2), "
             "ARRAY_MAX(ARRAY_REMOVE(ARRAY[1], 1)), ELEMENT(ARRAY_REMOVE(ARRAY[1], 1)), "
             "ARRAY_JOIN(ARRAY_REMOVE(ARRAY['a'], 'a'), ',')",
             false, "+I[[], [], <NULL>, <NULL>, ]\n");
  CHECK_ROWS("SELECT ARRAY_SORT(ARRAY[3, NULL, 1, 2]), ARRAY_SORT(ARRAY[3, NULL, 1, 2], FALSE), "
             "ARRAY_SORT(ARRAY[3, NULL, 1, 2], FALSE, TRUE), ARRAY_SORT(ARRAY[3, NULL, 1], TRUE, FALSE), "
             "ARRAY_SORT(ARRAY['b', 'a', 'b']), ARRAY_SORT(ARRAY[1], CAST(NULL AS BOOLEAN))",
             false, "+I[[NULL, 1, 2, 3], [3, 2, 1, NULL], [NULL, 3, 2, 1], [1, 3, NULL], [a, b, b], <NULL>]\n");
}

TEST(collection_combine_and_reduce) {
  CHECK_ROWS("SELECT ARRAY_UNION(ARRAY[1, 2, 2], ARRAY[3, 1]), ARRAY_UNION(ARRAY[1], ARRAY[CAST(2.5 AS DOUBLE)]), "
             "ARRAY_CONCAT(ARRAY[1], ARRAY[2, 2], ARRAY[CAST(NULL AS INT)]), ARRAY_CONCAT(ARRAY['x']), "
             "ARRAY_MAX(ARRAY[1, NULL, 7, 3]), ARRAY_MIN(ARRAY[4, NULL, -2]), ARRAY_MAX(ARRAY['pear', 'apple']), "
             "ARRAY_MAX(ARRAY[CAST(NULL AS INT)]), ELEMENT(ARRAY['only'])",
             false, "+I[[1, 2, 3], [1.0, 2.5], [1, 2, 2, NULL], [x], 7, -2, pear, <NULL>, only]\n");
  CHECK_ROWS("SELECT ARRAY_JOIN(ARRAY['a', NULL, 'c'], ', '), ARRAY_JOIN(ARRAY['a', NULL, 'c'], '-', 'x'), "
             "ARRAY_JOIN(ARRAY['a'], CAST(NULL AS STRING)), ARRAY_JOIN(ARRAY['a', 'b'], '')",
             false, "+I[a, c, a-x-c, <NULL>, ab]\n");
  /* EXCEPT and INTERSECT give distinct elements of the first array, in its order */
  CHECK_ROWS("SELECT ARRAY_EXCEPT(ARRAY[1, 2, 2], ARRAY[1, NULL, 4]), ARRAY_EXCEPT(ARRAY[1, 2, 3, 2, 4, 2], ARRAY[2, 2]), "
             "ARRAY_EXCEPT(ARRAY[NULL, NULL, 1], ARRAY[NULL, 42]), ARRAY_INTERSECT(ARRAY[1, 2, 2, NULL, 3], ARRAY[2, NULL, 5]), "
             "ARRAY_INTERSECT(ARRAY[1], ARRAY[2]), ARRAY_APPEND(ARRAY[1, 2], NULL), ARRAY_PREPEND(ARRAY['a'], 'b'), "
             "ARRAY_APPEND(ARRAY_REMOVE(ARRAY[1], 1), 7)",
             false, "+I[[2], [1, 3, 4], [1], [2, NULL], [], [1, 2, NULL], [b, a], [7]]\n");
  CHECK_ERR("SELECT ARRAY_MAX(ARRAY[TRUE])", "ARRAY_MAX: the elements must be numbers, strings or date-times, not BOOLEAN");
  CHECK_ERR("SELECT ELEMENT(ARRAY[1, 2])", "ELEMENT: the array has 2 elements, expected at most one");
  CHECK_ERR("SELECT ARRAY_JOIN(ARRAY[1, 2], ',')", "ARRAY_JOIN: the array's elements must be strings");
  CHECK_ERR("SELECT ARRAY_UNION(ARRAY[1, 2], ARRAY['a'])", "ARRAY_UNION: argument 2 is ARRAY<STRING> NOT NULL, expected ARRAY<INT>");
}

TEST(collection_maps) {
  CHECK_ROWS("SELECT MAP_KEYS(MAP['a', 1, 'b', 2]), MAP_VALUES(MAP['a', 1, 'b', 2]), "
             "MAP_FROM_ARRAYS(ARRAY['k1', 'k2', 'k1'], ARRAY[1, 2, 3]), MAP_FROM_ARRAYS(ARRAY_REMOVE(ARRAY[1], 1), ARRAY_REMOVE(ARRAY[1], 1)), "
             "MAP_UNION(MAP['a', 1, 'b', 2], MAP['b', 20, 'c', 3]), MAP_UNION(MAP[1, 'x']), "
             "MAP_KEYS(MAP['a', 1])[1], MAP_FROM_ARRAYS(ARRAY[1, 2], ARRAY['u', NULL])[2]",
             false, "+I[[a, b], [1, 2], {k1=3, k2=2}, {}, {a=1, b=20, c=3}, {1=x}, a, <NULL>]\n");
  CHECK_ROWS("SELECT MAP_UNION(MAP[1, 2], m), MAP_KEYS(m) FROM (VALUES (MAP[1, 5]), (NULL)) AS t(m)", false,
             "+I[{1=5}, [1]]\n+I[<NULL>, <NULL>]\n");
  CHECK_ERR("SELECT MAP_FROM_ARRAYS(ARRAY[1, 2], ARRAY['a'])", "MAP_FROM_ARRAYS: the keys array has 2 elements and the values array 1");
  CHECK_ERR("SELECT MAP_KEYS(ARRAY[1])", "MAP_KEYS: argument 1 is ARRAY<INT> NOT NULL, expected a MAP");
}

TEST(time_to_date_and_convert_tz) {
  CHECK_ROWS("SELECT TO_DATE('2024-01-02'), TO_DATE('02/01/2024', 'dd/MM/yyyy'), TO_DATE('garbage'), TO_DATE('1969-12-31'), "
             "TO_DATE('2024-03-01') + INTERVAL '1' DAY, TO_DATE(CAST(NULL AS STRING))",
             false, "+I[2024-01-02, 2024-01-02, <NULL>, 1969-12-31, 2024-03-02, <NULL>]\n");
  /* Los Angeles is UTC-8 in January, Berlin UTC+2 in July (summer time), Tokyo UTC+9 */
  CHECK_ROWS("SELECT CONVERT_TZ('1970-01-01 00:00:00', 'UTC', 'America/Los_Angeles'), "
             "CONVERT_TZ('2024-07-01 12:00:00', 'Europe/Berlin', 'Asia/Tokyo'), "
             "CONVERT_TZ('2024-01-01 00:00:00', 'GMT+08:00', 'UTC'), CONVERT_TZ('2024-01-01 00:00:00', 'UTC', 'GMT-05:30'), "
             "CONVERT_TZ('bad', 'UTC', 'UTC'), CONVERT_TZ('2024-01-01 00:00:00', CAST(NULL AS STRING), 'UTC'), "
             "CONVERT_TZ('2024-07-04 12:00:00', 'UTC', 'PST'), CONVERT_TZ('2024-01-01 00:00:00', 'Nowhere/Else', 'JST')",
             false,
             "+I[1969-12-31 16:00:00, 2024-07-01 19:00:00, 2023-12-31 16:00:00, 2023-12-31 18:30:00, <NULL>, <NULL>, "
             "2024-07-04 05:00:00, 2024-01-01 09:00:00]\n");
  /* DATE_FORMAT of a TIMESTAMP_LTZ: in the session zone (UTC) */
  CHECK_ROWS("SELECT DATE_FORMAT(TO_TIMESTAMP_LTZ(90061000, 3), 'yyyy-MM-dd HH:mm:ss'), FROM_UNIXTIME(44, 'yyyy/MM/dd HH:mm:ss')",
             false, "+I[1970-01-02 01:01:01, 1970/01/01 00:00:44]\n");
  CHECK_ERR("SELECT TO_DATE(5)", "TO_DATE: argument 1 is INT NOT NULL, expected a string");
}

TEST(time_now_functions) {
  /* Flink's types: NOW(), CURRENT_TIMESTAMP and CURRENT_ROW_TIMESTAMP() are TIMESTAMP_LTZ(3)
   * NOT NULL, LOCALTIMESTAMP a TIMESTAMP(3) NOT NULL; all read the clock (after 2026 here) */
  CHECK_ROWS("SELECT TYPEOF(NOW()), TYPEOF(CURRENT_TIMESTAMP), TYPEOF(CURRENT_ROW_TIMESTAMP()), TYPEOF(LOCALTIMESTAMP), "
             "CURRENT_ROW_TIMESTAMP() > TIMESTAMP '2026-01-01 00:00:00', LOCALTIMESTAMP > TIMESTAMP '2026-01-01 00:00:00'",
             false,
             "+I[TIMESTAMP_LTZ(3) NOT NULL, TIMESTAMP_LTZ(3) NOT NULL, TIMESTAMP_LTZ(3) NOT NULL, TIMESTAMP(3) NOT NULL, "
             "TRUE, TRUE]\n");
}

TEST(time_current_watermark) {
  /* Watermarks on every row, 1 s behind the largest timestamp: row 1 sees none yet;
   * after it the watermark is 0 s, after row 2 (5 s) 4 s, and row 3 (3 s) is late, so
   * it does not move; the usual late-data filter keeps rows 1, 2 and 4. */
  char sql[1024];
  write_tmp_file("wm.csv", "1,2020-01-01 00:00:01\n2,2020-01-01 00:00:05\n3,2020-01-01 00:00:03\n4,2020-01-01 00:00:09\n");
  const char *ddl = "CREATE TABLE t (id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ("
                    "'connector' = 'filesystem', 'path' = '${TMP}/wm.csv', 'format' = 'csv', "
                    "'scan.watermark.emit.strategy' = 'on-event');\n";
  snprintf(sql, sizeof sql, "%sSELECT id, CURRENT_WATERMARK(ts) FROM t;", ddl);
  CHECK_ROWS(sql, false,
             "+I[1, <NULL>]\n+I[2, 2020-01-01 00:00:00.000]\n+I[3, 2020-01-01 00:00:04.000]\n+I[4, 2020-01-01 00:00:04.000]\n");
  snprintf(sql, sizeof sql, "%sSELECT id FROM t WHERE CURRENT_WATERMARK(ts) IS NULL OR ts > CURRENT_WATERMARK(ts);", ddl);
  CHECK_ROWS(sql, false, "+I[1]\n+I[2]\n+I[4]\n");
  /* no operator, no watermark */
  CHECK_ROWS("SELECT CURRENT_WATERMARK(TIMESTAMP '2020-01-01 00:00:00')", false, "+I[<NULL>]\n");
  CHECK_ERR("SELECT CURRENT_WATERMARK(1)", "CURRENT_WATERMARK: argument 1 is INT NOT NULL, expected a rowtime attribute");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom_test_fn3_%d", (int)getpid());
  RUN(math_trig_and_log);
  RUN(math_rand_seeded_is_java_random);
  RUN(math_rand_unseeded_differs_per_row);
  RUN(collection_search_and_remove);
  RUN(collection_reshape);
  RUN(collection_combine_and_reduce);
  RUN(collection_maps);
  RUN(time_to_date_and_convert_tz);
  mkdir(tmp, 0755);
  RUN(time_now_functions);
  RUN(time_current_watermark);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
