/*
 * kafka_source.c -- the Kafka source: a librdkafka consumer per subtask that is
 * assigned its partitions directly (no group rebalancing), so that which subtask reads
 * a partition is a pure function of topic, partition and parallelism
 * (strom__kafka_owner) and a checkpoint can say exactly where each partition stands.
 *
 * Position: per partition, the offset of the next record to read.  It is resolved to a
 * concrete offset when the job starts (earliest, latest, group, timestamp or specific
 * offsets), advanced before each record is emitted, and written into every checkpoint
 * as one block per subtask; a restoring subtask reads every subtask's block and keeps
 * the partitions it now owns, so a job can resume at another parallelism.  When a
 * checkpoint completes, its offsets are committed to the consumer group (for
 * monitoring and group-offsets restarts; the checkpoint, not the group, is the truth).
 *
 * Bounded mode (scan.bounded.mode = latest-offset) stops each partition at the end
 * offset seen at start; partition-EOF events catch ends that no record reaches
 * (transaction markers, compaction).
 *
 * Partition discovery (scan.topic-partition-discovery.interval): a timer on the task
 * thread asks for the cluster's metadata; partitions of the subscribed topics (or of
 * new topics matching the pattern) that this subtask owns and does not read yet are
 * added from their earliest offset (or their restored position) and the consumer is
 * assigned its whole list again at the current positions.  They are then in every
 * checkpoint like the others.  Bounded reads do not discover.
 *
 * Watermarks (opts.watermarks): one consumer reads several partitions whose records
 * interleave in whatever order the fetches return, so a watermark over the subtask's
 * records would let a partition that is ahead make the others' records late.  Each
 * partition keeps its own highest timestamp and watermark instead, and the subtask
 * emits the minimum over the partitions that are not idle (Flink's per-split
 * watermarks); a partition that sees no record for the idle timeout stops counting
 * until its next record.
 */
#include <regex.h>
#include <time.h>

#include "../api/api.h"
#include "../runtime/snapshot.h"
#include "format.h"
#include "kafka_common.h"

typedef struct ksrc_conf {
  char *servers, *topics, *pattern, *group, *specific, *key_fields, *ts_col;
  char **props;
  strom_kafka_source_opts o; /* the scalar options; string fields are the copies above */
  regex_t re;
  bool has_re, own_group;
  int ts_idx;
  bool has_ws;
  strom_watermark_strategy ws; /* timestamp_column points at wm_col_name */
  char *wm_col_name;
  int wm_col; /* the strategy's timestamp column, or -1 */
  strom_kafka_meta *meta; /* metadata columns */
  int nmeta;
  char *value_fields; /* the columns the value format covers; NULL: all */
  bool upsert;        /* upsert-kafka: a tombstone is a -D row of its key */
} ksrc_conf;

typedef struct kpart {
  char *topic;
  int32_t part;
  int64_t next; /* offset of the next record to read */
  int64_t stop; /* bounded: the end offset at start; else INT64_MAX */
  int64_t skip_before_ts; /* timestamp mode without broker support: drop older records */
  bool done;
  /* Watermarks: the highest timestamp and the partition's watermark; records counts
   * what arrived, records_seen what the last idleness check saw. */
  int64_t max_ts, wm, last_active_ms;
  uint64_t records, records_seen;
  bool idle;
} kpart;

typedef struct kpending {
  int64_t ckpt;
  rd_kafka_topic_partition_list_t *offs;
} kpending;

typedef struct ksrc_state {
  rd_kafka_t *rk;
  strom_format vfmt, kfmt;
  bool has_key;
  kpart *p;
  int np, last;
  kpart *rp; /* restored positions of every former subtask */
  int nrp;
  bool restored;
  bool started; /* discover() ran: p is the position, even when empty */
  kpending *pend;
  int npend;
  uint64_t skipped;
  strom_row *row2; /* the +U of a changelog update (debezium-json); more rows: vfmt's */
  strom_buf hdr;   /* a record's headers as text */
  int64_t emitted; /* the subtask's last watermark */
  bool out_idle;   /* the subtask's output is marked idle */
} ksrc_state;

static void conf_free(void *p) {
  ksrc_conf *c = p;
  free(c->servers), free(c->topics), free(c->pattern), free(c->group), free(c->specific), free(c->key_fields);
  free(c->ts_col);
  free(c->wm_col_name);
  free(c->meta);
  free(c->value_fields);
  strom__kafka_props_free(c->props);
  if (c->has_re) regfree(&c->re);
  free(c);
}

static void parts_free(kpart *p, int n) {
  for (int i = 0; i < n; i++) free(p[i].topic);
  free(p);
}

static int add_part(kpart **p, int *n, const char *topic, int32_t part, int64_t next) {
  kpart *q = strom__realloc(*p, (size_t)(*n + 1) * sizeof *q);
  if (!q) return STROM_ENOMEM;
  *p = q;
  q[*n] = (kpart){.topic = strom__strdup(topic), .part = part, .next = next, .stop = INT64_MAX,
                  .skip_before_ts = INT64_MIN, .max_ts = INT64_MIN, .wm = INT64_MIN, .last_active_ms = INT64_MIN};
  if (!q[*n].topic) return STROM_ENOMEM;
  (*n)++;
  return STROM_OK;
}

