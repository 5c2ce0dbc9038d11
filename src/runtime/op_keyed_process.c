/*
 * op_keyed_process.c -- keyed process functions, with one input or two
 * (Flink's KeyedProcessFunction and KeyedCoProcessFunction): before each record the
 * current key is set from the record, so keyed state and timers in the user function
 * belong to that key; fired timers call on_timer with the timer's key set.  A function
 * that buffers rows in memory (the SQL layer's mini-batch aggregation) empties its
 * buffer through flush before a watermark, a checkpoint's snapshot and finish, and
 * sets the key of each buffered group with strom__ctx_set_key (or _from_row).
 */
#include "keyed.h"
#include "snapshot.h"

typedef struct kp_state {
  strom_keyed keyed;
} kp_state;

static inline strom_fn_conf *conf(strom_op *op) { return op->conf; }

static int kp_on_timer(strom_op *op, const strom_timer *t, int domain) {
  const strom_process_def *d = &conf(op)->def;
  if (!d->on_timer) return STROM_OK;
  op->ctx.timestamp = t->time;
  op->ctx.timer_domain = domain;
  /* Event-time timer output carries the timer's time, as in Flink. */
  op->out.time = domain == STROM_EVENT_TIME ? t->time : STROM_NO_TIMESTAMP;
  int rc = d->on_timer(&op->ctx, t->time, &op->out);
  op->ctx.timer_domain = 0;
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

static int kp_open(strom_op *op) {
  kp_state *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  strom_fn_conf *c = conf(op);
  int rc = strom__keyed_init(&st->keyed, op, c->keycols, c->nkey, c->keycols2, c->nkey2, kp_on_timer);
  if (rc) return strom__op_fail(op, rc, "cannot set up keyed state: %s", strom_strerror(rc));
  rc = c->def.open ? c->def.open(&op->ctx) : STROM_OK;
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

static int kp_process(strom_op *op, int input, const strom_row *in) {
  kp_state *st = op->state;
  int rc = strom__keyed_set_key_from_row(&st->keyed, input, in);
  if (rc) return rc;
  op->out.time = in->time;
  op->ctx.timestamp = in->time;
  rc = conf(op)->def.process(&op->ctx, input, in, &op->out);
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

static int kp_flush(strom_op *op) {
  const strom_process_def *d = &conf(op)->def;
  if (!d->flush) return STROM_OK;
  op->out.time = STROM_NO_TIMESTAMP;
  int rc = d->flush(&op->ctx, &op->out);
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

int strom__ctx_set_key_from_row(strom_ctx *ctx, int input, const strom_row *row) {
  strom_op *op = ctx->op;
  if (op->vt != &strom__op_keyed_process) return STROM_EINVAL;
  kp_state *st = op->state;
  op->out.time = row->time;
  op->ctx.timestamp = row->time;
  return strom__keyed_set_key_from_row(&st->keyed, input, row);
}

const strom_keyed *strom__ctx_keyed(strom_ctx *ctx) {
  strom_op *op = ctx->op;
  return op->vt == &strom__op_keyed_process ? &((kp_state *)op->state)->keyed : NULL;
}

int strom__ctx_set_key(strom_ctx *ctx, const uint8_t *key, size_t klen, uint64_t hash, int64_t time) {
  strom_op *op = ctx->op;
  if (op->vt != &strom__op_keyed_process) return STROM_EINVAL;
  op->out.time = time;
  op->ctx.timestamp = time;
  return strom__keyed_set_key(&((kp_state *)op->state)->keyed, key, klen, hash);
}

static int kp_watermark(strom_op *op, int64_t wm) {
  kp_state *st = op->state;
  int rc = kp_flush(op);
  if (!rc) rc = strom__keyed_advance_watermark(&st->keyed, wm);
  return rc ? rc : strom__op_forward_watermark(op, wm);
}

static int kp_finish(strom_op *op) {
  const strom_process_def *d = &conf(op)->def;
  int rc = kp_flush(op);
  if (rc) return rc;
  op->out.time = STROM_NO_TIMESTAMP;
  rc = d->finish ? d->finish(&op->ctx, &op->out) : STROM_OK;
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

static void kp_close(strom_op *op) {
  kp_state *st = op->state;
  const strom_process_def *d = &conf(op)->def;
  if (d->close) d->close(&op->ctx);
  if (!st) return;
  strom__keyed_destroy(&st->keyed);
  free(st);
}


/* Checkpoints: everything is keyed state and timers. */
static int keyed_process_snapshot(strom_op *op, int64_t id, strom_snapshot *snap) {
  (void)id;
  int rc = kp_flush(op); /* rows it emits reach the chained operators before their snapshots */
  if (rc) return rc;
  return strom__keyed_snapshot(&((kp_state *)op->state)->keyed, snap);
}

static int keyed_process_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  return strom__keyed_restore(&((kp_state *)op->state)->keyed, r, kg_lo, kg_hi);
}

const strom_op_vt strom__op_keyed_process = {.kind = "KeyedProcess",
                                             .open = kp_open,
                                             .process = kp_process,
                                             .watermark = kp_watermark,
                                             .finish = kp_finish,
                                             .close = kp_close,
                                             .free_conf = strom__fn_conf_free,
    .snapshot = keyed_process_snapshot,
    .restore = keyed_process_restore};
