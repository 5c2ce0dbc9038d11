/*
 * fn_json.c -- Flink's JSON functions: JSON_VALUE, JSON_EXISTS, JSON_QUERY, IS [NOT]
 * JSON [VALUE|SCALAR|ARRAY|OBJECT], JSON_STRING, JSON_OBJECT, JSON_ARRAY, JSON_QUOTE
 * and JSON_UNQUOTE.  Flink runs them through Calcite's JsonFunctions on Jayway
 * JsonPath; the behaviour copied here is theirs: a path is `[lax|strict] $` then
 * .key, ['key'], [n] and [*] steps; in lax mode a step that finds nothing gives
 * nothing (the ON EMPTY behaviour), in strict mode an error (ON ERROR); JSON_VALUE
 * of an object or array is empty in lax mode and an error in strict mode; JSON_QUERY
 * of a scalar likewise.  A [*] step makes the result a list (an array).
 *
 * The parser (parser.c, json_clauses) hands the clauses over as arguments: RETURNING t
 * as CAST(NULL AS t), and each other clause as a string of its words ('ERROR ON
 * EMPTY', 'DEFAULT ON ERROR' then the default).  The check reads them at bind time
 * into e->aux.  JSON text is scanned in place (no tree): a value is a byte span.
 */
#include <ctype.h>
#include <math.h>
#include <strings.h>

#include "sql_int.h"

static const sql_type T_STR = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX}, T_BOOL = {.id = STROM_BOOLEAN};

/* ---- scanning JSON text ---- */

#define JSON_MAX_DEPTH 512

static size_t ws(const char *s, size_t n, size_t i) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  return i;
}

/* The end of the string starting at s[i] == '"', or 0 when malformed. */
static size_t skip_string(const char *s, size_t n, size_t i) {
  for (i++; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '"') return i + 1;
    if (ch < 0x20) return 0;
    if (ch == '\\') {
      if (++i >= n) return 0;
      if (s[i] == 'u') {
        for (int k = 1; k <= 4; k++)
          if (i + (size_t)k >= n || !isxdigit((unsigned char)s[i + (size_t)k])) return 0;
        i += 4;
      } else if (!strchr("\"\\/bfnrt", s[i])) return 0;
    }
  }
  return 0;
}

/* The end of the value at s[i] (after leading white space), or 0 when malformed. */
static size_t skip_value(const char *s, size_t n, size_t i, int depth) {
  i = ws(s, n, i);
  if (i >= n || depth > JSON_MAX_DEPTH) return 0;
  char ch = s[i];
  if (ch == '"') return skip_string(s, n, i);
  if (ch == '{' || ch == '[') {
    char close = ch == '{' ? '}' : ']';
    i = ws(s, n, i + 1);
    if (i < n && s[i] == close) return i + 1;
    for (;;) {
      if (ch == '{') {
        i = ws(s, n, i);
        if (i >= n || s[i] != '"' || !(i = skip_string(s, n, i))) return 0;
        i = ws(s, n, i);
        if (i >= n || s[i] != ':') return 0;
        i++;
      }
      if (!(i = skip_value(s, n, i, depth + 1))) return 0;
      i = ws(s, n, i);
      if (i < n && s[i] == ',') i++;
      else if (i < n && s[i] == close) return i + 1;
      else return 0;
    }
  }
  if (ch == '-' || isdigit((unsigned char)ch)) {
    size_t b = i;
    if (s[i] == '-') i++;
    if (i >= n || !isdigit((unsigned char)s[i])) return 0;
    if (s[i] == '0') i++;
    else while (i < n && isdigit((unsigned char)s[i])) i++;
    if (i < n && s[i] == '.') {
      if (++i >= n || !isdigit((unsigned char)s[i])) return 0;
      while (i < n && isdigit((unsigned char)s[i])) i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
      if (++i < n && (s[i] == '+' || s[i] == '-')) i++;
      if (i >= n || !isdigit((unsigned char)s[i])) return 0;
      while (i < n && isdigit((unsigned char)s[i])) i++;
    }
    return i > b ? i : 0;
  }
  static const char *const words[] = {"true", "false", "null"};
  for (int k = 0; k < 3; k++) {
    size_t wn = strlen(words[k]);
    if (n - i >= wn && !memcmp(s + i, words[k], wn)) return i + wn;
  }
  return 0;
}

/* Whether s is one JSON value and nothing else; *b, *e its span. */
static bool whole(const char *s, size_t n, size_t *b, size_t *e) {
  size_t i = ws(s, n, 0), end = skip_value(s, n, i, 0);
  if (!end || ws(s, n, end) != n) return false;
  *b = i, *e = end;
  return true;
}

