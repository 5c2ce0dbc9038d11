/*
 * test_nexmark_stateful.c -- the stateful DataStream Nexmark queries (q3, q4, q5, q7,
 * q8) over a fixed generated input at parallelism 1 and 2, compared with results
 * computed here by plain loops over the event generator, without the engine: the
 * full result sets (sorted), not only their sizes.
 *
 * The input is 100 000 events at 2 000 events per second of event time, so it spans
 * 50 s: q7 and q8 see five 10 s windows, q5 about 25 sliding ones.  At parallelism 2
 * the two source subtasks generate the two halves of the sequence at the same time,
 * so joins see their sides in another order than the sequence's (auctions before
 * their seller, bids before their auction), which the queries must handle.
 */
#include <dirent.h>
#include <stdatomic.h>
#include <unistd.h>
#include <xxhash.h>

#include "connectors/nexmark.h"
#include "connectors/nexmark_queries.h"
#include "test.h"

enum { EVENTS = 100000, RATE = 2000, WINDOW = 10000, MAXROWS = 1 << 20 };

typedef struct tuple {
  int64_t f[5];
} tuple;

static int cmp_tuple(const void *a, const void *b) {
  const tuple *x = a, *y = b;
  for (int i = 0; i < 5; i++)
    if (x->f[i] != y->f[i]) return x->f[i] < y->f[i] ? -1 : 1;
  return 0;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int64_t h(const char *p, size_t n) { return (int64_t)XXH3_64bits(p, n); }
static int64_t hs(nexmark_str s) { return h(s.p, s.n); }

static nexmark_config config(void) {
  nexmark_config c = {.seed = 11, .first_event_rate = RATE};
  strom__nexmark_defaults(&c);
  return c;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* ---- references: each query from the generator alone ---- */

static tuple want[MAXROWS], got[MAXROWS];
static nexmark_event ev;

static size_t ref_q3(tuple *out) {
  nexmark_config c = config();
  static int64_t name[EVENTS], city[EVENTS], state[EVENTS];
  static bool local[EVENTS];
  size_t n = 0;
  for (uint64_t i = 0; i < EVENTS; i++) {
    strom__nexmark_event(&c, i, &ev);
    if (ev.type == NEXMARK_PERSON) {
      int64_t k = ev.person.id - NEXMARK_FIRST_PERSON_ID;
      const nexmark_person *p = &ev.person;
      name[k] = hs(p->name), city[k] = hs(p->city), state[k] = hs(p->state);
      local[k] = p->state.n == 2 && (!memcmp(p->state.p, "OR", 2) || !memcmp(p->state.p, "ID", 2) || !memcmp(p->state.p, "CA", 2));
    } else if (ev.type == NEXMARK_AUCTION && ev.auction.category == 10) {
      int64_t k = ev.auction.seller - NEXMARK_FIRST_PERSON_ID;
      if (local[k]) out[n++] = (tuple){{name[k], city[k], state[k], ev.auction.id, 0}};
    }
  }
  qsort(out, n, sizeof *out, cmp_tuple);
  return n;
}

/* q4 in event order (what parallelism 1 sees): every change of a category's average. */
static size_t ref_q4(tuple *out, int64_t final_avg[5]) {
  nexmark_config c = config();
  static int64_t cat[EVENTS], start[EVENTS], expires[EVENTS], max[EVENTS];
  int64_t total[5] = {0}, cnt[5] = {0}, last[5];
  size_t n = 0;
  for (int k = 0; k < 5; k++) final_avg[k] = last[k] = -1;
  for (uint64_t i = 0; i < EVENTS; i++) {
    strom__nexmark_event(&c, i, &ev);
    if (ev.type == NEXMARK_AUCTION) {
      int64_t k = ev.auction.id - NEXMARK_FIRST_AUCTION_ID;
      cat[k] = ev.auction.category - 10, start[k] = ev.date_time_ms, expires[k] = ev.auction.expires_ms, max[k] = -1;
    } else if (ev.type == NEXMARK_BID) {
      int64_t k = ev.bid.auction - NEXMARK_FIRST_AUCTION_ID, p = ev.bid.price;
      if (ev.date_time_ms < start[k] || ev.date_time_ms > expires[k] || p <= max[k]) continue;
      int g = (int)cat[k];
      if (max[k] < 0) cnt[g]++;
      else total[g] -= max[k];
      total[g] += p;
      max[k] = p;
      int64_t avg = total[g] / cnt[g];
      if (avg != last[g]) out[n++] = (tuple){{g + 10, avg, 0, 0, 0}};
      last[g] = final_avg[g] = avg;
    }
  }
  return n;
}

static size_t ref_q5(tuple *out) {
  nexmark_config c = config();
  /* (window start, auction) for every window of every bid, then runs of equal pairs. */
  static int64_t pairs[EVENTS * 5][2];
  size_t np = 0;
  for (uint64_t i = 0; i < EVENTS; i++) {
    strom__nexmark_event(&c, i, &ev);
    if (ev.type != NEXMARK_BID) continue;
    int64_t t = ev.date_time_ms, last = floor_div(t, 2000) * 2000;
    for (int64_t s = last; s > t - WINDOW; s -= 2000) pairs[np][0] = s, pairs[np][1] = ev.bid.auction, np++;
  }
  qsort(pairs, np, sizeof *pairs, cmp_i64); /* by window start (the first field) */
  size_t n = 0;
  for (size_t i = 0; i < np;) {
    size_t j = i;
    while (j < np && pairs[j][0] == pairs[i][0]) j++;
    /* Auctions of window pairs[i][0]: sort them, count runs, keep the largest. */
    int64_t *a = malloc((j - i) * sizeof *a);
    for (size_t k = i; k < j; k++) a[k - i] = pairs[k][1];
    qsort(a, j - i, sizeof *a, cmp_i64);
    int64_t best = 0;
    for (size_t k = 0; k < j - i;) {
      size_t e = k;
      while (e < j - i && a[e] == a[k]) e++;
      if ((int64_t)(e - k) > best) best = (int64_t)(e - k);
      k = e;
    }
    for (size_t k = 0; k < j - i;) {
      size_t e = k;
      while (e < j - i && a[e] == a[k]) e++;
      if ((int64_t)(e - k) == best) out[n++] = (tuple){{a[k], best, pairs[i][0], pairs[i][0] + WINDOW, 0}};
      k = e;
    }
    free(a);
    i = j;
  }
  qsort(out, n, sizeof *out, cmp_tuple);
  return n;
}

static size_t ref_q7(tuple *out) {
  nexmark_config c = config();
  enum { NW = EVENTS / RATE * 1000 / WINDOW + 3 };
  int64_t max[NW];
  for (int i = 0; i < NW; i++) max[i] = -1;
  int64_t base = floor_div(NEXMARK_BASE_TIME_MS, WINDOW) * WINDOW;
  /* Pass 1: each window's highest price (bids in [end - 10 s, end)). */
  for (uint64_t i = 0; i < EVENTS; i++) {
    strom__nexmark_event(&c, i, &ev);
    if (ev.type != NEXMARK_BID) continue;
    int64_t w = floor_div(ev.date_time_ms - base, WINDOW);
    if (ev.bid.price > max[w]) max[w] = ev.bid.price;
  }
  /* Pass 2: bids in [end - 10 s, end] at that price. */
  size_t n = 0;
  for (uint64_t i = 0; i < EVENTS; i++) {
    strom__nexmark_event(&c, i, &ev);
    if (ev.type != NEXMARK_BID) continue;
    const nexmark_bid *b = &ev.bid;
    int64_t w = floor_div(ev.date_time_ms - base, WINDOW);
    tuple t = {{b->auction, b->price, b->bidder, ev.date_time_ms, hs(b->extra)}};
    if (b->price == max[w]) out[n++] = t;
    if ((ev.date_time_ms - base) % WINDOW == 0 && w > 0 && b->price == max[w - 1]) out[n++] = t;
  }
  qsort(out, n, sizeof *out, cmp_tuple);
  return n;
}

static size_t ref_q8(tuple *out) {
  nexmark_config c = config();
  static int64_t sellers[EVENTS][2]; /* (window, seller) of every auction */
  size_t ns = 0, n = 0;
  for (uint64_t i = 0; i < EVENTS; i++) {
    strom__nexmark_event(&c, i, &ev);
    if (ev.type == NEXMARK_AUCTION) sellers[ns][0] = floor_div(ev.date_time_ms, WINDOW), sellers[ns][1] = ev.auction.seller, ns++;
  }
  for (uint64_t i = 0; i < EVENTS; i++) {
    strom__nexmark_event(&c, i, &ev);
    if (ev.type != NEXMARK_PERSON) continue;
    int64_t w = floor_div(ev.date_time_ms, WINDOW);
    for (size_t k = 0; k < ns; k++)
      if (sellers[k][0] == w && sellers[k][1] == ev.person.id) {
        out[n++] = (tuple){{ev.person.id, hs(ev.person.name), w * WINDOW, 0, 0}};
        break;
      }
  }
  qsort(out, n, sizeof *out, cmp_tuple);
  return n;
}

/* ---- the engine ---- */

static tuple row_tuple(int q, const strom_row *r) {
  size_t a, b, c;
  const char *s1, *s2, *s3;
  switch (q) {
    case 3:
      s1 = strom_row_get_str(r, 0, &a), s2 = strom_row_get_str(r, 1, &b), s3 = strom_row_get_str(r, 2, &c);
      return (tuple){{h(s1, a), h(s2, b), h(s3, c), strom_row_get_bigint(r, 3), 0}};
    case 4: return (tuple){{strom_row_get_bigint(r, 0), strom_row_get_bigint(r, 1), 0, 0, 0}};
    case 5:
      return (tuple){{strom_row_get_bigint(r, 0), strom_row_get_bigint(r, 1), strom_row_get_timestamp(r, 2),
                      strom_row_get_timestamp(r, 3), 0}};
    case 7:
      s1 = strom_row_get_str(r, 4, &a);
      return (tuple){{strom_row_get_bigint(r, 0), strom_row_get_bigint(r, 1), strom_row_get_bigint(r, 2),
                      strom_row_get_timestamp(r, 3), h(s1, a)}};
    default:
      s1 = strom_row_get_str(r, 1, &a);
      return (tuple){{strom_row_get_bigint(r, 0), h(s1, a), strom_row_get_timestamp(r, 2), 0, 0}};
  }
}

/* Runs query q; rows in the order collected (per subtask, the order emitted). */
static bool chain; /* strom.pipeline.chain-keyed: at parallelism 1 the joins run on the source's thread */

static long engine(int q, int par, tuple *out, strom__nexmark_latency *lat) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par, .chain_keyed = chain});
  strom_stream *src = strom_nexmark_source(env, &(strom_nexmark_opts){.events = EVENTS, .seed = 11, .first_event_rate = RATE});
  strom_results *r = strom_collect(strom__nexmark_query_probed(env, q, src, lat));
  long n = -1;
  if (strom_execute(env, "nexmark") == STROM_OK) {
    n = (long)strom_results_count(r);
    for (long i = 0; i < n && i < MAXROWS; i++) out[i] = row_tuple(q, strom_results_row(r, (size_t)i));
  } else {
    fprintf(stderr, "  q%d at parallelism %d: %s\n", q, par, strom_env_errmsg(env));
  }
  strom_env_free(env);
  return n;
}

