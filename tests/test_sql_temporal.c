/*
 * test_sql_temporal.c -- PROCTIME(), lookup joins and event-time temporal joins
 * (FOR SYSTEM_TIME AS OF) end to end through a session: DESCRIBE of processing-time
 * attributes and their wall-clock values; lookup joins on filesystem tables (INNER,
 * LEFT, keys that are expressions of the probe side, residual conditions, the reload
 * after lookup.join.cache.ttl) and on jdbc tables against a real PostgreSQL (present
 * and absent rows, a change seen after the cache TTL, NULL padding); Nexmark q13 against
 * a reference computed here from q13's definition; event-time temporal joins against
 * versioned tables with out-of-order rows, deletions, INNER and LEFT, and a kill -9 and
 * resume; EXPLAIN; the errors of what is refused.  Expected rows are computed by hand
 * from Flink's semantics.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.h"
#include "kafka_mock.h"
#include "pg_test.h"
#include "sql_proc_test.h"
#include "sql_test.h"

static void put(const char *name, const char *text) {
  char path[400];
  snprintf(path, sizeof path, "%s/%s", tmp, name);
  write_file(path, text);
}

/* ---- PROCTIME ---- */

TEST(proctime_attribute) {
  char *out, err[1024];
  int rc = run("CREATE TABLE t (id INT, p AS PROCTIME()) WITH ('connector' = 'datagen', 'number-of-rows' = '3',"
               " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3');"
               "CREATE VIEW v AS SELECT id, PROCTIME() AS q FROM (VALUES (1)) AS x(id);"
               "DESCRIBE t; DESCRIBE v;",
               &out, err, sizeof err);
  CHECK_INT(rc, 0);
  CHECK(strstr(out, "|    p | TIMESTAMP_LTZ(3) *PROCTIME* | FALSE |     | AS PROCTIME() |"));
  CHECK(strstr(out, "|    q | TIMESTAMP_LTZ(3) *PROCTIME* | FALSE |"));
  free(out);
  /* the value is the wall clock when the row is processed */
  CHECK_ROWS("CREATE TABLE t (id INT, p AS PROCTIME()) WITH ('connector' = 'datagen', 'number-of-rows' = '3',"
             " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3');"
             "SELECT id, p <= NOW() AND p > NOW() - INTERVAL '1' MINUTE FROM t;",
             true, "+I[1, TRUE]\n+I[2, TRUE]\n+I[3, TRUE]\n");
  CHECK_ROWS("CREATE VIEW v AS SELECT *, PROCTIME() AS p FROM (VALUES (1, 'a'), (2, 'b')) AS x(id, s);"
             "SELECT s, p IS NOT NULL, p <= CURRENT_TIMESTAMP FROM v;",
             true, "+I[a, TRUE, TRUE]\n+I[b, TRUE, TRUE]\n");
}

/* ---- lookup joins on a filesystem table ---- */

#define SIDE                                                                                           \
  "CREATE TABLE side (key BIGINT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/side.csv', " \
  "'format' = 'csv');"                                                                                 \
  "CREATE VIEW o AS SELECT *, PROCTIME() AS p FROM (VALUES (1, 1), (2, 2), (3, 5), (4, CAST(NULL AS INT))) AS x(id, k);"

TEST(filesystem_lookup_join) {
  put("side.csv", "1,one\n2,two\n2,deux\n3,three\n");
  /* INNER: a key with two rows joins both, absent and NULL keys nothing */
  CHECK_ROWS(SIDE "SELECT o.id, s.v FROM o JOIN side FOR SYSTEM_TIME AS OF o.p AS s ON o.k = s.key;", true,
             "+I[1, one]\n+I[2, deux]\n+I[2, two]\n");
  /* LEFT: the rest padded with NULLs */
  CHECK_ROWS(SIDE "SELECT o.id, s.key, s.v FROM o LEFT JOIN side FOR SYSTEM_TIME AS OF o.p AS s ON o.k = s.key;", true,
             "+I[1, 1, one]\n+I[2, 2, deux]\n+I[2, 2, two]\n+I[3, <NULL>, <NULL>]\n+I[4, <NULL>, <NULL>]\n");
  /* the key an expression of the probe side (Nexmark q13's MOD), the table side unqualified */
  CHECK_ROWS(SIDE "SELECT id, v FROM o JOIN side FOR SYSTEM_TIME AS OF o.p ON MOD(o.k, 4) = side.key;", true,
             "+I[1, one]\n+I[2, deux]\n+I[2, two]\n+I[3, one]\n");
  /* conditions beyond the key: after the lookup; a LEFT join pads when none passes */
  CHECK_ROWS(SIDE "SELECT o.id, s.v FROM o LEFT JOIN side FOR SYSTEM_TIME AS OF o.p AS s"
                  " ON o.k = s.key AND s.v <> 'two' AND o.id < 3;",
             true, "+I[1, one]\n+I[2, deux]\n+I[3, <NULL>]\n+I[4, <NULL>]\n");
  CHECK_ROWS(SIDE "SELECT o.id, s.v FROM o JOIN side FOR SYSTEM_TIME AS OF o.p AS s ON o.k = s.key"
                  " WHERE s.v LIKE 't%';",
             true, "+I[2, two]\n");
  /* a changelog probe side: each change looks its row up, and keeps its kind */
  CHECK_ROWS("SET 'parallelism.default' = '1';" SIDE "CREATE VIEW c AS SELECT k, n, PROCTIME() AS p FROM "
             "(SELECT k, COUNT(*) AS n FROM (VALUES (1), (2), (1)) AS x(k) GROUP BY k);"
             "SELECT c.k, c.n, s.v FROM c JOIN side FOR SYSTEM_TIME AS OF c.p AS s ON c.k = s.key;",
             false, "+I[1, 1, one]\n+I[2, 1, two]\n+I[2, 1, deux]\n-U[1, 1, one]\n+U[1, 2, one]\n");
  /* the probe side's time attribute survives: a window over the joined rows' rowtime */
  put("ev.csv", "1,2024-01-01 00:00:01\n2,2024-01-01 00:00:04\n5,2024-01-01 00:00:12\n");
  CHECK_ROWS(SIDE "CREATE TABLE ev (k INT, ts TIMESTAMP(3), p AS PROCTIME(), WATERMARK FOR ts AS ts) WITH ("
                  "'connector' = 'filesystem', 'path' = '${TMP}/ev.csv', 'format' = 'csv');"
                  "CREATE VIEW j AS SELECT ev.ts, s.v FROM ev LEFT JOIN side FOR SYSTEM_TIME AS OF ev.p AS s ON ev.k = s.key;"
                  "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE j, DESCRIPTOR(ts), INTERVAL '10' SECOND))"
                  " GROUP BY window_start, window_end;",
             true, "+I[2024-01-01 00:00:00.000, 3]\n+I[2024-01-01 00:00:10.000, 1]\n");
  /* json lines, and a directory of files */
  char dir[400];
  snprintf(dir, sizeof dir, "%s/sidedir", tmp);
  mkdir(dir, 0777);
  put("sidedir/a.json", "{\"key\": 1, \"v\": \"uno\"}\n");
  put("sidedir/b.json", "{\"key\": 5, \"v\": \"cinco\"}\n\n");
  CHECK_ROWS("CREATE TABLE side (key BIGINT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/sidedir', "
             "'format' = 'json');"
             "CREATE VIEW o AS SELECT *, PROCTIME() AS p FROM (VALUES (1, 1), (2, 2), (3, 5)) AS x(id, k);"
             "SELECT o.id, s.v FROM o JOIN side FOR SYSTEM_TIME AS OF o.p AS s ON o.k = s.key;",
             true, "+I[1, uno]\n+I[3, cinco]\n");
  /* a malformed line fails the job naming the table, file and line */
  put("bad.csv", "1,one\nx,two\n");
  CHECK_ERR("CREATE TABLE side (key BIGINT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/bad.csv', "
            "'format' = 'csv');"
            "CREATE VIEW o AS SELECT *, PROCTIME() AS p FROM (VALUES (1, 1)) AS x(id, k);"
            "SELECT o.id, s.v FROM o JOIN side FOR SYSTEM_TIME AS OF o.p AS s ON o.k = s.key;",
            "bad.csv, line 2");
}

