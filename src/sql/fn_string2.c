/*
 * fn_string2.c -- the string functions of Flink's reference that functions.c lacks:
 * REPEAT, ASCII, CHR, INSTR, OVERLAY, TRANSLATE, ELT, SPLIT, STR_TO_MAP, PARSE_URL,
 * URL_ENCODE, URL_DECODE, BIN, SUBSTRING_INDEX and PRINTF.  Each follows what Flink's runtime does
 * (SqlFunctionUtils, BinaryStringDataUtil and the function classes), including its
 * odd corners: ASCII gives the first byte as a signed Java byte, CHR keeps the low 8
 * bits, OVERLAY drops the tail when the replaced span runs past the end, STR_TO_MAP
 * splits by Java regexes and drops trailing empty pairs as String.split does, and
 * PARSE_URL parses as java.net.URL (an unknown protocol gives NULL).  Positions count
 * code points.  sql_fnstr_func_find is the one entry for this file, fn_hash.c and
 * fn_json.c.
 */
#include <ctype.h>
#include <strings.h>

#include "../core/regex.h"
#include "sql_int.h"

static const sql_type T_STR = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX}, T_INT = {.id = STROM_INT},
                      T_BIGINT = {.id = STROM_BIGINT};

static int to(sql_arena *a, sql_expr *e, int i, const sql_type *t, char *err, size_t errlen) {
  if (!e->a[i]->type.id) e->a[i]->type = *t; /* an untyped NULL */
  if (e->a[i]->type.id == t->id && e->a[i]->type.kind == t->kind) return 0;
  if (!sql_can_cast(&e->a[i]->type, t)) {
    char want[48], got[48];
    sql_type_name(t, want, sizeof want);
    sql_type_name(&e->a[i]->type, got, sizeof got);
    snprintf(err, errlen, "%s: argument %d is %s, expected %s", e->fn->name, i + 1, got, want);
    return STROM_EINVAL;
  }
  return (e->a[i] = sql_cast_to(a, e->a[i], t)) ? 0 : STROM_ENOMEM;
}

/* Checks by a signature: one letter per argument, s string, i BIGINT; the last letter
 * repeats for further arguments.  The result is STRING unless set after. */
static int sig(sql_arena *a, sql_expr *e, const char *s, char *err, size_t errlen) {
  size_t k = strlen(s);
  for (int i = 0; i < e->n; i++) {
    char c = s[(size_t)i < k ? (size_t)i : k - 1];
    int rc = to(a, e, i, c == 's' ? &T_STR : &T_BIGINT, err, errlen);
    if (rc) return rc;
  }
  e->type = T_STR;
  return 0;
}

static int ck_s(sql_arena *a, sql_expr *e, char *err, size_t errlen) { return sig(a, e, "s", err, errlen); }
static int ck_si(sql_arena *a, sql_expr *e, char *err, size_t errlen) { return sig(a, e, "si", err, errlen); }
static int ck_i(sql_arena *a, sql_expr *e, char *err, size_t errlen) { return sig(a, e, "i", err, errlen); }
static int ck_ssii(sql_arena *a, sql_expr *e, char *err, size_t errlen) { return sig(a, e, "ssii", err, errlen); }
static int ck_ascii(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = sig(a, e, "s", err, errlen);
  e->type = T_INT;
  return rc;
}
static int ck_instr(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = sig(a, e, "ssi", err, errlen);
  e->type = T_INT;
  return rc;
}

static char *alloc_str(sql_ectx *c, sql_val *out, size_t n) {
  char *p = sql_ectx_alloc(c, n + 1);
  if (p) out->s.p = p, out->s.n = (uint32_t)n;
  return p;
}

static int put_buf(strom_buf *b, sql_val *out, sql_ectx *c) {
  char *p = alloc_str(c, out, b->len);
  if (p && b->len) memcpy(p, b->p, b->len);
  strom__buf_free(b);
  return p ? 0 : STROM_ENOMEM;
}

static size_t cp_len(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
  return k;
}
/* The byte offset of code point k (n when past the end). */
static size_t cp_off(const char *s, size_t n, size_t k) {
  size_t i = 0;
  while (i < n && k) {
    i++;
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    k--;
  }
  return i;
}

