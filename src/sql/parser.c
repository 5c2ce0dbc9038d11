/*
 * parser.c -- recursive descent over the lexer's tokens, one function per grammar rule
 * of src/sql/README.md.  The parser builds the tree and stops there: names are not
 * resolved and types not checked.
 *
 * Errors unwind with longjmp to the entry point.  That is safe because everything
 * the parser allocates lives in the arena (the caller frees it) except the token
 * array, which the entry point frees on both paths.  Nesting is capped so hostile
 * input cannot overflow the stack.
 */
#include "parser.h"

#include <ctype.h>
#include <setjmp.h>
#include <strings.h>

#define SQL_MAX_DEPTH 1000

typedef struct parser {
  sql_arena *a;
  sql_token *t;
  size_t n, i;
  int depth;
  char *err;
  size_t errlen;
  jmp_buf jb;
} parser;

/* Words that cannot be an unquoted identifier or alias: they start or separate clauses. */
static const char *const reserved[] = {
    "ALL",     "AND",    "AS",        "BETWEEN", "BY",     "CASE",   "CAST",      "CREATE",  "CROSS",  "CURRENT",
    "DESCRIPTOR", "DISTINCT", "DROP", "ELSE",    "END",    "EXCEPT", "EXISTS",    "EXPLAIN", "FALSE",  "FETCH",
    "FILTER",  "FOR",    "FROM",      "FULL",    "GROUP",  "HAVING", "IN",        "INNER",   "INSERT", "INTERSECT",
    "INTERVAL", "INTO",  "IS",        "JOIN",    "LATERAL", "LEFT",  "LIKE",      "LIMIT",   "MATCH_RECOGNIZE",
    "NATURAL", "NOT",    "NULL",      "OFFSET",  "ON",     "OR",     "ORDER",     "OUTER",   "OVER",   "RIGHT",
    "SELECT",  "SET",    "TABLE",     "THEN",    "TRUE",   "UNION",  "UNKNOWN",   "USING",   "VALUES", "WHEN",
    "WHERE",   "WINDOW", "WITH",
};

static int is_reserved(const char *w) {
  for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
    if (!strcasecmp(w, reserved[i])) return 1;
  return 0;
}

static const sql_token *peek(parser *p, size_t k) { return &p->t[p->i + k < p->n ? p->i + k : p->n - 1]; }
static const sql_token *cur(parser *p) { return peek(p, 0); }
static const sql_token *advance(parser *p) {
  const sql_token *t = cur(p);
  if (p->i + 1 < p->n) p->i++;
  return t;
}

static _Noreturn void fail_at(parser *p, const sql_token *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static _Noreturn void fail_at(parser *p, const sql_token *t, const char *fmt, ...) {
  if (p->err && p->errlen) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "line %d, column %d: %s", t->line, t->col, msg);
  }
  longjmp(p->jb, 1);
}

static void describe(const sql_token *t, char *out, size_t n) {
  switch (t->kind) {
  case SQL_TOK_EOF: snprintf(out, n, "end of input"); break;
  case SQL_TOK_WORD: snprintf(out, n, "%.40s", t->text); break;
  case SQL_TOK_QUOTED: snprintf(out, n, "`%.40s`", t->text); break;
  case SQL_TOK_STRING: snprintf(out, n, "string '%.20s%s'", t->text, strlen(t->text) > 20 ? "..." : ""); break;
  case SQL_TOK_NUMBER: snprintf(out, n, "number %.40s", t->text); break;
  case SQL_TOK_OP: snprintf(out, n, "'%s'", t->text); break;
  }
}

static _Noreturn void expected(parser *p, const char *what) {
  char found[96];
  describe(cur(p), found, sizeof found);
  fail_at(p, cur(p), "expected %s, found %s", what, found);
}

static _Noreturn void unsupported(parser *p, const sql_token *t, const char *feature) {
  fail_at(p, t, "not supported: %s", feature);
}

static void enter(parser *p) {
  if (++p->depth > SQL_MAX_DEPTH) fail_at(p, cur(p), "nested too deeply (more than %d levels)", SQL_MAX_DEPTH);
}
static void leave(parser *p) { p->depth--; }
/* Loops that build left-deep trees (a + b + c, joins, a.b.c) deepen the tree as much as
 * recursion does; they count each level and give it back when done. */
static void deepen(parser *p, int *levels) {
  enter(p);
  (*levels)++;
}

static void *alloc(parser *p, size_t n) {
  void *m = sql_arena_alloc(p->a, n);
  if (!m) fail_at(p, cur(p), "out of memory");
  return m;
}

static char *dup(parser *p, const char *s) {
  char *d = sql_arena_strndup(p->a, s, strlen(s));
  if (!d) fail_at(p, cur(p), "out of memory");
  return d;
}

static char *upper(parser *p, const char *s) {
  char *d = dup(p, s);
  for (char *c = d; *c; c++) *c = (char)toupper((unsigned char)*c);
  return d;
}

static sql_node *node_at(parser *p, sql_kind k, const sql_token *t, const char *text) {
  sql_node *n = alloc(p, sizeof *n);
  n->kind = k;
  n->line = t->line;
  n->col = t->col;
  n->text = text;
  n->p = n->s = -1;
  return n;
}
static sql_node *node(parser *p, sql_kind k, const char *text) { return node_at(p, k, cur(p), text); }

static sql_node *add(parser *p, sql_node *n, sql_node *kid) {
  if (!kid) return n;
  if (n->nkids == n->cap) {
    int cap = n->cap ? n->cap * 2 : 4;
    sql_node **k = alloc(p, (size_t)cap * sizeof *k);
    if (n->nkids) memcpy(k, n->kids, (size_t)n->nkids * sizeof *k);
    n->kids = k;
    n->cap = cap;
  }
  n->kids[n->nkids++] = kid;
  return n;
}

static sql_node *wrap(parser *p, sql_kind k, const sql_token *at, const char *text, sql_node *a, sql_node *b) {
  sql_node *n = node_at(p, k, at, text);
  add(p, n, a);
  add(p, n, b);
  return n;
}

static int is_kw(const sql_token *t, const char *kw) { return t->kind == SQL_TOK_WORD && !strcasecmp(t->text, kw); }
static int is_op(const sql_token *t, const char *op) { return t->kind == SQL_TOK_OP && !strcmp(t->text, op); }
static int accept_kw(parser *p, const char *kw) {
  if (!is_kw(cur(p), kw)) return 0;
  advance(p);
  return 1;
}
static int accept_op(parser *p, const char *op) {
  if (!is_op(cur(p), op)) return 0;
  advance(p);
  return 1;
}
static void expect_kw(parser *p, const char *kw) {
  if (!accept_kw(p, kw)) expected(p, kw);
}
static void expect_op(parser *p, const char *op) {
  if (!accept_op(p, op)) {
    char what[16];
    snprintf(what, sizeof what, "'%s'", op);
    expected(p, what);
  }
}

/* ---- names ---- */

static int is_ident(const sql_token *t) {
  return t->kind == SQL_TOK_QUOTED || (t->kind == SQL_TOK_WORD && !is_reserved(t->text));
}

static sql_node *ident(parser *p, const char *what) {
  const sql_token *t = cur(p);
  if (!is_ident(t)) expected(p, what);
  advance(p);
  sql_node *n = node_at(p, SQL_ID, t, t->text);
  if (t->kind == SQL_TOK_QUOTED) n->flags |= SQL_F(QUOTED);
  return n;
}

static sql_node *name(parser *p, const char *what) {
  sql_node *n = node(p, SQL_NAME, NULL);
  add(p, n, ident(p, what));
  while (is_op(cur(p), ".") && is_ident(peek(p, 1))) {
    advance(p);
    add(p, n, ident(p, what));
  }
  return n;
}

/* '(' ident {',' ident} ')' into a node of kind k */
static sql_node *ident_list(parser *p, sql_kind k, const char *what) {
  sql_node *n = node(p, k, NULL);
  expect_op(p, "(");
  do add(p, n, ident(p, what));
  while (accept_op(p, ","));
  expect_op(p, ")");
  return n;
}

static sql_node *string(parser *p, const char *what) {
  const sql_token *t = cur(p);
  if (t->kind != SQL_TOK_STRING) expected(p, what);
  advance(p);
  return node_at(p, SQL_STRING, t, t->text);
}

static int integer(parser *p, const char *what) {
  const sql_token *t = cur(p);
  if (t->kind != SQL_TOK_NUMBER || strspn(t->text, "0123456789") != strlen(t->text) || strlen(t->text) > 10 ||
      atoll(t->text) > INT32_MAX) /* VARCHAR(2147483647): Flink's STRING, as SHOW CREATE TABLE prints it */
    expected(p, what);
  advance(p);
  return atoi(t->text);
}

/* ---- types ---- */

static sql_node *parse_type(parser *p);

static void type_params(parser *p, sql_node *n, int two) {
  if (!accept_op(p, "(")) return;
  n->p = integer(p, "a length or precision");
  if (two && accept_op(p, ",")) n->s = integer(p, "a scale");
  expect_op(p, ")");
}

static const char *const time_units[] = {"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"};

