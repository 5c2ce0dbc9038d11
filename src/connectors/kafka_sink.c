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
 */
#include <time.h>

#include "../api/api.h"
#include "../runtime/snapshot.h"
#include "format.h"
#include "kafka_common.h"
#include "kafka_internal.h"

strom_kafka_txn_hook strom__kafka_txn_hook;

typedef struct ksink_conf {
  char *servers, *topic, *key_fields, *txn_prefix;
  char **props;
  strom_kafka_sink_opts o;
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
  strom_buf held;                /* records waiting for the next transaction: [key][value][time] */
  size_t held_mark;              /* held[0..held_mark) came before the barrier of held_ckpt */
  int64_t held_ckpt;             /* -1: no barrier passed while a transaction was pending */
  char txn_id[256];
} ksink_state;

static void hook(strom_op *op, const char *ev, int64_t ckpt, uint64_t n) {
  if (strom__kafka_txn_hook) strom__kafka_txn_hook(op->ctx.subtask, ev, ckpt, n);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  STROM_UNUSED(rk);
  ksink_state *st = opaque;
  if (!m->err) return;
  if (!st->failed++) snprintf(st->first_err, sizeof st->first_err, "%s", rd_kafka_err2str(m->err));
}

static void conf_free(void *p) {
  ksink_conf *c = p;
  free(c->servers), free(c->topic), free(c->key_fields), free(c->txn_prefix);
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
  if (strom__format_init(&st->vfmt, &c->o.value_format, s, NULL, err, sizeof err))
    return strom__op_fail(op, STROM_EINVAL, "value format: %s", err);
  if (c->o.key_format.kind != STROM_FORMAT_NONE) {
    if (strom__format_init(&st->kfmt, &c->o.key_format, s, c->key_fields, err, sizeof err))
      return strom__op_fail(op, STROM_EINVAL, "key format: %s", err);
    st->has_key = true;
  }
  bool eo = c->o.delivery == STROM_KAFKA_EXACTLY_ONCE;
  if (eo) snprintf(st->txn_id, sizeof st->txn_id, "%s-%d", c->txn_prefix, op->ctx.subtask);
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
  free(st);
}

static int produce(strom_op *op, const char *k, size_t kn, bool has_k, const char *v, size_t vn, int64_t ts) {
  ksink_conf *c = op->conf;
  ksink_state *st = op->state;
  int32_t part = RD_KAFKA_PARTITION_UA;
  if (c->o.partitioner == STROM_KAFKA_PART_FIXED) part = op->ctx.subtask % st->nparts;
  else if (c->o.partitioner == STROM_KAFKA_PART_ROUND_ROBIN) part = st->rr++ % st->nparts, st->rr %= st->nparts;
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        st->rk, RD_KAFKA_V_RKT(st->rkt), RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE((void *)v, vn), RD_KAFKA_V_KEY(has_k ? (void *)k : NULL, has_k ? kn : 0),
        RD_KAFKA_V_TIMESTAMP(ts == STROM_NO_TIMESTAMP ? 0 : ts), RD_KAFKA_V_END);
    if (!e) break;
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
      return strom__op_fail(op, STROM_ENET, "producing to Kafka topic '%s': %s", c->topic, rd_kafka_err2str(e));
    /* The local queue is full: serve delivery reports until there is room (backpressure). */
    rd_kafka_poll(st->rk, 10);
    if (strom__task_cancelled(op->task)) return STROM_ECANCELED;
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
  ksink_state *st = op->state;
  st->v.len = st->k.len = 0;
  if (strom__format_encode(&st->vfmt, row, &st->v) || (st->has_key && strom__format_encode(&st->kfmt, row, &st->k)))
    return STROM_ENOMEM;
  if (st->pending_ckpt >= 0) {
    /* The producer's transaction is pre-committed: hold the record for the next one. */
    if (strom__put_bytes(&st->held, st->k.p ? st->k.p : "", st->k.len) || strom__put_bytes(&st->held, st->v.p ? st->v.p : "", st->v.len) ||
        strom__put_i64(&st->held, row->time))
      return STROM_ENOMEM;
    return STROM_OK;
  }
  return produce(op, st->k.p, st->k.len, st->has_key, st->v.p ? st->v.p : "", st->v.len, row->time);
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

