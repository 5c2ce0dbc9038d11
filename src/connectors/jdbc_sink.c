/*
 * jdbc_sink.c -- the PostgreSQL sink (Flink's JDBC sink): append, upsert by primary
 * key, and exactly-once through PostgreSQL's two-phase commit.
 *
 * Rows go into a batch (jdbc_batch.c: the text of their values, one entry per key in
 * upsert mode) written when it reaches its row limit, when its interval passes (a
 * processing-time callback), on a checkpoint's barrier and at the end of the input.
 * Upsert mode writes INSERT ... ON CONFLICT (pk) DO UPDATE for +I/+U rows and DELETE
 * for -D rows and ignores -U rows (the +U that follows carries the new value); append
 * mode takes +I rows only.
 *
 * At least once: each batch commits on its own; transient failures (a lost
 * connection, a serialization failure, a server shutting down) are retried with
 * backoff after reconnecting, which is safe because a batch is idempotent in upsert
 * mode and may duplicate in append mode (at-least-once).
 *
 * Exactly once: every batch of a subtask between two barriers goes into one
 * transaction; the barrier prepares it (PREPARE TRANSACTION
 * 'strom:<sink id>:<run>:<subtask>:<checkpoint>') and the snapshot records the prepared
 * ids; the checkpoint's completion commits them (COMMIT PREPARED, on a second
 * connection, since the first may already hold the next transaction).  Restoring from
 * checkpoint N, subtask 0 commits the prepared transactions that N recorded and rolls
 * back every other prepared transaction of this sink from earlier runs (those of
 * checkpoints after N); a fresh start rolls them all back.  Errors inside a
 * transaction fail the job: the restart resumes from the last checkpoint and nothing
 * is lost or written twice.
 *
 * A prepared transaction keeps its rows locked until its commit, and the commit runs
 * on the sink's own thread, so no write may wait on those locks: while a transaction
 * waits for its commit, new rows stay in memory.  A barrier that comes before that
 * commit (the checkpoint before was aborted, or its completion is still on its way)
 * does not open a transaction either: in upsert mode the batch is "held" -- written into
 * the checkpoint as it is, and applied in a transaction of its own after the earlier
 * prepared ones commit, when its checkpoint completes, or by the restore (applying a
 * held batch twice gives the same table, since upserts and deletes by key are
 * idempotent).  In append mode inserts lock nothing that a later insert waits on, so
 * the batch is prepared as usual and committed with the earlier one.
 */
#include <ctype.h>
#include <inttypes.h>

#include "../api/api.h"
#include "../runtime/snapshot.h"
#include "jdbc_batch.h"

enum { MAX_PARAMS = 65535, SNAP_VERSION = 2 };

typedef struct sink_conf {
  strom_pg_target t;
  strom_schema *schema;
  strom_jdbc_stmts stmts; /* points into this conf */
  int ncols;
  int *pk, npk; /* upsert mode when npk > 0 */
  bool exactly_once;
  int max_rows, max_retries;
  int64_t interval_ms;
  char *sink_id;
  char *insert_head, *insert_tail, *delete_head;
} sink_conf;

typedef struct prepared {
  int64_t ckpt;
  char *gid;
} prepared;

typedef struct held {
  int64_t ckpt;
  strom_jdbc_batch b;
} held;

typedef struct sink_state {
  PGconn *c;   /* writes */
  PGconn *ctl; /* COMMIT PREPARED / ROLLBACK PREPARED (exactly-once) */
  strom_jdbc_writer w;
  strom_jdbc_batch b; /* the rows since the last write */
  bool timer_armed, in_txn, resolved;
  prepared *p; /* exactly-once: prepared, waiting for their checkpoint's completion */
  int np, pcap;
  held *h; /* exactly-once upsert: batches waiting for the prepared ones (older first) */
  int nh;
  char err[1024];
} sink_state;

static int fail(strom_op *op, int rc, const char *msg) { return strom__op_fail(op, rc, "%s", msg); }

/* ---- connections ---- */

