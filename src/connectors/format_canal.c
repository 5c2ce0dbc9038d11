/*
 * format_canal.c -- the canal-json format: Alibaba Canal's change messages
 * ({"data": [row, ...], "old": [changed fields, ...], "type": "INSERT" | "UPDATE" |
 * "DELETE", "database", "table", "isDdl", "ts", ...}) as Flink's changelog rows.  One
 * message carries a batch: INSERT is +I of each "data" row, DELETE -D of each, UPDATE
 * -U then +U for each pair data[i] / old[i], where old[i] holds only the fields that
 * changed and the rest of the before image comes from data[i] (also used by
 * maxwell-json).  A DDL message (type CREATE, or "isDdl": true) stands for no row, as
 * does one whose database or table fails canal-json.database.include / table.include.
 * Writing, as Flink does: +I and +U as {"data":[row],"type":"INSERT"}, -U and -D as
 * {"data":[row],"type":"DELETE"}.  Row images go through the json format's decoder.
 */
#include "format.h"

int strom__cdc_fill_before(const strom_format *f, const char *old, size_t oldn, strom_row *before,
                           const strom_row *after) {
  char err[64];
  for (int i = 0; i < f->ncols; i++) {
    int c = f->cols[i];
    if (!before->nulls[c]) continue;
    /* a flattened ROW field "p.a" changed when its object "p" is in old */
    const char *name = f->schema->cols[c].name, *dot = strchr(name, '.');
    char top[128];
    snprintf(top, sizeof top, "%.*s", (int)(dot ? (size_t)(dot - name) : strlen(name)), name);
    const char *v;
    size_t vn;
    int rc = strom__json_member(old, oldn, top, &v, &vn, err, sizeof err);
    if (rc < 0) return rc;
    if (rc == 0 && (rc = strom__format_copy_col(before, c, after, c))) return rc;
  }
  return STROM_OK;
}

/* The string member name of p (NULL-terminated in out); 0 if absent or null. */
static int str_member(const char *p, size_t n, const char *name, strom_buf *out, char *err, size_t errlen) {
  const char *v;
  size_t vn;
  int rc = strom__json_member(p, n, name, &v, &vn, err, errlen);
  if (rc <= 0 || (vn == 4 && !memcmp(v, "null", 4))) return rc < 0 ? rc : 0;
  if ((rc = strom__json_string(v, vn, out))) {
    if (rc == STROM_EPARSE) snprintf(err, errlen, "canal-json: \"%s\" must be a string", name);
    return rc;
  }
  return 1;
}

/* Whether the record passes an include regex on member name (absent: it does not). */
static int included(strom_format *f, const struct strom__regex *re, const char *p, size_t n, const char *name,
                    char *err, size_t errlen) {
  if (!re) return 1;
  int rc = str_member(p, n, name, &f->tmp, err, errlen);
  if (rc <= 0) return rc;
  return strom__format_matches(f, re, f->tmp.p, f->tmp.len);
}

static int image(strom_format *f, const char *v, size_t vn, const char *what, size_t i, strom_row *r, char *err,
                 size_t errlen) {
  char why[384];
  int rc = strom__json_decode(f, v, vn, r, &f->tmp, why, sizeof why);
  if (rc == STROM_EPARSE) snprintf(err, errlen, "canal-json \"%s\"[%zu]: %s", what, i, why);
  return rc;
}

