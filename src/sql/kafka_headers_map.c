/*
 * kafka_headers_map.c -- the Kafka 'headers' metadata column typed as Flink types it,
 * MAP<STRING, BYTES>.  The connector carries headers as the JSON object text of
 * kafka_headers.c; a MAP column is converted from and to that text right after the
 * source and before the sink (types_io.c), through librdkafka's header lists, so both
 * sides keep the connector's escaping.  As Flink's source builds a HashMap, a name that
 * repeats keeps its last value (in the position of its first); a header without a value
 * is a NULL.
 */
#include <string.h>

#include "../connectors/kafka_common.h"
#include "sql_int.h"

bool sql_kafka_headers_map(const sql_type *t) {
  return t->kind == SQL_K_MAP && t->key && t->elem && t->key->id == STROM_VARCHAR && !t->key->kind &&
         t->elem->kind == SQL_K_BYTES;
}

static void put_str(strom_buf *b, const void *s, size_t n, bool null) {
  uint8_t z = null;
  strom__buf_append(b, &z, 1);
  if (null) return;
  uint32_t len = (uint32_t)n;
  strom__buf_append(b, &len, 4);
  strom__buf_append(b, s, n);
}

/* JSON object text -> the MAP's encoding (types_coll.c: a count, then key and value,
 * each a null byte and, when not null, a length and the bytes). */
static int f_from(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  rd_kafka_headers_t *h = NULL;
  char err[160];
  if (strom__kafka_headers_parse(a[0].s.p, a[0].s.n, &h, err, sizeof err))
    return sql_ectx_fail(c, "Kafka headers: %s", err);
  const char *name, *nm2;
  const void *val, *v2;
  size_t vn, vn2;
  strom_buf b = {0};
  uint32_t count = 0;
  strom__buf_append(&b, &count, 4);
  for (size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &val, &vn); i++) {
    bool seen = false; /* an earlier header of this name took the last value already */
    for (size_t j = 0; j < i && !seen; j++)
      if (!rd_kafka_header_get_all(h, j, &nm2, &v2, &vn2) && !strcmp(nm2, name)) seen = true;
    if (seen) continue;
    const void *last = val;
    size_t lastn = vn;
    for (size_t j = i + 1; !rd_kafka_header_get_all(h, j, &nm2, &v2, &vn2); j++)
      if (!strcmp(nm2, name)) last = v2, lastn = vn2;
    put_str(&b, name, strlen(name), false);
    put_str(&b, last, lastn, last == NULL);
    count++;
  }
  rd_kafka_headers_destroy(h);
  char *p = sql_ectx_alloc(c, b.len ? b.len : 1);
  if (!p || !b.p) return strom__buf_free(&b), STROM_ENOMEM;
  memcpy(b.p, &count, 4);
  memcpy(p, b.p, b.len);
  out->s.p = p, out->s.n = (uint32_t)b.len;
  strom__buf_free(&b);
  return 0;
}

/* One encoded string at *p (false if malformed); *null for a NULL. */
static bool get_str(const char **p, const char *end, const char **s, uint32_t *n, bool *null) {
  if (*p >= end) return false;
  *null = **p != 0;
  (*p)++;
  if (*null) return true;
  if (end - *p < 4) return false;
  memcpy(n, *p, 4);
  *p += 4;
  if ((size_t)(end - *p) < *n) return false;
  *s = *p;
  *p += *n;
  return true;
}

/* The MAP's encoding -> JSON object text the sink reads back into headers. */
static int f_to(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  const char *p = a[0].s.p, *end = p + a[0].s.n;
  uint32_t count;
  if (end - p < 4) return sql_ectx_fail(c, "Kafka headers: a malformed MAP value");
  memcpy(&count, p, 4);
  p += 4;
  rd_kafka_headers_t *h = rd_kafka_headers_new(count < 64 ? count : 64);
  int rc = 0;
  for (uint32_t i = 0; i < count && !rc; i++) {
    const char *k = NULL, *v = NULL;
    uint32_t kn = 0, vn = 0;
    bool kz, vz;
    if (!get_str(&p, end, &k, &kn, &kz) || !get_str(&p, end, &v, &vn, &vz)) {
      rc = sql_ectx_fail(c, "Kafka headers: a malformed MAP value");
      break;
    }
    if (kz) continue; /* a NULL name: no header */
    if (memchr(k, 0, kn)) rc = sql_ectx_fail(c, "Kafka headers: a header name contains a NUL byte");
    else if (rd_kafka_header_add(h, k, (ssize_t)kn, vz ? NULL : v, vz ? 0 : (ssize_t)vn))
      rc = sql_ectx_fail(c, "Kafka headers: cannot add header '%.*s'", (int)(kn > 40 ? 40 : kn), k);
  }
  strom_buf b = {0};
  if (!rc && strom__kafka_headers_render(&b, h)) rc = STROM_ENOMEM;
  rd_kafka_headers_destroy(h);
  if (!rc) {
    char *q = sql_ectx_alloc(c, b.len ? b.len : 1);
    if (!q) rc = STROM_ENOMEM;
    else memcpy(q, b.p, b.len), out->s.p = q, out->s.n = (uint32_t)b.len;
  }
  strom__buf_free(&b);
  return rc;
}

static int ck_none(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a, (void)e, (void)err, (void)errlen;
  return 0;
}
static const sql_func f_hdr_from = {"HEADERS_FROM_TEXT", 1, 1, true, ck_none, f_from};
static const sql_func f_hdr_to = {"HEADERS_TO_TEXT", 1, 1, true, ck_none, f_to};

sql_expr *sql_kafka_headers_io(sql_arena *a, sql_expr *x, const sql_type *t, bool decode) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **args = sql_arena_alloc(a, sizeof *args);
  if (!e || !args) return NULL;
  static const sql_type text = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX};
  *e = (sql_expr){.op = SQL_E_FUNC, .n = 1, .a = args, .fn = decode ? &f_hdr_from : &f_hdr_to, .type = decode ? *t : text};
  e->type.not_null = false;
  args[0] = x;
  return e;
}
