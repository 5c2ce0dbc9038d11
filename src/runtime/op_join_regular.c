/*
 * op_join_regular.c -- the regular join of SQL (INNER, LEFT, RIGHT, FULL OUTER) on two
 * keyed changelog streams, with Flink's StreamingJoinOperator semantics.
 *
 * Each side keeps its rows of the current key in a map state: row -> (count, matches).
 * count is how many identical rows are held (a retraction decrements it); matches,
 * used only on an outer side, is how many rows of the other side the row joins with,
 * so the operator knows when its null-padded row has to be retracted (the first match
 * arrives: -D[row+null]) or emitted again (the last match is retracted: +I[row+null]).
 * A new row joins the other side's rows that pass the non-equi condition; the output
 * is a changelog: +I/-D for outer joins, the input's own kind (+I/+U, -U/-D) for an
 * inner join, as Flink does.  Rows whose key has a NULL match nothing (SQL equality).
 * When the other side is not outer (every inner join) matches stream out while its map
 * is read; otherwise they are copied first, since their match counts change.
 * A side that only inserts and is not outer keeps its rows in a list state instead
 * (each with count 1 and no matches to track), as appending needs no lookup.
 * Built on the public keyed co-process function and map/list state, so checkpoints,
 * rescaling and state TTL come from the state layer.  With def->expire, the first row
 * of a key on that side sets an event-time timer at its time + expire_ms, which removes
 * the key's rows that can no longer match and sets the next (q7's bids once their 10 s
 * window has been emitted).
 */
#include "join_regular.h"

#include <stdlib.h>
#include <string.h>

#include "../core/core.h"

typedef struct match {
  strom_row *row; /* an owned copy of the other side's row */
  int64_t count, assoc;
} match;

typedef struct jlocal {
  strom_state *st[2];
  bool list[2]; /* the side's rows are a list (append-only, not outer) */
  size_t lsize[2]; /* its length while it is read (side_next) */
  strom_row *key[2]; /* the input row as a map key (kind +I) */
  strom_row *val;    /* (count, matches) */
  strom_row *joined;
  match *m;
  size_t nm, capm;
  const strom_schema *val_schema;
} jlocal;

static strom_schema *val_schema(void) { return strom_schema_parse("n BIGINT, assoc BIGINT", NULL, 0); }

static int rj_open(strom_ctx *ctx) {
  const strom__regular_join_def *d = strom_ctx_data(ctx);
  jlocal *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  if (!(l->val_schema = val_schema())) return STROM_ENOMEM;
  static const char *names[2] = {"join-left-rows", "join-right-rows"};
  static const char *list_names[2] = {"join-left-list", "join-right-list"};
  for (int s = 0; s < 2; s++) {
    bool outer = d->type == STROM__JOIN_FULL || d->type == (s == 0 ? STROM__JOIN_LEFT : STROM__JOIN_RIGHT);
    l->list[s] = d->append_only[s] && !outer;
    strom_state_desc sd = {.name = names[s], .kind = STROM_STATE_MAP, .schema = l->val_schema,
                           .map_key_schema = d->in_schema[s]};
    if (l->list[s]) sd = (strom_state_desc){.name = list_names[s], .kind = STROM_STATE_LIST, .schema = d->in_schema[s]};
    if (d->ttl_ms > 0) sd.ttl = (strom_state_ttl){.ttl_ms = d->ttl_ms, .update = STROM_TTL_ON_CREATE_AND_WRITE};
    if (!(l->st[s] = strom_ctx_state(ctx, &sd))) return STROM_EINVAL;
    if (!(l->key[s] = strom_row_new(d->in_schema[s]))) return STROM_ENOMEM;
  }
  l->val = strom_row_new(l->val_schema);
  l->joined = strom_row_new(d->out_schema);
  return l->val && l->joined ? STROM_OK : STROM_ENOMEM;
}

static void rj_close(strom_ctx *ctx) {
  jlocal *l = strom_ctx_local(ctx);
  if (!l) return;
  for (int s = 0; s < 2; s++) strom_row_free(l->key[s]);
  for (size_t i = 0; i < l->capm; i++) strom_row_free(l->m[i].row);
  free(l->m);
  strom_row_free(l->val);
  strom_row_free(l->joined);
  strom_schema_free((strom_schema *)l->val_schema);
  free(l);
}

/* Fills l->joined from the left and right rows; NULL pads that side. */
static void fill(const strom__regular_join_def *d, jlocal *l, const strom_row *left, const strom_row *right) {
  strom__row_fill_pair(l->joined, left, d->ncols[0], right, d->ncols[1]);
}

