/*
 * test_kafka_watermarks.c -- the Kafka source's event time and partition discovery
 * against librdkafka's mock cluster (tests/kafka_mock.h, a child process on loopback).
 * What it proves: with watermarks generated per partition, a tumbling window fires
 * only when every partition has passed its end, with exactly the records
 * hand-computed below (nothing late, although one partition runs far ahead); an idle
 * partition stops holding the watermark back after scan.watermark.idle-timeout while
 * another partition keeps it moving, and a subtask whose partitions are all idle (or
 * that has none) is idle downstream; new topics matching a pattern are discovered
 * while the job runs, read from their start, and their offsets go into checkpoints (a
 * job restored from one reads each discovered record once).
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "kafka_mock.h"
#include "strom/kafka.h"
#include "test.h"

static kmock MOCK;

static void sleep_ms(int ms) {
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&t, NULL);
}

static void rm_rf(const char *path) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd)) {}
}

/* ---- data: partition 0 holds timestamps T0 + 0..30000, partition 1 T0 + 0..12000,
 * both in steps of 1000 with neighbours swapped (0, 2000, 1000, 4000, 3000, ...), so
 * each is out of order by at most 1000 ms.  Below, times are relative to T0 (Kafka
 * takes a timestamp of 0 for "now"). ---- */

enum { P0_N = 31, P1_N = 13 };
static const int64_t T0 = 1000000;

static int64_t swapped(long i, long n) {
  long j = i == 0 ? 0 : (i % 2 ? i + 1 : i - 1);
  if (j >= n) j = i; /* the last one has no partner */
  return T0 + (int64_t)j * 1000;
}

/* Records alternate between the partitions while both have some left. */
static int rec_wm(long i, char *key, size_t kcap, char *val, size_t vcap, int32_t *part, int64_t *ts) {
  (void)kcap;
  key[0] = 0;
  long k = i / 2;
  if (i % 2 == 1 && k < P1_N) {
    *part = 1;
    *ts = swapped(k, P1_N);
  } else {
    long j = i % 2 == 0 && k < P1_N ? k : i - P1_N;
    if (j >= P0_N) return 1;
    *part = 0;
    *ts = swapped(j, P0_N);
  }
  snprintf(val, vcap, "x");
  return 0;
}

/* ---- the job: a tumbling 5 s window counting per window, keyed by a constant ---- */

typedef struct fired {
  int64_t start, wm;
  long n;
} fired;

static pthread_mutex_t MU = PTHREAD_MUTEX_INITIALIZER;
static fired FIRED[64];
static atomic_int NFIRED;

static int count_window(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out) {
  (void)rows, (void)out;
  pthread_mutex_lock(&MU);
  int k = atomic_load(&NFIRED);
  if (k < 64) FIRED[k] = (fired){strom_ctx_window_start(ctx), strom_ctx_watermark(ctx), (long)n};
  atomic_store(&NFIRED, k + 1);
  pthread_mutex_unlock(&MU);
  return 0;
}

/* The window starting at start: its count and firing watermark; 0 if it did not fire. */
static long fired_at(int64_t start, int64_t *wm) {
  pthread_mutex_lock(&MU);
  long n = 0;
  for (int i = 0; i < atomic_load(&NFIRED) && i < 64; i++)
    if (FIRED[i].start == T0 + start) n = FIRED[i].n, *wm = FIRED[i].wm - T0;
  pthread_mutex_unlock(&MU);
  return n;
}

static bool wait_fired(int want, int ms) {
  for (int t = 0; t < ms; t += 10) {
    if (atomic_load(&NFIRED) >= want) return true;
    sleep_ms(10);
  }
  return atomic_load(&NFIRED) >= want;
}

typedef struct job_thread {
  strom_env *env;
  int rc;
} job_thread;

static void *run_job(void *arg) {
  job_thread *j = arg;
  j->rc = strom_execute(j->env, "kafka-watermarks");
  return NULL;
}

