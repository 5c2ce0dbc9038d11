/*
 * match_grammar.h -- `t MATCH_RECOGNIZE (...)` after a table reference: a MATCH_RECOGNIZE
 * node of the reference, its PARTITION BY and ORDER BY, then one MR_CLAUSE per clause
 * (measures, the skip mode, pattern, within, define).  The pattern is kept flat: a
 * group without a quantifier adds its variables in place, a quantified variable is an
 * MR_QUANT with its bounds.  What Flink's MATCH_RECOGNIZE does not take (ALL ROWS PER
 * MATCH, alternation, PERMUTE, exclusion, anchors, quantified groups, SUBSET) is refused
 * here by name, where it is written.  match_bind.c gives the tree its meaning.
 * Included by parser.c only, after its token and expression helpers.
 */
#ifndef STROM_SQL_MATCH_GRAMMAR_H
#define STROM_SQL_MATCH_GRAMMAR_H

#include <stdlib.h>

static sql_node *interval_literal(parser *p, const sql_token *t);

static int mr_bound(parser *p) {
  const sql_token *t = cur(p);
  if (t->kind != SQL_TOK_NUMBER || strspn(t->text, "0123456789") != strlen(t->text) || strlen(t->text) > 6)
    expected(p, "a number of rows in the quantifier");
  advance(p);
  return atoi(t->text);
}

/* A quantifier after a pattern variable (NULL when none follows). */
static sql_node *mr_quantifier(parser *p, sql_node *var) {
  const sql_token *t = cur(p);
  int lo, hi;
  char text[48];
  if (accept_op(p, "*")) lo = 0, hi = -1, snprintf(text, sizeof text, "*");
  else if (accept_op(p, "+")) lo = 1, hi = -1, snprintf(text, sizeof text, "+");
  else if (accept_op(p, "?")) lo = 0, hi = 1, snprintf(text, sizeof text, "?");
  else if (accept_op(p, "{")) {
    if (is_op(cur(p), "-")) unsupported(p, t, "pattern exclusion {- ... -} in MATCH_RECOGNIZE");
    lo = is_op(cur(p), ",") ? 0 : mr_bound(p);
    hi = lo;
    bool comma = accept_op(p, ",");
    if (comma) hi = is_op(cur(p), "}") ? -1 : mr_bound(p);
    expect_op(p, "}");
    if (hi == 0 || (hi >= 0 && hi < lo)) fail_at(p, t, "the quantifier {%d,%d} matches no row: its maximum must be at least 1 and its minimum", lo, hi);
    if (hi < 0) snprintf(text, sizeof text, "{%d,}", lo);
    else if (!comma) snprintf(text, sizeof text, "{%d}", lo);
    else snprintf(text, sizeof text, "{%d,%d}", lo, hi);
  } else return NULL;
  if (accept_op(p, "?")) strcat(text, "?");
  sql_node *q = node_at(p, SQL_MR_QUANT, t, dup(p, text));
  q->p = lo, q->s = hi;
  return add(p, q, var);
}

/* pattern terms until ')' into n (groups flattened) */
static void mr_pattern(parser *p, sql_node *n) {
  enter(p);
  do {
    const sql_token *t = cur(p);
    if (is_op(t, "(")) {
      advance(p);
      mr_pattern(p, n);
      expect_op(p, ")");
      const sql_token *q = cur(p);
      if (is_op(q, "*") || is_op(q, "+") || is_op(q, "?") || is_op(q, "{"))
        unsupported(p, q, "a quantifier on a pattern group in MATCH_RECOGNIZE (Flink quantifies single variables only)");
    } else if (is_kw(t, "PERMUTE")) {
      unsupported(p, t, "PERMUTE in MATCH_RECOGNIZE");
    } else if (is_op(t, "^") || is_op(t, "$")) {
      unsupported(p, t, "pattern anchors ^ and $ in MATCH_RECOGNIZE");
    } else if (is_op(t, "{")) {
      unsupported(p, t, "pattern exclusion {- ... -} in MATCH_RECOGNIZE");
    } else {
      sql_node *v = ident(p, "a pattern variable");
      sql_node *q = mr_quantifier(p, v);
      add(p, n, q ? q : v);
    }
    if (is_op(cur(p), "|")) unsupported(p, cur(p), "alternation | in MATCH_RECOGNIZE patterns");
  } while (!is_op(cur(p), ")") && cur(p)->kind != SQL_TOK_EOF);
  leave(p);
}