int strom__canal_decode(strom_format *f, const char *p, size_t n, strom_row *r1, strom_row *r2, int *nrows, char *err,
                        size_t errlen) {
  *nrows = 0;
  char type[16];
  int rc = str_member(p, n, "type", &f->tmp, err, errlen);
  if (rc < 0) return rc;
  if (rc == 0) return snprintf(err, errlen, "canal-json: the message has no \"type\""), STROM_EPARSE;
  snprintf(type, sizeof type, "%s", f->tmp.len < sizeof type ? f->tmp.p : "?");
  bool ins = !strcmp(type, "INSERT"), upd = !strcmp(type, "UPDATE"), del = !strcmp(type, "DELETE");
  const char *v;
  size_t vn;
  if (!ins && !upd && !del) {
    rc = strom__json_member(p, n, "isDdl", &v, &vn, err, errlen);
    if (rc < 0) return rc;
    if (!strcmp(type, "CREATE") || (rc == 1 && vn == 4 && !memcmp(v, "true", 4))) return STROM_OK; /* DDL */
    snprintf(err, errlen, "canal-json: unknown \"type\" \"%.40s\" (INSERT, UPDATE, DELETE expected)", f->tmp.p);
    return STROM_EPARSE;
  }
  if ((rc = included(f, f->db_re, p, n, "database", err, errlen)) <= 0) return rc;
  if ((rc = included(f, f->table_re, p, n, "table", err, errlen)) <= 0) return rc;
  const char *old = NULL;
  size_t oldn = 0, opos = 0, pos = 0;
  if ((rc = strom__json_member(p, n, "data", &v, &vn, err, errlen)) < 0) return rc;
  if (rc == 0 || !vn || v[0] != '[') return snprintf(err, errlen, "canal-json: \"data\" must be an array of rows"), STROM_EPARSE;
  if (upd) {
    if ((rc = strom__json_member(p, n, "old", &old, &oldn, err, errlen)) < 0) return rc;
    if (rc == 0 || !oldn || old[0] != '[')
      return snprintf(err, errlen, "canal-json: an UPDATE needs \"old\", an array of rows"), STROM_EPARSE;
  }
  const char *dp = v;
  size_t dn = vn;
  for (size_t i = 0;; i++) {
    if ((rc = strom__json_element(dp, dn, &pos, &v, &vn, err, errlen)) <= 0) return rc;
    strom_row *a = strom__format_new_row(f, *nrows, r1, r2);
    if (!a) return STROM_ENOMEM;
    if (!upd) {
      if ((rc = image(f, v, vn, "data", i, a, err, errlen))) return rc;
      strom_row_set_kind(a, ins ? STROM_INSERT : STROM_DELETE);
      ++*nrows;
      continue;
    }
    const char *ov;
    size_t ovn;
    if ((rc = strom__json_element(old, oldn, &opos, &ov, &ovn, err, errlen)) < 0) return rc;
    if (rc == 0)
      return snprintf(err, errlen, "canal-json: an UPDATE has fewer \"old\" rows than \"data\" rows (%zu)", i + 1),
             STROM_EPARSE;
    strom_row *b = strom__format_new_row(f, *nrows + 1, r1, r2);
    if (!b) return STROM_ENOMEM;
    if (b == a) return snprintf(err, errlen, "canal-json: an update is two rows"), STROM_EPARSE;
    if ((rc = image(f, v, vn, "data", i, b, err, errlen)) || (rc = image(f, ov, ovn, "old", i, a, err, errlen)))
      return rc;
    if (!ovn || ov[0] != '{') return snprintf(err, errlen, "canal-json \"old\"[%zu]: an object expected", i), STROM_EPARSE;
    if ((rc = strom__cdc_fill_before(f, ov, ovn, a, b))) return rc;
    strom_row_set_kind(a, STROM_UPDATE_BEFORE);
    strom_row_set_kind(b, STROM_UPDATE_AFTER);
    *nrows += 2;
  }
}

int strom__canal_encode(const strom_format *f, const strom_row *r, strom_buf *b) {
  strom_row_kind k = strom_row_get_kind(r);
  bool del = k == STROM_UPDATE_BEFORE || k == STROM_DELETE;
  if (strom__buf_append(b, "{\"data\":[", 9) || strom__json_encode(f, r, b)) return STROM_ENOMEM;
  return del ? strom__buf_append(b, "],\"type\":\"DELETE\"}", 18) : strom__buf_append(b, "],\"type\":\"INSERT\"}", 18);
}
