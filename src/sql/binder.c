/*
 * binder.c -- from a query's syntax tree to a typed logical plan.  Names are resolved
 * against the catalog, CTEs and the scopes of FROM; every expression gets a type,
 * with casts inserted where operands differ (Flink's implicit widening); aggregate
 * queries are split into an AGG node (keys and aggregate calls over the input) and a
 * CALC over its output (HAVING, the select list).  Window TVFs (TUMBLE, HOP, SESSION)
 * and the legacy GROUP BY TUMBLE(...) become windowed AGG nodes that the planner turns
 * into the runtime's window operator.  Errors say what and where ("line 3, column 8:
 * column 'x' not found in any table; available: a, b"), and valid Flink SQL that is
 * not implemented says "not supported yet: ...".
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <strings.h>

#include "batch.h"
#include "hint.h"
#include "sql_int.h"
#include "unnest.h"
#include "match.h"

typedef struct cte {
  const char *name;
  const sql_node *cols, *query;
  struct cte *next;
  sql_plan *plan; /* bound already (subq_corr.c's value generators): read as it is */
} cte;

typedef struct binder {
  sql_session *s;
  sql_arena *a;
  char *err;
  size_t errlen;
  cte *ctes;
  int depth;
  /* the scope expressions resolve against */
  const sql_col *cols;
  int ncols;
  /* aggregation: binding HAVING and the select list over the AGG's output */
  bool agg;
  const sql_col *in_cols; /* the AGG's input scope */
  int in_ncols;
  int nkeys, naggs, capaggs;
  sql_expr **keys;
  const sql_node **key_nodes;
  sql_agg *aggs;
  sql_expr **agg_args, **agg_filters;
  bool windowed;
  int win_in[3];   /* input columns window_start, window_end, window_time of a TVF, or -1 */
  int win_out;     /* first window column in the AGG's output */
  const sql_node *legacy; /* GROUP BY TUMBLE(...) call */
  sql_window win;
  const sql_node **over_calls; /* OVER calls of the select list: columns over_base + i */
  int nover, over_base;
  struct sql_subq *subq; /* subq_bind.c: the subqueries of the SELECT at hand */
  sql_gsets *gs; /* groupsets.c: the GROUP BY's grouping sets, or NULL */
} binder;

static void *fail_at(binder *b, const sql_node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void *fail_at(binder *b, const sql_node *n, const char *fmt, ...) {
  if (b->err[0]) return NULL; /* keep the first, innermost error */
  int k = n ? snprintf(b->err, b->errlen, "line %d, column %d: ", n->line, n->col) : 0;
  if (k < 0 || (size_t)k >= b->errlen) k = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->err + k, b->errlen - (size_t)k, fmt, ap);
  va_end(ap);
  return NULL;
}

static sql_expr *new_expr(binder *b, sql_eop op, int n) {
  sql_expr *e = sql_arena_alloc(b->a, sizeof *e);
  if (!e) return fail_at(b, NULL, "out of memory");
  e->op = op;
  e->n = n;
  e->col = -1;
  if (n && !(e->a = sql_arena_alloc(b->a, sizeof(sql_expr *) * (size_t)n))) return fail_at(b, NULL, "out of memory");
  return e;
}

static sql_expr *col_ref(sql_arena *a, int col, const sql_type *t) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  if (!e) return NULL;
  e->op = SQL_E_COL;
  e->col = col;
  e->type = *t;
  return e;
}

/* ---- types ---- */

static bool is_exact(strom_type_id id) { return id == STROM_INT || id == STROM_BIGINT || id == STROM_DECIMAL; }

bool sql_common_type(const sql_type *a, const sql_type *b, sql_type *out) {
  if (!a->id || !b->id) {
    *out = a->id ? *a : *b;
    out->not_null = false;
    return true;
  }
  if (a->kind || b->kind) return sql_temporal_common_type(a, b, out);
  sql_type t = *a;
  t.not_null = a->not_null && b->not_null;
  if (a->id == b->id) {
    if (a->id == STROM_DECIMAL) {
      int s = a->s > b->s ? a->s : b->s, ip = a->p - a->s > b->p - b->s ? a->p - a->s : b->p - b->s;
      t = sql_decimal(ip + s, s);
    } else if (a->id == STROM_VARCHAR) t.p = a->p > b->p ? a->p : b->p, t.chr = a->chr && b->chr && a->p == b->p;
    else if (a->id == STROM_TIMESTAMP) t.ltz = a->ltz && b->ltz, t.p = a->p > b->p ? a->p : b->p;
    t.narrow = sql_narrow_arith(a, b, &t); /* types_narrow.c */
    t.not_null = a->not_null && b->not_null; /* NOT NULL when both are (Calcite's leastRestrictive) */
    *out = t;
    return true;
  }
  if (sql_type_numeric(a) && sql_type_numeric(b)) {
    if (a->id == STROM_DOUBLE || b->id == STROM_DOUBLE) t = (sql_type){.id = STROM_DOUBLE};
    else if (a->id == STROM_DECIMAL || b->id == STROM_DECIMAL) {
      sql_type x = sql_type_as_decimal(a), y = sql_type_as_decimal(b);
      x.not_null = a->not_null, y.not_null = b->not_null;
      return sql_common_type(&x, &y, out);
    } else t = (sql_type){.id = STROM_BIGINT};
    t.narrow = sql_narrow_arith(a, b, &t);
    t.not_null = a->not_null && b->not_null;
    *out = t;
    return true;
  }
  /* A string compared with a number or timestamp converts to the other type, as a
   * literal '2020-01-01 00:00:00' does in Flink. */
  if (a->id == STROM_VARCHAR && b->id != STROM_BOOLEAN) return *out = *b, out->not_null = false, true;
  if (b->id == STROM_VARCHAR && a->id != STROM_BOOLEAN) return *out = *a, out->not_null = false, true;
  return false;
}

bool sql_can_cast(const sql_type *from, const sql_type *to) {
  if (from->kind || to->kind) return sql_temporal_can_cast(from, to);
  if (!from->id || from->id == to->id || from->id == STROM_VARCHAR || to->id == STROM_VARCHAR) return true;
  if (sql_type_numeric(from) && sql_type_numeric(to)) return true;
  if ((from->id == STROM_BOOLEAN && is_exact(to->id)) || (to->id == STROM_BOOLEAN && is_exact(from->id))) return true;
  return false;
}

sql_expr *sql_cast_to(sql_arena *a, sql_expr *e, const sql_type *t) {
  if (e->type.id == t->id && e->type.kind == t->kind && e->type.elem == t->elem && e->type.key == t->key && (t->id != STROM_DECIMAL || (e->type.p == t->p && e->type.s == t->s)) &&
      (t->id != STROM_TIMESTAMP || (e->type.ltz == t->ltz && e->type.p == t->p)) && !sql_narrow_needs_cast(&e->type, t))
    return e;
  if (e->op == SQL_E_LIT && !e->type.id) { /* NULL takes any type */
    e->type = *t;
    e->type.not_null = false;
    return e;
  }
  sql_expr *c = sql_arena_alloc(a, sizeof *c);
  sql_expr **args = sql_arena_alloc(a, sizeof *args);
  if (!c || !args) return NULL;
  c->op = SQL_E_CAST;
  c->type = *t;
  c->n = 1;
  c->a = args;
  args[0] = e;
  return c;
}

static sql_expr *cast_or_fail(binder *b, const sql_node *at, sql_expr *e, const sql_type *t) {
  if (!e) return NULL;
  if (!sql_can_cast(&e->type, t)) {
    char x[48], y[48];
    sql_type_name(&e->type, x, sizeof x);
    sql_type_name(t, y, sizeof y);
    return fail_at(b, at, "cannot convert %s to %s", x, y);
  }
  sql_expr *c = sql_cast_to(b->a, e, t);
  return c ? c : fail_at(b, NULL, "out of memory");
}

/* ---- literals ---- */

static sql_expr *number_literal(binder *b, const sql_node *n) {
  sql_expr *e = new_expr(b, SQL_E_LIT, 0);
  if (!e) return NULL;
  const char *t = n->text;
  if (strpbrk(t, "eE")) {
    e->type = (sql_type){.id = STROM_DOUBLE, .not_null = true};
    e->lit.d = strtod(t, NULL);
    return e;
  }
  const char *dot = strchr(t, '.');
  errno = 0;
  long long v = dot ? 0 : strtoll(t, NULL, 10);
  if (!dot && errno) dot = t + strlen(t); /* past BIGINT: a DECIMAL(p, 0) literal, as in Flink */
  if (!dot) {
    e->type = (sql_type){.id = v >= INT32_MIN && v <= INT32_MAX ? STROM_INT : STROM_BIGINT, .not_null = true};
    e->lit.i = v;
    return e;
  }
  int digits = 0, scale = *dot ? (int)strlen(dot + 1) : 0;
  for (const char *p = t; *p; p++) digits += isdigit((unsigned char)*p) != 0;
  const char *p = t;
  if (*p == '-') p++;
  while (*p == '0' && p[1] != '.') p++, digits--;
  if (digits < 1) digits = 1;
  if (digits > SQL_MAX_PRECISION) return fail_at(b, n, "number %s has more than %d digits (DECIMAL's maximum)", t, SQL_MAX_PRECISION);
  e->type = (sql_type){.id = STROM_DECIMAL, .p = digits < scale ? scale : digits, .s = scale, .not_null = true};
  sql_ectx c = {0};
  if (sql_val_parse(&e->type, t, strlen(t), &e->lit, &c)) return fail_at(b, n, "malformed number %s", t);
  return e;
}

static sql_expr *string_literal(binder *b, const sql_node *n) {
  sql_expr *e = new_expr(b, SQL_E_LIT, 0);
  if (!e) return NULL;
  size_t len = strlen(n->text);
  e->type = (sql_type){.id = STROM_VARCHAR, .p = len ? (int)len : 1, .not_null = true, .chr = len > 0}; /* Flink: CHAR(n) */
  e->lit.s.p = n->text;
  e->lit.s.n = (uint32_t)len;
  return e;
}

/* An INTERVAL node's length in milliseconds (YEAR/MONTH have no fixed length). */
static bool interval_ms(binder *b, const sql_node *n, int64_t *out) {
  if (n->kind != SQL_INTERVAL || n->nkids < 1) return fail_at(b, n, "expected an INTERVAL"), false;
  const char *u = n->text, *v = n->kids[0]->text;
  bool neg = *v == '-';
  if (neg || *v == '+') v++;
  int64_t unit;
  if (!strncmp(u, "SECOND", 6)) unit = 1000;
  else if (!strncmp(u, "MINUTE", 6)) unit = 60000;
  else if (!strncmp(u, "HOUR", 4)) unit = 3600000;
  else if (!strncmp(u, "DAY", 3)) unit = 86400000;
  else return fail_at(b, n, "not supported yet: INTERVAL %s (only SECOND, MINUTE, HOUR and DAY intervals)", u), false;
  if (strstr(u, " TO ")) {
    /* 'd hh:mm:ss' style: read numbers from the largest unit down. */
    int64_t parts[4] = {0}, frac = 0;
    int np = 0;
    for (const char *p = v; *p && np < 4;) {
      if (!isdigit((unsigned char)*p)) return fail_at(b, n, "malformed interval '%s'", n->kids[0]->text), false;
      parts[np++] = strtoll(p, (char **)&p, 10);
      if (*p == ' ' || *p == ':') p++;
      else if (*p == '.') { /* milliseconds of the seconds: '1 02:03:04.5' */
        int d = 0;
        for (p++; isdigit((unsigned char)*p) && d < 3; p++, d++) frac = frac * 10 + (*p - '0');
        for (; d < 3; d++) frac *= 10;
        break;
      }
    }
    static const int64_t units[] = {86400000, 3600000, 60000, 1000};
    int first = unit == 86400000 ? 0 : unit == 3600000 ? 1 : unit == 60000 ? 2 : 3;
    int64_t ms = 0;
    for (int i = 0; i < np && first + i < 4; i++) {
      int64_t part;
      if (__builtin_mul_overflow(parts[i], units[first + i], &part) || __builtin_add_overflow(ms, part, &ms))
        return fail_at(b, n, "interval '%s' is out of range", n->kids[0]->text), false;
    }
    if (first + np == 4) ms += frac;
    *out = neg ? -ms : ms;
    return true;
  }
  char *end;
  double x = strtod(v, &end);
  if (end == v || *end) return fail_at(b, n, "malformed interval '%s'", n->kids[0]->text), false;
  double ms = x * (double)unit + (x >= 0 ? 0.5 : -0.5);
  if (!(ms > -9.2e18 && ms < 9.2e18)) return fail_at(b, n, "interval '%s' is out of range", n->kids[0]->text), false;
  *out = (int64_t)ms;
  if (neg) *out = -*out;
  return true;
}

/* ---- column resolution ---- */

static int find_col(binder *b, const sql_col *cols, int ncols, const char *qual, const char *name, const sql_node *at,
                    bool quiet) {
  int found = -1;
  for (int i = 0; i < ncols; i++) {
    if (strcmp(cols[i].name, name)) continue;
    if (qual ? !cols[i].qual || strcmp(cols[i].qual, qual) : cols[i].hidden) continue;
    if (found >= 0) { /* two inputs of a join may have it */
      if (!quiet) fail_at(b, at, "column '%s' is ambiguous", name);
      return -2;
    }
    if (found < 0) found = i;
  }
  if (found < 0 && !quiet) {
    strom_buf l = {0};
    for (int i = 0, k = 0; i < ncols && i < 40; i++) /* '$' names: the subquery rewrites' own columns (subq_*.c) */
      if (cols[i].name[0] != '$') strom__buf_printf(&l, "%s%s", k++ ? ", " : "", cols[i].name);
    if (qual) fail_at(b, at, "column '%s.%s' not found; available: %s", qual, name, l.p ? l.p : "none");
    else fail_at(b, at, "column '%s' not found in any table; available: %s", name, l.p ? l.p : "none");
    strom__buf_free(&l);
  }
  return found;
}

/* The column an ID or FIELD(ID) names in cols, -1 if none (quiet). */
static int node_col(binder *b, const sql_node *n, const sql_col *cols, int ncols, bool quiet) {
  int rc = n->kind == SQL_FIELD ? sql_row_field_col(cols, ncols, n) : -1;
  if (rc >= 0) return rc;
  if (n->kind == SQL_ID) return find_col(b, cols, ncols, NULL, n->text, n, quiet);
  if (n->kind == SQL_FIELD && n->nkids == 1 && n->kids[0]->kind == SQL_ID)
    return find_col(b, cols, ncols, n->kids[0]->text, n->text, n, quiet);
  if (n->kind == SQL_NAME && n->nkids == 2)
    return find_col(b, cols, ncols, n->kids[0]->text, n->kids[1]->text, n, quiet);
  if (!quiet) fail_at(b, n, "no column or ROW field named by this %s.%s", n->kids[0]->kind == SQL_FIELD ? "..." : "", n->text);
  return -1;
}

/* ---- expressions ---- */

static sql_expr *bind(binder *b, const sql_node *n);

static bool is_agg_name(const char *name) {
  return !strcasecmp(name, "COUNT") || !strcasecmp(name, "SUM") || !strcasecmp(name, "MIN") ||
         !strcasecmp(name, "MAX") || !strcasecmp(name, "AVG") || sql_aggjson_name(name) || /* agg_json.c */
         sql_agg_more_kind(name) >= 0;
}

static bool contains_agg(const sql_node *n) {
  if (!n) return false;
  if (n->kind == SQL_SUBQUERY) return false;
  if (n->kind == SQL_CALL && is_agg_name(n->text) && !sql_call_is_over(n)) return true;
  if (n->kind == SQL_CALL && (!strcasecmp(n->text, "TUMBLE_START") || !strcasecmp(n->text, "TUMBLE_END") ||
                              !strcasecmp(n->text, "HOP_START") || !strcasecmp(n->text, "HOP_END")))
    return true;
  for (int i = 0; i < n->nkids; i++)
    if (contains_agg(n->kids[i])) return true;
  return false;
}

