/*
 * op_join_temporal.c -- the event-time temporal join (Flink SQL's
 * `JOIN versioned FOR SYSTEM_TIME AS OF l.rowtime`, TemporalRowTimeJoinOperator) on two
 * keyed streams, with the public keyed state API (so checkpoints and rescaling cover it).
 *
 * Per key, the right side's versions live in a map state from their time to the row
 * (a later row with the same time replaces it, as in Flink) with a flag saying whether
 * it is a live version (+I/+U) or a deletion (-D; -U rows are ignored: the side is read
 * as upserts); the left rows wait in a list
 * state.  A left row registers an event timer at its time; when the watermark passes
 * it, every waiting left row at or before the watermark is joined, in time order, with
 * the latest version whose time is at or before its own (none, or a deletion: no
 * match, a NULL-padded row for a LEFT join), and dropped.  Versions older than the one
 * valid at the watermark can no longer be needed and are removed then.  Rows whose key
 * has a NULL match nothing (a LEFT join's are padded at once).
 */
#include "join_temporal.h"

#include <stdlib.h>
#include <string.h>

#include "../core/core.h"

typedef struct version {
  int64_t t;
  strom_row *row; /* an owned copy: the right row and its live flag last */
} version;

typedef struct ready {
  int64_t t;
  size_t i;
} ready;

typedef struct tlocal {
  strom_state *left, *right;
  strom_schema *vschema, *tschema; /* the right row + live flag; the map key (t) */
  strom_row *tkey, *vrow, *joined;
  version *v;
  size_t nv, capv;
  ready *r;
  size_t capr;
  strom_row **keep;
  size_t capk;
} tlocal;

static int tj_open(strom_ctx *ctx) {
  const strom__temporal_join_def *d = strom_ctx_data(ctx);
  tlocal *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  const strom_schema *rs = d->in_schema[1];
  if (!(l->vschema = strom_schema_new()) || !(l->tschema = strom_schema_new())) return STROM_ENOMEM;
  int rc = 0;
  for (int i = 0; !rc && i < strom_schema_ncols(rs); i++)
    rc = strom_schema_col_type(rs, i) == STROM_DECIMAL
             ? strom_schema_add_decimal(l->vschema, strom_schema_col_name(rs, i), rs->cols[i].precision,
                                        strom_schema_col_scale(rs, i))
             : strom__schema_add_col(l->vschema, strom_schema_col_name(rs, i), &rs->cols[i]);
  if (rc || strom_schema_add(l->vschema, "$live", STROM_BOOLEAN) || strom_schema_add(l->tschema, "t", STROM_BIGINT))
    return STROM_ENOMEM;
  strom_state_desc ld = {.name = "temporal-join-left", .kind = STROM_STATE_LIST, .schema = d->in_schema[0]};
  strom_state_desc rd = {.name = "temporal-join-versions", .kind = STROM_STATE_MAP, .schema = l->vschema,
                         .map_key_schema = l->tschema};
  if (!(l->left = strom_ctx_state(ctx, &ld)) || !(l->right = strom_ctx_state(ctx, &rd))) return STROM_EINVAL;
  l->tkey = strom_row_new(l->tschema);
  l->vrow = strom_row_new(l->vschema);
  l->joined = strom_row_new(d->out_schema);
  return l->tkey && l->vrow && l->joined ? STROM_OK : STROM_ENOMEM;
}

static void tj_close(strom_ctx *ctx) {
  tlocal *l = strom_ctx_local(ctx);
  if (!l) return;
  for (size_t i = 0; i < l->capv; i++) strom_row_free(l->v[i].row);
  for (size_t i = 0; i < l->capk; i++) strom_row_free(l->keep[i]);
  free(l->v);
  free(l->r);
  free(l->keep);
  strom_row_free(l->tkey);
  strom_row_free(l->vrow);
  strom_row_free(l->joined);
  strom_schema_free(l->vschema);
  strom_schema_free(l->tschema);
  free(l);
}

static bool key_null(const strom__temporal_join_def *d, int s, const strom_row *in) {
  int n = strom_schema_ncols(d->in_schema[s]);
  for (int i = n - d->nkeys; i < n; i++)
    if (in->nulls[i]) return true;
  return false;
}

