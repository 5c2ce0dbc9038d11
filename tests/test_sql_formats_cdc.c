/*
 * test_sql_formats_cdc.c -- the canal-json, maxwell-json and avro formats through SQL
 * tables on librdkafka's mock cluster (tests/kafka_mock.h): hand-written Canal and
 * Maxwell messages read as the changelog rows Flink gives (batches, UPDATE's partial
 * "old", DDL skipped, database/table filters), a GROUP BY over a canal-json source
 * taking the retractions, the sinks' records checked byte for byte and read back, avro
 * records compared with hand-encoded Avro bytes both ways, and malformed records failing
 * with the format, topic and offset named (or skipped with ignore-parse-errors).
 */
#include "kafka_sql_test.h"

/* Rows in the order the tableau printed them. */
static char *query(const char *sql) { return query_rows(sql, false); }

/* The records of a topic, each as hex (binary) or text, one a line. */
typedef struct recs {
  strom_buf b;
  bool hex;
} recs;

static void collect(void *arg, int32_t part, int64_t off, const char *key, size_t kn, const char *val, size_t vn) {
  (void)part, (void)off, (void)key, (void)kn;
  recs *r = arg;
  if (r->hex)
    for (size_t i = 0; i < vn; i++) strom__buf_printf(&r->b, "%02x", (unsigned char)val[i]);
  else
    strom__buf_append(&r->b, val, vn);
  strom__buf_append(&r->b, "\n", 1);
}

static char *records(const char *topic, bool hex) {
  recs r = {.hex = hex};
  kmock_read_all(&MOCK, topic, collect, &r);
  if (!r.b.p) strom__buf_append(&r.b, "", 0);
  return r.b.p;
}

#define KAFKA(topic, fmt, extra)                                                                               \
  "'connector' = 'kafka', 'topic' = '" topic "', 'properties.bootstrap.servers' = '${BS}', 'format' = '" fmt \
  "', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'" extra

/* ---- canal-json ---- */

static const char *const CANAL[] = {
    /* a batch of three inserts */
    "{\"data\":[{\"id\":\"1\",\"name\":\"a\",\"category\":\"x\",\"price\":\"1.50\"},"
    "{\"id\":\"2\",\"name\":\"b\",\"category\":\"x\",\"price\":\"2.00\"},"
    "{\"id\":\"3\",\"name\":\"c\",\"category\":\"y\",\"price\":\"3.00\"}],"
    "\"database\":\"shop\",\"es\":1589373560000,\"id\":9,\"isDdl\":false,\"mysqlType\":{\"id\":\"int\"},"
    "\"old\":null,\"pkNames\":[\"id\"],\"sql\":\"\",\"table\":\"products\",\"ts\":1589373560798,\"type\":\"INSERT\"}",
    /* an update: old holds the changed field only */
    "{\"data\":[{\"id\":\"1\",\"name\":\"a\",\"category\":\"y\",\"price\":\"1.50\"}],\"database\":\"shop\","
    "\"isDdl\":false,\"old\":[{\"category\":\"x\"}],\"table\":\"products\",\"ts\":2,\"type\":\"UPDATE\"}",
    /* two updates in one message; the second's old value of name was NULL */
    "{\"data\":[{\"id\":\"2\",\"name\":\"b\",\"category\":\"x\",\"price\":\"2.50\"},"
    "{\"id\":\"3\",\"name\":\"c2\",\"category\":\"y\",\"price\":\"3.00\"}],\"database\":\"shop\",\"isDdl\":false,"
    "\"old\":[{\"price\":\"2.00\"},{\"name\":null}],\"table\":\"products\",\"ts\":3,\"type\":\"UPDATE\"}",
    "{\"data\":[{\"id\":\"1\",\"name\":\"a\",\"category\":\"y\",\"price\":\"1.50\"}],\"database\":\"shop\","
    "\"isDdl\":false,\"old\":null,\"table\":\"products\",\"ts\":4,\"type\":\"DELETE\"}",
    /* DDL: no row */
    "{\"data\":null,\"database\":\"shop\",\"isDdl\":true,\"old\":null,\"sql\":\"CREATE TABLE t2 (x int)\","
    "\"table\":\"t2\",\"ts\":5,\"type\":\"CREATE\"}",
    "{\"data\":null,\"database\":\"shop\",\"isDdl\":true,\"old\":null,\"sql\":\"ALTER TABLE products ADD z int\","
    "\"table\":\"products\",\"ts\":6,\"type\":\"ALTER\"}",
    /* another database's and another table's rows */
    "{\"data\":[{\"id\":\"9\",\"name\":\"z\",\"category\":\"z\",\"price\":\"9.00\"}],\"database\":\"crm\","
    "\"isDdl\":false,\"old\":null,\"table\":\"products\",\"ts\":7,\"type\":\"INSERT\"}",
    "{\"data\":[{\"id\":\"8\",\"name\":\"w\",\"category\":\"z\",\"price\":\"8.00\"}],\"database\":\"shop\","
    "\"isDdl\":false,\"old\":null,\"table\":\"orders\",\"ts\":8,\"type\":\"INSERT\"}",
};

