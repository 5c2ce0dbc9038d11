/*
 * kafka_internal.h -- a hook for tests and debugging: the exactly-once Kafka sink
 * reports each step of its transactions ("begin", "precommit", "commit", "fenced")
 * with the checkpoint and the records in the transaction, so a test can check that a
 * checkpoint's records were committed in one transaction only after the checkpoint
 * completed.  Not part of the public API.
 */
#ifndef STROM_KAFKA_INTERNAL_H
#define STROM_KAFKA_INTERNAL_H

#include <stdint.h>

typedef void (*strom_kafka_txn_hook)(int subtask, const char *event, int64_t checkpoint, uint64_t records);
/* Set before strom_execute (called from the sink's task threads). */
extern strom_kafka_txn_hook strom__kafka_txn_hook;

#endif
