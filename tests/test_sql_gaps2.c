/*
 * test_sql_gaps2.c -- the SQL gaps of branch rowgaps: a ROW as one value everywhere
 * (types_rowval.c, types_row.c: a whole-NULL ROW from json, an outer join's padding and
 * CAST(NULL AS ROW<...>) is NULL, not a ROW of NULL fields; =, <>, IS [NOT] DISTINCT
 * FROM, IS [NOT] NULL of ROWs; ROW-valued CASE / COALESCE / IF / NULLIF; ordering
 * comparisons refused; the json and csv sinks), correlated IN subqueries outside WHERE's
 * AND terms (subq_mark.c), DATE_FORMAT's S and SS, and a streaming ORDER BY ... LIMIT
 * explained as Flink's SortLimit.  Expected output is computed by hand from Flink's
 * semantics.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_changelog_test.h"

/* The tableau rows as printed, sorted. */
#define SORTED(sql, expected) CHECK_MODE(sql, true, false, expected)


/* id 1: a ROW; 2: "person": null; 3: a ROW whose fields are NULL; 4: no person member */
#define PEOPLE                                                                                        \
  "CREATE TABLE t (id INT, person ROW<pid INT, name STRING>, k STRING) WITH ('connector' = 'filesystem', " \
  "'path' = '${TMP}/people.json', 'format' = 'json');"

static void people(void) {
  write_tmp_file("people.json", "{\"id\": 1, \"person\": {\"pid\": 10, \"name\": \"a\"}, \"k\": \"x\"}\n"
                            "{\"id\": 2, \"person\": null, \"k\": \"y\"}\n"
                            "{\"id\": 3, \"person\": {\"pid\": null, \"name\": null}, \"k\": \"z\"}\n"
                            "{\"id\": 4, \"k\": \"w\"}\n");
}

TEST(row_null_as_a_whole) {
  people();
  SORTED(PEOPLE "SELECT id, person, person.pid, person IS NULL, person IS NOT NULL FROM t",
         "+I[1, (10, a), 10, FALSE, TRUE]\n+I[2, <NULL>, <NULL>, TRUE, FALSE]\n"
         "+I[3, (NULL, NULL), <NULL>, FALSE, TRUE]\n+I[4, <NULL>, <NULL>, TRUE, FALSE]\n");
  /* a ROW of NULL fields is a ROW; CAST(NULL AS ROW) is NULL, nested too */
  SORTED("SELECT ROW(CAST(NULL AS INT)) IS NULL, ROW(CAST(NULL AS INT)), CAST(NULL AS ROW<a INT>) IS NULL, "
         "CAST(NULL AS ROW<a INT, b ROW<c STRING>>)",
         "+I[FALSE, (NULL), TRUE, <NULL>]\n");
  SORTED("SELECT CAST(ROW(1, CAST(NULL AS ROW<c STRING>)) AS ROW<a INT, b ROW<c STRING>>).b IS NULL", "+I[TRUE]\n");
  /* the padded side of a LEFT JOIN: its ROW is NULL, not a ROW of NULLs */
  CHECK_FINAL(PEOPLE "SELECT l.x, t.person, t.person IS NULL FROM (VALUES (1), (5)) AS l(x) LEFT JOIN t ON l.x = t.id",
              "[1, (10, a), FALSE]\n[5, <NULL>, TRUE]\n");
  /* GROUP BY a ROW: the NULL ROWs are one group, the ROW of NULLs another */
  CHECK_FINAL(PEOPLE "SELECT person, COUNT(*) AS n FROM t GROUP BY person",
              "[(10, a), 1]\n[(NULL, NULL), 1]\n[<NULL>, 2]\n");
  /* ROW operators over a grouped ROW, in the select list and HAVING */
  CHECK_FINAL(PEOPLE "SELECT person IS NULL AS n, person = ROW(10, 'a') AS e, COUNT(*) AS c FROM t GROUP BY person",
              "[FALSE, <NULL>, 1]\n[FALSE, TRUE, 1]\n[TRUE, <NULL>, 2]\n");
  CHECK_FINAL(PEOPLE "SELECT person, COUNT(*) AS c FROM t GROUP BY person HAVING person IS NOT NULL",
              "[(10, a), 1]\n[(NULL, NULL), 1]\n");
  /* COUNT(person) counts the ROWs that are there (3's ROW of NULLs too), COUNT(person.pid) the pids */
  CHECK_FINAL(PEOPLE "SELECT COUNT(person) AS r, COUNT(*) AS a, COUNT(person.pid) AS p FROM t", "[2, 4, 1]\n");
  /* the print sink writes Java's Row.toString: null for a NULL ROW */
  char *out, err[512];
  CHECK_INT(run(PEOPLE "CREATE TABLE pr (id INT, person ROW<pid INT, name STRING>) WITH ('connector' = 'print');"
                       "INSERT INTO pr SELECT id, person FROM t WHERE id IN (2, 3)",
                &out, err, sizeof err), 0);
  CHECK(strstr(out, "+I[2, null]") != NULL);
  CHECK(strstr(out, "+I[3, +I[null, null]]") != NULL);
  free(out);
}

