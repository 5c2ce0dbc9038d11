/*
 * test_windows.c -- windows against hand-computed results: tumbling, sliding and
 * session windows over out-of-order input at parallelism 1 and 4, late data within
 * and beyond the allowed lateness, count windows, evictors and continuous triggers.
 *
 * The input below is out of order by at most 6 s and the watermark strategy allows
 * 6 s, so no record is late however the periodic watermarks fall, and the expected
 * results do not depend on timing.  They were worked out by hand (see the comments).
 */
#include "test.h"

/* ---- input ---- */

typedef struct ev {
  const char *k;
  int64_t ts, v;
} ev;

/* Arrival order; the event times are out of order. */
static const ev EVENTS[] = {
    {"a", 1000, 1},   {"b", 2000, 2},   {"a", 9000, 3},  {"a", 4000, 4},  {"b", 11000, 5}, {"a", 12000, 6},
    {"b", 8000, 7},   {"a", 19999, 8},  {"a", 15000, 9}, {"b", 25000, 10}, {"a", 21000, 11}, {"b", 20000, 12},
};
#define NEV (sizeof EVENTS / sizeof *EVENTS)

static strom_schema *ev_schema(void) { return strom_schema_parse("k VARCHAR, ts BIGINT, v BIGINT", NULL, 0); }

static strom_stream *events(strom_env *env, const ev *e, size_t n, strom_schema *s) {
  strom_row **rows = calloc(n, sizeof *rows);
  for (size_t i = 0; i < n; i++) {
    rows[i] = strom_row_new(s);
    strom_row_set_str(rows[i], 0, e[i].k, strlen(e[i].k));
    strom_row_set_bigint(rows[i], 1, e[i].ts);
    strom_row_set_bigint(rows[i], 2, e[i].v);
  }
  strom_stream *st = strom_from_rows(env, s, (const strom_row *const *)rows, n);
  for (size_t i = 0; i < n; i++) strom_row_free(rows[i]);
  free(rows);
  return st;
}

/* ---- count and sum, with the key and window in the output ---- */

static strom_schema *acc_schema, *out_schema;

static int agg_create(strom_ctx *ctx, strom_row *acc) {
  (void)ctx;
  strom_row_set_bigint(acc, 0, 0);
  strom_row_set_bigint(acc, 1, 0);
  return 0;
}

static int agg_add(strom_ctx *ctx, const strom_row *in, const strom_row *acc, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(acc, 0) + 1);
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + strom_row_get_bigint(in, 2));
  return 0;
}

static int agg_merge(strom_ctx *ctx, const strom_row *a, const strom_row *b, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(a, 0) + strom_row_get_bigint(b, 0));
  strom_row_set_bigint(out, 1, strom_row_get_bigint(a, 1) + strom_row_get_bigint(b, 1));
  return 0;
}

static int agg_result(strom_ctx *ctx, const strom_row *acc, strom_row *out) {
  (void)ctx;
  return strom_row_copy(out, acc);
}

static strom_aggregate_def count_sum = {.create = agg_create, .add = agg_add, .merge = agg_merge, .result = agg_result};

/* The same, adding in place: it reads only out, which must hold the accumulator. */
static int agg_add_in_place(strom_ctx *ctx, const strom_row *in, const strom_row *acc, strom_row *out) {
  (void)ctx, (void)acc;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(out, 0) + 1);
  strom_row_set_bigint(out, 1, strom_row_get_bigint(out, 1) + strom_row_get_bigint(in, 2));
  return 0;
}
static strom_aggregate_def count_sum_in_place = {
    .create = agg_create, .add = agg_add_in_place, .merge = agg_merge, .result = agg_result, .add_in_place = true};
static strom_aggregate_def *the_agg = &count_sum;

/* Process function after the aggregate: (k, start, end, cnt, sum). */
static int with_window(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out) {
  for (size_t i = 0; i < n; i++) {
    strom_row *r = strom_out_row(out);
    size_t kl;
    const char *k = strom_row_get_str(strom_ctx_key(ctx), 0, &kl);
    strom_row_set_str(r, 0, k, kl);
    strom_row_set_bigint(r, 1, strom_ctx_window_start(ctx));
    strom_row_set_bigint(r, 2, strom_ctx_window_end(ctx));
    strom_row_set_bigint(r, 3, strom_row_get_bigint(rows[i], 0));
    strom_row_set_bigint(r, 4, strom_row_get_bigint(rows[i], 1));
    int rc = strom_out_emit(out, r);
    if (rc) return rc;
  }
  return 0;
}

/* Full-window function over the raw records: the same output, computed from rows. */
static int sum_rows(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out) {
  int64_t sum = 0;
  for (size_t i = 0; i < n; i++) sum += strom_row_get_bigint(rows[i], 2);
  strom_row *r = strom_out_row(out);
  size_t kl;
  const char *k = strom_row_get_str(strom_ctx_key(ctx), 0, &kl);
  strom_row_set_str(r, 0, k, kl);
  strom_row_set_bigint(r, 1, strom_ctx_window_start(ctx));
  strom_row_set_bigint(r, 2, strom_ctx_window_end(ctx));
  strom_row_set_bigint(r, 3, (int64_t)n);
  strom_row_set_bigint(r, 4, sum);
  return strom_out_emit(out, r);
}

