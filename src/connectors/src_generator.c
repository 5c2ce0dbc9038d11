/*
 * src_generator.c -- a source that calls a user function for each event number
 * (Flink's DataGeneratorSource).  A bounded generator gives each subtask a
 * contiguous slice of [0, count), so the data is the same at any parallelism; an
 * unbounded one interleaves (subtask s takes s, s+p, s+2p, ...).
 */
#include <time.h>

#include "../api/api.h"
#include "../runtime/snapshot.h"

typedef struct gen_conf {
  strom_gen_fn fn;
  uint64_t count;
} gen_conf;

/* The position: the next event number.  Checkpoints record it, so a restored
 * generator resumes exactly after the last record before the barrier. */
typedef struct gen_state {
  uint64_t next;
  bool restored;
} gen_state;

static int gen_open(strom_op *op) {
  op->state = strom__calloc(1, sizeof(gen_state));
  return op->state ? STROM_OK : STROM_ENOMEM;
}

static void gen_close(strom_op *op) { free(op->state); }

static int gen_run(strom_op *op) {
  gen_conf *c = op->conf;
  gen_state *st = op->state;
  uint64_t s = (uint64_t)op->ctx.subtask, p = (uint64_t)op->ctx.parallelism;
  uint64_t lo, hi, step;
  if (c->count == STROM_UNBOUNDED) {
    lo = s, hi = UINT64_MAX, step = p;
  } else {
    lo = (uint64_t)((unsigned __int128)c->count * s / p);
    hi = (uint64_t)((unsigned __int128)c->count * (s + 1) / p);
    step = 1;
  }
  if (!st->restored) st->next = lo;
  strom_row *out = op->out.scratch;
  strom_yield_pacer pacer = {0};
  uint32_t n = 0, every = 0;
  while (st->next < hi) {
    uint64_t i = st->next;
    strom__row_reset(out);
    int rc = c->fn(&op->ctx, i, out);
    if (rc == 0) break;
    if (rc < 0) return strom__op_user_error(op, rc);
    if (rc == STROM_GEN_IDLE) {
      /* Nothing now: flush what is buffered, run timers and mail, try the same index again. */
      if ((rc = strom__task_flush(op->task)) || (rc = strom__task_yield(op->task))) return rc;
      struct timespec pause = {0, 1000000};
      nanosleep(&pause, NULL);
      continue;
    }
    st->next = i + step < i ? hi : i + step; /* before the emit: a checkpoint may follow it */
    if ((rc = strom__emit(&op->out, out))) return rc;
    if (STROM_UNLIKELY(++n >= every)) {
      if ((rc = strom__source_yield(op->task, &pacer))) return rc;
      n = 0, every = pacer.every;
    }
  }
  return STROM_OK;
}

static int gen_snapshot(strom_op *op, int64_t id, strom_snapshot *snap) {
  STROM_UNUSED(id);
  return strom__snap_position(snap, ((gen_state *)op->state)->next);
}

static int gen_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  gen_state *st = op->state;
  return strom__restore_position(op, r, true, "generator source", &st->next, &st->restored);
}

static const strom_op_vt gen_vt = {.kind = "Generator Source",
                                   .open = gen_open,
                                   .run = gen_run,
                                   .close = gen_close,
                                   .free_conf = free,
                                   .snapshot = gen_snapshot,
                                   .restore = gen_restore};

strom_stream *strom_from_generator(strom_env *env, const strom_schema *s, uint64_t count, strom_gen_fn fn,
                                   void *data) {
  if (!env) return NULL;
  if (!s || !fn) return strom__env_error(env, STROM_EINVAL, "from_generator: schema and function are required");
  gen_conf *c = strom__calloc(1, sizeof *c);
  if (!c) return strom__env_error(env, STROM_ENOMEM, "out of memory");
  c->fn = fn;
  c->count = count;
  strom_stream *st = strom__add_node(env, NULL, "Generator Source", &gen_vt, c, s);
  if (st) st->node->udata = data;
  return st;
}
