/*
 * lexer.h -- turns SQL text into tokens, after ${VAR} substitution.
 */
#ifndef STROM_SQL_LEXER_H
#define STROM_SQL_LEXER_H

#include "ast.h"

typedef enum {
  SQL_TOK_EOF,
  SQL_TOK_WORD,   /* identifier or keyword, as written; keywords match case-insensitively */
  SQL_TOK_QUOTED, /* `back-quoted identifier`, text decoded (`` -> `) */
  SQL_TOK_STRING, /* 'string literal', text decoded ('' -> ') */
  SQL_TOK_NUMBER, /* 12, 1.5, .5, 1e-3, as written */
  SQL_TOK_OP      /* = <> != < > <= >= + - * / % || ( ) , ; . [ ] => */
} sql_tok_kind;

typedef struct sql_token {
  sql_tok_kind kind;
  int line, col; /* 1-based, in the original text (a substituted token: the ${ position) */
  const char *text; /* NUL-terminated, in the arena */
} sql_token;

/* A variable for ${NAME} substitution. */
typedef struct sql_var {
  const char *name, *value;
} sql_var;

/* Splits text (len bytes, may contain NULs, which are rejected) into tokens ending in
 * one SQL_TOK_EOF.  ${NAME} is replaced by the value of vars[i] with that name
 * everywhere except in comments, before tokenising.  On success returns 0 and a
 * malloc'd array in *toks (the caller frees it; token texts are in arena a); on error
 * returns STROM_EINVAL (or STROM_ENOMEM) with "line L, column C: ..." in err. */
int sql_lex(sql_arena *a, const char *text, size_t len, const sql_var *vars, size_t nvars, sql_token **toks,
            size_t *ntoks, char *err, size_t errlen);

#endif
