/*
 * fn_jsonfilter.c -- JSON path filter steps `[?(<predicate>)]` for JSON_VALUE, JSON_QUERY
 * and JSON_EXISTS.  Flink evaluates paths through Calcite's JsonFunctions, which hand the
 * path (after its lax/strict mode) to Jayway JsonPath, so Jayway's filters work there:
 * `$.a[?(@.b > 1)]` keeps the elements of array a whose b is greater than 1 (applied to
 * an object, the object itself is tested).  The subset here: `@` followed by .name,
 * ['name'] and [n] steps; number, 'string' / "string", true, false and null literals;
 * ==, !=, <, <=, >, >= (Jayway's: numbers by value, strings by their text, other kinds
 * never ordered and equal only to the same literal); a bare `@.x` for "x exists";
 * &&, ||, ! and parentheses.  Regular expressions (=~), `in`, `$` inside a filter and
 * functions are refused when the path is parsed.  fn_json.c calls sql_jsonfilter_scan
 * while parsing a path and sql_jsonfilter_match while walking it, giving a resolver
 * for `@` paths (its own walker).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#include "sql_int.h"

typedef struct fx {
  const char *p;
  size_t i, n;
  /* evaluation (NULL when only checking the syntax) */
  const char *doc;
  size_t vb, ve;
  sql_json_resolve resolve;
  char *err;
  size_t errlen;
} fx;

static void sp(fx *x) {
  while (x->i < x->n && isspace((unsigned char)x->p[x->i])) x->i++;
}

static bool bad(fx *x, const char *what) {
  if (x->err && !x->err[0]) snprintf(x->err, x->errlen, "%s in the JSON path filter at character %zu", what, x->i + 1);
  return false;
}

/* An operand's value: kind 0 missing, 1 null, 2 bool, 3 number, 4 string, 5 array/object. */
typedef struct operand {
  int kind;
  double d;
  bool b;
  const char *s; /* a string: raw text between the quotes (escapes kept) */
  size_t sn;
  char q; /* the quote of a literal string, '"' for a document's */
} operand;

static bool str_eq(const operand *a, const operand *b) {
  /* compare unescaped: escapes are rare in keys of filters; compare byte by byte after a
   * simple unescape of \" \\ \/ and the quote */
  size_t i = 0, j = 0;
  for (;;) {
    if (i < a->sn && a->s[i] == '\\' && i + 1 < a->sn) i++;
    if (j < b->sn && b->s[j] == '\\' && j + 1 < b->sn) j++;
    if (i >= a->sn || j >= b->sn) return i >= a->sn && j >= b->sn;
    if (a->s[i] != b->s[j]) return false;
    i++, j++;
  }
}

static int str_cmp(const operand *a, const operand *b) {
  size_t n = a->sn < b->sn ? a->sn : b->sn;
  int c = memcmp(a->s, b->s, n);
  return c ? c : (a->sn > b->sn) - (a->sn < b->sn);
}

/* The JSON value at doc[b, e) as an operand. */
static operand of_json(const char *d, size_t b, size_t e) {
  operand o = {0};
  while (b < e && isspace((unsigned char)d[b])) b++;
  while (e > b && isspace((unsigned char)d[e - 1])) e--;
  if (b >= e) return o;
  char c = d[b];
  if (c == '"') o.kind = 4, o.s = d + b + 1, o.sn = e - b >= 2 ? e - b - 2 : 0, o.q = '"';
  else if (c == '{' || c == '[') o.kind = 5;
  else if (c == 't' || c == 'f') o.kind = 2, o.b = c == 't';
  else if (c == 'n') o.kind = 1;
  else {
    char buf[64];
    size_t k = e - b < 63 ? e - b : 63;
    memcpy(buf, d + b, k), buf[k] = 0;
    o.kind = 3, o.d = strtod(buf, NULL);
  }
  return o;
}

