/*
 * test_sql_subquery.c -- subqueries and set operations (src/sql/subq_bind.c,
 * subq_plan.c, src/runtime/op_join_semi.c): the semi/anti join operator's exact
 * changelog with its inputs in a known order (DataStream API, as test_join_regular.c);
 * IN / NOT IN (NULL-aware) / EXISTS / NOT EXISTS, uncorrelated and correlated;
 * scalar subqueries in WHERE and the select list, correlated by equality, and the
 * run-time error of one that returns more rows; UNION, INTERSECT [ALL], EXCEPT [ALL];
 * RANK() and DENSE_RANK() Top-N (ties share a rank) with their exact changelog;
 * EXPLAIN naming the joins; a semi join killed with SIGKILL and resumed from its
 * checkpoint (through the strom binary) writing the rows of an uninterrupted run.  The two inputs of a join arrive in an order SQL tests do
 * not control, so changelogs that depend on it are checked on the final table they
 * build (every -U/-D must retract a row that is there).  Expected rows are computed by
 * hand from Flink's semantics.
 */
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>
#include <sys/wait.h>

#include "runtime/join_regular.h"
#include "sql_changelog_test.h"
#include "sql_proc_test.h"
/* after sql_proc_test.h, whose spawn() has a parameter named script */
#include "join_script_test.h"

/* ---- the operator, inputs in a known order ---- */

