/*
 * test_checkpoint.c -- checkpoints end to end: they complete periodically and old ones
 * are retired; a job resumed from a checkpoint ends with exactly the state of an
 * uninterrupted run; and the chaos test kills a job with SIGKILL at random points over
 * twenty times, restarting it from its latest checkpoint each time, and compares the
 * committed output of the exactly-once file sink with what the input must give:
 * nothing lost, nothing duplicated.
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static void sleep_ms(int ms) { nanosleep(&(struct timespec){ms / 1000, (long)(ms % 1000) * 1000000}, NULL); }

static void rm_rf(const char *path) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd)) fprintf(stderr, "  (could not remove %s)\n", path);
}

static char *tmpdir(const char *tag) {
  static char buf[4][128];
  static int k;
  char *p = buf[k++ % 4];
  snprintf(p, 128, "/tmp/strom-ckpt-%s-%d-XXXXXX", tag, (int)getpid());
  return mkdtemp(p);
}

/* Complete checkpoints (folders with a _metadata) in dir. */
static int count_complete(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    if (strncmp(e->d_name, "chk-", 4)) continue;
    char p[512];
    snprintf(p, sizeof p, "%s/%s/_metadata", dir, e->d_name);
    n += access(p, F_OK) == 0;
  }
  if (d) closedir(d);
  return n;
}

/* ---- a keyed sum whose state must survive ---- */

enum { KEYS = 50 };
static uint64_t N_EVENTS = 300000;

/* Event i: key i % 50, value i % 7, time i ms; a 1 ms pause every 100 events keeps the
 * job running long enough to be checkpointed (and killed). */
/* Events from hold_from on wait (idle) until it is lifted: a run that is to be cancelled
 * mid-stream cannot reach the end first, however slow the machine. */
static atomic_uint_fast64_t hold_from = UINT64_MAX;

/* The thread that last generated and last summed (the chaining test compares them). */
static _Atomic(pthread_t) gen_thread, sum_thread;
/* Events generated so far: a test that acts on a running job waits for some. */
static atomic_uint_fast64_t generated;

static int gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  atomic_store(&gen_thread, pthread_self());
  static _Thread_local uint64_t paused_at = UINT64_MAX;
  if (i >= N_EVENTS) return 0;
  if (i >= atomic_load(&hold_from)) return STROM_GEN_IDLE;
  if (i % 100 == 0 && paused_at != i) {
    paused_at = i;
    return STROM_GEN_IDLE;
  }
  strom_row_set_bigint(out, 0, (int64_t)(i % KEYS));
  strom_row_set_bigint(out, 1, (int64_t)(i % 7));
  strom_row_set_bigint(out, 2, (int64_t)i);
  atomic_fetch_add(&generated, 1);
  return 1;
}

static strom_schema *in_schema(void) { return strom_schema_parse("k BIGINT, v BIGINT, ts BIGINT", NULL, 0); }

static strom_state_desc sum_desc;

static int sum_open(strom_ctx *ctx) {
  strom_ctx_set_local(ctx, strom_ctx_state(ctx, &sum_desc));
  return strom_ctx_local(ctx) ? 0 : STROM_ESTATE;
}

static int sum_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  (void)out;
  strom_state *st = strom_ctx_local(ctx);
  atomic_store(&sum_thread, pthread_self());
  const strom_row *cur = strom_state_get(st);
  strom_row *next = strom_row_new(sum_desc.schema);
  strom_row_set_bigint(next, 0, (cur ? strom_row_get_bigint(cur, 0) : 0) + strom_row_get_bigint(in, 1));
  int rc = strom_state_update(st, next);
  strom_row_free(next);
  return rc ? rc : strom_ctx_register_event_timer(ctx, 1);
}

/* Fires at the end of the input (the final watermark): the key's total. */
static int sum_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  (void)time;
  const strom_row *cur = strom_state_get(strom_ctx_local(ctx));
  strom_row *r = strom_out_row(out);
  strom_row_set_bigint(r, 0, strom_row_get_bigint(strom_ctx_key(ctx), 0));
  strom_row_set_bigint(r, 1, cur ? strom_row_get_bigint(cur, 0) : -1);
  strom_row_set_bigint(r, 2, 0);
  return strom_out_emit(out, r);
}

typedef struct run {
  strom_env *env;
  int rc;
} run;

static void *run_bg(void *arg) {
  run *r = arg;
  r->rc = strom_execute(r->env, "keyed sum");
  return NULL;
}

/* Runs env's job on another thread until dir holds n complete checkpoints (or the job
 * ends), then cancels it. */
static run run_until_checkpoints(strom_env *env, const char *dir, int n) {
  run r = {.env = env};
  pthread_t th;
  pthread_create(&th, NULL, run_bg, &r);
  for (int i = 0; i < 30000 && count_complete(dir) < n; i++) sleep_ms(1);
  strom_env_cancel(env);
  pthread_join(th, NULL);
  return r;
}

/* The same with the sources holding in from event hold on (each in its slice), so
 * that the run is cancelled mid-stream however slow the machine. */
static run run_held_until_checkpoints(strom_env *env, const char *dir, int n, uint64_t hold) {
  atomic_store(&hold_from, hold);
  run r = run_until_checkpoints(env, dir, n);
  atomic_store(&hold_from, UINT64_MAX);
  return r;
}

static int src_par = 2; /* the source's parallelism in keyed_sum_job */
static bool chain_keyed;  /* strom.pipeline.chain-keyed in cancel_and_resume */

static strom_results *keyed_sum_job(strom_env *env, strom_schema *s) {
  strom_process_def def = {.open = sum_open, .process = sum_process, .on_timer = sum_timer};
  strom_stream *src = strom_set_uid(strom_set_parallelism(strom_from_generator(env, s, N_EVENTS, gen, NULL), src_par), "source");
  return strom_collect(strom_set_uid(strom_keyed_process(strom_key_by(src, "k"), &def), "sum"));
}

TEST(checkpoints_complete_periodically_and_old_ones_are_retired) {
  char *dir = tmpdir("periodic");
  strom_schema *s = in_schema(), *vs = strom_schema_parse("total BIGINT", NULL, 0);
  sum_desc = (strom_state_desc){.name = "total", .kind = STROM_STATE_VALUE, .schema = vs};
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 3});
  CHECK_INT(strom_env_set(env, "execution.checkpointing.interval", "50 ms"), STROM_OK);
  CHECK_INT(strom_env_set(env, "state.checkpoints.dir", dir), STROM_OK);
  CHECK_INT(strom_env_set(env, "state.checkpoints.num-retained", "2"), STROM_OK);
  keyed_sum_job(env, s);
  int rc = strom_execute(env, "periodic");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  CHECK_INT(rc, STROM_OK);
  printf("  %lld checkpoints completed\n", (long long)strom_env_checkpoints_completed(env));
  CHECK(strom_env_checkpoints_completed(env) >= 2);
  CHECK_INT(count_complete(dir), 2);
  strom_env_free(env);
  strom_schema_free(s);
  strom_schema_free(vs);
  rm_rf(dir);
}

static void expected_sums(int64_t *want) {
  memset(want, 0, KEYS * sizeof *want);
  for (uint64_t i = 0; i < N_EVENTS; i++) want[i % KEYS] += (int64_t)(i % 7);
}

