/*
 * test_postgres.c -- the PostgreSQL connector against a real server that
 * tests/pg_server.sh starts on loopback (and stops at exit, even if this process
 * dies): options, the sink in append and upsert mode (a changelog ends as the right
 * final table), batching by size and by interval, reconnecting after a lost
 * connection, errors naming the table and column, exactly-once through two-phase
 * commit with SIGKILLs mid-stream (append and upsert, with held batches applied by the
 * restore), the scan source (resumed exactly after SIGKILLs) and the lookup join.
 */
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pg_test.h"
#include "strom/jdbc.h"
#include "test.h"

static void sleep_ms(int ms) { nanosleep(&(struct timespec){ms / 1000, (long)(ms % 1000) * 1000000}, NULL); }

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t query_int(const char *q) {
  char *s = pg_query(q);
  int64_t v = atoll(s);
  free(s);
  return v;
}

static strom_jdbc_opts opts_for(const char *table) {
  strom_jdbc_opts o = strom_jdbc_opts_default();
  o.url = pg_url;
  o.table_name = table;
  o.username = "postgres";
  return o;
}

/* ---- options ---- */

TEST(options_from_flink_keys_and_unknown_keys_refused) {
  strom_jdbc_opts o;
  char err[1024];
  const char *kv[] = {"connector", "jdbc", "url", "jdbc:postgresql://h:5/db", "table-name", "t",
                      "sink.buffer-flush.max-rows", "500", "sink.buffer-flush.interval", "2s",
                      "sink.max-retries", "5", "sink.semantic", "exactly-once", "lookup.cache.ttl", "10 min",
                      "lookup.cache.max-rows", "1000", "scan.partition.column", "id", "scan.partition.num", "4",
                      "scan.partition.lower-bound", "-10", "scan.partition.upper-bound", "90"};
  CHECK_INT(strom_jdbc_opts_from_pairs(&o, kv, sizeof kv / sizeof *kv / 2, err, sizeof err), STROM_OK);
  CHECK_STR(o.url, "jdbc:postgresql://h:5/db");
  CHECK_STR(o.table_name, "t");
  CHECK_INT(o.flush_max_rows, 500);
  CHECK_INT(o.flush_interval_ms, 2000);
  CHECK_INT(o.max_retries, 5);
  CHECK(o.exactly_once);
  CHECK_INT(o.cache_ttl_ms, 600000);
  CHECK_INT(o.cache_max_rows, 1000);
  CHECK_STR(o.partition_column, "id");
  CHECK_INT(o.partition_num, 4);
  CHECK_INT(o.partition_lower, -10);
  CHECK_INT(o.partition_upper, 90);
  const char *bad[] = {"url", "u", "table-name", "t", "sink.buffer-flush.rows", "5"};
  CHECK_INT(strom_jdbc_opts_from_pairs(&o, bad, 3, err, sizeof err), STROM_EINVAL);
  CHECK(strstr(err, "unknown option 'sink.buffer-flush.rows'"));
  CHECK(strstr(err, "sink.buffer-flush.max-rows"));
  CHECK(strstr(err, "lookup.cache.ttl"));
  const char *badval[] = {"url", "u", "table-name", "t", "sink.buffer-flush.interval", "soon"};
  CHECK_INT(strom_jdbc_opts_from_pairs(&o, badval, 3, err, sizeof err), STROM_EINVAL);
  CHECK(strstr(err, "sink.buffer-flush.interval") && strstr(err, "soon"));
  const char *nourl[] = {"table-name", "t"};
  CHECK_INT(strom_jdbc_opts_from_pairs(&o, nourl, 1, err, sizeof err), STROM_EINVAL);
  CHECK(strstr(err, "'url' is required"));
}

/* ---- a changelog into an upsert table ---- */

enum { CL_KEYS = 13 };
static uint64_t CL_EVENTS = 3000;
static bool cl_slow; /* a short pause every 20 events (long enough to be killed) */

/* Event i: key i % 13; value i % 7, except that every 10th event of an even key is a
 * deletion (-1). */
static int64_t cl_value(uint64_t i) { return (i % 10 == 9 && (i % CL_KEYS) % 2 == 0) ? -1 : (int64_t)(i % 7); }

static int cl_gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  static _Thread_local uint64_t paused_at = UINT64_MAX;
  if (i >= CL_EVENTS) return 0;
  if (cl_slow && i % 20 == 0 && paused_at != i) {
    paused_at = i;
    return STROM_GEN_IDLE;
  }
  strom_row_set_bigint(out, 0, (int64_t)(i % CL_KEYS));
  strom_row_set_bigint(out, 1, cl_value(i));
  return 1;
}

static strom_state_desc total_desc;

static int total_open(strom_ctx *ctx) {
  strom_ctx_set_local(ctx, strom_ctx_state(ctx, &total_desc));
  return strom_ctx_local(ctx) ? 0 : STROM_ESTATE;
}

/* A running total per key as an updating result: +I the first value, then -U old and
 * +U new; a -1 deletes the key's row (-D) and starts over. */
