/*
 * test_sql_winsemi.c -- window semi and anti joins (src/sql/winjoin_semi.c): IN,
 * EXISTS, NOT IN and NOT EXISTS between two window TVFs correlated by window_start and
 * window_end run as Flink's WindowJoin of type LeftSemiJoin / LeftAntiJoin: each
 * window's rows are emitted once, append-only, when the watermark passes its end;
 * late rows are dropped; NOT IN is null-aware per window.  Other correlations and
 * different windows stay regular semi/anti joins, as Flink falls back.  Expected rows
 * are computed by hand (see the data below).
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_test.h"

/* One table read once by both sides (so one watermark, and the join runs on the
 * source's thread in a fixed order); watermark = row_time - 1 min after each row.
 * Minutes after 12:00, side, num, id:
 *   1 L 1 L1 | 2 R 1 R1 | 3 L 2 L2 | 1.5 L NULL L0 (out of order) | 4 R 3 R3 |
 *   2.5 R 2 R2 (out of order) | 6 L 5 L5 (wm 5: [0, 5) fires) | 7 R NULL RN |
 *   8 L 6 L6 | 6.5 L NULL LN | 4.5 L 3 Llate (late for windows ending at 5) |
 *   12 L 7 L7 (wm 11: [0, 10) and [5, 10) fire); the rest fires at the end of input. */
static const char *t_csv = "2020-04-15 12:01:00,L,1,L1\n"
                           "2020-04-15 12:02:00,R,1,R1\n"
                           "2020-04-15 12:03:00,L,2,L2\n"
                           "2020-04-15 12:01:30,L,,L0\n"
                           "2020-04-15 12:04:00,R,3,R3\n"
                           "2020-04-15 12:02:30,R,2,R2\n"
                           "2020-04-15 12:06:00,L,5,L5\n"
                           "2020-04-15 12:07:00,R,,RN\n"
                           "2020-04-15 12:08:00,L,6,L6\n"
                           "2020-04-15 12:06:30,L,,LN\n"
                           "2020-04-15 12:04:30,L,3,Llate\n"
                           "2020-04-15 12:12:00,L,7,L7\n";

/* The sides are views of T with their filter, so the join reads one scan of T (planner.c
 * shares a table's scan behind its CALCs) and, with chain-keyed, runs on its thread. */
#define T_DDL                                                                                                  \
  "SET 'strom.pipeline.chain-keyed' = 'true';\n"                                                               \
  "CREATE TABLE T (row_time TIMESTAMP(3), side STRING, num INT, id STRING,"                                    \
  " WATERMARK FOR row_time AS row_time - INTERVAL '1' MINUTE) WITH ('connector' = 'filesystem',"               \
  " 'path' = '${TMP}/t.csv', 'format' = 'csv', 'scan.watermark.emit.strategy' = 'on-event');\n"              \
  "CREATE VIEW LV AS SELECT * FROM T WHERE side = 'L';\n"                                                      \
  "CREATE VIEW RV AS SELECT * FROM T WHERE side = 'R';\n"

#define TUMBLE5(t) "TUMBLE(TABLE " t ", DESCRIPTOR(row_time), INTERVAL '5' MINUTES)"
#define HOP5_10(t) "HOP(TABLE " t ", DESCRIPTOR(row_time), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES)"
#define CUM5_10(t) "CUMULATE(TABLE " t ", DESCRIPTOR(row_time), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES)"

#define LEFT(w) "SELECT id, num, window_start, window_end FROM TABLE(" w("LV") ") L WHERE "
#define RIGHT(w) "TABLE(" w("RV") ") R WHERE "
#define SAME_WINDOW "L.window_start = R.window_start AND L.window_end = R.window_end"
#define Q_IN(w) LEFT(w) "L.num IN (SELECT num FROM " RIGHT(w) SAME_WINDOW ")"
#define Q_NOT_IN(w) LEFT(w) "L.num NOT IN (SELECT num FROM " RIGHT(w) SAME_WINDOW ")"
#define Q_EXISTS(w) LEFT(w) "EXISTS (SELECT * FROM " RIGHT(w) "L.num = R.num AND " SAME_WINDOW ")"
#define Q_NOT_EXISTS(w) LEFT(w) "NOT EXISTS (SELECT * FROM " RIGHT(w) "L.num = R.num AND " SAME_WINDOW ")"