static bool check_sums(strom_results *r, const int64_t *want) {
  if (strom_results_count(r) != KEYS) {
    fprintf(stderr, "  %zu results, expected %d\n", strom_results_count(r), KEYS);
    return false;
  }
  for (size_t i = 0; i < KEYS; i++) {
    const strom_row *row = strom_results_row(r, i);
    int64_t k = strom_row_get_bigint(row, 0), v = strom_row_get_bigint(row, 1);
    if (k < 0 || k >= KEYS || v != want[k]) {
      fprintf(stderr, "  key %lld: %lld, expected %lld\n", (long long)k, (long long)v, k >= 0 && k < KEYS ? (long long)want[k] : -1LL);
      return false;
    }
  }
  return true;
}

/* Runs the job with checkpoints, cancels it once one is complete, and resumes it at
 * parallelism par from the directory: the totals must be exact. */
static bool cancel_and_resume(int par_before, int par_after, const char *dir) {
  strom_schema *s = in_schema(), *vs = strom_schema_parse("total BIGINT", NULL, 0);
  sum_desc = (strom_state_desc){.name = "total", .kind = STROM_STATE_VALUE, .schema = vs};
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par_before, .checkpoint_interval_ms = 30, .checkpoint_dir = dir,
                                                   .checkpoints_retained = 3, .chain_keyed = chain_keyed});
  keyed_sum_job(env, s);
  run r = run_held_until_checkpoints(env, dir, 2, N_EVENTS / 4);
  bool same_thread = pthread_equal(atomic_load(&gen_thread), atomic_load(&sum_thread));
  if (chain_keyed && par_before == 1 && !same_thread) fprintf(stderr, "  the keyed operator did not chain to its source\n");
  /* Cancelled mid-stream (a finished job would resume from its final checkpoint, with
   * nothing left to do). */
  bool ok = r.rc == STROM_ECANCELED && count_complete(dir) >= 1 && same_thread == (chain_keyed && par_before == 1);
  if (!ok) fprintf(stderr, "  first run: %d (%s), %d checkpoints\n", r.rc, strom_env_errmsg(env), count_complete(dir));
  strom_env_free(env);
  env = strom_env_new(&(strom_env_opts){.parallelism = par_after, .restore_path = dir, .chain_keyed = chain_keyed});
  strom_results *res = keyed_sum_job(env, s);
  int rc = strom_execute(env, "resumed");
  if (rc) fprintf(stderr, "  resumed run: %s\n", strom_env_errmsg(env));
  int64_t want[KEYS];
  expected_sums(want);
  ok = ok && rc == STROM_OK && check_sums(res, want);
  strom_env_free(env);
  strom_schema_free(s);
  strom_schema_free(vs);
  return ok;
}

TEST(resumed_job_has_exactly_the_state_of_an_uninterrupted_run) {
  char *dir = tmpdir("resume");
  CHECK(cancel_and_resume(2, 2, dir));
  rm_rf(dir);
}

TEST(resume_at_another_parallelism_redistributes_key_groups) {
  for (int after = 1; after <= 4; after += 3) {
    char *dir = tmpdir("rescale");
    bool ok = cancel_and_resume(2, after, dir);
    rm_rf(dir);
    CHECK(ok);
  }
}

/* strom.pipeline.chain-keyed: at parallelism 1 the keyed operator runs on its source's
 * thread (no channel), checkpoints and resumes exactly, also at parallelism 3 (a hash
 * exchange again) and back. */
TEST(keyed_operator_chained_at_parallelism_1_resumes_and_rescales) {
  src_par = 1, chain_keyed = true;
  const int runs[][2] = {{1, 1}, {1, 3}, {3, 1}};
  for (int i = 0; i < 3; i++) {
    char *dir = tmpdir("chained");
    bool ok = cancel_and_resume(runs[i][0], runs[i][1], dir);
    rm_rf(dir);
    CHECK(ok);
  }
  src_par = 2, chain_keyed = false;
}

static int add_v(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_copy(out, in);
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + strom_row_get_bigint(in, 1));
  return 0;
}

static strom_results *reduce_job(strom_env *env, strom_schema *s) {
  strom_stream *src = strom_set_uid(strom_set_parallelism(strom_from_generator(env, s, N_EVENTS, gen, NULL), 2), "source");
  return strom_collect(strom_set_uid(strom_reduce(strom_key_by(src, "k"), add_v, NULL), "reduce"));
}

TEST(keyed_reduce_state_survives_a_resume) {
  char *dir = tmpdir("reduce");
  strom_schema *s = in_schema();
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 30, .checkpoint_dir = dir,
                                                   .checkpoints_retained = 3});
  reduce_job(env, s);
  run r = run_held_until_checkpoints(env, dir, 2, N_EVENTS / 4);
  strom_env_free(env);
  CHECK_INT(r.rc, STROM_ECANCELED);
  CHECK(count_complete(dir) >= 1);
  env = strom_env_new(&(strom_env_opts){.parallelism = 3, .restore_path = dir});
  strom_results *res = reduce_job(env, s);
  CHECK_INT(strom_execute(env, "reduce resumed"), STROM_OK);
  /* The reduce emits every update: each key's last (largest) value is its total. */
  int64_t want[KEYS], got[KEYS] = {0};
  expected_sums(want);
  for (size_t i = 0; i < strom_results_count(res); i++) {
    const strom_row *row = strom_results_row(res, i);
    int64_t k = strom_row_get_bigint(row, 0), v = strom_row_get_bigint(row, 1);
    if (k >= 0 && k < KEYS && v > got[k]) got[k] = v;
  }
  for (int k = 0; k < KEYS; k++) CHECK_INT(got[k], want[k]);
  strom_env_free(env);
  strom_schema_free(s);
  rm_rf(dir);
}

/* ---- lists, maps and timers through copy-on-write checkpoints ----
 *
 * Per key, each second of event time is a bucket: its values go into a LIST and a MAP
 * (value -> count), and a timer at the bucket's end folds them into a checksum and
 * clears them, deleting a second timer half a second later that must never fire.  So
 * timers fire, are deleted and lists and maps change while checkpoints are being
 * written; the checksums after a cancel and a resume at another parallelism must
 * equal those computed here. */

enum { FINAL_TIMER = 1000000000 };
static strom_state_desc lm_list, lm_map, lm_acc;

typedef struct lm_states {
  strom_state *list, *map, *acc;
} lm_states;

static int lm_open(strom_ctx *ctx) {
  lm_states *st = calloc(1, sizeof *st);
  st->list = strom_ctx_state(ctx, &lm_list);
  st->map = strom_ctx_state(ctx, &lm_map);
  st->acc = strom_ctx_state(ctx, &lm_acc);
  strom_ctx_set_local(ctx, st);
  return st->list && st->map && st->acc ? 0 : STROM_ESTATE;
}

static void lm_close(strom_ctx *ctx) { free(strom_ctx_local(ctx)); }

