/*
 * test_sql_parser.c -- the SQL lexer and parser (src/sql): every statement form and
 * expression precedence through the canonical printer, error messages with exact
 * line and column, ${VAR} substitution, nesting limits, and the Nexmark queries
 * written in Flink SQL.
 */
#include "test.h"

#include "sql/parser.h"

static char out[1 << 16];
static const sql_var vars[] = {{"DIR", "/data/in"}, {"TPS", "10000000"}, {"EVENTS", "100000000"}, {"BAD", "1 #"}};

/* Parses text as a script (or one expression) and prints it, or "error: <message>". */
static const char *run(const char *text, int expr) {
  sql_arena a = {0};
  char err[256];
  sql_node *n = expr ? sql_parse_expression(&a, text, strlen(text), err, sizeof err)
                     : sql_parse_script(&a, text, strlen(text), vars, 4, err, sizeof err);
  if (!n) {
    snprintf(out, sizeof out, "error: %s", err);
  } else {
    strom_buf b = {0};
    if (sql_print(n, &b)) snprintf(out, sizeof out, "print failed");
    else snprintf(out, sizeof out, "%s", b.p);
    strom__buf_free(&b);
  }
  sql_arena_free(&a);
  return out;
}
static const char *expr(const char *text) { return run(text, 1); }
static const char *script(const char *text) { return run(text, 0); }

/* ---- lexer ---- */

TEST(lexer_tokens_and_positions) {
  sql_arena a = {0};
  sql_token *t;
  size_t n;
  char err[128];
  const char *src = "select `a``b`, 'it''s' -- comment\n  /* block\n */ 1.5e-3 <> .5 ||x.y";
  CHECK_INT(sql_lex(&a, src, strlen(src), NULL, 0, &t, &n, err, sizeof err), 0);
  CHECK_INT(n, 12);
  CHECK_INT(t[0].kind, SQL_TOK_WORD);
  CHECK_STR(t[0].text, "select");
  CHECK_INT(t[1].kind, SQL_TOK_QUOTED);
  CHECK_STR(t[1].text, "a`b");
  CHECK_INT(t[1].col, 8);
  CHECK_INT(t[3].kind, SQL_TOK_STRING);
  CHECK_STR(t[3].text, "it's");
  CHECK_INT(t[4].kind, SQL_TOK_NUMBER);
  CHECK_STR(t[4].text, "1.5e-3");
  CHECK_INT(t[4].line, 3);
  CHECK_INT(t[4].col, 5);
  CHECK_STR(t[5].text, "<>");
  CHECK_STR(t[6].text, ".5");
  CHECK_STR(t[7].text, "||");
  CHECK_STR(t[8].text, "x");
  CHECK_STR(t[9].text, ".");
  CHECK_INT(t[11].kind, SQL_TOK_EOF);
  CHECK_INT(t[11].line, 3);
  CHECK_INT(t[11].col, 23);
  free(t);
  sql_arena_free(&a);
}

TEST(lexer_substitution) {
  sql_arena a = {0};
  sql_token *t;
  size_t n;
  char err[128];
  const char *src = "SELECT ${N}, '${DIR}/x' -- ${UNDEFINED} in a comment is ignored\n, y";
  const sql_var v[] = {{"N", "42"}, {"DIR", "/tmp"}};
  CHECK_INT(sql_lex(&a, src, strlen(src), v, 2, &t, &n, err, sizeof err), 0);
  CHECK_INT(n, 7);
  CHECK_STR(t[1].text, "42");
  CHECK_INT(t[1].col, 8);
  CHECK_STR(t[3].text, "/tmp/x");
  CHECK_INT(t[3].col, 14);
  CHECK_INT(t[5].line, 2); /* positions after a substitution still point into the source */
  CHECK_INT(t[5].col, 3);
  free(t);
  sql_arena_free(&a);
  CHECK_STR(script("SELECT 1;\nSELECT ${NOPE} FROM t"), "error: line 2, column 8: undefined variable ${NOPE}");
  CHECK_STR(script("SELECT ${DIR"), "error: line 1, column 8: unterminated ${ (expected '}')");
  CHECK_STR(script("SELECT '${DIR}', ${TPS} + 1"), "(script (select (items '/data/in' (+ 10000000 1))))");
  /* errors inside or after a substituted value name the source position */
  CHECK_STR(script("SELECT '${DIR}' FROM"), "error: line 1, column 21: expected a table name, found end of input");
  CHECK_STR(script("SELECT\n  ${BAD}"), "error: line 2, column 3: unexpected character '#'");
  CHECK_STR(script("SELECT ${TPS} ${TPS}, x y z"), "error: line 1, column 15: expected ';' or end of input, found number 10000000");
  CHECK_STR(script("-- ${NOPE}\n/* ${NOPE} */ SELECT 1"), "(script (select (items 1)))");
  sql_arena a2 = {0};
  CHECK(!sql_parse_script(&a2, "SELECT 1\n\n  \0", 13, NULL, 0, err, sizeof err)); /* length, not strlen */
  CHECK_STR(err, "line 3, column 3: unexpected NUL byte");
  sql_arena_free(&a2);
}

