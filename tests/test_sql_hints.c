/*
 * test_sql_hints.c -- SQL hints, CREATE/REPLACE TABLE ... AS SELECT and EXPLAIN's
 * details end to end: the OPTIONS hint after a table in FROM (before its alias) and
 * after INSERT INTO's table, for that use only; query hints accepted or refused by name;
 * a hinted option checked as WITH's are; CTAS into a filesystem table read back and
 * DESCRIBEd; Flink's refusals of CTAS and RTAS; EXPLAIN CHANGELOG_MODE's modes per node.
 * Every expected row is computed by hand from the inputs written here.
 */
#include <stdlib.h>

#include <unistd.h>

#include "sql_test.h"

#define SRC                                                                                            \
  "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10', "              \
  "'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '10');\n"

TEST(options_hint_overrides_a_with_option_for_one_use) {
  CHECK_ROWS(SRC "SELECT id FROM src /*+ OPTIONS('number-of-rows' = '3') */", false, "+I[1]\n+I[2]\n+I[3]\n");
  /* the hint follows the name, the alias the hint; lower-case hint names work */
  CHECK_ROWS(SRC "SELECT s.id FROM src /*+ options('number-of-rows'='4') */ AS s WHERE s.id > 2", false, "+I[3]\n+I[4]\n");
  /* the table itself is unchanged: the next query reads its 10 rows */
  CHECK_ROWS(SRC "SELECT id FROM src /*+ OPTIONS('number-of-rows' = '2') */;\nSELECT id FROM src WHERE id > 8", false,
             "+I[1]\n+I[2]\n+I[9]\n+I[10]\n");
  /* two hints on one table: the later wins; two uses of a table with their own options */
  CHECK_ROWS(SRC "SELECT a.id, b.id FROM src /*+ OPTIONS('number-of-rows' = '5'), OPTIONS('number-of-rows' = '1') */ a "
                 "JOIN src /*+ OPTIONS('number-of-rows' = '2') */ b ON a.id = b.id",
             false, "+I[1, 1]\n");
}

TEST(options_hint_reads_and_writes_another_filesystem_path) {
  char sql[2048];
  char cmd[600];
  snprintf(cmd, sizeof cmd, "mkdir -p %s/a %s/b", tmp, tmp);
  if (system(cmd)) {}
  write_tmp_file("a/1.csv", "1,a\n");
  write_tmp_file("b/1.csv", "2,b\n3,c\n");
  snprintf(sql, sizeof sql,
           "CREATE TABLE fs (k INT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/a', 'format' = 'csv');\n"
           "SELECT * FROM fs /*+ OPTIONS('path' = '${TMP}/b') */;\n");
  CHECK_ROWS(sql, true, "+I[2, b]\n+I[3, c]\n");
  /* INSERT INTO t with a hint writes where the hint says; the table's own path is untouched */
  snprintf(sql, sizeof sql,
           "CREATE TABLE fs (k INT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/a', 'format' = 'csv');\n"
           "INSERT INTO fs /*+ OPTIONS('path' = '${TMP}/out') */ SELECT k * 10, v FROM fs;\n"
           "SELECT * FROM fs /*+ OPTIONS('path' = '${TMP}/out') */;\nSELECT * FROM fs;\n");
  CHECK_ROWS(sql, true, "+I[1, a]\n+I[10, a]\n");
}

