/*
 * test_connectors.c -- sources and sinks end to end: the CSV format and source
 * (types, header, quoting, delimiters, NULLs, malformed lines failing with
 * file:line or skipped and counted), the text source split over 1..8 subtasks, the
 * CSV and print sinks, and the socket source against a server in a thread.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connectors/format_csv.h"
#include "test.h"

/* ---- helpers ---- */

static char tmpdir[64];

static const char *tmp_path(const char *name) {
  static char paths[8][128];
  static int k;
  char *p = paths[k++ & 7];
  snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
  return p;
}

static int write_file(const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = fwrite(data, 1, len, f);
  return fclose(f) == 0 && w == len ? 0 : -1;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  strom_buf b = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) strom__buf_append(&b, chunk, n);
  fclose(f);
  if (!b.p) strom__buf_append(&b, "", 0);
  if (len) *len = b.len;
  return b.p;
}

static uint64_t rng_state = 1;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The formatted rows of r, sorted, joined with '\n' (malloc'd). */
static char *results_text(strom_results *r) {
  size_t n = strom_results_count(r);
  char **lines = calloc(n + 1, sizeof *lines);
  for (size_t i = 0; i < n; i++) {
    const strom_row *row = strom_results_row(r, i);
    int len = strom_row_format(row, NULL, 0);
    lines[i] = malloc((size_t)len + 1);
    strom_row_format(row, lines[i], (size_t)len + 1);
  }
  qsort(lines, n, sizeof *lines, cmp_str);
  strom_buf b = {0};
  strom__buf_append(&b, "", 0);
  for (size_t i = 0; i < n; i++) {
    strom__buf_printf(&b, "%s\n", lines[i]);
    free(lines[i]);
  }
  free(lines);
  return b.p;
}

/* Sorts and joins expected lines the same way. */
static char *expected_text(const char **rows, size_t n) {
  const char **copy = malloc((n + 1) * sizeof *copy);
  memcpy(copy, rows, n * sizeof *copy);
  qsort(copy, n, sizeof *copy, cmp_str);
  strom_buf b = {0};
  strom__buf_append(&b, "", 0);
  for (size_t i = 0; i < n; i++) strom__buf_printf(&b, "%s\n", copy[i]);
  free(copy);
  return b.p;
}

/* Runs stderr into a file for the duration of a job, to read the engine's log. */
typedef struct capture {
  int saved, fd;
  const char *path;
} capture;
static void capture_begin(capture *c, const char *path) {
  fflush(stderr);
  c->path = path;
  c->saved = dup(2);
  c->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(c->fd, 2);
}
static char *capture_end(capture *c) {
  fflush(stderr);
  dup2(c->saved, 2);
  close(c->saved);
  close(c->fd);
  return read_file(c->path, NULL);
}

/* ---- the CSV format itself ---- */

static int csv1(strom_row *r, const char *line, char delim, char *err) {
  err[0] = 0;
  return strom__csv_parse(r, line, strlen(line), delim, err, 256);
}

TEST(csv_parse_fields_quotes_and_nulls) {
  strom_schema *s = strom_schema_parse("a VARCHAR, n INT, d DECIMAL(6,2)", NULL, 0);
  strom_row *r = strom_row_new(s);
  char err[256], out[256];
  CHECK_INT(csv1(r, "hello,3,1.5", ',', err), 0);
  strom_row_format(r, out, sizeof out);
  CHECK_STR(out, "+I[hello, 3, 1.50]");
  CHECK_INT(csv1(r, "\"a,b\",4,2", ',', err), 0);
  strom_row_format(r, out, sizeof out);
  CHECK_STR(out, "+I[a,b, 4, 2.00]");
  CHECK_INT(csv1(r, "\"say \"\"hi\"\"\", 5 ,", ',', err), 0); /* doubled quotes; blanks; empty */
  strom_row_format(r, out, sizeof out);
  CHECK_STR(out, "+I[say \"hi\", 5, null]");
  CHECK_INT(csv1(r, ",,", ',', err), 0); /* empty VARCHAR is "", other types NULL */
  CHECK(!strom_row_is_null(r, 0) && strom_row_is_null(r, 1) && strom_row_is_null(r, 2));
  CHECK_INT(csv1(r, "\"\",\"\",\"\"", ',', err), 0);
  CHECK(!strom_row_is_null(r, 0) && strom_row_is_null(r, 1));
  CHECK_INT(csv1(r, "x;y,z;7;0.25", ';', err), STROM_EPARSE); /* 4 fields with ';' */
  CHECK_INT(csv1(r, "x,y;7;0.25", ';', err), 0);
  strom_row_format(r, out, sizeof out);
  CHECK_STR(out, "+I[x,y, 7, 0.25]");
  CHECK_INT(csv1(r, "\"q;uoted\"\t8\t1", '\t', err), 0);
  strom_row_format(r, out, sizeof out);
  CHECK_STR(out, "+I[q;uoted, 8, 1.00]");
  CHECK_INT(csv1(r, " keep blanks ,1,1", ',', err), 0); /* strings are not trimmed */
  size_t n;
  const char *p = strom_row_get_str(r, 0, &n);
  CHECK(n == 13 && !memcmp(p, " keep blanks ", 13));
  strom_row_free(r);
  strom_schema_free(s);
}

TEST(csv_parse_errors_name_the_column) {
  strom_schema *s = strom_schema_parse("a VARCHAR, n INT, d DECIMAL(6,2)", NULL, 0);
  strom_row *r = strom_row_new(s);
  char err[256];
  CHECK_INT(csv1(r, "x,abc,1", ',', err), STROM_EPARSE);
  CHECK_STR(err, "column 2 (n): cannot parse 'abc' as INT");
  CHECK_INT(csv1(r, "x,1,1.234", ',', err), STROM_EPARSE);
  CHECK_STR(err, "column 3 (d): cannot parse '1.234' as DECIMAL(6,2)");
  CHECK_INT(csv1(r, "x,1", ',', err), STROM_EPARSE);
  CHECK_STR(err, "expected 3 fields, found 2");
  CHECK_INT(csv1(r, "x,1,2,3,4", ',', err), STROM_EPARSE);
  CHECK_STR(err, "expected 3 fields, found 5");
  CHECK_INT(csv1(r, "x,1,2,", ',', err), STROM_EPARSE);
  CHECK_STR(err, "expected 3 fields, found 4");
  CHECK_INT(csv1(r, "\"open,1,2", ',', err), STROM_EPARSE);
  CHECK_STR(err, "column 1: unterminated quoted field");
  CHECK_INT(csv1(r, "\"a\"b,1,2", ',', err), STROM_EPARSE);
  CHECK_STR(err, "column 1: text after a closing quote");
  CHECK_INT(csv1(r, "", ',', err), STROM_EPARSE);
  CHECK_STR(err, "expected 3 fields, found 1");
  strom_row_free(r);
  strom_schema_free(s);
}

TEST(csv_format_quotes_when_needed) {
  strom_schema *s = strom_schema_parse("a VARCHAR, n INT, b VARCHAR, c VARCHAR", NULL, 0);
  strom_row *r = strom_row_new(s), *q = strom_row_new(s);
  strom_row_set_str(r, 0, "a,b", 3);
  strom_row_set_str(r, 2, "say \"hi\"", 8);
  strom_row_set_str(r, 3, "plain", 5);
  strom_buf b = {0};
  CHECK_INT(strom__csv_format(&b, r), 0);
  CHECK_STR(b.p, "\"a,b\",,\"say \"\"hi\"\"\",plain\n");
  /* And it parses back (without the newline). */
  char err[256];
  CHECK_INT(strom__csv_parse(q, b.p, b.len - 1, ',', err, sizeof err), 0);
  char x[128], y[128];
  strom_row_format(r, x, sizeof x);
  strom_row_format(q, y, sizeof y);
  CHECK_STR(y, x);
  strom__buf_free(&b);
  strom_row_free(r);
  strom_row_free(q);
  strom_schema_free(s);
}

/* ---- the CSV source ---- */

static const char *TYPED_SCHEMA =
    "id INT, name VARCHAR, price DECIMAL(10,2), ok BOOLEAN, ts TIMESTAMP(3), score DOUBLE, big BIGINT";

static const char *typed_rows[] = {
    "+I[1, plain, 12.30, true, 2020-01-01 00:00:00.123, 1.5, 9000000000]",
    "+I[2, with, comma, 0.50, false, 2020-01-01 00:00:01.000, -2.0, 1]",
    "+I[3, say \"hi\", -7.00, true, 2021-06-30 00:00:00.000, 0.0, -5]",
    "+I[4, , null, null, null, null, null]",
    "+I[5,  spaced , 3.25, false, 2020-01-01 00:00:00.000, 4.5, 7]",
    "+I[6, , 1.00, true, 2020-01-01 00:00:00.000, 1.0, 1]",
    "+I[7, a\"\"b, -0.01, null, null, 1.0E100, -9223372036854775808]",
    "+I[8, ;, 0.00, false, 1999-12-31 23:59:59.999, -0.5, 0]",
};

static char *typed_csv(char d) {
  /* The same records with any delimiter d (d never occurs unquoted in a value). */
  const char *lines[] = {
      "id~name~price~ok~ts~score~big",
      "1~plain~12.30~true~2020-01-01 00:00:00.123~1.5~9000000000",
      "2~\"with, comma\"~0.5~false~2020-01-01T00:00:01Z~-2~1",
      "3~\"say \"\"hi\"\"\"~-7~TRUE~2021-06-30~0~-5",
      "4~~~~~~",
      "5~\" spaced \"~ 3.25 ~false~ 2020-01-01 00:00:00 ~  4.5 ~7",
      "6~\"\"~1~true~2020-01-01~1~1",
      "7~\"a\"\"\"\"b\"~-0.01~null~~1e100~-9223372036854775808",
      "8~\";\"~0~false~1999-12-31T23:59:59.999~-.5~0",
  };
  strom_buf b = {0};
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
    for (const char *p = lines[i]; *p; p++) {
      char c = *p == '~' ? d : *p;
      strom__buf_append(&b, &c, 1);
    }
    strom__buf_append(&b, i == 4 ? "\r\n" : "\n", i == 4 ? 2 : 1); /* one CRLF line */
  }
  strom__buf_append(&b, "\n", 1); /* a blank line at the end is ignored */
  return b.p;
}