static void compare(int q, size_t (*ref)(tuple *), size_t at_least) {
  size_t nw = ref(want);
  if (nw < at_least) {
    fprintf(stderr, "  q%d: the reference has only %zu rows: the test would prove little\n", q, nw);
    test_failed_now = 1;
    return;
  }
  for (int run = 0; run < 3; run++) { /* parallelism 1, 2, and 1 with every operator chained */
    int par = run == 1 ? 2 : 1;
    chain = run == 2;
    long ng = engine(q, par, got, NULL);
    chain = false;
    if (ng >= 0) qsort(got, (size_t)ng, sizeof *got, cmp_tuple);
    if (ng != (long)nw || memcmp(got, want, nw * sizeof *want)) {
      size_t i = 0;
      while (ng > 0 && i < nw && i < (size_t)ng && !cmp_tuple(&got[i], &want[i])) i++;
      fprintf(stderr, "  q%d at parallelism %d%s: %ld rows, expected %zu; first difference at sorted row %zu\n", q, par,
              run == 2 ? " (chained)" : "", ng, nw, i);
      test_failed_now = 1;
      return;
    }
  }
  printf("  q%d: %zu rows\n", q, nw);
}

TEST(q3_joins_local_sellers_with_their_category_10_auctions) { compare(3, ref_q3, 100); }

