/*
 * format.c -- choosing a format and the columns it covers, and the raw format (the
 * record's bytes as the one VARCHAR column, a Kafka null as NULL), which is too small
 * for a file of its own.  csv reuses format_csv.c through a scratch row of just the
 * covered columns.
 */
#include "format.h"
#include "format_csv.h"

static int add_col(strom_format *f, int c) {
  int *p = strom__realloc(f->cols, (size_t)(f->ncols + 1) * sizeof *p);
  if (!p) return STROM_ENOMEM;
  f->cols = p;
  f->cols[f->ncols++] = c;
  return STROM_OK;
}

int strom__format_init(strom_format *f, const strom_format_opts *o, const strom_schema *s, const char *fields,
                       char *err, size_t errlen) {
  memset(f, 0, sizeof *f);
  f->o = *o;
  f->schema = s;
  int rc = STROM_OK;
  if (!fields) {
    for (int c = 0; !rc && c < s->ncols; c++) rc = add_col(f, c);
  } else {
    for (const char *p = fields; !rc && *p;) {
      while (*p == ' ' || *p == ';' || *p == ',') p++;
      const char *b = p;
      while (*p && *p != ';' && *p != ',') p++;
      size_t n = (size_t)(p - b);
      while (n && b[n - 1] == ' ') n--;
      if (!n) continue;
      char name[128];
      snprintf(name, sizeof name, "%.*s", (int)n, b);
      int c = strom_schema_find(s, name);
      if (c < 0) {
        snprintf(err, errlen, "key.fields: no column '%s'", name);
        rc = STROM_EINVAL;
      } else {
        rc = add_col(f, c);
      }
    }
    if (!rc && !f->ncols) snprintf(err, errlen, "key.fields is empty"), rc = STROM_EINVAL;
  }
  for (int i = 0; !rc && i < f->ncols; i++) { /* src/sql/types_row.c's "p.$" columns */
    const char *nm = s->cols[f->cols[i]].name;
    size_t len = strlen(nm);
    f->row_markers |= len >= 2 && nm[len - 2] == '.' && nm[len - 1] == '$';
  }
  if (!rc && o->kind == STROM_FORMAT_RAW && (f->ncols != 1 || s->cols[f->cols[0]].type != STROM_VARCHAR)) {
    snprintf(err, errlen, "the raw format needs exactly one VARCHAR column, got %d column(s)", f->ncols);
    rc = STROM_EINVAL;
  }
  if (!rc && o->kind == STROM_FORMAT_CSV) {
    strom_schema *sub = strom_schema_new();
    for (int i = 0; sub && !rc && i < f->ncols; i++) {
      const strom_col *col = &s->cols[f->cols[i]];
      rc = col->type == STROM_DECIMAL ? strom_schema_add_decimal(sub, col->name, col->precision, col->scale)
                                      : strom__schema_add_col(sub, col->name, col);
    }
    if (!sub || rc || !(f->scratch = strom_row_new(sub))) rc = rc ? rc : STROM_ENOMEM;
    strom_schema_free(sub);
  }
  if (!rc && o->kind != STROM_FORMAT_JSON && o->kind != STROM_FORMAT_CSV && o->kind != STROM_FORMAT_RAW &&
      o->kind != STROM_FORMAT_DEBEZIUM_JSON) {
    snprintf(err, errlen, "unknown format %d", (int)o->kind);
    rc = STROM_EINVAL;
  }
  if (rc) strom__format_free(f);
  return rc;
}

void strom__format_free(strom_format *f) {
  free(f->cols);
  if (f->scratch) strom_row_free(f->scratch);
  strom__buf_free(&f->tmp);
  memset(f, 0, sizeof *f);
}

/* Copies column i of src into column c of dst (same type). */
static int copy_col(strom_row *dst, int c, const strom_row *src, int i) {
  if (src->nulls[i]) {
    strom_row_set_null(dst, c);
    return STROM_OK;
  }
  if (src->schema->cols[i].type == STROM_VARCHAR) return strom_row_set_str(dst, c, src->v[i].s.p, src->v[i].s.n);
  dst->v[c] = src->v[i];
  dst->nulls[c] = 0;
  return STROM_OK;
}

int strom__format_decode(strom_format *f, const char *p, size_t n, strom_row *r, char *err, size_t errlen) {
  if (!p) {
    for (int i = 0; i < f->ncols; i++) strom_row_set_null(r, f->cols[i]);
    return STROM_OK;
  }
  switch (f->o.kind) {
    case STROM_FORMAT_RAW: return strom_row_set_str(r, f->cols[0], p, n);
    case STROM_FORMAT_JSON: return strom__json_decode(f, p, n, r, &f->tmp, err, errlen);
    case STROM_FORMAT_DEBEZIUM_JSON: {
      int nrows;
      int rc = strom__debezium_decode(f, p, n, r, r, &nrows, &f->tmp, err, errlen);
      if (!rc && nrows != 1) snprintf(err, errlen, "a debezium update is two rows: not usable here"), rc = STROM_EPARSE;
      return rc;
    }
    case STROM_FORMAT_CSV: {
      while (n && (p[n - 1] == '\n' || p[n - 1] == '\r')) n--;
      int rc = strom__csv_parse(f->scratch, p, n, f->o.csv_delimiter ? f->o.csv_delimiter : ',', err, errlen);
      for (int i = 0; !rc && i < f->ncols; i++) rc = copy_col(r, f->cols[i], f->scratch, i);
      return rc;
    }
    default: return STROM_EINVAL;
  }
}

int strom__format_decode_changes(strom_format *f, const char *p, size_t n, strom_row *r1, strom_row *r2, int *nrows,
                                 char *err, size_t errlen) {
  if (f->o.kind == STROM_FORMAT_DEBEZIUM_JSON) {
    if (!p) return *nrows = 0, STROM_OK; /* the tombstone that follows a delete */
    return strom__debezium_decode(f, p, n, r1, r2, nrows, &f->tmp, err, errlen);
  }
  *nrows = 1;
  return strom__format_decode(f, p, n, r1, err, errlen);
}

int strom__format_encode(strom_format *f, const strom_row *r, strom_buf *b) {
  switch (f->o.kind) {
    case STROM_FORMAT_RAW: {
      int c = f->cols[0];
      return r->nulls[c] ? STROM_OK : strom__buf_append(b, r->v[c].s.p, r->v[c].s.n);
    }
    case STROM_FORMAT_JSON: return strom__json_encode(f, r, b);
    case STROM_FORMAT_DEBEZIUM_JSON: return strom__debezium_encode(f, r, b);
    case STROM_FORMAT_CSV: {
      char delim = f->o.csv_delimiter ? f->o.csv_delimiter : ',';
      for (int i = 0; i < f->ncols; i++) {
        if (i && strom__buf_append(b, &delim, 1)) return STROM_ENOMEM;
        if (strom__format_value(b, r, f->cols[i], true)) return STROM_ENOMEM;
      }
      return STROM_OK;
    }
    default: return STROM_EINVAL;
  }
}