/* Appends the string literal at s[i] (valid) unescaped, as UTF-8. */
static void unescape(strom_buf *b, const char *s, size_t i, size_t end) {
  for (i++; i < end - 1; i++) {
    if (s[i] != '\\') {
      strom__buf_append(b, s + i, 1);
      continue;
    }
    char ch = s[++i];
    const char *m = strchr("\"\\/bfnrt", ch);
    if (m) {
      strom__buf_append(b, &"\"\\/\b\f\n\r\t"[m - "\"\\/bfnrt"], 1);
      continue;
    }
    uint32_t cp = (uint32_t)strtoul((char[]){s[i + 1], s[i + 2], s[i + 3], s[i + 4], 0}, NULL, 16);
    i += 4;
    if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < end && s[i + 1] == '\\' && s[i + 2] == 'u') {
      uint32_t lo = (uint32_t)strtoul((char[]){s[i + 3], s[i + 4], s[i + 5], s[i + 6], 0}, NULL, 16);
      if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00), i += 6;
    }
    char u[4];
    int k;
    if (cp < 0x80) u[0] = (char)cp, k = 1;
    else if (cp < 0x800) u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 63)), k = 2;
    else if (cp < 0x10000) u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 63)), u[2] = (char)(0x80 | (cp & 63)), k = 3;
    else
      u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 63)), u[2] = (char)(0x80 | ((cp >> 6) & 63)),
      u[3] = (char)(0x80 | (cp & 63)), k = 4;
    strom__buf_append(b, u, (size_t)k);
  }
}

/* Appends s as a JSON string literal (Jackson's escapes: \", \\, control characters). */
static void quote(strom_buf *b, const char *s, size_t n) {
  strom__buf_append(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    const char *m = ch ? strchr("\"\\\b\f\n\r\t", ch) : NULL;
    if (m) strom__buf_printf(b, "\\%c", "\"\\bfnrt"[m - "\"\\\b\f\n\r\t"]);
    else if (ch < 0x20) strom__buf_printf(b, "\\u%04X", ch);
    else strom__buf_append(b, s + i, 1);
  }
  strom__buf_append(b, "\"", 1);
}

/* Appends the valid value s[i, end) without white space outside strings, as Jackson
 * writes a parsed value back. */
static void compact(strom_buf *b, const char *s, size_t i, size_t end) {
  while (i < end) {
    if (s[i] == '"') {
      size_t e = skip_string(s, end, i);
      strom__buf_append(b, s + i, e - i);
      i = e;
    } else {
      if (!strchr(" \t\r\n", s[i])) strom__buf_append(b, s + i, 1);
      i++;
    }
  }
}

/* ---- paths ---- */

typedef struct step {
  int kind; /* 0 key, 1 index, 2 any element, 3 a filter [?(...)] (key: its text, fn_jsonfilter.c) */
  const char *key;
  size_t key_n;
  int64_t index;
} step;

typedef struct jpath {
  bool strict;
  int n;
  step st[64];
} jpath;

/* Parses p into *jp; false with a reason in err. */
static bool parse_path(const char *p, size_t n, jpath *jp, char *err, size_t errlen) {
  size_t i = ws(p, n, 0);
  jp->strict = false, jp->n = 0;
  if (n - i >= 6 && !strncasecmp(p + i, "strict", 6)) jp->strict = true, i = ws(p, n, i + 6);
  else if (n - i >= 3 && !strncasecmp(p + i, "lax", 3)) i = ws(p, n, i + 3);
  if (i >= n || p[i] != '$') return snprintf(err, errlen, "the JSON path must start with $"), false;
  for (i++; i < n;) {
    if (jp->n == 64) return snprintf(err, errlen, "the JSON path has more than 64 steps"), false;
    step *s = &jp->st[jp->n];
    if (p[i] == '.' && i + 1 < n && p[i + 1] == '[') { /* $.['a.b'], as Jayway takes it */
      i++;
      continue;
    }
    if (p[i] == '.') {
      size_t b = ++i;
      while (i < n && (isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == '$' || (unsigned char)p[i] >= 0x80)) i++;
      if (i == b) return snprintf(err, errlen, "a name must follow '.' in the JSON path at character %zu", b + 1), false;
      *s = (step){.kind = 0, .key = p + b, .key_n = i - b};
    } else if (p[i] == '[') {
      i = ws(p, n, i + 1);
      if (i < n && p[i] == '?') { /* a filter (fn_jsonfilter.c) */
        const char *f;
        size_t fl, j = sql_jsonfilter_scan(p, n, i, &f, &fl, err, errlen);
        if (!j) return false;
        *s = (step){.kind = 3, .key = f, .key_n = fl};
        jp->n++, i = j;
        continue;
      }
      if (i < n && p[i] == '*') *s = (step){.kind = 2}, i++;
      else if (i < n && (p[i] == '\'' || p[i] == '"')) {
        char q = p[i];
        size_t b = ++i;
        while (i < n && p[i] != q) i++;
        if (i >= n) return snprintf(err, errlen, "an unterminated name in the JSON path"), false;
        *s = (step){.kind = 0, .key = p + b, .key_n = i - b};
        i++;
      } else if (i < n && isdigit((unsigned char)p[i])) {
        int64_t v = 0;
        while (i < n && isdigit((unsigned char)p[i]) && v < 100000000) v = v * 10 + (p[i++] - '0');
        *s = (step){.kind = 1, .index = v};
      } else return snprintf(err, errlen, "expected a name, an index or * after '[' in the JSON path at character %zu", i + 1), false;
      i = ws(p, n, i);
      if (i >= n || p[i] != ']') return snprintf(err, errlen, "expected ']' in the JSON path at character %zu", i + 1), false;
      i++;
    } else if (strchr(" \t\r\n", p[i])) {
      i++;
      continue;
    } else return snprintf(err, errlen, "unexpected '%c' in the JSON path at character %zu", p[i], i + 1), false;
    jp->n++;
  }
  return true;
}

