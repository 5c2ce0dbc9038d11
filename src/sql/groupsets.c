/*
 * groupsets.c -- GROUP BY ... GROUPING SETS / ROLLUP / CUBE, as Flink plans them: an
 * Expand node repeats each input row once per grouping set, with the keys the set does
 * not hold set to NULL and a `$e` column numbering the set, and the aggregation groups by
 * all the keys plus `$e`.  One aggregation then serves every set, so a non-windowed GROUP
 * BY stays a changelog (an input's -U/-D rows are expanded like the others and retract
 * from each set's group), and a window TVF aggregation emits each window's final rows
 * per set.  GROUPING(k, ...) / GROUPING_ID and GROUP_ID() are functions of `$e`:
 * constants per set, bound as a CASE over it.
 *
 * The binder hooks (binder.c): sql_gsets_flatten turns the GROUP BY items into distinct
 * plain keys and each set into a bit mask over them; sql_gsets_keys adds the `$e` key and
 * makes the keys some set leaves out nullable before the select list binds against them;
 * sql_gsets_expand puts the Expand (over a Calc of the input's columns and the key
 * values) under the aggregation and re-points its keys at the Expand's columns.  The
 * grammar is groupsets_grammar.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql_int.h"

#define GS_MAX_KEYS 64
#define GS_MAX_SETS 4096
#define GS_MAX_CUBE 12

static void *gs_fail(char *err, size_t errlen, const sql_node *n, const char *fmt, const char *what) {
  if (err[0]) return NULL;
  int k = n ? snprintf(err, errlen, "line %d, column %d: ", n->line, n->col) : 0;
  if (k < 0 || (size_t)k >= errlen) k = 0;
  snprintf(err + k, errlen - (size_t)k, fmt, what);
  return NULL;
}

bool sql_gsets_is_item(const sql_node *n) {
  return n->kind == SQL_CALL && n->text &&
         (!strcmp(n->text, "GROUPING SETS") || !strcmp(n->text, "ROLLUP()") || !strcmp(n->text, "CUBE()"));
}

/* ---- flattening ---- */

typedef struct flat {
  sql_arena *a;
  const sql_node **keys;
  char **texts;
  int n;
  char *err;
  size_t errlen;
} flat;

/* The index of key expression e among the distinct keys (added when new), -1 on error. */
static int key_index(flat *f, const sql_node *e) {
  if (sql_gsets_is_item(e)) return gs_fail(f->err, f->errlen, e, "not supported: %s nested in ROLLUP or CUBE", e->text), -1;
  strom_buf t = {0};
  sql_print(e, &t);
  char *s = sql_arena_strndup(f->a, t.p ? t.p : "", t.len);
  strom__buf_free(&t);
  if (!s) return gs_fail(f->err, f->errlen, NULL, "%s", "out of memory"), -1;
  for (int i = 0; i < f->n; i++)
    if (!strcmp(f->texts[i], s)) return i;
  if (f->n == GS_MAX_KEYS)
    return gs_fail(f->err, f->errlen, e, "not supported: more than %s distinct GROUP BY expressions with GROUPING SETS", "64"), -1;
  f->keys[f->n] = e, f->texts[f->n] = s;
  return f->n++;
}

/* A list of sets (masks over the distinct keys). */
typedef struct setlist {
  uint64_t *m;
  int n;
} setlist;

static bool push(flat *f, setlist *l, uint64_t m, const sql_node *at) {
  if (l->n == GS_MAX_SETS) return gs_fail(f->err, f->errlen, at, "not supported: more than %s grouping sets", "4096"), false;
  if (!(l->n % 16)) {
    uint64_t *g = sql_arena_alloc(f->a, sizeof *g * (size_t)(l->n + 16));
    if (!g) return gs_fail(f->err, f->errlen, NULL, "%s", "out of memory"), false;
    if (l->n) memcpy(g, l->m, sizeof *g * (size_t)l->n);
    l->m = g;
  }
  l->m[l->n++] = m;
  return true;
}

static bool row_mask(flat *f, const sql_node *row, uint64_t *m) {
  *m = 0;
  for (int i = 0; i < row->nkids; i++) {
    int k = key_index(f, row->kids[i]);
    if (k < 0) return false;
    *m |= (uint64_t)1 << k;
  }
  return true;
}

/* The sets of one GROUP BY item, in Calcite's order: a plain expression is one set;
 * ROLLUP(e1, ..., en) is (e1..en), (e1..en-1), ..., (); CUBE every subset, largest
 * first; GROUPING SETS the sets of each element in turn. */
