/*
 * unnest_bind.c -- binding `t CROSS JOIN UNNEST(t.arr) [WITH ORDINALITY] AS u(x)` (also
 * the comma form and `LEFT JOIN ... ON TRUE`) and `LATERAL TABLE(f(t.a))` into one
 * SQL_P_UNNEST node over the join's left side, as Flink's planner turns the correlated
 * Uncollect or table function scan into a Correlate of the left input.  The collection
 * (or the function's arguments) is an expression over the left side's columns; the
 * node's columns are the left's, then one per element column: an ARRAY's or MULTISET's
 * element (`EXPR$0`, or the fields of ROW elements), a MAP's `KEY` and `VALUE`, a table
 * function's declared columns, then `ORDINALITY` (INT NOT NULL).  An alias's column list
 * renames them and must name each.  Only a CROSS or INNER join (whose ON condition is a
 * filter over the result) and a LEFT join ON TRUE are accepted, as in Flink.  An UNNEST
 * alone in FROM expands a single row of no columns.
 */
#include <strings.h>

#include "unnest.h"

typedef struct binder binder;

bool sql_unnest_is(const sql_node *n) {
  if (n->kind == SQL_AS) n = n->kids[0];
  return n->kind == SQL_UNNEST || n->kind == SQL_LATERAL;
}

static void *oom(binder *b) { return sql_binder_fail(b, NULL, "out of memory"); }

static sql_plan *plan_new(binder *b, sql_pkind k, int ncols, sql_plan *in) {
  sql_arena *a = sql_binder_arena(b);
  sql_plan *p = sql_arena_alloc(a, sizeof *p);
  if (!p || !(p->cols = sql_arena_alloc(a, sizeof(sql_col) * (size_t)(ncols ? ncols : 1)))) return oom(b);
  p->kind = k, p->ncols = ncols, p->time_col = -1, p->in = in;
  p->changelog = in && in->changelog;
  return p;
}

/* The element columns of an ARRAY / MULTISET element type et: its fields when it is a ROW
 * (-1: more than 64). */
static int elem_cols(sql_unnest *u, const sql_type *et, const char **names, sql_type *types) {
  int nf = sql_rowv_nfields(et);
  if (!nf) {
    names[0] = "EXPR$0", types[0] = *et;
    return 1;
  }
  if (nf > 64) return -1;
  u->rowv = true;
  for (int i = 0; i < nf; i++) names[i] = sql_rowv_fname(et, i), types[i] = *sql_rowv_ftype(et, i);
  return nf;
}

static bool is_true(const sql_node *on) {
  return on && on->kind == SQL_ON && on->kids[0]->kind == SQL_KEYWORD && !strcasecmp(on->kids[0]->text, "TRUE");
}

/* The table function's arguments, bound over in's columns: the SQL-only types as their
 * text (bytes as they are), as a scalar C function gets them (udf.c). */
static bool bind_fn(binder *b, sql_unnest *u, const sql_node *call, const sql_plan *in) {
  sql_session *s = sql_binder_session(b);
  const strom_sql_table_fn *f = s ? sql_udf_table_find(s, call->text) : NULL;
  if (!f) {
    bool scalar = sql_func_find(call->text) || (s && sql_udf_find(s, call->text));
    return sql_binder_fail(b, call, scalar ? "%s is a scalar function, not a table function: LATERAL TABLE wants a table "
                                             "function (CREATE FUNCTION of a strom_sql_table_fn)"
                                           : "table function %s not found (CREATE FUNCTION ... LANGUAGE C of a strom_sql_table_fn)",
                           call->text),
           false;
  }
  if (call->nkids < f->min_args || call->nkids > f->max_args)
    return sql_binder_fail(b, call, "table function %s takes %d to %d arguments, got %d", sql_udf_find(s, call->text)->name,
                           f->min_args, f->max_args,
                           call->nkids),
           false;
  sql_arena *a = sql_binder_arena(b);
  if (!(u->args = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)(call->nkids ? call->nkids : 1)))) return oom(b), false;
  static const sql_type text = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX};
  for (int i = 0; i < call->nkids; i++) {
    const sql_node *k = call->kids[i];
    if (k->kind == SQL_NAMED_ARG || k->kind == SQL_TABLE_ARG || k->kind == SQL_DESCRIPTOR || k->kind == SQL_STAR)
      return sql_binder_fail(b, k, "table function %s: an argument must be an expression", call->text), false;
    sql_expr *e = sql_binder_expr(b, in->cols, in->ncols, k, false);
    if (!e) return false;
    if (!e->type.id) e->type = text; /* an untyped NULL */
    if (e->type.kind && e->type.kind != SQL_K_BYTES && !(e = sql_cast_to(a, e, &text))) return oom(b), false;
    u->args[i] = e;
  }
  u->nargs = call->nkids, u->fn = f, u->fname = sql_udf_find(s, call->text)->name, u->kind = SQL_UN_FUNCTION;
  return true;
}

