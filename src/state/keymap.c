/*
 * keymap.c -- open addressing with linear probing over 64-byte slots (see keymap.h).
 *
 * A slot is empty when its klen is 0.  An inline slot holds the entry itself (vcap =
 * 40 - klen).  A heap slot (vlen == UINT32_MAX in the slot) keeps the hash and key
 * length for probing and a pointer to the real entry in its first data bytes.  The
 * table doubles at 70% load; deletion shifts later entries back, so probe sequences
 * need no tombstones.
 */
#include <stdalign.h>
#include <sys/mman.h>

#include "keymap.h"

#define HEAP_MARK UINT32_MAX

static inline strom_kv *slot(const strom_keymap *m, size_t i) { return (strom_kv *)(m->slots + i * STROM_KV_SLOT); }

static inline strom_kv *heap_of(strom_kv *s) {
  strom_kv *e;
  memcpy(&e, s->data, sizeof e);
  return e;
}

/* The entry a slot stands for. */
static inline strom_kv *entry(strom_kv *s) { return s->vlen == HEAP_MARK ? heap_of(s) : s; }

/* Large tables are probed at random: huge pages save most of their TLB misses. */
static uint8_t *alloc_slots(size_t n) {
  size_t bytes = n * STROM_KV_SLOT, huge = 2u << 20;
  uint8_t *p = bytes >= huge ? aligned_alloc(huge, bytes) : aligned_alloc(STROM_KV_SLOT, bytes);
  if (p && bytes >= huge) madvise(p, bytes, MADV_HUGEPAGE);
  if (p) memset(p, 0, bytes);
  else strom__log(STROM_LOG_ERROR, "out of memory allocating %zu bytes", n * STROM_KV_SLOT);
  return p;
}

int strom__keymap_init(strom_keymap *m) {
  memset(m, 0, sizeof *m);
  if (!(m->slots = alloc_slots(16))) return STROM_ENOMEM;
  m->mask = 15;
  m->bytes = 16 * STROM_KV_SLOT;
  return STROM_OK;
}

void strom__keymap_destroy(strom_keymap *m) {
  for (size_t i = 0; m->slots && i <= m->mask; i++)
    if (slot(m, i)->klen && slot(m, i)->vlen == HEAP_MARK) free(heap_of(slot(m, i)));
  free(m->slots);
  memset(m, 0, sizeof *m);
}

static size_t find_slot(const strom_keymap *m, uint64_t hash, const void *key, size_t klen) {
  for (size_t i = hash & m->mask;; i = (i + 1) & m->mask) {
    strom_kv *s = slot(m, i);
    if (!s->klen) return i;
    if (s->hash == hash && s->klen == klen && !memcmp(entry(s)->data, key, klen)) return i;
  }
}

strom_kv *strom__keymap_get(const strom_keymap *m, uint64_t hash, const void *key, size_t klen) {
  strom_kv *s = slot(m, find_slot(m, hash, key, klen));
  return s->klen ? entry(s) : NULL;
}

static int grow(strom_keymap *m) {
  size_t n = (m->mask + 1) * 2;
  uint8_t *slots = alloc_slots(n);
  if (!slots) return STROM_ENOMEM;
  for (size_t i = 0; i <= m->mask; i++) {
    strom_kv *s = slot(m, i);
    if (!s->klen) continue;
    size_t j = s->hash & (n - 1);
    while (((strom_kv *)(slots + j * STROM_KV_SLOT))->klen) j = (j + 1) & (n - 1);
    memcpy(slots + j * STROM_KV_SLOT, s, STROM_KV_SLOT);
  }
  free(m->slots);
  m->bytes += (n - m->mask - 1) * STROM_KV_SLOT;
  m->slots = slots;
  m->mask = n - 1;
  return STROM_OK;
}

int strom__keymap_reserve(strom_keymap *m, size_t n) {
  while (n * 10 > (m->mask + 1) * 7) {
    int rc = grow(m);
    if (rc) return rc;
  }
  return STROM_OK;
}

/* Makes slot s a heap slot for a new entry with room for vlen; returns the entry. */
static strom_kv *to_heap(strom_keymap *m, strom_kv *s, uint64_t hash, int kg, const void *key, size_t klen,
                         size_t vlen) {
  size_t cap = vlen < 16 ? 16 : vlen + vlen / 4;
  strom_kv *e = strom__malloc(sizeof *e + klen + cap);
  if (!e) return NULL;
  *e = (strom_kv){.hash = hash, .klen = (uint32_t)klen, .vcap = (uint32_t)cap, .kg = kg};
  memcpy(e->data, key, klen);
  m->bytes += sizeof *e + klen + cap;
  m->nheap++;
  *s = (strom_kv){.hash = hash, .klen = (uint32_t)klen, .vlen = HEAP_MARK, .kg = kg};
  memcpy(s->data, &e, sizeof e);
  return e;
}

