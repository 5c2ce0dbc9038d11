/*
 * fid_names.c -- what EXPLAIN shows for the columns and calls the binder's rewrites
 * invent.  A subquery's correlation key ($k0) and an aggregate split off a HAVING
 * ($a0) keep their unique internal names for name resolution, with the text Flink's
 * plans show for them (the key's column name, the aggregate call) carried after a
 * unit separator; EXPLAIN prints that text.  A ROW value's field access prints as
 * Flink's r.f instead of the evaluator's $FIELD(r), a ROW constructor without the
 * NULL marker its packed value carries first.  The grouping sets' $e stays: Flink's
 * Expand names that column $e too.
 */
#include <stdio.h>
#include <string.h>

#include "sql_int.h"

#define SEP '\x1f'

char *sql_fid_hidden_name(sql_arena *a, const char *base, const sql_node *x) {
  strom_buf t = {0};
  if (x && (x->kind == SQL_ID || x->kind == SQL_FIELD) && x->text) strom__buf_printf(&t, "%s", sql_fid_shown(x->text));
  else if (x && x->kind == SQL_NAME && x->nkids && x->kids[x->nkids - 1]->text) strom__buf_printf(&t, "%s", x->kids[x->nkids - 1]->text);
  else if (x) sql_print(x, &t);
  size_t bl = strlen(base);
  char *s = sql_arena_alloc(a, bl + 2 + t.len);
  if (s) {
    memcpy(s, base, bl);
    s[bl] = SEP;
    if (t.len) memcpy(s + bl + 1, t.p, t.len);
    s[bl + 1 + t.len] = 0;
  }
  strom__buf_free(&t);
  return s;
}

const char *sql_fid_shown(const char *name) {
  const char *p = name && name[0] == '$' ? strchr(name, SEP) : NULL;
  return p ? p + 1 : name;
}

bool sql_fid_has_shown(const char *name) { return name && name[0] == '$' && strchr(name, SEP); }

bool sql_fid_print_call(strom_buf *b, const sql_expr *e, const sql_col *cols) {
  if (e->op == SQL_E_FUNC && e->fn && !strcmp(e->fn->name, "ROW") && e->type.kind == SQL_K_ROWV && e->aux == 1 && e->n >= 1) {
    strom__buf_printf(b, "ROW("); /* without the packed value's NULL marker, its first argument */
    for (int i = 1; i < e->n; i++) {
      if (i > 1) strom__buf_append(b, ", ", 2);
      sql_expr_print(b, e->a[i], cols);
    }
    strom__buf_append(b, ")", 1);
    return true;
  }
  if (e->op != SQL_E_FUNC || !e->fn || strcmp(e->fn->name, "$FIELD") || e->n != 1 || e->a[0]->type.kind != SQL_K_ROWV)
    return false;
  sql_expr_print(b, e->a[0], cols);
  strom__buf_printf(b, ".%s", sql_rowv_fname(&e->a[0]->type, (int)e->aux));
  return true;
}
