/*
 * value.c -- SQL values: reading and writing them in rows, their text form as Flink
 * prints it (DOUBLE as Java's Double.toString, TRUE/FALSE, DECIMAL with its scale,
 * TIMESTAMP(3) as "yyyy-MM-dd HH:mm:ss.SSS"), parsing text (CAST from a string),
 * conversions between types (CAST) and ordering.  DECIMALs are unscaled int64s; a
 * result that does not fit its precision becomes NULL, as Flink's decimal overflow
 * does.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <strings.h>
#include <time.h>

#include "sql_int.h"

/* ---- evaluation scratch ---- */

struct sql_chunk {
  struct sql_chunk *next;
  size_t cap, used;
  char data[];
};

char *sql_ectx_alloc(sql_ectx *c, size_t n) {
  n = (n + 7) & ~(size_t)7;
  struct sql_chunk *k = c->chunks;
  if (!k || k->cap - k->used < n) {
    size_t cap = n > 4096 ? n : 4096;
    struct sql_chunk *nk = strom__malloc(sizeof *nk + cap);
    if (!nk) return NULL;
    nk->cap = cap, nk->used = 0, nk->next = k;
    c->chunks = k = nk;
  }
  char *p = k->data + k->used;
  k->used += n;
  return p;
}

void sql_ectx_reset(sql_ectx *c) {
  /* Keep the newest chunk: a steady stream of rows then allocates nothing. */
  struct sql_chunk *k = c->chunks;
  if (!k) return;
  struct sql_chunk *rest = k->next;
  k->next = NULL;
  k->used = 0;
  while (rest) {
    struct sql_chunk *n = rest->next;
    free(rest);
    rest = n;
  }
}

void sql_ectx_free(sql_ectx *c) {
  sql_ectx_reset(c);
  free(c->chunks);
  c->chunks = NULL;
}

int sql_ectx_fail(sql_ectx *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err, sizeof c->err, fmt, ap);
  va_end(ap);
  return STROM_EUSER;
}

/* ---- rows ---- */

void sql_val_get(const strom_row *r, int col, sql_val *v) {
  v->null = r->nulls[col];
  if (r->schema->cols[col].type == STROM_VARCHAR) {
    v->s.p = r->v[col].s.p;
    v->s.n = r->v[col].s.n;
  } else {
    v->i = r->v[col].i; /* a union: doubles copy bit for bit */
    v->w.hi = r->v[col].w.hi; /* a wide DECIMAL's high word */
  }
}

int sql_val_set(strom_row *r, int col, const sql_val *v) {
  if (v->null) {
    strom_row_set_null(r, col);
    return STROM_OK;
  }
  if (r->schema->cols[col].type == STROM_VARCHAR) return strom_row_set_str(r, col, v->s.p, v->s.n);
  r->nulls[col] = 0;
  r->v[col].i = v->i;
  r->v[col].w.hi = v->w.hi;
  return STROM_OK;
}

/* ---- text ---- */

const int64_t sql_pow10s[19] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
                                   10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL,
                                   100000000000000LL, 1000000000000000LL, 10000000000000000LL,
                                   100000000000000000LL, 1000000000000000000LL};

int64_t sql_pow10(int n) { return n >= 0 && n <= 18 ? sql_pow10s[n] : 0; }

/* Java's Double.toString / Float.toString (src/core/num_text.c, shared with the formats). */
static void format_double(strom_buf *b, double d, bool single) { strom__format_double(b, d, single); }

static void format_decimal(strom_buf *b, int64_t v, int scale) {
  char d[32];
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  int n = snprintf(d, sizeof d, "%0*" PRIu64, scale + 1, u);
  if (v < 0) strom__buf_append(b, "-", 1);
  strom__buf_append(b, d, (size_t)(n - scale));
  if (scale) {
    strom__buf_append(b, ".", 1);
    strom__buf_append(b, d + n - scale, (size_t)scale);
  }
}

void sql_val_format(strom_buf *b, const sql_type *t, const sql_val *v) {
  if (v->null) {
    strom__buf_append(b, "NULL", 4);
    return;
  }
  if (t->kind) return t->kind == SQL_K_BYTES ? sql_bytes_format(b, v) /* types_bytes.c */
                     : t->kind >= SQL_K_ARRAY ? sql_coll_format(b, t, v) : sql_temporal_format(b, t, v->i);
  switch (t->id) {
    case STROM_BOOLEAN: strom__buf_printf(b, "%s", v->i ? "TRUE" : "FALSE"); return;
    case STROM_INT:
    case STROM_BIGINT: strom__buf_printf(b, "%" PRId64, v->i); return;
    case STROM_DOUBLE: format_double(b, v->d, t->narrow == SQL_N_FLOAT); return;
    case STROM_DECIMAL:
      if (sql_dec_wide(t)) strom__dec128_format(b, sql_dec_get(t, v), t->s);
      else format_decimal(b, v->i, t->s);
      return;
    case STROM_VARCHAR: strom__buf_append(b, v->s.p, v->s.n); return;
    case STROM_TIMESTAMP:
      if (t->p == 3) strom__format_ts_ms(b, v->i);
      else sql_ts_format(b, t, v);
      return;
  }
  strom__buf_append(b, "NULL", 4);
}

