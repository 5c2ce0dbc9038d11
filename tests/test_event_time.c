/*
 * test_event_time.c -- watermarks, idleness, timers and keyed state through the
 * DataStream API: event-time timers fire once, in order, and not when deleted;
 * processing-time timers fire by a virtual clock; an idle input stalls event time
 * unless idleness is configured; keyed process functions keep state per key; a keyed
 * aggregation over a million keys stays correct (and reports its memory per key).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

static strom_stream *rows_of(strom_env *env, strom_schema *s, const char *k[], const int64_t ts[], const int64_t v[], size_t n) {
  strom_row **rows = calloc(n, sizeof *rows);
  for (size_t i = 0; i < n; i++) {
    rows[i] = strom_row_new(s);
    strom_row_set_str(rows[i], 0, k[i], strlen(k[i]));
    strom_row_set_bigint(rows[i], 1, ts[i]);
    strom_row_set_bigint(rows[i], 2, v[i]);
  }
  strom_stream *st = strom_from_rows(env, s, (const strom_row *const *)rows, n);
  for (size_t i = 0; i < n; i++) strom_row_free(rows[i]);
  free(rows);
  return st;
}

/* ---- event-time timers ---- */

static int timer_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  (void)out;
  int64_t v = strom_row_get_bigint(in, 2);
  if (v >= 0) return strom_ctx_register_event_timer(ctx, strom_row_get_bigint(in, 1) + 1000);
  return strom_ctx_delete_event_timer(ctx, -v);
}

static int timer_fired(strom_ctx *ctx, int64_t time, strom_out *out) {
  strom_row *r = strom_out_row(out);
  size_t n;
  const char *k = strom_row_get_str(strom_ctx_key(ctx), 0, &n);
  strom_row_set_str(r, 0, k, n);
  strom_row_set_bigint(r, 1, time);
  strom_row_set_bigint(r, 2, strom_ctx_timer_domain(ctx) == STROM_EVENT_TIME ? strom_ctx_timestamp(ctx) : -1);
  return strom_out_emit(out, r);
}

TEST(event_timers_fire_once_in_order_and_deleted_ones_never) {
  /* x registers 1100, 1300, 1200, 1100 again (one timer), then deletes 1300; y registers
   * 1050 and 3000.  Expected firings: y 1050, x 1100, x 1200, y 3000, each once. */
  const char *k[] = {"x", "x", "x", "x", "x", "y", "y"};
  const int64_t ts[] = {100, 300, 200, 100, 150, 50, 2000};
  const int64_t v[] = {0, 0, 0, 0, -1300, 0, 0};
  for (int par = 1; par <= 2; par++) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_schema_parse("k VARCHAR, ts BIGINT, v BIGINT", NULL, 0);
    /* One assigner subtask keeps each key's records in order (the delete must follow
     * its registration); the keyed operator still runs at `par`. */
    strom_stream *in = strom_set_parallelism(strom_assign_timestamps(rows_of(env, s, k, ts, v, 7),
        &(strom_watermark_strategy){.kind = STROM_WM_BOUNDED, .max_out_of_orderness_ms = 500, .timestamp_column = "ts"}), 1);
    strom_process_def def = {.process = timer_process, .on_timer = timer_fired};
    strom_results *r = strom_collect(strom_keyed_process(strom_key_by(in, "k"), &def));
    int rc = strom_execute(env, "timers");
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    CHECK_INT(strom_results_count(r), 4);
    /* Per key, in time order; the timer's time is the context's timestamp. */
    int64_t last[2] = {0, 0}, seen[2] = {0, 0};
    for (size_t i = 0; i < 4; i++) {
      const strom_row *row = strom_results_row(r, i);
      size_t n;
      int key = strom_row_get_str(row, 0, &n)[0] == 'y';
      int64_t t = strom_row_get_bigint(row, 1);
      CHECK(t > last[key]);
      CHECK_INT(strom_row_get_bigint(row, 2), t);
      last[key] = t;
      seen[key] += t;
    }
    CHECK_INT(seen[0], 1100 + 1200);
    CHECK_INT(seen[1], 1050 + 3000);
    if (par == 1) {
      char buf[64];
      strom_row_format(strom_results_row(r, 0), buf, sizeof buf);
      CHECK_STR(buf, "+I[y, 1050, 1050]");
    }
    strom_schema_free(s);
    strom_env_free(env);
  }
}

