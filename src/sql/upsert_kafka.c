/*
 * upsert_kafka.c -- the 'upsert-kafka' connector (Flink's Upsert Kafka SQL connector):
 * a Kafka topic read and written as an upsert changelog keyed by the table's PRIMARY
 * KEY.  The sink writes +I/+U rows as records keyed by the primary key columns, -D rows
 * as tombstones (a null value) and drops -U rows; the source reads every record as the
 * key's latest value and turns that into a full changelog as Flink's ChangelogNormalize
 * does: the key's first value is +I, a later different one -U (the previous value) and
 * +U, a tombstone -D of the previous value, all from keyed state (so checkpoints cover
 * it).  The Kafka connector does the rest (src/connectors/kafka_*.c, through
 * strom__kafka_source_upsert / strom__kafka_sink_upsert), METADATA columns included.
 */
#include <strings.h>

#include "../connectors/kafka_common.h"
#include "sql_int.h"

const sql_option sql_upsert_kafka_opts[] = {
    {"properties.bootstrap.servers", "the brokers (required)"},
    {"topic", "the topic (required)"},
    {"key.format", "json, csv, raw or avro: the record key, the PRIMARY KEY columns (required)"},
    {"value.format", "json, csv, raw or avro: the record value (required)"},
    {"key.fields-prefix", "the key columns' prefix, left out of the key format's names (needs EXCEPT_KEY)"},
    {"value.fields-include", "ALL (default) or EXCEPT_KEY: whether the value holds the key columns too"},
    {"key.json.*", "json options of the key format"},
    {"value.json.*", "json options of the value format"},
    {"key.csv.*", "csv options of the key format"},
    {"value.csv.*", "csv options of the value format"},
    {"key.avro.*", "avro options of the key format"},
    {"value.avro.*", "avro options of the value format"},
    {"scan.bounded.mode", "unbounded or latest-offset"},
    {"scan.watermark.idle-timeout", "a partition without records this long does not hold the watermark back"},
    {"sink.parallelism", "parallelism of the sink"},
    {"sink.buffer-flush.max-rows", "accepted; every row is written"},
    {"sink.buffer-flush.interval", "accepted; every row is written"},
    {"sink.delivery-guarantee", "none, at-least-once (default) or exactly-once"},
    {"sink.transactional-id-prefix", "required for exactly-once"},
    {"sink.transaction-marker-topic", "exactly-once commit markers"},
    {"properties.*", "passed to librdkafka"},
    {NULL, NULL},
};

static bool is_key(const sql_table *t, const char *col) {
  for (int i = 0; i < t->npk; i++)
    if (!strcmp(t->pk[i], col)) return true;
  return false;
}

static bool except_key(const sql_table *t) {
  const char *v = sql_table_option(t, "value.fields-include");
  return v && !strcmp(v, "EXCEPT_KEY");
}

/* The name the formats know column c by: a key column without key.fields-prefix. */
static const char *format_name(const sql_table *t, const char *c) {
  const char *pre = sql_table_option(t, "key.fields-prefix");
  return pre && is_key(t, c) && !strncmp(c, pre, strlen(pre)) ? c + strlen(pre) : c;
}