#define CANAL_DDL(extra)                                                                                        \
  "CREATE TABLE products (id BIGINT, name STRING, category STRING, price DECIMAL(10, 2)) WITH (" \
  KAFKA("canal", "canal-json", extra) ");\n"

TEST(setup) {
  CHECK_INT(kmock_topic(&MOCK, "canal", 1), 0);
  CHECK_INT(produce("canal", CANAL, NULL, (int)(sizeof CANAL / sizeof *CANAL)), 0);
}

TEST(canal_json_reads_the_changelog) {
  const char *shop =
      "+I[1, a, x, 1.50]\n+I[2, b, x, 2.00]\n+I[3, c, y, 3.00]\n"
      "-U[1, a, x, 1.50]\n+U[1, a, y, 1.50]\n"
      "-U[2, b, x, 2.00]\n+U[2, b, x, 2.50]\n-U[3, <NULL>, y, 3.00]\n+U[3, c2, y, 3.00]\n"
      "-D[1, a, y, 1.50]\n";
  CHECK_QUERY(CANAL_DDL(", 'canal-json.database.include' = 'shop', 'canal-json.table.include' = 'prod.*'")
              "SELECT * FROM products;", shop);
  /* without the filters every database's and table's rows come */
  char want[1024];
  snprintf(want, sizeof want, "%s+I[9, z, z, 9.00]\n+I[8, w, z, 8.00]\n", shop);
  CHECK_QUERY(CANAL_DDL("") "SELECT * FROM products;", want);
  /* a regex is matched whole, as Java's matches(): 'sho' is not 'shop' */
  CHECK_QUERY(CANAL_DDL(", 'canal-json.database.include' = 'sho|crm'") "SELECT id FROM products;", "+I[9]\n");
}

TEST(canal_json_retractions_reach_group_by) {
  /* per category: x gets 1 and 2, y 3; 1 moves to y, 2's price changes (x's count goes
   * to 0 and back), 3's name changes, 1 is deleted */
  CHECK_QUERY(CANAL_DDL(", 'canal-json.database.include' = 'shop', 'canal-json.table.include' = 'products'")
              "SELECT category, COUNT(*) AS n, SUM(price) AS s FROM products GROUP BY category;",
              "+I[x, 1, 1.50]\n-U[x, 1, 1.50]\n+U[x, 2, 3.50]\n+I[y, 1, 3.00]\n"
              "-U[x, 2, 3.50]\n+U[x, 1, 2.00]\n-U[y, 1, 3.00]\n+U[y, 2, 4.50]\n"
              "-D[x, 1, 2.00]\n+I[x, 1, 2.50]\n-U[y, 2, 4.50]\n+U[y, 1, 1.50]\n-U[y, 1, 1.50]\n+U[y, 2, 4.50]\n"
              "-U[y, 2, 4.50]\n+U[y, 1, 3.00]\n");
}

