/*
 * pg_conn.h -- what the PostgreSQL sink, scan and lookup share: the connection
 * settings copied from strom_jdbc_opts, connecting with libpq, telling transient
 * errors (worth a retry) from permanent ones, error messages that name the table and
 * column, and converting values between rows and PostgreSQL's text format.
 */
#ifndef STROM_PG_CONN_H
#define STROM_PG_CONN_H

#include <postgresql/libpq-fe.h>

#include "../core/core.h"
#include "strom/jdbc.h"

typedef struct strom_pg_target {
  char *conninfo; /* the URL without "jdbc:", or a conninfo string */
  char *table, *user, *password;
} strom_pg_target;

/* Copies the connection settings of o; on error writes why to err. */
int strom__pg_target_init(strom_pg_target *t, const strom_jdbc_opts *o, char *err, size_t errlen);
void strom__pg_target_free(strom_pg_target *t);
/* Connects (application_name "strom-<role>"); NULL on failure with a message in err. */
PGconn *strom__pg_connect(const strom_pg_target *t, const char *role, char *err, size_t errlen);
/* True when r (or the connection) failed in a way a retry may cure: a lost connection,
 * serialization failures and deadlocks, a server shutting down or out of resources. */
bool strom__pg_transient(PGconn *c, const PGresult *r);
/* "table 't': <server message> (column c)" into buf. */
void strom__pg_error(char *buf, size_t cap, const char *table, PGconn *c, const PGresult *r);
/* Runs sql (no parameters) and returns true if it succeeded; else a message in err. */
bool strom__pg_exec(PGconn *c, const char *sql, const char *table, char *err, size_t errlen);
/* Parses PostgreSQL's text form of a value into column col of r (copying strings). */
int strom__pg_parse_value(strom_row *r, int col, const char *s, size_t n, char *err, size_t errlen);
/* Appends "a, b, c": the schema's column names, as a select or insert list. */
int strom__pg_col_list(strom_buf *b, const strom_schema *s, const char *prefix);
/* Parses "a, b" into column indexes of s; NULL on error (message in err). */
int *strom__pg_cols(const strom_schema *s, const char *list, int *n, char *err, size_t errlen);
/* Sleeps for a retry's backoff: 100 ms doubled per attempt, at most 5 s. */
void strom__pg_backoff(int attempt);

#endif
