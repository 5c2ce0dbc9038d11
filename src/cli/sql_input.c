/*
 * sql_input.c -- the interactive `strom sql`'s line input: libedit (its readline
 * interface) when standard input is a terminal, so lines can be edited and earlier
 * statements recalled with the arrow keys, with the history kept across runs in
 * ~/.strom_sql_history ($STROM_SQL_HISTORY overrides the path); a plain getline()
 * otherwise, so piped scripts read exactly as before.
 */
#include <editline/readline.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_input.h"

enum { HISTORY_MAX = 1000 };

struct strom__sql_input {
  bool tty;
  char history[1024];
  char *line;
  size_t cap;
};

strom__sql_input *strom__sql_input_open(bool tty) {
  strom__sql_input *in = calloc(1, sizeof *in);
  if (!in) return NULL;
  in->tty = tty;
  if (!tty) return in;
  const char *path = getenv("STROM_SQL_HISTORY"), *home = getenv("HOME");
  if (path) snprintf(in->history, sizeof in->history, "%s", path);
  else if (home) snprintf(in->history, sizeof in->history, "%s/.strom_sql_history", home);
  using_history();
  stifle_history(HISTORY_MAX);
  if (in->history[0]) read_history(in->history); /* a missing file is a first run */
  return in;
}

char *strom__sql_input_line(strom__sql_input *in, const char *prompt, size_t *len) {
  if (!in->tty) {
    ssize_t got = getline(&in->line, &in->cap, stdin);
    if (got <= 0) return NULL;
    *len = (size_t)got;
    return in->line;
  }
  free(in->line);
  char *l = readline(prompt);
  if (!l) {
    in->line = NULL;
    fputc('\n', stdout);
    return NULL;
  }
  /* the caller wants the line with its newline, as getline gives it */
  size_t n = strlen(l);
  char *r = realloc(l, n + 2);
  if (!r) {
    free(l);
    in->line = NULL;
    return NULL;
  }
  r[n] = '\n', r[n + 1] = 0;
  in->line = r;
  *len = n + 1;
  return r;
}

void strom__sql_input_statement(strom__sql_input *in, const char *text, size_t len) {
  if (!in->tty) return;
  /* one history entry per statement, its lines joined */
  char *s = malloc(len + 1);
  if (!s) return;
  size_t k = 0;
  for (size_t i = 0; i < len; i++) s[k++] = text[i] == '\n' || text[i] == '\r' ? ' ' : text[i];
  while (k && s[k - 1] == ' ') k--;
  s[k] = 0;
  if (k) {
    add_history(s);
    if (in->history[0]) write_history(in->history);
  }
  free(s);
}

void strom__sql_input_close(strom__sql_input *in) {
  if (!in) return;
  free(in->line);
  free(in);
}
