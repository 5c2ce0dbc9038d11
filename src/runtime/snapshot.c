/*
 * snapshot.c -- in-memory snapshot blocks and the byte helpers operators use to
 * encode their state into them (see snapshot.h).
 */
#include "snapshot.h"

#include "../state/keymap.h"
#include "runtime.h"

int strom__snap_add(strom_snapshot *s, int kind, int kg, const void *p, size_t len) {
  if (s->emit) return s->emit(s->emit_ctx, kind, kg, p, len);
  if (s->n == s->cap) {
    int cap = s->cap ? s->cap * 2 : 16;
    void *b = strom__realloc(s->b, (size_t)cap * sizeof *s->b);
    if (!b) return STROM_ENOMEM;
    s->b = b;
    s->cap = cap;
  }
  size_t off = s->data.len;
  if (len && strom__buf_append(&s->data, p, len)) return STROM_ENOMEM;
  s->b[s->n].kind = kind;
  s->b[s->n].kg = kg;
  s->b[s->n].off = off;
  s->b[s->n].len = len;
  s->n++;
  return STROM_OK;
}

void strom__snaps_free(strom_snapshot **snaps, int n) {
  for (int i = 0; snaps && i < n; i++)
    if (snaps[i]) strom__snap_free(snaps[i]), free(snaps[i]);
  free(snaps);
}

strom_snap_block strom__snap_block(const strom_snapshot *s, int i) {
  return (strom_snap_block){.kind = s->b[i].kind, .kg = s->b[i].kg,
                            .p = (const uint8_t *)s->data.p + s->b[i].off, .len = s->b[i].len};
}

int strom__snap_add_lazy(strom_snapshot *s, int (*fill)(void *, strom_snapshot *), void (*release)(void *), void *arg) {
  struct strom_snap_lazy *l = strom__realloc(s->lazy, (size_t)(s->nlazy + 1) * sizeof *l);
  if (!l) {
    release(arg);
    return STROM_ENOMEM;
  }
  s->lazy = l;
  s->lazy[s->nlazy++] = (struct strom_snap_lazy){.fill = fill, .release = release, .arg = arg};
  return STROM_OK;
}

int strom__snap_materialize(strom_snapshot *s) {
  int rc = STROM_OK;
  for (int i = 0; i < s->nlazy; i++) {
    if (!rc) rc = s->lazy[i].fill(s->lazy[i].arg, s);
    s->lazy[i].release(s->lazy[i].arg);
  }
  free(s->lazy);
  s->lazy = NULL;
  s->nlazy = 0;
  return rc;
}

void strom__snap_free(strom_snapshot *s) {
  for (int i = 0; i < s->nlazy; i++) s->lazy[i].release(s->lazy[i].arg);
  free(s->lazy);
  strom__buf_free(&s->data);
  free(s->b);
  memset(s, 0, sizeof *s);
}

int strom__snap_groups_init(strom_snap_groups *g, int max_par) {
  g->max_par = max_par;
  g->calls = 0;
  /* STROM_SNAP_SPILL_BYTES lowers the spill limit (checked at every entry then), so
   * that tests see key groups split into several blocks. */
  const char *env = getenv("STROM_SNAP_SPILL_BYTES");
  g->limit = env ? strtoull(env, NULL, 10) : (size_t)8 << 20;
  g->every = env ? 1 : 1024;
  g->g = strom__calloc((size_t)max_par, sizeof *g->g);
  return g->g ? STROM_OK : STROM_ENOMEM;
}

strom_buf *strom__snap_group(strom_snap_groups *g, int kg) { return &g->g[kg]; }

int strom__snap_groups_flush(strom_snap_groups *g, strom_snapshot *s, int kind) {
  for (int kg = 0; kg < g->max_par; kg++) {
    if (!g->g[kg].len) continue;
    int rc = strom__snap_add(s, kind, kg, g->g[kg].p, g->g[kg].len);
    if (rc) return rc;
    g->g[kg].len = 0;
  }
  return STROM_OK;
}

int strom__snap_groups_spill(strom_snap_groups *g, strom_snapshot *s, int kind) {
  if (!s->emit || ++g->calls % g->every) return STROM_OK;
  size_t n = 0;
  for (int kg = 0; kg < g->max_par; kg++) n += g->g[kg].len;
  return n >= g->limit ? strom__snap_groups_flush(g, s, kind) : STROM_OK;
}

void strom__snap_groups_free(strom_snap_groups *g) {
  for (int kg = 0; g->g && kg < g->max_par; kg++) strom__buf_free(&g->g[kg]);
  free(g->g);
  g->g = NULL;
}

int strom__put_varint(strom_buf *b, uint64_t v) {
  uint8_t tmp[10];
  int n = 0;
  while (v >= 0x80) {
    tmp[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = (uint8_t)v;
  return strom__buf_append(b, tmp, (size_t)n);
}

int strom__put_bytes(strom_buf *b, const void *p, size_t n) {
  int rc = strom__put_varint(b, n);
  return rc ? rc : n ? strom__buf_append(b, p, n) : STROM_OK;
}

int strom__put_i64(strom_buf *b, int64_t v) { return strom__buf_append(b, &v, 8); }

bool strom__get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= end) return false;
    uint8_t c = *(*p)++;
    r |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}

