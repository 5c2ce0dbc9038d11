/*
 * heap_state.c -- the heap keyed state backend: every state of an operator subtask
 * in memory, as Flink's HashMapStateBackend, but with values kept encoded.
 *
 * Layout.  Each state has its own hash table from (current key, namespace) to the
 * value.  The table is open addressing with linear probing over 8-byte slots, each an
 * entry pointer whose 3 low (alignment) bits hold 3 bits of the hash, so a probe
 * rarely dereferences an entry that cannot match.  Hashes are not stored: growing,
 * shrinking and deletion by backward shift recompute them from the entry's bytes
 * (XXH3 of a short key costs less than the cache miss of reading the entry).  An
 * entry is one allocation:
 *
 *   [u16 key group][varint klen][varint nslen][int64 last access, TTL only]
 *   [key bytes][namespace bytes][varint vlen][value bytes]
 *
 * so a VALUE state of one BIGINT under a BIGINT key is 23 bytes (a 32-byte malloc
 * chunk) plus about 17 bytes of slots per key at the table's load factor (between
 * 3/8 and 3/4).  The value is the encoded row (strom__row_encode) for VALUE and
 * REDUCING, the encoded accumulator for AGGREGATING; for LIST it is a pointer to a
 * growable buffer of elements ([int64 ts, TTL only][varint len][encoded row]) and for
 * MAP a pointer to a nested table of the same kind keyed by the map key's
 * strom__key_bytes (of all its columns), whose entries carry the encoded value row.
 * The key group is stored in each entry for snapshots per key group.
 *
 * The entry hash is XXH3(key) -- the hash the caller gives with the key, from which
 * the key group also comes -- XOR a mix of XXH3(namespace) (0 for the default
 * namespace).
 *
 * TTL (Flink's StateTtlConfig with NeverReturnExpired).  Time is the processing time
 * of strom_kstate_opts.now_ms.  The last-access timestamp is kept per value for
 * VALUE, REDUCING and AGGREGATING, per element for LIST and per map entry for MAP,
 * as Flink does.  A value is expired when now >= ts + ttl; it is then never returned
 * and is removed when touched.  ON_READ_AND_WRITE also restarts the clock on reads
 * (get, list_size / list building, map_get, map_next).  Incremental cleanup: every
 * access to a TTL state (except list_get and map_next, which must not disturb an
 * ongoing iteration) first examines up to CLEANUP_ENTRIES other (key, namespace)
 * entries round-robin and removes what has expired (for LIST and MAP: their expired
 * elements, and the entry once it is empty), so memory of keys that are never
 * touched again is reclaimed.  The current key is never cleaned this way.
 *
 * Returned rows are decoded views (strings point into the entry) valid until the
 * next call on the same state.  Writes always encode their input into a scratch
 * buffer first, so a row obtained from the state may be passed back.
 *
 * User functions (reduce, aggregate) must not access the state that calls them.
 *
 * Copy-on-write snapshots.  A checkpoint freezes the backend (strom__kstate_freeze):
 * each table's slot array is copied, which is a memcpy of 8 bytes per slot, and the
 * entries it points to become read-only.  Until the checkpoint's writer has read them
 * from the frozen copy on its own thread (strom__kfrozen_foreach) and let go
 * (strom__kfrozen_release), the task does not change or free an entry in place: a
 * write builds a new entry and a replaced or removed one goes to a deferred list, freed
 * when the task sees the release.  A LIST or MAP value is a mutable structure of its own
 * (a buffer, a nested table), so each carries the backend's epoch at its making, and a
 * freeze bumps the epoch: the first change to an older value while frozen works on a
 * private copy (list_own, map_own; a map is copied deeply, with every entry in the same
 * slot) that a new main entry points to, and the old value is deferred with the entry.
 * So one checkpoint copies a list or map at most once, and only if it changes.
 */
#include <assert.h>
#include <stdatomic.h>

#include "state_impl.h"

enum { CLEANUP_ENTRIES = 2, CLEANUP_MAX_SLOTS = 64, MIN_SLOTS = 16, MAX_KEY_GROUPS = 32768 };

/* ---- small helpers ---- */

static inline size_t uv_len(size_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, n++;
  return n;
}
static inline uint8_t *uv_put(uint8_t *p, size_t v) {
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  return p;
}
/* Trusted bytes (written by this file). */
static inline const uint8_t *uv_get(const uint8_t *p, size_t *v) {
  if (STROM_LIKELY(*p < 0x80)) { /* keys, namespaces and most values are under 128 bytes */
    *v = *p;
    return p + 1;
  }
  size_t r = 0;
  int sh = 0;
  uint8_t b;
  do {
    b = *p++;
    r |= (size_t)(b & 0x7f) << sh;
    sh += 7;
  } while (b & 0x80);
  *v = r;
  return p;
}
/* Untrusted bytes (restore). */
static const uint8_t *uv_get_checked(const uint8_t *p, const uint8_t *end, size_t *v) {
  size_t r = 0;
  for (int sh = 0; sh <= 56; sh += 7) {
    if (p >= end) return NULL;
    uint8_t b = *p++;
    r |= (size_t)(b & 0x7f) << sh;
    if (!(b & 0x80)) {
      *v = r;
      return p;
    }
  }
  return NULL;
}

static inline int64_t ts_get(const uint8_t *p) {
  int64_t v;
  memcpy(&v, p, 8);
  return v;
}
static inline void ts_put(uint8_t *p, int64_t v) { memcpy(p, &v, 8); }

/* Estimated heap cost of an allocation of n bytes: a glibc chunk (8 bytes of header,
 * 16-byte granularity, 32 bytes at least).  Only for strom__kstate_bytes. */
static inline size_t heap_cost(size_t n) {
  size_t c = (n + 8 + 15) & ~(size_t)15;
  return c < 32 ? 32 : c;
}

static inline uint64_t mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}
static inline uint64_t ns_mix(const void *ns, size_t n) { return n ? mix64(strom__hash_bytes(ns, n)) : 0; }

/* ---- entries ---- */

typedef struct ent {
  uint8_t *base;
  const uint8_t *key, *ns;
  size_t klen, nslen, vlen;
  size_t voff; /* offset of the value's length varint */
  size_t size;
  uint8_t *ts; /* NULL when the table keeps no timestamps */
  uint8_t *val;
} ent;

static inline int ent_kg(const uint8_t *e) {
  uint16_t k;
  memcpy(&k, e, 2);
  return k;
}

/* An entry: [uint16 key group][uint32 low bits of its hash, set by ht_add][varint key
 * length][varint namespace length][int64 timestamp, TTL tables only][key][namespace]
 * [varint value length][value].  The stored hash lets a table grow or close a gap
 * without hashing keys again. */
enum { ENT_HDR = 6 };

static inline void ent_parse(uint8_t *e, bool has_ts, ent *o) {
  const uint8_t *p = uv_get(e + ENT_HDR, &o->klen);
  p = uv_get(p, &o->nslen);
  o->ts = has_ts ? (uint8_t *)p : NULL;
  if (has_ts) p += 8;
  o->key = p;
  p += o->klen;
  o->ns = p;
  p += o->nslen;
  o->voff = (size_t)(p - e);
  p = uv_get(p, &o->vlen);
  o->val = (uint8_t *)p;
  o->size = (size_t)(p - e) + o->vlen;
  o->base = e;
}

/* a[0..n) == b[0..n): keys are mostly 9 to 17 bytes (a null flag and one or two
 * 8-byte values), compared by two overlapping word loads instead of a memcmp call. */
static inline bool bytes_eq(const uint8_t *a, const uint8_t *b, size_t n) {
  if (n >= 8 && n <= 16) {
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8), memcpy(&b0, b, 8);
    memcpy(&a1, a + n - 8, 8), memcpy(&b1, b + n - 8, 8);
    return a0 == b0 && a1 == b1;
  }
  return !memcmp(a, b, n);
}

static inline bool ent_is(const uint8_t *e, bool has_ts, const void *k, size_t kl, const void *ns, size_t nl) {
  size_t ekl, enl;
  const uint8_t *p = uv_get(e + ENT_HDR, &ekl);
  if (ekl != kl) return false;
  p = uv_get(p, &enl);
  if (enl != nl) return false;
  if (has_ts) p += 8;
  return bytes_eq(p, k, kl) && (!nl || bytes_eq(p + kl, ns, nl));
}

static uint64_t ent_hash(const uint8_t *e, bool has_ts) {
  size_t kl, nl;
  const uint8_t *p = uv_get(e + ENT_HDR, &kl);
  p = uv_get(p, &nl);
  if (has_ts) p += 8;
  return strom__hash_bytes(p, kl) ^ ns_mix(p + kl, nl);
}

/* The entry's home slot in a table of mask + 1 slots. */
static inline size_t ent_home(const uint8_t *e, bool has_ts, size_t mask) {
  if (STROM_UNLIKELY(mask > UINT32_MAX)) return ent_hash(e, has_ts) & mask;
  uint32_t h;
  memcpy(&h, e + 2, 4);
  return h & mask;
}

typedef struct acct {
  size_t entries, bytes;
} acct;

/* An entry followed by tail bytes (8-aligned, at *tailp) in the same allocation; the
 * tail is not accounted here. */
static uint8_t *ent_new_tail(acct *a, int kg, const void *k, size_t kl, const void *ns, size_t nl, bool has_ts,
                             int64_t ts, const void *v, size_t vl, size_t tail, void **tailp) {
  size_t n = ENT_HDR + uv_len(kl) + uv_len(nl) + (has_ts ? 8 : 0) + kl + nl + uv_len(vl) + vl;
  size_t at = (n + 7) & ~(size_t)7;
  uint8_t *e = strom__malloc(tail ? at + tail : n);
  if (!e) return NULL;
  if (tail) *tailp = e + at;
  uint16_t g = (uint16_t)kg;
  memcpy(e, &g, 2);
  memset(e + 2, 0, 4); /* the hash: ht_add's */
  uint8_t *p = uv_put(e + ENT_HDR, kl);
  p = uv_put(p, nl);
  if (has_ts) {
    ts_put(p, ts);
    p += 8;
  }
  if (kl) memcpy(p, k, kl);
  p += kl;
  if (nl) memcpy(p, ns, nl);
  p += nl;
  p = uv_put(p, vl);
  if (vl) memcpy(p, v, vl);
  a->bytes += heap_cost(n);
  return e;
}

static uint8_t *ent_new(acct *a, int kg, const void *k, size_t kl, const void *ns, size_t nl, bool has_ts, int64_t ts,
                        const void *v, size_t vl) {
  return ent_new_tail(a, kg, k, kl, ns, nl, has_ts, ts, v, vl, 0, NULL);
}

/* ---- tables ---- */

typedef struct htab {
  uintptr_t *slots; /* entry | 3 bits of hash; 0 = empty; NULL until the first insert */
  size_t mask, count, cursor;
  bool has_ts;
  uint32_t epoch; /* a MAP value's: the backend's epoch when it was made (copy-on-write) */
} htab;

/* The 3 alignment bits of a slot: 2 bits of the hash, and OWNED, set on a main-table
 * entry made since the last freeze, which a write may change in place (copy-on-write).
 * On x86-64, where user-space addresses stay below 2^57 even with 5-level paging (and
 * no pointer tagging is on unless a process asks for it), the slot's top 7 bits hold 7
 * more bits of the hash, so a probe reads an entry that is not the one it looks for once
 * in 512 slots instead of once in 4: that read is a cache miss in a large table, and its
 * comparison parses varints.  Not on AArch64, whose top byte may carry pointer tags (MTE,
 * HWASan). */
