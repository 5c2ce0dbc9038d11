/*
 * test_sql_groupsets.c -- GROUPING SETS, ROLLUP and CUBE (src/sql/groupsets.c): the
 * Expand under the aggregation, GROUPING / GROUPING_ID / GROUP_ID, NULL keys of the input
 * told apart from a set's absent key, retractions through the Expand, and what is
 * refused.  Expected rows are hand-computed (final tables of the changelogs, sorted).
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_changelog_test.h"

#define T3 "FROM (VALUES ('x', 1), (CAST(NULL AS STRING), 2), ('x', 3)) AS t(a, v)\n"
#define BID_T                                                                                      \
  "CREATE TABLE Bid (ts TIMESTAMP(3), k STRING, WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem',"  \
  " 'path' = '/nonexistent/bid.csv', 'format' = 'csv');\n"
#define T4 "FROM (VALUES ('x', 'p', 1), ('x', 'q', 2), ('y', 'p', 4), ('y', 'p', 8)) AS t(a, b, v)\n"

TEST(null_key_vs_absent_key) {
  /* the input's NULL a is a group of its own (GROUPING 0); the () set's row has GROUPING 1 */
  CHECK_FINAL("SELECT a, GROUPING(a) AS g, COUNT(*), SUM(v) " T3 "GROUP BY ROLLUP (a)",
              "[<NULL>, 0, 1, 2]\n[<NULL>, 1, 3, 6]\n[x, 0, 2, 4]\n");
  CHECK_FINAL("SELECT a, COUNT(*) " T3 "GROUP BY ROLLUP (a) HAVING GROUPING(a) = 1", "[<NULL>, 3]\n");
}

TEST(rollup_is_grouping_sets) {
  const char *want = "[<NULL>, <NULL>, 15]\n[x, <NULL>, 3]\n[x, p, 1]\n[x, q, 2]\n[y, <NULL>, 12]\n[y, p, 12]\n";
  CHECK_FINAL("SELECT a, b, SUM(v) " T4 "GROUP BY ROLLUP (a, b)", want);
  CHECK_FINAL("SELECT a, b, SUM(v) " T4 "GROUP BY GROUPING SETS ((a, b), (a), ())", want);
  /* a plain key crossed with a ROLLUP: (a, b), (a) */
  CHECK_FINAL("SELECT a, b, SUM(v) " T4 "GROUP BY a, ROLLUP (b)", "[x, <NULL>, 3]\n[x, p, 1]\n[x, q, 2]\n[y, <NULL>, 12]\n[y, p, 12]\n");
}

TEST(cube_and_grouping_bits) {
  /* GROUPING(a, b): bit 1 for a absent, bit 0 for b absent; GROUPING_ID the same */
  CHECK_FINAL("SELECT a, b, GROUPING(a, b), GROUPING_ID(a, b), GROUPING(b), SUM(v) " T4 "GROUP BY CUBE (a, b)",
              "[<NULL>, <NULL>, 3, 3, 1, 15]\n[<NULL>, p, 2, 2, 0, 13]\n[<NULL>, q, 2, 2, 0, 2]\n"
              "[x, <NULL>, 1, 1, 1, 3]\n[x, p, 0, 0, 0, 1]\n[x, q, 0, 0, 0, 2]\n"
              "[y, <NULL>, 1, 1, 1, 12]\n[y, p, 0, 0, 0, 12]\n");
}

TEST(group_id_of_repeated_sets) {
  CHECK_FINAL("SELECT a, GROUP_ID(), COUNT(*) " T4 "GROUP BY GROUPING SETS ((a), (a), ())",
              "[<NULL>, 0, 4]\n[x, 0, 2]\n[x, 1, 2]\n[y, 0, 2]\n[y, 1, 2]\n");
  /* plain GROUP BY: GROUPING is 0 and GROUP_ID 0 */
  CHECK_FINAL("SELECT a, GROUPING(a), GROUP_ID() " T4 "GROUP BY a", "[x, 0, 0]\n[y, 0, 0]\n");
}