TEST(row_null_in_sinks) {
  people();
  /* json: a NULL ROW is "person": null, nested too; csv has no place for one (empty fields) */
  CHECK_ROWS(PEOPLE "CREATE TABLE o (id INT, person ROW<pid INT, name STRING>) WITH ('connector' = 'filesystem', "
                    "'path' = '${TMP}/o', 'format' = 'json');"
                    "INSERT INTO o SELECT id, person FROM t", "");
  char *got = slurp_tmp_dir("o");
  CHECK_STR(got, "{\"id\":1,\"person\":{\"pid\":10,\"name\":\"a\"}}\n{\"id\":2,\"person\":null}\n"
                 "{\"id\":3,\"person\":{\"pid\":null,\"name\":null}}\n{\"id\":4,\"person\":null}\n");
  free(got);
  CHECK_ROWS(PEOPLE "CREATE TABLE o2 (id INT, p ROW<name STRING, addr ROW<city STRING>, n INT>) WITH ("
                    "'connector' = 'filesystem', 'path' = '${TMP}/o2', 'format' = 'json');"
                    "INSERT INTO o2 SELECT id, ROW(k, CASE WHEN id = 1 THEN ROW('Oslo') END, id * 2) FROM t WHERE id < 3",
             "");
  got = slurp_tmp_dir("o2");
  CHECK_STR(got, "{\"id\":1,\"p\":{\"name\":\"x\",\"addr\":{\"city\":\"Oslo\"},\"n\":2}}\n"
                 "{\"id\":2,\"p\":{\"name\":\"y\",\"addr\":null,\"n\":4}}\n");
  free(got);
  /* read back: the NULL addr is NULL, the other ROWs are there */
  SORTED("CREATE TABLE o2 (id INT, p ROW<name STRING, addr ROW<city STRING>, n INT>) WITH ('connector' = 'filesystem', "
         "'path' = '${TMP}/o2', 'format' = 'json');"
         "SELECT id, p.addr IS NULL, p IS NULL, p FROM o2",
         "+I[1, FALSE, FALSE, (x, (Oslo), 2)]\n+I[2, TRUE, FALSE, (y, NULL, 4)]\n");
  CHECK_ROWS(PEOPLE "CREATE TABLE c (id INT, person ROW<pid INT, name STRING>) WITH ('connector' = 'filesystem', "
                    "'path' = '${TMP}/c', 'format' = 'csv');"
                    "INSERT INTO c SELECT id, person FROM t", "");
  got = slurp_tmp_dir("c");
  CHECK_STR(got, "1,10,a\n2,,\n3,,\n4,,\n");
  free(got);
  /* a csv ROW is always there: its fields read back NULL, the ROW not */
  SORTED("CREATE TABLE c (id INT, person ROW<pid INT, name STRING>) WITH ('connector' = 'filesystem', "
         "'path' = '${TMP}/c', 'format' = 'csv');"
         "SELECT id, person IS NULL FROM c WHERE id > 2",
         "+I[3, FALSE]\n+I[4, FALSE]\n");
  /* a json source into a csv sink and a constructor into a json sink by column list */
  CHECK_ROWS("CREATE TABLE j (id INT, r ROW<a INT>) WITH ('connector' = 'filesystem', 'path' = '${TMP}/j', 'format' = 'json');"
             "INSERT INTO j (r, id) SELECT CAST(NULL AS ROW<a INT>), 7 UNION ALL SELECT ROW(5), 8", "");
  got = slurp_tmp_dir("j");
  CHECK_STR(got, "{\"id\":7,\"r\":null}\n{\"id\":8,\"r\":{\"a\":5}}\n");
  free(got);
}

