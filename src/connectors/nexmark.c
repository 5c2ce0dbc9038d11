/*
 * nexmark.c -- the Nexmark event generator: a pure function of (configuration, event
 * number).  See nexmark.h for the model.  Each event seeds its own random sequence
 * from the seed and its number (splitmix64), so no event depends on another.
 */
#include "nexmark.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define STROM_NX_LIKELY(x) __builtin_expect(!!(x), 1)

/* ---- random numbers ---- */

typedef struct rng {
  uint64_t s;
} rng;

static inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline uint64_t rng_next(rng *r) {
  r->s += 0x9e3779b97f4a7c15ull;
  return mix64(r->s);
}

/* Uniform in [0, k). */
static inline uint64_t rng_below(rng *r, uint64_t k) { return (uint64_t)(((unsigned __int128)rng_next(r) * k) >> 64); }

/* Uniform in [0, 1). */
static inline double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* ---- the letter pool: random strings are slices of it ---- */

#define POOL_SIZE 8192
static char pool[POOL_SIZE + 8]; /* the tail lets a short slice be copied 4 bytes at a time */
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void tables_init(void);

static void pool_init(void) {
  rng r = {0x6e65786d61726bull}; /* fixed: the pool is the same in every process */
  for (int i = 0; i < POOL_SIZE; i++) pool[i] = (char)('a' + rng_below(&r, 26));
  tables_init();
}

static inline nexmark_str pool_str(rng *r, uint32_t len) {
  nexmark_str s = {pool + rng_below(r, POOL_SIZE - len), len};
  return s;
}

/* ---- fixed vocabularies ---- */

static const char *const first_names[] = {"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"};
static const char *const last_names[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"};
static const char *const cities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
                                     "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"};
