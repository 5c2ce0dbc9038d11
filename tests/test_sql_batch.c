/*
 * test_sql_batch.c -- `SET 'execution.runtime-mode' = 'batch'` and ORDER BY / LIMIT /
 * OFFSET end to end through a session: batch results are insert-only and equal to the
 * final table of the streaming changelog of the same script (GROUP BY, DISTINCT,
 * HAVING, nested aggregation, outer joins, Top-N); unbounded sources are refused;
 * GROUP BY writes into an append-only filesystem sink; a global aggregate over no
 * rows gives its row; batch sorts on any keys with Flink's NULL order, LIMIT and
 * OFFSET; streaming sorts on event time (late rows as Flink drops them) and runs
 * ORDER BY ... LIMIT as a global Top-N; Kafka (librdkafka's mock cluster) as a bounded
 * source whose per-partition watermark drops no row in batch mode, and as an append-only
 * sink of a GROUP BY.  Expected rows are computed by hand.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "kafka_mock.h"
#include "sql_proc_test.h" /* write_file */
#include "sql_test.h"

static kmock MOCK;
static bool mock_up;

static const char *bids_csv =
    "1,alice,10,2020-01-01 00:00:01\n"
    "2,bob,20,2020-01-01 00:00:03\n"
    "3,alice,5,2020-01-01 00:00:07\n"
    "4,carol,7,2020-01-01 00:00:12\n"
    "5,bob,1,2020-01-01 00:00:09\n" /* behind the watermark (10 s) */
    "6,alice,3,2020-01-01 00:00:25\n"
    "7,bob,4,2020-01-01 00:00:02\n"; /* late */

#define BIDS_DDL                                                                                                        \
  "CREATE TABLE bids (id BIGINT, name STRING, price INT, ts TIMESTAMP(3), "                                            \
  "WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH ('connector' = 'filesystem', 'path' = '${TMP}/bids.csv', "      \
  "'format' = 'csv', 'scan.watermark.emit.strategy' = 'on-event');\n"

#define NUMS_DDL                                                                                                        \
  "CREATE TABLE nums (k STRING, v INT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/nums.csv', "                 \
  "'format' = 'csv');\n"

#define TS0 "2020-01-01 00:00:00.000"
#define BATCH "SET 'execution.runtime-mode' = 'batch';\n"

/* The table a changelog ends as: +I/+U rows added, -U/-D rows taken away, as sorted
 * "+I[...]" lines (the format rows_of gives). */
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char *final_of(const char *rows) {
  char **lines = NULL;
  int n = 0, cap = 0;
  for (const char *p = rows; *p;) {
    const char *e = strchr(p, '\n');
    size_t len = (size_t)(e - p);
    bool add = p[0] == '+';
    char *body = strndup(p + 2, len - 2);
    if (add) {
      if (n == cap) lines = realloc(lines, sizeof *lines * (size_t)(cap = cap ? 2 * cap : 64));
      lines[n++] = body;
    } else {
      for (int i = n - 1; i >= 0; i--)
        if (!strcmp(lines[i], body)) {
          free(lines[i]);
          lines[i] = lines[--n];
          break;
        }
      free(body);
    }
    p = e + 1;
  }
  qsort(lines, (size_t)n, sizeof *lines, cmp_str);
  size_t total = 1;
  for (int i = 0; i < n; i++) total += strlen(lines[i]) + 3;
  char *r = calloc(1, total), *w = r;
  for (int i = 0; i < n; i++) {
    w += sprintf(w, "+I%s\n", lines[i]);
    free(lines[i]);
  }
  free(lines);
  return r;
}

static bool only_inserts(const char *rows) {
  for (const char *p = rows; *p; p = strchr(p, '\n') + 1)
    if (strncmp(p, "+I[", 3)) return false;
  return true;
}

/* Runs script in streaming and in batch mode: the batch rows are +I only, equal to the
 * streaming changelog's final table and to expected (sorted). */
