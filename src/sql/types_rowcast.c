/*
 * types_rowcast.c -- CAST(row AS STRING / VARCHAR(n) / CHAR(n)) as Flink's
 * RowToStringCastRule: "(" then each field cast to STRING, "null" for a NULL field, a
 * nested ROW in its own parentheses, joined by ", ", then ")"; a NULL ROW casts to NULL,
 * and the text is then fitted to a CHAR(n) / VARCHAR(n) as any cast text (cast_len.c).
 * The ROW's leaves (types_rowval.c) are rewritten on the syntax tree into
 *   CASE WHEN marker IS NULL THEN NULL ELSE '(' || COALESCE(CAST(f0 AS STRING), 'null')
 *   || ', ' || ... || ')' END
 * which the binder binds as written.
 */
#include "sql_int.h"

typedef struct rc_ctx {
  sql_arena *a;
  const sql_node *at;
  const sql_node **n;
  const char **path;
  int len;
} rc_ctx;

static sql_node *mk(rc_ctx *c, sql_kind k, const char *text, int nkids) {
  sql_node *n = sql_node_new(c->a, k, c->at, text, nkids);
  if (n) n->nkids = 0;
  return n;
}

static sql_node *kid(sql_node *n, const sql_node *k) {
  if (!n || !k) return NULL;
  n->kids[n->nkids++] = (sql_node *)k;
  return n;
}

static sql_node *str(rc_ctx *c, const char *s) { return mk(c, SQL_STRING, s, 0); }

static sql_node *concat(rc_ctx *c, const sql_node *x, const sql_node *y) {
  if (!x) return (sql_node *)y;
  return kid(kid(mk(c, SQL_OP, "||", 2), x), y);
}

/* COALESCE(x, 'null') */
static sql_node *or_null(rc_ctx *c, const sql_node *x) {
  return kid(kid(mk(c, SQL_CALL, "COALESCE", 2), x), str(c, "null"));
}

/* The text of the ROW whose leaves are [lo, hi), their paths read from off on. */
static sql_node *row_text(rc_ctx *c, int lo, int hi, size_t off) {
  const sql_node *marker = NULL;
  if (lo < hi && !strcmp(c->path[lo] + off, "$")) marker = c->n[lo++];
  sql_node *s = str(c, "(");
  for (int i = lo, first = 1; i < hi && s; first = 0) {
    if (!first) s = concat(c, s, str(c, ", "));
    const char *p = c->path[i] + off, *dot = strchr(p, '.');
    const sql_node *f;
    if (dot) { /* a nested ROW: its leaves share the segment */
      size_t seg = (size_t)(dot - p) + 1;
      int j = i + 1;
      while (j < hi && !strncmp(c->path[j] + off, p, seg)) j++;
      f = row_text(c, i, j, off + seg);
      i = j;
    } else {
      sql_node *ty = mk(c, SQL_TYPE, "STRING", 0);
      f = ty ? kid(kid(mk(c, SQL_CAST, NULL, 2), c->n[i]), ty) : NULL;
      i++;
    }
    s = f ? concat(c, s, or_null(c, f)) : NULL;
  }
  s = s ? concat(c, s, str(c, ")")) : NULL;
  if (!s || !marker) return s;
  /* CASE WHEN marker IS NULL THEN NULL ELSE s END */
  sql_node *isn = kid(mk(c, SQL_OP, "is-null", 1), marker);
  sql_node *w = kid(kid(mk(c, SQL_WHEN, NULL, 2), isn), mk(c, SQL_KEYWORD, "NULL", 0));
  sql_node *e = kid(mk(c, SQL_ELSE, NULL, 1), s);
  return kid(kid(mk(c, SQL_CASE, NULL, 2), w), e);
}

int sql_row_cast_string(sql_arena *a, const sql_col *cols, int ncols, const sql_node *cast, const sql_node **out, char *err,
                        size_t errlen) {
  rc_ctx c = {.a = a, .at = cast};
  c.len = sql_row_leaves(a, cols, ncols, cast->kids[0], &c.n, &c.path, err, errlen);
  if (c.len <= 0) return c.len;
  sql_node *t = row_text(&c, 0, c.len, 0);
  sql_node *x = t ? kid(kid(mk(&c, SQL_CAST, NULL, 2), t), cast->kids[1]) : NULL;
  if (!x) return STROM_ENOMEM;
  x->flags = cast->flags; /* TRY_CAST stays one */
  *out = x;
  return 1;
}
