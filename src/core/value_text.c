/*
 * value_text.c -- the text form of values, shared by the print sink, the CSV format
 * and row formatting.  Timestamps use Flink's SQL form "yyyy-MM-dd HH:mm:ss.SSS"
 * (UTC, no zone); decimals print their scale's digits.  Parsing is strict: a value
 * with trailing garbage or out of its type's range is an error, never a silent 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <strings.h>
#include <time.h>

#include "core.h"

static void format_decimal(strom_buf *b, int64_t v, int scale) {
  char digits[32];
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  int n = snprintf(digits, sizeof digits, "%0*" PRIu64, scale + 1, u);
  if (v < 0) strom__buf_append(b, "-", 1);
  strom__buf_append(b, digits, (size_t)(n - scale));
  if (scale) {
    strom__buf_append(b, ".", 1);
    strom__buf_append(b, digits + n - scale, (size_t)scale);
  }
}

void strom__format_ts_ms(strom_buf *b, int64_t ms) {
  int64_t secs = ms / 1000; /* floor division that cannot overflow (ms may be INT64_MIN) */
  int millis = (int)(ms % 1000);
  if (millis < 0) secs--, millis += 1000;
  time_t t = (time_t)secs;
  struct tm tm;
  gmtime_r(&t, &tm);
  strom__buf_printf(b, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
                    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

int strom__format_ts(strom_buf *b, int64_t ms, uint32_t nano, int precision, char sep) {
  int64_t secs = ms / 1000;
  int millis = (int)(ms % 1000);
  if (millis < 0) secs--, millis += 1000;
  time_t t = (time_t)secs;
  struct tm tm;
  gmtime_r(&t, &tm);
  strom__buf_printf(b, "%04d-%02d-%02d%c%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, sep, tm.tm_hour,
                    tm.tm_min, tm.tm_sec);
  /* Flink's rule (TimestampStringUtils): nine digits, trailing zeros dropped down to
   * the precision's count. */
  char frac[10];
  snprintf(frac, sizeof frac, "%03d%06u", millis, precision > 3 ? nano % 1000000u : 0u);
  int n = 9;
  while (n > precision && frac[n - 1] == '0') n--;
  if (!n) return STROM_OK;
  strom__buf_append(b, ".", 1);
  return strom__buf_append(b, frac, (size_t)n);
}

int strom__format_value(strom_buf *b, const strom_row *r, int c, bool csv) {
  if (r->nulls[c]) return csv ? STROM_OK : strom__buf_append(b, "null", 4);
  const strom_col *col = &r->schema->cols[c];
  switch (col->type) {
    case STROM_BOOLEAN: return strom__buf_printf(b, "%s", r->v[c].i ? "true" : "false");
    case STROM_INT:
    case STROM_BIGINT: return strom__buf_printf(b, "%" PRId64, r->v[c].i);
    case STROM_DOUBLE: return strom__format_double(b, r->v[c].d, col->narrow == STROM__NARROW_FLOAT); /* num_text.c */
    case STROM_DECIMAL:
      if (col->precision > STROM_DEC64_DIGITS) strom__dec128_format(b, strom__dec128_get(&r->v[c]), col->scale);
      else format_decimal(b, r->v[c].i, col->scale);
      return STROM_OK;
    case STROM_TIMESTAMP:
      if (col->precision == 3) strom__format_ts_ms(b, r->v[c].i);
      else strom__format_ts(b, r->v[c].ts.ms, r->v[c].ts.nano, col->precision, ' ');
      return STROM_OK;
    case STROM_VARCHAR: {
      const char *p = r->v[c].s.p;
      size_t n = r->v[c].s.n;
      if (!csv || (!memchr(p, ',', n) && !memchr(p, '"', n) && !memchr(p, '\n', n) && !memchr(p, '\r', n)))
        return strom__buf_append(b, p, n);
      strom__buf_append(b, "\"", 1);
      for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') strom__buf_append(b, "\"", 1);
        strom__buf_append(b, p + i, 1);
      }
      return strom__buf_append(b, "\"", 1);
    }
  }
  return STROM_EINVAL;
}

int64_t strom__days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void strom__civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yoe + era * 400 + (*m <= 2);
}

static int parse_timestamp_ns(const char *s, size_t n, int64_t *out, uint32_t *nano) {
  char tmp[40];
  if (n >= sizeof tmp) return -1;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
  char sep = ' ';
  if (sscanf(tmp, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3) return -1;
  const char *p = tmp + used;
  int64_t ms = 0;
  if (*p == ' ' || *p == 'T') {
    sep = *p;
    int u2 = 0;
    if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &u2) != 3) return -1;
    p += 1 + u2;
    if (*p == '.') {
      int digits = 0, frac = 0;
      uint32_t ns = 0;
      for (p++; *p >= '0' && *p <= '9'; p++, digits++)
        if (digits < 3) frac = frac * 10 + (*p - '0');
        else if (digits < 9) ns = ns * 10 + (uint32_t)(*p - '0');
      if (!digits || digits > 9) return -1;
      for (int i = digits; i < 3; i++) frac *= 10;
      for (int i = digits < 3 ? 3 : digits; i < 9; i++) ns *= 10;
      ms = frac;
      *nano = ns;
    }
    if (sep == 'T' && *p == 'Z') p++;
  }
  if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
    return -1; /* %2d also reads "-1" */
  int64_t v = (strom__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 + ms;
  /* TIMESTAMP's range, 0000-01-01 to 9999-12-31 ("9999-12-31 23:59:60" would format
   * as year 10000, which no longer parses). */
  if (v < -62167219200000 || v > 253402300799999) return -1;
  *out = v;
  return 0;
}

