/*
 * expr_fast.c -- specialised evaluators for the expression shapes that run on every
 * row of a query: a column, a literal, an integer comparison, AND/OR/CASE, integer and
 * DECIMAL arithmetic, numeric casts, a function call.  sql_expr_compile picks one per
 * node once the plan is final (after CALCs merged and columns were renumbered, since
 * the choice depends on the children's kinds), and sql_eval calls it instead of its
 * general switch.  Each specialisation gives exactly what the general path gives
 * (expr.c); nodes without one keep the general path.  This is the interpreter's form
 * of Flink's code generation: the type dispatch happens at plan time, not per row.
 */
#include <stdlib.h>
#include <string.h>

#include "sql_int.h"

#define EVAL(x, r, c, o) ((x)->fast ? (x)->fast((x), (r), (c), (o)) : sql_eval((x), (r), (c), (o)))

/* Kept in the value's 64-bit integer and ordered as one (sql_val_cmp's default). */
static bool int_like(const sql_type *t) {
  return t->kind == SQL_K_NONE && !sql_ts_wide(t) && (t->id == STROM_BOOLEAN || t->id == STROM_INT || t->id == STROM_BIGINT ||
                                   (t->id == STROM_DECIMAL && !sql_dec_wide(t)) || t->id == STROM_TIMESTAMP);
}

static int f_col(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  (void)c;
  out->null = r->nulls[e->col];
  out->i = r->v[e->col].i; /* a union: doubles copy bit for bit */
  return 0;
}

/* a wide DECIMAL column: both words */
static int f_col_w(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  (void)c;
  out->null = r->nulls[e->col];
  out->w.lo = r->v[e->col].w.lo;
  out->w.hi = r->v[e->col].w.hi;
  return 0;
}

static int f_col_str(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  (void)c;
  out->null = r->nulls[e->col];
  out->s.p = r->v[e->col].s.p;
  out->s.n = r->v[e->col].s.n;
  return 0;
}

static int f_lit(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  (void)r, (void)c;
  *out = e->lit;
  return 0;
}

/* Evaluates both operands of e into x and y; *null: one is NULL (out is set NULL). */
static inline int operands(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *x, sql_val *y, sql_val *out,
                           bool *null) {
  int rc;
  if ((rc = EVAL(e->a[0], r, c, x)) || (rc = EVAL(e->a[1], r, c, y))) return rc;
  *null = out->null = x->null || y->null;
  return 0;
}

/* column op literal, both integers of one type */
static int f_cmp_col_lit(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  (void)c;
  int col = e->a[0]->col;
  out->null = r->nulls[col];
  out->i = sql_cmp_holds(e->op, r->v[col].i, e->a[1]->lit.i);
  return 0;
}

/* column op column, integers of one type (a join's time condition) */
static int f_cmp_col_col(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  (void)c;
  int x = e->a[0]->col, y = e->a[1]->col;
  out->null = r->nulls[x] || r->nulls[y];
  out->i = !out->null && sql_cmp_holds(e->op, r->v[x].i, r->v[y].i);
  return 0;
}

/* anything op literal, integers of one type */
static int f_cmp_lit(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  sql_val x;
  int rc = EVAL(e->a[0], r, c, &x);
  if (rc) return rc;
  out->null = x.null;
  out->i = !x.null && sql_cmp_holds(e->op, x.i, e->a[1]->lit.i);
  return 0;
}

static int f_cmp(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  sql_val x, y;
  bool null;
  int rc = operands(e, r, c, &x, &y, out, &null);
  out->i = !rc && !null && sql_cmp_holds(e->op, x.i, y.i);
  return rc;
}

/* x [NOT] BETWEEN lo AND hi, integers of one type */
static int f_between(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  sql_val x, lo, hi;
  int rc;
  if ((rc = EVAL(e->a[0], r, c, &x)) || (rc = EVAL(e->a[1], r, c, &lo)) || (rc = EVAL(e->a[2], r, c, &hi))) return rc;
  if (!x.null && (lo.null || hi.null)) { /* docs_between.c: a NULL bound */
    bool fails = lo.null ? !hi.null && x.i > hi.i : x.i < lo.i;
    out->null = !fails, out->i = fails && e->op == SQL_E_NOT_BETWEEN;
    return 0;
  }
  out->null = x.null || lo.null || hi.null;
  out->i = !out->null && (x.i >= lo.i && x.i <= hi.i) == (e->op == SQL_E_BETWEEN);
  return 0;
}

