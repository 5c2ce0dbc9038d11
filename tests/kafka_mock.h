/*
 * kafka_mock.h -- a Kafka cluster for tests and benchmarks: librdkafka's mock cluster
 * (rdkafka_mock.h) run in a child process on loopback, so that jobs, kcat and the test
 * itself talk to it over TCP like to a real broker.  The child prints its bootstrap
 * servers, then takes commands on a pipe ("topic NAME PARTITIONS") and exits when the
 * pipe closes.  Fork it before the test starts any thread.
 */
#ifndef STROM_TEST_KAFKA_MOCK_H
#define STROM_TEST_KAFKA_MOCK_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct kmock {
  pid_t pid;
  FILE *to, *from;
  char bootstrap[256];
} kmock;

static inline void kmock_child(int in, int out) {
  char err[256];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  rd_kafka_mock_cluster_t *mc = rk ? rd_kafka_mock_cluster_new(rk, 1) : NULL;
  FILE *fi = fdopen(in, "r"), *fo = fdopen(out, "w");
  if (!mc) {
    fprintf(fo, "ERROR %s\n", err);
    fflush(fo);
    _exit(1);
  }
  fprintf(fo, "%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(fo);
  char line[512], name[256];
  int parts;
  while (fgets(line, sizeof line, fi)) {
    if (sscanf(line, "topic %255s %d", name, &parts) == 2) {
      rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, name, parts, 1);
      fprintf(fo, "%s\n", e ? rd_kafka_err2str(e) : "ok");
    } else {
      fprintf(fo, "unknown command\n");
    }
    fflush(fo);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  _exit(0);
}

static inline int kmock_start(kmock *m) {
  int a[2], b[2];
  if (pipe(a) || pipe(b)) return -1;
  m->pid = fork();
  if (m->pid < 0) return -1;
  if (m->pid == 0) {
    close(a[1]);
    close(b[0]);
    kmock_child(a[0], b[1]);
  }
  close(a[0]);
  close(b[1]);
  m->to = fdopen(a[1], "w");
  m->from = fdopen(b[0], "r");
  if (!fgets(m->bootstrap, sizeof m->bootstrap, m->from) || !strncmp(m->bootstrap, "ERROR", 5)) return -1;
  m->bootstrap[strcspn(m->bootstrap, "\n")] = 0;
  return 0;
}

static inline int kmock_topic(kmock *m, const char *name, int parts) {
  char line[256];
  fprintf(m->to, "topic %s %d\n", name, parts);
  fflush(m->to);
  if (!fgets(line, sizeof line, m->from)) return -1;
  return strncmp(line, "ok", 2) ? -1 : 0;
}

static inline void kmock_stop(kmock *m) {
  if (m->to) fclose(m->to);
  if (m->from) fclose(m->from);
  int st;
  if (m->pid > 0) waitpid(m->pid, &st, 0);
}

/* A producer to the mock cluster (NULL if librdkafka refuses one). */
static inline rd_kafka_t *kmock_producer(const kmock *m) {
  char err[256];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", m->bootstrap, err, sizeof err);
  return rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
}

/* Starts the mock cluster, or says why a test binary cannot run and fails it. */
static inline int kmock_start_or_fail(kmock *m) {
  if (!kmock_start(m)) return 0;
  fprintf(stderr, "cannot start the Kafka mock cluster\n");
  printf("0 passed, 1 failed\n");
  return -1;
}

/* Produces n records to topic (partition -1: by key) and waits for them. */
typedef int (*kmock_record_fn)(long i, char *key, size_t kcap, char *val, size_t vcap, int32_t *part, int64_t *ts);
static inline int kmock_produce(const kmock *m, const char *topic, long n, kmock_record_fn fn) {
  char err[256];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", m->bootstrap, err, sizeof err);
  rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) return -1;
  char key[256], val[4096];
  for (long i = 0; i < n; i++) {
    int32_t part = RD_KAFKA_PARTITION_UA;
    int64_t ts = 0;
    key[0] = 0;
    if (fn(i, key, sizeof key, val, sizeof val, &part, &ts)) continue;
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(part),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(val, strlen(val)),
                                                RD_KAFKA_V_KEY(key[0] ? key : NULL, strlen(key)), RD_KAFKA_V_TIMESTAMP(ts),
                                                RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 10);
        continue;
      }
      if (e) return -1;
      break;
    }
  }
  int rc = rd_kafka_flush(rk, 30000) ? -1 : 0;
  rd_kafka_destroy(rk);
  return rc;
}

/* Reads every record of topic (all partitions, from the start, up to the end offsets
 * now) and calls fn for each; returns the count or -1. */
typedef void (*kmock_read_fn)(void *arg, int32_t part, int64_t off, const char *key, size_t kn, const char *val, size_t vn);
static inline long kmock_read_all(const kmock *m, const char *topic, kmock_read_fn fn, void *arg) {
  char err[256];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", m->bootstrap, err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "kmock-reader", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) return -1;
  rd_kafka_poll_set_consumer(rk);
  const struct rd_kafka_metadata *md;
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  long count = -1;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000)) goto out;
  int np = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(np);
  long want = 0;
  for (int p = 0; p < np; p++) {
    int64_t lo, hi;
    if (rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000)) goto out;
    want += hi - lo;
    rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  count = 0;
  for (int idle = 0; count < want && idle < 100;) {
    rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
    if (!msg) {
      idle++;
      continue;
    }
    if (!msg->err) {
      count++;
      if (fn) fn(arg, msg->partition, msg->offset, msg->key, msg->key_len, msg->payload, msg->len);
    }
    rd_kafka_message_destroy(msg);
  }
out:
  rd_kafka_topic_destroy(rkt);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return count;
}

#endif
