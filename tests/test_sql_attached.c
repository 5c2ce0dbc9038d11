/*
 * test_sql_attached.c -- GROUP BY window_start, window_end over an input that already
 * carries windows (a window aggregation's output, a window TVF behind a subquery, a
 * window join's output) is a window aggregation, as Flink plans it
 * (WindowAttachedWindowingStrategy): one final row per window when the watermark passes
 * its end, late rows dropped, an append-only result that a window join can read (Nexmark
 * q5's plan).  Expected rows are computed by hand; a kill -9 and resume of the cascade
 * must commit the rows of an uninterrupted run.
 */
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sql_test.h"
#include "sql_proc_test.h"

/* watermark = ts - 2 s after each row: -1, 1, 5, 10, 10, 13, 13, 23 (seconds).
 * [0, 10) fires at row 4 with alice 10+5 and bob 20; bob@9 comes after: late.
 * [10, 20): carol 7, 4 and bob 2, fired at the end; [20, 30): alice 3. */
static const char *bids_csv =
    "1,alice,10,2020-01-01 00:00:01\n"
    "2,bob,20,2020-01-01 00:00:03\n"
    "3,alice,5,2020-01-01 00:00:07\n"
    "4,carol,7,2020-01-01 00:00:12\n"
    "5,bob,1,2020-01-01 00:00:09\n"
    "6,carol,4,2020-01-01 00:00:15\n"
    "7,bob,2,2020-01-01 00:00:13\n"
    "8,alice,3,2020-01-01 00:00:25\n";

#define BIDS_DDL                                                                                                   \
  "CREATE TABLE bids (id BIGINT, name STRING, price INT, ts TIMESTAMP(3), "                                       \
  "WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH ('connector' = 'filesystem', 'path' = '${TMP}/bids.csv', " \
  "'format' = 'csv', 'scan.watermark.emit.strategy' = 'on-event');\n"                                             \
  "CREATE VIEW counts AS SELECT name, COUNT(*) AS num, window_start AS ws, window_end AS we "                      \
  "FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY name, window_start, window_end;\n"

/* Nexmark q5's shape: the names with a window's highest count.  The MAX per window is a
 * window aggregation, so the join on the window is a window join: final rows only. */
#define HOT_ITEMS                                                                                   \
  "SELECT A.name, A.num, A.ws FROM counts AS A JOIN ("                                              \
  "SELECT MAX(num) AS maxn, ws, we FROM counts GROUP BY ws, we) AS M "                              \
  "ON A.ws = M.ws AND A.we = M.we AND A.num >= M.maxn"

TEST(cascaded_max_joined_on_the_window_is_a_window_join) {
  CHECK_ROWS(BIDS_DDL HOT_ITEMS, true,
             "+I[alice, 1, 2020-01-01 00:00:20.000]\n"
             "+I[alice, 2, 2020-01-01 00:00:00.000]\n"
             "+I[carol, 2, 2020-01-01 00:00:10.000]\n");
  char *out, err[1024];
  CHECK_INT(run(BIDS_DDL "EXPLAIN " HOT_ITEMS, &out, err, sizeof err), 0);
  CHECK(strstr(out, "WindowJoin(joinType=[InnerJoin]") != NULL);
  CHECK(strstr(out, "WindowAggregate(window=[TUMBLE(size=10000 ms), win_start=[ws], win_end=[we]], select=[MAX(num)]) "
                    "[emits final results]") != NULL);
  CHECK(strstr(out, "GroupAggregate") == NULL);
  CHECK(strstr(out, "[changelog]") == NULL);
  free(out);
}

