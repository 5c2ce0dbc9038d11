/*
 * ast.h -- the syntax tree the SQL parser builds, and the arena that owns it.
 *
 * The parser only builds this tree: no name is resolved and no type is checked here
 * (binding and planning live in their own files).  Every node has the same shape --
 * a kind, a position, flags, an optional text and a list of children -- so the
 * printer, the fuzzer and later passes walk one structure.  What the text and the
 * children mean for each kind is listed next to the kind below.  All nodes, their
 * texts and child arrays live in one sql_arena, freed at once by sql_arena_free.
 */
#ifndef STROM_SQL_AST_H
#define STROM_SQL_AST_H

#include <stddef.h>

#include "../core/core.h"

/* ---- arena ---- */
typedef struct sql_arena_block sql_arena_block;
typedef struct sql_arena {
  sql_arena_block *head;
} sql_arena;

/* Zeroed memory from the arena, NULL if out of memory. */
void *sql_arena_alloc(sql_arena *a, size_t n);
char *sql_arena_strndup(sql_arena *a, const char *s, size_t n);
/* Frees every block; the arena is empty and reusable afterwards. */
void sql_arena_free(sql_arena *a);

/* ---- nodes ----
 * X(kind, printed name).  A NULL printed name means the node prints its text as the
 * head of its S-expression (operators, function calls, set operations). */
