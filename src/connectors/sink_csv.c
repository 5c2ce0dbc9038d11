/*
 * sink_csv.c -- writes rows as CSV lines (Flink's writeAsCsv): to the file `path`
 * when the sink runs with parallelism 1, else to files 1..N in the directory `path`.
 * This sink is not transactional: exactly-once file output comes with checkpoints.
 */
#include <errno.h>
#include <sys/stat.h>

#include "../api/api.h"
#include "format_csv.h"

typedef struct csv_state {
  FILE *f;
  char *path;
  strom_buf line;
} csv_state;

static int csv_open(strom_op *op) {
  const char *path = op->conf;
  csv_state *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  if (op->ctx.parallelism == 1) {
    st->path = strom__strdup(path);
  } else {
    if (mkdir(path, 0777) && errno != EEXIST)
      return strom__op_fail(op, STROM_EIO, "cannot create directory '%s': %s", path, strerror(errno));
    st->path = strom__aprintf("%s/%d", path, op->ctx.subtask + 1);
  }
  if (!st->path) return STROM_ENOMEM;
  st->f = fopen(st->path, "w");
  if (!st->f) return strom__op_fail(op, STROM_EIO, "cannot open '%s' for writing: %s", st->path, strerror(errno));
  setvbuf(st->f, NULL, _IOFBF, 1 << 16);
  return STROM_OK;
}

static int csv_process(strom_op *op, int input, const strom_row *row) {
  STROM_UNUSED(input);
  csv_state *st = op->state;
  st->line.len = 0;
  if (strom__csv_format(&st->line, row)) return STROM_ENOMEM;
  if (fwrite(st->line.p, 1, st->line.len, st->f) != st->line.len)
    return strom__op_fail(op, STROM_EIO, "writing '%s': %s", st->path, strerror(errno));
  return STROM_OK;
}

static int csv_finish(strom_op *op) {
  csv_state *st = op->state;
  if (fflush(st->f)) return strom__op_fail(op, STROM_EIO, "writing '%s': %s", st->path, strerror(errno));
  return STROM_OK;
}

static void csv_close(strom_op *op) {
  csv_state *st = op->state;
  if (!st) return;
  if (st->f) fclose(st->f);
  free(st->path);
  strom__buf_free(&st->line);
  free(st);
}

static const strom_op_vt csv_vt = {.kind = "CSV File Sink",
                                   .open = csv_open,
                                   .process = csv_process,
                                   .finish = csv_finish,
                                   .close = csv_close,
                                   .free_conf = free};

int strom_write_csv(strom_stream *in, const char *path) {
  if (!in) return STROM_EINVAL;
  if (!path) {
    strom__env_error(in->env, STROM_EINVAL, "write_csv: path is NULL");
    return STROM_EINVAL;
  }
  char *p = strom__strdup(path);
  if (!p) return STROM_ENOMEM;
  return strom__add_sink(in, "CSV File Sink", &csv_vt, p);
}
