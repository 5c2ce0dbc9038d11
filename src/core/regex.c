/*
 * regex.c -- a regular-expression engine with java.util.regex syntax and results,
 * for Flink's SQL regex functions.  A pattern is parsed into a small tree, compiled
 * into a program for a Pike VM (Thompson's construction with capture slots), and run
 * over the subject one code point at a time with every live thread in priority order:
 * the first thread to reach a program counter at a position wins, which gives exactly
 * the leftmost-first match Java's backtracking finds, in time O(subject x program) and
 * with no recursion on the subject.  The program size is bounded (STROM__REGEX_MAX_INSTS).
 *
 * Supported: literals, escapes (\t \n \r \f \a \e \cX \0oct \xhh \x{h..} \uhhhh \Q..\E),
 * `.`, classes with ranges, negation, nesting and && intersection, \d \D \w \W \s \S
 * \h \H \v \V, the POSIX \p{Alpha}-style ASCII classes, ^ $ \A \z \Z \b \B, capturing,
 * non-capturing and named groups, alternation, greedy and lazy quantifiers, inline
 * flags (?imsx-imsx) and (?imsx-imsx:...).  Case-insensitivity is ASCII-only, as Java's
 * default.  \b uses ASCII word characters (Java 19 and later).  Refused, naming the
 * construct and its position: back-references, lookaround, atomic groups, possessive
 * quantifiers (they need backtracking), \G \R \X \N, Unicode properties.
 *
 * An empty iteration of a loop whose body can match empty ends the loop, as Java's
 * Loop node does: such loops save the position where the iteration began in a hidden
 * slot and only jump back if the body consumed something.
 *
 * Speed: a pattern that is a plain string is found with memmem; a find skips to the
 * bytes a match can start with; a find that wants no groups (REGEXP) runs a DFA that
 * strom__regex_optimize builds over ASCII characters, and hands over to the Pike VM at
 * the first non-ASCII byte and near the end of the subject (where $ and \z are decided).
 */
#include "regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- code points ---- */

/* Decodes the code point at s[i]; an invalid byte b decodes as 0x110000 + b (no
 * literal but itself matches it). */
static inline uint32_t dec(const uint8_t *s, size_t n, size_t i, size_t *len) {
  uint32_t c = s[i];
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  size_t need;
  uint32_t min;
  if (c >= 0xC2 && c <= 0xDF) need = 1, c &= 0x1F, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF) need = 2, c &= 0x0F, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4) need = 3, c &= 0x07, min = 0x10000;
  else goto bad;
  if (n - i <= need) goto bad;
  for (size_t k = 1; k <= need; k++) {
    if ((s[i + k] & 0xC0) != 0x80) goto bad;
    c = (c << 6) | (s[i + k] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) goto bad;
  *len = need + 1;
  return c;
bad:
  *len = 1;
  return 0x110000 + s[i];
}

size_t strom__regex_next(const char *s, size_t n, size_t i) {
  size_t len;
  if (i >= n) return i + 1;
  dec((const uint8_t *)s, n, i, &len);
  return i + len;
}

/* The code point ending at s[i) (i > 0). */
static uint32_t dec_prev(const uint8_t *s, size_t n, size_t i) {
  size_t j = i - 1, len;
  for (int k = 0; k < 3 && j > 0 && (s[j] & 0xC0) == 0x80; k++) j--;
  uint32_t c = dec(s, n, j, &len);
  if (j + len != i) return 0x110000 + s[i - 1];
  return c;
}

