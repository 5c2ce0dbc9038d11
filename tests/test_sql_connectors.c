/*
 * test_sql_connectors.c -- the SQL connectors that talk to outside systems, end to end
 * through a session: 'kafka' against librdkafka's mock cluster (tests/kafka_mock.h, a
 * child process on loopback), 'jdbc' against a PostgreSQL server that tests/pg_server.sh
 * starts on loopback, and the filesystem connector's 'json' format.  Rows written by an
 * INSERT job are read back by a SELECT through the same connector (and, for jdbc, by
 * libpq directly); expected rows are computed by hand.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kafka_mock.h"
#include "pg_test.h"
#include "strom/sql.h"
#include "test.h"

static kmock MOCK;
static char tmp[256];

/* ---- running SQL ---- */

/* Runs sql in a new session with ${BS} (the Kafka bootstrap servers), ${PG} (the jdbc
 * url) and ${TMP}; returns the status, the output in *out (malloc'd), the error in err. */
static int run(const char *sql, char **out, char *err, size_t errlen) {
  size_t n;
  FILE *f = open_memstream(out, &n);
  strom_sql_session *s = strom_sql_session_new(f);
  strom_sql_define(s, "TMP", tmp);
  strom_sql_define(s, "BS", MOCK.bootstrap);
  strom_sql_define(s, "PG", pg_url);
  int rc = strom_sql_execute(s, sql, strlen(sql));
  snprintf(err, errlen, "%s", strom_sql_errmsg(s));
  strom_sql_session_free(s);
  fclose(f);
  return rc;
}

