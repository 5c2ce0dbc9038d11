/*
 * match.h -- what the MATCH_RECOGNIZE files share: the Match plan node's description,
 * the binder's and planner's entry points, and the matcher the operator runs.
 *
 * A pattern is a flat sequence of elements (Flink quantifies single variables only,
 * without alternation): variable, minimum and maximum rows, greedy or reluctant.  The
 * matcher follows Flink's CEP NFA for it with strict contiguity: every row starts a
 * partial match, each partial either takes the row into its current element or
 * proceeds to the next one (a greedy element does not proceed on a row it can take),
 * a match completes when its last element has its minimum, and completed matches are
 * emitted in order of their first row once no partial match that started earlier is
 * alive, then pruned by the AFTER MATCH SKIP mode.
 *
 * DEFINE and MEASURES expressions are bound over "terms": each navigation the
 * expression makes (A.col, col, FIRST/LAST/PREV, an aggregate over a variable's rows,
 * MATCH_ROWTIME()) is one column of a scratch row that the matcher fills before it
 * evaluates the expression.
 */
#ifndef STROM_SQL_MATCH_H
#define STROM_SQL_MATCH_H

#include "sql_int.h"

enum { MR_SKIP_NEXT_ROW, MR_SKIP_PAST_LAST, MR_SKIP_TO_FIRST, MR_SKIP_TO_LAST };
typedef enum { MR_COL, MR_FIRST, MR_LAST, MR_PREV, MR_AGG, MR_ROWTIME, MR_PROCTIME } mr_tkind;

typedef struct mr_elem {
  int var;
  int min, max; /* max -1: unbounded */
  bool greedy;
} mr_elem;

typedef struct mr_term {
  mr_tkind kind;
  int var;     /* -1: the rows of every variable */
  int col;     /* the input column read (MR_COL, MR_FIRST, MR_LAST, MR_PREV) */
  int64_t off; /* FIRST / LAST / PREV's offset */
  sql_agg agg; /* MR_AGG: its argument is column 0 of a one-column row */
  sql_expr *arg; /* MR_AGG: over the input's columns; NULL for COUNT(*) */
  sql_type type;
  const strom_schema *args, *accs; /* MR_AGG: the argument's row, the accumulator (match_plan.c) */
} mr_term;

/* An expression over the terms (scratch row column i = term i). */
typedef struct mr_cond {
  sql_expr *e;
  int n;
  int *terms; /* the terms e reads */
} mr_cond;

typedef struct sql_match {
  int npart;
  sql_expr **part; /* over the input */
  int time_col;    /* the ORDER BY's time attribute (input column) */
  bool proctime;
  int norder;      /* the ORDER BY's further keys, over the input */
  sql_expr **order;
  bool *desc;
  int nvars;
  const char **vars;
  mr_cond **define; /* per variable; NULL: any row */
  int nelems;
  mr_elem *elems;
  int skip, skip_var;
  int64_t within; /* ms; 0: none */
  int nterms;
  mr_term *terms;
  int nmeasures;
  mr_cond *measures;
  const char **names;
  const char *pattern_text; /* EXPLAIN, with the measures' and definitions' text */
  const sql_node **measure_ast, **define_ast;
} sql_match;

/* match_bind.c: the Match plan of a MATCH_RECOGNIZE node. */
sql_plan *sql_match_bind(struct binder *b, const sql_node *n);

/* match_plan.c: the operator of p over in; EXPLAIN's line. */
strom_stream *sql_match_stream(sql_build *b, const sql_plan *p, strom_stream *in);
void sql_match_explain(strom_buf *o, const sql_plan *p);

/* match_nfa.c: the matcher of one partition.  A partial match is small and does not grow
 * with its rows: rows are consecutive and elements come in pattern order, so the rows
 * each element took (runs) say which variable every row has; rows are read by sequence
 * number through a callback (the operator keeps them in keyed map state). */
typedef struct mr_partial {
  int64_t start, start_ts; /* the first row's sequence number and time */
  int elem, count;         /* the element taking rows, the rows it has (runs[elem]) */
  int n;                   /* rows so far (consecutive from start) */
  int *runs;               /* per element, the rows it took (0 past elem) */
  bool done;               /* a completed match waiting for earlier partial matches */
} mr_partial;

typedef struct mr_nfa {
  const sql_match *m;
  /* the row of sequence number seq, valid until the next call */
  const strom_row *(*row)(void *rctx, int64_t seq);
  void *rctx;
  int64_t next; /* the next row's sequence number */
  mr_partial *p;
  int np, capp;
  int *runs;           /* scratch: the partial being extended */
  int tcol;            /* the row's time column */
  strom_row *scratch;  /* the terms' values */
  strom_row **argr, **acc; /* per term: an aggregate's argument, its accumulator */
  sql_ectx ec;
  int64_t now;
  bool dirty; /* the partial matches changed (the operator writes them back only then) */
} mr_nfa;

/* Processes row (the next in order, sequence number nfa->next - 1, readable by row);
 * calls emit for each match in order; negative on error (ec.err says why). */
typedef int (*mr_emit_fn)(void *ctx, mr_nfa *nfa, const mr_partial *match);
int mr_nfa_row(mr_nfa *nfa, int64_t ts, mr_emit_fn emit, void *ctx);
/* Drops partial matches WITHIN no longer allows at time ts, then emits what that frees. */
int mr_nfa_advance(mr_nfa *nfa, int64_t ts, mr_emit_fn emit, void *ctx);
/* Evaluates c for the rows of match; the result in *out. */
int mr_eval(mr_nfa *nfa, const mr_cond *c, const mr_partial *match, sql_val *out);
/* The sequence number below which no row is read any more. */
int64_t mr_nfa_low(const mr_nfa *nfa);
/* The earliest start time of a partial match still running (WITHIN's next time-out);
 * INT64_MAX when none. */
int64_t mr_nfa_oldest(const mr_nfa *nfa);
/* A partial match with room for the pattern's runs; its runs zeroed. */
int mr_partial_init(const mr_nfa *nfa, mr_partial *p);
void mr_partial_free(mr_partial *p);

#endif
