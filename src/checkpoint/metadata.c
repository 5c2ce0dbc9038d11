/*
 * metadata.c -- a checkpoint's _metadata: building it, its binary encoding (see
 * storage.h), full validation when it is read back, and the atomic write (temporary
 * file, fsync, rename, fsync of the folder).
 *
 * The decoder checks the header (magic, version, length: a truncated file is named
 * as such), then the checksum over everything, and only then parses; the parse is
 * still bounds-checked at every field and every count is checked against the bytes
 * left before anything is allocated, so arbitrary bytes cannot make it read out of
 * bounds or allocate without limit (fuzz/fuzz_checkpoint.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage_impl.h"

static const char META_MAGIC[8] = {'S', 'T', 'R', 'M', 'M', 'E', 'T', 'A'};
#define META_VERSION 1
#define META_HEADER 16                                     /* magic, version, length */
#define META_MIN (META_HEADER + 8 + 8 + 4 + 4 + 4 + 4 + 8) /* no job name, no operators */
#define META_MAX ((size_t)1 << 30)
#define UID_MAX 4096
#define JOB_MAX 4096
#define EXTRA_MAX ((size_t)16 << 20)
#define MIN_SUBTASK_BYTES (4 + 8 + 8 + 4)
#define MIN_OP_BYTES (4 + 1 + 4 + MIN_SUBTASK_BYTES)

/* ---------------------------------------------------------------- building */

strom__ckpt_meta *strom__ckpt_meta_new(int64_t id, const char *job, int64_t timestamp_ms, bool savepoint,
                                       int max_parallelism) {
  strom__ckpt_meta *m = strom__calloc(1, sizeof *m);
  if (!m) return NULL;
  m->id = id;
  m->job = strom__strdup(job ? job : "");
  m->timestamp_ms = timestamp_ms;
  m->savepoint = savepoint;
  m->max_parallelism = max_parallelism;
  if (!m->job) {
    free(m);
    return NULL;
  }
  return m;
}

strom__ckpt_op_meta *strom__ckpt_meta_add_operator(strom__ckpt_meta *m, const char *uid, int parallelism) {
  if (!uid || parallelism < 1) return NULL;
  strom__ckpt_op_meta *ops = strom__realloc(m->ops, sizeof *ops * (size_t)(m->nops + 1));
  if (!ops) return NULL;
  m->ops = ops;
  strom__ckpt_op_meta *op = &ops[m->nops];
  op->uid = strom__strdup(uid);
  op->parallelism = parallelism;
  op->subtasks = strom__calloc((size_t)parallelism, sizeof *op->subtasks);
  if (!op->uid || !op->subtasks) {
    free(op->uid);
    free(op->subtasks);
    return NULL;
  }
  m->nops++;
  return op;
}

int strom__ckpt_meta_set_subtask(strom__ckpt_op_meta *op, int subtask, const strom__ckpt_file_info *f,
                                 const void *extra, size_t extra_len) {
  if (subtask < 0 || subtask >= op->parallelism || (extra_len && !extra)) return STROM_EINVAL;
  strom__ckpt_subtask_meta *s = &op->subtasks[subtask];
  char *file = f ? strom__strdup(f->name) : NULL;
  uint8_t *x = extra_len ? strom__malloc(extra_len) : NULL;
  if ((f && !file) || (extra_len && !x)) {
    free(file);
    free(x);
    return STROM_ENOMEM;
  }
  if (extra_len) memcpy(x, extra, extra_len);
  free(s->file);
  free(s->extra);
  s->file = file;
  s->size = f ? f->size : 0;
  s->checksum = f ? f->checksum : 0;
  s->extra = x;
  s->extra_len = extra_len;
  return STROM_OK;
}

const strom__ckpt_op_meta *strom__ckpt_meta_find(const strom__ckpt_meta *m, const char *uid) {
  for (int i = 0; i < m->nops; i++)
    if (!strcmp(m->ops[i].uid, uid)) return &m->ops[i];
  return NULL;
}

void strom__ckpt_meta_free(strom__ckpt_meta *m) {
  if (!m) return;
  for (int i = 0; i < m->nops; i++) {
    strom__ckpt_op_meta *op = &m->ops[i];
    if (op->subtasks)
      for (int j = 0; j < op->parallelism; j++) {
        free(op->subtasks[j].file);
        free(op->subtasks[j].extra);
      }
    free(op->subtasks);
    free(op->uid);
  }
  free(m->ops);
  free(m->job);
  free(m);
}

/* ---------------------------------------------------------------- validation */

