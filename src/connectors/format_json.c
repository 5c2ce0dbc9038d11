/*
 * format_json.c -- the json format: one JSON object per record, its members matched
 * to columns by name (unknown members are ignored, missing ones are NULL or an error
 * with fail-on-missing-field).  Scalars go through the shared value parser, so a
 * number may also come as a string ("42") as Flink accepts; TIMESTAMP columns read
 * both "2020-12-30 12:13:14.123" and "2020-12-30T12:13:14.123Z" (up to nine fractional
 * digits, kept as the column's precision allows; debezium-json also Debezium's epoch numbers).  The row model has
 * no nested types: a nested object or array is kept, as its JSON text, in a VARCHAR
 * column and refused for any other type.  The parser is a small recursive descent
 * over the bytes with a depth limit; it never reads past the end it was given.
 */
#include <errno.h>
#include <math.h>

#include "format.h"

enum { JSON_MAX_DEPTH = 64 };

typedef struct jp {
  const char *p, *end, *start;
  char *err;
  size_t errlen;
  bool epoch_ts; /* debezium-json: a number in a TIMESTAMP column is Debezium's epoch value */
} jp;

static int jerr(jp *j, const char *what) {
  snprintf(j->err, j->errlen, "malformed JSON at byte %zu: %s", (size_t)(j->p - j->start), what);
  return STROM_EPARSE;
}

static void ws(jp *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static int hex4(jp *j, unsigned *v) {
  if (j->end - j->p < 4) return jerr(j, "short \\u escape");
  *v = 0;
  for (int i = 0; i < 4; i++) {
    char c = *j->p++;
    *v <<= 4;
    if (c >= '0' && c <= '9') *v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') *v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') *v |= (unsigned)(c - 'A' + 10);
    else return jerr(j, "bad \\u escape");
  }
  return STROM_OK;
}

static int put_utf8(strom_buf *b, unsigned cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) u[0] = (char)cp, n = 1;
  else if (cp < 0x800) u[0] = (char)(0xC0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
  else if (cp < 0x10000)
    u[0] = (char)(0xE0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
  else
    u[0] = (char)(0xF0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)), u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)),
    u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
  return strom__buf_append(b, u, n);
}

/* A string at j->p (the opening quote); its unescaped bytes go to out (may be NULL). */
static int jstring(jp *j, strom_buf *out) {
  j->p++;
  for (;;) {
    const char *s = j->p;
    while (j->p < j->end && *j->p != '"' && *j->p != '\\' && (unsigned char)*j->p >= 0x20) j->p++;
    if (out && j->p > s && strom__buf_append(out, s, (size_t)(j->p - s))) return STROM_ENOMEM;
    if (j->p >= j->end) return jerr(j, "unterminated string");
    char c = *j->p++;
    if (c == '"') return STROM_OK;
    if (c != '\\') return jerr(j, "control character in a string");
    if (j->p >= j->end) return jerr(j, "unterminated string");
    char e = *j->p++, one;
    switch (e) {
      case '"': one = '"'; break;
      case '\\': one = '\\'; break;
      case '/': one = '/'; break;
      case 'b': one = '\b'; break;
      case 'f': one = '\f'; break;
      case 'n': one = '\n'; break;
      case 'r': one = '\r'; break;
      case 't': one = '\t'; break;
      case 'u': {
        unsigned cp;
        int rc = hex4(j, &cp);
        if (rc) return rc;
        if (cp >= 0xD800 && cp < 0xDC00) {
          unsigned lo;
          if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u') return jerr(j, "lone surrogate");
          j->p += 2;
          if ((rc = hex4(j, &lo))) return rc;
          if (lo < 0xDC00 || lo > 0xDFFF) return jerr(j, "bad surrogate pair");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return jerr(j, "lone surrogate");
        }
        if (out && put_utf8(out, cp)) return STROM_ENOMEM;
        continue;
      }
      default: return jerr(j, "bad escape");
    }
    if (out && strom__buf_append(out, &one, 1)) return STROM_ENOMEM;
  }
}

