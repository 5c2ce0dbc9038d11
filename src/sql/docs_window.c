/*
 * docs_window.c -- named OVER windows, as Flink's docs write OVER aggregations:
 * `SUM(x) OVER w ... FROM t WINDOW w AS (PARTITION BY ... ORDER BY ... frame)`.  The
 * parser leaves each `OVER w` as an OVER node whose text is the name, and collects the
 * WINDOW clause as AS nodes (text: the name, kid: the window); this file puts each
 * definition in place of the names, so the binder sees ordinary OVER windows.
 */
#include <stdio.h>
#include <string.h>

#include "parser.h"

/* The first OVER node under n whose name defs lacks (NULL: all resolved).  Nested
 * SELECTs resolved their own names when they were parsed. */
static const sql_node *resolve(sql_node *n, const sql_node *defs) {
  for (int i = 0; i < n->nkids; i++) {
    sql_node *k = n->kids[i];
    if (!k || k->kind == SQL_SELECT) continue;
    if (k->kind == SQL_OVER && k->text) {
      sql_node *d = NULL;
      for (int j = 0; defs && j < defs->nkids && !d; j++)
        if (!strcmp(defs->kids[j]->text, k->text)) d = defs->kids[j]->kids[0];
      if (!d) return k;
      n->kids[i] = d; /* the tree is the arena's: sharing the definition is fine */
      continue;
    }
    const sql_node *bad = resolve(k, defs);
    if (bad) return bad;
  }
  return NULL;
}

bool sql_named_windows(sql_node *select, const sql_node *defs, char *err, size_t errlen) {
  for (int i = 0; defs && i < defs->nkids; i++)
    for (int j = 0; j < i; j++)
      if (!strcmp(defs->kids[i]->text, defs->kids[j]->text)) {
        snprintf(err, errlen, "line %d, column %d: duplicate window name '%s'", defs->kids[i]->line,
                 defs->kids[i]->col, defs->kids[i]->text);
        return false;
      }
  const sql_node *bad = resolve(select, defs);
  if (bad) snprintf(err, errlen, "line %d, column %d: window '%s' not found", bad->line, bad->col, bad->text);
  return !bad;
}