#define SQL_KINDS(X)                                                                     \
  /* statements */                                                                       \
  X(SCRIPT, "script")             /* kids: statements */                                 \
  X(SET, "set")                   /* kids: key STRING, value STRING (none: list all) */  \
  X(RESET, "reset")               /* kids: key STRING (none: reset all) */               \
  X(CREATE_TABLE, "create-table") /* kids: NAME, COLUMNS, [COMMENT], [PARTITIONED_BY], [WITH], \
                                     [SUBQUERY] (CTAS/RTAS: flags REPLACE, OR_REPLACE) */ \
  X(CREATE_VIEW, "create-view")   /* kids: NAME, [COLUMN_LIST], query */                 \
  X(CREATE_FUNCTION, "create-function") /* kids: NAME, STRING, [ID language] */          \
  X(DROP_TABLE, "drop-table")     /* kids: NAME */                                       \
  X(DROP_VIEW, "drop-view")       /* kids: NAME */                                       \
  X(DROP_FUNCTION, "drop-function") /* kids: NAME */                                     \
  X(INSERT, "insert")             /* kids: NAME, [HINTS], [PARTITION_SPEC], [COLUMN_LIST], query */ \
  X(EXPLAIN, "explain")           /* text: NULL or the details (CHANGELOG_MODE, ...) joined by ','; kids: statement */ \
  X(SHOW, "show")                 /* text: TABLES, VIEWS, FUNCTIONS, ... */              \
  X(DESCRIBE, "describe")         /* kids: NAME */                                       \
  X(STATEMENT_SET, "statement-set") /* kids: INSERTs */                                  \
  /* DDL parts */                                                                        \
  X(COLUMNS, "columns")           /* kids: COLUMN, COMPUTED, METADATA, WATERMARK, PRIMARY_KEY */ \
  X(COLUMN, "column")             /* kids: ID, TYPE, [COMMENT]; flag PRIMARY_KEY */      \
  X(COMPUTED, "computed")         /* kids: ID, expr, [COMMENT] */                        \
  X(METADATA, "metadata")         /* kids: ID, TYPE, [STRING key]; flag VIRTUAL */        \
  X(WATERMARK, "watermark")       /* kids: ID column, expr */                            \
  X(PRIMARY_KEY, "primary-key")   /* kids: IDs (always NOT ENFORCED) */                  \
  X(PARTITIONED_BY, "partitioned-by") /* kids: IDs */                                    \
  X(COMMENT, "comment")           /* kids: STRING */                                     \
  X(WITH_OPTIONS, "with")         /* kids: OPTIONs */                                    \
  X(OPTION, "option")             /* kids: key STRING, value STRING */                   \
  X(COLUMN_LIST, "column-list")   /* kids: IDs */                                        \
  X(TYPE, "type")                 /* text: base name; p, s: parameters or -1; kids: element \
                                     TYPE (ARRAY, MULTISET), key and value TYPE (MAP), \
                                     COLUMN fields (ROW); flag NOT_NULL */              \
  /* queries */                                                                          \
  X(SELECT, "select")             /* kids: ITEMS, [FROM], [WHERE], [GROUP_BY], [HAVING], \
                                     [HINTS], [ORDER_BY], [LIMIT], [OFFSET]; flag DISTINCT */ \
  X(ITEMS, "items")               /* kids: expr, AS, STAR */                             \
  X(FROM, "from")                 /* kids: one table reference */                        \
  X(WHERE, "where")               /* kids: expr */                                       \
  X(GROUP_BY, "group-by")         /* kids: exprs */                                      \
  X(HAVING, "having")             /* kids: expr */                                       \
  X(ORDER_BY, "order-by")         /* kids: exprs or DESC/ASC-flagged SORT */            \
  X(SORT, "sort")                 /* kids: expr; flag DESC; NULLS FIRST/LAST flags */    \
  X(LIMIT, "limit")               /* kids: expr */                                       \
  X(OFFSET, "offset")             /* kids: expr */                                       \
  X(SETOP, NULL)                  /* text: union, intersect, except; kids: 2 queries; flag ALL */ \
  X(QUERY, "query")               /* kids: set operation, ORDER_BY, [LIMIT], [OFFSET] */ \
  X(WITH, "with")                 /* kids: CTEs, then the query */                       \
  X(CTE, "cte")                   /* kids: ID, [COLUMN_LIST], query */                   \
  X(VALUES, "values")             /* kids: ROWs */                                       \
  X(AS, "as")                     /* kids: expr or table reference, ID alias, [COLUMN_LIST] */ \
  /* table references */                                                                 \
  X(NAME, "name")                 /* kids: IDs, the parts of a.b.c; prints as a.b.c */   \
  X(JOIN, "join")                 /* text: inner, left, right, full, cross; kids: left, right, [ON|USING]; flag NATURAL */ \
  X(ON, "on")                     /* kids: expr */                                       \
  X(USING, "using")               /* kids: IDs */                                        \
  X(SUBQUERY, "subquery")         /* kids: query */                                      \
  X(TABLE_FUNCTION, "table-function") /* kids: CALL, as in TABLE(TUMBLE(...)) */         \
  X(TABLE_ARG, "table")           /* kids: NAME[, ID...]: TUMBLE(TABLE t, ...), SESSION(TABLE t PARTITION BY k, ...) */           \
  X(DESCRIPTOR, "descriptor")     /* kids: IDs */                                        \
  X(SYSTEM_TIME, "for-system-time-as-of") /* kids: table reference, expr */              \
  X(UNNEST, "unnest")             /* kids: exprs; flag ORDINALITY (unnest_grammar.h) */  \
  X(LATERAL, "lateral-table")     /* kids: CALL, as in LATERAL TABLE(f(x)) */            \
  X(MATCH_RECOGNIZE, "match-recognize") /* kids: table reference, [PARTITION_BY], [ORDER_BY], MR_CLAUSEs (match_grammar.h) */ \
  X(MR_CLAUSE, NULL)              /* text: measures, define (kids: ASs), pattern (kids: IDs, MR_QUANTs), within (kids: INTERVAL), \
                                     skip-to-next-row, skip-past-last-row, skip-to-first, skip-to-last (kids: [ID]) */ \
  X(MR_QUANT, NULL)               /* text: the quantifier (+, *?, {2,3}); p, s: min, max (-1: none); kids: ID */ \
  X(HINTED, "hinted")             /* kids: NAME, HINTS: a table name with hints (hint_grammar.h) */ \
  X(HINTS, "hints")               /* kids: HINTs */                                      \
  X(HINT, "hint")                 /* text: the name in upper case; kids: OPTIONs (key ID or \
                                     STRING, value STRING), or IDs, STRINGs, NUMBERs */  \
  /* expressions */                                                                      \
  X(ID, "id")                     /* text: the name; flag QUOTED if back-quoted */       \
  X(FIELD, ".")                   /* text: field name; kids: expr; flag QUOTED */        \
  X(INDEX, "[]")                  /* kids: expr, index expr */                           \
  X(STAR, "*")                    /* kids: [expr qualifier] */                           \
  X(NUMBER, "number")             /* text: as written */                                 \
  X(STRING, "string")             /* text: the decoded value */                          \
  X(KEYWORD, "keyword")           /* text: TRUE, FALSE, NULL, UNKNOWN, or a time unit */ \
  X(TYPED_LITERAL, NULL)          /* text: DATE, TIME, TIMESTAMP; kids: STRING */        \
  X(INTERVAL, "interval")         /* text: unit(s), e.g. SECOND, DAY TO SECOND; kids: value */ \
  X(OP, NULL)                     /* text: operator (and, or, not, neg, =, <>, <, >, <=, \
                                     >=, +, -, *, /, %, ||, like, not-like, between,     \
                                     not-between, in, not-in, is-null, is-not-null,      \
                                     is-true, ..., exists); kids: operands */            \
  X(CASE, "case")                 /* kids: [operand expr], WHENs, [ELSE] */              \
  X(WHEN, "when")                 /* kids: condition or value, result */                 \
  X(ELSE, "else")                 /* kids: expr */                                       \
  X(CAST, "cast")                 /* kids: expr, TYPE; flag TRY */                       \
  X(CALL, NULL)                   /* text: function name (upper case unless quoted);     \
                                     kids: args, [FILTER], [OVER]; flag DISTINCT */      \
  X(NAMED_ARG, "=>")              /* kids: ID, expr */                                   \
  X(FILTER, "filter")             /* kids: expr */                                       \
  X(OVER, "over")                 /* kids: [PARTITION_BY], [ORDER_BY], [FRAME] */        \
  X(PARTITION_BY, "partition-by") /* kids: exprs */                                      \
  X(FRAME, NULL)                  /* text: rows or range; kids: start BOUND, [end BOUND] */ \
  X(BOUND, NULL)                  /* text: unbounded-preceding, unbounded-following,     \
                                     current-row, preceding, following; kids: [expr] */  \
  X(ROW, "row")                   /* kids: exprs */                                      \
  X(PARTITION_SPEC, "partition")  /* INSERT ... PARTITION (k = v, ...): kids: OPs "=" (ID, literal) */ \
  X(CATALOG_STMT, NULL)           /* text: create-catalog, create-database, drop-catalog, \
                                     drop-database, use-catalog, use, alter-table-rename, \
                                     alter-table-set, alter-table-reset, alter-view-rename, \
                                     alter-view-as; kids: NAMEs, [COMMENT], [WITH], [ID \
                                     CASCADE], [STRINGs], [query] (catalog_grammar.h) */ \
  X(LIKE_CLAUSE, "like")          /* CREATE TABLE ... LIKE: kids: NAME, IDs "INCLUDING ALL", ... */ \
  X(STOP_JOB, "stop-job")         /* STOP JOB 'id': text: the id; kids: IDs SAVEPOINT, DRAIN (jobs.c) */