static void setup_schemas(void) {
  if (acc_schema) return;
  acc_schema = strom_schema_parse("cnt BIGINT, total BIGINT", NULL, 0);
  out_schema = strom_schema_parse("k VARCHAR, wstart BIGINT, wend BIGINT, cnt BIGINT, total BIGINT", NULL, 0);
  count_sum.acc_schema = acc_schema;
  count_sum.out_schema = acc_schema;
  count_sum_in_place.acc_schema = count_sum_in_place.out_schema = acc_schema;
}

/* Formats every collected row, sorted, one per line, into buf. */
static const char *dump(strom_results *r) {
  static char buf[8192];
  strom_results_sort(r);
  size_t len = 0;
  buf[0] = 0;
  for (size_t i = 0; i < strom_results_count(r); i++)
    len += (size_t)strom_row_format(strom_results_row(r, i), buf + len, sizeof buf - len), buf[len++] = '\n', buf[len] = 0;
  return buf;
}

static strom_results *run_windows(int par, strom_window_def def, bool raw, strom_env **envp) {
  setup_schemas();
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
  strom_schema *s = ev_schema();
  strom_stream *in = strom_assign_timestamps(
      events(env, EVENTS, NEV, s),
      &(strom_watermark_strategy){.kind = STROM_WM_BOUNDED, .max_out_of_orderness_ms = 6000, .timestamp_column = "ts", .interval_ms = 1});
  if (raw) def.process = sum_rows;
  else def.aggregate = the_agg, def.process = with_window;
  def.out_schema = out_schema;
  strom_results *r = strom_collect(strom_window(strom_key_by(in, "k"), &def));
  int rc = strom_execute(env, "windows");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  strom_schema_free(s);
  *envp = env; /* the results live as long as the environment */
  return rc ? NULL : r;
}

/* Tumbling 10 s.  a: [0,10s) 1,3,4 -> 3 rows, 8; [10s,20s) 6,8,9 -> 3, 23; [20s,30s) 11 -> 1, 11.
 * b: [0,10s) 2,7 -> 2, 9; [10s,20s) 5 -> 1, 5; [20s,30s) 10,12 -> 2, 22. */
static const char *TUMBLING =
    "+I[a, 0, 10000, 3, 8]\n+I[a, 10000, 20000, 3, 23]\n+I[a, 20000, 30000, 1, 11]\n"
    "+I[b, 0, 10000, 2, 9]\n+I[b, 10000, 20000, 1, 5]\n+I[b, 20000, 30000, 2, 22]\n";

TEST(tumbling_out_of_order_at_parallelism_1_and_4) {
  for (int par = 1; par <= 4; par += 3)
    for (int raw = 0; raw <= 1; raw++) {
      strom_env *env;
      strom_results *r = run_windows(par, (strom_window_def){.assigner = strom_tumbling(10000)}, raw, &env);
      const char *got = r ? dump(r) : "(failed)";
      strom_env_free(env);
      CHECK_STR(got, TUMBLING);
    }
}

/* strom_process_def.flush: a keyed process function that holds every row in memory
 * (not in state) and emits them only from flush.  The runtime calls flush before it
 * passes a watermark on, so the tumbling windows after it still count every row; were
 * the rows emitted after the watermark (at finish only), they would be late and lost. */
typedef struct held {
  strom_row **rows;
  size_t n;
} held;

static int hold_open(strom_ctx *ctx) {
  held *h = calloc(1, sizeof *h);
  h->rows = calloc(NEV, sizeof *h->rows);
  strom_ctx_set_local(ctx, h);
  return 0;
}

static int hold_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input, (void)out;
  held *h = strom_ctx_local(ctx);
  h->rows[h->n] = strom_row_new(strom_row_schema(in));
  strom_row_copy(h->rows[h->n], in);
  size_t len;
  const char *k = strom_row_get_str(in, 0, &len); /* copied: the input row's bytes go away */
  strom_row_set_str(h->rows[h->n], 0, k, len);
  h->n++;
  return 0;
}

static int hold_flush(strom_ctx *ctx, strom_out *out) {
  held *h = strom_ctx_local(ctx);
  int rc = 0;
  for (size_t i = 0; i < h->n; i++) {
    if (!rc) rc = strom_out_emit(out, h->rows[i]);
    strom_row_free(h->rows[i]);
  }
  h->n = 0;
  return rc;
}

static void hold_close(strom_ctx *ctx) {
  held *h = strom_ctx_local(ctx);
  for (size_t i = 0; i < h->n; i++) strom_row_free(h->rows[i]);
  free(h->rows);
  free(h);
}

