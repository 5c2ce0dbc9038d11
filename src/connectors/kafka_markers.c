/*
 * kafka_markers.c -- the commit markers of the exactly-once Kafka sink.
 *
 * A transaction of the sink ends with one marker record on a small control topic
 * (sink.transaction-marker-topic), produced inside that same transaction just before
 * it is committed: a read_committed consumer therefore sees the marker if and only if
 * the transaction's records are committed.  A restored sink reads the markers to learn
 * whether the transaction its checkpoint pre-committed was committed before the crash,
 * and re-produces its records only when it was not.  The key names the transactional
 * id and the run of the job that wrote the records; with one run's checkpoints ever
 * increasing, the latest marker of a key says every checkpoint up to it committed, so
 * the topic may be compacted.
 */
#include <errno.h>

#include "kafka_common.h"

int strom__kafka_marker_value(strom_buf *b, int64_t ckpt, uint64_t records, const strom_kafka_range *r, int nr) {
  int rc = strom__buf_printf(b, "checkpoint=%lld records=%llu ranges=", (long long)ckpt, (unsigned long long)records);
  for (int i = 0; !rc && i < nr; i++)
    rc = strom__buf_printf(b, "%s%d:%lld-%lld", i ? "," : "", (int)r[i].part, (long long)r[i].lo, (long long)r[i].hi);
  return rc;
}

bool strom__kafka_marker_parse(const char *v, size_t n, int64_t *ckpt) {
  char tmp[64];
  if (n < 11 || memcmp(v, "checkpoint=", 11)) return false;
  size_t m = n - 11 < sizeof tmp - 1 ? n - 11 : sizeof tmp - 1;
  memcpy(tmp, v + 11, m);
  tmp[m] = 0;
  char *end;
  errno = 0;
  long long c = strtoll(tmp, &end, 10);
  if (end == tmp || errno || (*end && *end != ' ')) return false;
  *ckpt = c;
  return true;
}

int strom__kafka_markers_max(const char *servers, char *const *props, const char *topic, char *const *keys, int nkeys,
                             int64_t *max, int timeout_ms, char *err, size_t errlen) {
  for (int i = 0; i < nkeys; i++) max[i] = -1;
  const char *own[] = {"group.id", "strom-marker-reader", "enable.auto.commit", "false", "isolation.level",
                       "read_committed", "enable.partition.eof", "true", NULL};
  rd_kafka_conf_t *conf = strom__kafka_conf(servers, props, own, err, errlen);
  if (!conf) return STROM_EINVAL;
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return STROM_EINVAL;
  }
  int rc = STROM_OK, np = 0, left = 0;
  int64_t *hi = NULL;
  rd_kafka_topic_partition_list_t *l = NULL;
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t e = rkt ? rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms) : rd_kafka_last_error();
  if (e || md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt < 1) {
    snprintf(err, errlen, "transaction marker topic '%s': %s (create it, e.g. with one partition and cleanup.policy=compact)",
             topic, rd_kafka_err2str(e ? e : md && md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
    rc = STROM_ENET;
    goto out;
  }
  np = md->topics[0].partition_cnt;
  hi = strom__calloc((size_t)np, sizeof *hi);
  l = rd_kafka_topic_partition_list_new(np);
  if (!hi || !l) {
    rc = STROM_ENOMEM;
    goto out;
  }
  for (int p = 0; p < np; p++) {
    int64_t lo;
    if ((e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi[p], timeout_ms))) {
      snprintf(err, errlen, "transaction marker topic '%s' partition %d: %s", topic, p, rd_kafka_err2str(e));
      rc = STROM_ENET;
      goto out;
    }
    if (hi[p] > lo) rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING, left++;
    else hi[p] = -1;
  }
  if (left && (e = rd_kafka_assign(rk, l))) {
    snprintf(err, errlen, "transaction marker topic '%s': %s", topic, rd_kafka_err2str(e));
    rc = STROM_ENET;
    goto out;
  }
  /* Read every partition up to the end it had when we started.  A read_committed
   * consumer stops at the last stable offset: while a transaction is still open there
   * (a crashed producer that its restarted subtask has not fenced yet) the markers after
   * it are not visible, so wait for it to end rather than conclude they are missing. */
  int64_t deadline = strom__now_ms() + timeout_ms;
  while (left > 0) {
    if (strom__now_ms() > deadline) {
      snprintf(err, errlen,
               "transaction marker topic '%s': still %d partition(s) not readable to their end after %d ms (an open "
               "transaction blocks read_committed consumers)",
               topic, left, timeout_ms);
      rc = STROM_ENET;
      goto out;
    }
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (!m) continue;
    int p = m->partition;
    if (p >= 0 && p < np && hi[p] >= 0) {
      if (!m->err) {
        for (int i = 0; i < nkeys; i++) {
          int64_t c;
          if (m->key_len == strlen(keys[i]) && !memcmp(m->key, keys[i], m->key_len) &&
              strom__kafka_marker_parse(m->payload, m->len, &c) && c > max[i])
            max[i] = c;
        }
        if (m->offset + 1 >= hi[p]) hi[p] = -1, left--;
      } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (m->offset >= hi[p]) hi[p] = -1, left--;
      } else {
        snprintf(err, errlen, "transaction marker topic '%s' partition %d: %s", topic, p, rd_kafka_message_errstr(m));
        rc = STROM_ENET;
      }
    }
    rd_kafka_message_destroy(m);
    if (rc) goto out;
  }
out:
  if (md) rd_kafka_metadata_destroy(md);
  if (l) rd_kafka_topic_partition_list_destroy(l);
  if (rkt) rd_kafka_topic_destroy(rkt);
  free(hi);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return rc;
}
