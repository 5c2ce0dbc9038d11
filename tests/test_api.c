/*
 * test_api.c -- the DataStream API's semantics: union, side outputs, two-input
 * process functions, partitioning (broadcast, rebalance, forward), per-operator
 * parallelism and uids, ordering of collections, generator slices, chaining, and
 * event timestamps across channels.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "core/core.h" /* strom_buf */
#include "test.h"

/* ---- helpers ---- */

static strom_schema *kv_schema(void) { return strom_schema_parse("k BIGINT, v VARCHAR", NULL, 0); }

/* Row i: (i + offset, "v<i+offset>"); data points to the offset (or NULL for 0). */
static int gen_kv(strom_ctx *ctx, uint64_t i, strom_row *out) {
  const int64_t *off = strom_ctx_data(ctx);
  int64_t k = (int64_t)i + (off ? *off : 0);
  char buf[32];
  int n = snprintf(buf, sizeof buf, "v%lld", (long long)k);
  strom_row_set_bigint(out, 0, k);
  strom_row_set_str(out, 1, buf, (size_t)n);
  return 1;
}

/* Checks that r holds keys lo..hi-1 each exactly `times` times with matching values. */
static int check_keys(strom_results *r, int64_t lo, int64_t hi, int times) {
  size_t n = (size_t)(hi - lo);
  int *seen = calloc(n, sizeof *seen), bad = 0;
  for (size_t i = 0; i < strom_results_count(r); i++) {
    const strom_row *row = strom_results_row(r, i);
    int64_t k = strom_row_get_bigint(row, 0);
    if (k < lo || k >= hi) {
      bad++;
      continue;
    }
    seen[k - lo]++;
    char want[32];
    int wl = snprintf(want, sizeof want, "v%lld", (long long)k);
    size_t len;
    const char *v = strom_row_get_str(row, 1, &len);
    if (len != (size_t)wl || memcmp(v, want, len)) bad++;
  }
  for (size_t i = 0; i < n; i++) bad += seen[i] != times;
  free(seen);
  return bad;
}

static int run(strom_env *env) {
  int rc = strom_execute(env, "test");
  if (rc) fprintf(stderr, "  execute: %s\n", strom_env_errmsg(env));
  return rc;
}

/* ---- union ---- */

TEST(union_of_two_sources) {
  for (int par = 1; par <= 3; par++) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = kv_schema();
    static const int64_t off = 5000;
    strom_stream *a = strom_from_generator(env, s, 5000, gen_kv, NULL);
    strom_stream *b = strom_set_parallelism(strom_from_generator(env, s, 3000, gen_kv, (void *)&off), 1);
    strom_results *r = strom_collect(strom_union(a, b));
    CHECK_INT(run(env), STROM_OK);
    CHECK_INT(strom_results_count(r), 8000);
    CHECK_INT(check_keys(r, 0, 8000, 1), 0);
    strom_schema_free(s);
    strom_env_free(env);
  }
}

TEST(union_of_a_stream_with_itself_doubles_it) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_schema *s = kv_schema();
  strom_stream *a = strom_from_generator(env, s, 1000, gen_kv, NULL);
  strom_results *r = strom_collect(strom_union(a, a));
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(check_keys(r, 0, 1000, 2), 0);
  strom_schema_free(s);
  strom_env_free(env);
}

TEST(union_refuses_different_schemas) {
  strom_env *env = strom_env_new(NULL);
  strom_schema *s = kv_schema(), *t = strom_schema_parse("k BIGINT, v BIGINT", NULL, 0);
  strom_stream *a = strom_from_generator(env, s, 10, gen_kv, NULL);
  strom_stream *b = strom_from_generator(env, t, 10, gen_kv, NULL);
  CHECK(strom_union(a, b) == NULL);
  CHECK_INT(strom_execute(env, "u"), STROM_ETYPE);
  CHECK_STR(strom_env_errmsg(env), "union: schemas differ: (k BIGINT, v VARCHAR) vs (k BIGINT, v BIGINT)");
  strom_schema_free(s);
  strom_schema_free(t);
  strom_env_free(env);
}

/* ---- side outputs ---- */

typedef struct route_data {
  strom_output_tag *tag;
} route_data;

/* Multiples of 3 go to the side output as (k, "div3"), the rest to the main output. */
static int route(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  route_data *d = strom_ctx_data(ctx);
  int64_t k = strom_row_get_bigint(in, 0);
  if (k % 3 == 0) {
    strom_row *r = strom_out_side_row(out, d->tag);
    if (!r) return strom_ctx_fail(ctx, "no side row");
    strom_row_set_bigint(r, 0, k);
    strom_row_set_str(r, 1, "div3", 4);
    return strom_out_emit_side(out, d->tag, r);
  }
  return strom_out_emit(out, in);
}