TEST(canal_json_sink_round_trip) {
  CHECK_INT(kmock_topic(&MOCK, "canal_out", 1), 0);
  CHECK_QUERY(CANAL_DDL(", 'canal-json.table.include' = 'products'")
              "CREATE TABLE out_c (category STRING, n BIGINT) WITH ('connector' = 'kafka', 'topic' = 'canal_out', "
              "'properties.bootstrap.servers' = '${BS}', 'format' = 'canal-json');\n"
              "INSERT INTO out_c SELECT category, COUNT(*) FROM products WHERE id < 5 GROUP BY category;",
              "");
  /* Flink's encoding: +I and +U are INSERT, -U and -D DELETE, one row a message */
  char *got = records("canal_out", false);
  CHECK_STR(got, "{\"data\":[{\"category\":\"x\",\"n\":1}],\"type\":\"INSERT\"}\n"
                 "{\"data\":[{\"category\":\"x\",\"n\":1}],\"type\":\"DELETE\"}\n"
                 "{\"data\":[{\"category\":\"x\",\"n\":2}],\"type\":\"INSERT\"}\n"
                 "{\"data\":[{\"category\":\"y\",\"n\":1}],\"type\":\"INSERT\"}\n"
                 "{\"data\":[{\"category\":\"x\",\"n\":2}],\"type\":\"DELETE\"}\n"
                 "{\"data\":[{\"category\":\"x\",\"n\":1}],\"type\":\"INSERT\"}\n"
                 "{\"data\":[{\"category\":\"y\",\"n\":1}],\"type\":\"DELETE\"}\n"
                 "{\"data\":[{\"category\":\"y\",\"n\":2}],\"type\":\"INSERT\"}\n"
                 "{\"data\":[{\"category\":\"x\",\"n\":1}],\"type\":\"DELETE\"}\n"
                 "{\"data\":[{\"category\":\"x\",\"n\":1}],\"type\":\"INSERT\"}\n"
                 "{\"data\":[{\"category\":\"y\",\"n\":2}],\"type\":\"DELETE\"}\n"
                 "{\"data\":[{\"category\":\"y\",\"n\":1}],\"type\":\"INSERT\"}\n"
                 "{\"data\":[{\"category\":\"y\",\"n\":1}],\"type\":\"DELETE\"}\n"
                 "{\"data\":[{\"category\":\"y\",\"n\":2}],\"type\":\"INSERT\"}\n"
                 "{\"data\":[{\"category\":\"y\",\"n\":2}],\"type\":\"DELETE\"}\n"
                 "{\"data\":[{\"category\":\"y\",\"n\":1}],\"type\":\"INSERT\"}\n");
  free(got);
  /* read back, the aggregate's final state comes out of the counts per category */
  CHECK_QUERY("CREATE TABLE back_c (category STRING, n BIGINT) WITH (" KAFKA("canal_out", "canal-json", "") ");\n"
              "SELECT category, SUM(n) FROM back_c GROUP BY category;",
              "+I[x, 1]\n-D[x, 1]\n+I[x, 2]\n+I[y, 1]\n-D[x, 2]\n+I[x, 1]\n-D[y, 1]\n+I[y, 2]\n-D[x, 1]\n+I[x, 1]\n"
              "-D[y, 2]\n+I[y, 1]\n-D[y, 1]\n+I[y, 2]\n-D[y, 2]\n+I[y, 1]\n");
}

/* ---- maxwell-json ---- */

static const char *const MAXWELL[] = {
    "{\"database\":\"shop\",\"table\":\"products\",\"type\":\"insert\",\"ts\":1477053217,\"xid\":23396,"
    "\"commit\":true,\"data\":{\"id\":1,\"name\":\"a\",\"price\":1.50,\"ts\":\"2020-05-13 12:38:35\"}}",
    "{\"database\":\"shop\",\"table\":\"products\",\"type\":\"insert\",\"ts\":1477053218,"
    "\"data\":{\"id\":2,\"name\":\"b\",\"price\":2.00,\"ts\":\"2020-05-13 12:38:36\"}}",
    "{\"database\":\"shop\",\"table\":\"products\",\"type\":\"update\",\"ts\":1477053219,"
    "\"data\":{\"id\":1,\"name\":\"a\",\"price\":1.75,\"ts\":\"2020-05-13 12:38:35\"},\"old\":{\"price\":1.50}}",
    "{\"database\":\"shop\",\"table\":\"products\",\"type\":\"update\",\"ts\":1477053220,"
    "\"data\":{\"id\":2,\"name\":\"b2\",\"price\":2.00,\"ts\":\"2020-05-13 12:40:00\"},"
    "\"old\":{\"name\":null,\"ts\":\"2020-05-13 12:38:36\"}}",
    "{\"database\":\"shop\",\"table\":\"products\",\"type\":\"delete\",\"ts\":1477053221,"
    "\"data\":{\"id\":1,\"name\":\"a\",\"price\":1.75,\"ts\":\"2020-05-13 12:38:35\"}}",
};

#define MAXWELL_DDL(topic, extra)                                                                                 \
  "CREATE TABLE mp (id INT, name STRING, price DECIMAL(5, 2), ts TIMESTAMP(3)) WITH (" \
  KAFKA(topic, "maxwell-json", extra) ");\n"