static int total_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  strom_state *st = strom_ctx_local(ctx);
  const strom_row *cur = strom_state_get(st);
  int64_t k = strom_row_get_bigint(in, 0), v = strom_row_get_bigint(in, 1);
  int64_t old = cur ? strom_row_get_bigint(cur, 0) : 0;
  strom_row *w = strom_out_row(out);
  strom_row_set_bigint(w, 0, k);
  if (v < 0) {
    if (!cur) return 0;
    strom_row_set_bigint(w, 1, old);
    strom_row_set_kind(w, STROM_DELETE);
    strom_state_clear(st);
    return strom_out_emit(out, w);
  }
  if (cur) {
    strom_row_set_bigint(w, 1, old);
    strom_row_set_kind(w, STROM_UPDATE_BEFORE);
    int rc = strom_out_emit(out, w);
    if (rc) return rc;
    w = strom_out_row(out);
    strom_row_set_bigint(w, 0, k);
  }
  strom_row_set_bigint(w, 1, old + v);
  strom_row_set_kind(w, cur ? STROM_UPDATE_AFTER : STROM_INSERT);
  strom_row *next = strom_row_new(total_desc.schema);
  strom_row_set_bigint(next, 0, old + v);
  int rc = strom_state_update(st, next);
  strom_row_free(next);
  return rc ? rc : strom_out_emit(out, w);
}

/* The final table by hand: "k,total;..." ordered by k. */
static char *cl_expected(void) {
  int64_t total[CL_KEYS];
  bool present[CL_KEYS] = {0};
  for (uint64_t i = 0; i < CL_EVENTS; i++) {
    int k = (int)(i % CL_KEYS);
    int64_t v = cl_value(i);
    if (v < 0) present[k] = false;
    else total[k] = (present[k] ? total[k] : 0) + v, present[k] = true;
  }
  char *s = calloc(1, 1024);
  size_t len = 0;
  for (int k = 0; k < CL_KEYS; k++)
    if (present[k]) len += (size_t)sprintf(s + len, "%s%d,%lld", len ? ";" : "", k, (long long)total[k]);
  return s;
}

static strom_stream *changelog(strom_env *env) {
  strom_schema *in = strom_schema_parse("k BIGINT, v BIGINT", NULL, 0);
  strom_schema *out = strom_schema_parse("k BIGINT, total BIGINT", NULL, 0);
  total_desc = (strom_state_desc){.name = "total", .kind = STROM_STATE_VALUE, .schema = strom_schema_parse("t BIGINT", NULL, 0)};
  strom_stream *src = strom_set_uid(strom_set_parallelism(strom_from_generator(env, in, CL_EVENTS, cl_gen, NULL), 1), "events");
  strom_stream *s = strom_set_uid(strom_keyed_process(strom_key_by(src, "k"), &(strom_process_def){.open = total_open,
                                                      .process = total_process, .out_schema = out}), "totals");
  strom_schema_free(in);
  strom_schema_free(out);
  return s;
}

TEST(upsert_sink_turns_a_changelog_into_the_final_table) {
  CHECK(pg_exec("DROP TABLE IF EXISTS totals; CREATE TABLE totals (k BIGINT PRIMARY KEY, total BIGINT NOT NULL)"));
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_jdbc_opts o = opts_for("totals");
  o.primary_key = "k";
  o.flush_max_rows = 7; /* many batches, each with several changes of one key */
  CHECK_INT(strom_jdbc_sink(changelog(env), &o), STROM_OK);
  int rc = strom_execute(env, "changelog");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  CHECK_INT(rc, STROM_OK);
  strom_env_free(env);
  strom_schema_free((strom_schema *)total_desc.schema);
  char *got = pg_query("SELECT k, total FROM totals ORDER BY k"), *want = cl_expected();
  CHECK_STR(got, want);
  CHECK(strchr(want, ';')); /* some keys were deleted, most are there */
  free(got);
  free(want);
}

/* ---- append mode, batching ---- */

static strom_schema *seq_schema(void) { return strom_schema_parse("id BIGINT, name VARCHAR, price DECIMAL(10,2), at TIMESTAMP(3), ok BOOLEAN, score DOUBLE", NULL, 0); }

static uint64_t seq_n;
static int64_t *seq_seen; /* batching tests: the table's row count seen before row i */
static int64_t seq_idle_ms;  /* before row 1, wait at most this long for row 0 in the table (interval test) */

static int seq_gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  static int64_t idle_since;
  if (i >= seq_n) return 0;
  if (i == 1 && seq_idle_ms) {
    if (!idle_since) idle_since = now_ms();
    /* Only the sink's interval timer can write row 0 while the source waits; waiting for
     * that (not for a fixed time) holds on a slow machine too. */
    if (now_ms() - idle_since < seq_idle_ms && query_int("SELECT count(*) FROM seq") == 0) return STROM_GEN_IDLE;
    idle_since = 0;
  }
  if (seq_seen) seq_seen[i] = query_int("SELECT count(*) FROM seq");
  strom_row_set_bigint(out, 0, (int64_t)i);
  char name[32];
  int n = snprintf(name, sizeof name, "it's \"%llu\"", (unsigned long long)i);
  strom_row_set_str(out, 1, name, (size_t)n);
  strom_row_set_decimal(out, 2, (int64_t)i * 101);
  strom_row_set_timestamp(out, 3, 1436918400000 + (int64_t)i);
  strom_row_set_bool(out, 4, i % 2);
  if (i % 5) strom_row_set_double(out, 5, (double)i / 4);
  return 1;
}

static int run_seq(const strom_jdbc_opts *o, int par) {
  strom_schema *s = seq_schema();
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
  strom_jdbc_sink(strom_from_generator(env, s, seq_n, seq_gen, NULL), o);
  int rc = strom_execute(env, "seq");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  strom_env_free(env);
  strom_schema_free(s);
  return rc;
}

static const char *SEQ_DDL = "DROP TABLE IF EXISTS seq; CREATE TABLE seq (id BIGINT, name TEXT, price NUMERIC(10,2), "
                             "at TIMESTAMP(3), ok BOOLEAN, score DOUBLE PRECISION)";