TEST(side_outputs_route_rows_exactly) {
  const int64_t n = 30001;
  for (int par = 1; par <= 2; par++) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = kv_schema(), *side = strom_schema_parse("k BIGINT, reason VARCHAR", NULL, 0);
    route_data d = {strom_output_tag_new(env, "multiples-of-3", side)};
    CHECK(d.tag);
    strom_process_def def = {.process = route, .data = &d};
    strom_stream *p = strom_process(strom_from_generator(env, s, (uint64_t)n, gen_kv, NULL), &def);
    strom_results *main_r = strom_collect(p);
    strom_results *side_r = strom_collect(strom_side_output(p, d.tag));
    CHECK_INT(run(env), STROM_OK);
    int64_t want_side = (n + 2) / 3;
    CHECK_INT(strom_results_count(main_r), n - want_side);
    CHECK_INT(strom_results_count(side_r), want_side);
    for (size_t i = 0; i < strom_results_count(main_r); i++)
      CHECK(strom_row_get_bigint(strom_results_row(main_r, i), 0) % 3 != 0);
    int64_t sum = 0;
    for (size_t i = 0; i < strom_results_count(side_r); i++) {
      const strom_row *row = strom_results_row(side_r, i);
      size_t len;
      const char *why = strom_row_get_str(row, 1, &len);
      CHECK(len == 4 && !memcmp(why, "div3", 4));
      CHECK(strom_row_get_bigint(row, 0) % 3 == 0);
      sum += strom_row_get_bigint(row, 0);
    }
    CHECK_INT(sum, 3 * (want_side - 1) * want_side / 2);
    strom_schema_free(s);
    strom_schema_free(side);
    strom_env_free(env);
  }
}

/* Like route but the main output is consumed after a hop and the side output at a
 * lower parallelism: counts must still be exact. */
TEST(side_output_consumed_across_channels) {
  const int64_t n = 20000;
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 3});
  strom_schema *s = kv_schema(), *side = strom_schema_parse("k BIGINT, reason VARCHAR", NULL, 0);
  route_data d = {strom_output_tag_new(env, "m3", side)};
  strom_process_def def = {.process = route, .data = &d};
  strom_stream *p = strom_process(strom_rebalance(strom_from_generator(env, s, (uint64_t)n, gen_kv, NULL)), &def);
  strom_results *main_r = strom_collect(strom_set_parallelism(strom_rebalance(p), 2));
  strom_results *side_r = strom_collect(strom_set_parallelism(strom_side_output(p, d.tag), 1));
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(strom_results_count(main_r) + strom_results_count(side_r), n);
  CHECK_INT(strom_results_count(side_r), (n + 2) / 3);
  strom_schema_free(s);
  strom_schema_free(side);
  strom_env_free(env);
}

/* ---- two inputs ---- */

typedef struct co_data {
  atomic_int opens, finishes, closes, mismatches;
  atomic_int finish_by_subtask[8];
  atomic_long per_input[2];
} co_data;

typedef struct co_local {
  long processed;
} co_local;

static int co_open(strom_ctx *ctx) {
  co_data *d = strom_ctx_data(ctx);
  atomic_fetch_add(&d->opens, 1);
  co_local *l = calloc(1, sizeof *l);
  strom_ctx_set_local(ctx, l);
  return l ? STROM_OK : STROM_ENOMEM;
}

static int co_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  co_data *d = strom_ctx_data(ctx);
  co_local *l = strom_ctx_local(ctx);
  size_t len;
  const char *tag = strom_row_get_str(in, 1, &len);
  bool from_a = len == 1 && tag[0] == 'a';
  if (input < 0 || input > 1 || (input == 0) != from_a) atomic_fetch_add(&d->mismatches, 1);
  else atomic_fetch_add(&d->per_input[input], 1);
  l->processed++;
  strom_row *r = strom_out_row(out);
  strom_row_set_int(r, 0, input);
  strom_row_set_bigint(r, 1, strom_row_get_bigint(in, 0));
  return strom_out_emit(out, r);
}

static int co_finish(strom_ctx *ctx, strom_out *out) {
  co_data *d = strom_ctx_data(ctx);
  co_local *l = strom_ctx_local(ctx);
  atomic_fetch_add(&d->finishes, 1);
  atomic_fetch_add(&d->finish_by_subtask[strom_ctx_subtask(ctx)], 1);
  strom_row *r = strom_out_row(out); /* a summary row: (-1, rows this subtask saw) */
  strom_row_set_int(r, 0, -1);
  strom_row_set_bigint(r, 1, l->processed);
  return strom_out_emit(out, r);
}

static void co_close(strom_ctx *ctx) {
  co_data *d = strom_ctx_data(ctx);
  atomic_fetch_add(&d->closes, 1);
  free(strom_ctx_local(ctx));
}

static int gen_tagged(strom_ctx *ctx, uint64_t i, strom_row *out) {
  const char *tag = strom_ctx_data(ctx);
  strom_row_set_bigint(out, 0, (int64_t)i);
  strom_row_set_str(out, 1, tag, 1);
  return 1;
}

