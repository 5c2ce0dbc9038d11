/*
 * env.c -- the execution environment: options (C struct or Flink configuration
 * keys), the job graph under construction, error recording, and strom_execute(),
 * which hands the graph to the runtime.
 */
#include <ctype.h>
#include <errno.h>
#include <strings.h>

#include <time.h>

#include "api.h"

strom_env *strom_env_new(const strom_env_opts *o) {
  strom_env *env = strom__calloc(1, sizeof *env);
  if (!env) return NULL;
  if (o) env->opts = *o;
  atomic_init(&env->cancel, false);
  env->ckpt_last = -1;
  pthread_mutex_init(&env->savepoint.mu, NULL);
  /* The options' strings are the caller's: keep copies. */
  if (o && o->checkpoint_dir) env->opts.checkpoint_dir = env->checkpoint_dir = strom__strdup(o->checkpoint_dir);
  if (o && o->restore_path) env->opts.restore_path = env->restore_path = strom__strdup(o->restore_path);
  return env;
}

void strom_env_free(strom_env *env) {
  if (!env) return;
  for (int i = env->nowned - 1; i >= 0; i--) env->owned_free[i](env->owned[i]);
  free(env->owned);
  free(env->owned_free);
  strom__jg_free(&env->graph);
  free(env->err_msg);
  free(env->checkpoint_dir);
  free(env->restore_path);
  free(env->savepoint.dir);
  pthread_mutex_destroy(&env->savepoint.mu);
  free(env);
}

int strom__env_own(strom_env *env, void *p, void (*fn)(void *)) {
  void **o = strom__realloc(env->owned, (size_t)(env->nowned + 1) * sizeof *o);
  if (!o) return STROM_ENOMEM;
  env->owned = o;
  void (**f)(void *) = strom__realloc(env->owned_free, (size_t)(env->nowned + 1) * sizeof *f);
  if (!f) return STROM_ENOMEM;
  env->owned_free = f;
  env->owned[env->nowned] = p;
  env->owned_free[env->nowned++] = fn;
  return STROM_OK;
}

void *strom__env_error(strom_env *env, int rc, const char *fmt, ...) {
  if (!env || env->err_rc) return NULL;
  va_list ap;
  va_start(ap, fmt);
  env->err_rc = rc;
  env->err_msg = strom__vaprintf(fmt, ap);
  va_end(ap);
  return NULL;
}

const char *strom_env_errmsg(const strom_env *env) {
  return env && env->err_msg ? env->err_msg : "";
}

void strom_env_set_clock(strom_env *env, int64_t (*now_ms)(void *), void *data) {
  if (!env) return;
  env->now_ms = now_ms;
  env->clock_data = data;
}

void strom_env_cancel(strom_env *env) {
  if (env) atomic_store(&env->cancel, true);
}

/* "100 ms", "2s", "1 min" -> milliseconds; -1 stays -1. */
static int parse_duration_ms(const char *v, long *out) {
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (end == v || errno) return -1;
  while (isspace((unsigned char)*end)) end++;
  long mul = 1;
  if (!*end || !strcasecmp(end, "ms") || !strcasecmp(end, "milli") || !strcasecmp(end, "millis")) mul = 1;
  else if (!strcasecmp(end, "s") || !strcasecmp(end, "sec") || !strcasecmp(end, "second") || !strcasecmp(end, "seconds")) mul = 1000;
  else if (!strcasecmp(end, "min") || !strcasecmp(end, "minute") || !strcasecmp(end, "minutes")) mul = 60000;
  else return -1;
  *out = n < 0 ? -1 : n * mul;
  return 0;
}

/* "32kb", "1 mb", "4096" -> bytes. */
static int parse_size(const char *v, size_t *out) {
  char *end;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (end == v || errno || n <= 0) return -1;
  while (isspace((unsigned char)*end)) end++;
  long long mul = 1;
  if (!*end || !strcasecmp(end, "b")) mul = 1;
  else if (!strcasecmp(end, "k") || !strcasecmp(end, "kb")) mul = 1024;
  else if (!strcasecmp(end, "m") || !strcasecmp(end, "mb")) mul = 1024 * 1024;
  else return -1;
  *out = (size_t)(n * mul);
  return 0;
}

