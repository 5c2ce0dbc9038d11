/*
 * test_sql_gaps.c -- the smaller SQL gaps (branch sqlgaps): a ROW as one value
 * (types_rowval.c: a ROW column selected whole, the ROW(...) / (a, b) constructors,
 * CAST to a named ROW, field access on a constructed ROW, = / <> of ROWs, VALUES and
 * column lists with ROWs, a ROW through a view,
 * UNION ALL and GROUP BY; DESCRIBE, the tableau, the print sink and the json sink
 * showing it nested); IN / EXISTS subqueries under OR, NOT (... AND ...) and in the
 * select list (subq_mark.c: marker joins, NOT IN's NULLs); a LEFT lookup join on a jdbc
 * table (a real PostgreSQL, tests/pg_test.h) with conditions beyond the keys; CUMULATE
 * windows (and DISTINCT aggregates) on processing time; NATURAL JOIN; a streaming LIMIT
 * without ORDER BY explained as Flink's Limit(offset, fetch) and running.  Expected output is computed by hand from Flink's semantics.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_changelog_test.h"
#include "pg_test.h"

/* The tableau rows as printed (sorted: sorted). */
#define ROWS(sql, sorted, expected) CHECK_MODE(sql, sorted, false, expected)


#define PEOPLE                                                                                        \
  "CREATE TABLE t (id INT, person ROW<pid INT, name STRING>, k STRING) WITH ('connector' = 'filesystem', " \
  "'path' = '${TMP}/people.json', 'format' = 'json');"