static bool item_sets(flat *f, const sql_node *it, setlist *out) {
  uint64_t m;
  if (!sql_gsets_is_item(it)) return row_mask(f, &(sql_node){.kind = SQL_ROW, .nkids = 1, .kids = (sql_node **)&it}, &m) && push(f, out, m, it);
  if (it->text[0] == 'G') {
    for (int i = 0; i < it->nkids; i++) {
      const sql_node *k = it->kids[i];
      if (sql_gsets_is_item(k)) {
        if (!item_sets(f, k, out)) return false;
      } else if (!row_mask(f, k, &m) || !push(f, out, m, k)) return false;
    }
    return true;
  }
  int n = it->nkids;
  uint64_t *el = sql_arena_alloc(f->a, sizeof *el * (size_t)n);
  if (!el) return gs_fail(f->err, f->errlen, NULL, "%s", "out of memory"), false;
  for (int i = 0; i < n; i++)
    if (!row_mask(f, it->kids[i], &el[i])) return false;
  if (it->text[0] == 'R') {
    for (int len = n; len >= 0; len--) {
      m = 0;
      for (int i = 0; i < len; i++) m |= el[i];
      if (!push(f, out, m, it)) return false;
    }
    return true;
  }
  if (n > GS_MAX_CUBE) return gs_fail(f->err, f->errlen, it, "not supported: CUBE of more than %s elements", "12"), false;
  for (int bits = (1 << n) - 1; bits >= 0; bits--) {
    m = 0;
    for (int i = 0; i < n; i++)
      if (bits & (1 << (n - 1 - i))) m |= el[i];
    if (!push(f, out, m, it)) return false;
  }
  return true;
}

int sql_gsets_flatten(sql_arena *a, const sql_node *group, const sql_node **flat_out, sql_gsets **gs, char *err, size_t errlen) {
  *gs = NULL;
  bool any = false;
  for (int i = 0; i < group->nkids; i++) any |= sql_gsets_is_item(group->kids[i]);
  if (!any) return 1;
  flat f = {.a = a, .err = err, .errlen = errlen};
  f.keys = sql_arena_alloc(a, sizeof *f.keys * GS_MAX_KEYS);
  f.texts = sql_arena_alloc(a, sizeof *f.texts * GS_MAX_KEYS);
  setlist acc = {0};
  if (!f.keys || !f.texts) return gs_fail(err, errlen, NULL, "%s", "out of memory"), 0;
  if (!push(&f, &acc, 0, group)) return 0;
  /* GROUP BY x, y: the cross product of x's sets and y's */
  for (int i = 0; i < group->nkids; i++) {
    setlist s = {0}, next = {0};
    if (!item_sets(&f, group->kids[i], &s)) return 0;
    for (int j = 0; j < acc.n; j++)
      for (int k = 0; k < s.n; k++)
        if (!push(&f, &next, acc.m[j] | s.m[k], group->kids[i])) return 0;
    acc = next;
  }
  sql_gsets *g = sql_arena_alloc(a, sizeof *g);
  sql_node *fl = sql_node_new(a, SQL_GROUP_BY, group, NULL, f.n);
  if (!g || !fl || !(g->gid = sql_arena_alloc(a, sizeof *g->gid * (size_t)acc.n)) ||
      !(g->key_of = sql_arena_alloc(a, sizeof *g->key_of * (size_t)(f.n ? f.n : 1))))
    return gs_fail(err, errlen, NULL, "%s", "out of memory"), 0;
  for (int i = 0; i < f.n; i++) fl->kids[i] = (sql_node *)f.keys[i], g->key_of[i] = -1;
  g->nflat = f.n, g->nsets = acc.n, g->sets = acc.m, g->e_key = -1;
  /* GROUP_ID(): how many equal sets came before (Calcite's) */
  for (int i = 0; i < acc.n; i++)
    for (int j = 0; j < i; j++) g->gid[i] += acc.m[j] == acc.m[i];
  *flat_out = fl;
  *gs = g;
  return 1;
}

/* ---- binding ---- */

static sql_expr *lit_bigint(sql_arena *a, int64_t v) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  if (!e) return NULL;
  e->op = SQL_E_LIT, e->col = -1;
  e->type = (sql_type){.id = STROM_BIGINT, .not_null = true};
  e->lit.i = v;
  return e;
}

static sql_expr *col_bigint(sql_arena *a, int col) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  if (!e) return NULL;
  e->op = SQL_E_COL, e->col = col;
  e->type = (sql_type){.id = STROM_BIGINT, .not_null = true};
  return e;
}

