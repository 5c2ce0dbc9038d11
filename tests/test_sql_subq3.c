/*
 * test_sql_subq3.c -- the subquery shapes of branch subq3 (src/sql/subq_corr.c and
 * hooks in subq_bind.c / subq_agg.c / subq_mark.c): correlated scalar subqueries by
 * non-equalities (with and without an equality beside them), IN / EXISTS correlated by
 * non-equalities outside WHERE's AND terms, the refusals Flink shares, and error
 * messages that name what the user wrote, never the rewrites' internal columns.
 * Inputs are small VALUES with NULLs on both sides; the expected final tables are
 * computed by hand (the changelog's order depends on how the joins' inputs interleave).
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_changelog_test.h"

/* t: (k, ts, a); s: (k, ts, x), with a second version of s's (a, 2) row retracted by a
 * GROUP BY (s is the last x per (k, ts): LAST_VALUE over an updating input) */
#define T "(VALUES ('a', 1, 10), ('a', 5, 11), ('b', 3, 12), (CAST(NULL AS STRING), 4, 13), ('a', CAST(NULL AS INT), 14)) AS t(k, ts, a)"
#define S "(VALUES ('a', 0, 100), ('a', 2, 200), ('a', 4, 400), ('b', 3, 300), ('b', 1, CAST(NULL AS INT)), (CAST(NULL AS STRING), 1, 500)) AS s(k, ts, x)"
#define VIEWS "CREATE VIEW t AS SELECT * FROM " T ";\nCREATE VIEW s AS SELECT * FROM " S ";\n"

TEST(correlated_scalar_by_a_non_equality) {
  /* MAX(x) over s rows of the same k before t.ts:
   * (a,1): s(a,0) -> 100; (a,5): 100,200,400 -> 400; (b,3): s(b,1) x NULL -> NULL;
   * (NULL,4): k NULL matches nothing -> NULL; (a,NULL): ts NULL -> NULL */
  CHECK_FINAL(VIEWS "SELECT a, (SELECT MAX(x) FROM s WHERE s.k = t.k AND s.ts < t.ts) AS m FROM t",
              "[10, 100]\n[11, 400]\n[12, <NULL>]\n[13, <NULL>]\n[14, <NULL>]\n");
  /* COUNT reads 0 where nothing matches: (a,1) 1, (a,5) 3, (b,3) 1, (NULL,4) 0, (a,NULL) 0 */
  CHECK_FINAL(VIEWS "SELECT a, (SELECT COUNT(*) FROM s WHERE s.k = t.k AND s.ts < t.ts) AS c FROM t",
              "[10, 1]\n[11, 3]\n[12, 1]\n[13, 0]\n[14, 0]\n");
  /* without any equality: every s row with ts < t.ts; SUM(x) (NULLs skipped)
   * ts 1: 100; ts 5: 100+200+400+300+500 = 1500; ts 3: 100+200+500 = 800;
   * ts 4: 100+200+300+500 = 1100; ts NULL: NULL */
  CHECK_FINAL(VIEWS "SELECT a, (SELECT SUM(x) FROM s WHERE s.ts < t.ts) AS m FROM t",
              "[10, 100]\n[11, 1500]\n[12, 800]\n[13, 1100]\n[14, <NULL>]\n");
  /* in WHERE, compared: rows whose a is below the count of earlier s rows times 4 */
  CHECK_FINAL(VIEWS "SELECT a FROM t WHERE a < 4 * (SELECT COUNT(*) FROM s WHERE s.ts < t.ts)", "[11]\n[12]\n[13]\n");
  /* a condition that holds for a NULL outer value: the NULL group is its own (NULLs
   * equal in the join back), so (NULL, 4) still counts the s rows with k NULL */
  CHECK_FINAL(VIEWS "SELECT a, (SELECT COUNT(*) FROM s WHERE s.k = t.k OR (t.k IS NULL AND s.k IS NULL)) AS c FROM t",
              "[10, 3]\n[11, 3]\n[12, 2]\n[13, 1]\n[14, 3]\n");
  /* HAVING over the one aggregate: MAX of the earlier rows when there are 4 or more
   * (ts 1: 1 row; 5: 6 rows; 3: 4 rows, one x NULL; 4: 5 rows; NULL: none) */
  CHECK_FINAL(VIEWS "SELECT a, (SELECT MAX(x) FROM s WHERE s.ts < t.ts HAVING COUNT(*) >= 4) AS m FROM t",
              "[10, <NULL>]\n[11, 500]\n[12, 500]\n[13, 500]\n[14, <NULL>]\n");
  /* GROUP BY / DISTINCT by an equality: one row per outer row (a's only x over 300 is
   * 400; b's DISTINCT k one row), else the job fails */
  CHECK_FINAL(VIEWS "SELECT a, (SELECT MAX(x) FROM s WHERE s.k = t.k AND x > 300 GROUP BY s.k) AS m FROM t",
              "[10, 400]\n[11, 400]\n[12, <NULL>]\n[13, <NULL>]\n[14, 400]\n");
  CHECK_FINAL(VIEWS "SELECT a, (SELECT DISTINCT k FROM s WHERE s.k = t.k AND s.ts < t.ts) AS d FROM t",
              "[10, a]\n[11, a]\n[12, b]\n[13, <NULL>]\n[14, <NULL>]\n");
  CHECK_ERR(VIEWS "SELECT a, (SELECT MAX(x) FROM s WHERE s.ts < t.ts GROUP BY s.k) AS m FROM t",
            "a scalar subquery returned more than one row");
  /* without an aggregate: one row per outer row or the job fails */
  CHECK_FINAL(VIEWS "SELECT a, (SELECT x FROM s WHERE s.k = t.k AND s.ts = t.ts - 1) AS x FROM t",
              "[10, 100]\n[11, 400]\n[12, <NULL>]\n[13, <NULL>]\n[14, <NULL>]\n");
}

