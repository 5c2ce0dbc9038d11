/*
 * coordinator.c -- the checkpoint coordinator and the loading of a checkpoint to
 * resume from.
 *
 * The coordinator runs on the job's own thread (the one that called strom_execute),
 * not on a task thread: every interval it opens a chk-<id> folder and posts a trigger
 * to every source task; tasks snapshot on their threads and hand the in-memory
 * snapshots here, where they are written to state files (so the writing is off the
 * task threads).  When every task has acknowledged, `_metadata` is written last and
 * atomically, old checkpoints are retired, and every task is told the checkpoint is
 * complete (sinks commit on it).  One checkpoint is in flight at a time; a checkpoint
 * that a task declines, or that can no longer complete because a task finished, is
 * aborted and its folder deleted.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../runtime/runtime.h"
#include "../runtime/snapshot.h"
#include "storage.h"

typedef struct ack {
  strom_task *t;
  int64_t id, sync_ns;
  strom_snapshot **snaps;
  struct ack *next;
} ack;

struct strom_ckpt_coord {
  int64_t next_id, pending, trigger_ms, last_ms, completed, last_id;
  bool savepoint, stop_after; /* the pending checkpoint is a savepoint (and the job stops) */
  bool stopping;              /* waiting for every task to commit, then stop */
  int failed_in_a_row;
  char *dir;
  strom__ckpt_meta *meta;
  int acks;
  bool failed;
  char *why;
  ack *queue; /* guarded by the job's mutex */
  ack *final;  /* acknowledgements of the final checkpoint, kept until the job ends */
  int nfinal;
  bool final_done;
  _Atomic uint64_t bytes;
  uint64_t bytes_at_trigger, last_bytes;
  int64_t sync_ns, last_sync_ns, max_sync_ns, last_duration_ms;
  uint64_t inflight, inflight_total; /* in-flight data of the pending checkpoint; of all completed */
  int64_t unaligned;
};

int strom__coord_new(strom_job *j, char *err, size_t errlen) {
  if (!j->opts.ckpt_interval_ms && !j->opts.savepoint) return STROM_OK;
  if (j->opts.ckpt_interval_ms && !j->opts.ckpt_dir) {
    snprintf(err, errlen, "checkpointing needs a directory: set state.checkpoints.dir");
    return STROM_EINVAL;
  }
  struct strom_ckpt_coord *c = strom__calloc(1, sizeof *c);
  if (!c) return STROM_ENOMEM;
  c->last_id = -1;
  /* New ids follow every folder already there, so no checkpoint is overwritten. */
  strom__ckpt_dir_entry *list = NULL;
  int n = 0;
  c->next_id = 1;
  if (j->opts.ckpt_dir && strom__ckpt_list(j->opts.ckpt_dir, &list, &n, err, errlen) >= 0)
    for (int i = 0; i < n; i++)
      if (list[i].id >= c->next_id) c->next_id = list[i].id + 1;
  free(list);
  c->last_ms = strom__now_ms();
  j->coord = c;
  return STROM_OK;
}

static void savepoint_done(strom_job *j, int result) {
  strom_savepoint_req *sp = j->opts.savepoint;
  pthread_mutex_lock(&sp->mu);
  sp->done = result;
  pthread_mutex_unlock(&sp->mu);
}

void strom__job_fail(strom_job *j, int rc, char *msg);

static void abort_pending(strom_job *j, const char *why) {
  struct strom_ckpt_coord *c = j->coord;
  /* Sources halted by a failed stop-with-savepoint go on (see strom__task_yield). */
  atomic_store(&j->ckpt_stop, false);
  /* A checkpoint that could not finish because a task ended is not a failure. */
  if (!c->savepoint && strcmp(why, "a task finished before acknowledging it") && strcmp(why, "the job ended") &&
      j->opts.ckpt_tolerable >= 0 && ++c->failed_in_a_row > j->opts.ckpt_tolerable)
    strom__job_fail(j, STROM_EIO,
                    strom__aprintf("checkpoint %lld failed (%s): more than %d consecutive failed checkpoints "
                                   "(execution.checkpointing.tolerable-failed-checkpoints)",
                                   (long long)c->pending, why, j->opts.ckpt_tolerable));
  strom__log(STROM_LOG_WARN, "%s %lld aborted: %s", c->savepoint ? "savepoint" : "checkpoint", (long long)c->pending, why);
  if (c->savepoint) savepoint_done(j, -1);
  c->savepoint = false;
  char e[256];
  if (c->dir) strom__ckpt_delete(c->dir, e, sizeof e);
  free(c->dir);
  c->dir = NULL;
  strom__ckpt_meta_free(c->meta);
  c->meta = NULL;
  c->pending = 0;
  c->failed = false;
  free(c->why);
  c->why = NULL;
  c->last_ms = strom__now_ms();
}


