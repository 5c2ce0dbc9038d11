/*
 * src_rows.c -- a source over rows given by the program (Flink's fromCollection /
 * fromElements): the rows are copied when the job is built and emitted in order by
 * a single subtask.
 */
#include "../api/api.h"
#include "../runtime/snapshot.h"

typedef struct rows_conf {
  strom_row **rows;
  size_t n;
} rows_conf;

static void rows_free(void *p) {
  rows_conf *c = p;
  for (size_t i = 0; i < c->n; i++) strom_row_free(c->rows[i]);
  free(c->rows);
  free(c);
}

/* The position: the index of the next row, recorded by checkpoints. */
static int rows_open(strom_op *op) {
  op->state = strom__calloc(1, sizeof(uint64_t));
  return op->state ? STROM_OK : STROM_ENOMEM;
}

static void rows_close(strom_op *op) { free(op->state); }

static int rows_snapshot(strom_op *op, int64_t id, strom_snapshot *snap) {
  STROM_UNUSED(id);
  return strom__snap_position(snap, *(uint64_t *)op->state);
}

static int rows_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  bool found;
  return strom__restore_position(op, r, false, "collection source", op->state, &found);
}

static int rows_run(strom_op *op) {
  rows_conf *c = op->conf;
  uint64_t *next = op->state;
  strom_yield_pacer pacer = {0};
  uint32_t n = 0, every = 0;
  for (size_t i = (size_t)*next; i < c->n; i++) {
    *next = i + 1; /* before the emit: a checkpoint may follow it */
    int rc = strom__emit(&op->out, c->rows[i]);
    if (!rc && ++n >= every) {
      rc = strom__source_yield(op->task, &pacer);
      n = 0, every = pacer.every;
    }
    if (rc) return rc;
  }
  return STROM_OK;
}

static const strom_op_vt rows_vt = {.kind = "Collection Source",
                                    .open = rows_open,
                                    .run = rows_run,
                                    .close = rows_close,
                                    .free_conf = rows_free,
                                    .snapshot = rows_snapshot,
                                    .restore = rows_restore};

strom_stream *strom_from_rows(strom_env *env, const strom_schema *s, const strom_row *const *rows, size_t n) {
  if (!env) return NULL;
  if (!s || (n && !rows)) return strom__env_error(env, STROM_EINVAL, "from_rows: schema and rows are required");
  rows_conf *c = strom__calloc(1, sizeof *c);
  if (!c || !(c->rows = strom__calloc(n, sizeof *c->rows))) {
    free(c);
    return strom__env_error(env, STROM_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++, c->n++) {
    if (!rows[i] || !strom__schema_compatible(rows[i]->schema, s)) {
      rows_free(c);
      return strom__env_error(env, STROM_ETYPE, "from_rows: row %zu does not match the schema", i);
    }
    c->rows[i] = strom_row_new(s);
    if (!c->rows[i] || strom_row_copy(c->rows[i], rows[i]) || strom__row_own_strings(c->rows[i])) {
      c->n++;
      rows_free(c);
      return strom__env_error(env, STROM_ENOMEM, "out of memory");
    }
  }
  strom_stream *st = strom__add_node(env, NULL, "Collection Source", &rows_vt, c, s);
  if (st) {
    st->node->parallelism = 1;
    st->node->non_parallel = true;
  }
  return st;
}
