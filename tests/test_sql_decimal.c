/*
 * test_sql_decimal.c -- DECIMAL with up to 38 digits (Flink's maximum): the 128-bit
 * value in the row model (getters and setters, the binary encoding, key bytes, text),
 * SQL arithmetic with Flink's result types and rounding, casts, functions, SUM/AVG/
 * MIN/MAX, a GROUP BY key of DECIMAL(30, 2), the json and csv formats, a debezium-json
 * changelog through Kafka (librdkafka's mock cluster), a round trip through a real
 * PostgreSQL NUMERIC(38, 2) column, and a SUM of DECIMAL(38, 2) in
 * state across a kill -9 and resume of `strom sql`.  Every expected value was worked
 * out by hand (with exact decimal arithmetic), never by this code.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.h"
#include "kafka_mock.h"
#include "pg_test.h"
#include "sql_proc_test.h"
#include "sql_test.h"

/* ---- the row model ---- */

TEST(row_holds_a_128_bit_decimal) {
  char err[200];
  strom_schema *s = strom_schema_parse("a DECIMAL(38,2), b DECIMAL(18,2), c VARCHAR, d DECIMAL(19,0)", err, sizeof err);
  CHECK(s != NULL);
  strom_row *r = strom_row_new(s);
  /* -10^37 + 1 (unscaled): hi and lo of its two's complement */
  __int128 v = -strom__dec128_pow10(37) + 1;
  strom_row_set_decimal128(r, 0, (int64_t)(v >> 64), (uint64_t)v);
  strom_row_set_decimal(r, 1, -12345);
  strom_row_set_str(r, 2, "x", 1);
  strom_row_set_decimal128(r, 3, 0, 9999999999999999999ull); /* 19 digits: past int64 */
  int64_t hi;
  uint64_t lo;
  strom_row_get_decimal128(r, 0, &hi, &lo);
  CHECK(hi == (int64_t)(v >> 64) && lo == (uint64_t)v);
  strom_row_get_decimal128(r, 1, &hi, &lo); /* a narrow one reads sign-extended */
  CHECK(hi == -1 && lo == (uint64_t)(int64_t)-12345);
  char buf[256];
  strom_row_format(r, buf, sizeof buf);
  CHECK_STR(buf, "+I[-99999999999999999999999999999999999.99, -123.45, x, 9999999999999999999]");
  /* the binary encoding: 16 bytes for the wide ones, 8 for the narrow one */
  uint8_t enc[256];
  uint8_t *end = strom__row_encode(r, enc);
  CHECK_INT((int)(end - enc), 1 + 16 + 8 + 2 + 16);
  CHECK(strom__row_skip(s, enc, end) == end);
  strom_row *back = strom_row_new(s);
  CHECK(strom__row_decode(back, enc, end) == end);
  strom_row_format(back, buf, sizeof buf);
  CHECK_STR(buf, "+I[-99999999999999999999999999999999999.99, -123.45, x, 9999999999999999999]");
  CHECK(strom__row_decode(back, enc, end - 1) == NULL); /* cut short: refused */
  /* key bytes: two values with the same low word and different high words differ */
  int k = 0;
  uint8_t k1[64], k2[64];
  size_t n1 = strom__key_bytes(r, &k, 1, k1, sizeof k1);
  strom_row_set_decimal128(back, 0, (int64_t)(v >> 64) + 1, (uint64_t)v);
  size_t n2 = strom__key_bytes(back, &k, 1, k2, sizeof k2);
  CHECK_INT((int)n1, 17);
  CHECK(n1 == n2 && memcmp(k1, k2, n1) != 0);
  CHECK(strom__key_hash(r, &k, 1) != strom__key_hash(back, &k, 1));
  /* text in: 38 digits exact, one more refused */
  CHECK_INT(strom__parse_value(r, 0, "123456789012345678901234567890123456.78", 39, err, sizeof err), STROM_OK);
  strom_row_format(r, buf, sizeof buf);
  CHECK(!strncmp(buf, "+I[123456789012345678901234567890123456.78,", 43));
  CHECK_INT(strom__parse_value(r, 0, "1234567890123456789012345678901234567.8", 39, err, sizeof err), STROM_EPARSE);
  CHECK_STR(err, "cannot parse '1234567890123456789012345678901234567.8' as DECIMAL(38,2)");
  strom_row_free(back);
  strom_row_free(r);
  strom_schema_free(s);
  CHECK(strom_schema_parse("a DECIMAL(39,0)", err, sizeof err) == NULL);
}

