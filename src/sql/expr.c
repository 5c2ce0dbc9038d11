/*
 * expr.c -- evaluation of bound expressions with SQL's NULL semantics: three-valued
 * AND/OR/NOT, NULL in gives NULL out for operators and strict functions, IS [NOT]
 * NULL/TRUE/FALSE/DISTINCT FROM never NULL, IN and CASE as the standard says.  The
 * binder has already cast operands to a common type, so each operator here knows
 * the types it works on from its arguments.  Integer overflow wraps and integer
 * division by zero fails the job, as in Flink; DECIMAL results that overflow their
 * precision are NULL.
 */
#include <math.h>

#include "sql_int.h"

static int eval_args(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *v) {
  for (int i = 0; i < e->n; i++) {
    int rc = sql_eval(e->a[i], r, c, &v[i]);
    if (rc) return rc;
  }
  return 0;
}

static int truth(const sql_val *v) { return v->null ? -1 : v->i != 0; } /* -1 unknown */

static int arith(const sql_expr *e, const sql_val *x, const sql_val *y, sql_val *out, sql_ectx *c) {
  const sql_type *t = &e->type, *tx = &e->a[0]->type, *ty = &e->a[1]->type;
  out->null = false;
  if (t->id == STROM_DOUBLE) {
    double a = x->d, b = y->d;
    switch (e->op) {
      case SQL_E_ADD: out->d = a + b; break;
      case SQL_E_SUB: out->d = a - b; break;
      case SQL_E_MUL: out->d = a * b; break;
      case SQL_E_DIV: out->d = a / b; break;
      default: out->d = fmod(a, b); break;
    }
    return 0;
  }
  if (t->id == STROM_TIMESTAMP) { /* timestamp +/- an interval in milliseconds */
    out->i = e->op == SQL_E_SUB ? x->i - y->i : x->i + y->i;
    out->ts.nano = x->ts.nano; /* TIMESTAMP(4..9) keeps its nanoseconds (types_ts.c) */
    return 0;
  }
  if (t->id == STROM_INT || t->id == STROM_BIGINT) {
    uint64_t a = (uint64_t)x->i, b = (uint64_t)y->i;
    int64_t v;
    switch (e->op) {
      case SQL_E_ADD: v = (int64_t)(a + b); break;
      case SQL_E_SUB: v = (int64_t)(a - b); break;
      case SQL_E_MUL: v = (int64_t)(a * b); break;
      default:
        if (y->i == 0) return sql_ectx_fail(c, "division by zero");
        if (y->i == -1) v = e->op == SQL_E_DIV ? (int64_t)(0 - a) : 0;
        else v = e->op == SQL_E_DIV ? x->i / y->i : x->i % y->i;
        break;
    }
    out->i = t->id == STROM_INT ? (int32_t)(uint32_t)(uint64_t)v : v;
    return 0;
  }
  if (t->id == STROM_DECIMAL) {
    if (sql_dec_wide(t) || sql_dec_wide(tx) || sql_dec_wide(ty)) return sql_dec_wide_arith(e->op, t, tx, x, ty, y, out, c);
    int sx = tx->id == STROM_DECIMAL ? tx->s : 0, sy = ty->id == STROM_DECIMAL ? ty->s : 0;
    __int128 a = x->i, b = y->i, v;
    int vs;
    switch (e->op) {
      case SQL_E_ADD:
      case SQL_E_SUB: {
        vs = sx > sy ? sx : sy;
        for (int i = sx; i < vs; i++) a *= 10;
        for (int i = sy; i < vs; i++) b *= 10;
        v = e->op == SQL_E_ADD ? a + b : a - b;
        break;
      }
      case SQL_E_MUL: v = a * b, vs = sx + sy; break;
      case SQL_E_DIV: {
        if (b == 0) return sql_ectx_fail(c, "division by zero");
        /* a / b at scale t->s + 1 extra digit, then rounded half up. */
        int k = t->s + 1 + sy - sx;
        for (int i = 0; i < k && i < 38; i++) a *= 10;
        for (int i = 0; i < -k; i++) b *= 10;
        v = a / b, vs = t->s + 1;
        break;
      }
      default: {
        if (b == 0) return sql_ectx_fail(c, "division by zero");
        vs = sx > sy ? sx : sy;
        for (int i = sx; i < vs; i++) a *= 10;
        for (int i = sy; i < vs; i++) b *= 10;
        v = a % b;
        break;
      }
    }
    if (!sql_dec_rescale(v, vs, t->s, t->p, &out->i)) return sql_dec_overflow(t, out, c);
    return 0;
  }
  return sql_ectx_fail(c, "bad arithmetic operands");
}