TEST(row_comparisons) {
  people();
  SORTED(PEOPLE "SELECT id FROM t WHERE person = ROW(10, 'a')", "+I[1]\n");
  /* = of a NULL ROW, or of NULL fields, is NULL */
  SORTED(PEOPLE "SELECT id, person = ROW(10, 'a'), person <> (10, 'b') FROM t",
         "+I[1, TRUE, TRUE]\n+I[2, <NULL>, <NULL>]\n+I[3, <NULL>, <NULL>]\n+I[4, <NULL>, <NULL>]\n");
  SORTED(PEOPLE "SELECT id FROM t WHERE (id, k) <> (1, 'x')", "+I[2]\n+I[3]\n+I[4]\n");
  /* IS [NOT] DISTINCT FROM: NULLs equal, a NULL ROW distinct from a ROW of NULLs */
  SORTED(PEOPLE "SELECT id FROM t WHERE person IS NOT DISTINCT FROM ROW(CAST(NULL AS INT), CAST(NULL AS STRING))", "+I[3]\n");
  SORTED(PEOPLE "SELECT id FROM t WHERE person IS NOT DISTINCT FROM CAST(NULL AS ROW<pid INT, name STRING>)", "+I[2]\n+I[4]\n");
  SORTED(PEOPLE "SELECT id FROM t WHERE person IS DISTINCT FROM (10, 'a')", "+I[2]\n+I[3]\n+I[4]\n");
  /* IN a list of ROWs: the ORs of =, NOT IN its negation */
  SORTED(PEOPLE "SELECT id, person IN (ROW(10, 'a'), ROW(3, 'q')), person NOT IN ((10, 'b')) FROM t",
         "+I[1, TRUE, TRUE]\n+I[2, <NULL>, <NULL>]\n+I[3, <NULL>, <NULL>]\n+I[4, <NULL>, <NULL>]\n");
  SORTED(PEOPLE "SELECT id FROM t WHERE (id, k) IN ((1, 'x'), (3, 'z'), (4, 'q'))", "+I[1]\n+I[3]\n");
  CHECK_ERR(PEOPLE "SELECT id FROM t WHERE person IN (ROW(1), ROW(2))", "cannot compare a ROW of 2 fields with a ROW of 1 fields");
  CHECK_ERR(PEOPLE "SELECT id FROM t WHERE person BETWEEN (1, 'a') AND (2, 'b')", "operator BETWEEN does not apply to ROW values");
  /* ordering comparisons: Flink has no order on ROW types */
  CHECK_ERR(PEOPLE "SELECT id FROM t WHERE person < (1, 'a')", "line 1, column 183: operator < does not apply to ROW values");
  CHECK_ERR("SELECT (1, 2) >= (1, 3)", "operator >= does not apply to ROW values");
  CHECK_ERR(PEOPLE "SELECT id FROM t WHERE person = (1, 'a', 2)", "cannot compare a ROW of 2 fields with a ROW of 3 fields");
}

