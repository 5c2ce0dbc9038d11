/*
 * test_sql_fidelity2.c -- the second round of differences from Flink SQL, each against
 * Flink's text or a result worked out by hand: EXPLAIN with Flink's names (aggregate
 * calls, OVER windows, the decorrelated subqueries' columns), the types of VALUES
 * columns and timestamp literals, ROW columns' nullability, CHAR(n), TIME(p), LAG /
 * LEAD offsets and UNNEST of several collections.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_test.h"

#define T2 "CREATE TABLE t (k INT, a INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen', 'number-of-rows' = '3');\n" \
           "CREATE TABLE s (k INT, x INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen', 'number-of-rows' = '3');\n"

/* EXPLAIN's output of sql contains want (printed when it does not) */
#define CHECK_PLAN(sql, want)                                   \
  do {                                                          \
    char *o_, e_[1024];                                         \
    CHECK_INT(run(sql, &o_, e_, sizeof e_), 0);                 \
    if (!strstr(o_, want)) fprintf(stderr, "%s\nwant: %s\n", o_, want); \
    CHECK(strstr(o_, want) != NULL);                            \
    CHECK(strchr(o_, '\x1f') == NULL);                          \
    free(o_);                                                   \
  } while (0)

TEST(explain_names_as_flink) {
  /* aggregate calls as Flink prints them, not (SUM a) */
  CHECK_PLAN(T2 "EXPLAIN SELECT k, COUNT(DISTINCT a), SUM(a + 1) FILTER (WHERE a > 1), COUNT(*) FROM t GROUP BY k;",
             "GroupAggregate(groupBy=[k], select=[COUNT(DISTINCT a), SUM(a + 1) FILTER (WHERE a > 1), COUNT(*)])");
  CHECK_PLAN(T2 "EXPLAIN SELECT k, COUNT(DISTINCT a), SUM(a + 1) FILTER (WHERE a > 1), COUNT(*) FROM t GROUP BY k;",
             "Calc(select=[k, COUNT(DISTINCT a) AS EXPR$1, SUM(a + 1) FILTER (WHERE a > 1) AS EXPR$2, COUNT(*) AS EXPR$3])");
  /* an OVER aggregate: Flink's OverAggregate and its w0$o0 columns */
  CHECK_PLAN(T2 "EXPLAIN SELECT k, SUM(a) OVER w, COUNT(*) OVER w FROM t "
                "WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW);",
             "Calc(select=[k, w0$o0 AS EXPR$1, w0$o1 AS EXPR$2])\n"
             "  OverAggregate(partitionBy=[k], orderBy=[ts ASC], window=[ROWS BETWEEN 2 PRECEDING AND CURRENT ROW], "
             "select=[SUM(a) AS w0$o0, COUNT(*) AS w0$o1])");
  CHECK_PLAN(T2 "EXPLAIN SELECT MAX(a) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW) FROM t;",
             "OverAggregate(orderBy=[ts ASC], window=[RANGE BETWEEN 3600000 PRECEDING AND CURRENT ROW], select=[MAX(a) AS w0$o0])");
  CHECK_PLAN(T2 "EXPLAIN SELECT MAX(a) OVER (ORDER BY ts) FROM t;",
             "window=[RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW]");
  /* a scalar subquery's column by its name (EXPR$1 AS m), the generator's copy of an
   * outer column as ts0 (not $c0 / $k0), the HAVING's aggregate as its call */
  CHECK_PLAN(T2 "EXPLAIN SELECT k, (SELECT MAX(x) FROM s WHERE s.ts > t.ts) AS m FROM t;", "Calc(select=[k, EXPR$1 AS m])");
  CHECK_PLAN(T2 "EXPLAIN SELECT k, (SELECT MAX(x) FROM s WHERE s.ts > t.ts) AS m FROM t;",
             "Calc(select=[ts0, MAX(x) AS EXPR$1]) [changelog]\n"
             "      GroupAggregate(groupBy=[ts0], select=[MAX(x)]) [changelog]\n"
             "        Join(joinType=[InnerJoin], leftKeys=[], rightKeys=[], where=[(ts > ts0)])");
  CHECK_PLAN(T2 "EXPLAIN SELECT k, (SELECT MAX(x) FROM s WHERE s.ts > t.ts) AS m FROM t;", "Calc(select=[ts AS ts0])");
  CHECK_PLAN(T2 "EXPLAIN SELECT k, SUM(a) FROM t GROUP BY k HAVING SUM(a) > (SELECT MAX(x) FROM s);",
             "Join(joinType=[InnerJoin], leftKeys=[], rightKeys=[], where=[(SUM(a) > EXPR$0)])");
  /* a Top-N's row number: Flink's Rank names it w0$o0 */
  CHECK_PLAN(T2 "EXPLAIN SELECT * FROM (SELECT k, a, ROW_NUMBER() OVER (PARTITION BY k ORDER BY a DESC) AS rn FROM t) WHERE rn <= 2;",
             "Calc(select=[k, a, w0$o0 AS rn])");
  char *o, e[1024];
  CHECK_INT(run(T2 "EXPLAIN SELECT k, (SELECT MAX(x) FROM s WHERE s.ts > t.ts AND s.k = t.k) AS m FROM t;", &o, e, sizeof e), 0);
  CHECK(strstr(o, "$c") == NULL);
  CHECK(strstr(o, "$subquery") == NULL && strstr(o, "$over") == NULL && strstr(o, "$k") == NULL && strstr(o, "(SUM") == NULL);
  free(o);
}

