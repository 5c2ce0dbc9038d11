/*
 * unnest_grammar.h -- the table references that expand each row of the left side of a
 * join into rows: `UNNEST(expr) [WITH ORDINALITY]` (an UNNEST node of the expression,
 * flag ORDINALITY) and `LATERAL TABLE(f(args))` (a LATERAL node of the call).  Their
 * alias and column list follow as for any table reference; unnest_bind.c gives them
 * their meaning.  Included by parser.c only, after its token and expression helpers.
 */
#ifndef STROM_SQL_UNNEST_GRAMMAR_H
#define STROM_SQL_UNNEST_GRAMMAR_H

/* UNNEST is not reserved (Flink lets it name a table): only UNNEST '(' starts one. */
static bool unnest_starts(parser *p) {
  const sql_token *t = cur(p);
  return is_kw(t, "LATERAL") || (is_kw(t, "UNNEST") && is_op(peek(p, 1), "("));
}

static sql_node *unnest_ref(parser *p) {
  const sql_token *t = advance(p);
  if (is_kw(t, "LATERAL")) {
    if (!is_kw(cur(p), "TABLE")) unsupported(p, cur(p), "LATERAL other than LATERAL TABLE(function(...))");
    advance(p);
    expect_op(p, "(");
    const sql_token *c = cur(p);
    sql_node *call = parse_expr(p);
    if (call->kind != SQL_CALL) fail_at(p, c, "expected a table function call such as f(x)");
    expect_op(p, ")");
    return wrap(p, SQL_LATERAL, t, NULL, call, NULL);
  }
  sql_node *u = node_at(p, SQL_UNNEST, t, NULL);
  expect_op(p, "(");
  do add(p, u, parse_expr(p));
  while (accept_op(p, ","));
  expect_op(p, ")");
  if (is_kw(cur(p), "WITH") && is_kw(peek(p, 1), "ORDINALITY")) {
    advance(p), advance(p);
    u->flags |= SQL_F(ORDINALITY);
  }
  return u;
}

#endif