TEST(csv_source_typed_columns_header_quotes_delimiters) {
  static const char delims[] = {',', ';', '|', '\t'};
  char *want = expected_text(typed_rows, sizeof typed_rows / sizeof *typed_rows);
  for (size_t k = 0; k < sizeof delims; k++) {
    char *text = typed_csv(delims[k]);
    const char *path = tmp_path("typed.csv");
    CHECK_INT(write_file(path, text, strlen(text)), 0);
    free(text);
    for (int par = 1; par <= 3; par += 2) {
      strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
      strom_schema *s = strom_schema_parse(TYPED_SCHEMA, NULL, 0);
      strom_csv_opts o = {.delimiter = delims[k] == ',' ? 0 : delims[k], .header = true};
      strom_results *r = strom_collect(strom_read_csv(env, path, s, &o));
      int rc = strom_execute(env, "csv");
      if (rc) fprintf(stderr, "  delimiter '%c' p=%d: %s\n", delims[k], par, strom_env_errmsg(env));
      CHECK_INT(rc, STROM_OK);
      char *got = results_text(r);
      if (strcmp(got, want)) fprintf(stderr, "  delimiter '%c' p=%d got:\n%s", delims[k], par, got);
      CHECK_STR(got, want);
      free(got);
      strom_schema_free(s);
      strom_env_free(env);
    }
  }
  free(want);
}

