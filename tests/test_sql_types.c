/*
 * test_sql_types.c -- the SQL types beyond the row model's seven: ROW columns and
 * nested field access (the Nexmark source table of bench/nexmark/ddl.sql, whose q0-q2
 * must give exactly the DataStream jobs' rows), DATE/TIME/INTERVAL values, ARRAY and
 * MAP, and scalar UDFs loaded from a shared library.  Expected values are hand-computed
 * from Flink's semantics.
 */
#include <stdarg.h>
#include <time.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include "connectors/nexmark.h"
#include "connectors/nexmark_queries.h"
#include "sql/sql_int.h"
#define SQL_TEST_OWN_ROWS
#include "sql_test.h"

/* The value column of a one-column tableau's rows, "a|b|c" (cells trimmed). */
static char *cells(const char *out) {
  strom_buf b = {0};
  strom__buf_printf(&b, "%s", "");
  for (const char *p = out; *p;) {
    const char *e = strchr(p, '\n');
    if (!e) e = p + strlen(p);
    if (!strncmp(p, "| +I |", 6)) {
      const char *a = p + 6, *z = e;
      while (z > a && (z[-1] == '|' || z[-1] == ' ')) z--;
      while (a < z && *a == ' ') a++;
      strom__buf_printf(&b, "%s%.*s", b.len ? "|" : "", (int)(z - a), a);
    }
    p = *e ? e + 1 : e;
  }
  return b.p;
}

