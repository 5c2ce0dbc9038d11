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

/* one character of a string element as types_coll.c's reader unescapes it */
static void elem_char(strom_buf *b, char ch) {
  if (ch == '"' || ch == '\\') strom__buf_append(b, "\\", 1);
  if (ch == '\n') strom__buf_append(b, "\\n", 2);
  else if (ch == '\t') strom__buf_append(b, "\\t", 2);
  else if (ch == '\r') strom__buf_append(b, "\\r", 2);
  else strom__buf_append(b, &ch, 1);
}

int sql_pg_array_in(const char *s, size_t n, strom_buf *b) {
  const char *end = s + n;
  if (s < end && *s == '[') { /* a dimension decoration "[0:2]={...}": the elements only */
    while (s < end && *s != '=') s++;
    if (s < end) s++;
  }
  int depth = 0;
  for (const char *p = s; p < end;) {
    char ch = *p;
    if (ch == '{') strom__buf_append(b, "[", 1), p++, depth++;
    else if (ch == '}') {
      if (--depth < 0) return -1;
      strom__buf_append(b, "]", 1), p++;
    } else if (ch == ',') strom__buf_append(b, ", ", 2), p++;
    else if (ch == ' ') p++;
    else if (ch == '"') {
      strom__buf_append(b, "\"", 1);
      for (p++; p < end && *p != '"'; p++) {
        if (*p == '\\' && p + 1 < end) p++;
        elem_char(b, *p);
      }
      if (p >= end) return -1;
      strom__buf_append(b, "\"", 1), p++;
    } else {
      const char *q = p;
      while (q < end && *q != ',' && *q != '}' && *q != '{' && *q != '"') q++;
      if (q - p == 4 && !strncasecmp(p, "null", 4)) strom__buf_append(b, "NULL", 4);
      else {
        strom__buf_append(b, "\"", 1);
        for (; p < q; p++) elem_char(b, *p);
        strom__buf_append(b, "\"", 1);
      }
      p = q;
    }
  }
  return depth ? -1 : 0;
}

static int hexval(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

void sql_pg_array_out(const char *s, size_t n, strom_buf *b) {
  bool str = false;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (str && ch == '\\' && i + 1 < n) { /* JSON's escapes -> the character, escaped for PostgreSQL when it must be */
      char e = s[++i];
      if (e == 'u' && i + 4 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0 &&
          hexval(s[i + 4]) >= 0) {
        int v = hexval(s[i + 1]) << 12 | hexval(s[i + 2]) << 8 | hexval(s[i + 3]) << 4 | hexval(s[i + 4]);
        i += 4;
        if (v < 0x80) e = (char)v; /* the JSON writer escapes control characters only */
        else { /* UTF-8 of the code point */
          if (v < 0x800) strom__buf_printf(b, "%c%c", 0xc0 | v >> 6, 0x80 | (v & 0x3f));
          else strom__buf_printf(b, "%c%c%c", 0xe0 | v >> 12, 0x80 | (v >> 6 & 0x3f), 0x80 | (v & 0x3f));
          continue;
        }
      } else
        e = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
      if (e == '"' || e == '\\') strom__buf_append(b, "\\", 1);
      strom__buf_append(b, &e, 1);
      continue;
    }
    if (ch == '"') str = !str;
    else if (!str && ch == '[') ch = '{';
    else if (!str && ch == ']') ch = '}';
    strom__buf_append(b, &ch, 1);
  }
}

/* PostgreSQL's {..} text -> [..] with JSON string elements (NULL stays NULL) */
static int f_from_pg(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  strom_buf b = {0};
  if (sql_pg_array_in(a[0].s.p, a[0].s.n, &b)) {
    strom__buf_free(&b);
    return sql_ectx_fail(c, "a malformed PostgreSQL array: %.*s", (int)(a[0].s.n > 200 ? 200 : a[0].s.n), a[0].s.p);
  }
  return text_out(&b, out, c);
}

/* the array's JSON [..] -> PostgreSQL's {..} */
static int f_to_pg(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  strom_buf b = {0};
  sql_pg_array_out(a[0].s.p, a[0].s.n, &b);
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
