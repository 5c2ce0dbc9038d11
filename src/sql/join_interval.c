/*
 * join_interval.c -- the outer interval join (LEFT, RIGHT, FULL) of SQL, as Flink's
 * TimeIntervalJoin: a keyed co-process function.  An inner interval join runs on the
 * runtime's strom_interval_join; an outer one also has to say, for each row of a
 * preserved side, that no partner will come -- which it knows once the watermark has
 * passed the last time a partner could have.  Then it emits the row padded with NULLs.
 * The output stays append-only.
 *
 * Each side keeps its rows of the key in list state, each with a "matched" flag.  A new
 * row (later than the watermark; late rows are dropped, as in the inner join) joins
 * the other side's rows whose time lies in its interval -- right.ts - left.ts in
 * [lower, upper] -- marks them and itself matched, is buffered, and sets an event-time
 * timer for its expiry: left.ts + upper for a left row, right.ts - lower for a right
 * one.  A timer removes the key's expired rows, emitting the unmatched ones of an
 * outer side.
 */
#include <inttypes.h>

#include "sql_int.h"

typedef struct ojoin {
  bool outer[2];
  int ncols[2];   /* the side's columns in the output */
  int tcol[2];    /* its rowtime column */
  int flag[2];    /* the matched flag's column in the state rows */
  int64_t lower, upper;
  const sql_expr *residual;
  const strom_schema *st[2], *out;
} ojoin;

typedef struct olocal {
  strom_state *rows[2];
  strom_row *joined, *buf;
  strom_row **pool; /* owned copies of a side's list while it is rewritten */
  size_t npool;
  int64_t late;
} olocal;

static strom_schema *with_flag(const strom_schema *s) {
  strom_schema *o = strom_schema_new();
  for (int i = 0; o && i < s->ncols; i++) {
    const strom_col *c = &s->cols[i];
    int rc = c->type == STROM_DECIMAL ? strom_schema_add_decimal(o, c->name, c->precision, c->scale)
                                      : strom__schema_add_col(o, c->name, c);
    if (rc) strom_schema_free(o), o = NULL;
  }
  if (o && strom_schema_add(o, "$matched", STROM_BOOLEAN)) strom_schema_free(o), o = NULL;
  return o;
}

static int oj_open(strom_ctx *ctx) {
  const ojoin *j = strom_ctx_data(ctx);
  olocal *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  static const char *names[2] = {"interval-join-left", "interval-join-right"};
  for (int s = 0; s < 2; s++) {
    strom_state_desc d = {.name = names[s], .kind = STROM_STATE_LIST, .schema = j->st[s]};
    if (!(l->rows[s] = strom_ctx_state(ctx, &d))) return STROM_EINVAL;
  }
  l->joined = strom_row_new(j->out);
  return l->joined ? STROM_OK : STROM_ENOMEM;
}

static void oj_close(strom_ctx *ctx) {
  olocal *l = strom_ctx_local(ctx);
  if (!l) return;
  if (l->late) strom__log(STROM_LOG_WARN, "interval join: dropped %" PRId64 " late rows", l->late);
  strom_row_free(l->joined);
  strom_row_free(l->buf);
  for (size_t i = 0; i < l->npool; i++) strom_row_free(l->pool[i]);
  free(l->pool);
  free(l);
}

static void fill(const ojoin *j, strom_row *o, const strom_row *lr, const strom_row *rr) {
  int nl = j->ncols[0];
  for (int i = 0; i < nl; i++) {
    o->nulls[i] = lr ? lr->nulls[i] : 1;
    if (lr) o->v[i] = lr->v[i];
  }
  for (int i = 0; i < j->ncols[1]; i++) {
    o->nulls[nl + i] = rr ? rr->nulls[i] : 1;
    if (rr) o->v[nl + i] = rr->v[i];
  }
}

static int emit(olocal *l, strom_out *out, int64_t t) {
  strom_row_set_kind(l->joined, STROM_INSERT);
  strom_row_set_time(l->joined, t);
  return strom_out_emit(out, l->joined);
}

/* Copies side s's list into l->pool[0..n). */
static int load(const ojoin *j, olocal *l, int s, size_t *n) {
  *n = strom_state_list_size(l->rows[s]);
  if (*n > l->npool) {
    strom_row **p = strom__realloc(l->pool, *n * sizeof *p);
    if (!p) return STROM_ENOMEM;
    for (size_t i = l->npool; i < *n; i++) p[i] = NULL;
    l->pool = p, l->npool = *n;
  }
  for (size_t i = 0; i < *n; i++) {
    if (l->pool[i] && l->pool[i]->schema != j->st[s]) strom_row_free(l->pool[i]), l->pool[i] = NULL;
    if (!l->pool[i] && !(l->pool[i] = strom_row_new(j->st[s]))) return STROM_ENOMEM;
    const strom_row *r = strom_state_list_get(l->rows[s], i);
    if (!r) return STROM_ENOMEM;
    strom_row_copy(l->pool[i], r);
    int rc = strom__row_own_strings(l->pool[i]);
    if (rc) return rc;
  }
  return STROM_OK;
}

