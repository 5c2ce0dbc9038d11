/*
 * test_sql_subq2.c -- RANK() / DENSE_RANK() Top-N over an updating input
 * (src/sql/rank_retract.c): the exact changelog over a GROUP BY's -U/+U (ties, rows
 * that leave and come back, with and without the rank column, NULL keys and sums), and
 * the operator's list state checkpointed, killed with SIGKILL and resumed into a
 * PostgreSQL upsert table; subqueries in more places (src/sql/subq_*.c): scalar
 * subqueries in an aggregate query's select list and HAVING, IN / EXISTS / scalar
 * subqueries in HAVING, CASE branches and a JOIN's ON (inner and outer), correlated EXISTS / IN by
 * non-equalities, correlated IN over DISTINCT / GROUP BY / aggregates.  Expected rows
 * are computed by hand from Flink's semantics; changelogs whose order depends on how
 * a join's inputs interleave are checked on the final table they build.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "pg_test.h"
#include "sql_changelog_test.h"
#include "sql_proc_test.h"

static bool pg_ready;

/* per id: the sums of v of a GROUP BY id, as a changelog of -U/+U */
#define T1 "(VALUES ('a', 1, 5), ('a', 2, 7), ('a', 3, 5), ('a', 1, 4), ('a', 4, 7), ('a', 2, -5)) AS t(g, id, v)"
#define SUMS(t) "(SELECT g, id, SUM(v) AS s FROM " t " GROUP BY g, id)"

TEST(rank_over_an_updating_input_exact_changelog) {
  /* 5; 7 pushes 5 to rank 2; a second 5 ties at 2; id 1 goes 5 -> 9 (-D at 2, then
   * +I at 1, 7 to 2, the 5 of id 3 to 3: out); a second 7 ties at 2; id 2 goes 7 -> 2
   * (out, and its new rank 4 stays out) */
  CHECK_MODE("SELECT * FROM (SELECT g, id, s, RANK() OVER (PARTITION BY g ORDER BY s DESC) AS rk FROM " SUMS(T1)
             ") WHERE rk <= 2", false, false,
             "+I[a, 1, 5, 1]\n-U[a, 1, 5, 1]\n+U[a, 1, 5, 2]\n+I[a, 2, 7, 1]\n+I[a, 3, 5, 2]\n"
             "-D[a, 1, 5, 2]\n-U[a, 2, 7, 1]\n+U[a, 2, 7, 2]\n-D[a, 3, 5, 2]\n+I[a, 1, 9, 1]\n"
             "+I[a, 4, 7, 2]\n-D[a, 2, 7, 2]\n");
  /* with a state TTL (the list's rows keep their clocks): the same */
  CHECK_FINAL("SET 'table.exec.state.ttl' = '1 h';\nSELECT * FROM (SELECT g, id, s, RANK() OVER (PARTITION BY g ORDER BY s DESC) "
              "AS rk FROM " SUMS(T1) ") WHERE rk <= 2", "[a, 1, 9, 1]\n[a, 4, 7, 2]\n");
  /* without the rank: -D for rows that leave, then +I for those that enter */
  CHECK_MODE("SELECT g, id, s FROM (SELECT g, id, s, DENSE_RANK() OVER (PARTITION BY g ORDER BY s DESC) AS rk FROM "
             SUMS(T1) ") WHERE rk <= 2", false, false,
             "+I[a, 1, 5]\n+I[a, 2, 7]\n+I[a, 3, 5]\n-D[a, 1, 5]\n-D[a, 3, 5]\n+I[a, 1, 9]\n+I[a, 4, 7]\n-D[a, 2, 7]\n");
}

/* final sums: a: 1 -> 9, 2 -> 2, 3 -> 5, 4 -> 7, 5 -> 9, 6 -> NULL; NULL: 7 -> 3 */
#define T2                                                                                                        \
  "(VALUES ('a', 1, 5), ('a', 2, 7), ('a', 3, 5), ('a', 1, 4), ('a', 4, 7), ('a', 2, -5), ('a', 5, 9), "          \
  "('a', 6, CAST(NULL AS INT)), (CAST(NULL AS STRING), 7, 3)) AS t(g, id, v)"