/* ---- expressions ---- */

TEST(expression_precedence) {
  CHECK_STR(expr("a OR b AND NOT c = 1 + 2 * 3"), "(or a (and b (not (= c (+ 1 (* 2 3))))))");
  CHECK_STR(expr("a AND b OR c AND d"), "(or (and a b) (and c d))");
  CHECK_STR(expr("NOT a AND b"), "(and (not a) b)");
  CHECK_STR(expr("1 - 2 - 3"), "(- (- 1 2) 3)");
  CHECK_STR(expr("1 - (2 - 3)"), "(- 1 (- 2 3))");
  CHECK_STR(expr("-a * (b + c) || 'x' % 2"), "(% (|| (* (neg a) (+ b c)) 'x') 2)");
  CHECK_STR(expr("a || b + c"), "(+ (|| a b) c)");
  CHECK_STR(expr("-1.5e3 - - x"), "(- -1.5e3 (neg x))");
  CHECK_STR(expr("a < b = c"), "(= (< a b) c)");
  CHECK_STR(expr("a != b AND a <> b AND a >= b AND a <= b AND a > b"),
            "(and (and (and (and (<> a b) (<> a b)) (>= a b)) (<= a b)) (> a b))");
  CHECK_STR(expr("a + 1 BETWEEN 1 AND 2 AND b"), "(and (between (+ a 1) 1 2) b)");
  CHECK_STR(expr("x NOT BETWEEN 1 AND 2 AND y IN (1, 2) OR z NOT LIKE 'a%' AND w IS NOT NULL"),
            "(or (and (not-between x 1 2) (in y 1 2)) (and (not-like z 'a%') (is-not-null w)))");
  CHECK_STR(expr("a IS NULL OR b IS TRUE OR c IS NOT FALSE"), "(or (or (is-null a) (is-true b)) (is-not-false c))");
  CHECK_STR(expr("a NOT IN (1) AND a LIKE 'x!%' ESCAPE '!'"), "(and (not-in a 1) (like a 'x!%' '!'))");
  CHECK_STR(expr("x IN (SELECT a FROM t)"), "(in x (subquery (select (items a) (from t))))");
  CHECK_STR(expr("EXISTS (SELECT 1) AND NOT NOT a"), "(and (exists (subquery (select (items 1)))) (not (not a)))");
  CHECK_STR(expr("a IS DISTINCT FROM b"), "(is-distinct-from a b)");
}

TEST(expression_forms) {
  CHECK_STR(expr("CASE WHEN a > 1 THEN 'x' WHEN a IS NULL THEN 'y' ELSE 'z' END"),
            "(case (when (> a 1) 'x') (when (is-null a) 'y') (else 'z'))");
  CHECK_STR(expr("CASE a WHEN 1 THEN 2 END"), "(case a (when 1 2))");
  CHECK_STR(expr("CAST(price * 0.908 AS DECIMAL(10, 2))"), "(cast (* price 0.908) DECIMAL(10, 2))");
  CHECK_STR(expr("TRY_CAST(s AS INT NOT NULL)"), "(cast try s INT NOT NULL)");
  CHECK_STR(expr("count(DISTINCT bidder) FILTER (WHERE price > 10)"), "(COUNT distinct bidder (filter (> price 10)))");
  CHECK_STR(expr("COUNT(*)"), "(COUNT *)");
  CHECK_STR(expr("now()"), "(NOW)");
  CHECK_STR(expr("ROW_NUMBER() OVER (PARTITION BY a, b ORDER BY ts DESC, c)"),
            "(ROW_NUMBER (over (partition-by a b) (order-by (sort desc ts) c)))");
  CHECK_STR(expr("SUM(x) OVER (PARTITION BY a ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW)"),
            "(SUM x (over (partition-by a) (order-by ts) (range (preceding (interval '1' HOUR)) (current-row))))");
  CHECK_STR(expr("AVG(x) OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND 2 FOLLOWING)"),
            "(AVG x (over (order-by ts) (rows (unbounded-preceding) (following 2))))");
  CHECK_STR(expr("a.b.c['k'][1] + t.`x y`"), "(+ ([] ([] (. (. a b) c) 'k') 1) (. t `x y`))");
  CHECK_STR(expr("DATE '2020-01-01' < TIMESTAMP '2020-01-01 00:00:00' AND TIME '10:00:00' IS NULL"),
            "(and (< (DATE '2020-01-01') (TIMESTAMP '2020-01-01 00:00:00')) (is-null (TIME '10:00:00')))");
  CHECK_STR(expr("INTERVAL '10' SECOND > INTERVAL '1 10:00:00' DAY TO SECOND"),
            "(> (interval '10' SECOND) (interval '1 10:00:00' DAY TO SECOND))");
  CHECK_STR(expr("TRUE AND FALSE OR NULL"), "(or (and TRUE FALSE) NULL)");
  CHECK_STR(expr("EXTRACT(DAY FROM ts)"), "(EXTRACT DAY ts)");
  CHECK_STR(expr("'it''s' || `a``b`"), "(|| 'it''s' `a``b`)");
  CHECK_STR(expr("LEFT(s, 2) = RIGHT(s, 2)"), "(= (LEFT s 2) (RIGHT s 2))");
  CHECK_STR(expr("(a, b) IN ((1, 2))"), "(in (row a b) (row 1 2))");
}

