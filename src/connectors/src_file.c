/*
 * src_file.c -- bounded file sources: lines of text, and CSV records.
 *
 * A file is split by byte ranges, one per subtask.  A line belongs to the split in
 * which it starts, so a subtask whose range starts mid-line skips to the next line
 * start and reads past its end to finish its last line: every line is read exactly
 * once at any parallelism.  Line numbers for error messages are counted only when an
 * error is reported, so the hot path never counts newlines.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../api/api.h"
#include "../runtime/snapshot.h"
#include "format_csv.h"

typedef struct file_conf {
  char *path;
  bool csv;
  strom_csv_opts opts;
} file_conf;

static void file_conf_free(void *p) {
  file_conf *c = p;
  free(c->path);
  free(c);
}

/* The 1-based line number of the line starting at offset off. */
static long line_number(const char *path, off_t off) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  long line = 1;
  char buf[65536];
  off_t pos = 0;
  while (pos < off) {
    ssize_t n = read(fd, buf, (size_t)(off - pos < (off_t)sizeof buf ? off - pos : (off_t)sizeof buf));
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; i++) line += buf[i] == '\n';
    pos += n;
  }
  close(fd);
  return line;
}

typedef struct reader {
  int fd;
  char *buf;
  size_t cap, len, pos; /* buf[pos..len) is unread */
  off_t base;           /* file offset of buf[0] */
  bool eof;
} reader;

/* Makes sure buf[pos..] holds a whole line (or the rest of the file). */
static int fill(reader *rd) {
  if (rd->pos > 0) {
    memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
    rd->base += (off_t)rd->pos;
    rd->len -= rd->pos;
    rd->pos = 0;
  }
  if (rd->len == rd->cap) {
    char *b = strom__realloc(rd->buf, rd->cap * 2);
    if (!b) return STROM_ENOMEM;
    rd->buf = b;
    rd->cap *= 2;
  }
  ssize_t n;
  do n = read(rd->fd, rd->buf + rd->len, rd->cap - rd->len);
  while (n < 0 && errno == EINTR);
  if (n < 0) return STROM_EIO;
  if (n == 0) rd->eof = true;
  rd->len += (size_t)n;
  return STROM_OK;
}

/* The next line starting before `end` (without its newline); false at the end. */
static int next_line(reader *rd, off_t end, const char **line, size_t *n, off_t *at, bool *got) {
  *got = false;
  for (;;) {
    if (rd->base + (off_t)rd->pos >= end) return STROM_OK;
    char *nl = rd->len > rd->pos ? memchr(rd->buf + rd->pos, '\n', rd->len - rd->pos) : NULL;
    if (nl || (rd->eof && rd->len > rd->pos)) {
      char *stop = nl ? nl : rd->buf + rd->len;
      *line = rd->buf + rd->pos;
      *n = (size_t)(stop - *line);
      if (*n && (*line)[*n - 1] == '\r') (*n)--;
      *at = rd->base + (off_t)rd->pos;
      rd->pos = (size_t)(stop - rd->buf) + (nl ? 1 : 0);
      *got = true;
      return STROM_OK;
    }
    if (rd->eof) return STROM_OK;
    int rc = fill(rd);
    if (rc) return rc;
  }
}

/* The position: the offset of the next line to read, recorded by checkpoints so that a
 * restored subtask goes on at exactly that line. */
typedef struct file_pos {
  int64_t next;
  bool restored;
} file_pos;

static int file_open(strom_op *op) {
  op->state = strom__calloc(1, sizeof(file_pos));
  return op->state ? STROM_OK : STROM_ENOMEM;
}

static void file_close(strom_op *op) { free(op->state); }

static int file_snapshot(strom_op *op, int64_t id, strom_snapshot *snap) {
  STROM_UNUSED(id);
  return strom__snap_position(snap, (uint64_t)((file_pos *)op->state)->next);
}

static int file_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  file_pos *pos = op->state;
  return strom__restore_position(op, r, true, "file source", (uint64_t *)&pos->next, &pos->restored);
}