static int f_repeat(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  int64_t k = a[1].i;
  if (k <= 0 || !a[0].s.n) {
    out->s.p = "", out->s.n = 0;
    return 0;
  }
  if ((uint64_t)k * a[0].s.n > (1u << 30)) return sql_ectx_fail(c, "REPEAT: the result would exceed 1 GiB");
  char *p = alloc_str(c, out, (size_t)k * a[0].s.n);
  if (!p) return STROM_ENOMEM;
  for (int64_t i = 0; i < k; i++) memcpy(p + (size_t)i * a[0].s.n, a[0].s.p, a[0].s.n);
  return 0;
}

/* Flink reads the first UTF-8 byte as a Java byte: 'a' 97, '\u00e9' (0xC3..) -61, '' 0. */
static int f_ascii(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e, (void)c;
  out->i = a[0].s.n ? (int8_t)a[0].s.p[0] : 0;
  return 0;
}

static int put_cp(char *p, uint32_t cp) {
  if (cp < 0x80) return p[0] = (char)cp, 1;
  if (cp < 0x800) return p[0] = (char)(0xC0 | cp >> 6), p[1] = (char)(0x80 | (cp & 63)), 2;
  if (cp < 0x10000) return p[0] = (char)(0xE0 | cp >> 12), p[1] = (char)(0x80 | ((cp >> 6) & 63)), p[2] = (char)(0x80 | (cp & 63)), 3;
  p[0] = (char)(0xF0 | cp >> 18), p[1] = (char)(0x80 | ((cp >> 12) & 63));
  return p[2] = (char)(0x80 | ((cp >> 6) & 63)), p[3] = (char)(0x80 | (cp & 63)), 4;
}

/* CHR(n): the character n & 0xFF (Latin-1, so 233 is \u00e9), '' for a negative n. */
static int f_chr(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  if (a[0].i < 0) {
    out->s.p = "", out->s.n = 0;
    return 0;
  }
  char *p = alloc_str(c, out, 2);
  if (!p) return STROM_ENOMEM;
  out->s.n = (uint32_t)put_cp(p, (uint32_t)(a[0].i & 0xFF));
  return 0;
}

/* Byte offset of the first sub in s[from, n), or -1. */
static int64_t find(const char *s, size_t n, const char *sub, size_t sn, size_t from) {
  for (size_t i = from; i + sn <= n; i++)
    if (!memcmp(s + i, sub, sn)) return (int64_t)i;
  return -1;
}
static int64_t rfind(const char *s, size_t n, const char *sub, size_t sn, size_t before) {
  if (sn > n) return -1;
  for (size_t i = before < n - sn ? before : n - sn;; i--) {
    if (!memcmp(s + i, sub, sn)) return (int64_t)i;
    if (!i) return -1;
  }
}

/* INSTR(str, sub [, start [, nth]]): the 1-based position of sub's nth occurrence
 * from start (from the end, searching backwards, when start < 0); 0 if none. */
static int f_instr(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  const char *s = a[0].s.p, *sub = a[1].s.p;
  size_t n = a[0].s.n, sn = a[1].s.n, chars = cp_len(s, n);
  int64_t start = e->n > 2 ? a[2].i : 1, nth = e->n > 3 ? a[3].i : 1;
  if (nth <= 0) return sql_ectx_fail(c, "INSTR: the occurrence must be positive, got %lld", (long long)nth);
  out->i = 0;
  if (start == 0) return 0;
  if (start > 0) {
    if ((uint64_t)start > chars + 1) return 0;
    size_t from = cp_off(s, n, (size_t)start - 1);
    int64_t at = -1;
    for (int64_t k = 0; k < nth; k++, from = (size_t)at + 1)
      if ((at = find(s, n, sub, sn, from)) < 0) return 0;
    out->i = (int64_t)cp_len(s, (size_t)at) + 1;
    return 0;
  }
  /* backwards: the occurrence must end at or before code point chars + start + 1 */
  if ((uint64_t)-start > chars) return 0;
  size_t endcp = chars + (size_t)(start + 1), end = cp_off(s, n, endcp);
  if (end < sn) return 0;
  int64_t at = (int64_t)(end - sn) + 1;
  for (int64_t k = 0; k < nth; k++) {
    if (at == 0 || (at = rfind(s, n, sub, sn, (size_t)at - 1)) < 0) return 0;
  }
  out->i = (int64_t)cp_len(s, (size_t)at) + 1;
  return 0;
}

