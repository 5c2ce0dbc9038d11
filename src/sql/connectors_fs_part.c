/*
 * connectors_fs_part.c -- PARTITIONED BY on the filesystem connector's sink, as
 * Flink's: the partition columns name the directories (path/dt=.../hm=.../) and are not
 * written into the files; the partition commit options (trigger, delay, the
 * success-file policy, the time extractor's pattern) are checked at CREATE TABLE, and
 * the sink is src/connectors/sink_partitioned.c.  Reading one back (as Flink's
 * filesystem source) walks path/k1=v1/k2=v2/: each file there holds the other columns,
 * and the partition columns take the directories' values (unescaped, the default
 * partition name as NULL).
 */
#include <dirent.h>
#include <errno.h>
#include <strings.h>
#include <sys/stat.h>

#include "../connectors/sink_partitioned.h"
#include "sql_int.h"

const char *sql_fs_path(const char *path) {
  return path && !strncmp(path, "file://", 7) ? path + 7 : path;
}

static int at(const sql_node *n, char *err, size_t errlen, const char *fmt, const char *a, const char *b) {
  int k = snprintf(err, errlen, "line %d, column %d: ", n->line, n->col);
  if (k < 0 || (size_t)k >= errlen) k = 0;
  snprintf(err + k, errlen - (size_t)k, fmt, a, b);
  return STROM_EINVAL;
}

/* The written column index of a partition column name, -1 if none. */
static int written_index(const sql_table *t, const char *name) {
  int k = 0;
  for (int i = 0; i < t->ncols; i++) {
    if (!sql_col_written(&t->cols[i])) continue;
    if (!strcmp(t->cols[i].name, name)) return k;
    k++;
  }
  return -1;
}

static int written_count(const sql_table *t) {
  int k = 0;
  for (int i = 0; i < t->ncols; i++) k += sql_col_written(&t->cols[i]);
  return k;
}

/* The commit policies in 'sink.partition-commit.policy.kind' (a comma list); success
 * set when success-file is among them, an error for the others. */
static int policies(const char *v, bool *success, char *m, size_t mlen) {
  *success = false;
  while (v && *v) {
    while (*v == ' ' || *v == ',') v++;
    size_t n = strcspn(v, ",");
    while (n && v[n - 1] == ' ') n--;
    if (n == 12 && !strncasecmp(v, "success-file", 12)) *success = true;
    else if (n) {
      snprintf(m, mlen, "not supported yet: partition commit policy '%.*s' (Strom has success-file; metastore needs a Hive catalog)",
               (int)n, v);
      return STROM_EINVAL;
    }
    v += n;
    while (*v == ' ') v++;
  }
  return STROM_OK;
}

int sql_fs_partition_check(const sql_table *t, const sql_node *pb, char *err, size_t errlen) {
  if (strcmp(t->conn->name, "filesystem"))
    return at(pb, err, errlen, "PARTITIONED BY: connector '%s' has no partitions (only 'filesystem')%s", t->conn->name, "");
  if (pb->nkids > 16) return at(pb, err, errlen, "PARTITIONED BY: at most 16 columns%s%s", "", "");
  for (int i = 0; i < pb->nkids; i++) {
    const char *name = pb->kids[i]->text;
    if (written_index(t, name) < 0) return at(pb->kids[i], err, errlen, "PARTITIONED BY: no column '%s' in table '%s'", name, t->name);
    for (int k = 0; k < i; k++)
      if (!strcmp(pb->kids[k]->text, name)) return at(pb->kids[i], err, errlen, "PARTITIONED BY: column '%s' is named twice%s", name, "");
  }
  if (pb->nkids >= written_count(t))
    return at(pb, err, errlen, "PARTITIONED BY: table '%s' needs a column that is not a partition column%s", t->name, "");
  const char *fmt = sql_table_option(t, "format"), *v;
  if (fmt && strcmp(fmt, "csv"))
    return at(pb, err, errlen, "not supported yet: a partitioned filesystem table in format '%s' (csv only)%s", fmt, "");
  char m[200];
  bool success;
  if (policies(sql_table_option(t, "sink.partition-commit.policy.kind"), &success, m, sizeof m))
    return at(pb, err, errlen, "%s%s", m, "");
  if ((v = sql_table_option(t, "sink.partition-commit.trigger")) && strcmp(v, "partition-time") && strcmp(v, "process-time"))
    return at(pb, err, errlen, "'sink.partition-commit.trigger' must be 'partition-time' or 'process-time', got '%s'%s", v, "");
  int64_t ms;
  if ((v = sql_table_option(t, "sink.partition-commit.delay")) && (!sql_parse_duration(v, &ms) || ms < 0))
    return at(pb, err, errlen, "bad 'sink.partition-commit.delay' '%s' (a duration such as '1 min')%s", v, "");
  if ((v = sql_table_option(t, "partition.time-extractor.kind")) && strcmp(v, "default"))
    return at(pb, err, errlen, "not supported yet: partition.time-extractor.kind '%s' (Strom has 'default')%s", v, "");
  if ((v = sql_table_option(t, "partition.time-extractor.timestamp-formatter")) && strcmp(v, "yyyy-MM-dd HH:mm:ss"))
    return at(pb, err, errlen, "not supported yet: partition.time-extractor.timestamp-formatter '%s' (Strom reads 'yyyy-MM-dd HH:mm:ss')%s", v, "");
  if ((v = sql_table_option(t, "partition.time-extractor.timestamp-pattern"))) {
    /* every $name must be a partition column (the longest one that matches) */
    for (const char *p = strchr(v, '$'); p; p = strchr(p + 1, '$')) {
      bool found = false;
      for (int i = 0; i < pb->nkids; i++) found |= !strncmp(p + 1, pb->kids[i]->text, strlen(pb->kids[i]->text));
      if (!found) return at(pb, err, errlen, "'partition.time-extractor.timestamp-pattern' '%s': '%.20s' names no partition column", v, p);
    }
  }
  if ((v = sql_table_option(t, "sink.partition-commit.success-file.name")) && (!*v || strchr(v, '/')))
    return at(pb, err, errlen, "bad 'sink.partition-commit.success-file.name' '%s'%s", v, "");
  return STROM_OK;
}