static int parse_int(const char *v, int lo, int hi, int *out) {
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  while (isspace((unsigned char)*end)) end++;
  if (end == v || *end || errno || n < lo || n > hi) return -1;
  *out = (int)n;
  return 0;
}

static int set_string(char **owned, const char **opt, const char *value) {
  char *v = strom__strdup(value);
  if (!v) return STROM_ENOMEM;
  free(*owned);
  *owned = v;
  *opt = v;
  return STROM_OK;
}

static int parse_bool(const char *v, bool *out) {
  if (!strcasecmp(v, "true")) *out = true;
  else if (!strcasecmp(v, "false")) *out = false;
  else return -1;
  return 0;
}

static int request_savepoint(strom_env *env, const char *dir, bool stop, bool drain) {
  if (!env || !dir || !*dir) return STROM_EINVAL;
  char *d = strom__strdup(dir);
  if (!d) return STROM_ENOMEM;
  pthread_mutex_lock(&env->savepoint.mu);
  int rc = STROM_OK;
  if (env->savepoint.dir) rc = STROM_ESTATE; /* one at a time */
  else env->savepoint.dir = d, env->savepoint.stop = stop, env->savepoint.drain = drain, env->savepoint.done = 0;
  pthread_mutex_unlock(&env->savepoint.mu);
  if (rc) free(d);
  return rc;
}

int strom_env_savepoint(strom_env *env, const char *dir, bool stop) { return request_savepoint(env, dir, stop, false); }

int strom_env_stop_with_savepoint(strom_env *env, const char *dir, bool drain) {
  return request_savepoint(env, dir, true, drain);
}

int strom_env_savepoint_done(strom_env *env) {
  if (!env) return -1;
  pthread_mutex_lock(&env->savepoint.mu);
  int done = env->savepoint.done;
  pthread_mutex_unlock(&env->savepoint.mu);
  return done;
}

void strom_env_checkpoint_stats(const strom_env *env, strom_checkpoint_stats *out) {
  if (env && out) *out = env->ckpt_stats;
}

int64_t strom_env_checkpoints_completed(const strom_env *env) { return env ? env->ckpt_completed : 0; }
int64_t strom_env_last_checkpoint(const strom_env *env) { return env ? env->ckpt_last : -1; }
int strom_env_restarts(const strom_env *env) { return env ? env->restarts : 0; }

