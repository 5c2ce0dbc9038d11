/*
 * task.c -- one parallel subtask of a chain, on its own thread.
 *
 * The thread is the task's mailbox loop: it takes the next buffer from its input
 * gate (or, for a source, runs the source), decodes the elements in order and hands
 * them to the head of the chain; mail (actions posted by other threads) runs between
 * buffers on the same thread, so operator state needs no locks.  Before it would
 * block for input, a task flushes its partly filled output buffers, which keeps
 * latency low when input trickles and costs nothing when it floods.
 */
#include "runtime.h"
#include "snapshot.h"

static void run_mail(strom_task *t) {
  if (!atomic_load_explicit(&t->gate.has_mail, memory_order_acquire)) return;
  pthread_mutex_lock(&t->gate.mu);
  strom_mail *m = t->gate.mail;
  t->gate.mail = t->gate.mail_tail = NULL;
  atomic_store(&t->gate.has_mail, false);
  pthread_mutex_unlock(&t->gate.mu);
  while (m) {
    strom_mail *next = m->next;
    m->fn(t, m->arg);
    free(m);
    m = next;
  }
}

int strom__task_flush(strom_task *t) {
  for (int i = 0; i < t->nwriters; i++) {
    int rc = strom__writer_flush(t->writers[i]);
    if (rc) return rc;
  }
  t->last_flush_ns = strom__mono_ns();
  return STROM_OK;
}

/* now_ns: the monotonic clock if the caller has just read it, else 0. */
static int maybe_timed_flush(strom_task *t, int64_t now_ns) {
  int timeout = t->job->opts.buffer_timeout_ms;
  if (timeout < 0 || !t->nwriters) return STROM_OK;
  if ((now_ns ? now_ns : strom__mono_ns()) - t->last_flush_ns < (int64_t)timeout * 1000000) return STROM_OK;
  return strom__task_flush(t);
}

/* A source halted after a stop-with-savepoint barrier waits here, running mail, until
 * the job stops (or the savepoint fails and it goes on). */
static int wait_halted(strom_task *t) {
  while (t->halted && atomic_load(&t->job->ckpt_stop)) {
    if (strom__task_cancelled(t)) return STROM_ECANCELED;
    int rc = strom__task_flush(t);
    if (rc) return rc;
    strom__gate_wait(&t->gate, 10);
    run_mail(t);
  }
  t->halted = false;
  return strom__task_cancelled(t) ? STROM_ECANCELED : STROM_OK;
}

static int yield_at(strom_task *t, int64_t now_ns) {
  run_mail(t);
  if (STROM_UNLIKELY(t->halted)) {
    int rc = wait_halted(t);
    if (rc) return rc;
  }
  if (strom__task_cancelled(t)) return STROM_ECANCELED;
  int rc = strom__task_fire_ptimers(t);
  return rc ? rc : maybe_timed_flush(t, now_ns);
}

int strom__task_yield(strom_task *t) { return yield_at(t, 0); }

enum { YIELD_NS = 1000000, YIELD_MAX_RECORDS = 1024 };

int strom__source_yield(strom_task *t, strom_yield_pacer *p) {
  int64_t now = strom__mono_ns(), dt = now - p->last_ns;
  if (!p->last_ns || !p->every) {
    p->every = 1; /* the first record: start by yielding often, then grow */
  } else if (dt < YIELD_NS / 2) {
    if (p->every < YIELD_MAX_RECORDS) p->every *= 2;
  } else if (dt > 2 * YIELD_NS) {
    /* The last `every` records took too long: aim at YIELD_NS at their rate. */
    int64_t e = (int64_t)p->every * YIELD_NS / dt;
    p->every = e < 1 ? 1 : (uint32_t)e;
  }
  p->last_ns = now;
  return yield_at(t, now);
}

int strom__emit_all(strom_out *o, const strom_row *row) {
  for (int i = 0; i < o->nt; i++) {
    out_target *t = &o->t[i];
    int rc = t->op ? t->op->vt->process(t->op, t->input, row) : strom__writer_write(t->w, row);
    if (STROM_UNLIKELY(rc)) return rc;
  }
  return STROM_OK;
}

int strom__op_forward_watermark(strom_op *op, int64_t wm) {
  int rc = strom__out_watermark(&op->out, wm);
  for (int i = 0; !rc && i < op->nsides; i++) rc = strom__out_watermark(&op->sides[i], wm);
  return rc;
}

static int op_status(strom_op *op, bool idle) {
  int rc = strom__out_status(&op->out, idle);
  for (int i = 0; !rc && i < op->nsides; i++) rc = strom__out_status(&op->sides[i], idle);
  return rc;
}

