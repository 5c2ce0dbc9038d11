/*
 * op_basic.c -- the stateless operators: map, filter, flat_map, process (one or two
 * inputs) and union.  Each wraps a user function; a negative return fails the job
 * with the operator's name and the function's message.  Output rows carry the input
 * record's timestamp unless the function sets another.
 */
#include "runtime.h"

static inline strom_fn_conf *conf(strom_op *op) { return op->conf; }

static int map_process(strom_op *op, int input, const strom_row *in) {
  STROM_UNUSED(input);
  strom_row *out = op->out.scratch;
  strom__row_reset(out);
  out->time = in->time;
  out->kind = in->kind;
  int rc = ((strom_map_fn)conf(op)->fn)(&op->ctx, in, out);
  if (STROM_UNLIKELY(rc)) return strom__op_user_error(op, rc);
  return strom__emit(&op->out, out);
}

static int filter_process(strom_op *op, int input, const strom_row *in) {
  STROM_UNUSED(input);
  int rc = ((strom_filter_fn)conf(op)->fn)(&op->ctx, in);
  if (rc > 0) return strom__emit(&op->out, in);
  return rc < 0 ? strom__op_user_error(op, rc) : STROM_OK;
}

static int flat_map_process(strom_op *op, int input, const strom_row *in) {
  STROM_UNUSED(input);
  op->out.time = in->time;
  int rc = ((strom_flat_map_fn)conf(op)->fn)(&op->ctx, in, &op->out);
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

static int process_open(strom_op *op) {
  const strom_process_def *d = &conf(op)->def;
  int rc = d->open ? d->open(&op->ctx) : STROM_OK;
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

static int process_process(strom_op *op, int input, const strom_row *in) {
  op->out.time = in->time;
  int rc = conf(op)->def.process(&op->ctx, input, in, &op->out);
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

static int process_finish(strom_op *op) {
  const strom_process_def *d = &conf(op)->def;
  op->out.time = STROM_NO_TIMESTAMP;
  int rc = d->finish ? d->finish(&op->ctx, &op->out) : STROM_OK;
  return rc ? strom__op_user_error(op, rc) : STROM_OK;
}

static void process_close(strom_op *op) {
  const strom_process_def *d = &conf(op)->def;
  if (d->close) d->close(&op->ctx);
}

static int union_process(strom_op *op, int input, const strom_row *in) {
  STROM_UNUSED(input);
  return strom__emit(&op->out, in);
}

void strom__fn_conf_free(void *c) {
  strom_fn_conf *fc = c;
  free(fc->keycols);
  free(fc->keycols2);
  free(fc);
}

const strom_op_vt strom__op_map = {.kind = "Map", .process = map_process, .free_conf = strom__fn_conf_free};
const strom_op_vt strom__op_filter = {.kind = "Filter", .process = filter_process, .free_conf = strom__fn_conf_free};
const strom_op_vt strom__op_flat_map = {.kind = "FlatMap", .process = flat_map_process, .free_conf = strom__fn_conf_free};
const strom_op_vt strom__op_process = {.kind = "Process",
                                       .open = process_open,
                                       .process = process_process,
                                       .finish = process_finish,
                                       .close = process_close,
                                       .free_conf = strom__fn_conf_free};
const strom_op_vt strom__op_union = {.kind = "Union", .process = union_process};
