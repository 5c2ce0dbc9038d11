/*
 * test_sql_rank.c -- SQL features of issue 5 end to end through a session: DISTINCT and
 * FILTER aggregates (with retractions), SELECT DISTINCT, Top-N with and without the row
 * number, deduplication (keep first / keep last on event time), window Top-N and window
 * deduplication, the CUMULATE window TVF, and OVER aggregates (ROWS and RANGE frames)
 * with out-of-order and late rows.  Expected changelogs are computed by hand from
 * Flink's semantics (the comments show the steps).
 */
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sql_test.h"

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}



static const char *bids_csv =
    "1,alice,10,2020-01-01 00:00:01\n"
    "2,bob,20,2020-01-01 00:00:03\n"
    "3,alice,5,2020-01-01 00:00:07\n"
    "4,carol,7,2020-01-01 00:00:12\n"
    "5,bob,1,2020-01-01 00:00:09\n" /* late for [0, 10): the watermark is 10 s */
    "6,alice,3,2020-01-01 00:00:25\n"
    "7,bob,4,2020-01-01 00:00:02\n"; /* late */

#define BIDS_DDL                                                                                                        \
  "CREATE TABLE bids (id BIGINT, name STRING, price INT, ts TIMESTAMP(3), "                                            \
  "WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH ('connector' = 'filesystem', 'path' = '${TMP}/bids.csv', "      \
  "'format' = 'csv', 'scan.watermark.emit.strategy' = 'on-event');\n"

#define TS(x) "2020-01-01 00:00:" x ".000"

TEST(distinct_and_filter_aggregates_in_group_by) {
  /* a,1 -> +I; a,1 changes nothing; a,2 and a,3 add a value each */
  CHECK_ROWS("SELECT k, COUNT(DISTINCT v) AS d, SUM(DISTINCT v) AS s, COUNT(*) FILTER (WHERE v > 1) AS f, "
             "COUNT(DISTINCT v) FILTER (WHERE v > 1) AS df "
             "FROM (VALUES ('a', 1), ('a', 1), ('a', 2), ('b', 3), ('a', 3)) AS t(k, v) GROUP BY k",
             false,
             "+I[a, 1, 1, 0, 0]\n-U[a, 1, 1, 0, 0]\n+U[a, 2, 3, 1, 1]\n+I[b, 1, 3, 1, 1]\n"
             "-U[a, 2, 3, 1, 1]\n+U[a, 3, 6, 2, 2]\n");
  /* over a changelog: s = 5, 5, then id 1's 5 is retracted (one 5 is left) and 7 added */
  CHECK_ROWS("CREATE VIEW sums AS SELECT id, SUM(v) AS s FROM (VALUES (1, 5), (2, 5), (1, 2)) AS t(id, v) GROUP BY id;\n"
             "SELECT COUNT(DISTINCT s) AS d, SUM(DISTINCT s) AS ds, COUNT(*) AS n FROM sums",
             false,
             "+I[1, 5, 1]\n-U[1, 5, 1]\n+U[1, 5, 2]\n-U[1, 5, 2]\n+U[1, 5, 1]\n-U[1, 5, 1]\n+U[2, 12, 2]\n");
  /* MIN/MAX(DISTINCT) are MIN/MAX */
  CHECK_ROWS("SELECT MAX(DISTINCT v), AVG(DISTINCT v) FROM (VALUES (4), (4), (1)) AS t(v)", false,
             "+I[4, 4]\n-U[4, 4]\n+U[4, 2]\n");
}

TEST(select_distinct) {
  CHECK_ROWS("SELECT DISTINCT k FROM (VALUES ('a'), ('b'), ('a')) AS t(k)", false, "+I[a]\n+I[b]\n");
  CHECK_ROWS("SELECT DISTINCT k, v % 2 AS odd FROM (VALUES ('a', 1), ('a', 3), ('a', 2)) AS t(k, v) WHERE v > 0", false,
             "+I[a, 1]\n+I[a, 0]\n");
}