/* Checks everything a decoded or to-be-encoded meta must satisfy; writes why to why. */
static bool meta_valid(const strom__ckpt_meta *m, char *why, size_t cap) {
  if (m->id < 0) return snprintf(why, cap, "checkpoint id %" PRId64 " is negative", m->id), false;
  if (m->max_parallelism < 1 || m->max_parallelism > STROM__CKPT_MAX_KEY_GROUPS)
    return snprintf(why, cap, "max parallelism %d out of range 1..%d", m->max_parallelism, STROM__CKPT_MAX_KEY_GROUPS),
           false;
  if (m->job && strlen(m->job) > JOB_MAX) return snprintf(why, cap, "job name longer than %d bytes", JOB_MAX), false;
  if (m->nops < 0 || (m->nops && !m->ops)) return snprintf(why, cap, "bad operator count %d", m->nops), false;
  for (int i = 0; i < m->nops; i++) {
    const strom__ckpt_op_meta *op = &m->ops[i];
    if (!op->uid || !op->uid[0] || strlen(op->uid) > UID_MAX)
      return snprintf(why, cap, "operator %d: uid empty or longer than %d bytes", i, UID_MAX), false;
    for (int k = 0; k < i; k++)
      if (!strcmp(m->ops[k].uid, op->uid))
        return snprintf(why, cap, "operator %d: uid \"%.64s\" appears twice", i, op->uid), false;
    if (op->parallelism < 1 || op->parallelism > m->max_parallelism || !op->subtasks)
      return snprintf(why, cap, "operator \"%.64s\": parallelism %d out of range 1..%d", op->uid, op->parallelism,
                      m->max_parallelism),
             false;
    for (int j = 0; j < op->parallelism; j++) {
      const strom__ckpt_subtask_meta *s = &op->subtasks[j];
      if (s->extra_len > EXTRA_MAX || (s->extra_len && !s->extra))
        return snprintf(why, cap, "operator \"%.64s\" subtask %d: bad extra bytes", op->uid, j), false;
      if (!s->file) {
        if (s->size || s->checksum)
          return snprintf(why, cap, "operator \"%.64s\" subtask %d: size without a file", op->uid, j), false;
        continue;
      }
      if (!strom__ckpt_name_ok(s->file, strlen(s->file)))
        return snprintf(why, cap, "operator \"%.64s\" subtask %d: bad file name", op->uid, j), false;
    }
  }
  /* No two subtasks may name the same file (quadratic, but a checkpoint lists few). */
  for (int i = 0; i < m->nops; i++)
    for (int j = 0; j < m->ops[i].parallelism; j++) {
      const char *f = m->ops[i].subtasks[j].file;
      if (!f) continue;
      for (int k = i; k < m->nops; k++)
        for (int l = k == i ? j + 1 : 0; l < m->ops[k].parallelism; l++)
          if (m->ops[k].subtasks[l].file && !strcmp(f, m->ops[k].subtasks[l].file))
            return snprintf(why, cap, "file %.64s is listed twice", f), false;
    }
  return true;
}

/* ---------------------------------------------------------------- encoding */

static int put(strom_buf *b, const void *p, size_t n) { return strom__buf_append(b, p, n); }
static int put32(strom_buf *b, uint32_t v) {
  uint8_t x[4];
  ckpt_put32(x, v);
  return put(b, x, 4);
}
static int put64(strom_buf *b, uint64_t v) {
  uint8_t x[8];
  ckpt_put64(x, v);
  return put(b, x, 8);
}
static int putbytes(strom_buf *b, const void *p, size_t n) {
  int rc = put32(b, (uint32_t)n);
  return rc || !n ? rc : put(b, p, n);
}

