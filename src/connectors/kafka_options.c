/*
 * kafka_options.c -- the Kafka connectors configured by Flink's option names (what a
 * SQL table's WITH (...) clause holds).  One table lists every option with the field
 * it sets, so validation and the "valid options" message come from the same place;
 * 'properties.*' keys pass through to librdkafka.
 */
#include <errno.h>
#include <strings.h>

#include "../api/api.h"
#include "kafka_common.h"

enum { O_STR, O_STARTUP, O_INT64, O_FORMAT, O_BOOL, O_DELIVERY, O_PARTITIONER, O_IGNORED, O_DURATION };
enum { FOR_SOURCE = 1, FOR_SINK = 2 };

typedef struct opt {
  const char *key;
  int type, where;
  size_t src_off, sink_off; /* offset of the field in the source / sink options */
} opt;

#define SRC(f) offsetof(strom_kafka_source_opts, f)
#define SNK(f) offsetof(strom_kafka_sink_opts, f)
static const opt OPTS[] = {
    {"connector", O_IGNORED, FOR_SOURCE | FOR_SINK, 0, 0},
    {"properties.bootstrap.servers", O_STR, FOR_SOURCE | FOR_SINK, SRC(bootstrap_servers), SNK(bootstrap_servers)},
    {"topic", O_STR, FOR_SOURCE | FOR_SINK, SRC(topics), SNK(topic)},
    {"topic-pattern", O_STR, FOR_SOURCE, SRC(topic_pattern), 0},
    {"properties.group.id", O_STR, FOR_SOURCE, SRC(group_id), 0},
    {"scan.startup.mode", O_STARTUP, FOR_SOURCE, SRC(startup_mode), 0},
    {"scan.startup.timestamp-millis", O_INT64, FOR_SOURCE, SRC(startup_timestamp_ms), 0},
    {"scan.startup.specific-offsets", O_STR, FOR_SOURCE, SRC(specific_offsets), 0},
    {"scan.bounded.mode", O_BOOL, FOR_SOURCE, SRC(bounded_latest), 0},
    {"scan.watermark.idle-timeout", O_DURATION, FOR_SOURCE, SRC(idle_timeout_ms), 0},
    {"scan.topic-partition-discovery.interval", O_DURATION, FOR_SOURCE, SRC(discovery_interval_ms), 0},
    {"format", O_FORMAT, FOR_SOURCE | FOR_SINK, SRC(value_format), SNK(value_format)},
    {"value.format", O_FORMAT, FOR_SOURCE | FOR_SINK, SRC(value_format), SNK(value_format)},
    {"key.format", O_FORMAT, FOR_SOURCE | FOR_SINK, SRC(key_format), SNK(key_format)},
    {"key.fields", O_STR, FOR_SOURCE | FOR_SINK, SRC(key_fields), SNK(key_fields)},
    {"sink.delivery-guarantee", O_DELIVERY, FOR_SINK, 0, SNK(delivery)},
    {"sink.transactional-id-prefix", O_STR, FOR_SINK, 0, SNK(transactional_id_prefix)},
    {"sink.partitioner", O_PARTITIONER, FOR_SINK, 0, SNK(partitioner)},
    {"sink.transaction-marker-topic", O_STR, FOR_SINK, 0, SNK(transaction_marker_topic)},
    /* Format options apply to the value format (and to the key format when it is the same kind). */
    {"json.ignore-parse-errors", O_BOOL, FOR_SOURCE | FOR_SINK, 0, 0},
    {"json.fail-on-missing-field", O_BOOL, FOR_SOURCE | FOR_SINK, 0, 0},
    {"json.timestamp-format.standard", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"csv.ignore-parse-errors", O_BOOL, FOR_SOURCE | FOR_SINK, 0, 0},
    {"csv.field-delimiter", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"canal-json.ignore-parse-errors", O_BOOL, FOR_SOURCE | FOR_SINK, 0, 0},
    {"canal-json.timestamp-format.standard", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"canal-json.database.include", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"canal-json.table.include", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"canal-json.map-null-key.mode", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"canal-json.map-null-key.literal", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"canal-json.encode.decimal-as-plain-number", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"maxwell-json.ignore-parse-errors", O_BOOL, FOR_SOURCE | FOR_SINK, 0, 0},
    {"maxwell-json.timestamp-format.standard", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"maxwell-json.map-null-key.mode", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"maxwell-json.map-null-key.literal", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"maxwell-json.encode.decimal-as-plain-number", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"avro.codec", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"avro.encoding", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"avro.timestamp_mapping.legacy", O_STR, FOR_SOURCE | FOR_SINK, 0, 0},
    {"avro.$columns", O_STR, FOR_SOURCE | FOR_SINK, 0, 0}, /* internal: connectors_sql.c's column facts */
};
#define NOPTS (sizeof OPTS / sizeof OPTS[0])