/* The results of a path: spans into the document; list when a [*] step made it one. */
typedef struct results {
  size_t *span; /* 2 * n */
  size_t n, cap;
  bool list, missing; /* missing: a step found nothing (an error in strict mode) */
} results;

static void res_add(results *r, size_t b, size_t e) {
  if (r->n == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 8, *ns = realloc(r->span, 2 * cap * sizeof *ns);
    if (!ns) return;
    r->span = ns, r->cap = cap;
  }
  r->span[2 * r->n] = b, r->span[2 * r->n + 1] = e, r->n++;
}

/* Applies steps k.. to the value at s[b, e) (valid JSON). */
static bool resolve_rel(const char *s, size_t b, size_t e, const char *path, size_t pn, size_t *rb, size_t *re);

static void walk(const char *s, size_t b, size_t e, const jpath *jp, int k, results *r) {
  if (k == jp->n) {
    res_add(r, b, e);
    return;
  }
  const step *st = &jp->st[k];
  char open = s[b];
  if (st->kind == 3 && open == '{') { /* a filter on an object tests the object (Jayway) */
    if (sql_jsonfilter_match(st->key, st->key_n, s, b, e, resolve_rel)) walk(s, b, e, jp, k + 1, r);
    return;
  }
  if ((st->kind == 0 && open != '{') || (st->kind != 0 && open != '[')) {
    r->missing = true;
    return;
  }
  size_t i = ws(s, e, b + 1);
  int64_t idx = 0;
  bool found = false;
  if (s[i] == (open == '{' ? '}' : ']')) {
    if (st->kind < 2) r->missing = true;
    return;
  }
  for (;;) {
    size_t kb = 0, ke = 0;
    if (open == '{') {
      kb = i, ke = skip_string(s, e, i);
      i = ws(s, e, ke) + 1;
    }
    size_t vb = ws(s, e, i), ve = skip_value(s, e, vb, 0);
    bool take = st->kind == 2 || (st->kind == 1 && idx == st->index) ||
                (st->kind == 3 && sql_jsonfilter_match(st->key, st->key_n, s, vb, ve, resolve_rel));
    if (st->kind == 0) {
      strom_buf kbuf = {0};
      unescape(&kbuf, s, kb, ke);
      take = kbuf.len == st->key_n && (!kbuf.len || !memcmp(kbuf.p, st->key, st->key_n));
      strom__buf_free(&kbuf);
    }
    if (take) {
      found = true;
      walk(s, vb, ve, jp, k + 1, r);
      if (st->kind < 2) return;
    }
    idx++;
    i = ws(s, e, ve);
    if (s[i] == ',') i = ws(s, e, i + 1);
    else break;
  }
  if (!found && st->kind < 2) r->missing = true;
}

/* @.a.b of a filter: the first value the relative path reaches from s[b, e). */
static bool resolve_rel(const char *s, size_t b, size_t e, const char *path, size_t pn, size_t *rb, size_t *re) {
  char buf[512], m[8];
  jpath jp;
  if (pn + 2 > sizeof buf) return false;
  buf[0] = '$';
  memcpy(buf + 1, path, pn);
  if (!parse_path(buf, pn + 1, &jp, m, sizeof m)) return false;
  results r = {0};
  walk(s, b, e, &jp, 0, &r);
  bool ok = r.n > 0;
  if (ok) *rb = r.span[0], *re = r.span[1];
  free(r.span);
  return ok;
}

/* ---- clauses (bind time) ---- */