/* A time unit; Flink also accepts the plural (INTERVAL '10' MINUTES), read as the singular. */
static const char *time_unit(parser *p, int required) {
  const sql_token *t = cur(p);
  for (size_t i = 0; i < sizeof time_units / sizeof *time_units; i++) {
    size_t n = strlen(time_units[i]);
    if (t->kind == SQL_TOK_WORD && !strncasecmp(t->text, time_units[i], n) &&
        (!t->text[n] || ((t->text[n] == 's' || t->text[n] == 'S') && !t->text[n + 1]))) {
      advance(p);
      return time_units[i];
    }
  }
  if (required) expected(p, "a time unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND)");
  return NULL;
}

/* INTERVAL's units, as "DAY", "DAY(2) TO SECOND(3)" */
static const char *interval_units(parser *p, int with_precision) {
  const char *u = time_unit(p, 1);
  char buf[96];
  int len = snprintf(buf, sizeof buf, "%s", u);
  if (with_precision && is_op(cur(p), "(")) {
    advance(p);
    int prec = integer(p, "a precision");
    expect_op(p, ")");
    len += snprintf(buf + len, sizeof buf - (size_t)len, "(%d)", prec);
  }
  if (accept_kw(p, "TO")) {
    u = time_unit(p, 1);
    len += snprintf(buf + len, sizeof buf - (size_t)len, " TO %s", u);
    if (with_precision && is_op(cur(p), "(")) {
      advance(p);
      int prec = integer(p, "a precision");
      expect_op(p, ")");
      snprintf(buf + len, sizeof buf - (size_t)len, "(%d)", prec);
    }
  }
  return dup(p, buf);
}

static sql_node *row_fields(parser *p, sql_node *n, const char *close) {
  if (accept_op(p, close)) return n;
  do {
    sql_node *f = node(p, SQL_COLUMN, NULL);
    add(p, f, ident(p, "a field name"));
    add(p, f, parse_type(p));
    if (cur(p)->kind == SQL_TOK_STRING) advance(p); /* a field description */
    add(p, n, f);
  } while (accept_op(p, ","));
  expect_op(p, close);
  return n;
}

static sql_node *parse_type(parser *p) {
  enter(p);
  const sql_token *t = cur(p);
  if (t->kind != SQL_TOK_WORD) expected(p, "a data type");
  static const struct {
    const char *word, *canon;
    int params; /* 0 none, 1 (n), 2 (p, s) */
  } simple[] = {
      {"BOOLEAN", "BOOLEAN", 0}, {"TINYINT", "TINYINT", 0},     {"SMALLINT", "SMALLINT", 0}, {"INT", "INT", 0},
      {"INTEGER", "INT", 0},     {"BIGINT", "BIGINT", 0},       {"FLOAT", "FLOAT", 0},       {"REAL", "FLOAT", 0},
      {"DOUBLE", "DOUBLE", 0},   {"DECIMAL", "DECIMAL", 2},     {"DEC", "DECIMAL", 2},       {"NUMERIC", "DECIMAL", 2},
      {"CHAR", "CHAR", 1},       {"CHARACTER", "CHAR", 1},      {"VARCHAR", "VARCHAR", 1},   {"STRING", "STRING", 0},
      {"BINARY", "BINARY", 1},   {"VARBINARY", "VARBINARY", 1}, {"BYTES", "BYTES", 0},       {"DATE", "DATE", 0},
      {"TIME", "TIME", 1},       {"TIMESTAMP_LTZ", "TIMESTAMP_LTZ", 1},
  };
  sql_node *n = NULL;
  for (size_t i = 0; i < sizeof simple / sizeof *simple && !n; i++)
    if (is_kw(t, simple[i].word)) {
      advance(p);
      n = node_at(p, SQL_TYPE, t, simple[i].canon);
      if (!strcmp(simple[i].canon, "DOUBLE")) accept_kw(p, "PRECISION");
      if (simple[i].params) type_params(p, n, simple[i].params == 2);
    }
  if (n) {
  } else if (is_kw(t, "TIMESTAMP")) {
    advance(p);
    n = node_at(p, SQL_TYPE, t, "TIMESTAMP");
    type_params(p, n, 0);
    if (accept_kw(p, "WITH")) {
      expect_kw(p, "LOCAL");
      expect_kw(p, "TIME");
      expect_kw(p, "ZONE");
      n->text = "TIMESTAMP_LTZ";
    } else if (accept_kw(p, "WITHOUT")) {
      expect_kw(p, "TIME");
      expect_kw(p, "ZONE");
    }
  } else if (is_kw(t, "INTERVAL")) {
    advance(p);
    n = node_at(p, SQL_TYPE, t, NULL);
    const char *u = interval_units(p, 1);
    char *text = alloc(p, strlen(u) + 10);
    sprintf(text, "INTERVAL %s", u);
    n->text = text;
  } else if (is_kw(t, "ARRAY") || is_kw(t, "MULTISET")) {
    advance(p);
    n = node_at(p, SQL_TYPE, t, is_kw(t, "ARRAY") ? "ARRAY" : "MULTISET");
    expect_op(p, "<");
    add(p, n, parse_type(p));
    expect_op(p, ">");
  } else if (is_kw(t, "MAP")) {
    advance(p);
    n = node_at(p, SQL_TYPE, t, "MAP");
    expect_op(p, "<");
    add(p, n, parse_type(p));
    expect_op(p, ",");
    add(p, n, parse_type(p));
    expect_op(p, ">");
  } else if (is_kw(t, "ROW")) {
    advance(p);
    n = node_at(p, SQL_TYPE, t, "ROW");
    if (accept_op(p, "<")) row_fields(p, n, ">");
    else if (accept_op(p, "(")) row_fields(p, n, ")");
    else expected(p, "'<' or '('");
  } else if (is_kw(t, "RAW")) {
    unsupported(p, t, "RAW type");
  } else {
    expected(p, "a data type");
  }
  if (is_kw(cur(p), "NOT") && is_kw(peek(p, 1), "NULL")) {
    advance(p), advance(p);
    n->flags |= SQL_F(NOT_NULL);
  } else {
    accept_kw(p, "NULL");
  }
  leave(p);
  return n;
}

/* ---- expressions ---- */

static sql_node *parse_expr(parser *p);
static sql_node *parse_additive(parser *p);
static sql_node *parse_query(parser *p);

static int query_starts(parser *p, size_t k) {
  const sql_token *t = peek(p, k);
  return is_kw(t, "SELECT") || is_kw(t, "WITH") || is_kw(t, "VALUES");
}

static sql_node *subquery(parser *p) {
  const sql_token *t = cur(p);
  expect_op(p, "(");
  sql_node *q = parse_query(p);
  expect_op(p, ")");
  return wrap(p, SQL_SUBQUERY, t, NULL, q, NULL);
}

static sql_node *sort_list(parser *p, sql_kind k) {
  sql_node *n = node(p, k, NULL);
  do {
    const sql_token *t = cur(p);
    sql_node *e = parse_expr(p);
    unsigned flags = 0;
    if (accept_kw(p, "DESC")) flags |= SQL_F(DESC);
    else accept_kw(p, "ASC");
    if (accept_kw(p, "NULLS")) {
      if (accept_kw(p, "FIRST")) flags |= SQL_F(NULLS_FIRST);
      else if (accept_kw(p, "LAST")) flags |= SQL_F(NULLS_LAST);
      else expected(p, "FIRST or LAST");
    }
    if (flags) {
      e = wrap(p, SQL_SORT, t, NULL, e, NULL);
      e->flags = flags;
    }
    add(p, n, e);
  } while (accept_op(p, ","));
  return n;
}

static sql_node *frame_bound(parser *p) {
  const sql_token *t = cur(p);
  if (accept_kw(p, "UNBOUNDED")) {
    if (accept_kw(p, "PRECEDING")) return node_at(p, SQL_BOUND, t, "unbounded-preceding");
    if (accept_kw(p, "FOLLOWING")) return node_at(p, SQL_BOUND, t, "unbounded-following");
    expected(p, "PRECEDING or FOLLOWING");
  }
  if (accept_kw(p, "CURRENT")) {
    expect_kw(p, "ROW");
    return node_at(p, SQL_BOUND, t, "current-row");
  }
  sql_node *e = parse_additive(p);
  if (accept_kw(p, "PRECEDING")) return wrap(p, SQL_BOUND, t, "preceding", e, NULL);
  if (accept_kw(p, "FOLLOWING")) return wrap(p, SQL_BOUND, t, "following", e, NULL);
  expected(p, "PRECEDING or FOLLOWING");
}

/* [PARTITION BY e, ...] [ORDER BY ...] of an OVER window or MATCH_RECOGNIZE, added to n. */
static void partition_and_order(parser *p, sql_node *n) {
  if (accept_kw(p, "PARTITION")) {
    expect_kw(p, "BY");
    sql_node *pb = node(p, SQL_PARTITION_BY, NULL);
    do add(p, pb, parse_expr(p));
    while (accept_op(p, ","));
    add(p, n, pb);
  }
  if (accept_kw(p, "ORDER")) {
    expect_kw(p, "BY");
    add(p, n, sort_list(p, SQL_ORDER_BY));
  }
}

