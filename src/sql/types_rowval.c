/*
 * types_rowval.c -- a ROW as one value.  Rows stay flat (types_row.c): a ROW value is
 * a group of consecutive columns whose names are its fields' paths ("person.id",
 * "r.EXPR$0", "r.addr.city"), so the row codec, the operators and the fast `person.id`
 * access are those of scalar columns.  Here:
 *
 *  - a ROW-valued select item or GROUP BY key (a ROW column `person`, `t.person`, the
 *    constructors `ROW(a, b)` / `(a, b)`, `CAST(... AS ROW<x INT, y STRING>)`, a field
 *    of one of those that is itself a ROW) is rewritten, on the syntax tree, into its
 *    scalar leaves and their paths: the binder then binds, groups and projects the
 *    leaves as any other expressions (aggregate queries match them by their text);
 *  - `ROW(a, b).EXPR$1` / `CAST(...).x`: the leaf a field access on a constructed ROW
 *    names; `person = ROW(1, 'a')` / `<>`: the comparisons of the leaves, ANDed / ORed;
 *  - the output side: DESCRIBE's `ROW<`id` BIGINT, `name` STRING>`, the tableau's
 *    `(1, abc)` and the print sink's `+I[1, abc]` (Java's Row.toString), grouping the
 *    columns back by their path prefixes.
 *
 * Fields of a constructor are named EXPR$0, EXPR$1, ... as Calcite names them.  Every
 * ROW level carries a null marker leaf "$" first (types_row.c): TRUE for a constructor,
 * the "person.$" column for a ROW column, NULL for CAST(NULL AS ROW<...>) and a padded
 * outer-join side.  So a whole-NULL ROW is NULL (IS NULL, `<NULL>` in the tableau,
 * `null` in json) while ROW(CAST(NULL AS INT)) is a ROW.  ROW-valued CASE, COALESCE, IF
 * and NULLIF are their leaves' CASEs; =, <>, IS [NOT] DISTINCT FROM and IS [NOT] NULL
 * over ROWs are rewritten into the leaves' (sql_row_compare); <, >, <=, >= are refused,
 * as Flink refuses them (a ROW type is not ordered).
 */
#include <strings.h>

#include "sql_int.h"

typedef struct leaves {
  sql_arena *a;
  const sql_col *cols;
  int ncols;
  const sql_node **n;
  const char **path;
  int len, cap;
  char *err;
  size_t errlen;
} leaves;

static int lfail(leaves *l, const sql_node *at, const char *fmt, const char *arg) {
  int k = at ? snprintf(l->err, l->errlen, "line %d, column %d: ", at->line, at->col) : 0;
  if (k < 0 || (size_t)k >= l->errlen) k = 0;
  snprintf(l->err + k, l->errlen - (size_t)k, fmt, arg);
  return STROM_EINVAL;
}

static sql_node *mk(sql_arena *a, sql_kind k, const sql_node *at, const char *text, int nkids) {
  sql_node *n = sql_arena_alloc(a, sizeof *n);
  if (!n) return NULL;
  n->kind = k;
  n->line = at->line, n->col = at->col;
  n->text = text;
  n->p = n->s = -1;
  if (nkids) {
    n->kids = sql_arena_alloc(a, sizeof *n->kids * (size_t)nkids);
    if (!n->kids) return NULL;
    n->cap = nkids;
  }
  return n;
}

static int push(leaves *l, const sql_node *n, const char *prefix, const char *path) {
  if (l->len == l->cap) {
    int cap = l->cap ? l->cap * 2 : 8;
    const sql_node **nn = sql_arena_alloc(l->a, sizeof *nn * (size_t)cap);
    const char **pp = sql_arena_alloc(l->a, sizeof *pp * (size_t)cap);
    if (!nn || !pp) return STROM_ENOMEM;
    if (l->len) memcpy(nn, l->n, sizeof *nn * (size_t)l->len), memcpy(pp, l->path, sizeof *pp * (size_t)l->len);
    l->n = nn, l->path = pp, l->cap = cap;
  }
  size_t len = strlen(prefix) + strlen(path) + 2;
  char *s = sql_arena_alloc(l->a, len);
  if (!s) return STROM_ENOMEM;
  snprintf(s, len, "%s%s%s", prefix, *prefix && *path ? "." : "", path);
  l->n[l->len] = n;
  l->path[l->len++] = s;
  return STROM_OK;
}