enum { B_NULL, B_ERROR, B_DEFAULT, B_TRUE, B_FALSE, B_UNKNOWN, B_EMPTY_ARRAY, B_EMPTY_OBJECT };
enum { W_WITHOUT, W_CONDITIONAL, W_UNCONDITIONAL };

/* The clauses packed into e->aux: the ON EMPTY behaviour (bits 0-3), ON ERROR (4-7),
 * the wrapper (8-9), ABSENT ON NULL (bit 10), whether RETURNING was given (11),
 * argument numbers of the DEFAULTs (12-17 empty, 18-23 error). */
#define AUX_EMPTY(x) ((int)((x) & 15))
#define AUX_ERROR(x) ((int)(((x) >> 4) & 15))
#define AUX_WRAP(x) ((int)(((x) >> 8) & 3))
#define AUX_ABSENT(x) (((x) >> 10) & 1)
#define AUX_DEF_EMPTY(x) ((int)(((x) >> 12) & 63))
#define AUX_DEF_ERROR(x) ((int)(((x) >> 18) & 63))

static int fail(char *err, size_t errlen, const sql_expr *e, const char *what) {
  snprintf(err, errlen, "%s: %s", e->fn->name, what);
  return STROM_EINVAL;
}

static bool is_clause(const sql_expr *x) { return x->op == SQL_E_LIT && x->type.id == STROM_VARCHAR && !x->lit.null; }

/* Reads the clause arguments from first on: sets aux and *ret (a RETURNING type) and
 * the number of leading ordinary arguments *nargs. */
static int clauses(sql_expr *e, int first, sql_type *ret, bool *has_ret, int *nargs, char *err, size_t errlen) {
  const char *fn = e->fn->name;
  bool val = !strcmp(fn, "JSON_VALUE"), query = !strcmp(fn, "JSON_QUERY"), exists = !strcmp(fn, "JSON_EXISTS");
  int64_t aux = exists ? (int64_t)B_FALSE << 4 : 0;
  if (!strcmp(fn, "JSON_ARRAY")) aux |= 1 << 10; /* ABSENT ON NULL is JSON_ARRAY's default */
  *has_ret = false;
  *nargs = e->n;
  for (int i = first; i < e->n; i++) {
    sql_expr *x = e->a[i];
    bool null_lit = (x->op == SQL_E_CAST && x->a[0]->op == SQL_E_LIT && x->a[0]->lit.null) || (x->op == SQL_E_LIT && x->lit.null);
    if (null_lit && (val || query) && i >= 2) { /* RETURNING t, as CAST(NULL AS t) */
      if (*nargs == e->n) *nargs = i;
      *ret = x->type, *has_ret = true;
      continue;
    }
    if (!is_clause(x) || (first > 0 && i < 2)) {
      if (*nargs != e->n) return fail(err, errlen, e, "unexpected argument after the clauses");
      continue;
    }
    char w[100];
    snprintf(w, sizeof w, "%.*s", (int)x->lit.s.n, x->lit.s.p);
    static const struct {
      const char *w;
      int b;
    } beh[] = {{"NULL", B_NULL},       {"ERROR", B_ERROR},          {"DEFAULT", B_DEFAULT},           {"TRUE", B_TRUE},
               {"FALSE", B_FALSE},     {"UNKNOWN", B_UNKNOWN},      {"EMPTY ARRAY", B_EMPTY_ARRAY},   {"EMPTY OBJECT", B_EMPTY_OBJECT}};
    const char *on = strstr(w, " ON ");
    if (first == 0) { /* JSON_OBJECT / JSON_ARRAY: only NULL ON NULL / ABSENT ON NULL */
      if (!strcmp(w, "NULL ON NULL")) aux &= ~(int64_t)(1 << 10);
      else if (!strcmp(w, "ABSENT ON NULL")) aux |= 1 << 10;
      else continue; /* an ordinary string argument */
      if (*nargs == e->n) *nargs = i;
      continue;
    }
    if (*nargs == e->n) *nargs = i;
    if (strstr(w, "WRAPPER")) {
      if (!query) return fail(err, errlen, e, "only JSON_QUERY takes a WRAPPER clause");
      int wr = !strncmp(w, "WITHOUT", 7) ? W_WITHOUT : strstr(w, " CONDITIONAL") ? W_CONDITIONAL : W_UNCONDITIONAL;
      aux = (aux & ~(int64_t)(3 << 8)) | wr << 8;
      continue;
    }
    if (!on) return fail(err, errlen, e, "bad clause");
    size_t bn = (size_t)(on - w);
    int b = -1;
    for (size_t k = 0; k < sizeof beh / sizeof *beh; k++)
      if (strlen(beh[k].w) == bn && !strncmp(w, beh[k].w, bn)) b = beh[k].b;
    bool empty = !strcmp(on, " ON EMPTY"), error = !strcmp(on, " ON ERROR");
    bool ok = b >= 0 && (empty || error) && (!exists || (error && b != B_DEFAULT && b != B_NULL && b <= B_UNKNOWN)) &&
              (!val || b <= B_DEFAULT) && (!query || b == B_NULL || b == B_ERROR || b >= B_EMPTY_ARRAY);
    if (!ok) {
      char m[160];
      snprintf(m, sizeof m, "%s is not a clause of this function", w);
      return fail(err, errlen, e, m);
    }
    if (b == B_DEFAULT) {
      if (i + 1 >= e->n) return fail(err, errlen, e, "DEFAULT needs a value");
      aux |= (int64_t)(i + 1) << (empty ? 12 : 18);
      i++;
    }
    aux = empty ? (aux & ~(int64_t)15) | b : (aux & ~(int64_t)(15 << 4)) | b << 4;
  }
  e->aux = aux;
  return 0;
}