/* the same over three plain columns (a join's time condition): no calls */
static int f_between_cols(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  (void)c;
  int x = e->a[0]->col, l = e->a[1]->col, h = e->a[2]->col;
  if (!r->nulls[x] && !r->nulls[l] && !r->nulls[h]) {
    int64_t v = r->v[x].i;
    out->null = false;
    out->i = (v >= r->v[l].i && v <= r->v[h].i) == (e->op == SQL_E_BETWEEN);
    return 0;
  }
  return f_between(e, r, c, out);
}

static int truth(const sql_val *v) { return v->null ? -1 : v->i != 0; }

static int f_and_or(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  bool is_and = e->op == SQL_E_AND;
  sql_val v;
  int rc;
  if ((rc = EVAL(e->a[0], r, c, &v))) return rc;
  int a = truth(&v);
  out->null = false;
  if (a == (is_and ? 0 : 1)) {
    out->i = a;
    return 0;
  }
  if ((rc = EVAL(e->a[1], r, c, &v))) return rc;
  int b = truth(&v);
  if (b == (is_and ? 0 : 1)) out->i = b;
  else if (a < 0 || b < 0) out->null = true;
  else out->i = a;
  return 0;
}

static int f_case(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  int pairs = e->n / 2, rc;
  sql_val v;
  for (int i = 0; i < pairs; i++) {
    if ((rc = EVAL(e->a[2 * i], r, c, &v))) return rc;
    if (!v.null && v.i) return EVAL(e->a[2 * i + 1], r, c, out);
  }
  if (e->n & 1) return EVAL(e->a[e->n - 1], r, c, out);
  out->null = true;
  return 0;
}

/* CASE WHEN x = l1 THEN .. WHEN x = l2 THEN .. [ELSE ..] END over one integer column x:
 * the column is read once (a view's event_type dispatch) */
static int f_case_switch(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  int pairs = e->n / 2, col = e->a[0]->a[0]->col;
  if (!r->nulls[col]) {
    int64_t x = r->v[col].i;
    for (int i = 0; i < pairs; i++)
      if (e->a[2 * i]->a[1]->lit.i == x) return EVAL(e->a[2 * i + 1], r, c, out);
  }
  if (e->n & 1) return EVAL(e->a[e->n - 1], r, c, out);
  out->null = true;
  return 0;
}

/* INT/BIGINT + - *: wraps on overflow, as expr.c's arith */
static int f_arith_int(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  sql_val x, y;
  bool null;
  int rc = operands(e, r, c, &x, &y, out, &null);
  if (rc || null) return rc;
  uint64_t a = (uint64_t)x.i, b = (uint64_t)y.i;
  int64_t v = (int64_t)(e->op == SQL_E_ADD ? a + b : e->op == SQL_E_SUB ? a - b : a * b);
  out->null = false;
  out->i = e->type.id == STROM_INT ? (int32_t)(uint32_t)(uint64_t)v : v;
  return 0;
}

/* x * m if it fits DECIMAL(p) (|v| below 10^p; p > 18: the 64 bits), as
 * sql_dec_rescale checks; false: NULL. */
static inline bool dec_scaled(int64_t x, int64_t m, int p, int64_t *out) {
  int64_t v;
  if (__builtin_mul_overflow(x, m, &v)) return false;
  if (p >= 19) return v != INT64_MIN;
  int64_t lim = sql_pow10s[p];
  if (v >= lim || v <= -lim) return false;
  *out = v;
  return true;
}

/* DECIMAL * DECIMAL whose product's scale is the result's: no rounding */
static int f_dec_mul(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  sql_val x, y;
  bool null;
  int rc = operands(e, r, c, &x, &y, out, &null);
  if (rc || null) return rc;
  out->null = !dec_scaled(x.i, y.i, e->type.p, &out->i);
  return out->null ? sql_dec_overflow(&e->type, out, c) : 0;
}

