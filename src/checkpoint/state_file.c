/*
 * state_file.c -- state files: the block writer and the verifying block reader.
 *
 * The format is described in storage.h.  The writer keeps the current block's
 * uncompressed bytes in memory, compresses them with zstd when the block ends and
 * writes header and body through a 256 KiB output buffer, hashing every byte for the
 * whole-file checksum and remembering each block in the index that ends the file.
 *
 * The reader trusts nothing: the footer, the index and each block header carry their
 * own checksums and are cross-checked (blocks contiguous, lengths inside the file,
 * header equal to its index entry) before a byte count is used for an allocation or
 * a read, so corrupt or truncated files give a message, never an out-of-bounds access.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "storage_impl.h"

static const char FILE_MAGIC[8] = {'S', 'T', 'R', 'O', 'M', 'S', 'T', 'F'};
static const char END_MAGIC[8] = {'S', 'T', 'R', 'O', 'M', 'E', 'N', 'D'};
static const char BLOCK_MAGIC[4] = {'S', 'B', 'L', 'K'};
#define FORMAT_VERSION 1
#define OUT_BUF (256 * 1024)
#define DEFAULT_BLOCK_TARGET ((size_t)1 << 20)
#define DEFAULT_MAX_BLOCK ((uint64_t)1 << 30)
#define DISPLAY_MAX 320
#define ERRMSG_MAX 512

/* ---------------------------------------------------------------- writer */

struct strom__ckpt_writer {
  int fd;
  int status; /* first error, sticky */
  char *tmp_path, *final_path, *dir;
  char name[STROM__CKPT_NAME_MAX + 1];
  char disp[DISPLAY_MAX];
  strom__ckpt_writer_opts o;
  ZSTD_CCtx *cctx;
  XXH64_state_t *hash;
  uint64_t off; /* bytes emitted (buffered or written) */
  uint8_t *out;
  size_t out_len;
  strom_buf raw; /* the current block */
  uint8_t *comp;
  size_t comp_cap;
  strom_buf index;
  uint64_t nblocks, raw_total;
  bool in_block;
  int kind, kg;
  char errmsg[ERRMSG_MAX];
};