/* Starts checkpoint id in a new chk-<id> folder, or a savepoint in sp_dir. */
static void trigger(strom_job *j, int64_t now, const char *sp_dir, bool stop, bool drain) {
  struct strom_ckpt_coord *c = j->coord;
  char err[512];
  int64_t id = c->next_id++;
  char *dir = NULL;
  if (sp_dir) {
    if (mkdir(sp_dir, 0777)) {
      strom__log(STROM_LOG_ERROR, "savepoint: cannot create '%s': %s", sp_dir, strerror(errno));
      savepoint_done(j, -1);
      return;
    }
    dir = strom__strdup(sp_dir);
  } else if (strom__ckpt_dir_create(j->opts.ckpt_dir, id, &dir, err, sizeof err)) {
    strom__log(STROM_LOG_WARN, "checkpoint %lld: %s", (long long)id, err);
    c->last_ms = now;
    return;
  }
  c->savepoint = sp_dir != NULL;
  c->stop_after = stop;
  c->meta = strom__ckpt_meta_new(id, j->opts.job_name ? j->opts.job_name : "job", now, sp_dir != NULL,
                                 j->opts.max_parallelism);
  for (int i = 0; c->meta && i < j->graph->nnodes; i++) {
    char uid[256];
    const jg_node *n = j->graph->nodes[i];
    strom__node_uid(n, uid, sizeof uid);
    int par = n->parallelism > 0 ? n->parallelism : j->opts.parallelism;
    if (!strom__ckpt_meta_add_operator(c->meta, uid, par)) {
      strom__ckpt_meta_free(c->meta);
      c->meta = NULL;
    }
  }
  if (!c->meta) {
    strom__ckpt_delete(dir, err, sizeof err);
    free(dir);
    return;
  }
  c->dir = dir;
  c->pending = id;
  c->trigger_ms = now;
  c->acks = 0;
  c->sync_ns = 0;
  c->inflight = 0;
  c->bytes_at_trigger = atomic_load(&c->bytes);
  atomic_store(&j->ckpt_trigger_ns, strom__mono_ns());
  atomic_store(&j->ckpt_unaligned, sp_dir == NULL);
  atomic_store(&j->ckpt_stop, sp_dir && stop);
  atomic_store(&j->ckpt_drain, sp_dir && stop && drain);
  atomic_store(&j->ckpt_id, id);
  for (int i = 0; i < j->ntasks; i++) {
    strom_task *t = j->tasks[i];
    if (t->ops[0]->vt->run) strom__gate_post(&t->gate, strom__task_trigger_checkpoint, (void *)(intptr_t)id);
  }
}

/* Writes one task's snapshots as state files and records them in the metadata. */
static int write_block(void *w, int kind, int kg, const void *p, size_t len) {
  int rc = strom__ckpt_writer_begin_block(w, kind, kg);
  if (!rc && len) rc = strom__ckpt_writer_write(w, p, len);
  if (!rc) rc = strom__ckpt_writer_end_block(w);
  return rc;
}