static int connect_writer(strom_op *op) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  if (st->c && PQstatus(st->c) == CONNECTION_OK) return STROM_OK;
  PQfinish(st->c);
  st->w.conn_gen++;
  st->c = strom__pg_connect(&c->t, "sink", st->err, sizeof st->err);
  if (!st->c) return STROM_ENET;
  /* Should a write still wait on rows another (prepared) transaction locked, the job
   * fails and resumes from its checkpoint instead of waiting forever. */
  if (c->exactly_once && !strom__pg_exec(st->c, "SET lock_timeout = '30s'", c->t.table, st->err, sizeof st->err))
    return STROM_ENET;
  return STROM_OK;
}

static PGconn *control(strom_op *op) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  if (st->ctl && PQstatus(st->ctl) != CONNECTION_OK) PQreset(st->ctl);
  if (!st->ctl) st->ctl = strom__pg_connect(&c->t, "sink-commit", st->err, sizeof st->err);
  return st->ctl && PQstatus(st->ctl) == CONNECTION_OK ? st->ctl : NULL;
}

/* ---- writing ---- */

/* Writes b, retrying transient failures after reconnecting (at least once; idempotent
 * in upsert mode).  Each statement commits on its own, or, with as_held, the batch
 * commits as one transaction that shows as application "strom-sink-held" (a held batch
 * of the exactly-once upsert sink being applied). */
static int write_retrying(strom_op *op, const strom_jdbc_batch *b, bool as_held) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  int done = 0;
  for (int attempt = 0;; attempt++) {
    bool transient = false;
    int rc = connect_writer(op);
    if (rc) {
      transient = true;
    } else if (as_held) {
      done = 0; /* a failed transaction wrote nothing */
      if (!strom__pg_exec(st->c, "BEGIN", c->t.table, st->err, sizeof st->err) ||
          !strom__pg_exec(st->c, "SET LOCAL application_name = 'strom-sink-held'", c->t.table, st->err, sizeof st->err))
        rc = STROM_EIO, transient = strom__pg_transient(st->c, NULL);
      if (!rc) rc = strom__jdbc_batch_write(b, &c->stmts, &st->w, st->c, &done, &transient, st->err, sizeof st->err);
      if (!rc && !strom__pg_exec(st->c, "COMMIT", c->t.table, st->err, sizeof st->err))
        rc = STROM_EIO, transient = strom__pg_transient(st->c, NULL);
      if (rc && PQstatus(st->c) == CONNECTION_OK) PQclear(PQexec(st->c, "ROLLBACK"));
    } else {
      rc = strom__jdbc_batch_write(b, &c->stmts, &st->w, st->c, &done, &transient, st->err, sizeof st->err);
    }
    if (!rc) return STROM_OK;
    if (!transient || attempt >= c->max_retries) return fail(op, rc == STROM_ENOMEM ? rc : STROM_EIO, st->err);
    strom__log(STROM_LOG_WARN, "%s (retry %d of %d)", st->err, attempt + 1, c->max_retries);
    strom__pg_backoff(attempt);
    if (st->c && PQstatus(st->c) != CONNECTION_OK) PQreset(st->c), st->w.conn_gen++;
  }
}

/* Exactly-once: rows wait in memory while a transaction waits for its commit. */
static bool hold_rows(const strom_op *op) {
  const sink_conf *c = op->conf;
  const sink_state *st = op->state;
  return c->exactly_once && (st->np > 0 || st->nh > 0);
}

static int flush(strom_op *op) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  if (!st->b.n) return STROM_OK;
  if (!c->exactly_once) {
    int rc = write_retrying(op, &st->b, false);
    if (!rc) strom__jdbc_batch_reset(&st->b);
    return rc;
  }
  if (!st->in_txn) {
    int rc = connect_writer(op);
    if (rc) return fail(op, rc, st->err);
    if (!strom__pg_exec(st->c, "BEGIN", c->t.table, st->err, sizeof st->err)) return fail(op, STROM_EIO, st->err);
    st->in_txn = true;
  }
  /* A failure inside the transaction loses it: the job restarts from its checkpoint. */
  int done = 0;
  bool transient = false;
  int rc = strom__jdbc_batch_write(&st->b, &c->stmts, &st->w, st->c, &done, &transient, st->err, sizeof st->err);
  if (rc) return fail(op, rc, st->err);
  strom__jdbc_batch_reset(&st->b);
  return STROM_OK;
}

