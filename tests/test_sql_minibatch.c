/*
 * test_sql_minibatch.c -- mini-batch GROUP BY (table.exec.mini-batch.*): the exact
 * changelog a batch gives (one change per key and batch, keys in the order they first
 * came), nested aggregations, the settings' errors, the latency timer flushing an
 * unbounded stream, and a job killed with SIGKILL and resumed from a checkpoint whose
 * final per-key counts in PostgreSQL (an upsert sink) equal the input's: the buffer is
 * emptied into state before each snapshot, so no row is lost or counted twice.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_test.h"
#include "sql_proc_test.h"
#include "sql_test.h"

#define MB(size, latency)                                                                       \
  "SET 'parallelism.default' = '1';\n"                                                          \
  "SET 'table.exec.mini-batch.enabled' = 'true';\n"                                             \
  "SET 'table.exec.mini-batch.allow-latency' = '" latency "';\n"                                \
  "SET 'table.exec.mini-batch.size' = '" size "';\n"

#define ROWS4 "FROM (VALUES ('a', 1), ('a', 2), ('b', 3), ('a', 4)) AS t(k, v)"

TEST(a_batch_emits_one_change_per_key) {
  /* without mini-batch: a change per row */
  CHECK_ROWS("SET 'parallelism.default' = '1';\nSELECT k, COUNT(*), SUM(v) " ROWS4 " GROUP BY k;", false,
             "+I[a, 1, 1]\n-U[a, 1, 1]\n+U[a, 2, 3]\n+I[b, 1, 3]\n-U[a, 2, 3]\n+U[a, 3, 7]\n");
  /* batches of two rows: [a1 a2] then [b3 a4]; the second batch's keys in the order
   * they came in it */
  CHECK_ROWS(MB("2", "1 h") "SELECT k, COUNT(*), SUM(v) " ROWS4 " GROUP BY k;", false,
             "+I[a, 2, 3]\n+I[b, 1, 3]\n-U[a, 2, 3]\n+U[a, 3, 7]\n");
  /* one batch, emptied at the end of input: final rows only */
  CHECK_ROWS(MB("1000", "1 h") "SELECT k, COUNT(*), SUM(v) " ROWS4 " GROUP BY k;", false,
             "+I[a, 3, 7]\n+I[b, 1, 3]\n");
  /* a batch whose rows leave the result unchanged emits nothing for it: MAX stays 5 */
  CHECK_ROWS(MB("2", "1 h") "SELECT k, MAX(v) FROM (VALUES ('a', 5), ('b', 1), ('a', 3), ('a', 2)) AS t(k, v) GROUP BY k;",
             false, "+I[a, 5]\n+I[b, 1]\n");
  /* a global aggregate (no GROUP BY keys) */
  CHECK_ROWS(MB("3", "1 h") "SELECT COUNT(*), SUM(v) " ROWS4 ";", false, "+I[3, 6]\n-U[3, 6]\n+U[4, 10]\n");
}

TEST(nested_aggregations_fold_retractions_in_a_batch) {
  /* the inner GROUP BY's updates (-U/+U) reach the outer one, which folds them: with
   * one batch the outer sees only the inner's final rows */
  const char *q = "SELECT n, COUNT(*) AS keys FROM (SELECT k, COUNT(*) AS n FROM (VALUES ('a'), ('b'), ('a'), ('c'), "
                  "('b'), ('a'), ('d')) AS t(k) GROUP BY k) GROUP BY n;";
  char sql[2048];
  snprintf(sql, sizeof sql, MB("1000", "1 h") "%s", q);
  CHECK_ROWS(sql, false, "+I[3, 1]\n+I[2, 1]\n+I[1, 2]\n");
  /* per-row batches retract through the outer aggregation; its final table is the same */
  snprintf(sql, sizeof sql, MB("1", "1 h") "%s", q);
  CHECK_ROWS(sql, false,
             "+I[1, 1]\n-U[1, 1]\n+U[1, 2]\n-U[1, 2]\n+U[1, 1]\n+I[2, 1]\n-U[1, 1]\n+U[1, 2]\n-U[1, 2]\n+U[1, 1]\n"
             "-U[2, 1]\n+U[2, 2]\n-U[2, 2]\n+U[2, 1]\n+I[3, 1]\n-U[1, 1]\n+U[1, 2]\n");
  /* DISTINCT aggregates and HAVING over a batch */
  CHECK_ROWS(MB("3", "1 h") "SELECT k, COUNT(DISTINCT v), SUM(v) FROM (VALUES ('a', 1), ('a', 1), ('a', 2), ('b', 7), "
                            "('a', 2), ('b', 7)) AS t(k, v) GROUP BY k HAVING SUM(v) > 3;",
             false, "+I[a, 2, 4]\n+I[b, 1, 14]\n-U[a, 2, 4]\n+U[a, 2, 6]\n");
}

