/*
 * test_sql_aggfns.c -- STDDEV_POP/STDDEV_SAMP/STDDEV, VAR_POP/VAR_SAMP/VARIANCE,
 * LISTAGG, FIRST_VALUE and LAST_VALUE as aggregates (agg_more.c), with Flink's result
 * types: in streaming (the final table of the changelog), in batch mode, over an
 * updating input (a GROUP BY's changelog, retracted values leave the lists), and in a
 * TUMBLE window aggregation.  Expected values are computed by hand: 2,4,4,4,5,5,7,9
 * has mean 5, m2 32, so VAR_POP 4, STDDEV_POP 2, VAR_SAMP 32/7.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sql_changelog_test.h"
#include "sql_proc_test.h"

#define BATCH "SET 'execution.runtime-mode' = 'batch';\n"

#define DATA                                                                                              \
  "(VALUES ('a',2,'p'),('a',4,'q'),('a',4,CAST(NULL AS STRING)),('a',4,'r'),('a',5,'s'),('a',5,'t'),"   \
  "('a',7,'u'),('a',9,CAST(NULL AS STRING)),('b',5,'w'),('c',CAST(NULL AS INT),CAST(NULL AS STRING))) AS t(g, x, s)"

#define VARS_INT "SELECT g, STDDEV_POP(x), STDDEV_SAMP(x), STDDEV(x), VAR_POP(x), VAR_SAMP(x), VARIANCE(x) FROM " DATA " GROUP BY g"
/* INT in, INT out: sqrt(32/7) = 2.138 and 32/7 = 4.57 truncated; one row: 0 and NULL */
#define VARS_INT_WANT "[a, 2, 2, 2, 4, 4, 4]\n[b, 0, <NULL>, <NULL>, 0, <NULL>, <NULL>]\n[c, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>]\n"

#define VARS_DBL                                                                                         \
  "SELECT g, STDDEV_POP(CAST(x AS DOUBLE)), STDDEV_SAMP(CAST(x AS DOUBLE)), VAR_POP(CAST(x AS DOUBLE)), " \
  "VAR_SAMP(CAST(x AS DOUBLE)), VAR_SAMP(CAST(x AS DECIMAL(5, 2))), VAR_POP(CAST(x AS DECIMAL(10, 8))) FROM " DATA " GROUP BY g"
#define VARS_DBL_WANT                                                           \
  "[a, 2.0, 2.138089935299395, 4.0, 4.571428571428571, 4.571429, 4.00000000]\n" \
  "[b, 0.0, <NULL>, 0.0, <NULL>, <NULL>, 0.00000000]\n"                              \
  "[c, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>]\n"

#define LISTS "SELECT g, LISTAGG(s), LISTAGG(s, '; '), FIRST_VALUE(s), LAST_VALUE(s), FIRST_VALUE(x), LAST_VALUE(x) FROM " DATA " GROUP BY g"
#define LISTS_WANT "[a, p,q,r,s,t,u, p; q; r; s; t; u, p, u, 2, 9]\n[b, w, w, w, w, 5, 5]\n[c, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>]\n"

/* CHECK_FINAL (sql_changelog_test.h): the table the changelog builds, sorted */

TEST(variances_of_int_keep_the_int_type_streaming_and_batch) {
  CHECK_FINAL(VARS_INT, VARS_INT_WANT);
  CHECK_FINAL(BATCH VARS_INT, VARS_INT_WANT);
}

TEST(variances_of_double_and_decimal) {
  CHECK_FINAL(VARS_DBL, VARS_DBL_WANT);
  CHECK_FINAL(BATCH VARS_DBL, VARS_DBL_WANT);
}

TEST(listagg_first_last_value_skip_nulls) {
  CHECK_FINAL(LISTS, LISTS_WANT);
  CHECK_FINAL(BATCH LISTS, LISTS_WANT);
}

/* The inner GROUP BY's changelog: +I(k1, x), +I(k2, 2), then k1's x retracted for 3:
 * the outer lists lose the 1 and end as [2, 3]; the variance of {2, 3} is 0.25. */