/* ---- SQL ---- */

TEST(types_follow_flinks_derivation) {
  char *out, err[512];
  CHECK_INT(run("CREATE VIEW v AS SELECT 12345678901234567890.5 AS lit, 123456789012345678901 AS lit0,\n"
                " CAST(1 AS DECIMAL(20, 1)) * CAST(1 AS DECIMAL(30, 5)) AS mul,\n"
                " CAST(1 AS DECIMAL(38, 10)) / CAST(3 AS DECIMAL(38, 10)) AS dv,\n"
                " CAST(1 AS DECIMAL(21, 1)) / 7 AS dv2,\n"
                " CAST(1 AS DECIMAL(38, 0)) + CAST(1 AS DECIMAL(38, 38)) AS ad,\n"
                " CAST(1 AS BIGINT) * 1.5 AS bi,\n"
                " SUM(CAST(1 AS DECIMAL(10, 2))) AS su, AVG(CAST(1 AS DECIMAL(10, 2))) AS av;\n"
                "DESCRIBE v;",
                &out, err, sizeof err),
            0);
  /* a literal's digits; p1 + p2 + 1 and s1 + s2 reduced to 38 keeping 6 fractional digits;
   * division's max(6, s1 + p2 + 1); addition's max(s1, s2) reduced; BIGINT as (19, 0) */
  const char *want[] = {" lit |", "DECIMAL(21, 1)", " lit0 |", "DECIMAL(21, 0)", " mul |", "DECIMAL(38, 6)",
                        " dv |", "DECIMAL(38, 6)", " dv2 |", "DECIMAL(32, 12)", " ad |", "DECIMAL(38, 6)",
                        " bi |", "DECIMAL(22, 1)", " su |", "DECIMAL(38, 2)", " av |", "DECIMAL(38, 6)"};
  for (size_t i = 0; i < sizeof want / sizeof *want; i += 2) {
    const char *row = strstr(out, want[i]);
    const char *nl = row ? strchr(row, '\n') : NULL;
    bool ok = row && nl && memmem(row, (size_t)(nl - row), want[i + 1], strlen(want[i + 1]));
    if (!ok) fprintf(stderr, "  %s is not %s\n", want[i], want[i + 1]);
    CHECK(ok);
  }
  free(out);
  CHECK_ERR("SELECT CAST(1 AS DECIMAL(39, 2))", "the precision must be between 1 and 38");
  CHECK_ERR("SELECT 123456789012345678901234567890123456789", "more than 38 digits");
}

