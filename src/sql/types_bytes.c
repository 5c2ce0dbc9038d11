/*
 * types_bytes.c -- Flink's binary strings: BYTES (VARBINARY(2147483647)), BINARY(n) and
 * VARBINARY(n).  A value rides on a VARCHAR column with kind SQL_K_BYTES (the bytes as
 * they are), so rows, keys, state and ordering (memcmp: unsigned bytewise, shorter
 * first on a common prefix) need nothing of their own.  What differs from a string is
 * here: the X'0a1b' literal, CASTs (UTF-8 both ways; BINARY(n) pads with zero bytes and
 * VARBINARY(n) truncates, as Flink's casts do), the text forms (the tableau's x'0a1b',
 * the print connector's Java byte[] [10, 27], base64 in the json and csv formats) and
 * the functions on bytes (TO_BASE64, FROM_BASE64, HEX, ENCODE, DECODE, SUBSTRING,
 * CONCAT, CHAR_LENGTH/OCTET_LENGTH).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql_int.h"

static const sql_type T_STR = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX};
static const sql_type T_BYTES = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX, .kind = SQL_K_BYTES};
static const sql_type T_BIGINT = {.id = STROM_BIGINT};

static bool is_bytes(const sql_type *t) { return t->kind == SQL_K_BYTES; }
static bool is_str(const sql_type *t) { return t->id == STROM_VARCHAR && !t->kind; }
/* BINARY(n) is fixed length: s marks it (VARBINARY and BYTES leave s 0). */
static bool is_fixed(const sql_type *t) { return is_bytes(t) && t->s == 1; }

/* ---- the type ---- */

int sql_bytes_type_from_ast(const sql_node *t, sql_type *out, char *err, size_t errlen) {
  const char *n = t->text;
  bool fixed = !strcmp(n, "BINARY");
  if (strcmp(n, "BYTES") && !fixed && strcmp(n, "VARBINARY")) return 1;
  out->id = STROM_VARCHAR, out->kind = SQL_K_BYTES, out->s = fixed;
  out->p = n[0] == 'B' && !fixed ? SQL_VARCHAR_MAX : t->p < 0 ? 1 : t->p;
  if (out->p < 1) {
    snprintf(err, errlen, "line %d, column %d: %s length must be between 1 and %d", t->line, t->col, n, SQL_VARCHAR_MAX);
    return STROM_ENOTSUP;
  }
  return STROM_OK;
}

void sql_bytes_type_name(const sql_type *t, char *buf, size_t cap) {
  const char *nn = t->not_null ? " NOT NULL" : "";
  if (is_fixed(t)) snprintf(buf, cap, "BINARY(%d)%s", t->p, nn);
  else if (t->p == SQL_VARCHAR_MAX) snprintf(buf, cap, "BYTES%s", nn);
  else snprintf(buf, cap, "VARBINARY(%d)%s", t->p, nn);
}

bool sql_bytes_common_type(const sql_type *a, const sql_type *b, sql_type *out) {
  if (!is_bytes(a) || !is_bytes(b)) return false; /* Flink compares bytes with bytes only */
  *out = *a;
  out->p = a->p > b->p ? a->p : b->p;
  out->s = is_fixed(a) && is_fixed(b) && a->p == b->p;
  out->not_null = a->not_null && b->not_null;
  return true;
}

bool sql_bytes_can_cast(const sql_type *from, const sql_type *to) {
  if (!from->id) return true;
  return (is_bytes(from) || is_str(from)) && (is_bytes(to) || is_str(to));
}

/* ---- text forms ---- */

static const char hexd[] = "0123456789abcdef";

void sql_bytes_format(strom_buf *b, const sql_val *v) {
  strom__buf_append(b, "x'", 2);
  for (uint32_t i = 0; i < v->s.n; i++) {
    unsigned char x = (unsigned char)v->s.p[i];
    char h[2] = {hexd[x >> 4], hexd[x & 15]};
    strom__buf_append(b, h, 2);
  }
  strom__buf_append(b, "'", 1);
}

