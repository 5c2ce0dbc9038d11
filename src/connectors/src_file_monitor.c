/*
 * src_file_monitor.c -- the filesystem source over a directory: text lines of every
 * file in it and, with a monitor interval (source.monitor-interval), of every file that
 * appears later (Flink's FileSource with monitorContinuously).
 *
 * Files are the splits.  Each subtask owns the files whose name hashes to it, so the
 * subtasks need no coordinator to share them out, and reads them whole, one after
 * another in name order.  The position is the set of files read completely plus the
 * offset of the next line in the file being read; a checkpoint records both and a
 * restore takes, from every former subtask's record, the entries of the files it owns
 * now, so a job resumes at another parallelism too, and every line is read exactly
 * once.  A file that grows or changes after it was read is not read again (as Flink):
 * writers create files under a hidden name ('.' or '_' first) and rename them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../api/api.h"
#include "../runtime/snapshot.h"
#include "strom/filesystem.h"

typedef struct monitor_conf {
  char *dir;
  int64_t interval_ms; /* <= 0: bounded */
} monitor_conf;

typedef struct resume_at {
  char *name;
  uint64_t offset;
} resume_at;

typedef struct monitor_state {
  char **done; /* open addressing set of file names read completely */
  size_t ndone, cap;
  char *cur;    /* the file being read, or NULL */
  uint64_t off; /* offset of its next line */
  resume_at *resume; /* restored: files to go on reading at an offset */
  int nresume;
} monitor_state;

static uint64_t name_hash(const char *n) { return strom__hash_bytes(n, strlen(n)); }

static bool owned(const strom_op *op, const char *name) {
  return name_hash(name) % (uint64_t)op->ctx.parallelism == (uint64_t)op->ctx.subtask;
}

static bool is_done(const monitor_state *st, const char *name) {
  if (!st->cap) return false;
  for (size_t i = name_hash(name) & (st->cap - 1); st->done[i]; i = (i + 1) & (st->cap - 1))
    if (!strcmp(st->done[i], name)) return true;
  return false;
}

/* Adds name (taking it) to the set of files read. */
static int add_done(monitor_state *st, char *name) {
  if (is_done(st, name)) {
    free(name);
    return STROM_OK;
  }
  if ((st->ndone + 1) * 2 > st->cap) {
    size_t cap = st->cap ? st->cap * 2 : 64;
    char **d = strom__calloc(cap, sizeof *d);
    if (!d) {
      free(name);
      return STROM_ENOMEM;
    }
    for (size_t i = 0; i < st->cap; i++) {
      if (!st->done[i]) continue;
      size_t j = name_hash(st->done[i]) & (cap - 1);
      while (d[j]) j = (j + 1) & (cap - 1);
      d[j] = st->done[i];
    }
    free(st->done);
    st->done = d;
    st->cap = cap;
  }
  size_t i = name_hash(name) & (st->cap - 1);
  while (st->done[i]) i = (i + 1) & (st->cap - 1);
  st->done[i] = name;
  st->ndone++;
  return STROM_OK;
}

static int monitor_open(strom_op *op) {
  op->state = strom__calloc(1, sizeof(monitor_state));
  return op->state ? STROM_OK : STROM_ENOMEM;
}

static void monitor_close(strom_op *op) {
  monitor_state *st = op->state;
  if (!st) return;
  for (size_t i = 0; i < st->cap; i++) free(st->done[i]);
  free(st->done);
  free(st->cur);
  for (int i = 0; i < st->nresume; i++) free(st->resume[i].name);
  free(st->resume);
  free(st);
}

/* The snapshot: version 1, the files read, then the file being read and its offset
 * (and files still to be resumed from an earlier restore). */
static int monitor_snapshot(strom_op *op, int64_t id, strom_snapshot *s) {
  STROM_UNUSED(id);
  monitor_state *st = op->state;
  strom_buf b = {0};
  int rc = strom__put_varint(&b, 1);
  if (!rc) rc = strom__put_varint(&b, st->ndone);
  for (size_t i = 0; !rc && i < st->cap; i++)
    if (st->done[i]) rc = strom__put_bytes(&b, st->done[i], strlen(st->done[i]));
  int nres = st->nresume + (st->cur ? 1 : 0);
  if (!rc) rc = strom__put_varint(&b, (uint64_t)nres);
  if (!rc && st->cur) rc = strom__put_bytes(&b, st->cur, strlen(st->cur));
  if (!rc && st->cur) rc = strom__put_varint(&b, st->off);
  for (int i = 0; !rc && i < st->nresume; i++) {
    if (st->cur && !strcmp(st->cur, st->resume[i].name)) continue; /* already written as cur */
    rc = strom__put_bytes(&b, st->resume[i].name, strlen(st->resume[i].name));
    if (!rc) rc = strom__put_varint(&b, st->resume[i].offset);
  }
  if (!rc) rc = strom__snap_add(s, STROM_SNAP_USER, -1, b.p, b.len);
  strom__buf_free(&b);
  return rc;
}

