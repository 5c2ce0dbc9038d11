/*
 * test_sql_sink_parallelism.c -- 'sink.parallelism' is the sink's own parallelism, not
 * its input's (print, filesystem).  Rows from one subtask reach two
 * print subtasks round-robin, each line prefixed "N> " (or "id:N> ") as Flink's
 * print sink does at a parallelism above 1 and with no prefix at 1; an updating input
 * with a PRIMARY KEY is shuffled by it (a key's changes stay in one subtask, in order);
 * without one, a parallelism other than the input's is refused.  The filesystem sink
 * writes one part file per sink subtask.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sql_test.h"

/* The output's lines, sorted (malloc'd). */
static char *sorted_lines(const char *out) {
  char *lines[256];
  int n = 0;
  for (const char *p = out; *p && n < 256;) {
    const char *e = strchr(p, '\n');
    if (!e) e = p + strlen(p);
    lines[n++] = strndup(p, (size_t)(e - p));
    p = *e ? e + 1 : e;
  }
  for (int i = 1; i < n; i++) /* insertion sort: a stable order for equal lines too */
    for (int j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
      char *t = lines[j];
      lines[j] = lines[j - 1];
      lines[j - 1] = t;
    }
  return test_join_lines("", lines, n);
}

#define CHECK_PRINTED(sql, want)                            \
  do {                                                      \
    char *o_, e_[1024];                                     \
    int r_ = run(sql, &o_, e_, sizeof e_);                  \
    if (r_) fprintf(stderr, "  error: %s\n", e_);           \
    char *s_ = sorted_lines(o_);                            \
    if (strcmp(s_, want)) fprintf(stderr, "  got:\n%s  expected:\n%s", s_, want); \
    CHECK_INT(r_, 0);                                       \
    CHECK_STR(s_, want);                                    \
    free(s_);                                               \
    free(o_);                                               \
  } while (0)

#define SIX "SELECT x FROM (VALUES (1), (2), (3), (4), (5), (6)) AS t(x)"

/* One upstream subtask, two print subtasks: rows 1, 3, 5 to the first, 2, 4, 6 to the
 * second (round-robin from the first channel), each prefixed with its subtask. */
TEST(inserts_spread_over_the_sink_subtasks) {
  CHECK_PRINTED("SET 'parallelism.default' = '1';\n"
                "CREATE TABLE p (x INT) WITH ('connector' = 'print', 'sink.parallelism' = '2');\n"
                "INSERT INTO p " SIX ";",
                "1> +I[1]\n1> +I[3]\n1> +I[5]\n2> +I[2]\n2> +I[4]\n2> +I[6]\n");
  CHECK_PRINTED("SET 'parallelism.default' = '1';\n"
                "CREATE TABLE p (x INT) WITH ('connector' = 'print', 'sink.parallelism' = '3', 'print-identifier' = 'id');\n"
                "INSERT INTO p " SIX ";",
                "id:1> +I[1]\nid:1> +I[4]\nid:2> +I[2]\nid:2> +I[5]\nid:3> +I[3]\nid:3> +I[6]\n");
  /* the other way round: a parallel query into one print subtask prints no prefix */
  CHECK_PRINTED("SET 'parallelism.default' = '2';\n"
                "CREATE TABLE p (x INT) WITH ('connector' = 'print', 'sink.parallelism' = '1');\n"
                "INSERT INTO p " SIX ";",
                "+I[1]\n+I[2]\n+I[3]\n+I[4]\n+I[5]\n+I[6]\n");
}

/* A GROUP BY's changelog into two print subtasks, shuffled by the sink's primary key:
 * all of a key's lines carry one prefix, in the order the aggregate made them. */
TEST(updates_keyed_by_the_primary_key) {
  char *o, e[1024];
  int rc = run("SET 'parallelism.default' = '1';\n"
               "CREATE TABLE p (k STRING, n BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'print', "
               "'sink.parallelism' = '2');\n"
               "INSERT INTO p SELECT k, COUNT(*) FROM (VALUES ('a'), ('b'), ('a'), ('c'), ('a'), ('b')) AS t(k) "
               "GROUP BY k;",
               &o, e, sizeof e);
  if (rc) fprintf(stderr, "  error: %s\n", e);
  CHECK_INT(rc, 0);
  static const char *const want[3][5] = {
      {"+I[a, 1]", "-U[a, 1]", "+U[a, 2]", "-U[a, 2]", "+U[a, 3]"},
      {"+I[b, 1]", "-U[b, 1]", "+U[b, 2]", NULL, NULL},
      {"+I[c, 1]", NULL, NULL, NULL, NULL},
  };
  int lines = 0;
  for (const char *p = o; *p; lines++) { /* every line "N> row" */
    CHECK((p[0] == '1' || p[0] == '2') && p[1] == '>' && p[2] == ' ');
    p = strchr(p, '\n');
    if (!p) break;
    p++;
  }
  CHECK_INT(lines, 9);
  for (int k = 0; k < 3; k++) {
    const char *at = o;
    char prefix = 0;
    for (int i = 0; i < 5 && want[k][i]; i++) { /* in order, one prefix */
      const char *hit = strstr(at, want[k][i]);
      CHECK(hit != NULL && hit - o >= 3);
      if (!hit) break;
      if (!prefix) prefix = hit[-3];
      CHECK(hit[-3] == prefix);
      at = hit + 1;
    }
  }
  free(o);
}

