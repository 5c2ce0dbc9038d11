/*
 * op_window.c -- keyed windows (Flink's WindowOperator and EvictingWindowOperator).
 *
 * For each record the assigner names its windows ([start, end), end exclusive, whose
 * max timestamp is end - 1).  The window's contents live in keyed state under the
 * window as namespace: a reducing or aggregating state when the function folds
 * records incrementally, else a list of the records (also whenever an evictor must
 * see them).  The trigger decides when a window fires: the event-time trigger
 * registers a timer at the window's max timestamp and fires when the watermark
 * passes it (or at once for a late record within the allowed lateness, which
 * updates the result); a cleanup timer at max timestamp + allowed lateness clears the
 * window.  A record whose windows are all past cleanup goes to the late side output.
 * Session windows are merged per key as records arrive: the windows of a key are kept
 * in a small list state, and overlapping windows fold their contents into the merged
 * one.
 */
#include "../state/state.h"
#include "keyed.h"
#include "snapshot.h"

typedef struct win {
  int64_t start, end;
} win;

/* Flink's TimeWindow.intersects: touching windows merge too. */
static bool intersects(win a, win b) { return a.start <= b.end && a.end >= b.start; }

typedef struct window_conf {
  strom_window_def def;
  int *keycols, nkey;
  int trigger; /* the effective trigger kind; -1: never fires */
  bool event_time, list_mode, merging;
  strom_schema *count_schema, *sess_schema;
  /* List mode stores each record with its timestamp as an extra last column, so
   * evictors and window functions see the record's time. */
  strom_schema *list_schema;
} window_conf;

typedef struct window_state {
  strom_keyed keyed;
  strom_state *contents, *aux, *sessions;
  strom_row *aux_row, *sess_row;
  strom_row **pool; /* owned copies of a list window's rows */
  size_t npool;
  strom_row *acc, *acc2, *result;
  strom_row *stamped; /* a record plus its timestamp, for the list state */
  int64_t late_dropped;
} window_state;

#define GLOBAL_START INT64_MIN
#define GLOBAL_END INT64_MAX

static inline int64_t max_ts(win w) { return w.end == GLOBAL_END ? INT64_MAX : w.end - 1; }

static int64_t cleanup_time(const window_conf *c, win w) {
  if (w.end == GLOBAL_END) return INT64_MAX;
  int64_t m = max_ts(w);
  if (!c->event_time) return m;
  int64_t l = c->def.allowed_lateness_ms;
  return m > INT64_MAX - l ? INT64_MAX : m + l;
}

/* Flink fires a processing-time timer for t only once the clock has passed t (its
 * processing-time service delays every timer by 1 ms, as a watermark t means nothing
 * at or before t is to come).  The task's timers fire when the clock reaches t, so a
 * window's timer at its max timestamp would fire while rows of its last millisecond
 * still arrive, and each would fire the window again: this operator's processing-time
 * timers are kept at t + 1 and read back as t in window_on_timer. */
static inline int64_t pt_at(int domain, int64_t t) {
  return domain == STROM_PROCESSING_TIME && t != INT64_MAX ? t + 1 : t;
}

static int64_t floor_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

/* Flink's TimeWindow.getWindowStartWithOffset. */
static int64_t window_start(int64_t ts, int64_t offset, int64_t size) { return ts - floor_mod(ts - offset, size); }

static void ns_of(win w, uint8_t ns[16]) {
  memcpy(ns, &w.start, 8);
  memcpy(ns + 8, &w.end, 8);
}

static win win_of(const uint8_t *ns) {
  win w;
  memcpy(&w.start, ns, 8);
  memcpy(&w.end, ns + 8, 8);
  return w;
}

static int set_ns(strom_state *s, win w) {
  uint8_t ns[16];
  ns_of(w, ns);
  return strom__state_set_namespace(s, ns, 16);
}

static inline window_conf *conf(strom_op *op) { return op->conf; }

/* ---- emitting a window ---- */

static int pool_reserve(window_state *st, const strom_schema *s, size_t n) {
  if (n <= st->npool) return STROM_OK;
  strom_row **p = strom__realloc(st->pool, n * sizeof *p);
  if (!p) return STROM_ENOMEM;
  st->pool = p;
  for (; st->npool < n; st->npool++)
    if (!(st->pool[st->npool] = strom_row_new(s))) return STROM_ENOMEM;
  return STROM_OK;
}