/* The parts of a name chain FIELD(...FIELD(ID a, b)..., z) / NAME(a, b), 0 if n is not one. */
static int name_parts(const sql_node *n, const char **parts, int max) {
  if (n->kind == SQL_NAME) {
    if (n->nkids > max) return 0;
    for (int i = 0; i < n->nkids; i++) parts[i] = n->kids[i]->text;
    return n->nkids;
  }
  return sql_field_path(n, parts, max);
}

static int expand(leaves *l, const sql_node *n, const char *prefix);

/* A ROW column (person, t.person, t.person.addr) as the columns its path prefixes; 2 when
 * n names a scalar column (nothing more to try), 0 when it names nothing. */
static int expand_name(leaves *l, const sql_node *n, const char *prefix) {
  const char *parts[16];
  int k = name_parts(n, parts, 16);
  if (!k) return 0;
  for (int q = k >= 2; q >= 0; q--) {
    char pre[512];
    size_t len = 0;
    pre[0] = 0;
    for (int i = q; i < k && len < sizeof pre; i++)
      len += (size_t)snprintf(pre + len, sizeof pre - len, "%s%s", i > q ? "." : "", parts[i]);
    if (len >= sizeof pre) return 0;
    const char *qual = q ? parts[0] : NULL;
    int found = 0;
    for (int i = 0; i < l->ncols; i++) {
      const sql_col *c = &l->cols[i];
      if (qual ? !c->qual || strcmp(c->qual, qual) : c->hidden) continue;
      if (!strcmp(c->name, pre)) return 2; /* a scalar column of that name */
      found += !strncmp(c->name, pre, len) && c->name[len] == '.';
    }
    if (!found) continue;
    for (int i = 0; i < l->ncols; i++) {
      const sql_col *c = &l->cols[i];
      if (qual ? !c->qual || strcmp(c->qual, qual) : c->hidden) continue;
      if (strncmp(c->name, pre, len) || c->name[len] != '.') continue;
      /* the leaf: n followed by a FIELD per remaining part of the column's path */
      const sql_node *leaf = n;
      for (const char *s = c->name + len + 1; *s;) {
        const char *dot = strchr(s, '.');
        size_t sl = dot ? (size_t)(dot - s) : strlen(s);
        sql_node *f = mk(l->a, SQL_FIELD, n, sql_arena_strndup(l->a, s, sl), 1);
        if (!f || !f->text) return STROM_ENOMEM;
        f->kids[0] = (sql_node *)leaf;
        f->nkids = 1;
        leaf = f;
        s += sl + (dot != NULL);
      }
      int rc = push(l, leaf, prefix, c->name + len + 1);
      if (rc) return rc;
    }
    return 1;
  }
  return 0;
}

/* The leaves [lo, hi) of s, whose paths from off on are one level of a ROW, cast to the
 * fields of the ROW type node t. */
static int cast_fields(leaves *l, const leaves *s, int lo, int hi, size_t off, const sql_node *t, const char *prefix,
                       const sql_node *at) {
  if (lo < hi && !strcmp(s->path[lo] + off, "$")) { /* the marker: a NULL ROW casts to NULL */
    int rc = push(l, s->n[lo], prefix, "$");
    if (rc) return rc;
    lo++;
  }
  int nf = 0;
  for (int i = lo; i < hi; nf++) { /* count the groups of this level */
    const char *p = s->path[i] + off, *dot = strchr(p, '.');
    size_t seg = dot ? (size_t)(dot - p) + 1 : strlen(p);
    int j = i + 1;
    while (dot && j < hi && !strncmp(s->path[j] + off, p, seg)) j++;
    i = j;
  }
  if (nf != t->nkids) {
    snprintf(l->err, l->errlen, "line %d, column %d: cannot cast a ROW of %d fields to a ROW of %d fields", at->line,
             at->col, nf, t->nkids);
    return STROM_EINVAL;
  }
  int f = 0;
  for (int i = lo; i < hi; f++) {
    const char *p = s->path[i] + off, *dot = strchr(p, '.');
    size_t seg = dot ? (size_t)(dot - p) + 1 : strlen(p);
    int j = i + 1;
    while (dot && j < hi && !strncmp(s->path[j] + off, p, seg)) j++;
    const sql_node *fld = t->kids[f], *ft = fld->kids[1];
    const char *fname = fld->kids[0]->text;
    bool row = ft->kind == SQL_TYPE && ft->text && !strcmp(ft->text, "ROW");
    if (row != (dot != NULL)) {
      snprintf(l->err, l->errlen, "line %d, column %d: cannot cast %s field %d to %s", at->line, at->col,
               dot ? "a ROW" : "a scalar", f + 1, row ? "a ROW" : "a scalar type");
      return STROM_EINVAL;
    }
    if (row) {
      size_t len = strlen(prefix) + strlen(fname) + 2;
      char *sub = sql_arena_alloc(l->a, len);
      if (!sub) return STROM_ENOMEM;
      snprintf(sub, len, "%s%s%s", prefix, *prefix ? "." : "", fname);
      int rc = cast_fields(l, s, i, j, off + seg, ft, sub, at);
      if (rc) return rc;
    } else {
      sql_node *c = mk(l->a, SQL_CAST, at, NULL, 2);
      if (!c) return STROM_ENOMEM;
      c->kids[0] = (sql_node *)s->n[i];
      c->kids[1] = (sql_node *)ft;
      c->nkids = 2;
      c->flags = at->flags & SQL_F(TRY);
      int rc = push(l, c, prefix, fname);
      if (rc) return rc;
    }
    i = j;
  }
  return 1;
}