TEST(cascaded_aggregates_with_keys_and_distinct) {
  /* per window: the names (DISTINCT), the total count, the largest count */
  CHECK_ROWS(BIDS_DDL "SELECT ws, we, COUNT(DISTINCT name), SUM(num), MAX(num) FROM counts GROUP BY ws, we", true,
             "+I[2020-01-01 00:00:00.000, 2020-01-01 00:00:10.000, 2, 3, 2]\n"
             "+I[2020-01-01 00:00:10.000, 2020-01-01 00:00:20.000, 2, 3, 2]\n"
             "+I[2020-01-01 00:00:20.000, 2020-01-01 00:00:30.000, 1, 1, 1]\n");
  /* a key besides the window, and window_end selected by its new name */
  CHECK_ROWS(BIDS_DDL "SELECT num, we AS e, COUNT(*) FROM counts GROUP BY num, ws, we", true,
             "+I[1, 2020-01-01 00:00:10.000, 1]\n"
             "+I[1, 2020-01-01 00:00:20.000, 1]\n"
             "+I[1, 2020-01-01 00:00:30.000, 1]\n"
             "+I[2, 2020-01-01 00:00:10.000, 1]\n"
             "+I[2, 2020-01-01 00:00:20.000, 1]\n");
}

TEST(window_tvf_behind_a_subquery_drops_late_rows) {
  /* The TVF's rows reach the aggregation through a filter: still a window aggregation.
   * bob@9 comes when [0, 10) has fired: dropped (a GROUP BY would count it and update). */
  CHECK_ROWS(BIDS_DDL "SELECT window_start, window_end, COUNT(*), SUM(price) FROM (SELECT * FROM "
                      "TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND)) WHERE price < 20) "
                      "GROUP BY window_start, window_end",
             true,
             "+I[2020-01-01 00:00:00.000, 2020-01-01 00:00:10.000, 2, 15]\n"
             "+I[2020-01-01 00:00:10.000, 2020-01-01 00:00:20.000, 3, 13]\n"
             "+I[2020-01-01 00:00:20.000, 2020-01-01 00:00:30.000, 1, 3]\n");
}

TEST(window_join_output_grouped_by_its_window) {
  /* pairs of the same name in a window: the names per window */
  CHECK_ROWS(BIDS_DDL "SELECT L.ws, COUNT(*) FROM counts AS L JOIN counts AS R ON L.ws = R.ws AND L.we = R.we "
                      "AND L.name = R.name GROUP BY L.ws, L.we",
             true,
             "+I[2020-01-01 00:00:00.000, 2]\n"
             "+I[2020-01-01 00:00:10.000, 2]\n"
             "+I[2020-01-01 00:00:20.000, 1]\n");
}

TEST(other_groupings_stay_group_aggregations) {
  char *out, err[1024];
  /* only one bound of the window: a regular GROUP BY, whose rows update */
  CHECK_INT(run(BIDS_DDL "EXPLAIN SELECT ws, MAX(num) FROM counts GROUP BY ws", &out, err, sizeof err), 0);
  CHECK(strstr(out, "GroupAggregate(groupBy=[ws]") != NULL);
  free(out);
  CHECK_ROWS(BIDS_DDL "SELECT ws, COUNT(*) FROM counts GROUP BY ws", true,
             "+I[2020-01-01 00:00:00.000, 1]\n"
             "+I[2020-01-01 00:00:10.000, 1]\n"
             "+I[2020-01-01 00:00:20.000, 1]\n"
             "+U[2020-01-01 00:00:00.000, 2]\n"
             "+U[2020-01-01 00:00:10.000, 2]\n"
             "-U[2020-01-01 00:00:00.000, 1]\n"
             "-U[2020-01-01 00:00:10.000, 1]\n");
}

TEST(three_levels_of_windows) {
  /* the names per window, counted over the per-name sums: each level reads the windows
   * of the one below */
  const char *q = "SELECT ws, we, COUNT(*) FROM (SELECT ws, we, SUM(num) AS s FROM counts GROUP BY ws, we, name) "
                  "GROUP BY ws, we";
  char sql[4096], *out, err[1024];
  snprintf(sql, sizeof sql, "%sEXPLAIN %s", BIDS_DDL, q);
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  const char *p = strstr(out, "win_start=[ws]");
  CHECK(p != NULL);
  CHECK(p && strstr(p + 1, "win_start=[ws]") != NULL);
  free(out);
  snprintf(sql, sizeof sql, "%s%s", BIDS_DDL, q);
  CHECK_ROWS(sql, true,
             "+I[2020-01-01 00:00:00.000, 2020-01-01 00:00:10.000, 2]\n"
             "+I[2020-01-01 00:00:10.000, 2020-01-01 00:00:20.000, 2]\n"
             "+I[2020-01-01 00:00:20.000, 2020-01-01 00:00:30.000, 1]\n");
}

