/*
 * test_sql_functions4.c -- what a sweep of Flink's built-in function reference added or
 * fixed: STARTSWITH, ENDSWITH, BTRIM, UNHEX, LTRIM / RTRIM with the characters to remove,
 * LOCATE's start position, TIMESTAMPADD's DATE and TIME results, TO_TIMESTAMP_LTZ of a
 * string, EXTRACT's ISO and calendar units, FLOOR / CEIL TO WEEK, JSON_QUERY RETURNING
 * ARRAY<STRING>, and the ARRAY_AGG and PERCENTILE aggregates (append-only, retracting,
 * DISTINCT, windowed, batch).  Expected values are the examples of Flink's docs or worked out by hand
 * from the inputs written here.
 */
#include <stdlib.h>

#include "sql_test.h"

TEST(startswith_and_endswith) {
  /* the docs' examples; an empty prefix is true; NULL in, NULL out */
  CHECK_ROWS("SELECT STARTSWITH('SparkSQL', 'Spark'), STARTSWITH('SparkSQL', 'spark'), ENDSWITH('SparkSQL', 'SQL'),"
             " ENDSWITH('SparkSQL', 'Spark'), STARTSWITH('a', ''), ENDSWITH('ab', 'abc'), STARTSWITH(CAST(NULL AS STRING), 'a')",
             false, "+I[TRUE, FALSE, TRUE, FALSE, TRUE, FALSE, <NULL>]\n");
  /* bytes against bytes */
  CHECK_ROWS("SELECT STARTSWITH(x'0a0b0c', x'0a0b'), ENDSWITH(x'0a0b0c', x'0b')", false, "+I[TRUE, FALSE]\n");
  CHECK_ROWS("SELECT TYPEOF(STARTSWITH('a', 'b')), TYPEOF(BTRIM('a')), TYPEOF(BTRIM(CAST(NULL AS STRING)))", false,
             "+I[BOOLEAN NOT NULL, STRING NOT NULL, STRING]\n");
  CHECK_ERR("SELECT STARTSWITH(1, 'a')", "STARTSWITH: argument 1 is INT NOT NULL, expected a STRING");
}

TEST(trims_with_characters) {
  CHECK_ROWS("SELECT BTRIM('  www.apache.org  '), BTRIM('/www.apache.org/', '/'), BTRIM('xyxaxyx', 'xy'), LTRIM('xxa', 'x'),"
             " RTRIM('axyz', 'xy'), RTRIM('axyx', 'xy'), '[' || LTRIM('  a ') || ']', '[' || RTRIM(' a  ') || ']'",
             false, "+I[www.apache.org, www.apache.org, a, a, axyz, a, [a ], [ a]]\n");
  /* a multi-byte character in the set; NULL characters give NULL */
  CHECK_ROWS("SELECT BTRIM('ééaé', 'é'), CHAR_LENGTH(LTRIM('ééaé', 'é')), BTRIM('a', CAST(NULL AS STRING))", false,
             "+I[a, 2, <NULL>]\n");
  CHECK_ERR("SELECT LTRIM('a', 'b', 'c')", "LTRIM takes 1 to 2 arguments, got 3");
}

TEST(locate_from_a_position) {
  /* 1-based, counted in characters; from past the end or below 1 gives 0 */
  CHECK_ROWS("SELECT LOCATE('l', 'hello'), LOCATE('l', 'hello', 4), LOCATE('l', 'hello', 5), LOCATE('l', 'hello', 0),"
             " LOCATE('', 'abc', 2), LOCATE('é', 'aéaé', 3), LOCATE('x', 'hello', 1), LOCATE('l', 'hello', CAST(NULL AS INT))",
             false, "+I[3, 4, 0, 0, 2, 4, 0, <NULL>]\n");
}

TEST(unhex_reads_hex_digits) {
  /* an odd length reads as if a 0 led; a non-hex digit gives NULL */
  CHECK_ROWS("SELECT DECODE(UNHEX('537061726B2053514C'), 'UTF-8'), HEX(UNHEX('0a1')), UNHEX('F'), UNHEX('zz'),"
             " UNHEX(CAST(NULL AS STRING)), TYPEOF(UNHEX('41'))",
             false, "+I[Spark SQL, 00A1, x'0f', <NULL>, <NULL>, BYTES]\n");
}

