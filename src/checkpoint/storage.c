/*
 * storage.c -- the checkpoint directory: chk-<id> folders under a base directory,
 * listing them, loading and verifying one, finding the newest that verifies (and
 * saying why newer ones were passed over), retention and deletion; plus the small
 * I/O helpers the other checkpoint files share.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "storage_impl.h"

/* ---------------------------------------------------------------- helpers */

static _Atomic uint64_t total_written;

uint64_t strom__ckpt_total_bytes_written(void) { return atomic_load_explicit(&total_written, memory_order_relaxed); }

void strom__ckpt_count_bytes(_Atomic uint64_t *c, uint64_t n) {
  atomic_fetch_add_explicit(&total_written, n, memory_order_relaxed);
  if (c) atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

uint64_t strom__ckpt_xxh64(const void *p, size_t n) { return XXH64(n ? p : "", n, 0); }

void strom__ckpt_errf(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

void strom__ckpt_display(char *buf, size_t cap, const char *dir, const char *name) {
  if (!dir) dir = "";
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  size_t b = n;
  while (b > 0 && dir[b - 1] != '/') b--;
  if (n > b) snprintf(buf, cap, "%.*s/%s", (int)(n - b), dir + b, name);
  else snprintf(buf, cap, "%s", name);
}

bool strom__ckpt_name_ok(const char *name, size_t n) {
  if (n == 0 || n > STROM__CKPT_NAME_MAX || name[0] == '.') return false;
  if (memchr(name, '/', n) || memchr(name, 0, n)) return false;
  if (n == strlen(STROM__CKPT_METADATA) && !memcmp(name, STROM__CKPT_METADATA, n)) return false;
  return true;
}

int strom__ckpt_write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

ssize_t strom__ckpt_pread_all(int fd, void *p, size_t n, uint64_t off) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = pread(fd, (char *)p + done, n - done, (off_t)(off + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) break;
    done += (size_t)r;
  }
  return (ssize_t)done;
}

int strom__ckpt_fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  int e = errno;
  close(fd);
  errno = e;
  return rc;
}

/* ---------------------------------------------------------------- layout */

char *strom__ckpt_path(const char *base, int64_t id) { return strom__aprintf("%s/chk-%" PRId64, base, id); }

int64_t strom__ckpt_parse_dir_name(const char *name) {
  if (strncmp(name, "chk-", 4)) return -1;
  const char *d = name + 4;
  if (!*d || (d[0] == '0' && d[1])) return -1;
  int64_t v = 0;
  for (; *d; d++) {
    if (*d < '0' || *d > '9') return -1;
    if (v > (INT64_MAX - (*d - '0')) / 10) return -1;
    v = v * 10 + (*d - '0');
  }
  return v;
}

void strom__ckpt_key_group_range(int max_par, int par, int i, int *lo, int *hi) {
  *lo = (int)(((int64_t)i * max_par + par - 1) / par);
  *hi = (int)((((int64_t)i + 1) * max_par - 1) / par);
}

void strom__ckpt_state_file_name(char *buf, size_t cap, const char *uid, int subtask) {
  char sfx[32];
  snprintf(sfx, sizeof sfx, "-%d.state", subtask);
  size_t room = STROM__CKPT_NAME_MAX - strlen(sfx) - 17; /* keep room for "~" and 16 hex digits */
  char enc[STROM__CKPT_NAME_MAX + 1];
  size_t n = 0;
  bool cut = false;
  for (const unsigned char *p = (const unsigned char *)uid; *p; p++) {
    bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
                 *p == '-';
    size_t need = plain ? 1 : 3;
    if (n + need > room) {
      cut = true;
      break;
    }
    if (plain) enc[n++] = (char)*p;
    else n += (size_t)snprintf(enc + n, sizeof enc - n, "%%%02X", *p);
  }
  enc[n] = 0;
  if (cut) snprintf(buf, cap, "%s~%016" PRIx64 "%s", enc, strom__ckpt_xxh64(uid, strlen(uid)), sfx);
  else snprintf(buf, cap, "%s%s", enc, sfx);
}

/* Removes everything in dir and dir itself; depth-limited (checkpoint folders are
 * flat).  _metadata goes first so the checkpoint stops existing before its files. */
