/*
 * test_sql_upsert_kafka.c -- the 'upsert-kafka' connector against librdkafka's mock
 * cluster (tests/kafka_mock.h): a GROUP BY's updates written as records keyed by the
 * primary key (no -U, the latest value per key) and read back as the final per-key
 * values; the exact changelog the source makes of a hand-written topic (first value
 * +I, a change -U/+U, a repeated value nothing, a tombstone -D of the previous value,
 * a tombstone of an unknown key nothing); EXCEPT_KEY and key.fields-prefix; METADATA
 * columns read and written; a WATERMARK making the table the versioned side of an
 * event-time temporal join; a parallel sink from a partitioned topic keeping each key's
 * records in order; the normalization's state through a kill -9 and a resume; the
 * errors for a missing primary key, a bad option, a prefix with 'ALL' and metadata.
 */
#include "core/core.h"
#include "kafka_mock.h"
#include "sql_changelog_test.h"
#include "sql_proc_test.h"

static kmock MOCK;

/* sql with every %s replaced by the mock's bootstrap servers (up to four). */
static char *with_bs(const char *sql) {
  static char buf[8192];
  snprintf(buf, sizeof buf, sql, MOCK.bootstrap, MOCK.bootstrap, MOCK.bootstrap, MOCK.bootstrap);
  return buf;
}

/* key -> value records (value NULL: a tombstone) into partition 0 of topic. */
static int produce(const char *topic, const char *const *kv, int n) {
  rd_kafka_t *rk = kmock_producer(&MOCK);
  if (!rk) return -1;
  int rc = 0;
  for (int i = 0; i < n; i++) {
    const char *k = kv[2 * i], *v = kv[2 * i + 1];
    rc |= rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY(k, strlen(k)),
                            RD_KAFKA_V_VALUE((void *)v, v ? strlen(v) : 0), RD_KAFKA_V_TIMESTAMP(1700000000000 + i),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  }
  if (rd_kafka_flush(rk, 10000)) rc = -1;
  rd_kafka_destroy(rk);
  return rc;
}

/* The records of a topic as "key=value" lines in offset order ("key=<null>": a tombstone). */
static void on_record(void *arg, int32_t part, int64_t off, const char *key, size_t kn, const char *val, size_t vn) {
  (void)part, (void)off;
  char *all = arg;
  size_t l = strlen(all);
  if (val) snprintf(all + l, 4096 - l, "%.*s=%.*s\n", (int)kn, key, (int)vn, val);
  else snprintf(all + l, 4096 - l, "%.*s=<null>\n", (int)kn, key);
}

/* One record into partition part of topic, at ts, with a header h=v when h (value
 * NULL: a tombstone). */
static int produce1(const char *topic, int part, const char *k, const char *v, int64_t ts, const char *h, const char *hv) {
  rd_kafka_t *rk = kmock_producer(&MOCK);
  if (!rk) return -1;
  rd_kafka_headers_t *hs = rd_kafka_headers_new(1);
  if (h) rd_kafka_header_add(hs, h, -1, hv, -1);
  int rc = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_KEY(k, strlen(k)),
                             RD_KAFKA_V_VALUE((void *)v, v ? strlen(v) : 0), RD_KAFKA_V_TIMESTAMP(ts),
                             RD_KAFKA_V_HEADERS(hs), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  if (rc) rd_kafka_headers_destroy(hs);
  if (rd_kafka_flush(rk, 10000)) rc = -1;
  rd_kafka_destroy(rk);
  return rc;
}

TEST(setup) {
  CHECK_INT(kmock_topic(&MOCK, "pv", 2), 0);
  CHECK_INT(kmock_topic(&MOCK, "hand", 1), 0);
  CHECK_INT(kmock_topic(&MOCK, "pref", 1), 0);
  CHECK_INT(kmock_topic(&MOCK, "eo", 1), 0);
  CHECK_INT(kmock_topic(&MOCK, "strom-txn-markers", 1), 0);
  static const char *const recs[] = {
      "k1", "{\"v\":1}", "k2", "{\"v\":2}", "k1", "{\"v\":3}", "k1", "{\"v\":3}",
      "k2", NULL,        "k3", NULL,        "k2", "{\"v\":5}", "k1", "{\"v\":4}",
  };
  CHECK_INT(produce("hand", recs, 8), 0);
  /* metadata: k1 twice in partition 0 with the same value, k2 and its tombstone in 1 */
  CHECK_INT(kmock_topic(&MOCK, "meta", 2), 0);
  CHECK_INT(kmock_topic(&MOCK, "meta_out", 1), 0);
  CHECK_INT(produce1("meta", 0, "k1", "{\"v\":1}", 1700000001000, "h1", "v1"), 0);
  CHECK_INT(produce1("meta", 1, "k2", "{\"v\":2}", 1700000007000, NULL, NULL), 0);
  CHECK_INT(produce1("meta", 0, "k1", "{\"v\":1}", 1700000002000, NULL, NULL), 0);
  CHECK_INT(produce1("meta", 1, "k2", NULL, 1700000008000, NULL, NULL), 0);
  /* a versioned table: EUR out of order (10 before 5), GBP deleted by a tombstone */
  CHECK_INT(kmock_topic(&MOCK, "rates", 1), 0);
  static const char *const rates[] = {
      "EUR", "{\"rate\":114,\"ts\":\"2024-01-01 00:00:00\"}", "USD", "{\"rate\":100,\"ts\":\"2024-01-01 00:00:00\"}",
      "EUR", "{\"rate\":116,\"ts\":\"2024-01-01 00:00:10\"}", "EUR", "{\"rate\":112,\"ts\":\"2024-01-01 00:00:05\"}",
      "GBP", "{\"rate\":90,\"ts\":\"2024-01-01 00:00:03\"}",  "GBP", NULL,
      "EUR", "{\"rate\":119,\"ts\":\"2024-01-01 00:00:20\"}", "USD", "{\"rate\":101,\"ts\":\"2024-01-01 00:00:16\"}",
  };
  CHECK_INT(produce("rates", rates, 8), 0);
}