/* Which rows [*lo, n) survive the evictor. */
static size_t evict_from(const strom_evictor *e, strom_row **rows, size_t n) {
  if (e->kind == STROM_EVICT_COUNT) return n > (size_t)e->count ? n - (size_t)e->count : 0;
  if (e->kind == STROM_EVICT_TIME && n) {
    int64_t newest = INT64_MIN;
    for (size_t i = 0; i < n; i++)
      if (rows[i]->time > newest) newest = rows[i]->time;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (rows[i]->time > newest - e->keep_ms) rows[k++] = rows[i];
    for (size_t i = k; i < n; i++) rows[i] = NULL;
    return n - k; /* survivors were compacted to the front: see the caller */
  }
  return 0;
}

static int emit_result(strom_op *op, const strom_row *r, win w) {
  window_conf *c = conf(op);
  op->ctx.win_start = w.start;
  op->ctx.win_end = w.end;
  op->out.time = max_ts(w);
  int rc;
  if (c->def.process) {
    const strom_row *one[1] = {r};
    rc = c->def.process(&op->ctx, one, 1, &op->out);
    return rc ? strom__op_user_error(op, rc) : STROM_OK;
  }
  strom_row *out = op->out.scratch;
  strom_row_copy(out, r);
  out->time = max_ts(w);
  return strom__emit(&op->out, out);
}

static const strom_row *stamp(window_state *st, const strom_row *in) {
  strom__row_stamp(st->stamped, in);
  return st->stamped;
}