/* ---- processing-time timers on a virtual clock ---- */

static atomic_llong vclock;
static atomic_int stop_source, processed, fired;

static int64_t virtual_now(void *data) {
  (void)data;
  return atomic_load(&vclock);
}

static int three_then_idle(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  if (i < 3) {
    strom_row_set_bigint(out, 0, (int64_t)i);
    return 1;
  }
  return atomic_load(&stop_source) ? 0 : STROM_GEN_IDLE;
}

static int pt_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  (void)in;
  (void)out;
  atomic_fetch_add(&processed, 1);
  return strom_ctx_register_processing_timer(ctx, strom_ctx_now(ctx) + 500);
}

static int pt_fired(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)out;
  if (strom_ctx_timer_domain(ctx) != STROM_PROCESSING_TIME || time != 1500) return strom_ctx_fail(ctx, "unexpected timer %lld", (long long)time);
  atomic_fetch_add(&fired, 1);
  return 0;
}

typedef struct job_thread {
  strom_env *env;
  int rc;
} job_thread;

static void *run_job(void *arg) {
  job_thread *j = arg;
  j->rc = strom_execute(j->env, "background");
  return NULL;
}

static bool wait_for(atomic_int *v, int want, int ms) {
  for (int i = 0; i < ms && atomic_load(v) < want; i++) sleep_ms(1);
  return atomic_load(v) >= want;
}

TEST(processing_timers_fire_by_the_virtual_clock) {
  atomic_store(&vclock, 1000);
  atomic_store(&stop_source, 0);
  atomic_store(&processed, 0);
  atomic_store(&fired, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_env_set_clock(env, virtual_now, NULL);
  strom_schema *s = strom_schema_parse("k BIGINT", NULL, 0);
  strom_stream *in = strom_set_parallelism(strom_from_generator(env, s, STROM_UNBOUNDED, three_then_idle, NULL), 1);
  strom_process_def def = {.process = pt_process, .on_timer = pt_fired};
  strom_discard(strom_keyed_process(strom_key_by(in, "k"), &def));
  job_thread j = {.env = env};
  pthread_t th;
  pthread_create(&th, NULL, run_job, &j);
  bool got = wait_for(&processed, 3, 20000);
  sleep_ms(50);
  int before = atomic_load(&fired);
  atomic_store(&vclock, 1499);
  sleep_ms(50);
  int at_1499 = atomic_load(&fired);
  atomic_store(&vclock, 1500);
  bool all = wait_for(&fired, 3, 20000);
  atomic_store(&stop_source, 1);
  pthread_join(th, NULL);
  if (j.rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  strom_schema_free(s);
  strom_env_free(env);
  CHECK(got);
  CHECK_INT(before, 0);
  CHECK_INT(at_1499, 0);
  CHECK(all);
  CHECK_INT(atomic_load(&fired), 3);
  CHECK_INT(j.rc, STROM_OK);
}

/* ---- idleness ---- */

static atomic_int windows_fired;

/* Subtask 0 sends 20 events, 1 s apart, then idles; subtask 1 never sends anything. */
static int idle_gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  if (strom_ctx_subtask(ctx) == 0 && i / 2 < 20) {
    strom_row_set_bigint(out, 0, (int64_t)(i % 3));
    strom_row_set_bigint(out, 1, (int64_t)(i / 2) * 1000);
    return 1;
  }
  return atomic_load(&stop_source) ? 0 : STROM_GEN_IDLE;
}

static int count_window(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out) {
  (void)ctx;
  (void)rows;
  (void)n;
  (void)out;
  atomic_fetch_add(&windows_fired, 1);
  return 0;
}

/* Runs idle_gen's job in env with strategy ws, counting the windows fired within wait_ms
 * (before the source is told to stop) and in all. */
static int run_gen_job(strom_env *env, strom_watermark_strategy ws, int wait_ms, int *before_stop, int *after) {
  atomic_store(&stop_source, 0);
  atomic_store(&windows_fired, 0);
  strom_schema *s = strom_schema_parse("k BIGINT, ts BIGINT", NULL, 0);
  ws.kind = STROM_WM_BOUNDED, ws.timestamp_column = "ts";
  strom_stream *in = strom_assign_timestamps(strom_from_generator(env, s, STROM_UNBOUNDED, idle_gen, NULL), &ws);
  strom_window_def def = {.assigner = strom_tumbling(5000), .process = count_window, .out_schema = s};
  strom_discard(strom_window(strom_key_by(in, "k"), &def));
  job_thread j = {.env = env};
  pthread_t th;
  pthread_create(&th, NULL, run_job, &j);
  /* Windows [0,5s), [5s,10s), [10s,15s) can fire once event time reaches 18999: 3 keys each. */
  wait_for(&windows_fired, 9, wait_ms);
  *before_stop = atomic_load(&windows_fired);
  atomic_store(&stop_source, 1);
  pthread_join(th, NULL);
  *after = atomic_load(&windows_fired);
  strom_schema_free(s);
  strom_env_free(env);
  return j.rc;
}

static int run_idle_job(int64_t idleness_ms, int *before_stop, int *after) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  return run_gen_job(env, (strom_watermark_strategy){.idleness_ms = idleness_ms, .interval_ms = 10}, idleness_ms ? 20000 : 600,
                     before_stop, after);
}