#define PV_DDL                                                                                                  \
  "CREATE TABLE pv (region STRING, n BIGINT, total INT, PRIMARY KEY (region) NOT ENFORCED) WITH ("            \
  "'connector' = 'upsert-kafka', 'topic' = 'pv', 'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', " \
  "'value.format' = 'json', 'scan.bounded.mode' = 'latest-offset', 'sink.buffer-flush.max-rows' = '0');\n"

/* A GROUP BY's -U/+U/+I written as upserts: each record's key is the region, the last
 * record per key holds the final count, and reading the topic back gives a changelog
 * whose final table is the GROUP BY's result. */
TEST(group_by_written_and_read_back) {
  CHECK_MODE(with_bs(PV_DDL "INSERT INTO pv SELECT r, COUNT(*), CAST(SUM(x) AS INT) FROM (VALUES ('eu', 1), ('us', 2), "
                            "('eu', 3), ('ap', 4), ('eu', 5), ('us', 6)) AS t(r, x) GROUP BY r;"),
             false, false, "");
  char recs[4096] = "";
  long n = kmock_read_all(&MOCK, "pv", on_record, recs);
  CHECK(n >= 3);
  /* the latest record of each key is its final value; no record is a tombstone */
  CHECK(strstr(recs, "eu={\"region\":\"eu\",\"n\":3,\"total\":9}\n") != NULL);
  CHECK(strstr(recs, "us={\"region\":\"us\",\"n\":2,\"total\":8}\n") != NULL);
  CHECK(strstr(recs, "ap={\"region\":\"ap\",\"n\":1,\"total\":4}\n") != NULL);
  CHECK(strstr(recs, "<null>") == NULL);
  CHECK_FINAL(with_bs(PV_DDL "SELECT * FROM pv;"), "[ap, 1, 4]\n[eu, 3, 9]\n[us, 2, 8]\n");
  /* read back into an aggregation, which takes the source's retractions */
  CHECK_FINAL(with_bs(PV_DDL "SELECT SUM(n) AS s, COUNT(*) AS c FROM pv;"), "[6, 3]\n");
}

#define HAND_DDL                                                                                                     \
  "SET 'parallelism.default' = '1';\n"                                                                              \
  "CREATE TABLE hand (k STRING, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', "      \
  "'topic' = 'hand', 'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', 'value.format' = 'json', "        \
  "'value.fields-include' = 'EXCEPT_KEY', 'scan.bounded.mode' = 'latest-offset');\n"

/* The source's changelog of k1=1, k2=2, k1=3, k1=3, k2=<null>, k3=<null>, k2=5, k1=4, as
 * Flink's ChangelogNormalize makes it. */
TEST(source_changelog_of_hand_written_records) {
  CHECK_MODE(with_bs(HAND_DDL "SELECT k, v FROM hand;"), false, false,
             "+I[k1, 1]\n+I[k2, 2]\n-U[k1, 1]\n+U[k1, 3]\n-D[k2, 2]\n+I[k2, 5]\n-U[k1, 3]\n+U[k1, 4]\n");
  CHECK_FINAL(with_bs(HAND_DDL "SELECT k, v * 10 AS v10 FROM hand WHERE k <> 'k3';"), "[k1, 40]\n[k2, 50]\n");
}

#define PREF_DDL                                                                                                   \
  "SET 'parallelism.default' = '1';\n"                                                                            \
  "CREATE TABLE pref (k_id BIGINT, name STRING, PRIMARY KEY (k_id) NOT ENFORCED) WITH ('connector' = "          \
  "'upsert-kafka', 'topic' = 'pref', 'properties.bootstrap.servers' = '%s', 'key.format' = 'json', "              \
  "'value.format' = 'csv', 'key.fields-prefix' = 'k_', 'value.fields-include' = 'EXCEPT_KEY', "                  \
  "'scan.bounded.mode' = 'latest-offset', 'sink.delivery-guarantee' = 'at-least-once');\n"

/* The key format names the key column without its prefix; the value holds the rest;
 * a -D from the source upstream becomes a tombstone. */
TEST(prefix_except_key_and_tombstones_written) {
  CHECK_MODE(with_bs(PREF_DDL "INSERT INTO pref VALUES (1, 'a'), (2, 'b');"), false, false, "");
  CHECK_MODE(with_bs(HAND_DDL PREF_DDL "INSERT INTO pref SELECT 7, k FROM hand WHERE k = 'k2';"), false, false, "");
  char recs[4096] = "";
  CHECK_INT(kmock_read_all(&MOCK, "pref", on_record, recs), 5);
  /* hand's k2 changelog is +I, -D, +I: two values and a tombstone in between */
  CHECK_STR(recs, "{\"id\":1}=a\n{\"id\":2}=b\n{\"id\":7}=k2\n{\"id\":7}=<null>\n{\"id\":7}=k2\n");
  CHECK_MODE(with_bs(PREF_DDL "SELECT * FROM pref;"), false, false,
             "+I[1, a]\n+I[2, b]\n+I[7, k2]\n-D[7, k2]\n+I[7, k2]\n");
}