int strom__out_status(strom_out *o, bool idle) {
  for (int i = 0; i < o->nt; i++) {
    int rc = o->t[i].op ? op_status(o->t[i].op, idle) : strom__writer_status(o->t[i].w, idle);
    if (rc) return rc;
  }
  return STROM_OK;
}

/* A chained operator of several input edges is at the least of their watermarks: false
 * when wm, arriving on t's edge, does not move that. */
static bool edges_watermark(const out_target *t, int64_t *wm) {
  strom_op *op = t->op;
  if (*wm > op->in_wm[t->edge - 1]) op->in_wm[t->edge - 1] = *wm;
  int64_t min = INT64_MAX;
  for (int k = 0; k < op->node->nin; k++)
    if (op->in_wm[k] < min) min = op->in_wm[k];
  if (min <= op->ctx.watermark) return false;
  *wm = min;
  return true;
}

int strom__out_watermark(strom_out *o, int64_t wm) {
  for (int i = 0; i < o->nt; i++) {
    out_target *t = &o->t[i];
    int rc;
    if (t->op) {
      int64_t w = wm;
      if (STROM_UNLIKELY(t->edge) && !edges_watermark(t, &w)) continue;
      t->op->ctx.watermark = w;
      rc = t->op->vt->watermark ? t->op->vt->watermark(t->op, w) : strom__op_forward_watermark(t->op, w);
    } else {
      rc = strom__writer_watermark(t->w, wm);
    }
    if (rc) return rc;
  }
  return STROM_OK;
}

int strom__task_emit_watermark(strom_task *t, int64_t wm) {
  strom_op *head = t->ops[0];
  t->watermark = wm;
  head->ctx.watermark = wm;
  return head->vt->watermark ? head->vt->watermark(head, wm) : strom__op_forward_watermark(head, wm);
}

/* The watermark of a task is the minimum over its input channels that are live,
 * active and aligned (as Flink's StatusWatermarkValve): an idle channel does not
 * hold event time back, and one that becomes active again counts only once its
 * watermark has caught up, so the task's watermark never goes backwards.  When every
 * live channel is idle, the task tells its consumers it is idle too. */
static int update_watermark(strom_task *t) {
  int64_t min = INT64_MAX, max = INT64_MIN;
  bool any = false, all_idle = true, live = false;
  for (int i = 0; i < t->gate.n; i++) {
    strom_channel *c = t->gate.ch[i];
    if (c->ended) continue;
    live = true;
    if (c->wm > max) max = c->wm;
    if (c->idle) continue;
    all_idle = false;
    if (!c->aligned) continue;
    any = true;
    if (c->wm < min) min = c->wm;
  }
  bool idle = live && all_idle;
  /* Every input went idle: nothing will advance event time, so it moves to the highest
   * watermark any input reached (Flink's valve does the same), before the idle status. */
  if (idle && !t->idle && max > t->watermark) {
    int rc = strom__task_emit_watermark(t, max);
    if (rc) return rc;
  }
  if (idle != t->idle) {
    t->idle = idle;
    int rc = op_status(t->ops[0], idle);
    if (rc) return rc;
  }
  if (!any || min <= t->watermark) return STROM_OK;
  return strom__task_emit_watermark(t, min);
}

/* Calls finish on every operator of the chain, parents first (a parent may still emit
 * into its children), then ends every output channel. */
static int end_chain(strom_task *t) {
  for (int i = 0; i < t->nops; i++) {
    strom_op *op = t->ops[i];
    if (op->vt->finish) {
      int rc = op->vt->finish(op);
      if (rc) return rc;
    }
  }
  int rc = strom__task_final_snapshot(t);
  if (rc) return rc;
  for (int i = 0; i < t->nwriters; i++) {
    rc = strom__writer_end(t->writers[i]);
    if (rc) return rc;
  }
  return STROM_OK;
}

static int corrupt(strom_task *t, strom_channel *c) {
  return strom__op_fail(t->ops[0], STROM_EPARSE, "corrupt element in input channel %d", c->idx);
}

/* The key hash and the end of a hashed record element at q (RECORD_H, RECORD_TS_H),
 * or NULL if q holds another element or is cut short (the look-ahead stops there). */
