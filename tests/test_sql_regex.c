/*
 * test_sql_regex.c -- the SQL regex functions end to end (src/sql/fn_regex.c on the
 * engine in src/core/regex.c): REGEXP, REGEXP_EXTRACT, REGEXP_REPLACE, REGEXP_COUNT,
 * REGEXP_INSTR, REGEXP_SUBSTR and REGEXP_EXTRACT_ALL over literals and per-row
 * patterns.  Expected values are Flink's: java.util.regex results, NULL for NULL
 * arguments, NULL (FALSE for REGEXP) for a bad pattern computed per row, an error at
 * bind time for a bad literal pattern.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_test.h"

TEST(java_constructs_posix_lacked_now_work) {
  CHECK_ROWS("SELECT REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)', 1), REGEXP_EXTRACT('ab', '(?:a)b'),"
             " REGEXP_EXTRACT('ab', 'a|ab'), REGEXP_EXTRACT('<a><b>', '<.+?>'),"
             " REGEXP_EXTRACT('2024-05-01', '(?<y>\\d{4})-(?<m>\\d\\d)', 2)",
             false, "+I[the, ab, a, <a>, 05]\n");
  CHECK_ROWS("SELECT REGEXP('a b', '\\ba'), REGEXP('ab', '\\bb'), REGEXP('Hello', '(?i)^hello$'),"
             " REGEXP('x\nfoo', '(?m)^foo$'), REGEXP('abc', ''), REGEXP('bcd', '[a-z&&[^abc]]')",
             false, "+I[TRUE, FALSE, TRUE, TRUE, FALSE, TRUE]\n");
}

TEST(replace_takes_the_replacement_literally_as_flink) {
  /* Flink quotes the replacement (Matcher.quoteReplacement): $2, ${first} and a backslash are text.
   * The SQL lexer substitutes ${name} variables even in strings, so ${first} is spelled in two parts. */
  CHECK_ROWS("SELECT REGEXP_REPLACE('foo bar', '(?<first>\\w+) (\\w+)', '$2 $' || '{first}'),"
             " REGEXP_REPLACE('a1b22', '\\d', ''), REGEXP_REPLACE('baac', 'a*', '-'),"
             " REGEXP_REPLACE('x', 'x', '$2'), REGEXP_REPLACE(CAST(NULL AS STRING), 'a', 'b'),"
             " REGEXP_REPLACE('h\xc3\xa9llo', '.', 'x')",
             false, "+I[$2 ${first}, ab, -b--c-, $2, <NULL>, xxxxx]\n");
}

TEST(count_instr_substr_as_flink_2) {
  CHECK_ROWS("SELECT REGEXP_COUNT('Steven Jones and Stephen Smith are the best players', 'Ste(v|ph)en'),"
             " REGEXP_COUNT('Mary had a little lamb', 'Ste(v|ph)en'), REGEXP_COUNT('abc', ''),"
             " REGEXP_INSTR('Steven Jones and Stephen Smith', 'Ste(v|ph)en'), REGEXP_INSTR('xx Stephen', 'Ste(v|ph)en'),"
             " REGEXP_INSTR('abc', 'z'), REGEXP_INSTR('\xc3\xa9t\xc3\xa9', 't'),"
             " REGEXP_SUBSTR('Steven Jones and Stephen Smith', 'Ste(v|ph)en'), REGEXP_SUBSTR('abc', 'z')",
             false, "+I[2, 0, 4, 1, 4, 0, 2, Steven, <NULL>]\n");
  CHECK_ROWS("SELECT REGEXP_EXTRACT_ALL('k1=v1;k2=v2', '(\\w+)=(\\w+)'), REGEXP_EXTRACT_ALL('k1=v1;k2=v2', '(\\w+)=(\\w+)', 2),"
             " REGEXP_EXTRACT_ALL('a1b2', '\\d', 0), CARDINALITY(REGEXP_EXTRACT_ALL('abc', 'z', 0)),"
             " REGEXP_EXTRACT_ALL('ab', '(x)?b', 1)",
             false, "+I[[k1, k2], [v1, v2], [1, 2], 0, [NULL]]\n");
}