TEST(rows_a_function_flushes_reach_the_windows_before_the_watermark) {
  setup_schemas();
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  strom_schema *s = ev_schema();
  strom_stream *in = strom_assign_timestamps(
      events(env, EVENTS, NEV, s),
      &(strom_watermark_strategy){.kind = STROM_WM_BOUNDED, .max_out_of_orderness_ms = 6000, .timestamp_column = "ts", .interval_ms = 1});
  strom_process_def hold = {.open = hold_open, .process = hold_process, .close = hold_close, .flush = hold_flush};
  strom_stream *later = strom_keyed_process(strom_key_by(in, "k"), &hold);
  strom_window_def def = {.assigner = strom_tumbling(10000), .aggregate = &count_sum, .process = with_window,
                          .out_schema = out_schema};
  strom_results *r = strom_collect(strom_window(strom_key_by(later, "k"), &def));
  int rc = strom_execute(env, "flush");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  CHECK_INT(rc, STROM_OK);
  CHECK_STR(rc ? "" : dump(r), TUMBLING);
  strom_env_free(env);
  strom_schema_free(s);
}

/* Sliding 10 s every 5 s: each record is in two windows.
 * a: [-5,5) 1,4 -> 2, 5; [0,10) 1,3,4 -> 3, 8; [5,15) 3,6 -> 2, 9; [10,20) 6,8,9 -> 3, 23;
 *    [15,25) 8,9,11 -> 3, 28; [20,30) 11 -> 1, 11.
 * b: [-5,5) 2 -> 1, 2; [0,10) 2,7 -> 2, 9; [5,15) 5,7 -> 2, 12; [10,20) 5 -> 1, 5;
 *    [15,25) 12 -> 1, 12; [20,30) 10,12 -> 2, 22; [25,35) 10 -> 1, 10. */
static const char *SLIDING =
    "+I[a, -5000, 5000, 2, 5]\n+I[a, 0, 10000, 3, 8]\n+I[a, 10000, 20000, 3, 23]\n+I[a, 15000, 25000, 3, 28]\n"
    "+I[a, 20000, 30000, 1, 11]\n+I[a, 5000, 15000, 2, 9]\n"
    "+I[b, -5000, 5000, 1, 2]\n+I[b, 0, 10000, 2, 9]\n+I[b, 10000, 20000, 1, 5]\n+I[b, 15000, 25000, 1, 12]\n"
    "+I[b, 20000, 30000, 2, 22]\n+I[b, 25000, 35000, 1, 10]\n+I[b, 5000, 15000, 2, 12]\n";

TEST(sliding_out_of_order_at_parallelism_1_and_4) {
  for (int par = 1; par <= 4; par += 3)
    for (int raw = 0; raw <= 1; raw++) {
      strom_env *env;
      strom_results *r = run_windows(par, (strom_window_def){.assigner = strom_sliding(10000, 5000)}, raw, &env);
      const char *got = r ? dump(r) : "(failed)";
      strom_env_free(env);
      CHECK_STR(got, SLIDING);
    }
}

/* Sessions with a 3 s gap.  a: 1000 and 4000 merge into [1000,7000) -> 2, 5; 9000, 12000 and
 * 15000 into [9000,18000) -> 3, 18; 19999 and 21000 into [19999,24000) -> 2, 19.
 * b: [2000,5000) -> 1, 2; 11000 then 8000 merge into [8000,14000) -> 2, 12;
 * [20000,23000) -> 1, 12; [25000,28000) -> 1, 10. */
static const char *SESSIONS =
    "+I[a, 1000, 7000, 2, 5]\n+I[a, 19999, 24000, 2, 19]\n+I[a, 9000, 18000, 3, 18]\n"
    "+I[b, 2000, 5000, 1, 2]\n+I[b, 20000, 23000, 1, 12]\n+I[b, 25000, 28000, 1, 10]\n+I[b, 8000, 14000, 2, 12]\n";

TEST(session_merging_out_of_order_at_parallelism_1_and_4) {
  for (int par = 1; par <= 4; par += 3)
    for (int raw = 0; raw <= 1; raw++) {
      strom_env *env;
      strom_results *r = run_windows(par, (strom_window_def){.assigner = strom_session(3000)}, raw, &env);
      const char *got = r ? dump(r) : "(failed)";
      strom_env_free(env);
      CHECK_STR(got, SESSIONS);
    }
}

/* Tumbling 10 s with a 2 s offset: windows [-8s,2s), [2s,12s), [12s,22s), [22s,32s).
 * a: 1000 -> 1 row, 1; 9000, 4000 -> 2, 7; 12000, 19999, 15000, 21000 -> 4, 34.
 * b: 2000, 11000, 8000 -> 3, 14; 20000 -> 1, 12; 25000 -> 1, 10. */
TEST(tumbling_with_offset) {
  for (int generic_op = 0; generic_op <= 1; generic_op++) {
    if (generic_op) setenv("STROM_WINDOW_GENERIC", "1", 1);
    strom_window_assigner a = strom_tumbling(10000);
    a.offset_ms = 2000;
    strom_env *env;
    strom_results *r = run_windows(2, (strom_window_def){.assigner = a}, false, &env);
    const char *got = r ? dump(r) : "(failed)";
    unsetenv("STROM_WINDOW_GENERIC");
    CHECK_STR(got, "+I[a, -8000, 2000, 1, 1]\n+I[a, 12000, 22000, 4, 34]\n+I[a, 2000, 12000, 2, 7]\n"
                   "+I[b, 12000, 22000, 1, 12]\n+I[b, 2000, 12000, 3, 14]\n+I[b, 22000, 32000, 1, 10]\n");
    strom_env_free(env);
  }
}