static void same_in_both_modes(const char *script, const char *expected) {
  char *out, err[1024];
  int rc = run(script, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  streaming: %s\n", err);
  CHECK_INT(rc, 0);
  char *srows = rows_of(out, false), *sfinal = final_of(srows);
  free(out);
  size_t n = strlen(script) + sizeof BATCH;
  char *bscript = malloc(n);
  snprintf(bscript, n, "%s%s", BATCH, script);
  rc = run(bscript, &out, err, sizeof err);
  free(bscript);
  if (rc) fprintf(stderr, "  batch: %s\n", err);
  CHECK_INT(rc, 0);
  char *brows = rows_of(out, true);
  free(out);
  CHECK(only_inserts(brows));
  if (strcmp(brows, sfinal) || strcmp(brows, expected))
    fprintf(stderr, "  batch:\n%s  streaming final:\n%s  expected:\n%s", brows, sfinal, expected);
  CHECK_STR(brows, sfinal);
  CHECK_STR(brows, expected);
  free(srows), free(sfinal), free(brows);
}

TEST(group_by_equals_streaming_final_result) {
  /* alice 10, 5, 3; bob 20, 1, 4; carol 7.  AVG of INT is INT; price % 2: alice 0, 1,
   * 1 -> 2 distinct; bob 0, 1, 0 -> 2; HAVING drops carol (7). */
  same_in_both_modes(BIDS_DDL "SELECT name, COUNT(*), SUM(price), MIN(price), MAX(price), AVG(price), "
                              "COUNT(DISTINCT price % 2) FROM bids GROUP BY name HAVING SUM(price) > 7",
                     "+I[alice, 3, 18, 3, 10, 6, 2]\n+I[bob, 3, 25, 1, 20, 8, 2]\n");
  /* counts per name 3, 3, 1: an aggregation over an aggregation (updates in streaming) */
  same_in_both_modes(BIDS_DDL "SELECT cnt, COUNT(*) FROM (SELECT name, COUNT(*) AS cnt FROM bids GROUP BY name) "
                              "GROUP BY cnt",
                     "+I[1, 1]\n+I[3, 2]\n");
  same_in_both_modes(BIDS_DDL "SELECT DISTINCT name FROM bids", "+I[alice]\n+I[bob]\n+I[carol]\n");
  /* a global aggregate */
  same_in_both_modes(BIDS_DDL "SELECT COUNT(*), SUM(price), MAX(name) FROM bids", "+I[7, 50, carol]\n");
}

TEST(outer_joins_are_final_and_insert_only) {
  /* totals of prices > 8: alice 10, bob 20; carol has none */
  same_in_both_modes(BIDS_DDL "SELECT b.name, b.price, p.total FROM bids b LEFT JOIN (SELECT name, SUM(price) AS "
                              "total FROM bids WHERE price > 8 GROUP BY name) p ON b.name = p.name",
                     "+I[alice, 10, 10]\n+I[alice, 3, 10]\n+I[alice, 5, 10]\n+I[bob, 1, 20]\n+I[bob, 20, 20]\n"
                     "+I[bob, 4, 20]\n+I[carol, 7, <NULL>]\n");
  same_in_both_modes("SELECT a, b FROM (VALUES (1), (2), (2)) AS l(a) FULL JOIN (VALUES (2), (3)) AS r(b) ON a = b",
                     "+I[1, <NULL>]\n+I[2, 2]\n+I[2, 2]\n+I[<NULL>, 3]\n");
  /* a Top-N (ROW_NUMBER) changes its rows in streaming; batch emits the final two */
  same_in_both_modes(BIDS_DDL "SELECT id, price FROM (SELECT id, price, ROW_NUMBER() OVER (ORDER BY price DESC) AS rn "
                              "FROM bids) WHERE rn <= 2",
                     "+I[1, 10]\n+I[2, 20]\n");
}

TEST(subqueries_and_set_operations_are_final) {
  /* semi join: ids of prices > 5 are 1, 2, 4 */
  same_in_both_modes(BIDS_DDL "SELECT name FROM bids WHERE id IN (SELECT id FROM bids WHERE price > 5)",
                     "+I[alice]\n+I[bob]\n+I[carol]\n");
  /* names with a price > 8: alice, bob */
  same_in_both_modes(BIDS_DDL "SELECT name FROM bids EXCEPT SELECT name FROM bids WHERE price > 8", "+I[carol]\n");
  /* prices < 5: bob 1, alice 3, bob 4 */
  same_in_both_modes(BIDS_DDL "SELECT name FROM bids INTERSECT ALL SELECT name FROM bids WHERE price < 5",
                     "+I[alice]\n+I[bob]\n+I[bob]\n");
  /* AVG(price) of INT is 50 / 7 = 7 */
  same_in_both_modes(BIDS_DDL "SELECT id FROM bids WHERE price > (SELECT AVG(price) FROM bids)", "+I[1]\n+I[2]\n");
  /* a changelog source: Flink's batch mode refuses it */
  CHECK_ERR("CREATE TABLE cdc (id BIGINT, name STRING) WITH ('connector' = 'kafka', 'topic' = 't', "
            "'properties.bootstrap.servers' = '127.0.0.1:1', 'format' = 'debezium-json', "
            "'scan.bounded.mode' = 'latest-offset');\n" BATCH "SELECT name, COUNT(*) FROM cdc GROUP BY name;",
            "doesn't support consuming update and delete changes, which table 'cdc' (format 'debezium-json') produces");
}

/* The file's text with every 'blackhole' sink made a 'print' one (malloc'd), or NULL. */
static char *nexmark_script(const char *name, const char *mode) {
  const char *root = getenv("STROM_TEST_ROOT") ? getenv("STROM_TEST_ROOT") : ".";
  char path[512], *text = NULL;
  size_t len = 0;
  FILE *o = open_memstream(&text, &len);
  fprintf(o, "SET 'execution.runtime-mode' = '%s';\n", mode);
  const char *files[] = {"ddl.sql", name};
  for (int i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/bench/nexmark/%s", root, files[i]);
    FILE *f = fopen(path, "r");
    if (!f) {
      fclose(o);
      free(text);
      return NULL;
    }
    char line[1024];
    while (fgets(line, sizeof line, f)) {
      char *b = strstr(line, "'blackhole'");
      if (b) fprintf(o, "%.*s'print'%s", (int)(b - line), line, b + strlen("'blackhole'"));
      else fputs(line, o);
    }
    fclose(f);
  }
  fclose(o);
  return text;
}

/* The rows a session's print sinks wrote ("+I[...]" lines), in order. */
static char *printed_rows(const char *out) {
  size_t n = strlen(out), k = 0;
  char *r = calloc(1, n + 1);
  for (const char *p = out; *p;) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p + 1) : strlen(p);
    if (len > 3 && (p[0] == '+' || p[0] == '-') && strchr("IUD", p[1]) && p[2] == '[') memcpy(r + k, p, len), k += len;
    p += len;
  }
  return r;
}

