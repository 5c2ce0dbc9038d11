/*
 * format.c -- choosing a format and the columns it covers, and the raw format (the
 * record's bytes as the one VARCHAR column, a Kafka null as NULL), which is too small
 * for a file of its own.  csv reuses format_csv.c through a scratch row of just the
 * covered columns.  The changelog formats (debezium-json, canal-json, maxwell-json) may
 * give several rows per record: past the caller's two they go to rows f owns.
 */
#include "format.h"
#include "format_csv.h"
#include "../core/regex.h"

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
  for (int w = 0; !rc && w < 2; w++) { /* canal-json's include regexes, matched whole as Java's matches() */
    const char *re = w ? o->include_table : o->include_database;
    if (!re) continue;
    strom_buf full = {0};
    char why[256];
    if (strom__buf_printf(&full, "^(?:%s)$", re)) rc = STROM_ENOMEM;
    else if (strom__regex_compile(full.p, full.len, w ? &f->table_re : &f->db_re, why, sizeof why))
      snprintf(err, errlen, "canal-json.%s.include: %s", w ? "table" : "database", why), rc = STROM_EINVAL;
    strom__buf_free(&full);
  }
  if (!rc && (f->db_re || f->table_re)) {
    size_t a = f->db_re ? strom__regex_work_size(f->db_re) : 0, t = f->table_re ? strom__regex_work_size(f->table_re) : 0;
    if (!(f->re_work = strom__calloc((a > t ? a : t) + 8, 1))) rc = STROM_ENOMEM;
  }
  if (!rc && o->kind == STROM_FORMAT_AVRO) rc = strom__avro_init(f, err, errlen);
  if (!rc && (o->kind < STROM_FORMAT_JSON || o->kind > STROM_FORMAT_AVRO)) {
    snprintf(err, errlen, "unknown format %d", (int)o->kind);
    rc = STROM_EINVAL;
  }
  if (rc) strom__format_free(f);
  return rc;
}

void strom__format_free(strom_format *f) {
  free(f->cols);
  if (f->db_re) strom__regex_free(f->db_re);
  if (f->table_re) strom__regex_free(f->table_re);
  free(f->re_work);
  for (int i = 0; i < f->nextra; i++) strom_row_free(f->extra[i]);
  free(f->extra);
  free(f->avro_col);
  if (f->scratch) strom_row_free(f->scratch);
  strom__buf_free(&f->tmp);
  memset(f, 0, sizeof *f);
}

int strom__format_copy_col(strom_row *dst, int c, const strom_row *src, int i) {
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
    case STROM_FORMAT_AVRO: return strom__avro_decode(f, p, n, r, err, errlen);
    case STROM_FORMAT_CANAL_JSON:
    case STROM_FORMAT_MAXWELL_JSON: {
      int nrows;
      int rc = strom__format_decode_changes(f, p, n, r, r, &nrows, err, errlen);
      if (!rc && nrows != 1) snprintf(err, errlen, "a change message of %d rows is not usable here", nrows), rc = STROM_EPARSE;
      return rc;
    }
    case STROM_FORMAT_CSV: {
      while (n && (p[n - 1] == '\n' || p[n - 1] == '\r')) n--;
      int rc = strom__csv_parse(f->scratch, p, n, f->o.csv_delimiter ? f->o.csv_delimiter : ',', err, errlen);
      for (int i = 0; !rc && i < f->ncols; i++) rc = strom__format_copy_col(r, f->cols[i], f->scratch, i);
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
  if (f->o.kind == STROM_FORMAT_CANAL_JSON || f->o.kind == STROM_FORMAT_MAXWELL_JSON) {
    if (!p) return *nrows = 0, STROM_OK; /* a tombstone stands for no change */
    return f->o.kind == STROM_FORMAT_CANAL_JSON ? strom__canal_decode(f, p, n, r1, r2, nrows, err, errlen)
                                                : strom__maxwell_decode(f, p, n, r1, r2, nrows, err, errlen);
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
    case STROM_FORMAT_CANAL_JSON: return strom__canal_encode(f, r, b);
    case STROM_FORMAT_MAXWELL_JSON: return strom__maxwell_encode(f, r, b);
    case STROM_FORMAT_AVRO: {
      char err[256];
      int rc = strom__avro_encode(f, r, b, err, sizeof err);
      if (rc && rc != STROM_ENOMEM) strom__log(STROM_LOG_ERROR, "%s", err);
      return rc;
    }
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

strom_row *strom__format_row_at(strom_format *f, int i, strom_row *r1, strom_row *r2) {
  if (i < 2) return i ? r2 : r1;
  i -= 2;
  if (i >= f->nextra) {
    strom_row **p = strom__realloc(f->extra, (size_t)(i + 1) * sizeof *p);
    if (!p) return NULL;
    f->extra = p;
    for (; f->nextra <= i; f->nextra++)
      if (!(f->extra[f->nextra] = strom_row_new(f->schema))) return NULL;
  }
  return f->extra[i];
}

strom_row *strom__format_new_row(strom_format *f, int i, strom_row *r1, strom_row *r2) {
  strom_row *r = strom__format_row_at(f, i, r1, r2);
  if (r && i >= 2) strom__row_reset(r);
  return r;
}

bool strom__format_matches(strom_format *f, const struct strom__regex *re, const char *s, size_t n) {
  return strom__regex_find(re, s, n, 0, NULL, 0, f->re_work);
}
