/*
 * catalog_like.c -- CREATE TABLE t (...) WITH (...) LIKE s [(options)], as Flink's
 * MergeTableLikeUtil: the new table is s's definition merged with its own, written as
 * one CREATE TABLE tree (in the script's arena) that catalog.c builds as any other.
 * Per feature -- CONSTRAINTS, PARTITIONS, GENERATED (computed columns), METADATA,
 * WATERMARKS, OPTIONS -- INCLUDING takes s's and refuses a clash, EXCLUDING drops s's,
 * OVERWRITING lets t's win; the default is INCLUDING ALL OVERWRITING OPTIONS.  s's
 * physical columns always come first; s's options are its current ones (after ALTER).
 */
#include <strings.h>

#include "sql_int.h"

enum { INC, EXC, OVR };
enum { F_CONSTRAINTS, F_PARTITIONS, F_GENERATED, F_OPTIONS, F_WATERMARKS, F_METADATA, NF };
static const char *const fnames[NF] = {"CONSTRAINTS", "PARTITIONS", "GENERATED", "OPTIONS", "WATERMARKS", "METADATA"};

static const sql_node *kid(const sql_node *n, sql_kind k) {
  for (int i = 0; n && i < n->nkids; i++)
    if (n->kids[i]->kind == k) return n->kids[i];
  return NULL;
}

static const char *col_name(const sql_node *e) {
  return e->kind == SQL_COLUMN || e->kind == SQL_COMPUTED || e->kind == SQL_METADATA || e->kind == SQL_WATERMARK
             ? e->kids[0]->text : NULL;
}

/* The column (k: SQL_KIND_COUNT) or watermark (SQL_WATERMARK) of cols named name. */
static const sql_node *find_el(const sql_node *cols, sql_kind k, const char *name) {
  for (int i = 0; cols && i < cols->nkids; i++) {
    const sql_node *e = cols->kids[i];
    if ((k == SQL_WATERMARK) != (e->kind == SQL_WATERMARK)) continue;
    if (col_name(e) && !strcmp(col_name(e), name)) return e;
  }
  return NULL;
}

static bool has_pk(const sql_node *cols) {
  for (int i = 0; cols && i < cols->nkids; i++)
    if (cols->kids[i]->kind == SQL_PRIMARY_KEY || (cols->kids[i]->flags & SQL_F(PRIMARY_KEY))) return true;
  return false;
}

typedef struct list {
  const sql_node **v;
  int n;
} list;

static sql_node *str_node(sql_arena *a, const sql_node *at, const char *text) { return sql_node_new(a, SQL_STRING, at, text, 0); }