static int ksrc_open(strom_op *op) {
  ksrc_conf *c = op->conf;
  ksrc_state *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  char err[512];
  const strom_schema *s = op->node->schema;
  if (strom__format_init(&st->vfmt, &c->o.value_format, s, c->value_fields, err, sizeof err))
    return strom__op_fail(op, STROM_EINVAL, "value format: %s", err);
  if (c->o.key_format.kind != STROM_FORMAT_NONE) {
    if (strom__format_init(&st->kfmt, &c->o.key_format, s, c->key_fields, err, sizeof err))
      return strom__op_fail(op, STROM_EINVAL, "key format: %s", err);
    st->has_key = true;
  }
  if (!(st->row2 = strom_row_new(s))) return STROM_ENOMEM;
  st->emitted = INT64_MIN;
  if (c->has_ws) op->ctx.data = c->ws.data; /* what the strategy's functions read */
  char group[96];
  snprintf(group, sizeof group, "strom-%llx", (unsigned long long)op->task->job->run_id);
  const char *own[] = {"group.id", c->group ? c->group : group,
                       "enable.auto.commit", "false",
                       "enable.auto.offset.store", "false",
                       "enable.partition.eof", c->o.bounded_latest ? "true" : "false",
                       NULL};
  rd_kafka_conf_t *conf = strom__kafka_conf(c->servers, c->props, own, err, sizeof err);
  if (!conf) return strom__op_fail(op, STROM_EINVAL, "%s", err);
  if (!(st->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err))) {
    rd_kafka_conf_destroy(conf);
    return strom__op_fail(op, STROM_EINVAL, "cannot create a Kafka consumer: %s", err);
  }
  rd_kafka_poll_set_consumer(st->rk);
  return STROM_OK;
}

static void ksrc_close(strom_op *op) {
  ksrc_state *st = op->state;
  if (!st) return;
  if (st->rk) {
    rd_kafka_consumer_close(st->rk);
    rd_kafka_destroy(st->rk);
  }
  strom__format_free(&st->vfmt);
  if (st->has_key) strom__format_free(&st->kfmt);
  if (st->row2) strom_row_free(st->row2);
  strom__buf_free(&st->hdr);
  parts_free(st->p, st->np);
  parts_free(st->rp, st->nrp);
  for (int i = 0; i < st->npend; i++) rd_kafka_topic_partition_list_destroy(st->pend[i].offs);
  free(st->pend);
  free(st);
}

static bool wants_topic(const ksrc_conf *c, const char *name) {
  if (c->has_re) return regexec(&c->re, name, 0, NULL, 0) == 0;
  for (const char *p = c->topics; *p;) {
    while (*p == ';' || *p == ',' || *p == ' ') p++;
    const char *b = p;
    while (*p && *p != ';' && *p != ',') p++;
    size_t n = (size_t)(p - b);
    while (n && b[n - 1] == ' ') n--;
    if (n && strlen(name) == n && !memcmp(name, b, n)) return true;
  }
  return false;
}

/* The specific offset given for partition part, or -1. */
static int64_t specific_offset(const ksrc_conf *c, int32_t part) {
  for (const char *p = c->specific; p && *p;) {
    long long pp, off;
    int used = 0;
    if (sscanf(p, " partition:%lld,offset:%lld%n", &pp, &off, &used) == 2 && pp == part) return off;
    p = strchr(p, ';');
    if (!p) break;
    p++;
  }
  return -1;
}

