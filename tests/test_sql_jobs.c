/*
 * test_sql_jobs.c -- INSERT jobs in the background (SET 'table.dml-sync' = 'false', as
 * Flink's SQL client runs them): the statement returns with the job's id while the job
 * runs; SHOW JOBS lists it RUNNING, then FINISHED, CANCELED or FAILED; STOP JOB cancels
 * it, or WITH SAVEPOINT stops it after a savepoint from which a later job resumes with
 * no row lost or written twice; strom_sql_wait reports a failed job by id; DROP while a
 * job runs, unknown ids and bad options are refused with their reasons.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sql_test.h"

/* A session kept across statements (run() of sql_test.h makes one per script). */
typedef struct sess {
  strom_sql_session *s;
  char *out;
  size_t n;
  FILE *f;
} sess;

static void sess_open(sess *x) {
  x->out = NULL;
  x->f = open_memstream(&x->out, &x->n);
  x->s = strom_sql_session_new(x->f);
  strom_sql_define(x->s, "TMP", tmp);
}

/* Runs sql; *text gets what it printed (malloc'd) when text is not NULL. */
static int sess_run(sess *x, const char *sql, char **text) {
  fflush(x->f);
  size_t from = x->n;
  int rc = strom_sql_execute(x->s, sql, strlen(sql));
  if (rc) fprintf(stderr, "  (%s)\n", strom_sql_errmsg(x->s));
  fflush(x->f);
  if (text) *text = strndup(x->out + from, x->n - from);
  return rc;
}

static void sess_close(sess *x) {
  strom_sql_session_free(x->s);
  fclose(x->f);
  free(x->out);
}

/* The id after "Job ID: " in text, into id[33]. */
static bool job_id(const char *text, char id[33]) {
  const char *p = text ? strstr(text, "Job ID: ") : NULL;
  if (!p || strlen(p + 8) < 32) return false;
  memcpy(id, p + 8, 32);
  id[32] = 0;
  return true;
}

/* The status SHOW JOBS gives job id ("" when it is not listed). */
static const char *status_of(sess *x, const char *id) {
  static char st[16];
  char *t;
  st[0] = 0;
  if (sess_run(x, "SHOW JOBS;", &t)) return st;
  const char *line = strstr(t, id);
  if (line) {
    const char *bar = strchr(line, '|');                    /* after the id */
    const char *bar2 = bar ? strchr(bar + 1, '|') : NULL;   /* after the name */
    if (bar2) sscanf(bar2 + 1, " %15[A-Z]", st);
  }
  free(t);
  return st;
}

#define UNBOUNDED                                                                                             \
  "SET 'table.dml-sync' = 'false';\n"                                                                         \
  "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000', "                 \
  "'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '100000000');\n"                 \
  "CREATE TABLE snk (id BIGINT) WITH ('connector' = 'blackhole');\n"

