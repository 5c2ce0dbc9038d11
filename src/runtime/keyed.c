/*
 * keyed.c -- the current key and the timer service of keyed operators (see keyed.h),
 * and the timer and key functions of the public context.
 */
#include "keyed.h"

#include "../state/state.h"
#include "../state/state_impl.h"

enum { EV = 0, PT = 1 };

static int dom_index(int domain) { return domain == STROM_PROCESSING_TIME ? PT : EV; }

int strom__keyed_init(strom_keyed *k, strom_op *op, const int *keycols, int nkey, const int *keycols2, int nkey2,
                      int (*on_timer)(strom_op *, const strom_timer *, int)) {
  memset(k, 0, sizeof *k);
  k->op = op;
  k->keycols[0] = keycols;
  k->nkey[0] = nkey;
  k->keycols[1] = keycols2 ? keycols2 : keycols;
  k->nkey[1] = keycols2 ? nkey2 : nkey;
  k->on_timer = on_timer;
  k->pt_scheduled = INT64_MAX;
  op->keyed = k;
  if (strom__keymap_init(&k->live)) return STROM_ENOMEM;
  /* The key row: the key columns of the first input, in key order. */
  const strom_schema *in = strom__jg_input_schema(op->task->job->graph, op->node, 0);
  k->key_schema = strom_schema_new();
  if (!k->key_schema) return STROM_ENOMEM;
  for (int i = 0; i < nkey; i++) {
    const strom_col *c = &in->cols[keycols[i]];
    int rc = c->type == STROM_DECIMAL ? strom_schema_add_decimal(k->key_schema, c->name, c->precision, c->scale)
                                      : strom__schema_add_col(k->key_schema, c->name, c);
    if (rc) return rc;
  }
  if (!(k->key_row = strom_row_new(k->key_schema))) return STROM_ENOMEM;
  const strom_job_opts *jo = &op->task->job->opts;
  strom_kstate_opts ko = {.max_parallelism = jo->max_parallelism, .now_ms = jo->now_ms, .clock_data = jo->clock_data};
  if (!(op->kstate = strom__kstate_new(&ko))) return STROM_ENOMEM;
  return STROM_OK;
}

/* A timer's key and namespace bytes: a checkpoint still being written may read them. */
static void free_timer_bytes(strom_keyed *k, uint8_t *p) {
  if (!strom__kstate_defer(k->op->kstate, p)) free(p);
}

void strom__keyed_destroy(strom_keyed *k) {
  if (!k->op) return;
  for (int d = 0; d < 2; d++) {
    for (size_t i = 0; i < k->heap[d].n; i++) free_timer_bytes(k, k->heap[d].h[i].bytes);
    free(k->heap[d].h);
  }
  strom__keymap_destroy(&k->live);
  strom_row_free(k->key_row);
  strom_schema_free(k->key_schema);
  strom__buf_free(&k->key);
  strom__buf_free(&k->scratch);
  strom__buf_free(&k->last_key);
  strom__kstate_free(k->op->kstate);
  k->op->kstate = NULL;
  k->op->keyed = NULL;
  k->op = NULL;
}

int strom__keyed_set_key(strom_keyed *k, const uint8_t *key, size_t klen, uint64_t hash) {
  k->key.len = 0;
  if (strom__buf_append(&k->key, key, klen)) return STROM_ENOMEM;
  k->khash = hash;
  k->key_row_ok = false;
  strom__kstate_set_key(k->op->kstate, (const uint8_t *)k->key.p, klen, hash);
  return STROM_OK;
}

int strom__keyed_set_key_from_row(strom_keyed *k, int input, const strom_row *row) {
  const int *cols = k->keycols[input];
  int n = k->nkey[input];
  k->key.len = 0;
  size_t need = strom__key_bytes(row, cols, n, (uint8_t *)k->key.p, k->key.cap);
  if (need >= k->key.cap) {
    if (strom__buf_reserve(&k->key, need + 1)) return STROM_ENOMEM;
    strom__key_bytes(row, cols, n, (uint8_t *)k->key.p, k->key.cap);
  }
  k->key.len = need;
  k->khash = strom__hash_bytes(k->key.p, need);
  k->key_row_ok = false;
  strom__kstate_set_key(k->op->kstate, (const uint8_t *)k->key.p, need, k->khash);
  return STROM_OK;
}

