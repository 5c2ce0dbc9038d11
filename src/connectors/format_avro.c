/*
 * format_avro.c -- the avro format: one record per message in Avro's binary encoding,
 * under the schema Flink derives from the columns (AvroSchemaConverter): a record of the
 * columns in order, a nullable column a union ["null", T] (branch 0 null, 1 the value),
 * a NOT NULL column T itself.  T: BOOLEAN boolean (one byte), TINYINT / SMALLINT / INT
 * int and BIGINT long (zig-zag varints), FLOAT float and DOUBLE double (little-endian
 * IEEE), STRING string (varint length, UTF-8 bytes), DECIMAL(p,s) bytes with logical
 * type decimal (the unscaled value, big-endian two's complement in the fewest bytes, as
 * Java's BigInteger.toByteArray), TIMESTAMP(0..3) long timestamp-millis and
 * TIMESTAMP(4..6) long timestamp-micros, DATE int date (days since 1970-01-01) and
 * TIME(0..3) int time-millis; BYTES is bytes, which Avro encodes as it does a string.
 * DATE and TIME columns reach a format as their text (src/sql/types_io.c), so the SQL
 * layer marks them in avro_columns and they are converted here.  Types with no
 * derivation here (wider timestamps) are refused when the format is set up.  Decoding
 * reads the same schema; a record must use up its message exactly.
 */
#include "format.h"

enum { AVRO_NOT_NULL = 1, AVRO_DATE = 2, AVRO_TIME = 4 };

static int refuse(char *err, size_t errlen, const strom_col *col, const char *why) {
  snprintf(err, errlen, "avro: column '%s': %s", col->name, why);
  return STROM_EINVAL;
}

int strom__avro_init(strom_format *f, char *err, size_t errlen) {
  for (int i = 0; i < f->ncols; i++) {
    const strom_col *col = &f->schema->cols[f->cols[i]];
    if (col->type == STROM_TIMESTAMP && col->precision > 6)
      return refuse(err, errlen, col, "Avro has no TIMESTAMP with precision above 6 (timestamp-micros), as in Flink");
  }
  if (!(f->avro_col = strom__calloc((size_t)(f->ncols ? f->ncols : 1), 1))) return STROM_ENOMEM;
  for (const char *p = f->o.avro_columns; p && *p;) { /* "name:flags;..." */
    while (*p == ';') p++;
    const char *b = p, *colon = NULL;
    while (*p && *p != ';') colon = *p == ':' ? p : colon, p++;
    if (!colon) continue;
    for (int i = 0; i < f->ncols; i++) {
      const char *nm = f->schema->cols[f->cols[i]].name;
      if (strlen(nm) != (size_t)(colon - b) || memcmp(nm, b, (size_t)(colon - b))) continue;
      for (const char *q = colon + 1; q < p; q++)
        f->avro_col[i] |= *q == 'n' ? AVRO_NOT_NULL : *q == 'd' ? AVRO_DATE : *q == 't' ? AVRO_TIME : 0;
      if ((f->avro_col[i] & (AVRO_DATE | AVRO_TIME)) && f->schema->cols[f->cols[i]].type != STROM_VARCHAR)
        return refuse(err, errlen, &f->schema->cols[f->cols[i]], "a DATE or TIME must reach the format as text");
    }
  }
  return STROM_OK;
}

/* ---- DATE and TIME: their text and Avro's ints ---- */

static bool digits(const char *s, size_t n, int *v) {
  *v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    *v = *v * 10 + (s[i] - '0');
  }
  return true;
}

/* "yyyy-MM-dd" (the text a DATE crosses as) to days; false if it is not one. */
static bool date_days(const char *s, size_t n, int64_t *days) {
  int y, m, d;
  if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d) ||
      m < 1 || m > 12 || d < 1 || d > 31)
    return false;
  *days = strom__days_from_civil(y, m, d);
  return true;
}

