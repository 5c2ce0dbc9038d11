/*
 * types_narrow.c -- TINYINT, SMALLINT and FLOAT as Flink keeps them.  The rows hold them
 * in INT and DOUBLE columns (the row codec has no narrower slots), and sql_type.narrow
 * remembers the declared type, so that names (DESCRIBE, EXPLAIN, the tableau header),
 * casts and arithmetic behave as in Flink's generated Java: a narrowing cast or an
 * arithmetic result wraps as (byte)/(short) does, and FLOAT values are rounded to single
 * precision after every step, which gives exactly Java's float arithmetic for + - * /
 * (a double holds the exact result of two floats' operation to well past the bits a
 * float rounds to).  Only the general evaluator knows about narrow types; expr_fast.c
 * leaves nodes of these types to it, so INT/BIGINT/DOUBLE paths are unchanged.
 */
#include <math.h>
#include <string.h>

#include "sql_int.h"

void sql_narrow_fix(const sql_type *t, sql_val *v) {
  if (v->null) return;
  switch (t->narrow) {
    case SQL_N_TINYINT: v->i = (int8_t)(uint8_t)(uint64_t)v->i; break;
    case SQL_N_SMALLINT: v->i = (int16_t)(uint16_t)(uint64_t)v->i; break;
    case SQL_N_FLOAT: v->d = (double)(float)v->d; break;
    default: break;
  }
}

/* 32 for INT, 16 for SMALLINT, 8 for TINYINT. */
static int int_width(const sql_type *t) {
  int b = sql_narrow_bits(t);
  return b ? b : 32;
}

uint8_t sql_narrow_arith(const sql_type *x, const sql_type *y, const sql_type *t) {
  if (t->kind || x->kind || y->kind) return SQL_N_NONE;
  if (t->id == STROM_INT && x->id == STROM_INT && y->id == STROM_INT) {
    /* Calcite's least restrictive type: TINYINT + SMALLINT is SMALLINT; with INT, INT. */
    int w = int_width(x) > int_width(y) ? int_width(x) : int_width(y);
    return w == 8 ? SQL_N_TINYINT : w == 16 ? SQL_N_SMALLINT : SQL_N_NONE;
  }
  if (t->id == STROM_DOUBLE) {
    /* FLOAT with FLOAT or an exact integer stays FLOAT; with DOUBLE or DECIMAL, DOUBLE. */
    bool fx = x->id == STROM_DOUBLE && x->narrow == SQL_N_FLOAT, fy = y->id == STROM_DOUBLE && y->narrow == SQL_N_FLOAT;
    bool ix = x->id == STROM_INT || x->id == STROM_BIGINT, iy = y->id == STROM_INT || y->id == STROM_BIGINT;
    if ((fx || fy) && (fx || ix) && (fy || iy)) return SQL_N_FLOAT;
  }
  return SQL_N_NONE;
}

bool sql_narrow_needs_cast(const sql_type *from, const sql_type *to) {
  if (!to->narrow || from->kind || to->kind) return false;
  if (to->id == STROM_INT && from->id == STROM_INT) return int_width(to) < int_width(from);
  if (to->id == STROM_DOUBLE && from->id == STROM_DOUBLE) return from->narrow != SQL_N_FLOAT;
  return false;
}

int sql_narrow_cast(const sql_type *from, const sql_type *to, const sql_val *v, sql_val *out, sql_ectx *c) {
  sql_type wide = *to;
  wide.narrow = SQL_N_NONE;
  if (v->null || !from->id) {
    out->null = true;
    return 0;
  }
  if (from->id == STROM_VARCHAR) { /* Byte.parseByte / Short.parseShort refuse what does not fit */
    if (sql_val_parse(to, v->s.p, v->s.n, out, c))
      return sql_ectx_fail(c, "cannot cast '%.*s' to %s", (int)(v->s.n > 64 ? 64 : v->s.n), v->s.p, sql_narrow_name(to));
    return 0;
  }
  if (to->id == STROM_INT && from->id == STROM_DOUBLE && !from->kind) {
    /* Java's (byte) d: to int first (NaN is 0, out of range saturates), then wrap. */
    double d = v->d;
    out->null = false;
    out->i = isnan(d) ? 0 : d >= 2147483647.0 ? INT32_MAX : d <= -2147483648.0 ? INT32_MIN : (int64_t)d;
    sql_narrow_fix(to, out);
    return 0;
  }
  int rc = sql_val_cast(from, &wide, v, out, c);
  if (!rc) sql_narrow_fix(to, out);
  return rc;
}

const char *sql_narrow_name(const sql_type *t) {
  switch (t->narrow) {
    case SQL_N_TINYINT: return "TINYINT";
    case SQL_N_SMALLINT: return "SMALLINT";
    case SQL_N_FLOAT: return "FLOAT";
    default: return NULL;
  }
}

int sql_schema_add_narrow(strom_schema *s, const char *name, const sql_type *t) {
  int rc = strom_schema_add(s, name, t->id);
  /* the formats' text: a FLOAT written as Float.toString (num_text.c), a TINYINT read
   * from json or csv must fit (value_text.c) */
  if (!rc) s->cols[s->ncols - 1].narrow = t->narrow == SQL_N_TINYINT ? STROM__NARROW_TINYINT
                                          : t->narrow == SQL_N_SMALLINT ? STROM__NARROW_SMALLINT
                                                                        : STROM__NARROW_FLOAT;
  return rc;
}

/* ---- FLOAT in the filesystem connector's csv and json: Float.toString's text ---- */

bool sql_float_as_text(const sql_table *t, const sql_table_col *c) {
  if (c->type.narrow != SQL_N_FLOAT || c->type.kind || !t->conn || strcmp(t->conn->name, "filesystem")) return false;
  const char *f = sql_table_option(t, "format");
  return f && (!strcmp(f, "csv") || !strcmp(f, "json"));
}

int sql_schema_add_sink_io(strom_schema *s, const sql_table *t, const sql_table_col *c) {
  if (sql_float_as_text(t, c)) return strom_schema_add(s, c->name, STROM_VARCHAR);
  return sql_schema_add_io(s, c->name, &c->type);
}

/* aux 1: json, which embeds the text: Infinity and NaN quoted, as Jackson writes them */
static int f_float_text(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  static const sql_type ft = {.id = STROM_DOUBLE, .narrow = SQL_N_FLOAT};
  strom_buf b = {0};
  bool q = e->aux && !isfinite(a[0].d);
  if (q) strom__buf_append(&b, "\"", 1);
  sql_val_format(&b, &ft, &a[0]);
  if (q) strom__buf_append(&b, "\"", 1);
  return sql_coll_finish(&b, out, c);
}

static const sql_func float_text_fn = {"FLOAT_TEXT", 1, 1, true, NULL, f_float_text};

sql_expr *sql_float_text(sql_arena *a, sql_expr *x, bool json) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **args = sql_arena_alloc(a, sizeof *args);
  if (!e || !args) return NULL;
  args[0] = x;
  *e = (sql_expr){.op = SQL_E_FUNC, .type = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX}, .n = 1, .a = args,
                  .fn = &float_text_fn, .col = -1, .aux = json};
  return e;
}
