/*
 * join_temporal.h -- the event-time temporal join of SQL (Flink's
 * TemporalRowTimeJoinOperator): internal, used by the SQL planner (src/sql/tjoin_bind.c).
 * Each left (probe) row is joined with the version of the right (versioned) table that
 * was valid at the left row's time, once the watermark has passed that time.
 */
#ifndef STROM_JOIN_TEMPORAL_H
#define STROM_JOIN_TEMPORAL_H

#include "strom.h"

typedef struct strom__temporal_join_def {
  bool left_outer;                  /* LEFT JOIN: a row without a valid version is padded with NULLs */
  const strom_schema *in_schema[2]; /* of the left and the right keyed stream (keys last) */
  int ncols[2];                     /* leading columns of each side copied to the output */
  int time_col[2];                  /* each side's TIMESTAMP time attribute */
  int nkeys;                        /* the key columns: the last nkeys of each input */
  const strom_schema *out_schema;   /* left's ncols[0] columns, then right's ncols[1] */
  /* Non-equi part of the condition on a joined row: 1 match, 0 no match, negative error. */
  int (*cond)(strom_ctx *ctx, const strom_row *joined, void *data);
  void *data;
} strom__temporal_join_def;

/* The join of left and right keyed by the equi-join keys; def must outlive the job.
 * Appends; the output rows carry their left row's timestamp. */
strom_stream *strom__temporal_join(strom_keyed *left, strom_keyed *right, const strom__temporal_join_def *def);

#endif