/* CURRENT_DATABASE / CURRENT_CATALOG (with or without parentheses): the session's
 * current one when the statement is bound, a STRING NOT NULL. */
static sql_expr *current_namespace(binder *b, const sql_node *n, const char *name) {
  bool db = !strcasecmp(name, "CURRENT_DATABASE");
  const char *v = b->s ? (db ? sql_ns_database(&b->s->cat) : sql_ns_catalog(&b->s->cat))
                       : (db ? "default_database" : "default_catalog");
  sql_expr *e = new_expr(b, SQL_E_LIT, 0);
  if (e && !(e->lit.s.p = sql_arena_strndup(b->a, v, strlen(v)))) return fail_at(b, n, "out of memory");
  if (e) e->type = (sql_type){.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX, .not_null = true}, e->lit.s.n = (uint32_t)strlen(v);
  return e;
}

/* An aggregate call (not an OVER one) or a legacy group window's bound: what a grouping computes. */
static bool agg_call(const sql_node *n) {
  if (n->kind != SQL_CALL || sql_call_is_over(n)) return false;
  return is_agg_name(n->text) || !strcasecmp(n->text, "TUMBLE_START") || !strcasecmp(n->text, "TUMBLE_END") ||
         !strcasecmp(n->text, "HOP_START") || !strcasecmp(n->text, "HOP_END");
}

static sql_expr *binary(binder *b, const sql_node *n, sql_eop op, const sql_node *l, const sql_node *r) {
  (void)n;
  sql_expr *e = new_expr(b, op, 2);
  if (!e || !(e->a[0] = bind(b, l)) || !(e->a[1] = bind(b, r))) return NULL;
  return e;
}

static sql_expr *comparison(binder *b, const sql_node *n, sql_eop op) {
  sql_expr *e = binary(b, n, op, n->kids[0], n->kids[1]);
  if (!e) return NULL;
  sql_type t;
  char fm[300];
  if (!sql_fid_check_cmp(e->a[0], e->a[1], n->text, fm, sizeof fm)) return fail_at(b, n->kids[0], "%s", fm); /* fid_check.c */
  if (!sql_common_type(&e->a[0]->type, &e->a[1]->type, &t)) {
    char x[48], y[48];
    sql_type_name(&e->a[0]->type, x, sizeof x);
    sql_type_name(&e->a[1]->type, y, sizeof y);
    return fail_at(b, n, "cannot compare %s with %s", x, y);
  }
  if (t.kind >= SQL_K_ROWV && op != SQL_E_EQ && op != SQL_E_NE) /* rowfn_val.c: no order, as Flink */
    return fail_at(b, n, "operator %s does not apply to %s values (Flink SQL has no order on them)", n->text, t.kind == SQL_K_ROWV ? "ROW" : "MULTISET");
  if (t.id == STROM_VARCHAR) t.p = SQL_VARCHAR_MAX;
  if (!(e->a[0] = cast_or_fail(b, n, e->a[0], &t)) || !(e->a[1] = cast_or_fail(b, n, e->a[1], &t))) return NULL;
  e->type = (sql_type){.id = STROM_BOOLEAN};
  return e;
}

static sql_expr *arithmetic(binder *b, const sql_node *n, sql_eop op) {
  const sql_node *l = n->kids[0], *r = n->kids[1];
  /* timestamp +/- INTERVAL */
  const sql_node *ivn = r->kind == SQL_INTERVAL ? r : l;
  if ((op == SQL_E_ADD || op == SQL_E_SUB) && (r->kind == SQL_INTERVAL || l->kind == SQL_INTERVAL) &&
      strncmp(ivn->text, "YEAR", 4) && strncmp(ivn->text, "MONTH", 5)) {
    const sql_node *tsn = r->kind == SQL_INTERVAL ? l : r, *iv = r->kind == SQL_INTERVAL ? r : l;
    int64_t ms;
    if (!interval_ms(b, iv, &ms)) return NULL;
    sql_expr *e = new_expr(b, op, 2);
    if (!e || !(e->a[0] = bind(b, tsn))) return NULL;
    if (e->a[0]->type.id != STROM_TIMESTAMP || e->a[0]->type.kind || tsn->kind == SQL_INTERVAL) goto typed; /* types_time.c */
    if (!(e->a[1] = new_expr(b, SQL_E_LIT, 0))) return NULL;
    e->a[1]->type = (sql_type){.id = STROM_BIGINT};
    e->a[1]->lit.i = ms;
    e->type = e->a[0]->type;
    return e;
  }
typed:;
  sql_expr *e = binary(b, n, op, l, r);
  if (!e) return NULL;
  sql_type x = e->a[0]->type, y = e->a[1]->type;
  if (x.kind || y.kind) {
    char m[200];
    sql_expr *t = sql_temporal_arith(b->a, op, e->a[0], e->a[1], m, sizeof m);
    return t ? t : fail_at(b, n, "%s", m);
  }
  if (!x.id) x = y.id ? y : (sql_type){.id = STROM_INT};
  if (!y.id) y = x;
  sql_type mt = {0};
  bool mod = op == SQL_E_MOD && sql_mod_type(&x, &y, &mt); /* mod_type.c: % typed as Flink's MOD */
  if (!sql_type_numeric(&x) || !sql_type_numeric(&y)) {
    char xs[48], ys[48];
    sql_type_name(&x, xs, sizeof xs);
    sql_type_name(&y, ys, sizeof ys);
    return fail_at(b, n, "arithmetic needs numbers, got %s and %s", xs, ys);
  }
  sql_type t;
  if (x.id == STROM_DOUBLE || y.id == STROM_DOUBLE) t = (sql_type){.id = STROM_DOUBLE};
  else if (x.id == STROM_DECIMAL || y.id == STROM_DECIMAL) {
    sql_type dx = sql_type_as_decimal(&x), dy = sql_type_as_decimal(&y);
    int p1 = dx.p, s1 = dx.s, p2 = dy.p, s2 = dy.s;
    switch (op) {
      case SQL_E_ADD:
      case SQL_E_SUB: {
        int s = s1 > s2 ? s1 : s2;
        t = sql_decimal((p1 - s1 > p2 - s2 ? p1 - s1 : p2 - s2) + s + 1, s);
        break;
      }
      case SQL_E_MUL: t = sql_decimal(p1 + p2 + 1, s1 + s2); break; /* Flink: p1 + p2 + 1 */
      case SQL_E_DIV: {
        int s = s1 + p2 + 1 > 6 ? s1 + p2 + 1 : 6;
        t = sql_decimal(p1 - s1 + s2 + s, s);
        break;
      }
      default: {
        int s = s1 > s2 ? s1 : s2;
        t = sql_decimal((p1 - s1 < p2 - s2 ? p1 - s1 : p2 - s2) + s, s);
        break;
      }
    }
    if (!(e->a[0] = cast_or_fail(b, n, e->a[0], &dx)) || !(e->a[1] = cast_or_fail(b, n, e->a[1], &dy))) return NULL;
    e->type = t;
    return mod ? sql_mod_cast(b->a, e, &mt) : e;
  } else t = (sql_type){.id = x.id == STROM_BIGINT || y.id == STROM_BIGINT ? STROM_BIGINT : STROM_INT};
  t.narrow = sql_narrow_arith(&x, &y, &t); /* types_narrow.c */
  if (!(e->a[0] = cast_or_fail(b, n, e->a[0], &t)) || !(e->a[1] = cast_or_fail(b, n, e->a[1], &t))) return NULL;
  e->type = t;
  return mod ? sql_mod_cast(b->a, e, &mt) : e;
}

static sql_expr *common_args(binder *b, const sql_node *n, sql_expr *e, int from, int step) {
  sql_type t = e->a[from]->type;
  for (int i = from + step; i < e->n; i += step)
    if (!sql_common_type(&t, &e->a[i]->type, &t)) return fail_at(b, n, "the operands have no common type");
  if (t.id == STROM_VARCHAR) t.p = SQL_VARCHAR_MAX;
  if (!t.id) t = (sql_type){.id = STROM_INT};
  for (int i = from; i < e->n; i += step)
    if (!(e->a[i] = cast_or_fail(b, n, e->a[i], &t))) return NULL;
  return e;
}

static sql_expr *bind_case(binder *b, const sql_node *n) {
  int k = 0;
  const sql_node *operand = NULL;
  if (n->nkids && n->kids[0]->kind != SQL_WHEN && n->kids[0]->kind != SQL_ELSE) operand = n->kids[k++];
  int nwhen = 0;
  bool has_else = false;
  for (int i = k; i < n->nkids; i++) {
    if (n->kids[i]->kind == SQL_WHEN) nwhen++;
    else has_else = true;
  }
  sql_expr *e = new_expr(b, SQL_E_CASE, nwhen * 2 + has_else);
  if (!e) return NULL;
  sql_expr *op = operand ? bind(b, operand) : NULL;
  if (operand && !op) return NULL;
  int j = 0;
  for (int i = k; i < n->nkids; i++) {
    const sql_node *w = n->kids[i];
    if (w->kind == SQL_WHEN) {
      sql_expr *c = bind(b, w->kids[0]);
      if (!c) return NULL;
      if (op) {
        sql_expr *eq = new_expr(b, SQL_E_EQ, 2);
        if (!eq) return NULL;
        sql_type t;
        if (!sql_common_type(&op->type, &c->type, &t)) return fail_at(b, w, "WHEN value does not match the CASE operand's type");
        if (!(eq->a[0] = cast_or_fail(b, w, op, &t)) || !(eq->a[1] = cast_or_fail(b, w, c, &t))) return NULL;
        eq->type = (sql_type){.id = STROM_BOOLEAN};
        c = eq;
      } else if (c->type.id && c->type.id != STROM_BOOLEAN) {
        return fail_at(b, w->kids[0], "a WHEN condition must be BOOLEAN");
      }
      e->a[j++] = c;
      if (!(e->a[j++] = bind(b, w->kids[1]))) return NULL;
    } else {
      if (!(e->a[j++] = bind(b, w->kids[0]))) return NULL;
    }
  }
  /* results: odd positions and the else */
  sql_type t = e->a[1]->type;
  for (int i = 3; i < e->n; i += 2)
    if (!sql_common_type(&t, &e->a[i]->type, &t)) return fail_at(b, n, "the CASE results have no common type");
  if (has_else && !sql_common_type(&t, &e->a[e->n - 1]->type, &t)) return fail_at(b, n, "the CASE results have no common type");
  if (!t.id) t = (sql_type){.id = STROM_INT};
  t.not_null = false;
  for (int i = 1; i < e->n; i += 2)
    if (!(e->a[i] = cast_or_fail(b, n, e->a[i], &t))) return NULL;
  if (has_else && !(e->a[e->n - 1] = cast_or_fail(b, n, e->a[e->n - 1], &t))) return NULL;
  e->type = t;
  return e;
}

static sql_expr *bind_cb(void *b, const sql_node *n) { return bind(b, n); }
/* A ROW value packed into one (rowfn_val.c), where a function or constructor takes it. */
static sql_expr *bind_rowv(binder *b, const sql_node *n) {
  char m[300];
  sql_expr *e = sql_rowv_pack(b->a, b->cols, b->ncols, n, bind_cb, b, m, sizeof m);
  return e ? e : m[0] ? fail_at(b, n, "%s", m) : NULL;
}
/* x names a column holding packed ROWs (a view's `arr[1] AS r`). */
static bool rowv_column(binder *b, const sql_node *x) {
  if (x->kind != SQL_ID && x->kind != SQL_NAME && x->kind != SQL_FIELD) return false;
  int c = b->cols ? node_col(b, x, b->cols, b->ncols, true) : -1;
  return c >= 0 && b->cols[c].type.kind == SQL_K_ROWV;
}
/* x in x.f is a value that may be a packed ROW: an element x[i], a field of one. */
static bool rowv_field_base(const sql_node *x) {
  while (x->kind == SQL_FIELD && x->nkids == 1) x = x->kids[0];
  return x->kind == SQL_INDEX;
}

static sql_expr *bind_call(binder *b, const sql_node *n) {
  const char *name = n->text;
  for (int i = 0; i < b->nover; i++) /* bound by sql_over_bind */
    if (b->over_calls[i] == n) return col_ref(b->a, b->over_base + i, &b->cols[b->over_base + i].type);
  if (is_agg_name(name)) return fail_at(b, n, "aggregate function %s is not allowed here", name);
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind == SQL_OVER) return fail_at(b, n, "not supported yet: OVER windows (%s(...) OVER (...))", name);
  if (!strcasecmp(name, "TUMBLE") || !strcasecmp(name, "HOP") || !strcasecmp(name, "SESSION") ||
      !strcasecmp(name, "CUMULATE"))
    return fail_at(b, n, "window function %s is only allowed in GROUP BY or as TABLE(%s(...)) in FROM", name, name);
  if (!strncasecmp(name, "TUMBLE_", 7) || !strncasecmp(name, "HOP_", 4) || !strncasecmp(name, "SESSION_", 8))
    return fail_at(b, n, "%s needs a GROUP BY with the matching group window", name);
  const sql_func *f = sql_func_find(name);
  if (!f) f = sql_udf_find(b->s, name);
  if (!f) f = sql_coll_func_find(name);
  if (!f) f = sql_ts_func_find(name); /* TIMESTAMPDIFF, TIMESTAMPADD (types_ts.c) */
  if (!f && !strcasecmp(name, "ROW")) return bind_rowv(b, n); /* a ROW as one value (rowfn_val.c) */
  if (!f && !n->nkids && (!strcasecmp(name, "CURRENT_DATABASE") || !strcasecmp(name, "CURRENT_CATALOG")))
    return current_namespace(b, n, name); /* the session's when bound (docs sweep) */
  if (!f) return fail_at(b, n, "no function named %s", name);
  int nargs = n->nkids;
  const char *unit = NULL;
  int first = 0;
  if (!strcasecmp(name, "EXTRACT")) {
    if (nargs != 2 || n->kids[0]->kind != SQL_KEYWORD) return fail_at(b, n, "EXTRACT wants EXTRACT(unit FROM timestamp)");
    unit = n->kids[0]->text;
    first = 1;
    nargs = 1;
  } else if (sql_ts_unit_call(f) && nargs >= 1 && (n->kids[0]->kind == SQL_ID || n->kids[0]->kind == SQL_KEYWORD)) {
    unit = n->kids[0]->text, first = 1, nargs--;
  }
  if (nargs < f->min_args || nargs > f->max_args) {
    if (f->min_args == f->max_args) return fail_at(b, n, "%s takes %d argument%s, got %d", f->name, f->min_args, f->min_args == 1 ? "" : "s", nargs);
    return fail_at(b, n, "%s takes %d to %d arguments, got %d", f->name, f->min_args, f->max_args, nargs);
  }
  if (n->flags & SQL_F(DISTINCT)) return fail_at(b, n, "DISTINCT is only allowed in aggregate functions");
  sql_expr *e = new_expr(b, SQL_E_FUNC, nargs);
  if (!e) return NULL;
  e->fn = f;
  if (unit && sql_ts_unit_call(f)) {
    if (!(e->aux = (int64_t)(intptr_t)sql_ts_unit(unit))) return fail_at(b, n->kids[0], "%s: unknown unit %s", f->name, unit);
  } else if (unit) {
    static const char *units[] = {"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "DOW", "DOY", "EPOCH", "MICROSECOND", "NANOSECOND", "ISODOW", "ISOYEAR", "DECADE", "CENTURY", "MILLENNIUM"}; /* functions.c */
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
      if (!strcasecmp(unit, units[i])) e->aux = (int64_t)(intptr_t)units[i];
    if (!e->aux) return fail_at(b, n->kids[0], "not supported yet: EXTRACT(%s FROM ...)", unit);
  }
  for (int i = 0; i < nargs; i++) {
    if (!(e->a[i] = bind(b, n->kids[first + i]))) return NULL;
    if (e->a[i]->type.kind == SQL_K_ROWV && !sql_rowv_arg_ok(f->name) && strcmp(f->name, "TYPEOF")) /* rowfn_val.c; fid_typeof.c */
      return fail_at(b, n->kids[first + i], "not supported yet: a ROW value as an argument of %s (a ROW works as a select item, GROUP BY key, in =, <>, IS [NOT] NULL, CASE, COALESCE, IF, NULLIF, CAST, as an ARRAY or MAP element and in JSON_OBJECT / JSON_ARRAY / JSON_STRING)", f->name);
  }
  e->fn = f = sql_bytes_call(f, e); /* SUBSTRING, CONCAT, CHAR_LENGTH of bytes (types_bytes.c) */
  char m[256];
  m[0] = 0;
  int rc = f->check(b->a, e, m, sizeof m);
  if (rc) return fail_at(b, n, "%s", m[0] ? m : "bad arguments");
  return e;
}

