/*
 * test_sql_winmax.c -- rows joined with their own tumbling window's MAX or MIN
 * (join_winmax.c, Nexmark q7's shape).  Each query runs twice, rewritten and as the
 * regular join ('strom.optimizer.window-max-join' = 'false'), and both must give the
 * hand-computed rows: ties, a row exactly at a window's end (it meets two windows), a
 * late row (not counted in its window's maximum, but joined with it), NULL values,
 * MIN with the aggregation on the left and bounds by window_start.  Then the shapes
 * that must stay regular joins, EXPLAIN, and a Nexmark job killed with SIGKILL and
 * resumed whose committed rows equal an uninterrupted run's.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sql_proc_test.h"
#include "sql_test.h"

/* Watermark = the newest time (one per row: 'on-event'), one reader.
 *   window [0, 10):  1(10) 2(30) 3(30)             MAX 30, MIN 10
 *   window [10, 20): 4(20) 5(30, at 10.000) 6(25)  MAX 30, MIN 20
 *   bid 7 (22 s) moves the watermark past 20 s: window [10, 20) is done, and bid 8
 *   (30 at 12 s) is late: not counted, but it meets the window's MAX of 30
 *   window [20, 30): 7(5); bid 9 (30 s, 7) is at its end; bid 10 (9 at 28 s) is late
 *   window [30, 40): 9(7)
 *   window [40, 50): 11(NULL) 12(3)                MAX 3 (NULLs are skipped)
 *   window [60, 70): 13(1); then bid 14 (8 at 55 s) is late for the empty [50, 60),
 *   which so has no aggregate row to join */
static const char *bids_csv =
    "1,10,2020-01-01 00:00:01\n2,30,2020-01-01 00:00:05\n3,30,2020-01-01 00:00:07\n"
    "4,20,2020-01-01 00:00:10\n5,30,2020-01-01 00:00:10\n6,25,2020-01-01 00:00:15\n"
    "7,5,2020-01-01 00:00:22\n8,30,2020-01-01 00:00:12\n9,7,2020-01-01 00:00:30\n"
    "10,9,2020-01-01 00:00:28\n11,,2020-01-01 00:00:41\n12,3,2020-01-01 00:00:45\n"
    "13,1,2020-01-01 00:01:05\n14,8,2020-01-01 00:00:55\n";

#define BID_DDL                                                                                           \
  "SET 'parallelism.default' = '1';\n"                                                                    \
  "CREATE TABLE bid (id BIGINT, price BIGINT, dateTime TIMESTAMP(3), WATERMARK FOR dateTime AS dateTime)" \
  " WITH ('connector' = 'filesystem', 'path' = '${TMP}/bids.csv', 'format' = 'csv',"                    \
  " 'scan.watermark.emit.strategy' = 'on-event');\n"

#define Q7                                                                                  \
  "SELECT B.id, B.price, B1.dateTime FROM bid AS B JOIN (\n"                                \
  "  SELECT MAX(price) AS maxprice, window_end AS dateTime\n"                               \
  "  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))\n"           \
  "  GROUP BY window_start, window_end) AS B1\n"                                            \
  "ON B.price = B1.maxprice\n"                                                              \
  "WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime;"

static const char *OFF = "SET 'strom.optimizer.window-max-join' = 'false';\n";

/* sql's rows, sorted, rewritten and not, both equal to want. */
static void both_ways(const char *sql, const char *want) {
  char on[4096], off[4096];
  snprintf(on, sizeof on, "%s%s", BID_DDL, sql);
  snprintf(off, sizeof off, "%s%s%s", BID_DDL, OFF, sql);
  CHECK_ROWS(on, true, want);
  CHECK_ROWS(off, true, want);
}

static bool explain_has(const char *sql, const char *what) {
  char *out, err[1024];
  int rc = run(sql, &out, err, sizeof err);
  bool has = rc == 0 && out && strstr(out, what);
  if (rc) fprintf(stderr, "  %s\n", err);
  free(out);
  return has;
}