static int wfail(strom__ckpt_writer *w, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int wfail(strom__ckpt_writer *w, int code, const char *fmt, ...) {
  if (w->status) return w->status;
  int n = snprintf(w->errmsg, sizeof w->errmsg, "%s: ", w->disp);
  va_list ap;
  va_start(ap, fmt);
  if (n > 0 && (size_t)n < sizeof w->errmsg) vsnprintf(w->errmsg + n, sizeof w->errmsg - (size_t)n, fmt, ap);
  va_end(ap);
  w->status = code;
  return code;
}

static int wflush(strom__ckpt_writer *w) {
  if (!w->out_len) return STROM_OK;
  if (strom__ckpt_write_all(w->fd, w->out, w->out_len))
    return wfail(w, STROM_EIO, "write failed: %s", strerror(errno));
  strom__ckpt_count_bytes(w->o.bytes_written, w->out_len);
  w->out_len = 0;
  return STROM_OK;
}

static int emit(strom__ckpt_writer *w, const void *p, size_t n) {
  if (w->status || !n) return w->status;
  XXH64_update(w->hash, p, n);
  w->off += n;
  if (n >= OUT_BUF / 2) { /* large bodies go straight to the file */
    int rc = wflush(w);
    if (rc) return rc;
    if (strom__ckpt_write_all(w->fd, p, n)) return wfail(w, STROM_EIO, "write failed: %s", strerror(errno));
    strom__ckpt_count_bytes(w->o.bytes_written, n);
    return STROM_OK;
  }
  if (w->out_len + n > OUT_BUF) {
    int rc = wflush(w);
    if (rc) return rc;
  }
  memcpy(w->out + w->out_len, p, n);
  w->out_len += n;
  return STROM_OK;
}

static void writer_free(strom__ckpt_writer *w) {
  ZSTD_freeCCtx(w->cctx);
  if (w->hash) XXH64_freeState(w->hash);
  free(w->out);
  free(w->comp);
  strom__buf_free(&w->raw);
  strom__buf_free(&w->index);
  free(w->tmp_path);
  free(w->final_path);
  free(w->dir);
  free(w);
}

int strom__ckpt_writer_open(strom__ckpt_writer **out, const char *dir, const char *name,
                            const strom__ckpt_writer_opts *opts, char *err, size_t errlen) {
  *out = NULL;
  char disp[DISPLAY_MAX];
  strom__ckpt_display(disp, sizeof disp, dir, name ? name : "(null)");
  if (!dir || !name || !strom__ckpt_name_ok(name, strlen(name))) {
    strom__ckpt_errf(err, errlen, "%s: not a valid state file name", disp);
    return STROM_EINVAL;
  }
  strom__ckpt_writer *w = strom__calloc(1, sizeof *w);
  if (!w) return STROM_ENOMEM;
  w->fd = -1;
  if (opts) w->o = *opts;
  if (!w->o.block_target) w->o.block_target = DEFAULT_BLOCK_TARGET;
  if (!w->o.zstd_level) w->o.zstd_level = 1;
  snprintf(w->name, sizeof w->name, "%s", name);
  memcpy(w->disp, disp, sizeof disp);
  w->dir = strom__strdup(dir);
  w->tmp_path = strom__aprintf("%s/.%s.tmp", dir, name);
  w->final_path = strom__aprintf("%s/%s", dir, name);
  w->out = strom__malloc(OUT_BUF);
  w->hash = XXH64_createState();
  w->cctx = w->o.no_compression ? NULL : ZSTD_createCCtx();
  if (!w->dir || !w->tmp_path || !w->final_path || !w->out || !w->hash || (!w->o.no_compression && !w->cctx)) {
    writer_free(w);
    strom__ckpt_errf(err, errlen, "%s: out of memory", disp);
    return STROM_ENOMEM;
  }
  XXH64_reset(w->hash, 0);
  if (w->cctx && ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->o.zstd_level))) {
    writer_free(w);
    strom__ckpt_errf(err, errlen, "%s: bad zstd level %d", disp, opts ? opts->zstd_level : 0);
    return STROM_EINVAL;
  }
  w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd < 0) {
    strom__ckpt_errf(err, errlen, "%s: cannot create %s: %s", disp, w->tmp_path, strerror(errno));
    writer_free(w);
    return STROM_EIO;
  }
  uint8_t hdr[STROM__CKPT_FILE_HEADER_SIZE];
  memcpy(hdr, FILE_MAGIC, 8);
  ckpt_put32(hdr + 8, FORMAT_VERSION);
  ckpt_put32(hdr + 12, 0);
  emit(w, hdr, sizeof hdr);
  *out = w;
  return STROM_OK;
}

int strom__ckpt_writer_begin_block(strom__ckpt_writer *w, int kind, int kg) {
  if (w->status) return w->status;
  if (w->in_block) return wfail(w, STROM_ESTATE, "begin_block inside a block");
  if (kind < 1 || kind > 0xffff) return wfail(w, STROM_EINVAL, "block kind %d out of range 1..65535", kind);
  if (kg < -1 || kg >= STROM__CKPT_MAX_KEY_GROUPS)
    return wfail(w, STROM_EINVAL, "key group %d out of range -1..%d", kg, STROM__CKPT_MAX_KEY_GROUPS - 1);
  w->in_block = true;
  w->kind = kind;
  w->kg = kg;
  w->raw.len = 0;
  return STROM_OK;
}