/* Exactly-once: the tombstone goes through the transaction's record list as a null
 * value (not an empty one). */
TEST(exactly_once_keeps_tombstones) {
  CHECK_MODE(with_bs(HAND_DDL "CREATE TABLE eo (k STRING, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = "
                              "'upsert-kafka', 'topic' = 'eo', 'properties.bootstrap.servers' = '%s', 'key.format' = "
                              "'raw', 'value.format' = 'json', 'sink.delivery-guarantee' = 'exactly-once', "
                              "'sink.transactional-id-prefix' = 'upsert-eo');\n"
                              "INSERT INTO eo SELECT k, v FROM hand WHERE k = 'k2';"),
             false, false, "");
  char recs[4096] = "";
  CHECK_INT(kmock_read_all(&MOCK, "eo", on_record, recs), 3);
  CHECK_STR(recs, "k2={\"k\":\"k2\",\"v\":2}\nk2=<null>\nk2={\"k\":\"k2\",\"v\":5}\n");
}

#define META_DDL                                                                                                     \
  "SET 'parallelism.default' = '1';\n"                                                                              \
  "CREATE TABLE meta (k STRING, v BIGINT, pt INT METADATA FROM 'partition' VIRTUAL, off BIGINT METADATA FROM "       \
  "'offset' VIRTUAL, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp', tp STRING METADATA FROM 'topic' VIRTUAL, "        \
  "tt STRING METADATA FROM 'timestamp-type' VIRTUAL, h STRING METADATA FROM 'headers', PRIMARY KEY (k) NOT ENFORCED) " \
  "WITH ('connector' = 'upsert-kafka', 'topic' = 'meta', 'properties.bootstrap.servers' = '%s', 'key.format' = "    \
  "'raw', 'value.format' = 'json', 'value.fields-include' = 'EXCEPT_KEY', 'scan.bounded.mode' = 'latest-offset');\n"

/* The kafka connector's metadata columns read from upsert records.  They are part of
 * the row ChangelogNormalize compares (as in Flink), so k1's second record, with the
 * same value at another offset, is an update; k2's tombstone deletes the row with its
 * metadata. */
TEST(metadata_columns_read) {
  CHECK_ROWS(with_bs(META_DDL "SELECT k, v, pt, off, ts, tp, tt, h FROM meta;"),
             "+I[k1, 1, 0, 0, 2023-11-14 22:13:21.000, meta, CreateTime, {\"h1\":\"v1\"}]\n"
             "+I[k2, 2, 1, 0, 2023-11-14 22:13:27.000, meta, CreateTime, {}]\n"
             "+U[k1, 1, 0, 1, 2023-11-14 22:13:22.000, meta, CreateTime, {}]\n"
             "-D[k2, 2, 1, 0, 2023-11-14 22:13:27.000, meta, CreateTime, {}]\n"
             "-U[k1, 1, 0, 0, 2023-11-14 22:13:21.000, meta, CreateTime, {\"h1\":\"v1\"}]\n");
  /* headers as Flink types them, MAP<STRING, BYTES> */
  CHECK_ROWS(with_bs("SET 'parallelism.default' = '1';\n"
                     "CREATE TABLE meta (k STRING, v BIGINT, h MAP<STRING, BYTES> METADATA FROM 'headers' VIRTUAL, "
                     "PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = 'meta', "
                     "'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', 'value.format' = 'json', "
                     "'value.fields-include' = 'EXCEPT_KEY', 'scan.bounded.mode' = 'latest-offset');\n"
                     "SELECT k, h['h1'] FROM meta;"),
             "+I[k1, x'7631']\n+I[k2, <NULL>]\n+U[k1, <NULL>]\n-D[k2, <NULL>]\n-U[k1, x'7631']\n");
}

#define META_OUT_DDL                                                                                                \
  "CREATE TABLE mo (k STRING, v BIGINT, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp', h STRING METADATA FROM "     \
  "'headers', pt INT METADATA FROM 'partition' VIRTUAL, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = "        \
  "'upsert-kafka', 'topic' = 'meta_out', 'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', "            \
  "'value.format' = 'json', 'scan.bounded.mode' = 'latest-offset');\n"

/* The writable metadata (timestamp, headers) goes into the records, not into the value;
 * the VIRTUAL partition is not one of INSERT INTO's columns.  Read back, the records
 * are k1 at 22:13:21 with h1=v1, k1 at 22:13:22, k2, k2's tombstone. */
TEST(metadata_columns_written) {
  CHECK_MODE(with_bs(META_DDL META_OUT_DDL "INSERT INTO mo SELECT k, v, ts, h FROM meta;"), false, false, "");
  char recs[4096] = "";
  CHECK_INT(kmock_read_all(&MOCK, "meta_out", on_record, recs), 4);
  /* each key's records in order (the two partitions' records interleave as they come) */
  const char *k1a = strstr(recs, "k1={\"k\":\"k1\",\"v\":1}\n"), *k2a = strstr(recs, "k2={\"k\":\"k2\",\"v\":2}\n");
  CHECK(k1a && strstr(k1a + 1, "k1={\"k\":\"k1\",\"v\":1}\n"));
  CHECK(k2a && strstr(k2a, "k2=<null>\n"));
  CHECK_ROWS(with_bs(META_OUT_DDL "SELECT k, v, ts, h, pt FROM mo;"),
             "+I[k1, 1, 2023-11-14 22:13:21.000, {\"h1\":\"v1\"}, 0]\n+I[k2, 2, 2023-11-14 22:13:27.000, {}, 0]\n"
             "+U[k1, 1, 2023-11-14 22:13:22.000, {}, 0]\n-D[k2, 2, 2023-11-14 22:13:27.000, {}, 0]\n"
             "-U[k1, 1, 2023-11-14 22:13:21.000, {\"h1\":\"v1\"}, 0]\n");
}