/* ---- exactly-once: preparing, committing, resolving after a restore ---- */

static bool gid_prefix(const strom_op *op, char *buf, size_t cap, bool this_run) {
  const sink_conf *c = op->conf;
  int n = this_run ? snprintf(buf, cap, "strom:%s:%" PRIx64 ":", c->sink_id, op->task->job->run_id)
                   : snprintf(buf, cap, "strom:%s:", c->sink_id);
  return n > 0 && (size_t)n < cap;
}

static int prepare(strom_op *op, int64_t ckpt) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  if (!st->in_txn) return STROM_OK;
  char gid[200], prefix[160], sql[256];
  gid_prefix(op, prefix, sizeof prefix, true);
  snprintf(gid, sizeof gid, "%s%d:%" PRId64, prefix, op->ctx.subtask, ckpt);
  snprintf(sql, sizeof sql, "PREPARE TRANSACTION '%s'", gid);
  if (!strom__pg_exec(st->c, sql, c->t.table, st->err, sizeof st->err)) return fail(op, STROM_EIO, st->err);
  st->in_txn = false;
  if (st->np == st->pcap) {
    int cap = st->pcap ? st->pcap * 2 : 4;
    prepared *p = strom__realloc(st->p, (size_t)cap * sizeof *p);
    if (!p) return STROM_ENOMEM;
    st->p = p;
    st->pcap = cap;
  }
  if (!(st->p[st->np].gid = strom__strdup(gid))) return STROM_ENOMEM;
  st->p[st->np++].ckpt = ckpt;
  return STROM_OK;
}

/* A new, empty held batch for checkpoint ckpt at the end of the list, or NULL. */
static strom_jdbc_batch *new_held(sink_state *st, int64_t ckpt) {
  held *h = strom__realloc(st->h, (size_t)(st->nh + 1) * sizeof *h);
  if (!h) return NULL;
  st->h = h;
  st->h[st->nh] = (held){.ckpt = ckpt};
  return &st->h[st->nh++].b;
}

/* Moves the current batch into the held list for checkpoint ckpt. */
static int hold(sink_state *st, int64_t ckpt) {
  if (!st->b.n) return STROM_OK;
  strom_jdbc_batch *b = new_held(st, ckpt);
  if (!b) return STROM_ENOMEM;
  *b = st->b;
  memset(&st->b, 0, sizeof st->b);
  return STROM_OK;
}

/* Applies (and drops) the held batches of checkpoints up to ckpt, oldest first, once
 * no prepared transaction is left before them. */
static int apply_held(strom_op *op, int64_t ckpt) {
  sink_state *st = op->state;
  int k = 0, rc = STROM_OK;
  for (int i = 0; i < st->nh; i++) {
    if (!rc && st->np == 0 && st->h[i].ckpt <= ckpt) {
      rc = write_retrying(op, &st->h[i].b, true);
      strom__jdbc_batch_free(&st->h[i].b);
    } else {
      st->h[k++] = st->h[i];
    }
  }
  st->nh = k;
  return rc;
}

/* COMMIT PREPARED or ROLLBACK PREPARED gid; one already gone is fine (done before). */
static int finish_prepared(strom_op *op, const char *gid, bool commit) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  for (int attempt = 0;; attempt++) {
    PGconn *ctl = control(op);
    if (ctl) {
      char sql[256];
      snprintf(sql, sizeof sql, "%s PREPARED '%s'", commit ? "COMMIT" : "ROLLBACK", gid);
      PGresult *r = PQexec(ctl, sql);
      const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
      bool ok = r && (PQresultStatus(r) == PGRES_COMMAND_OK || (state && !strcmp(state, "42704")));
      bool transient = !ok && strom__pg_transient(ctl, r);
      if (!ok) strom__pg_error(st->err, sizeof st->err, c->t.table, ctl, r);
      PQclear(r);
      if (ok) return STROM_OK;
      if (!transient || attempt >= c->max_retries) return fail(op, STROM_EIO, st->err);
    } else if (attempt >= c->max_retries) {
      return fail(op, STROM_ENET, st->err);
    }
    strom__pg_backoff(attempt);
  }
}