/* Runs "SELECT <exprs>" (one row) and returns the cells, or "ERROR: msg". */
static char result[4096];
static const char *sel(const char *fmt, ...) {
  char q[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(q, sizeof q, fmt, ap);
  va_end(ap);
  char *out = NULL, err[1024];
  int rc = run(q, &out, err, sizeof err);
  if (rc) snprintf(result, sizeof result, "ERROR: %s", err);
  else {
    char *c = cells(out);
    snprintf(result, sizeof result, "%s", c);
    free(c);
  }
  free(out);
  return result;
}

/* The tableau's rows as "+I[a, b]" lines, or "ERROR: ...". */
static const char *rows(const char *fmt, ...) {
  char q[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(q, sizeof q, fmt, ap);
  va_end(ap);
  char *out = NULL, err[1024];
  int rc = run(q, &out, err, sizeof err);
  size_t k = 0;
  result[0] = 0;
  if (rc) snprintf(result, sizeof result, "ERROR: %s", err);
  for (const char *p = out; !rc && p && *p;) {
    const char *e = strchr(p, '\n');
    if (!e) e = p + strlen(p);
    char buf[512];
    if (tableau_row(p, e, buf, sizeof buf) && k < sizeof result) k += (size_t)snprintf(result + k, sizeof result - k, "%s\n", buf);
    p = *e ? e + 1 : e;
  }
  free(out);
  return result;
}

static const char *error_of(const char *sql) {
  char *out = NULL, err[1024];
  int rc = run(sql, &out, err, sizeof err);
  free(out);
  snprintf(result, sizeof result, "%s", rc ? err : "(no error)");
  return result;
}

#define CHECK_HAS(s, sub)                                                        \
  do {                                                                           \
    const char *s_ = (s);                                                        \
    if (!strstr(s_, sub)) {                                                      \
      fprintf(stderr, "  %s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__, s_, sub); \
      test_failed_now = 1;                                                       \
    }                                                                            \
  } while (0)

/* ---- ROW columns ---- */

static char *read_text(const char *rel) {
  const char *root = getenv("STROM_TEST_ROOT");
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root ? root : ".", rel);
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  strom_buf b = {0};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) strom__buf_append(&b, buf, n);
  fclose(f);
  strom__buf_printf(&b, "%s", "");
  return b.p;
}

static char *replace(const char *s, const char *from, const char *to) {
  strom_buf b = {0};
  for (const char *p = s;;) {
    const char *h = strstr(p, from);
    if (!h) {
      strom__buf_printf(&b, "%s", p);
      break;
    }
    strom__buf_append(&b, p, (size_t)(h - p));
    strom__buf_printf(&b, "%s", to);
    p = h + strlen(from);
  }
  return b.p;
}

enum { NX_EVENTS = 100000 };

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Lines "+I[...]" of the print connector's output, sorted. */
static char **sorted_lines(char *text, size_t *n) {
  size_t cap = 1024, k = 0;
  char **l = malloc(cap * sizeof *l);
  for (char *p = strtok(text, "\n"); p; p = strtok(NULL, "\n")) {
    if (strncmp(p, "+I[", 3)) continue;
    for (size_t e = strlen(p); e && p[e - 1] == ' '; e--) p[e - 1] = 0;
    if (k == cap) l = realloc(l, (cap *= 2) * sizeof *l);
    l[k++] = p;
  }
  qsort(l, k, sizeof *l, cmp_str);
  *n = k;
  return l;
}

/* As the print connector shows a TIMESTAMP (Java's LocalDateTime.toString). */
static void java_timestamp(strom_buf *b, int64_t ms) {
  time_t t = (time_t)(ms / 1000);
  int milli = (int)(ms % 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  strom__buf_printf(b, "%04d-%02d-%02dT%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
  if (tm.tm_sec || milli) strom__buf_printf(b, ":%02d", tm.tm_sec);
  if (milli) strom__buf_printf(b, ".%03d", milli);
}

/* The DataStream job's rows of query q, formatted as SQL prints the q's columns. */
static char *datastream_rows(int q) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  strom_stream *src = strom_nexmark_source(env, &(strom_nexmark_opts){.events = NX_EVENTS, .seed = 7});
  strom_results *r = strom_collect(strom__nexmark_query(env, q, src));
  strom_buf b = {0};
  if (strom_execute(env, "nexmark") == STROM_OK) {
    sql_type big = {.id = STROM_BIGINT}, ts = {.id = STROM_TIMESTAMP, .p = 3}, str = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX},
             dec = {.id = STROM_DECIMAL, .p = 18, .s = 3};
    /* q1's DataStream rows have no extra column: the SQL's is cut off before comparing */
    static const int q0c[] = {0, 1, 2, 5, 6}, q1c[] = {0, 1, 2, 3}, q2c[] = {0, 1};
    const sql_type *q0t[] = {&big, &big, &big, &ts, &str}, *q1t[] = {&big, &big, &dec, &ts}, *q2t[] = {&big, &big};
    const int *cols = q == 0 ? q0c : q == 1 ? q1c : q2c;
    const sql_type *const *types = q == 0 ? q0t : q == 1 ? q1t : q2t;
    int n = q == 2 ? 2 : q == 1 ? 4 : 5;
    for (size_t i = 0; i < strom_results_count(r); i++) {
      const strom_row *row = strom_results_row(r, i);
      strom__buf_printf(&b, "+I[");
      for (int c = 0; c < n; c++) {
        sql_val v;
        sql_val_get(row, cols[c], &v);
        if (c) strom__buf_printf(&b, ", ");
        if (types[c]->id == STROM_TIMESTAMP) java_timestamp(&b, v.i);
        else sql_val_format(&b, types[c], &v);
      }
      strom__buf_printf(&b, "]\n");
    }
  }
  strom_env_free(env);
  strom__buf_printf(&b, "%s", "");
  return b.p;
}

static void check_nexmark_sql(int q) {
  char *ddl = read_text("bench/nexmark/ddl.sql"), qf[64];
  snprintf(qf, sizeof qf, "bench/nexmark/q%d.sql", q);
  char *qs = read_text(qf);
  if (!ddl || !qs) {
    fprintf(stderr, "  cannot read bench/nexmark (set STROM_TEST_ROOT)\n");
    test_failed_now = 1;
    free(ddl), free(qs);
    return;
  }
  char *d2 = replace(ddl, "'connector' = 'nexmark',", "'connector' = 'nexmark', 'seed' = '7',");
  char *q2 = replace(qs, "'blackhole'", "'print'");
  strom_buf script = {0};
  strom__buf_printf(&script, "%s\n%s", d2, q2);
  size_t n;
  char *out = NULL;
  FILE *f = open_memstream(&out, &n);
  strom_sql_session *s = strom_sql_session_new(f);
  char ev[32];
  snprintf(ev, sizeof ev, "%d", NX_EVENTS);
  strom_sql_define(s, "TPS", "10000000");
  strom_sql_define(s, "EVENTS_NUM", ev);
  strom_sql_define(s, "PERSON_PROPORTION", "1");
  strom_sql_define(s, "AUCTION_PROPORTION", "3");
  strom_sql_define(s, "BID_PROPORTION", "46");
  int rc = strom_sql_execute(s, script.p, script.len);
  if (rc) fprintf(stderr, "  q%d: %s\n", q, strom_sql_errmsg(s));
  CHECK_INT(rc, 0);
  strom_sql_session_free(s);
  fclose(f);
  char *ds = datastream_rows(q);
  size_t na, nb;
  if (q == 1) /* drop the extra column */
    for (char *l = out, *e; (e = strchr(l, '\n')); l = e + 1) {
      char *comma = e;
      while (comma > l && !(comma[0] == ',' && comma[1] == ' ')) comma--;
      if (comma > l) comma[0] = ']', memset(comma + 1, ' ', (size_t)(e - comma - 1));
    }
  char **a = sorted_lines(out, &na), **b = sorted_lines(ds, &nb);
  CHECK(na > 100 || q == 2);
  CHECK(na > 10);
  CHECK_INT((int64_t)na, (int64_t)nb);
  size_t diff = 0;
  for (size_t i = 0; i < na && i < nb; i++)
    if (strcmp(a[i], b[i]) && diff++ < 3) fprintf(stderr, "  q%d row %zu: SQL %s, DataStream %s\n", q, i, a[i], b[i]);
  CHECK_INT((int64_t)diff, 0);
  printf("  q%d: %zu rows\n", q, na);
  free(a), free(b), free(ds), free(out), free(ddl), free(qs), free(d2), free(q2), strom__buf_free(&script);
}

TEST(nexmark_q0_sql_equals_datastream) { check_nexmark_sql(0); }
TEST(nexmark_q1_sql_equals_datastream) { check_nexmark_sql(1); }
TEST(nexmark_q2_sql_equals_datastream) { check_nexmark_sql(2); }

static const char *person_table =
    "CREATE TABLE p (id INT, person ROW<name STRING, addr ROW<city STRING, zip INT>>, n INT) "
    "WITH ('connector' = 'filesystem', 'path' = '${TMP}/p.json', 'format' = 'json');";

TEST(row_fields_are_read_by_path) {
  char path[300];
  snprintf(path, sizeof path, "%s/p.json", tmp);
  FILE *f = fopen(path, "w");
  fputs("{\"id\": 1, \"person\": {\"name\": \"ann\", \"addr\": {\"city\": \"Oslo\", \"zip\": 150}}, \"n\": 7}\n"
        "{\"id\": 2, \"person\": {\"name\": \"bo\"}, \"n\": 8}\n",
        f);
  fclose(f);
  CHECK_STR(sel("%s SELECT person.name FROM p", person_table), "ann|bo");
  CHECK_STR(sel("%s SELECT p.person.addr.city FROM p WHERE id = 1", person_table), "Oslo");
  CHECK_STR(sel("%s SELECT person.addr.zip + n FROM p", person_table), "157|<NULL>");
  CHECK_STR(sel("%s SELECT x.person.name FROM p AS x WHERE x.person.addr.zip IS NULL", person_table), "bo");
}

TEST(row_errors_name_the_field) {
  char q[1024];
  snprintf(q, sizeof q, "%s SELECT person.nme FROM p", person_table);
  CHECK_HAS(error_of(q), "person.nme");
  /* a ROW as one value (types_rowval.c): bo's addr is missing, so NULL as a whole */
  CHECK_STR(sel("%s SELECT id FROM p WHERE person.addr IS NULL", person_table), "2");
  CHECK_STR(sel("%s SELECT id FROM p WHERE person IS NOT NULL", person_table), "1|2");
  snprintf(q, sizeof q, "%s SELECT id FROM p WHERE person > ROW('a', ROW('b', 1))", person_table);
  CHECK_HAS(error_of(q), "operator > does not apply to ROW values");
  CHECK_HAS(error_of("CREATE TABLE t (r ROW<a INT, a INT>) WITH ('connector' = 'blackhole')"), "declared twice");
}

/* ---- DATE, TIME, INTERVAL ---- */

TEST(date_time_interval_values) {
  CHECK_STR(sel("SELECT DATE '2020-01-31'"), "2020-01-31");
  CHECK_STR(sel("SELECT TIME '12:34:56'"), "12:34:56");
  CHECK_STR(sel("SELECT TIMESTAMP '2020-01-31 23:30:00' + INTERVAL '1' HOUR"), "2020-02-01 00:30:00");
  CHECK_STR(sel("SELECT INTERVAL '2' HOUR + TIMESTAMP '2020-01-31 23:30:00'"), "2020-02-01 01:30:00");
  /* month arithmetic clamps to the month's last day, leap years included */
  CHECK_STR(sel("SELECT DATE '2020-01-31' + INTERVAL '1' MONTH"), "2020-02-29");
  CHECK_STR(sel("SELECT DATE '2021-01-31' + INTERVAL '1' MONTH"), "2021-02-28");
  CHECK_STR(sel("SELECT TIMESTAMP '2020-03-31 10:00:00' - INTERVAL '1-1' YEAR TO MONTH"), "2019-02-28 10:00:00");
  CHECK_STR(sel("SELECT DATE '2020-03-01' - INTERVAL '1' DAY"), "2020-02-29");
  CHECK_STR(sel("SELECT TIME '23:00:00' + INTERVAL '2' HOUR"), "01:00:00");
  CHECK_STR(sel("SELECT INTERVAL '1-2' YEAR TO MONTH"), "+1-02");
  CHECK_STR(sel("SELECT INTERVAL '1 02:03:04' DAY TO SECOND"), "+1 02:03:04.000");
  CHECK_STR(sel("SELECT INTERVAL '1 02:03:04.5' DAY TO SECOND"), "+1 02:03:04.500");
  CHECK_STR(sel("SELECT INTERVAL '-00:00:01.25' HOUR TO SECOND"), "-0 00:00:01.250");
  CHECK_STR(sel("SELECT INTERVAL '90' MINUTE - INTERVAL '30' MINUTE"), "+0 01:00:00.000");
  CHECK_STR(sel("SELECT DATE '1969-12-31' < DATE '1970-01-01'"), "TRUE");
  CHECK_STR(sel("SELECT DATE '2020-01-02' > TIMESTAMP '2020-01-01 23:00:00'"), "TRUE");
}

TEST(date_time_casts_and_functions) {
  CHECK_STR(sel("SELECT CAST('2021-03-04' AS DATE)"), "2021-03-04");
  CHECK_STR(sel("SELECT CAST(DATE '2021-03-04' AS STRING)"), "2021-03-04");
  CHECK_STR(sel("SELECT CAST(DATE '1969-12-31' AS TIMESTAMP(3))"), "1969-12-31 00:00:00.000");
  CHECK_STR(sel("SELECT CAST(TIMESTAMP '1969-12-31 23:59:59.999' AS DATE)"), "1969-12-31");
  CHECK_STR(sel("SELECT CAST(TIMESTAMP '2020-05-06 07:08:09.010' AS TIME(3))"), "07:08:09.010");
  CHECK_STR(sel("SELECT CAST('07:08' AS TIME)"), "07:08:00");
  CHECK_STR(sel("SELECT EXTRACT(DAY FROM DATE '2021-03-04')"), "4");
  CHECK_STR(sel("SELECT HOUR(TIME '13:14:15')"), "13");
  CHECK_STR(sel("SELECT MINUTE(TIMESTAMP '2020-01-01 10:42:00')"), "42");
  CHECK_STR(sel("SELECT DATE_FORMAT(DATE '2021-03-04', 'yyyy/MM/dd')"), "2021/03/04");
  CHECK_STR(sel("SELECT DATE_FORMAT(TIMESTAMP_LTZ '2021-03-04 05:06:07', 'HH:mm')"), "05:06");
  CHECK_STR(sel("SELECT TRY_CAST('2021-02-30' AS DATE)"), "<NULL>");
  CHECK_HAS(sel("SELECT CAST('2021-13-01' AS DATE)"), "cannot cast '2021-13-01' to DATE");
  CHECK_HAS(sel("SELECT DATE '2021-01-01' + 1"), "cannot apply + to DATE");
  CHECK_HAS(sel("SELECT TIME '10:00:00' + INTERVAL '1' MONTH"), "cannot add");
  CHECK_HAS(sel("SELECT DATE 'x'"), "malformed DATE literal");
  /* CURRENT_DATE is today in UTC (the session's only time zone) */
  char today[16];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(today, sizeof today, "%Y-%m-%d", &tm);
  CHECK_STR(sel("SELECT CAST(CURRENT_DATE AS STRING)"), today);
  CHECK_STR(sel("SELECT CURRENT_TIME >= TIME '00:00:00' AND CAST(CURRENT_DATE AS TIMESTAMP(3)) <= CURRENT_TIMESTAMP"), "TRUE");
}

TEST(date_columns_from_files) {
  char path[300];
  snprintf(path, sizeof path, "%s/d.csv", tmp);
  FILE *f = fopen(path, "w");
  fputs("1,2021-03-04,10:11:12,2021-03-04 10:00:00\n2,2021-03-05,23:59:59,2021-03-05 23:00:00\n", f);
  fclose(f);
  CHECK_STR(sel("CREATE TABLE d (id INT, dt DATE, t TIME, ts TIMESTAMP(3)) WITH ('connector' = 'filesystem', "
                "'path' = '${TMP}/d.csv', 'format' = 'csv'); "
                "SELECT CAST(dt + INTERVAL '1' DAY AS STRING) || ' ' || CAST(t AS STRING) FROM d WHERE dt > DATE '2021-03-04'"),
            "2021-03-06 23:59:59");
  /* written as text by a sink, read back as DATE */
  CHECK_STR(sel("CREATE TABLE o (d DATE, iv INTERVAL DAY TO SECOND) WITH ('connector' = 'filesystem', 'path' = '${TMP}/o', 'format' = 'csv'); "
                "INSERT INTO o VALUES (DATE '2000-02-29', INTERVAL '3' HOUR), (DATE '1999-12-31', INTERVAL '-1' SECOND); "
                "SELECT CAST(d + iv AS STRING) FROM o WHERE d > DATE '2000-01-01'"),
            "2000-02-29");
}

/* ---- ARRAY and MAP ---- */

TEST(array_and_map_values) {
  CHECK_STR(sel("SELECT ARRAY[1, 2, 3]"), "[1, 2, 3]");
  CHECK_STR(sel("SELECT ARRAY[1, 2, 3][2] * 10"), "20");
  CHECK_STR(sel("SELECT ARRAY[1, 2][3]"), "<NULL>");
  CHECK_STR(sel("SELECT ARRAY[1, 2][CAST(0 AS INT) + 0]"), "<NULL>"); /* a constant 0: test_sql_fidelity2 */
  CHECK_STR(sel("SELECT ARRAY['a', NULL, 'c']"), "[a, NULL, c]");
  CHECK_STR(sel("SELECT ARRAY[1, 2.5]"), "[1.0, 2.5]");
  CHECK_STR(sel("SELECT MAP['a', 1, 'b', 2]"), "{a=1, b=2}");
  CHECK_STR(sel("SELECT MAP['a', 1, 'b', 2]['b']"), "2");
  CHECK_STR(sel("SELECT MAP['a', 1]['zz']"), "<NULL>");
  CHECK_STR(sel("SELECT CARDINALITY(ARRAY['x', 'y', 'z']) + CARDINALITY(MAP[1, 2])"), "4");
  CHECK_STR(sel("SELECT ARRAY[ARRAY[1], ARRAY[2, NULL]][2]"), "[2, NULL]");
  CHECK_STR(sel("SELECT ARRAY[DATE '2020-01-01'][1] + INTERVAL '1' DAY"), "2020-01-02");
  CHECK_STR(sel("SELECT ARRAY[1, 2] = ARRAY[1, 2]"), "TRUE");
  CHECK_STR(sel("SELECT CAST('[1, 2, 3]' AS ARRAY<INT>)[3]"), "3");
  CHECK_STR(sel("SELECT CAST(ARRAY[1, 2] AS ARRAY<DOUBLE>)"), "[1.0, 2.0]");
  CHECK_STR(sel("SELECT CAST(MAP['a', 1] AS MAP<STRING, STRING>)['a'] || 'x'"), "1x");
  CHECK_STR(sel("SELECT CAST('{\"k\": \"v,1\", \"z\": null}' AS MAP<STRING, STRING>)['k']"), "v,1");
  CHECK_HAS(sel("SELECT CAST('[1, x]' AS ARRAY<INT>)"), "cannot cast '[1, x]' to ARRAY<INT>");
  CHECK_HAS(sel("SELECT MAP['a']"), "key, value pairs");
  CHECK_HAS(sel("SELECT (1)[1]"), "[] needs an ARRAY or a MAP, got INT");
  CHECK_HAS(sel("SELECT ARRAY[1, 'x']"), "cannot");
  CHECK_HAS(sel("SELECT CARDINALITY(3)"), "CARDINALITY wants an ARRAY or a MAP");
}

/* x.* of a ROW column gives its fields, named by them, as Flink expands it (it gave the
 * whole table's columns for t.p.*); a nested ROW field stays one ROW column. */
TEST(row_star_expands_the_fields) {
  write_tmp_file("rs.json", "{\"id\": 1, \"p\": {\"a\": 2, \"q\": {\"x\": \"u\", \"y\": 3}}}\n");
  const char *ddl = "CREATE TABLE rs (id INT, p ROW<a INT, q ROW<x STRING, y INT>>) "
                    "WITH ('connector' = 'filesystem', 'path' = '${TMP}/rs.json', 'format' = 'json');";
  CHECK_STR(rows("%s SELECT t.p.* FROM rs AS t", ddl), "+I[2, (u, 3)]\n");
  CHECK_STR(rows("%s SELECT id, p.q.*, rs.p.a FROM rs", ddl), "+I[1, u, 3, 2]\n");
  CHECK_STR(rows("%s SELECT y, x FROM (SELECT p.q.* FROM rs)", ddl), "+I[3, u]\n");
  CHECK_STR(rows("%s SELECT t.* FROM rs AS t", ddl), "+I[1, (2, (u, 3))]\n");
  CHECK_STR(sel("%s SELECT nope.* FROM rs", ddl), "ERROR: line 1, column 156: no table named 'nope' in FROM");
  CHECK_STR(sel("%s SELECT rs.nope.* FROM rs", ddl), "ERROR: line 1, column 159: 'rs.nope.*': no ROW column of that name in FROM");
}

TEST(nested_json_columns) {
  char path[300];
  snprintf(path, sizeof path, "%s/n.json", tmp);
  FILE *f = fopen(path, "w");
  fputs("{\"id\": 1, \"tags\": [\"a\", \"b\"], \"attrs\": {\"x\": 10, \"y\": 20}, \"r\": {\"p\": [1, 2]}, \"ts\": \"2020-01-01 10:00:00.500\"}\n"
        "{\"id\": 2, \"tags\": [], \"attrs\": {}, \"r\": null, \"ts\": \"2020-01-01T10:00:01Z\"}\n",
        f);
  fclose(f);
  const char *ddl = "CREATE TABLE n (id INT, tags ARRAY<STRING>, attrs MAP<STRING, INT>, r ROW<p ARRAY<BIGINT>>, ts TIMESTAMP(3)) "
                    "WITH ('connector' = 'filesystem', 'path' = '${TMP}/n.json', 'format' = 'json');";
  CHECK_STR(sel("%s SELECT CAST(id AS STRING) || ':' || COALESCE(tags[2], '-') || ':' || CAST(CARDINALITY(attrs) AS STRING) FROM n", ddl),
            "1:b:2|2:-:0");
  CHECK_STR(sel("%s SELECT attrs['y'] + r.p[2] FROM n WHERE id = 1", ddl), "22");
  CHECK_STR(sel("%s SELECT ts FROM n WHERE id = 2", ddl), "2020-01-01 10:00:01.000");
  /* written by the json format: nested objects and arrays, not strings */
  CHECK_STR(sel("%s CREATE TABLE o (id INT, tags ARRAY<STRING>, attrs MAP<STRING, INT>, r ROW<p ARRAY<BIGINT>>, ts TIMESTAMP(3)) "
                "WITH ('connector' = 'filesystem', 'path' = '${TMP}/o.json', 'format' = 'json'); "
                "INSERT INTO o SELECT * FROM n; SELECT CAST(CARDINALITY(tags) AS STRING) || CAST(r.p AS STRING) FROM o WHERE id = 1", ddl),
            "2[1, 2]");
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "cat %s/o.json/* > %s/o.txt 2>/dev/null || cat %s/o.json > %s/o.txt", tmp, tmp, tmp, tmp);
  if (system(cmd)) {}
  snprintf(path, sizeof path, "%s/o.txt", tmp);
  f = fopen(path, "r");
  char line[1024] = "";
  if (f) {
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    fclose(f);
  }
  CHECK_HAS(line, "\"tags\":[\"a\",\"b\"]");
  CHECK_HAS(line, "\"attrs\":{\"x\":10,\"y\":20}");
  CHECK_HAS(line, "\"r\":{\"p\":[1,2]}");
  CHECK_HAS(line, "\"ts\":\"2020-01-01 10:00:00.500\"");
}

/* ---- C scalar UDFs ---- */

static const char *udf_src =
    "#include <string.h>\n"
    "#include \"strom/sql.h\"\n"
    "static int count_char(strom_sql_udf_ctx *ctx, int argc, const strom_sql_value *argv, strom_sql_value *r) {\n"
    "  (void)argc;\n"
    "  if (argv[0].type != STROM_VARCHAR || argv[1].type != STROM_VARCHAR || argv[1].len != 1) {\n"
    "    strncpy(ctx->err, \"count_char(STRING, one character)\", ctx->errlen - 1);\n"
    "    return 1;\n"
    "  }\n"
    "  int64_t n = 0;\n"
    "  for (size_t i = 0; i < argv[0].len; i++) n += argv[0].s[i] == argv[1].s[0];\n"
    "  r->type = STROM_BIGINT, r->i = n;\n"
    "  return 0;\n"
    "}\n"
    "const strom_sql_udf count_char_udf = {STROM_SQL_UDF_ABI, STROM_BIGINT, 2, 2, 1, count_char, 0};\n"
    "static int shout(strom_sql_udf_ctx *ctx, int argc, const strom_sql_value *argv, strom_sql_value *r) {\n"
    "  (void)argc;\n"
    "  if (argv[0].is_null) { r->type = STROM_VARCHAR, r->s = \"(null)\", r->len = 6; return 0; }\n"
    "  char *p = ctx->alloc(ctx, argv[0].len + 1);\n"
    "  for (size_t i = 0; i < argv[0].len; i++) p[i] = argv[0].s[i] >= 'a' && argv[0].s[i] <= 'z' ? argv[0].s[i] - 32 : argv[0].s[i];\n"
    "  p[argv[0].len] = '!';\n"
    "  r->type = STROM_VARCHAR, r->s = p, r->len = argv[0].len + 1;\n"
    "  return 0;\n"
    "}\n"
    "const strom_sql_udf shout_udf = {STROM_SQL_UDF_ABI, STROM_VARCHAR, 1, 1, 0, shout, 0};\n"
    "const int not_a_udf[16] __attribute__((aligned(8))) = {7};\n";

static bool build_udf_lib(char *lib, size_t cap) {
  char src[300], cmd[1400];
  snprintf(src, sizeof src, "%s/udf.c", tmp);
  snprintf(lib, cap, "%s/libudf.so", tmp);
  FILE *f = fopen(src, "w");
  if (!f) return false;
  fputs(udf_src, f);
  fclose(f);
  const char *root = getenv("STROM_TEST_ROOT");
  snprintf(cmd, sizeof cmd, "cc -std=c17 -shared -fPIC -I%s/include -o %s %s", root ? root : ".", lib, src);
  return system(cmd) == 0;
}

TEST(c_udf_from_a_shared_library) {
  char lib[300], q[2048];
  CHECK(build_udf_lib(lib, sizeof lib));
  snprintf(q, sizeof q,
           "CREATE FUNCTION count_char AS '%s:count_char_udf' LANGUAGE C; "
           "CREATE TEMPORARY FUNCTION shout AS '%s:shout_udf'; "
           "SELECT count_char(s, 'c') * 10 + CHAR_LENGTH(shout(s)) FROM (VALUES ('access'), ('cc'), ('xyz')) AS t(s)",
           lib, lib);
  CHECK_STR(sel("%s", q), "27|23|4");
  snprintf(q, sizeof q, "CREATE FUNCTION shout AS '%s:shout_udf' LANGUAGE C; SELECT shout(CAST(NULL AS STRING)) || shout('ab')", lib);
  CHECK_STR(sel("%s", q), "(null)AB!");
  /* the function's own error fails the job with its message */
  snprintf(q, sizeof q, "CREATE FUNCTION count_char AS '%s:count_char_udf' LANGUAGE C; SELECT count_char('abc', 'bc')", lib);
  CHECK_HAS(sel("%s", q), "function count_char failed: count_char(STRING, one character)");
  snprintf(q, sizeof q, "CREATE FUNCTION f AS '%s:count_char_udf'; SELECT f('a')", lib);
  CHECK_HAS(sel("%s", q), "f takes 2 arguments, got 1");
  snprintf(q, sizeof q, "CREATE FUNCTION f AS '%s:count_char_udf'; DROP FUNCTION f; SELECT f('a', 'b')", lib);
  CHECK_HAS(sel("%s", q), "no function named F");
}

TEST(c_udf_errors_are_clear) {
  char lib[300], q[2048];
  CHECK(build_udf_lib(lib, sizeof lib));
  CHECK_HAS(error_of("CREATE FUNCTION f AS '/nonexistent/libx.so:f' LANGUAGE C"), "cannot load library '/nonexistent/libx.so'");
  snprintf(q, sizeof q, "CREATE FUNCTION f AS '%s:nope' LANGUAGE C", lib);
  CHECK_HAS(error_of(q), "has no symbol 'nope'");
  snprintf(q, sizeof q, "CREATE FUNCTION f AS '%s:not_a_udf' LANGUAGE C", lib);
  CHECK_HAS(error_of(q), "is not a Strom scalar function: ABI version 7, expected 1");
  CHECK_HAS(error_of("CREATE FUNCTION f AS 'com.example.F' LANGUAGE JAVA"), "not supported yet: LANGUAGE JAVA");
  CHECK_HAS(error_of("CREATE FUNCTION f AS 'com.example.F'"), "'library.so:symbol'");
  CHECK_HAS(error_of("CREATE FUNCTION upper AS 'x.so:y'"), "built-in");
  CHECK_HAS(error_of("DROP FUNCTION nope"), "function nope does not exist");
  CHECK_STR(error_of("DROP FUNCTION IF EXISTS nope"), "(no error)");
}

/* ---- the interactive client's line editing ---- */

/* Runs `strom sql` on a pseudo-terminal, typing keys (each string once the previous
 * statement's output has come), and returns everything it printed. */
static char *on_terminal(const char *const *keys, int nkeys, const char *history) {
  const char *bin = getenv("STROM_BIN");
  if (!bin) bin = "build/release/strom";
  int master;
  pid_t pid = forkpty(&master, NULL, NULL, NULL);
  if (pid < 0) return NULL;
  if (pid == 0) {
    setenv("STROM_SQL_HISTORY", history, 1);
    execl(bin, "strom", "sql", (char *)NULL);
    _exit(127);
  }
  strom_buf out = {0};
  char buf[4096];
  int sent = 0, prompts_seen = 0;
  for (int waited = 0; waited < 300;) {
    struct pollfd pfd = {.fd = master, .events = POLLIN};
    int r = poll(&pfd, 1, 100);
    if (r > 0) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) break;
      strom__buf_append(&out, buf, (size_t)n);
    } else waited++;
    /* type the next keys at each new prompt */
    int prompts = 0;
    for (const char *p = out.p; p && (p = strstr(p, "Flink SQL> ")); p++) prompts++;
    if (prompts > prompts_seen && sent < nkeys) {
      prompts_seen = prompts;
      if (write(master, keys[sent], strlen(keys[sent])) < 0) break;
      sent++;
    }
  }
  close(master);
  int st;
  waitpid(pid, &st, 0);
  strom__buf_printf(&out, "%s", "");
  return out.p;
}

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
  return n;
}