TEST(row_as_one_value) {
  write_tmp_file("people.json", "{\"id\":1,\"person\":{\"pid\":10,\"name\":\"abc\"},\"k\":\"x\"}\n"
                            "{\"id\":2,\"person\":{\"pid\":20,\"name\":null},\"k\":\"x\"}\n"
                            "{\"id\":3,\"person\":{\"pid\":10,\"name\":\"abc\"},\"k\":\"y\"}\n");
  /* a ROW column selected whole: the tableau shows it as Flink casts a ROW to a string */
  ROWS(PEOPLE "SELECT person FROM t", false, "+I[(10, abc)]\n+I[(20, NULL)]\n+I[(10, abc)]\n");
  ROWS(PEOPLE "SELECT t.person, person.name FROM t WHERE id = 1", false, "+I[(10, abc), abc]\n");
  /* constructors: ROW(...) and (a, b); the unnamed item is EXPR$<its position> */
  char *out, err[1024];
  CHECK_INT(run(PEOPLE "SELECT id, ROW(id, k) AS r, (k, id + 1) FROM t WHERE id = 3", &out, err, sizeof err), 0);
  CHECK(strstr(out, "| op |          id |                              r |                         EXPR$2 |") != NULL);
  CHECK(strstr(out, "| +I |           3 |                         (3, y) |                         (y, 4) |") != NULL);
  free(out);
  /* CAST to a named ROW, and field access on constructed ROWs */
  ROWS(PEOPLE "SELECT CAST(ROW(id, k) AS ROW<x BIGINT, y STRING>) AS c FROM t WHERE id < 3", false,
             "+I[(1, x)]\n+I[(2, x)]\n");
  ROWS(PEOPLE "SELECT ROW(id, k).EXPR$1 AS f, CAST((id, k) AS ROW<x INT, y STRING>).x + 1 AS g FROM t", false,
             "+I[x, 2]\n+I[x, 3]\n+I[y, 4]\n");
  CHECK_ERR(PEOPLE "SELECT CAST(ROW(id, k) AS ROW<x INT>) FROM t", "cannot cast a ROW of 2 fields to a ROW of 1 fields");
  /* ROW comparisons: = is the AND of the fields' =, <> the OR of their <> (NULLs as SQL says) */
  ROWS(PEOPLE "SELECT id FROM t WHERE person = ROW(10, 'abc')", false, "+I[1]\n+I[3]\n");
  ROWS(PEOPLE "SELECT id FROM t WHERE person <> (20, 'abc')", false, "+I[1]\n+I[3]\n");
  ROWS(PEOPLE "SELECT id, person = (20, CAST(NULL AS STRING)) AS e FROM t", false, "+I[1, FALSE]\n+I[2, <NULL>]\n+I[3, FALSE]\n");
  ROWS(PEOPLE "SELECT id FROM t WHERE (id, k) = (1, 'x') OR (id, k) = (3, 'y')", false, "+I[1]\n+I[3]\n");
  CHECK_ERR(PEOPLE "SELECT id FROM t WHERE person = 5", "cannot compare a ROW with a scalar value");
  CHECK_ERR(PEOPLE "SELECT id FROM t WHERE person = (1, 'a', 2)", "cannot compare a ROW of 2 fields with a ROW of 3 fields");
  CHECK_ERR(PEOPLE "SELECT id FROM t WHERE person < (1, 'a')", "operator < does not apply to ROW values");
  /* through a view: DESCRIBE shows the ROW types, the view's ROWs select whole and by field */
  const char *view = PEOPLE "CREATE VIEW v AS SELECT id, person AS p, ROW(k, ROW(id, 'z')) AS nested FROM t;";
  char sql[2048];
  snprintf(sql, sizeof sql, "%s DESCRIBE v;", view);
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  CHECK(strstr(out, "|      p |                                                        ROW<`pid` INT, `name` STRING> |  TRUE |") != NULL);
  CHECK(strstr(out, "| nested | ROW<`EXPR$0` STRING, `EXPR$1` ROW<`EXPR$0` INT, `EXPR$1` CHAR(1) NOT NULL> NOT NULL> | FALSE |") != NULL);
  CHECK(strstr(out, "3 rows in set") != NULL);
  if (!strstr(out, "3 rows in set")) fprintf(stderr, "%s\n", out);
  free(out);
  snprintf(sql, sizeof sql, "%s SELECT p, nested, p.name, nested.EXPR$1.EXPR$0 AS i FROM v;", view);
  ROWS(sql, false, "+I[(10, abc), (x, (1, z)), abc, 1]\n+I[(20, NULL), (x, (2, z)), <NULL>, 2]\n"
                         "+I[(10, abc), (y, (3, z)), abc, 3]\n");
  /* ROW values in VALUES, and column lists naming a ROW value once */
  ROWS("SELECT * FROM (VALUES (1, ROW(2, 'x')), (3, ROW(4, 'y'))) AS t(a, r) WHERE r.EXPR$0 > 2", false, "+I[3, (4, y)]\n");
  CHECK_INT(run("CREATE VIEW w (id, who) AS SELECT id, ROW(id, 'n') FROM (VALUES (1), (2)) AS x(id);"
                "DESCRIBE w; SELECT who.EXPR$0 + 10 AS z, who FROM w WHERE id = 2;", &out, err, sizeof err), 0);
  CHECK(strstr(out, "|  who | ROW<`EXPR$0` INT NOT NULL, `EXPR$1` CHAR(1) NOT NULL> | FALSE |") != NULL);
  CHECK(strstr(out, "| +I |          12 |                         (2, n) |") != NULL);
  if (!strstr(out, "(2, n)")) fprintf(stderr, "%s\n", out);
  free(out);
  /* DESCRIBE of a table shows its ROW columns as declared */
  CHECK_INT(run("CREATE TABLE n (id INT, p ROW<name STRING, addr ROW<city STRING, zip INT>>, k INT) "
                "WITH ('connector' = 'blackhole'); DESCRIBE n;", &out, err, sizeof err), 0);
  CHECK(strstr(out, "|    p | ROW<`name` STRING, `addr` ROW<`city` STRING, `zip` INT>> | TRUE |") != NULL);
  CHECK(strstr(out, "|    k |                                                      INT | TRUE |") != NULL);
  CHECK(strstr(out, "3 rows in set") != NULL);
  if (!strstr(out, "3 rows in set")) fprintf(stderr, "%s\n", out);
  free(out);
  /* GROUP BY a ROW (its fields are the keys) and UNION ALL */
  ROWS(PEOPLE "SELECT person, COUNT(*) AS n FROM t GROUP BY person", false,
             "+I[(10, abc), 1]\n+I[(20, NULL), 1]\n-U[(10, abc), 1]\n+U[(10, abc), 2]\n");
  ROWS(PEOPLE "SELECT ROW(k, COUNT(*)) AS kn FROM t GROUP BY k", false,
             "+I[(x, 1)]\n-U[(x, 1)]\n+U[(x, 2)]\n+I[(y, 1)]\n");
  ROWS(PEOPLE "SELECT person FROM t WHERE id = 1 UNION ALL SELECT (99, 'u')", true,
             "+I[(10, abc)]\n+I[(99, u)]\n");
  /* the json sink writes ROW values nested; the print sink as Java's Row.toString */
  CHECK_INT(run(PEOPLE "CREATE TABLE o (id INT, r ROW<a INT, b ROW<c STRING>>) WITH ('connector' = 'filesystem', "
                       "'path' = '${TMP}/o', 'format' = 'json');"
                       "INSERT INTO o SELECT id, (id, ROW(k)) FROM t;",
                &out, err, sizeof err), 0);
  free(out);
  char *o = slurp_tmp_dir("o");
  CHECK_STR(o, "{\"id\":1,\"r\":{\"a\":1,\"b\":{\"c\":\"x\"}}}\n{\"id\":2,\"r\":{\"a\":2,\"b\":{\"c\":\"x\"}}}\n"
               "{\"id\":3,\"r\":{\"a\":3,\"b\":{\"c\":\"y\"}}}\n");
  free(o);
  CHECK_INT(run(PEOPLE "CREATE TABLE pr (id INT, r ROW<a INT, b STRING>) WITH ('connector' = 'print');"
                       "INSERT INTO pr SELECT id, person FROM t WHERE id = 2;",
                &out, err, sizeof err), 0);
  CHECK_STR(out, "+I[2, +I[20, null]]\n");
  free(out);
  /* an INSERT's column list names a ROW column once */
  CHECK_INT(run(PEOPLE "CREATE TABLE pr (id INT, r ROW<a INT, b STRING>) WITH ('connector' = 'print');"
                       "INSERT INTO pr (r, id) SELECT person, id FROM t WHERE id = 1;",
                &out, err, sizeof err), 0);
  CHECK_STR(out, "+I[1, +I[10, abc]]\n");
  free(out);
  CHECK_ERR(PEOPLE "CREATE TABLE pr (id INT, r ROW<a INT, b STRING>) WITH ('connector' = 'print');"
                   "INSERT INTO pr (id, r) SELECT id, ROW(id) FROM t;",
            "the column list has 3 names but the query gives 2 columns");
}

