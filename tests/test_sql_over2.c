/*
 * test_sql_over2.c -- OVER windows with LAG / LEAD, FIRST_VALUE / LAST_VALUE, LISTAGG,
 * STDDEV / VARIANCE, CUME_DIST / PERCENT_RANK / NTILE (over_fns.c, over_batch.c), in
 * streaming (rows held back by the watermark, a late row dropped, ties in the order column,
 * several partitions) and in batch mode (every row, sorted per partition), and the
 * refusals that match Flink's planner.  Expected rows are computed by hand in the comments.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_test.h"

#define BATCH "SET 'execution.runtime-mode' = 'batch';\n"

/* Arrival order, watermark = max ts - 2 s after each row (on-event):
 *   id k  v    ts   wm    fires
 *   1  a  10   1    -1
 *   2  b  20   2     0
 *   3  a  NULL 3     1    a@1
 *   4  a  30   4     2    b@2
 *   5  b  40   6     4    a@3, a@4
 *   6  a  50   5     4    (out of order: held back, 5 > 4)
 *   7  b  45   6     4    (a peer of id 5)
 *   8  a  70   2     4    late: dropped in streaming (2 <= 4, and a emitted up to 4 s)
 *   9  a  60   9     7    a@5, b@6 (ids 5, 7)
 *   10 b  80   12    10   a@9
 *   end                   b@12
 * Streaming partitions in time order: a = 1(10) 3(NULL) 4(30) 6(50) 9(60);
 * b = 2(20) 5(40) 7(45) 10(80).  Batch adds 8(70) at a@2. */
static const char *ev_csv = "1,a,10,2020-01-01 00:00:01\n"
                            "2,b,20,2020-01-01 00:00:02\n"
                            "3,a,,2020-01-01 00:00:03\n"
                            "4,a,30,2020-01-01 00:00:04\n"
                            "5,b,40,2020-01-01 00:00:06\n"
                            "6,a,50,2020-01-01 00:00:05\n"
                            "7,b,45,2020-01-01 00:00:06\n"
                            "8,a,70,2020-01-01 00:00:02\n"
                            "9,a,60,2020-01-01 00:00:09\n"
                            "10,b,80,2020-01-01 00:00:12\n";

#define EV_DDL                                                                                                   \
  "CREATE TABLE ev (id INT, k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) "    \
  "WITH ('connector' = 'filesystem', 'path' = '${TMP}/ev.csv', 'format' = 'csv', "                               \
  "'scan.watermark.emit.strategy' = 'on-event');\n"

#define W "OVER (PARTITION BY k ORDER BY ts)"

TEST(lag_in_streaming_with_peers_nulls_and_a_late_row) {
  /* LagAggFunction keeps the last offset + 1 values (NULLs too); the default frame is
   * RANGE UNBOUNDED PRECEDING, so peers (b@6: ids 5, 7) are folded together and share
   * the value offset rows before the last of them.
   * LAG(v):       a: 1 NULL, 3 10, 4 NULL (3's v), 6 30, 9 50; b: 2 NULL, 5/7 40, 10 45
   * LAG(v, 2, -1): a: 1 -1, 3 -1, 4 10, 6 NULL, 9 30;        b: 2 -1, 5/7 20, 10 40 */
  CHECK_ROWS(EV_DDL "SELECT id, k, v, LAG(v) " W ", LAG(v, 2, -1) " W " FROM ev", true,
             "+I[1, a, 10, <NULL>, -1]\n"
             "+I[10, b, 80, 45, 40]\n"
             "+I[2, b, 20, <NULL>, -1]\n"
             "+I[3, a, <NULL>, 10, -1]\n"
             "+I[4, a, 30, <NULL>, 10]\n"
             "+I[5, b, 40, 40, 20]\n"
             "+I[6, a, 50, 30, <NULL>]\n"
             "+I[7, b, 45, 40, 20]\n"
             "+I[9, a, 60, 50, 30]\n");
  /* an expression as the default: the last folded row's (peers 5, 7 both get 7's 700)
   * LAG(v, 3, id * 100): a: 1 100, 3 300, 4 400, 6 10, 9 NULL; b: 2 200, 5/7 700, 10 20 */
  CHECK_ROWS(EV_DDL "SELECT id, LAG(v, 3, id * 100) " W " FROM ev", true,
             "+I[1, 100]\n+I[10, 20]\n+I[2, 200]\n+I[3, 300]\n+I[4, 400]\n+I[5, 700]\n+I[6, 10]\n+I[7, 700]\n"
             "+I[9, <NULL>]\n");
  /* one partition, strings, a default: in time order a b a a a(6) b b(peers) a b */
  CHECK_ROWS(EV_DDL "SELECT id, LAG(k, 1, 'none') OVER (ORDER BY ts) FROM ev", true,
             "+I[1, none]\n+I[10, a]\n+I[2, a]\n+I[3, b]\n+I[4, a]\n+I[5, b]\n+I[6, a]\n+I[7, b]\n+I[9, b]\n");
  /* a named window, and LAG with SUM over the same window */
  CHECK_ROWS(EV_DDL "SELECT id, LAG(id) OVER w, SUM(v) OVER w FROM ev WHERE k = 'b' WINDOW w AS (ORDER BY ts)", true,
             "+I[10, 7, 185]\n+I[2, <NULL>, 20]\n+I[5, 5, 105]\n+I[7, 5, 105]\n");
}