#if defined(__x86_64__)
#define HI_TAG ((uintptr_t)0x7f << 57)
static inline uintptr_t hash_tag(uint64_t h) { return (uintptr_t)(h >> 62) | ((uintptr_t)(h >> 55) << 57); }
#else
#define HI_TAG ((uintptr_t)0)
static inline uintptr_t hash_tag(uint64_t h) { return (uintptr_t)(h >> 62); }
#endif
#define TAG_MASK ((uintptr_t)7 | HI_TAG)
#define HASH_BITS ((uintptr_t)3 | HI_TAG)
#define OWNED ((uintptr_t)4)
static inline uint8_t *slot_ent(uintptr_t s) { return (uint8_t *)(s & ~TAG_MASK); }

/* The slot of (k, ns), or the empty slot where it would go (*found false).  Needs slots. */
static size_t ht_find(const htab *t, uint64_t h, const void *k, size_t kl, const void *ns, size_t nl, bool *found) {
  uintptr_t tag = hash_tag(h);
  for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
    uintptr_t s = t->slots[i];
    if (!s) {
      *found = false;
      return i;
    }
    if ((s & HASH_BITS) == tag && ent_is(slot_ent(s), t->has_ts, k, kl, ns, nl)) {
      *found = true;
      return i;
    }
  }
}

static uint8_t *ht_get(const htab *t, uint64_t h, const void *k, size_t kl, const void *ns, size_t nl,
                       size_t *slot) {
  if (!t->slots) return NULL;
  bool found;
  size_t i = ht_find(t, h, k, kl, ns, nl, &found);
  if (!found) return NULL;
  *slot = i;
  return slot_ent(t->slots[i]);
}

static int ht_resize(htab *t, acct *a, size_t cap) {
  uintptr_t *ns = strom__calloc(cap, sizeof *ns);
  if (!ns) return STROM_ENOMEM;
  for (size_t i = 0; t->slots && i <= t->mask; i++) {
    /* Entries are read in slot order, which is random in memory: prefetch ahead. */
    if (i + 16 <= t->mask && t->slots[i + 16]) __builtin_prefetch(slot_ent(t->slots[i + 16]));
    uintptr_t s = t->slots[i];
    if (!s) continue;
    size_t j = ent_home(slot_ent(s), t->has_ts, cap - 1);
    while (ns[j]) j = (j + 1) & (cap - 1);
    ns[j] = s;
  }
  if (t->slots) a->bytes -= heap_cost((t->mask + 1) * sizeof *t->slots);
  free(t->slots);
  t->slots = ns;
  t->mask = cap - 1;
  t->cursor &= t->mask;
  a->bytes += heap_cost(cap * sizeof *ns);
  return STROM_OK;
}

/* Adds e, whose key is known to be absent. */
static int ht_add(htab *t, acct *a, uint64_t h, uint8_t *e) {
  assert(((uintptr_t)e & TAG_MASK) == 0);
  uint32_t h32 = (uint32_t)h;
  memcpy(e + 2, &h32, 4);
  if (!t->slots || (t->count + 1) * 4 > (t->mask + 1) * 3) {
    int rc = ht_resize(t, a, t->slots ? (t->mask + 1) * 2 : MIN_SLOTS);
    if (rc) return rc;
  }
  size_t i = h & t->mask;
  while (t->slots[i]) i = (i + 1) & t->mask;
  t->slots[i] = (uintptr_t)e | hash_tag(h) | OWNED;
  t->count++;
  a->entries++;
  return STROM_OK;
}

/* Empties slot i (the caller freed its entry) and closes the gap by backward shift. */
static void ht_del(htab *t, acct *a, size_t i) {
  t->slots[i] = 0;
  t->count--;
  a->entries--;
  for (size_t j = (i + 1) & t->mask;; j = (j + 1) & t->mask) {
    uintptr_t s = t->slots[j];
    if (!s) break;
    size_t home = ent_home(slot_ent(s), t->has_ts, t->mask);
    if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
      t->slots[i] = s;
      t->slots[j] = 0;
      i = j;
    }
  }
}

/* Gives memory back after deletions: frees an empty table, halves a sparse one. */
static void ht_shrink(htab *t, acct *a) {
  if (!t->slots) return;
  size_t cap = t->mask + 1;
  if (!t->count) {
    free(t->slots);
    a->bytes -= heap_cost(cap * sizeof *t->slots);
    t->slots = NULL;
    t->mask = t->cursor = 0;
    return;
  }
  if (cap <= MIN_SLOTS || t->count * 8 >= cap) return;
  size_t n = MIN_SLOTS;
  while (t->count * 8 > n * 3) n *= 2; /* load <= 3/8 */
  if (n < cap) ht_resize(t, a, n);     /* on failure the table just stays large */
}

/* Rewrites the value of the entry in slot i (and its timestamp unless ts is
 * INT64_MIN), reallocating the entry when its size changes. */
static int ent_set(htab *t, acct *a, size_t i, const void *v, size_t vl, int64_t ts) {
  uintptr_t s = t->slots[i];
  uint8_t *e = slot_ent(s);
  ent pe;
  ent_parse(e, t->has_ts, &pe);
  size_t n = pe.voff + uv_len(vl) + vl;
  if (n != pe.size) {
    uint8_t *ne = strom__realloc(e, n);
    if (!ne) return STROM_ENOMEM;
    assert(((uintptr_t)ne & TAG_MASK) == 0);
    a->bytes += heap_cost(n);
    a->bytes -= heap_cost(pe.size);
    e = ne;
    t->slots[i] = (uintptr_t)e | (s & TAG_MASK);
  }
  uint8_t *p = uv_put(e + pe.voff, vl);
  if (vl) memcpy(p, v, vl);
  if (t->has_ts && ts != INT64_MIN) ts_put(e + (pe.ts - pe.base), ts);
  return STROM_OK;
}

/* ---- the backend objects ---- */

/* A list value: elements [int64 ts, TTL only][varint len][encoded row]. */
typedef struct lbuf {
  uint32_t len, cap;
  uint32_t epoch; /* the backend's epoch when it was made (copy-on-write) */
  /* Allocated at the end of its entry (a list's first element, list_add): it lives and
   * dies with the entry, and growing it moves it out to its own allocation. */
  uint8_t in_entry;
  uint8_t d[];
} lbuf;

typedef struct hstate {
  strom_state base; /* first */
  strom_kstate *ks;
  int id;
  bool ttl, ttl_rw;
  int64_t ttl_ms;
  htab t;
  acct a;
  uint8_t *ns;
  size_t nslen, nscap;
  uint64_t nsmix;
  uint64_t gen; /* bumped by every change to the stored data or the namespace */
  int64_t now;  /* of the current access (TTL) */
  bool clean_due;
  /* Decoded views and user-function rows: of the state's schema, or for AGGREGATING
   * of the accumulator schema; out is the aggregate's result; mkey the map key. */
  strom_row *row, *row2, *row3, *out, *mkey, *in_copy;
  int *kcols; /* 0..n-1, for the map key bytes */
  strom_buf b1, b2, b3, bin;
  /* The current list's element offsets, from list_size (or the first list_get). */
  size_t *loff, nloff, loffcap;
  lbuf *lcur;
  uint64_t lgen, lkgen;
  bool lvalid;
} hstate;

struct strom_kfrozen {
  atomic_int refs;   /* the backend's and the snapshot's */
  atomic_bool done;  /* the snapshot has been read: the backend may thaw */
  int nst;
  struct frozen_table {
    uintptr_t *slots; /* NULL: the table was empty */
    size_t mask;
    bool has_ts;
    strom_state_kind kind;
  } *st;
  uint8_t **deferred; /* entries replaced or removed while frozen */
  size_t ndef, capdef;
};

struct strom_kstate {
  strom_kfrozen *frozen; /* a snapshot in flight (copy-on-write), or NULL */
  uint32_t epoch;        /* bumped by every freeze: LIST and MAP values older than it are frozen */
  int max_par;
  int64_t (*now_ms)(void *);
  void *clock_data;
  const uint8_t *key;
  size_t klen;
  uint64_t hash;
  int kg;
  bool has_key;
  uint64_t key_gen;
  hstate **st;
  int nst, cap;
};

static const strom_state_vt heap_vt;

static inline bool is_plain(strom_state_kind k) { return k != STROM_STATE_LIST && k != STROM_STATE_MAP; }

/* ---- copy-on-write ---- */

/* Frees a nested map without accounting (it was taken off the books when deferred). */
static void map_free_raw(htab *m) {
  for (size_t i = 0; m->slots && i <= m->mask; i++)
    if (m->slots[i]) free(slot_ent(m->slots[i]));
  free(m->slots);
  free(m);
}

/* A deferred pointer with this bit set is a nested map, otherwise one allocation. */
#define DEFER_MAP ((uintptr_t)1)

static void kf_unref(strom_kfrozen *f) {
  if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1) return;
  for (size_t i = 0; i < f->ndef; i++) {
    uintptr_t d = (uintptr_t)f->deferred[i];
    if (d & DEFER_MAP) map_free_raw((htab *)(d & ~DEFER_MAP));
    else free(f->deferred[i]);
  }
  free(f->deferred);
  for (int k = 0; k < f->nst; k++) free(f->st[k].slots);
  free(f->st);
  free(f);
}

/* The snapshot has been read: entries replaced meanwhile can go, writes go in place. */
static void thaw(strom_kstate *ks) {
  strom_kfrozen *f = ks->frozen;
  ks->frozen = NULL;
  kf_unref(f);
}

/* True while entries must not be changed in place. */
static inline bool cow_active(strom_kstate *ks) {
  strom_kfrozen *f = ks->frozen;
  if (STROM_LIKELY(!f)) return false;
  if (!atomic_load_explicit(&f->done, memory_order_acquire)) return true;
  thaw(ks);
  return false;
}

static int defer_free(strom_kstate *ks, uint8_t *e) {
  strom_kfrozen *f = ks->frozen;
  if (f->ndef == f->capdef) {
    size_t cap = f->capdef ? f->capdef * 2 : 256;
    uint8_t **d = strom__realloc(f->deferred, cap * sizeof *d);
    if (!d) return STROM_ENOMEM;
    f->deferred = d;
    f->capdef = cap;
  }
  f->deferred[f->ndef++] = e;
  return STROM_OK;
}

/* ent_set for a frozen main table: the new value goes into a new entry. */
static int cow_set(hstate *s, size_t i, const void *v, size_t vl, int64_t ts) {
  htab *t = &s->t;
  uintptr_t sl = t->slots[i];
  ent pe;
  ent_parse(slot_ent(sl), t->has_ts, &pe);
  if (ts == INT64_MIN && pe.ts) ts = ts_get(pe.ts);
  size_t bytes = s->a.bytes;
  uint8_t *ne = ent_new(&s->a, ent_kg(pe.base), pe.key, pe.klen, pe.ns, pe.nslen, t->has_ts, ts, v, vl);
  if (!ne) return STROM_ENOMEM;
  memcpy(ne + 2, pe.base + 2, 4); /* the same key: the same hash */
  if (defer_free(s->ks, pe.base)) {
    s->a.bytes = bytes;
    free(ne);
    return STROM_ENOMEM;
  }
  s->a.bytes -= heap_cost(pe.size);
  t->slots[i] = (uintptr_t)ne | (sl & HASH_BITS) | OWNED;
  return STROM_OK;
}

static inline void *val_ptr(const ent *pe) {
  void *p;
  memcpy(&p, pe->val, sizeof p);
  return p;
}

/* A LIST or MAP value made in an epoch before the current freeze is also the frozen
 * snapshot's: it is copied before its first change (list_own, map_own). */
