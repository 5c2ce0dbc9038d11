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
/* Cancels the job the session is running in the foreground, or, when there is none,
 * its background jobs (async-signal-safe). */
void strom_sql_cancel(strom_sql_session *s);
/* With SET 'table.dml-sync' = 'false' (Flink's client default; Strom's is 'true') the
 * INSERT jobs run in the background: strom_sql_execute() returns once they start, SHOW
 * JOBS lists them and STOP JOB stops them.  They run in this process, so they end with
 * the session; this waits until every one has ended (cancel: cancels them first) and
 * returns STROM_OK, or an error naming the first job that failed. */
int strom_sql_wait(strom_sql_session *s, bool cancel);
/* A SET value of the session, or NULL when it is not set. */
const char *strom_sql_get(const strom_sql_session *s, const char *key);

/* ---- Scalar user-defined functions in C ------------------------------------

   CREATE FUNCTION name AS 'path/to/libfoo.so:symbol' [LANGUAGE C]
   loads the library (dlopen; a path without '/' is searched as dlopen searches) and
   finds symbol, a `const strom_sql_udf` describing the function.  The function is
   called once per row with the arguments as SQL values; it must be thread-safe (each
   parallel subtask calls it) and must not keep pointers to its arguments.  Example:

     static int count_char(strom_sql_udf_ctx *ctx, int argc, const strom_sql_value *argv,
                           strom_sql_value *result) {
       ...count argv[1].s[0] in argv[0].s (argv[0].len bytes)...
       result->type = STROM_BIGINT, result->i = n;
       return 0;
     }
     const strom_sql_udf count_char_udf = {STROM_SQL_UDF_ABI, STROM_BIGINT, 2, 2, 1, count_char};

   ABI 2 (this header) adds the fields marked "ABI 2" below: a DECIMAL(p > 18) argument
   arrives whole (128-bit unscaled in hi:i) instead of cast to DECIMAL(18, s), a
   TIMESTAMP(p > 3) keeps its nanoseconds instead of being cut to milliseconds, and a
   function may return either (result_precision).  A library built against ABI 1 keeps
   working unchanged: it is called with ABI 1's smaller values and gets the narrowed
   arguments as before.
*/

#define STROM_SQL_UDF_ABI 2

/* A SQL value: type says which field holds it.  BOOLEAN, INT, BIGINT and TIMESTAMP
 * (milliseconds since the epoch) use i; DOUBLE d; DECIMAL i unscaled with scale;
 * VARCHAR s and len (not NUL-terminated).  Other SQL types arrive as their text
 * (VARCHAR).  is_null: SQL NULL (the other fields are then meaningless). */
typedef struct strom_sql_value {
  strom_type_id type;
  int is_null;
  int scale;
  int64_t i;
  double d;
  const char *s;
  size_t len;
  /* ABI 2: DECIMAL p (1..38) and TIMESTAMP p (0..9) of an argument; ignored in a result */
  int precision;
  /* ABI 2: DECIMAL's unscaled value is the 128-bit hi:i (i its low 64 bits as int64_t);
   * for p <= 18, hi is i's sign (0 or -1).  A result of p <= 18 may leave hi 0. */
  int64_t hi;
  /* ABI 2: TIMESTAMP's nanoseconds within the millisecond i (0..999999) */
  int32_t nano;
} strom_sql_value;

typedef struct strom_sql_udf_ctx strom_sql_udf_ctx;
struct strom_sql_udf_ctx {
  /* Memory for a VARCHAR result, valid until the row has been processed. */
  void *(*alloc)(strom_sql_udf_ctx *ctx, size_t n);
  /* Returning nonzero fails the job; a message written here says why. */
  char *err;
  size_t errlen;
  void *internal;
};

typedef struct strom_sql_udf {
  int abi;                 /* STROM_SQL_UDF_ABI */
  strom_type_id result;    /* the result's type (DECIMAL results: scale in result_scale) */
  int min_args, max_args;
  int null_on_null;        /* nonzero: a NULL argument gives NULL without calling eval */
  /* Sets *result (its type must be `result`, or is_null); 0 on success. */
  int (*eval)(strom_sql_udf_ctx *ctx, int argc, const strom_sql_value *argv, strom_sql_value *result);
  int result_scale;
  /* ABI 2: DECIMAL result precision 1..38 (0: 18), then scale 0..precision;
   * TIMESTAMP result precision 1..9 (0: 3), read from i and nano. */
  int result_precision;
} strom_sql_udf;

/* ---- Table functions in C (LATERAL TABLE) -----------------------------------

   The same CREATE FUNCTION name AS 'path/to/libfoo.so:symbol' [LANGUAGE C] loads a
   table function when symbol is a `const strom_sql_table_fn` (its abi field tells it
   from a scalar function's descriptor).  A query calls it per row of a table:

     SELECT t.s, w.word, w.len FROM t, LATERAL TABLE(split(t.s, ' ')) AS w(word, len)
     SELECT ... FROM t LEFT JOIN LATERAL TABLE(split(t.s, ' ')) AS w(word, len) ON TRUE

   eval is called once per input row with the arguments as SQL values (as a scalar
   function gets them) and emits zero or more rows through ctx->emit, each an array of
   ncols values of the declared column types (or is_null).  A row's strings need only
   live until emit returns.  The LEFT JOIN form gives an input row for which eval emitted
   nothing one row with NULL columns.  eval must be thread-safe and keep no pointers to
   its arguments.  Example:

     static int split(strom_sql_table_fn_ctx *ctx, int argc, const strom_sql_value *argv) {
       ...for each word w of argv[0]:
         strom_sql_value row[2] = {{.type = STROM_VARCHAR, .s = w, .len = n},
                                   {.type = STROM_INT, .i = (int64_t)n}};
         if (ctx->emit(ctx, row)) return -1;
       return 0;
     }
     static const char *const split_names[] = {"word", "len"};
     static const strom_type_id split_types[] = {STROM_VARCHAR, STROM_INT};
     const strom_sql_table_fn split_fn = {STROM_SQL_TABLE_FN_ABI, 2, split_names, split_types, 1, 2, split};
*/

#define STROM_SQL_TABLE_FN_ABI 0x54460001 /* "TF" 1: never a scalar function's ABI */

typedef struct strom_sql_table_fn_ctx strom_sql_table_fn_ctx;
struct strom_sql_table_fn_ctx {
  /* Emits one row of the function's ncols columns; nonzero: stop, the job fails. */
  int (*emit)(strom_sql_table_fn_ctx *ctx, const strom_sql_value *row);
  /* Returning nonzero from eval fails the job; a message written here says why. */
  char *err;
  size_t errlen;
  void *internal;
};

typedef struct strom_sql_table_fn {
  int abi;                         /* STROM_SQL_TABLE_FN_ABI */
  int ncols;                       /* 1..64 columns per emitted row */
  const char *const *col_names;    /* the columns' names when the query gives none */
  const strom_type_id *col_types;  /* BOOLEAN, INT, BIGINT, DOUBLE, VARCHAR or TIMESTAMP (ms) */
  int min_args, max_args;          /* 0..64 */
  int (*eval)(strom_sql_table_fn_ctx *ctx, int argc, const strom_sql_value *argv);
} strom_sql_table_fn;

#ifdef __cplusplus
}
#endif
#endif /* STROM_SQL_H */
