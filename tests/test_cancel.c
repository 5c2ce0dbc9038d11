/*
 * test_cancel.c -- cancelling running jobs: an unbounded keyed job, a job held up by
 * backpressure from a slow sink, a socket job whose server is silent, and the strom
 * CLI on SIGINT/SIGTERM.  Each must stop within 2 s and leave no thread behind.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h" /* strom_buf */
#include "test.h"

/* ---- helpers ---- */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int thread_count(void) {
  DIR *d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* Thread count settles right after joins; allow it a moment anyway (up to 10 s: a
 * loaded machine may take long to run an exiting thread to its end). */
static int wait_thread_count(int want) {
  int n = thread_count();
  for (int i = 0; i < 1000 && n != want; i++) {
    usleep(10000);
    n = thread_count();
  }
  return n;
}

typedef struct canceller {
  strom_env *env;
  int delay_ms;
  atomic_bool *go; /* if set, the delay starts when it becomes true */
  void (*before)(void); /* if set, called just before cancelling */
  double cancelled_at;
  pthread_t th;
} canceller;

static void *cancel_main(void *arg) {
  canceller *c = arg;
  if (c->go)
    for (int i = 0; i < 2000 && !atomic_load(c->go); i++) usleep(5000);
  usleep((useconds_t)c->delay_ms * 1000);
  if (c->before) c->before();
  c->cancelled_at = now_s();
  strom_env_cancel(c->env);
  return NULL;
}

/* Runs env's job, cancelling it delay_ms after it starts (after *go, if given).
 * Returns the status; *latency is the time from cancel to return. */
static int execute_cancelled(strom_env *env, canceller *c, double *latency) {
  c->env = env;
  pthread_create(&c->th, NULL, cancel_main, c);
  int rc = strom_execute(env, "cancel-me");
  double end = now_s();
  pthread_join(c->th, NULL);
  *latency = end - c->cancelled_at;
  return rc;
}

/* ---- an unbounded keyed job ---- */

static int gen_kv(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, (int64_t)(i % 10007));
  strom_row_set_bigint(out, 1, 1);
  return 1;
}

static int sum_v(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_copy(out, acc);
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + strom_row_get_bigint(in, 1));
  return 0;
}

static atomic_long reduced;
static int count_rows(strom_ctx *ctx, const strom_row *in) {
  (void)ctx;
  (void)in;
  atomic_fetch_add_explicit(&reduced, 1, memory_order_relaxed);
  return 1;
}

TEST(unbounded_keyed_job_cancels_within_2s) {
  int base = thread_count();
  CHECK(base > 0);
  for (int round = 0; round < 2; round++) {
    atomic_store(&reduced, 0);
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
    strom_schema *s = strom_schema_parse("k BIGINT, v BIGINT", NULL, 0);
    strom_stream *src = strom_from_generator(env, s, STROM_UNBOUNDED, gen_kv, NULL);
    strom_discard(strom_filter(strom_reduce(strom_key_by(src, "k"), sum_v, NULL), count_rows, NULL));
    canceller c = {.delay_ms = 200};
    double latency;
    int rc = execute_cancelled(env, &c, &latency);
    if (rc != STROM_ECANCELED) fprintf(stderr, "  rc %d: %s\n", rc, strom_env_errmsg(env));
    CHECK_INT(rc, STROM_ECANCELED);
    CHECK_STR(strom_env_errmsg(env), "job cancelled");
    printf("     cancelled in %.3f s after %ld reduced records\n", latency, atomic_load(&reduced));
    CHECK(latency < 2.0);
    CHECK(atomic_load(&reduced) > 0); /* it really ran */
    strom_schema_free(s);
    strom_env_free(env);
    CHECK_INT(wait_thread_count(base), base);
  }
}

TEST(cancel_before_execute_stops_at_once) {
  int base = thread_count();
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 3});
  strom_schema *s = strom_schema_parse("k BIGINT, v BIGINT", NULL, 0);
  strom_discard(strom_from_generator(env, s, STROM_UNBOUNDED, gen_kv, NULL));
  strom_env_cancel(env);
  double t0 = now_s();
  CHECK_INT(strom_execute(env, "pre-cancelled"), STROM_ECANCELED);
  CHECK(now_s() - t0 < 2.0);
  strom_schema_free(s);
  strom_env_free(env);
  CHECK_INT(wait_thread_count(base), base);
}

/* ---- a job held up by backpressure ---- */

static atomic_long slow_seen;
static atomic_bool slow_started;

