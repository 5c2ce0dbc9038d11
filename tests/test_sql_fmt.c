/*
 * test_sql_fmt.c -- number text as Flink writes it: DOUBLE and FLOAT as Java's
 * Double.toString / Float.toString in the json and csv formats, the JSON functions, the
 * Kafka and JDBC sinks (src/core/num_text.c); TINYINT / SMALLINT values of json and csv
 * files that do not fit refused as Flink's Byte.parseByte does; two INSERTs into one
 * directory.  Expected texts are hand-written from Java's rules (Double.toString(1.1) is
 * "1.1", 1e10 is "1.0E10", 0.001 is "0.001", 1.0E-4 is "1.0E-4"; Jackson writes NaN and
 * Infinity as strings in JSON).
 */
#include <fcntl.h>
#include <float.h>
#include <math.h>

#include "core/core.h"
#include "kafka_mock.h"
#include "pg_test.h"
#include "sql_proc_test.h"
#include "sql_test.h"

/* Runs sql and checks that it succeeds. */
#define EXEC(sql)                                   \
  do {                                              \
    char *o_, e_[1024];                             \
    int r_ = run(sql, &o_, e_, sizeof e_);          \
    if (r_) fprintf(stderr, "  error: %s\n", e_);   \
    free(o_);                                       \
    CHECK_INT(r_, 0);                               \
  } while (0)

static const char *dtext(double d, bool single) {
  static char b[STROM__DOUBLE_TEXT_MAX];
  strom__double_text(b, d, single);
  return b;
}

/* Java's Double.toString, value by value */
TEST(double_text_is_javas) {
  CHECK_STR(dtext(1.1, false), "1.1");
  CHECK_STR(dtext(-2.5, false), "-2.5");
  CHECK_STR(dtext(100, false), "100.0");
  CHECK_STR(dtext(0.0, false), "0.0");
  CHECK_STR(dtext(-0.0, false), "-0.0");
  CHECK_STR(dtext(NAN, false), "NaN");
  CHECK_STR(dtext(INFINITY, false), "Infinity");
  CHECK_STR(dtext(-INFINITY, false), "-Infinity");
  CHECK_STR(dtext(1e10, false), "1.0E10");
  CHECK_STR(dtext(1e-5, false), "1.0E-5");
  CHECK_STR(dtext(0.001, false), "0.001"); /* the plain range starts at 10^-3 */
  CHECK_STR(dtext(0.00099, false), "9.9E-4");
  CHECK_STR(dtext(9999999.0, false), "9999999.0"); /* and ends below 10^7 */
  CHECK_STR(dtext(1e7, false), "1.0E7");
  CHECK_STR(dtext(123456789.0, false), "1.23456789E8");
  CHECK_STR(dtext(0.1 + 0.2, false), "0.30000000000000004");
  CHECK_STR(dtext(1.0 / 3, false), "0.3333333333333333");
  CHECK_STR(dtext(2.0 / 3, false), "0.6666666666666666");
  CHECK_STR(dtext(-1e-300, false), "-1.0E-300");
  CHECK_STR(dtext(DBL_MAX, false), "1.7976931348623157E308");
  CHECK_STR(dtext(DBL_MIN, false), "2.2250738585072014E-308");
  CHECK_STR(dtext(4.9e-324, false), "4.9E-324"); /* Double.MIN_VALUE: two digits at least */
  /* 2 * MIN_VALUE: 1E-323 reads back, but of the one- and two-digit decimals that do,
   * Java (JDK 19's Double.toString spec) takes the nearest */
  CHECK_STR(dtext(2 * 4.9e-324, false), "9.9E-324");
  CHECK_STR(dtext(9007199254740993.0, false), "9.007199254740992E15");
  CHECK_STR(dtext(12345.678, false), "12345.678");
}

/* Java's Float.toString of the float */
TEST(float_text_is_javas) {
  CHECK_STR(dtext((float)1.1, true), "1.1");
  CHECK_STR(dtext((float)0.1, true), "0.1");
  CHECK_STR(dtext((float)1.1 * 3, true), "3.3000002");
  CHECK_STR(dtext(1e-5f, true), "1.0E-5");
  CHECK_STR(dtext(16777216.0f, true), "1.6777216E7");
  CHECK_STR(dtext(FLT_MAX, true), "3.4028235E38");
  CHECK_STR(dtext(1.4e-45f, true), "1.4E-45"); /* Float.MIN_VALUE */
  CHECK_STR(dtext(-0.0f, true), "-0.0");
  CHECK_STR(dtext(NAN, true), "NaN");
  CHECK_STR(dtext(-INFINITY, true), "-Infinity");
  CHECK_STR(dtext(1e300, true), "Infinity"); /* past FLT_MAX as a float */
  CHECK_STR(dtext(-1e-300, true), "-0.0");
}