static int pair_matches(strom_ctx *ctx, const ojoin *j, olocal *l) {
  if (!j->residual) return 1;
  sql_ectx c = {0};
  int r = sql_eval_pred(j->residual, l->joined, &c);
  if (r < 0) r = strom_ctx_fail(ctx, "join condition: %s", c.err[0] ? c.err : "evaluation failed");
  sql_ectx_free(&c);
  return r;
}

static int oj_process(strom_ctx *ctx, int s, const strom_row *in, strom_out *out) {
  const ojoin *j = strom_ctx_data(ctx);
  olocal *l = strom_ctx_local(ctx);
  int o = 1 - s;
  if (in->nulls[j->tcol[s]]) return STROM_OK;
  int64_t t = in->v[j->tcol[s]].i, wm = strom_ctx_watermark(ctx);
  if (t < wm) {
    l->late++;
    return STROM_OK;
  }
  /* the other side's times that match: right in [t + lower, t + upper] for a left row */
  int64_t lo = s == 0 ? t + j->lower : t - j->upper, hi = s == 0 ? t + j->upper : t - j->lower;
  size_t n;
  int rc = load(j, l, o, &n);
  if (rc) return rc;
  bool matched = false, changed = false;
  for (size_t i = 0; i < n; i++) {
    strom_row *r = l->pool[i];
    int64_t ot = r->v[j->tcol[o]].i;
    if (ot < lo || ot > hi) continue;
    fill(j, l->joined, s == 0 ? in : r, s == 0 ? r : in);
    int m = pair_matches(ctx, j, l);
    if (m < 0) return m;
    if (!m) continue;
    matched = true;
    if ((rc = emit(l, out, t > ot ? t : ot))) return rc;
    if (j->outer[o] && !r->v[j->flag[o]].i) r->v[j->flag[o]].i = 1, changed = true;
  }
  if (changed && (rc = strom_state_list_update(l->rows[o], (const strom_row *const *)l->pool, n))) return rc;
  if (!l->buf && !(l->buf = strom_row_new(j->st[s]))) return STROM_ENOMEM;
  if (l->buf->schema != j->st[s]) {
    strom_row_free(l->buf);
    if (!(l->buf = strom_row_new(j->st[s]))) return STROM_ENOMEM;
  }
  for (int i = 0; i < in->ncols; i++) l->buf->nulls[i] = in->nulls[i], l->buf->v[i] = in->v[i];
  l->buf->nulls[j->flag[s]] = 0;
  l->buf->v[j->flag[s]].i = matched;
  if ((rc = strom_state_add(l->rows[s], l->buf))) return rc;
  int64_t expiry = s == 0 ? t + j->upper : t - j->lower;
  return strom_ctx_register_event_timer(ctx, expiry > wm ? expiry : wm + 1);
}

static int oj_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  const ojoin *j = strom_ctx_data(ctx);
  olocal *l = strom_ctx_local(ctx);
  for (int s = 0; s < 2; s++) {
    size_t n, kept = 0;
    int rc = load(j, l, s, &n);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
      strom_row *r = l->pool[i];
      int64_t t = r->v[j->tcol[s]].i, expiry = s == 0 ? t + j->upper : t - j->lower;
      if (expiry > time) {
        l->pool[i] = l->pool[kept], l->pool[kept++] = r;
        continue;
      }
      if (j->outer[s] && !r->v[j->flag[s]].i) {
        fill(j, l->joined, s == 0 ? r : NULL, s == 0 ? NULL : r);
        if ((rc = emit(l, out, t))) return rc;
      }
    }
    if (kept == n) continue;
    if (kept) rc = strom_state_list_update(l->rows[s], (const strom_row *const *)l->pool, kept);
    else strom_state_clear(l->rows[s]);
    if (rc) return rc;
  }
  return STROM_OK;
}

strom_stream *sql_outer_interval_join(sql_build *b, const sql_plan *p, strom_keyed *kl, strom_keyed *kr,
                                      const strom_schema *ls, const strom_schema *rs, const strom_schema *out) {
  const sql_join *sj = p->join;
  ojoin *j = sql_arena_alloc(&b->arena, sizeof *j);
  if (!j) return NULL;
  strom_schema *st[2] = {with_flag(ls), with_flag(rs)};
  for (int s = 0; s < 2; s++) {
    if (!st[s] || sql_build_own(b, st[s], (void (*)(void *))strom_schema_free)) {
      strom_schema_free(st[s]);
      if (s == 0) strom_schema_free(st[1]);
      return NULL;
    }
    j->st[s] = st[s];
    j->flag[s] = st[s]->ncols - 1;
  }
  j->outer[0] = sj->type == SQL_J_LEFT || sj->type == SQL_J_FULL;
  j->outer[1] = sj->type == SQL_J_RIGHT || sj->type == SQL_J_FULL;
  j->ncols[0] = p->in->ncols, j->ncols[1] = p->in2->ncols;
  j->tcol[0] = sj->ltime, j->tcol[1] = sj->rtime;
  j->lower = sj->lower, j->upper = sj->upper;
  j->residual = sj->residual;
  j->out = out;
  strom_process_def d = {.open = oj_open, .process = oj_process, .close = oj_close, .on_timer = oj_timer, .data = j,
                         .out_schema = out};
  return strom_set_name(strom_keyed_co_process(kl, kr, &d), "IntervalJoin");
}
