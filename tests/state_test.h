/*
 * state_test.h -- what the keyed state tests share: a minimal operator, task and job
 * that stand in for the runtime (so that failures are recorded as in a job), a clock the
 * test sets, and BIGINT keys set on a backend as the keyed runtime encodes them.
 * Header-only, included by one test file each.
 */
#ifndef STROM_STATE_TEST_H
#define STROM_STATE_TEST_H

#include "runtime/runtime.h"
#include "state/state_impl.h"
#include "test.h"

static int64_t now_ms;
static int64_t test_clock(void *d) {
  (void)d;
  return now_ms;
}

typedef struct fake {
  strom_job job;
  strom_task task;
  jg_node node;
  strom_op op;
} fake;

/* An operator, with a keyed backend when keyed; the clock at 1000. */
static fake *fake_new(bool keyed) {
  fake *f = calloc(1, sizeof *f);
  f->node.name = "TestOp";
  f->task.job = &f->job;
  f->op.task = &f->task;
  f->op.node = &f->node;
  f->op.ctx.op = &f->op;
  f->op.ctx.parallelism = 1;
  if (keyed)
    f->op.kstate = strom__kstate_new(&(strom_kstate_opts){.max_parallelism = 128, .now_ms = test_clock});
  now_ms = 1000;
  return f;
}

static void fake_free(fake *f) {
  strom__kstate_free(f->op.kstate);
  strom__opstate_free(f->op.opstate);
  free(f->task.err_msg);
  free(f);
}

static uint8_t keybuf[64];
static strom_schema *key_schema; /* "k BIGINT", made at the first set_key; the test frees it */

static void set_key(strom_kstate *ks, int64_t k) {
  if (!key_schema) key_schema = strom_schema_parse("k BIGINT", NULL, 0);
  strom_row *r = strom_row_new(key_schema);
  strom_row_set_bigint(r, 0, k);
  int col = 0;
  size_t n = strom__key_bytes(r, &col, 1, keybuf, sizeof keybuf);
  strom__kstate_set_key(ks, keybuf, n, strom__hash_bytes(keybuf, n));
  strom_row_free(r);
}

#endif
