/*
 * jdbc_sink.c -- the PostgreSQL sink (Flink's JDBC sink): append, upsert by primary
 * key, and exactly-once through PostgreSQL's two-phase commit.
 *
 * Rows are buffered as the text of their values and written as multi-row statements
 * when the buffer reaches its row limit, when its interval passes (a processing-time
 * callback), on a checkpoint's barrier and at the end of the input.  In upsert mode
 * the buffer keeps only the last change of each key (as Flink's reduced buffer), so a
 * batch is one INSERT ... ON CONFLICT (pk) DO UPDATE for the +I/+U rows and one DELETE
 * for the -D rows, on disjoint keys, whose order does not matter; -U rows are ignored
 * (the +U that follows carries the new value).  Append mode takes +I rows only.
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
 * connection, since the first may already hold the next transaction).  A prepared
 * transaction keeps its rows locked until committed, so while one is waiting for its
 * commit the sink holds new rows in memory instead of writing them into the next
 * transaction (a write could wait on those locks and the commit cannot run on a thread
 * that waits).  Restoring from checkpoint N, subtask 0 commits the prepared
 * transactions that N recorded and rolls back every other prepared transaction of this
 * sink from earlier runs (those of checkpoints after N); a fresh start rolls them all
 * back.  Errors inside the transaction fail the job: the restart resumes from the
 * last checkpoint and nothing is lost or written twice.
 */
#include <ctype.h>
#include <inttypes.h>

#include "../api/api.h"
#include "../runtime/snapshot.h"
#include "pg_conn.h"

/* PostgreSQL takes at most 65535 parameters per statement. */
enum { MAX_PARAMS = 65535, NO_VALUE = UINT32_MAX };

typedef struct sink_conf {
  strom_pg_target t;
  strom_schema *schema;
  int ncols;
  int *pk, npk; /* upsert mode when npk > 0 */
  bool exactly_once;
  int max_rows, max_retries;
  int64_t interval_ms;
  char *sink_id;
  char *insert_head; /* "INSERT INTO t (a, b) VALUES " */
  char *insert_tail; /* " ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b" or "" */
  char *delete_head; /* "DELETE FROM t WHERE (a) IN (" */
} sink_conf;

typedef struct change {
  uint32_t vals;  /* index of the first of ncols value offsets in vals */
  bool del;       /* -D: delete by key */
  uint64_t hash;  /* of the key (upsert) */
  uint32_t key, klen; /* key bytes in arena */
} change;

typedef struct prepared {
  int64_t ckpt;
  char *gid;
} prepared;

typedef struct sink_state {
  PGconn *c;   /* writes */
  PGconn *ctl; /* COMMIT PREPARED / ROLLBACK PREPARED (exactly-once) */
  /* Connections made or reset so far, and the one on which the full-batch upsert [0]
   * and delete [1] statements are prepared (0: none; a new connection prepares again). */
  uint64_t conn_gen, prepared_on[2];
  change *ch;
  int n, cap;
  uint32_t *vals; /* ncols offsets per change into arena (NO_VALUE: NULL) */
  size_t nvals, vals_cap;
  strom_buf arena;
  int *slots; /* upsert: open addressing, change index + 1 */
  int nslots;
  bool timer_armed, in_txn, resolved;
  prepared *p;
  int np, pcap;
  strom_buf sql;
  const char **params;
  size_t params_cap;
  uint8_t keybuf[256];
  char err[1024];
  uint64_t rows_written;
} sink_state;

static int fail(strom_op *op, int rc, const char *msg) {
  return strom__op_fail(op, rc, "%s", msg);
}

/* ---- connections ---- */

static int connect_writer(strom_op *op) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  if (st->c && PQstatus(st->c) == CONNECTION_OK) return STROM_OK;
  PQfinish(st->c);
  st->conn_gen++;
  st->c = strom__pg_connect(&c->t, "sink", st->err, sizeof st->err);
  if (!st->c) return STROM_ENET;
  /* A write that waits on rows another (prepared) transaction locked must not wait
   * forever: the job fails and resumes from its checkpoint instead. */
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

/* ---- the buffer ---- */

static int grow_slots(sink_state *st) {
  int n = st->nslots ? st->nslots * 2 : 256;
  int *s = strom__calloc((size_t)n, sizeof *s);
  if (!s) return STROM_ENOMEM;
  for (int i = 0; i < st->n; i++) {
    size_t j = st->ch[i].hash & (size_t)(n - 1);
    while (s[j]) j = (j + 1) & (size_t)(n - 1);
    s[j] = i + 1;
  }
  free(st->slots);
  st->slots = s;
  st->nslots = n;
  return STROM_OK;
}

