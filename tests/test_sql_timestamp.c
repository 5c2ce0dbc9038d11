/*
 * test_sql_timestamp.c -- TIMESTAMP(p) / TIMESTAMP_LTZ(p) / TIME(p) with p up to 9:
 * the row model (the codec of a TIMESTAMP(6) column, key bytes that tell apart two
 * values within one millisecond, the text form), SQL literals, CAST to and from STRING
 * and between precisions (truncation), comparison, ORDER BY, GROUP BY on a TIMESTAMP(9)
 * key, MIN/MAX, TIMESTAMPDIFF/TIMESTAMPADD, DATE_FORMAT, EXTRACT, +/- INTERVAL, a TUMBLE
 * window over a TIMESTAMP(6) rowtime with out-of-order rows, a json and a csv round
 * trip, a round trip through a real PostgreSQL timestamp(6) column, and a kill -9 and
 * resume of a job holding TIMESTAMP(6) values in window state.  Expected values are
 * computed by hand from Flink's semantics (TimestampStringUtils for the text form).
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "connectors/format.h"
#include "core/core.h"
#include "pg_test.h"
#include "sql_proc_test.h"
#include "sql_test.h"

static bool pg_ready;

static void put(const char *name, const char *text) {
  char path[400];
  snprintf(path, sizeof path, "%s/%s", tmp, name);
  write_file(path, text);
}

/* ---- row model ---- */

TEST(row_codec_and_keys_keep_nanoseconds) {
  char err[128];
  strom_schema *s = strom_schema_parse("a TIMESTAMP(6), b TIMESTAMP, c TIMESTAMP(9)", err, sizeof err);
  CHECK(s != NULL);
  CHECK_INT(strom_schema_col_precision(s, 0), 6);
  CHECK_INT(strom_schema_col_precision(s, 1), 3); /* the core's bare TIMESTAMP stays TIMESTAMP(3) */
  char buf[128];
  strom_schema_format(s, buf, sizeof buf);
  CHECK_STR(buf, "a TIMESTAMP(6), b TIMESTAMP(3), c TIMESTAMP(9)");
  CHECK(s->fixed_size == 12 + 8 + 12); /* a TIMESTAMP(3) keeps its 8 bytes */
  strom_row *r = strom_row_new(s), *back = strom_row_new(s);
  CHECK_INT(strom_row_set_timestamp_nanos(r, 0, 1767261600123, 456000), 0);
  CHECK_INT(strom_row_set_timestamp_nanos(r, 1, 1767261600123, 456000), 0);
  CHECK_INT(strom_row_set_timestamp_nanos(r, 2, -1, 999999), 0); /* 1969-12-31 23:59:59.999999999 */
  CHECK_INT(strom_row_set_timestamp_nanos(r, 2, 0, 1000000), STROM_EINVAL);
  CHECK_INT(strom_row_get_timestamp_nanos(r, 0), 456000);
  CHECK_INT(strom_row_get_timestamp_nanos(r, 1), 0); /* TIMESTAMP(3) holds no nanoseconds */
  strom_row_format(r, buf, sizeof buf);
  CHECK_STR(buf, "+I[2026-01-01 10:00:00.123456, 2026-01-01 10:00:00.123, 1969-12-31 23:59:59.999999999]");
  uint8_t enc[64];
  CHECK(strom__row_encoded_size(r) == 1 + 32);
  uint8_t *end = strom__row_encode(r, enc);
  CHECK_INT((int)(end - enc), 33);
  CHECK(strom__row_skip(s, enc, end) == end);
  CHECK(strom__row_decode(back, enc, end) == end);
  CHECK(strom_row_get_timestamp(back, 0) == 1767261600123);
  CHECK_INT(strom_row_get_timestamp_nanos(back, 0), 456000);
  CHECK_INT(strom_row_get_timestamp_nanos(back, 2), 999999);
  CHECK(strom__row_decode(back, enc, end - 1) == NULL); /* truncated */
  enc[1 + 8] = 0xff, enc[1 + 11] = 0xff; /* nanoseconds past 999999 */
  CHECK(strom__row_decode(back, enc, end) == NULL);
  /* keys: two values in the same millisecond are different keys */
  int k0 = 0;
  strom_row *r2 = strom_row_new(s);
  strom_row_set_timestamp_nanos(r2, 0, 1767261600123, 456001);
  CHECK(strom__key_hash(r, &k0, 1) != strom__key_hash(r2, &k0, 1));
  strom_row_set_timestamp_nanos(r2, 0, 1767261600123, 456000);
  CHECK(strom__key_hash(r, &k0, 1) == strom__key_hash(r2, &k0, 1));
  uint8_t kb[32];
  size_t kn = strom__key_bytes(r, &k0, 1, kb, sizeof kb);
  CHECK_INT((int)kn, 13);
  strom_schema *ks = strom_schema_new();
  strom_schema_add_timestamp(ks, "k", 6);
  strom_row *kr = strom_row_new(ks);
  CHECK_INT(strom__key_decode(kr, kb, kn), 0);
  CHECK_INT(strom_row_get_timestamp_nanos(kr, 0), 456000);
  CHECK_INT(strom__key_decode(kr, kb, kn - 1), STROM_EPARSE);
  /* text: parsed and truncated to the column's precision */
  CHECK_INT(strom__parse_value(r, 0, "2026-01-01T10:00:00.987654321Z", 30, err, sizeof err), 0);
  CHECK_INT(strom_row_get_timestamp_nanos(r, 0), 654000);
  CHECK_INT(strom__parse_value(r, 1, "2026-01-01 10:00:00.987654321", 29, err, sizeof err), 0);
  strom_row_format(r, buf, sizeof buf);
  CHECK_STR(buf, "+I[2026-01-01 10:00:00.987654, 2026-01-01 10:00:00.987, 1969-12-31 23:59:59.999999999]");
  CHECK(strom__parse_value(r, 0, "2026-01-01 10:00:00.1234567891", 30, err, sizeof err) == STROM_EPARSE);
  CHECK_STR(err, "cannot parse '2026-01-01 10:00:00.1234567891' as TIMESTAMP(6)");
  /* a TIMESTAMP(3) row keeps its encoding (checkpoints of before read back): the bitmap
   * byte and 8 little-endian bytes a column, the key 9 bytes */
  strom_schema *old = strom_schema_new();
  CHECK_INT(strom_schema_add(old, "t", STROM_TIMESTAMP), 0);
  CHECK_INT(strom_schema_add(old, "n", STROM_BIGINT), 0);
  strom_row *o = strom_row_new(old);
  strom_row_set_timestamp(o, 0, 0x0102030405060708LL);
  strom_row_set_bigint(o, 1, 9);
  uint8_t oenc[32], want[17] = {0, 8, 7, 6, 5, 4, 3, 2, 1, 9, 0, 0, 0, 0, 0, 0, 0};
  CHECK_INT((int)(strom__row_encode(o, oenc) - oenc), 17);
  CHECK(!memcmp(oenc, want, 17));
  CHECK_INT((int)strom__key_bytes(o, &k0, 1, kb, sizeof kb), 9);
  strom_row_free(o);
  strom_schema_free(old);
  strom_row_free(kr);
  strom_schema_free(ks);
  strom_row_free(r2);
  strom_row_free(r);
  strom_row_free(back);
  strom_schema_free(s);
}

