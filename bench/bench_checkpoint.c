/*
 * bench_checkpoint.c -- what checkpoints cost: a keyed job whose state is one
 * ~100-byte row per key (--keys K, default 1M: about 150 MB of state), updated by
 * 10*K events.  Three runs, each in a forked child:
 *
 *   none      no checkpoints: the baseline throughput
 *   every-1s  checkpoints every second (every 20 ms with --quick): throughput, the last checkpoint's duration and
 *             bytes, and the longest a task thread was blocked taking a snapshot
 *   recover   a job resumed from the last checkpoint of every-1s: the time from the
 *             start of strom_execute to the first record processed (loading and
 *             restoring the state included)
 *
 *   bench_checkpoint [--keys K] [--quick] [--state value|list|map]
 *
 * --state picks the kind of the keyed state: a VALUE (default), a LIST holding the
 * key's last row, or a MAP holding its last row under two map keys (twice the state).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "strom.h"

static uint64_t KEYS = 1000000;
static int64_t INTERVAL_MS = 1000;
static char PAD[101];

static int gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, (int64_t)(i % KEYS));
  strom_row_set_str_ref(out, 1, PAD, 100);
  return 1;
}

static strom_state_desc desc;
static strom_state_kind KIND = STROM_STATE_VALUE;
static atomic_llong first_ns;
static _Thread_local strom_row *map_key;

static int kp_open(strom_ctx *ctx) {
  strom_ctx_set_local(ctx, strom_ctx_state(ctx, &desc));
  return strom_ctx_local(ctx) ? 0 : STROM_ESTATE;
}

static int kp_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  (void)out;
  long long zero = 0;
  atomic_compare_exchange_strong(&first_ns, &zero, (long long)(bench_now_s() * 1e9));
  strom_state *st = strom_ctx_local(ctx);
  if (KIND == STROM_STATE_LIST) return strom_state_list_update(st, &in, 1);
  if (KIND == STROM_STATE_MAP) {
    if (!map_key && !(map_key = strom_row_new(desc.map_key_schema))) return STROM_ENOMEM;
    strom_row_set_bigint(map_key, 0, strom_row_get_bigint(in, 0) & 1);
    int rc = strom_state_map_put(st, map_key, in);
    strom_row_set_bigint(map_key, 0, 2);
    return rc ? rc : strom_state_map_put(st, map_key, in);
  }
  return strom_state_update(st, in);
}

/* The complete checkpoint before the newest in dir (chk-<id> with a _metadata). */
static const char *mid_stream_checkpoint(const char *dir, char *buf, size_t cap) {
  long best = -1, second = -1;
  for (long id = 1; id < 100000; id++) {
    snprintf(buf, cap, "%s/chk-%ld/_metadata", dir, id);
    if (access(buf, F_OK)) continue;
    second = best;
    best = id;
  }
  snprintf(buf, cap, "%s/chk-%ld", dir, second >= 0 ? second : best);
  return buf;
}

typedef struct figures {
  double wall, cpu, first_s;
  strom_checkpoint_stats st;
  int rc;
} figures;

static void child(int mode, const char *dir, uint64_t events, int fd) {
  figures f = {0};
  strom_schema *s = strom_schema_parse("k BIGINT, pad VARCHAR", NULL, 0);
  strom_schema *mk = strom_schema_parse("m BIGINT", NULL, 0);
  desc = (strom_state_desc){.name = "last", .kind = KIND, .schema = s, .map_key_schema = mk};
  strom_env_opts o = {.parallelism = 2};
  /* Two kept: the newest is the final checkpoint (the input ended), the one before it a
   * mid-stream one, which the recovery run resumes from. */
  if (mode == 1) o.checkpoint_interval_ms = INTERVAL_MS, o.checkpoint_dir = dir, o.checkpoints_retained = 2;
  char from[600];
  if (mode == 2) o.restore_path = mid_stream_checkpoint(dir, from, sizeof from);
  strom_env *env = strom_env_new(&o);
  strom_process_def def = {.open = kp_open, .process = kp_process};
  strom_stream *src = strom_set_uid(strom_from_generator(env, s, events, gen, NULL), "source");
  strom_discard(strom_set_uid(strom_keyed_process(strom_key_by(src, "k"), &def), "state"));
  double w0 = bench_now_s(), c0 = bench_cpu_s();
  f.rc = strom_execute(env, "checkpoint bench");
  f.wall = bench_now_s() - w0;
  f.cpu = bench_cpu_s() - c0;
  f.first_s = (double)atomic_load(&first_ns) / 1e9 - w0;
  strom_env_checkpoint_stats(env, &f.st);
  if (f.rc) fprintf(stderr, "bench_checkpoint: %s\n", strom_env_errmsg(env));
  if (write(fd, &f, sizeof f) != sizeof f) _exit(1);
  _exit(0);
}

typedef struct run_args {
  int mode;
  const char *dir;
  uint64_t events;
} run_args;

static void run_child(void *arg, int fd) {
  run_args *a = arg;
  child(a->mode, a->dir, a->events, fd);
}

static int measure(int mode, const char *dir, uint64_t events, figures *f) {
  run_args a = {mode, dir, events};
  return bench_in_child(run_child, &a, f, sizeof *f) || f->rc ? -1 : 0;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--keys") && i + 1 < argc) KEYS = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--quick")) KEYS = 100000, INTERVAL_MS = 20;
    else if (!strcmp(argv[i], "--state") && i + 1 < argc) {
      const char *k = argv[++i];
      KIND = !strcmp(k, "list") ? STROM_STATE_LIST : !strcmp(k, "map") ? STROM_STATE_MAP : STROM_STATE_VALUE;
    }
    else if (!strcmp(argv[i], "--runs") && i + 1 < argc) i++; /* bench/run.sh passes it to every bench */
  }
  memset(PAD, 'x', 100);
  char dir[] = "/tmp/strom-bench-ckpt-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  uint64_t events = 10 * KEYS;
  figures none, every, rec;
  printf("keyed %s state: %llu keys x ~110 bytes, %llu events, parallelism 2\n",
         KIND == STROM_STATE_LIST ? "LIST" : KIND == STROM_STATE_MAP ? "MAP" : "VALUE", (unsigned long long)KEYS,
         (unsigned long long)events);
  int rc = 0;
  if (measure(0, dir, events, &none) || measure(1, dir, events, &every) || measure(2, dir, events, &rec)) {
    printf("a run failed\n");
    rc = 1;
  } else {
    double r0 = (double)events / none.wall, r1 = (double)events / every.wall;
    printf("%-10s %12s %14s %9s %12s %12s %11s\n", "run", "events/s", "events/s/core", "ckpts", "last_ms", "last_MB",
           "max_sync_ms");
    printf("%-10s %12.0f %14.0f %9s %12s %12s %11s\n", "none", r0, (double)events / none.cpu, "-", "-", "-", "-");
    printf("%-10s %12.0f %14.0f %9lld %12lld %12.1f %11.1f\n", "every-1s", r1, (double)events / every.cpu,
           (long long)every.st.completed, (long long)every.st.last_duration_ms, (double)every.st.last_bytes / 1048576,
           every.st.max_sync_ms);
    printf("throughput with checkpoints every %lld ms: %+.1f%% against none\n", (long long)INTERVAL_MS, (r1 / r0 - 1) * 100);
    printf("recovery: first record processed %.0f ms after strom_execute started (state restored)\n", rec.first_s * 1000);
  }
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) rc = 1;
  return rc;
}