TEST(highest_of_each_window) {
  /* end 10: 2, 3 (ties) and 5 (at 10.000, the end itself); end 20: 5 and the late 8;
   * end 30: 7 (bid 9 at 30.000 is 7, not 5; the late 10 is 9); end 40: 9; end 50: 12;
   * end 70: 13 */
  both_ways(Q7, "+I[12, 3, 2020-01-01 00:00:50.000]\n+I[13, 1, 2020-01-01 00:01:10.000]\n"
                "+I[2, 30, 2020-01-01 00:00:10.000]\n+I[3, 30, 2020-01-01 00:00:10.000]\n"
                "+I[5, 30, 2020-01-01 00:00:10.000]\n+I[5, 30, 2020-01-01 00:00:20.000]\n"
                "+I[7, 5, 2020-01-01 00:00:30.000]\n+I[8, 30, 2020-01-01 00:00:20.000]\n"
                "+I[9, 7, 2020-01-01 00:00:40.000]\n");
}

TEST(a_row_at_the_end_waits_for_the_maximum) {
  /* A 5 s delay: bid 2 (40 at 10.000) meets window [0, 10) before bid 3 (40 at 5 s)
   * raises that window's MAX from 10 to 40; it must still be there when the window
   * fires.  end 10: 2, 3; end 20: 2 (it counts there); end 40: 4. */
  write_tmp_file("late.csv", "1,10,2020-01-01 00:00:01\n2,40,2020-01-01 00:00:10\n3,40,2020-01-01 00:00:05\n"
                             "4,1,2020-01-01 00:00:30\n");
  const char *ddl =
      "SET 'parallelism.default' = '1';\n"
      "CREATE TABLE bid (id BIGINT, price BIGINT, dateTime TIMESTAMP(3), WATERMARK FOR dateTime AS dateTime - "
      "INTERVAL '5' SECOND) WITH ('connector' = 'filesystem', 'path' = '${TMP}/late.csv', 'format' = 'csv',"
      " 'scan.watermark.emit.strategy' = 'on-event');\n";
  const char *want = "+I[2, 40, 2020-01-01 00:00:10.000]\n+I[2, 40, 2020-01-01 00:00:20.000]\n"
                     "+I[3, 40, 2020-01-01 00:00:10.000]\n+I[4, 1, 2020-01-01 00:00:40.000]\n";
  char sql[4096];
  snprintf(sql, sizeof sql, "%s%s", ddl, Q7);
  CHECK_ROWS(sql, true, want);
  snprintf(sql, sizeof sql, "%s%s%s", ddl, OFF, Q7);
  CHECK_ROWS(sql, true, want);
}

TEST(lowest_with_the_aggregation_on_the_left) {
  /* only the row's own window (dateTime < window_end): MIN 10 (bid 1), 20 (4; 5 at
   * 10.000 is in [10, 20) only), 5 (7), 7 (9), 3 (12), 1 (13) */
  both_ways("SELECT B1.lo, B.id, B1.ws FROM (\n"
            "  SELECT MIN(price) AS lo, window_start AS ws, window_end AS we\n"
            "  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))\n"
            "  GROUP BY window_start, window_end) AS B1\n"
            "JOIN bid AS B ON B1.lo = B.price AND B.dateTime >= B1.ws AND B.dateTime < B1.we;",
            "+I[1, 13, 2020-01-01 00:01:00.000]\n+I[10, 1, 2020-01-01 00:00:00.000]\n+I[20, 4, 2020-01-01 00:00:10.000]\n"
            "+I[3, 12, 2020-01-01 00:00:40.000]\n+I[5, 7, 2020-01-01 00:00:20.000]\n"
            "+I[7, 9, 2020-01-01 00:00:30.000]\n");
}

