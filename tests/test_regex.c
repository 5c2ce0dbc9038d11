/*
 * test_regex.c -- unit tests of the regular-expression engine (src/core/regex.c).
 * Every expected value is what java.util.regex gives for the same pattern and subject
 * (Pattern.compile(p).matcher(s).find() and its groups; String.replaceAll), worked
 * out by hand from Java's documented semantics: leftmost-first alternation, greedy and
 * lazy quantifiers, group values kept from earlier iterations, Java's line terminators
 * for ^ $ and `.`, and its error cases.
 */
#include <time.h>

#include "core/regex.h"
#include "test.h"

static char out[4096];

/* The groups of the first match joined by '|' ('-' for a group that did not take
 * part), "NOMATCH", or "ERR: message". */
static const char *m(const char *pat, const char *s) {
  strom__regex *re;
  char err[256] = "";
  if (strom__regex_compile(pat, strlen(pat), &re, err, sizeof err)) {
    snprintf(out, sizeof out, "ERR: %s", err);
    return out;
  }
  int ng = strom__regex_groups(re) + 1;
  int32_t caps[64];
  void *work = malloc(strom__regex_work_size(re));
  /* the answer alone, from the Pike VM and then from the DFA, must agree with the find */
  bool ok1 = strom__regex_find(re, s, strlen(s), 0, NULL, 0, work);
  strom__regex_optimize(re);
  bool ok2 = strom__regex_find(re, s, strlen(s), 0, NULL, 0, work);
  bool ok = strom__regex_find(re, s, strlen(s), 0, caps, ng > 32 ? 32 : ng, work);
  free(work);
  strom__regex_free(re);
  if (ok != ok1 || ok != ok2) return "BOOLEAN FORM DISAGREES";
  if (!ok) return "NOMATCH";
  size_t k = 0;
  out[0] = 0;
  for (int g = 0; g < ng && g < 32; g++) {
    if (g) k += (size_t)snprintf(out + k, sizeof out - k, "|");
    if (caps[2 * g] < 0) k += (size_t)snprintf(out + k, sizeof out - k, "-");
    else k += (size_t)snprintf(out + k, sizeof out - k, "%.*s", (int)(caps[2 * g + 1] - caps[2 * g]), s + caps[2 * g]);
  }
  return out;
}

/* s.replaceAll(pat, r). */
static const char *rep(const char *pat, const char *s, const char *r) {
  strom__regex *re;
  char err[256] = "";
  if (strom__regex_compile(pat, strlen(pat), &re, err, sizeof err)) {
    snprintf(out, sizeof out, "ERR: %s", err);
    return out;
  }
  void *work = malloc(strom__regex_work_size(re));
  strom_buf b = {0};
  int rc = strom__regex_replace(re, s, strlen(s), r, strlen(r), false, &b, work, err, sizeof err);
  if (rc) snprintf(out, sizeof out, "ERR: %s", err);
  else snprintf(out, sizeof out, "%.*s", (int)b.len, b.p ? b.p : "");
  strom__buf_free(&b);
  free(work);
  strom__regex_free(re);
  return out;
}

static bool err_has(const char *pat, const char *needle) {
  const char *r = m(pat, "");
  if (strncmp(r, "ERR: ", 5) || !strstr(r, needle)) {
    fprintf(stderr, "  pattern %s: got \"%s\", expected an error with \"%s\"\n", pat, r, needle);
    return false;
  }
  return true;
}

TEST(leftmost_first_alternation_and_groups) {
  CHECK_STR(m("abc", "xxabcxx"), "abc");
  CHECK_STR(m("a|ab", "ab"), "a"); /* POSIX would take the longest, "ab" */
  CHECK_STR(m("(a|ab)(c|bcd)(d*)", "abcd"), "abcd|a|bcd|");
  CHECK_STR(m("(a|ab)*c", "abc"), "abc|ab");
  CHECK_STR(m("(a)|b", "b"), "b|-");
  CHECK_STR(m("(a|b)*c", "abac"), "abac|a");
  CHECK_STR(m("(?:(a)|b)+", "ab"), "ab|a"); /* Java keeps a group from an earlier iteration */
  CHECK_STR(m("x(\\d+)y", "ax123y"), "x123y|123");
  CHECK_STR(m("(x)?abc", "abc"), "abc|-");
  CHECK_STR(m("", "abc"), "");
  CHECK_STR(m("x*", ""), "");
  CHECK_STR(m("b", "aaa"), "NOMATCH");
}

