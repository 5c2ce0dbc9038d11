/*
 * test_state.c -- the keyed state layer driven directly, without a job: the heap
 * backend (every state kind, keys and namespaces, merging namespaces, TTL with a
 * controlled clock and incremental cleanup, snapshot iteration and restore, a
 * million keys with their memory cost), the public strom_state_* checks and error
 * messages, and operator list / broadcast map state.  A minimal operator, task and
 * context stand in for the runtime so that failures are recorded as in a job.
 */
#include <unistd.h>

#include "state/keymap.h"
#include "state_test.h"

/* The recorded failure message ("" if none); clears it. */
static const char *take_err(fake *f) {
  static char buf[512];
  snprintf(buf, sizeof buf, "%s", f->task.err_msg ? f->task.err_msg : "");
  free(f->task.err_msg);
  f->task.err_msg = NULL;
  f->task.err_op = NULL;
  f->task.err_rc = 0;
  return buf;
}

/* ---- keys ---- */

static strom_row *row_i(const strom_schema *s, int64_t v) {
  strom_row *r = strom_row_new(s);
  strom_row_set_bigint(r, 0, v);
  return r;
}

static int64_t val(const strom_row *r) { return r ? strom_row_get_bigint(r, 0) : -999999; }

static strom_state *reg(fake *f, const strom_state_desc *d) { return strom_ctx_state(&f->op.ctx, d); }

/* ---- user functions ---- */

static int sum_calls;
static int sum_reduce(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  sum_calls++;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(acc, 0) + strom_row_get_bigint(in, 0));
  return STROM_OK;
}

static int failing_reduce(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)acc, (void)in, (void)out;
  return strom_ctx_fail(ctx, "reduce says no");
}

/* Average: acc (sum BIGINT, cnt BIGINT) -> out (avg DOUBLE). */
static int creates;
static int avg_create(strom_ctx *ctx, strom_row *acc) {
  (void)ctx;
  creates++;
  strom_row_set_bigint(acc, 0, 0);
  strom_row_set_bigint(acc, 1, 0);
  return STROM_OK;
}
static int avg_add(strom_ctx *ctx, const strom_row *in, const strom_row *acc, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(acc, 0) + strom_row_get_bigint(in, 0));
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + 1);
  return STROM_OK;
}
static int avg_merge(strom_ctx *ctx, const strom_row *a, const strom_row *b, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(a, 0) + strom_row_get_bigint(b, 0));
  strom_row_set_bigint(out, 1, strom_row_get_bigint(a, 1) + strom_row_get_bigint(b, 1));
  return STROM_OK;
}
static int avg_result(strom_ctx *ctx, const strom_row *acc, strom_row *out) {
  (void)ctx;
  int64_t n = strom_row_get_bigint(acc, 1);
  strom_row_set_double(out, 0, n ? (double)strom_row_get_bigint(acc, 0) / (double)n : 0);
  return STROM_OK;
}

/* ---- tests ---- */

/* ---- copy-on-write snapshots ---- */

/* k for key bytes (set_key's encoding), or -1. */
static int64_t key_of(const uint8_t *key, size_t klen, int64_t n) {
  for (int64_t k = 0; k < n; k++) {
    if (!key_schema) key_schema = strom_schema_parse("k BIGINT", NULL, 0);
    strom_row *r = strom_row_new(key_schema);
    strom_row_set_bigint(r, 0, k);
    int col = 0;
    uint8_t b[64];
    size_t bl = strom__key_bytes(r, &col, 1, b, sizeof b);
    strom_row_free(r);
    if (bl == klen && !memcmp(b, key, klen)) return k;
  }
  return -1;
}

typedef struct frozen_seen {
  strom_schema *vs;
  int64_t n[2], bad;
  int64_t want_ts;
} frozen_seen;

/* Every frozen entry must hold the value its key had at the freeze: state 0 (VALUE)
 * k with the access time want_ts, state 1 (REDUCING) k. */
static int check_frozen_entry(void *arg, const strom_state_entry *e) {
  frozen_seen *fs = arg;
  strom_row *r = strom_row_new(fs->vs);
  bool ok = strom__row_decode(r, e->val, e->val + e->vlen) == e->val + e->vlen;
  int64_t k = key_of(e->key, e->klen, 1000);
  if (!ok || k < 0 || e->state < 0 || e->state > 1 || strom_row_get_bigint(r, 0) != k ||
      (e->state == 0 && e->ts != fs->want_ts))
    fs->bad++;
  else
    fs->n[e->state]++;
  strom_row_free(r);
  return 0;
}

TEST(copy_on_write_snapshot_keeps_the_frozen_version) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *vs = strom_schema_parse("n BIGINT", NULL, 0);
  strom_state *v = reg(f, &(strom_state_desc){.name = "v", .kind = STROM_STATE_VALUE, .schema = vs,
                                             .ttl = {.ttl_ms = 100000, .update = STROM_TTL_ON_READ_AND_WRITE}});
  strom_state *red = reg(f, &(strom_state_desc){.name = "r", .kind = STROM_STATE_REDUCING, .schema = vs, .reduce = sum_reduce});
  for (int64_t k = 0; k < 1000; k++) {
    set_key(ks, k);
    strom_row *r = row_i(vs, k);
    CHECK_INT(strom_state_update(v, r), STROM_OK);
    CHECK_INT(strom_state_add(red, r), STROM_OK);
    strom_row_free(r);
  }
  strom_kfrozen *fz;
  CHECK_INT(strom__kstate_freeze(ks, &fz), STROM_OK);
  strom_kfrozen *again;
  CHECK_INT(strom__kstate_freeze(ks, &again), STROM_ESTATE); /* one frozen version at a time */
  /* Writes, removals and TTL refreshes after the freeze, and new keys. */
  now_ms = 5000;
  strom_row *one = row_i(vs, 1);
  for (int64_t k = 0; k < 1100; k++) {
    set_key(ks, k);
    strom_row *r = row_i(vs, k + 100000);
    if (k >= 1000 || k % 3 == 0) CHECK_INT(strom_state_update(v, r), STROM_OK);
    else if (k % 3 == 1) strom_state_clear(v);
    else CHECK_INT(val(strom_state_get(v)), k); /* a read refreshes the access time */
    if (k < 1000) CHECK_INT(strom_state_add(red, one), STROM_OK);
    strom_row_free(r);
  }
  frozen_seen fs = {.vs = vs, .want_ts = 1000};
  CHECK_INT(strom__kfrozen_foreach(fz, check_frozen_entry, &fs), STROM_OK);
  CHECK_INT(fs.bad, 0);
  CHECK_INT(fs.n[0], 1000);
  CHECK_INT(fs.n[1], 1000);
  strom__kfrozen_release(fz);
  /* The live state has the new version. */
  int bad = 0;
  for (int64_t k = 0; k < 1100; k++) {
    set_key(ks, k);
    const strom_row *g = strom_state_get(v);
    if (k >= 1000 || k % 3 == 0) bad += val(g) != k + 100000;
    else if (k % 3 == 1) bad += g != NULL;
    else bad += val(g) != k;
    if (k < 1000) bad += val(strom_state_get(red)) != k + 1;
  }
  CHECK_INT(bad, 0);
  /* Released: writes go in place again, and the next freeze works. */
  set_key(ks, 7);
  CHECK_INT(strom_state_update(v, one), STROM_OK);
  CHECK_INT(strom__kstate_freeze(ks, &fz), STROM_OK);
  /* The backend freed while the snapshot is still being read: its entries stay. */
  fake_free(f);
  fs = (frozen_seen){.vs = vs, .want_ts = 5000};
  CHECK_INT(strom__kfrozen_foreach(fz, check_frozen_entry, &fs), STROM_OK);
  /* VALUE: 1100 keys less the 333 cleared, plus key 7 set again; REDUCING: 1000.  (Only
   * the reducing values equal their key now: the entries are counted, and read.) */
  CHECK_INT(fs.n[0] + fs.n[1] + fs.bad, 1100 - 333 + 1 + 1000);
  strom__kfrozen_release(fz);
  strom_row_free(one);
  strom_schema_free(vs);
}