TEST(q4_updates_the_average_winning_bid_per_category) {
  int64_t final_avg[5];
  size_t nw = ref_q4(want, final_avg);
  CHECK(nw > 100);
  /* Parallelism 1 sees the events in order: the very same updates, in the same order. */
  long ng = engine(4, 1, got, NULL);
  for (long i = 0; i < ng && i < (long)nw; i++)
    if (cmp_tuple(&got[i], &want[i])) {
      fprintf(stderr, "  q4 update %ld: (%lld, %lld), expected (%lld, %lld)\n", i, (long long)got[i].f[0],
              (long long)got[i].f[1], (long long)want[i].f[0], (long long)want[i].f[1]);
      break;
    }
  CHECK_INT(ng, (long)nw);
  CHECK(!memcmp(got, want, nw * sizeof *want));
  chain = true; /* the join and both aggregations on the source's thread: the same updates */
  ng = engine(4, 1, got, NULL);
  chain = false;
  CHECK_INT(ng, (long)nw);
  CHECK(!memcmp(got, want, nw * sizeof *want));
  /* Parallelism 2 sees them in another order: other intermediate averages, the same
   * final one.  A category's updates come from one subtask, in order: its last row is
   * its current value. */
  ng = engine(4, 2, got, NULL);
  CHECK(ng > 0);
  int64_t last[5] = {-1, -1, -1, -1, -1};
  for (long i = 0; i < ng; i++) {
    CHECK(got[i].f[0] >= 10 && got[i].f[0] < 15);
    last[got[i].f[0] - 10] = got[i].f[1];
  }
  for (int k = 0; k < 5; k++) CHECK_INT(last[k], final_avg[k]);
  printf("  q4: %zu updates, final averages %lld %lld %lld %lld %lld\n", nw, (long long)final_avg[0],
         (long long)final_avg[1], (long long)final_avg[2], (long long)final_avg[3], (long long)final_avg[4]);
}

