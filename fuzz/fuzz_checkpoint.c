/*
 * fuzz_checkpoint.c -- libFuzzer target for checkpoint storage: the _metadata parser
 * and the state file block reader (src/checkpoint/storage.h).  The first byte picks
 * a mode, the rest is the input:
 *
 *   0  _metadata decoder on the bytes as they are;
 *   1  the same after fixing magic, version, length and checksum, so the parser
 *      proper is reached; an accepted input must re-encode to exactly its bytes;
 *   2  state file reader on the bytes as they are (all blocks, then a key-group
 *      range taken from the input);
 *   3  the same after fixing the file header, footer, index and block checksums
 *      wherever they lie inside the input, so block headers and zstd frames are
 *      reached;
 *   4  a program for the writer: blocks of (kind, key group, bytes) written to a
 *      file in a temporary folder and read back whole and by range; what is read
 *      must be what was written, and then one byte flipped at a place the input
 *      picks must make the reader report an error.
 *
 * Invariants: no memory error or UB (ASan, UBSan); every rejection is STROM_EPARSE
 * with a message (or STROM_ENOMEM never, as inputs are small).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <xxhash.h>

#include "checkpoint/storage.h"

static char err[1024];

static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

static void must_be_parse_error(int rc) {
  if (rc != STROM_EPARSE || !err[0]) {
    fprintf(stderr, "rc %d, message \"%s\"\n", rc, err);
    abort();
  }
}

static void meta_mode(uint8_t *p, size_t n, bool fix) {
  if (fix) {
    if (n < 24) return;
    memcpy(p, "STRMMETA", 8);
    put32(p + 8, 1);
    put32(p + 12, (uint32_t)n);
    put64(p + n - 8, XXH64(p, n - 8, 0));
  }
  strom__ckpt_meta *m;
  err[0] = 0;
  int rc = strom__ckpt_meta_decode(p, n, "chk-1/_metadata", &m, err, sizeof err);
  if (rc) {
    must_be_parse_error(rc);
    if (m) abort();
    return;
  }
  /* accepted: the encoding is canonical */
  strom_buf b = {0};
  if (strom__ckpt_meta_encode(m, &b, err, sizeof err) || b.len != n || memcmp(b.p, p, n)) abort();
  strom_buf d = {0};
  strom__ckpt_meta_describe(m, &d);
  strom__buf_free(&d);
  strom__buf_free(&b);
  strom__ckpt_meta_free(m);
}

/* Reads every block, then a range; returns the first error. */
static int read_all(strom__ckpt_reader *r, int lo, int hi) {
  strom__ckpt_block b;
  int rc, first = 0;
  while ((rc = strom__ckpt_reader_next(r, &b)) != 0) {
    if (rc < 0) {
      if (!first) first = rc;
      snprintf(err, sizeof err, "%s", strom__ckpt_reader_errmsg(r));
      continue;
    }
    if (b.len && (b.data[0] ^ b.data[b.len - 1]) == 0x5a) err[1] = 0; /* touch the bytes */
  }
  strom__ckpt_reader_filter(r, lo, hi, lo & 1);
  while ((rc = strom__ckpt_reader_next(r, &b)) != 0)
    if (rc < 0 && !first) first = rc;
  return first;
}

/* Recomputes every checksum of a state file image that lies inside it. */
static void fix_state(uint8_t *p, size_t n) {
  if (n < STROM__CKPT_FILE_HEADER_SIZE + STROM__CKPT_FOOTER_SIZE) return;
  memcpy(p, "STROMSTF", 8);
  put32(p + 8, 1);
  put32(p + 12, 0);
  uint8_t *f = p + n - STROM__CKPT_FOOTER_SIZE;
  memcpy(f + 32, "STROMEND", 8);
  uint64_t ioff = get64(f), nb = get64(f + 8), foff = n - STROM__CKPT_FOOTER_SIZE;
  if (ioff > foff) ioff = foff - (foff - STROM__CKPT_FILE_HEADER_SIZE) % STROM__CKPT_INDEX_ENTRY_SIZE;
  nb = (foff - ioff) / STROM__CKPT_INDEX_ENTRY_SIZE;
  ioff = foff - nb * STROM__CKPT_INDEX_ENTRY_SIZE;
  put64(f, ioff);
  put64(f + 8, nb);
  for (uint64_t i = 0; i < nb; i++) {
    const uint8_t *e = p + ioff + i * STROM__CKPT_INDEX_ENTRY_SIZE;
    uint64_t off = get64(e), clen = get64(e + 16);
    if (off > ioff || ioff - off < STROM__CKPT_BLOCK_HEADER_SIZE) continue;
    uint8_t *h = p + off;
    if (clen <= ioff - off - STROM__CKPT_BLOCK_HEADER_SIZE)
      put64(h + 32, XXH64(h + STROM__CKPT_BLOCK_HEADER_SIZE, (size_t)clen, 0));
    put64(h + 40, XXH64(h, 40, 0));
  }
  put64(f + 16, XXH64(p + ioff, (size_t)(nb * STROM__CKPT_INDEX_ENTRY_SIZE), 0));
  put64(f + 24, XXH64(f, 24, 0));
}