static uint64_t rng = 12345;
static uint64_t rnd(void) {
  uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* ---- copy-on-write of LIST and MAP values ---- */

typedef struct entry_set {
  char **v;
  size_t n, cap;
  bool ttl_map[8]; /* per state: a MAP whose entries carry a timestamp */
} entry_set;

static void hex(strom_buf *b, const uint8_t *p, size_t n) {
  char t[3];
  for (size_t i = 0; i < n; i++) snprintf(t, sizeof t, "%02x", p[i]), strom__buf_append(b, t, 2);
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* One line per entry; a MAP value's items are sorted, as their order is the table's. */
static int collect_entry(void *arg, const strom_state_entry *e) {
  entry_set *s = arg;
  strom_buf b = {0};
  char h[64];
  snprintf(h, sizeof h, "%d|%d|%lld|", e->state, e->key_group, (long long)e->ts);
  strom__buf_append(&b, h, strlen(h));
  hex(&b, e->key, e->klen);
  strom__buf_append(&b, "|", 1);
  hex(&b, e->ns, e->nslen);
  strom__buf_append(&b, "|", 1);
  bool is_map = e->state == 2 || e->state == 3;
  if (!is_map) {
    hex(&b, e->val, e->vlen);
  } else {
    char *items[64];
    size_t ni = 0;
    const uint8_t *p = e->val, *end = p + e->vlen;
    while (p < end && ni < 64) {
      const uint8_t *start = p;
      size_t kl = *p++; /* short keys and values: one-byte varints */
      p += kl + (s->ttl_map[e->state] ? 8 : 0);
      size_t vl = *p++;
      p += vl;
      strom_buf ib = {0};
      hex(&ib, start, (size_t)(p - start));
      strom__buf_append(&ib, "", 1);
      items[ni++] = ib.p;
    }
    qsort(items, ni, sizeof *items, cmp_str);
    for (size_t i = 0; i < ni; i++) {
      strom__buf_append(&b, items[i], strlen(items[i]));
      strom__buf_append(&b, ",", 1);
      free(items[i]);
    }
  }
  strom__buf_append(&b, "", 1);
  if (s->n == s->cap) s->v = realloc(s->v, (s->cap = s->cap ? s->cap * 2 : 256) * sizeof *s->v);
  s->v[s->n++] = b.p;
  return 0;
}

/* The key-group order of strom__kfrozen_foreach_by_group: groups ascend, each ends once. */
typedef struct by_group {
  entry_set set;
  int last_kg, cur_kg, bad, groups;
} by_group;

static int collect_in_group(void *arg, const strom_state_entry *e) {
  by_group *g = arg;
  g->bad += e->key_group <= g->last_kg || (g->cur_kg >= 0 && e->key_group != g->cur_kg);
  g->cur_kg = e->key_group;
  return collect_entry(&g->set, e);
}

static int end_group(void *arg, int kg) {
  by_group *g = arg;
  g->bad += kg != g->cur_kg;
  g->last_kg = kg;
  g->cur_kg = -1;
  g->groups++;
  return 0;
}

static void entry_set_sort(entry_set *s) { qsort(s->v, s->n, sizeof *s->v, cmp_str); }
static void entry_set_clear(entry_set *s) {
  for (size_t i = 0; i < s->n; i++) free(s->v[i]);
  s->n = 0;
}
static int entry_set_diff(const entry_set *a, const entry_set *b) {
  if (a->n != b->n) return 1 + (int)(a->n > b->n ? a->n - b->n : b->n - a->n);
  int d = 0;
  for (size_t i = 0; i < a->n; i++) d += strcmp(a->v[i], b->v[i]) != 0;
  return d;
}

/* The same random operations on two backends, one of them frozen now and then: every
 * frozen snapshot equals what a synchronous snapshot saw at the freeze, and reads and
 * the final contents of both backends agree. */
TEST(list_and_map_copy_on_write_match_the_synchronous_snapshot) {
  fake *fa = fake_new(true), *fb = fake_new(true);
  strom_schema *vs = strom_schema_parse("n BIGINT", NULL, 0);
  strom_state_ttl ttl = {.ttl_ms = 400, .update = STROM_TTL_ON_READ_AND_WRITE};
  strom_state_desc descs[] = {
      {.name = "l", .kind = STROM_STATE_LIST, .schema = vs},
      {.name = "lt", .kind = STROM_STATE_LIST, .schema = vs, .ttl = ttl},
      {.name = "m", .kind = STROM_STATE_MAP, .schema = vs, .map_key_schema = vs},
      {.name = "mt", .kind = STROM_STATE_MAP, .schema = vs, .map_key_schema = vs, .ttl = ttl},
      {.name = "v", .kind = STROM_STATE_VALUE, .schema = vs},
  };
  enum { NST = 5, KEYS = 300, ROUNDS = 6, OPS = 20000 };
  strom_state *sa[NST], *sb[NST];
  for (int i = 0; i < NST; i++) {
    sa[i] = reg(fa, &descs[i]);
    sb[i] = reg(fb, &descs[i]);
    CHECK(sa[i] && sb[i]);
  }
  entry_set want = {.ttl_map = {[3] = true}}, got = want;
  strom_row *r = row_i(vs, 0), *k = row_i(vs, 0);
  const strom_row *rows[3] = {r, r, r};
  int read_diff = 0, frozen_diff = 0, live_diff = 0, copied_rounds = 0;
  for (int round = 0; round < ROUNDS; round++) {
    strom_kfrozen *fz = NULL;
    for (int op = 0; op < 2 * OPS; op++) {
      if (op == OPS) {
        /* The freeze: what a synchronous snapshot sees now is what the frozen one must hold. */
        entry_set_clear(&want);
        CHECK_INT(strom__kstate_foreach(fa->op.kstate, collect_entry, &want), STROM_OK);
        entry_set_sort(&want);
        size_t bytes = strom__kstate_bytes(fa->op.kstate);
        CHECK_INT(strom__kstate_freeze(fa->op.kstate, &fz), STROM_OK);
        CHECK_INT(strom__kstate_bytes(fa->op.kstate), bytes);
      }
      if (op % 4 == 0) now_ms++;
      int64_t key = (int64_t)(rnd() % KEYS);
      int st = (int)(rnd() % NST), what = (int)(rnd() % 8);
      const char *ns = rnd() % 3 ? "" : "w";
      strom_row_set_bigint(r, 0, (int64_t)(rnd() % 1000));
      strom_row_set_bigint(k, 0, (int64_t)(rnd() % 6));
      for (int side = 0; side < 2; side++) {
        strom_state *s = side ? sb[st] : sa[st];
        set_key(side ? fb->op.kstate : fa->op.kstate, key);
        strom__state_set_namespace(s, ns, strlen(ns));
      }
      strom_state *a = sa[st], *b = sb[st];
      if (st <= 1) {
        if (what < 4) {
          CHECK_INT(strom_state_add(a, r), strom_state_add(b, r));
        } else if (what == 4) {
          size_t n = rnd() % 4;
          if (rnd() % 2) {
            CHECK_INT(strom_state_list_update(a, rows, n), strom_state_list_update(b, rows, n));
          } else {
            size_t at = rnd() % 5;
            CHECK_INT(strom_state_list_insert(a, at, r, n + 1), strom_state_list_insert(b, at, r, n + 1));
          }
        } else if (what == 5) {
          strom_state_clear(a);
          strom_state_clear(b);
        } else if (what == 6) {
          const void *src[1] = {"w"};
          size_t sl[1] = {1};
          CHECK_INT(strom__state_merge_namespaces(a, "", 0, src, sl, 1),
                    strom__state_merge_namespaces(b, "", 0, src, sl, 1));
        } else {
          size_t na = strom_state_list_size(a), nb = strom_state_list_size(b);
          read_diff += na != nb;
          for (size_t i = 0; i < na && na == nb; i++) read_diff += val(strom_state_list_get(a, i)) != val(strom_state_list_get(b, i));
        }
      } else if (st <= 3) {
        if (what < 3) {
          CHECK_INT(strom_state_map_put(a, k, r), strom_state_map_put(b, k, r));
        } else if (what < 5) {
          CHECK_INT(strom_state_map_remove(a, k), strom_state_map_remove(b, k));
        } else if (what == 5) {
          read_diff += val(strom_state_map_get(a, k)) != val(strom_state_map_get(b, k));
        } else {
          int64_t suma = 0, sumb = 0;
          size_t pos = 0;
          const strom_row *mk, *mv;
          while (strom_state_map_next(a, &pos, &mk, &mv) == 1) suma += val(mk) * 1000 + val(mv);
          pos = 0;
          while (strom_state_map_next(b, &pos, &mk, &mv) == 1) sumb += val(mk) * 1000 + val(mv);
          read_diff += suma != sumb;
        }
      } else {
        CHECK_INT(strom_state_update(a, r), strom_state_update(b, r));
      }
    }
    got.n = 0;
    CHECK_INT(strom__kfrozen_foreach(fz, collect_entry, &got), STROM_OK);
    entry_set_sort(&got);
    frozen_diff += entry_set_diff(&want, &got);
    by_group bg = {.set = {.ttl_map = {[3] = true}}, .last_kg = -1, .cur_kg = -1};
    CHECK_INT(strom__kfrozen_foreach_by_group(fz, 128, collect_in_group, end_group, &bg), STROM_OK);
    entry_set_sort(&bg.set);
    frozen_diff += entry_set_diff(&want, &bg.set) + bg.bad;
    CHECK(bg.groups > 1);
    entry_set_clear(&bg.set);
    free(bg.set.v);
    copied_rounds += entry_set_diff(&want, &got) == 0 && want.n > 0;
    entry_set_clear(&got);
    strom__kfrozen_release(fz);
    /* Both backends hold the same data. */
    entry_set_clear(&want);
    CHECK_INT(strom__kstate_foreach(fa->op.kstate, collect_entry, &want), STROM_OK);
    CHECK_INT(strom__kstate_foreach(fb->op.kstate, collect_entry, &got), STROM_OK);
    entry_set_sort(&want);
    entry_set_sort(&got);
    live_diff += entry_set_diff(&want, &got);
    CHECK_INT(strom__kstate_entries(fa->op.kstate), strom__kstate_entries(fb->op.kstate));
    entry_set_clear(&got);
  }
  CHECK_INT(read_diff, 0);
  CHECK_INT(frozen_diff, 0);
  CHECK_INT(live_diff, 0);
  CHECK_INT(copied_rounds, ROUNDS);
  CHECK_STR(take_err(fa), "");
  /* The backend freed while a snapshot with lists and maps is still being read. */
  strom_kfrozen *fz;
  entry_set_clear(&want);
  CHECK_INT(strom__kstate_foreach(fa->op.kstate, collect_entry, &want), STROM_OK);
  CHECK_INT(strom__kstate_freeze(fa->op.kstate, &fz), STROM_OK);
  for (int64_t key = 0; key < KEYS; key++) { /* half the values copied, then all freed */
    set_key(fa->op.kstate, key);
    strom__state_set_namespace(sa[0], "", 0);
    if (key % 2) CHECK_INT(strom_state_add(sa[0], r), STROM_OK);
  }
  fake_free(fa);
  CHECK_INT(strom__kfrozen_foreach(fz, collect_entry, &got), STROM_OK);
  entry_set_sort(&want);
  entry_set_sort(&got);
  CHECK_INT(entry_set_diff(&want, &got), 0);
  strom__kfrozen_release(fz);
  entry_set_clear(&want);
  entry_set_clear(&got);
  free(want.v);
  free(got.v);
  fake_free(fb);
  strom_row_free(r);
  strom_row_free(k);
  strom_schema_free(vs);
}

/* The keymap copy a checkpoint writer reads: inline and heap entries, unchanged by
 * later puts (growing values, moving inline entries to the heap) and deletes. */
TEST(keymap_copy_survives_changes_to_the_map) {
  strom_keymap m;
  CHECK_INT(strom__keymap_init(&m), STROM_OK);
  enum { N = 2000 };
  char val[200];
  for (int k = 0; k < N; k++) {
    int64_t key = k;
    size_t vl = k % 3 == 0 ? 100 : 8; /* every third on the heap */
    memset(val, 'a' + k % 26, vl);
    CHECK_INT(strom__keymap_put(&m, strom__hash_bytes(&key, 8), k % 128, &key, 8, val, vl), STROM_OK);
  }
  size_t n = m.count;
  uint8_t *copy = strom__keymap_copy(&m);
  CHECK(copy != NULL);
  for (int k = 0; k < N; k++) {
    int64_t key = k;
    if (k % 2) {
      strom__keymap_del(&m, strom__hash_bytes(&key, 8), &key, 8);
    } else {
      memset(val, 'z', 150);
      CHECK_INT(strom__keymap_put(&m, strom__hash_bytes(&key, 8), k % 128, &key, 8, val, 150), STROM_OK);
    }
  }
  int bad = 0;
  bool seen[N] = {false};
  for (size_t i = 0; i < n; i++) {
    strom_kv *e = strom__keymap_copy_entry(copy, i);
    int64_t key;
    memcpy(&key, e->data, 8);
    size_t want = key % 3 == 0 ? 100 : 8;
    const uint8_t *v = strom__kv_val(e);
    bad += key < 0 || key >= N || seen[key] || e->klen != 8 || e->vlen != want || e->kg != key % 128;
    for (size_t j = 0; j < e->vlen && !bad; j++) bad += v[j] != 'a' + key % 26;
    if (key >= 0 && key < N) seen[key] = true;
  }
  CHECK_INT(n, N);
  CHECK_INT(bad, 0);
  strom__keymap_copy_free(copy, n);
  strom__keymap_destroy(&m);
}

TEST(value_state_isolated_by_key_and_namespace) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT, s VARCHAR", NULL, 0);
  strom_state *s = reg(f, &(strom_state_desc){.name = "v", .kind = STROM_STATE_VALUE, .schema = sc});
  CHECK(s);
  CHECK(reg(f, &(strom_state_desc){.name = "v", .kind = STROM_STATE_VALUE, .schema = sc}) == s);
  strom_row *r = strom_row_new(sc);
  char txt[32];
  for (int k = 0; k < 20; k++) {
    set_key(ks, k);
    CHECK(strom_state_get(s) == NULL);
    strom_row_set_bigint(r, 0, k * 10);
    snprintf(txt, sizeof txt, "value-%d", k);
    strom_row_set_str(r, 1, txt, strlen(txt));
    CHECK_INT(strom_state_update(s, r), STROM_OK);
    strom_row_clear(r);
  }
  /* Namespace "w1" of key 3 is separate from its default namespace. */
  set_key(ks, 3);
  CHECK_INT(strom__state_set_namespace(s, "w1", 2), STROM_OK);
  CHECK(strom_state_get(s) == NULL);
  strom_row_set_bigint(r, 0, 333);
  strom_row_set_str(r, 1, "ns", 2);
  CHECK_INT(strom_state_update(s, r), STROM_OK);
  CHECK_INT(val(strom_state_get(s)), 333);
  CHECK_INT(strom__state_set_namespace(s, NULL, 0), STROM_OK);
  CHECK_INT(val(strom_state_get(s)), 30);
  CHECK_INT(strom__kstate_entries(ks), 21);
  for (int k = 0; k < 20; k++) {
    set_key(ks, k);
    const strom_row *g = strom_state_get(s);
    CHECK(g);
    CHECK_INT(val(g), k * 10);
    size_t n;
    const char *p = strom_row_get_str(g, 1, &n);
    snprintf(txt, sizeof txt, "value-%d", k);
    CHECK_INT(n, strlen(txt));
    CHECK(!memcmp(p, txt, n));
  }
  /* A row from the state passed back in (here: copied to another namespace). */
  set_key(ks, 5);
  const strom_row *g = strom_state_get(s);
  strom__state_set_namespace(s, "other", 5);
  CHECK_INT(strom_state_update(s, g), STROM_OK);
  g = strom_state_get(s);
  CHECK_INT(strom_state_update(s, g), STROM_OK); /* same entry, aliased */
  g = strom_state_get(s);
  size_t n;
  CHECK_INT(val(g), 50);
  CHECK(!memcmp(strom_row_get_str(g, 1, &n), "value-5", 7));
  /* clear and update(NULL) remove the current namespace's value only */
  strom_state_clear(s);
  CHECK(strom_state_get(s) == NULL);
  strom__state_set_namespace(s, NULL, 0);
  CHECK_INT(val(strom_state_get(s)), 50);
  CHECK_INT(strom_state_update(s, NULL), STROM_OK);
  CHECK(strom_state_get(s) == NULL);
  set_key(ks, 6);
  CHECK_INT(val(strom_state_get(s)), 60);
  CHECK_INT(strom__kstate_entries(ks), 20);
  CHECK(strom__kstate_bytes(ks) > 0);
  CHECK_STR(take_err(f), "");
  strom_row_free(r);
  strom_schema_free(sc);
  fake_free(f);
}

TEST(list_state_order_update_clear) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT", NULL, 0);
  strom_state *s = reg(f, &(strom_state_desc){.name = "l", .kind = STROM_STATE_LIST, .schema = sc});
  CHECK(s);
  for (int i = 0; i < 100; i++) {
    for (int k = 0; k < 3; k++) {
      set_key(ks, k);
      strom_row *r = row_i(sc, k * 1000 + i);
      CHECK_INT(strom_state_add(s, r), STROM_OK);
      strom_row_free(r);
    }
  }
  for (int k = 0; k < 3; k++) {
    set_key(ks, k);
    CHECK_INT(strom_state_list_size(s), 100);
    for (int i = 0; i < 100; i++) CHECK_INT(val(strom_state_list_get(s, (size_t)i)), k * 1000 + i);
    CHECK(strom_state_list_get(s, 100) == NULL);
  }
  /* list_update replaces; rows may come from the list itself */
  set_key(ks, 1);
  const strom_row *third = strom_state_list_get(s, 2);
  CHECK_INT(strom_state_list_update(s, &third, 1), STROM_OK);
  CHECK_INT(strom_state_list_size(s), 1);
  CHECK_INT(val(strom_state_list_get(s, 0)), 1002);
  strom_row *rows[3] = {row_i(sc, 7), row_i(sc, 8), row_i(sc, 9)};
  CHECK_INT(strom_state_list_update(s, (const strom_row *const *)rows, 3), STROM_OK);
  CHECK_INT(strom_state_list_size(s), 3);
  for (int i = 0; i < 3; i++) CHECK_INT(val(strom_state_list_get(s, (size_t)i)), 7 + i);
  /* appending a row from the list */
  CHECK_INT(strom_state_add(s, strom_state_list_get(s, 0)), STROM_OK);
  CHECK_INT(strom_state_list_size(s), 4);
  CHECK_INT(val(strom_state_list_get(s, 3)), 7);
  for (int i = 0; i < 3; i++) strom_row_free(rows[i]);
  /* namespaces */
  strom__state_set_namespace(s, "x", 1);
  CHECK_INT(strom_state_list_size(s), 0);
  strom__state_set_namespace(s, NULL, 0);
  CHECK_INT(strom_state_list_size(s), 4);
  /* clear, and an empty update */
  strom_state_clear(s);
  CHECK_INT(strom_state_list_size(s), 0);
  set_key(ks, 2);
  CHECK_INT(strom_state_list_update(s, NULL, 0), STROM_OK);
  CHECK_INT(strom_state_list_size(s), 0);
  set_key(ks, 0);
  CHECK_INT(strom_state_list_size(s), 100);
  CHECK_INT(strom__kstate_entries(ks), 1);
  strom_state_clear(s);
  CHECK_INT(strom__kstate_entries(ks), 0);
  CHECK_INT(strom__kstate_bytes(ks), 0);
  CHECK_STR(take_err(f), "");
  strom_schema_free(sc);
  fake_free(f);
}

