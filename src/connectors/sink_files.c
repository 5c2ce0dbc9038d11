/*
 * sink_files.c -- the exactly-once file sink: a two-phase commit over part files.
 *
 * Write: rows go, as CSV lines (or, for strom__write_text_files, one VARCHAR column
 * verbatim per line), to the subtask's current in-progress file, a hidden
 * name in the output directory.  Pre-commit: when a checkpoint's barrier reaches the
 * sink, the current file is flushed, fsync'd and closed, and its name joins the
 * pending list that the snapshot records.  Commit: when the checkpoint completes,
 * the files pending for it are renamed to their visible names (rename is atomic, and
 * renaming a file already renamed is detected, so commits are idempotent).  Abort:
 * files that were never pre-committed stay hidden; a restore deletes those of earlier
 * runs.  Restore: every pending file recorded in the checkpoint is committed (the
 * checkpoint completed, so its commit must happen even if the process died before
 * doing it).
 */
#include <errno.h>
#include <sys/stat.h>

#include "../runtime/snapshot.h"
#include "format.h"
#include "format_csv.h"
#include "part_files.h"

typedef struct files_conf {
  char *dir, *prefix;
  size_t max_part_bytes;
  int64_t rollover_ms, inactivity_ms;
  bool text; /* the row is one VARCHAR column, written as it is */
} files_conf;

typedef struct files_state {
  FILE *f;
  char *cur; /* visible name of the current file */
  size_t bytes;
  int64_t opened_ms, written_ms; /* processing time, when rolling by time */
  uint64_t next_part;
  char run[24];
  char *prefix; /* strom__part_prefix's */
  strom__pending_list pend;
  strom_buf line;
} files_state;

/* Closes the current file and makes it pending for checkpoint ckpt. */
static int precommit(strom_op *op, int64_t ckpt) {
  files_conf *c = op->conf;
  files_state *st = op->state;
  if (!st->f) return STROM_OK;
  int rc = strom__part_close(op, c->dir, st->cur, &st->f);
  if (!rc) rc = strom__pending_add(&st->pend, ckpt, st->cur);
  else free(st->cur);
  st->cur = NULL;
  return rc;
}

static int open_next(strom_op *op, files_state *st) {
  files_conf *c = op->conf;
  st->cur = strom__aprintf("%s-%d-%s-%llu", st->prefix, op->ctx.subtask, st->run, (unsigned long long)st->next_part++);
  st->bytes = 0;
  return st->cur ? strom__part_create(op, c->dir, st->cur, &st->f) : STROM_ENOMEM;
}

static int files_open(strom_op *op) {
  files_conf *c = op->conf;
  files_state *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  /* A run id in every name keeps this run's files apart from an earlier run's leftovers. */
  snprintf(st->run, sizeof st->run, "%llx", (unsigned long long)op->task->job->run_id);
  if (!(st->prefix = strom__part_prefix(op, c->prefix))) return STROM_ENOMEM;
  if (mkdir(c->dir, 0777) && errno != EEXIST) return strom__part_io_fail(op, "cannot create directory", c->dir);
  return STROM_OK;
}

static int files_process(strom_op *op, int input, const strom_row *row) {
  STROM_UNUSED(input);
  files_conf *c = op->conf;
  files_state *st = op->state;
  bool timed = c->rollover_ms || c->inactivity_ms;
  int64_t now = timed ? strom__job_now(op->task->job) : 0;
  if (st->f && c->inactivity_ms && now - st->written_ms >= c->inactivity_ms) {
    int rc = precommit(op, INT64_MAX - 1);
    if (rc) return rc;
  }
  if (!st->f) {
    int rc = open_next(op, st);
    if (rc) return rc;
    st->opened_ms = now;
  }
  st->written_ms = now;
  st->line.len = 0;
  if (c->text) {
    size_t n = 0;
    const char *p = row->nulls[0] ? "" : strom_row_get_str(row, 0, &n);
    if (strom__buf_append(&st->line, p, n) || strom__buf_append(&st->line, "\n", 1)) return STROM_ENOMEM;
  } else if (strom__csv_format(&st->line, row)) {
    return STROM_ENOMEM;
  }
  if (fwrite(st->line.p, 1, st->line.len, st->f) != st->line.len) return strom__part_io_fail(op, "writing", st->cur);
  st->bytes += st->line.len;
  /* Rolling by size or age: the file waits for the next checkpoint like any other. */
  if (st->bytes >= c->max_part_bytes || (c->rollover_ms && now - st->opened_ms >= c->rollover_ms))
    return precommit(op, INT64_MAX - 1);
  return STROM_OK;
}

