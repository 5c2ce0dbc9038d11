/*
 * docs_show.c -- SHOW MODULES and SHOW FULL MODULES, as Flink's docs run them: Strom has
 * one module, Flink's `core` (the built-in functions), loaded and used; there is no
 * LOAD MODULE to add others.
 */
#include <stdio.h>
#include <strings.h>

#include "sql_int.h"

int sql_show_modules(sql_session *s, const sql_node *n) {
  if (!strcasecmp(n->text, "MODULES"))
    fprintf(s->out, "+-------------+\n| module name |\n+-------------+\n| core        |\n+-------------+\n1 row in set\n");
  else if (!strcasecmp(n->text, "FULL MODULES"))
    fprintf(s->out, "+-------------+------+\n| module name | used |\n+-------------+------+\n"
                    "| core        | TRUE |\n+-------------+------+\n1 row in set\n");
  else return 1;
  return STROM_OK;
}