TEST(first_last_listagg_over_rows_frames) {
  /* ROWS BETWEEN 1 PRECEDING AND CURRENT ROW; FIRST/LAST_VALUE and LISTAGG skip NULLs:
   * a: 1 [10], 3 [10,N], 4 [N,30], 6 [30,50], 9 [50,60]
   * b: 2 [20], 5 [20,40], 7 [40,45] (arrival order among peers), 10 [45,80] */
#define R "OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)"
  CHECK_ROWS(EV_DDL "SELECT id, FIRST_VALUE(v) " R ", LAST_VALUE(v) " R ", LISTAGG(CAST(v AS STRING), '-') " R
                    ", LISTAGG(k) " R " FROM ev",
             true,
             "+I[1, 10, 10, 10, a]\n"
             "+I[10, 45, 80, 45-80, b,b]\n"
             "+I[2, 20, 20, 20, b]\n"
             "+I[3, 10, 10, 10, a,a]\n"
             "+I[4, 30, 30, 30, a,a]\n"
             "+I[5, 20, 40, 20-40, b,b]\n"
             "+I[6, 30, 50, 30-50, a,a]\n"
             "+I[7, 40, 45, 40-45, b,b]\n"
             "+I[9, 50, 60, 50-60, a,a]\n");
#undef R
  /* UNBOUNDED PRECEDING (RANGE): peers share; the late a@2 is dropped */
  CHECK_ROWS(EV_DDL "SELECT id, FIRST_VALUE(v) " W ", LAST_VALUE(v) " W ", LISTAGG(CAST(id AS STRING)) " W " FROM ev",
             true,
             "+I[1, 10, 10, 1]\n"
             "+I[10, 20, 80, 2,5,7,10]\n"
             "+I[2, 20, 20, 2]\n"
             "+I[3, 10, 10, 1,3]\n"
             "+I[4, 10, 30, 1,3,4]\n"
             "+I[5, 20, 45, 2,5,7]\n"
             "+I[6, 10, 50, 1,3,4,6]\n"
             "+I[7, 20, 45, 2,5,7]\n"
             "+I[9, 10, 60, 1,3,4,6,9]\n");
}

TEST(variances_over_range_frames) {
  /* RANGE BETWEEN INTERVAL '2' SECOND PRECEDING AND CURRENT ROW, values as DOUBLE:
   * a: 1 {10}, 3 {10} (NULL skipped), 4 {30} (3's NULL), 6 {30,50}: mean 40, m2 200,
   * 9 {60}; b: 2 {20}, 5/7 {40,45}: mean 42.5, m2 12.5, 10 {80} */
#define G "OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '2' SECOND PRECEDING AND CURRENT ROW)"
  CHECK_ROWS(EV_DDL "SELECT id, STDDEV_POP(CAST(v AS DOUBLE)) " G ", VAR_POP(CAST(v AS DOUBLE)) " G
                    ", VAR_SAMP(CAST(v AS DOUBLE)) " G ", STDDEV_SAMP(CAST(v AS DOUBLE)) " G
                    ", VARIANCE(CAST(v AS DOUBLE)) " G ", STDDEV(v) " G " FROM ev",
             true,
             "+I[1, 0.0, 0.0, <NULL>, <NULL>, <NULL>, <NULL>]\n"
             "+I[10, 0.0, 0.0, <NULL>, <NULL>, <NULL>, <NULL>]\n"
             "+I[2, 0.0, 0.0, <NULL>, <NULL>, <NULL>, <NULL>]\n"
             "+I[3, 0.0, 0.0, <NULL>, <NULL>, <NULL>, <NULL>]\n"
             "+I[4, 0.0, 0.0, <NULL>, <NULL>, <NULL>, <NULL>]\n"
             "+I[5, 2.5, 6.25, 12.5, 3.5355339059327378, 12.5, 3]\n"
             "+I[6, 10.0, 100.0, 200.0, 14.142135623730951, 200.0, 14]\n"
             "+I[7, 2.5, 6.25, 12.5, 3.5355339059327378, 12.5, 3]\n"
             "+I[9, 0.0, 0.0, <NULL>, <NULL>, <NULL>, <NULL>]\n");
#undef G
}