TEST(arithmetic_at_18_to_38_digits) {
  /* a product of 35 digits; a quotient rounded half up at Flink's scale 6; a remainder
   * with the dividend's sign; 10^38 - 1 + 1 and * 10 overflow DECIMAL(38, 0): NULL */
  CHECK_ROWS("SELECT CAST('123456789012345678.9' AS DECIMAL(19, 1)) * CAST('98765432109876543.21' AS DECIMAL(19, 2)),\n"
             " CAST('1234567890123456789012345678.0123456789' AS DECIMAL(38, 10)) / CAST('3.0000000001' AS DECIMAL(11, 10)),\n"
             " CAST('12345678901234567890.5' AS DECIMAL(21, 1)) / 7,\n"
             " CAST('-12345678901234567890123.456' AS DECIMAL(26, 3)) % CAST('1000000000000000000.7' AS DECIMAL(20, 1)),\n"
             " 99999999999999999999999999999999999999 + 1, 99999999999999999999999999999999999999 * 10,\n"
             " -99999999999999999999999999999999999999 - 0,\n"
             " CAST('0.000000000000000000000000000000000001' AS DECIMAL(38, 38)) + CAST('12345678901234567890123456789012' AS DECIMAL(38, 0)),\n"
             " -CAST('-1234567890123456789012.25' AS DECIMAL(30, 2)), 0.908 * CAST(9223372036854775807 AS BIGINT)",
             false,
             "+I[12193263113702179522374638011112635.269, 411522630027434842003200731.270675, 1763668414462081127.214285714286, "
             "-678901234567881481.956, <NULL>, <NULL>, -99999999999999999999999999999999999999, "
             "12345678901234567890123456789012.000000, 1234567890123456789012.25, 8374821809464136432.756]\n");
  /* SUM near 10^20 (DECIMAL(38, 2)), AVG at scale 6, MIN and MAX of DECIMAL(30, 2) */
  CHECK_ROWS("SELECT SUM(x), AVG(x), MIN(x), MAX(x), COUNT(*) FROM (VALUES (CAST('99999999999999999999.99' AS DECIMAL(30, 2))),\n"
             " (CAST('0.01' AS DECIMAL(30, 2))), (CAST('12345678901234567890.12' AS DECIMAL(30, 2))),\n"
             " (CAST('-5.00' AS DECIMAL(30, 2)))) AS t(x)",
             false,
             "+I[99999999999999999999.99, 99999999999999999999.990000, 99999999999999999999.99, 99999999999999999999.99, 1]\n"
             "-U[99999999999999999999.99, 99999999999999999999.990000, 99999999999999999999.99, 99999999999999999999.99, 1]\n"
             "+U[100000000000000000000.00, 50000000000000000000.000000, 0.01, 99999999999999999999.99, 2]\n"
             "-U[100000000000000000000.00, 50000000000000000000.000000, 0.01, 99999999999999999999.99, 2]\n"
             "+U[112345678901234567890.12, 37448559633744855963.373333, 0.01, 99999999999999999999.99, 3]\n"
             "-U[112345678901234567890.12, 37448559633744855963.373333, 0.01, 99999999999999999999.99, 3]\n"
             "+U[112345678901234567885.12, 28086419725308641971.280000, -5.00, 99999999999999999999.99, 4]\n");
  /* comparisons, with a narrow operand widened */
  CHECK_ROWS("SELECT x FROM (VALUES (CAST('100000000000000000000.5' AS DECIMAL(22, 1))), (CAST('100000000000000000000.4' AS DECIMAL(22, 1))),\n"
             " (CAST('7' AS DECIMAL(22, 1)))) AS t(x) WHERE x > 100000000000000000000.45 OR x = 7 OR x BETWEEN 1 AND 2",
             false, "+I[100000000000000000000.5]\n+I[7.0]\n");
}

/* The specialised evaluators (expr_fast.c: the int64 product into a wide type, the
 * casts folded into it or raising the scale) give what the interpreter gives. */
TEST(fast_paths_equal_the_interpreter) {
  const char *sql =
      "SELECT 0.908 * b, CAST(0.908 * b AS DECIMAL(23, 3)), CAST(0.908 * b AS DECIMAL(4, 3)), d * b,\n"
      " CAST(d AS DECIMAL(30, 5)), CAST(w AS DECIMAL(30, 1)), w * 2, CAST(b AS DECIMAL(25, 2))\n"
      "FROM (VALUES (CAST(9223372036854775807 AS BIGINT), CAST(2.50 AS DECIMAL(5, 2)), CAST('123456789012345678901.25' AS DECIMAL(30, 2))),\n"
      " (CAST(-5 AS BIGINT), CAST(NULL AS DECIMAL(5, 2)), CAST(NULL AS DECIMAL(30, 2))),\n"
      " (CAST(NULL AS BIGINT), CAST(-1.25 AS DECIMAL(5, 2)), CAST('-0.05' AS DECIMAL(30, 2)))) AS t(b, d, w)";
  const char *want =
      "+I[8374821809464136432.756, 8374821809464136432.756, <NULL>, 23058430092136939517.50, 2.50000, "
      "123456789012345678901.3, 246913578024691357802.50, 9223372036854775807.00]\n"
      "+I[-4.540, -4.540, -4.540, <NULL>, <NULL>, <NULL>, <NULL>, -5.00]\n"
      "+I[<NULL>, <NULL>, <NULL>, <NULL>, -1.25000, -0.1, -0.10, <NULL>]\n";
  unsetenv("STROM_SQL_INTERPRET");
  CHECK_ROWS(sql, false, want);
  setenv("STROM_SQL_INTERPRET", "1", 1);
  CHECK_ROWS(sql, false, want);
  unsetenv("STROM_SQL_INTERPRET");
}

