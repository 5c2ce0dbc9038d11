/*
 * format_maxwell.c -- the maxwell-json format: Maxwell's change messages
 * ({"database", "table", "type": "insert" | "update" | "delete", "ts", "data": {row},
 * "old": {changed fields}}) as Flink's changelog rows: insert is +I of "data", delete
 * -D of "data", update -U of the before image (old's fields, the unchanged rest from
 * "data") then +U of "data".  Other types (Maxwell's bootstrap and DDL messages) are
 * errors, as in Flink.  Writing, as Flink does: +I and +U as {"data":row,"type":"insert"},
 * -U and -D as {"data":row,"type":"delete"}.
 */
#include "format.h"

static int image(strom_format *f, const char *p, size_t n, const char *name, strom_row *r, const char **vp,
                 size_t *vn, char *err, size_t errlen) {
  int rc = strom__json_member(p, n, name, vp, vn, err, errlen);
  if (rc < 0) return rc;
  if (rc == 0 || !*vn || **vp != '{') {
    snprintf(err, errlen, "maxwell-json: \"%s\" must be an object", name);
    return STROM_EPARSE;
  }
  char why[384];
  rc = strom__json_decode(f, *vp, *vn, r, &f->tmp, why, sizeof why);
  if (rc == STROM_EPARSE) snprintf(err, errlen, "maxwell-json \"%s\": %s", name, why);
  return rc;
}

int strom__maxwell_decode(strom_format *f, const char *p, size_t n, strom_row *r1, strom_row *r2, int *nrows,
                          char *err, size_t errlen) {
  *nrows = 0;
  const char *v;
  size_t vn;
  int rc = strom__json_member(p, n, "type", &v, &vn, err, errlen);
  if (rc < 0) return rc;
  if (rc == 0 || strom__json_string(v, vn, &f->tmp))
    return snprintf(err, errlen, "maxwell-json: the message has no string \"type\""), STROM_EPARSE;
  const char *t = f->tmp.p;
  if (!strcmp(t, "insert") || !strcmp(t, "delete")) {
    strom_row_kind k = t[0] == 'i' ? STROM_INSERT : STROM_DELETE;
    if ((rc = image(f, p, n, "data", r1, &v, &vn, err, errlen))) return rc;
    strom_row_set_kind(r1, k);
    *nrows = 1;
    return STROM_OK;
  }
  if (strcmp(t, "update")) {
    snprintf(err, errlen, "maxwell-json: unknown \"type\" \"%.40s\" (insert, update, delete expected)", t);
    return STROM_EPARSE;
  }
  strom_row *after = strom__format_new_row(f, 1, r1, r2);
  if (!after) return STROM_ENOMEM;
  if (after == r1) return snprintf(err, errlen, "maxwell-json: an update is two rows"), STROM_EPARSE;
  const char *old;
  size_t oldn;
  if ((rc = image(f, p, n, "data", after, &v, &vn, err, errlen)) ||
      (rc = image(f, p, n, "old", r1, &old, &oldn, err, errlen)) ||
      (rc = strom__cdc_fill_before(f, old, oldn, r1, after)))
    return rc;
  strom_row_set_kind(r1, STROM_UPDATE_BEFORE);
  strom_row_set_kind(after, STROM_UPDATE_AFTER);
  *nrows = 2;
  return STROM_OK;
}

int strom__maxwell_encode(const strom_format *f, const strom_row *r, strom_buf *b) {
  strom_row_kind k = strom_row_get_kind(r);
  bool del = k == STROM_UPDATE_BEFORE || k == STROM_DELETE;
  if (strom__buf_append(b, "{\"data\":", 8) || strom__json_encode(f, r, b)) return STROM_ENOMEM;
  return del ? strom__buf_append(b, ",\"type\":\"delete\"}", 17) : strom__buf_append(b, ",\"type\":\"insert\"}", 17);
}