/* Finds this subtask's partitions and where each starts. */
static int discover(strom_op *op) {
  ksrc_conf *c = op->conf;
  ksrc_state *st = op->state;
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t e = rd_kafka_metadata(st->rk, 1, NULL, &md, 10000);
  if (e) return strom__op_fail(op, STROM_ENET, "Kafka metadata from %s: %s", c->servers, rd_kafka_err2str(e));
  int rc = STROM_OK;
  for (int t = 0; !rc && t < md->topic_cnt; t++) {
    const rd_kafka_metadata_topic_t *mt = &md->topics[t];
    if (mt->err || !wants_topic(c, mt->topic)) continue;
    for (int k = 0; !rc && k < mt->partition_cnt; k++) {
      int32_t part = mt->partitions[k].id;
      if (strom__kafka_owner(mt->topic, part, op->ctx.parallelism) == op->ctx.subtask)
        rc = add_part(&st->p, &st->np, mt->topic, part, -1);
    }
  }
  /* Named topics must exist: reading nothing from a misspelt topic forever helps nobody. */
  for (const char *p = c->has_re ? "" : c->topics; !rc && *p;) {
    while (*p == ';' || *p == ',' || *p == ' ') p++;
    const char *b = p;
    while (*p && *p != ';' && *p != ',') p++;
    size_t n = (size_t)(p - b);
    while (n && b[n - 1] == ' ') n--;
    if (!n) continue;
    bool found = false;
    for (int t = 0; t < md->topic_cnt; t++)
      found |= !md->topics[t].err && strlen(md->topics[t].topic) == n && !memcmp(md->topics[t].topic, b, n);
    if (!found) rc = strom__op_fail(op, STROM_EINVAL, "Kafka topic '%.*s' does not exist at %s", (int)n, b, c->servers);
  }
  rd_kafka_metadata_destroy(md);
  if (rc || !st->np) return rc;

  /* Concrete start offsets. */
  rd_kafka_topic_partition_list_t *ask = rd_kafka_topic_partition_list_new(st->np);
  for (int i = 0; i < st->np; i++) {
    kpart *kp = &st->p[i];
    int64_t lo, hi;
    e = rd_kafka_query_watermark_offsets(st->rk, kp->topic, kp->part, &lo, &hi, 10000);
    if (e) {
      rc = strom__op_fail(op, STROM_ENET, "Kafka offsets of %s/%d: %s", kp->topic, kp->part, rd_kafka_err2str(e));
      break;
    }
    if (c->o.bounded_latest) kp->stop = hi, kp->done = hi <= lo;
    if (st->restored) {
      kp->next = lo; /* a partition the checkpoint did not know: from its start, as Flink */
      for (int r = 0; r < st->nrp; r++)
        if (st->rp[r].part == kp->part && !strcmp(st->rp[r].topic, kp->topic)) kp->next = st->rp[r].next;
    } else {
      switch (c->o.startup_mode) {
        case STROM_KAFKA_EARLIEST: kp->next = lo; break;
        case STROM_KAFKA_LATEST: kp->next = hi; break;
        case STROM_KAFKA_SPECIFIC_OFFSETS: kp->next = specific_offset(c, kp->part); break;
        case STROM_KAFKA_TIMESTAMP:
          rd_kafka_topic_partition_list_add(ask, kp->topic, kp->part)->offset = c->o.startup_timestamp_ms;
          kp->next = -1;
          break;
        default: kp->next = -1; break;
      }
      if (kp->next < 0 && c->o.startup_mode != STROM_KAFKA_TIMESTAMP) {
        /* group-offsets (also specific-offsets' fallback): the committed offset, else
         * auto.offset.reset. */
        rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(one, kp->topic, kp->part);
        e = rd_kafka_committed(st->rk, one, 10000);
        int64_t off = e ? -1 : one->elems[0].offset;
        rd_kafka_topic_partition_list_destroy(one);
        if (e) {
          rc = strom__op_fail(op, STROM_ENET, "Kafka committed offset of %s/%d: %s", kp->topic, kp->part,
                              rd_kafka_err2str(e));
          break;
        }
        const char *reset = strom__kafka_prop(c->props, "auto.offset.reset");
        kp->next = off >= 0 ? off : reset && (!strcmp(reset, "latest") || !strcmp(reset, "largest")) ? hi : lo;
      }
    }
    /* Retention may have removed what the position points at (-1: timestamp, below). */
    if (kp->next < lo && !(kp->next == -1 && c->o.startup_mode == STROM_KAFKA_TIMESTAMP && !st->restored)) kp->next = lo;
  }
  if (!rc && ask->cnt) {
    e = rd_kafka_offsets_for_times(st->rk, ask, 10000);
    for (int i = 0; !rc && i < st->np; i++) {
      kpart *kp = &st->p[i];
      if (kp->next >= 0) continue;
      rd_kafka_topic_partition_t *a = rd_kafka_topic_partition_list_find(ask, kp->topic, kp->part);
      if (!e && a && !a->err && a->offset >= 0) {
        kp->next = a->offset;
      } else {
        /* No broker answer (the mock cluster does not look up timestamps): read from the
         * start and drop records older than the timestamp. */
        int64_t lo, hi;
        rd_kafka_query_watermark_offsets(st->rk, kp->topic, kp->part, &lo, &hi, 10000);
        kp->next = lo;
        kp->skip_before_ts = c->o.startup_timestamp_ms;
      }
    }
  }
  rd_kafka_topic_partition_list_destroy(ask);
  return rc;
}

static int assign(strom_op *op);
static kpart *find_part(ksrc_state *st, const char *topic, int32_t part);