/* ---- SQL values ---- */

/* ARRAY and MAP elements of TIMESTAMP(p > 3) keep their nanoseconds (they were cut to
 * milliseconds and printed uninitialised digits). */
TEST(collection_elements_keep_nanoseconds) {
  for (int i = 0; i < 3; i++) /* the garbage differed from run to run */
    CHECK_ROWS("SELECT a[1], a[2], CARDINALITY(a), m['k'] FROM (VALUES (ARRAY[TIMESTAMP '2020-01-01 00:00:00.123456', "
               "TIMESTAMP '1969-12-31 23:59:59.999999'], MAP['k', TIMESTAMP '2020-01-01 00:00:00.000001'])) AS t(a, m);",
               false,
               "+I[2020-01-01 00:00:00.123456, 1969-12-31 23:59:59.999999, 2, "
               "2020-01-01 00:00:00.000001]\n");
}

TEST(literals_casts_and_text) {
  CHECK_ROWS("SELECT TIMESTAMP '2026-01-01 10:00:00.123456789', TIMESTAMP '2026-01-01 10:00:00.1234',"
             " TIMESTAMP '2026-01-01 10:00:00';",
             false, "+I[2026-01-01 10:00:00.123456789, 2026-01-01 10:00:00.1234, 2026-01-01 10:00:00]\n");
  /* CAST between precisions truncates; CAST AS STRING prints the precision's digits */
  CHECK_ROWS("SELECT CAST(TIMESTAMP '2026-01-01 10:00:00.123456789' AS TIMESTAMP(6)),"
             " CAST(TIMESTAMP '2026-01-01 10:00:00.987654321' AS TIMESTAMP(3)),"
             " CAST(TIMESTAMP '2026-01-01 10:00:00.987' AS TIMESTAMP(0)),"
             " CAST(TIMESTAMP '1969-12-31 23:59:59.99' AS TIMESTAMP(1)),"
             " CAST(CAST(TIMESTAMP '2026-01-01 10:00:00.5' AS TIMESTAMP(9)) AS STRING);",
             false,
             "+I[2026-01-01 10:00:00.123456, 2026-01-01 10:00:00.987, 2026-01-01 10:00:00, 1969-12-31 23:59:59.9,"
             " 2026-01-01 10:00:00.500000000]\n");
  /* a bare TIMESTAMP is Flink's TIMESTAMP(6) */
  CHECK_ROWS("SELECT CAST('2026-01-01 10:00:00.5' AS TIMESTAMP), CAST('2026-01-01T10:00:00.1234567' AS TIMESTAMP_LTZ(7)),"
             " CAST('2026-01-01 10:00:00.000001' AS TIMESTAMP(6)) + INTERVAL '1' HOUR,"
             " CAST('2026-03-31 10:00:00.000001' AS TIMESTAMP(6)) - INTERVAL '1' MONTH;",
             false,
             "+I[2026-01-01 10:00:00.500000, 2026-01-01 10:00:00.1234567, 2026-01-01 11:00:00.000001,"
             " 2026-02-28 10:00:00.000001]\n");
  char *out, err[1024];
  CHECK_INT(run("CREATE TABLE t (a TIMESTAMP, b TIMESTAMP_LTZ, c TIMESTAMP(9), d TIME(3), e TIMESTAMP(0)) WITH"
                " ('connector' = 'datagen', 'number-of-rows' = '1'); DESCRIBE t;",
                &out, err, sizeof err),
            0);
  CHECK(strstr(out, " TIMESTAMP(6) "));
  CHECK(strstr(out, " TIMESTAMP_LTZ(6) "));
  CHECK(strstr(out, " TIMESTAMP(9) "));
  CHECK(strstr(out, " TIME(3) "));
  CHECK(strstr(out, " TIMESTAMP(0) "));
  free(out);
  /* TIME holds milliseconds; Flink's planner refuses TIME(p > 3) (test_sql_fidelity2.c) */
  CHECK_ROWS("SELECT CAST(CAST('12:34:56.123456' AS TIME(3)) AS STRING), CAST(TIMESTAMP '2026-01-01 12:34:56.123456' AS TIME(3));",
             false, "+I[12:34:56.123, 12:34:56.123]\n");
  /* a DATE meets a TIMESTAMP(6) as a TIMESTAMP(6) */
  CHECK_ROWS("SELECT CASE WHEN 1 = 2 THEN DATE '2026-01-01' ELSE TIMESTAMP '2026-01-01 00:00:00.123456' END,"
             " DATE '2026-01-01' < TIMESTAMP '2026-01-01 00:00:00.000001';",
             false, "+I[2026-01-01 00:00:00.123456, TRUE]\n");
  CHECK_ERR("SELECT CAST('2026-01-01' AS TIMESTAMP(10));", "TIMESTAMP precision must be between 0 and 9");
  CHECK_ERR("SELECT CAST('x' AS TIME(10));", "TIME precision must be between 0 and 9");
  CHECK_ERR("SELECT CAST('2026-01-01 10:00:00.1234567891' AS TIMESTAMP(9));", "cannot cast '2026-01-01 10:00:00.1234567891' to TIMESTAMP(9)");
  CHECK_ERR("SELECT TIMESTAMP '2026-01-01 10:00:00.1234567891';", "malformed timestamp");
}

