/*
 * unnest.h -- what the files of UNNEST and LATERAL TABLE share: the UNNEST plan node's
 * description, the binder's and planner's entry points and the C table functions.
 * A row of the input expands into zero or more rows, each the input row's columns then
 * the columns of one element (of an ARRAY, MAP or MULTISET the row holds) or of one row
 * a C table function emitted for it: Flink's Correlate, run as a stateless flat-map
 * chained after its input (unnest_plan.c).
 */
#ifndef STROM_SQL_UNNEST_H
#define STROM_SQL_UNNEST_H

#include "sql_int.h"

typedef enum { SQL_UN_ARRAY, SQL_UN_MAP, SQL_UN_MULTISET, SQL_UN_FUNCTION } sql_unkind;

typedef struct sql_unnest {
  sql_unkind kind;
  bool left;       /* LEFT JOIN ... ON TRUE: a row of NULLs where nothing expands */
  bool ordinality; /* WITH ORDINALITY: a last column of 1-based positions */
  bool rowv;       /* the elements are ROW values, one column per field */
  sql_type coll;   /* the collection's type */
  sql_expr *arg;   /* the collection, over the input's columns */
  int nargs;       /* a table function's arguments, over the input's columns */
  sql_expr **args;
  const strom_sql_table_fn *fn;
  const char *fname;
  int nin, nout; /* the input's columns; the columns added */
} sql_unnest;

/* unnest_bind.c: whether a table reference is UNNEST(...) or LATERAL TABLE(...) (under
 * an alias or not); the plan of a JOIN node whose right side is one, over left (NULL:
 * binding it failed); one standing alone in FROM, over a single empty row. */
bool sql_unnest_is(const sql_node *n);
sql_plan *sql_unnest_join(struct binder *b, const sql_node *join, sql_plan *left);
sql_plan *sql_unnest_alone(struct binder *b, const sql_node *n);

/* unnest_plan.c: the operator of p over in (NULL: planning in failed); EXPLAIN's line. */
strom_stream *sql_unnest_stream(sql_build *b, const sql_plan *p, strom_stream *in);
void sql_unnest_explain(strom_buf *o, const sql_plan *p);

/* udf.c: the table function name finds in the session, or NULL. */
const strom_sql_table_fn *sql_udf_table_find(const sql_session *s, const char *name);
/* udtf.c: whether sym (a symbol CREATE FUNCTION loaded) is a table function's
 * descriptor; what is wrong with one (m, "" when nothing); the SQL type of a column. */
bool sql_udtf_is(const void *sym);
void sql_udtf_check(const strom_sql_table_fn *f, char *m, size_t mlen);
sql_type sql_udtf_col_type(strom_type_id id);
/* The check of a table function called as a scalar one (it explains where it belongs). */
int sql_udtf_scalar_check(sql_arena *a, sql_expr *e, char *err, size_t errlen);
/* An argument of type t as the ABI has it; emitted column i's value as SQL's (-1 with err
 * when it does not fit the declared type). */
void sql_udtf_arg(const sql_type *t, const sql_val *v, strom_sql_value *out);
int sql_udtf_col(const strom_sql_table_fn *f, int i, const strom_sql_value *v, sql_val *out, char *err, size_t errlen);

#endif
