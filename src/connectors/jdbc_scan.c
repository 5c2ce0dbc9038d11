/*
 * jdbc_scan.c -- the bounded PostgreSQL scan source (Flink's JDBC table source in
 * scan mode).
 *
 * With scan.partition.column the table is read in scan.partition.num ranges of that
 * numeric column, as Flink's JdbcNumericBetweenParametersProvider splits
 * [lower-bound, upper-bound]: ranges of ceil((upper - lower + 1) / num) values, each
 * read with "WHERE column BETWEEN lo AND hi" (rows outside the bounds are not read, as
 * in Flink); range p goes to subtask p % parallelism.  Without it subtask 0 reads the
 * whole table.  Rows come through a cursor, scan.fetch-size at a time, inside one
 * read-only transaction per range.  With checkpointing, a range is read in the order of
 * all its columns, so that its rows come in the same order every time, and a
 * checkpoint records how many of the subtask's ranges are complete and how many rows of
 * the current one were emitted: a restore skips the complete ranges and the emitted rows
 * (OFFSET), which reads every row exactly once as long as the table does not change in
 * between.  Without checkpointing nothing is sorted.
 */
#include "../api/api.h"
#include "../runtime/snapshot.h"
#include "pg_conn.h"

typedef struct scan_conf {
  strom_pg_target t;
  strom_schema *schema;
  char *pcol;
  int num, fetch;
  int64_t lower, upper;
} scan_conf;

typedef struct scan_state {
  uint64_t done;    /* ranges of this subtask read completely */
  uint64_t emitted; /* rows of the current range emitted */
  bool restored;
} scan_state;

/* The position in one 64-bit word: complete ranges above, rows emitted below. */
enum { EMITTED_BITS = 40 };

static int scan_open(strom_op *op) {
  op->state = strom__calloc(1, sizeof(scan_state));
  return op->state ? STROM_OK : STROM_ENOMEM;
}

static void scan_close(strom_op *op) { free(op->state); }

static int scan_snapshot(strom_op *op, int64_t id, strom_snapshot *s) {
  STROM_UNUSED(id);
  scan_state *st = op->state;
  if (st->emitted >> EMITTED_BITS || st->done >> (64 - EMITTED_BITS))
    return strom__op_fail(op, STROM_ENOTSUP, "jdbc scan: position beyond %d ranges or %llu rows per range",
                          1 << (64 - EMITTED_BITS), 1ull << EMITTED_BITS);
  return strom__snap_position(s, st->done << EMITTED_BITS | st->emitted);
}

static int scan_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  scan_state *st = op->state;
  uint64_t pos = 0;
  int rc = strom__restore_position(op, r, true, "jdbc scan", &pos, &st->restored);
  st->done = pos >> EMITTED_BITS;
  st->emitted = pos & ((1ull << EMITTED_BITS) - 1);
  return rc;
}

/* Reads one query's rows through a cursor and emits them. */
static int read_range(strom_op *op, PGconn *c, const char *where, char *err, size_t errlen) {
  scan_conf *cf = op->conf;
  strom_buf q = {0};
  int rc = strom__buf_printf(&q, "DECLARE strom_scan NO SCROLL CURSOR FOR SELECT ");
  if (!rc) rc = strom__pg_col_list(&q, cf->schema, NULL);
  if (!rc) rc = strom__buf_printf(&q, " FROM %s%s", cf->t.table, where);
  scan_state *st = op->state;
  if (strom__job_checkpointing(op->task->job)) {
    for (int k = 0; !rc && k < strom_schema_ncols(cf->schema); k++) rc = strom__buf_printf(&q, "%s%d", k ? ", " : " ORDER BY ", k + 1);
    if (!rc && st->emitted) rc = strom__buf_printf(&q, " OFFSET %llu", (unsigned long long)st->emitted);
  }
  if (rc) {
    strom__buf_free(&q);
    return STROM_ENOMEM;
  }
  bool ok = strom__pg_exec(c, "BEGIN READ ONLY", cf->t.table, err, errlen) && strom__pg_exec(c, q.p, cf->t.table, err, errlen);
  strom__buf_free(&q);
  if (!ok) return STROM_EIO;
  char fetch[64];
  snprintf(fetch, sizeof fetch, "FETCH %d FROM strom_scan", cf->fetch);
  strom_row *row = op->out.scratch;
  int ncols = strom_schema_ncols(cf->schema);
  strom_yield_pacer pacer = {0};
  uint32_t nrec = 0, every = 0;
  for (;;) {
    PGresult *r = PQexec(c, fetch);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
      strom__pg_error(err, errlen, cf->t.table, c, r);
      PQclear(r);
      return STROM_EIO;
    }
    int n = PQntuples(r);
    for (int i = 0; !rc && i < n; i++) {
      strom__row_reset(row);
      for (int k = 0; !rc && k < ncols; k++) {
        if (PQgetisnull(r, i, k)) continue;
        char why[256];
        if (strom__pg_parse_value(row, k, PQgetvalue(r, i, k), (size_t)PQgetlength(r, i, k), why, sizeof why)) {
          snprintf(err, errlen, "table '%s', column %s: %s", cf->t.table, strom_schema_col_name(cf->schema, k), why);
          rc = STROM_EPARSE;
        }
      }
      if (!rc) st->emitted++; /* before the emit: a checkpoint may follow it */
      if (!rc) rc = strom__emit(&op->out, row);
      if (!rc && ++nrec >= every) {
        rc = strom__source_yield(op->task, &pacer);
        nrec = 0, every = pacer.every;
      }
    }
    PQclear(r);
    if (rc) return rc;
    if (n < cf->fetch) break;
  }
  return strom__pg_exec(c, "COMMIT", cf->t.table, err, errlen) ? STROM_OK : STROM_EIO;
}

