/*
 * fuzz_row_decode.c -- libFuzzer target for the binary row decoder.  The input is a
 * sequence of encoded rows of a schema with every type (and more than 8 columns, so
 * the null bitmap has two bytes), and again of one with DECIMALs of 19..38 digits (16
 * bytes each) and TIMESTAMPs of 6 and 9 digits (12).  Invariants: no read outside the input (ASan); an
 * accepted row lies inside the input, re-encodes to exactly the bytes it was decoded
 * from in length, and the re-encoding decodes and re-encodes identically; formatting
 * and key hashing of any decoded row are safe.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/core.h"

static const char *SCHEMA =
    "b BOOLEAN, i INT, l BIGINT, d DOUBLE, m DECIMAL(10,2), s VARCHAR, t TIMESTAMP(3), s2 VARCHAR, "
    "m2 DECIMAL(18,18), b2 BOOLEAN";

/* DECIMALs of 19..38 digits (16 bytes each) and TIMESTAMP(4..9) (12) among the others. */
static const char *WIDE = "w DECIMAL(38,2), s VARCHAR, n DECIMAL(19,0), b BOOLEAN, m DECIMAL(18,2), w2 DECIMAL(25,25), "
                          "t9 TIMESTAMP(9), t6 TIMESTAMP(6)";

static void decode_all(const strom_schema *schema, strom_row *row, strom_row *again, const uint8_t *data, size_t size) {
  static int allcols[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  int ncols = strom_schema_ncols(schema);
  const uint8_t *p = data, *end = data + size;
  while (p < end) {
    const uint8_t *q = strom__row_decode(row, p, end);
    if (!q) break;
    if (q <= p || q > end || strom__row_skip(schema, p, end) != q) abort();
    for (int c = 0; c < ncols; c++) {
      if (strom_schema_col_type(schema, c) != STROM_VARCHAR || strom_row_is_null(row, c)) continue;
      size_t n;
      const uint8_t *s = (const uint8_t *)strom_row_get_str(row, c, &n);
      if (s < p || s + n > q) abort();
    }
    size_t cap = strom__row_encoded_size(row);
    uint8_t *enc = malloc(cap ? cap : 1);
    size_t len = (size_t)(strom__row_encode(row, enc) - enc);
    if (len > cap || len != (size_t)(q - p)) {
      fprintf(stderr, "decoded %zu bytes, re-encoded %zu\n", (size_t)(q - p), len);
      abort();
    }
    if (strom__row_decode(again, enc, enc + len) != enc + len) abort();
    uint8_t *enc2 = malloc(cap ? cap : 1);
    if ((size_t)(strom__row_encode(again, enc2) - enc2) != len || memcmp(enc, enc2, len)) abort();
    free(enc2);
    free(enc);
    char text[512];
    strom_row_format(row, text, sizeof text);
    strom__key_hash(row, allcols, ncols);
    p = q;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static strom_schema *schema, *wide;
  static strom_row *row, *again, *wrow, *wagain;
  if (!schema) {
    schema = strom_schema_parse(SCHEMA, NULL, 0);
    wide = strom_schema_parse(WIDE, NULL, 0);
    row = strom_row_new(schema);
    again = strom_row_new(schema);
    wrow = strom_row_new(wide);
    wagain = strom_row_new(wide);
    if (!row || !again || !wrow || !wagain) abort();
  }
  decode_all(schema, row, again, data, size);
  decode_all(wide, wrow, wagain, data, size);
  return 0;
}
