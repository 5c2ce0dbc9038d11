/*
 * test_nexmark.c -- the Nexmark generator (src/connectors/nexmark.c), its source
 * (strom_nexmark_source) and `strom nexmark generate`.
 */
#include <dirent.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "connectors/nexmark.h"
#include "test.h"

static nexmark_config cfg(uint64_t seed, uint64_t rate) {
  nexmark_config c = {.seed = seed, .first_event_rate = rate};
  strom__nexmark_defaults(&c);
  return c;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char json_a[4096], json_b[4096];
static nexmark_event ev, ev2;

TEST(same_seed_and_number_give_the_same_event) {
  nexmark_config c = cfg(7, 0), d = cfg(8, 0);
  int differ = 0;
  for (uint64_t n = 0; n < 2000; n++) {
    strom__nexmark_event(&c, n, &ev);
    strom__nexmark_json(&ev, json_a, sizeof json_a);
    /* generated again after another event: no hidden state */
    strom__nexmark_event(&c, n * 7 + 3, &ev2);
    strom__nexmark_event(&c, n, &ev2);
    strom__nexmark_json(&ev2, json_b, sizeof json_b);
    CHECK_STR(json_a, json_b);
    strom__nexmark_event(&d, n, &ev2);
    strom__nexmark_json(&ev2, json_b, sizeof json_b);
    differ += strcmp(json_a, json_b) != 0;
  }
  CHECK(differ > 1900); /* another seed gives other events */
}

TEST(proportions_are_1_3_46_in_every_epoch_of_50) {
  nexmark_config c = cfg(1, 0);
  for (uint64_t e = 0; e < 2000; e++) {
    int k[3] = {0};
    for (uint64_t o = 0; o < 50; o++) {
      uint64_t n = e * 50 + o;
      strom__nexmark_event(&c, n, &ev);
      CHECK_INT(ev.type, strom__nexmark_type(&c, n));
      CHECK_INT(ev.type, o == 0 ? NEXMARK_PERSON : o <= 3 ? NEXMARK_AUCTION : NEXMARK_BID);
      k[ev.type]++;
    }
    CHECK_INT(k[0], 1);
    CHECK_INT(k[1], 3);
    CHECK_INT(k[2], 46);
  }
}

static const char *const STATES[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};

static bool str_is(nexmark_str s, const char *lit) { return s.n == strlen(lit) && !memcmp(s.p, lit, s.n); }

enum { NEV = 500000 };
static uint32_t auction_bids[NEV], bidder_bids[NEV];

TEST(ids_references_hot_keys_and_value_ranges) {
  nexmark_config c = cfg(42, 0);
  int64_t people = 0, auctions = 0, bids = 0, cat[5] = {0}, named_channel = 0, cheap = 0, hot_auction = 0;
  memset(auction_bids, 0, sizeof auction_bids);
  memset(bidder_bids, 0, sizeof bidder_bids);
  for (uint64_t n = 0; n < NEV; n++) {
    strom__nexmark_event(&c, n, &ev);
    if (ev.type == NEXMARK_PERSON) {
      CHECK_INT(ev.person.id, 1000 + people);
      people++;
      bool ok = false;
      for (int i = 0; i < 6; i++) ok |= str_is(ev.person.state, STATES[i]);
      CHECK(ok);
      CHECK(ev.person.city.n > 0 && ev.person.name.n > 0 && ev.person.credit_card.n == 19);
      CHECK(memchr(ev.person.email_address.p, '@', ev.person.email_address.n));
    } else if (ev.type == NEXMARK_AUCTION) {
      CHECK_INT(ev.auction.id, 1000 + auctions);
      auctions++;
      /* the seller exists already, and is in the active set of 1000 people */
      CHECK(ev.auction.seller >= 1000 && ev.auction.seller < 1000 + people);
      CHECK(ev.auction.seller >= 1000 + people - NEXMARK_ACTIVE_PEOPLE);
      CHECK(ev.auction.category >= 10 && ev.auction.category <= 14);
      cat[ev.auction.category - 10]++;
      CHECK(ev.auction.initial_bid > 0 && ev.auction.reserve > ev.auction.initial_bid);
      CHECK(ev.auction.expires_ms >= ev.date_time_ms);
    } else {
      bids++;
      CHECK(ev.bid.auction >= 1000 && ev.bid.auction < 1000 + auctions); /* never from the future */
      CHECK(ev.bid.bidder >= 1000 && ev.bid.bidder < 1000 + people);
      CHECK(ev.bid.auction >= 1000 + auctions - NEXMARK_IN_FLIGHT_AUCTIONS);
      CHECK(ev.bid.price >= 100 && ev.bid.price <= 100000000);
      cheap += ev.bid.price < 100000; /* 10^(6U)*100 < 10^5 when U < 1/2 */
      auction_bids[ev.bid.auction - 1000]++;
      bidder_bids[ev.bid.bidder - 1000]++;
      hot_auction += (ev.bid.auction - 1000) == (auctions - 1) / 100 * 100;
      bool named = false;
      const char *names[] = {"Google", "Facebook", "Baidu", "Apple"};
      for (int i = 0; i < 4; i++) named |= str_is(ev.bid.channel, names[i]);
      named_channel += named;
      if (!named) {
        CHECK(ev.bid.channel.n > 8 && !memcmp(ev.bid.channel.p, "channel-", 8));
        /* the url carries the channel id */
        char want[64];
        snprintf(want, sizeof want, "channel_id=%.*s", (int)ev.bid.channel.n - 8, ev.bid.channel.p + 8);
        CHECK(ev.bid.url.n > strlen(want) && !memcmp(ev.bid.url.p + ev.bid.url.n - strlen(want), want, strlen(want)));
      }
      CHECK(ev.bid.url.n > 20 && !memcmp(ev.bid.url.p, "https://nexmark.com/", 20));
    }
  }
  CHECK_INT(people, NEV / 50);
  CHECK_INT(auctions, NEV / 50 * 3);
  for (int i = 0; i < 5; i++) CHECK(cat[i] > auctions / 5 * 9 / 10 && cat[i] < auctions / 5 * 11 / 10);
  double half = (double)named_channel / bids, below = (double)cheap / bids, hot = (double)hot_auction / bids;
  printf("  named channels %.3f, prices under 1000.00 %.3f, bids on the hot auction %.3f\n", half, below, hot);
  CHECK(half > 0.48 && half < 0.52);
  CHECK(below > 0.48 && below < 0.52);
  CHECK(hot > 0.49 && hot < 0.53); /* 1/2, plus uniform picks that hit it */
  uint32_t top_a = 0, top_b = 0;
  for (int64_t i = 0; i < auctions; i++) top_a = auction_bids[i] > top_a ? auction_bids[i] : top_a;
  for (int64_t i = 0; i < people; i++) top_b = bidder_bids[i] > top_b ? bidder_bids[i] : top_b;
  double avg_a = (double)bids / auctions, avg_b = (double)bids / people;
  printf("  top auction %u bids (average %.1f), top bidder %u bids (average %.1f)\n", top_a, avg_a, top_b, avg_b);
  CHECK(top_a > 20 * avg_a);
  CHECK(top_b > 5 * avg_b);
}

TEST(extra_pads_to_the_average_sizes) {
  nexmark_config c = cfg(3, 0);
  double sum[3] = {0}, cnt[3] = {0}, extra[3] = {0};
  for (uint64_t n = 0; n < 200000; n++) {
    strom__nexmark_event(&c, n, &ev);
    sum[ev.type] += (double)strom__nexmark_size(&ev);
    cnt[ev.type]++;
    extra[ev.type] += ev.type == 0 ? ev.person.extra.n : ev.type == 1 ? ev.auction.extra.n : ev.bid.extra.n;
  }
  const double want[3] = {200, 500, 100};
  for (int t = 0; t < 3; t++) {
    double avg = sum[t] / cnt[t];
    printf("  type %d: average %.1f bytes (extra %.1f)\n", t, avg, extra[t] / cnt[t]);
    CHECK(avg > want[t] * 0.9 && avg < want[t] * 1.1);
    CHECK(extra[t] > 0); /* the padding does pad */
  }
}

TEST(event_time_is_base_plus_n_times_the_interarrival) {
  nexmark_config c = cfg(5, 1000); /* 1000 events/s: 1000 us apart */
  int64_t prev = INT64_MIN;
  for (uint64_t n = 0; n < 10000; n++) {
    strom__nexmark_event(&c, n, &ev);
    CHECK_INT(ev.time_us, NEXMARK_BASE_TIME_MS * 1000 + (int64_t)n * 1000);
    CHECK_INT(ev.date_time_ms, NEXMARK_BASE_TIME_MS + (int64_t)n);
    CHECK(ev.time_us > prev);
    prev = ev.time_us;
  }
  nexmark_config f = cfg(5, 10000000); /* 0.1 us apart: monotonic, 10 events per us */
  prev = INT64_MIN;
  for (uint64_t n = 0; n < 100000; n++) {
    int64_t t = strom__nexmark_time_us(&f, n);
    CHECK(t >= prev);
    CHECK_INT(t, NEXMARK_BASE_TIME_MS * 1000 + (int64_t)(n / 10));
    prev = t;
  }
  char iso[32];
  strom__nexmark_iso(NEXMARK_BASE_TIME_MS + 3, iso);
  CHECK_STR(iso, "2015-07-15T00:00:00.003Z");
}

/* The JSON of events 0..19999 of seed 0 hashes (FNV-1a, a newline after each) to
 * what the generator produced when `strom nexmark generate` was first written: a
 * faster generator must not change one byte. */
TEST(generator_output_is_unchanged) {
  nexmark_config c = cfg(0, 0);
  uint64_t h = 0xcbf29ce484222325ull, bytes = 0;
  for (uint64_t n = 0; n < 20000; n++) {
    strom__nexmark_event(&c, n, &ev);
    size_t len = strom__nexmark_json(&ev, json_a, sizeof json_a - 1);
    json_a[len++] = '\n';
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)json_a[i]) * 0x100000001b3ull;
    bytes += len;
  }
  CHECK_INT(bytes, 5369676);
  CHECK(h == 0xd8be68ba7d74c89ull);
}