TEST(values_columns_typed_as_flink) {
  /* a column is NOT NULL where no row has NULL; strings take Calcite's least restrictive
   * type: CHAR(n) when all rows agree, else VARCHAR of the longest (Flink's ragged CHARs
   * turn VARCHAR), values unpadded; TRUE / FALSE are BOOLEAN NOT NULL */
  CHECK_OUT("CREATE VIEW v AS VALUES (1, 'a', TRUE, 'xy'), (2, 'bc', FALSE, 'zw'); DESCRIBE v;",
            "| EXPR$0 |        INT | FALSE |     |        |           |\n"
            "| EXPR$1 | VARCHAR(2) | FALSE |     |        |           |\n"
            "| EXPR$2 |    BOOLEAN | FALSE |     |        |           |\n"
            "| EXPR$3 |    CHAR(2) | FALSE |     |        |           |\n");
  CHECK_ROWS("SELECT TYPEOF(y), CHAR_LENGTH(y), TYPEOF(z) FROM (VALUES (1, 'a', 1), (2, 'bc', CAST(NULL AS INT))) AS t(x, y, z)", false,
             "+I[VARCHAR(2) NOT NULL, 1, INT]\n+I[VARCHAR(2) NOT NULL, 2, INT]\n");
  CHECK_ROWS("SELECT TYPEOF(TRUE), TYPEOF(UNKNOWN), TYPEOF(y) FROM (VALUES ('a'), (CAST(NULL AS CHAR(1)))) AS t(y)", false,
             "+I[BOOLEAN NOT NULL, BOOLEAN, CHAR(1)]\n+I[BOOLEAN NOT NULL, BOOLEAN, CHAR(1)]\n");
  /* numbers of different types meet NOT NULL when both are (INT with DECIMAL(3, 2) is
   * DECIMAL(12, 2)); GREATEST / LEAST are NULL only for a NULL argument */
  CHECK_ROWS("SELECT TYPEOF(d), TYPEOF(CASE WHEN d > 2 THEN 1 ELSE 2.5 END), TYPEOF(GREATEST('a', 'bc')), "
             "TYPEOF(LEAST(1, CAST(NULL AS INT))) FROM (VALUES (1.5), (2.25), (3)) AS v(d) WHERE d = 3", false,
             "+I[DECIMAL(12, 2) NOT NULL, DECIMAL(11, 1) NOT NULL, VARCHAR(2) NOT NULL, INT]\n");
}

