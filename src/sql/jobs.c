/*
 * jobs.c -- INSERT jobs that run in the background, and the statements that list and
 * stop them, as Flink's SQL client has them: with SET 'table.dml-sync' = 'false' the
 * INSERTs of a text (or a statement set) start as a job on a thread of their own and
 * the client goes on at once, printing the job's id; SHOW JOBS lists the session's jobs
 * (id, name, status, start time); STOP JOB 'id' cancels one, or with WITH SAVEPOINT
 * stops it after a savepoint in 'state.savepoints.dir' (WITH DRAIN first sends the
 * maximum watermark, so every window fires) and prints the savepoint's path, which
 * 'execution.savepoint.path' resumes from.
 *
 * Strom's cluster here is the embedded one, in the client's process: a job lives as
 * long as the session.  `strom sql -f` therefore waits for its background jobs at the
 * end of the script (strom_sql_wait), and an interactive client cancels them when it
 * quits.  A job's plan points into the session's catalog, so while a job runs, DROP
 * and ALTER are refused (sql_jobs_guard) rather than leave it reading freed tables.
 *
 * The list of jobs only grows (newest first) until the session is freed: the signal
 * handler behind strom_sql_cancel walks it without a lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <sys/random.h>
#include <time.h>

#include "sql_int.h"

enum { JOB_RUNNING, JOB_FINISHED, JOB_FAILED, JOB_CANCELED };
static const char *const STATUS[] = {"RUNNING", "FINISHED", "FAILED", "CANCELED"};

struct sql_job {
  struct sql_job *next;
  char id[33], name[200];
  sql_build *b;
  strom_env *env; /* b's, kept until the session ends */
  pthread_t th;
  bool started, joined, reported;
  int64_t start_ms;
  atomic_int status;
  char err[1024];
};

static void job_join(sql_job *j) {
  if (j->started && !j->joined) pthread_join(j->th, NULL), j->joined = true;
}

static void *job_main(void *arg) {
  sql_job *j = arg;
  int rc = strom_execute(j->env, j->name);
  if (!rc && j->b->overwrite && sql_overwrite_commit(j->b)) { /* insert_overwrite.c */
    snprintf(j->err, sizeof j->err, "%s", j->b->err);
    rc = STROM_EINVAL;
  } else if (rc && rc != STROM_ECANCELED) {
    snprintf(j->err, sizeof j->err, "%s", strom_env_errmsg(j->env));
  }
  atomic_store(&j->status, !rc ? JOB_FINISHED : rc == STROM_ECANCELED ? JOB_CANCELED : JOB_FAILED);
  return NULL;
}

/* 32 hex digits, as Flink's job ids. */
static void new_id(char id[33]) {
  uint8_t r[16];
  if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, y = (uint64_t)(uintptr_t)id;
    memcpy(r, &x, 8), memcpy(r + 8, &y, 8);
  }
  for (int i = 0; i < 16; i++) snprintf(id + 2 * i, 3, "%02x", r[i]);
}

bool sql_dml_async(const sql_session *s) {
  const char *v = sql_session_get(s, "table.dml-sync");
  return v && !strcasecmp(v, "false");
}

int sql_job_submit(sql_session *s, sql_build *b, const char *name) {
  sql_job *j = strom__calloc(1, sizeof *j);
  if (!j) return sql_build_free(b), STROM_ENOMEM;
  new_id(j->id);
  snprintf(j->name, sizeof j->name, "%s", name);
  j->b = b, j->env = b->env;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  j->start_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  atomic_init(&j->status, JOB_RUNNING);
  j->next = s->jobs;
  __atomic_store_n(&s->jobs, j, __ATOMIC_RELEASE); /* strom_sql_cancel may walk the list now */
  if (s->cancel) strom_env_cancel(j->env);
  if (pthread_create(&j->th, NULL, job_main, j)) {
    atomic_store(&j->status, JOB_FAILED);
    snprintf(j->err, sizeof j->err, "could not start a thread for the job");
    j->reported = true; /* this statement says so */
    snprintf(s->err, sizeof s->err, "job %s: could not start a thread for it", j->id);
    return STROM_ENOMEM;
  }
  j->started = true;
  pthread_mutex_lock(&s->out_mu); /* a running job's print sink writes there too */
  fprintf(s->out,
          "[INFO] Submitting SQL update statement to the cluster...\n"
          "[INFO] SQL update statement has been successfully submitted to the cluster:\nJob ID: %s\n\n",
          j->id);
  fflush(s->out);
  pthread_mutex_unlock(&s->out_mu);
  return STROM_OK;
}

static sql_job *running_job(const sql_session *s) {
  for (sql_job *j = s->jobs; j; j = j->next)
    if (atomic_load(&j->status) == JOB_RUNNING) return j;
  return NULL;
}

int sql_jobs_guard(sql_session *s, const sql_node *n, const char *what) {
  sql_job *j = running_job(s);
  if (!j) return STROM_OK;
  snprintf(s->err, sizeof s->err,
           "line %d, column %d: %s while job %s ('%s') runs: its plan reads this session's tables and "
           "functions; STOP JOB '%s' first, or let it finish",
           n->line, n->col, what, j->id, j->name, j->id);
  return STROM_EINVAL;
}

void sql_jobs_cancel(sql_session *s) {
  for (sql_job *j = __atomic_load_n(&s->jobs, __ATOMIC_ACQUIRE); j; j = j->next)
    if (atomic_load(&j->status) == JOB_RUNNING) strom_env_cancel(j->env);
}