static int jnumber(jp *j) {
  const char *s = j->p;
  if (j->p < j->end && *j->p == '-') j->p++;
  if (j->p >= j->end || *j->p < '0' || *j->p > '9') return jerr(j, "bad number");
  if (*j->p == '0') j->p++;
  else
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  if (j->p < j->end && *j->p == '.') {
    j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return jerr(j, "bad number");
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return jerr(j, "bad number");
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  }
  return j->p > s ? STROM_OK : jerr(j, "bad number");
}

static int jword(jp *j, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n)) return jerr(j, "unexpected character");
  j->p += n;
  return STROM_OK;
}

/* Skips any value (validating it). */
static int jskip(jp *j, int depth) {
  ws(j);
  if (j->p >= j->end) return jerr(j, "value expected");
  if (depth > JSON_MAX_DEPTH) return jerr(j, "nested too deeply");
  char c = *j->p;
  if (c == '"') return jstring(j, NULL);
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == close) return j->p++, STROM_OK;
    for (;;) {
      int rc;
      if (c == '{') {
        ws(j);
        if (j->p >= j->end || *j->p != '"') return jerr(j, "member name expected");
        if ((rc = jstring(j, NULL))) return rc;
        ws(j);
        if (j->p >= j->end || *j->p != ':') return jerr(j, "':' expected");
        j->p++;
      }
      if ((rc = jskip(j, depth + 1))) return rc;
      ws(j);
      if (j->p >= j->end) return jerr(j, "unterminated object or array");
      if (*j->p == ',') { j->p++; continue; }
      if (*j->p == close) return j->p++, STROM_OK;
      return jerr(j, "',' or end expected");
    }
  }
  if (c == 't') return jword(j, "true");
  if (c == 'f') return jword(j, "false");
  if (c == 'n') return jword(j, "null");
  return jnumber(j);
}

int strom__json_validate(const char *p, size_t n) {
  char err[128];
  jp j = {.p = p, .end = p + n, .start = p, .err = err, .errlen = sizeof err};
  int rc = jskip(&j, 0);
  ws(&j);
  return rc ? rc : j.p == j.end ? STROM_OK : STROM_EPARSE;
}

/* Debezium's temporal numbers for a TIMESTAMP(p) column: milliseconds (io.debezium.time.Timestamp)
 * for p <= 3, microseconds (MicroTimestamp, PostgreSQL's timestamp(6)) for p <= 6, else
 * nanoseconds (NanoTimestamp) since the epoch. */
static int epoch_timestamp(strom_row *r, int c, const char *s, size_t n, char *why, size_t whylen) {
  char tmp[32];
  int p = r->schema->cols[c].precision;
  if (n < sizeof tmp && memchr(s, '.', n) == NULL && memchr(s, 'e', n) == NULL && memchr(s, 'E', n) == NULL) {
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *end;
    errno = 0;
    long long v = strtoll(tmp, &end, 10);
    int64_t per_ms = p <= 3 ? 1 : p <= 6 ? 1000 : 1000000;
    int64_t ms = v / per_ms, sub = v % per_ms;
    if (sub < 0) ms--, sub += per_ms;
    if (!*end && !errno && ms >= -62167219200000LL && ms <= 253402300799999LL) {
      strom__row_set_ts(r, c, ms, (uint32_t)(sub * (1000000 / per_ms)));
      return STROM_OK;
    }
  }
  snprintf(why, whylen, "%.*s is not an epoch %s of the TIMESTAMP range", (int)(n > 40 ? 40 : n), s,
           p <= 3 ? "milliseconds" : p <= 6 ? "microseconds" : "nanoseconds");
  return STROM_EPARSE;
}

/* Whether t is "NaN", "Infinity", "-Infinity" or "+Infinity" (Double.parseDouble's words). */
static bool java_nonfinite(const strom_buf *t) {
  const char *p = t->p;
  size_t n = t->len;
  if (n == 3 && !memcmp(p, "NaN", 3)) return true;
  if (n && (*p == '-' || *p == '+')) p++, n--;
  return n == 8 && !memcmp(p, "Infinity", 8);
}

