/*
 * fuzz_kafka_marker.c -- libFuzzer target for the exactly-once Kafka sink's commit
 * marker parser (strom__kafka_marker_parse), which reads records of a Kafka topic that
 * anyone with access can write.  Invariants: no memory error or UB (ASan, UBSan), and
 * a value the sink writes parses back to its checkpoint.
 */
#include <stdint.h>
#include <stdlib.h>

#include "connectors/kafka_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *v = malloc(size ? size : 1); /* exactly size bytes: ASan catches reads past them */
  memcpy(v, data, size);
  int64_t ckpt;
  (void)strom__kafka_marker_parse(v, size, &ckpt);
  free(v);
  /* Round trip of what the sink writes, with a checkpoint taken from the input. */
  int64_t want = 0;
  memcpy(&want, data, size < 8 ? size : 8);
  strom_kafka_range r = {(int32_t)(want & 0xffff), want, want};
  strom_buf b = {0};
  if (strom__kafka_marker_value(&b, want, (uint64_t)size, &r, 1)) abort();
  if (!strom__kafka_marker_parse(b.p, b.len, &ckpt) || ckpt != want) abort();
  strom__buf_free(&b);
  return 0;
}