/* LIKE with % and _ (and an optional escape character), iterative with one backtrack
 * point so hostile patterns stay linear-ish. */
static bool like(const char *s, size_t n, const char *p, size_t m, int esc) {
  size_t i = 0, j = 0, star_j = (size_t)-1, star_i = 0;
  while (i < n) {
    if (j < m && esc >= 0 && (unsigned char)p[j] == esc && j + 1 < m) {
      if (p[j + 1] == s[i]) {
        i++, j += 2;
        continue;
      }
    } else if (j < m && p[j] == '%') {
      star_j = ++j, star_i = i;
      continue;
    } else if (j < m && (p[j] == '_' || p[j] == s[i])) {
      i++, j++;
      continue;
    }
    if (star_j == (size_t)-1) return false;
    j = star_j, i = ++star_i;
  }
  while (j < m && p[j] == '%') j++;
  return j == m;
}

int sql_eval(const sql_expr *e, const strom_row *r, sql_ectx *c, sql_val *out) {
  if (e->fast) return e->fast(e, r, c, out);
  sql_val v[3];
  int rc;
  switch (e->op) {
    case SQL_E_COL: sql_val_get(r, e->col, out); return 0;
    case SQL_E_LIT: *out = e->lit; return 0;
    case SQL_E_ROWTIME:
      out->null = false;
      out->i = r->time;
      return 0;
    case SQL_E_AND:
    case SQL_E_OR: {
      bool is_and = e->op == SQL_E_AND;
      if ((rc = sql_eval(e->a[0], r, c, &v[0]))) return rc;
      int a = truth(&v[0]);
      out->null = false;
      if (a == (is_and ? 0 : 1)) {
        out->i = a;
        return 0;
      }
      if ((rc = sql_eval(e->a[1], r, c, &v[1]))) return rc;
      int b = truth(&v[1]);
      if (b == (is_and ? 0 : 1)) out->i = b;
      else if (a < 0 || b < 0) out->null = true;
      else out->i = a;
      return 0;
    }
    case SQL_E_NOT:
      if ((rc = sql_eval(e->a[0], r, c, out))) return rc;
      if (!out->null) out->i = !out->i;
      return 0;
    case SQL_E_IS_NULL:
    case SQL_E_IS_NOT_NULL:
      if ((rc = sql_eval(e->a[0], r, c, &v[0]))) return rc;
      out->null = false;
      out->i = v[0].null == (e->op == SQL_E_IS_NULL);
      return 0;
    case SQL_E_IS_TRUE:
    case SQL_E_IS_NOT_TRUE:
    case SQL_E_IS_FALSE:
    case SQL_E_IS_NOT_FALSE: {
      if ((rc = sql_eval(e->a[0], r, c, &v[0]))) return rc;
      int t = truth(&v[0]);
      out->null = false;
      if (e->op == SQL_E_IS_TRUE) out->i = t == 1;
      else if (e->op == SQL_E_IS_NOT_TRUE) out->i = t != 1;
      else if (e->op == SQL_E_IS_FALSE) out->i = t == 0;
      else out->i = t != 0;
      return 0;
    }
    case SQL_E_IS_DISTINCT:
    case SQL_E_IS_NOT_DISTINCT: {
      if ((rc = eval_args(e, r, c, v))) return rc;
      bool same = v[0].null || v[1].null ? v[0].null == v[1].null : sql_val_cmp(&e->a[0]->type, &v[0], &v[1]) == 0;
      out->null = false;
      out->i = e->op == SQL_E_IS_DISTINCT ? !same : same;
      return 0;
    }
    case SQL_E_CASE: {
      int pairs = e->n / 2;
      for (int i = 0; i < pairs; i++) {
        if ((rc = sql_eval(e->a[2 * i], r, c, &v[0]))) return rc;
        if (truth(&v[0]) == 1) return sql_eval(e->a[2 * i + 1], r, c, out);
      }
      if (e->n & 1) return sql_eval(e->a[e->n - 1], r, c, out);
      out->null = true;
      return 0;
    }
    case SQL_E_IN:
    case SQL_E_NOT_IN: {
      if ((rc = sql_eval(e->a[0], r, c, &v[0]))) return rc;
      out->null = false;
      if (v[0].null) {
        out->null = true;
        return 0;
      }
      bool found = false, saw_null = false;
      for (int i = 1; i < e->n && !found; i++) {
        if ((rc = sql_eval(e->a[i], r, c, &v[1]))) return rc;
        if (v[1].null) saw_null = true;
        else if (!sql_val_cmp(&e->a[0]->type, &v[0], &v[1])) found = true;
      }
      if (!found && saw_null) out->null = true;
      else out->i = found == (e->op == SQL_E_IN);
      return 0;
    }
    case SQL_E_CAST:
      if ((rc = sql_eval(e->a[0], r, c, &v[0]))) return rc;
      rc = sql_val_cast(&e->a[0]->type, &e->type, &v[0], out, c);
      if (!rc && e->fit_len) rc = sql_cast_fit(e, out, c); /* cast_len.c */
      if (rc == STROM_EUSER && e->try_cast) {
        out->null = true;
        return 0;
      }
      return rc;
    case SQL_E_FUNC: {
      sql_val args[8];
      sql_val *a = e->n <= 8 ? args : (sql_val *)(void *)sql_ectx_alloc(c, sizeof(sql_val) * (size_t)e->n);
      if (!a) return STROM_ENOMEM;
      for (int i = 0; i < e->n; i++) {
        if ((rc = sql_eval(e->a[i], r, c, &a[i]))) return rc;
        if (a[i].null && e->fn->strict) {
          out->null = true;
          return 0;
        }
      }
      out->null = false;
      if ((rc = e->fn->eval(e, a, out, c)) || !e->type.narrow) return rc;
      sql_narrow_fix(&e->type, out); /* ABS of a TINYINT, ROUND of a FLOAT: the narrow type's value */
      return 0;
    }
    default: break;
  }
  /* Strict operators: any NULL operand gives NULL. */
  if ((rc = eval_args(e, r, c, v))) return rc;
  if ((e->op == SQL_E_BETWEEN || e->op == SQL_E_NOT_BETWEEN) && e->n == 3 && !v[0].null && (v[1].null || v[2].null))
    return sql_between_null_bound(e, v, out), 0; /* docs_between.c: not strict in its bounds */
  for (int i = 0; i < e->n; i++)
    if (v[i].null) {
      out->null = true;
      return 0;
    }
  out->null = false;
  switch (e->op) {
    case SQL_E_EQ: out->i = sql_val_cmp(&e->a[0]->type, &v[0], &v[1]) == 0; return 0;
    case SQL_E_NE: out->i = sql_val_cmp(&e->a[0]->type, &v[0], &v[1]) != 0; return 0;
    case SQL_E_LT: out->i = sql_val_cmp(&e->a[0]->type, &v[0], &v[1]) < 0; return 0;
    case SQL_E_GT: out->i = sql_val_cmp(&e->a[0]->type, &v[0], &v[1]) > 0; return 0;
    case SQL_E_LE: out->i = sql_val_cmp(&e->a[0]->type, &v[0], &v[1]) <= 0; return 0;
    case SQL_E_GE: out->i = sql_val_cmp(&e->a[0]->type, &v[0], &v[1]) >= 0; return 0;
    case SQL_E_BETWEEN:
    case SQL_E_NOT_BETWEEN: {
      const sql_type *t = &e->a[0]->type;
      bool in = sql_val_cmp(t, &v[0], &v[1]) >= 0 && sql_val_cmp(t, &v[0], &v[2]) <= 0;
      out->i = in == (e->op == SQL_E_BETWEEN);
      return 0;
    }
    case SQL_E_ADD:
    case SQL_E_SUB:
    case SQL_E_MUL:
    case SQL_E_DIV:
    case SQL_E_MOD:
      if ((rc = arith(e, &v[0], &v[1], out, c))) return rc;
      if (e->type.narrow) sql_narrow_fix(&e->type, out); /* TINYINT wraps, FLOAT rounds (types_narrow.c) */
      return 0;
    case SQL_E_NEG:
      if (e->type.id == STROM_DOUBLE) out->d = -v[0].d;
      else if (sql_dec_wide(&e->type)) sql_dec_put(&e->type, -sql_dec_get(&e->type, &v[0]), out);
      else if (e->type.id == STROM_INT) out->i = (int32_t)(0u - (uint32_t)v[0].i);
      else out->i = (int64_t)(0 - (uint64_t)v[0].i);
      if (e->type.narrow) sql_narrow_fix(&e->type, out);
      return 0;
    case SQL_E_CONCAT: {
      char *p = sql_ectx_alloc(c, (size_t)v[0].s.n + v[1].s.n + 1);
      if (!p) return STROM_ENOMEM;
      if (v[0].s.n) memcpy(p, v[0].s.p, v[0].s.n); /* an empty value's pointer may be NULL */
      if (v[1].s.n) memcpy(p + v[0].s.n, v[1].s.p, v[1].s.n);
      out->s.p = p, out->s.n = v[0].s.n + v[1].s.n;
      return 0;
    }
    case SQL_E_LIKE:
    case SQL_E_NOT_LIKE: {
      int esc = e->n > 2 && v[2].s.n ? (unsigned char)v[2].s.p[0] : -1;
      bool m = like(v[0].s.p, v[0].s.n, v[1].s.p, v[1].s.n, esc);
      out->i = m == (e->op == SQL_E_LIKE);
      return 0;
    }
    default: break;
  }
  return sql_ectx_fail(c, "unknown expression");
}