/* The value at j->p into column c of r. */
static int jvalue(jp *j, strom_row *r, int c, strom_buf *tmp) {
  const strom_col *col = &r->schema->cols[c];
  char why[160];
  const char *s = j->p;
  int rc;
  ws(j);
  if (j->p >= j->end) return jerr(j, "value expected");
  s = j->p;
  char ch = *j->p;
  if (ch == 'n') {
    if ((rc = jword(j, "null"))) return rc;
    strom_row_set_null(r, c);
    return STROM_OK;
  }
  if (ch == '"') {
    tmp->len = 0;
    if ((rc = jstring(j, tmp))) return rc;
    if (col->type == STROM_VARCHAR) return strom_row_set_str(r, c, tmp->p ? tmp->p : "", tmp->len);
    if (tmp->len == 0) {
      snprintf(j->err, j->errlen, "column '%s': empty string for a %s column", col->name,
               col->type == STROM_TIMESTAMP ? "TIMESTAMP" : "non-string");
      return STROM_EPARSE;
    }
    rc = strom__parse_value(r, c, tmp->p, tmp->len, why, sizeof why);
  } else if (ch == '{' || ch == '[') {
    if ((rc = jskip(j, 1))) return rc;
    if (col->type != STROM_VARCHAR) {
      snprintf(j->err, j->errlen, "column '%s': a nested %s fits only a VARCHAR column", col->name,
               ch == '{' ? "object" : "array");
      return STROM_EPARSE;
    }
    return strom_row_set_str(r, c, s, (size_t)(j->p - s));
  } else {
    if (ch == 't' || ch == 'f') rc = jword(j, ch == 't' ? "true" : "false");
    else rc = jnumber(j);
    if (rc) return rc;
    if (col->type == STROM_VARCHAR) return strom_row_set_str(r, c, s, (size_t)(j->p - s));
    if ((ch == 't' || ch == 'f') != (col->type == STROM_BOOLEAN)) {
      snprintf(j->err, j->errlen, "column '%s': %.*s does not fit its type", col->name, (int)(j->p - s), s);
      return STROM_EPARSE;
    }
    if (col->type == STROM_TIMESTAMP && !j->epoch_ts) {
      snprintf(j->err, j->errlen, "column '%s': a TIMESTAMP must be a string", col->name);
      return STROM_EPARSE;
    }
    if (col->type == STROM_TIMESTAMP) rc = epoch_timestamp(r, c, s, (size_t)(j->p - s), why, sizeof why);
    else rc = strom__parse_value(r, c, s, (size_t)(j->p - s), why, sizeof why);
  }
  if (rc == STROM_ENOMEM) return rc;
  /* The strings "NaN", "Infinity", "-Infinity" are Double.parseDouble's (Flink reads a
   * string for a DOUBLE so), which is how the writer quotes them, as Jackson does. */
  if (!rc && col->type == STROM_DOUBLE && !isfinite(r->v[c].d) && !(ch == '"' && java_nonfinite(tmp))) {
    /* JSON has no infinity: 1e999 is out of range, not a value to pass on. */
    snprintf(why, sizeof why, "%.*s is out of the DOUBLE range", (int)(j->p - s > 40 ? 40 : j->p - s), s);
    rc = STROM_EPARSE;
  }
  if (rc) snprintf(j->err, j->errlen, "column '%s': %s", col->name, why);
  return rc;
}

/* The column "path.$" (the null marker of a SQL ROW, src/sql/types_row.c), -1 if none. */
static int marker_col(const strom_format *f, const strom_buf *path) {
  for (int i = 0; i < f->ncols; i++) {
    const char *cn = f->schema->cols[f->cols[i]].name;
    if (strlen(cn) == path->len + 2 && !memcmp(cn, path->p, path->len) && !strcmp(cn + path->len, ".$")) return i;
  }
  return -1;
}

static bool is_marker(const char *name) {
  size_t n = strlen(name);
  return n >= 2 && !strcmp(name + n - 2, ".$");
}

/* A ROW whose marker stayed NULL ("p": null, or no "p") has no fields, even ones a
 * member spelled "p.a" set. */