int sql_gsets_keys(sql_arena *a, sql_gsets *gs, sql_expr **keys, const sql_node **key_nodes, int *nkeys, const sql_node *group,
                   char *err, size_t errlen) {
  uint64_t all = ~(uint64_t)0;
  for (int s = 0; s < gs->nsets; s++) all &= gs->sets[s];
  for (int i = 0; i < gs->nflat; i++) {
    bool every = (all >> i) & 1;
    if (gs->key_of[i] < 0 && !every) /* a window's bounds: the window, not a key to leave out */
      return gs_fail(err, errlen, group->kids[i], "not supported: %s in some grouping sets but not all", "a window column"), 0;
    if (gs->key_of[i] >= 0 && !every) keys[gs->key_of[i]]->type.not_null = false;
  }
  sql_node *e = sql_node_new(a, SQL_KEYWORD, group, "$e", 0);
  if (!e || !(keys[*nkeys] = lit_bigint(a, 0))) return gs_fail(err, errlen, NULL, "%s", "out of memory"), 0;
  key_nodes[*nkeys] = e;
  gs->e_key = (*nkeys)++;
  return 1;
}

bool sql_gsets_is_fn(const char *name) {
  return !strcasecmp(name, "GROUPING") || !strcasecmp(name, "GROUPING_ID") || !strcasecmp(name, "GROUP_ID");
}

sql_expr *sql_gsets_call(sql_arena *a, const sql_gsets *gs, const sql_node *call, const int *key, int n, char *err, size_t errlen) {
  bool gid = !strcasecmp(call->text, "GROUP_ID");
  if (gid && n) return gs_fail(err, errlen, call, "%s takes no arguments", "GROUP_ID");
  if (!gid && !n) return gs_fail(err, errlen, call, "%s needs at least one GROUP BY expression", call->text);
  if (n > 63) return gs_fail(err, errlen, call, "%s takes at most 63 arguments", call->text);
  if (call->flags) return gs_fail(err, errlen, call, "not supported: %s with DISTINCT", call->text);
  int nsets = gs ? gs->nsets : 1;
  int64_t *v = sql_arena_alloc(a, sizeof *v * (size_t)nsets);
  if (!v) return gs_fail(err, errlen, NULL, "%s", "out of memory");
  for (int s = 0; s < nsets; s++) {
    if (gid) {
      v[s] = gs ? gs->gid[s] : 0;
      continue;
    }
    for (int j = 0; j < n; j++) { /* bit set: the argument is left out of this set (Flink's GROUPING) */
      bool absent = false;
      for (int i = 0; gs && i < gs->nflat; i++)
        if (gs->key_of[i] == key[j]) absent = !((gs->sets[s] >> i) & 1);
      v[s] |= (int64_t)absent << (n - 1 - j);
    }
  }
  bool same = true;
  for (int s = 1; s < nsets; s++) same &= v[s] == v[0];
  if (same) return lit_bigint(a, v[0]);
  /* CASE WHEN $e = 0 THEN v0 WHEN $e = 1 THEN v1 ... ELSE vlast */
  sql_expr *c = sql_arena_alloc(a, sizeof *c);
  if (!c || !(c->a = sql_arena_alloc(a, sizeof *c->a * (size_t)(2 * nsets - 1)))) return gs_fail(err, errlen, NULL, "%s", "out of memory");
  c->op = SQL_E_CASE, c->col = -1, c->n = 2 * nsets - 1;
  c->type = (sql_type){.id = STROM_BIGINT, .not_null = true};
  for (int s = 0; s < nsets; s++) {
    if (s == nsets - 1) {
      if (!(c->a[2 * s] = lit_bigint(a, v[s]))) return NULL;
      break;
    }
    sql_expr *eq = sql_arena_alloc(a, sizeof *eq);
    if (!eq || !(eq->a = sql_arena_alloc(a, sizeof *eq->a * 2))) return gs_fail(err, errlen, NULL, "%s", "out of memory");
    eq->op = SQL_E_EQ, eq->col = -1, eq->n = 2;
    eq->type = (sql_type){.id = STROM_BOOLEAN, .not_null = true};
    if (!(eq->a[0] = col_bigint(a, gs->e_key)) || !(eq->a[1] = lit_bigint(a, s)) || !(c->a[2 * s + 1] = lit_bigint(a, v[s])))
      return gs_fail(err, errlen, NULL, "%s", "out of memory");
    c->a[2 * s] = eq;
  }
  return c;
}

/* ---- planning ---- */