TEST(co_process_sees_inputs_and_finishes_once_per_subtask) {
  for (int par = 1; par <= 3; par += 2) {
    co_data d = {0};
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *in = strom_schema_parse("n BIGINT, tag VARCHAR", NULL, 0);
    strom_schema *out = strom_schema_parse("input INT, n BIGINT", NULL, 0);
    /* Input 0 from a parallel generator, input 1 from a collection (parallelism 1). */
    strom_stream *a = strom_from_generator(env, in, 7000, gen_tagged, "a");
    strom_row *rows[500];
    for (int i = 0; i < 500; i++) {
      rows[i] = strom_row_new(in);
      strom_row_set_bigint(rows[i], 0, i);
      strom_row_set_str(rows[i], 1, "b", 1);
    }
    strom_stream *b = strom_from_rows(env, in, (const strom_row *const *)rows, 500);
    for (int i = 0; i < 500; i++) strom_row_free(rows[i]);
    strom_process_def def = {.open = co_open, .process = co_process, .finish = co_finish, .close = co_close,
                             .data = &d, .out_schema = out};
    strom_results *r = strom_collect(strom_co_process(a, b, &def));
    CHECK_INT(run(env), STROM_OK);
    CHECK_INT(atomic_load(&d.mismatches), 0);
    CHECK_INT(atomic_load(&d.per_input[0]), 7000);
    CHECK_INT(atomic_load(&d.per_input[1]), 500);
    CHECK_INT(atomic_load(&d.opens), par);
    CHECK_INT(atomic_load(&d.finishes), par);
    CHECK_INT(atomic_load(&d.closes), par);
    for (int s = 0; s < par; s++) CHECK_INT(atomic_load(&d.finish_by_subtask[s]), 1);
    /* Output: every record once with its input, plus one summary per subtask. */
    CHECK_INT(strom_results_count(r), 7500 + par);
    long summed = 0, ins[2] = {0, 0}, summaries = 0;
    for (size_t i = 0; i < strom_results_count(r); i++) {
      const strom_row *row = strom_results_row(r, i);
      int input = strom_row_get_int(row, 0);
      if (input < 0) summaries++, summed += strom_row_get_bigint(row, 1);
      else ins[input]++;
    }
    CHECK_INT(summaries, par);
    CHECK_INT(summed, 7500);
    CHECK_INT(ins[0], 7000);
    CHECK_INT(ins[1], 500);
    strom_schema_free(in);
    strom_schema_free(out);
    strom_env_free(env);
  }
}

/* ---- partitioning ---- */

#define NMAX 20000
typedef struct seen_data {
  atomic_int seen[4][NMAX];
  atomic_int per_subtask[8];
  atomic_int bad_parallelism;
  int want_par;
} seen_data;

/* Records which subtask saw each key. */
static int record_subtask(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  seen_data *d = strom_ctx_data(ctx);
  int s = strom_ctx_subtask(ctx);
  int64_t k = strom_row_get_bigint(in, 0);
  if (strom_ctx_parallelism(ctx) != d->want_par) atomic_fetch_add(&d->bad_parallelism, 1);
  if (k >= 0 && k < NMAX && s < 4) atomic_fetch_add(&d->seen[s][k], 1);
  atomic_fetch_add(&d->per_subtask[s], 1);
  strom_row_copy(out, in);
  return 0;
}

TEST(broadcast_reaches_every_subtask) {
  const int n = 5000;
  for (int src_par = 1; src_par <= 2; src_par++) {
    seen_data *d = calloc(1, sizeof *d);
    d->want_par = 3;
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 3});
    strom_schema *s = kv_schema();
    strom_stream *src = strom_set_parallelism(strom_from_generator(env, s, (uint64_t)n, gen_kv, NULL), src_par);
    strom_results *r = strom_collect(strom_map(strom_broadcast(src), NULL, record_subtask, d));
    CHECK_INT(run(env), STROM_OK);
    CHECK_INT(strom_results_count(r), 3 * n);
    CHECK_INT(check_keys(r, 0, n, 3), 0);
    int bad = 0;
    for (int sub = 0; sub < 3; sub++)
      for (int k = 0; k < n; k++) bad += atomic_load(&d->seen[sub][k]) != 1;
    CHECK_INT(bad, 0);
    CHECK_INT(atomic_load(&d->bad_parallelism), 0);
    strom_schema_free(s);
    strom_env_free(env);
    free(d);
  }
}

TEST(rebalance_spreads_round_robin) {
  const int n = 20000;
  seen_data *d = calloc(1, sizeof *d);
  d->want_par = 4;
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  strom_schema *s = kv_schema();
  strom_stream *src = strom_from_generator(env, s, (uint64_t)n, gen_kv, NULL);
  strom_results *r = strom_collect(strom_set_parallelism(strom_map(strom_rebalance(src), NULL, record_subtask, d), 4));
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(check_keys(r, 0, n, 1), 0);
  /* One producer: strict round robin, so exactly n/4 each, key k on subtask k % 4. */
  for (int sub = 0; sub < 4; sub++) CHECK_INT(atomic_load(&d->per_subtask[sub]), n / 4);
  int bad = 0;
  for (int k = 0; k < n; k++) bad += atomic_load(&d->seen[k % 4][k]) != 1;
  CHECK_INT(bad, 0);
  CHECK_INT(atomic_load(&d->bad_parallelism), 0);
  strom_schema_free(s);
  strom_env_free(env);
  free(d);
}