#define DOUBLES                                                                                                   \
  "(1, CAST(1.1 AS DOUBLE)), (2, CAST(NULL AS DOUBLE)), (3, -2.5E0), (4, 0.0E0), (5, CAST('-0.0' AS DOUBLE)), " \
  "(6, CAST('NaN' AS DOUBLE)), (7, CAST('Infinity' AS DOUBLE)), (8, 1.0E-5), (9, 1.0E300), (10, 1.0E10), "      \
  "(11, 4.9E-324), (12, CAST(100 AS DOUBLE))"

/* the filesystem sink's json and csv: Double.toString (json: Jackson's number, NaN and
 * Infinity quoted) */
TEST(files_write_doubles_as_java) {
  EXEC("CREATE TABLE j (id INT, d DOUBLE) WITH ('connector' = 'filesystem', 'path' = '${TMP}/dj', 'format' = 'json');\n"
            "INSERT INTO j VALUES " DOUBLES ";\n");
  char *o = slurp_tmp_dir("dj");
  CHECK_STR(o,
            "{\"id\":1,\"d\":1.1}\n{\"id\":10,\"d\":1.0E10}\n{\"id\":11,\"d\":4.9E-324}\n{\"id\":12,\"d\":100.0}\n"
            "{\"id\":2,\"d\":null}\n{\"id\":3,\"d\":-2.5}\n{\"id\":4,\"d\":0.0}\n{\"id\":5,\"d\":-0.0}\n"
            "{\"id\":6,\"d\":\"NaN\"}\n{\"id\":7,\"d\":\"Infinity\"}\n{\"id\":8,\"d\":1.0E-5}\n{\"id\":9,\"d\":1.0E300}\n");
  free(o);
  EXEC("CREATE TABLE c (id INT, d DOUBLE) WITH ('connector' = 'filesystem', 'path' = '${TMP}/dc', 'format' = 'csv');\n"
            "INSERT INTO c VALUES " DOUBLES ";\n");
  o = slurp_tmp_dir("dc");
  CHECK_STR(o, "1,1.1\n10,1.0E10\n11,4.9E-324\n12,100.0\n2,\n3,-2.5\n4,0.0\n5,-0.0\n6,NaN\n7,Infinity\n8,1.0E-5\n9,1.0E300\n");
  free(o);
  /* and they read back to the same values; json's quoted NaN / Infinity as Double.parseDouble
   * reads them, a JSON number out of range stays an error */
  CHECK_ROWS("CREATE TABLE j (id INT, d DOUBLE) WITH ('connector' = 'filesystem', 'path' = '${TMP}/dj', 'format' = 'json');\n"
             "SELECT id, d FROM j WHERE id IN (5, 6, 7, 11)",
             true, "+I[11, 4.9E-324]\n+I[5, -0.0]\n+I[6, NaN]\n+I[7, Infinity]\n");
  write_tmp_file("big.json", "{\"d\":1e999}\n");
  CHECK_ERR("CREATE TABLE b (d DOUBLE) WITH ('connector' = 'filesystem', 'path' = '${TMP}/big.json', 'format' = 'json');\n"
            "SELECT * FROM b",
            "1e999 is out of the DOUBLE range");
  write_tmp_file("inf.json", "{\"d\":\"inf\"}\n");
  CHECK_ERR("CREATE TABLE b (d DOUBLE) WITH ('connector' = 'filesystem', 'path' = '${TMP}/inf.json', 'format' = 'json');\n"
            "SELECT * FROM b",
            "out of the DOUBLE range");
  CHECK_ROWS("CREATE TABLE c (id INT, d DOUBLE) WITH ('connector' = 'filesystem', 'path' = '${TMP}/dc', 'format' = 'csv');\n"
             "SELECT id, d, d * 2 FROM c WHERE id IN (1, 8, 9, 11)",
             true, "+I[1, 1.1, 2.2]\n+I[11, 4.9E-324, 9.9E-324]\n+I[8, 1.0E-5, 2.0E-5]\n+I[9, 1.0E300, 2.0E300]\n");
}