/* A cursor gives the events strom__nexmark_event gives, for steps below, equal to and
 * above the epoch length, at rates that do and do not divide 10^6, and across the
 * point (n = 1.8e13) where n * 10^6 no longer fits 64 bits. */
TEST(cursor_matches_the_generator) {
  static const uint64_t rates[] = {0, 1000, 1234567, 7};
  static const uint64_t starts[] = {0, 999, 18446744073709000ull / 1000, 1ull << 62};
  static const uint64_t steps[] = {1, 3, 50, 77};
  for (int ri = 0; ri < 4; ri++)
    for (int si = 0; si < 4; si++) {
      nexmark_config c = cfg((uint64_t)(ri * 4 + si), rates[ri]);
      nexmark_cursor k;
      strom__nexmark_cursor_init(&k, &c, starts[si], steps[(ri + si) % 4]);
      for (int i = 0; i < 3000; i++) {
        uint64_t n = k.n;
        strom__nexmark_cursor_next(&k, &ev);
        strom__nexmark_event(&c, n, &ev2);
        CHECK_INT(ev.n, n);
        CHECK_INT(ev.time_us, ev2.time_us);
        strom__nexmark_json(&ev, json_a, sizeof json_a);
        strom__nexmark_json(&ev2, json_b, sizeof json_b);
        CHECK_STR(json_a, json_b);
      }
    }
}

