/*
 * strom.h -- the public C API of Strom, a stream processing engine.
 *
 * A program builds a dataflow with the DataStream API (sources, transformations,
 * sinks) on an environment, then runs it with strom_execute().  Everything here is
 * an opaque handle with a strom_ prefix; nothing else in the tree is public.
 *
 * Conventions:
 *  - Functions that can fail return an int status: STROM_OK (0) or a negative
 *    STROM_E* code; strom_strerror() names the code, and the handle that failed
 *    holds a message with context (strom_env_errmsg()).
 *  - Stream builders return a new handle, or NULL after recording an error on the
 *    environment; a NULL input is accepted and yields NULL, so a pipeline can be
 *    written without checking every step and strom_execute() reports the first error.
 *  - Handles created from an environment (streams, output tags, results) are owned by
 *    it and freed by strom_env_free().  Schemas and rows are created and freed by
 *    the caller; the environment keeps its own reference to any schema it is given.
 *  - A row passed to a user function is valid only during that call.
 */
#ifndef STROM_H
#define STROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STROM_VERSION "0.1.0"

/* ---- Status codes ---------------------------------------------------------- */

#define STROM_ERRNO_MAP(X)                                   \
  X(OK, 0, "success")                                        \
  X(EINVAL, -1, "invalid argument")                          \
  X(ENOMEM, -2, "out of memory")                             \
  X(EIO, -3, "input/output error")                           \
  X(EPARSE, -4, "malformed input")                           \
  X(EUSER, -5, "user function failed")                       \
  X(ECANCELED, -6, "job cancelled")                          \
  X(ESTATE, -7, "operation not valid in this state")         \
  X(ETYPE, -8, "type mismatch")                              \
  X(ENOTSUP, -9, "not supported")                            \
  X(ENET, -10, "network error")

typedef enum strom_status {
#define STROM__ERRNO_ENUM(name, code, msg) STROM_##name = code,
  STROM_ERRNO_MAP(STROM__ERRNO_ENUM)
#undef STROM__ERRNO_ENUM
} strom_status;

/* The fixed description of a status code ("invalid argument"); never NULL. */
const char *strom_strerror(int status);

/* ---- Types and schemas ----------------------------------------------------- */

typedef enum strom_type_id {
  STROM_BOOLEAN = 1,
  STROM_INT,       /* 32-bit signed */
  STROM_BIGINT,    /* 64-bit signed */
  STROM_DOUBLE,
  STROM_DECIMAL,   /* DECIMAL(p,s), p <= 18: an unscaled 64-bit integer; 19..38: 128-bit */
  STROM_VARCHAR,   /* bytes with a length; UTF-8 by convention */
  STROM_TIMESTAMP, /* TIMESTAMP(p): milliseconds since the epoch, no time zone (p > 3: and nanoseconds) */
} strom_type_id;

typedef struct strom_schema strom_schema;

/* An empty schema, to be filled with strom_schema_add*().  Free with strom_schema_free(). */
strom_schema *strom_schema_new(void);
/* Parses a column list such as "word VARCHAR, n BIGINT, price DECIMAL(10,2)".
 * Returns NULL on error and writes a message naming the position to err. */
strom_schema *strom_schema_parse(const char *spec, char *err, size_t errlen);
int strom_schema_add(strom_schema *s, const char *name, strom_type_id type);
int strom_schema_add_decimal(strom_schema *s, const char *name, int precision, int scale);
int strom_schema_ncols(const strom_schema *s);
const char *strom_schema_col_name(const strom_schema *s, int col);
strom_type_id strom_schema_col_type(const strom_schema *s, int col);
int strom_schema_col_scale(const strom_schema *s, int col);
/* TIMESTAMP(precision), 0..9 fractional digits of the second (strom_schema_add and
 * strom_schema_parse's bare TIMESTAMP give TIMESTAMP(3)).  A column of precision 4..9
 * keeps the nanoseconds of the millisecond beside the milliseconds. */
int strom_schema_add_timestamp(strom_schema *s, const char *name, int precision);
/* The precision of a DECIMAL or TIMESTAMP column (0 for the others). */
int strom_schema_col_precision(const strom_schema *s, int col);
/* The column index of name, or -1. */
int strom_schema_find(const strom_schema *s, const char *name);
/* Drops the caller's reference. */
void strom_schema_free(strom_schema *s);
/* Writes "word VARCHAR, n BIGINT"; returns the length it needed (as snprintf). */
int strom_schema_format(const strom_schema *s, char *buf, size_t cap);

/* ---- Rows ------------------------------------------------------------------ */

typedef struct strom_row strom_row;

/* A row with every column NULL.  The row keeps a reference to the schema. */
strom_row *strom_row_new(const strom_schema *s);
void strom_row_free(strom_row *r);
const strom_schema *strom_row_schema(const strom_row *r);
/* Sets every column to NULL and forgets strings copied into the row. */
void strom_row_clear(strom_row *r);

/* Getters do not convert: the column must have the getter's type (INT may be read
 * with strom_row_get_bigint).  A NULL column reads as 0 / false / "". */
bool strom_row_is_null(const strom_row *r, int col);
bool strom_row_get_bool(const strom_row *r, int col);
int32_t strom_row_get_int(const strom_row *r, int col);
int64_t strom_row_get_bigint(const strom_row *r, int col);
double strom_row_get_double(const strom_row *r, int col);
int64_t strom_row_get_decimal(const strom_row *r, int col); /* unscaled; p <= 18 (wider: _decimal128) */
int64_t strom_row_get_timestamp(const strom_row *r, int col);
/* The nanoseconds within the millisecond (0..999999) of a TIMESTAMP(4..9) column;
 * 0 for NULL and for TIMESTAMP(0..3). */