static int write_block(strom__ckpt_writer *w) {
  const uint8_t *raw = (const uint8_t *)w->raw.p;
  size_t rlen = w->raw.len;
  const uint8_t *body = raw;
  size_t blen = rlen;
  int codec = STROM__CKPT_CODEC_NONE;
  if (w->cctx && rlen > 0) {
    size_t bound = ZSTD_compressBound(rlen);
    if (bound > w->comp_cap) {
      uint8_t *c = strom__realloc(w->comp, bound);
      if (!c) return wfail(w, STROM_ENOMEM, "out of memory compressing a block of %zu bytes", rlen);
      w->comp = c;
      w->comp_cap = bound;
    }
    size_t cs = ZSTD_compress2(w->cctx, w->comp, w->comp_cap, raw, rlen);
    if (ZSTD_isError(cs)) return wfail(w, STROM_EIO, "zstd: %s", ZSTD_getErrorName(cs));
    if (cs < rlen) {
      body = w->comp;
      blen = cs;
      codec = STROM__CKPT_CODEC_ZSTD;
    }
  }
  uint8_t h[STROM__CKPT_BLOCK_HEADER_SIZE];
  memcpy(h, BLOCK_MAGIC, 4);
  h[4] = FORMAT_VERSION;
  h[5] = (uint8_t)codec;
  ckpt_put16(h + 6, (uint16_t)w->kind);
  ckpt_put32(h + 8, (uint32_t)(int32_t)w->kg);
  ckpt_put32(h + 12, 0);
  ckpt_put64(h + 16, rlen);
  ckpt_put64(h + 24, blen);
  ckpt_put64(h + 32, strom__ckpt_xxh64(body, blen));
  ckpt_put64(h + 40, strom__ckpt_xxh64(h, 40));
  uint8_t e[STROM__CKPT_INDEX_ENTRY_SIZE];
  ckpt_put64(e, w->off);
  ckpt_put64(e + 8, rlen);
  ckpt_put64(e + 16, blen);
  ckpt_put16(e + 24, (uint16_t)w->kind);
  e[26] = (uint8_t)codec;
  e[27] = 0;
  ckpt_put32(e + 28, (uint32_t)(int32_t)w->kg);
  if (strom__buf_append(&w->index, e, sizeof e)) return wfail(w, STROM_ENOMEM, "out of memory");
  int rc = emit(w, h, sizeof h);
  if (!rc) rc = emit(w, body, blen);
  if (rc) return rc;
  w->nblocks++;
  w->raw_total += rlen;
  w->raw.len = 0;
  return STROM_OK;
}

int strom__ckpt_writer_write(strom__ckpt_writer *w, const void *p, size_t n) {
  if (w->status) return w->status;
  if (!w->in_block) return wfail(w, STROM_ESTATE, "write outside a block");
  if (w->raw.len > 0 && w->raw.len + n > w->o.block_target) {
    int rc = write_block(w); /* continue in a new block of the same kind and key group */
    if (rc) return rc;
  }
  if (n && strom__buf_append(&w->raw, p, n))
    return wfail(w, STROM_ENOMEM, "out of memory buffering a block of %zu bytes", w->raw.len + n);
  return STROM_OK;
}

int strom__ckpt_writer_end_block(strom__ckpt_writer *w) {
  if (w->status) return w->status;
  if (!w->in_block) return wfail(w, STROM_ESTATE, "end_block outside a block");
  w->in_block = false;
  return write_block(w);
}

void strom__ckpt_writer_abort(strom__ckpt_writer *w) {
  if (!w) return;
  if (w->fd >= 0) close(w->fd);
  unlink(w->tmp_path);
  writer_free(w);
}

