/*
 * op_join.c -- joins of two keyed streams in event time.
 *
 * Window join: each side's records are kept, with their timestamps, in a list state per
 * window; when the watermark passes the window's end a timer joins every left record
 * with every right record of the key and clears the window.
 *
 * Interval join (Flink's IntervalJoinOperator): each side keeps its records in a list
 * state per timestamp plus a map of the timestamps it holds.  A new record is joined
 * with the other side's buffered records whose time lies in its interval, then
 * buffered itself until a cleanup timer says no future record of the other side can
 * match it (left at t + upper, right at t - lower).  A record older than the watermark
 * is late and dropped, as in Flink.
 */
#include "../state/state.h"
#include "keyed.h"
#include "snapshot.h"

typedef struct join_conf {
  strom_join_fn fn;
  bool interval;
  strom_window_assigner assigner;
  int64_t lower, upper;
  int *keycols[2], nkey[2];
  strom_schema *stamped[2], *ts_schema, *n_schema;
} join_conf;

typedef struct join_state {
  strom_keyed keyed;
  strom_state *rows[2];  /* stamped records: namespace = window (16 bytes) or timestamp (8) */
  strom_state *times[2]; /* interval join: timestamps held per side (ts -> count) */
  strom_row *stamp[2], *view[2], *other, *ts_key, *count;
  strom_row **pool;
  size_t npool;
  int64_t late;
} join_state;

static inline join_conf *conf(strom_op *op) { return op->conf; }