static int to(sql_arena *a, sql_expr *e, int i, const sql_type *t, char *err, size_t errlen) {
  if (!e->a[i]->type.id) e->a[i]->type = *t;
  if (e->a[i]->type.id == t->id && e->a[i]->type.kind == t->kind) return 0;
  if (!sql_can_cast(&e->a[i]->type, t)) {
    char m[120], got[48];
    sql_type_name(&e->a[i]->type, got, sizeof got);
    snprintf(m, sizeof m, "argument %d is %s, expected a string", i + 1, got);
    return fail(err, errlen, e, m);
  }
  return (e->a[i] = sql_cast_to(a, e->a[i], t)) ? 0 : STROM_ENOMEM;
}

static int ck_json_fn(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  sql_type ret = T_STR;
  bool has_ret;
  int nargs, rc = clauses(e, 2, &ret, &has_ret, &nargs, err, errlen);
  if (rc) return rc;
  if (nargs != 2) return fail(err, errlen, e, "takes a JSON string and a path, then its clauses");
  if ((rc = to(a, e, 0, &T_STR, err, errlen)) || (rc = to(a, e, 1, &T_STR, err, errlen))) return rc;
  const char *fn = e->fn->name;
  if (!strcmp(fn, "JSON_EXISTS")) e->type = T_BOOL;
  else if (!strcmp(fn, "JSON_QUERY")) {
    bool arr = ret.kind == SQL_K_ARRAY && ret.elem && ret.elem->id == STROM_VARCHAR && !ret.elem->kind;
    if (has_ret && !arr && (ret.id != STROM_VARCHAR || ret.kind)) return fail(err, errlen, e, "RETURNING must be STRING or ARRAY<STRING>");
    e->type = T_STR;
    if (has_ret && arr) e->type = ret, e->type.not_null = false;
  } else {
    if (has_ret && ret.kind) return fail(err, errlen, e, "RETURNING must be a scalar type");
    if (has_ret && !sql_can_cast(&T_STR, &ret)) return fail(err, errlen, e, "cannot return that type");
    e->type = ret;
    e->type.not_null = false;
    for (int d = 0; d < 2; d++) {
      int k = d ? AUX_DEF_ERROR(e->aux) : AUX_DEF_EMPTY(e->aux);
      if (k && (rc = to(a, e, k, &e->type, err, errlen))) return rc;
    }
  }
  /* a literal path is checked now, as Flink's planner does */
  if (e->a[1]->op == SQL_E_LIT && !e->a[1]->lit.null) {
    jpath jp;
    char m[160];
    if (!parse_path(e->a[1]->lit.s.p, e->a[1]->lit.s.n, &jp, m, sizeof m)) return fail(err, errlen, e, m);
  }
  return 0;
}

/* ---- evaluation ---- */

static int put(strom_buf *b, sql_val *out, sql_ectx *c) {
  if (!b->p) strom__buf_append(b, "", 0);
  char *p = sql_ectx_alloc(c, b->len + 1);
  if (p) memcpy(p, b->p, b->len), out->s.p = p, out->s.n = (uint32_t)b->len, out->null = false;
  strom__buf_free(b);
  return p ? 0 : STROM_ENOMEM;
}

/* Applies behaviour beh (for a failure described by why) to out. */
static int behave(const sql_expr *e, int beh, int def_arg, const sql_val *a, const char *why, sql_val *out, sql_ectx *c) {
  switch (beh) {
  case B_ERROR: return sql_ectx_fail(c, "%s: %s", e->fn->name, why);
  case B_DEFAULT: *out = a[def_arg]; return 0;
  case B_TRUE: out->null = false, out->i = 1; return 0;
  case B_FALSE: out->null = false, out->i = 0; return 0;
  case B_EMPTY_ARRAY: out->null = false, out->s.p = "[]", out->s.n = 2; return 0;
  case B_EMPTY_OBJECT: out->null = false, out->s.p = "{}", out->s.n = 2; return 0;
  default: out->null = true; return 0;
  }
}

