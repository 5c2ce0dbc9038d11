/*
 * test_sql_bytes.c -- BYTES / BINARY(n) / VARBINARY(n) in SQL (types_bytes.c): X'..'
 * literals, casts, comparisons and keys, the functions on bytes, their text in the
 * tableau, the print connector and the json/csv files; SELECT DISTINCT over a GROUP BY;
 * the filesystem source's metadata columns.  Expectations are computed by hand.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <fcntl.h>

#include "kafka_mock.h"
#include "pg_test.h"
#include "sql_test.h"

#define BATCH "SET 'execution.runtime-mode' = 'batch';\n"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return strdup("");
  char *b = calloc(1, 65536);
  size_t n = fread(b, 1, 65535, f);
  b[n] = 0;
  fclose(f);
  return b;
}

/* The concatenated contents of the part files under dir. */
static char *dir_text(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "cat $(find %s -type f ! -name '.*' | sort) > %s.all 2>/dev/null", dir, dir);
  if (system(cmd)) {}
  snprintf(cmd, sizeof cmd, "%s.all", dir);
  return slurp(cmd);
}

TEST(bytes_literals_and_casts) {
  CHECK_ROWS("SELECT X'0A1b', X'', CAST('h\xc3\xa9' AS BYTES), CAST(X'68c3a9' AS STRING)", false,
             "+I[x'0a1b', x'', x'68c3a9', h\xc3\xa9]\n");
  /* BINARY(n) pads with zero bytes and truncates; VARBINARY(n) truncates */
  CHECK_ROWS("SELECT CAST(X'0102' AS BINARY(4)), CAST('ab' AS BINARY(3)), CAST(X'010203' AS VARBINARY(2)), "
             "CAST(X'010203' AS BINARY(1)), CAST(X'01' AS VARBINARY(5))",
             false, "+I[x'01020000', x'616200', x'0102', x'01', x'01']\n");
  /* malformed UTF-8 reads as U+FFFD, as Java's new String(bytes, UTF_8) */
  CHECK_ROWS("SELECT CAST(X'61ff62' AS STRING), CAST(CAST(NULL AS BYTES) AS STRING)", false,
             "+I[a\xef\xbf\xbd" "b, <NULL>]\n");
  /* the declared types */
  char *out, err[1024];
  int rc = run("CREATE TABLE t (a BYTES, b BINARY(3), c VARBINARY(7), d BINARY) WITH ('connector' = 'datagen');\n"
               "DESCRIBE t;",
               &out, err, sizeof err);
  CHECK_INT(rc, 0);
  CHECK(strstr(out, "BYTES") && strstr(out, "BINARY(3)") && strstr(out, "VARBINARY(7)") && strstr(out, "BINARY(1)"));
  free(out);
}

TEST(bytes_functions) {
  CHECK_ROWS("SELECT TO_BASE64(X'00ff10'), TO_BASE64('hello'), TO_BASE64(X'0102'), FROM_BASE64('aGVsbG8='), "
             "CAST(FROM_BASE64('AP8Q') AS BYTES)",
             false, "+I[AP8Q, aGVsbG8=, AQI=, hello, x'00efbfbd10']\n"); /* FROM_BASE64 is a STRING: 0xff is U+FFFD */
  CHECK_ROWS("SELECT HEX(X'0aff'), HEX(255), HEX('hi'), HEX(-1)", false, "+I[0AFF, FF, 6869, FFFFFFFFFFFFFFFF]\n");
  CHECK_ROWS("SELECT ENCODE('h\xc3\xa9', 'UTF-8'), DECODE(X'68c3a9', 'utf-8'), DECODE(X'e9', 'ISO-8859-1'), "
             "ENCODE('\xc3\xa9', 'US-ASCII'), ENCODE('\xc3\xa9', 'ISO-8859-1')",
             false, "+I[x'68c3a9', h\xc3\xa9, \xc3\xa9, x'3f', x'e9']\n");
  CHECK_ROWS("SELECT SUBSTRING(X'01020304', 2, 2), SUBSTRING(X'01020304', -1), SUBSTR(X'01020304', 3), "
             "CHAR_LENGTH(X'0102'), OCTET_LENGTH('h\xc3\xa9'), OCTET_LENGTH(X'')",
             false, "+I[x'0203', x'04', x'0304', 2, 3, 0]\n");
  CHECK_ROWS("SELECT CONCAT(X'01', X'02', X'ff'), X'01' || X'ff', 'a' || 'b'", false, "+I[x'0102ff', x'01ff', ab]\n");
}

