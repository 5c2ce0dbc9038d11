/*
 * strom/jdbc.h -- the PostgreSQL connector, configured as Flink's JDBC connector
 * ('connector' = 'jdbc'): a sink (append, upsert by primary key, or exactly-once
 * through PostgreSQL's two-phase commit), a bounded scan source, and a lookup join.
 *
 * Options come in a strom_jdbc_opts, filled by hand (start from
 * strom_jdbc_opts_default()) or from Flink's option keys with
 * strom_jdbc_opts_from_pairs().  Builders copy what they keep.
 */
#ifndef STROM_JDBC_H
#define STROM_JDBC_H

#include "../strom.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strom_jdbc_opts {
  /* Connection.  url: "jdbc:postgresql://host:port/db", "postgresql://..." or a libpq
   * conninfo string ("host=... port=... dbname=..."). */
  const char *url;
  const char *table_name; /* as written in SQL: "orders" or "shop.orders" */
  const char *username, *password; /* may be NULL */

  /* Sink.  primary_key: the declared PRIMARY KEY columns ("id" or "a, b"): upsert mode
   * (INSERT ... ON CONFLICT DO UPDATE; -D rows delete by key; -U rows are ignored).
   * NULL: append mode, which accepts +I rows only.  The table needs a unique index on
   * those columns. */
  const char *primary_key;
  int flush_max_rows;          /* sink.buffer-flush.max-rows: 100; 0 = no size limit */
  int64_t flush_interval_ms;   /* sink.buffer-flush.interval: 1000; 0 = no timer */
  int max_retries;             /* sink.max-retries: 3 (transient errors, lost connections) */
  /* sink.semantic = exactly-once: a checkpoint's rows go into one transaction per
   * subtask, prepared (PREPARE TRANSACTION) on the checkpoint's barrier and committed
   * (COMMIT PREPARED) when the checkpoint completes.  Needs a server with
   * max_prepared_transactions > 0.  Without checkpointing, a subtask's whole output is
   * one transaction committed at the end of the input. */
  bool exactly_once;
  /* sink.xa.id (a Strom option): names this sink's prepared transactions
   * ("strom:<id>:<run>:<subtask>:<checkpoint>"); letters, digits, '_', '.', '-' only.
   * NULL = the table name.  Two exactly-once sinks on one database need different ids. */
  const char *sink_id;

  /* Scan.  With partition_column, the table is read in partition_num ranges of that
   * (numeric) column splitting [partition_lower, partition_upper] as Flink does (rows
   * outside the bounds are not read), range p on subtask p % parallelism; without, one
   * subtask reads everything.  With checkpointing, ranges are read sorted by all their
   * columns and a checkpoint records the ranges and rows read, so a resumed scan reads
   * every row exactly once (of a table that does not change meanwhile). */
  const char *partition_column; /* scan.partition.column */
  int partition_num;            /* scan.partition.num */
  int64_t partition_lower;      /* scan.partition.lower-bound */
  int64_t partition_upper;      /* scan.partition.upper-bound */
  int fetch_size;               /* scan.fetch-size: rows per round trip; 0 = 1000 */

  /* Lookup join cache: up to cache_max_rows keys (hits and misses; when full, the
   * least recently used goes first), each kept for
   * cache_ttl_ms.  0 rows = no cache. */
  int64_t cache_max_rows;       /* lookup.cache.max-rows */
  int64_t cache_ttl_ms;         /* lookup.cache.ttl */
  int lookup_max_retries;       /* lookup.max-retries: 3 */
} strom_jdbc_opts;

/* The defaults above (Flink's). */
strom_jdbc_opts strom_jdbc_opts_default(void);

/* Fills o (starting from the defaults) from Flink's option keys as key/value pairs
 * kv[0], kv[1], kv[2], ... (n pairs): connector (must be "jdbc"), url, table-name,
 * username, password, sink.buffer-flush.max-rows, sink.buffer-flush.interval
 * ("1s", "500 ms"), sink.max-retries, sink.semantic or sink.delivery-guarantee
 * (none | at-least-once | exactly-once; none behaves as at-least-once),
 * sink.xa.id, sink.primary-key (the DDL's PRIMARY KEY, as "a, b"),
 * scan.partition.column, scan.partition.num, scan.partition.lower-bound,
 * scan.partition.upper-bound, scan.fetch-size, lookup.cache.max-rows, lookup.cache.ttl,
 * lookup.max-retries.  Strings in o point at the values in kv, which must outlive o's
 * use.  An unknown key or a bad value gives STROM_EINVAL and a message in err naming
 * it (and, for unknown keys, the list of valid ones). */
int strom_jdbc_opts_from_pairs(strom_jdbc_opts *o, const char *const *kv, size_t n, char *err, size_t errlen);

/* Writes in's rows to the table: the sink's columns are in's schema's column names.
 * In upsert mode at a parallelism above 1, rows are first shuffled by the primary key
 * (as Flink does), so that the changes of a key stay in order on one subtask. */
int strom_jdbc_sink(strom_stream *in, const strom_jdbc_opts *o);

/* Reads the table's columns named by s (bounded). */
strom_stream *strom_jdbc_scan(strom_env *env, const strom_schema *s, const strom_jdbc_opts *o);

/* A lookup join (Flink's lookup join on a JDBC table, FOR SYSTEM_TIME AS OF the
 * processing time): for each row of in, the rows of the table whose columns
 * table_keys equal in's columns in_keys ("a, b" each, same count and types).  Output
 * rows are in's columns followed by the columns of table_schema (whose names are the
 * table's columns to fetch); with left_outer a row without a match is emitted once
 * with those columns NULL, else it is dropped. */
strom_stream *strom_jdbc_lookup_join(strom_stream *in, const char *in_keys, const strom_schema *table_schema,
                                     const char *table_keys, bool left_outer, const strom_jdbc_opts *o);
/* The same, keeping only the joined rows (in's columns then the table's) for which
 * cond returns 1 (0: drop; negative: fail the job with the message cond wrote into
 * err); with left_outer a row none of whose matches is kept is emitted once with the
 * table's columns NULL (Flink's LEFT lookup join with conditions beyond the keys). */
typedef int (*strom_jdbc_lookup_cond)(const strom_row *joined, void *data, char *err, size_t errlen);
strom_stream *strom_jdbc_lookup_join_where(strom_stream *in, const char *in_keys, const strom_schema *table_schema,
                                           const char *table_keys, bool left_outer, const strom_jdbc_opts *o,
                                           strom_jdbc_lookup_cond cond, void *cond_data);

#ifdef __cplusplus
}
#endif
#endif /* STROM_JDBC_H */
