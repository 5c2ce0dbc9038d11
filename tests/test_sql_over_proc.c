/*
 * test_sql_over_proc.c -- OVER aggregates ordered by a processing-time attribute
 * (over_proc.c): ROWS UNBOUNDED and n PRECEDING frames, RANGE UNBOUNDED and a RANGE
 * INTERVAL frame wide enough to hold every row, several partitions, NULLs, DISTINCT,
 * over_fns.c's functions, EXPLAIN, the refusals, and a job killed and resumed.  Every exact result depends only on
 * the arrival order within a partition (a file read at parallelism 1), never on the clock;
 * expected rows are computed by hand in the comments.  The one frame the clock decides (a
 * 10 ms RANGE) is checked only for what holds whatever the timing.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sql_proc_test.h"
#include "sql_test.h"

/* Arrival order, per partition:  a = 1(10) 3(NULL) 4(30) 6(50);  b = 2(20) 5(5) 7(20) */
static const char *ev_csv = "1,a,10\n2,b,20\n3,a,\n4,a,30\n5,b,5\n6,a,50\n7,b,20\n";

#define EV_DDL                                                                                        \
  "SET 'parallelism.default' = '1';\n"                                                              \
  "CREATE TABLE ev (id INT, k STRING, v INT, pt AS PROCTIME()) "                                    \
  "WITH ('connector' = 'filesystem', 'path' = '${TMP}/ev.csv', 'format' = 'csv');\n"

TEST(rows_unbounded_preceding) {
  /* running SUM, COUNT(v), COUNT(*), MIN, MAX, AVG (INT: truncated) per partition:
   * a: 1: 10 1 1 10 10 10 | 3: 10 1 2 10 10 10 | 4: 40 2 3 10 30 20 | 6: 90 3 4 10 50 30
   * b: 2: 20 1 1 20 20 20 | 5: 25 2 2 5 20 12  | 7: 45 3 3 5 20 15 */
#define W1 " OVER (PARTITION BY k ORDER BY pt ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
  CHECK_ROWS(EV_DDL "SELECT id, k, SUM(v)" W1 ", COUNT(v)" W1 ", COUNT(*)" W1 ", MIN(v)" W1 ", MAX(v)" W1
                    ", AVG(v)" W1 " FROM ev",
             true,
             "+I[1, a, 10, 1, 1, 10, 10, 10]\n"
             "+I[2, b, 20, 1, 1, 20, 20, 20]\n"
             "+I[3, a, 10, 1, 2, 10, 10, 10]\n"
             "+I[4, a, 40, 2, 3, 10, 30, 20]\n"
             "+I[5, b, 25, 2, 2, 5, 20, 12]\n"
             "+I[6, a, 90, 3, 4, 10, 50, 30]\n"
             "+I[7, b, 45, 3, 3, 5, 20, 15]\n");
}

TEST(rows_n_preceding) {
  /* ROWS 1 PRECEDING: SUM, MIN, MAX, COUNT(v) of the row and the one before it
   * a: 1 [10] | 3 [10, NULL] | 4 [NULL, 30] | 6 [30, 50];  b: 2 [20] | 5 [20, 5] | 7 [5, 20] */
#define W2 " OVER (PARTITION BY k ORDER BY pt ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)"
  CHECK_ROWS(EV_DDL "SELECT id, SUM(v)" W2 ", MIN(v)" W2 ", MAX(v)" W2 ", COUNT(v)" W2 " FROM ev", true,
             "+I[1, 10, 10, 10, 1]\n"
             "+I[2, 20, 20, 20, 1]\n"
             "+I[3, 10, 10, 10, 1]\n"
             "+I[4, 30, 30, 30, 1]\n"
             "+I[5, 25, 5, 20, 2]\n"
             "+I[6, 80, 30, 50, 2]\n"
             "+I[7, 25, 5, 20, 2]\n");
  /* CURRENT ROW alone: the row itself */
  CHECK_ROWS(EV_DDL "SELECT id, COUNT(*) OVER (PARTITION BY k ORDER BY pt ROWS BETWEEN CURRENT ROW AND CURRENT ROW)"
                    " FROM ev WHERE id < 3",
             true, "+I[1, 1]\n+I[2, 1]\n");
}