static strom_env *window_job(const char *topic, int par, int64_t idle_ms, strom_schema **s) {
  atomic_store(&NFIRED, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par, .buffer_timeout_ms = 1});
  *s = strom_schema_parse("v VARCHAR", NULL, 0);
  strom_watermark_strategy ws = {.kind = STROM_WM_BOUNDED, .max_out_of_orderness_ms = 1000, .interval_ms = 20};
  strom_kafka_source_opts o = {.bootstrap_servers = MOCK.bootstrap,
                               .topics = topic,
                               .startup_mode = STROM_KAFKA_EARLIEST,
                               .value_format = {.kind = STROM_FORMAT_RAW},
                               .watermarks = &ws,
                               .idle_timeout_ms = idle_ms};
  strom_window_def def = {.assigner = strom_tumbling(5000), .process = count_window, .out_schema = *s};
  strom_discard(strom_set_parallelism(strom_window(strom_key_by(strom_kafka_source(env, *s, &o), "v"), &def), 1));
  return env;
}

TEST(setup_topics) {
  CHECK_INT(kmock_topic(&MOCK, "wm", 2), 0);
  CHECK_INT(kmock_produce(&MOCK, "wm", 2 * P1_N + (P0_N - P1_N), rec_wm), 0);
  CHECK_INT(kmock_read_all(&MOCK, "wm", NULL, NULL), P0_N + P1_N);
}

/* Partition 0's watermark reaches 30000 - 1000 - 1 = 28999, partition 1's only
 * 12000 - 1001 = 10999: the subtask's watermark is 10999, so [0, 5 s) and [5 s, 10 s)
 * fire with all of both partitions' records (5 + 5 each) and [10 s, 15 s) must not
 * fire, however far partition 0 ran ahead. */
TEST(window_fires_only_when_every_partition_passed_it) {
  strom_schema *s;
  strom_env *env = window_job("wm", 1, 0, &s);
  job_thread j = {.env = env};
  pthread_t th;
  pthread_create(&th, NULL, run_job, &j);
  CHECK(wait_fired(2, 10000));
  sleep_ms(800); /* time for a wrongly early window to show */
  strom_env_cancel(env);
  pthread_join(th, NULL);
  int64_t wm0 = 0, wm1 = 0, wm2 = 0;
  CHECK_INT(fired_at(0, &wm0), 10);
  CHECK_INT(fired_at(5000, &wm1), 10);
  CHECK_INT(fired_at(10000, &wm2), 0);
  CHECK_INT(atomic_load(&NFIRED), 2);
  CHECK(wm0 >= 4999 && wm0 <= 10999);
  CHECK(wm1 >= 9999 && wm1 <= 10999);
  strom_env_free(env);
  strom_schema_free(s);
}

/* One more record on partition 0 every 40 ms (timestamps 31000, 32000, ...) keeps it
 * active; partition 1 has nothing after its 13 records and goes idle after 1 s (long
 * enough for a loaded machine to have fetched its records by then).
 * Then only partition 0 counts: its watermark is at least 28999, so [10 s, 15 s)
 * fires with partition 1's 3 records and partition 0's 5 (8: none of them late), and
 * [15 s, 20 s), [20 s, 25 s) with 5 each. */
static atomic_int STOP_TRICKLE;

static void *trickle(void *arg) {
  const char *topic = arg;
  char err[256];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", MOCK.bootstrap, err, sizeof err);
  rd_kafka_conf_set(conf, "linger.ms", "0", err, sizeof err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) return NULL;
  for (int64_t ts = T0 + 31000; !atomic_load(&STOP_TRICKLE); ts += 1000) {
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                      RD_KAFKA_V_VALUE("x", 1), RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
    rd_kafka_flush(rk, 5000);
    sleep_ms(40);
  }
  rd_kafka_destroy(rk);
  return NULL;
}

