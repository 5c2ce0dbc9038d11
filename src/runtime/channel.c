/*
 * channel.c -- channels and input gates: the only place where tasks meet.
 *
 * A channel connects one producer subtask to one consumer subtask.  It owns a fixed
 * pool of buffers (its credits).  The producer fills a free buffer and sends it; the
 * consumer reads it and gives it back.  When every buffer is in flight the producer
 * waits, which is how backpressure reaches the sources and why memory stays bounded
 * however fast they are.  All channels into one consumer share its gate's mutex, so
 * the consumer can wait on any of them (and on its mailbox) with one condition
 * variable.  Locks are taken once per buffer, not per record.
 */
#include <time.h>

#include "runtime.h"
#include "snapshot.h"

int strom__gate_init(strom_gate *g) {
  memset(g, 0, sizeof *g);
  if (pthread_mutex_init(&g->mu, NULL)) return STROM_ENOMEM;
  if (pthread_cond_init(&g->can_read, NULL)) {
    pthread_mutex_destroy(&g->mu);
    return STROM_ENOMEM;
  }
  atomic_init(&g->has_mail, false);
  return STROM_OK;
}

void strom__gate_destroy(strom_gate *g) {
  for (strom_mail *m = g->mail, *next; m; m = next) {
    next = m->next;
    free(m);
  }
  free(g->ch);
  pthread_cond_destroy(&g->can_read);
  pthread_mutex_destroy(&g->mu);
}

int strom__gate_add(strom_gate *g, strom_channel *c) {
  strom_channel **ch = strom__realloc(g->ch, (size_t)(g->n + 1) * sizeof *ch);
  if (!ch) return STROM_ENOMEM;
  g->ch = ch;
  c->idx = g->n;
  g->ch[g->n++] = c;
  return STROM_OK;
}

strom_channel *strom__channel_new(strom_gate *g, int input, int nbufs, size_t bufsize) {
  /* The channel and its buffer headers (whose len the producer writes on every
   * record) get cache lines of their own. */
  strom_channel *c = strom__alloc_lines(sizeof *c);
  if (!c) return NULL;
  c->gate = g;
  c->input = input;
  c->nbufs = nbufs;
  c->ring_cap = nbufs;
  c->wm = INT64_MIN;
  c->aligned = true;
  c->ring = strom__alloc_lines((size_t)nbufs * sizeof *c->ring);
  c->pool = strom__alloc_lines((size_t)nbufs * sizeof *c->pool);
  if (!c->ring || !c->pool || pthread_cond_init(&c->can_write, NULL)) goto fail;
  for (int i = 0; i < nbufs; i++) {
    strom_buffer *b = &c->pool[i];
    b->data = strom__malloc(bufsize);
    if (!b->data) goto fail_bufs;
    b->cap = bufsize;
    b->next = c->free_list;
    c->free_list = b;
  }
  if (strom__gate_add(g, c)) goto fail_bufs;
  return c;
fail_bufs:
  for (int i = 0; i < nbufs; i++) free(c->pool[i].data);
  pthread_cond_destroy(&c->can_write);
fail:
  free(c->ring);
  free(c->pool);
  free(c);
  return NULL;
}

void strom__channel_free(strom_channel *c) {
  if (!c) return;
  for (int i = 0; i < c->nbufs; i++) free(c->pool[i].data);
  pthread_cond_destroy(&c->can_write);
  free(c->ring);
  free(c->pool);
  free(c);
}

strom_buffer *strom__channel_acquire(strom_channel *c) {
  strom_gate *g = c->gate;
  pthread_mutex_lock(&g->mu);
  while (!c->free_list && !g->cancelled) pthread_cond_wait(&c->can_write, &g->mu);
  strom_buffer *b = g->cancelled ? NULL : c->free_list;
  if (b) c->free_list = b->next;
  pthread_mutex_unlock(&g->mu);
  if (b) b->len = 0;
  return b;
}

void strom__channel_send(strom_channel *c, strom_buffer *b) {
  strom_gate *g = c->gate;
  pthread_mutex_lock(&g->mu);
  b->seq = c->sent++;
  c->ring[(c->head + c->count) % c->ring_cap] = b;
  c->count++;
  g->nready++;
  g->sends++;
  pthread_cond_signal(&g->can_read);
  pthread_mutex_unlock(&g->mu);
}