TEST(lead_and_the_distribution_functions_in_batch) {
  /* batch: every row (a@2, id 8, too), each partition sorted by ts, ties in arrival
   * order: a = 1(10) 8(70) 3(NULL) 4(30) 6(50) 9(60); b = 2(20) 5(40) 7(45) 10(80).
   * LAG / LEAD are by position (Flink's batch offset frames), not by peers. */
  CHECK_ROWS(BATCH EV_DDL "SELECT id, LAG(v) " W ", LEAD(v, 1, 0) " W ", LEAD(v, 2) " W ", SUM(v) " W " FROM ev", true,
             "+I[1, <NULL>, 70, <NULL>, 10]\n"
             "+I[10, 45, 0, <NULL>, 185]\n"
             "+I[2, <NULL>, 40, 45, 20]\n"
             "+I[3, 70, 30, 50, 80]\n"
             "+I[4, <NULL>, 50, 60, 110]\n"
             "+I[5, 20, 45, 80, 105]\n"
             "+I[6, 30, 60, <NULL>, 160]\n"
             "+I[7, 40, 80, <NULL>, 105]\n"
             "+I[8, 10, <NULL>, 30, 80]\n"
             "+I[9, 50, 0, <NULL>, 220]\n");
  /* the default an expression: the current row's (a: 1 8 3 4 6 9; b: 2 5 7 10) */
  CHECK_ROWS(BATCH EV_DDL "SELECT id, LEAD(v, 2, id) " W " FROM ev", true,
             "+I[1, <NULL>]\n+I[10, 10]\n+I[2, 45]\n+I[3, 50]\n+I[4, 60]\n+I[5, 80]\n+I[6, 6]\n+I[7, 7]\n+I[8, 30]\n"
             "+I[9, 9]\n");
  /* b: ranks 1, 2, 2, 4 of 4 rows: PERCENT_RANK 0, 1/3, 1/3, 1; CUME_DIST 1/4, 3/4, 3/4, 1;
   * NTILE(3) of 4 rows: 1, 1, 2, 3; of a's 6 rows: 1, 1, 2, 2, 3, 3 */
  CHECK_ROWS(BATCH EV_DDL "SELECT id, PERCENT_RANK() " W ", CUME_DIST() " W ", NTILE(3) " W " FROM ev", true,
             "+I[1, 0.0, 0.16666666666666666, 1]\n"
             "+I[10, 1.0, 1.0, 3]\n"
             "+I[2, 0.0, 0.25, 1]\n"
             "+I[3, 0.4, 0.5, 2]\n"
             "+I[4, 0.6, 0.6666666666666666, 2]\n"
             "+I[5, 0.3333333333333333, 0.75, 1]\n"
             "+I[6, 0.8, 0.8333333333333334, 3]\n"
             "+I[7, 0.3333333333333333, 0.75, 2]\n"
             "+I[8, 0.2, 0.3333333333333333, 1]\n"
             "+I[9, 1.0, 1.0, 3]\n");
  /* NTILE(4) of 6 rows: 1, 1, 2, 2, 3, 4; ORDER BY a non-time column, DESC (NULLS LAST):
   * a by v desc = 8(70) 9(60) 6(50) 4(30) 1(10) 3(NULL) */
  CHECK_ROWS(BATCH EV_DDL "SELECT id, NTILE(4) OVER (PARTITION BY k ORDER BY v DESC), LAG(id) OVER (PARTITION BY k "
                          "ORDER BY v DESC) FROM ev WHERE k = 'a'",
             true, "+I[1, 3, 4]\n+I[3, 4, 1]\n+I[4, 2, 6]\n+I[6, 2, 9]\n+I[8, 1, <NULL>]\n+I[9, 1, 8]\n");
  /* an aggregate next to LEAD in batch: LAST_VALUE over RANGE UNBOUNDED PRECEDING (a@2 in it,
   * 3's NULL skipped) */
  CHECK_ROWS(BATCH EV_DDL "SELECT id, LEAD(id) OVER w, LAST_VALUE(v) OVER w FROM ev WHERE k = 'a' WINDOW w AS (ORDER BY ts)",
             true, "+I[1, 8, 10]\n+I[3, 4, 70]\n+I[4, 6, 30]\n+I[6, 9, 50]\n+I[8, 3, 70]\n+I[9, <NULL>, 60]\n");
}