/* JSON_OBJECT / JSON_ARRAY / JSON_STRING: Jackson's text of the double */
TEST(json_functions_write_doubles_as_java) {
  CHECK_ROWS("SELECT JSON_OBJECT('a' VALUE CAST(1.1 AS DOUBLE), 'b' VALUE 1.0E10, 'c' VALUE CAST(0.1 AS FLOAT)), "
             "JSON_ARRAY(CAST('NaN' AS DOUBLE), -0.0E0, 1.0E-5), JSON_STRING(CAST(2.5 AS DOUBLE))",
             false, "+I[{\"a\":1.1,\"b\":1.0E10,\"c\":0.1}, [\"NaN\",-0.0,1.0E-5], 2.5]\n");
}

/* Kafka: a FLOAT column as Float.toString, a DOUBLE as Double.toString, in json and csv */
static kmock MOCK;
static char seen[4][256];
static int nseen;

static void on_record(void *arg, int32_t part, int64_t off, const char *key, size_t kn, const char *val, size_t vn) {
  (void)arg, (void)part, (void)off, (void)key, (void)kn;
  if (nseen < 4) snprintf(seen[nseen++], sizeof seen[0], "%.*s", (int)vn, val);
}

TEST(kafka_writes_float_and_double_as_java) {
  CHECK_INT(kmock_topic(&MOCK, "kf", 1), 0);
  CHECK_INT(kmock_topic(&MOCK, "kc", 1), 0);
  char q[2000];
  snprintf(q, sizeof q,
           "CREATE TABLE kf (f FLOAT, d DOUBLE, t TINYINT) WITH ('connector' = 'kafka', 'topic' = 'kf', "
           "'properties.bootstrap.servers' = '%s', 'format' = 'json');\n"
           "CREATE TABLE kc (f FLOAT, d DOUBLE) WITH ('connector' = 'kafka', 'topic' = 'kc', "
           "'properties.bootstrap.servers' = '%s', 'format' = 'csv');\n"
           "INSERT INTO kf VALUES (CAST(1.1 AS FLOAT) * 3, CAST(1.1 AS DOUBLE), CAST(-1 AS TINYINT)), "
           "(CAST('Infinity' AS FLOAT), CAST(NULL AS DOUBLE), CAST(NULL AS TINYINT));\n"
           "INSERT INTO kc VALUES (CAST(0.1 AS FLOAT), 1.0E-5);\n",
           MOCK.bootstrap, MOCK.bootstrap);
  EXEC(q);
  nseen = 0;
  kmock_read_all(&MOCK, "kf", on_record, NULL);
  CHECK_INT(nseen, 2);
  CHECK_STR(seen[0], "{\"f\":3.3000002,\"d\":1.1,\"t\":-1}");
  CHECK_STR(seen[1], "{\"f\":\"Infinity\",\"d\":null,\"t\":null}");
  nseen = 0;
  kmock_read_all(&MOCK, "kc", on_record, NULL);
  CHECK_INT(nseen, 1);
  CHECK_STR(seen[0], "0.1,1.0E-5");
}

/* jdbc: the parameter text of a FLOAT is Float.toString's, which a text column keeps */
TEST(jdbc_writes_float_as_java) {
  CHECK(pg_exec("CREATE TABLE ft (id int, f text, r float4, d text)"));
  char sql[1600];
  snprintf(sql, sizeof sql,
           "CREATE TABLE ft (id INT, f FLOAT, r FLOAT, d DOUBLE) WITH ('connector' = 'jdbc', 'url' = '%s', 'table-name' = 'ft');\n"
           "INSERT INTO ft VALUES (1, CAST(0.1 AS FLOAT), CAST(0.1 AS FLOAT), CAST(0.1 AS DOUBLE)), "
           "(2, CAST(1.1 AS FLOAT) * 3, CAST(16777216 AS FLOAT), 1.0E10), (3, CAST(NULL AS FLOAT), CAST('-0.0' AS FLOAT), -0.0E0);\n",
           pg_url);
  EXEC(sql);
  char *got = pg_query("SELECT id, f, r, d FROM ft ORDER BY id");
  CHECK_STR(got, "1,0.1,0.1,0.1;2,3.3000002,1.6777216e+07,1.0E10;3,null,-0,-0.0");
  free(got);
}

