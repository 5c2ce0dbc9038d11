/*
 * test_sql_batch_checkpoint.c -- the state of this branch's operators survives a crash:
 * a streaming ORDER BY on event time (rows waiting in map state for their timers) and
 * a batch-mode GROUP BY (accumulators and end-of-input timers) run through the `strom sql`
 * binary, checkpointed, killed with SIGKILL mid-stream and resumed from the newest
 * checkpoint; the filesystem sinks' committed files hold every result exactly once (the
 * sort's in time order within each file), checked against values computed here.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sql_proc_test.h"
#include "test.h"

#define ROWS 30000

#define SRC                                                                                                        \
  "SET 'execution.checkpointing.interval' = '100 ms';\n"                                                          \
  "SET 'state.checkpoints.dir' = '${CKPT}';\n"                                                                     \
  "SET 'state.checkpoints.num-retained' = '5';\n"                                                                  \
  "CREATE TABLE src (id BIGINT, ts AS TO_TIMESTAMP_LTZ((id + MOD(id * 7, 13)) * 10, 3),\n"                         \
  "  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen', 'rows-per-second' = '10000',\n" \
  "  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '30000');\n"

/* Runs job (its resumed twin with the newest checkpoint as the savepoint), killing the
 * first run once two checkpoints exist; dir is the test's directory. */
static void run_killed_and_resumed(const char *dir, const char *job) {
  const char *bin = getenv("STROM_BIN");
  char ckpt[300], out[300], s1[300], s2[300];
  snprintf(ckpt, sizeof ckpt, "%s/ckpt", dir);
  snprintf(out, sizeof out, "%s/out", dir);
  snprintf(s1, sizeof s1, "%s/job.sql", dir);
  snprintf(s2, sizeof s2, "%s/resume.sql", dir);
  mkdir(dir, 0777);
  mkdir(out, 0777);
  write_file(s1, job);
  char resume_job[4096];
  snprintf(resume_job, sizeof resume_job, "SET 'execution.savepoint.path' = '${RESUME}';\n%s", job);
  write_file(s2, resume_job);
  pid_t pid = spawn(bin, s1, ckpt, out, NULL, NULL);
  char chk[600] = "";
  for (int i = 0; i < 3000 && newest_checkpoint(ckpt, chk, sizeof chk) < 2; i++) sleep_ms(10);
  sleep_ms(150);
  int status = 0;
  CHECK(waitpid(pid, &status, WNOHANG) == 0); /* still running: the input takes 3 s */
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  CHECK(newest_checkpoint(ckpt, chk, sizeof chk) >= 2);
  printf("  killed; resuming from %s\n", chk);
  pid = spawn(bin, s2, ckpt, out, chk, NULL);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK_INT(WEXITSTATUS(status), 0);
}

TEST(streaming_order_by_time_killed_and_resumed_is_exactly_once_and_sorted) {
  if (!getenv("STROM_BIN") || access(getenv("STROM_BIN"), X_OK)) {
    printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
    return;
  }
  char dir[256];
  snprintf(dir, sizeof dir, "/tmp/strom-sql-batch-ckpt-sort-%d", (int)getpid());
  /* id's time is (id + (7 id mod 13)) * 10 ms: out of order by up to 120 ms, inside the
   * 1 s watermark delay, so no row is late */
  run_killed_and_resumed(dir, SRC "CREATE TABLE sorted_out (id BIGINT, t BIGINT) WITH ('connector' = 'filesystem',\n"
                                  "  'path' = '${OUT}/sorted', 'format' = 'csv');\n"
                                  "INSERT INTO sorted_out SELECT id, id + MOD(id * 7, 13) FROM src ORDER BY ts, id;\n");
  char cmd[600], line[128];
  snprintf(cmd, sizeof cmd, "for f in %s/out/sorted/part-*; do echo file; cat $f; done", dir);
  FILE *p = popen(cmd, "r");
  static int seen[ROWS + 1];
  long n = 0, dup = 0, bad = 0, unordered = 0, prev_t = -1, prev_id = -1;
  while (fgets(line, sizeof line, p)) {
    long id, t;
    if (!strcmp(line, "file\n")) {
      prev_t = prev_id = -1;
      continue;
    }
    if (sscanf(line, "%ld,%ld", &id, &t) != 2 || id < 1 || id > ROWS) {
      bad++;
      continue;
    }
    bad += t != id + (id * 7) % 13;
    unordered += t < prev_t || (t == prev_t && id < prev_id);
    prev_t = t, prev_id = id;
    dup += seen[id]++ > 0;
    n++;
  }
  pclose(p);
  CHECK_INT(bad, 0);
  CHECK_INT(dup, 0);
  CHECK_INT(unordered, 0);
  CHECK_INT(n, ROWS);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK_INT(system(cmd), 0);
}

TEST(batch_group_by_killed_and_resumed_is_exactly_once) {
  if (!getenv("STROM_BIN") || access(getenv("STROM_BIN"), X_OK)) {
    printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
    return;
  }
  char dir[256];
  snprintf(dir, sizeof dir, "/tmp/strom-sql-batch-ckpt-agg-%d", (int)getpid());
  run_killed_and_resumed(dir, "SET 'execution.runtime-mode' = 'batch';\n" SRC
                              "CREATE TABLE agg_out (k BIGINT, n BIGINT, s BIGINT) WITH ('connector' = 'filesystem',\n"
                              "  'path' = '${OUT}/agg', 'format' = 'csv');\n"
                              "INSERT INTO agg_out SELECT MOD(id, 10), COUNT(*), SUM(id) FROM src GROUP BY MOD(id, 10);\n");
  char cmd[600], line[128];
  snprintf(cmd, sizeof cmd, "cat %s/out/agg/part-*", dir);
  FILE *p = popen(cmd, "r");
  int got[10] = {0};
  long lines = 0, wrong = 0;
  while (fgets(line, sizeof line, p)) {
    long k, cnt, sum;
    lines++;
    if (sscanf(line, "%ld,%ld,%ld", &k, &cnt, &sum) != 3 || k < 0 || k > 9) {
      wrong++;
      continue;
    }
    /* ids k, k + 10, ... (10, 20, ... for 0): 3000 of them */
    long want = k ? 3000 * k + 10L * (2999L * 3000 / 2) : 10L * (3000L * 3001 / 2);
    wrong += cnt != 3000 || sum != want;
    got[k]++;
  }
  pclose(p);
  CHECK_INT(wrong, 0);
  CHECK_INT(lines, 10);
  for (int k = 0; k < 10; k++) CHECK_INT(got[k], 1);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK_INT(system(cmd), 0);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(streaming_order_by_time_killed_and_resumed_is_exactly_once_and_sorted);
  RUN(batch_group_by_killed_and_resumed_is_exactly_once);
  TEST_MAIN_END();
}