static sql_node *window_spec(parser *p) {
  const sql_token *t = cur(p);
  if (is_ident(t)) { /* OVER w: docs_window.c puts the WINDOW clause's definition here */
    advance(p);
    return node_at(p, SQL_OVER, t, dup(p, t->text));
  }
  sql_node *n = node(p, SQL_OVER, NULL);
  expect_op(p, "(");
  partition_and_order(p, n);
  const sql_token *ft = cur(p);
  if (is_kw(ft, "ROWS") || is_kw(ft, "RANGE")) {
    advance(p);
    sql_node *f = node_at(p, SQL_FRAME, ft, is_kw(ft, "ROWS") ? "rows" : "range");
    if (accept_kw(p, "BETWEEN")) {
      add(p, f, frame_bound(p));
      expect_kw(p, "AND");
      add(p, f, frame_bound(p));
    } else {
      add(p, f, frame_bound(p));
    }
    add(p, n, f);
  }
  expect_op(p, ")");
  return n;
}

/* The clauses of the JSON functions after an argument, passed on to fn_json.c as
 * arguments: RETURNING t as CAST(NULL AS t); any other clause as its words in a string
 * ('NULL ON EMPTY', 'WITH CONDITIONAL ARRAY WRAPPER', 'DEFAULT ON ERROR' followed by
 * the default's expression).  Returns true when VALUE separated a JSON_OBJECT key from
 * its value (KEY before the key is skipped by the caller). */
/* ARRAY_AGG(v [RESPECT | IGNORE NULLS]): the clause as a string argument (agg_json.c). */
static void sql_array_agg_nulls(parser *p, sql_node *call) {
  const sql_token *t = cur(p);
  bool ign = accept_kw(p, "IGNORE");
  if (!ign && !accept_kw(p, "RESPECT")) return;
  if (!accept_kw(p, "NULLS")) expected(p, "NULLS after IGNORE or RESPECT");
  add(p, call, node_at(p, SQL_STRING, t, ign ? "IGNORE NULLS" : "RESPECT NULLS"));
}

static bool json_clauses(parser *p, sql_node *call) {
  if (call->text && !strcmp(call->text, "ARRAY_AGG")) return sql_array_agg_nulls(p, call), false;
  if (!call->text || strncmp(call->text, "JSON_", 5)) return false;
  if ((!strcmp(call->text, "JSON_OBJECT") || !strcmp(call->text, "JSON_OBJECTAGG")) && accept_kw(p, "VALUE")) return true;
  static const char *const words[] = {"NULL",   "ERROR",      "TRUE",          "FALSE",   "UNKNOWN", "EMPTY",
                                      "ARRAY",  "OBJECT",     "ON",            "WITH",    "WITHOUT", "CONDITIONAL",
                                      "UNCONDITIONAL", "WRAPPER", "ABSENT",    "DEFAULT"};
  for (;;) {
    const sql_token *t = cur(p);
    if (accept_kw(p, "RETURNING")) {
      sql_node *c = node_at(p, SQL_CAST, t, NULL);
      add(p, c, node_at(p, SQL_KEYWORD, t, "NULL"));
      add(p, call, add(p, c, parse_type(p)));
      continue;
    }
    char buf[96] = "";
    sql_node *dflt = NULL;
    for (bool more = true; more && strlen(buf) < 64;) {
      const sql_token *w = cur(p);
      size_t i = 0;
      while (i < sizeof words / sizeof *words && !is_kw(w, words[i])) i++;
      if (i == sizeof words / sizeof *words) break;
      advance(p);
      snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", buf[0] ? " " : "", words[i]);
      if (i == 15 && !dflt) dflt = parse_expr(p); /* DEFAULT expr */
      if (i == 13) more = false;                  /* ... WRAPPER */
      if (i == 8) { /* ON EMPTY / ON ERROR / ON NULL ends a clause */
        const sql_token *x = cur(p);
        if (!accept_kw(p, "EMPTY") && !accept_kw(p, "ERROR") && !accept_kw(p, "NULL")) expected(p, "EMPTY, ERROR or NULL after ON");
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s", upper(p, x->text));
        more = false;
      }
    }
    if (!buf[0]) return false;
    char *text = alloc(p, strlen(buf) + 1);
    memcpy(text, buf, strlen(buf) + 1);
    add(p, call, node_at(p, SQL_STRING, t, text));
    add(p, call, dflt);
  }
}

#include "docs_grammar.h"
#include "groupsets_grammar.h"
#include "unnest_grammar.h"
#include "match_grammar.h"

/* TABLE t [PARTITION BY k | (k1, k2, ...)] of a window TVF (TABLE already taken):
 * SESSION's partition keys follow the name. */
static sql_node *table_arg(parser *p, const sql_token *t) {
  sql_node *ta = wrap(p, SQL_TABLE_ARG, t, NULL, name(p, "a table name"), NULL);
  if (!accept_kw(p, "PARTITION")) return ta;
  expect_kw(p, "BY");
  if (!accept_op(p, "(")) return add(p, ta, ident(p, "a column name")), ta;
  do add(p, ta, ident(p, "a column name"));
  while (accept_op(p, ","));
  expect_op(p, ")");
  return ta;
}

static sql_node *call_args(parser *p, sql_node *call) {
  expect_op(p, "(");
  if (accept_kw(p, "DISTINCT")) call->flags |= SQL_F(DISTINCT);
  else accept_kw(p, "ALL");
  if (!is_op(cur(p), ")") && !docs_call_args(p, call)) { /* docs_grammar.h: TRIM(... FROM s) and the like */
    bool sep;
    do {
      if (call->text && (!strcmp(call->text, "JSON_OBJECT") || !strcmp(call->text, "JSON_OBJECTAGG")) && is_kw(cur(p), "KEY")) advance(p);
      const sql_token *t = cur(p);
      if (is_op(t, "*") && (is_op(peek(p, 1), ")") || is_op(peek(p, 1), ","))) {
        advance(p);
        add(p, call, node_at(p, SQL_STAR, t, NULL));
      } else if (is_kw(t, "TABLE")) {
        advance(p);
        add(p, call, table_arg(p, t));
      } else if (is_kw(t, "DESCRIPTOR")) {
        advance(p);
        sql_node *d = ident_list(p, SQL_DESCRIPTOR, "a column name");
        d->line = t->line, d->col = t->col;
        add(p, call, d);
      } else if ((is_ident(t) || t->kind == SQL_TOK_WORD) && is_op(peek(p, 1), "=>")) { /* any word: OFFSET => */
        advance(p);
        sql_node *id = node_at(p, SQL_ID, t, t->text);
        if (t->kind == SQL_TOK_QUOTED) id->flags |= SQL_F(QUOTED);
        advance(p);
        const sql_token *v = cur(p);
        sql_node *val;
        if (is_kw(v, "TABLE") || is_kw(v, "DESCRIPTOR")) { /* reuse the positional forms */
          if (is_kw(v, "TABLE")) {
            advance(p);
            val = table_arg(p, v);
          } else {
            advance(p);
            val = ident_list(p, SQL_DESCRIPTOR, "a column name");
          }
        } else {
          val = parse_expr(p);
        }
        add(p, call, wrap(p, SQL_NAMED_ARG, t, NULL, id, val));
      } else {
        add(p, call, parse_expr(p));
      }
      /* OVERLAY(s PLACING r FROM n [FOR m]): the keywords separate positional arguments */
      sep = json_clauses(p, call) || (call->text && !strcmp(call->text, "OVERLAY") && (accept_kw(p, "PLACING") || accept_kw(p, "FROM") || accept_kw(p, "FOR")));
    } while (sep || accept_op(p, ","));
  }
  expect_op(p, ")");
  if (is_kw(cur(p), "FILTER")) {
    const sql_token *t = advance(p);
    expect_op(p, "(");
    expect_kw(p, "WHERE");
    add(p, call, wrap(p, SQL_FILTER, t, NULL, parse_expr(p), NULL));
    expect_op(p, ")");
  }
  if (is_kw(cur(p), "WITHIN")) unsupported(p, cur(p), "WITHIN GROUP");
  if (accept_kw(p, "OVER")) add(p, call, window_spec(p));
  return call;
}

static sql_node *case_expr(parser *p, const sql_token *t) {
  sql_node *n = node_at(p, SQL_CASE, t, NULL);
  if (!is_kw(cur(p), "WHEN")) add(p, n, parse_expr(p));
  if (!is_kw(cur(p), "WHEN")) expected(p, "WHEN");
  while (is_kw(cur(p), "WHEN")) {
    const sql_token *w = advance(p);
    sql_node *c = parse_expr(p);
    expect_kw(p, "THEN");
    add(p, n, wrap(p, SQL_WHEN, w, NULL, c, parse_expr(p)));
  }
  if (is_kw(cur(p), "ELSE")) {
    const sql_token *e = advance(p);
    add(p, n, wrap(p, SQL_ELSE, e, NULL, parse_expr(p), NULL));
  }
  expect_kw(p, "END");
  return n;
}

static sql_node *interval_literal(parser *p, const sql_token *t) {
  const sql_token *v = cur(p);
  sql_node *val;
  if (v->kind == SQL_TOK_STRING) val = node_at(p, SQL_STRING, v, v->text);
  else if (v->kind == SQL_TOK_NUMBER) val = node_at(p, SQL_NUMBER, v, v->text);
  else expected(p, "a string or number after INTERVAL");
  advance(p);
  const char *units = interval_units(p, 0);
  return wrap(p, SQL_INTERVAL, t, units, val, NULL);
}