int strom__ckpt_writer_close(strom__ckpt_writer *w, strom__ckpt_file_info *info, char *err, size_t errlen) {
  if (w->in_block) strom__ckpt_writer_end_block(w);
  uint64_t index_off = w->off;
  if (!w->status) emit(w, w->index.p, w->index.len);
  uint8_t f[STROM__CKPT_FOOTER_SIZE];
  ckpt_put64(f, index_off);
  ckpt_put64(f + 8, w->nblocks);
  ckpt_put64(f + 16, strom__ckpt_xxh64(w->index.p, w->index.len));
  ckpt_put64(f + 24, strom__ckpt_xxh64(f, 24));
  memcpy(f + 32, END_MAGIC, 8);
  if (!w->status) emit(w, f, sizeof f);
  if (!w->status) wflush(w);
  if (!w->status && fsync(w->fd)) wfail(w, STROM_EIO, "fsync failed: %s", strerror(errno));
  if (!w->status) {
    int fd = w->fd;
    w->fd = -1;
    if (close(fd)) wfail(w, STROM_EIO, "close failed: %s", strerror(errno));
  }
  if (!w->status && rename(w->tmp_path, w->final_path))
    wfail(w, STROM_EIO, "rename from %s failed: %s", w->tmp_path, strerror(errno));
  if (!w->status && strom__ckpt_fsync_dir(w->dir))
    wfail(w, STROM_EIO, "fsync of the folder failed: %s", strerror(errno));
  int rc = w->status;
  if (rc) {
    strom__ckpt_errf(err, errlen, "%s", w->errmsg);
    if (info) memset(info, 0, sizeof *info);
    strom__ckpt_writer_abort(w);
    return rc;
  }
  if (info) {
    memset(info, 0, sizeof *info);
    memcpy(info->name, w->name, sizeof info->name);
    info->size = w->off;
    info->checksum = XXH64_digest(w->hash);
    info->blocks = w->nblocks;
    info->raw_bytes = w->raw_total;
  }
  writer_free(w);
  return STROM_OK;
}

const char *strom__ckpt_writer_errmsg(const strom__ckpt_writer *w) { return w->errmsg; }
uint64_t strom__ckpt_writer_bytes(const strom__ckpt_writer *w) { return w->off; }

/* ---------------------------------------------------------------- reader */

struct strom__ckpt_reader {
  int fd;             /* -1 for memory */
  const uint8_t *mem; /* or the bytes */
  uint64_t size;
  uint64_t max_block;
  uint64_t nblocks;
  uint8_t *index; /* nblocks entries, verified at open */
  ZSTD_DCtx *dctx;
  uint8_t *cbuf, *rbuf;
  size_t ccap, rcap;
  uint64_t next;
  bool filtered, unkeyed;
  int lo, hi;
  char disp[DISPLAY_MAX];
  char errmsg[ERRMSG_MAX];
};

