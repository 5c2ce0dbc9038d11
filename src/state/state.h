/*
 * state.h -- the keyed state backend interface.
 *
 * One backend instance (strom_kstate) holds all keyed state of one operator subtask.
 * Access is always relative to the current key, which the operator sets before it
 * calls user code (process, on_timer), and to the current namespace of each state
 * (a window, or the default namespace).  Every stored value belongs to a key group
 * (the key's hash modulo max parallelism) so that later issues can snapshot state per
 * key group and restore it at another parallelism.  This file is the contract the
 * heap backend implements today and a RocksDB backend will implement later.
 */
#ifndef STROM_STATE_H
#define STROM_STATE_H

#include "../core/core.h"

typedef struct strom_kstate strom_kstate;

typedef struct strom_kstate_opts {
  int max_parallelism;
  /* Processing time for TTL, in milliseconds. */
  int64_t (*now_ms)(void *clock_data);
  void *clock_data;
} strom_kstate_opts;

strom_kstate *strom__kstate_new(const strom_kstate_opts *o);
void strom__kstate_free(strom_kstate *ks);

/* Sets the current key: its canonical bytes (strom__key_bytes) and hash
 * (strom__hash_bytes of those bytes).  The bytes must stay valid until the next call. */
void strom__kstate_set_key(strom_kstate *ks, const uint8_t *key, size_t klen, uint64_t hash);

/* Registers (or finds, by name) a keyed state.  On error returns NULL and writes why. */
strom_state *strom__kstate_register(strom_kstate *ks, const strom_state_desc *d, strom_ctx *ctx, char *err,
                                    size_t errlen);

/* Sets the namespace used by later accesses through s (bytes, e.g. a window's
 * start and end); NULL/0 is the default namespace.  The bytes are copied. */
int strom__state_set_namespace(strom_state *s, const void *ns, size_t nslen);

/* For merging windows: folds the values of the current key in namespaces srcs[0..n)
 * into namespace target (LIST: concatenation; REDUCING: reduce; AGGREGATING: the
 * aggregate's merge) and clears the sources. */
int strom__state_merge_namespaces(strom_state *s, const void *target, size_t tlen, const void *const *srcs,
                                  const size_t *slens, size_t n);

/* Number of live entries and bytes held, over all states (memory reporting). */
size_t strom__kstate_entries(const strom_kstate *ks);
size_t strom__kstate_bytes(const strom_kstate *ks);

/* Operator-scoped state (not keyed): one per operator subtask. */
typedef struct strom_opstate strom_opstate;
strom_opstate *strom__opstate_new(void);
void strom__opstate_free(strom_opstate *os);
strom_state *strom__opstate_register(strom_opstate *os, const strom_state_desc *d, bool broadcast,
                                     strom_ctx *ctx, char *err, size_t errlen);

#endif