#define RATES_DDL                                                                                                  \
  "SET 'parallelism.default' = '1';\n"                                                                             \
  "CREATE TABLE rates (cur STRING, rate INT, ts TIMESTAMP(3), PRIMARY KEY (cur) NOT ENFORCED, WATERMARK FOR ts AS "  \
  "ts - INTERVAL '1' MINUTE) WITH ('connector' = 'upsert-kafka', 'topic' = 'rates', "                                \
  "'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', 'value.format' = 'json', "                          \
  "'value.fields-include' = 'EXCEPT_KEY', 'scan.bounded.mode' = 'latest-offset');\n"                                 \
  "CREATE TABLE orders (id INT, cur STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '10' SECOND) WITH ("  \
  "'connector' = 'filesystem', 'path' = '${TMP}/orders.csv', 'format' = 'csv');\n"

/* An upsert-kafka table with a WATERMARK is a versioned table (Flink's docs use it so):
 * each order joins the rate valid at its time, the latest version at or before it --
 * EUR@5 arrived after EUR@10 and still serves 00:07; GBP's only version is deleted by a
 * tombstone (which has no time of its own and moves no watermark, where it used to
 * fail the source for its NULL rowtime). */
TEST(watermark_versioned_table) {
  write_tmp_file("orders.csv", "1,EUR,2024-01-01 00:00:02\n2,EUR,2024-01-01 00:00:07\n3,USD,2024-01-01 00:00:12\n"
                               "4,EUR,2024-01-01 00:00:04\n5,GBP,2024-01-01 00:00:15\n6,EUR,2024-01-01 00:00:25\n"
                               "7,EUR,2024-01-01 00:00:18\n8,USD,2024-01-01 00:00:30\n");
  CHECK_ROWS(with_bs(RATES_DDL "SELECT o.id, o.cur, r.rate, r.ts FROM orders AS o "
                               "JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur;"),
             "+I[1, EUR, 114, 2024-01-01 00:00:00.000]\n+I[2, EUR, 112, 2024-01-01 00:00:05.000]\n"
             "+I[3, USD, 100, 2024-01-01 00:00:00.000]\n+I[4, EUR, 114, 2024-01-01 00:00:00.000]\n"
             "+I[6, EUR, 119, 2024-01-01 00:00:20.000]\n+I[7, EUR, 116, 2024-01-01 00:00:10.000]\n"
             "+I[8, USD, 101, 2024-01-01 00:00:16.000]\n");
  CHECK_ROWS(with_bs(RATES_DDL "SELECT o.id, r.rate FROM orders AS o "
                               "LEFT JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur WHERE o.cur = 'GBP';"),
             "+I[5, <NULL>]\n");
}

/* A window aggregation over the upsert changelog takes each -U/-D out of the window of
 * its row's time (it used to count them as rows): every version in [00, 10) was
 * replaced or deleted, so that window emits nothing; EUR 116 left [10, 20) for 119 in
 * [20, 30), USD 101 stays in [10, 20).  A window TVF alone used to turn them into +I. */
TEST(window_tvf_over_the_changelog) {
  CHECK_ROWS(with_bs(RATES_DDL "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE rates, DESCRIPTOR(ts), "
                               "INTERVAL '10' SECOND)) GROUP BY window_start, window_end;"),
             "+I[2024-01-01 00:00:10.000, 1]\n+I[2024-01-01 00:00:20.000, 1]\n");
  /* a window TVF alone passes the changelog on, each row with its own window (a -U/-D
   * with the retracted row's): GBP's tombstone stays a -D (rows sorted) */
  CHECK_ROWS(with_bs(RATES_DDL "SELECT cur, rate, window_start FROM TABLE(TUMBLE(TABLE rates, DESCRIPTOR(ts), "
                               "INTERVAL '10' SECOND));"),
             "+I[EUR, 114, 2024-01-01 00:00:00.000]\n+I[GBP, 90, 2024-01-01 00:00:00.000]\n"
             "+I[USD, 100, 2024-01-01 00:00:00.000]\n+U[EUR, 112, 2024-01-01 00:00:00.000]\n"
             "+U[EUR, 116, 2024-01-01 00:00:10.000]\n+U[EUR, 119, 2024-01-01 00:00:20.000]\n"
             "+U[USD, 101, 2024-01-01 00:00:10.000]\n-D[GBP, 90, 2024-01-01 00:00:00.000]\n"
             "-U[EUR, 112, 2024-01-01 00:00:00.000]\n-U[EUR, 114, 2024-01-01 00:00:00.000]\n"
             "-U[EUR, 116, 2024-01-01 00:00:10.000]\n-U[USD, 100, 2024-01-01 00:00:00.000]\n");
}

/* 200 updates of ten keys, k<i%10> = i; a key's records in one partition (as a
 * keyed producer writes them), k0, k3, k6, k9 in partition 0 and so on */