TEST(nexmark_queries_equal_streaming_final_results) {
  /* joins, Top-N, deduplication, aggregations over aggregations, DISTINCT and FILTER
   * aggregates, windows: every batch result is +I only and the streaming changelog's
   * final table */
  static const char *queries[] = {"q3.sql", "q4.sql", "q8.sql", "q9.sql", "q11.sql", "q16.sql", "q17.sql", "q18.sql", "q19.sql", "q20.sql"};
  for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
    char *rows[2] = {NULL, NULL};
    for (int m = 0; m < 2; m++) {
      char *sql = nexmark_script(queries[i], m ? "batch" : "streaming");
      CHECK(sql != NULL);
      if (!sql) return;
      size_t n;
      char *out = NULL, err[1024];
      FILE *f = open_memstream(&out, &n);
      strom_sql_session *s = strom_sql_session_new(f);
      const char *vars[][2] = {{"TPS", "10000000"}, {"EVENTS_NUM", "20000"}, {"PERSON_PROPORTION", "1"},
                               {"AUCTION_PROPORTION", "3"}, {"BID_PROPORTION", "46"}};
      for (int v = 0; v < 5; v++) strom_sql_define(s, vars[v][0], vars[v][1]);
      int rc = strom_sql_execute(s, sql, strlen(sql));
      snprintf(err, sizeof err, "%s", strom_sql_errmsg(s));
      strom_sql_session_free(s);
      fclose(f);
      free(sql);
      if (rc) fprintf(stderr, "  %s (%s): %s\n", queries[i], m ? "batch" : "streaming", err);
      CHECK_INT(rc, 0);
      rows[m] = printed_rows(out);
      free(out);
    }
    char *sfinal = final_of(rows[0]), *bfinal = final_of(rows[1]);
    bool same = !strcmp(sfinal, bfinal), inserts = only_inserts(rows[1]);
    if (!same || !inserts || !*bfinal) fprintf(stderr, "  %s: batch %s the streaming final table%s\n", queries[i],
                                              same ? "equals" : "differs from", inserts ? "" : ", not only +I");
    CHECK(same);
    CHECK(inserts);
    CHECK(*bfinal != 0);
    free(rows[0]), free(rows[1]), free(sfinal), free(bfinal);
  }
}