#define AT(hm) "2020-04-15 " hm ":00.000"
#define W(s, e) AT(s) ", " AT(e) "]\n"

/* TUMBLE 5 min: [0, 5) L1 L2 L0 / R1 R3 R2; [5, 10) L5 L6 LN / RN; [10, 15) L7 / none.
 * Llate is late. */
TEST(tumble_in_and_exists) {
  const char *want = "+I[L1, 1, " W("12:00", "12:05") "+I[L2, 2, " W("12:00", "12:05");
  CHECK_ROWS(T_DDL Q_IN(TUMBLE5), true, want);
  CHECK_ROWS(T_DDL Q_EXISTS(TUMBLE5), true, want);
}

TEST(tumble_not_in_is_null_aware) {
  /* [0, 5): L0 is NULL and R is not empty: unknown, not emitted; [5, 10): RN is NULL, so
   * no row is NOT IN; [10, 15): no right rows, L7 is. */
  CHECK_ROWS(T_DDL Q_NOT_IN(TUMBLE5), false, "+I[L7, 7, " W("12:10", "12:15"));
}

TEST(tumble_not_exists_keeps_null_keys) {
  /* NULL = anything is not true: L0 and LN match nothing; L5 and L6 do not meet RN */
  CHECK_ROWS(T_DDL Q_NOT_EXISTS(TUMBLE5), true,
             "+I[L0, <NULL>, " W("12:00", "12:05")
             "+I[L5, 5, " W("12:05", "12:10")
             "+I[L6, 6, " W("12:05", "12:10")
             "+I[L7, 7, " W("12:10", "12:15")
             "+I[LN, <NULL>, " W("12:05", "12:10"));
}

/* HOP 5 / 10 min: [-5, 5) L1 L2 L0 / R1 R3 R2 (Llate late); [0, 10) L1 L2 L0 L5 L6 LN
 * Llate / R1 R3 R2 RN; [5, 15) L5 L6 LN L7 / RN; [10, 20) L7 / none. */
TEST(hop_windows) {
  CHECK_ROWS(T_DDL Q_IN(HOP5_10), true,
             "+I[L1, 1, " W("11:55", "12:05")
             "+I[L1, 1, " W("12:00", "12:10")
             "+I[L2, 2, " W("11:55", "12:05")
             "+I[L2, 2, " W("12:00", "12:10")
             "+I[Llate, 3, " W("12:00", "12:10"));
  CHECK_ROWS(T_DDL Q_NOT_EXISTS(HOP5_10), true,
             "+I[L0, <NULL>, " W("11:55", "12:05")
             "+I[L0, <NULL>, " W("12:00", "12:10")
             "+I[L5, 5, " W("12:00", "12:10")
             "+I[L5, 5, " W("12:05", "12:15")
             "+I[L6, 6, " W("12:00", "12:10")
             "+I[L6, 6, " W("12:05", "12:15")
             "+I[L7, 7, " W("12:05", "12:15")
             "+I[L7, 7, " W("12:10", "12:20")
             "+I[LN, <NULL>, " W("12:00", "12:10")
             "+I[LN, <NULL>, " W("12:05", "12:15"));
  CHECK_ROWS(T_DDL Q_NOT_IN(HOP5_10), true, "+I[L7, 7, " W("12:10", "12:20"));
}

