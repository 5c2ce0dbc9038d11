/*
 * sink_collect.c -- collects rows in memory for tests and small results (Flink's
 * executeAndCollect).  Subtasks append deep copies under one mutex; the program reads
 * them after strom_execute() returns.
 */
#include "../api/api.h"

struct strom_results {
  pthread_mutex_t mu;
  strom_row **rows;
  size_t n, cap;
};

static void results_free(void *p) {
  strom_results *r = p;
  for (size_t i = 0; i < r->n; i++) strom_row_free(r->rows[i]);
  free(r->rows);
  pthread_mutex_destroy(&r->mu);
  free(r);
}

static int collect_process(strom_op *op, int input, const strom_row *row) {
  STROM_UNUSED(input);
  strom_results *r = op->conf;
  strom_row *copy = strom_row_new(row->schema);
  if (!copy || strom_row_copy(copy, row) || strom__row_own_strings(copy)) {
    strom_row_free(copy);
    return STROM_ENOMEM;
  }
  pthread_mutex_lock(&r->mu);
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 64;
    strom_row **rows = strom__realloc(r->rows, cap * sizeof *rows);
    if (!rows) {
      pthread_mutex_unlock(&r->mu);
      strom_row_free(copy);
      return STROM_ENOMEM;
    }
    r->rows = rows;
    r->cap = cap;
  }
  r->rows[r->n++] = copy;
  pthread_mutex_unlock(&r->mu);
  return STROM_OK;
}

static const strom_op_vt collect_vt = {.kind = "Collect Sink", .process = collect_process};

strom_results *strom_collect(strom_stream *in) {
  if (!in) return NULL;
  strom_results *r = strom__calloc(1, sizeof *r);
  if (!r) return strom__env_error(in->env, STROM_ENOMEM, "out of memory");
  pthread_mutex_init(&r->mu, NULL);
  if (strom__env_own(in->env, r, results_free)) {
    results_free(r);
    return strom__env_error(in->env, STROM_ENOMEM, "out of memory");
  }
  return strom__add_sink(in, "Collect Sink", &collect_vt, r) ? NULL : r;
}

size_t strom_results_count(const strom_results *r) { return r ? r->n : 0; }

const strom_row *strom_results_row(const strom_results *r, size_t i) {
  return r && i < r->n ? r->rows[i] : NULL;
}

static int cmp_rows(const void *a, const void *b) {
  char sa[512], sb[512];
  strom_row_format(*(strom_row *const *)a, sa, sizeof sa);
  strom_row_format(*(strom_row *const *)b, sb, sizeof sb);
  return strcmp(sa, sb);
}

void strom_results_sort(strom_results *r) {
  if (r && r->n > 1) qsort(r->rows, r->n, sizeof *r->rows, cmp_rows);
}