int sql_upsert_kafka_validate(const sql_table *t, char *err, size_t errlen) {
  int mrc = sql_kafka_metadata_validate(t, err, errlen); /* the kafka connector's keys, as Flink's */
  if (mrc) return mrc;
  if (!t->npk)
    return snprintf(err, errlen, "'upsert-kafka' tables require to define a PRIMARY KEY constraint. The PRIMARY KEY "
                    "specifies which columns should be read from or write to the Kafka message key. The PRIMARY KEY "
                    "also defines records in the 'upsert-kafka' table should update or delete on which keys."),
           STROM_EINVAL;
  for (int i = 0; i < t->ncols; i++)
    if ((t->cols[i].metadata || t->cols[i].computed) && is_key(t, t->cols[i].name))
      return snprintf(err, errlen, "Could not create a PRIMARY KEY with column '%s'. A PRIMARY KEY constraint must be "
                      "declared on physical columns.", t->cols[i].name), STROM_EINVAL;
  static const char *const req[] = {"properties.bootstrap.servers", "topic", "key.format", "value.format"};
  for (size_t i = 0; i < sizeof req / sizeof *req; i++)
    if (!sql_table_option(t, req[i])) return snprintf(err, errlen, "option '%s' is required", req[i]), STROM_EINVAL;
  if (strchr(sql_table_option(t, "topic"), ';'))
    return snprintf(err, errlen, "'upsert-kafka' reads and writes one topic, not a list ('%s')", sql_table_option(t, "topic")),
           STROM_EINVAL;
  for (int w = 0; w < 2; w++) {
    const char *k = w ? "value.format" : "key.format", *v = sql_table_option(t, k);
    if (!strcmp(v, "debezium-json") || !strcmp(v, "canal-json") || !strcmp(v, "maxwell-json")) /* Flink's words */
      return snprintf(err, errlen, "'upsert-kafka' connector doesn't support '%s' as %s format, because '%s' is not in "
                      "insert-only mode.", v, w ? "value" : "key", v), STROM_EINVAL;
    if (!strcmp(v, "avro-confluent"))
      return snprintf(err, errlen, "%s 'avro-confluent' is not supported (it needs a schema registry); 'avro' is", k),
             STROM_ENOTSUP;
    if (strcmp(v, "json") && strcmp(v, "csv") && strcmp(v, "raw") && strcmp(v, "avro"))
      return snprintf(err, errlen, "unknown %s '%s' (supported: json, csv, raw, avro)", k, v), STROM_EINVAL;
    if (!strcmp(v, "avro") && (mrc = sql_kafka_avro_validate(t, err, errlen))) return mrc;
  }
  const char *inc = sql_table_option(t, "value.fields-include"), *pre = sql_table_option(t, "key.fields-prefix");
  if (inc && strcmp(inc, "ALL") && strcmp(inc, "EXCEPT_KEY"))
    return snprintf(err, errlen, "option 'value.fields-include' has an invalid value '%s' (ALL or EXCEPT_KEY)", inc),
           STROM_EINVAL;
  if (pre && *pre && !except_key(t))
    return snprintf(err, errlen, "A key prefix is not allowed when option 'value.fields-include' is set to 'ALL'. Set "
                    "it to 'EXCEPT_KEY' instead to avoid field overlaps."), STROM_EINVAL;
  for (int i = 0; pre && *pre && i < t->npk; i++) {
    if (strncmp(t->pk[i], pre, strlen(pre)))
      return snprintf(err, errlen, "All fields in 'key.fields' must be prefixed with '%s' when option 'key.fields-prefix' "
                      "is set but field '%s' is not prefixed.", pre, t->pk[i]), STROM_EINVAL;
    for (int j = 0; j < t->ncols; j++)
      if (!strcmp(t->cols[j].name, t->pk[i] + strlen(pre)))
        return snprintf(err, errlen, "key column '%s' without its prefix is column '%s' too, which is not supported here",
                        t->pk[i], t->cols[j].name), STROM_ENOTSUP;
  }
  if (except_key(t)) {
    bool any = false;
    for (int i = 0; i < t->ncols; i++) any |= !t->cols[i].computed && !t->cols[i].metadata && !is_key(t, t->cols[i].name);
    if (!any) return snprintf(err, errlen, "'value.fields-include' = 'EXCEPT_KEY' leaves the value no column"), STROM_EINVAL;
  }
  int64_t rows = 0, iv = 0;
  const char *p = sql_table_option(t, "sink.parallelism");
  char *end;
  if (p && (strtol(p, &end, 10) < 1 || *end))
    return snprintf(err, errlen, "option 'sink.parallelism' has an invalid value '%s'", p), STROM_EINVAL;
  if ((p = sql_table_option(t, "sink.buffer-flush.max-rows")) && ((rows = strtoll(p, &end, 10)) < 0 || *end || end == p))
    return snprintf(err, errlen, "option 'sink.buffer-flush.max-rows' has an invalid value '%s'", p), STROM_EINVAL;
  if ((p = sql_table_option(t, "sink.buffer-flush.interval")) && (!sql_parse_duration(p, &iv) || iv < 0))
    return snprintf(err, errlen, "option 'sink.buffer-flush.interval' has an invalid value '%s'", p), STROM_EINVAL;
  if ((rows > 0) != (iv > 0))
    return snprintf(err, errlen, "'sink.buffer-flush.max-rows' and 'sink.buffer-flush.interval' must be set to be "
                    "greater than zero together to enable sink buffer flushing."), STROM_EINVAL;
  return STROM_OK;
}

/* The Kafka connector's options for this table (in the build's arena): the key fields
 * are the primary key, the source reads from the earliest offset (as Flink's does),
 * key./value. format options lose their prefix. */
