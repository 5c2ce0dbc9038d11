/*
 * count_char.c -- the scalar UDF of Nexmark q14 as a C function library for
 * `CREATE FUNCTION count_char AS '.../libnexmark_udf.so:count_char_udf' LANGUAGE C`
 * (include/strom/sql.h, "Scalar user-defined functions").  The Makefile builds it
 * into build/<BUILD>/lib/libnexmark_udf.so.
 *
 * count_char(s, c) is how many times the first character of c occurs in s, as the
 * Nexmark suite's CountChar counts chars of a Java string.  Strings are UTF-8 here, so
 * a multi-byte c counts occurrences of its whole encoded sequence; an empty c counts 0.
 */
#include <string.h>

#include "strom/sql.h"

static size_t utf8_char_len(unsigned char b) { return b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1; }

static int count_char(strom_sql_udf_ctx *ctx, int argc, const strom_sql_value *argv, strom_sql_value *result) {
  (void)ctx;
  if (argc != 2 || argv[0].type != STROM_VARCHAR || argv[1].type != STROM_VARCHAR) {
    snprintf(ctx->err, ctx->errlen, "count_char wants (STRING, STRING)");
    return 1;
  }
  int64_t n = 0;
  if (argv[1].len) {
    size_t k = utf8_char_len((unsigned char)argv[1].s[0]);
    if (k > argv[1].len) k = argv[1].len;
    const char *s = argv[0].s;
    for (size_t i = 0; i + k <= argv[0].len; i++)
      if (s[i] == argv[1].s[0] && (k == 1 || !memcmp(s + i, argv[1].s, k))) n++, i += k - 1;
  }
  result->type = STROM_BIGINT;
  result->i = n;
  return 0;
}

const strom_sql_udf count_char_udf = {STROM_SQL_UDF_ABI, STROM_BIGINT, 2, 2, 1, count_char, 0};
