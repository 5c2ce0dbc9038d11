/*
 * match_bind.c -- binding `t MATCH_RECOGNIZE (...)` into a SQL_P_MATCH node over t:
 * the partition keys (columns of t), the ORDER BY (a time attribute first, ascending),
 * the flat pattern with its quantifiers, the skip mode, WITHIN, and DEFINE and
 * MEASURES bound over terms (match.h).  The node's columns are the PARTITION BY
 * columns then the measures, as Flink's ONE ROW PER MATCH; a MATCH_ROWTIME() measure
 * is the output's rowtime attribute and MATCH_PROCTIME() a processing-time one.
 * What Flink's translation refuses (a greedy quantifier ending the pattern, a
 * reluctant optional variable, aggregates over more than one variable, DISTINCT
 * aggregates, NEXT, CLASSIFIER, MATCH_NUMBER) is refused here by name.
 */
#include <strings.h>

#include "match.h"

typedef struct binder binder;

#define MR_MAX_TERMS 256

typedef struct mctx {
  binder *b;
  sql_arena *a;
  sql_match *m;
  const sql_plan *in;
  sql_col *cols; /* the terms as columns $mr0, $mr1, ... */
  int *used, nused;
} mctx;

static void *oom(binder *b) { return sql_binder_fail(b, NULL, "out of memory"); }

static int var_of(const sql_match *m, const char *name) {
  for (int i = 0; i < m->nvars; i++)
    if (!strcmp(m->vars[i], name)) return i;
  return -1;
}

/* The input column of a column name (unqualified or t.col), -1 with an error. */
static int input_col(mctx *x, const sql_node *n) {
  sql_expr *e = sql_binder_expr(x->b, x->in->cols, x->in->ncols, n, false);
  if (!e) return -1;
  if (e->op != SQL_E_COL) return sql_binder_fail(x->b, n, "expected a column of the MATCH_RECOGNIZE input"), -1;
  return e->col;
}

/* A reference A.col or col: its variable (-1: none) and input column. */
static bool nav_ref(mctx *x, const sql_node *n, int *var, int *col, const char *fn) {
  *var = -1;
  if (n->kind == SQL_FIELD && n->kids[0]->kind == SQL_ID && (*var = var_of(x->m, n->kids[0]->text)) >= 0) {
    sql_node *id = sql_node_new(x->a, SQL_ID, n, n->text, 0);
    if (!id) return oom(x->b), false;
    id->flags = n->flags & SQL_F(QUOTED);
    return (*col = input_col(x, id)) >= 0;
  }
  if (n->kind == SQL_ID || n->kind == SQL_FIELD) return (*col = input_col(x, n)) >= 0;
  return sql_binder_fail(x->b, n, "%s takes a column or a pattern variable's column (such as A.price)", fn), false;
}

static int add_term(mctx *x, const sql_node *at, mr_term t) {
  sql_match *m = x->m;
  int i = 0;
  if (t.kind != MR_AGG)
    for (; i < m->nterms; i++) {
      const mr_term *o = &m->terms[i];
      if (o->kind == t.kind && o->var == t.var && o->col == t.col && o->off == t.off) break;
    }
  else i = m->nterms;
  if (i == m->nterms) {
    if (m->nterms == MR_MAX_TERMS) return sql_binder_fail(x->b, at, "MATCH_RECOGNIZE reads more than %d values", MR_MAX_TERMS), -1;
    char *name = sql_arena_alloc(x->a, 16);
    if (!name) return oom(x->b), -1;
    snprintf(name, 16, "$mr%d", i);
    m->terms[m->nterms++] = t;
    x->cols[i] = (sql_col){.name = name, .type = t.type, .hidden = false};
  }
  bool seen = false;
  for (int k = 0; k < x->nused && !seen; k++) seen = x->used[k] == i;
  if (!seen) x->used[x->nused++] = i;
  return i;
}

static sql_node *term_ref(mctx *x, const sql_node *at, int t) {
  if (t < 0) return NULL;
  sql_node *id = sql_node_new(x->a, SQL_ID, at, x->cols[t].name, 0);
  return id ? id : oom(x->b);
}