/* Folds rows with the reduce or aggregate function into st->result. */
static int fold_rows(strom_op *op, strom_row *const *rows, size_t n, const strom_row **res) {
  window_conf *c = conf(op);
  window_state *st = op->state;
  int rc = STROM_OK;
  *res = NULL;
  if (!n) return STROM_OK;
  if (c->def.reduce) {
    strom_row_copy(st->acc, rows[0]);
    for (size_t i = 1; i < n && !rc; i++) {
      strom__row_reset(st->acc2);
      rc = c->def.reduce(&op->ctx, st->acc, rows[i], st->acc2);
      if (!rc) rc = strom_row_copy(st->acc, st->acc2);
      if (!rc) rc = strom__row_own_strings(st->acc);
    }
    *res = st->acc;
  } else {
    const strom_aggregate_def *a = c->def.aggregate;
    strom__row_reset(st->acc);
    rc = a->create ? a->create(&op->ctx, st->acc) : STROM_OK;
    for (size_t i = 0; i < n && !rc; i++) {
      strom_row_copy(st->acc2, st->acc);
      rc = a->add(&op->ctx, rows[i], st->acc, st->acc2);
      if (!rc) rc = strom_row_copy(st->acc, st->acc2);
      if (!rc) rc = strom__row_own_strings(st->acc);
    }
    strom__row_reset(st->result);
    if (!rc) rc = a->result(&op->ctx, st->acc, st->result);
    *res = st->result;
  }
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

static int fire_list(strom_op *op, win w) {
  window_conf *c = conf(op);
  window_state *st = op->state;
  size_t n = strom_state_list_size(st->contents);
  if (!n) return STROM_OK;
  int rc = pool_reserve(st, strom__jg_input_schema(op->task->job->graph, op->node, 0), n);
  if (rc) return rc;
  strom_row **rows = strom__malloc(n * sizeof *rows);
  if (!rows) return STROM_ENOMEM;
  for (size_t i = 0; i < n && !rc; i++) {
    const strom_row *r = strom_state_list_get(st->contents, i);
    strom_row *d = rows[i] = st->pool[i];
    if (!r) {
      rc = STROM_ENOMEM;
      break;
    }
    strom__row_unstamp(d, r);
    rc = strom__row_own_strings(d);
  }
  size_t lo = 0, m = n;
  const strom_evictor *e = &c->def.evictor;
  bool changed = false;
  if (!rc && e->kind && !e->after) {
    size_t gone = evict_from(e, rows, n);
    if (e->kind == STROM_EVICT_COUNT) lo = gone;
    m = n - gone;
    changed = gone > 0;
  }
  strom_row **live = rows + lo;
  op->ctx.win_start = w.start;
  op->ctx.win_end = w.end;
  op->out.time = max_ts(w);
  if (!rc && (c->def.reduce || c->def.aggregate)) {
    const strom_row *res;
    rc = fold_rows(op, live, m, &res);
    if (!rc && res) rc = emit_result(op, res, w);
  } else if (!rc) {
    rc = c->def.process(&op->ctx, (const strom_row *const *)live, m, &op->out);
    if (rc) rc = strom__op_user_error(op, rc);
  }
  if (!rc && e->kind && e->after) {
    size_t gone = evict_from(e, live, m);
    if (e->kind == STROM_EVICT_COUNT) live += gone;
    m -= gone;
    changed |= gone > 0;
  }
  if (!rc && changed) {
    /* Store the survivors again, each with its timestamp. */
    strom_state_clear(st->contents);
    for (size_t i = 0; i < m && !rc; i++) rc = strom_state_add(st->contents, stamp(st, live[i]));
  }
  free(rows);
  return rc;
}

static int fire(strom_op *op, win w) {
  window_conf *c = conf(op);
  window_state *st = op->state;
  /* The aggregate's result function may ask for the window: set it first. */
  op->ctx.win_start = w.start;
  op->ctx.win_end = w.end;
  int rc = set_ns(st->contents, w);
  if (rc) return rc;
  if (c->list_mode) rc = fire_list(op, w);
  else {
    const strom_row *r = strom_state_get(st->contents);
    if (r) rc = emit_result(op, r, w);
  }
  if (!rc && c->def.trigger.purging) strom_state_clear(st->contents);
  return rc;
}

static void clear_window(strom_op *op, win w) {
  window_state *st = op->state;
  if (!set_ns(st->contents, w)) strom_state_clear(st->contents);
  if (st->aux && !set_ns(st->aux, w)) strom_state_clear(st->aux);
}

/* ---- sessions ---- */

static int sessions_load(window_state *st, win *out, size_t cap, size_t *n) {
  strom__state_set_namespace(st->sessions, NULL, 0);
  size_t k = strom_state_list_size(st->sessions);
  if (k > cap) return STROM_ENOMEM;
  for (size_t i = 0; i < k; i++) {
    const strom_row *r = strom_state_list_get(st->sessions, i);
    out[i] = (win){strom_row_get_bigint(r, 0), strom_row_get_bigint(r, 1)};
  }
  *n = k;
  return STROM_OK;
}

static int sessions_store(window_state *st, const win *ws, size_t n) {
  strom_row **rows = strom__malloc((n ? n : 1) * sizeof *rows);
  if (!rows) return STROM_ENOMEM;
  int rc = STROM_OK;
  size_t made = 0;
  for (; made < n && !rc; made++) {
    rows[made] = strom_row_new(st->sess_row->schema);
    if (!rows[made]) {
      rc = STROM_ENOMEM;
      break;
    }
    strom_row_set_bigint(rows[made], 0, ws[made].start);
    strom_row_set_bigint(rows[made], 1, ws[made].end);
  }
  strom__state_set_namespace(st->sessions, NULL, 0);
  if (!rc) rc = n ? strom_state_list_update(st->sessions, (const strom_row *const *)rows, n) : (strom_state_clear(st->sessions), STROM_OK);
  for (size_t i = 0; i < made; i++) strom_row_free(rows[i]);
  free(rows);
  return rc;
}

static int register_timers(strom_op *op, win w);

/* Merges w with the key's overlapping sessions; *into receives the merged window. */
static int merge_session(strom_op *op, win w, win *into) {
  window_conf *c = conf(op);
  window_state *st = op->state;
  enum { MAXS = 1024 };
  win all[MAXS];
  size_t n;
  int rc = sessions_load(st, all, MAXS - 1, &n);
  if (rc) return strom__op_fail(op, rc, "too many open session windows for one key");
  win m = w;
  win keep[MAXS];
  size_t nkeep = 0;
  const void *srcs[MAXS];
  size_t slens[MAXS], nsrc = 0;
  uint8_t nsbuf[MAXS][16];
  bool same = false;
  for (size_t i = 0; i < n; i++) {
    win o = all[i];
    if (intersects(o, w)) {
      if (o.start < m.start) m.start = o.start;
      if (o.end > m.end) m.end = o.end;
    } else {
      keep[nkeep++] = o;
    }
  }
  for (size_t i = 0; i < n; i++) {
    win o = all[i];
    if (!intersects(o, w)) continue;
    if (o.start == m.start && o.end == m.end) {
      same = true;
      continue;
    }
    ns_of(o, nsbuf[nsrc]);
    srcs[nsrc] = nsbuf[nsrc];
    slens[nsrc++] = 16;
    /* The merged-away window's timers go; the merged window gets its own. */
    if (c->event_time) {
      strom__keyed_timer_del(&st->keyed, STROM_EVENT_TIME, max_ts(o), nsbuf[nsrc - 1], 16);
      strom__keyed_timer_del(&st->keyed, STROM_EVENT_TIME, cleanup_time(c, o), nsbuf[nsrc - 1], 16);
    } else {
      strom__keyed_timer_del(&st->keyed, STROM_PROCESSING_TIME, pt_at(STROM_PROCESSING_TIME, max_ts(o)), nsbuf[nsrc - 1], 16);
    }
  }
  if (nsrc) {
    uint8_t target[16];
    ns_of(m, target);
    rc = strom__state_merge_namespaces(st->contents, target, 16, srcs, slens, nsrc);
    if (rc) return strom__op_fail(op, rc, "merging session windows failed: %s", strom_strerror(rc));
    if (st->aux) {
      for (size_t i = 0; i < nsrc; i++) {
        strom__state_set_namespace(st->aux, srcs[i], 16);
        strom_state_clear(st->aux);
      }
    }
  }
  (void)same;
  keep[nkeep++] = m;
  if ((rc = sessions_store(st, keep, nkeep))) return rc;
  *into = m;
  if (nsrc && (rc = register_timers(op, m))) return rc;
  return STROM_OK;
}

/* Whether w overlaps one of the key's open sessions (each still before its cleanup). */
static bool session_joins(strom_op *op, win w) {
  window_state *st = op->state;
  enum { MAXS = 1024 };
  win all[MAXS];
  size_t n;
  if (sessions_load(st, all, MAXS, &n)) return false;
  for (size_t i = 0; i < n; i++)
    if (intersects(all[i], w) && cleanup_time(conf(op), all[i]) > op->ctx.watermark) return true;
  return false;
}

static int session_remove(strom_op *op, win w) {
  window_state *st = op->state;
  enum { MAXS = 1024 };
  win all[MAXS];
  size_t n, k = 0;
  int rc = sessions_load(st, all, MAXS, &n);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++)
    if (all[i].start != w.start || all[i].end != w.end) all[k++] = all[i];
  return k == n ? STROM_OK : sessions_store(st, all, k);
}