static sql_node *primary(parser *p) {
  const sql_token *t = cur(p);
  switch (t->kind) {
  case SQL_TOK_NUMBER: advance(p); return node_at(p, SQL_NUMBER, t, t->text);
  case SQL_TOK_STRING: advance(p); return node_at(p, SQL_STRING, t, t->text);
  case SQL_TOK_QUOTED: {
    sql_node *id = ident(p, "an expression");
    if (is_op(cur(p), "(")) {
      sql_node *call = node_at(p, SQL_CALL, t, t->text);
      return call_args(p, call);
    }
    return id;
  }
  case SQL_TOK_OP:
    if (is_op(t, "(")) {
      if (query_starts(p, 1)) return subquery(p);
      advance(p);
      sql_node *e = parse_expr(p);
      if (is_op(cur(p), ",")) { /* a row constructor (a, b) */
        sql_node *r = wrap(p, SQL_ROW, t, NULL, e, NULL);
        while (accept_op(p, ",")) add(p, r, parse_expr(p));
        e = r;
      }
      expect_op(p, ")");
      return e;
    }
    expected(p, "an expression");
  case SQL_TOK_EOF: expected(p, "an expression");
  case SQL_TOK_WORD: break;
  }
  if (is_kw(t, "TRUE") || is_kw(t, "FALSE") || is_kw(t, "NULL") || is_kw(t, "UNKNOWN")) {
    advance(p);
    return node_at(p, SQL_KEYWORD, t, upper(p, t->text));
  }
  if (is_kw(t, "CASE")) {
    advance(p);
    return case_expr(p, t);
  }
  if (is_kw(t, "CAST") || is_kw(t, "TRY_CAST")) {
    advance(p);
    sql_node *n = node_at(p, SQL_CAST, t, NULL);
    if (is_kw(t, "TRY_CAST")) n->flags |= SQL_F(TRY);
    expect_op(p, "(");
    add(p, n, parse_expr(p));
    expect_kw(p, "AS");
    add(p, n, parse_type(p));
    expect_op(p, ")");
    return n;
  }
  if (is_kw(t, "EXISTS")) {
    advance(p);
    if (!is_op(cur(p), "(") || !query_starts(p, 1)) expected(p, "'(' and a query after EXISTS");
    return wrap(p, SQL_OP, t, "exists", subquery(p), NULL);
  }
  if (is_kw(t, "INTERVAL")) {
    advance(p);
    return interval_literal(p, t);
  }
  if ((is_kw(t, "ARRAY") || is_kw(t, "MAP")) && is_op(peek(p, 1), "[")) { /* constructors: a call ARRAY(...) / MAP(...) */
    advance(p), advance(p);
    sql_node *n = node_at(p, SQL_CALL, t, is_kw(t, "ARRAY") ? "ARRAY" : "MAP");
    if (!is_op(cur(p), "]")) do add(p, n, parse_expr(p));
      while (accept_op(p, ","));
    expect_op(p, "]");
    return n;
  }
  if (is_kw(t, "X") && peek(p, 1)->kind == SQL_TOK_STRING && peek(p, 1)->line == t->line && peek(p, 1)->col == t->col + 1) {
    advance(p); /* X'0a1b': a binary literal, the quote right after the X */
    const sql_token *s = advance(p);
    return wrap(p, SQL_TYPED_LITERAL, t, "X", node_at(p, SQL_STRING, s, s->text), NULL);
  }
  if ((is_kw(t, "DATE") || is_kw(t, "TIME") || is_kw(t, "TIMESTAMP") || is_kw(t, "TIMESTAMP_LTZ")) &&
      peek(p, 1)->kind == SQL_TOK_STRING) {
    advance(p);
    const sql_token *s = advance(p);
    return wrap(p, SQL_TYPED_LITERAL, t, upper(p, t->text), node_at(p, SQL_STRING, s, s->text), NULL);
  }
  if (is_kw(t, "EXTRACT") && is_op(peek(p, 1), "(")) {
    advance(p), advance(p);
    sql_node *n = node_at(p, SQL_CALL, t, "EXTRACT");
    const sql_token *u = cur(p);
    static const char *const extra[] = {"MILLISECOND", "MICROSECOND", "QUARTER", "WEEK", "DOW", "DOY", "EPOCH",
                                        "CENTURY", "DECADE", "MILLENNIUM", "NANOSECOND", "ISODOW", "ISOYEAR"};
    const char *unit = time_unit(p, 0);
    for (size_t i = 0; !unit && i < sizeof extra / sizeof *extra; i++)
      if (is_kw(u, extra[i])) unit = extra[i], advance(p);
    if (!unit) expected(p, "a time unit");
    add(p, n, node_at(p, SQL_KEYWORD, u, unit));
    expect_kw(p, "FROM");
    add(p, n, parse_expr(p));
    expect_op(p, ")");
    return n;
  }
  if (is_kw(t, "MATCH_RECOGNIZE")) unsupported(p, t, "MATCH_RECOGNIZE");
  /* a function call; LEFT and RIGHT are reserved but also string functions */
  if (is_op(peek(p, 1), "(") && (!is_reserved(t->text) || is_kw(t, "LEFT") || is_kw(t, "RIGHT"))) {
    advance(p);
    return call_args(p, node_at(p, SQL_CALL, t, upper(p, t->text)));
  }
  if (is_reserved(t->text)) expected(p, "an expression");
  return ident(p, "an expression");
}

static sql_node *cat_qualified_call(parser *p, sql_node *e); /* catalog_grammar.h */

static sql_node *postfix(parser *p) {
  sql_node *e = primary(p);
  for (int levels = 0;; deepen(p, &levels)) {
    const sql_token *t = cur(p);
    if (is_op(t, ".")) {
      advance(p);
      const sql_token *f = cur(p);
      if (is_op(f, "*")) {
        advance(p);
        e = wrap(p, SQL_STAR, t, NULL, e, NULL);
        break; /* nothing follows t.* */
      }
      if (f->kind != SQL_TOK_WORD && f->kind != SQL_TOK_QUOTED) expected(p, "a field name");
      advance(p);
      e = wrap(p, SQL_FIELD, t, f->text, e, NULL);
      if (f->kind == SQL_TOK_QUOTED) e->flags |= SQL_F(QUOTED);
      if (is_op(cur(p), "(")) e = cat_qualified_call(p, e); /* db.f(x), c.db.f(x) */
    } else if (is_op(t, "[")) {
      advance(p);
      e = wrap(p, SQL_INDEX, t, NULL, e, parse_expr(p));
      expect_op(p, "]");
    } else {
      p->depth -= levels;
      break;
    }
  }
  return e;
}

static sql_node *unary(parser *p) {
  const sql_token *t = cur(p);
  if (is_op(t, "-") || is_op(t, "+")) {
    advance(p);
    enter(p);
    sql_node *e = unary(p);
    leave(p);
    if (is_op(t, "+")) return e;
    if (e->kind == SQL_NUMBER && e->text[0] != '-') { /* fold -1 into the literal */
      char *s = alloc(p, strlen(e->text) + 2);
      s[0] = '-';
      strcpy(s + 1, e->text);
      e->text = s;
      e->line = t->line, e->col = t->col;
      return e;
    }
    return wrap(p, SQL_OP, t, "neg", e, NULL);
  }
  return postfix(p);
}

static sql_node *multiplicative(parser *p) {
  sql_node *e = unary(p);
  for (int levels = 0;;) {
    const sql_token *t = cur(p);
    if (!is_op(t, "*") && !is_op(t, "/") && !is_op(t, "%") && !is_op(t, "||")) {
      p->depth -= levels;
      return e;
    }
    deepen(p, &levels);
    advance(p);
    e = wrap(p, SQL_OP, t, t->text, e, unary(p));
  }
}

static sql_node *parse_additive(parser *p) {
  sql_node *e = multiplicative(p);
  for (int levels = 0;;) {
    const sql_token *t = cur(p);
    if (!is_op(t, "+") && !is_op(t, "-")) {
      p->depth -= levels;
      return e;
    }
    deepen(p, &levels);
    advance(p);
    e = wrap(p, SQL_OP, t, t->text, e, multiplicative(p));
  }
}

