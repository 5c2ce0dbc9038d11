/*
 * fid_modules.c -- USE MODULES, LOAD MODULE and UNLOAD MODULE with the one module Strom
 * has, Flink's `core` (the built-in functions; SHOW MODULES is docs_show.c).  The
 * statements Flink would run with core alone succeed and change nothing; the rest
 * fail with Flink's ModuleManager messages, or say that other modules do not exist
 * here.  Names are case-sensitive, as Flink's.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql_int.h"

int sql_fid_modules(const sql_node *n, char *m, size_t cap) {
  if (n->kind != SQL_SHOW || !n->text) return 1;
  if (!strcmp(n->text, "USE MODULES")) {
    for (int i = 0; i < n->nkids; i++) {
      const char *x = n->kids[i]->text;
      if (strcmp(x, "core")) return snprintf(m, cap, "No module with name '%s' exists (Strom has only Flink's core module)", x), -1;
      for (int j = 0; j < i; j++)
        if (!strcmp(n->kids[j]->text, x)) return snprintf(m, cap, "Module '%s' appears more than once", x), -1;
    }
    return 0;
  }
  if (!strcmp(n->text, "LOAD MODULE")) {
    const char *x = n->kids[0]->text;
    if (!strcmp(x, "core")) return snprintf(m, cap, "A module with name '%s' already exists", x), -1;
    return snprintf(m, cap, "not supported: module '%s' (Strom has only Flink's core module)", x), -1;
  }
  if (!strcmp(n->text, "UNLOAD MODULE")) {
    const char *x = n->kids[0]->text;
    if (strcmp(x, "core")) return snprintf(m, cap, "No module with name '%s' exists", x), -1;
    return snprintf(m, cap, "not supported: UNLOAD MODULE core (Strom's built-in functions are always loaded)"), -1;
  }
  return 1;
}