/* Runs the script through a semi (anti) join; the changelog as lines. */
static char *run_semi(bool anti, const step *steps, int n) {
  atomic_store(&vclock, 1000);
  atomic_store(&outputs, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_env_set_clock(env, virtual_now, NULL);
  strom_schema *s = strom_schema_parse("side INT, k INT, v VARCHAR", NULL, 0);
  strom_schema *o = strom_schema_parse("ls INT, lk INT, lv VARCHAR", NULL, 0);
  strom_schema *jo = strom_schema_parse("ls INT, lk INT, lv VARCHAR, rs INT, rk INT, rv VARCHAR", NULL, 0);
  script sc = {steps, n};
  strom_stream *in = strom_set_parallelism(strom_from_generator(env, s, (uint64_t)n, gen, &sc), 1);
  strom__semi_join_def d = {.anti = anti, .in_schema = {s, s}, .ncols = {3, 3}, .out_schema = o, .joined_schema = jo};
  strom_stream *j = strom__semi_join(strom_key_by(strom_set_parallelism(strom_filter(in, side0, NULL), 1), "k"),
                                        strom_key_by(strom_set_parallelism(strom_filter(in, side1, NULL), 1), "k"), &d);
  strom_process_def c = {.process = count_out};
  changelog[0] = 0;
  strom_discard(strom_set_parallelism(strom_process(j, &c), 1));
  int rc = strom_execute(env, "join");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  char *text = strdup(rc ? "job failed\n" : changelog);
  strom_env_free(env);
  strom_schema_free(s);
  strom_schema_free(o);
  strom_schema_free(jo);
  return text;
}





TEST(anti_join_changelog_in_order) {
  /* a passes with no match; x's arrival retracts it, y adds a second match (nothing),
   * retracting x leaves y (nothing), retracting y emits a again; a's own retraction
   * passes (it has no match) with its kind */
  static const step s[] = {
      {0, 1, "a", STROM_INSERT, 0, 0},
      {1, 1, "x", STROM_INSERT, 1, 0},
      {1, 1, "y", STROM_INSERT, 2, 0},
      {1, 1, "x", STROM_DELETE, 2, 0},
      {1, 1, "y", STROM_UPDATE_BEFORE, 2, 0},
      {0, 1, "a", STROM_DELETE, 3, 0},
      {0, 2, "b", STROM_UPDATE_AFTER, 4, 0},
  };
  CHECK_TEXT(run_semi(true, s, 7), "+I[0, 1, a]\n-D[0, 1, a]\n+I[0, 1, a]\n-D[0, 1, a]\n+U[0, 2, b]\n");
}

TEST(semi_join_changelog_in_order) {
  /* a and x meet (+I[a] in either order); y is a second match; the last match's
   * retraction emits -D[a]; a second a and a right row z (either order): a twice */
  static const step s[] = {
      {0, 1, "a", STROM_INSERT, 0, 0},
      {1, 1, "x", STROM_INSERT, 0, 0},
      {1, 1, "y", STROM_INSERT, 1, 0},
      {1, 1, "x", STROM_DELETE, 1, 0},
      {1, 1, "y", STROM_UPDATE_BEFORE, 1, 0},
      {0, 1, "a", STROM_INSERT, 2, 0},
      {1, 1, "z", STROM_UPDATE_AFTER, 2, 0},
  };
  CHECK_TEXT(run_semi(false, s, 7), "+I[0, 1, a]\n-D[0, 1, a]\n+I[0, 1, a]\n+I[0, 1, a]\n");
}

/* ---- SQL ---- */

#define L "(VALUES (1, 'a'), (2, 'b'), (2, 'c'), (3, 'd'), (CAST(NULL AS INT), 'n')) AS l(k, v)"
#define R "(VALUES (2, 'x'), (3, 'y'), (4, 'z')) AS r(k, w)"
#define RN "(VALUES (2, 'x'), (CAST(NULL AS INT), 'm')) AS r(k, w)"

/* A semi/anti join keeps its rows as map keys: columns wider than 8 bytes
 * (TIMESTAMP(6), DECIMAL(30, 2)) are stored and read back whole. */
TEST(semi_and_anti_joins_over_wide_columns) {
  const char *l = "(VALUES (TIMESTAMP '2026-01-01 10:00:00.000001', CAST(12345678901234567890.25 AS DECIMAL(30, 2))), "
                  "(TIMESTAMP '2026-01-01 10:00:00.000002', CAST(1.50 AS DECIMAL(30, 2)))) AS l(t, d)";
  const char *r = "(VALUES (CAST(12345678901234567890.25 AS DECIMAL(30, 2))), (CAST(7 AS DECIMAL(30, 2)))) AS r(d)";
  char sql[1024];
  snprintf(sql, sizeof sql, "SELECT t, d FROM %s WHERE d IN (SELECT d FROM %s)", l, r);
  CHECK_FINAL(sql, "[2026-01-01 10:00:00.000001, 12345678901234567890.25]\n");
  snprintf(sql, sizeof sql, "SELECT t, d FROM %s WHERE d NOT IN (SELECT d FROM %s)", l, r);
  CHECK_FINAL(sql, "[2026-01-01 10:00:00.000002, 1.50]\n");
}

TEST(in_and_exists_subqueries) {
  /* IN: a semi join on k; the NULL key matches nothing */
  CHECK_ROWS("SELECT k, v FROM " L " WHERE k IN (SELECT k FROM " R ")", "+I[2, b]\n+I[2, c]\n+I[3, d]\n");
  CHECK_ROWS("SELECT k, v FROM " L " WHERE v <> 'c' AND k IN (SELECT k + 1 FROM " R " WHERE w <> 'z')",
             "+I[3, d]\n");
  /* a value list keeps working beside a subquery */
  CHECK_ROWS("SELECT k, v FROM " L " WHERE k IN (1, 3) OR v = 'n'", "+I[1, a]\n+I[3, d]\n+I[<NULL>, n]\n");
  /* NOT IN: NULL NOT IN (...) is never true; a NULL in the subquery makes it never true */
  CHECK_FINAL("SELECT k, v FROM " L " WHERE k NOT IN (SELECT k FROM " R ")", "[1, a]\n");
  CHECK_FINAL("SELECT k, v FROM " L " WHERE k NOT IN (SELECT k FROM " RN ")", "");
  CHECK_FINAL("SELECT k, v FROM " L " WHERE NOT (k IN (SELECT k FROM " R " WHERE k > 2))", "[1, a]\n[2, b]\n[2, c]\n");
  /* ... but an empty subquery keeps every row, NULL ones too */
  CHECK_FINAL("SELECT k, v FROM " L " WHERE k NOT IN (SELECT k FROM " RN " WHERE k > 5)",
              "[1, a]\n[2, b]\n[2, c]\n[3, d]\n[<NULL>, n]\n");
  /* EXISTS correlated by equality, with a condition on the inner side and one on both */
  CHECK_ROWS("SELECT k, v FROM " L " WHERE EXISTS (SELECT 1 FROM " R " WHERE r.k = l.k AND w <> 'y')",
             "+I[2, b]\n+I[2, c]\n");
  CHECK_ROWS("SELECT v FROM " L " WHERE EXISTS (SELECT * FROM " R " WHERE r.k = l.k AND w > v)", "+I[b]\n+I[c]\n+I[d]\n");
  CHECK_FINAL("SELECT k, v FROM " L " WHERE NOT EXISTS (SELECT 1 FROM " R " WHERE r.k = l.k AND w <> 'y')",
              "[1, a]\n[3, d]\n[<NULL>, n]\n");
  /* an unqualified name in the subquery is the inner table's (both have k) */
  CHECK_ROWS("SELECT v FROM " L " WHERE EXISTS (SELECT 1 FROM " R " WHERE k = 4)",
             "+I[a]\n+I[b]\n+I[c]\n+I[d]\n+I[n]\n");
  /* uncorrelated EXISTS: every row or none */
  CHECK_ROWS("SELECT v FROM " L " WHERE NOT EXISTS (SELECT 1 FROM " R " WHERE k > 9) AND k = 1", "+I[a]\n");
  /* an IN over an aggregate subquery, and an IN whose rows are retracted (a changelog) */
  CHECK_FINAL("SELECT v FROM " L " WHERE k IN (SELECT COUNT(*) FROM (VALUES ('p'), ('q'), ('q')) AS t(s) GROUP BY s)",
              "[a]\n[b]\n[c]\n");
  char *out, err[1024];
  CHECK_INT(run("EXPLAIN SELECT v FROM " L " WHERE k NOT IN (SELECT k FROM " R ") AND "
                "EXISTS (SELECT 1 FROM " R " WHERE r.k = l.k)", &out, err, sizeof err), 0);
  CHECK(strstr(out, "Join(joinType=[LeftSemiJoin], leftKeys=[k], rightKeys=[k])") != NULL);
  CHECK(strstr(out, "Join(joinType=[LeftAntiJoin], leftKeys=[], rightKeys=[], where=[") != NULL);
  if (!strstr(out, "LeftAntiJoin")) fprintf(stderr, "%s\n", out);
  free(out);
  CHECK_FINAL("SELECT v FROM " L " WHERE k = 1 OR k IN (SELECT k FROM " R ")", "[a]\n[b]\n[c]\n[d]\n"); /* test_sql_gaps.c */
  CHECK_ERR("SELECT v FROM " L " WHERE k IN (SELECT k, w FROM " R ")", "must return one column");
}

#define BID "(VALUES (1, 10), (2, 20), (3, 30)) AS bid(id, price)"
#define B "(VALUES (1, 5), (1, 7), (2, 9)) AS b(k, x)"

TEST(scalar_subqueries) {
  /* uncorrelated: AVG(price) (an INT, 20 at the end) joined to every row; its updates
   * retract and re-emit the rows it lets through */
  CHECK_FINAL("SELECT id, price FROM " BID " WHERE price > (SELECT AVG(price) FROM " BID ")", "[3, 30]\n");
  CHECK_FINAL("SELECT id, (SELECT COUNT(*) FROM " B ") AS n FROM " BID " WHERE id < 3", "[1, 3]\n[2, 3]\n");
  /* correlated by equality: a LEFT join against MAX(x) grouped by b.k */
  CHECK_FINAL("SELECT l.k, l.v, (SELECT MAX(x) FROM " B " WHERE b.k = l.k) AS m FROM " L,
              "[1, a, 7]\n[2, b, 9]\n[2, c, 9]\n[3, d, <NULL>]\n[<NULL>, n, <NULL>]\n");
  CHECK_FINAL("SELECT v FROM " L " WHERE l.k * 4 < (SELECT SUM(x) FROM " B " WHERE b.k = l.k AND x > 5)", "[a]\n[b]\n[c]\n");
  /* a correlated COUNT is 0 where nothing matches; one without an aggregate is the one
   * row of its key (NULL where none), and more than one row per key is an error */
  CHECK_FINAL("SELECT l.v, (SELECT COUNT(*) FROM " B " WHERE b.k = l.k) AS n, (SELECT w FROM " R " WHERE r.k = l.k) AS w "
              "FROM " L " WHERE v < 'e'",
              "[a, 2, <NULL>]\n[b, 1, x]\n[c, 1, x]\n[d, 0, y]\n");
  CHECK_ERR("SELECT (SELECT x FROM " B " WHERE b.k = l.k) FROM " L, "more than one row for one outer row");
  /* a scalar subquery of one row by construction (VALUES), and one that is not */
  CHECK_FINAL("SELECT v FROM " L " WHERE k = (SELECT 3)", "[d]\n");
  CHECK_ERR("SELECT v FROM " L " WHERE k = (SELECT k FROM " R ")", "a scalar subquery returned more than one row");
  char *out, err[1024];
  CHECK_INT(run("EXPLAIN SELECT id FROM " BID " WHERE price > (SELECT AVG(price) FROM " BID ")", &out, err, sizeof err), 0);
  CHECK(strstr(out, "Join(joinType=[InnerJoin], leftKeys=[], rightKeys=[], where=[") != NULL);
  free(out);
  CHECK_INT(run("EXPLAIN SELECT (SELECT MAX(x) FROM " B " WHERE b.k = l.k) FROM " L, &out, err, sizeof err), 0);
  CHECK(strstr(out, "Join(joinType=[LeftOuterJoin], leftKeys=[k], rightKeys=[k])") != NULL);
  CHECK(strstr(out, "GroupAggregate(groupBy=[k]") != NULL);
  free(out);
  /* by a non-equality (branch subq3): only k 1 has a greater b.k (2: x 9) */
  CHECK_FINAL("SELECT l.v, (SELECT MAX(x) FROM " B " WHERE b.k > l.k) AS m FROM " L,
              "[a, 9]\n[b, <NULL>]\n[c, <NULL>]\n[d, <NULL>]\n[n, <NULL>]\n");
  CHECK_FINAL("SELECT COUNT(*), (SELECT 1) FROM " L, "[5, 1]\n"); /* branch subqgaps: subq_agg.c */
  CHECK_ERR("SELECT (SELECT k, w FROM " R ") FROM " L, "must return one column");
}

#define A "(VALUES (1), (2), (2), (2), (3), (CAST(NULL AS INT))) AS a(k)"
#define C "(VALUES (2), (2), (3), (3), (4), (CAST(NULL AS INT))) AS c(k)"

TEST(set_operations) {
  CHECK_FINAL("SELECT k FROM " A " UNION SELECT k FROM " C, "[1]\n[2]\n[3]\n[4]\n[<NULL>]\n");
  /* INTERSECT / EXCEPT: NULLs are equal here (IS NOT DISTINCT FROM) */
  CHECK_FINAL("SELECT k FROM " A " INTERSECT SELECT k FROM " C, "[2]\n[3]\n[<NULL>]\n");
  CHECK_FINAL("SELECT k FROM " A " EXCEPT SELECT k FROM " C, "[1]\n");
  CHECK_FINAL("SELECT k FROM " C " EXCEPT DISTINCT SELECT k FROM " A, "[4]\n");
  /* ALL: min(left, right) and left - right copies */
  CHECK_FINAL("SELECT k FROM " A " INTERSECT ALL SELECT k FROM " C, "[2]\n[2]\n[3]\n[<NULL>]\n");
  CHECK_FINAL("SELECT k FROM " A " EXCEPT ALL SELECT k FROM " C, "[1]\n[2]\n");
  CHECK_FINAL("SELECT k FROM " C " EXCEPT ALL SELECT k FROM " A, "[3]\n[4]\n");
  /* INTERSECT binds tighter than UNION; types meet as in UNION ALL */
  CHECK_FINAL("SELECT k FROM " A " UNION ALL SELECT k FROM " C " INTERSECT SELECT CAST(k AS BIGINT) FROM (VALUES (4)) AS d(k)",
              "[1]\n[2]\n[2]\n[2]\n[3]\n[4]\n[<NULL>]\n");
  char *out, err[1024];
  CHECK_INT(run("EXPLAIN SELECT k FROM " A " INTERSECT SELECT k FROM " C, &out, err, sizeof err), 0);
  CHECK(strstr(out, "Join(joinType=[LeftSemiJoin], leftKeys=[k], rightKeys=[k])") != NULL);
  free(out);
  CHECK_INT(run("EXPLAIN SELECT k FROM " A " EXCEPT ALL SELECT k FROM " C, &out, err, sizeof err), 0);
  CHECK(strstr(out, "ExceptAll(fields=[k]) [changelog]") != NULL);
  free(out);
  CHECK_ERR("SELECT k FROM " A " INTERSECT SELECT k, k FROM " C, "the sides have 1 and 2 columns");
}

#define SCORES "(VALUES ('a', 5), ('a', 7), ('a', 5), ('a', 9), ('a', 3), ('a', 7), ('b', 1)) AS t(g, s)"

TEST(rank_and_dense_rank_top_n) {
  /* ties share a rank; RANK skips after them, DENSE_RANK does not.  9 makes 7 second
   * and the 5s third (RANK); the second 7 ties at 2, which pushes the 5s to 4: out */
  CHECK_MODE("SELECT * FROM (SELECT g, s, RANK() OVER (PARTITION BY g ORDER BY s DESC) AS rk FROM " SCORES
             ") WHERE rk <= 3 AND g = 'a'", false, false,
             "+I[a, 5, 1]\n+I[a, 7, 1]\n-U[a, 5, 1]\n+U[a, 5, 2]\n+I[a, 5, 2]\n"
             "+I[a, 9, 1]\n-U[a, 7, 1]\n+U[a, 7, 2]\n-U[a, 5, 2]\n+U[a, 5, 3]\n-U[a, 5, 2]\n+U[a, 5, 3]\n"
             "+I[a, 7, 2]\n-D[a, 5, 3]\n-D[a, 5, 3]\n");
  CHECK_FINAL("SELECT * FROM (SELECT g, s, DENSE_RANK() OVER (PARTITION BY g ORDER BY s DESC) AS rk FROM " SCORES
              ") WHERE rk <= 3", "[a, 5, 3]\n[a, 5, 3]\n[a, 7, 2]\n[a, 7, 2]\n[a, 9, 1]\n[b, 1, 1]\n");
  /* without the rank in the output: rows that fall out, then the new one */
  CHECK_MODE("SELECT g, s FROM (SELECT g, s, RANK() OVER (PARTITION BY g ORDER BY s DESC) AS rk FROM " SCORES
             ") WHERE rk <= 2 AND g = 'a'", false, false,
             "+I[a, 5]\n+I[a, 7]\n+I[a, 5]\n-D[a, 5]\n-D[a, 5]\n+I[a, 9]\n+I[a, 7]\n");
  /* an offset: ranks 2 and 3 only */
  CHECK_FINAL("SELECT s, rk FROM (SELECT g, s, DENSE_RANK() OVER (PARTITION BY g ORDER BY s) AS rk FROM " SCORES
              ") WHERE rk BETWEEN 2 AND 3", "[5, 2]\n[5, 2]\n[7, 3]\n[7, 3]\n");
  /* window Top-N: the ranked rows when the window fires (watermark ts - 1 s) */
  char path[400];
  snprintf(path, sizeof path, "%s/ticks.csv", tmp);
  write_file(path, "a,5,2020-01-01 00:00:01\na,7,2020-01-01 00:00:02\na,7,2020-01-01 00:00:03\n"
                   "a,9,2020-01-01 00:00:04\na,3,2020-01-01 00:00:05\nb,1,2020-01-01 00:00:12\na,6,2020-01-01 00:00:15\n");
#define TICKS                                                                                                     \
  "CREATE TABLE ticks (g STRING, s INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ("   \
  "'connector' = 'filesystem', 'path' = '${TMP}/ticks.csv', 'format' = 'csv', 'scan.watermark.emit.strategy' = 'on-event');\n"
#define WIN_RANK(fn, n)                                                                                           \
  TICKS "SELECT window_start, g, s, rk FROM (SELECT *, " fn "() OVER (PARTITION BY window_start, window_end "     \
        "ORDER BY s DESC) AS rk FROM TABLE(TUMBLE(TABLE ticks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) WHERE rk <= " n
  CHECK_MODE(WIN_RANK("RANK", "3"), false, false,
             "+I[2020-01-01 00:00:00.000, a, 9, 1]\n+I[2020-01-01 00:00:00.000, a, 7, 2]\n+I[2020-01-01 00:00:00.000, a, 7, 2]\n"
             "+I[2020-01-01 00:00:10.000, a, 6, 1]\n+I[2020-01-01 00:00:10.000, b, 1, 2]\n");
  CHECK_MODE(WIN_RANK("DENSE_RANK", "3"), true, false,
             "+I[2020-01-01 00:00:00.000, a, 5, 3]\n+I[2020-01-01 00:00:00.000, a, 7, 2]\n+I[2020-01-01 00:00:00.000, a, 7, 2]\n"
             "+I[2020-01-01 00:00:00.000, a, 9, 1]\n+I[2020-01-01 00:00:10.000, a, 6, 1]\n+I[2020-01-01 00:00:10.000, b, 1, 2]\n");
  char *out, err[1024];
  CHECK_INT(run("EXPLAIN SELECT * FROM (SELECT g, s, DENSE_RANK() OVER (PARTITION BY g ORDER BY s DESC) AS rk FROM " SCORES
                ") WHERE rk <= 3", &out, err, sizeof err), 0);
  CHECK(strstr(out, "Rank(rankType=[DENSE_RANK], rankRange=[rankStart=1, rankEnd=3], partitionBy=[g]") != NULL);
  free(out);
  CHECK_ERR("SELECT * FROM (SELECT s, RANK() OVER (ORDER BY s) AS rk FROM " SCORES ")", "RANK() without a WHERE that bounds it");
}

/* ---- a semi join killed with SIGKILL and resumed from its last checkpoint ---- */

/* The committed part files' lines, sorted, and their number. */
static char *committed(const char *dir, long *n) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "cat %s/part-* 2>/dev/null | LC_ALL=C sort", dir);
  FILE *p = popen(cmd, "r");
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap), line[512];
  *n = 0;
  while (fgets(line, sizeof line, p)) {
    size_t k = strlen(line);
    if (len + k + 1 > cap) buf = realloc(buf, cap *= 2);
    memcpy(buf + len, line, k), len += k, (*n)++;
  }
  buf[len] = 0;
  pclose(p);
  return buf;
}

