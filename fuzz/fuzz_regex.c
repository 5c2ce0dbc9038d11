/*
 * fuzz_regex.c -- libFuzzer target for the regular-expression engine
 * (src/core/regex.c) and the partition-time extractor's pattern
 * (src/connectors/sink_partitioned.c).  The input is a pattern, a NUL byte, then a
 * subject (also used as a replacement).  Invariants: no memory error, UB or leak; a
 * refused pattern says why; a find's groups lie inside the subject and inside group 0;
 * the boolean find agrees with the capturing one; matching ends in time linear in the
 * subject (run with -timeout to catch a hang).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/sink_partitioned.h"
#include "core/regex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t pn = nul ? (size_t)(nul - data) : size;
  const char *subj = nul ? (const char *)nul + 1 : "";
  size_t sn = nul ? size - pn - 1 : 0;
  strom__regex *re;
  char err[256] = "";
  if (strom__regex_compile((const char *)data, pn, &re, err, sizeof err)) {
    if (!err[0]) abort();
  } else {
    if (pn && data[0] & 1) strom__regex_optimize(re); /* half the inputs take the DFA */
    int ng = strom__regex_groups(re) + 1;
    if (ng > 8) ng = 8;
    void *work = malloc(strom__regex_work_size(re));
    int32_t caps[16];
    bool found = strom__regex_find(re, subj, sn, 0, caps, ng, work);
    if (found != strom__regex_find(re, subj, sn, 0, NULL, 0, work)) abort();
    if (found) {
      if (caps[0] < 0 || caps[1] < caps[0] || (size_t)caps[1] > sn) abort();
      for (int g = 1; g < ng; g++)
        if (caps[2 * g] >= 0 && (caps[2 * g + 1] < caps[2 * g] || (size_t)caps[2 * g + 1] > sn)) abort();
    }
    strom_buf out = {0};
    strom__regex_replace(re, subj, sn, subj, sn > 16 ? 16 : sn, false, &out, work, err, sizeof err);
    strom__buf_free(&out);
    free(work);
    strom__regex_free(re);
  }
  /* the input as a partition-time pattern over two partition values */
  char *pat = malloc(size + 1);
  if (!pat) return 0;
  memcpy(pat, data, size);
  pat[size] = 0;
  const char *names[] = {"dt", "hm"}, *vals[] = {"2015-07-15", "12:05"};
  int64_t ms;
  strom__partition_time(pat, 2, names, vals, &ms);
  free(pat);
  return 0;
}