TEST(timestampadd_keeps_date_and_time) {
  /* the docs' example: TIMESTAMPADD(WEEK, 1, DATE '2003-01-02') is 2003-01-09 */
  CHECK_ROWS("SELECT TIMESTAMPADD(WEEK, 1, DATE '2003-01-02'), TYPEOF(TIMESTAMPADD(DAY, 1, DATE '2003-01-02')),"
             " TIMESTAMPADD(MONTH, 1, DATE '2003-01-31'), TIMESTAMPADD(YEAR, 1, DATE '2004-02-29'), TIMESTAMPADD(DAY, -3, DATE '2003-01-02')",
             false, "+I[2003-01-09, DATE, 2003-02-28, 2005-02-28, 2002-12-30]\n");
  /* a unit under a day makes a DATE a TIMESTAMP */
  CHECK_ROWS("SELECT TIMESTAMPADD(HOUR, 1, DATE '2003-01-02'), TYPEOF(TIMESTAMPADD(HOUR, 1, DATE '2003-01-02'))", false,
             "+I[2003-01-02 01:00:00.000, TIMESTAMP(3)]\n");
  /* a TIME wraps around the day */
  CHECK_ROWS("SELECT TIMESTAMPADD(SECOND, 1, TIME '10:00:00'), TIMESTAMPADD(HOUR, 15, TIME '10:00:00'),"
             " TIMESTAMPADD(MINUTE, -61, TIME '00:30:00'), TYPEOF(TIMESTAMPADD(SECOND, 1, TIME '10:00:00')),"
             " TIMESTAMPADD(DAY, CAST(NULL AS INT), DATE '2003-01-02')",
             false, "+I[10:00:01, 01:00:00, 23:29:00, TIME(0), <NULL>]\n");
}

TEST(to_timestamp_ltz_of_a_string) {
  /* default format 'yyyy-MM-dd HH:mm:ss.SSS' matched whole; a zone gives the wall-clock time's instant */
  CHECK_ROWS("SELECT TO_TIMESTAMP_LTZ('2024-01-02 03:04:05.123'), TO_TIMESTAMP_LTZ('2024-01-02 03:04:05'),"
             " TO_TIMESTAMP_LTZ('2024-01-02', 'yyyy-MM-dd'),"
             " TO_TIMESTAMP_LTZ('2024-01-02 03:04:05', 'yyyy-MM-dd HH:mm:ss', 'America/Los_Angeles'),"
             " TO_TIMESTAMP_LTZ('2024-07-02 03:04:05', 'yyyy-MM-dd HH:mm:ss', 'GMT+08:00')",
             false,
             "+I[2024-01-02 03:04:05.123, <NULL>, 2024-01-02 00:00:00.000, 2024-01-02 11:04:05.000, 2024-07-01 19:04:05.000]\n");
  CHECK_ROWS("SELECT TYPEOF(TO_TIMESTAMP_LTZ('2024-01-02 03:04:05.123')), TO_TIMESTAMP_LTZ(CAST(NULL AS STRING)),"
             " TO_TIMESTAMP_LTZ('x'), TO_TIMESTAMP_LTZ(1000), TO_TIMESTAMP_LTZ(1, 0)",
             false, "+I[TIMESTAMP_LTZ(3), <NULL>, <NULL>, 1970-01-01 00:00:01.000, 1970-01-01 00:00:01.000]\n");
  /* a column, not only literals */
  CHECK_ROWS("SELECT TO_TIMESTAMP_LTZ(s, 'yyyyMMdd') FROM (VALUES ('20240102'), ('2024')) AS t(s)", false,
             "+I[2024-01-02 00:00:00.000]\n+I[<NULL>]\n");
  CHECK_ERR("SELECT TO_TIMESTAMP_LTZ(1, 0, 'UTC')", "takes (numeric [, precision]) or (string [, format [, time zone]])");
}

