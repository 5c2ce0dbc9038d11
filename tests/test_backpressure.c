/*
 * test_backpressure.c -- a fast source into a deliberately slow sink: the job must
 * finish with every record, the process's memory must not grow with the data (the
 * channels' fixed buffers stop the source), and the number of records between the
 * source and the sink must stay within what the buffers can hold.
 */
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

/* ThreadSanitizer makes every record several times slower: run less data there.
 * (AddressSanitizer is fast enough for the full size.) */
#if defined(__SANITIZE_THREAD__)
#define TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TSAN 1
#endif
#endif
#ifndef TSAN
#define TSAN 0
#endif

#define PAYLOAD 220

static char payload[PAYLOAD + 64];

typedef struct flow {
  atomic_ullong emitted, consumed, max_in_flight;
  int sleep_every; /* records per subtask between 1 ms sleeps */
} flow;

static int gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  flow *f = strom_ctx_data(ctx);
  strom_row_set_bigint(out, 0, (int64_t)i);
  strom_row_set_str(out, 1, payload + i % 64, PAYLOAD); /* no allocation per record */
  atomic_fetch_add_explicit(&f->emitted, 1, memory_order_relaxed);
  return 1;
}

typedef struct sink_local {
  uint64_t n, sum;
} sink_local;

static int sink_open(strom_ctx *ctx) {
  sink_local *l = calloc(1, sizeof *l);
  strom_ctx_set_local(ctx, l);
  return l ? STROM_OK : STROM_ENOMEM;
}

static int sink_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  (void)out;
  flow *f = strom_ctx_data(ctx);
  sink_local *l = strom_ctx_local(ctx);
  /* Records emitted but not yet taken by a sink.  emitted is read before consumed, so
   * a delay between the two reads can only make the figure smaller, never larger
   * than the true number at the first read. */
  atomic_fetch_add(&f->consumed, 1);
  uint64_t e = atomic_load(&f->emitted);
  uint64_t c = atomic_load(&f->consumed);
  uint64_t flight = e > c ? e - c : 0;
  uint64_t m = atomic_load_explicit(&f->max_in_flight, memory_order_relaxed);
  while (flight > m && !atomic_compare_exchange_weak(&f->max_in_flight, &m, flight)) {
  }
  l->sum += (uint64_t)strom_row_get_bigint(in, 0);
  size_t len;
  strom_row_get_str(in, 1, &len);
  if (len != PAYLOAD) return strom_ctx_fail(ctx, "payload of %zu bytes", len);
  if (++l->n % (uint64_t)f->sleep_every == 0) usleep(1000);
  return STROM_OK;
}

static atomic_ullong total_sum, total_n;

static int sink_finish(strom_ctx *ctx, strom_out *out) {
  (void)out;
  sink_local *l = strom_ctx_local(ctx);
  atomic_fetch_add(&total_sum, l->sum);
  atomic_fetch_add(&total_n, l->n);
  return STROM_OK;
}

static void sink_close(strom_ctx *ctx) { free(strom_ctx_local(ctx)); }

/* kB of a /proc/self/status field. */
static long status_kb(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  size_t fl = strlen(field);
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, field, fl) && line[fl] == ':') v = strtol(line + fl + 1, NULL, 10);
  fclose(f);
  return v;
}