int sql_fs_partitioned_write(sql_build *b, const sql_table *t, strom_stream *in, const strom_file_sink_opts *files,
                             const char *path) {
  const sql_node *pb = t->partitioned_by;
  /* the directory and its parents, as Flink creates them */
  char *dir = strom__strdup(path);
  if (!dir) return STROM_ENOMEM;
  for (char *q = dir + 1;; q++) {
    if (*q != '/' && *q) continue;
    char was = *q;
    *q = 0;
    if (mkdir(dir, 0777) && errno != EEXIST) {
      int rc = sql_build_fail(b, "table '%s': cannot create '%s': %s", t->name, dir, strerror(errno));
      free(dir);
      return rc;
    }
    if (!(*q = was)) break;
  }
  free(dir);
  strom__partition_sink_opts o = {.files = *files, .npart = pb->nkids};
  int cols[16];
  const char *names[16];
  for (int i = 0; i < pb->nkids && i < 16; i++) cols[i] = written_index(t, pb->kids[i]->text), names[i] = pb->kids[i]->text;
  o.part_cols = cols, o.part_names = names;
  const char *v = sql_table_option(t, "sink.partition-commit.trigger");
  o.process_time = !v || !strcmp(v, "process-time"); /* Flink's default */
  if ((v = sql_table_option(t, "sink.partition-commit.delay"))) sql_parse_duration(v, &o.delay_ms);
  char m[200];
  policies(sql_table_option(t, "sink.partition-commit.policy.kind"), &o.success_file, m, sizeof m);
  o.time_pattern = sql_table_option(t, "partition.time-extractor.timestamp-pattern");
  o.success_name = sql_table_option(t, "sink.partition-commit.success-file.name");
  if (strom__write_partitioned_files(in, path, &o)) return sql_build_fail(b, "table '%s': cannot build the partitioned sink", t->name);
  return STROM_OK;
}

/* ---- reading ---- */

/* One partition's files: the file columns (the table's minus the partition columns)
 * widened to the table's physical row, partition columns from the template row. */
typedef struct part_read {
  int n;
  const int *src; /* per output column: its file column, or -1: the template's */
  strom_row *tmpl;
} part_read;

static int part_widen(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  const part_read *r = strom_ctx_data(ctx);
  for (int i = 0; i < r->n; i++) {
    sql_val v;
    sql_val_get(r->src[i] >= 0 ? in : r->tmpl, r->src[i] >= 0 ? r->src[i] : i, &v);
    int rc = sql_val_set(out, i, &v);
    if (rc) return rc;
  }
  strom_row_set_time(out, strom_row_time(in));
  return STROM_OK;
}

typedef struct part_scan {
  sql_build *b;
  const sql_table *t;
  const strom_schema *phys, *file;
  const int *src;
  const int *pcol; /* per partition level: its column in phys */
  const strom_csv_opts *o;
  char *values[16]; /* the directories' values so far, unescaped; NULL: the default partition */
  strom_stream *out;
  int rc;
} part_scan;

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The visible entries of dir (hidden and _-prefixed ones are in progress or metadata,
 * as Flink skips them), sorted; NULL with *n = 0 if none. */
static char **entries(const char *dir, size_t *n) {
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return NULL;
  char **names = NULL;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.' || de->d_name[0] == '_') continue;
    char **nn = strom__realloc(names, sizeof *nn * (*n + 1));
    if (!nn || !(nn[*n] = strom__strdup(de->d_name))) {
      names = nn ? nn : names;
      break;
    }
    names = nn;
    (*n)++;
  }
  closedir(d);
  if (*n) qsort(names, *n, sizeof *names, cmp_name);
  return names;
}

/* %XX escapes back to bytes (the sink's escape_value); NULL for the default partition. */
static char *unescape(const char *s) {
  if (!strcmp(s, "__DEFAULT_PARTITION__")) return NULL;
  char *o = strom__strdup(s), *w = o;
  if (!o) return NULL;
  for (const char *p = s; *p; p++) {
    unsigned x;
    if (p[0] == '%' && p[1] && p[2] && sscanf(p + 1, "%2x", &x) == 1) *w++ = (char)x, p += 2;
    else *w++ = *p;
  }
  *w = 0;
  return o;
}