/* OVERLAY(s PLACING r FROM start [FOR len]), len defaulting to r's length. */
static int f_overlay(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  const char *s = a[0].s.p, *r = a[1].s.p;
  size_t n = a[0].s.n, rn = a[1].s.n, chars = cp_len(s, n);
  int64_t start = a[2].i, len = e->n > 3 ? a[3].i : (int64_t)cp_len(r, rn);
  if (start <= 0 || (uint64_t)start > chars) {
    *out = a[0];
    return 0;
  }
  size_t head = cp_off(s, n, (size_t)start - 1), tail = n;
  if (len > 0 && (uint64_t)start + (uint64_t)len <= chars) tail = cp_off(s, n, (size_t)(start - 1 + len));
  char *p = alloc_str(c, out, head + rn + (n - tail));
  if (!p) return STROM_ENOMEM;
  memcpy(p, s, head), memcpy(p + head, r, rn), memcpy(p + head + rn, s + tail, n - tail);
  return 0;
}

/* TRANSLATE(expr, from, to): each character of from becomes the one at its place in
 * to, or is removed when to is shorter; a NULL or empty from leaves expr, a NULL to
 * is empty.  Not strict: only a NULL expr gives NULL. */
static int f_translate(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  if (a[0].null) return out->null = true, 0;
  if (a[1].null || !a[1].s.n) return *out = a[0], 0;
  const char *f = a[1].s.p, *t = a[2].null ? "" : a[2].s.p;
  size_t fn = a[1].s.n, tn = a[2].null ? 0 : a[2].s.n;
  strom_buf b = {0};
  strom__buf_append(&b, "", 0);
  for (size_t i = 0; i < a[0].s.n;) {
    size_t j = strom__regex_next(a[0].s.p, a[0].s.n, i), k = 0, idx = 0;
    while (k < fn) { /* the first place of this character in from */
      size_t kn = strom__regex_next(f, fn, k);
      if (kn - k == j - i && !memcmp(f + k, a[0].s.p + i, j - i)) break;
      k = kn, idx++;
    }
    if (k >= fn) strom__buf_append(&b, a[0].s.p + i, j - i);
    else {
      size_t to_at = cp_off(t, tn, idx);
      if (to_at < tn) strom__buf_append(&b, t + to_at, strom__regex_next(t, tn, to_at) - to_at);
    }
    i = j;
  }
  return put_buf(&b, out, c);
}

/* ELT(index, e1, e2, ...): e_index, NULL when index is NULL or out of 1..n. */
static int ck_elt(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = to(a, e, 0, &T_BIGINT, err, errlen);
  if (rc) return rc;
  sql_type t = e->a[1]->type;
  for (int i = 2; i < e->n; i++)
    if (!sql_common_type(&t, &e->a[i]->type, &t)) return snprintf(err, errlen, "ELT: the values have no common type"), STROM_EINVAL;
  if (!t.id) t = T_STR;
  t.not_null = false;
  for (int i = 1; i < e->n && !rc; i++) rc = to(a, e, i, &t, err, errlen);
  e->type = t;
  return rc;
}
static int f_elt(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  if (a[0].null || a[0].i < 1 || a[0].i >= e->n) return out->null = true, 0;
  *out = a[a[0].i];
  return 0;
}

/* Appends one encoded ARRAY/MAP element (types_coll.c's layout: a null byte, then a
 * u32 length and the bytes). */
static void put_elem(strom_buf *b, const char *s, size_t n, bool null) {
  uint8_t z = null;
  strom__buf_append(b, &z, 1);
  if (null) return;
  uint32_t k = (uint32_t)n;
  strom__buf_append(b, &k, 4);
  strom__buf_append(b, s, n);
}

/* SPLIT(s, delim) -> ARRAY<STRING>: every piece, empty ones included; an empty delim
 * splits into characters. */
