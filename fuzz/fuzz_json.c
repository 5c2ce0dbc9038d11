/*
 * fuzz_json.c -- libFuzzer target for the json format's decoder (strom__json_decode)
 * against a schema with every type.  Invariants: no memory error or UB (ASan, UBSan);
 * a rejected record has a message; an accepted one encodes as JSON that is well formed
 * and decodes back to a row that formats the same.  The same bytes also go through the
 * debezium-json decoder (which reads member spans, then row images with the json one):
 * no crash, and a message when it refuses.
 */
#include <stdint.h>
#include <stdlib.h>

#include "connectors/format.h"

static const char *SCHEMA =
    "b BOOLEAN, i INT, l BIGINT, d DOUBLE, m DECIMAL(10,2), s VARCHAR, t TIMESTAMP(3), s2 VARCHAR, w DECIMAL(38,6), "
    "t6 TIMESTAMP(6), t9 TIMESTAMP(9)";

static char *row_text(const strom_row *r) {
  int n = strom_row_format(r, NULL, 0);
  char *p = malloc((size_t)n + 1);
  strom_row_format(r, p, (size_t)n + 1);
  return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static strom_schema *schema;
  static strom_row *row, *again;
  static strom_format f, dbz;
  static strom_row *r2;
  if (!schema) {
    char err[256];
    schema = strom_schema_parse(SCHEMA, NULL, 0);
    row = strom_row_new(schema);
    again = strom_row_new(schema);
    r2 = strom_row_new(schema);
    if (!row || !again || !r2 || strom__format_init(&f, &(strom_format_opts){.kind = STROM_FORMAT_JSON}, schema, NULL, err, sizeof err) ||
        strom__format_init(&dbz, &(strom_format_opts){.kind = STROM_FORMAT_DEBEZIUM_JSON}, schema, NULL, err, sizeof err))
      abort();
  }
  char *text = malloc(size ? size : 1); /* exactly size bytes: ASan catches reads past them */
  memcpy(text, data, size);
  char err[256] = "";
  int nrows = -1;
  int drc = strom__format_decode_changes(&dbz, size ? text : "", size, row, r2, &nrows, err, sizeof err);
  if (drc ? drc != STROM_EPARSE || !err[0] : nrows < 1 || nrows > 2) abort();
  err[0] = 0;
  strom__row_reset(row);
  int rc = strom__format_decode(&f, text, size, row, err, sizeof err);
  if (rc != STROM_OK) {
    if (rc != STROM_EPARSE || !err[0]) abort();
    free(text);
    return 0;
  }
  if (strom__json_validate(text, size)) abort(); /* accepted, so it must be valid JSON */
  strom_buf b = {0};
  if (strom__format_encode(&f, row, &b) || strom__json_validate(b.p, b.len)) abort();
  strom__row_reset(again);
  if (strom__format_decode(&f, b.p, b.len, again, err, sizeof err)) abort();
  char *t1 = row_text(row), *t2 = row_text(again);
  /* Doubles print with 17 digits and read back exactly; everything else is exact. */
  if (strcmp(t1, t2)) abort();
  free(t1);
  free(t2);
  strom__buf_free(&b);
  free(text);
  return 0;
}