TEST(q5_finds_the_hottest_auctions_of_each_sliding_window) { compare(5, ref_q5, 25); }
TEST(q7_finds_the_highest_bids_of_each_window) { compare(7, ref_q7, 5); }
TEST(q8_finds_people_who_sold_in_their_first_window) { compare(8, ref_q8, 20); }

/* Hand-computed: ties at the maximum, and Flink's BETWEEN that lets a bid exactly at a
 * window's end match the window it ends (without counting in its maximum). */
TEST(q7_keeps_ties_and_matches_bids_at_the_window_end) {
  static const struct { int64_t auction, price, at; } bids[] = {
      {1, 50, 1000}, {2, 50, 2000}, {5, 20, 9999}, /* window [0, 10 s): max 50, a tie */
      {3, 50, 10000},                             /* at the end: matches [0, 10 s) too */
      {4, 70, 15000}, {6, 30, 19999},             /* window [10 s, 20 s): max 70 */
  };
  enum { NB = sizeof bids / sizeof *bids };
  for (int par = 1; par <= 2; par++) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_nexmark_schema();
    strom_row *rows[NB];
    for (int i = 0; i < NB; i++) {
      rows[i] = strom_row_new(s);
      int64_t t = NEXMARK_BASE_TIME_MS + bids[i].at;
      strom_row_set_int(rows[i], STROM_NX_EVENT_TYPE, 2);
      strom_row_set_bigint(rows[i], STROM_NX_BID_AUCTION, bids[i].auction);
      strom_row_set_bigint(rows[i], STROM_NX_BID_BIDDER, 7);
      strom_row_set_bigint(rows[i], STROM_NX_BID_PRICE, bids[i].price);
      strom_row_set_str(rows[i], STROM_NX_BID_EXTRA, "x", 1);
      strom_row_set_timestamp(rows[i], STROM_NX_BID_DATE_TIME, t);
      strom_row_set_timestamp(rows[i], STROM_NX_DATE_TIME, t);
    }
    strom_results *r = strom_collect(strom__nexmark_query(env, 7, strom_from_rows(env, s, (const strom_row *const *)rows, NB)));
    int rc = strom_execute(env, "q7");
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    size_t n = rc ? 0 : strom_results_count(r);
    int64_t seen[4][2] = {{0}};
    for (size_t i = 0; i < n && i < 4; i++)
      seen[i][0] = strom_row_get_bigint(strom_results_row(r, i), 0), seen[i][1] = strom_row_get_bigint(strom_results_row(r, i), 1);
    qsort(seen, n < 4 ? n : 4, sizeof *seen, cmp_i64);
    for (int i = 0; i < NB; i++) strom_row_free(rows[i]);
    strom_schema_free(s);
    strom_env_free(env);
    CHECK_INT(rc, STROM_OK);
    CHECK_INT(n, 4);
    static const int64_t expect[4][2] = {{1, 50}, {2, 50}, {3, 50}, {4, 70}};
    for (int i = 0; i < 4; i++) {
      CHECK_INT(seen[i][0], expect[i][0]);
      CHECK_INT(seen[i][1], expect[i][1]);
    }
  }
}

