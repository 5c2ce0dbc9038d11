/*
 * kafka_common.h -- what the Kafka source and sink share: librdkafka configuration
 * from options and extra properties, option strings owned by a connector's
 * configuration, and Flink's assignment of partitions to subtasks.
 */
#ifndef STROM_KAFKA_COMMON_H
#define STROM_KAFKA_COMMON_H

#include <librdkafka/rdkafka.h>

#include "../core/core.h"
#include "strom/kafka.h"

/* A librdkafka configuration with bootstrap.servers, the extra "key", "value", ...,
 * NULL properties, then the connector's own settings (kv pairs, NULL-terminated),
 * which win.  NULL with err filled on a refused property. */
rd_kafka_conf_t *strom__kafka_conf(const char *servers, char *const *props, const char *const *own, char *err,
                                   size_t errlen);
/* A NULL-terminated copy of a "key", "value", ..., NULL list (NULL stays NULL). */
char **strom__kafka_props_dup(const char *const *props);
void strom__kafka_props_free(char **props);
/* The value of key in a props list, or NULL. */
const char *strom__kafka_prop(char *const *props, const char *key);
/* Flink's KafkaSourceEnumerator assignment: the subtask that reads partition p of topic. */
int strom__kafka_owner(const char *topic, int32_t partition, int parallelism);

/* strom_kafka_*_from_options with what a SQL table adds: per-partition watermarks (ws,
 * may be NULL: the table's WATERMARK pushed into the source) and metadata columns
 * ("col:key;...", may be NULL). */
strom_stream *strom__kafka_source_sql(strom_env *env, const strom_schema *s, const char *const *kv, size_t n,
                                      const strom_watermark_strategy *ws, const char *metadata);
int strom__kafka_sink_sql(strom_stream *in, const char *const *kv, size_t n, const char *metadata);
/* The upsert-kafka table's connectors (src/sql/upsert_kafka.c): value_fields ("a;b")
 * are the columns the value format covers (EXCEPT_KEY leaves the key out); a record
 * with a null value (a tombstone) is a -D row holding only its key columns (source);
 * a -D row is written as a tombstone and a -U row not at all (sink); metadata as above. */
strom_stream *strom__kafka_source_upsert(strom_env *env, const strom_schema *s, const char *const *kv, size_t n,
                                         const strom_watermark_strategy *ws, const char *metadata,
                                         const char *value_fields);
int strom__kafka_sink_upsert(strom_stream *in, const char *const *kv, size_t n, const char *metadata,
                             const char *value_fields);
strom_stream *strom__kafka_source_ex(strom_env *env, const strom_schema *s, const strom_kafka_source_opts *o,
                                     const char *upsert_value_fields);
int strom__kafka_sink_ex(strom_stream *in, const strom_kafka_sink_opts *o, const char *upsert_value_fields);

/* Metadata columns ("col:key;col:key", strom_kafka_*_opts.metadata_columns): which
 * column holds which of a record's timestamp, partition, offset, topic, headers and
 * timestamp-type. */
typedef enum strom_kafka_meta_key {
  STROM_KMETA_TIMESTAMP = 1, /* TIMESTAMP */
  STROM_KMETA_PARTITION,     /* INT */
  STROM_KMETA_OFFSET,        /* BIGINT */
  STROM_KMETA_TOPIC,         /* VARCHAR */
  STROM_KMETA_HEADERS,       /* VARCHAR: kafka_headers.c */
  STROM_KMETA_TIMESTAMP_TYPE, /* VARCHAR: NoTimestampType, CreateTime, LogAppendTime */
  STROM_KMETA_VALUE,         /* 'value.<key>': the value format's (format_cdc_meta.c) */
} strom_kafka_meta_key;
typedef struct strom_kafka_meta {
  int col;
  strom_kafka_meta_key key;
  int fkey; /* STROM_KMETA_VALUE: the format's key (strom__cdc_meta_find) */
} strom_kafka_meta;
/* Parses spec (NULL: none) against s, checking names and types; a sink (writable)
 * takes only timestamp and headers, a source also the value format vfmt's keys.
 * *value_fields receives the other columns as "a;b" (malloc'd; NULL when there is no
 * metadata column), which the value format covers. */
int strom__kafka_meta_parse(const char *spec, const strom_schema *s, bool writable, strom_format_kind vfmt,
                            strom_kafka_meta **out, int *n, char **value_fields, char *err, size_t errlen);
/* The 'headers' column's text: a JSON object {"name": "value", ...} (kafka_headers.c). */
int strom__kafka_headers_render(strom_buf *b, const rd_kafka_headers_t *h);
int strom__kafka_headers_parse(const char *s, size_t n, rd_kafka_headers_t **out, char *err, size_t errlen);

/* The exactly-once sink's commit markers (kafka_markers.c).  A range is the first and
 * last offset a transaction wrote in a partition. */
typedef struct strom_kafka_range {
  int32_t part;
  int64_t lo, hi;
} strom_kafka_range;
/* "checkpoint=N records=R ranges=P:LO-HI,..." */
int strom__kafka_marker_value(strom_buf *b, int64_t ckpt, uint64_t records, const strom_kafka_range *r, int nr);
/* The checkpoint of a marker value. */
bool strom__kafka_marker_parse(const char *v, size_t n, int64_t *ckpt);
/* For each of keys, the highest checkpoint among the committed markers with that key
 * in topic (-1: none), read with a read_committed consumer up to the topic's end. */
int strom__kafka_markers_max(const char *servers, char *const *props, const char *topic, char *const *keys, int nkeys,
                             int64_t *max, int timeout_ms, char *err, size_t errlen);

#endif
