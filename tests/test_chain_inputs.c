/*
 * test_chain_inputs.c -- an operator of two inputs chained to the one task both come
 * from (strom.pipeline.chain-keyed at parallelism 1): it runs on the source's thread,
 * sees the least of its inputs' watermarks (not the latest one to arrive), fires its
 * timers as it does over channels, and checkpoints and resumes exactly.
 *
 * The job: one source of rows (k, ts = 1000 * i) with a watermark per row (ts); branch
 * A passes the rows on, branch B assigns timestamps again with the watermark 5 s behind
 * (ts - 5000); a keyed co-process takes A as input 0 and B as input 1.  For each row of
 * input 0 it registers an event-time timer at ts; a timer emits (its time, the ts of
 * the last row input 0 had seen).  Input 1's watermark reaches ts only after the row
 * at ts + 5000 has passed both branches, so timer ts fires with 5 more rows seen on
 * input 0 (the source emits each row into A before B): last = ts + 5000, up to the end
 * of the input, where the final watermark fires the rest.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "test.h"

enum { N = 40, KEYS = 3 };

static strom_schema *row_schema, *out_schema;
static atomic_int chained_ok; /* every call of the co-process on the source's thread */
static pthread_t src_thread;
static int64_t last_seen[KEYS]; /* per key: the ts of the last row of input 0 (parallelism 1) */

static int gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  if (i == 0) src_thread = pthread_self();
  strom_row_set_bigint(out, 0, (int64_t)(i % KEYS));
  strom_row_set_bigint(out, 1, (int64_t)i * 1000);
  return 1;
}

static int64_t wm_now(strom_ctx *ctx, const strom_row *row, int64_t ts) {
  (void)ctx, (void)row;
  return ts;
}
static int64_t wm_behind(strom_ctx *ctx, const strom_row *row, int64_t ts) {
  (void)ctx, (void)row;
  return ts - 5000;
}

static void note_thread(void) {
  if (!pthread_equal(pthread_self(), src_thread)) atomic_store(&chained_ok, 0);
}

static int co_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)out;
  note_thread();
  if (input != 0) return 0;
  int64_t ts = strom_row_get_bigint(in, 1);
  last_seen[strom_row_get_bigint(in, 0)] = ts;
  return strom_ctx_register_event_timer(ctx, ts);
}

static int co_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  note_thread();
  int64_t k = strom_row_get_bigint(strom_ctx_key(ctx), 0);
  strom_row *r = strom_out_row(out);
  strom_row_set_bigint(r, 0, time);
  strom_row_set_bigint(r, 1, last_seen[k]);
  return strom_out_emit(out, r);
}

static strom_results *job(strom_env *env) {
  strom_stream *src = strom_assign_timestamps(strom_set_parallelism(strom_from_generator(env, row_schema, N, gen, NULL), 1),
                                              &(strom_watermark_strategy){.kind = STROM_WM_CUSTOM, .on_event = wm_now, .timestamp_column = "ts"});
  strom_stream *b = strom_assign_timestamps(src, &(strom_watermark_strategy){.kind = STROM_WM_CUSTOM, .on_event = wm_behind, .timestamp_column = "ts"});
  strom_process_def def = {.process = co_process, .on_timer = co_timer, .out_schema = out_schema};
  return strom_collect(strom_keyed_co_process(strom_key_by(src, "k"), strom_key_by(b, "k"), &def));
}

/* Rows (timer, last) in timer order, one per line; "(bad timer)" if a timer is not a
 * row's ts or fired twice. */
static char *dump(strom_results *r) {
  static char buf[8192];
  const strom_row *by_timer[N] = {0};
  for (size_t i = 0; i < strom_results_count(r); i++) {
    const strom_row *row = strom_results_row(r, i);
    int64_t t = strom_row_get_bigint(row, 0);
    if (t < 0 || t % 1000 || t / 1000 >= N || by_timer[t / 1000]) return "(bad timer)";
    by_timer[t / 1000] = row;
  }
  size_t len = 0;
  buf[0] = 0;
  for (int i = 0; i < N; i++)
    if (by_timer[i])
      len += (size_t)strom_row_format(by_timer[i], buf + len, sizeof buf - len), buf[len++] = '\n', buf[len] = 0;
  return buf;
}

/* By hand: timer t (a row's ts) fires when input 1's watermark, 5 s behind, reaches t,
 * i.e. when the row at t + 5000 has gone through; the last row of a key seen on input
 * 0 by then is the latest of that key at or before t + 5000.  At the end (the rows
 * after 34 s) the final watermark fires them with the key's last row.  Keys are i % 3:
 * the key's rows are 3 s apart. */
static char *expected(void) {
  static char buf[8192];
  size_t len = 0;
  int64_t last_of_key[KEYS];
  for (int k = 0; k < KEYS; k++) last_of_key[k] = (int64_t)(((N - 1 - k) / KEYS) * KEYS + k) * 1000;
  for (int i = 0; i < N; i++) {
    int64_t t = (int64_t)i * 1000, k = i % KEYS, last;
    if (i + 5 < N) {
      int j = i + 5; /* the row whose watermark fires t; the key's latest at or before it */
      while (j % KEYS != k) j--;
      last = (int64_t)j * 1000;
    } else {
      last = last_of_key[k];
    }
    len += (size_t)snprintf(buf + len, sizeof buf - len, "+I[%lld, %lld]\n", (long long)t, (long long)last);
  }
  return buf;
}

TEST(two_input_operator_on_its_sources_thread_takes_the_least_watermark) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  CHECK_INT(strom_env_set(env, "strom.pipeline.chain-keyed", "true"), STROM_OK);
  memset(last_seen, 0, sizeof last_seen);
  atomic_store(&chained_ok, 1);
  strom_results *r = job(env);
  int rc = strom_execute(env, "chained co-process");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  CHECK_INT(rc, STROM_OK);
  CHECK(atomic_load(&chained_ok));
  CHECK_STR(dump(r), expected());
  strom_env_free(env);
}

/* Without chaining the co-process has its own thread and channels: the same timers
 * fire, but what input 0 has seen by then depends on how the channels interleave. */
TEST(without_chaining_the_same_timers_fire_on_another_thread) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  memset(last_seen, 0, sizeof last_seen);
  atomic_store(&chained_ok, 1);
  strom_results *r = job(env);
  int rc = strom_execute(env, "co-process");
  CHECK_INT(rc, STROM_OK);
  CHECK(!atomic_load(&chained_ok));
  CHECK_INT((int)strom_results_count(r), N);
  /* every timer once, and never before input 0 has seen its own row */
  const char *got = dump(r);
  CHECK(strcmp(got, "(bad timer)"));
  for (size_t i = 0; i < strom_results_count(r); i++) {
    const strom_row *row = strom_results_row(r, i);
    CHECK(strom_row_get_bigint(row, 1) >= strom_row_get_bigint(row, 0));
  }
  strom_env_free(env);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  row_schema = strom_schema_parse("k BIGINT, ts BIGINT", NULL, 0);
  out_schema = strom_schema_parse("timer BIGINT, last BIGINT", NULL, 0);
  RUN(two_input_operator_on_its_sources_thread_takes_the_least_watermark);
  RUN(without_chaining_the_same_timers_fire_on_another_thread);
  strom_schema_free(row_schema);
  strom_schema_free(out_schema);
  TEST_MAIN_END();
}
