/*
 * connectors_sql.c -- the connectors a CREATE TABLE can name, each a const table of
 * its WITH options (which also validates them: an unknown key is refused with the
 * list of valid ones) and the functions that build its source or sink on the
 * DataStream API: datagen (the generator source, Flink's options), filesystem (CSV or
 * JSON lines: the file source over a file or a directory; the exactly-once part-file
 * sink), print, blackhole, nexmark (the Nexmark generator), kafka and jdbc (their
 * options passed through to the connectors' own option parsers); upsert-kafka is
 * upsert_kafka.c.  Registration is the one list
 * at the bottom.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "../api/api.h" /* the sink nodes a write added (sink_parallelism) */
#include "../connectors/format.h"
#include "../connectors/kafka_common.h"
#include "sql_int.h"
#include "strom/jdbc.h"
#include "strom/kafka.h"

int sql_build_own(sql_build *b, void *p, void (*fn)(void *)) {
  void **o = strom__realloc(b->owned, sizeof *o * (size_t)(b->nowned + 1));
  if (!o) {
    fn(p);
    return STROM_ENOMEM;
  }
  b->owned = o;
  void (**f)(void *) = strom__realloc(b->owned_free, sizeof *f * (size_t)(b->nowned + 1));
  if (!f) {
    fn(p);
    return STROM_ENOMEM;
  }
  b->owned_free = f;
  b->owned[b->nowned] = p;
  b->owned_free[b->nowned++] = fn;
  return STROM_OK;
}

int sql_build_fail(sql_build *b, const char *fmt, ...) {
  if (b->err[0]) return STROM_EINVAL;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->err, sizeof b->err, fmt, ap);
  va_end(ap);
  return STROM_EINVAL;
}

/* ---- option parsing ---- */

static bool parse_i64(const char *v, int64_t *out) {
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (end == v || *end || errno) return false;
  *out = x;
  return true;
}

static bool parse_f64(const char *v, double *out) {
  char *end;
  double x = strtod(v, &end);
  if (end == v || *end) return false;
  *out = x;
  return true;
}

/* Flink durations: "10 s", "500ms", "1 min", "2h", a bare number is milliseconds. */
bool sql_parse_duration(const char *v, int64_t *ms) {
  char *end;
  double x = strtod(v, &end);
  if (end == v) return false;
  while (*end == ' ') end++;
  double unit = 1;
  if (!*end || !strcasecmp(end, "ms") || !strcasecmp(end, "milli") || !strcasecmp(end, "millis")) unit = 1;
  else if (!strcasecmp(end, "s") || !strcasecmp(end, "sec") || !strcasecmp(end, "secs") || !strcasecmp(end, "second") || !strcasecmp(end, "seconds")) unit = 1000;
  else if (!strcasecmp(end, "min") || !strcasecmp(end, "m") || !strcasecmp(end, "minute") || !strcasecmp(end, "minutes")) unit = 60000;
  else if (!strcasecmp(end, "h") || !strcasecmp(end, "hour") || !strcasecmp(end, "hours")) unit = 3600000;
  else if (!strcasecmp(end, "d") || !strcasecmp(end, "day") || !strcasecmp(end, "days")) unit = 86400000;
  else return false;
  *ms = (int64_t)(x * unit);
  return true;
}

int sql_connector_check_options(const sql_table *t, char *err, size_t errlen) {
  const sql_connector *c = t->conn;
  for (int i = 0; i < t->nopts; i++) {
    const char *k = t->keys[i];
    /* 'scan.watermark.emit.strategy' (Flink 1.18's watermark options) applies to every source */
    bool ok = !strcmp(k, "connector") || (c->source && !strcmp(k, "scan.watermark.emit.strategy"));
    for (const sql_option *o = c->options; o->key && !ok; o++) {
      size_t n = strlen(o->key);
      if (o->key[n - 1] == '*') {
        /* "fields.*.kind": a prefix, one name, a suffix */
        const char *star = strchr(o->key, '*');
        size_t pre = (size_t)(star - o->key), suf = strlen(star + 1), kl = strlen(k);
        ok = kl > pre + suf && !strncmp(k, o->key, pre) && !strcmp(k + kl - suf, star + 1);
      } else if (strchr(o->key, '*')) {
        const char *star = strchr(o->key, '*');
        size_t pre = (size_t)(star - o->key), suf = strlen(star + 1), kl = strlen(k);
        ok = kl > pre + suf && !strncmp(k, o->key, pre) && !strcmp(k + kl - suf, star + 1);
      } else {
        ok = !strcmp(k, o->key);
      }
    }
    if (!ok) {
      strom_buf l = {0};
      strom__buf_printf(&l, "connector%s", c->source ? ", scan.watermark.emit.strategy" : "");
      for (const sql_option *o = c->options; o->key; o++) strom__buf_printf(&l, ", %s", o->key);
      snprintf(err, errlen, "unsupported option '%s' for connector '%s'; supported options: %s", k, c->name, l.p);
      strom__buf_free(&l);
      return STROM_EINVAL;
    }
  }
  return STROM_OK;
}

/* ---- datagen ---- */

typedef struct dg_field {
  bool sequence;
  int64_t start, end;   /* sequence */
  bool has_min, has_max;
  double dmin, dmax;    /* random numbers */
  int64_t imin, imax;
  int64_t length;       /* random strings */
  int64_t max_past_ms;  /* random timestamps */
  double null_rate;
  sql_type type;
  bool text; /* DATE, TIME, INTERVAL, ARRAY, MAP, MULTISET: written as text (datagen_text.c) */
} dg_field;

typedef struct dg_conf {
  int nf;
  dg_field *f;
  uint64_t count;
  double rps; /* rows per second for the whole source; 0 = no limit */
  int64_t seed;
  struct {
    _Atomic int64_t start_ms;
    _Atomic int64_t base;
  } pace[1024];
} dg_conf;

static void dg_free(void *p) {
  dg_conf *c = p;
  free(c->f);
  free(c);
}

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

static int dg_gen(strom_ctx *ctx, uint64_t index, strom_row *out) {
  dg_conf *c = strom_ctx_data(ctx);
  if (c->rps > 0) {
    int s = strom_ctx_subtask(ctx), p = strom_ctx_parallelism(ctx);
    int64_t now = strom_ctx_now(ctx);
    if (s < 1024) {
      if (!c->pace[s].start_ms) {
        c->pace[s].start_ms = now;
        c->pace[s].base = (int64_t)index;
      }
      double per = c->rps / p;
      int64_t k = ((int64_t)index - c->pace[s].base) / (c->count == STROM_UNBOUNDED ? p : 1);
      if ((double)k > (double)(now - c->pace[s].start_ms) * per / 1000.0) return STROM_GEN_IDLE;
    }
  }
  for (int i = 0; i < c->nf; i++) {
    const dg_field *f = &c->f[i];
    uint64_t r = mix(index * 0x9E3779B97F4A7C15ULL + (uint64_t)i * 0x632BE59BD9B4E019ULL + (uint64_t)c->seed);
    if (f->null_rate > 0 && (double)(r >> 11) / 9007199254740992.0 < f->null_rate) {
      strom_row_set_null(out, i);
      continue;
    }
    r = mix(r);
    if (f->text) {
      strom_buf b = {0};
      int64_t range[2] = {f->imin, f->imax};
      sql_dg_text(&b, &f->type, r, strom_ctx_now(ctx), f->length, range);
      int rc = strom_row_set_str(out, i, b.p ? b.p : "", b.len);
      strom__buf_free(&b);
      if (rc) return rc;
      continue;
    }
    if (f->sequence) {
      int64_t v = f->start + (int64_t)index;
      switch (f->type.id) {
        case STROM_VARCHAR: {
          char buf[32];
          int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
          strom_row_set_str(out, i, buf, (size_t)n);
          break;
        }
        case STROM_DOUBLE: strom_row_set_double(out, i, (double)v); break;
        case STROM_DECIMAL:
          if (sql_dec_wide(&f->type)) {
            __int128 w = (__int128)v * strom__dec128_pow10(f->type.s);
            strom_row_set_decimal128(out, i, (int64_t)(w >> 64), (uint64_t)w);
          } else strom_row_set_decimal(out, i, v * sql_pow10(f->type.s));
          break;
        case STROM_INT: strom_row_set_int(out, i, (int32_t)v); break;
        default: strom_row_set_bigint(out, i, v); break;
      }
      continue;
    }
    switch (f->type.id) {
      case STROM_BOOLEAN: strom_row_set_bool(out, i, r & 1); break;
      case STROM_INT:
      case STROM_BIGINT: {
        uint64_t span = (uint64_t)(f->imax - f->imin) + 1;
        int64_t v = span ? f->imin + (int64_t)(r % span) : (int64_t)r;
        if (f->type.id == STROM_INT) strom_row_set_int(out, i, (int32_t)v);
        else strom_row_set_bigint(out, i, v);
        break;
      }
      case STROM_DOUBLE: strom_row_set_double(out, i, f->dmin + (f->dmax - f->dmin) * ((double)(r >> 11) / 9007199254740992.0)); break;
      case STROM_DECIMAL: {
        double x = f->dmin + (f->dmax - f->dmin) * ((double)(r >> 11) / 9007199254740992.0);
        if (sql_dec_wide(&f->type)) { /* 38 digits: scaled in long double, clamped to the precision */
          long double y = roundl((long double)x * powl(10.0L, f->type.s));
          __int128 lim = strom__dec128_pow10(f->type.p) - 1, w = fabsl(y) < 1e38L ? (__int128)y : lim;
          w = w > lim ? lim : w < -lim ? -lim : w;
          strom_row_set_decimal128(out, i, (int64_t)(w >> 64), (uint64_t)w);
          break;
        }
        int64_t u = (int64_t)llround(x * (double)sql_pow10(f->type.s));
        int64_t lim = sql_pow10(f->type.p) - 1;
        strom_row_set_decimal(out, i, u > lim ? lim : u < -lim ? -lim : u);
        break;
      }
      case STROM_VARCHAR: {
        char buf[256];
        size_t n = (size_t)(f->length > 256 ? 256 : f->length);
        static const char hex[] = "0123456789abcdef";
        for (size_t k = 0; k < n; k++) {
          if (k % 16 == 0) r = mix(r + k);
          buf[k] = hex[(r >> ((k % 16) * 4)) & 15];
        }
        strom_row_set_str(out, i, buf, n);
        break;
      }
      case STROM_TIMESTAMP: {
        int64_t past = f->max_past_ms > 0 ? (int64_t)(r % (uint64_t)f->max_past_ms) : 0;
        strom_row_set_timestamp(out, i, strom_ctx_now(ctx) - past);
        break;
      }
    }
  }
  return 1;
}