TEST(row_number_rank_dense_rank_without_a_bound_in_batch) {
  /* Flink's batch OverAggregate numbers every row: a = 1 8 3 4 6 9, b = 2 5 7(peer of 5) 10 */
  CHECK_ROWS(BATCH EV_DDL "SELECT id, ROW_NUMBER() " W " AS rn FROM ev", true,
             "+I[1, 1]\n+I[10, 4]\n+I[2, 1]\n+I[3, 3]\n+I[4, 4]\n+I[5, 2]\n+I[6, 5]\n+I[7, 3]\n+I[8, 2]\n+I[9, 6]\n");
  CHECK_ROWS(BATCH EV_DDL "SELECT id, RANK() " W " FROM ev WHERE k = 'b'", true,
             "+I[10, 4]\n+I[2, 1]\n+I[5, 2]\n+I[7, 2]\n");
  /* one partition ordered by k: a's rows, then b's */
  CHECK_ROWS(BATCH EV_DDL "SELECT id, DENSE_RANK() OVER (ORDER BY k) FROM ev WHERE id IN (1, 2, 3, 10)", true,
             "+I[1, 1]\n+I[10, 2]\n+I[2, 2]\n+I[3, 1]\n");
  CHECK_ROWS(BATCH EV_DDL "SELECT id, RANK() OVER (ORDER BY k DESC) FROM ev WHERE id > 7", true,
             "+I[10, 1]\n+I[8, 2]\n+I[9, 2]\n");
  /* streaming still wants the WHERE that makes it a Top-N */
  CHECK_ERR(EV_DDL "SELECT id, ROW_NUMBER() " W " FROM ev", "without a WHERE that bounds it");
}

TEST(several_windows_in_batch) {
  /* b = 2(20 @2) 5(40 @6) 7(45 @6, a peer of 5) 10(80 @12); each window is a node of its
   * own, as in Flink's batch plan: RANK by v DESC, a running SUM and COUNT by ts (peers
   * share them), ROW_NUMBER over the whole input by id DESC */
  CHECK_ROWS(BATCH EV_DDL "SELECT id, v, RANK() OVER (PARTITION BY k ORDER BY v DESC), SUM(v) " W ", ROW_NUMBER() OVER "
                          "(ORDER BY id DESC), COUNT(*) " W " FROM ev WHERE k = 'b'",
             true, "+I[10, 80, 1, 185, 1, 4]\n+I[2, 20, 4, 20, 4, 1]\n+I[5, 40, 3, 105, 3, 3]\n+I[7, 45, 2, 105, 2, 3]\n");
  /* streaming computes one window per SELECT, as Flink's StreamExecOverAggregate */
  CHECK_ERR(EV_DDL "SELECT id, SUM(v) " W ", COUNT(*) OVER (PARTITION BY id ORDER BY ts) FROM ev",
            "line 2, column 54: Over Agg: Unsupported use of OVER windows. All aggregates must be computed on the same window.");
}

TEST(partitions_on_two_subtasks) {
  /* a and b may land on different subtasks, and the source's two readers interleave the
   * rows, so peers (5, 7) may come in either order: the results here do not depend on it.
   * (Whether the late row 8 is behind the watermark depends on when the other reader's
   * watermark comes, so it is filtered out.)
   * LAG(v, 3, -1): a: 1 -1, 3 -1, 4 -1, 6 10, 9 NULL; b: 2 -1, 5/7 -1, 10 20 */
  CHECK_ROWS("SET 'parallelism.default' = '2';\n" EV_DDL "SELECT id, LAG(v, 3, -1) " W ", LISTAGG(k) " W
             " FROM ev WHERE id <> 8", true,
             "+I[1, -1, a]\n+I[10, 20, b,b,b,b]\n+I[2, -1, b]\n+I[3, -1, a,a]\n+I[4, -1, a,a,a]\n+I[5, -1, b,b,b]\n"
             "+I[6, 10, a,a,a,a]\n+I[7, -1, b,b,b]\n+I[9, <NULL>, a,a,a,a,a]\n");
  /* batch without row 7: a = 1 8 3 4 6 9, b = 2 5 10 */
  CHECK_ROWS("SET 'parallelism.default' = '2';\n" BATCH EV_DDL "SELECT id, LEAD(id) " W ", CUME_DIST() " W
             " FROM ev WHERE id <> 7", true,
             "+I[1, 8, 0.16666666666666666]\n+I[10, <NULL>, 1.0]\n+I[2, 5, 0.3333333333333333]\n+I[3, 4, 0.5]\n"
             "+I[4, 6, 0.6666666666666666]\n+I[5, 10, 0.6666666666666666]\n+I[6, 9, 0.8333333333333334]\n"
             "+I[8, 3, 0.3333333333333333]\n+I[9, <NULL>, 1.0]\n");
}

