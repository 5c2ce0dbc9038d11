/*
 * insert_overwrite.c -- INSERT OVERWRITE into a filesystem table in batch mode, as
 * Flink's filesystem sink: once the job has succeeded, the table's files are replaced
 * by those it wrote (a table without partitions), or, for a partitioned table, the
 * files of each partition it wrote (Flink's dynamic partition overwrite: partitions it
 * wrote nothing to keep theirs).  A failed job leaves the old files.
 *
 * The visible files there before the job (hidden and _-prefixed ones are in progress or
 * metadata, which the source skips too) are listed when the INSERT is planned; after
 * the job, a file not in that list is new.  Streaming mode refuses OVERWRITE, as Flink
 * does ("Streaming mode not support overwrite"), and so do connectors other than
 * filesystem (Flink: their sinks do not implement SupportsOverwrite).
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sql_int.h"

typedef struct ow_table {
  char *dir;
  int depth;   /* partition levels: the files are that many directories down */
  char **old;  /* relative paths, sorted */
  size_t nold;
} ow_table;

struct sql_overwrite {
  ow_table t[16];
  int n;
};

static void list_free(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static void ow_free(void *p) {
  sql_overwrite *o = p;
  for (int i = 0; i < o->n; i++) {
    free(o->t[i].dir);
    list_free(o->t[i].old, o->t[i].nold);
  }
  free(o);
}

int sql_overwrite_check(bool batch, const sql_table *t, char *m, size_t mlen) {
  if (!batch) {
    snprintf(m, mlen, "INSERT OVERWRITE runs in batch mode only (SET 'execution.runtime-mode' = 'batch'): streaming "
                      "mode does not support overwrite, as in Flink");
    return STROM_EINVAL;
  }
  if (strcmp(t->conn->name, "filesystem")) {
    snprintf(m, mlen, "INSERT OVERWRITE: table '%s' (connector '%s') cannot be overwritten (only 'filesystem' tables)", t->name,
             t->conn->name);
    return STROM_EINVAL;
  }
  return STROM_OK;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The visible regular files depth directories under dir/rel, appended to *v. */
static int walk(const char *dir, const char *rel, int depth, char ***v, size_t *n) {
  char *here = rel[0] ? strom__aprintf("%s/%s", dir, rel) : strom__strdup(dir);
  if (!here) return STROM_ENOMEM;
  DIR *d = opendir(here);
  free(here);
  if (!d) return STROM_OK; /* not there (yet): nothing to replace */
  int rc = STROM_OK;
  struct dirent *de;
  while (!rc && (de = readdir(d))) {
    if (de->d_name[0] == '.' || de->d_name[0] == '_') continue;
    char *r = rel[0] ? strom__aprintf("%s/%s", rel, de->d_name) : strom__strdup(de->d_name);
    char *full = r ? strom__aprintf("%s/%s", dir, r) : NULL;
    struct stat st;
    if (!r || !full) rc = STROM_ENOMEM;
    else if (stat(full, &st)) {
    } else if (depth > 0 && S_ISDIR(st.st_mode)) {
      rc = walk(dir, r, depth - 1, v, n);
    } else if (depth == 0 && S_ISREG(st.st_mode)) {
      char **nv = strom__realloc(*v, sizeof *nv * (*n + 1));
      if (!nv) rc = STROM_ENOMEM;
      else *v = nv, nv[(*n)++] = r, r = NULL;
    }
    free(r);
    free(full);
  }
  closedir(d);
  return rc;
}

int sql_overwrite_prepare(sql_build *b, const sql_table *t) {
  const char *dir = sql_fs_path(sql_table_option(t, "path"));
  if (!b->overwrite) {
    if (!(b->overwrite = strom__calloc(1, sizeof *b->overwrite)) || sql_build_own(b, b->overwrite, ow_free)) {
      b->overwrite = NULL;
      return STROM_ENOMEM;
    }
  }
  sql_overwrite *o = b->overwrite;
  for (int i = 0; i < o->n; i++)
    if (!strcmp(o->t[i].dir, dir)) return STROM_OK; /* a statement set's second INSERT OVERWRITE of it */
  if (o->n == 16) return sql_build_fail(b, "INSERT OVERWRITE: at most 16 tables in one statement set");
  ow_table *w = &o->t[o->n];
  *w = (ow_table){.dir = strom__strdup(dir), .depth = t->partitioned_by ? t->partitioned_by->nkids : 0};
  if (!w->dir) return STROM_ENOMEM;
  o->n++;
  int rc = walk(dir, "", w->depth, &w->old, &w->nold);
  if (!rc && w->nold) qsort(w->old, w->nold, sizeof *w->old, cmp_str);
  return rc;
}

static bool in(char *const *v, size_t n, const char *s) { return n && bsearch(&s, v, n, sizeof *v, cmp_str); }

/* The length of the directory part of a relative path ("" for a top-level file). */
static size_t dir_len(const char *rel) {
  const char *sl = strrchr(rel, '/');
  return sl ? (size_t)(sl - rel) : 0;
}

static int commit_one(sql_build *b, const ow_table *w) {
  char **now = NULL;
  size_t nnow = 0;
  int rc = walk(w->dir, "", w->depth, &now, &nnow);
  for (size_t i = 0; !rc && i < w->nold; i++) {
    const char *old = w->old[i];
    bool replace = w->depth == 0; /* a table without partitions: all of it */
    size_t dl = dir_len(old);
    for (size_t k = 0; !replace && k < nnow; k++) /* its partition got a new file */
      replace = dir_len(now[k]) == dl && !strncmp(now[k], old, dl) && !in(w->old, w->nold, now[k]);
    if (!replace) continue;
    char *full = strom__aprintf("%s/%s", w->dir, old);
    if (!full) rc = STROM_ENOMEM;
    else if (unlink(full) && errno != ENOENT)
      rc = sql_build_fail(b, "INSERT OVERWRITE: cannot remove the old file '%s': %s", full, strerror(errno));
    free(full);
  }
  list_free(now, nnow);
  return rc;
}

int sql_overwrite_commit(sql_build *b) {
  sql_overwrite *o = b->overwrite;
  int rc = STROM_OK;
  for (int i = 0; o && i < o->n && !rc; i++) rc = commit_one(b, &o->t[i]);
  if (rc && !b->err[0]) snprintf(b->err, sizeof b->err, "INSERT OVERWRITE: %s", strom_strerror(rc));
  return rc;
}
