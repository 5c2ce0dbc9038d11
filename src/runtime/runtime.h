/*
 * runtime.h -- the dataflow runtime: the job graph that the API layers build, and
 * the tasks, channels and operators that execute it.
 *
 * A job graph (jg_*) is the logical plan: nodes with an operator vtable, a
 * parallelism and an output schema, joined by edges that say how records are
 * partitioned.  strom__job_run() turns it into the physical plan: nodes joined by
 * forward edges of equal parallelism are chained into one task (direct calls), each
 * chain runs as `parallelism` tasks, one thread each, and every other edge becomes a
 * set of channels carrying buffers of encoded rows with a fixed number of buffers
 * per channel, so a slow consumer stops its producers.
 */
#ifndef STROM_RUNTIME_H
#define STROM_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>

#include "../core/core.h"

/* ---- partitioners ---- */
enum { STROM_PART_DEFAULT, STROM_PART_FORWARD, STROM_PART_REBALANCE, STROM_PART_HASH, STROM_PART_BROADCAST };

typedef struct strom_op strom_op;
typedef struct strom_task strom_task;
struct strom_snapshot;
struct strom_restore;
typedef struct strom_job strom_job;

/* ---- operators ---- */

/* An operator kind.  One instance (strom_op) exists per parallel subtask; conf is the
 * node's shared, read-only configuration; state is the instance's own. */
typedef struct strom_op_vt {
  const char *kind;
  int (*open)(strom_op *op);
  /* A record on input 0 or 1.  The row is valid only during the call. */
  int (*process)(strom_op *op, int input, const strom_row *row);
  /* The operator's combined watermark advanced; NULL forwards it. */
  int (*watermark)(strom_op *op, int64_t wm);
  /* One input ended (two-input operators); NULL ignores it. */
  int (*end_input)(strom_op *op, int input);
  /* All input ended: emit what is buffered.  NULL does nothing. */
  int (*finish)(strom_op *op);
  void (*close)(strom_op *op);
  /* Sources only: produce records until the end or strom__task_cancelled(). */
  int (*run)(strom_op *op);
  void (*free_conf)(void *conf);
  /* Checkpoints (all optional).  snapshot: the synchronous part, on the task thread,
   * when the checkpoint's barrier passes the operator: add blocks to s.  restore: after
   * open, before the first record: read what a snapshot wrote (keyed blocks of the key
   * groups [kg_lo, kg_hi]).  notify_complete: the checkpoint is complete (sinks
   * commit).  abort_pending: a restore is starting over (sinks drop uncommitted work). */
  int (*snapshot)(strom_op *op, int64_t checkpoint_id, struct strom_snapshot *s);
  int (*restore)(strom_op *op, const struct strom_restore *r, int kg_lo, int kg_hi);
  int (*notify_complete)(strom_op *op, int64_t checkpoint_id);
} strom_op_vt;

typedef struct strom_output_tag strom_output_tag;
struct strom_output_tag {
  int id;
  char *name;
  strom_schema *schema;
};

/* ---- job graph ---- */
typedef struct jg_node jg_node;
typedef struct jg_edge {
  jg_node *from, *to;
  int from_port; /* -1: the main output; else an output tag id */
  int to_input;  /* 0, or 1 for a second input */
  int part;
  int *keycols, nkey;
} jg_edge;

struct jg_node {
  int id;
  char *name, *uid;
  int parallelism; /* 0: the environment's default */
  bool new_chain, is_source, is_sink;
  bool non_parallel; /* a source that can only run with parallelism 1 */
  strom_schema *schema; /* main output (NULL for sinks) */
  const strom_op_vt *vt;
  void *conf;
  void *udata; /* what strom_ctx_data() returns */
  jg_edge **in, **out;
  int nin, nout;
};

typedef struct jg {
  jg_node **nodes;
  int nnodes;
  jg_edge **edges;
  int nedges;
  strom_output_tag **tags;
  int ntags;
} jg;

jg_node *strom__jg_add_node(jg *g, const char *name, const strom_op_vt *vt, void *conf,
                            const strom_schema *schema);
jg_edge *strom__jg_connect(jg *g, jg_node *from, int from_port, jg_node *to, int to_input,
                           int part, const int *keycols, int nkey);
void strom__jg_free(jg *g);
/* The partitioning e runs with between parallelisms from_par and to_par: its own, or,
 * when unset, FORWARD between equal parallelisms and REBALANCE otherwise. */
