/*
 * bench_kafka.c -- Kafka connector throughput against librdkafka's mock cluster (a
 * child process on loopback, tests/kafka_mock.h):
 *
 *   sink         generator -> Kafka sink (json value, raw key, at-least-once)
 *   sink-eo      the same, exactly-once (a transaction per checkpoint, every 200 ms)
 *   source       Kafka source (json, bounded at the latest offset) -> discard
 *   source-sink  Kafka source -> Kafka sink (json both ways, at-least-once)
 *
 * Each prints records/s, MB/s of record values, the CPU the job's process used (cores)
 * and records/s per core.  The mock broker's own CPU (another process) is not counted:
 * it is the broker's, as a real cluster's would be.
 *
 *   bench_kafka [--records N] [--par P] [--quick]
 */
#include "bench_util.h"
#include "../tests/kafka_mock.h"
#include "strom/kafka.h"

static long RECORDS = 1000000;
static int PAR = 1;
static kmock MOCK;
static uint64_t VALUE_BYTES;

static int gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  char k[16];
  int n = snprintf(k, sizeof k, "k%llu", (unsigned long long)(i % 1000));
  strom_row_set_str(out, 0, k, (size_t)n);
  strom_row_set_bigint(out, 1, (int64_t)i);
  strom_row_set_str(out, 2, "a bid of some size for the benchmark", 36);
  strom_row_set_decimal(out, 3, (int64_t)(i % 100000));
  strom_row_set_timestamp(out, 4, 1700000000000 + (int64_t)i);
  return 1;
}

static strom_schema *schema(void) {
  return strom_schema_parse("k VARCHAR, id BIGINT, note VARCHAR, price DECIMAL(10,2), ts TIMESTAMP(3)", NULL, 0);
}

typedef struct result {
  double secs, cpu;
  int rc;
} result;

static const char *const NO_PROPS[] = {"linger.ms", "20", "batch.num.messages", "10000", NULL};

static result run(const char *what, const char *in_topic, const char *out_topic, bool eo) {
  char dir[] = "/tmp/strom-bench-kafka-XXXXXX";
  if (!mkdtemp(dir)) return (result){.rc = -1};
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = PAR, .checkpoint_interval_ms = eo ? 200 : 0,
                                                   .checkpoint_dir = eo ? dir : NULL});
  strom_schema *s = schema();
  strom_stream *in = in_topic
                         ? strom_kafka_source(env, s, &(strom_kafka_source_opts){.bootstrap_servers = MOCK.bootstrap,
                                                                                  .topics = in_topic,
                                                                                  .startup_mode = STROM_KAFKA_EARLIEST,
                                                                                  .bounded_latest = true,
                                                                                  .value_format = {.kind = STROM_FORMAT_JSON}})
                         : strom_from_generator(env, s, (uint64_t)RECORDS, gen, NULL);
  if (out_topic)
    strom_kafka_sink(in, &(strom_kafka_sink_opts){.bootstrap_servers = MOCK.bootstrap, .topic = out_topic,
                                                  .value_format = {.kind = STROM_FORMAT_JSON},
                                                  .key_format = {.kind = STROM_FORMAT_RAW}, .key_fields = "k",
                                                  .delivery = eo ? STROM_KAFKA_EXACTLY_ONCE : STROM_KAFKA_AT_LEAST_ONCE,
                                                  .transactional_id_prefix = "bench", .properties = NO_PROPS});
  else
    strom_discard(in);
  double t0 = bench_now_s(), c0 = bench_cpu_s();
  int rc = strom_execute(env, what);
  result r = {.secs = bench_now_s() - t0, .cpu = bench_cpu_s() - c0, .rc = rc};
  if (rc) fprintf(stderr, "%s: %s\n", what, strom_env_errmsg(env));
  strom_env_free(env);
  strom_schema_free(s);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) {}
  return r;
}

static void report(const char *name, result r) {
  if (r.rc) {
    printf("| %-12s | failed |\n", name);
    return;
  }
  double rps = (double)RECORDS / r.secs, cores = r.cpu / r.secs;
  printf("| %-12s | %3d | %9.0f | %7.1f | %5.2f | %9.0f |\n", name, PAR, rps, (double)VALUE_BYTES / r.secs / 1e6, cores,
         rps / cores);
  fflush(stdout);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--records") && i + 1 < argc) RECORDS = atol(argv[++i]);
    else if (!strcmp(argv[i], "--par") && i + 1 < argc) PAR = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--quick")) RECORDS = 100000;
    else /* bench/run.sh passes the same arguments to every bench: others' are not errors */
      fprintf(stderr, "bench_kafka: ignoring '%s' (usage: bench_kafka [--records N] [--par P] [--quick])\n", argv[i]);
  }
  if (kmock_start(&MOCK)) {
    fprintf(stderr, "cannot start the Kafka mock cluster\n");
    return 1;
  }
  if (kmock_topic(&MOCK, "b_in", 4) || kmock_topic(&MOCK, "b_out", 4) || kmock_topic(&MOCK, "b_eo", 4) ||
      kmock_topic(&MOCK, "strom-txn-markers", 1))
    return 1;
  /* The value size: one typical record's json. */
  VALUE_BYTES = (uint64_t)strlen("{\"k\":\"k456\",\"id\":123456,\"note\":\"a bid of some size for the benchmark\","
                                 "\"price\":234.56,\"ts\":\"2023-11-14 22:13:20.123\"}") * (uint64_t)RECORDS;
  printf("%ld records of ~%llu bytes (json value), mock cluster with 1 broker, 4 partitions\n", RECORDS,
         (unsigned long long)(VALUE_BYTES / (uint64_t)RECORDS));
  printf("| job          | par |  records/s |    MB/s | cores | rec/s/core |\n");
  printf("|---|---|---|---|---|---|\n");
  int rc = 0;
  result r = run("sink", NULL, "b_in", false);
  report("sink", r);
  rc |= r.rc;
  r = run("sink-eo", NULL, "b_eo", true);
  report("sink-eo", r);
  rc |= r.rc;
  r = run("source", "b_in", NULL, false);
  report("source", r);
  rc |= r.rc;
  r = run("source-sink", "b_in", "b_out", false);
  report("source-sink", r);
  rc |= r.rc;
  kmock_stop(&MOCK);
  return rc ? 1 : 0;
}