/* ---- the timer heaps ---- */

static bool before(const strom_timer *a, const strom_timer *b) {
  return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static int heap_push(strom_timer_heap *h, strom_timer t) {
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 64;
    strom_timer *p = strom__realloc(h->h, cap * sizeof *p);
    if (!p) return STROM_ENOMEM;
    h->h = p;
    h->cap = cap;
  }
  size_t i = h->n++;
  h->h[i] = t;
  while (i > 0 && before(&h->h[i], &h->h[(i - 1) / 2])) {
    strom_timer tmp = h->h[i];
    h->h[i] = h->h[(i - 1) / 2];
    h->h[(i - 1) / 2] = tmp;
    i = (i - 1) / 2;
  }
  return STROM_OK;
}

static void sift_down(strom_timer_heap *h, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < h->n && before(&h->h[l], &h->h[m])) m = l;
    if (r < h->n && before(&h->h[r], &h->h[m])) m = r;
    if (m == i) break;
    strom_timer tmp = h->h[i];
    h->h[i] = h->h[m];
    h->h[m] = tmp;
    i = m;
  }
}

static strom_timer heap_pop(strom_timer_heap *h) {
  strom_timer top = h->h[0];
  h->h[0] = h->h[--h->n];
  sift_down(h, 0);
  return top;
}

/* The identity of a timer in the live set: domain, time, key length, key, namespace. */
static int live_key(strom_keyed *k, int d, int64_t time, const uint8_t *key, size_t klen, const void *ns,
                    size_t nslen) {
  strom_buf *b = &k->scratch;
  b->len = 0;
  uint8_t dom = (uint8_t)d;
  uint32_t kl = (uint32_t)klen;
  if (strom__buf_append(b, &dom, 1) || strom__buf_append(b, &time, 8) || strom__buf_append(b, &kl, 4) ||
      strom__buf_append(b, key, klen) || (nslen && strom__buf_append(b, ns, nslen)))
    return STROM_ENOMEM;
  return STROM_OK;
}

/* Notes the current key's timer (d, time) as the last one known live. */
static void remember(strom_keyed *k, int d, int64_t time) {
  k->last_ok = false;
  if (strom__buf_reserve(&k->last_key, k->key.len ? k->key.len : 1)) return;
  if (k->key.len) memcpy(k->last_key.p, k->key.p, k->key.len);
  k->last_key.len = k->key.len;
  k->last_d = d, k->last_time = time, k->last_ok = true;
}

int strom__keyed_timer_add(strom_keyed *k, int domain, int64_t time, const void *ns, size_t nslen) {
  int d = dom_index(domain);
  if (!nslen && k->last_ok && k->last_time == time && k->last_d == d && k->last_key.len == k->key.len &&
      !memcmp(k->last_key.p, k->key.p, k->key.len))
    return STROM_OK;
  if (live_key(k, d, time, (const uint8_t *)k->key.p, k->key.len, ns, nslen)) return STROM_ENOMEM;
  uint64_t h = strom__hash_bytes(k->scratch.p, k->scratch.len);
  if (strom__keymap_get(&k->live, h, k->scratch.p, k->scratch.len)) { /* already there */
    if (!nslen) remember(k, d, time);
    return STROM_OK;
  }
  if (strom__keymap_put(&k->live, h, 0, k->scratch.p, k->scratch.len, "", 0)) return STROM_ENOMEM;
  strom_timer t = {.time = time, .seq = k->seq++, .khash = k->khash, .klen = (uint32_t)k->key.len, .nslen = (uint32_t)nslen};
  t.bytes = strom__malloc(k->key.len + nslen);
  if (t.bytes) {
    memcpy(t.bytes, k->key.p, k->key.len);
    if (nslen) memcpy(t.bytes + k->key.len, ns, nslen);
  }
  if (!t.bytes || heap_push(&k->heap[d], t)) {
    free(t.bytes);
    /* Every live timer has a heap entry (strom__keyed_snapshot relies on it). */
    strom__keymap_del(&k->live, h, k->scratch.p, k->scratch.len);
    return STROM_ENOMEM;
  }
  if (!nslen) remember(k, d, time);
  if (d == PT && time < k->pt_scheduled) {
    extern int strom__keyed_pt_fire(strom_op *, int64_t);
    k->pt_scheduled = time;
    return strom__task_schedule(k->op->task, time, strom__keyed_pt_fire, k->op);
  }
  return STROM_OK;
}