static int par_record(long i, char *key, size_t kcap, char *val, size_t vcap, int32_t *part, int64_t *ts) {
  snprintf(key, kcap, "k%ld", i % 10);
  snprintf(val, vcap, "{\"v\":%ld}", i);
  *part = (int32_t)(i % 10 % 3);
  *ts = 1700000000000 + i;
  return 0;
}

/* Per key of par_out: its partition (-1: none yet), its last value and whether every
 * record stayed in one partition with increasing values. */
typedef struct par_seen {
  int part[10];
  long last[10], n;
  bool ordered;
} par_seen;

static void on_par(void *arg, int32_t part, int64_t off, const char *key, size_t kn, const char *val, size_t vn) {
  (void)off;
  par_seen *ps = arg;
  char v[64];
  snprintf(v, sizeof v, "%.*s", (int)(vn < 63 ? vn : 63), val ? val : "");
  int k = kn == 2 && key[0] == 'k' ? key[1] - '0' : -1;
  const char *colon = strchr(v, ':');
  long x = colon ? atol(colon + 1) : -1;
  if (k < 0 || k > 9 || !val || x < 0 || (ps->part[k] >= 0 && ps->part[k] != part) || x <= ps->last[k]) {
    ps->ordered = false;
    return;
  }
  ps->part[k] = part, ps->last[k] = x, ps->n++;
}

#define PAR_DDL(topic, extra)                                                                                        \
  "CREATE TABLE " topic " (k STRING, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', " \
  "'topic' = '" topic "', 'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', 'value.format' = 'json', "  \
  "'value.fields-include' = 'EXCEPT_KEY', 'scan.bounded.mode' = 'latest-offset'" extra ");\n"

/* A source topic of three partitions read at parallelism 3, written by a sink of
 * parallelism 2 into a topic of four partitions: the sink is keyed by the primary key,
 * so each key's records go through one subtask into one partition in the order of its
 * updates, and the last record of key k<j> holds its last value 190 + j. */
TEST(parallel_sink_keeps_each_key_in_order) {
  CHECK_INT(kmock_topic(&MOCK, "par_in", 3), 0);
  CHECK_INT(kmock_topic(&MOCK, "par_out", 4), 0);
  CHECK_INT(kmock_produce(&MOCK, "par_in", 200, par_record), 0);
  CHECK_MODE(with_bs("SET 'parallelism.default' = '3';\n" PAR_DDL("par_in", "") PAR_DDL("par_out", ", 'sink.parallelism' = '2'")
                     "INSERT INTO par_out SELECT k, v FROM par_in;"),
             false, false, "");
  par_seen ps = {.ordered = true};
  for (int k = 0; k < 10; k++) ps.part[k] = -1, ps.last[k] = -1;
  long n = kmock_read_all(&MOCK, "par_out", on_par, &ps);
  CHECK(ps.ordered);
  CHECK_INT(n, ps.n);
  CHECK(n >= 10 && n <= 200);
  int used[4] = {0};
  for (int k = 0; k < 10; k++) {
    CHECK_INT(ps.last[k], 190 + k);
    if (ps.part[k] >= 0) used[ps.part[k]] = 1;
  }
  CHECK(used[0] + used[1] + used[2] + used[3] >= 2); /* the keys spread over the partitions */
  CHECK_FINAL(with_bs("SET 'parallelism.default' = '3';\n" PAR_DDL("par_out", "") "SELECT k, v FROM par_out;"),
              "[k0, 190]\n[k1, 191]\n[k2, 192]\n[k3, 193]\n[k4, 194]\n[k5, 195]\n[k6, 196]\n[k7, 197]\n[k8, 198]\n"
              "[k9, 199]\n");
}

/* 300000 upserts of 1000 keys: k<j> = {g: j%3, v: i} for j = i%1000, in partition j%3
 * (the mock keeps not much more than 100000 records of a partition) */
static int kill_record(long i, char *key, size_t kcap, char *val, size_t vcap, int32_t *part, int64_t *ts) {
  snprintf(key, kcap, "k%ld", i % 1000);
  snprintf(val, vcap, "{\"g\":%ld,\"v\":%ld}", i % 1000 % 3, i);
  *part = (int32_t)(i % 1000 % 3);
  *ts = 1700000000000 + i;
  return 0;
}

#define KILL_JOB                                                                                                      \
  "SET 'parallelism.default' = '1';\n"                                                                                \
  "SET 'execution.checkpointing.interval' = '50 ms';\n"                                                              \
  "SET 'state.checkpoints.dir' = '${CKPT}';\n"                                                                        \
  "SET 'state.checkpoints.num-retained' = '5';\n%s"                                                                  \
  "CREATE TABLE src (k STRING, g INT, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', "  \
  "'topic' = 'kill_src', 'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', 'value.format' = 'json', "     \
  "'value.fields-include' = 'EXCEPT_KEY', 'scan.bounded.mode' = 'latest-offset');\n"                                  \
  "CREATE TABLE dst (g INT, n BIGINT, s BIGINT, PRIMARY KEY (g) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', "  \
  "'topic' = '%s', 'properties.bootstrap.servers' = '%s', 'key.format' = 'json', 'value.format' = 'json');\n"      \
  "INSERT INTO dst SELECT g, COUNT(*), SUM(v) FROM src WHERE MOD(v, 20) = 0 GROUP BY g;\n"

