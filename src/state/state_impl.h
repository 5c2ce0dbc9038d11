/*
 * state_impl.h -- what the state layer shares internally: the common part of every
 * state handle (its descriptor, the context of its user functions, the operations of
 * its backend), the failure helper, and the per-entry iteration and insertion that
 * checkpoints will use to snapshot and restore keyed state per key group.
 *
 * Layering: state_api.c implements the public strom_state_* functions; it checks the
 * kind of the state and the schemas of the rows, then calls the backend through
 * strom_state_vt.  heap_state.c is the heap backend (keyed state); op_state.c builds
 * operator list state and broadcast map state on a one-key heap backend.
 */
#ifndef STROM_STATE_IMPL_H
#define STROM_STATE_IMPL_H

#include "state.h"

/* The backend operations.  The public layer has checked the kind and the rows. */
typedef struct strom_state_vt {
  const strom_row *(*get)(strom_state *s);
  int (*update)(strom_state *s, const strom_row *v);
  int (*add)(strom_state *s, const strom_row *v);
  void (*clear)(strom_state *s);
  size_t (*list_size)(strom_state *s);
  const strom_row *(*list_get)(strom_state *s, size_t i);
  int (*list_update)(strom_state *s, const strom_row *const *rows, size_t n);
  int (*list_add_all)(strom_state *s, const strom_row *const *rows, size_t n);
  const strom_row *(*map_get)(strom_state *s, const strom_row *key);
  int (*map_put)(strom_state *s, const strom_row *key, const strom_row *value);
  int (*map_remove)(strom_state *s, const strom_row *key);
  int (*map_next)(strom_state *s, size_t *pos, const strom_row **key, const strom_row **value);
  int (*set_namespace)(strom_state *s, const void *ns, size_t nslen);
  int (*merge_namespaces)(strom_state *s, const void *target, size_t tlen, const void *const *srcs,
                          const size_t *slens, size_t n);
  int (*list_insert)(strom_state *s, size_t index, const strom_row *row, size_t max_len);
} strom_state_vt;

enum { STROM_STATE_SCOPE_KEYED, STROM_STATE_SCOPE_OPERATOR, STROM_STATE_SCOPE_BROADCAST };

/* The common head of every state handle; backends embed it first. */
struct strom_state {
  const strom_state_vt *vt;
  char *name;
  strom_state_kind kind;
  int scope;                    /* STROM_STATE_SCOPE_* */
  strom_schema *schema;         /* value / element / map value / reducing value / aggregating input (may be NULL) */
  strom_schema *map_key_schema; /* MAP */
  strom_reduce_fn reduce;       /* REDUCING */
  strom_aggregate_def agg;      /* AGGREGATING (schemas referenced below) */
  strom_schema *acc_schema, *out_schema;
  strom_state_ttl ttl;          /* ttl.update == DISABLED when no TTL */
  strom_ctx *ctx;               /* passed to reduce and aggregate functions */
  /* the last row schemas found compatible with schema and map_key_schema: rows of one
   * upstream share a schema object, so the column-by-column check runs once */
  const strom_schema *seen_val, *seen_key;
};

/* "LIST" etc. */
const char *strom__state_kind_name(strom_state_kind k);

/* Records "state '<name>': <message>" as the failure of the state's operator (when the
 * state has a context with an operator; the first failure of a task wins) and
 * returns rc. */
int strom__state_fail(strom_state *s, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Checks a descriptor and fills the common head (name copied, schemas referenced).
 * On error writes why to err and returns a negative status. */
int strom__state_head_init(strom_state *s, const strom_state_desc *d, int scope, strom_ctx *ctx, char *err,
                           size_t errlen);
void strom__state_head_destroy(strom_state *s);
/* True when an existing state can serve descriptor d (same kind and schemas). */
bool strom__state_head_matches(const strom_state *s, const strom_state_desc *d, char *err, size_t errlen);

/* ---- per-entry access for checkpoints ---------------------------------------- *
 * One entry is the value of one state for one (key, namespace).  Its value bytes:
 *   VALUE, REDUCING:  the encoded row (strom__row_encode);
 *   AGGREGATING:      the encoded accumulator row;
 *   LIST:             the elements in order, each [8-byte timestamp if the state has a
 *                     TTL][varint length][encoded row];
 *   MAP:              the map entries in any order, each [varint length][map key bytes
 *                     (strom__key_bytes of all columns)][8-byte timestamp if TTL]
 *                     [varint length][encoded value row].
 * ts is the last-access time for TTL of VALUE/REDUCING/AGGREGATING (INT64_MIN when the
 * state has no TTL or the kind keeps timestamps per element). */
typedef struct strom_state_entry {
  int state;     /* registration index: 0 .. strom__kstate_nstates()-1 */
  int key_group; /* strom__key_group(hash of key, max_parallelism) */
  const uint8_t *key;
  size_t klen;
  const uint8_t *ns;
  size_t nslen;
  const uint8_t *val;
  size_t vlen;
  int64_t ts;
} strom_state_entry;

typedef int (*strom_state_visit_fn)(void *arg, const strom_state_entry *e);

int strom__kstate_nstates(const strom_kstate *ks);
/* The name and kind of the state with registration index id (NULL if none). */
const char *strom__kstate_state_name(const strom_kstate *ks, int id, strom_state_kind *kind);
/* Visits every live entry (expired ones included: a snapshot keeps them and a restore
 * expires them as usual).  The entry is valid during the call only; fn must not
 * change the state.  A non-zero return from fn stops the iteration and is returned. */
int strom__kstate_foreach(strom_kstate *ks, strom_state_visit_fn fn, void *arg);
/* Copy-on-write snapshots (see heap_state.c): freezes the backend's current contents
 * for strom__kfrozen_foreach, which may run on another thread, until
 * strom__kfrozen_release.  STROM_ESTATE while the previous frozen snapshot is
 * unreleased: serialize with strom__kstate_foreach then. */
typedef struct strom_kfrozen strom_kfrozen;
int strom__kstate_freeze(strom_kstate *ks, strom_kfrozen **out);
int strom__kfrozen_foreach(const strom_kfrozen *f, strom_state_visit_fn fn, void *arg);
/* The same in key-group order (all states' entries of a group, then group_end(arg, kg)
 * for each non-empty group), so that a writer needs one group in memory at a time. */
int strom__kfrozen_foreach_by_group(const strom_kfrozen *f, int max_par, strom_state_visit_fn fn,
                                    int (*group_end)(void *arg, int kg), void *arg);
void strom__kfrozen_release(strom_kfrozen *f);
/* While a frozen snapshot is being read, takes p (one allocation that the snapshot
 * may still read, e.g. a timer's key) to free with the snapshot's release, and returns
 * true; otherwise returns false and the caller frees p. */
bool strom__kstate_defer(strom_kstate *ks, void *p);
/* Inserts (replaces) one entry, as produced by strom__kstate_foreach, into the state
 * with index e->state (which must be registered).  STROM_EPARSE if the bytes are
 * malformed. */
int strom__kstate_restore(strom_kstate *ks, const strom_state_entry *e);

/* The same for operator and broadcast state (key group 0, empty key). */
int strom__opstate_foreach(strom_opstate *os, strom_state_visit_fn fn, void *arg);
int strom__opstate_restore(strom_opstate *os, const strom_state_entry *e);
strom_kstate *strom__opstate_backend(strom_opstate *os);

/* Used by op_state.c: registration with an explicit scope. */
strom_state *strom__kstate_register_scoped(strom_kstate *ks, const strom_state_desc *d, int scope, strom_ctx *ctx,
                                           char *err, size_t errlen);

#endif