static int ck_split(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = sig(a, e, "s", err, errlen);
  e->type = sql_coll_array_type(&T_STR);
  return rc;
}
static int f_split(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  const char *s = a[0].s.p, *d = a[1].s.p;
  size_t n = a[0].s.n, dn = a[1].s.n;
  strom_buf b = {0};
  uint32_t cnt = 0;
  strom__buf_append(&b, &cnt, 4);
  if (!dn) {
    for (size_t i = 0; i < n; cnt++) {
      size_t j = strom__regex_next(s, n, i);
      put_elem(&b, s + i, j - i, false);
      i = j;
    }
  } else {
    size_t from = 0;
    for (int64_t at; (at = find(s, n, d, dn, from)) >= 0; from = (size_t)at + dn, cnt++) put_elem(&b, s + from, (size_t)at - from, false);
    put_elem(&b, s + from, n - from, false), cnt++;
  }
  memcpy(b.p, &cnt, 4);
  return put_buf(&b, out, c);
}

/* ---- STR_TO_MAP ---- */

/* A delimiter as Java's String.split takes it: a regex, matched as text when it has no
 * regex syntax.  Compiled once per call of STR_TO_MAP, not per pair. */
typedef struct splitter {
  const char *d;
  size_t dn;
  strom__regex *re;
  void *work;
} splitter;

static int splitter_init(splitter *sp, const char *d, size_t dn, char *err, size_t errlen) {
  *sp = (splitter){.d = d, .dn = dn};
  bool plain = true;
  for (size_t i = 0; i < dn; i++)
    if (strchr(".$|()[]{}^?*+\\", d[i])) plain = false;
  if (plain) return 0;
  if (strom__regex_compile(d, dn, &sp->re, err, errlen)) return -1;
  if (!(sp->work = strom__malloc(strom__regex_work_size(sp->re) + 8))) return snprintf(err, errlen, "out of memory"), -1;
  return 0;
}
static void splitter_free(splitter *sp) {
  strom__regex_free(sp->re);
  free(sp->work);
}

/* String.split(delim, max) of s into at most cap pieces (max 0: unlimited, trailing empty
 * pieces dropped); returns the number of pieces, their offsets in at[2 * i]. */
static int jsplit(const char *s, size_t n, const splitter *sp, int max, size_t *at, int cap) {
  int k = 0;
  size_t from = 0, pos = 0;
  while (k < cap - 1 && (!max || k < max - 1)) {
    size_t ms, me;
    if (!sp->re) {
      int64_t f = sp->dn ? find(s, n, sp->d, sp->dn, pos) : -1;
      if (f < 0) break;
      ms = (size_t)f, me = ms + sp->dn;
    } else {
      int32_t caps[2];
      if (pos > n || !strom__regex_find(sp->re, s, n, pos, caps, 1, sp->work)) break;
      ms = (size_t)caps[0], me = (size_t)caps[1];
      if (me == ms) { /* an empty match: Java never splits at 0 and moves on by a character */
        pos = ms < n ? strom__regex_next(s, n, ms) : n + 1;
        if (ms == 0 || ms >= n) continue;
      }
    }
    at[2 * k] = from, at[2 * k + 1] = ms, k++;
    from = me;
    pos = me > ms ? me : pos;
  }
  at[2 * k] = from, at[2 * k + 1] = n, k++;
  if (!max && k > 1) /* trailing empty pieces go, all of them when every piece is empty */
    while (k > 0 && at[2 * (k - 1)] == at[2 * (k - 1) + 1]) k--;
  return k;
}