TEST(distinct_aggregates_in_windows) {
  /* [0,10): alice@1, bob@3, alice@7 (bob@9 and bob@2 come after the window fired) */
  CHECK_ROWS(BIDS_DDL "SELECT window_start, COUNT(DISTINCT name), COUNT(DISTINCT name) FILTER (WHERE price > 5), "
                      "COUNT(*) FILTER (WHERE price > 5), COUNT(*) "
                      "FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
             true, "+I[" TS("00") ", 2, 2, 2, 3]\n+I[" TS("10") ", 1, 1, 1, 1]\n+I[" TS("20") ", 1, 0, 0, 1]\n");
  /* HOP: bob@9's slice [5,10) has fired when it arrives, so it is in no window (not even
   * [5,15), which has not), as without DISTINCT */
  CHECK_ROWS(BIDS_DDL "SELECT window_start, window_end, COUNT(*), COUNT(DISTINCT name) FROM TABLE(HOP(TABLE bids, "
                      "DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
             true,
             "+I[2019-12-31 23:59:55.000, " TS("05") ", 2, 2]\n+I[" TS("00") ", " TS("10") ", 3, 2]\n"
             "+I[" TS("05") ", " TS("15") ", 2, 2]\n+I[" TS("10") ", " TS("20") ", 1, 1]\n"
             "+I[" TS("20") ", " TS("30") ", 1, 1]\n+I[" TS("25") ", " TS("35") ", 1, 1]\n");
  /* SESSION keeps the window's rows and folds each distinct value once when it fires */
  /* (one session [1 s, 19 s) of alice, bob, alice, carol, bob; bob@2 comes after it fired) */
  CHECK_ROWS(BIDS_DDL "SELECT window_start, COUNT(DISTINCT name), COUNT(*), SUM(DISTINCT price) FROM TABLE(SESSION(TABLE "
                      "bids, DESCRIPTOR(ts), INTERVAL '7' SECOND)) GROUP BY window_start, window_end",
             true, "+I[" TS("01") ", 3, 5, 43]\n+I[" TS("25") ", 1, 1, 3]\n");
}

#define TOPN_INPUT "(VALUES ('a', 1), ('a', 3), ('a', 2), ('a', 5), ('b', 4)) AS t(k, v)"

TEST(top_n_with_and_without_row_number) {
  /* a: [1] -> [3,1] -> [3,2] -> [5,3]: each position whose row changes is updated */
  CHECK_ROWS("SELECT * FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM " TOPN_INPUT
             ") WHERE rn <= 2",
             false,
             "+I[a, 1, 1]\n-U[a, 1, 1]\n+U[a, 3, 1]\n+I[a, 1, 2]\n-U[a, 1, 2]\n+U[a, 2, 2]\n"
             "-U[a, 3, 1]\n+U[a, 5, 1]\n-U[a, 2, 2]\n+U[a, 3, 2]\n+I[b, 4, 1]\n");
  /* without rn: the row pushed out is deleted, the new one inserted */
  CHECK_ROWS("SELECT k, v FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM " TOPN_INPUT
             ") WHERE rn < 3",
             false, "+I[a, 1]\n+I[a, 3]\n-D[a, 1]\n+I[a, 2]\n-D[a, 2]\n+I[a, 5]\n+I[b, 4]\n");
  /* no partition, ascending, a CTE, another condition kept */
  CHECK_ROWS("WITH r AS (SELECT k, v, ROW_NUMBER() OVER (ORDER BY v) AS rn FROM " TOPN_INPUT ") "
             "SELECT v, rn FROM r WHERE rn <= 1 AND k = 'a'",
             false, "+I[1, 1]\n");
}

#define SUMS "(SELECT k, SUM(v) AS total FROM (VALUES ('a', 1), ('b', 2), ('c', 3), ('a', 5), ('c', -10)) AS t(k, v) GROUP BY k)"

TEST(top_n_over_an_updating_input) {
  /* the GROUP BY's changelog: +I a1, +I b2, +I c3, -U a1, +U a6, -U c3, +U c-7; every row
   * is kept, so retracting c3 from the top 2 pulls b2 back in */
  CHECK_ROWS("SELECT k, total, rn FROM (SELECT k, total, ROW_NUMBER() OVER (ORDER BY total DESC) AS rn FROM " SUMS
             ") WHERE rn <= 2",
             false,
             "+I[a, 1, 1]\n-U[a, 1, 1]\n+U[b, 2, 1]\n+I[a, 1, 2]\n-U[b, 2, 1]\n+U[c, 3, 1]\n-U[a, 1, 2]\n+U[b, 2, 2]\n"
             "-U[c, 3, 1]\n+U[a, 6, 1]\n-U[b, 2, 2]\n+U[c, 3, 2]\n-U[c, 3, 2]\n+U[b, 2, 2]\n");
  CHECK_ROWS("SELECT k, total FROM (SELECT k, total, ROW_NUMBER() OVER (ORDER BY total DESC) AS rn FROM " SUMS
             ") WHERE rn <= 2",
             false, "+I[a, 1]\n+I[b, 2]\n-D[a, 1]\n+I[c, 3]\n-D[b, 2]\n+I[a, 6]\n-D[c, 3]\n+I[b, 2]\n");
}