static bool scalar(const char *s, size_t b) { return s[b] != '{' && s[b] != '['; }

/* JSON_QUERY ... RETURNING ARRAY<STRING>: the elements of the JSON array text j, a string
 * element as its text, null as NULL, others as compact JSON (Flink's example gives
 * ['c1', 'c2'] for ["c1","c2"]); a result that is not an array is NULL. */
static int to_string_array(const sql_val *j, sql_val *out, sql_ectx *c) {
  size_t db, de;
  jpath jp;
  char m[64];
  if (!whole(j->s.p, j->s.n, &db, &de) || j->s.p[db] != '[' || !parse_path("$[*]", 4, &jp, m, sizeof m))
    return out->null = true, 0;
  results r = {0};
  walk(j->s.p, db, de, &jp, 0, &r);
  strom_buf b = {0}, t = {0};
  uint32_t cnt = (uint32_t)r.n;
  strom__buf_append(&b, &cnt, 4);
  for (size_t k = 0; k < r.n; k++) {
    size_t i = r.span[2 * k], en = r.span[2 * k + 1];
    t.len = 0;
    sql_val v = {.null = en - i == 4 && !memcmp(j->s.p + i, "null", 4)};
    if (!v.null) {
      if (j->s.p[i] == '"') unescape(&t, j->s.p, i, en);
      else compact(&t, j->s.p, i, en);
      v.s.p = t.p ? t.p : "", v.s.n = (uint32_t)t.len;
    }
    sql_coll_put(&b, &T_STR, &v);
  }
  free(r.span);
  strom__buf_free(&t);
  return sql_coll_finish(&b, out, c);
}

static int f_json_query_fn(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c);

static int f_json_fn(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (e->type.kind == SQL_K_ARRAY) { /* JSON_QUERY RETURNING ARRAY<STRING>: the text, then its elements */
    sql_val j = {0};
    int rc = f_json_query_fn(e, a, &j, c);
    if (rc || j.null) return rc ? rc : (out->null = true, 0);
    return to_string_array(&j, out, c);
  }
  return f_json_query_fn(e, a, out, c);
}

static int f_json_query_fn(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (a[0].null || a[1].null) return out->null = true, 0;
  const char *fn = e->fn->name, *s = a[0].s.p;
  size_t n = a[0].s.n, db, de;
  int kind = !strcmp(fn, "JSON_VALUE") ? 0 : !strcmp(fn, "JSON_EXISTS") ? 1 : 2;
  int on_err = AUX_ERROR(e->aux), on_empty = AUX_EMPTY(e->aux), def_err = AUX_DEF_ERROR(e->aux), def_empty = AUX_DEF_EMPTY(e->aux);
  jpath jp;
  char m[160];
  if (!parse_path(a[1].s.p, a[1].s.n, &jp, m, sizeof m)) return behave(e, on_err, def_err, a, m, out, c);
  if (!whole(s, n, &db, &de)) return behave(e, on_err, def_err, a, "the input is not valid JSON", out, c);
  results r = {0};
  walk(s, db, de, &jp, 0, &r);
  for (int k = 0; k < jp.n; k++) r.list |= jp.st[k].kind >= 2; /* [*] and filters give lists */
  int rc = 0;
  if (jp.strict && r.missing && !r.n) {
    rc = behave(e, on_err, def_err, a, "no results for the path (strict mode)", out, c);
    goto done;
  }
  bool none = !r.n || (!r.list && r.n == 1 && r.span[1] - r.span[0] == 4 && !memcmp(s + r.span[0], "null", 4));
  if (kind == 1) { /* JSON_EXISTS: a value other than null is there */
    out->null = false, out->i = !none;
    goto done;
  }
  if (kind == 0) {
    if (none || r.list || !scalar(s, r.span[0])) {
      if (!none && jp.strict) rc = behave(e, on_err, def_err, a, "strict mode requires a scalar value", out, c);
      else rc = behave(e, on_empty, def_empty, a, "no value for the path", out, c);
      goto done;
    }
    strom_buf b = {0};
    if (s[r.span[0]] == '"') unescape(&b, s, r.span[0], r.span[1]);
    else strom__buf_append(&b, s + r.span[0], r.span[1] - r.span[0]);
    if (e->type.id == STROM_VARCHAR && !e->type.kind) {
      rc = put(&b, out, c);
      goto done;
    }
    sql_val v;
    int prc = sql_val_parse(&e->type, b.p ? b.p : "", b.len, &v, c);
    strom__buf_free(&b);
    if (prc || v.null) rc = behave(e, on_err, def_err, a, "the value does not convert to the RETURNING type", out, c);
    else *out = v;
    goto done;
  }
  /* JSON_QUERY */
  {
    int wrap = AUX_WRAP(e->aux);
    bool many = r.list; /* Jayway gives a list for a [*] path, an empty one when nothing matched */
    if (!many && none) {
      rc = behave(e, on_empty, def_empty, a, "no value for the path", out, c);
      goto done;
    }
    strom_buf b = {0};
    bool is_scalar = !many && scalar(s, r.span[0]);
    /* CONDITIONAL wraps all but an array (Calcite: a List stays, an object is wrapped) */
    bool is_array = many || s[r.span[0]] == '[';
    bool wrapped = wrap == W_UNCONDITIONAL || (wrap == W_CONDITIONAL && !is_array);
    if (!wrapped && is_scalar) {
      if (jp.strict) rc = behave(e, on_err, def_err, a, "strict mode requires an array or object value", out, c);
      else rc = behave(e, on_empty, def_empty, a, "the value is a scalar", out, c);
      goto done;
    }
    if (wrapped) strom__buf_append(&b, "[", 1);
    if (many) strom__buf_append(&b, "[", 1);
    for (size_t k = 0; k < r.n; k++) {
      if (k) strom__buf_append(&b, ",", 1);
      compact(&b, s, r.span[2 * k], r.span[2 * k + 1]);
    }
    if (many) strom__buf_append(&b, "]", 1);
    if (wrapped) strom__buf_append(&b, "]", 1);
    rc = put(&b, out, c);
  }
done:
  free(r.span);
  return rc;
}