/* Session gap by key: a 3 s (as SESSIONS above), b 1 s, so b's records never merge. */
static int64_t gap_by_key(strom_ctx *ctx, const strom_row *row) {
  (void)ctx;
  size_t n;
  return strom_row_get_str(row, 0, &n)[0] == 'a' ? 3000 : 1000;
}

TEST(session_windows_with_a_dynamic_gap) {
  strom_window_assigner a = strom_session(0);
  a.gap_fn = gap_by_key;
  strom_env *env;
  strom_results *r = run_windows(3, (strom_window_def){.assigner = a}, false, &env);
  const char *got = r ? dump(r) : "(failed)";
  strom_env_free(env);
  CHECK_STR(got, "+I[a, 1000, 7000, 2, 5]\n+I[a, 19999, 24000, 2, 19]\n+I[a, 9000, 18000, 3, 18]\n"
                 "+I[b, 11000, 12000, 1, 5]\n+I[b, 2000, 3000, 1, 2]\n+I[b, 20000, 21000, 1, 12]\n"
                 "+I[b, 25000, 26000, 1, 10]\n+I[b, 8000, 9000, 1, 7]\n");
}

/* ---- processing time, on a virtual clock ---- */

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static atomic_llong pclock;
static atomic_int p_stop, p_seen, p_fired;
static atomic_llong p_last;

static int64_t pnow(void *d) {
  (void)d;
  return atomic_load(&pclock);
}

static int three_now(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  if (i >= 3) return atomic_load(&p_stop) ? 0 : STROM_GEN_IDLE;
  strom_row_set_str(out, 0, "p", 1);
  strom_row_set_bigint(out, 1, 0);
  strom_row_set_bigint(out, 2, (int64_t)i + 1);
  atomic_fetch_add(&p_seen, 1);
  return 1;
}

static int record_firing(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out) {
  (void)out;
  int64_t sum = 0;
  for (size_t i = 0; i < n; i++) sum += strom_row_get_bigint(rows[i], 2);
  atomic_store(&p_last, strom_ctx_window_start(ctx) * 1000 + sum);
  atomic_fetch_add(&p_fired, 1);
  return 0;
}

static void *run_bg(void *env) {
  static int rc;
  rc = strom_execute(env, "processing time");
  return &rc;
}

TEST(processing_time_tumbling_window_fires_by_the_clock) {
  setup_schemas();
  atomic_store(&pclock, 1000);
  atomic_store(&p_stop, 0);
  atomic_store(&p_seen, 0);
  atomic_store(&p_fired, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_env_set_clock(env, pnow, NULL);
  strom_schema *s = ev_schema();
  strom_window_assigner a = strom_tumbling(1000);
  a.processing_time = true;
  strom_stream *in = strom_set_parallelism(strom_from_generator(env, s, STROM_UNBOUNDED, three_now, NULL), 1);
  strom_discard(strom_window(strom_key_by(in, "k"), &(strom_window_def){.assigner = a, .process = record_firing, .out_schema = out_schema}));
  pthread_t th;
  pthread_create(&th, NULL, run_bg, env);
  for (int i = 0; i < 20000 && atomic_load(&p_seen) < 3; i++) nanosleep(&(struct timespec){0, 1000000}, NULL);
  /* Let the records reach the window: nothing shows when they did, so this is a margin
   * (generous for a loaded machine), not an event. */
  nanosleep(&(struct timespec){0, 250000000}, NULL);
  int before = atomic_load(&p_fired);
  atomic_store(&pclock, 2000); /* the window [1000, 2000) fires once the clock passes its max timestamp, 1999 (Flink) */
  for (int i = 0; i < 20000 && atomic_load(&p_fired) < 1; i++) nanosleep(&(struct timespec){0, 1000000}, NULL);
  atomic_store(&p_stop, 1);
  void *rc;
  pthread_join(th, &rc);
  strom_schema_free(s);
  strom_env_free(env);
  CHECK_INT(*(int *)rc, STROM_OK);
  CHECK_INT(before, 0);
  CHECK_INT(atomic_load(&p_fired), 1);
  CHECK_INT(atomic_load(&p_last), 1000 * 1000 + 6); /* window start 1000, 1 + 2 + 3 */
}

/* ---- late data ---- */

/* A punctuated strategy: the watermark follows every record (timestamp - 1), so which
 * records are late is exact. */
static int64_t wm_each(strom_ctx *ctx, const strom_row *row, int64_t ts) {
  (void)ctx;
  (void)row;
  return ts - 1;
}

TEST(late_data_within_lateness_updates_beyond_goes_to_side_output) {
  setup_schemas();
  /* Tumbling 10 s, allowed lateness 5 s.  k=x: 1000, 5000, then 12000 (wm 11999: [0,10s) fires
   * with 1+2 = 3); 3000 is late but within lateness: added, fires again with 3+4 = 7; 16000
   * (wm 15999) passes [0,10s)'s cleanup at 14999; 4000 is then beyond lateness: side output;
   * 19000; at the end [10s,20s) fires with 3+5+7 = 15.  k=y gets one record in [0,10s) after
   * cleanup too (late), and one in [20s,30s). */
  static const ev LATE[] = {{"x", 1000, 1}, {"x", 5000, 2}, {"x", 12000, 3}, {"x", 3000, 4}, {"x", 16000, 5},
                            {"x", 4000, 6}, {"y", 9000, 100}, {"x", 19000, 7}, {"y", 25000, 8}};
  for (int par = 1; par <= 4; par += 3) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = ev_schema();
    strom_output_tag *late = strom_output_tag_new(env, "late", s);
    strom_stream *in = strom_set_parallelism(
        strom_assign_timestamps(events(env, LATE, sizeof LATE / sizeof *LATE, s),
                                &(strom_watermark_strategy){.kind = STROM_WM_CUSTOM, .on_event = wm_each, .timestamp_column = "ts"}),
        1);
    strom_window_def def = {.assigner = strom_tumbling(10000), .allowed_lateness_ms = 5000, .late_tag = late,
                            .aggregate = &count_sum, .process = with_window, .out_schema = out_schema};
    strom_stream *w = strom_window(strom_key_by(in, "k"), &def);
    strom_results *main = strom_collect(w);
    strom_results *side = strom_collect(strom_side_output(w, late));
    int rc = strom_execute(env, "late");
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    CHECK_STR(dump(main), "+I[x, 0, 10000, 2, 3]\n+I[x, 0, 10000, 3, 7]\n+I[x, 10000, 20000, 3, 15]\n+I[y, 20000, 30000, 1, 8]\n");
    CHECK_STR(dump(side), "+I[x, 4000, 6]\n+I[y, 9000, 100]\n");
    strom_schema_free(s);
    strom_env_free(env);
  }
}