TEST(append_sink_writes_every_row_with_every_type) {
  CHECK(pg_exec(SEQ_DDL));
  seq_n = 1000;
  strom_jdbc_opts o = opts_for("seq");
  CHECK_INT(run_seq(&o, 2), STROM_OK);
  CHECK_INT(query_int("SELECT count(*) FROM seq"), 1000);
  CHECK_INT(query_int("SELECT count(DISTINCT id) FROM seq"), 1000);
  CHECK_INT(query_int("SELECT sum(id) FROM seq"), 999 * 1000 / 2);
  char *row = pg_query("SELECT id, name, price, at, ok, score FROM seq WHERE id IN (7, 10) ORDER BY id");
  CHECK_STR(row, "7,it's \"7\",7.07,2015-07-15 00:00:00.007,t,1.75;10,it's \"10\",10.10,2015-07-15 00:00:00.01,f,null");
  free(row);
}

TEST(batches_flush_by_size) {
  CHECK(pg_exec(SEQ_DDL));
  seq_n = 45;
  int64_t seen[45];
  seq_seen = seen;
  strom_jdbc_opts o = opts_for("seq");
  o.flush_max_rows = 10;
  o.flush_interval_ms = 0;
  CHECK_INT(run_seq(&o, 1), STROM_OK); /* source and sink chained: row i is written before row i+1 is made */
  seq_seen = NULL;
  for (int i = 0; i < 45; i++) CHECK_INT(seen[i], i / 10 * 10);
  CHECK_INT(query_int("SELECT count(*) FROM seq"), 45);
}

TEST(batches_flush_by_interval) {
  CHECK(pg_exec(SEQ_DDL));
  seq_n = 3;
  int64_t seen[3];
  seq_seen = seen;
  seq_idle_ms = 20000;
  strom_jdbc_opts o = opts_for("seq");
  o.flush_max_rows = 0;
  o.flush_interval_ms = 100;
  CHECK_INT(run_seq(&o, 1), STROM_OK);
  seq_seen = NULL;
  seq_idle_ms = 0;
  CHECK_INT(seen[0], 0);
  CHECK_INT(seen[1], 1); /* row 0 was written by the timer while the source idled */
  CHECK_INT(query_int("SELECT count(*) FROM seq"), 3);
}

/* Row 300 of 1000 terminates the sink's server connections: the next batch fails,
 * the sink reconnects and retries, and the upsert table still ends complete. */
static int kill_gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  if (i == 300) {
    char *s = pg_query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'strom-sink'");
    free(s);
  }
  return seq_gen(ctx, i, out);
}

TEST(sink_reconnects_and_retries_after_losing_its_connection) {
  CHECK(pg_exec("DROP TABLE IF EXISTS seq; CREATE TABLE seq (id BIGINT PRIMARY KEY, name TEXT, price NUMERIC(10,2), "
            "at TIMESTAMP(3), ok BOOLEAN, score DOUBLE PRECISION)"));
  seq_n = 1000;
  strom_schema *s = seq_schema();
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  strom_jdbc_opts o = opts_for("seq");
  o.primary_key = "id";
  o.flush_max_rows = 50;
  strom_jdbc_sink(strom_from_generator(env, s, seq_n, kill_gen, NULL), &o);
  int rc = strom_execute(env, "reconnect");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  strom_env_free(env);
  strom_schema_free(s);
  CHECK_INT(rc, STROM_OK);
  CHECK_INT(query_int("SELECT count(*) FROM seq"), 1000);
}

static int sink_error(const char *table, const char *pk, strom_row_kind kind, char *msg, size_t cap) {
  strom_schema *s = strom_schema_parse("id BIGINT, name VARCHAR", NULL, 0);
  strom_row *r = strom_row_new(s);
  strom_row_set_bigint(r, 0, 1);
  strom_row_set_kind(r, kind);
  const strom_row *rows[] = {r};
  strom_env *env = strom_env_new(NULL);
  strom_jdbc_opts o = opts_for(table);
  o.primary_key = pk;
  strom_jdbc_sink(strom_from_rows(env, s, rows, 1), &o);
  int rc = strom_execute(env, "errors");
  snprintf(msg, cap, "%s", strom_env_errmsg(env));
  strom_env_free(env);
  strom_row_free(r);
  strom_schema_free(s);
  return rc;
}

TEST(permanent_errors_name_the_table_and_column) {
  char msg[1024];
  CHECK(pg_exec("DROP TABLE IF EXISTS narrow; CREATE TABLE narrow (id BIGINT PRIMARY KEY)"));
  CHECK(pg_exec("DROP TABLE IF EXISTS strict; CREATE TABLE strict (id BIGINT PRIMARY KEY, name TEXT NOT NULL)"));
  CHECK(sink_error("missing_table", NULL, STROM_INSERT, msg, sizeof msg) != STROM_OK);
  CHECK(strstr(msg, "JDBC Sink") && strstr(msg, "table 'missing_table'") && strstr(msg, "does not exist"));
  CHECK(sink_error("narrow", NULL, STROM_INSERT, msg, sizeof msg) != STROM_OK);
  CHECK(strstr(msg, "table 'narrow'") && strstr(msg, "column \"name\" does not exist"));
  CHECK(sink_error("strict", "id", STROM_INSERT, msg, sizeof msg) != STROM_OK);
  CHECK(strstr(msg, "table 'strict'") && strstr(msg, "(column name)") && strstr(msg, "not-null"));
  CHECK(sink_error("strict", NULL, STROM_DELETE, msg, sizeof msg) != STROM_OK);
  CHECK(strstr(msg, "append mode") && strstr(msg, "-D"));
  CHECK_INT(query_int("SELECT count(*) FROM strict"), 0);
}

/* ---- exactly once ---- */