TEST(rows_of_the_next_window_meet_the_previous_maximum) {
  /* dateTime BETWEEN window_end AND window_end + 10 s: rows of the next window (and at
   * the end itself) meet a window's MAX.  end 10 (MAX 30): 5 (10.000, 30); 8 (12 s, 30,
   * late for its own window but it only joins here).  end 20 (30): none in [20, 30] at
   * 30.  end 30 (5): none.  end 40 (7): none in [40, 50].  end 50 (3): none. */
  both_ways("SELECT B.id, B1.we FROM bid AS B, (\n"
            "  SELECT MAX(price) AS m, window_end AS we\n"
            "  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))\n"
            "  GROUP BY window_start, window_end) AS B1\n"
            "WHERE B.price = B1.m AND B.dateTime >= B1.we AND B.dateTime <= B1.we + INTERVAL '10' SECOND;",
            "+I[5, 2020-01-01 00:00:10.000]\n+I[8, 2020-01-01 00:00:10.000]\n");
}

TEST(other_shapes_stay_regular_joins) {
  char sql[4096];
  snprintf(sql, sizeof sql, "%sEXPLAIN %s", BID_DDL, Q7);
  CHECK(explain_has(sql, "WindowMaxJoin(joinType=[InnerJoin], window=[TUMBLE(size=10000 ms)], where=[price = MAX(price)"));
  snprintf(sql, sizeof sql, "%s%sEXPLAIN %s", BID_DDL, OFF, Q7);
  CHECK(explain_has(sql, "Join(joinType=[InnerJoin], leftKeys=[price]"));
  CHECK(!explain_has(sql, "WindowMaxJoin"));
  snprintf(sql, sizeof sql, "%sSET 'table.exec.state.ttl' = '1 h';\nEXPLAIN %s", BID_DDL, Q7);
  CHECK(!explain_has(sql, "WindowMaxJoin"));
  static const char *const others[] = {
      /* a further condition */
      "EXPLAIN SELECT B.id FROM bid AS B JOIN (SELECT MAX(price) AS m, window_end AS e FROM TABLE(TUMBLE(TABLE bid, "
      "DESCRIPTOR(dateTime), INTERVAL '10' SECOND)) GROUP BY window_start, window_end) AS B1 ON B.price = B1.m "
      "WHERE B.dateTime BETWEEN B1.e - INTERVAL '10' SECOND AND B1.e AND B.id > 2;",
      /* the rows are fewer than those aggregated */
      "EXPLAIN SELECT B.id FROM (SELECT * FROM bid WHERE id > 2) AS B JOIN (SELECT MAX(price) AS m, window_end AS e "
      "FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND)) GROUP BY window_start, window_end) "
      "AS B1 ON B.price = B1.m WHERE B.dateTime BETWEEN B1.e - INTERVAL '10' SECOND AND B1.e;",
      /* hopping windows */
      "EXPLAIN SELECT B.id FROM bid AS B JOIN (SELECT MAX(price) AS m, window_end AS e FROM TABLE(HOP(TABLE bid, "
      "DESCRIPTOR(dateTime), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end) AS B1 "
      "ON B.price = B1.m WHERE B.dateTime BETWEEN B1.e - INTERVAL '10' SECOND AND B1.e;",
      /* a key besides the window */
      "EXPLAIN SELECT B.id FROM bid AS B JOIN (SELECT id, MAX(price) AS m, window_end AS e FROM TABLE(TUMBLE(TABLE "
      "bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND)) GROUP BY id, window_start, window_end) AS B1 "
      "ON B.price = B1.m WHERE B.dateTime BETWEEN B1.e - INTERVAL '10' SECOND AND B1.e;",
      /* a bound on one side only */
      "EXPLAIN SELECT B.id FROM bid AS B JOIN (SELECT MAX(price) AS m, window_end AS e FROM TABLE(TUMBLE(TABLE bid, "
      "DESCRIPTOR(dateTime), INTERVAL '10' SECOND)) GROUP BY window_start, window_end) AS B1 ON B.price = B1.m "
      "WHERE B.dateTime <= B1.e;",
      /* SUM is no value of a row */
      "EXPLAIN SELECT B.id FROM bid AS B JOIN (SELECT SUM(price) AS m, window_end AS e FROM TABLE(TUMBLE(TABLE bid, "
      "DESCRIPTOR(dateTime), INTERVAL '10' SECOND)) GROUP BY window_start, window_end) AS B1 ON B.price = B1.m "
      "WHERE B.dateTime BETWEEN B1.e - INTERVAL '10' SECOND AND B1.e;",
      /* the window's maximum compared with another column */
      "EXPLAIN SELECT B.id FROM bid AS B JOIN (SELECT MAX(price) AS m, window_end AS e FROM TABLE(TUMBLE(TABLE bid, "
      "DESCRIPTOR(dateTime), INTERVAL '10' SECOND)) GROUP BY window_start, window_end) AS B1 ON B.id = B1.m "
      "WHERE B.dateTime BETWEEN B1.e - INTERVAL '10' SECOND AND B1.e;",
  };
  for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
    snprintf(sql, sizeof sql, "%s%s", BID_DDL, others[i]);
    bool regular = explain_has(sql, "Join(joinType=[InnerJoin]") && !explain_has(sql, "WindowMaxJoin");
    if (!regular) fprintf(stderr, "  shape %zu was rewritten\n", i);
    CHECK(regular);
  }
  /* the fewer rows give the regular join's result: the windows' MAX of all bids, met
   * by the bids with id > 2 (end 10: 3, 5; end 20: 5, 8; then 7, 9, 12, 13) */
  both_ways("SELECT B.id FROM (SELECT * FROM bid WHERE id > 2) AS B JOIN (SELECT MAX(price) AS m, window_end AS e "
            "FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND)) GROUP BY window_start, window_end) "
            "AS B1 ON B.price = B1.m WHERE B.dateTime BETWEEN B1.e - INTERVAL '10' SECOND AND B1.e;",
            "+I[12]\n+I[13]\n+I[3]\n+I[5]\n+I[5]\n+I[7]\n+I[8]\n+I[9]\n");
  CHECK_ERR("SET 'strom.optimizer.window-max-join' = 'sometimes';", "expected 'true' or 'false', got 'sometimes'");
}