/* expr [AS] name {, ...} into a clause of kind text, each an AS node */
static sql_node *mr_named_list(parser *p, const sql_token *at, const char *text, bool name_first) {
  sql_node *c = node_at(p, SQL_MR_CLAUSE, at, text);
  do {
    const sql_token *t = cur(p);
    if (name_first) { /* DEFINE v AS cond: printed as (as cond v) like a select item */
      sql_node *v = ident(p, "a pattern variable");
      expect_kw(p, "AS");
      add(p, c, wrap(p, SQL_AS, t, NULL, parse_expr(p), v));
    } else {
      sql_node *e = parse_expr(p);
      accept_kw(p, "AS");
      add(p, c, wrap(p, SQL_AS, t, NULL, e, ident(p, "a measure name")));
    }
  } while (accept_op(p, ","));
  return c;
}

static sql_node *match_clause(parser *p, sql_node *input) {
  const sql_token *t = advance(p);
  sql_node *m = wrap(p, SQL_MATCH_RECOGNIZE, t, NULL, input, NULL);
  expect_op(p, "(");
  partition_and_order(p, m);
  const sql_token *c = cur(p);
  if (accept_kw(p, "MEASURES")) add(p, m, mr_named_list(p, c, "measures", false));
  c = cur(p);
  if (is_kw(c, "ALL") && is_kw(peek(p, 1), "ROWS")) unsupported(p, c, "ALL ROWS PER MATCH (Flink emits ONE ROW PER MATCH)");
  if (accept_kw(p, "ONE")) {
    expect_kw(p, "ROW"), expect_kw(p, "PER"), expect_kw(p, "MATCH");
  }
  c = cur(p);
  if (accept_kw(p, "AFTER")) {
    expect_kw(p, "MATCH"), expect_kw(p, "SKIP");
    if (accept_kw(p, "PAST")) {
      expect_kw(p, "LAST"), expect_kw(p, "ROW");
      add(p, m, node_at(p, SQL_MR_CLAUSE, c, "skip-past-last-row"));
    } else {
      expect_kw(p, "TO");
      if (accept_kw(p, "NEXT")) {
        expect_kw(p, "ROW");
        add(p, m, node_at(p, SQL_MR_CLAUSE, c, "skip-to-next-row"));
      } else {
        const char *mode = accept_kw(p, "FIRST") ? "skip-to-first" : (accept_kw(p, "LAST"), "skip-to-last");
        add(p, m, wrap(p, SQL_MR_CLAUSE, c, mode, ident(p, "a pattern variable"), NULL));
      }
    }
  }
  c = cur(p);
  expect_kw(p, "PATTERN");
  sql_node *pat = node_at(p, SQL_MR_CLAUSE, c, "pattern");
  expect_op(p, "(");
  mr_pattern(p, pat);
  expect_op(p, ")");
  add(p, m, pat);
  c = cur(p);
  if (accept_kw(p, "WITHIN")) {
    const sql_token *i = cur(p);
    expect_kw(p, "INTERVAL");
    add(p, m, wrap(p, SQL_MR_CLAUSE, c, "within", interval_literal(p, i), NULL));
  }
  if (is_kw(cur(p), "SUBSET")) unsupported(p, cur(p), "SUBSET in MATCH_RECOGNIZE");
  c = cur(p);
  expect_kw(p, "DEFINE");
  add(p, m, mr_named_list(p, c, "define", true));
  expect_op(p, ")");
  return m;
}

#endif
