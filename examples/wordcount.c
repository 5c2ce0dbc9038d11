/*
 * wordcount.c -- the classic: count the words of a text file with the DataStream API.
 *
 *   build/release/examples/wordcount FILE [PARALLELISM]
 *
 * Lines are split into lower-cased words, keyed by word, and summed with a keyed
 * reduce; the final count of each word is printed at the end.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strom.h"

static int tokenize(strom_ctx *ctx, const strom_row *line, strom_out *out) {
  (void)ctx;
  size_t n;
  const char *s = strom_row_get_str(line, 0, &n);
  for (size_t i = 0; i < n;) {
    while (i < n && !isalnum((unsigned char)s[i])) i++;
    size_t start = i;
    char word[128];
    size_t len = 0;
    for (; i < n && isalnum((unsigned char)s[i]); i++)
      if (len < sizeof word) word[len++] = (char)tolower((unsigned char)s[i]);
    if (i == start) continue;
    strom_row *w = strom_out_row(out);
    strom_row_set_str(w, 0, word, len);
    strom_row_set_bigint(w, 1, 1);
    int rc = strom_out_emit(out, w);
    if (rc) return rc;
  }
  return STROM_OK;
}

static int add_counts(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_copy(out, acc);
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + strom_row_get_bigint(in, 1));
  return STROM_OK;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE [PARALLELISM]\n", argv[0]);
    return 2;
  }
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = argc > 2 ? atoi(argv[2]) : 2});
  strom_schema *wc = strom_schema_parse("word VARCHAR, count BIGINT", NULL, 0);
  strom_stream *words = strom_flat_map(strom_read_text(env, argv[1]), wc, tokenize, NULL);
  strom_stream *counts = strom_reduce(strom_key_by(words, "word"), add_counts, NULL);
  strom_results *all = strom_collect(counts);
  int rc = strom_execute(env, "WordCount");
  if (rc) {
    fprintf(stderr, "wordcount: %s\n", strom_env_errmsg(env));
  } else {
    strom_results_sort(all);
    for (size_t i = 0; i < strom_results_count(all); i++) {
      const strom_row *r = strom_results_row(all, i), *next = strom_results_row(all, i + 1);
      size_t n, m = 0;
      const char *w = strom_row_get_str(r, 0, &n), *w2 = next ? strom_row_get_str(next, 0, &m) : NULL;
      /* Sorted by text, a word's updates are adjacent; print each word once, with its maximum. */
      if (next && n == m && !memcmp(w, w2, n)) continue;
      long long best = 0;
      for (size_t j = i + 1; j-- > 0;) {
        const strom_row *q = strom_results_row(all, j);
        size_t l;
        const char *wq = strom_row_get_str(q, 0, &l);
        if (l != n || memcmp(wq, w, n)) break;
        if (strom_row_get_bigint(q, 1) > best) best = strom_row_get_bigint(q, 1);
      }
      printf("%.*s %lld\n", (int)n, w, best);
    }
  }
  strom_schema_free(wc);
  strom_env_free(env);
  return rc ? 1 : 0;
}