TEST(timestamp_literals_take_their_digits) {
  /* Calcite: a timestamp literal's precision is its fraction's digit count, NOT NULL */
  CHECK_ROWS("SELECT TYPEOF(TIMESTAMP '2020-01-01 00:00:00'), TYPEOF(TIMESTAMP '2020-01-01 00:00:00.5'), "
             "TYPEOF(TIMESTAMP '2020-01-01 00:00:00.12'), TYPEOF(TIMESTAMP '2020-01-01 00:00:00.123'), "
             "TYPEOF(TIMESTAMP '2020-01-01 00:00:00.1234567'), TYPEOF(TIMESTAMP_LTZ '2020-01-01 00:00:00')",
             false,
             "+I[TIMESTAMP(0) NOT NULL, TIMESTAMP(1) NOT NULL, TIMESTAMP(2) NOT NULL, TIMESTAMP(3) NOT NULL, "
             "TIMESTAMP(7) NOT NULL, TIMESTAMP_LTZ(0) NOT NULL]\n");
  /* the value prints in its precision; + INTERVAL keeps the timestamp's type (Calcite's
   * TIMESTAMPADD type deduction); a comparison with TIMESTAMP(3) sees the same instant */
  CHECK_ROWS("SELECT TIMESTAMP '2020-01-01 00:00:00', TIMESTAMP '2020-01-01 00:00:00.50', "
             "TIMESTAMP '2020-01-01 23:30:00' + INTERVAL '1' HOUR, "
             "TIMESTAMP '2020-01-01 00:00:00' = CAST('2020-01-01 00:00:00.000' AS TIMESTAMP(3))",
             false, "+I[2020-01-01 00:00:00, 2020-01-01 00:00:00.50, 2020-01-02 00:30:00, TRUE]\n");
}

TEST(row_columns_nullability) {
  /* a ROW constructor is NOT NULL (Calcite's ROW), whatever its fields; a CAST keeps its
   * operand's; a NULL ROW and a declared ROW<...> are nullable, ROW<...> NOT NULL is not
   * (nested too) */
  CHECK_OUT("CREATE VIEW w AS SELECT ROW(1, 'a') AS r, ROW(x, 'b') AS r3, CAST(ROW(1, 'a') AS ROW<a INT, b STRING>) AS r2, "
            "CAST(NULL AS ROW<a INT>) AS r4 FROM (VALUES (1), (CAST(NULL AS INT))) AS t(x); DESCRIBE w;",
            "|    r | ROW<`EXPR$0` INT NOT NULL, `EXPR$1` CHAR(1) NOT NULL> | FALSE |     |        |           |\n"
            "|   r3 |          ROW<`EXPR$0` INT, `EXPR$1` CHAR(1) NOT NULL> | FALSE |     |        |           |\n"
            "|   r2 |            ROW<`a` INT NOT NULL, `b` STRING NOT NULL> | FALSE |     |        |           |\n"
            "|   r4 |                                          ROW<`a` INT> |  TRUE |     |        |           |\n");
  const char *ddl = "CREATE TABLE tr (p ROW<a INT, b STRING>, q ROW<a INT, n ROW<c INT> NOT NULL> NOT NULL) "
                    "WITH ('connector' = 'datagen', 'number-of-rows' = '1');";
  char sql[600];
  snprintf(sql, sizeof sql, "%s DESCRIBE tr;", ddl);
  CHECK_OUT(sql, "|    p |                ROW<`a` INT, `b` STRING> |  TRUE |     |        |           |\n"
                 "|    q | ROW<`a` INT, `n` ROW<`c` INT> NOT NULL> | FALSE |     |        |           |\n");
  snprintf(sql, sizeof sql, "%s CREATE VIEW v AS SELECT p, q FROM tr; DESCRIBE v;", ddl);
  CHECK_OUT(sql, "|    p |                ROW<`a` INT, `b` STRING> |  TRUE |     |        |           |\n"
                 "|    q | ROW<`a` INT, `n` ROW<`c` INT> NOT NULL> | FALSE |     |        |           |\n");
}