int32_t strom_row_get_timestamp_nanos(const strom_row *r, int col);
/* The bytes of a VARCHAR column (not NUL-terminated); *len receives the length. */
const char *strom_row_get_str(const strom_row *r, int col, size_t *len);

void strom_row_set_null(strom_row *r, int col);
void strom_row_set_bool(strom_row *r, int col, bool v);
void strom_row_set_int(strom_row *r, int col, int32_t v);
void strom_row_set_bigint(strom_row *r, int col, int64_t v);
void strom_row_set_double(strom_row *r, int col, double v);
void strom_row_set_decimal(strom_row *r, int col, int64_t unscaled);
void strom_row_set_timestamp(strom_row *r, int col, int64_t millis);
/* DECIMAL(p, s) with 18 < p <= 38 holds an unscaled 128-bit integer: its two's
 * complement as a signed high word and an unsigned low word (value = hi * 2^64 + lo).
 * get also reads a narrow DECIMAL (sign-extended); set on a narrow column stores lo.
 * The value must fit the column's precision (|value| < 10^p). */
void strom_row_get_decimal128(const strom_row *r, int col, int64_t *hi, uint64_t *lo);
void strom_row_set_decimal128(strom_row *r, int col, int64_t hi, uint64_t lo);
/* millis and the nanoseconds within that millisecond (0..999999; kept by TIMESTAMP(4..9)
 * columns, ignored by the others).  STROM_EINVAL if nanos is out of range. */
int strom_row_set_timestamp_nanos(strom_row *r, int col, int64_t millis, int32_t nanos);
/* Copies the bytes into storage owned by the row. */
int strom_row_set_str(strom_row *r, int col, const char *s, size_t len);
/* Keeps a pointer to the caller's bytes, which must outlive the row's use
 * (for example the input row of the current call). */
void strom_row_set_str_ref(strom_row *r, int col, const char *s, size_t len);
/* Copies values of src into dst (same column count and types); strings are referenced. */
int strom_row_copy(strom_row *dst, const strom_row *src);

/* The record's event timestamp in milliseconds, or STROM_NO_TIMESTAMP. */
#define STROM_NO_TIMESTAMP INT64_MIN
int64_t strom_row_time(const strom_row *r);
void strom_row_set_time(strom_row *r, int64_t millis);

/* The change a row stands for, as Flink's RowKind: streams that only append carry
 * +I rows; an updating result (a non-windowed aggregation, say) retracts an old row
 * with -U and adds its new value with +U, and -D deletes.  The kind travels with the
 * row across operators and tasks.  A new or cleared row is +I; map carries its
 * input's kind over to the output row, filter passes rows as they are. */
typedef enum strom_row_kind {
  STROM_INSERT = 0,        /* +I */
  STROM_UPDATE_BEFORE = 1, /* -U */
  STROM_UPDATE_AFTER = 2,  /* +U */
  STROM_DELETE = 3,        /* -D */
} strom_row_kind;
strom_row_kind strom_row_get_kind(const strom_row *r);
void strom_row_set_kind(strom_row *r, strom_row_kind k);
/* "+I", "-U", "+U" or "-D". */
const char *strom_row_kind_str(strom_row_kind k);

/* Formats the row as Flink prints a Row: "+I[hello, 3]".  Returns the length needed. */
int strom_row_format(const strom_row *r, char *buf, size_t cap);

/* ---- Environment ------------------------------------------------------------- */

typedef struct strom_env strom_env;
typedef struct strom_stream strom_stream;
typedef struct strom_keyed strom_keyed;
typedef struct strom_output_tag strom_output_tag;
typedef struct strom_results strom_results;

typedef struct strom_env_opts {
  int parallelism;         /* default parallelism of operators; 0 = 1 */
  int max_parallelism;     /* number of key groups; 0 = 128 */
  size_t buffer_size;      /* bytes per network buffer; 0 = 32 KiB */
  int buffers_per_channel; /* buffers (credits) per channel; 0 = 4 */
  int buffer_timeout_ms;   /* longest a partly filled buffer waits; 0 = 100, -1 = flush on full only */
  /* Checkpoints (execution.checkpointing.*, state.checkpoints.*): off when the interval
   * is 0.  The directory gets one chk-<id> folder per checkpoint. */
  int64_t checkpoint_interval_ms;
  const char *checkpoint_dir; /* copied */
  int checkpoints_retained;   /* 0 = 1 */
  bool at_least_once;         /* barriers are not aligned (AT_LEAST_ONCE mode) */
  /* Unaligned checkpoints (execution.checkpointing.unaligned): barriers overtake the
   * data in flight, which is stored in the checkpoint, so checkpoints complete quickly
   * under backpressure.  With aligned_checkpoint_timeout_ms > 0
   * (execution.checkpointing.aligned-checkpoint-timeout) a checkpoint starts aligned
   * and switches to unaligned where its barrier arrives later than that after the
   * trigger.  Exactly-once mode only; savepoints are always aligned. */
  bool unaligned_checkpoints;
  int64_t aligned_checkpoint_timeout_ms;
  /* Resume from this checkpoint or savepoint folder (the one holding _metadata), or the
   * newest complete checkpoint under a checkpoint directory (execution.savepoint.path). */
  const char *restore_path;   /* copied */
  bool allow_non_restored_state; /* drop state of operators the job no longer has */
  /* Restart strategy (restart-strategy.*): on a failure, restart from the newest
   * complete checkpoint.  FIXED_DELAY: up to restart_attempts times, restart_delay_ms
   * apart (the default when restart_attempts > 0).  EXPONENTIAL_DELAY: the delay starts
   * at restart_delay_ms and grows by restart_backoff_multiplier up to
   * restart_max_delay_ms (attempts: restart_attempts, 0 = unlimited).  FAILURE_RATE:
   * gives up when more than restart_attempts failures happen within
   * restart_failure_interval_ms. */
  int restart_strategy;
  int restart_attempts;
  int64_t restart_delay_ms;
  double restart_backoff_multiplier; /* 0 = 2 */
  int64_t restart_max_delay_ms;      /* 0 = 5 minutes */
  int64_t restart_failure_interval_ms;
  /* execution.checkpointing.timeout (0 = 10 minutes), .min-pause (between the end of
   * one checkpoint and the start of the next), .tolerable-failed-checkpoints (the job
   * fails when more consecutive checkpoints fail; -1 = no limit, the default). */
  int64_t checkpoint_timeout_ms;
  int64_t checkpoint_min_pause_ms;
  int checkpoint_tolerable_failures;
  /* strom.pipeline.chain-keyed (a Strom option, off by default as Flink never chains
   * across a keyBy): a one-input keyed operator whose producer and itself both run as
   * a single subtask is chained to the producer, so its rows cross no channel and are
   * not encoded; both then run on one thread (less pipelining, less CPU per record). */
  bool chain_keyed;
  /* pipeline.auto-watermark-interval: how often periodic watermarks are emitted where a
   * strategy sets no interval_ms; 0 = 200 ms, < 0 = never (Flink's 0: only end-of-input,
   * punctuated and idleness watermarks). */
  int64_t auto_watermark_interval_ms;
} strom_env_opts;