/* "HH:mm:ss[.fff...]" to milliseconds of the day (digits past the third dropped). */
static bool time_millis(const char *s, size_t n, int64_t *ms) {
  int h, mi, se, frac = 0;
  if (n < 8 || s[2] != ':' || s[5] != ':' || !digits(s, 2, &h) || !digits(s + 3, 2, &mi) || !digits(s + 6, 2, &se) ||
      h > 23 || mi > 59 || se > 59)
    return false;
  if (n > 8) {
    if (s[8] != '.' || n == 9) return false;
    for (size_t i = 9; i < n; i++)
      if (s[i] < '0' || s[i] > '9') return false;
    for (size_t i = 9; i < 12; i++) frac = frac * 10 + (i < n ? s[i] - '0' : 0);
  }
  *ms = ((int64_t)h * 3600 + mi * 60 + se) * 1000 + frac;
  return true;
}

/* ---- writing ---- */

static int put_long(strom_buf *b, int64_t v) {
  uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
  uint8_t out[10];
  size_t n = 0;
  do {
    out[n] = (uint8_t)(z & 0x7F);
    z >>= 7;
    if (z) out[n] |= 0x80;
    n++;
  } while (z);
  return strom__buf_append(b, out, n);
}

static int put_le(strom_buf *b, uint64_t bits, size_t n) {
  uint8_t out[8];
  for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(bits >> (8 * i));
  return strom__buf_append(b, out, n);
}

/* The unscaled value as BigInteger.toByteArray gives it: big-endian two's complement,
 * the fewest bytes that keep the sign. */
static int put_decimal(strom_buf *b, __int128 v) {
  uint8_t be[16];
  for (int i = 0; i < 16; i++) be[i] = (uint8_t)((unsigned __int128)v >> (8 * (15 - i)));
  int s = 0;
  while (s < 15 && ((be[s] == 0x00 && !(be[s + 1] & 0x80)) || (be[s] == 0xFF && (be[s + 1] & 0x80)))) s++;
  if (put_long(b, 16 - s)) return STROM_ENOMEM;
  return strom__buf_append(b, be + s, (size_t)(16 - s));
}

int strom__avro_encode(const strom_format *f, const strom_row *r, strom_buf *b, char *err, size_t errlen) {
  for (int i = 0; i < f->ncols; i++) {
    int c = f->cols[i];
    const strom_col *col = &r->schema->cols[c];
    if (r->nulls[c]) {
      if (f->avro_col && (f->avro_col[i] & AVRO_NOT_NULL))
        return snprintf(err, errlen, "avro: NULL in the NOT NULL column '%s'", col->name), STROM_EINVAL;
      if (put_long(b, 0)) return STROM_ENOMEM;
      continue;
    }
    if (!(f->avro_col && (f->avro_col[i] & AVRO_NOT_NULL)) && put_long(b, 1)) return STROM_ENOMEM;
    int rc;
    uint8_t kind = f->avro_col ? f->avro_col[i] & (AVRO_DATE | AVRO_TIME) : 0;
    if (kind) {
      int64_t v = 0;
      if (kind == AVRO_DATE ? !date_days(r->v[c].s.p, r->v[c].s.n, &v) : !time_millis(r->v[c].s.p, r->v[c].s.n, &v))
        return snprintf(err, errlen, "avro: column '%s': '%.*s' is not a %s", col->name, (int)(r->v[c].s.n > 40 ? 40 : r->v[c].s.n),
                        r->v[c].s.p, kind == AVRO_DATE ? "DATE" : "TIME"),
               STROM_EINVAL;
      if (put_long(b, v)) return STROM_ENOMEM;
      continue;
    }
    switch (col->type) {
      case STROM_BOOLEAN: rc = strom__buf_append(b, r->v[c].i ? "\1" : "\0", 1); break;
      case STROM_INT:
      case STROM_BIGINT: rc = put_long(b, r->v[c].i); break;
      case STROM_DOUBLE:
        if (col->narrow == STROM__NARROW_FLOAT) {
          float x = (float)r->v[c].d;
          uint32_t bits;
          memcpy(&bits, &x, 4);
          rc = put_le(b, bits, 4);
        } else {
          uint64_t bits;
          memcpy(&bits, &r->v[c].d, 8);
          rc = put_le(b, bits, 8);
        }
        break;
      case STROM_DECIMAL: {
        int64_t hi;
        uint64_t lo;
        strom_row_get_decimal128(r, c, &hi, &lo);
        rc = put_decimal(b, (__int128)(((unsigned __int128)(uint64_t)hi << 64) | lo));
        break;
      }
      case STROM_VARCHAR:
        rc = put_long(b, (int64_t)r->v[c].s.n) || strom__buf_append(b, r->v[c].s.p, r->v[c].s.n);
        break;
      case STROM_TIMESTAMP: {
        int64_t ms = r->v[c].ts.ms;
        rc = col->precision <= 3 ? put_long(b, ms) : put_long(b, ms * 1000 + (int64_t)(r->v[c].ts.nano / 1000));
        break;
      }
      default: return snprintf(err, errlen, "avro: column '%s' has no Avro type", col->name), STROM_EINVAL;
    }
    if (rc) return STROM_ENOMEM;
  }
  return STROM_OK;
}

