/*
 * strom/kafka.h -- the Kafka connector (source and sink, over librdkafka) and the
 * formats that turn Kafka record bytes into rows and back (json, csv, raw).
 *
 * The option structs mirror Flink's Kafka table connector; every field names the
 * Flink option it stands for, and strom_kafka_source_from_options() /
 * strom_kafka_sink_from_options() take those options as key/value strings (the SQL
 * layer's WITH (...) clause).  Link with -lrdkafka.
 */
#ifndef STROM_KAFKA_H
#define STROM_KAFKA_H

#include "../strom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Formats ------------------------------------------------------------------ */

typedef enum strom_format_kind {
  STROM_FORMAT_NONE = 0,
  STROM_FORMAT_JSON,     /* 'json': one object per record, members by column name */
  STROM_FORMAT_CSV,      /* 'csv': one line, RFC 4180 quoting */
  STROM_FORMAT_RAW,      /* 'raw': the bytes as one VARCHAR column */
  STROM_FORMAT_DEBEZIUM_JSON, /* 'debezium-json': a CDC changelog ({"before", "after", "op"})
                               * into +I / -U +U / -D rows (values only) */
  STROM_FORMAT_CANAL_JSON,    /* 'canal-json': Canal's changelog ({"data": [...], "old": [...],
                               * "type": "INSERT" | "UPDATE" | "DELETE"}), several rows a record */
  STROM_FORMAT_MAXWELL_JSON,  /* 'maxwell-json': Maxwell's changelog ({"data": {...}, "old": {...},
                               * "type": "insert" | "update" | "delete"}) */
  STROM_FORMAT_AVRO,          /* 'avro': Avro binary, one record per message, the schema derived
                               * from the columns as Flink derives it */
} strom_format_kind;

typedef struct strom_format_opts {
  strom_format_kind kind;
  /* json.ignore-parse-errors / csv.ignore-parse-errors: a malformed record is skipped
   * and counted instead of failing the job (the failure names topic/partition/offset). */
  bool ignore_parse_errors;
  /* json.fail-on-missing-field: a column absent from the object is an error (default:
   * NULL). */
  bool fail_on_missing_field;
  /* json.timestamp-format.standard = 'ISO-8601' ("2020-12-30T12:13:14.123"); the
   * default 'SQL' is "2020-12-30 12:13:14.123". */
  bool iso8601;
  char csv_delimiter; /* csv.field-delimiter; 0 = ',' */
  /* canal-json.database.include / canal-json.table.include: Java regexes a record's
   * "database" / "table" must match whole, else the record is skipped; NULL: any. */
  const char *include_database, *include_table;
  /* avro: what the row model does not say about columns, "name:flags;..." with flags n
   * (NOT NULL: not a union with null), d (a DATE as its text: Avro int date) and t (a TIME
   * as its text: Avro int time-millis); the SQL layer fills it from the table. */
  const char *avro_columns;
} strom_format_opts;

/* ---- Source ------------------------------------------------------------------- */

typedef enum strom_kafka_startup {
  STROM_KAFKA_GROUP_OFFSETS = 0, /* 'group-offsets' (Flink's default): the group's committed
                                  * offsets, else properties.auto.offset.reset (default earliest) */
  STROM_KAFKA_EARLIEST,          /* 'earliest-offset' */
  STROM_KAFKA_LATEST,            /* 'latest-offset' */
  STROM_KAFKA_TIMESTAMP,         /* 'timestamp': the first record at or after startup_timestamp_ms */
  STROM_KAFKA_SPECIFIC_OFFSETS,  /* 'specific-offsets': specific_offsets, other partitions as group-offsets */
} strom_kafka_startup;

typedef struct strom_kafka_source_opts {
  const char *bootstrap_servers; /* properties.bootstrap.servers (required) */
  const char *topics;            /* topic: "a" or "a;b" */
  const char *topic_pattern;     /* topic-pattern: a POSIX extended regex over topic names */
  const char *group_id;          /* properties.group.id: needed for group-offsets and commits */
  strom_kafka_startup startup_mode;        /* scan.startup.mode */
  int64_t startup_timestamp_ms;            /* scan.startup.timestamp-millis */
  const char *specific_offsets;            /* scan.startup.specific-offsets:
                                            * "partition:0,offset:42;partition:1,offset:300" */
  /* scan.bounded.mode = 'latest-offset': read up to the offsets that are latest when the
   * job starts, then end (the source is bounded).  Default: unbounded. */
  bool bounded_latest;
  strom_format_opts value_format; /* format / value.format (required) */
  strom_format_opts key_format;   /* key.format (kind NONE: keys are ignored) */
  const char *key_fields;         /* key.fields: "a;b", the columns read from the key */
  /* Fill this TIMESTAMP column with the record's timestamp (the 'timestamp' metadata
   * column); NULL: none.  The record's timestamp is always the row's event time. */
  const char *timestamp_column;
  /* Metadata columns (Flink's METADATA FROM 'key'), "column:key;column:key" with keys
   * timestamp (TIMESTAMP), partition (INT), offset (BIGINT), topic (VARCHAR),
   * timestamp-type (VARCHAR) and headers (VARCHAR: a JSON object {"name": "value"},
   * as Strom has no MAP type yet).  The formats do not see these columns. */
  const char *metadata_columns;
  /* Do not commit offsets to Kafka when a checkpoint completes
   * (properties.commit.offsets.on.checkpoint = false in Flink's DataStream source). */
  bool no_commit_on_checkpoint;
  /* Extra librdkafka properties, as "key", "value" pairs ending with NULL
   * (Flink's properties.*). */
  const char *const *properties;
  /* Watermarks generated in the source, per partition (Flink's KafkaSource given a
   * WatermarkStrategy): each assigned partition has its own watermark from its records'
   * timestamps (the strategy's timestamp_column or timestamp_fn, else the Kafka record
   * timestamp) and the subtask's watermark is the minimum over its partitions, so a
   * partition that runs ahead cannot make another partition's records late.  A
   * partition without records for idleness_ms does not count until it has records
   * again; when every partition is idle (or the subtask has none) the subtask is idle.
   * NULL: no watermarks (strom_assign_timestamps after the source works per subtask).
   * Alignment groups are not supported here.  The strategy is copied. */
  const strom_watermark_strategy *watermarks;
  /* scan.watermark.idle-timeout: overrides watermarks->idleness_ms when > 0. */
  int64_t idle_timeout_ms;
  /* scan.topic-partition-discovery.interval: while running, look for new partitions of
   * the topics (and new topics matching topic_pattern) this often; each new partition
   * goes to the subtask strom__kafka_owner names and is read from its earliest offset.
   * 0: only at start (strom_kafka_source_from_options defaults to Flink's 5 min). */
  int64_t discovery_interval_ms;
} strom_kafka_source_opts;