/* In an aggregate query: the output column an expression of the select list or HAVING
 * refers to (a group key, a window column, an aggregate call), or -1 to bind it as
 * an ordinary expression over the AGG's output. */
static int agg_ref(binder *b, const sql_node *n, sql_expr **out);

static sql_expr *bind(binder *b, const sql_node *n) {
  if (++b->depth > 400) {
    b->depth--;
    return fail_at(b, n, "expression nested too deeply");
  }
  sql_expr *e = NULL;
  if (b->agg) {
    int r = agg_ref(b, n, &e);
    if (r < 0) {
      b->depth--;
      return NULL;
    }
    if (r > 0) {
      b->depth--;
      return e;
    }
  }
  switch (n->kind) {
    case SQL_NUMBER: e = number_literal(b, n); break;
    case SQL_STRING: e = string_literal(b, n); break;
    case SQL_KEYWORD:
      if (!strcmp(n->text, "NULL")) {
        if ((e = new_expr(b, SQL_E_LIT, 0))) e->lit.null = true;
      } else if (!strcmp(n->text, "TRUE") || !strcmp(n->text, "FALSE") || !strcmp(n->text, "UNKNOWN")) {
        if ((e = new_expr(b, SQL_E_LIT, 0))) {
          e->type = (sql_type){.id = STROM_BOOLEAN, .not_null = n->text[0] != 'U'};
          e->lit.null = n->text[0] == 'U';
          e->lit.i = n->text[0] == 'T';
        }
      } else {
        e = fail_at(b, n, "unexpected %s", n->text);
      }
      break;
    case SQL_TYPED_LITERAL: {
      if (!strcmp(n->text, "X")) { /* X'0a1b' (types_bytes.c) */
        char m[160];
        if ((e = new_expr(b, SQL_E_LIT, 0)) && sql_bytes_literal(b->a, n->kids[0]->text, &e->type, &e->lit, m, sizeof m))
          e = fail_at(b, n, "%s", m);
        break;
      }
      if (strcmp(n->text, "TIMESTAMP") && strcmp(n->text, "TIMESTAMP_LTZ")) {
        if (!(e = new_expr(b, SQL_E_LIT, 0))) break;
        int rc = sql_temporal_literal(n->text, n->kids[0]->text, &e->type, &e->lit);
        if (rc == -3) e = fail_at(b, n, "TIME precision is not supported: %d", (int)strspn(strchr(n->kids[0]->text, '.') + 1, "0123456789"));
        else if (rc) e = fail_at(b, n, rc == -2 ? "not supported yet: %s literals" : "malformed %s literal", n->text);
        break;
      }
      if (!(e = new_expr(b, SQL_E_LIT, 0))) break;
      e->type = (sql_type){.id = STROM_TIMESTAMP, .p = 3, .ltz = n->text[9] == '_'};
      sql_ectx c = {0};
      const char *s = n->kids[0]->text;
      e->type.p = sql_ts_literal_precision(s); /* types_ts.c: Flink's, the fraction's digits */
      e->type.not_null = true;
      if (sql_val_parse(&e->type, s, strlen(s), &e->lit, &c)) e = fail_at(b, n, "malformed timestamp '%s'", s);
      break;
    }
    case SQL_INTERVAL: { /* an INTERVAL value (types_time.c) */
      if (!(e = new_expr(b, SQL_E_LIT, 0))) break;
      int rc = n->nkids ? sql_interval_literal(n->text, n->kids[0]->text, &e->type, &e->lit) : -1;
      if (rc == -2) {
        e->type = (sql_type){.id = STROM_BIGINT, .kind = SQL_K_IV_DT, .not_null = true};
        if (!interval_ms(b, n, &e->lit.i)) e = NULL;
      } else if (rc) e = fail_at(b, n, "malformed interval '%s'", n->nkids ? n->kids[0]->text : "");
      break;
    }
    case SQL_ID:
    case SQL_FIELD:
    case SQL_NAME: {
      int c = node_col(b, n, b->cols, b->ncols, true);
      if (c < 0 && n->kind == SQL_ID &&
          (!strcasecmp(n->text, "CURRENT_TIMESTAMP") || !strcasecmp(n->text, "LOCALTIMESTAMP"))) {
        if ((e = new_expr(b, SQL_E_FUNC, 0))) {
          e->fn = sql_func_find(n->text);
          char m[64];
          e->fn->check(b->a, e, m, sizeof m);
        }
        break;
      }
      if (c < 0 && n->kind == SQL_ID && (!strcasecmp(n->text, "CURRENT_DATABASE") || !strcasecmp(n->text, "CURRENT_CATALOG"))) {
        e = current_namespace(b, n, n->text);
        break;
      }
      if (c < 0 && n->kind == SQL_ID && sql_temporal_niladic(n->text)) { /* CURRENT_DATE, ... (types_time.c) */
        if ((e = new_expr(b, SQL_E_FUNC, 0))) {
          e->fn = sql_temporal_niladic(n->text);
          char m[64];
          e->fn->check(b->a, e, m, sizeof m);
        }
        break;
      }
      if (c < 0 && n->kind == SQL_ID && sql_row_is_flattened(b->cols, b->ncols, n->text)) {
        e = bind_rowv(b, n); /* a ROW column as one value (rowfn_val.c) */
        break;
      }
      const sql_node *leaf = c < 0 && b->cols ? sql_row_field_leaf(b->a, b->cols, b->ncols, n) : NULL;
      if (leaf) { /* ROW(a, b).EXPR$1 (types_rowval.c) */
        e = bind(b, leaf);
        break;
      }
      if (c < 0 && n->kind == SQL_FIELD && n->nkids == 1 &&
          (rowv_field_base(n->kids[0]) || rowv_column(b, n->kids[0]))) { /* arr[1].f0, v.r.f0 (rowfn_val.c) */
        sql_expr *x = bind(b, n->kids[0]);
        char m[300];
        if (x && !(e = sql_rowv_field(b->a, x, n->text, m, sizeof m))) e = fail_at(b, n, "%s", m);
        break;
      }
      if (c < 0) c = node_col(b, n, b->cols, b->ncols, false);
      if (c < 0) break;
      e = col_ref(b->a, c, &b->cols[c].type);
      if (!e) e = fail_at(b, NULL, "out of memory");
      break;
    }
    case SQL_OP: {
      const char *o = n->text;
      static const struct {
        const char *name;
        sql_eop op;
      } cmp[] = {{"=", SQL_E_EQ}, {"<>", SQL_E_NE}, {"!=", SQL_E_NE}, {"<", SQL_E_LT}, {">", SQL_E_GT}, {"<=", SQL_E_LE}, {">=", SQL_E_GE}},
        ar[] = {{"+", SQL_E_ADD}, {"-", SQL_E_SUB}, {"*", SQL_E_MUL}, {"/", SQL_E_DIV}, {"%", SQL_E_MOD}},
        un[] = {{"is-null", SQL_E_IS_NULL}, {"is-not-null", SQL_E_IS_NOT_NULL}, {"is-true", SQL_E_IS_TRUE},
                {"is-not-true", SQL_E_IS_NOT_TRUE}, {"is-false", SQL_E_IS_FALSE}, {"is-not-false", SQL_E_IS_NOT_FALSE},
                {"is-unknown", SQL_E_IS_NULL}, {"is-not-unknown", SQL_E_IS_NOT_NULL}};
      if (sql_row_op(o)) { /* ROW values (types_rowval.c) */
        const sql_node *rw = b->agg ? sql_row_compare(b->a, b->in_cols, b->in_ncols, n, b->err, b->errlen) /* over the AGG's input: leaves match group keys */
                                    : sql_row_compare(b->a, b->cols, b->ncols, n, b->err, b->errlen);
        if (rw) e = bind(b, rw);
        if (rw || b->err[0]) break;
      }
      for (size_t i = 0; i < sizeof cmp / sizeof *cmp && !e; i++)
        if (!strcmp(o, cmp[i].name)) e = comparison(b, n, cmp[i].op);
      if (e || b->err[0]) break;
      for (size_t i = 0; i < sizeof ar / sizeof *ar && !e; i++)
        if (!strcmp(o, ar[i].name)) e = arithmetic(b, n, ar[i].op);
      if (e || b->err[0]) break;
      for (size_t i = 0; i < sizeof un / sizeof *un && !e; i++)
        if (!strcmp(o, un[i].name)) {
          if ((e = new_expr(b, un[i].op, 1)) && !(e->a[0] = bind(b, n->kids[0]))) e = NULL;
          if (e) e->type = (sql_type){.id = STROM_BOOLEAN, .not_null = true};
        }
      if (e || b->err[0]) break;
      if (!strcmp(o, "and") || !strcmp(o, "or")) {
        if (!(e = binary(b, n, o[0] == 'a' ? SQL_E_AND : SQL_E_OR, n->kids[0], n->kids[1]))) break;
        sql_type bt = {.id = STROM_BOOLEAN};
        for (int i = 0; i < 2 && e; i++)
          if (e->a[i]->type.id && e->a[i]->type.id != STROM_BOOLEAN) e = fail_at(b, n->kids[i], "%s needs BOOLEAN operands", o[0] == 'a' ? "AND" : "OR");
          else e->a[i] = sql_cast_to(b->a, e->a[i], &bt);
        if (e) e->type = bt;
      } else if (!strcmp(o, "not")) {
        if ((e = new_expr(b, SQL_E_NOT, 1)) && (e->a[0] = bind(b, n->kids[0]))) e->type = (sql_type){.id = STROM_BOOLEAN};
        else e = NULL;
      } else if (!strcmp(o, "neg")) {
        if ((e = new_expr(b, SQL_E_NEG, 1)) && (e->a[0] = bind(b, n->kids[0]))) {
          e->type = e->a[0]->type;
          if (!sql_type_numeric(&e->type)) e = fail_at(b, n, "unary minus needs a number");
        } else e = NULL;
      } else if (!strcmp(o, "||")) {
        if (!(e = binary(b, n, SQL_E_CONCAT, n->kids[0], n->kids[1]))) break;
        sql_type st = sql_bytes_concat_type(e->a[0], e->a[1]); /* STRING, or BYTES of bytes */
        if (!(e->a[0] = cast_or_fail(b, n, e->a[0], &st)) || !(e->a[1] = cast_or_fail(b, n, e->a[1], &st))) e = NULL;
        else e->type = st, sql_fid_concat_type(e); /* fid_char.c: CHAR(n) || CHAR(m) is CHAR(n + m) */
      } else if (!strcmp(o, "is-distinct-from") || !strcmp(o, "is-not-distinct-from")) {
        if ((e = comparison(b, n, o[3] == 'd' ? SQL_E_IS_DISTINCT : SQL_E_IS_NOT_DISTINCT))) e->type.not_null = true;
      } else if (!strcmp(o, "between") || !strcmp(o, "not-between") || !strcmp(o, "in") || !strcmp(o, "not-in")) {
        bool in = o[0] == 'i' || o[4] == 'i';
        if (in && n->nkids == 2 && n->kids[1]->kind == SQL_SUBQUERY) {
          e = fail_at(b, n, "not supported yet: IN (subquery) here (only in WHERE and the select list, one value IN)");
          break;
        }
        if ((e = new_expr(b, in ? (o[0] == 'i' ? SQL_E_IN : SQL_E_NOT_IN) : (o[0] == 'b' ? SQL_E_BETWEEN : SQL_E_NOT_BETWEEN), n->nkids))) {
          for (int i = 0; i < n->nkids && e; i++)
            if (!(e->a[i] = bind(b, n->kids[i]))) e = NULL;
          char fm[200];
          if (e && in && !sql_fid_check_in(e, fm, sizeof fm)) e = fail_at(b, n->kids[0], "%s", fm); /* fid_check.c */
          if (e && (e = common_args(b, n, e, 0, 1))) e->type = (sql_type){.id = STROM_BOOLEAN};
        }
      } else if (!strcmp(o, "like") || !strcmp(o, "not-like")) {
        if ((e = new_expr(b, o[0] == 'l' ? SQL_E_LIKE : SQL_E_NOT_LIKE, n->nkids))) {
          sql_type st = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX};
          for (int i = 0; i < n->nkids && e; i++)
            if (!(e->a[i] = bind(b, n->kids[i])) || !(e->a[i] = cast_or_fail(b, n, e->a[i], &st))) e = NULL;
          if (e) e->type = (sql_type){.id = STROM_BOOLEAN};
        }
      } else if (!strcmp(o, "overlaps")) { /* fid_overlaps.c: Calcite's rewrite into comparisons */
        const sql_node *r = sql_fid_overlaps(b->a, n, b->err, b->errlen);
        e = r ? bind(b, r) : NULL;
      } else if (!strcmp(o, "exists")) {
        e = fail_at(b, n, "not supported yet: EXISTS (subquery) here (only in WHERE and the select list)");
      } else {
        e = fail_at(b, n, "not supported yet: operator %s", o);
      }
      break;
    }
    case SQL_CASE: e = bind_case(b, n); break;
    case SQL_CAST: {
      sql_type t;
      char m[200];
      if (n->kids[1]->text && !strcmp(n->kids[1]->text, "ROW")) { /* CAST(... AS ROW<...>) as one value (rowfn_val.c) */
        e = bind_rowv(b, n);
        break;
      }
      if (sql_type_from_ast(n->kids[1], &t, m, sizeof m)) {
        e = fail_at(b, NULL, "%s", m);
        break;
      }
      if (t.id == STROM_VARCHAR && !t.kind) { /* a ROW's text (types_rowcast.c) */
        const sql_node *rs;
        int r = sql_row_cast_string(b->a, b->agg ? b->in_cols : b->cols, b->agg ? b->in_ncols : b->ncols, n, &rs, b->err, b->errlen);
        if (r) {
          e = r > 0 ? bind(b, rs) : NULL;
          break;
        }
      }
      sql_expr *x = bind(b, n->kids[0]);
      if (!x) break;
      if (!sql_can_cast(&x->type, &t)) {
        char f[48], g[48];
        sql_type_name(&x->type, f, sizeof f);
        sql_type_name(&t, g, sizeof g);
        e = fail_at(b, n, "cannot cast %s to %s", f, g);
        break;
      }
      if ((e = new_expr(b, SQL_E_CAST, 1))) {
        e->a[0] = x;
        e->type = t;
        e->type.not_null = false;
        e->try_cast = (n->flags & SQL_F(TRY)) != 0;
        e->fit_len = sql_cast_fit_kind(n->kids[1], &t); /* cast_len.c */
      }
      break;
    }
    case SQL_CALL: e = bind_call(b, n); break;
    case SQL_SUBQUERY: e = sql_subq_ref(b, n); break;
    case SQL_STAR: e = fail_at(b, n, "'*' is only allowed in the select list and COUNT(*)"); break;
    case SQL_INDEX: { /* types_coll.c */
      sql_expr *x = bind(b, n->kids[0]), *i = x ? bind(b, n->kids[1]) : NULL;
      char m[200];
      if (i && !(e = sql_coll_index(b->a, x, i, m, sizeof m))) e = fail_at(b, n, "%s", m);
      break;
    }
    case SQL_ROW: e = bind_rowv(b, n); break; /* (a, b) as one value (rowfn_val.c) */
    default: e = fail_at(b, n, "not supported yet: %s in an expression", sql_kind_name(n->kind)); break;
  }
  if (e) sql_expr_nullability(e); /* nullability.c */
  b->depth--;
  return e;
}