int strom__keyed_timer_del(strom_keyed *k, int domain, int64_t time, const void *ns, size_t nslen) {
  int d = dom_index(domain);
  k->last_ok = false;
  if (live_key(k, d, time, (const uint8_t *)k->key.p, k->key.len, ns, nslen)) return STROM_ENOMEM;
  strom__keymap_del(&k->live, strom__hash_bytes(k->scratch.p, k->scratch.len), k->scratch.p, k->scratch.len);
  return STROM_OK;
}

/* Pops the next live timer of domain d due at or before upto; false if none. */
static int pop_due(strom_keyed *k, int d, int64_t upto, strom_timer *out, bool *got) {
  *got = false;
  strom_timer_heap *h = &k->heap[d];
  while (h->n && h->h[0].time <= upto) {
    strom_timer t = heap_pop(h);
    k->last_ok = false;
    if (live_key(k, d, t.time, t.bytes, t.klen, t.bytes + t.klen, t.nslen)) {
      free_timer_bytes(k, t.bytes);
      return STROM_ENOMEM;
    }
    if (!strom__keymap_del(&k->live, strom__hash_bytes(k->scratch.p, k->scratch.len), k->scratch.p, k->scratch.len)) {
      free_timer_bytes(k, t.bytes); /* deleted since it was registered */
      continue;
    }
    *out = t;
    *got = true;
    return STROM_OK;
  }
  return STROM_OK;
}

static int fire(strom_keyed *k, int d, int64_t upto) {
  for (;;) {
    strom_timer t;
    bool got;
    int rc = pop_due(k, d, upto, &t, &got);
    if (rc || !got) return rc;
    rc = strom__keyed_set_key(k, t.bytes, t.klen, t.khash);
    if (!rc) rc = k->on_timer(k->op, &t, d == PT ? STROM_PROCESSING_TIME : STROM_EVENT_TIME);
    free_timer_bytes(k, t.bytes);
    if (rc) return rc;
  }
}

int strom__keyed_advance_watermark(strom_keyed *k, int64_t wm) { return fire(k, EV, wm); }

int strom__keyed_pt_fire(strom_op *op, int64_t now) {
  strom_keyed *k = op->keyed;
  if (!k) return STROM_OK;
  k->pt_scheduled = INT64_MAX;
  int rc = fire(k, PT, now);
  if (rc) return rc;
  strom_timer_heap *h = &k->heap[PT];
  if (h->n && h->h[0].time < k->pt_scheduled) {
    k->pt_scheduled = h->h[0].time;
    return strom__task_schedule(op->task, h->h[0].time, strom__keyed_pt_fire, op);
  }
  return STROM_OK;
}

size_t strom__keyed_timer_count(const strom_keyed *k) { return k->live.count; }

/* ---- the public context ---- */

static strom_keyed *keyed_of(strom_ctx *ctx, const char *what) {
  if (ctx->op->keyed) return ctx->op->keyed;
  strom__op_fail(ctx->op, STROM_ESTATE, "%s is only available on a keyed stream (use strom_key_by)", what);
  return NULL;
}

int64_t strom_ctx_timestamp(const strom_ctx *ctx) { return ctx->timestamp; }
int64_t strom_ctx_now(const strom_ctx *ctx) { return strom__job_now(ctx->op->task->job); }
strom_time_domain strom_ctx_timer_domain(const strom_ctx *ctx) { return (strom_time_domain)ctx->timer_domain; }
int64_t strom_ctx_window_start(const strom_ctx *ctx) { return ctx->win_start; }
int64_t strom_ctx_window_end(const strom_ctx *ctx) { return ctx->win_end; }

