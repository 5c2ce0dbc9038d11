/*
 * fuzz_jdbc_batch.c -- libFuzzer target for the PostgreSQL sink's batch decoder
 * (strom__jdbc_batch_decode), which reads held batches back from a checkpoint.
 * Invariants: no memory error or UB; a refusal says so in the message; an accepted
 * batch encodes to bytes that decode to a batch encoding to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "connectors/jdbc_batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static strom_schema *schema;
  static const int pk[] = {0};
  if (!schema) schema = strom_schema_parse("id BIGINT, name VARCHAR, price DECIMAL(10,2), at TIMESTAMP(3), ok BOOLEAN, d DOUBLE", NULL, 0);
  strom_jdbc_stmts s = {.table = "t", .schema = schema, .ncols = 6, .pk = pk, .npk = 1, .max_rows = 100,
                        .insert_head = "", .insert_tail = "", .delete_head = ""};
  strom_jdbc_batch b = {0}, b2 = {0};
  char err[256] = "";
  const uint8_t *p = data;
  int rc = strom__jdbc_batch_decode(&b, &s, &p, data + size, NULL, NULL, err, sizeof err);
  if (rc) {
    if (!err[0]) abort();
  } else {
    if (p < data || p > data + size) abort();
    strom_buf e1 = {0}, e2 = {0};
    if (strom__jdbc_batch_encode(&b, &s, &e1)) abort();
    const uint8_t *q = (const uint8_t *)e1.p;
    if (strom__jdbc_batch_decode(&b2, &s, &q, q + e1.len, NULL, NULL, err, sizeof err)) {
      fprintf(stderr, "re-decoding failed: %s\n", err);
      abort();
    }
    if (strom__jdbc_batch_encode(&b2, &s, &e2) || e1.len != e2.len || memcmp(e1.p, e2.p, e1.len)) abort();
    strom__buf_free(&e1);
    strom__buf_free(&e2);
  }
  strom__jdbc_batch_free(&b);
  strom__jdbc_batch_free(&b2);
  return 0;
}