int strom__ckpt_meta_encode(const strom__ckpt_meta *m, strom_buf *out, char *err, size_t errlen) {
  char why[256];
  if (!meta_valid(m, why, sizeof why)) {
    strom__ckpt_errf(err, errlen, "checkpoint %" PRId64 ": invalid metadata: %s", m->id, why);
    return STROM_EINVAL;
  }
  size_t start = out->len;
  const char *job = m->job ? m->job : "";
  int rc = put(out, META_MAGIC, 8);
  rc = rc ? rc : put32(out, META_VERSION);
  rc = rc ? rc : put32(out, 0); /* the length, set below */
  rc = rc ? rc : put64(out, (uint64_t)m->id);
  rc = rc ? rc : put64(out, (uint64_t)m->timestamp_ms);
  rc = rc ? rc : put32(out, m->savepoint ? 1 : 0);
  rc = rc ? rc : put32(out, (uint32_t)m->max_parallelism);
  rc = rc ? rc : putbytes(out, job, strlen(job));
  rc = rc ? rc : put32(out, (uint32_t)m->nops);
  for (int i = 0; !rc && i < m->nops; i++) {
    const strom__ckpt_op_meta *op = &m->ops[i];
    rc = putbytes(out, op->uid, strlen(op->uid));
    rc = rc ? rc : put32(out, (uint32_t)op->parallelism);
    for (int j = 0; !rc && j < op->parallelism; j++) {
      const strom__ckpt_subtask_meta *s = &op->subtasks[j];
      rc = putbytes(out, s->file, s->file ? strlen(s->file) : 0);
      rc = rc ? rc : put64(out, s->size);
      rc = rc ? rc : put64(out, s->checksum);
      rc = rc ? rc : putbytes(out, s->extra, s->extra_len);
    }
  }
  size_t total = out->len - start + 8;
  if (!rc && total > META_MAX) {
    out->len = start;
    strom__ckpt_errf(err, errlen, "checkpoint %" PRId64 ": metadata of %zu bytes is too large", m->id, total);
    return STROM_EINVAL;
  }
  if (!rc) {
    uint8_t *base = (uint8_t *)out->p + start;
    ckpt_put32(base + 12, (uint32_t)total);
    rc = put64(out, strom__ckpt_xxh64(out->p + start, total - 8));
  }
  if (rc) {
    out->len = start;
    strom__ckpt_errf(err, errlen, "checkpoint %" PRId64 ": out of memory encoding the metadata", m->id);
  }
  return rc;
}

/* ---------------------------------------------------------------- decoding */

typedef struct cursor {
  const uint8_t *base, *p, *end;
  char why[256];
} cursor;

static bool need(cursor *c, size_t n, const char *what) {
  if ((size_t)(c->end - c->p) >= n) return true;
  snprintf(c->why, sizeof c->why, "offset %zu: %s runs past the end", (size_t)(c->p - c->base), what);
  return false;
}
static bool get32(cursor *c, uint32_t *v, const char *what) {
  if (!need(c, 4, what)) return false;
  *v = ckpt_get32(c->p);
  c->p += 4;
  return true;
}
static bool get64(cursor *c, uint64_t *v, const char *what) {
  if (!need(c, 8, what)) return false;
  *v = ckpt_get64(c->p);
  c->p += 8;
  return true;
}
/* A u32 length and bytes, copied; as_string: NUL-terminated, no NUL inside, and a
 * length of 0 gives NULL when empty_null. */
static bool getbytes(cursor *c, uint8_t **out, size_t *len, size_t max, bool as_string, bool empty_null,
                     const char *what) {
  uint32_t n;
  size_t at = (size_t)(c->p - c->base);
  if (!get32(c, &n, what)) return false;
  if (n > max) {
    snprintf(c->why, sizeof c->why, "offset %zu: %s of %" PRIu32 " bytes is too long", at, what, n);
    return false;
  }
  if (!need(c, n, what)) return false;
  if (as_string && memchr(c->p, 0, n)) {
    snprintf(c->why, sizeof c->why, "offset %zu: %s has a NUL byte", at, what);
    return false;
  }
  *len = n;
  if (!n && empty_null) {
    *out = NULL;
    return true;
  }
  *out = strom__malloc(n + 1);
  if (!*out) {
    snprintf(c->why, sizeof c->why, "out of memory");
    return false;
  }
  if (n) memcpy(*out, c->p, n);
  (*out)[n] = 0;
  c->p += n;
  return true;
}