TEST(top_n_with_an_offset) {
  /* only rank 2 is emitted, as Flink's rankStart: the same positional changes, filtered */
  CHECK_ROWS("SELECT * FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM " TOPN_INPUT
             ") WHERE rn > 1 AND rn <= 2",
             false, "+I[a, 1, 2]\n-U[a, 1, 2]\n+U[a, 2, 2]\n-U[a, 2, 2]\n+U[a, 3, 2]\n");
  CHECK_ROWS("SELECT k, v FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM " TOPN_INPUT
             ") WHERE rn BETWEEN 2 AND 2",
             false, "+I[a, 1]\n-U[a, 1]\n+U[a, 2]\n-U[a, 2]\n+U[a, 3]\n");
  CHECK_ROWS(BIDS_DDL "SELECT window_start, name, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, "
                      "window_end ORDER BY price DESC) AS rn FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) "
                      "WHERE rn >= 2 AND rn < 3",
             true, "+I[" TS("00") ", alice, 2]\n");
}

TEST(top_n_at_parallelism_two) {
  /* partitions (name, id % 2) spread over two subtasks; each keeps its own order */
  CHECK_ROWS("SET 'parallelism.default' = '2';\n" BIDS_DDL
             "SELECT * FROM (SELECT name, price, ROW_NUMBER() OVER (PARTITION BY name, id % 2 ORDER BY price) AS rn "
             "FROM bids) WHERE rn <= 1",
             true,
             "+I[alice, 10, 1]\n+I[alice, 3, 1]\n+I[bob, 1, 1]\n+I[bob, 20, 1]\n+I[carol, 7, 1]\n"
             "+U[alice, 5, 1]\n-U[alice, 10, 1]\n");
  CHECK_ROWS("SET 'parallelism.default' = '2';\n" BIDS_DDL
             "SELECT window_start, name, price, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, "
             "window_end ORDER BY price DESC) AS rn FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) "
             "WHERE rn <= 2",
             true,
             "+I[" TS("00") ", alice, 10, 2]\n+I[" TS("00") ", bob, 20, 1]\n+I[" TS("10") ", carol, 7, 1]\n"
             "+I[" TS("20") ", alice, 3, 1]\n");
}

TEST(deduplication_keep_first_and_last) {
  /* keep first: bob@2 arrives late but is earlier than bob@3: it replaces it */
  CHECK_ROWS(BIDS_DDL "SELECT id, name, price FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY name ORDER BY ts) AS rn "
                      "FROM bids) WHERE rn = 1",
             false,
             "+I[1, alice, 10]\n+I[2, bob, 20]\n+I[4, carol, 7]\n-U[2, bob, 20]\n+U[7, bob, 4]\n");
  /* keep last: a row at the same or a later time replaces the kept one; bob@2 does not */
  CHECK_ROWS(BIDS_DDL "SELECT id, name, price FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY name ORDER BY ts DESC) AS rn "
                      "FROM bids) WHERE rn <= 1",
             false,
             "+I[1, alice, 10]\n+I[2, bob, 20]\n-U[1, alice, 10]\n+U[3, alice, 5]\n+I[4, carol, 7]\n"
             "-U[2, bob, 20]\n+U[5, bob, 1]\n-U[3, alice, 5]\n+U[6, alice, 3]\n");
}