/* ---- IS JSON ---- */

static int ck_is_json(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  if (!is_clause(e->a[1])) return fail(err, errlen, e, "expected IS [NOT] JSON [VALUE|SCALAR|ARRAY|OBJECT]");
  e->type = T_BOOL;
  e->type.not_null = true;
  return to(a, e, 0, &T_STR, err, errlen);
}

/* FALSE (TRUE for IS NOT JSON) for NULL, as Calcite's IS JSON. */
static int f_is_json(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  const char *k = a[1].s.p;
  bool neg = !strncmp(k, "NOT ", 4);
  if (neg) k += 4;
  size_t b, en;
  bool ok = !a[0].null && whole(a[0].s.p, a[0].s.n, &b, &en);
  if (ok && k[0] == 'S') ok = scalar(a[0].s.p, b);
  else if (ok && k[0] == 'A') ok = a[0].s.p[b] == '[';
  else if (ok && k[0] == 'O') ok = a[0].s.p[b] == '{';
  (void)e;
  out->null = false, out->i = ok != neg;
  return 0;
}

/* ---- building JSON ---- */

/* Whether x's value is JSON text to insert as it is (a JSON_OBJECT, JSON_ARRAY or
 * JSON_QUERY call), as Flink nests them. */
static bool raw_json(const sql_expr *x) {
  return x->op == SQL_E_FUNC && x->fn &&
         (!strcmp(x->fn->name, "JSON_OBJECT") || !strcmp(x->fn->name, "JSON_ARRAY") || !strcmp(x->fn->name, "JSON_QUERY") ||
          !strcmp(x->fn->name, "TO_JSON"));
}

/* ARRAY and MAP arguments become their JSON (types_coll.c's TO_JSON), which is then
 * inserted as it is: Flink writes them as JSON arrays and objects. */
static int coll_args(sql_arena *a, sql_expr *e, int n) {
  for (int i = 0; i < n; i++)
    if (e->a[i]->type.kind >= SQL_K_ARRAY) /* ROW and MULTISET too (rowfn_val.c) */
      if (!(e->a[i] = sql_coll_to_json(a, e->a[i]))) return STROM_ENOMEM;
  return 0;
}

