/*
 * fuzz_pg_array.c -- libFuzzer target for PostgreSQL's array text as the jdbc connector
 * reads it from an ARRAY column (sql_pg_array_in, src/sql/types_pgarray.c) and the text
 * written back (sql_pg_array_out).  Invariants: no memory error or UB (ASan, UBSan); an
 * accepted input's brackets balance; writing what was read and reading it again gives
 * the same text (a read-write-read round trip is stable).
 */
#include <stdint.h>
#include <stdlib.h>

#include "sql/sql_int.h"

/* [..] text with "..." strings (backslash escapes): the JSON sql_pg_array_out takes */
static void as_json(const strom_buf *in, strom_buf *out) {
  for (size_t i = 0; i < in->len; i++) strom__buf_append(out, in->p + i, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *v = malloc(size ? size : 1); /* exactly size bytes: ASan catches reads past them */
  memcpy(v, data, size);
  strom_buf a = {0};
  int rc = sql_pg_array_in(v, size, &a);
  free(v);
  if (rc) {
    strom__buf_free(&a);
    return 0;
  }
  int depth = 0;
  bool str = false;
  for (size_t i = 0; i < a.len; i++) {
    char ch = a.p[i];
    if (str && ch == '\\') i++;
    else if (ch == '"') str = !str;
    else if (!str && ch == '[') depth++;
    else if (!str && ch == ']' && --depth < 0) abort();
  }
  if (depth || str) abort();
  strom_buf j = {0}, pg = {0}, again = {0};
  as_json(&a, &j);
  sql_pg_array_out(j.p ? j.p : "", j.len, &pg);
  if (sql_pg_array_in(pg.p ? pg.p : "", pg.len, &again)) abort();
  if (again.len != a.len || (a.len && memcmp(again.p, a.p, a.len))) abort();
  strom__buf_free(&a), strom__buf_free(&j), strom__buf_free(&pg), strom__buf_free(&again);
  return 0;
}