int strom__jg_edge_part(const jg_edge *e, int from_par, int to_par);
/* The schema of records arriving at input `input` of n. */
const strom_schema *strom__jg_input_schema(const jg *g, const jg_node *n, int input);

/* ---- the function-call context and outputs ---- */
struct strom_ctx {
  strom_op *op;
  void *data, *local;
  int subtask, parallelism;
  int64_t watermark;
  int64_t timestamp;      /* of the record (or timer) being processed */
  int timer_domain;       /* in on_timer */
  int64_t win_start, win_end;
  int64_t watermark_prev; /* operators that fire on a watermark: the one before */
};

typedef struct strom_writer strom_writer;
typedef struct out_target {
  strom_op *op; /* chained operator, or */
  int input;
  int edge; /* a chained operator of several input edges: 1 + this one's index, else 0 */
  strom_writer *w; /* a channel writer */
} out_target;

struct strom_out {
  strom_op *owner;
  strom_row *scratch;
  int64_t time; /* timestamp given to rows from strom_out_row(): the input's */
  out_target *t;
  int nt;
  /* When the only target is a chained operator: its process function, called
   * directly; when it is a channel writer: the writer (set by the planner). */
  int direct_input;
  strom_op *direct_op;
  int (*direct)(strom_op *op, int input, const strom_row *row);
  strom_writer *direct_w;
};

struct strom_kstate;
struct strom_opstate;

struct strom_op {
  const strom_op_vt *vt;
  const jg_node *node;
  strom_task *task;
  void *conf, *state;
  strom_ctx ctx;
  strom_out out;    /* main output */
  strom_out *sides; /* indexed by tag id; nt == 0 where nobody consumes it */
  int nsides;
  struct strom_kstate *kstate;   /* keyed operators only */
  struct strom_keyed *keyed;     /* keyed operators only: current key, timers */
  struct strom_opstate *opstate; /* created on first use */
  /* Set by a task's head operator that looks records up by key hash: called with the
   * key hash of a record a few records ahead in the input buffer (to prefetch). */
  void (*key_hint)(strom_op *op, uint64_t hash);
  int64_t *in_wm; /* an operator of several input edges: each edge's watermark (when chained) */
};