/* ---- reading ---- */

typedef struct rd {
  const uint8_t *p, *end, *start;
  const char *col;
  char *err;
  size_t errlen;
} rd;

static int rerr(rd *d, const char *what) {
  snprintf(d->err, d->errlen, "avro: malformed record at byte %zu (column '%s'): %s", (size_t)(d->p - d->start), d->col,
           what);
  return STROM_EPARSE;
}

static int get_long(rd *d, int64_t *v) {
  uint64_t z = 0;
  for (int shift = 0;; shift += 7) {
    if (d->p >= d->end) return rerr(d, "the record ends inside a number");
    uint8_t byte = *d->p++;
    if (shift == 63 && (byte & 0x7E)) return rerr(d, "a varint longer than a long");
    z |= (uint64_t)(byte & 0x7F) << shift;
    if (!(byte & 0x80)) break;
    if (shift == 63) return rerr(d, "a varint longer than a long");
  }
  *v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
  return STROM_OK;
}

static int get_bytes(rd *d, const uint8_t **s, size_t *n) {
  int64_t len;
  int rc = get_long(d, &len);
  if (rc) return rc;
  if (len < 0) return rerr(d, "a negative length");
  if ((uint64_t)len > (uint64_t)(d->end - d->p)) return rerr(d, "a length past the end of the record");
  *s = d->p;
  *n = (size_t)len;
  d->p += len;
  return STROM_OK;
}