static inline bool shared(strom_kstate *ks, uint32_t epoch) { return epoch != ks->epoch && cow_active(ks); }

/* Points the frozen main entry in slot i at a private copy nv of its LIST or MAP value
 * old: the entry is replaced (cow_set) and old deferred.  On failure nothing changed. */
static int own_value(hstate *s, size_t i, void *nv, void *old, bool is_map) {
  int rc = cow_set(s, i, &nv, sizeof nv, INT64_MIN);
  if (rc) return rc;
  s->gen++; /* views of the old value (list_get) are stale */
  /* On ENOMEM the old value leaks rather than dangles.  A list in its old entry goes
   * with that entry, which cow_set deferred. */
  if (is_map || !((lbuf *)old)->in_entry) (void)defer_free(s->ks, (uint8_t *)((uintptr_t)old | (is_map ? DEFER_MAP : 0)));
  return STROM_OK;
}

static int64_t now_of(const strom_kstate *ks) { return ks->now_ms ? ks->now_ms(ks->clock_data) : strom__now_ms(); }

static inline bool expired(const hstate *s, int64_t ts, int64_t now) {
  return now >= ts && (uint64_t)now - (uint64_t)ts >= (uint64_t)s->ttl_ms;
}

static inline bool is_cur_key(const hstate *s, const ent *pe) {
  return s->ks->has_key && pe->klen == s->ks->klen && !memcmp(pe->key, s->ks->key, pe->klen);
}

static int enc(strom_buf *b, const strom_row *r) {
  b->len = 0;
  size_t n = strom__row_encoded_size(r);
  if (strom__buf_reserve(b, n)) return STROM_ENOMEM;
  b->len = (size_t)(strom__row_encode(r, (uint8_t *)b->p) - (uint8_t *)b->p);
  return STROM_OK;
}

/* Appends a list element ([ts][len][row]) made of the encoded row in src. */
static int elem_append(hstate *s, strom_buf *b, const void *row, size_t n, int64_t now) {
  if (strom__buf_reserve(b, 8 + 10 + n)) return STROM_ENOMEM;
  uint8_t *p = (uint8_t *)b->p + b->len;
  if (s->ttl) {
    ts_put(p, now);
    p += 8;
  }
  p = uv_put(p, n);
  memcpy(p, row, n);
  b->len = (size_t)(p + n - (uint8_t *)b->p);
  return STROM_OK;
}

static const strom_row *decode(hstate *s, strom_row *r, const uint8_t *p, size_t n) {
  if (strom__row_decode(r, p, p + n)) return r;
  strom__state_fail(&s->base, STROM_EPARSE, "corrupt stored value");
  return NULL;
}

/* Decodes map key bytes (strom__key_bytes of all columns) into r; strings point into p. */
static bool keybytes_decode(strom_row *r, const uint8_t *p, const uint8_t *end) {
  return strom__key_decode(r, p, (size_t)(end - p)) == STROM_OK; /* wide DECIMAL and TIMESTAMP(4..9) too */
}

static int keybytes(hstate *s, strom_buf *b, const strom_row *key) {
  const int n = key->ncols;
  size_t need = strom__key_bytes(key, s->kcols, n, (uint8_t *)b->p, b->cap);
  if (need > b->cap) {
    if (strom__buf_reserve(b, need)) return STROM_ENOMEM;
    strom__key_bytes(key, s->kcols, n, (uint8_t *)b->p, b->cap);
  }
  b->len = need;
  return STROM_OK;
}

/* ---- lists ---- */

static lbuf *lbuf_new(acct *a, uint32_t epoch, const void *d, size_t n) {
  if (n > UINT32_MAX) return NULL;
  lbuf *l = strom__malloc(sizeof *l + n);
  if (!l) return NULL;
  l->len = l->cap = (uint32_t)n;
  l->epoch = epoch;
  l->in_entry = 0;
  if (n && d) memcpy(l->d, d, n); /* NULL d: the caller writes the bytes */
  a->bytes += heap_cost(sizeof *l + n);
  return l;
}

static lbuf *lbuf_resize(acct *a, lbuf *l, size_t cap) {
  if (cap > UINT32_MAX) return NULL;
  lbuf *n;
  if (l->in_entry) { /* its bytes stay in the entry, unused, until the entry goes */
    if (!(n = strom__malloc(sizeof *l + cap))) return NULL;
    memcpy(n, l, sizeof *l + (l->len < cap ? l->len : cap));
    n->in_entry = 0;
  } else if (!(n = strom__realloc(l, sizeof *l + cap))) {
    return NULL;
  }
  a->bytes -= heap_cost(sizeof *n + n->cap);
  a->bytes += heap_cost(sizeof *n + cap);
  n->cap = (uint32_t)cap;
  return n;
}

/* The capacity a list grows to when need bytes do not fit: doubling (a join's list
 * under a hot key grows by small rows, and each move copies it), at least 64. */
static size_t grown_cap(const lbuf *l, size_t need) {
  size_t cap = 2 * (size_t)l->cap;
  if (cap < need) cap = need;
  return cap < 64 ? 64 : cap;
}

/* The size of the element at p: [ts][varint len][row]; *row and *rowlen its row. */
static inline size_t elem_at(const hstate *s, const uint8_t *p, const uint8_t **row, size_t *rowlen) {
  const uint8_t *q = uv_get(p + (s->ttl ? 8 : 0), rowlen);
  *row = q;
  return (size_t)(q - p) + *rowlen;
}

/* The list in main slot i, made private first if the frozen snapshot shares it.  NULL:
 * out of memory (nothing changed). */
static lbuf *list_own(hstate *s, size_t i) {
  ent pe;
  ent_parse(slot_ent(s->t.slots[i]), s->t.has_ts, &pe);
  lbuf *l = val_ptr(&pe);
  if (STROM_LIKELY(!shared(s->ks, l->epoch))) return l;
  lbuf *c = lbuf_new(&s->a, s->ks->epoch, l->d, l->len);
  if (!c) return NULL;
  if (own_value(s, i, c, l, false)) {
    s->a.bytes -= heap_cost(sizeof *c + c->cap);
    free(c);
    return NULL;
  }
  s->a.bytes -= heap_cost(sizeof *l + l->cap);
  return c;
}

/* Drops the expired elements of the list in main slot i; refresh: restarts the clock of
 * the others.  Returns the list (a private copy if it was frozen and had to change). */
static lbuf *list_expire(hstate *s, size_t i, int64_t now, bool refresh) {
  ent pe;
  ent_parse(slot_ent(s->t.slots[i]), s->t.has_ts, &pe);
  lbuf *l = val_ptr(&pe);
  if (STROM_UNLIKELY(shared(s->ks, l->epoch))) {
    /* A frozen list is copied only if something will change. */
    bool change = refresh;
    for (size_t r = 0; !change && r < l->len;) {
      const uint8_t *row;
      size_t rl;
      change = expired(s, ts_get(l->d + r), now);
      r += elem_at(s, l->d + r, &row, &rl);
    }
    if (!change) return l;
    lbuf *own = list_own(s, i);
    if (!own) return l; /* out of memory: expiry waits for the next access */
    l = own;
  }
  size_t r = 0, w = 0;
  while (r < l->len) {
    const uint8_t *row;
    size_t rl, n = elem_at(s, l->d + r, &row, &rl);
    if (!expired(s, ts_get(l->d + r), now)) {
      if (w != r) memmove(l->d + w, l->d + r, n);
      if (refresh) ts_put(l->d + w, now);
      w += n;
    }
    r += n;
  }
  if (w != l->len) s->gen++;
  l->len = (uint32_t)w;
  return l;
}

/* ---- maps ---- */

static void nested_remove(hstate *s, htab *m, size_t i) {
  uint8_t *e = slot_ent(m->slots[i]);
  ent pe;
  ent_parse(e, m->has_ts, &pe);
  s->a.bytes -= heap_cost(pe.size);
  free(e);
  ht_del(m, &s->a, i);
  s->gen++;
}

static bool map_has_expired(const hstate *s, const htab *m, int64_t now) {
  for (size_t i = 0; m->slots && i <= m->mask; i++) {
    if (!m->slots[i]) continue;
    ent pe;
    ent_parse(slot_ent(m->slots[i]), m->has_ts, &pe);
    if (expired(s, ts_get(pe.ts), now)) return true;
  }
  return false;
}

static void map_expire(hstate *s, htab *m, int64_t now) {
  for (size_t i = 0; m->slots && i <= m->mask;) {
    uintptr_t sl = m->slots[i];
    if (sl) {
      ent pe;
      ent_parse(slot_ent(sl), m->has_ts, &pe);
      if (expired(s, ts_get(pe.ts), now)) {
        nested_remove(s, m, i);
        continue; /* the backward shift may have moved another entry here */
      }
    }
    i++;
  }
  ht_shrink(m, &s->a);
}

/* Takes a nested map off the books (before it is freed or deferred). */
static void map_unaccount(hstate *s, const htab *m) {
  for (size_t i = 0; m->slots && i <= m->mask; i++) {
    uintptr_t sl = m->slots[i];
    if (!sl) continue;
    ent pe;
    ent_parse(slot_ent(sl), m->has_ts, &pe);
    s->a.bytes -= heap_cost(pe.size);
    s->a.entries--;
  }
  if (m->slots) s->a.bytes -= heap_cost((m->mask + 1) * sizeof *m->slots);
  s->a.bytes -= heap_cost(sizeof *m);
}

static void map_free(hstate *s, htab *m) {
  map_unaccount(s, m);
  map_free_raw(m);
}

/* A deep copy of m with every entry in the same slot (so positions stay valid). */
static htab *map_copy(hstate *s, const htab *m) {
  htab *c = strom__calloc(1, sizeof *c);
  if (!c) return NULL;
  *c = *m;
  c->epoch = s->ks->epoch;
  c->slots = NULL;
  s->a.bytes += heap_cost(sizeof *c);
  if (m->slots) {
    size_t n = m->mask + 1;
    if (!(c->slots = strom__calloc(n, sizeof *c->slots))) {
      s->a.bytes -= heap_cost(sizeof *c);
      free(c);
      return NULL;
    }
    s->a.bytes += heap_cost(n * sizeof *c->slots);
    for (size_t i = 0; i < n; i++) {
      uintptr_t sl = m->slots[i];
      if (!sl) continue;
      ent pe;
      ent_parse(slot_ent(sl), m->has_ts, &pe);
      uint8_t *e = strom__malloc(pe.size);
      if (!e) {
        map_free(s, c);
        return NULL;
      }
      memcpy(e, pe.base, pe.size);
      c->slots[i] = (uintptr_t)e | (sl & TAG_MASK);
      s->a.bytes += heap_cost(pe.size);
      s->a.entries++;
    }
  }
  return c;
}

/* The map in main slot mslot, made private first if the frozen snapshot shares it.
 * NULL: out of memory (nothing changed). */
static htab *map_own(hstate *s, size_t mslot) {
  ent pe;
  ent_parse(slot_ent(s->t.slots[mslot]), s->t.has_ts, &pe);
  htab *m = val_ptr(&pe);
  if (STROM_LIKELY(!shared(s->ks, m->epoch))) return m;
  htab *c = map_copy(s, m);
  if (!c) return NULL;
  if (own_value(s, mslot, c, m, true)) {
    map_free(s, c);
    return NULL;
  }
  map_unaccount(s, m);
  return c;
}

/* The map in main slot mslot for expiry: a frozen one is copied only if an entry has
 * expired (NULL when none has, or out of memory). */
