/*
 * fuzz_tzif.c -- libFuzzer target for the TZif reader (src/core/tzif.c): the input is
 * a time zone file.  Invariants: no memory error, UB or leak; a parsed zone answers
 * every instant and wall-clock time with an offset within a day and a few hours of
 * UTC (the bound the parser enforces), including the extremes of int64.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/tzif.h"

static void check(int32_t o) {
  if (o > 26 * 3600 || o < -26 * 3600) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  strom__tz *tz = strom__tz_parse(data, size);
  if (!tz) return 0;
  static const int64_t probes[] = {INT64_MIN, -4000000000000LL, -2208988800LL, -1, 0, 1700000000LL,
                                   2147483648LL, 4102444800LL, 253402300799LL, INT64_MAX};
  for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
    check(strom__tz_utc_offset(tz, probes[i]));
    check(strom__tz_local_offset(tz, probes[i]));
  }
  /* a sweep through a few years around now catches footer-rule edges */
  for (int64_t t = 1700000000LL; t < 1700000000LL + 4 * 365 * 86400LL; t += 86400 * 7 + 3601) {
    check(strom__tz_utc_offset(tz, t));
    check(strom__tz_local_offset(tz, t));
  }
  strom__tz_free(tz);
  return 0;
}