static int write_ack(strom_job *j, ack *a, char *err, size_t errlen) {
  struct strom_ckpt_coord *c = j->coord;
  strom_task *t = a->t;
  for (int k = 0; k < t->nops; k++) {
    strom_snapshot *s = a->snaps[k];
    if (!s) continue;
    const strom_op *op = t->ops[k];
    char uid[256], name[512];
    strom__node_uid(op->node, uid, sizeof uid);
    strom__ckpt_state_file_name(name, sizeof name, uid, t->subtask);
    strom__ckpt_writer *w = NULL;
    strom__ckpt_writer_opts wo = {.bytes_written = &c->bytes};
    int rc = strom__ckpt_writer_open(&w, c->dir, name, &wo, err, errlen);
    for (int b = 0; !rc && b < s->n; b++) {
      strom_snap_block blk = strom__snap_block(s, b);
      rc = write_block(w, blk.kind, blk.kg, blk.p, blk.len);
    }
    /* The asynchronous part of the snapshot (copy-on-write state) is serialized here,
     * each block straight into the file. */
    bool lazy_failed = false;
    if (!rc) {
      s->emit = write_block;
      s->emit_ctx = w;
      rc = strom__snap_materialize(s);
      s->emit = NULL;
      lazy_failed = rc != STROM_OK;
    }
    strom__ckpt_file_info info;
    if (rc) {
      if (lazy_failed && !*strom__ckpt_writer_errmsg(w))
        snprintf(err, errlen, "serializing the state of %.200s failed: %s", name, strom_strerror(rc));
      else if (w) snprintf(err, errlen, "%s", strom__ckpt_writer_errmsg(w));
      strom__ckpt_writer_abort(w);
      return rc;
    }
    if ((rc = strom__ckpt_writer_close(w, &info, err, errlen))) return rc;
    strom__ckpt_op_meta *om = (strom__ckpt_op_meta *)strom__ckpt_meta_find(c->meta, uid);
    rc = om ? strom__ckpt_meta_set_subtask(om, t->subtask, &info, NULL, 0) : STROM_EINVAL;
    if (rc) {
      snprintf(err, errlen, "recording %.200s in the metadata failed", name);
      return rc;
    }
  }
  return STROM_OK;
}

static void complete(strom_job *j, int64_t notify_id) {
  struct strom_ckpt_coord *c = j->coord;
  char err[512];
  if (strom__ckpt_meta_write(c->dir, c->meta, &c->bytes, err, sizeof err)) {
    abort_pending(j, err);
    return;
  }
  int64_t id = c->pending;
  bool savepoint = c->savepoint;
  c->last_duration_ms = strom__now_ms() - c->trigger_ms;
  c->last_bytes = atomic_load(&c->bytes) - c->bytes_at_trigger;
  c->last_sync_ns = c->sync_ns;
  c->inflight_total += c->inflight;
  c->unaligned += c->inflight > 0;
  if (c->sync_ns > c->max_sync_ns) c->max_sync_ns = c->sync_ns;
  if (savepoint) {
    savepoint_done(j, 1);
    c->savepoint = false;
    if (c->stop_after) {
      c->stopping = true;
      atomic_store(&j->notified, 0);
    }
  } else {
    c->completed++;
    c->last_id = id;
    c->failed_in_a_row = 0;
  }
  strom__log(STROM_LOG_INFO, "checkpoint %lld complete in %lld ms (%llu bytes)", (long long)id,
             (long long)(strom__now_ms() - c->trigger_ms), (unsigned long long)atomic_load(&c->bytes));
  free(c->dir);
  c->dir = NULL;
  strom__ckpt_meta_free(c->meta);
  c->meta = NULL;
  c->pending = 0;
  c->last_ms = strom__now_ms();
  int deleted = 0;
  if (!savepoint && strom__ckpt_retain(j->opts.ckpt_dir, j->opts.ckpt_retained > 0 ? j->opts.ckpt_retained : 1, &deleted, err, sizeof err))
    strom__log(STROM_LOG_WARN, "retiring old checkpoints: %s", err);
  for (int i = 0; i < j->ntasks; i++)
    strom__gate_post(&j->tasks[i]->gate, strom__task_notify_complete, (void *)(intptr_t)notify_id);
}

/* Every task ended its input and acknowledged the final checkpoint: write it, then let
 * the waiting tasks commit (they exit when they have). */
static void final_checkpoint(strom_job *j) {
  struct strom_ckpt_coord *c = j->coord;
  c->final_done = true;
  if (c->pending) abort_pending(j, "the job ended");
  trigger(j, strom__now_ms(), NULL, false, false);
  if (!c->pending) {
    strom__job_fail(j, STROM_EIO, strom__strdup("cannot create the final checkpoint"));
    return;
  }
  char err[512] = "";
  int rc = STROM_OK;
  for (ack *a = c->final; a && !rc; a = a->next) {
    if (!(rc = write_ack(j, a, err, sizeof err))) c->acks++;
  }
  if (rc) {
    char *msg = strom__aprintf("writing the final checkpoint failed: %s", err);
    abort_pending(j, err);
    strom__job_fail(j, rc, msg);
    return;
  }
  int64_t id = c->pending;
  complete(j, STROM_CKPT_FINAL);
  if (c->last_id != id) strom__job_fail(j, STROM_EIO, strom__strdup("the final checkpoint could not be completed"));
}