#define TWO_IN_ONE_MS                                                                                             \
  "CREATE VIEW v AS SELECT id, CAST(s AS TIMESTAMP(9)) AS t FROM (VALUES (1, '2026-01-01 10:00:00.123000002'),"   \
  " (2, '2026-01-01 10:00:00.123000001'), (3, '2026-01-01 10:00:00.122999999'), (4, '2026-01-01 10:00:00.123000002'),"  \
  " (5, '2026-01-01 10:00:00.124')) AS x(id, s);"

TEST(order_group_compare_min_max) {
  /* ORDER BY: values within one millisecond ordered by their nanoseconds */
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';" TWO_IN_ONE_MS "SELECT id, t FROM v ORDER BY t, id;", false,
             "+I[3, 2026-01-01 10:00:00.122999999]\n+I[2, 2026-01-01 10:00:00.123000001]\n"
             "+I[1, 2026-01-01 10:00:00.123000002]\n+I[4, 2026-01-01 10:00:00.123000002]\n"
             "+I[5, 2026-01-01 10:00:00.124000000]\n");
  CHECK_ROWS(TWO_IN_ONE_MS "SELECT id FROM v WHERE t > TIMESTAMP '2026-01-01 10:00:00.123000001';", true, "+I[1]\n+I[4]\n+I[5]\n");
  CHECK_ROWS(TWO_IN_ONE_MS "SELECT id FROM v WHERE t = CAST('2026-01-01 10:00:00.123000002' AS TIMESTAMP(9));", true,
             "+I[1]\n+I[4]\n");
  /* GROUP BY a TIMESTAMP(9) key: 1 and 4 share it, 2 (one nanosecond off) does not (a batch
   * query, so each group's final row) */
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';" TWO_IN_ONE_MS "SELECT t, COUNT(*), SUM(id) FROM v GROUP BY t;", true,
             "+I[2026-01-01 10:00:00.122999999, 1, 3]\n+I[2026-01-01 10:00:00.123000001, 1, 2]\n"
             "+I[2026-01-01 10:00:00.123000002, 2, 5]\n+I[2026-01-01 10:00:00.124000000, 1, 5]\n");
  CHECK_ROWS("SET 'execution.runtime-mode' = 'batch';" TWO_IN_ONE_MS
             "SELECT MIN(t), MAX(t), MAX(CAST(t AS TIMESTAMP(3))) FROM v WHERE id < 5;",
             false, "+I[2026-01-01 10:00:00.122999999, 2026-01-01 10:00:00.123000002, 2026-01-01 10:00:00.123]\n");
  /* streaming: the GROUP BY's changelog and a regular join on the TIMESTAMP(9) key */
  CHECK_ROWS(TWO_IN_ONE_MS "SELECT t, COUNT(*) FROM v WHERE id < 5 GROUP BY t;", true,
             "+I[2026-01-01 10:00:00.122999999, 1]\n+I[2026-01-01 10:00:00.123000001, 1]\n"
             "+I[2026-01-01 10:00:00.123000002, 1]\n+U[2026-01-01 10:00:00.123000002, 2]\n"
             "-U[2026-01-01 10:00:00.123000002, 1]\n");
  CHECK_ROWS(TWO_IN_ONE_MS "SELECT a.id, b.id FROM v AS a JOIN v AS b ON a.t = b.t WHERE a.id < b.id;", false, "+I[1, 4]\n");
  CHECK_ROWS(TWO_IN_ONE_MS "SELECT id, CASE WHEN id = 1 THEN t ELSE TIMESTAMP '2026-01-01 00:00:00' END FROM v WHERE id < 3;",
             true, "+I[1, 2026-01-01 10:00:00.123000002]\n+I[2, 2026-01-01 00:00:00.000000000]\n");
}