TEST(generation_speed) {
  nexmark_config c = cfg(9, 0);
  uint64_t n = 3000000, sink = 0;
  double t0 = now_s();
  for (uint64_t i = 0; i < n; i++) {
    strom__nexmark_event(&c, i, &ev);
    sink += ev.type == NEXMARK_BID ? (uint64_t)ev.bid.price : (uint64_t)ev.n;
  }
  double dt = now_s() - t0;
  printf("  %.1f M events/s on one core (checksum %llu)\n", n / dt / 1e6, (unsigned long long)(sink & 0xff));
  CHECK(dt > 0);
}

/* ---- the source ---- */

static char *row_text(const strom_row *r) {
  static char buf[4096];
  strom_row_format(r, buf, sizeof buf);
  return buf;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every row of a parallel run, formatted with its event time, sorted. */
static char **run_source(int par, uint64_t events, size_t *count) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
  strom_nexmark_opts o = {.events = events, .seed = 11, .first_event_rate = 1000};
  strom_results *res = strom_collect(strom_nexmark_source(env, &o));
  int rc = strom_execute(env, "nexmark");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  *count = rc ? 0 : strom_results_count(res);
  char **lines = calloc(*count ? *count : 1, sizeof *lines);
  for (size_t i = 0; i < *count; i++) {
    const strom_row *r = strom_results_row(res, i);
    char *t = row_text(r), *l = malloc(strlen(t) + 32);
    sprintf(l, "%s @%lld", t, (long long)strom_row_time(r));
    lines[i] = l;
  }
  qsort(lines, *count, sizeof *lines, cmp_str);
  strom_env_free(env);
  return lines;
}

