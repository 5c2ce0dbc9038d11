/*
 * test_nexmark_queries.c -- the DataStream Nexmark queries (q0, q1, q2) over a fixed
 * generated input at parallelism 1 and 3, compared with results computed here
 * directly from the event generator, without the engine: same rows, nothing missing,
 * nothing extra.
 */
#include <xxhash.h>

#include "connectors/nexmark.h"
#include "connectors/nexmark_queries.h"
#include "test.h"

enum { EVENTS = 20000 };

typedef struct tuple {
  int64_t f[5];
} tuple;

static int cmp_tuple(const void *a, const void *b) { return memcmp(a, b, sizeof(tuple)); }

static uint64_t str_hash(const char *p, size_t n) { return XXH3_64bits(p, n); }

/* The reference: each query's rows as tuples, from the generator alone. */
static size_t reference(int q, tuple *out) {
  nexmark_config c = {.seed = 7};
  strom__nexmark_defaults(&c);
  static nexmark_event ev;
  size_t n = 0;
  for (uint64_t i = 0; i < EVENTS; i++) {
    strom__nexmark_event(&c, i, &ev);
    if (ev.type != NEXMARK_BID) continue;
    const nexmark_bid *b = &ev.bid;
    tuple t = {{0}};
    if (q == 0) {
      uint64_t h = str_hash(b->channel.p, b->channel.n) ^ (str_hash(b->url.p, b->url.n) * 3) ^ (str_hash(b->extra.p, b->extra.n) * 7);
      t = (tuple){{b->auction, b->bidder, b->price, ev.date_time_ms, (int64_t)h}};
    } else if (q == 1) {
      t = (tuple){{b->auction, b->bidder, b->price * 908, ev.date_time_ms, 0}};
    } else {
      if (b->auction % 123) continue;
      t = (tuple){{b->auction, b->price, 0, 0, 0}};
    }
    out[n++] = t;
  }
  qsort(out, n, sizeof *out, cmp_tuple);
  return n;
}

static size_t engine(int q, int par, tuple *out) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
  strom_stream *src = strom_nexmark_source(env, &(strom_nexmark_opts){.events = EVENTS, .seed = 7});
  strom_results *r = strom_collect(strom__nexmark_query(env, q, src));
  size_t n = 0;
  if (strom_execute(env, "nexmark") == STROM_OK) {
    for (size_t i = 0; i < strom_results_count(r); i++) {
      const strom_row *row = strom_results_row(r, i);
      tuple t = {{0}};
      if (q == 0) {
        size_t a, b, c;
        const char *ch = strom_row_get_str(row, 3, &a), *url = strom_row_get_str(row, 4, &b), *ex = strom_row_get_str(row, 6, &c);
        uint64_t h = str_hash(ch, a) ^ (str_hash(url, b) * 3) ^ (str_hash(ex, c) * 7);
        t = (tuple){{strom_row_get_bigint(row, 0), strom_row_get_bigint(row, 1), strom_row_get_bigint(row, 2),
                     strom_row_get_timestamp(row, 5), (int64_t)h}};
      } else if (q == 1) {
        t = (tuple){{strom_row_get_bigint(row, 0), strom_row_get_bigint(row, 1), strom_row_get_decimal(row, 2),
                     strom_row_get_timestamp(row, 3), 0}};
      } else {
        t = (tuple){{strom_row_get_bigint(row, 0), strom_row_get_bigint(row, 1), 0, 0, 0}};
      }
      out[n++] = t;
    }
  } else {
    fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  }
  strom_env_free(env);
  qsort(out, n, sizeof *out, cmp_tuple);
  return n;
}

static void check_query(int q) {
  static tuple want[EVENTS], got[EVENTS];
  size_t nw = reference(q, want);
  for (int par = 1; par <= 3; par += 2) {
    size_t ng = engine(q, par, got);
    if (ng != nw || memcmp(got, want, nw * sizeof *want)) {
      fprintf(stderr, "  q%d at parallelism %d: %zu rows, expected %zu\n", q, par, ng, nw);
      test_failed_now = 1;
      return;
    }
  }
  printf("  q%d: %zu rows\n", q, nw);
}

TEST(q0_passes_every_bid_through) { check_query(0); }
TEST(q1_converts_prices_to_euros_exactly) { check_query(1); }
TEST(q2_selects_auctions_divisible_by_123) {
  check_query(2);
  /* The selection is not empty: the test would be vacuous. */
  static tuple want[EVENTS];
  CHECK(reference(2, want) > 10);
}

TEST(unwritten_queries_are_refused) {
  strom_env *env = strom_env_new(NULL);
  strom_stream *src = strom_nexmark_source(env, &(strom_nexmark_opts){.events = 10});
  CHECK(strom__nexmark_query(env, 6, src) == NULL && strom__nexmark_query(env, 9, src) == NULL);
  strom_env_free(env);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(q0_passes_every_bid_through);
  RUN(q1_converts_prices_to_euros_exactly);
  RUN(q2_selects_auctions_divisible_by_123);
  RUN(unwritten_queries_are_refused);
  TEST_MAIN_END();
}
