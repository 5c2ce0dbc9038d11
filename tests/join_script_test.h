/*
 * join_script_test.h -- a join operator's inputs in a known order, for tests of its
 * exact changelog through the DataStream API: one generator makes both inputs from a
 * script of steps (side 0 or 1, key, value, row kind) and waits for the join to have
 * emitted a number of rows before each step, on a virtual clock; count_out records the
 * join's output in order.  Header-only, included by one test file each.
 */
#ifndef STROM_JOIN_SCRIPT_TEST_H
#define STROM_JOIN_SCRIPT_TEST_H

#include <stdatomic.h>
#include <string.h>

#include "test.h"

static atomic_long vclock;
static atomic_int outputs;
static int64_t virtual_now(void *d) {
  (void)d;
  return atomic_load(&vclock);
}

/* One step of the script: the side, the row, its kind, how many join outputs to wait
 * for before it is emitted, and a clock advance before it. */
typedef struct step {
  int side, k;
  const char *v;
  strom_row_kind kind;
  int wait_outputs;
  int64_t advance_ms;
} step;

typedef struct script {
  const step *steps;
  int n;
} script;

static int gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  const script *s = strom_ctx_data(ctx);
  if (i >= (uint64_t)s->n) return 0;
  const step *st = &s->steps[i];
  if (atomic_load(&outputs) < st->wait_outputs) return STROM_GEN_IDLE;
  if (st->advance_ms) atomic_fetch_add(&vclock, st->advance_ms);
  strom_row_set_int(out, 0, st->side);
  strom_row_set_int(out, 1, st->k);
  strom_row_set_str(out, 2, st->v, strlen(st->v));
  strom_row_set_kind(out, st->kind);
  return 1;
}

static int side0(strom_ctx *ctx, const strom_row *in) { (void)ctx; return strom_row_get_int(in, 0) == 0; }
static int side1(strom_ctx *ctx, const strom_row *in) { (void)ctx; return strom_row_get_int(in, 0) == 1; }

/* The join's output in order (one subtask): a sink with parallelism of its own would
 * interleave it.  Each side's filter on one subtask keeps a side's rows in order. */
static char changelog[8192];

static int count_out(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)ctx, (void)input, (void)out;
  size_t n = strlen(changelog);
  int k = strom_row_format(in, changelog + n, sizeof changelog - n - 1);
  if (k > 0 && n + (size_t)k + 1 < sizeof changelog) strcat(changelog, "\n");
  atomic_fetch_add(&outputs, 1);
  return STROM_OK;
}

#define CHECK_TEXT(got, want)                                           \
  do {                                                                  \
    char *g_ = (got);                                                   \
    if (strcmp(g_, want)) fprintf(stderr, "  got:\n%s  expected:\n%s", g_, want); \
    int ok_ = !strcmp(g_, want);                                        \
    free(g_);                                                           \
    CHECK(ok_);                                                         \
  } while (0)

#endif