TEST(default_partitioning_between_unequal_parallelism_rebalances) {
  const int n = 12000;
  seen_data *d = calloc(1, sizeof *d);
  d->want_par = 3;
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 3});
  strom_schema *s = kv_schema();
  strom_stream *src = strom_set_parallelism(strom_from_generator(env, s, (uint64_t)n, gen_kv, NULL), 1);
  strom_results *r = strom_collect(strom_map(src, NULL, record_subtask, d));
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(check_keys(r, 0, n, 1), 0);
  for (int sub = 0; sub < 3; sub++) CHECK_INT(atomic_load(&d->per_subtask[sub]), n / 3);
  strom_schema_free(s);
  strom_env_free(env);
  free(d);
}

TEST(forward_with_unequal_parallelism_is_refused) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_schema *s = kv_schema();
  strom_stream *src = strom_from_generator(env, s, 100, gen_kv, NULL);
  strom_discard(strom_set_parallelism(strom_set_name(strom_map(strom_forward(src), NULL, record_subtask, NULL), "Three"), 3));
  CHECK_INT(strom_execute(env, "fwd"), STROM_EINVAL);
  CHECK_STR(strom_env_errmsg(env), "forward partitioning needs equal parallelism: Generator Source (2) -> Three (3)");
  strom_schema_free(s);
  strom_env_free(env);
}

TEST(non_parallel_sources_refuse_parallelism) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 4});
  strom_schema *s = kv_schema();
  strom_row *row = strom_row_new(s);
  strom_row_set_bigint(row, 0, 1);
  strom_row_set_str(row, 1, "v1", 2);
  strom_stream *src = strom_from_rows(env, s, (const strom_row *const *)&row, 1);
  CHECK(src);
  CHECK(strom_set_parallelism(src, 1) == src); /* 1 is fine */
  CHECK(strom_set_parallelism(src, 2) == NULL);
  CHECK_INT(strom_execute(env, "rows"), STROM_EINVAL);
  CHECK_STR(strom_env_errmsg(env), "Collection Source is not a parallel source: its parallelism must be 1");
  strom_env_free(env);
  /* The same for the socket source; and parallelism out of range for anyone. */
  env = strom_env_new(NULL);
  CHECK(strom_set_parallelism(strom_socket_text(env, "127.0.0.1", 9), 3) == NULL);
  CHECK(strstr(strom_env_errmsg(env), "Socket Source is not a parallel source"));
  strom_env_free(env);
  env = strom_env_new(NULL);
  CHECK(strom_set_parallelism(strom_from_generator(env, s, 1, gen_kv, NULL), 0) == NULL);
  CHECK(strstr(strom_env_errmsg(env), "parallelism 0 is not in 1..1024"));
  strom_env_free(env);
  /* At a default parallelism of 4 a collection still runs as one subtask. */
  env = strom_env_new(&(strom_env_opts){.parallelism = 4});
  strom_results *r = strom_collect(strom_from_rows(env, s, (const strom_row *const *)&row, 1));
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(strom_results_count(r), 1);
  strom_env_free(env);
  strom_row_free(row);
  strom_schema_free(s);
}

TEST(duplicate_uid_is_refused) {
  strom_env *env = strom_env_new(NULL);
  strom_schema *s = kv_schema();
  strom_stream *src = strom_set_uid(strom_from_generator(env, s, 10, gen_kv, NULL), "source-1");
  CHECK(src);
  CHECK(strom_set_uid(src, "source-1") == src); /* the same operator again is fine */
  strom_stream *m = strom_set_uid(strom_map(src, NULL, record_subtask, NULL), "map-1");
  CHECK(m);
  strom_stream *m2 = strom_map(m, NULL, record_subtask, NULL);
  CHECK(strom_set_uid(m2, "source-1") == NULL);
  strom_discard(m2);
  CHECK_INT(strom_execute(env, "uid"), STROM_EINVAL);
  CHECK_STR(strom_env_errmsg(env), "uid 'source-1' is used by two operators");
  strom_schema_free(s);
  strom_env_free(env);
}

/* ---- ordering and determinism ---- */

static int copy_row(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_copy(out, in);
  return 0;
}

