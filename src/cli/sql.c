/*
 * sql.c -- `strom sql`: runs Flink SQL on the embedded runtime.  With -f it runs a
 * script (statements separated by ';', ${VAR} from -D VAR=value) and stops at the first
 * failing statement; without -f it reads statements from standard input, runs each
 * when a line ends with ';', and keeps going after errors; on a terminal lines are
 * edited with libedit and statements kept in a history (sql_input.c).  SIGINT and
 * SIGTERM cancel the running job.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sql_input.h"
#include "strom/sql.h"

int strom__cmd_sql(int argc, char **argv);

static strom_sql_session *volatile current;
static volatile sig_atomic_t sql_signal;

static void on_sql_signal(int sig) {
  sql_signal = sig;
  if (current) strom_sql_cancel(current);
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) free(buf);
      buf = nb;
    }
  }
  if (f != stdin) fclose(f);
  *len = n;
  return buf;
}

static void report(strom_sql_session *s) {
  fprintf(stderr, "[ERROR] Could not execute SQL statement. Reason:\n%s\n", strom_sql_errmsg(s));
}

/* True when text ends with ';' outside quotes and comments: a statement is complete. */
static bool complete(const char *t, size_t n) {
  char q = 0;
  bool end = false;
  for (size_t i = 0; i < n; i++) {
    char c = t[i];
    if (q) {
      if (c == q) q = 0;
      continue;
    }
    if (c == '\'' || c == '`') q = c, end = false;
    else if (c == '-' && i + 1 < n && t[i + 1] == '-') {
      while (i < n && t[i] != '\n') i++;
    } else if (c == ';') end = true;
    else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') end = false;
  }
  return end && !q;
}

/* SET 'key' = 'value' with the value quoted as SQL wants ('' for '). */
static int set_option(strom_sql_session *s, const char *key, const char *value) {
  size_t n = strlen(value), k = 0;
  char *q = malloc(2 * n + strlen(key) + 32);
  if (!q) return 1;
  k += (size_t)sprintf(q, "SET '%s' = '", key);
  for (size_t i = 0; i < n; i++) {
    if (value[i] == '\'') q[k++] = '\'';
    q[k++] = value[i];
  }
  k += (size_t)sprintf(q + k, "';");
  int rc = strom_sql_execute(s, q, k);
  free(q);
  if (rc) report(s);
  return rc ? 1 : 0;
}

int strom__cmd_sql(int argc, char **argv) {
  const char *file = NULL;
  strom_sql_session *s = strom_sql_session_new(stdout);
  if (!s) return 1;
  for (int i = 2; i < argc; i++) {
    if ((!strcmp(argv[i], "-f") || !strcmp(argv[i], "--file")) && i + 1 < argc) file = argv[++i];
    /* Resume the script's job from a checkpoint or savepoint folder (Flink's -s). */
    else if ((!strcmp(argv[i], "--from") || !strcmp(argv[i], "-s")) && i + 1 < argc) {
      if (set_option(s, "execution.savepoint.path", argv[++i])) {
        strom_sql_session_free(s);
        return 2;
      }
    } else if (!strcmp(argv[i], "--allow-non-restored-state")) {
      if (set_option(s, "execution.savepoint.ignore-unclaimed-state", "true")) {
        strom_sql_session_free(s);
        return 2;
      }
    }
    else if (!strcmp(argv[i], "-D") && i + 1 < argc) {
      char *kv = argv[++i], *eq = strchr(kv, '=');
      if (!eq || eq == kv) {
        fprintf(stderr, "strom sql: -D wants VAR=value, got '%s'\n", kv);
        strom_sql_session_free(s);
        return 2;
      }
      *eq = 0;
      strom_sql_define(s, kv, eq + 1);
      *eq = '=';
    } else {
      fprintf(stderr,
              "strom sql: unknown argument '%s' (usage: strom sql [-f script.sql] [--from PATH] "
              "[--allow-non-restored-state] [-D VAR=value ...])\n",
              argv[i]);
      strom_sql_session_free(s);
      return 2;
    }
  }
  struct sigaction sa = {.sa_handler = on_sql_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  current = s;
  int status = 0;
  if (file) {
    size_t len;
    char *text = read_file(file, &len);
    if (!text) {
      perror(file);
      status = 1;
    } else {
      if (strom_sql_execute(s, text, len)) report(s), status = 1;
      free(text);
      /* background INSERTs ('table.dml-sync' = 'false') run in this process: see them through */
      if (strom_sql_wait(s, false)) report(s), status = 1;
    }
  } else {
    bool tty = isatty(0);
    strom__sql_input *input = strom__sql_input_open(tty);
    char *buf = NULL, *line = NULL;
    size_t len = 0, cap = 0, got;
    while (input && (line = strom__sql_input_line(input, len ? "> " : "Flink SQL> ", &got))) {
      if (len + (size_t)got + 1 > cap) {
        cap = (len + (size_t)got + 1) * 2;
        char *nb = realloc(buf, cap);
        if (!nb) break;
        buf = nb;
      }
      memcpy(buf + len, line, (size_t)got);
      len += (size_t)got;
      if (complete(buf, len)) {
        strom__sql_input_statement(input, buf, len);
        if (strom_sql_execute(s, buf, len)) {
          report(s);
          status = 1;
        } else if (tty) {
          fputs("[INFO] Execute statement succeeded.\n", stdout);
        }
        len = 0;
        if (sql_signal) break;
      }
    }
    if (len && !sql_signal) {
      bool blank = true;
      for (size_t i = 0; i < len; i++) blank &= buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r';
      if (!blank && strom_sql_execute(s, buf, len)) report(s), status = 1;
    }
    free(buf);
    strom__sql_input_close(input);
    if (strom_sql_wait(s, true)) report(s), status = 1; /* quitting ends the jobs the session started */
  }
  current = NULL;
  strom_sql_session_free(s);
  if (sql_signal) return 128 + sql_signal;
  return status;
}