TEST(map_state_put_get_remove_iterate) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *kschema = strom_schema_parse("name VARCHAR, n INT", NULL, 0);
  strom_schema *vschema = strom_schema_parse("v BIGINT", NULL, 0);
  strom_state *s = reg(f, &(strom_state_desc){.name = "m", .kind = STROM_STATE_MAP, .schema = vschema,
                                               .map_key_schema = kschema});
  CHECK(s);
  strom_row *mk = strom_row_new(kschema);
  char name[32];
  for (int k = 0; k < 4; k++) {
    set_key(ks, k);
    for (int i = 0; i < 50; i++) {
      snprintf(name, sizeof name, "item%d", i);
      strom_row_set_str(mk, 0, name, strlen(name));
      strom_row_set_int(mk, 1, i);
      strom_row *v = row_i(vschema, k * 100 + i);
      CHECK_INT(strom_state_map_put(s, mk, v), STROM_OK);
      strom_row_free(v);
      strom_row_clear(mk);
    }
  }
  CHECK_INT(strom__kstate_entries(ks), 4 + 4 * 50);
  for (int k = 0; k < 4; k++) {
    set_key(ks, k);
    for (int i = 0; i < 50; i++) {
      snprintf(name, sizeof name, "item%d", i);
      strom_row_set_str(mk, 0, name, strlen(name));
      strom_row_set_int(mk, 1, i);
      CHECK_INT(val(strom_state_map_get(s, mk)), k * 100 + i);
      strom_row_set_int(mk, 1, i + 1); /* a different key: absent */
      CHECK(strom_state_map_get(s, mk) == NULL);
      strom_row_clear(mk);
    }
    /* iteration sees every entry once */
    int seen[50] = {0}, count = 0;
    size_t pos = 0;
    const strom_row *key, *value;
    while (strom_state_map_next(s, &pos, &key, &value) == 1) {
      int i = strom_row_get_int(key, 1);
      CHECK(i >= 0 && i < 50);
      size_t n;
      const char *p = strom_row_get_str(key, 0, &n);
      snprintf(name, sizeof name, "item%d", i);
      CHECK(n == strlen(name) && !memcmp(p, name, n));
      CHECK_INT(val(value), k * 100 + i);
      seen[i]++;
      count++;
    }
    CHECK_INT(count, 50);
    for (int i = 0; i < 50; i++) CHECK_INT(seen[i], 1);
  }
  /* overwrite with a value and key from the map itself (aliasing) */
  set_key(ks, 2);
  size_t pos = 0;
  const strom_row *key, *value;
  CHECK_INT(strom_state_map_next(s, &pos, &key, &value), 1);
  int64_t was = val(value);
  int ki = strom_row_get_int(key, 1);
  CHECK_INT(strom_state_map_put(s, key, value), STROM_OK);
  strom_row_set_str(mk, 0, "item", 4);
  strom_row_set_int(mk, 1, ki);
  snprintf(name, sizeof name, "item%d", ki);
  strom_row_set_str(mk, 0, name, strlen(name));
  CHECK_INT(val(strom_state_map_get(s, mk)), was);
  /* remove everything of key 2 */
  for (int i = 0; i < 50; i++) {
    snprintf(name, sizeof name, "item%d", i);
    strom_row_set_str(mk, 0, name, strlen(name));
    strom_row_set_int(mk, 1, i);
    CHECK_INT(strom_state_map_remove(s, mk), STROM_OK);
    CHECK(strom_state_map_get(s, mk) == NULL);
    CHECK_INT(strom_state_map_remove(s, mk), STROM_OK); /* absent: no-op */
  }
  pos = 0;
  CHECK_INT(strom_state_map_next(s, &pos, &key, &value), 0);
  CHECK_INT(strom__kstate_entries(ks), 3 + 3 * 50);
  /* NULL key columns work as keys */
  strom_row_clear(mk);
  strom_row *v = row_i(vschema, 42);
  CHECK_INT(strom_state_map_put(s, mk, v), STROM_OK);
  CHECK_INT(val(strom_state_map_get(s, mk)), 42);
  pos = 0;
  CHECK_INT(strom_state_map_next(s, &pos, &key, &value), 1);
  CHECK(strom_row_is_null(key, 0) && strom_row_is_null(key, 1));
  strom_row_free(v);
  /* clear drops the whole map of the current key */
  set_key(ks, 1);
  strom_state_clear(s);
  pos = 0;
  CHECK_INT(strom_state_map_next(s, &pos, &key, &value), 0);
  CHECK_INT(strom__kstate_entries(ks), 2 + 2 * 50 + 2); /* keys 0 and 3, and key 2's NULL key */
  CHECK_STR(take_err(f), "");
  strom_row_free(mk);
  strom_schema_free(kschema);
  strom_schema_free(vschema);
  fake_free(f);
}