static int ck_str_to_map(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = sig(a, e, "s", err, errlen);
  e->type = sql_coll_map_type(&T_STR, &T_STR);
  if (!e->type.elem) return snprintf(err, errlen, "out of memory"), STROM_ENOMEM;
  return rc;
}
static int f_str_to_map(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  const char *s = a[0].s.p, *ld = e->n > 1 ? a[1].s.p : ",", *kd = e->n > 2 ? a[2].s.p : "=";
  size_t n = a[0].s.n, ldn = e->n > 1 ? a[1].s.n : 1, kdn = e->n > 2 ? a[2].s.n : 1;
  char err[200];
  splitter lsp, ksp;
  if (splitter_init(&lsp, ld, ldn, err, sizeof err)) return splitter_free(&lsp), sql_ectx_fail(c, "STR_TO_MAP: bad delimiter: %s", err);
  if (splitter_init(&ksp, kd, kdn, err, sizeof err)) {
    splitter_free(&lsp), splitter_free(&ksp);
    return sql_ectx_fail(c, "STR_TO_MAP: bad delimiter: %s", err);
  }
  size_t cap = n + 2, *pairs = strom__malloc(sizeof(size_t) * 2 * cap), *kv = strom__malloc(sizeof(size_t) * 4 * cap);
  strom_buf b = {0};
  uint32_t cnt = 0;
  int rc = 0;
  if (!pairs || !kv) {
    rc = STROM_ENOMEM;
    goto out;
  }
  strom__buf_append(&b, &cnt, 4);
  int k = n ? jsplit(s, n, &lsp, 0, pairs, (int)cap) : 0, m = 0; /* Flink: '' is an empty map */
  /* later pairs replace earlier ones of the same key (a HashMap); kept in first-seen order */
  for (int i = 0; i < k; i++) {
    size_t sp[4];
    int parts = jsplit(s + pairs[2 * i], pairs[2 * i + 1] - pairs[2 * i], &ksp, 2, sp, 2);
    size_t ks = pairs[2 * i] + sp[0], kn = sp[1] - sp[0];
    size_t vs = parts < 2 ? 0 : pairs[2 * i] + sp[2], vn = parts < 2 ? SIZE_MAX : sp[3] - sp[2];
    int j = 0;
    while (j < m && !(kv[4 * j + 1] == kn && !memcmp(s + kv[4 * j], s + ks, kn))) j++;
    kv[4 * j] = ks, kv[4 * j + 1] = kn, kv[4 * j + 2] = vs, kv[4 * j + 3] = vn;
    if (j == m) m++;
  }
  for (int j = 0; j < m; j++) {
    put_elem(&b, s + kv[4 * j], kv[4 * j + 1], false);
    put_elem(&b, s + kv[4 * j + 2], kv[4 * j + 3], kv[4 * j + 3] == SIZE_MAX);
  }
  cnt = (uint32_t)m;
  memcpy(b.p, &cnt, 4);
  rc = put_buf(&b, out, c);
out:
  strom__buf_free(&b);
  free(pairs), free(kv);
  splitter_free(&lsp), splitter_free(&ksp);
  return rc;
}

/* ---- URLs ---- */

/* The parts of a URL as java.net.URL splits it; a part absent is (NULL, 0). */
typedef struct url_parts {
  const char *proto, *auth, *user, *host, *path, *query, *ref;
  size_t proto_n, auth_n, user_n, host_n, path_n, query_n, ref_n;
} url_parts;

static bool parse_url(const char *s, size_t n, url_parts *u) {
  memset(u, 0, sizeof *u);
  while (n && (unsigned char)*s <= ' ') s++, n--; /* java.net.URL trims */
  while (n && (unsigned char)s[n - 1] <= ' ') n--;
  size_t i = 0;
  while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) i++;
  if (i == 0 || i >= n || s[i] != ':' || !isalpha((unsigned char)s[0])) return false;
  static const char *const known[] = {"http", "https", "ftp", "file", "jar", "mailto"};
  bool ok = false;
  for (size_t k = 0; k < sizeof known / sizeof *known; k++) ok |= strlen(known[k]) == i && !strncasecmp(known[k], s, i);
  if (!ok) return false; /* MalformedURLException: unknown protocol */
  u->proto = s, u->proto_n = i;
  const char *r = s + i + 1, *end = s + n;
  const char *hash = memchr(r, '#', (size_t)(end - r));
  if (hash) u->ref = hash + 1, u->ref_n = (size_t)(end - hash - 1), end = hash;
  if (end - r >= 2 && r[0] == '/' && r[1] == '/') {
    const char *a = r + 2, *e = a;
    while (e < end && *e != '/' && *e != '?') e++;
    u->auth = a, u->auth_n = (size_t)(e - a);
    const char *at = NULL;
    for (const char *q = a; q < e; q++)
      if (*q == '@') at = q;
    const char *h = a;
    if (at) u->user = a, u->user_n = (size_t)(at - a), h = at + 1;
    const char *he = e;
    if (h < e && *h == '[') {
      const char *rb = memchr(h, ']', (size_t)(e - h));
      if (!rb) return false;
      he = rb + 1;
    } else {
      const char *colon = memchr(h, ':', (size_t)(e - h));
      if (colon) he = colon;
    }
    u->host = h, u->host_n = (size_t)(he - h);
    r = e;
  } else u->host = "", u->host_n = 0;
  const char *q = memchr(r, '?', (size_t)(end - r));
  u->path = r, u->path_n = (size_t)((q ? q : end) - r);
  if (q) u->query = q + 1, u->query_n = (size_t)(end - q - 1);
  return true;
}

