/*
 * keyed.h -- what every keyed operator shares: the current key (set from each record
 * or fired timer), the keyed state backend scoped to it, and the timer service.
 *
 * Timers are kept per (time, key, namespace) in two min-heaps, one per time domain,
 * with a hash set that makes registration idempotent and deletion cheap (a deleted
 * timer stays in its heap and is skipped when it reaches the top).  Event-time timers
 * fire as the watermark passes them; processing-time timers through the task's
 * processing-time service.
 */
#ifndef STROM_KEYED_H
#define STROM_KEYED_H

#include "../state/keymap.h"
#include "runtime.h"

typedef struct strom_timer {
  int64_t time;
  uint64_t seq, khash;
  uint32_t klen, nslen;
  uint8_t *bytes; /* key, then namespace */
} strom_timer;

typedef struct strom_timer_heap {
  strom_timer *h;
  size_t n, cap;
} strom_timer_heap;

typedef struct strom_keyed strom_keyed;
struct strom_keyed {
  strom_op *op;
  const int *keycols[2];
  int nkey[2];
  strom_buf key; /* the current key's bytes */
  uint64_t khash;
  strom_schema *key_schema;
  strom_row *key_row;
  bool key_row_ok;
  strom_timer_heap heap[2]; /* [0] event time, [1] processing time */
  strom_keymap live;        /* registered timers */
  uint64_t seq;
  int64_t pt_scheduled;
  /* The operator's timer callback; the current key is already set. */
  int (*on_timer)(strom_op *op, const strom_timer *t, int domain);
  strom_buf scratch;
  /* The last timer registered or found registered (default namespace): the same one
   * again, as a window operator asks for each row of a window, skips the live-set lookup.
   * Cleared whenever a timer leaves the live set. */
  strom_buf last_key;
  int64_t last_time;
  int last_d;
  bool last_ok;
};

/* Sets up op->keyed and op->kstate for an operator keyed by keycols (and keycols2 on
 * its second input). */
int strom__keyed_init(strom_keyed *k, strom_op *op, const int *keycols, int nkey, const int *keycols2, int nkey2,
                      int (*on_timer)(strom_op *, const strom_timer *, int));
void strom__keyed_destroy(strom_keyed *k);
int strom__keyed_set_key_from_row(strom_keyed *k, int input, const strom_row *row);
/* In a keyed process function (op_keyed_process.c): the current key becomes row's, as
 * if row had arrived on input (a buffering function's flush); STROM_EINVAL elsewhere. */
int strom__ctx_set_key_from_row(strom_ctx *ctx, int input, const strom_row *row);
/* The keyed state of a keyed process function's operator (its current key's bytes and
 * hash: key and khash), NULL elsewhere; and setting the key back, with the time of the
 * row that is folded (a buffer grouped by key). */
const strom_keyed *strom__ctx_keyed(strom_ctx *ctx);
int strom__ctx_set_key(strom_ctx *ctx, const uint8_t *key, size_t klen, uint64_t hash, int64_t time);
int strom__keyed_set_key(strom_keyed *k, const uint8_t *key, size_t klen, uint64_t hash);
/* Timers of the current key in namespace ns (NULL/0: the default namespace).
 * domain is STROM_EVENT_TIME or STROM_PROCESSING_TIME. */
int strom__keyed_timer_add(strom_keyed *k, int domain, int64_t time, const void *ns, size_t nslen);
int strom__keyed_timer_del(strom_keyed *k, int domain, int64_t time, const void *ns, size_t nslen);
/* Fires every event-time timer at or before wm, in time order. */
int strom__keyed_advance_watermark(strom_keyed *k, int64_t wm);
size_t strom__keyed_timer_count(const strom_keyed *k);

/* Checkpoints: writes the timers and keyed state per key group into s; restores the
 * key groups [kg_lo, kg_hi] from r (after the operator registered its states). */
struct strom_snapshot;
struct strom_restore;
int strom__keyed_snapshot(strom_keyed *k, struct strom_snapshot *s);
int strom__keyed_restore(strom_keyed *k, const struct strom_restore *r, int kg_lo, int kg_hi);

#endif