/* Subtask 0, once per run: commits the prepared transactions of earlier runs that the
 * restored checkpoint lists (keep[0..nkeep)) and rolls back the others. */
static int resolve(strom_op *op, char *const *keep, int nkeep) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  st->resolved = true;
  if (op->ctx.subtask != 0) return STROM_OK;
  char all[160], mine[160];
  gid_prefix(op, all, sizeof all, false);
  gid_prefix(op, mine, sizeof mine, true);
  PGconn *ctl = control(op);
  if (!ctl) return fail(op, STROM_ENET, st->err);
  const char *params[1] = {all};
  PGresult *r = PQexecParams(ctl,
                             "SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND "
                             "left(gid, length($1)) = $1 ORDER BY prepared",
                             1, NULL, params, NULL, NULL, 0);
  if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
    strom__pg_error(st->err, sizeof st->err, c->t.table, ctl, r);
    PQclear(r);
    return fail(op, STROM_EIO, st->err);
  }
  int rc = STROM_OK, committed = 0, rolled = 0;
  for (int i = 0; !rc && i < PQntuples(r); i++) {
    const char *gid = PQgetvalue(r, i, 0);
    if (!strncmp(gid, mine, strlen(mine))) continue;
    bool commit = false;
    for (int k = 0; k < nkeep && !commit; k++) commit = !strcmp(keep[k], gid);
    rc = finish_prepared(op, gid, commit);
    commit ? committed++ : rolled++;
  }
  PQclear(r);
  if (committed || rolled)
    strom__log(STROM_LOG_INFO, "jdbc sink '%s': committed %d and rolled back %d prepared transactions of earlier runs",
               c->sink_id, committed, rolled);
  return rc;
}

/* ---- the operator ---- */

static int flush_timer(strom_op *op, int64_t now) {
  STROM_UNUSED(now);
  sink_state *st = op->state;
  st->timer_armed = false;
  return hold_rows(op) ? STROM_OK : flush(op);
}

static int sink_open(strom_op *op) {
  sink_conf *c = op->conf;
  sink_state *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  int rc = connect_writer(op);
  if (rc) return fail(op, rc, st->err);
  /* Checks the table and the columns now, with the server's words naming them. */
  strom_buf q = {0};
  rc = strom__buf_printf(&q, "SELECT ");
  if (!rc) rc = strom__pg_col_list(&q, c->schema, NULL);
  if (!rc) rc = strom__buf_printf(&q, " FROM %s WHERE false", c->t.table);
  if (!rc && !strom__pg_exec(st->c, q.p, c->t.table, st->err, sizeof st->err)) rc = fail(op, STROM_EINVAL, st->err);
  strom__buf_free(&q);
  /* Starting without a checkpoint of this sink: no restore will come, so leftovers of
   * earlier runs go now, before another subtask's writes could wait on their locks. */
  int nb = 0, old_par;
  if (!rc && c->exactly_once) {
    strom__restore_blocks(op->task->job, op->node, &nb, &old_par);
    if (!nb) rc = resolve(op, NULL, 0);
  }
  return rc;
}

static int sink_process(strom_op *op, int input, const strom_row *row) {
  STROM_UNUSED(input);
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  strom_row_kind k = strom_row_get_kind(row);
  if (!c->npk && k != STROM_INSERT)
    return strom__op_fail(op, STROM_EINVAL,
                          "table '%s': append mode (no primary key) takes only +I rows, got a %s row; declare the "
                          "primary key (sink.primary-key) for an updating stream",
                          c->t.table, strom_row_kind_str(k));
  if (k == STROM_UPDATE_BEFORE) return STROM_OK;
  int rc = strom__jdbc_batch_add(&st->b, &c->stmts, row, k == STROM_DELETE, st->err, sizeof st->err);
  if (rc) return fail(op, rc, st->err);
  if (c->max_rows > 0 && st->b.n >= c->max_rows && !hold_rows(op)) return flush(op);
  if (c->interval_ms > 0 && !st->timer_armed) {
    st->timer_armed = true;
    return strom__task_schedule(op->task, strom__job_now(op->task->job) + c->interval_ms, flush_timer, op);
  }
  return STROM_OK;
}