TEST(casts_and_functions) {
  /* 38 digits from a string and back; past 38 digits NULL; more fractional digits round
   * half up; to DOUBLE, BIGINT, INT and BOOLEAN and from DOUBLE and BIGINT */
  CHECK_ROWS("SELECT CAST(CAST('-1234567890123456789012345678.9012345678' AS DECIMAL(38, 10)) AS STRING)\n"
             "  = '-1234567890123456789012345678.9012345678',\n"
             " CAST('123456789012345678901234567890123456789' AS DECIMAL(38, 0)), CAST('1.005' AS DECIMAL(30, 2)),\n"
             " CAST(CAST('12345678901234567890.5' AS DECIMAL(21, 1)) AS DOUBLE),\n"
             " CAST(CAST('-12345678901234567.9' AS DECIMAL(21, 1)) AS BIGINT),\n"
             " CAST(CAST('0.0' AS DECIMAL(21, 1)) AS BOOLEAN), CAST(1.5E20 AS DECIMAL(30, 2)),\n"
             " CAST(CAST(-9223372036854775808 AS BIGINT) AS DECIMAL(25, 3))",
             false,
             "+I[TRUE, <NULL>, 1.01, 1.2345678901234567E19, -12345678901234567, FALSE, "
             "150000000000000000000.00, -9223372036854775808.000]\n");
  CHECK_ROWS("SELECT ABS(x), SIGN(x), FLOOR(x), CEIL(x), ROUND(x, 1), ROUND(x, -2), MOD(x, CAST(1000 AS DECIMAL(30, 2)))\n"
             "FROM (VALUES (CAST('-123456789012345678901.25' AS DECIMAL(30, 2))), (CAST('123456789012345678951.75' AS DECIMAL(30, 2)))) AS t(x)",
             false,
             "+I[123456789012345678901.25, -1.00, -123456789012345678902, -123456789012345678901, -123456789012345678901.3, "
             "-123456789012345678900, -901.25]\n"
             "+I[123456789012345678951.75, 1.00, 123456789012345678951, 123456789012345678952, 123456789012345678951.8, "
             "123456789012345679000, 951.75]\n");
}

TEST(truncate_toward_zero) {
  CHECK_ROWS("SELECT TRUNCATE(CAST('-123456789012345678901.259' AS DECIMAL(30, 3)), 2),\n"
             " TRUNCATE(CAST('-123456789012345678901.259' AS DECIMAL(30, 3)), -2), TRUNCATE(CAST('1.99' AS DECIMAL(5, 2))),\n"
             " TRUNCATE(CAST('9.99' AS DECIMAL(3, 2)), 5), TRUNCATE(1234, -2), TRUNCATE(123.456E0, 1)",
             false, "+I[-123456789012345678901.25, -123456789012345678900, 1, 9.99, 1200, 123.4]\n");
}

TEST(arrays_and_maps_of_wide_decimals) {
  CHECK_ROWS("SELECT ARRAY[CAST('123456789012345678901.5' AS DECIMAL(30, 1)), 1.5][1],\n"
             " CAST(ARRAY[CAST('-123456789012345678901.5' AS DECIMAL(30, 1)), NULL] AS STRING) = '[-123456789012345678901.5, NULL]',\n"
             " MAP['k', CAST('99999999999999999999999.9' AS DECIMAL(30, 1))]['k']",
             false, "+I[123456789012345678901.5, TRUE, 99999999999999999999999.9]\n");
}