static int lm_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  (void)out;
  lm_states *st = strom_ctx_local(ctx);
  int64_t v = strom_row_get_bigint(in, 1), ts = strom_row_get_bigint(in, 2);
  /* A bucket's timer may fire after records of the next one arrived: elements carry
   * their bucket. */
  strom_row *r = strom_row_new(lm_list.schema);
  strom_row_set_bigint(r, 0, v);
  strom_row_set_bigint(r, 1, ts / 1000);
  int rc = strom_state_add(st->list, r);
  strom_row *mk = strom_row_new(lm_map.map_key_schema);
  strom_row_set_bigint(mk, 0, ts / 1000);
  strom_row_set_bigint(mk, 1, v);
  const strom_row *c = rc ? NULL : strom_state_map_get(st->map, mk);
  strom_row *n = strom_row_new(lm_map.schema);
  strom_row_set_bigint(n, 0, (c ? strom_row_get_bigint(c, 0) : 0) + 1);
  if (!rc) rc = strom_state_map_put(st->map, mk, n);
  strom_row_free(r);
  strom_row_free(mk);
  strom_row_free(n);
  int64_t end = ts / 1000 * 1000 + 999;
  if (!rc) rc = strom_ctx_register_event_timer(ctx, end);
  if (!rc) rc = strom_ctx_register_event_timer(ctx, end + 500);
  if (!rc) rc = strom_ctx_register_event_timer(ctx, FINAL_TIMER);
  return rc;
}

static int lm_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  lm_states *st = strom_ctx_local(ctx);
  const strom_row *a = strom_state_get(st->acc);
  int64_t acc = a ? strom_row_get_bigint(a, 0) : 0;
  if (time == FINAL_TIMER) {
    strom_row *r = strom_out_row(out);
    strom_row_set_bigint(r, 0, strom_row_get_bigint(strom_ctx_key(ctx), 0));
    strom_row_set_bigint(r, 1, acc);
    strom_row_set_bigint(r, 2, 0);
    return strom_out_emit(out, r);
  }
  if (time % 1000 == 999) {
    int64_t b = time / 1000, sum = 0, distinct = 0, cnt = 0;
    /* This bucket's elements are folded; the next bucket's stay. */
    strom_row *keep[1000], *done[7];
    size_t nkeep = 0, ndone = 0;
    for (size_t i = 0, n = strom_state_list_size(st->list); i < n; i++) {
      const strom_row *e = strom_state_list_get(st->list, i);
      if (strom_row_get_bigint(e, 1) == b) {
        sum += strom_row_get_bigint(e, 0);
      } else if (nkeep < 1000) {
        keep[nkeep] = strom_row_new(lm_list.schema);
        strom_row_copy(keep[nkeep++], e);
      }
    }
    int rc = strom_state_list_update(st->list, (const strom_row *const *)keep, nkeep);
    for (size_t i = 0; i < nkeep; i++) strom_row_free(keep[i]);
    size_t pos = 0;
    const strom_row *mk, *mv;
    while (!rc && strom_state_map_next(st->map, &pos, &mk, &mv) == 1) {
      if (strom_row_get_bigint(mk, 0) != b || ndone == 7) continue;
      distinct++, cnt += strom_row_get_bigint(mv, 0);
      done[ndone] = strom_row_new(lm_map.map_key_schema);
      strom_row_copy(done[ndone++], mk);
    }
    for (size_t i = 0; i < ndone; i++) {
      if (!rc) rc = strom_state_map_remove(st->map, done[i]);
      strom_row_free(done[i]);
    }
    acc += (b + 1) * sum + 7 * distinct + 13 * cnt;
    if (!rc) rc = strom_ctx_delete_event_timer(ctx, time + 500);
    if (rc) return rc;
  } else {
    acc += 1000000007; /* a deleted timer fired */
  }
  strom_row *r = strom_row_new(lm_acc.schema);
  strom_row_set_bigint(r, 0, acc);
  int rc = strom_state_update(st->acc, r);
  strom_row_free(r);
  return rc;
}

static strom_results *lm_job(strom_env *env, strom_schema *s) {
  strom_process_def def = {.open = lm_open, .close = lm_close, .process = lm_process, .on_timer = lm_timer};
  strom_stream *src = strom_set_uid(strom_set_parallelism(strom_from_generator(env, s, N_EVENTS, gen, NULL), 1), "source");
  strom_watermark_strategy ws = {.kind = STROM_WM_MONOTONOUS, .timestamp_column = "ts", .interval_ms = 5};
  src = strom_set_uid(strom_assign_timestamps(src, &ws), "timestamps");
  return strom_collect(strom_set_uid(strom_keyed_process(strom_key_by(src, "k"), &def), "lists-maps"));
}

TEST(lists_maps_and_timers_survive_copy_on_write_checkpoints) {
  char *dir = tmpdir("cow");
  strom_schema *s = in_schema(), *vs = strom_schema_parse("n BIGINT", NULL, 0);
  strom_schema *es = strom_schema_parse("v BIGINT, bucket BIGINT", NULL, 0);
  strom_schema *ks = strom_schema_parse("bucket BIGINT, v BIGINT", NULL, 0);
  lm_list = (strom_state_desc){.name = "values", .kind = STROM_STATE_LIST, .schema = es};
  lm_map = (strom_state_desc){.name = "counts", .kind = STROM_STATE_MAP, .schema = vs, .map_key_schema = ks};
  lm_acc = (strom_state_desc){.name = "checksum", .kind = STROM_STATE_VALUE, .schema = vs};
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 20, .checkpoint_dir = dir,
                                                   .checkpoints_retained = 3});
  lm_job(env, s);
  run r = run_held_until_checkpoints(env, dir, 3, N_EVENTS / 2);
  CHECK_INT(r.rc, STROM_ECANCELED);
  if (r.rc != STROM_ECANCELED) fprintf(stderr, "  first run: %s\n", strom_env_errmsg(env));
  strom_env_free(env);
  CHECK(count_complete(dir) >= 1);
  env = strom_env_new(&(strom_env_opts){.parallelism = 3, .restore_path = dir, .checkpoint_interval_ms = 20,
                                        .checkpoint_dir = dir});
  strom_results *res = lm_job(env, s);
  int rc = strom_execute(env, "lists and maps resumed");
  if (rc) fprintf(stderr, "  resumed run: %s\n", strom_env_errmsg(env));
  CHECK_INT(rc, STROM_OK);
  CHECK(strom_env_checkpoints_completed(env) >= 1);
  int64_t want[KEYS] = {0};
  for (uint64_t b = 0; b * 1000 < N_EVENTS; b++) {
    for (int k = 0; k < KEYS; k++) {
      int64_t sum = 0, cnt = 0;
      bool seen[7] = {false};
      for (uint64_t i = b * 1000; i < (b + 1) * 1000 && i < N_EVENTS; i++) {
        if ((int)(i % KEYS) != k) continue;
        sum += (int64_t)(i % 7), cnt++, seen[i % 7] = true;
      }
      int64_t distinct = 0;
      for (int v = 0; v < 7; v++) distinct += seen[v];
      want[k] += (int64_t)(b + 1) * sum + 7 * distinct + 13 * cnt;
    }
  }
  CHECK(check_sums(res, want));
  strom_env_free(env);
  strom_schema_free(s);
  strom_schema_free(vs);
  strom_schema_free(es);
  strom_schema_free(ks);
  rm_rf(dir);
}