static void free_lines(char **l, size_t n) {
  for (size_t i = 0; i < n; i++) free(l[i]);
  free(l);
}

TEST(source_rows_match_the_generator_at_parallelism_1_2_4) {
  enum { N = 5000 };
  size_t n1, n2, n4;
  char **a = run_source(1, N, &n1), **b = run_source(2, N, &n2), **d = run_source(4, N, &n4);
  int same = n1 == N && n2 == N && n4 == N;
  for (size_t i = 0; same && i < N; i++) same = !strcmp(a[i], b[i]) && !strcmp(a[i], d[i]);
  /* and the rows are the generator's events: check each event's row is there */
  nexmark_config c = cfg(11, 1000);
  strom_schema *s = strom_nexmark_schema();
  CHECK(s && strom_schema_ncols(s) == STROM_NX_NCOLS);
  CHECK_INT(strom_schema_find(s, "bid_price"), STROM_NX_BID_PRICE);
  CHECK_INT(strom_schema_find(s, "date_time"), STROM_NX_DATE_TIME);
  CHECK_INT(strom_schema_col_type(s, STROM_NX_DATE_TIME), STROM_TIMESTAMP);
  strom_row *r = strom_row_new(s);
  int found = 0, bids = 0;
  for (uint64_t n = 0; same && n < N; n += 37) {
    strom__nexmark_event(&c, n, &ev);
    /* build the expected row through the public schema */
    strom_row_clear(r);
    strom_row_set_int(r, STROM_NX_EVENT_TYPE, ev.type);
    if (ev.type == NEXMARK_BID) {
      strom_row_set_bigint(r, STROM_NX_BID_AUCTION, ev.bid.auction);
      strom_row_set_bigint(r, STROM_NX_BID_BIDDER, ev.bid.bidder);
      strom_row_set_bigint(r, STROM_NX_BID_PRICE, ev.bid.price);
      strom_row_set_str_ref(r, STROM_NX_BID_CHANNEL, ev.bid.channel.p, ev.bid.channel.n);
      strom_row_set_str_ref(r, STROM_NX_BID_URL, ev.bid.url.p, ev.bid.url.n);
      strom_row_set_timestamp(r, STROM_NX_BID_DATE_TIME, ev.date_time_ms);
      strom_row_set_str_ref(r, STROM_NX_BID_EXTRA, ev.bid.extra.p, ev.bid.extra.n);
      strom_row_set_timestamp(r, STROM_NX_DATE_TIME, ev.date_time_ms);
      char *t = row_text(r), want[4200];
      snprintf(want, sizeof want, "%s @%lld", t, (long long)ev.date_time_ms);
      char *key = want;
      found += bsearch(&key, a, n1, sizeof *a, cmp_str) != NULL;
      bids++;
    }
  }
  strom_row_free(r);
  strom_schema_free(s);
  free_lines(a, n1), free_lines(b, n2), free_lines(d, n4);
  CHECK_INT(n1, N);
  CHECK_INT(n2, N);
  CHECK_INT(n4, N);
  CHECK(same);
  CHECK(bids > 100);
  CHECK_INT(found, bids);
}

