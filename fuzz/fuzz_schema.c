/*
 * fuzz_schema.c -- libFuzzer target for strom_schema_parse.  Invariants: no memory
 * error or UB; a rejected spec gets a message naming an offset inside the spec; an
 * accepted one has columns, formats to a spec that parses to the same schema, and
 * formatting is stable.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *spec = malloc(size + 1);
  memcpy(spec, data, size);
  spec[size] = 0;
  char err[512] = "";
  strom_schema *s = strom_schema_parse(spec, err, sizeof err);
  if (!s) {
    const char *at = strstr(err, " at offset ");
    if (strncmp(err, "schema: ", 8) || !at || (size_t)atol(at + 11) > strlen(spec)) {
      fprintf(stderr, "bad message: %s\n", err);
      abort();
    }
    char tiny[3]; /* a short buffer is truncated, not overrun */
    if (strom_schema_parse(spec, tiny, sizeof tiny) || strlen(tiny) != 2) abort();
    free(spec);
    return 0;
  }
  if (strom_schema_ncols(s) < 1) abort();
  int n = strom_schema_format(s, NULL, 0);
  char *f1 = malloc((size_t)n + 1);
  if (strom_schema_format(s, f1, (size_t)n + 1) != n || (int)strlen(f1) != n) abort();
  strom_schema *s2 = strom_schema_parse(f1, err, sizeof err);
  if (!s2) {
    fprintf(stderr, "formatted schema does not parse: %s: %s\n", f1, err);
    abort();
  }
  char *f2 = malloc((size_t)n + 1);
  if (strom_schema_format(s2, f2, (size_t)n + 1) != n || strcmp(f1, f2)) abort();
  if (strom_schema_ncols(s2) != strom_schema_ncols(s)) abort();
  for (int c = 0; c < strom_schema_ncols(s); c++)
    if (strom_schema_col_type(s, c) != strom_schema_col_type(s2, c) ||
        strom_schema_col_scale(s, c) != strom_schema_col_scale(s2, c) ||
        strcmp(strom_schema_col_name(s, c), strom_schema_col_name(s2, c)))
      abort();
  strom_row *r = strom_row_new(s); /* rows of any parsed schema work */
  char text[64];
  strom_row_format(r, text, sizeof text);
  strom_row_free(r);
  free(f1);
  free(f2);
  strom_schema_free(s2);
  strom_schema_free(s);
  free(spec);
  return 0;
}