static int sink_snapshot(strom_op *op, int64_t ckpt, strom_snapshot *s) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  if (!c->exactly_once) return flush(op);
  int rc = STROM_OK;
  if (c->npk && hold_rows(op)) {
    strom__log(STROM_LOG_DEBUG, "jdbc sink '%s' (subtask %d): checkpoint %" PRId64 " comes before %s committed: holding %d rows",
               c->sink_id, op->ctx.subtask + 1, ckpt, st->np ? st->p[0].gid : "a held batch", st->b.n);
    rc = hold(st, ckpt);
  } else {
    rc = flush(op);
    if (!rc) rc = prepare(op, ckpt);
  }
  /* The snapshot: the prepared ids, then the held batches with their checkpoints. */
  strom_buf b = {0};
  if (!rc) rc = strom__put_varint(&b, SNAP_VERSION);
  if (!rc) rc = strom__put_varint(&b, (uint64_t)st->np);
  for (int i = 0; !rc && i < st->np; i++) rc = strom__put_bytes(&b, st->p[i].gid, strlen(st->p[i].gid));
  if (!rc) rc = strom__put_varint(&b, (uint64_t)st->nh);
  for (int i = 0; !rc && i < st->nh; i++) {
    rc = strom__put_i64(&b, st->h[i].ckpt);
    if (!rc) rc = strom__jdbc_batch_encode(&st->h[i].b, &c->stmts, &b);
  }
  if (!rc) rc = strom__snap_add(s, STROM_SNAP_USER, -1, b.p, b.len);
  strom__buf_free(&b);
  return rc;
}

static int sink_notify(strom_op *op, int64_t ckpt) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  if (!c->exactly_once) return STROM_OK;
  int k = 0, rc = STROM_OK;
  for (int i = 0; i < st->np; i++) {
    if (!rc && st->p[i].ckpt <= ckpt) {
      rc = finish_prepared(op, st->p[i].gid, true);
      free(st->p[i].gid);
    } else {
      st->p[k++] = st->p[i];
    }
  }
  st->np = k;
  if (!rc) rc = apply_held(op, ckpt);
  /* Rows held back while a transaction waited for its commit can go now. */
  if (!rc && !hold_rows(op) && c->max_rows > 0 && st->b.n >= c->max_rows) rc = flush(op);
  return rc;
}

/* Restoring at another parallelism: a held change belongs to the subtask that the
 * keyed shuffle now sends its key to (which sees that key's later rows). */
static bool owns_key(void *arg, const strom_row *row) {
  strom_op *op = arg;
  const sink_conf *c = op->conf;
  int max_par = op->task->job->opts.max_parallelism;
  int kg = strom__key_group(strom__key_hash(row, c->pk, c->npk), max_par);
  return strom__key_group_owner(kg, max_par, op->ctx.parallelism) == op->ctx.subtask;
}