static bool is_row_ctor(const sql_node *n) {
  return n->kind == SQL_ROW || (n->kind == SQL_CALL && !strcasecmp(n->text, "ROW"));
}

/* The leaves of field `name` of s: the sub-row's leaves (1), or the scalar leaf in *one (0). */
static int pick_field(leaves *l, const leaves *s, const char *name, const char *prefix, const sql_node **one) {
  size_t n = strlen(name);
  int got = 0;
  *one = NULL;
  for (int i = 0; i < s->len; i++) {
    const char *p = s->path[i];
    if (strncmp(p, name, n)) continue;
    if (!p[n]) *one = s->n[i];
    else if (p[n] == '.') {
      int rc = push(l, s->n[i], prefix, p + n + 1);
      if (rc) return rc;
      got = 1;
    }
  }
  return got;
}

static sql_node *null_lit(sql_arena *a, const sql_node *at) { return mk(a, SQL_KEYWORD, at, "NULL", 0); }

static sql_node *typed_null(sql_arena *a, const sql_node *at, const sql_node *type) {
  sql_node *c = mk(a, SQL_CAST, at, NULL, 2), *nl = null_lit(a, at);
  if (!c || !nl) return NULL;
  c->kids[0] = nl, c->kids[1] = (sql_node *)type, c->nkids = 2;
  return c;
}

/* CAST(NULL AS ROW<...>): a NULL marker and NULL fields of the declared types. */
static int null_row(leaves *l, const sql_node *t, const char *prefix, const sql_node *at) {
  static const sql_node boolean = {.kind = SQL_TYPE, .text = "BOOLEAN", .p = -1, .s = -1};
  sql_node *m = typed_null(l->a, at, &boolean);
  if (!m) return STROM_ENOMEM;
  int rc = push(l, m, prefix, "$");
  for (int i = 0; i < t->nkids && !rc; i++) {
    const sql_node *f = t->kids[i], *ft = f->kids[1];
    size_t len = strlen(prefix) + strlen(f->kids[0]->text) + 2;
    char *sub = sql_arena_alloc(l->a, len);
    if (!sub) return STROM_ENOMEM;
    snprintf(sub, len, "%s%s%s", prefix, *prefix ? "." : "", f->kids[0]->text);
    if (ft->kind == SQL_TYPE && ft->text && !strcmp(ft->text, "ROW")) {
      int r = null_row(l, ft, sub, at);
      if (r < 0) return r;
      continue;
    }
    sql_node *v = typed_null(l->a, at, ft);
    if (!v) return STROM_ENOMEM;
    rc = push(l, v, sub, "");
  }
  return rc ? rc : 1;
}

/* A branch of a ROW-valued CASE / COALESCE / IF / NULLIF: its leaves (1), or a bare NULL
 * (2: a NULL of the other branches' shape), 0 if it is a scalar. */
static int branch(leaves *l, const sql_node *n) {
  if (n->kind == SQL_KEYWORD && !strcmp(n->text, "NULL")) return 2;
  return expand(l, n, "");
}