TEST(greedy_lazy_and_counted_quantifiers) {
  CHECK_STR(m("(a+)(a*)", "aaa"), "aaa|aaa|");
  CHECK_STR(m("(a+?)(a*)", "aaa"), "aaa|a|aa");
  CHECK_STR(m("a*?", "aaa"), "");
  CHECK_STR(m("a??b", "ab"), "ab");
  CHECK_STR(m("<.+?>", "<a><b>"), "<a>");
  CHECK_STR(m("<.+>", "<a><b>"), "<a><b>");
  CHECK_STR(m("a{2,3}", "aaaa"), "aaa");
  CHECK_STR(m("a{2,3}?", "aaaa"), "aa");
  CHECK_STR(m("a{2}", "a"), "NOMATCH");
  CHECK_STR(m("a{2,}", "aaaaa"), "aaaaa");
  CHECK_STR(m("a{0}b", "ab"), "b");
  CHECK_STR(m("(ab){2}", "abababab"), "abab|ab");
  CHECK_STR(m("(a*)*", "b"), "|"); /* an empty iteration ends the loop, the group is set */
  CHECK_STR(m("(a*)+b", "aab"), "aab|");
  CHECK_STR(m("(a|)+b", "aab"), "aab|"); /* the empty last iteration sets the group */
  CHECK_STR(m("(a?)+", "aa"), "aa|");
  CHECK_STR(m("(a?)*?b", "aab"), "aab|a"); /* lazy: b is tried before each iteration */
  CHECK_STR(m("(?:(a)|(b)|)+c", "abc"), "abc|a|b");
  CHECK_STR(m("a}", "a}"), "a}");
  CHECK_STR(m("a]", "a]"), "a]");
}

TEST(character_classes) {
  CHECK_STR(m("[^abc]", "abcd"), "d");
  CHECK_STR(m("[]a]+", "a]]b"), "a]]");
  CHECK_STR(m("[a-]+", "x-a-"), "-a-");
  CHECK_STR(m("[a-z&&[^aeiou]]+", "aebcdi"), "bcd");
  CHECK_STR(m("[a-z&&def]+", "abcdefg"), "def");
  CHECK_STR(m("[a[0-9]]+", "xa1b"), "a1");
  CHECK_STR(m("[^a[0-9]]+", "a1bc2"), "bc"); /* Java 9+: ^ negates the whole union */
  CHECK_STR(m("[\\d.]+", "v1.25x"), "1.25");
  CHECK_STR(m("[\\]\\-]+", "a-b]c"), "-");
  CHECK_STR(m("\\w+", "  word_1 "), "word_1");
  CHECK_STR(m("\\W+", "ab, cd"), ", ");
  CHECK_STR(m("\\s+", "a \t\nb"), " \t\n");
  CHECK_STR(m("\\S+", "  xy "), "xy");
  CHECK_STR(m("\\D+", "12ab3"), "ab");
  CHECK_STR(m("\\p{Alpha}+", "12abC3"), "abC");
  CHECK_STR(m("\\p{Punct}", "ab,c"), ",");
  CHECK_STR(m("\\P{Digit}+", "12ab3"), "ab");
  CHECK_STR(m("\\p{Upper}\\p{Lower}+", "xHello"), "Hello");
  CHECK_STR(m("\\p{Alnum}+", "--a1--"), "a1");
  CHECK_STR(m("\\p{Space}+", "a \tb"), " \t");
  CHECK_STR(m("\\p{XDigit}+", "zz0fAg"), "0fA");
  CHECK_STR(m("[\\x41-\\x43]+", "ABCD"), "ABC");
  CHECK_STR(m("\\h+", "a \t b"), " \t ");
}

TEST(escapes_and_quoting) {
  CHECK_STR(m("\\x41\\u0042\\0103", "ABC"), "ABC");
  CHECK_STR(m("\\x{20AC}", "5\xe2\x82\xac"), "\xe2\x82\xac");
  CHECK_STR(m("\\t", "a\tb"), "\t");
  CHECK_STR(m("\\.", "a.b"), ".");
  CHECK_STR(m("\\Qa.b\\E+", "a.bbb"), "a.bbb"); /* the quantifier applies to the last quoted character */
  CHECK_STR(m("\\Qa.b", "xa.b"), "a.b");        /* \Q without \E quotes to the end */
  CHECK_STR(m("\\cA", "\x01"), "\x01");
  CHECK_STR(m("\\e", "\x1b"), "\x1b");
}

