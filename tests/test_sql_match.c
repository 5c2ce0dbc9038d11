/*
 * test_sql_match.c -- MATCH_RECOGNIZE end to end (match_*.c): Flink's ticker example,
 * quantifiers greedy and reluctant, each AFTER MATCH SKIP mode, FIRST / LAST and
 * aggregates in DEFINE and MEASURES, WITHIN, out-of-order and late rows in event time,
 * processing time, MATCH_ROWTIME() feeding a TUMBLE window, EXPLAIN's Match node, the
 * refusals with their line and column, and a job killed with SIGKILL and resumed.
 * Every expected row is worked out by hand in the comments, following Flink's CEP NFA
 * (strict contiguity; a greedy variable does not hand a row on that it can take itself).
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sql_proc_test.h"
#include "sql_test.h"

/* a table of ids and values over a csv file, ts in seconds of 2020-01-01 00:00 */
#define DDL(file)                                                                                                   \
  "CREATE TABLE ev (id INT, k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) "    \
  "WITH ('connector' = 'filesystem', 'path' = '${TMP}/" file "', 'format' = 'csv', "                             \
  "'scan.watermark.emit.strategy' = 'on-event');\n"

/* Flink's documentation example: one V-shaped price movement of ACME */
static const char *ticker_csv = "ACME,2011-04-01 10:00:00,12,1\nACME,2011-04-01 10:00:01,17,2\n"
                                "ACME,2011-04-01 10:00:02,19,1\nACME,2011-04-01 10:00:03,21,3\n"
                                "ACME,2011-04-01 10:00:04,25,2\nACME,2011-04-01 10:00:05,18,1\n"
                                "ACME,2011-04-01 10:00:06,15,1\nACME,2011-04-01 10:00:07,14,2\n"
                                "ACME,2011-04-01 10:00:08,24,2\nACME,2011-04-01 10:00:09,25,2\n"
                                "ACME,2011-04-01 10:00:10,19,1\n";

#define TICKER_DDL                                                                                                 \
  "CREATE TABLE Ticker (symbol STRING, rowtime TIMESTAMP(3), price INT, tax INT, "                                 \
  "WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND) "                                                       \
  "WITH ('connector' = 'filesystem', 'path' = '${TMP}/ticker.csv', 'format' = 'csv');\n"

#define TICKER_Q                                                                                                   \
  "SELECT * FROM Ticker MATCH_RECOGNIZE (\n"                                                                       \
  "  PARTITION BY symbol ORDER BY rowtime\n"                                                                       \
  "  MEASURES START_ROW.rowtime AS start_tstamp, LAST(PRICE_DOWN.rowtime) AS bottom_tstamp,\n"                     \
  "           LAST(PRICE_UP.rowtime) AS end_tstamp\n"                                                              \
  "  ONE ROW PER MATCH AFTER MATCH SKIP TO LAST PRICE_UP\n"                                                        \
  "  PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)\n"                                                                   \
  "  DEFINE PRICE_DOWN AS (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price)\n"           \
  "             OR PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),\n"                                                \
  "         PRICE_UP AS PRICE_UP.price > LAST(PRICE_DOWN.price, 1)) MR"

TEST(ticker_example_of_the_flink_docs) {
  /* 25 (10:00:04) falls to 18, 15, 14 and rises to 24 (> 15, the price down before the last):
   * a match.  The one starting at 18 (10:00:05) ends on the same row and is skipped
   * (SKIP TO LAST PRICE_UP prunes what starts before 10:00:08); 25, 19 at the end fall
   * without rising again. */
  CHECK_ROWS(TICKER_DDL TICKER_Q ";", false,
             "+I[ACME, 2011-04-01 10:00:04.000, 2011-04-01 10:00:07.000, 2011-04-01 10:00:08.000]\n");
  /* the same in batch mode (the watermark jumps to the end: every row in time order) */
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';\n" TICKER_DDL TICKER_Q ";", false,
             "+I[ACME, 2011-04-01 10:00:04.000, 2011-04-01 10:00:07.000, 2011-04-01 10:00:08.000]\n");
}

/* ids 1..5, v = 1 1 1 2 1, one second apart */
static const char *q_csv = "1,a,1,2020-01-01 00:00:01\n2,a,1,2020-01-01 00:00:02\n3,a,1,2020-01-01 00:00:03\n"
                           "4,a,2,2020-01-01 00:00:04\n5,a,1,2020-01-01 00:00:05\n";