/* Expands the branches v[0..nv) into b[]; fails unless all ROWs (or NULL) of one shape. 0: none a ROW. */
static int branches(leaves *l, const sql_node *const *v, int nv, leaves *b, const sql_node *at) {
  int shape = -1, rows = 0, scalars = 0;
  for (int i = 0; i < nv; i++) {
    b[i] = (leaves){.a = l->a, .cols = l->cols, .ncols = l->ncols, .err = l->err, .errlen = l->errlen};
    int r = branch(&b[i], v[i]);
    if (r < 0) return r;
    if (r == 2) continue;
    if (!r) {
      scalars++;
      continue;
    }
    rows++;
    if (shape < 0) shape = i;
    else if (b[i].len != b[shape].len) return lfail(l, v[i], "the branches are ROWs of different types%s", "");
  }
  if (!rows) return 0;
  if (scalars) return lfail(l, at, "%s mixes ROW and scalar values", at->kind == SQL_CASE ? "CASE" : at->text);
  for (int i = 0; i < nv; i++) {
    if (b[i].len) continue;
    for (int k = 0; k < b[shape].len; k++) {
      sql_node *nl = null_lit(l->a, v[i]);
      if (!nl) return STROM_ENOMEM;
      int rc = push(&b[i], nl, b[shape].path[k], "");
      if (rc) return rc;
    }
  }
  return shape + 1;
}

static int expand_case(leaves *l, const sql_node *n, const char *prefix) {
  const sql_node *vals[64];
  int nv = 0;
  for (int i = 0; i < n->nkids && nv < 64; i++) {
    const sql_node *k = n->kids[i];
    if (k->kind == SQL_WHEN) vals[nv++] = k->kids[1];
    else if (k->kind == SQL_ELSE) vals[nv++] = k->kids[0];
  }
  leaves b[64];
  int shape = branches(l, vals, nv, b, n);
  if (shape <= 0) return shape;
  bool has_else = n->kids[n->nkids - 1]->kind == SQL_ELSE;
  for (int k = 0; k < b[shape - 1].len; k++) {
    sql_node *c = mk(l->a, SQL_CASE, n, n->text, n->nkids + !has_else);
    if (!c) return STROM_ENOMEM;
    int v = 0;
    for (int i = 0; i < n->nkids; i++) {
      const sql_node *x = n->kids[i];
      if (x->kind != SQL_WHEN && x->kind != SQL_ELSE) {
        c->kids[c->nkids++] = (sql_node *)x; /* the operand */
        continue;
      }
      sql_node *y = mk(l->a, x->kind, x, x->text, x->nkids);
      if (!y) return STROM_ENOMEM;
      if (x->kind == SQL_WHEN) y->kids[y->nkids++] = x->kids[0];
      y->kids[y->nkids++] = (sql_node *)b[v++].n[k];
      c->kids[c->nkids++] = y;
    }
    if (!has_else) { /* no ELSE: a NULL ROW */
      sql_node *y = mk(l->a, SQL_ELSE, n, NULL, 1), *nl = null_lit(l->a, n);
      if (!y || !nl) return STROM_ENOMEM;
      y->kids[y->nkids++] = nl;
      c->kids[c->nkids++] = y;
    }
    int rc = push(l, c, prefix, b[shape - 1].path[k]);
    if (rc) return rc;
  }
  return 1;
}

static sql_node *op2(sql_arena *a, const sql_node *at, const char *op, const sql_node *x, const sql_node *y) {
  sql_node *o = mk(a, SQL_OP, at, op, 2);
  if (!o) return NULL;
  o->kids[0] = (sql_node *)x, o->kids[1] = (sql_node *)y, o->nkids = y ? 2 : 1;
  return o;
}

static sql_node *when(sql_arena *a, const sql_node *at, const sql_node *cond, const sql_node *then) {
  sql_node *w = mk(a, SQL_WHEN, at, NULL, 2);
  if (!w) return NULL;
  w->kids[0] = (sql_node *)cond, w->kids[1] = (sql_node *)then, w->nkids = 2;
  return w;
}

static const sql_node *compare_leaves(sql_arena *a, const leaves *x, const leaves *y, const sql_node *at, const char *op);