static bool operand_parse(fx *x, operand *o) {
  sp(x);
  if (x->i >= x->n) return bad(x, "expected a value");
  char c = x->p[x->i];
  *o = (operand){0};
  if (c == '@') {
    size_t b = ++x->i;
    for (;;) { /* .name, ['name'], [n] */
      if (x->i < x->n && x->p[x->i] == '.') {
        x->i++;
        size_t nb = x->i;
        while (x->i < x->n && (isalnum((unsigned char)x->p[x->i]) || x->p[x->i] == '_' || x->p[x->i] == '$' ||
                               (unsigned char)x->p[x->i] >= 0x80))
          x->i++;
        if (x->i == nb) return bad(x, "expected a name after '.'");
      } else if (x->i < x->n && x->p[x->i] == '[') {
        x->i++;
        if (x->i < x->n && (x->p[x->i] == '\'' || x->p[x->i] == '"')) {
          char q = x->p[x->i++];
          while (x->i < x->n && x->p[x->i] != q) x->i++;
          if (x->i >= x->n) return bad(x, "an unterminated name");
          x->i++;
        } else if (x->i < x->n && isdigit((unsigned char)x->p[x->i])) {
          while (x->i < x->n && isdigit((unsigned char)x->p[x->i])) x->i++;
        } else return bad(x, "expected a name or an index after '['");
        if (x->i >= x->n || x->p[x->i] != ']') return bad(x, "expected ']'");
        x->i++;
      } else break;
    }
    if (x->doc) {
      size_t rb, re;
      if (x->i == b) rb = x->vb, re = x->ve;
      else if (!x->resolve(x->doc, x->vb, x->ve, x->p + b, x->i - b, &rb, &re)) return o->kind = 0, true;
      *o = of_json(x->doc, rb, re);
    } else o->kind = 5;
    return true;
  }
  if (c == '$') return bad(x, "not supported: '$' inside a filter");
  if (c == '\'' || c == '"') {
    size_t b = ++x->i;
    while (x->i < x->n && x->p[x->i] != c) x->i += x->p[x->i] == '\\' ? 2 : 1;
    if (x->i >= x->n) return bad(x, "an unterminated string");
    o->kind = 4, o->s = x->p + b, o->sn = x->i - b, o->q = c;
    x->i++;
    return true;
  }
  if (c == '-' || isdigit((unsigned char)c)) {
    char buf[64];
    size_t b = x->i, k = 0;
    while (x->i < x->n && (isdigit((unsigned char)x->p[x->i]) || strchr("+-.eE", x->p[x->i])) && k < 63) buf[k++] = x->p[x->i++];
    buf[k] = 0;
    char *end;
    o->kind = 3, o->d = strtod(buf, &end);
    if (end == buf || *end) return x->i = b, bad(x, "a malformed number");
    return true;
  }
  static const char *const words[] = {"true", "false", "null"};
  for (int w = 0; w < 3; w++) {
    size_t wl = strlen(words[w]);
    if (x->n - x->i >= wl && !strncmp(x->p + x->i, words[w], wl)) {
      x->i += wl;
      o->kind = w == 2 ? 1 : 2, o->b = w == 0;
      return true;
    }
  }
  return bad(x, "expected @, a number, a string, true, false or null");
}

static bool or_expr(fx *x, bool *v);

static bool compare(const operand *a, const operand *b, const char *op) {
  bool eq = !strcmp(op, "=="), ne = !strcmp(op, "!=");
  if (a->kind == 0 || b->kind == 0) return false; /* a missing path passes no comparison */
  if (eq || ne) {
    bool same = a->kind == b->kind && (a->kind == 1 || (a->kind == 2 && a->b == b->b) || (a->kind == 3 && a->d == b->d) ||
                                       (a->kind == 4 && str_eq(a, b)));
    return eq ? same : !same;
  }
  int c;
  if (a->kind == 3 && b->kind == 3) c = a->d < b->d ? -1 : a->d > b->d;
  else if (a->kind == 4 && b->kind == 4) c = str_cmp(a, b);
  else return false;
  if (!strcmp(op, "<")) return c < 0;
  if (!strcmp(op, "<=")) return c <= 0;
  if (!strcmp(op, ">")) return c > 0;
  return c >= 0;
}

