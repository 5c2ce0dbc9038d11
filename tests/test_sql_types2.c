/*
 * test_sql_types2.c -- TINYINT, SMALLINT and FLOAT kept as declared (types_narrow.c):
 * their names in DESCRIBE / EXPLAIN / the tableau header, Java's narrowing in CASTs,
 * arithmetic that wraps (TINYINT) or rounds to single precision (FLOAT) as Flink's
 * generated code does, SUM/AVG types, and FLOAT in the json and csv formats.  Expected
 * values are hand-computed with Java's rules ((byte) 300 == 44, 1.1f * 3 == 3.3000002f).
 */
#include <stdarg.h>

#include "pg_test.h"
#define SQL_TEST_OWN_ROWS
#include "sql_test.h"

/* The cells of the tableau's rows, rows separated by ';' and cells by ',' (trimmed). */
static char result[8192];
static const char *q(const char *fmt, ...) {
  char sql[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof sql, fmt, ap);
  va_end(ap);
  char *out = NULL, err[1024];
  int rc = run(sql, &out, err, sizeof err);
  if (rc) snprintf(result, sizeof result, "ERROR: %s", err);
  else {
    size_t k = 0;
    result[0] = 0;
    for (const char *p = out; *p;) {
      const char *e = strchr(p, '\n');
      if (!e) e = p + strlen(p);
      char row[2048];
      if (tableau_row(p, e, row, sizeof row))
        k += (size_t)snprintf(result + k, sizeof result - k, "%s%s", k ? ";" : "", row);
      p = *e ? e + 1 : e;
    }
  }
  free(out);
  return result;
}

/* The whole output of sql, or "ERROR: msg". */
static char whole[16384];
static const char *all(const char *sql) {
  char *out = NULL, err[1024];
  int rc = run(sql, &out, err, sizeof err);
  snprintf(whole, sizeof whole, "%s%s", rc ? "ERROR: " : "", rc ? err : out);
  free(out);
  return whole;
}

