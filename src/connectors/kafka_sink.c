/*
 * kafka_sink.c -- the Kafka sink: a librdkafka producer per subtask, with Flink's
 * three delivery guarantees.
 *
 * none: records are produced and never waited for (the end of a bounded input still
 * flushes).  at-least-once: the checkpoint barrier flushes the producer and fails the
 * checkpoint if any record was not acknowledged, so a completed checkpoint means every
 * record before it is in Kafka.  exactly-once: the subtask's producer has
 * transactional.id "<prefix>-<subtask>"; records go into the open transaction; the
 * barrier flushes it (pre-commit) and the checkpoint records its id; the transaction is
 * committed when the checkpoint completes.  A Kafka producer has one transaction at a
 * time, so records that arrive between the barrier and the completion wait in memory
 * and go into the next transaction once the previous one is committed.  On start,
 * init_transactions with the same id fences any earlier producer (a killed run) and
 * aborts the transaction it left open, so nothing hangs.
 *
 * A process that dies after a checkpoint completed but before its transaction was
 * committed would lose that transaction's records (the restored source resumes after
 * them), so the checkpoint also holds them: every record not yet known committed, in
 * groups by the checkpoint whose transaction they belong to (each record as it was
 * encoded, with the partition Kafka put it in).  Each transaction ends with a commit
 * marker (kafka_markers.c); on restore the sink reads the markers and re-produces, in
 * one new transaction ending with the old run's marker, only the groups whose
 * transaction did not commit -- so a second restore finds the marker and produces
 * nothing again.
 */
#include <time.h>
#include <unistd.h>

#include "../api/api.h"
#include "../runtime/snapshot.h"
#include "format.h"
#include "kafka_common.h"
#include "kafka_internal.h"

strom_kafka_txn_hook strom__kafka_txn_hook;

typedef struct ksink_conf {
  char *servers, *topic, *key_fields, *txn_prefix, *marker_topic;
  char **props;
  strom_kafka_sink_opts o;
  strom_kafka_meta *meta; /* writable metadata columns */
  int nmeta, ts_col, hdr_col; /* the timestamp and headers columns, or -1 */
  char *value_fields;     /* the columns the value format covers; NULL: all */
  bool upsert;            /* upsert-kafka: -D is a tombstone, -U is not written */
} ksink_conf;

typedef struct ksink_state {
  rd_kafka_t *rk;
  rd_kafka_topic_t *rkt;
  strom_format vfmt, kfmt;
  bool has_key, in_txn;
  strom_buf k, v;
  int32_t nparts, rr;
  uint64_t produced, failed;     /* delivery reports */
  char first_err[256];
  uint64_t txn_records;          /* in the open transaction */
  int64_t pending_ckpt;          /* pre-committed, awaiting completion; -1 none */
  uint64_t pending_records;
  strom_buf held;                /* records waiting for the next transaction (entries) */
  strom_buf txn;                 /* records of the open transaction (entries), for the checkpoint */
  strom_kafka_range *rng;        /* offsets the open transaction wrote, per partition */
  int nrng, caprng;
  char token[24];                /* this run of the sink: part of its marker keys */
  size_t held_mark;              /* held[0..held_mark) came before the barrier of held_ckpt */
  int64_t held_ckpt;             /* -1: no barrier passed while a transaction was pending */
  char txn_id[256];
} ksink_state;

static int hook(strom_op *op, const char *ev, int64_t ckpt, uint64_t n) {
  return strom__kafka_txn_hook ? strom__kafka_txn_hook(op->ctx.subtask, ev, ckpt, n) : 0;
}

/* An entry (in txn and held): [i64 partition, -1 = by the partitioner][varint flags:
 * 1 has key, 2 has headers, 4 null value][key][value][i64 timestamp][headers text, if flag 2].  The
 * partition is fixed-width so that the delivery report can fill it in place. */
static int put_entry(strom_buf *b, int64_t part, bool has_k, const void *k, size_t kn, const void *v, size_t vn,
                     int64_t ts, const char *h, size_t hn) {
  int rc = strom__put_i64(b, part);
  if (!rc) rc = strom__put_varint(b, (uint64_t)has_k | (h ? 2u : 0u) | (v ? 0u : 4u));
  if (!rc) rc = strom__put_bytes(b, kn ? k : "", kn);
  if (!rc) rc = strom__put_bytes(b, vn ? v : "", vn);
  if (!rc) rc = strom__put_i64(b, ts);
  if (!rc && h) rc = strom__put_bytes(b, hn ? h : "", hn);
  return rc;
}

