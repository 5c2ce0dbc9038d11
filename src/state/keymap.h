/*
 * keymap.h -- the heap store of keyed state: a hash table from key bytes to value
 * bytes, each entry tagged with its key group so that state can later be snapshotted
 * and redistributed per key group.
 */
#ifndef STROM_KEYMAP_H
#define STROM_KEYMAP_H

#include "../core/core.h"

typedef struct strom_kv {
  uint64_t hash;
  uint32_t klen, vlen, vcap;
  int32_t kg;
  uint8_t data[]; /* klen key bytes, then vcap bytes of value */
} strom_kv;

static inline uint8_t *strom__kv_val(strom_kv *e) { return e->data + e->klen; }

typedef struct strom_keymap {
  struct slot {
    uint64_t hash;
    strom_kv *e;
  } *slots;
  size_t mask, count, bytes;
} strom_keymap;

int strom__keymap_init(strom_keymap *m);
void strom__keymap_destroy(strom_keymap *m);
/* The entry for key, or NULL. */
strom_kv *strom__keymap_get(const strom_keymap *m, uint64_t hash, const void *key, size_t klen);
/* Sets the value of key (inserting the key if new). */
int strom__keymap_put(strom_keymap *m, uint64_t hash, int kg, const void *key, size_t klen,
                      const void *val, size_t vlen);
/* Removes key; returns 1 if it was there. */
int strom__keymap_del(strom_keymap *m, uint64_t hash, const void *key, size_t klen);
/* Iteration: *pos starts at 0; returns NULL at the end. */
strom_kv *strom__keymap_next(const strom_keymap *m, size_t *pos);

#endif