static sql_node *predicate(parser *p) {
  sql_node *e = parse_additive(p);
  for (int levels = 0;; deepen(p, &levels)) {
    const sql_token *t = cur(p);
    if (t->kind == SQL_TOK_OP && (!strcmp(t->text, "=") || !strcmp(t->text, "<>") || !strcmp(t->text, "!=") ||
                                  !strcmp(t->text, "<") || !strcmp(t->text, ">") || !strcmp(t->text, "<=") ||
                                  !strcmp(t->text, ">="))) {
      advance(p);
      e = wrap(p, SQL_OP, t, !strcmp(t->text, "!=") ? "<>" : t->text, e, parse_additive(p));
      continue;
    }
    if (is_kw(t, "IS")) {
      advance(p);
      int neg = accept_kw(p, "NOT");
      const char *what;
      if (accept_kw(p, "NULL")) what = neg ? "is-not-null" : "is-null";
      else if (accept_kw(p, "TRUE")) what = neg ? "is-not-true" : "is-true";
      else if (accept_kw(p, "FALSE")) what = neg ? "is-not-false" : "is-false";
      else if (accept_kw(p, "UNKNOWN")) what = neg ? "is-not-null" : "is-null";
      else if (accept_kw(p, "JSON")) { /* IS [NOT] JSON [VALUE|SCALAR|ARRAY|OBJECT]: fn_json.c's IS_JSON(e, kind) */
        const char *kind = accept_kw(p, "SCALAR") ? "SCALAR" : accept_kw(p, "ARRAY") ? "ARRAY" : accept_kw(p, "OBJECT") ? "OBJECT" : "VALUE";
        accept_kw(p, "VALUE");
        sql_node *call = node_at(p, SQL_CALL, t, "IS_JSON");
        add(p, call, e);
        e = add(p, call, node_at(p, SQL_STRING, t, neg ? (kind[0] == 'S' ? "NOT SCALAR" : kind[0] == 'A' ? "NOT ARRAY" : kind[0] == 'O' ? "NOT OBJECT" : "NOT VALUE") : kind));
        continue;
      }
      else if (accept_kw(p, "DISTINCT")) {
        expect_kw(p, "FROM");
        e = wrap(p, SQL_OP, t, neg ? "is-not-distinct-from" : "is-distinct-from", e, parse_additive(p));
        continue;
      } else expected(p, "NULL, TRUE, FALSE or DISTINCT FROM");
      e = wrap(p, SQL_OP, t, what, e, NULL);
      continue;
    }
    int neg = 0;
    if (is_kw(t, "NOT") && (is_kw(peek(p, 1), "BETWEEN") || is_kw(peek(p, 1), "IN") || is_kw(peek(p, 1), "LIKE") ||
                            is_kw(peek(p, 1), "SIMILAR"))) {
      advance(p);
      neg = 1;
    }
    const sql_token *k = cur(p);
    if (accept_kw(p, "BETWEEN")) {
      bool sym = !accept_kw(p, "ASYMMETRIC") && accept_kw(p, "SYMMETRIC");
      sql_node *x = e, *lo = parse_additive(p);
      expect_kw(p, "AND");
      sql_node *hi = parse_additive(p);
      e = add(p, wrap(p, SQL_OP, t, neg ? "not-between" : "between", x, lo), hi);
      if (sym) /* the bounds in either order: (x BETWEEN lo AND hi) OR (x BETWEEN hi AND lo); NOT: AND of NOTs */
        e = wrap(p, SQL_OP, t, neg ? "and" : "or", e, add(p, wrap(p, SQL_OP, t, neg ? "not-between" : "between", x, hi), lo));
    } else if (accept_kw(p, "IN")) {
      sql_node *in = wrap(p, SQL_OP, t, neg ? "not-in" : "in", e, NULL);
      if (!is_op(cur(p), "(")) expected(p, "'(' after IN");
      if (query_starts(p, 1)) {
        add(p, in, subquery(p));
      } else {
        advance(p);
        do add(p, in, parse_expr(p));
        while (accept_op(p, ","));
        expect_op(p, ")");
      }
      e = in;
    } else if (accept_kw(p, "LIKE")) {
      e = wrap(p, SQL_OP, t, neg ? "not-like" : "like", e, parse_additive(p));
      if (accept_kw(p, "ESCAPE")) add(p, e, string(p, "an escape string"));
    } else if (!neg && accept_kw(p, "OVERLAPS")) { /* (s, e) OVERLAPS (s, e): fid_overlaps.c */
      e = wrap(p, SQL_OP, t, "overlaps", e, parse_additive(p));
    } else if (accept_kw(p, "SIMILAR")) { /* a call of fn_regex.c's "SIMILAR TO" */
      expect_kw(p, "TO");
      sql_node *call = node_at(p, SQL_CALL, k, "SIMILAR TO");
      add(p, call, e);
      add(p, call, parse_additive(p));
      if (accept_kw(p, "ESCAPE")) add(p, call, string(p, "an escape string"));
      e = neg ? wrap(p, SQL_OP, t, "not", call, NULL) : call;
    } else {
      p->depth -= levels;
      return e;
    }
  }
}

static sql_node *not_expr(parser *p) {
  const sql_token *t = cur(p);
  if (is_kw(t, "NOT")) {
    advance(p);
    enter(p);
    sql_node *e = not_expr(p);
    leave(p);
    return wrap(p, SQL_OP, t, "not", e, NULL);
  }
  return predicate(p);
}

static sql_node *and_expr(parser *p) {
  sql_node *e = not_expr(p);
  int levels = 0;
  while (is_kw(cur(p), "AND")) {
    deepen(p, &levels);
    const sql_token *t = advance(p);
    e = wrap(p, SQL_OP, t, "and", e, not_expr(p));
  }
  p->depth -= levels;
  return e;
}

static sql_node *parse_expr(parser *p) {
  enter(p);
  sql_node *e = and_expr(p);
  int levels = 0;
  while (is_kw(cur(p), "OR")) {
    deepen(p, &levels);
    const sql_token *t = advance(p);
    e = wrap(p, SQL_OP, t, "or", e, and_expr(p));
  }
  p->depth -= levels;
  leave(p);
  return e;
}

/* ---- queries ---- */

static sql_node *table_ref(parser *p);

#include "hint_grammar.h"

static sql_node *alias(parser *p, sql_node *target, int allow_columns) {
  const sql_token *t = cur(p);
  int as = accept_kw(p, "AS");
  if (!as && !is_ident(t)) return target;
  sql_node *n = wrap(p, SQL_AS, t, NULL, target, ident(p, "an alias"));
  if (allow_columns && is_op(cur(p), "(")) add(p, n, ident_list(p, SQL_COLUMN_LIST, "a column name"));
  return n;
}

static sql_node *table_primary(parser *p) {
  enter(p);
  const sql_token *t = cur(p);
  sql_node *ref;
  if (is_op(t, "(")) {
    if (query_starts(p, 1) || is_op(peek(p, 1), "(")) {
      ref = subquery(p);
    } else {
      advance(p);
      ref = table_ref(p);
      expect_op(p, ")");
      leave(p);
      return ref;
    }
  } else if (is_kw(t, "TABLE")) {
    advance(p);
    expect_op(p, "(");
    const sql_token *c = cur(p);
    sql_node *call = parse_expr(p);
    if (call->kind != SQL_CALL) fail_at(p, c, "expected a table function call such as TUMBLE(...)");
    expect_op(p, ")");
    ref = wrap(p, SQL_TABLE_FUNCTION, t, NULL, call, NULL);
  } else if (unnest_starts(p)) {
    ref = unnest_ref(p); /* unnest_grammar.h */
  } else if (is_kw(t, "VALUES")) {
    ref = wrap(p, SQL_SUBQUERY, t, NULL, parse_query(p), NULL);
  } else {
    ref = name(p, "a table name");
    if (hint_starts(p)) ref = wrap(p, SQL_HINTED, t, NULL, ref, hints(p)); /* hint_grammar.h */
    if (is_kw(cur(p), "FOR")) {
      const sql_token *f = advance(p);
      expect_kw(p, "SYSTEM_TIME");
      expect_kw(p, "AS");
      expect_kw(p, "OF");
      ref = wrap(p, SQL_SYSTEM_TIME, f, NULL, ref, parse_additive(p));
    }
  }
  if (is_kw(cur(p), "MATCH_RECOGNIZE")) ref = match_clause(p, ref); /* match_grammar.h */
  ref = alias(p, ref, 1);
  leave(p);
  return ref;
}

static sql_node *joined(parser *p) {
  sql_node *l = table_primary(p);
  for (int levels = 0;; deepen(p, &levels)) {
    const sql_token *nat = cur(p);
    bool natural = accept_kw(p, "NATURAL");
    const sql_token *t = cur(p);
    const char *kind = NULL;
    if (accept_kw(p, "JOIN")) kind = "inner";
    else if (accept_kw(p, "INNER")) kind = "inner";
    else if (accept_kw(p, "LEFT")) kind = "left";
    else if (accept_kw(p, "RIGHT")) kind = "right";
    else if (accept_kw(p, "FULL")) kind = "full";
    else if (accept_kw(p, "CROSS")) kind = "cross";
    else {
      if (natural) expected(p, "JOIN after NATURAL");
      p->depth -= levels;
      return l;
    }
    if (natural && !strcmp(kind, "cross")) expected(p, "JOIN after NATURAL");
    if (!is_kw(t, "JOIN")) {
      if (strcmp(kind, "inner") && strcmp(kind, "cross")) accept_kw(p, "OUTER");
      expect_kw(p, "JOIN");
    }
    sql_node *j = wrap(p, SQL_JOIN, natural ? nat : t, kind, l, table_primary(p));
    if (natural) j->flags |= SQL_F(NATURAL); /* the columns of the same name: the binder's USING */
    else if (strcmp(kind, "cross")) {
      const sql_token *o = cur(p);
      if (accept_kw(p, "ON")) add(p, j, wrap(p, SQL_ON, o, NULL, parse_expr(p), NULL));
      else if (is_kw(o, "USING")) {
        advance(p);
        sql_node *u = ident_list(p, SQL_USING, "a column name");
        u->line = o->line, u->col = o->col;
        add(p, j, u);
      } else expected(p, "ON or USING");
    }
    l = j;
  }
}

