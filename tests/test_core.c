/*
 * test_core.c -- the core layer on its own: schema parsing and formatting, rows and
 * their string arena, the binary row encoding (round trips, random rows, truncated
 * and corrupted input), key hashing, and the text form of values (formatting and
 * strict parsing).
 */
#include <math.h>

#include "core/core.h"
#include "test.h"

/* ---- helpers ---- */

static uint64_t rng_state;
static uint64_t rnd(void) { /* splitmix64: reproducible across platforms */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static uint64_t rnd_below(uint64_t n) { return rnd() % n; }

/* Values equal column by column; doubles bit for bit (NaN, -0.0). */
static bool rows_equal(const strom_row *a, const strom_row *b) {
  const strom_schema *s = strom_row_schema(a);
  if (strom_schema_ncols(s) != strom_schema_ncols(strom_row_schema(b))) return false;
  for (int c = 0; c < strom_schema_ncols(s); c++) {
    if (strom_row_is_null(a, c) != strom_row_is_null(b, c)) return false;
    if (strom_row_is_null(a, c)) continue;
    switch (strom_schema_col_type(s, c)) {
      case STROM_BOOLEAN:
        if (strom_row_get_bool(a, c) != strom_row_get_bool(b, c)) return false;
        break;
      case STROM_DOUBLE: {
        double x = strom_row_get_double(a, c), y = strom_row_get_double(b, c);
        if (memcmp(&x, &y, sizeof x)) return false;
        break;
      }
      case STROM_VARCHAR: {
        size_t n1, n2;
        const char *p1 = strom_row_get_str(a, c, &n1), *p2 = strom_row_get_str(b, c, &n2);
        if (n1 != n2 || memcmp(p1, p2, n1)) return false;
        break;
      }
      default:
        if (strom_row_get_bigint(a, c) != strom_row_get_bigint(b, c)) return false;
        break;
    }
  }
  return true;
}

static char *fmt_row(const strom_row *r) {
  static char buf[4][1024];
  static int k;
  char *b = buf[k++ & 3];
  strom_row_format(r, b, sizeof buf[0]);
  return b;
}

/* Fills column c with a random value of its type (sometimes NULL when nulls). */
static char rand_text[200 * 1024];
static void rand_value(strom_row *r, int c, bool nulls) {
  const strom_schema *s = strom_row_schema(r);
  if (nulls && rnd_below(5) == 0) {
    strom_row_set_null(r, c);
    return;
  }
  switch (strom_schema_col_type(s, c)) {
    case STROM_BOOLEAN: strom_row_set_bool(r, c, rnd() & 1); break;
    case STROM_INT: strom_row_set_int(r, c, (int32_t)rnd()); break;
    case STROM_BIGINT: strom_row_set_bigint(r, c, (int64_t)rnd()); break;
    case STROM_DOUBLE: {
      uint64_t bits = rnd();
      double d;
      memcpy(&d, &bits, sizeof d);
      strom_row_set_double(r, c, d);
      break;
    }
    case STROM_DECIMAL: strom_row_set_decimal(r, c, (int64_t)(rnd() % 1000000000000000000ull) - 500000000000000000); break;
    case STROM_TIMESTAMP: strom_row_set_timestamp(r, c, (int64_t)rnd()); break;
    case STROM_VARCHAR: {
      uint64_t k = rnd_below(100);
      size_t len = k < 10 ? 0 : k < 90 ? rnd_below(40) : k < 99 ? 100 + rnd_below(3000) : 100 * 1024;
      size_t off = rnd_below(sizeof rand_text - len);
      strom_row_set_str(r, c, rand_text + off, len);
      break;
    }
  }
}

static strom_schema *rand_schema(void) {
  strom_schema *s = strom_schema_new();
  int n = 1 + (int)rnd_below(20);
  for (int c = 0; c < n; c++) {
    char name[16];
    snprintf(name, sizeof name, "c%d", c);
    strom_type_id t = (strom_type_id)(1 + rnd_below(7));
    if (t == STROM_DECIMAL) {
      int p = 1 + (int)rnd_below(18);
      strom_schema_add_decimal(s, name, p, (int)rnd_below((uint64_t)p + 1));
    } else {
      strom_schema_add(s, name, t);
    }
  }
  return s;
}

static const char *ALL_TYPES =
    "b BOOLEAN, i INT, l BIGINT, d DOUBLE, m DECIMAL(10,2), s VARCHAR, t TIMESTAMP(3), s2 VARCHAR";

/* ---- schemas ---- */

TEST(schema_parse_good_specs) {
  char err[256] = "";
  strom_schema *s = strom_schema_parse("word VARCHAR, n BIGINT, price DECIMAL(10,2)", err, sizeof err);
  CHECK(s);
  CHECK_INT(strom_schema_ncols(s), 3);
  CHECK_STR(strom_schema_col_name(s, 0), "word");
  CHECK_INT(strom_schema_col_type(s, 0), STROM_VARCHAR);
  CHECK_INT(strom_schema_col_type(s, 1), STROM_BIGINT);
  CHECK_INT(strom_schema_col_type(s, 2), STROM_DECIMAL);
  CHECK_INT(strom_schema_col_scale(s, 2), 2);
  CHECK_INT(strom_schema_find(s, "PRICE"), 2); /* names are case-insensitive */
  CHECK_INT(strom_schema_find(s, "nope"), -1);
  CHECK(strom_schema_col_name(s, 3) == NULL);
  CHECK(strom_schema_col_name(s, -1) == NULL);
  strom_schema_free(s);

  /* Every type name and alias, any case, any blanks. */
  s = strom_schema_parse("  a bool ,b Boolean,c int, d INTEGER,e bigint,f Double ,g decimal,"
                         "h DECIMAL( 5 , 5 ),i varchar,j STRING,k timestamp,l TIMESTAMP(3),m VARCHAR(100)  ",
                         err, sizeof err);
  CHECK(s);
  static const strom_type_id want[] = {STROM_BOOLEAN, STROM_BOOLEAN, STROM_INT,     STROM_INT,      STROM_BIGINT,
                                       STROM_DOUBLE,  STROM_DECIMAL, STROM_DECIMAL, STROM_VARCHAR,  STROM_VARCHAR,
                                       STROM_TIMESTAMP, STROM_TIMESTAMP, STROM_VARCHAR};
  CHECK_INT(strom_schema_ncols(s), 13);
  for (int c = 0; c < 13; c++) CHECK_INT(strom_schema_col_type(s, c), want[c]);
  CHECK_INT(strom_schema_col_scale(s, 6), 0); /* DECIMAL alone is DECIMAL(18,0) */
  CHECK_INT(strom_schema_col_scale(s, 7), 5);
  CHECK_STR(strom_schema_col_name(s, 12), "m");
  strom_schema_free(s);

  /* err may be NULL; a single column; underscores and digits in names. */
  s = strom_schema_parse("user_id2 BIGINT", NULL, 0);
  CHECK(s);
  CHECK_STR(strom_schema_col_name(s, 0), "user_id2");
  strom_schema_free(s);
}

TEST(schema_parse_errors_name_the_offset) {
  static const struct {
    const char *spec, *msg;
  } cases[] = {
      {"", "schema: expected a column name at offset 0"},
      {"   ", "schema: expected a column name at offset 3"},
      {"a", "schema: expected a type (BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR, TIMESTAMP(p)) at offset 1"},
      {"a INT,", "schema: expected a column name at offset 6"},
      {"a INT, , b INT", "schema: expected a column name at offset 7"},
      {"a INT, b FLOAT", "schema: expected a type (BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR, TIMESTAMP(p)) at offset 9"},
      {"a INTS", "schema: expected a type (BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR, TIMESTAMP(p)) at offset 2"},
      {"x DECIMAL(10", "schema: malformed type parameters at offset 9"},
      {"x DECIMAL(10,", "schema: malformed type parameters at offset 9"},
      {"x DECIMAL(,2)", "schema: malformed type parameters at offset 9"},
      {"x DECIMAL(99999999999)", "schema: malformed type parameters at offset 9"},
      {"x TIMESTAMP(10)", "schema: TIMESTAMP precision must be 0..9 at offset 11"},
      {"x DECIMAL(39,2)", "schema: DECIMAL precision must be 1..38 and scale at most the precision at offset 15"},
      {"x DECIMAL(0,0)", "schema: DECIMAL precision must be 1..38 and scale at most the precision at offset 14"},
      {"x DECIMAL(5,6)", "schema: DECIMAL precision must be 1..38 and scale at most the precision at offset 14"},
      {"a INT b INT", "schema: expected ',' or the end at offset 6"},
      {"a INT;", "schema: expected ',' or the end at offset 5"},
      {"a-b INT", "schema: expected a type (BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR, TIMESTAMP(p)) at offset 1"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char err[256] = "";
    strom_schema *s = strom_schema_parse(cases[i].spec, err, sizeof err);
    if (s) fprintf(stderr, "  accepted: '%s'\n", cases[i].spec);
    CHECK(s == NULL);
    CHECK_STR(err, cases[i].msg);
  }
  /* A short error buffer is truncated, not overrun; NULL spec is an empty spec. */
  char small[8];
  memset(small, 'x', sizeof small);
  CHECK(strom_schema_parse("a", small, 5) == NULL);
  CHECK_STR(small, "sche");
  CHECK(strom_schema_parse(NULL, NULL, 0) == NULL);
}

TEST(schema_format_and_round_trip) {
  const char *spec = "b BOOLEAN, i INT, l BIGINT, d DOUBLE, m DECIMAL(10,2), s VARCHAR, t TIMESTAMP(3)";
  strom_schema *s = strom_schema_parse(spec, NULL, 0);
  CHECK(s);
  char buf[256];
  int n = strom_schema_format(s, buf, sizeof buf);
  CHECK_STR(buf, spec);
  CHECK_INT(n, strlen(spec));
  /* Truncation reports the length needed, as snprintf does. */
  char small[10];
  CHECK_INT(strom_schema_format(s, small, sizeof small), strlen(spec));
  CHECK_STR(small, "b BOOLEAN");
  CHECK_INT(strom_schema_format(s, NULL, 0), strlen(spec));
  /* Aliases format as the canonical names, and the output parses back. */
  strom_schema *a = strom_schema_parse("x integer, y string, z decimal, w bool, v timestamp", NULL, 0);
  strom_schema_format(a, buf, sizeof buf);
  CHECK_STR(buf, "x INT, y VARCHAR, z DECIMAL(18,0), w BOOLEAN, v TIMESTAMP(3)");
  strom_schema *b = strom_schema_parse(buf, NULL, 0);
  CHECK(b);
  char buf2[256];
  strom_schema_format(b, buf2, sizeof buf2);
  CHECK_STR(buf2, buf);
  strom_schema_free(a);
  strom_schema_free(b);
  strom_schema *e = strom_schema_new();
  CHECK_INT(strom_schema_format(e, buf, sizeof buf), 0);
  CHECK_STR(buf, "");
  strom_schema_free(e);
  strom_schema_free(s);
}

TEST(schema_builder_validates) {
  strom_schema *s = strom_schema_new();
  CHECK_INT(strom_schema_add(s, "a", STROM_INT), STROM_OK);
  CHECK_INT(strom_schema_add(s, NULL, STROM_INT), STROM_EINVAL);
  CHECK_INT(strom_schema_add(s, "", STROM_INT), STROM_EINVAL);
  CHECK_INT(strom_schema_add(s, "x", (strom_type_id)0), STROM_EINVAL);
  CHECK_INT(strom_schema_add(s, "x", (strom_type_id)99), STROM_EINVAL);
  CHECK_INT(strom_schema_add_decimal(s, "m", 39, 2), STROM_ENOTSUP);
  CHECK_INT(strom_schema_add_decimal(s, "m", 5, 6), STROM_ENOTSUP);
  CHECK_INT(strom_schema_add_decimal(s, "m", 5, -1), STROM_ENOTSUP);
  CHECK_INT(strom_schema_add_decimal(s, "m", 18, 18), STROM_OK);
  CHECK_INT(strom_schema_add(s, "dflt", STROM_DECIMAL), STROM_OK);
  /* Growing past the initial capacity keeps earlier columns. */
  for (int i = 0; i < 40; i++) {
    char name[16];
    snprintf(name, sizeof name, "v%d", i);
    CHECK_INT(strom_schema_add(s, name, STROM_VARCHAR), STROM_OK);
  }
  CHECK_INT(strom_schema_ncols(s), 43);
  CHECK_STR(strom_schema_col_name(s, 0), "a");
  CHECK_INT(strom_schema_col_scale(s, 1), 18);
  CHECK_INT(strom_schema_find(s, "v39"), 42);
  char buf[64];
  strom_schema_format(s, buf, sizeof buf);
  CHECK(!strncmp(buf, "a INT, m DECIMAL(18,18), dflt DECIMAL(18,0), v0", 47));
  strom_schema_free(s);
}

/* ---- rows ---- */

TEST(row_getters_setters_every_type) {
  strom_schema *s = strom_schema_parse(ALL_TYPES, NULL, 0);
  strom_row *r = strom_row_new(s);
  CHECK(r);
  CHECK(strom_row_schema(r) == s);
  /* A new row is all NULL and NULLs read as zero values. */
  for (int c = 0; c < 8; c++) CHECK(strom_row_is_null(r, c));
  CHECK(!strom_row_get_bool(r, 0));
  CHECK_INT(strom_row_get_int(r, 1), 0);
  CHECK_INT(strom_row_get_bigint(r, 2), 0);
  CHECK(strom_row_get_double(r, 3) == 0.0);
  CHECK_INT(strom_row_get_decimal(r, 4), 0);
  size_t n = 99;
  CHECK_STR(strom_row_get_str(r, 5, &n), "");
  CHECK_INT(n, 0);
  CHECK_INT(strom_row_get_timestamp(r, 6), 0);
  CHECK_STR(fmt_row(r), "+I[null, null, null, null, null, null, null, null]");
  CHECK(strom_row_time(r) == STROM_NO_TIMESTAMP);

  strom_row_set_bool(r, 0, true);
  strom_row_set_int(r, 1, INT32_MIN);
  strom_row_set_bigint(r, 2, INT64_MAX);
  strom_row_set_double(r, 3, -2.5);
  strom_row_set_decimal(r, 4, -1230);
  CHECK_INT(strom_row_set_str(r, 5, "hello", 5), STROM_OK);
  strom_row_set_timestamp(r, 6, 1577836800123);
  static const char ref[] = "world";
  strom_row_set_str_ref(r, 7, ref, 5);
  for (int c = 0; c < 8; c++) CHECK(!strom_row_is_null(r, c));
  CHECK(strom_row_get_bool(r, 0));
  CHECK_INT(strom_row_get_int(r, 1), INT32_MIN);
  CHECK_INT(strom_row_get_bigint(r, 1), INT32_MIN); /* INT reads as BIGINT */
  CHECK(strom_row_get_bigint(r, 2) == INT64_MAX);
  CHECK(strom_row_get_double(r, 3) == -2.5);
  CHECK_INT(strom_row_get_decimal(r, 4), -1230);
  const char *p = strom_row_get_str(r, 5, &n);
  CHECK(n == 5 && !memcmp(p, "hello", 5));
  CHECK(strom_row_get_timestamp(r, 6) == 1577836800123);
  CHECK(strom_row_get_str(r, 7, &n) == ref); /* a reference, not a copy */
  CHECK_INT(n, 5);
  CHECK_STR(fmt_row(r), "+I[true, -2147483648, 9223372036854775807, -2.5, -12.30, hello, 2020-01-01 00:00:00.123, world]");
  /* get_str on a non-VARCHAR column is "" (no conversion). */
  CHECK_STR(strom_row_get_str(r, 1, &n), "");
  CHECK_INT(n, 0);

  /* set_null on set columns; the value reads as zero again. */
  strom_row_set_null(r, 1);
  strom_row_set_null(r, 5);
  CHECK(strom_row_is_null(r, 1) && strom_row_is_null(r, 5));
  CHECK_INT(strom_row_get_int(r, 1), 0);
  CHECK_STR(strom_row_get_str(r, 5, &n), "");
  CHECK(!strom_row_is_null(r, 2));
  strom_row_set_bool(r, 0, false);
  CHECK(!strom_row_get_bool(r, 0) && !strom_row_is_null(r, 0));

  /* Event time. */
  strom_row_set_time(r, 42);
  CHECK_INT(strom_row_time(r), 42);

  /* copy: values, nulls and time; strings referenced. */
  strom_row *c2 = strom_row_new(s);
  CHECK_INT(strom_row_copy(c2, r), STROM_OK);
  CHECK(rows_equal(c2, r));
  CHECK_INT(strom_row_time(c2), 42);
  CHECK(strom_row_get_str(c2, 7, &n) == ref);
  strom_schema *other = strom_schema_parse("x INT", NULL, 0);
  strom_row *o = strom_row_new(other);
  CHECK_INT(strom_row_copy(o, r), STROM_ETYPE);

  /* clear: all NULL, no time. */
  strom_row_clear(r);
  for (int c = 0; c < 8; c++) CHECK(strom_row_is_null(r, c));
  CHECK(strom_row_time(r) == STROM_NO_TIMESTAMP);
  CHECK(strom_row_new(NULL) == NULL);
  strom_row_free(NULL);

  /* The row keeps its schema alive after the caller drops it. */
  strom_schema_free(other);
  strom_row_set_int(o, 0, 7);
  CHECK_STR(fmt_row(o), "+I[7]");
  CHECK_STR(strom_schema_col_name(strom_row_schema(o), 0), "x");
  strom_row_free(o);
  strom_row_free(c2);
  strom_row_free(r);
  strom_schema_free(s);
}

TEST(row_arena_growth_keeps_earlier_strings) {
  /* 64 string columns, each set to a distinct string of growing length: the arena
   * moves many times, and every earlier string must still read back. */
  strom_schema *s = strom_schema_new();
  for (int c = 0; c < 64; c++) {
    char name[16];
    snprintf(name, sizeof name, "s%d", c);
    strom_schema_add(s, name, STROM_VARCHAR);
  }
  strom_row *r = strom_row_new(s);
  char *src = malloc(70000);
  for (int round = 0; round < 3; round++) {
    strom_row_clear(r);
    for (int c = 0; c < 64; c++) {
      size_t len = (size_t)c * c * 17 + (size_t)round;
      for (size_t i = 0; i < len; i++) src[i] = (char)('a' + (c + round + i) % 26);
      CHECK_INT(strom_row_set_str(r, c, src, len), STROM_OK);
      memset(src, '#', len); /* the row must hold a copy */
    }
    for (int c = 0; c < 64; c++) {
      size_t n;
      const char *p = strom_row_get_str(r, c, &n);
      CHECK_INT(n, (size_t)c * c * 17 + (size_t)round);
      for (size_t i = 0; i < n; i++)
        if (p[i] != (char)('a' + (c + round + i) % 26)) {
          fprintf(stderr, "  round %d column %d byte %zu\n", round, c, i);
          CHECK(0);
        }
    }
  }
  /* Setting one column again and again (the arena only grows) keeps the others. */
  strom_row_clear(r);
  strom_row_set_str(r, 0, "first", 5);
  strom_row_set_str_ref(r, 2, "referenced", 10);
  for (int i = 0; i < 2000; i++) {
    char buf[64];
    int len = snprintf(buf, sizeof buf, "value number %d", i);
    CHECK_INT(strom_row_set_str(r, 1, buf, (size_t)len), STROM_OK);
  }
  size_t n;
  CHECK(!memcmp(strom_row_get_str(r, 0, &n), "first", 5) && n == 5);
  CHECK(!memcmp(strom_row_get_str(r, 1, &n), "value number 1999", 17) && n == 17);
  CHECK(!memcmp(strom_row_get_str(r, 2, &n), "referenced", 10) && n == 10);
  free(src);
  strom_row_free(r);
  strom_schema_free(s);
}

TEST(row_set_str_from_its_own_column) {
  /* Copying one column of a row into another while the arena must grow: the source
   * bytes live in the arena being moved (a use-after-free before the fix). */
  strom_schema *s = strom_schema_parse("a VARCHAR, b VARCHAR, c VARCHAR", NULL, 0);
  strom_row *r = strom_row_new(s);
  const char *text = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz";
  size_t tl = strlen(text);
  for (int k = 0; k < 10; k++) {
    size_t n;
    CHECK_INT(strom_row_set_str(r, 0, text, tl), STROM_OK);
    const char *p = strom_row_get_str(r, 0, &n);
    CHECK_INT(strom_row_set_str(r, 1, p, n), STROM_OK);
    p = strom_row_get_str(r, 1, &n);
    CHECK_INT(strom_row_set_str(r, 2, p + 10, n - 10), STROM_OK);
    CHECK(!memcmp(strom_row_get_str(r, 0, &n), text, tl) && n == tl);
    CHECK(!memcmp(strom_row_get_str(r, 1, &n), text, tl) && n == tl);
    CHECK(!memcmp(strom_row_get_str(r, 2, &n), text + 10, tl - 10) && n == tl - 10);
  }
  strom_row_free(r);
  strom_schema_free(s);
}

TEST(row_empty_string_in_fresh_row) {
  /* An empty string set before the arena exists must still be a valid pointer
   * (formatting and encoding it passed NULL to memcpy before the fix). */
  strom_schema *s = strom_schema_parse("a VARCHAR, b INT", NULL, 0);
  strom_row *r = strom_row_new(s);
  CHECK_INT(strom_row_set_str(r, 0, "", 0), STROM_OK);
  strom_row_set_int(r, 1, 3);
  size_t n = 9;
  const char *p = strom_row_get_str(r, 0, &n);
  CHECK(p != NULL);
  CHECK_INT(n, 0);
  CHECK(!strom_row_is_null(r, 0));
  CHECK_STR(fmt_row(r), "+I[, 3]");
  uint8_t buf[64];
  uint8_t *end = strom__row_encode(r, buf);
  strom_row *d = strom_row_new(s);
  CHECK(strom__row_decode(d, buf, end) == end);
  CHECK(rows_equal(d, r));
  strom_row *o = strom_row_new(s);
  strom_row_copy(o, r);
  CHECK_INT(strom__row_own_strings(o), STROM_OK);
  CHECK(rows_equal(o, r));
  strom_row_free(o);
  strom_row_free(d);
  strom_row_free(r);
  strom_schema_free(s);
}

TEST(row_own_strings_detaches_from_sources) {
  strom_schema *s = strom_schema_parse("a VARCHAR, n INT, b VARCHAR", NULL, 0);
  strom_row *r = strom_row_new(s);
  char ext[] = "external";
  strom_row_set_str_ref(r, 0, ext, 8);
  strom_row_set_str(r, 2, "inside", 6);
  strom_row_set_null(r, 1);
  CHECK_INT(strom__row_own_strings(r), STROM_OK);
  memset(ext, 'X', 8);
  size_t n;
  CHECK(!memcmp(strom_row_get_str(r, 0, &n), "external", 8) && n == 8);
  CHECK(!memcmp(strom_row_get_str(r, 2, &n), "inside", 6) && n == 6);
  CHECK(strom_row_is_null(r, 1));
  strom_row_free(r);
  strom_schema_free(s);
}

/* ---- binary encoding ---- */

/* Encodes r into a heap block of exactly its encoded length (so ASan sees any read
 * past it), checks the size contract, decodes into d. */
static int round_trip(const strom_row *r, strom_row *d, size_t *len_out) {
  size_t est = strom__row_encoded_size(r);
  uint8_t *tmp = malloc(est + 1);
  uint8_t *end = strom__row_encode(r, tmp);
  size_t len = (size_t)(end - tmp);
  if (len > est) {
    free(tmp);
    return -1;
  }
  uint8_t *exact = malloc(len ? len : 1);
  memcpy(exact, tmp, len);
  free(tmp);
  const uint8_t *got = strom__row_decode(d, exact, exact + len);
  int rc = got == exact + len && rows_equal(r, d) ? 0 : -2;
  if (len_out) *len_out = len;
  /* d's strings point into exact: compare before freeing. */
  free(exact);
  return rc;
}

TEST(encode_decode_every_type_and_null_pattern) {
  strom_schema *s = strom_schema_parse(ALL_TYPES, NULL, 0);
  strom_row *r = strom_row_new(s), *d = strom_row_new(s);
  /* All 256 null patterns over the 8 columns, extreme values. */
  for (int mask = 0; mask < 256; mask++) {
    strom_row_clear(r);
    strom_row_set_bool(r, 0, true);
    strom_row_set_int(r, 1, mask & 1 ? INT32_MAX : INT32_MIN);
    strom_row_set_bigint(r, 2, mask & 2 ? INT64_MIN : INT64_MAX);
    strom_row_set_double(r, 3, mask & 4 ? -0.0 : mask & 8 ? NAN : -INFINITY);
    strom_row_set_decimal(r, 4, -999999999999999999);
    strom_row_set_str(r, 5, "text with, comma and \"quote\"", 28);
    strom_row_set_timestamp(r, 6, mask & 16 ? INT64_MIN : -1);
    strom_row_set_str(r, 7, "", 0);
    for (int c = 0; c < 8; c++)
      if (mask & (1 << c)) strom_row_set_null(r, c);
    size_t len;
    int rc = round_trip(r, d, &len);
    if (rc) fprintf(stderr, "  mask %d: %d\n", mask, rc);
    CHECK_INT(rc, 0);
    if (mask == 0) CHECK_INT(len, strom__row_encoded_size(r)); /* exact when nothing is NULL */
    if (mask == 255) CHECK_INT(len, 1);                          /* just the null bitmap */
  }
  /* Empty and 100 KB strings (multi-byte varint lengths). */
  size_t big = 100 * 1024;
  char *text = malloc(big);
  for (size_t i = 0; i < big; i++) text[i] = (char)(i * 31 + 7);
  strom_row_clear(r);
  strom_row_set_str(r, 5, text, big);
  strom_row_set_str(r, 7, "", 0);
  size_t len;
  CHECK_INT(round_trip(r, d, &len), 0);
  CHECK_INT(len, 1 + 3 + big + 1); /* bitmap, 3-byte varint, bytes, 1-byte varint */
  for (size_t n = 126; n <= 130; n++) { /* around the 1- to 2-byte varint boundary */
    strom_row_set_str(r, 7, text, n);
    CHECK_INT(round_trip(r, d, &len), 0);
    CHECK_INT(len, 1 + 3 + big + (n < 128 ? 1 : 2) + n);
  }
  free(text);
  strom_row_free(r);
  strom_row_free(d);
  strom_schema_free(s);
}

TEST(encode_decode_random_rows) {
  rng_state = 12345;
  for (size_t i = 0; i < sizeof rand_text; i++) rand_text[i] = (char)rnd();
  int rows = 0;
  for (int sc = 0; sc < 60; sc++) {
    strom_schema *s = rand_schema();
    strom_row *r = strom_row_new(s), *d = strom_row_new(s);
    /* 50 rows of this schema encoded back to back, then decoded in sequence. */
    strom_row *orig[50];
    size_t cap = 0;
    for (int k = 0; k < 50; k++) {
      orig[k] = strom_row_new(s);
      for (int c = 0; c < strom_schema_ncols(s); c++) rand_value(orig[k], c, true);
      cap += strom__row_encoded_size(orig[k]);
      int rc = round_trip(orig[k], d, NULL);
      if (rc) fprintf(stderr, "  schema %d row %d: %s\n", sc, k, fmt_row(orig[k]));
      CHECK_INT(rc, 0);
      rows++;
    }
    uint8_t *buf = malloc(cap), *p = buf;
    for (int k = 0; k < 50; k++) p = strom__row_encode(orig[k], p);
    const uint8_t *q = buf, *end = p;
    for (int k = 0; k < 50; k++) {
      q = strom__row_decode(d, q, end);
      CHECK(q != NULL);
      CHECK(rows_equal(d, orig[k]));
    }
    CHECK(q == end);
    free(buf);
    for (int k = 0; k < 50; k++) strom_row_free(orig[k]);
    strom_row_free(r);
    strom_row_free(d);
    strom_schema_free(s);
  }
  CHECK_INT(rows, 3000);
}

TEST(decode_truncated_or_corrupted_never_overreads) {
  rng_state = 777;
  for (size_t i = 0; i < sizeof rand_text; i++) rand_text[i] = (char)rnd();
  int truncs = 0, accepted = 0, rejected = 0;
  for (int it = 0; it < 400; it++) {
    strom_schema *s = rand_schema();
    strom_row *r = strom_row_new(s), *d = strom_row_new(s);
    for (int c = 0; c < strom_schema_ncols(s); c++) {
      rand_value(r, c, true);
      if (strom_schema_col_type(s, c) == STROM_VARCHAR && !strom_row_is_null(r, c)) {
        size_t n; /* keep rows small so every prefix can be tried */
        const char *p = strom_row_get_str(r, c, &n);
        strom_row_set_str_ref(r, c, p, n > 300 ? 300 : n);
      }
    }
    uint8_t *enc = malloc(strom__row_encoded_size(r));
    size_t len = (size_t)(strom__row_encode(r, enc) - enc);
    /* Every strict prefix, each in a block of exactly that size, fails cleanly. */
    for (size_t k = 0; k < len; k++) {
      uint8_t *b = malloc(k ? k : 1);
      memcpy(b, enc, k);
      if (strom__row_decode(d, b, b + k) != NULL) {
        fprintf(stderr, "  prefix %zu of %zu decoded\n", k, len);
        CHECK(0);
      }
      free(b);
      truncs++;
    }
    /* Random corruption: either rejected, or a row that lies inside the bytes. */
    for (int k = 0; k < 20; k++) {
      uint8_t *b = malloc(len);
      memcpy(b, enc, len);
      int flips = 1 + (int)rnd_below(4);
      for (int f = 0; f < flips; f++) b[rnd_below(len)] ^= (uint8_t)(1 + rnd_below(255));
      const uint8_t *e = strom__row_decode(d, b, b + len);
      if (!e) {
        rejected++;
      } else {
        accepted++;
        CHECK(e > b && e <= b + len);
        for (int c = 0; c < strom_schema_ncols(s); c++) {
          if (strom_schema_col_type(s, c) != STROM_VARCHAR || strom_row_is_null(d, c)) continue;
          size_t n;
          const char *p = strom_row_get_str(d, c, &n);
          CHECK((const uint8_t *)p >= b && (const uint8_t *)p + n <= e);
        }
        /* Whatever was accepted re-encodes to the same number of bytes. */
        uint8_t *re = malloc(strom__row_encoded_size(d));
        CHECK_INT(strom__row_encode(d, re) - re, e - b);
        free(re);
      }
      free(b);
    }
    free(enc);
    strom_row_free(r);
    strom_row_free(d);
    strom_schema_free(s);
  }
  CHECK(truncs > 1000);
  CHECK(rejected > 0 && accepted > 0);
}

TEST(decode_rejects_malformed_lengths) {
  strom_schema *s = strom_schema_parse("s VARCHAR", NULL, 0);
  strom_row *d = strom_row_new(s);
  static const struct {
    uint8_t b[8];
    size_t n;
    bool ok;
  } cases[] = {
      {{0x00, 0x03, 'a', 'b', 'c'}, 5, true},
      {{0x00, 0x04, 'a', 'b', 'c'}, 5, false},                  /* length past the end */
      {{0x00, 0x80}, 2, false},                                 /* varint cut off */
      {{0x00, 0x80, 0x00}, 3, false},                           /* overlong zero */
      {{0x00, 0x83, 0x00, 'a', 'b', 'c'}, 6, false},            /* overlong 3 */
      {{0x00, 0xff, 0xff, 0xff, 0xff, 0x7f}, 6, false},         /* more than 32 bits */
      {{0x00, 0x80, 0x80, 0x80, 0x80, 0x10}, 6, false},         /* 2^32: would wrap to 0 */
      {{0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 7, false},   /* six bytes */
      {{0x01}, 1, true},                                        /* NULL */
      {{0}, 0, false},                                          /* no bitmap */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    uint8_t *b = malloc(cases[i].n ? cases[i].n : 1);
    memcpy(b, cases[i].b, cases[i].n);
    const uint8_t *e = strom__row_decode(d, b, b + cases[i].n);
    if ((e != NULL) != cases[i].ok) fprintf(stderr, "  case %zu\n", i);
    CHECK((e != NULL) == cases[i].ok);
    if (e) CHECK(e == b + cases[i].n);
    free(b);
  }
  strom_row_free(d);
  strom_schema_free(s);
}

/* ---- key hashing ---- */

TEST(key_hash_depends_on_values_not_storage) {
  strom_schema *s = strom_schema_parse("name VARCHAR, d DOUBLE, n INT, other BIGINT, b BOOLEAN", NULL, 0);
  strom_row *a = strom_row_new(s), *b = strom_row_new(s);
  char buf1[] = "xkeyx", buf2[] = "__key";
  strom_row_set_str_ref(a, 0, buf1 + 1, 3);
  strom_row_set_str(b, 0, buf2 + 2, 3);
  strom_row_set_double(a, 1, 0.0);
  strom_row_set_double(b, 1, -0.0);
  strom_row_set_int(a, 2, -5);
  strom_row_set_int(b, 2, -5);
  strom_row_set_bigint(a, 3, 1); /* not a key column */
  strom_row_set_bigint(b, 3, 2);
  strom_row_set_bool(a, 4, true);
  strom_row_set_bool(b, 4, true);
  int k3[] = {0, 1, 2}, k1[] = {0}, kd[] = {1}, kall[] = {0, 1, 2, 4};
  CHECK(strom__key_hash(a, k3, 3) == strom__key_hash(b, k3, 3));
  CHECK(strom__key_hash(a, kd, 1) == strom__key_hash(b, kd, 1)); /* -0.0 == 0.0 */
  CHECK(strom__key_hash(a, kall, 4) == strom__key_hash(b, kall, 4));
  uint8_t ka[64], kb[64];
  size_t la = strom__key_bytes(a, k3, 3, ka, sizeof ka), lb = strom__key_bytes(b, k3, 3, kb, sizeof kb);
  CHECK(la == lb && !memcmp(ka, kb, la));
  CHECK(strom__key_hash(a, k3, 3) == strom__hash_bytes(ka, la));
  /* A different value, a NULL, or another key column changes the hash. */
  strom_row_set_str(b, 0, "kez", 3);
  CHECK(strom__key_hash(a, k1, 1) != strom__key_hash(b, k1, 1));
  strom_row_set_null(b, 0);
  strom_row_set_str(a, 0, "", 0);
  CHECK(strom__key_hash(a, k1, 1) != strom__key_hash(b, k1, 1)); /* NULL is not "" */
  strom_row_set_double(b, 1, 1.0);
  CHECK(strom__key_hash(a, kd, 1) != strom__key_hash(b, kd, 1));
  /* Composite string keys do not run together: ("ab","c") != ("a","bc"). */
  strom_schema *s2 = strom_schema_parse("x VARCHAR, y VARCHAR", NULL, 0);
  strom_row *p = strom_row_new(s2), *q = strom_row_new(s2);
  strom_row_set_str(p, 0, "ab", 2);
  strom_row_set_str(p, 1, "c", 1);
  strom_row_set_str(q, 0, "a", 1);
  strom_row_set_str(q, 1, "bc", 2);
  int kxy[] = {0, 1};
  CHECK(strom__key_hash(p, kxy, 2) != strom__key_hash(q, kxy, 2));
  /* Long keys (past the on-stack buffer) hash like their bytes. */
  char longkey[1000];
  memset(longkey, 'k', sizeof longkey);
  strom_row_set_str(p, 0, longkey, sizeof longkey);
  strom_row_set_str_ref(q, 0, longkey, sizeof longkey);
  strom_row_set_str(q, 1, "c", 1);
  CHECK(strom__key_hash(p, kxy, 2) == strom__key_hash(q, kxy, 2));
  size_t need = strom__key_bytes(p, kxy, 2, NULL, 0);
  CHECK_INT(need, 1 + 4 + 1000 + 1 + 4 + 1);
  uint8_t *kb2 = malloc(need);
  CHECK_INT(strom__key_bytes(p, kxy, 2, kb2, need), need);
  CHECK(strom__key_hash(p, kxy, 2) == strom__hash_bytes(kb2, need));
  free(kb2);
  strom_row_free(p);
  strom_row_free(q);
  strom_schema_free(s2);
  strom_row_free(a);
  strom_row_free(b);
  strom_schema_free(s);
}

TEST(key_groups_cover_every_subtask_in_order) {
  for (int par = 1; par <= 7; par++) {
    int last = 0, seen[7] = {0};
    for (int kg = 0; kg < 128; kg++) {
      int o = strom__key_group_owner(kg, 128, par);
      CHECK(o >= 0 && o < par);
      CHECK(o >= last); /* contiguous ranges of key groups */
      last = o;
      seen[o]++;
    }
    for (int i = 0; i < par; i++) CHECK(seen[i] >= 128 / par && seen[i] <= 128 / par + 1);
  }
  CHECK_INT(strom__key_group(1000, 128), 1000 % 128);
}

/* ---- value text ---- */

static char *fmt_value(const char *spec, void (*set)(strom_row *)) {
  static char out[256];
  strom_schema *s = strom_schema_parse(spec, NULL, 0);
  strom_row *r = strom_row_new(s);
  set(r);
  strom_row_format(r, out, sizeof out);
  strom_row_free(r);
  strom_schema_free(s);
  return out;
}
static void set_hello3(strom_row *r) { strom_row_set_str(r, 0, "hello", 5), strom_row_set_int(r, 1, 3); }
static void set_decs(strom_row *r) {
  strom_row_set_decimal(r, 0, 1230);
  strom_row_set_decimal(r, 1, -1230);
  strom_row_set_decimal(r, 2, -5);
  strom_row_set_decimal(r, 3, 0);
  strom_row_set_decimal(r, 4, 42);
  strom_row_set_decimal(r, 5, INT64_MIN);
  strom_row_set_decimal(r, 6, 5);
}
static void set_times(strom_row *r) {
  strom_row_set_timestamp(r, 0, 1577836800123);
  strom_row_set_timestamp(r, 1, 0);
  strom_row_set_timestamp(r, 2, -1);
  strom_row_set_timestamp(r, 3, 951868799999); /* 2000-02-29 23:59:59.999 */
  strom_row_set_timestamp(r, 4, 253402300799999);  /* 9999-12-31 23:59:59.999 */
}
static void set_misc(strom_row *r) {
  strom_row_set_bool(r, 0, true);
  strom_row_set_bool(r, 1, false);
  strom_row_set_double(r, 2, 1.5);
  strom_row_set_double(r, 3, -0.25);
  strom_row_set_bigint(r, 4, -9000000000);
  strom_row_set_null(r, 5);
}
static void set_extremes(strom_row *r) {
  strom_row_set_timestamp(r, 0, INT64_MIN);
  strom_row_set_timestamp(r, 1, INT64_MAX);
}

TEST(row_format_every_type) {
  CHECK_STR(fmt_value("w VARCHAR, n INT", set_hello3), "+I[hello, 3]");
  CHECK_STR(fmt_value("a DECIMAL(10,2), b DECIMAL(10,2), c DECIMAL(10,2), d DECIMAL(10,2), e DECIMAL(5,0), "
                      "f DECIMAL(18,2), g DECIMAL(18,18)", set_decs),
            "+I[12.30, -12.30, -0.05, 0.00, 42, -92233720368547758.08, 0.000000000000000005]");
  CHECK_STR(fmt_value("a TIMESTAMP, b TIMESTAMP, c TIMESTAMP, d TIMESTAMP, e TIMESTAMP", set_times),
            "+I[2020-01-01 00:00:00.123, 1970-01-01 00:00:00.000, 1969-12-31 23:59:59.999, "
            "2000-02-29 23:59:59.999, 9999-12-31 23:59:59.999]");
  CHECK_STR(fmt_value("a BOOLEAN, b BOOLEAN, c DOUBLE, d DOUBLE, e BIGINT, f VARCHAR", set_misc),
            "+I[true, false, 1.5, -0.25, -9000000000, null]");
  /* The extremes of TIMESTAMP format without overflowing (UBSan checks). */
  char *ext = fmt_value("a TIMESTAMP, b TIMESTAMP", set_extremes);
  CHECK(!strncmp(ext, "+I[-", 4));
  CHECK(strstr(ext, ".192, ") && strstr(ext, ".807]"));
  /* Return value and truncation. */
  strom_schema *s = strom_schema_parse("w VARCHAR, n INT", NULL, 0);
  strom_row *r = strom_row_new(s);
  set_hello3(r);
  char small[6];
  CHECK_INT(strom_row_format(r, small, sizeof small), strlen("+I[hello, 3]"));
  CHECK_STR(small, "+I[he");
  CHECK_INT(strom_row_format(r, NULL, 0), 12);
  strom_row_free(r);
  strom_schema_free(s);
}

/* Parses text into column 0 of a one-column row of type spec. */
static int parse1(const char *spec, const char *text, strom_row **out, char *err, size_t errlen) {
  strom_schema *s = strom_schema_parse(spec, NULL, 0);
  strom_row *r = strom_row_new(s);
  strom_schema_free(s);
  err[0] = 0;
  int rc = strom__parse_value(r, 0, text, strlen(text), err, errlen);
  *out = r;
  return rc;
}

#define PARSE_OK(spec, text, getter, want)                                              \
  do {                                                                                  \
    strom_row *r_;                                                                      \
    char e_[160];                                                                       \
    int rc_ = parse1(spec, text, &r_, e_, sizeof e_);                                   \
    if (rc_) fprintf(stderr, "  '%s' as %s: %s\n", text, spec, e_);                     \
    bool ok_ = rc_ == 0 && !strom_row_is_null(r_, 0) && getter(r_, 0) == (want);        \
    if (!ok_ && !rc_) fprintf(stderr, "  '%s' as %s gave %s\n", text, spec, fmt_row(r_)); \
    strom_row_free(r_);                                                                 \
    CHECK(ok_);                                                                         \
  } while (0)

#define PARSE_BAD(spec, text, msg)                                             \
  do {                                                                         \
    strom_row *r_;                                                             \
    char e_[160];                                                              \
    int rc_ = parse1(spec, text, &r_, e_, sizeof e_);                          \
    if (!rc_) fprintf(stderr, "  '%s' accepted as %s: %s\n", text, spec, fmt_row(r_)); \
    strom_row_free(r_);                                                        \
    CHECK_INT(rc_, STROM_EPARSE);                                              \
    if (msg) CHECK_STR(e_, (const char *)(msg));                               \
  } while (0)

#define PARSE_NULL(spec, text)                             \
  do {                                                     \
    strom_row *r_;                                         \
    char e_[160];                                          \
    int rc_ = parse1(spec, text, &r_, e_, sizeof e_);      \
    bool ok_ = rc_ == 0 && strom_row_is_null(r_, 0);       \
    strom_row_free(r_);                                    \
    CHECK(ok_);                                            \
  } while (0)

static int64_t get_dec(const strom_row *r, int c) { return strom_row_get_decimal(r, c); }
static int64_t get_ts(const strom_row *r, int c) { return strom_row_get_timestamp(r, c); }

TEST(parse_value_integers_strict) {
  PARSE_OK("x INT", "2147483647", strom_row_get_int, INT32_MAX);
  PARSE_OK("x INT", "-2147483648", strom_row_get_int, INT32_MIN);
  PARSE_OK("x INT", "  42\t", strom_row_get_int, 42); /* blanks around are trimmed */
  PARSE_OK("x INT", "+7", strom_row_get_int, 7);
  PARSE_OK("x INT", "42\r", strom_row_get_int, 42);
  PARSE_BAD("x INT", "2147483648", "cannot parse '2147483648' as INT");
  PARSE_BAD("x INT", "-2147483649", "cannot parse '-2147483649' as INT");
  PARSE_BAD("x INT", "12abc", "cannot parse '12abc' as INT");
  PARSE_BAD("x INT", "4 2", NULL);
  PARSE_BAD("x INT", "0x10", NULL);
  PARSE_BAD("x INT", "1.0", NULL);
  PARSE_BAD("x INT", "-", NULL);
  PARSE_BAD("x INT", "99999999999999999999999999999999999999999999999999999999999999999999", "cannot parse "
            "'9999999999999999999999999999999999999999' as INT"); /* quoted text is capped at 40 */
  PARSE_OK("x BIGINT", "9223372036854775807", strom_row_get_bigint, INT64_MAX);
  PARSE_OK("x BIGINT", "-9223372036854775808", strom_row_get_bigint, INT64_MIN);
  PARSE_BAD("x BIGINT", "9223372036854775808", "cannot parse '9223372036854775808' as BIGINT");
  PARSE_BAD("x BIGINT", "1e3", NULL);
  PARSE_NULL("x INT", "");
  PARSE_NULL("x INT", "   ");
  PARSE_NULL("x BIGINT", "null");
  PARSE_NULL("x BIGINT", "NULL");
}

TEST(parse_value_double_boolean_varchar) {
  PARSE_OK("x DOUBLE", "1.5e3", strom_row_get_double, 1500.0);
  PARSE_OK("x DOUBLE", "-0.25", strom_row_get_double, -0.25);
  PARSE_OK("x DOUBLE", " 3 ", strom_row_get_double, 3.0);
  PARSE_BAD("x DOUBLE", "1.5x", "cannot parse '1.5x' as DOUBLE");
  PARSE_BAD("x DOUBLE", "1,5", NULL);
  PARSE_OK("x BOOLEAN", "true", strom_row_get_bool, true);
  PARSE_OK("x BOOLEAN", "TRUE", strom_row_get_bool, true);
  PARSE_OK("x BOOLEAN", "False", strom_row_get_bool, false);
  PARSE_BAD("x BOOLEAN", "1", "cannot parse '1' as BOOLEAN");
  PARSE_BAD("x BOOLEAN", "yes", NULL);
  PARSE_BAD("x BOOLEAN", "t", NULL);
  PARSE_BAD("x BOOLEAN", "truex", NULL);
  PARSE_NULL("x BOOLEAN", "");
  /* VARCHAR is taken as it is: no trimming, no NULL words, an empty string is "". */
  strom_row *r;
  char e[64];
  CHECK_INT(parse1("x VARCHAR", "  null ", &r, e, sizeof e), 0);
  size_t n;
  const char *p = strom_row_get_str(r, 0, &n);
  CHECK(n == 7 && !memcmp(p, "  null ", 7));
  strom_row_free(r);
  CHECK_INT(parse1("x VARCHAR", "", &r, e, sizeof e), 0);
  CHECK(!strom_row_is_null(r, 0));
  strom_row_free(r);
}

TEST(parse_value_decimal_strict) {
  PARSE_OK("x DECIMAL(10,2)", "12.3", get_dec, 1230);
  PARSE_OK("x DECIMAL(10,2)", "12.30", get_dec, 1230);
  PARSE_OK("x DECIMAL(10,2)", "12.300", get_dec, 1230); /* extra zeros lose nothing */
  PARSE_OK("x DECIMAL(10,2)", "-0.05", get_dec, -5);
  PARSE_OK("x DECIMAL(10,2)", "+1", get_dec, 100);
  PARSE_OK("x DECIMAL(10,2)", ".5", get_dec, 50);
  PARSE_OK("x DECIMAL(10,2)", "7.", get_dec, 700);
  PARSE_OK("x DECIMAL(10,2)", "00012345678.99", get_dec, 1234567899);
  PARSE_OK("x DECIMAL(18,0)", "999999999999999999", get_dec, 999999999999999999);
  PARSE_OK("x DECIMAL(3,3)", "0.123", get_dec, 123);
  PARSE_BAD("x DECIMAL(10,2)", "12.345", "cannot parse '12.345' as DECIMAL(10,2)");
  PARSE_BAD("x DECIMAL(10,2)", "123456789.0", NULL); /* 9 integer digits > 10-2 */
  PARSE_BAD("x DECIMAL(18,0)", "1000000000000000000", NULL);
  PARSE_BAD("x DECIMAL(10,2)", ".", NULL);
  PARSE_BAD("x DECIMAL(10,2)", "-", NULL);
  PARSE_BAD("x DECIMAL(10,2)", "1e3", NULL);
  PARSE_BAD("x DECIMAL(10,2)", "1.2.3", NULL);
  PARSE_BAD("x DECIMAL(10,2)", "--1", NULL);
  PARSE_BAD("x DECIMAL(10,2)", "1 000", NULL);
  PARSE_BAD("x DECIMAL(3,3)", "1.5", NULL);
  PARSE_NULL("x DECIMAL(10,2)", "");
}

TEST(parse_value_timestamp_forms) {
  PARSE_OK("t TIMESTAMP", "2020-01-01 00:00:00.123", get_ts, 1577836800123);
  PARSE_OK("t TIMESTAMP", "2020-01-01T00:00:00.5", get_ts, 1577836800500);
  PARSE_OK("t TIMESTAMP", "2020-01-01T00:00:00Z", get_ts, 1577836800000);
  PARSE_OK("t TIMESTAMP", "2020-01-01T00:00:00.25Z", get_ts, 1577836800250);
  PARSE_OK("t TIMESTAMP", "2020-01-01", get_ts, 1577836800000);
  PARSE_OK("t TIMESTAMP", "2020-01-01 00:00:00.123456789", get_ts, 1577836800123); /* truncated to ms */
  PARSE_OK("t TIMESTAMP", "1969-12-31 23:59:59.999", get_ts, -1);
  PARSE_OK("t TIMESTAMP", "2000-02-29 23:59:59.999", get_ts, 951868799999);
  PARSE_OK("t TIMESTAMP", "1970-01-01 00:00:00", get_ts, 0);
  PARSE_BAD("t TIMESTAMP", "2020-01-01 00:00:00.1234567890", "cannot parse '2020-01-01 00:00:00.1234567890' as TIMESTAMP(3)");
  PARSE_BAD("t TIMESTAMP", "2020-01-01 00:00:00.", NULL);
  PARSE_BAD("t TIMESTAMP", "2020-13-01", NULL);
  PARSE_BAD("t TIMESTAMP", "2020-00-10", NULL);
  PARSE_BAD("t TIMESTAMP", "2020-01-32", NULL);
  PARSE_BAD("t TIMESTAMP", "2020-01-01 24:00:00", NULL);
  PARSE_BAD("t TIMESTAMP", "2020-01-01 00:60:00", NULL);
  PARSE_BAD("t TIMESTAMP", "2020-01-01 00:00:00x", NULL);
  PARSE_BAD("t TIMESTAMP", "2020-01-01 00:00", NULL);
  PARSE_BAD("t TIMESTAMP", "2020-01-01 00:00:00Z", NULL); /* Z only after T */
  PARSE_BAD("t TIMESTAMP", "2020-01-01X00:00:00", NULL);
  PARSE_BAD("t TIMESTAMP", "2020-01-01 -1:00:00", NULL); /* negative fields */
  PARSE_BAD("t TIMESTAMP", "2020-01-01 00:-5:00", NULL);
  PARSE_BAD("t TIMESTAMP", "2020-01-01 00:00:-1", NULL);
  PARSE_BAD("t TIMESTAMP", "1577836800123", NULL);
  PARSE_OK("t TIMESTAMP", "9999-12-31 23:59:59.999", get_ts, 253402300799999);
  PARSE_OK("t TIMESTAMP", "0000-01-01", get_ts, -62167219200000);
  PARSE_OK("t TIMESTAMP", "2016-12-31 23:59:60", get_ts, 1483228800000); /* a leap second */
  PARSE_BAD("t TIMESTAMP", "9999-12-31 23:59:60", NULL); /* would be year 10000 */
  PARSE_BAD("t TIMESTAMP", "-001-01-01", NULL);
  PARSE_BAD("t TIMESTAMP", "2020-01-01 00:00:00.000000000000000000000000000000000000000", NULL); /* too long */
  PARSE_NULL("t TIMESTAMP", "");
  /* What formats parses back to the same value. */
  strom_schema *s = strom_schema_parse("t TIMESTAMP", NULL, 0);
  strom_row *r = strom_row_new(s), *q = strom_row_new(s);
  rng_state = 99;
  for (int i = 0; i < 2000; i++) {
    int64_t v = (int64_t)(rnd() % 253402300800000ull); /* 1970..9999 */
    if (i & 1) v = -v / 30;                             /* and back to about 1700 */
    strom_row_set_timestamp(r, 0, v);
    strom_buf b = {0};
    strom__format_value(&b, r, 0, true);
    char err[128];
    int rc = strom__parse_value(q, 0, b.p, b.len, err, sizeof err);
    if (rc || strom_row_get_timestamp(q, 0) != v) fprintf(stderr, "  %lld -> '%s'\n", (long long)v, b.p);
    strom__buf_free(&b);
    CHECK_INT(rc, 0);
    CHECK(strom_row_get_timestamp(q, 0) == v);
  }
  strom_row_free(r);
  strom_row_free(q);
  strom_schema_free(s);
}

TEST(format_then_parse_round_trips_every_type) {
  /* The CSV text of a value parses back to the same value (doubles with %.17g;
   * strings are letters, so unquoted). */
  strom_schema *s = strom_schema_parse(ALL_TYPES, NULL, 0);
  strom_row *r = strom_row_new(s), *q = strom_row_new(s);
  rng_state = 4242;
  for (size_t i = 0; i < sizeof rand_text; i++) rand_text[i] = (char)('a' + rnd_below(26));
  for (int i = 0; i < 3000; i++) {
    strom_row_clear(r);
    strom_row_clear(q);
    for (int c = 0; c < 8; c++) {
      rand_value(r, c, true);
      strom_type_id t = strom_schema_col_type(s, c);
      if (t == STROM_DOUBLE && !isfinite(strom_row_get_double(r, c))) strom_row_set_double(r, c, 0.5);
      if (t == STROM_DECIMAL) strom_row_set_decimal(r, c, (int64_t)(rnd() % 20000000000ull) - 10000000000);
      if (t == STROM_TIMESTAMP) strom_row_set_timestamp(r, c, (int64_t)(rnd() % 253402300800000ull));
      if (t == STROM_VARCHAR && strom_row_is_null(r, c)) strom_row_set_str(r, c, "x", 1); /* "" would be "" */
    }
    for (int c = 0; c < 8; c++) {
      strom_buf b = {0};
      strom__format_value(&b, r, c, true);
      char err[128];
      int rc = strom__parse_value(q, c, b.p ? b.p : "", b.len, err, sizeof err);
      if (rc) fprintf(stderr, "  column %d '%s': %s\n", c, b.p, err);
      strom__buf_free(&b);
      CHECK_INT(rc, 0);
    }
    if (!rows_equal(r, q)) fprintf(stderr, "  %s vs %s\n", fmt_row(r), fmt_row(q));
    CHECK(rows_equal(r, q));
  }
  strom_row_free(r);
  strom_row_free(q);
  strom_schema_free(s);
}

TEST(strerror_names_every_code) {
  CHECK_STR(strom_strerror(STROM_OK), "success");
  CHECK_STR(strom_strerror(STROM_EPARSE), "malformed input");
  CHECK_STR(strom_strerror(STROM_ECANCELED), "job cancelled");
  CHECK_STR(strom_strerror(STROM_ENET), "network error");
  CHECK_STR(strom_strerror(-999), "unknown error");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(schema_parse_good_specs);
  RUN(schema_parse_errors_name_the_offset);
  RUN(schema_format_and_round_trip);
  RUN(schema_builder_validates);
  RUN(row_getters_setters_every_type);
  RUN(row_arena_growth_keeps_earlier_strings);
  RUN(row_set_str_from_its_own_column);
  RUN(row_empty_string_in_fresh_row);
  RUN(row_own_strings_detaches_from_sources);
  RUN(encode_decode_every_type_and_null_pattern);
  RUN(encode_decode_random_rows);
  RUN(decode_truncated_or_corrupted_never_overreads);
  RUN(decode_rejects_malformed_lengths);
  RUN(key_hash_depends_on_values_not_storage);
  RUN(key_groups_cover_every_subtask_in_order);
  RUN(row_format_every_type);
  RUN(parse_value_integers_strict);
  RUN(parse_value_double_boolean_varchar);
  RUN(parse_value_decimal_strict);
  RUN(parse_value_timestamp_forms);
  RUN(format_then_parse_round_trips_every_type);
  RUN(strerror_names_every_code);
  TEST_MAIN_END();
}