static int sink_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  if (!c->exactly_once) return STROM_OK;
  char **keep = NULL;
  int nkeep = 0, rc = STROM_OK;
  for (int i = 0; !rc && i < r->n; i++) {
    if (r->b[i].kind != STROM_SNAP_USER) continue;
    const uint8_t *p = r->b[i].p, *end = p + r->b[i].len;
    uint64_t version, n;
    if (!strom__get_varint(&p, end, &version) || version != SNAP_VERSION || !strom__get_varint(&p, end, &n) ||
        n > r->b[i].len)
      rc = STROM_EPARSE;
    for (uint64_t g = 0; !rc && g < n; g++) {
      const uint8_t *gid;
      size_t len;
      char **k2 = strom__realloc(keep, (size_t)(nkeep + 1) * sizeof *keep);
      if (!k2) rc = STROM_ENOMEM;
      else if (keep = k2, !strom__get_bytes(&p, end, &gid, &len) || !len || len >= 200) rc = STROM_EPARSE;
      else if (!(keep[nkeep] = strom__strndup((const char *)gid, len))) rc = STROM_ENOMEM;
      else nkeep++;
    }
    if (!rc && (!strom__get_varint(&p, end, &n) || n > r->b[i].len)) rc = STROM_EPARSE;
    for (uint64_t h = 0; !rc && h < n; h++) {
      int64_t ckpt;
      strom_jdbc_batch *b;
      if (!strom__get_i64(&p, end, &ckpt) || !c->npk) rc = STROM_EPARSE; /* only upsert mode holds batches */
      else if (!(b = new_held(st, ckpt))) rc = STROM_ENOMEM;
      else rc = strom__jdbc_batch_decode(b, &c->stmts, &p, end, owns_key, op, st->err, sizeof st->err);
    }
    if (!rc && p != end) rc = STROM_EPARSE;
  }
  if (rc == STROM_EPARSE) rc = strom__op_fail(op, rc, "restoring %s: malformed snapshot", op->node->name);
  /* The prepared transactions the checkpoint lists commit first, then the batches held
   * after them (every subtask its own keys: a write waits for a row still locked by a
   * prepared transaction until subtask 0 commits it). */
  if (!rc && op->ctx.subtask == 0) rc = resolve(op, keep, nkeep);
  st->resolved = true;
  if (!rc) rc = apply_held(op, INT64_MAX);
  for (int i = 0; i < nkeep; i++) free(keep[i]);
  free(keep);
  return rc;
}

static int sink_finish(strom_op *op) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  if (!c->exactly_once) return flush(op);
  /* With checkpoints, the final checkpoint's barrier prepares the last rows and its
   * completion commits them; without, the end of the input commits. */
  if (strom__job_checkpointing(op->task->job)) return STROM_OK;
  int rc = flush(op);
  if (!rc && st->in_txn) {
    if (!strom__pg_exec(st->c, "COMMIT", c->t.table, st->err, sizeof st->err)) return fail(op, STROM_EIO, st->err);
    st->in_txn = false;
  }
  return rc;
}

static void sink_close(strom_op *op) {
  sink_state *st = op->state;
  if (!st) return;
  PQfinish(st->c); /* an open transaction is rolled back; prepared ones stay for the restore */
  PQfinish(st->ctl);
  for (int i = 0; i < st->np; i++) free(st->p[i].gid);
  free(st->p);
  for (int i = 0; i < st->nh; i++) strom__jdbc_batch_free(&st->h[i].b);
  free(st->h);
  strom__jdbc_batch_free(&st->b);
  strom__jdbc_writer_free(&st->w);
  free(st);
}

static void sink_conf_free(void *p) {
  sink_conf *c = p;
  strom__pg_target_free(&c->t);
  strom_schema_free(c->schema);
  free(c->pk);
  free(c->sink_id);
  free(c->insert_head);
  free(c->insert_tail);
  free(c->delete_head);
  free(c);
}

static const strom_op_vt sink_vt = {.kind = "JDBC Sink",
                                    .open = sink_open,
                                    .process = sink_process,
                                    .finish = sink_finish,
                                    .close = sink_close,
                                    .free_conf = sink_conf_free,
                                    .snapshot = sink_snapshot,
                                    .restore = sink_restore,
                                    .notify_complete = sink_notify};

static bool valid_sink_id(const char *s) {
  if (!*s || strlen(s) > 100) return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-') return false;
  return true;
}