static void null_rows(const strom_format *f, strom_row *r) {
  for (int i = 0; i < f->ncols; i++) {
    const char *m = f->schema->cols[f->cols[i]].name;
    if (!is_marker(m) || !r->nulls[f->cols[i]]) continue;
    size_t n = strlen(m) - 1; /* "p." */
    while (i + 1 < f->ncols && !strncmp(f->schema->cols[f->cols[i + 1]].name, m, n)) strom_row_set_null(r, f->cols[++i]);
  }
}

/* The members of the object at j->p into the columns named prefix + member; a member
 * that is an object and prefixes columns ("person" for "person.id", the flattened
 * fields of a SQL ROW column) is read recursively. */
static int jmembers(jp *j, const strom_format *f, strom_row *r, strom_buf *tmp, strom_buf *path, int depth,
                    uint64_t *seen_small, uint8_t *seen_big, int *next) {
  if (depth > JSON_MAX_DEPTH) return jerr(j, "nested too deeply");
  size_t plen = path->len;
  strom_buf name = {0};
  int rc = STROM_OK;
  j->p++;
  ws(j);
  if (j->p < j->end && *j->p == '}') {
    j->p++;
    return STROM_OK;
  }
  for (;;) {
    ws(j);
    if (j->p >= j->end || *j->p != '"') { rc = jerr(j, "member name expected"); break; }
    name.len = 0;
    if ((rc = jstring(j, &name))) break;
    ws(j);
    if (j->p >= j->end || *j->p != ':') { rc = jerr(j, "':' expected"); break; }
    j->p++;
    path->len = plen;
    if ((plen && strom__buf_append(path, ".", 1)) || strom__buf_append(path, name.p ? name.p : "", name.len)) {
      rc = STROM_ENOMEM;
      break;
    }
    /* Members usually come in column order: try the next column first. */
    int k = -1;
    bool prefix = false;
    for (int t = 0; t < f->ncols; t++) {
      int i = (*next + t) % f->ncols;
      const char *cn = f->schema->cols[f->cols[i]].name;
      if (strlen(cn) == path->len && !memcmp(cn, path->p, path->len)) { k = i; break; }
      if (!prefix && strlen(cn) > path->len && !memcmp(cn, path->p, path->len) && cn[path->len] == '.') prefix = true;
    }
    /* a member spelled "p.$" is not the marker: only an object or null "p" sets that */
    if (k >= 0 && path->len && path->p[path->len - 1] == '$' && is_marker(f->schema->cols[f->cols[k]].name)) k = -1;
    ws(j);
    if (k < 0 && prefix && j->p < j->end && *j->p == '{') {
      int m = marker_col(f, path);
      if (m >= 0) { /* the ROW is there (its "path.$" column: a SQL ROW's null marker) */
        strom_row_set_bool(r, f->cols[m], true);
        if (seen_big) seen_big[m] = 1;
        else *seen_small |= (uint64_t)1 << m;
      }
      rc = jmembers(j, f, r, tmp, path, depth + 1, seen_small, seen_big, next);
    }
    else if (k < 0) rc = jskip(j, 1);
    else {
      rc = jvalue(j, r, f->cols[k], tmp);
      if (seen_big) seen_big[k] = 1;
      else *seen_small |= (uint64_t)1 << k;
      *next = k + 1;
    }
    if (rc) break;
    ws(j);
    if (j->p >= j->end) { rc = jerr(j, "unterminated object"); break; }
    if (*j->p == ',') { j->p++; continue; }
    if (*j->p == '}') { j->p++; break; }
    rc = jerr(j, "',' or '}' expected");
    break;
  }
  path->len = plen;
  strom__buf_free(&name);
  return rc;
}