TEST(row_valued_choices) {
  people();
  SORTED(PEOPLE "SELECT id, COALESCE(person, ROW(0, 'none')) FROM t",
         "+I[1, (10, a)]\n+I[2, (0, none)]\n+I[3, (NULL, NULL)]\n+I[4, (0, none)]\n");
  SORTED(PEOPLE "SELECT id, CASE WHEN id > 2 THEN person END FROM t",
         "+I[1, <NULL>]\n+I[2, <NULL>]\n+I[3, (NULL, NULL)]\n+I[4, <NULL>]\n");
  SORTED(PEOPLE "SELECT id, CASE k WHEN 'x' THEN ROW(1, 'one') WHEN 'y' THEN person ELSE ROW(id, k) END FROM t",
         "+I[1, (1, one)]\n+I[2, <NULL>]\n+I[3, (3, z)]\n+I[4, (4, w)]\n");
  SORTED(PEOPLE "SELECT id, IF(k = 'x', ROW(1, 'one'), NULL) FROM t",
         "+I[1, (1, one)]\n+I[2, <NULL>]\n+I[3, <NULL>]\n+I[4, <NULL>]\n");
  SORTED(PEOPLE "SELECT id, NULLIF(person, ROW(10, 'a')) FROM t",
         "+I[1, <NULL>]\n+I[2, <NULL>]\n+I[3, (NULL, NULL)]\n+I[4, <NULL>]\n");
  /* a choice's field, and a choice compared */
  SORTED(PEOPLE "SELECT id, COALESCE(person, ROW(0, 'none')).name FROM t WHERE id < 3", "+I[1, a]\n+I[2, none]\n");
  SORTED(PEOPLE "SELECT id FROM t WHERE COALESCE(person, (0, 'none')) = (0, 'none')", "+I[2]\n+I[4]\n");
  CHECK_ERR(PEOPLE "SELECT CASE WHEN id = 1 THEN person ELSE 5 END FROM t", "CASE mixes ROW and scalar values");
  CHECK_ERR(PEOPLE "SELECT COALESCE(person, ROW(1)) FROM t", "the branches are ROWs of different types");
  CHECK_ERR(PEOPLE "SELECT UPPER(person) FROM t", "not supported yet: a ROW value as an argument of UPPER"); /* jsonagg: ROWs are values in ARRAY[...] etc. */
  CHECK_ERR(PEOPLE "SELECT person IS NULL, COUNT(*) FROM t GROUP BY k", "column 'person' is neither in GROUP BY");
  CHECK_ERR(PEOPLE "CREATE TABLE o (id INT, person ROW<pid INT, name STRING>) WITH ('connector' = 'filesystem', "
                   "'path' = '${TMP}/never', 'format' = 'json');"
                   "INSERT INTO o SELECT id, person.pid, person.name FROM t",
            "the query's columns (INT, INT, STRING) do not match table 'o' (id INT, person.pid INT, person.name STRING); "
            "a ROW column takes one ROW value");
}

#define S "(VALUES (1, 10), (2, 20), (3, 30), (4, CAST(NULL AS INT)), (5, 50)) AS s(k, x)"
#define T "(VALUES (1, 10), (1, 11), (2, 21), (3, CAST(NULL AS INT)), (4, 40), (6, 50)) AS t(k, y)"
#define T2 "(VALUES (1, 10), (1, 11), (2, 21), (3, CAST(NULL AS INT)), (4, 40), (6, 50)) AS t(k, x)"

TEST(correlated_in_anywhere) {
  /* per s.k the subquery's values: 1 {10, 11}, 2 {21}, 3 {NULL}, 4 {40}, 5 {}: IN is TRUE, FALSE,
   * NULL (no match, a NULL value), NULL (x NULL, values there), FALSE (none); NOT IN the negation */
  CHECK_FINAL("SELECT s.k, s.x IN (SELECT y FROM " T " WHERE t.k = s.k) AS f, s.x NOT IN (SELECT y FROM " T
              " WHERE t.k = s.k) AS g FROM " S,
              "[1, TRUE, FALSE]\n[2, FALSE, TRUE]\n[3, <NULL>, <NULL>]\n[4, <NULL>, <NULL>]\n[5, FALSE, TRUE]\n");
  CHECK_FINAL("SELECT s.k FROM " S " WHERE s.k = 2 OR s.x IN (SELECT y FROM " T " WHERE t.k = s.k)", "[1]\n[2]\n");
  /* NOT IN under OR: 3 and 4 are NULL, not kept */
  CHECK_FINAL("SELECT k FROM " S " WHERE k > 4 OR x NOT IN (SELECT y FROM " T " WHERE t.k = s.k)", "[2]\n[5]\n");
  /* the subquery has a column x too: the outer x is still the outer one */
  CHECK_FINAL("SELECT k FROM " S " WHERE k = 0 OR x IN (SELECT x + 0 FROM " T2 " WHERE t.k = s.k)", "[1]\n");
  /* a filter beside the correlation: 3's NULL y fails y > 10, so 3 sees no values (FALSE) */
  CHECK_FINAL("SELECT k, x IN (SELECT y FROM " T " WHERE t.k = s.k AND y > 10) AS f FROM " S,
              "[1, FALSE]\n[2, FALSE]\n[3, FALSE]\n[4, <NULL>]\n[5, FALSE]\n");
  /* Flink's marker join: a LEFT join keyed by the correlation */
  char *out, err[1024];
  CHECK_INT(run("EXPLAIN SELECT k FROM " S " WHERE k = 0 OR x IN (SELECT y FROM " T " WHERE t.k = s.k)", &out, err,
                sizeof err), 0);
  CHECK(strstr(out, "joinType=[LeftOuterJoin]") != NULL);
  free(out);
}