/* The print connector: Java's Arrays.toString of a byte[] (signed bytes), as Row.toString shows it. */
void sql_bytes_java(strom_buf *b, const sql_val *v) {
  strom__buf_append(b, "[", 1);
  for (uint32_t i = 0; i < v->s.n; i++) strom__buf_printf(b, "%s%d", i ? ", " : "", (int)(signed char)v->s.p[i]);
  strom__buf_append(b, "]", 1);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Hex digits (an even number) into out (n / 2 bytes); -1: odd count, -2: a non-hex digit (its index in *bad). */
static int unhex(const char *s, size_t n, char *out, size_t *bad) {
  for (size_t i = 0; i < n; i++)
    if (hexval(s[i]) < 0) return *bad = i, -2;
  if (n % 2) return -1;
  for (size_t i = 0; i < n; i += 2) out[i / 2] = (char)(hexval(s[i]) << 4 | hexval(s[i + 1]));
  return 0;
}

/* Fits v to t's length: BINARY(n) pads with zero bytes or truncates, VARBINARY(n) truncates. */
static int fit(const sql_type *t, sql_val *v, sql_ectx *c) {
  if (t->p <= 0 || t->p == SQL_VARCHAR_MAX) return 0;
  uint32_t n = (uint32_t)t->p;
  if (v->s.n > n) v->s.n = n;
  else if (is_fixed(t) && v->s.n < n) {
    char *p = sql_ectx_alloc(c, n);
    if (!p) return STROM_ENOMEM;
    if (v->s.n) memcpy(p, v->s.p, v->s.n);
    memset(p + v->s.n, 0, n - v->s.n);
    v->s.p = p, v->s.n = n;
  }
  return 0;
}

/* Text into bytes (an ARRAY<BYTES> element, say): the x'..' form as the tableau shows it,
 * else the text's UTF-8 bytes. */
int sql_bytes_parse(const sql_type *t, const char *s, size_t n, sql_val *v, sql_ectx *c) {
  v->null = false;
  if (n >= 3 && (s[0] == 'x' || s[0] == 'X') && s[1] == '\'' && s[n - 1] == '\'') {
    char *p = sql_ectx_alloc(c, n / 2 + 1);
    size_t bad;
    if (!p || unhex(s + 2, n - 3, p, &bad)) return -1;
    v->s.p = p, v->s.n = (uint32_t)((n - 3) / 2);
  } else v->s.p = s, v->s.n = (uint32_t)n;
  return fit(t, v, c);
}

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if it is malformed
 * (overlong forms, surrogates and code points past U+10FFFF are, as Java's decoder has it). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (!len || len > n) return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if (c == 0xE0 && s[1] < 0xA0) return 0;
  if (c == 0xED && s[1] >= 0xA0) return 0;
  if (c == 0xF0 && s[1] < 0x90) return 0;
  if (c == 0xF4 && s[1] >= 0x90) return 0;
  return len;
}

/* Bytes decoded as UTF-8 into a string (Flink's new String(bytes, UTF_8)): malformed
 * bytes become U+FFFD.  Valid input is passed through without a copy. */
static int utf8_decode(const sql_val *v, sql_val *out, sql_ectx *c) {
  const unsigned char *s = (const unsigned char *)v->s.p;
  size_t n = v->s.n, i = 0;
  while (i < n) {
    size_t k = utf8_seq(s + i, n - i);
    if (!k) break;
    i += k;
  }
  if (i == n) return *out = *v, out->null = false, 0;
  char *p = sql_ectx_alloc(c, n * 3 + 1), *o = p;
  if (!p) return STROM_ENOMEM;
  for (i = 0; i < n;) {
    size_t k = utf8_seq(s + i, n - i);
    if (k) memcpy(o, s + i, k), o += k, i += k;
    else memcpy(o, "\xEF\xBF\xBD", 3), o += 3, i++;
  }
  out->null = false;
  out->s.p = p, out->s.n = (uint32_t)(o - p);
  return 0;
}

int sql_bytes_cast(const sql_type *from, const sql_type *to, const sql_val *v, sql_val *out, sql_ectx *c) {
  out->null = false;
  if (is_bytes(to)) { /* from bytes or a string: its UTF-8 bytes as they are */
    out->s = v->s;
    return fit(to, out, c);
  }
  if (is_str(to) && is_bytes(from)) return utf8_decode(v, out, c);
  char f[48], t[48];
  sql_type_name(from, f, sizeof f);
  sql_type_name(to, t, sizeof t);
  return sql_ectx_fail(c, "cannot cast %s to %s", f, t);
}

/* ---- X'..' ---- */

int sql_bytes_literal(sql_arena *a, const char *text, sql_type *t, sql_val *v, char *err, size_t errlen) {
  size_t n = strlen(text), bad = 0;
  char *p = sql_arena_alloc(a, n / 2 + 1);
  if (!p) return snprintf(err, errlen, "out of memory"), STROM_ENOMEM;
  int rc = unhex(text, n, p, &bad);
  if (rc == -2) return snprintf(err, errlen, "binary literal X'%.40s' has a character that is not a hex digit: '%c'", text, text[bad]), STROM_EINVAL;
  if (rc == -1) return snprintf(err, errlen, "binary literal X'%.40s' must have an even number of hex digits", text), STROM_EINVAL;
  *t = (sql_type){.id = STROM_VARCHAR, .kind = SQL_K_BYTES, .p = (int)(n / 2), .s = 1, .not_null = true};
  *v = (sql_val){.s = {p, (uint32_t)(n / 2)}};
  return 0;
}

/* ---- base64 (Java's basic Base64: '+' and '/', '=' padding; decoding accepts missing padding) ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int to_base64(const char *s, size_t n, sql_val *out, sql_ectx *c) {
  char *p = sql_ectx_alloc(c, (n + 2) / 3 * 4 + 1), *o = p;
  if (!p) return STROM_ENOMEM;
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t x = (uint32_t)u[i] << 16 | (i + 1 < n ? (uint32_t)u[i + 1] << 8 : 0) | (i + 2 < n ? u[i + 2] : 0);
    *o++ = b64[x >> 18 & 63], *o++ = b64[x >> 12 & 63];
    *o++ = i + 1 < n ? b64[x >> 6 & 63] : '=';
    *o++ = i + 2 < n ? b64[x & 63] : '=';
  }
  out->s.p = p, out->s.n = (uint32_t)(o - p);
  return 0;
}

static int b64val(char ch) {
  const char *q = ch ? strchr(b64, ch) : NULL;
  return q ? (int)(q - b64) : -1;
}

/* what names the value in errors: "FROM_BASE64", "column 'b'". */
static int from_base64(const char *s, size_t n, sql_val *out, sql_ectx *c, const char *what) {
  size_t data = n;
  while (data && s[data - 1] == '=') data--;
  int shown = n > 40 ? 40 : (int)n; /* s is not NUL-terminated */
  if (n - data > 2 || (n - data && n % 4)) return sql_ectx_fail(c, "%s: malformed base64 padding in '%.*s'", what, shown, s);
  if (data % 4 == 1) return sql_ectx_fail(c, "%s: '%.*s' is not base64 (its length leaves one character over)", what, shown, s);
  char *p = sql_ectx_alloc(c, data / 4 * 3 + 3), *o = p;
  if (!p) return STROM_ENOMEM;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < data; i++) {
    int x = b64val(s[i]);
    if (x < 0)
      return sql_ectx_fail(c, "%s: '%.*s' is not base64 (illegal character '%c' at %zu)", what, shown, s, s[i], i + 1);
    acc = acc << 6 | (uint32_t)x, bits += 6;
    if (bits >= 8) bits -= 8, *o++ = (char)(acc >> bits & 0xFF);
  }
  out->s.p = p, out->s.n = (uint32_t)(o - p);
  return 0;
}

