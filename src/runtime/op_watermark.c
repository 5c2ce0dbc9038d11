/*
 * op_watermark.c -- timestamps and watermarks (Flink's TimestampsAndWatermarksOperator):
 * sets each record's event timestamp and generates watermarks by the strategy,
 * periodically (every interval of processing time) and, for punctuated strategies,
 * on events.  It also detects idleness: when no record arrives for idleness_ms it
 * marks its output idle so downstream watermarks do not wait for it, and active
 * again with the next record.  Watermarks from upstream are dropped, except the
 * final one that ends a bounded input.
 *
 * Watermark alignment (Flink 1.15+): members of an alignment group publish their
 * watermarks; every interval each member computes the group's minimum, and a member
 * whose watermark runs more than max_drift_ms ahead of it stops taking records (the
 * task waits, running its timers) until the others catch up.  An idle or finished
 * member does not hold the group back.
 */
#include <time.h>

#include "runtime.h"

typedef struct wm_conf {
  strom_watermark_strategy ws;
  int ts_col; /* -1: timestamp_fn or the record's own timestamp */
  strom_type_id ts_type;
} wm_conf;

typedef struct wm_state {
  int64_t max_ts, emitted, last_active_ms;
  uint64_t records, records_seen;
  bool idle;
  strom_align_group *group;
  int slot;
  int64_t allowed; /* alignment: the highest watermark this member may run ahead to */
} wm_state;

static void publish(wm_state *st) {
  if (st->group) atomic_store(&st->group->wm[st->slot], st->idle ? INT64_MAX : st->emitted);
}

static int64_t group_allowed(const wm_conf *c, wm_state *st) {
  int64_t min = INT64_MAX;
  int n = atomic_load(&st->group->n);
  for (int i = 0; i < n; i++) {
    int64_t w = atomic_load(&st->group->wm[i]);
    if (w < min) min = w;
  }
  /* A member that has not started or not published holds the group back (an input
   * that never sends anything needs idleness, as in Flink). */
  if (n < st->group->expected || min == INT64_MIN) return INT64_MIN;
  return min >= INT64_MAX - c->ws.max_drift_ms ? INT64_MAX : min + c->ws.max_drift_ms;
}

int64_t strom__wm_interval(const strom_watermark_strategy *ws, const strom_job_opts *o, bool *emit) {
  int64_t iv = ws->interval_ms > 0 ? ws->interval_ms : o->wm_interval_ms > 0 ? o->wm_interval_ms : 200;
  *emit = ws->interval_ms > 0 || o->wm_interval_ms >= 0;
  if (ws->idleness_ms > 0 && ws->idleness_ms / 2 < iv) iv = ws->idleness_ms / 2 > 0 ? ws->idleness_ms / 2 : 1;
  return iv;
}

static int64_t interval(const strom_op *op, bool *emit) {
  return strom__wm_interval(&((const wm_conf *)op->conf)->ws, &op->task->job->opts, emit);
}

static int emit_wm(strom_op *op, int64_t wm) {
  wm_state *st = op->state;
  if (wm <= st->emitted) return STROM_OK;
  st->emitted = wm;
  publish(st);
  op->ctx.watermark = wm;
  return strom__op_forward_watermark(op, wm);
}

static int periodic(strom_op *op, int64_t now) {
  wm_conf *c = op->conf;
  wm_state *st = op->state;
  int rc = STROM_OK;
  int64_t wm = INT64_MIN;
  if (st->max_ts != INT64_MIN) {
    if (c->ws.kind == STROM_WM_BOUNDED) wm = st->max_ts - c->ws.max_out_of_orderness_ms - 1;
    else if (c->ws.kind == STROM_WM_MONOTONOUS) wm = st->max_ts - 1;
  }
  if (c->ws.kind == STROM_WM_CUSTOM && c->ws.on_periodic) wm = c->ws.on_periodic(&op->ctx, st->max_ts);
  bool emit;
  int64_t iv = interval(op, &emit);
  if (wm != INT64_MIN && emit) rc = emit_wm(op, wm);
  if (!rc && c->ws.idleness_ms > 0) {
    if (st->records != st->records_seen) {
      st->records_seen = st->records;
      st->last_active_ms = now;
    } else if (!st->idle && now - st->last_active_ms >= c->ws.idleness_ms) {
      st->idle = true;
      publish(st);
      rc = strom__out_status(&op->out, true);
    }
  }
  if (st->group) st->allowed = group_allowed(c, st);
  if (rc) return rc;
  return strom__task_schedule(op->task, now + iv, periodic, op);
}

