/*
 * test_sql_session_part.c -- the SESSION window TVF with PARTITION BY (Flink 1.19):
 * `SESSION(TABLE t PARTITION BY k | (k1, k2), DESCRIPTOR(ts), gap)` aggregated by
 * window_start, window_end and those keys, in positional and named form; the GROUP BYs
 * that would split or merge the partitions' sessions, and PARTITION BY on other
 * windows, refused by name.  Expected rows are computed by hand in the comments.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_test.h"

/* item A: 08:01 (1), 08:03 (2) -> [08:01, 08:08) = 3; 08:10 (8), 7 minutes after 08:03,
 * starts [08:10, 08:15) = 8.  B: 08:04 (4), 08:07 (16) -> [08:04, 08:12) = 20.
 * By (item, shop): A/x 08:01 -> [08:01, 08:06) = 1; A/y 08:03 -> [08:03, 08:08) = 2;
 * A/x 08:10 -> [08:10, 08:15) = 8; B/x 08:04, 08:07 -> [08:04, 08:12) = 20. */
static const char *bid_csv = "2020-04-15 08:01:00,1,A,x\n2020-04-15 08:03:00,2,A,y\n2020-04-15 08:04:00,4,B,x\n"
                             "2020-04-15 08:10:00,8,A,x\n2020-04-15 08:07:00,16,B,x\n";

#define DDL                                                                                                  \
  "SET 'parallelism.default' = '1';\n"                                                                       \
  "CREATE TABLE bid (t TIMESTAMP(3), price INT, item STRING, shop STRING, WATERMARK FOR t AS t - INTERVAL '1' " \
  "MINUTE) WITH ('connector' = 'filesystem', 'path' = '${TMP}/bid.csv', 'format' = 'csv');\n"

TEST(sessions_per_partition) {
  const char *want = "+I[2020-04-15 08:01:00.000, 2020-04-15 08:08:00.000, A, 3]\n"
                     "+I[2020-04-15 08:04:00.000, 2020-04-15 08:12:00.000, B, 20]\n"
                     "+I[2020-04-15 08:10:00.000, 2020-04-15 08:15:00.000, A, 8]\n";
  CHECK_ROWS(DDL "SELECT window_start, window_end, item, SUM(price) FROM TABLE(SESSION(TABLE bid PARTITION BY item, "
                 "DESCRIPTOR(t), INTERVAL '5' MINUTES)) GROUP BY item, window_start, window_end;",
             true, want);
  CHECK_ROWS(DDL "SELECT window_start, window_end, item, SUM(price) FROM TABLE(SESSION(DATA => TABLE bid PARTITION BY "
                 "(item), TIMECOL => DESCRIPTOR(t), GAP => INTERVAL '5' MINUTES)) GROUP BY window_start, window_end, item;",
             true, want);
}

TEST(two_partition_columns) {
  CHECK_ROWS(DDL "SELECT item, shop, window_start, window_end, SUM(price) FROM TABLE(SESSION(TABLE bid PARTITION BY "
                 "(item, shop), DESCRIPTOR(t), INTERVAL '5' MINUTES)) GROUP BY window_start, window_end, shop, item;",
             true,
             "+I[A, x, 2020-04-15 08:01:00.000, 2020-04-15 08:06:00.000, 1]\n"
             "+I[A, x, 2020-04-15 08:10:00.000, 2020-04-15 08:15:00.000, 8]\n"
             "+I[A, y, 2020-04-15 08:03:00.000, 2020-04-15 08:08:00.000, 2]\n"
             "+I[B, x, 2020-04-15 08:04:00.000, 2020-04-15 08:12:00.000, 20]\n");
}

TEST(refusals) {
  CHECK_ERR(DDL "SELECT COUNT(*) FROM TABLE(SESSION(TABLE bid PARTITION BY item, DESCRIPTOR(t), INTERVAL '5' MINUTES)) "
                "GROUP BY window_start, window_end;",
            "must GROUP BY window_start, window_end and exactly the window's PARTITION BY columns (item)");
  CHECK_ERR(DDL "SELECT COUNT(*) FROM TABLE(SESSION(TABLE bid PARTITION BY item, DESCRIPTOR(t), INTERVAL '5' MINUTES)) "
                "GROUP BY window_start, window_end, item, shop;",
            "exactly the window's PARTITION BY columns (item)");
  CHECK_ERR(DDL "SELECT COUNT(*) FROM TABLE(SESSION(TABLE bid PARTITION BY (item, shop), DESCRIPTOR(t), INTERVAL '5' "
                "MINUTES)) GROUP BY window_start, window_end, item, item;",
            "exactly the window's PARTITION BY columns (item, shop)");
  CHECK_ERR(DDL "SELECT COUNT(*) FROM TABLE(TUMBLE(TABLE bid PARTITION BY item, DESCRIPTOR(t), INTERVAL '5' MINUTES)) "
                "GROUP BY window_start, window_end;",
            "line 3, column 58: TUMBLE does not take PARTITION BY: only SESSION windows are partitioned");
  CHECK_ERR(DDL "SELECT COUNT(*) FROM TABLE(SESSION(TABLE bid PARTITION BY nope, DESCRIPTOR(t), INTERVAL '5' MINUTES)) "
                "GROUP BY window_start, window_end;",
            "nope");
  CHECK_ERR(DDL "SELECT COUNT(*) FROM TABLE(SESSION(TABLE bid PARTITION item, DESCRIPTOR(t), INTERVAL '5' MINUTES)) "
                "GROUP BY window_start, window_end;",
            "expected BY");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-session-part-test-%d", (int)getpid());
  mkdir(tmp, 0777);
  write_tmp_file("bid.csv", bid_csv);
  RUN(sessions_per_partition);
  RUN(two_partition_columns);
  RUN(refusals);
  char cmd[320];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