TEST(functions) {
  CHECK_ROWS("SELECT EXTRACT(MICROSECOND FROM TIMESTAMP '2026-01-01 10:00:07.123456789'),"
             " EXTRACT(NANOSECOND FROM TIMESTAMP '2026-01-01 10:00:07.123456789'),"
             " EXTRACT(MILLISECOND FROM TIMESTAMP '2026-01-01 10:00:07.123456789'),"
             " EXTRACT(MICROSECOND FROM TIMESTAMP '2026-01-01 10:00:07.123');",
             false, "+I[7123456, 7123456789, 7123, 7123000]\n");
  CHECK_ROWS("SELECT DATE_FORMAT(TIMESTAMP '2026-01-01 10:00:07.123456789', 'HH:mm:ss.SSSSSS'),"
             " DATE_FORMAT(TIMESTAMP '2026-01-01 10:00:07.123456789', 'ss.SSSSSSSSS'),"
             " DATE_FORMAT(TIMESTAMP '2026-01-01 10:00:07.123456789', 'ss.SSS');",
             false, "+I[10:00:07.123456, 07.123456789, 07.123]\n");
  /* TIMESTAMPDIFF counts whole units from the first to the second (sub-millisecond parts count) */
  CHECK_ROWS("SELECT TIMESTAMPDIFF(SECOND, TIMESTAMP '2026-01-01 00:00:00.0005', TIMESTAMP '2026-01-01 00:00:01.0004'),"
             " TIMESTAMPDIFF(SECOND, TIMESTAMP '2026-01-01 00:00:00.0005', TIMESTAMP '2026-01-01 00:00:01.0005'),"
             " TIMESTAMPDIFF(MICROSECOND, TIMESTAMP '2026-01-01 00:00:00.000001', TIMESTAMP '2026-01-01 00:00:00.000301'),"
             " TIMESTAMPDIFF(HOUR, TIMESTAMP '2026-01-02 00:00:00', TIMESTAMP '2026-01-01 01:00:00'),"
             " TIMESTAMPDIFF(MONTH, TIMESTAMP '2026-01-15 10:00:00', TIMESTAMP '2026-03-15 09:59:59'),"
             " TIMESTAMPDIFF(YEAR, TIMESTAMP '2020-02-29 00:00:00', TIMESTAMP '2026-03-01 00:00:00');",
             false, "+I[0, 1, 300, -23, 1, 6]\n");
  CHECK_ROWS("SELECT TIMESTAMPADD(MICROSECOND, 5, TIMESTAMP '2026-01-01 00:00:00.999999'),"
             " TIMESTAMPADD(DAY, -1, TIMESTAMP '2026-01-01 00:00:00.123456789'),"
             " TIMESTAMPADD(MONTH, 1, TIMESTAMP '2026-01-31 10:00:00.5'),"
             " TIMESTAMPADD(NANOSECOND, 1, TIMESTAMP '2026-01-01 00:00:00.000000');",
             false,
             "+I[2026-01-01 00:00:01.000004, 2025-12-31 00:00:00.123456789, 2026-02-28 10:00:00.5, 2026-01-01 00:00:00.000000]\n");
  /* TO_TIMESTAMP is TIMESTAMP(3): a six-digit fraction is cut to milliseconds */
  CHECK_ROWS("SELECT TO_TIMESTAMP('2026-01-01 10:00:00.123456', 'yyyy-MM-dd HH:mm:ss.SSSSSS');", false,
             "+I[2026-01-01 10:00:00.123]\n");
  /* TO_TIMESTAMP_LTZ(epoch, p): p = 0..9 (Flink 2.3), TIMESTAMP_LTZ(p) for p > 3 */
  CHECK_ROWS("SELECT TO_TIMESTAMP_LTZ(1767261600123456, 6), TO_TIMESTAMP_LTZ(-1, 9), TO_TIMESTAMP_LTZ(17672616001, 1),"
             " TO_TIMESTAMP_LTZ(1767261600123, 3);",
             false, "+I[2026-01-01 10:00:00.123456, 1969-12-31 23:59:59.999999999, 2026-01-01 10:00:00.100, 2026-01-01 10:00:00.123]\n");
  CHECK_ERR("SELECT TO_TIMESTAMP_LTZ(1, 10);", "the precision must be a literal 0 to 9");
  CHECK_ERR("SELECT TO_TIMESTAMP_LTZ(9223372036854775807, 6);", "outside the TIMESTAMP range");
  CHECK_ERR("SELECT TIMESTAMPDIFF(FORTNIGHT, TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-01 00:00:00');",
            "TIMESTAMPDIFF: unknown unit FORTNIGHT");
}