#define UPD                                                                                             \
  "SET 'parallelism.default' = '1';\n" /* the keys' rows in the order they came */                     \
  "SELECT LISTAGG(CAST(m AS STRING)), FIRST_VALUE(m), LAST_VALUE(m), VAR_POP(CAST(m AS DOUBLE)), "      \
  "STDDEV_POP(CAST(m AS DOUBLE)), COUNT(*) FROM (SELECT k, MAX(v) AS m FROM (VALUES ('k1', 1), ('k2', 2), ('k1', 3)) " \
  "AS t(k, v) GROUP BY k)"

TEST(updating_input_retracts_from_the_lists_and_the_variance) {
  CHECK_FINAL(UPD, "[2,3, 2, 3, 0.25, 0.5, 2]\n");
  /* batch: the inner GROUP BY gives its final rows only, in the order of its keys */
  CHECK_FINAL(BATCH "SELECT VAR_POP(CAST(m AS DOUBLE)), STDDEV_POP(CAST(m AS DOUBLE)), COUNT(*) FROM (SELECT k, MAX(v) AS m "
                         "FROM (VALUES ('k1', 1), ('k2', 2), ('k1', 3)) AS t(k, v) GROUP BY k)",
                   "[0.25, 0.5, 2]\n");
}

/* Mini-batch folds a key's rows at once (the keys in its own order, so only what does
 * not depend on it is checked). */
TEST(mini_batch_group_by) {
  CHECK_FINAL("SET 'table.exec.mini-batch.enabled' = 'true';\n"
                   "SET 'table.exec.mini-batch.allow-latency' = '1 s';\n"
                   "SET 'table.exec.mini-batch.size' = '100';\n"
                   "SELECT VAR_POP(CAST(m AS DOUBLE)), STDDEV_POP(m), COUNT(DISTINCT m, k), LISTAGG(l) FILTER (WHERE k = 'k1') FROM ("
                   "SELECT k, MAX(v) AS m, LISTAGG(s, '') AS l FROM (VALUES ('k1', 1, 'a'), ('k2', 2, 'b'), ('k1', 3, 'c')) "
                   "AS t(k, v, s) GROUP BY k)",
                   "[0.25, 0, 2, ac]\n");
}

/* [0, 10): 1, 3 and 5 (an empty name: the csv format reads '', not NULL); [10, 20): 4 alone. */
TEST(tumble_window_aggregation) {
  write_tmp_file("w.csv",
                 "1,a,2020-01-01 00:00:01\n"
                 "3,,2020-01-01 00:00:04\n"
                 "5,c,2020-01-01 00:00:08\n"
                 "4,d,2020-01-01 00:00:12\n");
  const char *ddl =
      "CREATE TABLE w (v INT, s STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', "
      "'path' = '${TMP}/w.csv', 'format' = 'csv');\n";
  char sql[2048];
  snprintf(sql, sizeof sql,
           "%sSELECT window_start, STDDEV_POP(CAST(v AS DOUBLE)), VAR_SAMP(v), LISTAGG(s), FIRST_VALUE(s), LAST_VALUE(v) "
           "FROM TABLE(TUMBLE(TABLE w, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
           ddl);
  /* {1, 3, 5}: mean 3, m2 8: STDDEV_POP sqrt(8/3), VAR_SAMP 4 */
  const char *want = "[2020-01-01 00:00:00.000, 1.632993161855452, 4, a,,c, a, 5]\n"
                     "[2020-01-01 00:00:10.000, 0.0, <NULL>, d, d, 4]\n";
  CHECK_FINAL(sql, want);
  char bsql[2100];
  snprintf(bsql, sizeof bsql, BATCH "%s", sql);
  CHECK_FINAL(bsql, want);
}

/* Tuples of a: (1,p) twice, (1,q), (2,p), then (NULL,p) and (3,NULL) do not count: 3;
 * with FILTER x > 1 only (2,p).  VAR_POP(DISTINCT x) of a: {1, 2, 3}: 2/3 as INT 0, as DOUBLE 0.666... */