TEST(correlated_subquery_side_updates) {
  /* s2 is a GROUP BY: (a, 2)'s x goes 200 -> 250 -> 50, (b, 1) appears then leaves (HAVING) */
  const char *v = "CREATE VIEW t AS SELECT * FROM " T ";\n"
                  "CREATE VIEW s2 AS SELECT k, ts, SUM(x) AS x FROM (VALUES ('a', 2, 200), ('a', 0, 100), ('a', 2, 50), "
                  "('b', 1, 7), ('a', 2, -200), ('b', 1, -7)) AS r(k, ts, x) GROUP BY k, ts HAVING SUM(x) <> 0;\n";
  char sql[2048];
  /* final s2: (a,2) 50, (a,0) 100; (a,1): 100; (a,5): 100 + 50; b: NULL */
  snprintf(sql, sizeof sql, "%sSELECT a, (SELECT SUM(x) FROM s2 WHERE s2.k = t.k AND s2.ts < t.ts) AS m FROM t", v);
  CHECK_FINAL(sql, "[10, 100]\n[11, 150]\n[12, <NULL>]\n[13, <NULL>]\n[14, <NULL>]\n");
  snprintf(sql, sizeof sql, "%sSELECT a, (SELECT COUNT(*) FROM s2 WHERE s2.ts < t.ts) AS c FROM t", v);
  CHECK_FINAL(sql, "[10, 1]\n[11, 2]\n[12, 2]\n[13, 2]\n[14, 0]\n");
}

TEST(in_and_exists_correlated_by_non_equalities_outside_and_terms) {
  /* EXISTS an earlier s row of the same k, or a = 13:
   * (a,1) yes; (a,5) yes; (b,3) s(b,1) yes; (NULL,4) a = 13; (a,NULL) no */
  CHECK_FINAL(VIEWS "SELECT a FROM t WHERE a = 13 OR EXISTS (SELECT * FROM s WHERE s.k = t.k AND s.ts < t.ts)",
              "[10]\n[11]\n[12]\n[13]\n");
  CHECK_FINAL(VIEWS "SELECT a, EXISTS (SELECT * FROM s WHERE s.ts > t.ts) AS e FROM t",
              "[10, TRUE]\n[11, FALSE]\n[12, TRUE]\n[13, FALSE]\n[14, FALSE]\n");
  /* x IN the earlier rows' x / 10 + ts ... : a - 9 IN (SELECT x / 100 FROM s WHERE s.ts < t.ts):
   * (a,1): {1} a-9=1 TRUE; (a,5): {1,2,4,3,NULL,5} a-9=2 TRUE; (b,3): {1,2,NULL,5} 3 -> NULL;
   * (NULL,4): {1,2,3,NULL,5} 4 -> NULL; (a,NULL): empty -> FALSE */
  CHECK_FINAL(VIEWS "SELECT a, a - 9 IN (SELECT x / 100 FROM s WHERE s.ts < t.ts) AS i FROM t",
              "[10, TRUE]\n[11, TRUE]\n[12, <NULL>]\n[13, <NULL>]\n[14, FALSE]\n");
  /* NOT (... IN ...) under OR */
  CHECK_FINAL(VIEWS "SELECT a FROM t WHERE a = 0 OR NOT (a - 9 IN (SELECT x / 100 FROM s WHERE s.ts < t.ts))", "[14]\n");
}