TEST(flags) {
  CHECK_STR(m("(?i)hello", "HeLLo world"), "HeLLo");
  CHECK_STR(m("(?i)[a-c]+", "xABCa"), "ABCa");
  CHECK_STR(m("(?i)[^a]", "Ab"), "b");
  CHECK_STR(m("a(?i)b", "aB"), "aB");
  CHECK_STR(m("a(?i)b", "AB"), "NOMATCH");
  CHECK_STR(m("(?i:a)b", "Ab"), "Ab");
  CHECK_STR(m("(?i:a)b", "AB"), "NOMATCH");
  CHECK_STR(m("(a(?i)b)c", "aBc"), "aBc|aB");
  CHECK_STR(m("(a(?i)b)c", "aBC"), "NOMATCH"); /* the flag ends with its group */
  CHECK_STR(m("(?i)a(?-i)b", "Ab"), "Ab");
  CHECK_STR(m("(?i)a(?-i)b", "AB"), "NOMATCH");
  CHECK_STR(m("(?i)\xc3\xa4", "\xc3\x84"), "NOMATCH"); /* case-insensitivity is ASCII-only */
  CHECK_STR(m("a.c", "a\nc"), "NOMATCH");
  CHECK_STR(m("a.c", "a\rc"), "NOMATCH");
  CHECK_STR(m("(?s)a.c", "a\nc"), "a\nc");
  CHECK_STR(m("(?x) a b # comment\n c", "abc"), "abc");
  CHECK_STR(m("(?x)[a b]+", "ab "), "ab");
}

TEST(anchors_and_boundaries) {
  CHECK_STR(m("^b", "a\nb"), "NOMATCH");
  CHECK_STR(m("(?m)^b", "a\nb"), "b");
  CHECK_STR(m("(?m)^", ""), "NOMATCH"); /* Java's multiline ^ never matches at the end */
  CHECK_STR(m("^", ""), "");
  CHECK_STR(m("a$", "a\n"), "a");
  CHECK_STR(m("a$", "a\r\n"), "a");
  CHECK_STR(m("a$", "a\nb"), "NOMATCH");
  CHECK_STR(m("(?m)a$", "a\nb"), "a");
  CHECK_STR(m("a\\z", "a\n"), "NOMATCH");
  CHECK_STR(m("a\\Z", "a\n"), "a");
  CHECK_STR(m("\\Aa", "ba"), "NOMATCH");
  CHECK_STR(m("\\bfoo\\b", "a foo b"), "foo");
  CHECK_STR(m("\\bfoo\\b", "afoo"), "NOMATCH");
  CHECK_STR(m("\\Boo", "foo"), "oo");
  CHECK_STR(m("\\b", ""), "NOMATCH");
  CHECK_STR(m("^$", ""), "");
}

TEST(named_groups) {
  strom__regex *re;
  char err[200];
  CHECK_INT(strom__regex_compile("(a)(?:b)(?<n1>c)", 16, &re, err, sizeof err), 0);
  CHECK_INT(strom__regex_groups(re), 2);
  CHECK_INT(strom__regex_group_named(re, "n1", 2), 2);
  CHECK_INT(strom__regex_group_named(re, "n", 1), -1);
  strom__regex_free(re);
  CHECK_STR(m("(?<year>\\d{4})-(?<mon>\\d{2})", "on 2024-05-01"), "2024-05|2024|05");
}

