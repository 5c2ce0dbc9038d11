/*
 * docs_grammar.h -- the SQL-standard call forms Flink's function reference uses, read as
 * ordinary calls: SUBSTRING(s FROM i [FOR n]) -> SUBSTRING(s, i, n), POSITION(a IN b) ->
 * POSITION(a, b), TRIM([BOTH | LEADING | TRAILING] [chars] FROM s) -> TRIM / LTRIM /
 * RTRIM(s) or, with chars, "TRIM BOTH" / "TRIM LEADING" / "TRIM TRAILING"(s, chars),
 * and FLOOR / CEIL(x TO unit) -> "FLOOR TO" / "CEIL TO"(x, 'UNIT') (docs_fn.c has the
 * functions whose names hold a space, which no unquoted call can spell).  Included by
 * parser.c only, after its token and expression helpers.
 */
#ifndef STROM_SQL_DOCS_GRAMMAR_H
#define STROM_SQL_DOCS_GRAMMAR_H

/* Parses the arguments of call (after its '(') when it is one of the forms above and
 * returns true; false (nothing consumed) for every other call. */
static bool docs_call_args(parser *p, sql_node *call) {
  const char *fn = call->text;
  if (!fn) return false;
  bool trim = !strcmp(fn, "TRIM"), pos = !strcmp(fn, "POSITION"), sub = !strcmp(fn, "SUBSTRING") || !strcmp(fn, "SUBSTR");
  bool fl = !strcmp(fn, "FLOOR"), ce = !strcmp(fn, "CEIL") || !strcmp(fn, "CEILING");
  if (!trim && !pos && !sub && !fl && !ce) return false;
  if (trim) {
    const char *side = NULL;
    if (accept_kw(p, "BOTH")) side = "BOTH";
    else if (accept_kw(p, "LEADING")) side = "LEADING";
    else if (accept_kw(p, "TRAILING")) side = "TRAILING";
    sql_node *chars = side && is_kw(cur(p), "FROM") ? NULL : parse_expr(p);
    if (!side && !accept_kw(p, "FROM")) { /* TRIM(s) */
      add(p, call, chars);
      return true;
    }
    if (side) expect_kw(p, "FROM");
    sql_node *s = parse_expr(p);
    if (!side) side = "BOTH";
    if (chars) {
      call->text = side[0] == 'B' ? "TRIM BOTH" : side[0] == 'L' ? "TRIM LEADING" : "TRIM TRAILING";
      add(p, call, s);
      add(p, call, chars);
    } else {
      call->text = side[0] == 'B' ? "TRIM" : side[0] == 'L' ? "LTRIM" : "RTRIM";
      add(p, call, s);
    }
    return true;
  }
  add(p, call, pos ? parse_additive(p) : parse_expr(p)); /* POSITION's IN is not the IN predicate */
  if (pos && accept_kw(p, "IN")) {
    add(p, call, parse_expr(p));
    return true;
  }
  if (sub && accept_kw(p, "FROM")) {
    add(p, call, parse_expr(p));
    if (accept_kw(p, "FOR")) add(p, call, parse_expr(p));
    return true;
  }
  if ((fl || ce) && is_kw(cur(p), "TO")) {
    advance(p);
    static const char *const units[] = {"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND"};
    const sql_token *u = cur(p);
    size_t i = 0;
    while (i < sizeof units / sizeof *units && !is_kw(u, units[i])) i++;
    if (i == sizeof units / sizeof *units) expected(p, "a time unit (YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, MILLISECOND)");
    advance(p);
    call->text = fl ? "FLOOR TO" : "CEIL TO";
    add(p, call, node_at(p, SQL_STRING, u, units[i]));
    return true;
  }
  while (accept_op(p, ",")) add(p, call, parse_expr(p));
  return true;
}

#endif