static htab *map_writable(hstate *s, size_t mslot, int64_t now) {
  ent pe;
  ent_parse(slot_ent(s->t.slots[mslot]), s->t.has_ts, &pe);
  htab *m = val_ptr(&pe);
  if (STROM_LIKELY(!shared(s->ks, m->epoch))) return m;
  return map_has_expired(s, m, now) ? map_own(s, mslot) : NULL;
}

/* ---- main-table entries ---- */

/* Frees the LIST or MAP value of an entry; cow: a frozen one is deferred instead. */
static void drop_value(hstate *s, const ent *pe, bool cow) {
  if (s->base.kind == STROM_STATE_LIST) {
    lbuf *l = val_ptr(pe);
    s->a.bytes -= heap_cost(sizeof *l + l->cap);
    if (l->in_entry) return; /* it goes with the entry */
    if (cow && l->epoch != s->ks->epoch) (void)defer_free(s->ks, (uint8_t *)l);
    else free(l);
  } else if (s->base.kind == STROM_STATE_MAP) {
    htab *m = val_ptr(pe);
    if (cow && m->epoch != s->ks->epoch) {
      map_unaccount(s, m);
      (void)defer_free(s->ks, (uint8_t *)((uintptr_t)m | DEFER_MAP));
    } else {
      map_free(s, m);
    }
  }
}

static void remove_main(hstate *s, size_t i) {
  uint8_t *e = slot_ent(s->t.slots[i]);
  ent pe;
  ent_parse(e, s->t.has_ts, &pe);
  /* A frozen entry or value stays until the snapshot is read (on ENOMEM it leaks,
   * never dangles). */
  bool cow = cow_active(s->ks);
  drop_value(s, &pe, cow);
  s->a.bytes -= heap_cost(pe.size);
  if (cow && !(s->t.slots[i] & OWNED)) (void)defer_free(s->ks, e);
  else free(e);
  ht_del(&s->t, &s->a, i);
  ht_shrink(&s->t, &s->a);
  s->gen++;
}

static uint8_t *find_ns(hstate *s, const void *ns, size_t nl, uint64_t nsmix, size_t *slot) {
  strom_kstate *ks = s->ks;
  return ht_get(&s->t, ks->hash ^ nsmix, ks->key, ks->klen, ns, nl, slot);
}
static inline uint8_t *cur_find(hstate *s, size_t *slot) { return find_ns(s, s->ns, s->nslen, s->nsmix, slot); }

static int insert_ns(hstate *s, const void *ns, size_t nl, uint64_t nsmix, int64_t ts, const void *v, size_t vl) {
  strom_kstate *ks = s->ks;
  uint8_t *e = ent_new(&s->a, ks->kg, ks->key, ks->klen, ns, nl, s->t.has_ts, ts, v, vl);
  if (!e) return STROM_ENOMEM;
  int rc = ht_add(&s->t, &s->a, ks->hash ^ nsmix, e);
  if (rc) {
    ent pe;
    ent_parse(e, s->t.has_ts, &pe);
    s->a.bytes -= heap_cost(pe.size);
    free(e);
    return rc;
  }
  s->gen++;
  return STROM_OK;
}

/* A new list of cap bytes for the current key and namespace, allocated with its entry
 * (one allocation for a key's first element, the common case of a join's state); the
 * caller writes the bytes and sets len.  NULL: out of memory (nothing changed). */
static lbuf *insert_list(hstate *s, size_t cap) {
  strom_kstate *ks = s->ks;
  if (cap > UINT32_MAX) return NULL;
  lbuf *l = NULL;
  uint8_t *e = ent_new_tail(&s->a, ks->kg, ks->key, ks->klen, s->ns, s->nslen, s->t.has_ts, INT64_MIN, &l, sizeof l,
                            sizeof *l + cap, (void **)&l);
  if (!e) return NULL;
  *l = (lbuf){.len = 0, .cap = (uint32_t)cap, .epoch = ks->epoch, .in_entry = 1};
  ent pe;
  ent_parse(e, s->t.has_ts, &pe);
  memcpy(pe.val, &l, sizeof l);
  if (ht_add(&s->t, &s->a, ks->hash ^ s->nsmix, e)) {
    s->a.bytes -= heap_cost(pe.size);
    free(e);
    return NULL;
  }
  s->a.bytes += heap_cost(sizeof *l + cap);
  s->gen++;
  return l;
}

/* Stores a plain value for (current key, ns), inserting or replacing. */
static int store_ns(hstate *s, const void *ns, size_t nl, uint64_t nsmix, int64_t now, const void *v, size_t vl) {
  size_t i;
  if (find_ns(s, ns, nl, nsmix, &i)) {
    s->gen++;
    if (STROM_UNLIKELY(!(s->t.slots[i] & OWNED)) && cow_active(s->ks)) return cow_set(s, i, v, vl, now);
    return ent_set(&s->t, &s->a, i, v, vl, now);
  }
  return insert_ns(s, ns, nl, nsmix, now, v, vl);
}

/* Incremental cleanup: examines up to n entries from the round-robin cursor. */
static void cleanup(hstate *s, int64_t now, int n) {
  htab *t = &s->t;
  int seen = 0;
  for (int scanned = 0; scanned < CLEANUP_MAX_SLOTS && seen < n && t->slots && t->count; scanned++) {
    size_t i = t->cursor & t->mask;
    t->cursor = (i + 1) & t->mask;
    uintptr_t sl = t->slots[i];
    if (!sl) continue;
    seen++;
    ent pe;
    ent_parse(slot_ent(sl), t->has_ts, &pe);
    if (is_cur_key(s, &pe)) continue;
    bool gone;
    if (is_plain(s->base.kind)) {
      gone = expired(s, ts_get(pe.ts), now);
    } else if (s->base.kind == STROM_STATE_LIST) {
      gone = list_expire(s, i, now, false)->len == 0;
    } else {
      htab *m = map_writable(s, i, now);
      if (m) map_expire(s, m, now);
      gone = m && m->count == 0;
    }
    if (gone) {
      remove_main(s, i);
      if (t->slots) t->cursor = i & t->mask; /* look at whatever moved into slot i */
    }
  }
}

/* Every access starts here: a current key is needed and the clock is read for TTL.
 * clean: incremental cleanup is due when the access ends (finish()): it runs after
 * the operation so that it cannot free what the operation's input rows point to, and
 * as it skips the current key it cannot free what the operation returned. */
static int begin(hstate *s, int64_t *now, bool clean) {
  *now = 0;
  if (STROM_UNLIKELY(!s->ks->has_key))
    return strom__state_fail(&s->base, STROM_ESTATE,
                             "no current key (keyed state is used outside of processing a record or timer)");
  if (s->ttl) {
    *now = s->now = now_of(s->ks);
    s->clean_due = clean;
  }
  return STROM_OK;
}

static void finish(hstate *s) {
  if (!s->clean_due) return;
  s->clean_due = false;
  cleanup(s, s->now, CLEANUP_ENTRIES);
}

/* The current plain value (an expired one is removed: NULL); read: a read access. */
static uint8_t *plain_cur(hstate *s, int64_t now, bool read, ent *pe) {
  size_t i;
  uint8_t *e = cur_find(s, &i);
  if (!e) return NULL;
  ent_parse(e, s->t.has_ts, pe);
  if (s->ttl) {
    if (expired(s, ts_get(pe->ts), now)) {
      remove_main(s, i);
      return NULL;
    }
    if (read && s->ttl_rw) {
      if (STROM_UNLIKELY(!(s->t.slots[i] & OWNED)) && cow_active(s->ks)) {
        /* A refresh of a frozen entry is a write: a new entry (on ENOMEM it is skipped). */
        if (!cow_set(s, i, pe->val, pe->vlen, now)) {
          e = slot_ent(s->t.slots[i]);
          ent_parse(e, s->t.has_ts, pe);
        }
      } else {
        ts_put(pe->ts, now);
      }
    }
  }
  return e;
}

/* A row of the caller that is one of the state's own views is copied first: the
 * operation is about to decode into it. */
static const strom_row *stable_input(hstate *s, const strom_row *v) {
  if (v != s->row && v != s->row2 && v != s->row3 && v != s->out && v != s->mkey) return v;
  if (!s->in_copy || !strom__schema_compatible(s->in_copy->schema, v->schema)) {
    strom_row_free(s->in_copy);
    if (!(s->in_copy = strom_row_new(v->schema))) return NULL;
  }
  if (enc(&s->bin, v) || !strom__row_decode(s->in_copy, (uint8_t *)s->bin.p, (uint8_t *)s->bin.p + s->bin.len))
    return NULL;
  return s->in_copy;
}

static int user_rc(hstate *s, int rc, const char *what) {
  if (rc >= 0) return STROM_OK;
  return strom__state_fail(&s->base, rc, "%s function returned %d (%s)", what, rc, strom_strerror(rc));
}

/* ---- VALUE, REDUCING, AGGREGATING ---- */

static const strom_row *get_op(strom_state *b) {
  hstate *s = (hstate *)b;
  int64_t now;
  if (begin(s, &now, true)) return NULL;
  ent pe;
  if (!plain_cur(s, now, true, &pe)) return NULL;
  if (b->kind != STROM_STATE_AGGREGATING) return decode(s, s->row, pe.val, pe.vlen);
  if (!decode(s, s->row, pe.val, pe.vlen)) return NULL;
  strom__row_reset(s->out);
  if (user_rc(s, b->agg.result(b->ctx, s->row, s->out), "aggregate result")) return NULL;
  return s->out;
}

static int update_op(strom_state *b, const strom_row *v) {
  hstate *s = (hstate *)b;
  int64_t now;
  int rc = begin(s, &now, true);
  if (rc) return rc;
  if (enc(&s->b1, v)) return STROM_ENOMEM;
  return store_ns(s, s->ns, s->nslen, s->nsmix, now, s->b1.p, s->b1.len);
}

static void clear_op(strom_state *b) {
  hstate *s = (hstate *)b;
  int64_t now;
  if (begin(s, &now, true)) return;
  size_t i;
  if (cur_find(s, &i)) remove_main(s, i);
}

/* fn(a, b) -> out for REDUCING (reduce) and AGGREGATING (merge); a, b, out are
 * s->row, s->row2, s->row3, decoded from pa / pb; the result is encoded into res. */
static int fold2(hstate *s, const uint8_t *pa, size_t na, const uint8_t *pb, size_t nb, strom_buf *res) {
  strom_state *b = &s->base;
  if (!decode(s, s->row, pa, na) || !decode(s, s->row2, pb, nb)) return STROM_EPARSE;
  strom__row_reset(s->row3);
  int rc = b->kind == STROM_STATE_REDUCING ? user_rc(s, b->reduce(b->ctx, s->row, s->row2, s->row3), "reduce")
                                           : user_rc(s, b->agg.merge(b->ctx, s->row, s->row2, s->row3), "aggregate merge");
  if (rc) return rc;
  return enc(res, s->row3);
}

static int reducing_add(hstate *s, const strom_row *v, int64_t now) {
  strom_state *b = &s->base;
  ent pe;
  if (!plain_cur(s, now, false, &pe)) {
    if (enc(&s->b1, v)) return STROM_ENOMEM;
  } else {
    if (!decode(s, s->row, pe.val, pe.vlen)) return STROM_EPARSE;
    strom__row_reset(s->row3);
    int rc = user_rc(s, b->reduce(b->ctx, s->row, v, s->row3), "reduce");
    if (rc) return rc;
    if (enc(&s->b1, s->row3)) return STROM_ENOMEM;
  }
  return store_ns(s, s->ns, s->nslen, s->nsmix, now, s->b1.p, s->b1.len);
}

