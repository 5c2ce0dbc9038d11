/*
 * nexmark_latency.c -- the Nexmark queries' watermarks and the latency probe of the
 * windowed queries (see nexmark_queries.h for the definition of the latency).
 *
 * Event time is synthetic (the generator runs far ahead of or behind the wall clock),
 * so the latency of a window's result is not measured from its end in event time but
 * from the wall time at which the job's watermark passed that end: that is when an
 * ideal engine could emit it.  Each source subtask's watermark generator writes, for
 * each window end on a 2 s grid, when its own watermark passed it; only that subtask's
 * thread writes its row, so the table needs no lock, only atomic loads and stores for
 * the reader (the last operator, on another thread).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "nexmark.h"
#include "nexmark_queries.h"

enum {
  LAT_MAX_SUB = 16,      /* source subtasks tracked; more are not measured */
  LAT_SLOTS = 1 << 14,   /* window ends tracked: 9 hours of event time */
  LAT_GRID_MS = 2000,    /* window ends are multiples of this */
  LAT_MAX_SAMPLES = 1 << 24,
};

struct strom__nexmark_latency {
  _Atomic int64_t *crossed;          /* [LAT_MAX_SUB][LAT_SLOTS]: wall ns, 0 = not yet */
  _Atomic int64_t ended[LAT_MAX_SUB]; /* wall ns when the subtask's input ended */
  int64_t next_slot[LAT_MAX_SUB];    /* first slot the subtask's watermark has not passed */
  _Atomic int nsub;
  pthread_mutex_t mu;
  double *samples;
  size_t n, cap;
};

static int64_t wall_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

strom__nexmark_latency *strom__nexmark_latency_new(void) {
  strom__nexmark_latency *lat = calloc(1, sizeof *lat);
  if (!lat) return NULL;
  lat->crossed = calloc((size_t)LAT_MAX_SUB * LAT_SLOTS, sizeof *lat->crossed);
  if (!lat->crossed) {
    free(lat);
    return NULL;
  }
  pthread_mutex_init(&lat->mu, NULL);
  return lat;
}

void strom__nexmark_latency_free(strom__nexmark_latency *lat) {
  if (!lat) return;
  pthread_mutex_destroy(&lat->mu);
  free(lat->crossed);
  free(lat->samples);
  free(lat);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

size_t strom__nexmark_latency_stats(strom__nexmark_latency *lat, double *p50_ms, double *p99_ms) {
  pthread_mutex_lock(&lat->mu);
  size_t n = lat->n;
  *p50_ms = *p99_ms = 0;
  if (n) {
    qsort(lat->samples, n, sizeof *lat->samples, cmp_double);
    *p50_ms = lat->samples[n / 2];
    size_t i99 = (size_t)((double)n * 0.99);
    *p99_ms = lat->samples[i99 < n ? i99 : n - 1];
  }
  pthread_mutex_unlock(&lat->mu);
  return n;
}

/* The watermark of Flink's source table (date_time - 4 s; bounded out-of-orderness
 * emits max - bound - 1), noting when it passes each window end. */
static int64_t probed_watermark(strom_ctx *ctx, int64_t max_ts) {
  if (max_ts == INT64_MIN) return INT64_MIN;
  int64_t wm = max_ts - STROM_NEXMARK_WATERMARK_DELAY_MS - 1;
  strom__nexmark_latency *lat = strom_ctx_data(ctx);
  int s = strom_ctx_subtask(ctx);
  if (s >= LAT_MAX_SUB) return wm;
  atomic_store_explicit(&lat->nsub, strom_ctx_parallelism(ctx), memory_order_relaxed);
  /* A window ending at e fires once the watermark reaches e - 1. */
  if (wm + 1 < NEXMARK_BASE_TIME_MS) return wm;
  int64_t upto = (wm + 1 - NEXMARK_BASE_TIME_MS) / LAT_GRID_MS;
  if (upto >= LAT_SLOTS) upto = LAT_SLOTS - 1;
  int64_t now = wall_ns();
  for (int64_t i = lat->next_slot[s]; i <= upto; i++)
    atomic_store_explicit(&lat->crossed[(size_t)s * LAT_SLOTS + (size_t)i], now, memory_order_release);
  if (upto + 1 > lat->next_slot[s]) lat->next_slot[s] = upto + 1;
  return wm;
}

strom_watermark_strategy strom__nexmark_watermarks(strom__nexmark_latency *lat) {
  if (!lat)
    return (strom_watermark_strategy){.kind = STROM_WM_BOUNDED,
                                      .max_out_of_orderness_ms = STROM_NEXMARK_WATERMARK_DELAY_MS,
                                      .timestamp_column = "date_time"};
  return (strom_watermark_strategy){
      .kind = STROM_WM_CUSTOM, .timestamp_column = "date_time", .on_periodic = probed_watermark, .data = lat};
}

int strom__nexmark_input_ended(strom_ctx *ctx, strom_out *out) {
  (void)out;
  strom__nexmark_latency *lat = strom_ctx_data(ctx);
  int s = strom_ctx_subtask(ctx);
  if (!lat || s >= LAT_MAX_SUB) return STROM_OK;
  atomic_store_explicit(&lat->nsub, strom_ctx_parallelism(ctx), memory_order_relaxed);
  atomic_store_explicit(&lat->ended[s], wall_ns(), memory_order_release);
  return STROM_OK;
}

void strom__nexmark_latency_sample(strom__nexmark_latency *lat, int subtask, int64_t window_end_ms) {
  (void)subtask;
  if (!lat) return;
  int64_t slot = (window_end_ms - NEXMARK_BASE_TIME_MS) / LAT_GRID_MS;
  int nsub = atomic_load_explicit(&lat->nsub, memory_order_relaxed);
  if (slot < 0 || slot >= LAT_SLOTS || nsub <= 0 || nsub > LAT_MAX_SUB) return;
  int64_t passed = 0;
  for (int s = 0; s < nsub; s++) {
    int64_t t = atomic_load_explicit(&lat->crossed[(size_t)s * LAT_SLOTS + (size_t)slot], memory_order_acquire);
    if (!t) t = atomic_load_explicit(&lat->ended[s], memory_order_acquire);
    if (!t) return; /* cannot happen once the window fired; not a sample if it does */
    if (t > passed) passed = t;
  }
  double ms = (double)(wall_ns() - passed) / 1e6;
  pthread_mutex_lock(&lat->mu);
  if (lat->n == lat->cap && lat->cap < LAT_MAX_SAMPLES) {
    size_t cap = lat->cap ? lat->cap * 2 : 4096;
    double *p = realloc(lat->samples, cap * sizeof *p);
    if (p) lat->samples = p, lat->cap = cap;
  }
  if (lat->n < lat->cap) lat->samples[lat->n++] = ms;
  pthread_mutex_unlock(&lat->mu);
}