/* ---- triggers ---- */

static int register_timers(strom_op *op, win w) {
  window_conf *c = conf(op);
  window_state *st = op->state;
  uint8_t ns[16];
  ns_of(w, ns);
  int rc = STROM_OK;
  /* As Flink's EventTimeTrigger: a window whose end the watermark has passed fires on
   * the element itself, so it gets no timer (one would fire it a second time). */
  bool ev_trigger = c->trigger == STROM_TRIGGER_EVENT_TIME || c->trigger == STROM_TRIGGER_CONTINUOUS_EVENT_TIME;
  int domain = -1; /* of the trigger's timer, if one was added */
  if (ev_trigger && max_ts(w) > op->ctx.watermark)
    rc = strom__keyed_timer_add(&st->keyed, domain = STROM_EVENT_TIME, max_ts(w), ns, 16);
  else if (c->trigger == STROM_TRIGGER_PROCESSING_TIME || c->trigger == STROM_TRIGGER_CONTINUOUS_PROCESSING_TIME)
    rc = strom__keyed_timer_add(&st->keyed, domain = STROM_PROCESSING_TIME, pt_at(STROM_PROCESSING_TIME, max_ts(w)), ns, 16);
  if (rc || w.end == GLOBAL_END) return rc;
  /* The cleanup timer; without allowed lateness it is the trigger's own timer (the
   * timer service keeps one per key, namespace and time), so adding it again would
   * only look it up a second time. */
  int cdomain = c->event_time ? STROM_EVENT_TIME : STROM_PROCESSING_TIME;
  if (cdomain == domain && cleanup_time(c, w) == max_ts(w)) return STROM_OK;
  return strom__keyed_timer_add(&st->keyed, cdomain, pt_at(cdomain, cleanup_time(c, w)), ns, 16);
}