/* CUMULATE 5 / 10 min: [0, 5) as TUMBLE's; [0, 10) as HOP's; [10, 15) and [10, 20) L7. */
TEST(cumulate_windows) {
  CHECK_ROWS(T_DDL Q_EXISTS(CUM5_10), true,
             "+I[L1, 1, " W("12:00", "12:05")
             "+I[L1, 1, " W("12:00", "12:10")
             "+I[L2, 2, " W("12:00", "12:05")
             "+I[L2, 2, " W("12:00", "12:10")
             "+I[Llate, 3, " W("12:00", "12:10"));
  CHECK_ROWS(T_DDL Q_NOT_IN(CUM5_10), true, "+I[L7, 7, " W("12:10", "12:15") "+I[L7, 7, " W("12:10", "12:20"));
}

TEST(two_terms_cascade) {
  /* IN keeps L1, L2 of [0, 5); then no right row of the window is above num + 1 for L2 only
   * (R3 = 3 > 1 + 1).  The semi join's rows reach the anti join before the watermark that
   * fired them: not late. */
  CHECK_ROWS(T_DDL Q_IN(TUMBLE5) " AND NOT EXISTS (SELECT * FROM TABLE(" TUMBLE5("RV") ") R2 WHERE R2.num > L.num + 1 "
                               "AND L.window_start = R2.window_start AND L.window_end = R2.window_end)",
             false, "+I[L2, 2, " W("12:00", "12:05"));
}

TEST(window_join_null_keys_match_nothing) {
  /* the inner and outer window joins filter NULL keys as Flink's (LN and RN do not meet) */
  CHECK_ROWS(T_DDL "SELECT L.id, R.id FROM TABLE(" TUMBLE5("LV") ") L JOIN TABLE(" TUMBLE5("RV") ") R ON L.num = R.num AND "
                   SAME_WINDOW,
             true, "+I[L1, R1]\n+I[L2, R2]\n");
  CHECK_ROWS(T_DDL "SELECT L.id, R.id FROM TABLE(" TUMBLE5("LV") ") L FULL JOIN TABLE(" TUMBLE5("RV") ") R ON L.num = R.num AND "
                   SAME_WINDOW,
             true,
             "+I[<NULL>, R3]\n+I[<NULL>, RN]\n+I[L0, <NULL>]\n+I[L1, R1]\n+I[L2, R2]\n+I[L5, <NULL>]\n+I[L6, <NULL>]\n"
             "+I[L7, <NULL>]\n+I[LN, <NULL>]\n");
}