TEST(group_by_into_an_append_only_sink) {
  const char *ddl = BIDS_DDL "CREATE TABLE totals (name STRING, total BIGINT) WITH ('connector' = 'filesystem', "
                             "'path' = '${TMP}/totals', 'format' = 'csv');\n";
  char sql[2048];
  snprintf(sql, sizeof sql, "%sINSERT INTO totals SELECT name, SUM(price) FROM bids GROUP BY name;", ddl);
  CHECK_ERR(sql, "doesn't support consuming update changes");
  snprintf(sql, sizeof sql, "%s" BATCH "INSERT INTO totals SELECT name, SUM(price) FROM bids GROUP BY name;", ddl);
  char *out, err[1024];
  int rc = run(sql, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  free(out);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "cat %s/totals/part-* 2>/dev/null | sort", tmp);
  FILE *p = popen(cmd, "r");
  char buf[1024] = {0};
  size_t n = fread(buf, 1, sizeof buf - 1, p);
  buf[n] = 0;
  pclose(p);
  CHECK_STR(buf, "alice,18\nbob,25\ncarol,7\n");
}

TEST(a_mode_change_runs_the_inserts_before_it) {
  /* the first INSERT (streaming: updates) runs before the SET, the second in batch mode */
  char *out, err[1024];
  CHECK_INT(run(BIDS_DDL "CREATE TABLE p (name STRING, n BIGINT) WITH ('connector' = 'print');\n"
                         "INSERT INTO p SELECT name, COUNT(*) FROM bids WHERE name = 'bob' GROUP BY name;\n" BATCH
                         "INSERT INTO p SELECT name, COUNT(*) FROM bids WHERE name = 'bob' GROUP BY name;\n",
                &out, err, sizeof err),
            0);
  CHECK_STR(out, "+I[bob, 1]\n-U[bob, 1]\n+U[bob, 2]\n-U[bob, 2]\n+U[bob, 3]\n+I[bob, 3]\n");
  free(out);
}

TEST(unbounded_sources_are_refused) {
  CHECK_ERR("CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen');\n" BATCH "SELECT COUNT(*) FROM g;",
            "table 'g' (connector 'datagen') is unbounded: set 'number-of-rows' or a sequence field");
  CHECK_ERR("CREATE TABLE nx (event_type INT) WITH ('connector' = 'nexmark');\n" BATCH "SELECT COUNT(*) FROM nx;",
            "table 'nx' (connector 'nexmark') is unbounded: set 'events.num'");
  CHECK_ERR("CREATE TABLE k (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', "
            "'properties.bootstrap.servers' = '127.0.0.1:1', 'format' = 'csv');\n" BATCH
            "INSERT INTO k SELECT a FROM k;",
            "table 'k' (connector 'kafka') is unbounded: set 'scan.bounded.mode' = 'latest-offset'");
  CHECK_ERR("CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen');\n" BATCH "EXPLAIN SELECT id FROM g;",
            "needs bounded sources");
  /* bounded ones run: 100 rows; a sequence 1..10 */
  CHECK_ROWS("CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '100');\n" BATCH
             "SELECT COUNT(*) FROM g;",
             false, "+I[100]\n");
  CHECK_ROWS("CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence', "
             "'fields.id.start' = '1', 'fields.id.end' = '10');\n" BATCH "SELECT SUM(id), COUNT(*) FROM g;",
             false, "+I[55, 10]\n");
}

TEST(global_aggregate_over_no_rows) {
  /* Flink's batch mode gives the one row of a global aggregate; streaming gives none */
  CHECK_ROWS(BIDS_DDL BATCH "SELECT COUNT(*), SUM(price) FROM bids WHERE price > 100;", false, "+I[0, <NULL>]\n");
  CHECK_ROWS(BIDS_DDL "SELECT COUNT(*), SUM(price) FROM bids WHERE price > 100;", false, "");
  /* with GROUP BY there is no group, so no row */
  CHECK_ROWS(BIDS_DDL BATCH "SELECT name, COUNT(*) FROM bids WHERE price > 100 GROUP BY name;", false, "");
}

TEST(batch_mode_ignores_state_ttl) {
  /* 20 rows 10 ms apart: a 1 ms TTL expires every group between two rows in streaming
   * (each count restarts), never in batch mode */
  const char *ddl = "CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '100', "
                    "'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '20');\n"
                    "SET 'table.exec.state.ttl' = '1 ms';\n";
  char sql[1024];
  snprintf(sql, sizeof sql, "%s" BATCH "SELECT MOD(id, 2), COUNT(*) FROM g GROUP BY MOD(id, 2);", ddl);
  CHECK_ROWS(sql, true, "+I[0, 10]\n+I[1, 10]\n");
  char *out, err[1024];
  snprintf(sql, sizeof sql, "%sSELECT MOD(id, 2), COUNT(*) FROM g GROUP BY MOD(id, 2);", ddl);
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  char *rows = rows_of(out, false), *fin = final_of(rows);
  CHECK(strcmp(fin, "+I[0, 10]\n+I[1, 10]\n") != 0); /* the TTL did expire state in streaming */
  free(out), free(rows), free(fin);
}