/* ---- event time ---- */

/* Rows of a TIMESTAMP(6) rowtime, out of order within the watermark's 2 s delay:
 * 1-second windows; window_start/end are TIMESTAMP(3), MAX keeps the microseconds. */
TEST(tumble_over_timestamp6_rowtime) {
  put("ev.csv",
      "1,2026-01-01 10:00:00.100001\n"
      "2,2026-01-01 10:00:01.500002\n"
      "3,2026-01-01 10:00:00.999999\n" /* late for nothing: the watermark is 10:00:01.500002 - 2 s */
      "4,2026-01-01 10:00:01.000000\n"
      "5,2026-01-01 10:00:00.999998\n"
      "6,2026-01-01 10:00:03.250000\n"
      "7,2026-01-01 10:00:01.999999\n");
  const char *ddl = "CREATE TABLE ev (id INT, ts TIMESTAMP(6), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH"
                    " ('connector' = 'filesystem', 'path' = '${TMP}/ev.csv', 'format' = 'csv');";
  char sql[2048];
  snprintf(sql, sizeof sql,
           "%sSELECT window_start, window_end, COUNT(*), MAX(ts), MIN(ts), SUM(id) FROM TABLE(TUMBLE(TABLE ev,"
           " DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end;",
           ddl);
  CHECK_ROWS(sql, true,
             "+I[2026-01-01 10:00:00.000, 2026-01-01 10:00:01.000, 3, 2026-01-01 10:00:00.999999, 2026-01-01 10:00:00.100001, 9]\n"
             "+I[2026-01-01 10:00:01.000, 2026-01-01 10:00:02.000, 3, 2026-01-01 10:00:01.999999, 2026-01-01 10:00:01.000000, 13]\n"
             "+I[2026-01-01 10:00:03.000, 2026-01-01 10:00:04.000, 1, 2026-01-01 10:00:03.250000, 2026-01-01 10:00:03.250000, 6]\n");
  /* HOP over a computed TIMESTAMP(6) rowtime (evaluated per row, not folded into the row time) */
  snprintf(sql, sizeof sql,
           "CREATE TABLE ev2 (id INT, s STRING, ts AS CAST(s AS TIMESTAMP(6)), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)"
           " WITH ('connector' = 'filesystem', 'path' = '${TMP}/ev.csv', 'format' = 'csv');"
           "SELECT window_start, COUNT(*), MAX(ts) FROM TABLE(HOP(TABLE ev2, DESCRIPTOR(ts), INTERVAL '1' SECOND,"
           " INTERVAL '2' SECOND)) GROUP BY window_start, window_end;");
  CHECK_ROWS(sql, true,
             "+I[2026-01-01 09:59:59.000, 3, 2026-01-01 10:00:00.999999]\n"
             "+I[2026-01-01 10:00:00.000, 6, 2026-01-01 10:00:01.999999]\n"
             "+I[2026-01-01 10:00:01.000, 3, 2026-01-01 10:00:01.999999]\n"
             "+I[2026-01-01 10:00:02.000, 1, 2026-01-01 10:00:03.250000]\n"
             "+I[2026-01-01 10:00:03.000, 1, 2026-01-01 10:00:03.250000]\n");
  char *out, err[1024];
  snprintf(sql, sizeof sql, "%sDESCRIBE ev;", ddl);
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  CHECK(strstr(out, "| TIMESTAMP(6) *ROWTIME* |"));
  free(out);
  /* the window TVF keeps the rowtime column's precision */
  snprintf(sql, sizeof sql,
           "%sSELECT id, ts, window_start FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' SECOND)) WHERE id = 3;", ddl);
  CHECK_ROWS(sql, false, "+I[3, 2026-01-01 10:00:00.999999, 2026-01-01 10:00:00.000]\n");
}