#define QM(skip, pat)                                                                                              \
  DDL("q.csv") "SELECT * FROM ev MATCH_RECOGNIZE (PARTITION BY k ORDER BY ts "                                     \
               "MEASURES FIRST(A.id) AS fa, LAST(A.id) AS la, B.id AS b " skip " PATTERN (" pat ") "               \
               "DEFINE A AS A.v = 1) AS m"

TEST(greedy_and_reluctant_quantifiers) {
  /* A+ greedy: A keeps every v = 1 row, so B (any row) can only be 4; each of 1, 2, 3
   * starts a match ending at 4 (SKIP TO NEXT ROW, the default, keeps them all) */
  CHECK_ROWS(QM("", "A+ B"), false, "+I[a, 1, 3, 4]\n+I[a, 2, 3, 4]\n+I[a, 3, 3, 4]\n");
  CHECK_ROWS(QM("AFTER MATCH SKIP PAST LAST ROW", "A+ B"), false, "+I[a, 1, 3, 4]\n");
  /* reluctant: B takes the first row it can (2), the next match starts after it: 3 then B=4 */
  CHECK_ROWS(QM("AFTER MATCH SKIP PAST LAST ROW", "A+? B"), false, "+I[a, 1, 1, 2]\n+I[a, 3, 3, 4]\n");
  /* {2}: exactly two A rows */
  CHECK_ROWS(QM("AFTER MATCH SKIP PAST LAST ROW", "A{2} B"), false, "+I[a, 1, 2, 3]\n");
  /* {1,2} greedy: B may not take a row A's condition holds for, even once A has two rows
   * (Flink guards the next state with NOT A's condition), so the match from 1 dies at 3;
   * from 2: A=2,3 B=4.  {1,2}? is reluctant: one A row */
  CHECK_ROWS(QM("AFTER MATCH SKIP PAST LAST ROW", "A{1,2} B"), false, "+I[a, 2, 3, 4]\n");
  CHECK_ROWS(QM("AFTER MATCH SKIP PAST LAST ROW", "A{1,2}? B"), false, "+I[a, 1, 1, 2]\n+I[a, 3, 3, 4]\n");
  /* {2,} at least two: 1-3 with B=4; 2-3 with B=4; 3 alone is too few */
  CHECK_ROWS(QM("", "A{2,} B"), false, "+I[a, 1, 3, 4]\n+I[a, 2, 3, 4]\n");
  /* A*: row 4 (v = 2) matches with no A row at all */
  CHECK_ROWS(QM("", "A* B"), false, "+I[a, 1, 3, 4]\n+I[a, 2, 3, 4]\n+I[a, 3, 3, 4]\n+I[a, <NULL>, <NULL>, 4]\n");
  /* {,2}: at most two A rows, greedy and guarded as {1,2}: from 1 it dies at 3 (A is full,
   * B may not take a v = 1 row); 2-3 B=4, 3 B=4, no A B=4 */
  CHECK_ROWS(QM("", "A{,2} B"), false, "+I[a, 2, 3, 4]\n+I[a, 3, 3, 4]\n+I[a, <NULL>, <NULL>, 4]\n");
  /* A? is a plain optional in Flink (not greedy): both ways are tried.  B (v = 2) is row 4:
   * from 3 with A=3, from 4 without A; from 1 and 2 nothing (B cannot follow) */
  CHECK_ROWS(DDL("q.csv") "SELECT * FROM ev MATCH_RECOGNIZE (ORDER BY ts MEASURES A.id AS a, B.id AS b"
                          " PATTERN (A? B) DEFINE A AS A.v = 1, B AS B.v = 2)",
             false, "+I[3, 4]\n+I[<NULL>, 4]\n");
  /* a group without a quantifier is its variables in place */
  CHECK_ROWS(QM("AFTER MATCH SKIP PAST LAST ROW", "(A+) (B)"), false, "+I[a, 1, 3, 4]\n");
}

/* ids 1..6, any rows */
static const char *s_csv = "1,a,1,2020-01-01 00:00:01\n2,a,1,2020-01-01 00:00:02\n3,a,1,2020-01-01 00:00:03\n"
                           "4,a,1,2020-01-01 00:00:04\n5,a,1,2020-01-01 00:00:05\n6,a,1,2020-01-01 00:00:06\n";

