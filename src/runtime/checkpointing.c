/*
 * checkpointing.c -- the task's side of checkpoints (asynchronous barrier snapshots,
 * as Flink).
 *
 * A source task takes a checkpoint when the coordinator's mail reaches it, between
 * two records: it snapshots every operator of its chain (the source's position
 * included), sends the barrier on every output channel, and acknowledges.  A task with
 * inputs aligns: when a channel delivers the barrier, that channel is blocked (its
 * later input waits) until the barrier came from every live channel; then the chain
 * is snapshotted, the barrier forwarded, the channels unblocked.  In at-least-once
 * mode channels are not blocked, so records after the barrier may be in the snapshot
 * too.  A writer sends the barrier as the last element of a buffer, so a consumer
 * never holds records from after a barrier in the buffer that delivered it.
 *
 * Unaligned mode (Flink's unaligned checkpoints): under backpressure an aligned
 * barrier waits behind every buffer queued ahead of it, and alignment holds back the
 * channels that are already through.  So, besides the in-band barrier, a producer
 * announces it on each channel ahead of the data (channel->ann_id / ann_seq: the
 * barrier follows the buffers with seq < ann_seq).  A consumer that sees the first
 * announcement snapshots its chain at once, forwards the barrier, and records the
 * input that was in flight: for every channel, the buffers before that channel's
 * barrier that it had not processed yet — those queued when the barrier is announced,
 * and those read before the announcement came.  They are processed as usual too; the
 * checkpoint stores them (STROM_SNAP_CHANNEL) and a restore processes them again before
 * any live input.  With aligned_timeout_ms > 0 a checkpoint starts aligned and goes
 * unaligned when its barrier reaches a task later than that after the trigger (Flink's
 * aligned-checkpoint-timeout).  Savepoints are always aligned.
 *
 * The snapshot is the synchronous part: operators copy their state into memory blocks
 * on the task thread, and the coordinator writes them to storage on its own thread.
 */
#include "../state/state.h"
#include "../state/state_impl.h"
#include "runtime.h"
#include "snapshot.h"

void strom__node_uid(const jg_node *n, char *buf, size_t cap) {
  if (n->uid) snprintf(buf, cap, "%s", n->uid);
  else snprintf(buf, cap, "%d-%s", n->id, n->name);
}

/* Operator and broadcast state (strom_ctx_operator_state / broadcast_state). */
typedef struct opstate_visit {
  strom_buf *b;
} opstate_visit;

static int visit_opstate(void *arg, const strom_state_entry *e) {
  strom_buf *b = ((opstate_visit *)arg)->b;
  int rc = strom__put_varint(b, (uint64_t)e->state);
  if (!rc) rc = strom__put_bytes(b, e->key, e->klen);
  if (!rc) rc = strom__put_bytes(b, e->ns, e->nslen);
  if (!rc) rc = strom__put_bytes(b, e->val, e->vlen);
  return rc;
}

static int snapshot_op(strom_op *op, int64_t id, strom_snapshot **out) {
  *out = NULL;
  if (!op->vt->snapshot && !op->opstate) return STROM_OK;
  strom_snapshot *s = strom__calloc(1, sizeof *s);
  if (!s) return STROM_ENOMEM;
  int rc = op->vt->snapshot ? op->vt->snapshot(op, id, s) : STROM_OK;
  if (!rc && op->opstate) {
    strom_buf names = {0}, b = {0};
    strom_kstate *ks = strom__opstate_backend(op->opstate);
    for (int i = 0; !rc && i < strom__kstate_nstates(ks); i++) {
      strom_state_kind kind;
      const char *name = strom__kstate_state_name(ks, i, &kind);
      rc = strom__put_bytes(&names, name ? name : "", name ? strlen(name) : 0);
    }
    opstate_visit v = {.b = &b};
    if (!rc) rc = strom__opstate_foreach(op->opstate, visit_opstate, &v);
    if (!rc) rc = strom__snap_add(s, STROM_SNAP_OPSTATE_NAMES, -1, names.p, names.len);
    if (!rc) rc = strom__snap_add(s, STROM_SNAP_OPSTATE, -1, b.p, b.len);
    strom__buf_free(&names);
    strom__buf_free(&b);
  }
  if (rc) {
    strom__snap_free(s);
    free(s);
    return rc;
  }
  *out = s;
  return STROM_OK;
}