strom_buffer *strom__gate_poll(strom_gate *g, strom_channel *done_ch, strom_buffer *done,
                               strom_channel **from) {
  strom_buffer *b = NULL;
  pthread_mutex_lock(&g->mu);
  if (done) {
    done->next = done_ch->free_list;
    done_ch->free_list = done;
    pthread_cond_signal(&done_ch->can_write);
  }
  if (g->nready) {
    /* Round robin over channels so one fast producer cannot starve the others. */
    for (int k = 0; k < g->n; k++) {
      int i = (g->rr + k) % g->n;
      strom_channel *c = g->ch[i];
      if (!c->count || c->blocked) continue; /* a blocked channel waits for a checkpoint's alignment */
      b = c->ring[c->head];
      c->head = (c->head + 1) % c->ring_cap;
      c->count--;
      g->nready--;
      g->rr = i + 1;
      *from = c;
      break;
    }
  }
  pthread_mutex_unlock(&g->mu);
  return b;
}

void strom__channel_announce(strom_channel *c, int64_t id) {
  strom_gate *g = c->gate;
  pthread_mutex_lock(&g->mu);
  c->ann_id = id;
  c->ann_seq = c->sent;
  atomic_store_explicit(&g->announced, true, memory_order_relaxed);
  /* Wakes a consumer waiting past blocked channels, as a send would. */
  g->sends++;
  pthread_cond_signal(&g->can_read);
  pthread_mutex_unlock(&g->mu);
}

int strom__channel_capture_queued(strom_channel *c, uint64_t upto, strom_buf *out) {
  strom_gate *g = c->gate;
  int rc = STROM_OK;
  pthread_mutex_lock(&g->mu);
  for (int k = 0; k < c->count && !rc; k++) {
    const strom_buffer *b = c->ring[(c->head + k) % c->ring_cap];
    if (b->seq < c->uc_upto || b->seq >= upto) continue;
    rc = strom__put_varint(out, (uint64_t)c->input);
    if (!rc) rc = strom__put_bytes(out, b->data, b->len);
  }
  pthread_mutex_unlock(&g->mu);
  if (!rc && upto > c->uc_upto) c->uc_upto = upto;
  return rc;
}

void strom__gate_wait(strom_gate *g, int64_t timeout_ms) { strom__gate_wait_new(g, timeout_ms, UINT64_MAX); }

/* Waits for a buffer sent after `seen` sends (UINT64_MAX: any ready buffer), mail,
 * cancellation or the timeout.  While channels are blocked for alignment, their ready
 * buffers do not count: the consumer waits for new input instead of spinning. */
void strom__gate_wait_new(strom_gate *g, int64_t timeout_ms, uint64_t seen) {
  struct timespec ts;
  if (timeout_ms >= 0) {
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
  }
  pthread_mutex_lock(&g->mu);
  while ((seen == UINT64_MAX ? !g->nready : g->sends == seen) && !g->cancelled && !g->mail) {
    if (timeout_ms < 0) pthread_cond_wait(&g->can_read, &g->mu);
    else if (pthread_cond_timedwait(&g->can_read, &g->mu, &ts)) break;
  }
  pthread_mutex_unlock(&g->mu);
}

void strom__gate_cancel(strom_gate *g) {
  pthread_mutex_lock(&g->mu);
  g->cancelled = true;
  pthread_cond_broadcast(&g->can_read);
  for (int i = 0; i < g->n; i++) pthread_cond_broadcast(&g->ch[i]->can_write);
  pthread_mutex_unlock(&g->mu);
}

int strom__gate_post(strom_gate *g, void (*fn)(strom_task *, void *), void *arg) {
  strom_mail *m = strom__malloc(sizeof *m);
  if (!m) return STROM_ENOMEM;
  m->fn = fn;
  m->arg = arg;
  m->next = NULL;
  pthread_mutex_lock(&g->mu);
  if (g->mail_tail) g->mail_tail->next = m;
  else g->mail = m;
  g->mail_tail = m;
  atomic_store(&g->has_mail, true);
  pthread_cond_signal(&g->can_read);
  pthread_mutex_unlock(&g->mu);
  return STROM_OK;
}