TEST(aggregate_of_a_key_column) {
  /* SUM(a) reads the input's a, not the Expand's NULLed key */
  CHECK_FINAL("SELECT a, SUM(a) FROM (VALUES (1), (2), (2)) AS t(a) GROUP BY ROLLUP (a)",
              "[1, 1]\n[2, 4]\n[<NULL>, 5]\n");
  /* an expression key */
  CHECK_FINAL("SELECT UPPER(a), COUNT(*) " T4 "GROUP BY GROUPING SETS ((UPPER(a)), ())",
              "[<NULL>, 4]\n[X, 2]\n[Y, 2]\n");
}

TEST(retractions_through_expand) {
  /* the inner GROUP BY updates its counts (-U/+U); each set's SUM retracts them */
  CHECK_FINAL("SELECT b, SUM(c) FROM (SELECT a, b, COUNT(*) AS c " T4 "GROUP BY a, b) GROUP BY ROLLUP (b)",
              "[<NULL>, 4]\n[p, 3]\n[q, 1]\n");
  CHECK_FINAL("SELECT a, SUM(c) FROM (SELECT a, COUNT(*) AS c " T4 "GROUP BY a) GROUP BY GROUPING SETS ((a), ())",
              "[<NULL>, 4]\n[x, 2]\n[y, 2]\n");
}

#define B                                                                                              \
  "CREATE TABLE B (ts TIMESTAMP(3), k STRING, v INT, WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem'," \
  " 'path' = '${TMP}/b.csv', 'format' = 'csv');\n"
#define W(hm) "2020-04-15 " hm ":00.000"

TEST(windows) {
  /* HOP 10 min every 5: [07:55, 08:05) a1 b2; [08:00, 08:10) a1 b2 a4; [08:05, 08:15) a4 b8; [08:10, 08:20) b8 */
  CHECK_ROWS(B "SELECT window_start, k, SUM(v) FROM TABLE(HOP(TABLE B, DESCRIPTOR(ts), INTERVAL '5' MINUTES,"
               " INTERVAL '10' MINUTES)) GROUP BY window_start, window_end, ROLLUP (k)",
             "+I[" W("07:55") ", <NULL>, 3]\n+I[" W("07:55") ", a, 1]\n+I[" W("07:55") ", b, 2]\n"
             "+I[" W("08:00") ", <NULL>, 7]\n+I[" W("08:00") ", a, 5]\n+I[" W("08:00") ", b, 2]\n"
             "+I[" W("08:05") ", <NULL>, 12]\n+I[" W("08:05") ", a, 4]\n+I[" W("08:05") ", b, 8]\n"
             "+I[" W("08:10") ", <NULL>, 8]\n+I[" W("08:10") ", b, 8]\n");
  /* windows attached to the input's rows (a window aggregation's output) */
  CHECK_ROWS(B "SELECT window_start, k, SUM(s) FROM (SELECT window_start, window_end, k, SUM(v) AS s FROM TABLE("
               "TUMBLE(TABLE B, DESCRIPTOR(ts), INTERVAL '10' MINUTES)) GROUP BY window_start, window_end, k)"
               " GROUP BY window_start, window_end, ROLLUP (k)",
             "+I[" W("08:00") ", <NULL>, 7]\n+I[" W("08:00") ", a, 5]\n+I[" W("08:00") ", b, 2]\n"
             "+I[" W("08:10") ", <NULL>, 8]\n+I[" W("08:10") ", b, 8]\n");
  /* the legacy group window: [08:00, 08:10) a a b, [08:10, 08:20) b */
  CHECK_ROWS(B "SELECT TUMBLE_START(ts, INTERVAL '10' MINUTE), k, COUNT(*), GROUPING(k) FROM B"
               " GROUP BY TUMBLE(ts, INTERVAL '10' MINUTE), ROLLUP (k)",
             "+I[" W("08:00") ", <NULL>, 3, 1]\n+I[" W("08:00") ", a, 2, 0]\n+I[" W("08:00") ", b, 1, 0]\n"
             "+I[" W("08:10") ", <NULL>, 1, 1]\n+I[" W("08:10") ", b, 1, 0]\n");
}