TEST(reducing_state_folds) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT", NULL, 0);
  strom_state *s = reg(f, &(strom_state_desc){.name = "r", .kind = STROM_STATE_REDUCING, .schema = sc,
                                               .reduce = sum_reduce});
  CHECK(s);
  sum_calls = 0;
  for (int i = 1; i <= 10; i++) {
    for (int k = 0; k < 5; k++) {
      set_key(ks, k);
      strom_row *r = row_i(sc, i * (k + 1));
      CHECK_INT(strom_state_add(s, r), STROM_OK);
      strom_row_free(r);
    }
  }
  CHECK_INT(sum_calls, 5 * 9); /* the first add of a key stores the value as it is */
  for (int k = 0; k < 5; k++) {
    set_key(ks, k);
    CHECK_INT(val(strom_state_get(s)), 55 * (k + 1));
  }
  /* the state's own row added back: doubles */
  set_key(ks, 1);
  CHECK_INT(strom_state_add(s, strom_state_get(s)), STROM_OK);
  CHECK_INT(val(strom_state_get(s)), 220);
  /* a failing reduce propagates its status and message; the value is unchanged */
  strom_state *bad = reg(f, &(strom_state_desc){.name = "bad", .kind = STROM_STATE_REDUCING, .schema = sc,
                                                 .reduce = failing_reduce});
  strom_row *r = row_i(sc, 1);
  CHECK_INT(strom_state_add(bad, r), STROM_OK);
  CHECK_INT(strom_state_add(bad, r), STROM_EUSER);
  CHECK_STR(take_err(f), "reduce says no");
  CHECK_INT(val(strom_state_get(bad)), 1);
  strom_row_free(r);
  strom_schema_free(sc);
  fake_free(f);
}

TEST(aggregating_state_folds) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *in = strom_schema_parse("x BIGINT", NULL, 0);
  strom_schema *acc = strom_schema_parse("sum BIGINT, cnt BIGINT", NULL, 0);
  strom_schema *out = strom_schema_parse("avg DOUBLE", NULL, 0);
  strom_aggregate_def avg = {.acc_schema = acc, .out_schema = out, .create = avg_create, .add = avg_add,
                             .merge = avg_merge, .result = avg_result};
  strom_state *s = reg(f, &(strom_state_desc){.name = "a", .kind = STROM_STATE_AGGREGATING, .schema = in,
                                               .aggregate = &avg});
  CHECK(s);
  creates = 0;
  for (int k = 0; k < 4; k++) {
    set_key(ks, k);
    CHECK(strom_state_get(s) == NULL);
    for (int i = 1; i <= 4; i++) { /* k*10 + 1 .. k*10 + 4: average k*10 + 2.5 */
      strom_row *r = row_i(in, k * 10 + i);
      CHECK_INT(strom_state_add(s, r), STROM_OK);
      strom_row_free(r);
    }
  }
  CHECK_INT(creates, 4);
  for (int k = 0; k < 4; k++) {
    set_key(ks, k);
    const strom_row *g = strom_state_get(s);
    CHECK(g);
    CHECK(strom_row_get_double(g, 0) == k * 10 + 2.5);
  }
  set_key(ks, 2);
  strom_state_clear(s);
  CHECK(strom_state_get(s) == NULL);
  strom_row *r = row_i(in, 7);
  CHECK_INT(strom_state_add(s, r), STROM_OK);
  CHECK(strom_row_get_double(strom_state_get(s), 0) == 7.0);
  CHECK_INT(creates, 5);
  strom_row_free(r);
  CHECK_STR(take_err(f), "");
  strom_schema_free(in);
  strom_schema_free(acc);
  strom_schema_free(out);
  fake_free(f);
}

TEST(merge_namespaces) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT", NULL, 0);
  strom_schema *acc = strom_schema_parse("sum BIGINT, cnt BIGINT", NULL, 0);
  strom_schema *out = strom_schema_parse("avg DOUBLE", NULL, 0);
  strom_aggregate_def avg = {.acc_schema = acc, .out_schema = out, .create = avg_create, .add = avg_add,
                             .merge = avg_merge, .result = avg_result};
  strom_aggregate_def nomerge = avg;
  nomerge.merge = NULL;
  strom_state *l = reg(f, &(strom_state_desc){.name = "l", .kind = STROM_STATE_LIST, .schema = sc});
  strom_state *rd = reg(f, &(strom_state_desc){.name = "r", .kind = STROM_STATE_REDUCING, .schema = sc,
                                                .reduce = sum_reduce});
  strom_state *ag = reg(f, &(strom_state_desc){.name = "a", .kind = STROM_STATE_AGGREGATING, .schema = sc,
                                                .aggregate = &avg});
  strom_state *nm = reg(f, &(strom_state_desc){.name = "nm", .kind = STROM_STATE_AGGREGATING, .schema = sc,
                                                .aggregate = &nomerge});
  strom_state *v = reg(f, &(strom_state_desc){.name = "v", .kind = STROM_STATE_VALUE, .schema = sc});
  CHECK(l && rd && ag && nm && v);
  const char *ns[4] = {"A", "B", "C", "T"};
  /* key 1: A = {1,2}, B = {}, C = {3}, T = {10}; key 2 has its own values in A */
  int data[4][2] = {{1, 2}, {0, 0}, {3, 0}, {10, 0}};
  for (int key = 1; key <= 2; key++) {
    set_key(ks, key);
    for (int w = 0; w < 4; w++) {
      strom_state *all[3] = {l, rd, ag};
      for (int j = 0; j < 3; j++) strom__state_set_namespace(all[j], ns[w], 1);
      for (int i = 0; i < 2; i++) {
        if (!data[w][i]) continue;
        strom_row *r = row_i(sc, data[w][i] * key);
        for (int j = 0; j < 3; j++) CHECK_INT(strom_state_add(all[j], r), STROM_OK);
        strom_row_free(r);
      }
    }
  }
  set_key(ks, 1);
  const void *srcs[3] = {"A", "B", "C"};
  size_t slens[3] = {1, 1, 1};
  CHECK_INT(strom__state_merge_namespaces(l, "T", 1, srcs, slens, 3), STROM_OK);
  CHECK_INT(strom__state_merge_namespaces(rd, "T", 1, srcs, slens, 3), STROM_OK);
  CHECK_INT(strom__state_merge_namespaces(ag, "T", 1, srcs, slens, 3), STROM_OK);
  strom__state_set_namespace(l, "T", 1);
  CHECK_INT(strom_state_list_size(l), 4);
  int want[4] = {10, 1, 2, 3};
  for (int i = 0; i < 4; i++) CHECK_INT(val(strom_state_list_get(l, (size_t)i)), want[i]);
  strom__state_set_namespace(rd, "T", 1);
  CHECK_INT(val(strom_state_get(rd)), 16);
  strom__state_set_namespace(ag, "T", 1);
  CHECK(strom_row_get_double(strom_state_get(ag), 0) == 4.0); /* (1+2+3+10) / 4 */
  /* sources are cleared */
  for (int w = 0; w < 3; w++) {
    strom__state_set_namespace(l, ns[w], 1);
    strom__state_set_namespace(rd, ns[w], 1);
    strom__state_set_namespace(ag, ns[w], 1);
    CHECK_INT(strom_state_list_size(l), 0);
    CHECK(strom_state_get(rd) == NULL);
    CHECK(strom_state_get(ag) == NULL);
  }
  /* key 2 is untouched */
  set_key(ks, 2);
  strom__state_set_namespace(rd, "A", 1);
  CHECK_INT(val(strom_state_get(rd)), 6);
  /* into an empty target */
  CHECK_INT(strom__state_merge_namespaces(rd, "Z", 1, srcs, slens, 1), STROM_OK);
  CHECK(strom_state_get(rd) == NULL);
  strom__state_set_namespace(rd, "Z", 1);
  CHECK_INT(val(strom_state_get(rd)), 6);
  /* errors */
  CHECK_INT(strom__state_merge_namespaces(nm, "T", 1, srcs, slens, 3), STROM_ENOTSUP);
  CHECK(strstr(take_err(f), "state 'nm': the aggregate function has no merge function"));
  CHECK_INT(strom__state_merge_namespaces(v, "T", 1, srcs, slens, 3), STROM_EINVAL);
  CHECK(strstr(take_err(f), "does not apply to a VALUE state"));
  strom_schema_free(sc);
  strom_schema_free(acc);
  strom_schema_free(out);
  fake_free(f);
}

