/*
 * sql_parse_test.h -- for tests of the SQL grammar: a statement's parse tree printed as
 * text (or the parser's error), and CHECK_PARSE comparing it with the expected text.
 */
#ifndef STROM_SQL_PARSE_TEST_H
#define STROM_SQL_PARSE_TEST_H

#include "sql/parser.h"
#include "test.h"

static inline char *parsed(const char *q) {
  sql_arena a = {0};
  char err[256];
  sql_node *n = sql_parse_statement(&a, q, strlen(q), NULL, 0, err, sizeof err);
  strom_buf b = {0};
  if (n) sql_print(n, &b);
  char *r = strdup(n ? b.p : err);
  strom__buf_free(&b);
  sql_arena_free(&a);
  return r;
}

#define CHECK_PARSE(q, want) \
  do {                       \
    char *p_ = parsed(q);    \
    CHECK_STR(p_, want);     \
    free(p_);                \
  } while (0)

#endif