TEST(window_top_n_and_window_deduplication) {
  /* [0,10) has alice 10, bob 20, alice 5; bob@9 and bob@2 are late for it */
  CHECK_ROWS(BIDS_DDL "SELECT window_start, name, price, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, "
                      "window_end ORDER BY price DESC) AS rn FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) "
                      "WHERE rn <= 2",
             true,
             "+I[" TS("00") ", alice, 10, 2]\n+I[" TS("00") ", bob, 20, 1]\n+I[" TS("10") ", carol, 7, 1]\n"
             "+I[" TS("20") ", alice, 3, 1]\n");
  /* over a window aggregation: alice 15 < bob 20 */
  CHECK_ROWS(BIDS_DDL "SELECT window_start, name, total FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, "
                      "window_end ORDER BY total DESC) AS rn FROM (SELECT window_start, window_end, name, SUM(price) AS total "
                      "FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, name)) "
                      "WHERE rn = 1",
             true, "+I[" TS("00") ", bob, 20]\n+I[" TS("10") ", carol, 7]\n+I[" TS("20") ", alice, 3]\n");
  /* window deduplication, keep the last row of each window */
  CHECK_ROWS(BIDS_DDL "SELECT window_start, id FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end "
                      "ORDER BY ts DESC) AS rn FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) WHERE rn <= 1",
             true, "+I[" TS("00") ", 3]\n+I[" TS("10") ", 4]\n+I[" TS("20") ", 6]\n");
  /* columns that are only named window_start/window_end: a regular (updating) Top-N */
  CHECK_ROWS("SELECT v, rn FROM (SELECT v, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY v DESC) AS rn "
             "FROM (VALUES (TIMESTAMP '2020-01-01 00:00:00', TIMESTAMP '2020-01-01 00:00:10', 1), "
             "(TIMESTAMP '2020-01-01 00:00:00', TIMESTAMP '2020-01-01 00:00:10', 2)) AS t(window_start, window_end, v)) "
             "WHERE rn <= 1",
             false, "+I[1, 1]\n-U[1, 1]\n+U[2, 1]\n");
}

TEST(cumulate_window) {
  /* step 5 s, size 10 s; the watermark fires [0,5) after alice@7, [0,10) after carol@12;
   * bob@9's slice [5,10) has fired when it arrives: dropped from every window */
  CHECK_ROWS(BIDS_DDL "SELECT window_start, window_end, COUNT(*), SUM(price) FROM TABLE(CUMULATE(TABLE bids, "
                      "DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
             true,
             "+I[" TS("00") ", " TS("05") ", 2, 30]\n+I[" TS("00") ", " TS("10") ", 3, 35]\n"
             "+I[" TS("10") ", " TS("15") ", 1, 7]\n+I[" TS("10") ", " TS("20") ", 1, 7]\n"
             "+I[" TS("20") ", " TS("30") ", 1, 3]\n");
  /* the cumulative distinct count (Flink's motivating example): alice counts once in [0,10) */
  CHECK_ROWS(BIDS_DDL "SELECT window_start, window_end, COUNT(DISTINCT name), COUNT(*) FROM TABLE(CUMULATE(TABLE bids, "
                      "DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
             true,
             "+I[" TS("00") ", " TS("05") ", 2, 2]\n+I[" TS("00") ", " TS("10") ", 2, 3]\n"
             "+I[" TS("10") ", " TS("15") ", 1, 1]\n+I[" TS("10") ", " TS("20") ", 1, 1]\n"
             "+I[" TS("20") ", " TS("30") ", 1, 1]\n");
  CHECK_ROWS(BIDS_DDL "SELECT id, window_start, window_end FROM TABLE(CUMULATE(TABLE bids, DESCRIPTOR(ts), "
                      "INTERVAL '5' SECOND, INTERVAL '10' SECOND)) WHERE id = 3 OR id = 6",
             true, "+I[3, " TS("00") ", " TS("10") "]\n+I[6, " TS("20") ", " TS("30") "]\n");
}

TEST(over_aggregates_rows_and_range) {
  /* rows wait for the watermark; bob@9 is behind the watermark but after bob's last
   * emitted time (3 s): kept, as Flink; bob@2 is late */
  CHECK_ROWS(BIDS_DDL "SELECT id, name, price, SUM(price) OVER (PARTITION BY name ORDER BY ts ROWS BETWEEN 1 PRECEDING AND "
                      "CURRENT ROW) AS s, COUNT(*) OVER (PARTITION BY name ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) "
                      "FROM bids",
             false,
             "+I[1, alice, 10, 10, 1]\n+I[2, bob, 20, 20, 1]\n+I[3, alice, 5, 15, 2]\n+I[5, bob, 1, 21, 2]\n"
             "+I[4, carol, 7, 7, 1]\n+I[6, alice, 3, 8, 2]\n");
  CHECK_ROWS(BIDS_DDL "SELECT id, MAX(price) OVER (PARTITION BY name ORDER BY ts RANGE BETWEEN INTERVAL '6' SECOND PRECEDING "
                      "AND CURRENT ROW), SUM(price) OVER (PARTITION BY name ORDER BY ts RANGE BETWEEN INTERVAL '6' SECOND "
                      "PRECEDING AND CURRENT ROW) FROM bids",
             false, "+I[1, 10, 10]\n+I[2, 20, 20]\n+I[3, 10, 15]\n+I[5, 20, 21]\n+I[4, 7, 7]\n+I[6, 3, 3]\n");
  /* UNBOUNDED PRECEDING drops rows behind the watermark (bob@9 at watermark 10 s), as Flink */
  CHECK_ROWS(BIDS_DDL "SELECT id, SUM(price) OVER (PARTITION BY name ORDER BY ts) FROM bids", false,
             "+I[1, 10]\n+I[2, 20]\n+I[3, 15]\n+I[4, 7]\n+I[6, 18]\n");
  CHECK_ROWS(BIDS_DDL "SELECT id, COUNT(*) OVER (PARTITION BY name ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND "
                      "CURRENT ROW) FROM bids",
             false, "+I[1, 1]\n+I[2, 1]\n+I[3, 2]\n+I[4, 1]\n+I[6, 3]\n");
}