/* The UNNEST node over in of ref (UNNEST / LATERAL, maybe under AS). */
static sql_plan *expand(binder *b, const sql_node *ref, sql_plan *in, bool left) {
  const sql_node *x = ref, *collist = NULL;
  const char *alias = NULL;
  if (ref->kind == SQL_AS) x = ref->kids[0], alias = ref->kids[1]->text, collist = ref->nkids > 2 ? ref->kids[2] : NULL;
  sql_arena *a = sql_binder_arena(b);
  sql_unnest *u = sql_arena_alloc(a, sizeof *u);
  if (!u) return oom(b);
  u->left = left, u->ordinality = x->flags & SQL_F(ORDINALITY), u->nin = in->ncols;
  const char *names[66];
  sql_type types[66];
  int n = 0;
  if (x->kind == SQL_LATERAL) {
    if (!bind_fn(b, u, x->kids[0], in)) return NULL;
    for (int i = 0; i < u->fn->ncols; i++) names[n] = u->fn->col_names[i], types[n++] = sql_udtf_col_type(u->fn->col_types[i]);
  } else {
    if (x->nkids != 1) return sql_binder_fail(b, x->kids[1], "not supported: UNNEST of more than one collection (Flink cannot plan it either: "
                                                     "its LogicalUnnestRule unnests the first collection only)");
    if (!(u->arg = sql_binder_expr(b, in->cols, in->ncols, x->kids[0], false))) return NULL;
    const sql_type *t = &u->arg->type;
    u->coll = *t;
    if (t->kind == SQL_K_ARRAY) u->kind = SQL_UN_ARRAY, n = elem_cols(u, t->elem, names, types);
    else if (t->kind == SQL_K_MULTISET) u->kind = SQL_UN_MULTISET, n = elem_cols(u, t->key, names, types);
    else if (t->kind == SQL_K_MAP) {
      u->kind = SQL_UN_MAP;
      names[0] = "KEY", types[0] = *t->key, names[1] = "VALUE", types[1] = *t->elem, n = 2;
    } else {
      n = -2;
    }
    if (n == -1) return sql_binder_fail(b, x->kids[0], "not supported: UNNEST of ROW elements with more than 64 fields");
    if (n == -2) {
      char tn[128];
      sql_type_name(t, tn, sizeof tn);
      return sql_binder_fail(b, x->kids[0], "UNNEST needs an ARRAY, MAP or MULTISET, got %s", t->id ? tn : "NULL");
    }
  }
  if (u->ordinality) names[n] = "ORDINALITY", types[n++] = (sql_type){.id = STROM_INT, .not_null = true};
  if (collist && collist->nkids != n)
    return sql_binder_fail(b, collist, "%s gives %d column%s, but its alias names %d", x->kind == SQL_LATERAL ? "LATERAL TABLE" : "UNNEST",
                           n, n == 1 ? "" : "s", collist->nkids);
  u->nout = n;
  sql_plan *p = plan_new(b, SQL_P_UNNEST, in->ncols + n, in);
  if (!p) return NULL;
  if (in->ncols) memcpy(p->cols, in->cols, sizeof(sql_col) * (size_t)in->ncols);
  for (int i = 0; i < n; i++) {
    sql_col *c = &p->cols[in->ncols + i];
    *c = (sql_col){.name = collist ? collist->kids[i]->text : names[i], .qual = alias, .type = types[i]};
    if (left) c->type.not_null = false;
  }
  p->unnest = u;
  return p;
}

