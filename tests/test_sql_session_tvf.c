/*
 * test_sql_session_tvf.c -- the SESSION window TVF on its own (Flink 1.19+): every row
 * leaves when its session closes, tagged with the whole session's window_start,
 * window_end and window_time; with and without PARTITION BY, at parallelism 1 and 3;
 * a row that bridges two open sessions merges them; a row whose session would already
 * have closed is dropped; window Top-N, deduplication and an aggregation over the TVF's
 * rows; EXPLAIN.  Watermarks follow each row ('on-event'), so every expected row below
 * is computed by hand from the order of the rows.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_test.h"

/* The watermark after each row is ts - 2 s (the largest so far); the gap is 3 s:
 *   1 alice  1 @01  wm -1   alice [01, 04)
 *   2 alice  2 @05  wm  3   alice [01, 04), [05, 08)
 *   3 alice  4 @03  wm  3   [03, 06) bridges them: alice [01, 08)
 *   4 bob    8 @04  wm  3   bob [04, 07)
 *   5 carol 16 @09  wm  7   bob [04, 07) closes (ends 06.999 <= 7): bob 8
 *   6 bob   32 @06  wm  7   bob [06, 09): a new session, the old one is gone
 *   7 alice 64 @02  wm  7   [02, 05) alone would be over, but it joins the open [01, 08)
 *   8 dave   5 @20  wm 18   alice [01, 08), bob [06, 09), carol [09, 12) close
 *   9 bob  128 @10  wm 18   [10, 13) ended before the watermark: late, dropped
 * end of input: dave [20, 23).
 * With no PARTITION BY all rows share sessions: 1, 5, 3 make [01, 08); 4 joins it; 9
 * starts [09, 12); 6 bridges both: [01, 12); 7 joins; 8 closes it (wm 18) and starts
 * [20, 23); 9 is late. */
static const char *bids_csv = "1,alice,1,2020-01-01 00:00:01\n"
                              "2,alice,2,2020-01-01 00:00:05\n"
                              "3,alice,4,2020-01-01 00:00:03\n"
                              "4,bob,8,2020-01-01 00:00:04\n"
                              "5,carol,16,2020-01-01 00:00:09\n"
                              "6,bob,32,2020-01-01 00:00:06\n"
                              "7,alice,64,2020-01-01 00:00:02\n"
                              "8,dave,5,2020-01-01 00:00:20\n"
                              "9,bob,128,2020-01-01 00:00:10\n";

#define DDL_P(par, lag)                                                                                            \
  "SET 'parallelism.default' = '" par "';\n"                                                                       \
  "CREATE TABLE bids (id BIGINT, name STRING, price INT, ts TIMESTAMP(3), "                                       \
  "WATERMARK FOR ts AS ts - INTERVAL " lag ") WITH ('connector' = 'filesystem', 'path' = '${TMP}/bids.csv', "    \
  "'format' = 'csv', 'scan.watermark.emit.strategy' = 'on-event');\n"
#define DDL DDL_P("1", "'2' SECOND")

#define W(a, b) "2020-01-01 00:00:" a ".000, 2020-01-01 00:00:" b ".000"
#define WT(a, b, t) W(a, b) ", 2020-01-01 00:00:" t ".999"

static const char *per_name = "+I[1, alice, 1, " WT("01", "08", "07") "]\n"
                              "+I[2, alice, 2, " WT("01", "08", "07") "]\n"
                              "+I[3, alice, 4, " WT("01", "08", "07") "]\n"
                              "+I[4, bob, 8, " WT("04", "07", "06") "]\n"
                              "+I[5, carol, 16, " WT("09", "12", "11") "]\n"
                              "+I[6, bob, 32, " WT("06", "09", "08") "]\n"
                              "+I[7, alice, 64, " WT("01", "08", "07") "]\n"
                              "+I[8, dave, 5, " WT("20", "23", "22") "]\n";