/* A slow sink: 1 ms per record (a database, say).  Records are 10 bytes, so each
 * 32 KiB buffer holds ~3000 of them and the full channel ~13000: seconds of work. */
static int slow_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)ctx;
  (void)input;
  (void)in;
  (void)out;
  atomic_store(&slow_started, true);
  atomic_fetch_add(&slow_seen, 1);
  usleep(1000);
  return STROM_OK;
}

static atomic_long produced;
static int gen_small(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, (int64_t)i);
  atomic_fetch_add_explicit(&produced, 1, memory_order_relaxed);
  return 1;
}

static long queued_at_cancel;
static void snapshot_queue(void) { queued_at_cancel = atomic_load(&produced) - atomic_load(&slow_seen); }

TEST(job_blocked_on_backpressure_cancels_promptly) {
  int base = thread_count();
  atomic_store(&slow_seen, 0);
  atomic_store(&slow_started, false);
  atomic_store(&produced, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  strom_schema *s = strom_schema_parse("id BIGINT", NULL, 0);
  strom_stream *src = strom_from_generator(env, s, STROM_UNBOUNDED, gen_small, NULL);
  strom_process_def def = {.process = slow_process};
  strom_discard(strom_start_new_chain(strom_process(src, &def)));
  canceller c = {.delay_ms = 300, .go = &slow_started, .before = snapshot_queue};
  double latency;
  int rc = execute_cancelled(env, &c, &latency);
  printf("     cancelled in %.3f s; %ld records were queued for the sink at the cancel\n", latency,
         queued_at_cancel);
  CHECK_INT(rc, STROM_ECANCELED);
  /* The source was held back by backpressure: ahead of the sink by about what one
   * channel holds (4 buffers of 32 KiB, 10-byte records), not more. */
  CHECK(queued_at_cancel > 1000);
  CHECK(queued_at_cancel < 4 * 32768 / 10 + 100);
  CHECK(latency < 2.0);
  strom_schema_free(s);
  strom_env_free(env);
  CHECK_INT(wait_thread_count(base), base);
}

/* ---- a silent socket ---- */

typedef struct server {
  int lfd, port, fd;
  const char *send;  /* sent after accepting, then the connection stays open */
  const char *more;  /* sent once send_more is set */
  atomic_bool accepted, stop, send_more;
  pthread_t th;
} server;

static int listen_local(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 4) ||
      getsockname(fd, (struct sockaddr *)&a, &al)) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

static void *serve(void *arg) {
  server *s = arg;
  struct pollfd p = {.fd = s->lfd, .events = POLLIN};
  while (!atomic_load(&s->stop) && poll(&p, 1, 50) == 0) {
  }
  if (atomic_load(&s->stop)) return NULL;
  s->fd = accept(s->lfd, NULL, NULL);
  if (s->fd < 0) return NULL;
  if (s->send && write(s->fd, s->send, strlen(s->send)) < 0) perror("write");
  atomic_store(&s->accepted, true);
  /* Keep the connection open until told to stop. */
  while (!atomic_load(&s->stop)) {
    if (s->more && atomic_load(&s->send_more)) {
      if (write(s->fd, s->more, strlen(s->more)) < 0) perror("write");
      s->more = NULL;
    }
    usleep(10000);
  }
  close(s->fd);
  return NULL;
}

static int server_start(server *s, const char *send, const char *more) {
  memset(s, 0, sizeof *s);
  s->send = send;
  s->more = more;
  s->fd = -1;
  s->lfd = listen_local(&s->port);
  if (s->lfd < 0) return -1;
  pthread_create(&s->th, NULL, serve, s);
  return 0;
}

static void server_stop(server *s) {
  atomic_store(&s->stop, true);
  pthread_join(s->th, NULL);
  close(s->lfd);
}

TEST(silent_socket_job_cancels_promptly) {
  int base = thread_count();
  server srv;
  CHECK_INT(server_start(&srv, NULL, NULL), 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_discard(strom_rebalance(strom_socket_text(env, "127.0.0.1", srv.port)));
  canceller c = {.delay_ms = 200, .go = &srv.accepted}; /* 200 ms after it connected */
  double latency;
  int rc = execute_cancelled(env, &c, &latency);
  bool connected = atomic_load(&srv.accepted);
  server_stop(&srv);
  if (rc != STROM_ECANCELED) fprintf(stderr, "  rc %d: %s\n", rc, strom_env_errmsg(env));
  strom_env_free(env);
  CHECK(connected);
  CHECK_INT(rc, STROM_ECANCELED);
  printf("     cancelled in %.3f s\n", latency);
  CHECK(latency < 2.0);
  CHECK_INT(wait_thread_count(base), base);
}

/* ---- the CLI on SIGINT and SIGTERM ---- */

/* Reads what is available from fd into b (for up to wait_ms). */
static void drain(int fd, strom_buf *b, int wait_ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  char chunk[4096];
  while (poll(&p, 1, wait_ms) > 0) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    strom__buf_append(b, chunk, (size_t)n);
  }
}