/* The synchronous part: every operator of the chain snapshots (snaps[k] for ops[k],
 * NULL when it has nothing); *sync_ns receives the time it took.  On error nothing is
 * left allocated. */
static int snapshot_chain(strom_task *t, int64_t id, strom_snapshot ***out, int64_t *sync_ns) {
  strom_snapshot **snaps = strom__calloc((size_t)t->nops, sizeof *snaps);
  if (!snaps) return STROM_ENOMEM;
  int rc = STROM_OK;
  int64_t t0 = strom__mono_ns();
  for (int i = 0; i < t->nops && !rc; i++) rc = snapshot_op(t->ops[i], id, &snaps[i]);
  *sync_ns = strom__mono_ns() - t0;
  if (rc) {
    strom__snaps_free(snaps, t->nops);
    snaps = NULL;
  }
  *out = snaps;
  return rc;
}

static int forward_barrier(strom_task *t, int64_t id) {
  int rc = STROM_OK;
  for (int i = 0; i < t->nwriters && !rc; i++) rc = strom__writer_barrier(t->writers[i], id);
  return rc;
}

/* Snapshots the chain, forwards the barrier, acknowledges. */
static int take(strom_task *t, int64_t id) {
  strom_snapshot **snaps;
  int64_t blocked_ns;
  int rc = snapshot_chain(t, id, &snaps, &blocked_ns);
  if (!rc && (rc = forward_barrier(t, id))) strom__snaps_free(snaps, t->nops);
  if (rc) {
    if (rc != STROM_ECANCELED) strom__coord_decline(t->job, id, strom_strerror(rc));
    return rc;
  }
  strom__log(STROM_LOG_DEBUG, "%s: checkpoint %lld snapshot took %.3f ms", t->name, (long long)id, blocked_ns / 1e6);
  t->last_ckpt = id;
  strom__coord_ack(t->job, t, id, snaps, blocked_ns);
  return STROM_OK;
}

bool strom__job_checkpointing(const strom_job *j) { return j->coord && j->opts.ckpt_interval_ms > 0; }

int strom__task_final_snapshot(strom_task *t) {
  if (!strom__job_checkpointing(t->job)) return STROM_OK;
  /* From here on the task takes no periodic checkpoint: its outputs have ended. */
  t->finished = true;
  atomic_fetch_add(&t->job->finished_tasks, 1);
  strom_snapshot **snaps;
  int64_t sync_ns;
  int rc = snapshot_chain(t, STROM_CKPT_FINAL, &snaps, &sync_ns);
  if (rc) return strom__op_fail(t->ops[0], rc, "the final checkpoint's snapshot failed: %s", strom_strerror(rc));
  strom__coord_ack(t->job, t, STROM_CKPT_FINAL, snaps, 0);
  return STROM_OK;
}

void strom__task_trigger_checkpoint(strom_task *t, void *arg) {
  int64_t id = (int64_t)(intptr_t)arg;
  if (t->finished || strom__task_cancelled(t)) return;
  strom_job *j = t->job;
  bool stop = atomic_load(&j->ckpt_stop) && atomic_load(&j->ckpt_id) == id;
  int rc = STROM_OK;
  /* Drain: the maximum watermark goes ahead of the barrier, so every window and
   * event-time timer fires and its output is part of what the savepoint commits. */
  if (stop && atomic_load(&j->ckpt_drain)) rc = strom__task_emit_watermark(t, INT64_MAX);
  if (!rc) rc = take(t, id);
  /* Nothing after a stop-with-savepoint's barrier: the job ends at the savepoint. */
  if (!rc && stop) t->halted = true;
  if (rc && rc != STROM_ECANCELED && !t->err_op) strom__op_fail(t->ops[0], rc, "checkpoint %lld failed", (long long)id);
}