static bool is_agg_name(const char *s) {
  return !strcasecmp(s, "SUM") || !strcasecmp(s, "AVG") || !strcasecmp(s, "COUNT") || !strcasecmp(s, "MIN") || !strcasecmp(s, "MAX");
}

/* An aggregate's argument with A.col rewritten to col; *var the one variable it reads. */
static sql_node *strip_var(mctx *x, const sql_node *n, int *var) {
  if (n->kind == SQL_FIELD && n->kids[0]->kind == SQL_ID) {
    int v = var_of(x->m, n->kids[0]->text);
    if (v >= 0) {
      if (*var >= 0 && *var != v)
        return sql_binder_fail(x->b, n, "an aggregate in MATCH_RECOGNIZE may read one pattern variable only (%s and %s)",
                               x->m->vars[*var], x->m->vars[v]);
      *var = v;
      sql_node *id = sql_node_new(x->a, SQL_ID, n, n->text, 0);
      if (id) id->flags = n->flags & SQL_F(QUOTED);
      return id ? id : oom(x->b);
    }
  }
  sql_node *copy = NULL;
  for (int i = 0; i < n->nkids; i++) {
    sql_node *k = strip_var(x, n->kids[i], var);
    if (!k) return NULL;
    if (k != n->kids[i] && !sql_node_set_kid(x->a, n, &copy, i, k)) return oom(x->b);
  }
  return copy ? copy : (sql_node *)n;
}

static int agg_term(mctx *x, const sql_node *n) {
  if (n->flags & SQL_F(DISTINCT)) return sql_binder_fail(x->b, n, "not supported: DISTINCT aggregates in MATCH_RECOGNIZE"), -1;
  int nargs = 0;
  for (int i = 0; i < n->nkids; i++) {
    if (n->kids[i]->kind == SQL_FILTER || n->kids[i]->kind == SQL_OVER)
      return sql_binder_fail(x->b, n->kids[i], "not supported: FILTER or OVER on an aggregate in MATCH_RECOGNIZE"), -1;
    nargs++;
  }
  mr_term t = {.kind = MR_AGG, .var = -1, .agg = {.arg = 0, .filter = -1}};
  bool count = !strcasecmp(n->text, "COUNT");
  if (nargs != 1 && !(count && nargs == 0)) return sql_binder_fail(x->b, n, "%s takes one argument", n->text), -1;
  const sql_node *a0 = nargs ? n->kids[0] : NULL;
  if (!a0 || a0->kind == SQL_STAR) { /* COUNT(*), COUNT(A.*) */
    if (!count) return sql_binder_fail(x->b, n, "%s takes one argument", n->text), -1;
    if (a0 && a0->nkids) {
      if (a0->kids[0]->kind != SQL_ID || (t.var = var_of(x->m, a0->kids[0]->text)) < 0)
        return sql_binder_fail(x->b, a0, "COUNT(v.*) needs a pattern variable v"), -1;
    }
    t.agg.kind = SQL_AGG_COUNT_STAR, t.agg.arg = -1;
  } else {
    sql_node *arg = strip_var(x, a0, &t.var);
    if (!arg || !(t.arg = sql_binder_expr(x->b, x->in->cols, x->in->ncols, arg, false))) return -1;
    t.agg.in_type = t.arg->type.id ? t.arg->type : (sql_type){.id = STROM_INT};
    t.agg.kind = count ? SQL_AGG_COUNT : !strcasecmp(n->text, "SUM") ? SQL_AGG_SUM : !strcasecmp(n->text, "AVG") ? SQL_AGG_AVG
                 : !strcasecmp(n->text, "MIN") ? SQL_AGG_MIN : SQL_AGG_MAX;
    if ((t.agg.kind == SQL_AGG_SUM || t.agg.kind == SQL_AGG_AVG) && !sql_type_numeric(&t.agg.in_type))
      return sql_binder_fail(x->b, n, "%s needs a numeric argument", n->text), -1;
  }
  const sql_type *in = &t.agg.in_type;
  switch (t.agg.kind) {
    case SQL_AGG_COUNT:
    case SQL_AGG_COUNT_STAR: t.agg.type = (sql_type){.id = STROM_BIGINT, .not_null = true}; break;
    case SQL_AGG_SUM:
    case SQL_AGG_AVG: /* as binder.c: DECIMAL(38, s) (AVG at least scale 6), else the argument's type */
      if (in->id == STROM_DECIMAL)
        t.agg.type = (sql_type){.id = STROM_DECIMAL, .p = SQL_MAX_PRECISION,
                                .s = t.agg.kind == SQL_AGG_AVG && in->s < 6 ? 6 : in->s};
      else t.agg.type = (sql_type){.id = in->id, .narrow = in->kind ? 0 : in->narrow};
      break;
    default: t.agg.type = *in, t.agg.type.not_null = false; break;
  }
  t.type = t.agg.type;
  return add_term(x, n, t);
}