/* Without a primary key an updating input keeps its own parallelism (Flink refuses a
 * different one); the same parallelism works. */
TEST(updates_without_a_key) {
  CHECK_ERR("SET 'parallelism.default' = '1';\n"
            "CREATE TABLE p (k STRING, n BIGINT) WITH ('connector' = 'print', 'sink.parallelism' = '2');\n"
            "INSERT INTO p SELECT k, COUNT(*) FROM (VALUES ('a'), ('b')) AS t(k) GROUP BY k;",
            "forward partitioning needs equal parallelism");
  char *o, e[1024];
  int rc = run("SET 'parallelism.default' = '2';\n"
               "CREATE TABLE p (k STRING, n BIGINT) WITH ('connector' = 'print', 'sink.parallelism' = '2');\n"
               "INSERT INTO p SELECT k, COUNT(*) FROM (VALUES ('a'), ('a')) AS t(k) GROUP BY k;",
               &o, e, sizeof e);
  if (rc) fprintf(stderr, "  error: %s\n", e);
  CHECK_INT(rc, 0);
  /* 'a' is one key: one subtask of the aggregate and of the print, whichever it is */
  char want[128];
  snprintf(want, sizeof want, "%c> +I[a, 1]\n%c> -U[a, 1]\n%c> +U[a, 2]\n", o[0], o[0], o[0]);
  CHECK(o[0] == '1' || o[0] == '2');
  CHECK_STR(o, want);
  free(o);
  CHECK_ERR("CREATE TABLE p (x INT) WITH ('connector' = 'print', 'sink.parallelism' = '0');\nINSERT INTO p " SIX ";",
            "table 'p': bad 'sink.parallelism' '0'");
}

/* Two sink subtasks fed round-robin by one: two part files of three rows each. */
TEST(filesystem_part_file_per_sink_subtask) {
  char *o, e[1024];
  int rc = run("SET 'parallelism.default' = '1';\n"
               "CREATE TABLE f (x INT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/fs', 'format' = 'csv', "
               "'sink.parallelism' = '2');\n"
               "INSERT INTO f " SIX ";",
               &o, e, sizeof e);
  if (rc) fprintf(stderr, "  error: %s\n", e);
  CHECK_INT(rc, 0);
  free(o);
  char dir[400], path[700], buf[256];
  snprintf(dir, sizeof dir, "%s/fs", tmp);
  DIR *d = opendir(dir);
  CHECK(d != NULL);
  int files = 0;
  for (struct dirent *de; d && (de = readdir(d));) {
    if (de->d_name[0] == '.') continue;
    files++;
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = 0;
    if (f) fclose(f);
    /* rows 1, 3, 5 in subtask 0's file, 2, 4, 6 in subtask 1's */
    CHECK(!strcmp(buf, "1\n3\n5\n") || !strcmp(buf, "2\n4\n6\n"));
  }
  if (d) closedir(d);
  CHECK_INT(files, 2);
  char *all = slurp_tmp_dir("fs");
  CHECK_STR(all, "1\n2\n3\n4\n5\n6\n");
  free(all);
  CHECK_ERR("CREATE TABLE f (x INT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/fs2', 'format' = 'csv', "
            "'sink.parallelism' = 'two');\nINSERT INTO f " SIX ";",
            "table 'f': bad 'sink.parallelism' 'two'");
}

int main(int argc, char **argv) {
  snprintf(tmp, sizeof tmp, "/tmp/strom_test_sql_sink_par_XXXXXX");
  if (!mkdtemp(tmp)) return 1;
  TEST_MAIN_BEGIN(argc, argv);
  RUN(inserts_spread_over_the_sink_subtasks);
  RUN(updates_keyed_by_the_primary_key);
  RUN(updates_without_a_key);
  RUN(filesystem_part_file_per_sink_subtask);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  TEST_MAIN_END();
}
