/*
 * test_sql_cli.c -- the `strom sql` command as a user runs it: a script with -f and
 * -D variables, statements from standard input, and the error report (line, column,
 * what was expected) with a failing exit status.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

/* Runs "strom sql ARGS" with input on stdin; returns the exit status, stdout and stderr. */
static int sh(const char *args, const char *input, char *out, size_t cap, char *err, size_t ecap) {
  char cmd[2048], of[64], ef[64], inf[64];
  snprintf(of, sizeof of, "/tmp/strom-sql-cli-%d.out", (int)getpid());
  snprintf(ef, sizeof ef, "/tmp/strom-sql-cli-%d.err", (int)getpid());
  snprintf(inf, sizeof inf, "/tmp/strom-sql-cli-%d.in", (int)getpid());
  FILE *f = fopen(inf, "w");
  fputs(input, f);
  fclose(f);
  snprintf(cmd, sizeof cmd, "%s sql %s <%s >%s 2>%s", getenv("STROM_BIN"), args, inf, of, ef);
  int st = system(cmd);
  f = fopen(of, "r");
  size_t n = fread(out, 1, cap - 1, f);
  out[n] = 0;
  fclose(f);
  f = fopen(ef, "r");
  n = fread(err, 1, ecap - 1, f);
  err[n] = 0;
  fclose(f);
  unlink(of), unlink(ef), unlink(inf);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(script_with_variables_and_errors) {
  char script[64], out[8192], err[4096];
  snprintf(script, sizeof script, "/tmp/strom-sql-cli-%d.sql", (int)getpid());
  FILE *f = fopen(script, "w");
  fputs("CREATE TABLE g (id INT) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence',\n"
        "  'fields.id.start' = '1', 'fields.id.end' = '${N}');\n"
        "SELECT id * 10 AS x FROM g WHERE id > 1;\n",
        f);
  fclose(f);
  char args[256];
  snprintf(args, sizeof args, "-f %s -D N=3", script);
  CHECK_INT(sh(args, "", out, sizeof out, err, sizeof err), 0);
  CHECK(strstr(out, "| op |           x |\n") != NULL);
  CHECK(strstr(out, "| +I |          20 |\n| +I |          30 |\n") != NULL);
  CHECK(strstr(out, "Received a total of 2 rows") != NULL);
  f = fopen(script, "w");
  fputs("SET 'parallelism.default' = '1';\nSELECT 1 +\n  FROM x;\n", f);
  fclose(f);
  snprintf(args, sizeof args, "-f %s", script);
  CHECK_INT(sh(args, "", out, sizeof out, err, sizeof err), 1);
  CHECK(strstr(err, "[ERROR] Could not execute SQL statement. Reason:\nline 3, column 3: expected an expression, found FROM") != NULL);
  unlink(script);
}

/* The README's first command: strom run examples/nexmark_bids.sql.  100,000 events at
 * 100,000 events/s of event time are one 2 s window; 46 of every 50 events are bids. */
TEST(readme_job_counts_every_bid_once) {
  char cmd[1024], line[256];
  snprintf(cmd, sizeof cmd, "%s run %s/examples/nexmark_bids.sql -D EVENTS=100000 2>&1", getenv("STROM_BIN"),
           getenv("STROM_TEST_ROOT"));
  FILE *p = popen(cmd, "r");
  long bids = 0, rows = 0, bad = 0;
  while (p && fgets(line, sizeof line, p)) {
    char *b = strstr(line, "+I[2015-07-15T00:00, ");
    long n, top;
    char ch[32];
    if (!b || sscanf(b + 21, "%31[^,], %ld, %ld]", ch, &n, &top) != 3) {
      bad++;
      continue;
    }
    bids += n, rows++;
  }
  CHECK_INT(p ? pclose(p) : -1, 0);
  CHECK_INT(bad, 0);
  CHECK_INT(rows, 5); /* Google, Facebook, Baidu, Apple, other */
  CHECK_INT(bids, 92000);
}

TEST(statements_from_stdin_keep_going_after_an_error) {
  char out[8192], err[4096];
  int rc = sh("", "SET 'pipeline.name' = 'x';\nSELECT nope;\nSELECT 'a' ||\n 'b' AS s;\nSET;\n", out, sizeof out, err, sizeof err);
  CHECK_INT(rc, 1); /* one statement failed */
  CHECK(strstr(err, "column 'nope' not found") != NULL);
  CHECK(strstr(out, "| +I |     ab |") != NULL);
  CHECK(strstr(out, "'pipeline.name' = 'x'") != NULL);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  if (!getenv("STROM_BIN") || access(getenv("STROM_BIN"), X_OK)) {
    printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
    TEST_MAIN_END();
  }
  RUN(script_with_variables_and_errors);
  RUN(readme_job_counts_every_bid_once);
  RUN(statements_from_stdin_keep_going_after_an_error);
  TEST_MAIN_END();
}
