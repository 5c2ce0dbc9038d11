/*
 * fn_regex.c -- the regular-expression functions REGEXP (the predicate),
 * REGEXP_EXTRACT, REGEXP_REPLACE, REGEXP_COUNT, REGEXP_INSTR and REGEXP_SUBSTR, as
 * Flink's function reference defines them.  Patterns are Java regexes, run by the
 * engine in src/core/regex.c (java.util.regex syntax and leftmost-first results, in
 * linear time); what it cannot do (back-references, lookaround, possessive
 * quantifiers) is refused naming the construct.
 *
 * A literal pattern is compiled once, at bind time, into a process-wide table keyed
 * by the pattern (plans only point at the compiled form, so they need no destructor),
 * and a bad one fails the statement there.  A pattern computed per row is compiled
 * per call, and a bad one gives what Flink's runtime gives: NULL (FALSE for REGEXP).
 */
#include <pthread.h>
#include <strings.h>

#include "../core/regex.h"
#include "sql_int.h"

typedef struct rx_entry {
  struct rx_entry *next;
  char *pat;
  size_t n;
  strom__regex *re;
} rx_entry;

static pthread_mutex_t rx_mu = PTHREAD_MUTEX_INITIALIZER;
static rx_entry *rx_all;

__attribute__((destructor)) static void rx_free_all(void) {
  while (rx_all) {
    rx_entry *e = rx_all;
    rx_all = e->next;
    strom__regex_free(e->re);
    free(e->pat);
    free(e);
  }
}

/* Compiles pattern p into *re; err says why not, naming the pattern. */
static int compile(const char *p, size_t n, strom__regex **re, char *err, size_t errlen) {
  char m[240];
  if (!strom__regex_compile(p, n, re, m, sizeof m)) return 0;
  snprintf(err, errlen, "bad regular expression '%.*s': %s", (int)(n > 80 ? 80 : n), p, m);
  return STROM_EINVAL;
}

static const strom__regex *intern(const char *p, size_t n, char *err, size_t errlen) {
  pthread_mutex_lock(&rx_mu);
  rx_entry *e;
  for (e = rx_all; e; e = e->next)
    if (e->n == n && !memcmp(e->pat, p, n)) break;
  if (!e && (e = strom__calloc(1, sizeof *e))) {
    if (!(e->pat = strom__malloc(n + 1))) {
      free(e);
      e = NULL;
    } else {
      memcpy(e->pat, p, n);
      e->pat[n] = 0, e->n = n;
      if (compile(p, n, &e->re, err, errlen)) {
        free(e->pat);
        free(e);
        pthread_mutex_unlock(&rx_mu);
        return NULL;
      }
      strom__regex_optimize(e->re); /* used for every row of the query */
      e->next = rx_all;
      rx_all = e;
    }
  }
  pthread_mutex_unlock(&rx_mu);
  if (!e) snprintf(err, errlen, "out of memory");
  return e ? e->re : NULL;
}

static const sql_type T_STR = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX}, T_BOOL = {.id = STROM_BOOLEAN},
                      T_INT = {.id = STROM_INT};

static int to(sql_arena *a, sql_expr *e, int i, const sql_type *t, char *err, size_t errlen) {
  if (!e->a[i]->type.id) e->a[i]->type = *t;
  if (e->a[i]->type.id == t->id && !e->a[i]->type.kind) return 0;
  if (!sql_can_cast(&e->a[i]->type, t)) {
    char got[48];
    sql_type_name(&e->a[i]->type, got, sizeof got);
    snprintf(err, errlen, "%s: argument %d is %s, expected %s", e->fn->name, i + 1, got, t->id == STROM_INT ? "INT" : "STRING");
    return STROM_EINVAL;
  }
  return (e->a[i] = sql_cast_to(a, e->a[i], t)) ? 0 : STROM_ENOMEM;
}

/* Type-checks (string, pattern, ...rest of type rest) and compiles a literal pattern
 * into e->aux. */
static int check(sql_arena *a, sql_expr *e, const sql_type *rest, char *err, size_t errlen) {
  int rc = to(a, e, 0, &T_STR, err, errlen);
  if (!rc) rc = to(a, e, 1, &T_STR, err, errlen);
  for (int i = 2; !rc && i < e->n; i++) rc = to(a, e, i, rest, err, errlen);
  if (rc) return rc;
  const sql_expr *pe = e->a[1];
  if (pe->op == SQL_E_LIT && !pe->lit.null) {
    char m[400];
    const strom__regex *re = intern(pe->lit.s.p, pe->lit.s.n, m, sizeof m);
    if (!re) {
      snprintf(err, errlen, "%s: %s", e->fn->name, m);
      return STROM_EINVAL;
    }
    e->aux = (int64_t)(intptr_t)re;
  }
  return 0;
}

