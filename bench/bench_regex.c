/*
 * bench_regex.c -- the regex engine (src/core/regex.c) against glibc's regcomp/regexec
 * (the POSIX path the SQL functions used before) on 1 M Nexmark-like URLs: a REGEXP
 * predicate (a find without groups; the old path asked regexec for group 0) and a
 * REGEXP_EXTRACT of group 2, per pattern, each twice.  Prints
 * rows/s for each; both run single-threaded over the same strings.
 */
#include <regex.h>

#include "bench_util.h"
#include "core/regex.h"

#define ROWS 1000000

int main(int argc, char **argv) {
  int rows = argc > 1 ? atoi(argv[1]) : ROWS;
  char **s = malloc(sizeof *s * (size_t)rows);
  size_t *len = malloc(sizeof *len * (size_t)rows);
  unsigned seed = 42;
  for (int i = 0; i < rows; i++) {
    char buf[160];
    seed = seed * 1103515245u + 12345u;
    int k = (int)(seed >> 16) % 4;
    if (k == 0) snprintf(buf, sizeof buf, "https://www.nexmark.com/item.htm?query=%u&channel_id=%u", seed % 977, seed % 1013);
    else if (k == 1) snprintf(buf, sizeof buf, "https://www.nexmark.com/xyz/abc/item.htm?query=%u", seed % 9973);
    else if (k == 2) snprintf(buf, sizeof buf, "channel_id=%u&x=%u", seed % 1013, seed % 7);
    else snprintf(buf, sizeof buf, "https://www.nexmark.com/%u/%u/item.htm", seed % 100, seed % 91);
    s[i] = strdup(buf);
    len[i] = strlen(buf);
  }
  struct {
    const char *java, *ere;
  } pats[] = {
      {"(&|^)channel_id=([^&]*)", "(&|^)channel_id=([^&]*)"},
      {"item\\.htm", "item\\.htm"},
      {"^https://[a-z.]+/(\\w+)/(\\d+)", "^https://[a-z.]+/([[:alnum:]_]+)/([0-9]+)"},
  };
  printf("%-40s %-8s %14s %14s %8s\n", "pattern", "op", "strom rows/s", "regexec rows/s", "ratio");
  for (size_t p = 0; p < sizeof pats / sizeof *pats; p++) {
    strom__regex *re;
    char err[200];
    if (strom__regex_compile(pats[p].java, strlen(pats[p].java), &re, err, sizeof err)) {
      fprintf(stderr, "%s\n", err);
      return 1;
    }
    strom__regex_optimize(re); /* as the SQL functions do for a literal pattern */
    regex_t px;
    regcomp(&px, pats[p].ere, REG_EXTENDED);
    void *work = malloc(strom__regex_work_size(re));
    for (int op = 0; op < 4; op++) {
      int ncap = op & 1 ? 3 : 0;
      long hits1 = 0, hits2 = 0;
      int32_t caps[6];
      double t0 = bench_now_s();
      for (int i = 0; i < rows; i++) hits1 += strom__regex_find(re, s[i], len[i], 0, caps, ncap, work);
      double t1 = bench_now_s();
      regmatch_t m[3];
      for (int i = 0; i < rows; i++) {
        m[0].rm_so = 0, m[0].rm_eo = (regoff_t)len[i];
        hits2 += regexec(&px, s[i], op & 1 ? 3 : 1, m, REG_STARTEND) == 0;
      }
      double t2 = bench_now_s();
      if (hits1 != hits2) fprintf(stderr, "hits differ: %ld vs %ld\n", hits1, hits2);
      printf("%-40s %-8s %14.0f %14.0f %8.2f\n", pats[p].java, op & 1 ? "extract" : "match", rows / (t1 - t0),
             rows / (t2 - t1), (t2 - t1) / (t1 - t0));
    }
    free(work);
    regfree(&px);
    strom__regex_free(re);
  }
  for (int i = 0; i < rows; i++) free(s[i]);
  free(s);
  free(len);
  return 0;
}
