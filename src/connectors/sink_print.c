/*
 * sink_print.c -- prints rows to stdout as Flink's print sink does ("+I[a, 1]",
 * prefixed "N> " by the 1-based subtask when the sink is parallel).  Each line is one
 * fwrite, so lines from parallel subtasks never interleave; output is flushed at
 * least every 100 ms, so an unbounded job's output shows up while it runs.
 */
#include <unistd.h>

#include "../api/api.h"

typedef struct print_state {
  strom_buf line;
  int64_t last_flush;
} print_state;

static int print_open(strom_op *op) {
  op->state = strom__calloc(1, sizeof(print_state));
  return op->state ? STROM_OK : STROM_ENOMEM;
}

static int print_process(strom_op *op, int input, const strom_row *row) {
  STROM_UNUSED(input);
  print_state *st = op->state;
  strom_buf *b = &st->line;
  b->len = 0;
  if (op->ctx.parallelism > 1) strom__buf_printf(b, "%d> ", op->ctx.subtask + 1);
  strom__row_format_buf(b, row);
  if (strom__buf_append(b, "\n", 1)) return STROM_ENOMEM;
  if (fwrite(b->p, 1, b->len, stdout) != b->len) return strom__op_fail(op, STROM_EIO, "writing to stdout failed");
  int64_t now = strom__mono_ns();
  if (now - st->last_flush > 100000000) {
    fflush(stdout);
    st->last_flush = now;
  }
  return STROM_OK;
}

static int print_finish(strom_op *op) {
  return fflush(stdout) ? strom__op_fail(op, STROM_EIO, "writing to stdout failed") : STROM_OK;
}

static void print_close(strom_op *op) {
  print_state *st = op->state;
  if (!st) return;
  fflush(stdout);
  strom__buf_free(&st->line);
  free(st);
}

static const strom_op_vt print_vt = {
    .kind = "Print Sink", .open = print_open, .process = print_process, .finish = print_finish, .close = print_close};

int strom_print(strom_stream *in) { return strom__add_sink(in, "Print Sink", &print_vt, NULL); }
