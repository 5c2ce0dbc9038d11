/*
 * format_csv.c -- CSV records to rows and back.  Unquoted fields are trimmed of
 * blanks by the value parser (except strings); an empty field is NULL for every type
 * but VARCHAR, where it is the empty string, as in Flink's csv format.
 */
#include "format_csv.h"

int strom__csv_parse(strom_row *r, const char *p, size_t n, char delim, char *err, size_t errlen) {
  const char *end = p + n;
  int col = 0, ncols = r->ncols;
  strom_buf field = {0};
  int rc = STROM_OK;
  strom__row_reset(r);
  for (;;) {
    const char *s;
    size_t len;
    if (p < end && *p == '"') {
      field.len = 0;
      for (p++;; p++) {
        if (p >= end) {
          snprintf(err, errlen, "column %d: unterminated quoted field", col + 1);
          rc = STROM_EPARSE;
          goto out;
        }
        if (*p == '"') {
          if (p + 1 < end && p[1] == '"') p++;
          else break;
        }
        if (strom__buf_append(&field, p, 1)) { rc = STROM_ENOMEM; goto out; }
      }
      p++;
      if (p < end && *p != delim) {
        snprintf(err, errlen, "column %d: text after a closing quote", col + 1);
        rc = STROM_EPARSE;
        goto out;
      }
      s = field.p ? field.p : "";
      len = field.len;
    } else {
      s = p;
      while (p < end && *p != delim) p++;
      len = (size_t)(p - s);
    }
    if (col >= ncols) {
      int extra = col + 1;
      for (; p < end; p++) extra += *p == delim;
      snprintf(err, errlen, "expected %d fields, found %d", ncols, extra);
      rc = STROM_EPARSE;
      goto out;
    }
    char why[160];
    rc = strom__parse_value(r, col, s, len, why, sizeof why);
    if (rc) {
      snprintf(err, errlen, "column %d (%s): %s", col + 1, r->schema->cols[col].name, why);
      goto out;
    }
    col++;
    if (p >= end) break;
    p++; /* the delimiter */
  }
  if (col != ncols) {
    snprintf(err, errlen, "expected %d fields, found %d", ncols, col);
    rc = STROM_EPARSE;
  }
out:
  strom__buf_free(&field);
  return rc;
}

int strom__csv_format(strom_buf *b, const strom_row *r) {
  for (int i = 0; i < r->ncols; i++) {
    if (i && strom__buf_append(b, ",", 1)) return STROM_ENOMEM;
    if (strom__format_value(b, r, i, true)) return STROM_ENOMEM;
  }
  return strom__buf_append(b, "\n", 1);
}