bool strom__get_bytes(const uint8_t **p, const uint8_t *end, const uint8_t **bytes, size_t *n) {
  uint64_t len;
  if (!strom__get_varint(p, end, &len) || len > (uint64_t)(end - *p)) return false;
  *bytes = *p;
  *n = (size_t)len;
  *p += len;
  return true;
}

bool strom__get_i64(const uint8_t **p, const uint8_t *end, int64_t *v) {
  if (end - *p < 8) return false;
  memcpy(v, *p, 8);
  *p += 8;
  return true;
}

int strom__snap_keymap(strom_snap_groups *g, const strom_keymap *m, const void *prefix, size_t plen) {
  size_t pos = 0;
  for (strom_kv *e; (e = strom__keymap_next(m, &pos));) {
    strom_buf *b = strom__snap_group(g, e->kg);
    int rc = plen ? strom__buf_append(b, prefix, plen) : STROM_OK;
    if (!rc) rc = strom__put_bytes(b, e->data, e->klen);
    if (!rc) rc = strom__put_bytes(b, strom__kv_val(e), e->vlen);
    if (rc) return rc;
  }
  return STROM_OK;
}

/* A dense copy of a keymap's slots (and of its entries on the heap), serialized by the
 * checkpoint writer. */
typedef struct lazy_keymap {
  uint8_t *slots;
  size_t n;
  int kind, max_par;
  size_t plen;
  uint8_t prefix[16];
} lazy_keymap;

static int keymap_fill(void *arg, strom_snapshot *s) {
  lazy_keymap *l = arg;
  strom_snap_groups g;
  int rc = strom__snap_groups_init(&g, l->max_par);
  for (size_t i = 0; !rc && i < l->n; i++) {
    strom_kv *e = strom__keymap_copy_entry(l->slots, i);
    strom_buf *b = strom__snap_group(&g, e->kg);
    rc = l->plen ? strom__buf_append(b, l->prefix, l->plen) : STROM_OK;
    if (!rc) rc = strom__put_bytes(b, e->data, e->klen);
    if (!rc) rc = strom__put_bytes(b, strom__kv_val(e), e->vlen);
    if (!rc) rc = strom__snap_groups_spill(&g, s, l->kind);
  }
  if (!rc) rc = strom__snap_groups_flush(&g, s, l->kind);
  strom__snap_groups_free(&g);
  return rc;
}

static void keymap_release(void *arg) {
  lazy_keymap *l = arg;
  strom__keymap_copy_free(l->slots, l->n);
  free(l);
}

int strom__snap_keymap_async(strom_snapshot *s, const strom_keymap *m, const void *prefix, size_t plen, int kind,
                             int max_par) {
  lazy_keymap *l = plen <= sizeof l->prefix ? strom__malloc(sizeof *l) : NULL;
  if (l && (l->slots = strom__keymap_copy(m))) {
    l->n = m->count;
    l->kind = kind;
    l->max_par = max_par;
    l->plen = plen;
    if (plen) memcpy(l->prefix, prefix, plen);
    return strom__snap_add_lazy(s, keymap_fill, keymap_release, l);
  }
  free(l);
  strom_snap_groups g;
  int rc = strom__snap_groups_init(&g, max_par);
  if (!rc) rc = strom__snap_keymap(&g, m, prefix, plen);
  if (!rc) rc = strom__snap_groups_flush(&g, s, kind);
  strom__snap_groups_free(&g);
  return rc;
}

bool strom__snap_get_kv(const uint8_t **p, const uint8_t *end, const uint8_t **key, size_t *klen, const uint8_t **val,
                        size_t *vlen) {
  return strom__get_bytes(p, end, key, klen) && strom__get_bytes(p, end, val, vlen) && *klen > 0;
}

int strom__snap_position(strom_snapshot *s, uint64_t pos) { return strom__snap_add(s, STROM_SNAP_SOURCE, -1, &pos, 8); }

int strom__restore_position(strom_op *op, const strom_restore *r, bool same_parallelism, const char *what,
                            uint64_t *pos, bool *found) {
  *found = false;
  if (same_parallelism && r->old_parallelism != op->ctx.parallelism)
    return strom__op_fail(op, STROM_ENOTSUP, "a %s cannot resume at another parallelism (was %d, now %d)", what,
                          r->old_parallelism, op->ctx.parallelism);
  for (int i = 0; i < r->n; i++) {
    if (r->b[i].kind != STROM_SNAP_SOURCE || r->b[i].subtask != op->ctx.subtask) continue;
    if (r->b[i].len != 8) return strom__op_fail(op, STROM_EPARSE, "malformed %s position in the snapshot", what);
    memcpy(pos, r->b[i].p, 8);
    *found = true;
  }
  return STROM_OK;
}