const strom_row *strom_ctx_key(strom_ctx *ctx) {
  strom_keyed *k = keyed_of(ctx, "the current key");
  if (!k) return NULL;
  if (!k->key_row_ok) {
    if (strom__key_decode(k->key_row, (const uint8_t *)k->key.p, k->key.len)) return NULL;
    k->key_row_ok = true;
  }
  return k->key_row;
}

int strom_ctx_register_event_timer(strom_ctx *ctx, int64_t time) {
  strom_keyed *k = keyed_of(ctx, "a timer");
  return k ? strom__keyed_timer_add(k, STROM_EVENT_TIME, time, NULL, 0) : STROM_ESTATE;
}

int strom_ctx_delete_event_timer(strom_ctx *ctx, int64_t time) {
  strom_keyed *k = keyed_of(ctx, "a timer");
  return k ? strom__keyed_timer_del(k, STROM_EVENT_TIME, time, NULL, 0) : STROM_ESTATE;
}

int strom_ctx_register_processing_timer(strom_ctx *ctx, int64_t time) {
  strom_keyed *k = keyed_of(ctx, "a timer");
  return k ? strom__keyed_timer_add(k, STROM_PROCESSING_TIME, time, NULL, 0) : STROM_ESTATE;
}

int strom_ctx_delete_processing_timer(strom_ctx *ctx, int64_t time) {
  strom_keyed *k = keyed_of(ctx, "a timer");
  return k ? strom__keyed_timer_del(k, STROM_PROCESSING_TIME, time, NULL, 0) : STROM_ESTATE;
}

/* ---- checkpoints ---- */

#include "snapshot.h"

typedef struct kstate_visit {
  strom_snap_groups *g; /* entries staged per key group */
  strom_buf one;        /* or, in key-group order, one group at a time */
  strom_snapshot *s;
} kstate_visit;

static int visit_entry(void *arg, const strom_state_entry *e) {
  kstate_visit *v = arg;
  strom_buf *b = v->g ? strom__snap_group(v->g, e->key_group) : &v->one;
  int rc = strom__put_varint(b, (uint64_t)e->state);
  if (!rc) rc = strom__put_bytes(b, e->key, e->klen);
  if (!rc) rc = strom__put_bytes(b, e->ns, e->nslen);
  if (!rc) rc = strom__put_bytes(b, e->val, e->vlen);
  if (!rc) rc = strom__put_i64(b, e->ts);
  return rc;
}

static int put_timer(strom_snap_groups *g, int d, const strom_timer *t) {
  strom_buf *b = strom__snap_group(g, strom__key_group(t->khash, g->max_par));
  int rc = strom__put_varint(b, (uint64_t)d);
  if (!rc) rc = strom__put_i64(b, t->time);
  if (!rc) rc = strom__put_bytes(b, t->bytes, t->klen);
  if (!rc) rc = strom__put_bytes(b, t->bytes + t->klen, t->nslen);
  return rc;
}

/* Drops the heap entries of deleted timers and duplicates (a timer deleted and
 * registered again), so that the heaps hold exactly the live timers.  Rare: only
 * when their sizes say there is something to drop. */
static int timers_compact(strom_keyed *k) {
  if (k->heap[EV].n + k->heap[PT].n == k->live.count) return STROM_OK;
  k->last_ok = false;
  for (int d = 0; d < 2; d++) {
    strom_timer_heap *h = &k->heap[d];
    size_t w = 0;
    for (size_t i = 0; i < h->n; i++) {
      strom_timer *t = &h->h[i];
      if (live_key(k, d, t->time, t->bytes, t->klen, t->bytes + t->klen, t->nslen)) return STROM_ENOMEM;
      /* Taken out of the live set while kept, so that a duplicate is not. */
      if (strom__keymap_del(&k->live, strom__hash_bytes(k->scratch.p, k->scratch.len), k->scratch.p, k->scratch.len))
        h->h[w++] = *t;
      else
        free_timer_bytes(k, t->bytes);
    }
    h->n = w;
  }
  for (int d = 0; d < 2; d++) {
    strom_timer_heap *h = &k->heap[d];
    for (size_t i = 0; i < h->n; i++) {
      strom_timer *t = &h->h[i];
      if (live_key(k, d, t->time, t->bytes, t->klen, t->bytes + t->klen, t->nslen) ||
          strom__keymap_put(&k->live, strom__hash_bytes(k->scratch.p, k->scratch.len), 0, k->scratch.p,
                            k->scratch.len, "", 0))
        return STROM_ENOMEM;
    }
    for (size_t i = h->n / 2; i-- > 0;) sift_down(h, i);
  }
  return STROM_OK;
}