int sql_eval_pred(const sql_expr *e, const strom_row *r, sql_ectx *c) {
  sql_val v;
  int rc = sql_eval(e, r, c, &v);
  if (rc) return rc > 0 ? -rc : rc;
  return !v.null && v.i;
}

static const char *op_names[] = {
    [SQL_E_AND] = "AND", [SQL_E_OR] = "OR", [SQL_E_EQ] = "=", [SQL_E_NE] = "<>", [SQL_E_LT] = "<",
    [SQL_E_GT] = ">", [SQL_E_LE] = "<=", [SQL_E_GE] = ">=", [SQL_E_ADD] = "+", [SQL_E_SUB] = "-",
    [SQL_E_MUL] = "*", [SQL_E_DIV] = "/", [SQL_E_MOD] = "%", [SQL_E_CONCAT] = "||",
    [SQL_E_LIKE] = "LIKE", [SQL_E_NOT_LIKE] = "NOT LIKE",
};

void sql_expr_print(strom_buf *b, const sql_expr *e, const sql_col *cols) {
  switch (e->op) {
    case SQL_E_COL: strom__buf_printf(b, "%s", cols ? sql_fid_shown(cols[e->col].name) : "$"); return; /* fid_names.c */
    case SQL_E_ROWTIME: strom__buf_printf(b, "ROWTIME()"); return;
    case SQL_E_LIT:
      if (e->type.id == STROM_VARCHAR && !e->lit.null && e->type.kind != SQL_K_BYTES) { /* bytes: x'0a' */
        strom__buf_append(b, "'", 1);
        sql_val_format(b, &e->type, &e->lit);
        strom__buf_append(b, "'", 1);
      } else {
        sql_val_format(b, &e->type, &e->lit);
      }
      return;
    case SQL_E_NOT:
    case SQL_E_NEG:
      strom__buf_printf(b, e->op == SQL_E_NOT ? "NOT(" : "-(");
      sql_expr_print(b, e->a[0], cols);
      strom__buf_append(b, ")", 1);
      return;
    case SQL_E_CAST: {
      char tn[48];
      sql_type nt = e->type; /* EXPLAIN names the type without its nullability */
      nt.not_null = false;
      sql_type_name(&nt, tn, sizeof tn);
      strom__buf_printf(b, "%s(", e->try_cast ? "TRY_CAST" : "CAST");
      sql_expr_print(b, e->a[0], cols);
      strom__buf_printf(b, " AS %s)", tn);
      return;
    }
    default: break;
  }
  if (e->op < (int)(sizeof op_names / sizeof *op_names) && op_names[e->op] && e->n == 2) {
    strom__buf_append(b, "(", 1);
    sql_expr_print(b, e->a[0], cols);
    strom__buf_printf(b, " %s ", op_names[e->op]);
    sql_expr_print(b, e->a[1], cols);
    strom__buf_append(b, ")", 1);
    return;
  }
  static const char *names[] = {[SQL_E_IS_NULL] = "IS NULL", [SQL_E_IS_NOT_NULL] = "IS NOT NULL",
                                [SQL_E_IS_TRUE] = "IS TRUE", [SQL_E_IS_NOT_TRUE] = "IS NOT TRUE",
                                [SQL_E_IS_FALSE] = "IS FALSE", [SQL_E_IS_NOT_FALSE] = "IS NOT FALSE",
                                [SQL_E_IS_DISTINCT] = "IS DISTINCT FROM",
                                [SQL_E_IS_NOT_DISTINCT] = "IS NOT DISTINCT FROM", [SQL_E_BETWEEN] = "BETWEEN",
                                [SQL_E_NOT_BETWEEN] = "NOT BETWEEN", [SQL_E_IN] = "IN", [SQL_E_NOT_IN] = "NOT IN",
                                [SQL_E_CASE] = "CASE", [SQL_E_LIKE] = "LIKE", [SQL_E_NOT_LIKE] = "NOT LIKE"};
  if (sql_fid_print_call(b, e, cols)) return; /* fid_names.c: r.f */
  const char *name = e->op == SQL_E_FUNC ? e->fn->name
                     : e->op < (int)(sizeof names / sizeof *names) && names[e->op] ? names[e->op]
                                                                                   : "?";
  strom__buf_printf(b, "%s(", name);
  for (int i = 0; i < e->n; i++) {
    if (i) strom__buf_append(b, ", ", 2);
    sql_expr_print(b, e->a[i], cols);
  }
  strom__buf_append(b, ")", 1);
}