TEST(rank_and_dense_rank_final_tables_with_ties_and_nulls) {
  /* 9, 9, 7, 5, 2, NULL (last when DESC): RANK 1, 1, 3, 4, 5, 6 */
  CHECK_FINAL("SELECT * FROM (SELECT g, id, s, RANK() OVER (PARTITION BY g ORDER BY s DESC) AS rk FROM " SUMS(T2)
              ") WHERE rk <= 3",
              "[<NULL>, 7, 3, 1]\n[a, 1, 9, 1]\n[a, 4, 7, 3]\n[a, 5, 9, 1]\n");
  /* DENSE_RANK 1, 1, 2, 3, 4, 5 */
  CHECK_FINAL("SELECT * FROM (SELECT g, id, s, DENSE_RANK() OVER (PARTITION BY g ORDER BY s DESC) AS rk FROM " SUMS(T2)
              ") WHERE rk <= 3",
              "[<NULL>, 7, 3, 1]\n[a, 1, 9, 1]\n[a, 3, 5, 3]\n[a, 4, 7, 2]\n[a, 5, 9, 1]\n");
  /* ascending, NULL first (Flink's default for ASC): RANK 1 NULL, 2 the 2, 3 the 5;
   * ranks 2..3 only */
  CHECK_FINAL("SELECT id, s, rk FROM (SELECT g, id, s, RANK() OVER (PARTITION BY g ORDER BY s) AS rk FROM " SUMS(T2)
              ") WHERE rk BETWEEN 2 AND 3 AND g = 'a'",
              "[2, 2, 2]\n[3, 5, 3]\n");
  /* a HAVING deletes groups (sum <= 4): 2 and the NULL group's 3 leave; the rows left
   * are 9, 9, 7, 5 and DENSE_RANK <= 2 keeps the 9s and the 7 */
  CHECK_FINAL("SELECT g, id, s FROM (SELECT g, id, s, DENSE_RANK() OVER (PARTITION BY g ORDER BY s DESC) AS rk FROM "
              "(SELECT g, id, SUM(v) AS s FROM " T2 " GROUP BY g, id HAVING SUM(v) > 4)) WHERE rk <= 2",
              "[a, 1, 9]\n[a, 4, 7]\n[a, 5, 9]\n");
  /* no partition: one global Top-N over every group */
  CHECK_FINAL("SELECT id, rk FROM (SELECT id, s, RANK() OVER (ORDER BY s DESC) AS rk FROM " SUMS(T2) ") WHERE rk <= 2",
              "[1, 1]\n[5, 1]\n");
  char *out, err[1024];
  CHECK_INT(run("EXPLAIN SELECT * FROM (SELECT g, id, s, RANK() OVER (PARTITION BY g ORDER BY s DESC) AS rk FROM "
                SUMS(T2) ") WHERE rk <= 3", &out, err, sizeof err), 0);
  CHECK(strstr(out, "Rank(rankType=[RANK], rankRange=[rankStart=1, rankEnd=3], partitionBy=[g]") != NULL);
  free(out);
}

/* The Top-N of sums per key of a datagen sequence into a PostgreSQL upsert table, run
 * once and once killed with SIGKILL after three checkpoints and resumed from the newest:
 * both tables must be the Top-N computed here. */
#define IDS 30000
static void expected_top(char *buf, size_t cap) {
  long long sum[50] = {0};
  for (long long id = 1; id <= IDS; id++) sum[id % 50] += id * 7919 % 1000;
  size_t len = 0;
  buf[0] = 0;
  for (int k = 0; k < 50; k++) {
    int rk = 1;
    for (int j = 0; j < 50; j++)
      if (j % 3 == k % 3 && sum[j] > sum[k]) rk++;
    if (rk <= 3) len += (size_t)snprintf(buf + len, cap - len, "%s%d,%lld,%d", len ? ";" : "", k, sum[k], rk);
  }
}

