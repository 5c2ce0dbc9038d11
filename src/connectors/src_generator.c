/*
 * src_generator.c -- a source that calls a user function for each event number
 * (Flink's DataGeneratorSource).  A bounded generator gives each subtask a
 * contiguous slice of [0, count), so the data is the same at any parallelism; an
 * unbounded one interleaves (subtask s takes s, s+p, s+2p, ...).
 */
#include <time.h>

#include "../api/api.h"

typedef struct gen_conf {
  strom_gen_fn fn;
  uint64_t count;
} gen_conf;

static int gen_run(strom_op *op) {
  gen_conf *c = op->conf;
  uint64_t s = (uint64_t)op->ctx.subtask, p = (uint64_t)op->ctx.parallelism;
  uint64_t lo, hi, step;
  if (c->count == STROM_UNBOUNDED) {
    lo = s, hi = UINT64_MAX, step = p;
  } else {
    lo = (uint64_t)((unsigned __int128)c->count * s / p);
    hi = (uint64_t)((unsigned __int128)c->count * (s + 1) / p);
    step = 1;
  }
  strom_row *out = op->out.scratch;
  uint32_t n = 0;
  for (uint64_t i = lo; i < hi; i += step) {
    strom__row_reset(out);
    int rc = c->fn(&op->ctx, i, out);
    if (rc == 0) break;
    if (rc < 0) return strom__op_user_error(op, rc);
    if (rc == STROM_GEN_IDLE) {
      /* Nothing now: flush what is buffered, run timers, and try the same index again. */
      i -= step;
      if ((rc = strom__task_flush(op->task)) || (rc = strom__task_yield(op->task))) return rc;
      struct timespec pause = {0, 1000000};
      nanosleep(&pause, NULL);
      continue;
    }
    if ((rc = strom__emit(&op->out, out))) return rc;
    if (STROM_UNLIKELY((++n & 1023) == 0) && (rc = strom__task_yield(op->task))) return rc;
  }
  return STROM_OK;
}

static const strom_op_vt gen_vt = {.kind = "Generator Source", .run = gen_run, .free_conf = free};

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