TEST(csv_source_without_header_reads_first_line) {
  const char *path = tmp_path("nohdr.csv");
  CHECK_INT(write_file(path, "1,a\n2,b", 7), 0); /* and no final newline */
  strom_env *env = strom_env_new(NULL);
  strom_schema *s = strom_schema_parse("id INT, v VARCHAR", NULL, 0);
  strom_results *r = strom_collect(strom_read_csv(env, path, s, NULL));
  CHECK_INT(strom_execute(env, "csv"), STROM_OK);
  char *got = results_text(r);
  CHECK_STR(got, "+I[1, a]\n+I[2, b]\n");
  free(got);
  strom_schema_free(s);
  strom_env_free(env);
}

/* A CSV of n records "i,<name>,i*3" with quoting-heavy names; line 1 is a header. */
static char *big_csv(int n, int bad_line, const char *bad) {
  strom_buf b = {0};
  strom__buf_append(&b, "id,name,n\n", 10);
  for (int i = 0; i < n; i++) {
    int line = i + 2;
    if (line == bad_line) {
      strom__buf_printf(&b, "%s\n", bad);
      continue;
    }
    switch (i % 4) {
      case 0: strom__buf_printf(&b, "%d,name%d,%d\n", i, i, i * 3); break;
      case 1: strom__buf_printf(&b, "%d,\"a,b \"\"%d\"\"\",%d\n", i, i, i * 3); break;
      case 2: strom__buf_printf(&b, "%d,,%d\r\n", i, i * 3); break;
      default: strom__buf_printf(&b, "%d,\"\",%d\n", i, i * 3); break;
    }
  }
  return b.p;
}

/* Checks that r holds each record of big_csv(n) exactly once, except skip_id. */
static int check_big(strom_results *r, int n, int skip_id) {
  char *seen = calloc((size_t)n, 1);
  int bad = 0;
  for (size_t i = 0; i < strom_results_count(r); i++) {
    const strom_row *row = strom_results_row(r, i);
    int id = strom_row_get_int(row, 0);
    if (id < 0 || id >= n || seen[id]++ || id == skip_id) bad++;
    if (strom_row_get_int(row, 2) != id * 3) bad++;
    char want[64];
    size_t len;
    const char *s = strom_row_get_str(row, 1, &len);
    switch (id % 4) {
      case 0: snprintf(want, sizeof want, "name%d", id); break;
      case 1: snprintf(want, sizeof want, "a,b \"%d\"", id); break;
      default: want[0] = 0; break;
    }
    if (len != strlen(want) || memcmp(s, want, len) || strom_row_is_null(row, 1)) bad++;
  }
  for (int id = 0; id < n; id++)
    if (!seen[id] && id != skip_id) bad++;
  free(seen);
  return bad;
}