TEST(from_rows_preserves_order) {
  strom_schema *s = kv_schema();
  const int n = 3000;
  strom_row **rows = malloc(n * sizeof *rows);
  for (int i = 0; i < n; i++) {
    rows[i] = strom_row_new(s);
    int64_t k = (int64_t)((i * 7919) % n); /* not sorted */
    char buf[32];
    int len = snprintf(buf, sizeof buf, "v%lld", (long long)k);
    strom_row_set_bigint(rows[i], 0, k);
    strom_row_set_str(rows[i], 1, buf, (size_t)len);
  }
  for (int hop = 0; hop < 2; hop++) {
    strom_env *env = strom_env_new(NULL);
    strom_stream *src = strom_from_rows(env, s, (const strom_row *const *)rows, (size_t)n);
    /* Chained, then through a channel (rebalance to one subtask keeps FIFO order). */
    strom_stream *m = strom_map(hop ? strom_rebalance(src) : src, NULL, copy_row, NULL);
    strom_results *r = strom_collect(m);
    CHECK_INT(run(env), STROM_OK);
    CHECK_INT(strom_results_count(r), n);
    for (int i = 0; i < n; i++)
      if (strom_row_get_bigint(strom_results_row(r, (size_t)i), 0) != strom_row_get_bigint(rows[i], 0)) {
        fprintf(stderr, "  hop %d: row %d out of order\n", hop, i);
        CHECK(0);
      }
    CHECK_INT(check_keys(r, 0, n, 1), 0);
    strom_env_free(env);
  }
  /* Empty collections are fine. */
  strom_env *env = strom_env_new(NULL);
  strom_results *r = strom_collect(strom_from_rows(env, s, NULL, 0));
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(strom_results_count(r), 0);
  strom_env_free(env);
  for (int i = 0; i < n; i++) strom_row_free(rows[i]);
  free(rows);
  strom_schema_free(s);
}

static atomic_int gen_calls[10007];
static int gen_counted(strom_ctx *ctx, uint64_t i, strom_row *out) {
  if (i < 10007) atomic_fetch_add(&gen_calls[i], 1);
  return gen_kv(ctx, i, out);
}

TEST(generator_slices_identical_at_parallelism_1_to_4) {
  const int n = 10007; /* not divisible by 2, 3 or 4 */
  char *first = NULL;
  for (int par = 1; par <= 4; par++) {
    for (int i = 0; i < n; i++) atomic_store(&gen_calls[i], 0);
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = kv_schema();
    strom_results *r = strom_collect(strom_from_generator(env, s, (uint64_t)n, gen_counted, NULL));
    CHECK_INT(run(env), STROM_OK);
    CHECK_INT(check_keys(r, 0, n, 1), 0);
    int bad = 0;
    for (int i = 0; i < n; i++) bad += atomic_load(&gen_calls[i]) != 1;
    CHECK_INT(bad, 0);
    strom_results_sort(r);
    strom_buf b = {0};
    for (size_t i = 0; i < strom_results_count(r); i++) {
      char line[64];
      strom_row_format(strom_results_row(r, i), line, sizeof line);
      strom__buf_printf(&b, "%s\n", line);
    }
    if (!first) first = b.p;
    else {
      CHECK_STR(b.p, first);
      strom__buf_free(&b);
    }
    strom_schema_free(s);
    strom_env_free(env);
  }
  free(first);
}

static int gen_until_1000(strom_ctx *ctx, uint64_t i, strom_row *out) {
  if (i >= 1000) return 0;
  return gen_kv(ctx, i, out);
}

TEST(unbounded_generator_ends_when_function_says_so) {
  for (int par = 1; par <= 3; par++) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = kv_schema();
    strom_results *r = strom_collect(strom_from_generator(env, s, STROM_UNBOUNDED, gen_until_1000, NULL));
    CHECK_INT(run(env), STROM_OK);
    CHECK_INT(check_keys(r, 0, 1000, 1), 0);
    strom_schema_free(s);
    strom_env_free(env);
  }
}

/* ---- chaining ---- */

typedef struct chain_data {
  pthread_t map_thread[4], filter_thread[4];
} chain_data;

static int chain_map(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  chain_data *d = strom_ctx_data(ctx);
  d->map_thread[strom_ctx_subtask(ctx)] = pthread_self();
  strom_row_set_bigint(out, 0, strom_row_get_bigint(in, 0) * 2);
  size_t len;
  const char *v = strom_row_get_str(in, 1, &len);
  strom_row_set_str_ref(out, 1, v, len);
  return 0;
}

static int chain_filter(strom_ctx *ctx, const strom_row *in) {
  chain_data *d = strom_ctx_data(ctx);
  d->filter_thread[strom_ctx_subtask(ctx)] = pthread_self();
  return strom_row_get_bigint(in, 0) % 3 != 0;
}

TEST(chained_and_unchained_pipelines_agree) {
  char *texts[2] = {NULL, NULL};
  for (int split = 0; split < 2; split++) {
    chain_data d;
    memset(&d, 0, sizeof d);
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
    strom_schema *s = kv_schema();
    strom_stream *m = strom_map(strom_from_generator(env, s, 30000, gen_kv, NULL), NULL, chain_map, &d);
    strom_stream *f = strom_filter(m, chain_filter, &d);
    if (split) CHECK(strom_start_new_chain(f) == f);
    strom_results *r = strom_collect(f);
    CHECK_INT(run(env), STROM_OK);
    CHECK_INT(strom_results_count(r), 20000);
    /* Chained operators run on one thread; a new chain is another task. */
    for (int sub = 0; sub < 2; sub++) {
      bool same = pthread_equal(d.map_thread[sub], d.filter_thread[sub]);
      CHECK(same == !split);
    }
    strom_results_sort(r);
    strom_buf b = {0};
    for (size_t i = 0; i < strom_results_count(r); i++) {
      char line[64];
      strom_row_format(strom_results_row(r, i), line, sizeof line);
      strom__buf_printf(&b, "%s\n", line);
    }
    texts[split] = b.p;
    strom_schema_free(s);
    strom_env_free(env);
  }
  CHECK_STR(texts[0], texts[1]);
  free(texts[0]);
  free(texts[1]);
}