static int cmp_line(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The rows of tableau output as "+I[a, b]" lines (cells trimmed), sorted. */
static char *rows_of(const char *out) {
  char *lines[4096];
  int n = 0;
  for (const char *p = out; *p && n < 4096;) {
    const char *e = strchr(p, '\n');
    if (!e) e = p + strlen(p);
    if (e - p > 6 && p[0] == '|' && p[1] == ' ' && (p[2] == '+' || p[2] == '-') && p[5] == '|' && p[4] == ' ') {
      char buf[2048];
      int k = snprintf(buf, sizeof buf, "%.2s[", p + 2);
      const char *c = p + 6;
      bool first = true;
      while (c < e) {
        const char *bar = memchr(c, '|', (size_t)(e - c));
        if (!bar) break;
        const char *a = c, *z = bar;
        while (a < z && *a == ' ') a++;
        while (z > a && z[-1] == ' ') z--;
        k += snprintf(buf + k, sizeof buf - (size_t)k, "%s%.*s", first ? "" : ", ", (int)(z - a), a);
        first = false;
        c = bar + 1;
      }
      snprintf(buf + k, sizeof buf - (size_t)k, "]");
      lines[n++] = strdup(buf);
    }
    p = *e ? e + 1 : e;
  }
  qsort(lines, (size_t)n, sizeof *lines, cmp_line);
  return test_join_lines("", lines, n);
}

/* The table a changelog (rows_of's lines) ends as: +I and +U add a row, -U and -D
 * remove one; "[a, b]" lines, sorted. */
static char *final_of(const char *rows) {
  char *live[4096];
  int n = 0;
  for (const char *p = rows; *p;) {
    const char *e = strchr(p, '\n');
    char *v = strndup(p + 2, (size_t)(e - p - 2));
    if (p[0] == '+') {
      if (n < 4096) live[n++] = v;
      else free(v);
    } else {
      for (int i = 0; i < n; i++)
        if (!strcmp(live[i], v)) {
          free(live[i]);
          live[i] = live[--n];
          break;
        }
      free(v);
    }
    p = e + 1;
  }
  qsort(live, (size_t)n, sizeof *live, cmp_line);
  return test_join_lines("", live, n);
}

#define CHECK_FINAL(sql, expected)                                   \
  do {                                                               \
    char *out_, err_[1024];                                          \
    int rc_ = run(sql, &out_, err_, sizeof err_);                    \
    if (rc_) fprintf(stderr, "  error: %s\n", err_);                 \
    char *rows_ = rows_of(out_), *fin_ = final_of(rows_);            \
    free(out_);                                                      \
    free(rows_);                                                     \
    if (strcmp(fin_, expected)) {                                    \
      fprintf(stderr, "  got:\n%s  expected:\n%s", fin_, expected);  \
      CHECK(0);                                                      \
    }                                                                \
    free(fin_);                                                      \
    CHECK_INT(rc_, 0);                                               \
  } while (0)

#define CHECK_ROWS(sql, expected)                                    \
  do {                                                               \
    char *out_, err_[1024];                                          \
    int rc_ = run(sql, &out_, err_, sizeof err_);                    \
    if (rc_) fprintf(stderr, "  error: %s\n", err_);                 \
    char *rows_ = rows_of(out_);                                     \
    free(out_);                                                      \
    if (strcmp(rows_, expected)) {                                   \
      fprintf(stderr, "  got:\n%s  expected:\n%s", rows_, expected); \
      CHECK(0);                                                      \
    }                                                                \
    free(rows_);                                                     \
    CHECK_INT(rc_, 0);                                               \
  } while (0)

#define CHECK_ERR(sql, expected_substring)                                                        \
  do {                                                                                            \
    char *out_, err_[1024];                                                                       \
    int rc_ = run(sql, &out_, err_, sizeof err_);                                                 \
    free(out_);                                                                                   \
    if (!strstr(err_, expected_substring))                                                        \
      fprintf(stderr, "  error was: %s\n  expected it to contain: %s\n", err_, expected_substring); \
    CHECK(rc_ != 0);                                                                              \
    CHECK(strstr(err_, expected_substring) != NULL);                                              \
  } while (0)

/* ---- kafka ---- */

#define KAFKA_T(name, topic, fmt, extra)                                                                           \
  "CREATE TABLE " name " (id BIGINT, name STRING, price INT) WITH ('connector' = 'kafka', 'topic' = '" topic "', " \
  "'properties.bootstrap.servers' = '${BS}', 'format' = '" fmt "', 'scan.startup.mode' = 'earliest-offset', "      \
  "'scan.bounded.mode' = 'latest-offset'" extra ");\n"

static long count_records(const char *topic) { return kmock_read_all(&MOCK, topic, NULL, NULL); }

static void on_value(void *arg, int32_t part, int64_t off, const char *key, size_t kn, const char *val, size_t vn) {
  (void)part, (void)off, (void)key, (void)kn;
  char **first = arg;
  if (!*first) *first = strndup(val, vn);
}

TEST(kafka_insert_values_then_select_json) {
  CHECK_INT(kmock_topic(&MOCK, "sql_json", 2), 0);
  CHECK_ROWS(KAFKA_T("k", "sql_json", "json", "")
             "INSERT INTO k VALUES (1, 'apple', 10), (2, 'pear', 20), (3, 'fig', 30), (4, 'apple', 5);\n"
             "SELECT id, name, price FROM k;",
             "+I[1, apple, 10]\n+I[2, pear, 20]\n+I[3, fig, 30]\n+I[4, apple, 5]\n");
  CHECK_INT(count_records("sql_json"), 4);
  /* the records are JSON objects with members by column name */
  char *first = NULL;
  kmock_read_all(&MOCK, "sql_json", on_value, &first);
  CHECK(first && strstr(first, "\"name\":") && strstr(first, "\"price\":"));
  free(first);
  /* a bounded read feeds a GROUP BY: its final values */
  CHECK_FINAL(KAFKA_T("k", "sql_json", "json", "") "SELECT name, SUM(price) AS total FROM k GROUP BY name;",
              "[apple, 15]\n[fig, 30]\n[pear, 20]\n");
}

TEST(kafka_csv_from_datagen) {
  CHECK_INT(kmock_topic(&MOCK, "sql_csv", 3), 0);
  CHECK_FINAL("CREATE TABLE gen (id BIGINT, name STRING, price INT) WITH ('connector' = 'datagen', "
             "'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '50', "
             "'fields.name.length' = '4', 'fields.price.min' = '1', 'fields.price.max' = '1');\n"
             KAFKA_T("k", "sql_csv", "csv", "")
             "INSERT INTO k SELECT id, name, price FROM gen;\n"
             "SELECT COUNT(*) AS n, SUM(id) AS s, MIN(id) AS lo, MAX(id) AS hi, SUM(price) AS p FROM (SELECT * FROM k) AS x "
             "WHERE CHAR_LENGTH(name) = 4;",
             /* ids 1..50: 50 rows, sum 1275, each price 1 */
             "[50, 1275, 1, 50, 50]\n");
}

TEST(kafka_options_and_changelog_refused) {
  CHECK_ERR("CREATE TABLE k (a INT) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json')",
            "'properties.bootstrap.servers' is required");
  CHECK_ERR("CREATE TABLE k (a INT) WITH ('connector' = 'kafka', 'topic' = 't', 'properties.bootstrap.servers' = 'x', "
            "'format' = 'avro-confluent')",
            "format 'avro-confluent' is not supported");
  CHECK_ERR("CREATE TABLE k (a INT) WITH ('connector' = 'kafka', 'topic' = 't', 'properties.bootstrap.servers' = 'x', "
            "'format' = 'json', 'scan.bogus' = '1')",
            "unsupported option 'scan.bogus' for connector 'kafka'");
  CHECK_ERR(KAFKA_T("k", "sql_json", "json", "")
            "INSERT INTO k SELECT MAX(id), name, SUM(price) FROM (VALUES (1, 'a', 2)) AS t(id, name, price) GROUP BY name",
            "doesn't support consuming update changes");
  CHECK_ERR(KAFKA_T("k", "sql_json", "json", ", 'scan.startup.mode' = 'sometime'") "SELECT * FROM k",
            "given twice");
}

TEST(kafka_debezium_json_carries_a_changelog) {
  CHECK_INT(kmock_topic(&MOCK, "sql_cdc", 1), 0);
  /* a GROUP BY changelog into a debezium-json topic, read back as a changelog whose
   * GROUP BY (SUM of the totals per name) ends at the final totals */
  CHECK_FINAL("CREATE TABLE cdc (name STRING, total INT) WITH ('connector' = 'kafka', 'topic' = 'sql_cdc', "
             "'properties.bootstrap.servers' = '${BS}', 'format' = 'debezium-json', 'scan.startup.mode' = 'earliest-offset', "
             "'scan.bounded.mode' = 'latest-offset');\n"
             "INSERT INTO cdc SELECT name, SUM(price) FROM (VALUES ('a', 1), ('b', 2), ('a', 3)) AS t(name, price) GROUP BY name;\n"
             "SELECT COUNT(*) AS n, SUM(total) AS s FROM cdc;",
             /* +I(a, 1) +I(b, 2) -U(a, 1) +U(a, 4): two rows whose totals sum to 6 */
             "[2, 6]\n");
}

/* ---- jdbc ---- */

static void per_partition(void *arg, int32_t part, int64_t off, const char *key, size_t kn, const char *val, size_t vn) {
  (void)off, (void)key, (void)kn, (void)val, (void)vn;
  ((int *)arg)[part & 1]++;
}

/* 'sink.parallelism' is the Kafka sink's own: with the fixed partitioner (subtask i
 * writes partition i), two sink subtasks fed by one fill both partitions, three rows
 * each (round-robin); a changelog into a sink of another parallelism is refused. */
TEST(kafka_sink_parallelism) {
  CHECK_INT(kmock_topic(&MOCK, "sql_par", 2), 0);
  CHECK_ROWS("SET 'parallelism.default' = '1';\n"
             KAFKA_T("k", "sql_par", "json", ", 'sink.partitioner' = 'fixed', 'sink.parallelism' = '2'")
             "INSERT INTO k VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3), (4, 'd', 4), (5, 'e', 5), (6, 'f', 6);\n",
             "");
  int parts[2] = {0, 0};
  kmock_read_all(&MOCK, "sql_par", per_partition, parts);
  CHECK_INT(parts[0], 3);
  CHECK_INT(parts[1], 3);
  CHECK_ERR("SET 'parallelism.default' = '1';\n"
            KAFKA_T("k", "sql_par", "debezium-json", ", 'sink.parallelism' = '2'")
            "INSERT INTO k SELECT 1, name, CAST(COUNT(*) AS INT) FROM (VALUES ('a')) AS t(name) GROUP BY name;",
            "forward partitioning needs equal parallelism");
}

TEST(jdbc_upsert_of_a_group_by_changelog_then_scan) {
  CHECK(pg_exec("CREATE TABLE totals (name text PRIMARY KEY, n bigint, total bigint)"));
  CHECK_ROWS("CREATE TABLE totals (name STRING, n BIGINT, total BIGINT, PRIMARY KEY (name) NOT ENFORCED) "
             "WITH ('connector' = 'jdbc', 'url' = '${PG}', 'table-name' = 'totals', 'sink.buffer-flush.max-rows' = '2');\n"
             "INSERT INTO totals SELECT name, COUNT(*), SUM(price) FROM (VALUES ('a', 1), ('b', 2), ('a', 3), ('c', 4), "
             "('b', 5), ('a', 6)) AS t(name, price) GROUP BY name;\n"
             "SELECT name, n, total FROM totals;",
             "+I[a, 3, 10]\n+I[b, 2, 7]\n+I[c, 1, 4]\n");
  char *got = pg_query("SELECT name, n, total FROM totals ORDER BY name");
  CHECK_STR(got, "a,3,10;b,2,7;c,1,4");
  free(got);
}

/* 'sink.parallelism' above the query's: the sink's three subtasks get each key's
 * changes in order (shuffled by the primary key), so the table ends as the GROUP BY's
 * final result; append mode spreads the rows. */
TEST(jdbc_sink_parallelism) {
  CHECK(pg_exec("CREATE TABLE totals3 (name text PRIMARY KEY, n bigint, total bigint)"));
  CHECK_ROWS("SET 'parallelism.default' = '1';\n"
             "CREATE TABLE totals3 (name STRING, n BIGINT, total BIGINT, PRIMARY KEY (name) NOT ENFORCED) "
             "WITH ('connector' = 'jdbc', 'url' = '${PG}', 'table-name' = 'totals3', 'sink.parallelism' = '3');\n"
             "INSERT INTO totals3 SELECT name, COUNT(*), SUM(price) FROM (VALUES ('a', 1), ('b', 2), ('a', 3), ('c', 4), "
             "('b', 5), ('a', 6), ('d', 7), ('d', 8), ('a', 9)) AS t(name, price) GROUP BY name;\n",
             "");
  char *got = pg_query("SELECT name, n, total FROM totals3 ORDER BY name");
  CHECK_STR(got, "a,4,19;b,2,7;c,1,4;d,2,15");
  free(got);
  CHECK(pg_exec("CREATE TABLE events3 (id int)"));
  CHECK_ROWS("SET 'parallelism.default' = '1';\n"
             "CREATE TABLE ev3 (id INT) WITH ('connector' = 'jdbc', 'url' = '${PG}', 'table-name' = 'events3', "
             "'sink.parallelism' = '2');\nINSERT INTO ev3 VALUES (1), (2), (3), (4), (5);\n",
             "");
  got = pg_query("SELECT count(*), sum(id) FROM events3");
  CHECK_STR(got, "5,15");
  free(got);
  CHECK_ERR("CREATE TABLE ev3 (id INT) WITH ('connector' = 'jdbc', 'url' = '${PG}', 'table-name' = 'events3', "
            "'sink.parallelism' = '-1');\nINSERT INTO ev3 VALUES (1);",
            "table 'ev3': bad 'sink.parallelism' '-1'");
}

TEST(jdbc_append_sink_and_errors) {
  CHECK(pg_exec("CREATE TABLE events (id int, what text)"));
  CHECK_ROWS("CREATE TABLE ev (id INT, what STRING) WITH ('connector' = 'jdbc', 'url' = '${PG}', 'table-name' = 'events');\n"
             "INSERT INTO ev VALUES (1, 'x'), (2, 'y'), (2, 'y');\n"
             "SELECT * FROM ev WHERE id > 1;",
             "+I[2, y]\n+I[2, y]\n");
  char *got = pg_query("SELECT count(*) FROM events");
  CHECK_STR(got, "3");
  free(got);
  /* append mode takes inserts only, as Flink's JDBC sink without a primary key */
  CHECK_ERR("CREATE TABLE ev (id INT, what STRING) WITH ('connector' = 'jdbc', 'url' = '${PG}', 'table-name' = 'events');\n"
            "INSERT INTO ev SELECT COUNT(*), what FROM (VALUES ('a')) AS t(what) GROUP BY what",
            "doesn't support consuming update changes");
  CHECK_ERR("CREATE TABLE ev (id INT) WITH ('connector' = 'jdbc', 'table-name' = 'events')",
            "'url' is required");
  CHECK_ERR("CREATE TABLE ev (id INT) WITH ('connector' = 'jdbc', 'url' = '${PG}', 'table-name' = 'events', "
            "'sink.max-retries' = 'many')",
            "sink.max-retries");
}

/* ---- filesystem json ---- */

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

/* Every line of the visible files of dir, sorted, joined by '\n'. */
static char *dir_lines(const char *dir) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "cat '%s'/[!._]* | LC_ALL=C sort", dir);
  FILE *p = popen(cmd, "r");
  char *out = calloc(1, 65536);
  size_t n = p ? fread(out, 1, 65535, p) : 0;
  out[n] = 0;
  if (p) pclose(p);
  return out;
}

