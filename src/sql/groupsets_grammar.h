/*
 * groupsets_grammar.h -- GROUP BY's GROUPING SETS (...), ROLLUP (...) and CUBE (...)
 * items, read into CALL nodes named "GROUPING SETS", "ROLLUP()" and "CUBE()" (names no
 * unquoted call spells, so only this grammar makes them).  Each kid is a set or element:
 * a ROW of expressions ("()" is the empty ROW, a bare expression a ROW of one) or, inside
 * GROUPING SETS, another such item.  groupsets.c gives them their meaning.  Included by
 * parser.c only, after its token and expression helpers.
 */
#ifndef STROM_SQL_GROUPSETS_GRAMMAR_H
#define STROM_SQL_GROUPSETS_GRAMMAR_H

static bool gsets_starts(parser *p) {
  const sql_token *t = cur(p);
  return (is_kw(t, "GROUPING") && is_kw(peek(p, 1), "SETS")) ||
         ((is_kw(t, "ROLLUP") || is_kw(t, "CUBE")) && is_op(peek(p, 1), "("));
}

static sql_node *gsets_item(parser *p);

/* One set or element: "(e, ...)", "()" or a bare expression, as a ROW. */
static sql_node *gsets_row(parser *p, bool nested) {
  if (gsets_starts(p)) {
    if (!nested) unsupported(p, cur(p), "GROUPING SETS, ROLLUP or CUBE inside ROLLUP or CUBE");
    return gsets_item(p);
  }
  const sql_token *t = cur(p);
  sql_node *r = node_at(p, SQL_ROW, t, NULL);
  if (!accept_op(p, "(")) return add(p, r, parse_expr(p));
  if (accept_op(p, ")")) return r;
  do add(p, r, parse_expr(p));
  while (accept_op(p, ","));
  expect_op(p, ")");
  return r;
}

static sql_node *gsets_item(parser *p) {
  enter(p);
  const sql_token *t = advance(p);
  const char *name = "CUBE()";
  if (is_kw(t, "GROUPING")) advance(p), name = "GROUPING SETS";
  else if (is_kw(t, "ROLLUP")) name = "ROLLUP()";
  sql_node *n = node_at(p, SQL_CALL, t, name);
  expect_op(p, "(");
  do add(p, n, gsets_row(p, name[0] == 'G'));
  while (accept_op(p, ","));
  expect_op(p, ")");
  leave(p);
  return n;
}

#endif