static int ck_parse_url(sql_arena *a, sql_expr *e, char *err, size_t errlen) { return sig(a, e, "s", err, errlen); }

static int f_parse_url(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  url_parts u;
  if (!parse_url(a[0].s.p, a[0].s.n, &u)) return out->null = true, 0;
  const char *part = a[1].s.p;
  size_t pn = a[1].s.n;
#define PART(name) (pn == sizeof name - 1 && !memcmp(part, name, pn))
  const char *v = NULL;
  size_t vn = 0;
  if (e->n > 2) {
    if (!PART("QUERY") || !u.query) return out->null = true, 0;
    /* the first (&|^)key=([^&]*) in the query */
    for (size_t i = 0; i <= u.query_n;) {
      size_t j = i;
      while (j < u.query_n && u.query[j] != '&') j++;
      if (j - i > a[2].s.n && !memcmp(u.query + i, a[2].s.p, a[2].s.n) && u.query[i + a[2].s.n] == '=') {
        out->s.p = u.query + i + a[2].s.n + 1, out->s.n = (uint32_t)(j - i - a[2].s.n - 1);
        return 0;
      }
      i = j + 1;
    }
    return out->null = true, 0;
  }
  if (PART("HOST")) v = u.host, vn = u.host_n;
  else if (PART("PATH")) v = u.path, vn = u.path_n;
  else if (PART("QUERY")) v = u.query, vn = u.query_n;
  else if (PART("REF")) v = u.ref, vn = u.ref_n;
  else if (PART("AUTHORITY")) v = u.auth, vn = u.auth_n;
  else if (PART("USERINFO")) v = u.user, vn = u.user_n;
  else if (PART("PROTOCOL")) {
    char *p = alloc_str(c, out, u.proto_n);
    if (!p) return STROM_ENOMEM;
    for (size_t i = 0; i < u.proto_n; i++) p[i] = (char)tolower((unsigned char)u.proto[i]);
    return 0;
  } else if (PART("FILE")) {
    size_t len = u.path_n + (u.query ? 1 + u.query_n : 0);
    char *p = alloc_str(c, out, len);
    if (!p) return STROM_ENOMEM;
    memcpy(p, u.path, u.path_n);
    if (u.query) p[u.path_n] = '?', memcpy(p + u.path_n + 1, u.query, u.query_n);
    return 0;
  }
#undef PART
  if (!v) return out->null = true, 0;
  out->s.p = v, out->s.n = (uint32_t)vn;
  return 0;
}

/* URL_ENCODE: java.net.URLEncoder with UTF-8 (space '+', letters, digits and .-*_ as
 * they are, every other byte %XX). */
static int f_url_encode(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  strom_buf b = {0};
  strom__buf_append(&b, "", 0);
  for (uint32_t i = 0; i < a[0].s.n; i++) {
    unsigned char ch = (unsigned char)a[0].s.p[i];
    if (isalnum(ch) || ch == '.' || ch == '-' || ch == '*' || ch == '_') strom__buf_append(&b, &a[0].s.p[i], 1);
    else if (ch == ' ') strom__buf_append(&b, "+", 1);
    else strom__buf_printf(&b, "%%%02X", ch);
  }
  return put_buf(&b, out, c);
}

static int hexv(char ch) {
  return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* URL_DECODE: java.net.URLDecoder with UTF-8; a malformed escape gives NULL, as Flink
 * catches the decoder's exception. */
static int f_url_decode(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  const char *s = a[0].s.p;
  size_t n = a[0].s.n, k = 0;
  char *p = alloc_str(c, out, n);
  if (!p) return STROM_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '+') p[k++] = ' ';
    else if (s[i] == '%') {
      if (i + 2 >= n) return out->null = true, 0;
      int h = hexv(s[i + 1]), l = hexv(s[i + 2]);
      if (h < 0 || l < 0) return out->null = true, 0;
      p[k++] = (char)(h * 16 + l), i += 2;
    } else p[k++] = s[i];
  }
  out->s.n = (uint32_t)k;
  return 0;
}