static int aggregating_add(hstate *s, const strom_row *v, int64_t now) {
  strom_state *b = &s->base;
  ent pe;
  int rc;
  if (!plain_cur(s, now, false, &pe)) {
    strom__row_reset(s->row);
    if ((rc = user_rc(s, b->agg.create(b->ctx, s->row), "aggregate create"))) return rc;
  } else if (!decode(s, s->row, pe.val, pe.vlen)) {
    return STROM_EPARSE;
  }
  strom__row_reset(s->row2);
  strom_row_copy(s->row2, s->row);
  if ((rc = user_rc(s, b->agg.add(b->ctx, v, s->row, s->row2), "aggregate add"))) return rc;
  if (enc(&s->b1, s->row2)) return STROM_ENOMEM;
  return store_ns(s, s->ns, s->nslen, s->nsmix, now, s->b1.p, s->b1.len);
}

/* ---- LIST ---- */

/* Appends the elements in d[0..n) to the list of (current key, ns), creating it. */
/* Appends the n bytes at d (whole elements) to the list in main slot i. */
static int list_append_at(hstate *s, size_t i, const void *d, size_t n) {
  lbuf *l = list_own(s, i);
  if (!l) return STROM_ENOMEM;
  ent pe;
  ent_parse(slot_ent(s->t.slots[i]), s->t.has_ts, &pe);
  if ((size_t)l->len + n > l->cap) {
    if (!(l = lbuf_resize(&s->a, l, grown_cap(l, (size_t)l->len + n)))) return STROM_ENOMEM;
    memcpy(pe.val, &l, sizeof l);
  }
  memcpy(l->d + l->len, d, n);
  l->len += (uint32_t)n;
  s->gen++;
  return STROM_OK;
}

static int list_append(hstate *s, const void *ns, size_t nl, uint64_t nsmix, const void *d, size_t n) {
  size_t i;
  uint8_t *e = find_ns(s, ns, nl, nsmix, &i);
  if (!e) {
    lbuf *l = lbuf_new(&s->a, s->ks->epoch, d, n);
    if (!l) return STROM_ENOMEM;
    int rc = insert_ns(s, ns, nl, nsmix, INT64_MIN, &l, sizeof l);
    if (rc) {
      s->a.bytes -= heap_cost(sizeof *l + l->cap);
      free(l);
    }
    return rc;
  }
  return list_append_at(s, i, d, n);
}

/* Writes the list element [ts][len][row] of v at p and returns its end.  en is
 * strom__row_encoded_size(v), which over-estimates a row with NULL fixed-width columns:
 * the row goes after room for en's length, then its real length before it.  pre, when
 * given, holds v already encoded (a row read from the list that has to move). */
static inline uint8_t *elem_write(const hstate *s, uint8_t *p, const strom_row *v, size_t en, const strom_buf *pre,
                                  int64_t now) {
  if (s->ttl) {
    ts_put(p, now);
    p += 8;
  }
  uint8_t *row = p + uv_len(en);
  size_t m = pre ? pre->len : (size_t)(strom__row_encode(v, row) - row);
  if (pre) memcpy(row, pre->p, m);
  if (uv_len(m) != uv_len(en)) memmove(p + uv_len(m), row, m);
  return uv_put(p, m) + m;
}

/* Appends v as one element, encoded in place at the list's end (no staging copies:
 * the append of a join's or window's every row). */
/* True if a string of r lies in the n bytes at d (compared as integers: the pointers
 * may be to different objects). */
static bool row_points_into(const strom_row *r, const uint8_t *d, size_t n) {
  if (STROM_LIKELY(!r->schema->nstr)) return false;
  uintptr_t lo = (uintptr_t)d;
  for (int c = 0; c < r->ncols; c++)
    if (r->schema->cols[c].type == STROM_VARCHAR && !r->nulls[c] && (uintptr_t)r->v[c].s.p - lo < n) return true;
  return false;
}

static int list_add(hstate *s, const strom_row *v, int64_t now) {
  size_t n = strom__row_encoded_size(v), total = (s->ttl ? 8 : 0) + uv_len(n) + n;
  size_t i;
  uint8_t *e = find_ns(s, s->ns, s->nslen, s->nsmix, &i), *p;
  lbuf *l;
  bool moved = false; /* the list grew: v's bytes are in s->b3 */
  if (!e) {
    if (!(l = insert_list(s, total))) return STROM_ENOMEM;
    p = l->d;
  } else {
    if (!(l = list_own(s, i))) return STROM_ENOMEM;
    if ((size_t)l->len + total > l->cap) {
      /* v may be a row read from this very list (its strings point into it): encoded
       * before the list moves */
      if (row_points_into(v, l->d, l->len)) {
        if (enc(&s->b3, v)) return STROM_ENOMEM;
        moved = true;
      }
      if (!(l = lbuf_resize(&s->a, l, grown_cap(l, (size_t)l->len + total)))) return STROM_ENOMEM;
      ent pe;
      ent_parse(slot_ent(s->t.slots[i]), s->t.has_ts, &pe);
      memcpy(pe.val, &l, sizeof l);
    }
    p = l->d + l->len;
  }
  l->len += (uint32_t)(elem_write(s, p, v, n, moved ? &s->b3 : NULL, now) - p);
  if (e) s->gen++;
  return STROM_OK;
}

/* Builds the offsets of the current list's live elements. */
static size_t list_view(hstate *s, int64_t now) {
  s->nloff = 0;
  s->lcur = NULL;
  size_t i;
  uint8_t *e = cur_find(s, &i);
  if (e) {
    ent pe;
    ent_parse(e, s->t.has_ts, &pe);
    lbuf *l = s->ttl ? list_expire(s, i, now, s->ttl_rw) : val_ptr(&pe);
    if (!l->len) {
      remove_main(s, i);
    } else {
      s->lcur = l;
      for (size_t off = 0; off < l->len;) {
        if (s->nloff == s->loffcap) {
          size_t cap = s->loffcap ? s->loffcap * 2 : 16;
          size_t *p = strom__realloc(s->loff, cap * sizeof *p);
          if (!p) {
            strom__state_fail(&s->base, STROM_ENOMEM, "out of memory reading a list");
            s->nloff = 0;
            s->lcur = NULL;
            return 0;
          }
          s->loff = p;
          s->loffcap = cap;
        }
        s->loff[s->nloff++] = off;
        const uint8_t *row;
        size_t rl;
        off += elem_at(s, l->d + off, &row, &rl);
      }
    }
  }
  s->lvalid = true;
  s->lgen = s->gen;
  s->lkgen = s->ks->key_gen;
  return s->nloff;
}

static size_t list_size_op(strom_state *b) {
  hstate *s = (hstate *)b;
  int64_t now;
  if (begin(s, &now, true)) return 0;
  return list_view(s, now);
}

static const strom_row *hs_list_get(strom_state *b, size_t idx) {
  hstate *s = (hstate *)b;
  int64_t now;
  if (begin(s, &now, false)) return NULL;
  if (!s->lvalid || s->lgen != s->gen || s->lkgen != s->ks->key_gen) list_view(s, now);
  if (idx >= s->nloff) return NULL;
  const uint8_t *row;
  size_t rl;
  elem_at(s, s->lcur->d + s->loff[idx], &row, &rl);
  return decode(s, s->row, row, rl);
}

/* rows[0..n) as list elements ([ts][len][row]) into s->b1, each encoded in place. */
static int encode_elems(hstate *s, const strom_row *const *rows, size_t n, int64_t now) {
  s->b1.len = 0;
  for (size_t k = 0; k < n; k++) {
    size_t en = strom__row_encoded_size(rows[k]);
    if (s->b1.len + 8 + 10 + en > s->b1.cap && strom__buf_reserve(&s->b1, 8 + 10 + en)) return STROM_ENOMEM;
    uint8_t *p = (uint8_t *)s->b1.p + s->b1.len;
    s->b1.len = (size_t)(elem_write(s, p, rows[k], en, NULL, now) - (uint8_t *)s->b1.p);
  }
  return STROM_OK;
}

/* A write of rows to the current list begins: the rows encoded into b1. */
static int begin_encoded(hstate *s, const strom_row *const *rows, size_t n) {
  int64_t now;
  int rc = begin(s, &now, true);
  return rc ? rc : encode_elems(s, rows, n, now);
}

static int list_update_op(strom_state *b, const strom_row *const *rows, size_t n) {
  hstate *s = (hstate *)b;
  int rc = begin_encoded(s, rows, n);
  if (rc) return rc;
  size_t i;
  uint8_t *e = cur_find(s, &i);
  if (!n) {
    if (e) remove_main(s, i);
    return STROM_OK;
  }
  if (!e) return list_append(s, s->ns, s->nslen, s->nsmix, s->b1.p, s->b1.len);
  lbuf *l = list_own(s, i);
  if (!l) return STROM_ENOMEM;
  ent pe;
  ent_parse(slot_ent(s->t.slots[i]), s->t.has_ts, &pe);
  if (s->b1.len > l->cap || s->b1.len < l->cap / 2) {
    if (!(l = lbuf_resize(&s->a, l, s->b1.len))) return STROM_ENOMEM;
    memcpy(pe.val, &l, sizeof l);
  }
  memcpy(l->d, s->b1.p, s->b1.len);
  l->len = (uint32_t)s->b1.len;
  s->gen++;
  return STROM_OK;
}

/* The rows are encoded first (one may be read from this very list), then appended with
 * one lookup and at most one move of the list; a new list takes one allocation, with
 * its entry. */
static int list_add_all_op(strom_state *b, const strom_row *const *rows, size_t n) {
  hstate *s = (hstate *)b;
  int rc = begin_encoded(s, rows, n);
  if (rc) return rc;
  size_t i;
  if (cur_find(s, &i)) return list_append_at(s, i, s->b1.p, s->b1.len);
  lbuf *l = insert_list(s, s->b1.len);
  if (!l) return STROM_ENOMEM;
  memcpy(l->d, s->b1.p, s->b1.len);
  l->len = (uint32_t)s->b1.len;
  return STROM_OK;
}

/* One element encoded and moved into place; the elements after the max_len-th are cut
 * off (their bytes are simply not kept).  With TTL every element's clock restarts, as
 * a rewrite by list_update would. */
static int list_insert_op(strom_state *b, size_t idx, const strom_row *row, size_t max_len) {
  hstate *s = (hstate *)b;
  int64_t now;
  int rc = begin(s, &now, true);
  if (rc || idx >= max_len) return rc;
  s->b1.len = 0;
  if (enc(&s->b3, row) || elem_append(s, &s->b1, s->b3.p, s->b3.len, now)) return STROM_ENOMEM;
  size_t i, n = s->b1.len;
  if (!cur_find(s, &i)) return list_append(s, s->ns, s->nslen, s->nsmix, s->b1.p, n);
  if (s->ttl) list_expire(s, i, now, true);
  lbuf *l = list_own(s, i);
  if (!l) return STROM_ENOMEM;
  /* at: where element idx starts; cut: where element max_len - 1 starts (it and those
   * after it are pushed out) */
  size_t off = 0, k = 0, at = SIZE_MAX, cut = SIZE_MAX;
  for (; off < l->len && cut == SIZE_MAX; k++) {
    if (k == idx) at = off;
    if (k == max_len - 1) cut = off;
    const uint8_t *r;
    size_t rl;
    if (cut == SIZE_MAX) off += elem_at(s, l->d + off, &r, &rl);
  }
  if (cut == SIZE_MAX) cut = l->len;
  if (at == SIZE_MAX) at = cut;
  if (cut + n > l->cap) {
    ent pe;
    ent_parse(slot_ent(s->t.slots[i]), s->t.has_ts, &pe);
    if (!(l = lbuf_resize(&s->a, l, grown_cap(l, cut + n)))) return STROM_ENOMEM;
    memcpy(pe.val, &l, sizeof l);
  }
  memmove(l->d + at + n, l->d + at, cut - at);
  memcpy(l->d + at, s->b1.p, n);
  l->len = (uint32_t)(cut + n);
  s->gen++;
  return STROM_OK;
}

