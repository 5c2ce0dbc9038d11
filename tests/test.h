/*
 * test.h -- a tiny test harness.  A test file defines TEST(name) functions and lists
 * them in main() with RUN(name); CHECK* stop the current test on the first failed
 * assertion and print where.  Each binary ends with "N passed, N failed".
 */
#ifndef STROM_TEST_H
#define STROM_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strom.h"

static int test_failed_now, tests_passed, tests_failed;
static const char *test_filter;

#define TEST(name) static void name(void)

/* head, then lines[0..n) each ended by a newline, in one malloc'd string; the lines
 * (malloc'd) are freed.  How tests turn the rows they collected into one text to compare. */
static inline char *test_join_lines(const char *head, char **lines, int n) {
  size_t len = strlen(head) + 1;
  for (int i = 0; i < n; i++) len += strlen(lines[i]) + 1;
  char *r = malloc(len), *p = r;
  p += sprintf(p, "%s", head);
  for (int i = 0; i < n; i++) {
    p += sprintf(p, "%s\n", lines[i]);
    free(lines[i]);
  }
  *p = 0;
  return r;
}

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      test_failed_now = 1;                                                      \
      return;                                                                   \
    }                                                                           \
  } while (0)

#define CHECK_INT(a, b)                                                                            \
  do {                                                                                             \
    long long a_ = (long long)(a), b_ = (long long)(b);                                            \
    if (a_ != b_) {                                                                                \
      fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a, a_, #b, b_); \
      test_failed_now = 1;                                                                         \
      return;                                                                                      \
    }                                                                                              \
  } while (0)

#define CHECK_STR(a, b)                                                                     \
  do {                                                                                      \
    const char *a_ = (a), *b_ = (b);                                                        \
    if (strcmp(a_ ? a_ : "(null)", b_ ? b_ : "(null)")) {                                   \
      fprintf(stderr, "  %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, a_, b_); \
      test_failed_now = 1;                                                                  \
      return;                                                                               \
    }                                                                                       \
  } while (0)

#define RUN(name)                                        \
  do {                                                   \
    if (test_filter && !strstr(#name, test_filter)) break; \
    test_failed_now = 0;                                 \
    name();                                              \
    if (test_failed_now) {                               \
      tests_failed++;                                    \
      printf("FAIL %s\n", #name);                        \
    } else {                                             \
      tests_passed++;                                    \
      printf("ok   %s\n", #name);                        \
    }                                                    \
    fflush(stdout);                                      \
  } while (0)

#define TEST_MAIN_BEGIN(argc, argv) test_filter = (argc) > 1 ? (argv)[1] : NULL;
#define TEST_MAIN_END()                                            \
  printf("%d passed, %d failed\n", tests_passed, tests_failed); \
  return tests_failed ? 1 : 0;

#endif