sql_expr *sql_bind_expr(sql_session *s, sql_arena *a, const sql_col *cols, int ncols, const sql_node *n, char *err,
                        size_t errlen) {
  binder b = {.s = s, .a = a, .err = err, .errlen = errlen, .cols = cols, .ncols = ncols};
  if (contains_agg(n)) return fail_at(&b, n, "aggregate functions are not allowed here");
  return bind(&b, n);
}

bool sql_interval_ms(const sql_node *n, int64_t *ms, char *err, size_t errlen) {
  binder b = {.err = err, .errlen = errlen};
  return interval_ms(&b, n, ms);
}

/* ---- aggregation ---- */

static char *node_text(binder *b, const sql_node *n) {
  strom_buf t = {0};
  sql_print(n, &t);
  char *s = sql_arena_strndup(b->a, t.p ? t.p : "", t.len);
  strom__buf_free(&t);
  return s;
}

/* JSON_OBJECTAGG / JSON_ARRAYAGG's arguments as the one column the aggregate reads (agg_json.c). */
static sql_expr *bind_json_agg(binder *b, const sql_node *n, sql_agg *g) {
  sql_expr *args[8];
  int k = 0;
  for (int i = 0; i < n->nkids; i++) {
    if (n->kids[i]->kind == SQL_FILTER) continue;
    if (k == 8) return fail_at(b, n, "%s: too many arguments", n->text);
    if (!(args[k++] = bind(b, n->kids[i]))) return NULL;
  }
  char m[300];
  sql_expr *e = sql_aggjson_arg(b->a, g, args, k, m, sizeof m);
  return e ? e : fail_at(b, n, "%s", m);
}

static int add_agg(binder *b, const sql_node *n, sql_expr **out) {
  char *text = sql_fid_call_text(b->a, n); /* fid_names.c: SUM(a), as Flink's plans name it */
  if (!text) return fail_at(b, NULL, "out of memory"), -1;
  for (int i = 0; i < b->naggs; i++)
    if (!strcmp(b->aggs[i].text, text)) {
      *out = col_ref(b->a, b->win_out + (b->windowed ? 3 : 0) + i, &b->aggs[i].type);
      return 1;
    }
  int nargs = 0;
  const sql_node *filter = NULL;
  for (int i = 0; i < n->nkids; i++) {
    if (n->kids[i]->kind == SQL_FILTER) filter = n->kids[i];
    else if (n->kids[i]->kind == SQL_OVER) return fail_at(b, n, "not supported yet: OVER windows"), -1;
    else nargs++;
  }
  sql_agg g = {.arg = -1, .filter = -1, .text = text};
  const char *name = n->text;
  bool star = nargs == 1 && n->kids[0]->kind == SQL_STAR;
  if (!strcasecmp(name, "COUNT")) g.kind = star || nargs == 0 ? SQL_AGG_COUNT_STAR : SQL_AGG_COUNT;
  else if (!strcasecmp(name, "SUM")) g.kind = SQL_AGG_SUM;
  else if (!strcasecmp(name, "MIN")) g.kind = SQL_AGG_MIN;
  else if (!strcasecmp(name, "MAX")) g.kind = SQL_AGG_MAX;
  else if (sql_aggjson_name(name)) /* agg_json.c */
    g.kind = !strcasecmp(name, "JSON_OBJECTAGG") ? SQL_AGG_JSON_OBJECT : !strcasecmp(name, "COLLECT") ? SQL_AGG_COLLECT : SQL_AGG_JSON_ARRAY;
  else if (sql_agg_more_kind(name) >= 0) g.kind = (sql_agg_kind)sql_agg_more_kind(name); /* agg_more.c */
  else g.kind = SQL_AGG_AVG;
  if ((n->flags & SQL_F(DISTINCT)) && g.kind >= SQL_AGG_JSON_OBJECT && strcasecmp(name, "ARRAY_AGG")) return fail_at(b, n, "DISTINCT is not allowed in %s", name), -1;
  if (n->flags & SQL_F(DISTINCT)) {
    if (g.kind == SQL_AGG_COUNT_STAR) return fail_at(b, n, "COUNT(DISTINCT ...) needs an argument"), -1;
    g.distinct = g.kind != SQL_AGG_MIN && g.kind != SQL_AGG_MAX; /* MIN/MAX of distinct values is MIN/MAX */
    if (g.distinct && nargs == 1 && !(g.distinct_arg = node_text(b, n->kids[0]))) return fail_at(b, NULL, "out of memory"), -1;
  }
  if (g.kind == SQL_AGG_COUNT && g.distinct && nargs > 1) { /* agg_more.c: one value per tuple */
    if (!(n = sql_agg_more_count_tuple(b->a, n, nargs)) || !(g.distinct_arg = node_text(b, n->kids[0])))
      return fail_at(b, NULL, "out of memory"), -1;
    nargs = 1;
  }
  if (g.kind != SQL_AGG_COUNT_STAR && (g.kind < SQL_AGG_JSON_OBJECT || g.kind == SQL_AGG_COLLECT) && nargs != 1 &&
      (!sql_agg_more(&g) || nargs < 1)) return fail_at(b, n, "%s takes one argument", name), -1;
  /* the argument and the filter are over the AGG's input */
  const sql_col *save = b->cols;
  int savec = b->ncols;
  b->agg = false;
  b->cols = b->in_cols, b->ncols = b->in_ncols;
  sql_expr *arg = NULL, *fil = NULL;
  const sql_node *row = g.kind == SQL_AGG_COUNT && !g.distinct ? sql_row_marker(b->a, b->cols, b->ncols, n->kids[0]) : NULL;
  if (g.kind == SQL_AGG_JSON_OBJECT || g.kind == SQL_AGG_JSON_ARRAY) arg = bind_json_agg(b, n, &g); /* agg_json.c */
  else if (g.kind != SQL_AGG_COUNT_STAR) arg = bind(b, row ? row : n->kids[0]); /* COUNT(person): the ROWs that are there (types_rowval.c) */
  if (filter) fil = bind(b, filter->kids[0]);
  b->agg = true;
  b->cols = save, b->ncols = savec;
  if ((g.kind != SQL_AGG_COUNT_STAR && !arg) || (filter && !fil)) return -1;
  if (fil && fil->type.id != STROM_BOOLEAN) return fail_at(b, filter, "FILTER needs a BOOLEAN condition"), -1;
  if (arg) {
    if (contains_agg(n->kids[0])) return fail_at(b, n, "aggregate calls cannot be nested"), -1;
    g.in_type = arg->type;
    if (!g.in_type.id) g.in_type = (sql_type){.id = STROM_INT};
    if ((g.kind == SQL_AGG_SUM || g.kind == SQL_AGG_AVG) && !sql_type_numeric(&g.in_type))
      return fail_at(b, n, "%s needs a numeric argument", name), -1;
  }
  const char *more = sql_agg_more(&g) ? sql_agg_more_bind(&g, nargs, nargs > 1 ? n->kids[1] : NULL) : NULL;
  if (more) return fail_at(b, n, "%s: %s", name, more), -1;
  switch (g.kind) {
    case SQL_AGG_COUNT:
    case SQL_AGG_COUNT_STAR: g.type = (sql_type){.id = STROM_BIGINT, .not_null = true}; break;
    case SQL_AGG_SUM:
      g.type = g.in_type.id == STROM_DECIMAL ? (sql_type){.id = STROM_DECIMAL, .p = SQL_MAX_PRECISION, .s = g.in_type.s}
                                              : (sql_type){.id = g.in_type.id};
      break;
    case SQL_AGG_AVG:
      g.type = g.in_type.id == STROM_DECIMAL
                   ? (sql_type){.id = STROM_DECIMAL, .p = SQL_MAX_PRECISION, .s = g.in_type.s > 6 ? g.in_type.s : 6}
                   : (sql_type){.id = g.in_type.id};
      break;
    case SQL_AGG_MIN:
    case SQL_AGG_MAX: g.type = g.in_type, g.type.not_null = false; break;
    default: break; /* agg_more.c */
  }
  if (g.kind >= SQL_AGG_JSON_OBJECT) g.type = (sql_type){.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX, .not_null = true};
  if (g.kind == SQL_AGG_COLLECT) g.in_type.not_null = false, g.type = sql_multiset_type(&g.in_type), g.type.not_null = true; /* rowfn_val.c */
  if (g.array_agg || g.npct) g.type = sql_aggjson_type(&g, arg); /* agg_json.c: ARRAY_AGG, PERCENTILE */
  /* Calcite's ARG0_NULLABLE_IF_EMPTY: SUM / MIN / MAX of a NOT NULL argument over groups that are never empty (a GROUP BY or a window, no FILTER) */
  if ((g.kind == SQL_AGG_SUM || g.kind == SQL_AGG_MIN || g.kind == SQL_AGG_MAX) && arg && arg->type.not_null && !fil &&
      (b->nkeys || b->windowed))
    g.type.not_null = true;
  if (g.kind == SQL_AGG_SUM || g.kind == SQL_AGG_AVG) { /* Flink: SUM/AVG of TINYINT is TINYINT, of FLOAT FLOAT */
    if (g.type.id == g.in_type.id && !g.in_type.kind) g.type.narrow = g.in_type.narrow;
  }
  if (b->naggs == b->capaggs) {
    int cap = b->capaggs ? b->capaggs * 2 : 8;
    sql_agg *na = sql_arena_alloc(b->a, sizeof *na * (size_t)cap);
    sql_expr **nargs2 = sql_arena_alloc(b->a, sizeof *nargs2 * (size_t)cap),
             **nf = sql_arena_alloc(b->a, sizeof *nf * (size_t)cap);
    if (!na || !nargs2 || !nf) return fail_at(b, NULL, "out of memory"), -1;
    if (b->naggs) {
      memcpy(na, b->aggs, sizeof *na * (size_t)b->naggs);
      memcpy(nargs2, b->agg_args, sizeof *nargs2 * (size_t)b->naggs);
      memcpy(nf, b->agg_filters, sizeof *nf * (size_t)b->naggs);
    }
    b->aggs = na, b->agg_args = nargs2, b->agg_filters = nf, b->capaggs = cap;
  }
  b->aggs[b->naggs] = g;
  b->agg_args[b->naggs] = arg;
  b->agg_filters[b->naggs] = fil;
  *out = col_ref(b->a, b->win_out + (b->windowed ? 3 : 0) + b->naggs, &g.type);
  b->naggs++;
  return 1;
}

static bool same_window_call(binder *b, const sql_node *call, int skip_first_arg) {
  /* TUMBLE_START(ts, INTERVAL ...) matches GROUP BY TUMBLE(ts, INTERVAL ...) */
  const sql_node *g = b->legacy;
  if (!g || call->nkids != g->nkids) return false;
  (void)skip_first_arg;
  for (int i = 0; i < g->nkids; i++) {
    char *x = node_text(b, call->kids[i]), *y = node_text(b, g->kids[i]);
    if (!x || !y || strcmp(x, y)) return false;
  }
  return true;
}

/* GROUPING(k, ...) / GROUPING_ID / GROUP_ID(): constants per grouping set (groupsets.c) */
static int grouping_call(binder *b, const sql_node *n, sql_expr **out) {
  int *k = sql_arena_alloc(b->a, sizeof *k * (size_t)(n->nkids + 1));
  if (!k) return fail_at(b, NULL, "out of memory"), -1;
  for (int i = 0; i < n->nkids; i++) {
    sql_expr *e = NULL;
    if (n->kids[i]->kind == SQL_FILTER || n->kids[i]->kind == SQL_OVER)
      return fail_at(b, n->kids[i], "not supported: %s with FILTER or OVER", n->text), -1;
    int r = n->kids[i]->kind == SQL_CALL ? 0 : agg_ref(b, n->kids[i], &e);
    if (r < 0) return -1;
    if (!r || e->op != SQL_E_COL || e->col >= b->nkeys || (b->gs && e->col == b->gs->e_key))
      return fail_at(b, n->kids[i], "%s's arguments must be GROUP BY expressions", n->text), -1;
    k[i] = e->col;
  }
  return (*out = sql_gsets_call(b->a, b->gs, n, k, n->nkids, b->err, b->errlen)) ? 1 : -1;
}

static int agg_ref(binder *b, const sql_node *n, sql_expr **out) {
  if (n->kind == SQL_CALL && is_agg_name(n->text)) return add_agg(b, n, out);
  if (n->kind == SQL_CALL && sql_gsets_is_fn(n->text)) return grouping_call(b, n, out);
  if (n->kind == SQL_CALL && b->legacy) {
    const char *name = n->text, *us = strchr(name, '_');
    size_t wl = strlen(b->legacy->text);
    if (us && (size_t)(us - name) == wl && !strncasecmp(name, b->legacy->text, wl)) {
      int which = !strcasecmp(us, "_START") ? 0 : !strcasecmp(us, "_END") ? 1 : !strcasecmp(us, "_ROWTIME") ? 2 : -1;
      if (which < 0) return fail_at(b, n, "not supported yet: %s", name), -1;
      if (!same_window_call(b, n, 0)) return fail_at(b, n, "%s's arguments must be those of GROUP BY %s(...)", name, b->legacy->text), -1;
      sql_type t = {.id = STROM_TIMESTAMP, .p = 3};
      *out = col_ref(b->a, b->win_out + which, &t);
      return 1;
    }
  }
  /* a group key, by column or by the text of the expression */
  int c = -1;
  if (n->kind == SQL_ID || n->kind == SQL_FIELD || n->kind == SQL_NAME) c = node_col(b, n, b->in_cols, b->in_ncols, true);
  if (c >= 0 && b->windowed) {
    for (int w = 0; w < 3; w++)
      if (b->win_in[w] == c) {
        *out = col_ref(b->a, b->win_out + w, &b->in_cols[c].type);
        if (w == 2) (*out)->type.not_null = true;
        return 1;
      }
  }
  for (int k = 0; k < b->nkeys; k++) {
    if (c >= 0 && b->keys[k]->op == SQL_E_COL && b->keys[k]->col == c) {
      *out = col_ref(b->a, k, &b->keys[k]->type);
      return 1;
    }
  }
  if (n->kind != SQL_ID && n->kind != SQL_NUMBER && n->kind != SQL_STRING && n->kind != SQL_KEYWORD) {
    char *t = node_text(b, n);
    for (int k = 0; k < b->nkeys && t; k++) {
      char *kt = node_text(b, b->key_nodes[k]);
      if (kt && !strcmp(t, kt)) {
        *out = col_ref(b->a, k, &b->keys[k]->type);
        return 1;
      }
    }
  }
  if (c >= 0) {
    const char *cn = b->in_cols[c].name; /* a ROW's null marker "person.$" is the ROW person */
    fail_at(b, n, "column '%.*s' is neither in GROUP BY nor inside an aggregate function",
            (int)(strlen(cn) - (sql_row_is_marker(cn) ? 2 : 0)), cn);
    return -1;
  }
  return 0;
}

/* ---- FROM ---- */

static sql_plan *new_plan(binder *b, sql_pkind k, int ncols) {
  sql_plan *p = sql_arena_alloc(b->a, sizeof *p);
  if (!p) return fail_at(b, NULL, "out of memory");
  p->kind = k;
  p->ncols = ncols;
  p->time_col = -1;
  if (ncols && !(p->cols = sql_arena_alloc(b->a, sizeof(sql_col) * (size_t)ncols))) return fail_at(b, NULL, "out of memory");
  return p;
}