static int rfail(strom__ckpt_reader *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int rfail(strom__ckpt_reader *r, int code, const char *fmt, ...) {
  int n = snprintf(r->errmsg, sizeof r->errmsg, "%s: ", r->disp);
  va_list ap;
  va_start(ap, fmt);
  if (n > 0 && (size_t)n < sizeof r->errmsg) vsnprintf(r->errmsg + n, sizeof r->errmsg - (size_t)n, fmt, ap);
  va_end(ap);
  return code;
}

/* Reads exactly n bytes at off (a range past the end is refused, not read). */
static int read_at(strom__ckpt_reader *r, uint64_t off, void *dst, size_t n) {
  if (off > r->size || n > r->size - off)
    return rfail(r, STROM_EPARSE, "read of %zu bytes at offset %" PRIu64 " past the end", n, off);
  if (r->mem) {
    memcpy(dst, r->mem + off, n);
    return STROM_OK;
  }
  ssize_t got = strom__ckpt_pread_all(r->fd, dst, n, off);
  if (got < 0) return rfail(r, STROM_EIO, "read at offset %" PRIu64 " failed: %s", off, strerror(errno));
  if ((size_t)got != n)
    return rfail(r, STROM_EPARSE, "offset %" PRIu64 ": file shrank while reading (truncated)", off + (uint64_t)got);
  return STROM_OK;
}

void strom__ckpt_reader_close(strom__ckpt_reader *r) {
  if (!r) return;
  if (r->fd >= 0) close(r->fd);
  free(r->index);
  ZSTD_freeDCtx(r->dctx);
  free(r->cbuf);
  free(r->rbuf);
  free(r);
}

static int reader_init(strom__ckpt_reader *r, const strom__ckpt_reader_opts *o) {
  const uint64_t min = STROM__CKPT_FILE_HEADER_SIZE + STROM__CKPT_FOOTER_SIZE;
  r->max_block = o && o->max_block_bytes ? o->max_block_bytes : DEFAULT_MAX_BLOCK;
  if (o && o->expect_size && r->size != o->expect_size)
    return rfail(r, STROM_EPARSE, "size %" PRIu64 ", expected %" PRIu64 " (%s)", r->size, o->expect_size,
                 r->size < o->expect_size ? "truncated" : "longer than written");
  if (r->size < min)
    return rfail(r, STROM_EPARSE, "truncated: %" PRIu64 " bytes, a state file has at least %" PRIu64, r->size, min);
  uint8_t h[STROM__CKPT_FILE_HEADER_SIZE];
  int rc = read_at(r, 0, h, sizeof h);
  if (rc) return rc;
  if (memcmp(h, FILE_MAGIC, 8)) return rfail(r, STROM_EPARSE, "offset 0: bad magic (not a state file)");
  if (ckpt_get32(h + 8) != FORMAT_VERSION)
    return rfail(r, STROM_EPARSE, "offset 8: unsupported format version %" PRIu32, ckpt_get32(h + 8));
  if (ckpt_get32(h + 12) != 0) return rfail(r, STROM_EPARSE, "offset 12: unknown flags %#" PRIx32, ckpt_get32(h + 12));
  uint64_t foff = r->size - STROM__CKPT_FOOTER_SIZE;
  uint8_t f[STROM__CKPT_FOOTER_SIZE];
  if ((rc = read_at(r, foff, f, sizeof f))) return rc;
  if (memcmp(f + 32, END_MAGIC, 8))
    return rfail(r, STROM_EPARSE, "footer at offset %" PRIu64 ": bad magic (truncated or not a state file)", foff);
  if (ckpt_get64(f + 24) != strom__ckpt_xxh64(f, 24))
    return rfail(r, STROM_EPARSE, "footer at offset %" PRIu64 ": checksum mismatch", foff);
  uint64_t index_off = ckpt_get64(f), n = ckpt_get64(f + 8);
  if (index_off < STROM__CKPT_FILE_HEADER_SIZE || index_off > foff ||
      n > (foff - index_off) / STROM__CKPT_INDEX_ENTRY_SIZE || index_off + n * STROM__CKPT_INDEX_ENTRY_SIZE != foff)
    return rfail(r, STROM_EPARSE, "footer at offset %" PRIu64 ": index of %" PRIu64 " blocks at offset %" PRIu64
                 " does not fit the file", foff, n, index_off);
  r->nblocks = n;
  size_t ilen = (size_t)(n * STROM__CKPT_INDEX_ENTRY_SIZE);
  r->index = strom__malloc(ilen);
  if (!r->index) return rfail(r, STROM_ENOMEM, "out of memory for an index of %" PRIu64 " blocks", n);
  if ((rc = read_at(r, index_off, r->index, ilen))) return rc;
  if (ckpt_get64(f + 16) != strom__ckpt_xxh64(r->index, ilen))
    return rfail(r, STROM_EPARSE, "index at offset %" PRIu64 ": checksum mismatch", index_off);
  uint64_t expect = STROM__CKPT_FILE_HEADER_SIZE;
  for (uint64_t i = 0; i < n; i++) {
    const uint8_t *e = r->index + i * STROM__CKPT_INDEX_ENTRY_SIZE;
    uint64_t eoff = index_off + i * STROM__CKPT_INDEX_ENTRY_SIZE;
    uint64_t off = ckpt_get64(e), rlen = ckpt_get64(e + 8), clen = ckpt_get64(e + 16);
    int kind = ckpt_get16(e + 24), codec = e[26];
    int32_t kg = (int32_t)ckpt_get32(e + 28);
    const char *bad = NULL;
    if (off != expect) bad = "block offset out of sequence";
    else if (index_off - off < STROM__CKPT_BLOCK_HEADER_SIZE || clen > index_off - off - STROM__CKPT_BLOCK_HEADER_SIZE)
      bad = "block runs past the index";
    else if (kind == 0) bad = "block kind 0";
    else if (codec > STROM__CKPT_CODEC_ZSTD || e[27] != 0) bad = "unknown codec";
    else if (kg < -1 || kg >= STROM__CKPT_MAX_KEY_GROUPS) bad = "key group out of range";
    else if (rlen > r->max_block) bad = "block larger than the limit";
    else if (codec == STROM__CKPT_CODEC_NONE && rlen != clen) bad = "uncompressed block with two lengths";
    else if (codec == STROM__CKPT_CODEC_ZSTD && clen == 0) bad = "empty compressed block";
    if (bad)
      return rfail(r, STROM_EPARSE, "index entry %" PRIu64 " at offset %" PRIu64 ": %s", i, eoff, bad);
    expect = off + STROM__CKPT_BLOCK_HEADER_SIZE + clen;
  }
  if (expect != index_off)
    return rfail(r, STROM_EPARSE, "index at offset %" PRIu64 ": blocks end at offset %" PRIu64, index_off, expect);
  r->dctx = ZSTD_createDCtx();
  if (!r->dctx) return rfail(r, STROM_ENOMEM, "out of memory");
  return STROM_OK;
}

static int reader_new(strom__ckpt_reader **out, const char *disp, strom__ckpt_reader *tmpl) {
  strom__ckpt_reader *r = strom__calloc(1, sizeof *r);
  if (!r) return STROM_ENOMEM;
  *r = *tmpl;
  snprintf(r->disp, sizeof r->disp, "%s", disp);
  *out = r;
  return STROM_OK;
}

int strom__ckpt_reader_open(strom__ckpt_reader **out, const char *dir, const char *name,
                            const strom__ckpt_reader_opts *opts, char *err, size_t errlen) {
  *out = NULL;
  char disp[DISPLAY_MAX];
  strom__ckpt_display(disp, sizeof disp, dir, name);
  char *path = strom__aprintf("%s/%s", dir, name);
  if (!path) return STROM_ENOMEM;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  free(path);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) {
    int e = errno;
    if (fd >= 0) close(fd);
    strom__ckpt_errf(err, errlen, "%s: cannot open: %s", disp, strerror(e));
    return e == ENOENT ? STROM_EPARSE : STROM_EIO;
  }
  strom__ckpt_reader tmpl = {.fd = fd, .size = (uint64_t)st.st_size};
  strom__ckpt_reader *r;
  if (reader_new(&r, disp, &tmpl)) {
    close(fd);
    return STROM_ENOMEM;
  }
  int rc = reader_init(r, opts);
  if (rc) {
    strom__ckpt_errf(err, errlen, "%s", r->errmsg);
    strom__ckpt_reader_close(r);
    return rc;
  }
  *out = r;
  return STROM_OK;
}

