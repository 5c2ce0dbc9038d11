/*
 * op_reduce.c -- keyed reduce: keeps one row per key (encoded, in the heap keyed
 * state) and emits the updated reduction after every record, as Flink's
 * KeyedStream#reduce does.  The first record of a key is emitted as it is.
 */
#include "../state/keymap.h"
#include "runtime.h"
#include "snapshot.h"

typedef struct reduce_state {
  strom_keymap map;
  strom_row *acc;     /* decoded view of the stored value */
  uint8_t *enc;       /* scratch for encoding the new value */
  size_t enc_cap;
  int max_par;
  bool hashed; /* the input channels carry the hash of this operator's key */
} reduce_state;

/* A record a few records ahead has key hash h: prefetch the slot where its probe
 * starts, so that the probe does not wait for memory.  This uses the keymap's layout
 * (slots, mask, STROM_KV_SLOT in keymap.h); a strom__keymap_prefetch() there would
 * be the proper home. */
static void reduce_key_hint(strom_op *op, uint64_t h) {
  reduce_state *st = op->state;
  __builtin_prefetch(st->map.slots + (h & st->map.mask) * STROM_KV_SLOT);
}

/* True when the task hands this operator the key hash of each record: it heads its
 * task and its one input is a hash-partitioned edge on the same key columns. */
static bool input_hashed(const strom_op *op, const strom_fn_conf *c) {
  const jg_node *n = op->node;
  if (op->task->ops[0] != op || n->nin != 1) return false;
  const jg_edge *e = n->in[0];
  return e->part == STROM_PART_HASH && e->nkey == c->nkey && !memcmp(e->keycols, c->keycols, (size_t)c->nkey * sizeof(int));
}

static int reduce_open(strom_op *op) {
  reduce_state *st = strom__alloc_lines(sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  st->max_par = op->task->job->opts.max_parallelism;
  st->acc = strom_row_new(op->node->schema);
  if (!st->acc || strom__keymap_init(&st->map)) return STROM_ENOMEM;
  st->hashed = input_hashed(op, op->conf);
  if (st->hashed) op->key_hint = reduce_key_hint;
  return STROM_OK;
}

static void reduce_close(strom_op *op) {
  reduce_state *st = op->state;
  if (!st) return;
  strom__log(STROM_LOG_DEBUG, "%s: %zu keys, %zu bytes of state", op->node->name, st->map.count, st->map.bytes);
  strom__keymap_destroy(&st->map);
  strom_row_free(st->acc);
  free(st->enc);
  free(st);
}


static int put(reduce_state *st, uint64_t h, const uint8_t *key, size_t klen, const strom_row *v) {
  size_t len;
  if (strom__row_encode_scratch(v, &st->enc, &st->enc_cap, &len)) return STROM_ENOMEM;
  return strom__keymap_put(&st->map, h, strom__key_group(h, st->max_par), key, klen, st->enc, len);
}

/* Stores v as the new value of entry e (found for key), in place when it fits: one
 * probe per record instead of two. */
static int update(reduce_state *st, strom_kv *e, uint64_t h, const uint8_t *key, size_t klen, const strom_row *v) {
  if (!v->schema->nstr) {
    /* No strings: v cannot point into e, so it is encoded straight into it. */
    if (strom__row_encoded_size(v) <= e->vcap) {
      uint8_t *val = strom__kv_val(e);
      e->vlen = (uint32_t)(strom__row_encode(v, val) - val);
      return STROM_OK;
    }
    return put(st, h, key, klen, v);
  }
  /* Strings of v may point into e's old value (reduce functions copy the accumulator's
   * strings by reference): encode aside, then copy. */
  size_t len;
  if (strom__row_encode_scratch(v, &st->enc, &st->enc_cap, &len)) return STROM_ENOMEM;
  if (len <= e->vcap) {
    memcpy(strom__kv_val(e), st->enc, len);
    e->vlen = (uint32_t)len;
    return STROM_OK;
  }
  return strom__keymap_put(&st->map, h, strom__key_group(h, st->max_par), key, klen, st->enc, len);
}

static int reduce_process(strom_op *op, int input, const strom_row *in) {
  STROM_UNUSED(input);
  reduce_state *st = op->state;
  strom_fn_conf *c = op->conf;
  uint8_t small[256], *key = small;
  size_t klen = strom__key_bytes(in, c->keycols, c->nkey, small, sizeof small);
  if (STROM_UNLIKELY(klen > sizeof small)) {
    if (!(key = strom__malloc(klen))) return STROM_ENOMEM;
    strom__key_bytes(in, c->keycols, c->nkey, key, klen);
  }
  /* The writer upstream hashed the same key bytes (strom__key_hash). */
  uint64_t h = st->hashed && op->task->in_hashed ? op->task->in_hash : strom__hash_bytes(key, klen);
  strom_kv *e = strom__keymap_get(&st->map, h, key, klen);
  int rc;
  if (!e) {
    /* The first record of a key is emitted and stored as it is. */
    rc = strom__emit(&op->out, in);
    if (!rc) rc = put(st, h, key, klen, in);
    goto out;
  }
  const uint8_t *v = strom__kv_val(e);
  if (STROM_UNLIKELY(!strom__row_decode(st->acc, v, v + e->vlen))) {
    rc = strom__op_fail(op, STROM_EPARSE, "corrupt keyed state");
    goto out;
  }
  strom_row *res = op->out.scratch;
  strom__row_reset(res);
  res->time = in->time;
  rc = ((strom_reduce_fn)c->fn)(&op->ctx, st->acc, in, res);
  if (STROM_UNLIKELY(rc)) {
    rc = strom__op_user_error(op, rc);
    goto out;
  }
  /* Emit before storing: the result may point into the entry that the update replaces
   * (nothing downstream of this operator touches its map, so e stays valid). */
  rc = strom__emit(&op->out, res);
  if (!rc) rc = update(st, e, h, key, klen, res);
out:
  if (STROM_UNLIKELY(key != small)) free(key);
  return rc;
}

/* Checkpoints: the value of every key, per key group. */
static int reduce_snapshot(strom_op *op, int64_t id, strom_snapshot *s) {
  STROM_UNUSED(id);
  reduce_state *st = op->state;
  return strom__snap_keymap_async(s, &st->map, NULL, 0, STROM_SNAP_REDUCE, st->max_par);
}

static int reduce_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  reduce_state *st = op->state;
  for (int i = 0; i < r->n; i++) {
    const strom_snap_block *b = &r->b[i];
    if (b->kind != STROM_SNAP_REDUCE || b->kg < kg_lo || b->kg > kg_hi) continue;
    for (const uint8_t *p = b->p, *end = p + b->len; p < end;) {
      const uint8_t *key, *val;
      size_t klen, vlen;
      if (!strom__snap_get_kv(&p, end, &key, &klen, &val, &vlen))
        return strom__op_fail(op, STROM_EPARSE, "restoring %s: malformed snapshot", op->node->name);
      int rc = strom__keymap_put(&st->map, strom__hash_bytes(key, klen), b->kg, key, klen, val, vlen);
      if (rc) return rc;
    }
  }
  return STROM_OK;
}

const strom_op_vt strom__op_reduce = {.kind = "Reduce",
                                      .open = reduce_open,
                                      .process = reduce_process,
                                      .close = reduce_close,
                                      .free_conf = strom__fn_conf_free,
                                      .snapshot = reduce_snapshot,
                                      .restore = reduce_restore};