static int add_op(strom_state *b, const strom_row *v) {
  hstate *s = (hstate *)b;
  int64_t now;
  int rc = begin(s, &now, true);
  if (rc) return rc;
  if (!(v = stable_input(s, v))) return STROM_ENOMEM;
  switch (b->kind) {
    case STROM_STATE_LIST: return list_add(s, v, now);
    case STROM_STATE_REDUCING: return reducing_add(s, v, now);
    case STROM_STATE_AGGREGATING: return aggregating_add(s, v, now);
    default: return STROM_EINVAL;
  }
}

/* ---- MAP ---- */

static htab *cur_map(hstate *s, size_t *slot) {
  uint8_t *e = cur_find(s, slot);
  if (!e) return NULL;
  ent pe;
  ent_parse(e, s->t.has_ts, &pe);
  return val_ptr(&pe);
}

/* The nested entry of the map key in s->b1 (an expired one is removed: NULL). */
static uint8_t *map_entry(hstate *s, htab *m, size_t mslot, int64_t now, bool read, ent *pe) {
  size_t i;
  uint8_t *e = ht_get(m, strom__hash_bytes(s->b1.p, s->b1.len), s->b1.p, s->b1.len, NULL, 0, &i);
  if (!e) return NULL;
  ent_parse(e, m->has_ts, pe);
  if (s->ttl) {
    if (expired(s, ts_get(pe->ts), now)) {
      nested_remove(s, m, i);
      ht_shrink(m, &s->a);
      if (!m->count) remove_main(s, mslot);
      return NULL;
    }
    if (read && s->ttl_rw) ts_put(pe->ts, now);
  }
  return e;
}

static const strom_row *map_get_op(strom_state *b, const strom_row *key) {
  hstate *s = (hstate *)b;
  int64_t now;
  if (begin(s, &now, true)) return NULL;
  if (keybytes(s, &s->b1, key)) return NULL;
  size_t mslot;
  htab *m = cur_map(s, &mslot);
  if (m && s->ttl && !(m = map_own(s, mslot))) { /* expiry and refresh write */
    strom__state_fail(b, STROM_ENOMEM, "out of memory reading a map");
    return NULL;
  }
  ent pe;
  if (!m || !map_entry(s, m, mslot, now, true, &pe)) return NULL;
  return decode(s, s->row, pe.val, pe.vlen);
}

static int map_put_op(strom_state *b, const strom_row *key, const strom_row *value) {
  hstate *s = (hstate *)b;
  int64_t now;
  int rc = begin(s, &now, true);
  if (rc) return rc;
  if (keybytes(s, &s->b1, key) || enc(&s->b2, value)) return STROM_ENOMEM;
  size_t mslot;
  htab *m = cur_map(s, &mslot);
  bool fresh = false;
  if (m && !(m = map_own(s, mslot))) return STROM_ENOMEM;
  if (!m) {
    if (!(m = strom__calloc(1, sizeof *m))) return STROM_ENOMEM;
    m->has_ts = s->ttl;
    m->epoch = s->ks->epoch;
    s->a.bytes += heap_cost(sizeof *m);
    if ((rc = insert_ns(s, s->ns, s->nslen, s->nsmix, INT64_MIN, &m, sizeof m))) {
      s->a.bytes -= heap_cost(sizeof *m);
      free(m);
      return rc;
    }
    fresh = true;
  }
  s->gen++;
  uint64_t h = strom__hash_bytes(s->b1.p, s->b1.len);
  size_t i;
  if (ht_get(m, h, s->b1.p, s->b1.len, NULL, 0, &i)) return ent_set(m, &s->a, i, s->b2.p, s->b2.len, now);
  uint8_t *e = ent_new(&s->a, 0, s->b1.p, s->b1.len, NULL, 0, m->has_ts, now, s->b2.p, s->b2.len);
  if (e && !(rc = ht_add(m, &s->a, h, e))) return STROM_OK;
  if (e) {
    ent pe;
    ent_parse(e, m->has_ts, &pe);
    s->a.bytes -= heap_cost(pe.size);
    free(e);
  }
  if (fresh && cur_find(s, &mslot)) remove_main(s, mslot);
  return STROM_ENOMEM;
}

static int map_remove_op(strom_state *b, const strom_row *key) {
  hstate *s = (hstate *)b;
  int64_t now;
  int rc = begin(s, &now, true);
  if (rc) return rc;
  if (keybytes(s, &s->b1, key)) return STROM_ENOMEM;
  size_t mslot, i;
  htab *m = cur_map(s, &mslot);
  if (!m || !ht_get(m, strom__hash_bytes(s->b1.p, s->b1.len), s->b1.p, s->b1.len, NULL, 0, &i)) return STROM_OK;
  if (!(m = map_own(s, mslot))) return STROM_ENOMEM; /* the copy keeps slot i */
  nested_remove(s, m, i);
  ht_shrink(m, &s->a);
  if (!m->count) remove_main(s, mslot);
  return STROM_OK;
}

static int hs_map_next(strom_state *b, size_t *pos, const strom_row **key, const strom_row **value) {
  hstate *s = (hstate *)b;
  int64_t now;
  int rc = begin(s, &now, false);
  if (rc) return rc;
  size_t mslot;
  htab *m = cur_map(s, &mslot);
  /* A refreshing read writes; the private copy keeps every entry's slot, so *pos holds. */
  if (m && s->ttl_rw && !(m = map_own(s, mslot))) return strom__state_fail(b, STROM_ENOMEM, "out of memory reading a map");
  for (size_t i = *pos; m && m->slots && i <= m->mask; i++) { /* *pos is SIZE_MAX after the end */
    uintptr_t sl = m->slots[i];
    if (!sl) continue;
    ent pe;
    ent_parse(slot_ent(sl), m->has_ts, &pe);
    if (s->ttl) {
      if (expired(s, ts_get(pe.ts), now)) continue; /* removed later: not while iterating */
      if (s->ttl_rw) ts_put(pe.ts, now);
    }
    if (!keybytes_decode(s->mkey, pe.key, pe.key + pe.klen))
      return strom__state_fail(b, STROM_EPARSE, "corrupt stored map key");
    if (!decode(s, s->row, pe.val, pe.vlen)) return STROM_EPARSE;
    *pos = i + 1;
    *key = s->mkey;
    *value = s->row;
    return 1;
  }
  /* The iteration is over: now the expired entries can go. */
  if (m && s->ttl && (m = map_writable(s, mslot, now))) {
    map_expire(s, m, now);
    if (!m->count) remove_main(s, mslot);
  }
  *pos = SIZE_MAX;
  return 0;
}

/* ---- namespaces ---- */

static int hs_set_namespace(strom_state *b, const void *ns, size_t nslen) {
  hstate *s = (hstate *)b;
  if (nslen > s->nscap) {
    uint8_t *p = strom__realloc(s->ns, nslen);
    if (!p) return STROM_ENOMEM;
    s->ns = p;
    s->nscap = nslen;
  }
  if (nslen) memcpy(s->ns, ns, nslen);
  s->nslen = nslen;
  s->nsmix = ns_mix(ns, nslen);
  s->gen++;
  return STROM_OK;
}

static bool same_ns(const void *a, size_t al, const void *b, size_t bl) { return al == bl && (!al || !memcmp(a, b, al)); }

/* LIST: concatenation in source order, then appended to the target's list. */
static int merge_lists(hstate *s, int64_t now, const void *target, size_t tlen, const void *const *srcs,
                       const size_t *slens, size_t n) {
  s->b2.len = 0;
  for (size_t k = 0; k < n; k++) {
    if (same_ns(srcs[k], slens[k], target, tlen)) continue;
    size_t i;
    uint8_t *e = find_ns(s, srcs[k], slens[k], ns_mix(srcs[k], slens[k]), &i);
    if (!e) continue;
    ent pe;
    ent_parse(e, s->t.has_ts, &pe);
    lbuf *l = s->ttl ? list_expire(s, i, now, false) : val_ptr(&pe);
    if (strom__buf_append(&s->b2, l->d, l->len)) return STROM_ENOMEM;
    remove_main(s, i);
  }
  if (!s->b2.len) return STROM_OK;
  return list_append(s, target, tlen, ns_mix(target, tlen), s->b2.p, s->b2.len);
}

/* The live plain value of (current key, ns), or NULL. */
static uint8_t *plain_at(hstate *s, int64_t now, const void *ns, size_t nl, ent *pe) {
  size_t i;
  uint8_t *e = find_ns(s, ns, nl, ns_mix(ns, nl), &i);
  if (!e) return NULL;
  ent_parse(e, s->t.has_ts, pe);
  if (s->ttl && expired(s, ts_get(pe->ts), now)) return NULL;
  return e;
}

/* REDUCING / AGGREGATING: sources folded in order, then target = f(target, merged),
 * as Flink's AbstractHeapMergingState.  Nothing changes if a user function fails. */
static int merge_values(hstate *s, int64_t now, const void *target, size_t tlen, const void *const *srcs,
                        const size_t *slens, size_t n) {
  bool have = false;
  int rc;
  ent pe;
  for (size_t k = 0; k < n; k++) {
    if (same_ns(srcs[k], slens[k], target, tlen) || !plain_at(s, now, srcs[k], slens[k], &pe)) continue;
    if (!have) {
      s->b2.len = 0;
      if (strom__buf_append(&s->b2, pe.val, pe.vlen)) return STROM_ENOMEM;
      have = true;
      continue;
    }
    if ((rc = fold2(s, (uint8_t *)s->b2.p, s->b2.len, pe.val, pe.vlen, &s->b3))) return rc;
    strom_buf t = s->b2;
    s->b2 = s->b3;
    s->b3 = t;
  }
  if (have && plain_at(s, now, target, tlen, &pe)) {
    if ((rc = fold2(s, pe.val, pe.vlen, (uint8_t *)s->b2.p, s->b2.len, &s->b3))) return rc;
    strom_buf t = s->b2;
    s->b2 = s->b3;
    s->b3 = t;
  }
  if (have && (rc = store_ns(s, target, tlen, ns_mix(target, tlen), now, s->b2.p, s->b2.len))) return rc;
  for (size_t k = 0; k < n; k++) {
    size_t i;
    if (!same_ns(srcs[k], slens[k], target, tlen) && find_ns(s, srcs[k], slens[k], ns_mix(srcs[k], slens[k]), &i))
      remove_main(s, i);
  }
  return STROM_OK;
}

static int merge_namespaces_op(strom_state *b, const void *target, size_t tlen, const void *const *srcs,
                               const size_t *slens, size_t n) {
  hstate *s = (hstate *)b;
  int64_t now;
  int rc = begin(s, &now, true);
  if (rc) return rc;
  if (b->kind == STROM_STATE_LIST) return merge_lists(s, now, target, tlen, srcs, slens, n);
  return merge_values(s, now, target, tlen, srcs, slens, n);
}