static int file_run(strom_op *op) {
  file_conf *c = op->conf;
  file_pos *pos = op->state;
  int s = op->ctx.subtask, p = op->ctx.parallelism, rc = STROM_OK;
  reader rd = {.fd = open(c->path, O_RDONLY | O_CLOEXEC), .cap = 1 << 20};
  if (rd.fd < 0) return strom__op_fail(op, STROM_EIO, "cannot open '%s': %s", c->path, strerror(errno));
  struct stat st;
  if (fstat(rd.fd, &st) || !S_ISREG(st.st_mode)) {
    close(rd.fd);
    return strom__op_fail(op, STROM_EIO, "'%s' is not a regular file", c->path);
  }
  off_t start = (off_t)((__int128)st.st_size * s / p), end = (off_t)((__int128)st.st_size * (s + 1) / p);
  if (s == p - 1) end = st.st_size;
  if (!(rd.buf = strom__malloc(rd.cap))) {
    close(rd.fd);
    return STROM_ENOMEM;
  }
  const char *line;
  size_t n;
  off_t at;
  bool got;
  long skipped = 0;
  strom_yield_pacer pacer = {0};
  uint32_t nrec = 0, every = 0;
  if (pos->restored) {
    /* Resume at the line after the last one before the checkpoint. */
    if (pos->next < start || pos->next > st.st_size || lseek(rd.fd, (off_t)pos->next, SEEK_SET) < 0) {
      free(rd.buf);
      close(rd.fd);
      return strom__op_fail(op, STROM_EINVAL, "'%s' changed since the checkpoint: position %lld is outside this split",
                            c->path, (long long)pos->next);
    }
    rd.base = (off_t)pos->next;
  } else if (start > 0) {
    /* Skip the line that started in the previous split. */
    if (lseek(rd.fd, start - 1, SEEK_SET) < 0) rc = STROM_EIO;
    rd.base = start - 1;
    if (!rc) rc = next_line(&rd, INT64_MAX, &line, &n, &at, &got);
  }
  strom_row *row = op->out.scratch;
  char err[256];
  while (!rc) {
    if ((rc = next_line(&rd, end, &line, &n, &at, &got)) || !got) break;
    pos->next = rd.base + (off_t)rd.pos;
    if (!c->csv) {
      strom__row_reset(row);
      strom_row_set_str_ref(row, 0, line, n);
    } else {
      if (at == 0 && c->opts.header) continue;
      if (n == 0) continue;
      if (strom__csv_parse(row, line, n, c->opts.delimiter ? c->opts.delimiter : ',', err, sizeof err)) {
        if (c->opts.skip_malformed) {
          if (!skipped++) strom__log(STROM_LOG_WARN, "%s:%ld: skipping malformed line: %s", c->path, line_number(c->path, at), err);
          continue;
        }
        rc = strom__op_fail(op, STROM_EPARSE, "%s:%ld: %s", c->path, line_number(c->path, at), err);
        break;
      }
    }
    rc = strom__emit(&op->out, row);
    if (!rc && ++nrec >= every) {
      rc = strom__source_yield(op->task, &pacer);
      nrec = 0, every = pacer.every;
    }
  }
  if (rc == STROM_EIO) rc = strom__op_fail(op, rc, "reading '%s': %s", c->path, strerror(errno));
  if (skipped) strom__log(STROM_LOG_WARN, "%s: skipped %ld malformed lines (subtask %d)", c->path, skipped, s + 1);
  free(rd.buf);
  close(rd.fd);
  return rc;
}

static const strom_op_vt file_vt = {.kind = "File Source",
                                    .open = file_open,
                                    .run = file_run,
                                    .close = file_close,
                                    .free_conf = file_conf_free,
                                    .snapshot = file_snapshot,
                                    .restore = file_restore};

static strom_stream *file_source(strom_env *env, const char *path, const strom_schema *s, bool csv,
                                 const strom_csv_opts *opts) {
  if (!env) return NULL;
  if (!path || !s) return strom__env_error(env, STROM_EINVAL, "file source: path and schema are required");
  file_conf *c = strom__calloc(1, sizeof *c);
  if (!c || !(c->path = strom__strdup(path))) {
    free(c);
    return strom__env_error(env, STROM_ENOMEM, "out of memory");
  }
  c->csv = csv;
  if (opts) c->opts = *opts;
  return strom__add_node(env, NULL, csv ? "CSV Source" : "Text Source", &file_vt, c, s);
}

strom_stream *strom_read_text(strom_env *env, const char *path) {
  strom_schema *s = strom_schema_new();
  if (!s || strom_schema_add(s, "line", STROM_VARCHAR)) {
    strom_schema_free(s);
    return strom__env_error(env, STROM_ENOMEM, "out of memory");
  }
  strom_stream *st = file_source(env, path, s, false, NULL);
  strom_schema_free(s);
  return st;
}

strom_stream *strom_read_csv(strom_env *env, const char *path, const strom_schema *s, const strom_csv_opts *opts) {
  return file_source(env, path, s, true, opts);
}
