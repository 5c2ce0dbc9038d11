/*
 * bench_windows.c -- event-time window aggregation over generated out-of-order events:
 *
 *   tumbling-count  count per key in 10 s tumbling windows
 *   sliding-sum     sum per key in 10 s windows sliding by 2 s (each event in 5 windows)
 *
 * The generator emits (key BIGINT over --keys keys, value BIGINT, ts BIGINT) with 100
 * events per millisecond of event time, each up to 500 ms out of order; a bounded
 * watermark strategy allows exactly that, so no event is late.  Each run is a forked
 * child: its CPU time (all threads), peak RSS and the RSS it started with are its own.
 * "state B/key" is (peak RSS - RSS before the job) / keys: window state plus every
 * other buffer of the job, so an upper bound on the bytes of state per key.
 *
 *   bench_windows [--events N] [--keys K] [--par 1,2] [--quick]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "strom.h"

static uint64_t KEYS = 100000;

static uint64_t EVENTS;

/* Each generator subtask takes a contiguous slice of event numbers; event time follows
 * the position within the slice times the parallelism, so all subtasks advance through
 * event time together (as partitions of one stream do) and the watermark is not held
 * back by a subtask that is far behind in event time. */
static int gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  uint64_t h = i * 0x9E3779B97F4A7C15ull, p = (uint64_t)strom_ctx_parallelism(ctx);
  uint64_t lo = (uint64_t)((unsigned __int128)EVENTS * (uint64_t)strom_ctx_subtask(ctx) / p);
  strom_row_set_bigint(out, 0, (int64_t)((h >> 17) % KEYS));
  strom_row_set_bigint(out, 1, (int64_t)(i & 1023));
  strom_row_set_bigint(out, 2, (int64_t)((i - lo) * p / 100) - (int64_t)((h >> 40) % 500));
  return 1;
}

static strom_schema *acc_schema;

static int create(strom_ctx *ctx, strom_row *acc) {
  (void)ctx;
  strom_row_set_bigint(acc, 0, 0);
  return STROM_OK;
}

static int add_count(strom_ctx *ctx, const strom_row *in, const strom_row *acc, strom_row *out) {
  (void)ctx;
  (void)in;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(acc, 0) + 1);
  return STROM_OK;
}

static int add_sum(strom_ctx *ctx, const strom_row *in, const strom_row *acc, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(acc, 0) + strom_row_get_bigint(in, 1));
  return STROM_OK;
}

static int merge(strom_ctx *ctx, const strom_row *a, const strom_row *b, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(a, 0) + strom_row_get_bigint(b, 0));
  return STROM_OK;
}

static int result(strom_ctx *ctx, const strom_row *acc, strom_row *out) {
  (void)ctx;
  return strom_row_copy(out, acc);
}

typedef struct figures {
  double wall, cpu;
  long peak_kb, base_kb;
  int rc;
} figures;

static void child(int job, int par, uint64_t events, int fd) {
  figures f = {0};
  EVENTS = events;
  acc_schema = strom_schema_parse("n BIGINT", NULL, 0);
  strom_aggregate_def agg = {.acc_schema = acc_schema, .out_schema = acc_schema, .create = create,
                             .add = job ? add_sum : add_count, .merge = merge, .result = result};
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
  strom_schema *s = strom_schema_parse("key BIGINT, v BIGINT, ts BIGINT", NULL, 0);
  strom_stream *in = strom_assign_timestamps(strom_from_generator(env, s, events, gen, NULL),
      &(strom_watermark_strategy){.kind = STROM_WM_BOUNDED, .max_out_of_orderness_ms = 500, .timestamp_column = "ts"});
  strom_window_def def = {.assigner = job ? strom_sliding(10000, 2000) : strom_tumbling(10000), .aggregate = &agg};
  strom_discard(strom_window(strom_key_by(in, "key"), &def));
  f.base_kb = bench_status_kb("VmRSS:");
  double w0 = bench_now_s(), c0 = bench_cpu_s();
  f.rc = strom_execute(env, job ? "sliding-sum" : "tumbling-count");
  f.wall = bench_now_s() - w0;
  f.cpu = bench_cpu_s() - c0;
  f.peak_kb = bench_status_kb("VmHWM:");
  if (f.rc) fprintf(stderr, "bench_windows: %s\n", strom_env_errmsg(env));
  if (write(fd, &f, sizeof f) != sizeof f) _exit(1);
  _exit(0);
}

typedef struct run_args {
  int job;
  int par;
  uint64_t events;
} run_args;

static void run_child(void *arg, int fd) {
  run_args *a = arg;
  child(a->job, a->par, a->events, fd);
}

static int measure(int job, int par, uint64_t events, figures *f) {
  run_args a = {job, par, events};
  return bench_in_child(run_child, &a, f, sizeof *f) || f->rc ? -1 : 0;
}

int main(int argc, char **argv) {
  uint64_t events = 20000000;
  int pars[8] = {1, 2}, npar = 2;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--events") && i + 1 < argc) events = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--keys") && i + 1 < argc) KEYS = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--quick")) events = 1000000;
    else if (!strcmp(argv[i], "--par") && i + 1 < argc) {
      npar = 0;
      for (char *t = strtok(argv[++i], ","); t && npar < 8; t = strtok(NULL, ",")) pars[npar++] = atoi(t);
    } else if (argv[i][0] == '-' && strcmp(argv[i], "--runs") && strcmp(argv[i], "--csv")) {
      fprintf(stderr, "usage: bench_windows [--events N] [--keys K] [--par 1,2] [--quick]\n");
      return 2;
    } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
      i++; /* accepted for bench/run.sh; one run each */
    }
  }
  printf("%-15s %3s %11s %7s %12s %7s %14s %9s %11s\n", "job", "par", "events", "wall_s", "events/s", "cpu_s",
         "events/s/core", "peak_MB", "state_B/key");
  int rc = 0;
  for (int job = 0; job < 2; job++)
    for (int k = 0; k < npar; k++) {
      figures f;
      if (measure(job, pars[k], events, &f)) {
        printf("%-15s %3d failed\n", job ? "sliding-sum" : "tumbling-count", pars[k]);
        rc = 1;
        continue;
      }
      printf("%-15s %3d %11llu %7.2f %12.0f %7.2f %14.0f %9.1f %11.0f\n", job ? "sliding-sum" : "tumbling-count",
             pars[k], (unsigned long long)events, f.wall, (double)events / f.wall, f.cpu, (double)events / f.cpu,
             (double)f.peak_kb / 1024, (double)(f.peak_kb - f.base_kb) * 1024 / (double)KEYS);
    }
  return rc;
}