static char *tmpdir(const char *tag) {
  static char buf[4][128];
  static int k;
  char *p = buf[k++ % 4];
  snprintf(p, 128, "/tmp/strom-pg-%s-%d-XXXXXX", tag, (int)getpid());
  return mkdtemp(p);
}

static void rm_rf(const char *path) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd)) fprintf(stderr, "  (could not remove %s)\n", path);
}

static bool has_checkpoint(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ls '%s'/chk-*/_metadata >/dev/null 2>&1", dir);
  return system(cmd) == 0;
}

static uint64_t EO_EVENTS = 100000;

/* Event i: (i, i % 97); a short pause every 20 events keeps the job running long
 * enough to be checkpointed and killed. */
static int paced_gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  static _Thread_local uint64_t paused_at = UINT64_MAX;
  if (i % 20 == 0 && paused_at != i) {
    paused_at = i;
    return STROM_GEN_IDLE;
  }
  strom_row_set_bigint(out, 0, (int64_t)i);
  strom_row_set_bigint(out, 1, (int64_t)(i % 97));
  return 1;
}

/* Set in a child before some runs: the operator before the sink stops its task for good
 * once a prepared transaction exists, so the completion of that checkpoint cannot
 * reach the sink and the kill that follows leaves the transaction prepared for the
 * restore to resolve. */
static int freeze_on_prepared; /* 1: any prepared transaction; 2: one of another subtask for a
                                   checkpoint this subtask has not prepared (it cannot complete) */
/* Set by a child (in memory it shares with the parent) when it froze: the parent kills
 * it then, instead of after a fixed time a loaded machine may not have frozen in. */
static atomic_int *froze;

static int freeze_check(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  static _Thread_local PGconn *c;
  strom_row_copy(out, in);
  if (!freeze_on_prepared || strom_row_get_bigint(in, 0) % 100) return 0;
  if (!c) c = PQconnectdb(pg_conninfo);
  char q[512];
  snprintf(q, sizeof q,
           freeze_on_prepared == 1 ? "SELECT count(*) FROM pg_prepared_xacts"
                                   : "SELECT count(*) FROM pg_prepared_xacts p WHERE split_part(gid, ':', 4) <> '%d' AND "
                                     "NOT EXISTS (SELECT 1 FROM pg_prepared_xacts m WHERE split_part(m.gid, ':', 4) = '%d' "
                                     "AND split_part(m.gid, ':', 5) = split_part(p.gid, ':', 5))",
           strom_ctx_subtask(ctx), strom_ctx_subtask(ctx));
  PGresult *r = PQexec(c, q);
  bool prepared = PQresultStatus(r) == PGRES_TUPLES_OK && atoi(PQgetvalue(r, 0, 0)) > 0;
  PQclear(r);
  if (prepared && froze) atomic_store(froze, 1);
  while (prepared) sleep_ms(1000); /* until the SIGKILL */
  return 0;
}

/* Waits (at most ms) until child pid froze on a prepared transaction, or, after 500 ms,
 * until some transaction is prepared (mode 2 may never freeze: the kill must still come
 * mid-stream), or the child ended.  Then at once: later, what the freeze left prepared
 * may have been resolved. */
static void wait_frozen(pid_t pid, int ms) {
  if (!froze) {
    sleep_ms(500);
    return;
  }
  for (int t = 0; t < ms && !atomic_load(froze); t += 10) {
    siginfo_t si = {0};
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) return; /* left to reap */
    if (t >= 500 && t % 50 == 0 && query_int("SELECT count(*) FROM pg_prepared_xacts") > 0) return;
    sleep_ms(10);
  }
}

/* The exactly-once job: generated rows, rebalanced over two sink subtasks, appended to
 * table eo (append mode shows both loss and duplicates); checkpoints every 50 ms. */
static int eo_job(const char *ckpt, bool resume) {
  strom_schema *s = strom_schema_parse("i BIGINT, v BIGINT", NULL, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 50, .checkpoint_dir = ckpt,
                                                   .checkpoints_retained = 2, .restore_path = resume ? ckpt : NULL});
  strom_stream *src = strom_set_uid(strom_from_generator(env, s, EO_EVENTS, paced_gen, NULL), "source");
  strom_jdbc_opts o = opts_for("eo");
  o.exactly_once = true;
  o.flush_max_rows = 500;
  o.sink_id = "eo-test";
  strom_stream *mid = strom_set_uid(strom_map(strom_rebalance(src), NULL, freeze_check, NULL), "map");
  strom_jdbc_sink(strom_set_uid(mid, "sink"), &o);
  int rc = strom_execute(env, "exactly-once");
  if (rc) fprintf(stderr, "  exactly-once job: %s\n", strom_env_errmsg(env));
  strom_env_free(env);
  strom_schema_free(s);
  return rc;
}

static const char *EO_CHECK = "SELECT count(*), count(DISTINCT i), sum(i), sum(v) FROM eo";

TEST(exactly_once_commits_prepared_transactions_when_checkpoints_complete) {
  CHECK(pg_exec("DROP TABLE IF EXISTS eo; CREATE TABLE eo (i BIGINT, v BIGINT)"));
  char *ckpt = tmpdir("eo");
  CHECK_INT(eo_job(ckpt, false), STROM_OK);
  char *got = pg_query(EO_CHECK), want[256];
  uint64_t sv = 0;
  for (uint64_t i = 0; i < EO_EVENTS; i++) sv += i % 97;
  snprintf(want, sizeof want, "%llu,%llu,%llu,%llu", (unsigned long long)EO_EVENTS, (unsigned long long)EO_EVENTS,
           (unsigned long long)(EO_EVENTS * (EO_EVENTS - 1) / 2), (unsigned long long)sv);
  CHECK_STR(got, want);
  free(got);
  CHECK_INT(query_int("SELECT count(*) FROM pg_prepared_xacts"), 0);
  rm_rf(ckpt);
}

