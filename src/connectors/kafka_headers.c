/*
 * kafka_headers.c -- Kafka record headers as text, for the 'headers' metadata column.
 * The connector carries them as a STRING holding a JSON object (SQL's MAP<STRING, BYTES>
 * column converts from and to it: src/sql/kafka_headers_map.c), {"name": "value", ...} in header order
 * (a name may repeat, a header without a value is null).  The source renders a
 * record's headers this way and the sink parses the same text back into headers, so
 * a table read and written again keeps them.  Values are bytes: a byte below 0x20, a
 * quote and a backslash are escaped, other bytes pass as they are.
 */
#include "kafka_common.h"

static int put_json_str(strom_buf *b, const char *s, size_t n) {
  int rc = strom__buf_append(b, "\"", 1);
  for (size_t i = 0; !rc && i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '"' || ch == '\\') rc = strom__buf_printf(b, "\\%c", ch);
    else if (ch < 0x20) rc = strom__buf_printf(b, "\\u%04x", ch);
    else rc = strom__buf_append(b, (const char *)&s[i], 1);
  }
  return rc ? rc : strom__buf_append(b, "\"", 1);
}

int strom__kafka_headers_render(strom_buf *b, const rd_kafka_headers_t *h) {
  int rc = strom__buf_append(b, "{", 1);
  const char *name;
  const void *val;
  size_t vn;
  for (size_t i = 0; !rc && h && !rd_kafka_header_get_all(h, i, &name, &val, &vn); i++) {
    if (i) rc = strom__buf_append(b, ",", 1);
    if (!rc) rc = put_json_str(b, name, strlen(name));
    if (!rc) rc = strom__buf_append(b, ":", 1);
    if (!rc) rc = val ? put_json_str(b, val, vn) : strom__buf_append(b, "null", 4);
  }
  return rc ? rc : strom__buf_append(b, "}", 1);
}

typedef struct cursor {
  const char *p, *end;
} cursor;

static void skip_ws(cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* A JSON string at c into out (bytes; \uXXXX above 0xFF is written as UTF-8). */
static const char *get_str(cursor *c, strom_buf *out) {
  out->len = 0;
  if (c->p >= c->end || *c->p != '"') return "expected '\"'";
  c->p++;
  while (c->p < c->end && *c->p != '"') {
    char ch = *c->p++;
    if (ch != '\\') {
      if (strom__buf_append(out, &ch, 1)) return "out of memory";
      continue;
    }
    if (c->p >= c->end) break;
    char e = *c->p++;
    const char *simple = strchr("\"\\/bfnrt", e);
    if (e && simple) {
      static const char to[] = "\"\\/\b\f\n\r\t";
      if (strom__buf_append(out, &to[simple - "\"\\/bfnrt"], 1)) return "out of memory";
      continue;
    }
    if (e != 'u' || c->end - c->p < 4) return "bad escape";
    unsigned u = 0;
    for (int i = 0; i < 4; i++) {
      int v = hexval(c->p[i]);
      if (v < 0) return "bad \\u escape";
      u = u << 4 | (unsigned)v;
    }
    c->p += 4;
    char enc[3];
    size_t en;
    if (u < 0x100) enc[0] = (char)u, en = 1;
    else if (u < 0x800) enc[0] = (char)(0xC0 | u >> 6), enc[1] = (char)(0x80 | (u & 0x3F)), en = 2;
    else enc[0] = (char)(0xE0 | u >> 12), enc[1] = (char)(0x80 | (u >> 6 & 0x3F)), enc[2] = (char)(0x80 | (u & 0x3F)), en = 3;
    if (strom__buf_append(out, enc, en)) return "out of memory";
  }
  if (c->p >= c->end) return "unterminated string";
  c->p++;
  return NULL;
}

int strom__kafka_headers_parse(const char *s, size_t n, rd_kafka_headers_t **out, char *err, size_t errlen) {
  *out = NULL;
  cursor c = {s, s + n};
  strom_buf name = {0}, val = {0};
  rd_kafka_headers_t *h = rd_kafka_headers_new(4);
  const char *why = NULL;
  skip_ws(&c);
  if (c.p >= c.end || *c.p != '{') why = "expected '{'";
  else c.p++;
  skip_ws(&c);
  bool first = true;
  while (!why && c.p < c.end && *c.p != '}') {
    if (!first) {
      if (*c.p != ',') {
        why = "expected ',' or '}'";
        break;
      }
      c.p++;
      skip_ws(&c);
    }
    first = false;
    if ((why = get_str(&c, &name))) break;
    if (strom__buf_append(&name, "", 1)) {
      why = "out of memory";
      break;
    }
    skip_ws(&c);
    if (c.p >= c.end || *c.p != ':') {
      why = "expected ':'";
      break;
    }
    c.p++;
    skip_ws(&c);
    bool null = c.end - c.p >= 4 && !memcmp(c.p, "null", 4);
    if (null) c.p += 4;
    else if ((why = get_str(&c, &val))) break;
    if (strlen(name.p) != name.len - 1) {
      why = "a header name contains a NUL byte";
      break;
    }
    rd_kafka_header_add(h, name.p, -1, null ? NULL : (val.p ? val.p : ""), null ? 0 : (ssize_t)val.len);
    skip_ws(&c);
  }
  if (!why) {
    if (c.p >= c.end) why = "expected '}'";
    else c.p++, skip_ws(&c);
  }
  if (!why && c.p != c.end) why = "text after the headers object";
  strom__buf_free(&name);
  strom__buf_free(&val);
  if (why) {
    snprintf(err, errlen, "headers %s at byte %zu (expected a JSON object of string values)", why, (size_t)(c.p - s));
    rd_kafka_headers_destroy(h);
    return STROM_EPARSE;
  }
  *out = h;
  return STROM_OK;
}