static bool unary(fx *x, bool *v) {
  sp(x);
  if (x->i < x->n && x->p[x->i] == '!' && !(x->i + 1 < x->n && x->p[x->i + 1] == '=')) {
    x->i++;
    if (!unary(x, v)) return false;
    *v = !*v;
    return true;
  }
  if (x->i < x->n && x->p[x->i] == '(') {
    x->i++;
    if (!or_expr(x, v)) return false;
    sp(x);
    if (x->i >= x->n || x->p[x->i] != ')') return bad(x, "expected ')'");
    x->i++;
    return true;
  }
  operand a, b;
  bool at = x->i < x->n && x->p[x->i] == '@';
  if (!operand_parse(x, &a)) return false;
  sp(x);
  static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">"};
  const char *op = NULL;
  for (int k = 0; k < 6 && !op; k++)
    if (x->n - x->i >= strlen(ops[k]) && !strncmp(x->p + x->i, ops[k], strlen(ops[k]))) op = ops[k];
  if (!op) {
    if (x->n - x->i >= 2 && !strncmp(x->p + x->i, "=~", 2)) return bad(x, "not supported: =~ (regular expressions)");
    if (!at) return bad(x, "expected a comparison");
    *v = a.kind != 0; /* [?(@.x)]: x exists */
    return true;
  }
  x->i += strlen(op);
  if (!operand_parse(x, &b)) return false;
  *v = compare(&a, &b, op);
  return true;
}

static bool and_expr(fx *x, bool *v) {
  if (!unary(x, v)) return false;
  for (;;) {
    sp(x);
    if (x->n - x->i < 2 || strncmp(x->p + x->i, "&&", 2)) return true;
    x->i += 2;
    bool w;
    if (!unary(x, &w)) return false;
    *v = *v && w;
  }
}

static bool or_expr(fx *x, bool *v) {
  if (!and_expr(x, v)) return false;
  for (;;) {
    sp(x);
    if (x->n - x->i < 2 || strncmp(x->p + x->i, "||", 2)) return true;
    x->i += 2;
    bool w;
    if (!and_expr(x, &w)) return false;
    *v = *v || w;
  }
}

size_t sql_jsonfilter_scan(const char *p, size_t n, size_t i, const char **f, size_t *fn, char *err, size_t errlen) {
  /* p[i] is '?': then '(' predicate ')' and ']' */
  size_t j = i + 1;
  while (j < n && isspace((unsigned char)p[j])) j++;
  if (j >= n || p[j] != '(') return snprintf(err, errlen, "expected '(' after '?' in the JSON path at character %zu", j + 1), 0;
  size_t b = j + 1;
  int depth = 1;
  char q = 0;
  for (j = b; j < n && depth; j++) {
    char c = p[j];
    if (q) {
      if (c == '\\') j++;
      else if (c == q) q = 0;
    } else if (c == '\'' || c == '"') q = c;
    else if (c == '(') depth++;
    else if (c == ')') depth--;
  }
  if (depth) return snprintf(err, errlen, "an unterminated filter in the JSON path"), 0;
  size_t e = j - 1; /* the closing ')' */
  while (j < n && isspace((unsigned char)p[j])) j++;
  if (j >= n || p[j] != ']') return snprintf(err, errlen, "expected ']' after the filter in the JSON path at character %zu", j + 1), 0;
  err[0] = 0;
  fx x = {.p = p + b, .n = e - b, .err = err, .errlen = errlen};
  bool v;
  if (!or_expr(&x, &v)) return 0;
  sp(&x);
  if (x.i != x.n) return bad(&x, "unexpected text"), 0;
  *f = p + b, *fn = e - b;
  return j + 1;
}

bool sql_jsonfilter_match(const char *f, size_t fn, const char *doc, size_t vb, size_t ve, sql_json_resolve resolve) {
  char err[8] = "";
  fx x = {.p = f, .n = fn, .doc = doc, .vb = vb, .ve = ve, .resolve = resolve, .err = err, .errlen = sizeof err};
  bool v = false;
  return or_expr(&x, &v) && v;
}