static const sql_option datagen_opts[] = {
    {"rows-per-second", "rows emitted per second (default 10000)"},
    {"number-of-rows", "total rows (default: unbounded)"},
    {"fields.*.kind", "random or sequence"},
    {"fields.*.min", "minimum of a random number"},
    {"fields.*.max", "maximum of a random number"},
    {"fields.*.max-past", "random timestamps: at most this far in the past"},
    {"fields.*.length", "length of a random string (default 100)"},
    {"fields.*.start", "first value of a sequence"},
    {"fields.*.end", "last value of a sequence"},
    {"fields.*.null-rate", "fraction of NULLs"},
    {NULL, NULL},
};

static const char *field_opt(const sql_table *t, const char *col, const char *what) {
  char k[256];
  snprintf(k, sizeof k, "fields.%s.%s", col, what);
  return sql_table_option(t, k);
}

static int dg_configure(const sql_table *t, dg_conf *c, char *err, size_t errlen) {
  const char *v;
  c->rps = 10000;
  c->count = STROM_UNBOUNDED;
  if ((v = sql_table_option(t, "rows-per-second")) && (!parse_f64(v, &c->rps) || c->rps <= 0))
    return snprintf(err, errlen, "'rows-per-second' wants a positive number, got '%s'", v), STROM_EINVAL;
  int64_t n;
  if ((v = sql_table_option(t, "number-of-rows"))) {
    if (!parse_i64(v, &n) || n < 0) return snprintf(err, errlen, "'number-of-rows' wants a count, got '%s'", v), STROM_EINVAL;
    c->count = (uint64_t)n;
  }
  /* every fields.X.* option must name a physical column */
  for (int i = 0; i < t->nopts; i++) {
    if (strncmp(t->keys[i], "fields.", 7)) continue;
    const char *name = t->keys[i] + 7, *dot = strrchr(name, '.');
    bool found = false;
    for (int k = 0; k < t->ncols && dot; k++)
      found |= !t->cols[k].computed && strlen(t->cols[k].name) == (size_t)(dot - name) && !strncmp(t->cols[k].name, name, (size_t)(dot - name));
    if (!found) return snprintf(err, errlen, "option '%s' names no physical column", t->keys[i]), STROM_EINVAL;
  }
  for (int i = 0; i < t->ncols; i++) {
    if (t->cols[i].computed) continue;
    dg_field *f = &c->f[c->nf++];
    const char *col = t->cols[i].name;
    f->type = t->cols[i].type;
    f->length = 100;
    const char *kind = field_opt(t, col, "kind");
    if (kind && strcmp(kind, "random") && strcmp(kind, "sequence"))
      return snprintf(err, errlen, "'fields.%s.kind' must be 'random' or 'sequence', got '%s'", col, kind), STROM_EINVAL;
    f->sequence = kind && !strcmp(kind, "sequence");
    if (f->sequence) {
      const char *s = field_opt(t, col, "start"), *e = field_opt(t, col, "end");
      if (!s || !e || !parse_i64(s, &f->start) || !parse_i64(e, &f->end) || f->end < f->start)
        return snprintf(err, errlen, "a sequence field needs integer 'fields.%s.start' <= 'fields.%s.end'", col, col), STROM_EINVAL;
      if (f->type.id == STROM_BOOLEAN || f->type.id == STROM_TIMESTAMP)
        return snprintf(err, errlen, "field '%s': sequences are for numbers and strings", col), STROM_EINVAL;
      uint64_t len = (uint64_t)(f->end - f->start) + 1;
      if (len < c->count) c->count = len; /* a sequence ends the source, as in Flink */
    }
    f->text = f->type.kind && f->type.kind != SQL_K_BYTES;
    if (f->text && f->sequence)
      return snprintf(err, errlen, "field '%s': sequences are for numbers and strings", col), STROM_EINVAL;
    if (f->text && !sql_dg_text_supported(&f->type))
      return snprintf(err, errlen, "field '%s': datagen does not generate ROW or bytes elements of a collection yet", col),
             STROM_EINVAL;
    f->imin = f->type.id == STROM_INT ? INT32_MIN : INT64_MIN / 2;
    f->imax = f->type.id == STROM_INT ? INT32_MAX : INT64_MAX / 2;
    if (f->type.kind == SQL_K_IV_DT || f->type.kind == SQL_K_IV_YM) /* up to 99 days / years, as INTERVAL DAY / YEAR hold */
      f->imin = 0, f->imax = f->type.kind == SQL_K_IV_DT ? 100 * 86400000LL - 1 : 99 * 12 + 11;
    bool fixed = f->type.id == STROM_VARCHAR && !f->type.kind && f->type.chr, /* CHAR(n) */
        bounded = f->type.id == STROM_VARCHAR && !f->type.kind && f->type.p > 0 && f->type.p < SQL_VARCHAR_MAX;
    if (f->type.kind == SQL_K_ARRAY || f->type.kind == SQL_K_MAP || f->type.kind == SQL_K_MULTISET) f->length = 3;
    else if (bounded && f->type.p < f->length) f->length = f->type.p; /* VARCHAR(n): n characters, as Flink's */
    f->dmin = 0, f->dmax = f->type.id == STROM_DECIMAL ? (f->type.p - f->type.s > 18 ? pow(10, f->type.p - f->type.s) - 1 : (double)(sql_pow10(f->type.p - f->type.s) - 1)) : 1e9;
    if ((v = field_opt(t, col, "min"))) {
      if (!parse_f64(v, &f->dmin)) return snprintf(err, errlen, "'fields.%s.min' is not a number: '%s'", col, v), STROM_EINVAL;
      f->imin = (int64_t)f->dmin;
    }
    if ((v = field_opt(t, col, "max"))) {
      if (!parse_f64(v, &f->dmax)) return snprintf(err, errlen, "'fields.%s.max' is not a number: '%s'", col, v), STROM_EINVAL;
      f->imax = (int64_t)f->dmax;
    }
    if (f->imax < f->imin || f->dmax < f->dmin) return snprintf(err, errlen, "field '%s': min > max", col), STROM_EINVAL;
    if ((v = field_opt(t, col, "length"))) {
      if (fixed)
        return snprintf(err, errlen, "custom length for fixed-length type (CHAR) field '%s' is not supported", col), STROM_EINVAL;
      if (!parse_i64(v, &f->length) || f->length < 0 || f->length > 256)
        return snprintf(err, errlen, "'fields.%s.length' wants 0..256, got '%s'", col, v), STROM_EINVAL;
      if (bounded && f->length > f->type.p)
        return snprintf(err, errlen, "'fields.%s.length' (%lld) is longer than the column's VARCHAR(%d)", col,
                        (long long)f->length, f->type.p), STROM_EINVAL;
    }
    if ((v = field_opt(t, col, "max-past")) && !sql_parse_duration(v, &f->max_past_ms))
      return snprintf(err, errlen, "'fields.%s.max-past' is not a duration: '%s'", col, v), STROM_EINVAL;
    if ((v = field_opt(t, col, "null-rate")) && (!parse_f64(v, &f->null_rate) || f->null_rate < 0 || f->null_rate > 1))
      return snprintf(err, errlen, "'fields.%s.null-rate' wants 0..1, got '%s'", col, v), STROM_EINVAL;
  }
  return STROM_OK;
}