TEST(batch_windows_take_every_row) {
  /* streaming drops rows 5 (bob 1 at 9 s) and 7 (bob 4 at 2 s): [0, 10) fired at the
   * watermark 10 s; batch has no late rows, as in Flink */
  CHECK_ROWS(BIDS_DDL "SELECT window_start, name, SUM(price) FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL "
                      "'10' SECOND)) GROUP BY window_start, window_end, name;",
             true,
             "+I[" TS0 ", alice, 15]\n+I[" TS0 ", bob, 20]\n+I[2020-01-01 00:00:10.000, carol, 7]\n"
             "+I[2020-01-01 00:00:20.000, alice, 3]\n");
  CHECK_ROWS(BIDS_DDL BATCH "SELECT window_start, name, SUM(price) FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), "
                            "INTERVAL '10' SECOND)) GROUP BY window_start, window_end, name;",
             true,
             "+I[" TS0 ", alice, 15]\n+I[" TS0 ", bob, 25]\n+I[2020-01-01 00:00:10.000, carol, 7]\n"
             "+I[2020-01-01 00:00:20.000, alice, 3]\n");
}

TEST(batch_order_by_limit_offset) {
  /* nums: a 3, b NULL, c 1, d 3, e 2, f NULL.  NULL is the smallest value: first when
   * ascending, last when descending; ties keep their input order. */
  CHECK_ROWS(NUMS_DDL BATCH "SELECT k, v FROM nums ORDER BY v;", false,
             "+I[b, <NULL>]\n+I[f, <NULL>]\n+I[c, 1]\n+I[e, 2]\n+I[a, 3]\n+I[d, 3]\n");
  CHECK_ROWS(NUMS_DDL BATCH "SELECT k, v FROM nums ORDER BY v DESC;", false,
             "+I[a, 3]\n+I[d, 3]\n+I[e, 2]\n+I[c, 1]\n+I[b, <NULL>]\n+I[f, <NULL>]\n");
  CHECK_ROWS(NUMS_DDL BATCH "SELECT k, v FROM nums ORDER BY v DESC NULLS FIRST, k DESC;", false,
             "+I[f, <NULL>]\n+I[b, <NULL>]\n+I[d, 3]\n+I[a, 3]\n+I[e, 2]\n+I[c, 1]\n");
  /* c 1, e 2, a 3, d 3, b, f: skip one, take three */
  CHECK_ROWS(NUMS_DDL BATCH "SELECT k, v FROM nums ORDER BY v NULLS LAST LIMIT 3 OFFSET 1;", false,
             "+I[e, 2]\n+I[a, 3]\n+I[d, 3]\n");
  CHECK_ROWS(NUMS_DDL BATCH "SELECT k FROM nums ORDER BY v * -1, k LIMIT 4;", false, "+I[b]\n+I[f]\n+I[a]\n+I[d]\n");
  CHECK_ROWS(NUMS_DDL BATCH "SELECT k, v FROM nums LIMIT 2;", false, "+I[a, 3]\n+I[b, <NULL>]\n");
  CHECK_ROWS(NUMS_DDL BATCH "SELECT k, v FROM nums ORDER BY k DESC LIMIT 0;", false, "");
  CHECK_ROWS(NUMS_DDL BATCH "SELECT k, v FROM nums ORDER BY k OFFSET 4;", false, "+I[e, 2]\n+I[f, <NULL>]\n");
  /* over an aggregation, by an alias; over a UNION ALL (a QUERY node) */
  CHECK_ROWS(BIDS_DDL BATCH "SELECT name, SUM(price) AS s FROM bids GROUP BY name ORDER BY s DESC;", false,
             "+I[bob, 25]\n+I[alice, 18]\n+I[carol, 7]\n");
  CHECK_ROWS(NUMS_DDL BATCH "SELECT k FROM nums WHERE v = 3 UNION ALL SELECT k FROM nums WHERE v = 1 ORDER BY k DESC;",
             false, "+I[d]\n+I[c]\n+I[a]\n");
  /* positions; a hidden aggregate key (alice 18, bob 25, carol 7) */
  CHECK_ROWS(NUMS_DDL BATCH "SELECT k, v FROM nums ORDER BY 2 DESC, 1 DESC LIMIT 3;", false,
             "+I[d, 3]\n+I[a, 3]\n+I[e, 2]\n");
  CHECK_ROWS(BIDS_DDL BATCH "SELECT name FROM bids GROUP BY name ORDER BY SUM(price);", false,
             "+I[carol]\n+I[alice]\n+I[bob]\n");
  /* every row, the late ones too, by time */
  CHECK_ROWS(BIDS_DDL BATCH "SELECT id FROM bids ORDER BY ts;", false,
             "+I[1]\n+I[7]\n+I[2]\n+I[3]\n+I[5]\n+I[4]\n+I[6]\n");
}

