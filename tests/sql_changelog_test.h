/*
 * sql_changelog_test.h -- for SQL test files whose joins and subqueries emit
 * changelogs in an order the test does not control: the tableau's rows sorted, or the
 * final table the changelog builds (every -U/-D must retract a row that is there), and
 * CHECK_ROWS / CHECK_FINAL over them (CHECK_ERR: sql_test.h).  Header-only, included by one test
 * file each, in place of sql_test.h.
 */
#ifndef STROM_SQL_CHANGELOG_TEST_H
#define STROM_SQL_CHANGELOG_TEST_H

#define SQL_TEST_OWN_ROWS
#include "sql_test.h"

static inline int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The tableau's rows as "+I[a, b]" lines.  final: the table the changelog builds,
 * as "[a, b]" lines sorted ("RETRACTS A MISSING ROW" when a -U/-D finds nothing);
 * else sorted or as printed. */
static inline char *rows_of(const char *out, bool sort, bool final) {
  static char *lines[4096];
  int n = 0;
  bool bad = false;
  for (const char *p = out; *p && n < 4096;) {
    const char *e = strchr(p, '\n');
    if (!e) e = p + strlen(p);
    char buf[2048];
    if (tableau_row(p, e, buf, sizeof buf)) {
      if (!final) {
        lines[n++] = strdup(buf);
      } else if (buf[0] == '+') {
        lines[n++] = strdup(buf + 2);
      } else {
        int i = 0;
        while (i < n && strcmp(lines[i], buf + 2)) i++;
        if (i == n) bad = true;
        else free(lines[i]), lines[i] = lines[--n];
      }
    }
    p = *e ? e + 1 : e;
  }
  if (sort || final) qsort(lines, (size_t)n, sizeof *lines, cmp_str);
  return test_join_lines(bad ? "RETRACTS A MISSING ROW\n" : "", lines, n);
}

#define CHECK_MODE(sql, sorted, final, expected)                   \
  do {                                                             \
    char *out_, err_[1024];                                        \
    int rc_ = run(sql, &out_, err_, sizeof err_);                  \
    if (rc_) fprintf(stderr, "  error: %s\n", err_);               \
    char *rows_ = rows_of(out_, sorted, final);                    \
    free(out_);                                                    \
    if (strcmp(rows_, expected)) {                                 \
      fprintf(stderr, "  got:\n%s  expected:\n%s", rows_, expected); \
      free(rows_);                                                 \
      CHECK(0);                                                    \
    }                                                              \
    free(rows_);                                                   \
    CHECK_INT(rc_, 0);                                             \
  } while (0)
#define CHECK_ROWS(sql, expected) CHECK_MODE(sql, true, false, expected)
#define CHECK_FINAL(sql, expected) CHECK_MODE(sql, false, true, expected)


#endif
