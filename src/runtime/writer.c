/*
 * writer.c -- the producing end of an edge: picks the target channel of each record
 * (forward, rebalance, hash by key group, broadcast) and encodes it into that
 * channel's current buffer.  A buffer is sent when the next element does not fit,
 * on flush (buffer timeout, idle task, control elements) and at the end.
 */
#include "runtime.h"

/* The current buffer of channel ci if it has room for need bytes; else sends it and
 * takes a new one (blocking while all are in flight). */
__attribute__((noinline)) static strom_buffer *next_buffer(strom_writer *w, int ci, size_t need) {
  strom_buffer *b = w->cur[ci];
  if (b && b->len + need > b->cap) {
    strom__channel_send(w->chan[ci], b);
    b = w->cur[ci] = NULL;
  }
  if (!b) {
    b = strom__channel_acquire(w->chan[ci]);
    if (!b) return NULL;
    if (need > b->cap) {
      /* A record larger than a buffer gets a buffer of its own size; the channel keeps
       * it, so the count of buffers (and so the bound on memory) does not change. */
      uint8_t *d = strom__realloc(b->data, need);
      if (!d) {
        strom__channel_send(w->chan[ci], b);
        return NULL;
      }
      b->data = d;
      b->cap = need;
    }
    w->cur[ci] = b;
  }
  return b;
}

static inline strom_buffer *buffer_for(strom_writer *w, int ci, size_t need) {
  strom_buffer *b = w->cur[ci];
  if (STROM_LIKELY(b && b->len + need <= b->cap)) return b;
  return next_buffer(w, ci, need);
}

static int put_record(strom_writer *w, int ci, const strom_row *row, size_t need) {
  strom_buffer *b = buffer_for(w, ci, need);
  if (STROM_UNLIKELY(!b)) return strom__task_cancelled(w->task) ? STROM_ECANCELED : STROM_ENOMEM;
  uint8_t *p = b->data + b->len;
  if (row->time != STROM_NO_TIMESTAMP) {
    *p++ = (uint8_t)(STROM_EL_RECORD_TS | row->kind << STROM_EL_KIND_SHIFT);
    memcpy(p, &row->time, 8);
    p += 8;
  } else {
    *p++ = (uint8_t)(STROM_EL_RECORD | row->kind << STROM_EL_KIND_SHIFT);
  }
  p = strom__row_encode(row, p);
  b->len = (size_t)(p - b->data);
  return STROM_OK;
}

/* A record of a hash-partitioned edge, with its key hash (RECORD_H, RECORD_TS_H). */
static int put_hashed(strom_writer *w, int ci, const strom_row *row, size_t need, uint64_t hash) {
  strom_buffer *b = buffer_for(w, ci, need + 8);
  if (STROM_UNLIKELY(!b)) return strom__task_cancelled(w->task) ? STROM_ECANCELED : STROM_ENOMEM;
  uint8_t *p = b->data + b->len;
  if (row->time != STROM_NO_TIMESTAMP) {
    *p++ = (uint8_t)(STROM_EL_RECORD_TS_H | row->kind << STROM_EL_KIND_SHIFT);
    memcpy(p, &row->time, 8);
    p += 8;
  } else {
    *p++ = (uint8_t)(STROM_EL_RECORD_H | row->kind << STROM_EL_KIND_SHIFT);
  }
  memcpy(p, &hash, 8);
  p = strom__row_encode(row, p + 8);
  b->len = (size_t)(p - b->data);
  return STROM_OK;
}

int strom__writer_write(strom_writer *w, const strom_row *row) {
  size_t need = 9 + strom__row_encoded_size(row);
  int ci;
  switch (w->part) {
    case STROM_PART_HASH: {
      uint64_t h = strom__key_hash(row, w->keycols, w->nkey);
      ci = strom__key_group_owner(strom__key_group(h, w->max_par), w->max_par, w->nchan);
      return put_hashed(w, ci, row, need, h);
    }
    case STROM_PART_REBALANCE:
      ci = w->rr;
      if (++w->rr == w->nchan) w->rr = 0;
      break;
    case STROM_PART_BROADCAST:
      for (int i = 0; i < w->nchan; i++) {
        int rc = put_record(w, i, row, need);
        if (rc) return rc;
      }
      return STROM_OK;
    default: ci = 0; break;
  }
  return put_record(w, ci, row, need);
}

static int put_control(strom_writer *w, int tag, int64_t value) {
  for (int i = 0; i < w->nchan; i++) {
    strom_buffer *b = buffer_for(w, i, 9);
    if (!b) return STROM_ECANCELED;
    b->data[b->len++] = (uint8_t)tag;
    if (tag != STROM_EL_END) {
      memcpy(b->data + b->len, &value, 8);
      b->len += 8;
    }
  }
  return STROM_OK;
}

int strom__writer_flush(strom_writer *w) {
  for (int i = 0; i < w->nchan; i++) {
    strom_buffer *b = w->cur[i];
    if (b && b->len) {
      strom__channel_send(w->chan[i], b);
      w->cur[i] = NULL;
    }
  }
  return strom__task_cancelled(w->task) ? STROM_ECANCELED : STROM_OK;
}

int strom__writer_watermark(strom_writer *w, int64_t wm) {
  return put_control(w, STROM_EL_WATERMARK, wm);
}

int strom__writer_barrier(strom_writer *w, int64_t id) {
  int rc = put_control(w, STROM_EL_BARRIER, id);
  if (!rc) rc = strom__writer_flush(w);
  /* The barrier ends the last buffer sent on each channel; announced, it may overtake
   * the queued ones (an unaligned checkpoint, see checkpointing.c). */
  const strom_job *j = w->task->job;
  if (!rc && j->opts.unaligned && atomic_load(&j->ckpt_unaligned) && atomic_load(&j->ckpt_id) == id)
    for (int i = 0; i < w->nchan; i++) strom__channel_announce(w->chan[i], id);
  return rc;
}

int strom__writer_status(strom_writer *w, bool idle) {
  int rc = put_control(w, STROM_EL_STATUS, idle);
  return rc ? rc : strom__writer_flush(w);
}

int strom__writer_end(strom_writer *w) {
  int rc = put_control(w, STROM_EL_END, 0);
  return rc ? rc : strom__writer_flush(w);
}