/* A TINYINT / SMALLINT of a json or csv file that does not fit fails the job as
 * Flink's Byte.parseByte / Short.parseShort does, naming the column, file and line;
 * with *.ignore-parse-errors the row is skipped (Flink's deserializers return no row). */
TEST(narrow_ints_out_of_range_in_files) {
  write_tmp_file("n.csv", "1,100,30000\n2,-128,-32768\n3,128,0\n4,0,32768\n");
  write_tmp_file("n.json", "{\"a\":1,\"x\":127,\"y\":-5}\n\n{\"a\":2,\"x\":-129,\"y\":1}\n{\"a\":3,\"x\":0,\"y\":-32769}\n");
  char want[600];
  snprintf(want, sizeof want, "%s/n.csv:3: column 2 (x): cannot parse '128' as TINYINT", tmp);
  CHECK_ERR("CREATE TABLE c (a INT, x TINYINT, y SMALLINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/n.csv', 'format' = 'csv');\n"
            "SELECT * FROM c",
            want);
  snprintf(want, sizeof want, "table 'j': %s/n.json:3: column 'x': cannot parse '-129' as TINYINT", tmp);
  CHECK_ERR("CREATE TABLE j (a INT, x TINYINT, y SMALLINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/n.json', 'format' = 'json');\n"
            "SELECT * FROM j",
            want);
  CHECK_ROWS("CREATE TABLE c (a INT, x TINYINT, y SMALLINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/n.csv', 'format' = 'csv', "
             "'csv.ignore-parse-errors' = 'true');\nSELECT * FROM c",
             true, "+I[1, 100, 30000]\n+I[2, -128, -32768]\n");
  CHECK_ROWS("CREATE TABLE j (a INT, x TINYINT, y SMALLINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/n.json', 'format' = 'json', "
             "'json.ignore-parse-errors' = 'true');\nSELECT * FROM j",
             true, "+I[1, 127, -5]\n");
  /* SMALLINT's own range: -32769 is out, INT's 2147483648 too */
  write_tmp_file("s.csv", "1,0,2147483648\n");
  snprintf(want, sizeof want, "%s/s.csv:1: column 3 (z): cannot parse '2147483648' as INT", tmp);
  CHECK_ERR("CREATE TABLE c (a INT, y SMALLINT, z INT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/s.csv', 'format' = 'csv');\n"
            "SELECT * FROM c",
            want);
}

/* Two INSERTs of one script into two tables over one directory: every row of both is
 * there (the part files carry the sink, as Flink's part-<uuid>-... do) */
TEST(two_inserts_into_one_directory) {
  EXEC("CREATE TABLE a (id INT, s STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/same', 'format' = 'csv');\n"
       "CREATE TABLE b (id INT, s STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/same', 'format' = 'csv');\n"
       "EXECUTE STATEMENT SET BEGIN\n"
       "INSERT INTO a VALUES (1, 'a1'), (2, 'a2');\n"
       "INSERT INTO b VALUES (3, 'b3');\n"
       "END;\n"
       "INSERT INTO a VALUES (4, 'a4');\n"
       "INSERT INTO b VALUES (5, 'b5');\n");
  char *o = slurp_tmp_dir("same");
  CHECK_STR(o, "1,a1\n2,a2\n3,b3\n4,a4\n5,b5\n");
  free(o);
  /* a reader of either table sees the directory's every file */
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';\n"
             "CREATE TABLE a (id INT, s STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/same', 'format' = 'csv');\n"
             "SELECT COUNT(*), SUM(id) FROM a",
             false, "+I[5, 15]\n");
}

/* The same, exactly once: two sinks into one directory, killed after three checkpoints
 * and resumed, commit what an uninterrupted run does -- each sink every bid once
 * (200000 events at Nexmark's 1:3:46 proportions are 184000 bids). */
