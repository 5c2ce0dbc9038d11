/*
 * schema.c -- row schemas: named, typed columns.  A schema is reference counted
 * because every stream, row and operator that uses it keeps it alive; it must not
 * change once a stream uses it.  strom_schema_parse() accepts the column-list syntax
 * of SQL DDL ("a BIGINT, b DECIMAL(10,2)") so tests and CSV sources can state
 * schemas in one line.
 */
#include <ctype.h>
#include <strings.h>

#include "core.h"

strom_schema *strom_schema_new(void) {
  strom_schema *s = strom__calloc(1, sizeof *s);
  if (s) atomic_init(&s->refs, 1);
  return s;
}

strom_schema *strom__schema_ref(const strom_schema *cs) {
  strom_schema *s = (strom_schema *)cs;
  if (s) atomic_fetch_add(&s->refs, 1);
  return s;
}

void strom_schema_free(strom_schema *s) {
  if (!s || atomic_fetch_sub(&s->refs, 1) != 1) return;
  for (int i = 0; i < s->ncols; i++) free(s->cols[i].name);
  free(s->cols);
  free(s);
}

static size_t fixed_width(strom_type_id t) {
  switch (t) {
    case STROM_BOOLEAN: return 1;
    case STROM_INT: return 4;
    case STROM_VARCHAR: return 0;
    default: return 8;
  }
}

static int add_col(strom_schema *s, const char *name, size_t nlen, strom_type_id t, int p, int sc) {
  if (!s || !name || nlen == 0 || t < STROM_BOOLEAN || t > STROM_TIMESTAMP) return STROM_EINVAL;
  if (s->ncols == s->cap) {
    int cap = s->cap ? s->cap * 2 : 8;
    strom_col *c = strom__realloc(s->cols, (size_t)cap * sizeof *c);
    if (!c) return STROM_ENOMEM;
    s->cols = c;
    s->cap = cap;
  }
  for (int i = 0; i < s->ncols; i++)
    if (strlen(s->cols[i].name) == nlen && !strncasecmp(s->cols[i].name, name, nlen)) return STROM_EINVAL;
  char *n = strom__strndup(name, nlen);
  if (!n) return STROM_ENOMEM;
  bool wide = t == STROM_DECIMAL && p > STROM_DEC64_DIGITS;
  bool ts_wide = t == STROM_TIMESTAMP && p > 3; /* + 4 bytes of nanoseconds */
  s->cols[s->ncols++] = (strom_col){.name = n, .type = t, .precision = p, .scale = sc,
                                    .enc = (uint8_t)(wide ? STROM__ENC_DEC128 : ts_wide ? STROM__ENC_TS_WIDE : t),
                                    .keyw = (uint8_t)(t == STROM_VARCHAR ? 0 : wide ? 16 : ts_wide ? 12 : 8)};
  s->fixed_size += fixed_width(t);
  if (t == STROM_VARCHAR) s->nstr++;
  if (wide) s->fixed_size += 8, s->nwide++;
  else if (ts_wide) s->fixed_size += 4, s->nwide++;
  else if (fixed_width(t) == 8) s->n8++;
  return STROM_OK;
}

int strom_schema_add(strom_schema *s, const char *name, strom_type_id t) {
  if (t == STROM_DECIMAL) return strom_schema_add_decimal(s, name, 18, 0);
  if (t == STROM_TIMESTAMP) return strom_schema_add_timestamp(s, name, 3);
  return add_col(s, name, name ? strlen(name) : 0, t, 0, 0);
}

int strom_schema_add_decimal(strom_schema *s, const char *name, int p, int sc) {
  if (p < 1 || p > STROM_DEC_MAX_DIGITS || sc < 0 || sc > p) return STROM_ENOTSUP;
  return add_col(s, name, name ? strlen(name) : 0, STROM_DECIMAL, p, sc);
}

int strom__schema_add_col(strom_schema *s, const char *name, const strom_col *c) {
  int rc = add_col(s, name, name ? strlen(name) : 0, c->type, c->precision, c->scale);
  if (!rc) s->cols[s->ncols - 1].narrow = c->narrow;
  return rc;
}

int strom_schema_add_timestamp(strom_schema *s, const char *name, int p) {
  if (p < 0 || p > 9) return STROM_ENOTSUP;
  return add_col(s, name, name ? strlen(name) : 0, STROM_TIMESTAMP, p, 0);
}

int strom_schema_ncols(const strom_schema *s) { return s ? s->ncols : 0; }

const char *strom_schema_col_name(const strom_schema *s, int i) {
  return s && i >= 0 && i < s->ncols ? s->cols[i].name : NULL;
}

strom_type_id strom_schema_col_type(const strom_schema *s, int i) {
  return s && i >= 0 && i < s->ncols ? s->cols[i].type : (strom_type_id)0;
}

int strom_schema_col_scale(const strom_schema *s, int i) {
  return s && i >= 0 && i < s->ncols ? s->cols[i].scale : 0;
}

int strom_schema_col_precision(const strom_schema *s, int i) {
  return s && i >= 0 && i < s->ncols ? s->cols[i].precision : 0;
}

int strom_schema_find(const strom_schema *s, const char *name) {
  for (int i = 0; s && name && i < s->ncols; i++)
    if (!strcasecmp(s->cols[i].name, name)) return i;
  return -1;
}