static int dg_validate(const sql_table *t, char *err, size_t errlen) {
  dg_conf *c = strom__calloc(1, sizeof *c);
  if (!c || !(c->f = strom__calloc((size_t)t->ncols + 1, sizeof *c->f))) {
    free(c);
    return STROM_ENOMEM;
  }
  int rc = dg_configure(t, c, err, errlen);
  dg_free(c);
  return rc;
}

static strom_stream *dg_scan(sql_build *b, const sql_table *t, const strom_schema *phys) {
  dg_conf *c = strom__calloc(1, sizeof *c);
  if (!c || !(c->f = strom__calloc((size_t)t->ncols + 1, sizeof *c->f))) {
    free(c);
    return NULL;
  }
  char err[256];
  if (dg_configure(t, c, err, sizeof err)) {
    dg_free(c);
    sql_build_fail(b, "table '%s': %s", t->name, err);
    return NULL;
  }
  if (sql_build_own(b, c, dg_free)) return NULL;
  return strom_from_generator(b->env, phys, c->count, dg_gen, c);
}

static strom_stream *with_table_names(sql_build *b, const sql_table *t, strom_stream *in);

/* ---- filesystem ---- */

static const sql_option fs_opts[] = {
    {"path", "a file or a directory"},
    {"format", "csv or json (one object per line)"},
    {"csv.field-delimiter", "one character (default ',')"},
    {"csv.ignore-parse-errors", "skip malformed lines instead of failing"},
    {"json.ignore-parse-errors", "skip malformed lines instead of failing"},
    {"json.fail-on-missing-field", "a missing member is an error (default: NULL)"},
    {"json.timestamp-format.standard", "SQL (default) or ISO-8601"},
    {"sink.rolling-policy.file-size", "roll part files at this size (e.g. 128MB)"},
    {"sink.rolling-policy.rollover-interval", "roll a part file open this long (e.g. 30 min)"},
    {"sink.rolling-policy.inactivity-interval", "roll a part file idle this long (e.g. 5 min)"},
    {"lookup.join.cache.ttl", "a lookup join reloads the table after this long (default 60 min)"},
    {"sink.rolling-policy.check-interval", "accepted (Strom checks the rolling policy at every row)"},
    {"sink.partition-commit.trigger", "PARTITIONED BY: partition-time or process-time (default)"},
    {"sink.partition-commit.delay", "PARTITIONED BY: commit a partition this long after its time (default 0 s)"},
    {"sink.partition-commit.policy.kind", "PARTITIONED BY: success-file"},
    {"sink.partition-commit.success-file.name", "PARTITIONED BY: the success file's name (default _SUCCESS)"},
    {"partition.time-extractor.kind", "PARTITIONED BY: default"},
    {"partition.time-extractor.timestamp-pattern", "PARTITIONED BY: e.g. '$dt $hm:00' (default: the first partition value)"},
    {"partition.time-extractor.timestamp-formatter", "PARTITIONED BY: yyyy-MM-dd HH:mm:ss"},
    {"sink.parallelism", "parallelism of the sink"},
    {NULL, NULL},
};

static int fs_validate(const sql_table *t, char *err, size_t errlen) {
  const char *path = sql_table_option(t, "path"), *fmt = sql_table_option(t, "format"), *d;
  if (!path) return snprintf(err, errlen, "option 'path' is required"), STROM_EINVAL;
  if (!fmt) return snprintf(err, errlen, "option 'format' is required (csv or json)"), STROM_EINVAL;
  if (strcmp(fmt, "csv") && strcmp(fmt, "json")) return snprintf(err, errlen, "unknown format '%s' (supported: csv, json)", fmt), STROM_EINVAL;
  static const char *const bools[] = {"json.ignore-parse-errors", "json.fail-on-missing-field"};
  for (int i = 0; i < 2; i++)
    if ((d = sql_table_option(t, bools[i])) && strcasecmp(d, "true") && strcasecmp(d, "false"))
      return snprintf(err, errlen, "'%s' must be true or false, got '%s'", bools[i], d), STROM_EINVAL;
  if ((d = sql_table_option(t, "json.timestamp-format.standard")) && strcmp(d, "SQL") && strcmp(d, "ISO-8601"))
    return snprintf(err, errlen, "'json.timestamp-format.standard' must be 'SQL' or 'ISO-8601', got '%s'", d), STROM_EINVAL;
  if ((d = sql_table_option(t, "csv.field-delimiter")) && strlen(d) != 1 && strcmp(d, "\\t"))
    return snprintf(err, errlen, "'csv.field-delimiter' must be one character, got '%s'", d), STROM_EINVAL;
  if ((d = sql_table_option(t, "csv.ignore-parse-errors")) && strcasecmp(d, "true") && strcasecmp(d, "false"))
    return snprintf(err, errlen, "'csv.ignore-parse-errors' must be true or false, got '%s'", d), STROM_EINVAL;
  return sql_fs_meta_validate(t, err, errlen); /* connectors_fs_meta.c */
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* json lines: the shared json format (the Kafka connector's) over a whole row, one
 * instance per subtask since it keeps scratch buffers */
typedef struct json_lines {
  strom_format_opts o;
  const strom_schema *s;
  const char *table;
  uint8_t *raw; /* per column: ARRAY/MAP written as JSON (types_io.c made the text) */
  const char *path; /* the file read, for errors (fs_lines.c) */
} json_lines;

static bool opt_true(const sql_table *t, const char *k) {
  const char *v = sql_table_option(t, k);
  return v && !strcasecmp(v, "true");
}

static json_lines *json_lines_new(sql_build *b, const sql_table *t, const strom_schema *s) {
  json_lines *j = sql_arena_alloc(&b->arena, sizeof *j);
  if (!j) return NULL;
  const char *std = sql_table_option(t, "json.timestamp-format.standard");
  j->o = (strom_format_opts){.kind = STROM_FORMAT_JSON,
                             .ignore_parse_errors = opt_true(t, "json.ignore-parse-errors"),
                             .fail_on_missing_field = opt_true(t, "json.fail-on-missing-field"),
                             .iso8601 = std && !strcmp(std, "ISO-8601")};
  j->s = s;
  j->table = t->name;
  int n = strom_schema_ncols(s), k = 0;
  if (!(j->raw = sql_arena_alloc(&b->arena, (size_t)n + 1))) return NULL;
  memset(j->raw, 0, (size_t)n + 1);
  for (int i = 0; i < t->ncols && k < n; i++)
    if (!t->cols[i].computed && !t->cols[i].metadata) j->raw[k++] = t->cols[i].type.kind >= SQL_K_ARRAY || sql_float_as_text(t, &t->cols[i]);
  return j;
}

static int json_open(strom_ctx *ctx) {
  const json_lines *j = strom_ctx_data(ctx);
  strom_format *f = strom__calloc(1, sizeof *f);
  char err[256];
  if (!f) return STROM_ENOMEM;
  if (strom__format_init(f, &j->o, j->s, NULL, err, sizeof err)) {
    strom__format_free(f);
    free(f);
    return strom_ctx_fail(ctx, "table '%s': %s", j->table, err);
  }
  f->raw_json = j->raw;
  strom_ctx_set_local(ctx, f);
  return STROM_OK;
}

static void json_close(strom_ctx *ctx) {
  strom_format *f = strom_ctx_local(ctx);
  if (f) strom__format_free(f);
  free(f);
}

static int json_decode_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const json_lines *j = strom_ctx_data(ctx);
  size_t n = 0;
  const char *p = in->nulls[0] ? "" : strom_row_get_str(in, 0, &n);
  size_t k = 0;
  while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r')) k++;
  if (k == n) return STROM_OK; /* blank lines separate nothing */
  strom_row *o = strom_out_row(out);
  char err[256];
  if (strom__format_decode(strom_ctx_local(ctx), p, n, o, err, sizeof err)) {
    if (j->o.ignore_parse_errors) return STROM_OK;
    long no = sql_fs_line_of(j->path, p, n); /* fs_lines.c */
    if (no) return strom_ctx_fail(ctx, "table '%s': %s:%ld: %s (line '%.*s')", j->table, j->path, no, err, (int)(n < 80 ? n : 80), p);
    return strom_ctx_fail(ctx, "table '%s': %s (line '%.*s')", j->table, err, (int)(n < 80 ? n : 80), p);
  }
  strom_row_set_time(o, strom_row_time(in));
  return strom_out_emit(out, o);
}

static int json_encode_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  strom_format *f = strom_ctx_local(ctx);
  strom_buf line = {0};
  int rc = strom__format_encode(f, in, &line);
  if (!rc) {
    strom_row *o = strom_out_row(out);
    strom_row_set_str(o, 0, line.p ? line.p : "", line.len);
    strom_row_set_time(o, strom_row_time(in));
    rc = strom_out_emit(out, o);
  }
  strom__buf_free(&line);
  return rc;
}