int strom__ckpt_reader_open_mem(strom__ckpt_reader **out, const void *bytes, size_t len, const char *what,
                                const strom__ckpt_reader_opts *opts, char *err, size_t errlen) {
  *out = NULL;
  strom__ckpt_reader tmpl = {.fd = -1, .mem = bytes ? bytes : (const uint8_t *)"", .size = len};
  strom__ckpt_reader *r;
  if (reader_new(&r, what ? what : "(memory)", &tmpl)) return STROM_ENOMEM;
  int rc = reader_init(r, opts);
  if (rc) {
    strom__ckpt_errf(err, errlen, "%s", r->errmsg);
    strom__ckpt_reader_close(r);
    return rc;
  }
  *out = r;
  return STROM_OK;
}

uint64_t strom__ckpt_reader_nblocks(const strom__ckpt_reader *r) { return r->nblocks; }

void strom__ckpt_reader_block_info(const strom__ckpt_reader *r, uint64_t i, int *kind, int *kg, uint64_t *offset,
                                   uint64_t *raw_len, uint64_t *comp_len) {
  static const uint8_t none[STROM__CKPT_INDEX_ENTRY_SIZE];
  const uint8_t *e = i < r->nblocks ? r->index + i * STROM__CKPT_INDEX_ENTRY_SIZE : none;
  if (kind) *kind = ckpt_get16(e + 24);
  if (kg) *kg = (int32_t)ckpt_get32(e + 28);
  if (offset) *offset = ckpt_get64(e);
  if (raw_len) *raw_len = ckpt_get64(e + 8);
  if (comp_len) *comp_len = ckpt_get64(e + 16);
}