int strom_env_set(strom_env *env, const char *key, const char *value) {
  if (!env || !key || !value) return STROM_EINVAL;
  int bad = 0;
  long ms;
  if (!strcmp(key, "parallelism.default")) bad = parse_int(value, 1, 1024, &env->opts.parallelism);
  else if (!strcmp(key, "pipeline.max-parallelism")) bad = parse_int(value, 1, 32768, &env->opts.max_parallelism);
  else if (!strcmp(key, "taskmanager.network.memory.buffers-per-channel")) bad = parse_int(value, 1, 1024, &env->opts.buffers_per_channel);
  else if (!strcmp(key, "taskmanager.memory.segment-size")) bad = parse_size(value, &env->opts.buffer_size);
  else if (!strcmp(key, "execution.buffer-timeout")) {
    bad = parse_duration_ms(value, &ms);
    if (!bad) env->opts.buffer_timeout_ms = ms == 0 ? 1 : (int)ms;
  } else if (!strcmp(key, "execution.checkpointing.interval")) {
    bad = parse_duration_ms(value, &ms);
    if (!bad) env->opts.checkpoint_interval_ms = ms < 0 ? 0 : ms;
  } else if (!strcmp(key, "execution.checkpointing.mode")) {
    if (!strcasecmp(value, "EXACTLY_ONCE")) env->opts.at_least_once = false;
    else if (!strcasecmp(value, "AT_LEAST_ONCE")) env->opts.at_least_once = true;
    else bad = 1;
  } else if (!strcmp(key, "execution.checkpointing.unaligned")) {
    bad = parse_bool(value, &env->opts.unaligned_checkpoints);
  } else if (!strcmp(key, "execution.checkpointing.aligned-checkpoint-timeout") ||
             !strcmp(key, "execution.checkpointing.alignment-timeout")) {
    bad = parse_duration_ms(value, &ms);
    if (!bad) env->opts.aligned_checkpoint_timeout_ms = ms < 0 ? 0 : ms;
  } else if (!strcmp(key, "pipeline.auto-watermark-interval")) {
    bad = parse_duration_ms(value, &ms) || ms < 0;
    if (!bad) env->opts.auto_watermark_interval_ms = ms == 0 ? -1 : ms; /* Flink's 0 turns them off */
  } else if (!strcmp(key, "strom.pipeline.chain-keyed")) {
    bad = parse_bool(value, &env->opts.chain_keyed);
  } else if (!strcmp(key, "state.checkpoints.dir")) {
    if (set_string(&env->checkpoint_dir, &env->opts.checkpoint_dir, value)) return STROM_ENOMEM;
  } else if (!strcmp(key, "state.checkpoints.num-retained")) {
    bad = parse_int(value, 1, 1000, &env->opts.checkpoints_retained);
  } else if (!strcmp(key, "execution.savepoint.path")) {
    if (set_string(&env->restore_path, &env->opts.restore_path, value)) return STROM_ENOMEM;
  } else if (!strcmp(key, "execution.savepoint.ignore-unclaimed-state")) {
    bad = parse_bool(value, &env->opts.allow_non_restored_state);
  } else if (!strcmp(key, "restart-strategy.type")) {
    static const char *names[] = {"none", "fixed-delay", "exponential-delay", "failure-rate"};
    bad = 1;
    for (int i = 0; i < 4; i++)
      if (!strcasecmp(value, names[i])) env->opts.restart_strategy = i, bad = 0;
    if (!strcasecmp(value, "disable")) env->opts.restart_strategy = STROM_RESTART_NONE, bad = 0;
    if (!bad && env->opts.restart_strategy == STROM_RESTART_FIXED_DELAY && !env->opts.restart_attempts)
      env->opts.restart_attempts = 1;
  } else if (!strcmp(key, "restart-strategy.fixed-delay.attempts") ||
             !strcmp(key, "restart-strategy.exponential-delay.attempts") ||
             !strcmp(key, "restart-strategy.failure-rate.max-failures-per-interval")) {
    bad = parse_int(value, 0, 1000000, &env->opts.restart_attempts);
  } else if (!strcmp(key, "restart-strategy.fixed-delay.delay") || !strcmp(key, "restart-strategy.failure-rate.delay") ||
             !strcmp(key, "restart-strategy.exponential-delay.initial-backoff")) {
    bad = parse_duration_ms(value, &ms);
    if (!bad) env->opts.restart_delay_ms = ms < 0 ? 0 : ms;
  } else if (!strcmp(key, "restart-strategy.exponential-delay.max-backoff")) {
    bad = parse_duration_ms(value, &ms);
    if (!bad) env->opts.restart_max_delay_ms = ms < 0 ? 0 : ms;
  } else if (!strcmp(key, "restart-strategy.exponential-delay.backoff-multiplier")) {
    char *end;
    double m = strtod(value, &end);
    bad = *end || m < 1.0 || m > 1000;
    if (!bad) env->opts.restart_backoff_multiplier = m;
  } else if (!strcmp(key, "restart-strategy.failure-rate.failure-rate-interval")) {
    bad = parse_duration_ms(value, &ms);
    if (!bad) env->opts.restart_failure_interval_ms = ms < 0 ? 0 : ms;
  } else if (!strcmp(key, "execution.checkpointing.timeout")) {
    bad = parse_duration_ms(value, &ms);
    if (!bad) env->opts.checkpoint_timeout_ms = ms < 0 ? 0 : ms;
  } else if (!strcmp(key, "execution.checkpointing.min-pause")) {
    bad = parse_duration_ms(value, &ms);
    if (!bad) env->opts.checkpoint_min_pause_ms = ms < 0 ? 0 : ms;
  } else if (!strcmp(key, "execution.checkpointing.tolerable-failed-checkpoints")) {
    int n;
    bad = parse_int(value, 0, 1000000, &n);
    if (!bad) env->opts.checkpoint_tolerable_failures = n + 1; /* stored +1: 0 means "no limit" */
  } else if (!strcmp(key, "execution.checkpointing.max-concurrent-checkpoints")) {
    int n;
    bad = parse_int(value, 1, 1, &n);
    if (bad) {
      strom__env_error(env, STROM_ENOTSUP, "option '%s': only one checkpoint at a time is supported", key);
      return STROM_ENOTSUP;
    }
  } else {
    strom__env_error(env, STROM_EINVAL,
                     "unknown option '%s' (known: parallelism.default, pipeline.max-parallelism, "
                     "pipeline.auto-watermark-interval, "
                     "execution.buffer-timeout, taskmanager.memory.segment-size, "
                     "taskmanager.network.memory.buffers-per-channel, execution.checkpointing.interval, "
                     "execution.checkpointing.mode, execution.checkpointing.unaligned, "
                     "execution.checkpointing.aligned-checkpoint-timeout, state.checkpoints.dir, "
                     "state.checkpoints.num-retained, execution.savepoint.path, "
                     "execution.savepoint.ignore-unclaimed-state, restart-strategy.type, "
                     "restart-strategy.fixed-delay.attempts, restart-strategy.fixed-delay.delay, "
                     "restart-strategy.exponential-delay.*, restart-strategy.failure-rate.*, "
                     "execution.checkpointing.timeout, execution.checkpointing.min-pause, "
                     "execution.checkpointing.tolerable-failed-checkpoints, "
                     "execution.checkpointing.max-concurrent-checkpoints, strom.pipeline.chain-keyed)", key);
    return STROM_EINVAL;
  }
  if (bad) {
    strom__env_error(env, STROM_EINVAL, "option '%s': invalid value '%s'", key, value);
    return STROM_EINVAL;
  }
  return STROM_OK;
}