static void check_explain(const char *query, const char *want, bool window) {
  char *out, err[1024];
  int rc = run(query, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  CHECK_INT(rc, 0);
  if (!strstr(out, want)) fprintf(stderr, "  plan:\n%s  expected: %s\n", out, want);
  CHECK(strstr(out, want) != NULL);
  CHECK((strstr(out, "WindowJoin(") != NULL) == window);
  CHECK((strstr(out, "[changelog]") != NULL) == (!window && strstr(want, "Anti") != NULL));
  free(out);
}

TEST(explain_shows_the_window_join) {
  check_explain(T_DDL "EXPLAIN " Q_IN(TUMBLE5), "WindowJoin(joinType=[LeftSemiJoin], leftKeys=[num, window_start, window_end]", true);
  check_explain(T_DDL "EXPLAIN " Q_EXISTS(HOP5_10), "WindowJoin(joinType=[LeftSemiJoin]", true);
  check_explain(T_DDL "EXPLAIN " Q_NOT_IN(TUMBLE5),
                "WindowJoin(joinType=[LeftAntiJoin], leftKeys=[window_start, window_end], rightKeys=[window_start, "
                "window_end], where=[",
                true);
  check_explain(T_DDL "EXPLAIN " Q_NOT_EXISTS(CUM5_10), "WindowJoin(joinType=[LeftAntiJoin]", true);
}

#define TUMBLE10(t) "TUMBLE(TABLE " t ", DESCRIPTOR(row_time), INTERVAL '10' MINUTES)"

TEST(other_correlations_stay_regular_joins) {
  /* different windows (Flink's WindowJoinUtil: a regular join) */
  check_explain(T_DDL "EXPLAIN " LEFT(TUMBLE5) "L.num NOT IN (SELECT num FROM " RIGHT(TUMBLE10) SAME_WINDOW ")",
                "Join(joinType=[LeftAntiJoin]", false);
  check_explain(T_DDL "EXPLAIN " LEFT(TUMBLE5) "L.num IN (SELECT num FROM " RIGHT(HOP5_10) SAME_WINDOW ")",
                "Join(joinType=[LeftSemiJoin]", false);
  /* window_start only */
  check_explain(T_DDL "EXPLAIN " LEFT(TUMBLE5) "L.num IN (SELECT num FROM " RIGHT(TUMBLE5) "L.window_start = R.window_start)",
                "Join(joinType=[LeftSemiJoin]", false);
  /* a right side without windows */
  check_explain(T_DDL "EXPLAIN " LEFT(TUMBLE5) "NOT EXISTS (SELECT * FROM RV R WHERE L.num = R.num AND "
                      "L.window_start = R.row_time AND L.window_end = R.row_time)",
                "Join(joinType=[LeftAntiJoin]", false);
  /* the regular anti join emits L1 before R1 arrives and retracts it after; the window one
   * emits final rows only (the tests above) */
  char *out, err[1024];
  CHECK_INT(run(T_DDL LEFT(TUMBLE5) "L.num NOT IN (SELECT num FROM " RIGHT(TUMBLE5) "L.window_start = R.window_start)",
                &out, err, sizeof err),
            0);
  CHECK(strstr(out, "| -D |") != NULL);
  free(out);
}

TEST(an_append_only_sink_takes_the_anti_join) {
  /* a regular anti join's retractions would be refused by the filesystem sink */
  char *out, err[1024];
  int rc = run(T_DDL "CREATE TABLE dst (id STRING, num INT, ws TIMESTAMP(3), we TIMESTAMP(3)) WITH ("
                     "'connector' = 'filesystem', 'path' = '${TMP}/dst', 'format' = 'csv');\n"
                     "INSERT INTO dst " Q_NOT_EXISTS(TUMBLE5) ";\n",
               &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  CHECK_INT(rc, 0);
  free(out);
  char *rows = slurp_tmp_dir("dst");
  CHECK_STR(rows, "L0,,2020-04-15 12:00:00.000,2020-04-15 12:05:00.000\n"
                  "L5,5,2020-04-15 12:05:00.000,2020-04-15 12:10:00.000\n"
                  "L6,6,2020-04-15 12:05:00.000,2020-04-15 12:10:00.000\n"
                  "L7,7,2020-04-15 12:10:00.000,2020-04-15 12:15:00.000\n"
                  "LN,,2020-04-15 12:05:00.000,2020-04-15 12:10:00.000\n");
  free(rows);
}

/* The docs' page (queries/window-join.md): no late rows, so batch mode gives the same rows. */
#define LR                                                                                              \
  "CREATE TABLE LeftTable (row_time TIMESTAMP(3), num INT, id STRING,"                                  \
  " WATERMARK FOR row_time AS row_time - INTERVAL '1' SECOND) WITH ('connector' = 'filesystem',"        \
  " 'path' = '${TMP}/left.csv', 'format' = 'csv');\n"                                                   \
  "CREATE TABLE RightTable (row_time TIMESTAMP(3), num INT, id STRING,"                                 \
  " WATERMARK FOR row_time AS row_time - INTERVAL '1' SECOND) WITH ('connector' = 'filesystem',"        \
  " 'path' = '${TMP}/right.csv', 'format' = 'csv');\n"
#define DOCS_L "SELECT id, num FROM (SELECT * FROM TABLE(TUMBLE(TABLE LeftTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))) L WHERE "
#define DOCS_R "(SELECT * FROM TABLE(TUMBLE(TABLE RightTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))) R WHERE "

TEST(batch_mode_gives_the_same_rows) {
  static const char *modes[] = {"", "SET 'execution.runtime-mode' = 'batch';\n"};
  char sql[4096];
  for (int m = 0; m < 2; m++) {
    snprintf(sql, sizeof sql, "%s" LR DOCS_L "L.num NOT IN (SELECT num FROM " DOCS_R SAME_WINDOW ")", modes[m]);
    CHECK_ROWS(sql, true, "+I[L1, 1]\n+I[L2, 2]\n");
    snprintf(sql, sizeof sql, "%s" LR DOCS_L "L.num IN (SELECT num FROM " DOCS_R SAME_WINDOW ")", modes[m]);
    CHECK_ROWS(sql, true, "+I[L3, 3]\n");
    snprintf(sql, sizeof sql, "%s" LR DOCS_L "NOT EXISTS (SELECT * FROM " DOCS_R "L.num = R.num AND " SAME_WINDOW ")",
             modes[m]);
    CHECK_ROWS(sql, true, "+I[L1, 1]\n+I[L2, 2]\n");
  }
  /* batch mode reads every row before the end-of-input watermark: no row is late (as Flink's
   * batch join), so Llate meets R3 */
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';\n" T_DDL Q_IN(TUMBLE5), true,
             "+I[L1, 1, " W("12:00", "12:05") "+I[L2, 2, " W("12:00", "12:05") "+I[Llate, 3, " W("12:00", "12:05"));
}

TEST(full_join_on_subquery_reading_both_sides_is_refused_as_flink) {
  /* Flink's planner leaves the subquery's correlation over both inputs in the plan and
   * fails; one side's columns only is a column of that side (subq_agg.c) */
  const char *t = "CREATE TABLE a (k INT, v INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1');\n"
                  "CREATE TABLE b (k INT, w INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1');\n"
                  "CREATE TABLE c (x INT, y INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1');\n";
  char sql[1024];
  snprintf(sql, sizeof sql, "%sEXPLAIN SELECT * FROM a FULL JOIN b ON a.k = b.k AND EXISTS (SELECT 1 FROM c WHERE c.x = a.v AND c.y = b.w)", t);
  CHECK_ERR(sql, "line 4, column 54: not supported: a subquery in the ON condition of a FULL join that reads both sides "
                 "(Flink cannot plan it either: its decorrelation leaves an unexpected correlate variable in the plan)");
  snprintf(sql, sizeof sql, "%sEXPLAIN SELECT * FROM a FULL JOIN b ON a.k = b.k AND a.v + b.w IN (SELECT x FROM c)", t);
  CHECK_ERR(sql, "not supported: a subquery in the ON condition of a FULL join that reads both sides");
  snprintf(sql, sizeof sql, "%sEXPLAIN SELECT * FROM a FULL JOIN b ON a.k = b.k AND a.v IN (SELECT x FROM c)", t);
  CHECK_OUT(sql, "FullOuterJoin");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-winsemi-%d", (int)getpid());
  mkdir(tmp, 0777);
  write_tmp_file("t.csv", t_csv);
  write_tmp_file("left.csv", "2020-04-15 12:02:00,1,L1\n2020-04-15 12:06:00,2,L2\n2020-04-15 12:03:00,3,L3\n");
  write_tmp_file("right.csv", "2020-04-15 12:01:00,2,R2\n2020-04-15 12:04:00,3,R3\n2020-04-15 12:05:00,4,R4\n");
  RUN(tumble_in_and_exists);
  RUN(tumble_not_in_is_null_aware);
  RUN(tumble_not_exists_keeps_null_keys);
  RUN(hop_windows);
  RUN(cumulate_windows);
  RUN(two_terms_cascade);
  RUN(window_join_null_keys_match_nothing);
  RUN(explain_shows_the_window_join);
  RUN(other_correlations_stay_regular_joins);
  RUN(an_append_only_sink_takes_the_anti_join);
  RUN(batch_mode_gives_the_same_rows);
  RUN(full_join_on_subquery_reading_both_sides_is_refused_as_flink);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) return 1;
  TEST_MAIN_END();
}