static int grow(uint8_t **p, size_t *cap, size_t need) {
  if (need <= *cap) return STROM_OK;
  uint8_t *q = strom__realloc(*p, need);
  if (!q) return STROM_ENOMEM;
  *p = q;
  *cap = need;
  return STROM_OK;
}

int strom__ckpt_reader_read(strom__ckpt_reader *r, uint64_t i, strom__ckpt_block *b) {
  if (i >= r->nblocks) return 0;
  const uint8_t *e = r->index + i * STROM__CKPT_INDEX_ENTRY_SIZE;
  uint64_t off = ckpt_get64(e), rlen = ckpt_get64(e + 8), clen = ckpt_get64(e + 16);
  int codec = e[26];
  /* The index was checked at open: off + header + clen lies inside the file. */
  size_t total = (size_t)(STROM__CKPT_BLOCK_HEADER_SIZE + clen);
  if (grow(&r->cbuf, &r->ccap, total ? total : 1))
    return rfail(r, STROM_ENOMEM, "block %" PRIu64 " at offset %" PRIu64 ": out of memory", i, off);
  int rc = read_at(r, off, r->cbuf, total);
  if (rc) return rc;
  const uint8_t *h = r->cbuf, *body = r->cbuf + STROM__CKPT_BLOCK_HEADER_SIZE;
  if (memcmp(h, BLOCK_MAGIC, 4) || h[4] != FORMAT_VERSION)
    return rfail(r, STROM_EPARSE, "block %" PRIu64 " at offset %" PRIu64 ": bad block magic", i, off);
  if (ckpt_get64(h + 40) != strom__ckpt_xxh64(h, 40))
    return rfail(r, STROM_EPARSE, "block %" PRIu64 " at offset %" PRIu64 ": header checksum mismatch", i, off);
  if (h[5] != codec || ckpt_get16(h + 6) != ckpt_get16(e + 24) || ckpt_get32(h + 8) != ckpt_get32(e + 28) ||
      ckpt_get32(h + 12) != 0 || ckpt_get64(h + 16) != rlen || ckpt_get64(h + 24) != clen)
    return rfail(r, STROM_EPARSE, "block %" PRIu64 " at offset %" PRIu64 ": header disagrees with the index", i, off);
  if (ckpt_get64(h + 32) != strom__ckpt_xxh64(body, (size_t)clen))
    return rfail(r, STROM_EPARSE, "block %" PRIu64 " at offset %" PRIu64 ": checksum mismatch", i, off);
  b->kind = ckpt_get16(h + 6);
  b->key_group = (int32_t)ckpt_get32(h + 8);
  b->index = i;
  b->offset = off;
  if (codec == STROM__CKPT_CODEC_NONE) {
    b->data = body;
    b->len = (size_t)rlen;
    return 1;
  }
  unsigned long long fsize = ZSTD_getFrameContentSize(body, (size_t)clen);
  if (fsize != rlen)
    return rfail(r, STROM_EPARSE, "block %" PRIu64 " at offset %" PRIu64 ": compressed frame does not hold %" PRIu64
                 " bytes", i, off, rlen);
  if (grow(&r->rbuf, &r->rcap, (size_t)rlen))
    return rfail(r, STROM_ENOMEM, "block %" PRIu64 " at offset %" PRIu64 ": out of memory", i, off);
  size_t got = ZSTD_decompressDCtx(r->dctx, r->rbuf, (size_t)rlen, body, (size_t)clen);
  if (ZSTD_isError(got) || got != rlen)
    return rfail(r, STROM_EPARSE, "block %" PRIu64 " at offset %" PRIu64 ": decompression failed: %s", i, off,
                 ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong length");
  b->data = r->rbuf;
  b->len = (size_t)rlen;
  return 1;
}

void strom__ckpt_reader_filter(strom__ckpt_reader *r, int lo, int hi, bool unkeyed) {
  r->filtered = true;
  r->lo = lo;
  r->hi = hi;
  r->unkeyed = unkeyed;
  r->next = 0;
}

void strom__ckpt_reader_rewind(strom__ckpt_reader *r) { r->next = 0; }

int strom__ckpt_reader_next(strom__ckpt_reader *r, strom__ckpt_block *b) {
  while (r->next < r->nblocks) {
    uint64_t i = r->next++;
    if (r->filtered) {
      int32_t kg = (int32_t)ckpt_get32(r->index + i * STROM__CKPT_INDEX_ENTRY_SIZE + 28);
      if (kg == -1 ? !r->unkeyed : kg < r->lo || kg > r->hi) continue;
    }
    return strom__ckpt_reader_read(r, i, b);
  }
  return 0;
}

const char *strom__ckpt_reader_errmsg(const strom__ckpt_reader *r) { return r->errmsg; }

/* ---------------------------------------------------------------- whole-file check */

int strom__ckpt_file_verify(const char *dir, const strom__ckpt_file_info *want, char *err, size_t errlen) {
  char disp[DISPLAY_MAX];
  strom__ckpt_display(disp, sizeof disp, dir, want->name);
  char *path = strom__aprintf("%s/%s", dir, want->name);
  if (!path) return STROM_ENOMEM;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  free(path);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) {
    int e = errno;
    if (fd >= 0) close(fd);
    strom__ckpt_errf(err, errlen, "%s: %s", disp, e == ENOENT ? "missing" : strerror(e));
    return e == ENOENT ? STROM_EPARSE : STROM_EIO;
  }
  if ((uint64_t)st.st_size != want->size) {
    close(fd);
    strom__ckpt_errf(err, errlen, "%s: size %" PRIu64 ", expected %" PRIu64 " (%s)", disp, (uint64_t)st.st_size,
                     want->size, (uint64_t)st.st_size < want->size ? "truncated" : "longer than written");
    return STROM_EPARSE;
  }
  size_t cap = 1 << 20;
  uint8_t *buf = strom__malloc(cap);
  XXH64_state_t *h = XXH64_createState();
  if (!buf || !h) {
    free(buf);
    if (h) XXH64_freeState(h);
    close(fd);
    return STROM_ENOMEM;
  }
  XXH64_reset(h, 0);
  uint64_t off = 0;
  int rc = STROM_OK;
  while (off < want->size) {
    size_t n = want->size - off < cap ? (size_t)(want->size - off) : cap;
    ssize_t got = strom__ckpt_pread_all(fd, buf, n, off);
    if (got < 0 || (size_t)got != n) {
      strom__ckpt_errf(err, errlen, "%s: read at offset %" PRIu64 " failed: %s", disp, off,
                       got < 0 ? strerror(errno) : "file shrank");
      rc = got < 0 ? STROM_EIO : STROM_EPARSE;
      break;
    }
    XXH64_update(h, buf, n);
    off += n;
  }
  if (!rc && XXH64_digest(h) != want->checksum) {
    strom__ckpt_errf(err, errlen, "%s: checksum mismatch (the file is corrupt)", disp);
    rc = STROM_EPARSE;
  }
  XXH64_freeState(h);
  free(buf);
  close(fd);
  return rc;
}