/* One file of the partition whose values are s->values. */
static void read_file(part_scan *s, const char *path) {
  int npart = s->t->partitioned_by->nkids;
  strom_row *tmpl = strom_row_new(s->phys);
  if (!tmpl || sql_build_own(s->b, tmpl, (void (*)(void *))strom_row_free)) {
    s->rc = STROM_ENOMEM;
    return;
  }
  for (int l = 0; l < npart; l++) {
    int c = s->pcol[l];
    char err[200];
    if (c < 0) continue;
    if (!s->values[l]) strom_row_set_null(tmpl, c);
    else if (strom__parse_value(tmpl, c, s->values[l], strlen(s->values[l]), err, sizeof err)) {
      s->rc = sql_build_fail(s->b, "table '%s': partition value %s='%s' of '%s': %s", s->t->name,
                             s->t->partitioned_by->kids[l]->text, s->values[l], path, err);
      return;
    }
  }
  part_read *r = sql_arena_alloc(&s->b->arena, sizeof *r);
  if (!r) {
    s->rc = STROM_ENOMEM;
    return;
  }
  *r = (part_read){.n = strom_schema_ncols(s->phys), .src = s->src, .tmpl = tmpl};
  strom_stream *w = strom_map(strom_read_csv(s->b->env, path, s->file, s->o), s->phys, part_widen, r);
  s->out = s->out ? strom_union(s->out, w) : w;
}

/* dir at partition level lvl: directories named after that level's column, down to
 * the last level, whose regular files are the partition's data. */
static void walk(part_scan *s, const char *dir, int lvl) {
  const sql_node *pb = s->t->partitioned_by;
  size_t n;
  char **names = entries(dir, &n);
  for (size_t i = 0; i < n && !s->rc; i++) {
    char *full = strom__aprintf("%s/%s", dir, names[i]);
    struct stat st;
    if (!full) {
      s->rc = STROM_ENOMEM;
      break;
    }
    if (!stat(full, &st) && lvl < pb->nkids && S_ISDIR(st.st_mode)) {
      const char *col = pb->kids[lvl]->text;
      size_t cl = strlen(col);
      if (strncmp(names[i], col, cl) || names[i][cl] != '=') {
        s->rc = sql_build_fail(s->b, "table '%s': directory '%s' is not a partition of '%s' (%s=...)", s->t->name, full,
                               col, col);
      } else {
        bool dflt = !strcmp(names[i] + cl + 1, "__DEFAULT_PARTITION__");
        s->values[lvl] = dflt ? NULL : unescape(names[i] + cl + 1);
        if (!dflt && !s->values[lvl]) s->rc = STROM_ENOMEM;
        else walk(s, full, lvl + 1);
        free(s->values[lvl]);
        s->values[lvl] = NULL;
      }
    } else if (!stat(full, &st) && lvl == pb->nkids && S_ISREG(st.st_mode)) {
      read_file(s, full);
    }
    free(full);
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
}

strom_stream *sql_fs_partitioned_scan(sql_build *b, const sql_table *t, const strom_schema *phys, const strom_csv_opts *o,
                                      const char *path) {
  const sql_node *pb = t->partitioned_by;
  int n = strom_schema_ncols(phys);
  int *src = sql_arena_alloc(&b->arena, sizeof *src * (size_t)(n ? n : 1)), pcol[16];
  strom_schema *file = strom_schema_new();
  if (!src || !file || sql_build_own(b, file, (void (*)(void *))strom_schema_free)) return NULL;
  for (int l = 0; l < pb->nkids && l < 16; l++) pcol[l] = strom_schema_find(phys, pb->kids[l]->text);
  for (int i = 0, k = 0; i < n; i++) {
    const char *name = strom_schema_col_name(phys, i);
    bool part = false;
    for (int l = 0; l < pb->nkids; l++) part |= pcol[l] == i;
    src[i] = part ? -1 : k++;
    if (part) continue;
    strom_type_id ty = strom_schema_col_type(phys, i);
    int rc = ty == STROM_DECIMAL ? strom_schema_add_decimal(file, name, strom_schema_col_precision(phys, i), strom_schema_col_scale(phys, i))
             : ty == STROM_TIMESTAMP ? strom_schema_add_timestamp(file, name, strom_schema_col_precision(phys, i))
                                     : strom_schema_add(file, name, ty);
    if (rc) return NULL;
  }
  struct stat st;
  errno = 0;
  if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
    sql_build_fail(b, "table '%s': cannot read the partitioned table's directory '%s': %s", t->name, path,
                   errno ? strerror(errno) : "not a directory");
    return NULL;
  }
  part_scan s = {.b = b, .t = t, .phys = phys, .file = file, .src = src, .pcol = pcol, .o = o};
  walk(&s, path, 0);
  if (s.rc) return NULL;
  return s.out ? s.out : strom_from_rows(b->env, phys, NULL, 0); /* no partition yet: no rows */
}