TEST(csv_source_large_file_same_at_parallelism_1_to_4) {
  const int n = 5000;
  char *text = big_csv(n, -1, NULL);
  const char *path = tmp_path("big.csv");
  CHECK_INT(write_file(path, text, strlen(text)), 0);
  free(text);
  for (int par = 1; par <= 4; par++) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_schema_parse("id INT, name VARCHAR, n BIGINT", NULL, 0);
    strom_results *r = strom_collect(strom_read_csv(env, path, s, &(strom_csv_opts){.header = true}));
    int rc = strom_execute(env, "csv");
    if (rc) fprintf(stderr, "  p=%d: %s\n", par, strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    CHECK_INT(strom_results_count(r), n);
    CHECK_INT(check_big(r, n, -1), 0);
    strom_schema_free(s);
    strom_env_free(env);
  }
}

TEST(csv_malformed_line_fails_with_file_line_and_column) {
  const int n = 3000;
  /* Bad lines near the start, in the middle and at the end, so at parallelism 3
   * each subtask is the one that reports. */
  const int bad_lines[] = {2, 1500, 3001};
  const char *bads[] = {"x,name,notanumber", "7,\"fine\",12abc", "9,z,99999999999999999999"};
  for (int b = 0; b < 3; b++) {
    char *text = big_csv(n, bad_lines[b], bads[b]);
    const char *path = tmp_path("bad.csv");
    CHECK_INT(write_file(path, text, strlen(text)), 0);
    free(text);
    for (int par = 1; par <= 3; par += 2) {
      strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
      strom_schema *s = strom_schema_parse("id INT, name VARCHAR, count BIGINT", NULL, 0);
      strom_discard(strom_read_csv(env, path, s, &(strom_csv_opts){.header = true}));
      int rc = strom_execute(env, "csv");
      CHECK_INT(rc, STROM_EPARSE);
      const char *msg = strom_env_errmsg(env);
      char want[160];
      snprintf(want, sizeof want, "%s:%d: ", path, bad_lines[b]);
      const char *col = b == 0 ? "column 1 (id): cannot parse 'x' as INT" : "column 3 (count): cannot parse";
      if (!strstr(msg, want) || !strstr(msg, col)) fprintf(stderr, "  p=%d: %s\n", par, msg);
      CHECK(strstr(msg, want));
      CHECK(strstr(msg, col));
      CHECK(strstr(msg, "CSV Source (subtask "));
      strom_schema_free(s);
      strom_env_free(env);
    }
  }
}

TEST(csv_skip_malformed_counts_and_keeps_good_rows) {
  const int n = 2000;
  char *text = big_csv(n, -1, NULL);
  /* Replace 7 records with bad lines of every kind. */
  strom_buf b = {0};
  const char *bad[] = {"oops", "1,2", "1,a,2,3", "\"unterminated,1,2", "\"a\"x,1,2", "abc,d,1", "1,d,1.5"};
  int bad_ids[] = {3, 400, 999, 1000, 1500, 1777, 1999};
  int nb = 0, line = 0;
  for (char *p = text, *nl; (nl = strchr(p, '\n')); p = nl + 1, line++) {
    if (nb < 7 && line == bad_ids[nb] + 1) { /* line 0 is the header */
      strom__buf_printf(&b, "%s\n", bad[nb++]);
      continue;
    }
    strom__buf_append(&b, p, (size_t)(nl + 1 - p));
  }
  free(text);
  CHECK_INT(nb, 7);
  const char *path = tmp_path("skip.csv");
  CHECK_INT(write_file(path, b.p, b.len), 0);
  strom__buf_free(&b);
  for (int par = 1; par <= 3; par += 2) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_schema_parse("id INT, name VARCHAR, n BIGINT", NULL, 0);
    strom_results *r =
        strom_collect(strom_read_csv(env, path, s, &(strom_csv_opts){.header = true, .skip_malformed = true}));
    capture cap;
    capture_begin(&cap, tmp_path("stderr.txt"));
    int rc = strom_execute(env, "csv");
    char *log = capture_end(&cap);
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    CHECK_INT(strom_results_count(r), n - 7);
    /* Every good record once; the replaced ones absent. */
    char *seen = calloc((size_t)n, 1);
    for (size_t i = 0; i < strom_results_count(r); i++) seen[strom_row_get_int(strom_results_row(r, i), 0)]++;
    int wrong = 0;
    for (int id = 0, k = 0; id < n; id++) {
      bool is_bad = k < 7 && bad_ids[k] == id;
      if (is_bad) k++;
      wrong += seen[id] != (is_bad ? 0 : 1);
    }
    free(seen);
    CHECK_INT(wrong, 0);
    /* The log counts them: "skipped N malformed lines" per subtask adds up to 7. */
    long total = 0;
    for (const char *p = log; (p = strstr(p, "skipped ")); p++) total += strtol(p + 8, NULL, 10);
    bool first = strstr(log, "skipping malformed line") != NULL;
    if (total != 7) fprintf(stderr, "  log:\n%s", log);
    free(log);
    CHECK_INT(total, 7);
    CHECK(first);
    strom_schema_free(s);
    strom_env_free(env);
  }
}