/* Discovery: adds the partitions this subtask owns that appeared since the last look. */
static int discover_new(strom_op *op, int64_t now) {
  ksrc_conf *c = op->conf;
  ksrc_state *st = op->state;
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t e = rd_kafka_metadata(st->rk, 1, NULL, &md, 5000);
  int rc = STROM_OK, added = 0;
  if (e) {
    /* A missed look is retried at the next interval; the partitions read go on. */
    strom__log(STROM_LOG_WARN, "Kafka partition discovery at %s: %s", c->servers, rd_kafka_err2str(e));
  }
  for (int t = 0; !e && !rc && t < md->topic_cnt; t++) {
    const rd_kafka_metadata_topic_t *mt = &md->topics[t];
    if (mt->err || !wants_topic(c, mt->topic)) continue;
    for (int k = 0; !rc && k < mt->partition_cnt; k++) {
      int32_t part = mt->partitions[k].id;
      if (strom__kafka_owner(mt->topic, part, op->ctx.parallelism) != op->ctx.subtask || find_part(st, mt->topic, part))
        continue;
      int64_t lo, hi, next = -1;
      rd_kafka_resp_err_t qe = rd_kafka_query_watermark_offsets(st->rk, mt->topic, part, &lo, &hi, 5000);
      if (qe) {
        strom__log(STROM_LOG_WARN, "Kafka partition discovery: offsets of %s/%d: %s", mt->topic, part, rd_kafka_err2str(qe));
        continue;
      }
      for (int r = 0; r < st->nrp; r++)
        if (st->rp[r].part == part && !strcmp(st->rp[r].topic, mt->topic)) next = st->rp[r].next;
      if (next < lo) next = lo; /* new: from the earliest offset, as Flink */
      if (!(rc = add_part(&st->p, &st->np, mt->topic, part, next))) added++;
      strom__log(STROM_LOG_INFO, "Kafka source (subtask %d): discovered %s/%d, reading from offset %lld",
                 op->ctx.subtask + 1, mt->topic, part, (long long)next);
    }
  }
  if (md) rd_kafka_metadata_destroy(md);
  if (!rc && added) rc = assign(op);
  return rc ? rc : strom__task_schedule(op->task, now + c->o.discovery_interval_ms, discover_new, op);
}