TEST(bytes_compare_order_group_join) {
  /* unsigned bytewise: x'ff' > x'7f' (a signed compare would say otherwise); a prefix first */
  CHECK_ROWS("SELECT X'ff' > X'7f', X'0100' > X'01', X'01' = CAST(X'01' AS VARBINARY(3)), X'' < X'00', "
             "CAST(X'01' AS BINARY(2)) = X'0100'",
             false, "+I[TRUE, TRUE, TRUE, TRUE, TRUE]\n");
  CHECK_ROWS(BATCH "SELECT b FROM (VALUES (X'7f'), (X'ff'), (X'0100'), (X'01'), (X'80')) AS t(b) ORDER BY b", false,
             "+I[x'01']\n+I[x'0100']\n+I[x'7f']\n+I[x'80']\n+I[x'ff']\n");
  CHECK_ROWS(BATCH "SELECT MIN(b), MAX(b) FROM (VALUES (X'7f'), (X'ff'), (X'01')) AS t(b)", false,
             "+I[x'01', x'ff']\n");
  CHECK_ROWS(BATCH "SELECT b, COUNT(*) FROM (VALUES (X'01'), (X'ff'), (X'01'), (X'ff'), (X'01')) AS t(b) GROUP BY b", true,
             "+I[x'01', 3]\n+I[x'ff', 2]\n");
  /* streaming GROUP BY in keyed state: keys with zero bytes inside stay apart */
  CHECK_ROWS("SET 'parallelism.default' = '1';\n"
             "SELECT HEX(b), COUNT(*) FROM (VALUES (X'0001'), (X'00'), (X'0001'), (X'000100')) AS t(b) GROUP BY b", false,
             "+I[0001, 1]\n+I[00, 1]\n-U[0001, 1]\n+U[0001, 2]\n+I[000100, 1]\n");
  CHECK_ROWS(BATCH "SELECT l.n, r.m FROM (VALUES (X'01', 1), (X'ff', 2)) AS l(k, n) "
                   "JOIN (VALUES (X'ff', 'x'), (X'02', 'y'), (X'01', 'z')) AS r(k, m) ON l.k = r.k",
             true, "+I[1, z]\n+I[2, x]\n");
}