/* Hand-computed: an auction may arrive before its seller (another source subtask), a
 * seller with several auctions in the window appears once, and an auction in another
 * window than the registration does not count. */
TEST(q8_matches_in_any_order_once_per_window) {
  static const struct { int type; int64_t id, at; } evs[] = {
      {1, 2000, 1000},  /* auction of 2000 before 2000 registers (same window) */
      {0, 2000, 2000},  {1, 2000, 3000},  /* a second auction: still one row */
      {0, 2001, 4000},  {1, 2001, 12000}, /* 2001 sells only in the next window */
      {0, 2002, 15000}, {1, 2002, 19999}, /* the last millisecond of the window */
  };
  enum { NE = sizeof evs / sizeof *evs };
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_schema *s = strom_nexmark_schema();
  strom_row *rows[NE];
  for (int i = 0; i < NE; i++) {
    rows[i] = strom_row_new(s);
    int64_t t = NEXMARK_BASE_TIME_MS + evs[i].at;
    strom_row_set_int(rows[i], STROM_NX_EVENT_TYPE, evs[i].type);
    if (evs[i].type == 0) {
      strom_row_set_bigint(rows[i], STROM_NX_PERSON_ID, evs[i].id);
      strom_row_set_str(rows[i], STROM_NX_PERSON_NAME, "ann", 3);
    } else {
      strom_row_set_bigint(rows[i], STROM_NX_AUCTION_SELLER, evs[i].id);
    }
    strom_row_set_timestamp(rows[i], STROM_NX_DATE_TIME, t);
  }
  strom_results *r = strom_collect(strom__nexmark_query(env, 8, strom_from_rows(env, s, (const strom_row *const *)rows, NE)));
  int rc = strom_execute(env, "q8");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  if (!rc) strom_results_sort(r);
  size_t n = rc ? 0 : strom_results_count(r);
  int64_t id0 = n > 0 ? strom_row_get_bigint(strom_results_row(r, 0), 0) : 0;
  int64_t id1 = n > 1 ? strom_row_get_bigint(strom_results_row(r, 1), 0) : 0;
  int64_t st1 = n > 1 ? strom_row_get_timestamp(strom_results_row(r, 1), 2) : 0;
  for (int i = 0; i < NE; i++) strom_row_free(rows[i]);
  strom_schema_free(s);
  strom_env_free(env);
  CHECK_INT(rc, STROM_OK);
  CHECK_INT(n, 2);
  CHECK_INT(id0, 2000);
  CHECK_INT(id1, 2002);
  CHECK_INT(st1, NEXMARK_BASE_TIME_MS + 10000);
}

