/*
 * test_sql_checkpoint.c -- a SQL INSERT job through the `strom sql` binary, with
 * checkpoints configured by SET, killed with SIGKILL mid-stream and resumed with
 * SET 'execution.savepoint.path' = the newest checkpoint folder: the filesystem sink's
 * committed files hold every result row exactly once.
 */
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sql_proc_test.h"
#include "test.h"

#define ROWS 60000


static void killed_and_resumed(bool via_run) {
  const char *bin = getenv("STROM_BIN");
  if (!bin || access(bin, X_OK)) {
    printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
    return;
  }
  char dir[256], ckpt[300], out[300], s1[300], s2[300];
  snprintf(dir, sizeof dir, "/tmp/strom-sql-ckpt-%d", (int)getpid());
  snprintf(ckpt, sizeof ckpt, "%s/ckpt", dir);
  snprintf(out, sizeof out, "%s/out", dir);
  snprintf(s1, sizeof s1, "%s/job.sql", dir);
  snprintf(s2, sizeof s2, "%s/resume.sql", dir);
  mkdir(dir, 0777);
  const char *job =
      "SET 'execution.checkpointing.interval' = '100 ms';\n"
      "SET 'state.checkpoints.dir' = '${CKPT}';\n"
      "SET 'state.checkpoints.num-retained' = '5';\n"
      "SET 'pipeline.name' = 'sql-exactly-once';\n"
      "CREATE TABLE src (id BIGINT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '15000',\n"
      "  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '60000',\n"
      "  'fields.v.min' = '0', 'fields.v.max' = '9');\n"
      "CREATE TABLE dst (id BIGINT, v BIGINT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${OUT}',\n"
      "  'format' = 'csv');\n"
      "INSERT INTO dst SELECT id, v, CASE WHEN v > 4 THEN 'hi' ELSE 'lo' END FROM src WHERE MOD(id, 3) <> 0;\n";
  write_file(s1, job);
  char resume_job[4096];
  snprintf(resume_job, sizeof resume_job, "SET 'execution.savepoint.path' = '${RESUME}';\n%s", job);
  write_file(s2, resume_job);

  pid_t pid = spawn(bin, s1, ckpt, out, NULL, NULL);
  char chk[600] = "";
  /* kill once two checkpoints exist: mid-stream (the input takes 4 s) */
  for (int i = 0; i < 3000 && newest_checkpoint(ckpt, chk, sizeof chk) < 2; i++) sleep_ms(10);
  sleep_ms(150);
  int status = 0;
  CHECK(waitpid(pid, &status, WNOHANG) == 0); /* still running */
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  long id = newest_checkpoint(ckpt, chk, sizeof chk);
  CHECK(id >= 2);
  printf("  killed; resuming from %s\n", chk);

  /* SET 'execution.savepoint.path' in the script, or the same script with --from. */
  pid = via_run ? spawn(bin, s1, ckpt, out, NULL, chk) : spawn(bin, s2, ckpt, out, chk, NULL);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK_INT(WEXITSTATUS(status), 0);

  /* every committed line once: ids 1..60000 without multiples of 3, tags matching v */
  char cmd[600];
  snprintf(cmd, sizeof cmd, "cat %s/part-* | sort -t, -k1,1n", out);
  FILE *p = popen(cmd, "r");
  char line[128];
  long expect = 1, n = 0;
  int bad = 0;
  while (fgets(line, sizeof line, p)) {
    while (expect % 3 == 0) expect++;
    long got_id, v;
    char tag[8];
    if (sscanf(line, "%ld,%ld,%7s", &got_id, &v, tag) != 3 || got_id != expect ||
        strcmp(tag, v > 4 ? "hi" : "lo"))
      bad++;
    expect++, n++;
  }
  pclose(p);
  CHECK_INT(bad, 0);
  CHECK_INT(n, ROWS - ROWS / 3);
  snprintf(cmd, sizeof cmd, "ls -a %s | grep -c inprogress", out);
  p = popen(cmd, "r");
  int left = fgets(line, sizeof line, p) ? atoi(line) : -1;
  pclose(p);
  CHECK_INT(left, 0); /* nothing left uncommitted */
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK_INT(system(cmd), 0);
}

TEST(sql_insert_killed_and_resumed_from_checkpoint_is_exactly_once) { killed_and_resumed(false); }

TEST(strom_run_from_a_checkpoint_resumes_exactly_once) { killed_and_resumed(true); }

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(sql_insert_killed_and_resumed_from_checkpoint_is_exactly_once);
  RUN(strom_run_from_a_checkpoint_resumes_exactly_once);
  TEST_MAIN_END();
}
