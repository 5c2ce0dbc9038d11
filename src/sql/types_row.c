/*
 * types_row.c -- ROW<...> columns.  A table column of a ROW type is flattened, at
 * CREATE TABLE, into one physical column per leaf field, named by its path
 * ("person.id", "a.b.c"), so rows stay flat (the connectors fill them as they fill any
 * column and nothing per event builds a nested value) and the binder resolves
 * `person.id` or `t.person.id` to one of them.  Each ROW level also gets a BOOLEAN
 * null-marker column "person.$" first in its group: TRUE when the ROW is there, NULL when
 * the ROW itself is NULL (json `"person": null`, the padded side of an outer join), so a
 * whole-NULL ROW differs from a ROW of NULL fields.  The json format reads and writes
 * the marker; for every other format it is a computed column TRUE (sql_row_markers), so
 * their files keep one column per field.  Tables without ROWs get nothing.
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
  int n = 1; /* the null marker */
  for (int i = 0; i < type->nkids; i++) n += leaves(type->kids[i]->kids[1]);
  return n;
}

static int add_fields(sql_table *t, const char *prefix, const sql_node *type, char *err, size_t errlen) {
  if (!type->nkids) {
    snprintf(err, errlen, "line %d, column %d: ROW column '%s' has no fields", type->line, type->col, prefix);
    return STROM_EINVAL;
  }
  sql_table_col *mc = &t->cols[t->ncols];
  memset(mc, 0, sizeof *mc);
  if (!(mc->name = own_name(t, prefix, "$"))) return STROM_ENOMEM;
  mc->type = (sql_type){.id = STROM_BOOLEAN, .not_null = (type->flags & SQL_F(NOT_NULL)) != 0}; /* ROW<...> NOT NULL */
  t->ncols++;
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

bool sql_row_is_marker(const char *name) {
  size_t n = strlen(name);
  return n >= 2 && name[n - 1] == '$' && name[n - 2] == '.';
}

/* A format that writes nested objects has a place for a NULL ROW (`"person": null`), and
 * the print sink writes one as Java does (`null`); the others (csv, a database row,
 * generated data) have none, and their ROWs are there. */
static bool format_nests(const sql_table *t) {
  const char *f = sql_table_option(t, "format"), *v = sql_table_option(t, "value.format"), *c = sql_table_option(t, "connector");
  return (f && !strcmp(f, "json")) || (v && !strcmp(v, "json")) || (c && !strcmp(c, "print"));
}

void sql_row_markers(sql_table *t) {
  static const sql_node present = {.kind = SQL_KEYWORD, .text = "TRUE", .p = -1, .s = -1};
  if (format_nests(t)) return;
  for (int i = 0; i < t->ncols; i++)
    if (!t->cols[i].computed && !t->cols[i].metadata && sql_row_is_marker(t->cols[i].name)) t->cols[i].computed = &present;
}

int sql_row_insert_cols(const sql_col *qcols, int nq, const sql_table *sink, int *qidx) {
  bool sink_markers = false;
  for (int c = 0; c < sink->ncols; c++) sink_markers |= sql_col_written(&sink->cols[c]) && sql_row_is_marker(sink->cols[c].name);
  int k = 0;
  for (int i = 0; i < nq; i++)
    if (sink_markers || !sql_row_is_marker(qcols[i].name)) qidx[k++] = i;
  return k;
}

int sql_row_unmarked(const sql_node *list, const sql_col *cols, const int *idx, int n) {
  int k = 0;
  if (list)
    for (int i = 0; i < list->nkids; i++) k += !sql_row_is_marker(list->kids[i]->text);
  else
    for (int i = 0; i < n; i++) k += !sql_row_is_marker(cols[idx[i]].name);
  return k;
}

int sql_row_unmarked_sink(const sql_table *sink) {
  int k = 0;
  for (int c = 0; c < sink->ncols; c++) k += sql_col_written(&sink->cols[c]) && !sql_row_is_marker(sink->cols[c].name);
  return k;
}