/* COALESCE(r1, r2, ...): the first whose marker is not NULL; IF(c, r1, r2); NULLIF(r1, r2). */
static int expand_choice(leaves *l, const sql_node *n, const char *prefix) {
  bool is_if = !strcasecmp(n->text, "IF"), is_nullif = !strcasecmp(n->text, "NULLIF");
  if ((is_if && n->nkids != 3) || (is_nullif && n->nkids != 2) || n->nkids > 64) return 0;
  const sql_node *const *vals = (const sql_node *const *)n->kids + is_if;
  int nv = n->nkids - is_if;
  leaves b[64];
  int shape = branches(l, vals, nv, b, n);
  if (shape <= 0) return shape;
  const sql_node *same = NULL;
  if (is_nullif && !(same = compare_leaves(l->a, &b[0], &b[1], n, "="))) return STROM_ENOMEM;
  for (int k = 0; k < b[shape - 1].len; k++) {
    sql_node *c = mk(l->a, SQL_CASE, n, NULL, nv + 1);
    if (!c) return STROM_ENOMEM;
    if (is_if) c->kids[c->nkids++] = when(l->a, n, n->kids[0], b[0].n[k]);
    else if (is_nullif) c->kids[c->nkids++] = when(l->a, n, same, null_lit(l->a, n));
    else
      for (int i = 0; i + 1 < nv; i++) c->kids[c->nkids++] = when(l->a, n, op2(l->a, n, "is-not-null", b[i].n[0], NULL), b[i].n[k]);
    sql_node *e = mk(l->a, SQL_ELSE, n, NULL, 1);
    if (!e) return STROM_ENOMEM;
    e->kids[e->nkids++] = (sql_node *)b[is_nullif ? 0 : nv - 1].n[k];
    c->kids[c->nkids++] = e;
    for (int i = 0; i < c->nkids; i++)
      if (!c->kids[i] || (c->kids[i]->kind == SQL_WHEN && (!c->kids[i]->kids[0] || !c->kids[i]->kids[1]))) return STROM_ENOMEM;
    int rc = push(l, c, prefix, b[shape - 1].path[k]);
    if (rc) return rc;
  }
  return 1;
}

static int expand(leaves *l, const sql_node *n, const char *prefix) {
  int rc = expand_name(l, n, prefix);
  if (rc == 2) return 0;
  if (rc) return rc;
  if (is_row_ctor(n)) {
    if (!n->nkids) return lfail(l, n, "%s needs at least one field", "ROW");
    sql_node *there = mk(l->a, SQL_KEYWORD, n, "TRUE", 0);
    if (!there) return STROM_ENOMEM;
    int mrc = push(l, there, prefix, "$");
    if (mrc) return mrc;
    for (int i = 0; i < n->nkids; i++) {
      const sql_node *k = n->kids[i];
      if (k->kind == SQL_FILTER || k->kind == SQL_OVER || k->kind == SQL_STAR)
        return lfail(l, k, "%s is not allowed in a ROW constructor", sql_kind_name(k->kind));
      char sub[512];
      snprintf(sub, sizeof sub, "%s%sEXPR$%d", prefix, *prefix ? "." : "", i);
      int r = expand(l, k, sub);
      if (r < 0) return r;
      if (!r && (r = push(l, k, sub, ""))) return r;
    }
    return 1;
  }
  if (n->kind == SQL_CAST && n->kids[1]->kind == SQL_TYPE && n->kids[1]->text && !strcmp(n->kids[1]->text, "ROW")) {
    if (n->kids[0]->kind == SQL_KEYWORD && !strcmp(n->kids[0]->text, "NULL")) return null_row(l, n->kids[1], prefix, n);
    leaves s = {.a = l->a, .cols = l->cols, .ncols = l->ncols, .err = l->err, .errlen = l->errlen};
    int r = expand(&s, n->kids[0], "");
    if (r < 0) return r;
    if (!r) return 0; /* the binder says what cannot be cast */
    return cast_fields(l, &s, 0, s.len, 0, n->kids[1], prefix, n);
  }
  if (n->kind == SQL_CASE) return expand_case(l, n, prefix);
  if (n->kind == SQL_CALL && n->nkids >= 1 &&
      (!strcasecmp(n->text, "COALESCE") || !strcasecmp(n->text, "IF") || !strcasecmp(n->text, "NULLIF")))
    return expand_choice(l, n, prefix);
  if (n->kind == SQL_FIELD && n->nkids == 1) { /* a ROW field of a constructed ROW */
    leaves s = {.a = l->a, .cols = l->cols, .ncols = l->ncols, .err = l->err, .errlen = l->errlen};
    int r = expand(&s, n->kids[0], "");
    if (r <= 0) return r;
    const sql_node *one;
    return pick_field(l, &s, n->text, prefix, &one);
  }
  return 0;
}

int sql_row_leaves(sql_arena *a, const sql_col *cols, int ncols, const sql_node *x, const sql_node ***nodes,
                   const char ***paths, char *err, size_t errlen) {
  leaves l = {.a = a, .cols = cols, .ncols = ncols, .err = err, .errlen = errlen};
  int rc = expand(&l, x, "");
  if (rc <= 0) return rc;
  *nodes = l.n, *paths = l.path;
  return l.len;
}