TEST(over_aggregates_with_distinct) {
  /* one partition: bounded frames count the distinct names of the frame's rows (bob@9 is
   * after the last emitted time 7 s: kept); the unbounded frame keeps value counts and
   * drops bob@9, which is behind the watermark */
  CHECK_ROWS(BIDS_DDL "SELECT id, COUNT(DISTINCT name) OVER (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) "
                      "FROM bids",
             false, "+I[1, 1]\n+I[2, 2]\n+I[3, 2]\n+I[5, 2]\n+I[4, 3]\n+I[6, 3]\n");
  CHECK_ROWS(BIDS_DDL "SELECT id, COUNT(DISTINCT name) OVER (ORDER BY ts), SUM(DISTINCT price) OVER (ORDER BY ts) FROM bids",
             false, "+I[1, 1, 10]\n+I[2, 2, 30]\n+I[3, 2, 35]\n+I[4, 3, 42]\n+I[6, 3, 45]\n");
}

TEST(over_aggregates_with_peers) {
  /* two rows at 1 s: ROWS sees the row before (arrival order), RANGE sees both peers */
  const char *ddl = "CREATE TABLE ticks (v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) "
                    "WITH ('connector' = 'filesystem', 'path' = '${TMP}/ticks.csv', 'format' = 'csv', "
                    "'scan.watermark.emit.strategy' = 'on-event');\n";
  char q[1024];
  snprintf(q, sizeof q, "%sSELECT v, SUM(v) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM ticks", ddl);
  CHECK_ROWS(q, false, "+I[1, 1]\n+I[2, 3]\n+I[4, 6]\n+I[8, 12]\n");
  snprintf(q, sizeof q, "%sSELECT v, SUM(v) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1' SECOND PRECEDING AND CURRENT ROW) "
           "FROM ticks", ddl);
  CHECK_ROWS(q, false, "+I[1, 3]\n+I[2, 3]\n+I[4, 7]\n+I[8, 8]\n");
}

#define CHECK_PLAN(sql, expected_substring)                                        \
  do {                                                                             \
    char *out_, err_[1024];                                                        \
    int rc_ = run(sql, &out_, err_, sizeof err_);                                  \
    if (rc_ || !strstr(out_, expected_substring))                                  \
      fprintf(stderr, "  plan:\n%s  error: %s\n  expected: %s\n", out_, err_, expected_substring); \
    bool found_ = strstr(out_, expected_substring) != NULL;                        \
    free(out_);                                                                    \
    CHECK_INT(rc_, 0);                                                             \
    CHECK(found_);                                                                 \
  } while (0)

TEST(explain_names_the_operators) {
  CHECK_PLAN(BIDS_DDL "EXPLAIN SELECT id FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY name ORDER BY ts DESC) AS rn "
                      "FROM bids) WHERE rn = 1",
             "Deduplicate(keep=[LastRow], key=[name], order=[ROWTIME]) [changelog]");
  /* rn selected: a Top-1, not a deduplication */
  CHECK_PLAN(BIDS_DDL "EXPLAIN SELECT id, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY name ORDER BY ts) AS rn "
                      "FROM bids) WHERE rn = 1",
             "Rank(rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd=1], partitionBy=[name], orderBy=[ts ASC], "
             "outputRankNumber=[true]) [changelog]");
  CHECK_PLAN(BIDS_DDL "EXPLAIN SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY "
                      "price DESC) AS rn FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) WHERE rn <= 3",
             "WindowRank(rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd=3]");
  CHECK_PLAN(BIDS_DDL "EXPLAIN SELECT SUM(price) OVER (PARTITION BY name ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT "
                      "ROW) FROM bids",
             "OverAggregate(partitionBy=[name], orderBy=[ts ASC], window=[ROWS BETWEEN 2 PRECEDING AND CURRENT ROW]");
  CHECK_PLAN(BIDS_DDL "EXPLAIN SELECT window_end, COUNT(*) FROM TABLE(CUMULATE(TABLE bids, DESCRIPTOR(ts), INTERVAL '5' "
                      "SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
             "WindowAggregate(window=[CUMULATE(step=5000 ms, size=10000 ms)]");
}