/* A decimal string into an unscaled value of scale s, rounding half up; -1 if
 * malformed, -2 if it does not fit precision p. */
static int parse_decimal(const char *s, size_t n, int p, int sc, int64_t *out) {
  size_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  __int128 v = 0;
  int intd = 0, frac = 0;
  bool any = false, round_up = false;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, any = true) {
    if (v == 0 && s[i] == '0') continue;
    if (++intd > 19) return -2;
    v = v * 10 + (s[i] - '0');
  }
  if (i < n && s[i] == '.') {
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, any = true) {
      if (frac < sc) v = v * 10 + (s[i] - '0'), frac++;
      else if (frac == sc) round_up = s[i] >= '5', frac++;
    }
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) return -1;
  if (!any || i != n) return -1;
  for (; frac < sc; frac++) v *= 10;
  if (round_up) v += 1;
  if (v >= (__int128)sql_pow10s[p]) return -2;
  *out = neg ? -(int64_t)v : (int64_t)v;
  return 0;
}

static int parse_ts(const char *s, size_t n, int64_t *out, uint32_t *nano) {
  char tmp[48];
  if (n >= sizeof tmp) return -1;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  struct tm tm = {0};
  int used = 0, ms = 0;
  if (sscanf(tmp, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &used) != 3) return -1;
  const char *p = tmp + used;
  if (*p == ' ' || *p == 'T') {
    int u2 = 0;
    if (sscanf(p + 1, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &u2) != 3) {
      u2 = 0;
      if (sscanf(p + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &u2) != 2) return -1;
    }
    p += 1 + u2;
    if (*p == '.') {
      int digits = 0;
      for (p++; *p >= '0' && *p <= '9'; p++, digits++)
        if (digits < 3) ms = ms * 10 + (*p - '0');
        else if (digits < 9) *nano = *nano * 10 + (uint32_t)(*p - '0');
      if (!digits || digits > 9) return -1;
      for (int i = digits; i < 3; i++) ms *= 10;
      for (int i = digits < 3 ? 3 : digits; i < 9; i++) *nano *= 10;
    }
    if (*p == 'Z') p++;
  }
  if (*p || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 ||
      tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 59)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  *out = (int64_t)timegm(&tm) * 1000 + ms;
  return 0;
}

int sql_val_parse(const sql_type *t, const char *s, size_t n, sql_val *v, sql_ectx *c) {
  v->null = false;
  if (t->kind) return t->kind == SQL_K_BYTES ? sql_bytes_parse(t, s, n, v, c) /* types_bytes.c */
                     : t->kind >= SQL_K_ARRAY ? sql_coll_parse(t, s, n, v, c) : sql_temporal_parse(t, s, n, &v->i);
  if (t->id == STROM_VARCHAR) {
    v->s.p = s, v->s.n = (uint32_t)n;
    return 0;
  }
  while (n && isspace((unsigned char)*s)) s++, n--;
  while (n && isspace((unsigned char)s[n - 1])) n--;
  if (sql_dec_wide(t)) { /* rounds half up past the scale; NULL past the precision */
    __int128 w = 0;
    int rc = strom__dec128_parse(s, n, t->p, t->s, true, &w);
    if (rc == -1) return -1;
    sql_dec_put(t, w, v);
    v->null = rc == -2;
    return 0;
  }
  char tmp[64];
  if (n == 0 || n >= sizeof tmp) return -1;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  char *end;
  errno = 0;
  switch (t->id) {
    case STROM_BOOLEAN:
      if (!strcasecmp(tmp, "true")) v->i = 1;
      else if (!strcasecmp(tmp, "false")) v->i = 0;
      else return -1;
      return 0;
    case STROM_INT:
    case STROM_BIGINT: {
      long long x = strtoll(tmp, &end, 10);
      if (*end || errno || (t->id == STROM_INT && (x < INT32_MIN || x > INT32_MAX))) return -1;
      if (sql_narrow_bits(t) && x != (sql_narrow_bits(t) == 8 ? (int8_t)x : (int16_t)x)) return -1; /* TINYINT/SMALLINT */
      v->i = x;
      return 0;
    }
    case STROM_DOUBLE:
      v->d = t->narrow == SQL_N_FLOAT ? (double)strtof(tmp, &end) : strtod(tmp, &end); /* FLOAT: Float.parseFloat */
      return *end ? -1 : 0;
    case STROM_DECIMAL: {
      int rc = parse_decimal(tmp, n, t->p, t->s, &v->i);
      if (rc == -2) v->null = true;
      return rc == -1 ? -1 : 0;
    }
    case STROM_TIMESTAMP: {
      v->ts.nano = 0;
      if (parse_ts(tmp, n, &v->i, &v->ts.nano)) return -1;
      sql_ts_truncate(v, t->p);
      return 0;
    }
    default: break;
  }
  (void)c;
  return -1;
}

/* ---- conversions ---- */