/* Session windows, gap 3 s, watermark = ts - 1 per record.  x 1000 [1s,4s); x 10000
 * (wm 9999: [1s,4s) fires, 1 row, 1) [10s,13s); x 8000 alone would be [8s,11s), over at
 * 10999 > wm: not late, it merges into [8s,13s); x 6000 alone is [6s,9s), over at 8999
 * <= wm -- but it overlaps the open [8s,13s), so, as Flink's merging window set decides
 * on the merged window, it joins: [6s,13s); x 2000 ([2s,5s)) overlaps no open session:
 * late, side output.  At the end [6s,13s) fires with 2+4+8 = 14. */
TEST(late_record_joining_an_open_session_is_kept) {
  setup_schemas();
  static const ev EVS[] = {{"x", 1000, 1}, {"x", 10000, 2}, {"x", 8000, 4}, {"x", 6000, 8}, {"x", 2000, 16}};
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  strom_schema *s = ev_schema();
  strom_output_tag *late = strom_output_tag_new(env, "late", s);
  strom_stream *in = strom_assign_timestamps(events(env, EVS, sizeof EVS / sizeof *EVS, s),
                                             &(strom_watermark_strategy){.kind = STROM_WM_CUSTOM, .on_event = wm_each, .timestamp_column = "ts"});
  strom_window_def def = {.assigner = strom_session(3000), .late_tag = late, .aggregate = &count_sum, .process = with_window,
                          .out_schema = out_schema};
  strom_stream *w = strom_window(strom_key_by(in, "k"), &def);
  strom_results *main = strom_collect(w);
  strom_results *side = strom_collect(strom_side_output(w, late));
  int rc = strom_execute(env, "session late");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  CHECK_INT(rc, STROM_OK);
  CHECK_STR(dump(main), "+I[x, 1000, 4000, 1, 1]\n+I[x, 6000, 13000, 3, 14]\n");
  CHECK_STR(dump(side), "+I[x, 2000, 16]\n");
  strom_schema_free(s);
  strom_env_free(env);
}

/* The same late input through sliding windows of 10 s every 5 s (panes of 5 s), allowed
 * lateness 5 s.  x 1000 (wm 999); x 5000 (wm 4999: [-5s,5s) fires, 1 row, 1); x 12000
 * (wm 11999: [0,10s) fires with 1000 and 5000: 2, 3); x 3000 is late for [-5s,5s)
 * (cleaned up at 9999) but not for [0,10s) (cleanup 14999): it fires again, 3, 7;
 * x 16000 (wm 15999: [5s,15s) fires with 5000 and 12000: 2, 5; [0,10s) is cleaned up);
 * x 4000 is in no live window: side output; y 9000 is late but [5s,15s) lives until
 * 19999: it fires for y, 1, 100; x 19000 (wm 18999); y 25000 (wm 24999: [10s,20s) with
 * 12000, 16000, 19000: 3, 15; [15s,25s) with 16000, 19000: 2, 12); at the end
 * [20s,30s) and [25s,35s) fire for y, 1, 8. */