TEST(exactly_once_survives_sigkills_mid_stream) {
  /* The fault-free run first: its table is what every run must end with. */
  CHECK(pg_exec("DROP TABLE IF EXISTS eo; CREATE TABLE eo (i BIGINT, v BIGINT)"));
  char *ckpt = tmpdir("eo-free");
  CHECK_INT(eo_job(ckpt, false), STROM_OK);
  rm_rf(ckpt);
  char *want = pg_query(EO_CHECK);
  CHECK(pg_exec("TRUNCATE eo"));
  ckpt = tmpdir("eo-chaos");
  unsigned seed = (unsigned)time(NULL);
  printf("  seed %u\n", seed);
  srand(seed);
  int kills = 0, runs = 0, finished = 0, seen_rows_between = 0, left_prepared = 0;
  int64_t last_count = 0;
  while (!finished && runs < 100) {
    fflush(NULL);
    /* Every other kill comes while a prepared transaction waits for its commit. */
    freeze_on_prepared = kills % 3 == 1 ? 1 : kills % 3 == 2 ? 2 : 0;
    if (froze) atomic_store(froze, 0);
    pid_t pid = fork();
    if (pid == 0) _exit(eo_job(ckpt, has_checkpoint(ckpt)) ? 1 : 0);
    runs++;
    int status = 0;
    if (kills < 6) {
      if (freeze_on_prepared) wait_frozen(pid, 5000);
      else sleep_ms(100 + rand() % 250);
      if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        kills++;
        int64_t n = query_int("SELECT count(*) FROM eo");
        seen_rows_between += n > last_count;
        last_count = n;
        left_prepared += query_int("SELECT count(*) FROM pg_prepared_xacts") > 0;
        continue;
      }
    } else {
      waitpid(pid, &status, 0);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) finished = 1;
    else if (!WIFSIGNALED(status)) break;
  }
  freeze_on_prepared = 0;
  printf("  %d SIGKILLs over %d runs, %d leaving prepared transactions\n", kills, runs, left_prepared);
  char *got = pg_query(EO_CHECK);
  CHECK(finished);
  CHECK(kills >= 5);
  CHECK(seen_rows_between > 0); /* kills landed mid-stream, after commits */
  CHECK(left_prepared >= 2);     /* restores had prepared transactions to resolve */
  CHECK_STR(got, want);
  CHECK_INT(query_int("SELECT count(*) FROM pg_prepared_xacts"), 0);
  free(got);
  free(want);
  rm_rf(ckpt);
}

/* The changelog job with exactly-once upserts: every batch touches the same 13 keys,
 * so a write while a prepared transaction waits for its commit would wait on its locks. */
static int eo_upsert_job(const char *ckpt, bool resume) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 40, .checkpoint_dir = ckpt,
                                                   .checkpoints_retained = 2, .restore_path = resume ? ckpt : NULL});
  strom_jdbc_opts o = opts_for("totals");
  o.primary_key = "k";
  o.exactly_once = true;
  o.flush_max_rows = 50;
  strom_jdbc_sink(strom_set_uid(strom_map(changelog(env), NULL, freeze_check, NULL), "map"), &o);
  int rc = strom_execute(env, "exactly-once upserts");
  if (rc) fprintf(stderr, "  exactly-once upsert job: %s\n", strom_env_errmsg(env));
  strom_env_free(env);
  strom_schema_free((strom_schema *)total_desc.schema);
  return rc;
}

TEST(exactly_once_upserts_survive_sigkills_and_end_as_the_final_table) {
  CHECK(pg_exec("DROP TABLE IF EXISTS totals; CREATE TABLE totals (k BIGINT PRIMARY KEY, total BIGINT NOT NULL)"));
  char *ckpt = tmpdir("eo-upsert");
  uint64_t saved = CL_EVENTS;
  CL_EVENTS = 30000;
  cl_slow = true;
  unsigned seed = (unsigned)time(NULL);
  printf("  seed %u\n", seed);
  srand(seed);
  int kills = 0, runs = 0, finished = 0, left_prepared = 0;
  while (!finished && runs < 60) {
    fflush(NULL);
    freeze_on_prepared = kills % 3 == 1 ? 1 : 0;
    if (froze) atomic_store(froze, 0);
    pid_t pid = fork();
    if (pid == 0) _exit(eo_upsert_job(ckpt, has_checkpoint(ckpt)) ? 1 : 0);
    runs++;
    int status = 0;
    if (kills < 5) {
      if (freeze_on_prepared) wait_frozen(pid, 5000);
      else sleep_ms(100 + rand() % 250);
      if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        kills++;
        left_prepared += query_int("SELECT count(*) FROM pg_prepared_xacts") > 0;
        continue;
      }
    } else {
      waitpid(pid, &status, 0);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) finished = 1;
    else if (!WIFSIGNALED(status)) break;
  }
  freeze_on_prepared = 0;
  cl_slow = false;
  printf("  %d SIGKILLs over %d runs, %d leaving prepared transactions\n", kills, runs, left_prepared);
  char *got = pg_query("SELECT k, total FROM totals ORDER BY k"), *want = cl_expected();
  CL_EVENTS = saved;
  CHECK(finished);
  CHECK(kills >= 5);
  CHECK_STR(got, want);
  CHECK_INT(query_int("SELECT count(*) FROM pg_prepared_xacts"), 0);
  free(got);
  free(want);
  rm_rf(ckpt);
}