/* Records of the topics as rows of schema s (its columns are filled by the formats by
 * name).  Partition p of topic t is read by subtask (h(t) * 31 + p) % parallelism
 * (Flink's assignment; h is Java's String.hashCode), assigned directly rather than by
 * consumer-group rebalancing.  The offsets are the source's checkpointed position:
 * a restored job resumes at exactly the next record (at any parallelism) and commits
 * each completed checkpoint's offsets to the group. */
strom_stream *strom_kafka_source(strom_env *env, const strom_schema *s, const strom_kafka_source_opts *opts);

/* ---- Sink --------------------------------------------------------------------- */

typedef enum strom_kafka_delivery {
  STROM_KAFKA_AT_LEAST_ONCE = 0, /* 'at-least-once' (default): flush on every checkpoint barrier */
  STROM_KAFKA_NONE,              /* 'none': fire and forget */
  STROM_KAFKA_EXACTLY_ONCE,      /* 'exactly-once': one Kafka transaction per checkpoint */
} strom_kafka_delivery;

typedef enum strom_kafka_partitioner {
  STROM_KAFKA_PART_DEFAULT = 0, /* 'default': hash of the key (murmur2, as Kafka's), sticky without one */
  STROM_KAFKA_PART_FIXED,       /* 'fixed': subtask % partitions */
  STROM_KAFKA_PART_ROUND_ROBIN, /* 'round-robin' */
} strom_kafka_partitioner;

typedef struct strom_kafka_sink_opts {
  const char *bootstrap_servers; /* properties.bootstrap.servers (required) */
  const char *topic;             /* topic (required) */
  strom_format_opts value_format; /* format / value.format (required) */
  strom_format_opts key_format;   /* key.format (NONE: records have no key) */
  const char *key_fields;         /* key.fields: "a;b" */
  strom_kafka_delivery delivery;  /* sink.delivery-guarantee */
  const char *transactional_id_prefix; /* sink.transactional-id-prefix (required for exactly-once) */
  /* sink.transaction-marker-topic (strom's own option; default "strom-txn-markers"):
   * exactly-once ends each transaction with a marker record on this topic, which must
   * exist (one partition and cleanup.policy=compact suffice); a restored sink reads it
   * to learn whether its last pre-committed transaction was committed. */
  const char *transaction_marker_topic;
  strom_kafka_partitioner partitioner; /* sink.partitioner */
  /* Writable metadata columns, "column:key;..." with keys timestamp (the record's
   * timestamp instead of the row's event time, when not NULL) and headers (a JSON
   * object, as the source renders them).  The formats do not see these columns. */
  const char *metadata_columns;
  const char *const *properties;  /* extra librdkafka properties, "key", "value", ..., NULL */
} strom_kafka_sink_opts;

/* Writes every row as one record of topic.  Exactly-once: each subtask's producer has
 * transactional.id "<prefix>-<subtask>"; a transaction is begun after each checkpoint
 * barrier, flushed and recorded in the checkpoint on the barrier (pre-commit), and
 * committed when the checkpoint completes.  On restore, the same transactional.id
 * fences the previous producer and aborts the transaction it left open; the records of
 * a pre-committed transaction that had not committed (the process died between the
 * checkpoint's completion and the commit) are in the checkpoint and are produced again,
 * once: the commit markers (transaction_marker_topic) tell which ones committed. */
int strom_kafka_sink(strom_stream *in, const strom_kafka_sink_opts *opts);

/* ---- Flink's options as key/value strings ------------------------------------- */

/* The same connectors configured by Flink's option names: kv holds n key/value pairs
 * (2n strings: "properties.bootstrap.servers", "localhost:9092", "topic", "t", ...).
 * Keys 'connector' (= 'kafka') and properties.* (passed to librdkafka) are accepted;
 * an unknown key is refused with the list of valid ones. */
strom_stream *strom_kafka_source_from_options(strom_env *env, const strom_schema *s, const char *const *kv,
                                              size_t n);
int strom_kafka_sink_from_options(strom_stream *in, const char *const *kv, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* STROM_KAFKA_H */
