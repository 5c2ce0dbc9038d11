/*
 * connectors_fs_meta.c -- the filesystem source's metadata columns, as Flink's
 * (FileSystemTableSource's ReadableFileInfo): `file.path` (STRING: the file's path),
 * `file.name` (STRING: its last component), `file.size` (BIGINT: bytes) and
 * `file.modification-time` (TIMESTAMP_LTZ(3)), declared `c STRING METADATA FROM
 * 'file.path' VIRTUAL`.  A file is read with the table's other columns and each row
 * is widened with its file's values (a stat taken when the job is planned).  They are
 * read-only: a sink refuses a table whose metadata columns are not VIRTUAL.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sql_int.h"

static const char *const keys[] = {"file.path", "file.name", "file.size", "file.modification-time"};
enum { K_PATH, K_NAME, K_SIZE, K_MTIME, K_COUNT };

static int key_of(const char *m) {
  for (int i = 0; i < K_COUNT; i++)
    if (!strcmp(m, keys[i])) return i;
  return -1;
}

int sql_fs_meta_validate(const sql_table *t, char *err, size_t errlen) {
  for (int i = 0; i < t->ncols; i++) {
    const sql_table_col *c = &t->cols[i];
    if (!c->metadata) continue;
    int k = key_of(c->metadata);
    if (k < 0)
      return snprintf(err, errlen, "column '%s': unknown filesystem metadata key '%s' (supported: file.path, file.name, "
                      "file.size, file.modification-time)", c->name, c->metadata), STROM_EINVAL;
    const sql_type *ty = &c->type;
    bool ok = k <= K_NAME ? ty->id == STROM_VARCHAR && !ty->kind
              : k == K_SIZE ? (ty->id == STROM_BIGINT || ty->id == STROM_DECIMAL) && !ty->kind
                            : ty->id == STROM_TIMESTAMP && !ty->kind;
    if (!ok)
      return snprintf(err, errlen, "column '%s': metadata '%s' is %s, the column's type cannot hold it", c->name,
                      c->metadata, k <= K_NAME ? "STRING" : k == K_SIZE ? "BIGINT" : "TIMESTAMP_LTZ(3)"), STROM_EINVAL;
  }
  return STROM_OK;
}

int sql_fs_meta_check_write(const sql_table *t, char *err, size_t errlen) {
  for (int i = 0; i < t->ncols; i++)
    if (t->cols[i].metadata && !t->cols[i].is_virtual)
      return snprintf(err, errlen, "table '%s': metadata column '%s' ('%s') is read-only; declare it VIRTUAL to write to "
                      "the table", t->name, t->cols[i].name, t->cols[i].metadata), STROM_EINVAL;
  return STROM_OK;
}

/* The metadata key of phys's column i, or -1 if it is one of the file's own columns. */
static int meta_of(const sql_table *t, const strom_schema *phys, int i) {
  const char *n = strom_schema_col_name(phys, i);
  for (int c = 0; c < t->ncols; c++)
    if (t->cols[c].metadata && !strcmp(t->cols[c].name, n)) return key_of(t->cols[c].metadata);
  return -1;
}

int sql_fs_meta_check_read(sql_build *b, const sql_table *t, const strom_schema *phys) {
  if (!t->partitioned_by || !sql_fs_meta_wanted(t, phys)) return STROM_OK;
  return sql_build_fail(b, "table '%s': not supported yet: metadata columns on a PARTITIONED BY table", t->name);
}

bool sql_fs_meta_wanted(const sql_table *t, const strom_schema *phys) {
  for (int i = 0; i < strom_schema_ncols(phys); i++)
    if (meta_of(t, phys, i) >= 0) return true;
  return false;
}

typedef struct widen {
  int n;
  int *src;      /* per output column: its column in the file's rows, or -1 */
  strom_row *vals; /* the file's metadata values (in the output schema) */
} widen;

static int widen_row(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  const widen *w = strom_ctx_data(ctx);
  for (int i = 0; i < w->n; i++) {
    sql_val v;
    sql_val_get(w->src[i] >= 0 ? in : w->vals, w->src[i] >= 0 ? w->src[i] : i, &v);
    int rc = sql_val_set(out, i, &v);
    if (rc) return rc;
  }
  strom_row_set_time(out, strom_row_time(in));
  return STROM_OK;
}

/* Column i of from appended to to, precision and scale kept. */
static int copy_col(strom_schema *to, const strom_schema *from, int i) {
  const char *n = strom_schema_col_name(from, i);
  strom_type_id ty = strom_schema_col_type(from, i);
  if (ty == STROM_DECIMAL) return strom_schema_add_decimal(to, n, strom_schema_col_precision(from, i), strom_schema_col_scale(from, i));
  if (ty == STROM_TIMESTAMP) return strom_schema_add_timestamp(to, n, strom_schema_col_precision(from, i));
  return strom_schema_add(to, n, ty);
}

static void free_row(void *r) { strom_row_free(r); }

strom_stream *sql_fs_meta_read(sql_build *b, const sql_table *t, const char *path, const strom_schema *phys,
                               const strom_csv_opts *o, sql_fs_reader read) {
  int n = strom_schema_ncols(phys);
  strom_schema *file = strom_schema_new();
  widen *w = sql_arena_alloc(&b->arena, sizeof *w);
  int *src = sql_arena_alloc(&b->arena, sizeof *src * (size_t)(n ? n : 1));
  strom_row *vals = strom_row_new(phys);
  if (!file || !w || !src || !vals || sql_build_own(b, file, (void (*)(void *))strom_schema_free) ||
      sql_build_own(b, vals, free_row)) {
    sql_build_fail(b, "out of memory");
    return NULL;
  }
  struct stat st;
  if (stat(path, &st)) {
    sql_build_fail(b, "table '%s': cannot read '%s'", t->name, path);
    return NULL;
  }
  const char *slash = strrchr(path, '/');
  int k = 0;
  for (int i = 0; i < n; i++) {
    int m = meta_of(t, phys, i);
    src[i] = m >= 0 ? -1 : k;
    if (m < 0) {
      if (copy_col(file, phys, i)) return sql_build_fail(b, "out of memory"), NULL;
      k++;
      continue;
    }
    sql_val v = {0};
    switch (m) {
      case K_PATH: v.s.p = path, v.s.n = (uint32_t)strlen(path); break;
      case K_NAME: v.s.p = slash ? slash + 1 : path, v.s.n = (uint32_t)strlen(v.s.p); break;
      case K_SIZE: v.i = (int64_t)st.st_size; break;
      default: v.i = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000; break;
    }
    if (m == K_SIZE && strom_schema_col_type(phys, i) == STROM_DECIMAL) { /* DECIMAL(p, s) unscaled */
      for (int d = 0; d < strom_schema_col_scale(phys, i); d++) v.i *= 10;
    }
    if (sql_val_set(vals, i, &v)) return sql_build_fail(b, "out of memory"), NULL;
  }
  *w = (widen){.n = n, .src = src, .vals = vals};
  return strom_set_name(strom_map(read(b, t, path, file, o), phys, widen_row, w), "File metadata");
}