int sql_jobs_show(sql_session *s) {
  int n = 0;
  for (sql_job *j = s->jobs; j; j = j->next) n++;
  char **cells = strom__calloc((size_t)(4 * n + 1), sizeof *cells);
  char (*starts)[32] = strom__calloc((size_t)n + 1, sizeof *starts);
  if (!cells || !starts) return free(cells), free(starts), STROM_ENOMEM;
  int r = n; /* oldest first, as submitted */
  for (sql_job *j = s->jobs; j; j = j->next) {
    r--;
    time_t sec = (time_t)(j->start_ms / 1000);
    struct tm tm;
    localtime_r(&sec, &tm);
    size_t k = strftime(starts[r], sizeof starts[r], "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(starts[r] + k, sizeof starts[r] - k, ".%03d", (int)(j->start_ms % 1000));
    cells[4 * r] = j->id, cells[4 * r + 1] = j->name;
    cells[4 * r + 2] = (char *)STATUS[atomic_load(&j->status)], cells[4 * r + 3] = starts[r];
  }
  static const char *const head[] = {"job id", "job name", "status", "start time"};
  pthread_mutex_lock(&s->out_mu);
  sql_print_tableau(s->out, head, 4, cells, n); /* catalog_show.c */
  pthread_mutex_unlock(&s->out_mu);
  free(cells), free(starts);
  return STROM_OK;
}

int sql_job_stop(sql_session *s, const sql_node *n) {
  sql_job *j = s->jobs;
  while (j && strcasecmp(j->id, n->text)) j = j->next;
  bool savepoint = false, drain = false;
  for (int i = 0; i < n->nkids; i++) {
    if (!strcmp(n->kids[i]->text, "SAVEPOINT")) savepoint = true;
    else drain = true;
  }
  const char *why = !j ? "no job of this session has that id (SHOW JOBS lists them)"
                    : atomic_load(&j->status) != JOB_RUNNING ? "the job is not running"
                    : drain && !savepoint ? "WITH DRAIN needs WITH SAVEPOINT"
                                          : NULL;
  if (why) {
    snprintf(s->err, sizeof s->err, "line %d, column %d: STOP JOB '%s': %s", n->line, n->col, n->text, why);
    return STROM_EINVAL;
  }
  if (!savepoint) { /* Flink's STOP JOB without a savepoint cancels */
    strom_env_cancel(j->env);
    job_join(j);
    return STROM_OK;
  }
  const char *root = sql_session_get(s, "state.savepoints.dir");
  if (!root) {
    snprintf(s->err, sizeof s->err,
             "line %d, column %d: STOP JOB '%s' WITH SAVEPOINT: no savepoint directory: SET 'state.savepoints.dir' first",
             n->line, n->col, n->text);
    return STROM_EINVAL;
  }
  struct stat st;
  const char *bad = mkdir(root, 0777) && errno != EEXIST ? strerror(errno)
                    : stat(root, &st)                    ? strerror(errno)
                    : !S_ISDIR(st.st_mode)               ? "not a directory"
                                                         : NULL; /* Flink creates it too */
  if (bad) {
    snprintf(s->err, sizeof s->err, "STOP JOB '%s' WITH SAVEPOINT: 'state.savepoints.dir' '%.600s': %s", j->id, root, bad);
    return STROM_EINVAL;
  }
  char dir[1200], rnd[33];
  new_id(rnd);
  snprintf(dir, sizeof dir, "%s/savepoint-%.6s-%.12s", root, j->id, rnd); /* as Flink names them */
  int rc = strom_env_stop_with_savepoint(j->env, dir, drain);
  /* The savepoint completes (and the job then ends) or fails (and the job goes on, as in
   * Flink); the job may also end on its own meanwhile. */
  int done = 0;
  while (!rc && !(done = strom_env_savepoint_done(j->env)) && atomic_load(&j->status) == JOB_RUNNING) {
    struct timespec ts = {0, 5000000};
    nanosleep(&ts, NULL);
  }
  if (!rc && done == 1) job_join(j);
  if (rc || done != 1) {
    const char *m = strom_env_errmsg(j->env);
    snprintf(s->err, sizeof s->err, "STOP JOB '%s' WITH SAVEPOINT failed: %.900s", j->id,
             rc ? m : done < 0 ? "the savepoint could not be taken (see the log above); the job goes on"
                               : "the job ended before its savepoint");
    return rc ? rc : STROM_EINVAL;
  }
  char *cell = dir;
  static const char *const head[] = {"savepoint path"};
  pthread_mutex_lock(&s->out_mu);
  sql_print_tableau(s->out, head, 1, &cell, 1);
  pthread_mutex_unlock(&s->out_mu);
  return STROM_OK;
}

int strom_sql_wait(strom_sql_session *s, bool cancel) {
  if (!s) return STROM_EINVAL;
  if (cancel) sql_jobs_cancel(s);
  int rc = STROM_OK;
  for (sql_job *j = s->jobs; j; j = j->next) {
    job_join(j);
    if (atomic_load(&j->status) == JOB_FAILED && !j->reported) {
      j->reported = true;
      if (!rc) snprintf(s->err, sizeof s->err, "job %s ('%.200s') failed: %.700s", j->id, j->name, j->err);
      if (!rc) rc = STROM_EINVAL;
    }
  }
  return rc;
}

void sql_jobs_free(sql_session *s) {
  strom_sql_wait(s, true);
  for (sql_job *j = s->jobs, *next; j; j = next) {
    next = j->next;
    sql_build_free(j->b);
    free(j);
  }
  s->jobs = NULL;
}