TEST(savepoint_at_parallelism_2_resumes_at_4_and_at_1) {
  char *base = tmpdir("savepoint"), sp[512], sp2[512];
  snprintf(sp, sizeof sp, "%s/sp-1", base);
  snprintf(sp2, sizeof sp2, "%s/sp-2", base);
  strom_schema *s = in_schema(), *vs = strom_schema_parse("total BIGINT", NULL, 0);
  sum_desc = (strom_state_desc){.name = "total", .kind = STROM_STATE_VALUE, .schema = vs};
  /* A savepoint of a running job that goes on; then stop-with-savepoint. */
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  keyed_sum_job(env, s);
  run r = {.env = env};
  pthread_t th;
  pthread_create(&th, NULL, run_bg, &r);
  sleep_ms(100);
  CHECK_INT(strom_env_savepoint(env, sp, false), STROM_OK);
  for (int i = 0; i < 30000 && !strom_env_savepoint_done(env); i++) sleep_ms(1);
  int first = strom_env_savepoint_done(env);
  CHECK_INT(strom_env_savepoint(env, sp2, true), STROM_OK);
  pthread_join(th, NULL);
  CHECK_INT(first, 1);
  CHECK_INT(strom_env_savepoint_done(env), 1);
  CHECK_INT(r.rc, STROM_OK); /* stopped with a savepoint: not a failure */
  strom_env_free(env);
  char meta[600];
  snprintf(meta, sizeof meta, "%s/_metadata", sp2);
  CHECK(access(meta, F_OK) == 0);
  int64_t want[KEYS];
  expected_sums(want);
  const char *from[2] = {sp, sp2};
  for (int f = 0; f < 2; f++)
    for (int par = 4; par >= 1; par -= 3) {
      env = strom_env_new(&(strom_env_opts){.parallelism = par, .restore_path = from[f]});
      strom_results *res = keyed_sum_job(env, s);
      int rc = strom_execute(env, "from savepoint");
      if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
      CHECK_INT(rc, STROM_OK);
      CHECK(check_sums(res, want));
      strom_env_free(env);
    }
  strom_schema_free(s);
  strom_schema_free(vs);
  rm_rf(base);
}

/* ---- stop-with-savepoint, with and without drain ---- */

static int add_v_reduce(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_copy(out, in);
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + strom_row_get_bigint(in, 1));
  return 0;
}

/* Every event (raw) and per key the sum of v in 1 s event-time windows. */
static void drain_job(strom_env *env, strom_schema *s, strom_results **raw, strom_results **win) {
  strom_stream *src = strom_assign_timestamps(strom_set_uid(strom_from_generator(env, s, N_EVENTS, gen, NULL), "source"),
      &(strom_watermark_strategy){.kind = STROM_WM_MONOTONOUS, .timestamp_column = "ts"});
  *raw = strom_collect(src);
  strom_stream *w = strom_window(strom_key_by(src, "k"), &(strom_window_def){.assigner = strom_tumbling(1000), .reduce = add_v_reduce});
  *win = strom_collect(strom_set_uid(w, "window"));
}

static int64_t sum_col(strom_results *r, int col) {
  int64_t t = 0;
  for (size_t i = 0; i < strom_results_count(r); i++) t += strom_row_get_bigint(strom_results_row(r, i), col);
  return t;
}

TEST(stop_with_savepoint_halts_sources_at_the_barrier_and_drain_fires_windows) {
  strom_schema *s = in_schema();
  for (int drain = 0; drain <= 1; drain++) {
    char *base = tmpdir("stop"), sp[512];
    snprintf(sp, sizeof sp, "%s/sp", base);
    strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
    strom_results *raw, *win;
    drain_job(env, s, &raw, &win);
    run r = {.env = env};
    pthread_t th;
    atomic_store(&generated, 0);
    pthread_create(&th, NULL, run_bg, &r);
    /* Some events before the savepoint, however slowly the job starts. */
    for (int i = 0; i < 20000 && atomic_load(&generated) < 5000; i++) sleep_ms(1);
    CHECK_INT(strom_env_stop_with_savepoint(env, sp, drain), STROM_OK);
    pthread_join(th, NULL);
    CHECK_INT(r.rc, STROM_OK);
    CHECK_INT(strom_env_savepoint_done(env), 1);
    size_t n1 = strom_results_count(raw);
    int64_t raw_v = sum_col(raw, 1), win_v = sum_col(win, 1);
    printf("  %s: %zu events before the savepoint, window sums %lld of %lld\n", drain ? "drain" : "no drain", n1,
           (long long)win_v, (long long)raw_v);
    CHECK(n1 > 0 && n1 < N_EVENTS);
    /* Drained, every window holding those events fired; without, the open ones did not. */
    if (drain) CHECK(win_v == raw_v);
    else CHECK(win_v < raw_v);
    /* Resumed from the savepoint: the two runs saw every event exactly once, so no
     * source emitted past the savepoint's barrier. */
    char *seen = calloc(N_EVENTS, 1);
    int dup = 0;
    for (size_t i = 0; i < n1; i++) dup += seen[strom_row_get_bigint(strom_results_row(raw, i), 2)]++ > 0;
    strom_env_free(env);
    if (!drain) {
      env = strom_env_new(&(strom_env_opts){.parallelism = 2, .restore_path = sp});
      drain_job(env, s, &raw, &win);
      CHECK_INT(strom_execute(env, "resumed"), STROM_OK);
      for (size_t i = 0; i < strom_results_count(raw); i++) dup += seen[strom_row_get_bigint(strom_results_row(raw, i), 2)]++ > 0;
      size_t missing = 0;
      for (uint64_t i = 0; i < N_EVENTS; i++) missing += !seen[i];
      CHECK_INT(dup, 0);
      CHECK_INT(missing, 0);
      strom_env_free(env);
    }
    free(seen);
    rm_rf(base);
  }
  strom_schema_free(s);
}

/* ---- unaligned checkpoints ---- */

/* A slow keyed sum behind fast sources: the channels fill up (backpressure), so an
 * aligned barrier waits behind every queued buffer. */
static atomic_bool slow_on;

static int slow_sum_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  if (atomic_load(&slow_on) && strom_row_get_bigint(in, 2) % 10 == 0) sleep_ms(1);
  return sum_process(ctx, input, in, out);
}

/* As gen, without pauses: the sources fill whole buffers as fast as they are freed. */
static int gen_fast(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  if (i >= N_EVENTS) return 0;
  strom_row_set_bigint(out, 0, (int64_t)(i % KEYS));
  strom_row_set_bigint(out, 1, (int64_t)(i % 7));
  strom_row_set_bigint(out, 2, (int64_t)i);
  return 1;
}

static strom_results *backpressured_job(strom_env *env, strom_schema *s, int sum_par) {
  strom_process_def def = {.open = sum_open, .process = slow_sum_process, .on_timer = sum_timer};
  strom_stream *src = strom_set_uid(strom_set_parallelism(strom_from_generator(env, s, N_EVENTS, gen_fast, NULL), 2), "source");
  strom_stream *sum = strom_keyed_process(strom_key_by(src, "k"), &def);
  return strom_collect(strom_set_uid(strom_set_parallelism(sum, sum_par), "sum"));
}

