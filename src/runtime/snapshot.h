/*
 * snapshot.h -- what an operator subtask puts into a checkpoint, and how it gets it
 * back.
 *
 * A snapshot is a list of blocks, each with a kind (keyed state, timers, window
 * slices, a source's position, ...) and a key group, or -1 for state that belongs to
 * the subtask rather than to keys.  Keyed blocks can be read back by any subtask whose
 * key-group range holds them, which is what lets a job restore at another
 * parallelism.  Blocks are built in memory on the task thread (the synchronous part
 * of a checkpoint) and written to storage by the checkpoint layer.
 */
#ifndef STROM_SNAPSHOT_H
#define STROM_SNAPSHOT_H

#include "../core/core.h"

enum {
  STROM_SNAP_KSTATE_NAMES = 1, /* -1: the keyed states' names by registration index */
  STROM_SNAP_KSTATE,           /* per key group: keyed state entries */
  STROM_SNAP_TIMERS,           /* per key group: timers */
  STROM_SNAP_SLICES,           /* per key group: sliced window accumulators */
  STROM_SNAP_REDUCE,           /* per key group: keyed reduce values */
  STROM_SNAP_OPSTATE,          /* -1: operator and broadcast state entries */
  STROM_SNAP_SOURCE,           /* -1: a source's position */
  STROM_SNAP_USER,             /* -1: anything else an operator keeps */
  STROM_SNAP_OPSTATE_NAMES,    /* -1: the operator and broadcast states' names */
  STROM_SNAP_CHANNEL,          /* -1: in-flight input of an unaligned checkpoint (the head's) */
};

typedef struct strom_snap_block {
  int kind, kg;
  int subtask; /* when restoring: the subtask that wrote it */
  const uint8_t *p;
  size_t len;
} strom_snap_block;

typedef struct strom_snapshot {
  strom_buf data;
  struct {
    int kind, kg;
    size_t off, len;
  } *b;
  int n, cap;
  /* The asynchronous parts: blocks produced later, on the thread that writes the
   * checkpoint, from a frozen (copy-on-write) version of the state.  fill appends
   * them; release lets the frozen version go (also when the snapshot is dropped). */
  struct strom_snap_lazy {
    int (*fill)(void *arg, struct strom_snapshot *s);
    void (*release)(void *arg);
    void *arg;
  } *lazy;
  int nlazy;
  /* Set by the checkpoint writer while it runs the lazy parts: blocks added then go
   * straight to the file instead of into data. */
  int (*emit)(void *ctx, int kind, int kg, const void *p, size_t len);
  void *emit_ctx;
} strom_snapshot;

int strom__snap_add(strom_snapshot *s, int kind, int kg, const void *p, size_t len);
/* Adds an asynchronous part (on failure, release is called at once). */
int strom__snap_add_lazy(strom_snapshot *s, int (*fill)(void *, strom_snapshot *), void (*release)(void *), void *arg);
/* Frees an array of n snapshots (entries may be NULL) and the array. */
void strom__snaps_free(strom_snapshot **snaps, int n);
/* Runs the asynchronous parts, if any (the checkpoint writer calls it). */
int strom__snap_materialize(strom_snapshot *s);
void strom__snap_free(strom_snapshot *s);
strom_snap_block strom__snap_block(const strom_snapshot *s, int i);

/* Staging per key group: append entries to the group's buffer, then flush one block
 * per non-empty group. */
typedef struct strom_snap_groups {
  strom_buf *g;
  int max_par;
  unsigned calls, every; /* spill: entries so far, and how often to look */
  size_t limit;          /* spill: bytes */
} strom_snap_groups;
int strom__snap_groups_init(strom_snap_groups *g, int max_par);
strom_buf *strom__snap_group(strom_snap_groups *g, int kg);
int strom__snap_groups_flush(strom_snap_groups *g, strom_snapshot *s, int kind);
/* Called after each entry while the checkpoint writer streams (s->emit): flushes the
 * groups once they hold a few MB, so a group may come as several blocks but memory
 * stays bounded.  Otherwise a no-op. */
int strom__snap_groups_spill(strom_snap_groups *g, strom_snapshot *s, int kind);
void strom__snap_groups_free(strom_snap_groups *g);

/* Appends every entry of a keymap to its key group's buffer in g, as [prefix bytes]
 * [key][value] (prefix may be empty); restore reads it back with strom__snap_get_kv
 * after taking its prefix. */
struct strom_keymap;
int strom__snap_keymap(strom_snap_groups *g, const struct strom_keymap *m, const void *prefix, size_t plen);
/* The same into blocks of kind, asynchronously when every entry is inline (a dense
 * copy of the slots is all the task thread does), else at once. */
int strom__snap_keymap_async(strom_snapshot *s, const struct strom_keymap *m, const void *prefix, size_t plen, int kind,
                             int max_par);
bool strom__snap_get_kv(const uint8_t **p, const uint8_t *end, const uint8_t **key, size_t *klen, const uint8_t **val,
                        size_t *vlen);

/* What a restoring subtask reads: every block of every former subtask of its
 * operator, each with the subtask that wrote it.  The operator picks its share: keyed
 * blocks of its key groups [kg_lo, kg_hi] (passed to restore), subtask blocks by their
 * writer (its own former subtask, or a redistribution when the parallelism changed). */
typedef struct strom_restore {
  const strom_snap_block *b;
  int n;
  int old_parallelism; /* of the operator when the snapshot was taken */
} strom_restore;

/* Sources: a position (an index or an offset) as a subtask block, and reading back the
 * position this subtask wrote.  With same_parallelism, resuming at another
 * parallelism fails with a message naming `what`.  *found is false when the snapshot
 * had no position for this subtask (it then starts from the beginning). */
struct strom_op;
int strom__snap_position(strom_snapshot *s, uint64_t pos);
int strom__restore_position(struct strom_op *op, const strom_restore *r, bool same_parallelism, const char *what,
                            uint64_t *pos, bool *found);

/* Byte helpers for entries inside blocks. */
int strom__put_varint(strom_buf *b, uint64_t v);
int strom__put_bytes(strom_buf *b, const void *p, size_t n); /* varint length + bytes */
int strom__put_i64(strom_buf *b, int64_t v);
/* Readers: advance *p; return false if the bytes run past end. */
bool strom__get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);
bool strom__get_bytes(const uint8_t **p, const uint8_t *end, const uint8_t **bytes, size_t *n);
bool strom__get_i64(const uint8_t **p, const uint8_t *end, int64_t *v);

#endif