static bool parse(cursor *c, strom__ckpt_meta *m) {
  uint32_t flags, maxp, nops, par;
  uint64_t id, ts;
  size_t n;
  c->p += META_HEADER;
  if (!get64(c, &id, "checkpoint id") || !get64(c, &ts, "timestamp") || !get32(c, &flags, "flags") ||
      !get32(c, &maxp, "max parallelism"))
    return false;
  m->id = (int64_t)id;
  m->timestamp_ms = (int64_t)ts;
  if (flags & ~1u) {
    snprintf(c->why, sizeof c->why, "offset 32: unknown flags %#" PRIx32, flags);
    return false;
  }
  m->savepoint = flags & 1;
  if (maxp < 1 || maxp > STROM__CKPT_MAX_KEY_GROUPS) {
    snprintf(c->why, sizeof c->why, "offset 36: max parallelism %" PRIu32 " out of range", maxp);
    return false;
  }
  m->max_parallelism = (int)maxp;
  if (!getbytes(c, (uint8_t **)&m->job, &n, JOB_MAX, true, false, "job name")) return false;
  size_t at = (size_t)(c->p - c->base);
  if (!get32(c, &nops, "operator count")) return false;
  if (nops > (size_t)(c->end - c->p) / MIN_OP_BYTES) {
    snprintf(c->why, sizeof c->why, "offset %zu: %" PRIu32 " operators cannot fit", at, nops);
    return false;
  }
  m->ops = strom__calloc(nops ? nops : 1, sizeof *m->ops);
  if (!m->ops) return snprintf(c->why, sizeof c->why, "out of memory"), false;
  for (uint32_t i = 0; i < nops; i++) {
    strom__ckpt_op_meta *op = &m->ops[i];
    m->nops = (int)i + 1; /* so that meta_free frees what was parsed */
    if (!getbytes(c, (uint8_t **)&op->uid, &n, UID_MAX, true, false, "operator uid")) return false;
    at = (size_t)(c->p - c->base);
    if (!get32(c, &par, "parallelism")) return false;
    if (par < 1 || par > maxp || par > (size_t)(c->end - c->p) / MIN_SUBTASK_BYTES) {
      snprintf(c->why, sizeof c->why, "offset %zu: operator %" PRIu32 ": parallelism %" PRIu32 " out of range", at, i,
               par);
      return false;
    }
    op->subtasks = strom__calloc(par, sizeof *op->subtasks);
    if (!op->subtasks) return snprintf(c->why, sizeof c->why, "out of memory"), false;
    op->parallelism = (int)par;
    for (uint32_t j = 0; j < par; j++) {
      strom__ckpt_subtask_meta *s = &op->subtasks[j];
      if (!getbytes(c, (uint8_t **)&s->file, &n, STROM__CKPT_NAME_MAX, true, true, "state file name") ||
          !get64(c, &s->size, "file size") || !get64(c, &s->checksum, "file checksum") ||
          !getbytes(c, &s->extra, &s->extra_len, EXTRA_MAX, false, true, "extra bytes"))
        return false;
    }
  }
  if (c->p != c->end) {
    snprintf(c->why, sizeof c->why, "offset %zu: %zu unexpected bytes before the checksum", (size_t)(c->p - c->base),
             (size_t)(c->end - c->p));
    return false;
  }
  if (!meta_valid(m, c->why, sizeof c->why)) return false;
  return true;
}

int strom__ckpt_meta_decode(const void *bytes, size_t len, const char *what, strom__ckpt_meta **out, char *err,
                            size_t errlen) {
  *out = NULL;
  const uint8_t *b = bytes;
  what = what ? what : "_metadata";
  if (len < META_HEADER) {
    strom__ckpt_errf(err, errlen, "%s: truncated: %zu bytes", what, len);
    return STROM_EPARSE;
  }
  if (memcmp(b, META_MAGIC, 8)) {
    strom__ckpt_errf(err, errlen, "%s: offset 0: bad magic (not a _metadata file)", what);
    return STROM_EPARSE;
  }
  if (ckpt_get32(b + 8) != META_VERSION) {
    strom__ckpt_errf(err, errlen, "%s: offset 8: unsupported version %" PRIu32, what, ckpt_get32(b + 8));
    return STROM_EPARSE;
  }
  uint32_t total = ckpt_get32(b + 12);
  if (total < META_MIN) {
    strom__ckpt_errf(err, errlen, "%s: offset 12: bad length %" PRIu32, what, total);
    return STROM_EPARSE;
  }
  if (len != total) {
    strom__ckpt_errf(err, errlen, "%s: %zu bytes, but the header says %" PRIu32 " (%s)", what, len, total,
                     len < total ? "truncated" : "trailing bytes");
    return STROM_EPARSE;
  }
  if (ckpt_get64(b + len - 8) != strom__ckpt_xxh64(b, len - 8)) {
    strom__ckpt_errf(err, errlen, "%s: checksum mismatch", what);
    return STROM_EPARSE;
  }
  strom__ckpt_meta *m = strom__calloc(1, sizeof *m);
  if (!m) return STROM_ENOMEM;
  cursor c = {.base = b, .p = b, .end = b + len - 8};
  if (!parse(&c, m)) {
    strom__ckpt_errf(err, errlen, "%s: %s", what, c.why);
    strom__ckpt_meta_free(m);
    return STROM_EPARSE;
  }
  *out = m;
  return STROM_OK;
}

/* ---------------------------------------------------------------- files */