static int emit(strom_out *out, jlocal *l, strom_row_kind k, int64_t times) {
  strom_row_set_kind(l->joined, k);
  for (int64_t i = 0; i < times; i++) {
    int rc = strom_out_emit(out, l->joined);
    if (rc) return rc;
  }
  return STROM_OK;
}

static bool key_has_null(strom_ctx *ctx) {
  const strom_row *k = strom_ctx_key(ctx);
  for (int i = 0; k && i < k->ncols; i++)
    if (k->nulls[i]) return true;
  return false;
}

/* The next row of side s of the current key, with its count and matches: 1 while
 * there is one.  *pos starts at 0. */
static int side_next(jlocal *l, int s, size_t *pos, const strom_row **row, int64_t *count, int64_t *assoc) {
  if (l->list[s]) {
    if (*pos == 0) l->lsize[s] = strom_state_list_size(l->st[s]); /* once: it scans the list */
    if (*pos >= l->lsize[s]) return 0;
    *row = strom_state_list_get(l->st[s], (*pos)++);
    *count = 1, *assoc = 0;
    return *row ? 1 : -1;
  }
  const strom_row *v;
  int r = strom_state_map_next(l->st[s], pos, row, &v);
  if (r == 1) *count = strom_row_get_bigint(v, 0), *assoc = strom_row_get_bigint(v, 1);
  return r;
}

/* Copies the other side's rows that match in (on side s) into l->m. */
static int find_matches(strom_ctx *ctx, const strom__regular_join_def *d, jlocal *l, int s, const strom_row *in) {
  l->nm = 0;
  if (key_has_null(ctx)) return STROM_OK;
  size_t pos = 0;
  const strom_row *k;
  int64_t count, assoc;
  while (side_next(l, 1 - s, &pos, &k, &count, &assoc) == 1) {
    if (d->cond) {
      fill(d, l, s == 0 ? in : k, s == 0 ? k : in);
      int r = d->cond(ctx, l->joined, d->data);
      if (r < 0) return r;
      if (!r) continue;
    }
    if (l->nm == l->capm) {
      size_t cap = l->capm ? 2 * l->capm : 8;
      match *m = strom__realloc(l->m, cap * sizeof *m);
      if (!m) return STROM_ENOMEM;
      memset(m + l->capm, 0, (cap - l->capm) * sizeof *m);
      l->m = m, l->capm = cap;
    }
    match *m = &l->m[l->nm];
    if (!m->row && !(m->row = strom_row_new(d->in_schema[1 - s]))) return STROM_ENOMEM;
    strom_row_copy(m->row, k);
    int rc = strom__row_own_strings(m->row);
    if (rc) return rc;
    m->count = count;
    m->assoc = assoc;
    l->nm++;
  }
  return STROM_OK;
}

static int put(jlocal *l, int s, const strom_row *key, int64_t count, int64_t assoc) {
  if (l->list[s]) return strom_state_add(l->st[s], key); /* only ever an insertion: count is 1 more */
  if (count <= 0) return strom_state_map_remove(l->st[s], key);
  strom_row_set_bigint(l->val, 0, count);
  strom_row_set_bigint(l->val, 1, assoc);
  return strom_state_map_put(l->st[s], key, l->val);
}

/* When the other side is not outer its rows' match counts do not matter: the matches
 * are emitted while the other side's map is read, without copying them. */
static int stream_matches(strom_ctx *ctx, const strom__regular_join_def *d, jlocal *l, int s, const strom_row *in,
                          const strom_row *key, strom_out *out, bool in_outer, strom_row_kind kind, bool acc) {
  const strom_row *cur = l->list[s] ? NULL : strom_state_map_get(l->st[s], key);
  int64_t have = cur ? strom_row_get_bigint(cur, 0) : 0, assoc = cur ? strom_row_get_bigint(cur, 1) : 0;
  int rc;
  if (!acc && have > 0 && (rc = put(l, s, key, have - 1, assoc))) return rc;
  strom_row_kind k = in_outer ? (acc ? STROM_INSERT : STROM_DELETE) : kind;
  int64_t total = 0;
  if (!key_has_null(ctx)) {
    size_t pos = 0;
    const strom_row *o;
    int64_t n, other_assoc;
    while (side_next(l, 1 - s, &pos, &o, &n, &other_assoc) == 1) {
      fill(d, l, s == 0 ? in : o, s == 0 ? o : in);
      if (d->cond) {
        int r = d->cond(ctx, l->joined, d->data);
        if (r < 0) return r;
        if (!r) continue;
      }
      total += n;
      if ((rc = emit(out, l, k, n))) return rc;
    }
  }
  if (!total && in_outer) {
    fill(d, l, s == 0 ? in : NULL, s == 0 ? NULL : in);
    if ((rc = emit(out, l, acc ? STROM_INSERT : STROM_DELETE, 1))) return rc;
  }
  return acc ? put(l, s, key, have + 1, in_outer ? total : 0) : STROM_OK;
}