static int ck_extract(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_STR;
  int rc = check(a, e, &T_INT, err, errlen);
  if (!rc && e->aux && e->n > 2 && e->a[2]->op == SQL_E_LIT && !e->a[2]->lit.null) {
    const strom__regex *re = (const strom__regex *)(intptr_t)e->aux;
    int ng = strom__regex_groups(re);
    if (e->a[2]->lit.i < 0 || e->a[2]->lit.i > ng) {
      snprintf(err, errlen, "%s: group %lld does not exist (the pattern has %d group%s)", e->fn->name,
               (long long)e->a[2]->lit.i, ng, ng == 1 ? "" : "s");
      return STROM_EINVAL;
    }
  }
  return rc;
}

static int ck_replace(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_STR;
  return check(a, e, &T_STR, err, errlen);
}

static int ck_pred(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_BOOL;
  return check(a, e, &T_STR, err, errlen);
}

static int ck_int(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_INT;
  return check(a, e, &T_STR, err, errlen);
}

/* The compiled pattern of this call: the interned one, or *own compiled now (NULL if
 * the per-row pattern is bad: Flink's runtime then answers NULL). */
static const strom__regex *pattern(const sql_expr *e, const sql_val *a, strom__regex **own) {
  *own = NULL;
  if (e->aux) return (const strom__regex *)(intptr_t)e->aux;
  char m[8];
  if (strom__regex_compile(a[1].s.p ? a[1].s.p : "", a[1].s.n, own, m, sizeof m)) return NULL;
  return *own;
}

/* Scratch for a find: on the stack when small, else in the row's scratch. */
#define WORK_STACK 2048
static void *work_for(const strom__regex *re, int64_t *stack, sql_ectx *c) {
  size_t need = strom__regex_work_size(re);
  return need <= WORK_STACK * sizeof *stack ? (void *)stack : (void *)sql_ectx_alloc(c, need);
}

#define MAX_GROUPS 32

static int f_extract(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  strom__regex *own;
  const strom__regex *re = pattern(e, a, &own);
  out->null = true;
  if (!re) return 0;
  int64_t g = e->n > 2 ? a[2].i : 0, stack[WORK_STACK];
  void *work = work_for(re, stack, c);
  int32_t caps[2 * (MAX_GROUPS + 1)];
  int rc = work ? 0 : STROM_ENOMEM;
  if (work && g >= 0 && g <= strom__regex_groups(re) && g <= MAX_GROUPS &&
      strom__regex_find(re, a[0].s.p, a[0].s.n, 0, caps, (int)g + 1, work) && caps[2 * g] >= 0) {
    out->null = false;
    out->s.p = a[0].s.p + caps[2 * g], out->s.n = (uint32_t)(caps[2 * g + 1] - caps[2 * g]);
  }
  strom__regex_free(own);
  return rc;
}

static int f_pred(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  strom__regex *own;
  out->i = 0;
  if (!a[1].s.n) return 0; /* Flink: an empty pattern matches nothing */
  const strom__regex *re = pattern(e, a, &own);
  if (!re) return 0;
  int64_t stack[WORK_STACK];
  void *work = work_for(re, stack, c);
  if (work) out->i = strom__regex_find(re, a[0].s.p, a[0].s.n, 0, NULL, 0, work);
  strom__regex_free(own);
  return work ? 0 : STROM_ENOMEM;
}

/* Every match replaced by the replacement taken literally: Flink's runtime quotes it
 * (Matcher.quoteReplacement), so `$1` and `\$` are text there, not group references. */
static int f_replace(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  strom__regex *own;
  const strom__regex *re = pattern(e, a, &own);
  out->null = true;
  if (!re) return 0;
  int64_t stack[WORK_STACK];
  void *work = work_for(re, stack, c);
  if (!work) {
    strom__regex_free(own);
    return STROM_ENOMEM;
  }
  strom_buf b = {0};
  char m[8];
  int rc = strom__regex_replace(re, a[0].s.p, a[0].s.n, a[2].s.p, a[2].s.n, true, &b, work, m, sizeof m);
  strom__regex_free(own);
  if (rc == STROM_ENOMEM) {
    strom__buf_free(&b);
    return rc;
  }
  if (!rc) return sql_coll_finish(&b, out, c);
  strom__buf_free(&b);
  return 0;
}

