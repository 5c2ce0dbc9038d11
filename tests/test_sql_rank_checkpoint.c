/*
 * test_sql_rank_checkpoint.c -- an OVER aggregation, a window Top-N (their rows wait
 * in state for event-time timers) and a CUMULATE COUNT(DISTINCT) as one SQL job through
 * the `strom sql` binary, checkpointed, killed with SIGKILL mid-stream and resumed from the newest
 * checkpoint: the filesystem sinks' committed files hold every result exactly once,
 * and each result is checked against the input values it reports.
 */
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sql_proc_test.h"
#include "test.h"

#define ROWS 30000


static int64_t vals[ROWS + 1];
static int seen[ROWS + 1];

TEST(over_window_top_n_and_cumulate_distinct_killed_and_resumed_are_exactly_once) {
  const char *bin = getenv("STROM_BIN");
  if (!bin || access(bin, X_OK)) {
    printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
    return;
  }
  char dir[256], ckpt[300], out[300], s1[300], s2[300];
  snprintf(dir, sizeof dir, "/tmp/strom-sql-rank-ckpt-%d", (int)getpid());
  snprintf(ckpt, sizeof ckpt, "%s/ckpt", dir);
  snprintf(out, sizeof out, "%s/out", dir);
  snprintf(s1, sizeof s1, "%s/job.sql", dir);
  snprintf(s2, sizeof s2, "%s/resume.sql", dir);
  mkdir(dir, 0777);
  mkdir(out, 0777);
  /* id i has event time 10 i ms: 100 ids per 1 s window */
  const char *job =
      "SET 'execution.checkpointing.interval' = '100 ms';\n"
      "SET 'state.checkpoints.dir' = '${CKPT}';\n"
      "SET 'state.checkpoints.num-retained' = '5';\n"
      "CREATE TABLE src (id BIGINT, v BIGINT, ts AS TO_TIMESTAMP_LTZ(id * 10, 3),\n"
      "  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen', 'rows-per-second' = '10000',\n"
      "  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '30000',\n"
      "  'fields.v.min' = '0', 'fields.v.max' = '9');\n"
      "CREATE TABLE over_out (id BIGINT, v BIGINT, s BIGINT) WITH ('connector' = 'filesystem', 'path' = '${OUT}/over',\n"
      "  'format' = 'csv');\n"
      "CREATE TABLE top_out (id BIGINT, v BIGINT, rn BIGINT) WITH ('connector' = 'filesystem', 'path' = '${OUT}/top',\n"
      "  'format' = 'csv');\n"
      "CREATE TABLE cum_out (lo BIGINT, hi BIGINT, n BIGINT, d BIGINT) WITH ('connector' = 'filesystem',\n"
      "  'path' = '${OUT}/cum', 'format' = 'csv');\n"
      "INSERT INTO over_out SELECT id, v, SUM(v) OVER (PARTITION BY MOD(id, 7) ORDER BY ts\n"
      "  ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM src;\n"
      "INSERT INTO top_out SELECT id, v, rn FROM (SELECT id, v, ROW_NUMBER() OVER (PARTITION BY window_start, window_end\n"
      "  ORDER BY v DESC) AS rn FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' SECOND))) WHERE rn <= 3;\n"
      "INSERT INTO cum_out SELECT MIN(id), MAX(id), COUNT(*), COUNT(DISTINCT v) FROM TABLE(CUMULATE(TABLE src,\n"
      "  DESCRIPTOR(ts), INTERVAL '0.5' SECOND, INTERVAL '1' SECOND)) GROUP BY window_start, window_end;\n";
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
  long id = newest_checkpoint(ckpt, chk, sizeof chk);
  CHECK(id >= 2);
  printf("  killed; resuming from %s\n", chk);
  pid = spawn(bin, s2, ckpt, out, chk, NULL);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK_INT(WEXITSTATUS(status), 0);

  /* OVER: every id once; s = v(id) + v(id - 7) + v(id - 14) (the partition's 2 rows before) */
  char cmd[600], line[128];
  snprintf(cmd, sizeof cmd, "cat %s/over/part-*", out);
  FILE *p = popen(cmd, "r");
  long n = 0, dup = 0;
  static int64_t sums[ROWS + 1];
  while (fgets(line, sizeof line, p)) {
    long i, v, s;
    if (sscanf(line, "%ld,%ld,%ld", &i, &v, &s) != 3 || i < 1 || i > ROWS) continue;
    dup += seen[i]++ > 0;
    vals[i] = v, sums[i] = s, n++;
  }
  pclose(p);
  CHECK_INT(dup, 0);
  CHECK_INT(n, ROWS);
  long bad = 0;
  for (long i = 1; i <= ROWS; i++) {
    int64_t want = vals[i] + (i > 7 ? vals[i - 7] : 0) + (i > 14 ? vals[i - 14] : 0);
    bad += sums[i] != want;
  }
  CHECK_INT(bad, 0);

  /* window Top-N: per window (id / 100) the 3 highest v, ties in id order, once each */
  snprintf(cmd, sizeof cmd, "cat %s/top/part-* | sort -t, -k1,1n", out);
  p = popen(cmd, "r");
  long rows = 0, wrong = 0;
  int per_window[ROWS / 100 + 1] = {0};
  while (fgets(line, sizeof line, p)) {
    long i, v, rn;
    if (sscanf(line, "%ld,%ld,%ld", &i, &v, &rn) != 3 || i < 1 || i > ROWS) {
      wrong++;
      continue;
    }
    long w = i / 100, lo = w * 100 < 1 ? 1 : w * 100, hi = w * 100 + 99 > ROWS ? ROWS : w * 100 + 99;
    long rank = 1; /* rows before i in the window's order */
    for (long j = lo; j <= hi; j++) rank += vals[j] > vals[i] || (vals[j] == vals[i] && j < i);
    wrong += rank != rn || v != vals[i];
    per_window[w]++;
    rows++;
  }
  pclose(p);
  CHECK_INT(wrong, 0);
  for (int w = 0; w <= ROWS / 100; w++) CHECK_INT(per_window[w], w == ROWS / 100 ? 1 : 3);
  CHECK_INT(rows, 3 * (ROWS / 100) + 1);

  /* CUMULATE (step 0.5 s, size 1 s) with COUNT(DISTINCT v): two windows per second, ids
   * [100 k, 100 k + 49] and [100 k, 100 k + 99] (from 1, to 30000), each once */
  snprintf(cmd, sizeof cmd, "cat %s/cum/part-*", out);
  p = popen(cmd, "r");
  static int got[ROWS / 100 + 1];
  long lines = 0;
  wrong = 0;
  while (fgets(line, sizeof line, p)) {
    long lo, hi, cnt, d;
    lines++;
    if (sscanf(line, "%ld,%ld,%ld,%ld", &lo, &hi, &cnt, &d) != 4 || lo < 1 || hi > ROWS || hi < lo) {
      wrong++;
      continue;
    }
    long w = lo / 100, first = w ? w * 100 : 1, half = w * 100 + 49 < ROWS ? w * 100 + 49 : ROWS,
         full = w * 100 + 99 < ROWS ? w * 100 + 99 : ROWS;
    int vals_seen[10] = {0};
    long distinct = 0;
    for (long j = lo; j <= hi; j++) distinct += vals_seen[vals[j]]++ == 0;
    wrong += cnt != hi - lo + 1 || d != distinct || lo != first || (hi != half && hi != full);
    got[w]++;
  }
  pclose(p);
  CHECK_INT(wrong, 0);
  for (int w = 0; w <= ROWS / 100; w++) CHECK_INT(got[w], 2);
  CHECK_INT(lines, 2 * (ROWS / 100 + 1));
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK_INT(system(cmd), 0);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(over_window_top_n_and_cumulate_distinct_killed_and_resumed_are_exactly_once);
  TEST_MAIN_END();
}
