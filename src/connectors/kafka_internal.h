/*
 * kafka_internal.h -- a hook for tests and debugging: the exactly-once Kafka sink
 * reports each step of its transactions ("init", "begin", "precommit", "hold",
 * "complete", "commit", "fenced", "recovered", "already-committed") with the
 * checkpoint and the records concerned, so a test can check that a checkpoint's
 * records were committed in one transaction only after the checkpoint completed, and
 * can stop the process (or drop a completion notification) at an exact step.  Not
 * part of the public API.
 */
#ifndef STROM_KAFKA_INTERNAL_H
#define STROM_KAFKA_INTERNAL_H

#include <stdint.h>

/* A nonzero return from a "complete" event makes the sink ignore that notification,
 * as when Flink's best-effort notifyCheckpointComplete is lost: the transaction stays
 * pending until a later checkpoint's completion.  Other events ignore the result. */
typedef int (*strom_kafka_txn_hook)(int subtask, const char *event, int64_t checkpoint, uint64_t records);
/* Set before strom_execute (called from the sink's task threads). */
extern strom_kafka_txn_hook strom__kafka_txn_hook;

#endif
