/*
 * ptime.c -- the processing-time service of a task: callbacks due at a time of the
 * job's clock (which a test may replace with a virtual one), kept in a min-heap and
 * run on the task thread between buffers, so they need no locks.  Operators use it
 * for periodic watermarks, idleness and processing-time timers; an operator keeps
 * at most a few callbacks pending and ignores one that has become stale.
 */
#include <time.h>

#include "runtime.h"

typedef struct strom_ptimer {
  int64_t when;
  int (*fn)(strom_op *op, int64_t now);
  strom_op *op;
} strom_ptimer;

int64_t strom__job_now(const strom_job *j) {
  if (j->opts.now_ms) return j->opts.now_ms(j->opts.clock_data);
  return strom__now_ms();
}

static void swap(strom_ptimer *a, strom_ptimer *b) {
  strom_ptimer t = *a;
  *a = *b;
  *b = t;
}

int strom__task_schedule(strom_task *t, int64_t when, int (*fn)(strom_op *, int64_t), strom_op *op) {
  if (t->npt == t->ptcap) {
    int cap = t->ptcap ? t->ptcap * 2 : 8;
    strom_ptimer *p = strom__realloc(t->pt, (size_t)cap * sizeof *p);
    if (!p) return STROM_ENOMEM;
    t->pt = p;
    t->ptcap = cap;
  }
  int i = t->npt++;
  t->pt[i] = (strom_ptimer){.when = when, .fn = fn, .op = op};
  while (i > 0 && t->pt[(i - 1) / 2].when > t->pt[i].when) {
    swap(&t->pt[(i - 1) / 2], &t->pt[i]);
    i = (i - 1) / 2;
  }
  return STROM_OK;
}

static strom_ptimer pop(strom_task *t) {
  strom_ptimer top = t->pt[0];
  t->pt[0] = t->pt[--t->npt];
  for (int i = 0;;) {
    int l = 2 * i + 1, r = l + 1, m = i;
    if (l < t->npt && t->pt[l].when < t->pt[m].when) m = l;
    if (r < t->npt && t->pt[r].when < t->pt[m].when) m = r;
    if (m == i) break;
    swap(&t->pt[i], &t->pt[m]);
    i = m;
  }
  return top;
}

int strom__task_fire_ptimers(strom_task *t) {
  if (!t->npt) return STROM_OK;
  int64_t now = strom__job_now(t->job);
  while (t->npt && t->pt[0].when <= now) {
    strom_ptimer p = pop(t);
    int rc = p.fn(p.op, now);
    if (rc) return rc;
  }
  return STROM_OK;
}

int64_t strom__task_ptimer_wait_ms(strom_task *t) {
  if (!t->npt) return -1;
  /* A virtual clock does not move with real time: poll it. */
  if (t->job->opts.now_ms) return 2;
  int64_t d = t->pt[0].when - strom__job_now(t->job);
  return d < 0 ? 0 : d;
}

void strom__task_ptimers_free(strom_task *t) {
  free(t->pt);
  t->pt = NULL;
  t->npt = t->ptcap = 0;
}