TEST(maxwell_json_reads_the_changelog) {
  CHECK_INT(kmock_topic(&MOCK, "maxwell", 1), 0);
  CHECK_INT(produce("maxwell", MAXWELL, NULL, (int)(sizeof MAXWELL / sizeof *MAXWELL)), 0);
  CHECK_QUERY(MAXWELL_DDL("maxwell", "") "SELECT * FROM mp;",
              "+I[1, a, 1.50, 2020-05-13 12:38:35.000]\n+I[2, b, 2.00, 2020-05-13 12:38:36.000]\n"
              "-U[1, a, 1.50, 2020-05-13 12:38:35.000]\n+U[1, a, 1.75, 2020-05-13 12:38:35.000]\n"
              "-U[2, <NULL>, 2.00, 2020-05-13 12:38:36.000]\n+U[2, b2, 2.00, 2020-05-13 12:40:00.000]\n"
              "-D[1, a, 1.75, 2020-05-13 12:38:35.000]\n");
  CHECK_QUERY(MAXWELL_DDL("maxwell", "") "SELECT COUNT(*), SUM(price) FROM mp;",
              "+I[1, 1.50]\n-U[1, 1.50]\n+U[2, 3.50]\n-U[2, 3.50]\n+U[1, 2.00]\n-U[1, 2.00]\n+U[2, 3.75]\n"
              "-U[2, 3.75]\n+U[1, 1.75]\n-U[1, 1.75]\n+U[2, 3.75]\n-U[2, 3.75]\n+U[1, 2.00]\n");
}

TEST(maxwell_json_sink_round_trip) {
  CHECK_INT(kmock_topic(&MOCK, "maxwell_out", 1), 0);
  CHECK_QUERY(MAXWELL_DDL("maxwell", "")
              "CREATE TABLE out_m (id INT, name STRING, price DECIMAL(5, 2), ts TIMESTAMP(3)) WITH ("
              "'connector' = 'kafka', 'topic' = 'maxwell_out', 'properties.bootstrap.servers' = '${BS}', "
              "'format' = 'maxwell-json', 'maxwell-json.timestamp-format.standard' = 'ISO-8601');\n"
              "INSERT INTO out_m SELECT * FROM mp WHERE id = 2;",
              "");
  char *got = records("maxwell_out", false);
  CHECK_STR(got, "{\"data\":{\"id\":2,\"name\":\"b\",\"price\":2.00,\"ts\":\"2020-05-13T12:38:36.000\"},\"type\":\"insert\"}\n"
                 "{\"data\":{\"id\":2,\"name\":null,\"price\":2.00,\"ts\":\"2020-05-13T12:38:36.000\"},\"type\":\"delete\"}\n"
                 "{\"data\":{\"id\":2,\"name\":\"b2\",\"price\":2.00,\"ts\":\"2020-05-13T12:40:00.000\"},\"type\":\"insert\"}\n");
  free(got);
  CHECK_QUERY(MAXWELL_DDL("maxwell_out", "") "SELECT * FROM mp;",
              "+I[2, b, 2.00, 2020-05-13 12:38:36.000]\n-D[2, <NULL>, 2.00, 2020-05-13 12:38:36.000]\n"
              "+I[2, b2, 2.00, 2020-05-13 12:40:00.000]\n");
}

/* ---- the changelog formats' metadata ---- */

/* Canal's message members beside the rows, the same for every row of a batch: the
 * first message's ts/es/pkNames, the updates' ts 2, 3 and the delete's 4 (no es, no
 * pkNames: NULL). */
TEST(canal_json_metadata) {
  CHECK_QUERY("CREATE TABLE cm (id BIGINT, db STRING METADATA FROM 'value.database' VIRTUAL, tb STRING METADATA FROM "
              "'value.table' VIRTUAL, pks ARRAY<STRING> METADATA FROM 'value.pk-names' VIRTUAL, ing TIMESTAMP_LTZ(3) "
              "METADATA FROM 'value.ingestion-timestamp' VIRTUAL, ev TIMESTAMP_LTZ(3) METADATA FROM "
              "'value.event-timestamp' VIRTUAL) WITH (" KAFKA("canal", "canal-json", ", 'canal-json.table.include' = "
              "'products', 'canal-json.database.include' = 'shop'") ");\n"
              "SELECT id, db, tb, pks, CARDINALITY(pks), ing, ev FROM cm;",
              "+I[1, shop, products, [id], 1, 2020-05-13 12:39:20.798, 2020-05-13 12:39:20.000]\n"
              "+I[2, shop, products, [id], 1, 2020-05-13 12:39:20.798, 2020-05-13 12:39:20.000]\n"
              "+I[3, shop, products, [id], 1, 2020-05-13 12:39:20.798, 2020-05-13 12:39:20.000]\n"
              "-U[1, shop, products, <NULL>, <NULL>, 1970-01-01 00:00:00.002, <NULL>]\n"
              "+U[1, shop, products, <NULL>, <NULL>, 1970-01-01 00:00:00.002, <NULL>]\n"
              "-U[2, shop, products, <NULL>, <NULL>, 1970-01-01 00:00:00.003, <NULL>]\n"
              "+U[2, shop, products, <NULL>, <NULL>, 1970-01-01 00:00:00.003, <NULL>]\n"
              "-U[3, shop, products, <NULL>, <NULL>, 1970-01-01 00:00:00.003, <NULL>]\n"
              "+U[3, shop, products, <NULL>, <NULL>, 1970-01-01 00:00:00.003, <NULL>]\n"
              "-D[1, shop, products, <NULL>, <NULL>, 1970-01-01 00:00:00.004, <NULL>]\n");
  /* sqlType as MAP<STRING, INT>, pkNames kept as its JSON text in a STRING */
  CHECK_INT(kmock_topic(&MOCK, "canal_meta", 1), 0);
  static const char *const cm[] = {
      "{\"data\":[{\"id\":\"7\",\"name\":\"q\"}],\"database\":\"db1\",\"table\":\"t1\",\"pkNames\":[\"id\",\"name\"],"
      "\"sqlType\":{\"id\":4,\"name\":12},\"ts\":1000,\"type\":\"INSERT\"}"};
  CHECK_INT(produce("canal_meta", cm, NULL, 1), 0);
  CHECK_QUERY("CREATE TABLE cm (id BIGINT, st MAP<STRING, INT> METADATA FROM 'value.sql-type' VIRTUAL, pks STRING "
              "METADATA FROM 'value.pk-names' VIRTUAL) WITH (" KAFKA("canal_meta", "canal-json", "") ");\n"
              "SELECT id, st['id'] + st['name'], pks FROM cm;",
              "+I[7, 16, [\"id\",\"name\"]]\n");
}