static void reset_buffer(sink_state *st) {
  st->n = 0;
  st->nvals = 0;
  st->arena.len = 0;
  if (st->slots) memset(st->slots, 0, (size_t)st->nslots * sizeof *st->slots);
}

/* Appends the text of row's values to the arena; *first receives the index of its
 * ncols offsets. */
static int put_values(strom_op *op, const strom_row *row, uint32_t *first) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  if (st->nvals + (size_t)c->ncols > st->vals_cap) {
    size_t cap = st->vals_cap ? st->vals_cap * 2 : 1024;
    while (cap < st->nvals + (size_t)c->ncols) cap *= 2;
    uint32_t *v = strom__realloc(st->vals, cap * sizeof *v);
    if (!v) return STROM_ENOMEM;
    st->vals = v;
    st->vals_cap = cap;
  }
  *first = (uint32_t)st->nvals;
  for (int i = 0; i < c->ncols; i++) {
    if (strom_row_is_null(row, i)) {
      st->vals[st->nvals++] = NO_VALUE;
      continue;
    }
    if (strom_schema_col_type(strom_row_schema(row), i) == STROM_VARCHAR) {
      size_t n;
      const char *s = strom_row_get_str(row, i, &n);
      if (memchr(s, 0, n)) {
        snprintf(st->err, sizeof st->err, "table '%s', column %s: PostgreSQL text cannot hold a NUL byte", c->t.table,
                 strom_schema_col_name(strom_row_schema(row), i));
        return STROM_EINVAL;
      }
    }
    if (st->arena.len > UINT32_MAX / 2) return STROM_ENOMEM;
    st->vals[st->nvals++] = (uint32_t)st->arena.len;
    if (strom__format_value(&st->arena, row, i, false) || strom__buf_append(&st->arena, "", 1)) return STROM_ENOMEM;
  }
  return STROM_OK;
}

static int buffer_change(strom_op *op, const strom_row *row, bool del) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  int at = -1;
  uint64_t hash = 0;
  size_t klen = 0;
  if (c->npk) {
    klen = strom__key_bytes(row, c->pk, c->npk, st->keybuf, sizeof st->keybuf);
    if (klen > sizeof st->keybuf) {
      snprintf(st->err, sizeof st->err, "table '%s': primary key longer than %zu bytes", c->t.table, sizeof st->keybuf);
      return STROM_EINVAL;
    }
    hash = strom__hash_bytes(st->keybuf, klen);
    if ((st->n + 1) * 2 > st->nslots && grow_slots(st)) return STROM_ENOMEM;
    size_t j = hash & (size_t)(st->nslots - 1);
    for (; st->slots[j]; j = (j + 1) & (size_t)(st->nslots - 1)) {
      change *e = &st->ch[st->slots[j] - 1];
      if (e->hash == hash && e->klen == klen && !memcmp(st->arena.p + e->key, st->keybuf, klen)) {
        at = st->slots[j] - 1;
        break;
      }
    }
    if (at < 0) st->slots[j] = st->n + 1;
  }
  if (at < 0) {
    if (st->n == st->cap) {
      int cap = st->cap ? st->cap * 2 : 256;
      change *ch = strom__realloc(st->ch, (size_t)cap * sizeof *ch);
      if (!ch) return STROM_ENOMEM;
      st->ch = ch;
      st->cap = cap;
    }
    at = st->n++;
    st->ch[at] = (change){.hash = hash, .klen = (uint32_t)klen, .key = (uint32_t)st->arena.len};
    if (klen && strom__buf_append(&st->arena, st->keybuf, klen)) return STROM_ENOMEM;
  }
  st->ch[at].del = del;
  return put_values(op, row, &st->ch[at].vals);
}

/* ---- writing a batch ---- */

static int reserve_params(sink_state *st, size_t n) {
  if (n <= st->params_cap) return STROM_OK;
  const char **p = strom__realloc(st->params, n * sizeof *p);
  if (!p) return STROM_ENOMEM;
  st->params = p;
  st->params_cap = n;
  return STROM_OK;
}