/* One file as the table's rows. */
static strom_stream *fs_read_one(sql_build *b, const sql_table *t, const char *path, const strom_schema *phys,
                                 const strom_csv_opts *o) {
  if (sql_fs_meta_wanted(t, phys)) return sql_fs_meta_read(b, t, path, phys, o, fs_read_one); /* connectors_fs_meta.c */
  const char *fmt = sql_table_option(t, "format");
  if (strcmp(fmt, "json")) return strom_read_csv(b->env, path, phys, o);
  json_lines *j = json_lines_new(b, t, phys);
  if (!j || !(j->path = sql_arena_alloc(&b->arena, strlen(path) + 1))) return NULL;
  strcpy((char *)j->path, path);
  return strom_set_name(strom_process(strom_read_text(b->env, path),
                                      &(strom_process_def){.open = json_open, .process = json_decode_process,
                                                           .close = json_close, .data = j, .out_schema = phys}),
                        "JSON lines");
}

static strom_stream *fs_scan(sql_build *b, const sql_table *t, const strom_schema *phys) {
  const char *path = sql_fs_path(sql_table_option(t, "path")), *d = sql_table_option(t, "csv.field-delimiter"),
             *ign = sql_table_option(t, "csv.ignore-parse-errors");
  strom_csv_opts o = {.delimiter = d ? (strcmp(d, "\\t") ? d[0] : '\t') : ',', .skip_malformed = ign && !strcasecmp(ign, "true")};
  struct stat st;
  if (sql_fs_meta_check_read(b, t, phys)) return NULL; /* connectors_fs_meta.c */
  if (t->partitioned_by) return sql_fs_partitioned_scan(b, t, phys, &o, path); /* connectors_fs_part.c */
  if (stat(path, &st)) {
    sql_build_fail(b, "table '%s': cannot read '%s': %s", t->name, path, strerror(errno));
    return NULL;
  }
  if (!S_ISDIR(st.st_mode)) return fs_read_one(b, t, path, phys, &o);
  /* A directory: every visible file in it, in name order (hidden and _-prefixed
   * files are in-progress or metadata, as Flink skips them). */
  DIR *dir = opendir(path);
  if (!dir) {
    sql_build_fail(b, "table '%s': cannot open directory '%s': %s", t->name, path, strerror(errno));
    return NULL;
  }
  char **names = NULL;
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(dir))) {
    if (de->d_name[0] == '.' || de->d_name[0] == '_') continue;
    char *full = strom__aprintf("%s/%s", path, de->d_name);
    struct stat fs;
    if (!full || stat(full, &fs) || !S_ISREG(fs.st_mode)) {
      free(full);
      continue;
    }
    char **nn = strom__realloc(names, sizeof *nn * (n + 1));
    if (!nn) {
      free(full);
      break;
    }
    names = nn;
    names[n++] = full;
  }
  closedir(dir);
  if (n) qsort(names, n, sizeof *names, cmp_str); /* names is NULL for an empty directory */
  strom_stream *out = NULL;
  for (size_t i = 0; i < n; i++) {
    strom_stream *s = fs_read_one(b, t, names[i], phys, &o);
    out = out ? strom_union(out, s) : s;
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  if (!out) {
    /* an empty directory: an empty bounded input */
    return strom_from_rows(b->env, phys, NULL, 0);
  }
  return out;
}

/* 'sink.parallelism' (0 when absent) in *par; a bad value fails the build. */
static int sink_par_option(sql_build *b, const sql_table *t, int *par) {
  const char *p = sql_table_option(t, "sink.parallelism");
  int64_t n = 0;
  if (p && (!parse_i64(p, &n) || n < 1 || n > 1024))
    return sql_build_fail(b, "table '%s': bad 'sink.parallelism' '%s'", t->name, p);
  *par = (int)n;
  return STROM_OK;
}

/* The sink nodes a write added since the graph had `from` nodes run at par (Flink's
 * 'sink.parallelism' is the sink's own, not its input's); their input reaches them
 * rebalanced, or by the key the sink shuffles by. */
static void sink_parallelism(sql_build *b, int from, int par) {
  for (int i = from; par && i < b->env->graph.nnodes; i++)
    if (b->env->graph.nodes[i]->is_sink) b->env->graph.nodes[i]->parallelism = par;
}

static int fs_write_sink(sql_build *b, const sql_table *t, strom_stream *in);

/* The filesystem sink takes inserts only, so its input may be spread over any parallelism. */
static int fs_write(sql_build *b, const sql_table *t, strom_stream *in) {
  int par, from = b->env->graph.nnodes;
  int rc = sink_par_option(b, t, &par);
  if (!rc && !(rc = fs_write_sink(b, t, in))) sink_parallelism(b, from, par);
  return rc;
}

static int fs_write_sink(sql_build *b, const sql_table *t, strom_stream *in) {
  char merr[256];
  if (sql_fs_meta_check_write(t, merr, sizeof merr)) return sql_build_fail(b, "%s", merr); /* connectors_fs_meta.c */
  strom_file_sink_opts o = {0};
  const char *roll = sql_table_option(t, "sink.rolling-policy.file-size");
  if (roll) {
    char *end;
    double x = strtod(roll, &end);
    while (*end == ' ') end++;
    double mul = !*end || !strcasecmp(end, "b") ? 1 : !strcasecmp(end, "kb") || !strcasecmp(end, "k") ? 1024
                 : !strcasecmp(end, "mb") || !strcasecmp(end, "m") ? 1048576 : !strcasecmp(end, "gb") || !strcasecmp(end, "g") ? 1073741824 : -1;
    if (end == roll || mul < 0 || x <= 0) return sql_build_fail(b, "table '%s': bad 'sink.rolling-policy.file-size' '%s'", t->name, roll);
    o.max_part_bytes = (size_t)(x * mul);
  }
  static const char *const by_time[2] = {"sink.rolling-policy.rollover-interval",
                                         "sink.rolling-policy.inactivity-interval"};
  int64_t *ms[2] = {&o.rollover_interval_ms, &o.inactivity_interval_ms};
  for (int i = 0; i < 2; i++) {
    const char *v = sql_table_option(t, by_time[i]);
    if (v && (!sql_parse_duration(v, ms[i]) || *ms[i] <= 0))
      return sql_build_fail(b, "table '%s': bad '%s' '%s' (a duration such as '10 min')", t->name, by_time[i], v);
  }
  const char *path = sql_fs_path(sql_table_option(t, "path"));
  if (t->partitioned_by) return sql_fs_partitioned_write(b, t, in, &o, path);
  if (mkdir(path, 0777) && errno != EEXIST) return sql_build_fail(b, "table '%s': cannot create '%s': %s", t->name, path, strerror(errno));
  if (strcmp(sql_table_option(t, "format"), "json")) return strom_write_files(in, path, &o);
  /* json: each row encoded by name into one line (the columns named as the table's) */
  strom_schema *line = strom_schema_new();
  if (!line || strom_schema_add(line, "line", STROM_VARCHAR) || sql_build_own(b, line, (void (*)(void *))strom_schema_free)) {
    if (line) strom_schema_free(line);
    return STROM_ENOMEM;
  }
  strom_stream *named = with_table_names(b, t, in);
  if (!named) return STROM_ENOMEM;
  json_lines *j = json_lines_new(b, t, strom_stream_schema(named));
  if (!j) return STROM_ENOMEM;
  strom_stream *enc = strom_set_name(strom_process(named, &(strom_process_def){.open = json_open, .process = json_encode_process,
                                                                               .close = json_close, .data = j, .out_schema = line}),
                                     "JSON encode");
  return strom__write_text_files(enc, path, &o);
}