/* ---- functions ---- */

static int fail(char *err, size_t errlen, const sql_expr *e, const char *what) {
  snprintf(err, errlen, "%s: %s", e->fn->name, what);
  return STROM_EINVAL;
}

static int arg_to(sql_arena *a, sql_expr *e, int i, const sql_type *t, char *err, size_t errlen) {
  if (!e->a[i]->type.id) e->a[i]->type = *t;
  if (e->a[i]->type.id == t->id && e->a[i]->type.kind == t->kind) return 0;
  if (!sql_can_cast(&e->a[i]->type, t)) {
    char want[48], got[48], m[160];
    sql_type_name(t, want, sizeof want);
    sql_type_name(&e->a[i]->type, got, sizeof got);
    snprintf(m, sizeof m, "argument %d is %s, expected %s", i + 1, got, want);
    return fail(err, errlen, e, m);
  }
  return (e->a[i] = sql_cast_to(a, e->a[i], t)) ? 0 : STROM_ENOMEM;
}

/* A string or bytes argument stays as it is (a string's bytes are its UTF-8). */
static int str_or_bytes(sql_arena *a, sql_expr *e, int i, char *err, size_t errlen) {
  return is_bytes(&e->a[i]->type) ? 0 : arg_to(a, e, i, &T_STR, err, errlen);
}