TEST(extract_iso_and_calendar_units) {
  /* 2021-01-03 is a Sunday in ISO week 53 of 2020; 2024-12-30 a Monday in week 1 of 2025 */
  CHECK_ROWS("SELECT EXTRACT(WEEK FROM DATE '2024-01-01'), EXTRACT(WEEK FROM DATE '2021-01-03'), EXTRACT(ISOYEAR FROM DATE '2021-01-03'),"
             " EXTRACT(ISOYEAR FROM DATE '2024-12-30'), EXTRACT(ISODOW FROM DATE '2024-01-07'), EXTRACT(DOW FROM DATE '2024-01-07'),"
             " EXTRACT(WEEK FROM TIMESTAMP '2024-05-17 10:00:00')",
             false, "+I[1, 53, 2020, 2025, 7, 1, 20]\n");
  /* the year 2000 is in the 20th century and the 2nd millennium */
  CHECK_ROWS("SELECT EXTRACT(DECADE FROM DATE '2024-01-01'), EXTRACT(CENTURY FROM DATE '2000-12-31'), EXTRACT(CENTURY FROM DATE '2001-01-01'),"
             " EXTRACT(MILLENNIUM FROM DATE '2000-01-01'), EXTRACT(MILLENNIUM FROM DATE '2001-01-01'), EXTRACT(WEEK FROM CAST(NULL AS DATE))",
             false, "+I[202, 20, 21, 2, 3, <NULL>]\n");
}

TEST(floor_and_ceil_to_week) {
  /* weeks start on Sunday as Calcite floors them: 2024-05-19 and 1969-12-28 are Sundays */
  CHECK_ROWS("SELECT FLOOR(TIMESTAMP '2024-05-17 12:44:31' TO WEEK), CEIL(TIMESTAMP '2024-05-17 12:44:31' TO WEEK),"
             " FLOOR(DATE '2024-05-19' TO WEEK), CEIL(DATE '2024-05-19' TO WEEK), CEIL(DATE '2024-05-20' TO WEEK),"
             " FLOOR(DATE '1969-12-31' TO WEEK)",
             false, "+I[2024-05-12 00:00:00, 2024-05-19 00:00:00, 2024-05-19, 2024-05-19, 2024-05-26, 1969-12-28]\n");
  CHECK_ERR("SELECT FLOOR(TIME '10:00:00' TO WEEK)", "not supported yet: FLOOR(... TO WEEK) of this type");
}

TEST(json_query_returning_an_array_of_strings) {
  /* the docs' example gives ['c1', 'c2']; strings unquoted, null NULL, others compact JSON */
  CHECK_ROWS("SELECT JSON_QUERY('{\"a\":[{\"c\":\"c1\"},{\"c\":\"c2\"}]}', 'lax $.a[*].c' RETURNING ARRAY<STRING>),"
             " JSON_QUERY('{\"a\":[1, \"x\", null, {\"b\": 2}]}', '$.a' RETURNING ARRAY<STRING>),"
             " TYPEOF(JSON_QUERY('{\"a\":[1]}', '$.a' RETURNING ARRAY<STRING>))",
             false, "+I[[c1, c2], [1, x, NULL, {\"b\":2}], ARRAY<STRING>]\n");
  CHECK_ROWS("SELECT JSON_QUERY('{\"a\":1}', '$.b' RETURNING ARRAY<STRING> EMPTY ARRAY ON EMPTY),"
             " JSON_QUERY('{\"a\":1}', '$.b' RETURNING ARRAY<STRING>), JSON_QUERY('{\"a\":1}', '$.a' RETURNING ARRAY<STRING> WITH WRAPPER),"
             " JSON_QUERY('{\"a\":[\"x\",\"y\"]}', '$.a' RETURNING ARRAY<STRING>)[2]",
             false, "+I[[], <NULL>, [1], y]\n");
  CHECK_ERR("SELECT JSON_QUERY('{}', '$.a' RETURNING INT)", "RETURNING must be STRING or ARRAY<STRING>");
}

#define T4 "(VALUES (1, 1, 'a'), (1, 2, 'b'), (2, 4, 'c'), (1, CAST(NULL AS INT), 'a')) AS t(k, x, s)"