#define L "(VALUES (1, 'a'), (2, 'b'), (2, 'c'), (3, 'd'), (CAST(NULL AS INT), 'n')) AS l(k, v)"
#define R "(VALUES (2, 'x'), (3, 'y'), (4, 'z')) AS r(k, w)"
#define RN "(VALUES (2, 'x'), (CAST(NULL AS INT), 'm')) AS r(k, w)"

TEST(in_and_exists_anywhere) {
  /* under OR: NULL = 1 OR NULL IN (...) is NULL, so n is not kept */
  CHECK_FINAL("SELECT k, v FROM " L " WHERE k = 1 OR k IN (SELECT k FROM " R ")", "[1, a]\n[2, b]\n[2, c]\n[3, d]\n");
  /* NOT (x IN (...) AND y): n's IN is NULL (the subquery is not empty), NULL AND TRUE is NULL */
  CHECK_FINAL("SELECT v FROM " L " WHERE NOT (k IN (SELECT k FROM " R ") AND v <> 'b')", "[a]\n[b]\n");
  /* in the select list: three-valued IN / NOT IN */
  CHECK_FINAL("SELECT v, k IN (SELECT k FROM " R ") AS f, k NOT IN (SELECT k FROM " R " WHERE k > 2) AS g FROM " L,
              "[a, FALSE, TRUE]\n[b, TRUE, TRUE]\n[c, TRUE, TRUE]\n[d, TRUE, FALSE]\n[n, <NULL>, <NULL>]\n");
  /* a NULL in the subquery: no match is NULL, so NOT IN is never TRUE */
  CHECK_FINAL("SELECT v, k NOT IN (SELECT k FROM " RN ") AS g FROM " L,
              "[a, <NULL>]\n[b, FALSE]\n[c, FALSE]\n[d, <NULL>]\n[n, <NULL>]\n");
  /* an empty subquery: IN is FALSE, NOT IN TRUE, for a NULL x too */
  CHECK_FINAL("SELECT v, k IN (SELECT k FROM " R " WHERE k > 9) AS f, k NOT IN (SELECT k FROM " R " WHERE k > 9) AS g FROM " L
              " WHERE v IN ('a', 'n')",
              "[a, FALSE, TRUE]\n[n, FALSE, TRUE]\n");
  /* EXISTS: correlated by equality in the select list, uncorrelated under OR, over an aggregate */
  CHECK_FINAL("SELECT v, EXISTS (SELECT 1 FROM " R " WHERE r.k = l.k AND w <> 'y') AS e FROM " L,
              "[a, FALSE]\n[b, TRUE]\n[c, TRUE]\n[d, FALSE]\n[n, FALSE]\n");
  CHECK_FINAL("SELECT v FROM " L " WHERE v = 'a' OR NOT EXISTS (SELECT 1 FROM " R " WHERE r.k = l.k)", "[a]\n[n]\n");
  CHECK_FINAL("SELECT v FROM " L " WHERE v = 'a' OR EXISTS (SELECT k FROM " R " GROUP BY k HAVING COUNT(*) > 1)",
              "[a]\n");
  CHECK_FINAL("SELECT v FROM " L " WHERE v = 'a' OR EXISTS (SELECT 1 FROM " R " WHERE k > 3)",
              "[a]\n[b]\n[c]\n[d]\n[n]\n");
  /* (a, b) [NOT] IN (SELECT c, d ...): a semi / anti join on both; NOT IN is null-aware per field */
#define RR "(VALUES (2, 'b'), (3, 'y'), (4, 'z'), (CAST(NULL AS INT), 'a')) AS r(k, w)"
  CHECK_FINAL("SELECT k, v FROM " L " WHERE (k, v) IN (SELECT k, w FROM " RR ")", "[2, b]\n");
  CHECK_FINAL("SELECT k, v FROM " L " WHERE (k, v) NOT IN (SELECT k, w FROM " RR ")", "[2, c]\n[3, d]\n[<NULL>, n]\n");
  CHECK_FINAL("SELECT k, v FROM " L " WHERE (k, v) NOT IN (SELECT k, w FROM " RR " WHERE k IS NOT NULL)",
              "[1, a]\n[2, c]\n[3, d]\n[<NULL>, n]\n");
  CHECK_ERR("SELECT k FROM " L " WHERE (k, v) IN (SELECT k FROM " RR ")", "must return 2 columns, one per value");
  /* what is not done says so */
  /* correlated IN under OR (branch rowgaps, subq_mark.c): no r.w equals any l.v, so IN is FALSE */
  CHECK_FINAL("SELECT v FROM " L " WHERE v = 'a' OR k IN (SELECT k FROM " R " WHERE r.w = l.v)", "[a]\n");
  CHECK_ERR("SELECT v FROM " L " WHERE v = 'a' OR (k, v) IN (SELECT k, w FROM " R ")", "only in WHERE and the select list, one value IN");
  CHECK_FINAL("SELECT k, COUNT(*) FROM " L " GROUP BY k HAVING k IN (SELECT k FROM " R ")", "[2, 2]\n[3, 1]\n"); /* subq_agg.c */
  CHECK_ERR("SELECT v FROM " L " WHERE v = 'a' OR k IN (SELECT k, w FROM " R ")", "the subquery of IN must return one column");
  /* the AND terms of WHERE keep their semi / anti joins */
  char *out, err[1024];
  CHECK_INT(run("EXPLAIN SELECT v FROM " L " WHERE k IN (SELECT k FROM " R ") AND (v = 'a' OR k IN (SELECT k FROM " R "))",
                &out, err, sizeof err), 0);
  CHECK(strstr(out, "LeftSemiJoin") != NULL);
  CHECK(strstr(out, "joinType=[LeftOuterJoin]") != NULL);
  if (!strstr(out, "LeftOuterJoin")) fprintf(stderr, "%s\n", out);
  free(out);
}