/* per t row, COUNT(*) of s rows with s.ts < t.ts per s.k: 10 {1}; 11 {3, 2, 1};
 * 12 {2, 1}; 13 {2, 2, 1}; 14 {} */
TEST(correlated_in_over_group_by_by_a_non_equality) {
  CHECK_FINAL(VIEWS "SELECT a FROM t WHERE a - 9 IN (SELECT COUNT(*) FROM s WHERE s.ts < t.ts GROUP BY s.k)", "[10]\n[11]\n");
  CHECK_FINAL(VIEWS "SELECT a FROM t WHERE a - 9 NOT IN (SELECT COUNT(*) FROM s WHERE s.ts < t.ts GROUP BY s.k)",
              "[12]\n[13]\n[14]\n");
  CHECK_FINAL(VIEWS "SELECT a FROM t WHERE a - 9 IN (SELECT COUNT(*) FROM s WHERE s.ts < t.ts GROUP BY s.k HAVING COUNT(*) > 1)",
              "[11]\n");
  CHECK_FINAL(VIEWS "SELECT a, a - 9 IN (SELECT COUNT(*) FROM s WHERE s.ts < t.ts GROUP BY s.k) AS i FROM t",
              "[10, TRUE]\n[11, TRUE]\n[12, FALSE]\n[13, FALSE]\n[14, FALSE]\n");
  /* MAX(x) / 100 per k: 10 {1}; 11 {4, 3, 5}; 12 {2, NULL (b's only x), 5}; 13 {2, 3, 5}; 14 {} */
  CHECK_FINAL(VIEWS "SELECT a, a - 9 IN (SELECT MAX(x) / 100 FROM s WHERE s.ts < t.ts GROUP BY s.k) AS i FROM t",
              "[10, TRUE]\n[11, FALSE]\n[12, <NULL>]\n[13, FALSE]\n[14, FALSE]\n");
  /* x / 100 of the rows before: 10 {1}; 11 {1, 2, 4, 3, NULL, 5}; 12 {1, 2, NULL, 5} (3: NULL) */
  CHECK_FINAL(VIEWS "SELECT a FROM t WHERE a = 14 OR a - 9 IN (SELECT DISTINCT x / 100 FROM s WHERE s.ts < t.ts GROUP BY x)",
              "[10]\n[11]\n[14]\n");
  /* the subquery's side updates: final s2 (a, 0) 100, (a, 2) 50; (b, 1) came and went */
  CHECK_FINAL("CREATE VIEW t AS SELECT * FROM " T ";\n"
              "CREATE VIEW s2 AS SELECT k, ts, SUM(x) AS x FROM (VALUES ('a', 2, 200), ('a', 0, 100), ('a', 2, 50), "
              "('b', 1, 7), ('a', 2, -200), ('b', 1, -7)) AS r(k, ts, x) GROUP BY k, ts HAVING SUM(x) <> 0;\n"
              "SELECT a, a - 9 IN (SELECT COUNT(*) FROM s2 WHERE s2.ts < t.ts GROUP BY s2.k) AS i FROM t",
              "[10, TRUE]\n[11, TRUE]\n[12, FALSE]\n[13, FALSE]\n[14, FALSE]\n");
}

/* Calcite drops an ORDER BY without LIMIT in a subquery; a correlated LIMIT cannot be
 * decorrelated (RelDecorrelator keeps the correlation, Flink's planner then refuses) */