static void fill(const strom__temporal_join_def *d, strom_row *o, const strom_row *left, const strom_row *right) {
  int nl = d->ncols[0];
  for (int i = 0; i < nl; i++) o->nulls[i] = left->nulls[i], o->v[i] = left->v[i];
  for (int i = 0; i < d->ncols[1]; i++) {
    o->nulls[nl + i] = right ? right->nulls[i] : 1;
    if (right) o->v[nl + i] = right->v[i];
  }
}

static int emit(strom_out *out, strom_row *o, int64_t t) {
  strom_row_set_kind(o, STROM_INSERT);
  strom_row_set_time(o, t);
  return strom_out_emit(out, o);
}

static int64_t time_of(const strom_row *r, int col) { return r->nulls[col] ? INT64_MIN : r->v[col].i; }

static int timer_at(strom_ctx *ctx, int64_t t) {
  int64_t wm = strom_ctx_watermark(ctx);
  return strom_ctx_register_event_timer(ctx, t > wm ? t : wm + 1);
}

static int tj_process(strom_ctx *ctx, int s, const strom_row *in, strom_out *out) {
  const strom__temporal_join_def *d = strom_ctx_data(ctx);
  tlocal *l = strom_ctx_local(ctx);
  int64_t t = time_of(in, d->time_col[s]);
  if (s == 0) {
    if (key_null(d, 0, in) || t == INT64_MIN) {
      if (!d->left_outer) return STROM_OK;
      fill(d, l->joined, in, NULL);
      return emit(out, l->joined, strom_row_time(in));
    }
    int rc = strom_state_add(l->left, in);
    return rc ? rc : timer_at(ctx, t);
  }
  /* the versioned side is read as upserts (as Flink requires of it): a -U says nothing
   * the +U after it does not, and its time may be the old version's */
  if (key_null(d, 1, in) || t == INT64_MIN || strom_row_get_kind(in) == STROM_UPDATE_BEFORE) return STROM_OK;
  int n = strom_schema_ncols(d->in_schema[1]);
  strom_row *v = l->vrow;
  for (int i = 0; i < n; i++) v->nulls[i] = in->nulls[i], v->v[i] = in->v[i];
  strom_row_kind k = strom_row_get_kind(in);
  strom_row_set_bool(v, n, k == STROM_INSERT || k == STROM_UPDATE_AFTER);
  strom_row_set_bigint(l->tkey, 0, t);
  int rc = strom_state_map_put(l->right, l->tkey, v);
  /* a timer at the version's time lets old versions be cleaned even without left rows */
  return rc ? rc : timer_at(ctx, t);
}

static int cmp_version(const void *a, const void *b) {
  const version *x = a, *y = b;
  return x->t < y->t ? -1 : x->t > y->t;
}

static int cmp_ready(const void *a, const void *b) {
  const ready *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

/* The current key's versions, sorted by time, into l->v. */
static int load_versions(tlocal *l) {
  l->nv = 0;
  size_t pos = 0;
  const strom_row *k, *val;
  while (strom_state_map_next(l->right, &pos, &k, &val) == 1) {
    if (l->nv == l->capv) {
      size_t cap = l->capv ? 2 * l->capv : 8;
      version *nv = strom__realloc(l->v, cap * sizeof *nv);
      if (!nv) return STROM_ENOMEM;
      memset(nv + l->capv, 0, (cap - l->capv) * sizeof *nv);
      l->v = nv, l->capv = cap;
    }
    version *v = &l->v[l->nv];
    if (!v->row && !(v->row = strom_row_new(l->vschema))) return STROM_ENOMEM;
    int rc = strom_row_copy(v->row, val);
    if (rc || (rc = strom__row_own_strings(v->row))) return rc;
    v->t = strom_row_get_bigint(k, 0);
    l->nv++;
  }
  if (l->nv > 1) qsort(l->v, l->nv, sizeof *l->v, cmp_version);
  return STROM_OK;
}

/* The index of the latest version at or before t, or -1. */
static ptrdiff_t valid_at(const tlocal *l, int64_t t) {
  size_t lo = 0, hi = l->nv;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (l->v[mid].t <= t) lo = mid + 1;
    else hi = mid;
  }
  return (ptrdiff_t)lo - 1;
}