void strom__coord_tick(strom_job *j) {
  struct strom_ckpt_coord *c = j->coord;
  if (!c) return;
  if (c->final_done) return;
  pthread_mutex_lock(&j->mu);
  ack *q = c->queue;
  c->queue = NULL;
  pthread_mutex_unlock(&j->mu);
  /* The queue is newest first: reverse it so acks are written in arrival order. */
  ack *rev = NULL;
  while (q) {
    ack *next = q->next;
    q->next = rev;
    rev = q;
    q = next;
  }
  for (ack *a = rev, *next; a; a = next) {
    next = a->next;
    if (a->id == STROM_CKPT_FINAL) {
      a->next = c->final;
      c->final = a;
      c->nfinal++;
      continue;
    }
    if (a->id == c->pending && !c->failed) {
      char err[512] = "";
      if (write_ack(j, a, err, sizeof err)) {
        c->failed = true;
        c->why = strom__strdup(err);
      } else {
        c->acks++;
        if (a->sync_ns > c->sync_ns) c->sync_ns = a->sync_ns;
        for (int k = 0; k < a->t->nops; k++)
          for (int b = 0; a->snaps[k] && b < a->snaps[k]->n; b++)
            if (a->snaps[k]->b[b].kind == STROM_SNAP_CHANNEL) c->inflight += a->snaps[k]->b[b].len;
      }
    }
    strom__snaps_free(a->snaps, a->t->nops);
    free(a);
  }
  int64_t now = strom__now_ms();
  if (c->nfinal == j->ntasks && strom__job_checkpointing(j)) {
    final_checkpoint(j);
    return;
  }
  if (c->stopping) {
    /* Stop-with-savepoint: once every task has committed, the job stops. */
    if (atomic_load(&j->notified) >= j->ntasks) {
      atomic_store(&j->stopped, true);
      strom__job_cancel(j);
    }
    return;
  }
  if (c->pending) {
    if (c->failed) abort_pending(j, c->why ? c->why : "a task declined it");
    else if (c->acks == j->ntasks) complete(j, c->pending);
    else if (atomic_load(&j->finished_tasks)) abort_pending(j, "a task finished before acknowledging it");
    else if (now - c->trigger_ms > j->opts.ckpt_timeout_ms) abort_pending(j, "timed out (execution.checkpointing.timeout)");
    return;
  }
  if (atomic_load(&j->finished_tasks) || atomic_load(&j->cancelled)) return;
  strom_savepoint_req *sp = j->opts.savepoint;
  char *sp_dir = NULL;
  bool stop = false, drain = false;
  if (sp) {
    pthread_mutex_lock(&sp->mu);
    sp_dir = sp->dir;
    stop = sp->stop;
    drain = sp->drain;
    sp->dir = NULL;
    pthread_mutex_unlock(&sp->mu);
  }
  if (sp_dir) trigger(j, now, sp_dir, stop, drain);
  else if (j->opts.ckpt_interval_ms && now - c->last_ms >= j->opts.ckpt_interval_ms &&
           now - c->last_ms >= j->opts.ckpt_min_pause_ms)
    trigger(j, now, NULL, false, false);
  free(sp_dir);
}

void strom__coord_ack(strom_job *j, strom_task *t, int64_t id, strom_snapshot **snaps, int64_t sync_ns) {
  ack *a = strom__malloc(sizeof *a);
  if (!a) {
    strom__snaps_free(snaps, t->nops);
    strom__coord_decline(j, id, "out of memory");
    return;
  }
  *a = (ack){.t = t, .id = id, .snaps = snaps, .sync_ns = sync_ns};
  pthread_mutex_lock(&j->mu);
  a->next = j->coord->queue;
  j->coord->queue = a;
  pthread_cond_broadcast(&j->cv);
  pthread_mutex_unlock(&j->mu);
}

void strom__coord_decline(strom_job *j, int64_t id, const char *why) {
  /* Recorded as an acknowledgement without snapshots for a task that does not exist:
   * simplest is to mark the checkpoint failed under the lock. */
  pthread_mutex_lock(&j->mu);
  if (j->coord && j->coord->pending == id && !j->coord->failed) {
    j->coord->failed = true;
    j->coord->why = strom__strdup(why);
  }
  pthread_mutex_unlock(&j->mu);
}