static const char *const states[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
static const char *const channels[] = {"Google", "Facebook", "Baidu", "Apple"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Lengths of the vocabularies' words, so that no strlen runs per event. */
static uint8_t first_len[COUNT(first_names)], last_len[COUNT(last_names)], city_len[COUNT(cities)],
    channel_len[COUNT(channels)];

/* ---- the model ---- */

void strom__nexmark_defaults(nexmark_config *c) {
  if (!c->first_event_rate) c->first_event_rate = 10000000;
  if (!c->base_time_ms) c->base_time_ms = NEXMARK_BASE_TIME_MS;
  if (!c->person_proportion || !c->auction_proportion || !c->bid_proportion)
    c->person_proportion = 1, c->auction_proportion = 3, c->bid_proportion = 46;
}

static inline uint64_t epoch_len(const nexmark_config *c) {
  return (uint64_t)c->person_proportion + c->auction_proportion + c->bid_proportion;
}

static inline int type_at(const nexmark_config *c, uint64_t off) {
  if (off < c->person_proportion) return NEXMARK_PERSON;
  if (off < (uint64_t)c->person_proportion + c->auction_proportion) return NEXMARK_AUCTION;
  return NEXMARK_BID;
}

int strom__nexmark_type(const nexmark_config *c, uint64_t n) { return type_at(c, n % epoch_len(c)); }

/* n * 10^6 / rate, truncated to 64 bits as the 128-bit quotient would be.  A 64-bit
 * division is exact while n * 10^6 fits (n < 1.8e13, 20 days at 10 M events/s); a
 * 128-bit one (__udivti3, a library call) costs several times more. */
static inline uint64_t time_offset_us(const nexmark_config *c, uint64_t n) {
  if (n <= UINT64_MAX / 1000000u) return n * 1000000u / c->first_event_rate;
  return (uint64_t)((unsigned __int128)n * 1000000u / c->first_event_rate);
}

int64_t strom__nexmark_time_us(const nexmark_config *c, uint64_t n) {
  return (int64_t)((uint64_t)c->base_time_ms * 1000 + time_offset_us(c, n));
}

/* Where event n sits: n = epoch * epoch_len + off. */
typedef struct pos {
  uint64_t epoch, off;
} pos;

/* People generated in events [0, n], and auctions likewise. */
static inline uint64_t people_upto(const nexmark_config *c, pos at) {
  uint64_t in = at.off + 1 < c->person_proportion ? at.off + 1 : c->person_proportion;
  return at.epoch * c->person_proportion + in;
}

static inline uint64_t auctions_upto(const nexmark_config *c, pos at) {
  uint64_t in = at.off + 1 <= c->person_proportion ? 0 : at.off + 1 - c->person_proportion;
  if (in > c->auction_proportion) in = c->auction_proportion;
  return at.epoch * c->auction_proportion + in;
}

static inline uint64_t pick_recent(rng *r, uint64_t last, uint64_t window) {
  uint64_t lo = last + 1 > window ? last + 1 - window : 0;
  return lo + rng_below(r, last - lo + 1);
}

/* A person who exists at event n: hot with probability 3/4, else one of the active set. */
static inline int64_t pick_person(const nexmark_config *c, rng *r, pos at) {
  uint64_t last = people_upto(c, at) - 1;
  uint64_t idx = rng_below(r, 4) ? last / NEXMARK_HOT_PERSON_STRIDE * NEXMARK_HOT_PERSON_STRIDE
                                 : pick_recent(r, last, NEXMARK_ACTIVE_PEOPLE);
  return NEXMARK_FIRST_PERSON_ID + (int64_t)idx;
}

/* 2^f for f in [0, 1) without libm: the Taylor series of e^(f ln 2), which converges
 * to double precision in 18 terms since f ln 2 < 0.7. */
static inline double exp2_frac(double f) {
  double x = f * 0.69314718055994530942, term = 1, sum = 1;
  for (int k = 1; k < 18; k++) term *= x / k, sum += term;
  return sum;
}

/* The fast price's tables: 2^(j/256) for j in [0, 256) by exp2_frac, and 2^i * 100. */
static double exp2_256ths[256], price_scale[20];

static void tables_init(void) {
  for (int j = 0; j < 256; j++) exp2_256ths[j] = exp2_frac(j / 256.0);
  for (int i = 0; i < 20; i++) price_scale[i] = (double)(1ull << i) * 100.0;
  for (size_t i = 0; i < COUNT(first_names); i++) first_len[i] = (uint8_t)strlen(first_names[i]);
  for (size_t i = 0; i < COUNT(last_names); i++) last_len[i] = (uint8_t)strlen(last_names[i]);
  for (size_t i = 0; i < COUNT(cities); i++) city_len[i] = (uint8_t)strlen(cities[i]);
  for (size_t i = 0; i < COUNT(channels); i++) channel_len[i] = (uint8_t)strlen(channels[i]);
}

/* round(10^(6U) * 100) for uniform U in [0, 1): 10^(6U) = 2^(6U log2 10).  The
 * definition is exp2_frac's 18-term series (17 divisions, once the generator's biggest
 * cost); only the rounded integer matters, so a cheaper 2^y (2^(m/256) from a table
 * times a 6-term series for the rest, t < ln 2 / 256, within a few units in the last
 * place of the series) decides it unless it lands within 1e-5 of a rounding boundary,
 * where the series decides (about 2 prices in 100,000).  1e-5 is over 600 units in
 * the last place at the largest price (10^8); the two methods differ by at most 7
 * (1.4e-15 relative, 1.0e-7 absolute, over 10^8 draws). */
static inline int64_t price(rng *r) {
  double y = rng_unit(r) * 6.0 * 3.32192809488736234787;
  double ys = y * 256; /* exact */
  int m = (int)ys;
  double t = (ys - m) * (0.69314718055994530942 / 256), t2 = t * t;
  double e = (1 + t) + t2 * ((0.5 + t * (1.0 / 6)) + t2 * (1.0 / 24 + t * (1.0 / 120)));
  double q = exp2_256ths[m & 255] * price_scale[m >> 8] * e + 0.5;
  int64_t k = (int64_t)(q - 1e-5); /* the same integer 1e-5 either side: no boundary near */
  if (STROM_NX_LIKELY(k == (int64_t)(q + 1e-5))) return k;
  int i = (int)y;
  return (int64_t)(exp2_frac(y - i) * (double)(1ull << i) * 100.0 + 0.5);
}

/* Writes v < 10000 in decimal; returns its length. */
static inline uint32_t put_u4(char *p, uint32_t v) {
  uint32_t n = v >= 1000 ? 4 : v >= 100 ? 3 : v >= 10 ? 2 : 1;
  for (uint32_t i = n; i-- > 0; v /= 10) p[i] = (char)('0' + v % 10);
  return n;
}

static inline char *put_s(char *p, const char *s, size_t n) {
  memcpy(p, s, n);
  return p + n;
}

static inline nexmark_str extra(rng *r, size_t size, size_t target) {
  if (size >= target) return (nexmark_str){pool, 0};
  uint64_t gap = target - size;
  return pool_str(r, (uint32_t)(gap / 2 + rng_below(r, gap + 1)));
}

static inline int64_t floor_ms(int64_t us) { return us >= 0 ? us / 1000 : -((-us + 999) / 1000); }

static inline uint64_t seed_mix(const nexmark_config *c) { return mix64(c->seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull); }

/* Event n, given where it sits in its epoch, its time offset (n * 10^6 / rate) and seed_mix(c). */
static void generate(const nexmark_config *c, uint64_t n, pos at, uint64_t offset_us, uint64_t seed, nexmark_event *ev) {
  rng r = {seed ^ mix64(n + 0x7a3c5e1f2d4b6987ull)};
  ev->n = n;
  ev->type = type_at(c, at.off);
  ev->time_us = (int64_t)((uint64_t)c->base_time_ms * 1000 + offset_us);
  ev->date_time_ms = floor_ms(ev->time_us);
  char *b = ev->buf;
  if (ev->type == NEXMARK_PERSON) {
    nexmark_person *p = &ev->person;
    p->id = NEXMARK_FIRST_PERSON_ID + (int64_t)people_upto(c, at) - 1;
    uint64_t fi = rng_below(&r, COUNT(first_names)), li = rng_below(&r, COUNT(last_names));
    char *s = b;
    b = put_s(b, first_names[fi], first_len[fi]);
    *b++ = ' ';
    b = put_s(b, last_names[li], last_len[li]);
    p->name = (nexmark_str){s, (uint32_t)(b - s)};
    s = b;
    memcpy(b, pool_str(&r, 7).p, 7);
    b[7] = '@';
    memcpy(b + 8, pool_str(&r, 5).p, 5);
    memcpy(b + 13, ".com", 4);
    b += 17;
    p->email_address = (nexmark_str){s, (uint32_t)(b - s)};
    s = b;
    for (int g = 0; g < 4; g++) {
      if (g) *b++ = ' ';
      uint64_t v = rng_below(&r, 10000);
      for (int d = 3; d >= 0; d--) b[d] = (char)('0' + v % 10), v /= 10;
      b += 4;
    }
    p->credit_card = (nexmark_str){s, (uint32_t)(b - s)};
    uint64_t ci = rng_below(&r, COUNT(cities));
    p->city = (nexmark_str){cities[ci], city_len[ci]};
    p->state = (nexmark_str){states[rng_below(&r, COUNT(states))], 2};
    size_t size = 16 + p->name.n + p->email_address.n + p->credit_card.n + p->city.n + p->state.n;
    p->extra = extra(&r, size, NEXMARK_PERSON_SIZE);
  } else if (ev->type == NEXMARK_AUCTION) {
    nexmark_auction *a = &ev->auction;
    a->id = NEXMARK_FIRST_AUCTION_ID + (int64_t)auctions_upto(c, at) - 1;
    a->item_name = pool_str(&r, 15 + (uint32_t)rng_below(&r, 11));
    a->description = pool_str(&r, 80 + (uint32_t)rng_below(&r, 41));
    a->initial_bid = price(&r);
    a->reserve = a->initial_bid + price(&r);
    /* Lengths make about NEXMARK_IN_FLIGHT_AUCTIONS auctions open at any time: an
     * auction lasts uniformly up to twice the events in which that many open. */
    uint64_t span = 2 * (uint64_t)NEXMARK_IN_FLIGHT_AUCTIONS * epoch_len(c) / c->auction_proportion;
    int64_t end_us = strom__nexmark_time_us(c, n + 1 + rng_below(&r, span));
    a->expires_ms = floor_ms(end_us);
    a->seller = pick_person(c, &r, at);
    a->category = NEXMARK_FIRST_CATEGORY + (int64_t)rng_below(&r, NEXMARK_NUM_CATEGORIES);
    size_t size = 56 + a->item_name.n + a->description.n;
    a->extra = extra(&r, size, NEXMARK_AUCTION_SIZE);
  } else {
    nexmark_bid *d = &ev->bid;
    uint64_t last = auctions_upto(c, at) - 1;
    uint64_t idx = rng_below(&r, 2) ? last / NEXMARK_HOT_AUCTION_STRIDE * NEXMARK_HOT_AUCTION_STRIDE
                                    : pick_recent(&r, last, NEXMARK_IN_FLIGHT_AUCTIONS);
    d->auction = NEXMARK_FIRST_AUCTION_ID + (int64_t)idx;
    d->bidder = pick_person(c, &r, at);
    d->price = price(&r);
    uint32_t ch = 0, digits = 0;
    bool named = rng_below(&r, 2);
    char *s = b;
    if (named) {
      uint64_t k = rng_below(&r, COUNT(channels));
      d->channel = (nexmark_str){channels[k], channel_len[k]};
    } else {
      ch = (uint32_t)rng_below(&r, 10000);
      b = put_s(b, "channel-", 8);
      b += digits = put_u4(b, ch);
      d->channel = (nexmark_str){s, (uint32_t)(b - s)};
    }
    s = b;
    b = put_s(b, "https://nexmark.com", 19);
    for (int k = 0; k < 3; k++) {
      uint32_t len = 1 + (uint32_t)rng_below(&r, 3);
      /* Always copy 4 bytes (the pool has room past any slice): the next write overwrites the excess. */
      *b = '/';
      memcpy(b + 1, pool_str(&r, len).p, 4);
      b += 1 + len;
    }
    memcpy(b, "/item.htm", 9);
    b += 9;
    if (!named) {
      b = put_s(b, "?query=1&channel_id=", 20);
      b = put_s(b, d->channel.p + 8, digits);
    }
    d->url = (nexmark_str){s, (uint32_t)(b - s)};
    size_t size = 32 + d->channel.n + d->url.n;
    d->extra = extra(&r, size, NEXMARK_BID_SIZE);
  }
}

void strom__nexmark_event(const nexmark_config *c, uint64_t n, nexmark_event *ev) {
  pthread_once(&pool_once, pool_init);
  uint64_t e = n / epoch_len(c);
  generate(c, n, (pos){e, n - e * epoch_len(c)}, time_offset_us(c, n), seed_mix(c), ev);
}

void strom__nexmark_cursor_init(nexmark_cursor *k, const nexmark_config *c, uint64_t n, uint64_t step) {
  pthread_once(&pool_once, pool_init);
  uint64_t len = epoch_len(c), rate = c->first_event_rate;
  k->c = *c;
  k->seed_mix = seed_mix(c);
  k->n = n;
  k->step = step;
  k->epoch = n / len, k->off = n % len;
  k->depoch = step / len, k->doff = step % len;
  unsigned __int128 t = (unsigned __int128)n * 1000000u, dt = (unsigned __int128)step * 1000000u;
  k->tq = (uint64_t)(t / rate), k->tr = (uint64_t)(t % rate);
  k->dq = (uint64_t)(dt / rate), k->dr = (uint64_t)(dt % rate);
}

void strom__nexmark_cursor_next(nexmark_cursor *k, nexmark_event *ev) {
  generate(&k->c, k->n, (pos){k->epoch, k->off}, k->tq, k->seed_mix, ev);
  /* Advance by step without dividing: both remainders stay below their divisors. */
  k->n += k->step;
  k->epoch += k->depoch, k->off += k->doff;
  if (k->off >= epoch_len(&k->c)) k->off -= epoch_len(&k->c), k->epoch++;
  k->tq += k->dq, k->tr += k->dr;
  if (k->tr >= k->c.first_event_rate) k->tr -= k->c.first_event_rate, k->tq++;
}

size_t strom__nexmark_size(const nexmark_event *ev) {
  if (ev->type == NEXMARK_PERSON) {
    const nexmark_person *p = &ev->person;
    return 16 + p->name.n + p->email_address.n + p->credit_card.n + p->city.n + p->state.n + p->extra.n;
  }
  if (ev->type == NEXMARK_AUCTION) {
    const nexmark_auction *a = &ev->auction;
    return 56 + a->item_name.n + a->description.n + a->extra.n;
  }
  const nexmark_bid *d = &ev->bid;
  return 32 + d->channel.n + d->url.n + d->extra.n;
}

/* ---- JSON ---- */

void strom__nexmark_iso(int64_t ms, char out[32]) {
  int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int msec = (int)(ms - sec * 1000);
  time_t t = (time_t)sec;
  struct tm tm;
  gmtime_r(&t, &tm);
  char tmp[96];
  snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, msec);
  snprintf(out, 32, "%.31s", tmp);
}

typedef struct jw {
  char *p;
  size_t len, cap;
} jw;

static void jw_raw(jw *w, const char *s, size_t n) {
  if (w->len < w->cap) memcpy(w->p + w->len, s, w->len + n <= w->cap ? n : w->cap - w->len);
  w->len += n;
}

static void jw_lit(jw *w, const char *s) { jw_raw(w, s, strlen(s)); }

static void jw_str(jw *w, nexmark_str s) {
  jw_raw(w, "\"", 1);
  size_t start = 0;
  for (size_t i = 0; i < s.n; i++) {
    unsigned char ch = (unsigned char)s.p[i];
    if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
    jw_raw(w, s.p + start, i - start);
    char esc[8];
    if (ch == '"' || ch == '\\') snprintf(esc, sizeof esc, "\\%c", ch);
    else snprintf(esc, sizeof esc, "\\u%04x", ch);
    jw_lit(w, esc);
    start = i + 1;
  }
  jw_raw(w, s.p + start, s.n - start);
  jw_raw(w, "\"", 1);
}

static void jw_key_str(jw *w, const char *key, nexmark_str s) {
  jw_lit(w, key);
  jw_str(w, s);
}

static void jw_key_int(jw *w, const char *key, int64_t v) {
  char tmp[32];
  jw_lit(w, key);
  jw_raw(w, tmp, (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)v));
}