TEST(order_by_and_limit_in_subqueries) {
  /* x / 100 of the same k: a {1, 2, 4}, b {3, NULL}, NULL none */
  CHECK_FINAL(VIEWS "SELECT a FROM t WHERE a - 8 IN (SELECT x / 100 FROM s WHERE s.k = t.k ORDER BY x)", "[10]\n");
  CHECK_FINAL(VIEWS "SELECT a, a - 8 IN (SELECT x / 100 FROM s WHERE s.k = t.k ORDER BY x DESC) AS i FROM t",
              "[10, TRUE]\n[11, FALSE]\n[12, <NULL>]\n[13, FALSE]\n[14, FALSE]\n");
  CHECK_FINAL(VIEWS "SELECT a FROM t WHERE a - 8 IN (SELECT x / 100 FROM s ORDER BY x)", "[10]\n[11]\n[12]\n[13]\n");
  CHECK_ERR(VIEWS "SELECT a FROM t WHERE a IN (SELECT x FROM s WHERE s.k = t.k ORDER BY x LIMIT 1)",
            "line 3, column 28: not supported: a correlated subquery with LIMIT or OFFSET");
  CHECK_ERR(VIEWS "SELECT a, a IN (SELECT x FROM s WHERE s.k = t.k LIMIT 2) FROM t", "a correlated subquery with LIMIT or OFFSET");
  CHECK_ERR(VIEWS "SELECT a, (SELECT x FROM s WHERE s.k = t.k ORDER BY x LIMIT 1) FROM t",
            "a correlated subquery with LIMIT or OFFSET");
  CHECK_ERR(VIEWS "SELECT a FROM t WHERE EXISTS (SELECT x FROM s WHERE s.ts > t.ts OFFSET 1)",
            "a correlated subquery with LIMIT or OFFSET");
}

/* An outer join's ON term with a subquery reading both sides, as Calcite's
 * SubQueryRemoveRule rewrites it over a domain of both sides' values */
TEST(outer_join_on_reading_both_sides) {
  /* MIN(x) of the s rows before t.ts: ts 1: 100, 5: 100, 3: 100, 4: 100, NULL: NULL;
   * the same k with a greater x: (a, 1) and (a, 5) 200 and 400, (b, 3) 300 (the NULL x
   * is no match), (NULL, 4) and (a, NULL) padded */
  const char *want = "[10, 200]\n[10, 400]\n[11, 200]\n[11, 400]\n[12, 300]\n[13, <NULL>]\n[14, <NULL>]\n";
  CHECK_FINAL(VIEWS "SELECT t.a, s.x FROM t LEFT JOIN s ON t.k = s.k AND s.x > (SELECT MIN(s2.x) FROM s AS s2 WHERE s2.ts < t.ts)", want);
  CHECK_FINAL(VIEWS "SELECT t.a, s.x FROM s RIGHT JOIN t ON t.k = s.k AND s.x > (SELECT MIN(s2.x) FROM s AS s2 WHERE s2.ts < t.ts)", want);
  /* an IN reading both sides, correlated by equality: the t rows of s's k whose a - 9
   * is s's x / 100: 100 -> 10, 200 -> 11, 300 (b) -> 12; 400 none; NULL k none */
  CHECK_FINAL(VIEWS "SELECT s.x, t.a FROM s LEFT JOIN t ON s.k = t.k AND t.a - 9 IN (SELECT s2.x / 100 FROM s AS s2 WHERE s2.x = s.x)",
              "[100, 10]\n[200, 11]\n[300, 12]\n[400, <NULL>]\n[500, <NULL>]\n[<NULL>, <NULL>]\n");
}

/* Calcite converts a subquery in an aggregate's argument before the aggregation (it
 * gives the aggregate its rows); Flink then plans the join below the GROUP BY */
TEST(subqueries_as_aggregate_arguments) {
  /* per k: SUM of MAX(x) over all s (500) a row: a 3 rows, b 1, NULL 1 */
  CHECK_FINAL(VIEWS "SELECT k, SUM((SELECT MAX(x) FROM s)) AS m FROM t GROUP BY k", "[<NULL>, 500]\n[a, 1500]\n[b, 500]\n");
  /* correlated by equality: a * (count of s rows of k): a 3 each (10+11+14)*3 = 105,
   * b 12*2 = 24, NULL 13*0 = 0 */
  CHECK_FINAL(VIEWS "SELECT k, SUM(a * (SELECT COUNT(*) FROM s WHERE s.k = t.k)) AS m FROM t GROUP BY k",
              "[<NULL>, 0]\n[a, 105]\n[b, 24]\n");
  /* by a non-equality, NULLs skipped by SUM: MAX(x) of earlier rows: 100, 500, 500,
   * 500, NULL */
  CHECK_FINAL(VIEWS "SELECT SUM((SELECT MAX(x) FROM s WHERE s.ts < t.ts)) AS m, COUNT((SELECT MAX(x) FROM s WHERE s.ts < t.ts)) AS c FROM t",
              "[1600, 4]\n");
  /* in HAVING and beside a subquery outside the aggregates */
  CHECK_FINAL(VIEWS "SELECT k, SUM(a) + (SELECT MIN(x) FROM s) AS m FROM t GROUP BY k HAVING SUM((SELECT 1)) > 1",
              "[a, 135]\n");
  /* IN inside the argument (a marker join below the aggregation): rows whose a - 9 is
   * an x / 100 of their k: (a, 10) 1, (a, 11) 2, (a, 14) 5 no, (b, 12) 3 */
  CHECK_FINAL(VIEWS "SELECT k, COUNT(CASE WHEN a - 9 IN (SELECT x / 100 FROM s WHERE s.k = t.k) THEN 1 END) AS c FROM t GROUP BY k",
              "[<NULL>, 0]\n[a, 2]\n[b, 1]\n");
  /* the subquery's side updates: final s2 (a, 0) 100, (a, 2) 50 -> MAX 100 */
  CHECK_FINAL("CREATE VIEW t AS SELECT * FROM " T ";\n"
              "CREATE VIEW s2 AS SELECT k, ts, SUM(x) AS x FROM (VALUES ('a', 2, 200), ('a', 0, 100), ('a', 2, 50), "
              "('b', 1, 7), ('a', 2, -200), ('b', 1, -7)) AS r(k, ts, x) GROUP BY k, ts HAVING SUM(x) <> 0;\n"
              "SELECT k, SUM((SELECT SUM(x) FROM s2)) AS m FROM t GROUP BY k",
              "[<NULL>, 150]\n[a, 450]\n[b, 150]\n");
}

