/*
 * fuzz_regex.c -- libFuzzer target for the translation of Java regular expressions
 * to POSIX ERE (src/sql/fn_regex.c) and for the partition-time extractor's pattern
 * (src/connectors/sink_partitioned.c).  Invariants: no memory error, UB or leak; a
 * translation that succeeds is a NUL-terminated ERE that regcomp either accepts (and
 * then regexec runs over the input) or refuses with a code; a refused translation
 * says why.
 */
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>

#include "connectors/sink_partitioned.h"
#include "sql/sql_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* NUL-terminated, as fn_regex.c hands subjects to regexec */
  char *pat = malloc(size + 1);
  if (!pat) return 0;
  memcpy(pat, data, size);
  pat[size] = 0;
  strom_buf o = {0};
  char err[256] = "";
  int rc = sql_regex_translate((const char *)data, size, &o, err, sizeof err);
  if (rc && !err[0]) abort();
  if (!rc) {
    regex_t re;
    if (!regcomp(&re, o.p ? o.p : "", REG_EXTENDED)) {
      regmatch_t m[4];
      m[0].rm_so = 0, m[0].rm_eo = (regoff_t)size;
      regexec(&re, pat, 4, m, REG_STARTEND);
      regfree(&re);
    }
  }
  strom__buf_free(&o);
  /* the input as a partition-time pattern over two partition values */
  const char *names[] = {"dt", "hm"}, *vals[] = {"2015-07-15", "12:05"};
  int64_t ms;
  strom__partition_time(pat, 2, names, vals, &ms);
  free(pat);
  return 0;
}