/* The text of a statement for `rows` rows of kind del into st->sql (NUL-terminated). */
static int statement_text(const sink_conf *c, sink_state *st, bool del, int rows) {
  int per_row = del ? c->npk : c->ncols;
  st->sql.len = 0;
  int rc = strom__buf_printf(&st->sql, "%s", del ? c->delete_head : c->insert_head);
  size_t np = 0;
  for (int i = 0; !rc && i < rows; i++) {
    rc = strom__buf_append(&st->sql, i ? ",(" : "(", i ? 2 : 1);
    for (int k = 0; !rc && k < per_row; k++) rc = strom__buf_printf(&st->sql, "%s$%zu", k ? "," : "", ++np);
    if (!rc) rc = strom__buf_append(&st->sql, ")", 1);
  }
  if (!rc) rc = strom__buf_printf(&st->sql, "%s", del ? ")" : c->insert_tail);
  return rc ? rc : strom__buf_append(&st->sql, "", 1);
}

/* Runs one statement over changes [from, to) of kind del; *transient says whether a
 * retry may help.  Statements of the most common size (a full batch) are prepared once
 * per connection, which spares the server parsing and planning them every time. */
static int run_statement(strom_op *op, bool del, int from, int to, bool *transient) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  int per_row = del ? c->npk : c->ncols;
  size_t np = 0;
  int rows = 0;
  for (int i = from; i < to; i++) {
    change *e = &st->ch[i];
    if (e->del != del) continue;
    if (reserve_params(st, np + (size_t)per_row)) return STROM_ENOMEM;
    rows++;
    for (int k = 0; k < per_row; k++) {
      uint32_t off = st->vals[e->vals + (del ? (uint32_t)c->pk[k] : (uint32_t)k)];
      st->params[np++] = off == NO_VALUE ? NULL : st->arena.p + off;
    }
  }
  if (!rows) return STROM_OK;
  PGresult *r;
  const char *name = del ? "strom_delete" : "strom_upsert";
  if (rows == c->max_rows && st->prepared_on[del] != st->conn_gen) {
    int rc = statement_text(c, st, del, rows);
    if (rc) return rc;
    r = PQprepare(st->c, name, st->sql.p, (int)np, NULL);
    if (r && PQresultStatus(r) == PGRES_COMMAND_OK) st->prepared_on[del] = st->conn_gen;
    PQclear(r);
  }
  if (rows == c->max_rows && st->prepared_on[del] == st->conn_gen) {
    r = PQexecPrepared(st->c, name, (int)np, st->params, NULL, NULL, 0);
  } else {
    int rc = statement_text(c, st, del, rows);
    if (rc) return rc;
    r = PQexecParams(st->c, st->sql.p, (int)np, NULL, st->params, NULL, NULL, 0);
  }
  if (r && PQresultStatus(r) == PGRES_COMMAND_OK) {
    PQclear(r);
    return STROM_OK;
  }
  *transient = strom__pg_transient(st->c, r);
  strom__pg_error(st->err, sizeof st->err, c->t.table, st->c, r);
  PQclear(r);
  return STROM_EIO;
}

/* Writes changes [*done, n) in statements of at most MAX_PARAMS parameters; *done
 * advances past what was written, so a retry goes on where the failure happened. */
static int write_changes(strom_op *op, int *done, bool *transient) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  int step = MAX_PARAMS / c->ncols;
  for (; *done < st->n;) {
    int to = *done + step < st->n ? *done + step : st->n;
    int rc = run_statement(op, false, *done, to, transient);
    if (!rc && c->npk) rc = run_statement(op, true, *done, to, transient);
    if (rc) return rc;
    st->rows_written += (uint64_t)(to - *done);
    *done = to;
  }
  return STROM_OK;
}

/* Exactly-once: a transaction is open when pending rows are written into it. */
static bool hold_rows(const strom_op *op) {
  const sink_conf *c = op->conf;
  const sink_state *st = op->state;
  return c->exactly_once && st->np > 0;
}