/* v (unscaled, scale from) at scale to, rounding half up; false on overflow of p digits. */
bool sql_dec_rescale(__int128 v, int from, int to, int p, int64_t *out) {
  if (to > from) {
    for (int i = from; i < to; i++) v *= 10;
  } else if (to < from) {
    __int128 div = 1;
    for (int i = to; i < from; i++) div *= 10;
    __int128 q = v / div, r = v % div;
    if (r < 0) r = -r;
    if (r * 2 >= div) q += v < 0 ? -1 : 1;
    v = q;
  }
  __int128 lim = (__int128)sql_pow10s[p > 18 ? 18 : p];
  if (p >= 19) lim = (__int128)INT64_MAX + 1;
  if (v >= lim || v <= -lim) return false;
  *out = (int64_t)v;
  return true;
}

int sql_val_cast(const sql_type *from, const sql_type *to, const sql_val *v, sql_val *out, sql_ectx *c) {
  if (v->null || !from->id) {
    out->null = true;
    return 0;
  }
  if (from->kind || to->kind) return sql_temporal_cast(from, to, v, out, c);
  if (to->narrow && (from->id != to->id || sql_narrow_needs_cast(from, to)))
    return sql_narrow_cast(from, to, v, out, c); /* types_narrow.c */
  out->null = false;
  if (to->id == STROM_VARCHAR) {
    if (from->id == STROM_VARCHAR) {
      *out = *v;
      return 0;
    }
    strom_buf b = {0};
    sql_val_format(&b, from, v);
    return sql_coll_finish(&b, out, c);
  }
  if (from->id == STROM_VARCHAR) {
    if (sql_val_parse(to, v->s.p, v->s.n, out, c)) {
      char tn[48];
      sql_type_name(to, tn, sizeof tn);
      return sql_ectx_fail(c, "cannot cast '%.*s' to %s", (int)(v->s.n > 64 ? 64 : v->s.n), v->s.p, tn);
    }
    return 0;
  }
  if (sql_dec_wide(from) || sql_dec_wide(to)) return sql_dec_wide_cast(from, to, v, out, c);
  switch (to->id) {
    case STROM_BOOLEAN:
      if (from->id == STROM_DOUBLE) out->i = v->d != 0;
      else out->i = v->i != 0;
      return 0;
    case STROM_INT:
    case STROM_BIGINT: {
      int64_t x;
      if (from->id == STROM_DOUBLE) {
        if (!(v->d > -9.3e18 && v->d < 9.3e18)) return sql_ectx_fail(c, "cannot cast %g to an integer", v->d);
        x = (int64_t)v->d;
      } else if (from->id == STROM_DECIMAL) x = v->i / sql_pow10s[from->s];
      else if (from->id == STROM_TIMESTAMP) x = v->i;
      else x = v->i;
      out->i = to->id == STROM_INT ? (int32_t)(uint32_t)(uint64_t)x : x;
      return 0;
    }
    case STROM_DOUBLE:
      if (from->id == STROM_DOUBLE) out->d = v->d;
      else if (from->id == STROM_DECIMAL) out->d = (double)v->i / (double)sql_pow10s[from->s];
      else out->d = (double)v->i;
      return 0;
    case STROM_DECIMAL:
      if (from->id == STROM_DOUBLE) {
        double scaled = v->d * (double)sql_pow10s[to->s];
        if (!(fabs(scaled) < (double)sql_pow10s[to->p])) return sql_dec_overflow(to, out, c);
        else out->i = (int64_t)llround(scaled);
        return 0;
      }
      {
        int fs = from->id == STROM_DECIMAL ? from->s : 0;
        if (!sql_dec_rescale(v->i, fs, to->s, to->p, &out->i)) return sql_dec_overflow(to, out, c);
      }
      return 0;
    case STROM_TIMESTAMP:
      out->i = v->i;
      out->ts.nano = from->id == STROM_TIMESTAMP && from->p > 3 ? v->ts.nano : 0;
      if (to->p < 9) sql_ts_truncate(out, to->p);
      return 0;
    default: break;
  }
  return sql_ectx_fail(c, "unsupported cast");
}

int sql_val_cmp(const sql_type *t, const sql_val *a, const sql_val *b) {
  switch (t->id) {
    case STROM_DOUBLE: return a->d < b->d ? -1 : a->d > b->d;
    case STROM_DECIMAL:
      if (sql_dec_wide(t)) return sql_dec_wide_cmp(t, a, b);
      return a->i < b->i ? -1 : a->i > b->i;
    case STROM_VARCHAR: {
      size_t n = a->s.n < b->s.n ? a->s.n : b->s.n;
      int r = n ? memcmp(a->s.p, b->s.p, n) : 0;
      if (r) return r;
      return a->s.n < b->s.n ? -1 : a->s.n > b->s.n;
    }
    case STROM_TIMESTAMP:
      if (t->p > 3 && !t->kind) return sql_ts_cmp(a, b);
      return a->i < b->i ? -1 : a->i > b->i;
    default: return a->i < b->i ? -1 : a->i > b->i;
  }
}
