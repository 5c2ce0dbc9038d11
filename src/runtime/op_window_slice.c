/*
 * op_window_slice.c -- the fast path for the most common windows: event-time tumbling
 * and sliding windows with an incremental reduce or aggregate function, the default
 * (event-time) trigger, no evictor.
 *
 * Instead of keyed state per (key, window) and a timer per (key, window), records
 * are folded into slices: a hash table of accumulators per slice of event time.  For
 * tumbling windows a slice is a window.  For sliding windows whose size is a multiple
 * of the slide and whose function can merge (reduce, or aggregate with merge), a slice
 * is one slide (a pane): each record updates one slice, and a window is the merge of
 * size/slide panes when it fires (as Flink SQL's window slicing).  A pane that is no
 * longer the newest (or has grown large) is packed: its accumulators sorted by key
 * hash into one compact array, a third of the table's memory, so that a window fires
 * as an in-order merge of its panes' arrays with no table of the window's keys; the
 * few records that still reach a packed pane wait in its table until the next packing
 * (merging them relies on the function being associative, as merging panes does).
 * Otherwise each overlapping window is its own slice.  No timers: when the watermark
 * passes a window's end, its slices are scanned once and every key's result is emitted; a
 * slice is freed when the last window using it is past its allowed lateness.  A
 * record for a window that already fired but is within the allowed lateness updates
 * it and re-emits that key's result at once, as the generic operator does.  Records of
 * one key often come in runs (a window over no key, or over few): the accumulator of
 * the last record's key and slice stays decoded, and is encoded back only when another
 * key's record comes or something reads the slices.
 *
 * Results are the same as the generic window operator's (op_window.c); the tests run
 * both (STROM_WINDOW_GENERIC=1 forces the generic one).
 */
#include <stdatomic.h>

#include "../state/keymap.h"
#include "keyed.h"
#include "snapshot.h"

enum { MODE_TUMBLE, MODE_PANES, MODE_OVERLAP };

typedef struct slice_conf {
  strom_window_def def;
  int *keycols, nkey;
  int mode;
  int64_t len; /* slice length: size, or slide for panes */
  size_t seal_min; /* SEAL_MIN, or STROM_WINDOW_SEAL_MIN (tests: seal far more often) */
} slice_conf;

/* Panes: one in SEAL_SPARSE sealed entries is indexed for lookups by key; the newest
 * pane is sealed whenever its table reaches SEAL_MIN entries and a quarter of its
 * sealed ones (so the copying stays linear overall). */
enum { SEAL_SPARSE = 32, SEAL_MIN = 1 << 16 };

typedef struct seal_mark {
  size_t off;
  uint64_t hash;
} seal_mark;

/* The block holding a pane's packed entries: shared with the checkpoint writer, which
 * serializes it after the task has moved on (and may have dropped or repacked it). */
typedef struct pack {
  atomic_int refs;
  uint8_t b[];
} pack;

static void pack_unref(pack *k) {
  if (k && atomic_fetch_sub(&k->refs, 1) == 1) free(k);
}

typedef struct slice {
  int64_t start;
  strom_keymap accs; /* key bytes -> encoded accumulator (reduce: an input row) */
  /* Panes: accumulators moved out of accs once the pane stopped being the newest,
   * sorted by (hash, key) and packed (see seal()); accs then takes only stragglers. */
  pack *pk;
  uint8_t *sealed; /* pk->b */
  size_t slen, sn;
  seal_mark *sidx; /* every SEAL_SPARSE-th sealed entry */
  size_t nidx;
  bool behind; /* sealed since a newer pane came */
} slice;

typedef struct slice_state {
  strom_keyed keyed;
  slice *s; /* sorted by start */
  int n, cap;
  strom_row *acc, *acc2, *result;
  strom_row *chain, *other; /* panes: a key's accumulator merged so far, the next one */
  uint8_t *enc;
  size_t enc_cap;
  int64_t next_window; /* panes: the start of the next window to fire */
  int64_t late_dropped;
  int max_par;
  /* The accumulator of the last record's (slice, key), decoded in acc while that key's
   * records come in a run (a window over one key or few): hot_e's bytes are stale until
   * hot_flush writes them back, which everything that reads the slices calls first.
   * Only for accumulators without strings, which could point into a transient input. */
  bool can_hot, hot;
  int64_t hot_start;
  strom_kv *hot_e; /* valid while hot: its map sees no put or del until the flush */
} slice_state;

static inline slice_conf *conf(strom_op *op) { return op->conf; }

static int64_t floor_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

static int64_t size_of(const slice_conf *c) { return c->def.assigner.size_ms; }
static int64_t slide_of(const slice_conf *c) {
  return c->def.assigner.kind == STROM_WINDOW_SLIDING ? c->def.assigner.slide_ms : c->def.assigner.size_ms;
}

