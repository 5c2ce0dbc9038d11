/*
 * sql_test.h -- what the SQL test files share: a script run in a new session with
 * ${TMP} defined (tmp is the test's directory), and the rows of its tableau output.
 * Header-only (static inline), included by one test file each.
 */
#ifndef STROM_SQL_TEST_H
#define STROM_SQL_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strom/sql.h"
#include "test.h"

static char tmp[256];

/* Runs sql in a new session; returns the status, the output in *out (malloc'd) and
 * the error message in err. */
static inline int run(const char *sql, char **out, char *err, size_t errlen) {
  size_t n;
  FILE *f = open_memstream(out, &n);
  strom_sql_session *s = strom_sql_session_new(f);
  strom_sql_define(s, "TMP", tmp);
  int rc = strom_sql_execute(s, sql, strlen(sql));
  snprintf(err, errlen, "%s", strom_sql_errmsg(s));
  strom_sql_session_free(s);
  fclose(f);
  return rc;
}

/* Whether the tableau line [p, e) is a changelog row; if so buf gets it as "+I[a, b]"
 * (cells trimmed). */
static inline bool tableau_row(const char *p, const char *e, char *buf, size_t cap) {
  if (strncmp(p, "| +I |", 6) && strncmp(p, "| -U |", 6) && strncmp(p, "| +U |", 6) && strncmp(p, "| -D |", 6))
    return false;
  int k = snprintf(buf, cap, "%.2s[", p + 2);
  bool first = true;
  for (const char *c = p + 6; c < e;) {
    const char *bar = memchr(c, '|', (size_t)(e - c));
    if (!bar) break;
    const char *a = c, *z = bar;
    while (a < z && *a == ' ') a++;
    while (z > a && z[-1] == ' ') z--;
    k += snprintf(buf + k, cap - (size_t)k, "%s%.*s", first ? "" : ", ", (int)(z - a), a);
    first = false;
    c = bar + 1;
  }
  snprintf(buf + k, cap - (size_t)k, "]");
  return true;
}

#define CHECK_ERR(sql, expected_substring)                                          \
  do {                                                                              \
    char *out_, err_[1024];                                                         \
    int rc_ = run(sql, &out_, err_, sizeof err_);                                   \
    free(out_);                                                                     \
    if (!strstr(err_, expected_substring))                                          \
      fprintf(stderr, "  error was: %s\n  expected it to contain: %s\n", err_, expected_substring); \
    CHECK(rc_ != 0);                                                                \
    CHECK(strstr(err_, expected_substring) != NULL);                                \
  } while (0)

/* The file tmp/name written with text. */
static inline void write_tmp_file(const char *name, const char *text) {
  char path[400];
  snprintf(path, sizeof path, "%s/%s", tmp, name);
  FILE *f = fopen(path, "w");
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

/* The lines of the files under tmp/dir, sorted (malloc'd). */
static inline char *slurp_tmp_dir(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "cat %s/%s/* 2>/dev/null | sort", tmp, dir);
  FILE *p = popen(cmd, "r");
  char *buf = calloc(1, 65536);
  size_t n = p ? fread(buf, 1, 65535, p) : 0;
  buf[n] = 0;
  if (p) pclose(p);
  return buf;
}

/* Runs sql and checks it succeeds and its output contains want. */
#define CHECK_OUT(sql, want)                                                           \
  do {                                                                                 \
    char *o_, e_[1024];                                                                \
    int r_ = run(sql, &o_, e_, sizeof e_);                                             \
    if (r_) fprintf(stderr, "  error: %s\n", e_);                                      \
    if (!strstr(o_, want)) fprintf(stderr, "  output:\n%s  expected to contain:\n%s\n", o_, want); \
    CHECK_INT(r_, 0);                                                                  \
    CHECK(strstr(o_, want) != NULL);                                                   \
    free(o_);                                                                          \
  } while (0)

#ifndef SQL_TEST_OWN_ROWS
/* The rows of tableau output as "+I[a, b]" lines (cells trimmed), optionally sorted. */
static inline char *rows_of(const char *out, bool sort) {
  char *lines[4096];
  int n = 0;
  for (const char *p = out; *p && n < 4096;) {
    const char *e = strchr(p, '\n');
    if (!e) e = p + strlen(p);
    char buf[2048];
    if (tableau_row(p, e, buf, sizeof buf)) lines[n++] = strdup(buf);
    p = *e ? e + 1 : e;
  }
  if (sort)
    for (int i = 0; i < n; i++)
      for (int j = i + 1; j < n; j++)
        if (strcmp(lines[j], lines[i]) < 0) {
          char *t = lines[i];
          lines[i] = lines[j];
          lines[j] = t;
        }
  return test_join_lines("", lines, n);
}

#define CHECK_ROWS(sql, sorted, expected)                          \
  do {                                                             \
    char *out_, err_[1024];                                        \
    int rc_ = run(sql, &out_, err_, sizeof err_);                  \
    if (rc_) fprintf(stderr, "  error: %s\n", err_);               \
    char *rows_ = rows_of(out_, sorted);                           \
    free(out_);                                                    \
    if (strcmp(rows_, expected)) {                                 \
      fprintf(stderr, "  got:\n%s  expected:\n%s", rows_, expected); \
      free(rows_);                                                 \
      CHECK(0);                                                    \
    }                                                              \
    free(rows_);                                                   \
    CHECK_INT(rc_, 0);                                             \
  } while (0)

#endif

#endif