static inline const uint8_t *peek_hashed(const uint8_t *q, const uint8_t *end, const strom_schema *s, uint64_t *h) {
  int tag = *q & STROM_EL_TAG_MASK; /* records of any kind */
  size_t off = tag == STROM_EL_RECORD_H ? 1 : tag == STROM_EL_RECORD_TS_H ? 9 : 0;
  if (!off || (size_t)(end - q) < off + 8) return NULL;
  memcpy(h, q + off, 8);
  return strom__row_skip(s, q + off + 8, end);
}

/* How many records ahead a head operator with a key_hint hears of their key hashes
 * (enough to cover a cache miss on its state while it processes the ones before). */
enum { LOOKAHEAD = 8 };

/* A hashed record (p just past its tag): the carried key hash, then the row, which is
 * handed to the head with its time.  Returns the end of the element, or NULL if the
 * bytes are malformed; *rc receives the head's status. */
static inline const uint8_t *deliver_hashed(strom_task *t, int (*process)(strom_op *, int, const strom_row *),
                                            strom_op *head, int input, strom_row *row, const uint8_t *p,
                                            const uint8_t *end, int64_t time, int *rc) {
  if (STROM_UNLIKELY(end - p < 8)) return NULL;
  memcpy(&t->in_hash, p, 8);
  row->time = time;
  p = strom__row_decode(row, p + 8, end);
  if (STROM_UNLIKELY(!p)) return NULL;
  t->in_hashed = true;
  *rc = process(head, input, row);
  t->in_hashed = false;
  return p;
}

/* A record whose tag carries a kind other than +I (a changelog's -U, +U, -D).  Kept
 * out of the loop below: append-only streams never come here. */
static __attribute__((noinline)) const uint8_t *deliver_kinded(strom_task *t, strom_op *head, int input,
                                                               strom_row *row, const uint8_t *p,
                                                               const uint8_t *end, int tag, int *rc) {
  int (*process)(strom_op *, int, const strom_row *) = head->vt->process;
  int64_t time = STROM_NO_TIMESTAMP;
  int base = tag & STROM_EL_TAG_MASK;
  if (base == STROM_EL_RECORD_TS || base == STROM_EL_RECORD_TS_H) {
    if (end - p < 8) return NULL;
    memcpy(&time, p, 8);
    p += 8;
  }
  row->kind = (uint8_t)(tag >> STROM_EL_KIND_SHIFT);
  if (base == STROM_EL_RECORD_H || base == STROM_EL_RECORD_TS_H) {
    p = deliver_hashed(t, process, head, input, row, p, end, time, rc);
  } else if (base == STROM_EL_RECORD || base == STROM_EL_RECORD_TS) {
    row->time = time;
    p = strom__row_decode(row, p, end);
    if (p) *rc = process(head, input, row);
  } else {
    p = NULL;
  }
  row->kind = STROM_INSERT;
  return p;
}