TEST(over_fns) {
  /* ROWS 2 PRECEDING: FIRST_VALUE / LAST_VALUE skip NULLs
   *   a: 1 [10] | 3 [10, NULL] | 4 [10, NULL, 30] | 6 [NULL, 30, 50]
   *   b: 2 [20] | 5 [20, 5] | 7 [20, 5, 20] */
#define W3 " OVER (PARTITION BY k ORDER BY pt ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"
  CHECK_ROWS(EV_DDL "SELECT id, FIRST_VALUE(v)" W3 ", LAST_VALUE(v)" W3 " FROM ev", true,
             "+I[1, 10, 10]\n"
             "+I[2, 20, 20]\n"
             "+I[3, 10, 10]\n"
             "+I[4, 10, 30]\n"
             "+I[5, 20, 5]\n"
             "+I[6, 30, 50]\n"
             "+I[7, 20, 20]\n");
  /* LAG takes no frame: the row before in arrival order (NULLs too), else the default
   *   LAG(v):        a: 1 NULL, 3 10, 4 NULL, 6 30;  b: 2 NULL, 5 20, 7 5
   *   LAG(v, 2, -1): a: 1 -1, 3 -1, 4 10, 6 NULL;    b: 2 -1, 5 -1, 7 20 */
#define W6 " OVER (PARTITION BY k ORDER BY pt)"
  CHECK_ROWS(EV_DDL "SELECT id, LAG(v)" W6 ", LAG(v, 2, -1)" W6 " FROM ev", true,
             "+I[1, <NULL>, -1]\n"
             "+I[2, <NULL>, -1]\n"
             "+I[3, 10, -1]\n"
             "+I[4, <NULL>, 10]\n"
             "+I[5, 20, -1]\n"
             "+I[6, 30, <NULL>]\n"
             "+I[7, 5, 20]\n");
  /* streaming refuses what needs rows still to come, as over event time */
  CHECK_ERR(EV_DDL "SELECT id, LEAD(v)" W6 " FROM ev", "LEAD");
}

TEST(range_frames) {
  /* a day back holds every row: running SUM and COUNT(*) */
#define W4 " OVER (PARTITION BY k ORDER BY pt RANGE BETWEEN INTERVAL '1' DAY PRECEDING AND CURRENT ROW)"
  CHECK_ROWS(EV_DDL "SELECT id, SUM(v)" W4 ", COUNT(*)" W4 ", MAX(v)" W4 " FROM ev", true,
             "+I[1, 10, 1, 10]\n"
             "+I[2, 20, 1, 20]\n"
             "+I[3, 10, 2, 10]\n"
             "+I[4, 40, 3, 30]\n"
             "+I[5, 25, 2, 20]\n"
             "+I[6, 90, 4, 50]\n"
             "+I[7, 45, 3, 20]\n");
  /* the default frame, RANGE UNBOUNDED PRECEDING, with DISTINCT:
   * COUNT(DISTINCT v)  a: 1, 1, 2, 3;  b: 1, 2, 2 */
#define W5 " OVER (PARTITION BY k ORDER BY pt)"
  CHECK_ROWS(EV_DDL "SELECT id, SUM(v)" W5 ", COUNT(DISTINCT v)" W5 " FROM ev", true,
             "+I[1, 10, 1]\n"
             "+I[2, 20, 1]\n"
             "+I[3, 10, 1]\n"
             "+I[4, 40, 2]\n"
             "+I[5, 25, 2]\n"
             "+I[6, 90, 3]\n"
             "+I[7, 45, 2]\n");
}

/* A 10 ms RANGE frame over rows that come 5 ms apart: which rows share a frame depends
 * on the clock, so only what holds whatever the timing is checked.  A frame is always a
 * run of the partition's latest rows ending at the row (rows leave from the front, on
 * arrival or on their timer): ids of one parity, ascending, so MAX is the row's id,
 * MIN is id - 2 (COUNT - 1) >= 1 and SUM is COUNT (id + MIN) / 2. */
TEST(range_interval_frame_drops_from_the_front) {
  char *out, err[1024];
  int rc = run("SET 'parallelism.default' = '1';\n"
               "CREATE TABLE g (id INT, pt AS PROCTIME()) WITH ('connector' = 'datagen', 'rows-per-second' = '200',"
               " 'number-of-rows' = '60', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1',"
               " 'fields.id.end' = '60');\n"
               "SELECT id, COUNT(*) OVER w, SUM(id) OVER w, MIN(id) OVER w, MAX(id) OVER w FROM g"
               " WINDOW w AS (PARTITION BY MOD(id, 2) ORDER BY pt"
               " RANGE BETWEEN INTERVAL '0.01' SECOND PRECEDING AND CURRENT ROW)",
               &out, err, sizeof err);
  if (rc) fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  char *rows = rows_of(out, false);
  free(out);
  int n = 0;
  bool ok = true;
  for (char *l = rows, *e; (e = strchr(l, '\n')); l = e + 1, n++) {
    long id, c, sum, mn, mx;
    if (sscanf(l, "+I[%ld, %ld, %ld, %ld, %ld]", &id, &c, &sum, &mn, &mx) != 5 || c < 1 || mx != id ||
        mn != id - 2 * (c - 1) || mn < 1 || sum != c * (id + mn) / 2) {
      fprintf(stderr, "  unexpected row %.*s\n", (int)(e - l), l);
      ok = false;
    }
  }
  free(rows);
  CHECK(ok);
  CHECK_INT(n, 60);
}