int strom__json_decode(const strom_format *f, const char *p, size_t n, strom_row *r, strom_buf *tmp, char *err,
                       size_t errlen) {
  jp j = {.p = p, .end = p + n, .start = p, .err = err, .errlen = errlen};
  j.epoch_ts = f->o.kind == STROM_FORMAT_DEBEZIUM_JSON;
  uint64_t seen_small = 0;
  uint8_t *seen_big = f->ncols > 64 ? strom__calloc((size_t)f->ncols, 1) : NULL;
  if (f->ncols > 64 && !seen_big) return STROM_ENOMEM;
  strom_buf path = {0};
  int rc = STROM_OK, next = 0;
  for (int i = 0; i < f->ncols; i++) strom_row_set_null(r, f->cols[i]);
  ws(&j);
  if (j.p >= j.end || *j.p != '{') {
    rc = jerr(&j, "a JSON object expected");
    goto out;
  }
  if ((rc = jmembers(&j, f, r, tmp, &path, 1, &seen_small, seen_big, &next))) goto out;
  if (f->row_markers) null_rows(f, r);
  ws(&j);
  if (j.p != j.end) { rc = jerr(&j, "text after the object"); goto out; }
  if (f->o.fail_on_missing_field)
    for (int i = 0; i < f->ncols; i++)
      if (!(seen_big ? seen_big[i] : (seen_small >> i) & 1) && !is_marker(f->schema->cols[f->cols[i]].name)) {
        snprintf(err, errlen, "field '%s' is missing", f->schema->cols[f->cols[i]].name);
        rc = STROM_EPARSE;
        break;
      }
out:
  free(seen_big);
  strom__buf_free(&path);
  return rc;
}

/* Path components of a dotted column name shared with the previous column's. */
static int common_parts(const char *a, const char *b) {
  int n = 0;
  for (size_t i = 0;; i++) {
    if (!a[i] || !b[i] || a[i] != b[i]) return n;
    if (a[i] == '.') n++;
  }
}

/* Columns named by paths ("person.id", a SQL ROW's flattened fields) are written as
 * nested objects; consecutive columns of one ROW share their object. */
int strom__json_encode(const strom_format *f, const strom_row *r, strom_buf *b) {
  if (strom__buf_append(b, "{", 1)) return STROM_ENOMEM;
  size_t start = b->len;
  const char *prev = "";
  int open = 0; /* nested objects open */
  char nulled[2][512]; /* the names of NULL ROWs written as one member (prev may point to one) */
  int alt = 0;
  for (int i = 0; i < f->ncols; i++) {
    int c = f->cols[i];
    const strom_col *col = &r->schema->cols[c];
    const char *name = col->name, *leaf = name, *pdot = strchr(name, '.');
    if (pdot && is_marker(name)) { /* a SQL ROW's null marker: a NULL ROW is `"person": null`, its fields not written */
      size_t n = strlen(name) - 2;
      if (!r->nulls[c] || n >= sizeof nulled[0]) continue;
      memcpy(nulled[alt], name, n);
      nulled[alt][n] = 0;
      name = leaf = nulled[alt];
      alt ^= 1;
      while (i + 1 < f->ncols && !strncmp(r->schema->cols[f->cols[i + 1]].name, name, n) &&
             r->schema->cols[f->cols[i + 1]].name[n] == '.')
        i++;
    }
    if (open || (name == col->name ? pdot != NULL : strchr(name, '.') != NULL)) {
      int keep = common_parts(prev, name);
      if (keep > open) keep = open;
      for (; open > keep; open--)
        if (strom__buf_append(b, "}", 1)) return STROM_ENOMEM;
      const char *q = name;
      for (int k = 0; k < keep; k++) q = strchr(q, '.') + 1;
      bool first = b->len == start || b->p[b->len - 1] == '{';
      for (const char *dot; (dot = strchr(q, '.')); q = dot + 1, open++, first = true)
        if ((!first && strom__buf_append(b, ",", 1)) || strom__buf_json_string(b, q, (size_t)(dot - q)) || strom__buf_append(b, ":{", 2))
          return STROM_ENOMEM;
      leaf = q;
      if ((!first && strom__buf_append(b, ",", 1))) return STROM_ENOMEM;
      prev = name;
    } else if (b->len > start && strom__buf_append(b, ",", 1)) return STROM_ENOMEM;
    if (strom__buf_json_string(b, leaf, strlen(leaf)) || strom__buf_append(b, ":", 1)) return STROM_ENOMEM;
    int rc;
    if (r->nulls[c]) rc = strom__buf_append(b, "null", 4);
    else if (col->type == STROM_DOUBLE && !isfinite(r->v[c].d)) /* Jackson quotes NaN and Infinity */
      rc = strom__buf_append(b, "\"", 1) || strom__format_value(b, r, c, false) || strom__buf_append(b, "\"", 1);
    else if (col->type == STROM_VARCHAR && f->raw_json && f->raw_json[i]) rc = strom__buf_append(b, r->v[c].s.p, r->v[c].s.n);
    else if (col->type == STROM_VARCHAR) rc = strom__buf_json_string(b, r->v[c].s.p, r->v[c].s.n);
    else if (col->type == STROM_TIMESTAMP) {
      size_t at = b->len + 1;
      rc = strom__buf_append(b, "\"", 1) || strom__format_value(b, r, c, false) || strom__buf_append(b, "\"", 1);
      if (!rc && f->o.iso8601 && at + 10 < b->len && b->p[at + 10] == ' ') b->p[at + 10] = 'T';
    } else rc = strom__format_value(b, r, c, false);
    if (rc) return STROM_ENOMEM;
  }
  for (; open > 0; open--)
    if (strom__buf_append(b, "}", 1)) return STROM_ENOMEM;
  return strom__buf_append(b, "}", 1);
}