#define CHECK_HAS(s, sub)                                                                  \
  do {                                                                                     \
    const char *s_ = (s);                                                                  \
    if (!strstr(s_, sub)) {                                                                \
      fprintf(stderr, "  %s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__, s_, sub); \
      test_failed_now = 1;                                                                 \
    }                                                                                      \
  } while (0)

/* Whether DESCRIBE's table d has a row whose first two cells are name and type. */
static bool has_col(const char *d, const char *name, const char *type) {
  for (const char *l = d; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    char cell[2][256];
    if (sscanf(l, "| %255s | %255[^|\n]", cell[0], cell[1]) != 2) continue;
    size_t n = strlen(cell[1]);
    while (n && cell[1][n - 1] == ' ') cell[1][--n] = 0;
    if (!strcmp(cell[0], name) && !strcmp(cell[1], type)) return true;
  }
  return false;
}

#define CHECK_COL(d, name, type)                                                                  \
  do {                                                                                            \
    if (!has_col(d, name, type)) {                                                                \
      fprintf(stderr, "  %s:%d: no column %s of type %s in '%s'\n", __FILE__, __LINE__, name, type, d); \
      test_failed_now = 1;                                                                        \
    }                                                                                             \
  } while (0)

TEST(declared_types_are_shown) {
  const char *d = all("CREATE TABLE t (a TINYINT, b SMALLINT, c FLOAT, d INT, e DOUBLE) WITH ('connector' = 'datagen');\n"
                      "DESCRIBE t;\n");
  CHECK_COL(d, "a", "TINYINT");
  CHECK_COL(d, "b", "SMALLINT");
  CHECK_COL(d, "c", "FLOAT");
  CHECK_COL(d, "d", "INT");
  CHECK_COL(d, "e", "DOUBLE");
  /* the tableau's columns are as wide as Flink makes them for the type */
  d = all("SELECT CAST(1 AS TINYINT) AS a, CAST(2 AS SMALLINT) AS b, 3 AS c;\n");
  CHECK_HAS(d, "| op |      a |      b |           c |");
  d = all("CREATE TABLE t (a TINYINT, b SMALLINT, c FLOAT) WITH ('connector' = 'datagen');\nSHOW CREATE TABLE t;\n");
  CHECK_HAS(d, "`a` TINYINT");
  CHECK_HAS(d, "`b` SMALLINT");
  CHECK_HAS(d, "`c` FLOAT");
  /* collections of a narrow type and of its wide one are different types (ARRAY<INT>
   * was shown as the ARRAY<TINYINT> declared before it) */
  d = all("CREATE TABLE c (x ARRAY<TINYINT>, y ARRAY<INT>, z MAP<STRING, SMALLINT>, w MAP<STRING, INT>) "
          "WITH ('connector' = 'datagen');\nDESCRIBE c;\n");
  CHECK_COL(d, "x", "ARRAY<TINYINT>");
  CHECK_COL(d, "y", "ARRAY<INT>");
  CHECK_COL(d, "z", "MAP<STRING, SMALLINT>");
  CHECK_COL(d, "w", "MAP<STRING, INT>");
}

TEST(casts_narrow_as_java) {
  CHECK_STR(q("SELECT CAST(300 AS TINYINT), CAST(-129 AS TINYINT), CAST(70000 AS SMALLINT), CAST(127 AS TINYINT)"),
            "+I[44, 127, 4464, 127]");
  /* double -> int (saturating, NaN 0) -> byte */
  CHECK_STR(q("SELECT CAST(CAST(300.7 AS DOUBLE) AS TINYINT), CAST(CAST(1e10 AS DOUBLE) AS TINYINT), "
              "CAST(CAST(-1e10 AS DOUBLE) AS SMALLINT)"),
            "+I[44, -1, 0]");
  CHECK_STR(q("SELECT CAST(CAST(5000000000 AS BIGINT) AS SMALLINT), CAST(CAST(12.9 AS DECIMAL(4, 1)) AS TINYINT)"),
            "+I[-3584, 12]");
  CHECK_STR(q("SELECT CAST('-128' AS TINYINT), CAST('32767' AS SMALLINT), TRY_CAST('128' AS TINYINT)"),
            "+I[-128, 32767, <NULL>]");
  CHECK_HAS(q("SELECT CAST('300' AS TINYINT)"), "cannot cast '300' to TINYINT");
  /* FLOAT prints as Java's Float.toString; 1e40 is past float's range */
  CHECK_STR(q("SELECT CAST(1.1 AS FLOAT), CAST(1e40 AS FLOAT), CAST(-1e40 AS FLOAT), CAST('0.1' AS FLOAT), "
              "CAST(CAST(1.1 AS FLOAT) AS DOUBLE)"),
            "+I[1.1, Infinity, -Infinity, 0.1, 1.100000023841858]");
  CHECK_STR(q("SELECT CAST(CAST(1.1 AS FLOAT) AS STRING), CAST(16777217 AS FLOAT), CAST(1e-5 AS FLOAT), "
              "CAST(12345678 AS FLOAT)"),
            "+I[1.1, 1.6777216E7, 1.0E-5, 1.2345678E7]");
}

TEST(arithmetic_keeps_the_narrow_type) {
  CHECK_STR(q("SELECT CAST(127 AS TINYINT) + CAST(1 AS TINYINT), CAST(-128 AS TINYINT) - CAST(1 AS TINYINT), "
              "CAST(100 AS TINYINT) * CAST(3 AS TINYINT), -CAST(-128 AS TINYINT)"),
            "+I[-128, 127, 44, -128]");
  /* TINYINT with SMALLINT is SMALLINT; with INT, INT (no wrap) */
  CHECK_STR(q("SELECT CAST(32767 AS SMALLINT) + CAST(1 AS TINYINT), CAST(127 AS TINYINT) + 1, "
              "CAST(-128 AS TINYINT) / CAST(-1 AS TINYINT)"),
            "+I[-32768, 128, -128]");
  CHECK_STR(q("SELECT CAST(1.1 AS FLOAT) * 3, CAST(1.1 AS FLOAT) + CAST(2.2 AS FLOAT), "
              "CAST(1.1 AS FLOAT) * CAST(3 AS DOUBLE), CAST(1 AS FLOAT) / 3"),
            "+I[3.3000002, 3.3000002, 3.3000000715255737, 0.33333334]");
  /* functions of a narrow type give a value of it (Java's (byte) Math.abs(-128) is -128) */
  CHECK_STR(q("SELECT ABS(CAST(-128 AS TINYINT)), ABS(CAST(-5 AS TINYINT)), ABS(CAST(-1.1 AS FLOAT)) * 3"),
            "+I[-128, 5, 3.3000002]");
  const char *d = all("CREATE VIEW v AS SELECT CAST(1 AS TINYINT) + CAST(2 AS TINYINT) AS a, "
                      "CAST(1 AS TINYINT) + CAST(2 AS SMALLINT) AS b, CAST(1 AS TINYINT) + 2 AS c, "
                      "CAST(1 AS FLOAT) * 2 AS d, CAST(1 AS FLOAT) * CAST(2 AS DOUBLE) AS e;\nDESCRIBE v;\n");
  CHECK_COL(d, "a", "TINYINT");
  CHECK_COL(d, "b", "SMALLINT");
  CHECK_COL(d, "c", "INT");
  CHECK_COL(d, "d", "FLOAT");
  CHECK_COL(d, "e", "DOUBLE");
}

TEST(columns_from_values_and_aggregates) {
  const char *setup = "CREATE TEMPORARY VIEW t AS SELECT CAST(k AS STRING) AS k, CAST(x AS TINYINT) AS x, "
                      "CAST(f AS FLOAT) AS f FROM (VALUES ('a', 100, 1.1), ('a', 100, 2.2), ('b', 7, 0.1)) AS v(k, x, f);\n";
  CHECK_STR(q("%sSELECT x + x, f * 3, f FROM t", setup),
            "+I[-56, 3.3000002, 1.1];+I[-56, 6.6000004, 2.2];+I[14, 0.3, 0.1]");
  /* SUM of TINYINT is TINYINT (Flink's ByteSumAggFunction): 200 wraps to -56 */
  CHECK_STR(q("SET 'sql-client.execution.result-mode' = 'tableau';\nSET 'execution.runtime-mode' = 'batch';\n"
              "%sSELECT k, SUM(x), AVG(x), SUM(f), MIN(f) FROM t GROUP BY k", setup),
            "+I[a, -56, 100, 3.3000002, 1.1];+I[b, 7, 7, 0.1, 0.1]");
  const char *d = all("CREATE TEMPORARY VIEW t AS SELECT CAST(x AS TINYINT) AS x, CAST(f AS FLOAT) AS f "
                      "FROM (VALUES (1, 1.5)) AS v(x, f);\n"
                      "CREATE VIEW w AS SELECT SUM(x) AS s, AVG(x) AS a, SUM(f) AS sf, AVG(f) AS af, MAX(x) AS m FROM t;\n"
                      "DESCRIBE w;\n");
  CHECK_COL(d, "s", "TINYINT");
  CHECK_COL(d, "a", "TINYINT");
  CHECK_COL(d, "sf", "FLOAT");
  CHECK_COL(d, "af", "FLOAT");
  CHECK_COL(d, "m", "TINYINT");
}

TEST(files_are_read_rounded_to_float) {
  write_tmp_file("in.csv", "1.1,100,30000\n0.1,-5,-2\n");
  write_tmp_file("in.json", "{\"f\":1.1,\"x\":100}\n{\"f\":1e40,\"x\":-5}\n");
  /* read as 1.1f: 1.1f * 3 is 3.3000002 (1.1 read as a double and rounded after the
   * product would give 3.3) */
  CHECK_STR(q("CREATE TABLE c (f FLOAT, x TINYINT, y SMALLINT) WITH ('connector' = 'filesystem', "
              "'path' = '${TMP}/in.csv', 'format' = 'csv');\nSELECT f, f * 3, x + x, y + y, CAST(f AS DOUBLE) FROM c"),
            "+I[1.1, 3.3000002, -56, -5536, 1.100000023841858];+I[0.1, 0.3, -10, -4, 0.10000000149011612]");
  CHECK_STR(q("CREATE TABLE j (f FLOAT, x TINYINT) WITH ('connector' = 'filesystem', "
              "'path' = '${TMP}/in.json', 'format' = 'json');\nSELECT f * 3, x * x FROM j"),
            "+I[3.3000002, 16];+I[Infinity, 25]");
  const char *d = all("CREATE TABLE c (f FLOAT, x TINYINT) WITH ('connector' = 'filesystem', "
                      "'path' = '${TMP}/in.csv', 'format' = 'csv');\nEXPLAIN SELECT x + x, f * 2 FROM c;\n");
  CHECK_HAS(d, "(f * CAST(2 AS FLOAT))"); /* Flink's plan shows the operand cast to FLOAT */
}

/* the filesystem sink writes FLOAT as Flink does: Float.toString (json: Jackson's
 * number, Infinity quoted); read back it is the same float */
TEST(files_are_written_as_float_text) {
  CHECK_STR(q("CREATE TABLE j (d DOUBLE, f FLOAT, x TINYINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/oj', 'format' = 'json');\n"
              "INSERT INTO j VALUES (2.5, CAST(1.1 AS FLOAT) * 3, CAST(-1 AS TINYINT)), (2, CAST(NULL AS FLOAT), CAST(NULL AS TINYINT)), "
              "(1, CAST(1e40 AS FLOAT), CAST(3 AS TINYINT));\n"),
            "");
  char *o = slurp_tmp_dir("oj");
  CHECK_STR(o, "{\"d\":1.0,\"f\":\"Infinity\",\"x\":3}\n{\"d\":2.0,\"f\":null,\"x\":null}\n{\"d\":2.5,\"f\":3.3000002,\"x\":-1}\n");
  free(o);
  CHECK_STR(q("CREATE TABLE c (f FLOAT, s SMALLINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/oc', 'format' = 'csv');\n"
              "INSERT INTO c VALUES (CAST(0.1 AS FLOAT), CAST(-3 AS SMALLINT)), (CAST(16777217 AS FLOAT), CAST(NULL AS SMALLINT)), "
              "(CAST(1e-5 AS FLOAT), CAST(1 AS SMALLINT));\n"),
            "");
  o = slurp_tmp_dir("oc");
  CHECK_STR(o, "0.1,-3\n1.0E-5,1\n1.6777216E7,\n");
  free(o);
  CHECK_STR(q("SET 'execution.runtime-mode' = 'batch';\n"
              "CREATE TABLE c (f FLOAT, s SMALLINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/oc', 'format' = 'csv');\n"
              "SELECT SUM(f), MAX(s) FROM c"),
            "+I[1.6777216E7, 1]");
}

/* jdbc: PostgreSQL's int2 and float4 as SMALLINT and FLOAT, written and read back */
TEST(smallint_and_float_in_postgresql) {
  CHECK(pg_exec("CREATE TABLE nums (id int, s int2, f float4)"));
  CHECK(pg_exec("INSERT INTO nums VALUES (9, 32767, 1.1)"));
  char sql[1600];
  snprintf(sql, sizeof sql,
           "CREATE TABLE nums (id INT, s SMALLINT, f FLOAT) WITH ('connector' = 'jdbc', 'url' = '%s', 'table-name' = 'nums');\n"
           "INSERT INTO nums VALUES (1, CAST(-5 AS SMALLINT), CAST(2.5 AS FLOAT) * 3), (2, CAST(7 AS SMALLINT), CAST(0.1 AS FLOAT));\n",
           pg_url);
  CHECK_STR(q("%s", sql), "");
  char *got = pg_query("SELECT id, s, f FROM nums ORDER BY id");
  CHECK_STR(got, "1,-5,7.5;2,7,0.1;9,32767,1.1");
  free(got);
  snprintf(sql, sizeof sql,
           "SET 'execution.runtime-mode' = 'batch';\n"
           "CREATE TABLE nums (id INT, s SMALLINT, f FLOAT) WITH ('connector' = 'jdbc', 'url' = '%s', 'table-name' = 'nums');\n"
           "SELECT id, s + s, f * 3 FROM nums WHERE id = 9",
           pg_url);
  CHECK_STR(q("%s", sql), "+I[9, -2, 3.3000002]");
}

int main(int argc, char **argv) {
  snprintf(tmp, sizeof tmp, "/tmp/strom_test_sql_types2_XXXXXX");
  if (!mkdtemp(tmp)) return 1;
  TEST_MAIN_BEGIN(argc, argv);
  RUN(declared_types_are_shown);
  RUN(casts_narrow_as_java);
  RUN(arithmetic_keeps_the_narrow_type);
  RUN(columns_from_values_and_aggregates);
  RUN(files_are_read_rounded_to_float);
  RUN(files_are_written_as_float_text);
  if (pg_start()) {
    strncat(pg_url, "?user=postgres", sizeof pg_url - strlen(pg_url) - 1);
    RUN(smallint_and_float_in_postgresql);
  } else {
    fprintf(stderr, "cannot start PostgreSQL (tests/pg_server.sh)\n");
    tests_failed++;
  }
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