static int64_t cleanup(const slice_conf *c, int64_t wstart) {
  int64_t m = wstart + size_of(c) - 1, l = c->def.allowed_lateness_ms;
  return m > INT64_MAX - l ? INT64_MAX : m + l;
}

/* ---- slices ---- */

static slice *find_slice(slice_state *st, int64_t start) {
  for (int i = st->n - 1; i >= 0; i--) { /* most records go to the newest slices */
    if (st->s[i].start == start) return &st->s[i];
    if (st->s[i].start < start) break;
  }
  return NULL;
}

static slice *get_slice(slice_state *st, int64_t start) {
  slice *s = find_slice(st, start);
  if (s) return s;
  if (st->n == st->cap) {
    int cap = st->cap ? st->cap * 2 : 8;
    slice *p = strom__realloc(st->s, (size_t)cap * sizeof *p);
    if (!p) return NULL;
    st->s = p;
    st->cap = cap;
  }
  int i = st->n;
  while (i > 0 && st->s[i - 1].start > start) i--;
  memmove(&st->s[i + 1], &st->s[i], (size_t)(st->n - i) * sizeof *st->s);
  st->n++;
  st->s[i] = (slice){.start = start};
  if (strom__keymap_init(&st->s[i].accs)) {
    memmove(&st->s[i], &st->s[i + 1], (size_t)(--st->n - i) * sizeof *st->s);
    return NULL;
  }
  return &st->s[i];
}

/* ---- accumulators ---- */

/* Stores r as the value of key in m, in place when it fits. */
static int store(slice_state *st, strom_keymap *m, strom_kv *e, uint64_t h, const uint8_t *key, size_t klen,
                 const strom_row *r) {
  size_t len;
  int rc = strom__row_encode_scratch(r, &st->enc, &st->enc_cap, &len);
  if (rc) return rc;
  if (e && len <= e->vcap) {
    memcpy(strom__kv_val(e), st->enc, len);
    e->vlen = (uint32_t)len;
    return STROM_OK;
  }
  return strom__keymap_put(m, h, strom__key_group(h, st->max_par), key, klen, st->enc, len);
}

/* Writes the hot accumulator back into its entry. */
static int hot_flush(slice_state *st) {
  if (!st->hot) return STROM_OK;
  st->hot = false;
  strom_kv *e = st->hot_e;
  size_t len;
  int rc = strom__row_encode_scratch(st->acc, &st->enc, &st->enc_cap, &len);
  if (rc) return rc;
  if (len <= e->vcap) {
    memcpy(strom__kv_val(e), st->enc, len);
    e->vlen = (uint32_t)len;
    return STROM_OK;
  }
  slice *s = find_slice(st, st->hot_start);
  return strom__keymap_put(&s->accs, e->hash, e->kg, e->data, e->klen, st->enc, len);
}

static void swap_accs(slice_state *st) {
  strom_row *t = st->acc;
  st->acc = st->acc2;
  st->acc2 = t;
}

/* st->acc = st->acc folded with `in` (a user error's code on failure). */
static int fold_into_acc(strom_op *op, const strom_row *in) {
  slice_conf *c = conf(op);
  slice_state *st = op->state;
  int rc;
  if (c->def.reduce) {
    strom__row_reset(st->acc2);
    rc = c->def.reduce(&op->ctx, st->acc, in, st->acc2);
  } else {
    const strom_aggregate_def *a = c->def.aggregate;
    if (a->add_in_place) return a->add(&op->ctx, in, st->acc, st->acc);
    strom_row_copy(st->acc2, st->acc);
    rc = a->add(&op->ctx, in, st->acc, st->acc2);
  }
  if (!rc) swap_accs(st);
  return rc;
}

