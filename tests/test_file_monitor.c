/*
 * test_file_monitor.c -- the filesystem source over a directory: a bounded read of
 * the files present (hidden and '_' names skipped, a last line without a newline
 * kept) at several parallelisms; files that appear while an unbounded job runs are
 * read; and a job killed with SIGKILL again and again while files keep appearing,
 * resumed each time from its latest checkpoint (sometimes at another parallelism),
 * writes every line exactly once through the exactly-once file sink.
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "strom/filesystem.h"
#include "test.h"

static void sleep_ms(int ms) { nanosleep(&(struct timespec){ms / 1000, (long)(ms % 1000) * 1000000}, NULL); }

static char *tmpdir(const char *tag) {
  static char buf[4][128];
  static int k;
  char *p = buf[k++ % 4];
  snprintf(p, 128, "/tmp/strom-mon-%s-%d-XXXXXX", tag, (int)getpid());
  return mkdtemp(p);
}

static void rm_rf(const char *path) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd)) fprintf(stderr, "  (could not remove %s)\n", path);
}

/* Writes file k of dir (lines "f<k>-l<j>" for j < lines) under a hidden name, then
 * renames it in, as a writer should. */
static void write_file(const char *dir, int k, int lines, bool final_newline) {
  char tmp[512], path[512];
  snprintf(tmp, sizeof tmp, "%s/.f%03d.tmp", dir, k);
  snprintf(path, sizeof path, "%s/f%03d.txt", dir, k);
  FILE *f = fopen(tmp, "w");
  for (int j = 0; j < lines; j++) fprintf(f, "f%d-l%d%s", k, j, j + 1 < lines || final_newline ? "\n" : "");
  fclose(f);
  rename(tmp, path);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* "a\nb\n..." of the lines, sorted. */
static char *join_sorted(char **lines, size_t n) {
  if (n) qsort(lines, n, sizeof *lines, cmp_str);
  size_t len = 1;
  for (size_t i = 0; i < n; i++) len += strlen(lines[i]) + 1;
  char *all = malloc(len), *p = all;
  for (size_t i = 0; i < n; i++) p += sprintf(p, "%s\n", lines[i]);
  *p = 0;
  return all;
}

static char *expected(int files, int lines, size_t *n) {
  char **l = malloc((size_t)files * (size_t)lines * sizeof *l);
  *n = 0;
  for (int k = 0; k < files; k++)
    for (int j = 0; j < lines; j++) {
      char s[32];
      snprintf(s, sizeof s, "f%d-l%d", k, j);
      l[(*n)++] = strdup(s);
    }
  char *all = join_sorted(l, *n);
  for (size_t i = 0; i < *n; i++) free(l[i]);
  free(l);
  return all;
}

TEST(bounded_read_of_a_directory_at_any_parallelism) {
  char *dir = tmpdir("bounded");
  for (int k = 0; k < 7; k++) write_file(dir, k, 100 + k, k != 3); /* file 3 ends without a newline */
  char p[512];
  snprintf(p, sizeof p, "%s/_in_progress", dir);
  FILE *f = fopen(p, "w");
  fprintf(f, "not me\n");
  fclose(f);
  snprintf(p, sizeof p, "%s/.hidden", dir);
  f = fopen(p, "w");
  fprintf(f, "nor me\n");
  fclose(f);
  size_t want_n = 0;
  char **l = malloc(1000 * sizeof *l);
  for (int k = 0; k < 7; k++)
    for (int j = 0; j < 100 + k; j++) {
      char s[32];
      snprintf(s, sizeof s, "f%d-l%d", k, j);
      l[want_n++] = strdup(s);
    }
  char *want = join_sorted(l, want_n);
  for (size_t i = 0; i < want_n; i++) free(l[i]);
  free(l);
  for (int par = 1; par <= 3; par++) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_results *res = strom_collect(strom_monitor_text(env, dir, NULL));
    CHECK_INT(strom_execute(env, "bounded"), STROM_OK);
    size_t n = strom_results_count(res);
    char **got = malloc((n + 1) * sizeof *got);
    for (size_t i = 0; i < n; i++) {
      size_t len;
      const char *s = strom_row_get_str(strom_results_row(res, i), 0, &len);
      got[i] = strndup(s, len);
    }
    char *all = join_sorted(got, n);
    for (size_t i = 0; i < n; i++) free(got[i]);
    free(got);
    strom_env_free(env);
    CHECK_INT(n, want_n);
    CHECK(!strcmp(all, want));
    free(all);
  }
  free(want);
  strom_env *env = strom_env_new(NULL);
  strom_discard(strom_monitor_text(env, "/nonexistent/strom-dir", NULL));
  CHECK(strom_execute(env, "missing") != STROM_OK);
  CHECK(strstr(strom_env_errmsg(env), "cannot read directory '/nonexistent/strom-dir'"));
  strom_env_free(env);
  rm_rf(dir);
}

/* ---- new files while running ---- */

static atomic_int lines_seen;

static int count_line(strom_ctx *ctx, const strom_row *in) {
  (void)ctx;
  (void)in;
  atomic_fetch_add(&lines_seen, 1);
  return 1;
}

typedef struct bg {
  strom_env *env;
  int rc;
} bg;

static void *run_bg(void *arg) {
  bg *b = arg;
  b->rc = strom_execute(b->env, "monitor");
  return NULL;
}

