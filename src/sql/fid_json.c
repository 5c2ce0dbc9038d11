/*
 * fid_json.c -- a TIMESTAMP inside JSON_STRING / JSON_OBJECT / JSON_ARRAY as Flink
 * writes it: Java's ISO_LOCAL_DATE_TIME ("2026-01-01T10:00:00", the fraction only when
 * non-zero and without trailing zeros, "2026-01-01T10:00:00.5"), not the SQL text.
 */
#include <string.h>

#include "sql_int.h"

bool sql_fid_json_ts(strom_buf *b, const sql_type *t, const sql_val *v) {
  if (t->kind || t->id != STROM_TIMESTAMP || t->ltz || v->null) return false;
  strom_buf x = {0};
  sql_val_format(&x, t, v);
  if (!x.p) return strom__buf_free(&x), false;
  size_t n = x.len;
  char *dot = memchr(x.p, '.', n);
  if (dot) {
    while (n > (size_t)(dot - x.p) + 1 && x.p[n - 1] == '0') n--;
    if (n == (size_t)(dot - x.p) + 1) n--; /* no fraction left: no dot */
  }
  char *sp = memchr(x.p, ' ', n);
  if (sp) *sp = 'T';
  strom__buf_append(b, "\"", 1);
  strom__buf_append(b, x.p, n);
  strom__buf_append(b, "\"", 1);
  strom__buf_free(&x);
  return true;
}