/* n with each navigation replaced by its term's column; NULL on error. */
static sql_node *rewrite(mctx *x, const sql_node *n) {
  binder *b = x->b;
  if (n->kind == SQL_SUBQUERY) return sql_binder_fail(b, n, "not supported: subqueries in MATCH_RECOGNIZE");
  if (n->kind == SQL_ID || (n->kind == SQL_FIELD && n->kids[0]->kind == SQL_ID)) {
    int var, col;
    if (n->kind == SQL_FIELD && var_of(x->m, n->kids[0]->text) < 0 && !sql_binder_expr(b, x->in->cols, x->in->ncols, n, true))
      return sql_binder_fail(b, n, "%s is not a pattern variable of PATTERN", n->kids[0]->text);
    if (!nav_ref(x, n, &var, &col, "a column")) return NULL;
    const sql_type *ct = &x->in->cols[col].type;
    mr_term t = {.kind = MR_COL, .var = var, .col = col, .type = *ct};
    if (var >= 0) t.type.not_null = false;
    return term_ref(x, n, add_term(x, n, t));
  }
  if (n->kind == SQL_CALL && n->text) {
    const char *f = n->text;
    if (!strcasecmp(f, "FIRST") || !strcasecmp(f, "LAST") || !strcasecmp(f, "PREV")) {
      if (n->nkids < 1 || n->nkids > 2) return sql_binder_fail(b, n, "%s takes a column and an optional offset", f);
      int64_t off = 0;
      if (n->nkids == 2) {
        const sql_node *o = n->kids[1];
        if (o->kind != SQL_NUMBER || strspn(o->text, "0123456789") != strlen(o->text) || strlen(o->text) > 9)
          return sql_binder_fail(b, o, "the offset of %s must be a non-negative integer literal", f);
        off = atoll(o->text);
      } else if (!strcasecmp(f, "PREV")) off = 1;
      /* Flink's MatchCodeGenerator refuses PREV with any offset but 0 (its documentation lists
       * physical offsets as unsupported); LAST(x, n) is the logical offset it offers */
      if (off && !strcasecmp(f, "PREV"))
        return sql_binder_fail(b, n, "Flink does not support physical offsets within partition. (PREV with an offset "
                                     "other than 0; LAST(var.col, n) reads the n-th last row of a variable)");
      int var, col;
      if (!nav_ref(x, n->kids[0], &var, &col, f)) return NULL;
      mr_term t = {.kind = !strcasecmp(f, "FIRST") ? MR_FIRST : !strcasecmp(f, "LAST") ? MR_LAST : MR_PREV,
                   .var = var, .col = col, .off = off, .type = x->in->cols[col].type};
      t.type.not_null = false;
      return term_ref(x, n, add_term(x, n, t));
    }
    if (!strcasecmp(f, "NEXT")) return sql_binder_fail(b, n, "not supported: NEXT in MATCH_RECOGNIZE (Flink navigates backwards only: PREV, FIRST, LAST)");
    if (!strcasecmp(f, "CLASSIFIER") || !strcasecmp(f, "MATCH_NUMBER")) return sql_binder_fail(b, n, "not supported: %s in MATCH_RECOGNIZE", f);
    if (!strcasecmp(f, "MATCH_ROWTIME") || !strcasecmp(f, "MATCH_PROCTIME")) {
      bool rt = !strcasecmp(f, "MATCH_ROWTIME");
      if (n->nkids) return sql_binder_fail(b, n, "%s takes no arguments", f);
      if (rt && x->m->proctime) return sql_binder_fail(b, n, "MATCH_ROWTIME() needs a MATCH_RECOGNIZE ordered by a rowtime attribute");
      mr_term t = {.kind = rt ? MR_ROWTIME : MR_PROCTIME, .var = -1, .col = -1,
                   .type = {.id = STROM_TIMESTAMP, .p = 3, .not_null = true,
                            .ltz = rt ? x->in->cols[x->m->time_col].type.ltz : true}};
      return term_ref(x, n, add_term(x, n, t));
    }
    if (is_agg_name(f) && !(n->nkids && n->kids[n->nkids - 1]->kind == SQL_OVER)) return term_ref(x, n, agg_term(x, n));
  }
  sql_node *copy = NULL;
  for (int i = 0; i < n->nkids; i++) {
    if (n->kind == SQL_CAST && i == 1) break; /* the type */
    sql_node *k = rewrite(x, n->kids[i]);
    if (!k) return NULL;
    if (k != n->kids[i] && !sql_node_set_kid(x->a, n, &copy, i, k)) return oom(b);
  }
  return copy ? copy : (sql_node *)n;
}