static int process_buffer(strom_task *t, strom_channel *c, strom_buffer *b) {
  const uint8_t *p = b->data, *end = b->data + b->len;
  strom_op *head = t->ops[0];
  int (*process)(strom_op *, int, const strom_row *) = head->vt->process;
  void (*hint)(strom_op *, uint64_t) = head->key_hint;
  strom_row *row = t->in_rows[c->input];
  int input = c->input, rc = STROM_OK;
  unsigned n = 0;
  const uint8_t *q = p; /* look-ahead: the `ahead` records in [p, q) were hinted */
  int ahead = 0;
  while (p < end && !rc) {
    /* A slow operator must not finish a whole buffer before it notices a cancel. */
    if (STROM_UNLIKELY((++n & 63) == 0) && strom__task_cancelled(t)) return STROM_ECANCELED;
    if (hint) {
      if (q <= p) q = p, ahead = 0;
      for (uint64_t h; ahead < LOOKAHEAD && q < end; ahead++) {
        const uint8_t *next = peek_hashed(q, end, row->schema, &h);
        if (!next) break;
        hint(head, h);
        q = next;
      }
    }
    int tag = *p++;
    if (STROM_LIKELY(tag == STROM_EL_RECORD_H)) { /* the common cases first */
      p = deliver_hashed(t, process, head, input, row, p, end, STROM_NO_TIMESTAMP, &rc);
      if (STROM_UNLIKELY(!p)) return corrupt(t, c);
      if (ahead) ahead--;
      continue;
    }
    if (STROM_LIKELY(tag == STROM_EL_RECORD)) {
      row->time = STROM_NO_TIMESTAMP;
      p = strom__row_decode(row, p, end);
      if (STROM_UNLIKELY(!p)) return corrupt(t, c);
      rc = process(head, input, row);
      continue;
    }
    if (STROM_UNLIKELY(tag > STROM_EL_TAG_MASK)) {
      p = deliver_kinded(t, head, input, row, p, end, tag, &rc);
      if (STROM_UNLIKELY(!p)) return corrupt(t, c);
      if (ahead) ahead--;
      continue;
    }
    int64_t v = 0;
    if (tag != STROM_EL_END) {
      if (end - p < 8) return corrupt(t, c);
      memcpy(&v, p, 8);
      p += 8;
    }
    switch (tag) {
      case STROM_EL_RECORD_TS:
        row->time = v;
        p = strom__row_decode(row, p, end);
        if (STROM_UNLIKELY(!p)) return corrupt(t, c);
        rc = process(head, input, row);
        break;
      case STROM_EL_RECORD_TS_H:
        p = deliver_hashed(t, process, head, input, row, p, end, v, &rc);
        if (STROM_UNLIKELY(!p)) return corrupt(t, c);
        if (ahead) ahead--;
        break;
      case STROM_EL_WATERMARK:
        /* The end of an input's event time counts even from an idle input: it can hold
         * nothing back any more (else the last windows never fire). */
        if (v == INT64_MAX) c->idle = false;
        if (v > c->wm) c->wm = v;
        if (!c->aligned && c->wm >= t->watermark) c->aligned = true;
        rc = update_watermark(t);
        break;
      case STROM_EL_STATUS:
        c->idle = v != 0;
        c->aligned = !c->idle && c->wm >= t->watermark;
        rc = update_watermark(t);
        break;
      case STROM_EL_BARRIER:
        rc = strom__task_on_barrier(t, c, v);
        break;
      case STROM_EL_END:
        c->ended = true;
        t->nended++;
        if (++t->ended_per_input[input] == t->chans_per_input[input] && head->vt->end_input)
          rc = head->vt->end_input(head, input);
        if (!rc) rc = update_watermark(t);
        if (!rc) rc = strom__task_check_alignment(t);
        break;
      default: return corrupt(t, c);
    }
  }
  return rc;
}

/* Processes the in-flight input restored from an unaligned checkpoint: its records
 * only (watermarks come again from the live input; barriers and ends are history).
 * At another parallelism a subtask takes the hashed records of its key groups from
 * every former subtask, and the others from former subtasks s with s % parallelism ==
 * its own index. */
int strom__task_replay(strom_task *t) {
  strom_op *head = t->ops[0];
  int lo, hi, rc = STROM_OK;
  strom__subtask_key_groups(t->subtask, t->parallelism, t->job->opts.max_parallelism, &lo, &hi);
  bool rescaled = t->replay_old_par != t->parallelism;
  for (int k = 0; k < t->nreplay && !rc; k++) {
    const uint8_t *q = t->replay[k].p, *qend = q + t->replay[k].len;
    bool mine = !rescaled || t->replay[k].subtask % t->parallelism == t->subtask;
    while (q < qend && !rc) {
      uint64_t input;
      const uint8_t *p, *end;
      size_t n;
      if (!strom__get_varint(&q, qend, &input) || !strom__get_bytes(&q, qend, &p, &n) || input >= (uint64_t)t->ninputs)
        return strom__op_fail(head, STROM_EPARSE, "restoring in-flight input: malformed channel state");
      strom_row *row = t->in_rows[input];
      for (end = p + n; p && p < end && !rc;) {
        int tag = *p++, base = tag & STROM_EL_TAG_MASK;
        bool hashed = base == STROM_EL_RECORD_H || base == STROM_EL_RECORD_TS_H;
        bool timed = base == STROM_EL_RECORD_TS || base == STROM_EL_RECORD_TS_H;
        if (!hashed && !timed && base != STROM_EL_RECORD) { /* a control element */
          p = base == STROM_EL_END ? p : (end - p >= 8 ? p + 8 : NULL);
          continue;
        }
        bool take = mine;
        if (rescaled && hashed && end - p >= (timed ? 16 : 8)) {
          uint64_t h;
          memcpy(&h, p + (timed ? 8 : 0), 8);
          int kg = strom__key_group(h, t->job->opts.max_parallelism);
          take = kg >= lo && kg <= hi;
        }
        if (take) p = deliver_kinded(t, head, (int)input, row, p, end, tag, &rc);
        else if (end - p >= (timed ? 8 : 0) + (hashed ? 8 : 0))
          p = strom__row_skip(row->schema, p + (timed ? 8 : 0) + (hashed ? 8 : 0), end);
        else p = NULL;
      }
      if (!p) return strom__op_fail(head, STROM_EPARSE, "restoring in-flight input: corrupt record");
    }
  }
  free((void *)t->replay);
  t->replay = NULL;
  t->nreplay = 0;
  return rc;
}