/* ---- formats ---- */

TEST(json_and_csv_round_trip) {
  put("in.json",
      "{\"id\": 1, \"t\": \"2026-01-01 10:00:00.123456\", \"n\": \"2026-01-01T10:00:00.123456789Z\"}\n"
      "{\"id\": 2, \"t\": \"2026-01-01T10:00:00.5\", \"n\": \"2026-01-01 10:00:00\"}\n");
  CHECK_ROWS("CREATE TABLE src (id INT, t TIMESTAMP(6), n TIMESTAMP(9)) WITH ('connector' = 'filesystem',"
             " 'path' = '${TMP}/in.json', 'format' = 'json');"
             "CREATE TABLE dst (id INT, t TIMESTAMP(6), n TIMESTAMP(9)) WITH ('connector' = 'filesystem',"
             " 'path' = '${TMP}/out-json', 'format' = 'json');"
             "CREATE TABLE dstc (id INT, t TIMESTAMP(6), n TIMESTAMP(9)) WITH ('connector' = 'filesystem',"
             " 'path' = '${TMP}/out-csv', 'format' = 'csv');"
             "INSERT INTO dst SELECT * FROM src; INSERT INTO dstc SELECT * FROM src;"
             "CREATE TABLE back (id INT, t TIMESTAMP(6), n TIMESTAMP(9)) WITH ('connector' = 'filesystem',"
             " 'path' = '${TMP}/out-json', 'format' = 'json');"
             "CREATE TABLE backc (id INT, t TIMESTAMP(6), n TIMESTAMP(9)) WITH ('connector' = 'filesystem',"
             " 'path' = '${TMP}/out-csv', 'format' = 'csv');"
             "SELECT * FROM back UNION ALL SELECT id + 10, t, n FROM backc;",
             true,
             "+I[1, 2026-01-01 10:00:00.123456, 2026-01-01 10:00:00.123456789]\n"
             "+I[11, 2026-01-01 10:00:00.123456, 2026-01-01 10:00:00.123456789]\n"
             "+I[12, 2026-01-01 10:00:00.500000, 2026-01-01 10:00:00.000000000]\n"
             "+I[2, 2026-01-01 10:00:00.500000, 2026-01-01 10:00:00.000000000]\n");
  char cmd[600];
  snprintf(cmd, sizeof cmd, "grep -h -q '\"t\":\"2026-01-01 10:00:00.123456\",\"n\":\"2026-01-01 10:00:00.123456789\"' %s/out-json/*",
           tmp);
  CHECK_INT(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "grep -h -q '^2,2026-01-01 10:00:00.500000,2026-01-01 10:00:00.000000000$' %s/out-csv/*", tmp);
  CHECK_INT(system(cmd), 0);
  /* the print connector shows Java's LocalDateTime: fractions in groups of three digits */
  char *out, err[1024];
  CHECK_INT(run("CREATE TABLE p (a TIMESTAMP(9), b TIMESTAMP(6)) WITH ('connector' = 'print');"
                "INSERT INTO p VALUES (TIMESTAMP '2026-01-01 10:00:00.123400000', TIMESTAMP '2026-01-01 10:00:00.000000');",
                &out, err, sizeof err),
            0);
  CHECK(strstr(out, "+I[2026-01-01T10:00:00.123400, 2026-01-01T10:00]"));
  free(out);
}