/* Count and continuous triggers keep a number per window in the aux state. */
static int64_t aux_get(window_state *st) {
  const strom_row *r = strom_state_get(st->aux);
  return r ? strom_row_get_bigint(r, 0) : INT64_MIN;
}

static int aux_set(window_state *st, int64_t v) {
  strom_row_set_bigint(st->aux_row, 0, v);
  return strom_state_update(st->aux, st->aux_row);
}

/* Decides whether w fires now that ts was added to it (Trigger.onElement). */
static int on_element(strom_op *op, win w, int64_t ts, bool *fire_now) {
  window_conf *c = conf(op);
  window_state *st = op->state;
  int64_t wm = op->ctx.watermark;
  *fire_now = false;
  int rc = register_timers(op, w);
  if (rc) return rc;
  switch (c->trigger) {
    case STROM_TRIGGER_EVENT_TIME: *fire_now = max_ts(w) <= wm; break;
    case STROM_TRIGGER_COUNT: {
      if ((rc = set_ns(st->aux, w))) return rc;
      int64_t n = aux_get(st);
      n = n == INT64_MIN ? 1 : n + 1;
      if (n >= c->def.trigger.count) {
        *fire_now = true;
        strom_state_clear(st->aux);
      } else {
        rc = aux_set(st, n);
      }
      break;
    }
    case STROM_TRIGGER_CONTINUOUS_EVENT_TIME:
    case STROM_TRIGGER_CONTINUOUS_PROCESSING_TIME: {
      bool ev = c->trigger == STROM_TRIGGER_CONTINUOUS_EVENT_TIME;
      if (ev && max_ts(w) <= wm) *fire_now = true;
      if ((rc = set_ns(st->aux, w))) return rc;
      if (aux_get(st) == INT64_MIN) {
        int64_t base = ev ? ts : strom__job_now(op->task->job), iv = c->def.trigger.interval_ms;
        int64_t next = base - floor_mod(base, iv) + iv;
        if (next > max_ts(w)) next = max_ts(w);
        uint8_t ns[16];
        ns_of(w, ns);
        if (!(rc = aux_set(st, next)))
          rc = strom__keyed_timer_add(&st->keyed, ev ? STROM_EVENT_TIME : STROM_PROCESSING_TIME,
                                      pt_at(ev ? STROM_EVENT_TIME : STROM_PROCESSING_TIME, next), ns, 16);
      }
      break;
    }
    default: break;
  }
  return rc;
}

/* A timer of window w fired (Trigger.onEventTime / onProcessingTime, then cleanup). */
static int window_on_timer(strom_op *op, const strom_timer *t, int domain) {
  window_conf *c = conf(op);
  window_state *st = op->state;
  if (t->nslen != 16) return STROM_OK;
  win w = win_of(t->bytes + t->klen);
  bool ev = domain == STROM_EVENT_TIME, do_fire = false;
  int rc = STROM_OK;
  strom_timer shifted = *t; /* a processing-time timer is kept 1 ms late (pt_at) */
  if (!ev && t->time != INT64_MAX) shifted.time = t->time - 1;
  t = &shifted;
  switch (c->trigger) {
    case STROM_TRIGGER_EVENT_TIME: do_fire = ev && t->time == max_ts(w); break;
    case STROM_TRIGGER_PROCESSING_TIME: do_fire = !ev && t->time == max_ts(w); break;
    case STROM_TRIGGER_CONTINUOUS_EVENT_TIME:
    case STROM_TRIGGER_CONTINUOUS_PROCESSING_TIME: {
      if (ev != (c->trigger == STROM_TRIGGER_CONTINUOUS_EVENT_TIME)) break;
      if (t->time == max_ts(w)) {
        do_fire = true;
        break;
      }
      if ((rc = set_ns(st->aux, w))) return rc;
      if (aux_get(st) == t->time) {
        do_fire = true;
        int64_t next = t->time + c->def.trigger.interval_ms;
        if (next > max_ts(w)) next = max_ts(w); /* as Flink: never past the window's end */
        if (!(rc = aux_set(st, next)))
          rc = strom__keyed_timer_add(&st->keyed, domain, pt_at(domain, next), t->bytes + t->klen, 16);
      }
      break;
    }
    default: break;
  }
  if (!rc && do_fire) rc = fire(op, w);
  bool cleanup = w.end != GLOBAL_END && t->time == cleanup_time(c, w) && ev == c->event_time;
  if (!rc && cleanup) {
    clear_window(op, w);
    if (c->merging) rc = session_remove(op, w);
  }
  return rc;
}