TEST(insert_returns_with_the_job_id_and_stop_job_cancels_it) {
  sess x;
  sess_open(&x);
  char *t = NULL, id[33] = "";
  CHECK_INT(sess_run(&x, UNBOUNDED "INSERT INTO snk SELECT id FROM src;", &t), 0);
  CHECK(job_id(t, id));
  CHECK(t && strstr(t, "[INFO] SQL update statement has been successfully submitted to the cluster:"));
  free(t);
  CHECK_STR(status_of(&x, id), "RUNNING");
  CHECK(sess_run(&x, "SHOW JOBS;", &t) == 0 && strstr(t, " job id |") && strstr(t, "insert-into") && strstr(t, "1 row in set"));
  free(t);
  /* the job reads src: dropping it is refused, naming the job */
  CHECK(sess_run(&x, "DROP TABLE src;", NULL) != 0);
  CHECK(strstr(strom_sql_errmsg(x.s), "line 1, column 1: cannot drop or change a table") &&
        strstr(strom_sql_errmsg(x.s), id));
  /* ... and so is replacing it from inside a statement set */
  CHECK(sess_run(&x, "EXECUTE STATEMENT SET BEGIN CREATE OR REPLACE TABLE src WITH ('connector' = 'blackhole') AS "
                     "SELECT 1 AS x; END;", NULL) != 0);
  CHECK(strstr(strom_sql_errmsg(x.s), "cannot drop or change a table"));
  CHECK(sess_run(&x, "STOP JOB 'ffffffffffffffffffffffffffffffff';", NULL) != 0);
  CHECK(strstr(strom_sql_errmsg(x.s), "no job of this session has that id"));
  CHECK(sess_run(&x, "STOP JOB nope;", NULL) != 0);
  CHECK(strstr(strom_sql_errmsg(x.s), "expected the job id as a string"));
  char stop[80];
  snprintf(stop, sizeof stop, "STOP JOB '%s' WITH SAVEPOINT;", id);
  CHECK(sess_run(&x, stop, NULL) != 0); /* no savepoint directory */
  CHECK(strstr(strom_sql_errmsg(x.s), "SET 'state.savepoints.dir' first"));
  /* a savepoint directory that cannot be one: refused, and the job runs on */
  write_tmp_file("afile", "x");
  CHECK_INT(sess_run(&x, "SET 'state.savepoints.dir' = '${TMP}/afile';", NULL), 0);
  CHECK(sess_run(&x, stop, NULL) != 0);
  CHECK(strstr(strom_sql_errmsg(x.s), "afile': not a directory"));
  CHECK_STR(status_of(&x, id), "RUNNING");
  snprintf(stop, sizeof stop, "STOP JOB '%s';", id);
  CHECK_INT(sess_run(&x, stop, NULL), 0);
  CHECK_STR(status_of(&x, id), "CANCELED");
  CHECK(sess_run(&x, stop, NULL) != 0);
  CHECK(strstr(strom_sql_errmsg(x.s), "the job is not running"));
  CHECK_INT(sess_run(&x, "DROP TABLE src;", NULL), 0); /* nothing runs now */
  CHECK_INT(strom_sql_wait(x.s, false), 0);
  CHECK(sess_run(&x, "SET 'table.dml-sync' = 'maybe';", NULL) != 0);
  CHECK(strstr(strom_sql_errmsg(x.s), "expected 'true' or 'false'"));
  sess_close(&x);
}

/* Lines of the part files under dir (committed ones: not starting with a dot). */
static int read_ids(const char *dir, char *seen, int n, int *dups) {
  DIR *d = opendir(dir);
  int got = 0;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    FILE *f = fopen(p, "r");
    long v;
    while (f && fscanf(f, "%ld", &v) == 1) {
      if (v >= 1 && v <= n) *dups += seen[v - 1]++ > 0, got++;
    }
    if (f) fclose(f);
  }
  if (d) closedir(d);
  return got;
}