/* A thread that rewrites a file (or a PostgreSQL row) while a job runs, once the job
 * looked it up for the first time (so that a loaded machine, slow to start the job,
 * cannot have the change come before the first row), and at least after_ms (so that
 * more rows see the old value).  The job's rows then go on for longer than the TTL. */
typedef struct change {
  int after_ms;
  const char *file, *text, *sql, *table;
} change;

/* Waits (up to 20 s) until the file is read: the lookup loads it on its first row. */
static void wait_file_read(const char *path) {
  int fd = inotify_init1(IN_NONBLOCK);
  if (fd < 0 || inotify_add_watch(fd, path, IN_CLOSE_NOWRITE) < 0) {
    if (fd >= 0) close(fd);
    return;
  }
  char ev[4096];
  for (int t = 0; t < 20000 && read(fd, ev, sizeof ev) <= 0; t += 5) sleep_ms(5);
  close(fd);
}

/* Waits (up to 20 s) until another session queried table after this call. */
static void wait_pg_lookup(PGconn *k, const char *table) {
  PGresult *r = PQexec(k, "SELECT clock_timestamp()");
  char q[512];
  snprintf(q, sizeof q,
           "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query ILIKE '%%%s%%' "
           "AND query_start >= '%s'",
           table, PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "-infinity");
  PQclear(r);
  for (int t = 0; t < 20000; t += 5) {
    r = PQexec(k, q);
    bool seen = PQresultStatus(r) == PGRES_TUPLES_OK && atoi(PQgetvalue(r, 0, 0)) > 0;
    PQclear(r);
    if (seen) return;
    sleep_ms(5);
  }
}

static void *change_later(void *arg) {
  const change *c = arg;
  int64_t t0 = strom__now_ms();
  if (c->file) {
    char path[400], tmpf[420];
    snprintf(path, sizeof path, "%s/%s", tmp, c->file);
    snprintf(tmpf, sizeof tmpf, "%s.new", path);
    wait_file_read(path);
    sleep_ms((int)(c->after_ms - (strom__now_ms() - t0) > 0 ? c->after_ms - (strom__now_ms() - t0) : 0));
    write_file(tmpf, c->text);
    if (rename(tmpf, path)) perror("rename");
  }
  if (c->sql) {
    PGconn *k = PQconnectdb(pg_conninfo);
    wait_pg_lookup(k, c->table);
    sleep_ms((int)(c->after_ms - (strom__now_ms() - t0) > 0 ? c->after_ms - (strom__now_ms() - t0) : 0));
    PGresult *r = PQexec(k, c->sql);
    PQclear(r);
    PQfinish(k);
  }
  return NULL;
}

/* The job's rows of column v (all rows have key 1), in order: every row sees the old
 * value, then every row the new one, and both occur. */
static void check_old_then_new(const char *out, const char *old, const char *new_) {
  char *rows = rows_of(out, false);
  int n_old = 0, n_new = 0;
  bool order = true;
  for (char *l = rows, *e; (e = strchr(l, '\n')); l = e + 1) {
    *e = 0;
    if (strstr(l, old)) {
      if (n_new) order = false;
      n_old++;
    } else if (strstr(l, new_)) {
      n_new++;
    } else {
      fprintf(stderr, "  unexpected row %s\n", l);
      order = false;
    }
  }
  free(rows);
  if (!order || !n_old || !n_new) fprintf(stderr, "  %d old then %d new rows\n", n_old, n_new);
  CHECK(order);
  CHECK(n_old > 0);
  CHECK(n_new > 0);
}