/* ---- print and blackhole ---- */

static const sql_option print_opts[] = {
    {"print-identifier", "a prefix for every printed row"},
    {"standard-error", "print to standard error"},
    {"sink.parallelism", "parallelism of the sink"},
    {NULL, NULL},
};

/* Whether an INSERT into t being built writes a changelog (any of them, when a
 * statement set writes t twice: they share the sink's options). */
static bool insert_changelog(const sql_build *b, const sql_table *t) {
  for (int i = 0; i < b->nins; i++)
    if (b->ins_table[i] == t && b->ins_plan[i]->changelog) return true;
  return false;
}

/* 'sink.parallelism' is the printing node's own, as Flink's.  Inserts reach it
 * rebalanced; a changelog keeps each key's changes in one subtask, in order: shuffled
 * by the PRIMARY KEY when the table has one, else over a forward edge, which a job
 * refuses when the parallelisms differ (Flink refuses that too). */
static int print_write(sql_build *b, const sql_table *t, strom_stream *in) {
  const char *p = sql_table_option(t, "sink.parallelism");
  int64_t par = 0;
  if (p && (!parse_i64(p, &par) || par < 1 || par > 1024))
    return sql_build_fail(b, "table '%s': bad 'sink.parallelism' '%s'", t->name, p);
  sql_col *cols = sql_arena_alloc(&b->arena, sizeof *cols * (size_t)(t->ncols ? t->ncols : 1));
  if (!cols) return STROM_ENOMEM;
  int k = 0;
  for (int i = 0; i < t->ncols; i++)
    if (!t->cols[i].computed) cols[k++] = (sql_col){.name = t->cols[i].name, .type = t->cols[i].type};
  if (par && insert_changelog(b, t)) {
    if (!t->npk) {
      in = strom_forward(in);
    } else {
      const strom_schema *sc = strom_stream_schema(in);
      strom_buf keys = {0};
      for (int j = 0; sc && j < t->npk; j++)
        for (int i = 0; i < k && i < sc->ncols; i++)
          if (!strcmp(cols[i].name, t->pk[j])) strom__buf_printf(&keys, "%s%s", j ? ", " : "", sc->cols[i].name);
      int rc = keys.p && !sql_build_own(b, keys.p, free) ? STROM_OK : STROM_ENOMEM;
      if (rc) return keys.p ? rc : sql_build_fail(b, "table '%s': its primary key is not among its columns", t->name);
      in = strom_keyed_process(strom_key_by(in, keys.p), &(strom_process_def){.process = sql_pass_row_process});
      in = strom_set_name(strom_set_parallelism(in, (int)par), "Primary key");
    }
  }
  const char *se = sql_table_option(t, "standard-error");
  return sql_print_sink_at(b, in, cols, k, sql_table_option(t, "print-identifier"),
                           se && !strcasecmp(se, "true") ? SQL_PRINT_STDERR : SQL_PRINT, (int)par);
}

static const sql_option blackhole_opts[] = {{NULL, NULL}};

static int blackhole_write(sql_build *b, const sql_table *t, strom_stream *in) {
  (void)b, (void)t;
  return strom_discard(in);
}

/* ---- nexmark ---- */

static const sql_option nexmark_opts[] = {
    {"first-event.rate", "events per second of event time (default 10000000)"},
    {"next-event.rate", "accepted; the same as first-event.rate"},
    {"events.num", "number of events (default: unbounded)"},
    {"rate-limit", "wall-clock events per second (default: as fast as possible)"},
    {"seed", "generator seed"},
    {"person.proportion", "must be 1"},
    {"auction.proportion", "must be 3"},
    {"bid.proportion", "must be 46"},
    {NULL, NULL},
};

/* The Nexmark source's column for a table column: ROW fields as the ddl.sql of Flink's
 * Nexmark suite declares them (person.emailAddress) name the flattened source columns
 * (person_email_address); flat names pass through. */
static const char *nx_col_name(const char *name, char *buf, size_t cap) {
  size_t k = 0;
  for (const char *p = name; *p && k + 2 < cap; p++) {
    if (*p == '.') buf[k++] = '_';
    else if (*p >= 'A' && *p <= 'Z') {
      if (k && buf[k - 1] != '_') buf[k++] = '_';
      buf[k++] = (char)(*p - 'A' + 'a');
    } else buf[k++] = *p;
  }
  buf[k] = 0;
  return buf;
}

static int nx_options(const sql_table *t, strom_nexmark_opts *o, char *err, size_t errlen) {
  const char *v;
  int64_t n;
  memset(o, 0, sizeof *o);
  o->events = STROM_UNBOUNDED;
  if ((v = sql_table_option(t, "first-event.rate"))) {
    if (!parse_i64(v, &n) || n <= 0) return snprintf(err, errlen, "bad 'first-event.rate' '%s'", v), STROM_EINVAL;
    o->first_event_rate = (uint64_t)n;
  }
  if ((v = sql_table_option(t, "events.num"))) {
    if (!parse_i64(v, &n) || n < 0) return snprintf(err, errlen, "bad 'events.num' '%s'", v), STROM_EINVAL;
    o->events = n ? (uint64_t)n : STROM_UNBOUNDED;
  }
  if ((v = sql_table_option(t, "rate-limit")) && (!parse_f64(v, &o->rate_limit) || o->rate_limit < 0))
    return snprintf(err, errlen, "bad 'rate-limit' '%s'", v), STROM_EINVAL;
  if ((v = sql_table_option(t, "seed"))) {
    if (!parse_i64(v, &n)) return snprintf(err, errlen, "bad 'seed' '%s'", v), STROM_EINVAL;
    o->seed = (uint64_t)n;
  }
  static const char *props[][2] = {{"person.proportion", "1"}, {"auction.proportion", "3"}, {"bid.proportion", "46"}};
  for (int i = 0; i < 3; i++)
    if ((v = sql_table_option(t, props[i][0])) && strcmp(v, props[i][1]))
      return snprintf(err, errlen, "not supported yet: '%s' other than %s", props[i][0], props[i][1]), STROM_ENOTSUP;
  /* the columns: names of the flattened Nexmark schema */
  strom_schema *s = strom_nexmark_schema();
  int rc = STROM_OK;
  for (int i = 0; i < t->ncols && !rc; i++) {
    if (t->cols[i].computed) continue;
    char nb[128];
    int c = strom_schema_find(s, nx_col_name(t->cols[i].name, nb, sizeof nb));
    if (c < 0) {
      strom_buf l = {0};
      for (int k = 0; k < strom_schema_ncols(s); k++) strom__buf_printf(&l, "%s%s", k ? ", " : "", strom_schema_col_name(s, k));
      snprintf(err, errlen, "column '%s' is not a Nexmark column (the nexmark connector's columns are the flattened events: %s)",
               t->cols[i].name, l.p);
      strom__buf_free(&l);
      rc = STROM_EINVAL;
    } else if (strom_schema_col_type(s, c) != t->cols[i].type.id) {
      snprintf(err, errlen, "column '%s' has the wrong type for the Nexmark source", t->cols[i].name);
      rc = STROM_EINVAL;
    }
  }
  strom_schema_free(s);
  return rc;
}

static int nx_validate(const sql_table *t, char *err, size_t errlen) {
  strom_nexmark_opts o;
  return nx_options(t, &o, err, errlen);
}

/* The source emits exactly the physical schema's columns (the planner may have pruned
 * it to the columns a query reads), so no projection operator follows it. */
static strom_stream *nx_scan(sql_build *b, const sql_table *t, const strom_schema *phys) {
  strom_nexmark_opts o;
  char err[512];
  if (nx_options(t, &o, err, sizeof err)) {
    sql_build_fail(b, "table '%s': %s", t->name, err);
    return NULL;
  }
  strom_buf cols = {0};
  char nb[128];
  for (int i = 0; i < strom_schema_ncols(phys); i++)
    strom__buf_printf(&cols, "%s%s", i ? ", " : "", nx_col_name(strom_schema_col_name(phys, i), nb, sizeof nb));
  if (!cols.p) return NULL;
  o.columns = cols.p;
  strom_stream *s = strom_nexmark_source(b->env, &o);
  strom__buf_free(&cols);
  return s;
}

