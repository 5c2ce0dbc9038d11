/*
 * test_state_lists.c -- the heap backend's LIST reads against a model: list_size, reads
 * in order, backwards and at random, across keys, namespaces, removals, merges,
 * restores and copy-on-write snapshots.  Every write goes through a different path
 * (add, add_all, update, insert/cut, clear, merge, expiry), each of which must keep the list
 * the model says.
 */
#include "state_test.h"

static uint64_t rng = 777;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

enum { KEYS = 40, NS = 3, MAXLEN = 40 };
typedef struct model {
  int64_t v[KEYS][NS][MAXLEN];
  int n[KEYS][NS];
} model;

static const char *nss[NS] = {"", "w1", "window-2"};

/* Sets v's element i: the number and a string whose length varies with it, so that
 * elements differ in size and offsets matter. */
static void fill(strom_row *r, int64_t x) {
  strom_row_set_bigint(r, 0, x);
  strom_row_set_str(r, 1, "abcdefghijklmnopqrstuvwxyz", (size_t)(x % 27));
}

/* Reads the list of (key, ns) in the order given by how and checks it against m. */
static int check_list(strom_state *l, const model *m, int key, int ns, int how) {
  int want = m->n[key][ns], bad = 0;
  if ((int)strom_state_list_size(l) != want) return 1;
  for (int j = 0; j < want; j++) {
    int i = how == 0 ? j : how == 1 ? want - 1 - j : (int)(rnd() % (uint64_t)want);
    const strom_row *r = strom_state_list_get(l, (size_t)i);
    if (!r || strom_row_get_bigint(r, 0) != m->v[key][ns][i]) bad++;
    else {
      size_t sl;
      strom_row_get_str(r, 1, &sl);
      if (sl != (size_t)(m->v[key][ns][i] % 27)) bad++;
    }
  }
  if (strom_state_list_get(l, (size_t)want)) bad++; /* past the end */
  return bad;
}

static void ns_set(strom_state *l, int ns) { strom__state_set_namespace(l, nss[ns], strlen(nss[ns])); }

static int copy_entry(void *arg, const strom_state_entry *e) { return strom__kstate_restore(arg, e); }

TEST(list_reads_match_a_model_through_every_write_path) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT, s VARCHAR", NULL, 0);
  strom_state *l = strom_ctx_state(&f->op.ctx, &(strom_state_desc){.name = "l", .kind = STROM_STATE_LIST, .schema = sc});
  CHECK(l != NULL);
  static model m;
  memset(&m, 0, sizeof m);
  strom_row *r = strom_row_new(sc);
  strom_row *rows[MAXLEN];
  for (int i = 0; i < MAXLEN; i++) rows[i] = strom_row_new(sc);
  strom_kfrozen *fz = NULL;
  int bad = 0;
  int64_t next = 1;
  for (int op = 0; op < 60000; op++) {
    int key = (int)(rnd() % KEYS), ns = (int)(rnd() % NS), what = (int)(rnd() % 20);
    set_key(ks, key);
    ns_set(l, ns);
    int *n = &m.n[key][ns];
    int64_t *v = m.v[key][ns];
    if (what == 6) { /* several at once, one of them maybe read from this very list */
      int k = (int)(rnd() % 5);
      if (*n + k > MAXLEN) *n = 0, strom_state_clear(l);
      const strom_row *add[4];
      for (int i = 0; i < k; i++) fill(rows[i], next), add[i] = rows[i], v[*n + i] = next++;
      if (k && *n && rnd() % 2) { /* the list's own first element, its string pointing into the list */
        add[k - 1] = strom_state_list_get(l, 0);
        CHECK(add[k - 1] != NULL);
        v[*n + k - 1] = v[0];
      }
      CHECK_INT(strom_state_list_add_all(l, add, (size_t)k), STROM_OK);
      *n += k;
      bad += check_list(l, &m, key, ns, 0);
    } else if (what < 7) { /* add, then read back at once (the cache's add-then-size) */
      if (*n == MAXLEN) *n = 0, strom_state_clear(l);
      fill(r, next);
      CHECK_INT(strom_state_add(l, r), STROM_OK);
      v[(*n)++] = next++;
      bad += check_list(l, &m, key, ns, 0);
    } else if (what < 11) {
      bad += check_list(l, &m, key, ns, what - 8 < 0 ? 0 : what - 8);
    } else if (what == 11) { /* rewrite */
      int k = (int)(rnd() % 6);
      for (int i = 0; i < k; i++) fill(rows[i], next), v[i] = next++;
      CHECK_INT(strom_state_list_update(l, (const strom_row *const *)rows, (size_t)k), STROM_OK);
      *n = k;
    } else if (what == 12) { /* insert at a position, cut to a length */
      int at = (int)(rnd() % (uint64_t)(*n + 2)), max = 1 + (int)(rnd() % 8);
      fill(r, next);
      CHECK_INT(strom_state_list_insert(l, (size_t)at, r, (size_t)max), STROM_OK);
      if (at < max) {
        if (at > *n) at = *n;
        int keep = *n < max - 1 ? *n : max - 1;
        if (at > keep) at = keep;
        memmove(v + at + 1, v + at, (size_t)(keep - at) * sizeof *v);
        v[at] = next;
        *n = keep + 1;
      }
      next++;
    } else if (what == 13) {
      strom_state_clear(l);
      *n = 0;
    } else if (what == 14) { /* merge the other namespaces into this one */
      const void *srcs[NS - 1];
      size_t slens[NS - 1];
      int k = 0;
      for (int o = 0; o < NS; o++)
        if (o != ns) srcs[k] = nss[o], slens[k++] = strlen(nss[o]);
      int total = *n;
      for (int o = 0; o < NS; o++)
        if (o != ns) total += m.n[key][o];
      if (total > MAXLEN) continue;
      CHECK_INT(strom__state_merge_namespaces(l, nss[ns], strlen(nss[ns]), srcs, slens, NS - 1), STROM_OK);
      for (int o = 0; o < NS; o++) {
        if (o == ns) continue;
        memcpy(v + *n, m.v[key][o], (size_t)m.n[key][o] * sizeof *v);
        *n += m.n[key][o];
        m.n[key][o] = 0;
      }
      bad += check_list(l, &m, key, ns, 2);
    } else if (what == 15) { /* a snapshot frozen while the writes go on, or let go */
      if (!fz) CHECK_INT(strom__kstate_freeze(ks, &fz), STROM_OK);
      else {
        strom__kfrozen_release(fz);
        fz = NULL;
      }
    } else if (what == 16 && op % 50 == 0) { /* everything restored into a new backend */
      if (fz) {
        strom__kfrozen_release(fz);
        fz = NULL;
      }
      fake *g = fake_new(true);
      strom_state *l2 = strom_ctx_state(&g->op.ctx, &(strom_state_desc){.name = "l", .kind = STROM_STATE_LIST, .schema = sc});
      CHECK(l2 != NULL);
      set_key(ks, key); /* the restore borrows the key: a cached lookup must not survive it */
      ns_set(l, ns);
      CHECK_INT((int)strom_state_list_size(l), *n);
      CHECK_INT(strom__kstate_foreach(ks, copy_entry, g->op.kstate), STROM_OK);
      CHECK_INT((int)strom_state_list_size(l), *n);
      fake_free(f);
      f = g;
      ks = g->op.kstate;
      l = l2;
      for (int k = 0; k < KEYS; k++) {
        set_key(ks, k);
        for (int o = 0; o < NS; o++) {
          ns_set(l, o);
          bad += check_list(l, &m, k, o, 1);
        }
      }
    } else { /* the same key in two namespaces, alternately */
      int o = (ns + 1) % NS;
      bad += check_list(l, &m, key, ns, 0);
      ns_set(l, o);
      bad += check_list(l, &m, key, o, 2);
      ns_set(l, ns);
      bad += check_list(l, &m, key, ns, 1);
    }
  }
  if (fz) strom__kfrozen_release(fz);
  CHECK_INT(bad, 0);
  for (int k = 0; k < KEYS; k++) {
    set_key(ks, k);
    for (int o = 0; o < NS; o++) {
      ns_set(l, o);
      CHECK_INT(check_list(l, &m, k, o, 0), 0);
    }
  }
  strom_row_free(r);
  for (int i = 0; i < MAXLEN; i++) strom_row_free(rows[i]);
  strom_schema_free(sc);
  fake_free(f);
}

