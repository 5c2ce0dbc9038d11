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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../api/api.h"
#include "../runtime/snapshot.h"
#include "format.h"
#include "format_csv.h"

typedef struct files_conf {
  char *dir, *prefix;
  size_t max_part_bytes;
  int64_t rollover_ms, inactivity_ms;
  bool text; /* the row is one VARCHAR column, written as it is */
} files_conf;

typedef struct pending {
  int64_t ckpt; /* the checkpoint that pre-committed it */
  char *name;   /* the visible name; the in-progress name is "." name ".inprogress" */
} pending;

typedef struct files_state {
  FILE *f;
  char *cur; /* visible name of the current file */
  size_t bytes;
  int64_t opened_ms, written_ms; /* processing time, when rolling by time */
  uint64_t next_part;
  char run[24];
  pending *p;
  int np, cap;
  strom_buf line;
} files_state;

static char *path_of(const files_conf *c, const char *name, bool inprogress) {
  return inprogress ? strom__aprintf("%s/.%s.inprogress", c->dir, name) : strom__aprintf("%s/%s", c->dir, name);
}

static int fail_io(strom_op *op, const char *what, const char *path) {
  return strom__op_fail(op, STROM_EIO, "%s '%s': %s", what, path, strerror(errno));
}

/* Renames one pre-committed file to its visible name.  Already committed is fine. */
static int commit_one(strom_op *op, const char *name) {
  files_conf *c = op->conf;
  char *from = path_of(c, name, true), *to = path_of(c, name, false);
  int rc = STROM_OK;
  if (!from || !to) rc = STROM_ENOMEM;
  else if (rename(from, to)) {
    struct stat st;
    if (errno != ENOENT || stat(to, &st)) rc = fail_io(op, "committing", from);
  }
  free(from);
  free(to);
  return rc;
}

static int close_current(strom_op *op, files_state *st) {
  if (!st->f) return STROM_OK;
  int bad = fflush(st->f) || fsync(fileno(st->f));
  bad |= fclose(st->f);
  st->f = NULL;
  if (bad) {
    char *p = path_of(op->conf, st->cur, true);
    int rc = fail_io(op, "writing", p ? p : st->cur);
    free(p);
    return rc;
  }
  return STROM_OK;
}

static int add_pending(files_state *st, int64_t ckpt, char *name) {
  if (st->np == st->cap) {
    int cap = st->cap ? st->cap * 2 : 8;
    pending *p = strom__realloc(st->p, (size_t)cap * sizeof *p);
    if (!p) return STROM_ENOMEM;
    st->p = p;
    st->cap = cap;
  }
  st->p[st->np++] = (pending){.ckpt = ckpt, .name = name};
  return STROM_OK;
}

/* Closes the current file and makes it pending for checkpoint ckpt. */
static int precommit(strom_op *op, int64_t ckpt) {
  files_state *st = op->state;
  if (!st->f) return STROM_OK;
  int rc = close_current(op, st);
  if (!rc) rc = add_pending(st, ckpt, st->cur);
  else free(st->cur);
  st->cur = NULL;
  return rc;
}

static int open_next(strom_op *op, files_state *st) {
  files_conf *c = op->conf;
  st->cur = strom__aprintf("%s-%d-%s-%llu", c->prefix, op->ctx.subtask, st->run, (unsigned long long)st->next_part++);
  char *path = st->cur ? path_of(c, st->cur, true) : NULL;
  if (!path) return STROM_ENOMEM;
  st->f = fopen(path, "w");
  int rc = st->f ? STROM_OK : fail_io(op, "cannot create", path);
  free(path);
  st->bytes = 0;
  return rc;
}

static int files_open(strom_op *op) {
  files_conf *c = op->conf;
  files_state *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  /* A run id in every name keeps this run's files apart from an earlier run's leftovers. */
  snprintf(st->run, sizeof st->run, "%llx", (unsigned long long)op->task->job->run_id);
  if (mkdir(c->dir, 0777) && errno != EEXIST) return fail_io(op, "cannot create directory", c->dir);
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
  if (fwrite(st->line.p, 1, st->line.len, st->f) != st->line.len) return fail_io(op, "writing", st->cur);
  st->bytes += st->line.len;
  /* Rolling by size or age: the file waits for the next checkpoint like any other. */
  if (st->bytes >= c->max_part_bytes || (c->rollover_ms && now - st->opened_ms >= c->rollover_ms))
    return precommit(op, INT64_MAX - 1);
  return STROM_OK;
}

static int files_snapshot(strom_op *op, int64_t ckpt, strom_snapshot *s) {
  files_state *st = op->state;
  /* Files rolled since the last checkpoint belong to this one too. */
  for (int i = 0; i < st->np; i++)
    if (st->p[i].ckpt == INT64_MAX - 1) st->p[i].ckpt = ckpt;
  int rc = precommit(op, ckpt);
  strom_buf b = {0};
  for (int i = 0; !rc && i < st->np; i++) rc = strom__put_bytes(&b, st->p[i].name, strlen(st->p[i].name));
  if (!rc) rc = strom__snap_add(s, STROM_SNAP_USER, -1, b.p, b.len);
  strom__buf_free(&b);
  return rc;
}

static int files_notify(strom_op *op, int64_t ckpt) {
  files_state *st = op->state;
  int k = 0, rc = STROM_OK;
  for (int i = 0; i < st->np; i++) {
    if (!rc && st->p[i].ckpt <= ckpt) {
      rc = commit_one(op, st->p[i].name);
      free(st->p[i].name);
    } else {
      st->p[k++] = st->p[i];
    }
  }
  st->np = k;
  return rc;
}

/* Deletes in-progress files of other runs that no checkpoint pre-committed. */
static int delete_leftovers(strom_op *op) {
  files_conf *c = op->conf;
  files_state *st = op->state;
  DIR *d = opendir(c->dir);
  if (!d) return errno == ENOENT ? STROM_OK : fail_io(op, "cannot read directory", c->dir);
  size_t plen = strlen(c->prefix);
  for (struct dirent *e; (e = readdir(d));) {
    const char *n = e->d_name;
    size_t len = strlen(n);
    if (n[0] != '.' || strncmp(n + 1, c->prefix, plen) || n[1 + plen] != '-' || len < 12 ||
        strcmp(n + len - 11, ".inprogress") || strstr(n, st->run))
      continue;
    char *path = strom__aprintf("%s/%s", c->dir, n);
    if (path && unlink(path) && errno != ENOENT) strom__log(STROM_LOG_WARN, "cannot delete '%s': %s", path, strerror(errno));
    free(path);
  }
  closedir(d);
  return STROM_OK;
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
      int rc = nm ? commit_one(op, nm) : STROM_ENOMEM;
      free(nm);
      if (rc) return rc;
    }
  }
  return delete_leftovers(op);
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
  for (int i = 0; i < st->np; i++) free(st->p[i].name);
  free(st->p);
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