/* ---- kafka and jdbc: the options pass through to the connectors' own parsers ---- */

/* The table's options as key/value pairs for a *_from_options constructor (in the
 * build's arena): without 'scan.watermark.emit.strategy', which is the SQL layer's,
 * and with extra (a key and a value, or NULL) appended. */
static const char **option_pairs(sql_arena *a, const sql_table *t, const char *xk, const char *xv, size_t *n,
                                 bool (*skip)(const char *, bool), bool sink) {
  const char **kv = a ? sql_arena_alloc(a, sizeof *kv * (size_t)(2 * t->nopts + 2)) : strom__calloc((size_t)(2 * t->nopts + 2), sizeof *kv);
  if (!kv) return NULL;
  size_t k = 0;
  for (int i = 0; i < t->nopts; i++) {
    if (!strcmp(t->keys[i], "scan.watermark.emit.strategy") || (skip && skip(t->keys[i], sink))) continue;
    kv[2 * k] = t->keys[i];
    kv[2 * k++ + 1] = t->vals[i];
  }
  if (xk) {
    kv[2 * k] = xk;
    kv[2 * k++ + 1] = xv;
  }
  *n = k;
  return kv;
}

int sql_pass_row_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)ctx, (void)input;
  strom_row *o = strom_out_row(out);
  for (int i = 0; i < in->ncols; i++) {
    o->nulls[i] = in->nulls[i];
    o->v[i] = in->v[i];
  }
  strom_row_set_kind(o, strom_row_get_kind(in));
  strom_row_set_time(o, strom_row_time(in));
  return strom_out_emit(out, o);
}

/* in under the table's physical column names: the connectors below map columns by
 * name (json members, database columns), and a query's columns are named by the query. */
static strom_stream *with_table_names(sql_build *b, const sql_table *t, strom_stream *in) {
  strom_schema *s = strom_schema_new();
  for (int i = 0; s && i < t->ncols; i++)
    if (sql_col_written(&t->cols[i]) && sql_schema_add_sink_io(s, t, &t->cols[i])) { /* types_narrow.c */
      strom_schema_free(s);
      s = NULL;
    }
  if (!s || sql_build_own(b, s, (void (*)(void *))strom_schema_free)) return NULL;
  return strom_set_name(strom_process(in, &(strom_process_def){.process = sql_pass_row_process, .out_schema = s}), "Sink columns");
}

/* Options that are the other side's (a Flink table holds its source's and its sink's),
 * which the Kafka connectors' own parsers would refuse. */
static bool kafka_other_side(const char *k, bool sink) {
  if (!strcmp(k, "sink.parallelism")) return true; /* the SQL layer's (kafka_write) */
  if (sink) return !strncmp(k, "scan.", 5) || !strcmp(k, "topic-pattern") || !strcmp(k, "properties.group.id");
  return !strncmp(k, "sink.", 5);
}

static const sql_option kafka_opts[] = {
    {"properties.bootstrap.servers", "the brokers (required)"},
    {"topic", "topic name(s), 'a;b' (source); the topic (sink)"},
    {"topic-pattern", "source: a regex over topic names"},
    {"properties.group.id", "source: the consumer group"},
    {"scan.startup.mode", "group-offsets, earliest-offset, latest-offset, timestamp, specific-offsets"},
    {"scan.startup.timestamp-millis", "for scan.startup.mode 'timestamp'"},
    {"scan.startup.specific-offsets", "'partition:0,offset:42;...'"},
    {"scan.bounded.mode", "unbounded or latest-offset"},
    {"scan.watermark.idle-timeout", "a partition without records this long does not hold the watermark back"},
    {"scan.topic-partition-discovery.interval", "look for new partitions this often (default 5 min; 0 = off)"},
    {"format", "json, csv, raw, debezium-json, canal-json, maxwell-json or avro"},
    {"value.format", "the same as format"},
    {"key.format", "format of the record key"},
    {"key.fields", "columns of the key, 'a;b'"},
    {"sink.delivery-guarantee", "none, at-least-once, exactly-once"},
    {"sink.transactional-id-prefix", "required for exactly-once"},
    {"sink.transaction-marker-topic", "exactly-once commit markers"},
    {"sink.partitioner", "default, fixed, round-robin"},
    {"sink.parallelism", "parallelism of the sink"},
    {"json.ignore-parse-errors", "skip malformed records"},
    {"json.fail-on-missing-field", "a missing member is an error"},
    {"json.timestamp-format.standard", "SQL or ISO-8601"},
    {"csv.ignore-parse-errors", "skip malformed records"},
    {"csv.field-delimiter", "one character"},
    {"canal-json.ignore-parse-errors", "skip malformed records"},
    {"canal-json.timestamp-format.standard", "SQL or ISO-8601"},
    {"canal-json.database.include", "a regex the record's database must match"},
    {"canal-json.table.include", "a regex the record's table must match"},
    {"canal-json.map-null-key.mode", "FAIL, DROP or LITERAL (no MAP reaches the format)"},
    {"canal-json.map-null-key.literal", "see map-null-key.mode"},
    {"canal-json.encode.decimal-as-plain-number", "decimals are written plain"},
    {"maxwell-json.ignore-parse-errors", "skip malformed records"},
    {"maxwell-json.timestamp-format.standard", "SQL or ISO-8601"},
    {"maxwell-json.map-null-key.mode", "FAIL, DROP or LITERAL (no MAP reaches the format)"},
    {"maxwell-json.map-null-key.literal", "see map-null-key.mode"},
    {"maxwell-json.encode.decimal-as-plain-number", "decimals are written plain"},
    {"avro.encoding", "binary (json is not supported)"},
    {"avro.codec", "a container file's codec: no effect on Kafka records"},
    {"avro.timestamp_mapping.legacy", "true (false is not supported)"},
    {"properties.*", "passed to librdkafka"},
    {NULL, NULL},
};

static const char *kafka_format(const sql_table *t) {
  const char *f = sql_table_option(t, "value.format");
  return f ? f : sql_table_option(t, "format");
}

const char *sql_kafka_metadata(sql_build *b, const sql_table *t, bool written) {
  strom_buf l = {0};
  for (int i = 0; i < t->ncols; i++)
    if (t->cols[i].metadata && (!written || !t->cols[i].is_virtual))
      strom__buf_printf(&l, "%s%s:%s", l.len ? ";" : "", t->cols[i].name, t->cols[i].metadata);
  char *out = sql_arena_alloc(&b->arena, l.len + 1);
  if (out) memcpy(out, l.p ? l.p : "", l.len), out[l.len] = 0;
  strom__buf_free(&l);
  return out;
}

/* The value format's kind, for its metadata keys (format_cdc_meta.c); NONE for formats without. */
static strom_format_kind kafka_value_kind(const sql_table *t) {
  const char *f = kafka_format(t);
  if (!f || !t->conn || strcmp(t->conn->name, "kafka")) return STROM_FORMAT_NONE;
  return !strcmp(f, "canal-json") ? STROM_FORMAT_CANAL_JSON : !strcmp(f, "maxwell-json") ? STROM_FORMAT_MAXWELL_JSON
         : !strcmp(f, "debezium-json") ? STROM_FORMAT_DEBEZIUM_JSON : STROM_FORMAT_NONE;
}

/* A 'value.<key>' column: a key of the value format, of the type Flink declares (an
 * ARRAY or MAP also as STRING, its JSON text; TIMESTAMP(3) for TIMESTAMP_LTZ(3)). */
