/*
 * fn_regex.c -- the regular-expression functions REGEXP_EXTRACT, REGEXP_REPLACE and
 * REGEXP (the predicate), as Flink's function reference defines them, on POSIX
 * extended regular expressions (regex.h).  Flink's patterns are Java regexes: the
 * pattern is translated to ERE first (\d \w \s and their negations, escapes), and a
 * Java construct ERE has no equivalent for (lazy or possessive quantifiers, (?...)
 * groups, lookaround, \b, back-references) is refused when the function is bound,
 * naming the construct.  One difference remains: POSIX picks the leftmost-longest
 * match where Java picks the leftmost match of the first alternative that succeeds.
 *
 * A literal pattern is compiled once, at bind time, into a process-wide table keyed
 * by the pattern (plans only point at the compiled form, so they need no destructor);
 * a pattern computed per row is compiled and freed per call.
 */
#include <pthread.h>
#include <regex.h>
#include <strings.h>

#include "sql_int.h"

typedef struct rx_entry {
  struct rx_entry *next;
  char *pat;
  regex_t re;
} rx_entry;

static pthread_mutex_t rx_mu = PTHREAD_MUTEX_INITIALIZER;
static rx_entry *rx_all;

__attribute__((destructor)) static void rx_free_all(void) {
  while (rx_all) {
    rx_entry *e = rx_all;
    rx_all = e->next;
    regfree(&e->re);
    free(e->pat);
    free(e);
  }
}

static int bad(char *err, size_t errlen, const char *what, size_t at) {
  snprintf(err, errlen, "%s (at character %zu of the pattern)", what, at + 1);
  return STROM_EINVAL;
}

/* Java's \d \w \s inside a bracket expression. */
static const char *class_body(char c) {
  switch (c) {
    case 'd': return "0-9";
    case 'w': return "[:alnum:]_";
    case 's': return "[:space:]";
    default: return NULL;
  }
}

static int ctl_escape(char c) {
  switch (c) {
    case 't': return '\t';
    case 'n': return '\n';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'a': return '\a';
    case 'e': return 27;
    default: return -1;
  }
}

/* A Java bracket expression starting at p[i] == '['; appends its ERE form. */
static int translate_class(const char *p, size_t n, size_t *ip, strom_buf *o, char *err, size_t errlen) {
  size_t i = *ip + 1, start = *ip;
  bool neg = false, rbr = false, dash = false, caret = false;
  strom_buf body = {0};
  if (i < n && p[i] == '^') neg = true, i++;
  bool first = true;
  for (;; first = false) {
    if (i >= n) {
      strom__buf_free(&body);
      return bad(err, errlen, "unclosed [ in the regular expression", start);
    }
    char c = p[i];
    if (c == ']' && !first) break;
    if (c == '[' || (c == '&' && i + 1 < n && p[i + 1] == '&')) {
      strom__buf_free(&body);
      return bad(err, errlen, "nested or intersected character classes ([a[b]], &&) have no POSIX equivalent", i);
    }
    if (c == '\\') {
      if (i + 1 >= n) break;
      char d = p[i + 1];
      const char *cls = class_body(d);
      int ctl = ctl_escape(d);
      if (cls) strom__buf_append(&body, cls, strlen(cls));
      else if (ctl >= 0) {
        char ch = (char)ctl;
        strom__buf_append(&body, &ch, 1);
      } else if (d == ']') rbr = true;
      else if (d == '-') dash = true;
      else if (d == '^') caret = true;
      else if (d == '\\' || d == '[' || d == '.' || d == '$' || d == '(' || d == ')' || d == '*' || d == '+' || d == '?' ||
               d == '{' || d == '}' || d == '|' || d == '/' || d == '&' || d == ' ' || d == ',' || d == ':' || d == '=' ||
               d == '#' || d == '!' || d == '@' || d == '%' || d == '\'' || d == '"' || d == '_' || d == '~' || d == '<' || d == '>')
        strom__buf_append(&body, &d, 1);
      else {
        strom__buf_free(&body);
        char m[96];
        snprintf(m, sizeof m, "the Java escape \\%c in a character class has no POSIX equivalent", d);
        return bad(err, errlen, m, i);
      }
      i += 2;
      continue;
    }
    if (c == ']') rbr = true; /* ']' first is literal in both */
    else if (c == '-' && (first || i + 1 >= n || p[i + 1] == ']')) dash = true;
    else if (c == '^') caret = true;
    else strom__buf_append(&body, &c, 1);
    i++;
  }
  if (!body.len && !rbr && !dash && !caret) {
    strom__buf_free(&body);
    return bad(err, errlen, "an empty character class", start);
  }
  /* POSIX wants ']' first, '-' last and '^' anywhere but first */
  strom__buf_append(o, neg ? "[^" : "[", neg ? 2 : 1);
  if (rbr) strom__buf_append(o, "]", 1);
  if (body.len) strom__buf_append(o, body.p, body.len);
  if (caret) {
    if (!rbr && !body.len && !neg) {
      /* a class of only '^' (and maybe '-'): '-' may come first */
      if (dash) strom__buf_append(o, "-", 1), dash = false;
      else {
        o->len--; /* "[^]" would negate: write \^ outside a class instead */
        strom__buf_append(o, "\\^", 2);
        strom__buf_free(&body);
        *ip = i + 1;
        return 0;
      }
    }
    strom__buf_append(o, "^", 1);
  }
  if (dash) strom__buf_append(o, "-", 1);
  strom__buf_append(o, "]", 1);
  strom__buf_free(&body);
  *ip = i + 1;
  return 0;
}