TEST(idle_input_stalls_without_idleness_and_not_with_it) {
  int before, after;
  CHECK_INT(run_idle_job(0, &before, &after), STROM_OK);
  CHECK_INT(before, 0);  /* the silent subtask holds event time back, as in Flink */
  CHECK_INT(after, 12);  /* the end of input fires everything: 4 windows x 3 keys */
  CHECK_INT(run_idle_job(50, &before, &after), STROM_OK);
  CHECK_INT(before, 9);  /* fired while the job was still running */
  CHECK_INT(after, 12);
}

/* pipeline.auto-watermark-interval: the periodic watermark's interval where the strategy
 * sets none, and Flink's 0 turns periodic watermarks off.  One subtask sends 20 events 1 s
 * apart and waits: with periodic watermarks the windows up to 15 s fire while it waits,
 * without them only at the end of input. */
static int run_interval_job(const char *interval, int *before_stop, int *after) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  int rc = strom_env_set(env, "pipeline.auto-watermark-interval", interval);
  if (rc) {
    strom_env_free(env);
    return rc;
  }
  /* Windows that must fire get a generous limit (the wait ends as soon as they did);
   * 600 ms is only how long windows that must not fire get to show. */
  bool periodic = strcmp(interval, "0") != 0;
  return run_gen_job(env, (strom_watermark_strategy){0}, periodic ? 20000 : 600, before_stop, after);
}

TEST(auto_watermark_interval_sets_or_stops_periodic_watermarks) {
  int before, after;
  CHECK_INT(run_interval_job("10 ms", &before, &after), STROM_OK);
  CHECK_INT(before, 9); /* [0,5s), [5s,10s), [10s,15s) for 3 keys, while the job runs */
  CHECK_INT(after, 12);
  CHECK_INT(run_interval_job("0", &before, &after), STROM_OK);
  CHECK_INT(before, 0); /* no periodic watermark: nothing fires until the end */
  CHECK_INT(after, 12);
  CHECK_INT(run_interval_job("soon", &before, &after), STROM_EINVAL);
  CHECK_INT(run_interval_job("-5 ms", &before, &after), STROM_EINVAL);
  /* watermark alignment, whose sources wait on each other's watermarks, needs them */
  atomic_store(&stop_source, 1);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  CHECK_INT(strom_env_set(env, "pipeline.auto-watermark-interval", "0"), STROM_OK);
  strom_schema *s = strom_schema_parse("k BIGINT, ts BIGINT", NULL, 0);
  strom_watermark_strategy ws = {.kind = STROM_WM_BOUNDED, .timestamp_column = "ts", .alignment_group = "g", .max_drift_ms = 1000};
  strom_discard(strom_assign_timestamps(strom_from_generator(env, s, 10, idle_gen, NULL), &ws));
  CHECK(strom_execute(env, "aligned") != STROM_OK);
  CHECK(strstr(strom_env_errmsg(env), "watermark alignment group 'g' needs periodic watermarks") != NULL);
  strom_schema_free(s);
  strom_env_free(env);
}