/* ---- event timestamps ---- */

static int gen_timed(strom_ctx *ctx, uint64_t i, strom_row *out) {
  gen_kv(ctx, i, out);
  if (i % 2 == 0) strom_row_set_time(out, (int64_t)i * 10 - 5000);
  return 1;
}

static atomic_int time_mismatch, time_checked;

static int check_time(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  (void)ctx;
  int64_t k = strom_row_get_bigint(in, 0);
  int64_t want = k % 2 == 0 ? k * 10 - 5000 : STROM_NO_TIMESTAMP;
  if (strom_row_time(in) != want) atomic_fetch_add(&time_mismatch, 1);
  atomic_fetch_add(&time_checked, 1);
  strom_row_copy(out, in);
  return 0;
}

TEST(row_timestamps_survive_a_channel_hop) {
  const int n = 10000;
  atomic_store(&time_mismatch, 0);
  atomic_store(&time_checked, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_schema *s = kv_schema();
  strom_stream *src = strom_from_generator(env, s, (uint64_t)n, gen_timed, NULL);
  strom_stream *m = strom_map(strom_rebalance(src), NULL, check_time, NULL);
  /* And a second hop after the map, whose output keeps the input's time. */
  strom_stream *m2 = strom_set_parallelism(strom_map(strom_rebalance(m), NULL, check_time, NULL), 3);
  strom_results *r = strom_collect(m2);
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(atomic_load(&time_checked), 2 * n);
  CHECK_INT(atomic_load(&time_mismatch), 0);
  CHECK_INT(strom_results_count(r), n);
  int bad = 0;
  for (size_t i = 0; i < strom_results_count(r); i++) {
    const strom_row *row = strom_results_row(r, i);
    int64_t k = strom_row_get_bigint(row, 0);
    bad += strom_row_time(row) != (k % 2 == 0 ? k * 10 - 5000 : STROM_NO_TIMESTAMP);
  }
  CHECK_INT(bad, 0);
  strom_schema_free(s);
  strom_env_free(env);
}

/* ---- row kinds (changelog) ---- */

/* Row i has kind i % 4 and, for odd i, a timestamp: all four record tags carry kinds. */
static int gen_kinded(strom_ctx *ctx, uint64_t i, strom_row *out) {
  gen_kv(ctx, i, out);
  strom_row_set_kind(out, (strom_row_kind)(i % 4));
  if (i % 2) strom_row_set_time(out, (int64_t)i);
  return 1;
}

static int upper_value(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(in, 0));
  strom_row_set_str(out, 1, "x", 1);
  return 0;
}

/* strom_row_copy copies the kind too. */
static int copy_kinded(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)ctx;
  (void)input;
  strom_row *o = strom_out_row(out);
  strom_row_copy(o, in);
  return strom_out_emit(out, o);
}

TEST(row_kinds_travel_through_chains_hash_and_rebalance_edges) {
  const int n = 4000;
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_schema *s = kv_schema();
  strom_stream *src = strom_from_generator(env, s, (uint64_t)n, gen_kinded, NULL);
  /* Hash edge (RECORD_H / RECORD_TS_H), then a map that builds a new row (it keeps the
   * input's kind), then a rebalance edge (RECORD / RECORD_TS) at another parallelism. */
  strom_stream *copied = strom_keyed_process(strom_key_by(src, "k"), &(strom_process_def){.process = copy_kinded});
  strom_stream *mapped = strom_map(copied, NULL, upper_value, NULL);
  strom_results *r = strom_collect(strom_set_parallelism(strom_map(strom_rebalance(mapped), NULL, upper_value, NULL), 3));
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(strom_results_count(r), n);
  int bad = 0, kinds[4] = {0};
  for (size_t i = 0; i < strom_results_count(r); i++) {
    const strom_row *row = strom_results_row(r, i);
    int64_t k = strom_row_get_bigint(row, 0);
    strom_row_kind kind = strom_row_get_kind(row);
    bad += kind != (strom_row_kind)(k % 4) || strom_row_time(row) != (k % 2 ? k : STROM_NO_TIMESTAMP);
    kinds[kind & 3]++;
    char text[64];
    strom_row_format(row, text, sizeof text);
    bad += strncmp(text, strom_row_kind_str(kind), 2) != 0 || text[2] != '[';
  }
  CHECK_INT(bad, 0);
  for (int k = 0; k < 4; k++) CHECK_INT(kinds[k], n / 4);
  CHECK_STR(strom_row_kind_str(STROM_UPDATE_BEFORE), "-U");
  CHECK_STR(strom_row_kind_str(STROM_DELETE), "-D");
  strom_schema_free(s);
  strom_env_free(env);
}