/* debezium-json: Debezium's epoch numbers by the column's precision (Timestamp in
 * milliseconds, MicroTimestamp, NanoTimestamp) and ISO strings; written as text. */
TEST(debezium_epoch_timestamps) {
  strom_schema *s = strom_schema_parse("id BIGINT, a TIMESTAMP(3), b TIMESTAMP(6), c TIMESTAMP(9)", NULL, 0);
  strom_format f;
  char err[256], buf[256];
  CHECK_INT(strom__format_init(&f, &(strom_format_opts){.kind = STROM_FORMAT_DEBEZIUM_JSON}, s, NULL, err, sizeof err), 0);
  strom_row *a = strom_row_new(s), *b = strom_row_new(s);
  int n;
  /* 1767261600123 ms = 2026-01-01 10:00:00.123; -1 us = 1969-12-31 23:59:59.999999 */
  const char *c = "{\"before\":null,\"after\":{\"id\":1,\"a\":1767261600123,\"b\":-1,\"c\":1767261600123456789},\"op\":\"c\"}";
  CHECK_INT(strom__format_decode_changes(&f, c, strlen(c), a, b, &n, err, sizeof err), 0);
  strom_row_format(a, buf, sizeof buf);
  CHECK_STR(buf, "+I[1, 2026-01-01 10:00:00.123, 1969-12-31 23:59:59.999999, 2026-01-01 10:00:00.123456789]");
  const char *iso = "{\"before\":null,\"after\":{\"id\":2,\"b\":\"2026-01-01T10:00:00.000001Z\"},\"op\":\"r\"}";
  CHECK_INT(strom__format_decode_changes(&f, iso, strlen(iso), a, b, &n, err, sizeof err), 0);
  strom_row_format(a, buf, sizeof buf);
  CHECK_STR(buf, "+I[2, null, 2026-01-01 10:00:00.000001, null]");
  strom_buf out = {0};
  CHECK_INT(strom__format_encode(&f, a, &out), 0);
  CHECK(out.p && strstr(out.p, "\"b\":\"2026-01-01 10:00:00.000001\""));
  strom__buf_free(&out);
  const char *bad = "{\"before\":null,\"after\":{\"id\":3,\"b\":1.5},\"op\":\"c\"}";
  CHECK_INT(strom__format_decode_changes(&f, bad, strlen(bad), a, b, &n, err, sizeof err), STROM_EPARSE);
  CHECK(strstr(err, "1.5 is not an epoch microseconds of the TIMESTAMP range") != NULL);
  const char *far = "{\"before\":null,\"after\":{\"id\":3,\"a\":9223372036854775807},\"op\":\"c\"}";
  CHECK_INT(strom__format_decode_changes(&f, far, strlen(far), a, b, &n, err, sizeof err), STROM_EPARSE);
  strom__format_free(&f);
  strom_row_free(a);
  strom_row_free(b);
  strom_schema_free(s);
}