static int complete_alignment(strom_task *t) {
  int64_t id = t->barrier_id;
  t->nbarriers = 0;
  t->barrier_id = 0;
  pthread_mutex_lock(&t->gate.mu);
  for (int i = 0; i < t->gate.n; i++) t->gate.ch[i]->blocked = false;
  pthread_cond_signal(&t->gate.can_read);
  pthread_mutex_unlock(&t->gate.mu);
  return take(t, id);
}

int strom__task_check_alignment(strom_task *t) {
  if (!t->barrier_id) return STROM_OK;
  int live = 0;
  for (int i = 0; i < t->gate.n; i++) live += !t->gate.ch[i]->ended;
  return t->nbarriers >= live ? complete_alignment(t) : STROM_OK;
}

int strom__task_on_barrier(strom_task *t, strom_channel *c, int64_t id) {
  /* Already taken here: an unaligned checkpoint's barrier still travels in-band. */
  if (id <= t->last_ckpt) return STROM_OK;
  if (t->uc_id && id > t->uc_id) strom__task_uc_free(t); /* the coordinator gave it up */
  if (t->barrier_id && id != t->barrier_id) {
    /* A newer checkpoint overtook one that never completed here: drop the old one. */
    if (id < t->barrier_id) return STROM_OK;
    t->nbarriers = 0;
    for (int i = 0; i < t->gate.n; i++) t->gate.ch[i]->blocked = false;
  }
  if (!t->barrier_id) t->barrier_since_ns = strom__mono_ns();
  t->barrier_id = id;
  t->nbarriers++;
  if (!t->job->opts.at_least_once) c->blocked = true;
  return strom__task_check_alignment(t);
}

/* ---- unaligned checkpoints ---- */

/* Whether checkpoint id may go unaligned, and whether its barrier is late enough to. */
static bool uc_allowed(const strom_job *j, int64_t id) {
  return j->opts.unaligned && atomic_load(&j->ckpt_id) == id && atomic_load(&j->ckpt_unaligned);
}

static bool uc_late(const strom_job *j) {
  int64_t timeout = j->opts.aligned_timeout_ms;
  return timeout <= 0 || strom__mono_ns() - atomic_load(&j->ckpt_trigger_ns) >= timeout * 1000000;
}

void strom__task_uc_free(strom_task *t) {
  strom__snaps_free(t->uc_snaps, t->nops);
  t->uc_snaps = NULL;
  strom__buf_free(&t->uc_state);
  t->uc_id = 0;
  for (int i = 0; i < t->gate.n; i++) t->gate.ch[i]->uc_rec = false;
}

/* Channels whose barrier has been announced: their queued data up to it is captured
 * and they are done.  Once all are, the checkpoint is acknowledged. */
static int uc_progress(strom_task *t) {
  int recording = 0, rc = STROM_OK;
  for (int i = 0; i < t->gate.n && !rc; i++) {
    strom_channel *c = t->gate.ch[i];
    if (!c->uc_rec) continue;
    pthread_mutex_lock(&t->gate.mu);
    int64_t aid = c->ann_id;
    uint64_t aseq = c->ann_seq;
    pthread_mutex_unlock(&t->gate.mu);
    if (aid > t->uc_id) { /* a newer checkpoint: this one was given up */
      strom__task_uc_free(t);
      return STROM_OK;
    }
    if (aid == t->uc_id) {
      rc = strom__channel_capture_queued(c, aseq, &t->uc_state);
      c->uc_rec = false;
    } else if (c->ended) {
      c->uc_rec = false;
    } else {
      recording++;
    }
  }
  if (rc || recording) return rc;
  strom_snapshot **snaps = t->uc_snaps;
  if (t->uc_state.len) {
    if (!snaps[0] && !(snaps[0] = strom__calloc(1, sizeof *snaps[0]))) return STROM_ENOMEM;
    rc = strom__snap_add(snaps[0], STROM_SNAP_CHANNEL, -1, t->uc_state.p, t->uc_state.len);
    if (rc) return rc;
  }
  strom__log(STROM_LOG_DEBUG, "%s: unaligned checkpoint %lld with %zu bytes in flight", t->name, (long long)t->uc_id,
             t->uc_state.len);
  int64_t id = t->uc_id;
  t->uc_snaps = NULL;
  strom__task_uc_free(t);
  strom__coord_ack(t->job, t, id, snaps, t->uc_sync_ns);
  return STROM_OK;
}

