/*
 * test_runtime.c -- the dataflow runtime end to end through the DataStream API:
 * word count over a file at several parallelisms, keyed reduce, chaining and
 * channels, union, side outputs, two inputs, and failure reporting.
 */
#include <ctype.h>
#include <unistd.h>

#include "test.h"

/* ---- helpers ---- */

static char *write_temp(const char *content) {
  static char path[64];
  snprintf(path, sizeof path, "/tmp/strom-test-XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0) return NULL;
  size_t n = strlen(content);
  if (write(fd, content, n) != (ssize_t)n) return NULL;
  close(fd);
  return path;
}

static int split(strom_ctx *ctx, const strom_row *in, strom_out *out) {
  (void)ctx;
  size_t n;
  const char *s = strom_row_get_str(in, 0, &n);
  for (size_t i = 0; i < n;) {
    while (i < n && !isalpha((unsigned char)s[i])) i++;
    size_t b = i;
    while (i < n && isalpha((unsigned char)s[i])) i++;
    if (i == b) continue;
    strom_row *r = strom_out_row(out);
    strom_row_set_str(r, 0, s + b, i - b);
    strom_row_set_bigint(r, 1, 1);
    int rc = strom_out_emit(out, r);
    if (rc) return rc;
  }
  return 0;
}

static int sum_count(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_copy(out, acc);
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + strom_row_get_bigint(in, 1));
  return 0;
}

/* The final count of word in results: the highest count emitted for it. */
static long long final_count(strom_results *r, const char *word) {
  long long best = 0;
  for (size_t i = 0; i < strom_results_count(r); i++) {
    const strom_row *row = strom_results_row(r, i);
    size_t n;
    const char *w = strom_row_get_str(row, 0, &n);
    if (n == strlen(word) && !memcmp(w, word, n) && strom_row_get_bigint(row, 1) > best)
      best = strom_row_get_bigint(row, 1);
  }
  return best;
}

/* ---- word count ---- */

static void wordcount_at(int par, const char *path, strom_results **out, strom_env **envp) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
  strom_schema *wc = strom_schema_parse("word VARCHAR, cnt BIGINT", NULL, 0);
  strom_stream *words = strom_flat_map(strom_read_text(env, path), wc, split, NULL);
  *out = strom_collect(strom_reduce(strom_key_by(words, "word"), sum_count, NULL));
  strom_schema_free(wc);
  *envp = env;
}

TEST(wordcount_exact_at_parallelism_1_2_4) {
  /* 2000 lines; word k appears in line i when i % (k+1) == 0, so its count is known. */
  static const char *words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"};
  size_t cap = 1 << 20, len = 0;
  char *text = malloc(cap);
  long long expect[7] = {0};
  for (int i = 0; i < 2000; i++) {
    for (int k = 0; k < 7; k++)
      if (i % (k + 1) == 0) {
        len += (size_t)snprintf(text + len, cap - len, "%s%s", words[k], k % 2 ? ", " : " ");
        expect[k]++;
      }
    text[len++] = '\n';
  }
  text[len] = 0;
  char *path = write_temp(text);
  free(text);
  CHECK(path);
  for (int par = 1; par <= 4; par *= 2) {
    strom_env *env;
    strom_results *r;
    wordcount_at(par, path, &r, &env);
    int rc = strom_execute(env, "wc");
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    long long total = 0;
    for (int k = 0; k < 7; k++) {
      CHECK_INT(final_count(r, words[k]), expect[k]);
      total += expect[k];
    }
    /* One update per word occurrence. */
    CHECK_INT(strom_results_count(r), total);
    strom_env_free(env);
  }
  unlink(path);
}

/* ---- keyed reduce over generated rows ---- */

static int gen_kv(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, (int64_t)(i * 7919 % 1000));
  strom_row_set_bigint(out, 1, (int64_t)i);
  return 1;
}

static int sum_v(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(in, 0));
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + strom_row_get_bigint(in, 1));
  return 0;
}