#define SK(skip)                                                                                                   \
  DDL("s.csv") "SELECT a, c FROM ev MATCH_RECOGNIZE (ORDER BY ts MEASURES A.id AS a, C.id AS c " skip              \
               " PATTERN (A B{2} C) DEFINE A AS A.v > 0)"

TEST(after_match_skip_modes) {
  /* A B B C over 6 rows: matches could start at 1, 2, 3 (ending 4, 5, 6) */
  CHECK_ROWS(SK(""), false, "+I[1, 4]\n+I[2, 5]\n+I[3, 6]\n");
  CHECK_ROWS(SK("AFTER MATCH SKIP TO NEXT ROW"), false, "+I[1, 4]\n+I[2, 5]\n+I[3, 6]\n");
  /* past the last row (4): 5, 6 are too few for another */
  CHECK_ROWS(SK("AFTER MATCH SKIP PAST LAST ROW"), false, "+I[1, 4]\n");
  /* to the first B (2): the match from 2 stays, then from 3 (its first B is 3) */
  CHECK_ROWS(SK("AFTER MATCH SKIP TO FIRST B"), false, "+I[1, 4]\n+I[2, 5]\n+I[3, 6]\n");
  /* to the last B (3): the match from 2 is pruned, the one from 3 stays */
  CHECK_ROWS(SK("AFTER MATCH SKIP TO LAST B"), false, "+I[1, 4]\n+I[3, 6]\n");
  /* a skip variable without a row in the match fails the job, as in Flink */
  CHECK_ERR(DDL("s.csv") "SELECT * FROM ev MATCH_RECOGNIZE (ORDER BY ts MEASURES A.id AS a AFTER MATCH SKIP TO FIRST B"
                         " PATTERN (A B*? C) DEFINE A AS A.v > 0)",
            "Could not skip to B. No such element in the found match");
  /* to C (4): only matches starting at 4 or later, too few rows */
  CHECK_ROWS(SK("AFTER MATCH SKIP TO LAST C"), false, "+I[1, 4]\n");
}

/* v = 5 6 8 7 9 10 4: up 6, 8, down 7; from 9 up 10, down 4 */
static const char *n_csv = "1,a,5,2020-01-01 00:00:01\n2,a,6,2020-01-01 00:00:02\n3,a,8,2020-01-01 00:00:03\n"
                           "4,a,7,2020-01-01 00:00:04\n5,a,9,2020-01-01 00:00:05\n6,a,10,2020-01-01 00:00:06\n"
                           "7,a,4,2020-01-01 00:00:07\n"
                           "8,b,3,2020-01-01 00:00:08\n9,b,4,2020-01-01 00:00:09\n10,b,2,2020-01-01 00:00:10\n";

