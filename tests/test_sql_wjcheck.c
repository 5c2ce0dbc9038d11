/*
 * test_sql_wjcheck.c -- window joins Flink plans as regular joins, and window TVFs over
 * a table read twice (src/sql/winjoin_check.c, planner.c's scan_stream): an inner or
 * outer join on window_start and window_end of inputs with different windows (kind,
 * size, slide, offset) is a regular join, as Flink's WindowJoinUtil decides; the same
 * windows stay a WindowJoin; and two window TVFs over one table read it through one
 * source, so which rows are late no longer depends on thread timing.  Expected rows
 * are computed by hand (see the data below).
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_test.h"

/* row_time (minutes after 12:00), num, id; watermark = row_time - 1 min after each row:
 *   1 1 A | 2 2 B | 6 3 C (wm 5: TUMBLE [0, 5) fires) | 3 2 D (late for windows ending
 *   at 5) | 8 1 E | 12 3 F (wm 11: [5, 10) fires); the rest fires at the end of input. */
static const char *t_csv = "2020-04-15 12:01:00,1,A\n"
                           "2020-04-15 12:02:00,2,B\n"
                           "2020-04-15 12:06:00,3,C\n"
                           "2020-04-15 12:03:00,2,D\n"
                           "2020-04-15 12:08:00,1,E\n"
                           "2020-04-15 12:12:00,3,F\n";

/* T is read by both sides of each join directly (a window TVF over the table itself). */
#define T_DDL                                                                                                  \
  "SET 'strom.pipeline.chain-keyed' = 'true';\n"                                                               \
  "CREATE TABLE T (row_time TIMESTAMP(3), num INT, id STRING,"                                                 \
  " WATERMARK FOR row_time AS row_time - INTERVAL '1' MINUTE) WITH ('connector' = 'filesystem',"               \
  " 'path' = '${TMP}/t.csv', 'format' = 'csv', 'scan.watermark.emit.strategy' = 'on-event');\n"

#define TUMBLE5 "TUMBLE(TABLE T, DESCRIPTOR(row_time), INTERVAL '5' MINUTES)"
#define TUMBLE5_OFF1 "TUMBLE(TABLE T, DESCRIPTOR(row_time), INTERVAL '5' MINUTES, INTERVAL '1' MINUTES)"
#define TUMBLE10 "TUMBLE(TABLE T, DESCRIPTOR(row_time), INTERVAL '10' MINUTES)"
#define HOP5_10 "HOP(TABLE T, DESCRIPTOR(row_time), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES)"
#define CUM5_10 "CUMULATE(TABLE T, DESCRIPTOR(row_time), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES)"

#define JOIN(kind, l, r)                                                                                       \
  "SELECT L.id, R.id, L.window_start, L.window_end FROM TABLE(" l ") L " kind " JOIN TABLE(" r ") R"          \
  " ON L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end"

#define AT(hm) "2020-04-15 " hm ":00.000"
#define W(s, e) AT(s) ", " AT(e) "]\n"