#define TUPLES                                                                                               \
  "SELECT g, COUNT(DISTINCT x, y), COUNT(DISTINCT x), COUNT(DISTINCT x, y) FILTER (WHERE x > 1), "           \
  "VAR_POP(DISTINCT x), VAR_SAMP(DISTINCT CAST(x AS DOUBLE)) FROM (VALUES ('a', 1, 'p'), ('a', 1, 'p'), "    \
  "('a', 1, 'q'), ('a', 2, 'p'), ('a', CAST(NULL AS INT), 'p'), ('a', 3, CAST(NULL AS STRING)), ('b', 1, 'p')) " \
  "AS t(g, x, y) GROUP BY g"
#define TUPLES_WANT "[a, 3, 3, 1, 0, 1.0]\n[b, 1, 1, 0, 0, <NULL>]\n"

TEST(count_distinct_of_several_arguments_and_distinct_variances) {
  CHECK_FINAL(TUPLES, TUPLES_WANT);
  CHECK_FINAL(BATCH TUPLES, TUPLES_WANT);
  /* in a window: [0, 10) has (1,a), (1,a), (3,<empty>), (5,c): 3 tuples; [10, 20) one */
  write_tmp_file("t.csv",
                 "1,a,2020-01-01 00:00:01\n"
                 "1,a,2020-01-01 00:00:02\n"
                 "3,,2020-01-01 00:00:04\n"
                 "5,c,2020-01-01 00:00:08\n"
                 "4,d,2020-01-01 00:00:12\n");
  const char *sql =
      "CREATE TABLE w (v INT, s STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', "
      "'path' = '${TMP}/t.csv', 'format' = 'csv');\n"
      "SELECT window_start, COUNT(DISTINCT v, s), VAR_POP(DISTINCT v) FROM TABLE(TUMBLE(TABLE w, DESCRIPTOR(ts), "
      "INTERVAL '10' SECOND)) GROUP BY window_start, window_end";
  /* VAR_POP(DISTINCT v) of {1, 3, 5}: 8/3 = 2.67 as INT 2 */
  CHECK_FINAL(sql, "[2020-01-01 00:00:00.000, 3, 2]\n[2020-01-01 00:00:10.000, 1, 0]\n");
}

/* HOP merges slices (the lists concatenate, the variances merge m2); CUMULATE too. */
TEST(hop_and_cumulate_windows_merge_slices) {
  write_tmp_file("h.csv",
                 "1,a,2020-01-01 00:00:01\n"
                 "3,b,2020-01-01 00:00:04\n"
                 "5,c,2020-01-01 00:00:08\n"
                 "4,d,2020-01-01 00:00:12\n");
  const char *ddl = "CREATE TABLE w (v INT, s STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = "
                    "'filesystem', 'path' = '${TMP}/h.csv', 'format' = 'csv');\n";
  char sql[2048];
  snprintf(sql, sizeof sql,
           "%sSELECT window_start, STDDEV_POP(CAST(v AS DOUBLE)), LISTAGG(s), FIRST_VALUE(s), LAST_VALUE(v), "
           "COUNT(DISTINCT v, s) FROM TABLE(HOP(TABLE w, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) "
           "GROUP BY window_start, window_end",
           ddl);
  CHECK_FINAL(sql, "[2019-12-31 23:59:55.000, 1.0, a,b, a, 3, 2]\n"
                        "[2020-01-01 00:00:00.000, 1.632993161855452, a,b,c, a, 5, 3]\n"
                        "[2020-01-01 00:00:05.000, 0.5, c,d, c, 4, 2]\n"
                        "[2020-01-01 00:00:10.000, 0.0, d, d, 4, 1]\n");
  snprintf(sql, sizeof sql,
           "%sSELECT window_end, VAR_POP(v), LISTAGG(s, ''), LAST_VALUE(s) FROM TABLE(CUMULATE(TABLE w, DESCRIPTOR(ts), "
           "INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
           ddl);
  /* {1, 3}: 1; {1, 3, 5}: 8/3 -> 2 */
  CHECK_FINAL(sql, "[2020-01-01 00:00:05.000, 1, ab, b]\n"
                        "[2020-01-01 00:00:10.000, 2, abc, c]\n"
                        "[2020-01-01 00:00:15.000, 0, d, d]\n"
                        "[2020-01-01 00:00:20.000, 0, d, d]\n");
}