/* The restart strategy's answer to a failure (the n-th restart so far): the delay
 * before restarting, or -1 to give up.  failures keeps recent failure times. */
static int64_t restart_delay(const strom_env_opts *o, int n, int64_t *failures, int *nfailures, int64_t now) {
  int kind = o->restart_strategy;
  if (!kind && o->restart_attempts > 0) kind = STROM_RESTART_FIXED_DELAY;
  switch (kind) {
    case STROM_RESTART_FIXED_DELAY: return n < o->restart_attempts ? o->restart_delay_ms : -1;
    case STROM_RESTART_EXPONENTIAL_DELAY: {
      if (o->restart_attempts && n >= o->restart_attempts) return -1;
      double d = o->restart_delay_ms > 0 ? (double)o->restart_delay_ms : 1000;
      double mult = o->restart_backoff_multiplier >= 1 ? o->restart_backoff_multiplier : 2;
      double max = o->restart_max_delay_ms > 0 ? (double)o->restart_max_delay_ms : 300000;
      for (int i = 0; i < n && d < max; i++) d *= mult;
      return (int64_t)(d < max ? d : max);
    }
    case STROM_RESTART_FAILURE_RATE: {
      /* Failures within the interval, this one included. */
      int64_t interval = o->restart_failure_interval_ms > 0 ? o->restart_failure_interval_ms : 60000;
      int k = 0;
      for (int i = 0; i < *nfailures; i++)
        if (now - failures[i] < interval) failures[k++] = failures[i];
      if (k < 64) failures[k++] = now;
      *nfailures = k;
      int max = o->restart_attempts > 0 ? o->restart_attempts : 1;
      return k > max ? -1 : o->restart_delay_ms;
    }
    default: return -1;
  }
}