/* ---- exactly-once: a failure and a restart from the last checkpoint ---- */

static atomic_int fail_armed;

/* Fails the job once, at the event 45 s into the input (90 % of it; the second source
 * subtask gets there after 400 ms, several checkpoints in), when armed. */
static int fail_once(strom_ctx *ctx, const strom_row *in) {
  if (strom_row_get_timestamp(in, STROM_NX_DATE_TIME) >= NEXMARK_BASE_TIME_MS + 45000 && atomic_exchange(&fail_armed, 0))
    return strom_ctx_fail(ctx, "injected failure");
  return 1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The committed lines of the files in dir, sorted; removes the files and dir. */
static char **committed_lines(const char *dir, size_t *n) {
  char **lines = NULL, path[512], line[1024];
  size_t cap = 0;
  *n = 0;
  DIR *d = opendir(dir);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    FILE *f = e->d_name[0] == '.' ? NULL : fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) {
      if (*n == cap) lines = realloc(lines, (cap = cap ? cap * 2 : 256) * sizeof *lines);
      lines[(*n)++] = strdup(line);
    }
    if (f) fclose(f);
    remove(path);
  }
  if (d) closedir(d);
  rmdir(dir);
  if (*n) qsort(lines, *n, sizeof *lines, cmp_str);
  return lines;
}

static void rm_tree(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd)) fprintf(stderr, "  (could not remove %s)\n", dir);
}

/* Runs q at parallelism 2, paced so that checkpoints (every 50 ms) happen, into the
 * exactly-once file sink; with fail set, fails once mid-way and restarts. */
static char **run_to_files(int q, bool fail, size_t *n, int *restarts) {
  char out[] = "/tmp/strom-nx-out-XXXXXX", ckpt[] = "/tmp/strom-nx-ckpt-XXXXXX";
  *n = 0;
  if (!mkdtemp(out) || !mkdtemp(ckpt)) return NULL;
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = chain ? 1 : 2, .checkpoint_interval_ms = 50, .checkpoint_dir = ckpt,
                                                   .restart_attempts = fail ? 1 : 0, .chain_keyed = chain});
  strom_stream *src = strom_nexmark_source(
      env, &(strom_nexmark_opts){.events = EVENTS, .seed = 11, .first_event_rate = RATE, .rate_limit = 200000});
  src = strom_set_uid(src, "source");
  atomic_store(&fail_armed, fail);
  strom_write_files(strom_set_uid(strom__nexmark_query(env, q, strom_filter(src, fail_once, NULL)), "sink"), out, NULL);
  int rc = strom_execute(env, "nexmark");
  if (rc) fprintf(stderr, "  q%d: %s\n", q, strom_env_errmsg(env));
  *restarts = strom_env_restarts(env);
  strom_env_free(env);
  rm_tree(ckpt);
  char **lines = committed_lines(out, n);
  if (rc) *n = 0;
  return lines;
}

static void free_lines(char **l, size_t n) {
  for (size_t i = 0; i < n; i++) free(l[i]);
  free(l);
}

TEST(stateful_queries_give_the_same_result_after_a_failure) {
  static const int qs[] = {3, 5, 7, 8, -3, -7, -8}; /* negative: at parallelism 1, chained */
  for (size_t k = 0; k < sizeof qs / sizeof *qs; k++) {
    chain = qs[k] < 0;
    int q = abs(qs[k]);
    size_t n0, n1;
    int r0, r1;
    char **clean = run_to_files(q, false, &n0, &r0), **again = run_to_files(q, true, &n1, &r1);
    chain = false;
    bool same = n0 == n1;
    for (size_t i = 0; same && i < n0; i++) same = !strcmp(clean[i], again[i]);
    free_lines(clean, n0);
    free_lines(again, n1);
    if (!same || r1 != 1 || n0 == 0)
      fprintf(stderr, "  q%d%s: %zu lines without a failure, %zu with one (%d restarts)\n", q, qs[k] < 0 ? " chained" : "", n0, n1, r1);
    CHECK(n0 > 0);
    CHECK_INT(r1, 1);
    CHECK(same);
  }
}

