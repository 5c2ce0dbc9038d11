/*
 * fuzz_csv.c -- libFuzzer target for the CSV record parser (strom__csv_parse) against
 * a schema with every type.  The first byte picks the delimiter, the rest is the
 * record.  Invariants: no memory error or UB (ASan, UBSan); a rejected record has a
 * message; an accepted one formats as CSV, and that text parses back to a row that
 * formats the same.
 */
#include <stdint.h>
#include <stdlib.h>

#include "connectors/format_csv.h"

static const char *SCHEMA =
    "b BOOLEAN, i INT, l BIGINT, d DOUBLE, m DECIMAL(10,2), s VARCHAR, t TIMESTAMP(3), s2 VARCHAR";

static char *row_text(const strom_row *r) {
  int n = strom_row_format(r, NULL, 0);
  char *p = malloc((size_t)n + 1);
  strom_row_format(r, p, (size_t)n + 1);
  return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static strom_schema *schema;
  static strom_row *row, *again;
  if (!schema) {
    schema = strom_schema_parse(SCHEMA, NULL, 0);
    row = strom_row_new(schema);
    again = strom_row_new(schema);
    if (!row || !again) abort();
  }
  if (size == 0) return 0;
  char delim = ",;|\t"[data[0] & 3];
  size_t n = size - 1;
  char *line = malloc(n ? n : 1); /* exactly n bytes: ASan catches reads past them */
  memcpy(line, data + 1, n);
  char err[256] = "";
  int rc = strom__csv_parse(row, line, n, delim, err, sizeof err);
  if (rc != STROM_OK) {
    if (rc != STROM_EPARSE || !err[0]) abort();
    free(line);
    return 0;
  }
  strom_buf b = {0};
  if (strom__csv_format(&b, row) || b.len == 0 || b.p[b.len - 1] != '\n') abort();
  char err2[256] = "";
  if (strom__csv_parse(again, b.p, b.len - 1, ',', err2, sizeof err2)) {
    fprintf(stderr, "formatted record does not parse back: %s\n%s", err2, b.p);
    abort();
  }
  char *t1 = row_text(row), *t2 = row_text(again);
  if (strcmp(t1, t2)) {
    fprintf(stderr, "round trip changed the row:\n%s\n%s\n", t1, t2);
    abort();
  }
  free(t1);
  free(t2);
  strom__buf_free(&b);
  free(line);
  return 0;
}
