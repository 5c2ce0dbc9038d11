/*
 * bench_postgres.c -- the PostgreSQL upsert sink's throughput against a real server
 * that tests/pg_server.sh starts on loopback (fsync off: the figure is the sink's and
 * the protocol's, not the disk's).  A generator makes rows (id BIGINT, name VARCHAR,
 * price BIGINT, at TIMESTAMP(3)) whose ids cycle over --keys ids, so the table sees
 * inserts first and then updates; the sink upserts them (INSERT ... ON CONFLICT DO
 * UPDATE) in batches of sink.buffer-flush.max-rows.  Each configuration runs in a
 * forked child; rows/s is rows / wall time; cpu_s is the Strom process's CPU time (the
 * server's is on top, on the same two cores).
 *
 *   bench_postgres [--rows N] [--keys K] [--quick]
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <postgresql/libpq-fe.h>

#include "bench_util.h"
#include "strom.h"
#include "strom/jdbc.h"

static uint64_t ROWS = 1000000, KEYS = 100000;
static char url[256], conninfo[256];

static int gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  static const char *names[] = {"alpha", "bravo", "charlie", "delta"};
  strom_row_set_bigint(out, 0, (int64_t)(i % KEYS));
  strom_row_set_str_ref(out, 1, names[i % 4], strlen(names[i % 4]));
  strom_row_set_bigint(out, 2, (int64_t)(i % 9973));
  strom_row_set_timestamp(out, 3, 1436918400000 + (int64_t)i);
  return 1;
}

typedef struct cfg {
  int par, batch;
  bool exactly_once;
} cfg;

typedef struct result {
  double wall_s, cpu_s;
  long rows;
  int rc;
} result;

static bool sql(const char *q) {
  PGconn *c = PQconnectdb(conninfo);
  PGresult *r = PQexec(c, q);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) fprintf(stderr, "%s: %s", q, PQerrorMessage(c));
  PQclear(r);
  PQfinish(c);
  return ok;
}

static void run_one(void *arg, int fd) {
  const cfg *c = arg;
  strom_schema *s = strom_schema_parse("id BIGINT, name VARCHAR, price BIGINT, at TIMESTAMP(3)", NULL, 0);
  char dir[] = "/tmp/strom-bench-pg-XXXXXX";
  bool ckpt = c->exactly_once && mkdtemp(dir);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = c->par,
                                                   .checkpoint_interval_ms = ckpt ? 1000 : 0,
                                                   .checkpoint_dir = ckpt ? dir : NULL});
  strom_jdbc_opts o = strom_jdbc_opts_default();
  o.url = url;
  o.table_name = "bench";
  o.primary_key = "id";
  o.flush_max_rows = c->batch;
  o.exactly_once = c->exactly_once;
  strom_jdbc_sink(strom_from_generator(env, s, ROWS, gen, NULL), &o);
  result r = {0};
  double t0 = bench_now_s(), c0 = bench_cpu_s();
  r.rc = strom_execute(env, "bench-postgres");
  r.wall_s = bench_now_s() - t0;
  r.cpu_s = bench_cpu_s() - c0;
  if (r.rc) fprintf(stderr, "%s\n", strom_env_errmsg(env));
  strom_env_free(env);
  strom_schema_free(s);
  if (ckpt) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) fprintf(stderr, "cannot remove %s\n", dir);
  }
  if (write(fd, &r, sizeof r) != (ssize_t)sizeof r) _exit(1);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--rows") && i + 1 < argc) ROWS = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--keys") && i + 1 < argc) KEYS = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--quick")) ROWS = 100000, KEYS = 10000;
    else if (!strcmp(argv[i], "--runs") && i + 1 < argc) i++; /* bench/run.sh passes it to every bench */
    else {
      fprintf(stderr, "usage: bench_postgres [--rows N] [--keys K] [--quick]\n");
      return 2;
    }
  }
  if (!KEYS) KEYS = 1;
  /* tests/pg_server.sh, found from this binary's place: build/<flavour>/bench/. */
  char exe[PATH_MAX], cmd[PATH_MAX + 512], pgdir[256];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return 1;
  exe[n] = 0;
  for (int up = 0; up < 4; up++) *strrchr(exe, '/') = 0;
  snprintf(cmd, sizeof cmd, "'%s/tests/pg_server.sh' start %d", exe, (int)getpid());
  FILE *f = popen(cmd, "r");
  int port = 0;
  if (!f || fscanf(f, "%255s %d", pgdir, &port) != 2) {
    fprintf(stderr, "bench_postgres: cannot start PostgreSQL (%s)\n", cmd);
    if (f) pclose(f);
    return 1;
  }
  pclose(f);
  snprintf(url, sizeof url, "postgresql://127.0.0.1:%d/postgres?user=postgres", port);
  snprintf(conninfo, sizeof conninfo, "host=127.0.0.1 port=%d dbname=postgres user=postgres", port);
  static const cfg cfgs[] = {{1, 100, false}, {1, 1000, false}, {2, 1000, false}, {1, 1000, true}};
  printf("%-22s %3s %6s %9s %8s %10s %7s %11s\n", "job", "par", "batch", "rows", "wall_s", "rows/s", "cpu_s",
         "rows/s/core");
  int rc = 0;
  for (size_t i = 0; i < sizeof cfgs / sizeof *cfgs; i++) {
    if (!sql("DROP TABLE IF EXISTS bench; CREATE TABLE bench (id BIGINT PRIMARY KEY, name TEXT, price BIGINT, "
             "at TIMESTAMP(3))")) {
      rc = 1;
      break;
    }
    result r;
    if (bench_in_child(run_one, (void *)&cfgs[i], &r, sizeof r) || r.rc) {
      rc = 1;
      continue;
    }
    printf("%-22s %3d %6d %9llu %8.3f %10.0f %7.3f %11.0f\n", cfgs[i].exactly_once ? "upsert-exactly-once" : "upsert",
           cfgs[i].par, cfgs[i].batch, (unsigned long long)ROWS, r.wall_s, (double)ROWS / r.wall_s, r.cpu_s,
           (double)ROWS / r.cpu_s);
    fflush(stdout);
  }
  snprintf(cmd, sizeof cmd, "'%s/tests/pg_server.sh' stop '%s'", exe, pgdir);
  if (system(cmd)) fprintf(stderr, "bench_postgres: cannot stop the server in %s\n", pgdir);
  return rc;
}