/* literal * DECIMAL, the literal's scale and the other's adding up to the result's */
static int f_dec_mul_lit(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  sql_val x;
  int rc;
  if ((rc = EVAL(e->a[1], r, c, &x))) return rc;
  if ((out->null = x.null)) return 0;
  out->null = !dec_scaled(e->a[0]->lit.i, x.i, e->type.p, &out->i);
  return out->null ? sql_dec_overflow(&e->type, out, c) : 0;
}

/* DECIMAL * DECIMAL into a wide result whose operands are int64s (narrow DECIMALs, or
 * integers cast to DECIMAL(p, 0), read past the cast: aux bit 0 for the left, 1 for
 * the right) and whose product's scale is the result's: one 64x64 multiply, no
 * rounding.  Nexmark q1's 0.908 * price (DECIMAL(4, 3) * BIGINT = DECIMAL(24, 3)). */
static inline int mul_w64(const sql_expr *e, const sql_type *t, const strom_row *r, sql_ectx *c, sql_val *out) {
  sql_val x, y;
  int rc;
  const sql_expr *l = e->aux & 1 ? e->a[0]->a[0] : e->a[0], *rt = e->aux & 2 ? e->a[1]->a[0] : e->a[1];
  if ((rc = EVAL(l, r, c, &x)) || (rc = EVAL(rt, r, c, &y))) return rc;
  if ((out->null = x.null || y.null)) return 0;
  __int128 v = (__int128)x.i * y.i;
  sql_dec_put(t, v, out);
  return 0;
}

/* the same with a literal on the left */
static inline int mul_w64_lit(const sql_expr *e, const sql_type *t, const strom_row *r, sql_ectx *c, sql_val *out) {
  sql_val y;
  int rc;
  const sql_expr *rt = e->aux & 2 ? e->a[1]->a[0] : e->a[1];
  if ((rc = EVAL(rt, r, c, &y))) return rc;
  if ((out->null = y.null)) return 0;
  __int128 v = (__int128)e->a[0]->lit.i * y.i;
  sql_dec_put(t, v, out);
  return 0;
}

static int f_dec_mul_w64(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  return mul_w64(e, &e->type, r, c, out);
}
static int f_dec_mul_w64_lit(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  return mul_w64_lit(e, &e->type, r, c, out);
}
/* CAST(that product AS DECIMAL(p, s)) with its scale and p at most its precision: the
 * product checked against p once (q1's DECIMAL(24, 3) into its sink's (23, 3)) */
static int f_cast_mul_w64(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  return mul_w64(e->a[0], &e->type, r, c, out);
}
static int f_cast_mul_w64_lit(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  return mul_w64_lit(e->a[0], &e->type, r, c, out);
}

/* An operand of f_dec_mul_w64: 0 not one, 1 a narrow DECIMAL, 2 an integer cast to a
 * DECIMAL of scale 0 (the cast is the identity on the int64). */
static int w64_operand(const sql_expr *x) {
  const sql_type *t = &x->type;
  if (t->kind || t->id != STROM_DECIMAL) return 0;
  if (!sql_dec_wide(t)) return 1;
  if (x->op == SQL_E_CAST && x->n == 1 && t->s == 0 && !x->a[0]->type.kind &&
      (x->a[0]->type.id == STROM_INT || x->a[0]->type.id == STROM_BIGINT))
    return 2;
  return 0;
}

/* CAST(integer AS DECIMAL(p, s)) and CAST(DECIMAL(p', s) AS DECIMAL(p, s)) */
static int f_cast_dec(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  sql_val x;
  int rc;
  if ((rc = EVAL(e->a[0], r, c, &x))) return rc;
  if (x.null) {
    out->null = true;
    return 0;
  }
  int from = e->a[0]->type.id == STROM_DECIMAL ? e->a[0]->type.s : 0;
  out->null = !dec_scaled(x.i, sql_pow10s[e->type.s - from], e->type.p, &out->i);
  return out->null ? sql_dec_overflow(&e->type, out, c) : 0;
}

/* CAST to or from a wide DECIMAL that keeps or raises the scale (from a DECIMAL or an
 * integer): a multiply by 10^aux, then the precision check.  q1's DECIMAL(24, 3) into
 * its sink's DECIMAL(23, 3). */