/* Resets the peak RSS (VmHWM) to the current RSS; false if the kernel refuses. */
static bool reset_peak(void) {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  bool ok = fputs("5", f) >= 0;
  return fclose(f) == 0 && ok;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct run_result {
  int rc;
  uint64_t max_in_flight;
  double seconds;
} run_result;

/* Generator (parallelism 2) -> rebalance or key_by -> slow process (parallelism 2). */
static run_result run_job(uint64_t n, const strom_env_opts *opts, int sleep_every, bool keyed) {
  flow f = {.sleep_every = sleep_every};
  atomic_store(&total_sum, 0);
  atomic_store(&total_n, 0);
  strom_env *env = strom_env_new(opts);
  strom_schema *s = strom_schema_parse("id BIGINT, payload VARCHAR", NULL, 0);
  strom_stream *src = strom_from_generator(env, s, n, gen, &f);
  strom_stream *edge = keyed ? (strom_stream *)strom_key_by(src, "id") : strom_rebalance(src);
  strom_process_def def = {.open = sink_open, .process = sink_process, .finish = sink_finish, .close = sink_close,
                           .data = &f};
  strom_discard(strom_process(edge, &def));
  double t0 = now_s();
  run_result r = {.rc = strom_execute(env, "backpressure")};
  r.seconds = now_s() - t0;
  if (r.rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  r.max_in_flight = atomic_load(&f.max_in_flight);
  strom_schema_free(s);
  strom_env_free(env);
  return r;
}

/* Records that fit between the source and the sink: every channel's buffers full
 * (the producer's current buffer and the consumer's are among them), plus one record
 * in the hands of each producer (counted, but blocked waiting for a buffer). */
static uint64_t flight_bound(int channels, int bufs, size_t bufsize, int par) {
  size_t rec = 1 + 1 + 8 + 2 + PAYLOAD; /* tag, null bitmap, BIGINT, varint, bytes */
  return (uint64_t)channels * (uint64_t)bufs * (bufsize / rec) + (uint64_t)par;
}

TEST(slow_sink_bounds_memory_and_in_flight_records) {
  /* 3 million records of 220 bytes (629 MiB); under TSan 1 million (210 MiB, still
   * over 3x the memory bound). */
  const uint64_t n = TSAN ? 1000000 : 3000000;
  const int sleep_every = 1000;
  strom_env_opts o = {.parallelism = 2, .buffer_size = 32 * 1024, .buffers_per_channel = 4};
  long rss0 = status_kb("VmRSS");
  bool peak_reset = reset_peak();
  long hwm0 = status_kb("VmHWM");
  run_result r = run_job(n, &o, sleep_every, false);
  long hwm1 = status_kb("VmHWM");
  CHECK_INT(r.rc, STROM_OK);
  CHECK(atomic_load(&total_n) == n);
  CHECK(atomic_load(&total_sum) == n * (n - 1) / 2);
  double produced_mb = (double)n * PAYLOAD / (1024.0 * 1024.0);
  long base = peak_reset ? rss0 : hwm0;
  double growth_mb = (double)(hwm1 - base) / 1024.0;
  uint64_t bound = flight_bound(4, 4, 32 * 1024, 2);
  printf("     %.0f MiB produced in %.2f s; peak RSS %ld kB (+%.1f MiB%s); max %llu records in flight (bound %llu)\n",
         produced_mb, r.seconds, hwm1, growth_mb, peak_reset ? "" : ", peak not reset",
         (unsigned long long)r.max_in_flight, (unsigned long long)bound);
  CHECK(produced_mb > (TSAN ? 200 : 600));
  CHECK(rss0 > 0 && hwm1 > 0);
  CHECK(growth_mb < 64);
  /* The sink is slow, so the buffers fill up: at least one buffer's worth waits. */
  CHECK(r.max_in_flight >= 32 * 1024 / 240);
  CHECK(r.max_in_flight <= bound + bound / 4);
  /* The sink slept about n / sleep_every ms over 2 subtasks: the source was held back
   * (an unbounded queue would not change that, but it shows the run was real). */
  CHECK(r.seconds >= (double)n / sleep_every / 2 / 1000 * 0.9);
}

TEST(in_flight_records_follow_the_buffer_configuration) {
  /* Small buffers, few of them, a keyed edge: the bound is tight (~140 records). */
  const uint64_t n = TSAN ? 60000 : 200000;
  strom_env_opts o = {.parallelism = 2, .buffer_size = 4096, .buffers_per_channel = 2};
  run_result r = run_job(n, &o, 100, true);
  CHECK_INT(r.rc, STROM_OK);
  CHECK(atomic_load(&total_n) == n);
  CHECK(atomic_load(&total_sum) == n * (n - 1) / 2);
  uint64_t bound = flight_bound(4, 2, 4096, 2);
  printf("     max %llu records in flight (bound %llu)\n", (unsigned long long)r.max_in_flight,
         (unsigned long long)bound);
  CHECK(r.max_in_flight >= 4096 / 240);
  CHECK(r.max_in_flight <= bound + bound / 4);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  for (size_t i = 0; i < sizeof payload; i++) payload[i] = (char)('a' + i % 26);
  RUN(slow_sink_bounds_memory_and_in_flight_records);
  RUN(in_flight_records_follow_the_buffer_configuration);
  TEST_MAIN_END();
}