/* REGEXP_COUNT: the number of matches, found as Java's repeated find() does. */
static int f_count(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  strom__regex *own;
  const strom__regex *re = pattern(e, a, &own);
  out->null = true;
  if (!re) return 0;
  int64_t stack[WORK_STACK];
  void *work = work_for(re, stack, c);
  if (work) {
    int32_t caps[2];
    size_t at = 0, n = a[0].s.n;
    int64_t k = 0;
    while (at <= n && strom__regex_find(re, a[0].s.p, n, at, caps, 1, work)) {
      k++;
      at = caps[1] == caps[0] ? strom__regex_next(a[0].s.p, n, (size_t)caps[1]) : (size_t)caps[1];
    }
    out->null = false, out->i = k;
  }
  strom__regex_free(own);
  return work ? 0 : STROM_ENOMEM;
}

/* REGEXP_INSTR (1-based position of the first match in Java chars, 0 if none) and
 * REGEXP_SUBSTR (the first match, NULL if none). */
static int first_match(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c, bool instr) {
  strom__regex *own;
  const strom__regex *re = pattern(e, a, &own);
  out->null = true;
  if (!re) return 0;
  int64_t stack[WORK_STACK];
  void *work = work_for(re, stack, c);
  int32_t caps[2];
  if (work) {
    bool found = strom__regex_find(re, a[0].s.p, a[0].s.n, 0, caps, 1, work);
    if (instr) {
      int64_t units = 0;
      if (found)
        for (int32_t i = 0; i < caps[0]; i++) {
          uint8_t b = (uint8_t)a[0].s.p[i];
          units += (b & 0xC0) != 0x80; /* a code point; one above U+FFFF is two UTF-16 chars */
          units += b >= 0xF0;
        }
      out->null = false, out->i = found ? units + 1 : 0;
    } else if (found) {
      out->null = false, out->s.p = a[0].s.p + caps[0], out->s.n = (uint32_t)(caps[1] - caps[0]);
    }
  }
  strom__regex_free(own);
  return work ? 0 : STROM_ENOMEM;
}

static int f_instr(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  return first_match(e, a, out, c, true);
}

static int f_substr(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  return first_match(e, a, out, c, false);
}

static int ck_extract_all(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = ck_extract(a, e, err, errlen);
  if (!rc && e->aux && e->n == 2 && strom__regex_groups((const strom__regex *)(intptr_t)e->aux) < 1) {
    snprintf(err, errlen, "%s: group 1 (the default) does not exist (the pattern has no groups)", e->fn->name);
    rc = STROM_EINVAL;
  }
  sql_type t = T_STR;
  e->type = sql_coll_array_type(&t);
  return rc;
}

/* REGEXP_EXTRACT_ALL(str, regex[, group = 1]): group of every match, as Flink's
 * RegexpExtractAllFunction (a bad pattern or group fails, as it throws). */
static int f_extract_all(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  strom__regex *own = NULL;
  const strom__regex *re = (const strom__regex *)(intptr_t)e->aux;
  if (!re) {
    char m[400];
    if (compile(a[1].s.p ? a[1].s.p : "", a[1].s.n, &own, m, sizeof m))
      return sql_ectx_fail(c, "%s: %s", e->fn->name, m), STROM_EUSER;
    re = own;
  }
  int64_t g = e->n > 2 ? a[2].i : 1, stack[WORK_STACK];
  int ng = strom__regex_groups(re);
  if (g < 0 || g > ng || g > MAX_GROUPS) {
    strom__regex_free(own);
    return sql_ectx_fail(c, "%s: extract group index %lld is out of range [0, %d]", e->fn->name, (long long)g, ng),
           STROM_EUSER;
  }
  void *work = work_for(re, stack, c);
  if (!work) {
    strom__regex_free(own);
    return STROM_ENOMEM;
  }
  strom_buf b = {0};
  uint32_t k = 0;
  strom__buf_append(&b, &k, 4);
  int32_t caps[2 * (MAX_GROUPS + 1)];
  size_t at = 0, n = a[0].s.n;
  while (at <= n && strom__regex_find(re, a[0].s.p, n, at, caps, (int)g + 1, work)) {
    uint8_t null = caps[2 * g] < 0;
    strom__buf_append(&b, &null, 1);
    if (!null) {
      uint32_t len = (uint32_t)(caps[2 * g + 1] - caps[2 * g]);
      strom__buf_append(&b, &len, 4);
      strom__buf_append(&b, a[0].s.p + caps[2 * g], len);
    }
    k++;
    at = caps[1] == caps[0] ? strom__regex_next(a[0].s.p, n, (size_t)caps[1]) : (size_t)caps[1];
  }
  strom__regex_free(own);
  char *p = b.p ? sql_ectx_alloc(c, b.len) : NULL;
  if (p) {
    memcpy(b.p, &k, 4);
    memcpy(p, b.p, b.len);
    out->null = false, out->s.p = p, out->s.n = (uint32_t)b.len;
  }
  strom__buf_free(&b);
  return p ? 0 : STROM_ENOMEM;
}

