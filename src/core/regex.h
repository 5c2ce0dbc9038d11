/*
 * regex.h -- internal regular-expression engine with java.util.regex syntax and
 * leftmost-first (backtracking-order) results, matched in time linear in the subject
 * by a Pike VM.  The SQL regex functions (src/sql/fn_regex.c) use it; see regex.c for
 * the supported subset and what is refused.
 */
#ifndef STROM_CORE_REGEX_H
#define STROM_CORE_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* The largest compiled program (instructions, after expanding {n,m}). */
#define STROM__REGEX_MAX_INSTS 20000
/* The deepest nesting of groups and character classes in a pattern. */
#define STROM__REGEX_MAX_DEPTH 200
/* The most capturing groups in a pattern. */
#define STROM__REGEX_MAX_GROUPS 500

typedef struct strom__regex strom__regex;

/* Compiles the UTF-8 pattern p (n bytes).  On success *out owns the program (free it
 * with strom__regex_free); otherwise STROM_EINVAL and err names the construct and its
 * position ("... at character N"). */
int strom__regex_compile(const char *p, size_t n, strom__regex **out, char *err, size_t errlen);
void strom__regex_free(strom__regex *re);

/* Prepares re for many finds: builds a DFA (up to a few ms) that answers finds without
 * groups over ASCII text.  Not thread-safe; call before sharing re. */
void strom__regex_optimize(strom__regex *re);

/* The number of capturing groups (group 0, the whole match, not counted). */
int strom__regex_groups(const strom__regex *re);
/* The number of a named group, or -1. */
int strom__regex_group_named(const strom__regex *re, const char *name, size_t n);

/* Bytes of scratch a find needs; the caller passes that much (8-byte aligned) as work,
 * so a compiled program can be shared by threads and a find does not allocate. */
size_t strom__regex_work_size(const strom__regex *re);

/* Finds the first match in s[0, n) starting at byte from (anchors see the whole
 * subject, as Java's matcher with its default region does).  caps receives 2 * ncap
 * byte offsets (start, end of group 0, 1, ...; -1 for a group that did not take part);
 * ncap may be 0 when only the answer matters.  Returns true on a match. */
bool strom__regex_find(const strom__regex *re, const char *s, size_t n, size_t from, int32_t *caps, int ncap,
                       void *work);

/* Java's Matcher.replaceAll: every match of re in s[0, n) replaced by r (rn bytes).
 * Unless literal, r is expanded as Java does ($n, ${name}, \x); a bad reference gives
 * STROM_EINVAL with err.  The result is appended to out. */
int strom__regex_replace(const strom__regex *re, const char *s, size_t n, const char *r, size_t rn, bool literal,
                         strom_buf *out, void *work, char *err, size_t errlen);

/* The end of the code point at s[i] (one byte for an invalid sequence). */
size_t strom__regex_next(const char *s, size_t n, size_t i);

#endif