typedef enum {
#define SQL_KIND_ENUM(k, s) SQL_##k,
  SQL_KINDS(SQL_KIND_ENUM)
#undef SQL_KIND_ENUM
  SQL_KIND_COUNT
} sql_kind;

/* Flags, printed as words after the head in this order. */
#define SQL_FLAGS(X)                      \
  X(TEMPORARY, "temporary")               \
  X(IF_NOT_EXISTS, "if-not-exists")       \
  X(IF_EXISTS, "if-exists")               \
  X(OVERWRITE, "overwrite")               \
  X(DISTINCT, "distinct")                 \
  X(ALL, "all")                           \
  X(VIRTUAL, "virtual")                   \
  X(PRIMARY_KEY, "primary-key")           \
  X(TRY, "try")                           \
  X(DESC, "desc")                         \
  X(NULLS_FIRST, "nulls-first")           \
  X(NULLS_LAST, "nulls-last")             \
  X(QUOTED, "quoted")                     \
  X(NOT_NULL, "not-null")                 \
  X(NATURAL, "natural")                   \
  X(SYSTEM, "system")                     \
  X(ORDINALITY, "with-ordinality")        \
  X(REPLACE, "replace")                   \
  X(OR_REPLACE, "or-replace")

enum {
#define SQL_FLAG_BIT(f, s) SQL_FLAG_BIT_##f,
  SQL_FLAGS(SQL_FLAG_BIT)
#undef SQL_FLAG_BIT
};
#define SQL_F(f) (1u << SQL_FLAG_BIT_##f)

typedef struct sql_node {
  sql_kind kind;
  int line, col;  /* where the node starts in the source (1-based) */
  unsigned flags; /* SQL_F(...) */
  const char *text;
  int p, s; /* TYPE parameters (precision/length, scale), -1 when absent */
  int nkids, cap;
  struct sql_node **kids;
} sql_node;

const char *sql_kind_name(sql_kind k);
/* A node made by a rewrite (not the parser): at's position, nkids kid slots (all
 * counted, to be filled by the caller); NULL when out of memory. */
sql_node *sql_node_new(sql_arena *a, sql_kind k, const sql_node *at, const char *text, int nkids);
/* Appends kid to a node made by sql_node_new (its kids grow in the arena); false: out of memory. */
bool sql_node_append(sql_arena *a, sql_node *list, const sql_node *kid);
/* A rewrite that copies only what changes: kid i of n becomes kid, in *copy, a shallow
 * copy of n made on the first change.  false: out of memory. */
bool sql_node_set_kid(sql_arena *a, const sql_node *n, sql_node **copy, int i, const sql_node *kid);

/* Appends the canonical S-expression of n (see README.md) to b.  Returns 0 or
 * STROM_ENOMEM. */
int sql_print(const sql_node *n, strom_buf *b);

#endif