/* The timers and keyed state of a copy-on-write snapshot, serialized by the checkpoint
 * writer: a copy of the timer heaps (their key bytes are freed only after the release)
 * and the frozen backend. */
typedef struct lazy_kstate {
  strom_kfrozen *f;
  int max_par;
  size_t nt[2];
  strom_timer *timers; /* nt[0] event-time ones, then nt[1] processing-time ones */
} lazy_kstate;

static int group_done(void *arg, int kg) {
  kstate_visit *v = arg;
  int rc = strom__snap_add(v->s, STROM_SNAP_KSTATE, kg, v->one.p, v->one.len);
  v->one.len = 0;
  return rc;
}

/* The entries go out one key group at a time: the checkpoint writer streams each block
 * to the file (strom_snapshot.emit), so a snapshot never holds the whole serialized state. */
static int kstate_fill(void *arg, strom_snapshot *s) {
  lazy_kstate *l = arg;
  strom_snap_groups g;
  int rc = strom__snap_groups_init(&g, l->max_par);
  for (size_t i = 0; !rc && i < l->nt[0] + l->nt[1]; i++) {
    rc = put_timer(&g, i < l->nt[0] ? EV : PT, &l->timers[i]);
    if (!rc) rc = strom__snap_groups_spill(&g, s, STROM_SNAP_TIMERS);
  }
  if (!rc) rc = strom__snap_groups_flush(&g, s, STROM_SNAP_TIMERS);
  strom__snap_groups_free(&g);
  kstate_visit v = {.s = s};
  if (!rc) rc = strom__kfrozen_foreach_by_group(l->f, l->max_par, visit_entry, group_done, &v);
  strom__buf_free(&v.one);
  return rc;
}

static void kstate_release(void *arg) {
  lazy_kstate *l = arg;
  free(l->timers);
  strom__kfrozen_release(l->f);
  free(l);
}

int strom__keyed_snapshot(strom_keyed *k, strom_snapshot *s) {
  int max_par = k->op->task->job->opts.max_parallelism;
  strom_snap_groups g;
  int rc = strom__snap_groups_init(&g, max_par);
  /* Keyed state: the states' names, then the timers and entries per key group. */
  strom_kstate *ks = k->op->kstate;
  strom_buf names = {0};
  for (int i = 0; !rc && i < strom__kstate_nstates(ks); i++) {
    strom_state_kind kind;
    const char *name = strom__kstate_state_name(ks, i, &kind);
    rc = strom__put_bytes(&names, name ? name : "", name ? strlen(name) : 0);
  }
  if (!rc && names.len) rc = strom__snap_add(s, STROM_SNAP_KSTATE_NAMES, -1, names.p, names.len);
  strom__buf_free(&names);
  /* Copy-on-write unless the previous snapshot is still being written: the task only
   * copies the tables' slots and the timer heaps and goes on; the checkpoint writer
   * serializes them. */
  if (!rc) rc = timers_compact(k);
  strom_kfrozen *f = NULL;
  if (!rc && strom__kstate_freeze(ks, &f) == STROM_OK) {
    size_t n0 = k->heap[EV].n, n1 = k->heap[PT].n;
    lazy_kstate *l = strom__malloc(sizeof *l);
    strom_timer *tc = n0 + n1 ? strom__malloc((n0 + n1) * sizeof *tc) : NULL;
    if (l && (tc || !(n0 + n1))) {
      if (n0) memcpy(tc, k->heap[EV].h, n0 * sizeof *tc);
      if (n1) memcpy(tc + n0, k->heap[PT].h, n1 * sizeof *tc);
      *l = (lazy_kstate){.f = f, .max_par = max_par, .nt = {n0, n1}, .timers = tc};
      rc = strom__snap_add_lazy(s, kstate_fill, kstate_release, l);
    } else {
      free(l);
      free(tc);
      strom__kfrozen_release(f);
      rc = STROM_ENOMEM;
    }
  } else if (!rc) {
    /* The heaps hold exactly the live timers (timers_compact). */
    for (int d = 0; !rc && d < 2; d++)
      for (size_t i = 0; !rc && i < k->heap[d].n; i++) rc = put_timer(&g, d, &k->heap[d].h[i]);
    if (!rc) rc = strom__snap_groups_flush(&g, s, STROM_SNAP_TIMERS);
    kstate_visit v = {.g = &g};
    rc = strom__kstate_foreach(ks, visit_entry, &v);
    if (!rc) rc = strom__snap_groups_flush(&g, s, STROM_SNAP_KSTATE);
  }
  strom__snap_groups_free(&g);
  return rc;
}