/* Subtask 0 sends 20 events up to 19 s at once and goes idle; subtask 1 sends 20 up to
 * 3.8 s, 10 ms apart, and goes idle later.  Once both are idle nothing can advance
 * event time, so it moves to the highest watermark (18999), as Flink's valve does:
 * windows [0,5s), [5s,10s), [10s,15s) fire for keys 0-2 while the job still runs. */
static int staggered_gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  if (i / 2 < 20) {
    bool slow = strom_ctx_subtask(ctx) == 1;
    if (slow) sleep_ms(5);
    strom_row_set_bigint(out, 0, (int64_t)(i % 3));
    strom_row_set_bigint(out, 1, (int64_t)(i / 2) * (slow ? 200 : 1000));
    return 1;
  }
  return atomic_load(&stop_source) ? 0 : STROM_GEN_IDLE;
}

TEST(all_inputs_idle_moves_event_time_to_the_highest_watermark) {
  atomic_store(&stop_source, 0);
  atomic_store(&windows_fired, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_schema *s = strom_schema_parse("k BIGINT, ts BIGINT", NULL, 0);
  strom_stream *in = strom_assign_timestamps(strom_from_generator(env, s, STROM_UNBOUNDED, staggered_gen, NULL),
      &(strom_watermark_strategy){.kind = STROM_WM_BOUNDED, .timestamp_column = "ts", .idleness_ms = 50, .interval_ms = 10});
  strom_window_def def = {.assigner = strom_tumbling(5000), .process = count_window, .out_schema = s};
  strom_discard(strom_set_parallelism(strom_window(strom_key_by(in, "k"), &def), 1));
  job_thread j = {.env = env};
  pthread_t th;
  pthread_create(&th, NULL, run_job, &j);
  wait_for(&windows_fired, 9, 20000);
  int before = atomic_load(&windows_fired);
  atomic_store(&stop_source, 1);
  pthread_join(th, NULL);
  CHECK_INT(j.rc, STROM_OK);
  CHECK_INT(before, 9);
  CHECK_INT(atomic_load(&windows_fired), 12);
  strom_schema_free(s);
  strom_env_free(env);
}

/* ---- watermark alignment ---- */

/* Source 0 is fast: 10 000 records 100 ms apart.  Source 1 is slow: 100 000 records 10 ms
 * apart, pausing 1 ms every 100.  Both reach 1 000 000 ms of event time. */
static int fast_gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  if (i >= 10000) return 0;
  strom_row_set_int(out, 0, 0);
  strom_row_set_bigint(out, 1, (int64_t)i * 100);
  return 1;
}

static int slow_gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  static _Thread_local uint64_t paused_at = UINT64_MAX;
  if (i >= 100000) return 0;
  if (i % 100 == 0 && paused_at != i) {
    paused_at = i;
    return STROM_GEN_IDLE;
  }
  strom_row_set_int(out, 0, 1);
  strom_row_set_bigint(out, 1, (int64_t)i * 10);
  return 1;
}

static int64_t max_seen[2], max_gap;

