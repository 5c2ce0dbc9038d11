/*
 * sql_proc_test.h -- what the SQL kill-and-resume tests share: running `strom sql` or
 * `strom run --from` in a child process, and finding the newest complete checkpoint.
 * Header-only, included by one test file each.
 */
#ifndef STROM_SQL_PROC_TEST_H
#define STROM_SQL_PROC_TEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

#endif