static int64_t count_rows;
static int count_fn(strom_ctx *ctx, const strom_row *in) {
  (void)ctx, (void)in;
  __atomic_add_fetch(&count_rows, 1, __ATOMIC_RELAXED);
  return 0;
}

TEST(rate_limit_paces_the_source) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_nexmark_opts o = {.events = 400, .rate_limit = 1000};
  count_rows = 0;
  strom_discard(strom_filter(strom_nexmark_source(env, &o), count_fn, NULL));
  double t0 = now_s();
  int rc = strom_execute(env, "paced");
  double dt = now_s() - t0;
  strom_env_free(env);
  printf("  400 events at 1000/s took %.3f s\n", dt);
  CHECK_INT(rc, STROM_OK);
  CHECK_INT(count_rows, 400);
  CHECK(dt > 0.3 && dt < 3.0);
}

/* ---- checkpoints: a resumed source continues after the checkpoint's position ---- */

static int to_n(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_timestamp(in, STROM_NX_DATE_TIME) - NEXMARK_BASE_TIME_MS);
  return 0;
}

typedef struct bg_run {
  strom_env *env;
  int rc;
} bg_run;

static void *bg(void *p) {
  bg_run *r = p;
  r->rc = strom_execute(r->env, "nexmark checkpointed");
  return NULL;
}

static int complete_checkpoints(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    if (strncmp(e->d_name, "chk-", 4)) continue;
    char p[600];
    snprintf(p, sizeof p, "%s/%s/_metadata", dir, e->d_name);
    n += access(p, F_OK) == 0;
  }
  if (d) closedir(d);
  return n;
}

enum { CK_N = 3000 };
static void ck_job(strom_env *env, strom_schema *ns, const char *out) {
  strom_nexmark_opts o = {.events = CK_N, .first_event_rate = 1000, .rate_limit = 6000};
  strom_stream *src = strom_set_uid(strom_nexmark_source(env, &o), "nexmark");
  strom_write_files(strom_set_uid(strom_map(src, ns, to_n, NULL), "n"), out, NULL);
}

TEST(resumed_source_emits_every_event_exactly_once) {
  char dir[] = "/tmp/strom-nexmark-XXXXXX", ckpt[128], out[128], cmd[300];
  CHECK(mkdtemp(dir));
  snprintf(ckpt, sizeof ckpt, "%s/ckpt", dir);
  snprintf(out, sizeof out, "%s/out", dir);
  strom_schema *ns = strom_schema_parse("n BIGINT", NULL, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 40, .checkpoint_dir = ckpt,
                                                   .checkpoints_retained = 3});
  ck_job(env, ns, out);
  bg_run r = {env, 0};
  pthread_t th;
  pthread_create(&th, NULL, bg, &r);
  for (int i = 0; i < 5000 && complete_checkpoints(ckpt) < 2; i++) usleep(1000);
  strom_env_cancel(env);
  pthread_join(th, NULL);
  int first_rc = r.rc, cks = complete_checkpoints(ckpt);
  strom_env_free(env);
  env = strom_env_new(&(strom_env_opts){.parallelism = 2, .restore_path = ckpt});
  ck_job(env, ns, out);
  int rc = strom_execute(env, "nexmark resumed");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  strom_env_free(env);
  strom_schema_free(ns);
  /* every n in [0, CK_N) exactly once across the committed part files */
  static int seen[CK_N];
  memset(seen, 0, sizeof seen);
  int total = 0, bad = 0;
  DIR *d = opendir(out);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (strncmp(e->d_name, "part", 4)) continue;
    char p[600];
    snprintf(p, sizeof p, "%s/%s", out, e->d_name);
    FILE *f = fopen(p, "r");
    long long v;
    while (f && fscanf(f, "%lld", &v) == 1) {
      total++;
      if (v < 0 || v >= CK_N) bad++;
      else seen[v]++;
    }
    if (f) fclose(f);
  }
  if (d) closedir(d);
  int once = 0;
  for (int i = 0; i < CK_N; i++) once += seen[i] == 1;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd)) fprintf(stderr, "  could not remove %s\n", dir);
  printf("  first run %d with %d checkpoints; %d lines, %d events exactly once\n", first_rc, cks, total, once);
  CHECK(first_rc == STROM_ECANCELED);
  CHECK(cks >= 1);
  CHECK_INT(rc, STROM_OK);
  CHECK_INT(bad, 0);
  CHECK_INT(total, CK_N);
  CHECK_INT(once, CK_N);
}