/* Takes checkpoint id unaligned: snapshot now, barrier forwarded at once, in-flight
 * input captured as it becomes known. */
static int uc_start(strom_task *t, int64_t id) {
  strom__task_uc_free(t);
  bool aligning = t->barrier_id == id;
  pthread_mutex_lock(&t->gate.mu);
  for (int i = 0; i < t->gate.n; i++) {
    strom_channel *c = t->gate.ch[i];
    c->uc_upto = 0;
    /* A channel whose barrier was already processed while aligning has nothing in flight. */
    c->uc_rec = !c->ended && !(aligning && c->blocked);
    c->blocked = false;
  }
  pthread_cond_signal(&t->gate.can_read);
  pthread_mutex_unlock(&t->gate.mu);
  t->barrier_id = 0;
  t->nbarriers = 0;
  t->last_ckpt = id;
  int rc = snapshot_chain(t, id, &t->uc_snaps, &t->uc_sync_ns);
  if (!rc) rc = forward_barrier(t, id);
  t->uc_id = id;
  if (rc) {
    strom__task_uc_free(t);
    if (rc != STROM_ECANCELED) strom__coord_decline(t->job, id, strom_strerror(rc));
    return rc;
  }
  return uc_progress(t);
}

int strom__task_poll_unaligned(strom_task *t) {
  strom_job *j = t->job;
  if (atomic_exchange_explicit(&t->gate.announced, false, memory_order_relaxed)) {
    int64_t newest = 0;
    pthread_mutex_lock(&t->gate.mu);
    for (int i = 0; i < t->gate.n; i++)
      if (t->gate.ch[i]->ann_id > newest) newest = t->gate.ch[i]->ann_id;
    pthread_mutex_unlock(&t->gate.mu);
    if (newest > t->last_ckpt && newest > t->uc_id && uc_allowed(j, newest)) t->ann_watch = newest;
  }
  if (t->ann_watch) {
    int64_t id = t->ann_watch;
    if (id <= t->last_ckpt || !uc_allowed(j, id)) t->ann_watch = 0; /* taken aligned, or given up */
    else if (uc_late(j)) {
      t->ann_watch = 0;
      int rc = uc_start(t, id);
      if (rc) return rc;
    }
  }
  return t->uc_id ? uc_progress(t) : STROM_OK;
}

int strom__task_capture_read(strom_task *t, strom_channel *c, const strom_buffer *b) {
  if (!c->uc_rec || b->seq < c->uc_upto) return STROM_OK;
  pthread_mutex_lock(&t->gate.mu);
  bool before = c->ann_id != t->uc_id || b->seq < c->ann_seq;
  pthread_mutex_unlock(&t->gate.mu);
  if (!before) return STROM_OK;
  c->uc_upto = b->seq + 1;
  int rc = strom__put_varint(&t->uc_state, (uint64_t)c->input);
  return rc ? rc : strom__put_bytes(&t->uc_state, b->data, b->len);
}

void strom__task_notify_complete(strom_task *t, void *arg) {
  int64_t id = (int64_t)(intptr_t)arg;
  for (int i = 0; i < t->nops; i++) {
    strom_op *op = t->ops[i];
    if (!op->vt->notify_complete) continue;
    int rc = op->vt->notify_complete(op, id);
    if (rc && !t->err_op) strom__op_fail(op, rc, "committing checkpoint %lld failed", (long long)id);
  }
  if (id == STROM_CKPT_FINAL) t->final_done = true;
  atomic_fetch_add(&t->job->notified, 1);
}

int strom__task_wait_final(strom_task *t) {
  if (!strom__job_checkpointing(t->job)) return STROM_OK;
  for (;;) {
    int rc = strom__task_yield(t); /* runs the completion mail */
    if (t->err_op) return t->err_rc ? t->err_rc : STROM_EIO;
    if (t->final_done) return STROM_OK;
    if (rc) return rc;
    strom__gate_wait(&t->gate, 100);
  }
}

/* ---- restore ---- */