/* Maxwell's "ts" is in seconds (Flink multiplies it by 1000). */
TEST(maxwell_json_metadata) {
  CHECK_INT(kmock_topic(&MOCK, "maxwell_meta", 1), 0);
  static const char *const mm[] = {
      "{\"database\":\"shop\",\"table\":\"products\",\"type\":\"insert\",\"ts\":1477053217,"
      "\"primary_key_columns\":[\"id\"],\"data\":{\"id\":1,\"name\":\"a\"}}",
      "{\"database\":\"crm\",\"table\":\"users\",\"type\":\"delete\",\"data\":{\"id\":1,\"name\":\"a\"}}"};
  CHECK_INT(produce("maxwell_meta", mm, NULL, 2), 0);
  CHECK_QUERY("CREATE TABLE mm (id INT, name STRING, db STRING METADATA FROM 'value.database' VIRTUAL, tb STRING "
              "METADATA FROM 'value.table' VIRTUAL, pk ARRAY<STRING> METADATA FROM 'value.primary-key-columns' "
              "VIRTUAL, ing TIMESTAMP_LTZ(3) METADATA FROM 'value.ingestion-timestamp' VIRTUAL) WITH ("
              KAFKA("maxwell_meta", "maxwell-json", "") ");\nSELECT * FROM mm;",
              "+I[1, a, shop, products, [id], 2016-10-21 12:33:37.000]\n"
              "-D[1, a, crm, users, <NULL>, <NULL>]\n");
}

/* Debezium's: "schema" (its JSON text, at the top), the rest from the payload (wrapped
 * or not), "source"'s members one level down. */