static const char *run_job(const char *bin, const char *tag, const char *table, bool kill_it) {
  char job[4096], script[400], rscript[400], ck[120], chk[400] = "", set[200];
  snprintf(ck, sizeof ck, "%.90s/%.20s-ck", tmp, tag);
  for (int pass = 0; pass < 2; pass++) {
    snprintf(set, sizeof set, "%s", pass ? "SET 'execution.savepoint.path' = '${RESUME}';\n" : "");
    snprintf(job, sizeof job,
             "SET 'parallelism.default' = '2';\n"
             "SET 'execution.checkpointing.interval' = '100 ms';\n"
             "SET 'state.checkpoints.dir' = '${CKPT}';\n"
             "SET 'state.checkpoints.num-retained' = '5';\n%s"
             "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '6000',"
             " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');\n"
             "CREATE TABLE dst (k BIGINT, total BIGINT, rk BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ("
             "'connector' = 'jdbc', 'url' = '%s', 'table-name' = '%s', 'username' = 'postgres');\n"
             "INSERT INTO dst SELECT k, total, rk FROM (SELECT k, total, RANK() OVER (PARTITION BY p ORDER BY total DESC)"
             " AS rk FROM (SELECT MOD(id, 50) AS k, MOD(MOD(id, 50), 3) AS p, SUM(MOD(id * 7919, 1000)) AS total"
             " FROM src GROUP BY MOD(id, 50))) WHERE rk <= 3;\n",
             set, IDS, pg_url, table);
    snprintf(pass ? rscript : script, 400, "%s/%s-%d.sql", tmp, tag, pass);
    write_file(pass ? rscript : script, job);
  }
  int status = 0;
  pid_t pid = spawn(bin, script, ck, tmp, NULL, NULL);
  if (!kill_it) {
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && !WEXITSTATUS(status) ? NULL : "the uninterrupted run failed";
  }
  for (int i = 0; i < 3000 && newest_checkpoint(ck, chk, sizeof chk) < 3; i++) sleep_ms(10);
  bool running = waitpid(pid, &status, WNOHANG) == 0;
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  if (!running) return "the job ended before it was killed";
  if (newest_checkpoint(ck, chk, sizeof chk) < 3) return "too few checkpoints before the kill";
  pid = spawn(bin, rscript, ck, tmp, chk, NULL);
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && !WEXITSTATUS(status) ? NULL : "the resumed run failed";
}

TEST(rank_over_updates_killed_and_resumed) {
  const char *bin = getenv("STROM_BIN");
  if (!bin || access(bin, X_OK)) {
    printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
    return;
  }
  if (!pg_ready) {
    fprintf(stderr, "  no PostgreSQL server (postgresql package)\n");
    CHECK(0);
    return;
  }
  static char want[4096];
  expected_top(want, sizeof want);
  for (int i = 0; i < 2; i++) {
    const char *table = i ? "top_killed" : "top_once";
    char q[200];
    snprintf(q, sizeof q, "CREATE TABLE %s (k bigint PRIMARY KEY, total bigint, rk bigint)", table);
    CHECK(pg_exec(i ? "DROP TABLE IF EXISTS top_killed" : "DROP TABLE IF EXISTS top_once"));
    CHECK(pg_exec(q));
    const char *why = run_job(bin, i ? "killed" : "once", table, i == 1);
    if (why) fprintf(stderr, "  %s\n", why);
    CHECK(why == NULL);
    snprintf(q, sizeof q, "SELECT k, total, rk FROM %s ORDER BY k", table);
    char *got = pg_query(q);
    CHECK_STR(got, want);
    free(got);
  }
}


/* ---- subqueries in more places ---- */