TEST(prev_first_last_and_aggregates) {
  /* a: S=1, UP=2,3 (6, 8), DOWN=4; S=5, UP=6 (10), DOWN=7.  b: S=8, UP=9 (4), DOWN=10.
   * LAST(UP.v, 1) of the first UP row is NULL (no UP row before it): S's value instead. */
  CHECK_ROWS(DDL("n.csv") "SELECT * FROM ev MATCH_RECOGNIZE (PARTITION BY k ORDER BY ts\n"
                          " MEASURES S.id AS s, LAST(UP.id) AS top, DOWN.id AS d, SUM(UP.v) AS su, COUNT(UP.v) AS n,\n"
                          "  AVG(UP.v) AS av, FIRST(UP.v) AS f, LAST(UP.v, 1) AS l1, MAX(v) AS mx, COUNT(*) AS c\n"
                          " AFTER MATCH SKIP PAST LAST ROW PATTERN (S UP+ DOWN)\n"
                          " DEFINE UP AS UP.v > COALESCE(LAST(UP.v, 1), S.v), DOWN AS DOWN.v < LAST(UP.v))",
             true,
             "+I[a, 1, 3, 4, 14, 2, 7, 6, 6, 8, 4]\n"
             "+I[a, 5, 6, 7, 10, 1, 10, 10, <NULL>, 10, 3]\n"
             "+I[b, 8, 9, 10, 4, 1, 4, 4, <NULL>, 4, 3]\n");
  /* a running SUM in DEFINE: A takes rows while their sum stays <= 10 (3 4 2 = 9; + 5 no) */
  write_tmp_file("g.csv", "1,a,3,2020-01-01 00:00:01\n2,a,4,2020-01-01 00:00:02\n3,a,2,2020-01-01 00:00:03\n"
                          "4,a,5,2020-01-01 00:00:04\n5,a,1,2020-01-01 00:00:05\n");
  CHECK_ROWS(DDL("g.csv") "SELECT * FROM ev MATCH_RECOGNIZE (ORDER BY ts MEASURES FIRST(A.id) AS fa, LAST(A.id) AS la,"
                          " SUM(A.v) AS s, B.id AS b, AVG(A.v * 2) AS av2 AFTER MATCH SKIP PAST LAST ROW"
                          " PATTERN (A+ B) DEFINE A AS SUM(A.v) <= 10)",
             false, "+I[1, 3, 9, 4, 6]\n");
  /* FIRST / LAST with an offset and a column of another variable in DEFINE: B rows above
   * A's value; C below the first B (A=1 v3; B=2,3 v4 v5; C=4 v2 < 4) */
  CHECK_ROWS(DDL("g.csv") "SELECT * FROM ev MATCH_RECOGNIZE (ORDER BY ts MEASURES A.id AS a, FIRST(B.id) AS fb,"
                          " LAST(B.id) AS lb, C.id AS c AFTER MATCH SKIP PAST LAST ROW PATTERN (A B+ C)"
                          " DEFINE B AS B.v > A.v, C AS C.v < FIRST(B.v) AND LAST(B.v, 1) IS NULL)",
             false, "+I[1, 2, 2, 3]\n");
}

TEST(within_drops_old_partial_matches) {
  /* A (v=1) then B (v=2): 1 -> 2 is 3 s apart, 3 -> 4 one second */
  write_tmp_file("w.csv", "1,a,1,2020-01-01 00:00:01\n2,a,2,2020-01-01 00:00:04\n3,a,1,2020-01-01 00:00:05\n"
                          "4,a,2,2020-01-01 00:00:06\n");
#define WQ(w) DDL("w.csv") "SELECT * FROM ev MATCH_RECOGNIZE (ORDER BY ts MEASURES A.id AS a, B.id AS b PATTERN (A B) " w \
                           " DEFINE A AS A.v = 1, B AS B.v = 2)"
  CHECK_ROWS(WQ(""), false, "+I[1, 2]\n+I[3, 4]\n");
  CHECK_ROWS(WQ("WITHIN INTERVAL '2' SECOND"), false, "+I[3, 4]\n");
  CHECK_ROWS(WQ("WITHIN INTERVAL '3' SECOND"), false, "+I[3, 4]\n"); /* 4 s - 1 s >= 3 s: timed out */
  CHECK_ROWS(WQ("WITHIN INTERVAL '4' SECOND"), false, "+I[1, 2]\n+I[3, 4]\n");
}

TEST(out_of_order_and_late_rows_in_event_time) {
  /* arrival: 1@1 3@3 2@2 (not late: watermark 1) 4@6 (watermark 4) 5@2 (late, dropped)
   * 6@7 7@8: in time order 1 2 3 4 6 7 */
  write_tmp_file("o.csv", "1,a,1,2020-01-01 00:00:01\n3,a,1,2020-01-01 00:00:03\n2,a,1,2020-01-01 00:00:02\n"
                          "4,a,1,2020-01-01 00:00:06\n5,a,1,2020-01-01 00:00:02\n6,a,1,2020-01-01 00:00:07\n"
                          "7,a,1,2020-01-01 00:00:08\n");
  CHECK_ROWS(DDL("o.csv") "SELECT * FROM ev MATCH_RECOGNIZE (ORDER BY ts MEASURES A.id AS a, B.id AS b, C.id AS c,"
                          " MATCH_ROWTIME() AS t AFTER MATCH SKIP PAST LAST ROW PATTERN (A B C) DEFINE A AS TRUE)",
             false, "+I[1, 2, 3, 2020-01-01 00:00:03.000]\n+I[4, 6, 7, 2020-01-01 00:00:08.000]\n");
  /* a further ORDER BY key orders rows of one timestamp (id DESC) */
  write_tmp_file("t.csv", "1,a,1,2020-01-01 00:00:01\n2,a,1,2020-01-01 00:00:01\n3,a,1,2020-01-01 00:00:01\n");
  CHECK_ROWS(DDL("t.csv") "SELECT * FROM ev MATCH_RECOGNIZE (ORDER BY ts, id DESC MEASURES A.id AS a, B.id AS b"
                          " AFTER MATCH SKIP PAST LAST ROW PATTERN (A B) DEFINE A AS TRUE)",
             false, "+I[3, 2]\n");
}