/* Parallelism 1: sees both sources; tracks how far the fast one ran ahead. */
static int observe(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)ctx;
  (void)input;
  (void)out;
  int src = strom_row_get_int(in, 0);
  int64_t ts = strom_row_get_bigint(in, 1);
  if (ts > max_seen[src]) max_seen[src] = ts;
  if (src == 0 && max_seen[1] < 990000 && ts - max_seen[1] > max_gap) max_gap = ts - max_seen[1];
  return 0;
}

static int64_t run_aligned(const char *group) {
  max_seen[0] = max_seen[1] = max_gap = 0;
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1, .buffer_timeout_ms = 1});
  strom_schema *s = strom_schema_parse("src INT, ts BIGINT", NULL, 0);
  strom_watermark_strategy ws = {.kind = STROM_WM_BOUNDED, .timestamp_column = "ts", .interval_ms = 1,
                                 .alignment_group = group, .max_drift_ms = 5000};
  strom_stream *a = strom_assign_timestamps(strom_from_generator(env, s, STROM_UNBOUNDED, fast_gen, NULL), &ws);
  strom_stream *b = strom_assign_timestamps(strom_from_generator(env, s, STROM_UNBOUNDED, slow_gen, NULL), &ws);
  strom_discard(strom_process(strom_union(a, b), &(strom_process_def){.process = observe}));
  int rc = strom_execute(env, "aligned");
  strom_schema_free(s);
  strom_env_free(env);
  return rc ? -1 : max_gap;
}

TEST(watermark_alignment_bounds_how_far_a_fast_source_runs_ahead) {
  int64_t unaligned = run_aligned(NULL);
  int64_t aligned = run_aligned("g");
  printf("  fast source ahead by at most %lld ms aligned (max drift 5000), %lld ms unaligned\n", (long long)aligned,
         (long long)unaligned);
  CHECK(unaligned >= 0 && aligned >= 0);
  /* The drift, plus what the slow source produces in the buffer timeout and a pause. */
  CHECK(aligned <= 5000 + 20000);
}

/* ---- keyed state in a keyed process function ---- */

static strom_state_desc count_desc;

static int counting_open(strom_ctx *ctx) {
  strom_ctx_set_local(ctx, strom_ctx_state(ctx, &count_desc));
  return strom_ctx_local(ctx) ? 0 : STROM_ESTATE;
}

/* Counts records per key in a value state and emits (k, count) on a timer at the end. */
static int counting_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  (void)in;
  (void)out;
  strom_state *st = strom_ctx_local(ctx);
  const strom_row *cur = strom_state_get(st);
  strom_row *next = strom_row_new(count_desc.schema);
  strom_row_set_bigint(next, 0, cur ? strom_row_get_bigint(cur, 0) + 1 : 1);
  int rc = strom_state_update(st, next);
  strom_row_free(next);
  return rc ? rc : strom_ctx_register_event_timer(ctx, 1000000);
}

static int counting_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)time;
  const strom_row *cur = strom_state_get(strom_ctx_local(ctx));
  strom_row *r = strom_out_row(out);
  size_t n;
  const char *k = strom_row_get_str(strom_ctx_key(ctx), 0, &n);
  strom_row_set_str(r, 0, k, n);
  strom_row_set_bigint(r, 1, cur ? strom_row_get_bigint(cur, 0) : -1);
  strom_row_set_bigint(r, 2, 0);
  return strom_out_emit(out, r);
}

TEST(keyed_process_keeps_value_state_per_key) {
  const char *k[] = {"p", "q", "p", "r", "p", "q"};
  const int64_t ts[] = {1, 2, 3, 4, 5, 6}, v[] = {0, 0, 0, 0, 0, 0};
  strom_schema *cs = strom_schema_parse("n BIGINT", NULL, 0);
  count_desc = (strom_state_desc){.name = "count", .kind = STROM_STATE_VALUE, .schema = cs};
  for (int par = 1; par <= 3; par += 2) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_schema_parse("k VARCHAR, ts BIGINT, v BIGINT", NULL, 0);
    strom_stream *in = strom_assign_timestamps(rows_of(env, s, k, ts, v, 6),
        &(strom_watermark_strategy){.kind = STROM_WM_MONOTONOUS, .timestamp_column = "ts"});
    strom_process_def def = {.open = counting_open, .process = counting_process, .on_timer = counting_timer};
    strom_results *r = strom_collect(strom_keyed_process(strom_key_by(in, "k"), &def));
    int rc = strom_execute(env, "state");
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    strom_results_sort(r);
    char buf[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < strom_results_count(r); i++)
      len += (size_t)strom_row_format(strom_results_row(r, i), buf + len, sizeof buf - len);
    CHECK_STR(buf, "+I[p, 3, 0]+I[q, 2, 0]+I[r, 1, 0]");
    strom_schema_free(s);
    strom_env_free(env);
  }
  strom_schema_free(cs);
}