/* Translates the Java pattern p (n bytes) into a NUL-terminated ERE in o. */
int sql_regex_translate(const char *p, size_t n, strom_buf *o, char *err, size_t errlen) {
  bool after_quant = false; /* the last item was a quantifier */
  for (size_t i = 0; i < n;) {
    char c = p[i];
    if (after_quant && (c == '?' || c == '+'))
      return bad(err, errlen, c == '?' ? "lazy quantifiers (*? +? ?? {n}?) have no POSIX equivalent"
                                       : "possessive quantifiers (*+ ++ ?+) have no POSIX equivalent", i);
    after_quant = false;
    if (c == '\\') {
      if (i + 1 >= n) return bad(err, errlen, "a pattern cannot end with a backslash", i);
      char d = p[i + 1];
      int ctl = ctl_escape(d);
      if (class_body(d) || (d == 'D' || d == 'W' || d == 'S')) {
        char lo = (char)(d | 0x20);
        strom__buf_append(o, d == lo ? "[" : "[^", d == lo ? 1 : 2);
        strom__buf_append(o, class_body(lo), strlen(class_body(lo)));
        strom__buf_append(o, "]", 1);
      } else if (ctl >= 0) {
        char ch = (char)ctl;
        strom__buf_append(o, &ch, 1);
      } else if (strchr(".[]()*+?{}|^$\\", d)) {
        strom__buf_append(o, p + i, 2);
      } else if ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || (d >= '0' && d <= '9')) {
        char m[128];
        snprintf(m, sizeof m, "the Java escape \\%c (%s) has no POSIX equivalent", d,
                 d >= '0' && d <= '9' ? "a back-reference" : d == 'b' || d == 'B' ? "a word boundary"
                 : d == 'Q' || d == 'E'                    ? "quoting"
                                                           : "an escape");
        return bad(err, errlen, m, i);
      } else {
        strom__buf_append(o, &d, 1); /* an escaped punctuation character is itself */
      }
      i += 2;
      continue;
    }
    if (c == '[') {
      int rc = translate_class(p, n, &i, o, err, errlen);
      if (rc) return rc;
      continue;
    }
    if (c == '(' && i + 1 < n && p[i + 1] == '?')
      return bad(err, errlen, "(?...) groups (non-capturing, lookaround, inline flags) have no POSIX equivalent", i);
    if (c == '*' || c == '+' || c == '?') after_quant = true;
    if (c == '{') {
      const char *close = memchr(p + i, '}', n - i);
      if (close) {
        strom__buf_append(o, p + i, (size_t)(close - (p + i)) + 1);
        i = (size_t)(close - p) + 1;
        after_quant = true;
        continue;
      }
    }
    strom__buf_append(o, &c, 1);
    i++;
  }
  strom__buf_append(o, "", 1);
  o->len--;
  return 0;
}

