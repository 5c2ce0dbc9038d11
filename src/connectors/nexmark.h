/*
 * nexmark.h -- the Nexmark event generator (an online auction: people register, open
 * auctions and bid), written from the event model in ../shared/NEXMARK.md.
 *
 * The generator is pure: event number n and the configuration determine the event,
 * with no state carried from earlier events, so each parallel subtask generates its
 * own slice of event numbers without coordination.
 *
 *  - Event numbers run in epochs of person+auction+bid proportion (default 1+3+46 =
 *    50): the first offsets of an epoch are people, then auctions, then bids.
 *  - Person and auction ids start at 1000 and grow by one with each person/auction
 *    event; an event only ever refers to people and auctions generated before it.
 *  - Hot keys: a bid goes to the hot auction with probability 1/2 (else a uniform one
 *    of the last 100 auctions, those "in flight"), its bidder is a hot person with
 *    probability 3/4 (else a uniform one of the last 1000 people, the active set); an
 *    auction's seller is a hot person with probability 3/4.  The hot auction is the
 *    newest auction rounded down to a multiple of 100 (in 0-based auction numbers);
 *    the hot person the newest person rounded down to a multiple of 10.
 *  - Event time: base_time + n * 1e6 / first_event_rate microseconds (exact integer
 *    division); date_time is that in milliseconds.
 *  - Sizes: an event's size counts 8 bytes per number or time and the length of each
 *    string; `extra` pads people to 200 bytes, auctions to 500 and bids to 100 on
 *    average (its length is uniform around the gap).
 *  - Strings are slices of a fixed random letter pool, or composed in the event's own
 *    buffer: they stay valid until the event struct is reused.
 */
#ifndef STROM_NEXMARK_H
#define STROM_NEXMARK_H

#include <stddef.h>
#include <stdint.h>

#define NEXMARK_PERSON 0
#define NEXMARK_AUCTION 1
#define NEXMARK_BID 2

#define NEXMARK_FIRST_PERSON_ID 1000
#define NEXMARK_FIRST_AUCTION_ID 1000
#define NEXMARK_FIRST_CATEGORY 10
#define NEXMARK_NUM_CATEGORIES 5
#define NEXMARK_ACTIVE_PEOPLE 1000
#define NEXMARK_IN_FLIGHT_AUCTIONS 100
#define NEXMARK_HOT_AUCTION_STRIDE 100
#define NEXMARK_HOT_PERSON_STRIDE 10
#define NEXMARK_PERSON_SIZE 200
#define NEXMARK_AUCTION_SIZE 500
#define NEXMARK_BID_SIZE 100
/* 2015-07-15T00:00:00Z, the default base time, in milliseconds. */
#define NEXMARK_BASE_TIME_MS 1436918400000LL

typedef struct nexmark_config {
  uint64_t seed;
  uint64_t first_event_rate; /* events per second of event time, for the whole source; 0 = 10,000,000 */
  int64_t base_time_ms;      /* 0 = NEXMARK_BASE_TIME_MS */
  uint32_t person_proportion, auction_proportion, bid_proportion; /* all 0 = 1, 3, 46 */
} nexmark_config;

typedef struct nexmark_str {
  const char *p;
  uint32_t n;
} nexmark_str;

typedef struct nexmark_person {
  int64_t id;
  nexmark_str name, email_address, credit_card, city, state, extra;
} nexmark_person;

typedef struct nexmark_auction {
  int64_t id;
  nexmark_str item_name, description;
  int64_t initial_bid, reserve;
  int64_t expires_ms;
  int64_t seller, category;
  nexmark_str extra;
} nexmark_auction;

typedef struct nexmark_bid {
  int64_t auction, bidder, price;
  nexmark_str channel, url, extra;
} nexmark_bid;

typedef struct nexmark_event {
  int type; /* NEXMARK_PERSON, NEXMARK_AUCTION or NEXMARK_BID */
  uint64_t n;
  int64_t time_us;      /* event time in microseconds since the epoch */
  int64_t date_time_ms; /* the same in milliseconds */
  nexmark_person person;
  nexmark_auction auction;
  nexmark_bid bid;
  char buf[192]; /* composed strings (name, email, card, url, channel) */
} nexmark_event;

/* Reads events n, n + step, n + 2 step, ... in order: the same events as
 * strom__nexmark_event, but the epoch position and the event time are carried from
 * one event to the next instead of divided out again (what a source's loop wants). */
typedef struct nexmark_cursor {
  nexmark_config c;
  uint64_t seed_mix; /* the per-seed half of every event's random seed */
  uint64_t n, step;
  uint64_t epoch, off, depoch, doff; /* n = epoch * epoch_len + off; step likewise */
  uint64_t tq, tr, dq, dr;           /* n * 10^6 = tq * rate + tr (tq modulo 2^64); step likewise */
} nexmark_cursor;

/* Fills in defaults (zero fields) in place. */
void strom__nexmark_defaults(nexmark_config *c);
/* Generates event n into ev (c must have its defaults filled in). */
void strom__nexmark_event(const nexmark_config *c, uint64_t n, nexmark_event *ev);
/* Places k at event n (c must have its defaults filled in; it is copied). */
void strom__nexmark_cursor_init(nexmark_cursor *k, const nexmark_config *c, uint64_t n, uint64_t step);
/* Generates event k->n into ev and moves k on by its step. */
void strom__nexmark_cursor_next(nexmark_cursor *k, nexmark_event *ev);
/* The event's type without generating it. */
int strom__nexmark_type(const nexmark_config *c, uint64_t n);
/* Event time of n in microseconds. */
int64_t strom__nexmark_time_us(const nexmark_config *c, uint64_t n);
/* The event's size as defined above (what `extra` pads). */
size_t strom__nexmark_size(const nexmark_event *ev);
/* Writes the event as one JSON object in the source table's shape (no newline):
 * {"event_type":2,"person":null,"auction":null,"bid":{...}} with ISO-8601 UTC times.
 * Returns the length needed (as snprintf). */
size_t strom__nexmark_json(const nexmark_event *ev, char *buf, size_t cap);
/* Formats milliseconds since the epoch as 2015-07-15T00:00:00.003Z (25 bytes with NUL). */
void strom__nexmark_iso(int64_t ms, char out[32]);

#endif