static int files_snapshot(strom_op *op, int64_t ckpt, strom_snapshot *s) {
  files_state *st = op->state;
  strom__pending_assign(&st->pend, ckpt); /* files rolled since the last checkpoint belong to this one too */
  int rc = precommit(op, ckpt);
  strom_buf b = {0};
  for (int i = 0; !rc && i < st->pend.n; i++) rc = strom__put_bytes(&b, st->pend.p[i].name, strlen(st->pend.p[i].name));
  if (!rc) rc = strom__snap_add(s, STROM_SNAP_USER, -1, b.p, b.len);
  strom__buf_free(&b);
  return rc;
}

static int files_notify(strom_op *op, int64_t ckpt) {
  files_conf *c = op->conf;
  return strom__pending_commit(op, c->dir, &((files_state *)op->state)->pend, ckpt);
}

static int files_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  /* Subtask 0 finishes the commits of every former subtask (renames are idempotent),
   * then removes what no checkpoint covers.  The other subtasks start clean. */
  if (op->ctx.subtask != 0) return STROM_OK;
  for (int i = 0; i < r->n; i++) {
    if (r->b[i].kind != STROM_SNAP_USER) continue;
    const uint8_t *p = r->b[i].p, *end = p + r->b[i].len;
    while (p < end) {
      const uint8_t *name;
      size_t n;
      if (!strom__get_bytes(&p, end, &name, &n) || !n || memchr(name, '/', n))
        return strom__op_fail(op, STROM_EPARSE, "restoring %s: malformed snapshot", op->node->name);
      char *nm = strom__strndup((const char *)name, n);
      int rc = nm ? strom__part_commit(op, ((files_conf *)op->conf)->dir, nm) : STROM_ENOMEM;
      free(nm);
      if (rc) return rc;
    }
  }
  files_conf *c = op->conf;
  return strom__part_delete_leftovers(op, c->dir, ((files_state *)op->state)->prefix, ((files_state *)op->state)->run, 0);
}

static int files_finish(strom_op *op) {
  /* With checkpoints, the last files are pre-committed here and committed when the
   * final checkpoint completes (a process killed in between replays from the last
   * checkpoint, and nothing is committed twice).  Without, the end commits them. */
  int rc = precommit(op, INT64_MAX - 1);
  if (rc || strom__job_checkpointing(op->task->job)) return rc;
  return files_notify(op, INT64_MAX);
}

static void files_close(strom_op *op) {
  files_state *st = op->state;
  if (!st) return;
  if (st->f) fclose(st->f);
  free(st->cur);
  free(st->prefix);
  strom__pending_free(&st->pend);
  strom__buf_free(&st->line);
  free(st);
}

static void files_conf_free(void *p) {
  files_conf *c = p;
  free(c->dir);
  free(c->prefix);
  free(c);
}

static const strom_op_vt files_vt = {.kind = "File Sink",
                                     .open = files_open,
                                     .process = files_process,
                                     .finish = files_finish,
                                     .close = files_close,
                                     .free_conf = files_conf_free,
                                     .snapshot = files_snapshot,
                                     .restore = files_restore,
                                     .notify_complete = files_notify};

static int write_files(strom_stream *in, const char *dir, const strom_file_sink_opts *opts, bool text) {
  if (!in) return STROM_EINVAL;
  const char *prefix = opts && opts->prefix ? opts->prefix : "part";
  if (!dir || !*prefix || strchr(prefix, '/')) {
    strom__env_error(in->env, STROM_EINVAL, "write_files: a directory and a prefix without '/' are required");
    return STROM_EINVAL;
  }
  files_conf *c = strom__calloc(1, sizeof *c);
  if (!c || !(c->dir = strom__strdup(dir)) || !(c->prefix = strom__strdup(prefix))) {
    if (c) files_conf_free(c);
    return STROM_ENOMEM;
  }
  c->max_part_bytes = opts && opts->max_part_bytes ? opts->max_part_bytes : (size_t)128 << 20;
  if (opts && (opts->rollover_interval_ms < 0 || opts->inactivity_interval_ms < 0)) {
    files_conf_free(c);
    strom__env_error(in->env, STROM_EINVAL, "write_files: rolling intervals must not be negative");
    return STROM_EINVAL;
  }
  c->rollover_ms = opts ? opts->rollover_interval_ms : 0;
  c->inactivity_ms = opts ? opts->inactivity_interval_ms : 0;
  c->text = text;
  return strom__add_sink(in, "File Sink", &files_vt, c);
}

int strom_write_files(strom_stream *in, const char *dir, const strom_file_sink_opts *opts) {
  return write_files(in, dir, opts, false);
}

int strom__write_text_files(strom_stream *in, const char *dir, const strom_file_sink_opts *opts) {
  if (in && (in->schema->ncols != 1 || in->schema->cols[0].type != STROM_VARCHAR)) {
    strom__env_error(in->env, STROM_EINVAL, "write_text_files: the stream must have one VARCHAR column");
    return STROM_EINVAL;
  }
  return write_files(in, dir, opts, true);
}
