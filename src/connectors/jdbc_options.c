/*
 * jdbc_options.c -- the JDBC connector's options: Flink's defaults, and the table of
 * Flink option keys ('connector' = 'jdbc' WITH (...)) that fills strom_jdbc_opts, so
 * the SQL layer can hand a DDL's options over as they are.  The table is the one list
 * of valid keys: parsing, the error for an unknown key and its list of valid ones all
 * come from it.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <strings.h>

#include "../core/core.h"
#include "strom/jdbc.h"

strom_jdbc_opts strom_jdbc_opts_default(void) {
  return (strom_jdbc_opts){.flush_max_rows = 100,
                           .flush_interval_ms = 1000,
                           .max_retries = 3,
                           .fetch_size = 1000,
                           .lookup_max_retries = 3};
}

enum opt_type { OPT_STR, OPT_INT, OPT_I64, OPT_DURATION, OPT_SEMANTIC, OPT_CONNECTOR };

typedef struct opt_def {
  const char *key;
  enum opt_type type;
  size_t off;
} opt_def;

#define O(key, type, field) {key, type, offsetof(strom_jdbc_opts, field)}
static const opt_def defs[] = {
    {"connector", OPT_CONNECTOR, 0},
    O("url", OPT_STR, url),
    O("table-name", OPT_STR, table_name),
    O("username", OPT_STR, username),
    O("password", OPT_STR, password),
    O("sink.primary-key", OPT_STR, primary_key),
    O("sink.buffer-flush.max-rows", OPT_INT, flush_max_rows),
    O("sink.buffer-flush.interval", OPT_DURATION, flush_interval_ms),
    O("sink.max-retries", OPT_INT, max_retries),
    O("sink.semantic", OPT_SEMANTIC, exactly_once),
    O("sink.delivery-guarantee", OPT_SEMANTIC, exactly_once), /* the newer connectors' name */
    O("sink.xa.id", OPT_STR, sink_id),
    O("scan.partition.column", OPT_STR, partition_column),
    O("scan.partition.num", OPT_INT, partition_num),
    O("scan.partition.lower-bound", OPT_I64, partition_lower),
    O("scan.partition.upper-bound", OPT_I64, partition_upper),
    O("scan.fetch-size", OPT_INT, fetch_size),
    O("lookup.cache.max-rows", OPT_I64, cache_max_rows),
    O("lookup.cache.ttl", OPT_DURATION, cache_ttl_ms),
    O("lookup.max-retries", OPT_INT, lookup_max_retries),
};
#undef O

static bool parse_i64(const char *v, int64_t *out) {
  char *end;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (end == v || errno) return false;
  while (isspace((unsigned char)*end)) end++;
  *out = n;
  return !*end;
}

/* Flink's durations: a number and an optional unit ("1s", "500 ms", "2 min", "1 h"). */
static bool parse_duration(const char *v, int64_t *out) {
  static const struct {
    const char *unit;
    int64_t ms;
  } units[] = {{"", 1},        {"ms", 1},     {"milli", 1},    {"millis", 1},   {"s", 1000},
               {"sec", 1000},  {"second", 1000}, {"seconds", 1000}, {"min", 60000}, {"minute", 60000},
               {"minutes", 60000}, {"h", 3600000}, {"hour", 3600000}, {"hours", 3600000}};
  char *end;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (end == v || errno || n < 0) return false;
  while (isspace((unsigned char)*end)) end++;
  for (size_t i = 0; i < sizeof units / sizeof *units; i++)
    if (!strcasecmp(end, units[i].unit)) {
      if (n > INT64_MAX / units[i].ms) return false;
      *out = n * units[i].ms;
      return true;
    }
  return false;
}

static int set_one(strom_jdbc_opts *o, const opt_def *d, const char *v, char *err, size_t errlen) {
  char *field = (char *)o + d->off;
  int64_t n = 0;
  switch (d->type) {
    case OPT_CONNECTOR:
      if (strcmp(v, "jdbc")) break;
      return STROM_OK;
    case OPT_STR:
      *(const char **)field = v;
      return STROM_OK;
    case OPT_INT:
      if (!parse_i64(v, &n) || n < 0 || n > INT32_MAX) break;
      *(int *)field = (int)n;
      return STROM_OK;
    case OPT_I64:
      if (!parse_i64(v, &n)) break;
      *(int64_t *)field = n;
      return STROM_OK;
    case OPT_DURATION:
      if (!parse_duration(v, &n)) break;
      *(int64_t *)field = n;
      return STROM_OK;
    case OPT_SEMANTIC:
      if (!strcasecmp(v, "exactly-once")) *(bool *)field = true;
      else if (!strcasecmp(v, "at-least-once") || !strcasecmp(v, "none")) *(bool *)field = false;
      else break;
      return STROM_OK;
  }
  static const char *const expect[] = {"text", "a non-negative integer", "an integer", "a duration such as '1s'",
                                       "'none', 'at-least-once' or 'exactly-once'", "'jdbc'"};
  snprintf(err, errlen, "jdbc option '%s': bad value '%s' (expected %s)", d->key, v, expect[d->type]);
  return STROM_EINVAL;
}

int strom_jdbc_opts_from_pairs(strom_jdbc_opts *o, const char *const *kv, size_t n, char *err, size_t errlen) {
  if (!o || (n && !kv)) {
    snprintf(err, errlen, "jdbc options: no options given");
    return STROM_EINVAL;
  }
  *o = strom_jdbc_opts_default();
  for (size_t i = 0; i < n; i++) {
    const char *k = kv[2 * i], *v = kv[2 * i + 1];
    if (!k || !v) {
      snprintf(err, errlen, "jdbc options: pair %zu has no %s", i + 1, k ? "value" : "key");
      return STROM_EINVAL;
    }
    const opt_def *d = NULL;
    for (size_t j = 0; j < sizeof defs / sizeof *defs && !d; j++)
      if (!strcmp(defs[j].key, k)) d = &defs[j];
    if (!d) {
      int len = snprintf(err, errlen, "jdbc options: unknown option '%s'; valid options:", k);
      for (size_t j = 0; j < sizeof defs / sizeof *defs && len >= 0 && (size_t)len < errlen; j++)
        len += snprintf(err + len, errlen - (size_t)len, "%s %s", j ? "," : "", defs[j].key);
      return STROM_EINVAL;
    }
    int rc = set_one(o, d, v, err, errlen);
    if (rc) return rc;
  }
  if (!o->url || !o->table_name) {
    snprintf(err, errlen, "jdbc options: '%s' is required", o->url ? "table-name" : "url");
    return STROM_EINVAL;
  }
  return STROM_OK;
}
