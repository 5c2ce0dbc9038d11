/*
 * src_nexmark.c -- the Nexmark source (strom_nexmark_source): the generator of
 * nexmark.c run as a parallel, replayable source.  A bounded source gives each
 * subtask a contiguous slice of [0, events); an unbounded one interleaves (subtask s
 * takes s, s+p, ...).  The position (the next event number) is checkpointed.
 */
#include <time.h>

#include "../api/api.h"
#include "../runtime/snapshot.h"
#include "nexmark.h"

/* Where a column's value is in a generated event (a projected source, see nx_project). */
typedef enum { NX_I64, NX_STR, NX_TYPE } nx_kind;
typedef struct nx_field {
  uint16_t col; /* the output column */
  uint16_t off; /* offset in nexmark_event */
} nx_field;

typedef struct nx_conf {
  nexmark_config gen;
  uint64_t events;
  double rate_limit;
  uint8_t nulls[3][STROM_ROW_NULLS_SIZE(STROM_NX_NCOLS)]; /* per event type, see nx_fill */
  /* opts.columns: per event type, the output's null bytes and the fields to store */
  bool projected;
  int type_col; /* event_type's column, or -1 */
  int nints[3], nstrs[3];
  nx_field ints[3][STROM_NX_NCOLS], strs[3][STROM_NX_NCOLS];
  uint8_t pnulls[3][STROM_ROW_NULLS_SIZE(STROM_NX_NCOLS)];
} nx_conf;

typedef struct nx_state {
  uint64_t next;
  bool restored;
  nexmark_event ev; /* strings of the emitted row point into it */
} nx_state;

strom_schema *strom_nexmark_schema(void) {
  return strom_schema_parse(
      "event_type INT, "
      "person_id BIGINT, person_name VARCHAR, person_email_address VARCHAR, person_credit_card VARCHAR, "
      "person_city VARCHAR, person_state VARCHAR, person_date_time TIMESTAMP, person_extra VARCHAR, "
      "auction_id BIGINT, auction_item_name VARCHAR, auction_description VARCHAR, auction_initial_bid BIGINT, "
      "auction_reserve BIGINT, auction_date_time TIMESTAMP, auction_expires TIMESTAMP, auction_seller BIGINT, "
      "auction_category BIGINT, auction_extra VARCHAR, "
      "bid_auction BIGINT, bid_bidder BIGINT, bid_price BIGINT, bid_channel VARCHAR, bid_url VARCHAR, "
      "bid_date_time TIMESTAMP, bid_extra VARCHAR, "
      "date_time TIMESTAMP",
      NULL, 0);
}

#define NX_NULLS_SIZE STROM_ROW_NULLS_SIZE(STROM_NX_NCOLS)

static inline void put_i(strom_row *r, int col, int64_t v) { r->v[col].i = v; }

static inline void put_s(strom_row *r, int col, nexmark_str s) {
  r->v[col].s.p = s.p;
  r->v[col].s.n = s.n;
}

/* The null bytes of a row of each event type, made once per source: event_type,
 * date_time and the type's own columns are set, the others NULL. */
static void nx_nulls_init(uint8_t nulls[3][NX_NULLS_SIZE]) {
  static const int first[3] = {STROM_NX_PERSON_ID, STROM_NX_AUCTION_ID, STROM_NX_BID_AUCTION};
  static const int end[3] = {STROM_NX_AUCTION_ID, STROM_NX_BID_AUCTION, STROM_NX_DATE_TIME};
  for (int t = 0; t < 3; t++) {
    memset(nulls[t], 1, NX_NULLS_SIZE);
    nulls[t][STROM_NX_EVENT_TYPE] = nulls[t][STROM_NX_DATE_TIME] = 0;
    for (int c = first[t]; c < end[t]; c++) nulls[t][c] = 0;
  }
}

/* Fills the source's scratch row from an event: the row is reset by copying the
 * type's null bytes, and the values are stored directly (the row is this source's
 * own, of the Nexmark schema), which saves a call per column on every event. */
