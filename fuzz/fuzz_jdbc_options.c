/*
 * fuzz_jdbc_options.c -- libFuzzer target for strom_jdbc_opts_from_pairs, the parser of
 * Flink's JDBC option keys.  The input is lines taken as key, value, key, value, ...
 * Invariants: no memory error or UB; a refusal gets a message starting "jdbc option"
 * that fits the buffer (a tiny buffer is truncated, not overrun); an acceptance has a
 * url and a table name and points its strings into the given values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strom/jdbc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = 0;
  const char *kv[64];
  size_t n = 0;
  for (char *p = text; n < 64;) {
    kv[n++] = p;
    char *nl = strchr(p, '\n');
    if (!nl) break;
    *nl = 0;
    p = nl + 1;
  }
  size_t pairs = n / 2;
  strom_jdbc_opts o;
  char err[256] = "";
  int rc = strom_jdbc_opts_from_pairs(&o, kv, pairs, err, sizeof err);
  if (rc) {
    if (strncmp(err, "jdbc option", 11) || strlen(err) >= sizeof err) abort();
    char tiny[4];
    if (strom_jdbc_opts_from_pairs(&o, kv, pairs, tiny, sizeof tiny) != rc || strlen(tiny) != 3) abort();
  } else {
    if (!o.url || !o.table_name) abort();
    bool url_given = false;
    for (size_t i = 0; i < pairs; i++) url_given |= o.url == kv[2 * i + 1];
    if (!url_given) abort();
  }
  free(text);
  return 0;
}