static int tj_timer(strom_ctx *ctx, int64_t t, strom_out *out) {
  const strom__temporal_join_def *d = strom_ctx_data(ctx);
  tlocal *l = strom_ctx_local(ctx);
  int64_t wm = strom_ctx_watermark(ctx);
  if (wm < t) wm = t;
  int rc = load_versions(l);
  if (rc) return rc;
  int nr = d->ncols[1];
  size_t n = strom_state_list_size(l->left), nready = 0, nkeep = 0;
  if (n > l->capr) {
    ready *r = strom__realloc(l->r, n * sizeof *r);
    if (!r) return STROM_ENOMEM;
    l->r = r, l->capr = n;
  }
  int64_t next = INT64_MAX;
  for (size_t i = 0; i < n; i++) {
    const strom_row *lr = strom_state_list_get(l->left, i);
    if (!lr) return STROM_ENOMEM;
    int64_t lt = time_of(lr, d->time_col[0]);
    if (lt <= wm) l->r[nready++] = (ready){lt, i};
    else if (lt < next) next = lt;
  }
  if (nready > 1) qsort(l->r, nready, sizeof *l->r, cmp_ready);
  for (size_t i = 0; i < nready && !rc; i++) {
    const strom_row *lr = strom_state_list_get(l->left, l->r[i].i);
    if (!lr) return STROM_ENOMEM;
    ptrdiff_t v = valid_at(l, l->r[i].t);
    const strom_row *match = v >= 0 && strom_row_get_bool(l->v[v].row, nr + d->nkeys) ? l->v[v].row : NULL;
    if (match) {
      fill(d, l->joined, lr, match);
      if (d->cond) {
        int c = d->cond(ctx, l->joined, d->data);
        if (c < 0) return c;
        if (!c) match = NULL;
      }
    }
    if (!match && !d->left_outer) continue;
    if (!match) fill(d, l->joined, lr, NULL);
    rc = emit(out, l->joined, l->r[i].t); /* the state keeps no row timestamps: the time attribute is it */
  }
  if (rc) return rc;
  /* the left rows still waiting */
  if (nready) {
    size_t want = n - nready;
    if (want > l->capk) {
      strom_row **k = strom__realloc(l->keep, want * sizeof *k);
      if (!k) return STROM_ENOMEM;
      memset(k + l->capk, 0, (want - l->capk) * sizeof *k);
      l->keep = k, l->capk = want;
    }
    for (size_t i = 0; i < n; i++) {
      const strom_row *lr = strom_state_list_get(l->left, i);
      if (!lr) return STROM_ENOMEM;
      if (time_of(lr, d->time_col[0]) <= wm) continue;
      if (!l->keep[nkeep] && !(l->keep[nkeep] = strom_row_new(d->in_schema[0]))) return STROM_ENOMEM;
      if ((rc = strom_row_copy(l->keep[nkeep], lr)) || (rc = strom__row_own_strings(l->keep[nkeep]))) return rc;
      nkeep++;
    }
    if (nkeep) rc = strom_state_list_update(l->left, (const strom_row *const *)l->keep, nkeep);
    else strom_state_clear(l->left);
    if (rc) return rc;
  }
  if (next != INT64_MAX && (rc = timer_at(ctx, next))) return rc;
  /* versions before the one valid at the watermark are needed by no future left row */
  ptrdiff_t cur = valid_at(l, wm);
  for (ptrdiff_t i = 0; i < cur && !rc; i++) {
    strom_row_set_bigint(l->tkey, 0, l->v[i].t);
    rc = strom_state_map_remove(l->right, l->tkey);
  }
  return rc;
}

strom_stream *strom__temporal_join(strom_keyed *left, strom_keyed *right, const strom__temporal_join_def *def) {
  strom_process_def d = {.open = tj_open, .process = tj_process, .close = tj_close, .on_timer = tj_timer,
                         .data = (void *)def, .out_schema = def->out_schema};
  return strom_set_name(strom_keyed_co_process(left, right, &d), "TemporalJoin");
}