static void late_sliding(void) {
  setup_schemas();
  static const ev LATE[] = {{"x", 1000, 1}, {"x", 5000, 2}, {"x", 12000, 3}, {"x", 3000, 4}, {"x", 16000, 5},
                            {"x", 4000, 6}, {"y", 9000, 100}, {"x", 19000, 7}, {"y", 25000, 8}};
  for (int par = 1; par <= 4; par += 3) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = ev_schema();
    strom_output_tag *late = strom_output_tag_new(env, "late", s);
    strom_stream *in = strom_set_parallelism(
        strom_assign_timestamps(events(env, LATE, sizeof LATE / sizeof *LATE, s),
                                &(strom_watermark_strategy){.kind = STROM_WM_CUSTOM, .on_event = wm_each, .timestamp_column = "ts"}),
        1);
    strom_window_def def = {.assigner = strom_sliding(10000, 5000), .allowed_lateness_ms = 5000, .late_tag = late,
                            .aggregate = &count_sum, .process = with_window, .out_schema = out_schema};
    strom_stream *w = strom_window(strom_key_by(in, "k"), &def);
    strom_results *main = strom_collect(w);
    strom_results *side = strom_collect(strom_side_output(w, late));
    int rc = strom_execute(env, "late sliding");
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    CHECK_STR(dump(main), "+I[x, -5000, 5000, 1, 1]\n+I[x, 0, 10000, 2, 3]\n+I[x, 0, 10000, 3, 7]\n"
                          "+I[x, 10000, 20000, 3, 15]\n+I[x, 15000, 25000, 2, 12]\n+I[x, 5000, 15000, 2, 5]\n"
                          "+I[y, 20000, 30000, 1, 8]\n+I[y, 25000, 35000, 1, 8]\n+I[y, 5000, 15000, 1, 100]\n");
    CHECK_STR(dump(side), "+I[x, 4000, 6]\n");
    strom_schema_free(s);
    strom_env_free(env);
  }
}

TEST(late_data_in_sliding_windows_fires_again_from_the_panes) {
  late_sliding();
  /* Panes packed after every record: late records meet sealed accumulators. */
  setenv("STROM_WINDOW_SEAL_MIN", "1", 1);
  late_sliding();
  unsetenv("STROM_WINDOW_SEAL_MIN");
  setenv("STROM_WINDOW_GENERIC", "1", 1);
  late_sliding();
  unsetenv("STROM_WINDOW_GENERIC");
}

TEST(sliding_windows_with_panes_sealed_after_every_record) {
  setenv("STROM_WINDOW_SEAL_MIN", "1", 1);
  sliding_out_of_order_at_parallelism_1_and_4();
  unsetenv("STROM_WINDOW_SEAL_MIN");
}

/* ---- count windows and evictors ---- */

static strom_results *run_counts(strom_env *env, strom_window_def def) {
  setup_schemas();
  static const ev SEQ[] = {{"c", 1, 1}, {"c", 2, 2}, {"d", 3, 10}, {"c", 4, 3}, {"c", 5, 4},
                           {"c", 6, 5}, {"d", 7, 20}, {"c", 8, 6}, {"c", 9, 7}, {"d", 10, 30}};
  strom_schema *s = ev_schema();
  strom_stream *in = events(env, SEQ, sizeof SEQ / sizeof *SEQ, s);
  def.process = sum_rows;
  def.out_schema = out_schema;
  strom_results *r = strom_collect(strom_window(strom_key_by(in, "k"), &def));
  strom_schema_free(s);
  return r;
}

TEST(count_window_tumbling_purges_every_n) {
  /* countWindow(3): c = 1..7 fires 1+2+3 = 6 and 4+5+6 = 15 (7 waits forever); d 10+20+30 = 60. */
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_results *r = run_counts(env, (strom_window_def){.assigner = strom_global_window(),
                                                        .trigger = {.kind = STROM_TRIGGER_COUNT, .count = 3, .purging = true}});
  CHECK_INT(strom_execute(env, "count"), STROM_OK);
  CHECK_STR(dump(r), "+I[c, -9223372036854775808, 9223372036854775807, 3, 15]\n"
                     "+I[c, -9223372036854775808, 9223372036854775807, 3, 6]\n"
                     "+I[d, -9223372036854775808, 9223372036854775807, 3, 60]\n");
  strom_env_free(env);
}

TEST(count_window_sliding_with_count_evictor) {
  /* countWindow(3, 2) = global + CountTrigger(2) + CountEvictor(3): c fires after 2 (1+2 = 3),
   * 4 (2+3+4 = 9), 6 (4+5+6 = 15) records; d after 2 (10+20 = 30). */
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  strom_results *r = run_counts(env, (strom_window_def){.assigner = strom_global_window(),
                                                        .trigger = {.kind = STROM_TRIGGER_COUNT, .count = 2},
                                                        .evictor = {.kind = STROM_EVICT_COUNT, .count = 3}});
  CHECK_INT(strom_execute(env, "sliding count"), STROM_OK);
  CHECK_STR(dump(r), "+I[c, -9223372036854775808, 9223372036854775807, 2, 3]\n"
                     "+I[c, -9223372036854775808, 9223372036854775807, 3, 15]\n"
                     "+I[c, -9223372036854775808, 9223372036854775807, 3, 9]\n"
                     "+I[d, -9223372036854775808, 9223372036854775807, 2, 30]\n");
  strom_env_free(env);
}