TEST(interactive_line_editing_and_history) {
  char hist[300];
  snprintf(hist, sizeof hist, "%s/history", tmp);
  /* up-arrow recalls the statement; backspace and left-arrow edit the line */
  const char *keys[] = {"SELECT 40 + 2 AS x;\r", "\x1b[A\r", "SELECT 1\x7f" "7 AS y;\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D" "9\r", "\x04"};
  char *out = on_terminal(keys, 4, hist);
  CHECK(out != NULL);
  if (!out) return;
  CHECK_INT(count(out, "|  42 |") + count(out, "| 42 |") + count(out, "|                   42 |") + count(out, "|          42 |"), 2);
  CHECK_HAS(out, "97 |");
  CHECK(!strstr(out, "Sanitizer")); /* the debug build's client exits clean */
  free(out);
  char *h;
  {
    FILE *f = fopen(hist, "r");
    strom_buf b = {0};
    char line[512];
    while (f && fgets(line, sizeof line, f)) strom__buf_printf(&b, "%s", line);
    if (f) fclose(f);
    strom__buf_printf(&b, "%s", "");
    h = b.p;
  }
  /* libedit's file format escapes spaces as \\040 */
  CHECK_HAS(h, "SELECT\\04040\\040+\\0402\\040AS\\040x;");
  CHECK_HAS(h, "SELECT\\04097\\040AS\\040y;");
  free(h);
  /* a new session starts with the saved history */
  const char *again[] = {"\x1b[A\r", "\x04"};
  out = on_terminal(again, 2, hist);
  CHECK(out && strstr(out, "97 |"));
  free(out);
}

int main(int argc, char **argv) {
  snprintf(tmp, sizeof tmp, "/tmp/strom_test_sql_types_XXXXXX");
  if (!mkdtemp(tmp)) return 1;
  TEST_MAIN_BEGIN(argc, argv);
  RUN(nexmark_q0_sql_equals_datastream);
  RUN(nexmark_q1_sql_equals_datastream);
  RUN(nexmark_q2_sql_equals_datastream);
  RUN(row_fields_are_read_by_path);
  RUN(row_errors_name_the_field);
  RUN(date_time_interval_values);
  RUN(date_time_casts_and_functions);
  RUN(date_columns_from_files);
  RUN(array_and_map_values);
  RUN(row_star_expands_the_fields);
  RUN(nested_json_columns);
  RUN(c_udf_from_a_shared_library);
  RUN(c_udf_errors_are_clear);
  RUN(interactive_line_editing_and_history);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
