/*
 * test_sql_joinagg.c -- a GROUP BY folded into the inner join below it (join_agg.c):
 * hand-computed final tables, each query run folded and not ('strom.optimizer.
 * join-aggregate' = 'false'), with a join key holding several groups, duplicate rows,
 * rows out of the condition, NULL keys and values, string aggregates, grouping keys
 * from either side and an aggregation over the folded one (Nexmark q4's shape); the
 * shapes that must keep the Join and the GroupAggregate; EXPLAIN; mini-batches
 * (table.exec.mini-batch.*: each query's final table in batches too, and one change per
 * group and batch); and Nexmark q4's inner query killed with SIGKILL and resumed in
 * mini-batches, whose final rows in PostgreSQL (an upsert sink) equal an uninterrupted
 * row-by-row run's.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_test.h"
#include "sql_proc_test.h"
#include "sql_changelog_test.h"

/* Auctions (id, category, name, start, end) and bids (auction, price, time, channel):
 *   auction 1 twice in category 10 and 11 (one id, two groups), and once more exactly
 *   as the category-11 row (a duplicate: every bid it meets counts twice there);
 *   auction 2 in 10, 3 in 20, 4 in 30 (no bids), 6 with a NULL id (matches nothing). */
#define TABLES                                                                                              \
  "SET 'parallelism.default' = '1';\n"                                                                      \
  "CREATE TEMPORARY VIEW a AS SELECT * FROM (VALUES (1, 10, 'ant', 0, 100), (2, 10, 'bee', 0, 50),"         \
  " (3, 20, 'cat', 10, 20), (1, 11, 'dog', 0, 15), (4, 30, 'eel', 0, 100), (1, 11, 'dog', 0, 15),"         \
  " (CAST(NULL AS INT), 40, 'fox', 0, 100)) AS t(id, cat, name, t0, t1);\n"                                 \
  "CREATE TEMPORARY VIEW b AS SELECT * FROM (VALUES (1, 5, 10, 'web'), (1, 7, 20, 'app'), (1, 9, 200, 'web')," \
  " (2, 8, 40, 'app'), (2, 3, 45, 'web'), (3, 100, 5, 'app'), (3, 4, 15, 'web'), (5, 50, 10, 'app'),"       \
  " (CAST(NULL AS INT), 60, 10, 'web'), (2, CAST(NULL AS INT), 41, CAST(NULL AS VARCHAR))) AS t(auction,"   \
  " price, t, channel);\n"

static const char *OFF = "SET 'strom.optimizer.join-aggregate' = 'false';\n";

#define MB(size)                                                                                 \
  "SET 'table.exec.mini-batch.enabled' = 'true';\n"                                             \
  "SET 'table.exec.mini-batch.allow-latency' = '1 h';\n"                                        \
  "SET 'table.exec.mini-batch.size' = '" size "';\n"

/* sql's final table, folded (row by row, and in mini-batches of 3 rows, which split
 * a key's rows across batches and mix both inputs in one) and not, all equal to want. */
static void both_ways(const char *sql, const char *want) {
  char on[4096], mb[4096], off[4096];
  snprintf(on, sizeof on, "%s%s", TABLES, sql);
  snprintf(mb, sizeof mb, "%s" MB("3") "%s", TABLES, sql);
  snprintf(off, sizeof off, "%s%s%s", TABLES, OFF, sql);
  CHECK_FINAL(on, want);
  CHECK_FINAL(mb, want);
  CHECK_FINAL(off, want);
}

/* Whether EXPLAIN of sql, after the SET statements sets, prints what; an EXPLAIN that
 * fails fails the test (so a missing word is never an error's doing). */