/* Calls fn with the op and the numbers of each tableau row of out (up to 4 columns). */
static void each_row(const char *out, void (*fn)(const char *op, const long *v, int n, void *arg), void *arg) {
  for (const char *p = out; *p;) {
    const char *e = strchr(p, '\n');
    if (!e) e = p + strlen(p);
    if (e - p > 6 && p[0] == '|' && (p[2] == '+' || p[2] == '-') && p[5] == '|') {
      char op[3] = {p[2], p[3], 0};
      long v[4];
      int n = 0;
      for (const char *c = p + 6; c < e && n < 4;) {
        while (c < e && (*c == ' ' || *c == '|')) c++;
        if (c >= e) break;
        v[n++] = strtol(c, (char **)&c, 10);
      }
      fn(op, v, n, arg);
    }
    p = *e ? e + 1 : e;
  }
}

#define NX_EVENTS 20000
#define NX_AUCTIONS (NX_EVENTS + 2000)
typedef struct nx_ref {
  long top[NX_AUCTIONS][3]; /* the 3 highest prices per auction (id - 1000) */
  int n[NX_AUCTIONS];
  long got_n[NX_AUCTIONS], got_s[NX_AUCTIONS];
  bool has[NX_AUCTIONS];
} nx_ref;

static void ref_bid(const char *op, const long *v, int n, void *arg) {
  nx_ref *r = arg;
  if (n != 2 || strcmp(op, "+I") || v[0] < 1000 || v[0] - 1000 >= NX_AUCTIONS) return;
  long a = v[0] - 1000, price = v[1];
  int k = r->n[a] < 3 ? r->n[a]++ : 3;
  if (k == 3 && price <= r->top[a][2]) return;
  if (k == 3) k = 2;
  while (k > 0 && r->top[a][k - 1] < price) r->top[a][k] = r->top[a][k - 1], k--;
  r->top[a][k] = price;
}

static void materialize(const char *op, const long *v, int n, void *arg) {
  nx_ref *r = arg;
  if (n != 3 || v[0] < 1000 || v[0] - 1000 >= NX_AUCTIONS) return;
  long a = v[0] - 1000;
  bool add = op[0] == '+';
  r->has[a] = add;
  r->got_n[a] = add ? v[1] : 0, r->got_s[a] = add ? v[2] : 0;
}

TEST(top_n_over_nexmark_bids_matches_a_reference) {
  /* the Top-3 changelog aggregated again (retractions) ends as the true top 3 per auction */
  const char *ddl =
      "CREATE TABLE datagen (event_type INT, bid_auction BIGINT, bid_price BIGINT, date_time TIMESTAMP(3),\n"
      "  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND) WITH ('connector' = 'nexmark', 'events.num' = '20000');\n"
      "CREATE VIEW bid AS SELECT bid_auction AS auction, bid_price AS price, date_time FROM datagen WHERE event_type = 2;\n";
  nx_ref *r = calloc(1, sizeof *r);
  char sql[2048], *out, err[1024];
  snprintf(sql, sizeof sql, "%sSELECT auction, price FROM bid", ddl);
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  each_row(out, ref_bid, r);
  free(out);
  snprintf(sql, sizeof sql, "%sSELECT auction, COUNT(*) AS n, SUM(price) AS s FROM (SELECT auction, price, ROW_NUMBER() "
           "OVER (PARTITION BY auction ORDER BY price DESC) AS rn FROM bid) WHERE rn <= 3 GROUP BY auction", ddl);
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  each_row(out, materialize, r);
  free(out);
  long auctions = 0, bad = 0;
  for (int a = 0; a < NX_AUCTIONS; a++) {
    if (!r->n[a] && !r->has[a]) continue;
    auctions++;
    long s = 0;
    for (int k = 0; k < r->n[a]; k++) s += r->top[a][k];
    if (!r->has[a] || r->got_n[a] != r->n[a] || r->got_s[a] != s) bad++;
  }
  free(r);
  printf("  %ld auctions\n", auctions);
  CHECK(auctions > 100);
  CHECK_INT(bad, 0);
}