TEST(continuous_event_time_trigger_fires_early_and_at_end) {
  /* Tumbling 10 s with a continuous trigger every 4 s of event time, punctuated watermarks
   * (each after its record): x at 1000 (registers 4000), 2000, 5000 (wm 4999: fires [0,10s)
   * with 1+2+3 = 6, next 8000), 9000 (wm 8999: fires with 10, next min(12000, 9999)), 12000
   * (wm 11999: fires at 9999 with 10 again and cleans up; [10s,20s) registers 16000).  At
   * the end [10s,20s) fires at 16000 and at its end 19999 (next is capped at the end). */
  setup_schemas();
  static const ev SEQ[] = {{"x", 1000, 1}, {"x", 2000, 2}, {"x", 5000, 3}, {"x", 9000, 4}, {"x", 12000, 0}};
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  strom_schema *s = ev_schema();
  strom_stream *in = strom_assign_timestamps(events(env, SEQ, 5, s),
      &(strom_watermark_strategy){.kind = STROM_WM_CUSTOM, .on_event = wm_each, .timestamp_column = "ts"});
  strom_window_def def = {.assigner = strom_tumbling(10000),
                          .trigger = {.kind = STROM_TRIGGER_CONTINUOUS_EVENT_TIME, .interval_ms = 4000},
                          .aggregate = &count_sum, .process = with_window, .out_schema = out_schema};
  strom_results *r = strom_collect(strom_window(strom_key_by(in, "k"), &def));
  CHECK_INT(strom_execute(env, "continuous"), STROM_OK);
  CHECK_STR(dump(r), "+I[x, 0, 10000, 3, 6]\n+I[x, 0, 10000, 4, 10]\n+I[x, 0, 10000, 4, 10]\n"
                     "+I[x, 10000, 20000, 1, 0]\n+I[x, 10000, 20000, 1, 0]\n");
  strom_schema_free(s);
  strom_env_free(env);
}

/* Sums v and checks that every record kept its event timestamp (ts column == row time). */
static int sum_rows_checking_time(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out) {
  for (size_t i = 0; i < n; i++)
    if (strom_row_time(rows[i]) != strom_row_get_bigint(rows[i], 1))
      return strom_ctx_fail(ctx, "record %zu lost its timestamp", i);
  return sum_rows(ctx, rows, n, out);
}

TEST(time_evictor_keeps_recent_records_with_their_timestamps) {
  /* Tumbling 10 s; the evictor keeps records newer than 2 s before the newest: of 1000, 5000,
   * 8000 and 9000 only 8000 and 9000 (3 + 4 = 7) remain; [10s,20s) holds 12000 alone. */
  setup_schemas();
  static const ev SEQ[] = {{"t", 1000, 1}, {"t", 5000, 2}, {"t", 9000, 4}, {"t", 8000, 3}, {"t", 12000, 5}};
  for (int after = 0; after <= 1; after++) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
    strom_schema *s = ev_schema();
    strom_stream *in = strom_assign_timestamps(events(env, SEQ, 5, s),
        &(strom_watermark_strategy){.kind = STROM_WM_BOUNDED, .max_out_of_orderness_ms = 6000, .timestamp_column = "ts"});
    strom_window_def def = {.assigner = strom_tumbling(10000), .evictor = {.kind = STROM_EVICT_TIME, .keep_ms = 2000, .after = after},
                            .process = sum_rows_checking_time, .out_schema = out_schema};
    strom_results *r = strom_collect(strom_window(strom_key_by(in, "k"), &def));
    int rc = strom_execute(env, "time evictor");
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    /* Evicting after the function: the function saw all four records. */
    CHECK_STR(dump(r), after ? "+I[t, 0, 10000, 4, 10]\n+I[t, 10000, 20000, 1, 5]\n"
                             : "+I[t, 0, 10000, 2, 7]\n+I[t, 10000, 20000, 1, 5]\n");
    strom_schema_free(s);
    strom_env_free(env);
  }
}

TEST(bad_window_definitions_are_refused) {
  setup_schemas();
  strom_env *env = strom_env_new(NULL);
  strom_schema *s = ev_schema();
  strom_keyed *k = strom_key_by(events(env, EVENTS, 2, s), "k");
  CHECK(!strom_window(k, &(strom_window_def){.assigner = strom_tumbling(0), .process = sum_rows, .out_schema = out_schema}));
  CHECK(strstr(strom_env_errmsg(env), "window size must be positive"));
  strom_env_free(env);
  env = strom_env_new(NULL);
  k = strom_key_by(events(env, EVENTS, 2, s), "k");
  CHECK(!strom_window(k, &(strom_window_def){.assigner = strom_sliding(1000, 3000), .process = sum_rows, .out_schema = out_schema}));
  CHECK(strstr(strom_env_errmsg(env), "slide"));
  strom_env_free(env);
  /* Event-time windows without timestamps fail at run time with advice. */
  env = strom_env_new(NULL);
  k = strom_key_by(events(env, EVENTS, 2, s), "k");
  strom_discard(strom_window(k, &(strom_window_def){.assigner = strom_tumbling(1000), .process = sum_rows, .out_schema = out_schema}));
  CHECK_INT(strom_execute(env, "no ts"), STROM_EINVAL);
  CHECK(strstr(strom_env_errmsg(env), "strom_assign_timestamps"));
  strom_env_free(env);
  strom_schema_free(s);
}