int strom__ckpt_meta_write(const char *dir, const strom__ckpt_meta *m, _Atomic uint64_t *bytes_written, char *err,
                           size_t errlen) {
  char disp[320];
  strom__ckpt_display(disp, sizeof disp, dir, STROM__CKPT_METADATA);
  strom_buf b = {0};
  int rc = strom__ckpt_meta_encode(m, &b, err, errlen);
  if (rc) return rc;
  char *tmp = strom__aprintf("%s/.%s.tmp", dir, STROM__CKPT_METADATA);
  char *final = strom__aprintf("%s/%s", dir, STROM__CKPT_METADATA);
  if (!tmp || !final) {
    rc = STROM_ENOMEM;
    goto out;
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    strom__ckpt_errf(err, errlen, "%s: cannot create %s: %s", disp, tmp, strerror(errno));
    rc = STROM_EIO;
    goto out;
  }
  const char *step = NULL;
  if (strom__ckpt_write_all(fd, b.p, b.len)) step = "write";
  else if (fsync(fd)) step = "fsync";
  int e = errno;
  if (close(fd) && !step) step = "close", e = errno;
  if (!step && rename(tmp, final)) step = "rename", e = errno;
  if (!step && strom__ckpt_fsync_dir(dir)) step = "fsync of the folder", e = errno;
  if (step) {
    strom__ckpt_errf(err, errlen, "%s: %s failed: %s", disp, step, strerror(e));
    unlink(tmp);
    rc = STROM_EIO;
    goto out;
  }
  strom__ckpt_count_bytes(bytes_written, b.len);
out:
  free(tmp);
  free(final);
  strom__buf_free(&b);
  return rc;
}

int strom__ckpt_meta_read(const char *dir, strom__ckpt_meta **out, char *err, size_t errlen) {
  *out = NULL;
  char disp[320];
  strom__ckpt_display(disp, sizeof disp, dir, STROM__CKPT_METADATA);
  char *path = strom__aprintf("%s/%s", dir, STROM__CKPT_METADATA);
  if (!path) return STROM_ENOMEM;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  free(path);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) {
    int e = errno;
    if (fd >= 0) close(fd);
    if (e == ENOENT) {
      strom__ckpt_errf(err, errlen, "%s: missing (the checkpoint is not complete)", disp);
      return STROM_EINVAL;
    }
    strom__ckpt_errf(err, errlen, "%s: cannot open: %s", disp, strerror(e));
    return STROM_EIO;
  }
  if ((uint64_t)st.st_size > META_MAX) {
    close(fd);
    strom__ckpt_errf(err, errlen, "%s: %" PRIu64 " bytes is too large for a _metadata file", disp,
                     (uint64_t)st.st_size);
    return STROM_EPARSE;
  }
  size_t n = (size_t)st.st_size;
  uint8_t *buf = strom__malloc(n ? n : 1);
  if (!buf) {
    close(fd);
    return STROM_ENOMEM;
  }
  ssize_t got = strom__ckpt_pread_all(fd, buf, n, 0);
  int e = errno;
  close(fd);
  int rc;
  if (got < 0) {
    strom__ckpt_errf(err, errlen, "%s: read failed: %s", disp, strerror(e));
    rc = STROM_EIO;
  } else {
    rc = strom__ckpt_meta_decode(buf, (size_t)got, disp, out, err, errlen);
  }
  free(buf);
  return rc;
}

/* ---------------------------------------------------------------- description */

int strom__ckpt_meta_describe(const strom__ckpt_meta *m, strom_buf *out) {
  int rc = strom__buf_printf(out, "%s %" PRId64 " of job \"%s\" at %" PRId64 " ms, max parallelism %d, %d operators\n",
                             m->savepoint ? "savepoint" : "checkpoint", m->id, m->job ? m->job : "", m->timestamp_ms,
                             m->max_parallelism, m->nops);
  for (int i = 0; !rc && i < m->nops; i++) {
    const strom__ckpt_op_meta *op = &m->ops[i];
    rc = strom__buf_printf(out, "  operator \"%s\", parallelism %d\n", op->uid, op->parallelism);
    for (int j = 0; !rc && j < op->parallelism; j++) {
      const strom__ckpt_subtask_meta *s = &op->subtasks[j];
      if (s->file)
        rc = strom__buf_printf(out, "    subtask %d: %s, %" PRIu64 " bytes, xxh64 %016" PRIx64 ", %zu extra bytes\n", j,
                               s->file, s->size, s->checksum, s->extra_len);
      else
        rc = strom__buf_printf(out, "    subtask %d: no state file, %zu extra bytes\n", j, s->extra_len);
    }
  }
  return rc;
}