TEST(streaming_order_by_time_and_top_n) {
  /* watermark = ts - 2 s after each row: 1 s fires at the watermark 1 s (row 2), 3 s
   * at 5 s, 7 s at 10 s; row 5 (9 s) is behind the watermark but after the last timer
   * (7 s), so it waits and goes out at 23 s before row 4 (12 s); row 7 (2 s) is late
   * (at or before the last timer, 12 s) and dropped; 25 s at the end of input. */
  CHECK_ROWS(BIDS_DDL "SELECT id, ts FROM bids ORDER BY ts, id;", false,
             "+I[1, 2020-01-01 00:00:01.000]\n+I[2, 2020-01-01 00:00:03.000]\n+I[3, 2020-01-01 00:00:07.000]\n"
             "+I[5, 2020-01-01 00:00:09.000]\n+I[4, 2020-01-01 00:00:12.000]\n+I[6, 2020-01-01 00:00:25.000]\n");
  /* the time attribute survives the sort: a window aggregation after it */
  CHECK_ROWS(BIDS_DDL "CREATE VIEW sorted AS SELECT * FROM bids ORDER BY ts;\n"
                      "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE sorted, "
                      "DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end;",
             true, "+I[" TS0 ", 3]\n+I[2020-01-01 00:00:10.000, 1]\n+I[2020-01-01 00:00:20.000, 1]\n");
  /* Top-2 by v DESC (NULLs last) of a 3, b NULL, c 1, d 3, e 2, f NULL: b fills the
   * second place, c pushes it out, d (a tie with a, after it) pushes c out; e and f
   * do not beat d. */
  CHECK_ROWS(NUMS_DDL "SELECT k, v FROM nums ORDER BY v DESC LIMIT 2;", false,
             "+I[a, 3]\n+I[b, <NULL>]\n-D[b, <NULL>]\n+I[c, 1]\n-D[c, 1]\n+I[d, 3]\n");
  CHECK_ROWS(NUMS_DDL BATCH "SELECT k, v FROM nums ORDER BY v DESC LIMIT 2;", false, "+I[a, 3]\n+I[d, 3]\n");
  /* a PROCTIME() first: the rows of each millisecond sorted on the other keys, all of
   * them by the end of the input (which millisecond a row falls in is the clock's) */
  CHECK_ROWS(NUMS_DDL "CREATE VIEW pv AS SELECT *, PROCTIME() AS p FROM nums;\n"
                      "SELECT k, v FROM pv ORDER BY p, v DESC;",
             true, "+I[a, 3]\n+I[b, <NULL>]\n+I[c, 1]\n+I[d, 3]\n+I[e, 2]\n+I[f, <NULL>]\n");
  CHECK_ERR(NUMS_DDL "CREATE VIEW pv AS SELECT *, PROCTIME() AS p FROM nums;\n"
                     "SELECT k, v FROM pv ORDER BY p DESC;", "ORDER BY must start with a time attribute in ascending order");
  /* LIMIT without ORDER BY keeps the first rows and only appends */
  CHECK_ROWS(NUMS_DDL "SELECT k FROM nums LIMIT 2 OFFSET 1;", false, "+I[b]\n+I[c]\n");
  CHECK_ROWS(NUMS_DDL "SELECT k FROM nums LIMIT 0;", false, "");
}

TEST(batch_at_parallelism_two) {
  /* keyed aggregation, the final-result operator and the sort on two subtasks; a global
   * aggregate over no rows still gives one row */
  same_in_both_modes("SET 'parallelism.default' = '2';\n" BIDS_DDL
                     "SELECT name, COUNT(*), SUM(price) FROM bids GROUP BY name",
                     "+I[alice, 3, 18]\n+I[bob, 3, 25]\n+I[carol, 1, 7]\n");
  same_in_both_modes("SET 'parallelism.default' = '2';\n" BIDS_DDL
                     "SELECT b.id, p.total FROM bids b LEFT JOIN (SELECT name, SUM(price) AS total FROM bids "
                     "WHERE price > 8 GROUP BY name) p ON b.name = p.name WHERE b.price < 5",
                     "+I[5, 20]\n+I[6, 10]\n+I[7, 20]\n");
  CHECK_ROWS("SET 'parallelism.default' = '2';\n" BIDS_DDL BATCH "SELECT COUNT(*) FROM bids WHERE price > 100;",
             false, "+I[0]\n");
  CHECK_ROWS("SET 'parallelism.default' = '2';\n" BIDS_DDL BATCH "SELECT id FROM bids ORDER BY price DESC LIMIT 3;",
             false, "+I[2]\n+I[1]\n+I[4]\n");
}