TEST(date_format_milliseconds) {
  /* SimpleDateFormat's S is the milliseconds as a number, padded to the letters' count */
  SORTED("SELECT DATE_FORMAT(TIMESTAMP '2024-01-02 03:04:05.005', 'S/SS/SSS'), "
         "DATE_FORMAT(TIMESTAMP '2024-01-02 03:04:05.050', 'S/SS/SSS'), "
         "DATE_FORMAT(TIMESTAMP '2024-01-02 03:04:05.123', 'ss.S ss.SS'), "
         "DATE_FORMAT(TIMESTAMP '2024-01-02 03:04:05', 'HH:mm:ss.S')",
         "+I[5/05/005, 50/50/050, 05.123 05.123, 03:04:05.0]\n");
  /* over a column, per row */
  SORTED("SELECT DATE_FORMAT(ts, 'mm:ss.SS') FROM (VALUES (TIMESTAMP '2024-01-02 03:04:05.009'), "
         "(TIMESTAMP '2024-01-02 03:59:00.990')) AS t(ts)",
         "+I[04:05.09]\n+I[59:00.990]\n");
}

TEST(sort_limit_explain) {
  char *out, err[1024];
  /* append-only input: AppendFastStrategy; the Top-N keeps running as before */
  CHECK_INT(run("EXPLAIN SELECT k, v FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) AS t(k, v) ORDER BY k DESC, v LIMIT 2 OFFSET 1",
                &out, err, sizeof err), 0);
  CHECK(strstr(out, "SortLimit(orderBy=[k DESC, v ASC], offset=[1], fetch=[2], strategy=[AppendFastStrategy]) [changelog]\n"
                    "  Calc(select=[k, v])\n") != NULL);
  CHECK(strstr(out, "Rank(") == NULL);
  free(out);
  /* an updating input: RetractStrategy; a sort key not selected is projected away above */
  CHECK_INT(run("EXPLAIN SELECT k, COUNT(*) AS n FROM (VALUES (1), (2), (2)) AS t(k) GROUP BY k ORDER BY n DESC LIMIT 1",
                &out, err, sizeof err), 0);
  CHECK(strstr(out, "SortLimit(orderBy=[n DESC], offset=[0], fetch=[1], strategy=[RetractStrategy]) [changelog]") != NULL);
  free(out);
  CHECK_INT(run("EXPLAIN SELECT k FROM (VALUES (1, 'a'), (2, 'b')) AS t(k, v) ORDER BY v LIMIT 1", &out, err, sizeof err), 0);
  CHECK(strstr(out, "Calc(select=[k]) [changelog]\n  SortLimit(orderBy=[v ASC], offset=[0], fetch=[1], "
                    "strategy=[AppendFastStrategy]) [changelog]\n") != NULL);
  free(out);
  /* a ROW_NUMBER Top-N written out stays a Rank */
  CHECK_INT(run("EXPLAIN SELECT k FROM (SELECT k, ROW_NUMBER() OVER (ORDER BY k) AS rn FROM (VALUES (1), (2)) AS t(k)) "
                "WHERE rn <= 1", &out, err, sizeof err), 0);
  CHECK(strstr(out, "Rank(rankType=[ROW_NUMBER]") != NULL);
  free(out);
  /* and it runs: 3 then 2 enter, 1 never does */
  CHECK_FINAL("SELECT k FROM (VALUES (1), (3), (2)) AS t(k) ORDER BY k DESC LIMIT 2", "[2]\n[3]\n");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-gaps2-%d", (int)getpid());
  mkdir(tmp, 0777);
  RUN(row_null_as_a_whole);
  RUN(row_null_in_sinks);
  RUN(row_comparisons);
  RUN(row_valued_choices);
  RUN(correlated_in_anywhere);
  RUN(date_format_milliseconds);
  RUN(sort_limit_explain);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "  could not remove %s\n", tmp);
  TEST_MAIN_END();
}