/* ---- a held batch applied by the restore ----
 *
 * A trigger on the table makes a few of the sink's writes sleep 0.3 s, longer than the
 * checkpoint timeout, so checkpoints abort after a subtask prepared its transaction; the
 * next barrier then finds that transaction uncommitted and the upsert sink holds its
 * batch in the checkpoint.  When the sink applies a held batch (application
 * "strom-sink-held") the trigger freezes it, and the job is killed: the checkpoint it
 * resumes from holds a batch whose rows no replay brings back (each row has its own
 * key), so the table is complete only if the restore applies it. */

static uint64_t HELD_EVENTS = 40000;

static int held_job(const char *ckpt, bool resume) {
  strom_schema *s = strom_schema_parse("id BIGINT, v BIGINT", NULL, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 40, .checkpoint_timeout_ms = 100,
                                                   .checkpoint_dir = ckpt, .checkpoints_retained = 2,
                                                   .restore_path = resume ? ckpt : NULL});
  strom_jdbc_opts o = opts_for("held");
  o.primary_key = "id";
  o.exactly_once = true;
  o.flush_max_rows = 100;
  strom_jdbc_sink(strom_set_uid(strom_from_generator(env, s, HELD_EVENTS, paced_gen, NULL), "source"), &o);
  int rc = strom_execute(env, "held");
  if (rc) fprintf(stderr, "  held job: %s\n", strom_env_errmsg(env));
  strom_env_free(env);
  strom_schema_free(s);
  return rc;
}

TEST(exactly_once_upsert_restore_applies_held_batches) {
  CHECK(pg_exec("DROP TABLE IF EXISTS held; CREATE TABLE held (id BIGINT PRIMARY KEY, v BIGINT); "
            "DROP TABLE IF EXISTS held_ctl; CREATE TABLE held_ctl (slow BOOLEAN, hang BOOLEAN); "
            "INSERT INTO held_ctl VALUES (true, true)"));
  CHECK(pg_exec("CREATE OR REPLACE FUNCTION held_hook() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "DECLARE c held_ctl; BEGIN SELECT * INTO c FROM held_ctl; "
            "IF current_setting('application_name') = 'strom-sink-held' THEN "
            "  IF c.hang THEN PERFORM pg_sleep(60); END IF; "
            "ELSIF c.slow AND random() < 0.002 THEN PERFORM pg_sleep(0.3); END IF; "
            "RETURN NEW; END $$; "
            "CREATE TRIGGER held_hook BEFORE INSERT OR UPDATE ON held FOR EACH ROW EXECUTE FUNCTION held_hook()"));
  char *ckpt = tmpdir("held");
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) _exit(held_job(ckpt, false) ? 1 : 0);
  int status = 0, frozen = 0;
  for (int t = 0; t < 3000 && !frozen; t++) {
    if (waitpid(pid, &status, WNOHANG) != 0) break;
    frozen = query_int("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'strom-sink-held' AND "
                       "wait_event = 'PgSleep'") > 0;
    sleep_ms(10);
  }
  if (frozen) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  CHECK(pg_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'strom-sink%'"));
  CHECK(pg_exec("UPDATE held_ctl SET slow = false, hang = false"));
  CHECK(frozen); /* a held batch was being applied when the job died */
  int64_t before = query_int("SELECT count(*) FROM held");
  fflush(NULL);
  pid = fork();
  if (pid == 0) _exit(held_job(ckpt, true) ? 1 : 0);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  printf("  %lld rows committed when the held batch froze\n", (long long)before);
  CHECK_INT(query_int("SELECT count(*) FROM held"), HELD_EVENTS);
  CHECK_INT(query_int("SELECT sum(id) FROM held"), HELD_EVENTS * (HELD_EVENTS - 1) / 2);
  CHECK_INT(query_int("SELECT count(*) FROM held WHERE v <> id % 97"), 0);
  CHECK_INT(query_int("SELECT count(*) FROM pg_prepared_xacts"), 0);
  rm_rf(ckpt);
}

/* ---- scan source and lookup join ---- */

static bool fill_items(void) {
  return pg_exec("DROP TABLE IF EXISTS items; CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT, price NUMERIC(10,2)); "
             "INSERT INTO items SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 1000) g");
}

