/*
 * batch.h -- what the batch runtime mode (batch_*.c) and ORDER BY / LIMIT / OFFSET
 * (sort_*.c) share with the binder, the planner and the session.
 */
#ifndef STROM_SQL_BATCH_H
#define STROM_SQL_BATCH_H

#include "sql_int.h"

/* batch_plan.c: a plan bound in batch mode made final: every SCAN's table must be
 * bounded (an error naming the table and the option that bounds it), nodes whose
 * streaming operator emits a changelog get batch_final, and no node is a changelog. */
int sql_batch_plan(sql_plan *p, char *err, size_t errlen);
/* Whether table t's source ends; false with the reason (what would bound it) in why. */
bool sql_table_bounded(const sql_table *t, char *why, size_t whylen);

/* batch_agg.c: the non-windowed GROUP BY of batch mode over the pre-projected keyed
 * stream (keys first); state is the accumulator schema plus a BIGINT row count; one
 * +I row per group when the input ends (a global aggregate also over no rows). */
strom_stream *sql_batch_agg(sql_build *b, strom_keyed *ks, const sql_agg *aggs, int naggs, int nkeys, bool real_keys,
                            const strom_schema *state, const strom_schema *out, int64_t ttl_ms);

/* batch_final.c: in when p is not batch_final, else in's changelog folded per row
 * (+I/+U add one, -U/-D take one) and emitted as +I rows at the end of input. */
strom_stream *sql_batch_final(sql_build *b, const sql_plan *p, strom_stream *in);

/* sort_bind.c: ORDER BY / LIMIT / OFFSET of a query. */
typedef enum { SQL_SORT_BATCH = 1, SQL_SORT_TIME, SQL_SORT_PROCTIME } sql_sort_mode;
typedef struct sql_sort {
  sql_sort_mode mode; /* BATCH: all rows sorted at end of input; TIME: by the rowtime on watermarks;
                         PROCTIME: the rows of each millisecond of the clock, on the other keys */
  int n;
  sql_expr **keys; /* over the input's columns */
  bool *desc, *nulls_first;
  int64_t limit; /* -1: all */
  int64_t offset;
} sql_sort;
/* q (a SELECT or QUERY node with ORDER_BY / LIMIT / OFFSET kids) without those kids. */
sql_node *sql_sort_strip(sql_arena *a, const sql_node *q);
/* The plan of q's ORDER BY / LIMIT / OFFSET over in (q's query bound without them):
 * a SORT node in batch mode or for a streaming ORDER BY on a time attribute, a Top-N
 * (an OVER node under a projection) for a streaming LIMIT; NULL with err otherwise. */
sql_plan *sql_sort_bind(sql_session *s, sql_arena *a, sql_plan *in, const sql_node *q, char *err, size_t errlen);

/* A SELECT with ORDER BY / LIMIT / OFFSET: bind (the binder's bind_select, with ctx)
 * binds it without them, and again with the sort keys that name no output column
 * added as hidden items, which a projection drops after the sort. */
sql_plan *sql_sort_select(sql_session *s, sql_arena *a, const sql_node *sel, sql_plan *(*bind)(void *, const sql_node *),
                          void *ctx, char *err, size_t errlen);

/* sort_plan.c: the SORT node's operator, and its EXPLAIN line. */
strom_stream *sql_sort_stream(sql_build *b, const sql_plan *p);
void sql_sort_explain(strom_buf *o, const sql_plan *p, int depth);
/* sort_plan.c: EXPLAIN of a streaming LIMIT without ORDER BY (p: the CALC over its Top-N)
 * as Flink's Limit(offset=[m], fetch=[n]); false when p is not one. */
bool sql_limit_explain(strom_buf *o, const sql_plan *p, int depth);
/* The line of a streaming ORDER BY ... LIMIT's Top-N (an OVER node r) as Flink's
 * SortLimit(orderBy, offset, fetch, strategy); false for any other OVER. */
bool sql_sortlimit_explain(strom_buf *o, const sql_plan *r);

#endif
