/*
 * nullability.c -- whether a derived value can be NULL, as Flink's type inference says
 * (Calcite's TO_NULLABLE: a result is nullable only when an operand is): arithmetic,
 * comparisons, AND / OR / NOT, BETWEEN, IN, LIKE, || and CAST (not TRY_CAST) of NOT NULL
 * operands are NOT NULL, and so are a CASE whose results and ELSE all are, COALESCE with
 * a NOT NULL argument, and the string and numeric functions that give NULL only for a
 * NULL argument.  The binder calls this on each expression it binds, after its own
 * rules, which it only ever narrows to NOT NULL; DESCRIBE, SHOW CREATE VIEW and the
 * sink's NOT NULL columns see the result.
 */
#include <strings.h>

#include "sql_int.h"

/* Functions that are NULL only for a NULL argument (Flink: ARG0_NULLABLE and kin). */
static const char *const null_only_on_null[] = {"UPPER", "LOWER", "INITCAP", "CHAR_LENGTH", "CHARACTER_LENGTH", "TRIM", "LTRIM",
                                                "RTRIM", "CONCAT", "REPLACE", "ABS", "MOD", "SIGN", "FLOOR", "CEIL", "CEILING",
                                                "GREATEST", "LEAST", "STARTSWITH", "ENDSWITH", "BTRIM"};

/* x is NOT NULL; an implicit cast the binder put over a NOT NULL operand is too. */
static bool nn(sql_expr *x) {
  if (x->op == SQL_E_CAST && x->n == 1 && !x->try_cast && !x->type.not_null && nn(x->a[0])) x->type.not_null = true;
  return x->type.not_null;
}

static bool all_nn(sql_expr *e, int from, int step) {
  for (int i = from; i < e->n; i += step)
    if (!nn(e->a[i])) return false;
  return true;
}

void sql_expr_nullability(sql_expr *e) {
  if (e->type.not_null || !e->type.id) return;
  bool v = false;
  switch (e->op) {
    case SQL_E_AND: case SQL_E_OR: case SQL_E_NOT:
    case SQL_E_EQ: case SQL_E_NE: case SQL_E_LT: case SQL_E_GT: case SQL_E_LE: case SQL_E_GE:
    case SQL_E_ADD: case SQL_E_SUB: case SQL_E_MUL: case SQL_E_DIV: case SQL_E_MOD: case SQL_E_NEG: case SQL_E_CONCAT:
    case SQL_E_BETWEEN: case SQL_E_NOT_BETWEEN: case SQL_E_IN: case SQL_E_NOT_IN: case SQL_E_LIKE: case SQL_E_NOT_LIKE:
      v = e->n > 0 && all_nn(e, 0, 1);
      break;
    case SQL_E_CAST: v = e->n == 1 && !e->try_cast && nn(e->a[0]); break;
    case SQL_E_CASE: /* results at odd positions, and the ELSE last when n is odd */
      v = (e->n & 1) && all_nn(e, 1, 2) && nn(e->a[e->n - 1]);
      break;
    case SQL_E_FUNC:
      if (!e->fn || !e->n) break;
      if (!strcasecmp(e->fn->name, "COALESCE")) {
        for (int i = 0; i < e->n && !v; i++) v = nn(e->a[i]);
        break;
      }
      for (size_t k = 0; k < sizeof null_only_on_null / sizeof *null_only_on_null; k++)
        if (!strcasecmp(e->fn->name, null_only_on_null[k])) v = all_nn(e, 0, 1);
      break;
    default: break;
  }
  if (v) e->type.not_null = true;
}