static sql_plan *bind_query(binder *b, const sql_node *q);

sql_plan *sql_bind_scan(sql_arena *a, sql_table *t, const char *qual, char *err, size_t errlen) {
  binder b = {.a = a, .err = err, .errlen = errlen};
  err[0] = 0;
  int nphys = 0;
  for (int i = 0; i < t->ncols; i++) nphys += !t->cols[i].computed;
  sql_plan *p = new_plan(&b, SQL_P_SCAN, t->ncols);
  if (!p) return NULL;
  p->table = t;
  /* a debezium-json, canal-json, maxwell-json or upsert-kafka source reads a changelog
   * (-U/+U/-D rows), as in Flink */
  const char *fmt = sql_table_option(t, "value.format");
  if (!fmt) fmt = sql_table_option(t, "format");
  p->changelog = (fmt && (!strcmp(fmt, "debezium-json") || !strcmp(fmt, "canal-json") || !strcmp(fmt, "maxwell-json"))) ||
                 (t->conn && !strcmp(t->conn->name, "upsert-kafka"));
  /* physical columns first, in declaration order: the scope of computed columns */
  sql_col *phys = sql_arena_alloc(a, sizeof(sql_col) * (size_t)(nphys ? nphys : 1));
  if (!phys) return fail_at(&b, NULL, "out of memory");
  int k = 0;
  for (int i = 0; i < t->ncols; i++)
    if (!t->cols[i].computed) phys[k++] = (sql_col){.name = t->cols[i].name, .qual = qual, .type = t->cols[i].type};
  bool computed = nphys != t->ncols;
  if (computed && !(p->exprs = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)t->ncols))) return fail_at(&b, NULL, "out of memory");
  b.cols = phys, b.ncols = nphys;
  k = 0;
  for (int i = 0; i < t->ncols; i++) {
    p->cols[i] = (sql_col){.name = t->cols[i].name, .qual = qual, .type = t->cols[i].type, .rowtime = i == t->wm_col};
    if (!computed) continue;
    if (t->cols[i].computed) {
      if (!(p->exprs[i] = bind(&b, t->cols[i].computed))) return NULL;
      p->cols[i].type = p->exprs[i]->type;
      if (sql_row_is_marker(t->cols[i].name)) p->cols[i].type.not_null = t->cols[i].type.not_null; /* a ROW there, declared nullable */
      p->cols[i].proctime = sql_is_proctime_call(p->exprs[i]);
    } else {
      p->exprs[i] = col_ref(a, k, &phys[k].type);
      k++;
    }
  }
  if (t->wm_col >= 0) {
    p->time_col = t->wm_col;
    if (p->cols[t->wm_col].type.id != STROM_TIMESTAMP)
      return fail_at(&b, NULL, "WATERMARK FOR %s: the column must be a TIMESTAMP(p) or TIMESTAMP_LTZ(p)", t->cols[t->wm_col].name);
    if (t->wm_expr) { /* a general WATERMARK expression: over every column (wm_expr.c) */
      b.cols = p->cols, b.ncols = p->ncols;
      if (!(p->wm_expr = bind(&b, t->wm_expr)) || sql_wm_expr_check(p->wm_expr, t, t->wm_expr, err, errlen)) return NULL;
    }
  }
  return p;
}

static sql_plan *requalify(binder *b, sql_plan *p, const char *qual, const sql_node *collist, const sql_node *at) {
  sql_col *cols = sql_arena_alloc(b->a, sizeof(sql_col) * (size_t)(p->ncols ? p->ncols : 1));
  if (!cols) return fail_at(b, NULL, "out of memory");
  if (p->ncols) memcpy(cols, p->cols, sizeof(sql_col) * (size_t)p->ncols);
  if (collist && collist->nkids != p->ncols)
    return sql_row_rename(b->a, cols, p->ncols, qual, collist) ? (p->cols = cols, p)
                                                                : fail_at(b, at, "%d column names given for %d columns", collist->nkids, p->ncols);
  for (int i = 0; i < p->ncols; i++) {
    cols[i].qual = qual;
    if (collist) cols[i].name = collist->kids[i]->text;
  }
  p->cols = cols;
  return p;
}

static sql_plan *bind_table_name(binder *b, const sql_node *n, const char *alias) {
  const sql_node *hints = NULL; /* t with hints (hint_apply.c) */
  if (n->kind == SQL_HINTED) hints = n->kids[1], n = n->kids[0];
  const char *name = n->kids[n->nkids - 1]->text;
  for (cte *c = b->ctes; c && n->nkids == 1; c = c->next)
    if (!strcmp(c->name, name)) {
      if (hints) return fail_at(b, hints, "'%s' is a WITH query: hints can only be applied to tables", name);
      if (c->plan) return c->plan;
      cte *save = b->ctes;
      b->ctes = c->next; /* a CTE sees the ones before it */
      sql_plan *p = bind_query(b, c->query);
      b->ctes = save;
      return p ? requalify(b, p, alias ? alias : name, c->cols, n) : NULL;
    }
  char lm[300];
  sql_table *t = sql_catalog_lookup(&b->s->cat, n, lm, sizeof lm); /* t, db.t, cat.db.t: catalog_ns.c */
  if (!t && lm[0]) return fail_at(b, n, "%s", lm);
  if (!t) {
    strom_buf l = {0};
    for (int i = 0, k = 0; i < b->s->cat.n; i++)
      if (sql_catalog_find(&b->s->cat, b->s->cat.t[i]->name) == b->s->cat.t[i])
        strom__buf_printf(&l, "%s%s", k++ ? ", " : "", b->s->cat.t[i]->name);
    fail_at(b, n, "table or view '%s' not found%s%s", name, l.len ? "; known: " : "", l.len ? l.p : "");
    strom__buf_free(&l);
    return NULL;
  }
  if (t->view && hints)
    return fail_at(b, hints, "View '%s.%s.%s' cannot be enriched with new options. Hints can only be applied to tables.",
                   t->catalog, t->database, t->name);
  if (hints && !(t = sql_hint_table(b->a, t, hints, b->err, b->errlen))) return NULL;
  if (t->view) {
    if (++b->depth > 50) return fail_at(b, n, "views nested too deeply (a view that refers to itself?)");
    cte *save = b->ctes;
    b->ctes = NULL;
    const char *home[2];
    sql_ns_enter(&b->s->cat, t, home); /* the view's names resolve where it was made */
    sql_plan *p = bind_query(b, t->query);
    sql_ns_leave(&b->s->cat, home);
    b->ctes = save;
    b->depth--;
    return p ? requalify(b, p, alias ? alias : name, t->column_list, n) : NULL;
  }
  if (!t->conn->source) return fail_at(b, n, "table '%s' (connector '%s') cannot be read: it is a sink only", name, t->conn->name);
  char m[512];
  sql_plan *p = sql_bind_scan(b->a, t, alias ? alias : name, m, sizeof m);
  if (!p) return fail_at(b, n, "table '%s': %s", name, m);
  return p;
}

/* A SESSION window TVF's aggregation runs its sessions per GROUP BY key (the window
 * operator's keys), which is Flink's PARTITION BY when the two are the same columns;
 * other keys would split or merge its sessions, and are refused. */
static bool session_keys_are_partition(binder *b, const sql_plan *tvf, const sql_node *group) {
  const sql_window *w = &tvf->win;
  uint64_t seen = 0;
  bool ok = b->nkeys == w->npart && !b->gs && w->npart <= 64;
  for (int k = 0; ok && k < b->nkeys; k++) {
    const sql_expr *e = b->keys[k];
    int i = 0;
    while (i < w->npart && !(e->op == SQL_E_COL && e->col == w->part[i])) i++;
    ok = i < w->npart && !(seen & (1ull << i));
    seen |= 1ull << i;
  }
  if (ok) return true;
  strom_buf names = {0};
  for (int i = 0; i < w->npart; i++) strom__buf_printf(&names, "%s%s", i ? ", " : "", tvf->cols[w->part[i]].name);
  fail_at(b, group, "not supported: a SESSION window aggregation must GROUP BY window_start, window_end and exactly the "
                    "window's PARTITION BY columns (%s)", names.p);
  strom__buf_free(&names);
  return false;
}

static sql_plan *bind_tvf(binder *b, const sql_node *tf) {
  const sql_node *call = tf->kids[0];
  const char *fn = call->text;
  sql_window w = {0};
  if (!strcasecmp(fn, "TUMBLE")) w.kind = SQL_W_TUMBLE;
  else if (!strcasecmp(fn, "HOP")) w.kind = SQL_W_HOP;
  else if (!strcasecmp(fn, "SESSION")) w.kind = SQL_W_SESSION;
  else if (!strcasecmp(fn, "CUMULATE")) w.kind = SQL_W_CUMULATE;
  else return fail_at(b, call, "not supported yet: table function %s", fn);
  /* positional or named (DATA =>, TIMECOL =>, SIZE =>, SLIDE =>, GAP =>) arguments */
  const sql_node *data = NULL, *timecol = NULL, *iv[2] = {0}, *off = NULL;
  int niv = 0;
  for (int i = 0; i < call->nkids; i++) {
    const sql_node *a = call->kids[i], *v = a;
    const char *an = NULL;
    if (a->kind == SQL_NAMED_ARG) an = a->kids[0]->text, v = a->kids[1];
    if (v->kind == SQL_TABLE_ARG) data = v;
    else if (v->kind == SQL_DESCRIPTOR) timecol = v;
    else if (v->kind == SQL_INTERVAL && !off && w.kind != SQL_W_SESSION &&
             ((an && !strcasecmp(an, "OFFSET")) || niv == (w.kind == SQL_W_HOP || w.kind == SQL_W_CUMULATE ? 2 : 1)))
      off = v; /* the window offset (Flink's optional last argument) */
    else if (v->kind == SQL_INTERVAL && niv < 2) {
      int slot = niv++;
      if (an && w.kind == SQL_W_HOP) slot = !strcasecmp(an, "SLIDE") ? 0 : 1;
      if (an && w.kind == SQL_W_CUMULATE) slot = !strcasecmp(an, "STEP") ? 0 : 1;
      iv[slot] = v;
    } else return fail_at(b, a, "%s: unexpected argument", fn);
  }
  bool two = w.kind == SQL_W_HOP || w.kind == SQL_W_CUMULATE;
  if (!data || !timecol || timecol->nkids != 1 || niv != (two ? 2 : 1))
    return fail_at(b, call, "%s wants (TABLE t, DESCRIPTOR(time_col), %s)", fn,
                   w.kind == SQL_W_HOP ? "slide INTERVAL, size INTERVAL" : w.kind == SQL_W_SESSION ? "gap INTERVAL"
                   : w.kind == SQL_W_CUMULATE ? "step INTERVAL, size INTERVAL" : "size INTERVAL");
  int64_t a0, a1 = 0;
  if (!interval_ms(b, iv[0], &a0) || (iv[1] && !interval_ms(b, iv[1], &a1))) return NULL;
  if (w.kind == SQL_W_TUMBLE) w.size = a0;
  else if (w.kind == SQL_W_HOP || w.kind == SQL_W_CUMULATE) w.slide = a0, w.size = a1;
  else w.gap = a0;
  if (a0 <= 0 || (iv[1] && a1 <= 0)) return fail_at(b, iv[0], "window sizes must be positive");
  if (w.kind == SQL_W_CUMULATE && w.size % w.slide)
    return fail_at(b, call, "CUMULATE: the size must be a multiple of the step (as in Flink)");
  if (w.kind == SQL_W_HOP && w.size % w.slide)
    return fail_at(b, call, "HOP: the size must be a multiple of the slide (as in Flink's window TVF)");
  if (off) { /* windows start at offset + k * slide (size): any offset is taken modulo that */
    int64_t o, m = w.kind == SQL_W_HOP ? w.slide : w.size;
    if (!interval_ms(b, off, &o)) return NULL;
    w.offset = (o % m + m) % m;
  }
  sql_plan *in = bind_table_name(b, data->kids[0], NULL);
  if (!in) return NULL;
  int tc = find_col(b, in->cols, in->ncols, NULL, timecol->kids[0]->text, timecol->kids[0], false);
  if (tc < 0) return NULL;
  if (!in->cols[tc].rowtime && !in->cols[tc].proctime)
    return fail_at(b, timecol->kids[0], "column '%s' is not a time attribute: declare WATERMARK FOR %s AS ... on its table",
                   in->cols[tc].name, in->cols[tc].name);
  w.proctime = in->cols[tc].proctime;
  if (data->nkids > 1) { /* PARTITION BY */
    if (w.kind != SQL_W_SESSION)
      return fail_at(b, data->kids[1], "%s does not take PARTITION BY: only SESSION windows are partitioned", fn);
    int *part = sql_arena_alloc(b->a, sizeof *part * (size_t)(data->nkids - 1));
    if (!part) return fail_at(b, NULL, "out of memory");
    for (int i = 1; i < data->nkids; i++)
      if ((part[i - 1] = find_col(b, in->cols, in->ncols, NULL, data->kids[i]->text, data->kids[i], false)) < 0) return NULL;
    w.part = part, w.npart = data->nkids - 1;
  }
  sql_plan *p = new_plan(b, SQL_P_WINDOW_TVF, in->ncols + 3);
  if (!p) return NULL;
  if (in->ncols) memcpy(p->cols, in->cols, sizeof(sql_col) * (size_t)in->ncols);
  sql_type ts = {.id = STROM_TIMESTAMP, .p = 3, .not_null = true};
  p->cols[in->ncols] = (sql_col){.name = "window_start", .type = ts, .wincol = SQL_WIN_START};
  p->cols[in->ncols + 1] = (sql_col){.name = "window_end", .type = ts, .wincol = SQL_WIN_END};
  p->cols[in->ncols + 2] = (sql_col){.name = "window_time", .type = ts, .rowtime = !w.proctime, .proctime = w.proctime};
  for (int i = 0; i < in->ncols; i++) p->cols[i].rowtime = p->cols[i].proctime = false; /* window_time is the new time attribute */
  p->in = in;
  p->changelog = in->changelog; /* a window TVF passes its input's -U/-D on */
  p->win = w;
  p->time_col = tc;
  return p;
}