static int explain_has(const char *sets, const char *sql, const char *what) {
  char text[4096], *out, err[1024];
  snprintf(text, sizeof text, "%s%sEXPLAIN %s", TABLES, sets, sql);
  int rc = run(text, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  %s\n", err);
  int has = rc ? -1 : out && strstr(out, what) != NULL;
  free(out);
  return has;
}

TEST(groups_of_the_join_key) {
  /* (1, 10): bids 5 (t 10) and 7 (t 20); 9 at t 200 is past the end.
   * (1, 11): only bid 5 lies in [0, 15], met by two equal auction rows: twice.
   * (2, 10): 8, 3 and a NULL price (counted by COUNT(*), skipped by MAX and SUM).
   * (3, 20): 100 at t 5 is before the start; 4.  Auction 4 has no bid: no row; bid 5
   * has no auction; the NULL ids meet nothing. */
  both_ways("SELECT A.id, A.cat, MAX(B.price), COUNT(*), SUM(B.price), MIN(B.channel) FROM a AS A, b AS B "
            "WHERE A.id = B.auction AND B.t BETWEEN A.t0 AND A.t1 GROUP BY A.id, A.cat;",
            "[1, 10, 7, 2, 12, app]\n[1, 11, 5, 2, 10, web]\n[2, 10, 8, 3, 11, app]\n[3, 20, 4, 1, 4, web]\n");
}

TEST(an_aggregation_over_the_folded_one) {
  /* Nexmark q4: the average per category of each auction's highest bid:
   * category 10: (7 + 8) / 2 = 7; 11: 5; 20: 4 */
  both_ways("SELECT Q.cat, AVG(Q.final), COUNT(*) FROM (SELECT MAX(B.price) AS final, A.cat FROM a AS A, b AS B "
            "WHERE A.id = B.auction AND B.t BETWEEN A.t0 AND A.t1 GROUP BY A.id, A.cat) AS Q GROUP BY Q.cat;",
            "[10, 7, 2]\n[11, 5, 1]\n[20, 4, 1]\n");
}

TEST(keys_of_the_other_side_and_expressions) {
  /* grouped by the bid's side (its auction and channel), folding auction columns; no
   * condition besides the key, so bid 9 at t 200 counts.  auction 1's bids meet three
   * auction rows (categories 10, 11, 11) */
  both_ways("SELECT B.auction, B.channel, COUNT(*), MAX(A.name), SUM(A.cat * 2) FROM a AS A JOIN b AS B "
            "ON A.id = B.auction GROUP BY B.auction, B.channel;",
            "[1, app, 3, dog, 64]\n[1, web, 6, dog, 128]\n[2, <NULL>, 1, bee, 20]\n[2, app, 1, bee, 20]\n"
            "[2, web, 1, bee, 20]\n[3, app, 1, cat, 40]\n[3, web, 1, cat, 40]\n");
  /* two equi-keys, the GROUP BY naming the second by the right side's column: auction
   * rows starting at 0 (ant, dog, dog for id 1; bee for 2) meet their bids through z = 0 */
  const char *two = "SELECT A.id, B.z, COUNT(*), SUM(B.price) FROM a AS A JOIN (SELECT auction, price, 0 AS z FROM b) AS B "
                    "ON A.id = B.auction AND A.t0 = B.z GROUP BY A.id, B.z;";
  both_ways(two, "[1, 0, 9, 63]\n[2, 0, 3, 11]\n");
  CHECK_INT(explain_has("", two, "[folded into the join]"), 1);
  /* -0.0 and 0.0 are one grouping key, as the GroupAggregate's hashing has them (they
   * once made two groups sharing one state entry) */
  both_ways("SELECT A.id, A.f, COUNT(*), SUM(B.price) FROM (SELECT id, CAST(CASE cat WHEN 10 THEN '0.0' WHEN 11 THEN "
            "'-0.0' ELSE '5.0' END AS DOUBLE) AS f FROM a) AS A JOIN b AS B ON A.id = B.auction GROUP BY A.id, A.f;",
            "[1, 0.0, 9, 63]\n[2, 0.0, 3, 11]\n[3, 5.0, 2, 104]\n");
  /* a grouping key computed from a column, a FILTER and HAVING */
  both_ways("SELECT A.id, UPPER(A.name) AS n, COUNT(*) FILTER (WHERE B.price > 6) FROM a AS A JOIN b AS B "
            "ON A.id = B.auction GROUP BY A.id, UPPER(A.name) HAVING COUNT(*) > 1;",
            "[1, ANT, 2]\n[1, DOG, 4]\n[2, BEE, 1]\n[3, CAT, 1]\n");
}

TEST(explain_and_the_shapes_that_stay_apart) {
  const char *q4 = "SELECT A.id, A.cat, MAX(B.price) FROM a AS A, b AS B WHERE A.id = B.auction GROUP BY A.id, A.cat;";
  CHECK_INT(explain_has("", q4, "GroupAggregate(groupBy=[id, cat], select=[MAX(B.price)]) [changelog] [folded into the join]"), 1);
  CHECK_INT(explain_has(OFF, q4, "folded"), 0);
  CHECK_INT(explain_has(OFF, q4, "GroupAggregate(groupBy=[id, cat]"), 1);
  /* not grouped by the join key; an outer join; DISTINCT; a side that updates */
  CHECK_INT(explain_has("", "SELECT A.cat, MAX(B.price) FROM a AS A JOIN b AS B ON A.id = B.auction GROUP BY A.cat;", "folded"), 0);
  CHECK_INT(explain_has("", "SELECT A.id, COUNT(B.price) FROM a AS A LEFT JOIN b AS B ON A.id = B.auction GROUP BY A.id;", "folded"), 0);
  CHECK_INT(explain_has("", "SELECT A.id, COUNT(DISTINCT B.price) FROM a AS A JOIN b AS B ON A.id = B.auction GROUP BY A.id;",
                        "folded"),
            0);
  CHECK_INT(explain_has("", "SELECT A.id, SUM(B.n) FROM a AS A JOIN (SELECT auction, COUNT(*) AS n FROM b GROUP BY auction) AS B"
                        " ON A.id = B.auction GROUP BY A.id;",
                        "folded"),
            0);
  /* state TTL and batch mode keep Flink's operators */
  CHECK_INT(explain_has("SET 'table.exec.state.ttl' = '1 h';\n", q4, "folded"), 0);
  CHECK_INT(explain_has("SET 'execution.runtime-mode' = 'batch';\n", q4, "folded"), 0);
  /* and the grouped query of each such shape still gives its rows */
  both_ways("SELECT A.cat, MAX(B.price) FROM a AS A JOIN b AS B ON A.id = B.auction GROUP BY A.cat;",
            "[10, 9]\n[11, 9]\n[20, 100]\n");
  CHECK_ERR("SET 'strom.optimizer.join-aggregate' = 'maybe';", "expected 'true' or 'false', got 'maybe'");
}

TEST(a_mini_batch_folds_each_join_key_once) {
  /* one batch (no row reaches size 1000, the latency is an hour): it ends with the
   * input, and each group comes out once, final.  Row by row, a group of auction 1
   * always changes, however the inputs interleave: (1, 11) is final at once only if
   * bid 5 comes after both its rows, and then after (1, 10) too, but before bid 7. */
  const char *q = "SELECT A.id, A.cat, MAX(B.price), COUNT(*) FROM a AS A, b AS B WHERE A.id = B.auction"
                  " AND B.t BETWEEN A.t0 AND A.t1 GROUP BY A.id, A.cat;";
  char sql[4096];
  snprintf(sql, sizeof sql, "%s" MB("1000") "%s", TABLES, q);
  CHECK_ROWS(sql, "+I[1, 10, 7, 2]\n+I[1, 11, 5, 2]\n+I[2, 10, 8, 3]\n+I[3, 20, 4, 1]\n");
  snprintf(sql, sizeof sql, "%s%s", TABLES, q);
  char *out, err[1024];
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  char *rows = rows_of(out, true, false);
  CHECK(strstr(rows, "-U[1, ") != NULL);
  free(rows);
  free(out);
  /* EXPLAIN names the batch on the folded aggregate; size and latency are required */
  CHECK_INT(explain_has(MB("1000"), q, "[mini-batch: 1000 rows or 3600000 ms] [folded into the join]"), 1);
  CHECK_ERR("SET 'table.exec.mini-batch.enabled' = 'true';\nSET 'table.exec.mini-batch.size' = '10';\n"
            "SELECT A.id, COUNT(*) FROM (VALUES (1)) AS A(id), (VALUES (1)) AS B(a) WHERE A.id = B.a GROUP BY A.id;",
            "set 'table.exec.mini-batch.allow-latency' and 'table.exec.mini-batch.size'");
}

/* ---- killed and resumed ---- */

static void q4_script(char *buf, size_t cap, const char *extra, const char *table) {
  snprintf(buf, cap,
           "SET 'parallelism.default' = '2';\n"
           "SET 'execution.checkpointing.interval' = '100 ms';\n"
           "SET 'state.checkpoints.dir' = '${CKPT}';\n"
           "SET 'state.checkpoints.num-retained' = '5';\n%s"
           "CREATE TABLE nx (event_type INT, auction_id BIGINT, auction_category BIGINT, auction_date_time TIMESTAMP(3),"
           " auction_expires TIMESTAMP(3), bid_auction BIGINT, bid_price BIGINT, date_time TIMESTAMP(3))"
           " WITH ('connector' = 'nexmark', 'events.num' = '100000', 'rate-limit' = '50000');\n"
           "CREATE TABLE won (id BIGINT, cat BIGINT, final BIGINT, n BIGINT, total BIGINT,"
           " PRIMARY KEY (id, cat) NOT ENFORCED) WITH ('connector' = 'jdbc', 'url' = '%s', 'table-name' = '%s',"
           " 'sink.buffer-flush.interval' = '100 ms');\n"
           "INSERT INTO won SELECT A.auction_id, A.auction_category, MAX(B.bid_price), COUNT(*), SUM(B.bid_price)"
           " FROM nx AS A, nx AS B WHERE A.event_type = 1 AND B.event_type = 2 AND A.auction_id = B.bid_auction"
           " AND B.date_time BETWEEN A.date_time AND A.auction_expires GROUP BY A.auction_id, A.auction_category;\n",
           extra, pg_url, table);
}

TEST(killed_and_resumed_every_pair_folded_once) {
  const char *bin = strom_bin();
  if (!bin) return;
  CHECK(pg_exec("DROP TABLE IF EXISTS ja_once, ja_killed"));
  CHECK(pg_exec("CREATE TABLE ja_once (id bigint, cat bigint, final bigint, n bigint, total bigint, PRIMARY KEY (id, cat))"));
  CHECK(pg_exec("CREATE TABLE ja_killed (id bigint, cat bigint, final bigint, n bigint, total bigint, PRIMARY KEY (id, cat))"));
  char s0[300], s1[300], s2[300], ck0[300], ck1[300], job[4096];
  snprintf(s0, sizeof s0, "%s/once.sql", tmp);
  snprintf(s1, sizeof s1, "%s/kill.sql", tmp);
  snprintf(s2, sizeof s2, "%s/resume.sql", tmp);
  snprintf(ck0, sizeof ck0, "%s/ck0", tmp);
  snprintf(ck1, sizeof ck1, "%s/ck1", tmp);
  q4_script(job, sizeof job, "", "ja_once");
  write_file(s0, job);
  /* the killed run and its resumption fold in mini-batches, which each checkpoint
   * empties into state before its snapshot */
  q4_script(job, sizeof job, MB("500"), "ja_killed");
  write_file(s1, job);
  q4_script(job, sizeof job, MB("500") "SET 'execution.savepoint.path' = '${RESUME}';\n", "ja_killed");
  write_file(s2, job);

  int status = 0;
  pid_t pid = spawn(bin, s0, ck0, tmp, NULL, NULL);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  pid = spawn(bin, s1, ck1, tmp, NULL, NULL);
  char chk[600] = "";
  for (int i = 0; i < 3000 && newest_checkpoint(ck1, chk, sizeof chk) < 3; i++) sleep_ms(10);
  CHECK(waitpid(pid, &status, WNOHANG) == 0); /* still running when killed */
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  CHECK(newest_checkpoint(ck1, chk, sizeof chk) >= 3);
  pid = spawn(bin, s2, ck1, tmp, chk, NULL);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  /* every group's final row as the uninterrupted run left it: a pair lost would lower
   * n or total, a pair folded twice raise them */
  char *once = pg_query("SELECT id, cat, final, n, total FROM ja_once ORDER BY id, cat");
  char *killed = pg_query("SELECT id, cat, final, n, total FROM ja_killed ORDER BY id, cat");
  char *rows = pg_query("SELECT COUNT(*) FROM ja_once");
  CHECK(atol(rows) > 1000);
  CHECK(strcmp(once, killed) == 0);
  free(once);
  free(killed);
  free(rows);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-joinagg-%d", (int)getpid());
  mkdir(tmp, 0777);
  RUN(groups_of_the_join_key);
  RUN(an_aggregation_over_the_folded_one);
  RUN(keys_of_the_other_side_and_expressions);
  RUN(explain_and_the_shapes_that_stay_apart);
  RUN(a_mini_batch_folds_each_join_key_once);
  if (pg_start()) {
    strncat(pg_url, "?user=postgres", sizeof pg_url - strlen(pg_url) - 1);
    RUN(killed_and_resumed_every_pair_folded_once);
    pg_stop();
  }
  char cmd[320];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
