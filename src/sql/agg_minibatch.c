/*
 * agg_minibatch.c -- mini-batch buffering for the keyed SQL operators that fold rows
 * into per-key state: the non-windowed GROUP BY and join_agg.c's join aggregate
 * (Flink's table.exec.mini-batch.enabled / allow-latency / size).  Input rows are
 * copied into memory and grouped by the operator's current key; a flush folds each
 * key's rows into state at once, so a batch costs one state read and write per
 * distinct key instead of per row, and sends downstream one change per key instead of
 * one per row (fewer retractions for the operators after it).
 *
 * Rows are grouped by the key the runtime computed for them (its bytes and hash), not
 * by columns: the state they fold into is that key's, and a two-input operator's rows
 * carry the key in different columns.  Each row keeps the input it came from.
 *
 * A batch ends when it holds `size` rows, when a processing-time timer set `latency`
 * after its first row fires, and through the keyed process operator's flush hook:
 * before a watermark passes, before a checkpoint's snapshot (the buffer is not state,
 * so it is emptied into state first and the barrier follows everything it held) and
 * at the end of input.  Keys are flushed in the order they first appeared, each key's
 * rows in arrival order, so results are deterministic.
 */
#include <stdlib.h>
#include <string.h>

#include "../runtime/keyed.h"
#include "sql_int.h"

typedef struct mb_group {
  uint64_t h;
  size_t koff, klen; /* the key's bytes in keys */
  int first, last;
  size_t slot; /* its slot, emptied at the flush */
} mb_group;

typedef struct mb_row {
  int input, row, next; /* next: the next row of the same key, -1 */
} mb_row;

typedef struct mb_pool {
  strom_row **rows; /* copies, reused across batches */
  int n, cap;
} mb_pool;

struct sql_minibatch {
  int64_t size, latency_ms;
  const strom_keyed *keyed; /* the operator's current key, read per row */
  mb_pool pool[2]; /* one per input: an input's rows share a schema */
  mb_row *rows;
  int n, cap;
  mb_group *groups;
  int ngroups;
  int *slots; /* open addressing over groups: index + 1, 0 empty */
  size_t nslots;
  strom_buf keys;
  const strom_row **scratch; /* one key's rows and their inputs, for the fold */
  int *scratch_in;
};

int sql_minibatch_on(sql_build *b) {
  const sql_session *se = b->sess;
  if (!se->minibatch) return 0;
  if (se->minibatch_latency_ms > 0 && se->minibatch_size > 0) return 1;
  sql_build_fail(b, "'table.exec.mini-batch.enabled' is true: set 'table.exec.mini-batch.allow-latency' "
                    "and 'table.exec.mini-batch.size' to values greater than 0");
  return -1;
}

sql_minibatch *sql_minibatch_new(int64_t size, int64_t latency_ms) {
  sql_minibatch *m = strom__calloc(1, sizeof *m);
  if (!m) return NULL;
  m->size = size;
  m->latency_ms = latency_ms;
  return m;
}

void sql_minibatch_free(sql_minibatch *m) {
  if (!m) return;
  for (int p = 0; p < 2; p++) {
    for (int i = 0; i < m->pool[p].cap; i++) strom_row_free(m->pool[p].rows[i]);
    free(m->pool[p].rows);
  }
  free(m->rows);
  free(m->groups);
  free(m->slots);
  strom__buf_free(&m->keys);
  free(m->scratch);
  free(m->scratch_in);
  free(m);
}

/* Room for one more row (and its key) in every array. */
static int reserve(sql_minibatch *m) {
  if (m->n < m->cap) return STROM_OK;
  int cap = m->cap ? 2 * m->cap : 64;
  mb_row *rows = strom__realloc(m->rows, sizeof *rows * (size_t)cap);
  if (!rows) return STROM_ENOMEM;
  m->rows = rows;
  mb_group *groups = strom__realloc(m->groups, sizeof *groups * (size_t)cap);
  if (!groups) return STROM_ENOMEM;
  m->groups = groups;
  const strom_row **scratch = strom__realloc(m->scratch, sizeof *scratch * (size_t)cap);
  if (!scratch) return STROM_ENOMEM;
  m->scratch = scratch;
  int *scratch_in = strom__realloc(m->scratch_in, sizeof *scratch_in * (size_t)cap);
  if (!scratch_in) return STROM_ENOMEM;
  m->scratch_in = scratch_in;
  /* slots: at most half full */
  size_t ns = 16;
  while (ns < 2 * (size_t)cap) ns *= 2;
  int *slots = strom__calloc(ns, sizeof *slots);
  if (!slots) return STROM_ENOMEM;
  for (int g = 0; g < m->ngroups; g++) {
    size_t i = groups[g].h & (ns - 1);
    while (slots[i]) i = (i + 1) & (ns - 1);
    slots[i] = g + 1;
    groups[g].slot = i;
  }
  free(m->slots);
  m->slots = slots;
  m->nslots = ns;
  m->cap = cap;
  return STROM_OK;
}

