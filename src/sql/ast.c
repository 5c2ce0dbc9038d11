/*
 * ast.c -- the arena that owns a syntax tree, and the printer that renders a tree as a
 * canonical S-expression.  Tests compare parses through the printer, so its output is
 * stable: operators and clause names in lower case, type names and function names in
 * upper case, identifiers as written.
 */
#include "ast.h"

struct sql_arena_block {
  sql_arena_block *next;
  size_t used, cap;
  max_align_t data[];
};

#define SQL_ARENA_BLOCK 16384

void *sql_arena_alloc(sql_arena *a, size_t n) {
  n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
  sql_arena_block *b = a->head;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > SQL_ARENA_BLOCK ? n : SQL_ARENA_BLOCK;
    b = strom__malloc(sizeof *b + cap);
    if (!b) return NULL;
    b->cap = cap;
    b->used = 0;
    if (a->head && n > SQL_ARENA_BLOCK) { /* a big block goes behind the current one */
      b->next = a->head->next;
      a->head->next = b;
    } else {
      b->next = a->head;
      a->head = b;
    }
  }
  void *p = (char *)b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

sql_node *sql_node_new(sql_arena *a, sql_kind k, const sql_node *at, const char *text, int nkids) {
  sql_node *n = sql_arena_alloc(a, sizeof *n);
  if (!n) return NULL;
  n->kind = k, n->line = at->line, n->col = at->col, n->text = text, n->p = n->s = -1;
  n->nkids = n->cap = nkids;
  if (nkids && !(n->kids = sql_arena_alloc(a, sizeof(sql_node *) * (size_t)nkids))) return NULL;
  return n;
}

bool sql_node_append(sql_arena *a, sql_node *list, const sql_node *kid) {
  if (list->nkids == list->cap) {
    int cap = list->cap ? 2 * list->cap : 8;
    sql_node **k = sql_arena_alloc(a, sizeof *k * (size_t)cap);
    if (!k) return false;
    if (list->nkids) memcpy(k, list->kids, sizeof *k * (size_t)list->nkids);
    list->kids = k, list->cap = cap;
  }
  list->kids[list->nkids++] = (sql_node *)kid;
  return true;
}

bool sql_node_set_kid(sql_arena *a, const sql_node *n, sql_node **copy, int i, const sql_node *kid) {
  if (!*copy) {
    if (!(*copy = sql_node_new(a, n->kind, n, n->text, n->nkids))) return false;
    (*copy)->flags = n->flags, (*copy)->p = n->p, (*copy)->s = n->s;
    memcpy((*copy)->kids, n->kids, sizeof(sql_node *) * (size_t)n->nkids);
  }
  (*copy)->kids[i] = (sql_node *)kid;
  return true;
}

char *sql_arena_strndup(sql_arena *a, const char *s, size_t n) {
  char *p = sql_arena_alloc(a, n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

void sql_arena_free(sql_arena *a) {
  while (a->head) {
    sql_arena_block *b = a->head;
    a->head = b->next;
    free(b);
  }
}

static const char *const kind_names[] = {
#define SQL_KIND_NAME(k, s) s,
    SQL_KINDS(SQL_KIND_NAME)
#undef SQL_KIND_NAME
};

static const char *const flag_names[] = {
#define SQL_FLAG_NAME(f, s) s,
    SQL_FLAGS(SQL_FLAG_NAME)
#undef SQL_FLAG_NAME
};

const char *sql_kind_name(sql_kind k) {
  return (unsigned)k < SQL_KIND_COUNT && kind_names[k] ? kind_names[k] : "?";
}

static int put(strom_buf *b, const char *s) { return strom__buf_append(b, s, strlen(s)); }

static int put_quoted(strom_buf *b, const char *s, char q) {
  int rc = strom__buf_append(b, &q, 1);
  for (; *s && !rc; s++) {
    rc = strom__buf_append(b, s, 1);
    if (*s == q && !rc) rc = strom__buf_append(b, s, 1);
  }
  return rc ? rc : strom__buf_append(b, &q, 1);
}

static int print_id(const sql_node *n, strom_buf *b) {
  return n->flags & SQL_F(QUOTED) ? put_quoted(b, n->text, '`') : put(b, n->text);
}

static int print_type(const sql_node *n, strom_buf *b) {
  int rc = put(b, n->text);
  if (!rc && n->p >= 0)
    rc = n->s >= 0 ? strom__buf_printf(b, "(%d, %d)", n->p, n->s) : strom__buf_printf(b, "(%d)", n->p);
  if (!rc && n->nkids) {
    rc = put(b, "<");
    for (int i = 0; i < n->nkids && !rc; i++) {
      const sql_node *k = n->kids[i];
      if (i) rc = put(b, ", ");
      if (rc) break;
      if (k->kind == SQL_COLUMN) { /* a ROW field: name TYPE */
        rc = print_id(k->kids[0], b);
        if (!rc) rc = put(b, " ");
        if (!rc) rc = print_type(k->kids[1], b);
      } else {
        rc = print_type(k, b);
      }
    }
    if (!rc) rc = put(b, ">");
  }
  if (!rc && (n->flags & SQL_F(NOT_NULL))) rc = put(b, " NOT NULL");
  return rc;
}

int sql_print(const sql_node *n, strom_buf *b) {
  if (!n) return put(b, "_");
  int rc = 0;
  switch (n->kind) {
  case SQL_ID: return print_id(n, b);
  case SQL_NUMBER: return put(b, n->text);
  case SQL_KEYWORD: return put(b, n->text);
  case SQL_STRING: return put_quoted(b, n->text, '\'');
  case SQL_TYPE: return print_type(n, b);
  case SQL_NAME:
    for (int i = 0; i < n->nkids && !rc; i++) {
      if (i) rc = put(b, ".");
      if (!rc) rc = sql_print(n->kids[i], b);
    }
    return rc;
  case SQL_STAR:
    if (!n->nkids) return put(b, "*");
    rc = put(b, "(.* ");
    if (!rc) rc = sql_print(n->kids[0], b);
    return rc ? rc : put(b, ")");
  case SQL_FIELD:
    rc = put(b, "(. ");
    if (!rc) rc = sql_print(n->kids[0], b);
    if (!rc) rc = put(b, " ");
    if (!rc) rc = n->flags & SQL_F(QUOTED) ? put_quoted(b, n->text, '`') : put(b, n->text);
    return rc ? rc : put(b, ")");
  case SQL_INTERVAL:
    rc = put(b, "(interval ");
    if (!rc) rc = sql_print(n->kids[0], b);
    if (!rc) rc = strom__buf_printf(b, " %s)", n->text);
    return rc;
  default: break;
  }
  const char *head = kind_names[n->kind] ? kind_names[n->kind] : n->text;
  rc = put(b, "(");
  if (!rc) rc = put(b, head ? head : "?");
  for (unsigned f = 0; f < sizeof flag_names / sizeof *flag_names && !rc; f++)
    if (n->flags & (1u << f) && f != SQL_FLAG_BIT_QUOTED) rc = strom__buf_printf(b, " %s", flag_names[f]);
  if (!rc && kind_names[n->kind] && n->text) rc = strom__buf_printf(b, " %s", n->text);
  for (int i = 0; i < n->nkids && !rc; i++) {
    rc = put(b, " ");
    if (!rc) rc = sql_print(n->kids[i], b);
  }
  return rc ? rc : put(b, ")");
}