static int produce_bk(void) {
  rd_kafka_t *rk = kmock_producer(&MOCK);
  if (!rk) return -1;
  static const struct {
    const char *v;
    int64_t ms;
  } recs[] = {{"{\"name\":\"a\",\"v\":1}", 1000}, {"{\"name\":\"b\",\"v\":2}", 6000}, {"{\"name\":\"a\",\"v\":3}", 2000}};
  int rc = 0;
  for (int i = 0; i < 3; i++)
    rc |= rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("bk"), RD_KAFKA_V_PARTITION(0),
                            RD_KAFKA_V_VALUE((void *)recs[i].v, strlen(recs[i].v)),
                            RD_KAFKA_V_TIMESTAMP(1700000000000 + recs[i].ms), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_END);
  if (rd_kafka_flush(rk, 10000)) rc = -1;
  rd_kafka_destroy(rk);
  return rc;
}

TEST(kafka_bounded_source_and_append_only_sink) {
  if (!mock_up) {
    CHECK(0);
    return;
  }
  CHECK_INT(kmock_topic(&MOCK, "bk", 1), 0);
  CHECK_INT(kmock_topic(&MOCK, "bk_out", 1), 0);
  CHECK_INT(produce_bk(), 0);
  char ddl[2048], sql[4096];
  snprintf(ddl, sizeof ddl,
           "CREATE TABLE bk (name STRING, v INT, ts TIMESTAMP(3) METADATA FROM 'timestamp', WATERMARK FOR ts AS ts) "
           "WITH ('connector' = 'kafka', 'topic' = 'bk', 'properties.bootstrap.servers' = '%s', 'format' = 'json', "
           "'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', "
           "'scan.watermark.emit.strategy' = 'on-event');\n"
           "CREATE TABLE bk_out (name STRING, total INT) WITH ('connector' = 'kafka', 'topic' = 'bk_out', "
           "'properties.bootstrap.servers' = '%s', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset', "
           "'scan.bounded.mode' = 'latest-offset');\n",
           MOCK.bootstrap, MOCK.bootstrap);
  /* records at T0 + 1 s, 6 s, 2 s (T0 = 22:13:20): the watermark 6 s fires [20 s, 25 s),
   * so streaming drops the third; batch counts it */
  const char *q = "SELECT window_start, COUNT(*), SUM(v) FROM TABLE(TUMBLE(TABLE bk, DESCRIPTOR(ts), INTERVAL '5' "
                  "SECOND)) GROUP BY window_start, window_end;";
  snprintf(sql, sizeof sql, "%s%s", ddl, q);
  CHECK_ROWS(sql, true, "+I[2023-11-14 22:13:20.000, 1, 1]\n+I[2023-11-14 22:13:25.000, 1, 2]\n");
  snprintf(sql, sizeof sql, "%s" BATCH "%s", ddl, q);
  CHECK_ROWS(sql, true, "+I[2023-11-14 22:13:20.000, 2, 4]\n+I[2023-11-14 22:13:25.000, 1, 2]\n");
  /* a GROUP BY into the append-only json sink: refused in streaming, final rows in batch */
  snprintf(sql, sizeof sql, "%sINSERT INTO bk_out SELECT name, SUM(v) FROM bk GROUP BY name;", ddl);
  CHECK_ERR(sql, "doesn't support consuming update changes");
  snprintf(sql, sizeof sql, "%s" BATCH "INSERT INTO bk_out SELECT name, SUM(v) FROM bk GROUP BY name;", ddl);
  CHECK_ROWS(sql, false, "");
  snprintf(sql, sizeof sql, "%s" BATCH "SELECT name, total FROM bk_out ORDER BY name;", ddl);
  CHECK_ROWS(sql, false, "+I[a, 4]\n+I[b, 2]\n");
}