sql_plan *sql_unnest_join(binder *b, const sql_node *join, sql_plan *left) {
  if (!left) return NULL;
  const char *type = join->text;
  const sql_node *on = join->nkids > 2 ? join->kids[2] : NULL;
  bool outer = !strcmp(type, "left");
  if (join->flags & SQL_F(NATURAL)) return sql_binder_fail(b, join, "not supported: NATURAL JOIN with UNNEST or LATERAL TABLE");
  if (!outer && strcmp(type, "inner") && strcmp(type, "cross"))
    return sql_binder_fail(b, join, "not supported: a %s JOIN with UNNEST or LATERAL TABLE (Flink takes CROSS, INNER and LEFT "
                                    "joins of them)", !strcmp(type, "right") ? "RIGHT" : "FULL");
  if (on && on->kind != SQL_ON) return sql_binder_fail(b, on, "not supported: USING with UNNEST or LATERAL TABLE; write ON TRUE");
  if (outer && !is_true(on))
    return sql_binder_fail(b, on, "not supported: a LEFT JOIN with UNNEST or LATERAL TABLE must be ON TRUE (Flink refuses other "
                                  "conditions too)");
  sql_plan *p = expand(b, join->kids[1], left, outer);
  if (!p || !on || is_true(on)) return p;
  /* an inner join's condition filters the expanded rows */
  sql_expr *cond = sql_binder_expr(b, p->cols, p->ncols, on->kids[0], false);
  if (!cond) return NULL;
  if (cond->type.id != STROM_BOOLEAN) return sql_binder_fail(b, on->kids[0], "ON needs a BOOLEAN condition");
  sql_plan *f = plan_new(b, SQL_P_CALC, p->ncols, p);
  if (!f) return NULL;
  memcpy(f->cols, p->cols, sizeof(sql_col) * (size_t)p->ncols);
  f->cond = cond;
  return f;
}

sql_plan *sql_unnest_alone(binder *b, const sql_node *n) {
  /* one row of one INT column to expand, projected away after */
  sql_arena *a = sql_binder_arena(b);
  sql_plan *v = plan_new(b, SQL_P_VALUES, 1, NULL);
  sql_expr *lit = sql_arena_alloc(a, sizeof *lit);
  if (!v || !lit || !(v->rows = sql_arena_alloc(a, sizeof(sql_expr **))) || !(v->rows[0] = sql_arena_alloc(a, sizeof(sql_expr *))))
    return oom(b);
  *lit = (sql_expr){.op = SQL_E_LIT, .col = -1, .type = {.id = STROM_INT, .not_null = true}};
  v->nrows = 1, v->rows[0][0] = lit;
  v->cols[0] = (sql_col){.name = "$unnest", .type = lit->type, .hidden = true};
  sql_plan *p = expand(b, n, v, false);
  if (!p) return NULL;
  sql_plan *c = plan_new(b, SQL_P_CALC, p->ncols - 1, p);
  if (!c || !(c->exprs = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)(p->ncols - 1)))) return oom(b);
  for (int i = 1; i < p->ncols; i++) {
    sql_expr *e = sql_arena_alloc(a, sizeof *e);
    if (!e) return oom(b);
    *e = (sql_expr){.op = SQL_E_COL, .col = i, .type = p->cols[i].type};
    c->exprs[i - 1] = e;
    c->cols[i - 1] = p->cols[i];
  }
  return c;
}