static sql_node *table_ref(parser *p) {
  sql_node *l = joined(p);
  int levels = 0;
  while (is_op(cur(p), ",")) {
    deepen(p, &levels);
    const sql_token *t = advance(p);
    l = wrap(p, SQL_JOIN, t, "cross", l, joined(p));
  }
  p->depth -= levels;
  return l;
}

static sql_node *select_items(parser *p) {
  sql_node *n = node(p, SQL_ITEMS, NULL);
  do {
    const sql_token *t = cur(p);
    if (accept_op(p, "*")) {
      add(p, n, node_at(p, SQL_STAR, t, NULL));
      continue;
    }
    sql_node *e = parse_expr(p);
    add(p, n, e->kind == SQL_STAR ? e : alias(p, e, 0));
  } while (accept_op(p, ","));
  return n;
}

static sql_node *clause(parser *p, sql_kind k, const sql_token *t, sql_node *e) { return wrap(p, k, t, NULL, e, NULL); }

static sql_node *select_body(parser *p) {
  const sql_token *t = advance(p); /* SELECT */
  sql_node *s = node_at(p, SQL_SELECT, t, NULL);
  sql_node *h = hint_starts(p) ? hints(p) : NULL; /* query hints: after the other clauses */
  if (accept_kw(p, "DISTINCT")) s->flags |= SQL_F(DISTINCT);
  else accept_kw(p, "ALL");
  add(p, s, select_items(p));
  const sql_token *c = cur(p);
  if (accept_kw(p, "FROM")) add(p, s, clause(p, SQL_FROM, c, table_ref(p)));
  c = cur(p);
  if (accept_kw(p, "WHERE")) add(p, s, clause(p, SQL_WHERE, c, parse_expr(p)));
  c = cur(p);
  if (accept_kw(p, "GROUP")) {
    expect_kw(p, "BY");
    sql_node *g = node_at(p, SQL_GROUP_BY, c, NULL);
    do {
      if (is_op(cur(p), "(") && is_op(peek(p, 1), ")")) { /* (): the empty grouping set, a global aggregate */
        advance(p), advance(p);
        continue;
      }
      add(p, g, gsets_starts(p) ? gsets_item(p) : parse_expr(p)); /* groupsets_grammar.h */
    } while (accept_op(p, ","));
    add(p, s, g);
  }
  c = cur(p);
  if (accept_kw(p, "HAVING")) add(p, s, clause(p, SQL_HAVING, c, parse_expr(p)));
  sql_node *defs = NULL;
  if (accept_kw(p, "WINDOW")) {
    defs = node(p, SQL_AS, NULL);
    do {
      const sql_token *w = cur(p);
      sql_node *name = ident(p, "a window name");
      expect_kw(p, "AS");
      add(p, defs, wrap(p, SQL_AS, w, name->text, window_spec(p), NULL));
      if (defs->kids[defs->nkids - 1]->kids[0]->text) unsupported(p, w, "a window defined by another window's name");
    } while (accept_op(p, ","));
  }
  if (!sql_named_windows(s, defs, p->err, p->errlen)) longjmp(p->jb, 1);
  return add(p, s, h);
}

static sql_node *query_term(parser *p) {
  const sql_token *t = cur(p);
  if (is_kw(t, "SELECT")) return select_body(p);
  if (is_kw(t, "VALUES")) {
    advance(p);
    sql_node *v = node_at(p, SQL_VALUES, t, NULL);
    do {
      const sql_token *r = cur(p);
      expect_op(p, "(");
      sql_node *row = node_at(p, SQL_ROW, r, NULL);
      do add(p, row, parse_expr(p));
      while (accept_op(p, ","));
      expect_op(p, ")");
      add(p, v, row);
    } while (accept_op(p, ","));
    return v;
  }
  if (is_op(t, "(")) {
    advance(p);
    sql_node *q = parse_query(p);
    expect_op(p, ")");
    return q;
  }
  expected(p, "SELECT, VALUES or '('");
}

static unsigned set_quantifier(parser *p) {
  if (accept_kw(p, "ALL")) return SQL_F(ALL);
  accept_kw(p, "DISTINCT");
  return 0;
}

/* INTERSECT binds tighter than UNION and EXCEPT, as in standard SQL. */
static sql_node *intersect_term(parser *p) {
  sql_node *q = query_term(p);
  int levels = 0;
  while (is_kw(cur(p), "INTERSECT")) {
    deepen(p, &levels);
    const sql_token *o = advance(p);
    q = wrap(p, SQL_SETOP, o, "intersect", q, NULL);
    q->flags = set_quantifier(p);
    add(p, q, query_term(p));
  }
  p->depth -= levels;
  return q;
}

static sql_node *parse_query(parser *p) {
  enter(p);
  const sql_token *t = cur(p);
  if (accept_kw(p, "WITH")) {
    sql_node *w = node_at(p, SQL_WITH, t, NULL);
    do {
      const sql_token *c = cur(p);
      sql_node *cte = node_at(p, SQL_CTE, c, NULL);
      add(p, cte, ident(p, "a query name"));
      if (is_op(cur(p), "(")) add(p, cte, ident_list(p, SQL_COLUMN_LIST, "a column name"));
      expect_kw(p, "AS");
      expect_op(p, "(");
      add(p, cte, parse_query(p));
      expect_op(p, ")");
      add(p, w, cte);
    } while (accept_op(p, ","));
    add(p, w, parse_query(p));
    leave(p);
    return w;
  }
  sql_node *q = intersect_term(p);
  int levels = 0;
  for (;;) {
    const sql_token *o = cur(p);
    const char *op = is_kw(o, "UNION") ? "union" : is_kw(o, "EXCEPT") ? "except" : NULL;
    if (!op) break;
    deepen(p, &levels);
    advance(p);
    q = wrap(p, SQL_SETOP, o, op, q, NULL);
    q->flags = set_quantifier(p);
    add(p, q, intersect_term(p));
  }
  sql_node *tail[3] = {NULL, NULL, NULL};
  const sql_token *c = cur(p);
  if (accept_kw(p, "ORDER")) {
    expect_kw(p, "BY");
    tail[0] = sort_list(p, SQL_ORDER_BY);
    tail[0]->line = c->line, tail[0]->col = c->col;
  }
  c = cur(p);
  if (accept_kw(p, "LIMIT")) {
    if (is_kw(cur(p), "ALL")) advance(p);
    else tail[1] = clause(p, SQL_LIMIT, c, parse_additive(p));
  }
  c = cur(p);
  if (accept_kw(p, "OFFSET")) {
    tail[2] = clause(p, SQL_OFFSET, c, parse_additive(p));
    if (accept_kw(p, "ROWS") || accept_kw(p, "ROW")) {
    }
  }
  if (is_kw(cur(p), "FETCH")) unsupported(p, cur(p), "FETCH FIRST (use LIMIT)");
  if (tail[0] || tail[1] || tail[2]) {
    int plain = q->kind == SQL_SELECT;
    for (int i = 0; plain && i < q->nkids; i++)
      if (q->kids[i]->kind == SQL_ORDER_BY || q->kids[i]->kind == SQL_LIMIT || q->kids[i]->kind == SQL_OFFSET) plain = 0;
    if (!plain) q = wrap(p, SQL_QUERY, t, NULL, q, NULL);
    for (int i = 0; i < 3; i++) add(p, q, tail[i]);
  }
  p->depth -= levels;
  leave(p);
  return q;
}

/* ---- statements ---- */

static sql_node *parse_statement(parser *p);

static sql_node *with_options(parser *p) {
  const sql_token *t = cur(p);
  sql_node *w = node_at(p, SQL_WITH_OPTIONS, t, NULL);
  expect_op(p, "(");
  if (!is_op(cur(p), ")")) {
    do {
      const sql_token *o = cur(p);
      sql_node *k = string(p, "an option key string");
      expect_op(p, "=");
      add(p, w, wrap(p, SQL_OPTION, o, NULL, k, string(p, "an option value string")));
    } while (accept_op(p, ","));
  }
  expect_op(p, ")");
  return w;
}

static sql_node *comment(parser *p) {
  const sql_token *t = cur(p);
  if (!accept_kw(p, "COMMENT")) return NULL;
  return wrap(p, SQL_COMMENT, t, NULL, string(p, "a comment string"), NULL);
}