TEST(file_sources_fail_on_missing_file_naming_it) {
  const char *path = tmp_path("does-not-exist.txt");
  for (int csv = 0; csv < 2; csv++) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
    strom_schema *s = strom_schema_parse("a INT", NULL, 0);
    strom_discard(csv ? strom_read_csv(env, path, s, NULL) : strom_read_text(env, path));
    CHECK_INT(strom_execute(env, "missing"), STROM_EIO);
    const char *msg = strom_env_errmsg(env);
    char want[200];
    snprintf(want, sizeof want, "cannot open '%s'", path);
    if (!strstr(msg, want)) fprintf(stderr, "  %s\n", msg);
    CHECK(strstr(msg, want));
    CHECK(strstr(msg, "No such file"));
    strom_schema_free(s);
    strom_env_free(env);
  }
  /* A directory is not a file. */
  strom_env *env = strom_env_new(NULL);
  strom_discard(strom_read_text(env, tmpdir));
  CHECK_INT(strom_execute(env, "dir"), STROM_EIO);
  CHECK(strstr(strom_env_errmsg(env), "is not a regular file"));
  strom_env_free(env);
}

/* ---- the text source ---- */

typedef struct lines {
  char **v;
  size_t n;
} lines;

static void lines_free(lines *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
}

/* Writes nlines random lines (0..maxlen bytes; some empty, some CRLF) to path,
 * ending with a newline or not; returns the lines as the source must give them. */
static lines make_text(const char *path, size_t nlines, size_t maxlen, bool final_newline) {
  lines l = {calloc(nlines, sizeof(char *)), nlines};
  strom_buf b = {0};
  for (size_t i = 0; i < nlines; i++) {
    size_t len = rnd() % 10 == 0 ? 0 : rnd() % (maxlen + 1);
    if (i == nlines - 1 && !final_newline && len == 0) len = 1; /* else the line would not exist */
    char *s = malloc(len + 1);
    for (size_t k = 0; k < len; k++) {
      char c = (char)(32 + rnd() % 95);
      if (rnd() % 50 == 0) c = (char)(128 + rnd() % 128); /* some non-ASCII bytes */
      s[k] = c;
    }
    s[len] = 0;
    l.v[i] = s;
    strom__buf_append(&b, s, len);
    bool last = i == nlines - 1;
    if (!last || final_newline) {
      if (rnd() % 7 == 0) strom__buf_append(&b, "\r\n", 2);
      else strom__buf_append(&b, "\n", 1);
    }
  }
  write_file(path, b.p ? b.p : "", b.len);
  strom__buf_free(&b);
  return l;
}

/* Compares the multiset of lines in r with l (NUL-free lines). */
static int compare_lines(strom_results *r, const lines *l) {
  size_t n = strom_results_count(r);
  if (n != l->n) {
    fprintf(stderr, "  %zu lines, expected %zu\n", n, l->n);
    return -1;
  }
  char **got = malloc((n + 1) * sizeof *got), **want = malloc((n + 1) * sizeof *want);
  for (size_t i = 0; i < n; i++) {
    size_t len;
    const char *s = strom_row_get_str(strom_results_row(r, i), 0, &len);
    got[i] = strndup(s, len);
    want[i] = l->v[i];
  }
  qsort(got, n, sizeof *got, cmp_str);
  qsort(want, n, sizeof *want, cmp_str);
  int diff = 0;
  for (size_t i = 0; i < n; i++)
    if (strcmp(got[i], want[i])) {
      if (!diff) fprintf(stderr, "  first difference at sorted line %zu: '%s' vs '%s'\n", i, got[i], want[i]);
      diff++;
    }
  for (size_t i = 0; i < n; i++) free(got[i]);
  free(got);
  free(want);
  return diff;
}

static int read_text_at(const char *path, int par, const lines *l) {
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
  strom_results *r = strom_collect(strom_read_text(env, path));
  int rc = strom_execute(env, "text");
  if (rc) fprintf(stderr, "  p=%d: %s\n", par, strom_env_errmsg(env));
  if (!rc) rc = compare_lines(r, l);
  if (rc) fprintf(stderr, "  at parallelism %d\n", par);
  strom_env_free(env);
  return rc;
}

TEST(text_source_every_line_once_at_parallelism_1_to_8) {
  rng_state = 2024;
  for (int fin = 0; fin < 2; fin++) {
    const char *path = tmp_path("lines.txt");
    lines l = make_text(path, 20000, 300, fin);
    for (int par = 1; par <= 8; par++) CHECK_INT(read_text_at(path, par, &l), 0);
    lines_free(&l);
  }
}

