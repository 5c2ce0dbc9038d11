/*
 * sink_discard.c -- the blackhole sink: accepts and drops every row (for benchmarks
 * and for jobs run only for their side effects).
 */
#include "../api/api.h"

static int discard_process(strom_op *op, int input, const strom_row *row) {
  STROM_UNUSED(op);
  STROM_UNUSED(input);
  STROM_UNUSED(row);
  return STROM_OK;
}

static const strom_op_vt discard_vt = {.kind = "Discard Sink", .process = discard_process};

int strom_discard(strom_stream *in) { return strom__add_sink(in, "Discard Sink", &discard_vt, NULL); }
int strom__discard_as(strom_stream *in, const char *name) { return strom__add_sink(in, name, &discard_vt, NULL); }