TEST(char_types_and_padding) {
  /* Calcite's least restrictive type of CHARs of different lengths is VARCHAR (Flink's
   * type system converts ragged unions to varying, FLINK-9559): UNION, CASE, COALESCE,
   * VALUES give VARCHAR(n) and nothing is padded; equal lengths stay CHAR(n) */
  CHECK_ROWS("SELECT y, CHAR_LENGTH(y), TYPEOF(y) FROM (SELECT 'a' AS y UNION ALL SELECT 'bc' AS y)", true,
             "+I[a, 1, VARCHAR(2) NOT NULL]\n+I[bc, 2, VARCHAR(2) NOT NULL]\n");
  CHECK_ROWS("SELECT TYPEOF(y) FROM (SELECT 'a' AS y UNION ALL SELECT 'b' AS y)", false,
             "+I[CHAR(1) NOT NULL]\n+I[CHAR(1) NOT NULL]\n");
  CHECK_ROWS("SELECT CHAR_LENGTH(CASE WHEN x = 1 THEN 'a' ELSE 'bcd' END), TYPEOF(CASE WHEN x = 1 THEN 'a' ELSE 'bcd' END), "
             "TYPEOF(COALESCE(CAST(NULL AS CHAR(3)), 'a')) FROM (VALUES (1)) AS t(x)",
             false, "+I[1, VARCHAR(3) NOT NULL, VARCHAR(3) NOT NULL]\n");
  /* a CAST to CHAR(n) pads to n and cuts longer values; a CHAR(3) keeps its spaces
   * through a ragged CASE and in comparisons (Flink compares the strings as they are) */
  CHECK_ROWS("SELECT CHAR_LENGTH(CAST('a' AS CHAR(3))), CAST('abcd' AS CHAR(2)), CAST('a' AS CHAR(3)) = 'a', "
             "CHAR_LENGTH(CASE WHEN x = 1 THEN CAST('a' AS CHAR(3)) ELSE 'bcde' END) FROM (VALUES (1)) AS t(x)",
             false, "+I[3, ab, FALSE, 3]\n");
  /* || adds the lengths: CHAR when both sides are, else VARCHAR; unbounded stays STRING */
  CHECK_ROWS("SELECT TYPEOF('a' || 'bc'), TYPEOF(CAST('a' AS CHAR(3)) || 'x'), CHAR_LENGTH(CAST('a' AS CHAR(3)) || 'x'), "
             "TYPEOF(CAST('a' AS VARCHAR(3)) || 'x'), TYPEOF(CAST('a' AS STRING) || 'x')",
             false, "+I[CHAR(3) NOT NULL, CHAR(4) NOT NULL, 4, VARCHAR(4) NOT NULL, STRING NOT NULL]\n");
}

TEST(time_precision_above_3_is_refused) {
  /* Flink's planner: "TIME precision is not supported: p" for p > 3 (FlinkTypeFactory,
   * FLINK-17224), in a CAST, a DDL column and a literal with more than three digits */
  CHECK_ERR("SELECT CAST('10:00:00' AS TIME(6))", "line 1, column 27: TIME precision is not supported: 6");
  CHECK_ERR("CREATE TABLE x (t TIME(9)) WITH ('connector' = 'datagen')", "line 1, column 19: TIME precision is not supported: 9");
  CHECK_ERR("SELECT TIME '10:00:00.1234'", "line 1, column 8: TIME precision is not supported: 4");
  CHECK_ERR("SELECT CAST('10:00:00' AS TIME(10))", "TIME precision must be between 0 and 9");
  /* TIME(0..3) and milliseconds work as before */
  CHECK_ROWS("SELECT TIME '10:00:00.123', CAST('10:00:00.5' AS TIME(3)), TIME '10:00:00' < TIME '10:00:00.001'", false,
             "+I[10:00:00.123, 10:00:00.500, TRUE]\n");
}