TEST(explain_and_errors) {
  char *out, err[1024];
  int rc = run(NUMS_DDL BATCH "EXPLAIN SELECT k FROM nums ORDER BY v DESC, k LIMIT 2 OFFSET 1;", &out, err, sizeof err);
  CHECK_INT(rc, 0);
  CHECK(strstr(out, "SortLimit(orderBy=[v DESC, k ASC], offset=[1], fetch=[2]) [emits at end of input]") != NULL);
  free(out);
  rc = run(NUMS_DDL "EXPLAIN SELECT k FROM nums ORDER BY v DESC LIMIT 2;", &out, err, sizeof err);
  CHECK_INT(rc, 0);
  CHECK(strstr(out, "SortLimit(orderBy=[v DESC], offset=[0], fetch=[2], strategy=[AppendFastStrategy]) [changelog]") != NULL);
  free(out);
  rc = run(BIDS_DDL BATCH "EXPLAIN SELECT name, COUNT(*) FROM bids GROUP BY name;", &out, err, sizeof err);
  CHECK_INT(rc, 0);
  CHECK(strstr(out, "GroupAggregate(groupBy=[name], select=[COUNT(*)]) [emits at end of input]") != NULL);
  free(out);
  rc = run(NUMS_DDL BATCH "EXPLAIN SELECT a.k, b.v FROM nums a LEFT JOIN nums b ON a.k = b.k;", &out, err, sizeof err);
  CHECK_INT(rc, 0);
  CHECK(strstr(out, "  FinalResult() [emits at end of input]\n    Join(joinType=[LeftOuterJoin]") != NULL);
  free(out);
  rc = run(BIDS_DDL "EXPLAIN SELECT id FROM bids ORDER BY ts, id;", &out, err, sizeof err);
  CHECK_INT(rc, 0);
  CHECK(strstr(out, "TemporalSort(orderBy=[ts ASC, id ASC])") != NULL);
  free(out);
  CHECK_ERR(NUMS_DDL "SELECT k FROM nums ORDER BY v;",
            "line 2, column 20: in streaming mode, ORDER BY must start with a time attribute in ascending order");
  CHECK_ERR(BIDS_DDL "SELECT id FROM bids ORDER BY ts DESC;", "ORDER BY must start with a time attribute");
  CHECK_ERR(NUMS_DDL "SELECT k FROM nums OFFSET 2;", "not supported in streaming mode: OFFSET without LIMIT");
  CHECK_ERR(NUMS_DDL BATCH "SELECT k FROM nums LIMIT -1;", "line 3, column 20: LIMIT needs a non-negative integer literal");
  CHECK_ERR(NUMS_DDL BATCH "SELECT k FROM nums LIMIT 'x';", "LIMIT needs a non-negative integer literal");
  CHECK_ERR(NUMS_DDL BATCH "SELECT k FROM nums ORDER BY nope;", "nope");
  CHECK_ERR(NUMS_DDL BATCH "SELECT k FROM nums ORDER BY 2;", "line 3, column 29: ORDER BY position 2 is not in the select list (1..1)");
  /* SELECT DISTINCT sorts on its columns only */
  CHECK_ERR(NUMS_DDL BATCH "SELECT DISTINCT k FROM nums ORDER BY v;", "'v' not found");
  CHECK_ERR("SET 'execution.runtime-mode' = 'sometimes';", "expected 'streaming' or 'batch'");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  mock_up = kmock_start(&MOCK) == 0; /* forked before any job starts a thread */
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-batch-test-%d", (int)getpid());
  mkdir(tmp, 0777);
  char path[300];
  snprintf(path, sizeof path, "%s/bids.csv", tmp);
  write_file(path, bids_csv);
  snprintf(path, sizeof path, "%s/nums.csv", tmp);
  write_file(path, "a,3\nb,\nc,1\nd,3\ne,2\nf,\n");
  RUN(group_by_equals_streaming_final_result);
  RUN(outer_joins_are_final_and_insert_only);
  RUN(subqueries_and_set_operations_are_final);
  RUN(nexmark_queries_equal_streaming_final_results);
  RUN(group_by_into_an_append_only_sink);
  RUN(a_mode_change_runs_the_inserts_before_it);
  RUN(unbounded_sources_are_refused);
  RUN(global_aggregate_over_no_rows);
  RUN(batch_mode_ignores_state_ttl);
  RUN(batch_windows_take_every_row);
  RUN(batch_order_by_limit_offset);
  RUN(streaming_order_by_time_and_top_n);
  RUN(batch_at_parallelism_two);
  RUN(explain_and_errors);
  RUN(kafka_bounded_source_and_append_only_sink);
  if (mock_up) kmock_stop(&MOCK);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  TEST_MAIN_END();
}