TEST(group_by_a_decimal_30_2_key) {
  /* keys equal in value are one group; keys that differ only in the high word of the
   * 128-bit value (2^64 apart: 184467440737095516.16 at scale 2) are two */
  CHECK_ROWS("SELECT k, COUNT(*), SUM(v) FROM (VALUES\n"
             " (CAST('123456789012345678901234.50' AS DECIMAL(30, 2)), CAST(1 AS DECIMAL(30, 2))),\n"
             " (CAST('123456789012345678901234.5' AS DECIMAL(30, 2)), CAST(2 AS DECIMAL(30, 2))),\n"
             " (CAST('0.01' AS DECIMAL(30, 2)), CAST(3 AS DECIMAL(30, 2))),\n"
             " (CAST('184467440737095516.17' AS DECIMAL(30, 2)), CAST(4 AS DECIMAL(30, 2)))) AS t(k, v) GROUP BY k",
             true,
             "+I[0.01, 1, 3.00]\n+I[123456789012345678901234.50, 1, 1.00]\n+I[184467440737095516.17, 1, 4.00]\n"
             "+U[123456789012345678901234.50, 2, 3.00]\n-U[123456789012345678901234.50, 1, 1.00]\n");
  /* the same keys through mini-batch aggregation's own key map */
  CHECK_ROWS("SET 'table.exec.mini-batch.enabled' = 'true';\nSET 'table.exec.mini-batch.allow-latency' = '1 s';\n"
             "SET 'table.exec.mini-batch.size' = '100';\n"
             "SELECT k, COUNT(*) FROM (VALUES (CAST('0.01' AS DECIMAL(30, 2))), (CAST('184467440737095516.17' AS DECIMAL(30, 2))),\n"
             " (CAST('0.01' AS DECIMAL(30, 2)))) AS t(k) GROUP BY k",
             true, "+I[0.01, 2]\n+I[184467440737095516.17, 1]\n");
}

TEST(json_and_csv_round_trip) {
  char path[400];
  snprintf(path, sizeof path, "%s/in.json", tmp);
  /* numbers of 38 digits read exactly (no double in between), a string form too */
  write_file(path, "{\"id\": 1, \"d\": 1234567890123456789012345678.0123456789}\n"
                   "{\"id\": 2, \"d\": -0.0000000001}\n"
                   "{\"id\": 3, \"d\": \"9999999999999999999999999999.9999999999\"}\n");
#define DEC_O "CREATE TABLE o (id INT, d DECIMAL(38, 10), c DECIMAL(38, 10)) WITH ('connector' = 'filesystem', 'path' = '${TMP}/out', 'format' = 'json');\n"
  CHECK_ROWS("CREATE TABLE j (id INT, d DECIMAL(38, 10)) WITH ('connector' = 'filesystem', 'path' = '${TMP}/in.json', 'format' = 'json');\n"
             DEC_O "INSERT INTO o SELECT id, d, d * 1 FROM j;\n", true, "");
  /* the file written read back as json, written as csv and read back */
  CHECK_ROWS(DEC_O "CREATE TABLE oc (id INT, d DECIMAL(38, 10)) WITH ('connector' = 'filesystem', 'path' = '${TMP}/outc', 'format' = 'csv');\n"
             "INSERT INTO oc SELECT id, d FROM o;\n", true, "");
  CHECK_ROWS("CREATE TABLE oc (id INT, d DECIMAL(38, 10)) WITH ('connector' = 'filesystem', 'path' = '${TMP}/outc', 'format' = 'csv');\n"
             "SELECT id, d FROM oc;",
             true,
             "+I[1, 1234567890123456789012345678.0123456789]\n+I[2, -0.0000000001]\n"
             "+I[3, 9999999999999999999999999999.9999999999]\n");
  char cmd[600];
  snprintf(cmd, sizeof cmd, "cat '%s'/out/[!._]* | LC_ALL=C sort", tmp);
  FILE *p = popen(cmd, "r");
  char got[2048] = "";
  size_t n = fread(got, 1, sizeof got - 1, p);
  got[n] = 0;
  pclose(p);
  /* d * 1 is DECIMAL(38, 6) in Flink (38 digits keep 6 fractional ones): rounded, and
   * 10^28 then needs 29 integer digits, one more than DECIMAL(38, 10) has: NULL */
  CHECK_STR(got, "{\"id\":1,\"d\":1234567890123456789012345678.0123456789,\"c\":1234567890123456789012345678.0123460000}\n"
                 "{\"id\":2,\"d\":-0.0000000001,\"c\":0.0000000000}\n"
                 "{\"id\":3,\"d\":9999999999999999999999999999.9999999999,\"c\":null}\n");
  /* one digit too many in the input is an error naming the value */
  write_file(path, "{\"id\": 1, \"d\": 12345678901234567890123456789.0123456789}\n");
  CHECK_ERR("CREATE TABLE j (id INT, d DECIMAL(38, 10)) WITH ('connector' = 'filesystem', 'path' = '${TMP}/in.json', 'format' = 'json');\n"
            "SELECT * FROM j;",
            "DECIMAL(38,10)");
}