static void kill_script(const char *path, const char *topic, const char *resume) {
  char text[4096];
  snprintf(text, sizeof text, KILL_JOB, resume, MOCK.bootstrap, topic, MOCK.bootstrap);
  write_file(path, text);
}

static void on_line(void *arg, int32_t part, int64_t off, const char *key, size_t kn, const char *val, size_t vn) {
  (void)part, (void)off;
  strom_buf *b = arg;
  strom__buf_printf(b, "%.*s=%.*s\n", (int)kn, key, (int)vn, val ? val : "<null>");
}

/* An upsert-kafka source's ChangelogNormalize (its last row per key) in a checkpoint:
 * a GROUP BY over its changelog, written to an upsert-kafka topic, run once, and once
 * killed with SIGKILL after three checkpoints and resumed from the newest.  Both topics
 * must hold the same records: a normalize that forgot its keys would send +I for a
 * known key instead of -U/+U, and the counts would grow.  At least once, not exactly
 * once: the 2.0.2 mock cluster shows aborted transactions to read_committed consumers
 * (see tests/test_kafka.c), so the killed run's open transaction would show. */
TEST(changelog_normalize_killed_and_resumed) {
  const char *bin = strom_bin();
  if (!bin) return;
  CHECK_INT(kmock_topic(&MOCK, "kill_src", 3), 0);
  CHECK_INT(kmock_topic(&MOCK, "kill_a", 1), 0);
  CHECK_INT(kmock_topic(&MOCK, "kill_b", 1), 0);
  CHECK_INT(kmock_produce(&MOCK, "kill_src", 300000, kill_record), 0);
  CHECK_INT(kmock_read_all(&MOCK, "kill_src", NULL, NULL), 300000); /* all kept (the mock drops old records) */
  char once[400], killed[400], resumed[400], ck1[400], ck2[400], out[400], chk[600] = "";
  snprintf(once, sizeof once, "%s/kill-once.sql", tmp);
  snprintf(killed, sizeof killed, "%s/kill-killed.sql", tmp);
  snprintf(resumed, sizeof resumed, "%s/kill-resumed.sql", tmp);
  snprintf(ck1, sizeof ck1, "%s/kill-ck1", tmp);
  snprintf(ck2, sizeof ck2, "%s/kill-ck2", tmp);
  snprintf(out, sizeof out, "%s/kill-out", tmp);
  char rm[1000];
  snprintf(rm, sizeof rm, "rm -rf %s %s", ck1, ck2); /* no checkpoint of an earlier run */
  CHECK_INT(system(rm), 0);
  kill_script(once, "kill_a", "");
  kill_script(killed, "kill_b", "");
  kill_script(resumed, "kill_b", "SET 'execution.savepoint.path' = '${RESUME}';\n");
  int status = 0;
  pid_t pid = spawn(bin, once, ck1, out, NULL, NULL);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  pid = spawn(bin, killed, ck2, out, NULL, NULL);
  for (int i = 0; i < 3000 && newest_checkpoint(ck2, chk, sizeof chk) < 3; i++) sleep_ms(10);
  bool running = waitpid(pid, &status, WNOHANG) == 0;
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  CHECK(running);
  CHECK(newest_checkpoint(ck2, chk, sizeof chk) >= 3);
  pid = spawn(bin, resumed, ck2, out, chk, NULL);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  strom_buf a = {0}, b = {0};
  long na = kmock_read_all(&MOCK, "kill_a", on_line, &a), nb = kmock_read_all(&MOCK, "kill_b", on_line, &b);
  CHECK(na > 1000 && strstr(a.p, "{\"g\":0}={\"g\":0,\"n\":1,\"s\":0}\n")); /* from the first record on */
  CHECK(nb >= na / 2);
  /* at least once: the resumed run writes again what followed its checkpoint, so the
   * records differ in number, not in which ones there are */
  char fa[400], fb[400], cmd[3000];
  snprintf(fa, sizeof fa, "%s/kill-a.txt", tmp);
  snprintf(fb, sizeof fb, "%s/kill-b.txt", tmp);
  write_file(fa, a.p ? a.p : "");
  write_file(fb, b.p ? b.p : "");
  snprintf(cmd, sizeof cmd, "LC_ALL=C sort -u %s > %s.u && LC_ALL=C sort -u %s > %s.u && cmp -s %s.u %s.u", fa, fa, fb, fb, fa, fb);
  CHECK_INT(system(cmd), 0);
  /* the last record of each group, in both: its keys' last rows (keys k0, k20, ... pass
   * the filter, their last values 299000 + j) */
  long n[3] = {0}, sum[3] = {0};
  for (long j = 0; j < 1000; j += 20) n[j % 3]++, sum[j % 3] += 299000 + j;
  for (int g = 0; g < 3; g++) {
    char want[128], key[32];
    snprintf(key, sizeof key, "{\"g\":%d}=", g);
    snprintf(want, sizeof want, "{\"g\":%d}={\"g\":%d,\"n\":%ld,\"s\":%ld}\n", g, g, n[g], sum[g]);
    for (int w = 0; w < 2; w++) {
      const char *last = NULL;
      for (const char *p = w ? b.p : a.p; p && (p = strstr(p, key)); p++) last = p;
      CHECK(last && !strncmp(last, want, strlen(want)));
    }
  }
  strom__buf_free(&a);
  strom__buf_free(&b);
}

/* ---- avro keys and values ---- */