TEST(text_source_small_and_odd_files) {
  rng_state = 7;
  const char *path = tmp_path("small.txt");
  /* Fewer lines (and bytes) than subtasks; empty files; blank lines only. */
  static const struct {
    const char *text;
    size_t n;
    const char *lines[4];
  } cases[] = {
      {"", 0, {0}},
      {"\n", 1, {""}},
      {"a", 1, {"a"}},
      {"a\nb", 2, {"a", "b"}},
      {"\n\n\n", 3, {"", "", ""}},
      {"x\r\ny\r\n", 2, {"x", "y"}},
      {"\r\n\r\nz", 3, {"", "", "z"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    CHECK_INT(write_file(path, cases[i].text, strlen(cases[i].text)), 0);
    lines l = {(char **)cases[i].lines, cases[i].n};
    for (int par = 1; par <= 8; par += 3) {
      int rc = read_text_at(path, par, &l);
      if (rc) fprintf(stderr, "  case %zu\n", i);
      CHECK_INT(rc, 0);
    }
  }
  /* A line longer than the reader's 1 MiB buffer, split across subtasks. */
  size_t big = 3 * 1024 * 1024 + 17;
  char *text = malloc(big + 16);
  memset(text, 'q', big);
  memcpy(text + big, "\nshort\n", 8);
  CHECK_INT(write_file(path, text, big + 7), 0);
  for (int par = 1; par <= 4; par += 3) {
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_results *r = strom_collect(strom_read_text(env, path));
    CHECK_INT(strom_execute(env, "big"), STROM_OK);
    CHECK_INT(strom_results_count(r), 2);
    size_t n0, n1;
    strom_row_get_str(strom_results_row(r, 0), 0, &n0);
    strom_row_get_str(strom_results_row(r, 1), 0, &n1);
    CHECK((n0 == big && n1 == 5) || (n0 == 5 && n1 == big));
    strom_env_free(env);
  }
  free(text);
}

/* ---- sinks ---- */

static int gen_rows(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, (int64_t)i);
  char name[64];
  int n = snprintf(name, sizeof name, i % 3 == 0 ? "a,b \"%llu\"" : "plain%llu", (unsigned long long)i);
  strom_row_set_str(out, 1, name, (size_t)n);
  if (i % 5 == 0) strom_row_set_null(out, 2);
  else strom_row_set_decimal(out, 2, (int64_t)i * 25 - 1000);
  return 1;
}

TEST(csv_sink_writes_exactly_the_rows) {
  const uint64_t n = 3000;
  for (int par = 1; par <= 3; par += 2) {
    const char *out = tmp_path(par == 1 ? "out.csv" : "outdir");
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_schema_parse("id BIGINT, name VARCHAR, amount DECIMAL(10,2)", NULL, 0);
    CHECK_INT(strom_write_csv(strom_from_generator(env, s, n, gen_rows, NULL), out), STROM_OK);
    int rc = strom_execute(env, "sink");
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    strom_env_free(env);
    /* Parse every file back. */
    char *seen = calloc(n, 1);
    strom_row *row = strom_row_new(s);
    long rows = 0, bad = 0;
    for (int f = 1; f <= par; f++) {
      char path[200];
      if (par == 1) snprintf(path, sizeof path, "%s", out);
      else snprintf(path, sizeof path, "%s/%d", out, f);
      size_t len;
      char *text = read_file(path, &len);
      if (!text) fprintf(stderr, "  no file %s\n", path);
      CHECK(text);
      CHECK(len == 0 || text[len - 1] == '\n');
      for (char *p = text, *nl; (nl = memchr(p, '\n', (size_t)(text + len - p))); p = nl + 1) {
        char err[256];
        if (strom__csv_parse(row, p, (size_t)(nl - p), ',', err, sizeof err)) {
          fprintf(stderr, "  %s: %s\n", path, err);
          bad++;
          continue;
        }
        rows++;
        int64_t id = strom_row_get_bigint(row, 0);
        if (id < 0 || (uint64_t)id >= n || seen[id]++) {
          bad++;
          continue;
        }
        strom_row *want = strom_row_new(s);
        gen_rows(NULL, (uint64_t)id, want);
        char a[128], b[128];
        strom_row_format(want, a, sizeof a);
        strom_row_format(row, b, sizeof b);
        if (strcmp(a, b)) bad++, fprintf(stderr, "  %s vs %s\n", b, a);
        strom_row_free(want);
      }
      free(text);
      unlink(path);
    }
    if (par > 1) {
      /* Exactly files 1..par in the directory. */
      char extra[200];
      snprintf(extra, sizeof extra, "%s/%d", out, par + 1);
      CHECK(access(extra, F_OK) != 0);
      CHECK_INT(rmdir(out), 0);
    }
    free(seen);
    strom_row_free(row);
    strom_schema_free(s);
    CHECK_INT(bad, 0);
    CHECK_INT(rows, n);
  }
}

/* ---- the exactly-once file sink's rolling policy, on a virtual clock ---- */

static _Atomic int64_t roll_clock;
static int64_t roll_now(void *d) {
  (void)d;
  return roll_clock;
}

/* Rows 0-9 every 40 ms from 0, then rows 10-14 every 10 ms from 1000: the clock is
 * the row's time when the (chained) sink writes it. */
static int gen_timed(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  if (i >= 15) return 0;
  roll_clock = i < 10 ? (int64_t)i * 40 : 1000 + (int64_t)(i - 10) * 10;
  strom_row_set_bigint(out, 0, (int64_t)i);
  return 1;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

TEST(file_sink_rolls_part_files_by_age_and_inactivity) {
  const char *dir = tmp_path("rolled");
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 1});
  strom_env_set_clock(env, roll_now, NULL);
  strom_schema *s = strom_schema_parse("id BIGINT", NULL, 0);
  strom_file_sink_opts o = {.rollover_interval_ms = 100, .inactivity_interval_ms = 300};
  CHECK_INT(strom_write_files(strom_from_generator(env, s, 15, gen_timed, NULL), dir, &o), STROM_OK);
  int rc = strom_execute(env, "rolling");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  CHECK_INT(rc, STROM_OK);
  strom_env_free(env);
  /* Opened at 0, rolled after the row at 120 (age 120 >= 100): 4 rows; 160-280: 4;
   * 320-360, rolled when the row at 1000 comes after 640 ms idle: 2; 1000-1040: 5. */
  uint64_t parts[16][2];
  int n = 0;
  DIR *d = opendir(dir);
  CHECK(d != NULL);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_name[0] == '.' || n == 16) continue;
    const char *dash = strrchr(e->d_name, '-');
    char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    size_t len;
    char *text = read_file(path, &len);
    uint64_t nl = 0;
    for (size_t i = 0; text && i < len; i++) nl += text[i] == '\n';
    free(text);
    parts[n][0] = dash ? strtoull(dash + 1, NULL, 10) : 999;
    parts[n++][1] = nl;
    unlink(path);
  }
  if (d) closedir(d);
  rmdir(dir);
  qsort(parts, (size_t)n, sizeof parts[0], cmp_u64);
  CHECK_INT(n, 4);
  uint64_t want[4] = {4, 4, 2, 5};
  for (int i = 0; i < n && i < 4; i++) CHECK_INT(parts[i][1], want[i]);
  /* Negative intervals are refused. */
  env = strom_env_new(NULL);
  o.rollover_interval_ms = -1;
  CHECK_INT(strom_write_files(strom_from_generator(env, s, 1, gen_timed, NULL), dir, &o), STROM_EINVAL);
  CHECK(strstr(strom_env_errmsg(env), "rolling intervals") != NULL);
  strom_env_free(env);
  strom_schema_free(s);
}