static int remove_tree(const char *dir, int depth, char *err, size_t errlen) {
  char *meta = strom__aprintf("%s/%s", dir, STROM__CKPT_METADATA);
  if (!meta) return STROM_ENOMEM;
  if (unlink(meta) && errno != ENOENT && errno != EISDIR) {
    strom__ckpt_errf(err, errlen, "cannot delete %s: %s", meta, strerror(errno));
    free(meta);
    return STROM_EIO;
  }
  free(meta);
  DIR *d = opendir(dir);
  if (!d) {
    if (errno == ENOENT) return STROM_OK;
    strom__ckpt_errf(err, errlen, "cannot open %s: %s", dir, strerror(errno));
    return STROM_EIO;
  }
  int rc = STROM_OK;
  struct dirent *e;
  while (!rc && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char *p = strom__aprintf("%s/%s", dir, e->d_name);
    if (!p) {
      rc = STROM_ENOMEM;
      break;
    }
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
      if (depth > 4) {
        strom__ckpt_errf(err, errlen, "cannot delete %s: folders nested too deep", p);
        rc = STROM_EIO;
      } else {
        rc = remove_tree(p, depth + 1, err, errlen);
      }
    } else if (unlink(p) && errno != ENOENT) {
      strom__ckpt_errf(err, errlen, "cannot delete %s: %s", p, strerror(errno));
      rc = STROM_EIO;
    }
    free(p);
  }
  closedir(d);
  if (!rc && rmdir(dir) && errno != ENOENT) {
    strom__ckpt_errf(err, errlen, "cannot delete %s: %s", dir, strerror(errno));
    rc = STROM_EIO;
  }
  return rc;
}

int strom__ckpt_delete(const char *dir, char *err, size_t errlen) { return remove_tree(dir, 0, err, errlen); }

static int mkdirs(const char *path, char *err, size_t errlen) {
  char *p = strom__strdup(path);
  if (!p) return STROM_ENOMEM;
  for (char *s = p + 1;; s++) {
    if (*s != '/' && *s) continue;
    char c = *s;
    *s = 0;
    if (mkdir(p, 0755) && errno != EEXIST) {
      strom__ckpt_errf(err, errlen, "cannot create %s: %s", p, strerror(errno));
      free(p);
      return STROM_EIO;
    }
    *s = c;
    if (!c) break;
  }
  free(p);
  struct stat st;
  if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
    strom__ckpt_errf(err, errlen, "%s is not a folder", path);
    return STROM_EIO;
  }
  return STROM_OK;
}

int strom__ckpt_dir_create(const char *base, int64_t id, char **path, char *err, size_t errlen) {
  *path = NULL;
  if (id < 0) {
    strom__ckpt_errf(err, errlen, "checkpoint id %" PRId64 " is negative", id);
    return STROM_EINVAL;
  }
  int rc = mkdirs(base, err, errlen);
  if (rc) return rc;
  char *dir = strom__ckpt_path(base, id);
  char *meta = dir ? strom__aprintf("%s/%s", dir, STROM__CKPT_METADATA) : NULL;
  if (!meta) {
    free(dir);
    return STROM_ENOMEM;
  }
  if (access(meta, F_OK) == 0) {
    strom__ckpt_errf(err, errlen, "checkpoint %" PRId64 " already exists in %s", id, base);
    rc = STROM_EINVAL;
  } else {
    /* A folder left by a failed attempt of this id: start it afresh. */
    rc = remove_tree(dir, 0, err, errlen);
    if (!rc && mkdir(dir, 0755)) {
      strom__ckpt_errf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
      rc = STROM_EIO;
    }
    if (!rc && strom__ckpt_fsync_dir(base)) {
      strom__ckpt_errf(err, errlen, "fsync of %s failed: %s", base, strerror(errno));
      rc = STROM_EIO;
    }
  }
  free(meta);
  if (rc) free(dir);
  else *path = dir;
  return rc;
}

/* ---------------------------------------------------------------- verification */