TEST(keyed_state_outside_a_keyed_stream_fails_clearly) {
  strom_schema *cs = strom_schema_parse("n BIGINT", NULL, 0);
  count_desc = (strom_state_desc){.name = "count", .kind = STROM_STATE_VALUE, .schema = cs};
  strom_env *env = strom_env_new(NULL);
  strom_schema *s = strom_schema_parse("k VARCHAR, ts BIGINT, v BIGINT", NULL, 0);
  const char *k[] = {"p"};
  const int64_t ts[] = {1}, v[] = {0};
  strom_process_def def = {.open = counting_open, .process = counting_process};
  strom_discard(strom_process(rows_of(env, s, k, ts, v, 1), &def));
  CHECK(strom_execute(env, "unkeyed") != STROM_OK);
  CHECK(strstr(strom_env_errmsg(env), "keyed stream"));
  strom_schema_free(s);
  strom_schema_free(cs);
  strom_env_free(env);
}

/* ---- the broadcast state pattern ---- */

static strom_schema *rule_key, *rule_val;

typedef struct bc_local {
  strom_state *rules, *pending;
} bc_local;

static int bc_open(strom_ctx *ctx) {
  bc_local *l = calloc(1, sizeof *l);
  l->rules = strom_ctx_broadcast_state(ctx, &(strom_state_desc){.name = "rules", .kind = STROM_STATE_MAP, .schema = rule_val, .map_key_schema = rule_key});
  /* Events wait in operator state until all rules are known (the inputs' order is not). */
  l->pending = strom_ctx_operator_state(ctx, &(strom_state_desc){.name = "pending", .kind = STROM_STATE_LIST,
                                                                  .schema = strom_ctx_data(ctx)});
  strom_ctx_set_local(ctx, l);
  return l->rules && l->pending ? 0 : STROM_ESTATE;
}

/* Input 1: rules (k, threshold) into broadcast state.  Input 0: events, kept for finish. */
static int bc_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)out;
  bc_local *l = strom_ctx_local(ctx);
  if (input == 0) return strom_state_add(l->pending, in);
  strom_row *k = strom_row_new(rule_key), *v = strom_row_new(rule_val);
  size_t n;
  const char *name = strom_row_get_str(in, 0, &n);
  strom_row_set_str(k, 0, name, n);
  strom_row_set_bigint(v, 0, strom_row_get_bigint(in, 2));
  int rc = strom_state_map_put(l->rules, k, v);
  strom_row_free(k);
  strom_row_free(v);
  return rc;
}

static int bc_finish(strom_ctx *ctx, strom_out *out) {
  bc_local *l = strom_ctx_local(ctx);
  strom_row *k = strom_row_new(rule_key);
  int rc = 0;
  for (size_t i = 0; !rc && i < strom_state_list_size(l->pending); i++) {
    const strom_row *e = strom_state_list_get(l->pending, i);
    size_t n;
    const char *name = strom_row_get_str(e, 0, &n);
    strom_row_set_str(k, 0, name, n);
    const strom_row *limit = strom_state_map_get(l->rules, k);
    if (limit && strom_row_get_bigint(e, 2) > strom_row_get_bigint(limit, 0)) rc = strom_out_emit(out, e);
  }
  strom_row_free(k);
  return rc;
}

