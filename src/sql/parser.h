/*
 * parser.h -- recursive-descent parser for Strom's dialect of Flink SQL.  Builds a
 * syntax tree (ast.h) and nothing else; the grammar is in src/sql/README.md.
 */
#ifndef STROM_SQL_PARSER_H
#define STROM_SQL_PARSER_H

#include "ast.h"
#include "lexer.h"

/* Parses a script: statements separated by ';'.  Returns a SCRIPT node allocated in
 * arena a (free it with sql_arena_free), or NULL with "line L, column C: expected X,
 * found Y" (or "...: not supported: FEATURE", or a lexer message) in err. */
sql_node *sql_parse_script(sql_arena *a, const char *text, size_t len, const sql_var *vars, size_t nvars, char *err,
                           size_t errlen);

/* Parses exactly one statement (a trailing ';' is allowed). */
sql_node *sql_parse_statement(sql_arena *a, const char *text, size_t len, const sql_var *vars, size_t nvars,
                              char *err, size_t errlen);

/* Parses one expression (for tests and for expressions in options). */
sql_node *sql_parse_expression(sql_arena *a, const char *text, size_t len, char *err, size_t errlen);

/* docs_window.c: puts the WINDOW clause's definitions (defs: AS nodes, may be NULL) in
 * place of the `OVER name` nodes of select; false (err set) for a name not defined. */
bool sql_named_windows(sql_node *select, const sql_node *defs, char *err, size_t errlen);

#endif