static int ck_to_base64(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_STR;
  return str_or_bytes(a, e, 0, err, errlen);
}
static int f_to_base64(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  return to_base64(a[0].s.p, a[0].s.n, out, c);
}

/* FROM_BASE64 is STRING in Flink (the decoded bytes read as UTF-8); CAST it to BYTES for the bytes. */
static int ck_from_base64(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_STR;
  return arg_to(a, e, 0, &T_STR, err, errlen);
}
static int f_from_base64(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  int rc = from_base64(a[0].s.p, a[0].s.n, out, c, "FROM_BASE64");
  return rc ? rc : utf8_decode(out, out, c);
}

/* HEX(numeric): Long.toHexString, upper case; HEX(string or bytes): two digits a byte. */
static int ck_hex(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_STR;
  if (sql_type_numeric(&e->a[0]->type)) return arg_to(a, e, 0, &T_BIGINT, err, errlen);
  return str_or_bytes(a, e, 0, err, errlen);
}
static int f_hex(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (e->a[0]->type.id == STROM_BIGINT) {
    char *p = sql_ectx_alloc(c, 17);
    if (!p) return STROM_ENOMEM;
    int k = snprintf(p, 17, "%llX", (unsigned long long)a[0].i);
    out->s.p = p, out->s.n = (uint32_t)k;
    return 0;
  }
  char *p = sql_ectx_alloc(c, (size_t)a[0].s.n * 2 + 1);
  if (!p) return STROM_ENOMEM;
  for (uint32_t i = 0; i < a[0].s.n; i++) snprintf(p + 2 * i, 3, "%02X", (unsigned char)a[0].s.p[i]);
  out->s.p = p, out->s.n = a[0].s.n * 2;
  return 0;
}

/* The charsets ENCODE/DECODE take; Flink has UTF-16 too, which Strom has not yet. */
static int charset(const char *name, uint32_t n) {
  static const char *const cs[] = {"UTF-8", "US-ASCII", "ISO-8859-1"};
  for (int i = 0; i < 3; i++)
    if (strlen(cs[i]) == n && !strncasecmp(name, cs[i], n)) return i;
  return -1;
}

static int bad_charset(sql_ectx *c, const sql_expr *e, const sql_val *cs) {
  return sql_ectx_fail(c, "%s: unsupported charset '%.*s' (supported: UTF-8, US-ASCII, ISO-8859-1)", e->fn->name,
                       (int)(cs->s.n > 40 ? 40 : cs->s.n), cs->s.p);
}