/* 30 rows over 1.5 s, all of key 1 */
#define SLOW_PROBE                                                                                                  \
  "SET 'parallelism.default' = '1';"                                                                               \
  "CREATE TABLE o (id INT, k BIGINT, p AS PROCTIME()) WITH ('connector' = 'datagen', 'rows-per-second' = '20', " \
  "'number-of-rows' = '30', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '30', "     \
  "'fields.k.min' = '1', 'fields.k.max' = '1');"

TEST(filesystem_lookup_reloads_after_ttl) {
  put("side.csv", "1,old\n");
  change c = {.after_ms = 700, .file = "side.csv", .text = "1,new\n"};
  pthread_t th;
  pthread_create(&th, NULL, change_later, &c);
  char *out, err[1024];
  int rc = run(SLOW_PROBE "CREATE TABLE side (key BIGINT, v STRING) WITH ('connector' = 'filesystem', "
                          "'path' = '${TMP}/side.csv', 'format' = 'csv', 'lookup.join.cache.ttl' = '100 ms');"
                          "SELECT o.id, s.v FROM o JOIN side FOR SYSTEM_TIME AS OF o.p AS s ON o.k = s.key;",
               &out, err, sizeof err);
  pthread_join(th, NULL);
  if (rc) fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  check_old_then_new(out, "old", "new");
  free(out);
}

/* ---- lookup joins on a jdbc table ---- */

static bool pg_ready;

static void jdbc_side(char *buf, size_t cap, const char *ttl) {
  snprintf(buf, cap,
           "CREATE TABLE users (id BIGINT, name STRING, score INT) WITH ('connector' = 'jdbc', 'url' = '%s', "
           "'table-name' = 'users', 'username' = 'postgres', 'lookup.cache.max-rows' = '100', "
           "'lookup.cache.ttl' = '%s');",
           pg_url, ttl);
}

TEST(jdbc_lookup_join) {
  if (!pg_ready) {
    fprintf(stderr, "  no PostgreSQL server (postgresql package): skipped\n");
    CHECK(0);
  }
  CHECK(pg_exec("DROP TABLE IF EXISTS users"));
  CHECK(pg_exec("CREATE TABLE users (id bigint PRIMARY KEY, name text, score int)"));
  CHECK(pg_exec("INSERT INTO users VALUES (1, 'ann', 10), (2, 'bob', NULL), (7, 'eve', 70)"));
  char side[1024], sql[4096];
  jdbc_side(side, sizeof side, "10 min");
  const char *probe = "CREATE VIEW o AS SELECT *, PROCTIME() AS p FROM (VALUES (1, 1), (2, 2), (3, 5), (4, 1),"
                      " (5, CAST(NULL AS INT))) AS x(id, k);";
  snprintf(sql, sizeof sql, "%s%sSELECT o.id, u.name, u.score FROM o JOIN users FOR SYSTEM_TIME AS OF o.p AS u ON o.k = u.id;",
           side, probe);
  CHECK_ROWS(sql, true, "+I[1, ann, 10]\n+I[2, bob, <NULL>]\n+I[4, ann, 10]\n");
  snprintf(sql, sizeof sql,
           "%s%sSELECT o.id, u.id, u.name FROM o LEFT JOIN users FOR SYSTEM_TIME AS OF o.p AS u ON o.k = u.id;", side,
           probe);
  CHECK_ROWS(sql, true, "+I[1, 1, ann]\n+I[2, 2, bob]\n+I[3, <NULL>, <NULL>]\n+I[4, 1, ann]\n+I[5, <NULL>, <NULL>]\n");
  /* an expression key (cast to the column's type) and a condition on the looked-up row */
  snprintf(sql, sizeof sql,
           "%s%sSELECT o.id, u.name FROM o JOIN users FOR SYSTEM_TIME AS OF o.p AS u ON o.k + 2 = u.id AND u.score > 50;",
           side, probe);
  CHECK_ROWS(sql, true, "+I[3, eve]\n");
  snprintf(sql, sizeof sql,
           "%s%sSELECT o.id, u.name FROM o LEFT JOIN users FOR SYSTEM_TIME AS OF o.p AS u ON o.k = u.id AND u.score > 5;",
           side, probe);
  CHECK_ROWS(sql, true, "+I[1, ann]\n+I[2, <NULL>]\n+I[3, <NULL>]\n+I[4, ann]\n+I[5, <NULL>]\n"); /* test_sql_gaps.c */
  /* a row changed in PostgreSQL is seen once its cached result is older than the TTL */
  CHECK(pg_exec("UPDATE users SET name = 'old' WHERE id = 1"));
  jdbc_side(side, sizeof side, "100 ms");
  change c = {.after_ms = 700, .sql = "UPDATE users SET name = 'new' WHERE id = 1", .table = "users"};
  pthread_t th;
  pthread_create(&th, NULL, change_later, &c);
  snprintf(sql, sizeof sql, SLOW_PROBE "%sSELECT o.id, u.name FROM o JOIN users FOR SYSTEM_TIME AS OF o.p AS u ON o.k = u.id;",
           side);
  char *out, err[1024];
  int rc = run(sql, &out, err, sizeof err);
  pthread_join(th, NULL);
  if (rc) fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  check_old_then_new(out, "old", "new");
  free(out);
  char *now = pg_query("SELECT name FROM users WHERE id = 1");
  CHECK(now && strstr(now, "new"));
  free(now);
}

/* ---- Nexmark q13 ---- */

static char *read_text(const char *rel) {
  const char *root = getenv("STROM_TEST_ROOT");
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root ? root : ".", rel);
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  strom_buf b = {0};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) strom__buf_append(&b, buf, n);
  fclose(f);
  strom__buf_printf(&b, "%s", "");
  return b.p;
}

static char *replace(const char *s, const char *from, const char *to) {
  strom_buf b = {0};
  for (const char *p; (p = strstr(s, from)); s = p + strlen(from)) {
    strom__buf_append(&b, s, (size_t)(p - s));
    strom__buf_printf(&b, "%s", to);
  }
  strom__buf_printf(&b, "%s", s);
  return b.p;
}