static int f_cast_dec_w(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  sql_val x;
  int rc;
  if ((rc = EVAL(e->a[0], r, c, &x))) return rc;
  if ((out->null = x.null)) return 0;
  __int128 v = sql_dec_get(&e->a[0]->type, &x);
  if (e->aux && __builtin_mul_overflow(v, (__int128)strom__pow10_128[e->aux], &v)) return sql_dec_overflow(&e->type, out, c);
  sql_dec_put(&e->type, v, out);
  return 0;
}

/* CAST between INT, BIGINT and TIMESTAMP */
static int f_cast_int(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  int rc = EVAL(e->a[0], r, c, out);
  if (!rc && !out->null && e->type.id == STROM_INT) out->i = (int32_t)(uint32_t)(uint64_t)out->i;
  return rc;
}

static int f_func(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  sql_val a[8];
  int rc;
  for (int i = 0; i < e->n; i++) {
    if ((rc = EVAL(e->a[i], r, c, &a[i]))) return rc;
    if (a[i].null && e->fn->strict) {
      out->null = true;
      return 0;
    }
  }
  out->null = false;
  return e->fn->eval(e, a, out, c);
}

static bool plain_int(const sql_type *t) { return t->kind == SQL_K_NONE && (t->id == STROM_INT || t->id == STROM_BIGINT); }

/* STROM_SQL_INTERPRET=1 keeps every node on the general evaluator: the tests compare
 * both, and a user who suspects this file can rule it out. */