static int ck_encode(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_BYTES;
  int rc = arg_to(a, e, 0, &T_STR, err, errlen);
  return rc ? rc : arg_to(a, e, 1, &T_STR, err, errlen);
}
/* ENCODE(string, charset): the string's characters in the charset (Java's getBytes:
 * unmappable characters become '?'). */
static int f_encode(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  int cs = charset(a[1].s.p, a[1].s.n);
  if (cs < 0) return bad_charset(c, e, &a[1]);
  if (cs == 0) return out->s = a[0].s, 0;
  char *p = sql_ectx_alloc(c, a[0].s.n + 1), *o = p;
  if (!p) return STROM_ENOMEM;
  const unsigned char *s = (const unsigned char *)a[0].s.p;
  for (size_t i = 0, n = a[0].s.n; i < n;) {
    size_t k = utf8_seq(s + i, n - i);
    unsigned cp = !k ? 0xFFFD : k == 1 ? s[i] : k == 2 ? (unsigned)(s[i] & 0x1F) << 6 | (s[i + 1] & 0x3F) : 0x10000;
    *o++ = (char)(cp < (cs == 1 ? 0x80u : 0x100u) ? cp : '?');
    i += k ? k : 1;
  }
  out->s.p = p, out->s.n = (uint32_t)(o - p);
  return 0;
}

static int ck_decode(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_STR;
  int rc = is_bytes(&e->a[0]->type) ? 0 : arg_to(a, e, 0, &T_BYTES, err, errlen);
  return rc ? rc : arg_to(a, e, 1, &T_STR, err, errlen);
}
/* DECODE(bytes, charset): the bytes read in the charset (malformed or unmappable: U+FFFD). */
static int f_decode(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  int cs = charset(a[1].s.p, a[1].s.n);
  if (cs < 0) return bad_charset(c, e, &a[1]);
  if (cs == 0) return utf8_decode(&a[0], out, c);
  char *p = sql_ectx_alloc(c, (size_t)a[0].s.n * 3 + 1), *o = p;
  if (!p) return STROM_ENOMEM;
  for (uint32_t i = 0; i < a[0].s.n; i++) {
    unsigned char x = (unsigned char)a[0].s.p[i];
    if (x < 0x80) *o++ = (char)x;
    else if (cs == 1) memcpy(o, "\xEF\xBF\xBD", 3), o += 3;
    else *o++ = (char)(0xC0 | x >> 6), *o++ = (char)(0x80 | (x & 0x3F));
  }
  out->s.p = p, out->s.n = (uint32_t)(o - p);
  return 0;
}

/* OCTET_LENGTH(string or bytes), and CHAR_LENGTH of bytes: the number of bytes. */
static int ck_octets(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = (sql_type){.id = STROM_INT};
  return str_or_bytes(a, e, 0, err, errlen);
}
static int f_octets(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e, (void)c;
  out->i = a[0].s.n;
  return 0;
}

/* SUBSTRING(bytes, start [, length]): by byte, as the string form is by character. */
static int ck_bsubstr(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = e->a[0]->type;
  e->type.p = SQL_VARCHAR_MAX, e->type.s = 0, e->type.not_null = false;
  int rc = 0;
  for (int i = 1; !rc && i < e->n; i++) rc = arg_to(a, e, i, &T_BIGINT, err, errlen);
  return rc;
}
static int f_bsubstr(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  int64_t len = a[0].s.n, start = a[1].i, cnt = e->n > 2 ? a[2].i : INT64_MAX;
  out->s.p = "", out->s.n = 0;
  if (e->n > 2 && cnt < 0) return 0;
  if (start < 0) start = len + start + 1;
  if (start == 0) start = 1;
  int64_t from = start - 1, to = cnt == INT64_MAX ? len : from + cnt;
  if (from < 0) from = 0;
  if (to > len) to = len;
  if (from < to) out->s.p = a[0].s.p + from, out->s.n = (uint32_t)(to - from);
  return 0;
}