sql_plan *sql_gsets_expand(sql_arena *a, sql_plan *src, sql_gsets *gs, sql_plan *agg, char *err, size_t errlen) {
  int nin = src->ncols, nk = agg->nkeys - 1; /* the keys but $e */
  sql_plan *calc = sql_arena_alloc(a, sizeof *calc), *ex = sql_arena_alloc(a, sizeof *ex);
  sql_expr **keys = sql_arena_alloc(a, sizeof *keys * (size_t)agg->nkeys);
  if (!calc || !ex || !keys || !(calc->cols = sql_arena_alloc(a, sizeof(sql_col) * (size_t)(nin + nk))) ||
      !(calc->exprs = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)(nin + nk))) ||
      !(ex->cols = sql_arena_alloc(a, sizeof(sql_col) * (size_t)(nin + nk + 1))) ||
      !(gs->null_keys = sql_arena_alloc(a, sizeof *gs->null_keys * (size_t)gs->nsets)))
    return gs_fail(err, errlen, NULL, "%s", "out of memory");
  /* the Calc: the input's columns, then each key's value */
  calc->kind = SQL_P_CALC, calc->in = src, calc->ncols = nin + nk, calc->changelog = src->changelog, calc->time_col = src->time_col;
  for (int i = 0; i < nin; i++) {
    calc->cols[i] = src->cols[i];
    sql_expr *c = sql_arena_alloc(a, sizeof *c);
    if (!c) return gs_fail(err, errlen, NULL, "%s", "out of memory");
    c->op = SQL_E_COL, c->col = i, c->type = src->cols[i].type;
    calc->exprs[i] = c;
  }
  for (int k = 0; k < nk; k++) {
    calc->exprs[nin + k] = agg->keys[k];
    calc->cols[nin + k] = (sql_col){.name = agg->cols[k].name, .type = agg->keys[k]->type};
  }
  /* the Expand: the Calc's columns, then $e */
  *ex = (sql_plan){.kind = SQL_P_EXPAND, .in = calc, .ncols = nin + nk + 1, .cols = ex->cols, .changelog = src->changelog,
                   .time_col = src->time_col, .gsets = gs};
  memcpy(ex->cols, calc->cols, sizeof(sql_col) * (size_t)(nin + nk));
  ex->cols[nin + nk] = (sql_col){.name = "$e", .type = {.id = STROM_BIGINT, .not_null = true}};
  gs->first_key = nin, gs->nkeys = nk;
  for (int s = 0; s < gs->nsets; s++) {
    gs->null_keys[s] = 0;
    for (int i = 0; i < gs->nflat; i++)
      if (gs->key_of[i] >= 0 && !((gs->sets[s] >> i) & 1)) gs->null_keys[s] |= (uint64_t)1 << gs->key_of[i];
  }
  for (int k = 0; k < nk; k++) {
    sql_expr *c = sql_arena_alloc(a, sizeof *c);
    if (!c) return gs_fail(err, errlen, NULL, "%s", "out of memory");
    c->op = SQL_E_COL, c->col = nin + k, c->type = agg->keys[k]->type;
    keys[k] = c;
  }
  if (!(keys[nk] = col_bigint(a, nin + nk))) return gs_fail(err, errlen, NULL, "%s", "out of memory");
  agg->keys = keys;
  agg->cols[gs->e_key].name = "$e";
  return ex;
}

static int expand_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const sql_gsets *gs = strom_ctx_data(ctx);
  int n = in->ncols;
  for (int s = 0; s < gs->nsets; s++) {
    strom_row *o = strom_out_row(out);
    /* strings are referenced: the input row outlives these emits */
    memcpy(o->nulls, in->nulls, (size_t)n);
    memcpy(o->v, in->v, sizeof *o->v * (size_t)n);
    for (int k = 0; k < gs->nkeys; k++)
      if ((gs->null_keys[s] >> k) & 1) o->nulls[gs->first_key + k] = 1;
    o->nulls[n] = 0;
    o->v[n].i = s;
    strom_row_set_kind(o, strom_row_get_kind(in));
    int rc = strom_out_emit(out, o);
    if (rc) return rc;
  }
  return STROM_OK;
}

strom_stream *sql_gsets_stream(const sql_plan *p, strom_stream *in, const strom_schema *out) {
  if (!in || !out) return NULL;
  strom_process_def d = {.process = expand_process, .data = p->gsets, .out_schema = out};
  return strom_set_name(strom_process(in, &d), "Expand");
}

void sql_gsets_explain(strom_buf *o, const sql_plan *p) {
  const sql_gsets *gs = p->gsets;
  strom__buf_printf(o, "Expand(projects=[");
  for (int s = 0; s < gs->nsets; s++) {
    strom__buf_printf(o, "%s{", s ? ", " : "");
    bool first = true;
    for (int i = 0; i < gs->nflat; i++)
      if (gs->key_of[i] >= 0 && !((gs->null_keys[s] >> gs->key_of[i]) & 1)) {
        strom__buf_printf(o, "%s%s", first ? "" : ", ", p->cols[gs->first_key + gs->key_of[i]].name);
        first = false;
      }
    strom__buf_printf(o, "}");
  }
  strom__buf_printf(o, "], $e=[0..%d])%s\n", gs->nsets - 1, p->changelog ? " [changelog]" : "");
}