static int scan_run(strom_op *op) {
  scan_conf *cf = op->conf;
  scan_state *st = op->state;
  int s = op->ctx.subtask, p = op->ctx.parallelism;
  char err[1024];
  if (!cf->pcol && s != 0) return STROM_OK;
  PGconn *c = strom__pg_connect(&cf->t, "scan", err, sizeof err);
  if (!c) return strom__op_fail(op, STROM_ENET, "%s", err);
  int rc = STROM_OK;
  if (!cf->pcol) {
    if (!st->done) rc = read_range(op, c, "", err, sizeof err);
    if (!rc) st->done = 1, st->emitted = 0;
  } else {
    /* Flink's split: ranges of ceil((upper - lower + 1) / num) values. */
    __int128 span = (__int128)cf->upper - cf->lower + 1;
    int64_t size = (int64_t)((span + cf->num - 1) / cf->num);
    uint64_t mine = 0;
    for (int part = s; !rc && part < cf->num; part += p, mine++) {
      if (mine < st->done) continue;
      __int128 lo = (__int128)cf->lower + (__int128)size * part, hi = lo + size - 1;
      if (lo > cf->upper) break;
      if (hi > cf->upper) hi = cf->upper;
      char where[160];
      snprintf(where, sizeof where, " WHERE %s BETWEEN %lld AND %lld", cf->pcol, (long long)lo, (long long)hi);
      rc = read_range(op, c, where, err, sizeof err);
      if (!rc) st->done = mine + 1, st->emitted = 0;
    }
  }
  PQfinish(c);
  if (rc && rc != STROM_ECANCELED && !op->task->err_op) rc = strom__op_fail(op, rc, "%s", err);
  return rc;
}

static void scan_conf_free(void *p) {
  scan_conf *c = p;
  strom__pg_target_free(&c->t);
  strom_schema_free(c->schema);
  free(c->pcol);
  free(c);
}

static const strom_op_vt scan_vt = {.kind = "JDBC Source",
                                    .open = scan_open,
                                    .run = scan_run,
                                    .close = scan_close,
                                    .free_conf = scan_conf_free,
                                    .snapshot = scan_snapshot,
                                    .restore = scan_restore};

strom_stream *strom_jdbc_scan(strom_env *env, const strom_schema *s, const strom_jdbc_opts *o) {
  if (!env) return NULL;
  char err[512];
  if (!s || !strom_schema_ncols(s)) return strom__env_error(env, STROM_EINVAL, "jdbc scan: a schema is required");
  scan_conf *c = strom__calloc(1, sizeof *c);
  if (!c) return strom__env_error(env, STROM_ENOMEM, "out of memory");
  int rc = strom__pg_target_init(&c->t, o, err, sizeof err);
  if (!rc && o->partition_column) {
    if (o->partition_num <= 0 || o->partition_upper < o->partition_lower) {
      snprintf(err, sizeof err, "scan.partition.num must be > 0 and lower-bound <= upper-bound (got %d, %lld, %lld)",
               o->partition_num, (long long)o->partition_lower, (long long)o->partition_upper);
      rc = STROM_EINVAL;
    } else if (!(c->pcol = strom__strdup(o->partition_column))) {
      rc = STROM_ENOMEM;
    }
  }
  if (rc) {
    scan_conf_free(c);
    return strom__env_error(env, rc, "jdbc scan: %s", rc == STROM_ENOMEM ? "out of memory" : err);
  }
  c->schema = strom__schema_ref(s);
  c->num = o->partition_num;
  c->lower = o->partition_lower;
  c->upper = o->partition_upper;
  c->fetch = o->fetch_size > 0 ? o->fetch_size : 1000;
  return strom__add_node(env, NULL, "JDBC Source", &scan_vt, c, s);
}