/* A copy of in from input's pool. */
static strom_row *pooled_copy(sql_minibatch *m, int input, const strom_row *in) {
  mb_pool *p = &m->pool[input];
  if (p->n == p->cap) {
    int cap = p->cap ? 2 * p->cap : 64;
    strom_row **rows = strom__realloc(p->rows, sizeof *rows * (size_t)cap);
    if (!rows) return NULL;
    for (int i = p->cap; i < cap; i++) rows[i] = NULL;
    p->rows = rows;
    p->cap = cap;
  }
  strom_row *c = p->rows[p->n];
  if (!c && !(c = p->rows[p->n] = strom_row_new(strom_row_schema(in)))) return NULL;
  if (in->schema->nstr) strom__row_reset(c); /* its arena is reused for the strings */
  if (strom_row_copy(c, in) || strom__row_own_strings(c)) return NULL;
  p->n++;
  return c;
}

int sql_minibatch_flush(sql_minibatch *m, strom_ctx *ctx, sql_mb_fold fold, strom_out *out) {
  int rc = STROM_OK;
  for (int g = 0; g < m->ngroups && !rc; g++) {
    const mb_group *gr = &m->groups[g];
    int k = 0;
    for (int i = gr->first; i >= 0; i = m->rows[i].next) {
      m->scratch[k] = m->pool[m->rows[i].input].rows[m->rows[i].row];
      m->scratch_in[k++] = m->rows[i].input;
    }
    int64_t t = m->scratch[k - 1]->time;
    if (!(rc = strom__ctx_set_key(ctx, (const uint8_t *)m->keys.p + gr->koff, gr->klen, gr->h, t))) {
      out->time = t;
      rc = fold(ctx, m->scratch, m->scratch_in, (size_t)k, out);
    }
  }
  for (int g = 0; g < m->ngroups; g++) m->slots[m->groups[g].slot] = 0; /* not the whole table: a batch has few keys */
  m->n = m->ngroups = 0;
  m->pool[0].n = m->pool[1].n = 0;
  m->keys.len = 0;
  return rc;
}

int sql_minibatch_add(sql_minibatch *m, strom_ctx *ctx, int input, const strom_row *in, sql_mb_fold fold,
                      strom_out *out) {
  int rc;
  if (!m->n && m->latency_ms > 0 &&
      (rc = strom_ctx_register_processing_timer(ctx, strom_ctx_now(ctx) + m->latency_ms)))
    return rc;
  if ((rc = reserve(m))) return rc;
  if (!m->keyed && !(m->keyed = strom__ctx_keyed(ctx))) return STROM_EINVAL;
  const uint8_t *key = (const uint8_t *)m->keyed->key.p;
  size_t klen = m->keyed->key.len;
  uint64_t h = m->keyed->khash;
  strom_row *c = pooled_copy(m, input & 1, in);
  if (!c) return STROM_ENOMEM;
  int r = m->n;
  m->rows[r] = (mb_row){.input = input & 1, .row = m->pool[input & 1].n - 1, .next = -1};
  size_t i = h & (m->nslots - 1);
  for (; m->slots[i]; i = (i + 1) & (m->nslots - 1)) {
    mb_group *g = &m->groups[m->slots[i] - 1];
    if (g->h == h && g->klen == klen && !memcmp(m->keys.p + g->koff, key, klen)) {
      m->rows[g->last].next = r;
      g->last = r;
      break;
    }
  }
  if (!m->slots[i]) {
    size_t off = m->keys.len;
    if (strom__buf_append(&m->keys, key, klen)) return STROM_ENOMEM;
    m->groups[m->ngroups] = (mb_group){.h = h, .koff = off, .klen = klen, .first = r, .last = r, .slot = i};
    m->slots[i] = ++m->ngroups;
  }
  m->n++;
  return m->n >= m->size ? sql_minibatch_flush(m, ctx, fold, out) : STROM_OK;
}