TEST(array_index_starts_at_one) {
  /* a constant index below 1 is refused by Flink's planner; a computed one, and one past
   * the end, give NULL */
  CHECK_ERR("SELECT ARRAY[1, 2, 3][0]", "line 1, column 22: Array element access needs an index starting at 1 but was 0.");
  CHECK_ERR("SELECT ARRAY['a'][-2]", "Array element access needs an index starting at 1 but was -2.");
  CHECK_ROWS("SELECT ARRAY[1, 2, 3][3], ARRAY[1, 2][3], ARRAY[1, 2][CAST(0 AS INT) + 0], MAP['k', 1]['k']", false,
             "+I[3, <NULL>, <NULL>, 1]\n");
}

#define LG_DDL                                                                                              \
  "CREATE TABLE lg (id INT, v INT, o INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', " \
  "'path' = '${TMP}/lg.csv', 'format' = 'csv');\n"

TEST(lag_and_lead_offsets_from_the_row) {
  write_tmp_file("lg.csv", "1,10,1,2026-01-01 00:00:01\n2,20,1,2026-01-01 00:00:02\n3,30,2,2026-01-01 00:00:03\n"
                           "4,40,0,2026-01-01 00:00:04\n5,50,3,2026-01-01 00:00:05\n");
  /* streaming: Flink's LagAggFunction takes each row's offset and trims its buffer to it
   * (offset + 1 values): 1: [10] of 2 -> default; 2: [10, 20] -> 10; 3: [10, 20, 30] -> 10;
   * 4: offset 0 trims to [40] -> 40; 5: [40, 50] of 4 -> default */
  CHECK_ROWS(LG_DDL "SELECT id, LAG(v, o) OVER (ORDER BY ts), LAG(v, o + 0, id * 100) OVER (ORDER BY ts) FROM lg", true,
             "+I[1, <NULL>, 100]\n+I[2, 10, 10]\n+I[3, 10, 10]\n+I[4, 40, 40]\n+I[5, <NULL>, 500]\n");
  /* batch: each row's offset counted in its sorted partition (Flink's OffsetOverFrame):
   * LAG 1 - 1, 2 - 1, 3 - 2, 4 - 0, 5 - 3; LEAD 1 + 1, 2 + 1, 3 + 2, 4 + 0, 5 + 3 (past the end) */
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';\n" LG_DDL
             "SELECT id, LAG(v, o, -1) OVER (ORDER BY ts), LEAD(v, o) OVER (ORDER BY ts) FROM lg", true,
             "+I[1, -1, 20]\n+I[2, 10, 30]\n+I[3, 10, 50]\n+I[4, 40, 40]\n+I[5, 20, <NULL>]\n");
  /* a negative offset fails the job with Flink's message; a non-integer is refused */
  CHECK_ERR(LG_DDL "SELECT id, LAG(v, o - 2) OVER (ORDER BY ts) FROM lg", "Offset(-1) should be positive.");
  CHECK_ERR(LG_DDL "SELECT LAG(v, CAST(o AS DOUBLE)) OVER (ORDER BY ts) FROM lg", "LAG's offset must be an integer, not DOUBLE");
  /* UNNEST of two collections: Flink's LogicalUnnestRule types the first one only, so it
   * cannot plan it; refused by name */
  CHECK_ERR("SELECT x, y FROM (VALUES (ARRAY[1, 2], ARRAY['a'])) AS t(a, b) CROSS JOIN UNNEST(a, b) AS u(x, y)",
            "line 1, column 85: not supported: UNNEST of more than one collection (Flink cannot plan it either");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom_test_fidelity2_%d", (int)getpid());
  mkdir(tmp, 0755);
  RUN(explain_names_as_flink);
  RUN(values_columns_typed_as_flink);
  RUN(timestamp_literals_take_their_digits);
  RUN(row_columns_nullability);
  RUN(char_types_and_padding);
  RUN(time_precision_above_3_is_refused);
  RUN(lag_and_lead_offsets_from_the_row);
  RUN(array_index_starts_at_one);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