/* ---- statements ---- */

TEST(statement_set_and_reset) {
  CHECK_STR(script("SET 'parallelism.default' = '2'; SET; RESET 'a'; RESET"),
            "(script (set 'parallelism.default' '2') (set) (reset 'a') (reset))");
}

TEST(statement_create_table) {
  CHECK_STR(script("CREATE TEMPORARY TABLE IF NOT EXISTS `my db`.t (\n"
                   "  id BIGINT NOT NULL, name VARCHAR(10), price DECIMAL(10, 2), ts TIMESTAMP(3),\n"
                   "  c AS price * 2,\n"
                   "  off BIGINT METADATA FROM 'offset' VIRTUAL, k STRING METADATA,\n"
                   "  WATERMARK FOR ts AS ts - INTERVAL '4' SECOND,\n"
                   "  PRIMARY KEY (id) NOT ENFORCED\n"
                   ") COMMENT 'hi' PARTITIONED BY (name)\n"
                   "WITH ('connector' = 'filesystem', 'path' = '${DIR}/x', 'format' = 'json')"),
            "(script (create-table temporary if-not-exists `my db`.t (columns (column id BIGINT NOT NULL) "
            "(column name VARCHAR(10)) (column price DECIMAL(10, 2)) (column ts TIMESTAMP(3)) "
            "(computed c (* price 2)) (metadata virtual off BIGINT 'offset') (metadata k STRING) "
            "(watermark ts (- ts (interval '4' SECOND))) (primary-key id)) (comment 'hi') (partitioned-by name) "
            "(with (option 'connector' 'filesystem') (option 'path' '/data/in/x') (option 'format' 'json'))))");
  CHECK_STR(script("CREATE TABLE t (id INT PRIMARY KEY NOT ENFORCED, CONSTRAINT pk PRIMARY KEY (id, x) NOT ENFORCED)"),
            "(script (create-table t (columns (column primary-key id INT) (primary-key id x))))");
  CHECK_STR(script("create table t (ts AS CASE WHEN k = 0 THEN a.ts ELSE b.ts END)"),
            "(script (create-table t (columns (computed ts (case (when (= k 0) (. a ts)) (else (. b ts)))))))");
}

TEST(statement_types) {
  CHECK_STR(script("CREATE TABLE t (a BOOLEAN, b TINYINT, c SMALLINT, d INT, e INTEGER, f BIGINT, g FLOAT, "
                   "h DOUBLE, i DECIMAL(38, 18), j DECIMAL(10), k CHAR(3), l VARCHAR(10), m STRING, n DATE, o TIME, "
                   "p TIMESTAMP(3), q TIMESTAMP_LTZ(3), r TIMESTAMP(6) WITH LOCAL TIME ZONE, "
                   "s TIMESTAMP WITHOUT TIME ZONE, u INTERVAL DAY(2) TO SECOND(3), v INTERVAL YEAR TO MONTH, "
                   "w ARRAY<STRING>, x MAP<STRING, ARRAY<INT NOT NULL>>, y ROW<a INT, `b` ROW<c DOUBLE>>, "
                   "z ROW(a INT, b STRING), bb BYTES, dp DOUBLE PRECISION)"),
            "(script (create-table t (columns (column a BOOLEAN) (column b TINYINT) (column c SMALLINT) "
            "(column d INT) (column e INT) (column f BIGINT) (column g FLOAT) (column h DOUBLE) "
            "(column i DECIMAL(38, 18)) (column j DECIMAL(10)) (column k CHAR(3)) (column l VARCHAR(10)) "
            "(column m STRING) (column n DATE) (column o TIME) (column p TIMESTAMP(3)) (column q TIMESTAMP_LTZ(3)) "
            "(column r TIMESTAMP_LTZ(6)) (column s TIMESTAMP) (column u INTERVAL DAY(2) TO SECOND(3)) "
            "(column v INTERVAL YEAR TO MONTH) (column w ARRAY<STRING>) (column x MAP<STRING, ARRAY<INT NOT NULL>>) "
            "(column y ROW<a INT, `b` ROW<c DOUBLE>>) (column z ROW<a INT, b STRING>) (column bb BYTES) "
            "(column dp DOUBLE))))");
}

TEST(statement_views_drop_insert) {
  CHECK_STR(script("CREATE VIEW v AS SELECT * FROM t; CREATE TEMPORARY VIEW IF NOT EXISTS v2 (a, b) AS SELECT x, y FROM t"),
            "(script (create-view v (select (items *) (from t))) (create-view temporary if-not-exists v2 "
            "(column-list a b) (select (items x y) (from t))))");
  CHECK_STR(script("DROP TABLE IF EXISTS t; DROP VIEW v; DROP TEMPORARY TABLE a.b; DROP FUNCTION f"),
            "(script (drop-table if-exists t) (drop-view v) (drop-table temporary a.b) (drop-function f))");
  CHECK_STR(script("INSERT INTO s SELECT * FROM t; INSERT INTO s (a, b) SELECT 1, 2; "
                   "INSERT OVERWRITE s VALUES (1, 'a'), (2, 'b')"),
            "(script (insert s (select (items *) (from t))) (insert s (column-list a b) (select (items 1 2))) "
            "(insert overwrite s (values (row 1 'a') (row 2 'b'))))");
  CHECK_STR(script("CREATE TEMPORARY FUNCTION f AS 'libf.so:f' LANGUAGE C"),
            "(script (create-function temporary f 'libf.so:f' C))");
}