TEST(bytes_in_files_and_print) {
  /* json and csv carry base64 (Flink's formats); reading it back gives the bytes */
  char *out, err[1024];
  int rc = run("CREATE TABLE j (id INT, b BYTES) WITH ('connector' = 'filesystem', 'path' = '${TMP}/j', 'format' = 'json');\n"
               "CREATE TABLE c (id INT, b VARBINARY(4)) WITH ('connector' = 'filesystem', 'path' = '${TMP}/c', 'format' = 'csv');\n"
               "INSERT INTO j VALUES (1, X'00ff10'), (2, CAST(NULL AS BYTES));\n"
               "INSERT INTO c VALUES (1, X'0102'), (2, X'');\n",
               &out, err, sizeof err);
  if (rc) fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  free(out);
  char d[400];
  snprintf(d, sizeof d, "%s/j", tmp);
  char *txt = dir_text(d);
  CHECK(strstr(txt, "\"b\":\"AP8Q\"") != NULL);
  free(txt);
  snprintf(d, sizeof d, "%s/c", tmp);
  txt = dir_text(d);
  CHECK(strstr(txt, "1,AQI=") != NULL);
  free(txt);
  CHECK_ROWS(BATCH "CREATE TABLE j (id INT, b BYTES) WITH ('connector' = 'filesystem', 'path' = '${TMP}/j', 'format' = 'json');\n"
                   "SELECT id, b, HEX(b) FROM j",
             true, "+I[1, x'00ff10', 00FF10]\n+I[2, <NULL>, <NULL>]\n");
  CHECK_ROWS(BATCH "CREATE TABLE c (id INT, b VARBINARY(4)) WITH ('connector' = 'filesystem', 'path' = '${TMP}/c', 'format' = 'csv');\n"
                   "SELECT id, OCTET_LENGTH(b) FROM c",
             true, "+I[1, 2]\n+I[2, 0]\n");
  /* a file with bad base64 fails the job with a message naming it */
  char path[400];
  snprintf(path, sizeof path, "%s/bad.json", tmp);
  FILE *f = fopen(path, "w");
  fputs("{\"b\":\"A*==\"}\n", f);
  fclose(f);
  CHECK_ERR("CREATE TABLE bad (b BYTES) WITH ('connector' = 'filesystem', 'path' = '${TMP}/bad.json', 'format' = 'json');\n"
            "SELECT * FROM bad",
            "column 'b': 'A*==' is not base64 (illegal character '*' at 2)");
  /* datagen: random bytes, 100 by default as Flink's, a VARBINARY(n) n */
  CHECK_ROWS("CREATE TABLE d (b BYTES, v VARBINARY(4)) WITH ('connector' = 'datagen', 'number-of-rows' = '2');\n"
             "SELECT OCTET_LENGTH(b), OCTET_LENGTH(v) FROM d",
             false, "+I[100, 4]\n+I[100, 4]\n");
  /* the print connector shows Java's byte[] (signed) */
  rc = run("CREATE TABLE p (b BYTES) WITH ('connector' = 'print');\nINSERT INTO p VALUES (X'0aff');", &out, err, sizeof err);
  CHECK_INT(rc, 0);
  if (!strstr(out, "+I[[10, -1]]")) fprintf(stderr, "  print output: %s\n", out);
  CHECK(strstr(out, "+I[[10, -1]]") != NULL);
  free(out);
}

TEST(bytes_errors) {
  CHECK_ERR("SELECT X'0A1'", "line 1, column 8: binary literal X'0A1' must have an even number of hex digits");
  CHECK_ERR("SELECT X'0g'", "not a hex digit: 'g'");
  CHECK_ERR("SELECT FROM_BASE64('a')", "is not base64");
  CHECK_ERR("SELECT FROM_BASE64('ab$=')", "illegal character '$'");
  CHECK_ERR("SELECT CAST(X'01' AS INT)", "cannot cast BINARY(1) NOT NULL to INT");
  CHECK_ERR("SELECT X'01' = 'a'", "cannot compare BINARY(1) NOT NULL with CHAR(1)");
  CHECK_ERR("SELECT DECODE(X'01', 'UTF-16')", "unsupported charset 'UTF-16'");
  CHECK_ERR("CREATE TABLE t (b BINARY(0)) WITH ('connector' = 'datagen'); SELECT * FROM t", "BINARY length must be between 1");
  CHECK_ERR("SELECT CONCAT(X'01', 'a')", "CONCAT: mixes BYTES with other types");
}

/* kafka: a raw key carries the bytes themselves, a json value base64 */
static kmock MOCK;

static void on_record(void *arg, int32_t part, int64_t off, const char *key, size_t kn, const char *val, size_t vn) {
  (void)part, (void)off;
  char *seen = arg;
  if (kn == 2 && (unsigned char)key[0] == 0x0a && (unsigned char)key[1] == 0xff && vn < 200)
    snprintf(seen, 256, "%.*s", (int)vn, val);
}

TEST(bytes_in_kafka) {
  CHECK_INT(kmock_topic(&MOCK, "kb", 1), 0);
  char q[1600], seen[256] = "";
  snprintf(q, sizeof q,
           "CREATE TABLE kb (k BYTES, id INT, b BYTES) WITH ('connector' = 'kafka', 'topic' = 'kb', "
           "'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'json', "
           "'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');\n"
           "INSERT INTO kb VALUES (X'0aff', 1, X'00ff10');\n"
           "SELECT k, id, b FROM kb;",
           MOCK.bootstrap);
  CHECK_ROWS(q, false, "+I[x'0aff', 1, x'00ff10']\n");
  kmock_read_all(&MOCK, "kb", on_record, seen);
  CHECK(strstr(seen, "\"b\":\"AP8Q\"") != NULL);
}