static void bc_close(strom_ctx *ctx) { free(strom_ctx_local(ctx)); }

TEST(broadcast_state_pattern_applies_every_rule_on_every_subtask) {
  /* Rules: p > 10, q > 100.  Events above their rule's limit pass; r has no rule. */
  rule_key = strom_schema_parse("k VARCHAR", NULL, 0);
  rule_val = strom_schema_parse("limit BIGINT", NULL, 0);
  const char *rk[] = {"p", "q"};
  const int64_t rts[] = {0, 0}, rv[] = {10, 100};
  const char *ek[] = {"p", "p", "q", "q", "r", "p", "q"};
  const int64_t ets[] = {1, 2, 3, 4, 5, 6, 7}, ev[] = {5, 11, 100, 101, 1000, 10, 500};
  for (int par = 1; par <= 3; par += 2) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_schema_parse("k VARCHAR, ts BIGINT, v BIGINT", NULL, 0);
    strom_stream *events = strom_rebalance(rows_of(env, s, ek, ets, ev, 7));
    strom_stream *rules = strom_broadcast(rows_of(env, s, rk, rts, rv, 2));
    strom_process_def def = {.open = bc_open, .process = bc_process, .finish = bc_finish, .close = bc_close, .data = s};
    strom_results *r = strom_collect(strom_co_process(events, rules, &def));
    int rc = strom_execute(env, "broadcast state");
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    strom_results_sort(r);
    char buf[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < strom_results_count(r); i++)
      len += (size_t)strom_row_format(strom_results_row(r, i), buf + len, sizeof buf - len);
    CHECK_STR(buf, "+I[p, 2, 11]+I[q, 4, 101]+I[q, 7, 500]");
    strom_schema_free(s);
    strom_env_free(env);
  }
  strom_schema_free(rule_key);
  strom_schema_free(rule_val);
}

/* ---- state TTL on the job's clock ---- */

static strom_state_desc ttl_desc;
static char ttl_seen[8];
static atomic_int ttl_fired;

static int ttl_open(strom_ctx *ctx) {
  strom_ctx_set_local(ctx, strom_ctx_state(ctx, &ttl_desc));
  return strom_ctx_local(ctx) ? 0 : STROM_ESTATE;
}

/* Stores the record's value with a 1000 ms TTL, then looks at it 500 ms and 1500 ms later. */
static int ttl_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  (void)out;
  strom_row *v = strom_row_new(ttl_desc.schema);
  strom_row_set_bigint(v, 0, strom_row_get_bigint(in, 0));
  int rc = strom_state_update(strom_ctx_local(ctx), v);
  strom_row_free(v);
  atomic_fetch_add(&processed, 1);
  if (!rc) rc = strom_ctx_register_processing_timer(ctx, strom_ctx_now(ctx) + 500);
  if (!rc) rc = strom_ctx_register_processing_timer(ctx, strom_ctx_now(ctx) + 1500);
  return rc;
}

static int ttl_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)out;
  int i = atomic_load(&ttl_fired);
  if (i < 8) ttl_seen[i] = strom_state_get(strom_ctx_local(ctx)) ? 'v' : '-';
  (void)time;
  atomic_fetch_add(&ttl_fired, 1);
  return 0;
}

static int one_then_idle(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  if (i < 1) {
    strom_row_set_bigint(out, 0, 42);
    return 1;
  }
  return atomic_load(&stop_source) ? 0 : STROM_GEN_IDLE;
}