static int restore_fail(strom_keyed *k, const char *what) {
  return strom__op_fail(k->op, STROM_EPARSE, "restoring %s of %s: malformed snapshot", what, k->op->node->name);
}

int strom__keyed_restore(strom_keyed *k, const strom_restore *r, int kg_lo, int kg_hi) {
  strom_kstate *ks = k->op->kstate;
  /* Old registration index -> current one, by name. */
  int map[256];
  int nmap = 0;
  for (int i = 0; i < r->n && !nmap; i++) {
    if (r->b[i].kind != STROM_SNAP_KSTATE_NAMES) continue;
    const uint8_t *p = r->b[i].p, *end = p + r->b[i].len;
    while (p < end && nmap < 256) {
      const uint8_t *name;
      size_t n;
      if (!strom__get_bytes(&p, end, &name, &n)) return restore_fail(k, "state names");
      map[nmap] = -1;
      for (int j = 0; j < strom__kstate_nstates(ks); j++) {
        strom_state_kind kind;
        const char *cur = strom__kstate_state_name(ks, j, &kind);
        if (cur && strlen(cur) == n && !memcmp(cur, name, n)) map[nmap] = j;
      }
      if (map[nmap] < 0)
        return strom__op_fail(k->op, STROM_ESTATE, "restoring %s: the snapshot has state '%.*s' that the operator does not register",
                              k->op->node->name, (int)n, name);
      nmap++;
    }
  }
  for (int i = 0; i < r->n; i++) {
    const strom_snap_block *b = &r->b[i];
    if ((b->kind != STROM_SNAP_TIMERS && b->kind != STROM_SNAP_KSTATE) || b->kg < kg_lo || b->kg > kg_hi) continue;
    const uint8_t *p = b->p, *end = p + b->len;
    while (p < end) {
      uint64_t first;
      const uint8_t *key, *ns;
      size_t klen, nslen;
      if (!strom__get_varint(&p, end, &first)) return restore_fail(k, "keyed state");
      if (b->kind == STROM_SNAP_TIMERS) {
        int64_t time;
        if (!strom__get_i64(&p, end, &time) || !strom__get_bytes(&p, end, &key, &klen) ||
            !strom__get_bytes(&p, end, &ns, &nslen) || first > 1)
          return restore_fail(k, "timers");
        int rc = strom__keyed_set_key(k, key, klen, strom__hash_bytes(key, klen));
        if (!rc) rc = strom__keyed_timer_add(k, first ? STROM_PROCESSING_TIME : STROM_EVENT_TIME, time, ns, nslen);
        if (rc) return rc;
      } else {
        strom_state_entry e = {.key_group = b->kg};
        if (!strom__get_bytes(&p, end, &key, &klen) || !strom__get_bytes(&p, end, &ns, &nslen) ||
            !strom__get_bytes(&p, end, &e.val, &e.vlen) || !strom__get_i64(&p, end, &e.ts) || first >= (uint64_t)nmap)
          return restore_fail(k, "keyed state");
        e.state = map[first];
        e.key = key, e.klen = klen, e.ns = ns, e.nslen = nslen;
        int rc = strom__kstate_restore(ks, &e);
        if (rc) return strom__op_fail(k->op, rc, "restoring keyed state of %s: %s", k->op->node->name, strom_strerror(rc));
      }
    }
  }
  return STROM_OK;
}
