/*
 * sql_int.h -- what the SQL layer's files share past the parser: SQL types and values,
 * bound expressions, aggregate calls, the logical plan, the catalog, the connectors'
 * option tables and the session.
 *
 * The pipeline is parser (AST) -> binder (names resolved, types checked: a plan of
 * sql_plan nodes holding sql_expr trees) -> planner (strom_* streams on an
 * environment).  Everything a statement binds lives in one sql_arena; plans that run
 * keep their arena alive in the session until the job has ended, because the
 * operators' user data points into it.
 */
#ifndef STROM_SQL_INT_H
#define STROM_SQL_INT_H

#include <stdbool.h>
#include <pthread.h>
#include <stdint.h>

#include "../core/core.h"
#include "ast.h"
#include "lexer.h"
#include "strom/sql.h"

typedef struct strom_sql_session sql_session;

/* ---- types ---- */

/* A SQL type on the row model: TINYINT/SMALLINT/INT -> STROM_INT, FLOAT/DOUBLE ->
 * STROM_DOUBLE, CHAR/VARCHAR/STRING -> STROM_VARCHAR, TIMESTAMP(3)/TIMESTAMP_LTZ(3) ->
 * STROM_TIMESTAMP.  name is the declared spelling DESCRIBE shows ("STRING", "INT"). */
typedef struct sql_type {
  strom_type_id id; /* 0: the type of an untyped NULL literal */
  int p, s;         /* DECIMAL precision and scale; VARCHAR length (0 = unbounded) */
  bool ltz;         /* TIMESTAMP_LTZ */
  bool not_null;
  uint8_t kind;     /* sql_tkind: what a DATE/TIME/INTERVAL/ARRAY/MAP's physical column holds */
  const struct sql_type *elem, *key; /* ARRAY element, MAP value; MAP key */
  uint8_t narrow;   /* sql_narrow: TINYINT/SMALLINT on an INT column, FLOAT on a DOUBLE one */
  bool chr;         /* VARCHAR: a CHAR(p), as Flink types a declared CHAR and a string literal (fid_typeof.c) */
} sql_type;

/* types_narrow.c: the declared type of a column the rows widen (INT holds TINYINT and
 * SMALLINT, DOUBLE holds FLOAT); values are kept in the narrow type's range/precision. */
typedef enum { SQL_N_NONE, SQL_N_TINYINT, SQL_N_SMALLINT, SQL_N_FLOAT } sql_narrow;
struct sql_val;
struct sql_ectx;
/* Wraps (TINYINT/SMALLINT, as Java's (byte)/(short)) or rounds to float (FLOAT) v in place. */
void sql_narrow_fix(const sql_type *t, struct sql_val *v);
/* The narrow kind of x op y (arithmetic) where both are INT/BIGINT/DOUBLE ids; t is the
 * result's id as the binder chose it. */
uint8_t sql_narrow_arith(const sql_type *x, const sql_type *y, const sql_type *t);
/* Bits of a narrow integer type (8, 16) or 0. */
/* True when a value of type from must be narrowed to become a to (INT -> TINYINT,
 * DOUBLE -> FLOAT); widening needs no cast, the value already fits. */
bool sql_narrow_needs_cast(const sql_type *from, const sql_type *to);
/* CAST to a narrow type (sql_val_cast's hook), with Java's narrowing. */
int sql_narrow_cast(const sql_type *from, const sql_type *to, const struct sql_val *v, struct sql_val *out,
                    struct sql_ectx *c);
/* "TINYINT", "SMALLINT", "FLOAT", or NULL for a type that is not narrow. */
const char *sql_narrow_name(const sql_type *t);
/* A column of a TINYINT, SMALLINT or FLOAT type (t->narrow set), which the formats
 * read and write as Flink does (types_narrow.c). */
int sql_schema_add_narrow(strom_schema *s, const char *name, const sql_type *t);
static inline int sql_narrow_bits(const sql_type *t) {
  return t->narrow == SQL_N_TINYINT ? 8 : t->narrow == SQL_N_SMALLINT ? 16 : 0;
}

/* SQL types beyond the row model's own, on its columns (types_time.c, types_coll.c). */
typedef enum {
  SQL_K_NONE,
  SQL_K_DATE,  /* INT: days since 1970-01-01 */
  SQL_K_TIME,  /* INT: milliseconds of the day; p = fractional digits */
  SQL_K_IV_DT, /* BIGINT: INTERVAL DAY TO SECOND in milliseconds */
  SQL_K_IV_YM, /* INT: INTERVAL YEAR TO MONTH in months */
  SQL_K_BYTES, /* VARCHAR: BYTES / VARBINARY(n) / BINARY(n) (s = 1) as they are (types_bytes.c) */
  SQL_K_ARRAY, /* VARCHAR: an encoded array (types_coll.c) */
  SQL_K_MAP,   /* VARCHAR: an encoded map */
  SQL_K_ROWV,     /* VARCHAR: a packed ROW value (rowfn_val.c); elem points at its fields */
  SQL_K_MULTISET, /* VARCHAR: a MULTISET<key> encoded as a MAP<key, INT> of counts (rowfn_val.c) */
} sql_tkind;

#define SQL_MAX_PRECISION 38
#define SQL_VARCHAR_MAX 2147483647

/* The type of a TYPE node, or an error "line L, column C: ..." in err. */
int sql_type_from_ast(const sql_node *t, sql_type *out, char *err, size_t errlen);
/* "BIGINT", "DECIMAL(10, 2)", "VARCHAR(2147483647)" as Flink names them. */
void sql_type_name(const sql_type *t, char *buf, size_t cap);
bool sql_type_numeric(const sql_type *t);
/* DECIMAL view of an exact numeric type (INT -> DECIMAL(10,0)). */
sql_type sql_type_as_decimal(const sql_type *t);
/* Precision/scale of DECIMAL after Flink's reduction to SQL_MAX_PRECISION digits. */
sql_type sql_decimal(int p, int s);
struct sql_val;
struct sql_ectx;
/* types_time.c: DATE/TIME/INTERVAL.  from_ast returns 1 when the node is not one. */
int sql_temporal_type_from_ast(const sql_node *t, sql_type *out, char *err, size_t errlen);
void sql_temporal_type_name(const sql_type *t, char *buf, size_t cap);
void sql_temporal_format(strom_buf *b, const sql_type *t, int64_t v);
int sql_temporal_parse(const sql_type *t, const char *s, size_t n, int64_t *out);
bool sql_temporal_can_cast(const sql_type *from, const sql_type *to);
bool sql_temporal_common_type(const sql_type *a, const sql_type *b, sql_type *out);
/* DATE '...' / TIME '...' (-2: another keyword, -1: malformed); INTERVAL '..' YEAR/MONTH
 * (-2: a day-time unit). */
int sql_temporal_literal(const char *kw, const char *text, sql_type *t, struct sql_val *v);
int sql_interval_literal(const char *units, const char *text, sql_type *t, struct sql_val *v);
/* types_coll.c: ARRAY and MAP (from_ast returns 1 when the node is neither). */
int sql_coll_type_from_ast(const sql_node *t, sql_type *out, char *err, size_t errlen);
void sql_coll_type_name(const sql_type *t, char *buf, size_t cap);
void sql_coll_format(strom_buf *b, const sql_type *t, const struct sql_val *v);
int sql_coll_parse(const sql_type *t, const char *s, size_t n, struct sql_val *v, struct sql_ectx *c);
bool sql_coll_can_cast(const sql_type *from, const sql_type *to);
sql_type sql_coll_array_type(const sql_type *elem);
/* The encoding, for fn_coll.c: read an element / the count, append an element, copy the
 * buffer (count first) into c as the value; the MAP<key, elem> type. */
bool sql_coll_get(const char **p, const char *end, const sql_type *t, struct sql_val *v);
bool sql_coll_count(const char **p, const char *end, uint32_t *n);
void sql_coll_put(strom_buf *b, const sql_type *t, const struct sql_val *v);
/* v = the bytes of b as a string in c's scratch (non-NULL); b is freed. */
int sql_coll_finish(strom_buf *b, struct sql_val *v, struct sql_ectx *c);
sql_type sql_coll_map_type(const sql_type *key, const sql_type *elem);
int sql_coll_cast(const sql_type *from, const sql_type *to, const struct sql_val *v, struct sql_val *out, struct sql_ectx *c);
/* types_bytes.c: BYTES, BINARY(n), VARBINARY(n) (from_ast returns 1 when the node is none). */
int sql_bytes_type_from_ast(const sql_node *t, sql_type *out, char *err, size_t errlen);
void sql_bytes_type_name(const sql_type *t, char *buf, size_t cap);
bool sql_bytes_common_type(const sql_type *a, const sql_type *b, sql_type *out);
bool sql_bytes_can_cast(const sql_type *from, const sql_type *to);
/* Adds a column of type t to schema s. */
int sql_schema_add(strom_schema *s, const char *name, const sql_type *t);

/* ---- values ---- */

typedef struct sql_val {
  bool null;
  union {
    int64_t i; /* BOOLEAN, INT, BIGINT, DECIMAL (unscaled), TIMESTAMP (ms) */
    double d;
    struct {
      const char *p;
      uint32_t n;
    } s;
    struct { /* DECIMAL(p, s) with p > 18 (sql_dec_wide): lo aliases i */
      uint64_t lo;
      int64_t hi;
    } w;
    struct { /* TIMESTAMP(p > 3): ms is i, nano the nanoseconds of the millisecond */
      int64_t ms;
      uint32_t nano;
    } ts;
  };
} sql_val;

/* ---- TIMESTAMP(p) with p up to 9 (types_ts.c) ---- */
/* A TIMESTAMP(4..9): its values keep the nanoseconds of the millisecond beside it. */
static inline bool sql_ts_wide(const sql_type *t) { return t->id == STROM_TIMESTAMP && !t->kind && t->p > 3; }
/* Cuts v's fraction to p digits (Flink truncates between precisions, never rounds). */
void sql_ts_truncate(sql_val *v, int p);
/* Flink's text of a TIMESTAMP(p) / TIME(p) value: at least p fractional digits. */
void sql_ts_format(strom_buf *b, const sql_type *t, const sql_val *v);
/* Orders two TIMESTAMP(4..9) values. */
int sql_ts_cmp(const sql_val *a, const sql_val *b);
/* The precision of TIMESTAMP '...' text: its fractional digits, at least 3. */
int sql_ts_literal_precision(const char *text);
/* Java's LocalDateTime.toString of v (the print connector): fractions in groups of 3. */
void sql_ts_java(strom_buf *b, const sql_val *v, bool wide, bool instant);
/* EXTRACT(MICROSECOND / NANOSECOND): of the minute, as MILLISECOND is seconds * 1000 + ms. */
int64_t sql_ts_extract_sub(const sql_type *t, const sql_val *v, bool micro);
/* The nine fractional digits of a second (DATE_FORMAT's S letters); a static buffer per thread. */
const char *sql_ts_fraction9(int milli, uint32_t nano);
/* TIMESTAMPDIFF(unit, a, b) and TIMESTAMPADD(unit, n, ts): the unit is the first argument,
 * bound to e->aux as sql_ts_unit's static name. */
const struct sql_func *sql_ts_func_find(const char *name);
bool sql_ts_unit_call(const struct sql_func *f);
const char *sql_ts_unit(const char *text);
/* An epoch value in units of 10^-p seconds (p = 0..9) as a timestamp (TO_TIMESTAMP_LTZ(n, p)). */
int sql_ts_from_epoch(int64_t v, int p, sql_val *out, struct sql_ectx *c);

/* Per-thread evaluation scratch: strings made by functions live here until reset. */
typedef struct sql_ectx {
  struct sql_chunk *chunks;
  size_t used;
  char err[256];
} sql_ectx;
/* An empty context for one evaluation on a per-row path: cheaper than `= {0}`, which
 * zeroes the whole error buffer although an error is rare. */