/* BIN(n): n in binary, a negative n as its 64-bit two's complement (Long.toBinaryString). */
static int f_bin(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  uint64_t v = (uint64_t)a[0].i;
  char buf[65];
  int k = 64;
  buf[64] = 0;
  do buf[--k] = (char)('0' + (v & 1)), v >>= 1;
  while (v);
  char *p = alloc_str(c, out, (size_t)(64 - k));
  if (!p) return STROM_ENOMEM;
  memcpy(p, buf + k, (size_t)(64 - k));
  return 0;
}

/* SUBSTRING_INDEX(s, delim, count): what precedes the count-th delim from the left
 * (count > 0) or follows the -count-th from the right; all of s when there are fewer,
 * '' for a count of 0 or an empty delim. */
static int f_substring_index(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e, (void)c;
  const char *s = a[0].s.p, *d = a[1].s.p;
  size_t n = a[0].s.n, dn = a[1].s.n;
  int64_t k = a[2].i;
  out->s.p = s, out->s.n = 0;
  if (!k || !dn) return 0;
  if (k > 0) {
    int64_t at = -1;
    for (size_t from = 0; k > 0; k--, from = (size_t)at + dn)
      if ((at = find(s, n, d, dn, from)) < 0) return out->s.n = (uint32_t)n, 0;
    out->s.n = (uint32_t)at;
    return 0;
  }
  int64_t at = (int64_t)n;
  for (; k < 0; k++)
    if (at == 0 || (at = rfind(s, n, d, dn, (size_t)at - 1)) < 0) return out->s.n = (uint32_t)n, 0;
  out->s.p = s + at + dn, out->s.n = (uint32_t)(n - (size_t)at - dn);
  return 0;
}

/* PRINTF(format, args...): java.util.Formatter (Locale.US) for %[i$][flags][width][.prec]
 * with s S d x X o f e E g b B c % n; NULL prints as "null".  A conversion that does not
 * fit its argument fails, as Java throws. */
static int ck_printf(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = to(a, e, 0, &T_STR, err, errlen);
  for (int i = 1; i < e->n; i++)
    if (!e->a[i]->type.id) e->a[i]->type = T_STR;
  e->type = T_STR;
  return rc;
}
static int f_printf(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (a[0].null) return out->null = true, 0;
  const char *f = a[0].s.p;
  size_t n = a[0].s.n;
  strom_buf b = {0};
  strom__buf_append(&b, "", 0);
  int next = 1;
  for (size_t i = 0; i < n;) {
    if (f[i] != '%') {
      strom__buf_append(&b, f + i, 1), i++;
      continue;
    }
    size_t st = ++i;
    int idx = 0;
    size_t j = i;
    while (j < n && isdigit((unsigned char)f[j])) j++;
    if (j < n && j > i && f[j] == '$') idx = atoi(f + i), i = j + 1;
    char spec[32] = "%";
    size_t k = 1;
    while (i < n && strchr("-#+ 0", f[i]) && k < 8) spec[k++] = f[i++];
    while (i < n && isdigit((unsigned char)f[i]) && k < 16) spec[k++] = f[i++];
    if (i < n && f[i] == '.') {
      spec[k++] = f[i++];
      while (i < n && isdigit((unsigned char)f[i]) && k < 24) spec[k++] = f[i++];
    }
    if (i >= n) {
      strom__buf_free(&b);
      return sql_ectx_fail(c, "PRINTF: the format ends inside a conversion at character %zu", st);
    }
    char conv = f[i++];
    if (conv == '%' || conv == 'n') {
      strom__buf_append(&b, conv == '%' ? "%" : "\n", 1);
      continue;
    }
    int ai = idx ? idx : next++;
    if (ai >= e->n) {
      strom__buf_free(&b);
      return sql_ectx_fail(c, "PRINTF: no argument for the conversion at character %zu", st);
    }
    const sql_type *t = &e->a[ai]->type;
    const sql_val *v = &a[ai];
    bool real = t->id == STROM_DOUBLE || t->id == STROM_DECIMAL, integer = sql_type_numeric(t) && !real;
    if (strchr("sSbB", conv) || v->null) {
      strom_buf tb = {0};
      if (v->null) strom__buf_append(&tb, strchr("bB", conv) ? "false" : "null", strchr("bB", conv) ? 5 : 4);
      else if (strchr("bB", conv)) strom__buf_printf(&tb, "%s", t->id == STROM_BOOLEAN && !v->i ? "false" : "true");
      else if (t->id == STROM_BOOLEAN) strom__buf_printf(&tb, "%s", v->i ? "true" : "false");
      else sql_val_format(&tb, t, v);
      if (!tb.p) strom__buf_append(&tb, "", 0);
      if (conv == 'S' || conv == 'B')
        for (size_t q = 0; q < tb.len; q++) tb.p[q] = (char)toupper((unsigned char)tb.p[q]);
      spec[k++] = 's', spec[k] = 0;
      strom__buf_printf(&b, spec, tb.p);
      strom__buf_free(&tb);
    } else if (strchr("dxXo", conv) && integer) {
      spec[k++] = 'l', spec[k++] = 'l', spec[k++] = conv, spec[k] = 0;
      strom__buf_printf(&b, spec, (long long)v->i);
    } else if (strchr("feEgG", conv) && real) {
      double d = v->d;
      if (t->id == STROM_DECIMAL) { /* through its text: a DECIMAL wider than 18 digits is 128 bits */
        strom_buf tb = {0};
        sql_val_format(&tb, t, v);
        strom__buf_append(&tb, "", 1);
        d = strtod(tb.p, NULL);
        strom__buf_free(&tb);
      }
      if (!strchr(spec, '.')) spec[k++] = '.', spec[k++] = '6';
      spec[k++] = conv, spec[k] = 0;
      strom__buf_printf(&b, spec, d);
    } else if (conv == 'c' && integer) {
      char u[4];
      int m = put_cp(u, (uint32_t)(v->i & 0x1FFFFF));
      strom__buf_append(&b, u, (size_t)m);
    } else {
      char tn[48];
      sql_type_name(t, tn, sizeof tn);
      strom__buf_free(&b);
      return sql_ectx_fail(c, "PRINTF: %%%c does not take %s (argument %d)", conv, tn, ai);
    }
  }
  return put_buf(&b, out, c);
}