/* CONCAT of bytes: every argument bytes (Flink: CONCAT(bytes, bytes, ...) is BYTES). */
static int ck_bconcat(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_BYTES;
  (void)a;
  for (int i = 0; i < e->n; i++) {
    if (!e->a[i]->type.id) e->a[i]->type = T_BYTES; /* an untyped NULL */
    if (!is_bytes(&e->a[i]->type)) return fail(err, errlen, e, "mixes BYTES with other types");
  }
  return 0;
}
static int f_bconcat(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  size_t n = 0;
  for (int i = 0; i < e->n; i++) n += a[i].s.n;
  char *p = sql_ectx_alloc(c, n + 1);
  if (!p) return STROM_ENOMEM;
  out->s.p = p, out->s.n = (uint32_t)n;
  for (int i = 0; i < e->n; i++)
    if (a[i].s.n) memcpy(p, a[i].s.p, a[i].s.n), p += a[i].s.n;
  return 0;
}

static const sql_func funcs[] = {
    {"TO_BASE64", 1, 1, true, ck_to_base64, f_to_base64},
    {"FROM_BASE64", 1, 1, true, ck_from_base64, f_from_base64},
    {"HEX", 1, 1, true, ck_hex, f_hex},
    {"ENCODE", 2, 2, true, ck_encode, f_encode},
    {"DECODE", 2, 2, true, ck_decode, f_decode},
    {"OCTET_LENGTH", 1, 1, true, ck_octets, f_octets},
};
static const sql_func f_bytes_substr = {"SUBSTRING", 2, 3, true, ck_bsubstr, f_bsubstr};
static const sql_func f_bytes_concat = {"CONCAT", 1, 64, true, ck_bconcat, f_bconcat};
static const sql_func f_bytes_len = {"CHAR_LENGTH", 1, 1, true, ck_octets, f_octets};

const sql_func *sql_bytes_func_find(const char *name) {
  return SQL_FUNC_IN(funcs, name);
}

const sql_func *sql_bytes_call(const sql_func *f, const sql_expr *e) {
  if (!e->n || !is_bytes(&e->a[0]->type)) return f;
  if (!strcasecmp(f->name, "SUBSTRING") || !strcasecmp(f->name, "SUBSTR")) return &f_bytes_substr;
  if (!strcasecmp(f->name, "CONCAT")) return &f_bytes_concat;
  if (!strcasecmp(f->name, "CHAR_LENGTH") || !strcasecmp(f->name, "CHARACTER_LENGTH")) return &f_bytes_len;
  return f;
}

sql_type sql_bytes_concat_type(const sql_expr *l, const sql_expr *r) {
  return is_bytes(&l->type) || is_bytes(&r->type) ? T_BYTES : T_STR;
}

/* ---- across connectors ---- */

static int f_io_to(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  return to_base64(a[0].s.p, a[0].s.n, out, c);
}
static int f_io_from(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  char what[96];
  snprintf(what, sizeof what, "column '%s'", e->aux ? (const char *)(intptr_t)e->aux : "?");
  int rc = from_base64(a[0].s.p, a[0].s.n, out, c, what);
  return rc ? rc : fit(&e->type, out, c);
}
static int ck_io(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a, (void)e, (void)err, (void)errlen;
  return 0;
}
static const sql_func f_io_enc = {"TO_BASE64", 1, 1, true, ck_io, f_io_to};
static const sql_func f_io_dec = {"FROM_BASE64", 1, 1, true, ck_io, f_io_from};