TEST(bad_hints_are_refused_with_line_and_column) {
  /* an unknown key: the connector's valid ones, at the hinted option */
  CHECK_ERR(SRC "SELECT id\nFROM src /*+ OPTIONS('number-of-rowz' = '3') */",
            "line 3, column 22: table 'src' with its OPTIONS hint: unsupported option 'number-of-rowz' for connector "
            "'datagen'; supported options: connector");
  /* a bad value is checked as WITH's are */
  CHECK_ERR(SRC "SELECT id FROM src /*+ OPTIONS('number-of-rows' = 'x') */", "'number-of-rows' wants a count, got 'x'");
  CHECK_ERR(SRC "SELECT id FROM src /*+ OPTIONS() */", "line 2, column 24: Hint [OPTIONS] only support non empty key value options");
  CHECK_ERR(SRC "SELECT id FROM src /*+ FOO('a' = 'b') */", "line 2, column 24: Hint: FOO should be registered in the HintStrategyTable");
  CHECK_ERR(SRC "SELECT /*+ NO_SUCH_HINT */ id FROM src", "line 2, column 12: Hint: NO_SUCH_HINT should be registered in the HintStrategyTable");
  CHECK_ERR(SRC "SELECT /*+ OPTIONS('number-of-rows' = '1') */ id FROM src", "line 2, column 12: the OPTIONS hint belongs right after a table name");
  CHECK_ERR(SRC "SELECT id FROM src /*+ BROADCAST(src) */", "BROADCAST is a query hint");
  CHECK_ERR(SRC "CREATE VIEW v AS SELECT id FROM src;\nSELECT * FROM v /*+ OPTIONS('number-of-rows' = '1') */",
            "line 3, column 17: View 'default_catalog.default_database.v' cannot be enriched with new options");
  CHECK_ERR(SRC "SELECT id FROM src /*+ OPTIONS('number-of-rows' = '1')", "line 2, column 20: unterminated hint");
  CHECK_ERR(SRC "SELECT id /*+ OPTIONS('a' = 'b') */ FROM src", "line 2, column 11: expected");
  CHECK_ERR(SRC "INSERT INTO src /*+ OPTIONS('number-of-rows' = '1') */ SELECT 1", "cannot be written");
}

TEST(query_hints_flink_knows_change_nothing) {
  CHECK_ROWS(SRC "SELECT /*+ BROADCAST(a), STATE_TTL('a' = '1d') */ a.id FROM src a JOIN src b ON a.id = b.id WHERE a.id < 3",
             true, "+I[1]\n+I[2]\n");
}