static bool get_entry(const uint8_t **p, const uint8_t *end, int64_t *part, bool *has_k, const uint8_t **k, size_t *kn,
                      const uint8_t **v, size_t *vn, int64_t *ts, const uint8_t **h, size_t *hn) {
  uint64_t flags;
  if (!strom__get_i64(p, end, part) || !strom__get_varint(p, end, &flags) || !strom__get_bytes(p, end, k, kn) ||
      !strom__get_bytes(p, end, v, vn) || !strom__get_i64(p, end, ts))
    return false;
  *has_k = flags & 1;
  if (flags & 4) *v = NULL;
  *h = NULL, *hn = 0;
  return !(flags & 2) || strom__get_bytes(p, end, h, hn);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  STROM_UNUSED(rk);
  ksink_state *st = opaque;
  if (m->err) {
    if (!st->failed++) snprintf(st->first_err, sizeof st->first_err, "%s", rd_kafka_err2str(m->err));
    return;
  }
  /* Delivery reports are served by poll/flush on the task thread, so the open
   * transaction's entries can be updated here. */
  size_t off = (size_t)(uintptr_t)m->_private;
  if (!off--) return;
  int64_t part = m->partition;
  if (off + 8 <= st->txn.len) memcpy(st->txn.p + off, &part, 8);
  int i = 0;
  while (i < st->nrng && st->rng[i].part != m->partition) i++;
  if (i == st->nrng) {
    if (st->nrng == st->caprng) {
      int cap = st->caprng ? 2 * st->caprng : 8;
      strom_kafka_range *g = strom__realloc(st->rng, (size_t)cap * sizeof *g);
      if (!g) return; /* the marker then omits this partition's range: it is informative only */
      st->rng = g, st->caprng = cap;
    }
    st->rng[st->nrng++] = (strom_kafka_range){m->partition, m->offset, m->offset};
  }
  if (m->offset < st->rng[i].lo) st->rng[i].lo = m->offset;
  if (m->offset > st->rng[i].hi) st->rng[i].hi = m->offset;
}

static void conf_free(void *p) {
  ksink_conf *c = p;
  free(c->servers), free(c->topic), free(c->key_fields), free(c->txn_prefix), free(c->marker_topic);
  free(c->meta), free(c->value_fields);
  strom__kafka_props_free(c->props);
  free(c);
}

static int txn_fail(strom_op *op, const char *what, rd_kafka_error_t *e) {
  int rc = strom__op_fail(op, STROM_ENET, "Kafka transaction '%s': %s: %s", ((ksink_state *)op->state)->txn_id, what,
                          rd_kafka_error_string(e));
  rd_kafka_error_destroy(e);
  return rc;
}

static int begin(strom_op *op) {
  ksink_state *st = op->state;
  rd_kafka_error_t *e = rd_kafka_begin_transaction(st->rk);
  if (e) return txn_fail(op, "begin", e);
  st->in_txn = true;
  st->txn_records = 0;
  st->txn.len = 0;
  st->nrng = 0;
  hook(op, "begin", -1, 0);
  return STROM_OK;
}