TEST(lag_result_type) {
  /* x's type; NOT NULL only when x and the default both are (Flink's LagAggFunction) */
#define NN_DDL "CREATE TABLE nn (a INT NOT NULL, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen');\n"
  CHECK_OUT(NN_DDL "CREATE VIEW x AS SELECT LAG(a) OVER (ORDER BY ts) AS l1, LAG(a, 1, 0) OVER (ORDER BY ts) AS l2, "
                   "LAG(a, 1, CAST(NULL AS INT)) OVER (ORDER BY ts) AS l3 FROM nn;\nDESCRIBE x",
            "|   l1 |  INT |  TRUE |     |        |           |\n"
            "|   l2 |  INT | FALSE |     |        |           |\n"
            "|   l3 |  INT |  TRUE |     |        |           |\n");
#undef NN_DDL
}

TEST(refusals_match_flink) {
  CHECK_ERR(EV_DDL "SELECT LEAD(v) " W " FROM ev", "LEAD Function is not supported in stream mode.");
  CHECK_ERR(EV_DDL "SELECT CUME_DIST() " W " FROM ev", "CUME_DIST Function is not supported in stream mode.");
  CHECK_ERR(EV_DDL "SELECT PERCENT_RANK() " W " FROM ev", "PERCENT_RANK Function is not supported in stream mode.");
  CHECK_ERR(EV_DDL "SELECT NTILE(2) " W " FROM ev", "NTILE Function is not supported in stream mode.");
  CHECK_ERR(EV_DDL "SELECT LAG(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM ev",
            "ROW/RANGE not allowed with LAG");
  CHECK_ERR(BATCH EV_DDL "SELECT LAG(v) OVER (PARTITION BY k) FROM ev", "LAG needs ORDER BY");
  CHECK_ERR(BATCH EV_DDL "SELECT NTILE(0) " W " FROM ev", "must be a positive integer literal");
  CHECK_ERR(EV_DDL "SELECT LAG(v, -1) " W " FROM ev", "Offset(-1) should be positive");
  CHECK_ERR(EV_DDL "SELECT LAG(v, 1, 'x') " W " FROM ev", "line 2, column 18: LAG's default of type");
  CHECK_ERR(BATCH EV_DDL "SELECT LEAD(k, 1, 2) " W " FROM ev", "LEAD's default of type INT NOT NULL does not fit its argument's type STRING");
  CHECK_ERR(EV_DDL "SELECT LAG(v, k) " W " FROM ev", "LAG's offset must be an integer, not STRING"); /* any integer: test_sql_fidelity2 */
  CHECK_ERR(EV_DDL "SELECT LISTAGG(v) " W " FROM ev", "LISTAGG needs a character string argument");
  /* (GROUP BY aggregates of agg_more.c with no argument crashed the binder) */
  CHECK_ERR("SELECT COUNT(x), VAR_SAMP() FROM (VALUES (1)) AS t(x)", "VAR_SAMP takes one argument");
  CHECK_ERR("SELECT LISTAGG() FROM (VALUES ('a')) AS t(x)", "LISTAGG takes one argument");
  CHECK_ERR(EV_DDL "SELECT FIRST_VALUE() " W " FROM ev", "FIRST_VALUE needs an argument");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-over2-test-%d", (int)getpid());
  mkdir(tmp, 0777);
  write_tmp_file("ev.csv", ev_csv);
  RUN(lag_in_streaming_with_peers_nulls_and_a_late_row);
  RUN(first_last_listagg_over_rows_frames);
  RUN(variances_over_range_frames);
  RUN(lead_and_the_distribution_functions_in_batch);
  RUN(row_number_rank_dense_rank_without_a_bound_in_batch);
  RUN(several_windows_in_batch);
  RUN(partitions_on_two_subtasks);
  RUN(lag_result_type);
  RUN(refusals_match_flink);
  char cmd[320];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