TEST(ctas_creates_the_table_from_the_query_and_fills_it) {
  char sql[2048];
  snprintf(sql, sizeof sql,
           SRC "CREATE TABLE t1 WITH ('connector' = 'filesystem', 'path' = '${TMP}/ctas', 'format' = 'csv') AS\n"
               "  SELECT id, CAST(id * 2 AS INT) AS twice, 'x' AS tag FROM src WHERE id <= 3;\n"
               "DESCRIBE t1;\n");
  char *out, err[1024];
  int rc = run(sql, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  CHECK_INT(rc, 0);
  /* the columns: names, types and nullability of the query's (a literal is NOT NULL) */
  CHECK(strstr(out, "|    id |  BIGINT |  TRUE |") != NULL);
  CHECK(strstr(out, "| twice |     INT |  TRUE |") != NULL);
  CHECK(strstr(out, "|   tag | CHAR(1) | FALSE |") != NULL);
  free(out);
  char *files = slurp_tmp_dir("ctas");
  CHECK_STR(files, "1,2,x\n2,4,x\n3,6,x\n");
  free(files);
  /* read back through a table over the same path */
  snprintf(sql, sizeof sql,
           "CREATE TABLE back (id BIGINT, twice INT, tag STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/ctas', 'format' = 'csv');\n"
           "SELECT twice FROM back WHERE id > 1;\n");
  CHECK_ROWS(sql, true, "+I[4]\n+I[6]\n");
}

TEST(ctas_in_a_statement_set_and_rtas) {
  char sql[2048];
  snprintf(sql, sizeof sql,
           SRC "CREATE TABLE o (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/ss1', 'format' = 'csv');\n"
               "EXECUTE STATEMENT SET BEGIN\n"
               "INSERT INTO o SELECT id FROM src WHERE id = 1;\n"
               "CREATE TABLE o2 WITH ('connector' = 'filesystem', 'path' = '${TMP}/ss2', 'format' = 'csv') AS SELECT id + 100 AS n FROM src WHERE id = 2;\n"
               "END;\n");
  char *out, err[1024];
  int rc = run(sql, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  CHECK_INT(rc, 0);
  free(out);
  char *f1 = slurp_tmp_dir("ss1"), *f2 = slurp_tmp_dir("ss2");
  CHECK_STR(f1, "1\n");
  CHECK_STR(f2, "102\n");
  free(f1), free(f2);
  /* REPLACE TABLE: the new columns and options; CREATE OR REPLACE of a missing table creates it */
  snprintf(sql, sizeof sql,
           SRC "CREATE TABLE r (x INT) WITH ('connector' = 'blackhole');\n"
               "REPLACE TABLE r WITH ('connector' = 'filesystem', 'path' = '${TMP}/rtas', 'format' = 'csv') AS SELECT id, 'y' AS w FROM src WHERE id = 7;\n"
               "CREATE OR REPLACE TABLE r2 WITH ('connector' = 'blackhole') AS SELECT id FROM src;\n"
               "DESCRIBE r;\n");
  rc = run(sql, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  CHECK_INT(rc, 0);
  if (!strstr(out, " w | CHAR(1) | FALSE |")) fprintf(stderr, "%s\n", out);
  CHECK(strstr(out, " w | CHAR(1) | FALSE |") != NULL && strstr(out, " x |") == NULL);
  free(out);
  char *f3 = slurp_tmp_dir("rtas");
  CHECK_STR(f3, "7,y\n");
  free(f3);
}

TEST(ctas_refusals_are_flinks) {
  CHECK_ERR(SRC "CREATE TEMPORARY TABLE t WITH ('connector' = 'blackhole') AS SELECT id FROM src",
            "line 2, column 1: CREATE TABLE AS SELECT syntax does not support to create temporary table yet.");
  CHECK_ERR(SRC "CREATE TABLE t (a INT) WITH ('connector' = 'blackhole') AS SELECT id FROM src",
            "CREATE TABLE AS SELECT syntax does not support to specify explicit columns yet.");
  CHECK_ERR(SRC "CREATE TABLE t WITH ('connector' = 'blackhole') PARTITIONED BY (id) AS SELECT id FROM src", "line 2");
  CHECK_ERR(SRC "REPLACE TABLE nope WITH ('connector' = 'blackhole') AS SELECT id FROM src",
            "line 2, column 15: The table `default_catalog`.`default_database`.`nope` to be replaced doesn't exist.");
  CHECK_ERR(SRC "CREATE TABLE src WITH ('connector' = 'blackhole') AS SELECT id FROM src", "already exists");
  CHECK_ERR(SRC "CREATE TABLE t WITH ('connector' = 'blackhole', 'bad' = '1') AS SELECT id FROM src", "unsupported option 'bad'");
  CHECK_ERR(SRC "REPLACE TABLE src WITH ('connector' = 'blackhole')", "expected AS and a query");
  CHECK_ERR(SRC "EXPLAIN STATEMENT SET BEGIN CREATE TABLE t WITH ('connector' = 'blackhole') AS SELECT id FROM src; END",
            "not supported: EXPLAIN of CREATE TABLE ... AS SELECT");
}

TEST(explain_changelog_mode_marks_each_node) {
  char *out, err[1024];
  int rc = run(SRC "CREATE TABLE p (id BIGINT, n BIGINT) WITH ('connector' = 'print');\n"
                   "EXPLAIN CHANGELOG_MODE INSERT INTO p SELECT id, COUNT(*) FROM src GROUP BY id",
               &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  CHECK_INT(rc, 0);
  if (!strstr(out, "changelogMode=[NONE])")) fprintf(stderr, "%s\n", out);
  CHECK(strstr(out, "fields=[id, n], changelogMode=[NONE])\n") != NULL);
  CHECK(strstr(out, "changelogMode=[I,UB,UA]) [changelog]\n") != NULL); /* the aggregate of an insert-only input */
  CHECK(strstr(out, "changelogMode=[I,UB,UA,D])") == NULL);              /* its CALC passes the same kinds on */
  CHECK(strstr(out, "changelogMode=[I])\n") != NULL);       /* the scan */
  /* every node line has its mode */
  int lines = 0, marked = 0;
  for (char *l = out; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
    if (*l == '=' || *l == '\n') continue;
    lines++;
    char *e = strchr(l, '\n');
    char save = e ? *e : 0;
    if (e) *e = 0;
    marked += strstr(l, "changelogMode=") != NULL;
    if (e) *e = save;
  }
  CHECK(lines >= 3);
  CHECK_INT(marked, lines);
  free(out);
  /* an aggregate of an updating input deletes groups; an outer join updates; a scan fused
   * under its aggregate is insert-only */
  write_tmp_file("e.csv", "");
  char sql[1024];
  snprintf(sql, sizeof sql,
           "CREATE TABLE fs (k INT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/e.csv', 'format' = 'csv');\n"
           "EXPLAIN CHANGELOG_MODE SELECT n, COUNT(*) FROM (SELECT k, COUNT(*) AS n FROM fs GROUP BY k) GROUP BY n;\n"
           "EXPLAIN CHANGELOG_MODE SELECT a.k, b.v FROM fs a LEFT JOIN fs b ON a.k = b.k;\n");
  rc = run(sql, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  CHECK_INT(rc, 0);
  CHECK(strstr(out, "GroupAggregate(groupBy=[n], select=[COUNT(*)], changelogMode=[I,UB,UA,D]) [changelog]\n") != NULL);
  CHECK(strstr(out, "GroupAggregate(groupBy=[k], select=[COUNT(*)], changelogMode=[I,UB,UA]) [changelog]\n") != NULL);
  CHECK(strstr(out, "TableSourceScan(table=[fs], connector=[filesystem], fields=[k, v], changelogMode=[I])\n") != NULL);
  CHECK(strstr(out, "Join(joinType=[LeftOuterJoin], leftKeys=[k], rightKeys=[k], changelogMode=[I,UB,UA,D]) [changelog]\n") != NULL);
  free(out);
  /* without the detail the plan has no modes; PLAN FOR is the plain plan */
  rc = run(SRC "EXPLAIN PLAN FOR SELECT id FROM src", &out, err, sizeof err);
  CHECK_INT(rc, 0);
  CHECK(strstr(out, "changelogMode") == NULL && strstr(out, "== Optimized Physical Plan ==") != NULL);
  free(out);
  CHECK_ERR(SRC "EXPLAIN ESTIMATED_COST SELECT id FROM src", "line 2, column 1: not supported: EXPLAIN ESTIMATED_COST");
  /* JSON_EXECUTION_PLAN adds the job graph of the statement, as Flink's getExecutionPlan():
   * here the source, the key projection, the keyed aggregate behind a HASH edge, and the
   * print sink of a bare SELECT */
  rc = run(SRC "SET 'parallelism.default' = '3';\n"
               "EXPLAIN CHANGELOG_MODE, JSON_EXECUTION_PLAN SELECT id, COUNT(*) FROM src GROUP BY id", &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  CHECK_INT(rc, 0);
  const char *js = out ? strstr(out, "\n== Physical Execution Plan ==\n{\n  \"nodes\" : [ {") : NULL;
  CHECK(js != NULL);
  CHECK(out && strstr(out, "changelogMode=[I,UB,UA]") && js > strstr(out, "changelogMode=[I,UB,UA]"));
  CHECK(js && strstr(js, "\"type\" : \"Group aggregate\",\n    \"pact\" : \"Operator\",\n    \"contents\" : \"Group "
                        "aggregate\",\n    \"parallelism\" : 3,\n    \"predecessors\" : [ {\n      \"id\" : "));
  CHECK(js && strstr(js, "\"ship_strategy\" : \"HASH\""));
  CHECK(js && strstr(js, "\"pact\" : \"Data Source\"") && strstr(js, "\"pact\" : \"Data Sink\""));
  free(out);
  /* an INSERT's graph ends in a stand-in for its table's sink: EXPLAIN runs nothing and
   * touches nothing (the filesystem sink's directory, under one that does not exist, is
   * not made) */
  rc = run(SRC "CREATE TABLE fsout (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/nope/fsout', "
               "'format' = 'csv');\n"
               "EXPLAIN JSON_EXECUTION_PLAN INSERT INTO fsout SELECT id FROM src WHERE id > 1", &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err);
  CHECK_INT(rc, 0);
  CHECK(out && strstr(out, "Sink(table=[default_catalog.default_database.fsout]") &&
        strstr(out, "\"type\" : \"Sink: fsout (filesystem)\",\n    \"pact\" : \"Data Sink\""));
  CHECK(out && !strstr(out, "Received a total"));
  char nope[300];
  snprintf(nope, sizeof nope, "%s/nope", tmp);
  CHECK(access(nope, F_OK) != 0);
  free(out);
  CHECK_ERR(SRC "EXPLAIN PLAN_ADVICE SELECT id FROM src", "not supported: EXPLAIN PLAN_ADVICE");
}

int main(int argc, char **argv) {
  snprintf(tmp, sizeof tmp, "/tmp/strom_test_sql_hints_XXXXXX");
  if (!mkdtemp(tmp)) return 1;
  TEST_MAIN_BEGIN(argc, argv);
  RUN(options_hint_overrides_a_with_option_for_one_use);
  RUN(options_hint_reads_and_writes_another_filesystem_path);
  RUN(bad_hints_are_refused_with_line_and_column);
  RUN(query_hints_flink_knows_change_nothing);
  RUN(ctas_creates_the_table_from_the_query_and_fills_it);
  RUN(ctas_in_a_statement_set_and_rtas);
  RUN(ctas_refusals_are_flinks);
  RUN(explain_changelog_mode_marks_each_node);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