TEST(window_time_kept_as_the_time_attribute_of_a_cascade) {
  /* Flink's cascading windows: window_time grouped stays a time attribute, so a TUMBLE of
   * 10 s reads the 5 s windows' sums (the 5 s windows of a TVF behind a filter). */
  CHECK_ROWS(BIDS_DDL "CREATE VIEW w5 AS SELECT window_time AS rt, name, SUM(price) AS s FROM (SELECT * FROM "
                      "TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '5' SECOND)) WHERE price > 0) "
                      "GROUP BY name, window_start, window_end, window_time;\n"
                      "SELECT window_start, SUM(s), COUNT(*) FROM TABLE(TUMBLE(TABLE w5, DESCRIPTOR(rt), INTERVAL '10' "
                      "SECOND)) GROUP BY window_start, window_end",
             true,
             "+I[2020-01-01 00:00:00.000, 35, 3]\n"
             "+I[2020-01-01 00:00:10.000, 13, 3]\n"
             "+I[2020-01-01 00:00:20.000, 3, 1]\n");
}

/* Nexmark q5 at parallelism 2 into files, killed with SIGKILL after three checkpoints
 * and resumed from the newest: the committed rows must be those of an uninterrupted run. */
TEST(hot_items_killed_and_resumed) {
  const char *bin = strom_bin();
  if (!bin) return;
  const char *job =
      "SET 'parallelism.default' = '2';\n"
      KILL_TEST_SETS
      "CREATE TABLE nx (event_type INT, bid_auction BIGINT, date_time TIMESTAMP(3),"
      " WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND) "
      "WITH ('connector' = 'nexmark', 'events.num' = '300000', 'rate-limit' = '100000', 'first-event.rate' = '10000');\n"
      "CREATE VIEW bid AS SELECT bid_auction AS auction, date_time FROM nx WHERE event_type = 2;\n"
      "CREATE VIEW c AS SELECT auction, COUNT(*) AS num, window_start AS ws, window_end AS we FROM"
      " TABLE(HOP(TABLE bid, DESCRIPTOR(date_time), INTERVAL '2' SECOND, INTERVAL '10' SECOND))"
      " GROUP BY auction, window_start, window_end;\n"
      "CREATE TABLE dst (auction BIGINT, num BIGINT, ws TIMESTAMP(3)) WITH"
      " ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'csv');\n"
      "INSERT INTO dst SELECT A.auction, A.num, A.ws FROM c AS A JOIN (SELECT MAX(num) AS maxn, ws, we FROM c"
      " GROUP BY ws, we) AS M ON A.ws = M.ws AND A.we = M.we AND A.num >= M.maxn;\n";
  CHECK(killed_run_agrees(bin, tmp, "q5", job, 3));
  char cmd[1024];
  /* 30 s of event time: a window every 2 s, each with at least one hot item */
  snprintf(cmd, sizeof cmd, "test $(wc -l < %s/q51.txt) -gt 14", tmp);
  CHECK_INT(system(cmd), 0);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-attached-%d", (int)getpid());
  mkdir(tmp, 0777);
  char path[300];
  snprintf(path, sizeof path, "%s/bids.csv", tmp);
  write_file(path, bids_csv);
  RUN(cascaded_max_joined_on_the_window_is_a_window_join);
  RUN(cascaded_aggregates_with_keys_and_distinct);
  RUN(window_tvf_behind_a_subquery_drops_late_rows);
  RUN(window_join_output_grouped_by_its_window);
  RUN(other_groupings_stay_group_aggregations);
  RUN(three_levels_of_windows);
  RUN(window_time_kept_as_the_time_attribute_of_a_cascade);
  RUN(hot_items_killed_and_resumed);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) return 1;
  TEST_MAIN_END();
}