/* GROUP BY TUMBLE(...): split like any aggregate query, TUMBLE_START / _END computed
 * with the aggregates below the subquery's join */
TEST(subqueries_over_a_legacy_group_window) {
  write_tmp_file("ev.csv", "a,5,2020-01-01 00:00:01\na,7,2020-01-01 00:00:02\nb,7,2020-01-01 00:00:03\na,9,2020-01-01 00:00:12\n");
#define EV                                                                                                      \
  "CREATE TABLE ev (g STRING, n INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (" \
  "'connector' = 'filesystem', 'path' = '${TMP}/ev.csv', 'format' = 'csv');\n"                            \
  "CREATE VIEW u AS SELECT * FROM (VALUES ('a', 100), ('b', 200), (CAST(NULL AS STRING), 300)) AS u(g, w);\n"
  CHECK_FINAL(EV "SELECT TUMBLE_START(ts, INTERVAL '10' SECOND) AS ws, g, SUM(n) + (SELECT w FROM u WHERE u.g = ev.g) AS z "
                 "FROM ev GROUP BY TUMBLE(ts, INTERVAL '10' SECOND), g",
              "[2020-01-01 00:00:00.000, a, 112]\n[2020-01-01 00:00:00.000, b, 207]\n[2020-01-01 00:00:10.000, a, 109]\n");
  CHECK_FINAL(EV "SELECT TUMBLE_END(ts, INTERVAL '10' SECOND) AS we, SUM(n) AS z FROM ev GROUP BY TUMBLE(ts, INTERVAL '10' SECOND) "
                 "HAVING SUM(n) > (SELECT MIN(w) FROM u) / 10",
              "[2020-01-01 00:00:10.000, 19]\n");
  CHECK_FINAL(EV "SELECT g, COUNT(*) AS c, g IN (SELECT g FROM u WHERE w > 100) AS i FROM ev " /* {b, NULL}: a is NULL */
                 "GROUP BY TUMBLE(ts, INTERVAL '10' SECOND), g",
              "[a, 1, <NULL>]\n[a, 2, <NULL>]\n[b, 1, TRUE]\n");
}

/* An error for a statement a rewrite took apart names what the user wrote (its text or
 * line and column), never the rewrites' columns ($a0, $agg, $on0, $k0, $c0, $subquery0_0) */
#define CHECK_ERR_PLAIN(sql, expected_substring)                                                  \
  do {                                                                                            \
    char *out_, err_[1024];                                                                       \
    int rc_ = run(sql, &out_, err_, sizeof err_);                                                 \
    free(out_);                                                                                   \
    if (!strstr(err_, expected_substring) || strchr(err_, '$'))                                   \
      fprintf(stderr, "  error was: %s\n  expected it to contain: %s (and no '$')\n", err_, expected_substring); \
    CHECK(rc_ != 0);                                                                              \
    CHECK(strstr(err_, expected_substring) != NULL);                                              \
    CHECK(strchr(err_, '$') == NULL);                                                             \
  } while (0)

