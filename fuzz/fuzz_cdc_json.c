/*
 * fuzz_cdc_json.c -- libFuzzer target for the canal-json and maxwell-json decoders
 * (strom__format_decode_changes) against a schema with every type, with canal-json's
 * database / table filters on.  Invariants: no memory error or UB (ASan, UBSan); a
 * refused record has a message; an accepted one gives a whole changelog (canal-json:
 * any number of rows, an UPDATE's in -U/+U pairs; maxwell-json: one row or a -U/+U
 * pair), and each row re-encoded by the sink decodes back to a row that formats the same.
 */
#include <stdint.h>
#include <stdlib.h>

#include "connectors/format.h"

static const char *SCHEMA =
    "b BOOLEAN, i INT, l BIGINT, d DOUBLE, m DECIMAL(10,2), s VARCHAR, t TIMESTAMP(3), w DECIMAL(38,6), t6 TIMESTAMP(6)";

static char *row_text(const strom_row *r) {
  int n = strom_row_format(r, NULL, 0);
  char *p = malloc((size_t)n + 1);
  strom_row_format(r, p, (size_t)n + 1);
  return p;
}

/* Encodes r with f, decodes it back and checks the row is the same. */
static void round_trip(strom_format *f, const strom_row *r, strom_row *a, strom_row *b) {
  strom_buf enc = {0};
  char err[256];
  int n = 0;
  if (strom__format_encode(f, r, &enc)) abort();
  strom__row_reset(a);
  strom__row_reset(b);
  if (strom__format_decode_changes(f, enc.p, enc.len, a, b, &n, err, sizeof err) || n != 1) abort();
  strom_row_kind k = strom_row_get_kind(r);
  bool del = k == STROM_UPDATE_BEFORE || k == STROM_DELETE;
  if (strom_row_get_kind(a) != (del ? STROM_DELETE : STROM_INSERT)) abort(); /* Flink's encoding of the kinds */
  strom_row_set_kind(a, k);
  char *t1 = row_text(r), *t2 = row_text(a);
  if (strcmp(t1, t2)) abort();
  free(t1);
  free(t2);
  strom__buf_free(&enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static strom_schema *schema;
  static strom_row *r1, *r2, *a, *b;
  static strom_format canal, canal_rt, maxwell;
  if (!schema) {
    char err[256];
    schema = strom_schema_parse(SCHEMA, NULL, 0);
    r1 = strom_row_new(schema);
    r2 = strom_row_new(schema);
    a = strom_row_new(schema);
    b = strom_row_new(schema);
    strom_format_opts co = {.kind = STROM_FORMAT_CANAL_JSON, .include_database = "db.*", .include_table = "t|u"};
    if (!r1 || !r2 || !a || !b || strom__format_init(&canal, &co, schema, NULL, err, sizeof err) ||
        strom__format_init(&canal_rt, &(strom_format_opts){.kind = STROM_FORMAT_CANAL_JSON}, schema, NULL, err,
                           sizeof err) ||
        strom__format_init(&maxwell, &(strom_format_opts){.kind = STROM_FORMAT_MAXWELL_JSON}, schema, NULL, err,
                           sizeof err))
      abort();
  }
  char *text = malloc(size ? size : 1); /* exactly size bytes: ASan catches reads past them */
  memcpy(text, data, size);
  for (int w = 0; w < 2; w++) {
    strom_format *f = w ? &maxwell : &canal;
    char err[256] = "";
    int n = -1;
    strom__row_reset(r1);
    strom__row_reset(r2);
    int rc = strom__format_decode_changes(f, size ? text : "", size, r1, r2, &n, err, sizeof err);
    if (rc) {
      if (rc != STROM_EPARSE || !err[0]) abort();
      continue;
    }
    if (n < 0 || (w && n > 2)) abort();
    for (int i = 0; i < n; i++) {
      strom_row *r = strom__format_row_at(f, i, r1, r2);
      strom_row_kind k = strom_row_get_kind(r);
      if (k == STROM_UPDATE_BEFORE && (i + 1 >= n || strom_row_get_kind(strom__format_row_at(f, i + 1, r1, r2)) !=
                                                          STROM_UPDATE_AFTER))
        abort();
      /* the sink writes a row the source reads back the same (as +I or -D) */
      strom_row *copy = strom_row_new(schema);
      for (int c = 0; c < schema->ncols; c++) strom__format_copy_col(copy, c, r, c);
      strom_row_set_kind(copy, k);
      round_trip(w ? f : &canal_rt, copy, a, b); /* the filters would drop the sink's records */
      strom_row_free(copy);
    }
  }
  free(text);
  return 0;
}
