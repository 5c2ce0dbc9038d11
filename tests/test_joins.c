/*
 * test_joins.c -- window joins and interval joins of two keyed streams, against pairs
 * worked out by hand, at parallelism 1 and 3.  The watermarks allow more disorder
 * than the inputs have, so no record is late and the results do not depend on timing.
 */
#include "test.h"

typedef struct ev {
  const char *k;
  int64_t ts, v;
} ev;

static strom_stream *side(strom_env *env, strom_schema *s, const ev *e, size_t n) {
  strom_row **rows = calloc(n, sizeof *rows);
  for (size_t i = 0; i < n; i++) {
    rows[i] = strom_row_new(s);
    strom_row_set_str(rows[i], 0, e[i].k, strlen(e[i].k));
    strom_row_set_bigint(rows[i], 1, e[i].ts);
    strom_row_set_bigint(rows[i], 2, e[i].v);
  }
  strom_stream *st = strom_assign_timestamps(strom_from_rows(env, s, (const strom_row *const *)rows, n),
      &(strom_watermark_strategy){.kind = STROM_WM_BOUNDED, .max_out_of_orderness_ms = 100000, .timestamp_column = "ts"});
  for (size_t i = 0; i < n; i++) strom_row_free(rows[i]);
  free(rows);
  return st;
}

/* (k, left v, right v, output timestamp) */
static int pair(strom_ctx *ctx, const strom_row *l, const strom_row *r, strom_out *out) {
  strom_row *o = strom_out_row(out);
  size_t n;
  const char *k = strom_row_get_str(l, 0, &n);
  strom_row_set_str(o, 0, k, n);
  strom_row_set_bigint(o, 1, strom_row_get_bigint(l, 2));
  strom_row_set_bigint(o, 2, strom_row_get_bigint(r, 2));
  strom_row_set_bigint(o, 3, strom_ctx_timestamp(ctx));
  return strom_out_emit(out, o);
}

static const char *dump(strom_results *r) {
  static char buf[4096];
  strom_results_sort(r);
  size_t len = 0;
  buf[0] = 0;
  for (size_t i = 0; i < strom_results_count(r); i++)
    len += (size_t)strom_row_format(strom_results_row(r, i), buf + len, sizeof buf - len), buf[len++] = '\n', buf[len] = 0;
  return buf;
}

TEST(window_join_pairs_records_of_the_same_key_and_window) {
  /* Tumbling 10 s.  [0,10s): a has left 1 and right 10, 20; b has only a left record.
   * [10s,20s): a has left 2 and right 30; b only a right record; c only a right record. */
  static const ev L[] = {{"a", 1000, 1}, {"a", 12000, 2}, {"b", 3000, 3}};
  static const ev R[] = {{"a", 2000, 10}, {"a", 5000, 20}, {"a", 15000, 30}, {"b", 13000, 40}, {"c", 1000, 50}};
  for (int par = 1; par <= 3; par += 2) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_schema_parse("k VARCHAR, ts BIGINT, v BIGINT", NULL, 0);
    strom_schema *o = strom_schema_parse("k VARCHAR, lv BIGINT, rv BIGINT, t BIGINT", NULL, 0);
    strom_stream *j = strom_window_join(strom_key_by(side(env, s, L, 3), "k"), strom_key_by(side(env, s, R, 5), "k"),
                                        strom_tumbling(10000), pair, o, NULL);
    strom_results *r = strom_collect(j);
    int rc = strom_execute(env, "window join");
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    CHECK_STR(dump(r), "+I[a, 1, 10, 9999]\n+I[a, 1, 20, 9999]\n+I[a, 2, 30, 19999]\n");
    strom_schema_free(s);
    strom_schema_free(o);
    strom_env_free(env);
  }
}

TEST(interval_join_matches_inclusive_bounds) {
  /* between(-2 s, +1 s): left a@5000 matches right a@3000 (lower bound, inclusive) and
   * a@6000 (upper bound, inclusive) but not a@6001; left a@10000 matches a@11000; left
   * b@7000 matches b@5000.  The output time is the later of the two records. */
  static const ev L[] = {{"a", 5000, 1}, {"a", 10000, 2}, {"b", 7000, 3}};
  static const ev R[] = {{"a", 3000, 10}, {"a", 6000, 20}, {"a", 6001, 21}, {"a", 11000, 30}, {"b", 5000, 40}, {"a", 2999, 9}};
  for (int par = 1; par <= 3; par += 2) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_schema_parse("k VARCHAR, ts BIGINT, v BIGINT", NULL, 0);
    strom_schema *o = strom_schema_parse("k VARCHAR, lv BIGINT, rv BIGINT, t BIGINT", NULL, 0);
    strom_stream *j = strom_interval_join(strom_key_by(side(env, s, L, 3), "k"), strom_key_by(side(env, s, R, 6), "k"),
                                          -2000, 1000, pair, o, NULL);
    strom_results *r = strom_collect(j);
    int rc = strom_execute(env, "interval join");
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    CHECK_STR(dump(r), "+I[a, 1, 10, 5000]\n+I[a, 1, 20, 6000]\n+I[a, 2, 30, 11000]\n+I[b, 3, 40, 7000]\n");
    strom_schema_free(s);
    strom_schema_free(o);
    strom_env_free(env);
  }
}

TEST(join_definitions_are_checked) {
  strom_env *env = strom_env_new(NULL);
  strom_schema *s = strom_schema_parse("k VARCHAR, ts BIGINT, v BIGINT", NULL, 0);
  strom_schema *o = strom_schema_parse("k VARCHAR", NULL, 0);
  static const ev L[] = {{"a", 1, 1}};
  CHECK(!strom_interval_join(strom_key_by(side(env, s, L, 1), "k"), strom_key_by(side(env, s, L, 1), "k"), 5, 1, pair, o, NULL));
  CHECK(strstr(strom_env_errmsg(env), "lower bound above upper bound"));
  strom_env_free(env);
  env = strom_env_new(NULL);
  CHECK(!strom_window_join(strom_key_by(side(env, s, L, 1), "k"), strom_key_by(side(env, s, L, 1), "ts"), strom_tumbling(10), pair, o, NULL));
  CHECK(strstr(strom_env_errmsg(env), "key columns differ"));
  strom_env_free(env);
  env = strom_env_new(NULL);
  CHECK(!strom_window_join(strom_key_by(side(env, s, L, 1), "k"), strom_key_by(side(env, s, L, 1), "k"), strom_session(10), pair, o, NULL));
  CHECK(strstr(strom_env_errmsg(env), "not supported"));
  strom_env_free(env);
  strom_schema_free(s);
  strom_schema_free(o);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(window_join_pairs_records_of_the_same_key_and_window);
  RUN(interval_join_matches_inclusive_bounds);
  RUN(join_definitions_are_checked);
  TEST_MAIN_END();
}