TEST(csv_sink_unwritable_path_fails) {
  strom_env *env = strom_env_new(NULL);
  strom_schema *s = strom_schema_parse("id BIGINT, name VARCHAR, amount DECIMAL(10,2)", NULL, 0);
  strom_write_csv(strom_from_generator(env, s, 10, gen_rows, NULL), "/nonexistent-dir/x/out.csv");
  CHECK_INT(strom_execute(env, "sink"), STROM_EIO);
  CHECK(strstr(strom_env_errmsg(env), "cannot open '/nonexistent-dir/x/out.csv' for writing"));
  strom_schema_free(s);
  strom_env_free(env);
}

TEST(print_sink_prefixes_subtasks) {
  const char *path = tmp_path("stdout.txt");
  for (int par = 1; par <= 2; par++) {
    fflush(stdout);
    int saved = dup(1), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_schema *s = strom_schema_parse("id BIGINT, name VARCHAR, amount DECIMAL(10,2)", NULL, 0);
    strom_print(strom_from_generator(env, s, 100, gen_rows, NULL));
    int rc = strom_execute(env, "print");
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(fd);
    strom_schema_free(s);
    strom_env_free(env);
    CHECK_INT(rc, STROM_OK);
    char *text = read_file(path, NULL);
    int nlines = 0, prefixed = 0;
    for (char *p = text; *p && strchr(p, '\n'); p = strchr(p, '\n') + 1, nlines++) prefixed += p[0] >= '1' && p[0] <= '2' && p[1] == '>';
    bool has = strstr(text, par == 1 ? "\n+I[1, plain1, -9.75]\n" : "> +I[1, plain1, -9.75]\n") != NULL;
    bool nul = strstr(text, ", null]\n") != NULL;
    free(text);
    CHECK_INT(nlines, 100);
    CHECK_INT(prefixed, par == 1 ? 0 : 100);
    CHECK(has);
    CHECK(nul);
  }
}

/* ---- the socket source ---- */

typedef struct server {
  int lfd, port;
  const char *data;
  size_t len;
  pthread_t th;
} server;