static int wm_open(strom_op *op) {
  wm_state *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  st->max_ts = st->emitted = INT64_MIN;
  int64_t now = strom__job_now(op->task->job);
  st->last_active_ms = now;
  wm_conf *c = op->conf;
  st->allowed = c->ws.alignment_group ? INT64_MIN : INT64_MAX; /* check the group at the first record */
  bool emit;
  int64_t iv = interval(op, &emit);
  if (c->ws.alignment_group && !emit) /* the members wait on each other's watermarks */
    return strom__op_fail(op, STROM_EINVAL,
                          "watermark alignment group '%s' needs periodic watermarks, which "
                          "pipeline.auto-watermark-interval = 0 turns off",
                          c->ws.alignment_group);
  if (c->ws.alignment_group) {
    st->group = strom__job_align_join(op->task->job, c->ws.alignment_group, &st->slot);
    if (!st->group)
      return strom__op_fail(op, STROM_ENOTSUP, "watermark alignment group '%s' has more than %d members",
                            c->ws.alignment_group, STROM_ALIGN_MAX_MEMBERS);
  }
  return strom__task_schedule(op->task, now + iv, periodic, op);
}

/* The watermark this member would have after a record at max_ts. */
static int64_t candidate(const wm_conf *c, const wm_state *st) {
  if (st->max_ts == INT64_MIN) return INT64_MIN;
  if (c->ws.kind == STROM_WM_BOUNDED) return st->max_ts - c->ws.max_out_of_orderness_ms - 1;
  if (c->ws.kind == STROM_WM_MONOTONOUS) return st->max_ts - 1;
  return st->emitted;
}

/* Alignment: before a record would carry this member's watermark more than the drift
 * past the group's minimum, publish that watermark and wait for the group. */
static int wait_for_group(strom_op *op, int64_t cand) {
  wm_conf *c = op->conf;
  wm_state *st = op->state;
  int rc = emit_wm(op, cand);
  for (st->allowed = group_allowed(c, st); !rc && cand > st->allowed; st->allowed = group_allowed(c, st)) {
    if (!(rc = strom__task_flush(op->task))) rc = strom__task_yield(op->task);
    struct timespec pause = {0, 1000000};
    nanosleep(&pause, NULL);
  }
  return rc;
}