static bool bind_cond(mctx *x, const sql_node *n, mr_cond *c) {
  x->nused = 0;
  sql_node *r = rewrite(x, n);
  if (!r || !(c->e = sql_binder_expr(x->b, x->cols, x->m->nterms, r, false))) return false;
  c->n = x->nused;
  if (!(c->terms = sql_arena_alloc(x->a, sizeof(int) * (size_t)(x->nused ? x->nused : 1)))) return oom(x->b), false;
  memcpy(c->terms, x->used, sizeof(int) * (size_t)x->nused);
  return true;
}

static const sql_node *clause(const sql_node *n, const char *text) {
  for (int i = 1; i < n->nkids; i++)
    if (n->kids[i]->kind == SQL_MR_CLAUSE && !strncmp(n->kids[i]->text, text, strlen(text))) return n->kids[i];
  return NULL;
}

static bool bind_pattern(mctx *x, const sql_node *pat) {
  sql_match *m = x->m;
  binder *b = x->b;
  if (!(m->elems = sql_arena_alloc(x->a, sizeof *m->elems * (size_t)pat->nkids)) ||
      !(m->vars = sql_arena_alloc(x->a, sizeof *m->vars * (size_t)pat->nkids)))
    return oom(b), false;
  strom_buf t = {0};
  strom__buf_printf(&t, "(");
  for (int i = 0; i < pat->nkids; i++) {
    const sql_node *k = pat->kids[i], *id = k->kind == SQL_MR_QUANT ? k->kids[0] : k;
    mr_elem *e = &m->elems[m->nelems++];
    if (var_of(m, id->text) >= 0)
      return strom__buf_free(&t), sql_binder_fail(b, id, "not supported: pattern variable %s appears twice in PATTERN", id->text), false;
    if (m->nvars >= 90) return strom__buf_free(&t), sql_binder_fail(b, id, "not supported: more than 90 pattern variables"), false;
    m->vars[m->nvars] = id->text;
    *e = (mr_elem){.var = m->nvars++, .min = 1, .max = 1, .greedy = true};
    strom__buf_printf(&t, "%s%s%s", i ? " " : "", id->text, k->kind == SQL_MR_QUANT ? k->text : "");
    if (k->kind != SQL_MR_QUANT) continue;
    e->min = k->p, e->max = k->s;
    /* Flink's translation: ? is a plain optional (both ways tried), never greedy; ?? is refused */
    e->greedy = k->text[strlen(k->text) - 1] != '?' && !(e->min == 0 && e->max == 1);
    if (e->min == 0 && e->max == 1 && strcmp(k->text, "?") && strcmp(k->text, "{0,1}"))
      return strom__buf_free(&t), sql_binder_fail(b, k, "not supported: a reluctant optional variable (%s%s); Flink's CEP has none", id->text, k->text), false;
    if (i == pat->nkids - 1 && e->greedy && e->min != e->max)
      return strom__buf_free(&t),
             sql_binder_fail(b, k, "Greedy quantifiers are not allowed as the last element of a Pattern yet. Finish your "
                                   "pattern with either a simple variable or reluctant quantifier."), false;
  }
  strom__buf_printf(&t, ")");
  m->pattern_text = t.p ? sql_arena_strndup(x->a, t.p, t.len) : NULL;
  strom__buf_free(&t);
  return m->pattern_text ? true : (oom(b), false);
}