/* kafka: the headers column as Flink types it, MAP<STRING, BYTES> */
TEST(kafka_headers_as_a_map_of_bytes) {
  CHECK_INT(kmock_topic(&MOCK, "kh", 1), 0);
  char q[2400];
#define KH(cols)                                                                                              \
  "CREATE TABLE %s (" cols ") WITH ('connector' = 'kafka', 'topic' = 'kh', 'properties.bootstrap.servers' = '%s', " \
  "'format' = 'json', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');\n"
  snprintf(q, sizeof q,
           KH("id INT, h MAP<STRING, BYTES> METADATA FROM 'headers'") KH("id INT, h STRING METADATA FROM 'headers'")
           "INSERT INTO m VALUES (1, MAP['a', X'01ff', 'b', CAST(NULL AS BYTES)]);\n"
           "INSERT INTO s VALUES (2, '{\"x\": \"1\", \"y\": \"2\", \"x\": \"3\"}');\n",
           "m", MOCK.bootstrap, "s", MOCK.bootstrap);
  char *out, err[1024];
  int rc = run(q, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  free(out);
  /* read as a MAP: the bytes; a repeated name keeps its last value (Flink's HashMap) */
  snprintf(q, sizeof q, KH("id INT, h MAP<STRING, BYTES> METADATA FROM 'headers' VIRTUAL")
           "SELECT id, h, h['x'] FROM m", "m", MOCK.bootstrap);
  CHECK_ROWS(q, true, "+I[1, {a=x'01ff', b=NULL}, <NULL>]\n+I[2, {x=x'33', y=x'32'}, x'33']\n");
  /* read as the STRING form: the same headers as JSON text */
  snprintf(q, sizeof q, KH("id INT, h STRING METADATA FROM 'headers' VIRTUAL") "SELECT id, h FROM s WHERE id = 1",
           "s", MOCK.bootstrap);
  CHECK_ROWS(q, false, "+I[1, {\"a\":\"\\u0001\xff\",\"b\":null}]\n");
#undef KH
}

/* a C UDF gets BYTES as the bytes themselves */
TEST(bytes_to_a_c_udf) {
  char src[300], lib[300], cmd[1400], q[1200];
  snprintf(src, sizeof src, "%s/udf.c", tmp);
  snprintf(lib, sizeof lib, "%s/libudf.so", tmp);
  FILE *f = fopen(src, "w");
  fputs("#include \"strom/sql.h\"\n"
        "static int blen(strom_sql_udf_ctx *ctx, int argc, const strom_sql_value *argv, strom_sql_value *r) {\n"
        "  (void)ctx, (void)argc;\n"
        "  r->type = STROM_BIGINT, r->i = (int64_t)argv[0].len * 1000 + (unsigned char)argv[0].s[argv[0].len - 1];\n"
        "  return 0;\n"
        "}\n"
        "const strom_sql_udf blen_udf = {STROM_SQL_UDF_ABI, STROM_BIGINT, 1, 1, 1, blen, 0};\n",
        f);
  fclose(f);
  const char *root = getenv("STROM_TEST_ROOT");
  snprintf(cmd, sizeof cmd, "cc -std=c17 -shared -fPIC -I%s/include -o %s %s", root ? root : ".", lib, src);
  CHECK(system(cmd) == 0);
  snprintf(q, sizeof q, "CREATE FUNCTION blen AS '%s:blen_udf' LANGUAGE C;\nSELECT blen(X'00ff'), blen('h\xc3\xa9')", lib);
  CHECK_ROWS(q, false, "+I[2255, 3169]\n");
}

/* jdbc: a BYTES column is PostgreSQL's bytea, written and read in its hex text form */
TEST(bytes_in_postgresql) {
  CHECK(pg_exec("CREATE TABLE blobs (id int, b bytea)"));
  CHECK(pg_exec("INSERT INTO blobs VALUES (9, '\\x7f80'::bytea)"));
  char q[1200];
  snprintf(q, sizeof q,
           "CREATE TABLE blobs (id INT, b BYTES) WITH ('connector' = 'jdbc', 'url' = '%s', 'table-name' = 'blobs');\n"
           "INSERT INTO blobs VALUES (1, X'00ff10'), (2, X''), (3, CAST(NULL AS BYTES));\n",
           pg_url);
  char *out, err[1024];
  int rc = run(q, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  free(out);
  char *got = pg_query("SELECT id, encode(b, 'hex') FROM blobs ORDER BY id");
  CHECK_STR(got, "1,00ff10;2,;3,null;9,7f80");
  free(got);
  snprintf(q, sizeof q,
           BATCH "CREATE TABLE blobs (id INT, b VARBINARY(2)) WITH ('connector' = 'jdbc', 'url' = '%s', 'table-name' = 'blobs');\n"
                 "SELECT id, b FROM blobs",
           pg_url);
  CHECK_ROWS(q, true, "+I[1, x'00ff']\n+I[2, x'']\n+I[3, <NULL>]\n+I[9, x'7f80']\n");
}

/* ---- SELECT DISTINCT over a GROUP BY: the aggregated rows grouped again ---- */

TEST(select_distinct_with_group_by) {
  /* counts per key a:2 b:2 c:1 -> distinct counts 1, 2 */
  CHECK_ROWS(BATCH "SELECT DISTINCT COUNT(*) AS c FROM (VALUES ('a'), ('b'), ('a'), ('c'), ('b')) AS t(k) GROUP BY k", true,
             "+I[1]\n+I[2]\n");
  CHECK_ROWS(BATCH "SELECT DISTINCT MAX(v) AS m, k > 'a' FROM (VALUES ('a', 1), ('b', 2), ('a', 2), ('c', 2)) AS t(k, v) "
                   "GROUP BY k HAVING COUNT(*) > 0",
             true, "+I[2, FALSE]\n+I[2, TRUE]\n");
  /* streaming: the aggregate's updates retract the distinct rows (Flink's changelog) */
  CHECK_ROWS("SELECT DISTINCT COUNT(*) FROM (VALUES ('a'), ('b'), ('a')) AS t(k)", false,
             "+I[1]\n-D[1]\n+I[2]\n-D[2]\n+I[3]\n");
  CHECK_ROWS("SET 'parallelism.default' = '1';\n"
             "SELECT DISTINCT COUNT(*) AS c FROM (VALUES ('a'), ('b'), ('a')) AS t(k) GROUP BY k", false,
             "+I[1]\n+I[2]\n");
}

/* ---- the filesystem source's metadata columns ---- */

static void put_file(const char *name, const char *text, time_t mtime) {
  char path[400];
  snprintf(path, sizeof path, "%s/%s", tmp, name);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  struct timeval tv[2] = {{mtime, 0}, {mtime, 0}};
  utimes(path, tv);
}

TEST(filesystem_metadata_columns) {
  char d[300];
  snprintf(d, sizeof d, "%s/m", tmp);
  mkdir(d, 0755);
  put_file("m/one.csv", "1,a\n2,b\n", 1614834367); /* 2021-03-04 05:06:07 UTC */
  put_file("m/two.csv", "3,c\n", 1614834368);
  char q[2400];
  const char *csv =
           "CREATE TABLE f (id INT, p STRING METADATA FROM 'file.path' VIRTUAL, s STRING, "
           "n STRING METADATA FROM 'file.name' VIRTUAL, sz BIGINT METADATA FROM 'file.size' VIRTUAL, "
           "mt TIMESTAMP_LTZ(3) METADATA FROM 'file.modification-time' VIRTUAL) "
           "WITH ('connector' = 'filesystem', 'path' = '${TMP}/m', 'format' = 'csv');\n";
  snprintf(q, sizeof q, BATCH "%sSELECT id, REPLACE(p, '${TMP}', '$'), s, n, sz, mt FROM f", csv);
  CHECK_ROWS(q, true,
             "+I[1, $/m/one.csv, a, one.csv, 8, 2021-03-04 05:06:07.000]\n"
             "+I[2, $/m/one.csv, b, one.csv, 8, 2021-03-04 05:06:07.000]\n"
             "+I[3, $/m/two.csv, c, two.csv, 4, 2021-03-04 05:06:08.000]\n");
  snprintf(q, sizeof q, BATCH "%sSELECT n, COUNT(*), SUM(sz) FROM f WHERE sz > 4 GROUP BY n", csv);
  CHECK_ROWS(q, true, "+I[one.csv, 2, 16]\n");
  /* json: the metadata column need not be last; a sink skips the VIRTUAL columns */
  snprintf(d, sizeof d, "%s/mj", tmp);
  mkdir(d, 0755);
  put_file("mj/x.json", "{\"id\": 7, \"s\": \"q\"}\n", 1614834367);
  snprintf(q, sizeof q,
           BATCH "CREATE TABLE j (n STRING METADATA FROM 'file.name' VIRTUAL, id INT, s STRING) "
                 "WITH ('connector' = 'filesystem', 'path' = '${TMP}/mj', 'format' = 'json');\n"
                 "CREATE TABLE o (id INT, s STRING, n STRING METADATA FROM 'file.name' VIRTUAL) "
                 "WITH ('connector' = 'filesystem', 'path' = '${TMP}/mo', 'format' = 'csv');\n"
                 "INSERT INTO o SELECT id, s FROM j;\n"
                 "SELECT o.id, o.s, j.n FROM o JOIN j ON o.id = j.id");
  CHECK_ROWS(q, false, "+I[7, q, x.json]\n");
  snprintf(d, sizeof d, "%s/mo", tmp);
  char *txt = dir_text(d);
  CHECK_STR(txt, "7,q\n");
  free(txt);
  /* errors: an unknown key lists the valid ones; a metadata column that is not VIRTUAL cannot be written */
  CHECK_ERR("CREATE TABLE g (id INT, x STRING METADATA FROM 'file.owner') "
            "WITH ('connector' = 'filesystem', 'path' = '${TMP}/m', 'format' = 'csv')",
            "unknown filesystem metadata key 'file.owner' (supported: file.path, file.name, file.size, file.modification-time)");
  CHECK_ERR("CREATE TABLE g (id INT, x INT METADATA FROM 'file.path' VIRTUAL) "
            "WITH ('connector' = 'filesystem', 'path' = '${TMP}/m', 'format' = 'csv')",
            "metadata 'file.path' is STRING");
  CHECK_ERR("CREATE TABLE g (id INT, s STRING, x STRING METADATA FROM 'file.path') "
            "WITH ('connector' = 'filesystem', 'path' = '${TMP}/g', 'format' = 'csv');\n"
            "INSERT INTO g VALUES (1, 'a', 'b')",
            "metadata column 'x' ('file.path') is read-only");
  CHECK_ERR("CREATE TABLE g (id INT, x STRING METADATA FROM 'file.name' VIRTUAL, k STRING) PARTITIONED BY (k) "
            "WITH ('connector' = 'filesystem', 'path' = '${TMP}/g', 'format' = 'csv');\nSELECT * FROM g",
            "table 'g': not supported yet: metadata columns on a PARTITIONED BY table");
}

int main(int argc, char **argv) {
  snprintf(tmp, sizeof tmp, "/tmp/strom_test_sql_bytes_XXXXXX");
  if (!mkdtemp(tmp)) return 1;
  TEST_MAIN_BEGIN(argc, argv);
  if (kmock_start_or_fail(&MOCK)) return 1;
  /* the PostgreSQL script's watchdog must not inherit the mock's command pipe */
  fcntl(fileno(MOCK.to), F_SETFD, FD_CLOEXEC);
  fcntl(fileno(MOCK.from), F_SETFD, FD_CLOEXEC);
  RUN(bytes_literals_and_casts);
  RUN(bytes_functions);
  RUN(bytes_compare_order_group_join);
  RUN(bytes_in_files_and_print);
  RUN(bytes_errors);
  RUN(select_distinct_with_group_by);
  RUN(filesystem_metadata_columns);
  RUN(bytes_to_a_c_udf);
  RUN(bytes_in_kafka);
  RUN(kafka_headers_as_a_map_of_bytes);
  if (pg_start()) {
    strncat(pg_url, "?user=postgres", sizeof pg_url - strlen(pg_url) - 1);
    RUN(bytes_in_postgresql);
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