TEST(semi_join_killed_and_resumed_exactly_once) {
  const char *bin = getenv("STROM_BIN");
  if (!bin || access(bin, X_OK)) {
    printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
    return;
  }
  /* auctions of sellers from OR, ID or CA (q3's condition as IN): map state per side */
  static const char *job =
      "SET 'parallelism.default' = '2';\n"
      KILL_TEST_SETS
      "CREATE TABLE nx (event_type INT, person_id BIGINT, person_state VARCHAR, auction_id BIGINT, "
      "auction_seller BIGINT, date_time TIMESTAMP(3)) "
      "WITH ('connector' = 'nexmark', 'events.num' = '500000', 'rate-limit' = '100000', 'first-event.rate' = '100000');\n"
      "CREATE TABLE dst (a BIGINT, s BIGINT) WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'csv');\n"
      "INSERT INTO dst SELECT auction_id, auction_seller FROM nx WHERE event_type = 1 AND auction_seller IN "
      "(SELECT person_id FROM nx WHERE event_type = 0 AND person_state IN ('OR', 'ID', 'CA'));\n";
  char text[2048], once[400], kill0[400], resume[400], ck1[300], ck2[300], out1[400], out2[400], chk[600] = "";
  snprintf(once, sizeof once, "%s/once.sql", tmp);
  snprintf(kill0, sizeof kill0, "%s/kill0.sql", tmp);
  snprintf(resume, sizeof resume, "%s/resume.sql", tmp);
  snprintf(text, sizeof text, job, "");
  write_file(once, text);
  write_file(kill0, text);
  snprintf(text, sizeof text, job, "SET 'execution.savepoint.path' = '${RESUME}';\n");
  write_file(resume, text);
  snprintf(ck1, sizeof ck1, "%s/once-ckpt", tmp);
  snprintf(ck2, sizeof ck2, "%s/kill-ckpt", tmp);
  snprintf(out1, sizeof out1, "%s/once-out", tmp);
  snprintf(out2, sizeof out2, "%s/kill-out", tmp);
  int status = 0;
  pid_t pid = spawn(bin, once, ck1, out1, NULL, NULL);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  pid = spawn(bin, kill0, ck2, out2, NULL, NULL);
  for (int i = 0; i < 3000 && newest_checkpoint(ck2, chk, sizeof chk) < 3; i++) sleep_ms(10);
  CHECK(waitpid(pid, &status, WNOHANG) == 0); /* still running: the input takes 5 s */
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  CHECK(newest_checkpoint(ck2, chk, sizeof chk) >= 3);
  pid = spawn(bin, resume, ck2, out2, chk, NULL);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  long n1, n2;
  char *a = committed(out1, &n1), *b = committed(out2, &n2);
  CHECK(n1 > 100);
  CHECK_INT(n2, n1);
  CHECK(!strcmp(a, b));
  free(a);
  free(b);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-subquery-%d", (int)getpid());
  mkdir(tmp, 0777);
  RUN(anti_join_changelog_in_order);
  RUN(semi_join_changelog_in_order);
  RUN(semi_and_anti_joins_over_wide_columns);
  RUN(in_and_exists_subqueries);
  RUN(scalar_subqueries);
  RUN(set_operations);
  RUN(rank_and_dense_rank_top_n);
  RUN(semi_join_killed_and_resumed_exactly_once);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "  could not remove %s\n", tmp);
  TEST_MAIN_END();
}