/* Records as hex "key=value" lines ("key=<null>": a tombstone), for binary formats. */
static void on_hex(void *arg, int32_t part, int64_t off, const char *key, size_t kn, const char *val, size_t vn) {
  (void)part, (void)off;
  char *all = arg;
  size_t l = strlen(all);
  for (size_t i = 0; i < kn && l + 3 < 4096; i++, l += 2) snprintf(all + l, 4096 - l, "%02x", (unsigned char)key[i]);
  l += (size_t)snprintf(all + l, 4096 - l, "=");
  for (size_t i = 0; val && i < vn && l + 3 < 4096; i++, l += 2) snprintf(all + l, 4096 - l, "%02x", (unsigned char)val[i]);
  snprintf(all + l, 4096 - l, "%s\n", val ? "" : "<null>");
}

/* One binary record (kn/vn bytes; v NULL: a tombstone) into partition 0. */
static int produce_bin(const char *topic, const char *k, size_t kn, const char *v, size_t vn) {
  rd_kafka_t *rk = kmock_producer(&MOCK);
  if (!rk) return -1;
  int rc = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY((void *)k, kn),
                             RD_KAFKA_V_VALUE((void *)v, v ? vn : 0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END);
  if (rd_kafka_flush(rk, 10000)) rc = -1;
  rd_kafka_destroy(rk);
  return rc;
}

#define AV_DDL                                                                                                  \
  "SET 'parallelism.default' = '1';\n"                                                                         \
  "CREATE TABLE av (k STRING, n BIGINT, d DATE, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = "            \
  "'upsert-kafka', 'topic' = 'av', 'properties.bootstrap.servers' = '%s', 'key.format' = 'avro', "             \
  "'value.format' = 'avro', 'value.avro.codec' = 'null', 'scan.bounded.mode' = 'latest-offset');\n"

/* Avro keys and values under the schemas Flink derives: the key a record of the primary
 * key (NOT NULL, so a plain string, no union), the value every column ('ALL': k again
 * as a plain string, n and d unions with null).  A GROUP BY's upserts written, their
 * bytes compared with hand-encoded Avro, and read back as the final table. */
TEST(avro_keys_and_values) {
  CHECK_INT(kmock_topic(&MOCK, "av", 1), 0);
  CHECK_MODE(with_bs(AV_DDL "INSERT INTO av SELECT r, COUNT(*), MAX(d) FROM (VALUES ('ab', DATE '1970-01-02'), "
                            "('c', CAST(NULL AS DATE)), ('ab', DATE '1970-01-01')) AS t(r, d) GROUP BY r;"),
             false, false, "");
  char recs[4096] = "";
  CHECK_INT(kmock_read_all(&MOCK, "av", on_hex, recs), 3);
  /* key "ab": length 2 zig-zagged (04) 'a' 'b'; value: k the same, n branch 1 (02) and
   * 1 zig-zagged (02) then 2 (04), d branch 1 and day 1 (02); "c" has d null (branch 0) */
  CHECK_STR(recs, "046162=04616202020202\n"
                  "0263=0263020200\n"
                  "046162=04616202040202\n");
  CHECK_MODE(with_bs(AV_DDL "SELECT * FROM av;"), false, false,
             "+I[ab, 1, 1970-01-02]\n+I[c, 1, <NULL>]\n-U[ab, 1, 1970-01-02]\n+U[ab, 2, 1970-01-02]\n");
}

#define AVP_DDL                                                                                                 \
  "SET 'parallelism.default' = '1';\n"                                                                         \
  "CREATE TABLE avp (k_id INT, name STRING, PRIMARY KEY (k_id) NOT ENFORCED) WITH ('connector' = "             \
  "'upsert-kafka', 'topic' = 'avp', 'properties.bootstrap.servers' = '%s', 'key.format' = 'avro', "            \
  "'value.format' = 'avro', 'key.fields-prefix' = 'k_', 'value.fields-include' = 'EXCEPT_KEY', "               \
  "'scan.bounded.mode' = 'latest-offset');\n"

/* Hand-encoded records read: key {id: int}, value {name: ["null", "string"]}; id 1 bob,
 * id 2 a null name, id 1 al, a tombstone of id 2. */
TEST(avro_hand_encoded_read) {
  CHECK_INT(kmock_topic(&MOCK, "avp", 1), 0);
  CHECK_INT(produce_bin("avp", "\x02", 1, "\x02\x06" "bob", 5), 0);
  CHECK_INT(produce_bin("avp", "\x04", 1, "\x00", 1), 0);
  CHECK_INT(produce_bin("avp", "\x02", 1, "\x02\x04" "al", 4), 0);
  CHECK_INT(produce_bin("avp", "\x04", 1, NULL, 0), 0);
  CHECK_MODE(with_bs(AVP_DDL "SELECT * FROM avp;"), false, false,
             "+I[1, bob]\n+I[2, <NULL>]\n-U[1, bob]\n+U[1, al]\n-D[2, <NULL>]\n");
  /* written back the same way: the key without its prefix, the value without the key */
  CHECK_MODE(with_bs(AVP_DDL "INSERT INTO avp VALUES (3, 'x');"), false, false, "");
  char recs[4096] = "";
  CHECK_INT(kmock_read_all(&MOCK, "avp", on_hex, recs), 5);
  CHECK(strstr(recs, "06=020278\n") != NULL);
}