int strom__ckpt_verify_files(const char *dir, const strom__ckpt_meta *m, strom__ckpt_verify level, char *err,
                             size_t errlen) {
  if (level == STROM__CKPT_VERIFY_METADATA) return STROM_OK;
  for (int i = 0; i < m->nops; i++)
    for (int j = 0; j < m->ops[i].parallelism; j++) {
      const strom__ckpt_subtask_meta *s = &m->ops[i].subtasks[j];
      if (!s->file) continue;
      strom__ckpt_file_info fi = {.size = s->size, .checksum = s->checksum};
      snprintf(fi.name, sizeof fi.name, "%s", s->file);
      int rc;
      if (level == STROM__CKPT_VERIFY_FULL) {
        rc = strom__ckpt_file_verify(dir, &fi, err, errlen);
      } else {
        char disp[320];
        strom__ckpt_display(disp, sizeof disp, dir, s->file);
        char *p = strom__aprintf("%s/%s", dir, s->file);
        if (!p) return STROM_ENOMEM;
        struct stat st;
        rc = stat(p, &st);
        int e = errno;
        free(p);
        if (rc) {
          strom__ckpt_errf(err, errlen, "%s: %s", disp, e == ENOENT ? "missing" : strerror(e));
          rc = e == ENOENT ? STROM_EPARSE : STROM_EIO;
        } else if ((uint64_t)st.st_size != s->size) {
          strom__ckpt_errf(err, errlen, "%s: size %" PRIu64 ", expected %" PRIu64 " (%s)", disp,
                           (uint64_t)st.st_size, s->size,
                           (uint64_t)st.st_size < s->size ? "truncated" : "longer than written");
          rc = STROM_EPARSE;
        }
      }
      if (rc) return rc;
    }
  return STROM_OK;
}

int strom__ckpt_load(const char *dir, strom__ckpt_verify level, strom__ckpt_meta **out, char *err, size_t errlen) {
  int rc = strom__ckpt_meta_read(dir, out, err, errlen);
  if (rc) return rc;
  rc = strom__ckpt_verify_files(dir, *out, level, err, errlen);
  if (rc) {
    strom__ckpt_meta_free(*out);
    *out = NULL;
  }
  return rc;
}

/* ---------------------------------------------------------------- listing */

static int cmp_entry(const void *a, const void *b) {
  int64_t x = ((const strom__ckpt_dir_entry *)a)->id, y = ((const strom__ckpt_dir_entry *)b)->id;
  return x < y ? -1 : x > y;
}