static void check_explain(const char *query, const char *want, bool window) {
  char *out, err[1024];
  int rc = run(query, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  CHECK_INT(rc, 0);
  if (!strstr(out, want) || (strstr(out, "WindowJoin(") != NULL) != window)
    fprintf(stderr, "  plan:\n%s  expected: %s (window join: %d)\n", out, want, window);
  CHECK(strstr(out, want) != NULL);
  CHECK((strstr(out, "WindowJoin(") != NULL) == window);
  free(out);
}

TEST(different_windows_are_regular_joins) {
  check_explain(T_DDL "EXPLAIN " JOIN("", TUMBLE5, TUMBLE10), "Join(joinType=[InnerJoin]", false);
  check_explain(T_DDL "EXPLAIN " JOIN("", TUMBLE5, TUMBLE5_OFF1), "Join(joinType=[InnerJoin]", false);
  check_explain(T_DDL "EXPLAIN " JOIN("LEFT", TUMBLE10, HOP5_10), "Join(joinType=[LeftOuterJoin]", false);
  check_explain(T_DDL "EXPLAIN " JOIN("FULL", HOP5_10, CUM5_10), "Join(joinType=[FullOuterJoin]", false);
}

TEST(same_windows_stay_window_joins) {
  check_explain(T_DDL "EXPLAIN " JOIN("", TUMBLE5, TUMBLE5), "WindowJoin(joinType=[InnerJoin]", true);
  check_explain(T_DDL "EXPLAIN " JOIN("", TUMBLE5_OFF1, TUMBLE5_OFF1), "WindowJoin(joinType=[InnerJoin]", true);
  check_explain(T_DDL "EXPLAIN " JOIN("RIGHT", HOP5_10, HOP5_10), "WindowJoin(joinType=[RightOuterJoin]", true);
  check_explain(T_DDL "EXPLAIN " JOIN("FULL", CUM5_10, CUM5_10), "WindowJoin(joinType=[FullOuterJoin]", true);
}

TEST(a_regular_join_of_different_windows_keeps_every_match) {
  /* TUMBLE 10: A B C D E in [0, 10), F in [10, 20).  HOP 5/10: A B D in [-5, 5) and
   * [0, 10); C E in [0, 10) and [5, 15); F in [5, 15) and [10, 20).  Equal windows and
   * nums: [0, 10) num 1: A E x A E; num 2: B D x B D; num 3: C x C; [10, 20) num 3: F x F. */
  CHECK_ROWS(T_DDL JOIN("", TUMBLE10, HOP5_10), true,
             "+I[A, A, " W("12:00", "12:10") "+I[A, E, " W("12:00", "12:10") "+I[B, B, " W("12:00", "12:10")
             "+I[B, D, " W("12:00", "12:10") "+I[C, C, " W("12:00", "12:10") "+I[D, B, " W("12:00", "12:10")
             "+I[D, D, " W("12:00", "12:10") "+I[E, A, " W("12:00", "12:10") "+I[E, E, " W("12:00", "12:10")
             "+I[F, F, " W("12:10", "12:20"));
  /* TUMBLE 5 and CUMULATE 5/10 share [0, 5) (A B D both sides) and [10, 15) (F).  D is
   * late for [0, 5) (the watermark passed 12:05 before it), which a window join would
   * drop; the regular join keeps it: B D x B D. */
  CHECK_ROWS(T_DDL JOIN("", TUMBLE5, CUM5_10), true,
             "+I[A, A, " W("12:00", "12:05") "+I[B, B, " W("12:00", "12:05") "+I[B, D, " W("12:00", "12:05")
             "+I[D, B, " W("12:00", "12:05") "+I[D, D, " W("12:00", "12:05") "+I[F, F, " W("12:10", "12:15"));
}

TEST(a_window_join_of_one_table_read_twice_is_deterministic) {
  /* TUMBLE 5: [0, 5) A B (D is late on both sides: one source, one watermark order);
   * [5, 10) C E; [10, 15) F.  Each row meets itself only (nums differ within a window). */
  const char *want = "+I[A, A, " W("12:00", "12:05") "+I[B, B, " W("12:00", "12:05") "+I[C, C, " W("12:05", "12:10")
                     "+I[E, E, " W("12:05", "12:10") "+I[F, F, " W("12:10", "12:15");
  for (int i = 0; i < 20; i++) CHECK_ROWS(T_DDL JOIN("", TUMBLE5, TUMBLE5), true, want);
  /* the FULL join pads nothing: every row met itself */
  CHECK_ROWS(T_DDL JOIN("FULL", TUMBLE5, TUMBLE5), true, want);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-wjcheck-%d", (int)getpid());
  mkdir(tmp, 0777);
  write_tmp_file("t.csv", t_csv);
  RUN(different_windows_are_regular_joins);
  RUN(same_windows_stay_window_joins);
  RUN(a_regular_join_of_different_windows_keeps_every_match);
  RUN(a_window_join_of_one_table_read_twice_is_deterministic);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) return 1;
  TEST_MAIN_END();
}
