/*
 * test_sql_over_group.c -- OVER calls in a SELECT that also aggregates (over_group.c):
 * the window functions run over the grouped rows, in batch (RANK, a HAVING, an
 * expression key, several windows, ORDER BY and LIMIT, running aggregates by any
 * order) and in streaming (a Top-N over
 * a GROUP BY's updates, checked by the table its changelog builds).  Expected rows are
 * computed by hand in the comments.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_changelog_test.h"

/* k = a: 10, 30, 50, NULL (4 rows, SUM 90); b: 20, 5 (SUM 25); c: 60 */
static const char *o_csv = "1,a,10\n2,b,20\n3,a,30\n4,b,5\n5,a,50\n6,c,60\n7,a,\n";
#define DDL "CREATE TABLE o (id INT, k STRING, v INT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/o.csv', 'format' = 'csv');\n"
#define BATCH "SET 'execution.runtime-mode' = 'batch';\n"

TEST(window_functions_over_groups_in_batch) {
  /* SUMs a 90, c 60, b 25: RANK by SUM DESC 1, 2, 3; the item keeps Flink's name EXPR$1 */
  CHECK_ROWS(BATCH DDL "SELECT k, SUM(v), RANK() OVER (ORDER BY SUM(v) DESC) AS r FROM o GROUP BY k",
             "+I[a, 90, 1]\n+I[b, 25, 3]\n+I[c, 60, 2]\n");
  /* an expression key and a HAVING: A 4 rows, B 2, C 1 (dropped); DENSE_RANK by COUNT(*)
   * and ROW_NUMBER by the key, two windows */
  CHECK_ROWS(BATCH DDL "SELECT UPPER(k) AS uk, COUNT(*) AS c, DENSE_RANK() OVER (ORDER BY COUNT(*)), ROW_NUMBER() OVER "
                       "(ORDER BY UPPER(k) DESC) FROM o GROUP BY UPPER(k) HAVING COUNT(*) > 1",
             "+I[A, 4, 2, 2]\n+I[B, 2, 1, 1]\n");
  /* with ORDER BY and LIMIT after them */
  CHECK_MODE(BATCH DDL "SELECT k, MAX(v) AS m, RANK() OVER (ORDER BY MAX(v)) AS r FROM o GROUP BY k ORDER BY r DESC LIMIT 2",
             false, false, "+I[c, 60, 3]\n+I[a, 50, 2]\n");
}

TEST(running_aggregates_by_any_order_in_batch) {
  /* batch sorts each partition, so an OVER aggregate may be ordered by any column: a by
   * v DESC (NULL last) 50, 80, 90, 90; b 20, 25; c 60; and a ROWS frame by id */
  CHECK_ROWS(BATCH DDL "SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY v DESC), COUNT(*) OVER (ORDER BY id ROWS BETWEEN "
                       "1 PRECEDING AND CURRENT ROW) FROM o",
             "+I[1, 90, 1]\n+I[2, 20, 2]\n+I[3, 80, 2]\n+I[4, 25, 2]\n+I[5, 50, 2]\n+I[6, 60, 2]\n+I[7, 90, 2]\n");
  /* over groups: A 4, B 2, C 1, running 4, 6, 7 */
  CHECK_ROWS(BATCH DDL "SELECT UPPER(k), COUNT(*), SUM(COUNT(*)) OVER (ORDER BY UPPER(k)) FROM o GROUP BY UPPER(k)",
             "+I[A, 4, 4]\n+I[B, 2, 6]\n+I[C, 1, 7]\n");
  /* streaming still wants a time attribute */
  CHECK_ERR(DDL "SELECT SUM(v) OVER (ORDER BY id) FROM o", "must be ordered by one time attribute");
}

TEST(top_n_over_groups_in_streaming) {
  /* the two largest SUMs once every row is in: a 90, c 60 */
  CHECK_FINAL(DDL "SELECT * FROM (SELECT k, SUM(v) AS s, ROW_NUMBER() OVER (ORDER BY SUM(v) DESC) AS rn FROM o GROUP BY k) "
                  "WHERE rn <= 2",
              "[a, 90, 1]\n[c, 60, 2]\n");
  CHECK_ERR(DDL "SELECT k, ROW_NUMBER() OVER (ORDER BY COUNT(*)) FROM o GROUP BY GROUPING SETS ((k), ())",
            "not supported yet: OVER calls with GROUPING SETS, ROLLUP or CUBE");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-over-group-test-%d", (int)getpid());
  mkdir(tmp, 0777);
  write_tmp_file("o.csv", o_csv);
  RUN(window_functions_over_groups_in_batch);
  RUN(running_aggregates_by_any_order_in_batch);
  RUN(top_n_over_groups_in_streaming);
  char cmd[320];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