static void cli_signal_exits_cleanly(int sig) {
  const char *bin = getenv("STROM_BIN");
  if (!bin || access(bin, X_OK)) {
    printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
    return;
  }
  server srv;
  CHECK_INT(server_start(&srv, "Hello world\nhello Strom\nworld hello again\n", "sentinel\n"), 0);
  char addr[64], errpath[] = "/tmp/strom-cli-err-XXXXXX";
  snprintf(addr, sizeof addr, "127.0.0.1:%d", srv.port);
  int errfd = mkstemp(errpath), out[2];
  CHECK(errfd >= 0 && pipe(out) == 0);
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(errfd, 2);
    close(out[0]);
    close(out[1]);
    close(errfd);
    execl(bin, bin, "wordcount", "--socket", addr, (char *)NULL);
    _exit(127);
  }
  close(out[1]);
  CHECK(pid > 0);
  /* Wait until the job is connected and has printed (and flushed) its first update.
   * The print sink flushes when a record comes more than 100 ms after its last flush,
   * so a last line sent 300 ms later shows up with everything printed before it. */
  strom_buf b = {0};
  strom__buf_append(&b, "", 0);
  double t0 = now_s();
  while (!strstr(b.p, "+I[") && now_s() - t0 < 10) drain(out[0], &b, 50);
  bool connected = atomic_load(&srv.accepted), printed = strstr(b.p, "+I[") != NULL;
  usleep(300000);
  atomic_store(&srv.send_more, true);
  t0 = now_s();
  while (!strstr(b.p, "+I[sentinel, 1]\n") && now_s() - t0 < 10) drain(out[0], &b, 50);
  bool all_printed = strstr(b.p, "+I[sentinel, 1]\n") != NULL;
  double sent = now_s();
  kill(pid, sig);
  int status = 0;
  pid_t done = 0;
  while ((done = waitpid(pid, &status, WNOHANG)) == 0 && now_s() - sent < 2.0) drain(out[0], &b, 10);
  double latency = now_s() - sent;
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  drain(out[0], &b, 100);
  close(out[0]);
  server_stop(&srv);
  char err[4096] = "";
  ssize_t en = pread(errfd, err, sizeof err - 1, 0);
  if (en > 0) err[en] = 0;
  close(errfd);
  unlink(errpath);
  printf("     %s: exited in %.3f s with status %d\n", strsignal(sig), latency,
         WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
  bool counts = strstr(b.p, "+I[hello, 3]\n") && strstr(b.p, "+I[world, 2]\n") && strstr(b.p, "+I[strom, 1]\n") &&
                strstr(b.p, "+I[again, 1]\n") && strstr(b.p, "+I[hello, 1]\n");
  if (!counts) fprintf(stderr, "  stdout:\n%s", b.p);
  strom__buf_free(&b);
  if (done == 0 || !WIFEXITED(status)) fprintf(stderr, "  stderr: %s\n", err);
  CHECK(connected);
  CHECK(printed);
  CHECK(all_printed);
  CHECK(done == pid);
  CHECK(latency < 2.0);
  CHECK(WIFEXITED(status));
  CHECK_INT(WEXITSTATUS(status), 128 + sig);
  CHECK(counts);
  CHECK(strstr(err, "job cancelled"));
}

TEST(cli_sigint_cancels_and_prints_counts) { cli_signal_exits_cleanly(SIGINT); }
TEST(cli_sigterm_cancels_and_prints_counts) { cli_signal_exits_cleanly(SIGTERM); }

static void *nothing(void *arg) { return arg; }

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  /* Sanitizer runtimes start a helper thread with the first thread the program
   * creates: start one now, so thread counts taken later are stable baselines. */
  pthread_t th;
  pthread_create(&th, NULL, nothing, NULL);
  pthread_join(th, NULL);
  usleep(20000);
  RUN(unbounded_keyed_job_cancels_within_2s);
  RUN(cancel_before_execute_stops_at_once);
  RUN(job_blocked_on_backpressure_cancels_promptly);
  RUN(silent_socket_job_cancels_promptly);
  RUN(cli_sigint_cancels_and_prints_counts);
  RUN(cli_sigterm_cancels_and_prints_counts);
  TEST_MAIN_END();
}