/* Registers the expiry timer of a row of time t (rounded up to a whole second, so a
 * key's rows of one second share it); far-future times do not expire. */
static int expiry_timer_at(strom_ctx *ctx, const strom__regular_join_def *d, int64_t t) {
  if (t > INT64_MAX - d->expire_ms - 1000) return STROM_OK;
  int64_t at = t + d->expire_ms, r = ((at % 1000) + 1000) % 1000;
  return strom_ctx_register_event_timer(ctx, r ? at + (1000 - r) : at);
}

/* One timer per key at a time: the first row of a key sets it; when it fires, the
 * earliest row left sets the next.  NULL times never expire. */
static int expiry_timer(strom_ctx *ctx, const strom__regular_join_def *d, jlocal *l, const strom_row *in) {
  if (in->nulls[d->expire_col]) return STROM_OK;
  size_t pos = 0;
  const strom_row *k;
  int64_t count, assoc;
  if (side_next(l, d->expire_side, &pos, &k, &count, &assoc) == 1) return STROM_OK; /* the key has its timer */
  return expiry_timer_at(ctx, d, strom_row_get_timestamp(in, d->expire_col));
}

/* Drops the key's rows of the expiring side whose time + expire_ms <= time. */
static int rj_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)out;
  const strom__regular_join_def *d = strom_ctx_data(ctx);
  jlocal *l = strom_ctx_local(ctx);
  /* at the end of the input (the final watermark) nothing is to come: removing is waste */
  if (strom_ctx_watermark(ctx) == INT64_MAX) return STROM_OK;
  int s = d->expire_side;
  size_t pos = 0, n = 0, total = 0;
  const strom_row *k;
  int64_t count, assoc, next = INT64_MAX;
  /* copied first: the expired rows of a map (to remove), the kept rows of a list (to rewrite) */
  while (side_next(l, s, &pos, &k, &count, &assoc) == 1) {
    total++;
    bool expired = !k->nulls[d->expire_col] && strom_row_get_timestamp(k, d->expire_col) <= time - d->expire_ms;
    if (!expired && !k->nulls[d->expire_col] && strom_row_get_timestamp(k, d->expire_col) < next)
      next = strom_row_get_timestamp(k, d->expire_col);
    if (expired == l->list[s]) continue;
    if (n == l->capm) {
      size_t cap = l->capm ? 2 * l->capm : 8;
      match *m = strom__realloc(l->m, cap * sizeof *m);
      if (!m) return STROM_ENOMEM;
      memset(m + l->capm, 0, (cap - l->capm) * sizeof *m);
      l->m = m, l->capm = cap;
    }
    if (!l->m[n].row && !(l->m[n].row = strom_row_new(d->in_schema[s]))) return STROM_ENOMEM;
    strom_row_copy(l->m[n].row, k);
    int rc = strom__row_own_strings(l->m[n].row);
    if (rc) return rc;
    n++;
  }
  int rc = STROM_OK;
  if (l->list[s]) {
    if (n == total) return STROM_OK; /* nothing expired */
    if (!n) strom_state_clear(l->st[s]);
    else {
      const strom_row **rows = strom__malloc(n * sizeof *rows);
      if (!rows) return STROM_ENOMEM;
      for (size_t i = 0; i < n; i++) rows[i] = l->m[i].row;
      rc = strom_state_list_update(l->st[s], rows, n);
      free(rows);
    }
  } else {
    for (size_t i = 0; i < n && !rc; i++) rc = strom_state_map_remove(l->st[s], l->m[i].row);
  }
  if (rc || next == INT64_MAX) return rc;
  return expiry_timer_at(ctx, d, next);
}