/* ---- fan-out, large records, keys ---- */

TEST(one_stream_feeds_several_consumers) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_schema *s = kv_schema();
  strom_stream *src = strom_from_generator(env, s, 6000, gen_kv, NULL);
  strom_results *a = strom_collect(src);                                       /* chained */
  strom_results *b = strom_collect(strom_set_parallelism(strom_rebalance(src), 3)); /* channel */
  strom_results *c = strom_collect(strom_map(src, NULL, copy_row, NULL));      /* chained map */
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(check_keys(a, 0, 6000, 1), 0);
  CHECK_INT(check_keys(b, 0, 6000, 1), 0);
  CHECK_INT(check_keys(c, 0, 6000, 1), 0);
  strom_schema_free(s);
  strom_env_free(env);
}

static int gen_big(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  /* Every 7th record is larger than a network buffer (4 KiB here). */
  size_t len = i % 7 == 0 ? 20000 + (size_t)i * 13 : (size_t)(i % 50);
  char *p = malloc(len + 1);
  for (size_t k = 0; k < len; k++) p[k] = (char)('a' + (i + k) % 26);
  strom_row_set_bigint(out, 0, (int64_t)i);
  int rc = strom_row_set_str(out, 1, p, len);
  free(p);
  return rc ? rc : 1;
}

static int check_big(strom_results *r, int n, int times) {
  int bad = 0, *seen = calloc((size_t)n, sizeof(int));
  for (size_t i = 0; i < strom_results_count(r); i++) {
    const strom_row *row = strom_results_row(r, i);
    int64_t k = strom_row_get_bigint(row, 0);
    if (k < 0 || k >= n) {
      bad++;
      continue;
    }
    seen[k]++;
    size_t want = k % 7 == 0 ? 20000 + (size_t)k * 13 : (size_t)(k % 50), len;
    const char *v = strom_row_get_str(row, 1, &len);
    if (len != want) bad++;
    else
      for (size_t j = 0; j < len; j++)
        if (v[j] != (char)('a' + (k + (int64_t)j) % 26)) {
          bad++;
          break;
        }
  }
  for (int k = 0; k < n; k++) bad += seen[k] != times;
  free(seen);
  return bad;
}

TEST(records_larger_than_a_buffer_cross_channels) {
  const int n = 700;
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .buffer_size = 4096, .buffers_per_channel = 2});
  strom_schema *s = kv_schema();
  strom_stream *src = strom_from_generator(env, s, (uint64_t)n, gen_big, NULL);
  strom_results *reb = strom_collect(strom_set_parallelism(strom_rebalance(src), 3));
  strom_results *bc = strom_collect(strom_broadcast(src));
  strom_results *two_hops = strom_collect(strom_map(strom_rebalance(strom_map(src, NULL, copy_row, NULL)), NULL, copy_row, NULL));
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(check_big(reb, n, 1), 0);
  CHECK_INT(check_big(bc, n, 2), 0);
  CHECK_INT(check_big(two_hops, n, 1), 0);
  strom_schema_free(s);
  strom_env_free(env);
}

static int gen_dkey(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  /* Keys: (0.0 or -0.0, "x"), (NULL, "x"), (1.5, NULL); every third record each. */
  switch (i % 3) {
    case 0: strom_row_set_double(out, 0, i % 2 ? -0.0 : 0.0), strom_row_set_str(out, 1, "x", 1); break;
    case 1: strom_row_set_null(out, 0), strom_row_set_str(out, 1, "x", 1); break;
    default: strom_row_set_double(out, 0, 1.5), strom_row_set_null(out, 1); break;
  }
  strom_row_set_bigint(out, 2, 1);
  return 1;
}

static int sum_n(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_copy(out, acc);
  strom_row_set_bigint(out, 2, strom_row_get_bigint(acc, 2) + strom_row_get_bigint(in, 2));
  return 0;
}

TEST(keys_with_negative_zero_and_nulls_group_together) {
  const int n = 3000;
  for (int par = 1; par <= 3; par += 2) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_schema_parse("d DOUBLE, t VARCHAR, n BIGINT", NULL, 0);
    strom_stream *src = strom_from_generator(env, s, (uint64_t)n, gen_dkey, NULL);
    strom_results *r = strom_collect(strom_reduce(strom_key_by(src, "d, t"), sum_n, NULL));
    CHECK_INT(run(env), STROM_OK);
    CHECK_INT(strom_results_count(r), n);
    /* Exactly three keys, each reaching n/3: the running sums 1..n/3 appear once each. */
    long max[3] = {0, 0, 0}, total = 0;
    for (size_t i = 0; i < strom_results_count(r); i++) {
      const strom_row *row = strom_results_row(r, i);
      int key = strom_row_is_null(row, 0) ? 1 : strom_row_is_null(row, 1) ? 2 : 0;
      long v = (long)strom_row_get_bigint(row, 2);
      if (v > max[key]) max[key] = v;
      total += v;
    }
    for (int k = 0; k < 3; k++) CHECK_INT(max[k], n / 3);
    CHECK_INT(total, 3L * (n / 3) * (n / 3 + 1) / 2);
    strom_schema_free(s);
    strom_env_free(env);
  }
}