TEST(keyed_reduce_same_at_every_parallelism) {
  const uint64_t n = 200000;
  long long expect[1000] = {0};
  for (uint64_t i = 0; i < n; i++) expect[i * 7919 % 1000] += (long long)i;
  for (int par = 1; par <= 4; par++) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_schema_parse("k BIGINT, v BIGINT", NULL, 0);
    strom_stream *src = strom_from_generator(env, s, n, gen_kv, NULL);
    strom_results *r = strom_collect(strom_reduce(strom_key_by(src, "k"), sum_v, NULL));
    CHECK_INT(strom_execute(env, "sum"), STROM_OK);
    CHECK_INT(strom_results_count(r), n);
    long long got[1000] = {0};
    for (size_t i = 0; i < strom_results_count(r); i++) {
      const strom_row *row = strom_results_row(r, i);
      int64_t k = strom_row_get_bigint(row, 0), v = strom_row_get_bigint(row, 1);
      CHECK(k >= 0 && k < 1000);
      if (v > got[k]) got[k] = v;
    }
    for (int k = 0; k < 1000; k++) CHECK_INT(got[k], expect[k]);
    strom_schema_free(s);
    strom_env_free(env);
  }
}

/* ---- failures ---- */

static int fail_at_500(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  int64_t v = strom_row_get_bigint(in, 1);
  if (v == 500) return strom_ctx_fail(ctx, "price %lld is not allowed", (long long)v);
  strom_row_copy(out, in);
  return 0;
}

TEST(failing_user_function_fails_job_with_its_message) {
  for (int par = 1; par <= 3; par += 2) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_schema_parse("k BIGINT, v BIGINT", NULL, 0);
    strom_stream *m = strom_set_name(strom_map(strom_from_generator(env, s, 100000, gen_kv, NULL), NULL, fail_at_500, NULL), "Checker");
    strom_discard(strom_key_by(m, "k") ? strom_reduce(strom_key_by(m, "k"), sum_v, NULL) : NULL);
    int rc = strom_execute(env, "fails");
    CHECK_INT(rc, STROM_EUSER);
    const char *msg = strom_env_errmsg(env);
    CHECK(strstr(msg, "Checker (subtask 1/"));
    CHECK(strstr(msg, "price 500 is not allowed"));
    strom_schema_free(s);
    strom_env_free(env);
  }
}

TEST(build_errors_are_reported_by_execute) {
  strom_env *env = strom_env_new(NULL);
  strom_schema *s = strom_schema_parse("k BIGINT, v BIGINT", NULL, 0);
  strom_stream *src = strom_from_generator(env, s, 10, gen_kv, NULL);
  CHECK(strom_key_by(src, "nope") == NULL);
  CHECK(strom_reduce(NULL, sum_v, NULL) == NULL);
  CHECK_INT(strom_execute(env, "bad"), STROM_EINVAL);
  CHECK(strstr(strom_env_errmsg(env), "no column 'nope'"));
  strom_schema_free(s);
  strom_env_free(env);
  env = strom_env_new(NULL);
  CHECK_INT(strom_env_set(env, "parallelism.default", "zero"), STROM_EINVAL);
  CHECK_INT(strom_env_set(env, "no.such.key", "1"), STROM_EINVAL);
  strom_env_free(env);
}

TEST(duplicate_columns_and_too_few_key_groups_are_refused) {
  char err[128];
  CHECK(!strom_schema_parse("a BIGINT, b INT, A VARCHAR", err, sizeof err));
  CHECK(strstr(err, "duplicate column name at offset 17"));
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 8, .max_parallelism = 4});
  strom_schema *s = strom_schema_parse("k BIGINT, v BIGINT", NULL, 0);
  strom_discard(strom_reduce(strom_key_by(strom_from_generator(env, s, 10, gen_kv, NULL), "k"), sum_v, NULL));
  CHECK_INT(strom_execute(env, "too few key groups"), STROM_EINVAL);
  CHECK(strstr(strom_env_errmsg(env), "above the max parallelism 4"));
  strom_schema_free(s);
  strom_env_free(env);
}

TEST(job_without_sink_is_refused) {
  strom_env *env = strom_env_new(NULL);
  strom_schema *s = strom_schema_parse("k BIGINT, v BIGINT", NULL, 0);
  strom_from_generator(env, s, 10, gen_kv, NULL);
  CHECK_INT(strom_execute(env, "nosink"), STROM_EINVAL);
  CHECK(strstr(strom_env_errmsg(env), "no sink"));
  strom_schema_free(s);
  strom_env_free(env);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(wordcount_exact_at_parallelism_1_2_4);
  RUN(keyed_reduce_same_at_every_parallelism);
  RUN(failing_user_function_fails_job_with_its_message);
  RUN(build_errors_are_reported_by_execute);
  RUN(duplicate_columns_and_too_few_key_groups_are_refused);
  RUN(job_without_sink_is_refused);
  TEST_MAIN_END();
}