TEST(state_ttl_expires_on_the_virtual_clock) {
  strom_schema *vs = strom_schema_parse("v BIGINT", NULL, 0);
  ttl_desc = (strom_state_desc){.name = "ttl", .kind = STROM_STATE_VALUE, .schema = vs,
                                .ttl = {.ttl_ms = 1000, .update = STROM_TTL_ON_CREATE_AND_WRITE}};
  atomic_store(&vclock, 10000);
  atomic_store(&stop_source, 0);
  atomic_store(&processed, 0);
  atomic_store(&ttl_fired, 0);
  memset(ttl_seen, 0, sizeof ttl_seen);
  strom_env *env = strom_env_new(NULL);
  strom_env_set_clock(env, virtual_now, NULL);
  strom_schema *s = strom_schema_parse("k BIGINT", NULL, 0);
  strom_process_def def = {.open = ttl_open, .process = ttl_process, .on_timer = ttl_timer};
  strom_discard(strom_keyed_process(strom_key_by(strom_from_generator(env, s, STROM_UNBOUNDED, one_then_idle, NULL), "k"), &def));
  job_thread j = {.env = env};
  pthread_t th;
  pthread_create(&th, NULL, run_job, &j);
  bool got = wait_for(&processed, 1, 20000);
  atomic_store(&vclock, 10500); /* 500 ms old: alive */
  bool first = wait_for(&ttl_fired, 1, 20000);
  atomic_store(&vclock, 11500); /* 1500 ms old: expired */
  bool second = wait_for(&ttl_fired, 2, 20000);
  atomic_store(&stop_source, 1);
  pthread_join(th, NULL);
  strom_schema_free(s);
  strom_schema_free(vs);
  strom_env_free(env);
  CHECK(got && first && second);
  CHECK_INT(j.rc, STROM_OK);
  CHECK_STR(ttl_seen, "v-");
}

/* ---- a million keys ---- */

enum { MKEYS = 1000000 };
static int64_t *final_sum;

static int gen_million(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, (int64_t)(i % MKEYS));
  strom_row_set_bigint(out, 1, (int64_t)(i / MKEYS) + 1);
  return 1;
}

static int add_v(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(in, 0));
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + strom_row_get_bigint(in, 1));
  return 0;
}

/* Each key reaches one subtask, so the slots written here never overlap. */
static int keep_final(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)ctx;
  (void)input;
  (void)out;
  final_sum[strom_row_get_bigint(in, 0)] = strom_row_get_bigint(in, 1);
  return 0;
}

static long rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmHWM:", 6)) kb = atol(line + 6);
  if (f) fclose(f);
  return kb;
}

TEST(million_keys_keyed_aggregation_is_exact) {
  final_sum = calloc(MKEYS, sizeof *final_sum);
  long before = rss_kb();
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_schema *s = strom_schema_parse("k BIGINT, v BIGINT", NULL, 0);
  /* Every key gets v = 1, 2, 3: the final sum of each is 6. */
  strom_stream *sums = strom_reduce(strom_key_by(strom_from_generator(env, s, 3 * (uint64_t)MKEYS, gen_million, NULL), "k"), add_v, NULL);
  strom_discard(strom_process(sums, &(strom_process_def){.process = keep_final}));
  int rc = strom_execute(env, "million");
  long grown = rss_kb() - before;
  CHECK_INT(rc, STROM_OK);
  for (int i = 0; i < MKEYS; i++)
    if (final_sum[i] != 6) CHECK_INT(final_sum[i], 6);
  printf("  1M keys: peak RSS grew by %ld KB, about %ld bytes per key (state and runtime)\n", grown, grown * 1024 / MKEYS);
  strom_schema_free(s);
  strom_env_free(env);
  free(final_sum);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(event_timers_fire_once_in_order_and_deleted_ones_never);
  RUN(processing_timers_fire_by_the_virtual_clock);
  RUN(idle_input_stalls_without_idleness_and_not_with_it);
  RUN(auto_watermark_interval_sets_or_stops_periodic_watermarks);
  RUN(all_inputs_idle_moves_event_time_to_the_highest_watermark);
  RUN(watermark_alignment_bounds_how_far_a_fast_source_runs_ahead);
  RUN(keyed_process_keeps_value_state_per_key);
  RUN(keyed_state_outside_a_keyed_stream_fails_clearly);
  RUN(broadcast_state_pattern_applies_every_rule_on_every_subtask);
  RUN(state_ttl_expires_on_the_virtual_clock);
  RUN(million_keys_keyed_aggregation_is_exact);
  TEST_MAIN_END();
}