/* ---- the operator ---- */

static int assign(strom_op *op, const strom_row *in, int64_t ts, win *out, size_t cap, size_t *n) {
  const strom_window_assigner *a = &conf(op)->def.assigner;
  *n = 0;
  switch (a->kind) {
    case STROM_WINDOW_TUMBLING: {
      int64_t s = window_start(ts, a->offset_ms, a->size_ms);
      out[(*n)++] = (win){s, s + a->size_ms};
      break;
    }
    case STROM_WINDOW_SLIDING: {
      int64_t last = window_start(ts, a->offset_ms, a->slide_ms);
      for (int64_t s = last; s > ts - a->size_ms && *n < cap; s -= a->slide_ms) out[(*n)++] = (win){s, s + a->size_ms};
      break;
    }
    case STROM_WINDOW_SESSION: {
      int64_t gap = a->gap_fn ? a->gap_fn(&op->ctx, in) : a->gap_ms;
      if (gap <= 0) return strom__op_fail(op, STROM_EINVAL, "session window gap must be positive, got %lld", (long long)gap);
      out[(*n)++] = (win){ts, ts + gap};
      break;
    }
    case STROM_WINDOW_GLOBAL: out[(*n)++] = (win){GLOBAL_START, GLOBAL_END}; break;
  }
  return STROM_OK;
}

static int window_process(strom_op *op, int input, const strom_row *in) {
  window_conf *c = conf(op);
  window_state *st = op->state;
  int64_t ts = c->event_time ? in->time : strom__job_now(op->task->job);
  if (STROM_UNLIKELY(c->event_time && ts == STROM_NO_TIMESTAMP))
    return strom__op_fail(op, STROM_EINVAL,
                          "a record has no event timestamp: use strom_assign_timestamps before an event-time window");
  int rc = strom__keyed_set_key_from_row(&st->keyed, input, in);
  if (rc) return rc;
  op->ctx.timestamp = in->time;
  enum { MAXW = 4096 };
  win ws[64], *wp = ws;
  size_t cap = 64, n;
  if (c->def.assigner.kind == STROM_WINDOW_SLIDING) {
    size_t need = (size_t)(c->def.assigner.size_ms / c->def.assigner.slide_ms) + 1;
    if (need > cap) {
      if (!(wp = strom__malloc(need * sizeof *wp))) return STROM_ENOMEM;
      cap = need;
    }
  }
  rc = assign(op, in, ts, wp, cap, &n);
  bool placed = false;
  int64_t wm = op->ctx.watermark;
  for (size_t i = 0; i < n && !rc; i++) {
    win w = wp[i];
    /* Late for this window -- unless, as in Flink's merging window set, it joins a session
     * still open: the merged window is what must not be late. */
    if (c->event_time && cleanup_time(c, w) <= wm && !(c->merging && session_joins(op, w))) continue;
    if (c->merging && (rc = merge_session(op, w, &w))) break;
    placed = true;
    if ((rc = set_ns(st->contents, w))) break;
    rc = strom_state_add(st->contents, c->list_mode ? stamp(st, in) : in);
    if (rc) {
      rc = strom__op_user_error(op, rc);
      break;
    }
    bool now;
    if ((rc = on_element(op, w, ts, &now))) break;
    if (now) rc = fire(op, w);
  }
  if (wp != ws) free(wp);
  if (rc || placed || !n) return rc;
  if (c->def.late_tag) return strom__emit(&op->sides[c->def.late_tag->id], in);
  st->late_dropped++;
  return STROM_OK;
}

static int window_watermark(strom_op *op, int64_t wm) {
  window_state *st = op->state;
  int rc = strom__keyed_advance_watermark(&st->keyed, wm);
  return rc ? rc : strom__op_forward_watermark(op, wm);
}