TEST(utf8_subjects) {
  CHECK_STR(m("h.llo", "h\xc3\xa4llo"), "h\xc3\xa4llo");
  CHECK_STR(m("^.$", "\xe2\x82\xac"), "\xe2\x82\xac");
  CHECK_STR(m("^..$", "\xe2\x82\xac"), "NOMATCH");
  CHECK_STR(m("[\xc3\xa4-\xc3\xb6]+", "a\xc3\xa4\xc3\xb6" "b"), "\xc3\xa4\xc3\xb6");
  CHECK_STR(m("[^a]", "\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
  CHECK_STR(m("\xf0\x9f\x98\x80+", "x\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
  /* an invalid byte is one character that only . and negated classes match */
  CHECK_STR(m("a.b", "a\xff" "b"), "a\xff" "b");
  CHECK_STR(m("a\\wb", "a\xff" "b"), "NOMATCH");
}

TEST(replace_all_as_java) {
  CHECK_STR(rep("a*", "baac", "-"), "-b--c-");
  CHECK_STR(rep("b*", "abc", "-"), "-a--c-");
  CHECK_STR(rep("", "abc", "-"), "-a-b-c-");
  CHECK_STR(rep("(\\d+)-(\\d+)", "10-20 x 3-4", "$2:$1"), "20:10 x 4:3");
  CHECK_STR(rep("(?<w>\\w+)", "hi yo", "<${w}>"), "<hi> <yo>");
  CHECK_STR(rep("a", "aaa", "\\$"), "$$$");
  CHECK_STR(rep("(a)", "a", "$12"), "a2"); /* 12 is not a group: $1 then the digit */
  CHECK_STR(rep("(a)|b", "ab", "[$1]"), "[a][]");
  CHECK_STR(rep("(?m)^", "a\nb\n", ">"), ">a\n>b\n");
  CHECK_STR(rep(".", "h\xc3\xa9llo", "x"), "xxxxx");
  CHECK_STR(rep("\\s+", " a  b ", "_"), "_a_b_");
  CHECK_STR(rep("x", "y", "$"), "y"); /* no match, so the bad replacement is not read */
  CHECK(!strncmp(rep("x", "x", "$2"), "ERR: no group 2", 15));
  CHECK(!strncmp(rep("x", "x", "$"), "ERR: illegal group reference", 28));
  CHECK(!strncmp(rep("x", "x", "a\\"), "ERR: character to be escaped is missing", 39));
  CHECK(!strncmp(rep("x", "x", "${nope}"), "ERR: no group with name {nope}", 30));
}

TEST(refused_and_malformed_patterns_say_what_and_where) {
  CHECK(err_has("(a", "unclosed group at character 1"));
  CHECK(err_has("a)", "unmatched closing ')' at character 2"));
  CHECK(err_has("[a", "unclosed character class"));
  CHECK(err_has("(?x)[a- ", "unclosed character class")); /* found by fuzz_regex */
  CHECK(err_has("*a", "dangling meta character '*' at character 1"));
  CHECK(err_has("a**", "dangling meta character '*' at character 3"));
  CHECK(err_has("a{", "illegal repetition"));
  CHECK(err_has("{1}", "illegal repetition"));
  CHECK(err_has("a{3,2}", "illegal repetition range"));
  CHECK(err_has("(a)\\1", "back-references"));
  CHECK(err_has("\\k<x>", "back-references"));
  CHECK(err_has("ab(?=c)", "lookahead (?=...) is not supported at character 3"));
  CHECK(err_has("(?<=a)b", "lookbehind"));
  CHECK(err_has("(?<!a)b", "lookbehind"));
  CHECK(err_has("a*+", "possessive quantifiers"));
  CHECK(err_has("(?>a)", "atomic groups"));
  CHECK(err_has("[z-a]", "illegal character range"));
  CHECK(err_has("[a-\\d]", "illegal character range"));
  CHECK(err_has("\\p{L}", "\\p{L} is not supported"));
  CHECK(err_has("(?<n>a)(?<n>b)", "<n> is already defined"));
  CHECK(err_has("\\", "cannot end with a backslash"));
  CHECK(err_has("\\y", "unsupported escape sequence \\y"));
  CHECK(err_has("(?q)", "unknown inline modifier 'q'"));
  CHECK(err_has("(?u)a", "(?u) is not supported"));
  CHECK(err_has("\\G", "\\G"));
  CHECK(err_has("(a{1000}){1000}", "too large"));
  CHECK(err_has("((?:){1000}){1000}", "too large"));
  CHECK(err_has("\\xZZ", "hexadecimal"));
  CHECK(err_has("\\u12", "Unicode escape"));
  CHECK(err_has("\\08", "octal"));
  /* the position counts characters, not bytes */
  CHECK(err_has("\xc3\xa4\xc3\xa4*+", "at character 4"));
  char deep[1000];
  memset(deep, '(', 500);
  memset(deep + 500, ')', 500);
  CHECK(!strncmp(m("", ""), "", 1));
  strom__regex *re;
  char err[200];
  CHECK_INT(strom__regex_compile(deep, sizeof deep, &re, err, sizeof err), STROM_EINVAL);
  CHECK(strstr(err, "nested too deeply") != NULL);
}

/* Patterns that take exponential time in a backtracking engine run in linear time. */
TEST(matching_is_linear_in_the_subject) {
  size_t n = 100000;
  char *s = malloc(n + 2);
  memset(s, 'a', n);
  s[n] = 'c', s[n + 1] = 0;
  const char *pats[] = {"(a*)*b", "(a|aa)*b", "(a+a+)+b", "(?:a?){20}a{20}b", "(\\w+\\s?)*$x"};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (size_t i = 0; i < sizeof pats / sizeof *pats; i++) CHECK_STR(m(pats[i], s), "NOMATCH");
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  free(s);
  CHECK(secs < 20.0); /* a backtracking engine would not finish */
}

TEST(find_from_an_offset_keeps_anchors_absolute) {
  strom__regex *re;
  char err[200];
  CHECK_INT(strom__regex_compile("^a|b", 4, &re, err, sizeof err), 0);
  void *work = malloc(strom__regex_work_size(re));
  int32_t caps[2];
  CHECK(strom__regex_find(re, "aab", 3, 1, caps, 1, work));
  CHECK_INT(caps[0], 2); /* ^ does not match at the offset */
  CHECK(!strom__regex_find(re, "aab", 3, 4, caps, 1, work));
  free(work);
  strom__regex_free(re);
}

/* Long ASCII subjects take the DFA when no groups are wanted; m() checks that its answer
 * is the Pike VM's. */
TEST(the_answer_alone_agrees_with_the_full_find_on_long_subjects) {
  CHECK_STR(m("a$", "xxxxxxxxa\n"), "a");
  CHECK_STR(m("a$", "xxxxxxxxa\r\n"), "a");
  CHECK_STR(m("a$", "xxxxxxxxa\nb"), "NOMATCH");
  CHECK_STR(m("a$\n", "xxxxxxxxa\n"), "a\n");
  CHECK_STR(m("a\\z", "xxxxxxxxa"), "a");
  CHECK_STR(m("a\\z", "xxxxxxxxa\n"), "NOMATCH");
  CHECK_STR(m("^xa", "xxxxxxxxa"), "NOMATCH");
  CHECK_STR(m("^xx", "xxxxxxxxa"), "xx");
  CHECK_STR(m("(&|^)k=(\\d+)", "zzzzzzzz&k=12&q"), "&k=12|&|12");
  CHECK_STR(m("(&|^)k=(\\d+)", "zzzzzzzzk=12&q"), "NOMATCH");
  CHECK_STR(m("[^x]y", "xxxxxxxxxxxxxay"), "ay");
  CHECK_STR(m("(?i)ab+c", "xxxxxxxxxxxxxABBBc"), "ABBBc");
  CHECK_STR(m("a.c", "xxxxxxxxxxxxxa\nc a-c"), "a-c");
  CHECK_STR(m("h.llo", "xxxxxxxxxxxh\xc3\xa4llo"), "h\xc3\xa4llo"); /* non-ASCII: the VM takes over */
  CHECK_STR(m("(a|ab)(c|bcd)(d*)", "xxxxxxxxxxabcd"), "abcd|a|bcd|");
  CHECK_STR(m("x{3}y", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxy"), "xxxy");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(leftmost_first_alternation_and_groups);
  RUN(greedy_lazy_and_counted_quantifiers);
  RUN(character_classes);
  RUN(escapes_and_quoting);
  RUN(flags);
  RUN(anchors_and_boundaries);
  RUN(named_groups);
  RUN(utf8_subjects);
  RUN(replace_all_as_java);
  RUN(refused_and_malformed_patterns_say_what_and_where);
  RUN(matching_is_linear_in_the_subject);
  RUN(find_from_an_offset_keeps_anchors_absolute);
  RUN(the_answer_alone_agrees_with_the_full_find_on_long_subjects);
  TEST_MAIN_END();
}