static int fmt_kind(const char *v, strom_format_kind *k) {
  if (!strcmp(v, "json")) *k = STROM_FORMAT_JSON;
  else if (!strcmp(v, "csv")) *k = STROM_FORMAT_CSV;
  else if (!strcmp(v, "raw")) *k = STROM_FORMAT_RAW;
  else if (!strcmp(v, "debezium-json")) *k = STROM_FORMAT_DEBEZIUM_JSON;
  else if (!strcmp(v, "canal-json")) *k = STROM_FORMAT_CANAL_JSON;
  else if (!strcmp(v, "maxwell-json")) *k = STROM_FORMAT_MAXWELL_JSON;
  else if (!strcmp(v, "avro")) *k = STROM_FORMAT_AVRO;
  else return -1;
  return 0;
}

/* Flink durations: "10 s", "500ms", "1 min", "2 h"; a bare number is milliseconds. */
static bool duration_ms(const char *v, int64_t *ms) {
  static const struct {
    const char *unit;
    int64_t ms;
  } units[] = {{"", 1}, {"ms", 1}, {"milli", 1}, {"millis", 1}, {"s", 1000}, {"sec", 1000}, {"second", 1000},
               {"seconds", 1000}, {"min", 60000}, {"m", 60000}, {"minute", 60000}, {"minutes", 60000},
               {"h", 3600000}, {"hour", 3600000}, {"hours", 3600000}, {"d", 86400000}, {"day", 86400000},
               {"days", 86400000}};
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (end == v || errno || x < 0) return false;
  while (*end == ' ') end++;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (!strcasecmp(end, units[i].unit)) {
      if (x > INT64_MAX / units[i].ms) return false;
      *ms = x * units[i].ms;
      return true;
    }
  return false;
}

static int valid_keys(strom_buf *b, int where) {
  for (size_t i = 0; i < NOPTS; i++)
    if ((OPTS[i].where & where) && !strchr(OPTS[i].key, '$'))
      strom__buf_printf(b, "%s%s", b->len ? ", " : "", OPTS[i].key);
  return strom__buf_printf(b, ", properties.*");
}

/* Fills the struct at base (source or sink options) from kv; props receives the
 * properties.* pass-through list (NULL-terminated, pointing into kv). */