int strom_execute(strom_env *env, const char *job_name) {
  if (!env) return STROM_EINVAL;
  if (env->err_rc) return env->err_rc;
  if (env->executed) {
    strom__env_error(env, STROM_ESTATE, "the job was already executed; build a new environment");
    return STROM_ESTATE;
  }
  env->executed = true;
  strom_env_opts *o = &env->opts;
  if (o->unaligned_checkpoints && o->at_least_once) {
    strom__env_error(env, STROM_EINVAL, "unaligned checkpoints need execution.checkpointing.mode EXACTLY_ONCE");
    return STROM_EINVAL;
  }
  strom_job_opts jo = {
      .parallelism = o->parallelism > 0 ? o->parallelism : 1,
      .max_parallelism = o->max_parallelism > 0 ? o->max_parallelism : 128,
      .buffer_size = o->buffer_size >= 256 ? o->buffer_size : 32 * 1024,
      .buffers_per_channel = o->buffers_per_channel > 0 ? o->buffers_per_channel : 4,
      .buffer_timeout_ms = o->buffer_timeout_ms == 0 ? 100 : o->buffer_timeout_ms,
      .external_cancel = &env->cancel,
      .now_ms = env->now_ms,
      .clock_data = env->clock_data,
  };
  jo.ckpt_interval_ms = o->checkpoint_interval_ms;
  jo.ckpt_dir = o->checkpoint_dir;
  jo.ckpt_retained = o->checkpoints_retained;
  jo.at_least_once = o->at_least_once;
  jo.unaligned = o->unaligned_checkpoints;
  jo.aligned_timeout_ms = o->aligned_checkpoint_timeout_ms;
  jo.restore_path = o->restore_path;
  jo.allow_non_restored_state = o->allow_non_restored_state;
  jo.job_name = job_name;
  jo.chain_keyed = o->chain_keyed;
  jo.wm_interval_ms = o->auto_watermark_interval_ms == 0 ? 200 : o->auto_watermark_interval_ms;
  jo.savepoint = &env->savepoint;
  jo.ckpt_timeout_ms = o->checkpoint_timeout_ms > 0 ? o->checkpoint_timeout_ms : 600000;
  jo.ckpt_min_pause_ms = o->checkpoint_min_pause_ms;
  jo.ckpt_tolerable = o->checkpoint_tolerable_failures > 0 ? o->checkpoint_tolerable_failures - 1 : -1;
  strom__log(STROM_LOG_INFO, "executing job '%s'", job_name ? job_name : "(unnamed)");
  int rc;
  int64_t failures[64];
  int nfailures = 0;
  for (;;) {
    char *msg = NULL;
    strom_job_stats st = {.ckpt_last = -1};
    rc = strom__job_run(&env->graph, &jo, &msg, &st);
    env->ckpt_completed += st.ckpt_completed;
    if (st.ckpt_last >= 0) env->ckpt_last = st.ckpt_last;
    if (st.ckpt_completed) {
      env->ckpt_stats.last_duration_ms = st.last_duration_ms;
      env->ckpt_stats.last_bytes = st.last_bytes;
      env->ckpt_stats.last_sync_ms = (double)st.last_sync_ns / 1e6;
    }
    if ((double)st.max_sync_ns / 1e6 > env->ckpt_stats.max_sync_ms) env->ckpt_stats.max_sync_ms = (double)st.max_sync_ns / 1e6;
    env->ckpt_stats.completed = env->ckpt_completed;
    env->ckpt_stats.unaligned += st.unaligned;
    env->ckpt_stats.inflight_bytes += st.inflight_bytes;
    int64_t delay = restart_delay(o, env->restarts, failures, &nfailures, strom__now_ms());
    bool restart = rc && rc != STROM_ECANCELED && !atomic_load(&env->cancel) && delay >= 0 && jo.ckpt_interval_ms > 0 &&
                   jo.ckpt_dir;
    if (!restart) {
      if (rc) {
        free(env->err_msg);
        env->err_msg = msg ? msg : strom__strdup(strom_strerror(rc));
        env->err_rc = rc;
      } else {
        free(msg);
      }
      break;
    }
    env->restarts++;
    strom__log(STROM_LOG_WARN, "job failed (%s); restart %d in %lld ms", msg ? msg : strom_strerror(rc), env->restarts,
               (long long)delay);
    free(msg);
    if (delay > 0) {
      struct timespec d = {delay / 1000, (long)(delay % 1000) * 1000000};
      nanosleep(&d, NULL);
    }
    if (env->ckpt_last >= 0 || strom__has_checkpoint(jo.ckpt_dir)) jo.restore_path = jo.ckpt_dir;
  }
  return rc;
}