static const char **kafka_pairs(sql_build *b, const sql_table *t, bool sink, size_t *n) {
  const char **kv = sql_arena_alloc(&b->arena, sizeof *kv * (size_t)(2 * t->nopts + 8));
  strom_buf keys = {0};
  for (int i = 0; i < t->npk; i++) strom__buf_printf(&keys, "%s%s", i ? ";" : "", format_name(t, t->pk[i]));
  char *kf = keys.p ? sql_arena_alloc(&b->arena, keys.len + 1) : NULL;
  if (kf) memcpy(kf, keys.p, keys.len + 1);
  strom__buf_free(&keys);
  if (!kv || !kf) return NULL;
  size_t k = 0;
#define PUT(key, val) (kv[2 * k] = (key), kv[2 * k++ + 1] = (val))
  PUT("key.fields", kf);
  if (!sink) PUT("scan.startup.mode", "earliest-offset");
  for (int i = 0; i < t->nopts; i++) {
    const char *key = t->keys[i];
    if (!strcmp(key, "connector") || !strcmp(key, "key.fields-prefix") || !strcmp(key, "value.fields-include") ||
        !strcmp(key, "scan.watermark.emit.strategy") || !strncmp(key, "sink.buffer-flush.", 18) ||
        !strcmp(key, "sink.parallelism"))
      continue;
    if (sink ? !strncmp(key, "scan.", 5) || !strcmp(key, "properties.group.id") : !strncmp(key, "sink.", 5)) continue;
    if (!strncmp(key, "key.json.", 9) || !strncmp(key, "key.csv.", 8) || !strncmp(key, "key.avro.", 9)) key += 4;
    else if (!strncmp(key, "value.json.", 11) || !strncmp(key, "value.csv.", 10) || !strncmp(key, "value.avro.", 11))
      key += 6;
    PUT(key, t->vals[i]);
  }
  const char *av = sql_kafka_avro_columns(b, t, format_name);
  if (av) PUT("avro.$columns", av);
#undef PUT
  *n = k;
  return kv;
}

/* The value format's columns ("a;b"): the physical ones, without the key with EXCEPT_KEY. */
static const char *value_fields(sql_build *b, const sql_table *t) {
  strom_buf l = {0};
  for (int i = 0; i < t->ncols; i++)
    if (!t->cols[i].computed && !t->cols[i].metadata && !(except_key(t) && is_key(t, t->cols[i].name)))
      strom__buf_printf(&l, "%s%s", l.len ? ";" : "", t->cols[i].name);
  char *out = sql_arena_alloc(&b->arena, l.len + 1);
  if (out) memcpy(out, l.p ? l.p : "", l.len), out[l.len] = 0;
  strom__buf_free(&l);
  return out;
}

/* The primary key as strom_key_by names it: "a, b". */
static const char *key_columns(sql_build *b, const sql_table *t, bool formats) {
  strom_buf l = {0};
  for (int i = 0; i < t->npk; i++) strom__buf_printf(&l, "%s%s", i ? ", " : "", formats ? format_name(t, t->pk[i]) : t->pk[i]);
  char *out = l.p ? sql_arena_alloc(&b->arena, l.len + 1) : NULL;
  if (out) memcpy(out, l.p, l.len + 1);
  strom__buf_free(&l);
  return out;
}

/* ---- source ---- */

typedef struct norm {
  const strom_schema *schema;
  int time_col; /* the WATERMARK's column, or -1 */
} norm;

/* A -U or -D of prev: at prev's event time, where a window or a versioned table has it
 * (a tombstone has no time of its own), else at the time of the record that ends it. */
static int64_t retract_time(const norm *n, const strom_row *prev, const strom_row *in) {
  return n->time_col >= 0 && !strom_row_is_null(prev, n->time_col) ? strom_row_get_bigint(prev, n->time_col)
                                                                    : strom_row_time(in);
}

static int norm_open(strom_ctx *ctx) {
  norm *n = strom_ctx_data(ctx);
  strom_state_desc d = {.name = "upsert-kafka-last", .kind = STROM_STATE_VALUE, .schema = n->schema};
  strom_state *st = strom_ctx_state(ctx, &d);
  strom_ctx_set_local(ctx, st); /* the handle, found once per subtask */
  return st ? STROM_OK : STROM_EINVAL;
}

/* Flink's ChangelogNormalize (the last row per key, no state TTL): an unchanged value
 * emits nothing, a tombstone of an unknown key nothing. */
static int norm_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const norm *n = strom_ctx_data(ctx);
  strom_state *st = strom_ctx_local(ctx);
  const strom_row *prev = strom_state_get(st);
  strom_row *o;
  int rc;
  if (strom_row_get_kind(in) == STROM_DELETE) {
    if (!prev) return STROM_OK;
    o = strom_out_row(out);
    if ((rc = strom_row_copy(o, prev))) return rc;
    strom_row_set_kind(o, STROM_DELETE);
    strom_row_set_time(o, retract_time(n, prev, in));
    if ((rc = strom_out_emit(out, o))) return rc;
    strom_state_clear(st);
    return STROM_OK;
  }
  if (prev) {
    if (strom__row_prefix_equal(prev, in, in->ncols)) return STROM_OK;
    o = strom_out_row(out);
    if ((rc = strom_row_copy(o, prev))) return rc;
    strom_row_set_kind(o, STROM_UPDATE_BEFORE);
    strom_row_set_time(o, retract_time(n, prev, in));
    if ((rc = strom_out_emit(out, o))) return rc;
  }
  o = strom_out_row(out);
  if ((rc = strom_row_copy(o, in))) return rc;
  strom_row_set_kind(o, prev ? STROM_UPDATE_AFTER : STROM_INSERT);
  strom_row_set_time(o, strom_row_time(in));
  if ((rc = strom_out_emit(out, o))) return rc;
  strom_row_set_kind(o, STROM_INSERT);
  return strom_state_update(st, o);
}