TEST(statement_explain_show_describe_set) {
  CHECK_STR(script("EXPLAIN SELECT 1; EXPLAIN PLAN FOR INSERT INTO s SELECT a FROM t; SHOW TABLES; show views; "
                   "DESCRIBE t; DESC a.b;;"),
            "(script (explain (select (items 1))) (explain (insert s (select (items a) (from t)))) (show TABLES) "
            "(show VIEWS) (describe t) (describe a.b))");
  CHECK_STR(script("BEGIN STATEMENT SET;\nINSERT INTO a SELECT * FROM t;\nINSERT INTO b SELECT * FROM t;\nEND;\n"
                   "EXECUTE STATEMENT SET BEGIN INSERT INTO c SELECT 1; END"),
            "(script (statement-set (insert a (select (items *) (from t))) (insert b (select (items *) (from t)))) "
            "(statement-set (insert c (select (items 1)))))");
}

TEST(node_positions_and_single_statement) {
  sql_arena a = {0};
  char err[128];
  const char *src = "INSERT INTO s\n  SELECT a,\n         b + 1 AS c\n  FROM t;";
  sql_node *n = sql_parse_statement(&a, src, strlen(src), NULL, 0, err, sizeof err);
  CHECK(n);
  CHECK_INT(n->kind, SQL_INSERT);
  sql_node *sel = n->kids[1];
  CHECK_INT(sel->kind, SQL_SELECT);
  CHECK_INT(sel->line, 2);
  CHECK_INT(sel->col, 3);
  sql_node *as = sel->kids[0]->kids[1];
  CHECK_INT(as->kind, SQL_AS);
  sql_node *plus = as->kids[0];
  CHECK_STR(plus->text, "+");
  CHECK_INT(plus->line, 3);
  CHECK_INT(plus->col, 12);
  CHECK_INT(plus->kids[0]->col, 10);
  CHECK_INT(sel->kids[1]->kind, SQL_FROM);
  CHECK_INT(sel->kids[1]->line, 4);
  sql_arena_free(&a);
  CHECK(!sql_parse_statement(&a, "SELECT 1; SELECT 2", 18, NULL, 0, err, sizeof err));
  CHECK_STR(err, "line 1, column 11: expected end of input, found SELECT");
  sql_arena_free(&a);
}

TEST(query_top_n_dedup_and_intervals) {
  CHECK_STR(script("SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY category ORDER BY price DESC) AS rownum "
                   "FROM t) WHERE rownum <= 3"),
            "(script (select (items *) (from (subquery (select (items * (as (ROW_NUMBER (over (partition-by category) "
            "(order-by (sort desc price)))) rownum)) (from t)))) (where (<= rownum 3))))");
  CHECK_STR(script("SELECT TUMBLE_START(ts, INTERVAL '10' MINUTES), COUNT(*) FROM t GROUP BY TUMBLE(ts, INTERVAL '10' MINUTES)"),
            "(script (select (items (TUMBLE_START ts (interval '10' MINUTE)) (COUNT *)) (from t) "
            "(group-by (TUMBLE ts (interval '10' MINUTE)))))");
  CHECK_STR(script("SELECT * FROM a, b WHERE a.ts BETWEEN b.ts - INTERVAL '4' HOUR AND b.ts"),
            "(script (select (items *) (from (join cross a b)) (where (between (. a ts) (- (. b ts) "
            "(interval '4' HOUR)) (. b ts)))))");
  CHECK_STR(script("CREATE TABLE t (a INT, pt AS PROCTIME())"),
            "(script (create-table t (columns (column a INT) (computed pt (PROCTIME)))))");
  CHECK_STR(script("EXPLAIN STATEMENT SET BEGIN INSERT INTO a SELECT 1; INSERT INTO b SELECT 2; END"),
            "(script (explain (statement-set (insert a (select (items 1))) (insert b (select (items 2))))))");
  CHECK_STR(script("SELECT * FROM (VALUES (1, 'a')) AS v (x, y)"),
            "(script (select (items *) (from (as (subquery (values (row 1 'a'))) v (column-list x y)))))");
}