/* ---- SIMILAR TO ---- */

/* Translates the SQL SIMILAR TO pattern p (escape character esc, or -1) into a Java
 * regex matching the whole string, as Calcite's sqlToRegexSimilar (which Flink uses)
 * does: % and _ are any string and any character, $ and \ are literal, [...] keeps
 * ranges, ^ and [:ALPHA:]-style classes, the rest of the syntax is Java's. */
static int similar_to_java(const char *p, size_t n, int esc, strom_buf *o, char *err, size_t errlen) {
  static const char *java_specials = "[]()|^-+*?{}$\\.", *similar_specials = "[]()|^-+*_%?{}";
  static const char *classes[][2] = {{"[:ALPHA:]", "\\p{Alpha}"}, {"[:alpha:]", "\\p{Alpha}"}, {"[:UPPER:]", "\\p{Upper}"},
                                     {"[:upper:]", "\\p{Upper}"}, {"[:LOWER:]", "\\p{Lower}"}, {"[:lower:]", "\\p{Lower}"},
                                     {"[:DIGIT:]", "\\d"},        {"[:digit:]", "\\d"},        {"[:SPACE:]", " "},
                                     {"[:space:]", " "},          {"[:WHITESPACE:]", "\\s"},   {"[:whitespace:]", "\\s"},
                                     {"[:ALNUM:]", "\\p{Alnum}"}, {"[:alnum:]", "\\p{Alnum}"}};
  strom__buf_append(o, "\\A(?:", 5);
  bool in_class = false;
  size_t i;
  for (i = 0; i < n; i++) {
    char c = p[i];
    if (esc >= 0 && (unsigned char)c == esc) {
      if (i + 1 >= n) goto bad_escape;
      char d = p[++i];
      if (d && strchr(similar_specials, d)) {
        if (strchr(java_specials, d)) strom__buf_append(o, "\\", 1);
        strom__buf_append(o, &d, 1);
      } else if ((unsigned char)d == esc) {
        strom__buf_append(o, &d, 1); /* as Calcite: unescaped, even when Java gives it a meaning */
      } else {
        goto bad_escape;
      }
      continue;
    }
    if (in_class) {
      if (c == ']') {
        in_class = false;
        strom__buf_append(o, "]", 1);
        continue;
      }
      if (c == '[' && i + 1 < n && p[i + 1] == ':') {
        size_t k = 0;
        while (k < sizeof classes / sizeof *classes &&
               (n - i < strlen(classes[k][0]) || memcmp(p + i, classes[k][0], strlen(classes[k][0]))))
          k++;
        if (k == sizeof classes / sizeof *classes) goto bad; /* at i */
        strom__buf_append(o, classes[k][1], strlen(classes[k][1]));
        i += strlen(classes[k][0]) - 1;
        continue;
      }
      if (c != '-' && c != '^' && strchr(similar_specials, c)) goto bad;
      strom__buf_append(o, &c, 1);
      continue;
    }
    switch (c) {
      case '_': strom__buf_append(o, ".", 1); break;
      case '%': strom__buf_append(o, "(?s:.*)", 7); break;
      case '[': strom__buf_append(o, "[", 1), in_class = true; break;
      case ']': goto bad;
      case '\\': strom__buf_append(o, "\\\\", 2); break;
      case '$': strom__buf_append(o, "\\$", 2); break;
      default: strom__buf_append(o, &c, 1);
    }
  }
  if (in_class) goto bad;
  strom__buf_append(o, ")\\z", 3);
  return 0;
bad_escape:
  snprintf(err, errlen, "invalid escape sequence in the SIMILAR TO pattern '%.*s'", (int)(n > 80 ? 80 : n), p);
  return STROM_EINVAL;
bad:
  snprintf(err, errlen, "invalid SIMILAR TO pattern '%.*s' (%s at byte %zu)", (int)(n > 80 ? 80 : n), p,
           i < n ? "a misplaced special character" : "an unclosed [", i + 1);
  return STROM_EINVAL;
}