int strom__keymap_put(strom_keymap *m, uint64_t hash, int kg, const void *key, size_t klen,
                      const void *val, size_t vlen) {
  if (!klen || klen >= HEAP_MARK || vlen >= HEAP_MARK) return STROM_EINVAL;
  size_t i = find_slot(m, hash, key, klen);
  strom_kv *s = slot(m, i), *e;
  bool fresh = !s->klen;
  if (!fresh) {
    e = entry(s);
    if (vlen > e->vcap) {
      if (s->vlen == HEAP_MARK) { /* a bigger heap entry */
        size_t cap = vlen + vlen / 4;
        strom_kv *n = strom__realloc(e, sizeof *n + klen + cap);
        if (!n) return STROM_ENOMEM;
        m->bytes += cap - n->vcap;
        n->vcap = (uint32_t)cap;
        memcpy(s->data, &n, sizeof n);
        e = n;
      } else { /* an inline entry that outgrew its slot */
        uint8_t k[STROM_KV_INLINE];
        memcpy(k, key, klen);
        if (!(e = to_heap(m, s, hash, kg, k, klen, vlen))) return STROM_ENOMEM;
      }
    }
  } else if (klen + vlen <= STROM_KV_INLINE) {
    e = s;
    *e = (strom_kv){.hash = hash, .klen = (uint32_t)klen, .vcap = (uint32_t)(STROM_KV_INLINE - klen), .kg = kg};
    memcpy(e->data, key, klen);
  } else if (!(e = to_heap(m, s, hash, kg, key, klen, vlen))) {
    return STROM_ENOMEM;
  }
  memcpy(strom__kv_val(e), val, vlen);
  e->vlen = (uint32_t)vlen;
  if (!fresh) return STROM_OK;
  m->count++;
  if (m->count * 10 > (m->mask + 1) * 7) return grow(m);
  return STROM_OK;
}

int strom__keymap_del(strom_keymap *m, uint64_t hash, const void *key, size_t klen) {
  size_t i = find_slot(m, hash, key, klen);
  strom_kv *s = slot(m, i);
  if (!s->klen) return 0;
  if (s->vlen == HEAP_MARK) {
    strom_kv *e = heap_of(s);
    m->bytes -= sizeof *e + e->klen + e->vcap;
    m->nheap--;
    free(e);
  }
  m->count--;
  for (size_t j = (i + 1) & m->mask;; j = (j + 1) & m->mask) {
    strom_kv *t = slot(m, j);
    if (!t->klen) break;
    size_t home = t->hash & m->mask;
    /* Move j into the hole at i unless j's home lies cyclically in (i, j]. */
    bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (stays) continue;
    memcpy(slot(m, i), t, STROM_KV_SLOT);
    i = j;
  }
  memset(slot(m, i), 0, STROM_KV_SLOT);
  return 1;
}

uint8_t *strom__keymap_copy(const strom_keymap *m) {
  uint8_t *d = strom__malloc(m->count ? m->count * STROM_KV_SLOT : 1);
  if (!d) return NULL;
  size_t n = 0;
  for (size_t i = 0; i <= m->mask && n < m->count; i++) {
    strom_kv *s = slot(m, i);
    if (!s->klen) continue;
    strom_kv *c = (strom_kv *)(d + n++ * STROM_KV_SLOT);
    memcpy(c, s, STROM_KV_SLOT);
    if (s->vlen != HEAP_MARK) continue;
    /* The map may change or free the original before the copy is read. */
    strom_kv *e = heap_of(s), *dup = strom__malloc(sizeof *dup + e->klen + e->vlen);
    if (!dup) {
      c->klen = 0; /* not to be freed */
      strom__keymap_copy_free(d, n);
      return NULL;
    }
    memcpy(dup, e, sizeof *dup + e->klen + e->vlen);
    dup->vcap = e->vlen;
    memcpy(c->data, &dup, sizeof dup);
  }
  return d;
}

strom_kv *strom__keymap_copy_entry(uint8_t *copy, size_t i) { return entry((strom_kv *)(copy + i * STROM_KV_SLOT)); }

void strom__keymap_copy_free(uint8_t *copy, size_t n) {
  for (size_t i = 0; copy && i < n; i++) {
    strom_kv *s = (strom_kv *)(copy + i * STROM_KV_SLOT);
    if (s->klen && s->vlen == HEAP_MARK) free(heap_of(s));
  }
  free(copy);
}

strom_kv *strom__keymap_next(const strom_keymap *m, size_t *pos) {
  while (*pos <= m->mask) {
    strom_kv *s = slot(m, (*pos)++);
    if (s->klen) return entry(s);
  }
  return NULL;
}