enum { STROM_RESTART_NONE = 0, STROM_RESTART_FIXED_DELAY, STROM_RESTART_EXPONENTIAL_DELAY, STROM_RESTART_FAILURE_RATE };

/* opts may be NULL for the defaults. */
strom_env *strom_env_new(const strom_env_opts *opts);
void strom_env_free(strom_env *env);
/* Sets an option by its Flink configuration key: parallelism.default,
 * pipeline.max-parallelism, execution.buffer-timeout (e.g. "100 ms"),
 * taskmanager.memory.segment-size (e.g. "32kb"),
 * taskmanager.network.memory.buffers-per-channel, execution.checkpointing.interval,
 * execution.checkpointing.mode (EXACTLY_ONCE, AT_LEAST_ONCE),
 * execution.checkpointing.unaligned, execution.checkpointing.aligned-checkpoint-timeout,
 * state.checkpoints.dir,
 * state.checkpoints.num-retained, execution.savepoint.path,
 * execution.savepoint.ignore-unclaimed-state, execution.checkpointing.timeout,
 * execution.checkpointing.min-pause, execution.checkpointing.tolerable-failed-checkpoints,
 * execution.checkpointing.max-concurrent-checkpoints (only 1), restart-strategy.type
 * (none, fixed-delay, exponential-delay, failure-rate), restart-strategy.fixed-delay.*
 * (attempts, delay), restart-strategy.exponential-delay.* (initial-backoff,
 * max-backoff, backoff-multiplier, attempts), restart-strategy.failure-rate.*
 * (max-failures-per-interval, failure-rate-interval, delay).  Unknown keys are refused. */
int strom_env_set(strom_env *env, const char *key, const char *value);
/* The message of the last error on this environment, or "" if none. */
const char *strom_env_errmsg(const strom_env *env);

/* Runs the job built on env until every source has ended (bounded) or the job is
 * cancelled or fails.  Returns STROM_OK, STROM_ECANCELED or the failure's code;
 * strom_env_errmsg() then names the operator and subtask that failed. */
int strom_execute(strom_env *env, const char *job_name);
/* Asks a running strom_execute() to stop.  Async-signal-safe. */
void strom_env_cancel(strom_env *env);
/* Takes a savepoint of the job that strom_execute() is running (call it from another
 * thread): a checkpoint in the folder dir, which must not exist yet, kept until you
 * delete it.  With stop, the job then stops (Flink's stop-with-savepoint): sources
 * emit nothing after the savepoint's barrier, every operator commits it, and
 * strom_execute() returns STROM_OK.  Returns at once; the savepoint is complete when
 * strom_env_savepoint_done() returns 1 (or -1 if it failed).  A job resumes from it
 * with restore_path / execution.savepoint.path = dir. */
int strom_env_savepoint(strom_env *env, const char *dir, bool stop);
/* Stop-with-savepoint; with drain (Flink's --drain) the sources first send the maximum
 * watermark, so every event-time window and timer fires and its results are
 * committed with the savepoint — for a job that will not be resumed. */
int strom_env_stop_with_savepoint(strom_env *env, const char *dir, bool drain);
int strom_env_savepoint_done(strom_env *env);
/* The job graph built so far as JSON, in the shape of Flink's getExecutionPlan(): its
 * operators (id, name, source / operator / sink, parallelism) and each one's inputs with
 * their partitioning.  Owned by env (valid until strom_env_free); NULL on failure. */
const char *strom_env_execution_plan(strom_env *env);
/* After strom_execute(): checkpoints completed, and the id of the last one (-1: none);
 * the number of restarts the restart strategy made. */