/* Scans items with o at parallelism par: rows, sum of ids, and the row of id 7. */
static int scan_items(const strom_jdbc_opts *o, int par, int64_t *sum, char *row7, size_t cap) {
  strom_schema *s = strom_schema_parse("id BIGINT, name VARCHAR, price DECIMAL(10,2)", NULL, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
  strom_results *res = strom_collect(strom_jdbc_scan(env, s, o));
  int rc = strom_execute(env, "scan");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  int n = rc ? -1 : (int)strom_results_count(res);
  *sum = 0;
  for (int i = 0; i < n; i++) {
    const strom_row *r = strom_results_row(res, (size_t)i);
    *sum += strom_row_get_bigint(r, 0);
    if (strom_row_get_bigint(r, 0) == 7) strom_row_format(r, row7, cap);
  }
  strom_env_free(env);
  strom_schema_free(s);
  return n;
}

TEST(scan_reads_the_table_split_by_partition_ranges) {
  CHECK(fill_items());
  strom_jdbc_opts o = opts_for("items");
  o.fetch_size = 64;
  int64_t sum;
  char row7[128] = "";
  CHECK_INT(scan_items(&o, 2, &sum, row7, sizeof row7), 1000); /* unpartitioned: subtask 0 reads it all */
  CHECK_INT(sum, 500500);
  CHECK_STR(row7, "+I[7, item 7, 10.50]");
  o.partition_column = "id";
  o.partition_num = 7;
  o.partition_lower = 1;
  o.partition_upper = 1000;
  CHECK_INT(scan_items(&o, 3, &sum, row7, sizeof row7), 1000);
  CHECK_INT(sum, 500500);
  o.partition_lower = 101; /* as Flink: rows outside the bounds are not read */
  o.partition_upper = 200;
  o.partition_num = 3;
  CHECK_INT(scan_items(&o, 2, &sum, row7, sizeof row7), 100);
  CHECK_INT(sum, (101 + 200) * 100 / 2);
  o.table_name = "no_such_table";
  strom_schema *s = strom_schema_parse("id BIGINT", NULL, 0);
  strom_env *env = strom_env_new(NULL);
  strom_discard(strom_jdbc_scan(env, s, &o));
  CHECK(strom_execute(env, "scan") != STROM_OK);
  CHECK(strstr(strom_env_errmsg(env), "no_such_table"));
  strom_env_free(env);
  strom_schema_free(s);
}

/* ---- a scan killed and resumed ---- */

enum { SCAN_ROWS = 20000 };

static int slow_copy(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  (void)ctx;
  static _Thread_local int n;
  if (++n % 20 == 0) sleep_ms(1);
  return strom_row_copy(out, in);
}

static int scan_job(const char *out, const char *ckpt, bool resume) {
  strom_schema *s = strom_schema_parse("id BIGINT, name VARCHAR, price DECIMAL(10,2)", NULL, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 30, .checkpoint_dir = ckpt,
                                                   .checkpoints_retained = 2, .restore_path = resume ? ckpt : NULL});
  strom_jdbc_opts o = opts_for("items");
  o.partition_column = "id";
  o.partition_num = 5;
  o.partition_lower = 1;
  o.partition_upper = SCAN_ROWS;
  o.fetch_size = 500;
  strom_stream *src = strom_set_uid(strom_jdbc_scan(env, s, &o), "scan");
  strom_write_files(strom_set_uid(strom_map(src, NULL, slow_copy, NULL), "slow"), out, NULL);
  int rc = strom_execute(env, "scan");
  if (rc) fprintf(stderr, "  scan job: %s\n", strom_env_errmsg(env));
  strom_env_free(env);
  strom_schema_free(s);
  return rc;
}

/* The committed lines of the file sink in dir: how many, and how many distinct ids
 * whose line is right ("id,item id,price"). */
static void check_scan_output(const char *dir, int *lines, int *right) {
  char *seen = calloc(SCAN_ROWS + 1, 1);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "cat '%s'/part-* 2>/dev/null", dir);
  FILE *f = popen(cmd, "r");
  char line[256], want[256];
  *lines = *right = 0;
  while (f && fgets(line, sizeof line, f)) {
    (*lines)++;
    long id = atol(line);
    if (id < 1 || id > SCAN_ROWS) continue;
    snprintf(want, sizeof want, "%ld,item %ld,%ld.%02ld\n", id, id, id * 150 / 100, id * 150 % 100);
    if (!strcmp(line, want) && !seen[id]++) (*right)++;
  }
  if (f) pclose(f);
  free(seen);
}

TEST(scan_resumes_exactly_after_sigkills) {
  char q[256];
  snprintf(q, sizeof q, "DROP TABLE IF EXISTS items; CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT, price NUMERIC(10,2)); "
           "INSERT INTO items SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, %d) g", SCAN_ROWS);
  CHECK(pg_exec(q));
  char *out = tmpdir("scan-out"), *ckpt = tmpdir("scan-ckpt");
  unsigned seed = (unsigned)time(NULL);
  printf("  seed %u\n", seed);
  srand(seed);
  int kills = 0, runs = 0, finished = 0;
  while (!finished && runs < 50) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) _exit(scan_job(out, ckpt, has_checkpoint(ckpt)) ? 1 : 0);
    runs++;
    int status = 0;
    if (kills < 4) {
      sleep_ms(120 + rand() % 150);
      if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        kills++;
        continue;
      }
    } else {
      waitpid(pid, &status, 0);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) finished = 1;
    else if (!WIFSIGNALED(status)) break;
  }
  printf("  %d SIGKILLs over %d runs\n", kills, runs);
  int lines, right;
  check_scan_output(out, &lines, &right);
  CHECK(finished);
  CHECK(kills >= 3);
  CHECK_INT(lines, SCAN_ROWS);
  CHECK_INT(right, SCAN_ROWS);
  rm_rf(out);
  rm_rf(ckpt);
}

static int64_t vclock;
static int64_t read_vclock(void *d) {
  (void)d;
  return vclock;
}

/* Probe i looks up id lk_ids[i]; before some probes the table or the clock changes. */
static const int64_t lk_ids[] = {1, 1, 1, 5000, 5000, 2, 3};

static int lk_gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  if (i >= sizeof lk_ids / sizeof *lk_ids) return 0;
  if (i == 1) pg_exec("UPDATE items SET name = 'renamed' WHERE id = 1"); /* cached: not seen yet */
  if (i == 2) vclock += 5000;                                         /* past the TTL: seen */
  if (i == 4) pg_exec("INSERT INTO items VALUES (5000, 'late', 1)");        /* the miss is cached too */
  strom_row_set_bigint(out, 0, (int64_t)i);
  strom_row_set_bigint(out, 1, lk_ids[i]);
  return 1;
}