static char *get_name(const uint8_t **p, const uint8_t *end) {
  const uint8_t *n;
  size_t len;
  if (!strom__get_bytes(p, end, &n, &len) || !len || len > 4096 || memchr(n, '/', len) || memchr(n, 0, len)) return NULL;
  return strom__strndup((const char *)n, len);
}

static int monitor_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  monitor_state *st = op->state;
  for (int i = 0; i < r->n; i++) {
    if (r->b[i].kind != STROM_SNAP_USER) continue;
    const uint8_t *p = r->b[i].p, *end = p + r->b[i].len;
    uint64_t version, ndone, nres;
    bool ok = strom__get_varint(&p, end, &version) && version == 1 && strom__get_varint(&p, end, &ndone);
    for (uint64_t k = 0; ok && k < ndone; k++) {
      char *name = get_name(&p, end);
      if (!name) ok = false;
      else if (!owned(op, name)) free(name);
      else if (add_done(st, name)) return STROM_ENOMEM;
    }
    ok = ok && strom__get_varint(&p, end, &nres);
    for (uint64_t k = 0; ok && k < nres; k++) {
      char *name = get_name(&p, end);
      uint64_t off;
      if (!name || !strom__get_varint(&p, end, &off)) {
        free(name);
        ok = false;
      } else if (!owned(op, name)) {
        free(name);
      } else {
        resume_at *ra = strom__realloc(st->resume, (size_t)(st->nresume + 1) * sizeof *ra);
        if (!ra) {
          free(name);
          return STROM_ENOMEM;
        }
        st->resume = ra;
        st->resume[st->nresume++] = (resume_at){.name = name, .offset = off};
      }
    }
    if (!ok || p != end)
      return strom__op_fail(op, STROM_EPARSE, "restoring %s: malformed snapshot (block %d)", op->node->name, i);
  }
  strom__log(STROM_LOG_INFO, "%s (subtask %d): %zu files read, %d to go on at an offset", op->node->name,
             op->ctx.subtask + 1, st->ndone, st->nresume);
  return STROM_OK;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names of this subtask's files in the directory not read yet, sorted. */
static int list_new(strom_op *op, char ***names, size_t *n) {
  monitor_conf *c = op->conf;
  monitor_state *st = op->state;
  *names = NULL;
  *n = 0;
  DIR *d = opendir(c->dir);
  if (!d) return strom__op_fail(op, STROM_EIO, "cannot read directory '%s': %s", c->dir, strerror(errno));
  size_t cap = 0;
  int rc = STROM_OK;
  for (struct dirent *e; !rc && (e = readdir(d));) {
    const char *nm = e->d_name;
    if (nm[0] == '.' || nm[0] == '_' || !owned(op, nm) || is_done(st, nm)) continue;
    struct stat sb;
    if (fstatat(dirfd(d), nm, &sb, 0) || !S_ISREG(sb.st_mode)) continue;
    if (*n == cap) {
      cap = cap ? cap * 2 : 16;
      char **p = strom__realloc(*names, cap * sizeof *p);
      if (!p) rc = STROM_ENOMEM;
      else *names = p;
    }
    if (!rc && !((*names)[*n] = strom__strdup(nm))) rc = STROM_ENOMEM;
    if (!rc) (*n)++;
  }
  closedir(d);
  if (*n) qsort(*names, *n, sizeof **names, cmp_names);
  return rc;
}