void strom__coord_free(strom_job *j) {
  struct strom_ckpt_coord *c = j->coord;
  if (!c) return;
  if (c->pending) abort_pending(j, "the job ended");
  for (int k = 0; k < 2; k++)
    for (ack *a = k ? c->final : c->queue, *next; a; a = next) {
      next = a->next;
      strom__snaps_free(a->snaps, a->t->nops);
      free(a);
    }
  free(c->why);
  free(c);
  j->coord = NULL;
}

void strom__coord_stats(const strom_job *j, strom_job_stats *st) {
  const struct strom_ckpt_coord *c = j->coord;
  if (!c) return;
  st->ckpt_completed = c->completed;
  st->ckpt_last = c->last_id;
  st->last_duration_ms = c->last_duration_ms;
  st->last_bytes = c->last_bytes;
  st->last_sync_ns = c->last_sync_ns;
  st->max_sync_ns = c->max_sync_ns;
  st->unaligned = c->unaligned;
  st->inflight_bytes = c->inflight_total;
}

int64_t strom__coord_completed(const strom_job *j) { return j->coord ? j->coord->completed : 0; }
int64_t strom__coord_last(const strom_job *j) { return j->coord ? j->coord->last_id : -1; }

/* ---- restore ---- */

struct strom_ckpt_restore {
  int64_t id;
  strom_snapshot *per_node; /* indexed by node id */
  strom_snap_block **blocks;
  int *nblocks, *old_par;
};

void strom__restore_free(strom_job *j) {
  struct strom_ckpt_restore *r = j->restore;
  if (!r) return;
  for (int i = 0; i < j->graph->nnodes; i++) {
    strom__snap_free(&r->per_node[i]);
    free(r->blocks[i]);
  }
  free(r->per_node);
  free(r->blocks);
  free(r->nblocks);
  free(r->old_par);
  free(r);
  j->restore = NULL;
}

const strom_snap_block *strom__restore_blocks(strom_job *j, const jg_node *n, int *nblocks, int *old_par) {
  struct strom_ckpt_restore *r = j->restore;
  *nblocks = r ? r->nblocks[n->id] : 0;
  *old_par = r ? r->old_par[n->id] : 0;
  return r ? r->blocks[n->id] : NULL;
}

/* Reads every block of one state file into s, remembering the writing subtask. */
static int load_file(const char *dir, const strom__ckpt_subtask_meta *sm, int subtask, strom_snapshot *s,
                     int **subtasks, int *nsub, char *err, size_t errlen) {
  strom__ckpt_reader *rd = NULL;
  strom__ckpt_reader_opts ro = {.expect_size = sm->size};
  int rc = strom__ckpt_reader_open(&rd, dir, sm->file, &ro, err, errlen);
  while (!rc) {
    strom__ckpt_block b;
    int more = strom__ckpt_reader_next(rd, &b);
    if (more <= 0) {
      if (more < 0) {
        snprintf(err, errlen, "%s", strom__ckpt_reader_errmsg(rd));
        rc = more;
      }
      break;
    }
    rc = strom__snap_add(s, b.kind, b.key_group, b.data, b.len);
    if (!rc && *nsub == s->n - 1) {
      int *p = strom__realloc(*subtasks, (size_t)s->cap * sizeof *p);
      if (!p) rc = STROM_ENOMEM;
      else *subtasks = p, (*subtasks)[(*nsub)++] = subtask;
    }
  }
  strom__ckpt_reader_close(rd);
  return rc;
}

/* Loads the checkpoint in folder dir into j->restore. */
static int load_checkpoint(strom_job *j, const char *dir, char *err, size_t errlen);

int strom__restore_load(strom_job *j, char *err, size_t errlen) {
  const char *path = j->opts.restore_path;
  if (!path) return STROM_OK;
  char meta_path[4096];
  snprintf(meta_path, sizeof meta_path, "%s/_metadata", path);
  if (access(meta_path, F_OK) == 0) return load_checkpoint(j, path, err, errlen);
  /* A checkpoint directory: the newest complete checkpoint that loads, falling back
   * past any whose files turn out to be damaged. */
  int64_t before = 0;
  for (;;) {
    strom__ckpt_found f;
    int rc = strom__ckpt_find_latest(path, STROM__CKPT_VERIFY_SIZES, before, &f, err, errlen);
    if (rc != 1) {
      strom__ckpt_found_free(&f);
      if (rc == 0) {
        snprintf(err, errlen, "no complete checkpoint in '%s' to resume from", path);
        return STROM_EINVAL;
      }
      return rc < 0 ? rc : STROM_EINVAL;
    }
    for (int i = 0; i < f.nskipped; i++) strom__log(STROM_LOG_WARN, "skipping %s", f.skipped[i].reason);
    rc = load_checkpoint(j, f.path, err, errlen);
    before = f.id;
    strom__ckpt_found_free(&f);
    if (rc != STROM_EPARSE) return rc;
    strom__log(STROM_LOG_WARN, "cannot resume from checkpoint %lld: %s; trying an older one", (long long)before, err);
  }
}