TEST(new_files_are_read_while_the_job_runs) {
  char *dir = tmpdir("new");
  write_file(dir, 0, 10, true);
  atomic_store(&lines_seen, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_discard(strom_filter(strom_monitor_text(env, dir, &(strom_monitor_opts){.monitor_interval_ms = 20}), count_line, NULL));
  bg b = {.env = env};
  pthread_t th;
  pthread_create(&th, NULL, run_bg, &b);
  int i;
  for (i = 0; i < 20000 && atomic_load(&lines_seen) < 10; i++) sleep_ms(1);
  CHECK_INT(atomic_load(&lines_seen), 10);
  write_file(dir, 1, 20, true);
  write_file(dir, 2, 30, false);
  for (i = 0; i < 20000 && atomic_load(&lines_seen) < 60; i++) sleep_ms(1);
  sleep_ms(100); /* a few more listings: nothing is read twice */
  strom_env_cancel(env);
  pthread_join(th, NULL);
  CHECK_INT(atomic_load(&lines_seen), 60);
  CHECK_INT(b.rc, STROM_ECANCELED);
  strom_env_free(env);
  rm_rf(dir);
}

/* ---- SIGKILL and resume ---- */

enum { K_FILES = 60, K_LINES = 400 };

/* Slows the job down (a pause every 20 lines) so that kills land inside files. */
static int slow(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  (void)ctx;
  static _Thread_local int n;
  if (++n % 20 == 0) sleep_ms(1);
  return strom_row_copy(out, in);
}

static int monitor_job(const char *in, const char *out, const char *ckpt, int par, bool resume) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par, .checkpoint_interval_ms = 30, .checkpoint_dir = ckpt,
                                                   .checkpoints_retained = 2, .restore_path = resume ? ckpt : NULL});
  strom_stream *src = strom_set_uid(strom_monitor_text(env, in, &(strom_monitor_opts){.monitor_interval_ms = 20}), "files");
  strom_write_files(strom_set_uid(strom_map(src, NULL, slow, NULL), "slow"), out, NULL);
  int rc = strom_execute(env, "monitor");
  if (rc) fprintf(stderr, "  monitor job: %s\n", strom_env_errmsg(env));
  strom_env_free(env);
  return rc;
}

static bool has_checkpoint(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ls '%s'/chk-*/_metadata >/dev/null 2>&1", dir);
  return system(cmd) == 0;
}

/* The committed (visible) lines of the file sink's directory, sorted. */
static char *committed(const char *dir, size_t *n) {
  char **l = NULL;
  size_t cap = 0;
  *n = 0;
  DIR *d = opendir(dir);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char p[512], line[128];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    FILE *f = fopen(p, "r");
    while (f && fgets(line, sizeof line, f)) {
      line[strcspn(line, "\n")] = 0;
      if (*n == cap) l = realloc(l, (cap = cap ? cap * 2 : 1024) * sizeof *l);
      l[(*n)++] = strdup(line);
    }
    if (f) fclose(f);
  }
  if (d) closedir(d);
  char *all = join_sorted(l, *n);
  for (size_t i = 0; i < *n; i++) free(l[i]);
  free(l);
  return all;
}

TEST(sigkill_and_resume_reads_every_line_exactly_once) {
  char *in = tmpdir("in"), *out = tmpdir("out"), *ckpt = tmpdir("ckpt");
  unsigned seed = (unsigned)time(NULL);
  printf("  seed %u\n", seed);
  srand(seed);
  int kills = 0, runs = 0, written = 0;
  size_t n = 0, want_n;
  char *want = expected(K_FILES, K_LINES, &want_n);
  while (runs < 60) {
    int par = 1 + runs % 2; /* resumes alternate between parallelism 1 and 2 */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) _exit(monitor_job(in, out, ckpt, par, has_checkpoint(ckpt)) ? 1 : 0);
    runs++;
    /* New files keep appearing while it runs. */
    int wait = 100 + rand() % 200;
    for (int t = 0; t < wait; t += 10) {
      if (written < K_FILES && rand() % 3 == 0) write_file(in, written++, K_LINES, true);
      sleep_ms(10);
    }
    int status = 0;
    if (written < K_FILES || kills < 5) {
      if (waitpid(pid, &status, WNOHANG) != 0) break; /* the job ended by itself: a failure */
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      kills++;
      continue;
    }
    /* Everything is written: let this run commit it all, then stop it. */
    char *all = NULL;
    for (int t = 0; t < 3000; t++) {
      free(all);
      all = committed(out, &n);
      if (n >= want_n) break;
      sleep_ms(10);
    }
    free(all);
    sleep_ms(200); /* more checkpoints: nothing more may come */
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    break;
  }
  printf("  %d SIGKILLs over %d runs\n", kills, runs);
  char *got = committed(out, &n);
  CHECK(kills >= 5);
  CHECK_INT(n, want_n);
  CHECK(!strcmp(got, want));
  free(got);
  free(want);
  rm_rf(in);
  rm_rf(out);
  rm_rf(ckpt);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  RUN(bounded_read_of_a_directory_at_any_parallelism);
  RUN(new_files_are_read_while_the_job_runs);
  RUN(sigkill_and_resume_reads_every_line_exactly_once);
  TEST_MAIN_END();
}