TEST(query_clauses) {
  CHECK_STR(script("SELECT DISTINCT a, b AS x, c y, t.*, * FROM t WHERE a > 1 GROUP BY a, b HAVING COUNT(*) > 1 "
                   "ORDER BY a DESC, b ASC, c NULLS LAST LIMIT 10 OFFSET 5"),
            "(script (select distinct (items a (as b x) (as c y) (.* t) *) (from t) (where (> a 1)) (group-by a b) "
            "(having (> (COUNT *) 1)) (order-by (sort desc a) b (sort nulls-last c)) (limit 10) (offset 5)))");
  CHECK_STR(script("WITH a AS (SELECT 1), b (x) AS (SELECT 2) SELECT * FROM a UNION ALL SELECT * FROM b "
                   "UNION SELECT 3 ORDER BY 1 LIMIT 5"),
            "(script (with (cte a (select (items 1))) (cte b (column-list x) (select (items 2))) "
            "(query (union (union all (select (items *) (from a)) (select (items *) (from b))) (select (items 3))) "
            "(order-by 1) (limit 5))))");
  CHECK_STR(script("(SELECT 1) EXCEPT (SELECT 2 INTERSECT SELECT 3)"),
            "(script (except (select (items 1)) (intersect (select (items 2)) (select (items 3)))))");
  CHECK_STR(script("SELECT 1 UNION SELECT 2 INTERSECT ALL SELECT 3 EXCEPT SELECT 4"),
            "(script (except (union (select (items 1)) (intersect all (select (items 2)) (select (items 3)))) "
            "(select (items 4))))");
}

TEST(query_joins) {
  CHECK_STR(script("SELECT * FROM t1 AS a JOIN t2 b ON a.id = b.id LEFT JOIN t3 ON true RIGHT OUTER JOIN t4 ON x "
                   "FULL JOIN t5 USING (k), t6 CROSS JOIN t7"),
            "(script (select (items *) (from (join cross (join full (join right (join left (join inner (as t1 a) "
            "(as t2 b) (on (= (. a id) (. b id)))) t3 (on TRUE)) t4 (on x)) t5 (using k)) (join cross t6 t7)))))");
  CHECK_STR(script("SELECT * FROM (SELECT a FROM t) AS s (x), o FOR SYSTEM_TIME AS OF o.ts AS r"),
            "(script (select (items *) (from (join cross (as (subquery (select (items a) (from t))) s (column-list x)) "
            "(as (for-system-time-as-of o (. o ts)) r)))))");
  CHECK_STR(script("SELECT * FROM (a JOIN b ON x) JOIN c ON y"),
            "(script (select (items *) (from (join inner (join inner a b (on x)) c (on y)))))");
}

TEST(query_window_tvfs) {
  CHECK_STR(script("SELECT window_start, window_end, COUNT(*) FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), "
                   "INTERVAL '10' SECOND)) GROUP BY window_start, window_end"),
            "(script (select (items window_start window_end (COUNT *)) (from (table-function (TUMBLE (table bid) "
            "(descriptor dateTime) (interval '10' SECOND)))) (group-by window_start window_end)))");
  CHECK_STR(script("SELECT * FROM TABLE(HOP(DATA => TABLE bid, TIMECOL => DESCRIPTOR(ts), SLIDE => INTERVAL '2' SECOND, "
                   "SIZE => INTERVAL '10' SECOND)) AS w"),
            "(script (select (items *) (from (as (table-function (HOP (=> DATA (table bid)) (=> TIMECOL (descriptor ts)) "
            "(=> SLIDE (interval '2' SECOND)) (=> SIZE (interval '10' SECOND)))) w))))");
  CHECK_STR(script("SELECT * FROM TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), INTERVAL '2' MINUTE, INTERVAL '10' MINUTE))"),
            "(script (select (items *) (from (table-function (CUMULATE (table t) (descriptor ts) "
            "(interval '2' MINUTE) (interval '10' MINUTE))))))");
  CHECK_STR(script("SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY k, DESCRIPTOR(ts), INTERVAL '5' MINUTE))"),
            "(script (select (items *) (from (table-function (SESSION (table t k) (descriptor ts) "
            "(interval '5' MINUTE))))))");
  CHECK_STR(script("SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY (k, j), DESCRIPTOR(ts), INTERVAL '5' MINUTE))"),
            "(script (select (items *) (from (table-function (SESSION (table t k j) (descriptor ts) "
            "(interval '5' MINUTE))))))");
  CHECK_STR(script("SELECT * FROM TABLE(SESSION(TABLE t, DESCRIPTOR(ts), INTERVAL '5' MINUTE))"),
            "(script (select (items *) (from (table-function (SESSION (table t) (descriptor ts) "
            "(interval '5' MINUTE))))))");
}

/* ---- errors ---- */