TEST(array_agg_collects_in_arrival_order) {
  /* NULLs are kept (RESPECT NULLS, Flink's default); the last row of each key is its final value */
  CHECK_ROWS("SELECT k, ARRAY_AGG(x), ARRAY_AGG(s) FROM " T4 " GROUP BY k", false,
             "+I[1, [1], [a]]\n-U[1, [1], [a]]\n+U[1, [1, 2], [a, b]]\n+I[2, [4], [c]]\n"
             "-U[1, [1, 2], [a, b]]\n+U[1, [1, 2, NULL], [a, b, a]]\n");
  CHECK_ROWS("SELECT TYPEOF(ARRAY_AGG(x)), CARDINALITY(ARRAY_AGG(x)) FROM " T4 " WHERE k = 2", false,
             "+I[ARRAY<INT>, 1]\n");
  /* FILTER: a group with no row taken gives NULL */
  CHECK_ROWS("SELECT k, ARRAY_AGG(x) FILTER (WHERE x > 1) FROM " T4 " GROUP BY k", false,
             "+I[1, <NULL>]\n-U[1, <NULL>]\n+U[1, [2]]\n+I[2, [4]]\n");
}

TEST(array_agg_retracts) {
  /* over an updating input: a retraction takes the element out, an empty group is deleted */
  CHECK_ROWS("SELECT c, ARRAY_AGG(k) FROM (SELECT k, COUNT(*) AS c FROM " T4 " GROUP BY k) GROUP BY c", false,
             "+I[1, [1]]\n-D[1, [1]]\n+I[2, [1]]\n+I[1, [2]]\n-D[2, [1]]\n+I[3, [1]]\n");
  CHECK_ERR("SELECT ARRAY_AGG(x, x) FROM " T4, "ARRAY_AGG takes one argument");
}

TEST(array_agg_distinct_keeps_first_arrivals) {
  /* each value once, in the order first seen; the NULL once too */
  CHECK_ROWS("SELECT ARRAY_AGG(DISTINCT s), ARRAY_AGG(DISTINCT x) FROM " T4, false,
             "+I[[a], [1]]\n-U[[a], [1]]\n+U[[a, b], [1, 2]]\n-U[[a, b], [1, 2]]\n+U[[a, b, c], [1, 2, 4]]\n"
             "-U[[a, b, c], [1, 2, 4]]\n+U[[a, b, c], [1, 2, 4, NULL]]\n");
  /* a retraction of the value's last copy takes it out */
  CHECK_ROWS("SELECT c, ARRAY_AGG(DISTINCT s) FROM (SELECT s, COUNT(*) AS c FROM " T4 " GROUP BY s) GROUP BY c", false,
             "+I[1, [a]]\n-U[1, [a]]\n+U[1, [a, b]]\n-U[1, [a, b]]\n+U[1, [a, b, c]]\n-U[1, [a, b, c]]\n+U[1, [b, c]]\n"
             "+I[2, [a]]\n");
}

TEST(array_agg_ignore_nulls_and_batch) {
  CHECK_ROWS("SELECT ARRAY_AGG(x IGNORE NULLS), ARRAY_AGG(x RESPECT NULLS) FROM " T4 " WHERE k = 1", false,
             "+I[[1], [1]]\n-U[[1], [1]]\n+U[[1, 2], [1, 2]]\n-U[[1, 2], [1, 2]]\n+U[[1, 2], [1, 2, NULL]]\n");
  CHECK_ERR("SELECT ARRAY_AGG(x IGNORE) FROM " T4, "line 1, column 26: expected NULLS after IGNORE or RESPECT");
  /* batch: one final row per group; no input rows give NULL */
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';\n"
             "SELECT k, ARRAY_AGG(x), ARRAY_AGG(DISTINCT s) FROM " T4 " GROUP BY k",
             true, "+I[1, [1, 2, NULL], [a, b]]\n+I[2, [4], [c]]\n");
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';\nSELECT ARRAY_AGG(x) FROM " T4 " WHERE x > 5", false, "+I[<NULL>]\n");
}