static void nx_fill(strom_row *r, const uint8_t nulls[3][NX_NULLS_SIZE], const nexmark_event *ev) {
  memcpy(r->nulls, nulls[ev->type], NX_NULLS_SIZE);
  r->kind = STROM_INSERT;
  r->arena_len = 0;
  r->time = ev->date_time_ms;
  put_i(r, STROM_NX_EVENT_TYPE, ev->type);
  if (ev->type == NEXMARK_PERSON) {
    const nexmark_person *p = &ev->person;
    put_i(r, STROM_NX_PERSON_ID, p->id);
    put_s(r, STROM_NX_PERSON_NAME, p->name);
    put_s(r, STROM_NX_PERSON_EMAIL_ADDRESS, p->email_address);
    put_s(r, STROM_NX_PERSON_CREDIT_CARD, p->credit_card);
    put_s(r, STROM_NX_PERSON_CITY, p->city);
    put_s(r, STROM_NX_PERSON_STATE, p->state);
    put_i(r, STROM_NX_PERSON_DATE_TIME, ev->date_time_ms);
    put_s(r, STROM_NX_PERSON_EXTRA, p->extra);
  } else if (ev->type == NEXMARK_AUCTION) {
    const nexmark_auction *a = &ev->auction;
    put_i(r, STROM_NX_AUCTION_ID, a->id);
    put_s(r, STROM_NX_AUCTION_ITEM_NAME, a->item_name);
    put_s(r, STROM_NX_AUCTION_DESCRIPTION, a->description);
    put_i(r, STROM_NX_AUCTION_INITIAL_BID, a->initial_bid);
    put_i(r, STROM_NX_AUCTION_RESERVE, a->reserve);
    put_i(r, STROM_NX_AUCTION_DATE_TIME, ev->date_time_ms);
    put_i(r, STROM_NX_AUCTION_EXPIRES, a->expires_ms);
    put_i(r, STROM_NX_AUCTION_SELLER, a->seller);
    put_i(r, STROM_NX_AUCTION_CATEGORY, a->category);
    put_s(r, STROM_NX_AUCTION_EXTRA, a->extra);
  } else {
    const nexmark_bid *b = &ev->bid;
    put_i(r, STROM_NX_BID_AUCTION, b->auction);
    put_i(r, STROM_NX_BID_BIDDER, b->bidder);
    put_i(r, STROM_NX_BID_PRICE, b->price);
    put_s(r, STROM_NX_BID_CHANNEL, b->channel);
    put_s(r, STROM_NX_BID_URL, b->url);
    put_i(r, STROM_NX_BID_DATE_TIME, ev->date_time_ms);
    put_s(r, STROM_NX_BID_EXTRA, b->extra);
  }
  put_i(r, STROM_NX_DATE_TIME, ev->date_time_ms);
}

/* Each column of the full schema: the event type that has it (-1: every type), where
 * its value is and how it is stored. */
static const struct {
  int8_t type;
  uint16_t off;
  uint8_t kind;
} nx_cols[STROM_NX_NCOLS] = {
#define F(t, m, k) {t, (uint16_t)offsetof(nexmark_event, m), k}
    [STROM_NX_EVENT_TYPE] = F(-1, type, NX_TYPE),
    [STROM_NX_PERSON_ID] = F(NEXMARK_PERSON, person.id, NX_I64),
    [STROM_NX_PERSON_NAME] = F(NEXMARK_PERSON, person.name, NX_STR),
    [STROM_NX_PERSON_EMAIL_ADDRESS] = F(NEXMARK_PERSON, person.email_address, NX_STR),
    [STROM_NX_PERSON_CREDIT_CARD] = F(NEXMARK_PERSON, person.credit_card, NX_STR),
    [STROM_NX_PERSON_CITY] = F(NEXMARK_PERSON, person.city, NX_STR),
    [STROM_NX_PERSON_STATE] = F(NEXMARK_PERSON, person.state, NX_STR),
    [STROM_NX_PERSON_DATE_TIME] = F(NEXMARK_PERSON, date_time_ms, NX_I64),
    [STROM_NX_PERSON_EXTRA] = F(NEXMARK_PERSON, person.extra, NX_STR),
    [STROM_NX_AUCTION_ID] = F(NEXMARK_AUCTION, auction.id, NX_I64),
    [STROM_NX_AUCTION_ITEM_NAME] = F(NEXMARK_AUCTION, auction.item_name, NX_STR),
    [STROM_NX_AUCTION_DESCRIPTION] = F(NEXMARK_AUCTION, auction.description, NX_STR),
    [STROM_NX_AUCTION_INITIAL_BID] = F(NEXMARK_AUCTION, auction.initial_bid, NX_I64),
    [STROM_NX_AUCTION_RESERVE] = F(NEXMARK_AUCTION, auction.reserve, NX_I64),
    [STROM_NX_AUCTION_DATE_TIME] = F(NEXMARK_AUCTION, date_time_ms, NX_I64),
    [STROM_NX_AUCTION_EXPIRES] = F(NEXMARK_AUCTION, auction.expires_ms, NX_I64),
    [STROM_NX_AUCTION_SELLER] = F(NEXMARK_AUCTION, auction.seller, NX_I64),
    [STROM_NX_AUCTION_CATEGORY] = F(NEXMARK_AUCTION, auction.category, NX_I64),
    [STROM_NX_AUCTION_EXTRA] = F(NEXMARK_AUCTION, auction.extra, NX_STR),
    [STROM_NX_BID_AUCTION] = F(NEXMARK_BID, bid.auction, NX_I64),
    [STROM_NX_BID_BIDDER] = F(NEXMARK_BID, bid.bidder, NX_I64),
    [STROM_NX_BID_PRICE] = F(NEXMARK_BID, bid.price, NX_I64),
    [STROM_NX_BID_CHANNEL] = F(NEXMARK_BID, bid.channel, NX_STR),
    [STROM_NX_BID_URL] = F(NEXMARK_BID, bid.url, NX_STR),
    [STROM_NX_BID_DATE_TIME] = F(NEXMARK_BID, date_time_ms, NX_I64),
    [STROM_NX_BID_EXTRA] = F(NEXMARK_BID, bid.extra, NX_STR),
    [STROM_NX_DATE_TIME] = F(-1, date_time_ms, NX_I64),
#undef F
};