TEST(errors_name_line_column_and_expectation) {
  static const struct {
    const char *sql, *msg;
  } cases[] = {
      {"SELECT a FROM", "line 1, column 14: expected a table name, found end of input"},
      {"SELECT a, FROM t", "line 1, column 11: expected an expression, found FROM"},
      {"SELEC a FROM t", "line 1, column 1: expected a statement, found SELEC"},
      {"SELECT (a + b FROM t", "line 1, column 15: expected ')', found FROM"},
      {"CREATE TABLE t (\n  a INT,\n)", "line 3, column 1: expected a column name, WATERMARK or PRIMARY KEY, found ')'"},
      {"CREATE TABLE t (a FOO)", "line 1, column 19: expected a data type, found FOO"},
      {"CREATE TABLE t (a INT) WITH ('k' 'v')", "line 1, column 34: expected '=', found string 'v'"},
      {"CREATE TABLE t (a DECIMAL(10, x))", "line 1, column 31: expected a scale, found x"},
      {"SET 'a' = 1", "line 1, column 11: expected a configuration value string, found number 1"},
      {"INSERT t SELECT 1", "line 1, column 8: expected INTO, found t"},
      {"SELECT CASE WHEN a THEN 1", "line 1, column 26: expected END, found end of input"},
      {"SELECT CAST(a INT)", "line 1, column 15: expected AS, found INT"},
      {"SELECT 1;\n  SELECT 'abc", "line 2, column 10: unterminated string literal"},
      {"SELECT `abc", "line 1, column 8: unterminated quoted identifier"},
      {"SELECT 1 /* x", "line 1, column 10: unterminated comment (expected */)"},
      {"SELECT a # b", "line 1, column 10: unexpected character '#'"},
      {"SELECT 1e", "line 1, column 8: malformed number (exponent without digits)"},
      {"SELECT a FROM t JOIN u", "line 1, column 23: expected ON or USING, found end of input"},
      {"SELECT * FROM t WHERE a BETWEEN 1", "line 1, column 34: expected AND, found end of input"},
      {"DROP INDEX i", "line 1, column 6: expected TABLE, VIEW or FUNCTION, found INDEX"},
      {"CREATE TABLE t (a INT, PRIMARY KEY (a))", "line 1, column 39: expected NOT, found ')'"},
      {"SELECT a FROM t\nWHERE x IN 1", "line 2, column 12: expected '(' after IN, found number 1"},
      {"SELECT 1 SELECT 2", "line 1, column 10: expected ';' or end of input, found SELECT"},
      {"BEGIN STATEMENT SET; SELECT 1; END", "line 1, column 22: expected INSERT or END, found SELECT"},
      {"SELECT f(a", "line 1, column 11: expected ')', found end of input"},
      {"CREATE TABLE t (a MAP<INT>)", "line 1, column 26: expected ',', found '>'"},
      {"SELECT 1 UNION", "line 1, column 15: expected SELECT, VALUES or '(', found end of input"},
      {"SELECT INTERVAL '1' FORTNIGHT",
       "line 1, column 21: expected a time unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND), found FORTNIGHT"},
      {"SET parallelism = 1", "line 1, column 5: expected a quoted key such as 'parallelism.default', found parallelism"},
      {"SELECT * FROM t GROUP a", "line 1, column 23: expected BY, found a"},
      {"", "(script)"},
      {";;", "(script)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char want[300];
    snprintf(want, sizeof want, "%s%s", cases[i].msg[0] == '(' ? "" : "error: ", cases[i].msg);
    CHECK_STR(script(cases[i].sql), want);
  }
}

TEST(unnest_and_lateral_table) {
  CHECK_STR(script("SELECT * FROM t CROSS JOIN UNNEST(t.arr) WITH ORDINALITY AS u (x, n)"),
            "(script (select (items *) (from (join cross t (as (unnest with-ordinality (. t arr)) u (column-list x n))))))");
  CHECK_STR(script("SELECT * FROM t, LATERAL TABLE(f(a, 1)) AS w(x) LEFT JOIN UNNEST(m) ON TRUE"),
            "(script (select (items *) (from (join cross t (join left (as (lateral-table (F a 1)) w (column-list x)) (unnest m) "
            "(on TRUE))))))");
  /* UNNEST is not reserved: a table may be called so */
  CHECK_STR(script("SELECT * FROM unnest, UNNEST(ARRAY[1])"), "(script (select (items *) (from (join cross unnest (unnest (ARRAY 1))))))");
  CHECK_STR(script("SELECT * FROM t MATCH_RECOGNIZE (PARTITION BY k ORDER BY ts MEASURES A.x AS ax AFTER MATCH SKIP TO LAST B "
                   "PATTERN (A (B+? C{2,}) D?) WITHIN INTERVAL '5' SECOND DEFINE B AS B.x > PREV(B.x)) AS m"),
            "(script (select (items *) (from (as (match-recognize t (partition-by k) (order-by ts) (measures (as (. A x) ax)) "
            "(skip-to-last B) (pattern A (+? B) ({2,} C) (? D)) (within (interval '5' SECOND)) "
            "(define (as (> (. B x) (PREV (. B x))) B))) m))))");
}

TEST(errors_not_supported_by_name) {
  CHECK_STR(script("CREATE CATALOG c"), "error: line 1, column 17: expected WITH, found end of input");
  CHECK_STR(script("SELECT * FROM t, LATERAL (SELECT 1)"),
            "error: line 1, column 26: not supported: LATERAL other than LATERAL TABLE(function(...))");
  CHECK_STR(script("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts PATTERN (A|B) DEFINE A AS TRUE)"),
            "error: line 1, column 56: not supported: alternation | in MATCH_RECOGNIZE patterns");
  CHECK_STR(script("ALTER TABLE t DROP CONSTRAINT pk"),
            "error: line 1, column 20: not supported: ALTER TABLE ... DROP CONSTRAINT (use DROP PRIMARY KEY)");
  CHECK_STR(script("LOAD JAR 'x.jar'"), "error: line 1, column 1: not supported: LOAD statements");
  CHECK_STR(script("SELECT a FROM t GROUP BY ROLLUP (a, CUBE (b))"),
            "error: line 1, column 37: not supported: GROUPING SETS, ROLLUP or CUBE inside ROLLUP or CUBE");
  /* CTAS and RTAS parse (ctas.c); hints are tokens only where Flink allows them (hint_grammar.h) */
  CHECK_STR(script("CREATE TABLE t AS SELECT 1"), "(script (create-table t (columns) (subquery (select (items 1)))))");
  CHECK_STR(script("CREATE OR REPLACE TABLE t WITH ('a' = 'b') AS SELECT 1"),
            "(script (create-table or-replace t (columns) (with (option 'a' 'b')) (subquery (select (items 1)))))");
  CHECK_STR(script("SELECT /*+ BROADCAST(t) */ a FROM t /*+ OPTIONS('k' = 'v') */ AS x"),
            "(script (select (items a) (from (as (hinted t (hints (hint OPTIONS (option 'k' 'v')))) x)) (hints (hint BROADCAST t))))");
  CHECK_STR(script("SELECT a /*+ OPTIONS('k' = 'v') */ FROM t"), "error: line 1, column 10: expected ';' or end of input, found '/*+'");
}

TEST(errors_nesting_is_bounded) {
  static char big[40000];
  strcpy(big, "SELECT ");
  for (int i = 0; i < 990; i++) strcat(big, "(");
  strcat(big, "1");
  for (int i = 0; i < 990; i++) strcat(big, ")");
  CHECK_STR(script(big), "(script (select (items 1)))");
  strcpy(big, "SELECT 1");
  for (int i = 0; i < 3000; i++) strcat(big, " + 1");
  CHECK(!strncmp(script(big), "error: line 1, column ", 22));
  CHECK(strstr(out, "nested too deeply"));
  strcpy(big, "SELECT ");
  for (int i = 0; i < 3000; i++) strcat(big, "- ");
  CHECK(strstr(script(big), "nested too deeply"));
  strcpy(big, "SELECT * FROM t");
  for (int i = 0; i < 3000; i++) strcat(big, ",t");
  CHECK(strstr(script(big), "nested too deeply"));
}

/* ---- Nexmark ---- */

static const char nexmark_ddl[] =
    "CREATE TABLE datagen (\n"
    "  event_type INT,\n"
    "  person ROW<id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR, state VARCHAR,\n"
    "             dateTime TIMESTAMP(3), extra VARCHAR>,\n"
    "  auction ROW<id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT,\n"
    "              dateTime TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra VARCHAR>,\n"
    "  bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, dateTime TIMESTAMP(3),\n"
    "          extra VARCHAR>,\n"
    "  dateTime AS CASE WHEN event_type = 0 THEN person.dateTime\n"
    "                   WHEN event_type = 1 THEN auction.dateTime\n"
    "                   ELSE bid.dateTime END,\n"
    "  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND\n"
    ") WITH (\n"
    "  'connector' = 'nexmark',\n"
    "  'first-event.rate' = '${TPS}',\n"
    "  'next-event.rate' = '${TPS}',\n"
    "  'events.num' = '${EVENTS}',\n"
    "  'person.proportion' = '1',\n"
    "  'auction.proportion' = '3',\n"
    "  'bid.proportion' = '46'\n"
    ");\n"
    "CREATE VIEW person AS SELECT person.id, person.name, person.emailAddress, person.creditCard, person.city,\n"
    "  person.state, dateTime, person.extra FROM datagen WHERE event_type = 0;\n"
    "CREATE VIEW auction AS SELECT auction.id, auction.itemName, auction.description, auction.initialBid,\n"
    "  auction.reserve, dateTime, auction.expires, auction.seller, auction.category, auction.extra\n"
    "  FROM datagen WHERE event_type = 1;\n"
    "CREATE VIEW bid AS SELECT bid.auction, bid.bidder, bid.price, bid.channel, bid.url, dateTime, bid.extra\n"
    "  FROM datagen WHERE event_type = 2;\n"
    "CREATE TABLE discard_sink (a BIGINT, b BIGINT) WITH ('connector' = 'blackhole');\n";

static const char *const nexmark_queries[] = {
    /* q0: pass-through */
    "INSERT INTO discard_sink SELECT auction, bidder, price, dateTime, extra FROM bid",
    /* q1: currency conversion */
    "INSERT INTO discard_sink SELECT auction, bidder, 0.908 * price AS price, dateTime, extra FROM bid",
    /* q2: selection */
    "INSERT INTO discard_sink SELECT auction, price FROM bid WHERE auction % 123 = 0",
    /* q3: local item suggestion */
    "INSERT INTO discard_sink\n"
    "SELECT P.name, P.city, P.state, A.id\n"
    "FROM auction AS A INNER JOIN person AS P ON A.seller = P.id\n"
    "WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA')",
    /* q4: average price for a category */
    "INSERT INTO discard_sink\n"
    "SELECT Q.category, AVG(Q.final)\n"
    "FROM (\n"
    "  SELECT MAX(B.price) AS final, A.category\n"
    "  FROM auction A, bid B\n"
    "  WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires\n"
    "  GROUP BY A.id, A.category\n"
    ") Q\n"
    "GROUP BY Q.category",
    /* q5: hot items */
    "INSERT INTO discard_sink\n"
    "SELECT AuctionBids.auction, AuctionBids.num\n"
    "FROM (\n"
    "  SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime\n"
    "  FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))\n"
    "  GROUP BY auction, window_start, window_end\n"
    ") AS AuctionBids\n"
    "JOIN (\n"
    "  SELECT MAX(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime\n"
    "  FROM (\n"
    "    SELECT COUNT(*) AS num, window_start AS starttime, window_end AS endtime\n"
    "    FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))\n"
    "    GROUP BY auction, window_start, window_end\n"
    "  ) AS CountBids\n"
    "  GROUP BY CountBids.starttime, CountBids.endtime\n"
    ") AS MaxBids\n"
    "ON AuctionBids.starttime = MaxBids.starttime AND AuctionBids.endtime = MaxBids.endtime\n"
    "   AND AuctionBids.num >= MaxBids.maxn",
    /* q7: highest bid */
    "INSERT INTO discard_sink\n"
    "SELECT B.auction, B.price, B.bidder, B.dateTime, B.extra\n"
    "FROM bid B\n"
    "JOIN (\n"
    "  SELECT MAX(price) AS maxprice, window_end AS dateTime\n"
    "  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))\n"
    "  GROUP BY window_start, window_end\n"
    ") B1\n"
    "ON B.price = B1.maxprice\n"
    "WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime",
    /* q8: monitor new users */
    "INSERT INTO discard_sink\n"
    "SELECT P.id, P.name, P.starttime\n"
    "FROM (\n"
    "  SELECT id, name, window_start AS starttime, window_end AS endtime\n"
    "  FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))\n"
    "  GROUP BY id, name, window_start, window_end\n"
    ") P\n"
    "JOIN (\n"
    "  SELECT seller, window_start AS starttime, window_end AS endtime\n"
    "  FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))\n"
    "  GROUP BY seller, window_start, window_end\n"
    ") A\n"
    "ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime",
};

TEST(nexmark_queries_parse) {
  for (size_t i = 0; i < sizeof nexmark_queries / sizeof *nexmark_queries; i++) {
    static char text[16384];
    snprintf(text, sizeof text, "%s%s;", nexmark_ddl, nexmark_queries[i]);
    sql_arena a = {0};
    char err[256] = "";
    sql_node *n = sql_parse_script(&a, text, strlen(text), vars, 4, err, sizeof err);
    if (!n) fprintf(stderr, "  query %zu: %s\n", i, err);
    CHECK(n);
    CHECK_INT(n->nkids, 6);
    CHECK_INT(n->kids[0]->kind, SQL_CREATE_TABLE);
    CHECK_INT(n->kids[5]->kind, SQL_INSERT);
    CHECK_INT(n->kids[5]->line, 30);
    sql_arena_free(&a);
  }
  CHECK_STR(script(nexmark_queries[2]),
            "(script (insert discard_sink (select (items auction price) (from bid) (where (= (% auction 123) 0)))))");
  CHECK_STR(script(nexmark_queries[3]),
            "(script (insert discard_sink (select (items (. P name) (. P city) (. P state) (. A id)) "
            "(from (join inner (as auction A) (as person P) (on (= (. A seller) (. P id))))) "
            "(where (and (= (. A category) 10) (or (or (= (. P state) 'OR') (= (. P state) 'ID')) "
            "(= (. P state) 'CA')))))))");
  CHECK(strstr(script(nexmark_queries[5]),
               "(HOP (table bid) (descriptor dateTime) (interval '2' SECOND) (interval '10' SECOND))"));
  CHECK(strstr(script(nexmark_ddl), "(option 'first-event.rate' '10000000')"));
  CHECK(strstr(out, "(computed dateTime (case (when (= event_type 0) (. person dateTime))"));
  CHECK(strstr(out, "(watermark dateTime (- dateTime (interval '4' SECOND)))"));
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(lexer_tokens_and_positions);
  RUN(lexer_substitution);
  RUN(expression_precedence);
  RUN(expression_forms);
  RUN(statement_set_and_reset);
  RUN(statement_create_table);
  RUN(statement_types);
  RUN(statement_views_drop_insert);
  RUN(statement_explain_show_describe_set);
  RUN(node_positions_and_single_statement);
  RUN(query_top_n_dedup_and_intervals);
  RUN(query_clauses);
  RUN(query_joins);
  RUN(query_window_tvfs);
  RUN(errors_name_line_column_and_expectation);
  RUN(errors_not_supported_by_name);
  RUN(unnest_and_lateral_table);
  RUN(errors_nesting_is_bounded);
  RUN(nexmark_queries_parse);
  TEST_MAIN_END();
}