/* Runs ddl.sql then text with print sinks; the print lines sorted, one string each. */
static char **nexmark_lines(const char *ddl, const char *text, size_t *n) {
  char *script = replace(text, "'blackhole'", "'print'");
  strom_buf all = {0};
  strom__buf_printf(&all, "%s\n%s", ddl, script);
  size_t len;
  char *out = NULL;
  FILE *f = open_memstream(&out, &len);
  strom_sql_session *s = strom_sql_session_new(f);
  char side[400];
  snprintf(side, sizeof side, "%s/q13_side.csv", tmp);
  strom_sql_define(s, "TPS", "10000000");
  strom_sql_define(s, "EVENTS_NUM", "5000");
  strom_sql_define(s, "PERSON_PROPORTION", "1");
  strom_sql_define(s, "AUCTION_PROPORTION", "3");
  strom_sql_define(s, "BID_PROPORTION", "46");
  strom_sql_define(s, "SIDE_INPUT_PATH", side);
  int rc = strom_sql_execute(s, all.p, all.len);
  if (rc) fprintf(stderr, "  %s\n", strom_sql_errmsg(s));
  strom_sql_session_free(s);
  fclose(f);
  free(script);
  strom__buf_free(&all);
  size_t k = 0, cap = 16;
  char **l = malloc(cap * sizeof *l);
  for (char *p = out, *e; !rc && (e = strchr(p, '\n')); p = e + 1) {
    if (k == cap) l = realloc(l, (cap *= 2) * sizeof *l);
    char *gt = strstr(p, "> "); /* the subtask prefix of a print sink at parallelism > 1 */
    if (gt && gt < e && strspn(p, "0123456789") == (size_t)(gt - p)) p = gt + 2;
    l[k++] = strndup(p, (size_t)(e - p));
  }
  free(out);
  for (size_t i = 0; i < k; i++)
    for (size_t j = i + 1; j < k; j++)
      if (strcmp(l[j], l[i]) < 0) {
        char *t = l[i];
        l[i] = l[j], l[j] = t;
      }
  *n = rc ? 0 : k;
  return l;
}