TEST(filesystem_json_source_and_sink) {
  char path[300];
  snprintf(path, sizeof path, "%s/in.json", tmp);
  /* members in any order, unknown members ignored, a missing one NULL, blank lines skipped */
  write_file(path,
             "{\"id\": 1, \"name\": \"apple\", \"price\": 10, \"ts\": \"2020-01-01 00:00:01.500\"}\n"
             "\n"
             "{\"price\": 20, \"id\": 2, \"extra\": [1, {\"x\": 2}], \"name\": \"pear \\\"q\\\"\", \"ts\": \"2020-01-01 00:00:04\"}\n"
             "{\"id\": 3, \"ts\": \"2020-01-01 00:00:07\"}\n");
#define JSON_IN                                                                                              \
  "CREATE TABLE j (id BIGINT, name STRING, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ("        \
  "'connector' = 'filesystem', 'path' = '${TMP}/in.json', 'format' = 'json');\n"
  CHECK_ROWS(JSON_IN "SELECT id, name, price, ts FROM j;",
             "+I[1, apple, 10, 2020-01-01 00:00:01.500]\n+I[2, pear \"q\", 20, 2020-01-01 00:00:04.000]\n"
             "+I[3, <NULL>, <NULL>, 2020-01-01 00:00:07.000]\n");
  /* event time from the json rows: 5-second tumbling windows [0, 5) and [5, 10) */
  CHECK_ROWS(JSON_IN "SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE j, DESCRIPTOR(ts), INTERVAL '5' SECOND)) "
                     "GROUP BY window_start, window_end;",
             "+I[2020-01-01 00:00:00.000, 2]\n+I[2020-01-01 00:00:05.000, 1]\n");
  /* the sink writes one object per line, members named by the table's columns */
  CHECK_ROWS(JSON_IN "CREATE TABLE o (k BIGINT, who STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/out', "
                     "'format' = 'json');\n"
                     "INSERT INTO o SELECT id * 10, UPPER(name) FROM j;\n"
                     "SELECT who, k FROM o WHERE k > 10;",
             "+I[<NULL>, 30]\n+I[PEAR \"Q\", 20]\n");
  char out[300];
  snprintf(out, sizeof out, "%s/out", tmp);
  char *lines = dir_lines(out);
  CHECK_STR(lines, "{\"k\":10,\"who\":\"APPLE\"}\n{\"k\":20,\"who\":\"PEAR \\\"Q\\\"\"}\n{\"k\":30,\"who\":null}\n");
  free(lines);
  /* a malformed line fails the job naming the table, or is skipped */
  snprintf(path, sizeof path, "%s/bad.json", tmp);
  write_file(path, "{\"id\": 1}\n{\"id\": oops}\n{\"id\": 3}\n");
  CHECK_ERR("CREATE TABLE b (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/bad.json', 'format' = 'json');\n"
            "SELECT * FROM b;",
            "table 'b'");
  CHECK_ROWS("CREATE TABLE b (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/bad.json', 'format' = 'json', "
             "'json.ignore-parse-errors' = 'true');\nSELECT * FROM b;",
             "+I[1]\n+I[3]\n");
  CHECK_ERR("CREATE TABLE b (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '/x', 'format' = 'avro')",
            "unknown format 'avro' (supported: csv, json)");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (kmock_start_or_fail(&MOCK)) return 1;
  /* the PostgreSQL script's watchdog must not inherit the mock's command pipe, or the
   * mock never sees it close */
  fcntl(fileno(MOCK.to), F_SETFD, FD_CLOEXEC);
  fcntl(fileno(MOCK.from), F_SETFD, FD_CLOEXEC);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sqlconn-%d", (int)getpid());
  mkdir(tmp, 0777);
  RUN(filesystem_json_source_and_sink);
  RUN(kafka_insert_values_then_select_json);
  RUN(kafka_csv_from_datagen);
  RUN(kafka_options_and_changelog_refused);
  RUN(kafka_debezium_json_carries_a_changelog);
  RUN(kafka_sink_parallelism);
  if (pg_start()) {
    /* the SQL tables name the user in the URL (${PG}) */
    strncat(pg_url, "?user=postgres", sizeof pg_url - strlen(pg_url) - 1);
    RUN(jdbc_upsert_of_a_group_by_changelog_then_scan);
    RUN(jdbc_append_sink_and_errors);
    RUN(jdbc_sink_parallelism);
  } else {
    fprintf(stderr, "cannot start PostgreSQL (tests/pg_server.sh)\n");
    tests_failed++;
  }
  kmock_stop(&MOCK);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  TEST_MAIN_END();
}