TEST(bounded_job_finishes_and_a_stopped_job_resumes_from_its_savepoint) {
  enum { N = 6000 };
  /* 1. a bounded job in the background: FINISHED, its rows committed */
  sess x;
  sess_open(&x);
  char *t = NULL, id[33] = "", sql[2048];
  snprintf(sql, sizeof sql,
           "SET 'table.dml-sync' = 'false';\n"
           "CREATE TABLE seq (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '200', "
           "'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '200');\n"
           "CREATE TABLE out1 (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s/out1', 'format' = 'csv');\n"
           "INSERT INTO out1 SELECT id FROM seq;",
           tmp);
  CHECK_INT(sess_run(&x, sql, &t), 0);
  CHECK(job_id(t, id));
  free(t);
  CHECK_INT(strom_sql_wait(x.s, false), 0);
  CHECK_STR(status_of(&x, id), "FINISHED");
  char seen[N] = {0}, dir[400];
  int dups = 0;
  snprintf(dir, sizeof dir, "%s/out1", tmp);
  CHECK_INT(read_ids(dir, seen, 200, &dups), 200);
  CHECK_INT(dups, 0);
  sess_close(&x);

  /* 2. stopped with a savepoint mid-stream, then resumed: every id once */
  sess_open(&x);
  snprintf(sql, sizeof sql,
           "SET 'table.dml-sync' = 'false';\n"
           "SET 'state.savepoints.dir' = '%s/sp';\n"
           "SET 'execution.checkpointing.interval' = '100 ms';\n"
           "SET 'state.checkpoints.dir' = '%s/ck';\n"
           "CREATE TABLE seq (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000', "
           "'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');\n"
           "CREATE TABLE out2 (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s/out2', 'format' = 'csv');\n"
           "INSERT INTO out2 SELECT id FROM seq;",
           tmp, tmp, N, tmp);
  CHECK_INT(sess_run(&x, sql, &t), 0);
  CHECK(job_id(t, id));
  free(t);
  /* stopped once a checkpoint has committed some rows: mid-stream (the rows take 3 s) */
  snprintf(dir, sizeof dir, "%s/out2", tmp);
  for (int i = 0; i < 2000; i++) {
    memset(seen, 0, sizeof seen);
    if (read_ids(dir, seen, N, &dups) > 0) break;
    usleep(10000);
  }
  char stop[80];
  snprintf(stop, sizeof stop, "STOP JOB '%s' WITH SAVEPOINT;", id);
  CHECK_INT(sess_run(&x, stop, &t), 0);
  char sp[600] = "";
  const char *p = t ? strstr(t, "| ") : NULL;
  for (const char *q = p; q && (q = strstr(q, "| ")); q += 2)
    if (sscanf(q + 2, "%599s", sp) == 1 && strstr(sp, "/savepoint-")) break;
  free(t);
  CHECK(strstr(sp, "/sp/savepoint-") != NULL);
  CHECK_STR(status_of(&x, id), "FINISHED");
  memset(seen, 0, sizeof seen);
  dups = 0;
  int before = read_ids(dir, seen, N, &dups);
  printf("  %d of %d rows committed when the job stopped\n", before, N);
  CHECK(before > 0 && before < N);
  char meta[700];
  snprintf(meta, sizeof meta, "%s/_metadata", sp);
  CHECK(access(meta, F_OK) == 0);
  snprintf(sql, sizeof sql, "SET 'table.dml-sync' = 'true';\nSET 'execution.savepoint.path' = '%s';\n"
                            "INSERT INTO out2 SELECT id FROM seq;", sp);
  CHECK_INT(sess_run(&x, sql, NULL), 0);
  memset(seen, 0, sizeof seen);
  dups = 0;
  CHECK_INT(read_ids(dir, seen, N, &dups), N);
  CHECK_INT(dups, 0);
  sess_close(&x);
}

TEST(a_failed_job_is_reported_by_id) {
  write_tmp_file("bad.json", "{\"id\": 1}\n{\"id\": oops}\n");
  sess x;
  sess_open(&x);
  char *t = NULL, id[33] = "";
  CHECK_INT(sess_run(&x,
                     "SET 'table.dml-sync' = 'false';\n"
                     "CREATE TABLE bad (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/bad.json', "
                     "'format' = 'json');\n"
                     "CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole');\n"
                     "INSERT INTO sink SELECT id FROM bad;",
                     &t),
            0);
  CHECK(job_id(t, id));
  free(t);
  CHECK(strom_sql_wait(x.s, false) != 0);
  const char *m = strom_sql_errmsg(x.s);
  CHECK(strstr(m, id) && strstr(m, "failed") && strstr(m, "bad.json"));
  if (!strstr(m, "bad.json")) fprintf(stderr, "  %s\n", m);
  CHECK_STR(status_of(&x, id), "FAILED");
  CHECK_INT(strom_sql_wait(x.s, false), 0); /* reported once */
  sess_close(&x);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-jobs-test-%d", (int)getpid());
  mkdir(tmp, 0777);
  RUN(insert_returns_with_the_job_id_and_stop_job_cancels_it);
  RUN(bounded_job_finishes_and_a_stopped_job_resumes_from_its_savepoint);
  RUN(a_failed_job_is_reported_by_id);
  char cmd[320];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) {}
  TEST_MAIN_END();
}