#define NA "(VALUES (1, 'x', 10), (2, 'y', 20), (3, 'z', 30)) AS a(k, s, v)"
#define NB "(VALUES (1, 'x', 'p'), (2, 'q', 'r'), (4, 'z', 't')) AS b(k, s, w)"

TEST(natural_join) {
  /* the columns both sides have (k, s) are the keys and appear once */
  char *out, err[1024];
  CHECK_INT(run("SELECT * FROM " NA " NATURAL JOIN " NB, &out, err, sizeof err), 0);
  CHECK(strstr(out, "| op |           k |      s |           v |      w |") != NULL);
  free(out);
  CHECK_FINAL("SELECT * FROM " NA " NATURAL JOIN " NB, "[1, x, 10, p]\n");
  CHECK_FINAL("SELECT k, s, v, w FROM " NA " NATURAL LEFT OUTER JOIN " NB,
              "[1, x, 10, p]\n[2, y, 20, <NULL>]\n[3, z, 30, <NULL>]\n");
  /* FULL: the common columns are COALESCE(a.x, b.x), first; a.k and b.k stay reachable */
  CHECK_FINAL("SELECT * FROM " NA " NATURAL FULL JOIN " NB,
              "[1, x, 10, p]\n[2, q, <NULL>, r]\n[2, y, 20, <NULL>]\n[3, z, 30, <NULL>]\n[4, z, <NULL>, t]\n");
  CHECK_FINAL("SELECT k, a.s, v FROM " NA " FULL JOIN " NB " USING (k) WHERE k > 1",
              "[2, y, 20]\n[3, z, 30]\n[4, <NULL>, <NULL>]\n");
  CHECK_ERR("SELECT s FROM " NA " FULL JOIN " NB " USING (k)", "column 's' is ambiguous");
  CHECK_FINAL("SELECT a.k, b.k, v, w FROM " NA " NATURAL FULL JOIN " NB,
              "[1, 1, 10, p]\n[2, <NULL>, 20, <NULL>]\n[3, <NULL>, 30, <NULL>]\n[<NULL>, 2, <NULL>, r]\n[<NULL>, 4, <NULL>, t]\n");
  /* no common column: a cross join */
  CHECK_FINAL("SELECT * FROM " NA " NATURAL JOIN (VALUES (5)) AS c(u) WHERE k < 3", "[1, x, 10, 5]\n[2, y, 20, 5]\n");
  CHECK_INT(run("EXPLAIN SELECT * FROM " NA " NATURAL JOIN " NB, &out, err, sizeof err), 0);
  CHECK(strstr(out, "Join(joinType=[InnerJoin], leftKeys=[k, s], rightKeys=[k, s])") != NULL);
  free(out);
  CHECK_ERR("SELECT * FROM " NA " NATURAL CROSS JOIN " NB, "expected JOIN after NATURAL");
}