TEST(errors) {
  /* a changelog source, which batch mode does not take (as Flink) */
  CHECK_ERR(with_bs("SET 'execution.runtime-mode' = 'batch';\n"
                    "CREATE TABLE e (k STRING, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', "
                    "'topic' = 't', 'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', 'value.format' = 'json', "
                    "'scan.bounded.mode' = 'latest-offset');\nSELECT * FROM e;"),
            "which table 'e' (connector 'upsert-kafka') produces; run in streaming mode");
  CHECK_ERR(with_bs("CREATE TABLE e (k STRING, v BIGINT) WITH ('connector' = 'upsert-kafka', 'topic' = 't', "
                    "'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', 'value.format' = 'json');"),
            "'upsert-kafka' tables require to define a PRIMARY KEY constraint");
  CHECK_ERR(with_bs("CREATE TABLE e (k STRING, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = "
                    "'upsert-kafka', 'topic' = 't', 'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', "
                    "'value.format' = 'json', 'scan.startup.mode' = 'earliest-offset');"),
            "unsupported option 'scan.startup.mode' for connector 'upsert-kafka'; supported options: connector, "
            "scan.watermark.emit.strategy, properties.bootstrap.servers, topic, key.format, value.format");
  CHECK_ERR(with_bs("CREATE TABLE e (k STRING, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = "
                    "'upsert-kafka', 'topic' = 't', 'properties.bootstrap.servers' = '%s', 'value.format' = 'json');"),
            "option 'key.format' is required");
  CHECK_ERR(with_bs("CREATE TABLE e (k_k STRING, v BIGINT, PRIMARY KEY (k_k) NOT ENFORCED) WITH ('connector' = "
                    "'upsert-kafka', 'topic' = 't', 'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', "
                    "'value.format' = 'json', 'key.fields-prefix' = 'k_');"),
            "A key prefix is not allowed when option 'value.fields-include' is set to 'ALL'");
  CHECK_ERR(with_bs("CREATE TABLE e (k STRING, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = "
                    "'upsert-kafka', 'topic' = 't', 'properties.bootstrap.servers' = '%s', 'key.format' = 'xml', "
                    "'value.format' = 'json');"),
            "unknown key.format 'xml' (supported: json, csv, raw, avro)");
  CHECK_ERR(with_bs("CREATE TABLE e (k STRING, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = "
                    "'upsert-kafka', 'topic' = 't', 'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', "
                    "'value.format' = 'debezium-json');"),
            "'upsert-kafka' connector doesn't support 'debezium-json' as value format, because 'debezium-json' is "
            "not in insert-only mode.");
  CHECK_ERR(with_bs("CREATE TABLE e (k STRING, v ARRAY<INT>, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = "
                    "'upsert-kafka', 'topic' = 't', 'properties.bootstrap.servers' = '%s', 'key.format' = 'avro', "
                    "'value.format' = 'avro');"),
            "column 'v': type ARRAY<INT> is not supported by the avro format yet");
  CHECK_ERR(with_bs("CREATE TABLE e (k STRING, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = "
                    "'upsert-kafka', 'topic' = 't', 'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', "
                    "'value.format' = 'json', 'sink.buffer-flush.max-rows' = '10');"),
            "must be set to be greater than zero together");
  /* metadata: the kafka connector's keys and rules */
  CHECK_ERR(with_bs("CREATE TABLE e (k STRING, v BIGINT, ep INT METADATA FROM 'epoch', PRIMARY KEY (k) NOT ENFORCED) "
                    "WITH ('connector' = 'upsert-kafka', 'topic' = 't', 'properties.bootstrap.servers' = '%s', "
                    "'key.format' = 'raw', 'value.format' = 'json');"),
            "column 'ep': unknown Kafka metadata key 'epoch'");
  CHECK_ERR(with_bs("CREATE TABLE e (k STRING, v BIGINT, o BIGINT METADATA FROM 'offset', PRIMARY KEY (k) NOT ENFORCED) "
                    "WITH ('connector' = 'upsert-kafka', 'topic' = 'meta_out', 'properties.bootstrap.servers' = '%s', "
                    "'key.format' = 'raw', 'value.format' = 'json');\nINSERT INTO e VALUES ('x', 1, 2);"),
            "metadata column 'o' ('offset') is read-only: the sink writes only timestamp and headers (declare it VIRTUAL)");
  CHECK_ERR(with_bs("CREATE TABLE e (k STRING, v BIGINT, o BIGINT METADATA FROM 'offset', PRIMARY KEY (o) NOT ENFORCED) "
                    "WITH ('connector' = 'upsert-kafka', 'topic' = 't', 'properties.bootstrap.servers' = '%s', "
                    "'key.format' = 'raw', 'value.format' = 'json');"),
            "Could not create a PRIMARY KEY with column 'o'. A PRIMARY KEY constraint must be declared on physical columns.");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (kmock_start_or_fail(&MOCK)) return 1;
  RUN(setup);
  RUN(group_by_written_and_read_back);
  RUN(source_changelog_of_hand_written_records);
  RUN(prefix_except_key_and_tombstones_written);
  RUN(exactly_once_keeps_tombstones);
  RUN(metadata_columns_read);
  RUN(metadata_columns_written);
  RUN(watermark_versioned_table);
  RUN(window_tvf_over_the_changelog);
  RUN(parallel_sink_keeps_each_key_in_order);
  RUN(changelog_normalize_killed_and_resumed);
  RUN(avro_keys_and_values);
  RUN(avro_hand_encoded_read);
  RUN(errors);
  kmock_stop(&MOCK);
  TEST_MAIN_END();
}