/* ---- Kafka ---- */

static kmock MOCK;

TEST(kafka_debezium_json_changelog_of_wide_sums) {
  CHECK_INT(kmock_topic(&MOCK, "dec_cdc", 1), 0);
  char sql[2048];
  snprintf(sql, sizeof sql,
           "CREATE TABLE cdc (name STRING, total DECIMAL(38, 2)) WITH ('connector' = 'kafka', 'topic' = 'dec_cdc',\n"
           " 'properties.bootstrap.servers' = '%s', 'format' = 'debezium-json', 'scan.startup.mode' = 'earliest-offset',\n"
           " 'scan.bounded.mode' = 'latest-offset');\n"
           "INSERT INTO cdc SELECT name, SUM(v) FROM (VALUES ('a', CAST('12345678901234567890123456.01' AS DECIMAL(30, 2))),\n"
           " ('b', CAST('-0.01' AS DECIMAL(30, 2))), ('a', CAST('87654321098765432109876543.99' AS DECIMAL(30, 2)))) AS t(name, v)\n"
           " GROUP BY name;\n"
           "SELECT name, total FROM cdc;",
           MOCK.bootstrap);
  /* a's sum updated from its first value to 10^26; the update travels as Flink's
   * debezium-json writes it (a delete, then a create), so it reads back as -D and +I */
  CHECK_ROWS(sql, true,
             "+I[a, 100000000000000000000000000.00]\n+I[a, 12345678901234567890123456.01]\n+I[b, -0.01]\n"
             "-D[a, 12345678901234567890123456.01]\n");
}

/* ---- PostgreSQL ---- */

static char *run_pg(const char *fmt) {
  char sql[4096], *out, err[1024];
  snprintf(sql, sizeof sql, fmt, pg_url, pg_url);
  if (run(sql, &out, err, sizeof err)) fprintf(stderr, "  error: %s\n", err);
  char *rows = rows_of(out, true);
  free(out);
  return rows;
}

TEST(postgres_numeric_38_2_in_and_out) {
  CHECK(pg_exec("CREATE TABLE dec_in (id int PRIMARY KEY, v numeric(38,2))"));
  CHECK(pg_exec("INSERT INTO dec_in VALUES (1, 123456789012345678901234567890123456.78), (2, -0.01), (3, NULL)"));
  CHECK(pg_exec("CREATE TABLE dec_out (id int PRIMARY KEY, v numeric(38,2))"));
  char *rows = run_pg("CREATE TABLE i (id INT, v DECIMAL(38, 2)) WITH ('connector' = 'jdbc', 'url' = '%s', 'table-name' = 'dec_in');\n"
                      "CREATE TABLE o (id INT, v DECIMAL(38, 2), PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'jdbc', "
                      "'url' = '%s', 'table-name' = 'dec_out');\n"
                      "INSERT INTO o SELECT id, v - 0.01 FROM i;\n"
                      "SELECT id, v FROM i;");
  CHECK_STR(rows, "+I[1, 123456789012345678901234567890123456.78]\n+I[2, -0.01]\n+I[3, <NULL>]\n");
  free(rows);
  char *got = pg_query("SELECT id, v FROM dec_out ORDER BY id");
  CHECK_STR(got, "1,123456789012345678901234567890123456.77;2,-0.02;3,null");
  free(got);
}

/* ---- kill -9 and resume ---- */

/* A SUM of DECIMAL(38, 2) per key in state, upserted into PostgreSQL: the job is
 * killed mid-stream and resumed from its newest checkpoint; the final sums hold every
 * row once only if the 128-bit accumulators came back from the checkpoint. */