TEST(per_row_patterns) {
  CHECK_ROWS("SELECT s, p, REGEXP(s, p), REGEXP_EXTRACT(s, p), REGEXP_REPLACE(s, p, '_'), REGEXP_COUNT(s, p),"
             " REGEXP_INSTR(s, p), REGEXP_SUBSTR(s, p) FROM (VALUES ('aXbX', 'X'), ('ab', 'a(?=b)'), ('abc', 'b+?'),"
             " ('abc', CAST(NULL AS STRING))) AS t(s, p)",
             false,
             "+I[aXbX, X, TRUE, X, a_b_, 2, 2, X]\n"
             "+I[ab, a(?=b), FALSE, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>]\n"
             "+I[abc, b+?, TRUE, b, a_c, 1, 2, b]\n"
             "+I[abc, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>]\n");
  CHECK_ERR("SELECT REGEXP_EXTRACT_ALL(s, p) FROM (VALUES ('a', '(')) AS t(s, p)", "REGEXP_EXTRACT_ALL: bad regular expression '('");
  CHECK_ERR("SELECT REGEXP_EXTRACT_ALL(s, p) FROM (VALUES ('a', 'a')) AS t(s, p)", "extract group index 1 is out of range [0, 0]");
}

TEST(bad_literal_patterns_fail_at_bind_naming_construct_and_position) {
  CHECK_ERR("SELECT REGEXP_EXTRACT('aa', '(a)\\1')", "REGEXP_EXTRACT: bad regular expression '(a)\\1': back-references");
  CHECK_ERR("SELECT REGEXP('ab', 'a(?<=a)b')", "lookbehind (?<=...) is not supported at character 2");
  CHECK_ERR("SELECT REGEXP_REPLACE('ab', 'a*+', '')", "possessive quantifiers");
  CHECK_ERR("SELECT REGEXP_COUNT('ab', '[b-a]')", "illegal character range");
  CHECK_ERR("SELECT REGEXP_INSTR('ab', 'a{2,1}')", "illegal repetition range");
  CHECK_ERR("SELECT REGEXP_SUBSTR('ab', '\\p{IsLatin}')", "is not supported");
  CHECK_ERR("SELECT REGEXP_EXTRACT_ALL('ab', 'a')", "the pattern has no groups");
  CHECK_ERR("SELECT REGEXP_EXTRACT('ab', '(a)', 2)", "group 2 does not exist (the pattern has 1 group)");
}

/* SIMILAR TO translates its pattern as Calcite's sqlToRegexSimilar (Flink's) does and
 * matches the whole string. */
TEST(similar_to) {
  CHECK_ROWS("SELECT 'abc' SIMILAR TO 'a%', 'abc' SIMILAR TO 'b%', 'abc' SIMILAR TO '_b_', 'abc' SIMILAR TO '(a|x)(b|y)c',"
             " 'aaa' SIMILAR TO 'a+', 'ab' SIMILAR TO 'a', 'a$' SIMILAR TO 'a$', 'a\\' SIMILAR TO 'a\\',"
             " 'b' SIMILAR TO '[a-c]', 'x1' SIMILAR TO 'x[[:DIGIT:]]', 'a%' SIMILAR TO 'a!%' ESCAPE '!',"
             " 'ab' SIMILAR TO 'a!%' ESCAPE '!', 'abc' NOT SIMILAR TO 'a%', CAST(NULL AS STRING) SIMILAR TO 'a',"
             " 'a\nb' SIMILAR TO 'a%b', 'a\nb' SIMILAR TO 'a_b'",
             false, "+I[TRUE, FALSE, TRUE, TRUE, TRUE, FALSE, TRUE, TRUE, TRUE, TRUE, TRUE, FALSE, FALSE, <NULL>, TRUE, FALSE]\n");
  CHECK_ROWS("SELECT s FROM (VALUES ('apple'), ('banana'), ('avocado')) AS t(s) WHERE s SIMILAR TO 'a(p|v)%'", false,
             "+I[apple]\n+I[avocado]\n");
  CHECK_ROWS("SELECT s SIMILAR TO p FROM (VALUES ('abc', '_b%')) AS t(s, p)", false, "+I[TRUE]\n");
  CHECK_ERR("SELECT 'a' SIMILAR TO 'a]'", "invalid SIMILAR TO pattern 'a]'");
  CHECK_ERR("SELECT 'a' SIMILAR TO 'a!' ESCAPE '!'", "invalid escape sequence");
  CHECK_ERR("SELECT 'a' SIMILAR TO 'a' ESCAPE 'xy'", "the escape must be one character");
  CHECK_ERR("SELECT 'a' SIMILAR TO '(a'", "unclosed group");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-regex-test-%d", (int)getpid());
  mkdir(tmp, 0777);
  RUN(java_constructs_posix_lacked_now_work);
  RUN(replace_takes_the_replacement_literally_as_flink);
  RUN(count_instr_substr_as_flink_2);
  RUN(per_row_patterns);
  RUN(bad_literal_patterns_fail_at_bind_naming_construct_and_position);
  RUN(similar_to);
  rmdir(tmp);
  TEST_MAIN_END();
}
