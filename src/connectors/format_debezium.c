/*
 * format_debezium.c -- the debezium-json format: Debezium's change events
 * ({"before": {...}, "after": {...}, "op": "c"|"r"|"u"|"d"}, optionally wrapped in
 * {"schema": ..., "payload": {...}}) as Flink's changelog rows.  c and r (snapshot
 * reads) are +I of "after"; u is -U of "before" then +U of "after"; d is -D of
 * "before".  Writing, as Flink does, turns +I and +U into {"before":null,"after":row,
 * "op":"c"} and -U and -D into {"before":row,"after":null,"op":"d"}.  The row images are
 * read by the json format's decoder, so their members match columns the same way.
 */
#include "format.h"

static int image(const strom_format *f, const char *p, size_t n, const char *name, strom_row *r, strom_buf *tmp,
                 char *err, size_t errlen) {
  const char *v;
  size_t vn;
  int rc = strom__json_member(p, n, name, &v, &vn, err, errlen);
  if (rc < 0) return rc;
  if (rc == 0 || (vn == 4 && !memcmp(v, "null", 4))) {
    snprintf(err, errlen, "debezium-json: the event has no \"%s\" image", name);
    return STROM_EPARSE;
  }
  char why[384];
  rc = strom__json_decode(f, v, vn, r, tmp, why, sizeof why);
  if (rc == STROM_EPARSE) snprintf(err, errlen, "debezium-json \"%s\": %s", name, why);
  return rc;
}

int strom__debezium_decode(const strom_format *f, const char *p, size_t n, strom_row *r1, strom_row *r2, int *nrows,
                           strom_buf *tmp, char *err, size_t errlen) {
  *nrows = 0;
  const char *v;
  size_t vn;
  int rc = strom__json_member(p, n, "payload", &v, &vn, err, errlen);
  if (rc < 0) return rc;
  if (rc == 1 && vn && v[0] == '{') p = v, n = vn; /* debezium-json.schema-include */
  rc = strom__json_member(p, n, "op", &v, &vn, err, errlen);
  if (rc < 0) return rc;
  if (rc == 0 || vn != 3 || v[0] != '"' || v[2] != '"') {
    snprintf(err, errlen, "debezium-json: \"op\" must be one of \"c\", \"r\", \"u\", \"d\"");
    return STROM_EPARSE;
  }
  switch (v[1]) {
    case 'c':
    case 'r':
      if ((rc = image(f, p, n, "after", r1, tmp, err, errlen))) return rc;
      strom_row_set_kind(r1, STROM_INSERT);
      *nrows = 1;
      return STROM_OK;
    case 'u':
      if ((rc = image(f, p, n, "before", r1, tmp, err, errlen))) return rc;
      strom_row_set_kind(r1, STROM_UPDATE_BEFORE);
      if (r2 == r1) {
        snprintf(err, errlen, "debezium-json: an update is two rows");
        return STROM_EPARSE;
      }
      if ((rc = image(f, p, n, "after", r2, tmp, err, errlen))) return rc;
      strom_row_set_kind(r2, STROM_UPDATE_AFTER);
      *nrows = 2;
      return STROM_OK;
    case 'd':
      if ((rc = image(f, p, n, "before", r1, tmp, err, errlen))) return rc;
      strom_row_set_kind(r1, STROM_DELETE);
      *nrows = 1;
      return STROM_OK;
    default:
      snprintf(err, errlen, "debezium-json: unknown \"op\" \"%c\"", v[1]);
      return STROM_EPARSE;
  }
}

int strom__debezium_encode(const strom_format *f, const strom_row *r, strom_buf *b) {
  strom_row_kind k = strom_row_get_kind(r);
  bool del = k == STROM_UPDATE_BEFORE || k == STROM_DELETE;
  if (strom__buf_append(b, del ? "{\"before\":" : "{\"before\":null,\"after\":", del ? 10 : 23)) return STROM_ENOMEM;
  if (strom__json_encode(f, r, b)) return STROM_ENOMEM;
  return del ? strom__buf_append(b, ",\"after\":null,\"op\":\"d\"}", 23) : strom__buf_append(b, ",\"op\":\"c\"}", 10);
}