static void jw_key_time(jw *w, const char *key, int64_t ms) {
  char tmp[32];
  strom__nexmark_iso(ms, tmp);
  jw_lit(w, key);
  jw_raw(w, "\"", 1);
  jw_lit(w, tmp);
  jw_raw(w, "\"", 1);
}

size_t strom__nexmark_json(const nexmark_event *ev, char *buf, size_t cap) {
  jw w = {buf, 0, cap ? cap - 1 : 0};
  jw_key_int(&w, "{\"event_type\":", ev->type);
  if (ev->type == NEXMARK_PERSON) {
    const nexmark_person *p = &ev->person;
    jw_key_int(&w, ",\"person\":{\"id\":", p->id);
    jw_key_str(&w, ",\"name\":", p->name);
    jw_key_str(&w, ",\"emailAddress\":", p->email_address);
    jw_key_str(&w, ",\"creditCard\":", p->credit_card);
    jw_key_str(&w, ",\"city\":", p->city);
    jw_key_str(&w, ",\"state\":", p->state);
    jw_key_time(&w, ",\"dateTime\":", ev->date_time_ms);
    jw_key_str(&w, ",\"extra\":", p->extra);
    jw_lit(&w, "},\"auction\":null,\"bid\":null}");
  } else if (ev->type == NEXMARK_AUCTION) {
    const nexmark_auction *a = &ev->auction;
    jw_key_int(&w, ",\"person\":null,\"auction\":{\"id\":", a->id);
    jw_key_str(&w, ",\"itemName\":", a->item_name);
    jw_key_str(&w, ",\"description\":", a->description);
    jw_key_int(&w, ",\"initialBid\":", a->initial_bid);
    jw_key_int(&w, ",\"reserve\":", a->reserve);
    jw_key_time(&w, ",\"dateTime\":", ev->date_time_ms);
    jw_key_time(&w, ",\"expires\":", a->expires_ms);
    jw_key_int(&w, ",\"seller\":", a->seller);
    jw_key_int(&w, ",\"category\":", a->category);
    jw_key_str(&w, ",\"extra\":", a->extra);
    jw_lit(&w, "},\"bid\":null}");
  } else {
    const nexmark_bid *d = &ev->bid;
    jw_key_int(&w, ",\"person\":null,\"auction\":null,\"bid\":{\"auction\":", d->auction);
    jw_key_int(&w, ",\"bidder\":", d->bidder);
    jw_key_int(&w, ",\"price\":", d->price);
    jw_key_str(&w, ",\"channel\":", d->channel);
    jw_key_str(&w, ",\"url\":", d->url);
    jw_key_time(&w, ",\"dateTime\":", ev->date_time_ms);
    jw_key_str(&w, ",\"extra\":", d->extra);
    jw_lit(&w, "}}");
  }
  if (cap) buf[w.len < cap ? w.len : cap - 1] = 0;
  return w.len;
}