TEST(debezium_json_metadata) {
  CHECK_INT(kmock_topic(&MOCK, "dbz_meta", 1), 0);
  static const char *const dm[] = {
      "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"before\":null,\"after\":{\"id\":1,"
      "\"name\":\"a\"},\"source\":{\"ts_ms\":1589355606000,\"db\":\"inventory\",\"table\":\"products\"},"
      "\"op\":\"c\",\"ts_ms\":1589355606100}}",
      "{\"before\":{\"id\":1,\"name\":\"a\"},\"after\":{\"id\":1,\"name\":\"b\"},\"source\":{\"ts_ms\":1589355607000,"
      "\"db\":\"inventory\",\"schema\":\"public\",\"table\":\"products\"},\"op\":\"u\",\"ts_ms\":1589355607100}"};
  CHECK_INT(produce("dbz_meta", dm, NULL, 2), 0);
  CHECK_QUERY("CREATE TABLE dm (id INT, name STRING, sc STRING METADATA FROM 'value.schema' VIRTUAL, ing "
              "TIMESTAMP_LTZ(3) METADATA FROM 'value.ingestion-timestamp' VIRTUAL, sts TIMESTAMP_LTZ(3) METADATA FROM "
              "'value.source.timestamp' VIRTUAL, sdb STRING METADATA FROM 'value.source.database' VIRTUAL, ssc STRING "
              "METADATA FROM 'value.source.schema' VIRTUAL, stb STRING METADATA FROM 'value.source.table' VIRTUAL, "
              "props MAP<STRING, STRING> METADATA FROM 'value.source.properties' VIRTUAL) WITH ("
              KAFKA("dbz_meta", "debezium-json", "") ");\n"
              "SELECT id, name, sc, ing, sts, sdb, ssc, stb, props['db'], props['ts_ms'] FROM dm;",
              "+I[1, a, {\"type\":\"struct\"}, 2020-05-13 07:40:06.100, 2020-05-13 07:40:06.000, "
              "inventory, <NULL>, products, inventory, 1589355606000]\n"
              "-U[1, a, <NULL>, 2020-05-13 07:40:07.100, 2020-05-13 07:40:07.000, inventory, public, products, "
              "inventory, 1589355607000]\n"
              "+U[1, b, <NULL>, 2020-05-13 07:40:07.100, 2020-05-13 07:40:07.000, inventory, public, products, "
              "inventory, 1589355607000]\n");
  /* errors: a key the format lacks, a key of another format, a wrong type, a written one */
  CHECK_QUERY_HAS("CREATE TABLE dm (id INT, x STRING METADATA FROM 'value.database' VIRTUAL) WITH ("
                  KAFKA("dbz_meta", "debezium-json", "") ");\nSELECT * FROM dm;",
                  "column 'x': unknown metadata key 'value.database' (format 'debezium-json' has value.schema, "
                  "value.ingestion-timestamp, value.source.timestamp");
  CHECK_QUERY_HAS("CREATE TABLE dm (id INT, x STRING METADATA FROM 'value.table' VIRTUAL) WITH ("
                  KAFKA("dbz_meta", "json", "") ");\nSELECT * FROM dm;",
                  "column 'x': unknown metadata key 'value.table' (format 'json' has none)");
  CHECK_QUERY_HAS("CREATE TABLE dm (id INT, x BIGINT METADATA FROM 'value.ingestion-timestamp' VIRTUAL) WITH ("
                  KAFKA("dbz_meta", "debezium-json", "") ");\nSELECT * FROM dm;",
                  "column 'x': metadata key 'value.ingestion-timestamp' is TIMESTAMP_LTZ(3), not BIGINT");
  CHECK_QUERY_HAS("CREATE TABLE dm (id INT, x STRING METADATA FROM 'value.source.table') WITH ("
                  KAFKA("dbz_meta", "debezium-json", "") ");\nINSERT INTO dm VALUES (1, 'a');",
                  "read-only");
}

/* ---- avro ---- */

#define AVRO_DDL(name, topic)                                                                                     \
  "CREATE TABLE " name " (id INT NOT NULL, name STRING, price DECIMAL(5, 2), ts TIMESTAMP(3), ok BOOLEAN, "      \
  "big BIGINT, f FLOAT, d DOUBLE, us TIMESTAMP(6)) WITH (" KAFKA(topic, "avro", "") ");\n"

TEST(avro_bytes_are_avros) {
  CHECK_INT(kmock_topic(&MOCK, "avro", 1), 0);
  CHECK_QUERY(AVRO_DDL("av", "avro")
              "INSERT INTO av VALUES (1, 'ab', 1.50, TIMESTAMP '1970-01-01 00:00:01', TRUE, -1, 1.5, 1.0, "
              "TIMESTAMP '1970-01-01 00:00:00.000001'), (2, CAST(NULL AS STRING), -1.28, CAST(NULL AS TIMESTAMP(3)), "
              "CAST(NULL AS BOOLEAN), CAST(NULL AS BIGINT), CAST(NULL AS FLOAT), CAST(NULL AS DOUBLE), "
              "CAST(NULL AS TIMESTAMP(6)));",
              "");
  /* by hand: id NOT NULL is a bare int (zig-zag 1 = 02); the rest are unions ["null", T]
   * (branch 02 = the value, 00 = null); "ab" = 04 61 62; 1.50 is unscaled 150 = 00 96
   * (two bytes keep it positive); 1 s = 1000 ms, zig-zag 2000 = d0 0f; TRUE 01; -1 = 01;
   * FLOAT 1.5 = 00 00 c0 3f; DOUBLE 1.0 = 00 .. f0 3f; 1 us = 02.  Row 2: id 04, -1.28 is
   * unscaled -128 = 02 80 (one byte). */
  char *got = records("avro", true);
  CHECK_STR(got, "02" "02046162" "02040096" "02d00f" "0201" "0201" "020000c03f" "02000000000000f03f" "0202\n"
                 "04" "00" "020280" "00" "00" "00" "00" "00" "00\n");
  free(got);
  /* a record written by hand: id -3, "x", NULL, 1700000000000 ms, FALSE, 2^40, NULL,
   * NULL, -1 us */
  static const char rec[] = "\x05\x02\x02x\x00\x02\x80\xa0\xab\xfe\xf9\x62\x02\x00\x02\x80\x80\x80\x80\x80\x40\x00\x00"
                            "\x02\x01";
  const char *msgs[] = {rec};
  size_t lens[] = {sizeof rec - 1};
  CHECK_INT(produce("avro", msgs, lens, 1), 0);
  CHECK_QUERY(AVRO_DDL("av", "avro") "SELECT * FROM av;",
              "+I[1, ab, 1.50, 1970-01-01 00:00:01.000, TRUE, -1, 1.5, 1.0, 1970-01-01 00:00:00.000001]\n"
              "+I[2, <NULL>, -1.28, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>]\n"
              "+I[-3, x, <NULL>, 2023-11-14 22:13:20.000, FALSE, 1099511627776, <NULL>, <NULL>, "
              "1969-12-31 23:59:59.999999]\n");
}