static inline bool is_term(uint32_t c) { return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029; }
static inline bool is_word(uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
static inline uint32_t ascii_lower(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static inline bool ascii_alpha(uint32_t c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }

#define CP_MAX 0x1FFFFFu /* the universe classes are complemented in (invalid bytes included) */

/* ---- range sets (character classes) ---- */

typedef struct rset {
  uint32_t *r; /* pairs lo, hi */
  size_t n, cap;
} rset;

static bool rs_add(rset *s, uint32_t lo, uint32_t hi) {
  if (s->n + 2 > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    uint32_t *r = realloc(s->r, cap * sizeof *r);
    if (!r) return false;
    s->r = r, s->cap = cap;
  }
  s->r[s->n++] = lo, s->r[s->n++] = hi;
  return true;
}

static int cmp_pair(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* Sorts and merges the ranges. */
static void rs_norm(rset *s) {
  if (s->n < 4) return;
  qsort(s->r, s->n / 2, 2 * sizeof *s->r, cmp_pair);
  size_t w = 0;
  for (size_t i = 0; i < s->n; i += 2) {
    if (w && s->r[i] <= s->r[w - 1] + 1) {
      if (s->r[i + 1] > s->r[w - 1]) s->r[w - 1] = s->r[i + 1];
    } else {
      s->r[w++] = s->r[i], s->r[w++] = s->r[i + 1];
    }
  }
  s->n = w;
}

static bool rs_union(rset *a, const rset *b) {
  for (size_t i = 0; i < b->n; i += 2)
    if (!rs_add(a, b->r[i], b->r[i + 1])) return false;
  rs_norm(a);
  return true;
}

static bool rs_negate(rset *s) {
  rs_norm(s);
  rset o = {0};
  uint32_t next = 0;
  bool ok = true;
  for (size_t i = 0; i < s->n && ok; i += 2) {
    if (s->r[i] > next) ok = rs_add(&o, next, s->r[i] - 1);
    next = s->r[i + 1] + 1;
  }
  if (ok && next <= CP_MAX) ok = rs_add(&o, next, CP_MAX);
  free(s->r);
  *s = o;
  return ok;
}

static bool rs_intersect(rset *a, const rset *b) {
  rs_norm(a);
  rset o = {0};
  bool ok = true;
  for (size_t i = 0; i < a->n && ok; i += 2)
    for (size_t j = 0; j < b->n && ok; j += 2) {
      uint32_t lo = a->r[i] > b->r[j] ? a->r[i] : b->r[j], hi = a->r[i + 1] < b->r[j + 1] ? a->r[i + 1] : b->r[j + 1];
      if (lo <= hi) ok = rs_add(&o, lo, hi);
    }
  free(a->r);
  *a = o;
  rs_norm(a);
  return ok;
}

/* Adds lo..hi, and with fold its ASCII letters' other case, as Java's
 * CASE_INSENSITIVE range does. */
static bool rs_add_fold(rset *s, uint32_t lo, uint32_t hi, bool fold) {
  if (!rs_add(s, lo, hi)) return false;
  if (!fold) return true;
  uint32_t a = lo > 'a' ? lo : 'a', b = hi < 'z' ? hi : 'z';
  if (a <= b && !rs_add(s, a - 32, b - 32)) return false;
  a = lo > 'A' ? lo : 'A', b = hi < 'Z' ? hi : 'Z';
  if (a <= b && !rs_add(s, a + 32, b + 32)) return false;
  return true;
}

/* A compiled class: an ASCII bitmap and the sorted ranges above it. */
typedef struct cls {
  uint64_t ascii[2];
  uint32_t *r;
  size_t n;
} cls;

static inline bool cls_has(const cls *k, uint32_t c) {
  if (c < 128) return (k->ascii[c >> 6] >> (c & 63)) & 1;
  size_t lo = 0, hi = k->n / 2;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (c < k->r[2 * mid]) hi = mid;
    else if (c > k->r[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/* ---- the program ---- */

enum op { I_CHAR, I_CHARI, I_ANY, I_ANYNL, I_CLASS, I_MATCH, I_SPLIT, I_JMP, I_SAVE, I_LOOP, I_ASSERT };
enum assert_kind { A_BEGIN, A_MBOL, A_DOLLAR, A_MDOLLAR, A_END, A_WORDB, A_NWORDB };

typedef struct inst {
  uint8_t op;
  uint32_t c; /* CHAR/CHARI: the code point; CLASS: the class; SAVE/LOOP: the slot; ASSERT: the kind */
  int32_t x, y;
} inst;

struct strom__regex {
  inst *prog;
  int nprog;
  cls *classes;
  int nclasses;
  int ngroups; /* capturing groups, not counting group 0 */
  int nslots;  /* 2 * (ngroups + 1) + hidden loop slots */
  char **names;
  int *name_group;
  int nnames;
  bool anchored; /* starts with \A or ^ (not multiline): try at the start only */
  int first_byte; /* every match starts with this byte, or -1 */
  bool use_start;  /* a match can only start at a byte in start (it cannot be empty) */
  uint8_t start[256];
  char *literal; /* the pattern is this plain string (no groups, flags or metacharacters) */
  size_t literal_len;
  struct dfa *dfa; /* for finds without groups over ASCII text, or NULL */
};

/* ---- a DFA for the answer alone ----
 *
 * Whether there is a match does not depend on priorities or groups, so a find that
 * wants no groups runs a DFA built when the pattern is compiled: its states are sets of
 * program counters, its transitions cover ASCII characters.  It is built only for small
 * programs whose assertions are \A, \z and non-multiline $ (those can only hold at the
 * ends), and it stops four bytes before the end of the subject and at the first
 * non-ASCII byte, where the Pike VM takes over from its state. */

#define DFA_MAX_PROG 256
#define DFA_MAX_STATES 128
#define DFA_WORDS (DFA_MAX_PROG / 64)

typedef struct dfa {
  int n;
  uint64_t (*sets)[DFA_WORDS];
  uint16_t (*next)[128];
  uint8_t *match; /* the state holds MATCH */
  uint16_t start0, startn; /* the states at position 0 and elsewhere */
} dfa;

/* ---- the parser ---- */

enum nkind { N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_ASSERT, N_CAT, N_ALT, N_GROUP, N_REP };

typedef struct node {
  uint8_t kind;
  bool fold;   /* CHAR: ASCII case-insensitive */
  bool dotall; /* ANY */
  bool greedy; /* REP */
  uint32_t v;  /* CHAR: code point; CLASS: class index; ASSERT: kind; GROUP: group number, 0 if none */
  int min, max; /* REP; max -1 is unbounded */
  int kid, next, last; /* first child, next sibling, last child (CAT, ALT) */
} node;

enum { F_I = 1, F_M = 2, F_S = 4, F_X = 8 };

typedef struct parser {
  const uint8_t *p;
  size_t n, i;
  int flags;
  node *nodes;
  int nnodes, capnodes;
  rset *sets; /* classes, compiled into re->classes at the end */
  int nsets, capsets;
  int ngroups;
  char **names;
  int *name_group;
  int nnames;
  char *err;
  size_t errlen;
  bool failed;
} parser;

/* The 1-based character (code point) position of byte offset at in the pattern. */
static size_t char_pos(const parser *ps, size_t at) {
  size_t k = 0;
  for (size_t i = 0; i < at && i < ps->n; i++)
    if ((ps->p[i] & 0xC0) != 0x80) k++;
  return k + 1;
}

static int fail(parser *ps, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(parser *ps, size_t at, const char *fmt, ...) {
  if (ps->failed) return -1;
  ps->failed = true;
  char m[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m, sizeof m, fmt, ap);
  va_end(ap);
  snprintf(ps->err, ps->errlen, "%s at character %zu of the pattern", m, char_pos(ps, at));
  return -1;
}

static int new_node(parser *ps, int kind) {
  if (ps->nnodes == ps->capnodes) {
    int cap = ps->capnodes ? ps->capnodes * 2 : 64;
    node *nn = realloc(ps->nodes, (size_t)cap * sizeof *nn);
    if (!nn) return fail(ps, ps->i, "out of memory");
    ps->nodes = nn, ps->capnodes = cap;
  }
  node *d = &ps->nodes[ps->nnodes];
  memset(d, 0, sizeof *d);
  d->kind = (uint8_t)kind;
  d->kid = d->next = d->last = -1;
  return ps->nnodes++;
}

static void add_kid(parser *ps, int parent, int kid) {
  node *d = &ps->nodes[parent];
  if (d->last < 0) d->kid = kid;
  else ps->nodes[d->last].next = kid;
  ps->nodes[parent].last = kid;
}

/* Stores set (taking it) as a class; returns its index or -1. */
static int new_set(parser *ps, rset *s) {
  if (ps->nsets == ps->capsets) {
    int cap = ps->capsets ? ps->capsets * 2 : 8;
    rset *ns = realloc(ps->sets, (size_t)cap * sizeof *ns);
    if (!ns) {
      free(s->r);
      return fail(ps, ps->i, "out of memory");
    }
    ps->sets = ns, ps->capsets = cap;
  }
  rs_norm(s);
  ps->sets[ps->nsets] = *s;
  return ps->nsets++;
}

static inline bool at_end(const parser *ps) { return ps->i >= ps->n; }
static inline int peekc(const parser *ps) { return ps->i < ps->n ? ps->p[ps->i] : -1; }

/* In (?x) mode, skips white space and # comments. */
static void skip_x(parser *ps) {
  if (!(ps->flags & F_X)) return;
  while (ps->i < ps->n) {
    uint8_t c = ps->p[ps->i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B) ps->i++;
    else if (c == '#') {
      while (ps->i < ps->n && ps->p[ps->i] != '\n' && ps->p[ps->i] != '\r') ps->i++;
    } else break;
  }
}

static uint32_t next_cp(parser *ps) {
  size_t len;
  if (at_end(ps)) return 0; /* callers check first; this only keeps a slip in bounds */
  uint32_t c = dec(ps->p, ps->n, ps->i, &len);
  ps->i += len;
  return c;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Predefined classes by escape letter or POSIX name; false if unknown. */
static bool predefined(char c, rset *s) {
  switch (c) {
    case 'd': return rs_add(s, '0', '9');
    case 'w': return rs_add(s, 'a', 'z') && rs_add(s, 'A', 'Z') && rs_add(s, '0', '9') && rs_add(s, '_', '_');
    case 's': return rs_add(s, '\t', '\r') && rs_add(s, ' ', ' ');
    case 'h':
      return rs_add(s, ' ', ' ') && rs_add(s, '\t', '\t') && rs_add(s, 0xA0, 0xA0) && rs_add(s, 0x1680, 0x1680) &&
             rs_add(s, 0x180E, 0x180E) && rs_add(s, 0x2000, 0x200A) && rs_add(s, 0x202F, 0x202F) &&
             rs_add(s, 0x205F, 0x205F) && rs_add(s, 0x3000, 0x3000);
    case 'v': return rs_add(s, '\n', '\r') && rs_add(s, 0x85, 0x85) && rs_add(s, 0x2028, 0x2029);
    default: return false;
  }
}

static const struct {
  const char *name;
  const char *ranges; /* pairs of bytes */
} posix[] = {
    {"Lower", "az"},
    {"Upper", "AZ"},
    {"ASCII", "\x01\x7f"}, /* and NUL, added below */
    {"Alpha", "azAZ"},
    {"Digit", "09"},
    {"Alnum", "azAZ09"},
    {"Punct", "!/:@[`{~"},
    {"Graph", "!~"},
    {"Print", " ~"},
    {"Blank", "  \t\t"},
    {"Cntrl", "\x01\x1f\x7f\x7f"}, /* and NUL */
    {"XDigit", "09afAF"},
    {"Space", "\t\r  "},
};

/* Reads \p{Name} / \pL after the 'p' or 'P' at ps->i - 1. */
static int parse_prop(parser *ps, size_t at, rset *s) {
  char name[40];
  size_t k = 0;
  if (peekc(ps) == '{') {
    ps->i++;
    while (!at_end(ps) && peekc(ps) != '}') {
      if (k + 1 < sizeof name) name[k++] = (char)ps->p[ps->i];
      ps->i++;
    }
    if (at_end(ps)) return fail(ps, at, "unclosed character family \\p{");
    ps->i++;
  } else if (!at_end(ps)) {
    name[k++] = (char)ps->p[ps->i++];
  } else {
    return fail(ps, at, "a character family name is missing after \\p");
  }
  name[k] = 0;
  const char *nm = name;
  if (!strncmp(nm, "Is", 2)) nm += 2;
  for (size_t i = 0; i < sizeof posix / sizeof *posix; i++) {
    if (strcmp(posix[i].name, nm)) continue;
    const char *r = posix[i].ranges;
    for (size_t j = 0; r[j]; j += 2)
      if (!rs_add(s, (uint8_t)r[j], (uint8_t)r[j + 1])) return fail(ps, at, "out of memory");
    if (!strcmp(nm, "ASCII") || !strcmp(nm, "Cntrl")) rs_add(s, 0, 0);
    return 0;
  }
  return fail(ps, at, "the character property \\p{%s} is not supported (only the POSIX ASCII classes such as \\p{Alpha})",
              name);
}

enum { E_CHAR, E_SET, E_ASSERT, E_QUOTE };

/* Parses the escape at ps->i (the backslash).  Sets *cp for E_CHAR, s for E_SET,
 * *cp to the assertion for E_ASSERT. */
static int parse_escape(parser *ps, bool in_class, uint32_t *cp, rset *s) {
  size_t at = ps->i;
  ps->i++;
  if (at_end(ps)) return fail(ps, at, "a pattern cannot end with a backslash");
  uint32_t c = next_cp(ps);
  switch (c) {
    case 't': *cp = '\t'; return E_CHAR;
    case 'n': *cp = '\n'; return E_CHAR;
    case 'r': *cp = '\r'; return E_CHAR;
    case 'f': *cp = '\f'; return E_CHAR;
    case 'a': *cp = 7; return E_CHAR;
    case 'e': *cp = 27; return E_CHAR;
    case 'c':
      if (at_end(ps)) return fail(ps, at, "illegal control escape sequence \\c");
      *cp = next_cp(ps) ^ 64;
      return E_CHAR;
    case '0': {
      int d = peekc(ps);
      if (d < '0' || d > '7') return fail(ps, at, "illegal octal escape sequence");
      uint32_t v = 0;
      int max = d <= '3' ? 3 : 2;
      for (int k = 0; k < max && peekc(ps) >= '0' && peekc(ps) <= '7'; k++) v = v * 8 + (uint32_t)(ps->p[ps->i++] - '0');
      *cp = v;
      return E_CHAR;
    }
    case 'x': {
      uint32_t v = 0;
      if (peekc(ps) == '{') {
        ps->i++;
        int k = 0;
        while (!at_end(ps) && hexval(peekc(ps)) >= 0) {
          v = v * 16 + (uint32_t)hexval(ps->p[ps->i++]);
          if (v > 0x10FFFF) return fail(ps, at, "hexadecimal code point \\x{...} is larger than 10FFFF");
          k++;
        }
        if (!k || peekc(ps) != '}') return fail(ps, at, "unclosed hexadecimal escape sequence \\x{");
        ps->i++;
      } else {
        for (int k = 0; k < 2; k++) {
          if (at_end(ps) || hexval(peekc(ps)) < 0) return fail(ps, at, "illegal hexadecimal escape sequence");
          v = v * 16 + (uint32_t)hexval(ps->p[ps->i++]);
        }
      }
      *cp = v;
      return E_CHAR;
    }
    case 'u': {
      uint32_t v = 0;
      for (int k = 0; k < 4; k++) {
        if (at_end(ps) || hexval(peekc(ps)) < 0) return fail(ps, at, "illegal Unicode escape sequence");
        v = v * 16 + (uint32_t)hexval(ps->p[ps->i++]);
      }
      *cp = v;
      return E_CHAR;
    }
    case 'd': case 'w': case 's': case 'h': case 'v':
      if (!predefined((char)c, s)) return fail(ps, at, "out of memory");
      return E_SET;
    case 'D': case 'W': case 'S': case 'H': case 'V':
      if (!predefined((char)(c | 32), s) || !rs_negate(s)) return fail(ps, at, "out of memory");
      return E_SET;
    case 'p': case 'P':
      if (parse_prop(ps, at, s)) return -1;
      if (c == 'P' && !rs_negate(s)) return fail(ps, at, "out of memory");
      return E_SET;
    case 'b': case 'B': case 'A': case 'z': case 'Z':
      if (in_class) return fail(ps, at, "the escape \\%c is not allowed in a character class", (char)c);
      *cp = c == 'b' ? A_WORDB : c == 'B' ? A_NWORDB : c == 'A' ? A_BEGIN : c == 'z' ? A_END : A_DOLLAR;
      return E_ASSERT;
    case 'Q': return E_QUOTE;
    case 'k': return fail(ps, at, "back-references (\\k<name>) are not supported (they need backtracking)");
    case 'G': return fail(ps, at, "\\G (the end of the previous match) is not supported");
    case 'R': return fail(ps, at, "\\R (a linebreak sequence) is not supported");
    case 'X': return fail(ps, at, "\\X (a grapheme cluster) is not supported");
    case 'N': return fail(ps, at, "\\N{name} is not supported");
    default: break;
  }
  if (c >= '1' && c <= '9') return fail(ps, at, "back-references (\\%c) are not supported (they need backtracking)", (char)c);
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == 'E')
    return fail(ps, at, "illegal or unsupported escape sequence \\%c", (char)c);
  *cp = c; /* an escaped non-letter is itself */
  return E_CHAR;
}

/* Parses a class at ps->i (the '[') into out. */
static int parse_class(parser *ps, int depth, rset *out) {
  size_t start = ps->i;
  if (depth > STROM__REGEX_MAX_DEPTH) return fail(ps, start, "character classes are nested too deeply");
  ps->i++;
  bool neg = false, fold = ps->flags & F_I;
  if (peekc(ps) == '^') neg = true, ps->i++;
  rset acc = {0}, cur = {0};
  bool have_acc = false, have_cur = false;
  int rc = 0;
  for (;;) {
    skip_x(ps);
    if (at_end(ps)) {
      rc = fail(ps, start, "unclosed character class [");
      break;
    }
    int c = peekc(ps);
    if (c == ']' && (have_cur || have_acc)) {
      ps->i++;
      break;
    }
    if (c == '[') {
      rset sub = {0};
      if ((rc = parse_class(ps, depth + 1, &sub))) {
        free(sub.r);
        break;
      }
      if (!rs_union(&cur, &sub)) rc = fail(ps, ps->i, "out of memory");
      free(sub.r);
      if (rc) break;
      have_cur = true;
      continue;
    }
    if (c == '&' && ps->i + 1 < ps->n && ps->p[ps->i + 1] == '&') {
      ps->i += 2;
      if (have_cur) {
        if (have_acc) {
          if (!rs_intersect(&acc, &cur)) rc = fail(ps, ps->i, "out of memory");
          free(cur.r);
        } else {
          acc = cur;
        }
        memset(&cur, 0, sizeof cur);
        have_cur = false;
      }
      have_acc = true;
      if (rc) break;
      continue;
    }
    /* a single character, a range or a predefined class */
    size_t at = ps->i;
    uint32_t lo;
    if (c == '\\') {
      rset s = {0};
      int k = parse_escape(ps, true, &lo, &s);
      if (k < 0) {
        free(s.r);
        rc = -1;
        break;
      }
      if (k == E_SET) {
        if (!rs_union(&cur, &s)) rc = fail(ps, at, "out of memory");
        free(s.r);
        if (rc) break;
        have_cur = true;
        continue;
      }
      if (k == E_QUOTE) {
        while (!rc && !at_end(ps) && !(peekc(ps) == '\\' && ps->i + 1 < ps->n && ps->p[ps->i + 1] == 'E')) {
          uint32_t q = next_cp(ps);
          if (!rs_add_fold(&cur, q, q, fold)) rc = fail(ps, at, "out of memory");
          have_cur = true;
        }
        if (rc) break;
        if (!at_end(ps)) ps->i += 2;
        continue;
      }
    } else {
      lo = next_cp(ps);
    }
    uint32_t hi = lo;
    skip_x(ps);
    if (peekc(ps) == '-' && ps->i + 1 < ps->n && ps->p[ps->i + 1] != ']' && ps->p[ps->i + 1] != '[') {
      ps->i++;
      skip_x(ps);
      size_t at2 = ps->i;
      if (at_end(ps)) {
        rc = fail(ps, start, "unclosed character class [");
        break;
      }
      if (peekc(ps) == '\\') {
        rset s = {0};
        int k = parse_escape(ps, true, &hi, &s);
        free(s.r);
        if (k < 0) {
          rc = -1;
          break;
        }
        if (k != E_CHAR) {
          rc = fail(ps, at2, "illegal character range");
          break;
        }
      } else {
        hi = next_cp(ps);
      }
      if (hi < lo) {
        rc = fail(ps, at, "illegal character range (the end is before the start)");
        break;
      }
    }
    if (!rs_add_fold(&cur, lo, hi, fold)) {
      rc = fail(ps, at, "out of memory");
      break;
    }
    have_cur = true;
  }
  if (!rc) {
    if (have_acc && have_cur) {
      if (!rs_intersect(&acc, &cur)) rc = fail(ps, start, "out of memory");
      free(cur.r);
      *out = acc;
    } else if (have_acc) {
      free(cur.r);
      *out = acc;
    } else {
      *out = cur;
    }
    rs_norm(out);
    if (!rc && neg && !rs_negate(out)) rc = fail(ps, start, "out of memory");
    return rc;
  }
  free(acc.r);
  free(cur.r);
  return rc;
}

static int parse_alt(parser *ps, int depth);

/* Parses (?flags) / (?flags: after "(?"; *scoped is set for the ':' form. */
static int parse_flags(parser *ps, size_t at, bool *scoped) {
  bool on = true;
  for (;;) {
    if (at_end(ps)) return fail(ps, at, "unclosed group");
    int c = ps->p[ps->i++];
    int f = c == 'i' ? F_I : c == 'm' ? F_M : c == 's' ? F_S : c == 'x' ? F_X : 0;
    if (f) {
      if (on) ps->flags |= f;
      else ps->flags &= ~f;
    } else if (c == '-' && on) {
      on = false;
    } else if (c == ')') {
      *scoped = false;
      return 0;
    } else if (c == ':') {
      *scoped = true;
      return 0;
    } else if (c == 'd' || c == 'u' || c == 'U') {
      return fail(ps, ps->i - 1, "the inline flag (?%c) is not supported (only i, m, s and x)", c);
    } else {
      return fail(ps, ps->i - 1, "unknown inline modifier '%c'", c);
    }
  }
}

/* Parses a group at ps->i (the '('); returns its node, or -2 for a bare (?flags). */
static int parse_group(parser *ps, int depth) {
  size_t at = ps->i;
  ps->i++;
  int save = ps->flags;
  int group = 0;
  if (peekc(ps) == '?') {
    ps->i++;
    int c = peekc(ps);
    if (c == ':') {
      ps->i++;
    } else if (c == '=' || c == '!') {
      return fail(ps, at, "lookahead (?%c...) is not supported", c);
    } else if (c == '>') {
      return fail(ps, at, "atomic groups (?>...) are not supported (they need backtracking)");
    } else if (c == '<') {
      ps->i++;
      c = peekc(ps);
      if (c == '=' || c == '!') return fail(ps, at, "lookbehind (?<%c...) is not supported", c);
      size_t nb = ps->i;
      if (!ascii_alpha((uint32_t)c)) return fail(ps, at, "a capturing group name must start with a letter");
      while (!at_end(ps) && (ascii_alpha(ps->p[ps->i]) || (ps->p[ps->i] >= '0' && ps->p[ps->i] <= '9'))) ps->i++;
      if (peekc(ps) != '>') return fail(ps, at, "a named capturing group is missing its trailing '>'");
      size_t len = ps->i - nb;
      ps->i++;
      for (int k = 0; k < ps->nnames; k++)
        if (strlen(ps->names[k]) == len && !memcmp(ps->names[k], ps->p + nb, len))
          return fail(ps, at, "the named capturing group <%.*s> is already defined", (int)len, (const char *)ps->p + nb);
      char **nn = realloc(ps->names, (size_t)(ps->nnames + 1) * sizeof *nn);
      if (nn) ps->names = nn;
      int *ng = realloc(ps->name_group, (size_t)(ps->nnames + 1) * sizeof *ng);
      if (ng) ps->name_group = ng;
      char *nm = nn && ng ? strom__strndup((const char *)ps->p + nb, len) : NULL;
      if (!nm) return fail(ps, at, "out of memory");
      if (ps->ngroups >= STROM__REGEX_MAX_GROUPS) {
        free(nm);
        return fail(ps, at, "too many capturing groups (at most %d)", STROM__REGEX_MAX_GROUPS);
      }
      group = ++ps->ngroups;
      ps->names[ps->nnames] = nm;
      ps->name_group[ps->nnames++] = group;
    } else {
      bool scoped = false;
      if (parse_flags(ps, at, &scoped)) return -1;
      if (!scoped) return -2; /* the flags stay until the enclosing group ends */
    }
  } else {
    if (ps->ngroups >= STROM__REGEX_MAX_GROUPS)
      return fail(ps, at, "too many capturing groups (at most %d)", STROM__REGEX_MAX_GROUPS);
    group = ++ps->ngroups;
  }
  int kid = parse_alt(ps, depth + 1);
  if (kid < 0) return -1;
  if (peekc(ps) != ')') return fail(ps, at, "unclosed group");
  ps->i++;
  ps->flags = save;
  int g = new_node(ps, N_GROUP);
  if (g < 0) return -1;
  ps->nodes[g].v = (uint32_t)group;
  ps->nodes[g].kid = kid;
  return g;
}

static int parse_int(parser *ps, int *v) {
  if (peekc(ps) < '0' || peekc(ps) > '9') return -1;
  long x = 0;
  while (peekc(ps) >= '0' && peekc(ps) <= '9') {
    x = x * 10 + (ps->p[ps->i++] - '0');
    if (x > 1000000) x = 1000000; /* larger counts are refused as too large anyway */
  }
  *v = (int)x;
  return 0;
}

/* Parses an optional quantifier after the atom a; returns the (possibly new) node. */
static int parse_quant(parser *ps, int a) {
  skip_x(ps);
  int c = peekc(ps), min, max;
  size_t at = ps->i;
  if (c == '*') min = 0, max = -1, ps->i++;
  else if (c == '+') min = 1, max = -1, ps->i++;
  else if (c == '?') min = 0, max = 1, ps->i++;
  else if (c == '{') {
    ps->i++;
    if (parse_int(ps, &min)) return fail(ps, at, "illegal repetition (a '{' must start {n}, {n,} or {n,m})");
    max = min;
    if (peekc(ps) == ',') {
      ps->i++;
      if (peekc(ps) == '}') max = -1;
      else if (parse_int(ps, &max)) return fail(ps, at, "illegal repetition");
    }
    if (peekc(ps) != '}') return fail(ps, at, "unclosed counted closure {");
    ps->i++;
    if (max >= 0 && max < min) return fail(ps, at, "illegal repetition range {%d,%d}", min, max);
  } else {
    return a;
  }
  bool greedy = true;
  if (peekc(ps) == '?') greedy = false, ps->i++;
  else if (peekc(ps) == '+')
    return fail(ps, ps->i, "possessive quantifiers (*+ ++ ?+ {n}+) are not supported (they need backtracking)");
  skip_x(ps);
  c = peekc(ps);
  if (c == '*' || c == '+' || c == '?') return fail(ps, ps->i, "dangling meta character '%c'", c);
  int r = new_node(ps, N_REP);
  if (r < 0) return -1;
  node *d = &ps->nodes[r];
  d->min = min, d->max = max, d->greedy = greedy, d->kid = a;
  return r;
}

/* A sequence of quantified atoms, up to '|' or ')' or the end. */
static int parse_seq(parser *ps, int depth) {
  int cat = new_node(ps, N_CAT);
  if (cat < 0) return -1;
  for (;;) {
    skip_x(ps);
    if (at_end(ps)) break;
    int c = peekc(ps);
    if (c == '|' || c == ')') break;
    size_t at = ps->i;
    int a = -1;
    switch (c) {
      case '(':
        a = parse_group(ps, depth);
        if (a == -2) continue;
        break;
      case '[': {
        rset s = {0};
        if (parse_class(ps, depth + 1, &s)) {
          free(s.r);
          return -1;
        }
        int k = new_set(ps, &s);
        if (k < 0 || (a = new_node(ps, N_CLASS)) < 0) return -1;
        ps->nodes[a].v = (uint32_t)k;
        break;
      }
      case '.':
        ps->i++;
        if ((a = new_node(ps, N_ANY)) >= 0) ps->nodes[a].dotall = ps->flags & F_S;
        break;
      case '^':
        ps->i++;
        if ((a = new_node(ps, N_ASSERT)) >= 0) ps->nodes[a].v = ps->flags & F_M ? A_MBOL : A_BEGIN;
        break;
      case '$':
        ps->i++;
        if ((a = new_node(ps, N_ASSERT)) >= 0) ps->nodes[a].v = ps->flags & F_M ? A_MDOLLAR : A_DOLLAR;
        break;
      case '*': case '+': case '?':
        return fail(ps, at, "dangling meta character '%c'", c);
      case '{':
        return fail(ps, at, "illegal repetition (a '{' with nothing to repeat; write \\{ for the character)");
      case '\\': {
        uint32_t cp;
        rset s = {0};
        int k = parse_escape(ps, false, &cp, &s);
        if (k < 0) {
          free(s.r);
          return -1;
        }
        if (k == E_SET) {
          int si = new_set(ps, &s);
          if (si < 0 || (a = new_node(ps, N_CLASS)) < 0) return -1;
          ps->nodes[a].v = (uint32_t)si;
        } else if (k == E_ASSERT) {
          if ((a = new_node(ps, N_ASSERT)) >= 0) ps->nodes[a].v = cp;
        } else if (k == E_QUOTE) {
          /* each quoted character is an atom; a quantifier after \E applies to the last */
          int last = -1;
          while (!at_end(ps) && !(peekc(ps) == '\\' && ps->i + 1 < ps->n && ps->p[ps->i + 1] == 'E')) {
            uint32_t q = next_cp(ps);
            if (last >= 0) add_kid(ps, cat, last);
            if ((last = new_node(ps, N_CHAR)) < 0) return -1;
            ps->nodes[last].v = q, ps->nodes[last].fold = (ps->flags & F_I) && ascii_alpha(q);
          }
          if (!at_end(ps)) ps->i += 2;
          if (last < 0) continue;
          a = last;
        } else {
          if ((a = new_node(ps, N_CHAR)) >= 0)
            ps->nodes[a].v = cp, ps->nodes[a].fold = (ps->flags & F_I) && ascii_alpha(cp);
        }
        break;
      }
      default: {
        uint32_t cp = next_cp(ps);
        if ((a = new_node(ps, N_CHAR)) >= 0) ps->nodes[a].v = cp, ps->nodes[a].fold = (ps->flags & F_I) && ascii_alpha(cp);
      }
    }
    if (a < 0) return -1;
    if ((a = parse_quant(ps, a)) < 0) return -1;
    add_kid(ps, cat, a);
  }
  return cat;
}

static int parse_alt(parser *ps, int depth) {
  if (depth > STROM__REGEX_MAX_DEPTH) return fail(ps, ps->i, "groups are nested too deeply");
  int first = parse_seq(ps, depth);
  if (first < 0 || peekc(ps) != '|') return first;
  int alt = new_node(ps, N_ALT);
  if (alt < 0) return -1;
  add_kid(ps, alt, first);
  while (peekc(ps) == '|') {
    ps->i++;
    int s = parse_seq(ps, depth);
    if (s < 0) return -1;
    add_kid(ps, alt, s);
  }
  return alt;
}

/* ---- compilation ---- */

typedef struct comp {
  parser *ps;
  inst *prog;
  int n, cap;
  int nhidden;
  int base_slots; /* 2 * (ngroups + 1) */
  long steps;     /* nodes generated: bounds the work of repeating empty things */
} comp;

static bool nullable(const parser *ps, int k) {
  const node *d = &ps->nodes[k];
  switch (d->kind) {
    case N_CHAR: case N_ANY: case N_CLASS: return false;
    case N_CAT:
      for (int c = d->kid; c >= 0; c = ps->nodes[c].next)
        if (!nullable(ps, c)) return false;
      return true;
    case N_ALT:
      for (int c = d->kid; c >= 0; c = ps->nodes[c].next)
        if (nullable(ps, c)) return true;
      return false;
    case N_GROUP: return nullable(ps, d->kid);
    case N_REP: return d->min == 0 || nullable(ps, d->kid);
    default: return true;
  }
}

static int emit(comp *c, int op, uint32_t v, int32_t x, int32_t y) {
  if (c->n >= STROM__REGEX_MAX_INSTS) {
    fail(c->ps, c->ps->n, "the pattern is too large (more than %d instructions once repetitions are expanded)",
         STROM__REGEX_MAX_INSTS);
    return -1;
  }
  if (c->n == c->cap) {
    int cap = c->cap ? c->cap * 2 : 64;
    inst *np = realloc(c->prog, (size_t)cap * sizeof *np);
    if (!np) return fail(c->ps, 0, "out of memory");
    c->prog = np, c->cap = cap;
  }
  c->prog[c->n] = (inst){.op = (uint8_t)op, .c = v, .x = x, .y = y};
  return c->n++;
}

static int gen(comp *c, int k);

static int gen_rep(comp *c, const node *d) {
  for (int i = 0; i < d->min; i++)
    if (gen(c, d->kid)) return -1;
  if (d->max < 0 && !nullable(c->ps, d->kid)) {
    int split = emit(c, I_SPLIT, 0, 0, 0);
    if (split < 0) return -1;
    int body = c->n;
    if (gen(c, d->kid)) return -1;
    if (emit(c, I_JMP, 0, split, 0) < 0) return -1;
    int exit = c->n;
    c->prog[split].x = d->greedy ? body : exit;
    c->prog[split].y = d->greedy ? exit : body;
    return 0;
  }
  if (d->max < 0) {
    /* A body that can match empty: each iteration saves where it began and loops back
     * only if it consumed something.  The body is emitted twice and iterations
     * alternate between the copies, so the iteration after a non-empty one is not cut
     * short by program counters its predecessor already visited at this position: an
     * empty last iteration sets its groups, as in Java. */
    int slot = c->base_slots + c->nhidden++;
    int head[2], loop[2];
    for (int k = 0; k < 2; k++) {
      if ((head[k] = emit(c, I_SPLIT, 0, 0, 0)) < 0 || emit(c, I_SAVE, (uint32_t)slot, 0, 0) < 0 || gen(c, d->kid) ||
          (loop[k] = emit(c, I_LOOP, (uint32_t)slot, 0, 0)) < 0)
        return -1;
    }
    int exit = c->n;
    for (int k = 0; k < 2; k++) {
      c->prog[loop[k]].x = head[1 - k], c->prog[loop[k]].y = exit;
      c->prog[head[k]].x = d->greedy ? head[k] + 1 : exit;
      c->prog[head[k]].y = d->greedy ? exit : head[k] + 1;
    }
    return 0;
  }
  int nopt = d->max - d->min;
  if (!nopt) return 0;
  /* each optional copy's split jumps to the common exit, patched at the end */
  int first_patch = -1;
  for (int i = 0; i < nopt; i++) {
    int split = emit(c, I_SPLIT, 0, 0, 0);
    if (split < 0) return -1;
    c->prog[split].c = (uint32_t)first_patch; /* a chain of splits to patch, through .c */
    first_patch = split;
    c->prog[split].x = split + 1;
    if (gen(c, d->kid)) return -1;
  }
  int exit = c->n;
  while (first_patch >= 0) {
    inst *s = &c->prog[first_patch];
    int nextp = (int)(int32_t)s->c;
    s->c = 0;
    if (d->greedy) s->y = exit;
    else s->y = s->x, s->x = exit;
    first_patch = nextp;
  }
  return 0;
}

static int gen(comp *c, int k) {
  const node d = c->ps->nodes[k];
  if (++c->steps > 10L * STROM__REGEX_MAX_INSTS) {
    fail(c->ps, c->ps->n, "the pattern is too large (its repetitions expand too far)");
    return -1;
  }
  switch (d.kind) {
    case N_EMPTY: return 0;
    case N_CHAR:
      return emit(c, d.fold ? I_CHARI : I_CHAR, d.fold ? ascii_lower(d.v) : d.v, 0, 0) < 0 ? -1 : 0;
    case N_ANY: return emit(c, d.dotall ? I_ANYNL : I_ANY, 0, 0, 0) < 0 ? -1 : 0;
    case N_CLASS: return emit(c, I_CLASS, d.v, 0, 0) < 0 ? -1 : 0;
    case N_ASSERT: return emit(c, I_ASSERT, d.v, 0, 0) < 0 ? -1 : 0;
    case N_CAT:
      for (int kid = d.kid; kid >= 0; kid = c->ps->nodes[kid].next)
        if (gen(c, kid)) return -1;
      return 0;
    case N_ALT: {
      int jumps = -1; /* chain of JMPs to the end, through .c */
      for (int kid = d.kid; kid >= 0; kid = c->ps->nodes[kid].next) {
        bool last = c->ps->nodes[kid].next < 0;
        int split = -1;
        if (!last && (split = emit(c, I_SPLIT, 0, 0, 0)) < 0) return -1;
        if (split >= 0) c->prog[split].x = split + 1;
        if (gen(c, kid)) return -1;
        if (!last) {
          int j = emit(c, I_JMP, (uint32_t)jumps, 0, 0);
          if (j < 0) return -1;
          jumps = j;
          c->prog[split].y = c->n;
        }
      }
      while (jumps >= 0) {
        int nextj = (int)(int32_t)c->prog[jumps].c;
        c->prog[jumps].c = 0, c->prog[jumps].x = c->n;
        jumps = nextj;
      }
      return 0;
    }
    case N_GROUP:
      if (d.v && emit(c, I_SAVE, 2 * d.v, 0, 0) < 0) return -1;
      if (gen(c, d.kid)) return -1;
      if (d.v && emit(c, I_SAVE, 2 * d.v + 1, 0, 0) < 0) return -1;
      return 0;
    case N_REP: return gen_rep(c, &d);
    default: return 0;
  }
}

/* The byte every match starts with, or -1. */
static int first_byte(const parser *ps, int k) {
  const node *d = &ps->nodes[k];
  switch (d->kind) {
    case N_CHAR:
      if (d->fold) return -1;
      if (d->v < 0x80) return (int)d->v;
      if (d->v < 0x800) return 0xC0 | (int)(d->v >> 6);
      if (d->v < 0x10000) return 0xE0 | (int)(d->v >> 12);
      if (d->v <= 0x10FFFF) return 0xF0 | (int)(d->v >> 18);
      return -1;
    case N_CAT:
      for (int c = d->kid; c >= 0; c = ps->nodes[c].next) {
        const node *e = &ps->nodes[c];
        if (e->kind == N_ASSERT) return -1;
        if (nullable(ps, c)) return -1;
        return first_byte(ps, c);
      }
      return -1;
    case N_GROUP: return first_byte(ps, d->kid);
    case N_REP: return d->min > 0 ? first_byte(ps, d->kid) : -1;
    default: return -1;
  }
}

static bool starts_anchored(const parser *ps, int k) {
  const node *d = &ps->nodes[k];
  switch (d->kind) {
    case N_ASSERT: return d->v == A_BEGIN;
    case N_CAT: return d->kid >= 0 && starts_anchored(ps, d->kid);
    case N_GROUP: return starts_anchored(ps, d->kid);
    default: return false;
  }
}

/* The bytes a match can start with at a position other than 0, from the closure of
 * the first instruction; false when that set would not help (a match may be empty or
 * start with anything). */
static bool start_set(strom__regex *re) {
  int np = re->nprog;
  uint8_t *seen = calloc((size_t)np, 1);
  int32_t *st = malloc(sizeof *st * (size_t)(2 * np + 2));
  bool ok = seen && st;
  size_t sp = 0;
  if (ok) st[sp++] = 0;
  while (ok && sp) {
    int pc = st[--sp];
    if (seen[pc]) continue;
    seen[pc] = 1;
    const inst *in = &re->prog[pc];
    switch (in->op) {
      case I_JMP: st[sp++] = in->x; break;
      case I_SPLIT:
      case I_LOOP: st[sp++] = in->x, st[sp++] = in->y; break;
      case I_SAVE: st[sp++] = pc + 1; break;
      case I_ASSERT:
        if (in->c != A_BEGIN) st[sp++] = pc + 1; /* \A blocks anywhere but at 0 */
        break;
      case I_MATCH:
      case I_ANY:
      case I_ANYNL: ok = false; break;
      case I_CHAR: {
        uint32_t c = in->c;
        if (c > 0x10FFFF) ok = false;
        else re->start[c < 0x80 ? c : c < 0x800 ? 0xC0 | (c >> 6) : c < 0x10000 ? 0xE0 | (c >> 12) : 0xF0 | (c >> 18)] = 1;
        break;
      }
      case I_CHARI: re->start[in->c] = re->start[in->c >= 'a' && in->c <= 'z' ? in->c - 32 : in->c] = 1; break;
      case I_CLASS: {
        const cls *k = &re->classes[in->c];
        for (int b = 0; b < 128; b++)
          if ((k->ascii[b >> 6] >> (b & 63)) & 1) re->start[b] = 1;
        if (k->n)
          for (int b = 0x80; b < 0x100; b++) re->start[b] = 1;
        break;
      }
      default: break;
    }
  }
  free(seen);
  free(st);
  return ok;
}

/* The UTF-8 text of a pattern that is a plain string, or NULL. */
static char *plain_literal(const parser *ps, int root, size_t *len) {
  const node *d = &ps->nodes[root];
  if (d->kind != N_CAT || d->kid < 0 || ps->ngroups) return NULL;
  strom_buf b = {0};
  for (int k = d->kid; k >= 0; k = ps->nodes[k].next) {
    const node *e = &ps->nodes[k];
    uint32_t c = e->v;
    if (e->kind != N_CHAR || e->fold || c > 0x10FFFF) {
      strom__buf_free(&b);
      return NULL;
    }
    char u[4];
    size_t n = c < 0x80 ? (u[0] = (char)c, 1)
               : c < 0x800 ? (u[0] = (char)(0xC0 | (c >> 6)), u[1] = (char)(0x80 | (c & 0x3F)), 2)
               : c < 0x10000 ? (u[0] = (char)(0xE0 | (c >> 12)), u[1] = (char)(0x80 | ((c >> 6) & 0x3F)),
                                u[2] = (char)(0x80 | (c & 0x3F)), 3)
                             : (u[0] = (char)(0xF0 | (c >> 18)), u[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
                                u[2] = (char)(0x80 | ((c >> 6) & 0x3F)), u[3] = (char)(0x80 | (c & 0x3F)), 4);
    if (strom__buf_append(&b, u, n)) {
      strom__buf_free(&b);
      return NULL;
    }
  }
  *len = b.len;
  return b.p;
}

static bool inst_takes(const strom__regex *re, const inst *in, uint32_t c) {
  switch (in->op) {
    case I_CHAR: return c == in->c;
    case I_CHARI: return ascii_lower(c) == in->c;
    case I_ANY: return !is_term(c);
    case I_ANYNL: return true;
    case I_CLASS: return cls_has(&re->classes[in->c], c);
    default: return false;
  }
}

/* Adds to set what pc0 reaches without consuming (assertions other than \A kept as
 * members: they are only decided at the ends, by the Pike VM). */
static void dfa_closure(const strom__regex *re, int pc0, bool at_begin, uint64_t *set, int32_t *st) {
  size_t sp = 0;
  st[sp++] = pc0;
  uint64_t seen[DFA_WORDS] = {0};
  while (sp) {
    int pc = st[--sp];
    if (seen[pc >> 6] >> (pc & 63) & 1) continue;
    seen[pc >> 6] |= (uint64_t)1 << (pc & 63);
    const inst *in = &re->prog[pc];
    switch (in->op) {
      case I_JMP: st[sp++] = in->x; break;
      case I_SPLIT:
      case I_LOOP: st[sp++] = in->y, st[sp++] = in->x; break;
      case I_SAVE: st[sp++] = pc + 1; break;
      case I_ASSERT:
        if (in->c == A_BEGIN) {
          if (at_begin) st[sp++] = pc + 1;
          break;
        }
        set[pc >> 6] |= (uint64_t)1 << (pc & 63);
        break;
      default: set[pc >> 6] |= (uint64_t)1 << (pc & 63); break;
    }
  }
}

static int dfa_state(dfa *d, const uint64_t *set) {
  for (int i = 0; i < d->n; i++)
    if (!memcmp(d->sets[i], set, sizeof d->sets[i])) return i;
  if (d->n == DFA_MAX_STATES) return -1;
  memcpy(d->sets[d->n], set, sizeof d->sets[d->n]);
  return d->n++;
}

static void dfa_free(dfa *d) {
  if (!d) return;
  free(d->sets);
  free(d->next);
  free(d->match);
  free(d);
}

/* Builds the DFA: the closure of each pc + 1 is computed once, and a transition is the
 * union of those of the state's members that take the character. */
static dfa *dfa_build(const strom__regex *re) {
  if (re->nprog > DFA_MAX_PROG) return NULL;
  for (int pc = 0; pc < re->nprog; pc++)
    if (re->prog[pc].op == I_ASSERT && re->prog[pc].c != A_BEGIN && re->prog[pc].c != A_END &&
        re->prog[pc].c != A_DOLLAR)
      return NULL;
  dfa *d = calloc(1, sizeof *d);
  int32_t st[2 * DFA_MAX_PROG + 2];
  if (!d || !(d->sets = calloc(DFA_MAX_STATES, sizeof *d->sets)) || !(d->next = calloc(DFA_MAX_STATES, sizeof *d->next)) ||
      !(d->match = calloc(DFA_MAX_STATES, 1))) {
    dfa_free(d);
    return NULL;
  }
  uint64_t(*after)[DFA_WORDS] = calloc((size_t)re->nprog, sizeof *after);
  if (!after) {
    dfa_free(d);
    return NULL;
  }
  for (int pc = 0; pc + 1 < re->nprog; pc++)
    if (re->prog[pc].op <= I_CLASS) dfa_closure(re, pc + 1, false, after[pc], st);
  uint64_t startn[DFA_WORDS] = {0}, start0[DFA_WORDS] = {0};
  if (!re->anchored) dfa_closure(re, 0, false, startn, st);
  dfa_closure(re, 0, true, start0, st);
  d->startn = (uint16_t)dfa_state(d, startn);
  d->start0 = (uint16_t)dfa_state(d, start0);
  for (int k = 0; k < d->n; k++) {
    const int match_pc = re->nprog - 1; /* the program ends with MATCH */
    d->match[k] = d->sets[k][match_pc >> 6] >> (match_pc & 63) & 1;
    for (uint32_t c = 0; c < 128; c++) {
      uint64_t t[DFA_WORDS];
      memcpy(t, startn, sizeof t);
      for (int w = 0; w < DFA_WORDS; w++)
        for (uint64_t bits = d->sets[k][w]; bits; bits &= bits - 1) {
          int pc = w * 64 + __builtin_ctzll(bits);
          if (inst_takes(re, &re->prog[pc], c))
            for (int j = 0; j < DFA_WORDS; j++) t[j] |= after[pc][j];
        }
      int to = dfa_state(d, t);
      if (to < 0) {
        free(after);
        dfa_free(d);
        return NULL;
      }
      d->next[k][c] = (uint16_t)to;
    }
  }
  free(after);
  return d;
}

void strom__regex_optimize(strom__regex *re) {
  if (!re->literal && !re->dfa) re->dfa = dfa_build(re);
}

static void parser_free(parser *ps) {
  free(ps->nodes);
  for (int i = 0; i < ps->nsets; i++) free(ps->sets[i].r);
  free(ps->sets);
  for (int i = 0; i < ps->nnames; i++) free(ps->names[i]);
  free(ps->names);
  free(ps->name_group);
}

void strom__regex_free(strom__regex *re) {
  if (!re) return;
  free(re->prog);
  free(re->literal);
  dfa_free(re->dfa);
  for (int i = 0; i < re->nclasses; i++) free(re->classes[i].r);
  free(re->classes);
  for (int i = 0; i < re->nnames; i++) free(re->names[i]);
  free(re->names);
  free(re->name_group);
  free(re);
}

int strom__regex_compile(const char *p, size_t n, strom__regex **out, char *err, size_t errlen) {
  *out = NULL;
  parser ps = {.p = (const uint8_t *)p, .n = n, .err = err, .errlen = errlen};
  comp c = {.ps = &ps};
  strom__regex *re = NULL;
  int root = parse_alt(&ps, 0);
  if (root >= 0 && !at_end(&ps)) root = fail(&ps, ps.i, "unmatched closing ')'");
  if (root < 0) goto fail;
  c.base_slots = 2 * (ps.ngroups + 1);
  if (emit(&c, I_SAVE, 0, 0, 0) < 0 || gen(&c, root) || emit(&c, I_SAVE, 1, 0, 0) < 0 || emit(&c, I_MATCH, 0, 0, 0) < 0)
    goto fail;
  if (!(re = calloc(1, sizeof *re))) {
    fail(&ps, 0, "out of memory");
    goto fail;
  }
  re->prog = c.prog, re->nprog = c.n, c.prog = NULL;
  re->ngroups = ps.ngroups;
  re->nslots = c.base_slots + c.nhidden;
  re->anchored = starts_anchored(&ps, root);
  re->first_byte = first_byte(&ps, root);
  if (ps.nsets && !(re->classes = calloc((size_t)ps.nsets, sizeof *re->classes))) {
    fail(&ps, 0, "out of memory");
    goto fail;
  }
  for (int i = 0; i < ps.nsets; i++) {
    rset *s = &ps.sets[i];
    cls *k = &re->classes[i];
    re->nclasses = i + 1;
    size_t w = 0;
    for (size_t j = 0; j < s->n; j += 2) {
      uint32_t lo = s->r[j], hi = s->r[j + 1];
      for (uint32_t ch = lo; ch <= hi && ch < 128; ch++) k->ascii[ch >> 6] |= (uint64_t)1 << (ch & 63);
      if (hi >= 128) s->r[w++] = lo < 128 ? 128 : lo, s->r[w++] = hi;
    }
    k->r = s->r, k->n = w;
    s->r = NULL;
  }
  re->use_start = !re->anchored && start_set(re);
  re->literal = plain_literal(&ps, root, &re->literal_len);

  re->names = ps.names, re->name_group = ps.name_group, re->nnames = ps.nnames;
  ps.names = NULL, ps.name_group = NULL, ps.nnames = 0;
  parser_free(&ps);
  *out = re;
  return STROM_OK;
fail:
  free(c.prog);
  parser_free(&ps);
  strom__regex_free(re);
  if (!err[0] && errlen) snprintf(err, errlen, "bad regular expression");
  return STROM_EINVAL;
}

int strom__regex_groups(const strom__regex *re) { return re->ngroups; }

int strom__regex_group_named(const strom__regex *re, const char *name, size_t n) {
  for (int i = 0; i < re->nnames; i++)
    if (strlen(re->names[i]) == n && !memcmp(re->names[i], name, n)) return re->name_group[i];
  return -1;
}

/* ---- the Pike VM ---- */

typedef struct tlist {
  int32_t *pc;
  int32_t *slots; /* nslots per thread */
  int n;
} tlist;

typedef struct vm {
  const strom__regex *re;
  const uint8_t *s;
  size_t n;
  uint32_t *visited; /* the generation that last added each pc */
  uint32_t gen;
  int32_t *stack; /* pairs: pc (>= 0) or -1 - slot (a restore), value */
  int32_t *cur;   /* the slots of the thread being added */
  int ns;         /* slots kept per thread: none when only the answer matters */
} vm;

size_t strom__regex_work_size(const strom__regex *re) {
  size_t np = (size_t)re->nprog, ns = (size_t)re->nslots;
  return sizeof(int32_t) * (np                    /* visited */
                            + 2 * (2 * np + 2)    /* stack */
                            + ns                  /* cur */
                            + ns                  /* best */
                            + 2 * (np + np * ns)) /* two lists */
         + 8;
}

static bool assert_at(const vm *m, uint32_t kind, size_t i) {
  const uint8_t *s = m->s;
  size_t n = m->n, len;
  switch (kind) {
    case A_BEGIN: return i == 0;
    case A_END: return i == n;
    case A_MBOL: {
      if (i == n) return false; /* Java's ^ never matches at the end, even after a newline */
      if (i == 0) return true;
      uint32_t p = dec_prev(s, n, i);
      if (!is_term(p)) return false;
      return !(p == '\r' && s[i] == '\n');
    }
    case A_DOLLAR:
    case A_MDOLLAR: {
      if (i == n) return true;
      uint32_t c = dec(s, n, i, &len);
      if (!is_term(c)) return false;
      if (c == '\n' && i > 0 && s[i - 1] == '\r') return false; /* not between \r and \n */
      if (kind == A_MDOLLAR) return true;
      if (c == '\r' && i + 2 == n && s[i + 1] == '\n') return true;
      return i + len == n; /* before a final line terminator */
    }
    case A_WORDB:
    case A_NWORDB: {
      bool a = i > 0 && is_word(dec_prev(s, n, i)), b = i < n && is_word(dec(s, n, i, &len));
      return (a != b) == (kind == A_WORDB);
    }
    default: return false;
  }
}

/* Adds the thread at pc0 with slots src (NULL: all unset) to l at position pos,
 * following jumps, splits, saves and assertions in priority order. */
static void add_thread(vm *m, tlist *l, int pc0, size_t pos, const int32_t *src) {
  const inst *prog = m->re->prog;
  int ns = m->ns;
  if (src) memcpy(m->cur, src, (size_t)ns * sizeof *m->cur);
  else
    for (int k = 0; k < ns; k++) m->cur[k] = -1;
  int32_t *st = m->stack;
  size_t sp = 0;
  st[sp++] = pc0, st[sp++] = 0;
  while (sp) {
    int32_t val = st[--sp], pc = st[--sp];
    if (pc < 0) {
      m->cur[-1 - pc] = val;
      continue;
    }
    if (m->visited[pc] == m->gen) continue;
    m->visited[pc] = m->gen;
    const inst *in = &prog[pc];
    switch (in->op) {
      case I_JMP: st[sp++] = in->x, st[sp++] = 0; break;
      case I_SPLIT:
        st[sp++] = in->y, st[sp++] = 0;
        st[sp++] = in->x, st[sp++] = 0;
        break;
      case I_SAVE:
        if (ns) {
          st[sp++] = -1 - (int32_t)in->c, st[sp++] = m->cur[in->c];
          m->cur[in->c] = (int32_t)pos;
        }
        st[sp++] = pc + 1, st[sp++] = 0;
        break;
      case I_LOOP:
        if (ns) {
          st[sp++] = (int32_t)pos > m->cur[in->c] ? in->x : in->y, st[sp++] = 0;
        } else { /* whether there is a match does not depend on ending empty iterations */
          st[sp++] = in->y, st[sp++] = 0;
          st[sp++] = in->x, st[sp++] = 0;
        }
        break;
      case I_ASSERT:
        if (assert_at(m, in->c, pos)) st[sp++] = pc + 1, st[sp++] = 0;
        break;
      default:
        l->pc[l->n] = pc;
        memcpy(l->slots + (size_t)l->n * (size_t)ns, m->cur, (size_t)ns * sizeof *m->cur);
        l->n++;
        break;
    }
  }
}

bool strom__regex_find(const strom__regex *re, const char *str, size_t n, size_t from, int32_t *caps, int ncap,
                       void *work) {
  if (from > n) return false;
  if (re->literal) {
    const char *q = memmem(str + from, n - from, re->literal, re->literal_len);
    if (q && ncap > 0) {
      caps[0] = (int32_t)(q - str), caps[1] = caps[0] + (int32_t)re->literal_len;
      for (int i = 2; i < 2 * ncap; i++) caps[i] = -1;
    }
    return q != NULL;
  }
  size_t np = (size_t)re->nprog, ns = ncap > 0 ? (size_t)re->nslots : 0;
  int32_t *w = (int32_t *)work;
  vm m = {.re = re, .s = (const uint8_t *)str, .n = n, .ns = (int)ns};
  m.visited = (uint32_t *)w, w += np;
  m.stack = w, w += 2 * (2 * np + 2);
  m.cur = w, w += ns;
  int32_t *best = w;
  w += ns;
  tlist a = {.pc = w, .slots = w + np}, b;
  w += np + np * ns;
  b = (tlist){.pc = w, .slots = w + np};
  memset(m.visited, 0, np * sizeof *m.visited);
  tlist *cl = &a, *nl = &b;
  bool matched = false, want = ncap > 0;
  size_t pos = from;
  m.gen = 1;
  if (!want && re->dfa) {
    const dfa *d = re->dfa;
    unsigned k = pos == 0 ? d->start0 : d->startn;
    const uint8_t *s = m.s;
    for (;; pos++) {
      if (d->match[k]) return true;
      if (pos + 4 > n || s[pos] >= 0x80) break;
      k = d->next[k][s[pos]];
    }
    /* the Pike VM goes on from the DFA's state */
    for (int pc = 0; pc < re->nprog; pc++)
      if (d->sets[k][pc >> 6] >> (pc & 63) & 1) add_thread(&m, cl, pc, pos, NULL);
  }
  for (;;) {
    if (!matched) {
      if (!cl->n) {
        if (re->anchored && pos != 0) break;
        if (re->first_byte >= 0 && pos < n && m.s[pos] != re->first_byte) {
          const uint8_t *q = memchr(m.s + pos, re->first_byte, n - pos);
          if (!q) break;
          pos = (size_t)(q - m.s);
          m.gen++;
        } else if (re->use_start && pos > 0 && pos < n && !re->start[m.s[pos]]) {
          while (pos < n && !re->start[m.s[pos]]) pos++;
          if (pos == n) break; /* no match can start (or be empty) here */
          m.gen++;
        }
      }
      if (!re->anchored || pos == 0) add_thread(&m, cl, 0, pos, NULL);
    }
    if (!cl->n) {
      if (matched || pos >= n || re->anchored) break;
      pos = strom__regex_next(str, n, pos); /* no thread yet: try the next start */
      m.gen++;
      continue;
    }
    size_t len = 0;
    uint32_t c = pos < n ? dec(m.s, n, pos, &len) : 0xFFFFFFFFu;
    m.gen++;
    nl->n = 0;
    for (int t = 0; t < cl->n; t++) {
      const inst *in = &re->prog[cl->pc[t]];
      const int32_t *ts = cl->slots + (size_t)t * ns;
      bool ok;
      switch (in->op) {
        case I_CHAR: ok = c == in->c; break;
        case I_CHARI: ok = ascii_lower(c) == in->c; break;
        case I_ANY: ok = pos < n && !is_term(c); break;
        case I_ANYNL: ok = pos < n; break;
        case I_CLASS: ok = pos < n && cls_has(&re->classes[in->c], c); break;
        case I_MATCH:
          memcpy(best, ts, ns * sizeof *best);
          matched = true;
          if (!want) goto done;
          goto cut; /* lower-priority threads cannot win any more */
        default: ok = false; break;
      }
      if (ok) add_thread(&m, nl, cl->pc[t] + 1, pos + len, ts);
    }
  cut:
    {
      tlist *tmp = cl;
      cl = nl, nl = tmp;
    }
    if (pos >= n) break; /* the threads at n had their turn in this step */
    pos += len;
  }
done:
  if (matched && want)
    for (int i = 0; i < 2 * ncap; i++) caps[i] = i < 2 * (re->ngroups + 1) ? best[i] : -1;
  return matched;
}

/* ---- replacement ---- */

static int expand(const strom__regex *re, const char *s, const int32_t *caps, const char *r, size_t rn, strom_buf *out,
                  char *err, size_t errlen) {
  int ng = re->ngroups;
  for (size_t i = 0; i < rn;) {
    char c = r[i];
    if (c == '\\') {
      if (++i >= rn) {
        snprintf(err, errlen, "character to be escaped is missing at the end of the replacement");
        return STROM_EINVAL;
      }
      strom__buf_append(out, r + i++, 1);
    } else if (c == '$') {
      if (++i >= rn) {
        snprintf(err, errlen, "illegal group reference: group index is missing at the end of the replacement");
        return STROM_EINVAL;
      }
      int g;
      if (r[i] == '{') {
        size_t nb = ++i;
        while (i < rn && (ascii_alpha((uint8_t)r[i]) || (r[i] >= '0' && r[i] <= '9'))) i++;
        if (i == nb || !ascii_alpha((uint8_t)r[nb])) {
          snprintf(err, errlen, "named capturing group is missing or does not start with a letter in the replacement");
          return STROM_EINVAL;
        }
        if (i >= rn || r[i] != '}') {
          snprintf(err, errlen, "named capturing group is missing trailing '}' in the replacement");
          return STROM_EINVAL;
        }
        g = strom__regex_group_named(re, r + nb, i - nb);
        if (g < 0) {
          snprintf(err, errlen, "no group with name {%.*s}", (int)(i - nb), r + nb);
          return STROM_EINVAL;
        }
        i++;
      } else {
        if (r[i] < '0' || r[i] > '9') {
          snprintf(err, errlen, "illegal group reference in the replacement (after '$' at byte %zu)", i);
          return STROM_EINVAL;
        }
        g = r[i++] - '0';
        if (g > ng) {
          snprintf(err, errlen, "no group %d (the pattern has %d)", g, ng);
          return STROM_EINVAL;
        }
        while (i < rn && r[i] >= '0' && r[i] <= '9' && g * 10 + (r[i] - '0') <= ng) g = g * 10 + (r[i++] - '0');
      }
      if (caps[2 * g] >= 0) strom__buf_append(out, s + caps[2 * g], (size_t)(caps[2 * g + 1] - caps[2 * g]));
    } else {
      strom__buf_append(out, r + i++, 1);
    }
  }
  return 0;
}

int strom__regex_replace(const strom__regex *re, const char *s, size_t n, const char *r, size_t rn, bool literal,
                         strom_buf *out, void *work, char *err, size_t errlen) {
  int ncap = re->ngroups + 1;
  int32_t small[64], *caps = 2 * ncap <= 64 ? small : malloc(2 * (size_t)ncap * sizeof *caps);
  if (!caps) return STROM_ENOMEM;
  size_t at = 0, app = 0;
  int rc = 0;
  while (at <= n && strom__regex_find(re, s, n, at, caps, ncap, work)) {
    size_t so = (size_t)caps[0], eo = (size_t)caps[1];
    strom__buf_append(out, s + app, so - app);
    if (literal) strom__buf_append(out, r, rn);
    else if ((rc = expand(re, s, caps, r, rn, out, err, errlen))) break;
    app = eo;
    at = eo == so ? strom__regex_next(s, n, eo) : eo; /* after an empty match, Java moves on one character */
  }
  if (!rc && app < n) strom__buf_append(out, s + app, n - app);
  if (caps != small) free(caps);
  return rc;
}