static sql_node *table_element(parser *p) {
  const sql_token *t = cur(p);
  if (is_kw(t, "WATERMARK") && is_kw(peek(p, 1), "FOR")) {
    advance(p), advance(p);
    sql_node *w = node_at(p, SQL_WATERMARK, t, NULL);
    add(p, w, ident(p, "a column name"));
    expect_kw(p, "AS");
    add(p, w, parse_expr(p));
    return w;
  }
  if (is_kw(t, "CONSTRAINT")) {
    advance(p);
    ident(p, "a constraint name");
    if (!is_kw(cur(p), "PRIMARY")) expected(p, "PRIMARY KEY");
  }
  if (is_kw(cur(p), "PRIMARY") && is_kw(peek(p, 1), "KEY")) {
    advance(p), advance(p);
    sql_node *k = ident_list(p, SQL_PRIMARY_KEY, "a column name");
    k->line = t->line, k->col = t->col;
    expect_kw(p, "NOT");
    expect_kw(p, "ENFORCED");
    return k;
  }
  if (is_kw(cur(p), "UNIQUE") || is_kw(cur(p), "CHECK") || is_kw(cur(p), "FOREIGN"))
    unsupported(p, cur(p), "constraints other than PRIMARY KEY");
  sql_node *col = ident(p, "a column name, WATERMARK or PRIMARY KEY");
  if (accept_kw(p, "AS")) {
    sql_node *c = wrap(p, SQL_COMPUTED, t, NULL, col, parse_expr(p));
    return add(p, c, comment(p));
  }
  sql_node *type = parse_type(p);
  if (accept_kw(p, "METADATA")) {
    sql_node *m = wrap(p, SQL_METADATA, t, NULL, col, type);
    if (accept_kw(p, "FROM")) add(p, m, string(p, "a metadata key string"));
    if (accept_kw(p, "VIRTUAL")) m->flags |= SQL_F(VIRTUAL);
    return add(p, m, comment(p));
  }
  sql_node *c = wrap(p, SQL_COLUMN, t, NULL, col, type);
  if (is_kw(cur(p), "CONSTRAINT")) {
    advance(p);
    ident(p, "a constraint name");
  }
  if (accept_kw(p, "PRIMARY")) {
    expect_kw(p, "KEY");
    expect_kw(p, "NOT");
    expect_kw(p, "ENFORCED");
    c->flags |= SQL_F(PRIMARY_KEY);
  }
  return add(p, c, comment(p));
}

#include "catalog_grammar.h"

static sql_node *create_table(parser *p, sql_node *n) {
  add(p, n, name(p, "a table name"));
  const sql_token *t = cur(p);
  /* CREATE TABLE t [WITH (...)] LIKE s, or CTAS: CREATE TABLE t [WITH (...)] AS query */
  bool bare = is_kw(t, "LIKE") || is_kw(t, "WITH") || is_kw(t, "AS");
  sql_node *cols = node(p, SQL_COLUMNS, NULL);
  if (!bare) {
    expect_op(p, "(");
    do add(p, cols, table_element(p));
    while (accept_op(p, ","));
    expect_op(p, ")");
  }
  add(p, n, cols);
  add(p, n, comment(p));
  const sql_token *pt = cur(p);
  if (accept_kw(p, "PARTITIONED")) {
    expect_kw(p, "BY");
    sql_node *pb = ident_list(p, SQL_PARTITIONED_BY, "a column name");
    pb->line = pt->line, pb->col = pt->col;
    add(p, n, pb);
  }
  if (accept_kw(p, "WITH")) add(p, n, with_options(p));
  bool like = is_kw(cur(p), "LIKE");
  if (like) add(p, n, cat_like_clause(p));
  else if (bare && !is_kw(cur(p), "AS"))
    expected(p, n->flags & (SQL_F(REPLACE) | SQL_F(OR_REPLACE)) ? "AS and a query (REPLACE TABLE is REPLACE TABLE ... AS SELECT)"
                                                                : "LIKE, AS, or a column list");
  if (!like && is_kw(cur(p), "AS")) { /* the query's node follows the table's: session.c's CTAS */
    const sql_token *as = advance(p);
    add(p, n, wrap(p, SQL_SUBQUERY, as, NULL, parse_query(p), NULL));
  } else if (n->flags & (SQL_F(REPLACE) | SQL_F(OR_REPLACE)))
    expected(p, "AS and a query (REPLACE TABLE is REPLACE TABLE ... AS SELECT)");
  return n;
}

static unsigned if_not_exists(parser *p) {
  if (!is_kw(cur(p), "IF")) return 0;
  advance(p);
  expect_kw(p, "NOT");
  expect_kw(p, "EXISTS");
  return SQL_F(IF_NOT_EXISTS);
}

static unsigned if_exists(parser *p) {
  if (!is_kw(cur(p), "IF")) return 0;
  advance(p);
  expect_kw(p, "EXISTS");
  return SQL_F(IF_EXISTS);
}

static sql_node *create(parser *p, const sql_token *t) {
  unsigned flags = 0;
  if (is_kw(t, "REPLACE")) flags |= SQL_F(REPLACE); /* [CREATE OR] REPLACE [TEMPORARY] TABLE ... AS query */
  else if (accept_kw(p, "OR")) {
    expect_kw(p, "REPLACE");
    flags |= SQL_F(OR_REPLACE);
  }
  if (accept_kw(p, "TEMPORARY")) flags |= SQL_F(TEMPORARY);
  if (accept_kw(p, "SYSTEM")) flags |= SQL_F(SYSTEM);
  const sql_token *what = cur(p);
  sql_node *n;
  if (accept_kw(p, "TABLE")) {
    n = node_at(p, SQL_CREATE_TABLE, t, NULL);
    n->flags = flags | if_not_exists(p);
    return create_table(p, n);
  }
  if (flags & (SQL_F(REPLACE) | SQL_F(OR_REPLACE))) expected(p, "TABLE");
  if (accept_kw(p, "VIEW")) {
    n = node_at(p, SQL_CREATE_VIEW, t, NULL);
    n->flags = flags | if_not_exists(p);
    add(p, n, name(p, "a view name"));
    if (is_op(cur(p), "(")) add(p, n, ident_list(p, SQL_COLUMN_LIST, "a column name"));
    add(p, n, comment(p));
    expect_kw(p, "AS");
    return add(p, n, parse_query(p));
  }
  if (accept_kw(p, "FUNCTION")) {
    n = node_at(p, SQL_CREATE_FUNCTION, t, NULL);
    n->flags = flags | if_not_exists(p);
    add(p, n, name(p, "a function name"));
    expect_kw(p, "AS");
    add(p, n, string(p, "a function identifier string"));
    if (accept_kw(p, "LANGUAGE")) add(p, n, ident(p, "a language"));
    if (is_kw(cur(p), "USING")) unsupported(p, cur(p), "CREATE FUNCTION ... USING JAR");
    return n;
  }
  if (is_kw(what, "CATALOG") || is_kw(what, "DATABASE")) return cat_create(p, t, flags);
  expected(p, "TABLE, VIEW or FUNCTION");
}

static sql_node *drop(parser *p, const sql_token *t) {
  unsigned flags = 0;
  if (accept_kw(p, "TEMPORARY")) flags |= SQL_F(TEMPORARY);
  if (accept_kw(p, "SYSTEM")) flags |= SQL_F(SYSTEM);
  sql_kind k;
  const sql_token *what = cur(p);
  if (accept_kw(p, "TABLE")) k = SQL_DROP_TABLE;
  else if (accept_kw(p, "VIEW")) k = SQL_DROP_VIEW;
  else if (accept_kw(p, "FUNCTION")) k = SQL_DROP_FUNCTION;
  else if (is_kw(what, "CATALOG") || is_kw(what, "DATABASE")) return cat_drop(p, t);
  else expected(p, "TABLE, VIEW or FUNCTION");
  sql_node *n = node_at(p, k, t, NULL);
  n->flags = flags | if_exists(p);
  return add(p, n, name(p, k == SQL_DROP_TABLE ? "a table name" : k == SQL_DROP_VIEW ? "a view name" : "a function name"));
}

static sql_node *insert(parser *p) {
  const sql_token *t = advance(p); /* INSERT */
  sql_node *n = node_at(p, SQL_INSERT, t, NULL);
  if (accept_kw(p, "OVERWRITE")) n->flags |= SQL_F(OVERWRITE);
  else expect_kw(p, "INTO");
  add(p, n, name(p, "a table name"));
  if (hint_starts(p)) add(p, n, hints(p));
  if (is_kw(cur(p), "PARTITION")) { /* static partition values (insert_partition.c) */
    sql_node *spec = node_at(p, SQL_PARTITION_SPEC, advance(p), NULL);
    expect_op(p, "(");
    do {
      sql_node *k = ident(p, "a partition column");
      const sql_token *eq = cur(p);
      expect_op(p, "=");
      sql_node *kv = node_at(p, SQL_OP, eq, "=");
      add(p, kv, k);
      add(p, spec, add(p, kv, parse_expr(p)));
    } while (accept_op(p, ","));
    expect_op(p, ")");
    add(p, n, spec);
  }
  if (is_op(cur(p), "(") && !query_starts(p, 1)) add(p, n, ident_list(p, SQL_COLUMN_LIST, "a column name"));
  return add(p, n, parse_query(p));
}