static int assign(strom_op *op) {
  ksrc_state *st = op->state;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(st->np ? st->np : 1);
  for (int i = 0; i < st->np; i++)
    if (!st->p[i].done) rd_kafka_topic_partition_list_add(l, st->p[i].topic, st->p[i].part)->offset = st->p[i].next;
  rd_kafka_resp_err_t e = rd_kafka_assign(st->rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  if (e) return strom__op_fail(op, STROM_ENET, "assigning Kafka partitions: %s", rd_kafka_err2str(e));
  return STROM_OK;
}

static kpart *find_part(ksrc_state *st, const char *topic, int32_t part) {
  kpart *kp = st->last < st->np ? &st->p[st->last] : NULL;
  if (kp && kp->part == part && !strcmp(kp->topic, topic)) return kp;
  for (int i = 0; i < st->np; i++)
    if (st->p[i].part == part && !strcmp(st->p[i].topic, topic)) return st->last = i, &st->p[i];
  return NULL;
}

static bool all_done(const ksrc_state *st) {
  for (int i = 0; i < st->np; i++)
    if (!st->p[i].done) return false;
  return true;
}

/* ---- per-partition watermarks ---- */

static int64_t wm_interval(const strom_op *op, bool *emit) {
  return strom__wm_interval(&((const ksrc_conf *)op->conf)->ws, &op->task->job->opts, emit);
}

static int set_idle(strom_op *op, bool idle) {
  ksrc_state *st = op->state;
  if (st->out_idle == idle) return STROM_OK;
  st->out_idle = idle;
  return strom__out_status(&op->out, idle);
}

/* The subtask's watermark: the minimum over the partitions that count.  A partition
 * that has no records yet holds it back (INT64_MIN) until it goes idle, as in Flink. */
static int wm_advance(strom_op *op) {
  ksrc_state *st = op->state;
  int64_t min = INT64_MAX;
  bool any = false, idle = !st->np;
  for (int i = 0; i < st->np; i++) {
    const kpart *kp = &st->p[i];
    if (kp->done) continue;
    if (kp->idle) {
      idle = true;
      continue;
    }
    any = true;
    if (kp->wm < min) min = kp->wm;
  }
  if (!any) return idle ? set_idle(op, true) : STROM_OK;
  int rc = set_idle(op, false);
  if (rc || min == INT64_MIN || min <= st->emitted) return rc;
  st->emitted = min;
  return strom__task_emit_watermark(op->task, min);
}

static int wm_periodic(strom_op *op, int64_t now) {
  ksrc_conf *c = op->conf;
  ksrc_state *st = op->state;
  bool emit;
  int64_t iv = wm_interval(op, &emit);
  for (int i = 0; i < st->np; i++) {
    kpart *kp = &st->p[i];
    int64_t w = INT64_MIN;
    if (kp->max_ts != INT64_MIN && c->ws.kind == STROM_WM_BOUNDED) w = kp->max_ts - c->ws.max_out_of_orderness_ms - 1;
    else if (kp->max_ts != INT64_MIN && c->ws.kind == STROM_WM_MONOTONOUS) w = kp->max_ts - 1;
    else if (c->ws.kind == STROM_WM_CUSTOM && c->ws.on_periodic) w = c->ws.on_periodic(&op->ctx, kp->max_ts);
    if (w > kp->wm && emit) kp->wm = w;
    if (kp->last_active_ms == INT64_MIN || kp->records != kp->records_seen) {
      kp->records_seen = kp->records;
      kp->last_active_ms = now;
    } else if (c->ws.idleness_ms > 0 && !kp->idle && now - kp->last_active_ms >= c->ws.idleness_ms) {
      kp->idle = true;
    }
  }
  int rc = wm_advance(op);
  return rc ? rc : strom__task_schedule(op->task, now + iv, wm_periodic, op);
}

/* A record of kp at event time ts: the partition is active and its maximum moves. */
static int wm_on_record(strom_op *op, kpart *kp, const strom_row *row, int64_t ts) {
  ksrc_conf *c = op->conf;
  kp->records++;
  if (ts > kp->max_ts) kp->max_ts = ts;
  bool again = kp->idle;
  kp->idle = false;
  if (c->ws.kind == STROM_WM_CUSTOM && c->ws.on_event) {
    op->ctx.timestamp = ts;
    int64_t w = c->ws.on_event(&op->ctx, row, ts);
    if (w > kp->wm) kp->wm = w;
    return wm_advance(op);
  }
  /* Back from idle: mark the output active before the record leaves. */
  return again || ((ksrc_state *)op->state)->out_idle ? set_idle(op, false) : STROM_OK;
}

/* The metadata columns of row from message m. */
static int set_metadata(strom_op *op, strom_row *row, rd_kafka_message_t *m, kpart *kp, int64_t ts,
                        rd_kafka_timestamp_type_t tt) {
  ksrc_conf *c = op->conf;
  ksrc_state *st = op->state;
  for (int i = 0; i < c->nmeta; i++) {
    int col = c->meta[i].col;
    switch (c->meta[i].key) {
      case STROM_KMETA_TIMESTAMP:
        if (ts >= 0) strom_row_set_timestamp(row, col, ts);
        else strom_row_set_null(row, col);
        break;
      case STROM_KMETA_PARTITION: strom_row_set_int(row, col, kp->part); break;
      case STROM_KMETA_OFFSET: strom_row_set_bigint(row, col, m->offset); break;
      case STROM_KMETA_TOPIC: strom_row_set_str(row, col, kp->topic, strlen(kp->topic)); break;
      case STROM_KMETA_TIMESTAMP_TYPE: {
        const char *t = tt == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? "CreateTime"
                        : tt == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? "LogAppendTime"
                                                                    : "NoTimestampType";
        strom_row_set_str(row, col, t, strlen(t));
        break;
      }
      case STROM_KMETA_HEADERS: {
        rd_kafka_headers_t *h = NULL;
        if (rd_kafka_message_headers(m, &h)) h = NULL; /* none */
        st->hdr.len = 0;
        if (strom__kafka_headers_render(&st->hdr, h)) return STROM_ENOMEM;
        strom_row_set_str(row, col, st->hdr.p, st->hdr.len);
        break;
      }
      case STROM_KMETA_VALUE: /* every row of a message gets the message's (canal-json's batches) */
        if (strom__cdc_meta_set(c->meta[i].fkey, m->payload, m->len, row, col, &st->hdr)) return STROM_ENOMEM;
        break;
    }
  }
  return STROM_OK;
}

/* One message: decode and emit it, or count it as skipped, or fail naming it. */
static int on_message(strom_op *op, rd_kafka_message_t *m, kpart *kp) {
  ksrc_conf *c = op->conf;
  ksrc_state *st = op->state;
  int64_t off = m->offset;
  if (off < kp->next || kp->done) return STROM_OK; /* before the position, or past a bounded end */
  kp->next = off + 1;
  if (c->o.bounded_latest && kp->next >= kp->stop) kp->done = true;
  rd_kafka_timestamp_type_t tt;
  int64_t ts = rd_kafka_message_timestamp(m, &tt);
  if (kp->skip_before_ts != INT64_MIN) {
    if (ts >= 0 && ts < kp->skip_before_ts) return STROM_OK;
    kp->skip_before_ts = INT64_MIN;
  }
  strom_row *rows[2] = {op->out.scratch, st->row2};
  strom__row_reset(rows[0]);
  strom__row_reset(rows[1]);
  char err[512];
  int nrows = 0;
  int rc = STROM_OK;
  if (c->upsert && !m->payload) { /* a tombstone: the key says what is deleted */
    strom_row_set_kind(rows[0], STROM_DELETE);
    nrows = 1;
  } else {
    rc = strom__format_decode_changes(&st->vfmt, m->payload, m->len, rows[0], rows[1], &nrows, err, sizeof err);
  }
  bool ignore = c->o.value_format.ignore_parse_errors;
  for (int i = 0; !rc && st->has_key && i < nrows; i++) {
    rc = strom__format_decode(&st->kfmt, m->key, m->key_len, strom__format_row_at(&st->vfmt, i, rows[0], rows[1]), err,
                              sizeof err);
    ignore = c->o.key_format.ignore_parse_errors;
  }
  if (rc == STROM_ENOMEM) return rc;
  if (rc) {
    if (ignore) {
      if (!st->skipped++)
        strom__log(STROM_LOG_WARN, "Kafka %s/%d/%lld: skipping malformed record: %s", kp->topic, kp->part,
                   (long long)off, err);
      return STROM_OK;
    }
    return strom__op_fail(op, STROM_EPARSE, "Kafka record %s/%d/%lld: %s", kp->topic, kp->part, (long long)off, err);
  }
  for (int i = 0; !rc && i < nrows; i++) {
    strom_row *row = strom__format_row_at(&st->vfmt, i, rows[0], rows[1]); /* canal-json: a batch of rows */
    if (ts >= 0) {
      strom_row_set_time(row, ts);
      if (c->ts_idx >= 0) strom_row_set_timestamp(row, c->ts_idx, ts);
    }
    if (c->nmeta && (rc = set_metadata(op, row, m, kp, ts, tt))) return rc;
    /* an upsert tombstone holds only its key: no event time, so it moves no watermark
     * (the -D made of it carries the deleted row's time) */
    bool tomb = c->upsert && !m->payload && c->wm_col >= 0 && strom_row_is_null(row, c->wm_col);
    if (c->has_ws && !tomb) {
      int64_t ets = ts;
      if (c->wm_col >= 0) {
        if (strom_row_is_null(row, c->wm_col))
          return strom__op_fail(op, STROM_EINVAL, "Kafka record %s/%d/%lld: the timestamp column '%s' is NULL", kp->topic,
                                kp->part, (long long)off, c->wm_col_name);
        ets = strom_row_get_bigint(row, c->wm_col); /* TIMESTAMP and BIGINT are both milliseconds */
      } else if (c->ws.timestamp_fn) {
        ets = c->ws.timestamp_fn(&op->ctx, row);
      }
      strom_row_set_time(row, ets);
      if ((rc = wm_on_record(op, kp, row, ets))) return rc;
    }
    rc = strom__emit(&op->out, row);
  }
  return rc;
}

static int ksrc_run(strom_op *op) {
  ksrc_conf *c = op->conf;
  ksrc_state *st = op->state;
  int rc = discover(op);
  if (!rc) rc = assign(op);
  st->started = true;
  bool emit;
  if (!rc && c->has_ws) rc = strom__task_schedule(op->task, strom__job_now(op->task->job) + wm_interval(op, &emit), wm_periodic, op);
  if (!rc && c->o.discovery_interval_ms > 0 && !c->o.bounded_latest)
    rc = strom__task_schedule(op->task, strom__job_now(op->task->job) + c->o.discovery_interval_ms, discover_new, op);
  strom_yield_pacer pacer = {0};
  uint32_t n = 0, every = 0;
  int timeout = 0;
  while (!rc) {
    if (c->o.bounded_latest && all_done(st)) break;
    if (!st->np) {
      /* Nothing assigned here: stay alive for checkpoints and cancellation. */
      if (!(rc = strom__task_flush(op->task))) rc = strom__task_yield(op->task);
      struct timespec pause = {0, 20 * 1000000};
      nanosleep(&pause, NULL);
      continue;
    }
    rd_kafka_message_t *m = rd_kafka_consumer_poll(st->rk, timeout);
    if (!m) {
      /* Idle: let the partly filled buffer go, run mail (checkpoints), then wait a little. */
      if (!(rc = strom__task_flush(op->task))) rc = strom__task_yield(op->task);
      timeout = 10;
      continue;
    }
    timeout = 0;
    kpart *kp = m->rkt ? find_part(st, rd_kafka_topic_name(m->rkt), m->partition) : NULL;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (kp && m->offset >= kp->stop) kp->done = true;
    } else if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__FATAL || m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
          m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
        rc = strom__op_fail(op, STROM_ENET, "Kafka consumer: %s", rd_kafka_message_errstr(m));
      else
        strom__log(STROM_LOG_WARN, "Kafka consumer: %s", rd_kafka_message_errstr(m));
    } else if (kp) {
      rc = on_message(op, m, kp);
    }
    rd_kafka_message_destroy(m);
    if (!rc && STROM_UNLIKELY(++n >= every)) {
      rc = strom__source_yield(op->task, &pacer);
      n = 0, every = pacer.every;
    }
  }
  if (st->skipped)
    strom__log(STROM_LOG_WARN, "Kafka source (subtask %d): skipped %llu malformed records", op->ctx.subtask + 1,
               (unsigned long long)st->skipped);
  return rc;
}