typedef struct nx_bids {
  long (*b)[4]; /* auction, bidder, price, arrival */
  int n;
  long got_n[NX_AUCTIONS], got_s[NX_AUCTIONS], got_d[NX_AUCTIONS];
  bool has[NX_AUCTIONS];
} nx_bids;

static void collect_bid(const char *op, const long *v, int n, void *arg) {
  nx_bids *r = arg;
  if (n != 3 || strcmp(op, "+I") || r->n >= NX_EVENTS) return;
  r->b[r->n][0] = v[0], r->b[r->n][1] = v[1], r->b[r->n][2] = v[2], r->b[r->n][3] = r->n;
  r->n++;
}

static void materialize3(const char *op, const long *v, int n, void *arg) {
  nx_bids *r = arg;
  if (n != 4 || v[0] < 1000 || v[0] - 1000 >= NX_AUCTIONS) return;
  long a = v[0] - 1000;
  bool add = op[0] == '+';
  r->has[a] = add;
  r->got_n[a] = add ? v[1] : 0, r->got_s[a] = add ? v[2] : 0, r->got_d[a] = add ? v[3] : 0;
}

static int by_auction_bidder(const void *x, const void *y) {
  const long *a = x, *b = y;
  static const int order[] = {0, 1, 3}; /* auction, bidder, arrival */
  for (int k = 0; k < 3; k++) {
    int i = order[k];
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

TEST(deduplication_and_count_distinct_over_nexmark_bids_match_a_reference) {
  /* q18's keep-last per (auction, bidder), aggregated per auction, against the last bid of
   * each pair (the generator's times never decrease, so the last by time is the last to
   * arrive); COUNT(DISTINCT bidder) over the bids against the number of pairs; a Top-3 of
   * a GROUP BY's changelog (bids per bidder), aggregated again, against the 3 highest counts */
  const char *ddl =
      "CREATE TABLE datagen (event_type INT, bid_auction BIGINT, bid_bidder BIGINT, bid_price BIGINT, date_time TIMESTAMP(3),\n"
      "  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND) WITH ('connector' = 'nexmark', 'events.num' = '20000');\n"
      "CREATE VIEW bid AS SELECT bid_auction AS auction, bid_bidder AS bidder, bid_price AS price, date_time AS dateTime\n"
      "  FROM datagen WHERE event_type = 2;\n";
  nx_bids *r = calloc(1, sizeof *r);
  r->b = calloc(NX_EVENTS, sizeof *r->b);
  char sql[2048], *out, err[1024];
  snprintf(sql, sizeof sql, "%sSELECT auction, bidder, price FROM bid", ddl);
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  each_row(out, collect_bid, r);
  free(out);
  snprintf(sql, sizeof sql,
           "%sSELECT auction, COUNT(*) AS n, SUM(price) AS s, 0 FROM (SELECT auction, bidder, price FROM (SELECT *, "
           "ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY dateTime DESC) AS rank_number FROM bid) "
           "WHERE rank_number <= 1) GROUP BY auction",
           ddl);
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  each_row(out, materialize3, r);
  free(out);
  static long got_n[NX_AUCTIONS], got_s[NX_AUCTIONS], top_n[NX_AUCTIONS], top_s[NX_AUCTIONS];
  memcpy(got_n, r->got_n, sizeof got_n);
  memcpy(got_s, r->got_s, sizeof got_s);
  /* a Top-N over an updating input: the 3 bidders with most bids per auction, summed again */
  snprintf(sql, sizeof sql,
           "%sSELECT auction, COUNT(*), SUM(c), 0 FROM (SELECT auction, c FROM (SELECT auction, c, ROW_NUMBER() OVER "
           "(PARTITION BY auction ORDER BY c DESC) AS rn FROM (SELECT auction, bidder, COUNT(*) AS c FROM bid GROUP BY "
           "auction, bidder)) WHERE rn <= 3) GROUP BY auction",
           ddl);
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  memset(r->has, 0, sizeof r->has);
  each_row(out, materialize3, r);
  free(out);
  memcpy(top_n, r->got_n, sizeof top_n);
  memcpy(top_s, r->got_s, sizeof top_s);
  snprintf(sql, sizeof sql, "%sSELECT auction, COUNT(DISTINCT bidder), 0, COUNT(DISTINCT bidder) FILTER (WHERE price > 0) "
           "FROM bid GROUP BY auction", ddl);
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  memset(r->has, 0, sizeof r->has);
  each_row(out, materialize3, r);
  free(out);
  /* the reference */
  qsort(r->b, (size_t)r->n, sizeof *r->b, by_auction_bidder);
  static long want_n[NX_AUCTIONS], want_s[NX_AUCTIONS], want_top[NX_AUCTIONS][3];
  memset(want_n, 0, sizeof want_n), memset(want_s, 0, sizeof want_s), memset(want_top, 0, sizeof want_top);
  long run_len = 0;
  for (int i = 0; i < r->n; i++) {
    bool last = i + 1 == r->n || r->b[i + 1][0] != r->b[i][0] || r->b[i + 1][1] != r->b[i][1];
    long a = r->b[i][0] - 1000;
    run_len++;
    if (!last) continue;
    long len = run_len;
    run_len = 0;
    if (a < 0 || a >= NX_AUCTIONS) continue;
    want_n[a]++, want_s[a] += r->b[i][2];
    for (int k = 0; k < 3; k++) /* the pair's bid count among the auction's 3 highest */
      if (len > want_top[a][k]) {
        for (int j = 2; j > k; j--) want_top[a][j] = want_top[a][j - 1];
        want_top[a][k] = len;
        break;
      }
  }
  long auctions = 0, bad = 0;
  for (int a = 0; a < NX_AUCTIONS; a++) {
    if (!want_n[a] && !got_n[a]) continue;
    auctions++;
    bad += got_n[a] != want_n[a] || got_s[a] != want_s[a] || r->got_n[a] != want_n[a] || r->got_d[a] != want_n[a];
    bad += top_n[a] != (want_n[a] < 3 ? want_n[a] : 3) || top_s[a] != want_top[a][0] + want_top[a][1] + want_top[a][2];
  }
  printf("  %d bids, %ld auctions\n", r->n, auctions);
  free(r->b);
  free(r);
  CHECK(auctions > 100);
  CHECK_INT(bad, 0);
}

TEST(errors) {
  CHECK_ERR("SELECT ROW_NUMBER() OVER (ORDER BY a) FROM (VALUES (1)) AS t(a)", "ROW_NUMBER() without a WHERE");
  CHECK_ERR("SELECT RANK() OVER (ORDER BY a) FROM (VALUES (1)) AS t(a)", "not supported yet: RANK()");
  CHECK_ERR("SELECT SUM(a) OVER (ORDER BY a) FROM (VALUES (1)) AS t(a)", "must be ordered by one time attribute");
  CHECK_ERR(BIDS_DDL "SELECT SUM(price) OVER (PARTITION BY name ORDER BY ts), COUNT(*) OVER (ORDER BY ts) FROM bids",
            "All aggregates must be computed on the same window.");
  CHECK_ERR(BIDS_DDL "SELECT * FROM TABLE(CUMULATE(TABLE bids, DESCRIPTOR(ts), INTERVAL '3' SECOND, INTERVAL '10' SECOND))",
            "multiple of the step");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-rank-test-%d", (int)getpid());
  mkdir(tmp, 0777);
  char path[300];
  snprintf(path, sizeof path, "%s/bids.csv", tmp);
  write_file(path, bids_csv);
  snprintf(path, sizeof path, "%s/ticks.csv", tmp);
  write_file(path, "1,2020-01-01 00:00:01\n2,2020-01-01 00:00:01\n4,2020-01-01 00:00:02\n8,2020-01-01 00:00:05\n");
  RUN(distinct_and_filter_aggregates_in_group_by);
  RUN(select_distinct);
  RUN(distinct_aggregates_in_windows);
  RUN(top_n_with_and_without_row_number);
  RUN(top_n_over_an_updating_input);
  RUN(top_n_with_an_offset);
  RUN(top_n_at_parallelism_two);
  RUN(deduplication_keep_first_and_last);
  RUN(window_top_n_and_window_deduplication);
  RUN(cumulate_window);
  RUN(over_aggregates_rows_and_range);
  RUN(over_aggregates_with_distinct);
  RUN(over_aggregates_with_peers);
  RUN(explain_names_the_operators);
  RUN(top_n_over_nexmark_bids_matches_a_reference);
  RUN(deduplication_and_count_distinct_over_nexmark_bids_match_a_reference);
  RUN(errors);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  TEST_MAIN_END();
}