TEST(streaming_limit_explain) {
  char *out, err[1024];
  CHECK_INT(run("CREATE TABLE t (a INT, s STRING) WITH ('connector' = 'datagen');"
                "EXPLAIN SELECT a FROM t LIMIT 3;"
                "EXPLAIN SELECT a FROM t WHERE a > 0 LIMIT 3 OFFSET 2;",
                &out, err, sizeof err), 0);
  CHECK(strstr(out, "== Optimized Physical Plan ==\nLimit(offset=[0], fetch=[3])\n  Calc(select=[a])\n"
                    "    TableSourceScan(table=[t], connector=[datagen], fields=[a, s])\n") != NULL);
  CHECK(strstr(out, "Limit(offset=[2], fetch=[3])\n  Calc(select=[a], where=[(a > 0)])\n") != NULL);
  CHECK(strstr(out, "Rank(") == NULL);
  if (!strstr(out, "Limit(offset=[2]")) fprintf(stderr, "%s\n", out);
  free(out);
  /* ORDER BY ... LIMIT stays a Top-N, explained as Flink's SortLimit (branch rowgaps) */
  CHECK_INT(run("CREATE TABLE t (a INT, s STRING) WITH ('connector' = 'datagen');"
                "EXPLAIN SELECT a FROM t ORDER BY a LIMIT 3;", &out, err, sizeof err), 0);
  CHECK(strstr(out, "SortLimit(orderBy=[a ASC], offset=[0], fetch=[3], strategy=[AppendFastStrategy])") != NULL);
  free(out);
  /* and it runs: the first rows, appended */
  ROWS("SELECT k FROM (VALUES (1), (2), (3), (4), (5)) AS x(k) LIMIT 2 OFFSET 1", false, "+I[2]\n+I[3]\n");
}