/* Nexmark q7 into files, killed with SIGKILL after three checkpoints and resumed: each
 * window's maximum and rows wait in keyed state with an event-time timer, the source
 * replays from its checkpointed offset, so the committed rows are those of an
 * uninterrupted run (1 000 events per second of event time: 20 windows). */
TEST(killed_and_resumed_exactly_once) {
  const char *bin = strom_bin();
  if (!bin) return;
  const char *job =
      "SET 'parallelism.default' = '2';\n"
      KILL_TEST_SETS
      "CREATE TABLE nx (event_type INT, bid_auction BIGINT, bid_bidder BIGINT, bid_price BIGINT, date_time TIMESTAMP(3),"
      " WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND) WITH ('connector' = 'nexmark', 'events.num' = '200000',"
      " 'rate-limit' = '100000', 'first-event.rate' = '1000');\n"
      "CREATE TABLE dst (a BIGINT, p BIGINT, b BIGINT, t TIMESTAMP(3)) WITH"
      " ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'csv');\n"
      "CREATE VIEW bid AS SELECT bid_auction AS auction, bid_bidder AS bidder, bid_price AS price, date_time AS dateTime"
      " FROM nx WHERE event_type = 2;\n"
      "INSERT INTO dst SELECT B.auction, B.price, B.bidder, B.dateTime FROM bid AS B JOIN (SELECT MAX(price) AS m,"
      " window_end AS e FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))"
      " GROUP BY window_start, window_end) AS B1 ON B.price = B1.m"
      " WHERE B.dateTime BETWEEN B1.e - INTERVAL '10' SECOND AND B1.e;\n";
  CHECK(killed_run_agrees(bin, tmp, "q7", job, 3));
  CHECK(committed_lines(tmp, "q7") >= 19);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-winmax-test-%d", (int)getpid());
  mkdir(tmp, 0777);
  write_tmp_file("bids.csv", bids_csv);
  RUN(highest_of_each_window);
  RUN(a_row_at_the_end_waits_for_the_maximum);
  RUN(lowest_with_the_aggregation_on_the_left);
  RUN(rows_of_the_next_window_meet_the_previous_maximum);
  RUN(other_shapes_stay_regular_joins);
  RUN(killed_and_resumed_exactly_once);
  char cmd[320];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
