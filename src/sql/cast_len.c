/*
 * cast_len.c -- an explicit CAST to CHAR(n) or VARCHAR(n) fits the text to its length, as
 * Flink's CharVarCharTrimPadCastRule does since 1.15 (table.exec.legacy-cast-behaviour
 * off, the default): a longer text keeps its first n characters (code points, not
 * bytes), and a CHAR(n) pads a shorter one with spaces to n.  Only explicit CASTs do:
 * the binder's implicit casts (an INSERT into a VARCHAR(3) column) leave the text as it
 * is, as Flink's sink does by default (table.exec.sink.type-length-enforcer IGNORE).
 * The binary strings fit their lengths in types_bytes.c.
 */
#include <strings.h>

#include "sql_int.h"

uint8_t sql_cast_fit_kind(const sql_node *type_ast, const sql_type *t) {
  if (t->id != STROM_VARCHAR || t->kind || t->p >= SQL_VARCHAR_MAX || !type_ast->text) return 0;
  if (!strcasecmp(type_ast->text, "CHAR") || !strcasecmp(type_ast->text, "CHARACTER")) return 2;
  return !strcasecmp(type_ast->text, "VARCHAR") ? 1 : 0;
}

int sql_cast_fit(const sql_expr *e, sql_val *v, sql_ectx *c) {
  if (v->null || !e->fit_len) return 0;
  uint32_t n = (uint32_t)e->type.p, chars = 0, i = 0;
  const unsigned char *s = (const unsigned char *)v->s.p;
  for (; i < v->s.n; i++) /* a UTF-8 lead byte starts a character */
    if ((s[i] & 0xC0) != 0x80 && chars++ == n) break;
  if (i < v->s.n) { /* the (n+1)-th character starts at i */
    v->s.n = i;
    return 0;
  }
  if (e->fit_len != 2 || chars >= n) return 0;
  char *p = sql_ectx_alloc(c, v->s.n + (n - chars) + 1);
  if (!p) return STROM_ENOMEM;
  if (v->s.n) memcpy(p, v->s.p, v->s.n);
  memset(p + v->s.n, ' ', n - chars);
  v->s.p = p, v->s.n += n - chars;
  return 0;
}
