/*
 * agg_minibatch.c -- mini-batch buffering for the non-windowed GROUP BY (Flink's
 * table.exec.mini-batch.enabled / allow-latency / size).  Input rows are copied into
 * memory and grouped by key; a flush folds each key's rows into the aggregate's state
 * at once, so a batch costs one state read and write per distinct key instead of per
 * row, and sends downstream one change per key instead of one per row (fewer
 * retractions for the operators after it).
 *
 * A batch ends when it holds `size` rows, when a processing-time timer set `latency`
 * after its first row fires, and through the keyed process operator's flush hook:
 * before a watermark passes, before a checkpoint's snapshot (the buffer is not state,
 * so it is emptied into state first and the barrier follows everything it held) and
 * at the end of input.  Keys are flushed in the order they first appeared, each
 * group's rows in arrival order, so results are deterministic.
 */
#include <stdlib.h>
#include <string.h>

#include "../runtime/keyed.h"
#include "sql_int.h"

typedef struct mb_group {
  uint64_t h;
  int first, last, n;
} mb_group;

struct sql_minibatch {
  int nkeys;
  int64_t size, latency_ms;
  strom_row **rows; /* copies, reused across batches */
  int *next;        /* the next row of the same group, -1 */
  int n, cap;
  mb_group *groups;
  int ngroups;
  int *slots; /* open addressing over groups: index + 1, 0 empty */
  size_t nslots;
  const strom_row **scratch; /* one group's rows, for the fold */
};

sql_minibatch *sql_minibatch_new(int nkeys, int64_t size, int64_t latency_ms) {
  sql_minibatch *m = strom__calloc(1, sizeof *m);
  if (!m) return NULL;
  m->nkeys = nkeys;
  m->size = size;
  m->latency_ms = latency_ms;
  return m;
}

void sql_minibatch_free(sql_minibatch *m) {
  if (!m) return;
  for (int i = 0; i < m->cap; i++) strom_row_free(m->rows[i]);
  free(m->rows);
  free(m->next);
  free(m->groups);
  free(m->slots);
  free(m->scratch);
  free(m);
}

static uint64_t key_hash(const sql_minibatch *m, const strom_row *r) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < m->nkeys; i++) {
    uint64_t x;
    if (r->nulls[i]) x = 0x5bd1e995u;
    else if (r->schema->cols[i].type == STROM_VARCHAR) x = strom__hash_bytes(r->v[i].s.p, r->v[i].s.n);
    else x = (uint64_t)r->v[i].i;
    if (!r->nulls[i] && r->schema->nwide) { /* the other word of a wide DECIMAL or TIMESTAMP(4..9) */
      const strom_col *c = &r->schema->cols[i];
      if (c->enc == STROM__ENC_DEC128) x ^= (uint64_t)r->v[i].w.hi * 0x9e3779b97f4a7c15ull;
      else if (c->enc == STROM__ENC_TS_WIDE) x ^= (uint64_t)r->v[i].ts.nano * 0x9e3779b97f4a7c15ull;
    }
    h = (h ^ x) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h;
}

static bool keys_equal(const sql_minibatch *m, const strom_row *a, const strom_row *b) {
  return strom__row_prefix_equal(a, b, m->nkeys);
}

/* Room for one more row (and its group) in every array. */
static int reserve(sql_minibatch *m, const strom_schema *s) {
  if (m->n < m->cap) return STROM_OK;
  int cap = m->cap ? 2 * m->cap : 64;
  strom_row **rows = strom__realloc(m->rows, sizeof *rows * (size_t)cap);
  if (!rows) return STROM_ENOMEM;
  m->rows = rows;
  for (int i = m->cap; i < cap; i++) rows[i] = NULL;
  int *next = strom__realloc(m->next, sizeof *next * (size_t)cap);
  mb_group *groups = next ? strom__realloc(m->groups, sizeof *groups * (size_t)cap) : NULL;
  if (next) m->next = next;
  if (!groups) return STROM_ENOMEM;
  m->groups = groups;
  const strom_row **scratch = strom__realloc(m->scratch, sizeof *scratch * (size_t)cap);
  if (!scratch) return STROM_ENOMEM;
  m->scratch = scratch;
  /* slots: at most half full */
  size_t ns = 16;
  while (ns < 2 * (size_t)cap) ns *= 2;
  int *slots = strom__calloc(ns, sizeof *slots);
  if (!slots) return STROM_ENOMEM;
  for (int g = 0; g < m->ngroups; g++) {
    size_t i = groups[g].h & (ns - 1);
    while (slots[i]) i = (i + 1) & (ns - 1);
    slots[i] = g + 1;
  }
  free(m->slots);
  m->slots = slots;
  m->nslots = ns;
  for (int i = m->cap; i < cap; i++)
    if (!(rows[i] = strom_row_new(s))) {
      m->cap = i;
      return STROM_ENOMEM;
    }
  m->cap = cap;
  return STROM_OK;
}

int sql_minibatch_flush(sql_minibatch *m, strom_ctx *ctx, sql_mb_fold fold, strom_out *out) {
  int rc = STROM_OK;
  for (int g = 0; g < m->ngroups && !rc; g++) {
    const mb_group *gr = &m->groups[g];
    int k = 0;
    for (int i = gr->first; i >= 0; i = m->next[i]) m->scratch[k++] = m->rows[i];
    if (!(rc = strom__ctx_set_key_from_row(ctx, 0, m->scratch[0]))) {
      out->time = m->scratch[k - 1]->time;
      rc = fold(ctx, m->scratch, (size_t)k, out);
    }
  }
  if (m->ngroups) memset(m->slots, 0, m->nslots * sizeof *m->slots);
  m->n = m->ngroups = 0;
  return rc;
}

int sql_minibatch_add(sql_minibatch *m, strom_ctx *ctx, const strom_row *in, sql_mb_fold fold, strom_out *out) {
  int rc;
  if (!m->n && m->latency_ms > 0 &&
      (rc = strom_ctx_register_processing_timer(ctx, strom_ctx_now(ctx) + m->latency_ms)))
    return rc;
  if ((rc = reserve(m, strom_row_schema(in)))) return rc;
  int r = m->n;
  strom_row *c = m->rows[r];
  strom_row_clear(c);
  if ((rc = strom_row_copy(c, in)) || (rc = strom__row_own_strings(c))) return rc;
  m->next[r] = -1;
  uint64_t h = key_hash(m, c);
  size_t i = h & (m->nslots - 1);
  for (; m->slots[i]; i = (i + 1) & (m->nslots - 1)) {
    mb_group *g = &m->groups[m->slots[i] - 1];
    if (g->h == h && keys_equal(m, m->rows[g->first], c)) {
      m->next[g->last] = r;
      g->last = r;
      g->n++;
      break;
    }
  }
  if (!m->slots[i]) {
    m->groups[m->ngroups] = (mb_group){.h = h, .first = r, .last = r, .n = 1};
    m->slots[i] = ++m->ngroups;
  }
  m->n++;
  return m->n >= m->size ? sql_minibatch_flush(m, ctx, fold, out) : STROM_OK;
}