static void state_mode(uint8_t *p, size_t n, bool fix) {
  if (fix) fix_state(p, n);
  int lo = n ? p[0] : 0, hi = n > 1 ? p[1] : 0;
  strom__ckpt_reader *r;
  strom__ckpt_reader_opts o = {.max_block_bytes = 1 << 20};
  err[0] = 0;
  int rc = strom__ckpt_reader_open_mem(&r, p, n, "chk-1/op-0.state", &o, err, sizeof err);
  if (rc) {
    must_be_parse_error(rc);
    return;
  }
  rc = read_all(r, lo, hi);
  if (rc) must_be_parse_error(rc);
  strom__ckpt_reader_close(r);
}

static char dir[64];
static void cleanup(void) {
  char p[128];
  snprintf(p, sizeof p, "%s/w.state", dir);
  unlink(p);
  rmdir(dir);
}

static void writer_mode(const uint8_t *p, size_t n) {
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "%s/strom-fuzz-XXXXXX", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
    if (!mkdtemp(dir)) abort();
    atexit(cleanup);
  }
  if (n < 2) return;
  strom__ckpt_writer_opts o = {.block_target = 64 + p[0] * 4u, .no_compression = p[1] & 1};
  size_t flip_at = p[1];
  p += 2, n -= 2;
  strom__ckpt_writer *w;
  if (strom__ckpt_writer_open(&w, dir, "w.state", &o, err, sizeof err)) abort();
  /* blocks: kind byte, key group byte, length byte, that many bytes (repeated 4 times
   * when the kind is odd, for compressible data) */
  uint8_t *all = malloc(4 * n + 1);
  size_t total = 0;
  int nblocks = 0;
  while (n >= 3) {
    int kind = 1 + (p[0] & 7), kg = p[1] == 255 ? -1 : p[1];
    size_t len = p[2] < n - 3 ? p[2] : n - 3;
    p += 3, n -= 3;
    if (strom__ckpt_writer_begin_block(w, kind, kg)) abort();
    for (int rep = 0; rep < (kind & 1 ? 4 : 1); rep++) {
      if (strom__ckpt_writer_write(w, p, len)) abort();
      memcpy(all + total, p, len);
      total += len;
    }
    if (strom__ckpt_writer_end_block(w)) abort();
    nblocks++;
    p += len, n -= len;
  }
  strom__ckpt_file_info fi;
  if (strom__ckpt_writer_close(w, &fi, err, sizeof err)) abort();
  if (fi.raw_bytes != total || fi.blocks < (uint64_t)nblocks) abort();
  strom__ckpt_reader *r;
  strom__ckpt_reader_opts ro = {.expect_size = fi.size};
  if (strom__ckpt_reader_open(&r, dir, "w.state", &ro, err, sizeof err)) abort();
  strom__ckpt_block b;
  size_t got = 0;
  int rc;
  while ((rc = strom__ckpt_reader_next(r, &b)) == 1) {
    if (b.len > total - got || memcmp(b.data, all + got, b.len)) abort();
    got += b.len;
  }
  if (rc || got != total) abort();
  strom__ckpt_reader_close(r);
  free(all);
  /* one flipped byte is always reported */
  char path[128];
  snprintf(path, sizeof path, "%s/w.state", dir);
  FILE *f = fopen(path, "rb");
  uint8_t *img = malloc(fi.size);
  if (!f || fread(img, 1, fi.size, f) != fi.size) abort();
  fclose(f);
  img[(flip_at * 7919) % fi.size] ^= 0x10;
  err[0] = 0;
  rc = strom__ckpt_reader_open_mem(&r, img, fi.size, "w.state", NULL, err, sizeof err);
  if (rc == STROM_OK) {
    rc = read_all(r, 0, 255);
    strom__ckpt_reader_close(r);
  }
  must_be_parse_error(rc);
  free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  int mode = data[0] % 5;
  size_t n = size - 1;
  uint8_t *p = malloc(n ? n : 1); /* exactly n bytes: ASan catches reads past them */
  if (n) memcpy(p, data + 1, n);
  switch (mode) {
  case 0: meta_mode(p, n, false); break;
  case 1: meta_mode(p, n, true); break;
  case 2: state_mode(p, n, false); break;
  case 3: state_mode(p, n, true); break;
  default: writer_mode(p, n); break;
  }
  free(p);
  return 0;
}
