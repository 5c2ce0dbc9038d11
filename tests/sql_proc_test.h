/*
 * sql_proc_test.h -- what the SQL kill-and-resume tests share: running `strom sql` or
 * `strom run --from` in a child process, and finding the newest complete checkpoint.
 * Header-only, included by one test file each.
 */
#ifndef STROM_SQL_PROC_TEST_H
#define STROM_SQL_PROC_TEST_H

#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline void sleep_ms(int ms) {
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&t, NULL);
}

static inline void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

/* The newest complete checkpoint folder under dir (chk-N with _metadata), or -1. */
static inline long newest_checkpoint(const char *dir, char *out, size_t cap) {
  DIR *d = opendir(dir);
  long best = -1;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (strncmp(e->d_name, "chk-", 4)) continue;
    char meta[600];
    snprintf(meta, sizeof meta, "%s/%s/_metadata", dir, e->d_name);
    struct stat st;
    long id = atol(e->d_name + 4);
    if (!stat(meta, &st) && id > best) {
      best = id;
      snprintf(out, cap, "%s/%s", dir, e->d_name);
    }
  }
  if (d) closedir(d);
  return best;
}

/* strom sql -f script (resume, if any, as ${RESUME} for the script's SET), or with
 * from: strom run script --from PATH. */
static inline pid_t spawn(const char *bin, const char *script, const char *ckpt, const char *out, const char *resume,
                   const char *from) {
  fflush(stdout); /* or the child flushes our buffered output again */
  pid_t pid = fork();
  if (pid == 0) {
    char d1[600], d2[600], d3[600];
    snprintf(d1, sizeof d1, "CKPT=%s", ckpt);
    snprintf(d2, sizeof d2, "OUT=%s", out);
    snprintf(d3, sizeof d3, "RESUME=%s", resume ? resume : "");
    if (!freopen("/dev/null", "w", stdout)) _exit(3);
    if (from) execl(bin, bin, "run", script, "--from", from, "-D", d1, "-D", d2, "-D", d3, (char *)NULL);
    else execl(bin, bin, "sql", "-f", script, "-D", d1, "-D", d2, "-D", d3, (char *)NULL);
    _exit(127);
  }
  return pid;
}

/* The SETs a once_and_killed job starts with: checkpoints every 100 ms into ${CKPT}, five
 * retained, then the %s where the resumed run's savepoint path goes. */
#define KILL_TEST_SETS                                       \
  "SET 'execution.checkpointing.interval' = '100 ms';\n"    \
  "SET 'state.checkpoints.dir' = '${CKPT}';\n"              \
  "SET 'state.checkpoints.num-retained' = '5';\n%s"

/* The strom binary the child-process tests run (tests/run.sh sets STROM_BIN), or NULL
 * after printing that the test is skipped. */
static inline const char *strom_bin(void) {
  const char *bin = getenv("STROM_BIN");
  if (bin && !access(bin, X_OK)) return bin;
  printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
  return NULL;
}

/* once_and_killed below, with what went wrong printed: true when the two runs agree. */
static inline const char *once_and_killed(const char *bin, const char *dir, const char *tag, const char *fmt, int ckpts);
static inline bool killed_run_agrees(const char *bin, const char *dir, const char *tag, const char *fmt, int ckpts) {
  const char *why = once_and_killed(bin, dir, tag, fmt, ckpts);
  if (why) fprintf(stderr, "  %s\n", why);
  return why == NULL;
}

/* The lines of dir/<tag>1.txt: the committed rows of once_and_killed's uninterrupted run
 * (-1 when there is no such file). */
static inline int committed_lines(const char *dir, const char *tag) {
  char path[400];
  snprintf(path, sizeof path, "%s/%s1.txt", dir, tag);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  int lines = 0;
  for (int ch; (ch = fgetc(f)) != EOF;) lines += ch == '\n';
  fclose(f);
  return lines;
}

/* Runs the job fmt (its one %s is where the resumed run's SET 'execution.savepoint.path'
 * goes) once to the end, and once killed with SIGKILL after ckpts checkpoints and
 * resumed from the newest, with files dir/<tag>-*; the committed part files of each run,
 * sorted, go to dir/<tag>1.txt and dir/<tag>2.txt.  NULL when every step went as it
 * should and the two are equal, else what went wrong. */
static inline const char *once_and_killed(const char *bin, const char *dir, const char *tag, const char *fmt, int ckpts) {
  char text[8192], s_once[300], s_kill[300], s_resume[300], ck1[300], ck2[300], o1[300], o2[300], chk[600] = "";
  snprintf(s_once, sizeof s_once, "%s/%s-once.sql", dir, tag);
  snprintf(s_kill, sizeof s_kill, "%s/%s-kill.sql", dir, tag);
  snprintf(s_resume, sizeof s_resume, "%s/%s-resume.sql", dir, tag);
  snprintf(ck1, sizeof ck1, "%s/%s-ck1", dir, tag);
  snprintf(ck2, sizeof ck2, "%s/%s-ck2", dir, tag);
  snprintf(o1, sizeof o1, "%s/%s-out1", dir, tag);
  snprintf(o2, sizeof o2, "%s/%s-out2", dir, tag);
  snprintf(text, sizeof text, fmt, "");
  write_file(s_once, text);
  write_file(s_kill, text);
  snprintf(text, sizeof text, fmt, "SET 'execution.savepoint.path' = '${RESUME}';\n");
  write_file(s_resume, text);
  int status = 0;
  pid_t pid = spawn(bin, s_once, ck1, o1, NULL, NULL);
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status)) return "the uninterrupted run failed";
  pid = spawn(bin, s_kill, ck2, o2, NULL, NULL);
  for (int i = 0; i < 3000 && newest_checkpoint(ck2, chk, sizeof chk) < ckpts; i++) sleep_ms(10);
  bool running = waitpid(pid, &status, WNOHANG) == 0;
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  if (!running) return "the job ended before it was killed";
  if (newest_checkpoint(ck2, chk, sizeof chk) < ckpts) return "too few checkpoints before the kill";
  pid = spawn(bin, s_resume, ck2, o2, chk, NULL);
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status)) return "the resumed run failed";
  char cmd[2400];
  snprintf(cmd, sizeof cmd, "cat %s/part-* | LC_ALL=C sort > %s/%s1.txt; cat %s/part-* | LC_ALL=C sort > %s/%s2.txt; "
           "cmp -s %s/%s1.txt %s/%s2.txt", o1, dir, tag, o2, dir, tag, dir, tag, dir, tag);
  return system(cmd) ? "the killed and resumed run committed other rows" : NULL;
}

#endif