static int run_inputs(strom_task *t) {
  strom_channel *c = NULL;
  strom_buffer *b = NULL;
  int rc0 = t->nreplay ? strom__task_replay(t) : STROM_OK;
  if (rc0) return rc0;
  for (;;) {
    strom_channel *from = NULL;
    if (strom__task_cancelled(t)) return STROM_ECANCELED;
    /* Between buffers (the last one is processed, the next not taken): unaligned
     * checkpoints start and capture here. */
    if (STROM_UNLIKELY(atomic_load_explicit(&t->gate.announced, memory_order_relaxed) || t->ann_watch || t->uc_id)) {
      int rc = strom__task_poll_unaligned(t);
      if (rc) return rc;
    }
    strom_buffer *next = strom__gate_poll(&t->gate, c, b, &from);
    b = NULL;
    run_mail(t);
    int rc = strom__task_fire_ptimers(t);
    if (rc) return rc;
    if (!next) {
      if (strom__task_cancelled(t)) return STROM_ECANCELED;
      if ((rc = strom__task_flush(t))) return rc;
      pthread_mutex_lock(&t->gate.mu);
      uint64_t seen = t->gate.sends;
      pthread_mutex_unlock(&t->gate.mu);
      next = strom__gate_poll(&t->gate, NULL, NULL, &from);
      if (!next) {
        int64_t wait = strom__task_ptimer_wait_ms(t);
        if (t->ann_watch && (wait < 0 || wait > 2)) wait = 2; /* an alignment timeout to watch */
        strom__gate_wait_new(&t->gate, wait, t->barrier_id ? seen : UINT64_MAX);
        continue;
      }
    }
    c = from;
    b = next;
    if (STROM_UNLIKELY(t->uc_id) && (rc = strom__task_capture_read(t, c, b))) return rc;
    rc = process_buffer(t, c, b);
    if (rc) return rc;
    if (t->nended == t->gate.n) return end_chain(t);
    if ((rc = maybe_timed_flush(t, 0))) return rc;
  }
}

static int run_source(strom_task *t) {
  strom_op *head = t->ops[0];
  int rc = head->vt->run(head);
  /* A bounded source that ended sends the maximum watermark, so every pending
   * event-time computation downstream completes. */
  if (!rc) rc = strom__task_emit_watermark(t, INT64_MAX);
  if (!rc) rc = end_chain(t);
  return rc;
}

static void task_done(strom_task *t, int rc);

static void *task_main(void *arg) {
  strom_task *t = arg;
  int rc = STROM_OK, opened = 0;
  t->last_flush_ns = strom__mono_ns();
  /* Open children before parents, as Flink does, so an operator can emit from open. */
  for (int i = t->nops - 1; i >= 0 && !rc; i--, opened++) {
    strom_op *op = t->ops[i];
    if (op->vt->open) rc = op->vt->open(op);
  }
  if (!rc) rc = strom__task_restore(t);
  if (!rc) rc = t->ops[0]->vt->run ? run_source(t) : run_inputs(t);
  if (!rc) rc = strom__task_wait_final(t);
  for (int i = t->nops - 1; i >= t->nops - opened; i--) {
    strom_op *op = t->ops[i];
    if (op->vt->close) op->vt->close(op);
  }
  task_done(t, rc);
  return NULL;
}

void strom__job_fail(strom_job *j, int rc, char *msg);

static void task_done(strom_task *t, int rc) {
  strom_job *j = t->job;
  if (!t->finished) {
    t->finished = true;
    atomic_fetch_add(&j->finished_tasks, 1);
  }
  if (rc && !(rc == STROM_ECANCELED && strom__task_cancelled(t))) {
    strom_op *op = t->err_op ? t->err_op : t->ops[0];
    int code = t->err_op ? t->err_rc : rc;
    char *msg = strom__aprintf("%s (subtask %d/%d) failed: %s", op->node->name, t->subtask + 1,
                               t->parallelism, t->err_msg ? t->err_msg : strom_strerror(code));
    strom__job_fail(j, code, msg);
  }
  pthread_mutex_lock(&j->mu);
  j->running--;
  pthread_cond_broadcast(&j->cv);
  pthread_mutex_unlock(&j->mu);
}

int strom__task_start(strom_task *t) {
  if (pthread_create(&t->thread, NULL, task_main, t)) return STROM_ENOMEM;
  t->started = true;
  return STROM_OK;
}