/* With TTL the count follows expiry: elements added at different times leave one by one. */
TEST(list_size_follows_ttl_expiry) {
  fake *f = fake_new(true);
  strom_kstate *ks = f->op.kstate;
  strom_schema *sc = strom_schema_parse("n BIGINT, s VARCHAR", NULL, 0);
  strom_state *l = strom_ctx_state(&f->op.ctx, &(strom_state_desc){.name = "t", .kind = STROM_STATE_LIST, .schema = sc,
                                                                    .ttl = {.ttl_ms = 100, .update = STROM_TTL_ON_CREATE_AND_WRITE}});
  CHECK(l != NULL);
  strom_row *r = strom_row_new(sc);
  now_ms = 1000;
  set_key(ks, 1);
  for (int i = 0; i < 5; i++) {
    now_ms = 1000 + 30 * i; /* 1000, 1030, ..., 1120 */
    fill(r, i);
    CHECK_INT(strom_state_add(l, r), STROM_OK);
  }
  /* the first (added at 1000) is gone from 1100 on */
  CHECK_INT((int)strom_state_list_size(l), 4);
  CHECK_INT(strom_row_get_bigint(strom_state_list_get(l, 3), 0), 4);
  CHECK_INT(strom_row_get_bigint(strom_state_list_get(l, 0), 0), 1);
  now_ms = 1161;
  CHECK_INT((int)strom_state_list_size(l), 2);
  fill(r, 9);
  CHECK_INT(strom_state_add(l, r), STROM_OK);
  CHECK_INT((int)strom_state_list_size(l), 3);
  CHECK_INT(strom_row_get_bigint(strom_state_list_get(l, 2), 0), 9);
  now_ms = 5000;
  CHECK_INT((int)strom_state_list_size(l), 0);
  CHECK(strom_state_list_get(l, 0) == NULL);
  CHECK_INT((int)strom__kstate_entries(ks), 0);
  strom_row_free(r);
  strom_schema_free(sc);
  fake_free(f);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  key_schema = strom_schema_parse("k BIGINT", NULL, 0);
  RUN(list_reads_match_a_model_through_every_write_path);
  RUN(list_size_follows_ttl_expiry);
  strom_schema_free(key_schema);
  TEST_MAIN_END();
}
