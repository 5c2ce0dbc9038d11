/*
 * test_kafka_sql.c -- what SQL tables add to the Kafka connector, through a session
 * against librdkafka's mock cluster (tests/kafka_mock.h): METADATA columns (timestamp,
 * partition, offset, topic, timestamp-type, headers as a JSON object string) read by the
 * source, VIRTUAL ones left out of INSERT, timestamp and headers written by the sink
 * (checked on the records themselves), key columns from key.format/key.fields, clear
 * errors for unknown, read-only and unsupported metadata, and a WATERMARK on a
 * metadata column generated in the source (per partition) feeding a TUMBLE window.
 */
#include "kafka_sql_test.h"

static char *query(const char *sql) { return query_rows(sql, true); }

/* ---- data: three records with keys, timestamps and headers ---- */

static const int64_t T0 = 1700000000000; /* 2023-11-14 22:13:20 UTC */

static int produce_meta(void) {
  rd_kafka_t *rk = kmock_producer(&MOCK);
  if (!rk) return -1;
  int rc = 0;
  rc |= rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("meta"), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY("k1", 2),
                          RD_KAFKA_V_VALUE("{\"id\":1,\"name\":\"a\"}", 19), RD_KAFKA_V_TIMESTAMP(T0 + 1000),
                          RD_KAFKA_V_HEADER("h1", "v1", 2), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  rc |= rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("meta"), RD_KAFKA_V_PARTITION(1), RD_KAFKA_V_KEY("k2", 2),
                          RD_KAFKA_V_VALUE("{\"id\":2,\"name\":\"b\"}", 19), RD_KAFKA_V_TIMESTAMP(T0 + 7000),
                          RD_KAFKA_V_HEADER("x", "q\"t", 3), RD_KAFKA_V_HEADER("z", NULL, 0),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  rc |= rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("meta"), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY("k1", 2),
                          RD_KAFKA_V_VALUE("{\"id\":3,\"name\":\"c\"}", 19), RD_KAFKA_V_TIMESTAMP(T0 + 2000),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  if (rd_kafka_flush(rk, 10000)) rc = -1;
  rd_kafka_destroy(rk);
  return rc;
}

#define SRC_DDL                                                                                                       \
  "CREATE TABLE src (k STRING, id BIGINT, name STRING, "                                                              \
  "ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp', p INT METADATA FROM 'partition' VIRTUAL, "                          \
  "o BIGINT METADATA FROM 'offset' VIRTUAL, t STRING METADATA FROM 'topic' VIRTUAL, "                                 \
  "tt STRING METADATA FROM 'timestamp-type' VIRTUAL, headers STRING METADATA%s) WITH ('connector' = 'kafka', "       \
  "'topic' = 'meta', 'properties.bootstrap.servers' = '${BS}', 'key.format' = 'raw', 'key.fields' = 'k', "            \
  "'value.format' = 'json', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');\n"

TEST(setup) {
  CHECK_INT(kmock_topic(&MOCK, "meta", 2), 0);
  CHECK_INT(kmock_topic(&MOCK, "meta_out", 1), 0);
  CHECK_INT(produce_meta(), 0);
}

TEST(source_fills_metadata_and_key_columns) {
  char sql[2048];
  snprintf(sql, sizeof sql, SRC_DDL "SELECT id, k, name, ts, p, o, t, tt, headers FROM src;", "");
  /* the value's columns, the key, then each record's metadata; headers as a JSON object
   * (a header without a value is null) */
  CHECK_QUERY(sql, "+I[1, k1, a, 2023-11-14 22:13:21.000, 0, 0, meta, CreateTime, {\"h1\":\"v1\"}]\n"
                   "+I[2, k2, b, 2023-11-14 22:13:27.000, 1, 0, meta, CreateTime, {\"x\":\"q\\\"t\",\"z\":null}]\n"
                   "+I[3, k1, c, 2023-11-14 22:13:22.000, 0, 1, meta, CreateTime, {}]\n");
}

#define DST_DDL(name, cols)                                                                                     \
  "CREATE TABLE " name " (" cols ") WITH ('connector' = 'kafka', 'topic' = 'meta_out', "                      \
  "'properties.bootstrap.servers' = '${BS}', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset', "      \
  "'scan.bounded.mode' = 'latest-offset');\n"

static void on_value(void *arg, int32_t part, int64_t off, const char *key, size_t kn, const char *val, size_t vn) {
  (void)part, (void)off, (void)key, (void)kn;
  char *all = arg;
  strncat(all, val, vn < 200 ? vn : 200);
  strcat(all, "\n");
}

/* The sink writes a non-virtual timestamp and headers into the records (read back by
 * the source's own metadata columns); the VIRTUAL partition column is not part of
 * INSERT INTO's columns and no metadata column is in the JSON value. */