/* Block: varint count, then per partition topic bytes, varint partition, i64 next. */
static int ksrc_snapshot(strom_op *op, int64_t ckpt, strom_snapshot *s) {
  ksrc_conf *c = op->conf;
  ksrc_state *st = op->state;
  strom_buf b = {0};
  /* Before discovery (or with a restored position not yet applied) the restored
   * positions are the position. */
  bool own = st->started || !st->restored;
  kpart *p = own ? st->p : st->rp;
  int np = own ? st->np : st->nrp;
  int rc = strom__put_varint(&b, (uint64_t)np);
  for (int i = 0; !rc && i < np; i++) {
    rc = strom__put_bytes(&b, p[i].topic, strlen(p[i].topic));
    if (!rc) rc = strom__put_varint(&b, (uint64_t)p[i].part);
    if (!rc) rc = strom__put_i64(&b, p[i].next);
  }
  if (!rc) rc = strom__snap_add(s, STROM_SNAP_SOURCE, -1, b.p, b.len);
  strom__buf_free(&b);
  if (rc || !c->group || c->o.no_commit_on_checkpoint || !st->np) return rc;
  kpending *q = strom__realloc(st->pend, (size_t)(st->npend + 1) * sizeof *q);
  if (!q) return STROM_ENOMEM;
  st->pend = q;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(st->np);
  for (int i = 0; i < st->np; i++)
    if (st->p[i].next >= 0) rd_kafka_topic_partition_list_add(l, st->p[i].topic, st->p[i].part)->offset = st->p[i].next;
  st->pend[st->npend++] = (kpending){.ckpt = ckpt, .offs = l};
  return STROM_OK;
}