/* opts.columns: the source emits these columns of the full schema, in this order
 * (Flink's projection pushdown); each event type stores only its own fields, so a
 * query reading a few columns pays for a few.  Returns the output schema, or NULL
 * with err set. */
static strom_schema *nx_project(nx_conf *c, const char *columns, char *err, size_t errlen) {
  strom_schema *full = strom_nexmark_schema(), *out = strom_schema_new();
  if (!full || !out) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  for (int t = 0; t < 3; t++) memset(c->pnulls[t], 1, sizeof c->pnulls[t]);
  c->type_col = -1;
  const char *p = columns;
  for (int n = 0;; n++) {
    while (*p == ' ' || *p == ',') p++;
    if (!*p) break;
    size_t len = strcspn(p, " ,");
    char name[64];
    int col = len < sizeof name ? (memcpy(name, p, len), name[len] = 0, strom_schema_find(full, name)) : -1;
    if (col < 0) {
      snprintf(err, errlen, "nexmark_source: '%.*s' in columns is not a Nexmark column", (int)len, p);
      goto fail;
    }
    if (n >= STROM_NX_NCOLS || strom_schema_find(out, name) >= 0) {
      snprintf(err, errlen, "nexmark_source: column '%s' appears twice in columns", name);
      goto fail;
    }
    if (strom_schema_add(out, name, strom_schema_col_type(full, col))) {
      snprintf(err, errlen, "out of memory");
      goto fail;
    }
    for (int t = 0; t < 3; t++) {
      if (nx_cols[col].type >= 0 && nx_cols[col].type != t) continue;
      nx_field f = {.col = (uint16_t)n, .off = nx_cols[col].off};
      if (nx_cols[col].kind == NX_I64) c->ints[t][c->nints[t]++] = f;
      else if (nx_cols[col].kind == NX_STR) c->strs[t][c->nstrs[t]++] = f;
      else c->type_col = n;
      c->pnulls[t][n] = 0;
    }
    p += len;
  }
  if (strom_schema_ncols(out) == 0) {
    snprintf(err, errlen, "nexmark_source: columns names no column");
    goto fail;
  }
  strom_schema_free(full);
  c->projected = true;
  return out;
fail:
  strom_schema_free(full);
  strom_schema_free(out);
  return NULL;
}

/* nx_fill for a projected source. */
static void nx_fill_projected(strom_row *r, const nx_conf *c, const nexmark_event *ev) {
  memcpy(r->nulls, c->pnulls[ev->type], (size_t)r->ncols);
  r->kind = STROM_INSERT;
  r->arena_len = 0;
  r->time = ev->date_time_ms;
  int t = ev->type;
  const nx_field *f = c->ints[t];
  for (int i = 0, n = c->nints[t]; i < n; i++) memcpy(&r->v[f[i].col].i, (const char *)ev + f[i].off, sizeof(int64_t));
  f = c->strs[t];
  for (int i = 0, n = c->nstrs[t]; i < n; i++) {
    const nexmark_str *s = (const nexmark_str *)(const void *)((const char *)ev + f[i].off);
    r->v[f[i].col].s.p = s->p, r->v[f[i].col].s.n = s->n;
  }
  if (c->type_col >= 0) r->v[c->type_col].i = t;
}

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int nx_open(strom_op *op) {
  op->state = strom__calloc(1, sizeof(nx_state));
  return op->state ? STROM_OK : STROM_ENOMEM;
}

static void nx_close(strom_op *op) { free(op->state); }