int64_t strom_env_checkpoints_completed(const strom_env *env);
typedef struct strom_checkpoint_stats {
  int64_t completed;
  int64_t last_duration_ms; /* trigger to _metadata written */
  uint64_t last_bytes;      /* written for the last checkpoint */
  double last_sync_ms;      /* longest a task thread was blocked snapshotting, last checkpoint */
  double max_sync_ms;       /* the same over every checkpoint */
  int64_t unaligned;        /* completed checkpoints that stored in-flight data */
  uint64_t inflight_bytes;  /* in-flight data they stored, in all (before compression) */
} strom_checkpoint_stats;
void strom_env_checkpoint_stats(const strom_env *env, strom_checkpoint_stats *out);
int64_t strom_env_last_checkpoint(const strom_env *env);
int strom_env_restarts(const strom_env *env);
/* Replaces the processing-time clock (milliseconds) of the job: timers, idleness,
 * periodic watermarks and state TTL all read it.  For tests with a virtual clock;
 * the function is called from every task thread.  Default: the wall clock. */
void strom_env_set_clock(strom_env *env, int64_t (*now_ms)(void *data), void *data);

/* ---- User functions ---------------------------------------------------------- */

/* The runtime context of a user function call: which subtask runs it, the user data
 * given with the function, and a way to fail with a message. */
typedef struct strom_ctx strom_ctx;
/* Where a function emits rows (flat_map, process). */
typedef struct strom_out strom_out;

void *strom_ctx_data(strom_ctx *ctx);
int strom_ctx_subtask(const strom_ctx *ctx);     /* 0-based */
int strom_ctx_parallelism(const strom_ctx *ctx);
const char *strom_ctx_operator(const strom_ctx *ctx);
/* Per-subtask storage for the function's own use (set in open, freed in close). */
void *strom_ctx_local(strom_ctx *ctx);
void strom_ctx_set_local(strom_ctx *ctx, void *p);
/* The current event-time watermark of this subtask (INT64_MIN before the first). */
int64_t strom_ctx_watermark(const strom_ctx *ctx);
/* The event timestamp of the record being processed (or the timer's time in
 * on_timer); STROM_NO_TIMESTAMP if it has none. */
int64_t strom_ctx_timestamp(const strom_ctx *ctx);
/* Processing time (the job's clock), in milliseconds. */
int64_t strom_ctx_now(const strom_ctx *ctx);
/* Keyed operators: the current key as a row of the key columns. */
const strom_row *strom_ctx_key(strom_ctx *ctx);
/* Keyed operators: timers for the current key.  A timer fires once in on_timer when
 * the watermark (event time) or the clock (processing time) reaches its time;
 * registering the same key and time twice gives one timer; deleting a timer that is
 * not there does nothing. */
int strom_ctx_register_event_timer(strom_ctx *ctx, int64_t time);
int strom_ctx_delete_event_timer(strom_ctx *ctx, int64_t time);
int strom_ctx_register_processing_timer(strom_ctx *ctx, int64_t time);
int strom_ctx_delete_processing_timer(strom_ctx *ctx, int64_t time);
/* In on_timer: STROM_EVENT_TIME or STROM_PROCESSING_TIME. */
typedef enum strom_time_domain { STROM_EVENT_TIME = 1, STROM_PROCESSING_TIME } strom_time_domain;
strom_time_domain strom_ctx_timer_domain(const strom_ctx *ctx);
/* Window functions: the window being fired ([start, end) in milliseconds). */
int64_t strom_ctx_window_start(const strom_ctx *ctx);
int64_t strom_ctx_window_end(const strom_ctx *ctx);
/* Records a message for the job's error and returns STROM_EUSER, so a function can
 * `return strom_ctx_fail(ctx, "bad price %d", p);`. */
