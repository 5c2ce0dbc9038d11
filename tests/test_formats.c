/*
 * test_formats.c -- the record formats of the Kafka connector (json, csv, raw): values
 * of every type both ways, Flink's timestamp forms, nested values, missing fields,
 * escapes, and malformed input rejected with a message that says where.
 */
#include "connectors/format.h"
#include "test.h"

static const char *SCHEMA = "b BOOLEAN, i INT, l BIGINT, d DOUBLE, m DECIMAL(10,2), s VARCHAR, t TIMESTAMP(3)";

static int dec(strom_format *f, const char *text, strom_row *r, char *err) {
  return strom__format_decode(f, text, strlen(text), r, err, 256);
}

static char *fmt_row(const strom_row *r) {
  static char buf[512];
  strom_row_format(r, buf, sizeof buf);
  return buf;
}

TEST(json_decodes_every_type) {
  strom_schema *s = strom_schema_parse(SCHEMA, NULL, 0);
  strom_format f;
  char err[256];
  CHECK_INT(strom__format_init(&f, &(strom_format_opts){.kind = STROM_FORMAT_JSON}, s, NULL, err, sizeof err), 0);
  strom_row *r = strom_row_new(s);
  CHECK_INT(dec(&f, " {\"t\":\"2020-12-30 12:13:14.123\",\"b\":true,\"i\":-7,\"l\":\"9000000000\",\"d\":1.5e2,"
                    "\"m\":12.34,\"s\":\"a\\\"b\\u00e9\\ud83d\\ude00\\n\",\"extra\":[1,{\"x\":null}]} ", r, err), 0);
  CHECK_STR(fmt_row(r), "+I[true, -7, 9000000000, 150.0, 12.34, a\"bé😀\n, 2020-12-30 12:13:14.123]");
  /* ISO-8601 with a zone letter, nulls, and a missing field (NULL by default). */
  CHECK_INT(dec(&f, "{\"t\":\"2020-12-30T12:13:14.5Z\",\"b\":null,\"s\":{\"nested\":[1,2]}}", r, err), 0);
  CHECK_STR(fmt_row(r), "+I[null, null, null, null, null, {\"nested\":[1,2]}, 2020-12-30 12:13:14.500]");
  strom_row_free(r);
  strom__format_free(&f);
  strom_schema_free(s);
}

