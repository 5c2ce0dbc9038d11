/*
 * lexer.c -- SQL tokens from text.  Two passes: the first substitutes ${NAME}
 * variables (outside comments) and remembers, for every byte of the result, the line
 * and column it came from; the second cuts the result into tokens.  Keeping the
 * source position per byte is what lets an error inside a substituted value, or after
 * one, still name the line and column of the script the user wrote.
 */
#include "lexer.h"

#include <ctype.h>

typedef struct lexer {
  sql_arena *a;
  strom_buf out;  /* the text after substitution */
  int *lines, *cols; /* source position of each byte of out */
  size_t npos, cappos;
  int eof_line, eof_col;
  char *err;
  size_t errlen;
} lexer;

static int lex_error(lexer *lx, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int lex_error(lexer *lx, int line, int col, const char *fmt, ...) {
  if (lx->err && lx->errlen) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(lx->err, lx->errlen, "line %d, column %d: %s", line, col, msg);
  }
  return STROM_EINVAL;
}

static int emit(lexer *lx, const char *s, size_t n, int line, int col, int advance_col) {
  if (strom__buf_append(&lx->out, s, n)) return STROM_ENOMEM;
  if (lx->npos + n > lx->cappos) {
    size_t cap = lx->cappos ? lx->cappos : 256;
    while (cap < lx->npos + n) cap *= 2;
    int *l = strom__realloc(lx->lines, cap * sizeof *l);
    if (!l) return STROM_ENOMEM;
    lx->lines = l;
    int *c = strom__realloc(lx->cols, cap * sizeof *c);
    if (!c) return STROM_ENOMEM;
    lx->cols = c;
    lx->cappos = cap;
  }
  for (size_t i = 0; i < n; i++) {
    lx->lines[lx->npos] = line;
    lx->cols[lx->npos++] = advance_col ? col + (int)i : col;
  }
  return 0;
}

/* Pass 1: substitution.  Tracks strings, quoted identifiers and comments only to
 * know where a comment starts; the values substituted are not scanned again. */
static int substitute(lexer *lx, const char *s, size_t n, const sql_var *vars, size_t nvars) {
  int line = 1, col = 1, rc;
  enum { CODE, STR, QID, LINE_COMMENT, BLOCK_COMMENT } st = CODE;
  for (size_t i = 0; i < n;) {
    char c = s[i];
    if (c == 0) return lex_error(lx, line, col, "unexpected NUL byte");
    if (st != LINE_COMMENT && st != BLOCK_COMMENT && c == '$' && i + 1 < n && s[i + 1] == '{') {
      size_t j = i + 2;
      while (j < n && s[j] != '}' && s[j] != '\n' && s[j] != 0 && j - i < 200) j++;
      if (j >= n || s[j] != '}') return lex_error(lx, line, col, "unterminated ${ (expected '}')");
      const char *name = s + i + 2;
      size_t nl = j - i - 2;
      const sql_var *v = NULL;
      for (size_t k = 0; k < nvars && !v; k++)
        if (vars[k].name && strlen(vars[k].name) == nl && !memcmp(vars[k].name, name, nl)) v = &vars[k];
      if (!v || !v->value) return lex_error(lx, line, col, "undefined variable ${%.*s}", (int)nl, name);
      if ((rc = emit(lx, v->value, strlen(v->value), line, col, 0))) return rc;
      col += (int)(j + 1 - i);
      i = j + 1;
      continue;
    }
    switch (st) {
    case CODE:
      if (c == '\'') st = STR;
      else if (c == '`') st = QID;
      else if (c == '-' && i + 1 < n && s[i + 1] == '-') st = LINE_COMMENT;
      else if (c == '/' && i + 1 < n && s[i + 1] == '*' && !(i + 2 < n && s[i + 2] == '+')) { /* a hint is SQL */
        st = BLOCK_COMMENT;
        if ((rc = emit(lx, s + i, 2, line, col, 1))) return rc;
        i += 2, col += 2;
        continue;
      }
      break;
    case STR: if (c == '\'') st = CODE; break; /* '' reads as end + start */
    case QID: if (c == '`') st = CODE; break;
    case LINE_COMMENT: if (c == '\n') st = CODE; break;
    case BLOCK_COMMENT:
      if (c == '*' && i + 1 < n && s[i + 1] == '/') {
        st = CODE;
        if ((rc = emit(lx, s + i, 2, line, col, 1))) return rc;
        i += 2, col += 2;
        continue;
      }
      break;
    }
    if ((rc = emit(lx, s + i, 1, line, col, 1))) return rc;
    i++;
    if (c == '\n') line++, col = 1;
    else col++;
  }
  lx->eof_line = line;
  lx->eof_col = col;
  return 0;
}

