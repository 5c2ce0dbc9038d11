/*
 * types_pgarray.c -- ARRAY columns of jdbc tables (a jdbc catalog maps PostgreSQL's
 * int4[], text[] ... to ARRAY<INT>, ARRAY<STRING> as Flink does).  PostgreSQL's text
 * form of an array ({1,2,NULL}, {"a b",c}, {{1,2},{3,4}}) differs from the text form
 * types_coll.c reads and writes, so types_io.c converts through here: read, the braces
 * become brackets and every element a JSON string (types_coll.c's reader takes them,
 * whatever the element type) before the CAST; written, the array's JSON (strings in
 * double quotes with backslash escapes, which PostgreSQL's array input also takes) has
 * its brackets turned into braces.
 */
#include <strings.h>

#include "sql_int.h"

static const sql_type T_TEXT = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX};

static int text_out(strom_buf *b, sql_val *out, sql_ectx *c) {
  char *p = sql_ectx_alloc(c, b->len + 1);
  if (!p) return strom__buf_free(b), STROM_ENOMEM;
  memcpy(p, b->p ? b->p : "", b->len);
  out->null = false, out->s.p = p, out->s.n = (uint32_t)b->len;
  strom__buf_free(b);
  return 0;
}

static void json_char(strom_buf *b, char ch) {
  if (ch == '"' || ch == '\\') strom__buf_append(b, "\\", 1);
  if (ch == '\n') strom__buf_append(b, "\\n", 2);
  else if (ch == '\t') strom__buf_append(b, "\\t", 2);
  else if (ch == '\r') strom__buf_append(b, "\\r", 2);
  else strom__buf_append(b, &ch, 1);
}

/* PostgreSQL's {..} text -> [..] with JSON string elements (NULL stays NULL) */
static int f_from_pg(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  const char *s = a[0].s.p, *end = s + a[0].s.n;
  strom_buf b = {0};
  if (s < end && *s == '[') /* a dimension decoration "[0:2]={...}": the elements only */
    while (s < end && *s != '=') s++, s += s < end && *s == '=';
  for (const char *p = s; p < end;) {
    char ch = *p;
    if (ch == '{') strom__buf_append(&b, "[", 1), p++;
    else if (ch == '}') strom__buf_append(&b, "]", 1), p++;
    else if (ch == ',') strom__buf_append(&b, ", ", 2), p++;
    else if (ch == ' ') p++;
    else if (ch == '"') {
      strom__buf_append(&b, "\"", 1);
      for (p++; p < end && *p != '"'; p++) {
        if (*p == '\\' && p + 1 < end) p++;
        json_char(&b, *p);
      }
      if (p >= end) return strom__buf_free(&b), sql_ectx_fail(c, "a malformed PostgreSQL array: %.*s", (int)a[0].s.n, a[0].s.p);
      strom__buf_append(&b, "\"", 1), p++;
    } else {
      const char *q = p;
      while (q < end && *q != ',' && *q != '}' && *q != '{') q++;
      if (q - p == 4 && !strncasecmp(p, "null", 4)) strom__buf_append(&b, "NULL", 4);
      else {
        strom__buf_append(&b, "\"", 1);
        for (; p < q; p++) json_char(&b, *p);
        strom__buf_append(&b, "\"", 1);
      }
      p = q;
    }
  }
  return text_out(&b, out, c);
}

/* the array's JSON [..] -> PostgreSQL's {..} (brackets outside strings) */
static int f_to_pg(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  strom_buf b = {0};
  bool str = false;
  for (uint32_t i = 0; i < a[0].s.n; i++) {
    char ch = a[0].s.p[i];
    if (str && ch == '\\' && i + 1 < a[0].s.n) {
      strom__buf_append(&b, a[0].s.p + i, 2), i++;
      continue;
    }
    if (ch == '"') str = !str;
    else if (!str && ch == '[') ch = '{';
    else if (!str && ch == ']') ch = '}';
    strom__buf_append(&b, &ch, 1);
  }
  return text_out(&b, out, c);
}

static int ck_none(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a, (void)e, (void)err, (void)errlen;
  return 0;
}

static const sql_func f_dec = {"PG_ARRAY_IN", 1, 1, true, ck_none, f_from_pg};
static const sql_func f_enc = {"PG_ARRAY_OUT", 1, 1, true, ck_none, f_to_pg};

static sql_expr *call(sql_arena *a, const sql_func *fn, sql_expr *x) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **args = sql_arena_alloc(a, sizeof *args);
  if (!e || !args) return NULL;
  args[0] = x;
  *e = (sql_expr){.op = SQL_E_FUNC, .n = 1, .a = args, .fn = fn, .type = T_TEXT, .col = -1};
  return e;
}

sql_expr *sql_pg_array_io(sql_arena *a, sql_expr *x, const sql_type *t, bool decode) {
  if (decode) {
    sql_expr *e = call(a, &f_dec, x);
    return e ? sql_cast_to(a, e, t) : NULL;
  }
  sql_expr *j = sql_coll_to_json(a, x);
  return j ? call(a, &f_enc, j) : NULL;
}