static uint64_t get_le(const uint8_t *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static int get_value(rd *d, strom_row *r, int c) {
  const strom_col *col = &r->schema->cols[c];
  int64_t v;
  int rc;
  switch (col->type) {
    case STROM_BOOLEAN:
      if (d->p >= d->end) return rerr(d, "the record ends early");
      if (*d->p > 1) return rerr(d, "a boolean byte other than 0 or 1");
      strom_row_set_bool(r, c, *d->p++ == 1);
      return STROM_OK;
    case STROM_INT:
      if ((rc = get_long(d, &v))) return rc;
      if (v < INT32_MIN || v > INT32_MAX) return rerr(d, "an int out of range");
      strom_row_set_int(r, c, (int32_t)v);
      return STROM_OK;
    case STROM_BIGINT:
      if ((rc = get_long(d, &v))) return rc;
      strom_row_set_bigint(r, c, v);
      return STROM_OK;
    case STROM_DOUBLE: {
      size_t w = col->narrow == STROM__NARROW_FLOAT ? 4 : 8;
      if ((size_t)(d->end - d->p) < w) return rerr(d, "the record ends inside a floating-point number");
      uint64_t bits = get_le(d->p, w);
      d->p += w;
      double x;
      if (w == 4) {
        uint32_t b32 = (uint32_t)bits;
        float fx;
        memcpy(&fx, &b32, 4);
        x = fx;
      } else {
        memcpy(&x, &bits, 8);
      }
      strom_row_set_double(r, c, x);
      return STROM_OK;
    }
    case STROM_DECIMAL: {
      const uint8_t *s;
      size_t n;
      if ((rc = get_bytes(d, &s, &n))) return rc;
      if (n == 0 || n > 16) return rerr(d, "a decimal of 0 or more than 16 bytes");
      unsigned __int128 u = (s[0] & 0x80) ? ~(unsigned __int128)0 : 0;
      for (size_t i = 0; i < n; i++) u = (u << 8) | s[i];
      __int128 x = (__int128)u;
      if (!strom__dec128_fits(x, col->precision)) return rerr(d, "a decimal wider than the column's precision");
      if (col->precision > 18) strom_row_set_decimal128(r, c, (int64_t)(x >> 64), (uint64_t)x);
      else strom_row_set_decimal(r, c, (int64_t)x);
      return STROM_OK;
    }
    case STROM_VARCHAR: {
      const uint8_t *s;
      size_t n;
      if ((rc = get_bytes(d, &s, &n))) return rc;
      return strom_row_set_str(r, c, (const char *)s, n);
    }
    case STROM_TIMESTAMP: {
      if ((rc = get_long(d, &v))) return rc;
      int64_t ms = v, sub = 0;
      if (col->precision > 3) {
        ms = v / 1000, sub = v % 1000;
        if (sub < 0) ms--, sub += 1000;
      }
      if (ms < -62167219200000LL || ms > 253402300799999LL) return rerr(d, "a timestamp out of the TIMESTAMP range");
      strom__row_set_ts(r, c, ms, (uint32_t)(sub * 1000));
      return STROM_OK;
    }
    default: return rerr(d, "no Avro type");
  }
}

/* An Avro date or time-millis into the column's text, as the SQL layer reads it. */
static int get_text(rd *d, strom_row *r, int c, uint8_t kind) {
  int64_t v;
  int rc = get_long(d, &v);
  if (rc) return rc;
  if (v < INT32_MIN || v > INT32_MAX) return rerr(d, "an int out of range");
  char t[32];
  int n;
  if (kind == AVRO_DATE) {
    int64_t y, m, dd;
    strom__civil_from_days(v, &y, &m, &dd);
    if (y < 0 || y > 9999) return rerr(d, "a date out of the DATE range");
    n = snprintf(t, sizeof t, "%04d-%02d-%02d", (int)y, (int)m, (int)dd);
  } else {
    if (v < 0 || v >= 86400000) return rerr(d, "a time-millis out of the day");
    n = snprintf(t, sizeof t, "%02d:%02d:%02d.%03d", (int)(v / 3600000), (int)(v / 60000 % 60), (int)(v / 1000 % 60),
                 (int)(v % 1000));
  }
  return strom_row_set_str(r, c, t, (size_t)n);
}

int strom__avro_decode(const strom_format *f, const char *p, size_t n, strom_row *r, char *err, size_t errlen) {
  rd d = {.p = (const uint8_t *)p, .end = (const uint8_t *)p + n, .start = (const uint8_t *)p, .err = err,
          .errlen = errlen};
  for (int i = 0; i < f->ncols; i++) {
    int c = f->cols[i], rc;
    d.col = r->schema->cols[c].name;
    if (!(f->avro_col && (f->avro_col[i] & AVRO_NOT_NULL))) {
      int64_t branch;
      if ((rc = get_long(&d, &branch))) return rc;
      if (branch == 0) {
        strom_row_set_null(r, c);
        continue;
      }
      if (branch != 1) return rerr(&d, "a union branch other than 0 (null) or 1");
    }
    uint8_t kind = f->avro_col ? f->avro_col[i] & (AVRO_DATE | AVRO_TIME) : 0;
    if (kind) {
      if ((rc = get_text(&d, r, c, kind))) return rc;
      continue;
    }
    if ((rc = get_value(&d, r, c))) return rc;
  }
  if (d.p != d.end) {
    snprintf(err, errlen, "avro: %zu byte(s) after the record's last column", (size_t)(d.end - d.p));
    return STROM_EPARSE;
  }
  return STROM_OK;
}