int strom__json_member(const char *p, size_t n, const char *name, const char **vp, size_t *vn, char *err,
                       size_t errlen) {
  jp j = {.p = p, .end = p + n, .start = p, .err = err, .errlen = errlen};
  strom_buf key = {0};
  int rc, found = 0;
  ws(&j);
  if (j.p >= j.end || *j.p != '{') return jerr(&j, "a JSON object expected");
  j.p++;
  ws(&j);
  if (j.p < j.end && *j.p == '}') return 0;
  for (;;) {
    ws(&j);
    if (j.p >= j.end || *j.p != '"') { rc = jerr(&j, "member name expected"); break; }
    key.len = 0;
    if ((rc = jstring(&j, &key))) break;
    ws(&j);
    if (j.p >= j.end || *j.p != ':') { rc = jerr(&j, "':' expected"); break; }
    j.p++;
    ws(&j);
    const char *v = j.p;
    if ((rc = jskip(&j, 1))) break;
    if (!found && key.len == strlen(name) && !memcmp(key.p, name, key.len)) *vp = v, *vn = (size_t)(j.p - v), found = 1;
    ws(&j);
    if (j.p < j.end && *j.p == ',') { j.p++; continue; }
    if (j.p < j.end && *j.p == '}') { rc = found; break; }
    rc = jerr(&j, "',' or '}' expected");
    break;
  }
  strom__buf_free(&key);
  return rc;
}

int strom__json_element(const char *p, size_t n, size_t *pos, const char **vp, size_t *vn, char *err, size_t errlen) {
  jp j = {.p = p + *pos, .end = p + n, .start = p, .err = err, .errlen = errlen};
  ws(&j);
  if (*pos == 0) {
    if (j.p >= j.end || *j.p != '[') return jerr(&j, "a JSON array expected");
    j.p++;
    ws(&j);
    if (j.p < j.end && *j.p == ']') return 0;
  } else {
    if (j.p < j.end && *j.p == ']') return 0;
    if (j.p >= j.end || *j.p != ',') return jerr(&j, "',' or ']' expected");
    j.p++;
  }
  ws(&j);
  const char *v = j.p;
  int rc = jskip(&j, 1);
  if (rc) return rc;
  *vp = v;
  *vn = (size_t)(j.p - v);
  *pos = (size_t)(j.p - p);
  return 1;
}

int strom__json_string(const char *s, size_t n, strom_buf *out) {
  char err[64];
  jp j = {.p = s, .end = s + n, .start = s, .err = err, .errlen = sizeof err};
  if (!n || *s != '"') return STROM_EPARSE;
  out->len = 0;
  int rc = jstring(&j, out);
  if (!rc && j.p != j.end) rc = STROM_EPARSE;
  if (!rc && !out->p && strom__buf_append(out, "", 0)) rc = STROM_ENOMEM;
  return rc;
}