static int load_checkpoint(strom_job *j, const char *dir, char *err, size_t errlen) {
  strom__ckpt_meta *m = NULL;
  int rc = strom__ckpt_load(dir, STROM__CKPT_VERIFY_SIZES, &m, err, errlen);
  if (rc) return rc;
  if (m->max_parallelism != j->opts.max_parallelism) {
    snprintf(err, errlen, "%s was taken with max parallelism %d; the job has %d (pipeline.max-parallelism must match)",
             dir, m->max_parallelism, j->opts.max_parallelism);
    strom__ckpt_meta_free(m);
    return STROM_EINVAL;
  }
  struct strom_ckpt_restore *r = strom__calloc(1, sizeof *r);
  int nn = j->graph->nnodes;
  if (r) {
    r->per_node = strom__calloc((size_t)nn, sizeof *r->per_node);
    r->blocks = strom__calloc((size_t)nn, sizeof *r->blocks);
    r->nblocks = strom__calloc((size_t)nn, sizeof *r->nblocks);
    r->old_par = strom__calloc((size_t)nn, sizeof *r->old_par);
  }
  j->restore = r;
  if (!r || !r->per_node || !r->blocks || !r->nblocks || !r->old_par) rc = STROM_ENOMEM;
  r ? (void)(r->id = m->id) : (void)0;
  /* Every operator of the checkpoint must be claimed by a node of the job. */
  for (int k = 0; !rc && k < m->nops; k++) {
    const strom__ckpt_op_meta *om = &m->ops[k];
    bool claimed = false, has_state = false;
    for (int i = 0; i < nn && !claimed; i++) {
      char uid[256];
      strom__node_uid(j->graph->nodes[i], uid, sizeof uid);
      claimed = !strcmp(uid, om->uid);
    }
    for (int s = 0; s < om->parallelism; s++) has_state |= om->subtasks[s].file != NULL;
    if (!claimed && has_state && !j->opts.allow_non_restored_state) {
      snprintf(err, errlen,
               "%s has state for operator '%s', which this job does not have; allow dropping it with "
               "execution.savepoint.ignore-unclaimed-state (--allow-non-restored-state)", dir, om->uid);
      rc = STROM_EINVAL;
    }
  }
  for (int i = 0; !rc && i < nn; i++) {
    char uid[256];
    strom__node_uid(j->graph->nodes[i], uid, sizeof uid);
    const strom__ckpt_op_meta *om = strom__ckpt_meta_find(m, uid);
    if (!om) continue;
    r->old_par[i] = om->parallelism;
    int *subtasks = NULL, nsub = 0;
    for (int s = 0; !rc && s < om->parallelism; s++)
      if (om->subtasks[s].file) rc = load_file(dir, &om->subtasks[s], s, &r->per_node[i], &subtasks, &nsub, err, errlen);
    if (!rc && r->per_node[i].n) {
      r->blocks[i] = strom__calloc((size_t)r->per_node[i].n, sizeof **r->blocks);
      if (!r->blocks[i]) rc = STROM_ENOMEM;
      for (int b = 0; !rc && b < r->per_node[i].n; b++) {
        r->blocks[i][b] = strom__snap_block(&r->per_node[i], b);
        r->blocks[i][b].subtask = subtasks[b];
      }
      r->nblocks[i] = r->per_node[i].n;
    }
    free(subtasks);
  }
  if (!rc) strom__log(STROM_LOG_INFO, "resuming from %s", dir);
  strom__ckpt_meta_free(m);
  if (rc) strom__restore_free(j);
  return rc;
}

bool strom__has_checkpoint(const char *base) {
  if (!base) return false;
  strom__ckpt_found f;
  char err[256];
  int rc = strom__ckpt_find_latest(base, STROM__CKPT_VERIFY_SIZES, 0, &f, err, sizeof err);
  strom__ckpt_found_free(&f);
  return rc == 1;
}
