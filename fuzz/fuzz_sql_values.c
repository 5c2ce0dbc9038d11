/*
 * fuzz_sql_values.c -- libFuzzer target for the text forms of the SQL-only types
 * (types_time.c, types_coll.c): the input is parsed as a DATE, TIME, both INTERVAL
 * kinds, ARRAY/MAP types with nested elements and DECIMALs wider than 18 digits
 * (decimal_wide.c, src/core/dec128.c), BYTES / BINARY(n) / VARBINARY(n) (types_bytes.c), as
 * CAST(text AS type) does, TINYINT / SMALLINT / FLOAT (types_narrow.c); and base64 (FROM_BASE64, the json/csv form of bytes).
 * Invariants: no memory error, UB or leak; a value that parses formats back to text
 * that parses to the same value.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sql/parser.h"
#include "sql/sql_int.h"

static const char *types[] = {"DATE", "TIME(3)", "INTERVAL YEAR TO MONTH", "INTERVAL DAY TO SECOND", "ARRAY<INT>",
                              "ARRAY<STRING>", "MAP<STRING, ARRAY<DOUBLE>>", "ARRAY<ARRAY<BIGINT>>", "MAP<INT, DATE>",
                              "DECIMAL(38, 10)", "DECIMAL(19, 0)", "ARRAY<DECIMAL(30, 2)>",
                              "TIMESTAMP(9)", "TIMESTAMP(0)", "TIMESTAMP_LTZ(6)", "TIME(9)",
                              "BYTES", "BINARY(4)", "VARBINARY(3)", "TINYINT", "SMALLINT", "FLOAT"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
    sql_arena a = {0};
    char err[256], text[80];
    snprintf(text, sizeof text, "CAST(x AS %s)", types[i]);
    sql_node *n = sql_parse_expression(&a, text, strlen(text), err, sizeof err);
    sql_type t;
    if (!n || sql_type_from_ast(n->kids[1], &t, err, sizeof err)) abort();
    sql_ectx c = {0};
    sql_val v, w;
    if (!sql_val_parse(&t, (const char *)data, size, &v, &c) && !v.null) {
      strom_buf b = {0};
      sql_val_format(&b, &t, &v);
      /* strings inside arrays and maps print unquoted, so only the others round-trip */
      bool strings = strstr(types[i], "STRING") != NULL;
      if (!strings && (sql_val_parse(&t, b.p ? b.p : "", b.len, &w, &c) || w.null || sql_val_cmp(&t, &v, &w))) abort();
      strom__buf_free(&b);
    }
    sql_ectx_free(&c);
    sql_arena_free(&a);
  }
  /* base64: any input decodes or fails cleanly; what TO_BASE64 makes always decodes */
  const sql_func *from = sql_bytes_func_find("FROM_BASE64"), *to = sql_bytes_func_find("TO_BASE64");
  sql_ectx c = {0};
  sql_expr e = {.n = 1};
  sql_val in = {.s = {(const char *)data, (uint32_t)size}}, enc, dec;
  from->eval(&e, &in, &dec, &c);
  if (to->eval(&e, &in, &enc, &c) || from->eval(&e, &enc, &dec, &c)) abort();
  /* the connector forms of BYTES (base64 of json/csv, PostgreSQL's bytea hex): decoding
   * any text fails cleanly; what encoding makes decodes to the same bytes */
  static const sql_type bytes = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX, .kind = SQL_K_BYTES};
  static const char *const forms[] = {"json", "bytea"};
  for (int i = 0; i < 2; i++) {
    sql_arena a = {0};
    sql_expr col = {.op = SQL_E_COL, .type = bytes};
    sql_expr *d = sql_bytes_io(&a, &col, &bytes, true, forms[i], "b"), *en = sql_bytes_io(&a, &col, &bytes, false, forms[i], "b");
    if (!d || !en) abort();
    d->fn->eval(d, &in, &dec, &c);
    if (en->fn->eval(en, &in, &enc, &c) || d->fn->eval(d, &enc, &dec, &c) || dec.s.n != size ||
        (size && memcmp(dec.s.p, data, size)))
      abort();
    sql_arena_free(&a);
  }
  sql_ectx_free(&c);
  return 0;
}