TEST(match_rowtime_feeds_a_tumble_window) {
  /* A B C over 1..6 s and 11..13 s: matches end at 3 s, 6 s and 13 s */
  write_tmp_file("r.csv", "1,a,1,2020-01-01 00:00:01\n2,a,1,2020-01-01 00:00:02\n3,a,1,2020-01-01 00:00:03\n"
                          "4,a,1,2020-01-01 00:00:04\n5,a,1,2020-01-01 00:00:05\n6,a,1,2020-01-01 00:00:06\n"
                          "7,a,1,2020-01-01 00:00:11\n8,a,1,2020-01-01 00:00:12\n9,a,1,2020-01-01 00:00:13\n");
  CHECK_ROWS(DDL("r.csv") "CREATE VIEW m AS SELECT * FROM ev MATCH_RECOGNIZE (PARTITION BY k ORDER BY ts"
                          " MEASURES A.id AS a, MATCH_ROWTIME() AS mt AFTER MATCH SKIP PAST LAST ROW PATTERN (A B C)"
                          " DEFINE A AS TRUE);\n"
                          "SELECT window_start, COUNT(*), MIN(a) FROM TABLE(TUMBLE(TABLE m, DESCRIPTOR(mt), INTERVAL '10' SECOND))"
                          " GROUP BY window_start, window_end;",
             false, "+I[2020-01-01 00:00:00.000, 2, 1]\n+I[2020-01-01 00:00:10.000, 1, 7]\n");
}

TEST(processing_time) {
  /* rows matched in arrival order as they come */
  write_tmp_file("p.csv", "1,a,1\n2,b,1\n3,a,2\n4,a,1\n5,b,2\n6,a,2\n");
  CHECK_ROWS("SET 'parallelism.default' = '1';\n"
             "CREATE TABLE pe (id INT, k STRING, v INT, pt AS PROCTIME()) "
             "WITH ('connector' = 'filesystem', 'path' = '${TMP}/p.csv', 'format' = 'csv');\n"
             "SELECT k, a, b FROM pe MATCH_RECOGNIZE (PARTITION BY k ORDER BY pt MEASURES A.id AS a, B.id AS b"
             " PATTERN (A B) DEFINE A AS A.v = 1, B AS B.v = 2)",
             true, "+I[a, 1, 3]\n+I[a, 4, 6]\n+I[b, 2, 5]\n");
}

TEST(explain_shows_the_match_node) {
  CHECK_OUT(TICKER_DDL "EXPLAIN " TICKER_Q,
            "Match(partitionBy=[symbol], orderBy=[rowtime ASC], measures=[`START_ROW`.`rowtime` AS start_tstamp");
  CHECK_OUT(TICKER_DDL "EXPLAIN " TICKER_Q,
            "rowsPerMatch=[ONE ROW PER MATCH], after=[SKIP TO LAST PRICE_UP], pattern=[(START_ROW PRICE_DOWN+ PRICE_UP)]");
}

/* One key, one partial match over 20 000 rows: A (v=1), 19 998 B (v=2), C (v=3), each
 * row 1 ms after the one before.  A row's cost does not grow with the partial match
 * (rows in map state by sequence number, the partial as its runs), so this runs in well
 * under a second where it took half a minute when each row rewrote the key's state. */
