/*
 * connectors_fs_part.c -- PARTITIONED BY on the filesystem connector's sink, as
 * Flink's: the partition columns name the directories (path/dt=.../hm=.../) and are not
 * written into the files; the partition commit options (trigger, delay, the
 * success-file policy, the time extractor's pattern) are checked at CREATE TABLE, and
 * the sink is src/connectors/sink_partitioned.c.  Reading a partitioned table back is
 * not built yet and is refused by name.
 */
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

int sql_fs_partition_refuse_scan(sql_build *b, const sql_table *t) {
  return sql_build_fail(b, "not supported yet: reading the partitioned filesystem table '%s' (its partitions are written, not read)",
                        t->name);
}