static int nx_run(strom_op *op) {
  nx_conf *c = op->conf;
  nx_state *st = op->state;
  uint64_t s = (uint64_t)op->ctx.subtask, p = (uint64_t)op->ctx.parallelism;
  uint64_t lo, hi, step;
  if (c->events == STROM_UNBOUNDED) {
    lo = s, hi = UINT64_MAX, step = p;
  } else {
    lo = (uint64_t)((unsigned __int128)c->events * s / p);
    hi = (uint64_t)((unsigned __int128)c->events * (s + 1) / p);
    step = 1;
  }
  if (!st->restored) st->next = lo;
  nexmark_cursor cur;
  strom__nexmark_cursor_init(&cur, &c->gen, st->next, step);
  strom_row *out = op->out.scratch;
  strom_yield_pacer pacer = {0};
  uint32_t n = 0, every = 0;
  /* Pacing: this subtask's share of rate_limit, counted from when it (re)started. */
  double ns_per_event = c->rate_limit > 0 ? 1e9 * (double)p / c->rate_limit : 0;
  int64_t start_ns = ns_per_event > 0 ? mono_ns() : 0;
  uint64_t emitted = 0;
  int rc;
  while (st->next < hi) {
    if (ns_per_event > 0) {
      int64_t due = start_ns + (int64_t)((double)emitted * ns_per_event), now = mono_ns();
      if (due > now) {
        /* Ahead of the rate: flush what is buffered, serve mail and timers, then sleep
         * at most a millisecond at a time so that checkpoints and cancellation wait little. */
        if ((rc = strom__task_flush(op->task)) || (rc = strom__task_yield(op->task))) return rc;
        int64_t wait = due - mono_ns();
        if (wait > 1000000) wait = 1000000;
        if (wait > 0) {
          struct timespec pause = {0, (long)wait};
          nanosleep(&pause, NULL);
        }
        continue;
      }
    }
    uint64_t i = st->next;
    if (cur.n != i) strom__nexmark_cursor_init(&cur, &c->gen, i, step);
    strom__nexmark_cursor_next(&cur, &st->ev);
    if (c->projected) nx_fill_projected(out, c, &st->ev);
    else nx_fill(out, c->nulls, &st->ev);
    st->next = i + step < i ? hi : i + step; /* before the emit: a checkpoint may follow it */
    emitted++;
    if ((rc = strom__emit(&op->out, out))) return rc;
    if (STROM_UNLIKELY(++n >= every)) {
      if ((rc = strom__source_yield(op->task, &pacer))) return rc;
      n = 0, every = pacer.every;
    }
  }
  return STROM_OK;
}

static int nx_snapshot(strom_op *op, int64_t id, strom_snapshot *snap) {
  STROM_UNUSED(id);
  nx_state *st = op->state;
  return strom__snap_add(snap, STROM_SNAP_SOURCE, -1, &st->next, sizeof st->next);
}

static int nx_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  nx_state *st = op->state;
  if (r->old_parallelism != op->ctx.parallelism)
    return strom__op_fail(op, STROM_ENOTSUP, "a nexmark source cannot resume at another parallelism (was %d, now %d)",
                          r->old_parallelism, op->ctx.parallelism);
  for (int i = 0; i < r->n; i++) {
    if (r->b[i].kind != STROM_SNAP_SOURCE || r->b[i].subtask != op->ctx.subtask) continue;
    if (r->b[i].len != sizeof st->next) return strom__op_fail(op, STROM_EPARSE, "malformed nexmark position");
    memcpy(&st->next, r->b[i].p, sizeof st->next);
    st->restored = true;
  }
  return STROM_OK;
}

static const strom_op_vt nx_vt = {.kind = "Nexmark Source",
                                  .open = nx_open,
                                  .run = nx_run,
                                  .close = nx_close,
                                  .free_conf = free,
                                  .snapshot = nx_snapshot,
                                  .restore = nx_restore};

strom_stream *strom_nexmark_source(strom_env *env, const strom_nexmark_opts *opts) {
  if (!env) return NULL;
  strom_nexmark_opts o = opts ? *opts : (strom_nexmark_opts){0};
  if (o.rate_limit < 0 || o.rate_limit != o.rate_limit)
    return strom__env_error(env, STROM_EINVAL, "nexmark_source: rate_limit must be >= 0");
  nx_conf *c = strom__calloc(1, sizeof *c);
  if (!c) return strom__env_error(env, STROM_ENOMEM, "out of memory");
  c->gen.seed = o.seed;
  c->gen.first_event_rate = o.first_event_rate;
  strom__nexmark_defaults(&c->gen);
  c->events = o.events ? o.events : STROM_UNBOUNDED;
  c->rate_limit = o.rate_limit;
  nx_nulls_init(c->nulls);
  char err[160];
  strom_schema *s = o.columns ? nx_project(c, o.columns, err, sizeof err) : strom_nexmark_schema();
  if (!s) {
    free(c);
    return o.columns ? strom__env_error(env, STROM_EINVAL, "%s", err) : strom__env_error(env, STROM_ENOMEM, "out of memory");
  }
  strom_stream *st = strom__add_node(env, NULL, "Nexmark Source", &nx_vt, c, s);
  strom_schema_free(s);
  return st;
}