TEST(postgresql_timestamp6_round_trip) {
  if (!pg_ready) {
    fprintf(stderr, "  no PostgreSQL server (postgresql package): skipped\n");
    CHECK(0);
    return;
  }
  CHECK(pg_exec("DROP TABLE IF EXISTS ts6"));
  CHECK(pg_exec("CREATE TABLE ts6 (id int PRIMARY KEY, t timestamp(6))"));
  CHECK(pg_exec("INSERT INTO ts6 VALUES (1, '2026-01-01 10:00:00.123456'), (2, '1969-12-31 23:59:59.999999'), (3, NULL)"));
  char ddl[1024], sql[4096];
  snprintf(ddl, sizeof ddl,
           "CREATE TABLE ts6 (id INT, t TIMESTAMP(6), PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'jdbc',"
           " 'url' = '%s', 'table-name' = 'ts6', 'username' = 'postgres');",
           pg_url);
  snprintf(sql, sizeof sql, "%sSELECT id, t FROM ts6;", ddl);
  CHECK_ROWS(sql, true, "+I[1, 2026-01-01 10:00:00.123456]\n+I[2, 1969-12-31 23:59:59.999999]\n+I[3, <NULL>]\n");
  snprintf(sql, sizeof sql,
           "%sINSERT INTO ts6 SELECT id + 10, t + INTERVAL '1' DAY FROM ts6 WHERE id < 3;"
           "INSERT INTO ts6 VALUES (20, CAST('2026-06-01 00:00:00.000001' AS TIMESTAMP(6)));",
           ddl);
  char *out, err[1024];
  int rc = run(sql, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  free(out);
  char *got = pg_query("SELECT id, t FROM ts6 WHERE id >= 10 ORDER BY id");
  CHECK_STR(got, "11,2026-01-02 10:00:00.123456;12,1970-01-01 23:59:59.999999;20,2026-06-01 00:00:00.000001");
  free(got);
}

/* A TUMBLE aggregation of Nexmark bids holding TIMESTAMP(6) MIN/MAX values and a
 * TIMESTAMP(6) key in window state: run once, and once killed with SIGKILL after three
 * checkpoints and resumed from the newest; the committed rows must be the same. */
TEST(timestamp6_state_killed_and_resumed) {
  const char *bin = strom_bin();
  if (!bin) return;
  const char *job2 =
      "SET 'parallelism.default' = '2';\n"
      KILL_TEST_SETS
      "CREATE TABLE nx (event_type INT, bid_auction BIGINT, bid_price BIGINT, date_time TIMESTAMP(3),"
      " WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND) "
      "WITH ('connector' = 'nexmark', 'events.num' = '300000', 'rate-limit' = '100000', 'first-event.rate' = '100000');\n"
      "CREATE VIEW b AS SELECT bid_auction, date_time,"
      " CAST(CAST(date_time AS STRING) || CAST(MOD(bid_price, 900) + 100 AS STRING) AS TIMESTAMP(6)) AS t6,"
      " CAST('2026-01-01 00:00:00.' || CAST(MOD(bid_auction, 3) + 100000 AS STRING) AS TIMESTAMP(6)) AS k"
      " FROM nx WHERE event_type = 2;\n"
      "CREATE TABLE dst (ws TIMESTAMP(3), k TIMESTAMP(6), n BIGINT, lo TIMESTAMP(6), hi TIMESTAMP(6)) WITH"
      " ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'csv');\n"
      "INSERT INTO dst SELECT window_start, k, COUNT(*), MIN(t6), MAX(t6) FROM TABLE(TUMBLE(TABLE b,"
      " DESCRIPTOR(date_time), INTERVAL '1' SECOND)) GROUP BY window_start, window_end, k;\n";
  CHECK(killed_run_agrees(bin, tmp, "k", job2, 3));
  char cmd[4096];
  /* a window per second and key: 3 keys, microsecond digits kept */
  snprintf(cmd, sizeof cmd, "test $(wc -l < %s/k1.txt) -gt 6", tmp);
  CHECK_INT(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "grep -q -E '^[0-9 :.-]+,2026-01-01 00:00:00.100002,[0-9]+,[0-9 :-]+[.][0-9]{6},' %s/k1.txt", tmp);
  CHECK_INT(system(cmd), 0);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-timestamp-%d", (int)getpid());
  mkdir(tmp, 0777);
  pg_ready = pg_start();
  RUN(row_codec_and_keys_keep_nanoseconds);
  RUN(literals_casts_and_text);
  RUN(collection_elements_keep_nanoseconds);
  RUN(order_group_compare_min_max);
  RUN(functions);
  RUN(tumble_over_timestamp6_rowtime);
  RUN(json_and_csv_round_trip);
  RUN(debezium_epoch_timestamps);
  RUN(postgresql_timestamp6_round_trip);
  RUN(timestamp6_state_killed_and_resumed);
  pg_stop();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  TEST_MAIN_END();
}
