/*
 * fuzz_num_text.c -- libFuzzer target for the Java-style number text (src/core/num_text.c):
 * the input's bytes are taken as doubles and floats.  Invariants: no memory error or UB;
 * the text fits STROM__DOUBLE_TEXT_MAX, reads back (strtod / strtof) to the same value bit
 * for bit (NaN as NaN), has a '.' (or is NaN / Infinity) and an 'E' exactly when the value
 * is outside [1e-3, 1e7).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static void check(double d, bool single) {
  char t[STROM__DOUBLE_TEXT_MAX];
  memset(t, 'x', sizeof t);
  size_t n = strom__double_text(t, d, single);
  if (n >= sizeof t || t[n] != 0 || strlen(t) != n) abort();
  if (isnan(d)) {
    if (strcmp(t, "NaN")) abort();
    return;
  }
  double want = single ? (double)(float)d : d; /* a double past FLT_MAX is a float Infinity */
  if (isinf(want)) {
    if (strcmp(t, want > 0 ? "Infinity" : "-Infinity")) abort();
    return;
  }
  double back = single ? (double)strtof(t, NULL) : strtod(t, NULL);
  if (memcmp(&back, &want, sizeof back)) abort(); /* -0.0 too */
  if (!strchr(t, '.')) abort();
  double a = fabs(want);
  bool sci = strchr(t, 'E') != NULL;
  if (want != 0 && sci != (a < 1e-3 || a >= 1e7)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (size_t i = 0; i + 8 <= size; i += 8) {
    double d;
    memcpy(&d, data + i, 8);
    check(d, false);
    check(d, true);
  }
  for (size_t i = 0; i + 4 <= size; i += 4) {
    float f;
    memcpy(&f, data + i, 4);
    check(f, true);
  }
  return 0;
}