TEST(distinct_batch_minibatch) {
  CHECK_FINAL("SELECT a, COUNT(DISTINCT b) " T4 "GROUP BY ROLLUP (a)", "[<NULL>, 2]\n[x, 2]\n[y, 1]\n");
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';\nSELECT a, b, SUM(v) " T4 "GROUP BY ROLLUP (a, b)",
             "+I[<NULL>, <NULL>, 15]\n+I[x, <NULL>, 3]\n+I[x, p, 1]\n+I[x, q, 2]\n+I[y, <NULL>, 12]\n+I[y, p, 12]\n");
  CHECK_FINAL("SET 'table.exec.mini-batch.enabled' = 'true';\nSET 'table.exec.mini-batch.allow-latency' = '1 s';\n"
              "SET 'table.exec.mini-batch.size' = '100';\nSELECT a, b, SUM(v) " T4 "GROUP BY ROLLUP (a, b)",
              "[<NULL>, <NULL>, 15]\n[x, <NULL>, 3]\n[x, p, 1]\n[x, q, 2]\n[y, <NULL>, 12]\n[y, p, 12]\n");
}

TEST(refused_and_errors) {
  CHECK_ERR("SELECT a, GROUPING(v) " T4 "GROUP BY ROLLUP (a)", "column 'v' is neither in GROUP BY nor inside an aggregate function");
  CHECK_ERR("SELECT a, GROUPING(v + 1) " T4 "GROUP BY ROLLUP (a)", "GROUPING's arguments must be GROUP BY expressions");
  CHECK_ERR("SELECT a, GROUP_ID(a) " T4 "GROUP BY ROLLUP (a)", "GROUP_ID takes no arguments");
  CHECK_ERR("SELECT a, GROUPING() " T4 "GROUP BY ROLLUP (a)", "GROUPING needs at least one GROUP BY expression");
  CHECK_ERR("SELECT a " T4 "GROUP BY ROLLUP (a, CUBE (b))", "line 2, column 21: not supported: GROUPING SETS, ROLLUP or CUBE inside ROLLUP or CUBE");
  CHECK_ERR("SELECT a " T4 "GROUP BY GROUPING SETS (a", "line 2, column 26: expected ')', found end of input");
  /* nested in GROUPING SETS: their sets in place */
  CHECK_FINAL("SELECT a, b, COUNT(*) " T4 "GROUP BY GROUPING SETS (ROLLUP (a), (b))",
              "[<NULL>, <NULL>, 4]\n[<NULL>, p, 3]\n[<NULL>, q, 1]\n[x, <NULL>, 2]\n[y, <NULL>, 2]\n");
  /* window columns belong in every set */
  CHECK_ERR(BID_T "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(ts), INTERVAL '1' MINUTES))"
                  " GROUP BY window_end, GROUPING SETS ((window_start), ())",
            "not supported: a window column in some grouping sets but not all");
}

TEST(explain_shows_expand) {
  char *out, err[1024];
  int rc = run("EXPLAIN SELECT a, b, SUM(v) " T4 "GROUP BY ROLLUP (a, b)", &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  CHECK_INT(rc, 0);
  CHECK(out && strstr(out, "Expand(projects=[{a, b}, {a}, {}], $e=[0..2])"));
  if (out && !strstr(out, "Expand(")) fprintf(stderr, "%s\n", out);
  free(out);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-groupsets-%d", (int)getpid());
  mkdir(tmp, 0777);
  write_tmp_file("b.csv", "2020-04-15 08:01:00,a,1\n2020-04-15 08:02:00,b,2\n2020-04-15 08:06:00,a,4\n"
                          "2020-04-15 08:12:00,b,8\n");
  RUN(null_key_vs_absent_key);
  RUN(rollup_is_grouping_sets);
  RUN(cube_and_grouping_bits);
  RUN(group_id_of_repeated_sets);
  RUN(aggregate_of_a_key_column);
  RUN(retractions_through_expand);
  RUN(windows);
  RUN(distinct_batch_minibatch);
  RUN(refused_and_errors);
  RUN(explain_shows_expand);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  TEST_MAIN_END();
}
