/*
 * fs_lines.c -- the line number of a json line the filesystem source could not parse,
 * for the error message (the text reader does not pass positions on).  The first line
 * of the file with the same bytes is the one: an identical line before it would have
 * failed first.  Only the error path reads the file again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_int.h"

long sql_fs_line_of(const char *path, const char *line, size_t n) {
  FILE *f = path ? fopen(path, "r") : NULL;
  if (!f) return 0;
  char *buf = NULL;
  size_t cap = 0;
  long no = 0, found = 0;
  for (ssize_t got; !found && (got = getline(&buf, &cap, f)) >= 0;) {
    no++;
    size_t k = (size_t)got;
    while (k && (buf[k - 1] == '\n' || buf[k - 1] == '\r')) k--;
    if (k == n && !memcmp(buf, line, n)) found = no;
  }
  free(buf);
  fclose(f);
  return found;
}