TEST(settings_are_checked) {
  CHECK_ERR("SET 'table.exec.mini-batch.enabled' = 'yes';", "expected 'true' or 'false'");
  CHECK_ERR("SET 'table.exec.mini-batch.allow-latency' = 'soon';", "expected a duration");
  CHECK_ERR("SET 'table.exec.mini-batch.size' = '10x';", "expected a number of rows");
  /* Flink wants both the latency and the size once enabled */
  CHECK_ERR("SET 'table.exec.mini-batch.enabled' = 'true';\nSELECT k, COUNT(*) " ROWS4 " GROUP BY k;",
            "set 'table.exec.mini-batch.allow-latency' and 'table.exec.mini-batch.size'");
  CHECK_ERR("SET 'table.exec.mini-batch.enabled' = 'true';\nSET 'table.exec.mini-batch.size' = '10';\n"
            "SELECT k, COUNT(*) " ROWS4 " GROUP BY k;",
            "greater than 0");
  /* EXPLAIN names the operator */
  char *out, err[512];
  CHECK_INT(run(MB("10", "1 s") "EXPLAIN SELECT k, COUNT(*) " ROWS4 " GROUP BY k;", &out, err, sizeof err), 0);
  free(out);
}

/* The job of the two tests below: per-key counts of a datagen sequence into PostgreSQL. */
static void job_script(char *buf, size_t cap, const char *extra, int rows, int rate, const char *size) {
  snprintf(buf, cap,
           "%s"
           "SET 'table.exec.mini-batch.enabled' = 'true';\n"
           "SET 'table.exec.mini-batch.allow-latency' = '200 ms';\n"
           "SET 'table.exec.mini-batch.size' = '%s';\n"
           "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '%d',\n"
           "  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');\n"
           "CREATE TABLE totals (k BIGINT, n BIGINT, s BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'jdbc',\n"
           "  'url' = '%s', 'table-name' = 'mb_totals', 'sink.buffer-flush.interval' = '100 ms');\n"
           "CREATE TABLE spread (n BIGINT, keys BIGINT, PRIMARY KEY (n) NOT ENFORCED) WITH ('connector' = 'jdbc',\n"
           "  'url' = '%s', 'table-name' = 'mb_spread', 'sink.buffer-flush.interval' = '100 ms');\n"
           "CREATE TEMPORARY VIEW per_key AS SELECT MOD(id, 50) AS k, COUNT(*) AS n, SUM(id) AS s FROM src GROUP BY MOD(id, 50);\n"
           "INSERT INTO totals SELECT k, n, s FROM per_key;\n"
           "INSERT INTO spread SELECT n, COUNT(*) FROM per_key GROUP BY n;\n",
           extra, size, rate, rows, pg_url, pg_url);
}

static bool reset_tables(void) {
  return pg_exec("DROP TABLE IF EXISTS mb_totals, mb_spread") &&
         pg_exec("CREATE TABLE mb_totals (k bigint PRIMARY KEY, n bigint, s bigint)") &&
         pg_exec("CREATE TABLE mb_spread (n bigint PRIMARY KEY, keys bigint)");
}

static long pg_long(const char *q) {
  char *v = pg_query(q);
  long n = atol(v);
  free(v);
  return n;
}

TEST(the_latency_timer_flushes_a_stream_that_does_not_fill_a_batch) {
  const char *bin = getenv("STROM_BIN");
  if (!bin || access(bin, X_OK)) {
    printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
    return;
  }
  CHECK(reset_tables());
  char script[4096], path[300];
  snprintf(path, sizeof path, "%s/latency.sql", tmp);
  /* no checkpoints and batches of a million rows: only the 200 ms timer can flush
   * before the 30 s input ends */
  job_script(script, sizeof script, "", 30000, 1000, "1000000");
  write_file(path, script);
  pid_t pid = spawn(bin, path, tmp, tmp, NULL, NULL);
  long rows = 0;
  for (int i = 0; i < 400 && rows < 50; i++, sleep_ms(50)) rows = pg_long("SELECT COUNT(*) FROM mb_totals");
  int status;
  CHECK(waitpid(pid, &status, WNOHANG) == 0); /* still running: the rows came from the timer */
  CHECK_INT(rows, 50);
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
}