int strom_ctx_fail(strom_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A scratch row of the output's schema, cleared; valid until the next call. */
strom_row *strom_out_row(strom_out *out);
int strom_out_emit(strom_out *out, const strom_row *row);
/* A scratch row for the side output named by tag. */
strom_row *strom_out_side_row(strom_out *out, const strom_output_tag *tag);
int strom_out_emit_side(strom_out *out, const strom_output_tag *tag, const strom_row *row);

/* Each returns STROM_OK or a negative status (use strom_ctx_fail for a message). */
typedef int (*strom_map_fn)(strom_ctx *ctx, const strom_row *in, strom_row *out);
/* Returns 1 to keep the row, 0 to drop it, negative on error. */
typedef int (*strom_filter_fn)(strom_ctx *ctx, const strom_row *in);
typedef int (*strom_flat_map_fn)(strom_ctx *ctx, const strom_row *in, strom_out *out);
typedef int (*strom_reduce_fn)(strom_ctx *ctx, const strom_row *acc, const strom_row *in,
                               strom_row *out);
/* Fills out with event number index; returns 1 if it produced a row, 0 at the end of
 * the data, STROM_GEN_IDLE if it has nothing now (it is called again for the same
 * index after a short pause, so a generator can model an input that is idle), or
 * negative on error. */
#define STROM_GEN_IDLE 2
typedef int (*strom_gen_fn)(strom_ctx *ctx, uint64_t index, strom_row *out);

/* A process function: the general one-input (or, with strom_co_process, two-input)
 * operator.  open and close are optional; finish is called once when all input has
 * ended and may still emit. */
typedef struct strom_process_def {
  int (*open)(strom_ctx *ctx);
  /* input is 0, or 1 for the second stream of strom_co_process(). */
  int (*process)(strom_ctx *ctx, int input, const strom_row *in, strom_out *out);
  int (*finish)(strom_ctx *ctx, strom_out *out);
  void (*close)(strom_ctx *ctx);
  /* Keyed process functions: a timer of the current key fired at time. */
  int (*on_timer)(strom_ctx *ctx, int64_t time, strom_out *out);
  void *data;
  const strom_schema *out_schema; /* NULL: the (first) input's schema */
  /* Keyed process functions that buffer rows outside state (optional): called before
   * a watermark passes the operator, before its state is snapshotted for a checkpoint
   * and before finish, so that what it holds is emitted first (Flink's
   * prepareSnapshotPreBarrier).  The current key is undefined. */
  int (*flush)(strom_ctx *ctx, strom_out *out);
} strom_process_def;

/* ---- Keyed state ---------------------------------------------------------------
 *
 * State is declared in a function's open() with a descriptor and used in its process
 * and on_timer calls.  Keyed state is scoped to the key of the current record (or
 * timer): the same handle reads and writes a different value for every key.  Rows
 * returned by state functions are valid until the next call on the same state.
 * Keyed state exists only in operators on a keyed stream (strom_keyed_process,
 * windows); operator state (one list per subtask) and broadcast state (one map,
 * identical on every subtask) exist everywhere. */

typedef struct strom_state strom_state;

typedef enum strom_state_kind {
  STROM_STATE_VALUE = 1,   /* one row */
  STROM_STATE_LIST,        /* rows, in insertion order */
  STROM_STATE_MAP,         /* key row -> value row */
  STROM_STATE_REDUCING,    /* one row, folded with a reduce function on add */
  STROM_STATE_AGGREGATING, /* an accumulator folded with an aggregate function on add */
} strom_state_kind;

/* An aggregate function (Flink's AggregateFunction): an accumulator row is created,
 * each input is added to it, two accumulators can merge (session windows), and the
 * result is computed from it. */
typedef struct strom_aggregate_def {
  const strom_schema *acc_schema;
  const strom_schema *out_schema;
  int (*create)(strom_ctx *ctx, strom_row *acc);
  /* acc_out starts as a copy of acc. */
  int (*add)(strom_ctx *ctx, const strom_row *in, const strom_row *acc, strom_row *acc_out);
  int (*merge)(strom_ctx *ctx, const strom_row *a, const strom_row *b, strom_row *out); /* optional */
  int (*result)(strom_ctx *ctx, const strom_row *acc, strom_row *out);
  /* add reads only acc_out (holding acc) and updates it: callers may pass one row as
   * both acc and acc_out and skip the copy (Flink's accumulate() is in place). */
  bool add_in_place;
} strom_aggregate_def;

typedef enum strom_ttl_update {
  STROM_TTL_DISABLED = 0,
  STROM_TTL_ON_CREATE_AND_WRITE, /* the clock restarts when the value is written */
  STROM_TTL_ON_READ_AND_WRITE,   /* ... and when it is read */
} strom_ttl_update;

/* Time-to-live, as Flink's StateTtlConfig: an expired value is never returned and is
 * removed when it is next touched or by incremental cleanup.  Time is processing
 * time (the environment's clock, see strom_env_set_clock). */
typedef struct strom_state_ttl {
  int64_t ttl_ms;
  strom_ttl_update update;
} strom_state_ttl;

typedef struct strom_state_desc {
  const char *name;
  strom_state_kind kind;
  const strom_schema *schema;         /* value, list element, map value, reducing value,
                                         aggregating input */
  const strom_schema *map_key_schema; /* MAP */
  strom_reduce_fn reduce;             /* REDUCING */
  const strom_aggregate_def *aggregate; /* AGGREGATING */
  strom_state_ttl ttl;
} strom_state_desc;

/* Keyed state (keyed operators only), operator list state, broadcast map state.
 * Call in open(); the same name twice gives the same state.  NULL on error (the
 * message is recorded for the job). */
strom_state *strom_ctx_state(strom_ctx *ctx, const strom_state_desc *d);
strom_state *strom_ctx_operator_state(strom_ctx *ctx, const strom_state_desc *d);  /* LIST */
strom_state *strom_ctx_broadcast_state(strom_ctx *ctx, const strom_state_desc *d); /* MAP */

/* VALUE, REDUCING: the row; AGGREGATING: the aggregate's result; NULL when empty. */
const strom_row *strom_state_get(strom_state *s);
/* VALUE: replaces the row. */
int strom_state_update(strom_state *s, const strom_row *v);
/* LIST: appends; REDUCING: reduces into the row; AGGREGATING: adds to the accumulator. */
int strom_state_add(strom_state *s, const strom_row *v);
/* Removes the current key's value (any kind). */
void strom_state_clear(strom_state *s);
/* LIST: the number of rows and the i-th row. */
size_t strom_state_list_size(strom_state *s);
const strom_row *strom_state_list_get(strom_state *s, size_t i);
/* LIST: appends rows[0..n) in order, with one lookup of the list (Flink's addAll). */
int strom_state_list_add_all(strom_state *s, const strom_row *const *rows, size_t n);
/* LIST: replaces the whole list. */
int strom_state_list_update(strom_state *s, const strom_row *const *rows, size_t n);
/* LIST: inserts row before element index (at the end when index is past it) and keeps
 * the first max_len elements, dropping those pushed past; nothing when index >= max_len.
 * Only the new row is encoded, where strom_state_list_update rewrites the list (a
 * Top-N's insertion). */
int strom_state_list_insert(strom_state *s, size_t index, const strom_row *row, size_t max_len);
/* MAP */
const strom_row *strom_state_map_get(strom_state *s, const strom_row *key);
int strom_state_map_put(strom_state *s, const strom_row *key, const strom_row *value);
int strom_state_map_remove(strom_state *s, const strom_row *key);
/* Iterates the current key's map: *pos starts at 0; returns 1 with key and value set,
 * 0 at the end.  The map must not change during the iteration. */
int strom_state_map_next(strom_state *s, size_t *pos, const strom_row **key, const strom_row **value);

/* ---- Sources --------------------------------------------------------------- */

#define STROM_UNBOUNDED UINT64_MAX

/* Emits copies of rows[0..n) in order, with parallelism 1. */
strom_stream *strom_from_rows(strom_env *env, const strom_schema *s, const strom_row *const *rows,
                              size_t n);
/* Calls fn for event numbers 0..count-1 (STROM_UNBOUNDED: forever); parallel subtasks
 * each take a contiguous slice, so the data does not depend on the parallelism. */
strom_stream *strom_from_generator(strom_env *env, const strom_schema *s, uint64_t count,
                                   strom_gen_fn fn, void *data);
/* Lines of a text file, schema (line VARCHAR); split by byte ranges across subtasks. */
strom_stream *strom_read_text(strom_env *env, const char *path);

typedef struct strom_csv_opts {
  char delimiter;      /* 0 = ',' */
  bool header;         /* skip the first line */
  bool skip_malformed; /* count and skip bad lines instead of failing the job */
} strom_csv_opts;
/* Rows of a CSV file (RFC 4180 quoting; a record is one line).  opts may be NULL. */
strom_stream *strom_read_csv(strom_env *env, const char *path, const strom_schema *s,
                             const strom_csv_opts *opts);
/* Lines from a TCP server (unbounded until the server closes), schema (line VARCHAR). */
strom_stream *strom_socket_text(strom_env *env, const char *host, int port);

/* ---- Nexmark source --------------------------------------------------------------
 *
 * The Nexmark benchmark's events (an online auction: people, auctions, bids), generated
 * inside the job.  Event number n (0, 1, 2, ...) determines its event: in each epoch of
 * 50 events offset 0 is a person, 1-3 auctions and 4-49 bids; person and auction ids
 * start at 1000; bids favour hot auctions and bidders; event time is 2015-07-15 00:00 UTC
 * plus n * 1e6 / first_event_rate microseconds.  The same seed gives the same events at
 * any parallelism: a bounded source gives each subtask a contiguous slice of event
 * numbers (an unbounded one interleaves them), and checkpoints record each subtask's
 * next event number (resuming needs the same parallelism).
 *
 * Rows have one flattened schema, the source table of Flink's suite with its ROW columns
 * spread out: event_type says which group is set, the other groups are NULL.
 *   event_type INT (0 person, 1 auction, 2 bid)
 *   person_id BIGINT, person_name VARCHAR, person_email_address VARCHAR,
 *   person_credit_card VARCHAR, person_city VARCHAR, person_state VARCHAR,
 *   person_date_time TIMESTAMP(3), person_extra VARCHAR,
 *   auction_id BIGINT, auction_item_name VARCHAR, auction_description VARCHAR,
 *   auction_initial_bid BIGINT, auction_reserve BIGINT, auction_date_time TIMESTAMP(3),
 *   auction_expires TIMESTAMP(3), auction_seller BIGINT, auction_category BIGINT,
 *   auction_extra VARCHAR,
 *   bid_auction BIGINT, bid_bidder BIGINT, bid_price BIGINT, bid_channel VARCHAR,
 *   bid_url VARCHAR, bid_date_time TIMESTAMP(3), bid_extra VARCHAR,
 *   date_time TIMESTAMP(3) (the event's own time, whatever its type)
 * Each row's event timestamp (strom_row_time) is date_time.  Prices are in cents. */
enum {
  STROM_NX_EVENT_TYPE,
  STROM_NX_PERSON_ID, STROM_NX_PERSON_NAME, STROM_NX_PERSON_EMAIL_ADDRESS, STROM_NX_PERSON_CREDIT_CARD,
  STROM_NX_PERSON_CITY, STROM_NX_PERSON_STATE, STROM_NX_PERSON_DATE_TIME, STROM_NX_PERSON_EXTRA,
  STROM_NX_AUCTION_ID, STROM_NX_AUCTION_ITEM_NAME, STROM_NX_AUCTION_DESCRIPTION, STROM_NX_AUCTION_INITIAL_BID,
  STROM_NX_AUCTION_RESERVE, STROM_NX_AUCTION_DATE_TIME, STROM_NX_AUCTION_EXPIRES, STROM_NX_AUCTION_SELLER,
  STROM_NX_AUCTION_CATEGORY, STROM_NX_AUCTION_EXTRA,
  STROM_NX_BID_AUCTION, STROM_NX_BID_BIDDER, STROM_NX_BID_PRICE, STROM_NX_BID_CHANNEL, STROM_NX_BID_URL,
  STROM_NX_BID_DATE_TIME, STROM_NX_BID_EXTRA,
  STROM_NX_DATE_TIME,
  STROM_NX_NCOLS
};

typedef struct strom_nexmark_opts {
  uint64_t events;           /* how many events; STROM_UNBOUNDED (or 0) = forever */
  uint64_t first_event_rate; /* events per second of event time, whole source (first-event.rate); 0 = 10,000,000 */
  double rate_limit;         /* wall-clock events per second for the whole source, each subtask
                              * pacing its share itself; 0 = as fast as possible */
  uint64_t seed;
  /* The columns to emit, by name, comma separated, in the order wanted
   * ("event_type, bid_price, date_time"); NULL = every column in schema order.
   * Columns not asked for are not stored at all (projection pushdown). */
  const char *columns;
} strom_nexmark_opts;

/* The source's schema (a new reference: free it with strom_schema_free). */
strom_schema *strom_nexmark_schema(void);
/* opts may be NULL: unbounded, 10 M events/s of event time, no rate limit, seed 0. */
strom_stream *strom_nexmark_source(strom_env *env, const strom_nexmark_opts *opts);

/* ---- Transformations ---------------------------------------------------------- */

/* out_schema NULL keeps the input's schema. */
strom_stream *strom_map(strom_stream *in, const strom_schema *out_schema, strom_map_fn fn,
                        void *data);
strom_stream *strom_filter(strom_stream *in, strom_filter_fn fn, void *data);
strom_stream *strom_flat_map(strom_stream *in, const strom_schema *out_schema,
                             strom_flat_map_fn fn, void *data);
strom_stream *strom_process(strom_stream *in, const strom_process_def *def);
/* Two inputs, one operator: def->process sees input 0 or 1. */
strom_stream *strom_co_process(strom_stream *a, strom_stream *b, const strom_process_def *def);
/* Both streams must have the same column types. */
strom_stream *strom_union(strom_stream *a, strom_stream *b);

/* Partitions by the named columns, e.g. "word" or "user_id, region": records with
 * equal keys reach the same subtask (via key groups). */
strom_keyed *strom_key_by(strom_stream *in, const char *columns);
/* Emits the running reduction of each key after every record, as Flink's reduce. */
strom_stream *strom_reduce(strom_keyed *in, strom_reduce_fn fn, void *data);

/* Side outputs: a tag names a second output of an operator and its schema. */
strom_output_tag *strom_output_tag_new(strom_env *env, const char *name, const strom_schema *s);
strom_stream *strom_side_output(strom_stream *in, const strom_output_tag *tag);

/* Partitioning of the next edge (default: forward when parallelism is equal, else rebalance). */
strom_stream *strom_rebalance(strom_stream *in);
strom_stream *strom_broadcast(strom_stream *in);
strom_stream *strom_forward(strom_stream *in);

/* Per-operator settings; each returns in. */
strom_stream *strom_set_parallelism(strom_stream *in, int parallelism);
strom_stream *strom_set_name(strom_stream *in, const char *name);
strom_stream *strom_set_uid(strom_stream *in, const char *uid);
/* Starts a new chain at this operator (no chaining with its input). */
strom_stream *strom_start_new_chain(strom_stream *in);
const strom_schema *strom_stream_schema(const strom_stream *in);

/* ---- Event time ------------------------------------------------------------------
 *
 * Records carry an event timestamp; watermarks say "no record older than this is
 * still to come".  A watermark strategy (Flink's WatermarkStrategy) extracts
 * timestamps and generates watermarks right after a source. */

typedef enum strom_watermark_kind {
  STROM_WM_MONOTONOUS = 1, /* timestamps ascend: watermark = max timestamp - 1 */
  STROM_WM_BOUNDED,        /* out of order by at most max_out_of_orderness_ms */
  STROM_WM_CUSTOM,         /* on_event / on_periodic below */
} strom_watermark_kind;

typedef struct strom_watermark_strategy {
  strom_watermark_kind kind;
  int64_t max_out_of_orderness_ms;
  /* The timestamp: a TIMESTAMP(3) or BIGINT (milliseconds) column by name, or a
   * function; neither keeps the record's existing timestamp. */
  const char *timestamp_column;
  int64_t (*timestamp_fn)(strom_ctx *ctx, const strom_row *row);
  /* A subtask that sees no record for this long is idle: it stops holding back the
   * watermark downstream until it gets records again (Flink's withIdleness). */
  int64_t idleness_ms;
  /* Custom generators.  on_event may return a watermark to emit now (punctuated)
   * or INT64_MIN; on_periodic is called every interval and returns a watermark or
   * INT64_MIN.  max_ts is the highest timestamp seen so far. */
  int64_t (*on_event)(strom_ctx *ctx, const strom_row *row, int64_t ts);
  int64_t (*on_periodic)(strom_ctx *ctx, int64_t max_ts);
  void *data;
  /* Periodic emission interval; 0 = the job's pipeline.auto-watermark-interval (200 ms). */
  int64_t interval_ms;
  /* Watermark alignment (Flink 1.15+): sources of the same group whose watermark runs
   * ahead of the group's minimum by more than max_drift_ms pause until it catches up. */
  const char *alignment_group;
  int64_t max_drift_ms;
} strom_watermark_strategy;

strom_stream *strom_assign_timestamps(strom_stream *in, const strom_watermark_strategy *ws);

/* A process function on a keyed stream, with keyed state and timers (Flink's
 * KeyedProcessFunction); def->on_timer receives fired timers. */
strom_stream *strom_keyed_process(strom_keyed *in, const strom_process_def *def);
/* Two keyed streams with the same key types (Flink's KeyedCoProcessFunction). */
strom_stream *strom_keyed_co_process(strom_keyed *a, strom_keyed *b, const strom_process_def *def);

/* ---- Windows --------------------------------------------------------------------- */

typedef enum strom_window_kind {
  STROM_WINDOW_TUMBLING = 1,
  STROM_WINDOW_SLIDING,
  STROM_WINDOW_SESSION,
  STROM_WINDOW_GLOBAL,
} strom_window_kind;

typedef struct strom_window_assigner {
  strom_window_kind kind;
  int64_t size_ms, slide_ms, offset_ms, gap_ms;
  /* Session windows with a dynamic gap: the gap for this record. */
  int64_t (*gap_fn)(strom_ctx *ctx, const strom_row *row);
  bool processing_time; /* assign by the clock instead of the event timestamp */
} strom_window_assigner;

static inline strom_window_assigner strom_tumbling(int64_t size_ms) {
  return (strom_window_assigner){.kind = STROM_WINDOW_TUMBLING, .size_ms = size_ms};
}
static inline strom_window_assigner strom_sliding(int64_t size_ms, int64_t slide_ms) {
  return (strom_window_assigner){.kind = STROM_WINDOW_SLIDING, .size_ms = size_ms, .slide_ms = slide_ms};
}
static inline strom_window_assigner strom_session(int64_t gap_ms) {
  return (strom_window_assigner){.kind = STROM_WINDOW_SESSION, .gap_ms = gap_ms};
}
static inline strom_window_assigner strom_global_window(void) {
  return (strom_window_assigner){.kind = STROM_WINDOW_GLOBAL};
}

typedef enum strom_trigger_kind {
  STROM_TRIGGER_DEFAULT = 0, /* event time (or processing time) at the window's end */
  STROM_TRIGGER_EVENT_TIME,
  STROM_TRIGGER_PROCESSING_TIME,
  STROM_TRIGGER_COUNT,       /* every `count` records (global windows) */
  STROM_TRIGGER_CONTINUOUS_EVENT_TIME, /* every `interval_ms` of event time, and at the end */
  STROM_TRIGGER_CONTINUOUS_PROCESSING_TIME,
} strom_trigger_kind;

typedef struct strom_trigger {
  strom_trigger_kind kind;
  int64_t count, interval_ms;
  bool purging; /* clear the window's contents after each firing (PurgingTrigger) */
} strom_trigger;

typedef struct strom_evictor {
  enum { STROM_EVICT_NONE = 0, STROM_EVICT_COUNT, STROM_EVICT_TIME } kind;
  int64_t count;   /* keep the last `count` records */
  int64_t keep_ms; /* keep records within keep_ms of the newest */
  bool after;      /* evict after the window function instead of before */
} strom_evictor;

/* One window operator (Flink's WindowedStream): choose reduce, aggregate, or only
 * process; reduce/aggregate may be combined with process, which then sees the single
 * pre-aggregated row. */
typedef struct strom_window_def {
  strom_window_assigner assigner;
  strom_trigger trigger;
  strom_evictor evictor;
  int64_t allowed_lateness_ms;
  /* Records too late for every window go here (may be NULL: dropped and counted). */
  const strom_output_tag *late_tag;
  strom_reduce_fn reduce;
  const strom_aggregate_def *aggregate;
  /* Full-window function: rows[0..n) are the window's records (or its one
   * aggregated row); ctx gives the key and the window. */
  int (*process)(strom_ctx *ctx, const strom_row *const *rows, size_t n, strom_out *out);
  const strom_schema *out_schema; /* of process; else of the reduce/aggregate result */
  void *data;
} strom_window_def;

strom_stream *strom_window(strom_keyed *in, const strom_window_def *def);

/* ---- Joins of two keyed streams (event time) ------------------------------------ */

/* Called for each joined pair; emit any number of rows of the join's out_schema. */
typedef int (*strom_join_fn)(strom_ctx *ctx, const strom_row *left, const strom_row *right, strom_out *out);

/* Window join (Flink's a.join(b).where().equalTo().window()): every pair of records with
 * equal keys in the same tumbling or sliding event-time window, when the window fires;
 * the output's timestamp is the window's max timestamp. */
strom_stream *strom_window_join(strom_keyed *left, strom_keyed *right, strom_window_assigner assigner,
                                strom_join_fn fn, const strom_schema *out_schema, void *data);
/* Interval join (Flink's intervalJoin().between(lower, upper)): each left record at time t
 * with every right record of the same key in [t + lower_ms, t + upper_ms], both bounds
 * inclusive; the output's timestamp is the later of the two.  Records older than the
 * watermark are late and dropped; buffered records are removed once no match can come. */
strom_stream *strom_interval_join(strom_keyed *left, strom_keyed *right, int64_t lower_ms, int64_t upper_ms,
                                  strom_join_fn fn, const strom_schema *out_schema, void *data);

/* ---- Sinks ------------------------------------------------------------------- */

/* Each returns STROM_OK or an error (also recorded on the environment). */

/* Prints "+I[...]" lines to stdout, prefixed "N> " when parallelism > 1. */
int strom_print(strom_stream *in);
/* Writes CSV lines to path (parallelism 1) or to files 1..N in directory path. */
int strom_write_csv(strom_stream *in, const char *path);
/* Exactly-once part files (Flink's FileSink, row format): each subtask writes CSV lines
 * to hidden in-progress files in dir (".part-<subtask>-<run>-<n>.inprogress"); a
 * checkpoint's barrier closes the current file (pre-commit) and the checkpoint's
 * completion renames it to its visible name ("part-<subtask>-<run>-<n>"), so readers of
 * dir see every record exactly once.  Restoring from a checkpoint commits what that
 * checkpoint had pre-committed and deletes uncommitted files of earlier runs.  At the
 * end of a bounded input a final checkpoint commits everything.  Without
 * checkpointing, files are committed at the end. */
typedef struct strom_file_sink_opts {
  size_t max_part_bytes; /* roll to a new part file at this size; 0 = 128 MiB */
  const char *prefix;    /* file name prefix; NULL = "part" */
  /* Rolling by processing time (Flink's DefaultRollingPolicy), checked as rows arrive;
   * 0 = off.  A checkpoint always rolls: its files become visible when it completes. */
  int64_t rollover_interval_ms;   /* a part file open this long is rolled */
  int64_t inactivity_interval_ms; /* a row after this long without one starts a new file */
} strom_file_sink_opts;
int strom_write_files(strom_stream *in, const char *dir, const strom_file_sink_opts *opts);
/* Discards every row (counts them). */
int strom_discard(strom_stream *in);
/* Collects every row in memory, for tests and small results; read after execute. */
strom_results *strom_collect(strom_stream *in);
size_t strom_results_count(const strom_results *r);
const strom_row *strom_results_row(const strom_results *r, size_t i);
/* Sorts the collected rows by their formatted text (order across subtasks is arbitrary). */
void strom_results_sort(strom_results *r);

#ifdef __cplusplus
}
#endif
#endif /* STROM_H */