TEST(errors_never_name_internal_columns) {
  /* refused: a temporal join's ON (Flink: the left table's time attribute is gone), an
   * outer join's ON term reading both sides */
  CHECK_ERR_PLAIN(VIEWS "SELECT * FROM t JOIN s FOR SYSTEM_TIME AS OF t.ts ON t.k = s.k AND t.a IN (SELECT x FROM s)",
                  "line 3, column 51: not supported: a subquery in the ON condition of a FOR SYSTEM_TIME AS OF join");
  CHECK_ERR_PLAIN(VIEWS "SELECT * FROM t FULL JOIN s ON t.k = s.k AND t.a < (SELECT MAX(x) FROM s AS s2 WHERE s2.ts > s.ts)",
                  "line 3, column 50: not supported: a subquery in the ON condition of a FULL join that reads both sides (Flink "
                  "cannot plan it either: its decorrelation leaves an unexpected correlate variable in the plan)");
  /* subq_agg.c's split: the aggregate columns $a0 and the derived table $agg */
  CHECK_ERR_PLAIN(VIEWS "SELECT k, SUM(a) + (SELECT MAX(x) FROM s WHERE s.k = zz) FROM t GROUP BY k",
                  "line 3, column 54: column 'zz' not found in any table; available: k, ts, x, k");
  CHECK_ERR_PLAIN(VIEWS "SELECT k, (SELECT MAX(x) FROM s WHERE s.k = t.zz) FROM t GROUP BY k",
                  "line 3, column 46: column 't.zz' not found");
  /* an outer join's ON term as a column $on0 of its side */
  CHECK_ERR_PLAIN(VIEWS "SELECT * FROM t LEFT JOIN s ON t.k = s.k AND t.a IN (SELECT x FROM s AS s2 WHERE s2.x = t.zz)",
                  "line 3, column 90: column 't.zz' not found");
  /* subq_mark.c's counts over (q) AS $in($v): the error inside q as it is */
  CHECK_ERR_PLAIN(VIEWS "SELECT k, a IN (SELECT zz FROM s) FROM t", "line 3, column 24: column 'zz' not found in any table; available: k, ts, x");
  CHECK_ERR_PLAIN(VIEWS "SELECT k, a IN (SELECT x FROM s WHERE s.k = t.k GROUP BY x HAVING zz > 1) FROM t",
                  "line 3, column 67: column 'zz' not found in any table");
  CHECK_ERR_PLAIN(VIEWS "SELECT k, a IN (SELECT x, k FROM s) FROM t", "line 3, column 13: the subquery of IN must return one column");
  /* the scalar subqueries' hidden columns, the value generator's $c0 and $k0 */
  CHECK_ERR_PLAIN(VIEWS "SELECT k, (SELECT MAX(zz) FROM s WHERE s.k = t.k AND s.x > t.a) FROM t",
                  "line 3, column 23: column 'zz' not found in any table; available: k, ts, x");
  CHECK_ERR_PLAIN(VIEWS "SELECT k, (SELECT MAX(x) FROM s WHERE s.ts > t.ts) AS m FROM t WHERE zz > 1",
                  "column 'zz' not found in any table; available: k, ts, a");
  CHECK_ERR_PLAIN(VIEWS "SELECT k, (SELECT MAX(x) FROM s WHERE s.ts > t.ts HAVING zz > 1) FROM t",
                  "line 3, column 58: column 'zz' not found in any table");
  CHECK_ERR_PLAIN(VIEWS "SELECT k, (SELECT MAX(x) + t.a FROM s WHERE s.ts > t.ts) FROM t",
                  "line 3, column 29: not supported yet: a subquery correlated by more than equalities whose select list reads the outer query (t.a)");
  CHECK_ERR_PLAIN(VIEWS "SELECT k, a IN (SELECT x FROM s WHERE s.ts > t.ts GROUP BY x HAVING zz > 1) FROM t",
                  "line 3, column 69: column 'zz' not found in any table");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-subq3-%d", (int)getpid());
  mkdir(tmp, 0777);
  RUN(correlated_scalar_by_a_non_equality);
  RUN(correlated_subquery_side_updates);
  RUN(in_and_exists_correlated_by_non_equalities_outside_and_terms);
  RUN(correlated_in_over_group_by_by_a_non_equality);
  RUN(order_by_and_limit_in_subqueries);
  RUN(outer_join_on_reading_both_sides);
  RUN(subqueries_as_aggregate_arguments);
  RUN(subqueries_over_a_legacy_group_window);
  RUN(errors_never_name_internal_columns);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {
  }
  TEST_MAIN_END();
}