static int wm_process(strom_op *op, int input, const strom_row *in) {
  STROM_UNUSED(input);
  wm_conf *c = op->conf;
  wm_state *st = op->state;
  int64_t ts;
  if (c->ts_col >= 0) {
    if (STROM_UNLIKELY(in->nulls[c->ts_col]))
      return strom__op_fail(op, STROM_EINVAL, "the timestamp column '%s' is NULL", in->schema->cols[c->ts_col].name);
    ts = in->v[c->ts_col].i;
  } else if (c->ws.timestamp_fn) {
    ts = c->ws.timestamp_fn(&op->ctx, in);
    if (STROM_UNLIKELY(op->task->err_op)) return op->task->err_rc; /* it called strom_ctx_fail */
  } else {
    ts = in->time;
  }
  st->records++;
  if (STROM_UNLIKELY(st->group)) {
    int64_t saved = st->max_ts;
    if (ts > st->max_ts) st->max_ts = ts;
    int64_t cand = candidate(c, st);
    st->max_ts = saved;
    if (cand > st->allowed) {
      int rc = wait_for_group(op, cand);
      if (rc) return rc;
    }
  }
  if (STROM_UNLIKELY(st->idle)) {
    st->idle = false;
    publish(st);
    int rc = strom__out_status(&op->out, false);
    if (rc) return rc;
  }
  if (ts > st->max_ts) st->max_ts = ts;
  int rc;
  if (in->time == ts) { /* the source already stamped it (nexmark, kafka): pass it on as it is */
    rc = strom__emit(&op->out, in);
  } else {
    strom_row *out = op->out.scratch;
    strom_row_copy(out, in);
    out->time = ts;
    rc = strom__emit(&op->out, out);
  }
  if (!rc && c->ws.on_event) {
    op->ctx.timestamp = ts;
    int64_t wm = c->ws.on_event(&op->ctx, in, ts);
    if (wm != INT64_MIN) rc = emit_wm(op, wm);
  }
  return rc;
}

static int wm_watermark(strom_op *op, int64_t wm) {
  return wm == INT64_MAX ? emit_wm(op, wm) : STROM_OK; /* also tells the group this member is done */
}

static void wm_close(strom_op *op) { free(op->state); }

static void wm_conf_free(void *p) {
  wm_conf *c = p;
  free((char *)c->ws.timestamp_column);
  free((char *)c->ws.alignment_group);
  free(c);
}

const strom_op_vt strom__op_watermarks = {.kind = "Timestamps/Watermarks",
                                          .open = wm_open,
                                          .process = wm_process,
                                          .watermark = wm_watermark,
                                          .close = wm_close,
                                          .free_conf = wm_conf_free};

/* Builds the operator's configuration; on error returns NULL and writes why. */
void *strom__watermark_conf(const strom_watermark_strategy *ws, const strom_schema *in, char *err, size_t errlen) {
  if (ws->kind < STROM_WM_MONOTONOUS || ws->kind > STROM_WM_CUSTOM) {
    snprintf(err, errlen, "watermark strategy: unknown kind %d", (int)ws->kind);
    return NULL;
  }
  if (ws->kind == STROM_WM_BOUNDED && ws->max_out_of_orderness_ms < 0) {
    snprintf(err, errlen, "watermark strategy: max_out_of_orderness_ms must be >= 0");
    return NULL;
  }
  if (ws->kind == STROM_WM_CUSTOM && !ws->on_event && !ws->on_periodic) {
    snprintf(err, errlen, "watermark strategy: a custom strategy needs on_event or on_periodic");
    return NULL;
  }
  wm_conf *c = strom__calloc(1, sizeof *c);
  if (!c) return NULL;
  c->ws = *ws;
  c->ws.timestamp_column = NULL;
  c->ws.alignment_group = NULL;
  c->ts_col = -1;
  if (ws->timestamp_column) {
    c->ts_col = strom_schema_find(in, ws->timestamp_column);
    c->ts_type = strom_schema_col_type(in, c->ts_col);
    if (c->ts_col < 0 || (c->ts_type != STROM_TIMESTAMP && c->ts_type != STROM_BIGINT)) {
      snprintf(err, errlen, "watermark strategy: '%s' is not a TIMESTAMP(3) or BIGINT column", ws->timestamp_column);
      free(c);
      return NULL;
    }
    c->ws.timestamp_column = strom__strdup(ws->timestamp_column);
  }
  if (ws->alignment_group) {
    if (ws->max_drift_ms < 0) {
      snprintf(err, errlen, "watermark strategy: max_drift_ms must be >= 0");
      free((char *)c->ws.timestamp_column);
      free(c);
      return NULL;
    }
    c->ws.alignment_group = strom__strdup(ws->alignment_group);
  }
  return c;
}

const char *strom__watermark_group(const void *conf) { return ((const wm_conf *)conf)->ws.alignment_group; }