TEST(two_sinks_into_one_directory_killed_and_resumed) {
  const char *bin = strom_bin();
  if (!bin) return;
  const char *job =
      "SET 'parallelism.default' = '2';\n"
      KILL_TEST_SETS
      "CREATE TABLE nx (event_type INT, bid_auction BIGINT, bid_price BIGINT, date_time TIMESTAMP(3)) "
      "WITH ('connector' = 'nexmark', 'events.num' = '200000', 'rate-limit' = '80000', 'first-event.rate' = '80000');\n"
      "CREATE TABLE a (tag STRING, auction BIGINT, price BIGINT) WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'csv');\n"
      "CREATE TABLE b (tag STRING, auction BIGINT, price BIGINT) WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'csv');\n"
      "EXECUTE STATEMENT SET BEGIN\n"
      "INSERT INTO a SELECT 'a', bid_auction, bid_price FROM nx WHERE event_type = 2;\n"
      "INSERT INTO b SELECT 'b', bid_auction, bid_price FROM nx WHERE event_type = 2;\n"
      "END;\n";
  CHECK(killed_run_agrees(bin, tmp, "k", job, 3));
  char cmd[600];
  snprintf(cmd, sizeof cmd, "test $(grep -c '^a,' %s/k2.txt) -eq 184000 && test $(grep -c '^b,' %s/k2.txt) -eq 184000", tmp, tmp);
  CHECK_INT(system(cmd), 0);
}

/* Whether DESCRIBE's table d has a row whose first two cells are name and type. */
static bool has_col(const char *d, const char *name, const char *type) {
  for (const char *l = d; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    char cell[2][64];
    const char *p = l;
    int k = 0;
    for (; k < 2 && *p == '|'; k++) {
      const char *e = strchr(p + 1, '|'), *nl = strchr(p + 1, '\n');
      if (!e || (nl && nl < e)) break;
      const char *x = p + 1, *y = e;
      while (x < y && *x == ' ') x++;
      while (y > x && y[-1] == ' ') y--;
      snprintf(cell[k], sizeof cell[k], "%.*s", (int)(y - x), x);
      p = e;
    }
    if (k == 2 && !strcmp(cell[0], name) && !strcmp(cell[1], type)) return true;
  }
  return false;
}

#define CHECK_COL(d, name, type)                                                                  \
  do {                                                                                            \
    if (!has_col(d, name, type)) fprintf(stderr, "  %s:%d: no column %s of type %s in:\n%s", __FILE__, __LINE__, name, type, d); \
    CHECK(has_col(d, name, type));                                                                \
  } while (0)

