/*
 * hint.h -- what the SQL hints (hint_apply.c), CREATE/REPLACE TABLE ... AS SELECT
 * (ctas.c) and EXPLAIN's details (explain_mode.c) offer the binder, the session and the
 * EXPLAIN printer.
 */
#ifndef STROM_SQL_HINT_H
#define STROM_SQL_HINT_H

#include "sql_int.h"

/* The table t as a FROM or INSERT INTO with these HINTS uses it: t itself without an
 * OPTIONS hint, else a copy in a with the options merged and checked.  NULL with
 * "line L, column C: ..." in err when a hint or an option is refused. */
sql_table *sql_hint_table(sql_arena *a, sql_table *t, const sql_node *hints, char *err, size_t errlen);
/* The query hints of a SELECT: 0, or STROM_EINVAL with the position in err. */
int sql_hint_query(const sql_node *hints, char *err, size_t errlen);

/* ctas.c: whether n is CREATE/REPLACE TABLE ... AS query; Flink's refusals of its CREATE
 * part; the table's definition (columns from the query, n's COMMENT and WITH) and the
 * INSERT that fills it, as nodes in a (the session keeps it). */
bool sql_ctas_is(const sql_node *n);
int sql_ctas_check(const sql_node *n, char *err, size_t errlen);
int sql_ctas_build(sql_session *s, sql_arena *a, const sql_node *n, sql_node **create, sql_node **insert, char *err,
                   size_t errlen);

/* explain_mode.c: EXPLAIN's details ("CHANGELOG_MODE,..."): 0 and CHANGELOG_MODE on or
 * off for this thread's next EXPLAIN, or STROM_EINVAL naming the one refused; the
 * printer's hook after a node whose text starts at mark; the lines still without a mode;
 * whether it is on; turning it off. */
int sql_explain_details(const char *details, char *err, size_t errlen);
void sql_explain_changelog_mark(strom_buf *o, size_t mark, const sql_plan *p);
void sql_explain_changelog_fill(strom_buf *o);
bool sql_explain_changelog_on(void);
bool sql_explain_json_on(void); /* JSON_EXECUTION_PLAN: session.c appends the job graph */
void sql_explain_changelog(bool on);

#endif