TEST(avro_date_time_and_bytes) {
  CHECK_INT(kmock_topic(&MOCK, "avro_dt", 1), 0);
#define AVRO_DT_DDL "CREATE TABLE adt (d DATE NOT NULL, t TIME(3), b BYTES) WITH (" KAFKA("avro_dt", "avro", "") ");\n"
  CHECK_QUERY(AVRO_DT_DDL "INSERT INTO adt VALUES (DATE '2021-03-04', TIME '10:11:12.345', X'00ff'), "
              "(DATE '1969-12-31', CAST(NULL AS TIME(3)), CAST(NULL AS BYTES));",
              "");
  /* DATE int date: 2021-03-04 is day 18690 = zig-zag 84 a4 02, 1969-12-31 day -1 = 01;
   * TIME(3) int time-millis: 36672345 ms = b2 cd fc 22; BYTES: length 2 (04), 00 ff */
  char *got = records("avro_dt", true);
  CHECK_STR(got, "84a402" "02b2cdfc22" "020400ff\n" "01" "00" "00\n");
  free(got);
  CHECK_QUERY(AVRO_DT_DDL "SELECT d, t, b, d + INTERVAL '1' DAY FROM adt;",
              "+I[2021-03-04, 10:11:12.345, x'00ff', 2021-03-05]\n+I[1969-12-31, <NULL>, <NULL>, 1970-01-01]\n");
}

/* ---- malformed records ---- */

TEST(bad_records_name_format_topic_and_offset) {
  CHECK_INT(kmock_topic(&MOCK, "canal_bad", 1), 0);
  static const char *const cb[] = {
      "{\"data\":[{\"id\":\"1\",\"name\":\"a\",\"category\":\"x\",\"price\":\"1.00\"}],\"type\":\"INSERT\"}",
      "{\"data\":[{\"id\":\"2\"}],\"type\":\"TRUNCATE\"}",
      "{\"data\":[{\"id\":\"3\"}],\"type\":",
      "{\"data\":[{\"id\":\"4\",\"price\":\"x\"}],\"type\":\"INSERT\"}",
      "{\"data\":[{\"id\":\"5\"}],\"old\":[],\"type\":\"UPDATE\"}",
      "{\"data\":{\"id\":\"6\"},\"type\":\"INSERT\"}",
      "{\"data\":[{\"id\":\"7\",\"name\":\"g\",\"category\":\"x\",\"price\":\"7.00\"}],\"type\":\"INSERT\"}",
  };
  CHECK_INT(produce("canal_bad", cb, NULL, 7), 0);
#define CB_DDL(extra) \
  "CREATE TABLE products (id BIGINT, name STRING, category STRING, price DECIMAL(10, 2)) WITH (" \
  KAFKA("canal_bad", "canal-json", extra) ");\n"
  CHECK_QUERY_HAS(CB_DDL("") "SELECT * FROM products;",
                  "Kafka record canal_bad/0/1: canal-json: unknown \"type\" \"TRUNCATE\" (INSERT, UPDATE, DELETE expected)");
  CHECK_QUERY(CB_DDL(", 'canal-json.ignore-parse-errors' = 'true'") "SELECT * FROM products;",
              "+I[1, a, x, 1.00]\n+I[7, g, x, 7.00]\n");
  CHECK_INT(kmock_topic(&MOCK, "maxwell_bad", 1), 0);
  static const char *const mb[] = {
      "{\"type\":\"insert\",\"data\":{\"id\":1,\"name\":\"a\",\"price\":1,\"ts\":null}}",
      "{\"type\":\"update\",\"data\":{\"id\":1,\"name\":\"b\",\"price\":1,\"ts\":null}}",
      "{\"type\":\"bootstrap-start\",\"data\":{}}",
      "[1,2]",
      "{\"type\":\"insert\",\"data\":{\"id\":\"x\"}}",
      "{\"type\":\"delete\",\"data\":{\"id\":1,\"name\":\"a\",\"price\":1,\"ts\":null}}",
  };
  CHECK_INT(produce("maxwell_bad", mb, NULL, 6), 0);
  CHECK_QUERY_HAS(MAXWELL_DDL("maxwell_bad", "") "SELECT * FROM mp;",
                  "Kafka record maxwell_bad/0/1: maxwell-json: \"old\" must be an object");
  CHECK_QUERY(MAXWELL_DDL("maxwell_bad", ", 'maxwell-json.ignore-parse-errors' = 'true'") "SELECT * FROM mp;",
              "+I[1, a, 1.00, <NULL>]\n-D[1, a, 1.00, <NULL>]\n");
  CHECK_INT(kmock_topic(&MOCK, "avro_bad", 1), 0);
  static const char a0[] = "\x02\x00\x00\x00\x00\x00\x00\x00\x00", a1[] = "\x04\x04", a2[] = "\x06\x02\x7f",
                    a3[] = "\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00";
  const char *ab[] = {a0, a1, a2, a3};
  size_t abn[] = {sizeof a0 - 1, sizeof a1 - 1, sizeof a2 - 1, sizeof a3 - 1};
  CHECK_INT(produce("avro_bad", ab, abn, 4), 0);
  CHECK_QUERY_HAS(AVRO_DDL("av", "avro_bad") "SELECT * FROM av;",
                  "Kafka record avro_bad/0/1: avro: malformed record at byte 2 (column 'name'): a union branch other "
                  "than 0 (null) or 1");
}