static int call_join(strom_op *op, const strom_row *l, const strom_row *r, int64_t time) {
  op->out.time = time;
  op->ctx.timestamp = time;
  int rc = conf(op)->fn(&op->ctx, l, r, &op->out);
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

/* ---- window join ---- */

static int64_t floor_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

static int window_add(strom_op *op, int side, const strom_row *in) {
  join_conf *c = conf(op);
  join_state *st = op->state;
  const strom_window_assigner *a = &c->assigner;
  int64_t ts = in->time, slide = a->kind == STROM_WINDOW_SLIDING ? a->slide_ms : a->size_ms;
  int64_t last = ts - floor_mod(ts - a->offset_ms, slide);
  bool placed = false;
  strom__row_stamp(st->stamp[side], in);
  for (int64_t s = last; s > ts - a->size_ms; s -= slide) {
    int64_t end = s + a->size_ms, max = end - 1;
    if (max <= op->ctx.watermark) continue;
    placed = true;
    uint8_t ns[16];
    memcpy(ns, &s, 8);
    memcpy(ns + 8, &end, 8);
    int rc = strom__state_set_namespace(st->rows[side], ns, 16);
    if (!rc) rc = strom_state_add(st->rows[side], st->stamp[side]);
    if (!rc) rc = strom__keyed_timer_add(&st->keyed, STROM_EVENT_TIME, max, ns, 16);
    if (rc) return rc;
  }
  if (!placed) st->late++;
  return STROM_OK;
}

/* Copies side's list (current namespace) into owned rows of the pool from index base. */
static int load(strom_op *op, int side, size_t base, size_t *n) {
  join_state *st = op->state;
  *n = strom_state_list_size(st->rows[side]);
  if (base + *n > st->npool) {
    strom_row **p = strom__realloc(st->pool, (base + *n) * sizeof *p);
    if (!p) return STROM_ENOMEM;
    st->pool = p;
    for (size_t i = st->npool; i < base + *n; i++) st->pool[i] = NULL;
    st->npool = base + *n;
  }
  const strom_schema *s = strom__jg_input_schema(op->task->job->graph, op->node, side);
  for (size_t i = 0; i < *n; i++) {
    strom_row **d = &st->pool[base + i];
    if (*d && (*d)->schema != s) {
      strom_row_free(*d);
      *d = NULL;
    }
    if (!*d && !(*d = strom_row_new(s))) return STROM_ENOMEM;
    const strom_row *r = strom_state_list_get(st->rows[side], i);
    if (!r) return STROM_ENOMEM;
    strom__row_unstamp(*d, r);
    int rc = strom__row_own_strings(*d);
    if (rc) return rc;
  }
  return STROM_OK;
}

static int window_fire(strom_op *op, const strom_timer *t) {
  join_state *st = op->state;
  const uint8_t *ns = t->bytes + t->klen;
  size_t nl = 0, nr = 0;
  int rc = STROM_OK;
  for (int side = 0; side < 2 && !rc; side++) rc = strom__state_set_namespace(st->rows[side], ns, 16);
  if (!rc) rc = load(op, 0, 0, &nl);
  if (!rc) rc = load(op, 1, nl, &nr);
  memcpy(&op->ctx.win_start, ns, 8);
  memcpy(&op->ctx.win_end, ns + 8, 8);
  for (size_t i = 0; i < nl && !rc; i++)
    for (size_t j = 0; j < nr && !rc; j++) rc = call_join(op, st->pool[i], st->pool[nl + j], t->time);
  strom_state_clear(st->rows[0]);
  strom_state_clear(st->rows[1]);
  return rc;
}

/* ---- interval join ---- */

static int set_ts_ns(strom_state *s, int64_t ts) { return strom__state_set_namespace(s, &ts, 8); }

static int interval_add(strom_op *op, int side, const strom_row *in) {
  join_conf *c = conf(op);
  join_state *st = op->state;
  int64_t ts = in->time;
  if (ts < op->ctx.watermark) {
    st->late++;
    return STROM_OK;
  }
  int other = 1 - side;
  /* The other side's times that match: right in [ts + lower, ts + upper] for a left
   * record; left in [ts - upper, ts - lower] for a right one. */
  int64_t lo = side == 0 ? ts + c->lower : ts - c->upper, hi = side == 0 ? ts + c->upper : ts - c->lower;
  size_t pos = 0;
  const strom_row *k, *v;
  int64_t match[256];
  size_t nmatch = 0;
  int rc = STROM_OK;
  /* Collect the matching times first: the list reads below must not interleave with
   * the map iteration's views. */
  while (strom_state_map_next(st->times[other], &pos, &k, &v) == 1) {
    int64_t t = strom_row_get_bigint(k, 0);
    if (t < lo || t > hi) continue;
    if (nmatch == sizeof match / sizeof *match) {
      rc = strom__op_fail(op, STROM_ENOTSUP, "interval join: more than %zu distinct matching timestamps for one key", nmatch);
      return rc;
    }
    match[nmatch++] = t;
  }
  for (size_t m = 0; m < nmatch && !rc; m++) {
    size_t n;
    if ((rc = set_ts_ns(st->rows[other], match[m]))) break;
    if ((rc = load(op, other, 0, &n))) break;
    for (size_t i = 0; i < n && !rc; i++) {
      const strom_row *o = st->pool[i];
      int64_t t = ts > o->time ? ts : o->time;
      rc = side == 0 ? call_join(op, in, o, t) : call_join(op, o, in, t);
    }
  }
  if (rc) return rc;
  /* Buffer the record under its time, count it in the time map, and schedule its cleanup. */
  strom__row_stamp(st->stamp[side], in);
  if ((rc = set_ts_ns(st->rows[side], ts)) || (rc = strom_state_add(st->rows[side], st->stamp[side]))) return rc;
  strom_row_set_bigint(st->ts_key, 0, ts);
  const strom_row *cur = strom_state_map_get(st->times[side], st->ts_key);
  strom_row_set_bigint(st->count, 0, cur ? strom_row_get_bigint(cur, 0) + 1 : 1);
  if ((rc = strom_state_map_put(st->times[side], st->ts_key, st->count))) return rc;
  int64_t cleanup = side == 0 ? ts + (c->upper > 0 ? c->upper : 0) : ts - (c->lower < 0 ? c->lower : 0);
  uint8_t ns[9] = {(uint8_t)side};
  memcpy(ns + 1, &ts, 8);
  return strom__keyed_timer_add(&st->keyed, STROM_EVENT_TIME, cleanup, ns, 9);
}

static int interval_cleanup(strom_op *op, const strom_timer *t) {
  join_state *st = op->state;
  const uint8_t *ns = t->bytes + t->klen;
  int side = ns[0];
  int64_t ts;
  memcpy(&ts, ns + 1, 8);
  if (side > 1) return STROM_OK;
  int rc = set_ts_ns(st->rows[side], ts);
  if (rc) return rc;
  strom_state_clear(st->rows[side]);
  strom_row_set_bigint(st->ts_key, 0, ts);
  return strom_state_map_remove(st->times[side], st->ts_key);
}

/* ---- the operator ---- */

static int join_on_timer(strom_op *op, const strom_timer *t, int domain) {
  if (domain != STROM_EVENT_TIME) return STROM_OK;
  if (conf(op)->interval) return t->nslen == 9 ? interval_cleanup(op, t) : STROM_OK;
  return t->nslen == 16 ? window_fire(op, t) : STROM_OK;
}

static int join_process(strom_op *op, int input, const strom_row *in) {
  join_state *st = op->state;
  if (STROM_UNLIKELY(in->time == STROM_NO_TIMESTAMP))
    return strom__op_fail(op, STROM_EINVAL, "a record has no event timestamp: use strom_assign_timestamps before a join");
  int rc = strom__keyed_set_key_from_row(&st->keyed, input, in);
  if (rc) return rc;
  op->ctx.timestamp = in->time;
  return conf(op)->interval ? interval_add(op, input, in) : window_add(op, input, in);
}

static int join_watermark(strom_op *op, int64_t wm) {
  join_state *st = op->state;
  int rc = strom__keyed_advance_watermark(&st->keyed, wm);
  return rc ? rc : strom__op_forward_watermark(op, wm);
}

static int join_open(strom_op *op) {
  join_conf *c = conf(op);
  join_state *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  int rc = strom__keyed_init(&st->keyed, op, c->keycols[0], c->nkey[0], c->keycols[1], c->nkey[1], join_on_timer);
  if (rc) return strom__op_fail(op, rc, "cannot set up keyed state: %s", strom_strerror(rc));
  static const char *names[2][2] = {{"join-left", "join-right"}, {"join-left-times", "join-right-times"}};
  char err[256] = "";
  for (int side = 0; side < 2; side++) {
    strom_state_desc d = {.name = names[0][side], .kind = STROM_STATE_LIST, .schema = c->stamped[side]};
    if (!(st->rows[side] = strom__kstate_register(op->kstate, &d, &op->ctx, err, sizeof err)))
      return strom__op_fail(op, STROM_ESTATE, "join state: %s", err);
    if (!(st->stamp[side] = strom_row_new(c->stamped[side]))) return STROM_ENOMEM;
    if (!c->interval) continue;
    strom_state_desc m = {.name = names[1][side], .kind = STROM_STATE_MAP, .schema = c->n_schema, .map_key_schema = c->ts_schema};
    if (!(st->times[side] = strom__kstate_register(op->kstate, &m, &op->ctx, err, sizeof err)))
      return strom__op_fail(op, STROM_ESTATE, "join state: %s", err);
  }
  st->ts_key = strom_row_new(c->ts_schema);
  st->count = strom_row_new(c->n_schema);
  return st->ts_key && st->count ? STROM_OK : STROM_ENOMEM;
}

static void join_close(strom_op *op) {
  join_state *st = op->state;
  if (!st) return;
  if (st->late)
    strom__log(STROM_LOG_WARN, "%s (subtask %d): dropped %lld late records", op->node->name, op->ctx.subtask + 1,
               (long long)st->late);
  for (size_t i = 0; i < st->npool; i++) strom_row_free(st->pool[i]);
  free(st->pool);
  for (int side = 0; side < 2; side++) strom_row_free(st->stamp[side]);
  strom_row_free(st->ts_key);
  strom_row_free(st->count);
  strom__keyed_destroy(&st->keyed);
  free(st);
}

static void join_conf_free(void *p) {
  join_conf *c = p;
  for (int i = 0; i < 2; i++) {
    free(c->keycols[i]);
    strom_schema_free(c->stamped[i]);
  }
  strom_schema_free(c->ts_schema);
  strom_schema_free(c->n_schema);
  free(c);
}


/* Checkpoints: everything is keyed state and timers. */
static int join_snapshot(strom_op *op, int64_t id, strom_snapshot *snap) {
  (void)id;
  return strom__keyed_snapshot(&((join_state *)op->state)->keyed, snap);
}

static int join_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  return strom__keyed_restore(&((join_state *)op->state)->keyed, r, kg_lo, kg_hi);
}