static int flush(strom_op *op) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  if (!st->n) return STROM_OK;
  int done = 0, rc = STROM_OK;
  if (c->exactly_once) {
    bool transient = false;
    if (!st->in_txn) {
      if ((rc = connect_writer(op))) return fail(op, rc, st->err);
      if (!strom__pg_exec(st->c, "BEGIN", c->t.table, st->err, sizeof st->err)) return fail(op, STROM_EIO, st->err);
      st->in_txn = true;
    }
    /* A failure inside the transaction loses it: the job restarts from its checkpoint. */
    if ((rc = write_changes(op, &done, &transient))) return fail(op, rc, st->err);
    reset_buffer(st);
    return STROM_OK;
  }
  for (int attempt = 0;; attempt++) {
    bool transient = false;
    rc = connect_writer(op);
    if (rc) transient = true;
    else rc = write_changes(op, &done, &transient);
    if (!rc) break;
    if (!transient || attempt >= c->max_retries) return fail(op, rc == STROM_ENOMEM ? rc : STROM_EIO, st->err);
    strom__log(STROM_LOG_WARN, "%s (retry %d of %d)", st->err, attempt + 1, c->max_retries);
    strom__pg_backoff(attempt);
    if (st->c && PQstatus(st->c) != CONNECTION_OK) PQreset(st->c), st->conn_gen++;
  }
  reset_buffer(st);
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
  if (!st->resolved && c->exactly_once) {
    int rc = resolve(op, NULL, 0);
    if (rc) return rc;
  }
  strom_row_kind k = strom_row_get_kind(row);
  if (!c->npk && k != STROM_INSERT)
    return strom__op_fail(op, STROM_EINVAL,
                          "table '%s': append mode (no primary key) takes only +I rows, got a %s row; declare the "
                          "primary key (sink.primary-key) for an updating stream",
                          c->t.table, strom_row_kind_str(k));
  if (k == STROM_UPDATE_BEFORE) return STROM_OK;
  int rc = buffer_change(op, row, k == STROM_DELETE);
  if (rc) return fail(op, rc, rc == STROM_ENOMEM ? "out of memory" : st->err);
  if (c->max_rows > 0 && st->n >= c->max_rows && !hold_rows(op)) return flush(op);
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
  if (!st->resolved) {
    int rc = resolve(op, NULL, 0);
    if (rc) return rc;
  }
  if (st->np)
    strom__log(STROM_LOG_DEBUG, "jdbc sink '%s' (subtask %d): checkpoint %" PRId64 " starts before %s committed",
               c->sink_id, op->ctx.subtask + 1, ckpt, st->p[0].gid);
  int rc = flush(op);
  if (!rc) rc = prepare(op, ckpt);
  strom_buf b = {0};
  rc = rc ? rc : strom__put_varint(&b, 1); /* format version */
  for (int i = 0; !rc && i < st->np; i++) rc = strom__put_bytes(&b, st->p[i].gid, strlen(st->p[i].gid));
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
  /* Rows held back while the transaction waited for its commit can go now. */
  if (!rc && !hold_rows(op) && c->max_rows > 0 && st->n >= c->max_rows) rc = flush(op);
  return rc;
}

static int sink_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  sink_conf *c = op->conf;
  if (!c->exactly_once || op->ctx.subtask != 0) return STROM_OK;
  char **keep = NULL;
  int nkeep = 0, rc = STROM_OK;
  for (int i = 0; !rc && i < r->n; i++) {
    if (r->b[i].kind != STROM_SNAP_USER) continue;
    const uint8_t *p = r->b[i].p, *end = p + r->b[i].len;
    uint64_t version;
    if (!strom__get_varint(&p, end, &version) || version != 1) rc = STROM_EPARSE;
    while (!rc && p < end) {
      const uint8_t *g;
      size_t n;
      char **k2 = strom__realloc(keep, (size_t)(nkeep + 1) * sizeof *keep);
      if (!k2) rc = STROM_ENOMEM;
      else if (keep = k2, !strom__get_bytes(&p, end, &g, &n) || !n || n >= 200) rc = STROM_EPARSE;
      else if (!(keep[nkeep] = strom__strndup((const char *)g, n))) rc = STROM_ENOMEM;
      else nkeep++;
    }
  }
  if (rc == STROM_EPARSE) rc = strom__op_fail(op, rc, "restoring %s: malformed snapshot", op->node->name);
  if (!rc) rc = resolve(op, keep, nkeep);
  for (int i = 0; i < nkeep; i++) free(keep[i]);
  free(keep);
  return rc;
}

static int sink_finish(strom_op *op) {
  sink_conf *c = op->conf;
  sink_state *st = op->state;
  if (!c->exactly_once) return flush(op);
  if (!st->resolved) {
    int rc = resolve(op, NULL, 0);
    if (rc) return rc;
  }
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
  free(st->ch);
  free(st->vals);
  free(st->slots);
  free(st->params);
  strom__buf_free(&st->arena);
  strom__buf_free(&st->sql);
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