static int value_metadata_validate(const sql_table *t, const sql_table_col *c, char *err, size_t errlen) {
  strom_format_kind k = kafka_value_kind(t);
  int fk = strom__cdc_meta_find(k, c->metadata + 6, strlen(c->metadata + 6));
  if (fk < 0) {
    strom_buf l = {0};
    strom__cdc_meta_list(k, &l);
    snprintf(err, errlen, "column '%s': unknown metadata key '%s' (format '%s' has %s%s)", c->name, c->metadata,
             kafka_format(t) ? kafka_format(t) : "none", l.len ? "" : "none", l.len ? l.p : "");
    strom__buf_free(&l);
    return STROM_EINVAL;
  }
  const char *want;
  strom__cdc_meta_type(fk, &want);
  char tn[64];
  sql_type tt = c->type;
  tt.not_null = false;
  sql_type_name(&tt, tn, sizeof tn);
  bool ok = !strcmp(tn, want) || (!strcmp(want, "TIMESTAMP_LTZ(3)") && !strcmp(tn, "TIMESTAMP(3)")) ||
            ((strchr(want, '<') || !strcmp(c->metadata, "value.schema")) && !strcmp(tn, "STRING"));
  if (!ok)
    return snprintf(err, errlen, "column '%s': metadata key '%s' is %s, not %s", c->name, c->metadata, want, tn),
           STROM_EINVAL;
  return STROM_OK;
}

int sql_kafka_metadata_validate(const sql_table *t, char *err, size_t errlen) {
  static const char *const keys[] = {"timestamp", "partition", "offset", "topic", "headers", "timestamp-type"};
  for (int i = 0; i < t->ncols; i++) {
    const char *m = t->cols[i].metadata;
    if (m && !strncmp(m, "value.", 6)) {
      int rc = value_metadata_validate(t, &t->cols[i], err, errlen);
      if (rc) return rc;
      continue;
    }
    bool ok = !m;
    for (size_t j = 0; m && j < sizeof keys / sizeof *keys; j++) ok |= !strcmp(m, keys[j]);
    if (!ok) {
      strom_buf l = {0};
      strom__cdc_meta_list(kafka_value_kind(t), &l);
      snprintf(err, errlen, "column '%s': unknown Kafka metadata key '%s' (supported: timestamp, partition, offset, "
               "topic, headers, timestamp-type%s%s)", t->cols[i].name, m, l.len ? ", " : "", l.len ? l.p : "");
      strom__buf_free(&l);
      return STROM_EINVAL;
    }
    const sql_type *ty = &t->cols[i].type;
    if (m && !strcmp(m, "headers") && (ty->id != STROM_VARCHAR || ty->kind != SQL_K_NONE) && !sql_kafka_headers_map(ty))
      return snprintf(err, errlen, "column '%s': Kafka headers are a STRING holding a JSON object here (Flink declares "
                      "MAP<STRING, BYTES>)", t->cols[i].name), STROM_ENOTSUP;
  }
  return STROM_OK;
}

/* The types format_avro.c derives an Avro type for, over the physical columns. */
int sql_kafka_avro_validate(const sql_table *t, char *err, size_t errlen) {
  for (int i = 0; i < t->ncols; i++) {
    const sql_table_col *c = &t->cols[i];
    if (c->computed || c->metadata) continue;
    char tn[64];
    sql_type_name(&c->type, tn, sizeof tn);
    if (c->type.kind == SQL_K_TIME && c->type.p > 3) /* Flink's AvroSchemaConverter refuses it too */
      return snprintf(err, errlen, "column '%s': Avro has no TIME with precision above 3 (time-millis)", c->name), STROM_ENOTSUP;
    bool ok_kind = !c->type.kind || c->type.kind == SQL_K_DATE || c->type.kind == SQL_K_TIME || c->type.kind == SQL_K_BYTES;
    if (!ok_kind || strchr(c->name, '.'))
      return snprintf(err, errlen, "column '%s': type %s is not supported by the avro format yet", strchr(c->name, '.') ? "ROW" : c->name, tn), STROM_ENOTSUP;
  }
  return STROM_OK;
}

static int kafka_validate(const sql_table *t, char *err, size_t errlen) {
  const char *f = kafka_format(t), *k = sql_table_option(t, "key.format");
  int rc = sql_kafka_metadata_validate(t, err, errlen);
  if (rc) return rc;
  if (!sql_table_option(t, "properties.bootstrap.servers"))
    return snprintf(err, errlen, "option 'properties.bootstrap.servers' is required"), STROM_EINVAL;
  if (!sql_table_option(t, "topic") && !sql_table_option(t, "topic-pattern"))
    return snprintf(err, errlen, "option 'topic' (or 'topic-pattern' for a source) is required"), STROM_EINVAL;
  if (!f) return snprintf(err, errlen, "option 'format' is required (json, csv, raw, debezium-json, canal-json, maxwell-json or avro)"), STROM_EINVAL;
  static const char *const fmts[] = {"json", "csv", "raw", "debezium-json", "canal-json", "maxwell-json", "avro"};
  for (int w = 0; w < 2; w++) {
    const char *v = w ? k : f;
    if (!v) continue;
    bool ok = false;
    for (int i = 0; i < 7; i++) ok |= !strcmp(v, fmts[i]);
    if (!ok && !strcmp(v, "avro-confluent"))
      return snprintf(err, errlen, "%s 'avro-confluent' is not supported (it needs a schema registry); 'avro' is", w ? "key.format" : "format"), STROM_ENOTSUP;
    if (!ok) return snprintf(err, errlen, "unknown %s '%s' (supported: json, csv, raw, debezium-json, canal-json, maxwell-json, avro)", w ? "key.format" : "format", v), STROM_EINVAL;
    if (!strcmp(v, "avro") && (rc = sql_kafka_avro_validate(t, err, errlen))) return rc;
  }
  return STROM_OK;
}

/* A WATERMARK on a physical column is generated in the source, per partition (Flink
 * pushes it down into the Kafka source the same way); on a computed column it is the
 * planner's operator after the computed columns. */
bool sql_kafka_own_watermark(const sql_table *t) { return t->wm_col >= 0 && !t->cols[t->wm_col].computed && !t->wm_expr; }

static int64_t kafka_wm_periodic(strom_ctx *ctx, int64_t max_ts) {
  const int64_t *delay = strom_ctx_data(ctx);
  return max_ts == INT64_MIN ? INT64_MIN : max_ts - *delay;
}

static int64_t kafka_wm_on_event(strom_ctx *ctx, const strom_row *row, int64_t ts) {
  (void)row;
  const int64_t *delay = strom_ctx_data(ctx);
  return ts - *delay;
}

int sql_kafka_watermark(sql_build *b, const sql_table *t, strom_watermark_strategy *ws) {
  if (!sql_kafka_own_watermark(t)) return 0;
  int64_t *delay = sql_arena_alloc(&b->arena, sizeof *delay);
  if (!delay) return -1;
  *delay = b->sess->batch ? INT64_MAX / 4 : t->wm_delay_ms; /* batch: no row is late (batch_plan.c) */
  const char *emit = sql_table_option(t, "scan.watermark.emit.strategy");
  bool on_event = emit && !strcmp(emit, "on-event");
  *ws = (strom_watermark_strategy){.kind = STROM_WM_CUSTOM,
                                   .timestamp_column = t->cols[t->wm_col].name,
                                   .on_periodic = on_event ? NULL : kafka_wm_periodic,
                                   .on_event = on_event ? kafka_wm_on_event : NULL,
                                   .data = delay};
  return 1;
}

/* What avro's derived schema needs beyond the row model, for the internal option
 * 'avro.$columns' (strom_format_opts.avro_columns): NOT NULL columns (not unions with
 * null; a PRIMARY KEY column is NOT NULL, as in Flink's resolved schema), DATE and TIME
 * columns (which cross as text), each under the name name() gives it (NULL: its own);
 * NULL for other formats. */
const char *sql_kafka_avro_columns(sql_build *b, const sql_table *t,
                                   const char *(*name)(const sql_table *, const char *)) {
  const char *f = kafka_format(t), *k = sql_table_option(t, "key.format");
  if ((!f || strcmp(f, "avro")) && (!k || strcmp(k, "avro"))) return NULL;
  strom_buf l = {0};
  for (int i = 0; i < t->ncols; i++) {
    const sql_table_col *c = &t->cols[i];
    bool nn = c->type.not_null;
    for (int j = 0; j < t->npk; j++) nn |= !strcmp(t->pk[j], c->name);
    if (c->computed || c->metadata || (!nn && c->type.kind != SQL_K_DATE && c->type.kind != SQL_K_TIME)) continue;
    strom__buf_printf(&l, "%s%s:%s%s", l.len ? ";" : "", name ? name(t, c->name) : c->name, nn ? "n" : "",
                      c->type.kind == SQL_K_DATE ? "d" : c->type.kind == SQL_K_TIME ? "t" : "");
  }
  char *out = sql_arena_alloc(&b->arena, l.len + 1);
  if (out) memcpy(out, l.p ? l.p : "", l.len), out[l.len] = 0;
  strom__buf_free(&l);
  return out;
}