#define TT1 "(VALUES ('a', 1), ('a', 2), ('b', 5), (CAST(NULL AS STRING), 7), ('c', 4)) AS t(k, v)"
#define TT2 "(VALUES ('a', 10), ('b', 20), ('a', 3), (CAST(NULL AS STRING), 5)) AS t2(k, x)"
#define U "(VALUES ('a', 'A'), ('b', 'B'), ('c', 'C')) AS u(k, name)"
#define VIEWS "CREATE VIEW t AS SELECT * FROM " TT1 ";\nCREATE VIEW t2 AS SELECT * FROM " TT2 ";\nCREATE VIEW u AS SELECT * FROM " U ";\n"

/* sums: a 3, b 5, NULL 7, c 4; t2: MAX(x) 20, AVG(x) 9 (INT), x in {10, 20, 3, 5},
 * k in {a, b, a, NULL} */
TEST(scalar_subqueries_in_an_aggregate_query) {
  CHECK_FINAL(VIEWS "SELECT k, SUM(v) + (SELECT MAX(x) FROM t2) FROM t GROUP BY k",
              "[<NULL>, 27]\n[a, 23]\n[b, 25]\n[c, 24]\n");
  /* the column keeps Flink's name */
  char *out, err[1024];
  CHECK_INT(run(VIEWS "SELECT k, SUM(v) + (SELECT MAX(x) FROM t2) FROM t GROUP BY k", &out, err, sizeof err), 0);
  CHECK(strstr(out, "EXPR$1") != NULL);
  free(out);
  CHECK_FINAL(VIEWS "SELECT k, SUM(v) AS s FROM t GROUP BY k HAVING SUM(v) * 2 > (SELECT AVG(x) FROM t2)",
              "[<NULL>, 7]\n[b, 5]\n");
  /* correlated by the group key (NULL where nothing matches) */
  CHECK_FINAL(VIEWS "SELECT k, SUM(v) AS s, (SELECT SUM(x) FROM t2 WHERE t2.k = t.k) AS m FROM t GROUP BY k",
              "[<NULL>, 7, <NULL>]\n[a, 3, 13]\n[b, 5, 20]\n[c, 4, <NULL>]\n");
  /* a COUNT correlated by the group key: 0 where nothing matches */
  CHECK_FINAL(VIEWS "SELECT k, COUNT(*) + (SELECT COUNT(*) FROM t2 WHERE t2.k = t.k) AS n FROM t GROUP BY k",
              "[<NULL>, 1]\n[a, 4]\n[b, 2]\n[c, 1]\n");
  /* in a CASE branch of the select list */
  CHECK_FINAL(VIEWS "SELECT k, CASE WHEN SUM(v) > 3 THEN (SELECT MAX(x) FROM t2) ELSE -1 END AS c FROM t GROUP BY k",
              "[<NULL>, 20]\n[a, -1]\n[b, 20]\n[c, 20]\n");
  /* without GROUP BY: one row */
  CHECK_FINAL(VIEWS "SELECT SUM(v) - (SELECT MIN(x) FROM t2), COUNT(*) FROM t", "[16, 5]\n");
  /* DISTINCT over the joined subquery's values */
  CHECK_FINAL(VIEWS "SELECT DISTINCT SUM(v) * 2 > (SELECT AVG(x) FROM t2) AS big FROM t GROUP BY k", "[FALSE]\n[TRUE]\n");
  CHECK_FINAL(VIEWS "SELECT DISTINCT k IN (SELECT k FROM t2) AS i FROM t", "[<NULL>]\n[TRUE]\n");
  CHECK_ERR(VIEWS "SELECT k, v + 1 FROM t GROUP BY k HAVING SUM(v) > (SELECT MIN(x) FROM t2)",
            "line 4, column 11: column 'v' is neither in GROUP BY nor inside an aggregate function");
  /* as an aggregate's argument (branch subq3): joined below the aggregation, MAX(x) 20 a row */
  CHECK_FINAL(VIEWS "SELECT k, SUM((SELECT MAX(x) FROM t2)) FROM t GROUP BY k", "[<NULL>, 20]\n[a, 40]\n[b, 20]\n[c, 20]\n");
  /* the subquery's side updates: SUM of the counts per key grows 1, 2, 3, 4 */
  CHECK_FINAL(VIEWS "SELECT k, SUM(v) FROM t GROUP BY k HAVING SUM(v) >= "
                    "(SELECT SUM(c) FROM (SELECT k, COUNT(*) AS c FROM t2 GROUP BY k))",
              "[<NULL>, 7]\n[b, 5]\n[c, 4]\n");
}