static int parse(strom_env *env, const char *what, int where, void *base, const char *const *kv, size_t n,
                 const char ***props) {
  size_t np = 0;
  *props = strom__calloc(n + 1, sizeof **props);
  if (!*props) return STROM_ENOMEM;
  strom_format_opts *vf = (strom_format_opts *)((char *)base + (where == FOR_SOURCE ? SRC(value_format) : SNK(value_format)));
  strom_format_opts *kf = (strom_format_opts *)((char *)base + (where == FOR_SOURCE ? SRC(key_format) : SNK(key_format)));
  for (size_t i = 0; i < 2 * n; i += 2) {
    const char *k = kv[i], *v = kv[i + 1];
    if (!k || !v) {
      strom__env_error(env, STROM_EINVAL, "%s: option %zu has no key or value", what, i / 2 + 1);
      return STROM_EINVAL;
    }
    const opt *o = NULL;
    for (size_t j = 0; j < NOPTS; j++)
      if ((OPTS[j].where & where) && !strcmp(OPTS[j].key, k)) o = &OPTS[j];
    if (!o && !strncmp(k, "properties.", 11) && k[11]) {
      (*props)[np++] = k + 11;
      (*props)[np++] = v;
      continue;
    }
    if (!o) {
      strom_buf b = {0};
      valid_keys(&b, where);
      strom__env_error(env, STROM_EINVAL, "%s: unknown option '%s'; valid options: %s", what, k, b.p ? b.p : "");
      strom__buf_free(&b);
      return STROM_EINVAL;
    }
    void *field = (char *)base + (where == FOR_SOURCE ? o->src_off : o->sink_off);
    bool bad = false;
    bool refused = false;
    if (!strcmp(k, "json.ignore-parse-errors") || !strcmp(k, "csv.ignore-parse-errors") ||
        !strcmp(k, "canal-json.ignore-parse-errors") || !strcmp(k, "maxwell-json.ignore-parse-errors")) {
      vf->ignore_parse_errors = kf->ignore_parse_errors = !strcasecmp(v, "true");
      bad = strcasecmp(v, "true") && strcasecmp(v, "false");
    } else if (!strcmp(k, "json.fail-on-missing-field")) {
      vf->fail_on_missing_field = kf->fail_on_missing_field = !strcasecmp(v, "true");
      bad = strcasecmp(v, "true") && strcasecmp(v, "false");
    } else if (!strcmp(k, "canal-json.database.include") || !strcmp(k, "canal-json.table.include")) {
      if (k[11] == 'd') vf->include_database = kf->include_database = v;
      else vf->include_table = kf->include_table = v;
    } else if (!strcmp(k, "avro.$columns")) {
      vf->avro_columns = kf->avro_columns = v;
    } else if (strstr(k, ".map-null-key.mode")) {
      bad = strcmp(v, "FAIL") && strcmp(v, "DROP") && strcmp(v, "LITERAL"); /* no MAP column reaches a format */
    } else if (strstr(k, ".map-null-key.literal")) {
    } else if (strstr(k, ".encode.decimal-as-plain-number")) {
      bad = strcasecmp(v, "true") && strcasecmp(v, "false"); /* decimals are always written plain here */
    } else if (!strcmp(k, "avro.codec")) { /* a container file's codec: a Kafka record has none */
      bad = strcmp(v, "null") && strcmp(v, "deflate") && strcmp(v, "snappy") && strcmp(v, "bzip2") && strcmp(v, "xz") &&
            strcmp(v, "zstandard");
    } else if (!strcmp(k, "avro.encoding")) {
      refused = !strcmp(v, "json");
      bad = strcmp(v, "binary") && !refused;
    } else if (!strcmp(k, "avro.timestamp_mapping.legacy")) {
      refused = !strcasecmp(v, "false");
      bad = strcasecmp(v, "true") && !refused;
    } else if (!strcmp(k, "json.timestamp-format.standard") || !strcmp(k, "canal-json.timestamp-format.standard") ||
               !strcmp(k, "maxwell-json.timestamp-format.standard")) {
      vf->iso8601 = kf->iso8601 = !strcmp(v, "ISO-8601");
      bad = strcmp(v, "ISO-8601") && strcmp(v, "SQL");
    } else if (!strcmp(k, "csv.field-delimiter")) {
      vf->csv_delimiter = kf->csv_delimiter = v[0];
      bad = strlen(v) != 1;
    } else if (!strcmp(k, "scan.bounded.mode")) {
      *(bool *)field = !strcmp(v, "latest-offset");
      bad = strcmp(v, "latest-offset") && strcmp(v, "unbounded");
    } else {
      switch (o->type) {
        case O_IGNORED: bad = strcmp(v, "kafka") != 0; break;
        case O_STR: *(const char **)field = v; break;
        case O_INT64: {
          char *end;
          errno = 0;
          long long x = strtoll(v, &end, 10);
          bad = errno || *end || end == v;
          *(int64_t *)field = x;
          break;
        }
        case O_DURATION: bad = !duration_ms(v, (int64_t *)field); break;
        case O_FORMAT: bad = fmt_kind(v, &((strom_format_opts *)field)->kind) != 0; break;
        case O_STARTUP: {
          static const char *const names[] = {"group-offsets", "earliest-offset", "latest-offset", "timestamp",
                                              "specific-offsets"};
          bad = true;
          for (int m = 0; m < 5; m++)
            if (!strcmp(v, names[m])) *(strom_kafka_startup *)field = (strom_kafka_startup)m, bad = false;
          break;
        }
        case O_DELIVERY:
          if (!strcmp(v, "at-least-once")) *(strom_kafka_delivery *)field = STROM_KAFKA_AT_LEAST_ONCE;
          else if (!strcmp(v, "none")) *(strom_kafka_delivery *)field = STROM_KAFKA_NONE;
          else if (!strcmp(v, "exactly-once")) *(strom_kafka_delivery *)field = STROM_KAFKA_EXACTLY_ONCE;
          else bad = true;
          break;
        case O_PARTITIONER:
          if (!strcmp(v, "default")) *(strom_kafka_partitioner *)field = STROM_KAFKA_PART_DEFAULT;
          else if (!strcmp(v, "fixed")) *(strom_kafka_partitioner *)field = STROM_KAFKA_PART_FIXED;
          else if (!strcmp(v, "round-robin")) *(strom_kafka_partitioner *)field = STROM_KAFKA_PART_ROUND_ROBIN;
          else bad = true;
          break;
      }
    }
    if (refused) {
      strom__env_error(env, STROM_ENOTSUP, "%s: option '%s' = '%s' is not supported (only '%s')", what, k, v,
                       k[5] == 'e' ? "binary" : "true");
      return STROM_ENOTSUP;
    }
    if (bad) {
      strom__env_error(env, STROM_EINVAL, "%s: option '%s' has an invalid value '%s'", what, k, v);
      return STROM_EINVAL;
    }
  }
  return STROM_OK;
}