static int rj_process(strom_ctx *ctx, int s, const strom_row *in, strom_out *out) {
  const strom__regular_join_def *d = strom_ctx_data(ctx);
  jlocal *l = strom_ctx_local(ctx);
  if (d->expire && s == d->expire_side && (strom_row_get_kind(in) == STROM_INSERT || strom_row_get_kind(in) == STROM_UPDATE_AFTER)) {
    int rc = expiry_timer(ctx, d, l, in);
    if (rc) return rc;
  }
  int o = 1 - s;
  bool in_outer = d->type == STROM__JOIN_FULL || d->type == (s == 0 ? STROM__JOIN_LEFT : STROM__JOIN_RIGHT);
  bool other_outer = d->type == STROM__JOIN_FULL || d->type == (s == 0 ? STROM__JOIN_RIGHT : STROM__JOIN_LEFT);
  strom_row_kind kind = strom_row_get_kind(in);
  bool acc = kind == STROM_INSERT || kind == STROM_UPDATE_AFTER;
  if (!acc && l->list[s])
    return strom_ctx_fail(ctx, "join: a %s row reached the %s input, which the plan takes for insert-only",
                          strom_row_kind_str(kind), s == 0 ? "left" : "right");
  strom_row_set_time(l->joined, strom_row_time(in)); /* the output carries its trigger's timestamp */
  /* a map keys rows by their values alone (+I); a list side's rows are all +I already */
  const strom_row *key = in;
  if (!l->list[s]) {
    strom_row_copy(l->key[s], in);
    strom_row_set_kind(l->key[s], STROM_INSERT);
    key = l->key[s];
  }
  if (!other_outer) return stream_matches(ctx, d, l, s, in, key, out, in_outer, kind, acc);
  int rc = find_matches(ctx, d, l, s, in);
  if (rc) return rc;
  int64_t total = 0;
  for (size_t i = 0; i < l->nm; i++) total += l->m[i].count;
  const strom_row *cur = l->list[s] ? NULL : strom_state_map_get(l->st[s], key);
  int64_t have = cur ? strom_row_get_bigint(cur, 0) : 0;
#define JOINED(m) fill(d, l, s == 0 ? in : (m)->row, s == 0 ? (m)->row : in)
#define PADDED_OTHER(m) fill(d, l, s == 0 ? NULL : (m)->row, s == 0 ? (m)->row : NULL)
  if (acc) {
    if (!l->nm) {
      if (in_outer) {
        fill(d, l, s == 0 ? in : NULL, s == 0 ? NULL : in);
        if ((rc = emit(out, l, STROM_INSERT, 1))) return rc;
      }
    } else {
      if (other_outer)
        for (size_t i = 0; i < l->nm && !rc; i++) {
          match *m = &l->m[i];
          if (m->assoc == 0) {
            PADDED_OTHER(m);
            if ((rc = emit(out, l, STROM_DELETE, m->count))) return rc;
          }
          rc = put(l, o, m->row, m->count, m->assoc + 1);
        }
      strom_row_kind ok = in_outer || other_outer ? STROM_INSERT : kind;
      for (size_t i = 0; i < l->nm && !rc; i++) {
        JOINED(&l->m[i]);
        rc = emit(out, l, ok, l->m[i].count);
      }
      if (rc) return rc;
    }
    return put(l, s, key, have + 1, in_outer ? total : 0);
  }
  /* a retraction */
  int64_t assoc = cur ? strom_row_get_bigint(cur, 1) : 0;
  if (have > 0 && (rc = put(l, s, key, have - 1, assoc))) return rc;
  if (!l->nm) {
    if (!in_outer) return STROM_OK;
    fill(d, l, s == 0 ? in : NULL, s == 0 ? NULL : in);
    return emit(out, l, STROM_DELETE, 1);
  }
  strom_row_kind rk = in_outer || other_outer ? STROM_DELETE : kind;
  for (size_t i = 0; i < l->nm && !rc; i++) {
    JOINED(&l->m[i]);
    rc = emit(out, l, rk, l->m[i].count);
  }
  if (other_outer)
    for (size_t i = 0; i < l->nm && !rc; i++) {
      match *m = &l->m[i];
      if (m->assoc == 1) {
        PADDED_OTHER(m);
        if ((rc = emit(out, l, STROM_INSERT, m->count))) return rc;
      }
      rc = put(l, o, m->row, m->count, m->assoc - 1);
    }
#undef JOINED
#undef PADDED_OTHER
  return rc;
}

strom_stream *strom__regular_join(strom_keyed *left, strom_keyed *right, const strom__regular_join_def *def) {
  strom_process_def d = {.open = rj_open, .process = rj_process, .close = rj_close, .data = (void *)def,
                         .out_schema = def->out_schema, .on_timer = def->expire ? rj_timer : NULL};
  return strom_set_name(strom_keyed_co_process(left, right, &d), "Join");
}