int strom__parse_ts(const char *s, size_t n, int64_t *ms, uint32_t *nano) {
  *nano = 0;
  return parse_timestamp_ns(s, n, ms, nano);
}

static int parse_decimal(const char *s, size_t n, int scale, int prec, int64_t *out) {
  size_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  int64_t v = 0;
  int intdigits = 0, frac = 0;
  bool any = false;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, any = true) {
    if (v == 0 && s[i] == '0') continue;
    if (++intdigits > prec - scale) return -1;
    v = v * 10 + (s[i] - '0');
  }
  if (i < n && s[i] == '.') {
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, any = true) {
      if (frac < scale) {
        v = v * 10 + (s[i] - '0');
        frac++;
      } else if (s[i] != '0') {
        return -2; /* more fractional digits than the scale: Flink rounds; we refuse loudly */
      }
    }
  }
  if (!any || i != n) return -1;
  for (; frac < scale; frac++) v *= 10;
  *out = neg ? -v : v;
  return 0;
}

int strom__parse_value(strom_row *r, int c, const char *s, size_t n, char *err, size_t errlen) {
  const strom_col *col = &r->schema->cols[c];
  char tmp[64];
  if (col->type == STROM_VARCHAR) return strom_row_set_str(r, c, s, n);
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
  if (n == 0 || (n == 4 && !strncasecmp(s, "null", 4))) {
    strom_row_set_null(r, c);
    return STROM_OK;
  }
  const char *want = NULL;
  switch (col->type) {
    case STROM_BOOLEAN:
      if (n == 4 && !strncasecmp(s, "true", 4)) strom_row_set_bool(r, c, true);
      else if (n == 5 && !strncasecmp(s, "false", 5)) strom_row_set_bool(r, c, false);
      else want = "BOOLEAN";
      break;
    case STROM_INT:
    case STROM_BIGINT: {
      if (n >= sizeof tmp) { want = col->type == STROM_INT ? "INT" : "BIGINT"; break; }
      memcpy(tmp, s, n);
      tmp[n] = 0;
      char *end;
      errno = 0;
      long long v = strtoll(tmp, &end, 10);
      bool bad = *end || errno || (col->type == STROM_INT && (v < INT32_MIN || v > INT32_MAX));
      /* Byte.parseByte / Short.parseShort: Flink's json and csv refuse what does not fit */
      bool tiny = col->narrow == STROM__NARROW_TINYINT, small = col->narrow == STROM__NARROW_SMALLINT;
      bad = bad || (tiny && (v < INT8_MIN || v > INT8_MAX)) || (small && (v < INT16_MIN || v > INT16_MAX));
      if (bad) want = tiny ? "TINYINT" : small ? "SMALLINT" : col->type == STROM_INT ? "INT" : "BIGINT";
      else r->v[c].i = v, r->nulls[c] = 0;
      break;
    }
    case STROM_DOUBLE: {
      if (n >= sizeof tmp) { want = "DOUBLE"; break; }
      memcpy(tmp, s, n);
      tmp[n] = 0;
      char *end;
      double d = strtod(tmp, &end);
      if (*end) want = "DOUBLE";
      else strom_row_set_double(r, c, d);
      break;
    }
    case STROM_DECIMAL: {
      int64_t v;
      if (col->precision > STROM_DEC64_DIGITS) {
        __int128 w;
        if (strom__dec128_parse(s, n, col->precision, col->scale, false, &w)) want = "DECIMAL";
        else strom__dec128_put(&r->v[c], w), r->nulls[c] = 0;
      } else if (parse_decimal(s, n, col->scale, col->precision, &v)) want = "DECIMAL";
      else strom_row_set_decimal(r, c, v);
      break;
    }
    case STROM_TIMESTAMP: {
      int64_t v;
      uint32_t ns;
      if (strom__parse_ts(s, n, &v, &ns)) want = "TIMESTAMP";
      else strom__row_set_ts(r, c, v, ns);
      break;
    }
    default: want = "?"; break;
  }
  if (!want) return STROM_OK;
  if (err && errlen) {
    if (col->type == STROM_DECIMAL)
      snprintf(err, errlen, "cannot parse '%.*s' as DECIMAL(%d,%d)", (int)(n > 40 ? 40 : n), s, col->precision, col->scale);
    else if (col->type == STROM_TIMESTAMP)
      snprintf(err, errlen, "cannot parse '%.*s' as TIMESTAMP(%d)", (int)(n > 40 ? 40 : n), s, col->precision);
    else
      snprintf(err, errlen, "cannot parse '%.*s' as %s", (int)(n > 40 ? 40 : n), s, want);
  }
  return STROM_EPARSE;
}
