/*
 * keymap.c -- open addressing with linear probing over (hash, entry) slots, so a
 * probe touches one cache line of slots and compares full hashes before any key
 * bytes.  The table doubles at 70% load.  Entries are one allocation each (key and
 * value together); a value that outgrows its capacity moves to a larger entry.
 */
#include "keymap.h"

int strom__keymap_init(strom_keymap *m) {
  memset(m, 0, sizeof *m);
  m->slots = strom__calloc(16, sizeof *m->slots);
  if (!m->slots) return STROM_ENOMEM;
  m->mask = 15;
  return STROM_OK;
}

void strom__keymap_destroy(strom_keymap *m) {
  for (size_t i = 0; m->slots && i <= m->mask; i++) free(m->slots[i].e);
  free(m->slots);
  memset(m, 0, sizeof *m);
}

static size_t find_slot(const strom_keymap *m, uint64_t hash, const void *key, size_t klen) {
  size_t i = hash & m->mask;
  for (;; i = (i + 1) & m->mask) {
    const struct slot *s = &m->slots[i];
    if (!s->e) return i;
    if (s->hash == hash && s->e->klen == klen && !memcmp(s->e->data, key, klen)) return i;
  }
}

strom_kv *strom__keymap_get(const strom_keymap *m, uint64_t hash, const void *key, size_t klen) {
  return m->slots[find_slot(m, hash, key, klen)].e;
}

static int grow(strom_keymap *m) {
  size_t n = (m->mask + 1) * 2;
  struct slot *slots = strom__calloc(n, sizeof *slots);
  if (!slots) return STROM_ENOMEM;
  for (size_t i = 0; i <= m->mask; i++) {
    if (!m->slots[i].e) continue;
    size_t j = m->slots[i].hash & (n - 1);
    while (slots[j].e) j = (j + 1) & (n - 1);
    slots[j] = m->slots[i];
  }
  free(m->slots);
  m->slots = slots;
  m->mask = n - 1;
  return STROM_OK;
}

int strom__keymap_put(strom_keymap *m, uint64_t hash, int kg, const void *key, size_t klen,
                      const void *val, size_t vlen) {
  size_t i = find_slot(m, hash, key, klen);
  strom_kv *e = m->slots[i].e;
  if (e && vlen <= e->vcap) {
    memcpy(strom__kv_val(e), val, vlen);
    e->vlen = (uint32_t)vlen;
    return STROM_OK;
  }
  size_t cap = vlen < 16 ? 16 : vlen + vlen / 4;
  strom_kv *n = strom__malloc(sizeof *n + klen + cap);
  if (!n) return STROM_ENOMEM;
  *n = (strom_kv){.hash = hash, .klen = (uint32_t)klen, .vlen = (uint32_t)vlen, .vcap = (uint32_t)cap, .kg = kg};
  memcpy(n->data, key, klen);
  memcpy(strom__kv_val(n), val, vlen);
  m->bytes += sizeof *n + klen + cap;
  if (e) {
    m->bytes -= sizeof *e + e->klen + e->vcap;
    free(e);
    m->slots[i].e = n;
    return STROM_OK;
  }
  m->slots[i] = (struct slot){.hash = hash, .e = n};
  m->count++;
  if (m->count * 10 > (m->mask + 1) * 7) return grow(m);
  return STROM_OK;
}

/* Backward-shift deletion keeps probe sequences unbroken without tombstones. */
int strom__keymap_del(strom_keymap *m, uint64_t hash, const void *key, size_t klen) {
  size_t i = find_slot(m, hash, key, klen);
  strom_kv *e = m->slots[i].e;
  if (!e) return 0;
  m->bytes -= sizeof *e + e->klen + e->vcap;
  free(e);
  m->count--;
  for (size_t j = (i + 1) & m->mask;; j = (j + 1) & m->mask) {
    if (!m->slots[j].e) break;
    size_t home = m->slots[j].hash & m->mask;
    /* Move j into the hole at i unless j's home lies cyclically in (i, j]. */
    bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (stays) continue;
    m->slots[i] = m->slots[j];
    i = j;
  }
  m->slots[i] = (struct slot){0};
  return 1;
}

strom_kv *strom__keymap_next(const strom_keymap *m, size_t *pos) {
  while (*pos <= m->mask) {
    strom_kv *e = m->slots[(*pos)++].e;
    if (e) return e;
  }
  return NULL;
}