/* BEGIN STATEMENT SET; INSERT ...; ... END  or  EXECUTE STATEMENT SET BEGIN ... END */
static sql_node *statement_set(parser *p, const sql_token *t, int execute) {
  expect_kw(p, "STATEMENT");
  expect_kw(p, "SET");
  if (execute) expect_kw(p, "BEGIN");
  else expect_op(p, ";");
  sql_node *n = node_at(p, SQL_STATEMENT_SET, t, NULL);
  while (!is_kw(cur(p), "END")) {
    if (accept_op(p, ";")) continue;
    const sql_token *c = cur(p);
    if (is_kw(c, "CREATE") || (is_kw(c, "REPLACE") && is_kw(peek(p, 1), "TABLE"))) { /* CTAS, RTAS: one of the INSERTs */
      advance(p);
      sql_node *ct = create(p, c);
      if (ct->kind != SQL_CREATE_TABLE || !ct->nkids || ct->kids[ct->nkids - 1]->kind != SQL_SUBQUERY)
        fail_at(p, c, "a statement set holds INSERT and CREATE TABLE ... AS SELECT statements only");
      add(p, n, ct);
    } else if (!is_kw(c, "INSERT")) expected(p, "INSERT or END");
    else add(p, n, insert(p));
    if (!is_kw(cur(p), "END")) expect_op(p, ";");
  }
  advance(p);
  return n;
}

static sql_node *parse_statement(parser *p) {
  enter(p);
  const sql_token *t = cur(p);
  sql_node *n;
  if (is_kw(t, "SET")) {
    advance(p);
    n = node_at(p, SQL_SET, t, NULL);
    if (cur(p)->kind == SQL_TOK_STRING) {
      add(p, n, string(p, "a configuration key string"));
      expect_op(p, "=");
      add(p, n, string(p, "a configuration value string"));
    } else if (cur(p)->kind == SQL_TOK_WORD && !is_op(cur(p), ";")) {
      expected(p, "a quoted key such as 'parallelism.default'");
    }
  } else if (is_kw(t, "RESET")) {
    advance(p);
    n = node_at(p, SQL_RESET, t, NULL);
    if (cur(p)->kind == SQL_TOK_STRING) add(p, n, string(p, "a configuration key string"));
  } else if (is_kw(t, "CREATE") || (is_kw(t, "REPLACE") && (is_kw(peek(p, 1), "TABLE") || is_kw(peek(p, 1), "TEMPORARY")))) {
    advance(p);
    n = create(p, t);
  } else if (is_kw(t, "DROP")) {
    advance(p);
    n = drop(p, t);
  } else if (is_kw(t, "INSERT")) {
    n = insert(p);
  } else if (is_kw(t, "EXPLAIN")) {
    advance(p);
    const char *details = NULL; /* Flink's ExplainDetails, as "CHANGELOG_MODE,..." (session.c) */
    if (accept_kw(p, "PLAN")) expect_kw(p, "FOR");
    else
      while (is_kw(cur(p), "ESTIMATED_COST") || is_kw(cur(p), "CHANGELOG_MODE") || is_kw(cur(p), "JSON_EXECUTION_PLAN") ||
             is_kw(cur(p), "PLAN_ADVICE")) {
        const char *d = upper(p, advance(p)->text);
        if (details) {
          char *j = alloc(p, strlen(details) + strlen(d) + 2);
          sprintf(j, "%s,%s", details, d);
          d = j;
        }
        details = d;
        if (!accept_op(p, ",")) break;
      }
    const sql_token *s = cur(p);
    sql_node *what = is_kw(s, "STATEMENT") ? statement_set(p, s, 1) : parse_statement(p);
    n = wrap(p, SQL_EXPLAIN, t, details, what, NULL);
  } else if (is_kw(t, "SHOW")) {
    advance(p);
    static const char *const what[] = {"TABLES", "VIEWS", "FUNCTIONS", "CATALOGS", "DATABASES", "JOBS", "MODULES"};
    const sql_token *w = cur(p);
    n = cat_show(p, t);
    if (!n && is_kw(w, "FULL") && is_kw(peek(p, 1), "MODULES")) { /* docs_show.c */
      advance(p), advance(p);
      n = node_at(p, SQL_SHOW, t, "FULL MODULES");
    }
    for (size_t i = 0; i < sizeof what / sizeof *what && !n; i++)
      if (is_kw(w, what[i])) {
        advance(p);
        n = node_at(p, SQL_SHOW, t, what[i]);
      }
    if (!n) {
      if (is_kw(w, "CREATE") || is_kw(w, "COLUMNS") || is_kw(w, "CURRENT")) unsupported(p, w, "this SHOW statement");
      expected(p, "TABLES, VIEWS, FUNCTIONS, CATALOGS, DATABASES, JOBS or MODULES");
    }
  } else if (is_kw(t, "DESCRIBE") || is_kw(t, "DESC")) {
    advance(p);
    if (!(n = cat_describe(p, t))) n = wrap(p, SQL_DESCRIBE, t, NULL, name(p, "a table name"), NULL); /* catalog_grammar.h */
  } else if (is_kw(t, "BEGIN")) {
    advance(p);
    n = statement_set(p, t, 0);
  } else if (is_kw(t, "EXECUTE")) {
    advance(p);
    if (is_kw(cur(p), "INSERT")) n = insert(p);
    else n = statement_set(p, t, 1);
  } else if (query_starts(p, 0) || is_op(t, "(")) {
    n = parse_query(p);
  } else if (is_kw(t, "USE") || is_kw(t, "ALTER")) {
    advance(p);
    n = is_kw(t, "USE") ? cat_use(p, t) : cat_alter(p, t);
  } else if ((is_kw(t, "LOAD") || is_kw(t, "UNLOAD")) && is_kw(peek(p, 1), "MODULE")) { /* fid_modules.c */
    advance(p), advance(p);
    n = add(p, node_at(p, SQL_SHOW, t, is_kw(t, "LOAD") ? "LOAD MODULE" : "UNLOAD MODULE"), ident(p, "a module name"));
    if (is_kw(t, "LOAD") && accept_kw(p, "WITH")) add(p, n, with_options(p));
  } else if (is_kw(t, "STOP") && is_kw(peek(p, 1), "JOB")) { /* STOP JOB 'id' [WITH SAVEPOINT] [WITH DRAIN] */
    advance(p), advance(p);
    const sql_token *id = cur(p);
    if (id->kind != SQL_TOK_STRING) expected(p, "the job id as a string ('...')");
    advance(p);
    n = node_at(p, SQL_STOP_JOB, t, id->text);
    while (accept_kw(p, "WITH")) {
      const sql_token *w = cur(p);
      if (!is_kw(w, "SAVEPOINT") && !is_kw(w, "DRAIN")) expected(p, "SAVEPOINT or DRAIN");
      advance(p);
      add(p, n, node_at(p, SQL_ID, w, is_kw(w, "SAVEPOINT") ? "SAVEPOINT" : "DRAIN"));
    }
  } else if (is_kw(t, "LOAD") || is_kw(t, "UNLOAD") || is_kw(t, "ADD") ||
             is_kw(t, "REMOVE") || is_kw(t, "ANALYZE") || is_kw(t, "TRUNCATE") || is_kw(t, "DELETE") ||
             is_kw(t, "UPDATE") || is_kw(t, "STOP") || is_kw(t, "CALL")) {
    char what[64];
    snprintf(what, sizeof what, "%.20s statements", upper(p, t->text));
    unsupported(p, t, what);
  } else {
    expected(p, "a statement");
  }
  leave(p);
  return n;
}

/* ---- entry points ---- */

enum { PARSE_SCRIPT, PARSE_STATEMENT, PARSE_EXPRESSION };

static sql_node *run(sql_arena *a, const char *text, size_t len, const sql_var *vars, size_t nvars, char *err,
                     size_t errlen, int what) {
  if (err && errlen) err[0] = 0;
  parser p = {.a = a, .err = err, .errlen = errlen};
  if (sql_lex(a, text, len, vars, nvars, &p.t, &p.n, err, errlen)) return NULL;
  /* volatile: read after longjmp */
  sql_node *volatile result = NULL;
  if (!setjmp(p.jb)) {
    sql_node *r;
    if (what == PARSE_EXPRESSION) {
      r = parse_expr(&p);
      if (cur(&p)->kind != SQL_TOK_EOF) expected(&p, "end of input");
    } else if (what == PARSE_STATEMENT) {
      r = parse_statement(&p);
      accept_op(&p, ";");
      if (cur(&p)->kind != SQL_TOK_EOF) expected(&p, "end of input");
    } else {
      r = node(&p, SQL_SCRIPT, NULL);
      r->line = r->col = 1;
      for (;;) {
        while (accept_op(&p, ";")) {
        }
        if (cur(&p)->kind == SQL_TOK_EOF) break;
        add(&p, r, parse_statement(&p));
        if (cur(&p)->kind != SQL_TOK_EOF && !is_op(cur(&p), ";")) expected(&p, "';' or end of input");
      }
    }
    result = r;
  }
  free(p.t);
  return result;
}

sql_node *sql_parse_script(sql_arena *a, const char *text, size_t len, const sql_var *vars, size_t nvars, char *err,
                           size_t errlen) {
  return run(a, text, len, vars, nvars, err, errlen, PARSE_SCRIPT);
}

sql_node *sql_parse_statement(sql_arena *a, const char *text, size_t len, const sql_var *vars, size_t nvars,
                              char *err, size_t errlen) {
  return run(a, text, len, vars, nvars, err, errlen, PARSE_STATEMENT);
}

sql_node *sql_parse_expression(sql_arena *a, const char *text, size_t len, char *err, size_t errlen) {
  return run(a, text, len, NULL, 0, err, errlen, PARSE_EXPRESSION);
}