/* The escape character of a SIMILAR TO call (-1 for none), or -2 if it is not one byte. */
static int similar_escape(const sql_val *a, int n) {
  if (n < 3) return -1;
  return a[2].s.n == 1 ? (unsigned char)a[2].s.p[0] : -2;
}

static int similar_compile(const char *fn, const char *p, size_t n, int esc, strom__regex **re, char *err, size_t errlen) {
  if (esc == -2) {
    snprintf(err, errlen, "%s: the escape must be one character", fn);
    return STROM_EINVAL;
  }
  strom_buf o = {0};
  char m[400];
  int rc = similar_to_java(p, n, esc, &o, m, sizeof m);
  if (!rc) rc = compile(o.p, o.len, re, m, sizeof m);
  if (rc) snprintf(err, errlen, "%s: %s", fn, m);
  strom__buf_free(&o);
  return rc;
}

static int ck_similar(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_BOOL;
  int rc = 0;
  for (int i = 0; !rc && i < e->n; i++) rc = to(a, e, i, &T_STR, err, errlen);
  if (rc) return rc;
  const sql_expr *pe = e->a[1], *ee = e->n > 2 ? e->a[2] : NULL;
  if (pe->op == SQL_E_LIT && !pe->lit.null && (!ee || (ee->op == SQL_E_LIT && !ee->lit.null))) {
    sql_val v[3] = {[1] = pe->lit};
    if (ee) v[2] = ee->lit;
    strom__regex *re;
    if ((rc = similar_compile(e->fn->name, pe->lit.s.p ? pe->lit.s.p : "", pe->lit.s.n, similar_escape(v, e->n), &re, err,
                              errlen)))
      return rc;
    /* interned under its Java form, so plans keep only a pointer */
    char m[400];
    strom_buf o = {0};
    similar_to_java(pe->lit.s.p ? pe->lit.s.p : "", pe->lit.s.n, similar_escape(v, e->n), &o, m, sizeof m);
    strom__regex_free(re);
    const strom__regex *in = intern(o.p, o.len, m, sizeof m);
    strom__buf_free(&o);
    if (!in) return snprintf(err, errlen, "%s: %s", e->fn->name, m), STROM_EINVAL;
    e->aux = (int64_t)(intptr_t)in;
  }
  return 0;
}

/* string SIMILAR TO pattern [ESCAPE c]: the whole string matches; a bad pattern
 * computed per row fails, as Flink's throws. */
static int f_similar(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  strom__regex *own = NULL;
  const strom__regex *re = (const strom__regex *)(intptr_t)e->aux;
  if (!re) {
    char m[500];
    if (similar_compile(e->fn->name, a[1].s.p ? a[1].s.p : "", a[1].s.n, similar_escape(a, e->n), &own, m, sizeof m))
      return sql_ectx_fail(c, "%s", m), STROM_EUSER;
    re = own;
  }
  int64_t stack[WORK_STACK];
  void *work = work_for(re, stack, c);
  if (work) out->i = strom__regex_find(re, a[0].s.p, a[0].s.n, 0, NULL, 0, work);
  strom__regex_free(own);
  return work ? 0 : STROM_ENOMEM;
}

static const sql_func regex_funcs[] = {
    {"SIMILAR TO", 2, 3, true, ck_similar, f_similar},
    {"REGEXP_EXTRACT_ALL", 2, 3, true, ck_extract_all, f_extract_all},
    {"REGEXP_EXTRACT", 2, 3, true, ck_extract, f_extract},
    {"REGEXP_REPLACE", 3, 3, true, ck_replace, f_replace},
    {"REGEXP", 2, 2, true, ck_pred, f_pred},
    {"REGEXP_COUNT", 2, 2, true, ck_int, f_count},
    {"REGEXP_INSTR", 2, 2, true, ck_int, f_instr},
    {"REGEXP_SUBSTR", 2, 2, true, ck_replace, f_substr},
};

const sql_func *sql_regex_func_find(const char *name) {
  return SQL_FUNC_IN(regex_funcs, name);
}