static sql_plan *bind_values(binder *b, const sql_node *v) {
  const char **paths = NULL; /* ROW values: their leaves as columns (types_rowval.c) */
  if (!(v = sql_row_values(b->a, v, &paths, b->err, b->errlen))) return NULL;
  int nrows = v->nkids, ncols = v->kids[0]->nkids;
  sql_plan *p = new_plan(b, SQL_P_VALUES, ncols);
  if (!p || !(p->rows = sql_arena_alloc(b->a, sizeof(sql_expr **) * (size_t)nrows))) return NULL;
  p->nrows = nrows;
  b->cols = NULL, b->ncols = 0;
  for (int r = 0; r < nrows; r++) {
    const sql_node *row = v->kids[r];
    if (row->nkids != ncols) return fail_at(b, row, "VALUES rows must have the same number of columns");
    if (!(p->rows[r] = sql_arena_alloc(b->a, sizeof(sql_expr *) * (size_t)ncols))) return fail_at(b, NULL, "out of memory");
    for (int c = 0; c < ncols; c++) {
      sql_expr *e = bind(b, row->kids[c]);
      if (!e) return NULL;
      if (e->op != SQL_E_LIT) {
        /* fold constant expressions once, here */
        sql_ectx ec = {0};
        sql_val val;
        int rc = sql_eval(e, NULL, &ec, &val);
        if (rc) {
          sql_ectx_free(&ec);
          return fail_at(b, row->kids[c], "%s", ec.err[0] ? ec.err : "VALUES wants constant expressions");
        }
        sql_expr *l = new_expr(b, SQL_E_LIT, 0);
        if (!l) return NULL;
        l->type = e->type;
        l->lit = val;
        if (!val.null && e->type.id == STROM_VARCHAR) l->lit.s.p = sql_arena_strndup(b->a, val.s.p, val.s.n);
        sql_ectx_free(&ec);
        e = l;
      }
      p->rows[r][c] = e;
    }
  }
  for (int c = 0; c < ncols; c++) {
    sql_type t = p->rows[0][c]->type;
    for (int r = 1; r < nrows; r++)
      if (!sql_common_type(&t, &p->rows[r][c]->type, &t)) return fail_at(b, v, "VALUES column %d has no common type", c + 1);
    if (!t.id) t = (sql_type){.id = STROM_INT};
    /* strings keep Calcite's least restrictive type: CHAR(n) when every row's is, else
     * VARCHAR of the longest, unpadded (Flink turns ragged CHARs into VARCHAR) */
    if (t.id == STROM_VARCHAR && t.kind) t.p = SQL_VARCHAR_MAX;
    for (int r = 0; r < nrows; r++) {
      sql_expr *e = p->rows[r][c];
      if (e->type.id != t.id || (t.id == STROM_DECIMAL && e->type.s != t.s)) {
        sql_ectx ec = {0};
        sql_val out;
        if (sql_val_cast(&e->type, &t, &e->lit, &out, &ec)) return fail_at(b, v, "VALUES: %s", ec.err);
        if (!out.null && t.id == STROM_VARCHAR) out.s.p = sql_arena_strndup(b->a, out.s.p, out.s.n);
        sql_ectx_free(&ec);
        e->lit = out;
      }
      e->type = t;
    }
    char *name = paths ? (char *)paths[c] : sql_arena_alloc(b->a, 24);
    if (!name) return fail_at(b, NULL, "out of memory");
    if (!paths) snprintf(name, 24, "EXPR$%d", c);
    p->cols[c] = (sql_col){.name = name, .type = t};
  }
  return p;
}

static sql_plan *bind_from(binder *b, const sql_node *n);

/* FULL JOIN ... USING (k): as Flink, one k, the COALESCE of both sides' (CASE WHEN l.k IS
 * NOT NULL THEN l.k ELSE r.k END), first, then every column of the join with both k's
 * reachable qualified only. */
static sql_plan *full_using(binder *b, sql_plan *j, const sql_node *on, int nl) {
  int nu = on->nkids, n = nu + j->ncols;
  sql_plan *c = new_plan(b, SQL_P_CALC, n);
  if (!c || !(c->exprs = sql_arena_alloc(b->a, sizeof(sql_expr *) * (size_t)n))) return fail_at(b, NULL, "out of memory");
  for (int i = 0; i < nu; i++) {
    int lc = find_col(b, j->cols, nl, NULL, on->kids[i]->text, on->kids[i], false);
    int rc = find_col(b, j->cols + nl, j->ncols - nl, NULL, on->kids[i]->text, on->kids[i], false);
    if (lc < 0 || rc < 0) return NULL;
    rc += nl;
    sql_type t;
    if (!sql_common_type(&j->cols[lc].type, &j->cols[rc].type, &t)) return fail_at(b, on->kids[i], "USING: the columns' types differ");
    t.not_null = false;
    sql_expr *e = new_expr(b, SQL_E_CASE, 3), *isnn = new_expr(b, SQL_E_IS_NOT_NULL, 1);
    if (!e || !isnn) return NULL;
    isnn->a[0] = col_ref(b->a, lc, &j->cols[lc].type);
    isnn->type = (sql_type){.id = STROM_BOOLEAN, .not_null = true};
    e->a[0] = isnn;
    if (!(e->a[1] = cast_or_fail(b, on, col_ref(b->a, lc, &j->cols[lc].type), &t)) ||
        !(e->a[2] = cast_or_fail(b, on, col_ref(b->a, rc, &j->cols[rc].type), &t)))
      return NULL;
    e->type = t;
    c->exprs[i] = e;
    c->cols[i] = (sql_col){.name = j->cols[lc].name, .type = t};
    j->cols[lc].hidden = j->cols[rc].hidden = true;
  }
  for (int i = 0; i < j->ncols; i++) {
    c->exprs[nu + i] = col_ref(b->a, i, &j->cols[i].type);
    c->cols[nu + i] = j->cols[i];
  }
  c->in = j;
  c->changelog = j->changelog;
  c->time_col = -1;
  return c;
}

/* NATURAL JOIN: USING every column name both inputs have (NULL: none, a cross join). */
static const sql_node *natural_using(binder *b, const sql_node *n, const sql_plan *l, const sql_plan *r) {
  sql_node *u = sql_arena_alloc(b->a, sizeof *u);
  if (!u || !(u->kids = sql_arena_alloc(b->a, sizeof *u->kids * (size_t)(l->ncols ? l->ncols : 1))))
    return fail_at(b, NULL, "out of memory");
  u->kind = SQL_USING, u->line = n->line, u->col = n->col, u->p = u->s = -1, u->cap = l->ncols;
  for (int i = 0; i < l->ncols; i++) {
    if (l->cols[i].hidden) continue;
    bool seen = false, in_r = false;
    for (int k = 0; k < u->nkids && !seen; k++) seen = !strcmp(u->kids[k]->text, l->cols[i].name);
    for (int k = 0; k < r->ncols && !in_r; k++) in_r = !r->cols[k].hidden && !strcmp(r->cols[k].name, l->cols[i].name);
    if (seen || !in_r) continue;
    sql_node *id = sql_arena_alloc(b->a, sizeof *id);
    if (!id) return fail_at(b, NULL, "out of memory");
    *id = (sql_node){.kind = SQL_ID, .line = n->line, .col = n->col, .text = l->cols[i].name, .p = -1, .s = -1};
    u->kids[u->nkids++] = id;
  }
  return u->nkids ? u : NULL;
}

/* Both inputs, then the ON condition (or USING's equalities) over their columns:
 * join_bind.c chooses the join. */
static sql_plan *bind_join(binder *b, const sql_node *n) {
  /* t FOR SYSTEM_TIME AS OF l.time [AS x]: the table as it is at the left's time (tjoin_bind.c) */
  if (sql_unnest_is(n->kids[1])) return sql_unnest_join(b, n, bind_from(b, n->kids[0])); /* unnest_bind.c */
  const sql_node *rn = n->kids[1], *sys = rn->kind == SQL_AS ? rn->kids[0] : rn;
  bool asof = sys->kind == SQL_SYSTEM_TIME && (sys->kids[0]->kind == SQL_NAME || sys->kids[0]->kind == SQL_HINTED) &&
              (rn == sys || rn->nkids == 2);
  sql_plan *l = bind_from(b, n->kids[0]);
  sql_plan *r = !l ? NULL : asof ? bind_table_name(b, sys->kids[0], rn != sys ? rn->kids[1]->text : NULL) : bind_from(b, rn);
  if (!r) return NULL;
  char m[512];
  sql_plan *j = sql_join_new(b->a, l, r, n->text, m, sizeof m);
  if (!j) return fail_at(b, n, "%s", m);
  if (asof) {
    b->cols = l->cols, b->ncols = l->ncols, b->agg = false;
    sql_expr *t = bind(b, sys->kids[1]);
    if (!t) return NULL;
    if (t->op != SQL_E_COL || (!l->cols[t->col].proctime && !l->cols[t->col].rowtime))
      return fail_at(b, sys->kids[1], "FOR SYSTEM_TIME AS OF needs a time attribute of the left table: a PROCTIME() "
                                      "column (lookup join) or a rowtime column with a watermark (event-time temporal join)");
    if (n->nkids < 3 || j->join->cross) return fail_at(b, n, "a temporal join needs an ON condition with an equality on the right table's key");
    if (j->join->type == SQL_J_RIGHT || j->join->type == SQL_J_FULL)
      return fail_at(b, n, "temporal joins are INNER or LEFT joins only (as in Flink)");
    j->join->asof = t->col;
  }
  const sql_node *on = n->nkids >= 3 ? n->kids[2] : NULL;
  if ((n->flags & SQL_F(NATURAL)) && !(on = natural_using(b, n, l, r)) && b->err[0]) return NULL;
  if (!on) return j;
  sql_expr *cond = NULL;
  b->cols = j->cols, b->ncols = j->ncols, b->agg = false;
  if (on->kind == SQL_ON) {
    if (contains_agg(on->kids[0])) return fail_at(b, on, "aggregate functions are not allowed in ON");
    if (!(cond = bind(b, on->kids[0]))) return NULL;
    if (cond->type.id != STROM_BOOLEAN) return fail_at(b, on->kids[0], "ON needs a BOOLEAN condition");
  } else {
    for (int i = 0; i < on->nkids; i++) {
      int lc = find_col(b, l->cols, l->ncols, NULL, on->kids[i]->text, on->kids[i], false);
      int rc = lc >= 0 ? find_col(b, r->cols, r->ncols, NULL, on->kids[i]->text, on->kids[i], false) : -1;
      if (rc < 0) return NULL;
      sql_expr *eq = new_expr(b, SQL_E_EQ, 2);
      sql_type t;
      if (!eq) return NULL;
      if (!sql_common_type(&l->cols[lc].type, &r->cols[rc].type, &t)) return fail_at(b, on->kids[i], "USING: the columns' types differ");
      if (!(eq->a[0] = cast_or_fail(b, on, col_ref(b->a, lc, &l->cols[lc].type), &t)) ||
          !(eq->a[1] = cast_or_fail(b, on, col_ref(b->a, l->ncols + rc, &r->cols[rc].type), &t)))
        return NULL;
      eq->type = (sql_type){.id = STROM_BOOLEAN};
      /* one column for both, as in Flink: the preserved side's (a FULL join's stays ambiguous) */
      if (strcmp(n->text, "full")) j->cols[strcmp(n->text, "right") ? l->ncols + rc : lc].hidden = true;
      if (!cond) cond = eq;
      else {
        sql_expr *and = new_expr(b, SQL_E_AND, 2);
        if (!and) return NULL;
        and->type = eq->type, and->a[0] = cond, and->a[1] = eq;
        cond = and;
      }
    }
  }
  if (sql_join_add_cond(b->a, j, cond, m, sizeof m)) return fail_at(b, on, "%s", m);
  if (on->kind == SQL_USING && !strcmp(n->text, "full")) return full_using(b, j, on, l->ncols);
  return j;
}

static sql_plan *bind_from(binder *b, const sql_node *n) {
  switch (n->kind) {
    case SQL_NAME:
    case SQL_HINTED: return bind_table_name(b, n, NULL);
    case SQL_AS: {
      const sql_node *inner = n->kids[0];
      const char *alias = n->kids[1]->text;
      const sql_node *collist = n->nkids > 2 ? n->kids[2] : NULL;
      if ((inner->kind == SQL_NAME || inner->kind == SQL_HINTED) && !collist) return bind_table_name(b, inner, alias);
      sql_plan *p = bind_from(b, inner);
      return p ? requalify(b, p, alias, collist, n) : NULL;
    }
    case SQL_SUBQUERY: return bind_query(b, n->kids[0]);
    case SQL_TABLE_FUNCTION: return bind_tvf(b, n);
    case SQL_VALUES: return bind_values(b, n);
    case SQL_JOIN: return bind_join(b, n);
    case SQL_UNNEST:
    case SQL_LATERAL: return sql_unnest_alone(b, n);
    case SQL_MATCH_RECOGNIZE: return sql_match_bind(b, n); /* match_bind.c */
    case SQL_SYSTEM_TIME: return fail_at(b, n, "FOR SYSTEM_TIME AS OF belongs on the right side of a JOIN (a temporal or lookup join)");
    default: return fail_at(b, n, "not supported yet: %s in FROM", sql_kind_name(n->kind));
  }
}

/* ---- SELECT ---- */

static const sql_node *kid_of(const sql_node *n, sql_kind k) {
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind == k) return n->kids[i];
  return NULL;
}

static const char *item_name(binder *b, const sql_node *it, int i) {
  if (it->kind == SQL_AS) return it->kids[1]->text;
  if (it->kind == SQL_ID) return it->text;
  if (it->kind == SQL_FIELD) return it->text;
  char *s = sql_arena_alloc(b->a, 24);
  if (s) snprintf(s, 24, "EXPR$%d", i);
  return s;
}

/* The legacy group window of GROUP BY TUMBLE(ts, INTERVAL ...), HOP(ts, slide, size),
 * SESSION(ts, gap). */
static bool legacy_window(binder *b, const sql_node *g, const sql_plan *in) {
  const char *fn = g->text;
  sql_window w = {0};
  if (!strcasecmp(fn, "TUMBLE")) w.kind = SQL_W_TUMBLE;
  else if (!strcasecmp(fn, "HOP")) w.kind = SQL_W_HOP;
  else if (!strcasecmp(fn, "SESSION")) w.kind = SQL_W_SESSION;
  else return fail_at(b, g, "not supported yet: GROUP BY %s(...)", fn), false;
  int want = w.kind == SQL_W_HOP ? 3 : 2;
  if (g->nkids != want) return fail_at(b, g, "%s takes %d arguments", fn, want), false;
  int tc = node_col(b, g->kids[0], in->cols, in->ncols, false);
  if (tc < 0) return false;
  if (!in->cols[tc].rowtime && !in->cols[tc].proctime)
    return fail_at(b, g->kids[0], "column '%s' is not a time attribute: declare WATERMARK FOR %s AS ... on its table",
                   in->cols[tc].name, in->cols[tc].name), false;
  w.proctime = in->cols[tc].proctime;
  int64_t a0, a1 = 0;
  if (!interval_ms(b, g->kids[1], &a0) || (want == 3 && !interval_ms(b, g->kids[2], &a1))) return false;
  if (w.kind == SQL_W_TUMBLE) w.size = a0;
  else if (w.kind == SQL_W_HOP) w.slide = a0, w.size = a1;
  else w.gap = a0;
  if (a0 <= 0 || (want == 3 && a1 <= 0)) return fail_at(b, g, "window sizes must be positive"), false;
  b->win = w;
  b->legacy = g;
  return true;
}

static int max_col(const sql_expr *e) {
  int m = e->op == SQL_E_COL ? e->col : -1;
  for (int i = 0; i < e->n; i++) {
    int k = max_col(e->a[i]);
    if (k > m) m = k;
  }
  return m;
}

/* GROUP BY's expressions with ROW values replaced by their leaves (types_rowval.c); 0 on error. */
static int row_key_nodes(binder *b, const sql_node *group, const sql_plan *in, const sql_node ***out) {
  int n = 0, cap = group->nkids;
  const sql_node **k = sql_arena_alloc(b->a, sizeof *k * (size_t)(cap + 1));
  for (int i = 0; i < group->nkids && k; i++) {
    const sql_node **l;
    const char **p;
    int nl = sql_row_leaves(b->a, in->cols, in->ncols, group->kids[i], &l, &p, b->err, b->errlen);
    if (nl < 0) return 0;
    if (n + (nl ? nl : 1) > cap) {
      const sql_node **g = sql_arena_alloc(b->a, sizeof *g * (size_t)(cap = 2 * (n + nl) + 1));
      if (g) memcpy(g, k, sizeof *k * (size_t)n);
      k = g;
      if (!k) break;
    }
    if (!nl) k[n++] = group->kids[i];
    for (int j = 0; j < nl; j++) k[n++] = l[j];
  }
  if (!k) return fail_at(b, NULL, "out of memory"), 0;
  *out = k;
  return n;
}

/* Whether GROUP BY gk over in aggregates windows attached to in's rows (a window
 * aggregation's, window join's or TVF's window_start and window_end among the keys):
 * *w set, or left zero.  0 on error. */