TEST(ttl_on_create_and_write) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT", NULL, 0);
  strom_state *s = reg(f, &(strom_state_desc){.name = "t", .kind = STROM_STATE_VALUE, .schema = sc,
                                               .ttl = {.ttl_ms = 100, .update = STROM_TTL_ON_CREATE_AND_WRITE}});
  CHECK(s);
  strom_row *r = row_i(sc, 5);
  now_ms = 1000;
  set_key(ks, 1);
  CHECK_INT(strom_state_update(s, r), STROM_OK);
  now_ms = 1099;
  CHECK_INT(val(strom_state_get(s)), 5); /* reads do not restart the clock */
  now_ms = 1100;
  CHECK(strom_state_get(s) == NULL); /* expired exactly after ttl_ms */
  CHECK_INT(strom__kstate_entries(ks), 0); /* and removed when touched */
  CHECK_INT(strom_state_update(s, r), STROM_OK);
  now_ms = 1150;
  CHECK_INT(strom_state_update(s, r), STROM_OK); /* a write restarts it */
  now_ms = 1249;
  CHECK_INT(val(strom_state_get(s)), 5);
  now_ms = 1250;
  CHECK(strom_state_get(s) == NULL);
  /* REDUCING: an expired value does not take part in the fold */
  strom_state *rd = reg(f, &(strom_state_desc){.name = "rd", .kind = STROM_STATE_REDUCING, .schema = sc,
                                                .reduce = sum_reduce,
                                                .ttl = {.ttl_ms = 100, .update = STROM_TTL_ON_CREATE_AND_WRITE}});
  CHECK_INT(strom_state_add(rd, r), STROM_OK);
  CHECK_INT(strom_state_add(rd, r), STROM_OK);
  CHECK_INT(val(strom_state_get(rd)), 10);
  now_ms += 100;
  CHECK_INT(strom_state_add(rd, r), STROM_OK);
  CHECK_INT(val(strom_state_get(rd)), 5);
  strom_row_free(r);
  CHECK_STR(take_err(f), "");
  strom_schema_free(sc);
  fake_free(f);
}

TEST(ttl_on_read_and_write) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT", NULL, 0);
  strom_state *s = reg(f, &(strom_state_desc){.name = "t", .kind = STROM_STATE_VALUE, .schema = sc,
                                               .ttl = {.ttl_ms = 100, .update = STROM_TTL_ON_READ_AND_WRITE}});
  CHECK(s);
  strom_row *r = row_i(sc, 9);
  now_ms = 0;
  set_key(ks, 1);
  CHECK_INT(strom_state_update(s, r), STROM_OK);
  for (int t = 90; t <= 900; t += 90) {
    now_ms = t;
    CHECK_INT(val(strom_state_get(s)), 9); /* each read restarts the clock */
  }
  now_ms += 100;
  CHECK(strom_state_get(s) == NULL);
  strom_row_free(r);
  strom_schema_free(sc);
  fake_free(f);
}

/* strom_state_list_insert against the list it should give, for every position and
 * length limit, on a list stored before and on a new key; with TTL every element's
 * clock restarts, as a rewrite would. */
TEST(list_insert_places_and_cuts) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT, s VARCHAR", NULL, 0);
  strom_state *l = reg(f, &(strom_state_desc){.name = "l", .kind = STROM_STATE_LIST, .schema = sc});
  strom_state *t = reg(f, &(strom_state_desc){.name = "t", .kind = STROM_STATE_LIST, .schema = sc,
                                               .ttl = {.ttl_ms = 100, .update = STROM_TTL_ON_CREATE_AND_WRITE}});
  CHECK(l && t);
  strom_row *r = strom_row_new(sc);
  int bad = 0;
  for (int len = 0; len <= 4; len++)
    for (int at = 0; at <= len + 1; at++)
      for (int max = 1; max <= 6; max++) {
        set_key(ks, len * 100 + at * 10 + max);
        int64_t model[8];
        int m = 0;
        for (int i = 0; i < len; i++) { /* strings of different lengths: elements differ in size */
          strom_row_set_bigint(r, 0, i);
          strom_row_set_str(r, 1, "abcdefghij", (size_t)(i * 3 % 10));
          CHECK_INT(strom_state_add(l, r), STROM_OK);
          model[m++] = i;
        }
        strom_row_clear(r);
        strom_row_set_bigint(r, 0, 99);
        strom_row_set_str(r, 1, "new", 3);
        CHECK_INT(strom_state_list_insert(l, (size_t)at, r, (size_t)max), STROM_OK);
        if (at < max) {
          int p = at < m ? at : m;
          for (int i = m; i > p; i--) model[i] = model[i - 1];
          model[p] = 99;
          m = m + 1 < max ? m + 1 : max;
        }
        size_t n = strom_state_list_size(l);
        bad += (int)n != m;
        for (int i = 0; i < m && (int)n == m; i++) {
          const strom_row *g = strom_state_list_get(l, (size_t)i);
          size_t sl;
          const char *sv = strom_row_get_str(g, 1, &sl);
          bad += val(g) != model[i];
          bad += model[i] == 99 ? (sl != 3 || memcmp(sv, "new", 3)) : sl != (size_t)(model[i] * 3 % 10);
        }
        strom_state_clear(l);
      }
  CHECK_INT(bad, 0);
  /* TTL: elements written at 0 and 50; an insert at 80 restarts both clocks */
  set_key(ks, 7);
  now_ms = 0;
  strom_row_set_bigint(r, 0, 1);
  CHECK_INT(strom_state_add(t, r), STROM_OK);
  now_ms = 50;
  strom_row_set_bigint(r, 0, 2);
  CHECK_INT(strom_state_add(t, r), STROM_OK);
  now_ms = 80;
  strom_row_set_bigint(r, 0, 3);
  CHECK_INT(strom_state_list_insert(t, 1, r, 10), STROM_OK);
  now_ms = 170; /* the first would have expired at 100 without the restart */
  CHECK_INT(strom_state_list_size(t), 3);
  CHECK_INT(val(strom_state_list_get(t, 0)), 1);
  CHECK_INT(val(strom_state_list_get(t, 1)), 3);
  CHECK_INT(val(strom_state_list_get(t, 2)), 2);
  now_ms = 181;
  CHECK_INT(strom_state_list_size(t), 0);
  /* an index at or past the limit changes nothing; a wrong kind is an error */
  CHECK_INT(strom_state_list_insert(t, 2, r, 2), STROM_OK);
  CHECK_INT(strom_state_list_size(t), 0);
  strom_row_free(r);
  CHECK_STR(take_err(f), "");
  strom_schema_free(sc);
  fake_free(f);
}

