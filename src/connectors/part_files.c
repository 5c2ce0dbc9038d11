/*
 * part_files.c -- the two-phase commit of part files that the file sinks share (see
 * part_files.h): the in-progress names, create, close with fsync, the idempotent rename
 * that commits, the list of files pending per checkpoint, and the cleanup of other runs'
 * leftovers.  A file is visible only once renamed, so a reader never sees a part file
 * that a failure could take back.
 */
#include "part_files.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

char *strom__part_path(const char *dir, const char *name, bool inprogress) {
  if (!inprogress) return strom__aprintf("%s/%s", dir, name);
  const char *slash = strrchr(name, '/');
  return slash ? strom__aprintf("%s/%.*s/.%s.inprogress", dir, (int)(slash - name), name, slash + 1)
               : strom__aprintf("%s/.%s.inprogress", dir, name);
}

int strom__part_io_fail(strom_op *op, const char *what, const char *path) {
  return strom__op_fail(op, STROM_EIO, "%s '%s': %s", what, path, strerror(errno));
}

int strom__part_create(strom_op *op, const char *dir, const char *name, FILE **f) {
  char *path = strom__part_path(dir, name, true);
  if (!path) return STROM_ENOMEM;
  *f = fopen(path, "w");
  int rc = *f ? STROM_OK : strom__part_io_fail(op, "cannot create", path);
  free(path);
  return rc;
}

int strom__part_close(strom_op *op, const char *dir, const char *name, FILE **f) {
  if (!*f) return STROM_OK;
  int bad = fflush(*f) || fsync(fileno(*f));
  bad |= fclose(*f);
  *f = NULL;
  if (!bad) return STROM_OK;
  char *path = strom__part_path(dir, name, true);
  int rc = strom__part_io_fail(op, "writing", path ? path : name);
  free(path);
  return rc;
}

int strom__part_commit(strom_op *op, const char *dir, const char *name) {
  char *from = strom__part_path(dir, name, true), *to = strom__part_path(dir, name, false);
  int rc = STROM_OK;
  struct stat sb;
  if (!from || !to) rc = STROM_ENOMEM;
  else if (rename(from, to) && (errno != ENOENT || stat(to, &sb))) rc = strom__part_io_fail(op, "committing", from);
  free(from);
  free(to);
  return rc;
}

int strom__pending_add(strom__pending_list *l, int64_t ckpt, char *name) {
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 8;
    strom__pending *p = strom__realloc(l->p, (size_t)cap * sizeof *p);
    if (!p) return STROM_ENOMEM;
    l->p = p, l->cap = cap;
  }
  l->p[l->n++] = (strom__pending){.ckpt = ckpt, .name = name};
  return STROM_OK;
}

void strom__pending_assign(strom__pending_list *l, int64_t ckpt) {
  for (int i = 0; i < l->n; i++)
    if (l->p[i].ckpt == INT64_MAX - 1) l->p[i].ckpt = ckpt;
}

int strom__pending_commit(strom_op *op, const char *dir, strom__pending_list *l, int64_t ckpt) {
  int k = 0, rc = STROM_OK;
  for (int i = 0; i < l->n; i++) {
    if (!rc && l->p[i].ckpt <= ckpt) {
      rc = strom__part_commit(op, dir, l->p[i].name);
      free(l->p[i].name);
    } else {
      l->p[k++] = l->p[i];
    }
  }
  l->n = k;
  return rc;
}

void strom__pending_free(strom__pending_list *l) {
  for (int i = 0; i < l->n; i++) free(l->p[i].name);
  free(l->p);
  *l = (strom__pending_list){0};
}

char *strom__part_prefix(const strom_op *op, const char *prefix) {
  return strom__aprintf("%s-%x", prefix, (unsigned)op->node->id);
}

int strom__part_delete_leftovers(strom_op *op, const char *dir, const char *prefix, const char *run, int depth) {
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT || !op ? STROM_OK : strom__part_io_fail(op, "cannot read directory", dir);
  size_t plen = strlen(prefix);
  for (struct dirent *e; (e = readdir(d));) {
    const char *n = e->d_name;
    size_t len = strlen(n);
    if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
    char *path = strom__aprintf("%s/%s", dir, n);
    if (!path) break;
    struct stat sb;
    if (depth > 0 && n[0] != '.' && strchr(n, '=') && !stat(path, &sb) && S_ISDIR(sb.st_mode)) {
      strom__part_delete_leftovers(NULL, path, prefix, run, depth - 1); /* what it cannot read it leaves */
    } else if (n[0] == '.' && !strncmp(n + 1, prefix, plen) && n[1 + plen] == '-' && len > 12 &&
               !strcmp(n + len - 11, ".inprogress") && !strstr(n, run)) {
      if (unlink(path) && errno != ENOENT) strom__log(STROM_LOG_WARN, "cannot delete '%s': %s", path, strerror(errno));
    }
    free(path);
  }
  closedir(d);
  return STROM_OK;
}