TEST(idle_partition_stops_holding_back_the_watermark) {
  strom_schema *s;
  strom_env *env = window_job("wm", 1, 1000, &s);
  job_thread j = {.env = env};
  pthread_t th, tr;
  atomic_store(&STOP_TRICKLE, 0);
  pthread_create(&th, NULL, run_job, &j);
  pthread_create(&tr, NULL, trickle, (void *)"wm");
  CHECK(wait_fired(5, 15000));
  strom_env_cancel(env);
  pthread_join(th, NULL);
  atomic_store(&STOP_TRICKLE, 1);
  pthread_join(tr, NULL);
  int64_t wm = 0;
  CHECK_INT(fired_at(0, &wm), 10);
  CHECK_INT(fired_at(5000, &wm), 10);
  CHECK_INT(fired_at(10000, &wm), 8);
  CHECK(wm >= 28999);
  CHECK_INT(fired_at(15000, &wm), 5);
  CHECK_INT(fired_at(20000, &wm), 5);
  strom_env_free(env);
  strom_schema_free(s);
}

/* The same data at source parallelism 3: partitions 0 and 1 go to two subtasks, the
 * third has none and is idle from the start; the subtask of partition 1 becomes idle
 * once that partition is, and the window (one subtask) follows partition 0 alone. */
TEST(subtasks_with_only_idle_or_no_partitions_are_idle) {
  CHECK_INT(kmock_topic(&MOCK, "wm3", 2), 0);
  CHECK_INT(kmock_produce(&MOCK, "wm3", 2 * P1_N + (P0_N - P1_N), rec_wm), 0);
  strom_schema *s;
  strom_env *env = window_job("wm3", 3, 1000, &s);
  job_thread j = {.env = env};
  pthread_t th, tr;
  atomic_store(&STOP_TRICKLE, 0);
  pthread_create(&th, NULL, run_job, &j);
  pthread_create(&tr, NULL, trickle, (void *)"wm3");
  CHECK(wait_fired(5, 15000));
  strom_env_cancel(env);
  pthread_join(th, NULL);
  atomic_store(&STOP_TRICKLE, 1);
  pthread_join(tr, NULL);
  int64_t wm = 0;
  CHECK_INT(fired_at(0, &wm), 10);
  CHECK_INT(fired_at(5000, &wm), 10);
  CHECK_INT(fired_at(10000, &wm), 8);
  CHECK(wm >= 28999);
  CHECK_INT(fired_at(15000, &wm), 5);
  CHECK_INT(fired_at(20000, &wm), 5);
  strom_env_free(env);
  strom_schema_free(s);
}

TEST(watermark_options_are_checked) {
  strom_env *env = strom_env_new(NULL);
  strom_schema *s = strom_schema_parse("v VARCHAR", NULL, 0);
  strom_watermark_strategy ws = {.kind = STROM_WM_BOUNDED, .timestamp_column = "v"};
  strom_kafka_source_opts o = {.bootstrap_servers = MOCK.bootstrap, .topics = "wm",
                               .value_format = {.kind = STROM_FORMAT_RAW}, .watermarks = &ws};
  CHECK(strom_kafka_source(env, s, &o) == NULL);
  CHECK(strstr(strom_env_errmsg(env), "'v' is not a TIMESTAMP(3) or BIGINT column") != NULL);
  strom_env_free(env);
  env = strom_env_new(NULL); /* the environment keeps its first error */
  const char *kv[] = {"properties.bootstrap.servers", "x:1", "topic", "t", "format", "raw",
                      "scan.watermark.idle-timeout", "ten seconds"};
  CHECK(strom_kafka_source_from_options(env, s, kv, 4) == NULL);
  CHECK_STR(strom_env_errmsg(env), "Kafka source: option 'scan.watermark.idle-timeout' has an invalid value 'ten seconds'");
  kv[7] = "10 s";
  CHECK(strom_kafka_source_from_options(env, s, kv, 4) != NULL);
  strom_env_free(env);
  strom_schema_free(s);
}

/* ---- partition discovery ---- */

