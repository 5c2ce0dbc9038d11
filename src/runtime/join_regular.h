/*
 * join_regular.h -- the regular (unbounded) join of two keyed changelog streams, as
 * Flink SQL's StreamingJoinOperator: internal, used by the SQL planner.  Not part of
 * the DataStream API because its output is a changelog with null padding, which only
 * the SQL layer's row kinds give a meaning to.
 */
#ifndef STROM_JOIN_REGULAR_H
#define STROM_JOIN_REGULAR_H

#include "strom.h"

typedef enum { STROM__JOIN_INNER, STROM__JOIN_LEFT, STROM__JOIN_RIGHT, STROM__JOIN_FULL } strom__join_type;

typedef struct strom__regular_join_def {
  strom__join_type type;
  const strom_schema *in_schema[2]; /* of the left and the right keyed stream */
  int ncols[2];                     /* leading columns of each side copied to the output */
  const strom_schema *out_schema;   /* left's ncols[0] columns, then right's ncols[1] */
  /* Non-equi part of the condition on a joined row (out_schema): 1 match, 0 no match,
   * negative error.  NULL: every pair with equal keys matches. */
  int (*cond)(strom_ctx *ctx, const strom_row *joined, void *data);
  void *data;
  int64_t ttl_ms; /* state retention of each side's rows (table.exec.state.ttl); 0 = forever */
  /* A side whose input only inserts: unless it is an outer side, its rows are kept in a
   * list (appended, read in order) instead of a map keyed by the whole row, which
   * saves hashing and comparing every row.  A retraction on it fails the job. */
  bool append_only[2];
  /* Event-time expiry (inner joins; the SQL planner proves it, join_expire.c): a row of
   * side expire_side whose column expire_col holds t can match no row of the other side
   * that arrives after the watermark passed t + expire_ms, so it is dropped then. */
  bool expire;
  int expire_side, expire_col;
  int64_t expire_ms;
} strom__regular_join_def;

/* The join of left and right, keyed by the equi-join keys (rows with a NULL key match
 * nothing).  def must outlive the job. */
strom_stream *strom__regular_join(strom_keyed *left, strom_keyed *right, const strom__regular_join_def *def);

/* The semi or anti join of SQL's IN / EXISTS subqueries, INTERSECT and EXCEPT, as
 * Flink's StreamingSemiAntiJoinOperator (op_join_semi.c): the output is the left's
 * rows only (out_schema: the left's ncols[0] columns); cond sees a joined row of
 * joined_schema (the left's ncols[0] columns, then the right's ncols[1]). */
typedef struct strom__semi_join_def {
  bool anti;
  bool null_safe; /* keys with NULLs match equal keys (IS NOT DISTINCT FROM: INTERSECT, EXCEPT) */
  const strom_schema *in_schema[2];
  int ncols[2];
  const strom_schema *out_schema, *joined_schema;
  int (*cond)(strom_ctx *ctx, const strom_row *joined, void *data);
  void *data;
  int64_t ttl_ms;
} strom__semi_join_def;

strom_stream *strom__semi_join(strom_keyed *left, strom_keyed *right, const strom__semi_join_def *def);

#endif
