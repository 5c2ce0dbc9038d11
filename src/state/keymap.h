/*
 * keymap.h -- a hash table from key bytes to value bytes, each entry tagged with its
 * key group so that state can be snapshotted and redistributed per key group.  Used
 * by the keyed reduce, the sliced window operator and the timer service.
 *
 * Entries are 64-byte slots: the header and, when key and value fit in the slot's 40
 * bytes, the bytes themselves, so a lookup touches one cache line and a small entry
 * costs no allocation.  Larger entries live on the heap and the slot points to them.
 * A strom_kv pointer from get/next stays valid until the next put or del on the map.
 */
#ifndef STROM_KEYMAP_H
#define STROM_KEYMAP_H

#include "../core/core.h"

enum { STROM_KV_SLOT = 64, STROM_KV_INLINE = 40 };

typedef struct strom_kv {
  uint64_t hash;
  uint32_t klen, vlen, vcap;
  int32_t kg;
  uint8_t data[]; /* klen key bytes, then vcap bytes of value */
} strom_kv;

static inline uint8_t *strom__kv_val(strom_kv *e) { return e->data + e->klen; }

typedef struct strom_keymap {
  uint8_t *slots; /* (mask + 1) slots of STROM_KV_SLOT bytes */
  size_t mask, count, bytes;
  size_t nheap; /* entries on the heap (the others are wholly inside their slots) */
} strom_keymap;

int strom__keymap_init(strom_keymap *m);
void strom__keymap_destroy(strom_keymap *m);
/* The entry for key, or NULL. */
strom_kv *strom__keymap_get(const strom_keymap *m, uint64_t hash, const void *key, size_t klen);
/* Sets the value of key (inserting the key if new).  klen must be at least 1. */
int strom__keymap_put(strom_keymap *m, uint64_t hash, int kg, const void *key, size_t klen,
                      const void *val, size_t vlen);
/* Grows the table to hold n entries without growing again.  Filling a table with the
 * entries of another in its slot order (sorted by hash bits) clusters badly while
 * the target is the smaller of the two: reserve the source's count first. */
int strom__keymap_reserve(strom_keymap *m, size_t n);
/* Removes key; returns 1 if it was there. */
int strom__keymap_del(strom_keymap *m, uint64_t hash, const void *key, size_t klen);
/* Iteration: *pos starts at 0; returns NULL at the end.  No put or del meanwhile. */
strom_kv *strom__keymap_next(const strom_keymap *m, size_t *pos);
/* A dense copy of the occupied slots (count slots of STROM_KV_SLOT bytes), which stays
 * valid whatever happens to the map: an entry on the heap is duplicated.  Entry i of
 * the copy is strom__keymap_copy_entry(copy, i); strom__keymap_copy_free(copy, count)
 * frees it.  NULL on ENOMEM. */
uint8_t *strom__keymap_copy(const strom_keymap *m);
strom_kv *strom__keymap_copy_entry(uint8_t *copy, size_t i);
void strom__keymap_copy_free(uint8_t *copy, size_t n);

#endif