static int is_word_start(unsigned char c) { return isalpha(c) || c == '_' || c >= 0x80; }
static int is_word_char(unsigned char c) { return isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

int sql_lex(sql_arena *a, const char *text, size_t len, const sql_var *vars, size_t nvars, sql_token **toks_out,
            size_t *ntoks_out, char *err, size_t errlen) {
  lexer lx = {.a = a, .err = err, .errlen = errlen};
  sql_token *toks = NULL;
  size_t ntoks = 0, cap = 0;
  int in_hint = 0, hint_line = 0, hint_col = 0;
  int rc = substitute(&lx, text, len, vars, nvars);
  if (rc) goto fail;
  const char *s = lx.out.p ? lx.out.p : "";
  size_t n = lx.out.len;
  for (size_t i = 0;;) {
    while (i < n && isspace((unsigned char)s[i])) i++;
    if (ntoks == cap) {
      cap = cap ? cap * 2 : 64;
      sql_token *t = strom__realloc(toks, cap * sizeof *t);
      if (!t) {
        rc = STROM_ENOMEM;
        goto fail;
      }
      toks = t;
    }
    sql_token *t = &toks[ntoks];
    if (i >= n && in_hint) {
      rc = lex_error(&lx, hint_line, hint_col, "unterminated hint (expected */)");
      goto fail;
    }
    if (i >= n) {
      *t = (sql_token){SQL_TOK_EOF, lx.eof_line, lx.eof_col, ""};
      ntoks++;
      break;
    }
    int line = lx.lines[i], col = lx.cols[i];
    unsigned char c = (unsigned char)s[i];
    size_t start = i;
    *t = (sql_token){.line = line, .col = col};
    if (c == '-' && i + 1 < n && s[i + 1] == '-') {
      while (i < n && s[i] != '\n') i++;
      continue;
    }
    if (c == '/' && i + 2 < n && s[i + 1] == '*' && s[i + 2] == '+' && !in_hint) {
      /* a hint (hint_grammar.h): its opening and closing marks are tokens, what is between is SQL */
      in_hint = 1, hint_line = line, hint_col = col;
      t->kind = SQL_TOK_OP;
      if (!(t->text = sql_arena_strndup(a, "/*+", 3))) goto nomem;
      i += 3, ntoks++;
      continue;
    }
    if (in_hint && c == '*' && i + 1 < n && s[i + 1] == '/') {
      in_hint = 0;
      t->kind = SQL_TOK_OP;
      if (!(t->text = sql_arena_strndup(a, "*/", 2))) goto nomem;
      i += 2, ntoks++;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      const char *end = NULL;
      for (size_t j = i + 2; j + 1 < n; j++)
        if (s[j] == '*' && s[j + 1] == '/') {
          end = s + j;
          break;
        }
      if (!end) {
        rc = lex_error(&lx, line, col, "unterminated comment (expected */)");
        goto fail;
      }
      i = (size_t)(end - s) + 2;
      continue;
    }
    if (c == '\'' || c == '`') {
      strom_buf v = {0};
      size_t j = i + 1;
      for (;;) {
        if (j >= n) {
          strom__buf_free(&v);
          rc = lex_error(&lx, line, col, c == '\'' ? "unterminated string literal" : "unterminated quoted identifier");
          goto fail;
        }
        if (s[j] == (char)c) {
          if (j + 1 < n && s[j + 1] == (char)c) {
            if (strom__buf_append(&v, s + j, 1)) goto nomem_v;
            j += 2;
            continue;
          }
          break;
        }
        if (strom__buf_append(&v, s + j, 1)) goto nomem_v;
        j++;
      }
      if (c == '`' && !v.len) {
        strom__buf_free(&v);
        rc = lex_error(&lx, line, col, "empty quoted identifier");
        goto fail;
      }
      t->kind = c == '\'' ? SQL_TOK_STRING : SQL_TOK_QUOTED;
      t->text = sql_arena_strndup(a, v.p ? v.p : "", v.len);
      strom__buf_free(&v);
      if (!t->text) goto nomem;
      i = j + 1;
      ntoks++;
      continue;
    nomem_v:
      strom__buf_free(&v);
      goto nomem;
    }
    if (isdigit(c) || (c == '.' && i + 1 < n && isdigit((unsigned char)s[i + 1]))) {
      while (i < n && isdigit((unsigned char)s[i])) i++;
      if (i < n && s[i] == '.') {
        i++;
        while (i < n && isdigit((unsigned char)s[i])) i++;
      }
      if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-')) j++;
        if (j >= n || !isdigit((unsigned char)s[j])) {
          rc = lex_error(&lx, line, col, "malformed number (exponent without digits)");
          goto fail;
        }
        while (j < n && isdigit((unsigned char)s[j])) j++;
        i = j;
      }
      if (i < n && is_word_char((unsigned char)s[i])) {
        rc = lex_error(&lx, line, col, "malformed number (letter after digits)");
        goto fail;
      }
      t->kind = SQL_TOK_NUMBER;
    } else if (is_word_start(c)) {
      while (i < n && is_word_char((unsigned char)s[i])) i++;
      t->kind = SQL_TOK_WORD;
    } else {
      static const char *const two[] = {"<>", "<=", ">=", "!=", "||", "=>"};
      t->kind = SQL_TOK_OP;
      i++;
      for (size_t k = 0; k < sizeof two / sizeof *two; k++)
        if (i < n && s[start] == two[k][0] && s[i] == two[k][1]) {
          i++;
          break;
        }
      if (i - start == 1 && !strchr("=<>+-*/%(),;.[]{}?|^$", c)) {
        if (isprint(c)) rc = lex_error(&lx, line, col, "unexpected character '%c'", c);
        else rc = lex_error(&lx, line, col, "unexpected byte 0x%02x", c);
        goto fail;
      }
    }
    t->text = sql_arena_strndup(a, s + start, i - start);
    if (!t->text) goto nomem;
    ntoks++;
  }
  strom__buf_free(&lx.out);
  free(lx.lines);
  free(lx.cols);
  *toks_out = toks;
  *ntoks_out = ntoks;
  return 0;
nomem:
  rc = STROM_ENOMEM;
  if (err && errlen) snprintf(err, errlen, "out of memory");
fail:
  if (rc == STROM_ENOMEM && err && errlen && !err[0]) snprintf(err, errlen, "out of memory");
  strom__buf_free(&lx.out);
  free(lx.lines);
  free(lx.cols);
  free(toks);
  *toks_out = NULL;
  *ntoks_out = 0;
  return rc;
}
