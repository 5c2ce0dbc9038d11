/*
 * fuzz_json_nested.c -- libFuzzer target for the json format over columns named by
 * paths ("p.a", "p.q.b": a SQL ROW column's flattened fields), which the decoder fills
 * from nested objects and the encoder writes back as nested objects.  Invariants: no
 * memory error, UB or leak; a rejected record has a message; an accepted one encodes
 * as well-formed JSON that decodes back to a row that formats the same.
 */
#include <stdint.h>
#include <stdlib.h>

#include "connectors/format.h"

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
    schema = strom_schema_new();
    static const struct {
      const char *name;
      strom_type_id t;
    } cols[] = {{"id", STROM_INT},      {"p.$", STROM_BOOLEAN}, {"p.a", STROM_BIGINT},  {"p.q.$", STROM_BOOLEAN},
                {"p.q.b", STROM_VARCHAR}, {"p.q.c", STROM_DOUBLE}, {"p.d", STROM_TIMESTAMP}, {"x", STROM_BOOLEAN},
                {"r.s", STROM_VARCHAR}}; /* "p.$": a SQL ROW's null marker (src/sql/types_row.c) */
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
      if (strom_schema_add(schema, cols[i].name, cols[i].t)) abort();
    row = strom_row_new(schema);
    again = strom_row_new(schema);
    if (!row || !again || strom__format_init(&f, &(strom_format_opts){.kind = STROM_FORMAT_JSON}, schema, NULL, err, sizeof err))
      abort();
  }
  char *text = malloc(size ? size : 1); /* exactly size bytes: ASan catches reads past them */
  memcpy(text, data, size);
  char err[256] = "";
  strom__row_reset(row);
  int rc = strom__format_decode(&f, text, size, row, err, sizeof err);
  if (rc != STROM_OK) {
    if (rc != STROM_EPARSE || !err[0]) abort();
    free(text);
    return 0;
  }
  strom_buf b = {0};
  if (strom__format_encode(&f, row, &b) || strom__json_validate(b.p, b.len)) abort();
  strom__row_reset(again);
  if (strom__format_decode(&f, b.p, b.len, again, err, sizeof err)) abort();
  char *t1 = row_text(row), *t2 = row_text(again);
  if (strcmp(t1, t2)) abort();
  free(t1);
  free(t2);
  strom__buf_free(&b);
  free(text);
  return 0;
}