static int attached_window(binder *b, const sql_node **gk, int ng, const sql_plan *in, sql_window *w, int *time_col) {
  int *cols = sql_arena_alloc(b->a, sizeof *cols * (size_t)ng);
  if (!cols) return fail_at(b, NULL, "out of memory"), 0;
  for (int i = 0; i < ng; i++) {
    if (gk[i]->kind == SQL_CALL) return 1; /* a legacy group window */
    cols[i] = gk[i]->kind == SQL_ID || gk[i]->kind == SQL_FIELD || gk[i]->kind == SQL_NAME
                  ? node_col(b, gk[i], in->cols, in->ncols, true) : -1;
  }
  if (!sql_window_attach(in, cols, ng, w, time_col)) *w = (sql_window){0};
  return 1;
}

static sql_plan *bind_select(binder *b, const sql_node *sel);
static sql_plan *bind_select_cb(void *b, const sql_node *sel) { return bind_select(b, sel); }

/* The dotted path of x (p, t.p, t.p.q) into buf; false if x is no name. */
static bool dotted(const sql_node *x, strom_buf *buf) {
  if (x->kind == SQL_ID) return strom__buf_printf(buf, "%s", x->text) == 0;
  if (x->kind != SQL_FIELD || x->nkids != 1 || !dotted(x->kids[0], buf)) return false;
  return strom__buf_printf(buf, ".%s", x->text) == 0;
}

/* `x.*` of a ROW column x (p.*, t.p.*, t.p.q.*) as its fields, `x.f AS f` each, as
 * Flink expands it; t.* of a table stays.  items itself when there is none; NULL on error. */
static const sql_node *row_stars(binder *b, const sql_node *items, const sql_plan *in) {
  sql_node *out = NULL;
  for (int i = 0; i < items->nkids; i++) {
    const sql_node *it = items->kids[i];
    bool table = false;
    if (it->kind == SQL_STAR && it->nkids && it->kids[0]->kind == SQL_ID)
      for (int c = 0; c < in->ncols && !table; c++) table = in->cols[c].qual && !strcmp(in->cols[c].qual, it->kids[0]->text);
    strom_buf path = {0};
    if (it->kind != SQL_STAR || !it->nkids || table || !dotted(it->kids[0], &path)) {
      strom__buf_free(&path);
      if (out && !sql_node_append(b->a, out, it)) return fail_at(b, NULL, "out of memory");
      continue;
    }
    /* the path is [qualifier.]column[.field...]: the columns under it are flattened leaves */
    const char *dot = strchr(path.p, '.');
    int nf = 0;
    const char *fields[256];
    for (int pass = 0; pass < 2 && !nf; pass++) { /* as written, then with its first part a qualifier */
      const char *q = NULL, *name = path.p;
      size_t ql = 0;
      if (pass) {
        if (!dot) break;
        q = path.p, ql = (size_t)(dot - path.p), name = dot + 1;
      }
      size_t nl = strlen(name);
      for (int c = 0; c < in->ncols && nf < 256; c++) {
        const sql_col *col = &in->cols[c];
        if (col->hidden || strncmp(col->name, name, nl) || col->name[nl] != '.') continue;
        if (q && (!col->qual || strlen(col->qual) != ql || strncmp(col->qual, q, ql))) continue;
        const char *f = col->name + nl + 1, *end = strchr(f, '.');
        if (*f == '$') continue; /* the ROW's null marker (types_row.c), no field */
        size_t fl = end ? (size_t)(end - f) : strlen(f);
        bool seen = false;
        for (int j = 0; j < nf && !seen; j++) seen = strlen(fields[j]) == fl && !strncmp(fields[j], f, fl);
        if (!seen && !(fields[nf++] = sql_arena_strndup(b->a, f, fl))) return strom__buf_free(&path), fail_at(b, NULL, "out of memory");
      }
    }
    if (!nf) {
      if (it->kids[0]->kind == SQL_ID) fail_at(b, it, "no table named '%s' in FROM", it->kids[0]->text);
      else fail_at(b, it, "'%s.*': no ROW column of that name in FROM", path.p);
      return strom__buf_free(&path), NULL;
    }
    strom__buf_free(&path);
    if (!out) {
      if (!(out = sql_node_new(b->a, SQL_ITEMS, items, NULL, 0))) return fail_at(b, NULL, "out of memory");
      for (int j = 0; j < i; j++)
        if (!sql_node_append(b->a, out, items->kids[j])) return fail_at(b, NULL, "out of memory");
    }
    for (int j = 0; j < nf; j++) {
      sql_node *f = sql_node_new(b->a, SQL_FIELD, it, fields[j], 1), *a = sql_node_new(b->a, SQL_AS, it, NULL, 2),
               *alias = sql_node_new(b->a, SQL_ID, it, fields[j], 0);
      if (!f || !a || !alias) return fail_at(b, NULL, "out of memory");
      f->kids[0] = it->kids[0], a->kids[0] = f, a->kids[1] = alias;
      if (!sql_node_append(b->a, out, a)) return fail_at(b, NULL, "out of memory");
    }
  }
  return out ? out : items;
}

static sql_plan *bind_select(binder *b, const sql_node *sel) {
  const sql_node *qh = kid_of(sel, SQL_HINTS); /* accepted or refused by name (hint_apply.c) */
  if (qh && !b->err[0] && sql_hint_query(qh, b->err, b->errlen)) return NULL;
  const sql_node *rw = sql_subq_select_rewrite(b->a, sel, b->err, b->errlen); /* subq_agg.c */
  if (rw != sel) return rw ? bind_select(b, rw) : NULL;
  const sql_node *items = kid_of(sel, SQL_ITEMS), *from = kid_of(sel, SQL_FROM), *where = kid_of(sel, SQL_WHERE),
                 *group = kid_of(sel, SQL_GROUP_BY), *having = kid_of(sel, SQL_HAVING);
  if (kid_of(sel, SQL_ORDER_BY) || kid_of(sel, SQL_LIMIT) || kid_of(sel, SQL_OFFSET))
    return sql_sort_select(b->s, b->a, sel, bind_select_cb, b, b->err, b->errlen); /* sort_bind.c */
  if (items && sql_node_has_over(items) && (group || contains_agg(items))) { /* OVER after a GROUP BY (over_group.c) */
    const sql_node *r = sql_over_group_rewrite(b->a, sel, agg_call, b->err, b->errlen);
    return r ? bind_select(b, r) : NULL;
  }
  sql_plan *in;
  if (from) {
    in = bind_from(b, from->kids[0]);
  } else {
    /* SELECT without FROM: one empty row */
    in = new_plan(b, SQL_P_VALUES, 0);
    if (in && (in->rows = sql_arena_alloc(b->a, sizeof(sql_expr **)))) in->nrows = 1;
  }
  if (!in) return NULL;
  sql_plan *tvf = in->kind == SQL_P_WINDOW_TVF ? in : NULL;
  if (!(in = sql_subq_where(b, in, &where))) return NULL;
  if (where) {
    b->cols = in->cols, b->ncols = in->ncols, b->agg = false;
    sql_expr *c = bind(b, where->kids[0]);
    if (!c) return NULL;
    if (c->type.id && c->type.id != STROM_BOOLEAN) return fail_at(b, where->kids[0], "WHERE needs a BOOLEAN condition");
    if (contains_agg(where->kids[0])) return fail_at(b, where, "aggregate functions are not allowed in WHERE");
    char m[512];
    if (in->kind == SQL_P_JOIN && sql_join_push_where(b->a, in, &c, m, sizeof m)) return fail_at(b, where, "%s", m);
    sql_plan *f = c ? new_plan(b, SQL_P_CALC, 0) : NULL;
    if (c && !f) return NULL;
    if (f) {
      f->ncols = in->ncols, f->cols = in->cols, f->in = in, f->cond = c, f->changelog = in->changelog;
      f->time_col = in->time_col;
      in = sql_topn_filter(f);
    }
  }
  bool aggregate = group || (having && contains_agg(having)) || contains_agg(items) || (sel->flags & SQL_F(DISTINCT));
  if (group && !group->nkids) group = NULL; /* GROUP BY (): a global aggregate (the parser drops the () sets) */
  if (!(in = sql_subq_after(b, in, &items, aggregate))) return NULL;
  if (!group && sql_node_has_over(items)) { /* OVER aggregates and ROW_NUMBER (rank_bind.c) */
    int base = in->ncols;
    if (!(in = sql_over_bind(b->s, b->a, in, items, &b->over_calls, &b->nover, b->err, b->errlen))) return NULL;
    b->over_base = base;
  }
  if (!(items = row_stars(b, items, in))) return NULL;
  /* expand * and t.*, and ROW values into their leaves (types_rowval.c) */
  int nitems = 0;
  const sql_node ***rl = sql_arena_alloc(b->a, sizeof *rl * (size_t)items->nkids);
  const char ***rp = sql_arena_alloc(b->a, sizeof *rp * (size_t)items->nkids);
  int *rn = sql_arena_alloc(b->a, sizeof *rn * (size_t)items->nkids);
  if (!rl || !rp || !rn) return fail_at(b, NULL, "out of memory");
  for (int i = 0; i < items->nkids; i++) {
    const sql_node *it = items->kids[i];
    if (it->kind != SQL_STAR &&
        (rn[i] = sql_row_leaves(b->a, in->cols, in->ncols, it->kind == SQL_AS ? it->kids[0] : it, &rl[i], &rp[i], b->err, b->errlen)) < 0)
      return NULL;
    if (it->kind == SQL_STAR) {
      const char *q = it->nkids ? (it->kids[0]->kind == SQL_ID ? it->kids[0]->text : NULL) : NULL;
      int k = 0;
      for (int c = 0; c < in->ncols; c++) k += q ? in->cols[c].qual && !strcmp(in->cols[c].qual, q) : !in->cols[c].hidden;
      if (q && !k) return fail_at(b, it, "no table named '%s' in FROM", q);
      nitems += k;
    } else nitems += rn[i] ? rn[i] : 1;
  }
  sql_plan *agg = NULL;
  const sql_col *scope = in->cols;
  int nscope = in->ncols;
  if (aggregate) {
    b->in_cols = in->cols, b->in_ncols = in->ncols;
    b->win_in[0] = b->win_in[1] = b->win_in[2] = -1;
    int ng = 0;
    const sql_node **gk = NULL;
    sql_gsets *gs = NULL; /* GROUPING SETS / ROLLUP / CUBE: the distinct keys and the sets (groupsets.c) */
    if (group && !sql_gsets_flatten(b->a, group, &group, &gs, b->err, b->errlen)) return NULL;
    if (group && !(ng = row_key_nodes(b, group, in, &gk))) return NULL;
    if (gs && ng != gs->nflat) return fail_at(b, group, "not supported: ROW values in GROUPING SETS, ROLLUP or CUBE");
    if (sel->flags & SQL_F(DISTINCT)) {
      /* with GROUP BY or aggregates too: the DISTINCT groups the aggregated rows again (Flink's second aggregation) */
      sql_node plain = *sel; /* SELECT DISTINCT = the SELECT grouped by all its columns */
      plain.flags &= ~SQL_F(DISTINCT);
      sql_plan *p = bind_select(b, &plain);
      return p ? sql_select_distinct(b->a, p, b->err, b->errlen) : NULL;
    }
    b->keys = sql_arena_alloc(b->a, sizeof(sql_expr *) * (size_t)(ng + 1));
    b->key_nodes = sql_arena_alloc(b->a, sizeof(sql_node *) * (size_t)(ng + 1));
    if (!b->keys || !b->key_nodes) return fail_at(b, NULL, "out of memory");
    b->nkeys = 0;
    b->cols = in->cols, b->ncols = in->ncols, b->agg = false;
    bool saw_ws = false, saw_we = false;
    int att_time = -1; /* GROUP BY a windowed input's window_start, window_end: agg_attached.c */
    sql_window att = {0};
    if (!tvf && ng && !attached_window(b, gk, ng, in, &att, &att_time)) return NULL;
    for (int i = 0; i < ng; i++) {
      const sql_node *g = gk[i];
      if (g->kind == SQL_CALL && (!strcasecmp(g->text, "TUMBLE") || !strcasecmp(g->text, "HOP") ||
                                  !strcasecmp(g->text, "SESSION") || !strcasecmp(g->text, "CUMULATE"))) {
        if (b->legacy) return fail_at(b, g, "only one group window is allowed");
        if (!legacy_window(b, g, in)) return NULL;
        continue;
      }
      if (contains_agg(g)) return fail_at(b, g, "aggregate functions are not allowed in GROUP BY");
      int c = node_col(b, g, in->cols, in->ncols, true);
      if (tvf && c >= in->ncols - 3) {
        saw_ws |= c == in->ncols - 3;
        saw_we |= c == in->ncols - 2;
        continue; /* window_start/window_end/window_time: the window, not a key */
      }
      if (att.kind && c >= 0 && (c == att.start_col || c == att.end_col || c == att_time)) continue;
      sql_expr *k = bind(b, g);
      if (!k) return NULL;
      b->keys[b->nkeys] = k;
      b->key_nodes[b->nkeys++] = g;
      if (gs) gs->key_of[i] = b->nkeys - 1;
    }
    if (gs && !sql_gsets_keys(b->a, gs, b->keys, b->key_nodes, &b->nkeys, group, b->err, b->errlen)) return NULL;
    b->gs = gs;
    if (tvf) {
      if (!saw_ws || !saw_we)
        return fail_at(b, group ? group : sel, "an aggregation over a window TVF must GROUP BY window_start and window_end");
      b->windowed = true;
      b->win = tvf->win;
      for (int w = 0; w < 3; w++) b->win_in[w] = in->ncols - 3 + w;
      if (tvf->win.npart && !session_keys_are_partition(b, tvf, group)) return NULL;
    } else if (b->legacy) {
      b->windowed = true;
    } else if (att.kind) {
      b->windowed = true;
      b->win = att;
      b->win_in[0] = att.start_col, b->win_in[1] = att.end_col, b->win_in[2] = att_time;
    }
    b->win_out = b->nkeys;
    /* bind the select list and HAVING in aggregate mode, collecting the aggregates */
    b->agg = true;
    agg = new_plan(b, SQL_P_AGG, 0);
    if (!agg) return NULL;
    scope = NULL, nscope = 0;
  }
  /* the projection */
  sql_plan *calc = new_plan(b, SQL_P_CALC, nitems);
  if (!calc || !(calc->exprs = sql_arena_alloc(b->a, sizeof(sql_expr *) * (size_t)(nitems ? nitems : 1)))) return NULL;
  b->cols = scope, b->ncols = nscope;
  int k = 0, rowskip = 0; /* rowskip: the extra columns of the ROW items so far, which Flink's EXPR$n do not count */
  for (int i = 0; i < items->nkids; i++) {
    const sql_node *it = items->kids[i];
    if (it->kind == SQL_STAR) {
      if (aggregate) return fail_at(b, it, "'*' is not allowed in an aggregate query");
      const char *q = it->nkids && it->kids[0]->kind == SQL_ID ? it->kids[0]->text : NULL;
      for (int c = 0; c < in->ncols; c++) {
        if (q ? !in->cols[c].qual || strcmp(in->cols[c].qual, q) : in->cols[c].hidden) continue;
        calc->exprs[k] = col_ref(b->a, c, &in->cols[c].type);
        calc->cols[k] = in->cols[c];
        calc->cols[k].qual = NULL;
        calc->cols[k].hidden = false;
        k++;
      }
      continue;
    }
    const sql_node *x = it->kind == SQL_AS ? it->kids[0] : it;
    if (it->kind == SQL_AS && it->nkids > 2) return fail_at(b, it, "a column alias list is not allowed here");
    if (rn[i]) { /* a ROW value: a column per leaf, named by its path */
      const char *base = item_name(b, it, k - rowskip);
      rowskip += rn[i] - 1;
      for (int j = 0; j < rn[i]; j++, k++) {
        sql_expr *e = bind(b, rl[i][j]);
        if (!e) return NULL;
        if (!e->type.id) e->type = (sql_type){.id = STROM_INT};
        size_t len = strlen(base) + strlen(rp[i][j]) + 2;
        char *nm = sql_arena_alloc(b->a, len);
        if (!nm) return fail_at(b, NULL, "out of memory");
        snprintf(nm, len, "%s.%s", base, rp[i][j]);
        calc->exprs[k] = e;
        calc->cols[k] = (sql_col){.name = nm, .type = e->type};
      }
      continue;
    }
    sql_expr *e = bind(b, x);
    if (!e) return NULL;
    if (!e->type.id) e->type = (sql_type){.id = STROM_INT}; /* SELECT NULL */
    calc->exprs[k] = e;
    calc->cols[k] = (sql_col){.name = item_name(b, it, k - rowskip), .type = e->type};
    if (e->op == SQL_E_COL && !aggregate) calc->cols[k].rowtime = in->cols[e->col].rowtime;
    if (!aggregate) calc->cols[k].proctime = e->op == SQL_E_COL ? in->cols[e->col].proctime : sql_is_proctime_call(e);
    k++;
  }
  if (having) {
    if (!aggregate) return fail_at(b, having, "HAVING needs GROUP BY or an aggregate");
    if (!(calc->cond = bind(b, having->kids[0]))) return NULL;
    if (calc->cond->type.id != STROM_BOOLEAN) return fail_at(b, having->kids[0], "HAVING needs a BOOLEAN condition");
  }
  if (aggregate) {
    /* build the AGG node now that every aggregate is known */
    int nw = b->windowed ? 3 : 0;
    agg->ncols = b->nkeys + nw + b->naggs;
    if (!(agg->cols = sql_arena_alloc(b->a, sizeof(sql_col) * (size_t)(agg->ncols ? agg->ncols : 1)))) return NULL;
    for (int i = 0; i < b->nkeys; i++) {
      const sql_node *g = b->key_nodes[i];
      int c = node_col(b, g, in->cols, in->ncols, true);
      agg->cols[i] = (sql_col){.name = c >= 0 ? in->cols[c].name : "key", .type = b->keys[i]->type};
      if (c < 0) {
        char *nm = sql_arena_alloc(b->a, 24);
        if (nm) snprintf(nm, 24, "$key%d", i), agg->cols[i].name = nm;
      }
    }
    sql_type ts = {.id = STROM_TIMESTAMP, .p = 3, .not_null = true};
    if (nw) {
      agg->cols[b->nkeys] = (sql_col){.name = "window_start", .type = ts, .wincol = SQL_WIN_START};
      agg->cols[b->nkeys + 1] = (sql_col){.name = "window_end", .type = ts, .wincol = SQL_WIN_END};
      agg->cols[b->nkeys + 2] = (sql_col){.name = "window_time", .type = ts, .rowtime = true};
    }
    for (int i = 0; i < b->naggs; i++) {
      agg->cols[b->nkeys + nw + i] = (sql_col){.name = b->aggs[i].text, .type = b->aggs[i].type};
      b->aggs[i].arg = b->agg_args[i] ? i : -1; /* the planner lays out args then filters */
      b->aggs[i].filter = b->agg_filters[i] ? b->naggs + i : -1;
    }
    agg->nkeys = b->nkeys, agg->keys = b->keys;
    agg->naggs = b->naggs, agg->aggs = b->aggs, agg->agg_args = b->agg_args, agg->agg_filters = b->agg_filters;
    agg->win = b->windowed ? b->win : (sql_window){0};
    agg->changelog = !b->windowed && !(b->s && b->s->batch); /* batch: batch_agg.c's final rows */
    /* A TVF's window columns are computed by the window operator: the AGG reads the
     * TVF's input directly (a WHERE in between keeps its filter). */
    sql_plan *src = in;
    if (tvf) {
      if (in == tvf) src = tvf->in;
      else {
        sql_plan *f = new_plan(b, SQL_P_CALC, 0);
        if (!f) return NULL;
        *f = *in;
        f->in = tvf->in;
        f->ncols = tvf->in->ncols, f->cols = tvf->in->cols;
        /* the filter may not use the window columns, which do not exist per row */
        if (in->cond && max_col(in->cond) >= tvf->in->ncols)
            return fail_at(b, where, "not supported yet: WHERE on window_start/window_end/window_time of a window aggregation");
        src = f;
      }
      agg->time_col = tvf->time_col;
    } else if (b->legacy) {
      agg->time_col = node_col(b, b->legacy->kids[0], in->cols, in->ncols, true);
    }
    for (int i = 0; i < b->naggs; i++)
      if ((b->aggs[i].kind == SQL_AGG_MIN || b->aggs[i].kind == SQL_AGG_MAX) && src->changelog)
        b->aggs[i].keep_list = true; /* a group keeps its values to retract any of them (agg_minmax.c) */
    if (b->gs && !(src = sql_gsets_expand(b->a, src, b->gs, agg, b->err, b->errlen))) return NULL;
    b->gs = NULL;
    sql_agg_more_changelog(b->aggs, b->naggs, src->changelog);
    agg->in = src;
    calc->in = agg;
    calc->changelog = agg->changelog;
    b->agg = false;
    b->legacy = NULL;
    b->windowed = false;
    b->naggs = b->capaggs = 0;
    b->aggs = NULL;
  } else {
    calc->in = in;
    calc->changelog = in->changelog;
  }
  calc->time_col = -1;
  for (int i = 0; i < calc->ncols; i++) {
    /* a window aggregation's window_time stays a time attribute (Flink's cascading windows) */
    if (agg && calc->exprs[i]->op == SQL_E_COL && agg->cols[calc->exprs[i]->col].rowtime) calc->cols[i].rowtime = true;
    if (calc->cols[i].rowtime) calc->time_col = i;
    if (calc->exprs[i]->op == SQL_E_COL) calc->cols[i].wincol = calc->in->cols[calc->exprs[i]->col].wincol;
  }
  sql_topn_finish(calc);
  return calc;
}