/* Compiles pattern p (Java syntax) into re; err says why not. */
static int compile(const char *p, size_t n, regex_t *re, char *err, size_t errlen) {
  strom_buf o = {0};
  int rc = sql_regex_translate(p, n, &o, err, errlen);
  if (rc) {
    strom__buf_free(&o);
    return rc;
  }
  int r = regcomp(re, o.p ? o.p : "", REG_EXTENDED);
  strom__buf_free(&o);
  if (r) {
    char m[160];
    regerror(r, NULL, m, sizeof m);
    snprintf(err, errlen, "bad regular expression '%.*s': %s", (int)(n > 80 ? 80 : n), p, m);
    return STROM_EINVAL;
  }
  return 0;
}

static const regex_t *intern(const char *p, size_t n, char *err, size_t errlen) {
  pthread_mutex_lock(&rx_mu);
  rx_entry *e;
  for (e = rx_all; e; e = e->next)
    if (strlen(e->pat) == n && !memcmp(e->pat, p, n)) break;
  if (!e && (e = strom__calloc(1, sizeof *e))) {
    if (!(e->pat = strom__malloc(n + 1))) {
      free(e);
      e = NULL;
    } else {
      memcpy(e->pat, p, n);
      e->pat[n] = 0;
      if (compile(p, n, &e->re, err, errlen)) {
        free(e->pat);
        free(e);
        pthread_mutex_unlock(&rx_mu);
        return NULL;
      }
      e->next = rx_all;
      rx_all = e;
    }
  }
  pthread_mutex_unlock(&rx_mu);
  if (!e) snprintf(err, errlen, "out of memory");
  return e ? &e->re : NULL;
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
    char m[200];
    const regex_t *re = intern(pe->lit.s.p, pe->lit.s.n, m, sizeof m);
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
    const regex_t *re = (const regex_t *)(intptr_t)e->aux;
    if (e->a[2]->lit.i < 0 || (size_t)e->a[2]->lit.i > re->re_nsub) {
      snprintf(err, errlen, "%s: group %lld does not exist (the pattern has %zu group%s)", e->fn->name,
               (long long)e->a[2]->lit.i, re->re_nsub, re->re_nsub == 1 ? "" : "s");
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

/* The compiled pattern of this call: the interned one, or *own compiled now. */
static const regex_t *pattern(const sql_expr *e, const sql_val *a, regex_t *own, bool *owned, sql_ectx *c) {
  *owned = false;
  if (e->aux) return (const regex_t *)(intptr_t)e->aux;
  char m[200];
  if (compile(a[1].s.p, a[1].s.n, own, m, sizeof m)) {
    sql_ectx_fail(c, "%s: %s", e->fn->name, m);
    return NULL;
  }
  *owned = true;
  return own;
}

/* The subject NUL-terminated in the row's scratch: regexec's callers (sanitizers'
 * interceptors among them) may read the string to its NUL even with REG_STARTEND.
 * Offsets into the copy are offsets into the original. */
static const char *subject(const sql_val *v, sql_ectx *c) {
  char *p = sql_ectx_alloc(c, (size_t)v->s.n + 1);
  if (!p) return NULL;
  if (v->s.n) memcpy(p, v->s.p, v->s.n);
  p[v->s.n] = 0;
  return p;
}

/* Finds the first match in s[from, n); true if found.  m has nm slots. */
static bool search(const regex_t *re, const char *s, size_t from, size_t n, regmatch_t *m, size_t nm) {
  m[0].rm_so = (regoff_t)from, m[0].rm_eo = (regoff_t)n;
  return regexec(re, s ? s : "", nm, m, REG_STARTEND | (from ? REG_NOTBOL : 0)) == 0;
}

#define MAX_GROUPS 32

static int f_extract(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  regex_t own;
  bool owned;
  const regex_t *re = pattern(e, a, &own, &owned, c);
  if (!re) return STROM_EUSER;
  int64_t g = e->n > 2 ? a[2].i : 0;
  regmatch_t m[MAX_GROUPS + 1];
  out->null = true;
  const char *subj = subject(&a[0], c);
  if (!subj) {
    if (owned) regfree(&own);
    return STROM_ENOMEM;
  }
  if (g >= 0 && (size_t)g <= re->re_nsub && g <= MAX_GROUPS && search(re, subj, 0, a[0].s.n, m, (size_t)g + 1) &&
      m[g].rm_so >= 0) {
    out->null = false;
    out->s.p = a[0].s.p + m[g].rm_so, out->s.n = (uint32_t)(m[g].rm_eo - m[g].rm_so);
  }
  if (owned) regfree(&own);
  return 0;
}

static int f_pred(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  regex_t own;
  bool owned;
  const regex_t *re = pattern(e, a, &own, &owned, c);
  if (!re) return STROM_EUSER;
  regmatch_t m[1];
  const char *subj = subject(&a[0], c);
  if (subj) out->i = search(re, subj, 0, a[0].s.n, m, 1);
  if (owned) regfree(&own);
  return subj ? 0 : STROM_ENOMEM;
}

/* Java's replaceAll: $n is group n, \x is x. */
static void append_replacement(strom_buf *b, const char *r, size_t rn, const char *s, const regmatch_t *m, size_t ng) {
  for (size_t i = 0; i < rn; i++) {
    if (r[i] == '\\' && i + 1 < rn) {
      strom__buf_append(b, r + ++i, 1);
    } else if (r[i] == '$' && i + 1 < rn && r[i + 1] >= '0' && r[i + 1] <= '9') {
      size_t g = (size_t)(r[++i] - '0');
      while (i + 1 < rn && r[i + 1] >= '0' && r[i + 1] <= '9' && g * 10 + (size_t)(r[i + 1] - '0') <= ng - 1)
        g = g * 10 + (size_t)(r[++i] - '0');
      if (g < ng && m[g].rm_so >= 0) strom__buf_append(b, s + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
    } else {
      strom__buf_append(b, r + i, 1);
    }
  }
}

static int f_replace(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  regex_t own;
  bool owned;
  const regex_t *re = pattern(e, a, &own, &owned, c);
  if (!re) return STROM_EUSER;
  const char *s = subject(&a[0], c);
  if (!s) {
    if (owned) regfree(&own);
    return STROM_ENOMEM;
  }
  size_t n = a[0].s.n, at = 0, ng = re->re_nsub + 1 > MAX_GROUPS + 1 ? MAX_GROUPS + 1 : re->re_nsub + 1;
  regmatch_t m[MAX_GROUPS + 1];
  strom_buf b = {0};
  while (at <= n && search(re, s, at, n, m, ng)) {
    size_t so = (size_t)m[0].rm_so, eo = (size_t)m[0].rm_eo;
    strom__buf_append(&b, s + at, so - at);
    append_replacement(&b, a[2].s.p, a[2].s.n, s, m, ng);
    if (eo == so) { /* an empty match: keep the next character and move on */
      if (so < n) strom__buf_append(&b, s + so, 1);
      at = so + 1;
    } else {
      at = eo;
    }
  }
  if (at < n) strom__buf_append(&b, s + at, n - at);
  if (owned) regfree(&own);
  char *p = sql_ectx_alloc(c, b.len + 1);
  if (p) {
    if (b.len) memcpy(p, b.p, b.len);
    out->s.p = p, out->s.n = (uint32_t)b.len;
  }
  strom__buf_free(&b);
  return p ? 0 : STROM_ENOMEM;
}

static const sql_func regex_funcs[] = {
    {"REGEXP_EXTRACT", 2, 3, true, ck_extract, f_extract},
    {"REGEXP_REPLACE", 3, 3, true, ck_replace, f_replace},
    {"REGEXP", 2, 2, true, ck_pred, f_pred},
};

const sql_func *sql_regex_func_find(const char *name) {
  for (size_t i = 0; i < sizeof regex_funcs / sizeof *regex_funcs; i++)
    if (!strcasecmp(regex_funcs[i].name, name)) return &regex_funcs[i];
  return NULL;
}