static strom_env *backpressured_env(const char *dir, bool unaligned, int64_t aligned_timeout_ms) {
  /* 32 buffers of 32 KiB per channel hold ~30,000 records: with two channels into each
   * slow subtask (~9,000 records/s), seconds of work queued ahead of an aligned barrier,
   * against a 1 s timeout.  The first checkpoint comes after 400 ms, when the queues
   * are full even on a loaded machine. */
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .buffers_per_channel = 32, .checkpoint_interval_ms = 400,
                                                   .checkpoint_dir = dir, .checkpoints_retained = 3,
                                                   .checkpoint_timeout_ms = 1000, .unaligned_checkpoints = unaligned,
                                                   .aligned_checkpoint_timeout_ms = aligned_timeout_ms});
  return env;
}

TEST(unaligned_checkpoints_complete_under_backpressure_where_aligned_ones_time_out) {
  strom_schema *s = in_schema(), *vs = strom_schema_parse("total BIGINT", NULL, 0);
  sum_desc = (strom_state_desc){.name = "total", .kind = STROM_STATE_VALUE, .schema = vs};
  uint64_t saved = N_EVENTS;
  N_EVENTS = 100000000; /* runs until cancelled */
  atomic_store(&slow_on, true);
  int64_t completed[2];
  strom_checkpoint_stats st[2];
  for (int unaligned = 0; unaligned <= 1; unaligned++) {
    char *dir = tmpdir(unaligned ? "uc" : "aligned");
    strom_env *env = backpressured_env(dir, unaligned, 0);
    backpressured_job(env, s, 2);
    run r = {.env = env};
    pthread_t th;
    pthread_create(&th, NULL, run_bg, &r);
    /* Aligned: 3 s for a checkpoint that must not complete to show.  Unaligned: until
     * one completed (they come every 400 ms; under TSan on a loaded machine one took
     * 718 ms of its 1 s timeout, so a few may time out first), for at most 30 s. */
    if (unaligned)
      for (int i = 0; i < 3000 && count_complete(dir) < 1; i++) sleep_ms(10);
    else
      sleep_ms(3000);
    strom_env_cancel(env);
    pthread_join(th, NULL);
    completed[unaligned] = strom_env_checkpoints_completed(env);
    strom_env_checkpoint_stats(env, &st[unaligned]);
    printf("  %s: %lld checkpoints completed, %lld unaligned, %llu bytes in flight stored, last took %lld ms\n",
           unaligned ? "unaligned" : "aligned", (long long)completed[unaligned], (long long)st[unaligned].unaligned,
           (unsigned long long)st[unaligned].inflight_bytes, (long long)st[unaligned].last_duration_ms);
    CHECK_INT(r.rc, STROM_ECANCELED);
    strom_env_free(env);
    rm_rf(dir);
  }
  CHECK_INT(completed[0], 0);
  CHECK(completed[1] >= 1);
  CHECK_INT(st[1].unaligned, completed[1]);
  CHECK(st[1].inflight_bytes > 0);
  N_EVENTS = saved;
  atomic_store(&slow_on, false);
  strom_schema_free(s);
  strom_schema_free(vs);
}

/* Cancels a backpressured run once an unaligned checkpoint is complete, then resumes
 * from it at parallelism par_after without the slowness: the in-flight records stored
 * in the checkpoint are processed again, so the totals are exact. */
static bool unaligned_resume(int par_after, int64_t aligned_timeout_ms) {
  char *dir = tmpdir("ucresume");
  strom_schema *s = in_schema(), *vs = strom_schema_parse("total BIGINT", NULL, 0);
  sum_desc = (strom_state_desc){.name = "total", .kind = STROM_STATE_VALUE, .schema = vs};
  atomic_store(&slow_on, true);
  /* More input than the channels hold, in every build, so the sources are still
   * running (backpressured) when the checkpoints are taken. */
  uint64_t saved = N_EVENTS;
  N_EVENTS = 400000;
  strom_env *env = backpressured_env(dir, true, aligned_timeout_ms);
  backpressured_job(env, s, 2);
  /* Two: with a timeout, the first may come before the backlog and stay aligned. */
  run r = run_until_checkpoints(env, dir, 2);
  strom_checkpoint_stats st;
  strom_env_checkpoint_stats(env, &st);
  bool ok = r.rc == STROM_ECANCELED && count_complete(dir) >= 1 && st.unaligned >= 1 && st.inflight_bytes > 0;
  if (!ok)
    fprintf(stderr, "  first run: %d (%s), %d checkpoints, %lld unaligned\n", r.rc, strom_env_errmsg(env), count_complete(dir),
            (long long)st.unaligned);
  strom_env_free(env);
  atomic_store(&slow_on, false);
  env = strom_env_new(&(strom_env_opts){.parallelism = 2, .restore_path = dir});
  strom_results *res = backpressured_job(env, s, par_after);
  int rc = strom_execute(env, "resumed");
  if (rc) fprintf(stderr, "  resumed run: %s\n", strom_env_errmsg(env));
  int64_t want[KEYS];
  expected_sums(want);
  ok = ok && rc == STROM_OK && check_sums(res, want);
  N_EVENTS = saved;
  strom_env_free(env);
  strom_schema_free(s);
  strom_schema_free(vs);
  rm_rf(dir);
  return ok;
}

TEST(unaligned_checkpoint_restores_in_flight_records_exactly) {
  CHECK(unaligned_resume(2, 0));
  /* Rescaled: hashed in-flight records go to the subtask owning their key group. */
  CHECK(unaligned_resume(3, 0));
  CHECK(unaligned_resume(1, 0));
}

TEST(aligned_checkpoint_timeout_switches_to_unaligned_only_when_barriers_are_late) {
  /* Without backpressure barriers arrive in time: every checkpoint stays aligned. */
  char *dir = tmpdir("uctimeout");
  strom_schema *s = in_schema(), *vs = strom_schema_parse("total BIGINT", NULL, 0);
  sum_desc = (strom_state_desc){.name = "total", .kind = STROM_STATE_VALUE, .schema = vs};
  atomic_store(&slow_on, false);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 20, .checkpoint_dir = dir});
  CHECK_INT(strom_env_set(env, "execution.checkpointing.unaligned", "true"), STROM_OK);
  CHECK_INT(strom_env_set(env, "execution.checkpointing.aligned-checkpoint-timeout", "5 s"), STROM_OK);
  strom_results *res = backpressured_job(env, s, 2);
  CHECK_INT(strom_execute(env, "in time"), STROM_OK);
  strom_checkpoint_stats st;
  strom_env_checkpoint_stats(env, &st);
  printf("  no backpressure: %lld checkpoints, %lld unaligned\n", (long long)st.completed, (long long)st.unaligned);
  CHECK(st.completed >= 1);
  CHECK_INT(st.unaligned, 0);
  int64_t want[KEYS];
  expected_sums(want);
  CHECK(check_sums(res, want));
  strom_env_free(env);
  strom_schema_free(s);
  strom_schema_free(vs);
  rm_rf(dir);
  /* Under backpressure the same timeout (shorter than the backlog) switches them. */
  CHECK(unaligned_resume(2, 150));
}