int sql_row_value_leaves(sql_arena *a, const sql_col *cols, int ncols, const sql_node *x, const sql_node ***nodes,
                         const char ***paths, char *err, size_t errlen) {
  int n = sql_row_leaves(a, cols, ncols, x, nodes, paths, err, errlen), k = 0;
  for (int i = 0; i < n; i++) {
    const char *p = (*paths)[i];
    size_t len = strlen(p);
    if (!strcmp(p, "$") || (len >= 2 && !strcmp(p + len - 2, ".$"))) continue;
    (*nodes)[k] = (*nodes)[i], (*paths)[k++] = p;
  }
  return n < 0 ? n : k;
}

const sql_node *sql_row_marker(sql_arena *a, const sql_col *cols, int ncols, const sql_node *x) {
  char err[8];
  leaves l = {.a = a, .cols = cols, .ncols = ncols, .err = err, .errlen = sizeof err};
  return expand(&l, x, "") > 0 && l.len && !strcmp(l.path[0], "$") ? l.n[0] : NULL;
}

const sql_node *sql_row_field_leaf(sql_arena *a, const sql_col *cols, int ncols, const sql_node *n) {
  if (n->kind != SQL_FIELD || n->nkids != 1) return NULL;
  char err[8];
  leaves s = {.a = a, .cols = cols, .ncols = ncols, .err = err, .errlen = sizeof err};
  if (expand(&s, n->kids[0], "") <= 0) return NULL;
  leaves l = s;
  l.len = l.cap = 0, l.n = NULL, l.path = NULL;
  const sql_node *one;
  return pick_field(&l, &s, n->text, "", &one) == 0 ? one : NULL;
}

const sql_node *sql_row_values(sql_arena *a, const sql_node *v, const char ***paths, char *err, size_t errlen) {
  *paths = NULL;
  bool any = false;
  for (int r = 0; r < v->nkids && !any; r++)
    for (int c = 0; c < v->kids[r]->nkids && !any; c++) any = is_row_ctor(v->kids[r]->kids[c]) || v->kids[r]->kids[c]->kind == SQL_CAST;
  if (!any) return v;
  sql_node *nv = mk(a, v->kind, v, v->text, v->nkids);
  if (!nv) return NULL;
  nv->nkids = v->nkids;
  for (int r = 0; r < v->nkids; r++) {
    const sql_node *row = v->kids[r];
    leaves l = {.a = a, .err = err, .errlen = errlen};
    for (int c = 0; c < row->nkids; c++) {
      char pre[24];
      snprintf(pre, sizeof pre, "EXPR$%d", c);
      int rc = expand(&l, row->kids[c], pre);
      if (rc < 0) return NULL;
      if (!rc && push(&l, row->kids[c], pre, "")) return NULL;
    }
    sql_node *nr = mk(a, row->kind, row, row->text, l.len);
    if (!nr) return NULL;
    nr->nkids = l.len;
    for (int i = 0; i < l.len; i++) nr->kids[i] = (sql_node *)l.n[i];
    nv->kids[r] = nr;
    if (!r) *paths = l.path;
  }
  return nv;
}

bool sql_row_rename(sql_arena *a, sql_col *cols, int ncols, const char *qual, const sql_node *collist) {
  int n = 0;
  size_t seg;
  for (int i = 0; i < ncols; i = sql_row_group_end(cols, ncols, i, &seg)) n++;
  if (n != collist->nkids) return false;
  int k = 0;
  for (int i = 0; i < ncols; k++) {
    int end = sql_row_group_end(cols, ncols, i, &seg);
    const char *nm = collist->kids[k]->text;
    for (; i < end; i++) {
      cols[i].qual = qual;
      if (!seg) {
        cols[i].name = nm;
        continue;
      }
      size_t len = strlen(nm) + strlen(cols[i].name + seg) + 2;
      char *s = sql_arena_alloc(a, len);
      if (!s) return false;
      snprintf(s, len, "%s.%s", nm, cols[i].name + seg);
      cols[i].name = s;
    }
  }
  return true;
}

const sql_node *sql_row_insert_columns(sql_arena *a, const sql_table *sink, const sql_node *collist) {
  int n = 0;
  for (int i = 0; i < collist->nkids; i++) {
    const char *nm = collist->kids[i]->text;
    size_t len = strlen(nm);
    int k = 0;
    bool exact = false;
    for (int c = 0; c < sink->ncols; c++) {
      if (!sql_col_written(&sink->cols[c])) continue;
      exact |= !strcmp(sink->cols[c].name, nm);
      k += !strncmp(sink->cols[c].name, nm, len) && sink->cols[c].name[len] == '.';
    }
    n += exact || !k ? 1 : k;
  }
  if (n == collist->nkids) return collist;
  sql_node *l = mk(a, collist->kind, collist, collist->text, n);
  if (!l) return NULL;
  for (int i = 0; i < collist->nkids; i++) {
    const sql_node *id = collist->kids[i];
    size_t len = strlen(id->text);
    int before = l->nkids;
    for (int c = 0; c < sink->ncols; c++) {
      const char *cn = sink->cols[c].name;
      if (!sql_col_written(&sink->cols[c]) || !strcmp(cn, id->text)) continue;
      if (strncmp(cn, id->text, len) || cn[len] != '.') continue;
      sql_node *leaf = mk(a, SQL_ID, id, cn, 0);
      if (!leaf) return NULL;
      l->kids[l->nkids++] = leaf;
    }
    if (l->nkids == before) l->kids[l->nkids++] = (sql_node *)id;
  }
  return l;
}