static int cmp_line(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

TEST(nexmark_q13_against_reference) {
  /* the side input: every key but multiples of 3, value "v<key>" */
  strom_buf side = {0};
  for (int k = 0; k < 10000; k++)
    if (k % 3) strom__buf_printf(&side, "%d,v%d\n", k, k);
  put("q13_side.csv", side.p);
  strom__buf_free(&side);
  char *ddl = read_text("bench/nexmark/ddl.sql"), *q13 = read_text("bench/nexmark/q13.sql");
  CHECK(ddl && q13);
  size_t nq, nb;
  /* at parallelism 2: each subtask loads the side input */
  char *q13p2 = malloc(strlen(q13) + 64);
  sprintf(q13p2, "SET 'parallelism.default' = '2';\n%s", q13);
  char **got = nexmark_lines(ddl, q13p2, &nq);
  free(q13p2);
  /* the reference: the bids, joined here by q13's definition */
  char **bids = nexmark_lines(ddl,
                              "CREATE TABLE b (auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3)) "
                              "WITH ('connector' = 'blackhole');"
                              "INSERT INTO b SELECT auction, bidder, price, dateTime FROM bid;",
                              &nb);
  char **want = calloc(nb + 1, sizeof *want);
  size_t nw = 0;
  for (size_t i = 0; i < nb; i++) {
    long long auction = atoll(bids[i] + 3); /* "+I[auction, ..." */
    int key = (int)(auction % 10000);
    if (!(key % 3)) continue;
    size_t len = strlen(bids[i]);
    want[nw] = malloc(len + 32);
    snprintf(want[nw++], len + 32, "%.*s, v%d]", (int)(len - 1), bids[i], key);
  }
  qsort(want, nw, sizeof *want, cmp_line);
  printf("  q13: %zu bids, %zu joined\n", nb, nq);
  size_t diff = nq != nw;
  for (size_t i = 0; i < nq && i < nw; i++)
    if (strcmp(got[i], want[i]) && diff++ < 3) fprintf(stderr, "  row %zu: got %s, want %s\n", i, got[i], want[i]);
  for (size_t i = 0; i < nq; i++) free(got[i]);
  for (size_t i = 0; i < nb; i++) free(bids[i]);
  for (size_t i = 0; i < nw; i++) free(want[i]);
  free(got), free(bids), free(want), free(ddl), free(q13);
  CHECK(nb > 1000);
  CHECK(nw > 500 && nw < nb);
  CHECK_INT(nq, nw);
  CHECK_INT(diff, 0);
}

/* ---- errors and EXPLAIN ---- */

TEST(lookup_explain_and_errors) {
  put("side.csv", "1,one\n");
  char *out, err[1024];
  int rc = run(SIDE "EXPLAIN SELECT o.id, s.v FROM o LEFT JOIN side FOR SYSTEM_TIME AS OF o.p AS s ON MOD(o.k, 3) = s.key;",
               &out, err, sizeof err);
  CHECK_INT(rc, 0);
  if (!strstr(out, "LookupJoin(table=[side], joinType=[LeftOuterJoin], proctime=[p], leftKeys=[CAST(MOD(k, 3) AS BIGINT)], rightKeys=[key])"))
    fprintf(stderr, "%s", out);
  CHECK(strstr(out, "LookupJoin(table=[side], joinType=[LeftOuterJoin], proctime=[p], leftKeys=[CAST(MOD(k, 3) AS BIGINT)], rightKeys=[key])"));
  free(out);
  CHECK_ERR(SIDE "CREATE TABLE g (key BIGINT) WITH ('connector' = 'datagen');"
                 "SELECT * FROM o JOIN g FOR SYSTEM_TIME AS OF o.p ON o.k = g.key;",
            "needs a jdbc or filesystem table on its right, not connector 'datagen'");
  CHECK_ERR(SIDE "SELECT * FROM o JOIN side FOR SYSTEM_TIME AS OF o.id AS s ON o.k = s.key;",
            "FOR SYSTEM_TIME AS OF needs a time attribute of the left table");
  CHECK_ERR(SIDE "SELECT * FROM o JOIN side FOR SYSTEM_TIME AS OF o.p AS s ON o.id > s.key;",
            "needs an equality between the left input and a column of table 'side'");
  CHECK_ERR(SIDE "SELECT * FROM o RIGHT JOIN side FOR SYSTEM_TIME AS OF o.p AS s ON o.k = s.key;", "INNER or LEFT joins only");
  CHECK_ERR(SIDE "SELECT * FROM o JOIN side FOR SYSTEM_TIME AS OF o.p AS s ON o.k = s.key + 1;",
            "a lookup join's keys must be columns of table 'side'");
  CHECK_ERR(SIDE "SELECT * FROM side FOR SYSTEM_TIME AS OF TIMESTAMP '2020-01-01 00:00:00';",
            "FOR SYSTEM_TIME AS OF belongs on the right side of a JOIN");
  CHECK_ERR("CREATE TABLE side (key BIGINT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/side.csv', "
            "'format' = 'csv', 'lookup.join.cache.ttl' = 'soon');"
            "CREATE VIEW o AS SELECT *, PROCTIME() AS p FROM (VALUES (1, 1)) AS x(id, k);"
            "SELECT * FROM o JOIN side FOR SYSTEM_TIME AS OF o.p AS s ON o.k = s.key;",
            "'lookup.join.cache.ttl' is not a duration");
}

/* ---- event-time temporal joins ---- */

/* rates by currency with out-of-order versions (EUR@5 after EUR@10), orders out of
 * order (id 4 at 00:04 after 00:12, id 7 at 00:18 after 00:25), both within the 10 s
 * watermark delay */
#define RATES                                                                                                   \
  "CREATE TABLE rates (cur STRING, rate INT, ts TIMESTAMP(3), PRIMARY KEY (cur) NOT ENFORCED, "              \
  "WATERMARK FOR ts AS ts - INTERVAL '10' SECOND) WITH ('connector' = 'filesystem', 'path' = '${TMP}/rates.csv', " \
  "'format' = 'csv');"                                                                                        \
  "CREATE TABLE orders (id INT, cur STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '10' SECOND) "  \
  "WITH ('connector' = 'filesystem', 'path' = '${TMP}/orders.csv', 'format' = 'csv');"

static const char *rates_csv =
    "EUR,114,2024-01-01 00:00:00\nUSD,100,2024-01-01 00:00:00\nEUR,116,2024-01-01 00:00:10\n"
    "EUR,112,2024-01-01 00:00:05\nEUR,119,2024-01-01 00:00:20\nUSD,101,2024-01-01 00:00:16\n";
static const char *orders_csv =
    "1,EUR,2024-01-01 00:00:02\n2,EUR,2024-01-01 00:00:07\n3,USD,2024-01-01 00:00:12\n4,EUR,2024-01-01 00:00:04\n"
    "5,GBP,2024-01-01 00:00:15\n6,EUR,2024-01-01 00:00:25\n7,EUR,2024-01-01 00:00:18\n8,USD,2024-01-01 00:00:30\n"
    "9,,2024-01-01 00:00:31\n";

TEST(event_time_temporal_join) {
  put("rates.csv", rates_csv);
  put("orders.csv", orders_csv);
  for (int par = 1; par <= 2; par++) {
    char sql[4096];
    const char *set = par == 1 ? "SET 'parallelism.default' = '1';" : "SET 'parallelism.default' = '2';";
    /* each order with the rate valid at its time: the latest version at or before it */
    snprintf(sql, sizeof sql, "%s" RATES "SELECT o.id, o.cur, r.rate, r.ts FROM orders AS o "
             "JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur;", set);
    CHECK_ROWS(sql, true,
               "+I[1, EUR, 114, 2024-01-01 00:00:00.000]\n+I[2, EUR, 112, 2024-01-01 00:00:05.000]\n"
               "+I[3, USD, 100, 2024-01-01 00:00:00.000]\n+I[4, EUR, 114, 2024-01-01 00:00:00.000]\n"
               "+I[6, EUR, 119, 2024-01-01 00:00:20.000]\n+I[7, EUR, 116, 2024-01-01 00:00:10.000]\n"
               "+I[8, USD, 101, 2024-01-01 00:00:16.000]\n");
    /* LEFT: no version (GBP) or a NULL key (id 9) padded */
    snprintf(sql, sizeof sql, "%s" RATES "SELECT o.id, r.rate FROM orders AS o "
             "LEFT JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur;", set);
    CHECK_ROWS(sql, true, "+I[1, 114]\n+I[2, 112]\n+I[3, 100]\n+I[4, 114]\n+I[5, <NULL>]\n+I[6, 119]\n+I[7, 116]\n"
                          "+I[8, 101]\n+I[9, <NULL>]\n");
    /* a condition on the version: checked on the valid one (not a search for one that passes) */
    snprintf(sql, sizeof sql, "%s" RATES "SELECT o.id, r.rate FROM orders AS o "
             "LEFT JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur AND r.rate > 113;", set);
    CHECK_ROWS(sql, true, "+I[1, 114]\n+I[2, <NULL>]\n+I[3, <NULL>]\n+I[4, 114]\n+I[5, <NULL>]\n+I[6, 119]\n"
                          "+I[7, 116]\n+I[8, <NULL>]\n+I[9, <NULL>]\n");
    /* the output keeps the orders' rowtime: 10 s windows over it */
    snprintf(sql, sizeof sql, "%s" RATES "CREATE VIEW j AS SELECT o.id, o.ts, r.rate FROM orders AS o "
             "JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur;"
             "SELECT window_start, COUNT(*), SUM(rate) FROM TABLE(TUMBLE(TABLE j, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
             "GROUP BY window_start, window_end;", set);
    CHECK_ROWS(sql, true,
               "+I[2024-01-01 00:00:00.000, 3, 340]\n+I[2024-01-01 00:00:10.000, 2, 216]\n"
               "+I[2024-01-01 00:00:20.000, 1, 119]\n+I[2024-01-01 00:00:30.000, 1, 101]\n");
  }
}

/* Flink's versioned view: the last row per key by rowtime.  The deduplication drops
 * EUR@5, which arrives after EUR@10, so order 2 (00:07) finds EUR@0.  At parallelism 1
 * only: at 2 the file's splits reach the deduplication in either order, which changes
 * what it drops (in Flink as well). */
TEST(temporal_join_of_a_versioned_view) {
  put("rates.csv", rates_csv);
  put("orders.csv", orders_csv);
  const char *view = "CREATE TABLE r0 (cur STRING, rate INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '10' SECOND) "
                     "WITH ('connector' = 'filesystem', 'path' = '${TMP}/rates.csv', 'format' = 'csv');"
                     "CREATE VIEW vr AS SELECT cur, rate, ts FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY cur "
                     "ORDER BY ts DESC) AS rn FROM r0) WHERE rn = 1;";
  char sql[4096];
  snprintf(sql, sizeof sql, "SET 'parallelism.default' = '1';" RATES "%sSELECT o.id, r.rate FROM orders AS o "
           "LEFT JOIN vr FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur;", view);
  CHECK_ROWS(sql, true, "+I[1, 114]\n+I[2, 114]\n+I[3, 100]\n+I[4, 114]\n+I[5, <NULL>]\n+I[6, 119]\n+I[7, 116]\n"
                        "+I[8, 101]\n+I[9, <NULL>]\n");
  char *out, err[1024];
  snprintf(sql, sizeof sql, RATES "%sEXPLAIN SELECT o.id, r.rate FROM orders AS o JOIN vr FOR SYSTEM_TIME AS OF o.ts AS r "
           "ON o.cur = r.cur;", view);
  int rc = run(sql, &out, err, sizeof err);
  CHECK_INT(rc, 0);
  CHECK(strstr(out, "TemporalJoin(table=[r], joinType=[InnerJoin], rowtime=[ts], leftKeys=[cur], rightKeys=[cur])"));
  CHECK(strstr(out, "Deduplicate(keep=[LastRow], key=[cur], order=[ROWTIME])"));
  free(out);
  /* not the key of the deduplication, or keeping the first row: refused */
  snprintf(sql, sizeof sql, RATES "%sSELECT * FROM orders AS o JOIN vr FOR SYSTEM_TIME AS OF o.ts AS r ON o.id = r.rate;", view);
  CHECK_ERR(sql, "must contain the primary key of versioned table 'r' (r.cur = ...)");
  CHECK_ERR(RATES "CREATE VIEW v1 AS SELECT cur, rate, ts FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY cur "
                  "ORDER BY ts ASC) AS rn FROM rates) WHERE rn = 1;"
                  "SELECT * FROM orders AS o JOIN v1 FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur;",
            "a view keeping the last row per key by its rowtime");
}

TEST(temporal_join_explain_and_errors) {
  put("rates.csv", rates_csv);
  put("orders.csv", orders_csv);
  char *out, err[1024];
  int rc = run(RATES "EXPLAIN SELECT o.id, r.rate FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r "
                     "ON o.cur = r.cur AND r.rate > 1;",
               &out, err, sizeof err);
  CHECK_INT(rc, 0);
  if (!strstr(out, "TemporalJoin(table=[rates], joinType=[InnerJoin], rowtime=[ts], leftKeys=[cur], rightKeys=[cur], where=[")) fprintf(stderr, "%s", out);
  CHECK(strstr(out, "TemporalJoin(table=[rates], joinType=[InnerJoin], rowtime=[ts], leftKeys=[cur], rightKeys=[cur], where=["));
  free(out);
  CHECK_ERR(RATES "CREATE TABLE r2 (cur STRING, rate INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ("
                  "'connector' = 'filesystem', 'path' = '${TMP}/rates.csv', 'format' = 'csv');"
                  "SELECT * FROM orders AS o JOIN r2 FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur;",
            "a PRIMARY KEY and a WATERMARK (r2 has no primary key)");
  CHECK_ERR(RATES "CREATE TABLE r2 (cur STRING, rate INT, ts TIMESTAMP(3), PRIMARY KEY (cur) NOT ENFORCED) WITH ("
                  "'connector' = 'filesystem', 'path' = '${TMP}/rates.csv', 'format' = 'csv');"
                  "SELECT * FROM orders AS o JOIN r2 FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur;",
            "(r2 has no watermark)");
  CHECK_ERR(RATES "CREATE VIEW v AS SELECT * FROM rates;"
                  "SELECT * FROM orders AS o JOIN v FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur;",
            "(r has neither)");
  CHECK_ERR(RATES "SELECT * FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.id = r.rate;",
            "must contain the primary key of versioned table 'rates' (rates.cur = ...)");
  CHECK_ERR(RATES "SELECT * FROM orders AS o FULL JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur;",
            "INNER or LEFT joins only");
}

/* Orders (auctions of the Nexmark generator) joined with the version of their seller
 * (persons, a versioned table keyed by id) valid at the auction's time: run once, and
 * once killed with SIGKILL after three checkpoints and resumed from the newest; the
 * committed rows must be the same. */
TEST(temporal_join_killed_and_resumed) {
  const char *bin = strom_bin();
  if (!bin) return;
  const char *job =
      "SET 'parallelism.default' = '2';\n"
      KILL_TEST_SETS
      "CREATE TABLE nx (event_type INT, person_id BIGINT, auction_id BIGINT, auction_seller BIGINT, "
      "date_time TIMESTAMP(3), WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND) "
      "WITH ('connector' = 'nexmark', 'events.num' = '300000', 'rate-limit' = '100000', 'first-event.rate' = '100000');\n"
      "CREATE TABLE persons (event_type INT, person_id BIGINT, person_name VARCHAR, date_time TIMESTAMP(3), "
      "PRIMARY KEY (person_id) NOT ENFORCED, WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND) "
      "WITH ('connector' = 'nexmark', 'events.num' = '300000', 'rate-limit' = '100000', 'first-event.rate' = '100000');\n"
      "CREATE TABLE dst (a BIGINT, s BIGINT, name STRING, pt TIMESTAMP(3)) WITH ('connector' = 'filesystem', "
      "'path' = '${OUT}', 'format' = 'csv');\n"
      "INSERT INTO dst SELECT A.auction_id, A.auction_seller, P.person_name, P.date_time "
      "FROM (SELECT * FROM nx WHERE event_type = 1) AS A "
      "JOIN persons FOR SYSTEM_TIME AS OF A.date_time AS P ON A.auction_seller = P.person_id;\n";
  CHECK(killed_run_agrees(bin, tmp, "tj", job, 3));
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "test $(wc -l < %s/tj1.txt) -gt 1000", tmp);
  CHECK_INT(system(cmd), 0);
  /* every auction's seller is a person registered before it: the version exists */
  snprintf(cmd, sizeof cmd, "grep -c ',,' %s/tj1.txt > /dev/null", tmp);
  CHECK(system(cmd) != 0);
}