static strom_stream *source_sql(strom_env *env, const strom_schema *s, const char *const *kv, size_t n,
                                const strom_watermark_strategy *ws, const char *metadata, const char *upsert) {
  if (!env) return NULL;
  strom_kafka_source_opts o = {.discovery_interval_ms = 5 * 60000}; /* Flink's default */
  const char **props = NULL;
  strom_stream *st = NULL;
  if (!parse(env, "Kafka source", FOR_SOURCE, &o, kv, n, &props)) {
    o.properties = props;
    o.watermarks = ws;
    o.metadata_columns = metadata;
    st = strom__kafka_source_ex(env, s, &o, upsert);
  }
  free(props);
  return st;
}

strom_stream *strom__kafka_source_sql(strom_env *env, const strom_schema *s, const char *const *kv, size_t n,
                                      const strom_watermark_strategy *ws, const char *metadata) {
  return source_sql(env, s, kv, n, ws, metadata, NULL);
}

strom_stream *strom__kafka_source_upsert(strom_env *env, const strom_schema *s, const char *const *kv, size_t n,
                                         const strom_watermark_strategy *ws, const char *metadata,
                                         const char *value_fields) {
  return source_sql(env, s, kv, n, ws, metadata, value_fields);
}

strom_stream *strom_kafka_source_from_options(strom_env *env, const strom_schema *s, const char *const *kv, size_t n) {
  return strom__kafka_source_sql(env, s, kv, n, NULL, NULL);
}

static int sink_sql(strom_stream *in, const char *const *kv, size_t n, const char *metadata, const char *upsert) {
  if (!in) return STROM_EINVAL;
  strom_kafka_sink_opts o = {0};
  const char **props = NULL;
  int rc = parse(in->env, "Kafka sink", FOR_SINK, &o, kv, n, &props);
  if (!rc) {
    o.properties = props;
    o.metadata_columns = metadata;
    rc = strom__kafka_sink_ex(in, &o, upsert);
  }
  free(props);
  return rc;
}

int strom__kafka_sink_sql(strom_stream *in, const char *const *kv, size_t n, const char *metadata) {
  return sink_sql(in, kv, n, metadata, NULL);
}

int strom__kafka_sink_upsert(strom_stream *in, const char *const *kv, size_t n, const char *metadata,
                             const char *value_fields) {
  return sink_sql(in, kv, n, metadata, value_fields);
}

int strom_kafka_sink_from_options(strom_stream *in, const char *const *kv, size_t n) {
  return strom__kafka_sink_sql(in, kv, n, NULL);
}
