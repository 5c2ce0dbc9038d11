/*
 * context.c -- what a user function sees of the runtime: its context (subtask,
 * user data, watermark, failing with a message) and its outputs (scratch rows and
 * emit, main and side).  Also the recording of the first failure of a task, which
 * names the operator in the job's error.
 */
#include "runtime.h"

static void record_failure(strom_op *op, int rc, char *msg) {
  strom_task *t = op->task;
  if (t->err_op) {
    free(msg);
    return;
  }
  t->err_op = op;
  t->err_rc = rc;
  t->err_msg = msg;
}

int strom__op_fail(strom_op *op, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  record_failure(op, rc, strom__vaprintf(fmt, ap));
  va_end(ap);
  return rc;
}

int strom__op_user_error(strom_op *op, int rc) {
  if (rc == STROM_ECANCELED && strom__task_cancelled(op->task)) return rc;
  if (!op->task->err_op)
    record_failure(op, rc, strom__aprintf("user function returned %d (%s)", rc, strom_strerror(rc)));
  return rc;
}

void *strom_ctx_data(strom_ctx *ctx) { return ctx->data; }
int strom_ctx_subtask(const strom_ctx *ctx) { return ctx->subtask; }
int strom_ctx_parallelism(const strom_ctx *ctx) { return ctx->parallelism; }
const char *strom_ctx_operator(const strom_ctx *ctx) { return ctx->op->node->name; }
void *strom_ctx_local(strom_ctx *ctx) { return ctx->local; }
void strom_ctx_set_local(strom_ctx *ctx, void *p) { ctx->local = p; }
int64_t strom_ctx_watermark(const strom_ctx *ctx) { return ctx->watermark; }

int strom_ctx_fail(strom_ctx *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  record_failure(ctx->op, STROM_EUSER, strom__vaprintf(fmt, ap));
  va_end(ap);
  return STROM_EUSER;
}

strom_row *strom_out_row(strom_out *out) {
  strom__row_reset(out->scratch);
  out->scratch->time = out->time;
  return out->scratch;
}

int strom_out_emit(strom_out *out, const strom_row *row) {
  if (STROM_UNLIKELY(!row || row->ncols != out->scratch->ncols))
    return strom__op_fail(out->owner, STROM_ETYPE, "emitted a row with %d columns where the output has %d",
                          row ? row->ncols : 0, out->scratch->ncols);
  return strom__emit(out, row);
}

static strom_out *side_of(strom_out *out, const strom_output_tag *tag) {
  strom_op *op = out->owner;
  if (!tag || tag->id < 0 || tag->id >= op->nsides) return NULL;
  strom_out *s = &op->sides[tag->id];
  if (!s->scratch) s->scratch = strom_row_new(tag->schema);
  return s->scratch ? s : NULL;
}

strom_row *strom_out_side_row(strom_out *out, const strom_output_tag *tag) {
  strom_out *s = side_of(out, tag);
  if (!s) return NULL;
  strom__row_reset(s->scratch);
  s->scratch->time = out->owner->out.time;
  return s->scratch;
}

int strom_out_emit_side(strom_out *out, const strom_output_tag *tag, const strom_row *row) {
  strom_out *s = side_of(out, tag);
  if (!s) return strom__op_fail(out->owner, STROM_EINVAL, "unknown output tag");
  if (!row || !strom__schema_compatible(row->schema, tag->schema))
    return strom__op_fail(out->owner, STROM_ETYPE, "row does not match the schema of side output '%s'", tag->name);
  return strom__emit(s, row);
}