static int window_open(strom_op *op) {
  window_conf *c = conf(op);
  window_state *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  int rc = strom__keyed_init(&st->keyed, op, c->keycols, c->nkey, NULL, 0, window_on_timer);
  if (rc) return strom__op_fail(op, rc, "cannot set up keyed state: %s", strom_strerror(rc));
  const strom_schema *in = strom__jg_input_schema(op->task->job->graph, op->node, 0);
  strom_state_desc d = {.name = "window-contents", .schema = c->list_mode ? c->list_schema : in};
  if (c->list_mode && !(st->stamped = strom_row_new(c->list_schema))) return STROM_ENOMEM;
  if (c->list_mode) d.kind = STROM_STATE_LIST;
  else if (c->def.reduce) d.kind = STROM_STATE_REDUCING, d.reduce = c->def.reduce;
  else d.kind = STROM_STATE_AGGREGATING, d.aggregate = c->def.aggregate;
  char err[256] = "";
  st->contents = strom__kstate_register(op->kstate, &d, &op->ctx, err, sizeof err);
  if (!st->contents) return strom__op_fail(op, STROM_ESTATE, "window state: %s", err);
  if (c->trigger == STROM_TRIGGER_COUNT || c->trigger == STROM_TRIGGER_CONTINUOUS_EVENT_TIME ||
      c->trigger == STROM_TRIGGER_CONTINUOUS_PROCESSING_TIME) {
    strom_state_desc a = {.name = "window-trigger", .kind = STROM_STATE_VALUE, .schema = c->count_schema};
    if (!(st->aux = strom__kstate_register(op->kstate, &a, &op->ctx, err, sizeof err)))
      return strom__op_fail(op, STROM_ESTATE, "window state: %s", err);
    if (!(st->aux_row = strom_row_new(c->count_schema))) return STROM_ENOMEM;
  }
  if (c->merging) {
    strom_state_desc a = {.name = "window-sessions", .kind = STROM_STATE_LIST, .schema = c->sess_schema};
    if (!(st->sessions = strom__kstate_register(op->kstate, &a, &op->ctx, err, sizeof err)))
      return strom__op_fail(op, STROM_ESTATE, "window state: %s", err);
    if (!(st->sess_row = strom_row_new(c->sess_schema))) return STROM_ENOMEM;
  }
  const strom_schema *acc = c->def.aggregate ? c->def.aggregate->acc_schema : in;
  st->acc = strom_row_new(acc);
  st->acc2 = strom_row_new(acc);
  st->result = strom_row_new(c->def.aggregate ? c->def.aggregate->out_schema : in);
  if (!st->acc || !st->acc2 || !st->result) return STROM_ENOMEM;
  return STROM_OK;
}

static void window_close(strom_op *op) {
  window_state *st = op->state;
  if (!st) return;
  if (st->late_dropped)
    strom__log(STROM_LOG_WARN, "%s (subtask %d): dropped %lld late records", op->node->name, op->ctx.subtask + 1,
               (long long)st->late_dropped);
  for (size_t i = 0; i < st->npool; i++) strom_row_free(st->pool[i]);
  free(st->pool);
  strom_row_free(st->aux_row);
  strom_row_free(st->sess_row);
  strom_row_free(st->acc);
  strom_row_free(st->acc2);
  strom_row_free(st->result);
  strom_row_free(st->stamped);
  strom__keyed_destroy(&st->keyed);
  free(st);
}

static void window_conf_free(void *p) {
  window_conf *c = p;
  free(c->keycols);
  strom_schema_free(c->count_schema);
  strom_schema_free(c->sess_schema);
  strom_schema_free(c->list_schema);
  free(c);
}


/* Checkpoints: everything is keyed state and timers. */
static int window_snapshot(strom_op *op, int64_t id, strom_snapshot *snap) {
  (void)id;
  return strom__keyed_snapshot(&((window_state *)op->state)->keyed, snap);
}

static int window_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  return strom__keyed_restore(&((window_state *)op->state)->keyed, r, kg_lo, kg_hi);
}

const strom_op_vt strom__op_window = {.kind = "Window",
                                      .open = window_open,
                                      .process = window_process,
                                      .watermark = window_watermark,
                                      .close = window_close,
                                      .free_conf = window_conf_free,
    .snapshot = window_snapshot,
    .restore = window_restore};