/* Folds `in` into the hot accumulator (its key's and slice's). */
static int fold_hot(strom_op *op, const strom_row *in) {
  int rc = fold_into_acc(op, in);
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

/* Folds `in` (a record) into key's accumulator in slice s. */
static int fold_record(strom_op *op, slice *s, const strom_row *in) {
  slice_conf *c = conf(op);
  slice_state *st = op->state;
  strom_keyed *k = &st->keyed;
  const uint8_t *key = (const uint8_t *)k->key.p;
  int rc = STROM_OK;
  if (st->hot) {
    strom_kv *h = st->hot_e;
    if (st->hot_start == s->start && h->hash == k->khash && h->klen == k->key.len && !memcmp(h->data, key, h->klen))
      return fold_hot(op, in);
    if ((rc = hot_flush(st))) return rc;
  }
  strom_kv *e = strom__keymap_get(&s->accs, k->khash, key, k->key.len);
  if (c->def.reduce && !e) return store(st, &s->accs, NULL, k->khash, key, k->key.len, in);
  if (e) {
    const uint8_t *p = strom__kv_val(e);
    if (!strom__row_decode(st->acc, p, p + e->vlen)) return strom__op_fail(op, STROM_EPARSE, "corrupt window state");
  } else {
    strom__row_reset(st->acc);
    if (c->def.aggregate->create) rc = c->def.aggregate->create(&op->ctx, st->acc);
  }
  if (!rc) rc = fold_into_acc(op, in);
  if (rc) return strom__op_user_error(op, rc);
  if (e && st->can_hot) { /* the key's second record in a row: keep it decoded */
    st->hot = true, st->hot_start = s->start, st->hot_e = e;
    return STROM_OK;
  }
  return store(st, &s->accs, e, k->khash, key, k->key.len, st->acc);
}

/* acc2 = merge(acc, other) for panes. */
static int merge_accs(strom_op *op, const strom_row *a, const strom_row *b) {
  slice_conf *c = conf(op);
  slice_state *st = op->state;
  strom__row_reset(st->acc2);
  int rc = c->def.reduce ? c->def.reduce(&op->ctx, a, b, st->acc2) : c->def.aggregate->merge(&op->ctx, a, b, st->acc2);
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

/* Folds the accumulator encoded at v into st->chain (*have: the chain already holds
 * one, which comes first in the merge). */
static int chain_add(strom_op *op, bool *have, const uint8_t *v, size_t vlen) {
  slice_state *st = op->state;
  if (!strom__row_decode(*have ? st->other : st->chain, v, v + vlen))
    return strom__op_fail(op, STROM_EPARSE, "corrupt window state");
  if (!*have) {
    *have = true;
    return STROM_OK;
  }
  int rc = merge_accs(op, st->chain, st->other);
  if (!rc) rc = strom_row_copy(st->chain, st->acc2);
  if (!rc) rc = strom__row_own_strings(st->chain);
  return rc;
}

/* ---- sealed panes ---- */

/* A sealed entry: [varint klen][varint vlen][key][value], in (hash, key) order; the
 * hash is computed again when read (cheaper than its 8 bytes per key kept in memory). */
enum { ENT_HDR = 10 };

typedef struct ent {
  uint64_t hash;
  const uint8_t *key, *val;
  size_t klen, vlen;
} ent;

static const uint8_t *varint_read(const uint8_t *p, size_t *v) {
  size_t r = 0;
  for (int shift = 0;; shift += 7) {
    uint8_t b = *p++;
    r |= (size_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  *v = r;
  return p;
}

static const uint8_t *ent_read(const uint8_t *p, ent *e) {
  p = varint_read(varint_read(p, &e->klen), &e->vlen);
  e->key = p;
  e->val = p + e->klen;
  e->hash = strom__hash_bytes(e->key, e->klen);
  return e->val + e->vlen;
}

static int ent_cmp(uint64_t ha, const uint8_t *ka, size_t la, uint64_t hb, const uint8_t *kb, size_t lb) {
  if (ha != hb) return ha < hb ? -1 : 1;
  if (la != lb) return la < lb ? -1 : 1;
  return memcmp(ka, kb, la);
}

static size_t varint_put(uint8_t *p, size_t v) {
  size_t n = 0;
  for (; v >= 0x80; v >>= 7) p[n++] = (uint8_t)(v | 0x80);
  p[n++] = (uint8_t)v;
  return n;
}

static int put_ent(strom_buf *b, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen) {
  uint8_t hdr[2 * ENT_HDR];
  size_t n = varint_put(hdr, klen);
  n += varint_put(hdr + n, vlen);
  int rc = strom__buf_append(b, hdr, n);
  if (!rc) rc = strom__buf_append(b, key, klen);
  if (!rc && vlen) rc = strom__buf_append(b, val, vlen);
  return rc;
}

typedef struct hkv {
  uint64_t h;
  const strom_kv *e;
} hkv;

/* Sorts *pa (n entries) by hash (a radix sort: the hashes are uniform), then the rare
 * equal hashes by key; *pa may be replaced by the sorted copy. */
static int sort_entries(hkv **pa, size_t n) {
  hkv *a = *pa, *t = strom__malloc((n ? n : 1) * sizeof *t);
  if (!t) return STROM_ENOMEM;
  for (int sh = 0; sh < 64; sh += 8) {
    size_t cnt[256] = {0};
    for (size_t i = 0; i < n; i++) cnt[(a[i].h >> sh) & 255]++;
    if (cnt[(a[0].h >> sh) & 255] == n) continue;
    size_t sum = 0;
    for (int b = 0; b < 256; b++) {
      size_t k = cnt[b];
      cnt[b] = sum;
      sum += k;
    }
    for (size_t i = 0; i < n; i++) t[cnt[(a[i].h >> sh) & 255]++] = a[i];
    hkv *x = a;
    a = t;
    t = x;
  }
  free(t);
  *pa = a;
  for (size_t i = 1; i < n; i++) {
    hkv v = a[i];
    size_t j = i;
    while (j > 0 && a[j - 1].h == v.h && ent_cmp(v.h, v.e->data, v.e->klen, v.h, a[j - 1].e->data, a[j - 1].e->klen) < 0) {
      a[j] = a[j - 1];
      j--;
    }
    a[j] = v;
  }
  return STROM_OK;
}

static void slice_free(slice *s) {
  strom__keymap_destroy(&s->accs);
  pack_unref(s->pk);
  free(s->sidx);
  s->pk = NULL;
  s->sealed = NULL;
  s->sidx = NULL;
  s->slen = s->sn = s->nidx = 0;
}

/* Moves the pane's open accumulators into its sealed array, merging each with the
 * key's sealed one (sealed first: it holds the earlier records). */
static int seal(strom_op *op, slice *s) {
  slice_state *st = op->state;
  int rc = hot_flush(st);
  if (rc) return rc;
  size_t n = s->accs.count;
  if (!n) return STROM_OK;
  hkv *a = strom__malloc(n * sizeof *a);
  seal_mark *idx = strom__malloc(((s->sn + n) / SEAL_SPARSE + 1) * sizeof *idx);
  strom_buf out = {0};
  rc = a && idx ? STROM_OK : STROM_ENOMEM;
  size_t pos = 0, k = 0, bytes = s->slen;
  for (strom_kv *e; !rc && (e = strom__keymap_next(&s->accs, &pos));) {
    a[k++] = (hkv){e->hash, e};
    bytes += ENT_HDR + e->klen + e->vlen;
  }
  if (!rc) rc = sort_entries(&a, n);
  if (!rc) rc = strom__buf_reserve(&out, sizeof(pack) + bytes);
  if (!rc) rc = strom__buf_append(&out, &(pack){0}, sizeof(pack)); /* the header, set below */
  const uint8_t *p = s->sealed, *end = s->sealed + s->slen;
  ent old = {0};
  bool have_old = p < end;
  if (have_old) p = ent_read(p, &old);
  size_t i = 0, nidx = 0, cnt = 0;
  while (!rc && (have_old || i < n)) {
    const strom_kv *e = i < n ? a[i].e : NULL;
    int cmp = !have_old ? 1 : !e ? -1 : ent_cmp(old.hash, old.key, old.klen, e->hash, e->data, e->klen);
    if (cnt++ % SEAL_SPARSE == 0) idx[nidx++] = (seal_mark){out.len - sizeof(pack), cmp > 0 ? e->hash : old.hash};
    if (cmp > 0) {
      rc = put_ent(&out, e->data, e->klen, strom__kv_val((strom_kv *)e), e->vlen);
      i++;
      continue;
    }
    if (cmp < 0) {
      rc = put_ent(&out, old.key, old.klen, old.val, old.vlen);
    } else {
      bool have = false;
      size_t len = 0;
      rc = chain_add(op, &have, old.val, old.vlen);
      if (!rc) rc = chain_add(op, &have, strom__kv_val((strom_kv *)e), e->vlen);
      if (!rc) rc = strom__row_encode_scratch(st->chain, &st->enc, &st->enc_cap, &len);
      if (!rc) rc = put_ent(&out, e->data, e->klen, st->enc, len);
      i++;
    }
    have_old = p < end;
    if (have_old) p = ent_read(p, &old);
  }
  free(a);
  strom_keymap empty;
  if (!rc && strom__keymap_init(&empty)) rc = STROM_ENOMEM;
  if (rc) {
    strom__buf_free(&out);
    free(idx);
    return rc;
  }
  strom__keymap_destroy(&s->accs);
  s->accs = empty;
  pack_unref(s->pk);
  free(s->sidx);
  s->pk = (pack *)(void *)out.p;
  atomic_init(&s->pk->refs, 1);
  s->sealed = s->pk->b;
  s->slen = out.len - sizeof(pack);
  s->sn = cnt;
  s->sidx = idx;
  s->nidx = nidx;
  return STROM_OK;
}

/* The sealed entry of key in s, through the sparse index. */
static bool sealed_find(const slice *s, uint64_t h, const uint8_t *key, size_t klen, ent *out) {
  if (!s->sn) return false;
  size_t lo = 0, hi = s->nidx;
  while (lo < hi) { /* the first indexed entry whose hash is >= h */
    size_t mid = lo + (hi - lo) / 2;
    if (s->sidx[mid].hash < h) lo = mid + 1;
    else hi = mid;
  }
  const uint8_t *p = s->sealed + s->sidx[lo ? lo - 1 : 0].off, *end = s->sealed + s->slen;
  while (p < end) {
    ent e;
    const uint8_t *next = ent_read(p, &e);
    if (e.hash > h) break;
    if (e.hash == h && e.klen == klen && !memcmp(e.key, key, klen)) {
      *out = e;
      return true;
    }
    p = next;
  }
  return false;
}

/* Emits the result of one key's accumulator acc for window [ws, ws+size); set_key:
 * make key the current key first (it is not already). */
static int emit_row(strom_op *op, bool set_key, uint64_t h, const uint8_t *key, size_t klen, const strom_row *acc,
                    int64_t ws) {
  slice_conf *c = conf(op);
  slice_state *st = op->state;
  int rc = set_key ? strom__keyed_set_key(&st->keyed, key, klen, h) : STROM_OK;
  if (rc) return rc;
  int64_t max = ws + size_of(c) - 1;
  op->ctx.win_start = ws;
  op->ctx.win_end = ws + size_of(c);
  op->ctx.timestamp = max;
  op->out.time = max;
  const strom_row *res = acc;
  if (c->def.aggregate) {
    strom__row_reset(st->result);
    rc = c->def.aggregate->result(&op->ctx, acc, st->result);
    if (rc) return strom__op_user_error(op, rc);
    res = st->result;
  }
  if (c->def.process) {
    const strom_row *one[1] = {res};
    rc = c->def.process(&op->ctx, one, 1, &op->out);
    return rc ? strom__op_user_error(op, rc) : STROM_OK;
  }
  strom_row *out = op->out.scratch;
  strom_row_copy(out, res);
  out->time = max;
  return strom__emit(&op->out, out);
}

/* Emits the result of one key's accumulator e (a slice's) for window ws. */
static int emit_acc(strom_op *op, const strom_kv *e, int64_t ws) {
  slice_state *st = op->state;
  const uint8_t *p = strom__kv_val((strom_kv *)e);
  if (!strom__row_decode(st->acc, p, p + e->vlen)) return strom__op_fail(op, STROM_EPARSE, "corrupt window state");
  return emit_row(op, true, e->hash, e->data, e->klen, st->acc, ws);
}

/* The current key's result in window ws (late firing), merging its panes. */
static int emit_key(strom_op *op, int64_t ws) {
  slice_conf *c = conf(op);
  slice_state *st = op->state;
  strom_keyed *k = &st->keyed;
  const uint8_t *key = (const uint8_t *)k->key.p;
  int rc = hot_flush(st);
  if (rc) return rc;
  if (c->mode != MODE_PANES) {
    slice *s = find_slice(st, ws);
    strom_kv *e = s ? strom__keymap_get(&s->accs, k->khash, key, k->key.len) : NULL;
    return e ? emit_acc(op, e, ws) : STROM_OK;
  }
  bool have = false;
  for (int64_t p = ws; !rc && p < ws + size_of(c); p += c->len) {
    slice *s = find_slice(st, p);
    if (!s) continue;
    ent e;
    if (sealed_find(s, k->khash, key, k->key.len, &e)) rc = chain_add(op, &have, e.val, e.vlen);
    strom_kv *kv = rc ? NULL : strom__keymap_get(&s->accs, k->khash, key, k->key.len);
    if (kv) rc = chain_add(op, &have, strom__kv_val(kv), kv->vlen);
  }
  return rc || !have ? rc : emit_row(op, false, k->khash, key, k->key.len, st->chain, ws);
}

/* ---- firing ---- */

/* Panes: every key's merged result of window ws, a merge of the panes' sealed arrays
 * (sorted alike), so no table is built and each pane is read in order. */
typedef struct cursor {
  const uint8_t *p, *end;
  ent e;
} cursor;

/* Heap order of cursors i and j: by entry, then by pane, so that a key's accumulators
 * come out oldest pane first (the order the panes are merged in). */
static bool cursor_before(const cursor *cur, int i, int j) {
  int c = ent_cmp(cur[i].e.hash, cur[i].e.key, cur[i].e.klen, cur[j].e.hash, cur[j].e.key, cur[j].e.klen);
  return c < 0 || (c == 0 && i < j);
}

static void sift_down(const cursor *cur, int *h, int n, int i) {
  for (;;) {
    int m = i, l = 2 * i + 1, r = l + 1;
    if (l < n && cursor_before(cur, h[l], h[m])) m = l;
    if (r < n && cursor_before(cur, h[r], h[m])) m = r;
    if (m == i) return;
    int t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

static int fire_panes(strom_op *op, int64_t ws) {
  slice_conf *c = conf(op);
  slice_state *st = op->state;
  int64_t np = size_of(c) / c->len;
  cursor *cur = strom__malloc((size_t)np * sizeof *cur);
  int *h = strom__malloc((size_t)np * sizeof *h);
  int n = 0, rc = cur && h ? STROM_OK : STROM_ENOMEM;
  for (int64_t p = ws; !rc && p < ws + size_of(c); p += c->len) {
    slice *s = find_slice(st, p);
    if (!s || (rc = seal(op, s)) || !s->sn) continue;
    cursor *u = &cur[n];
    u->end = s->sealed + s->slen;
    u->p = ent_read(s->sealed, &u->e);
    h[n] = n;
    n++;
  }
  for (int i = n / 2 - 1; i >= 0; i--) sift_down(cur, h, n, i);
  /* A k-way merge (a heap of the panes' cursors: windows may span many panes). */
  while (!rc && n) {
    ent min = cur[h[0]].e;
    bool have = false;
    do {
      cursor *u = &cur[h[0]];
      rc = chain_add(op, &have, u->e.val, u->e.vlen);
      if (u->p < u->end) u->p = ent_read(u->p, &u->e);
      else h[0] = h[--n];
      sift_down(cur, h, n, 0);
    } while (!rc && n && !ent_cmp(cur[h[0]].e.hash, cur[h[0]].e.key, cur[h[0]].e.klen, min.hash, min.key, min.klen));
    if (!rc) rc = emit_row(op, true, min.hash, min.key, min.klen, st->chain, ws);
  }
  free(cur);
  free(h);
  return rc;
}

static int slice_watermark(strom_op *op, int64_t wm) {
  slice_conf *c = conf(op);
  slice_state *st = op->state;
  int64_t size = size_of(c), slide = slide_of(c);
  int rc = hot_flush(st);
  if (c->mode == MODE_PANES) {
    if (st->n) {
      /* The first window that holds the oldest pane. */
      int64_t first = st->s[0].start - size + slide;
      if (st->next_window < first) st->next_window = first;
    }
    /* A pane behind the newest gets few records more (none in order): pack it now,
     * once; the records it still gets are merged in when a window fires. */
    for (int i = 0; !rc && i + 1 < st->n; i++)
      if (!st->s[i].behind) st->s[i].behind = true, rc = seal(op, &st->s[i]);
    while (!rc && st->n && st->next_window <= wm - size + 1 && st->next_window <= st->s[st->n - 1].start) {
      rc = fire_panes(op, st->next_window);
      st->next_window += slide;
    }
    /* A pane is done when the last window holding it (starting at the pane) is cleaned up. */
    while (!rc && st->n && cleanup(c, st->s[0].start) <= wm) {
      slice_free(&st->s[0]);
      memmove(&st->s[0], &st->s[1], (size_t)--st->n * sizeof *st->s);
    }
  } else {
    for (int i = 0; !rc && i < st->n; i++) {
      slice *s = &st->s[i];
      int64_t max = s->start + size - 1;
      /* Fire each window once, when the watermark first passes its end. */
      if (max <= wm && max > op->ctx.watermark_prev) {
        size_t pos = 0;
        for (strom_kv *e; !rc && (e = strom__keymap_next(&s->accs, &pos));) rc = emit_acc(op, e, s->start);
      }
    }
    int k = 0;
    for (int i = 0; i < st->n; i++) {
      if (cleanup(c, st->s[i].start) <= wm) strom__keymap_destroy(&st->s[i].accs);
      else st->s[k++] = st->s[i];
    }
    st->n = k;
  }
  op->ctx.watermark_prev = wm;
  return rc ? rc : strom__op_forward_watermark(op, wm);
}

/* ---- records ---- */

static int slice_process(strom_op *op, int input, const strom_row *in) {
  slice_conf *c = conf(op);
  slice_state *st = op->state;
  int64_t ts = in->time;
  if (STROM_UNLIKELY(ts == STROM_NO_TIMESTAMP))
    return strom__op_fail(op, STROM_EINVAL,
                          "a record has no event timestamp: use strom_assign_timestamps before an event-time window");
  int rc = strom__keyed_set_key_from_row(&st->keyed, input, in);
  if (rc) return rc;
  op->ctx.timestamp = ts;
  int64_t wm = op->ctx.watermark, size = size_of(c), slide = slide_of(c), off = c->def.assigner.offset_ms;
  int64_t last = ts - floor_mod(ts - off, slide); /* the latest window (and pane) holding ts */
  bool placed = false;
  if (c->mode == MODE_PANES) {
    /* Windows holding the pane: starts last - size + slide .. last.  The newest is the
     * last to be cleaned up: if it is late, all are. */
    if (cleanup(c, last) > wm) {
      slice *s = get_slice(st, last);
      if (!s) return STROM_ENOMEM;
      if ((rc = fold_record(op, s, in))) return rc;
      if (s->accs.count >= c->seal_min && s->accs.count >= s->sn / 4 && (rc = seal(op, s))) return rc;
      placed = true;
      /* the oldest window holding the pane ends first: if it has not fired, none has */
      if (last + slide - 1 <= wm)
        for (int64_t w = last - size + slide; !rc && w <= last; w += slide)
          if (w + size - 1 <= wm && cleanup(c, w) > wm) rc = emit_key(op, w); /* late firing */
    }
  } else {
    for (int64_t w = last; !rc && w > ts - size; w -= slide) {
      if (cleanup(c, w) <= wm) continue;
      slice *s = get_slice(st, w);
      if (!s) return STROM_ENOMEM;
      placed = true;
      if (!(rc = fold_record(op, s, in)) && w + size - 1 <= wm) rc = emit_key(op, w); /* late firing */
    }
  }
  if (rc || placed) return rc;
  if (c->def.late_tag) return strom__emit(&op->sides[c->def.late_tag->id], in);
  st->late_dropped++;
  return STROM_OK;
}

static int no_timer(strom_op *op, const strom_timer *t, int domain) {
  (void)op, (void)t, (void)domain;
  return STROM_OK;
}

static int slice_open(strom_op *op) {
  slice_conf *c = conf(op);
  slice_state *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  st->max_par = op->task->job->opts.max_parallelism;
  st->next_window = INT64_MIN;
  op->ctx.watermark_prev = INT64_MIN;
  int rc = strom__keyed_init(&st->keyed, op, c->keycols, c->nkey, NULL, 0, no_timer);
  if (rc) return strom__op_fail(op, rc, "cannot set up keyed state: %s", strom_strerror(rc));
  const strom_schema *in = strom__jg_input_schema(op->task->job->graph, op->node, 0);
  const strom_schema *acc = c->def.aggregate ? c->def.aggregate->acc_schema : in;
  st->acc = strom_row_new(acc);
  st->acc2 = strom_row_new(acc);
  st->result = strom_row_new(c->def.aggregate ? c->def.aggregate->out_schema : in);
  if (c->mode == MODE_PANES && !c->def.aggregate) {
    strom_row_free(st->result); /* panes decode a second accumulator into result */
    st->result = strom_row_new(acc);
  }
  st->chain = strom_row_new(acc);
  st->other = strom_row_new(acc);
  if (!st->acc || !st->acc2 || !st->result || !st->chain || !st->other) return STROM_ENOMEM;
  st->can_hot = !acc->nstr;
  return STROM_OK;
}

static void slice_close(strom_op *op) {
  slice_state *st = op->state;
  if (!st) return;
  if (st->late_dropped)
    strom__log(STROM_LOG_WARN, "%s (subtask %d): dropped %lld late records", op->node->name, op->ctx.subtask + 1,
               (long long)st->late_dropped);
  for (int i = 0; i < st->n; i++) slice_free(&st->s[i]);
  free(st->s);
  strom_row_free(st->chain);
  strom_row_free(st->other);
  strom_row_free(st->acc);
  strom_row_free(st->acc2);
  strom_row_free(st->result);
  free(st->enc);
  strom__keyed_destroy(&st->keyed);
  free(st);
}

/* ---- checkpoints ---- */

/* Accumulators per key group ([slice start][key][value]), then the subtask's firing
 * progress (the watermark it has fired up to and the next pane window), so a restored
 * operator neither loses nor repeats a firing. */
/* A sealed pane's entries, written by the checkpoint writer in the format of
 * strom__snap_keymap from the pack itself (immutable; a reference keeps it alive). */
typedef struct lazy_sealed {
  pack *pk;
  size_t len;
  int64_t start;
  int max_par;
} lazy_sealed;

static int sealed_fill(void *arg, strom_snapshot *snap) {
  lazy_sealed *l = arg;
  strom_snap_groups g;
  int rc = strom__snap_groups_init(&g, l->max_par);
  for (const uint8_t *p = l->pk->b, *end = p + l->len; !rc && p < end;) {
    ent e;
    p = ent_read(p, &e);
    strom_buf *b = strom__snap_group(&g, strom__key_group(e.hash, l->max_par));
    rc = strom__buf_append(b, &l->start, 8);
    if (!rc) rc = strom__put_bytes(b, e.key, e.klen);
    if (!rc) rc = strom__put_bytes(b, e.val, e.vlen);
    if (!rc) rc = strom__snap_groups_spill(&g, snap, STROM_SNAP_SLICES);
  }
  if (!rc) rc = strom__snap_groups_flush(&g, snap, STROM_SNAP_SLICES);
  strom__snap_groups_free(&g);
  return rc;
}

static void sealed_release(void *arg) {
  lazy_sealed *l = arg;
  pack_unref(l->pk);
  free(l);
}

static int snap_sealed(slice_state *st, const slice *s, strom_snapshot *snap) {
  lazy_sealed *l = strom__malloc(sizeof *l);
  if (!l) return STROM_ENOMEM;
  atomic_fetch_add(&s->pk->refs, 1);
  *l = (lazy_sealed){s->pk, s->slen, s->start, st->max_par};
  return strom__snap_add_lazy(snap, sealed_fill, sealed_release, l);
}

static int slice_snapshot(strom_op *op, int64_t id, strom_snapshot *snap) {
  (void)id;
  slice_state *st = op->state;
  int rc = hot_flush(st);
  for (int i = 0; !rc && i < st->n; i++) {
    slice *s = &st->s[i];
    /* A pane is written in one form, so a restore never sees a key twice in it. */
    if (s->sealed && (rc = seal(op, s))) break;
    rc = s->sealed ? snap_sealed(st, s, snap)
                   : strom__snap_keymap_async(snap, &s->accs, &s->start, 8, STROM_SNAP_SLICES, st->max_par);
  }
  if (!rc) rc = strom__keyed_snapshot(&st->keyed, snap);
  int64_t progress[2] = {op->ctx.watermark_prev, st->next_window};
  return rc ? rc : strom__snap_add(snap, STROM_SNAP_USER, -1, progress, sizeof progress);
}

static int slice_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  slice_state *st = op->state;
  for (int i = 0; i < r->n; i++) {
    const strom_snap_block *b = &r->b[i];
    if (b->kind == STROM_SNAP_USER && b->len == 16) {
      int64_t progress[2];
      memcpy(progress, b->p, 16);
      if (progress[0] > op->ctx.watermark_prev) op->ctx.watermark_prev = progress[0];
      if (progress[1] > st->next_window) st->next_window = progress[1];
      continue;
    }
    if (b->kind != STROM_SNAP_SLICES || b->kg < kg_lo || b->kg > kg_hi) continue;
    const uint8_t *p = b->p, *end = p + b->len;
    while (p < end) {
      int64_t start;
      const uint8_t *key, *val;
      size_t klen, vlen;
      if (!strom__get_i64(&p, end, &start) || !strom__snap_get_kv(&p, end, &key, &klen, &val, &vlen))
        return strom__op_fail(op, STROM_EPARSE, "restoring %s: malformed window snapshot", op->node->name);
      slice *sl = get_slice(st, start);
      if (!sl) return STROM_ENOMEM;
      uint64_t h = strom__hash_bytes(key, klen);
      int rc = strom__keymap_put(&sl->accs, h, strom__key_group(h, st->max_par), key, klen, val, vlen);
      if (rc) return rc;
    }
  }
  return strom__keyed_restore(&st->keyed, r, kg_lo, kg_hi);
}

static void slice_conf_free(void *p) {
  slice_conf *c = p;
  free(c->keycols);
  free(c);
}



const strom_op_vt strom__op_window_slice = {.kind = "Window",
                                            .open = slice_open,
                                            .process = slice_process,
                                            .watermark = slice_watermark,
                                            .close = slice_close,
                                            .free_conf = slice_conf_free,
                                            .snapshot = slice_snapshot,
                                            .restore = slice_restore};

/* The sliced configuration when def qualifies for the fast path, else NULL. */
void *strom__window_slice_conf(const strom_window_def *def, const int *keycols, int nkey) {
  const strom_window_assigner *a = &def->assigner;
  const char *force = getenv("STROM_WINDOW_GENERIC");
  if ((force && *force && strcmp(force, "0")) || a->processing_time) return NULL;
  if (a->kind != STROM_WINDOW_TUMBLING && a->kind != STROM_WINDOW_SLIDING) return NULL;
  if ((def->trigger.kind != STROM_TRIGGER_DEFAULT && def->trigger.kind != STROM_TRIGGER_EVENT_TIME) || def->trigger.purging)
    return NULL;
  if (def->evictor.kind != STROM_EVICT_NONE || (!def->reduce && !def->aggregate)) return NULL;
  slice_conf *c = strom__calloc(1, sizeof *c);
  if (!c || !(c->keycols = strom__malloc((size_t)nkey * sizeof(int)))) {
    free(c);
    return NULL;
  }
  c->def = *def;
  memcpy(c->keycols, keycols, (size_t)nkey * sizeof(int));
  c->nkey = nkey;
  const char *seal_min = getenv("STROM_WINDOW_SEAL_MIN");
  c->seal_min = seal_min && atoi(seal_min) > 0 ? (size_t)atoi(seal_min) : SEAL_MIN;
  bool can_merge = def->reduce || (def->aggregate && def->aggregate->merge);
  if (a->kind == STROM_WINDOW_TUMBLING) c->mode = MODE_TUMBLE, c->len = a->size_ms;
  else if (a->size_ms % a->slide_ms == 0 && can_merge) c->mode = MODE_PANES, c->len = a->slide_ms;
  else c->mode = MODE_OVERLAP, c->len = a->size_ms;
  return c;
}