/* q5 with its panes packed as often as the window operator allows (from one record
 * on), so that counts meet packed accumulators, windows merge several packs and
 * checkpoints write packed panes: the same results, with and without a failure. */
TEST(q5_with_panes_sealed_often_gives_the_same_results) {
  setenv("STROM_WINDOW_SEAL_MIN", "1", 1);
  compare(5, ref_q5, 25);
  size_t n0, n1;
  int r0, r1;
  char **clean = run_to_files(5, false, &n0, &r0), **again = run_to_files(5, true, &n1, &r1);
  bool same = n0 == n1;
  for (size_t i = 0; same && i < n0; i++) same = !strcmp(clean[i], again[i]);
  free_lines(clean, n0);
  free_lines(again, n1);
  unsetenv("STROM_WINDOW_SEAL_MIN");
  CHECK(n0 > 0);
  CHECK_INT(r1, 1);
  CHECK(same);
}

TEST(windowed_queries_measure_latency_per_result) {
  strom__nexmark_latency *lat = strom__nexmark_latency_new();
  CHECK(lat);
  long ng = engine(7, 2, got, lat);
  double p50, p99;
  size_t n = strom__nexmark_latency_stats(lat, &p50, &p99);
  strom__nexmark_latency_free(lat);
  CHECK(ng > 0);
  /* One sample per result, none negative, and not absurd for a job of this size. */
  CHECK_INT(n, ng);
  CHECK(p50 >= 0 && p99 >= p50 && p99 < 60000);
}

/* ---- the CLI ---- */

TEST(cli_run_reports_throughput_memory_checkpoints_and_latency) {
  const char *bin = getenv("STROM_BIN");
  char cmd[1024], line[1024] = "";
  snprintf(cmd, sizeof cmd, "'%s' nexmark run --query q7 --events 200000 --parallelism 2 --rate 10000 2>&1",
           bin ? bin : "build/release/strom");
  FILE *p = popen(cmd, "r");
  CHECK(p);
  if (!fgets(line, sizeof line, p)) line[0] = 0;
  int rc = pclose(p);
  printf("  %s", line);
  CHECK_INT(rc, 0);
  double secs = 0, eps = 0, cores = 0, epc = 0, rss = 0, p50 = -1, p99 = -1;
  long long events = 0, ckpts = -1;
  size_t results = 0;
  int fields = sscanf(line,
                   "q7: %lld events in %lf s: %lf events/s, %lf cores used, %lf events/s per core, peak RSS %lf MB, "
                   "%lld checkpoints, latency p50 %lf ms p99 %lf ms (%zu results)",
                   &events, &secs, &eps, &cores, &epc, &rss, &ckpts, &p50, &p99, &results);
  CHECK_INT(fields, 10);
  CHECK_INT(events, 200000);
  CHECK(eps > 0 && cores > 0 && epc > 0 && rss > 0);
  CHECK(ckpts >= 1); /* the final checkpoint at the end of the input, at least */
  /* 200 000 events at 10 000/s of event time are 20 s: two windows, each with a winner. */
  CHECK(results >= 2);
  CHECK(p50 >= 0 && p99 >= p50);
  snprintf(cmd, sizeof cmd, "'%s' nexmark run --query q6 --events 10 2>/dev/null", bin ? bin : "build/release/strom");
  CHECK_INT(system(cmd), 2 << 8);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(q3_joins_local_sellers_with_their_category_10_auctions);
  RUN(q4_updates_the_average_winning_bid_per_category);
  RUN(q5_finds_the_hottest_auctions_of_each_sliding_window);
  RUN(q5_with_panes_sealed_often_gives_the_same_results);
  RUN(q7_finds_the_highest_bids_of_each_window);
  RUN(q8_finds_people_who_sold_in_their_first_window);
  RUN(q7_keeps_ties_and_matches_bids_at_the_window_end);
  RUN(q8_matches_in_any_order_once_per_window);
  RUN(windowed_queries_measure_latency_per_result);
  RUN(stateful_queries_give_the_same_result_after_a_failure);
  RUN(cli_run_reports_throughput_memory_checkpoints_and_latency);
  TEST_MAIN_END();
}