static int ksink_open(strom_op *op) {
  ksink_conf *c = op->conf;
  ksink_state *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  st->pending_ckpt = st->held_ckpt = -1;
  char err[512];
  const strom_schema *s = strom__jg_input_schema(op->task->job->graph, op->node, 0);
  if (strom__format_init(&st->vfmt, &c->o.value_format, s, c->value_fields, err, sizeof err))
    return strom__op_fail(op, STROM_EINVAL, "value format: %s", err);
  if (c->o.key_format.kind != STROM_FORMAT_NONE) {
    if (strom__format_init(&st->kfmt, &c->o.key_format, s, c->key_fields, err, sizeof err))
      return strom__op_fail(op, STROM_EINVAL, "key format: %s", err);
    st->has_key = true;
  }
  bool eo = c->o.delivery == STROM_KAFKA_EXACTLY_ONCE;
  if (eo) {
    snprintf(st->txn_id, sizeof st->txn_id, "%s-%d", c->txn_prefix, op->ctx.subtask);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(st->token, sizeof st->token, "%llx",
             (unsigned long long)(ts.tv_sec * 1000000000LL + ts.tv_nsec) ^ ((unsigned long long)getpid() << 40) ^
                 (unsigned long long)(uintptr_t)st);
  }
  const char *own[] = {"partitioner", "murmur2_random",
                       "enable.idempotence", eo || c->o.delivery == STROM_KAFKA_AT_LEAST_ONCE ? "true" : "false",
                       eo ? "transactional.id" : NULL, st->txn_id, NULL};
  rd_kafka_conf_t *conf = strom__kafka_conf(c->servers, c->props, own, err, sizeof err);
  if (!conf) return strom__op_fail(op, STROM_EINVAL, "%s", err);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, st);
  if (!(st->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err))) {
    rd_kafka_conf_destroy(conf);
    return strom__op_fail(op, STROM_EINVAL, "cannot create a Kafka producer: %s", err);
  }
  if (!(st->rkt = rd_kafka_topic_new(st->rk, c->topic, NULL)))
    return strom__op_fail(op, STROM_EINVAL, "Kafka topic '%s': %s", c->topic, rd_kafka_err2str(rd_kafka_last_error()));
  if (c->o.partitioner != STROM_KAFKA_PART_DEFAULT) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(st->rk, 0, st->rkt, &md, 10000);
    if (e || md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt < 1) {
      int rc = strom__op_fail(op, STROM_ENET, "Kafka metadata of topic '%s': %s", c->topic,
                              rd_kafka_err2str(e ? e : md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
      if (md) rd_kafka_metadata_destroy(md);
      return rc;
    }
    st->nparts = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  if (eo) {
    /* Fences the producer of an earlier run with this id and aborts its open transaction. */
    rd_kafka_error_t *e = rd_kafka_init_transactions(st->rk, 60000);
    if (e) return txn_fail(op, "init", e);
    hook(op, "init", -1, 0);
    return begin(op);
  }
  return STROM_OK;
}

static void ksink_close(strom_op *op) {
  ksink_state *st = op->state;
  if (!st) return;
  if (st->rkt) rd_kafka_topic_destroy(st->rkt);
  if (st->rk) {
    /* An unfinished transaction is aborted by the next run's init_transactions; on a
     * clean stop, abort it now so that it does not wait for the timeout. */
    if (st->in_txn) {
      rd_kafka_error_t *e = rd_kafka_abort_transaction(st->rk, 10000);
      if (e) rd_kafka_error_destroy(e);
    }
    rd_kafka_flush(st->rk, 10000);
    rd_kafka_destroy(st->rk);
  }
  strom__format_free(&st->vfmt);
  if (st->has_key) strom__format_free(&st->kfmt);
  strom__buf_free(&st->k);
  strom__buf_free(&st->v);
  strom__buf_free(&st->held);
  strom__buf_free(&st->txn);
  free(st->rng);
  free(st);
}

/* Produces one record; part < 0: the partitioner chooses; h: the headers' text, or
 * NULL.  In a transaction the record is also kept (txn) until the transaction commits. */
static int produce(strom_op *op, int64_t part64, const char *k, size_t kn, bool has_k, const char *v, size_t vn,
                   int64_t ts, const char *h, size_t hn) {
  ksink_conf *c = op->conf;
  ksink_state *st = op->state;
  rd_kafka_headers_t *hdrs = NULL;
  if (h) {
    char err[256];
    if (strom__kafka_headers_parse(h, hn, &hdrs, err, sizeof err))
      return strom__op_fail(op, STROM_EPARSE, "Kafka topic '%s': the headers column: %s", c->topic, err);
  }
  int32_t part = part64 >= 0 ? (int32_t)part64 : RD_KAFKA_PARTITION_UA;
  if (part64 >= 0) {
  } else if (c->o.partitioner == STROM_KAFKA_PART_FIXED) part = op->ctx.subtask % st->nparts;
  else if (c->o.partitioner == STROM_KAFKA_PART_ROUND_ROBIN) part = st->rr++ % st->nparts, st->rr %= st->nparts;
  void *opaque = NULL;
  if (st->in_txn) {
    opaque = (void *)(uintptr_t)(st->txn.len + 1);
    if (put_entry(&st->txn, part, has_k, k, kn, v, vn, ts, h, hn)) {
      if (hdrs) rd_kafka_headers_destroy(hdrs);
      return STROM_ENOMEM;
    }
  }
  for (;;) {
    /* The headers belong to the message once producev accepts it. */
    rd_kafka_resp_err_t e = rd_kafka_producev(
        st->rk, RD_KAFKA_V_RKT(st->rkt), RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE((void *)v, vn), RD_KAFKA_V_KEY(has_k ? (void *)k : NULL, has_k ? kn : 0),
        RD_KAFKA_V_TIMESTAMP(ts == STROM_NO_TIMESTAMP ? 0 : ts), RD_KAFKA_V_OPAQUE(opaque),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (!e) break;
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (hdrs) rd_kafka_headers_destroy(hdrs);
      return strom__op_fail(op, STROM_ENET, "producing to Kafka topic '%s': %s", c->topic, rd_kafka_err2str(e));
    }
    /* The local queue is full: serve delivery reports until there is room (backpressure). */
    rd_kafka_poll(st->rk, 10);
    if (strom__task_cancelled(op->task)) {
      if (hdrs) rd_kafka_headers_destroy(hdrs);
      return STROM_ECANCELED;
    }
  }
  st->txn_records++;
  if ((++st->produced & 1023) == 0) rd_kafka_poll(st->rk, 0);
  if (st->failed)
    return strom__op_fail(op, STROM_ENET, "Kafka topic '%s': %llu record(s) not delivered: %s", c->topic,
                          (unsigned long long)st->failed, st->first_err);
  return STROM_OK;
}

static int ksink_process(strom_op *op, int input, const strom_row *row) {
  STROM_UNUSED(input);
  ksink_conf *c = op->conf;
  ksink_state *st = op->state;
  st->v.len = st->k.len = 0;
  strom_row_kind kind = strom_row_get_kind(row);
  if (c->upsert && kind == STROM_UPDATE_BEFORE) return STROM_OK; /* the +U that follows replaces the value */
  bool tombstone = c->upsert && kind == STROM_DELETE;
  int erc = tombstone ? STROM_OK : strom__format_encode(&st->vfmt, row, &st->v);
  if (!erc && st->has_key) erc = strom__format_encode(&st->kfmt, row, &st->k);
  if (erc == STROM_ENOMEM) return erc;
  if (erc) return strom__op_fail(op, erc, "Kafka sink: a row the format cannot encode (see the log)"); /* avro's NOT NULL */
  const char *v = tombstone ? NULL : st->v.p ? st->v.p : "";
  int64_t ts = row->time;
  const char *h = NULL;
  size_t hn = 0;
  if (STROM_UNLIKELY(c->nmeta)) {
    if (c->ts_col >= 0 && !strom_row_is_null(row, c->ts_col)) ts = strom_row_get_timestamp(row, c->ts_col);
    if (c->hdr_col >= 0 && !strom_row_is_null(row, c->hdr_col)) h = strom_row_get_str(row, c->hdr_col, &hn);
  }
  if (st->pending_ckpt >= 0) {
    /* The producer's transaction is pre-committed: hold the record for the next one. */
    return put_entry(&st->held, -1, st->has_key, st->k.p, st->k.len, v, st->v.len, ts, h, hn) ? STROM_ENOMEM : STROM_OK;
  }
  return produce(op, -1, st->k.p, st->k.len, st->has_key, v, st->v.len, ts, h, hn);
}

/* Waits until every produced record is acknowledged; an error names the first failure. */
static int flush_all(strom_op *op) {
  ksink_conf *c = op->conf;
  ksink_state *st = op->state;
  rd_kafka_resp_err_t e;
  while ((e = rd_kafka_flush(st->rk, 1000)) == RD_KAFKA_RESP_ERR__TIMED_OUT)
    if (strom__task_cancelled(op->task)) return STROM_ECANCELED;
  if (e) return strom__op_fail(op, STROM_ENET, "flushing to Kafka topic '%s': %s", c->topic, rd_kafka_err2str(e));
  if (st->failed)
    return strom__op_fail(op, STROM_ENET, "Kafka topic '%s': %llu record(s) not delivered: %s", c->topic,
                          (unsigned long long)st->failed, st->first_err);
  return STROM_OK;
}

/* The checkpoint's record of what is not known committed: [txn id][run token][varint
 * groups] then per group [i64 checkpoint][entries]. */
static int put_group(strom_buf *b, int64_t ckpt, const char *p, size_t n) {
  int rc = strom__put_i64(b, ckpt);
  return rc ? rc : strom__put_bytes(b, n ? p : "", n);
}

static int ksink_snapshot(strom_op *op, int64_t ckpt, strom_snapshot *s) {
  ksink_conf *c = op->conf;
  ksink_state *st = op->state;
  if (c->o.delivery == STROM_KAFKA_NONE) return STROM_OK;
  if (c->o.delivery == STROM_KAFKA_AT_LEAST_ONCE) return flush_all(op);
  strom_buf b = {0};
  int rc = strom__put_bytes(&b, st->txn_id, strlen(st->txn_id));
  if (!rc) rc = strom__put_bytes(&b, st->token, strlen(st->token));
  if (st->pending_ckpt >= 0) {
    /* The previous checkpoint has not completed yet: its transaction stays pending.
     * The records held so far belong to this checkpoint: mark where it ends, so that
     * its completion commits exactly them.  Both sets go into this checkpoint. */
    st->held_mark = st->held.len;
    st->held_ckpt = ckpt;
    hook(op, "hold", ckpt, 0);
    if (!rc) rc = strom__put_varint(&b, 2);
    if (!rc) rc = put_group(&b, st->pending_ckpt, st->txn.p, st->txn.len);
    if (!rc) rc = put_group(&b, ckpt, st->held.p, st->held_mark);
  } else {
    if (!rc) rc = flush_all(op);
    if (!rc) {
      st->pending_ckpt = ckpt;
      st->pending_records = st->txn_records;
      hook(op, "precommit", ckpt, st->txn_records);
      rc = strom__put_varint(&b, 1);
    }
    if (!rc) rc = put_group(&b, ckpt, st->txn.p, st->txn.len);
  }
  if (!rc) rc = strom__snap_add(s, STROM_SNAP_USER, -1, b.p, b.len);
  strom__buf_free(&b);
  return rc;
}

/* Produces the entries in [p, end) into the open transaction. */
static int replay(strom_op *op, const uint8_t *p, const uint8_t *end, uint64_t *count) {
  ksink_state *st = op->state;
  int rc = STROM_OK;
  while (!rc && p < end) {
    const uint8_t *k, *v, *h;
    size_t kn, vn, hn;
    int64_t part, ts;
    bool has_k;
    if (!get_entry(&p, end, &part, &has_k, &k, &kn, &v, &vn, &ts, &h, &hn))
      return strom__op_fail(op, STROM_EPARSE, "%s: malformed record list", op->node->name);
    rc = produce(op, part, (const char *)k, kn, has_k && st->has_key, (const char *)v, vn, ts, (const char *)h, hn);
    (*count)++;
  }
  return rc;
}

static int replay_held(strom_op *op, size_t from, size_t to, uint64_t *count) {
  ksink_state *st = op->state;
  return replay(op, (const uint8_t *)st->held.p + from, (const uint8_t *)st->held.p + to, count);
}

/* The commit marker of checkpoint ckpt (key: "<txn id>/<run token>") into the open
 * transaction, so that it commits or aborts with the records. */
static int produce_marker(strom_op *op, const char *key, int64_t ckpt, uint64_t records) {
  ksink_conf *c = op->conf;
  ksink_state *st = op->state;
  strom_buf v = {0};
  if (strom__kafka_marker_value(&v, ckpt, records, st->rng, st->nrng)) {
    strom__buf_free(&v);
    return STROM_ENOMEM;
  }
  rd_kafka_resp_err_t e;
  while ((e = rd_kafka_producev(st->rk, RD_KAFKA_V_TOPIC(c->marker_topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY((void *)key, strlen(key)), RD_KAFKA_V_VALUE(v.p, v.len),
                                RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
    rd_kafka_poll(st->rk, 10);
  strom__buf_free(&v);
  if (e)
    return strom__op_fail(op, STROM_ENET, "producing the commit marker to Kafka topic '%s': %s", c->marker_topic,
                          rd_kafka_err2str(e));
  return STROM_OK;
}

/* Commits the open transaction as checkpoint ckpt's (INT64_MAX: the end of a job
 * without checkpoints, which no restore can ask about: no marker). */
static int commit_as(strom_op *op, const char *marker_key, int64_t ckpt, uint64_t records) {
  ksink_state *st = op->state;
  int rc = flush_all(op);
  if (!rc && ckpt != INT64_MAX) rc = produce_marker(op, marker_key, ckpt, records);
  if (rc) return rc;
  rd_kafka_error_t *e = rd_kafka_commit_transaction(st->rk, 60000);
  if (e) return txn_fail(op, "commit", e);
  hook(op, "commit", ckpt, records);
  st->in_txn = false;
  st->txn.len = 0;
  st->nrng = 0;
  return STROM_OK;
}

static int commit(strom_op *op, int64_t ckpt, uint64_t records) {
  ksink_state *st = op->state;
  char key[300];
  snprintf(key, sizeof key, "%s/%s", st->txn_id, st->token);
  return commit_as(op, key, ckpt, records);
}

static int ksink_notify(strom_op *op, int64_t ckpt) {
  ksink_state *st = op->state;
  if (st->pending_ckpt < 0 || st->pending_ckpt > ckpt) return STROM_OK;
  if (hook(op, "complete", ckpt, 0)) return STROM_OK;
  int rc = commit(op, st->pending_ckpt, st->pending_records);
  st->pending_ckpt = -1;
  if (!rc) rc = begin(op);
  if (rc || !st->held.len) return rc;
  uint64_t n = 0;
  if (st->held_ckpt < 0) {
    /* No barrier passed while the records were held: they are the open transaction's. */
    rc = replay_held(op, 0, st->held.len, &n);
    st->held.len = 0;
    return rc;
  }
  /* held[0..mark) came before the barrier of held_ckpt: produce them, flush, and they
   * are that checkpoint's transaction: committed now if it is complete, else pending
   * (and what came after the mark stays held). */
  rc = replay_held(op, 0, st->held_mark, &n);
  if (!rc) rc = flush_all(op);
  if (rc) return rc;
  if (st->held_ckpt <= ckpt) {
    rc = commit(op, st->held_ckpt, n);
    if (!rc) rc = begin(op);
    uint64_t m = 0;
    if (!rc) rc = replay_held(op, st->held_mark, st->held.len, &m);
    st->held.len = 0;
  } else {
    st->pending_ckpt = st->held_ckpt;
    st->pending_records = n;
    hook(op, "precommit", st->held_ckpt, n);
    memmove(st->held.p, st->held.p + st->held_mark, st->held.len - st->held_mark);
    st->held.len -= st->held_mark;
  }
  st->held_ckpt = -1;
  st->held_mark = 0;
  return rc;
}

static int ksink_finish(strom_op *op) {
  ksink_conf *c = op->conf;
  ksink_state *st = op->state;
  if (c->o.delivery != STROM_KAFKA_EXACTLY_ONCE) return flush_all(op);
  /* With checkpoints the final checkpoint pre-commits and commits what is left; without,
   * the end of the input commits it. */
  if (strom__job_checkpointing(op->task->job)) return STROM_OK;
  int rc = flush_all(op);
  return rc ? rc : commit(op, INT64_MAX, st->txn_records);
}

/* init_transactions with another subtask's former id (after a rescale nobody else takes
 * it over): fences its producer and ends the transaction it left, so that neither it nor
 * its marker can still commit after we looked. */
static int fence_id(strom_op *op, const char *id) {
  ksink_conf *c = op->conf;
  char err[512];
  const char *own[] = {"transactional.id", id, NULL};
  rd_kafka_conf_t *conf = strom__kafka_conf(c->servers, c->props, own, err, sizeof err);
  if (!conf) return strom__op_fail(op, STROM_EINVAL, "%s", err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return strom__op_fail(op, STROM_EINVAL, "cannot create a Kafka producer: %s", err);
  }
  rd_kafka_error_t *e = rd_kafka_init_transactions(rk, 60000);
  int rc = e ? strom__op_fail(op, STROM_ENET, "fencing transactional id '%s': %s", id, rd_kafka_error_string(e)) : 0;
  if (e) rd_kafka_error_destroy(e);
  rd_kafka_destroy(rk);
  return rc;
}

typedef struct recovered {
  const uint8_t *p, *end; /* the groups */
  uint64_t ngroups;
  char *key;              /* "<txn id>/<token>" of the run that wrote them */
  bool own;               /* the txn id is this subtask's */
} recovered;

static int ksink_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  ksink_conf *c = op->conf;
  ksink_state *st = op->state;
  if (c->o.delivery != STROM_KAFKA_EXACTLY_ONCE) return STROM_OK;
  int me = op->ctx.subtask, par = op->ctx.parallelism, n = 0, rc = STROM_OK;
  recovered *rv = strom__calloc((size_t)r->n + 1, sizeof *rv);
  char **keys = strom__calloc((size_t)r->n + 1, sizeof *keys);
  int64_t *max = strom__calloc((size_t)r->n + 1, sizeof *max);
  if (!rv || !keys || !max) {
    rc = STROM_ENOMEM;
    goto out;
  }
  for (int i = 0; i < r->n; i++) {
    if (r->b[i].kind != STROM_SNAP_USER) continue;
    if (r->old_parallelism == par ? r->b[i].subtask != me : r->b[i].subtask % par != me) continue;
    const uint8_t *p = r->b[i].p, *end = p + r->b[i].len, *id, *tok;
    size_t idn, tokn;
    uint64_t ng;
    if (!strom__get_bytes(&p, end, &id, &idn) || !strom__get_bytes(&p, end, &tok, &tokn) || !strom__get_varint(&p, end, &ng)) {
      rc = strom__op_fail(op, STROM_EPARSE, "restoring %s: malformed snapshot", op->node->name);
      goto out;
    }
    recovered *x = &rv[n];
    x->p = p, x->end = end, x->ngroups = ng;
    x->own = idn == strlen(st->txn_id) && !memcmp(id, st->txn_id, idn);
    size_t kl = idn + tokn + 2;
    if (!(x->key = keys[n] = malloc(kl))) {
      rc = STROM_ENOMEM;
      goto out;
    }
    n++;
    snprintf(x->key, kl, "%.*s/%.*s", (int)idn, (const char *)id, (int)tokn, (const char *)tok);
    strom__log(STROM_LOG_INFO, "Kafka sink: transactional id '%.*s' fenced on restore", (int)idn, (const char *)id);
    hook(op, "fenced", -1, 0);
    /* open() fenced our own id; another subtask's former one is ours to fence. */
    if (!x->own) {
      char *idz = strom__strndup((const char *)id, idn);
      rc = idz ? fence_id(op, idz) : STROM_ENOMEM;
      free(idz);
      if (rc) goto out;
    }
  }
  if (!n) goto out;
  char err[512];
  if ((rc = strom__kafka_markers_max(c->servers, c->props, c->marker_topic, keys, n, max, 60000, err, sizeof err))) {
    rc = strom__op_fail(op, rc, "restoring %s: %s", op->node->name, err);
    goto out;
  }
  for (int i = 0; i < n && !rc; i++) {
    /* Every group after the last committed marker of its run is produced again, in one
     * transaction that ends with that run's marker for the newest of them. */
    uint64_t count = 0;
    int64_t newest = -1;
    const uint8_t *p = rv[i].p;
    for (uint64_t g = 0; g < rv[i].ngroups && !rc; g++) {
      int64_t ckpt;
      const uint8_t *e;
      size_t en;
      if (!strom__get_i64(&p, rv[i].end, &ckpt) || !strom__get_bytes(&p, rv[i].end, &e, &en)) {
        rc = strom__op_fail(op, STROM_EPARSE, "restoring %s: malformed snapshot", op->node->name);
        break;
      }
      if (ckpt <= max[i]) continue;
      rc = replay(op, e, e + en, &count);
      if (ckpt > newest) newest = ckpt;
    }
    if (rc) break;
    if (newest < 0) {
      hook(op, "already-committed", max[i], 0);
      continue;
    }
    strom__log(STROM_LOG_INFO, "Kafka sink: re-producing %llu record(s) of checkpoint %lld (%s), not committed before the crash",
               (unsigned long long)count, (long long)newest, rv[i].key);
    rc = commit_as(op, rv[i].key, newest, count);
    if (!rc) rc = begin(op);
    if (!rc) hook(op, "recovered", newest, count);
  }
out:
  for (int i = 0; i < n; i++) free(keys[i]);
  free(keys);
  free(rv);
  free(max);
  return rc;
}

static const strom_op_vt ksink_vt = {.kind = "Kafka Sink",
                                     .open = ksink_open,
                                     .process = ksink_process,
                                     .finish = ksink_finish,
                                     .close = ksink_close,
                                     .free_conf = conf_free,
                                     .snapshot = ksink_snapshot,
                                     .restore = ksink_restore,
                                     .notify_complete = ksink_notify};

int strom_kafka_sink(strom_stream *in, const strom_kafka_sink_opts *o) { return strom__kafka_sink_ex(in, o, NULL); }

int strom__kafka_sink_ex(strom_stream *in, const strom_kafka_sink_opts *o, const char *upsert_value_fields) {
  if (!in) return STROM_EINVAL;
  strom_env *env = in->env;
  const char *why = NULL;
  if (!o || !o->bootstrap_servers || !o->topic) why = "properties.bootstrap.servers and topic are required";
  else if (o->value_format.kind == STROM_FORMAT_NONE) why = "a value format ('format') is required";
  else if (o->key_format.kind != STROM_FORMAT_NONE && !o->key_fields) why = "key.format needs key.fields";
  else if (o->delivery == STROM_KAFKA_EXACTLY_ONCE && (!o->transactional_id_prefix || !*o->transactional_id_prefix))
    why = "exactly-once needs sink.transactional-id-prefix";
  if (why) {
    strom__env_error(env, STROM_EINVAL, "Kafka sink: %s", why);
    return STROM_EINVAL;
  }
  strom_format f;
  char err[512];
  strom_kafka_meta *meta;
  int nmeta;
  char *value_fields;
  int rc = strom__kafka_meta_parse(o->metadata_columns, in->schema, true, o->value_format.kind, &meta, &nmeta,
                                   &value_fields, err, sizeof err);
  if (rc) {
    strom__env_error(env, rc, "Kafka sink: %s", err);
    return rc;
  }
  if (upsert_value_fields) {
    free(value_fields);
    if (!(value_fields = strom__strdup(upsert_value_fields))) {
      free(meta);
      return STROM_ENOMEM;
    }
  }
  ksink_conf *c = strom__calloc(1, sizeof *c);
  if (!c) {
    free(meta);
    free(value_fields);
    return STROM_ENOMEM;
  }
  c->meta = meta, c->nmeta = nmeta, c->value_fields = value_fields, c->ts_col = c->hdr_col = -1;
  c->upsert = upsert_value_fields != NULL;
  for (int i = 0; i < nmeta; i++) {
    if (meta[i].key == STROM_KMETA_TIMESTAMP) c->ts_col = meta[i].col;
    if (meta[i].key == STROM_KMETA_HEADERS) c->hdr_col = meta[i].col;
  }
  if (strom__format_init(&f, &o->value_format, in->schema, value_fields, err, sizeof err)) {
    conf_free(c);
    strom__env_error(env, STROM_EINVAL, "Kafka sink: value format: %s", err);
    return STROM_EINVAL;
  }
  strom__format_free(&f);
  if (o->key_format.kind != STROM_FORMAT_NONE) {
    if (strom__format_init(&f, &o->key_format, in->schema, o->key_fields, err, sizeof err)) {
      conf_free(c);
      strom__env_error(env, STROM_EINVAL, "Kafka sink: key format: %s", err);
      return STROM_EINVAL;
    }
    strom__format_free(&f);
  }
  c->o = *o;
  c->servers = strom__strdup(o->bootstrap_servers);
  c->topic = strom__strdup(o->topic);
  c->key_fields = o->key_fields ? strom__strdup(o->key_fields) : NULL;
  c->txn_prefix = o->transactional_id_prefix ? strom__strdup(o->transactional_id_prefix) : NULL;
  c->marker_topic = strom__strdup(o->transaction_marker_topic ? o->transaction_marker_topic : "strom-txn-markers");
  c->props = o->properties ? strom__kafka_props_dup(o->properties) : NULL;
  if (!c->servers || !c->topic || !c->marker_topic || (o->key_fields && !c->key_fields) || (o->transactional_id_prefix && !c->txn_prefix) ||
      (o->properties && !c->props)) {
    conf_free(c);
    return STROM_ENOMEM;
  }
  if (!c->upsert) return strom__add_sink(in, "Kafka Sink", &ksink_vt, c);
  /* upsert: a key's rows all come from the subtask its key hashes to; the sink runs at
   * that parallelism, over a forward edge, as a rebalance would reorder them */
  strom_stream *s = strom__add_node(in->env, in, "Kafka Sink", &ksink_vt, c, NULL);
  if (!s) return in->env->err_rc;
  s->node->is_sink = true;
  s->node->parallelism = in->node->parallelism;
  return STROM_OK;
}