TEST(ttl_list_and_map_per_element) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT", NULL, 0);
  strom_state *l = reg(f, &(strom_state_desc){.name = "l", .kind = STROM_STATE_LIST, .schema = sc,
                                               .ttl = {.ttl_ms = 100, .update = STROM_TTL_ON_CREATE_AND_WRITE}});
  strom_state *m = reg(f, &(strom_state_desc){.name = "m", .kind = STROM_STATE_MAP, .schema = sc,
                                               .map_key_schema = sc,
                                               .ttl = {.ttl_ms = 100, .update = STROM_TTL_ON_READ_AND_WRITE}});
  CHECK(l && m);
  set_key(ks, 1);
  now_ms = 0;
  for (int i = 0; i < 4; i++) {
    now_ms = i * 30; /* elements written at 0, 30, 60, 90 */
    strom_row *r = row_i(sc, i);
    CHECK_INT(strom_state_add(l, r), STROM_OK);
    CHECK_INT(strom_state_map_put(m, r, r), STROM_OK);
    strom_row_free(r);
  }
  now_ms = 130; /* 0 and 30 have expired */
  CHECK_INT(strom_state_list_size(l), 2);
  CHECK_INT(val(strom_state_list_get(l, 0)), 2);
  CHECK_INT(val(strom_state_list_get(l, 1)), 3);
  size_t pos = 0, n = 0;
  const strom_row *k, *v;
  while (strom_state_map_next(m, &pos, &k, &v) == 1) { /* also refreshes 2 and 3 */
    CHECK(val(k) >= 2);
    CHECK_INT(val(v), val(k));
    n++;
  }
  CHECK_INT(n, 2);
  strom_row *k0 = row_i(sc, 0), *k2 = row_i(sc, 2);
  CHECK(strom_state_map_get(m, k0) == NULL);
  now_ms = 229; /* read at 130: 2 and 3 live until 230 in the map, not in the list */
  CHECK_INT(val(strom_state_map_get(m, k2)), 2);
  CHECK_INT(strom_state_list_size(l), 0);
  now_ms = 328;
  CHECK_INT(val(strom_state_map_get(m, k2)), 2); /* refreshed at 229 */
  now_ms = 330;
  pos = n = 0;
  while (strom_state_map_next(m, &pos, &k, &v) == 1) n++;
  CHECK_INT(n, 1); /* only 2, refreshed at 328 */
  CHECK_INT(strom__kstate_entries(ks), 2); /* a finished iteration removed the expired entries */
  now_ms = 1000;
  CHECK(strom_state_map_get(m, k2) == NULL);
  CHECK_INT(strom__kstate_entries(ks), 0); /* the empty map and list are gone */
  strom_row_free(k0);
  strom_row_free(k2);
  strom_schema_free(sc);
  fake_free(f);
}

TEST(ttl_incremental_cleanup) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT", NULL, 0);
  strom_state *s = reg(f, &(strom_state_desc){.name = "t", .kind = STROM_STATE_VALUE, .schema = sc,
                                               .ttl = {.ttl_ms = 100, .update = STROM_TTL_ON_CREATE_AND_WRITE}});
  strom_state *l = reg(f, &(strom_state_desc){.name = "l", .kind = STROM_STATE_LIST, .schema = sc,
                                               .ttl = {.ttl_ms = 100, .update = STROM_TTL_ON_CREATE_AND_WRITE}});
  CHECK(s && l);
  strom_row *r = row_i(sc, 1);
  now_ms = 0;
  enum { N = 2000 };
  for (int k = 0; k < N; k++) {
    set_key(ks, k);
    CHECK_INT(strom_state_update(s, r), STROM_OK);
    CHECK_INT(strom_state_add(l, r), STROM_OK);
  }
  CHECK_INT(strom__kstate_entries(ks), 2 * N);
  size_t bytes = strom__kstate_bytes(ks);
  /* Nothing expired yet: accesses remove nothing. */
  set_key(ks, -1);
  for (int i = 0; i < 100; i++) strom_state_get(s);
  CHECK_INT(strom__kstate_entries(ks), 2 * N);
  /* Expired: every access to a state cleans a few entries of that state. */
  now_ms = 100;
  int accesses = 0;
  while (strom__kstate_entries(ks) > 0 && accesses < 10 * N) {
    strom_state_get(s);
    strom_state_list_size(l);
    accesses++;
  }
  CHECK_INT(strom__kstate_entries(ks), 0);
  printf("  incremental cleanup: %d keys of two states reclaimed after %d accesses each\n", N, accesses);
  CHECK(accesses <= N);
  CHECK(strom__kstate_bytes(ks) < bytes / 10);
  strom_row_free(r);
  strom_schema_free(sc);
  fake_free(f);
}

TEST(wrong_kind_and_other_errors) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT", NULL, 0);
  strom_schema *other = strom_schema_parse("s VARCHAR", NULL, 0);
  strom_state *l = reg(f, &(strom_state_desc){.name = "l", .kind = STROM_STATE_LIST, .schema = sc});
  strom_state *v = reg(f, &(strom_state_desc){.name = "v", .kind = STROM_STATE_VALUE, .schema = sc});
  strom_state *m = reg(f, &(strom_state_desc){.name = "m", .kind = STROM_STATE_MAP, .schema = sc, .map_key_schema = sc});
  CHECK(l && v && m);
  strom_row *r = row_i(sc, 1), *bad = strom_row_new(other);
  /* no current key yet */
  CHECK_INT(strom_state_update(v, r), STROM_ESTATE);
  CHECK(strstr(take_err(f), "state 'v': no current key"));
  set_key(ks, 1);
  CHECK_INT(strom_state_update(l, r), STROM_EINVAL);
  CHECK_STR(take_err(f), "state 'l': strom_state_update does not apply to a LIST state");
  CHECK(strom_state_get(l) == NULL);
  CHECK_STR(take_err(f), "state 'l': strom_state_get does not apply to a LIST state");
  CHECK_INT(strom_state_add(v, r), STROM_EINVAL);
  CHECK_STR(take_err(f), "state 'v': strom_state_add does not apply to a VALUE state");
  CHECK_INT(strom_state_list_size(v), 0);
  CHECK(strom_state_list_get(m, 0) == NULL);
  CHECK_INT(strom_state_list_update(v, (const strom_row *const *)&r, 1), STROM_EINVAL);
  CHECK_INT(strom_state_map_put(l, r, r), STROM_EINVAL);
  CHECK(strom_state_map_get(v, r) == NULL);
  CHECK_INT(strom_state_map_remove(v, r), STROM_EINVAL);
  size_t pos = 0;
  const strom_row *k, *val_;
  CHECK_INT(strom_state_map_next(l, &pos, &k, &val_), STROM_EINVAL);
  take_err(f);
  CHECK_INT(strom_state_update(v, bad), STROM_ETYPE);
  CHECK_STR(take_err(f), "state 'v': strom_state_update: the value row (s VARCHAR) does not match the state's schema (n BIGINT)");
  CHECK_INT(strom_state_map_put(m, r, NULL), STROM_EINVAL);
  take_err(f);
  CHECK_INT(strom_state_add(NULL, r), STROM_EINVAL);
  strom_state_clear(NULL);
  /* registration errors */
  CHECK(reg(f, &(strom_state_desc){.name = "v", .kind = STROM_STATE_LIST, .schema = sc}) == NULL);
  CHECK_STR(take_err(f), "state 'v' is already registered (as a VALUE state) with a different kind");
  CHECK(reg(f, &(strom_state_desc){.name = "v", .kind = STROM_STATE_VALUE, .schema = other}) == NULL);
  CHECK(strstr(take_err(f), "with a different schema"));
  CHECK(reg(f, &(strom_state_desc){.name = "x", .kind = STROM_STATE_REDUCING, .schema = sc}) == NULL);
  CHECK_STR(take_err(f), "state 'x': a REDUCING state needs a reduce function");
  CHECK(reg(f, &(strom_state_desc){.name = "x", .kind = STROM_STATE_MAP, .schema = sc}) == NULL);
  CHECK_STR(take_err(f), "state 'x': a MAP state needs map_key_schema");
  CHECK(reg(f, &(strom_state_desc){.name = "x", .kind = STROM_STATE_AGGREGATING}) == NULL);
  CHECK_STR(take_err(f), "state 'x': an AGGREGATING state needs an aggregate function");
  CHECK(reg(f, &(strom_state_desc){.name = "x", .kind = STROM_STATE_VALUE}) == NULL);
  CHECK_STR(take_err(f), "state 'x': the descriptor has no schema");
  CHECK(reg(f, &(strom_state_desc){.kind = STROM_STATE_VALUE, .schema = sc}) == NULL);
  CHECK_STR(take_err(f), "a state descriptor needs a name");
  CHECK(reg(f, &(strom_state_desc){.name = "x", .kind = STROM_STATE_VALUE, .schema = sc,
                                   .ttl = {.update = STROM_TTL_ON_CREATE_AND_WRITE}}) == NULL);
  CHECK(strstr(take_err(f), "a TTL must be positive"));
  CHECK(reg(f, &(strom_state_desc){.name = "x", .kind = 99, .schema = sc}) == NULL);
  CHECK_STR(take_err(f), "state 'x': unknown state kind 99");
  CHECK(strom_ctx_state(&f->op.ctx, NULL) == NULL);
  take_err(f);
  /* the first recorded failure is the one the job reports */
  CHECK_INT(strom_state_add(v, r), STROM_EINVAL);
  CHECK_INT(strom_state_update(l, r), STROM_EINVAL);
  CHECK_INT(f->task.err_rc, STROM_EINVAL);
  CHECK(f->task.err_op == &f->op);
  CHECK_STR(take_err(f), "state 'v': strom_state_add does not apply to a VALUE state");
  /* nothing was stored by the failed calls */
  CHECK_INT(strom__kstate_entries(ks), 0);
  strom_row_free(r);
  strom_row_free(bad);
  strom_schema_free(sc);
  strom_schema_free(other);
  fake_free(f);
}

TEST(keyed_state_on_non_keyed_operator) {
  fake *f = fake_new(false);
  strom_schema *sc = strom_schema_parse("n BIGINT", NULL, 0);
  CHECK(strom_ctx_state(&f->op.ctx, &(strom_state_desc){.name = "count", .kind = STROM_STATE_VALUE, .schema = sc}) ==
        NULL);
  CHECK_INT(f->task.err_rc, STROM_ESTATE);
  CHECK_STR(take_err(f), "state 'count': keyed state is only available on a keyed stream (use strom_key_by)");
  strom_schema_free(sc);
  fake_free(f);
}