static char *run_lookup(int64_t cache_rows, bool left_outer) {
  strom_schema *in = strom_schema_parse("probe BIGINT, item BIGINT", NULL, 0);
  strom_schema *tab = strom_schema_parse("id BIGINT, name VARCHAR", NULL, 0);
  strom_env *env = strom_env_new(NULL);
  vclock = 1000;
  strom_env_set_clock(env, read_vclock, NULL);
  strom_jdbc_opts o = opts_for("items");
  o.cache_max_rows = cache_rows;
  o.cache_ttl_ms = 2000;
  strom_results *res = strom_collect(strom_jdbc_lookup_join(strom_from_generator(env, in, 100, lk_gen, NULL), "item", tab, "id",
                                                            left_outer, &o));
  int rc = strom_execute(env, "lookup");
  char *all = calloc(1, 4096);
  size_t len = 0;
  if (rc) snprintf(all, 4096, "error: %s", strom_env_errmsg(env));
  for (size_t i = 0; !rc && i < strom_results_count(res); i++) {
    len += (size_t)strom_row_format(strom_results_row(res, i), all + len, 4096 - len);
    all[len++] = ' ';
  }
  strom_env_free(env);
  strom_schema_free(in);
  strom_schema_free(tab);
  return all;
}

TEST(lookup_join_with_a_cache_that_expires) {
  CHECK(fill_items());
  char *got = run_lookup(10, true);
  CHECK_STR(got, "+I[0, 1, 1, item 1] +I[1, 1, 1, item 1] +I[2, 1, 1, renamed] +I[3, 5000, null, null] "
                 "+I[4, 5000, null, null] +I[5, 2, 2, item 2] +I[6, 3, 3, item 3] ");
  free(got);
  CHECK(fill_items());
  got = run_lookup(0, false); /* no cache: every probe sees the table as it is; inner join drops misses */
  CHECK_STR(got, "+I[0, 1, 1, item 1] +I[1, 1, 1, renamed] +I[2, 1, 1, renamed] +I[4, 5000, 5000, late] "
                 "+I[5, 2, 2, item 2] +I[6, 3, 3, item 3] ");
  free(got);
}

/* LRU: with room for two keys, probing 1, 2, 1, 3 evicts 2 (least recently used),
 * not 1 (the oldest fetched), so the hot key 1 is still served from the cache after
 * its row changed, while 2 is fetched again and shows its change. */
static const int64_t lru_ids[] = {1, 2, 1, 3, 1, 2};

static int lru_gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  if (i >= sizeof lru_ids / sizeof *lru_ids) return 0;
  if (i == 1) pg_exec("UPDATE items SET name = 'renamed' WHERE id IN (1, 2)"); /* 2 is fetched after this */
  if (i == 3) pg_exec("UPDATE items SET name = 'renamed again' WHERE id = 2");
  strom_row_set_bigint(out, 0, (int64_t)i);
  strom_row_set_bigint(out, 1, lru_ids[i]);
  return 1;
}

TEST(lookup_cache_is_lru_a_hot_key_survives_eviction) {
  CHECK(fill_items());
  strom_schema *in = strom_schema_parse("probe BIGINT, item BIGINT", NULL, 0);
  strom_schema *tab = strom_schema_parse("id BIGINT, name VARCHAR", NULL, 0);
  strom_env *env = strom_env_new(NULL);
  strom_jdbc_opts o = opts_for("items");
  o.cache_max_rows = 2;
  o.cache_ttl_ms = 0;
  strom_results *res = strom_collect(strom_jdbc_lookup_join(strom_from_generator(env, in, 100, lru_gen, NULL), "item", tab,
                                                            "id", false, &o));
  CHECK_INT(strom_execute(env, "lookup-lru"), 0);
  char all[1024];
  size_t len = 0;
  for (size_t i = 0; i < strom_results_count(res) && len < sizeof all - 200; i++) {
    len += (size_t)strom_row_format(strom_results_row(res, i), all + len, sizeof all - len);
    all[len++] = ' ';
  }
  all[len] = 0;
  /* FIFO would have evicted 1 at probe 3 and shown "renamed" at probe 4, and kept 2's
   * stale "renamed" at probe 5. */
  CHECK_STR(all, "+I[0, 1, 1, item 1] +I[1, 2, 2, renamed] +I[2, 1, 1, item 1] +I[3, 3, 3, item 3] "
                 "+I[4, 1, 1, item 1] +I[5, 2, 2, renamed again] ");
  strom_env_free(env);
  strom_schema_free(in);
  strom_schema_free(tab);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!pg_start()) {
    fprintf(stderr, "cannot start PostgreSQL (tests/pg_server.sh)\n");
    printf("0 passed, 1 failed\n");
    return 1;
  }
#if defined(__SANITIZE_ADDRESS__)
  EO_EVENTS = 50000;
#endif
  froze = mmap(NULL, sizeof *froze, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (froze == MAP_FAILED) froze = NULL;
  RUN(options_from_flink_keys_and_unknown_keys_refused);
  RUN(upsert_sink_turns_a_changelog_into_the_final_table);
  RUN(append_sink_writes_every_row_with_every_type);
  RUN(batches_flush_by_size);
  RUN(batches_flush_by_interval);
  RUN(sink_reconnects_and_retries_after_losing_its_connection);
  RUN(permanent_errors_name_the_table_and_column);
  RUN(exactly_once_commits_prepared_transactions_when_checkpoints_complete);
  RUN(exactly_once_survives_sigkills_mid_stream);
  RUN(exactly_once_upserts_survive_sigkills_and_end_as_the_final_table);
  RUN(exactly_once_upsert_restore_applies_held_batches);
  RUN(scan_reads_the_table_split_by_partition_ranges);
  RUN(scan_resumes_exactly_after_sigkills);
  RUN(lookup_join_with_a_cache_that_expires);
  RUN(lookup_cache_is_lru_a_hot_key_survives_eviction);
  TEST_MAIN_END();
}
