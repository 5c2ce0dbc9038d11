/*
 * sensor_windows.c -- a keyed, event-time aggregation: the average temperature of
 * each sensor per 10-second tumbling window, over readings that arrive out of order.
 *
 *   build/release/examples/sensor_windows [READINGS] [PARALLELISM]
 *
 * A generator makes READINGS readings from 8 sensors, one every 10 ms of event time,
 * each delayed by up to 2 s; the watermark allows 2 s of disorder, so every reading
 * counts and each window fires once.
 */
#include <stdio.h>
#include <stdlib.h>

#include "strom.h"

enum { SENSORS = 8 };

static int reading(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  uint64_t h = i * 0x9E3779B97F4A7C15ull;
  strom_row_set_int(out, 0, (int32_t)(i % SENSORS));
  strom_row_set_timestamp(out, 1, (int64_t)(i * 10) - (int64_t)(h >> 53) % 2000);
  strom_row_set_double(out, 2, 15.0 + (double)((h >> 20) % 1000) / 100.0);
  return 1;
}

static int acc_create(strom_ctx *ctx, strom_row *acc) {
  (void)ctx;
  strom_row_set_bigint(acc, 0, 0);
  strom_row_set_double(acc, 1, 0);
  return STROM_OK;
}

static int acc_add(strom_ctx *ctx, const strom_row *in, const strom_row *acc, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(acc, 0) + 1);
  strom_row_set_double(out, 1, strom_row_get_double(acc, 1) + strom_row_get_double(in, 2));
  return STROM_OK;
}

static int acc_result(strom_ctx *ctx, const strom_row *acc, strom_row *out) {
  strom_row_set_int(out, 0, strom_row_get_int(strom_ctx_key(ctx), 0));
  strom_row_set_timestamp(out, 1, strom_ctx_window_start(ctx));
  strom_row_set_bigint(out, 2, strom_row_get_bigint(acc, 0));
  strom_row_set_double(out, 3, strom_row_get_double(acc, 1) / (double)strom_row_get_bigint(acc, 0));
  return STROM_OK;
}

int main(int argc, char **argv) {
  uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = argc > 2 ? atoi(argv[2]) : 2});
  strom_schema *in = strom_schema_parse("sensor INT, ts TIMESTAMP(3), temp DOUBLE", NULL, 0);
  strom_schema *acc = strom_schema_parse("n BIGINT, total DOUBLE", NULL, 0);
  strom_schema *out = strom_schema_parse("sensor INT, window_start TIMESTAMP(3), readings BIGINT, avg_temp DOUBLE", NULL, 0);
  strom_aggregate_def avg = {.acc_schema = acc, .out_schema = out, .create = acc_create, .add = acc_add, .result = acc_result};
  strom_stream *readings = strom_assign_timestamps(
      strom_from_generator(env, in, n, reading, NULL),
      &(strom_watermark_strategy){.kind = STROM_WM_BOUNDED, .max_out_of_orderness_ms = 2000, .timestamp_column = "ts"});
  strom_stream *avgs = strom_window(strom_key_by(readings, "sensor"),
                                    &(strom_window_def){.assigner = strom_tumbling(10000), .aggregate = &avg});
  strom_print(avgs);
  int rc = strom_execute(env, "SensorAverages");
  if (rc) fprintf(stderr, "sensor_windows: %s\n", strom_env_errmsg(env));
  strom_schema_free(in);
  strom_schema_free(acc);
  strom_schema_free(out);
  strom_env_free(env);
  return rc ? 1 : 0;
}