const strom_op_vt strom__op_join = {.kind = "Join",
                                    .open = join_open,
                                    .process = join_process,
                                    .watermark = join_watermark,
                                    .close = join_close,
                                    .free_conf = join_conf_free,
    .snapshot = join_snapshot,
    .restore = join_restore};

void *strom__join_conf(bool interval, const strom_window_assigner *a, int64_t lower, int64_t upper, strom_join_fn fn,
                       const strom_schema *left, const strom_schema *right, const int *const keys[2],
                       const int nkey[2], char *err, size_t errlen) {
  const char *why = NULL;
  if (!fn) why = "the join function is NULL";
  else if (interval && lower > upper) why = "interval join: lower bound above upper bound";
  else if (!interval && a->kind != STROM_WINDOW_TUMBLING && a->kind != STROM_WINDOW_SLIDING)
    why = "window join supports tumbling and sliding windows (session window joins are not supported yet)";
  else if (!interval && a->processing_time) why = "window join is in event time only";
  else if (!interval && (a->size_ms <= 0 || (a->kind == STROM_WINDOW_SLIDING && (a->slide_ms <= 0 || a->slide_ms > a->size_ms))))
    why = "window join: size must be positive and the slide in (0, size]";
  if (why) {
    snprintf(err, errlen, "%s", why);
    return NULL;
  }
  join_conf *c = strom__calloc(1, sizeof *c);
  if (!c) return NULL;
  c->fn = fn;
  c->interval = interval;
  if (a) c->assigner = *a;
  c->lower = lower;
  c->upper = upper;
  const strom_schema *in[2] = {left, right};
  bool ok = true;
  for (int i = 0; i < 2; i++) {
    c->keycols[i] = strom__malloc((size_t)nkey[i] * sizeof(int));
    c->stamped[i] = strom__schema_with_time(in[i]);
    ok &= c->keycols[i] && c->stamped[i];
    if (c->keycols[i]) memcpy(c->keycols[i], keys[i], (size_t)nkey[i] * sizeof(int));
    c->nkey[i] = nkey[i];
  }
  c->ts_schema = strom_schema_parse("ts BIGINT", NULL, 0);
  c->n_schema = strom_schema_parse("n BIGINT", NULL, 0);
  if (!ok || !c->ts_schema || !c->n_schema) {
    join_conf_free(c);
    return NULL;
  }
  return c;
}