/* Flink's owner of a partition (Java's String.hashCode), computed here independently. */
static int owner(const char *topic, int part, int par) {
  int32_t h = 0;
  for (const char *p = topic; *p; p++) h = (int32_t)((uint32_t)h * 31u + (unsigned char)*p);
  int start = (int)(((uint32_t)h * 31u & 0x7FFFFFFFu) % (uint32_t)par);
  return (start + part) % par;
}

enum { MAX_SEEN = 256 };
static char SEEN[MAX_SEEN][32];
static atomic_int NSEEN, WRONG_OWNER;

static int collect(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input, (void)out;
  size_t vn, tn;
  const char *v = strom_row_get_str(in, 0, &vn), *t = strom_row_get_str(in, 1, &tn);
  char topic[64];
  snprintf(topic, sizeof topic, "%.*s", (int)tn, t);
  if (owner(topic, strom_row_get_int(in, 2), strom_ctx_parallelism(ctx)) != strom_ctx_subtask(ctx))
    atomic_fetch_add(&WRONG_OWNER, 1);
  pthread_mutex_lock(&MU);
  int k = atomic_load(&NSEEN);
  if (k < MAX_SEEN) snprintf(SEEN[k], sizeof SEEN[k], "%.*s", (int)vn, v);
  atomic_store(&NSEEN, k + 1);
  pthread_mutex_unlock(&MU);
  return 0;
}

static bool wait_seen(int want, int ms) {
  for (int t = 0; t < ms && atomic_load(&NSEEN) < want; t += 10) sleep_ms(10);
  return atomic_load(&NSEEN) >= want;
}

/* How often value v was seen. */
static int seen(const char *v) {
  int n = 0;
  pthread_mutex_lock(&MU);
  for (int i = 0; i < atomic_load(&NSEEN) && i < MAX_SEEN; i++) n += !strcmp(SEEN[i], v);
  pthread_mutex_unlock(&MU);
  return n;
}

static int produce_named(const char *topic, const char *prefix, long from, long n) {
  long shift = from;
  /* the values (and keys) are prefix<from>..prefix<from+n-1>, partitioned by key */
  rd_kafka_t *rk = kmock_producer(&MOCK);
  if (!rk) return -1;
  int rc = 0;
  for (long i = shift; i < shift + n; i++) {
    char val[32];
    snprintf(val, sizeof val, "%s%ld", prefix, i);
    rc |= rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(val, strlen(val)), RD_KAFKA_V_KEY(val, strlen(val)),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  }
  if (rd_kafka_flush(rk, 10000)) rc = -1;
  rd_kafka_destroy(rk);
  return rc;
}

/* The highest id of a complete checkpoint in dir (chk-N/_metadata), or -1. */
static long last_ckpt(const char *dir) {
  DIR *d = opendir(dir);
  long best = -1;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s/_metadata", dir, e->d_name);
    if (!strncmp(e->d_name, "chk-", 4) && !access(p, F_OK) && atol(e->d_name + 4) > best) best = atol(e->d_name + 4);
  }
  if (d) closedir(d);
  return best;
}

/* Waits until a checkpoint triggered after now has completed: two ids past the last. */
static bool wait_next_ckpt(const char *dir, int ms) {
  long want = last_ckpt(dir) + 2;
  for (int t = 0; t < ms && last_ckpt(dir) < want; t += 10) sleep_ms(10);
  return last_ckpt(dir) >= want;
}

static strom_env *discovery_job(const char *ckpt, bool restore, strom_schema **s) {
  atomic_store(&NSEEN, 0);
  atomic_store(&WRONG_OWNER, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 50, .checkpoint_dir = ckpt,
                                                   .restore_path = restore ? ckpt : NULL});
  *s = strom_schema_parse("v VARCHAR, t VARCHAR, p INT", NULL, 0);
  strom_kafka_source_opts o = {.bootstrap_servers = MOCK.bootstrap,
                               .topic_pattern = "^disc-",
                               .startup_mode = STROM_KAFKA_EARLIEST,
                               .value_format = {.kind = STROM_FORMAT_RAW},
                               .metadata_columns = "t:topic;p:partition",
                               .discovery_interval_ms = 100};
  strom_stream *src = strom_set_uid(strom_kafka_source(env, *s, &o), "kafka");
  strom_discard(strom_process(src, &(strom_process_def){.process = collect}));
  return env;
}