/* The fields of the outer ROW of l: its leaves' first path parts, the marker not counted. */
static int top_fields(const leaves *l) {
  int n = 0;
  for (int i = 0; i < l->len; i++) {
    const char *p = l->path[i], *dot = strchr(p, '.');
    size_t seg = dot ? (size_t)(dot - p) : strlen(p);
    bool same = i && !strncmp(l->path[i - 1], p, seg) && (l->path[i - 1][seg] == '.' || !l->path[i - 1][seg]);
    n += strcmp(p, "$") && !same;
  }
  return n;
}

/* The leaves of x and y compared pairwise by op, joined by AND (=, IS NOT DISTINCT FROM)
 * or OR (<>, IS DISTINCT FROM).  The markers are leaves too: a NULL ROW makes = and <>
 * NULL and is distinct from any ROW that is there. */
static const sql_node *compare_leaves(sql_arena *a, const leaves *x, const leaves *y, const sql_node *at, const char *op) {
  bool all = !strcmp(op, "=") || !strcmp(op, "is-not-distinct-from");
  const sql_node *acc = NULL;
  for (int i = 0; i < x->len; i++) {
    const sql_node *c = op2(a, at, op, x->n[i], y->n[i]);
    if (!c || (acc && !(c = op2(a, at, all ? "and" : "or", acc, c)))) return NULL;
    acc = c;
  }
  return acc;
}

const sql_node *sql_row_compare(sql_arena *a, const sql_col *cols, int ncols, const sql_node *n, char *err, size_t errlen) {
  leaves l = {.a = a, .cols = cols, .ncols = ncols, .err = err, .errlen = errlen}, r = l;
  const char *o = n->text;
  if (n->nkids == 1) { /* IS [NOT] NULL: the ROW's own nullness, its marker's */
    int rl = expand(&l, n->kids[0], "");
    if (rl <= 0) return NULL;
    return op2(a, n, o, l.n[0], NULL);
  }
  bool in = !strcmp(o, "in") || !strcmp(o, "not-in");
  if (in) { /* (a, b) IN ((1, 2), (3, 4)): x = v1 OR x = v2 ..., NOT IN its negation */
    if (n->nkids < 2 || n->kids[1]->kind == SQL_SUBQUERY) return NULL; /* IN (subquery): subq_bind.c */
    int rl = expand(&l, n->kids[0], "");
    if (rl <= 0) return NULL;
    const sql_node *acc = NULL;
    for (int i = 1; i < n->nkids; i++) {
      sql_node *eq = op2(a, n->kids[i], "=", n->kids[0], n->kids[i]);
      const sql_node *c = eq ? sql_row_compare(a, cols, ncols, eq, err, errlen) : NULL;
      if (!c) {
        if (!err[0]) snprintf(err, errlen, "line %d, column %d: IN compares a ROW with ROWs of its type only", n->kids[i]->line,
                              n->kids[i]->col);
        return NULL;
      }
      if (acc && !(c = op2(a, n, "or", acc, c))) return NULL;
      acc = c;
    }
    return o[0] == 'n' ? op2(a, n, "not", acc, NULL) : acc;
  }
  bool ordering = !strcmp(o, "<") || !strcmp(o, ">") || !strcmp(o, "<=") || !strcmp(o, ">=") || !strcmp(o, "between") ||
                  !strcmp(o, "not-between");
  if (ordering && n->nkids == 3) { /* BETWEEN: refused on ROWs, as < is */
    int rl = expand(&l, n->kids[0], "");
    if (rl < 0) return NULL;
    if (!rl) return NULL;
    snprintf(err, errlen, "line %d, column %d: operator %s does not apply to ROW values (a ROW type has no order in Flink SQL); compare their fields",
             n->line, n->col, o[0] == 'n' ? "NOT BETWEEN" : "BETWEEN");
    return NULL;
  }
  int rl = expand(&l, n->kids[0], ""), rr = rl < 0 ? rl : expand(&r, n->kids[1], "");
  if (rl < 0 || rr < 0 || (!rl && !rr)) return NULL;
  if (ordering) {
    snprintf(err, errlen, "line %d, column %d: operator %s does not apply to ROW values (a ROW type has no order in Flink SQL); compare their fields", n->line, n->col, o);
    return NULL;
  }
  if (!rl || !rr || l.len != r.len) {
    snprintf(err, errlen, "line %d, column %d: cannot compare %s with %s", n->line, n->col,
             rl ? "a ROW" : "a scalar value", rr ? "a ROW" : "a scalar value");
    if (rl && rr) snprintf(err, errlen, "line %d, column %d: cannot compare a ROW of %d fields with a ROW of %d fields",
                           n->line, n->col, top_fields(&l), top_fields(&r));
    return NULL;
  }
  const sql_node *c = compare_leaves(a, &l, &r, n, !strcmp(o, "!=") ? "<>" : o);
  if (!c) snprintf(err, errlen, "out of memory");
  return c;
}

