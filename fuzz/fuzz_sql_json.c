/*
 * fuzz_sql_json.c -- libFuzzer target for the JSON functions (src/sql/fn_json.c) and
 * the string functions that parse their input (fn_string2.c): the input is a JSON path
 * up to the first newline, then a document.  JSON_VALUE, JSON_EXISTS and JSON_QUERY
 * run it under every wrapper and with NULL and ERROR behaviours; IS JSON, JSON_QUOTE /
 * JSON_UNQUOTE, PARSE_URL, URL_DECODE, STR_TO_MAP (the path as regex delimiters),
 * SPLIT, INSTR, TRANSLATE, SUBSTRING_INDEX and PRINTF (the document as the format) run
 * on the parts.  Invariants: no memory error, UB or leak;
 * what JSON_QUERY returns and what JSON_QUOTE makes is valid JSON; JSON_UNQUOTE undoes
 * JSON_QUOTE.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sql/sql_int.h"

static const sql_type T_STR = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX}, T_BOOL = {.id = STROM_BOOLEAN};

static bool call(const char *name, int n, int64_t aux, const sql_type *t, const sql_val *args, sql_val *out, sql_ectx *c) {
  const sql_func *f = sql_func_find(name);
  if (!f) abort();
  sql_expr x = {.type = *t}, *kids[4];
  for (int i = 0; i < n; i++) kids[i] = &x; /* only the JSON builders look at argument nodes */
  sql_expr e = {.op = SQL_E_FUNC, .fn = f, .n = n, .a = kids, .aux = aux, .type = *t};
  *out = (sql_val){0};
  for (int i = 0; f->strict && i < n; i++)
    if (args[i].null) return out->null = true, true;
  return f->eval(&e, args, out, c) == 0;
}

static bool is_json(const sql_val *v, sql_ectx *c) {
  sql_val args[2] = {*v, {.s = {"VALUE", 5}}}, out;
  if (!call("IS_JSON", 2, 0, &T_BOOL, args, &out, c)) abort();
  return out.i != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data, *nl = memchr(s, '\n', size);
  size_t pn = nl ? (size_t)(nl - s) : size;
  sql_val path = {.s = {s, (uint32_t)pn}}, doc = {.s = {nl ? nl + 1 : s, (uint32_t)(nl ? size - pn - 1 : size)}};
  sql_ectx c = {0};
  sql_val args[4] = {doc, path}, out;
  static const int64_t auxes[] = {0, 1 | 1 << 4, 1 << 8, 2 << 8, 2 << 8 | 1 | 1 << 4, 7 | 6 << 4};
  for (size_t k = 0; k < sizeof auxes / sizeof *auxes; k++) {
    if (k < 2) call("JSON_VALUE", 2, auxes[k], &T_STR, args, &out, &c);
    if (k < 2) call("JSON_EXISTS", 2, k ? 1 << 4 : 4 << 4, &T_BOOL, args, &out, &c);
    if (call("JSON_QUERY", 2, auxes[k], &T_STR, args, &out, &c) && !out.null && !is_json(&out, &c)) abort();
  }
  static const char *const kinds[] = {"VALUE", "SCALAR", "ARRAY", "OBJECT", "NOT VALUE", "NOT OBJECT"};
  for (int k = 0; k < 6; k++) {
    sql_val a2[2] = {doc, {.s = {kinds[k], (uint32_t)strlen(kinds[k])}}};
    call("IS_JSON", 2, 0, &T_BOOL, a2, &out, &c);
  }
  sql_val q, u;
  if (!call("JSON_QUOTE", 1, 0, &T_STR, &doc, &q, &c) || !is_json(&q, &c)) abort();
  if (!call("JSON_UNQUOTE", 1, 0, &T_STR, &q, &u, &c) || u.s.n != doc.s.n || (u.s.n && memcmp(u.s.p, doc.s.p, u.s.n))) {
    /* a NUL or invalid UTF-8 byte still round-trips: quote escapes only ", \ and controls */
    abort();
  }
  call("JSON_UNQUOTE", 1, 0, &T_STR, &doc, &out, &c);
  /* the string functions that parse */
  static const char *const parts[] = {"HOST", "PATH", "QUERY", "REF", "PROTOCOL", "FILE", "AUTHORITY", "USERINFO"};
  for (int k = 0; k < 8; k++) {
    sql_val a2[3] = {doc, {.s = {parts[k], (uint32_t)strlen(parts[k])}}, path};
    call("PARSE_URL", 2, 0, &T_STR, a2, &out, &c);
    call("PARSE_URL", 3, 0, &T_STR, a2, &out, &c);
  }
  call("URL_DECODE", 1, 0, &T_STR, &doc, &out, &c);
  sql_type map = sql_coll_map_type(&T_STR, &T_STR), arr = sql_coll_array_type(&T_STR);
  sql_val a3[4] = {doc, path, path, {.i = 2}};
  call("STR_TO_MAP", 3, 0, &map, a3, &out, &c);
  call("STR_TO_MAP", 1, 0, &map, a3, &out, &c);
  call("SPLIT", 2, 0, &arr, a3, &out, &c);
  call("TRANSLATE", 3, 0, &T_STR, a3, &out, &c);
  sql_val a4[4] = {doc, path, {.i = size % 2 ? -(int64_t)(size % 7) : (int64_t)(size % 7)}, {.i = 1 + (int64_t)(size % 3)}};
  call("INSTR", 4, 0, &(sql_type){.id = STROM_INT}, a4, &out, &c);
  call("OVERLAY", 4, 0, &T_STR, a4, &out, &c);
  call("SUBSTRING_INDEX", 3, 0, &T_STR, a4, &out, &c);
  call("PRINTF", 3, 0, &T_STR, a3, &out, &c); /* the document as a format, the path as its arguments */
  sql_ectx_free(&c);
  return 0;
}
