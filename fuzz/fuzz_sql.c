/*
 * fuzz_sql.c -- libFuzzer target for the SQL lexer and parser.  Invariants: no memory
 * error, UB or leak on any bytes; a rejected input gets a message that starts with
 * "line L, column C: " where L and C lie inside the input; an accepted script prints,
 * and the printer's output is stable across two parses of the same input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sql/parser.h"

static void check_error(const char *err, const char *text, size_t size) {
  int line = 0, col = 0;
  if (sscanf(err, "line %d, column %d: ", &line, &col) != 2 || line < 1 || col < 1) {
    fprintf(stderr, "bad message: %s\n", err);
    abort();
  }
  int lines = 1;
  for (size_t i = 0; i < size; i++) lines += text[i] == '\n';
  if (line > lines) {
    fprintf(stderr, "line %d beyond the input's %d lines: %s\n", line, lines, err);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  static const sql_var vars[] = {{"A", "1"}, {"T", "t"}, {"Q", "'"}};
  char err[256];
  sql_arena a = {0};
  sql_node *n = sql_parse_script(&a, text, size, vars, 3, err, sizeof err);
  if (!n) {
    check_error(err, text, size);
  } else {
    strom_buf b1 = {0}, b2 = {0};
    if (sql_print(n, &b1)) abort();
    sql_arena a2 = {0};
    sql_node *n2 = sql_parse_script(&a2, text, size, vars, 3, err, sizeof err);
    if (!n2 || sql_print(n2, &b2) || b1.len != b2.len || memcmp(b1.p, b2.p, b1.len)) abort();
    strom__buf_free(&b1);
    strom__buf_free(&b2);
    sql_arena_free(&a2);
  }
  sql_arena_free(&a);
  n = sql_parse_expression(&a, text, size, err, sizeof err);
  if (!n) check_error(err, text, size);
  sql_arena_free(&a);
  return 0;
}
