/*
 * types_row.c -- ROW<...> columns.  A table column of a ROW type is flattened, at
 * CREATE TABLE, into one physical column per leaf field, named by its path
 * ("person.id", "a.b.c"), so rows stay flat (the connectors fill them as they fill any
 * column and nothing per event builds a nested value) and the binder resolves
 * `person.id` or `t.person.id` to one of them.  A ROW as one value (SELECT person,
 * ROW(...) constructors, a ROW sink column fed by a ROW expression) is not supported.
 */
#include <strings.h>

#include "sql_int.h"

static char *own_name(sql_table *t, const char *prefix, const char *field) {
  size_t n = strlen(prefix) + strlen(field) + 2;
  char *s = strom__malloc(n);
  if (!s) return NULL;
  snprintf(s, n, "%s.%s", prefix, field);
  char **o = strom__realloc(t->own_names, sizeof *o * (size_t)(t->nown_names + 1));
  if (!o) {
    free(s);
    return NULL;
  }
  t->own_names = o;
  o[t->nown_names++] = s;
  return s;
}

static int leaves(const sql_node *type) {
  if (!type->text || strcmp(type->text, "ROW")) return 1;
  int n = 0;
  for (int i = 0; i < type->nkids; i++) n += leaves(type->kids[i]->kids[1]);
  return n;
}

static int add_fields(sql_table *t, const char *prefix, const sql_node *type, char *err, size_t errlen) {
  if (!type->nkids) {
    snprintf(err, errlen, "line %d, column %d: ROW column '%s' has no fields", type->line, type->col, prefix);
    return STROM_EINVAL;
  }
  for (int i = 0; i < type->nkids; i++) {
    const sql_node *f = type->kids[i], *ft = f->kids[1];
    char *name = own_name(t, prefix, f->kids[0]->text);
    if (!name) return STROM_ENOMEM;
    for (int k = 0; k < t->ncols; k++)
      if (!strcmp(t->cols[k].name, name)) {
        snprintf(err, errlen, "line %d, column %d: field '%s' is declared twice", f->line, f->col, name);
        return STROM_EINVAL;
      }
    if (ft->text && !strcmp(ft->text, "ROW")) {
      int rc = add_fields(t, name, ft, err, errlen);
      if (rc) return rc;
      continue;
    }
    sql_table_col *tc = &t->cols[t->ncols];
    memset(tc, 0, sizeof *tc);
    tc->name = name;
    int rc = sql_type_from_ast(ft, &tc->type, err, errlen);
    if (rc) return rc;
    t->ncols++;
  }
  return STROM_OK;
}

int sql_row_flatten(sql_table *t, const sql_node *col, int remaining, char *err, size_t errlen) {
  int need = t->ncols + leaves(col->kids[1]) + remaining; /* room for the columns still to come */
  sql_table_col *c = strom__realloc(t->cols, sizeof *c * (size_t)(need + 1));
  if (!c) return STROM_ENOMEM;
  t->cols = c;
  memset(c + t->ncols, 0, sizeof *c * (size_t)(need + 1 - t->ncols)); /* the catalog relies on calloc's zeros */
  const char *name = col->kids[0]->text;
  for (int k = 0; k < t->ncols; k++)
    if (!strncmp(t->cols[k].name, name, strlen(name)) &&
        (t->cols[k].name[strlen(name)] == 0 || t->cols[k].name[strlen(name)] == '.')) {
      snprintf(err, errlen, "line %d, column %d: column '%s' is declared twice", col->line, col->col, name);
      return STROM_EINVAL;
    }
  if (col->flags & SQL_F(PRIMARY_KEY)) {
    snprintf(err, errlen, "line %d, column %d: a ROW column cannot be a primary key", col->line, col->col);
    return STROM_ENOTSUP;
  }
  return add_fields(t, name, col->kids[1], err, errlen);
}

/* The path of a chain FIELD(...FIELD(ID a, b)..., z) as its parts, or 0 if n is not one. */
int sql_field_path(const sql_node *n, const char **parts, int max) {
  int k = 0;
  const char *rev[16];
  while (n->kind == SQL_FIELD && n->nkids == 1 && k < 15) {
    rev[k++] = n->text;
    n = n->kids[0];
  }
  if (n->kind != SQL_ID || k >= max) return 0;
  rev[k++] = n->text;
  for (int i = 0; i < k; i++) parts[i] = rev[k - 1 - i];
  return k;
}

bool sql_row_is_flattened(const sql_col *cols, int ncols, const char *name) {
  size_t n = strlen(name);
  for (int i = 0; i < ncols; i++)
    if (!strncmp(cols[i].name, name, n) && cols[i].name[n] == '.') return true;
  return false;
}

static int find_unique(const sql_col *cols, int ncols, const char *qual, const char *name) {
  int found = -1;
  for (int i = 0; i < ncols; i++) {
    if (strcmp(cols[i].name, name) || (qual && (!cols[i].qual || strcmp(cols[i].qual, qual)))) continue;
    if (found >= 0) return -2;
    found = i;
  }
  return found;
}

int sql_row_field_col(const sql_col *cols, int ncols, const sql_node *n) {
  const char *parts[16];
  int k = sql_field_path(n, parts, 16);
  if (k < 2) return -1;
  char path[512];
  /* t.person.id: qualifier t, column person.id; then person.id unqualified */
  for (int q = 1; q >= 0; q--) {
    size_t len = 0;
    path[0] = 0;
    for (int i = q; i < k && len < sizeof path; i++)
      len += (size_t)snprintf(path + len, sizeof path - len, "%s%s", i > q ? "." : "", parts[i]);
    if (len >= sizeof path) return -1;
    int c = find_unique(cols, ncols, q ? parts[0] : NULL, path);
    if (c >= 0) return c;
    if (c == -2) return -1; /* ambiguous: the caller's lookup reports it */
  }
  return -1;
}