bool strom__schema_compatible(const strom_schema *a, const strom_schema *b) {
  if (a->ncols != b->ncols) return false;
  for (int i = 0; i < a->ncols; i++)
    if (a->cols[i].type != b->cols[i].type || a->cols[i].scale != b->cols[i].scale ||
        strom__col_wide(&a->cols[i]) != strom__col_wide(&b->cols[i]) || strom__ts_wide(&a->cols[i]) != strom__ts_wide(&b->cols[i]))
      return false;
  return true;
}

static const char *type_name(strom_type_id t) {
  switch (t) {
    case STROM_BOOLEAN: return "BOOLEAN";
    case STROM_INT: return "INT";
    case STROM_BIGINT: return "BIGINT";
    case STROM_DOUBLE: return "DOUBLE";
    case STROM_DECIMAL: return "DECIMAL";
    case STROM_VARCHAR: return "VARCHAR";
    case STROM_TIMESTAMP: return "TIMESTAMP";
  }
  return "?";
}

int strom_schema_format(const strom_schema *s, char *buf, size_t cap) {
  strom_buf b = {0};
  for (int i = 0; i < s->ncols; i++) {
    const strom_col *c = &s->cols[i];
    strom__buf_printf(&b, "%s%s %s", i ? ", " : "", c->name, type_name(c->type));
    if (c->type == STROM_DECIMAL) strom__buf_printf(&b, "(%d,%d)", c->precision, c->scale);
    if (c->type == STROM_TIMESTAMP) strom__buf_printf(&b, "(%d)", c->precision);
  }
  int n = (int)b.len;
  if (cap) snprintf(buf, cap, "%s", b.p ? b.p : "");
  strom__buf_free(&b);
  return n;
}

strom_schema *strom__schema_with_time(const strom_schema *in) {
  strom_schema *s = strom_schema_new();
  for (int i = 0; s && i < in->ncols; i++) {
    const strom_col *c = &in->cols[i];
    if (add_col(s, c->name, strlen(c->name), c->type, c->precision, c->scale)) goto fail;
  }
  if (s && strom_schema_add(s, "__timestamp", STROM_BIGINT)) goto fail;
  return s;
fail:
  strom_schema_free(s);
  return NULL;
}

/* ---- parsing "name TYPE, ..." ---- */

static const struct {
  const char *name;
  strom_type_id type;
} type_names[] = {
    {"BOOLEAN", STROM_BOOLEAN}, {"BOOL", STROM_BOOLEAN},    {"INT", STROM_INT},
    {"INTEGER", STROM_INT},     {"BIGINT", STROM_BIGINT},   {"DOUBLE", STROM_DOUBLE},
    {"DECIMAL", STROM_DECIMAL}, {"VARCHAR", STROM_VARCHAR}, {"STRING", STROM_VARCHAR},
    {"TIMESTAMP", STROM_TIMESTAMP},
};

static const char *skip_ws(const char *p) {
  while (isspace((unsigned char)*p)) p++;
  return p;
}

static const char *parse_int(const char *p, int *out) {
  p = skip_ws(p);
  if (!isdigit((unsigned char)*p)) return NULL;
  long v = 0;
  while (isdigit((unsigned char)*p) && v < 100000) v = v * 10 + (*p++ - '0');
  *out = (int)v;
  return skip_ws(p);
}

strom_schema *strom_schema_parse(const char *spec, char *err, size_t errlen) {
  strom_schema *s = strom_schema_new();
  const char *p = spec ? spec : "";
  const char *why = NULL;
  if (!s) return NULL;
  for (;;) {
    p = skip_ws(p);
    const char *name = p;
    while (isalnum((unsigned char)*p) || *p == '_') p++;
    size_t nlen = (size_t)(p - name);
    if (!nlen) { why = "expected a column name"; break; }
    p = skip_ws(p);
    const char *tn = p;
    while (isalpha((unsigned char)*p)) p++;
    size_t tlen = (size_t)(p - tn);
    strom_type_id t = 0;
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
      if (strlen(type_names[i].name) == tlen && !strncasecmp(tn, type_names[i].name, tlen))
        t = type_names[i].type;
    if (!t) { p = tn; why = "expected a type (BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR, TIMESTAMP(p))"; break; }
    int prec = t == STROM_TIMESTAMP ? 3 : 18, scale = 0;
    p = skip_ws(p);
    if (*p == '(') {
      const char *q = parse_int(p + 1, &prec);
      if (q && t == STROM_DECIMAL && *q == ',') q = parse_int(q + 1, &scale);
      if (!q || *q != ')') { why = "malformed type parameters"; break; }
      if (t == STROM_TIMESTAMP && prec > 9) { why = "TIMESTAMP precision must be 0..9"; break; }
      if (t == STROM_VARCHAR) prec = 18;
      p = q + 1;
    }
    int rc = t == STROM_DECIMAL ? (prec < 1 || prec > STROM_DEC_MAX_DIGITS || scale > prec ? STROM_ENOTSUP : 0) : 0;
    if (rc) { why = "DECIMAL precision must be 1..38 and scale at most the precision"; break; }
    rc = add_col(s, name, nlen, t, t == STROM_DECIMAL || t == STROM_TIMESTAMP ? prec : 0, scale);
    if (rc) { p = name; why = rc == STROM_EINVAL ? "duplicate column name" : strom_strerror(rc); break; }
    p = skip_ws(p);
    if (*p == 0) return s;
    if (*p != ',') { why = "expected ',' or the end"; break; }
    p++;
  }
  if (err && errlen) snprintf(err, errlen, "schema: %s at offset %d", why, (int)(p - (spec ? spec : "")));
  strom_schema_free(s);
  return NULL;
}