static sql_plan *bind_union(binder *b, const sql_node *n) {
  sql_plan *l = bind_query(b, n->kids[0]), *r = l ? bind_query(b, n->kids[1]) : NULL;
  if (!r) return NULL;
  if (l->ncols != r->ncols) return fail_at(b, n, "UNION ALL: the sides have %d and %d columns", l->ncols, r->ncols);
  sql_plan *u = new_plan(b, SQL_P_UNION, l->ncols);
  if (!u) return NULL;
  bool cast = false;
  for (int i = 0; i < l->ncols; i++) {
    sql_type t;
    if (!sql_common_type(&l->cols[i].type, &r->cols[i].type, &t))
      return fail_at(b, n, "UNION ALL: column %d has types that do not match", i + 1);
    if (t.id == STROM_VARCHAR && t.kind) t.p = SQL_VARCHAR_MAX; /* strings: CHAR(n), or VARCHAR of the longest (ragged CHARs) */
    u->cols[i] = (sql_col){.name = l->cols[i].name, .type = t, .rowtime = l->cols[i].rowtime && r->cols[i].rowtime};
    cast |= l->cols[i].type.id != t.id || r->cols[i].type.id != t.id || (t.id == STROM_DECIMAL);
  }
  sql_plan *side[2] = {l, r};
  for (int s = 0; s < 2 && cast; s++) {
    sql_plan *c = new_plan(b, SQL_P_CALC, u->ncols);
    if (!c || !(c->exprs = sql_arena_alloc(b->a, sizeof(sql_expr *) * (size_t)u->ncols))) return NULL;
    for (int i = 0; i < u->ncols; i++) {
      c->cols[i] = u->cols[i];
      if (!(c->exprs[i] = cast_or_fail(b, n, col_ref(b->a, i, &side[s]->cols[i].type), &u->cols[i].type))) return NULL;
    }
    c->in = side[s];
    c->changelog = side[s]->changelog;
    side[s] = c;
  }
  u->in = side[0], u->in2 = side[1];
  u->changelog = l->changelog || r->changelog;
  if (strcmp(n->text, "union") || !(n->flags & SQL_F(ALL))) return sql_setop_bind(b, n, u); /* subq_bind.c */
  return u;
}

static sql_plan *bind_query(binder *b, const sql_node *q) {
  if (++b->depth > 200) return fail_at(b, q, "query nested too deeply");
  sql_plan *p = NULL;
  switch (q->kind) {
    case SQL_SELECT: {
      binder inner = *b; /* a subquery has its own aggregation state */
      inner.agg = false, inner.legacy = NULL, inner.windowed = false, inner.naggs = inner.capaggs = 0, inner.aggs = NULL;
      p = bind_select(&inner, q);
      break;
    }
    case SQL_SETOP: p = bind_union(b, q); break;
    case SQL_VALUES: p = bind_values(b, q); break;
    case SQL_QUERY: /* sort_bind.c */
      p = bind_query(b, q->kids[0]);
      if (p) p = sql_sort_bind(b->s, b->a, p, q, b->err, b->errlen);
      break;
    case SQL_SUBQUERY: p = bind_query(b, q->kids[0]); break;
    case SQL_WITH: {
      cte *save = b->ctes;
      for (int i = 0; i < q->nkids - 1; i++) {
        const sql_node *c = q->kids[i];
        cte *e = sql_arena_alloc(b->a, sizeof *e);
        if (!e) return fail_at(b, NULL, "out of memory");
        e->name = c->kids[0]->text;
        e->cols = c->nkids > 2 ? c->kids[1] : NULL;
        e->query = c->kids[c->nkids - 1];
        e->next = b->ctes;
        b->ctes = e;
      }
      p = bind_query(b, q->kids[q->nkids - 1]);
      b->ctes = save;
      break;
    }
    default: p = fail_at(b, q, "not supported yet: %s as a query", sql_kind_name(q->kind)); break;
  }
  b->depth--;
  return p;
}

sql_plan *sql_bind_query(sql_session *s, sql_arena *a, const sql_node *q, char *err, size_t errlen) {
  err[0] = 0;
  binder b = {.s = s, .a = a, .err = err, .errlen = errlen};
  sql_plan *p = bind_query(&b, q);
  if (!p && !err[0]) snprintf(err, errlen, "could not bind the query");
  return p;
}

sql_plan *sql_bind_insert_cast(sql_arena *a, sql_plan *p, const sql_table *sink, const sql_node *collist, char *err,
                               size_t errlen) {
  binder b = {.a = a, .err = err, .errlen = errlen};
  err[0] = 0;
  int nphys = 0;
  for (int i = 0; i < sink->ncols; i++) nphys += sql_col_written(&sink->cols[i]);
  /* map the query's columns to the sink's physical columns */
  int map[256];
  if (nphys > 256) return fail_at(&b, NULL, "table '%s' has too many columns", sink->name);
  for (int i = 0; i < nphys; i++) map[i] = -1;
  if (collist && !(collist = sql_row_insert_columns(a, sink, collist))) return fail_at(&b, NULL, "out of memory");
  int qidx[256], nq = p->ncols <= 256 ? sql_row_insert_cols(p->cols, p->ncols, sink, qidx) : p->ncols; /* ROW null markers (types_row.c) */
  if (nq > 256) return fail_at(&b, NULL, "the query has too many columns");
  if (collist) {
    if (collist->nkids != nq)
      return fail_at(&b, collist, "the column list has %d names but the query gives %d columns", sql_row_unmarked(collist, NULL, NULL, 0),
                     sql_row_unmarked(NULL, p->cols, qidx, nq));
    for (int i = 0; i < collist->nkids; i++) {
      int k = 0, found = -1;
      for (int c = 0; c < sink->ncols; c++) {
        if (!sql_col_written(&sink->cols[c])) continue;
        if (!strcmp(sink->cols[c].name, collist->kids[i]->text)) found = k;
        k++;
      }
      if (found < 0) return fail_at(&b, collist->kids[i], "table '%s' has no column '%s'", sink->name, collist->kids[i]->text);
      map[found] = qidx[i];
    }
  } else {
    if (nq != nphys) {
      strom_buf q = {0}, s = {0};
      char tn[48];
      for (int i = 0; i < p->ncols; i++) {
        if (sql_row_is_marker(p->cols[i].name)) continue; /* a ROW's null marker (types_row.c) */
        sql_type_name(&p->cols[i].type, tn, sizeof tn);
        strom__buf_printf(&q, "%s%s", q.len ? ", " : "", tn);
      }
      for (int i = 0; i < sink->ncols; i++) {
        if (!sql_col_written(&sink->cols[i]) || sql_row_is_marker(sink->cols[i].name)) continue;
        sql_type_name(&sink->cols[i].type, tn, sizeof tn);
        strom__buf_printf(&s, "%s%s %s", s.len ? ", " : "", sink->cols[i].name, tn);
      }
      fail_at(&b, NULL, "the query's columns (%s) do not match table '%s' (%s)%s", q.p ? q.p : "", sink->name, s.p ? s.p : "",
              nq != p->ncols || nphys != sql_row_unmarked_sink(sink) ? "; a ROW column takes one ROW value, e.g. ROW(a, b)" : "");
      strom__buf_free(&q);
      strom__buf_free(&s);
      return NULL;
    }
    for (int i = 0; i < nphys; i++) map[i] = qidx[i];
  }
  sql_plan *c = new_plan(&b, SQL_P_CALC, nphys);
  if (!c || !(c->exprs = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)(nphys ? nphys : 1)))) return NULL;
  int k = 0;
  for (int i = 0; i < sink->ncols; i++) {
    if (!sql_col_written(&sink->cols[i])) continue;
    const sql_type *t = &sink->cols[i].type;
    c->cols[k] = (sql_col){.name = sink->cols[i].name, .type = *t};
    if (map[k] < 0) {
      sql_expr *nl = new_expr(&b, SQL_E_LIT, 0);
      if (!nl) return NULL;
      nl->lit.null = true;
      nl->type = *t;
      c->exprs[k++] = nl;
      continue;
    }
    const sql_type *from = &p->cols[map[k]].type;
    bool ok = from->id == t->id || !from->id || (sql_type_numeric(from) && sql_type_numeric(t)) ||
              (from->id == STROM_VARCHAR && t->id == STROM_VARCHAR);
    if (!ok) {
      char x[48], y[48];
      sql_type_name(from, x, sizeof x);
      sql_type_name(t, y, sizeof y);
      return fail_at(&b, NULL, "column '%s' of table '%s' is %s but the query gives %s", sink->cols[i].name, sink->name, y, x);
    }
    c->exprs[k] = sql_cast_to(a, col_ref(a, map[k], from), t);
    if (!c->exprs[k]) return fail_at(&b, NULL, "out of memory");
    k++;
  }
  c->in = p;
  c->changelog = p->changelog;
  return c;
}

/* ---- what subq_bind.c binds with ---- */

sql_plan *sql_binder_query(binder *b, const sql_node *q) { return bind_query(b, q); }

sql_plan *sql_binder_from(binder *b, const sql_node *n) { return bind_from(b, n); }

int sql_binder_plan_name(binder *b, const char *name, sql_plan *p) {
  cte *e = sql_arena_alloc(b->a, sizeof *e);
  if (!e) return -1;
  *e = (cte){.name = name, .next = b->ctes, .plan = p};
  b->ctes = e;
  return 0;
}

sql_expr *sql_binder_expr(binder *b, const sql_col *cols, int ncols, const sql_node *n, bool quiet) {
  binder c = *b;
  char err[512] = "";
  if (quiet) c.err = err, c.errlen = sizeof err;
  c.cols = cols, c.ncols = ncols, c.agg = false;
  if (contains_agg(n)) return quiet ? NULL : fail_at(b, n, "aggregate functions are not allowed here");
  return bind(&c, n);
}

void *sql_binder_fail(binder *b, const sql_node *at, const char *fmt, ...) {
  if (b->err[0]) return NULL;
  char m[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m, sizeof m, fmt, ap);
  va_end(ap);
  return fail_at(b, at, "%s", m);
}

char *sql_binder_err(binder *b) { return b->err; }
sql_session *sql_binder_session(binder *b) { return b->s; }
sql_arena *sql_binder_arena(binder *b) { return b->a; }
struct sql_subq **sql_binder_subq(binder *b) { return &b->subq; }