static int ksrc_notify(strom_op *op, int64_t ckpt) {
  ksrc_state *st = op->state;
  int best = -1, k = 0;
  for (int i = 0; i < st->npend; i++)
    if (st->pend[i].ckpt <= ckpt && (best < 0 || st->pend[i].ckpt > st->pend[best].ckpt)) best = i;
  if (best >= 0 && st->pend[best].offs->cnt) {
    /* Asynchronous: a failed commit only delays what monitoring sees. */
    rd_kafka_resp_err_t e = rd_kafka_commit(st->rk, st->pend[best].offs, 1);
    if (e) strom__log(STROM_LOG_WARN, "committing Kafka offsets of checkpoint %lld: %s", (long long)ckpt, rd_kafka_err2str(e));
  }
  for (int i = 0; i < st->npend; i++) {
    if (st->pend[i].ckpt <= ckpt) rd_kafka_topic_partition_list_destroy(st->pend[i].offs);
    else st->pend[k++] = st->pend[i];
  }
  st->npend = k;
  return STROM_OK;
}

static int ksrc_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  ksrc_state *st = op->state;
  st->restored = true;
  for (int i = 0; i < r->n; i++) {
    if (r->b[i].kind != STROM_SNAP_SOURCE) continue;
    const uint8_t *p = r->b[i].p, *end = p + r->b[i].len;
    uint64_t n;
    if (!strom__get_varint(&p, end, &n)) goto bad;
    for (uint64_t k = 0; k < n; k++) {
      const uint8_t *t;
      size_t tn;
      uint64_t part;
      int64_t next;
      if (!strom__get_bytes(&p, end, &t, &tn) || !strom__get_varint(&p, end, &part) || !strom__get_i64(&p, end, &next) ||
          part > INT32_MAX)
        goto bad;
      char *topic = strom__strndup((const char *)t, tn);
      int rc = topic ? add_part(&st->rp, &st->nrp, topic, (int32_t)part, next) : STROM_ENOMEM;
      free(topic);
      if (rc) return rc;
    }
  }
  return STROM_OK;
bad:
  return strom__op_fail(op, STROM_EPARSE, "restoring %s: malformed Kafka positions in the snapshot", op->node->name);
}

static const strom_op_vt ksrc_vt = {.kind = "Kafka Source",
                                    .open = ksrc_open,
                                    .run = ksrc_run,
                                    .close = ksrc_close,
                                    .free_conf = conf_free,
                                    .snapshot = ksrc_snapshot,
                                    .restore = ksrc_restore,
                                    .notify_complete = ksrc_notify};

static char *dup_opt(const char *s, bool *oom) {
  if (!s) return NULL;
  char *d = strom__strdup(s);
  if (!d) *oom = true;
  return d;
}

strom_stream *strom_kafka_source(strom_env *env, const strom_schema *s, const strom_kafka_source_opts *o) {
  return strom__kafka_source_ex(env, s, o, NULL);
}

