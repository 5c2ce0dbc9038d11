/*
 * storage_impl.h -- helpers shared by the checkpoint storage files (not an API):
 * little-endian fields, error messages, whole-buffer I/O, durable renames.
 */
#ifndef STROM_CKPT_STORAGE_IMPL_H
#define STROM_CKPT_STORAGE_IMPL_H

#include <inttypes.h>
#include <sys/types.h>

#include "storage.h"

static inline void ckpt_put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void ckpt_put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void ckpt_put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t ckpt_get16(const uint8_t *p) { return (uint16_t)(p[0] | (uint16_t)p[1] << 8); }
static inline uint32_t ckpt_get32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--) v = v << 8 | p[i];
  return v;
}
static inline uint64_t ckpt_get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* XXH64 with seed 0. */
uint64_t strom__ckpt_xxh64(const void *p, size_t n);

/* snprintf into (err, errlen) when err is not NULL. */
void strom__ckpt_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "chk-7/name": the last component of dir, '/', name, into buf. */
void strom__ckpt_display(char *buf, size_t cap, const char *dir, const char *name);

/* True when name is acceptable as a file in a checkpoint folder. */
bool strom__ckpt_name_ok(const char *name, size_t n);

/* write(2) all of it (retrying short writes and EINTR); -1 with errno on failure. */
int strom__ckpt_write_all(int fd, const void *p, size_t n);
/* pread(2) exactly n bytes at off; returns the bytes read (fewer at end of file) or -1. */
ssize_t strom__ckpt_pread_all(int fd, void *p, size_t n, uint64_t off);
/* fsync a directory. */
int strom__ckpt_fsync_dir(const char *dir);

/* Adds n to the process-wide counter and to c (when not NULL). */
void strom__ckpt_count_bytes(_Atomic uint64_t *c, uint64_t n);

#endif