TEST(too_many_consecutive_failed_checkpoints_fail_the_job) {
  /* Aligned under backpressure, every checkpoint times out: the second failure in a
   * row is one more than tolerated. */
  char *dir = tmpdir("tolerable");
  strom_schema *s = in_schema(), *vs = strom_schema_parse("total BIGINT", NULL, 0);
  sum_desc = (strom_state_desc){.name = "total", .kind = STROM_STATE_VALUE, .schema = vs};
  uint64_t saved = N_EVENTS;
  N_EVENTS = 100000000;
  atomic_store(&slow_on, true);
  strom_env *env = backpressured_env(dir, false, 0);
  CHECK_INT(strom_env_set(env, "execution.checkpointing.timeout", "150 ms"), STROM_OK);
  CHECK_INT(strom_env_set(env, "execution.checkpointing.tolerable-failed-checkpoints", "1"), STROM_OK);
  backpressured_job(env, s, 2);
  int rc = strom_execute(env, "failing checkpoints"); /* it fails by itself */
  printf("  %s\n", strom_env_errmsg(env));
  CHECK_INT(rc, STROM_EIO);
  CHECK(strstr(strom_env_errmsg(env), "tolerable-failed-checkpoints") != NULL);
  CHECK_INT(count_complete(dir), 0);
  strom_env_free(env);
  atomic_store(&slow_on, false);
  N_EVENTS = saved;
  strom_schema_free(s);
  strom_schema_free(vs);
  rm_rf(dir);
}

TEST(unaligned_needs_exactly_once) {
  strom_env *env = strom_env_new(&(strom_env_opts){.unaligned_checkpoints = true, .at_least_once = true});
  strom_schema *s = in_schema();
  strom_discard(strom_from_generator(env, s, 10, gen, NULL));
  CHECK_INT(strom_execute(env, "bad"), STROM_EINVAL);
  CHECK(strstr(strom_env_errmsg(env), "EXACTLY_ONCE") != NULL);
  strom_env_free(env);
  strom_schema_free(s);
}

/* Pauses 1 ms every 100 records, and while csv_hold is set 1 ms per record of the
 * second half of the input: a run that is to be cancelled mid-stream cannot reach the
 * end first, however slowly its checkpoints complete on a loaded machine. */
static atomic_bool csv_hold;

static int slow_pass(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  (void)ctx;
  int64_t i = strom_row_get_bigint(in, 2);
  if (i % 100 == 0 || (atomic_load(&csv_hold) && (uint64_t)i >= N_EVENTS / 2)) sleep_ms(1);
  return strom_row_copy(out, in);
}

static strom_results *csv_sum_job(strom_env *env, strom_schema *s, const char *path) {
  strom_process_def def = {.open = sum_open, .process = sum_process, .on_timer = sum_timer};
  strom_stream *src = strom_set_uid(strom_set_parallelism(strom_read_csv(env, path, s, NULL), 2), "csv");
  strom_stream *slow = strom_set_uid(strom_map(src, NULL, slow_pass, NULL), "slow");
  return strom_collect(strom_set_uid(strom_keyed_process(strom_key_by(slow, "k"), &def), "sum"));
}

TEST(file_source_resumes_at_the_line_after_the_checkpoint) {
  char *dir = tmpdir("csv"), path[512];
  snprintf(path, sizeof path, "%s/in.csv", dir);
  uint64_t saved = N_EVENTS;
  /* Enough lines (1 ms of pause per 100) that the first run is still reading when it
   * is cancelled, even on a loaded machine. */
  N_EVENTS = 150000;
  FILE *f = fopen(path, "w");
  for (uint64_t i = 0; i < N_EVENTS; i++) fprintf(f, "%llu,%llu,%llu\n", (unsigned long long)(i % KEYS), (unsigned long long)(i % 7), (unsigned long long)i);
  fclose(f);
  char ckpt[512];
  snprintf(ckpt, sizeof ckpt, "%s/ckpt", dir);
  strom_schema *s = in_schema(), *vs = strom_schema_parse("total BIGINT", NULL, 0);
  sum_desc = (strom_state_desc){.name = "total", .kind = STROM_STATE_VALUE, .schema = vs};
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 30, .checkpoint_dir = ckpt,
                                                   .checkpoints_retained = 3});
  csv_sum_job(env, s, path);
  atomic_store(&csv_hold, true);
  run r = run_until_checkpoints(env, ckpt, 2);
  atomic_store(&csv_hold, false);
  strom_env_free(env);
  CHECK_INT(r.rc, STROM_ECANCELED); /* mid-stream, not after the end */
  CHECK(count_complete(ckpt) >= 1);
  env = strom_env_new(&(strom_env_opts){.parallelism = 2, .restore_path = ckpt});
  strom_results *res = csv_sum_job(env, s, path);
  int rc = strom_execute(env, "csv resumed");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  int64_t want[KEYS];
  expected_sums(want);
  N_EVENTS = saved;
  CHECK_INT(rc, STROM_OK);
  CHECK(check_sums(res, want));
  strom_env_free(env);
  strom_schema_free(s);
  strom_schema_free(vs);
  rm_rf(dir);
}

TEST(missing_operator_state_is_refused_unless_allowed) {
  char *dir = tmpdir("unclaimed");
  CHECK(cancel_and_resume(2, 2, dir));
  strom_schema *s = in_schema();
  /* The same source but no "sum" operator: its state would be lost. */
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .restore_path = dir});
  strom_discard(strom_set_uid(strom_set_parallelism(strom_from_generator(env, s, N_EVENTS, gen, NULL), 2), "source"));
  CHECK_INT(strom_execute(env, "unclaimed"), STROM_EINVAL);
  CHECK(strstr(strom_env_errmsg(env), "'sum'"));
  CHECK(strstr(strom_env_errmsg(env), "--allow-non-restored-state"));
  strom_env_free(env);
  env = strom_env_new(&(strom_env_opts){.parallelism = 2, .restore_path = dir, .allow_non_restored_state = true});
  strom_discard(strom_set_uid(strom_set_parallelism(strom_from_generator(env, s, N_EVENTS, gen, NULL), 2), "source"));
  CHECK_INT(strom_execute(env, "allowed"), STROM_OK);
  strom_env_free(env);
  strom_schema_free(s);
  rm_rf(dir);
}

/* The newest complete checkpoint folder in dir (its id), or -1. */
static long newest_complete(const char *dir) {
  DIR *d = opendir(dir);
  long best = -1;
  for (struct dirent *e; d && (e = readdir(d));) {
    if (strncmp(e->d_name, "chk-", 4)) continue;
    char p[512];
    snprintf(p, sizeof p, "%s/%s/_metadata", dir, e->d_name);
    long id = atol(e->d_name + 4);
    if (access(p, F_OK) == 0 && id > best) best = id;
  }
  if (d) closedir(d);
  return best;
}

/* Flips one byte in the middle of the largest state file of checkpoint id. */
static bool corrupt_checkpoint(const char *dir, long id) {
  char folder[512], best[1024] = "";
  snprintf(folder, sizeof folder, "%s/chk-%ld", dir, id);
  DIR *d = opendir(folder);
  long size = -1;
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_name[0] == '.' || e->d_name[0] == '_') continue;
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", folder, e->d_name);
    struct stat st;
    if (!stat(p, &st) && st.st_size > size) size = st.st_size, snprintf(best, sizeof best, "%s", p);
  }
  if (d) closedir(d);
  FILE *f = size > 100 ? fopen(best, "r+b") : NULL;
  if (!f) return false;
  fseek(f, size / 2, SEEK_SET);
  int c = fgetc(f);
  fseek(f, size / 2, SEEK_SET);
  fputc(c ^ 0x5a, f);
  fclose(f);
  return true;
}