strom_stream *strom__kafka_source_ex(strom_env *env, const strom_schema *s, const strom_kafka_source_opts *o,
                                     const char *upsert_value_fields) {
  if (!env) return NULL;
  if (!s || !o || !o->bootstrap_servers)
    return strom__env_error(env, STROM_EINVAL, "Kafka source: a schema and properties.bootstrap.servers are required");
  if (!o->topics == !o->topic_pattern)
    return strom__env_error(env, STROM_EINVAL, "Kafka source: exactly one of 'topic' and 'topic-pattern' is required");
  if (o->value_format.kind == STROM_FORMAT_NONE)
    return strom__env_error(env, STROM_EINVAL, "Kafka source: a value format ('format') is required");
  if (o->startup_mode == STROM_KAFKA_SPECIFIC_OFFSETS && (!o->specific_offsets || !o->topics || strchr(o->topics, ';')))
    return strom__env_error(env, STROM_EINVAL,
                            "Kafka source: specific-offsets needs scan.startup.specific-offsets and a single topic");
  if (o->startup_mode == STROM_KAFKA_TIMESTAMP && o->startup_timestamp_ms < 0)
    return strom__env_error(env, STROM_EINVAL, "Kafka source: timestamp mode needs scan.startup.timestamp-millis >= 0");
  if (o->key_format.kind != STROM_FORMAT_NONE && !o->key_fields)
    return strom__env_error(env, STROM_EINVAL, "Kafka source: key.format needs key.fields");
  int wm_col = -1;
  if (o->watermarks) {
    const strom_watermark_strategy *ws = o->watermarks;
    const char *why = NULL;
    if (ws->kind < STROM_WM_MONOTONOUS || ws->kind > STROM_WM_CUSTOM) why = "unknown watermark kind";
    else if (ws->kind == STROM_WM_BOUNDED && ws->max_out_of_orderness_ms < 0) why = "max_out_of_orderness_ms must be >= 0";
    else if (ws->kind == STROM_WM_CUSTOM && !ws->on_event && !ws->on_periodic) why = "a custom strategy needs on_event or on_periodic";
    else if (ws->alignment_group) why = "watermark alignment is not supported in the Kafka source (use strom_assign_timestamps)";
    if (why) return strom__env_error(env, STROM_EINVAL, "Kafka source: watermarks: %s", why);
    if (ws->timestamp_column) {
      wm_col = strom_schema_find(s, ws->timestamp_column);
      strom_type_id t = wm_col >= 0 ? strom_schema_col_type(s, wm_col) : STROM_VARCHAR;
      if (t != STROM_TIMESTAMP && t != STROM_BIGINT)
        return strom__env_error(env, STROM_EINVAL, "Kafka source: watermarks: '%s' is not a TIMESTAMP(3) or BIGINT column",
                                ws->timestamp_column);
    }
  }
  if (o->idle_timeout_ms < 0) return strom__env_error(env, STROM_EINVAL, "Kafka source: scan.watermark.idle-timeout must be >= 0");
  if (o->discovery_interval_ms < 0)
    return strom__env_error(env, STROM_EINVAL, "Kafka source: scan.topic-partition-discovery.interval must be >= 0");
  /* Check the formats against the schema now, so that a mistake fails the build, not the run. */
  strom_format f;
  char err[512];
  strom_kafka_meta *meta;
  int nmeta;
  char *value_fields;
  int mrc = strom__kafka_meta_parse(o->metadata_columns, s, false, o->value_format.kind, &meta, &nmeta, &value_fields,
                                    err, sizeof err);
  if (mrc) return strom__env_error(env, mrc, "Kafka source: %s", err);
  if (upsert_value_fields) {
    free(value_fields);
    if (!(value_fields = strom__strdup(upsert_value_fields))) {
      free(meta);
      return strom__env_error(env, STROM_ENOMEM, "out of memory");
    }
  }
  if (strom__format_init(&f, &o->value_format, s, value_fields, err, sizeof err)) {
    free(meta);
    free(value_fields);
    return strom__env_error(env, STROM_EINVAL, "Kafka source: value format: %s", err);
  }
  strom__format_free(&f);
  ksrc_conf *c = strom__calloc(1, sizeof *c);
  if (!c) {
    free(meta);
    free(value_fields);
    return strom__env_error(env, STROM_ENOMEM, "out of memory");
  }
  c->meta = meta, c->nmeta = nmeta, c->value_fields = value_fields, c->upsert = upsert_value_fields != NULL;
  if (o->key_format.kind != STROM_FORMAT_NONE) {
    if (strom__format_init(&f, &o->key_format, s, o->key_fields, err, sizeof err)) {
      conf_free(c);
      return strom__env_error(env, STROM_EINVAL, "Kafka source: key format: %s", err);
    }
    strom__format_free(&f);
  }
  int ts_idx = -1;
  if (o->timestamp_column) {
    ts_idx = strom_schema_find(s, o->timestamp_column);
    if (ts_idx < 0 || strom_schema_col_type(s, ts_idx) != STROM_TIMESTAMP) {
      conf_free(c);
      return strom__env_error(env, STROM_EINVAL, "Kafka source: timestamp column '%s' is not a TIMESTAMP column",
                              o->timestamp_column);
    }
  }
  bool oom = false;
  c->o = *o;
  c->ts_idx = ts_idx;
  c->servers = dup_opt(o->bootstrap_servers, &oom);
  c->topics = dup_opt(o->topics, &oom);
  c->pattern = dup_opt(o->topic_pattern, &oom);
  c->group = dup_opt(o->group_id, &oom);
  c->specific = dup_opt(o->specific_offsets, &oom);
  c->key_fields = dup_opt(o->key_fields, &oom);
  c->ts_col = dup_opt(o->timestamp_column, &oom);
  c->wm_col = wm_col;
  if (o->watermarks) {
    c->has_ws = true;
    c->ws = *o->watermarks;
    c->ws.timestamp_column = c->wm_col_name = dup_opt(o->watermarks->timestamp_column, &oom);
    if (o->idle_timeout_ms > 0) c->ws.idleness_ms = o->idle_timeout_ms;
  }
  if (o->properties && !(c->props = strom__kafka_props_dup(o->properties))) oom = true;
  if (oom) {
    conf_free(c);
    return strom__env_error(env, STROM_ENOMEM, "out of memory");
  }
  if (c->pattern) {
    int e = regcomp(&c->re, c->pattern, REG_EXTENDED | REG_NOSUB);
    if (e) {
      regerror(e, &c->re, err, sizeof err);
      conf_free(c);
      return strom__env_error(env, STROM_EINVAL, "Kafka source: topic-pattern '%s': %s", o->topic_pattern, err);
    }
    c->has_re = true;
  }
  return strom__add_node(env, NULL, "Kafka Source", &ksrc_vt, c, s);
}