TEST(operator_and_broadcast_state) {
  fake *f = fake_new(false);
  strom_schema *sc = strom_schema_parse("n BIGINT", NULL, 0);
  strom_schema *ks = strom_schema_parse("name VARCHAR", NULL, 0);
  strom_state_desc ld = {.name = "buffered", .kind = STROM_STATE_LIST, .schema = sc};
  strom_state *l = strom_ctx_operator_state(&f->op.ctx, &ld);
  CHECK(l);
  CHECK(f->op.opstate);
  CHECK(strom_ctx_operator_state(&f->op.ctx, &ld) == l);
  for (int i = 0; i < 10; i++) {
    strom_row *r = row_i(sc, i * i);
    CHECK_INT(strom_state_add(l, r), STROM_OK);
    strom_row_free(r);
  }
  CHECK_INT(strom_state_list_size(l), 10);
  for (int i = 0; i < 10; i++) CHECK_INT(val(strom_state_list_get(l, (size_t)i)), i * i);
  strom_state_desc bd = {.name = "rules", .kind = STROM_STATE_MAP, .schema = sc, .map_key_schema = ks};
  strom_state *b = strom_ctx_broadcast_state(&f->op.ctx, &bd);
  CHECK(b);
  strom_row *k = strom_row_new(ks);
  const char *names[3] = {"alpha", "beta", "gamma"};
  for (int i = 0; i < 3; i++) {
    strom_row_set_str(k, 0, names[i], strlen(names[i]));
    strom_row *v = row_i(sc, i + 1);
    CHECK_INT(strom_state_map_put(b, k, v), STROM_OK);
    strom_row_free(v);
  }
  strom_row_set_str(k, 0, "beta", 4);
  CHECK_INT(val(strom_state_map_get(b, k)), 2);
  size_t pos = 0;
  int n = 0, sum = 0;
  const strom_row *mk, *mv;
  while (strom_state_map_next(b, &pos, &mk, &mv) == 1) n++, sum += (int)val(mv);
  CHECK_INT(n, 3);
  CHECK_INT(sum, 6);
  CHECK_INT(strom_state_map_remove(b, k), STROM_OK);
  CHECK(strom_state_map_get(b, k) == NULL);
  /* kinds and TTL are checked */
  CHECK(strom_ctx_operator_state(&f->op.ctx, &bd) == NULL);
  CHECK_STR(take_err(f), "state 'rules': operator state must be a LIST state");
  CHECK(strom_ctx_broadcast_state(&f->op.ctx, &ld) == NULL);
  CHECK_STR(take_err(f), "state 'buffered': broadcast state must be a MAP state");
  strom_state_desc td = ld;
  td.name = "ttl";
  td.ttl = (strom_state_ttl){.ttl_ms = 10, .update = STROM_TTL_ON_CREATE_AND_WRITE};
  CHECK(strom_ctx_operator_state(&f->op.ctx, &td) == NULL);
  CHECK_STR(take_err(f), "state 'ttl': TTL is only supported for keyed state");
  /* snapshot iteration covers operator state too */
  size_t entries = strom__kstate_entries(strom__opstate_backend(f->op.opstate));
  CHECK_INT(entries, 1 + 1 + 2); /* the list, the map and its two entries */
  strom_state_clear(l);
  CHECK_INT(strom_state_list_size(l), 0);
  strom_row_free(k);
  strom_schema_free(sc);
  strom_schema_free(ks);
  fake_free(f); /* frees op.opstate, as the runtime must */
}

/* ---- snapshot and restore ---- */

typedef struct snap {
  strom_state_entry *e;
  uint8_t **bufs;
  size_t n, cap;
  int per_kg[128];
} snap;

static int snap_visit(void *arg, const strom_state_entry *e) {
  snap *s = arg;
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 64;
    s->e = realloc(s->e, s->cap * sizeof *s->e);
    s->bufs = realloc(s->bufs, s->cap * sizeof *s->bufs);
  }
  uint8_t *b = malloc(e->klen + e->nslen + e->vlen + 1);
  memcpy(b, e->key, e->klen);
  if (e->nslen) memcpy(b + e->klen, e->ns, e->nslen);
  memcpy(b + e->klen + e->nslen, e->val, e->vlen);
  strom_state_entry c = *e;
  c.key = b;
  c.ns = b + e->klen;
  c.val = b + e->klen + e->nslen;
  s->bufs[s->n] = b;
  s->e[s->n++] = c;
  s->per_kg[e->key_group]++;
  return 0;
}

/* The list of list_append_of_nulls_and_of_its_own_rows: 40 rows, then 400 of row 4. */
static void check_own_rows_list(strom_state *l) {
  char txt[300];
  CHECK_INT(strom_state_list_size(l), 440);
  for (int i = 0; i < 440; i++) {
    int j = i < 40 ? i : 4;
    const strom_row *g = strom_state_list_get(l, (size_t)i);
    CHECK(g != NULL);
    if (!g) break;
    CHECK_INT(g->nulls[0], j % 3 == 0);
    if (j % 3) CHECK_INT(strom_row_get_bigint(g, 0), j);
    CHECK_INT(g->nulls[2], j % 2);
    if (!(j % 2)) CHECK_INT(strom_row_get_bigint(g, 2), -j);
    size_t n;
    const char *p = strom_row_get_str(g, 1, &n);
    snprintf(txt, sizeof txt, "%0*d", j * 7 % 200 + 1, j);
    CHECK_INT(n, strlen(txt));
    CHECK(!memcmp(p, txt, n));
  }
}

/* A list element's length is the row's real size (a NULL fixed-width column takes no
 * bytes, less than the size estimate: a restore reads the lengths strictly), and a row
 * whose strings point into the list itself (a plain copy of one read from it) is
 * appended intact while the list grows. */
TEST(list_append_of_nulls_and_of_its_own_rows) {
  strom_schema *sc = strom_schema_parse("a BIGINT, s VARCHAR, b BIGINT", NULL, 0);
  strom_state_desc dl = {.name = "l", .kind = STROM_STATE_LIST, .schema = sc};
  snap sn = {0};
  {
    fake *f = fake_new(true);
    strom_kstate *ks = f->op.kstate;
    strom_state *l = reg(f, &dl);
    strom_row *r = strom_row_new(sc), *copy = strom_row_new(sc);
    set_key(ks, 1);
    char txt[300];
    for (int i = 0; i < 40; i++) {
      strom_row_clear(r);
      if (i % 3) strom_row_set_bigint(r, 0, i);
      else strom_row_set_null(r, 0);
      snprintf(txt, sizeof txt, "%0*d", i * 7 % 200 + 1, i);
      strom_row_set_str(r, 1, txt, strlen(txt));
      if (i % 2) strom_row_set_null(r, 2);
      else strom_row_set_bigint(r, 2, -i);
      CHECK_INT(strom_state_add(l, r), STROM_OK);
    }
    for (int k = 0; k < 400; k++) { /* element 4's copy, its string inside the list as it grows */
      strom_row_copy(copy, strom_state_list_get(l, 4));
      CHECK_INT(strom_state_add(l, copy), STROM_OK);
    }
    check_own_rows_list(l);
    CHECK_INT(strom__kstate_foreach(ks, snap_visit, &sn), 0);
    CHECK_STR(take_err(f), "");
    strom_row_free(r);
    strom_row_free(copy);
    fake_free(f);
  }
  {
    fake *f = fake_new(true);
    strom_kstate *ks = f->op.kstate;
    strom_state *l = reg(f, &dl);
    for (size_t i = 0; i < sn.n; i++) CHECK_INT(strom__kstate_restore(ks, &sn.e[i]), STROM_OK);
    set_key(ks, 1);
    check_own_rows_list(l);
    fake_free(f);
  }
  for (size_t i = 0; i < sn.n; i++) free(sn.bufs[i]);
  free(sn.bufs);
  free(sn.e);
  strom_schema_free(sc);
}

TEST(snapshot_iteration_and_restore) {
  strom_schema *sc = strom_schema_parse("n BIGINT, s VARCHAR", NULL, 0);
  snap sn = {0};
  strom_state_desc dv = {.name = "v", .kind = STROM_STATE_VALUE, .schema = sc,
                         .ttl = {.ttl_ms = 1000, .update = STROM_TTL_ON_CREATE_AND_WRITE}};
  strom_state_desc dl = {.name = "l", .kind = STROM_STATE_LIST, .schema = sc};
  strom_state_desc dm = {.name = "m", .kind = STROM_STATE_MAP, .schema = sc, .map_key_schema = sc};
  strom_row *r = strom_row_new(sc);
  {
    fake *f = fake_new(true);
    strom_kstate *ks = f->op.kstate;
    strom_state *v = reg(f, &dv), *l = reg(f, &dl), *m = reg(f, &dm);
    CHECK(v && l && m);
    for (int k = 0; k < 300; k++) {
      set_key(ks, k);
      strom_row_set_bigint(r, 0, k);
      strom_row_set_str(r, 1, "x", 1);
      strom_state_update(v, r);
      strom_state_add(l, r);
      strom_state_add(l, r);
      strom_state_map_put(m, r, r);
      strom__state_set_namespace(v, "w", 1);
      strom_state_update(v, r);
      strom__state_set_namespace(v, NULL, 0);
      strom_row_clear(r);
    }
    CHECK_INT(strom__kstate_nstates(ks), 3);
    strom_state_kind kind;
    CHECK_STR(strom__kstate_state_name(ks, 1, &kind), "l");
    CHECK_INT(kind, STROM_STATE_LIST);
    CHECK_INT(strom__kstate_foreach(ks, snap_visit, &sn), 0);
    CHECK_INT(sn.n, 300 * 4);
    /* every entry carries the key group of its key */
    int groups = 0;
    for (int g = 0; g < 128; g++) groups += sn.per_kg[g] > 0;
    CHECK(groups > 100);
    for (size_t i = 0; i < sn.n; i++)
      CHECK_INT(sn.e[i].key_group, strom__key_group(strom__hash_bytes(sn.e[i].key, sn.e[i].klen), 128));
    fake_free(f);
  }
  {
    fake *f = fake_new(true);
    strom_kstate *ks = f->op.kstate;
    strom_state *v = reg(f, &dv), *l = reg(f, &dl), *m = reg(f, &dm);
    for (size_t i = 0; i < sn.n; i++) CHECK_INT(strom__kstate_restore(ks, &sn.e[i]), STROM_OK);
    CHECK_INT(strom__kstate_entries(ks), 300 * 4 + 300); /* + the map entries */
    for (int k = 0; k < 300; k++) {
      set_key(ks, k);
      CHECK_INT(val(strom_state_get(v)), k);
      strom__state_set_namespace(v, "w", 1);
      CHECK_INT(val(strom_state_get(v)), k);
      strom__state_set_namespace(v, NULL, 0);
      CHECK_INT(strom_state_list_size(l), 2);
      CHECK_INT(val(strom_state_list_get(l, 1)), k);
      strom_row_set_bigint(r, 0, k);
      strom_row_set_str(r, 1, "x", 1);
      const strom_row *g = strom_state_map_get(m, r);
      size_t n;
      CHECK(g && val(g) == k && !memcmp(strom_row_get_str(g, 1, &n), "x", 1));
      strom_row_clear(r);
    }
    /* malformed bytes are refused */
    strom_state_entry bad = sn.e[0];
    bad.vlen = bad.vlen > 1 ? 1 : 0;
    bad.val = (const uint8_t *)"\x00";
    CHECK_INT(strom__kstate_restore(ks, &bad), STROM_EPARSE);
    bad.state = 9;
    CHECK_INT(strom__kstate_restore(ks, &bad), STROM_EINVAL);
    fake_free(f);
  }
  for (size_t i = 0; i < sn.n; i++) free(sn.bufs[i]);
  free(sn.bufs);
  free(sn.e);
  strom_row_free(r);
  strom_schema_free(sc);
}