static char *output_of(const char *sql) {
  char *out = NULL, err[1024];
  int rc = run(sql, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  return out;
}

/* MOD and %: the second operand's type for integers (the remainder always fits it),
 * Flink's DECIMAL(min(p1 - s1, p2 - s2) + max(s1, s2), max(s1, s2)) when a fraction */
TEST(mod_types_as_flink) {
  const char *v = "CREATE TEMPORARY VIEW v AS SELECT CAST(a AS TINYINT) AS t, CAST(b AS SMALLINT) AS s, CAST(c AS INT) AS i, "
                  "CAST(d AS BIGINT) AS l, CAST(e AS DECIMAL(10, 2)) AS d, CAST(f AS DECIMAL(5, 1)) AS d2 "
                  "FROM (VALUES (7, 300, 1000, 5000000000, 12.34, 5.5)) AS x(a, b, c, d, e, f);\n";
  const char *w = "CREATE VIEW w AS SELECT MOD(t, s) AS ts, MOD(s, t) AS st, MOD(i, t) AS it, MOD(l, i) AS li, MOD(i, l) AS il, "
                  "MOD(d, d2) AS dd, MOD(d, i) AS di, MOD(i, d) AS id, MOD(d2, 3) AS d3, l % s AS lps, -i % t AS nit, "
                  "MOD(CAST(-7 AS DECIMAL(3, 0)), s) AS ds FROM v;\n";
  char sql[2000];
  snprintf(sql, sizeof sql, "%s%sDESCRIBE w;\n", v, w);
  char *d = output_of(sql);
  CHECK_COL(d, "ts", "SMALLINT");
  CHECK_COL(d, "st", "TINYINT");
  CHECK_COL(d, "it", "TINYINT");
  CHECK_COL(d, "li", "INT");
  CHECK_COL(d, "il", "BIGINT");
  CHECK_COL(d, "dd", "DECIMAL(6, 2)");
  CHECK_COL(d, "di", "DECIMAL(10, 2)");
  CHECK_COL(d, "id", "DECIMAL(10, 2)");
  CHECK_COL(d, "d3", "DECIMAL(5, 1)");
  CHECK_COL(d, "lps", "SMALLINT");
  CHECK_COL(d, "nit", "TINYINT");
  CHECK_COL(d, "ds", "SMALLINT");
  free(d);
  snprintf(sql, sizeof sql, "%s%sSELECT * FROM w", v, w);
  /* 300 % 7 = 6, 1000 % 7 = 6, 12.34 % 5.5 = 1.34, 1000 % 12.34 = 0.46 (81 * 12.34 = 999.54),
   * 5.5 % 3 = 2.5, 5000000000 % 300 = 200, -1000 % 7 = -6 (Java's sign: the dividend's) */
  CHECK_ROWS(sql, false, "+I[7, 6, 6, 0, 1000, 1.34, 12.34, 0.46, 2.5, 200, -6, -7]\n");
}

/* SUM / AVG OVER of TINYINT, SMALLINT and FLOAT keep the argument's type as Flink's
 * Byte/Short/FloatSumAggFunction and the AVG functions do: sums wrap (100 + 100 is -56
 * as a byte, 30000 + 30000 is -5536 as a short), averages are the BIGINT (DOUBLE for
 * FLOAT) sum over the count cast back ((float) (1.1f + 2.2f) / 2 is 1.6500001). */
TEST(sum_avg_over_keep_narrow_types) {
  write_tmp_file("o.csv", "a,100,30000,1.1,2024-01-01 00:00:01\na,100,30000,2.2,2024-01-01 00:00:02\na,7,5,0.1,2024-01-01 00:00:03\n");
#define W " OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
  const char *t = "CREATE TABLE v (k STRING, t TINYINT, s SMALLINT, f FLOAT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) "
                  "WITH ('connector' = 'filesystem', 'path' = '${TMP}/o.csv', 'format' = 'csv');\n"
                  "CREATE VIEW w AS SELECT k, SUM(t)" W " AS st, AVG(t)" W " AS at, SUM(s)" W " AS ss, AVG(s)" W " AS a_s, "
                  "SUM(f)" W " AS sf, AVG(f)" W " AS af FROM v;\n";
#undef W
  char sql[2000];
  snprintf(sql, sizeof sql, "%sDESCRIBE w;\n", t);
  char *d = output_of(sql);
  CHECK_COL(d, "st", "TINYINT");
  CHECK_COL(d, "at", "TINYINT");
  CHECK_COL(d, "ss", "SMALLINT");
  CHECK_COL(d, "a_s", "SMALLINT");
  CHECK_COL(d, "sf", "FLOAT");
  CHECK_COL(d, "af", "FLOAT");
  free(d);
  snprintf(sql, sizeof sql, "%sSELECT * FROM w", t);
  CHECK_ROWS(sql, false,
             "+I[a, 100, 100, 30000, 30000, 1.1, 1.1]\n+I[a, -56, 100, -5536, 30000, 3.3000002, 1.6500001]\n"
             "+I[a, -49, 69, -5531, 20001, 3.4, 1.1333333]\n");
}

int main(int argc, char **argv) {
  snprintf(tmp, sizeof tmp, "/tmp/strom_test_sql_fmt_XXXXXX");
  if (!mkdtemp(tmp)) return 1;
  TEST_MAIN_BEGIN(argc, argv);
  if (kmock_start_or_fail(&MOCK)) return 1;
  /* the PostgreSQL script's watchdog must not inherit the mock's command pipe */
  fcntl(fileno(MOCK.to), F_SETFD, FD_CLOEXEC);
  fcntl(fileno(MOCK.from), F_SETFD, FD_CLOEXEC);
  RUN(double_text_is_javas);
  RUN(float_text_is_javas);
  RUN(files_write_doubles_as_java);
  RUN(json_functions_write_doubles_as_java);
  RUN(kafka_writes_float_and_double_as_java);
  RUN(narrow_ints_out_of_range_in_files);
  RUN(two_inserts_into_one_directory);
  RUN(mod_types_as_flink);
  RUN(sum_avg_over_keep_narrow_types);
  RUN(two_sinks_into_one_directory_killed_and_resumed);
  if (pg_start()) {
    strncat(pg_url, "?user=postgres", sizeof pg_url - strlen(pg_url) - 1);
    RUN(jdbc_writes_float_as_java);
  } else {
    fprintf(stderr, "cannot start PostgreSQL (tests/pg_server.sh)\n");
    tests_failed++;
  }
  kmock_stop(&MOCK);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