TEST(one_partition_over_values) {
  /* no PARTITION BY; v = 10, 20, NULL, 30, 5: ROWS 2 PRECEDING
   * SUM 10, 30, 30, 50, 35;  COUNT(*) 1, 2, 3, 3, 3 */
  CHECK_ROWS("SET 'parallelism.default' = '1';\n"
             "CREATE VIEW u AS SELECT *, PROCTIME() AS pt FROM (VALUES (1, 10), (2, 20), (3, CAST(NULL AS INT)),"
             " (4, 30), (5, 5)) AS x(id, v);\n"
             "SELECT id, SUM(v) OVER w, COUNT(*) OVER w FROM u"
             " WINDOW w AS (ORDER BY pt ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
             true,
             "+I[1, 10, 1]\n"
             "+I[2, 30, 2]\n"
             "+I[3, 30, 3]\n"
             "+I[4, 50, 3]\n"
             "+I[5, 35, 3]\n");
}

TEST(explain) {
  CHECK_OUT(EV_DDL "EXPLAIN SELECT id, SUM(v)" W2 " FROM ev", "OverAggregate(partitionBy=[k]");
  CHECK_OUT(EV_DDL "EXPLAIN SELECT id, SUM(v)" W2 " FROM ev", "orderBy=[pt ASC], window=[ROWS BETWEEN 1 PRECEDING AND CURRENT ROW], select=[SUM(v) AS w0$o0]");
}

TEST(refusals) {
  CHECK_ERR(EV_DDL "SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY pt DESC) FROM ev",
            "line 3, column 24: OVER aggregates ordered by a processing-time attribute must be ascending");
  CHECK_ERR(EV_DDL "SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY pt, id) FROM ev",
            "OVER aggregates must be ordered by one time attribute");
  CHECK_ERR(EV_DDL "SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY pt RANGE BETWEEN 2 PRECEDING AND CURRENT ROW)"
                   " FROM ev",
            "RANGE BETWEEN ... PRECEDING wants an INTERVAL");
  CHECK_ERR(EV_DDL "SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY pt ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)"
                   " FROM ev",
            "not supported yet: OVER frames that end after the current row");
}

/* A ROWS frame over Nexmark bids, killed with SIGKILL after three checkpoints and resumed:
 * the frames' rows and DISTINCT counts are in keyed state, and the source replays from
 * its checkpointed offset in the same order, so the committed rows are those of an
 * uninterrupted run. */
TEST(killed_and_resumed_exactly_once) {
  const char *bin = strom_bin();
  if (!bin) return;
  const char *job =
      "SET 'parallelism.default' = '1';\n"
      KILL_TEST_SETS
      "CREATE TABLE nx (event_type INT, bid_auction BIGINT, bid_bidder BIGINT, bid_price BIGINT, pt AS PROCTIME()) "
      "WITH ('connector' = 'nexmark', 'events.num' = '200000', 'rate-limit' = '100000', 'first-event.rate' = '10000');\n"
      "CREATE TABLE dst (a BIGINT, p BIGINT, s BIGINT, m BIGINT, d BIGINT, u BIGINT) WITH"
      " ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'csv');\n"
      "CREATE VIEW b AS SELECT * FROM nx WHERE event_type = 2;\n"
      "INSERT INTO dst SELECT bid_auction, bid_price, SUM(bid_price) OVER w, MAX(bid_price) OVER w, "
      "COUNT(DISTINCT bid_bidder) OVER w, u FROM (SELECT *, COUNT(*) OVER (PARTITION BY bid_auction ORDER BY pt) AS u"
      " FROM b) WINDOW w AS (PARTITION BY bid_auction ORDER BY pt ROWS BETWEEN 3 PRECEDING AND CURRENT ROW);\n";
  CHECK(killed_run_agrees(bin, tmp, "over", job, 3));
  CHECK(committed_lines(tmp, "over") > 1000);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-over-proc-test-%d", (int)getpid());
  mkdir(tmp, 0777);
  write_tmp_file("ev.csv", ev_csv);
  RUN(rows_unbounded_preceding);
  RUN(rows_n_preceding);
  RUN(over_fns);
  RUN(range_frames);
  RUN(range_interval_frame_drops_from_the_front);
  RUN(one_partition_over_values);
  RUN(explain);
  RUN(refusals);
  RUN(killed_and_resumed_exactly_once);
  char cmd[320];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