static void *serve(void *arg) {
  server *s = arg;
  int fd = accept(s->lfd, NULL, NULL);
  if (fd < 0) return NULL;
  uint64_t st = 99;
  for (size_t off = 0; off < s->len;) {
    st = st * 6364136223846793005ull + 1442695040888963407ull;
    size_t chunk = 1 + (size_t)(st >> 33) % 5000; /* lines split across reads */
    if (chunk > s->len - off) chunk = s->len - off;
    ssize_t w = write(fd, s->data + off, chunk);
    if (w <= 0) break;
    off += (size_t)w;
  }
  close(fd);
  return NULL;
}

static int listen_local(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 4) ||
      getsockname(fd, (struct sockaddr *)&a, &al)) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

TEST(socket_source_reads_every_line) {
  const int n = 30000;
  strom_buf b = {0};
  for (int i = 0; i < n; i++) {
    strom__buf_printf(&b, "line %d%s", i, i == n - 1 ? "" : i % 10 == 3 ? "\r\n" : "\n");
    if (i == n / 2) { /* one line longer than the source's 64 KiB reads */
      for (int k = 0; k < 200000; k++) strom__buf_append(&b, "L", 1);
      strom__buf_append(&b, "\n", 1);
    }
  }
  for (int par = 1; par <= 2; par++) {
    server srv = {.data = b.p, .len = b.len};
    srv.lfd = listen_local(&srv.port);
    CHECK(srv.lfd >= 0);
    pthread_create(&srv.th, NULL, serve, &srv);
    /* With parallelism 2 the collect sink is behind a channel (rebalance). */
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
    strom_results *r = strom_collect(strom_socket_text(env, "127.0.0.1", srv.port));
    int rc = strom_execute(env, "socket");
    pthread_join(srv.th, NULL);
    close(srv.lfd);
    if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
    CHECK_INT(rc, STROM_OK);
    CHECK_INT(strom_results_count(r), n + 1);
    char *seen = calloc((size_t)n, 1);
    int bad = 0, long_lines = 0;
    for (size_t i = 0; i < strom_results_count(r); i++) {
      size_t len;
      const char *s = strom_row_get_str(strom_results_row(r, i), 0, &len);
      if (len == 200000 && s[0] == 'L' && s[len - 1] == 'L') {
        long_lines++;
        continue;
      }
      char tmp[32];
      snprintf(tmp, sizeof tmp, "%.*s", (int)len, s);
      int id = -1;
      char extra;
      if (sscanf(tmp, "line %d%c", &id, &extra) != 1 || id < 0 || id >= n || seen[id]++) bad++;
    }
    free(seen);
    strom_env_free(env);
    CHECK_INT(bad, 0);
    CHECK_INT(long_lines, 1);
  }
  strom__buf_free(&b);
}

TEST(socket_source_closed_port_fails_naming_host_port) {
  int port;
  int fd = listen_local(&port);
  CHECK(fd >= 0);
  close(fd); /* nothing listens there now */
  strom_env *env = strom_env_new(NULL);
  strom_discard(strom_socket_text(env, "127.0.0.1", port));
  CHECK_INT(strom_execute(env, "socket"), STROM_ENET);
  char want[64];
  snprintf(want, sizeof want, "cannot connect to 127.0.0.1:%d", port);
  const char *msg = strom_env_errmsg(env);
  if (!strstr(msg, want)) fprintf(stderr, "  %s\n", msg);
  CHECK(strstr(msg, want));
  CHECK(strstr(msg, "Socket Source"));
  strom_env_free(env);
  /* Bad arguments are refused when the job is built. */
  env = strom_env_new(NULL);
  CHECK(strom_socket_text(env, "127.0.0.1", 0) == NULL);
  CHECK_INT(strom_execute(env, "socket"), STROM_EINVAL);
  CHECK(strstr(strom_env_errmsg(env), "bad host or port"));
  strom_env_free(env);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setenv("STROM_LOG", "warn", 1); /* the skip count is logged at WARN */
  snprintf(tmpdir, sizeof tmpdir, "/tmp/strom-conn-XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  RUN(csv_parse_fields_quotes_and_nulls);
  RUN(csv_parse_errors_name_the_column);
  RUN(csv_format_quotes_when_needed);
  RUN(csv_source_typed_columns_header_quotes_delimiters);
  RUN(csv_source_without_header_reads_first_line);
  RUN(csv_source_large_file_same_at_parallelism_1_to_4);
  RUN(csv_malformed_line_fails_with_file_line_and_column);
  RUN(csv_skip_malformed_counts_and_keeps_good_rows);
  RUN(file_sources_fail_on_missing_file_naming_it);
  RUN(text_source_every_line_once_at_parallelism_1_to_8);
  RUN(text_source_small_and_odd_files);
  RUN(csv_sink_writes_exactly_the_rows);
  RUN(file_sink_rolls_part_files_by_age_and_inactivity);
  RUN(csv_sink_unwritable_path_fails);
  RUN(print_sink_prefixes_subtasks);
  RUN(socket_source_reads_every_line);
  RUN(socket_source_closed_port_fails_naming_host_port);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmpdir);
  TEST_MAIN_END();
}