/* The same tests through the generic window operator (the sliced fast path handles
 * event-time tumbling/sliding windows with reduce/aggregate; both must agree). */
static void generic(void) { setenv("STROM_WINDOW_GENERIC", "1", 1); }
static void sliced(void) { unsetenv("STROM_WINDOW_GENERIC"); }
TEST(generic_tumbling) { generic(); tumbling_out_of_order_at_parallelism_1_and_4(); sliced(); }
TEST(generic_sliding) { generic(); sliding_out_of_order_at_parallelism_1_and_4(); sliced(); }
TEST(generic_late_data) { generic(); late_data_within_lateness_updates_beyond_goes_to_side_output(); sliced(); }

/* Sliding windows whose size is not a multiple of the slide take the overlapping path:
 * 10 s windows every 3 s, checked against the generic operator's output. */
static const char *sliding_3s(void) {
  static char out[8192];
  strom_env *env;
  strom_results *r = run_windows(2, (strom_window_def){.assigner = strom_sliding(10000, 3000)}, false, &env);
  snprintf(out, sizeof out, "%s", r ? dump(r) : "(failed)");
  strom_env_free(env);
  return out;
}

TEST(sliced_and_generic_agree_on_uneven_sliding_windows) {
  char fast[8192];
  snprintf(fast, sizeof fast, "%s", sliding_3s());
  generic();
  const char *slow = sliding_3s();
  sliced();
  CHECK(strlen(fast) > 100);
  CHECK_STR(fast, slow);
}

/* Ten panes per window (10 s every 1 s): the panes' packs are merged through a heap;
 * checked against the generic operator, with panes packed rarely and very often. */
static const char *sliding_1s(void) {
  static char out[8192];
  strom_env *env;
  strom_results *r = run_windows(2, (strom_window_def){.assigner = strom_sliding(10000, 1000)}, false, &env);
  snprintf(out, sizeof out, "%s", r ? dump(r) : "(failed)");
  strom_env_free(env);
  return out;
}

TEST(sliced_and_generic_agree_on_ten_panes_per_window) {
  char fast[8192], packed[8192];
  snprintf(fast, sizeof fast, "%s", sliding_1s());
  setenv("STROM_WINDOW_SEAL_MIN", "1", 1);
  snprintf(packed, sizeof packed, "%s", sliding_1s());
  unsetenv("STROM_WINDOW_SEAL_MIN");
  generic();
  const char *slow = sliding_1s();
  sliced();
  CHECK(strlen(fast) > 1000);
  CHECK_STR(fast, slow);
  CHECK_STR(packed, slow);
}

/* An aggregate that adds in place gets its accumulator as acc_out, in the sliced
 * operator (records of a key in a row, panes, late firings) and the generic one. */
TEST(in_place_aggregate_gives_the_same_windows) {
  char copying[8192];
  snprintf(copying, sizeof copying, "%s", sliding_1s());
  the_agg = &count_sum_in_place;
  CHECK_STR(sliding_1s(), copying);
  tumbling_out_of_order_at_parallelism_1_and_4();
  late_data_within_lateness_updates_beyond_goes_to_side_output();
  generic();
  CHECK_STR(sliding_1s(), copying);
  sliced();
  the_agg = &count_sum;
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(tumbling_out_of_order_at_parallelism_1_and_4);
  RUN(rows_a_function_flushes_reach_the_windows_before_the_watermark);
  RUN(sliding_out_of_order_at_parallelism_1_and_4);
  RUN(session_merging_out_of_order_at_parallelism_1_and_4);
  RUN(late_data_within_lateness_updates_beyond_goes_to_side_output);
  RUN(late_record_joining_an_open_session_is_kept);
  RUN(tumbling_with_offset);
  RUN(session_windows_with_a_dynamic_gap);
  RUN(processing_time_tumbling_window_fires_by_the_clock);
  RUN(generic_tumbling);
  RUN(generic_sliding);
  RUN(generic_late_data);
  RUN(sliced_and_generic_agree_on_uneven_sliding_windows);
  RUN(in_place_aggregate_gives_the_same_windows);
  RUN(late_data_in_sliding_windows_fires_again_from_the_panes);
  RUN(sliding_windows_with_panes_sealed_after_every_record);
  RUN(sliced_and_generic_agree_on_ten_panes_per_window);
  RUN(count_window_tumbling_purges_every_n);
  RUN(count_window_sliding_with_count_evictor);
  RUN(continuous_event_time_trigger_fires_early_and_at_end);
  RUN(time_evictor_keeps_recent_records_with_their_timestamps);
  RUN(bad_window_definitions_are_refused);
  TEST_MAIN_END();
}