void sql_expr_compile(sql_expr *e) {
  if (!e) return;
  for (int i = 0; i < e->n; i++) sql_expr_compile(e->a[i]);
  e->fast = NULL;
  const char *off = getenv("STROM_SQL_INTERPRET");
  if (off && *off && strcmp(off, "0")) return;
  const sql_type *t = &e->type, *t0 = e->n ? &e->a[0]->type : NULL, *t1 = e->n > 1 ? &e->a[1]->type : NULL;
  if (t->narrow && ((e->op >= SQL_E_ADD && e->op <= SQL_E_NEG) || e->op == SQL_E_FUNC))
    return; /* wraps/rounds: the general evaluator (types_narrow.c) */
  if (t->narrow && e->op == SQL_E_CAST && e->n == 1 && (t0->id != t->id || sql_narrow_needs_cast(t0, t)) &&
      e->a[0]->op != SQL_E_LIT)
    return;
  switch (e->op) {
    case SQL_E_COL:
      if (t->kind == SQL_K_NONE && t->id) /* f_col_w: both words, a wide DECIMAL's or a TIMESTAMP(4..9)'s */
        e->fast = t->id == STROM_VARCHAR ? f_col_str : sql_dec_wide(t) || sql_ts_wide(t) ? f_col_w : f_col;
      break;
    case SQL_E_LIT: e->fast = f_lit; break;
    case SQL_E_AND:
    case SQL_E_OR:
      if (e->n == 2) e->fast = f_and_or;
      break;
    case SQL_E_EQ:
    case SQL_E_NE:
    case SQL_E_LT:
    case SQL_E_GT:
    case SQL_E_LE:
    case SQL_E_GE:
      if (e->n != 2 || !int_like(t0) || !int_like(t1) || t0->id != t1->id) break;
      if (t0->id == STROM_DECIMAL && t0->s != t1->s) break;
      if (e->a[1]->op == SQL_E_LIT && !e->a[1]->lit.null) e->fast = e->a[0]->op == SQL_E_COL ? f_cmp_col_lit : f_cmp_lit;
      else e->fast = e->a[0]->op == SQL_E_COL && e->a[1]->op == SQL_E_COL ? f_cmp_col_col : f_cmp;
      break;
    case SQL_E_BETWEEN:
    case SQL_E_NOT_BETWEEN:
      if (e->n != 3 || !int_like(t0) || !int_like(t1) || !int_like(&e->a[2]->type) || t0->id != t1->id ||
          t0->id != e->a[2]->type.id)
        break;
      if (t0->id == STROM_DECIMAL && (t0->s != t1->s || t0->s != e->a[2]->type.s)) break;
      e->fast = f_between;
      if (e->a[0]->fast == f_col && e->a[1]->fast == f_col && e->a[2]->fast == f_col) e->fast = f_between_cols;
      break;
    case SQL_E_CASE: {
      e->fast = f_case;
      bool sw = e->n >= 2;
      for (int i = 0; i + 1 < e->n && sw; i += 2)
        sw = e->a[i]->fast == f_cmp_col_lit && e->a[i]->op == SQL_E_EQ && e->a[i]->a[0]->col == e->a[0]->a[0]->col;
      if (sw) e->fast = f_case_switch;
      break;
    }
    case SQL_E_ADD:
    case SQL_E_SUB:
    case SQL_E_MUL:
      if (e->n == 2 && plain_int(t) && plain_int(t0) && plain_int(t1)) e->fast = f_arith_int;
      else if (e->op == SQL_E_MUL && e->n == 2 && t->kind == SQL_K_NONE && t->id == STROM_DECIMAL && t0->id == STROM_DECIMAL &&
               t1->id == STROM_DECIMAL && !t0->kind && !t1->kind && t0->s + t1->s == t->s && !sql_dec_wide(t) &&
               !sql_dec_wide(t0) && !sql_dec_wide(t1))
        e->fast = e->a[0]->op == SQL_E_LIT && !e->a[0]->lit.null ? f_dec_mul_lit : f_dec_mul;
      else if (e->op == SQL_E_MUL && e->n == 2 && t->kind == SQL_K_NONE && sql_dec_wide(t) && w64_operand(e->a[0]) &&
               w64_operand(e->a[1]) && t0->s + t1->s == t->s) {
        e->aux = (w64_operand(e->a[0]) == 2) | (w64_operand(e->a[1]) == 2) << 1;
        e->fast = e->a[0]->op == SQL_E_LIT && !e->a[0]->lit.null && w64_operand(e->a[0]) == 1 ? f_dec_mul_w64_lit : f_dec_mul_w64;
      }
      break;
    case SQL_E_CAST:
      if (e->n != 1 || t->kind || t0->kind) break;
      if (e->a[0]->op == SQL_E_LIT && t->id != STROM_VARCHAR) { /* a constant: cast once, here */
        sql_ectx c = {0};
        sql_val v;
        int rc = sql_val_cast(t0, t, &e->a[0]->lit, &v, &c);
        if (c.chunks) sql_ectx_free(&c);
        if (!rc) {
          e->op = SQL_E_LIT, e->lit = v, e->n = 0, e->fast = f_lit;
          break;
        }
      }
      if (t->id == STROM_DECIMAL && (plain_int(t0) || (t0->id == STROM_DECIMAL && t0->s <= t->s)) && t->s <= 18 &&
          !sql_dec_wide(t) && !sql_dec_wide(t0))
        e->fast = f_cast_dec;
      else if (t->id == STROM_DECIMAL && t0->id == STROM_DECIMAL && t0->s == t->s && t->p <= t0->p &&
               (e->a[0]->fast == f_dec_mul_w64 || e->a[0]->fast == f_dec_mul_w64_lit))
        e->fast = e->a[0]->fast == f_dec_mul_w64 ? f_cast_mul_w64 : f_cast_mul_w64_lit;
      else if (t->id == STROM_DECIMAL && (sql_dec_wide(t) || sql_dec_wide(t0)) &&
               (plain_int(t0) || (t0->id == STROM_DECIMAL && t0->s <= t->s))) {
        e->aux = t->s - (t0->id == STROM_DECIMAL ? t0->s : 0);
        e->fast = f_cast_dec_w;
      }
      else if ((t->id == STROM_INT || t->id == STROM_BIGINT || t->id == STROM_TIMESTAMP) &&
               (t0->id == STROM_INT || t0->id == STROM_BIGINT || t0->id == STROM_TIMESTAMP) &&
               (t->id != STROM_TIMESTAMP || t0->id != STROM_TIMESTAMP || t->p == t0->p || (t->p <= 3 && t0->p <= t->p)))
        e->fast = f_cast_int;
      break;
    case SQL_E_FUNC:
      if (e->n <= 8) e->fast = f_func;
      break;
    default: break;
  }
}
