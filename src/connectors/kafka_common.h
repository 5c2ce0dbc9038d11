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

/* strom_kafka_source_from_options with per-partition watermarks (ws may be NULL): the
 * SQL layer pushes a table's WATERMARK into the source this way. */
strom_stream *strom__kafka_source_with_watermarks(strom_env *env, const strom_schema *s, const char *const *kv, size_t n,
                                                  const strom_watermark_strategy *ws);

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
