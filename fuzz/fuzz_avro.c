/*
 * fuzz_avro.c -- libFuzzer target for the avro format's decoder (strom__avro_decode)
 * against a schema with every type, nullable and NOT NULL columns, DATE and TIME as text.  Invariants: no memory
 * error or UB (ASan, UBSan); a refused record has a message; an accepted one encodes to
 * bytes that decode back to a row that formats the same and encode to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "connectors/format.h"

static const char *SCHEMA =
    "b BOOLEAN, i INT, l BIGINT, d DOUBLE, m DECIMAL(10,2), s VARCHAR, t TIMESTAMP(3), w DECIMAL(38,6), "
    "t6 TIMESTAMP(6), n BIGINT, t0 TIMESTAMP(0), dt VARCHAR, tm VARCHAR";

static char *row_text(const strom_row *r) {
  int n = strom_row_format(r, NULL, 0);
  char *p = malloc((size_t)n + 1);
  strom_row_format(r, p, (size_t)n + 1);
  return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static strom_schema *schema;
  static strom_row *row, *again;
  static strom_format f;
  if (!schema) {
    char err[256];
    schema = strom_schema_parse(SCHEMA, NULL, 0);
    row = strom_row_new(schema);
    again = strom_row_new(schema);
    strom_format_opts o = {.kind = STROM_FORMAT_AVRO, .avro_columns = "i:n;n:n;s:n;dt:d;tm:nt"};
    if (!row || !again || strom__format_init(&f, &o, schema, NULL, err, sizeof err)) abort();
  }
  char *bytes = malloc(size ? size : 1); /* exactly size bytes: ASan catches reads past them */
  memcpy(bytes, data, size);
  char err[256] = "";
  strom__row_reset(row);
  int rc = strom__format_decode(&f, size ? bytes : "", size, row, err, sizeof err);
  if (rc) {
    if (rc != STROM_EPARSE || !err[0]) abort();
    free(bytes);
    return 0;
  }
  strom_buf b1 = {0}, b2 = {0};
  if (strom__avro_encode(&f, row, &b1, err, sizeof err)) abort();
  strom__row_reset(again);
  if (strom__format_decode(&f, b1.p ? b1.p : "", b1.len, again, err, sizeof err)) abort();
  char *t1 = row_text(row), *t2 = row_text(again);
  if (strcmp(t1, t2)) abort();
  if (strom__avro_encode(&f, again, &b2, err, sizeof err) || b1.len != b2.len || memcmp(b1.p, b2.p, b1.len)) abort();
  free(t1);
  free(t2);
  strom__buf_free(&b1);
  strom__buf_free(&b2);
  free(bytes);
  return 0;
}