static inline void sql_ectx_init(sql_ectx *c) { c->chunks = NULL, c->used = 0, c->err[0] = 0; }
void sql_ectx_reset(sql_ectx *c);
void sql_ectx_free(sql_ectx *c);
char *sql_ectx_alloc(sql_ectx *c, size_t n);
/* Sets err and returns STROM_EUSER. */
int sql_ectx_fail(sql_ectx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads column col of r as a value; stores v into column col of r (strings copied). */
void sql_val_get(const strom_row *r, int col, sql_val *v);
int sql_val_set(strom_row *r, int col, const sql_val *v);
/* Formats v as SQL prints it (CAST AS STRING, print and tableau output). */
void sql_val_format(strom_buf *b, const sql_type *t, const sql_val *v);
/* Parses text into a value of type t (CAST from a string).  -1 if malformed. */
int sql_val_parse(const sql_type *t, const char *s, size_t n, sql_val *v, sql_ectx *c);
/* types_coll.c: one element of a collection's or ROW's text (NULL unless quoted). */
int sql_coll_parse_elem(const sql_type *t, const char *s, size_t n, bool quoted, sql_val *v, sql_ectx *c);
/* Converts v of type from to type to (CAST); STROM_EUSER with the reason in c->err. */
int sql_val_cast(const sql_type *from, const sql_type *to, const sql_val *v, sql_val *out, sql_ectx *c);
int sql_temporal_cast(const sql_type *from, const sql_type *to, const sql_val *v, sql_val *out, sql_ectx *c);
/* Compares two non-null values of the same type: <0, 0, >0. */
int sql_val_cmp(const sql_type *t, const sql_val *a, const sql_val *b);
/* 10^n for 0 <= n <= 18. */
int64_t sql_pow10(int n);
extern const int64_t sql_pow10s[19];
/* v (unscaled at scale from) at scale to, rounding half up; false if it needs more
 * than p digits. */
bool sql_dec_rescale(__int128 v, int from, int to, int p, int64_t *out);
/* A DECIMAL result that did not fit t: NULL (out->null) as Flink.  types.c. */
struct sql_val;
int sql_dec_overflow(const sql_type *t, struct sql_val *out, sql_ectx *c);

/* ---- DECIMAL wider than 18 digits (decimal_wide.c) ----
 * DECIMAL(p, s) with p <= 18 is the unscaled int64 in i; with 19 <= p <= 38 it is an
 * unscaled 128-bit integer in w.  sql_dec_get reads either (and INT/BIGINT) as 128
 * bits; sql_dec_put stores into t's form when |x| < 10^p, else out is NULL (Flink's
 * overflow). */
static inline bool sql_dec_wide(const sql_type *t) { return t->id == STROM_DECIMAL && !t->kind && t->p > 18; }
/* INT, BIGINT or TIMESTAMP(p <= 3): held in the value's int64 and ordered as one, so fast
 * paths may compare it without the general value code. */
static inline bool sql_int64_type(const sql_type *t) {
  return t->kind == SQL_K_NONE && !sql_ts_wide(t) && (t->id == STROM_INT || t->id == STROM_BIGINT || t->id == STROM_TIMESTAMP);
}
static inline __int128 sql_dec_get(const sql_type *t, const sql_val *v) {
  return sql_dec_wide(t) ? (__int128)(((unsigned __int128)(uint64_t)v->w.hi << 64) | v->w.lo) : (__int128)v->i;
}
static inline void sql_dec_put(const sql_type *t, __int128 x, sql_val *out) {
  out->null = !strom__dec128_fits(x, t->p);
  if (sql_dec_wide(t)) out->w.lo = (uint64_t)x, out->w.hi = (int64_t)(x >> 64);
  else out->i = (int64_t)x;
}
/* +, -, *, /, % when the result or an operand is wide (expr.c's arith hook). */
int sql_dec_wide_arith(int op, const sql_type *t, const sql_type *tx, const sql_val *x, const sql_type *ty,
                       const sql_val *y, sql_val *out, sql_ectx *c);
/* CAST from or to a wide DECIMAL between numeric and boolean types. */
int sql_dec_wide_cast(const sql_type *from, const sql_type *to, const sql_val *v, sql_val *out, sql_ectx *c);
int sql_dec_wide_cmp(const sql_type *t, const sql_val *a, const sql_val *b);
/* ABS, SIGN, FLOOR/CEIL, ROUND, MOD when the argument is wide; TRUNCATE of any DECIMAL. */
int sql_dec_wide_fn(const char *name, const sql_type *rt, const sql_type *in, const sql_val *a, int n, sql_val *out,
                    sql_ectx *c);

/* ---- expressions ---- */

typedef enum {
  SQL_E_COL, SQL_E_LIT, SQL_E_AND, SQL_E_OR, SQL_E_NOT,
  SQL_E_EQ, SQL_E_NE, SQL_E_LT, SQL_E_GT, SQL_E_LE, SQL_E_GE,
  SQL_E_ADD, SQL_E_SUB, SQL_E_MUL, SQL_E_DIV, SQL_E_MOD, SQL_E_NEG, SQL_E_CONCAT,
  SQL_E_IS_NULL, SQL_E_IS_NOT_NULL, SQL_E_IS_TRUE, SQL_E_IS_NOT_TRUE, SQL_E_IS_FALSE, SQL_E_IS_NOT_FALSE,
  SQL_E_IS_DISTINCT, SQL_E_IS_NOT_DISTINCT,
  SQL_E_BETWEEN, SQL_E_NOT_BETWEEN, SQL_E_IN, SQL_E_NOT_IN, SQL_E_LIKE, SQL_E_NOT_LIKE,
  SQL_E_CASE, /* args: cond0, val0, cond1, val1, ..., [else] (n odd: has else) */
  SQL_E_CAST, SQL_E_FUNC,
  SQL_E_ROWTIME, /* the row's event timestamp: a rowtime column the planner folded into the scan */
} sql_eop;

typedef struct sql_func sql_func;
typedef struct sql_expr sql_expr;
struct sql_expr {
  sql_eop op;
  sql_type type;
  int col;    /* SQL_E_COL */
  sql_val lit; /* SQL_E_LIT (strings in the arena) */
  bool try_cast;
  int n;
  sql_expr **a;
  const sql_func *fn;
  int64_t aux; /* a function's constant (a time unit) */
  /* expr_fast.c: this node's specialised evaluator, set by sql_expr_compile; NULL: the
   * general one.  Valid only while the node's children keep their shape. */
  int (*fast)(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out);
  uint8_t fit_len; /* an explicit CAST to VARCHAR(n) (1) / CHAR(n) (2): cast_len.c fits the text */
};
/* cast_len.c: what fit_len an explicit CAST to the type (its AST) gets; the cast value fitted */
/* nullability.c: narrows e's type to NOT NULL where Flink infers it from the operands */
void sql_expr_nullability(sql_expr *e);
uint8_t sql_cast_fit_kind(const sql_node *type_ast, const sql_type *t);
int sql_cast_fit(const sql_expr *e, sql_val *v, sql_ectx *c);
/* x op y for a comparison op (SQL_E_EQ .. SQL_E_GE) of two integers. */
static inline bool sql_cmp_holds(sql_eop op, int64_t x, int64_t y) {
  switch (op) {
    case SQL_E_EQ: return x == y;
    case SQL_E_NE: return x != y;
    case SQL_E_LT: return x < y;
    case SQL_E_GT: return x > y;
    case SQL_E_LE: return x <= y;
    default: return x >= y;
  }
}
/* Chooses the specialised evaluator of e and its children (once the plan is final). */
void sql_expr_compile(sql_expr *e);

/* types_time.c: l op r where either is a DATE/TIME/INTERVAL (NULL with err if not allowed). */
sql_expr *sql_temporal_arith(sql_arena *a, sql_eop op, sql_expr *l, sql_expr *r, char *err, size_t errlen);
/* types_time.c: CURRENT_DATE, CURRENT_TIME, LOCALTIME (written without parentheses), or NULL. */
const sql_func *sql_temporal_niladic(const char *name);
/* types_coll.c: ARRAY[...], MAP[...], CARDINALITY; x[i] as an expression. */
const sql_func *sql_coll_func_find(const char *name);
sql_expr *sql_coll_index(sql_arena *a, sql_expr *x, sql_expr *i, char *err, size_t errlen);
/* x (an ARRAY or MAP) as JSON text, for the filesystem json sink. */
sql_expr *sql_coll_to_json(sql_arena *a, sql_expr *x);
/* types_pgarray.c: a jdbc ARRAY column x between PostgreSQL's array text and type t
 * (decode: text -> t). */
sql_expr *sql_pg_array_io(sql_arena *a, sql_expr *x, const sql_type *t, bool decode);
/* PostgreSQL's array text s -> [..] with every element a quoted string or NULL, appended
 * to b; -1 when s is malformed.  sql_pg_array_out: an array's JSON -> PostgreSQL's text. */
int sql_pg_array_in(const char *s, size_t n, strom_buf *b);
void sql_pg_array_out(const char *s, size_t n, strom_buf *b);
/* types_bytes.c: the value side of BYTES: x'0a1b' text, Java's byte[] text (print),
 * CASTs, the X'..' literal, the functions on bytes, the connector form (base64; raw as is). */
void sql_bytes_format(strom_buf *b, const sql_val *v);
void sql_bytes_java(strom_buf *b, const sql_val *v);
int sql_bytes_parse(const sql_type *t, const char *s, size_t n, sql_val *v, sql_ectx *c);
int sql_bytes_cast(const sql_type *from, const sql_type *to, const sql_val *v, sql_val *out, sql_ectx *c);
int sql_bytes_literal(sql_arena *a, const char *text, sql_type *t, sql_val *v, char *err, size_t errlen);
const sql_func *sql_bytes_func_find(const char *name);
/* f, or its bytes form when e's first argument is bytes (SUBSTRING, CONCAT, CHAR_LENGTH). */
const sql_func *sql_bytes_call(const sql_func *f, const sql_expr *e);
sql_type sql_bytes_concat_type(const sql_expr *l, const sql_expr *r);
/* col names the column in errors. */
sql_expr *sql_bytes_io(sql_arena *a, sql_expr *x, const sql_type *t, bool decode, const char *format, const char *col);
struct sql_table;
const char *sql_bytes_conn_format(const struct sql_table *t, const char *col);
/* kafka_headers_map.c: the Kafka 'headers' column as MAP<STRING, BYTES> (Flink's type). */
bool sql_kafka_headers_map(const sql_type *t);
sql_expr *sql_kafka_headers_io(sql_arena *a, sql_expr *x, const sql_type *t, bool decode);
/* Evaluates e over row r into out (strings may point into r or into c's scratch). */
int sql_eval(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out);
/* A predicate: 1 true, 0 false or NULL, negative error. */
int sql_eval_pred(const sql_expr *e, const strom_row *r, sql_ectx *c);
/* Appends a readable form of e (EXPLAIN), column names from cols. */
struct sql_col;
void sql_expr_print(strom_buf *b, const sql_expr *e, const struct sql_col *cols);
/* planner.c: a copy of e (in a) with each column c read as map[c]. */
sql_expr *sql_expr_remap(sql_arena *a, const sql_expr *e, const int *map);

/* Built-in scalar functions (functions.c). */
typedef int (*sql_fn_eval)(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c);
struct sql_func {
  const char *name;
  int min_args, max_args;
  bool strict; /* NULL in any argument gives NULL without calling eval */
  /* Checks the argument types and sets e->type; on error writes the reason. */
  int (*check)(sql_arena *a, sql_expr *e, char *err, size_t errlen);
  sql_fn_eval eval;
};
const sql_func *sql_func_find(const char *name);
/* The function of that name (case-insensitive) in table t of n entries, or NULL. */
const sql_func *sql_func_in(const sql_func *t, size_t n, const char *name);
#define SQL_FUNC_IN(table, name) sql_func_in((table), sizeof(table) / sizeof *(table), (name))
/* fn_regex.c: the REGEXP* functions (Java patterns, src/core/regex.c). */
const sql_func *sql_regex_func_find(const char *name);
/* docs_fn.c: FLOOR/CEIL(x TO unit), TRIM(... chars FROM s) as docs_grammar.h rewrites them, WEEK */
const sql_func *sql_docs_func_find(const char *name);
/* docs_between.c: x [NOT] BETWEEN lo AND hi when a bound is NULL and x is not */
void sql_between_null_bound(const sql_expr *e, const sql_val *v, sql_val *out);
/* fn_math.c: trigonometry, LOG, PI, E, RAND, RAND_INTEGER; fn_coll.c: ARRAY_* and MAP_*. */
const sql_func *sql_math_func_find(const char *name);
void sql_math_func_list(strom_buf *b);
const sql_func *sql_fncoll_func_find(const char *name);
void sql_fncoll_func_list(strom_buf *b);
/* fn_time2.c: TO_DATE, CONVERT_TZ, CURRENT_WATERMARK; the CALC operator evaluating on this
 * thread (planner.c sets it per row), whose watermark CURRENT_WATERMARK gives. */
extern _Thread_local strom_ctx *sql_calc_ctx;
const sql_func *sql_time2_func_find(const char *name);
void sql_time2_func_list(strom_buf *b);
/* fn_string2.c (with fn_hash.c, fn_json.c): Flink's string, hash, URL and JSON functions. */
const sql_func *sql_fnstr_func_find(const char *name);
void sql_fnstr_func_list(strom_buf *b);
const sql_func *sql_fnstr3_func_find(const char *name); /* fn_string3.c */
const sql_func *sql_ltz_string_func(void); /* fn_time2.c: TO_TIMESTAMP_LTZ(string [, format [, zone]]) */
void sql_fnstr3_func_list(strom_buf *b);
const sql_func *sql_hash_func_find(const char *name);
const sql_func *sql_json_func_find(const char *name);
/* Space separated names of every built-in function (SHOW FUNCTIONS). */
void sql_func_list(strom_buf *b);

/* ---- aggregates ---- */

typedef enum { SQL_AGG_COUNT, SQL_AGG_COUNT_STAR, SQL_AGG_SUM, SQL_AGG_MIN, SQL_AGG_MAX, SQL_AGG_AVG,
               /* agg_more.c */
               SQL_AGG_STDDEV_POP, SQL_AGG_STDDEV_SAMP, SQL_AGG_VAR_POP, SQL_AGG_VAR_SAMP, SQL_AGG_LISTAGG,
               SQL_AGG_FIRST_VALUE, SQL_AGG_LAST_VALUE,
               SQL_AGG_LAG, SQL_AGG_LEAD, SQL_AGG_CUME_DIST, SQL_AGG_PERCENT_RANK, SQL_AGG_NTILE, /* OVER only: over_fns.c */
               SQL_AGG_JSON_OBJECT, SQL_AGG_JSON_ARRAY, SQL_AGG_COLLECT } sql_agg_kind;

typedef struct sql_agg {
  sql_agg_kind kind;
  sql_type type;    /* result */
  sql_type in_type; /* argument */
  int arg;          /* column of the argument in the aggregation's input row, -1 for COUNT(*) */
  int acc;          /* first accumulator column */
  int filter;       /* BOOLEAN column of FILTER (WHERE ...), or -1 */
  char *text;       /* as written, to find the same call twice */
  bool distinct;    /* COUNT/SUM/AVG(DISTINCT x): each value once (rank_distinct.c) */
  const char *distinct_arg; /* the argument as written: DISTINCT aggregates of one argument share state */
  bool json_absent; /* JSON_OBJECTAGG / JSON_ARRAYAGG: ABSENT ON NULL (agg_json.c) */
  bool array_agg;   /* ARRAY_AGG: JSON_ARRAYAGG's list of element encodings (agg_json.c) */
  const double *pct; /* PERCENTILE's percentages (npct), an ARRAY of them when pct_array (agg_percentile.c) */
  int npct;
  bool pct_array;
  const char *sep;  /* LISTAGG's separator */
  bool keep_list;   /* FIRST_VALUE / LAST_VALUE over updating input, MIN / MAX in windows over one: every value */
  const struct sql_over_fn *over_fn; /* LAG / LEAD / NTILE's constant arguments (over_fns.c) */
} sql_agg;

/* agg_more.c: STDDEV/VARIANCE, LISTAGG, FIRST_VALUE, LAST_VALUE.  kind returns -1 for
 * another name; bind checks the arguments and sets the result type (NULL, or the error). */
int sql_agg_more_kind(const char *name);
const char *sql_agg_more_bind(sql_agg *g, int nargs, const struct sql_node *sep);
/* Marks the aggregates that must keep every value because their input retracts. */
void sql_agg_more_changelog(sql_agg *aggs, int n, bool changelog);
/* agg_more.c: a list of values in a VARCHAR accumulator column ([u32 length][bytes]
 * for strings, 16 bytes for the rest): v appended, or its oldest equal value removed;
 * the value at *p, *p advanced past it (false at the end). */
int sql_vlist_update(const sql_agg *g, strom_row *acc, const sql_val *v, bool retract);
int sql_vlist_merge(const sql_agg *g, strom_row *acc, const strom_row *o); /* o's values after acc's */
bool sql_vlist_next(const char **p, const char *end, const sql_type *t, sql_val *v);
/* agg_minmax.c: MIN / MAX with keep_list, every value in a VARCHAR accumulator column. */
void sql_minmax_result(const sql_agg *g, const strom_row *acc, strom_row *out, int col);
static inline bool sql_agg_more(const sql_agg *g) { return g->kind >= SQL_AGG_STDDEV_POP && g->kind <= SQL_AGG_NTILE; }
int sql_agg_more_schema(sql_agg *g, int i, strom_schema *acc);
void sql_agg_more_init(const sql_agg *g, strom_row *acc);
int sql_agg_more_add(const sql_agg *g, strom_row *acc, const strom_row *in, bool retract, struct sql_ectx *c);
int sql_agg_more_merge(const sql_agg *g, strom_row *acc, const strom_row *o);
void sql_agg_more_result(const sql_agg *g, const strom_row *acc, strom_row *out, int col);
/* over_fns.c: the accumulators of the OVER-only kinds, which agg_more.c hands on: LAG's
 * last offset + 1 values; the others are computed by over_batch.c over the sorted partition. */
static inline bool sql_agg_over_only(const sql_agg *g) { return g->kind >= SQL_AGG_LAG && g->kind <= SQL_AGG_NTILE; }
int sql_over_fn_schema(sql_agg *g, int i, strom_schema *acc);
void sql_over_fn_init(const sql_agg *g, strom_row *acc);
int sql_over_fn_add(const sql_agg *g, strom_row *acc, const strom_row *in, struct sql_ectx *c);
void sql_over_fn_result(const sql_agg *g, const strom_row *acc, strom_row *out, int col);
/* COUNT(DISTINCT a, b, ...) as a COUNT(DISTINCT x) of one value per tuple (NULL if any is NULL). */
const struct sql_node *sql_agg_more_count_tuple(sql_arena *a, const struct sql_node *call, int nargs);

/* Adds the accumulator columns of each aggregate to acc (setting their acc fields). */
int sql_agg_acc_schema(sql_agg *aggs, int n, strom_schema *acc);
void sql_agg_init(const sql_agg *aggs, int n, strom_row *acc);
/* Folds input row in into acc; retract for -U/-D rows.  STROM_ENOTSUP when a MIN/MAX
 * would have to retract. */
int sql_agg_add(const sql_agg *aggs, int n, strom_row *acc, const strom_row *in, bool retract, sql_ectx *c);
/* MIN or MAX of a value kept as an int64 (the hot aggregate of Nexmark's windows and
 * joins): in's argument folded into acc, without retraction. */
static inline void sql_agg_minmax_add(const sql_agg *g, strom_row *acc, const strom_row *in) {
  if (in->nulls[g->arg]) return;
  int64_t x = in->v[g->arg].i, cur = acc->v[g->acc].i;
  if (acc->nulls[g->acc] || (g->kind == SQL_AGG_MAX ? x > cur : x < cur)) acc->nulls[g->acc] = 0, acc->v[g->acc].i = x;
}
/* Whether aggregate g folds by sql_agg_minmax_add: an int64 MIN/MAX without FILTER,
 * DISTINCT or a list of values. */
bool sql_agg_is_minmax64(const sql_agg *g);
int sql_agg_merge(const sql_agg *aggs, int n, strom_row *acc, const strom_row *other);
/* Writes aggregate i's result into column out_col + i of out. */
void sql_agg_result(const sql_agg *aggs, int n, const strom_row *acc, strom_row *out, int out_col);
/* agg_json.c: JSON_OBJECTAGG / JSON_ARRAYAGG and COLLECT.  sql_aggjson_arg: the one argument the
 * aggregate reads, built from its bound arguments (clauses last), or NULL with err. */
bool sql_aggjson_name(const char *name);
struct sql_expr *sql_aggjson_arg(sql_arena *a, sql_agg *g, struct sql_expr **args, int nargs, char *err, size_t errlen);
int sql_aggjson_schema(const sql_agg *g, strom_schema *acc, const char *name);
void sql_aggjson_init(const sql_agg *g, strom_row *acc);
int sql_aggjson_add(const sql_agg *g, strom_row *acc, const strom_row *in, bool retract, sql_ectx *c);
int sql_aggjson_merge(const sql_agg *g, strom_row *acc, const strom_row *o);
void sql_aggjson_result(const sql_agg *g, const strom_row *acc, strom_row *out, int col);
/* agg_percentile.c: PERCENTILE on agg_json.c's list; the type of ARRAY_AGG or PERCENTILE */
struct sql_expr *sql_pct_arg(sql_arena *a, sql_agg *g, struct sql_expr **args, int nargs, char *err, size_t errlen);
sql_type sql_pct_type(const sql_agg *g);
void sql_pct_result(const sql_agg *g, const struct sql_val *entries, int n, strom_row *out, int col);
sql_type sql_aggjson_type(const sql_agg *g, const struct sql_expr *arg);

/* ---- plans ---- */

typedef struct sql_col {
  const char *name;
  const char *qual; /* table or alias the column can be qualified with; NULL if none */
  sql_type type;
  bool rowtime; /* an event-time attribute: rows carry its value as their timestamp */
  int8_t wincol; /* SQL_WIN_START / SQL_WIN_END: a window TVF's or window aggregate's bounds (window joins) */
  /* Not part of '*', and only a qualified name finds it: the other column of a
   * JOIN ... USING pair, an OVER call's column. */
  bool hidden;
  bool proctime; /* a processing-time attribute: PROCTIME() (tjoin_bind.c) */
} sql_col;

typedef enum { SQL_P_SCAN, SQL_P_VALUES, SQL_P_CALC, SQL_P_UNION, SQL_P_WINDOW_TVF, SQL_P_AGG, SQL_P_OVER, SQL_P_JOIN, SQL_P_SETOP, SQL_P_SORT, SQL_P_EXPAND,
              SQL_P_UNNEST /* unnest.h */, SQL_P_MATCH /* match.h */ } sql_pkind;

/* SQL_W_ATTACHED: the windows are read from a windowed input's window_start/window_end
 * columns (a GROUP BY of a window aggregation's or window join's output by them, Flink's
 * WindowAttachedWindowingStrategy; agg_attached.c). */
typedef enum { SQL_W_NONE, SQL_W_TUMBLE, SQL_W_HOP, SQL_W_SESSION, SQL_W_CUMULATE, SQL_W_ATTACHED } sql_wkind;

typedef struct sql_window {
  sql_wkind kind;
  int64_t size, slide, gap;
  bool proctime; /* over a PROCTIME() attribute: windows of the clock (tjoin_bind.c) */
  /* SQL_W_ATTACHED: the input's window_start and window_end columns, and the kind of the
   * windows they came from (size, slide and gap are theirs), for EXPLAIN */
  sql_wkind inner;
  int start_col, end_col;
  int64_t offset; /* a window TVF's offset, in [0, slide) for HOP, [0, size) otherwise (Flink's) */
  /* SESSION(TABLE t PARTITION BY ...): the partition columns of the TVF's input; the
   * aggregation must GROUP BY exactly them (sessions are per key, as its operator's) */
  int npart;
  const int *part;
} sql_window;

struct sql_table;
typedef struct sql_plan sql_plan;
struct sql_plan {
  sql_pkind kind;
  int ncols;
  sql_col *cols;
  sql_plan *in, *in2;
  bool changelog; /* may carry -U/+U/-D rows */
  /* SCAN */
  struct sql_table *table;
  /* VALUES: nrows rows of ncols literal expressions */
  int nrows;
  sql_expr ***rows;
  /* CALC: a filter (may be NULL) then a projection (NULL: pass rows through) */
  sql_expr *cond;
  sql_expr **exprs;
  /* WINDOW_TVF: the input's columns then window_start, window_end, window_time */
  sql_window win;
  int time_col;
  /* AGG: output = keys, [window_start, window_end, window_time], aggregates */
  int nkeys;
  sql_expr **keys; /* over the input */
  int naggs;
  sql_agg *aggs;
  sql_expr **agg_args; /* over the input; naggs entries, NULL for COUNT(*) */
  sql_expr **agg_filters;
  /* OVER: the input's columns then one per OVER call; Top-N and deduplication too */
  struct sql_over *over;
  /* JOIN (join_bind.c): in = left, in2 = right, cols = left's then right's */
  struct sql_join *join;
  /* SETOP (subq_plan.c): INTERSECT ALL / EXCEPT ALL of in and in2, or the one-row check of a scalar subquery */
  int setop;
  /* SORT (sort_bind.c): ORDER BY / LIMIT / OFFSET over in, the same columns */
  struct sql_sort *sort;
  /* batch mode (batch_plan.c): the streaming operator's changelog is folded into final
   * insert-only rows at the end of input */
  bool batch_final;
  /* EXPLAIN (sql_plan_optimized): a mini-batch GROUP BY's rows per batch and latency */
  int64_t mb_size, mb_latency_ms;
  /* SCAN: the table's general WATERMARK expression bound over its columns (wm_expr.c) */
  sql_expr *wm_expr;
  /* EXPAND (groupsets.c): the input's columns then $e, one row per grouping set */
  struct sql_gsets *gsets;
  /* UNNEST (unnest.h): the input's columns then those of each row the input row expands to */
  struct sql_unnest *unnest;
  /* EXPLAIN (sql_plan_optimized): a JOIN that runs as join_winmax.c's operator */
  bool winmax;
  /* EXPLAIN: an AGG folded into the join below it (join_agg.c) */
  bool joinagg;
  /* MATCH (match.h): the PARTITION BY columns then the measures, one row per match */
  struct sql_match *match;
};

/* ---- GROUPING SETS / ROLLUP / CUBE (groupsets.c) ---- */
typedef struct sql_gsets {
  int nflat;      /* distinct GROUP BY expressions (the flattened GROUP BY's kids) */
  int nsets;
  uint64_t *sets; /* per set: bit i when flat expression i is in it */
  int *gid;       /* per set: GROUP_ID() */
  int *key_of;    /* per flat expression: its AGG key, -1 for a window column (binder.c) */
  int e_key;      /* $e's AGG key */
  int first_key, nkeys; /* the Expand's key columns */
  uint64_t *null_keys;  /* per set: bit k when key k is NULL in its rows */
} sql_gsets;
bool sql_gsets_is_item(const sql_node *n);
bool sql_gsets_is_fn(const char *name);
/* group with GROUPING SETS / ROLLUP / CUBE items: *flat the distinct expressions, *gs the
 * sets; otherwise *gs NULL.  0 on error. */
int sql_gsets_flatten(sql_arena *a, const sql_node *group, const sql_node **flat, sql_gsets **gs, char *err, size_t errlen);
/* After the keys are bound (key_of set): adds the $e key; 0 on error. */
int sql_gsets_keys(sql_arena *a, sql_gsets *gs, sql_expr **keys, const sql_node **key_nodes, int *nkeys, const sql_node *group,
                   char *err, size_t errlen);
/* GROUPING / GROUPING_ID / GROUP_ID over the AGG's output (key: each argument's AGG key). */
sql_expr *sql_gsets_call(sql_arena *a, const sql_gsets *gs, const sql_node *call, const int *key, int n, char *err, size_t errlen);
/* The Expand under agg (over src); re-points agg's keys at its columns. */
sql_plan *sql_gsets_expand(sql_arena *a, sql_plan *src, sql_gsets *gs, sql_plan *agg, char *err, size_t errlen);

/* ---- joins (join_bind.c, join_plan.c) ---- */

enum { SQL_WIN_START = 1, SQL_WIN_END = 2 };
typedef enum { SQL_J_INNER, SQL_J_LEFT, SQL_J_RIGHT, SQL_J_FULL, SQL_J_SEMI, SQL_J_ANTI } sql_jtype;
typedef enum { SQL_JK_REGULAR, SQL_JK_INTERVAL, SQL_JK_WINDOW, SQL_JK_LOOKUP, SQL_JK_TEMPORAL } sql_jkind;

typedef struct sql_join {
  sql_jtype type;
  bool cross; /* written as a comma or CROSS JOIN: WHERE conditions may move in */
  sql_expr *cond; /* the whole condition over the joined columns, or NULL */
  /* what the planner runs, from sql_join_analyze() */
  sql_jkind kind;
  int nkeys;
  sql_expr **lkeys, **rkeys; /* equi-join keys over the left's and the right's columns */
  sql_expr *residual;        /* the rest of the condition over the joined columns, or NULL */
  int ltime, rtime;          /* INTERVAL: the rowtime columns (rtime over the right's columns) */
  int64_t lower, upper;      /* INTERVAL: right time - left time in [lower, upper] */
  int lwend, rwend;          /* WINDOW: the window_end columns of each side */
  bool null_safe;            /* SEMI/ANTI of INTERSECT/EXCEPT: NULL keys match (IS NOT DISTINCT FROM) */
  /* FOR SYSTEM_TIME AS OF (tjoin_bind.c): the left's time attribute it names, or -1
   * for an ordinary join; LOOKUP (proctime) or TEMPORAL (rowtime) after the analysis */
  int asof;
} sql_join;

/* A JOIN plan of l and r (type: inner, left, right, full, cross) without a condition. */
sql_plan *sql_join_new(sql_arena *a, sql_plan *l, sql_plan *r, const char *type, char *err, size_t errlen);
/* Adds cond (over the join's columns) with AND and chooses the join (regular,
 * interval, window): 0 or an error in err. */
int sql_join_add_cond(sql_arena *a, sql_plan *j, sql_expr *cond, char *err, size_t errlen);
/* WHERE over an inner or cross join: moves the conjuncts it can into the joins (also
 * nested ones) and leaves the rest in *cond (NULL when nothing is left). */
int sql_join_push_where(sql_arena *a, sql_plan *in, sql_expr **cond, char *err, size_t errlen);
struct sql_build;
strom_stream *sql_join_stream(struct sql_build *b, const sql_plan *p);
void sql_join_explain(strom_buf *o, const sql_plan *p, int depth);
/* tjoin_bind.c, tjoin_lookup.c, op_join_temporal.c: FOR SYSTEM_TIME AS OF joins (lookup and event time). */
bool sql_is_proctime_call(const sql_expr *e);
/* After sql_join_analyze of a join whose right side is FOR SYSTEM_TIME AS OF: checks
 * and chooses LOOKUP or TEMPORAL. */
int sql_asof_analyze(sql_arena *a, sql_plan *p, char *err, size_t errlen);
/* tjoin_lookup.c: a lookup join (jdbc, filesystem); tjoin_bind.c: an event-time
 * temporal join of the keyed inputs; the start of EXPLAIN's line. */
strom_stream *sql_lookup_stream(struct sql_build *b, const sql_plan *p);
strom_stream *sql_temporal_join(struct sql_build *b, const sql_plan *p, strom_keyed *kl, strom_keyed *kr,
                                const strom_schema *ls, const strom_schema *rs, const strom_schema *out);
void sql_asof_explain(strom_buf *o, const sql_plan *p);
/* join_expire.c: lets a regular inner join drop one side's rows by event time when its
 * condition proves they can match nothing more (q7). */
struct strom__regular_join_def;
void sql_join_expiry(const sql_plan *p, struct strom__regular_join_def *d);
/* A TIMESTAMP column plus or minus a constant (ms): *col, *off (join_expire.c, join_winmax.c). */
bool sql_time_term(const sql_expr *e, int *col, int64_t *off);
/* join_winmax.c: whether p, an inner join of rows with their own tumbling window's MAX
 * or MIN of the same rows (Nexmark q7), runs as a window operator instead of a regular
 * join; the operator; its EXPLAIN line and input (false: p is no such join). */
bool sql_winmax_applies(struct sql_build *b, const sql_plan *p);
strom_stream *sql_winmax_stream(struct sql_build *b, const sql_plan *p);
bool sql_winmax_explain(strom_buf *o, const sql_plan *p, int depth);
/* planner.c: an AGG's pre-projection as a CALC over its input (keys k0.., arguments
 * a<i>, filters f<i>, a window's row time t), with its aggregates' arg and filter
 * renumbered to those columns; the state of a non-windowed aggregation (accumulators,
 * then the row count); its output stream's columns. */
typedef struct sql_agg_pre {
  sql_plan *plan;
  int nkeys, tcol;
  sql_agg *aggs;
} sql_agg_pre;
int sql_agg_prepare(struct sql_build *b, const sql_plan *p, sql_agg_pre *out);
const strom_schema *sql_agg_state_schema(struct sql_build *b, const strom_schema *acc);
const strom_schema *sql_agg_out_schema(struct sql_build *b, const sql_plan *p);
/* join_plan.c: a join's two inputs keyed by its equi-keys, and their schemas. */
int sql_join_keyed(struct sql_build *b, const sql_plan *p, strom_keyed **kl, strom_keyed **kr, const strom_schema **lsch,
                   const strom_schema **rsch);
/* join_agg.c: whether p, a GROUP BY over an inner regular join of two append-only
 * inputs whose keys include the join's, folds the join's pairs into its groups in the
 * join's own operator (eager aggregation); the operator. */
bool sql_joinagg_applies(struct sql_build *b, const sql_plan *p);
strom_stream *sql_joinagg_stream(struct sql_build *b, const sql_plan *p);
/* planner.c: the same expression / the same rows (Flink's sub-plan reuse). */
bool sql_expr_equal(const sql_expr *a, const sql_expr *b);
bool sql_plan_equal(const sql_plan *a, const sql_plan *b);
/* planner.c: p with the CALCs right under it merged into it, as the planner runs them. */
const sql_plan *sql_calc_merged(struct sql_build *b, const sql_plan *p);
/* join_interval.c: an outer interval join of the keyed inputs (schemas ls, rs). */
strom_stream *sql_outer_interval_join(struct sql_build *b, const sql_plan *p, strom_keyed *kl, strom_keyed *kr,
                                      const strom_schema *ls, const strom_schema *rs, const strom_schema *out);

/* ---- catalog ---- */

typedef struct sql_connector sql_connector;

typedef struct sql_table_col {
  const char *name;
  sql_type type;
  const sql_node *computed; /* AS expr, or NULL for a physical column */
  const char *metadata;     /* METADATA [FROM 'key']: the connector's key, or NULL */
  bool is_virtual;          /* METADATA ... VIRTUAL: read, never written by a sink */
} sql_table_col;

/* Whether a sink receives the column (INSERT INTO's columns): not computed, not VIRTUAL. */
static inline bool sql_col_written(const sql_table_col *c) { return !c->computed && !c->is_virtual; }

typedef struct sql_table {
  char *name;
  bool view;
  const sql_node *query;  /* a view's query (in an arena the session keeps) */
  const sql_node *column_list; /* a view's column names, or NULL */
  int ncols;
  sql_table_col *cols;
  int wm_col;             /* -1: no watermark */
  int64_t wm_delay_ms;    /* WATERMARK FOR c AS c - INTERVAL ... */
  int npk;
  const char **pk;
  int nopts;
  const char **keys, **vals;
  const sql_connector *conn;
  char **own_names; /* names of flattened ROW fields ("person.id"), see types_row.c */
  int nown_names;
  const sql_node *partitioned_by; /* PARTITIONED BY's column list, or NULL (connectors_fs_part.c) */
  const sql_node *wm_expr; /* a WATERMARK expression other than c and c - INTERVAL: wm_expr.c */
  char *catalog, *database; /* where the table lives (catalog_ns.c); set by sql_catalog_add when NULL */
  const sql_node *comment;  /* CREATE TABLE / VIEW ... COMMENT (catalog_show.c) */
  char *view_text;          /* a view's query as written (SHOW CREATE VIEW), or NULL */
  const sql_node *ddl;      /* the CREATE TABLE node (SHOW CREATE TABLE), or NULL */
  char *ctx_catalog, *ctx_database; /* a view's query resolves names as when it was made (Flink expands them then) */
} sql_table;

typedef struct sql_catalog {
  sql_table **t;
  int n, cap;
  struct sql_ns *ns; /* catalogs, databases and the current ones (catalog_ns.c); NULL: only the defaults */
  struct sql_props *props; /* catalogs' and databases' options and comments (catalog_props.c) */
} sql_catalog;

sql_table *sql_catalog_find(const sql_catalog *c, const char *name);
int sql_catalog_add(sql_catalog *c, sql_table *t);
/* Removes and frees the table; 0 if it was there. */
int sql_catalog_drop(sql_catalog *c, const char *name);
void sql_catalog_free(sql_catalog *c);
void sql_table_free(sql_table *t);
/* Builds a table from a CREATE TABLE node (its AST must outlive the table). */
int sql_table_from_ast(const sql_node *n, sql_table **out, char *err, size_t errlen);
/* types_row.c: appends the leaf fields of ROW column col (a COLUMN node) to t as
 * columns named by their paths; remaining = columns still to be added after it. */
int sql_row_flatten(sql_table *t, const sql_node *col, int remaining, char *err, size_t errlen);
/* The column a field chain (person.id, t.person.id) names in cols, -1 if none or
 * ambiguous. */
struct sql_col;
int sql_row_field_col(const struct sql_col *cols, int ncols, const sql_node *n);
/* The path of a chain FIELD(...FIELD(ID a, b)..., z) as its parts (at most max), or 0
 * if n is not one (types_row.c). */
int sql_field_path(const struct sql_node *n, const char **parts, int max);
/* Whether name is a flattened ROW column of cols (it has fields name.x). */
bool sql_row_is_flattened(const struct sql_col *cols, int ncols, const char *name);
/* types_rowval.c: a ROW-valued select item or GROUP BY key x (a ROW column, ROW(...),
 * (a, b), CAST(... AS ROW<...>), a ROW field of those) as its scalar leaves and their
 * paths ("id", "addr.city"); 0 when x is not ROW-valued, negative with err on error. */
int sql_row_leaves(sql_arena *a, const sql_col *cols, int ncols, const sql_node *x, const sql_node ***nodes,
                   const char ***paths, char *err, size_t errlen);
/* sql_row_leaves without the ROWs' null markers: the fields an IN compares one by one. */
int sql_row_value_leaves(sql_arena *a, const sql_col *cols, int ncols, const sql_node *x, const sql_node ***nodes,
                         const char ***paths, char *err, size_t errlen);
/* rowfn_val.c: a ROW as one packed value (ARRAY/MAP elements, JSON values) and MULTISET. */
bool sql_rowv_is(const sql_type *t);
int sql_rowv_nfields(const sql_type *t);
const char *sql_rowv_fname(const sql_type *t, int i);
const sql_type *sql_rowv_ftype(const sql_type *t, int i);
sql_type sql_rowv_type(int n, const char *const *names, const sql_type *types);
int sql_rowv_type_from_ast(const sql_node *t, sql_type *out, char *err, size_t errlen);
void sql_rowv_type_name(const sql_type *t, char *buf, size_t cap);
void sql_rowv_format(strom_buf *b, const sql_type *t, const struct sql_val *v);
int sql_rowv_parse(const sql_type *t, const char *s, size_t n, struct sql_val *v, struct sql_ectx *c);
bool sql_rowv_can_cast(const sql_type *from, const sql_type *to);
void sql_rowv_json(strom_buf *b, const sql_type *t, const struct sql_val *v, int depth);
typedef struct sql_expr *(*sql_rowv_bind_fn)(void *ctx, const sql_node *n);
/* x (ROW(...), (a, b), a ROW column) packed into one value; NULL with err ("" when bind failed). */
struct sql_expr *sql_rowv_pack(sql_arena *a, const sql_col *cols, int ncols, const sql_node *x, sql_rowv_bind_fn bind,
                               void *ctx, char *err, size_t errlen);
struct sql_expr *sql_rowv_field(sql_arena *a, struct sql_expr *x, const char *name, char *err, size_t errlen);
bool sql_rowv_arg_ok(const char *fn);
sql_type sql_multiset_type(const sql_type *elem);
/* MAP_ENTRIES (rowfn_val.c), found through sql_coll_func_find. */
const struct sql_func *sql_rowv_func_find(const char *name);
bool sql_rowv_common_type(const sql_type *a, const sql_type *b, sql_type *out);
int sql_rowv_cast(const sql_type *from, const sql_type *to, const struct sql_val *v, struct sql_val *out, struct sql_ectx *c);
/* An ARRAY / MAP / ROW / MULTISET as Java's toString of Flink's external types prints it
 * (`[1, null]`, `{a=1}`, `+I[1, a]`), leaves through leaf (the print sink's). */
void sql_coll_java(strom_buf *b, const sql_type *t, const struct sql_val *v,
                   void (*leaf)(strom_buf *b, const sql_type *t, const struct sql_val *v));
/* fn_jsonfilter.c: JSON path filters [?(...)].  scan: p[i] is the '?'; checks the
 * predicate, sets f/fn to its text, returns the index after its ']' (0 with err). */
typedef bool (*sql_json_resolve)(const char *doc, size_t b, size_t e, const char *path, size_t pn, size_t *rb, size_t *re);
size_t sql_jsonfilter_scan(const char *p, size_t n, size_t i, const char **f, size_t *fn, char *err, size_t errlen);
bool sql_jsonfilter_match(const char *f, size_t fn, const char *doc, size_t vb, size_t ve, sql_json_resolve resolve);
/* types_coll.c: a value as JSON (rowfn_val.c recurses through it). */
void sql_coll_json(strom_buf *b, const sql_type *t, const struct sql_val *v, int depth);
/* The null marker leaf of x when x is ROW-valued (COUNT(person) counts it), else NULL. */
const sql_node *sql_row_marker(sql_arena *a, const sql_col *cols, int ncols, const sql_node *x);
/* The scalar leaf a field access on a constructed ROW names (ROW(a, b).EXPR$1), or NULL. */
const sql_node *sql_row_field_leaf(sql_arena *a, const sql_col *cols, int ncols, const sql_node *n);
/* VALUES rows with their ROW values replaced by the leaves; *paths: the column names
 * ("EXPR$1.EXPR$0"), NULL when no value was a ROW (v itself is returned).  NULL on error. */
const sql_node *sql_row_values(sql_arena *a, const sql_node *v, const char ***paths, char *err, size_t errlen);
/* A column list naming the ROW values of cols as one each: renames them (qualified by
 * qual) and returns true; false when the counts do not match that way either. */
bool sql_row_rename(sql_arena *a, sql_col *cols, int ncols, const char *qual, const sql_node *collist);
/* An INSERT's column list with each ROW column of the sink named by its fields'
 * columns (NULL if out of memory). */
struct sql_table;
const sql_node *sql_row_insert_columns(sql_arena *a, const struct sql_table *sink, const sql_node *collist);
/* n (an = / <> / != node) over ROW values as the AND (OR) of its fields' comparisons;
 * NULL when neither side is a ROW, or with err when the sides do not match. */
const sql_node *sql_row_compare(sql_arena *a, const sql_col *cols, int ncols, const sql_node *n, char *err, size_t errlen);
/* Whether sql_row_compare takes operator o (also IS [NOT] DISTINCT FROM, IS [NOT] NULL,
 * and the ordering ones, which it refuses over ROWs). */
bool sql_row_op(const char *o);
/* The end of the ROW value starting at column i (its columns share the path prefix of
 * *seg characters, dot included), i + 1 with *seg 0 for a scalar column. */
int sql_row_group_end(const sql_col *cols, int ncols, int i, size_t *seg);
/* "ROW<`id` BIGINT, `name` STRING>" of columns [lo, hi) past off characters of their names. */
void sql_row_type_name(strom_buf *b, const sql_col *cols, int lo, int hi, size_t off);
/* "(1, abc)" (java: Row.toString's "+I[1, abc]") of columns [lo, hi) of r, fields by fmt. */
void sql_row_format(strom_buf *b, const sql_col *cols, const strom_row *r, int lo, int hi, size_t off, bool java,
                    void (*fmt)(strom_buf *b, const sql_type *t, const struct sql_val *v));
/* The option's value, or NULL. */
const char *sql_table_option(const sql_table *t, const char *key);
/* types_row.c: whether a column is a ROW's null marker ("person.$"); makes t's markers
 * computed TRUE unless its format writes nested objects (json); the query columns an
 * INSERT into sink takes (their indexes in qidx, the count returned: markers dropped for
 * a sink without them). */
bool sql_row_is_marker(const char *name);
void sql_row_markers(sql_table *t);
int sql_row_insert_cols(const sql_col *qcols, int nq, const sql_table *sink, int *qidx);
/* The names of list, or the columns cols[idx[0..n)], that are not markers (messages). */
int sql_row_unmarked(const sql_node *list, const sql_col *cols, const int *idx, int n);
/* The written columns of sink that are not markers. */
int sql_row_unmarked_sink(const sql_table *sink);

/* ---- connectors ---- */

typedef struct sql_build sql_build;

typedef struct sql_option {
  const char *key; /* a trailing '*' matches a prefix: "fields.*" */
  const char *desc;
} sql_option;

struct sql_connector {
  const char *name;
  const sql_option *options; /* NULL-terminated */
  bool source, sink, changelog_sink;
  /* Validates the table's options and columns at CREATE TABLE. */
  int (*validate)(const sql_table *t, char *err, size_t errlen);
  /* The physical columns' stream (then computed columns and the watermark are added). */
  strom_stream *(*scan)(sql_build *b, const sql_table *t, const strom_schema *physical);
  int (*write)(sql_build *b, const sql_table *t, strom_stream *in);
  /* When changelog_sink is false: whether this table (by its options or primary key)
   * still takes update changes (jdbc with a PRIMARY KEY, kafka with debezium-json). */
  bool (*takes_changes)(const sql_table *t);
  /* Whether scan generates the table's WATERMARK itself (kafka: per partition), so the
   * planner adds no watermark operator.  NULL: no. */
  bool (*own_watermark)(const sql_table *t);
  /* Whether the connector has METADATA columns (it checks their keys in validate). */
  bool has_metadata;
  /* Whether scan reads only the columns of the physical schema it is given, which may
   * be a subset of the table's (projection pushdown).  False: scan gets them all. */
  bool prunes;
};

const sql_connector *sql_connector_find(const char *name);
/* upsert_kafka.c: the 'upsert-kafka' connector's options and functions. */
extern const sql_option sql_upsert_kafka_opts[];
int sql_upsert_kafka_validate(const sql_table *t, char *err, size_t errlen);
strom_stream *sql_upsert_kafka_scan(sql_build *b, const sql_table *t, const strom_schema *physical);
int sql_upsert_kafka_write(sql_build *b, const sql_table *t, strom_stream *in);
/* connectors_sql.c: whether a kafka / upsert-kafka table's WATERMARK is on a physical
 * column, generated in the source per partition (as Flink pushes it down); then its
 * strategy in *ws (1), else 0; -1 when out of memory. */
bool sql_kafka_own_watermark(const sql_table *t);
int sql_kafka_watermark(sql_build *b, const sql_table *t, strom_watermark_strategy *ws);
/* connectors_sql.c: a kafka / upsert-kafka table's METADATA columns: their keys checked
 * (timestamp, partition, offset, topic, headers, timestamp-type), and as the Kafka
 * connectors take them, "col:key;..." in the build's arena (written: only those a sink
 * writes, not VIRTUAL; "" when none). */
int sql_kafka_metadata_validate(const sql_table *t, char *err, size_t errlen);
const char *sql_kafka_metadata(sql_build *b, const sql_table *t, bool written);
/* connectors_sql.c: the avro format on a kafka / upsert-kafka table: its columns' types
 * checked, and the facts format_avro.c needs ("avro.$columns"; NULL when no side is avro). */
int sql_kafka_avro_validate(const sql_table *t, char *err, size_t errlen);
const char *sql_kafka_avro_columns(sql_build *b, const sql_table *t,
                                   const char *(*name)(const sql_table *, const char *));
/* connectors_fs_meta.c: the filesystem source's metadata columns (file.path, ...). */
int sql_fs_meta_validate(const sql_table *t, char *err, size_t errlen);
int sql_fs_meta_check_write(const sql_table *t, char *err, size_t errlen);
bool sql_fs_meta_wanted(const sql_table *t, const strom_schema *phys);
int sql_fs_meta_check_read(sql_build *b, const sql_table *t, const strom_schema *phys);
typedef strom_stream *(*sql_fs_reader)(sql_build *b, const sql_table *t, const char *path, const strom_schema *phys,
                                       const strom_csv_opts *o);
strom_stream *sql_fs_meta_read(sql_build *b, const sql_table *t, const char *path, const strom_schema *phys,
                               const strom_csv_opts *o, sql_fs_reader read);
/* Flink durations: "10 s", "500 ms", "1 min", "2 h", "1 d"; a bare number is ms. */
bool sql_parse_duration(const char *v, int64_t *ms);
/* Checks every option key against the connector's table; the error lists the valid keys. */
int sql_connector_check_options(const sql_table *t, char *err, size_t errlen);

/* ---- planning and running ---- */

/* A job being built: the environment, what its operators' data points into, and the
 * session output for print sinks and SELECT results. */
struct sql_build {
  sql_session *sess;
  strom_env *env;
  void **owned;
  void (**owned_free)(void *);
  int nowned;
  sql_arena arena; /* plans and expressions of the job's statements */
  char err[512];
  int njobs_stmts;
  /* Tables the statement being planned reads more than once (a self-join, q5's two
   * aggregations of bids): one source feeds every CALC over them, as Flink's sub-plan
   * reuse does.  The stream of each after its watermark operator, and the physical
   * columns any of those CALCs reads (NULL: all of them), which that source reads. */
  int nshared;
  const struct sql_table *shared[8];
  strom_stream *shared_stream[8];
  bool *shared_used[8];
  /* Aggregations of the statement built so far: an equal one (q5's two HOP counts of
   * bids) reuses the stream instead of running again. */
  int nreuse;
  const struct sql_plan *reuse_plan[16];
  strom_stream *reuse_stream[16];
  /* The INSERTs of a statement set, bound and checked, built together when the set
   * ends (session.c), so that a table they read more than once has one source. */
  const struct sql_plan **ins_plan;
  struct sql_table **ins_table;
  int nins, capins;
  struct sql_overwrite *overwrite; /* INSERT OVERWRITE's old files (insert_overwrite.c) */
};

int sql_build_own(sql_build *b, void *p, void (*fn)(void *));
/* Records err in b (printf style) and returns STROM_EINVAL. */
int sql_build_fail(sql_build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* connectors_fs_part.c: PARTITIONED BY on the filesystem sink; a path without file://. */
int sql_fs_partition_check(const sql_table *t, const sql_node *pb, char *err, size_t errlen);
int sql_fs_partitioned_write(sql_build *b, const sql_table *t, strom_stream *in, const strom_file_sink_opts *files,
                             const char *path);
/* Reads the partitioned table t under path (a directory of k1=v1/k2=v2/ partitions). */
strom_stream *sql_fs_partitioned_scan(sql_build *b, const sql_table *t, const strom_schema *phys, const strom_csv_opts *o,
                                      const char *path);
const char *sql_fs_path(const char *path);
/* fs_lines.c: the 1-based number of the first line of path that is line[0..n), else 0. */
long sql_fs_line_of(const char *path, const char *line, size_t n);
/* insert_overwrite.c: INSERT OVERWRITE of a filesystem table in batch mode.  check: why
 * not (m), else 0; prepare lists t's files before the job; commit, after the job
 * succeeded, removes those it replaced (an error in b->err). */
typedef struct sql_overwrite sql_overwrite;
/* insert_partition.c: INSERT ... PARTITION (k = v, ...) query rewritten into an INSERT
 * with a column list (*collist, replaced) of this query; NULL with err on a bad spec. */
const sql_node *sql_insert_partition(sql_arena *a, const sql_table *t, const sql_node *spec, const sql_node **collist,
                                     const sql_node *q, char *err, size_t errlen);
int sql_overwrite_check(bool batch, const sql_table *t, char *m, size_t mlen);
int sql_overwrite_prepare(sql_build *b, const sql_table *t);
int sql_overwrite_commit(sql_build *b);

/* binder.c: e converted to type t (e itself when it has it already), NULL if out of
 * memory.  Whether the cast is allowed is sql_can_cast's question. */
sql_expr *sql_cast_to(sql_arena *a, sql_expr *e, const sql_type *t);
/* mod_type.c: MOD's / %'s result type for exact operands x and y (false if not both
 * exact); out->not_null is kept. */
bool sql_mod_type(const sql_type *x, const sql_type *y, sql_type *out);
/* fid_check.c: Flink's validation of comparison and IN operand types */
bool sql_fid_comparable(const sql_type *a, const sql_type *b);
bool sql_fid_check_cmp(const sql_expr *l, const sql_expr *r, const char *op, char *m, size_t cap);
bool sql_fid_check_in(const sql_expr *e, char *m, size_t cap);
/* fid_names.c: EXPLAIN's names for the rewrites' columns and calls */
char *sql_fid_hidden_name(sql_arena *a, const char *base, const sql_node *x);
const char *sql_fid_shown(const char *name);
bool sql_fid_has_shown(const char *name);
bool sql_fid_print_call(strom_buf *b, const sql_expr *e, const struct sql_col *cols);
/* fid_char.c: the type of a || b as Calcite's (lengths added, CHAR when both are) */
void sql_fid_concat_type(sql_expr *e);
/* fid_time.c: the first TIME(p) type in a statement with 3 < p <= 9, or NULL */
const sql_node *sql_fid_time_check(const sql_node *n);
char *sql_fid_hidden_as(sql_arena *a, const char *base, const char *shown);
char *sql_fid_call_text(sql_arena *a, const sql_node *call);
void sql_fid_over_explain(strom_buf *b, const sql_plan *p);
/* fid_json.c: a TIMESTAMP in the JSON constructors as ISO-8601 */
bool sql_fid_json_ts(strom_buf *b, const sql_type *t, const struct sql_val *v);
/* SUM(FLOAT) adds in float (inline: the hot path), as Flink's FloatSumAggFunction; other sums in double */
static inline double sql_fid_float_add(const sql_agg *g, double acc, double x) {
  if (g->kind == SQL_AGG_SUM && g->in_type.narrow == SQL_N_FLOAT) return (double)((float)acc + (float)x);
  return acc + x;
}
/* e (a remainder computed in its operands' common type) as type t (its value fits). */
sql_expr *sql_mod_cast(sql_arena *a, sql_expr *e, const sql_type *t);
bool sql_can_cast(const sql_type *from, const sql_type *to);
/* The type both a and b convert to for comparison, union and CASE; false if none. */
bool sql_common_type(const sql_type *a, const sql_type *b, sql_type *out);

/* binder.c: a query AST to a plan (allocated in a). */
sql_plan *sql_bind_query(sql_session *s, sql_arena *a, const sql_node *q, char *err, size_t errlen);
/* Type of the sink's columns vs the plan's: a CALC casting to them, or an error. */
sql_plan *sql_bind_insert_cast(sql_arena *a, sql_plan *p, const sql_table *sink, const sql_node *collist, char *err,
                               size_t errlen);
/* The plan reading table t (with computed columns) under alias qual. */
sql_plan *sql_bind_scan(sql_arena *a, sql_table *t, const char *qual, char *err, size_t errlen);

/* over_group.c: a SELECT with OVER calls that also aggregates, as a SELECT of the OVER
 * calls over the grouping (is_agg: an aggregate call, which moves inside); NULL with err. */
const struct sql_node *sql_over_group_rewrite(sql_arena *a, const struct sql_node *sel,
                                              bool (*is_agg)(const struct sql_node *n), char *err, size_t errlen);
/* connectors_sql.c: a process function that passes each row on as it is, under the
 * stream's new schema (column names), with its kind and time. */
int sql_pass_row_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out);
/* datagen_text.c: whether datagen can generate a value of type t as text (no ROW or
 * bytes inside collections), and one such value's text appended to b (len: a
 * collection's elements; range: an interval's [min, max], NULL for the default). */
bool sql_dg_text_supported(const sql_type *t);
void sql_dg_text(strom_buf *b, const sql_type *t, uint64_t seed, int64_t now, int64_t len, const int64_t *range);
/* types_io.c: columns of DATE/TIME/INTERVAL/ARRAY/MAP cross connectors as text:
 * the physical schema's column, and the conversions after a source / before a sink. */
int sql_schema_add_io(strom_schema *s, const char *name, const sql_type *t);
strom_stream *sql_io_decode(sql_build *b, const sql_table *t, strom_stream *in);
strom_stream *sql_io_encode(sql_build *b, const sql_table *t, strom_stream *in);
/* types_narrow.c: a FLOAT column the filesystem csv/json sink writes as Java's
 * Float.toString text (a VARCHAR on the way to the sink), and the sink's column for c. */
bool sql_float_as_text(const sql_table *t, const sql_table_col *c);
int sql_schema_add_sink_io(strom_schema *s, const sql_table *t, const sql_table_col *c);
sql_expr *sql_float_text(sql_arena *a, sql_expr *x, bool json);
/* planner.c: the plan's output stream on b->env. */
strom_stream *sql_plan_stream(sql_build *b, const sql_plan *p);
/* The same for a statement's whole plan: first notes the tables it reads twice. */
strom_stream *sql_plan_stream_root(sql_build *b, const sql_plan *p);
/* EXPLAIN's text of the plan. */
void sql_plan_explain(strom_buf *out, const sql_plan *p, int depth);
/* p as sql_plan_stream runs it, for EXPLAIN: CALCs merged, joins narrowed, mini-batch
 * marked (nodes copied where they change; p itself when nothing does). */
const sql_plan *sql_plan_optimized(sql_build *b, const sql_plan *p);
/* The streams of several roots planned together (a statement set): sources of a table
 * that more than one of them reads are one.  NULL entries in out: failed (b->err). */
int sql_plan_stream_roots(sql_build *b, const sql_plan *const *roots, int n, strom_stream **out);
/* A schema of the plan's output columns. */
strom_schema *sql_plan_schema(const sql_plan *p);

/* results.c: the print connector's sink and the tableau printer of SELECT. */
enum { SQL_PRINT, SQL_PRINT_STDERR, SQL_TABLEAU };
int sql_print_sink(sql_build *b, strom_stream *in, const sql_col *cols, int ncols, const char *identifier, int mode);
/* The same with the printing node at parallelism (0: the default), the print
 * connector's 'sink.parallelism'. */
int sql_print_sink_at(sql_build *b, strom_stream *in, const sql_col *cols, int ncols, const char *identifier, int mode,
                      int parallelism);
/* The tableau's header and footer lines (the rows come from the sink). */
void sql_tableau_header(FILE *f, const sql_col *cols, int ncols);
void sql_tableau_footer(FILE *f, const sql_col *cols, int ncols, int64_t rows);

/* ---- session ---- */

typedef struct sql_setting {
  char *key, *value;
  bool unused; /* a key Strom does not know: kept (Flink's client keeps any key), not applied */
} sql_setting;

struct strom_sql_session {
  sql_catalog cat;
  sql_setting *set;
  int nset, capset;
  sql_var *vars;
  size_t nvars;
  sql_arena *arenas; /* scripts whose ASTs views and tables still point into */
  int narenas;
  FILE *out, *errout;
  char err[1024];
  int64_t state_ttl_ms;
  bool batch;
  /* 'strom.join.watermark-expiry' = 'true': regular joins drop rows by event time when
   * the plan proves they can match nothing more (join_expire.c); off by default, as Flink
   * keeps them, since the timers cost CPU and memory where nothing expires. */
  bool join_expiry;
  /* 'strom.optimizer.window-max-join' (default true): join_winmax.c's rewrite */
  bool winmax;
  /* 'strom.optimizer.join-aggregate' (default true): join_agg.c's fusion */
  bool joinagg;
  /* table.exec.mini-batch.*: non-windowed GROUP BYs and join aggregates buffer rows (agg_minibatch.c) */
  bool minibatch;
  int64_t minibatch_latency_ms, minibatch_size;
  bool interactive;
  pthread_mutex_t out_mu;
  strom_env *volatile running;
  volatile int cancel;
  /* rows printed by the last SELECT (tests) */
  int64_t last_rows;
  struct sql_udf **udfs; /* CREATE FUNCTION ... LANGUAGE C (udf.c) */
  int nudfs;
  const char *text; /* the script being run, NUL-terminated in its arena (a view's text: catalog_show.c) */
  struct sql_job *jobs; /* background INSERT jobs, newest first (jobs.c) */
};

/* jobs.c: INSERT jobs in the background ('table.dml-sync' = 'false'), SHOW JOBS, STOP JOB. */
typedef struct sql_job sql_job;
bool sql_dml_async(const sql_session *s);
int sql_job_submit(sql_session *s, sql_build *b, const char *name); /* takes b */
int sql_jobs_guard(sql_session *s, const sql_node *n, const char *what);
void sql_jobs_cancel(sql_session *s); /* async-signal-safe */
int sql_jobs_show(sql_session *s);
int sql_job_stop(sql_session *s, const sql_node *n);
void sql_jobs_free(sql_session *s);
void sql_build_free(sql_build *b);
/* catalog_show.c: a tableau of ncols columns (Flink's SQL client form): cells[r * ncols + c]. */
void sql_print_tableau(FILE *f, const char *const *head, int ncols, char **cells, int nrows);

/* agg_minibatch.c: a keyed operator's mini-batch buffer; fold gets one key's rows (the
 * key set) in arrival order, with the input (0 or 1) each came from. */
typedef struct sql_minibatch sql_minibatch;
typedef int (*sql_mb_fold)(strom_ctx *ctx, const strom_row *const *rows, const int *inputs, size_t n, strom_out *out);
/* 1 when the session batches (table.exec.mini-batch.enabled), 0 when not, -1 (the build
 * failed) when it is on without a size and latency. */
int sql_minibatch_on(sql_build *b);
sql_minibatch *sql_minibatch_new(int64_t size, int64_t latency_ms);
int sql_minibatch_add(sql_minibatch *m, strom_ctx *ctx, int input, const strom_row *in, sql_mb_fold fold,
                      strom_out *out);
int sql_minibatch_flush(sql_minibatch *m, strom_ctx *ctx, sql_mb_fold fold, strom_out *out);
void sql_minibatch_free(sql_minibatch *m);

/* types_ivmul.c: INTERVAL * integer (either order), for sql_temporal_arith. */
sql_expr *sql_interval_times(sql_arena *a, sql_expr *l, sql_expr *r, char *err, size_t errlen);

/* wm_expr.c: a WATERMARK expression other than c and c - INTERVAL (sql_table.wm_expr):
 * its bound form's check (at: the expression, for the error's position), and the
 * watermark operator that keeps the largest value it gave as the watermark. */
int sql_wm_expr_check(const sql_expr *e, const sql_table *t, const sql_node *at, char *err, size_t errlen);
strom_stream *sql_wm_expr_watermarks(sql_build *b, const sql_table *t, strom_stream *s, int ts_col, const sql_expr *wm);
/* EXPLAIN's ", watermark=[c, expr]" of scan sc. */
void sql_wm_expr_explain(strom_buf *o, const sql_plan *sc);

/* udf.c: C scalar functions of the session. */
int sql_udf_create(sql_session *s, const sql_node *n, char *err, size_t errlen);
int sql_udf_drop(sql_session *s, const sql_node *n, char *err, size_t errlen);
const sql_func *sql_udf_find(const sql_session *s, const char *name);
void sql_udf_list(const sql_session *s, strom_buf *b);
void sql_udf_free_all(sql_session *s);
/* The functions of catalog cat's database db (all its databases: db NULL): counted, or
 * dropped unless count_only (DROP DATABASE / CATALOG, catalog_ns.c). */
int sql_udf_drop_ns(sql_session *s, const char *cat, const char *db, bool count_only);

const char *sql_session_get(const sql_session *s, const char *key);

/* ---- OVER, Top-N, deduplication, CUMULATE, DISTINCT aggregates (rank_*.c) ---- */

/* binder.c: binds n over the columns cols (an expression of no aggregate). */
sql_expr *sql_bind_expr(sql_session *s, sql_arena *a, const sql_col *cols, int ncols, const sql_node *n, char *err,
                        size_t errlen);
/* binder.c: an INTERVAL node in milliseconds (false with the reason in err). */
bool sql_interval_ms(const sql_node *n, int64_t *ms, char *err, size_t errlen);
/* rank_bind.c */
bool sql_call_is_over(const sql_node *n); /* a CALL with an OVER clause */
bool sql_node_has_over(const sql_node *n);
/* The OVER node over in for the OVER calls of items; (*calls)[i] is the call of column
 * in->ncols + i. */
sql_plan *sql_over_bind(sql_session *s, sql_arena *a, sql_plan *in, const sql_node *items, const sql_node ***calls,
                        int *ncalls, char *err, size_t errlen);
/* A WHERE bounding ROW_NUMBER's column (rn <= N, rn < N, rn = N, rn > M, BETWEEN) makes a Top-N. */
sql_plan *sql_topn_filter(sql_plan *filter);
/* After the outer projection: whether the row number reaches the output. */
void sql_topn_finish(sql_plan *calc);
/* SELECT DISTINCT: a GROUP BY on every column of p. */
sql_plan *sql_select_distinct(sql_arena *a, sql_plan *p, char *err, size_t errlen);
/* planner.c: a projection of in to exprs (out's columns), as CALC plans run. */
/* groupsets.c: the Expand operator of p over in, and its EXPLAIN line */
strom_stream *sql_gsets_stream(const sql_plan *p, strom_stream *in, const strom_schema *out);
void sql_gsets_explain(strom_buf *o, const sql_plan *p);
strom_stream *sql_calc_stream(sql_build *b, strom_stream *in, sql_expr **exprs, int n, const strom_schema *out,
                              const char *name);
/* tvf_session.c: a SESSION window TVF with no aggregation over it */
strom_stream *sql_session_tvf_stream(sql_build *b, const sql_plan *p);
/* rank_over.c, rank_topn.c */
strom_stream *sql_over_stream(sql_build *b, const sql_plan *p, strom_stream *in);
void sql_over_explain(strom_buf *o, const sql_plan *p);
/* A CUMULATE window aggregation, or a TUMBLE/HOP one with DISTINCT aggregates, of the
 * pre-projected keyed stream (acc ends in the row count). */
strom_stream *sql_cumulate_agg(sql_build *b, strom_keyed *ks, const sql_agg *aggs, int naggs, int nkeys,
                               bool real_keys, int tcol, const strom_schema *acc, const strom_schema *out,
                               const sql_window *w);
/* agg_attached.c: whether a GROUP BY of in by the columns cols (-1: not a column) is a
 * window aggregation over windows attached to in's rows (*w; *time_col: a grouped
 * window_time of the same windows, or -1); the aggregation of the pre-projected stream
 * keyed by the group keys, then window_start and window_end. */
bool sql_window_attach(const sql_plan *in, const int *cols, int n, sql_window *w, int *time_col);
strom_stream *sql_attached_agg(sql_build *b, strom_keyed *ks, const sql_agg *aggs, int naggs, int nkeys,
                               const strom_schema *acc, const strom_schema *out);
/* rank_distinct.c: DISTINCT aggregates.  Non-windowed GROUP BY: per-value counts in
 * MAP state, opened in the keyed operator's open(). */
typedef struct sql_distinct sql_distinct;
bool sql_agg_any_distinct(const sql_agg *aggs, int n);
sql_distinct *sql_distinct_open(strom_ctx *ctx, const sql_agg *aggs, int n, int64_t ttl_ms);
int sql_distinct_add(sql_distinct *d, strom_row *acc, const strom_row *in, bool retract, sql_ectx *c);
void sql_distinct_free(sql_distinct *d);
/* SESSION windows: the window keeps its rows and folds each distinct value once when it
 * fires; sign_col >= 0: an updating input's rows, -1 in that column for a -U/-D. */
strom_stream *sql_distinct_window(sql_build *b, strom_keyed *ks, const sql_agg *aggs, int naggs, int nkeys,
                                  bool real_keys, const strom_schema *acc, const strom_schema *out,
                                  strom_window_assigner w, int sign_col);


/* ---- subqueries and set operations (subq_bind.c, subq_plan.c) ---- */

/* binder.c: what subq_bind.c binds with (b is the binder of the SELECT at hand). */
struct binder;
struct sql_subq;
sql_plan *sql_binder_query(struct binder *b, const sql_node *q);
sql_plan *sql_binder_from(struct binder *b, const sql_node *n);
/* n over cols, without aggregates; quiet: NULL and no error when it does not bind */
sql_expr *sql_binder_expr(struct binder *b, const sql_col *cols, int ncols, const sql_node *n, bool quiet);
void *sql_binder_fail(struct binder *b, const sql_node *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *sql_binder_err(struct binder *b); /* the error buffer (the first error stays) */
sql_session *sql_binder_session(struct binder *b);
sql_arena *sql_binder_arena(struct binder *b);
struct sql_subq **sql_binder_subq(struct binder *b);
/* name (unique, not writable in SQL) reads the bound plan p in FROM from now on in this
 * binding (subq_corr.c); -1 when out of memory */
int sql_binder_plan_name(struct binder *b, const char *name, sql_plan *p);
/* subq_corr.c: a subquery q correlated by more than equalities, over a value generator
 * (the distinct values of the outer columns q's WHERE reads joined with q's FROM).
 * _scalar: q's item grouped (agg) by those values, in's LEFT join condition on them (NULLs
 * equal) in *cond, their number in *nkeys; NULL with no error when q's WHERE reads no
 * outer column. */
sql_plan *sql_subq_corr_scalar(struct binder *b, sql_plan *in, const sql_node *q, bool agg, sql_expr **cond, int *nkeys);
/* _grouped: q with GROUP BY / DISTINCT / HAVING as subq_bind.c's grouped_select makes it,
 * grouped by the generator's values too ($k0, ... leading), on / ok their outer columns */
sql_node *sql_subq_corr_grouped(struct binder *b, sql_plan *in, const sql_node *q, const sql_node **on, sql_expr **ok,
                                int *nkeys);
/* n with the ORDER BY of its subqueries without LIMIT / OFFSET dropped (Calcite drops it:
 * it orders nothing there); NULL when out of memory.  _limited: n has a LIMIT / OFFSET. */
const sql_node *sql_subq_drop_sort(sql_arena *a, const sql_node *n);
bool sql_subq_limited(const sql_node *n);
/* subq_agg.c: n is an aggregate call (not an OVER call) */
bool sql_subq_is_agg(const sql_node *n);
#define SQL_SUBQ_LIMIT_MSG                                                                                            \
  "not supported: a correlated subquery with LIMIT or OFFSET (the limit would hold per outer row, which no join "   \
  "can decorrelate; Flink's planner refuses it too)"
/* subq_bind.c.  Before WHERE: the scalar subqueries of *where's AND terms are joined to
 * in, the IN / EXISTS terms taken out of *where (NULL when nothing is left) for
 * sql_subq_after, which makes them semi and anti joins and joins the select list's
 * scalar subqueries.  sql_subq_ref: a scalar subquery's column. */
sql_plan *sql_subq_where(struct binder *b, sql_plan *in, const sql_node **where);
sql_plan *sql_subq_after(struct binder *b, sql_plan *in, const sql_node **items, bool aggregate);
/* subq_mark.c: n with its IN / EXISTS subqueries rewritten into scalar subqueries (the
 * marker joins of Flink's plan); *changed when any was.  NULL if out of memory. */
const sql_node *sql_subq_mark_rewrite(sql_arena *a, const sql_node *n, bool *changed);
/* The same over a row of columns outer: an IN whose subquery is a plain SELECT with a
 * WHERE (which may be correlated) counts over its FROM and WHERE directly, the outer
 * names of x qualified so the subquery's columns do not hide them. */
const sql_node *sql_subq_mark_rewrite_in(sql_arena *a, const sql_node *n, bool *changed, const sql_col *outer, int nouter);
/* subq_agg.c: an aggregate query with subqueries in its select list or HAVING split into
 * the aggregation and a SELECT over it; an INNER JOIN's ON with subqueries moved to WHERE.
 * sel itself when neither applies, NULL with err set on an error. */
const sql_node *sql_subq_select_rewrite(sql_arena *a, const sql_node *sel, char *err, size_t errlen);
sql_expr *sql_subq_ref(struct binder *b, const sql_node *n);
/* UNION (distinct), INTERSECT [ALL], EXCEPT [ALL] of u's two (cast) inputs. */
sql_plan *sql_setop_bind(struct binder *b, const sql_node *n, sql_plan *u);
enum { SQL_SO_INTERSECT_ALL = 1, SQL_SO_EXCEPT_ALL, SQL_SO_SINGLE_ROW };
/* subq_plan.c */
strom_stream *sql_semi_join_stream(sql_build *b, const sql_plan *p, strom_keyed *kl, strom_keyed *kr,
                                   const strom_schema *ls, const strom_schema *rs);
strom_stream *sql_setop_stream(sql_build *b, const sql_plan *p);
void sql_setop_explain(strom_buf *o, const sql_plan *p, int depth);


/* ---- catalogs and databases (catalog_ns.c, catalog_show.c, catalog_alter.c) ---- */

/* The current catalog and database ("default_catalog", "default_database" at first). */
const char *sql_ns_catalog(const sql_catalog *c);
const char *sql_ns_database(const sql_catalog *c);
/* A NAME node (t, db.t, cat.db.t) as its catalog, database and object, the missing parts
 * the current ones; 0, or -1 with "catalog 'x' does not exist" / "database 'c.d' does
 * not exist" in err. */
int sql_ns_resolve(const sql_catalog *c, const sql_node *name, const char **cat, const char **db, const char **obj,
                   char *err, size_t errlen);
sql_table *sql_ns_find(const sql_catalog *c, const char *cat, const char *db, const char *name);
/* The table or view a NAME node names; NULL with the reason in err (empty when the
 * catalog and database exist but the object does not). */
sql_table *sql_catalog_lookup(const sql_catalog *c, const sql_node *name, char *err, size_t errlen);
/* Makes the current catalog and database those view t was made in (its query's names
 * resolve as then); sql_ns_leave restores what sql_ns_enter saved. */
void sql_ns_enter(sql_catalog *c, const sql_table *t, const char *save[2]);
void sql_ns_leave(sql_catalog *c, const char *save[2]);
/* Removes t from the catalog and frees it. */
void sql_catalog_remove(sql_catalog *c, sql_table *t);
void sql_ns_free(struct sql_ns *ns);
/* The catalog statements (SQL_CATALOG_STMT: CREATE/DROP/USE CATALOG and DATABASE, ALTER
 * TABLE/VIEW) and the SHOW statements other than SHOW FUNCTIONS / JOBS / MODULES; 1 when
 * n is not one of them. */
int sql_catalog_stmt(sql_session *s, const sql_node *n);
int sql_catalog_show(sql_session *s, const sql_node *n);
/* fid_modules.c: USE MODULES / LOAD MODULE / UNLOAD MODULE (SHOW nodes): 0 done, -1 error in m, 1 another SHOW */
int sql_fid_modules(const sql_node *n, char *m, size_t cap);
/* fid_overlaps.c: (s, e) OVERLAPS (s, e) as comparisons; NULL with err on error */
const sql_node *sql_fid_overlaps(sql_arena *a, const sql_node *n, char *err, size_t errlen);
/* fid_typeof.c: TYPEOF(x [, force_serializable]) */
const sql_func *sql_fid_func_find(const char *name);
/* docs_show.c: SHOW [FULL] MODULES; 1 when n is another SHOW */
int sql_show_modules(sql_session *s, const sql_node *n);
int sql_catalog_alter(sql_session *s, const sql_node *n);
int sql_show_more(sql_session *s, const sql_node *n); /* catalog_show.c: SHOW CREATE, COLUMNS, FUNCTIONS */
/* catalog_ns.c: whether name passes a SHOW's [NOT] LIKE pattern (% any run, _ one
 * character, \ escapes), if the statement n has one */
bool sql_show_like(const sql_node *n, const char *name);
/* SHOW COLUMNS and DESCRIBE of t: Flink's name, type, null, key, extras, watermark table. */
int sql_show_columns(sql_session *s, const sql_node *n, sql_table *t);
/* Keeps view t's query text (from the CREATE VIEW n in the session's script). */
void sql_view_text(sql_session *s, sql_table *t, const sql_node *n);
/* "CREATE TABLE `c`.`d`.`t` (...)" as Flink's SHOW CREATE TABLE prints it. */
void sql_show_create(strom_buf *b, const sql_table *t);
/* catalog_like.c: CREATE TABLE ... LIKE as one CREATE TABLE tree (*out = n without LIKE). */
int sql_table_like(sql_session *s, const sql_node *n, const sql_node **out);
/* types_rowcast.c: CAST(row AS STRING) as the text expression of the ROW's fields (*out);
 * 0 when the operand is not a ROW, negative with err on an error */
int sql_row_cast_string(sql_arena *a, const sql_col *cols, int ncols, const sql_node *cast, const sql_node **out, char *err,
                        size_t errlen);
/* sink_notnull.c: the INSERT's cast p into t checks t's NOT NULL columns (table.exec.sink.not-null-enforcer) */
int sql_sink_not_null(sql_session *s, sql_arena *a, sql_plan *p, const sql_table *t, char *err, size_t errlen);
/* catalog_ns.c: whether catalog cat (and its database db, unless NULL) exists */
bool sql_ns_exists(const sql_catalog *c, const char *cat, const char *db);
/* catalog_props.c: a created catalog's / database's options kept; ALTER DATABASE / CATALOG;
 * SHOW CREATE CATALOG, DESCRIBE CATALOG [EXTENDED] (1: n is not one of them) */
int sql_props_created(sql_session *s, const sql_node *n);
int sql_props_alter(sql_session *s, const sql_node *n);
int sql_props_show(sql_session *s, const sql_node *n);
void sql_props_free(struct sql_props *p);
/* catalog_show.c: an expression as SHOW CREATE TABLE writes it */
void sql_show_expr(strom_buf *b, const sql_node *n);
void sql_show_expr_plain(strom_buf *b, const sql_node *n); /* names unquoted, for EXPLAIN */
/* catalog_alter_schema.c: ALTER TABLE ADD / MODIFY / DROP / RENAME of a column; 1 when n is
 * not one of them */
int sql_alter_schema(sql_session *s, const sql_node *n, sql_table *t);
/* the error of a statement at n, "line L, column C: ..." */
int sql_ns_err(sql_session *s, const sql_node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- catalog_jdbc.c: CREATE CATALOG ... WITH ('type' = 'jdbc'), PostgreSQL's tables ---- */

typedef struct sql_jdbc_cat sql_jdbc_cat;
/* Checks CREATE CATALOG n's options (with), connects to the default database and lists
 * the server's databases, the default one first (*dbs: malloc'd strings); NULL with the
 * error in s->err (empty: out of memory). */
sql_jdbc_cat *sql_jdbc_cat_open(sql_session *s, const sql_node *n, const char *name, const sql_node *with, char ***dbs,
                                int *ndbs);
void sql_jdbc_cat_free(sql_jdbc_cat *j);
/* Database db's table obj ("schema.table", or "table" in schema public), read from
 * PostgreSQL the first time; NULL with why in err (err may be NULL). */
sql_table *sql_jdbc_cat_table(sql_jdbc_cat *j, const char *db, const char *obj, char *err, size_t errlen);
/* The server's databases now, the default one first (as sql_jdbc_cat_open's). */
int sql_jdbc_cat_databases(sql_jdbc_cat *j, char ***dbs, int *ndbs, char *err, size_t errlen);
/* db's base tables as "schema.table" (malloc'd array of malloc'd strings). */
int sql_jdbc_cat_tables(sql_jdbc_cat *j, const char *db, char ***names, int *n, char *err, size_t errlen);
/* catalog_ns.c: an error at `at` when cat is a jdbc catalog (read-only for DDL; what is
 * Flink's operation name, "CreateTable"), else STROM_OK. */
int sql_ns_read_only(sql_session *s, const sql_node *at, const char *what, const char *cat, const char *db, const char *obj);

/* ---- winjoin_semi.c: window semi / anti joins (IN / EXISTS between window TVFs) ---- */

struct sql_winsemi;
/* Whether the semi/anti join p (its condition analysed, window_start and window_end
 * equal) runs as a window join, as Flink's WindowJoinUtil decides. */
bool sql_winsemi_applies(const sql_plan *p);
/* The semi/anti part of join_plan.c's window join operator: its configuration (out: the
 * left's columns), the rows it needs, and a window's firing (emits, clears the state). */
struct sql_winsemi *sql_winsemi_new(sql_build *b, const sql_plan *p, const strom_schema *out);
int sql_winsemi_rows(const struct sql_winsemi *s, strom_row **joined, strom_row **left);
int sql_winsemi_fire(strom_ctx *ctx, const struct sql_winsemi *s, strom_state *rows[2], strom_row *joined,
                     strom_row *left, strom_out *out, int64_t t);

/* ---- winjoin_check.c: Flink's WindowJoinUtil check, for every window join ---- */

/* Whether the join p (its condition analysed: lwend / rwend set) equates window_start
 * and window_end of inputs that carry the same windows; false: a regular join. */
bool sql_winjoin_same_windows(const sql_plan *p);

#endif
