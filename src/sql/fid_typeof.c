/*
 * fid_typeof.c -- Flink's TYPEOF(x [, force_serializable]): the argument's data type as
 * text, fixed when the call is bound.  Without the flag (or FALSE) Flink's summary
 * string ("INT NOT NULL", "STRING", a string literal's "CHAR(3) NOT NULL": sql_type's chr
 * marks the literals and declared CHAR(n) columns, which are VARCHARs here); with TRUE
 * the serializable one, which spells out what the summary abbreviates (STRING as
 * VARCHAR(2147483647), BYTES as VARBINARY(2147483647), TIMESTAMP_LTZ(p) as TIMESTAMP(p)
 * WITH LOCAL TIME ZONE).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql_int.h"

/* Replaces the abbreviations in s (in place, within cap) by their serializable names. */
static void serializable(char *s, size_t cap) {
  static const struct {
    const char *from, *to;
  } subs[] = {{"STRING", "VARCHAR(2147483647)"}, {"BYTES", "VARBINARY(2147483647)"}};
  char out[512];
  size_t k = 0;
  for (const char *p = s; *p && k + 1 < sizeof out;) {
    bool done = false;
    for (size_t i = 0; i < sizeof subs / sizeof *subs && !done; i++) {
      size_t n = strlen(subs[i].from);
      bool word = (p == s || !(p[-1] == '_' || (p[-1] >= 'A' && p[-1] <= 'Z'))) && !(p[n] == '_' || (p[n] >= 'A' && p[n] <= 'Z'));
      if (!strncmp(p, subs[i].from, n) && word) {
        k += (size_t)snprintf(out + k, sizeof out - k, "%s", subs[i].to);
        if (k >= sizeof out) k = sizeof out - 1;
        p += n, done = true;
      }
    }
    if (!strncmp(p, "TIMESTAMP_LTZ(", 14)) { /* TIMESTAMP_LTZ(p) -> TIMESTAMP(p) WITH LOCAL TIME ZONE */
      const char *c = strchr(p, ')');
      if (c) {
        k += (size_t)snprintf(out + k, sizeof out - k, "TIMESTAMP(%.*s) WITH LOCAL TIME ZONE", (int)(c - p - 14), p + 14);
        if (k >= sizeof out) k = sizeof out - 1;
        p = c + 1, done = true;
      }
    }
    if (!done) out[k++] = *p++;
  }
  out[k] = 0;
  snprintf(s, cap, "%s", out);
}

/* x's type as Flink infers it: a ROW constructor's fields typed by their arguments (the
 * packed value keeps its strings as STRING, the cast pack inserts is looked through). */
static void flink_name(const sql_expr *x, strom_buf *b, int depth) {
  if (x->op == SQL_E_CAST && !x->try_cast && x->a[0]->type.chr && x->type.id == STROM_VARCHAR && x->type.p == SQL_VARCHAR_MAX && !x->type.not_null)
    x = x->a[0];
  if (depth < 32 && x->op == SQL_E_FUNC && x->type.kind == SQL_K_ROWV && !strcmp(x->fn->name, "ROW")) {
    int nf = sql_rowv_nfields(&x->type), off = (int)x->aux;
    strom__buf_printf(b, "ROW<");
    for (int i = 0; i < nf && off + i < x->n; i++) {
      strom__buf_printf(b, "%s`%s` ", i ? ", " : "", sql_rowv_fname(&x->type, i));
      flink_name(x->a[off + i], b, depth + 1);
    }
    strom__buf_printf(b, ">%s", x->type.not_null ? " NOT NULL" : "");
    return;
  }
  char t[512];
  sql_type_name(&x->type, t, sizeof t);
  strom__buf_printf(b, "%s", t);
}

static int ck_typeof(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  bool ser = false;
  if (e->n == 2) {
    const sql_expr *f = e->a[1];
    if (f->op != SQL_E_LIT || f->type.id != STROM_BOOLEAN || f->lit.null)
      return snprintf(err, errlen, "TYPEOF: force_serializable must be a BOOLEAN literal"), STROM_EINVAL;
    ser = f->lit.i != 0;
  }
  const sql_expr *x = e->a[0];
  char t[512];
  strom_buf tb = {0};
  flink_name(x, &tb, 0);
  snprintf(t, sizeof t, "%.*s", (int)tb.len, tb.p ? tb.p : "");
  strom__buf_free(&tb);
  if (ser) serializable(t, sizeof t);
  size_t n = strlen(t);
  char *s = sql_arena_strndup(a, t, n);
  if (!s) return snprintf(err, errlen, "out of memory"), STROM_ENOMEM;
  e->lit = (sql_val){.s = {.p = s, .n = (uint32_t)n}};
  e->type = (sql_type){.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX, .not_null = true};
  return 0;
}

static int f_typeof(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c) {
  (void)args, (void)c;
  out->null = false;
  out->s = e->lit.s;
  return 0;
}

static const sql_func typeof_fn = {"TYPEOF", 1, 2, false, ck_typeof, f_typeof};

const sql_func *sql_fid_func_find(const char *name) { return !strcasecmp(name, "TYPEOF") ? &typeof_fn : NULL; }