TEST(each_row_gets_its_whole_session_per_partition) {
  const char *q = "SELECT id, name, price, window_start, window_end, window_time FROM TABLE(SESSION(TABLE bids "
                  "PARTITION BY name, DESCRIPTOR(ts), INTERVAL '3' SECOND));";
  char sql[2048];
  snprintf(sql, sizeof sql, "%s%s", DDL, q);
  CHECK_ROWS(sql, true, per_name);
  /* Over three subtasks, with a watermark an hour behind: the file's readers' watermarks
   * no longer follow each row, so no row is late and every session closes at the end.
   * bob 04 and 06 now share [04, 09); bob 10 starts [10, 13). */
  snprintf(sql, sizeof sql, "%s%s", DDL_P("3", "'1' HOUR"), q);
  CHECK_ROWS(sql, true,
             "+I[1, alice, 1, " WT("01", "08", "07") "]\n"
             "+I[2, alice, 2, " WT("01", "08", "07") "]\n"
             "+I[3, alice, 4, " WT("01", "08", "07") "]\n"
             "+I[4, bob, 8, " WT("04", "09", "08") "]\n"
             "+I[5, carol, 16, " WT("09", "12", "11") "]\n"
             "+I[6, bob, 32, " WT("04", "09", "08") "]\n"
             "+I[7, alice, 64, " WT("01", "08", "07") "]\n"
             "+I[8, dave, 5, " WT("20", "23", "22") "]\n"
             "+I[9, bob, 128, " WT("10", "13", "12") "]\n");
  /* named arguments, and SELECT *: the input's columns first, the time column a plain TIMESTAMP now */
  CHECK_ROWS(DDL "SELECT * FROM TABLE(SESSION(DATA => TABLE bids PARTITION BY (name), TIMECOL => DESCRIPTOR(ts), "
                 "GAP => INTERVAL '3' SECOND)) WHERE name = 'bob';",
             true,
             "+I[4, bob, 8, 2020-01-01 00:00:04.000, " WT("04", "07", "06") "]\n"
             "+I[6, bob, 32, 2020-01-01 00:00:06.000, " WT("06", "09", "08") "]\n");
}

TEST(without_partition_all_rows_share_sessions) {
  CHECK_ROWS(DDL "SELECT id, window_start, window_end FROM TABLE(SESSION(TABLE bids, DESCRIPTOR(ts), INTERVAL '3' SECOND));",
             true,
             "+I[1, " W("01", "12") "]\n+I[2, " W("01", "12") "]\n+I[3, " W("01", "12") "]\n+I[4, " W("01", "12") "]\n"
             "+I[5, " W("01", "12") "]\n+I[6, " W("01", "12") "]\n+I[7, " W("01", "12") "]\n+I[8, " W("20", "23") "]\n");
}

TEST(top_n_dedup_and_aggregation_over_the_sessions) {
  /* the highest price of each name's session */
  CHECK_ROWS(DDL "SELECT name, price, window_start, window_end FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "
                 "window_start, window_end, name ORDER BY price DESC) AS rn FROM TABLE(SESSION(TABLE bids PARTITION BY "
                 "name, DESCRIPTOR(ts), INTERVAL '3' SECOND))) WHERE rn <= 1;",
             true,
             "+I[alice, 64, " W("01", "08") "]\n+I[bob, 32, " W("06", "09") "]\n+I[bob, 8, " W("04", "07") "]\n"
             "+I[carol, 16, " W("09", "12") "]\n+I[dave, 5, " W("20", "23") "]\n");
  /* the first row of each session by time: alice's is row 1 at 01, not row 7 at 02 */
  CHECK_ROWS(DDL "SELECT id, name FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, name "
                 "ORDER BY ts ASC) AS rn FROM TABLE(SESSION(TABLE bids PARTITION BY name, DESCRIPTOR(ts), "
                 "INTERVAL '3' SECOND))) WHERE rn = 1;",
             true, "+I[1, alice]\n+I[4, bob]\n+I[5, carol]\n+I[6, bob]\n+I[8, dave]\n");
  /* filtered rows of the sessions, aggregated by their windows (sessions are not re-formed) */
  CHECK_ROWS(DDL "SELECT window_start, window_end, COUNT(*), SUM(price) FROM (SELECT * FROM TABLE(SESSION(TABLE bids "
                 "PARTITION BY name, DESCRIPTOR(ts), INTERVAL '3' SECOND)) WHERE price > 1) GROUP BY window_start, "
                 "window_end;",
             true,
             "+I[" W("01", "08") ", 3, 70]\n+I[" W("04", "07") ", 1, 8]\n+I[" W("06", "09") ", 1, 32]\n"
             "+I[" W("09", "12") ", 1, 16]\n+I[" W("20", "23") ", 1, 5]\n");
}

TEST(explain_names_the_partition) {
  char *out, err[1024];
  int rc = run(DDL "EXPLAIN SELECT * FROM TABLE(SESSION(TABLE bids PARTITION BY (name, id), DESCRIPTOR(ts), "
                   "INTERVAL '3' SECOND));",
               &out, err, sizeof err);
  CHECK_INT(rc, 0);
  CHECK(out && strstr(out, "WindowTableFunction(SESSION(gap=3000 ms), partition=[name, id], time=[ts])"));
  if (out && !strstr(out, "partition=[name, id]")) fprintf(stderr, "%s\n", out);
  free(out);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-session-tvf-test-%d", (int)getpid());
  mkdir(tmp, 0777);
  write_tmp_file("bids.csv", bids_csv);
  RUN(each_row_gets_its_whole_session_per_partition);
  RUN(without_partition_all_rows_share_sessions);
  RUN(top_n_dedup_and_aggregation_over_the_sessions);
  RUN(explain_names_the_partition);
  char cmd[320];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