int sql_table_like(sql_session *s, const sql_node *n, const sql_node **out) {
  *out = n;
  const sql_node *like = kid(n, SQL_LIKE_CLAUSE);
  if (!like) return STROM_OK;
  int mode[NF] = {INC, INC, INC, OVR, INC, INC};
  for (int i = 1; i < like->nkids; i++) {
    const char *o = like->kids[i]->text, *f = strchr(o, ' ') + 1;
    int how = o[0] == 'I' ? INC : o[0] == 'E' ? EXC : OVR;
    if (!strcmp(f, "ALL")) {
      if (how == OVR) return sql_ns_err(s, like->kids[i], "illegal merging strategy 'OVERWRITING' for 'ALL' option");
      for (int k = 0; k < NF; k++) mode[k] = how;
      continue;
    }
    for (int k = 0; k < NF; k++)
      if (!strcmp(f, fnames[k])) {
        if (how == OVR && (k == F_CONSTRAINTS || k == F_PARTITIONS))
          return sql_ns_err(s, like->kids[i], "illegal merging strategy 'OVERWRITING' for '%s' option", f);
        mode[k] = how;
      }
  }
  char m[300];
  const sql_node *sn = like->kids[0];
  sql_table *src = sql_catalog_lookup(&s->cat, sn, m, sizeof m);
  if (!src) {
    const char *c, *d, *o;
    if (!m[0]) sql_ns_resolve(&s->cat, sn, &c, &d, &o, m, sizeof m), snprintf(m, sizeof m, "source table '%s.%s.%s' of the LIKE clause does not exist", c, d, o);
    return sql_ns_err(s, sn, "%s", m);
  }
  if (src->view || !src->ddl) return sql_ns_err(s, sn, "source table '%s' of the LIKE clause can not be a view", src->name);
  const sql_node *scols = src->ddl->kids[1], *dcols = n->kids[1];
  sql_arena *a = &s->arenas[s->narenas - 1];
  list cols = {sql_arena_alloc(a, sizeof *cols.v * (size_t)(scols->nkids + dcols->nkids + 1)), 0}, *l = &cols;
  bool *used = sql_arena_alloc(a, (size_t)dcols->nkids + 1);
  if (!cols.v || !used) return STROM_ENOMEM;
  /* the base table's elements, in order, with the derived one's overwrites in place */
  for (int i = 0; i < scols->nkids; i++) {
    const sql_node *e = scols->kids[i];
    int f = e->kind == SQL_COMPUTED ? F_GENERATED : e->kind == SQL_METADATA ? F_METADATA : e->kind == SQL_WATERMARK ? F_WATERMARKS
            : e->kind == SQL_PRIMARY_KEY ? F_CONSTRAINTS : -1;
    if (f >= 0 && mode[f] == EXC) continue;
    if (e->kind == SQL_COLUMN) {
      const sql_node *d = find_el(dcols, SQL_KIND_COUNT, e->kids[0]->text);
      if (d)
        return sql_ns_err(s, d, "a column named '%s' already exists in the base table", e->kids[0]->text);
      if ((e->flags & SQL_F(PRIMARY_KEY)) && mode[F_CONSTRAINTS] == EXC) {
        sql_node *c = sql_node_new(a, SQL_COLUMN, e, e->text, e->nkids);
        if (!c) return STROM_ENOMEM;
        for (int k = 0; k < e->nkids; k++) c->kids[k] = e->kids[k];
        c->flags = e->flags & ~SQL_F(PRIMARY_KEY);
        e = c;
      }
      l->v[l->n++] = e;
      continue;
    }
    if (e->kind == SQL_PRIMARY_KEY) {
      if (has_pk(dcols)) return sql_ns_err(s, dcols, "the base table already has a primary key; you might want to specify EXCLUDING CONSTRAINTS");
      l->v[l->n++] = e;
      continue;
    }
    const sql_node *d = find_el(dcols, e->kind == SQL_WATERMARK ? SQL_WATERMARK : SQL_KIND_COUNT, e->kids[0]->text);
    if (d && d->kind == SQL_COLUMN)
      return sql_ns_err(s, d, "a column named '%s' already exists in the base table", e->kids[0]->text);
    if (d && mode[f] == INC)
      return sql_ns_err(s, d, e->kind == SQL_WATERMARK ? "there already exists a watermark spec for column '%s' in the base table; you might want to specify EXCLUDING WATERMARKS or OVERWRITING WATERMARKS"
                             : "a column named '%s' already exists in the base table; you might want to specify EXCLUDING or OVERWRITING GENERATED / METADATA",
                        e->kids[0]->text);
    if (d) {
      for (int k = 0; k < dcols->nkids; k++) used[k] |= dcols->kids[k] == d;
      e = d;
    }
    l->v[l->n++] = e;
  }
  for (int k = 0; k < dcols->nkids; k++) {
    const sql_node *e = dcols->kids[k];
    if (used[k]) continue;
    if ((e->kind == SQL_PRIMARY_KEY || (e->flags & SQL_F(PRIMARY_KEY))) && mode[F_CONSTRAINTS] != EXC && has_pk(scols))
      return sql_ns_err(s, e, "the base table already has a primary key; you might want to specify EXCLUDING CONSTRAINTS");
    l->v[l->n++] = e;
  }
  sql_node *mc = sql_node_new(a, SQL_COLUMNS, dcols, NULL, l->n);
  if (!mc) return STROM_ENOMEM;
  for (int i = 0; i < l->n; i++) mc->kids[i] = (sql_node *)l->v[i];
  /* partitions */
  const sql_node *part = kid(n, SQL_PARTITIONED_BY);
  if (src->partitioned_by && mode[F_PARTITIONS] == INC) {
    if (part) return sql_ns_err(s, part, "the base table already has partitions defined; you might want to specify EXCLUDING PARTITIONS");
    part = src->partitioned_by;
  }
  /* options: the base table's current ones, then the new table's */
  const sql_node *dw = kid(n, SQL_WITH_OPTIONS);
  int nd = dw ? dw->nkids : 0, ns = mode[F_OPTIONS] == EXC ? 0 : src->nopts;
  sql_node *w = sql_node_new(a, SQL_WITH_OPTIONS, dw ? dw : n, NULL, ns + nd);
  if (!w) return STROM_ENOMEM;
  int nw = 0;
  for (int i = 0; i < ns; i++) {
    const char *v = src->vals[i];
    for (int k = 0; k < nd; k++)
      if (!strcmp(dw->kids[k]->kids[0]->text, src->keys[i])) {
        if (mode[F_OPTIONS] == INC)
          return sql_ns_err(s, dw->kids[k], "there already exists an option ['%s' -> '%s'] in the base table; you might want to specify EXCLUDING OPTIONS or OVERWRITING OPTIONS",
                            src->keys[i], src->vals[i]);
        v = NULL; /* the new table's value, in its place below */
      }
    if (!v) continue;
    sql_node *o = sql_node_new(a, SQL_OPTION, like, NULL, 2);
    if (!o || !(o->kids[0] = str_node(a, like, src->keys[i])) || !(o->kids[1] = str_node(a, like, v))) return STROM_ENOMEM;
    w->kids[nw++] = o;
  }
  for (int k = 0; k < nd; k++) w->kids[nw++] = dw->kids[k];
  w->nkids = nw;
  const sql_node *com = kid(n, SQL_COMMENT);
  sql_node *t = sql_node_new(a, SQL_CREATE_TABLE, n, n->text, 2 + (com != NULL) + (part != NULL) + 1);
  if (!t) return STROM_ENOMEM;
  t->flags = n->flags;
  int k = 0;
  t->kids[k++] = n->kids[0];
  t->kids[k++] = mc;
  if (com) t->kids[k++] = (sql_node *)com;
  if (part) t->kids[k++] = (sql_node *)part;
  t->kids[k++] = w;
  *out = t;
  return STROM_OK;
}