/* Emits row on an output (to chained operators and channels). */
static inline int strom__emit(strom_out *o, const strom_row *row);
int strom__writer_write(strom_writer *w, const strom_row *row);
int strom__out_watermark(strom_out *o, int64_t wm);
/* Records that op failed (the first failure of a task names it); returns rc. */
int strom__op_fail(strom_op *op, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for a user function that returned rc (its strom_ctx_fail message, if any). */
int strom__op_user_error(strom_op *op, int rc);

/* Every target in turn (out of line: the inline part stays small in hot loops). */
int strom__emit_all(strom_out *o, const strom_row *row);

static inline int strom__emit(strom_out *o, const strom_row *row) {
  if (STROM_LIKELY(o->direct != NULL)) return o->direct(o->direct_op, o->direct_input, row);
  if (o->direct_w) return strom__writer_write(o->direct_w, row);
  return strom__emit_all(o, row);
}

/* ---- buffers, channels, gates ---- */

/* Element tags inside a buffer.  Each element is its tag, then: RECORD the row;
 * RECORD_TS the timestamp (8 bytes) and the row; WATERMARK, BARRIER and STATUS 8 bytes;
 * END nothing.  Hash-partitioned channels send RECORD_H / RECORD_TS_H: the same with
 * the record's key hash (8 bytes, strom__key_hash of the edge's key columns) before
 * the row, so that the consumer need not hash the key again and can prefetch.
 * A record's tag carries the row's kind in its high bits (0 for +I, so append-only
 * streams see the plain tags). */
enum { STROM_EL_KIND_SHIFT = 4, STROM_EL_TAG_MASK = 15 };
enum { STROM_EL_RECORD = 1, STROM_EL_RECORD_TS, STROM_EL_WATERMARK, STROM_EL_BARRIER, STROM_EL_END,
       STROM_EL_STATUS /* 1: the producer is idle, 0: active again */, STROM_EL_RECORD_H,
       STROM_EL_RECORD_TS_H };

typedef struct strom_buffer {
  uint8_t *data;
  size_t len, cap;
  uint64_t seq; /* its place in the channel's stream (0, 1, ...), set when sent */
  struct strom_buffer *next;
} strom_buffer;

typedef struct strom_gate strom_gate;
typedef struct strom_channel {
  strom_gate *gate; /* the consumer's */
  int input, idx;
  /* Guarded by gate->mu. */
  strom_buffer **ring;
  int ring_cap, head, count;
  strom_buffer *free_list;
  pthread_cond_t can_write;
  strom_buffer *pool;
  int nbufs;
  uint64_t sent; /* buffers sent so far: the next one's seq */
  /* Unaligned checkpoints: the producer announces barrier ann_id, which follows the
   * buffers with seq < ann_seq, ahead of the data (see checkpointing.c). */
  int64_t ann_id;
  uint64_t ann_seq;
  /* Owned by the consumer thread. */
  uint64_t uc_upto; /* in-flight buffers with seq < uc_upto are in the unaligned state */
  bool uc_rec;      /* capturing this channel's in-flight data for t->uc_id */
  int64_t wm;
  bool ended, idle;
  bool blocked; /* aligning a checkpoint: its barrier arrived, later input waits */
  bool aligned; /* counts for the task's watermark (false after idling, until caught up) */
} strom_channel;

typedef struct strom_mail {
  void (*fn)(strom_task *t, void *arg);
  void *arg;
  struct strom_mail *next;
} strom_mail;

struct strom_gate {
  pthread_mutex_t mu;
  pthread_cond_t can_read;
  strom_channel **ch;
  int n, rr, nready;
  uint64_t sends; /* buffers sent so far: a consumer waiting past blocked channels watches it */
  atomic_bool announced; /* a channel has a new barrier announcement */
  bool cancelled;
  strom_mail *mail, *mail_tail;
  atomic_bool has_mail;
};

strom_channel *strom__channel_new(strom_gate *g, int input, int nbufs, size_t bufsize);
void strom__channel_free(strom_channel *c);
int strom__gate_init(strom_gate *g);
void strom__gate_destroy(strom_gate *g);
int strom__gate_add(strom_gate *g, strom_channel *c);
/* Producer side: a buffer to fill (blocks while none is free); NULL when cancelled. */
strom_buffer *strom__channel_acquire(strom_channel *c);
/* Producer side: hands a filled buffer to the consumer. */
void strom__channel_send(strom_channel *c, strom_buffer *b);
/* Consumer side: returns a buffer it has read to its channel's free list, then takes
 * the next ready buffer without blocking (NULL if none).  Either may be NULL. */
strom_buffer *strom__gate_poll(strom_gate *g, strom_channel *done_ch, strom_buffer *done,
                               strom_channel **from);
/* Producer side: announces barrier id, which follows every buffer sent so far. */
void strom__channel_announce(strom_channel *c, int64_t id);
/* Consumer side: copies the queued buffers of c with seq in [c->uc_upto, upto) to
 * out (as [varint input][bytes]) and advances c->uc_upto.  Takes the gate lock. */
int strom__channel_capture_queued(strom_channel *c, uint64_t upto, strom_buf *out);
/* Consumer side: waits until a buffer or mail is ready, the gate is cancelled, or
 * timeout_ms passed (-1: no timeout). */
void strom__gate_wait(strom_gate *g, int64_t timeout_ms);
void strom__gate_wait_new(strom_gate *g, int64_t timeout_ms, uint64_t seen);
void strom__gate_cancel(strom_gate *g);
/* Queues fn to run on the task thread that owns g. */
int strom__gate_post(strom_gate *g, void (*fn)(strom_task *, void *), void *arg);

/* ---- writers (the producing end of an edge) ---- */
struct strom_writer {
  int part, nchan, rr, max_par;
  int *keycols, nkey;
  strom_channel **chan;
  strom_buffer **cur;
  strom_task *task;
};
int strom__writer_watermark(strom_writer *w, int64_t wm);
int strom__writer_status(strom_writer *w, bool idle);
int strom__writer_end(strom_writer *w);
/* Sends every partly filled buffer; returns STROM_ECANCELED if cancelled meanwhile. */
int strom__writer_flush(strom_writer *w);

/* ---- tasks and jobs ---- */
struct strom_task {
  strom_job *job;
  int subtask, parallelism;
  char *name; /* "Source -> Map (2/4)" */
  pthread_t thread;
  bool started;
  strom_op **ops; /* the chain, parents before children; ops[0] is the head */
  int nops;
  /* The gate is written by the producers (its lock, ready count, mail): on lines of
   * its own, apart from the fields the task's thread reads on every buffer. */
  _Alignas(STROM_CACHE_LINE) strom_gate gate;
  _Alignas(STROM_CACHE_LINE) strom_writer **writers;
  int nwriters;
  strom_row *in_rows[2];
  /* While the head processes a RECORD_H/RECORD_TS_H element: its key hash. */
  uint64_t in_hash;
  bool in_hashed;
  int ninputs, chans_per_input[2], ended_per_input[2], nended;
  int64_t watermark, last_flush_ns;
  bool idle; /* the task's output is marked idle */
  /* Processing-time callbacks, a min-heap by time (see ptime.c). */
  struct strom_ptimer *pt;
  int npt, ptcap;
  strom_op *err_op;
  char *err_msg;
  int err_rc;
  /* Checkpoint barriers (consumer side). */
  int64_t barrier_id;
  int nbarriers;
  int64_t barrier_since_ns; /* when this alignment started */
  int64_t last_ckpt;        /* the newest checkpoint this task has snapshotted */
  /* An unaligned checkpoint whose in-flight input is still being captured: the chain's
   * snapshots wait in uc_snaps and the captured buffers in uc_state until every input
   * channel's barrier has been announced (checkpointing.c). */
  int64_t uc_id, uc_sync_ns;
  struct strom_snapshot **uc_snaps;
  strom_buf uc_state;
  int64_t ann_watch; /* an announced checkpoint that may switch to unaligned on timeout */
  /* Restored in-flight input to process before any live input (blocks of the head). */
  const struct strom_snap_block *replay;
  int nreplay, replay_old_par;
  bool finished, final_done;
  bool halted; /* a source past a stop-with-savepoint barrier: emits nothing more */
};

/* A savepoint request from another thread (strom_env_savepoint). */
typedef struct strom_savepoint_req {
  pthread_mutex_t mu;
  char *dir;  /* requested, not yet started */
  bool stop, drain;
  int done;   /* 0 pending/none, 1 complete, -1 failed */
} strom_savepoint_req;

typedef struct strom_job_opts {
  int parallelism, max_parallelism, buffers_per_channel, buffer_timeout_ms;
  size_t buffer_size;
  const atomic_bool *external_cancel; /* polled while running (set from signal handlers) */
  /* Checkpoints: off when interval_ms is 0. */
  int64_t ckpt_interval_ms, ckpt_timeout_ms, ckpt_min_pause_ms;
  int ckpt_tolerable; /* consecutive failed checkpoints tolerated; -1: any number */
  const char *ckpt_dir;
  int ckpt_retained;
  bool at_least_once;
  /* Unaligned checkpoints (execution.checkpointing.unaligned): barriers overtake the
   * in-flight data, which goes into the checkpoint.  With aligned_timeout_ms > 0 a
   * checkpoint starts aligned and switches when its barriers are late by that much. */
  bool unaligned;
  int64_t aligned_timeout_ms;
  const char *restore_path;
  bool allow_non_restored_state;
  const char *job_name;
  strom_savepoint_req *savepoint; /* may be NULL */
  int64_t (*now_ms)(void *data);      /* processing time; NULL: the wall clock */
  void *clock_data;
  bool chain_keyed; /* hash edges between single subtasks chain (strom.pipeline.chain-keyed) */
  /* Periodic watermarks' interval where a strategy sets none (pipeline.auto-watermark-
   * interval); < 0: none.  0 (opts from a caller that set none): 200 ms. */
  int64_t wm_interval_ms;
} strom_job_opts;

/* op_watermark.c: how often a source's periodic task runs for strategy ws in a job with
 * opts o, and (*emit) whether it emits watermarks: pipeline.auto-watermark-interval may
 * turn them off, while the task still watches idleness and alignment. */
int64_t strom__wm_interval(const strom_watermark_strategy *ws, const strom_job_opts *o, bool *emit);

/* Watermark alignment: the members of a group publish their watermarks here. */
enum { STROM_ALIGN_MAX_MEMBERS = 1024 };
typedef struct strom_align_group {
  char *name;
  int expected; /* members, counted when the job is planned */
  atomic_int n;
  atomic_llong wm[STROM_ALIGN_MAX_MEMBERS];
  struct strom_align_group *next;
} strom_align_group;

struct strom_ckpt_coord;
struct strom_ckpt_restore;

struct strom_job {
  const jg *graph;
  struct strom_ckpt_coord *coord;     /* NULL when checkpoints are off */
  struct strom_ckpt_restore *restore; /* what the job resumes from, or NULL */
  atomic_int finished_tasks;
  atomic_int notified;  /* tasks that have run the last completion notice */
  atomic_bool stopped;  /* stopped after a savepoint: not a failure, not a cancel */
  /* The checkpoint in flight, as the tasks see it: its id, when it was triggered, and
   * whether it may go unaligned (savepoints are always aligned). */
  atomic_llong ckpt_id, ckpt_trigger_ns;
  atomic_bool ckpt_unaligned;
  /* A stop-with-savepoint in flight: sources halt after its barrier (with drain, they
   * send the maximum watermark before it, so every event-time window fires). */
  atomic_bool ckpt_stop, ckpt_drain;
  uint64_t run_id; /* unique per run of a job (names files that must not collide across restarts) */
  strom_align_group *align; /* guarded by mu */
  strom_job_opts opts;
  atomic_bool cancelled;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int running;
  int err_rc;
  char *err_msg;
  strom_task **tasks;
  int ntasks;
  strom_channel **chans;
  int nchans;
};

/* The alignment group named name, created on first use; *slot receives a member index.
 * NULL if the group is full. */
strom_align_group *strom__job_align_join(strom_job *j, const char *name, int *slot);
/* The alignment group of a watermark operator's configuration, or NULL. */
const char *strom__watermark_group(const void *conf);

/* ---- checkpoints, task side (checkpointing.c) ---- */
/* A source task takes checkpoint id: snapshots its chain, sends the barrier, acks. */
void strom__task_trigger_checkpoint(strom_task *t, void *id);
/* A barrier for id arrived on c; returns STROM_OK or an error. */
int strom__task_on_barrier(strom_task *t, strom_channel *c, int64_t id);
/* Re-checks an alignment in progress after a channel ended. */
int strom__task_check_alignment(strom_task *t);
/* Between buffers: handles barrier announcements and alignment timeouts (unaligned
 * checkpoints).  Cheap when nothing is announced. */
int strom__task_poll_unaligned(strom_task *t);
/* A buffer read from c while an unaligned checkpoint captures c's in-flight data. */
int strom__task_capture_read(strom_task *t, strom_channel *c, const strom_buffer *b);
/* Processes the restored in-flight input of an unaligned checkpoint (before live input). */
int strom__task_replay(strom_task *t);
/* Frees what an unfinished unaligned checkpoint holds. */
void strom__task_uc_free(strom_task *t);
/* Restores every operator of the chain from the job's restore data (after open). */
int strom__task_restore(strom_task *t);
/* Posted to every task when checkpoint id completed. */
void strom__task_notify_complete(strom_task *t, void *id);
/* A writer's barrier: the element ends its buffer, which is sent at once. */
int strom__writer_barrier(strom_writer *w, int64_t id);
/* The stable identity of a node in checkpoints: its uid, or its position and name. */
void strom__node_uid(const jg_node *n, char *buf, size_t cap);

/* ---- checkpoints, coordinator side (checkpoint/coordinator.c) ---- */
int strom__coord_new(strom_job *j, char *err, size_t errlen);
/* Called by the job's thread every few milliseconds: triggers, collects, completes. */
void strom__coord_tick(strom_job *j);
void strom__coord_free(strom_job *j);
/* Cancels every task of the job (from any thread). */
void strom__job_cancel(strom_job *j);
/* The final checkpoint, taken as a bounded job ends: every task snapshots its chain
 * after `finish` and acknowledges this id; the coordinator writes the checkpoint once
 * all tasks ended normally and then tells every operator it is complete (sinks commit
 * their last files then, so a process killed after the end of input cannot commit
 * output twice). */
#define STROM_CKPT_FINAL (INT64_MAX - 2)
/* Called on a task's thread at the end of its input (after finish). */
int strom__task_final_snapshot(strom_task *t);
/* A task that took its final snapshot waits here (running mail) until the final
 * checkpoint's completion reached it, or the job is cancelled. */
int strom__task_wait_final(strom_task *t);
/* True when the job takes checkpoints (sinks defer their last commit to the final one). */
bool strom__job_checkpointing(const strom_job *j);

/* A task's acknowledgement of checkpoint id: snaps[k] is the snapshot of the task's
 * k-th operator (NULL: none); the coordinator takes ownership. */
void strom__coord_ack(strom_job *j, strom_task *t, int64_t id, struct strom_snapshot **snaps, int64_t sync_ns);
/* A task that cannot take checkpoint id (it failed to snapshot). */
void strom__coord_decline(strom_job *j, int64_t id, const char *why);
/* Loads the checkpoint to resume from (j->opts.restore_path) into j->restore. */
int strom__restore_load(strom_job *j, char *err, size_t errlen);
void strom__restore_free(strom_job *j);
/* True when base holds a complete checkpoint. */
bool strom__has_checkpoint(const char *base);
/* The blocks a restoring subtask of node n sees (see snapshot.h), or NULL/0. */
const struct strom_snap_block *strom__restore_blocks(strom_job *j, const jg_node *n, int *nblocks, int *old_par);

typedef struct strom_job_stats {
  int64_t ckpt_completed, ckpt_last, last_duration_ms;
  uint64_t last_bytes;
  int64_t last_sync_ns, max_sync_ns;
  int64_t unaligned;
  uint64_t inflight_bytes;
} strom_job_stats;
void strom__coord_stats(const strom_job *j, strom_job_stats *st);
int64_t strom__coord_completed(const strom_job *j);
int64_t strom__coord_last(const strom_job *j);

/* Builds and runs the job to completion.  On failure *errmsg receives a malloc'd
 * message.  stats (may be NULL) receives checkpoint counts. */
int strom__job_run(const jg *g, const strom_job_opts *opts, char **errmsg, strom_job_stats *stats);

static inline bool strom__task_cancelled(const strom_task *t) {
  return atomic_load_explicit(&t->job->cancelled, memory_order_relaxed);
}
/* Sources call this every few hundred records: flushes on the buffer timeout and runs mail. */
int strom__task_yield(strom_task *t);

/* Sources yield to their task (mail, timers, the buffer timeout, cancellation) every
 * `every` records, and `every` adapts so that yields come about every millisecond
 * whatever the rate: up to 1024 records apart when records are cheap, down to every
 * record when each one takes long (a slow or rate-limited input, or a slow chained
 * operator), so that a partly filled buffer still leaves on the buffer timeout.
 * The loop keeps the count and `every` in locals (registers):
 *
 *   strom_yield_pacer pacer = {0};
 *   uint32_t n = 0, every = 0;
 *   for (...) {
 *     ... emit a record ...
 *     if (STROM_UNLIKELY(++n >= every)) {
 *       if ((rc = strom__source_yield(task, &pacer))) return rc;
 *       n = 0, every = pacer.every;
 *     }
 *   }
 */
typedef struct strom_yield_pacer {
  uint32_t every;
  int64_t last_ns;
} strom_yield_pacer;
int strom__source_yield(strom_task *t, strom_yield_pacer *p);
/* Flushes every output writer of the task. */
int strom__task_flush(strom_task *t);
/* Sets the task's watermark and forwards it through the chain. */
int strom__task_emit_watermark(strom_task *t, int64_t wm);
/* Forwards an idle/active status to everything downstream of o. */
int strom__out_status(strom_out *o, bool idle);
/* Forwards a watermark to op's outputs (main and side). */
int strom__op_forward_watermark(strom_op *op, int64_t wm);

/* ---- processing time (ptime.c) ---- */
int64_t strom__job_now(const strom_job *j);
/* Calls fn(op, now) on the task thread once the clock reaches when_ms. */
int strom__task_schedule(strom_task *t, int64_t when_ms, int (*fn)(strom_op *op, int64_t now), strom_op *op);
/* Runs the callbacks that are due. */
int strom__task_fire_ptimers(strom_task *t);
/* Milliseconds until the next callback is due (0 if due), or -1 if none. */
int64_t strom__task_ptimer_wait_ms(strom_task *t);
void strom__task_ptimers_free(strom_task *t);

/* Built-in operator vtables (runtime/op_*.c). */
extern const strom_op_vt strom__op_map, strom__op_filter, strom__op_flat_map, strom__op_process,
    strom__op_union, strom__op_reduce, strom__op_keyed_process, strom__op_watermarks, strom__op_window,
    strom__op_window_slice, strom__op_join;

typedef struct strom_fn_conf {
  void *fn;
  void *data;
  strom_process_def def;
  int *keycols, nkey;   /* keyed operators */
  int *keycols2, nkey2; /* the second input of a keyed two-input operator */
} strom_fn_conf;
void strom__fn_conf_free(void *conf);

#endif