/* Random operations against a plain model: exercises growth, deletion by backward
 * shift and shrinking of the tables under many keys and namespaces. */

TEST(random_operations_match_a_model) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT", NULL, 0);
  strom_state *v = reg(f, &(strom_state_desc){.name = "v", .kind = STROM_STATE_VALUE, .schema = sc});
  strom_state *m = reg(f, &(strom_state_desc){.name = "m", .kind = STROM_STATE_MAP, .schema = sc, .map_key_schema = sc});
  CHECK(v && m);
  enum { KEYS = 1500, NS = 3, MK = 8, OPS = 300000 };
  static int64_t model[KEYS][NS];    /* 0 = absent */
  static int64_t mmodel[KEYS][MK];   /* map of the default namespace */
  memset(model, 0, sizeof model);
  memset(mmodel, 0, sizeof mmodel);
  strom_row *r = row_i(sc, 0), *k = row_i(sc, 0);
  const char *nss[NS] = {"", "n1", "namespace-2"};
  size_t live = 0;
  for (int op = 0; op < OPS; op++) {
    int key = (int)(rnd() % KEYS), ns = (int)(rnd() % NS), what = (int)(rnd() % 10);
    /* phases: grow, then mostly delete, then grow again */
    bool deleting = op > OPS / 3 && op < 2 * OPS / 3;
    set_key(ks, key);
    strom__state_set_namespace(v, nss[ns], strlen(nss[ns]));
    if (what < 4) {
      if (deleting) {
        strom_state_clear(v);
        live -= model[key][ns] != 0;
        model[key][ns] = 0;
      } else {
        int64_t x = (int64_t)(rnd() % 1000000) + 1;
        strom_row_set_bigint(r, 0, x);
        CHECK_INT(strom_state_update(v, r), STROM_OK);
        live += model[key][ns] == 0;
        model[key][ns] = x;
      }
    } else if (what < 7) {
      const strom_row *g = strom_state_get(v);
      CHECK_INT(g ? strom_row_get_bigint(g, 0) : 0, model[key][ns]);
    } else {
      int mk = (int)(rnd() % MK);
      strom_row_set_bigint(k, 0, mk);
      if (what == 7 && !deleting) {
        int64_t x = (int64_t)(rnd() % 1000) + 1;
        strom_row_set_bigint(r, 0, x);
        CHECK_INT(strom_state_map_put(m, k, r), STROM_OK);
        mmodel[key][mk] = x;
      } else if (what == 7 || what == 8) {
        CHECK_INT(strom_state_map_remove(m, k), STROM_OK);
        mmodel[key][mk] = 0;
      } else {
        const strom_row *g = strom_state_map_get(m, k);
        CHECK_INT(g ? strom_row_get_bigint(g, 0) : 0, mmodel[key][mk]);
      }
    }
  }
  /* everything, at the end */
  size_t mentries = 0, mkeys = 0;
  for (int key = 0; key < KEYS; key++) {
    set_key(ks, key);
    for (int ns = 0; ns < NS; ns++) {
      strom__state_set_namespace(v, nss[ns], strlen(nss[ns]));
      const strom_row *g = strom_state_get(v);
      CHECK_INT(g ? strom_row_get_bigint(g, 0) : 0, model[key][ns]);
    }
    int64_t seen[MK] = {0};
    size_t pos = 0, n = 0;
    const strom_row *mk, *mv;
    while (strom_state_map_next(m, &pos, &mk, &mv) == 1) seen[strom_row_get_bigint(mk, 0)] = strom_row_get_bigint(mv, 0), n++;
    size_t want = 0;
    for (int i = 0; i < MK; i++) {
      CHECK_INT(seen[i], mmodel[key][i]);
      want += mmodel[key][i] != 0;
    }
    CHECK_INT(n, want);
    mentries += want;
    mkeys += want > 0;
  }
  CHECK_INT(strom__kstate_entries(ks), live + mentries + mkeys);
  strom_row_free(r);
  strom_row_free(k);
  strom_schema_free(sc);
  fake_free(f);
}

static long rss_kb(void) {
  FILE *fp = fopen("/proc/self/statm", "r");
  long size = 0, res = 0;
  if (fp) {
    if (fscanf(fp, "%ld %ld", &size, &res) != 2) res = 0;
    fclose(fp);
  }
  return res * (sysconf(_SC_PAGESIZE) / 1024);
}

TEST(million_keys_value_state) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT", NULL, 0);
  strom_state *s = reg(f, &(strom_state_desc){.name = "big", .kind = STROM_STATE_VALUE, .schema = sc});
  CHECK(s);
  strom_row *r = row_i(sc, 0);
  enum { N = 1000000 };
  long rss0 = rss_kb();
  int64_t t0 = strom__mono_ns();
  for (int k = 0; k < N; k++) {
    set_key(ks, k);
    strom_row_set_bigint(r, 0, (int64_t)k * 3 + 1);
    if (strom_state_update(s, r)) CHECK(0);
  }
  int64_t t1 = strom__mono_ns();
  long rss1 = rss_kb();
  CHECK_INT(strom__kstate_entries(ks), N);
  for (int k = 0; k < N; k++) {
    set_key(ks, k);
    const strom_row *g = strom_state_get(s);
    if (!g || strom_row_get_bigint(g, 0) != (int64_t)k * 3 + 1) CHECK_INT(val(g), (int64_t)k * 3 + 1);
  }
  int64_t t2 = strom__mono_ns();
  set_key(ks, N);
  CHECK(strom_state_get(s) == NULL);
  size_t enc = strom__row_encoded_size(r); /* 9 bytes: null bitmap + BIGINT */
  double per_key = (double)strom__kstate_bytes(ks) / N;
  printf("  1M keys, VALUE(BIGINT): %.1f bytes/key held (%.1f beyond the %zu-byte encoded value), "
         "RSS +%.1f bytes/key; %.0f ns/update, %.0f ns/get\n",
         per_key, per_key - (double)enc, enc, (double)(rss1 - rss0) * 1024 / N, (double)(t1 - t0) / N,
         (double)(t2 - t1) / N);
  CHECK(per_key - (double)enc < 100);
  /* clearing every key gives the memory back */
  for (int k = 0; k < N; k += 2) {
    set_key(ks, k);
    strom_state_clear(s);
  }
  CHECK_INT(strom__kstate_entries(ks), N / 2);
  for (int k = 1; k < N; k += 2) {
    set_key(ks, k);
    if (val(strom_state_get(s)) != (int64_t)k * 3 + 1) CHECK_INT(val(strom_state_get(s)), (int64_t)k * 3 + 1);
    strom_state_clear(s);
  }
  CHECK_INT(strom__kstate_entries(ks), 0);
  CHECK_INT(strom__kstate_bytes(ks), 0);
  strom_row_free(r);
  strom_schema_free(sc);
  fake_free(f);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(value_state_isolated_by_key_and_namespace);
  RUN(list_state_order_update_clear);
  RUN(list_append_of_nulls_and_of_its_own_rows);
  RUN(map_state_put_get_remove_iterate);
  RUN(reducing_state_folds);
  RUN(aggregating_state_folds);
  RUN(merge_namespaces);
  RUN(ttl_on_create_and_write);
  RUN(ttl_on_read_and_write);
  RUN(list_insert_places_and_cuts);
  RUN(ttl_list_and_map_per_element);
  RUN(ttl_incremental_cleanup);
  RUN(wrong_kind_and_other_errors);
  RUN(keyed_state_on_non_keyed_operator);
  RUN(operator_and_broadcast_state);
  RUN(snapshot_iteration_and_restore);
  RUN(copy_on_write_snapshot_keeps_the_frozen_version);
  RUN(list_and_map_copy_on_write_match_the_synchronous_snapshot);
  RUN(keymap_copy_survives_changes_to_the_map);
  RUN(random_operations_match_a_model);
  RUN(million_keys_value_state);
  strom_schema_free(key_schema);
  TEST_MAIN_END();
}