/* ---- processing-time windows ---- */

/* 50 rows over 0.5 s into 200 ms windows of the clock; a second input that lasts 3 s
 * (and whose rows are filtered out) keeps the job alive until every window has fired,
 * with room for a loaded machine (1 s was too little under sanitizers and load). */
TEST(processing_time_windows) {
  char *out, err[1024];
  int rc = run("SET 'parallelism.default' = '1';"
               "CREATE TABLE o (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '100', 'number-of-rows' = '50',"
               " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '50');"
               "CREATE TABLE slow (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '10', 'number-of-rows' = '30',"
               " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '30');"
               "CREATE VIEW u AS SELECT id, MOD(id, 2) AS k, PROCTIME() AS p FROM"
               " (SELECT id FROM o UNION ALL SELECT id FROM slow WHERE id < 0);"
               "SELECT k, COUNT(*) AS n, SUM(id) AS s, window_start, window_end"
               " FROM TABLE(TUMBLE(TABLE u, DESCRIPTOR(p), INTERVAL '0.2' SECOND))"
               " GROUP BY k, window_start, window_end;",
               &out, err, sizeof err);
  if (rc) fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  char *rows = rows_of(out, false);
  free(out);
  long n[2] = {0, 0}, sum[2] = {0, 0}, windows = 0;
  bool shape = true;
  for (char *l = rows, *e; (e = strchr(l, '\n')); l = e + 1) {
    int k, h1, m1, s1, ms1, h2, m2, s2, ms2;
    long c, sm;
    if (sscanf(l, "+I[%d, %ld, %ld, %*d-%*d-%*d %d:%d:%d.%d, %*d-%*d-%*d %d:%d:%d.%d]", &k, &c, &sm, &h1, &m1, &s1, &ms1,
               &h2, &m2, &s2, &ms2) != 11 || k < 0 || k > 1) {
      fprintf(stderr, "  unexpected row %.*s\n", (int)(e - l), l);
      shape = false;
      continue;
    }
    n[k] += c, sum[k] += sm, windows++;
    long start = ((h1 * 60L + m1) * 60 + s1) * 1000 + ms1, end = ((h2 * 60L + m2) * 60 + s2) * 1000 + ms2;
    if ((end - start + 86400000) % 86400000 != 200 || start % 200) shape = false;
  }
  free(rows);
  CHECK(shape);
  /* every row once: 25 odd ids (sum 625) and 25 even ones (sum 650), in at least 3 windows */
  CHECK_INT(n[0], 25);
  CHECK_INT(n[1], 25);
  CHECK_INT(sum[1], 625);
  CHECK_INT(sum[0], 650);
  CHECK(windows >= 6);
  /* HOP windows hold each row twice; a SESSION of the clock (gap 300 ms) holds them all */
  CHECK_ROWS("SET 'parallelism.default' = '1';"
             "CREATE TABLE o (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '100', 'number-of-rows' = '50',"
             " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '50');"
             "CREATE TABLE slow (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '10', 'number-of-rows' = '30',"
             " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '30');"
             "CREATE VIEW u AS SELECT id, PROCTIME() AS p FROM (SELECT id FROM o UNION ALL SELECT id FROM slow WHERE id < 0);"
             "CREATE VIEW h AS SELECT COUNT(*) AS n FROM TABLE(HOP(TABLE u, DESCRIPTOR(p), INTERVAL '0.2' SECOND,"
             " INTERVAL '0.4' SECOND)) GROUP BY window_start, window_end;"
             "CREATE TABLE hs (n BIGINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/hop', 'format' = 'csv');"
             "INSERT INTO hs SELECT n FROM h;"
             "SELECT COUNT(*) FROM u GROUP BY SESSION(p, INTERVAL '0.3' SECOND);",
             false, "+I[50]\n");
  char cmd[600];
  snprintf(cmd, sizeof cmd, "test \"$(cat %s/hop/part-* | awk '{ s += $1 } END { print s }')\" = 100", tmp);
  CHECK_INT(system(cmd), 0);
  /* the legacy GROUP BY TUMBLE(p, ...) form plans the same; what does not run is refused */
  rc = run("CREATE VIEW u AS SELECT *, PROCTIME() AS p FROM (VALUES (1)) AS x(id);"
           "EXPLAIN SELECT COUNT(*) FROM u GROUP BY TUMBLE(p, INTERVAL '1' SECOND);",
           &out, err, sizeof err);
  CHECK_INT(rc, 0);
  CHECK(strstr(out, "window=[TUMBLE(size=1000 ms) [processing time]]"));
  free(out);
  CHECK_ERR("CREATE VIEW u AS SELECT *, PROCTIME() AS p FROM (VALUES (1)) AS x(id);"
            "SELECT * FROM TABLE(TUMBLE(TABLE u, DESCRIPTOR(p), INTERVAL '1' SECOND));",
            "processing-time windows without an aggregation");
  CHECK_ERR("CREATE VIEW u AS SELECT *, PROCTIME() AS p FROM (VALUES (1)) AS x(id);"
            "SELECT COUNT(DISTINCT id) FROM u GROUP BY SESSION(p, INTERVAL '1' SECOND);",
            "DISTINCT aggregates in processing-time SESSION windows"); /* TUMBLE/HOP/CUMULATE: test_sql_gaps.c */
}