/* A copy of phys with the key columns under their format names (key.fields-prefix), or
 * phys itself without a prefix. */
static const strom_schema *format_schema(sql_build *b, const sql_table *t, const strom_schema *phys) {
  const char *pre = sql_table_option(t, "key.fields-prefix");
  if (!pre || !*pre) return phys;
  strom_schema *s = strom_schema_new();
  for (int i = 0; s && i < t->ncols; i++)
    if (!t->cols[i].computed && sql_schema_add_io(s, format_name(t, t->cols[i].name), &t->cols[i].type)) {
      strom_schema_free(s);
      s = NULL;
    }
  if (!s || sql_build_own(b, s, (void (*)(void *))strom_schema_free)) return NULL;
  return s;
}

strom_stream *sql_upsert_kafka_scan(sql_build *b, const sql_table *t, const strom_schema *phys) {
  size_t n;
  const char **kv = kafka_pairs(b, t, false, &n);
  const char *vf = value_fields(b, t), *keys = key_columns(b, t, false), *meta = sql_kafka_metadata(b, t, false);
  const strom_schema *fs = format_schema(b, t, phys);
  norm *nm = sql_arena_alloc(&b->arena, sizeof *nm);
  if (!kv || !vf || !keys || !meta || !fs || !nm) return NULL;
  strom_watermark_strategy ws = {0};
  int own = sql_kafka_watermark(b, t, &ws);
  if (own < 0) return NULL;
  strom_stream *s = strom__kafka_source_upsert(b->env, fs, kv, n, own ? &ws : NULL, meta, vf);
  if (!s) {
    sql_build_fail(b, "table '%s': %s", t->name, strom_env_errmsg(b->env));
    return NULL;
  }
  if (fs != phys)
    s = strom_set_name(strom_process(s, &(strom_process_def){.process = sql_pass_row_process, .out_schema = phys}), "Key names");
  nm->schema = phys;
  nm->time_col = own ? strom_schema_find(phys, t->cols[t->wm_col].name) : -1;
  s = strom_keyed_process(strom_key_by(s, keys), &(strom_process_def){.open = norm_open, .process = norm_process, .data = nm});
  return strom_set_name(s, "ChangelogNormalize");
}

/* ---- sink ---- */

int sql_upsert_kafka_write(sql_build *b, const sql_table *t, strom_stream *in) {
  size_t n;
  const char **kv = kafka_pairs(b, t, true, &n);
  const char *vf = value_fields(b, t), *keys = key_columns(b, t, true), *meta = sql_kafka_metadata(b, t, true);
  strom_schema *s = strom_schema_new();
  if (!kv || !vf || !keys || !meta || !s) {
    strom_schema_free(s);
    return STROM_ENOMEM;
  }
  for (int i = 0; s && i < t->ncols; i++) {
    const sql_table_col *c = &t->cols[i];
    if (!sql_col_written(c)) continue;
    if (sql_float_as_text(t, c) ? strom_schema_add(s, format_name(t, c->name), STROM_VARCHAR)
                                : sql_schema_add_io(s, format_name(t, c->name), &c->type)) {
      strom_schema_free(s);
      s = NULL;
    }
  }
  if (!s || sql_build_own(b, s, (void (*)(void *))strom_schema_free)) return STROM_ENOMEM;
  /* under the formats' names, partitioned by the primary key so that a key's changes
   * stay in order whatever the sink's parallelism (Flink does the same) */
  in = strom_set_name(strom_process(in, &(strom_process_def){.process = sql_pass_row_process, .out_schema = s}), "Sink columns");
  strom_stream *keyed = strom_keyed_process(strom_key_by(in, keys), &(strom_process_def){.process = sql_pass_row_process});
  const char *p = sql_table_option(t, "sink.parallelism");
  if (p) keyed = strom_set_parallelism(keyed, atoi(p));
  int rc = strom__kafka_sink_upsert(strom_set_name(keyed, "Upsert key"), kv, n, meta, vf);
  if (rc) sql_build_fail(b, "table '%s': %s", t->name, strom_env_errmsg(b->env));
  return rc;
}