sql_plan *sql_match_bind(binder *b, const sql_node *n) {
  sql_arena *a = sql_binder_arena(b);
  sql_plan *in = sql_binder_from(b, n->kids[0]);
  if (!in) return NULL;
  if (in->changelog)
    return sql_binder_fail(b, n, "MATCH_RECOGNIZE needs an append-only input; its input produces updates (Flink: Match Recognize "
                                 "doesn't support consuming update changes)");
  sql_match *m = sql_arena_alloc(a, sizeof *m);
  mctx x = {.b = b, .a = a, .m = m, .in = in};
  if (!m || !(m->terms = sql_arena_alloc(a, sizeof *m->terms * MR_MAX_TERMS)) ||
      !(x.cols = sql_arena_alloc(a, sizeof *x.cols * MR_MAX_TERMS)) || !(x.used = sql_arena_alloc(a, sizeof(int) * MR_MAX_TERMS)))
    return oom(b);
  const sql_node *part = NULL, *order = NULL;
  for (int i = 1; i < n->nkids; i++) {
    if (n->kids[i]->kind == SQL_PARTITION_BY) part = n->kids[i];
    if (n->kids[i]->kind == SQL_ORDER_BY) order = n->kids[i];
  }
  if (part) {
    m->npart = part->nkids;
    if (!(m->part = sql_arena_alloc(a, sizeof *m->part * (size_t)m->npart))) return oom(b);
    for (int i = 0; i < m->npart; i++) {
      if (!(m->part[i] = sql_binder_expr(b, in->cols, in->ncols, part->kids[i], false))) return NULL;
      if (m->part[i]->op != SQL_E_COL) return sql_binder_fail(b, part->kids[i], "PARTITION BY in MATCH_RECOGNIZE takes columns of its input");
    }
  }
  /* ORDER BY: a time attribute first, ascending (Flink sorts by it), then further keys */
  const sql_node *o0 = order ? order->kids[0] : n;
  const sql_node *t0 = o0->kind == SQL_SORT ? o0->kids[0] : o0;
  sql_expr *te = order ? sql_binder_expr(b, in->cols, in->ncols, t0, false) : NULL;
  if (order && !te) return NULL;
  if (!te || te->op != SQL_E_COL || !(in->cols[te->col].rowtime || in->cols[te->col].proctime) ||
      (o0->kind == SQL_SORT && (o0->flags & SQL_F(DESC))))
    return sql_binder_fail(b, o0, "MATCH_RECOGNIZE must be ordered first by a time attribute ascending (a rowtime column with a "
                                  "watermark, or a PROCTIME() column)");
  m->time_col = te->col, m->proctime = in->cols[te->col].proctime;
  m->norder = order->nkids - 1;
  if (!(m->order = sql_arena_alloc(a, sizeof *m->order * (size_t)(m->norder + 1))) ||
      !(m->desc = sql_arena_alloc(a, sizeof *m->desc * (size_t)(m->norder + 1))))
    return oom(b);
  for (int i = 0; i < m->norder; i++) {
    const sql_node *k = order->kids[i + 1];
    m->desc[i] = k->kind == SQL_SORT && (k->flags & SQL_F(DESC));
    if (!(m->order[i] = sql_binder_expr(b, in->cols, in->ncols, k->kind == SQL_SORT ? k->kids[0] : k, false))) return NULL;
  }
  if (!bind_pattern(&x, clause(n, "pattern"))) return NULL;
  const sql_node *skip = clause(n, "skip-");
  m->skip = MR_SKIP_NEXT_ROW, m->skip_var = -1; /* Calcite's default: SKIP TO NEXT ROW */
  if (skip && !strcmp(skip->text, "skip-past-last-row")) m->skip = MR_SKIP_PAST_LAST;
  else if (skip && skip->nkids) {
    m->skip = !strcmp(skip->text, "skip-to-first") ? MR_SKIP_TO_FIRST : MR_SKIP_TO_LAST;
    if ((m->skip_var = var_of(m, skip->kids[0]->text)) < 0)
      return sql_binder_fail(b, skip->kids[0], "AFTER MATCH SKIP TO %s: %s is not a pattern variable of PATTERN", 
                             m->skip == MR_SKIP_TO_FIRST ? "FIRST" : "LAST", skip->kids[0]->text);
  }
  const sql_node *within = clause(n, "within");
  if (within) {
    char m2[256];
    const char *u = within->kids[0]->text;
    if (u && (strstr(u, "YEAR") || strstr(u, "MONTH")))
      return sql_binder_fail(b, within, "not supported: WITHIN a YEAR / MONTH interval (Flink takes day-time intervals only)");
    if (!sql_interval_ms(within->kids[0], &m->within, m2, sizeof m2)) return sql_binder_fail(b, within, "%s", m2);
    if (m->within <= 0) return sql_binder_fail(b, within, "WITHIN needs a positive interval");
  }
  const sql_node *def = clause(n, "define");
  if (!(m->define = sql_arena_alloc(a, sizeof *m->define * (size_t)m->nvars)) ||
      !(m->define_ast = sql_arena_alloc(a, sizeof *m->define_ast * (size_t)m->nvars)))
    return oom(b);
  for (int i = 0; i < def->nkids; i++) {
    const sql_node *d = def->kids[i];
    int v = var_of(m, d->kids[1]->text);
    if (v < 0) return sql_binder_fail(b, d->kids[1], "DEFINE names %s, which is not a pattern variable of PATTERN", d->kids[1]->text);
    if (m->define[v]) return sql_binder_fail(b, d->kids[1], "%s is defined twice in DEFINE", d->kids[1]->text);
    if (!(m->define[v] = sql_arena_alloc(a, sizeof *m->define[v]))) return oom(b);
    m->define_ast[v] = d->kids[0];
    if (!bind_cond(&x, d->kids[0], m->define[v])) return NULL;
    if (m->define[v]->e->type.id != STROM_BOOLEAN && m->define[v]->e->type.id)
      return sql_binder_fail(b, d->kids[1], "DEFINE %s needs a BOOLEAN condition", d->kids[1]->text);
  }
  const sql_node *meas = clause(n, "measures");
  m->nmeasures = meas ? meas->nkids : 0;
  sql_plan *p = sql_arena_alloc(a, sizeof *p);
  if (!p || !(p->cols = sql_arena_alloc(a, sizeof(sql_col) * (size_t)(m->npart + m->nmeasures + 1))) ||
      !(m->measures = sql_arena_alloc(a, sizeof *m->measures * (size_t)(m->nmeasures + 1))) ||
      !(m->names = sql_arena_alloc(a, sizeof *m->names * (size_t)(m->nmeasures + 1))) ||
      !(m->measure_ast = sql_arena_alloc(a, sizeof *m->measure_ast * (size_t)(m->nmeasures + 1))))
    return oom(b);
  p->kind = SQL_P_MATCH, p->in = in, p->time_col = -1, p->match = m;
  for (int i = 0; i < m->npart; i++) p->cols[p->ncols++] = (sql_col){.name = in->cols[m->part[i]->col].name, .type = in->cols[m->part[i]->col].type};
  for (int i = 0; i < m->nmeasures; i++) {
    const sql_node *ms = meas->kids[i];
    if (!bind_cond(&x, ms->kids[0], &m->measures[i])) return NULL;
    m->names[i] = ms->kids[1]->text, m->measure_ast[i] = ms->kids[0];
    for (int k = 0; k < p->ncols; k++)
      if (!strcmp(p->cols[k].name, m->names[i])) return sql_binder_fail(b, ms->kids[1], "the MATCH_RECOGNIZE output has two columns named %s", m->names[i]);
    sql_col *c = &p->cols[p->ncols++];
    const sql_expr *e = m->measures[i].e;
    *c = (sql_col){.name = m->names[i], .type = e->type.id ? e->type : (sql_type){.id = STROM_INT}};
    /* a bare MATCH_ROWTIME() / MATCH_PROCTIME() keeps its time attribute */
    if (e->op == SQL_E_COL && m->terms[e->col].kind == MR_ROWTIME) c->rowtime = true;
    if (e->op == SQL_E_COL && m->terms[e->col].kind == MR_PROCTIME) c->proctime = true;
  }
  return p;
}