/* The accesses that end with incremental cleanup. */
static const strom_row *hs_get(strom_state *b) {
  const strom_row *r = get_op(b);
  finish((hstate *)b);
  return r;
}
static int hs_update(strom_state *b, const strom_row *v) {
  int rc = update_op(b, v);
  finish((hstate *)b);
  return rc;
}
static int hs_add(strom_state *b, const strom_row *v) {
  int rc = add_op(b, v);
  finish((hstate *)b);
  return rc;
}
static void hs_clear(strom_state *b) {
  clear_op(b);
  finish((hstate *)b);
}
static size_t hs_list_size(strom_state *b) {
  size_t n = list_size_op(b);
  finish((hstate *)b);
  return n;
}
static int hs_list_update(strom_state *b, const strom_row *const *rows, size_t n) {
  int rc = list_update_op(b, rows, n);
  finish((hstate *)b);
  return rc;
}
static int hs_list_add_all(strom_state *b, const strom_row *const *rows, size_t n) {
  int rc = list_add_all_op(b, rows, n);
  finish((hstate *)b);
  return rc;
}
static int hs_list_insert(strom_state *b, size_t idx, const strom_row *row, size_t max_len) {
  int rc = list_insert_op(b, idx, row, max_len);
  finish((hstate *)b);
  return rc;
}
static const strom_row *hs_map_get(strom_state *b, const strom_row *key) {
  const strom_row *r = map_get_op(b, key);
  finish((hstate *)b);
  return r;
}
static int hs_map_put(strom_state *b, const strom_row *key, const strom_row *value) {
  int rc = map_put_op(b, key, value);
  finish((hstate *)b);
  return rc;
}
static int hs_map_remove(strom_state *b, const strom_row *key) {
  int rc = map_remove_op(b, key);
  finish((hstate *)b);
  return rc;
}
static int hs_merge_namespaces(strom_state *b, const void *target, size_t tlen, const void *const *srcs,
                               const size_t *slens, size_t n) {
  int rc = merge_namespaces_op(b, target, tlen, srcs, slens, n);
  finish((hstate *)b);
  return rc;
}

static const strom_state_vt heap_vt = {
    .get = hs_get,
    .update = hs_update,
    .add = hs_add,
    .clear = hs_clear,
    .list_size = hs_list_size,
    .list_get = hs_list_get,
    .list_update = hs_list_update,
    .list_add_all = hs_list_add_all,
    .map_get = hs_map_get,
    .map_put = hs_map_put,
    .map_remove = hs_map_remove,
    .map_next = hs_map_next,
    .set_namespace = hs_set_namespace,
    .merge_namespaces = hs_merge_namespaces,
    .list_insert = hs_list_insert,
};

/* ---- the backend ---- */

strom_kstate *strom__kstate_new(const strom_kstate_opts *o) {
  int mp = o && o->max_parallelism > 0 ? o->max_parallelism : 128;
  if (mp > MAX_KEY_GROUPS) {
    strom__log(STROM_LOG_ERROR, "keyed state: max parallelism %d is above %d", mp, MAX_KEY_GROUPS);
    return NULL;
  }
  strom_kstate *ks = strom__calloc(1, sizeof *ks);
  if (!ks) return NULL;
  ks->max_par = mp;
  if (o) {
    ks->now_ms = o->now_ms;
    ks->clock_data = o->clock_data;
  }
  return ks;
}

static void hstate_free(hstate *s) {
  for (size_t i = 0; s->t.slots && i <= s->t.mask; i++) {
    /* entries lie in slot order at random in memory: prefetch ahead, as ht_resize */
    if (i + 16 <= s->t.mask && s->t.slots[i + 16]) __builtin_prefetch(slot_ent(s->t.slots[i + 16]));
    uintptr_t sl = s->t.slots[i];
    if (!sl) continue;
    ent pe;
    ent_parse(slot_ent(sl), s->t.has_ts, &pe);
    drop_value(s, &pe, false);
    free(pe.base);
  }
  free(s->t.slots);
  free(s->ns);
  strom_row_free(s->row);
  strom_row_free(s->row2);
  strom_row_free(s->row3);
  strom_row_free(s->out);
  strom_row_free(s->mkey);
  strom_row_free(s->in_copy);
  free(s->kcols);
  strom__buf_free(&s->b1);
  strom__buf_free(&s->b2);
  strom__buf_free(&s->b3);
  strom__buf_free(&s->bin);
  free(s->loff);
  strom__state_head_destroy(&s->base);
  free(s);
}

void strom__kstate_free(strom_kstate *ks) {
  if (!ks) return;
  if (ks->frozen && cow_active(ks)) {
    /* The snapshot is still being read: its entries outlive the backend and go with
     * the last reference.  (On ENOMEM they leak rather than dangle.) */
    for (int k = 0; k < ks->nst; k++) {
      hstate *s = ks->st[k];
      htab *t = &s->t;
      for (size_t i = 0; t->slots && i <= t->mask; i++)
        if (t->slots[i]) {
          ent pe;
          ent_parse(slot_ent(t->slots[i]), t->has_ts, &pe);
          drop_value(s, &pe, true);
          defer_free(ks, pe.base);
          t->slots[i] = 0;
        }
    }
    thaw(ks);
  }
  for (int i = 0; i < ks->nst; i++) hstate_free(ks->st[i]);
  free(ks->st);
  free(ks);
}

void strom__kstate_set_key(strom_kstate *ks, const uint8_t *key, size_t klen, uint64_t hash) {
  /* The table recomputes entry hashes from the key bytes: hash must be theirs. */
  assert(!key || hash == strom__hash_bytes(key, klen));
  ks->key = key;
  ks->klen = klen;
  ks->hash = hash;
  ks->kg = strom__key_group(hash, ks->max_par);
  ks->has_key = key != NULL;
  ks->key_gen++;
}

static strom_row *new_row(const strom_schema *sc, bool *ok) {
  strom_row *r = strom_row_new(sc);
  if (!r) *ok = false;
  else r->time = STROM_NO_TIMESTAMP;
  return r;
}

strom_state *strom__kstate_register_scoped(strom_kstate *ks, const strom_state_desc *d, int scope, strom_ctx *ctx,
                                           char *err, size_t errlen) {
  if (!ks || !d) {
    snprintf(err, errlen, "no keyed state backend or descriptor");
    return NULL;
  }
  for (int i = 0; d->name && i < ks->nst; i++) {
    if (strcmp(ks->st[i]->base.name, d->name)) continue;
    if (ks->st[i]->base.scope != scope) {
      snprintf(err, errlen, "state '%s' is already registered as another kind of state", d->name);
      return NULL;
    }
    return strom__state_head_matches(&ks->st[i]->base, d, err, errlen) ? &ks->st[i]->base : NULL;
  }
  hstate *s = strom__calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  if (strom__state_head_init(&s->base, d, scope, ctx, err, errlen)) {
    free(s);
    return NULL;
  }
  strom_state *b = &s->base;
  b->vt = &heap_vt;
  s->ks = ks;
  s->ttl = b->ttl.update != STROM_TTL_DISABLED;
  s->ttl_rw = b->ttl.update == STROM_TTL_ON_READ_AND_WRITE;
  s->ttl_ms = b->ttl.ttl_ms;
  s->t.has_ts = s->ttl && is_plain(b->kind);
  bool ok = true;
  const strom_schema *vs = b->kind == STROM_STATE_AGGREGATING ? b->acc_schema : b->schema;
  s->row = new_row(vs, &ok);
  if (b->kind == STROM_STATE_REDUCING || b->kind == STROM_STATE_AGGREGATING) {
    s->row2 = new_row(vs, &ok);
    s->row3 = new_row(vs, &ok);
  }
  if (b->kind == STROM_STATE_AGGREGATING) s->out = new_row(b->out_schema, &ok);
  if (b->kind == STROM_STATE_MAP) {
    s->mkey = new_row(b->map_key_schema, &ok);
    int n = strom_schema_ncols(b->map_key_schema);
    if (!(s->kcols = strom__malloc((size_t)(n ? n : 1) * sizeof *s->kcols))) ok = false;
    for (int i = 0; ok && i < n; i++) s->kcols[i] = i;
  }
  if (ok && ks->nst == ks->cap) {
    int cap = ks->cap ? ks->cap * 2 : 4;
    hstate **p = strom__realloc(ks->st, (size_t)cap * sizeof *p);
    if (p) {
      ks->st = p;
      ks->cap = cap;
    } else {
      ok = false;
    }
  }
  if (!ok) {
    snprintf(err, errlen, "state '%s': out of memory", b->name);
    hstate_free(s);
    return NULL;
  }
  s->id = ks->nst;
  ks->st[ks->nst++] = s;
  return b;
}

strom_state *strom__kstate_register(strom_kstate *ks, const strom_state_desc *d, strom_ctx *ctx, char *err,
                                    size_t errlen) {
  return strom__kstate_register_scoped(ks, d, STROM_STATE_SCOPE_KEYED, ctx, err, errlen);
}

size_t strom__kstate_entries(const strom_kstate *ks) {
  size_t n = 0;
  for (int i = 0; ks && i < ks->nst; i++) n += ks->st[i]->a.entries;
  return n;
}

size_t strom__kstate_bytes(const strom_kstate *ks) {
  size_t n = 0;
  for (int i = 0; ks && i < ks->nst; i++) n += ks->st[i]->a.bytes;
  return n;
}

/* ---- snapshot and restore ---- */

int strom__kstate_nstates(const strom_kstate *ks) { return ks ? ks->nst : 0; }

const char *strom__kstate_state_name(const strom_kstate *ks, int id, strom_state_kind *kind) {
  if (!ks || id < 0 || id >= ks->nst) return NULL;
  if (kind) *kind = ks->st[id]->base.kind;
  return ks->st[id]->base.name;
}

/* MAP value bytes: [varint klen][key][ts, TTL][varint vlen][value] per entry. */
static int map_serialize(const htab *m, strom_buf *b) {
  b->len = 0;
  for (size_t i = 0; m->slots && i <= m->mask; i++) {
    uintptr_t sl = m->slots[i];
    if (!sl) continue;
    ent pe;
    ent_parse(slot_ent(sl), m->has_ts, &pe);
    if (strom__buf_reserve(b, 20 + pe.klen + pe.vlen)) return STROM_ENOMEM;
    uint8_t *p = uv_put((uint8_t *)b->p + b->len, pe.klen);
    memcpy(p, pe.key, pe.klen);
    p += pe.klen;
    if (m->has_ts) {
      memcpy(p, pe.ts, 8);
      p += 8;
    }
    p = uv_put(p, pe.vlen);
    memcpy(p, pe.val, pe.vlen);
    b->len = (size_t)(p + pe.vlen - (uint8_t *)b->p);
  }
  return STROM_OK;
}

int strom__kstate_freeze(strom_kstate *ks, strom_kfrozen **out) {
  *out = NULL;
  if (ks->frozen) {
    if (cow_active(ks)) return STROM_ESTATE; /* the previous snapshot is still being read */
  }
  strom_kfrozen *f = strom__calloc(1, sizeof *f);
  if (!f || (ks->nst && !(f->st = strom__calloc((size_t)ks->nst, sizeof *f->st)))) {
    free(f);
    return STROM_ENOMEM;
  }
  f->nst = ks->nst;
  for (int k = 0; k < ks->nst; k++) {
    htab *t = &ks->st[k]->t;
    f->st[k].has_ts = t->has_ts;
    f->st[k].kind = ks->st[k]->base.kind;
    if (!t->slots || !t->count) continue;
    size_t n = (t->mask + 1) * sizeof *t->slots;
    if (!(f->st[k].slots = strom__malloc(n))) {
      atomic_init(&f->refs, 1);
      kf_unref(f);
      return STROM_ENOMEM;
    }
    memcpy(f->st[k].slots, t->slots, n);
    f->st[k].mask = t->mask;
    /* Every entry is the snapshot's now: the first write to one makes a new entry. */
    for (size_t i = 0; i <= t->mask; i++) t->slots[i] &= ~OWNED;
  }
  atomic_init(&f->refs, 2);
  atomic_init(&f->done, false);
  ks->frozen = f;
  ks->epoch++; /* every LIST and MAP value made so far is now the snapshot's too */
  *out = f;
  return STROM_OK;
}