int strom__ckpt_list(const char *base, strom__ckpt_dir_entry **out, int *n, char *err, size_t errlen) {
  *out = NULL;
  *n = 0;
  DIR *d = opendir(base);
  if (!d) {
    if (errno == ENOENT) return STROM_OK;
    strom__ckpt_errf(err, errlen, "cannot list %s: %s", base, strerror(errno));
    return STROM_EIO;
  }
  strom__ckpt_dir_entry *v = NULL;
  int len = 0, cap = 0, rc = STROM_OK;
  struct dirent *e;
  while ((e = readdir(d))) {
    int64_t id = strom__ckpt_parse_dir_name(e->d_name);
    if (id < 0) continue;
    char *p = strom__aprintf("%s/%s", base, e->d_name);
    char *meta = p ? strom__aprintf("%s/%s", p, STROM__CKPT_METADATA) : NULL;
    struct stat st;
    bool is_dir = p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    bool has_meta = meta && stat(meta, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    free(meta);
    if (!is_dir) continue;
    if (len == cap) {
      cap = cap ? 2 * cap : 16;
      strom__ckpt_dir_entry *nv = strom__realloc(v, sizeof *v * (size_t)cap);
      if (!nv) {
        rc = STROM_ENOMEM;
        break;
      }
      v = nv;
    }
    v[len++] = (strom__ckpt_dir_entry){.id = id, .has_metadata = has_meta};
  }
  closedir(d);
  if (rc) {
    free(v);
    return rc;
  }
  if (len) qsort(v, (size_t)len, sizeof *v, cmp_entry);
  *out = v;
  *n = len;
  return STROM_OK;
}

/* Loads base/chk-<id> at level and checks that its _metadata is this checkpoint's. */
static int load_id(const char *base, int64_t id, strom__ckpt_verify level, strom__ckpt_meta **out, char *err,
                   size_t errlen) {
  char *dir = strom__ckpt_path(base, id);
  if (!dir) return STROM_ENOMEM;
  int rc = strom__ckpt_meta_read(dir, out, err, errlen);
  if (!rc && (*out)->id != id) {
    strom__ckpt_errf(err, errlen, "chk-%" PRId64 "/_metadata: holds checkpoint %" PRId64, id, (*out)->id);
    rc = STROM_EPARSE;
  }
  if (!rc) rc = strom__ckpt_verify_files(dir, *out, level, err, errlen);
  if (rc) {
    strom__ckpt_meta_free(*out);
    *out = NULL;
  }
  free(dir);
  return rc;
}

void strom__ckpt_found_free(strom__ckpt_found *f) {
  free(f->path);
  strom__ckpt_meta_free(f->meta);
  for (int i = 0; i < f->nskipped; i++) free(f->skipped[i].reason);
  free(f->skipped);
  memset(f, 0, sizeof *f);
  f->id = -1;
}

static int add_skipped(strom__ckpt_found *f, int64_t id, const char *reason) {
  strom__ckpt_skipped *v = strom__realloc(f->skipped, sizeof *v * (size_t)(f->nskipped + 1));
  if (!v) return STROM_ENOMEM;
  f->skipped = v;
  v[f->nskipped].id = id;
  v[f->nskipped].reason = strom__strdup(reason);
  if (!v[f->nskipped].reason) return STROM_ENOMEM;
  f->nskipped++;
  return STROM_OK;
}

int strom__ckpt_find_latest(const char *base, strom__ckpt_verify level, int64_t before_id, strom__ckpt_found *out,
                            char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  out->id = -1;
  strom__ckpt_dir_entry *v;
  int n;
  int rc = strom__ckpt_list(base, &v, &n, err, errlen);
  if (rc) return rc;
  int found = 0;
  for (int i = n - 1; i >= 0 && !found && !rc; i--) {
    int64_t id = v[i].id;
    if (before_id > 0 && id >= before_id) continue;
    char why[640];
    if (!v[i].has_metadata) {
      snprintf(why, sizeof why, "chk-%" PRId64 ": no _metadata (incomplete or failed)", id);
      rc = add_skipped(out, id, why);
      continue;
    }
    strom__ckpt_meta *m = NULL;
    why[0] = 0;
    int lrc = load_id(base, id, level, &m, why, sizeof why);
    if (lrc == STROM_ENOMEM) {
      rc = lrc;
    } else if (lrc) {
      rc = add_skipped(out, id, why);
    } else {
      out->id = id;
      out->meta = m;
      out->path = strom__ckpt_path(base, id);
      if (!out->path) rc = STROM_ENOMEM;
      found = 1;
    }
  }
  free(v);
  if (rc) {
    strom__ckpt_errf(err, errlen, "out of memory finding the latest checkpoint in %s", base);
    strom__ckpt_found_free(out);
    return rc;
  }
  return found;
}

/* ---------------------------------------------------------------- retention */

int strom__ckpt_retain(const char *base, int num_retained, int *deleted, char *err, size_t errlen) {
  if (deleted) *deleted = 0;
  if (num_retained < 1) {
    strom__ckpt_errf(err, errlen, "state.checkpoints.num-retained must be at least 1, not %d", num_retained);
    return STROM_EINVAL;
  }
  strom__ckpt_dir_entry *v;
  int n;
  int rc = strom__ckpt_list(base, &v, &n, err, errlen);
  if (rc) return rc;
  /* 0: not complete, 1: complete checkpoint, 2: savepoint (kept) */
  char *state = strom__calloc((size_t)(n ? n : 1), 1);
  if (!state) {
    free(v);
    return STROM_ENOMEM;
  }
  int64_t newest = -1;
  for (int i = 0; i < n; i++) {
    if (!v[i].has_metadata) continue;
    strom__ckpt_meta *m = NULL;
    if (load_id(base, v[i].id, STROM__CKPT_VERIFY_METADATA, &m, NULL, 0)) continue;
    state[i] = m->savepoint ? 2 : 1;
    if (!m->savepoint) newest = v[i].id;
    strom__ckpt_meta_free(m);
  }
  int kept = 0, count = 0;
  for (int i = n - 1; i >= 0 && !rc; i--) {
    bool drop;
    if (state[i] == 2) drop = false;
    else if (state[i] == 1) drop = ++kept > num_retained;
    else drop = newest >= 0 && v[i].id < newest;
    if (!drop) continue;
    char *dir = strom__ckpt_path(base, v[i].id);
    if (!dir) {
      rc = STROM_ENOMEM;
      break;
    }
    rc = remove_tree(dir, 0, err, errlen);
    free(dir);
    if (!rc) count++;
  }
  if (count && !rc && strom__ckpt_fsync_dir(base)) {
    strom__ckpt_errf(err, errlen, "fsync of %s failed: %s", base, strerror(errno));
    rc = STROM_EIO;
  }
  if (deleted) *deleted = count;
  free(state);
  free(v);
  return rc;
}