static bool pg_ready;

TEST(left_lookup_join_with_conditions) {
  if (!pg_ready) {
    fprintf(stderr, "  no PostgreSQL server (postgresql package): skipped\n");
    CHECK(0);
    return;
  }
  CHECK(pg_exec("DROP TABLE IF EXISTS items"));
  CHECK(pg_exec("CREATE TABLE items (k int, x int, tag text)"));
  CHECK(pg_exec("INSERT INTO items VALUES (1, 3, 'a'), (1, 8, 'b'), (2, 4, 'c'), (3, 9, 'd'), (3, 10, 'e')"));
  char *n = pg_query("SELECT count(*) FROM items WHERE k = 1");
  CHECK_STR(n, "2");
  free(n);
  char sql[4096];
  const char *ddl = "CREATE TABLE items (k INT, x INT, tag STRING) WITH ('connector' = 'jdbc', 'url' = '%s', "
                    "'table-name' = 'items', 'username' = 'postgres', 'lookup.cache.max-rows' = '10', "
                    "'lookup.cache.ttl' = '1 min');"
                    "CREATE VIEW o AS SELECT *, PROCTIME() AS p FROM (VALUES (10, 1, 5), (11, 2, 5), (12, 3, 9), "
                    "(13, 4, 0), (14, CAST(NULL AS INT), 0)) AS o(id, k, lim);"
                    "SELECT o.id, d.tag, d.x FROM o %s JOIN items FOR SYSTEM_TIME AS OF o.p AS d "
                    "ON o.k = d.k AND d.x > 5 AND d.x > o.lim;";
  /* a condition on the looked-up row and one on both: 11's only row fails, 12's first */
  snprintf(sql, sizeof sql, ddl, pg_url, "LEFT");
  ROWS(sql, true, "+I[10, b, 8]\n+I[11, <NULL>, <NULL>]\n+I[12, e, 10]\n+I[13, <NULL>, <NULL>]\n+I[14, <NULL>, <NULL>]\n");
  snprintf(sql, sizeof sql, ddl, pg_url, "");
  ROWS(sql, true, "+I[10, b, 8]\n+I[12, e, 10]\n");
}

/* 50 rows at 100 per second, the job kept alive two seconds by a slow source that passes
 * nothing (as test_sql_temporal.c's processing-time windows) */
#define PROC_ROWS                                                                                                   \
  "SET 'parallelism.default' = '1';"                                                                               \
  "CREATE TABLE o (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '100', 'number-of-rows' = '50',"     \
  " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '50');"                              \
  "CREATE TABLE slow (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '10', 'number-of-rows' = '20',"   \
  " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '20');"                              \
  "CREATE VIEW u AS SELECT id, MOD(id, 5) AS m, PROCTIME() AS p FROM"                                               \
  " (SELECT id FROM o UNION ALL SELECT id FROM slow WHERE id < 0);"