TEST(sum_of_decimal_38_2_survives_kill_and_resume) {
  const char *bin = getenv("STROM_BIN");
  if (!bin || access(bin, X_OK)) {
    printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
    return;
  }
  CHECK(pg_exec("CREATE TABLE dec_sums (k int PRIMARY KEY, s numeric(38,2), n bigint)"));
  char dir[200], ckpt[250], s1[250], s2[250];
  snprintf(dir, sizeof dir, "/tmp/strom-decimal-kill-%d", (int)getpid());
  snprintf(ckpt, sizeof ckpt, "%s/ckpt", dir);
  snprintf(s1, sizeof s1, "%s/job.sql", dir);
  snprintf(s2, sizeof s2, "%s/resume.sql", dir);
  mkdir(dir, 0777);
  char job[4096];
  snprintf(job, sizeof job,
           "SET 'execution.checkpointing.interval' = '100 ms';\n"
           "SET 'state.checkpoints.dir' = '${CKPT}';\n"
           "SET 'state.checkpoints.num-retained' = '5';\n"
           "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '15000',\n"
           "  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '60000');\n"
           "CREATE TABLE sums (k INT, s DECIMAL(38, 2), n BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'jdbc',\n"
           "  'url' = '%s', 'table-name' = 'dec_sums');\n"
           "INSERT INTO sums SELECT CAST(MOD(id, 4) AS INT), SUM(CAST(id AS DECIMAL(20, 0)) * 100000000000000000000 + 0.01), COUNT(*)\n"
           "  FROM src GROUP BY MOD(id, 4);\n",
           pg_url);
  write_file(s1, job);
  char resume_job[4600];
  snprintf(resume_job, sizeof resume_job, "SET 'execution.savepoint.path' = '${RESUME}';\n%s", job);
  write_file(s2, resume_job);
  pid_t pid = spawn(bin, s1, ckpt, "", NULL, NULL);
  char chk[600] = "";
  for (int i = 0; i < 3000 && newest_checkpoint(ckpt, chk, sizeof chk) < 2; i++) sleep_ms(10);
  sleep_ms(150);
  int status = 0;
  CHECK(waitpid(pid, &status, WNOHANG) == 0); /* still running: killed mid-stream */
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  CHECK(newest_checkpoint(ckpt, chk, sizeof chk) >= 2);
  pid = spawn(bin, s2, ckpt, "", chk, NULL);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  /* ids 1..60000 by id mod 4: 15000 each; sums of ids 450030000, 449985000, 450000000,
   * 450015000, times 10^20, plus 15000 * 0.01 */
  char *got = pg_query("SELECT k, s, n FROM dec_sums ORDER BY k");
  CHECK_STR(got, "0,45003000000000000000000000150.00,15000;1,44998500000000000000000000150.00,15000;"
                 "2,45000000000000000000000000150.00,15000;3,45001500000000000000000000150.00,15000");
  free(got);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK_INT(system(cmd), 0);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  if (kmock_start(&MOCK)) { /* before any thread: the mock is a forked child */
    fprintf(stderr, "cannot start the Kafka mock cluster\n");
    printf("0 passed, 1 failed\n");
    return 1;
  }
  fcntl(fileno(MOCK.to), F_SETFD, FD_CLOEXEC); /* PostgreSQL's watchdog must not inherit the pipe */
  fcntl(fileno(MOCK.from), F_SETFD, FD_CLOEXEC);
  snprintf(tmp, sizeof tmp, "/tmp/strom-decimal-%d", (int)getpid());
  mkdir(tmp, 0777);
  RUN(row_holds_a_128_bit_decimal);
  RUN(types_follow_flinks_derivation);
  RUN(arithmetic_at_18_to_38_digits);
  RUN(fast_paths_equal_the_interpreter);
  RUN(casts_and_functions);
  RUN(truncate_toward_zero);
  RUN(arrays_and_maps_of_wide_decimals);
  RUN(group_by_a_decimal_30_2_key);
  RUN(json_and_csv_round_trip);
  RUN(kafka_debezium_json_changelog_of_wide_sums);
  if (pg_start()) {
    strncat(pg_url, "?user=postgres", sizeof pg_url - strlen(pg_url) - 1);
    RUN(postgres_numeric_38_2_in_and_out);
    RUN(sum_of_decimal_38_2_survives_kill_and_resume);
  } else {
    fprintf(stderr, "cannot start PostgreSQL (tests/pg_server.sh)\n");
    tests_failed++;
  }
  kmock_stop(&MOCK);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  TEST_MAIN_END();
}