/* Reads st->cur from st->off to its end, emitting its lines. */
static int read_file(strom_op *op, strom_yield_pacer *pacer) {
  monitor_conf *c = op->conf;
  monitor_state *st = op->state;
  char *path = strom__aprintf("%s/%s", c->dir, st->cur);
  if (!path) return STROM_ENOMEM;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    /* Deleted since the listing (or since the checkpoint): nothing left to read. */
    strom__log(STROM_LOG_WARN, "%s: '%s' is gone before it was read to its end", op->node->name, path);
    free(path);
    return STROM_OK;
  }
  if (fd < 0 || lseek(fd, (off_t)st->off, SEEK_SET) < 0) {
    int rc = strom__op_fail(op, STROM_EIO, "cannot read '%s': %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    free(path);
    return rc;
  }
  size_t cap = 1 << 16, len = 0;
  char *buf = strom__malloc(cap);
  strom_row *row = op->out.scratch;
  uint32_t nrec = 0, every = 0;
  int rc = buf ? STROM_OK : STROM_ENOMEM;
  bool eof = false;
  while (!rc && !(eof && !len)) {
    char *nl = len ? memchr(buf, '\n', len) : NULL;
    if (!nl && !eof) {
      if (len == cap) {
        char *b = strom__realloc(buf, cap * 2);
        if (!b) {
          rc = STROM_ENOMEM;
          break;
        }
        buf = b, cap *= 2;
      }
      ssize_t got = read(fd, buf + len, cap - len);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) rc = strom__op_fail(op, STROM_EIO, "reading '%s': %s", path, strerror(errno));
      else if (got == 0) eof = true;
      else len += (size_t)got;
      continue;
    }
    /* A whole line, or the last one without a newline. */
    size_t n = nl ? (size_t)(nl - buf) : len, used = nl ? n + 1 : len;
    size_t vis = n && buf[n - 1] == '\r' ? n - 1 : n;
    strom__row_reset(row);
    strom_row_set_str_ref(row, 0, buf, vis);
    st->off += used; /* before the emit: a checkpoint may follow it */
    rc = strom__emit(&op->out, row);
    memmove(buf, buf + used, len - used);
    len -= used;
    if (!rc && ++nrec >= every) {
      rc = strom__source_yield(op->task, pacer);
      nrec = 0, every = pacer->every;
    }
  }
  free(buf);
  close(fd);
  free(path);
  return rc;
}

/* Waits ms milliseconds, still running mail (checkpoints) and timers. */
static int pause_for(strom_op *op, int64_t ms) {
  int64_t until = strom__mono_ns() + ms * 1000000;
  int rc = strom__task_flush(op->task);
  while (!rc && strom__mono_ns() < until) {
    if ((rc = strom__task_yield(op->task))) break;
    int64_t left = (until - strom__mono_ns()) / 1000000;
    strom__gate_wait(&op->task->gate, left < 10 ? (left > 0 ? left : 0) : 10);
  }
  return rc;
}

static uint64_t resume_offset(monitor_state *st, const char *name) {
  for (int i = 0; i < st->nresume; i++)
    if (!strcmp(st->resume[i].name, name)) {
      uint64_t off = st->resume[i].offset;
      free(st->resume[i].name);
      st->resume[i] = st->resume[--st->nresume];
      return off;
    }
  return 0;
}

static int monitor_run(strom_op *op) {
  monitor_conf *c = op->conf;
  monitor_state *st = op->state;
  strom_yield_pacer pacer = {0};
  int rc = STROM_OK;
  for (;;) {
    char **names;
    size_t n;
    if ((rc = list_new(op, &names, &n))) break;
    for (size_t i = 0; i < n; i++) {
      if (!rc) {
        st->cur = names[i];
        st->off = resume_offset(st, names[i]);
        names[i] = NULL;
        rc = read_file(op, &pacer);
        if (!rc) rc = add_done(st, st->cur);
        else free(st->cur);
        st->cur = NULL;
      }
      free(names[i]);
    }
    free(names);
    if (rc || c->interval_ms <= 0) break;
    if ((rc = pause_for(op, c->interval_ms))) break;
  }
  return rc;
}

static void monitor_conf_free(void *p) {
  monitor_conf *c = p;
  free(c->dir);
  free(c);
}

static const strom_op_vt monitor_vt = {.kind = "File Monitor Source",
                                       .open = monitor_open,
                                       .run = monitor_run,
                                       .close = monitor_close,
                                       .free_conf = monitor_conf_free,
                                       .snapshot = monitor_snapshot,
                                       .restore = monitor_restore};

strom_stream *strom_monitor_text(strom_env *env, const char *dir, const strom_monitor_opts *opts) {
  if (!env) return NULL;
  if (!dir || !*dir) return strom__env_error(env, STROM_EINVAL, "monitor_text: a directory is required");
  monitor_conf *c = strom__calloc(1, sizeof *c);
  strom_schema *s = strom_schema_new();
  if (!c || !s || !(c->dir = strom__strdup(dir)) || strom_schema_add(s, "line", STROM_VARCHAR)) {
    if (c) monitor_conf_free(c);
    strom_schema_free(s);
    return strom__env_error(env, STROM_ENOMEM, "out of memory");
  }
  c->interval_ms = opts ? opts->monitor_interval_ms : 0;
  strom_stream *st = strom__add_node(env, NULL, "File Monitor Source", &monitor_vt, c, s);
  strom_schema_free(s);
  return st;
}