static int ksink_snapshot(strom_op *op, int64_t ckpt, strom_snapshot *s) {
  ksink_conf *c = op->conf;
  ksink_state *st = op->state;
  if (c->o.delivery == STROM_KAFKA_NONE) return STROM_OK;
  if (c->o.delivery == STROM_KAFKA_AT_LEAST_ONCE) return flush_all(op);
  if (st->pending_ckpt >= 0) {
    /* The previous checkpoint has not completed yet: its transaction stays pending.
     * The records held so far belong to this checkpoint: mark where it ends, so that
     * its completion commits exactly them. */
    st->held_mark = st->held.len;
    st->held_ckpt = ckpt;
    return STROM_OK;
  }
  int rc = flush_all(op);
  if (rc) return rc;
  st->pending_ckpt = ckpt;
  st->pending_records = st->txn_records;
  hook(op, "precommit", ckpt, st->txn_records);
  strom_buf b = {0};
  rc = strom__put_bytes(&b, st->txn_id, strlen(st->txn_id));
  if (!rc) rc = strom__put_i64(&b, ckpt);
  if (!rc) rc = strom__snap_add(s, STROM_SNAP_USER, -1, b.p, b.len);
  strom__buf_free(&b);
  return rc;
}

/* Produces held[from..to) into the open transaction. */
static int replay_held(strom_op *op, size_t from, size_t to, uint64_t *count) {
  ksink_state *st = op->state;
  const uint8_t *p = (const uint8_t *)st->held.p + from, *end = (const uint8_t *)st->held.p + to;
  int rc = STROM_OK;
  while (!rc && p < end) {
    const uint8_t *k, *v;
    size_t kn, vn;
    int64_t ts;
    if (!strom__get_bytes(&p, end, &k, &kn) || !strom__get_bytes(&p, end, &v, &vn) || !strom__get_i64(&p, end, &ts))
      return STROM_EPARSE;
    rc = produce(op, (const char *)k, kn, st->has_key, (const char *)v, vn, ts);
    (*count)++;
  }
  return rc;
}

static int commit(strom_op *op, int64_t ckpt, uint64_t records) {
  ksink_state *st = op->state;
  rd_kafka_error_t *e = rd_kafka_commit_transaction(st->rk, 60000);
  if (e) return txn_fail(op, "commit", e);
  hook(op, "commit", ckpt, records);
  st->in_txn = false;
  return STROM_OK;
}

static int ksink_notify(strom_op *op, int64_t ckpt) {
  ksink_state *st = op->state;
  if (st->pending_ckpt < 0 || st->pending_ckpt > ckpt) return STROM_OK;
  hook(op, "complete", ckpt, 0);
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

static int ksink_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  /* open() already fenced the earlier producer: say which transaction that aborted. */
  for (int i = 0; i < r->n; i++) {
    if (r->b[i].kind != STROM_SNAP_USER || r->b[i].subtask != op->ctx.subtask) continue;
    const uint8_t *p = r->b[i].p, *end = p + r->b[i].len, *id;
    size_t n;
    int64_t ckpt;
    if (!strom__get_bytes(&p, end, &id, &n) || !strom__get_i64(&p, end, &ckpt))
      return strom__op_fail(op, STROM_EPARSE, "restoring %s: malformed snapshot", op->node->name);
    strom__log(STROM_LOG_INFO, "Kafka sink: transactional id '%.*s' fenced on restore (checkpoint %lld)", (int)n,
               (const char *)id, (long long)ckpt);
    hook(op, "fenced", ckpt, 0);
  }
  return STROM_OK;
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

int strom_kafka_sink(strom_stream *in, const strom_kafka_sink_opts *o) {
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
  if (strom__format_init(&f, &o->value_format, in->schema, NULL, err, sizeof err)) {
    strom__env_error(env, STROM_EINVAL, "Kafka sink: value format: %s", err);
    return STROM_EINVAL;
  }
  strom__format_free(&f);
  if (o->key_format.kind != STROM_FORMAT_NONE) {
    if (strom__format_init(&f, &o->key_format, in->schema, o->key_fields, err, sizeof err)) {
      strom__env_error(env, STROM_EINVAL, "Kafka sink: key format: %s", err);
      return STROM_EINVAL;
    }
    strom__format_free(&f);
  }
  ksink_conf *c = strom__calloc(1, sizeof *c);
  if (!c) return STROM_ENOMEM;
  c->o = *o;
  c->servers = strom__strdup(o->bootstrap_servers);
  c->topic = strom__strdup(o->topic);
  c->key_fields = o->key_fields ? strom__strdup(o->key_fields) : NULL;
  c->txn_prefix = o->transactional_id_prefix ? strom__strdup(o->transactional_id_prefix) : NULL;
  c->props = o->properties ? strom__kafka_props_dup(o->properties) : NULL;
  if (!c->servers || !c->topic || (o->key_fields && !c->key_fields) || (o->transactional_id_prefix && !c->txn_prefix) ||
      (o->properties && !c->props)) {
    conf_free(c);
    return STROM_ENOMEM;
  }
  return strom__add_sink(in, "Kafka Sink", &ksink_vt, c);
}