TEST(processing_time_cumulate) {
  char *out, err[1024];
  /* CUMULATE(step 0.2 s, size 0.4 s): windows [s, s + 0.2) and [s, s + 0.4) for s a multiple of 0.4 s */
  int rc = run(PROC_ROWS "SELECT window_start, window_end, COUNT(*) AS n, SUM(id) AS s, COUNT(DISTINCT m) AS dm"
                         " FROM TABLE(CUMULATE(TABLE u, DESCRIPTOR(p), INTERVAL '0.2' SECOND, INTERVAL '0.4' SECOND))"
                         " GROUP BY window_start, window_end;",
               &out, err, sizeof err);
  if (rc) fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  char *rows = rows_of(out, false, false);
  free(out);
  long full_n = 0, full_s = 0, nfull = 0, half_n[64] = {0}, fulls[64] = {0};
  long half_start[64];
  int nhalf = 0;
  bool shape = true;
  for (char *l = rows, *e; (e = strchr(l, '\n')); l = e + 1) {
    int h1, m1, s1, ms1, h2, m2, s2, ms2;
    long c, sm, dm;
    if (sscanf(l, "+I[%*d-%*d-%*d %d:%d:%d.%d, %*d-%*d-%*d %d:%d:%d.%d, %ld, %ld, %ld]", &h1, &m1, &s1, &ms1, &h2, &m2,
               &s2, &ms2, &c, &sm, &dm) != 11) {
      fprintf(stderr, "  unexpected row %.*s\n", (int)(e - l), l);
      shape = false;
      continue;
    }
    long start = ((h1 * 60L + m1) * 60 + s1) * 1000 + ms1, end = ((h2 * 60L + m2) * 60 + s2) * 1000 + ms2;
    long len = (end - start + 86400000) % 86400000;
    if (start % 400 || (len != 200 && len != 400) || dm < 1 || dm > 5 || dm > c) shape = false;
    if (len == 400) {
      full_n += c, full_s += sm, nfull++;
      for (int i = 0; i < nhalf; i++)
        if (half_start[i] == start) fulls[i] = c;
    } else if (nhalf < 64) {
      half_start[nhalf] = start, half_n[nhalf++] = c;
    }
  }
  free(rows);
  CHECK(shape);
  /* every row is in exactly one full window: 50 rows, ids summing to 1275 */
  CHECK_INT(full_n, 50);
  CHECK_INT(full_s, 1275);
  CHECK(nfull >= 2);
  /* a window's first step holds a part of its rows (its full window fires after it) */
  for (int i = 0; i < nhalf; i++) CHECK(fulls[i] == 0 || half_n[i] <= fulls[i]);
  CHECK(nhalf >= 1);
  /* EXPLAIN names the processing-time window */
  CHECK_INT(run("CREATE VIEW u AS SELECT *, PROCTIME() AS p FROM (VALUES (1)) AS x(id);"
                "EXPLAIN SELECT COUNT(*) FROM TABLE(CUMULATE(TABLE u, DESCRIPTOR(p), INTERVAL '1' SECOND,"
                " INTERVAL '2' SECOND)) GROUP BY window_start, window_end;",
                &out, err, sizeof err), 0);
  CHECK(strstr(out, "[processing time]") != NULL);
  if (!strstr(out, "[processing time]")) fprintf(stderr, "%s\n", out);
  free(out);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-gaps-%d", (int)getpid());
  mkdir(tmp, 0777);
  RUN(row_as_one_value);
  RUN(in_and_exists_anywhere);
  RUN(processing_time_cumulate);
  RUN(natural_join);
  RUN(streaming_limit_explain);
  pg_ready = pg_start();
  RUN(left_lookup_join_with_conditions);
  pg_stop();
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "  could not remove %s\n", tmp);
  TEST_MAIN_END();
}