/* ---- a versioned table from a changelog: debezium-json on Kafka ---- */

static kmock MOCK;
static bool kafka_ready;

static int produce_changes(void) {
  static const char *v[] = {
      "{\"before\":null,\"after\":{\"cur\":\"EUR\",\"rate\":114,\"ts\":\"2024-01-01 00:00:00\"},\"op\":\"c\"}",
      "{\"before\":null,\"after\":{\"cur\":\"USD\",\"rate\":100,\"ts\":\"2024-01-01 00:00:00\"},\"op\":\"c\"}",
      /* an update: the -U (of the old version's time) is ignored, the +U is the new version */
      "{\"before\":{\"cur\":\"EUR\",\"rate\":114,\"ts\":\"2024-01-01 00:00:00\"},"
      "\"after\":{\"cur\":\"EUR\",\"rate\":116,\"ts\":\"2024-01-01 00:00:10\"},\"op\":\"u\"}",
      /* USD deleted at 00:15, back at 00:20 */
      "{\"before\":{\"cur\":\"USD\",\"rate\":100,\"ts\":\"2024-01-01 00:00:15\"},\"after\":null,\"op\":\"d\"}",
      "{\"before\":null,\"after\":{\"cur\":\"USD\",\"rate\":101,\"ts\":\"2024-01-01 00:00:20\"},\"op\":\"c\"}",
  };
  rd_kafka_t *rk = kmock_producer(&MOCK);
  if (!rk) return -1;
  int rc = 0;
  for (size_t i = 0; i < sizeof v / sizeof *v; i++)
    rc |= rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("rates_cdc"), RD_KAFKA_V_PARTITION(0),
                            RD_KAFKA_V_VALUE((void *)v[i], strlen(v[i])), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_END);
  if (rd_kafka_flush(rk, 10000)) rc = -1;
  rd_kafka_destroy(rk);
  return rc;
}