/* disc-a (2 partitions) is read from the start; disc-b (3 partitions) appears while
 * the job runs and is read from its earliest offset, each partition by the subtask
 * Flink's assignment names.  A job restored from the last checkpoint reads only the
 * records of disc-b produced after it, so its offsets were in the checkpoint, and
 * discovers disc-c, created while it runs. */
TEST(new_topics_are_discovered_and_checkpointed) {
  char ckpt[] = "/tmp/strom-kafka-disc-XXXXXX";
  CHECK(mkdtemp(ckpt));
  CHECK_INT(kmock_topic(&MOCK, "disc-a", 2), 0);
  CHECK_INT(produce_named("disc-a", "a", 0, 10), 0);
  strom_schema *s;
  strom_env *env = discovery_job(ckpt, false, &s);
  job_thread j = {.env = env};
  pthread_t th;
  pthread_create(&th, NULL, run_job, &j);
  CHECK(wait_seen(10, 10000));
  CHECK_INT(kmock_topic(&MOCK, "disc-b", 3), 0);
  CHECK_INT(produce_named("disc-b", "b", 0, 9), 0);
  CHECK(wait_seen(19, 10000));
  CHECK(wait_next_ckpt(ckpt, 10000)); /* a checkpoint after the last record */
  strom_env_cancel(env);
  pthread_join(th, NULL);
  strom_env_free(env);
  strom_schema_free(s);
  CHECK_INT(atomic_load(&NSEEN), 19);
  CHECK_INT(atomic_load(&WRONG_OWNER), 0);
  for (int i = 0; i < 10; i++) {
    char v[16];
    snprintf(v, sizeof v, "a%d", i);
    CHECK_INT(seen(v), 1);
  }
  for (int i = 0; i < 9; i++) {
    char v[16];
    snprintf(v, sizeof v, "b%d", i);
    CHECK_INT(seen(v), 1);
  }

  CHECK_INT(produce_named("disc-b", "b", 9, 6), 0);
  env = discovery_job(ckpt, true, &s);
  j = (job_thread){.env = env};
  pthread_create(&th, NULL, run_job, &j);
  CHECK(wait_seen(6, 10000));
  CHECK_INT(kmock_topic(&MOCK, "disc-c", 1), 0);
  CHECK_INT(produce_named("disc-c", "c", 0, 2), 0);
  CHECK(wait_seen(8, 10000));
  sleep_ms(300); /* time for anything read twice to show */
  strom_env_cancel(env);
  pthread_join(th, NULL);
  strom_env_free(env);
  strom_schema_free(s);
  CHECK_INT(atomic_load(&NSEEN), 8);
  CHECK_INT(atomic_load(&WRONG_OWNER), 0);
  for (int i = 9; i < 15; i++) {
    char v[16];
    snprintf(v, sizeof v, "b%d", i);
    CHECK_INT(seen(v), 1);
  }
  CHECK_INT(seen("c0") + seen("c1"), 2);
  rm_rf(ckpt);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  if (kmock_start(&MOCK)) {
    fprintf(stderr, "cannot start the Kafka mock cluster\n");
    return 1;
  }
  RUN(setup_topics);
  RUN(window_fires_only_when_every_partition_passed_it);
  RUN(idle_partition_stops_holding_back_the_watermark);
  RUN(subtasks_with_only_idle_or_no_partitions_are_idle);
  RUN(watermark_options_are_checked);
  RUN(new_topics_are_discovered_and_checkpointed);
  kmock_stop(&MOCK);
  TEST_MAIN_END();
}