/* Calls fn for the frozen entry e of state k (a MAP value serialized into mb). */
static int visit_frozen(const strom_kfrozen *f, int k, uint8_t *e, strom_buf *mb, strom_state_visit_fn fn, void *arg) {
  const struct frozen_table *t = &f->st[k];
  ent pe;
  ent_parse(e, t->has_ts, &pe);
  strom_state_entry se = {.state = k, .key_group = ent_kg(pe.base), .key = pe.key, .klen = pe.klen,
                          .ns = pe.ns, .nslen = pe.nslen, .val = pe.val, .vlen = pe.vlen,
                          .ts = pe.ts ? ts_get(pe.ts) : INT64_MIN};
  if (t->kind == STROM_STATE_LIST) {
    const lbuf *l = val_ptr(&pe);
    se.val = l->d;
    se.vlen = l->len;
  } else if (t->kind == STROM_STATE_MAP) {
    int rc = map_serialize(val_ptr(&pe), mb);
    if (rc) return rc;
    se.val = (const uint8_t *)mb->p;
    se.vlen = mb->len;
  }
  return fn(arg, &se);
}

int strom__kfrozen_foreach(const strom_kfrozen *f, strom_state_visit_fn fn, void *arg) {
  strom_buf mb = {0};
  int rc = STROM_OK;
  for (int k = 0; k < f->nst && !rc; k++) {
    const struct frozen_table *t = &f->st[k];
    for (size_t i = 0; t->slots && i <= t->mask && !rc; i++) {
      /* Slot order is random in memory: prefetch ahead, as ht_resize does. */
      if (i + 16 <= t->mask && t->slots[i + 16]) __builtin_prefetch(slot_ent(t->slots[i + 16]));
      if (t->slots[i]) rc = visit_frozen(f, k, slot_ent(t->slots[i]), &mb, fn, arg);
    }
  }
  strom__buf_free(&mb);
  return rc;
}

int strom__kfrozen_foreach_by_group(const strom_kfrozen *f, int max_par, strom_state_visit_fn fn,
                                    int (*group_end)(void *arg, int kg), void *arg) {
  if (max_par <= 0 || max_par > MAX_KEY_GROUPS || f->nst > UINT16_MAX) return STROM_EINVAL;
  /* A counting sort of the entries by key group: 10 bytes per entry. */
  size_t n = 0, *start = strom__calloc((size_t)max_par + 1, sizeof *start);
  if (!start) return STROM_ENOMEM;
  for (int k = 0; k < f->nst; k++) {
    const struct frozen_table *t = &f->st[k];
    for (size_t i = 0; t->slots && i <= t->mask; i++) {
      if (i + 16 <= t->mask && t->slots[i + 16]) __builtin_prefetch(slot_ent(t->slots[i + 16]));
      if (!t->slots[i]) continue;
      int kg = ent_kg(slot_ent(t->slots[i]));
      if (kg >= max_par) {
        free(start);
        return STROM_EINVAL;
      }
      start[kg + 1]++;
      n++;
    }
  }
  for (int g = 0; g < max_par; g++) start[g + 1] += start[g];
  uint8_t **ents = strom__malloc((n ? n : 1) * sizeof *ents);
  uint16_t *sts = strom__malloc((n ? n : 1) * sizeof *sts);
  size_t *at = strom__malloc((size_t)max_par * sizeof *at);
  int rc = ents && sts && at ? STROM_OK : STROM_ENOMEM;
  if (!rc) memcpy(at, start, (size_t)max_par * sizeof *at);
  for (int k = 0; !rc && k < f->nst; k++) {
    const struct frozen_table *t = &f->st[k];
    for (size_t i = 0; t->slots && i <= t->mask; i++) {
      if (!t->slots[i]) continue;
      uint8_t *e = slot_ent(t->slots[i]);
      size_t j = at[ent_kg(e)]++;
      ents[j] = e;
      sts[j] = (uint16_t)k;
    }
  }
  strom_buf mb = {0};
  for (int g = 0; !rc && g < max_par; g++) {
    if (start[g] == start[g + 1]) continue;
    for (size_t j = start[g]; !rc && j < start[g + 1]; j++) {
      if (j + 8 < start[g + 1]) __builtin_prefetch(ents[j + 8]);
      rc = visit_frozen(f, sts[j], ents[j], &mb, fn, arg);
    }
    if (!rc) rc = group_end(arg, g);
  }
  strom__buf_free(&mb);
  free(ents);
  free(sts);
  free(at);
  free(start);
  return rc;
}

bool strom__kstate_defer(strom_kstate *ks, void *p) {
  if (!ks || !cow_active(ks)) return false;
  (void)defer_free(ks, p); /* on ENOMEM it leaks rather than dangles */
  return true;
}

void strom__kfrozen_release(strom_kfrozen *f) {
  atomic_store_explicit(&f->done, true, memory_order_release);
  kf_unref(f);
}

int strom__kstate_foreach(strom_kstate *ks, strom_state_visit_fn fn, void *arg) {
  strom_buf mb = {0};
  int rc = STROM_OK;
  for (int k = 0; k < ks->nst && !rc; k++) {
    hstate *s = ks->st[k];
    for (size_t i = 0; s->t.slots && i <= s->t.mask && !rc; i++) {
      uintptr_t sl = s->t.slots[i];
      if (!sl) continue;
      ent pe;
      ent_parse(slot_ent(sl), s->t.has_ts, &pe);
      strom_state_entry e = {.state = k, .key_group = ent_kg(pe.base), .key = pe.key, .klen = pe.klen,
                             .ns = pe.ns, .nslen = pe.nslen, .val = pe.val, .vlen = pe.vlen,
                             .ts = pe.ts ? ts_get(pe.ts) : INT64_MIN};
      if (s->base.kind == STROM_STATE_LIST) {
        lbuf *l = val_ptr(&pe);
        e.val = l->d;
        e.vlen = l->len;
      } else if (s->base.kind == STROM_STATE_MAP) {
        if ((rc = map_serialize(val_ptr(&pe), &mb))) break;
        e.val = (const uint8_t *)mb.p;
        e.vlen = mb.len;
      }
      rc = fn(arg, &e);
    }
  }
  strom__buf_free(&mb);
  return rc;
}

static bool valid_row(const strom_schema *sc, const uint8_t *p, size_t n) {
  strom_row *r = strom_row_new(sc);
  bool ok = r && strom__row_decode(r, p, p + n) == p + n;
  strom_row_free(r);
  return ok;
}

static bool valid_list(const hstate *s, const uint8_t *p, size_t n) {
  const uint8_t *end = p + n;
  while (p < end) {
    if (s->ttl) {
      if (end - p < 8) return false;
      p += 8;
    }
    size_t rl;
    if (!(p = uv_get_checked(p, end, &rl)) || (size_t)(end - p) < rl || !valid_row(s->base.schema, p, rl)) return false;
    p += rl;
  }
  return true;
}

static int restore_map(hstate *s, htab *m, const uint8_t *p, size_t n) {
  const uint8_t *end = p + n;
  while (p < end) {
    size_t kl, vl;
    int64_t ts = INT64_MIN;
    if (!(p = uv_get_checked(p, end, &kl)) || (size_t)(end - p) < kl) return STROM_EPARSE;
    const uint8_t *k = p;
    p += kl;
    if (s->ttl) {
      if (end - p < 8) return STROM_EPARSE;
      ts = ts_get(p);
      p += 8;
    }
    if (!(p = uv_get_checked(p, end, &vl)) || (size_t)(end - p) < vl || !valid_row(s->base.schema, p, vl))
      return STROM_EPARSE;
    uint64_t h = strom__hash_bytes(k, kl);
    size_t i;
    if (ht_get(m, h, k, kl, NULL, 0, &i)) {
      if (ent_set(m, &s->a, i, p, vl, ts)) return STROM_ENOMEM;
    } else {
      uint8_t *e = ent_new(&s->a, 0, k, kl, NULL, 0, m->has_ts, ts, p, vl);
      if (!e) return STROM_ENOMEM;
      if (ht_add(m, &s->a, h, e)) {
        ent pe;
        ent_parse(e, m->has_ts, &pe);
        s->a.bytes -= heap_cost(pe.size);
        free(e);
        return STROM_ENOMEM;
      }
    }
    p += vl;
  }
  return STROM_OK;
}

int strom__kstate_restore(strom_kstate *ks, const strom_state_entry *e) {
  if (!ks || !e || e->state < 0 || e->state >= ks->nst) return STROM_EINVAL;
  hstate *s = ks->st[e->state];
  /* Entries are written under their own key: borrow the current key for the insert. */
  const uint8_t *okey = ks->key;
  size_t oklen = ks->klen;
  uint64_t ohash = ks->hash;
  int okg = ks->kg;
  bool ohas = ks->has_key;
  ks->key = e->key ? e->key : (const uint8_t *)"";
  ks->klen = e->klen;
  ks->hash = strom__hash_bytes(ks->key, e->klen);
  ks->kg = e->key_group;
  ks->has_key = true;
  const void *ns = e->nslen ? e->ns : NULL;
  uint64_t nsmix = ns_mix(ns, e->nslen);
  int64_t ts = s->t.has_ts ? (e->ts == INT64_MIN ? now_of(ks) : e->ts) : INT64_MIN;
  int rc = STROM_OK;
  size_t i;
  if (e->key_group < 0 || e->key_group >= ks->max_par) {
    rc = STROM_EINVAL;
  } else if (is_plain(s->base.kind)) {
    const strom_schema *vs = s->base.kind == STROM_STATE_AGGREGATING ? s->base.acc_schema : s->base.schema;
    rc = valid_row(vs, e->val, e->vlen) ? store_ns(s, ns, e->nslen, nsmix, ts, e->val, e->vlen) : STROM_EPARSE;
  } else if (s->base.kind == STROM_STATE_LIST) {
    if (!valid_list(s, e->val, e->vlen)) rc = STROM_EPARSE;
    else {
      if (find_ns(s, ns, e->nslen, nsmix, &i)) remove_main(s, i);
      if (e->vlen) rc = list_append(s, ns, e->nslen, nsmix, e->val, e->vlen);
    }
  } else {
    if (find_ns(s, ns, e->nslen, nsmix, &i)) remove_main(s, i);
    htab *m = strom__calloc(1, sizeof *m);
    if (!m) rc = STROM_ENOMEM;
    else {
      m->has_ts = s->ttl;
      m->epoch = ks->epoch;
      s->a.bytes += heap_cost(sizeof *m);
      rc = insert_ns(s, ns, e->nslen, nsmix, INT64_MIN, &m, sizeof m);
      if (rc) {
        s->a.bytes -= heap_cost(sizeof *m);
        free(m);
      } else {
        rc = restore_map(s, m, e->val, e->vlen);
        if ((rc || !m->count) && find_ns(s, ns, e->nslen, nsmix, &i)) remove_main(s, i);
      }
    }
  }
  ks->key = okey;
  ks->klen = oklen;
  ks->hash = ohash;
  ks->kg = okg;
  ks->has_key = ohas;
  ks->key_gen++;
  return rc;
}