TEST(a_long_partial_match_of_20000_rows) {
  enum { N = 20000 };
  size_t cap = (size_t)N * 40, len = 0;
  char *csv = malloc(cap);
  CHECK(csv != NULL);
  if (!csv) return;
  for (int i = 1; i <= N; i++) {
    int s = i / 1000;
    len += (size_t)snprintf(csv + len, cap - len, "%d,a,%d,2020-01-01 00:%02d:%02d.%03d\n", i,
                            i == 1 ? 1 : i == N ? 3 : 2, s / 60, s % 60, i % 1000);
  }
  write_tmp_file("long.csv", csv);
  free(csv);
#define LONGQ(ddl)                                                                                                 \
  ddl "SELECT * FROM ev MATCH_RECOGNIZE (PARTITION BY k ORDER BY " #ddl " MEASURES A.id AS a, COUNT(B.id) AS nb,"   \
      " FIRST(B.id, 1) AS b2, LAST(B.id) AS lb, SUM(B.v) AS sb, C.id AS c PATTERN (A B* C)"                        \
      " DEFINE A AS A.v = 1, B AS B.v = 2 AND B.v >= COALESCE(LAST(B.v, 1), A.v), C AS C.v = 3 AND C.v > A.v)"
  /* A = 1; B = 2..19999 (19 998 rows, the second is 3, their v sum 39 996); C = 20000 */
  const char *want = "+I[a, 1, 19998, 3, 19999, 39996, 20000]\n";
#define ts DDL("long.csv")
  CHECK_ROWS(LONGQ(ts), false, want);
#undef ts
#define pt "SET 'parallelism.default' = '1';\nCREATE TABLE ev (id INT, k STRING, v INT, ts TIMESTAMP(3), pt AS PROCTIME()) " \
           "WITH ('connector' = 'filesystem', 'path' = '${TMP}/long.csv', 'format' = 'csv');\n"
  CHECK_ROWS(LONGQ(pt), false, want);
#undef pt
#undef LONGQ
}

/* WITHIN in event time has a timer of its own: key a's partial match from 1 (A, v=1;
 * B = 2 (5 > 1), 3 (3 > 1)) holds back the completed match 2 3 (A v=5, C v=3 < 5, a
 * later start); at 6 s it times out, and the watermark passing 6 s (key b's row at 20 s)
 * drops it (nothing emitted for it, as Flink SQL) and emits the held match, though key a
 * gets no further row.  Without WITHIN the partial match from 1 lives on and nothing
 * comes out. */
TEST(within_times_out_at_the_watermark) {
  write_tmp_file("wt.csv", "1,a,1,2020-01-01 00:00:01\n2,a,5,2020-01-01 00:00:02\n3,a,3,2020-01-01 00:00:03\n"
                           "4,b,9,2020-01-01 00:00:20\n");
#define WT(file, w)                                                                                                \
  DDL(file) "SELECT * FROM ev MATCH_RECOGNIZE (PARTITION BY k ORDER BY ts MEASURES A.id AS a, C.id AS c"         \
            " AFTER MATCH SKIP PAST LAST ROW PATTERN (A B* C) " w                                                 \
            " DEFINE B AS B.v > A.v, C AS C.v < A.v)"
  CHECK_ROWS(WT("wt.csv", "WITHIN INTERVAL '5' SECOND"), false, "+I[a, 2, 3]\n");
  CHECK_ROWS(WT("wt.csv", ""), false, "");
  /* a row of key a at 30 s (v=0 < 1) would end the match from 1 as its C had it not
   * timed out; it is only a fresh start */
  write_tmp_file("wt2.csv", "1,a,1,2020-01-01 00:00:01\n2,a,5,2020-01-01 00:00:02\n3,a,3,2020-01-01 00:00:03\n"
                            "4,b,9,2020-01-01 00:00:20\n5,a,0,2020-01-01 00:00:30\n");
  CHECK_ROWS(WT("wt2.csv", "WITHIN INTERVAL '5' SECOND"), false, "+I[a, 2, 3]\n");
  CHECK_ROWS(WT("wt2.csv", ""), false, "+I[a, 1, 5]\n");
#undef WT
}

#define MR(body) DDL("q.csv") "SELECT * FROM ev MATCH_RECOGNIZE (\nORDER BY ts " body ")"