static int restore_opstate(strom_op *op, const strom_snap_block *b, int n, int old_par) {
  /* Names first, then entries: broadcast state from former subtask 0 (all are
   * equal); list state from the same subtask, or round robin when rescaled. */
  int me = op->ctx.subtask, par = op->ctx.parallelism;
  int map[256], nmap = 0;
  for (int i = 0; i < n; i++) {
    if (b[i].kind != STROM_SNAP_OPSTATE) continue;
    bool mine = old_par == par ? b[i].subtask == me : b[i].subtask % par == me;
    bool bcast_source = b[i].subtask == 0;
    if (!mine && !bcast_source) continue;
    nmap = 0;
    for (int k = 0; k < n; k++) {
      if (b[k].kind != STROM_SNAP_OPSTATE_NAMES || b[k].subtask != b[i].subtask) continue;
      const uint8_t *p = b[k].p, *end = p + b[k].len;
      while (p < end && nmap < 256) {
        const uint8_t *name;
        size_t len;
        if (!strom__get_bytes(&p, end, &name, &len)) return STROM_EPARSE;
        map[nmap] = -1;
        if (op->opstate) {
          strom_kstate *ks = strom__opstate_backend(op->opstate);
          for (int j = 0; j < strom__kstate_nstates(ks); j++) {
            strom_state_kind kind;
            const char *cur = strom__kstate_state_name(ks, j, &kind);
            if (cur && strlen(cur) == len && !memcmp(cur, name, len)) map[nmap] = j;
          }
        }
        nmap++;
      }
    }
    const uint8_t *p = b[i].p, *end = p + b[i].len;
    while (p < end) {
      uint64_t idx;
      strom_state_entry e = {0};
      if (!strom__get_varint(&p, end, &idx) || !strom__get_bytes(&p, end, &e.key, &e.klen) ||
          !strom__get_bytes(&p, end, &e.ns, &e.nslen) || !strom__get_bytes(&p, end, &e.val, &e.vlen) || idx >= (uint64_t)nmap)
        return STROM_EPARSE;
      if (map[idx] < 0) continue; /* a state the operator no longer registers */
      strom_kstate *ks = strom__opstate_backend(op->opstate);
      strom_state_kind kind;
      strom__kstate_state_name(ks, map[idx], &kind);
      bool broadcast = kind == STROM_STATE_MAP;
      if (broadcast ? !bcast_source : !mine) continue;
      e.state = map[idx];
      int rc = strom__opstate_restore(op->opstate, &e);
      if (rc) return rc;
    }
  }
  return STROM_OK;
}

int strom__task_restore(strom_task *t) {
  strom_job *j = t->job;
  if (!j->restore) return STROM_OK;
  for (int i = 0; i < t->nops; i++) {
    strom_op *op = t->ops[i];
    int nb, old_par;
    const strom_snap_block *b = strom__restore_blocks(j, op->node, &nb, &old_par);
    if (!nb) continue;
    int lo, hi, par = op->ctx.parallelism, s = op->ctx.subtask;
    strom__subtask_key_groups(s, par, j->opts.max_parallelism, &lo, &hi);
    if (i == 0) {
      /* In-flight input of an unaligned checkpoint, replayed before live input. */
      strom_snap_block *rb = NULL;
      int nr = 0;
      for (int k = 0; k < nb; k++) {
        if (b[k].kind != STROM_SNAP_CHANNEL || (old_par == par && b[k].subtask != s)) continue;
        strom_snap_block *grown = strom__realloc(rb, (size_t)(nr + 1) * sizeof *rb);
        if (!grown) {
          free(rb);
          return STROM_ENOMEM;
        }
        rb = grown;
        rb[nr++] = b[k];
      }
      t->replay = rb;
      t->nreplay = nr;
      t->replay_old_par = old_par;
    }
    strom_restore r = {.b = b, .n = nb, .old_parallelism = old_par};
    int rc = op->vt->restore ? op->vt->restore(op, &r, lo, hi) : STROM_OK;
    if (!rc && op->opstate) rc = restore_opstate(op, b, nb, old_par);
    if (rc) {
      if (!t->err_op) strom__op_fail(op, rc, "restoring its state failed: %s", strom_strerror(rc));
      return rc;
    }
  }
  return STROM_OK;
}