/* Validates def against the input schema and builds the configuration. */
void *strom__window_conf(const strom_window_def *def, const strom_schema *in, const int *keycols, int nkey,
                         const strom_schema **out_schema, char *err, size_t errlen) {
  const strom_window_assigner *a = &def->assigner;
  const char *why = NULL;
  int fns = !!def->reduce + !!def->aggregate;
  if (a->kind < STROM_WINDOW_TUMBLING || a->kind > STROM_WINDOW_GLOBAL) why = "unknown window assigner";
  else if ((a->kind == STROM_WINDOW_TUMBLING || a->kind == STROM_WINDOW_SLIDING) && a->size_ms <= 0) why = "window size must be positive";
  else if (a->kind == STROM_WINDOW_SLIDING && (a->slide_ms <= 0 || a->slide_ms > a->size_ms)) why = "slide must be positive and at most the size";
  else if (a->kind == STROM_WINDOW_SLIDING && a->size_ms / a->slide_ms > 100000) why = "a record would be in more than 100000 sliding windows";
  else if (a->kind == STROM_WINDOW_SESSION && a->gap_ms <= 0 && !a->gap_fn) why = "session windows need a positive gap or a gap function";
  else if (a->offset_ms && (a->offset_ms < 0 || a->offset_ms >= (a->kind == STROM_WINDOW_SLIDING ? a->slide_ms : a->size_ms))) why = "the offset must be in [0, size) (tumbling) or [0, slide) (sliding)";
  else if (fns > 1) why = "give reduce or aggregate, not both";
  else if (!fns && !def->process) why = "give a reduce, aggregate or process function";
  else if (def->aggregate && (!def->aggregate->add || !def->aggregate->result || !def->aggregate->acc_schema || !def->aggregate->out_schema)) why = "an aggregate needs add, result, acc_schema and out_schema";
  else if (def->process && !def->out_schema) why = "a process window function needs out_schema";
  else if (def->allowed_lateness_ms < 0) why = "allowed lateness must be >= 0";
  else if (def->trigger.kind == STROM_TRIGGER_COUNT && def->trigger.count <= 0) why = "a count trigger needs count > 0";
  else if ((def->trigger.kind == STROM_TRIGGER_CONTINUOUS_EVENT_TIME || def->trigger.kind == STROM_TRIGGER_CONTINUOUS_PROCESSING_TIME) && def->trigger.interval_ms <= 0) why = "a continuous trigger needs interval_ms > 0";
  else if (def->evictor.kind == STROM_EVICT_COUNT && def->evictor.count <= 0) why = "a count evictor needs count > 0";
  else if (def->late_tag && !strom__schema_compatible(def->late_tag->schema, in)) why = "the late-data tag's schema must be the input's";
  if (why) {
    snprintf(err, errlen, "window: %s", why);
    return NULL;
  }
  window_conf *c = strom__calloc(1, sizeof *c);
  if (!c) return NULL;
  c->def = *def;
  c->event_time = !a->processing_time && a->kind != STROM_WINDOW_GLOBAL;
  c->merging = a->kind == STROM_WINDOW_SESSION;
  c->list_mode = (!def->reduce && !def->aggregate) || def->evictor.kind != STROM_EVICT_NONE;
  c->trigger = def->trigger.kind;
  if (c->trigger == STROM_TRIGGER_DEFAULT)
    c->trigger = a->kind == STROM_WINDOW_GLOBAL ? -1 : a->processing_time ? STROM_TRIGGER_PROCESSING_TIME : STROM_TRIGGER_EVENT_TIME;
  if (a->kind == STROM_WINDOW_GLOBAL && a->processing_time) c->event_time = false;
  c->keycols = strom__malloc((size_t)nkey * sizeof(int));
  c->count_schema = strom_schema_parse("n BIGINT", NULL, 0);
  c->sess_schema = strom_schema_parse("window_start BIGINT, window_end BIGINT", NULL, 0);
  if (c->list_mode) c->list_schema = strom__schema_with_time(in);
  if (!c->keycols || !c->count_schema || !c->sess_schema || (c->list_mode && !c->list_schema)) {
    window_conf_free(c);
    return NULL;
  }
  memcpy(c->keycols, keycols, (size_t)nkey * sizeof(int));
  c->nkey = nkey;
  *out_schema = def->process ? def->out_schema : def->aggregate ? def->aggregate->out_schema : in;
  return c;
}