TEST(refusals_name_what_and_where) {
  CHECK_ERR(MR("PATTERN (A | B) DEFINE A AS TRUE"), "line 3, column 24: not supported: alternation | in MATCH_RECOGNIZE");
  CHECK_ERR(MR("ALL ROWS PER MATCH PATTERN (A B) DEFINE A AS TRUE"), "line 3, column 13: not supported: ALL ROWS PER MATCH");
  CHECK_ERR(MR("PATTERN (PERMUTE(A, B)) DEFINE A AS TRUE"), "line 3, column 22: not supported: PERMUTE");
  CHECK_ERR(MR("PATTERN (A (B C)+) DEFINE A AS TRUE"), "line 3, column 29: not supported: a quantifier on a pattern group");
  CHECK_ERR(MR("PATTERN (A {- B -} C) DEFINE A AS TRUE"), "line 3, column 24: not supported: pattern exclusion");
  CHECK_ERR(MR("PATTERN (A B+) DEFINE A AS TRUE"), "line 3, column 25: Greedy quantifiers are not allowed as the last element");
  CHECK_ERR(MR("PATTERN (A B?? C) DEFINE A AS TRUE"), "line 3, column 25: not supported: a reluctant optional variable");
  CHECK_ERR(MR("PATTERN (A B) DEFINE A AS NEXT(A.v) > 1"), "line 3, column 39: not supported: NEXT");
  /* Flink refuses PREV but with offset 0 (physical offsets), PREV(A.v) too (offset 1) */
  CHECK_ERR(MR("PATTERN (A B) DEFINE A AS PREV(A.v) > 1"),
            "line 3, column 39: Flink does not support physical offsets within partition.");
  CHECK_ERR(MR("MEASURES PREV(B.v, 2) AS p PATTERN (A B) DEFINE A AS TRUE"),
            "line 3, column 22: Flink does not support physical offsets within partition.");
  CHECK_ERR(MR("PATTERN (A B) DEFINE A AS SUM(DISTINCT A.v) > 1"), "line 3, column 39: not supported: DISTINCT aggregates");
  CHECK_ERR(MR("PATTERN (A B) DEFINE A AS SUM(A.v + B.v) > 1"), "an aggregate in MATCH_RECOGNIZE may read one pattern variable only");
  CHECK_ERR(MR("PATTERN (A B) DEFINE X AS TRUE"), "line 3, column 34: DEFINE names X, which is not a pattern variable");
  CHECK_ERR(MR("PATTERN (A B) DEFINE A AS A.v"), "line 3, column 34: DEFINE A needs a BOOLEAN condition");
  CHECK_ERR(MR("PATTERN (A A) DEFINE A AS TRUE"), "line 3, column 24: not supported: pattern variable A appears twice");
  CHECK_ERR(MR("AFTER MATCH SKIP TO FIRST Z PATTERN (A B) DEFINE A AS TRUE"), "line 3, column 39: AFTER MATCH SKIP TO FIRST: Z is not a pattern variable");
  CHECK_ERR(DDL("q.csv") "SELECT * FROM ev MATCH_RECOGNIZE (ORDER BY v PATTERN (A B) DEFINE A AS TRUE)",
            "line 2, column 44: MATCH_RECOGNIZE must be ordered first by a time attribute ascending");
  CHECK_ERR(DDL("q.csv") "SELECT * FROM ev MATCH_RECOGNIZE (ORDER BY ts DESC PATTERN (A B) DEFINE A AS TRUE)",
            "MATCH_RECOGNIZE must be ordered first by a time attribute ascending");
  CHECK_ERR(DDL("q.csv") "SELECT * FROM (SELECT k, COUNT(*) AS n, MAX(ts) AS ts FROM ev GROUP BY k) MATCH_RECOGNIZE "
                         "(ORDER BY ts PATTERN (A B) DEFINE A AS TRUE)",
            "MATCH_RECOGNIZE needs an append-only input");
  CHECK_ERR(MR("PATTERN (A B) DEFINE A AS A.nope > 1"), "line 3, column 40");
  CHECK_ERR(MR("PATTERN (A B) WITHIN INTERVAL '1' MONTH DEFINE A AS TRUE"), "line 3, column 27: not supported: WITHIN a YEAR / MONTH");
}

/* Bids of a Nexmark stream in processing time, a rise and a fall per auction, killed with
 * SIGKILL after three checkpoints and resumed: the buffered rows and the partial matches
 * are in keyed state, and the source replays from its checkpointed offset in the same
 * order, so the committed matches are those of an uninterrupted run. */