TEST(corrupt_checkpoint_is_detected_and_the_previous_one_used) {
  char *dir = tmpdir("corrupt");
  strom_schema *s = in_schema(), *vs = strom_schema_parse("total BIGINT", NULL, 0);
  sum_desc = (strom_state_desc){.name = "total", .kind = STROM_STATE_VALUE, .schema = vs};
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 30, .checkpoint_dir = dir,
                                                   .checkpoints_retained = 3});
  keyed_sum_job(env, s);
  run_until_checkpoints(env, dir, 3);
  strom_env_free(env);
  long newest = newest_complete(dir);
  CHECK(count_complete(dir) >= 2);
  CHECK(corrupt_checkpoint(dir, newest));
  /* Named explicitly, the damaged checkpoint is refused with the file and the reason. */
  char path[512];
  snprintf(path, sizeof path, "%s/chk-%ld", dir, newest);
  env = strom_env_new(&(strom_env_opts){.parallelism = 2, .restore_path = path});
  keyed_sum_job(env, s);
  CHECK_INT(strom_execute(env, "damaged"), STROM_EPARSE);
  printf("  %s\n", strom_env_errmsg(env));
  CHECK(strstr(strom_env_errmsg(env), "checksum mismatch"));
  strom_env_free(env);
  /* Given the directory, recovery falls back to the previous complete checkpoint. */
  env = strom_env_new(&(strom_env_opts){.parallelism = 2, .restore_path = dir});
  strom_results *res = keyed_sum_job(env, s);
  int rc = strom_execute(env, "fallback");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  CHECK_INT(rc, STROM_OK);
  int64_t want[KEYS];
  expected_sums(want);
  CHECK(check_sums(res, want));
  strom_env_free(env);
  strom_schema_free(s);
  strom_schema_free(vs);
  rm_rf(dir);
}

/* Fails once, at event 150000 of the first attempt. */
static atomic_int failed_once;

static int fail_once(strom_ctx *ctx, const strom_row *in) {
  if (strom_row_get_bigint(in, 2) == (int64_t)N_EVENTS / 2 && !atomic_exchange(&failed_once, 1))
    return strom_ctx_fail(ctx, "injected failure");
  return 1;
}

TEST(restart_strategy_restarts_from_the_latest_checkpoint) {
  char *dir = tmpdir("restart");
  atomic_store(&failed_once, 0);
  strom_schema *s = in_schema(), *vs = strom_schema_parse("total BIGINT", NULL, 0);
  sum_desc = (strom_state_desc){.name = "total", .kind = STROM_STATE_VALUE, .schema = vs};
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 30, .checkpoint_dir = dir,
                                                   .checkpoints_retained = 3});
  CHECK_INT(strom_env_set(env, "restart-strategy.type", "fixed-delay"), STROM_OK);
  CHECK_INT(strom_env_set(env, "restart-strategy.fixed-delay.attempts", "3"), STROM_OK);
  CHECK_INT(strom_env_set(env, "restart-strategy.fixed-delay.delay", "10 ms"), STROM_OK);
  strom_process_def def = {.open = sum_open, .process = sum_process, .on_timer = sum_timer};
  strom_stream *src = strom_set_uid(strom_set_parallelism(strom_from_generator(env, s, N_EVENTS, gen, NULL), 2), "source");
  strom_stream *checked = strom_set_uid(strom_filter(src, fail_once, NULL), "check");
  strom_results *res = strom_collect(strom_set_uid(strom_keyed_process(strom_key_by(checked, "k"), &def), "sum"));
  int rc = strom_execute(env, "restarts");
  if (rc) fprintf(stderr, "  %s\n", strom_env_errmsg(env));
  CHECK_INT(rc, STROM_OK);
  CHECK_INT(strom_env_restarts(env), 1);
  int64_t want[KEYS];
  expected_sums(want);
  /* The collect sink is not transactional: it holds the failed attempt's output too, but
   * the totals are emitted only at the end, by the successful attempt. */
  CHECK(check_sums(res, want));
  strom_env_free(env);
  strom_schema_free(s);
  strom_schema_free(vs);
  rm_rf(dir);
}

/* Fails every attempt at the middle event. */
static int always_fail(strom_ctx *ctx, const strom_row *in) {
  if (strom_row_get_bigint(in, 2) == (int64_t)N_EVENTS / 2) return strom_ctx_fail(ctx, "persistent failure");
  return 1;
}

static int run_always_failing(const char *type, const char *k1, const char *v1, const char *k2, const char *v2,
                              int *restarts, double *seconds) {
  char *dir = tmpdir("strategy");
  strom_schema *s = in_schema();
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 30, .checkpoint_dir = dir,
                                                   .checkpoints_retained = 3});
  strom_env_set(env, "restart-strategy.type", type);
  strom_env_set(env, k1, v1);
  strom_env_set(env, k2, v2);
  strom_stream *src = strom_set_uid(strom_set_parallelism(strom_from_generator(env, s, N_EVENTS, gen, NULL), 2), "source");
  strom_discard(strom_filter(src, always_fail, NULL));
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  int rc = strom_execute(env, "always failing");
  clock_gettime(CLOCK_MONOTONIC, &b);
  *seconds = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
  *restarts = strom_env_restarts(env);
  strom_env_free(env);
  strom_schema_free(s);
  rm_rf(dir);
  return rc;
}

TEST(failure_rate_and_exponential_delay_strategies_give_up_as_configured) {
  int restarts;
  double secs, secs_fixed;
  /* Failure rate: at most 2 failures per minute, so the third failure ends the job. */
  CHECK_INT(run_always_failing("failure-rate", "restart-strategy.failure-rate.max-failures-per-interval", "2",
                               "restart-strategy.failure-rate.failure-rate-interval", "1 min", &restarts, &secs),
            STROM_EUSER);
  CHECK_INT(restarts, 2);
  /* Exponential delay: 3 attempts with 50, 100 and 200 ms between them. */
  CHECK_INT(run_always_failing("exponential-delay", "restart-strategy.exponential-delay.attempts", "3",
                               "restart-strategy.exponential-delay.initial-backoff", "50 ms", &restarts, &secs),
            STROM_EUSER);
  CHECK_INT(restarts, 3);
  CHECK_INT(run_always_failing("fixed-delay", "restart-strategy.fixed-delay.attempts", "3",
                               "restart-strategy.fixed-delay.delay", "0 ms", &restarts, &secs_fixed),
            STROM_EUSER);
  CHECK_INT(restarts, 3);
  /* The same failures, plus 350 ms of growing pauses. */
  CHECK(secs - secs_fixed > 0.3);
}

/* ---- chaos: SIGKILL at random points ---- */

static strom_schema *acc_schema, *res_schema;

static int w_create(strom_ctx *ctx, strom_row *acc) {
  (void)ctx;
  strom_row_set_bigint(acc, 0, 0);
  return 0;
}

static int w_add(strom_ctx *ctx, const strom_row *in, const strom_row *acc, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(acc, 0) + strom_row_get_bigint(in, 1));
  return 0;
}