/* a window TVF's aggregation (its rows final when the window fires) under the subquery
 * joins; the legacy GROUP BY TUMBLE(...) form is refused */
TEST(subqueries_over_a_window_aggregation) {
  char path[400];
  snprintf(path, sizeof path, "%s/ticks.csv", tmp);
  write_file(path, "a,5,2020-01-01 00:00:01\na,7,2020-01-01 00:00:02\nb,7,2020-01-01 00:00:03\na,9,2020-01-01 00:00:12\n");
#define TICKS                                                                                                    \
  "CREATE TABLE ticks (g STRING, s INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (" \
  "'connector' = 'filesystem', 'path' = '${TMP}/ticks.csv', 'format' = 'csv');\n"                             \
  "CREATE VIEW t2 AS SELECT * FROM (VALUES ('a', 10), ('b', 20)) AS t2(k, x);\n"
#define TUMBLE10 "TABLE(TUMBLE(TABLE ticks, DESCRIPTOR(ts), INTERVAL '10' SECOND))"
  CHECK_FINAL(TICKS "SELECT window_start, g, SUM(s) + (SELECT MAX(x) FROM t2) AS z FROM " TUMBLE10
                    " GROUP BY window_start, window_end, g",
              "[2020-01-01 00:00:00.000, a, 32]\n[2020-01-01 00:00:00.000, b, 27]\n[2020-01-01 00:00:10.000, a, 29]\n");
  CHECK_FINAL(TICKS "SELECT window_start, g, SUM(s) AS z FROM " TUMBLE10
                    " GROUP BY window_start, window_end, g HAVING g IN (SELECT k FROM t2 WHERE x > 15)",
              "[2020-01-01 00:00:00.000, b, 7]\n");
  /* the legacy form too (branch subq3): windows of 19 and 9, plus 20 */
  CHECK_FINAL(TICKS "SELECT SUM(s) + (SELECT MAX(x) FROM t2) FROM ticks GROUP BY TUMBLE(ts, INTERVAL '10' SECOND)",
              "[29]\n[39]\n");
}

TEST(in_and_exists_in_having_and_case) {
  CHECK_FINAL(VIEWS "SELECT k, SUM(v) AS s FROM t GROUP BY k HAVING SUM(v) IN (SELECT x FROM t2)", "[a, 3]\n[b, 5]\n");
  /* NOT IN with a NULL in the subquery: never TRUE */
  CHECK_FINAL(VIEWS "SELECT k, SUM(v) AS s FROM t GROUP BY k HAVING k NOT IN (SELECT k FROM t2)", "");
  /* under OR: c IN (a, b, a, NULL) is NULL, NULL IN (...) is NULL */
  CHECK_FINAL(VIEWS "SELECT k, SUM(v) AS s FROM t GROUP BY k HAVING k IN (SELECT k FROM t2) OR SUM(v) > 6",
              "[<NULL>, 7]\n[a, 3]\n[b, 5]\n");
  /* correlated by the group key */
  CHECK_FINAL(VIEWS "SELECT k, SUM(v) AS s FROM t GROUP BY k HAVING EXISTS (SELECT * FROM t2 WHERE t2.k = t.k)",
              "[a, 3]\n[b, 5]\n");
  CHECK_FINAL(VIEWS "SELECT k, SUM(v) AS s FROM t GROUP BY k HAVING NOT EXISTS (SELECT * FROM t2 WHERE t2.k = t.k)",
              "[<NULL>, 7]\n[c, 4]\n");
  /* IN / EXISTS / scalar subqueries in the branches of a CASE */
  CHECK_FINAL(VIEWS "SELECT k, v, CASE WHEN v IN (SELECT x FROM t2) THEN 'in' WHEN EXISTS (SELECT * FROM t2 WHERE "
                    "t2.x = t.v + 1) THEN 'next' ELSE (SELECT MIN(k) FROM t2) END AS c FROM t",
              "[<NULL>, 7, a]\n[a, 1, a]\n[a, 2, next]\n[b, 5, in]\n[c, 4, next]\n");
  CHECK_FINAL(VIEWS "SELECT k, CASE WHEN SUM(v) IN (SELECT x FROM t2) THEN 'hit' ELSE 'miss' END FROM t GROUP BY k",
              "[<NULL>, miss]\n[a, hit]\n[b, hit]\n[c, miss]\n");
}