static strom_stream *kafka_scan(sql_build *b, const sql_table *t, const strom_schema *phys) {
  size_t n;
  const char *nn = sql_kafka_avro_columns(b, t, NULL);
  const char **kv = option_pairs(&b->arena, t, nn ? "avro.$columns" : NULL, nn, &n, kafka_other_side, false);
  if (!kv) return NULL;
  strom_watermark_strategy ws = {0};
  int own = sql_kafka_watermark(b, t, &ws);
  if (own < 0) return NULL;
  const char *meta = sql_kafka_metadata(b, t, false);
  if (!meta) return NULL;
  strom_stream *s = strom__kafka_source_sql(b->env, phys, kv, n, own ? &ws : NULL, meta);
  if (!s) sql_build_fail(b, "table '%s': %s", t->name, strom_env_errmsg(b->env));
  return s;
}

static int kafka_write(sql_build *b, const sql_table *t, strom_stream *in) {
  size_t n;
  const char *nn = sql_kafka_avro_columns(b, t, NULL);
  const char **kv = option_pairs(&b->arena, t, nn ? "avro.$columns" : NULL, nn, &n, kafka_other_side, true);
  const char *meta = sql_kafka_metadata(b, t, true);
  if (!kv || !meta || !(in = with_table_names(b, t, in))) return STROM_ENOMEM;
  int par, from = b->env->graph.nnodes;
  if (sink_par_option(b, t, &par)) return STROM_EINVAL;
  /* a changelog's rows keep their order only over a forward edge, which a job refuses
   * between different parallelisms (Flink refuses it without a primary key too) */
  if (par && insert_changelog(b, t)) in = strom_forward(in);
  int rc = strom__kafka_sink_sql(in, kv, n, meta);
  if (rc) sql_build_fail(b, "table '%s': %s", t->name, strom_env_errmsg(b->env));
  else sink_parallelism(b, from, par);
  return rc;
}

/* debezium-json, canal-json and maxwell-json encode -U/+U/-D rows; the other formats
 * are append-only, as in Flink */
static bool kafka_takes_changes(const sql_table *t) {
  const char *f = kafka_format(t);
  return f && (!strcmp(f, "debezium-json") || !strcmp(f, "canal-json") || !strcmp(f, "maxwell-json"));
}

static const sql_option jdbc_opts[] = {
    {"url", "jdbc:postgresql://host:port/db (required)"},
    {"table-name", "the table (required)"},
    {"username", "user name"},
    {"password", "password"},
    {"sink.buffer-flush.max-rows", "rows per batch (default 100)"},
    {"sink.buffer-flush.interval", "flush interval (default 1s)"},
    {"sink.max-retries", "retries of a failed batch (default 3)"},
    {"sink.semantic", "at-least-once or exactly-once"},
    {"sink.delivery-guarantee", "none, at-least-once or exactly-once"},
    {"sink.xa.id", "names the exactly-once sink's prepared transactions"},
    {"scan.partition.column", "numeric column to split the scan by"},
    {"scan.partition.num", "number of ranges"},
    {"scan.partition.lower-bound", "smallest value of the first range"},
    {"scan.partition.upper-bound", "largest value of the last range"},
    {"scan.fetch-size", "rows per round trip"},
    {"lookup.cache.max-rows", "lookup cache size"},
    {"lookup.cache.ttl", "lookup cache entry lifetime"},
    {"lookup.max-retries", "lookup retries"},
    {"sink.parallelism", "parallelism of the sink"},
    {NULL, NULL},
};

/* The DDL's PRIMARY KEY as "a, b" (upsert mode), or NULL (append mode); malloc'd. */
static char *jdbc_pk(const sql_table *t) {
  if (!t->npk) return NULL;
  strom_buf l = {0};
  for (int i = 0; i < t->npk; i++) strom__buf_printf(&l, "%s%s", i ? ", " : "", t->pk[i]);
  return l.p;
}

/* Options the SQL layer applies itself, not the JDBC connector's. */
static bool jdbc_sql_only(const char *k, bool sink) {
  (void)sink;
  return !strcmp(k, "sink.parallelism");
}

/* Parses the options into o; kv (malloc'd, returned in *kvp) holds the strings o points at. */
static int jdbc_parse(const sql_table *t, const char *pk, strom_jdbc_opts *o, const char ***kvp, sql_arena *a,
                      char *err, size_t errlen) {
  size_t n;
  const char **kv = option_pairs(a, t, pk ? "sink.primary-key" : NULL, pk, &n, jdbc_sql_only, false);
  if (!kv) return STROM_ENOMEM;
  if (kvp) *kvp = kv;
  int rc = strom_jdbc_opts_from_pairs(o, kv, n, err, errlen);
  if (!rc && (!o->url || !o->table_name)) {
    snprintf(err, errlen, "options 'url' and 'table-name' are required");
    rc = STROM_EINVAL;
  }
  return rc;
}

static int jdbc_validate(const sql_table *t, char *err, size_t errlen) {
  char *pk = jdbc_pk(t);
  const char **kv = NULL;
  strom_jdbc_opts o;
  int rc = jdbc_parse(t, pk, &o, &kv, NULL, err, errlen);
  free(kv);
  free(pk);
  return rc;
}

static strom_stream *jdbc_scan_sql(sql_build *b, const sql_table *t, const strom_schema *phys) {
  strom_jdbc_opts o;
  char err[512];
  if (jdbc_parse(t, NULL, &o, NULL, &b->arena, err, sizeof err)) {
    sql_build_fail(b, "table '%s': %s", t->name, err);
    return NULL;
  }
  strom_stream *s = strom_jdbc_scan(b->env, phys, &o);
  if (!s) sql_build_fail(b, "table '%s': %s", t->name, strom_env_errmsg(b->env));
  return s;
}

static int jdbc_write(sql_build *b, const sql_table *t, strom_stream *in) {
  strom_jdbc_opts o;
  char err[512];
  char *pk = jdbc_pk(t);
  if (t->npk && !pk) return STROM_ENOMEM;
  if (pk && sql_build_own(b, pk, free)) return STROM_ENOMEM;
  if (jdbc_parse(t, pk, &o, NULL, &b->arena, err, sizeof err)) return sql_build_fail(b, "table '%s': %s", t->name, err);
  if (!(in = with_table_names(b, t, in))) return STROM_ENOMEM;
  int par, from;
  if (sink_par_option(b, t, &par)) return STROM_EINVAL;
  if (par && pk) /* upsert: a key's changes in one sink subtask, in order, at any parallelism */
    in = strom_set_name(strom_set_parallelism(strom_keyed_process(strom_key_by(in, pk), &(strom_process_def){
                                                  .process = sql_pass_row_process}), par), "Primary key");
  from = b->env->graph.nnodes;
  int rc = strom_jdbc_sink(in, &o);
  if (rc) sql_build_fail(b, "table '%s': %s", t->name, strom_env_errmsg(b->env));
  else sink_parallelism(b, from, par);
  return rc;
}

/* upsert mode (a PRIMARY KEY) applies -U/+U/-D by key; append mode takes inserts only */
static bool jdbc_takes_changes(const sql_table *t) { return t->npk > 0; }

/* ---- registration ---- */

static const sql_connector connectors[] = {
    {"datagen", datagen_opts, true, false, false, dg_validate, dg_scan, NULL},
    {"filesystem", fs_opts, true, true, false, fs_validate, fs_scan, fs_write, .has_metadata = true},
    {"print", print_opts, false, true, true, NULL, NULL, print_write},
    {"blackhole", blackhole_opts, false, true, true, NULL, NULL, blackhole_write},
    {"nexmark", nexmark_opts, true, false, false, nx_validate, nx_scan, NULL, .prunes = true},
    {"kafka", kafka_opts, true, true, false, kafka_validate, kafka_scan, kafka_write, kafka_takes_changes, sql_kafka_own_watermark, true},
    {"jdbc", jdbc_opts, true, true, false, jdbc_validate, jdbc_scan_sql, jdbc_write, jdbc_takes_changes},
    {"upsert-kafka", sql_upsert_kafka_opts, true, true, true, sql_upsert_kafka_validate, sql_upsert_kafka_scan,
     sql_upsert_kafka_write, NULL, sql_kafka_own_watermark, true},
};

const sql_connector *sql_connector_find(const char *name) {
  for (size_t i = 0; i < sizeof connectors / sizeof *connectors; i++)
    if (!strcmp(connectors[i].name, name)) return &connectors[i];
  return NULL;
}
