/*
 * strom/sql.h -- Strom's Flink SQL: a session runs SQL statements (DDL, SET, queries,
 * INSERT jobs) on the embedded runtime.  The `strom sql` client is a thin layer over
 * this header.
 *
 * A session holds the catalog (tables and views created with CREATE), the SET
 * configuration and the ${VAR} variables.  strom_sql_execute() runs every statement of
 * a text in order: DDL changes the catalog, SET/RESET the configuration, a bare SELECT
 * runs a job and prints its changelog as a table, and the INSERT statements of one
 * text (and those of an EXECUTE STATEMENT SET) run together as one job once the text's
 * last statement has been read.  Jobs block until their sources end or the session is
 * cancelled.
 */
#ifndef STROM_SQL_H
#define STROM_SQL_H

#include <stddef.h>
#include <stdio.h>

#include "strom.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strom_sql_session strom_sql_session;

/* out receives results (SELECT tables, the print connector, SHOW, DESCRIBE, EXPLAIN,
 * SET listings); NULL = stdout. */
strom_sql_session *strom_sql_session_new(FILE *out);
void strom_sql_session_free(strom_sql_session *s);
/* Defines ${name} for the statements executed after this call (copied). */
int strom_sql_define(strom_sql_session *s, const char *name, const char *value);
/* Runs the statements of text (len bytes).  Stops at the first failing statement and
 * returns its status; strom_sql_errmsg() then says what failed and where
 * ("line 3, column 14: expected ')', found FROM"). */
int strom_sql_execute(strom_sql_session *s, const char *text, size_t len);
const char *strom_sql_errmsg(const strom_sql_session *s);
/* Cancels the job the session is running, if any (async-signal-safe). */
void strom_sql_cancel(strom_sql_session *s);
/* A SET value of the session, or NULL when it is not set. */
const char *strom_sql_get(const strom_sql_session *s, const char *key);

#ifdef __cplusplus
}
#endif
#endif /* STROM_SQL_H */