TEST(subqueries_in_a_join_on) {
  CHECK_FINAL(VIEWS "SELECT t.k, v, name FROM t JOIN u ON t.k = u.k AND t.v IN (SELECT x FROM t2)", "[b, 5, B]\n");
  /* correlated with the right side */
  CHECK_FINAL(VIEWS "SELECT t.k, v, name FROM t JOIN u ON t.k = u.k AND t.v < (SELECT MAX(x) FROM t2 WHERE t2.k = u.k)",
              "[a, 1, A]\n[a, 2, A]\n[b, 5, B]\n");
  CHECK_FINAL(VIEWS "SELECT t.k, v FROM t JOIN u ON t.k = u.k AND NOT EXISTS (SELECT * FROM t2 WHERE t2.k = u.k) "
                    "WHERE v > 0",
              "[c, 4]\n");
  /* outer joins: each ON term with a subquery is a column of the one side it reads */
  CHECK_FINAL(VIEWS "SELECT t.k, v, name FROM t LEFT JOIN u ON t.k = u.k AND t.v IN (SELECT x FROM t2)",
              "[<NULL>, 7, <NULL>]\n[a, 1, <NULL>]\n[a, 2, <NULL>]\n[b, 5, B]\n[c, 4, <NULL>]\n");
  /* MAX(UPPER(k)) is B */
  CHECK_FINAL(VIEWS "SELECT t.k, v, name FROM t LEFT JOIN u ON t.k = u.k AND u.name <> (SELECT MAX(UPPER(k)) FROM t2)",
              "[<NULL>, 7, <NULL>]\n[a, 1, A]\n[a, 2, A]\n[b, 5, <NULL>]\n[c, 4, C]\n");
  CHECK_FINAL(VIEWS "SELECT t.k, v, name FROM t RIGHT JOIN u ON t.k = u.k AND (SELECT COUNT(*) FROM t2) > 3",
              "[a, 1, A]\n[a, 2, A]\n[b, 5, B]\n[c, 4, C]\n");
  CHECK_FINAL(VIEWS "SELECT t.k, v, name FROM t FULL JOIN u ON t.k = u.k AND EXISTS (SELECT * FROM t2 WHERE t2.k = t.k)",
              "[<NULL>, 7, <NULL>]\n[<NULL>, <NULL>, C]\n[a, 1, A]\n[a, 2, A]\n[b, 5, B]\n[c, 4, <NULL>]\n");
  /* reading both sides (branch subq3: Calcite's domain rewrite): MAX(x) of u.k a 10, b 20, c NULL */
  CHECK_FINAL(VIEWS "SELECT t.k, v, name FROM t LEFT JOIN u ON t.k = u.k AND t.v < (SELECT MAX(x) FROM t2 WHERE t2.k = u.k)",
              "[<NULL>, 7, <NULL>]\n[a, 1, A]\n[a, 2, A]\n[b, 5, B]\n[c, 4, <NULL>]\n");
  CHECK_ERR(VIEWS "SELECT t.k, v, name FROM t LEFT JOIN u ON t.k = u.k AND v IN (SELECT x FROM t2)",
            "(it reads columns not qualified by their table");
}

