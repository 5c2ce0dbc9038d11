/*
 * fuzz_kafka_headers.c -- libFuzzer target for the 'headers' metadata column's text
 * (strom__kafka_headers_parse), which a Kafka sink reads from any SQL STRING value.
 * Invariants: no memory error or UB (ASan, UBSan); a rejection is STROM_EPARSE with a
 * message; accepted headers render back to text that parses to the same headers.
 */
#include <stdint.h>
#include <stdlib.h>

#include "connectors/kafka_common.h"

static bool same(const rd_kafka_headers_t *a, const rd_kafka_headers_t *b) {
  if (rd_kafka_header_cnt(a) != rd_kafka_header_cnt(b)) return false;
  for (size_t i = 0; i < rd_kafka_header_cnt(a); i++) {
    const char *na, *nb;
    const void *va, *vb;
    size_t la, lb;
    if (rd_kafka_header_get_all(a, i, &na, &va, &la) || rd_kafka_header_get_all(b, i, &nb, &vb, &lb)) return false;
    if (strcmp(na, nb) || !va != !vb || la != lb || (la && memcmp(va, vb, la))) return false;
  }
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *v = malloc(size ? size : 1); /* exactly size bytes: ASan catches reads past them */
  memcpy(v, data, size);
  char err[256] = "";
  rd_kafka_headers_t *h;
  int rc = strom__kafka_headers_parse(v, size, &h, err, sizeof err);
  free(v);
  if (rc) {
    if (rc != STROM_EPARSE || !err[0] || h) abort();
    return 0;
  }
  strom_buf b = {0};
  if (strom__kafka_headers_render(&b, h)) abort();
  rd_kafka_headers_t *h2;
  if (strom__kafka_headers_parse(b.p, b.len, &h2, err, sizeof err) || !same(h, h2)) abort();
  rd_kafka_headers_destroy(h);
  rd_kafka_headers_destroy(h2);
  strom__buf_free(&b);
  return 0;
}