TEST(options_are_checked_by_name) {
  CHECK_QUERY_HAS("CREATE TABLE t (a INT) WITH (" KAFKA("x", "avro-confluent", "") ");\nSELECT * FROM t;",
                  "format 'avro-confluent' is not supported");
  CHECK_QUERY_HAS("CREATE TABLE t (a INT) WITH (" KAFKA("avro", "avro", ", 'avro.encoding' = 'json'") ");\n"
                  "SELECT * FROM t;",
                  "option 'avro.encoding' = 'json' is not supported (only 'binary')");
  CHECK_QUERY_HAS("CREATE TABLE t (a INT, x ARRAY<INT>) WITH (" KAFKA("avro", "avro", "") ");\nSELECT * FROM t;",
                  "column 'x': type ARRAY<INT> is not supported by the avro format yet");
  CHECK_QUERY_HAS("CREATE TABLE t (a INT, ts TIMESTAMP(9)) WITH (" KAFKA("avro", "avro", "") ");\nSELECT * FROM t;",
                  "avro: column 'ts': Avro has no TIMESTAMP with precision above 6");
  CHECK_QUERY_HAS(CANAL_DDL(", 'canal-json.table.include' = '(x'") "SELECT * FROM products;",
                  "canal-json.table.include: ");
  CHECK_QUERY_HAS("SET 'execution.runtime-mode' = 'batch';\n" CANAL_DDL("") "SELECT * FROM products;",
                  "which table 'products' (format 'canal-json') produces");
  CHECK_QUERY_HAS(CANAL_DDL(", 'canal-json.bogus' = '1'") "SELECT * FROM products;", "'canal-json.bogus'");
  CHECK_QUERY_HAS(CANAL_DDL(", 'canal-json.map-null-key.mode' = 'DROP', 'canal-json.encode.decimal-as-plain-number' = "
                            "'true', 'canal-json.timestamp-format.standard' = 'ISO-8601'") "SELECT id FROM products;",
                  "+I[1]\n");
}

/* ---- entry ---- */

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (kmock_start_or_fail(&MOCK)) return 1;
  RUN(setup);
  RUN(canal_json_reads_the_changelog);
  RUN(canal_json_retractions_reach_group_by);
  RUN(canal_json_sink_round_trip);
  RUN(maxwell_json_reads_the_changelog);
  RUN(maxwell_json_sink_round_trip);
  RUN(canal_json_metadata);
  RUN(maxwell_json_metadata);
  RUN(debezium_json_metadata);
  RUN(avro_bytes_are_avros);
  RUN(avro_date_time_and_bytes);
  RUN(bad_records_name_format_topic_and_offset);
  RUN(options_are_checked_by_name);
  kmock_stop(&MOCK);
  TEST_MAIN_END();
}