bool sql_row_op(const char *o) {
  static const char *const ops[] = {"=",           "<>",          "!=",      "<",      ">",           "<=",
                                    ">=",          "is-distinct-from", "is-not-distinct-from", "is-null", "is-not-null",
                                    "in",          "not-in",      "between", "not-between"};
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
    if (!strcmp(o, ops[i])) return true;
  return false;
}

/* ---- the output side ---- */

int sql_row_group_end(const sql_col *cols, int ncols, int i, size_t *seg) {
  const char *dot = strchr(cols[i].name, '.');
  *seg = 0;
  if (!dot) return i + 1;
  *seg = (size_t)(dot - cols[i].name) + 1;
  int j = i + 1;
  while (j < ncols && !strncmp(cols[j].name, cols[i].name, *seg)) j++;
  return j;
}

void sql_row_type_name(strom_buf *b, const sql_col *cols, int lo, int hi, size_t off) {
  strom__buf_append(b, "ROW<", 4);
  if (lo < hi && !strcmp(cols[lo].name + off, "$")) lo++; /* the null marker */
  for (int i = lo; i < hi;) {
    if (i > lo) strom__buf_append(b, ", ", 2);
    const char *p = cols[i].name + off, *dot = strchr(p, '.');
    size_t seg = dot ? (size_t)(dot - p) : strlen(p);
    strom__buf_printf(b, "`%.*s` ", (int)seg, p);
    if (dot) {
      int j = i + 1;
      while (j < hi && !strncmp(cols[j].name + off, p, seg + 1)) j++;
      sql_row_type_name(b, cols, i, j, off + seg + 1);
      if (!strcmp(cols[i].name + off + seg + 1, "$") && cols[i].type.not_null) strom__buf_printf(b, " NOT NULL");
      i = j;
    } else {
      char tn[64];
      sql_type_name(&cols[i].type, tn, sizeof tn);
      strom__buf_printf(b, "%s", tn);
      i++;
    }
  }
  strom__buf_append(b, ">", 1);
}

void sql_row_format(strom_buf *b, const sql_col *cols, const strom_row *r, int lo, int hi, size_t off, bool java,
                    void (*fmt)(strom_buf *b, const sql_type *t, const sql_val *v)) {
  if (lo < hi && !strcmp(cols[lo].name + off, "$")) { /* the null marker: a NULL ROW prints as NULL */
    sql_val m;
    sql_val_get(r, lo, &m);
    if (m.null) {
      if (!java && !memchr(cols[lo].name, '.', off - 1)) strom__buf_append(b, "<NULL>", 6); /* a NULL cell, as the tableau shows one */
      else fmt(b, &cols[lo].type, &m);
      return;
    }
    lo++;
  }
  strom__buf_printf(b, "%s", java ? "+I[" : "(");
  for (int i = lo; i < hi;) {
    if (i > lo) strom__buf_append(b, ", ", 2);
    const char *p = cols[i].name + off, *dot = strchr(p, '.');
    if (dot) {
      size_t seg = (size_t)(dot - p) + 1;
      int j = i + 1;
      while (j < hi && !strncmp(cols[j].name + off, p, seg)) j++;
      sql_row_format(b, cols, r, i, j, off + seg, java, fmt);
      i = j;
    } else {
      sql_val v;
      sql_val_get(r, i, &v);
      fmt(b, &cols[i].type, &v);
      i++;
    }
  }
  strom__buf_append(b, java ? "]" : ")", 1);
}