static int w_result(strom_ctx *ctx, const strom_row *acc, strom_row *out) {
  strom_row_set_bigint(out, 0, strom_row_get_bigint(strom_ctx_key(ctx), 0));
  strom_row_set_bigint(out, 1, strom_ctx_window_start(ctx));
  strom_row_set_bigint(out, 2, strom_row_get_bigint(acc, 0));
  return 0;
}

/* The chaos job: per key, the sum of v in 1 s tumbling windows of event time, written
 * by the exactly-once file sink; checkpoints every 40 ms; resumes from the newest
 * complete checkpoint in ckpt when there is one. */
static int chaos_job(const char *out, const char *ckpt, bool resume) {
  strom_schema *s = in_schema();
  strom_aggregate_def agg = {.acc_schema = acc_schema, .out_schema = res_schema, .create = w_create, .add = w_add, .result = w_result};
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2, .checkpoint_interval_ms = 40, .checkpoint_dir = ckpt,
                                                   .checkpoints_retained = 2, .restore_path = resume ? ckpt : NULL});
  strom_stream *src = strom_assign_timestamps(strom_set_uid(strom_from_generator(env, s, N_EVENTS, gen, NULL), "source"),
      &(strom_watermark_strategy){.kind = STROM_WM_MONOTONOUS, .timestamp_column = "ts"});
  strom_stream *w = strom_window(strom_key_by(src, "k"), &(strom_window_def){.assigner = strom_tumbling(1000), .aggregate = &agg});
  strom_write_files(strom_set_uid(w, "window"), out, NULL);
  int rc = strom_execute(env, "chaos");
  if (rc) fprintf(stderr, "  chaos job: %s\n", strom_env_errmsg(env));
  strom_env_free(env);
  strom_schema_free(s);
  return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every line of the visible (committed) files in dir, sorted, joined. */
static char *committed_output(const char *dir, size_t *nlines) {
  char **lines = NULL;
  size_t n = 0, cap = 0;
  DIR *d = opendir(dir);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char p[512], line[256];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    FILE *f = fopen(p, "r");
    while (f && fgets(line, sizeof line, f)) {
      if (n == cap) lines = realloc(lines, (cap = cap ? cap * 2 : 1024) * sizeof *lines);
      lines[n++] = strdup(line);
    }
    if (f) fclose(f);
  }
  if (d) closedir(d);
  if (n) qsort(lines, n, sizeof *lines, cmp_str);
  size_t len = 0;
  for (size_t i = 0; i < n; i++) len += strlen(lines[i]);
  char *all = malloc(len + 1), *p = all;
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(lines[i]);
    memcpy(p, lines[i], l);
    p += l;
    free(lines[i]);
  }
  *p = 0;
  free(lines);
  *nlines = n;
  return all;
}

static char *expected_output(size_t *nlines) {
  size_t windows = (size_t)((N_EVENTS + 999) / 1000);
  int64_t *sum = calloc(windows * KEYS, sizeof *sum);
  for (uint64_t i = 0; i < N_EVENTS; i++) sum[(i / 1000) * KEYS + i % KEYS] += (int64_t)(i % 7);
  char **lines = malloc(windows * KEYS * sizeof *lines);
  size_t n = 0;
  for (size_t w = 0; w < windows; w++)
    for (int k = 0; k < KEYS; k++) {
      char line[128];
      snprintf(line, sizeof line, "%d,%lld,%lld\n", k, (long long)(w * 1000), (long long)sum[w * KEYS + (size_t)k]);
      lines[n++] = strdup(line);
    }
  qsort(lines, n, sizeof *lines, cmp_str);
  char *all = calloc(n, 32), *p = all;
  for (size_t i = 0; i < n; i++) {
    p += sprintf(p, "%s", lines[i]);
    free(lines[i]);
  }
  free(lines);
  free(sum);
  *nlines = n;
  return all;
}

TEST(chaos_sigkill_twenty_times_output_is_exactly_once) {
  acc_schema = strom_schema_parse("total BIGINT", NULL, 0);
  res_schema = strom_schema_parse("k BIGINT, wstart BIGINT, total BIGINT", NULL, 0);
  char *out = tmpdir("chaos-out"), *ckpt = tmpdir("chaos-ckpt");
  unsigned seed = (unsigned)time(NULL);
  printf("  seed %u\n", seed);
  srand(seed);
  int kills = 0, runs = 0, finished = 0;
  N_EVENTS *= 2; /* long enough that twenty kills land mid-stream */
  while (!finished && runs < 200) {
    pid_t pid = fork();
    if (pid == 0) _exit(chaos_job(out, ckpt, count_complete(ckpt) > 0) ? 1 : 0);
    runs++;
    int status = 0;
    if (kills < 20) {
      sleep_ms(30 + rand() % 120);
      if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        kills++;
        continue;
      }
    } else {
      waitpid(pid, &status, 0);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) finished = 1;
    else if (!WIFSIGNALED(status)) break; /* the job failed by itself */
  }
  printf("  %d SIGKILLs over %d runs\n", kills, runs);
  size_t got_n, want_n;
  char *got = committed_output(out, &got_n), *want = expected_output(&want_n);
  CHECK(finished);
  CHECK_INT(got_n, want_n);
  CHECK(!strcmp(got, want));
  CHECK(kills >= 20);
  free(got);
  free(want);
  N_EVENTS /= 2;
  rm_rf(out);
  rm_rf(ckpt);
  strom_schema_free(acc_schema);
  strom_schema_free(res_schema);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  /* The checkpoint writer streams key groups in blocks of a few MB: here every entry
   * is its own block, so that restores read groups split into many blocks. */
  setenv("STROM_SNAP_SPILL_BYTES", "1", 1);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  N_EVENTS = 100000;
#endif
  RUN(checkpoints_complete_periodically_and_old_ones_are_retired);
  RUN(resumed_job_has_exactly_the_state_of_an_uninterrupted_run);
  RUN(resume_at_another_parallelism_redistributes_key_groups);
  RUN(keyed_operator_chained_at_parallelism_1_resumes_and_rescales);
  RUN(keyed_reduce_state_survives_a_resume);
  RUN(lists_maps_and_timers_survive_copy_on_write_checkpoints);
  RUN(savepoint_at_parallelism_2_resumes_at_4_and_at_1);
  RUN(file_source_resumes_at_the_line_after_the_checkpoint);
  RUN(missing_operator_state_is_refused_unless_allowed);
  RUN(corrupt_checkpoint_is_detected_and_the_previous_one_used);
  RUN(restart_strategy_restarts_from_the_latest_checkpoint);
  RUN(failure_rate_and_exponential_delay_strategies_give_up_as_configured);
  RUN(stop_with_savepoint_halts_sources_at_the_barrier_and_drain_fires_windows);
  RUN(unaligned_checkpoints_complete_under_backpressure_where_aligned_ones_time_out);
  RUN(unaligned_checkpoint_restores_in_flight_records_exactly);
  RUN(aligned_checkpoint_timeout_switches_to_unaligned_only_when_barriers_are_late);
  RUN(unaligned_needs_exactly_once);
  RUN(too_many_consecutive_failed_checkpoints_fail_the_job);
  RUN(chaos_sigkill_twenty_times_output_is_exactly_once);
  TEST_MAIN_END();
}