TEST(percentile_interpolates) {
  /* the examples of Flink's reference: 6.0, 6.0 with frequencies, [2.5, 7.5], 17.5 */
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';\nSELECT PERCENTILE(col, 0.3) FROM (VALUES (0), (10), (10)) AS tab(col)", false, "+I[6.0]\n");
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';\nSELECT PERCENTILE(col, 0.3, freq) FROM (VALUES (0, 1), (10, 2)) AS tab(col, freq)",
             false, "+I[6.0]\n");
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';\nSELECT PERCENTILE(col, ARRAY[0.25, 0.75]) FROM (VALUES (0), (10)) AS tab(col)",
             false, "+I[[2.5, 7.5]]\n");
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';\nSELECT PERCENTILE(age, 0.25), TYPEOF(PERCENTILE(age, 0.25)), PERCENTILE(age, 0),"
             " PERCENTILE(age, 1) FROM (VALUES (10), (20), (30), (40)) AS t(age)",
             false, "+I[17.5, DOUBLE, 10.0, 40.0]\n");
  /* NULL values, NULL or non-positive frequencies leave the row out; nothing left gives NULL */
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';\nSELECT PERCENTILE(x, 0.5, f), PERCENTILE(CAST(NULL AS INT), 0.5)"
             " FROM (VALUES (1, 0), (CAST(NULL AS INT), 1), (3, CAST(NULL AS INT)), (5, 2)) AS t(x, f)",
             false, "+I[5.0, <NULL>]\n");
  /* streaming over an updating input: the median of the keys seen once */
  CHECK_ROWS("SELECT c, PERCENTILE(k, 0.5) FROM (SELECT k, COUNT(*) AS c FROM (VALUES (1), (1), (2), (3)) AS t(k) GROUP BY k) GROUP BY c",
             false, "+I[1, 1.0]\n-D[1, 1.0]\n+I[2, 1.0]\n+I[1, 2.0]\n-U[1, 2.0]\n+U[1, 2.5]\n");
  CHECK_ERR("SELECT PERCENTILE(x, 1.5) FROM (VALUES (1)) AS t(x)", "PERCENTILE: the percentage 1.5 is outside [0, 1]");
  CHECK_ERR("SELECT PERCENTILE(x, x) FROM (VALUES (1)) AS t(x)", "the percentage must be a numeric literal in [0, 1] or an ARRAY of them");
  CHECK_ERR("SELECT PERCENTILE('a', 0.5)", "PERCENTILE: expr must be numeric");
}

TEST(array_agg_in_a_window) {
  CHECK_ROWS("CREATE TABLE src (k INT, ts AS TIMESTAMP '2024-01-01 00:00:00' + k * INTERVAL '1' MINUTE, WATERMARK FOR ts AS ts)"
             " WITH ('connector' = 'datagen', 'number-of-rows' = '5', 'fields.k.kind' = 'sequence', 'fields.k.start' = '1',"
             " 'fields.k.end' = '5');\n"
             "SELECT window_start, ARRAY_AGG(k) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '3' MINUTE))"
             " GROUP BY window_start, window_end",
             true, "+I[2024-01-01 00:00:00.000, [1, 2]]\n+I[2024-01-01 00:03:00.000, [3, 4, 5]]\n");
}

int main(int argc, char **argv) {
  snprintf(tmp, sizeof tmp, "/tmp/strom_test_sql_functions4_XXXXXX");
  if (!mkdtemp(tmp)) return 1;
  TEST_MAIN_BEGIN(argc, argv);
  RUN(startswith_and_endswith);
  RUN(trims_with_characters);
  RUN(locate_from_a_position);
  RUN(unhex_reads_hex_digits);
  RUN(timestampadd_keeps_date_and_time);
  RUN(to_timestamp_ltz_of_a_string);
  RUN(extract_iso_and_calendar_units);
  RUN(floor_and_ceil_to_week);
  RUN(json_query_returning_an_array_of_strings);
  RUN(array_agg_collects_in_arrival_order);
  RUN(array_agg_retracts);
  RUN(array_agg_distinct_keeps_first_arrivals);
  RUN(array_agg_ignore_nulls_and_batch);
  RUN(array_agg_in_a_window);
  RUN(percentile_interpolates);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