#define KROWS 40000

TEST(killed_and_resumed_mini_batch_counts_every_row_once) {
  const char *bin = getenv("STROM_BIN");
  if (!bin || access(bin, X_OK)) {
    printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
    return;
  }
  CHECK(reset_tables());
  char ckpt[300], s1[300], s2[300], job[4096], resume[4096];
  snprintf(ckpt, sizeof ckpt, "%s/ckpt", tmp);
  snprintf(s1, sizeof s1, "%s/job.sql", tmp);
  snprintf(s2, sizeof s2, "%s/resume.sql", tmp);
  /* batches far larger than a checkpoint interval's rows: every snapshot finds rows in
   * the buffer */
  const char *ck = "SET 'execution.checkpointing.interval' = '100 ms';\n"
                   "SET 'state.checkpoints.dir' = '${CKPT}';\n"
                   "SET 'state.checkpoints.num-retained' = '5';\n";
  char extra[1024];
  job_script(job, sizeof job, ck, KROWS, 10000, "100000");
  write_file(s1, job);
  snprintf(extra, sizeof extra, "SET 'execution.savepoint.path' = '${RESUME}';\n%s", ck);
  job_script(resume, sizeof resume, extra, KROWS, 10000, "100000");
  write_file(s2, resume);

  pid_t pid = spawn(bin, s1, ckpt, tmp, NULL, NULL);
  char chk[600] = "";
  for (int i = 0; i < 3000 && newest_checkpoint(ckpt, chk, sizeof chk) < 3; i++) sleep_ms(10);
  sleep_ms(150);
  int status = 0;
  CHECK(waitpid(pid, &status, WNOHANG) == 0);
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  long id = newest_checkpoint(ckpt, chk, sizeof chk);
  CHECK(id >= 3);
  printf("  killed; resuming from %s\n", chk);
  pid = spawn(bin, s2, ckpt, tmp, chk, NULL);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK_INT(WEXITSTATUS(status), 0);

  /* key k holds the ids i in 1..KROWS with i mod 50 = k: 800 of them */
  long bad = 0;
  for (int k = 0; k < 50; k++) {
    char q[160];
    snprintf(q, sizeof q, "SELECT n, s FROM mb_totals WHERE k = %d", k);
    char *v = pg_query(q);
    long n = 0, s = 0;
    sscanf(v, "%ld,%ld", &n, &s);
    long first = k ? k : 50, cnt = KROWS / 50, sum = cnt * first + 50L * cnt * (cnt - 1) / 2;
    if (n != cnt || s != sum) {
      if (bad++ < 3) fprintf(stderr, "  key %d: n %ld s %ld, expected %ld %ld\n", k, n, s, cnt, sum);
    }
    free(v);
  }
  CHECK_INT(bad, 0);
  /* every key ends at 800 rows; the upsert sink is not transactional, so a count that
   * existed only between the last checkpoint and the kill (written, then never
   * retracted by the resumed run, which does not know it) may stay in the table, as with
   * Flink's jdbc sink: only n = 800 is certain */
  char *spread = pg_query("SELECT keys FROM mb_spread WHERE n = 800");
  CHECK_STR(spread, "50");
  free(spread);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-minibatch-%d", (int)getpid());
  mkdir(tmp, 0777);
  RUN(a_batch_emits_one_change_per_key);
  RUN(nested_aggregations_fold_retractions_in_a_batch);
  RUN(settings_are_checked);
  if (pg_start()) {
    strncat(pg_url, "?user=postgres", sizeof pg_url - strlen(pg_url) - 1);
    RUN(the_latency_timer_flushes_a_stream_that_does_not_fill_a_batch);
    RUN(killed_and_resumed_mini_batch_counts_every_row_once);
  } else {
    fprintf(stderr, "cannot start PostgreSQL (tests/pg_server.sh)\n");
    tests_failed++;
  }
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  TEST_MAIN_END();
}