TEST(sink_writes_timestamp_and_headers_not_virtual_columns) {
  char sql[4096];
  snprintf(sql, sizeof sql,
           SRC_DDL DST_DDL("dst", "id BIGINT, name STRING, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp', "
                                  "headers STRING METADATA, p INT METADATA FROM 'partition' VIRTUAL")
               "INSERT INTO dst SELECT id, name, ts, headers FROM src;\n"
               "INSERT INTO dst (id, name, headers) VALUES (4, 'd', '{\"a\": \"1\", \"a\": \"2\"}');\n",
           "");
  CHECK_QUERY(sql, "");
  CHECK_QUERY(DST_DDL("dst", "id BIGINT, name STRING, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp', "
                             "headers STRING METADATA, p INT METADATA FROM 'partition' VIRTUAL")
              "SELECT id, name, ts, headers, p FROM dst WHERE id < 4;",
              "+I[1, a, 2023-11-14 22:13:21.000, {\"h1\":\"v1\"}, 0]\n"
              "+I[2, b, 2023-11-14 22:13:27.000, {\"x\":\"q\\\"t\",\"z\":null}, 0]\n"
              "+I[3, c, 2023-11-14 22:13:22.000, {}, 0]\n");
  /* a repeated header name stays repeated */
  CHECK_QUERY(DST_DDL("dst", "id BIGINT, headers STRING METADATA VIRTUAL") "SELECT id, headers FROM dst WHERE id = 4;",
              "+I[4, {\"a\":\"1\",\"a\":\"2\"}]\n");
  char values[2048] = "";
  CHECK_INT(kmock_read_all(&MOCK, "meta_out", on_value, values), 4);
  CHECK(strstr(values, "\"id\":1") && strstr(values, "\"name\":\"a\""));
  CHECK(!strstr(values, "ts") && !strstr(values, "headers") && !strstr(values, "\"p\""));
}

TEST(metadata_errors_are_clear) {
  char sql[4096];
  CHECK_QUERY(DST_DDL("bad", "id BIGINT, p INT METADATA FROM 'partition'") "INSERT INTO bad SELECT 1, 2;",
              "error: table 'bad': Kafka sink: metadata column 'p' ('partition') is read-only: the sink writes only "
              "timestamp and headers (declare it VIRTUAL)");
  CHECK_QUERY(DST_DDL("bad", "id BIGINT, p STRING METADATA FROM 'partition'") "SELECT * FROM bad;",
              "error: table 'bad': Kafka source: metadata column 'p' ('partition') must be INT");
  char *got = query(DST_DDL("bad", "id BIGINT, e INT METADATA FROM 'leader-epoch'"));
  CHECK(strstr(got, "column 'e': unknown Kafka metadata key 'leader-epoch'") != NULL);
  free(got);
  got = query("CREATE TABLE g (id BIGINT, p INT METADATA FROM 'partition') WITH ('connector' = 'datagen');");
  CHECK(strstr(got, "connector 'datagen' has no metadata columns (column 'p')") != NULL);
  free(got);
  got = query(DST_DDL("bad", "id BIGINT, headers STRING METADATA") "INSERT INTO bad VALUES (1, 'h1=v1');");
  CHECK(strstr(got, "headers expected '{' at byte 0") != NULL);
  free(got);
  snprintf(sql, sizeof sql, "%s", DST_DDL("bad", "id BIGINT, h MAP<STRING, BYTES> METADATA FROM 'headers'"));
  got = query(sql); /* Flink's type of the column (branch bytes: tests/test_sql_bytes.c) */
  CHECK_STR(got, "");
  free(got);
  got = query(DST_DDL("bad", "id BIGINT, h MAP<STRING, STRING> METADATA FROM 'headers'"));
  CHECK(strstr(got, "column 'h': Kafka headers are a STRING holding a JSON object here") != NULL);
  free(got);
}

/* WATERMARK FOR a metadata column is generated in the source per partition: the 5 s
 * windows of T0 + 1 s, 2 s (partition 0) and 7 s (partition 1) hold 2 and 1 records. */
TEST(watermark_on_a_metadata_column_is_pushed_into_the_source) {
  char sql[4096];
  snprintf(sql, sizeof sql,
           SRC_DDL "SELECT window_start, window_end, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), "
                   "INTERVAL '5' SECOND)) GROUP BY window_start, window_end;",
           ", WATERMARK FOR ts AS ts - INTERVAL '1' SECOND");
  CHECK_QUERY(sql, "+I[2023-11-14 22:13:20.000, 2023-11-14 22:13:25.000, 2]\n"
                   "+I[2023-11-14 22:13:25.000, 2023-11-14 22:13:30.000, 1]\n");
  /* the source's watermark options, and a bad duration */
#define O2_DDL(idle)                                                                                               \
  "CREATE TABLE o2 (id BIGINT, ts TIMESTAMP(3) METADATA FROM 'timestamp', WATERMARK FOR ts AS ts) WITH ("          \
  "'connector' = 'kafka', 'topic' = 'meta', 'properties.bootstrap.servers' = '${BS}', 'value.format' = 'json', "   \
  "'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', "                              \
  "'scan.watermark.idle-timeout' = '" idle "', 'scan.topic-partition-discovery.interval' = '1 min');\n"
  CHECK_QUERY(O2_DDL("1 s") "SELECT id FROM o2;", "+I[1]\n+I[2]\n+I[3]\n");
  CHECK_QUERY(O2_DDL("soon") "SELECT id FROM o2;",
              "error: table 'o2': Kafka source: option 'scan.watermark.idle-timeout' has an invalid value 'soon'");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (kmock_start_or_fail(&MOCK)) return 1;
  RUN(setup);
  RUN(source_fills_metadata_and_key_columns);
  RUN(sink_writes_timestamp_and_headers_not_virtual_columns);
  RUN(metadata_errors_are_clear);
  RUN(watermark_on_a_metadata_column_is_pushed_into_the_source);
  kmock_stop(&MOCK);
  TEST_MAIN_END();
}