/* Appends v (of type t) as JSON. */
static void put_json(strom_buf *b, const sql_expr *x, const sql_val *v, sql_ectx *c) {
  const sql_type *t = &x->type;
  if (v->null) strom__buf_append(b, "null", 4);
  else if (raw_json(x)) strom__buf_append(b, v->s.p, v->s.n);
  else if (t->id == STROM_BOOLEAN) strom__buf_printf(b, "%s", v->i ? "true" : "false");
  else if (t->id == STROM_INT || t->id == STROM_BIGINT) strom__buf_printf(b, "%lld", (long long)v->i);
  else if (t->id == STROM_DOUBLE && isfinite(v->d)) strom__format_double(b, v->d, t->narrow == SQL_N_FLOAT); /* Jackson: Double.toString */
  else if (t->id == STROM_DOUBLE) { /* Jackson quotes NaN and Infinity (QUOTE_NON_NUMERIC_NUMBERS) */
    char nt[STROM__DOUBLE_TEXT_MAX];
    quote(b, nt, strom__double_text(nt, v->d, false));
  }
  else if (t->id == STROM_VARCHAR && !t->kind) quote(b, v->s.p, v->s.n);
  else if (sql_fid_json_ts(b, t, v)) {} /* fid_json.c: ISO-8601 */
  else { /* decimals, times, collections: their text, as a string (numbers as numbers) */
    strom_buf tb = {0};
    sql_val_format(&tb, t, v);
    if (t->id == STROM_DECIMAL) strom__buf_append(b, tb.p, tb.len);
    else quote(b, tb.p ? tb.p : "", tb.len);
    strom__buf_free(&tb);
  }
  (void)c;
}

static int ck_build(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  sql_type ret;
  bool has_ret;
  int nargs;
  int rc = clauses(e, 0, &ret, &has_ret, &nargs, err, errlen);
  if (rc) return rc;
  bool obj = !strcmp(e->fn->name, "JSON_OBJECT");
  if (obj && nargs % 2) return fail(err, errlen, e, "expects KEY key VALUE value pairs");
  for (int i = 0; obj && i < nargs; i += 2)
    if (e->a[i]->type.id && (e->a[i]->type.id != STROM_VARCHAR || e->a[i]->type.kind)) return fail(err, errlen, e, "a key must be a string");
  e->aux |= (int64_t)nargs << 24;
  e->type = T_STR;
  e->type.not_null = true;
  return coll_args(a, e, nargs);
}

static int f_build(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  bool obj = !strcmp(e->fn->name, "JSON_OBJECT"), absent = AUX_ABSENT(e->aux);
  int nargs = (int)(e->aux >> 24);
  strom_buf b = {0};
  strom__buf_append(&b, obj ? "{" : "[", 1);
  bool first = true;
  for (int i = 0; i < nargs; i += obj ? 2 : 1) {
    const sql_val *v = &a[obj ? i + 1 : i];
    if (obj && a[i].null) {
      strom__buf_free(&b);
      return sql_ectx_fail(c, "JSON_OBJECT: a key is NULL");
    }
    if (v->null && absent) continue;
    if (!first) strom__buf_append(&b, ",", 1);
    first = false;
    if (obj) quote(&b, a[i].s.p, a[i].s.n), strom__buf_append(&b, ":", 1);
    put_json(&b, e->a[obj ? i + 1 : i], v, c);
  }
  strom__buf_append(&b, obj ? "}" : "]", 1);
  return put(&b, out, c);
}

/* ---- JSON_STRING, JSON_QUOTE, JSON_UNQUOTE ---- */

static int ck_any_str(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)err, (void)errlen;
  if (!e->a[0]->type.id) e->a[0]->type = T_STR;
  e->type = T_STR;
  return coll_args(a, e, 1);
}
static int ck_str(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_STR;
  return to(a, e, 0, &T_STR, err, errlen);
}

static int f_json_string(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  strom_buf b = {0};
  put_json(&b, e->a[0], &a[0], c);
  return put(&b, out, c);
}

static int f_json_quote(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  strom_buf b = {0};
  quote(&b, a[0].s.p, a[0].s.n);
  return put(&b, out, c);
}

/* The string a JSON string literal stands for; anything else as it is. */
static int f_json_unquote(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  const char *s = a[0].s.p;
  size_t n = a[0].s.n;
  if (n < 2 || s[0] != '"' || skip_string(s, n, 0) != n) return *out = a[0], 0;
  strom_buf b = {0};
  unescape(&b, s, 0, n);
  return put(&b, out, c);
}

static const sql_func funcs[] = {
    {"JSON_VALUE", 2, 12, false, ck_json_fn, f_json_fn},
    {"JSON_EXISTS", 2, 4, false, ck_json_fn, f_json_fn},
    {"JSON_QUERY", 2, 8, false, ck_json_fn, f_json_fn},
    {"IS_JSON", 2, 2, false, ck_is_json, f_is_json},
    {"JSON_OBJECT", 0, 64, false, ck_build, f_build},
    {"JSON_ARRAY", 0, 64, false, ck_build, f_build},
    {"JSON_STRING", 1, 1, true, ck_any_str, f_json_string},
    {"JSON_QUOTE", 1, 1, true, ck_str, f_json_quote},
    {"JSON_UNQUOTE", 1, 1, true, ck_str, f_json_unquote},
};

const sql_func *sql_json_func_find(const char *name) {
  return SQL_FUNC_IN(funcs, name);
}
