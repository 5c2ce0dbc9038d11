/*
 * kafka_sql_test.h -- what the SQL-over-Kafka format tests share: a session whose
 * ${BS} is the mock cluster's bootstrap address, the tableau's changelog rows as
 * "+I[a, b]" lines (in order, or sorted where several keys' rows come in no set order),
 * CHECK_QUERY / CHECK_QUERY_HAS over them, and a producer of hand-written messages.
 * Header-only, included by one test file each after it defines `static kmock MOCK`.
 */
#ifndef STROM_KAFKA_SQL_TEST_H
#define STROM_KAFKA_SQL_TEST_H

#include "core/core.h" /* strom_buf */
#include "kafka_mock.h"
#include "strom/sql.h"
#include "test.h"

static kmock MOCK;

static inline int run(const char *sql, char **out, char *err, size_t errlen) {
  size_t n;
  FILE *f = open_memstream(out, &n);
  strom_sql_session *s = strom_sql_session_new(f);
  strom_sql_define(s, "BS", MOCK.bootstrap);
  int rc = strom_sql_execute(s, sql, strlen(sql));
  snprintf(err, errlen, "%s", strom_sql_errmsg(s));
  strom_sql_session_free(s);
  fclose(f);
  return rc;
}

static inline int kq_cmp_lines(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

/* One tableau line "| +I | a | b |" as "+I[a, b]\n" appended to l. */
static inline void kq_row(strom_buf *l, const char *p, const char *e) {
  strom__buf_printf(l, "%.2s[", p + 2);
  bool first = true;
  for (const char *c = p + 6; c < e;) {
    const char *bar = memchr(c, '|', (size_t)(e - c));
    if (!bar) break;
    const char *x = c, *z = bar;
    while (x < z && *x == ' ') x++;
    while (z > x && z[-1] == ' ') z--;
    strom__buf_printf(l, "%s%.*s", first ? "" : ", ", (int)(z - x), x);
    first = false;
    c = bar + 1;
  }
  strom__buf_printf(l, "]\n");
}

/* The changelog rows of sql's tableau output as "+I[a, b]" lines (sorted if sort), or
 * "error: ...". */
static inline char *query_rows(const char *sql, bool sort) {
  char *out = NULL, err[1024];
  int rc = run(sql, &out, err, sizeof err);
  strom_buf r = {0};
  char *lines[256];
  int n = 0;
  if (rc) {
    strom__buf_printf(&r, "error: %s", err);
  } else {
    for (const char *p = out; *p;) {
      const char *e = strchr(p, '\n');
      if (!e) e = p + strlen(p);
      if (e - p > 6 && !strncmp(p, "| ", 2) && (p[2] == '+' || p[2] == '-') && n < 256) {
        strom_buf l = {0};
        kq_row(&l, p, e);
        lines[n++] = l.p;
      }
      p = *e ? e + 1 : e;
    }
    if (sort) qsort(lines, (size_t)n, sizeof *lines, kq_cmp_lines);
    for (int i = 0; i < n; i++) strom__buf_printf(&r, "%s", lines[i]), free(lines[i]);
  }
  free(out);
  if (!r.p) strom__buf_append(&r, "", 0);
  return r.p;
}

#define CHECK_QUERY(sql, want)  \
  do {                          \
    char *got_ = query(sql);    \
    CHECK_STR(got_, want);      \
    free(got_);                 \
  } while (0)

#define CHECK_QUERY_HAS(sql, want)                                                                   \
  do {                                                                                               \
    char *got_ = query(sql);                                                                         \
    if (!strstr(got_, want)) fprintf(stderr, "  got: %s\n  expected to contain: %s\n", got_, want); \
    CHECK(strstr(got_, want) != NULL);                                                               \
    free(got_);                                                                                      \
  } while (0)

/* Produces the n messages msgs[i] (lens[i] bytes; lens NULL: strings) to partition 0. */
static inline int produce(const char *topic, const char *const *msgs, const size_t *lens, int n) {
  rd_kafka_t *rk = kmock_producer(&MOCK);
  if (!rk) return -1;
  int rc = 0;
  for (int i = 0; i < n; i++)
    rc |= rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                            RD_KAFKA_V_VALUE((void *)msgs[i], lens ? lens[i] : strlen(msgs[i])),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  if (rd_kafka_flush(rk, 10000)) rc = -1;
  rd_kafka_destroy(rk);
  return rc;
}

#endif