TEST(json_rejects_with_a_reason) {
  strom_schema *s = strom_schema_parse(SCHEMA, NULL, 0);
  strom_format f;
  char err[256];
  CHECK_INT(strom__format_init(&f, &(strom_format_opts){.kind = STROM_FORMAT_JSON, .fail_on_missing_field = true}, s,
                               NULL, err, sizeof err), 0);
  strom_row *r = strom_row_new(s);
  struct { const char *in, *why; } cases[] = {
      {"", "a JSON object expected"},
      {"[1]", "a JSON object expected"},
      {"{\"i\":1", "unterminated object"},
      {"{\"i\":1}x", "text after the object"},
      {"{\"i\":01}", "',' or '}' expected"},
      {"{\"i\":\"x\"}", "column 'i'"},
      {"{\"i\":99999999999}", "column 'i'"},
      {"{\"b\":1}", "column 'b': 1 does not fit its type"},
      {"{\"m\":{}}", "a nested object fits only a VARCHAR column"},
      {"{\"s\":\"\\ud800\"}", "lone surrogate"},
      {"{\"s\":\"a\nb\"}", "control character"},
      {"{\"t\":12}", "a TIMESTAMP must be a string"},
      {"{\"b\":true,\"i\":1,\"l\":2,\"d\":3,\"m\":4,\"s\":\"x\"}", "field 't' is missing"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    err[0] = 0;
    int rc = dec(&f, cases[i].in, r, err);
    if (rc != STROM_EPARSE || !strstr(err, cases[i].why)) {
      fprintf(stderr, "  input %s: rc %d, err '%s', expected '%s'\n", cases[i].in, rc, err, cases[i].why);
      CHECK(0);
    }
  }
  /* Deep nesting is refused, not a stack overflow. */
  char deep[400];
  strcpy(deep, "{\"s\":");
  for (int i = 0; i < 100; i++) strcat(deep, "[");
  CHECK_INT(dec(&f, deep, r, err), STROM_EPARSE);
  CHECK(strstr(err, "nested too deeply") != NULL);
  strom_row_free(r);
  strom__format_free(&f);
  strom_schema_free(s);
}

TEST(json_encodes_and_reads_back) {
  strom_schema *s = strom_schema_parse(SCHEMA, NULL, 0);
  strom_format f, iso;
  char err[256];
  CHECK_INT(strom__format_init(&f, &(strom_format_opts){.kind = STROM_FORMAT_JSON}, s, NULL, err, sizeof err), 0);
  CHECK_INT(strom__format_init(&iso, &(strom_format_opts){.kind = STROM_FORMAT_JSON, .iso8601 = true}, s, NULL, err, sizeof err), 0);
  strom_row *r = strom_row_new(s), *back = strom_row_new(s);
  strom_row_set_bool(r, 0, false);
  strom_row_set_int(r, 1, 42);
  strom_row_set_double(r, 3, 0.1);
  strom_row_set_decimal(r, 4, -1205);
  strom_row_set_str(r, 5, "q\"\\\x01", 4);
  strom_row_set_timestamp(r, 6, 1609330394123);
  strom_buf b = {0};
  CHECK_INT(strom__format_encode(&f, r, &b), 0);
  CHECK_INT(strom__buf_append(&b, "", 1), 0);
  CHECK_STR(b.p, "{\"b\":false,\"i\":42,\"l\":null,\"d\":0.1,\"m\":-12.05,\"s\":\"q\\\"\\\\\\u0001\",\"t\":\"2020-12-30 12:13:14.123\"}");
  CHECK_INT(strom__format_decode(&f, b.p, b.len - 1, back, err, sizeof err), 0);
  char a1[256];
  strom_row_format(r, a1, sizeof a1);
  CHECK_STR(fmt_row(back), a1);
  b.len = 0;
  CHECK_INT(strom__format_encode(&iso, r, &b), 0);
  CHECK_INT(strom__buf_append(&b, "", 1), 0);
  CHECK(strstr(b.p, "\"t\":\"2020-12-30T12:13:14.123\"") != NULL);
  strom__buf_free(&b);
  strom_row_free(r);
  strom_row_free(back);
  strom__format_free(&f);
  strom__format_free(&iso);
  strom_schema_free(s);
}

TEST(key_fields_raw_and_csv) {
  strom_schema *s = strom_schema_parse("id BIGINT, name VARCHAR, price DECIMAL(6,2)", NULL, 0);
  strom_format raw, csv, jk;
  char err[256];
  CHECK_INT(strom__format_init(&raw, &(strom_format_opts){.kind = STROM_FORMAT_RAW}, s, "id", err, sizeof err), STROM_EINVAL);
  CHECK(strstr(err, "one VARCHAR column") != NULL);
  CHECK_INT(strom__format_init(&raw, &(strom_format_opts){.kind = STROM_FORMAT_RAW}, s, "name", err, sizeof err), 0);
  CHECK_INT(strom__format_init(&jk, &(strom_format_opts){.kind = STROM_FORMAT_JSON}, s, "nope", err, sizeof err), STROM_EINVAL);
  CHECK(strstr(err, "no column 'nope'") != NULL);
  CHECK_INT(strom__format_init(&jk, &(strom_format_opts){.kind = STROM_FORMAT_JSON}, s, "id;price", err, sizeof err), 0);
  CHECK_INT(strom__format_init(&csv, &(strom_format_opts){.kind = STROM_FORMAT_CSV, .csv_delimiter = '|'}, s, NULL, err, sizeof err), 0);
  strom_row *r = strom_row_new(s);
  CHECK_INT(strom__format_decode(&csv, "7|a,b|1.50\n", 11, r, err, sizeof err), 0);
  CHECK_STR(fmt_row(r), "+I[7, a,b, 1.50]");
  CHECK_INT(strom__format_decode(&raw, "raw bytes", 9, r, err, sizeof err), 0);
  CHECK_INT(strom__format_decode(&jk, "{\"id\":8}", 8, r, err, sizeof err), 0);
  CHECK_STR(fmt_row(r), "+I[8, raw bytes, null]");
  CHECK_INT(strom__format_decode(&raw, NULL, 0, r, err, sizeof err), 0); /* a Kafka null */
  CHECK(strom_row_is_null(r, 1));
  CHECK_INT(strom__format_decode(&csv, "1|x", 3, r, err, sizeof err), STROM_EPARSE);
  CHECK(strstr(err, "expected 3 fields") != NULL);
  strom_row_set_str(r, 1, "v", 1);
  strom_row_set_decimal(r, 2, 250);
  strom_buf b = {0};
  CHECK_INT(strom__format_encode(&jk, r, &b), 0);
  CHECK_INT(strom__format_encode(&csv, r, &b), 0);
  CHECK_INT(strom__format_encode(&raw, r, &b), 0);
  CHECK_INT(strom__buf_append(&b, "", 1), 0);
  CHECK_STR(b.p, "{\"id\":8,\"price\":2.50}8|v|2.50v");
  strom__buf_free(&b);
  strom_row_free(r);
  strom__format_free(&raw);
  strom__format_free(&csv);
  strom__format_free(&jk);
  strom_schema_free(s);
}

TEST(debezium_changes_to_row_kinds_and_back) {
  strom_schema *s = strom_schema_parse("id BIGINT, name VARCHAR", NULL, 0);
  strom_format f;
  char err[256];
  CHECK_INT(strom__format_init(&f, &(strom_format_opts){.kind = STROM_FORMAT_DEBEZIUM_JSON}, s, NULL, err, sizeof err), 0);
  strom_row *a = strom_row_new(s), *b = strom_row_new(s);
  int n;
  const char *c = "{\"before\":null,\"after\":{\"id\":1,\"name\":\"x\"},\"op\":\"c\",\"ts_ms\":5}";
  CHECK_INT(strom__format_decode_changes(&f, c, strlen(c), a, b, &n, err, sizeof err), 0);
  CHECK_INT(n, 1);
  CHECK_STR(fmt_row(a), "+I[1, x]");
  const char *u = "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"before\":{\"id\":1,\"name\":\"x\"},"
                  "\"after\":{\"id\":1,\"name\":\"y\"},\"op\":\"u\"}}";
  CHECK_INT(strom__format_decode_changes(&f, u, strlen(u), a, b, &n, err, sizeof err), 0);
  CHECK_INT(n, 2);
  CHECK_STR(fmt_row(a), "-U[1, x]");
  CHECK_STR(fmt_row(b), "+U[1, y]");
  const char *d = "{\"before\":{\"id\":1,\"name\":\"y\"},\"after\":null,\"op\":\"d\"}";
  CHECK_INT(strom__format_decode_changes(&f, d, strlen(d), a, b, &n, err, sizeof err), 0);
  CHECK_STR(fmt_row(a), "-D[1, y]");
  CHECK_INT(strom__format_decode_changes(&f, NULL, 0, a, b, &n, err, sizeof err), 0); /* tombstone */
  CHECK_INT(n, 0);
  const char *bad[] = {"{\"op\":\"x\",\"after\":{}}", "{\"op\":\"u\",\"before\":null,\"after\":{}}", "{\"after\":{}}", "[]"};
  for (int i = 0; i < 4; i++) CHECK_INT(strom__format_decode_changes(&f, bad[i], strlen(bad[i]), a, b, &n, err, sizeof err), STROM_EPARSE);
  strom_buf out = {0};
  strom_row_set_kind(a, STROM_UPDATE_BEFORE);
  CHECK_INT(strom__format_encode(&f, a, &out), 0);
  strom_row_set_kind(a, STROM_INSERT);
  CHECK_INT(strom__format_encode(&f, a, &out), 0);
  CHECK_INT(strom__buf_append(&out, "", 1), 0);
  CHECK_STR(out.p, "{\"before\":{\"id\":1,\"name\":\"y\"},\"after\":null,\"op\":\"d\"}"
                   "{\"before\":null,\"after\":{\"id\":1,\"name\":\"y\"},\"op\":\"c\"}");
  strom__buf_free(&out);
  strom_row_free(a);
  strom_row_free(b);
  strom__format_free(&f);
  strom_schema_free(s);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(json_decodes_every_type);
  RUN(json_rejects_with_a_reason);
  RUN(json_encodes_and_reads_back);
  RUN(key_fields_raw_and_csv);
  RUN(debezium_changes_to_row_kinds_and_back);
  TEST_MAIN_END();
}