TEST(correlated_by_non_equalities_and_grouped_in) {
  /* a semi / anti join keyed by k with the residual t2.x > t.v */
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE EXISTS (SELECT * FROM t2 WHERE t2.x > t.v + 2 AND t2.k = t.k)",
              "[a, 1]\n[a, 2]\n[b, 5]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE NOT EXISTS (SELECT * FROM t2 WHERE t2.x > t.v + 2 AND t2.k = t.k)",
              "[<NULL>, 7]\n[c, 4]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v IN (SELECT x - 8 FROM t2 WHERE t2.k = t.k AND t2.x > t.v)",
              "[a, 2]\n");
  /* correlated by a non-equality only: a semi / anti join without keys, the whole
   * condition its residual (x in 10, 20, 3, 5) */
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE EXISTS (SELECT * FROM t2 WHERE t2.x > t.v * 3)",
              "[a, 1]\n[a, 2]\n[b, 5]\n[c, 4]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE NOT EXISTS (SELECT * FROM t2 WHERE t2.x > t.v * 3)", "[<NULL>, 7]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v NOT IN (SELECT x - 8 FROM t2 WHERE t2.x > t.v)",
              "[<NULL>, 7]\n[a, 1]\n[b, 5]\n[c, 4]\n");
  /* IN over DISTINCT / GROUP BY / an aggregate, correlated by k */
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v IN (SELECT DISTINCT x - 8 FROM t2 WHERE t2.k = t.k)", "[a, 2]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v IN (SELECT MIN(x) - 1 FROM t2 WHERE t2.k = t.k GROUP BY t2.k)", "[a, 2]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v IN (SELECT COUNT(*) FROM t2 WHERE t2.k = t.k GROUP BY t2.x)", "[a, 1]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v NOT IN (SELECT x - 8 FROM t2 WHERE t2.k = t.k GROUP BY x HAVING COUNT(*) > 0)",
              "[<NULL>, 7]\n[a, 1]\n[b, 5]\n[c, 4]\n");
  /* an aggregate without GROUP BY is one row per outer row: MIN over nothing is NULL,
   * so NOT IN is NULL there; COUNT over nothing is 0 */
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v IN (SELECT MIN(x) - 1 FROM t2 WHERE t2.k = t.k)", "[a, 2]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v NOT IN (SELECT MIN(x) - 1 FROM t2 WHERE t2.k = t.k)", "[a, 1]\n[b, 5]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v NOT IN (SELECT COUNT(*) FROM t2 WHERE t2.k = t.k)",
              "[<NULL>, 7]\n[a, 1]\n[b, 5]\n[c, 4]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v - 4 IN (SELECT COUNT(*) FROM t2 WHERE t2.k = t.k)", "[b, 5]\n[c, 4]\n");
  /* a comparison with a correlated COUNT keeps the rows nothing matches (COUNT 0) */
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE 0 = (SELECT COUNT(*) FROM t2 WHERE t2.k = t.k)", "[<NULL>, 7]\n[c, 4]\n");
  /* outside WHERE's AND terms: the aggregate as a comparison, DISTINCT as the plain
   * subquery's marker counts */
  CHECK_FINAL(VIEWS "SELECT k, v, v IN (SELECT MIN(x) - 1 FROM t2 WHERE t2.k = t.k) AS i FROM t",
              "[<NULL>, 7, <NULL>]\n[a, 1, FALSE]\n[a, 2, TRUE]\n[b, 5, FALSE]\n[c, 4, <NULL>]\n");
  CHECK_FINAL(VIEWS "SELECT k, v, v NOT IN (SELECT COUNT(*) FROM t2 WHERE t2.k = t.k) AS i FROM t",
              "[<NULL>, 7, TRUE]\n[a, 1, TRUE]\n[a, 2, FALSE]\n[b, 5, TRUE]\n[c, 4, TRUE]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v > 4 OR v IN (SELECT MIN(x) - 1 FROM t2 WHERE t2.k = t.k)",
              "[<NULL>, 7]\n[a, 2]\n[b, 5]\n");
  CHECK_FINAL(VIEWS "SELECT k, v, v IN (SELECT DISTINCT x - 8 FROM t2 WHERE t2.k = t.k) AS i FROM t",
              "[<NULL>, 7, FALSE]\n[a, 1, FALSE]\n[a, 2, TRUE]\n[b, 5, FALSE]\n[c, 4, FALSE]\n");
  CHECK_FINAL(VIEWS "SELECT k, v, EXISTS (SELECT DISTINCT x FROM t2 WHERE t2.k = t.k) AS e FROM t",
              "[<NULL>, 7, FALSE]\n[a, 1, TRUE]\n[a, 2, TRUE]\n[b, 5, TRUE]\n[c, 4, FALSE]\n");
  /* GROUP BY there: the marker counts over the subquery grouped by k too; NULL values
   * make IN NULL, an empty subquery FALSE */
  CHECK_FINAL(VIEWS "SELECT k, v, v IN (SELECT MIN(x) - 2 FROM t2 WHERE t2.k = t.k GROUP BY x) AS i FROM t",
              "[<NULL>, 7, FALSE]\n[a, 1, TRUE]\n[a, 2, FALSE]\n[b, 5, FALSE]\n[c, 4, FALSE]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v > 4 OR v IN (SELECT MIN(x) - 2 FROM t2 WHERE t2.k = t.k GROUP BY x)",
              "[<NULL>, 7]\n[a, 1]\n[b, 5]\n");
  CHECK_FINAL(VIEWS "SELECT k, v, v IN (SELECT CAST(NULL AS INT) FROM t2 WHERE t2.k = t.k GROUP BY x) AS i FROM t",
              "[<NULL>, 7, FALSE]\n[a, 1, <NULL>]\n[a, 2, <NULL>]\n[b, 5, <NULL>]\n[c, 4, FALSE]\n");
  /* correlated by non-equalities (branch subq3, subq_corr.c): the x of t2 rows with a
   * greater k (a: {20}, others none); per t2.k the MIN(x) of rows with x > v (1, 2:
   * {3, 20, 5}; 5: {10, 20}; 7: {10, 20}; 4: {10, 20, 5}); EXISTS a greater x of k */
  CHECK_FINAL(VIEWS "SELECT k, v, v IN (SELECT MIN(x) FROM t2 WHERE t2.k > t.k GROUP BY x) FROM t",
              "[<NULL>, 7, FALSE]\n[a, 1, FALSE]\n[a, 2, FALSE]\n[b, 5, FALSE]\n[c, 4, FALSE]\n");
  CHECK_FINAL(VIEWS "SELECT k, v FROM t WHERE v IN (SELECT MIN(x) FROM t2 WHERE t2.x > t.v GROUP BY t2.k)", "");
  CHECK_FINAL(VIEWS "SELECT k, v, EXISTS (SELECT * FROM t2 WHERE t2.x > t.v AND t2.k = t.k) FROM t",
              "[<NULL>, 7, FALSE]\n[a, 1, TRUE]\n[a, 2, TRUE]\n[b, 5, TRUE]\n[c, 4, FALSE]\n");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-subq2-%d", (int)getpid());
  mkdir(tmp, 0777);
  pg_ready = pg_start();
  RUN(rank_over_an_updating_input_exact_changelog);
  RUN(rank_and_dense_rank_final_tables_with_ties_and_nulls);
  RUN(rank_over_updates_killed_and_resumed);
  RUN(scalar_subqueries_in_an_aggregate_query);
  RUN(subqueries_over_a_window_aggregation);
  RUN(in_and_exists_in_having_and_case);
  RUN(subqueries_in_a_join_on);
  RUN(correlated_by_non_equalities_and_grouped_in);
  pg_stop();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  TEST_MAIN_END();
}
