/*
 * hint_grammar.h -- Flink's (Calcite's) SQL hints: a comment that opens with a plus sign
 * is a list of hints, which the lexer hands on as tokens between the marks "/" "*+" and
 * "*" "/".  They are allowed where Calcite allows them: after a table name in FROM (the
 * dynamic table options, OPTIONS('k' = 'v')), after INSERT INTO's table and right after
 * SELECT (query hints such as BROADCAST(t) or STATE_TTL('t' = '1d')).  Anywhere else
 * the marks are a syntax error, as in Flink.  hint_apply.c gives them their meaning.
 * Included by parser.c only, after its token helpers.
 *
 *   hints  = HINT_OPEN hint {',' hint} HINT_CLOSE
 *   hint   = ident ['(' [kv {',' kv} | item {',' item}] ')']
 *   kv     = (ident | string) '=' string
 *   item   = ident | string | number
 */
#ifndef STROM_SQL_HINT_GRAMMAR_H
#define STROM_SQL_HINT_GRAMMAR_H

static bool hint_starts(parser *p) { return is_op(cur(p), "/*+"); }

static sql_node *hint_item(parser *p) {
  const sql_token *t = cur(p);
  if (t->kind == SQL_TOK_STRING) return string(p, "a hint option");
  if (t->kind == SQL_TOK_NUMBER) return node_at(p, SQL_NUMBER, advance(p), t->text);
  if (t->kind == SQL_TOK_WORD || t->kind == SQL_TOK_QUOTED) { /* a table name may be a reserved word here */
    advance(p);
    sql_node *n = node_at(p, SQL_ID, t, t->text);
    if (t->kind == SQL_TOK_QUOTED) n->flags |= SQL_F(QUOTED);
    return n;
  }
  expected(p, "a hint option (a name, string or number)");
}

static sql_node *hints(parser *p) {
  sql_node *h = node_at(p, SQL_HINTS, advance(p), NULL);
  do {
    const sql_token *t = cur(p);
    if (t->kind != SQL_TOK_WORD && t->kind != SQL_TOK_QUOTED) expected(p, "a hint name such as OPTIONS");
    advance(p);
    sql_node *one = node_at(p, SQL_HINT, t, t->kind == SQL_TOK_QUOTED ? t->text : upper(p, t->text));
    if (accept_op(p, "(")) {
      bool kv = is_op(peek(p, 1), "=");
      if (!is_op(cur(p), ")")) do {
          const sql_token *o = cur(p);
          sql_node *k = hint_item(p);
          if (kv) {
            if (k->kind == SQL_NUMBER) fail_at(p, o, "expected a hint option key (a name or string), found number %s", k->text);
            expect_op(p, "=");
            add(p, one, wrap(p, SQL_OPTION, o, NULL, k, string(p, "a hint option value string")));
          } else {
            if (is_op(cur(p), "=")) fail_at(p, cur(p), "a hint's options are either all 'key' = 'value' or all plain");
            add(p, one, k);
          }
        } while (accept_op(p, ","));
      expect_op(p, ")");
    }
    add(p, h, one);
  } while (accept_op(p, ","));
  if (!accept_op(p, "*/")) expected(p, "',' or the end of the hint (*/)");
  return h;
}

#endif