static const sql_func funcs[] = {
    {"PRINTF", 1, 64, false, ck_printf, f_printf},
    {"SUBSTRING_INDEX", 3, 3, true, ck_ssii, f_substring_index},
    {"REPEAT", 2, 2, true, ck_si, f_repeat},
    {"ASCII", 1, 1, true, ck_ascii, f_ascii},
    {"CHR", 1, 1, true, ck_i, f_chr},
    {"INSTR", 2, 4, true, ck_instr, f_instr},
    {"OVERLAY", 3, 4, true, ck_ssii, f_overlay},
    {"TRANSLATE", 3, 3, false, ck_s, f_translate},
    {"ELT", 2, 64, false, ck_elt, f_elt},
    {"SPLIT", 2, 2, true, ck_split, f_split},
    {"STR_TO_MAP", 1, 3, true, ck_str_to_map, f_str_to_map},
    {"PARSE_URL", 2, 3, true, ck_parse_url, f_parse_url},
    {"URL_ENCODE", 1, 1, true, ck_s, f_url_encode},
    {"URL_DECODE", 1, 1, true, ck_s, f_url_decode},
    {"BIN", 1, 1, true, ck_i, f_bin},
};

const sql_func *sql_fnstr_func_find(const char *name) {
  const sql_func *f = SQL_FUNC_IN(funcs, name);
  if (f) return f;
  f = sql_hash_func_find(name);
  return f ? f : sql_json_func_find(name);
}

void sql_fnstr_func_list(strom_buf *b) {
  for (size_t i = 0; i < sizeof funcs / sizeof *funcs; i++) strom__buf_printf(b, " %s", funcs[i].name);
  /* IS_JSON is the form IS [NOT] JSON takes, not listed */
  strom__buf_printf(b, " MD5 SHA1 SHA224 SHA256 SHA384 SHA512 SHA2 UUID"); /* fn_hash.c */
  strom__buf_printf(b, " JSON_VALUE JSON_EXISTS JSON_QUERY JSON_STRING JSON_QUOTE JSON_UNQUOTE JSON_OBJECT JSON_ARRAY"); /* fn_json.c */
}