/* The statements' fixed parts. */
static int build_sql(sink_conf *c, const strom_schema *s) {
  strom_buf b = {0};
  int rc = strom__buf_printf(&b, "INSERT INTO %s (", c->t.table);
  if (!rc) rc = strom__pg_col_list(&b, s, NULL);
  if (!rc) rc = strom__buf_printf(&b, ") VALUES ");
  if (rc || !(c->insert_head = strom__strndup(b.p, b.len))) goto oom;
  b.len = 0;
  if (c->npk) {
    rc = strom__buf_printf(&b, " ON CONFLICT (");
    for (int i = 0; !rc && i < c->npk; i++) rc = strom__buf_printf(&b, "%s%s", i ? ", " : "", strom_schema_col_name(s, c->pk[i]));
    int nset = 0;
    for (int i = 0; !rc && i < c->ncols; i++) {
      bool key = false;
      for (int k = 0; k < c->npk; k++) key |= c->pk[k] == i;
      if (key) continue;
      const char *n = strom_schema_col_name(s, i);
      rc = strom__buf_printf(&b, "%s%s = EXCLUDED.%s", nset++ ? ", " : ") DO UPDATE SET ", n, n);
    }
    if (!rc && !nset) rc = strom__buf_printf(&b, ") DO NOTHING");
  }
  if (rc || !(c->insert_tail = strom__strndup(b.p ? b.p : "", b.len))) goto oom;
  b.len = 0;
  rc = strom__buf_printf(&b, "DELETE FROM %s WHERE (", c->t.table);
  for (int i = 0; !rc && i < c->npk; i++) rc = strom__buf_printf(&b, "%s%s", i ? ", " : "", strom_schema_col_name(s, c->pk[i]));
  if (!rc) rc = strom__buf_printf(&b, ") IN (");
  if (rc || !(c->delete_head = strom__strndup(b.p, b.len))) goto oom;
  strom__buf_free(&b);
  return STROM_OK;
oom:
  strom__buf_free(&b);
  return STROM_ENOMEM;
}

int strom_jdbc_sink(strom_stream *in, const strom_jdbc_opts *o) {
  if (!in) return STROM_EINVAL;
  char err[512];
  sink_conf *c = strom__calloc(1, sizeof *c);
  if (!c) return STROM_ENOMEM;
  int rc = strom__pg_target_init(&c->t, o, err, sizeof err);
  const strom_schema *s = in->schema;
  c->schema = strom__schema_ref(s);
  c->ncols = strom_schema_ncols(s);
  if (!rc && o->primary_key && *o->primary_key && !(c->pk = strom__pg_cols(s, o->primary_key, &c->npk, err, sizeof err)))
    rc = STROM_EINVAL;
  if (!rc) {
    c->exactly_once = o->exactly_once;
    c->max_rows = o->flush_max_rows;
    c->interval_ms = o->flush_interval_ms;
    c->max_retries = o->max_retries < 0 ? 0 : o->max_retries;
    c->sink_id = strom__strdup(o->sink_id ? o->sink_id : o->table_name);
    if (!c->sink_id) rc = STROM_ENOMEM;
    else if (c->exactly_once && !valid_sink_id(c->sink_id)) {
      snprintf(err, sizeof err,
               "sink id '%s' (sink.xa.id, else the table name) must be 1-100 letters, digits, '_', '.' or '-'",
               c->sink_id);
      rc = STROM_EINVAL;
    } else if (c->ncols == 0 || c->ncols > MAX_PARAMS) {
      snprintf(err, sizeof err, "a sink needs 1 to %d columns", MAX_PARAMS);
      rc = STROM_EINVAL;
    } else if ((rc = build_sql(c, s))) {
      snprintf(err, sizeof err, "out of memory");
    }
  }
  c->stmts = (strom_jdbc_stmts){.table = c->t.table, .schema = c->schema, .ncols = c->ncols, .pk = c->pk, .npk = c->npk,
                                .max_rows = c->max_rows, .insert_head = c->insert_head, .insert_tail = c->insert_tail,
                                .delete_head = c->delete_head};
  if (rc) {
    sink_conf_free(c);
    strom__env_error(in->env, rc, "jdbc sink: %s", err);
    return rc;
  }
  /* Changes of one key must reach one subtask, in order (Flink's keyed shuffle before
   * an upsert sink); it also keeps two subtasks from locking the same rows. */
  int par = in->node->parallelism ? in->node->parallelism : in->env->opts.parallelism;
  if (c->npk && par > 1) {
    strom_keyed *k = strom_key_by(in, o->primary_key);
    if (!k) {
      sink_conf_free(c);
      return in->env->err_rc;
    }
    in = &k->s;
  }
  return strom__add_sink(in, "JDBC Sink", &sink_vt, c);
}