/* ---- the CLI ---- */

TEST(cli_generate_writes_json_lines) {
  const char *bin = getenv("STROM_BIN");
  char path[] = "/tmp/strom-nexmark-cli-XXXXXX", cmd[1024];
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  snprintf(cmd, sizeof cmd, "'%s' nexmark generate --events 1000 --out '%s' --seed 4 --rate 1000",
           bin ? bin : "build/release/strom", path);
  CHECK_INT(system(cmd), 0);
  FILE *f = fopen(path, "r");
  CHECK(f);
  static char line[8192];
  nexmark_config c = cfg(4, 1000);
  int lines = 0, mismatched = 0, shape_bad = 0;
  while (fgets(line, sizeof line, f)) {
    size_t len = strlen(line);
    if (len && line[len - 1] == '\n') line[--len] = 0;
    int t = lines % 50 == 0 ? 0 : lines % 50 <= 3 ? 1 : 2;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "{\"event_type\":%d,", t);
    if (strncmp(line, prefix, strlen(prefix)) || line[len - 1] != '}') shape_bad++;
    if (t == 0 && !strstr(line, ",\"person\":{\"id\":")) shape_bad++;
    if (t == 1 && !strstr(line, "\"person\":null,\"auction\":{\"id\":")) shape_bad++;
    if (t == 2 && !strstr(line, "\"person\":null,\"auction\":null,\"bid\":{\"auction\":")) shape_bad++;
    /* the event time of line n, in ISO-8601 with milliseconds */
    char iso[32], want[64];
    strom__nexmark_iso(NEXMARK_BASE_TIME_MS + lines, iso);
    snprintf(want, sizeof want, "\"dateTime\":\"%s\"", iso);
    if (!strstr(line, want)) shape_bad++;
    /* braces balance (strings hold no braces) */
    int depth = 0;
    for (size_t i = 0; i < len; i++) depth += line[i] == '{' ? 1 : line[i] == '}' ? -1 : 0;
    if (depth) shape_bad++;
    strom__nexmark_event(&c, (uint64_t)lines, &ev);
    strom__nexmark_json(&ev, json_a, sizeof json_a);
    if (strcmp(json_a, line)) mismatched++;
    lines++;
  }
  fclose(f);
  unlink(path);
  CHECK_INT(lines, 1000);
  CHECK_INT(shape_bad, 0);
  CHECK_INT(mismatched, 0);
  CHECK(strstr(json_a, "\"bid\":{\"auction\":"));
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(same_seed_and_number_give_the_same_event);
  RUN(proportions_are_1_3_46_in_every_epoch_of_50);
  RUN(ids_references_hot_keys_and_value_ranges);
  RUN(extra_pads_to_the_average_sizes);
  RUN(event_time_is_base_plus_n_times_the_interarrival);
  RUN(generator_output_is_unchanged);
  RUN(cursor_matches_the_generator);
  RUN(generation_speed);
  RUN(source_rows_match_the_generator_at_parallelism_1_2_4);
  RUN(rate_limit_paces_the_source);
  RUN(resumed_source_emits_every_event_exactly_once);
  RUN(cli_generate_writes_json_lines);
  TEST_MAIN_END();
}