TEST(temporal_join_of_a_changelog) {
  if (!kafka_ready) {
    fprintf(stderr, "  no Kafka mock cluster\n");
    CHECK(0);
  }
  CHECK_INT(kmock_topic(&MOCK, "rates_cdc", 1), 0);
  CHECK_INT(produce_changes(), 0);
  put("orders.csv", "1,EUR,2024-01-01 00:00:05\n2,EUR,2024-01-01 00:00:12\n3,USD,2024-01-01 00:00:10\n"
                    "4,USD,2024-01-01 00:00:17\n5,USD,2024-01-01 00:00:25\n");
  char ddl[2048], sql[4096];
  snprintf(ddl, sizeof ddl,
           "CREATE TABLE rates (cur STRING, rate INT, ts TIMESTAMP(3), PRIMARY KEY (cur) NOT ENFORCED, "
           "WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka', 'topic' = 'rates_cdc', "
           "'properties.bootstrap.servers' = '%s', 'format' = 'debezium-json', 'scan.startup.mode' = 'earliest-offset', "
           "'scan.bounded.mode' = 'latest-offset');"
           "CREATE TABLE orders (id INT, cur STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '10' SECOND) "
           "WITH ('connector' = 'filesystem', 'path' = '${TMP}/orders.csv', 'format' = 'csv');",
           MOCK.bootstrap);
  /* USD was deleted from 00:15 to 00:20: order 4 finds no version */
  snprintf(sql, sizeof sql, "%sSELECT o.id, r.rate FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r "
           "ON o.cur = r.cur;", ddl);
  CHECK_ROWS(sql, true, "+I[1, 114]\n+I[2, 116]\n+I[3, 100]\n+I[5, 101]\n");
  snprintf(sql, sizeof sql, "%sSELECT o.id, r.rate FROM orders AS o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r "
           "ON o.cur = r.cur;", ddl);
  CHECK_ROWS(sql, true, "+I[1, 114]\n+I[2, 116]\n+I[3, 100]\n+I[4, <NULL>]\n+I[5, 101]\n");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  kafka_ready = !kmock_start(&MOCK);
  if (kafka_ready) { /* the PostgreSQL script must not inherit the mock's command pipe */
    fcntl(fileno(MOCK.to), F_SETFD, FD_CLOEXEC);
    fcntl(fileno(MOCK.from), F_SETFD, FD_CLOEXEC);
  }
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-temporal-%d", (int)getpid());
  mkdir(tmp, 0777);
  pg_ready = pg_start();
  RUN(proctime_attribute);
  RUN(filesystem_lookup_join);
  RUN(filesystem_lookup_reloads_after_ttl);
  RUN(jdbc_lookup_join);
  RUN(nexmark_q13_against_reference);
  RUN(lookup_explain_and_errors);
  RUN(event_time_temporal_join);
  RUN(temporal_join_of_a_versioned_view);
  RUN(temporal_join_explain_and_errors);
  RUN(temporal_join_killed_and_resumed);
  RUN(processing_time_windows);
  RUN(temporal_join_of_a_changelog);
  pg_stop();
  if (kafka_ready) kmock_stop(&MOCK);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  TEST_MAIN_END();
}