/* PostgreSQL's text form of bytea: \x and two hex digits a byte (bytea_output = hex). */
static int f_pg_to(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  char *p = sql_ectx_alloc(c, (size_t)a[0].s.n * 2 + 3);
  if (!p) return STROM_ENOMEM;
  p[0] = '\\', p[1] = 'x';
  for (uint32_t i = 0; i < a[0].s.n; i++) {
    unsigned char x = (unsigned char)a[0].s.p[i];
    p[2 + 2 * i] = hexd[x >> 4], p[3 + 2 * i] = hexd[x & 15];
  }
  out->s.p = p, out->s.n = a[0].s.n * 2 + 2;
  return 0;
}
static int f_pg_from(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  const char *s = a[0].s.p;
  size_t n = a[0].s.n, bad;
  const char *col = e->aux ? (const char *)(intptr_t)e->aux : "?";
  if (n < 2 || s[0] != '\\' || s[1] != 'x') return sql_ectx_fail(c, "column '%s': a bytea value not in PostgreSQL's hex form (\\x...)", col);
  char *p = sql_ectx_alloc(c, n / 2 + 1);
  if (!p) return STROM_ENOMEM;
  if (unhex(s + 2, n - 2, p, &bad)) return sql_ectx_fail(c, "column '%s': a malformed bytea value", col);
  out->s.p = p, out->s.n = (uint32_t)((n - 2) / 2);
  return fit(&e->type, out, c);
}
static const sql_func f_pg_enc = {"BYTEA_OUT", 1, 1, true, ck_io, f_pg_to};
static const sql_func f_pg_dec = {"BYTEA_IN", 1, 1, true, ck_io, f_pg_from};

/* How table t's connector carries bytes column col: "raw" (the bytes themselves: print,
 * datagen, Kafka's raw format), "bytea" (jdbc: PostgreSQL's hex text), else the format's
 * text (json and csv: base64).  A Kafka key column takes key.format. */
const char *sql_bytes_conn_format(const sql_table *t, const char *col) {
  const char *conn = t->conn->name;
  if (!strcmp(conn, "jdbc")) return "bytea";
  if (!strcmp(conn, "print") || !strcmp(conn, "datagen")) return "raw";
  if (strcmp(conn, "kafka")) return sql_table_option(t, "format");
  const char *keys = sql_table_option(t, "key.fields"), *kf = sql_table_option(t, "key.format");
  size_t n = strlen(col);
  for (const char *k = keys; k && *k;) { /* 'a;b' */
    const char *e = strchr(k, ';');
    size_t len = e ? (size_t)(e - k) : strlen(k);
    if (len == n && !strncmp(k, col, n)) return kf;
    k = e ? e + 1 : k + len;
  }
  const char *vf = sql_table_option(t, "value.format");
  return vf ? vf : sql_table_option(t, "format");
}

/* A bytes column x as its connector text (decode: text -> bytes).  json and csv carry
 * base64 (Flink's formats do); 'raw' carries the bytes themselves, 'bytea' PostgreSQL's
 * hex text. */
sql_expr *sql_bytes_io(sql_arena *a, sql_expr *x, const sql_type *t, bool decode, const char *format, const char *col) {
  if (format && (!strcmp(format, "raw") || !strcmp(format, "avro"))) { /* the bytes themselves (avro: its bytes type); read, they still fit t's length */
    x->type = decode ? T_STR : *t;
    if (!decode) return x;
    sql_expr *c = sql_cast_to(a, x, t);
    if (c) c->type.not_null = false;
    return c;
  }
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **args = sql_arena_alloc(a, sizeof *args);
  if (!e || !args) return NULL;
  bool pg = format && !strcmp(format, "bytea");
  *e = (sql_expr){.op = SQL_E_FUNC, .n = 1, .a = args, .fn = decode ? (pg ? &f_pg_dec : &f_io_dec) : (pg ? &f_pg_enc : &f_io_enc),
                  .type = decode ? *t : T_STR};
  /* the plan's arena outlives the job; the catalog's name may not (DROP TABLE) */
  const char *name = col ? sql_arena_strndup(a, col, strlen(col)) : NULL;
  e->aux = (int64_t)(intptr_t)name;
  e->type.not_null = false;
  args[0] = x;
  return e;
}