static atomic_int self_inputs[2];
static int count_inputs(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)ctx;
  atomic_fetch_add(&self_inputs[input & 1], 1);
  return strom_out_emit(out, in);
}

TEST(co_process_of_a_stream_with_itself) {
  atomic_store(&self_inputs[0], 0);
  atomic_store(&self_inputs[1], 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_schema *s = kv_schema();
  strom_stream *a = strom_from_generator(env, s, 4000, gen_kv, NULL);
  strom_results *r = strom_collect(strom_co_process(a, a, &(strom_process_def){.process = count_inputs}));
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(atomic_load(&self_inputs[0]), 4000);
  CHECK_INT(atomic_load(&self_inputs[1]), 4000);
  CHECK_INT(check_keys(r, 0, 4000, 2), 0);
  strom_schema_free(s);
  strom_env_free(env);
}

static int gen_nothing(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  (void)i;
  (void)out;
  return 1;
}

TEST(rows_without_columns_cross_channels) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_schema *s = strom_schema_new();
  strom_stream *src = strom_from_generator(env, s, 5000, gen_nothing, NULL);
  strom_results *r = strom_collect(strom_set_parallelism(strom_rebalance(src), 3));
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(strom_results_count(r), 5000);
  char text[16];
  strom_row_format(strom_results_row(r, 0), text, sizeof text);
  CHECK_STR(text, "+I[]");
  strom_schema_free(s);
  strom_env_free(env);
}

/* ---- environment ---- */

TEST(execute_twice_and_options) {
  strom_env *env = strom_env_new(NULL);
  strom_schema *s = kv_schema();
  strom_discard(strom_from_generator(env, s, 10, gen_kv, NULL));
  CHECK_INT(strom_execute(env, "once"), STROM_OK);
  CHECK_INT(strom_execute(env, "twice"), STROM_ESTATE);
  CHECK(strstr(strom_env_errmsg(env), "already executed"));
  strom_env_free(env);
  env = strom_env_new(NULL);
  CHECK_INT(strom_env_set(env, "parallelism.default", "3"), STROM_OK);
  CHECK_INT(strom_env_set(env, "execution.buffer-timeout", "5 ms"), STROM_OK);
  CHECK_INT(strom_env_set(env, "taskmanager.memory.segment-size", "4kb"), STROM_OK);
  CHECK_INT(strom_env_set(env, "taskmanager.network.memory.buffers-per-channel", "2"), STROM_OK);
  CHECK_INT(strom_env_set(env, "pipeline.max-parallelism", "7"), STROM_OK);
  seen_data *d = calloc(1, sizeof *d);
  d->want_par = 3;
  strom_results *r = strom_collect(strom_map(strom_rebalance(strom_from_generator(env, s, 9000, gen_kv, NULL)), NULL,
                                             record_subtask, d));
  CHECK_INT(run(env), STROM_OK);
  CHECK_INT(check_keys(r, 0, 9000, 1), 0);
  CHECK_INT(atomic_load(&d->bad_parallelism), 0);
  free(d);
  strom_env_free(env);
  env = strom_env_new(NULL);
  CHECK_INT(strom_env_set(env, "taskmanager.memory.segment-size", "lots"), STROM_EINVAL);
  CHECK_STR(strom_env_errmsg(env), "option 'taskmanager.memory.segment-size': invalid value 'lots'");
  strom_env_free(env);
  strom_schema_free(s);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(union_of_two_sources);
  RUN(row_kinds_travel_through_chains_hash_and_rebalance_edges);
  RUN(union_of_a_stream_with_itself_doubles_it);
  RUN(union_refuses_different_schemas);
  RUN(side_outputs_route_rows_exactly);
  RUN(side_output_consumed_across_channels);
  RUN(co_process_sees_inputs_and_finishes_once_per_subtask);
  RUN(broadcast_reaches_every_subtask);
  RUN(rebalance_spreads_round_robin);
  RUN(default_partitioning_between_unequal_parallelism_rebalances);
  RUN(forward_with_unequal_parallelism_is_refused);
  RUN(non_parallel_sources_refuse_parallelism);
  RUN(duplicate_uid_is_refused);
  RUN(from_rows_preserves_order);
  RUN(generator_slices_identical_at_parallelism_1_to_4);
  RUN(unbounded_generator_ends_when_function_says_so);
  RUN(chained_and_unchained_pipelines_agree);
  RUN(row_timestamps_survive_a_channel_hop);
  RUN(one_stream_feeds_several_consumers);
  RUN(records_larger_than_a_buffer_cross_channels);
  RUN(keys_with_negative_zero_and_nulls_group_together);
  RUN(co_process_of_a_stream_with_itself);
  RUN(rows_without_columns_cross_channels);
  RUN(execute_twice_and_options);
  TEST_MAIN_END();
}
