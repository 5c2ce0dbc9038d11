/*
 * rank.h -- what the rank_*.c files share: the OVER node's description (an OVER
 * aggregation, or ROW_NUMBER turned into a Top-N or a deduplication by the WHERE on
 * its column) and a small pool of owned row copies for operators that read a list
 * state whole.
 */
#ifndef STROM_SQL_RANK_H
#define STROM_SQL_RANK_H

#include "sql_int.h"

typedef struct sql_over sql_over;
struct sql_over {
  /* the window: PARTITION BY and ORDER BY, over the node's input */
  int npart;
  sql_expr **part;
  int norder;
  sql_expr **order;
  bool *desc, *nulls_first;
  /* ROW_NUMBER: a Top-N when a WHERE bounds it */
  bool rank;
  int64_t limit;   /* rows kept per partition (rankEnd); 0 until the WHERE is seen */
  int64_t start;   /* the first rank emitted (rankStart, 1 unless an offset) */
  bool rank_out;   /* the row number reaches the output (else -D/+I changes) */
  bool window;     /* PARTITION BY window_start, window_end: final rows when the window fires */
  int wend_col;    /* window_end among the input's columns */
  /* aggregates: ORDER BY a time attribute, a frame ending at the current row */
  int naggs;
  sql_agg *aggs;
  sql_expr **args; /* naggs, NULL for COUNT(*) */
  int time_col;
  bool rows;         /* ROWS (else RANGE) */
  int64_t preceding; /* rows or milliseconds; -1 = UNBOUNDED */
  const char *text;  /* the window as written, for EXPLAIN */
  int rank_fn;       /* the Top-N's function: SQL_RANK_ROW_NUMBER, SQL_RANK_RANK, SQL_RANK_DENSE */
  bool batch_fns;    /* batch mode with LAG / LEAD / CUME_DIST / PERCENT_RANK / NTILE: over_batch.c */
  bool proc;         /* ORDER BY a PROCTIME() attribute: over_proc.c */
};

enum { SQL_RANK_ROW_NUMBER, SQL_RANK_RANK, SQL_RANK_DENSE };

/* Rows copied out of state (strings owned), reused across calls. */
typedef struct rank_rows {
  strom_row **r;
  int n, cap;
  const strom_schema *schema;
} rank_rows;

int rank_rows_push(rank_rows *p, const strom_row *src);
void rank_rows_clear(rank_rows *p);
void rank_rows_free(rank_rows *p);
/* Loads a LIST state's rows. */
int rank_rows_load(rank_rows *p, strom_state *st);

/* rank_topn.c: Top-N, deduplication and window Top-N; rank_over.c: OVER aggregates.
 * Both get the input projected to: input columns, partition keys, sort keys / args. */
strom_stream *sql_topn_stream(sql_build *b, const sql_plan *p, strom_stream *in);
strom_stream *sql_over_agg_stream(sql_build *b, const sql_plan *p, strom_stream *in);
/* rank_retract.c: RANK / DENSE_RANK Top-N over an updating input, on ks (rank_key_by's
 * projection pre, whose first sort key is column ord0). */
strom_stream *sql_rank_retract_stream(sql_build *b, const sql_plan *p, strom_keyed *ks, const strom_schema *pre,
                                      int ord0);
void rank_over_explain(strom_buf *o, const sql_plan *p);
/* The OVER clause's ORDER BY on two rows whose order columns start at ord0. */
int rank_cmp_rows(const sql_over *o, int ord0, const strom_row *a, const strom_row *b);
/* "label=[e1 DESC, e2 ASC]" (desc may be NULL) */
void rank_exprs_text(strom_buf *o, const char *label, sql_expr **e, int n, const bool *desc, const sql_col *cols);
/* The input projected to its columns, then extra (n expressions); keyed on the
 * first nkeys of extra.  NULL on error. */
strom_keyed *sql_over_key_by(sql_build *b, const sql_plan *p, strom_stream *in, sql_expr **ex, sql_agg *aggs, sql_expr time,
                             strom_schema *acc, int *tcol, const strom_schema **pre);
strom_keyed *rank_key_by(sql_build *b, const sql_plan *p, strom_stream *in, sql_expr **extra, int n, int nkeys,
                         const strom_schema **pre);

/* over_fns.c: LAG / LEAD's offset and NTILE's bucket count (literals), LAG / LEAD's default. */
struct sql_over_fn {
  int64_t offset, buckets;
  sql_expr *def; /* over the OVER node's input, of the argument's type; NULL when not given.  The
                    operators project it right after the argument (column arg + 1). */
  sql_expr *off; /* LAG / LEAD's offset when not a literal: BIGINT over the OVER node's input,
                    projected after the default (sql_over_fn_offset_col) */
};
int sql_over_fn_offset_col(const sql_agg *g);
/* Binds OVER call n (nargs arguments) when it is LAG, LEAD, CUME_DIST, PERCENT_RANK, NTILE or
 * one of agg_more.c's aggregates: 1 when bound (g, *arg), 0 when n is none of them, -1
 * with err. */
int sql_over_fn_bind(sql_session *s, sql_arena *a, const sql_plan *in, const sql_node *n, int nargs, sql_agg *g,
                     sql_expr **arg, char *err, size_t errlen);
/* Whether n is called as LAG, LEAD, CUME_DIST, PERCENT_RANK or NTILE (computed from the
 * partition's sorted rows in batch mode). */
bool sql_over_fn_positional(const sql_node *n);
/* over_batch.c: the OVER node of batch mode with those functions (or ROW_NUMBER / RANK /
 * DENSE_RANK that no WHERE bounds): each partition's rows in LIST state, sorted and
 * computed when the input ends. */
strom_stream *sql_over_batch_stream(sql_build *b, const sql_plan *p, strom_stream *in);

/* rank_distinct.c: DISTINCT aggregates per window (CUMULATE): counts keyed by (window
 * end, value), dropped when the window fires. */
sql_distinct *rank_distinct_open_windowed(strom_ctx *ctx, const sql_agg *aggs, int n);
int rank_distinct_add_window(sql_distinct *d, int64_t window, strom_row *acc, const strom_row *in, sql_ectx *c);
/* A -U/-D row of an updating input out of the window's counts (its value leaves when no row carries it). */
int rank_distinct_retract_window(sql_distinct *d, int64_t window, strom_row *acc, const strom_row *in, sql_ectx *c);
int rank_distinct_drop_window(sql_distinct *d, int64_t window);
/* Folds each distinct value of rows[0..n) once into acc, for every DISTINCT aggregate. */
int rank_distinct_fold(const sql_agg *aggs, int naggs, strom_row *acc, const strom_row *const *rows, size_t n,
                       sql_ectx *ec);

/* over_proc.c: OVER aggregates ordered by a processing-time attribute.  The binder's
 * check: sets o->proc when the ORDER BY is one PROCTIME() column, ascending; false with
 * err when it is one descending. */
bool sql_over_proc_bind(sql_over *o, const sql_node *over, const sql_plan *in, char *err, size_t errlen);
strom_stream *sql_over_proc_stream(sql_build *b, const sql_plan *p, strom_stream *in);

#endif