/* A window aggregation of every new aggregate over Nexmark bids, killed with SIGKILL
 * after three checkpoints and resumed: the accumulators (lists included) are in keyed
 * state, so the committed rows are those of an uninterrupted run. */
TEST(killed_and_resumed_exactly_once) {
  const char *bin = strom_bin();
  if (!bin) return;
  const char *job =
      "SET 'parallelism.default' = '1';\n"
      KILL_TEST_SETS
      "CREATE TABLE nx (event_type INT, bid_auction BIGINT, bid_bidder BIGINT, bid_price BIGINT, bid_channel STRING, "
      "date_time TIMESTAMP(3), WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND) "
      "WITH ('connector' = 'nexmark', 'events.num' = '200000', 'rate-limit' = '100000', 'first-event.rate' = '10000');\n"
      "CREATE TABLE dst (a BIGINT, ws TIMESTAMP(3), sd DOUBLE, vs BIGINT, l STRING, f STRING, la BIGINT, n BIGINT) WITH"
      " ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'csv');\n"
      "INSERT INTO dst SELECT bid_auction, window_start, STDDEV_POP(CAST(bid_price AS DOUBLE)), VAR_SAMP(bid_price), "
      "LISTAGG(CAST(bid_price AS STRING), ' '), FIRST_VALUE(bid_channel), LAST_VALUE(bid_bidder), "
      "COUNT(DISTINCT bid_bidder, bid_channel) FROM TABLE(TUMBLE(TABLE nx, DESCRIPTOR(date_time), INTERVAL '2' SECOND)) "
      "WHERE event_type = 2 GROUP BY bid_auction, window_start, window_end;\n";
  CHECK(killed_run_agrees(bin, tmp, "agg", job, 3));
  CHECK(committed_lines(tmp, "agg") > 100);
}

TEST(bad_calls_are_refused_by_name) {
  CHECK_ERR("SELECT LISTAGG(x) FROM (VALUES (1)) AS t(x)", "LISTAGG needs a character string argument");
  CHECK_ERR("SELECT LISTAGG(s, s) FROM (VALUES ('a')) AS t(s)", "separator must be a string literal");
  CHECK_ERR("SELECT STDDEV_POP(s) FROM (VALUES ('a')) AS t(s)", "STDDEV_POP: this aggregate function needs a numeric");
  CHECK_ERR("SELECT VAR_POP(x, x) FROM (VALUES (1)) AS t(x)", "takes one argument");
  CHECK_ERR("SELECT LISTAGG(DISTINCT s) FROM (VALUES ('a')) AS t(s)", "not supported yet: DISTINCT");
  CHECK_ERR("SELECT x FROM (VALUES (1)) AS t(x) WHERE STDDEV(x) > 0", "STDDEV");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  snprintf(tmp, sizeof tmp, "/tmp/strom_test_aggfns_%d", (int)getpid());
  char cmd[300];
  snprintf(cmd, sizeof cmd, "mkdir -p %s", tmp);
  if (system(cmd)) return 1;
  RUN(variances_of_int_keep_the_int_type_streaming_and_batch);
  RUN(variances_of_double_and_decimal);
  RUN(listagg_first_last_value_skip_nulls);
  RUN(updating_input_retracts_from_the_lists_and_the_variance);
  RUN(mini_batch_group_by);
  RUN(tumble_window_aggregation);
  RUN(count_distinct_of_several_arguments_and_distinct_variances);
  RUN(hop_and_cumulate_windows_merge_slices);
  RUN(killed_and_resumed_exactly_once);
  RUN(bad_calls_are_refused_by_name);
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) return 1;
  TEST_MAIN_END();
}