TEST(killed_and_resumed_gives_the_same_matches) {
  const char *bin = strom_bin();
  if (!bin) return;
  const char *job =
      "SET 'parallelism.default' = '1';\n"
      KILL_TEST_SETS
      "CREATE TABLE nx (event_type INT, bid_auction BIGINT, bid_bidder BIGINT, bid_price BIGINT, pt AS PROCTIME()) "
      "WITH ('connector' = 'nexmark', 'events.num' = '200000', 'rate-limit' = '100000', 'first-event.rate' = '10000');\n"
      "CREATE TABLE dst (a BIGINT, s BIGINT, top BIGINT, n BIGINT, d BIGINT, su BIGINT) WITH"
      " ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'csv');\n"
      "CREATE VIEW b AS SELECT * FROM nx WHERE event_type = 2;\n"
      "INSERT INTO dst SELECT * FROM b MATCH_RECOGNIZE (PARTITION BY bid_auction ORDER BY pt\n"
      " MEASURES S.bid_price AS s, LAST(UP.bid_price) AS top, COUNT(UP.bid_price) AS n, DOWN.bid_price AS d,"
      " SUM(UP.bid_price) AS su\n"
      " AFTER MATCH SKIP PAST LAST ROW PATTERN (S UP+ DOWN)\n"
      " DEFINE UP AS UP.bid_price > COALESCE(LAST(UP.bid_price, 1), S.bid_price), DOWN AS DOWN.bid_price < LAST(UP.bid_price));\n";
  CHECK(killed_run_agrees(bin, tmp, "match", job, 3));
  CHECK(committed_lines(tmp, "match") > 1000);
}

/* The same in event time: rows also wait in keyed state for the watermark. */
TEST(killed_and_resumed_in_event_time) {
  const char *bin = strom_bin();
  if (!bin) return;
  const char *job =
      "SET 'parallelism.default' = '1';\n"
      KILL_TEST_SETS
      "CREATE TABLE nx (event_type INT, bid_auction BIGINT, bid_price BIGINT, date_time TIMESTAMP(3),"
      " WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND) "
      "WITH ('connector' = 'nexmark', 'events.num' = '200000', 'rate-limit' = '100000', 'first-event.rate' = '10000');\n"
      "CREATE TABLE dst (a BIGINT, s BIGINT, top BIGINT, n BIGINT, d BIGINT, t TIMESTAMP(3)) WITH"
      " ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'csv');\n"
      "CREATE VIEW b AS SELECT * FROM nx WHERE event_type = 2;\n"
      "INSERT INTO dst SELECT * FROM b MATCH_RECOGNIZE (PARTITION BY bid_auction ORDER BY date_time\n"
      " MEASURES S.bid_price AS s, LAST(UP.bid_price) AS top, COUNT(UP.bid_price) AS n, DOWN.bid_price AS d,"
      " MATCH_ROWTIME() AS t\n"
      " AFTER MATCH SKIP PAST LAST ROW PATTERN (S UP+ DOWN) WITHIN INTERVAL '10' SECOND\n"
      " DEFINE UP AS UP.bid_price > LAST(UP.bid_price, 1) OR (LAST(UP.bid_price, 1) IS NULL AND UP.bid_price > S.bid_price),"
      " DOWN AS DOWN.bid_price < LAST(UP.bid_price));\n";
  CHECK(killed_run_agrees(bin, tmp, "matchet", job, 3));
  CHECK(committed_lines(tmp, "matchet") > 1000);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-match-test-%d", (int)getpid());
  mkdir(tmp, 0777);
  write_tmp_file("ticker.csv", ticker_csv);
  write_tmp_file("q.csv", q_csv);
  write_tmp_file("s.csv", s_csv);
  write_tmp_file("n.csv", n_csv);
  RUN(ticker_example_of_the_flink_docs);
  RUN(greedy_and_reluctant_quantifiers);
  RUN(after_match_skip_modes);
  RUN(prev_first_last_and_aggregates);
  RUN(within_drops_old_partial_matches);
  RUN(a_long_partial_match_of_20000_rows);
  RUN(within_times_out_at_the_watermark);
  RUN(out_of_order_and_late_rows_in_event_time);
  RUN(match_rowtime_feeds_a_tumble_window);
  RUN(processing_time);
  RUN(explain_shows_the_match_node);
  RUN(refusals_name_what_and_where);
  RUN(killed_and_resumed_gives_the_same_matches);
  RUN(killed_and_resumed_in_event_time);
  char cmd[320];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
