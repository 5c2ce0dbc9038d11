/*
 * storage.h -- checkpoint storage: where and how a checkpoint's bytes are kept.
 *
 * This layer knows files and bytes, not operators or state backends.  The runtime
 * (barriers, snapshots, restore) decides what goes into a checkpoint; this layer
 * writes it durably, reads it back verified, finds the newest usable checkpoint and
 * deletes old ones.
 *
 * Layout under a base directory (Flink's state.checkpoints.dir):
 *
 *   BASE/chk-<id>/_metadata          written last, atomically; without a valid
 *                                    _metadata the checkpoint does not exist
 *   BASE/chk-<id>/<file>.state       one state file per (operator uid, subtask)
 *   BASE/chk-<id>/.<file>.tmp        a state file (or _metadata) being written
 *
 * <id> is a decimal integer without leading zeros.  A savepoint is the same folder
 * layout anywhere (its _metadata says it is a savepoint); the functions that take a
 * checkpoint folder work on either.
 *
 * State file (all integers little-endian; "xxh64" is XXH64 with seed 0):
 *
 *   file header   16 bytes: "STROMSTF", u32 version (1), u32 flags (0)
 *   blocks        one after another, each:
 *     header      48 bytes: u32 magic "SBLK", u8 version (1), u8 codec (0 none,
 *                 1 zstd), u16 kind (1..65535), i32 key group (-1: not keyed),
 *                 u32 reserved (0), u64 uncompressed length, u64 compressed
 *                 length, u64 xxh64 of the compressed bytes, u64 xxh64 of the
 *                 header's first 40 bytes
 *     body        the compressed bytes (one zstd frame, or the raw bytes)
 *   index         32 bytes per block: u64 offset of its header, u64 uncompressed
 *                 length, u64 compressed length, u16 kind, u8 codec, u8 0,
 *                 i32 key group
 *   footer        40 bytes: u64 index offset, u64 number of blocks, u64 xxh64 of
 *                 the index, u64 xxh64 of the footer's first 24 bytes, "STROMEND"
 *
 * A reader opens a file through its footer and index (every field checked: blocks
 * contiguous from offset 16 up to the index, lengths within the file), so a
 * key-group range is read without touching the other blocks.  Each block read checks
 * the header checksum, the header against the index, the body checksum, and the
 * uncompressed length.  The whole file's xxh64 and size also go into _metadata.
 *
 * _metadata (little-endian): "STRMMETA", u32 version (1), u32 total length of the
 * file, i64 checkpoint id, i64 timestamp (ms since the epoch), u32 flags (bit 0:
 * savepoint), u32 max parallelism, str job name, u32 number of operators, then per
 * operator: str uid, u32 parallelism, then per subtask: str state file name (empty:
 * no state), u64 file size, u64 file xxh64, bytes extra (opaque, e.g. a source
 * position); the last 8 bytes are the xxh64 of everything before them.  str and
 * bytes are a u32 length and that many bytes.
 *
 * Errors.  Functions return STROM_OK or a negative code: STROM_EIO when the system
 * refused (open, read, write, fsync, rename; the message has strerror), STROM_EPARSE
 * when bytes are corrupt or truncated or a file that a checkpoint lists is missing,
 * STROM_EINVAL for a bad argument or a checkpoint without _metadata, STROM_ESTATE for
 * calls out of order, STROM_ENOMEM.  Messages name the
 * file as "<checkpoint folder>/<file>" and, for state files, the block and offset:
 *   "chk-7/op3-1.state: block 4 at offset 1234: checksum mismatch".
 * Functions without a handle write the message to (err, errlen) (err may be NULL);
 * a writer or reader keeps its last message (strom__ckpt_writer_errmsg ...).
 *
 * Threads: a writer or reader is used by one thread at a time; different handles
 * may be used from different threads at once.  Directory functions (find, retain,
 * delete) assume one coordinator calls them.  Byte counters are atomic.
 */
#ifndef STROM_CKPT_STORAGE_H
#define STROM_CKPT_STORAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/core.h"

/* ---- layout constants (the fuzz target and tests use them) ---- */
#define STROM__CKPT_METADATA "_metadata"
#define STROM__CKPT_FILE_HEADER_SIZE 16
#define STROM__CKPT_BLOCK_HEADER_SIZE 48
#define STROM__CKPT_INDEX_ENTRY_SIZE 32
#define STROM__CKPT_FOOTER_SIZE 40
#define STROM__CKPT_MAX_KEY_GROUPS 32768 /* as Flink: max parallelism <= 2^15 */
#define STROM__CKPT_NAME_MAX 240         /* longest file name (room for ".<name>.tmp") */

enum { STROM__CKPT_CODEC_NONE = 0, STROM__CKPT_CODEC_ZSTD = 1 };

/* Block kinds: any value 1..65535 is allowed; these are the ones the runtime is
 * expected to use so that tools can name them. */
enum {
  STROM__CKPT_KIND_KEYED = 1,     /* keyed state of one key group */
  STROM__CKPT_KIND_TIMERS = 2,    /* timers of one key group */
  STROM__CKPT_KIND_OPERATOR = 3,  /* operator (list) state, key group -1 */
  STROM__CKPT_KIND_BROADCAST = 4, /* broadcast state, key group -1 */
  STROM__CKPT_KIND_CHANNEL = 5,   /* in-flight buffers of an unaligned checkpoint */
  STROM__CKPT_KIND_SOURCE = 6,    /* a source's position or splits */
};

/* ---- bytes written ----
 * Every byte the layer writes (state files and _metadata) is added to a process-wide
 * counter; a writer can also add to a counter of the caller's (one per checkpoint). */
uint64_t strom__ckpt_total_bytes_written(void);

/* ---- the directory layout ---- */

/* "base/chk-<id>", malloc'd (NULL when out of memory). */
char *strom__ckpt_path(const char *base, int64_t id);
/* Parses a folder name "chk-<id>" (digits, no leading zero, no sign); returns the id
 * or -1 when name is not a checkpoint folder name. */
int64_t strom__ckpt_parse_dir_name(const char *name);
/* Creates base (and its parents) and base/chk-<id>/, and sets *path (malloc'd, the
 * caller frees) to the new folder.  A folder of that id left by a failed attempt (no
 * _metadata) is emptied and reused; a complete checkpoint of that id is refused
 * (STROM_EINVAL). */
int strom__ckpt_dir_create(const char *base, int64_t id, char **path, char *err, size_t errlen);
/* The state file name for an operator subtask: "<uid>-<subtask>.state" into buf
 * (cap >= STROM__CKPT_NAME_MAX + 1).  Bytes of uid outside [A-Za-z0-9_-] are written
 * as %XX, so different uids give different names; a uid too long for a file name is
 * cut and followed by '~' and 16 hex digits of its hash. */
void strom__ckpt_state_file_name(char *buf, size_t cap, const char *uid, int subtask);
/* Flink's key group range of subtask i of par: [*lo, *hi] (empty when *lo > *hi),
 * consistent with strom__key_group_owner(). */
void strom__ckpt_key_group_range(int max_par, int par, int i, int *lo, int *hi);

/* ---- state file writer ---- */
typedef struct strom__ckpt_writer strom__ckpt_writer;

typedef struct strom__ckpt_writer_opts {
  /* Blocks are compressed with zstd unless this is set.  A block that zstd does not
   * make smaller is stored as it is (codec none) either way. */
  bool no_compression;
  int zstd_level; /* 0: level 1 (fast) */
  /* A block holding more than this many uncompressed bytes is closed before the next
   * write and a new block of the same kind and key group begins (0: 1 MiB).  A write
   * is never split: each strom__ckpt_writer_write lands whole in one block. */
  size_t block_target;
  _Atomic uint64_t *bytes_written; /* optional: bytes are added here too */
} strom__ckpt_writer_opts;

/* What a closed state file is: goes into _metadata. */
typedef struct strom__ckpt_file_info {
  char name[STROM__CKPT_NAME_MAX + 1];
  uint64_t size;      /* bytes of the file */
  uint64_t checksum;  /* xxh64 of the whole file */
  uint64_t blocks;    /* number of blocks */
  uint64_t raw_bytes; /* uncompressed bytes written by the caller */
} strom__ckpt_file_info;

/* Creates dir/.<name>.tmp for writing.  name must be a plain file name (no '/', not
 * starting with '.', not _metadata, at most STROM__CKPT_NAME_MAX bytes).  opts may be
 * NULL.  On success *out is a writer the caller must close or abort. */
int strom__ckpt_writer_open(strom__ckpt_writer **out, const char *dir, const char *name,
                            const strom__ckpt_writer_opts *opts, char *err, size_t errlen);
/* Starts a block of kind (1..65535) for key group kg (0..32767, or -1 for state that
 * is not keyed).  Blocks may come in any order; a key group may have several blocks. */
int strom__ckpt_writer_begin_block(strom__ckpt_writer *w, int kind, int kg);
/* Appends n bytes to the current block (copied; the caller keeps p). */
int strom__ckpt_writer_write(strom__ckpt_writer *w, const void *p, size_t n);
/* Compresses and writes out the current block. */
int strom__ckpt_writer_end_block(strom__ckpt_writer *w);
/* Ends the file (an open block is ended first): writes the index and footer, fsyncs
 * the file, renames it to dir/name, fsyncs dir, fills *info (may be NULL) and frees
 * w.  On failure the temporary file is removed and w is freed as well, and the
 * message is in err. */
int strom__ckpt_writer_close(strom__ckpt_writer *w, strom__ckpt_file_info *info, char *err, size_t errlen);
/* Discards the file being written and frees w (NULL is fine). */
void strom__ckpt_writer_abort(strom__ckpt_writer *w);
/* The last error of w ("" when none).  After an error every call fails with it. */
const char *strom__ckpt_writer_errmsg(const strom__ckpt_writer *w);
/* Bytes written to the file so far (compressed, with headers). */
uint64_t strom__ckpt_writer_bytes(const strom__ckpt_writer *w);

/* ---- state file reader ---- */
typedef struct strom__ckpt_reader strom__ckpt_reader;

typedef struct strom__ckpt_reader_opts {
  /* When nonzero, the file must have this size (from _metadata): a shorter file is
   * reported as truncated before anything else is read. */
  uint64_t expect_size;
  /* Largest uncompressed block accepted (0: 1 GiB); a larger length is corruption. */
  uint64_t max_block_bytes;
} strom__ckpt_reader_opts;

/* One block as the reader returns it. */
typedef struct strom__ckpt_block {
  int kind;
  int key_group;        /* -1: not keyed */
  uint64_t index;       /* position in the file, from 0 */
  uint64_t offset;      /* of its header */
  const uint8_t *data;  /* uncompressed bytes, owned by the reader, valid until the
                           next call on it */
  size_t len;
} strom__ckpt_block;

/* Opens dir/name and checks its header, footer and index (not the blocks).  opts
 * may be NULL.  On success *out is a reader the caller frees with
 * strom__ckpt_reader_close. */
int strom__ckpt_reader_open(strom__ckpt_reader **out, const char *dir, const char *name,
                            const strom__ckpt_reader_opts *opts, char *err, size_t errlen);
/* The same over bytes in memory (not copied: they must outlive the reader); what
 * names the bytes in messages. */
int strom__ckpt_reader_open_mem(strom__ckpt_reader **out, const void *bytes, size_t len, const char *what,
                                const strom__ckpt_reader_opts *opts, char *err, size_t errlen);
void strom__ckpt_reader_close(strom__ckpt_reader *r);
/* Restricts the next blocks to key groups lo..hi (inclusive), plus the blocks with key
 * group -1 when unkeyed is true, and rewinds.  Other blocks are skipped without being
 * read.  Without a filter every block is returned. */
void strom__ckpt_reader_filter(strom__ckpt_reader *r, int lo, int hi, bool unkeyed);
/* Rewinds to the first block, keeping the filter. */
void strom__ckpt_reader_rewind(strom__ckpt_reader *r);
/* Reads the next block that passes the filter, in file order, into *b.  Returns 1 when
 * a block was read, 0 at the end, or a negative code (the message names the block and
 * offset; the reader stays usable for other blocks). */
int strom__ckpt_reader_next(strom__ckpt_reader *r, strom__ckpt_block *b);
/* The index: number of blocks, and block i's kind, key group, offset and lengths
 * without reading it (any output may be NULL; all are 0 when i >= nblocks). */
uint64_t strom__ckpt_reader_nblocks(const strom__ckpt_reader *r);
void strom__ckpt_reader_block_info(const strom__ckpt_reader *r, uint64_t i, int *kind, int *kg, uint64_t *offset,
                                   uint64_t *raw_len, uint64_t *comp_len);
/* Reads block i whatever the filter (same return values as next, 0 if i is past the
 * end). */
int strom__ckpt_reader_read(strom__ckpt_reader *r, uint64_t i, strom__ckpt_block *b);
const char *strom__ckpt_reader_errmsg(const strom__ckpt_reader *r);

/* Reads all of dir/name and compares its size and xxh64 with want (a missing file, a
 * different size or checksum is STROM_EPARSE with a message saying which). */
int strom__ckpt_file_verify(const char *dir, const strom__ckpt_file_info *want, char *err, size_t errlen);

/* ---- _metadata ----
 * A strom__ckpt_meta and everything it points to is owned by whoever made it:
 * strom__ckpt_meta_new/add_operator/set_subtask and strom__ckpt_meta_read/decode copy
 * every string and byte into it, and strom__ckpt_meta_free frees it all. */
typedef struct strom__ckpt_subtask_meta {
  char *file;          /* state file name in the folder; NULL: the subtask had none */
  uint64_t size;       /* of the file */
  uint64_t checksum;   /* xxh64 of the file */
  uint8_t *extra;      /* opaque bytes (a source position ...), may be NULL */
  size_t extra_len;
} strom__ckpt_subtask_meta;

typedef struct strom__ckpt_op_meta {
  char *uid;                          /* unique within the checkpoint */
  int parallelism;                    /* 1..max_parallelism */
  strom__ckpt_subtask_meta *subtasks; /* parallelism of them */
} strom__ckpt_op_meta;

typedef struct strom__ckpt_meta {
  int64_t id;           /* >= 0 */
  char *job;            /* job name */
  int64_t timestamp_ms; /* when the checkpoint was triggered */
  bool savepoint;
  int max_parallelism;  /* number of key groups, 1..32768 */
  int nops;
  strom__ckpt_op_meta *ops;
} strom__ckpt_meta;

strom__ckpt_meta *strom__ckpt_meta_new(int64_t id, const char *job, int64_t timestamp_ms, bool savepoint,
                                       int max_parallelism);
/* Adds an operator with parallelism subtasks, all without state; returns it (NULL
 * when out of memory).  The pointer is valid until the next add. */
strom__ckpt_op_meta *strom__ckpt_meta_add_operator(strom__ckpt_meta *m, const char *uid, int parallelism);
/* Sets a subtask's file (f may be NULL: no state file) and extra bytes (copied). */
int strom__ckpt_meta_set_subtask(strom__ckpt_op_meta *op, int subtask, const strom__ckpt_file_info *f,
                                 const void *extra, size_t extra_len);
/* The operator of that uid, or NULL. */
const strom__ckpt_op_meta *strom__ckpt_meta_find(const strom__ckpt_meta *m, const char *uid);
void strom__ckpt_meta_free(strom__ckpt_meta *m);

/* Checks m (ids, counts, unique uids, file names) and appends its encoding to out. */
int strom__ckpt_meta_encode(const strom__ckpt_meta *m, strom_buf *out, char *err, size_t errlen);
/* Parses and fully validates an encoding; what names it in messages.  On success *out
 * is a new meta the caller frees. */
int strom__ckpt_meta_decode(const void *bytes, size_t len, const char *what, strom__ckpt_meta **out, char *err,
                            size_t errlen);
/* Writes dir/_metadata atomically: to dir/._metadata.tmp, fsync, rename, fsync dir.
 * Adds the bytes to *bytes_written when it is not NULL. */
int strom__ckpt_meta_write(const char *dir, const strom__ckpt_meta *m, _Atomic uint64_t *bytes_written, char *err,
                           size_t errlen);
/* Reads and validates dir/_metadata. */
int strom__ckpt_meta_read(const char *dir, strom__ckpt_meta **out, char *err, size_t errlen);
/* A readable description of m (for logs and tools). */
int strom__ckpt_meta_describe(const strom__ckpt_meta *m, strom_buf *out);

/* ---- validation and finding checkpoints ---- */
typedef enum strom__ckpt_verify {
  STROM__CKPT_VERIFY_METADATA = 0, /* _metadata is valid */
  STROM__CKPT_VERIFY_SIZES,        /* and every listed file exists with its size */
  STROM__CKPT_VERIFY_FULL,         /* and every listed file has its checksum (reads it all) */
} strom__ckpt_verify;

/* Checks the files m lists in dir at the given level. */
int strom__ckpt_verify_files(const char *dir, const strom__ckpt_meta *m, strom__ckpt_verify level, char *err,
                             size_t errlen);
/* Loads the checkpoint or savepoint in folder dir (a --from PATH): reads _metadata,
 * then verifies the files at level. */
int strom__ckpt_load(const char *dir, strom__ckpt_verify level, strom__ckpt_meta **out, char *err, size_t errlen);

/* The checkpoint folders in a base directory, by increasing id. */
typedef struct strom__ckpt_dir_entry {
  int64_t id;
  bool has_metadata; /* a _metadata file is there (not yet validated) */
} strom__ckpt_dir_entry;
/* Lists base (a missing base is an empty list).  *out is malloc'd. */
int strom__ckpt_list(const char *base, strom__ckpt_dir_entry **out, int *n, char *err, size_t errlen);

typedef struct strom__ckpt_skipped {
  int64_t id;
  char *reason; /* e.g. "chk-9/_metadata: checksum mismatch" */
} strom__ckpt_skipped;

/* The result of strom__ckpt_find_latest; free with strom__ckpt_found_free. */
typedef struct strom__ckpt_found {
  int64_t id;              /* -1: none found */
  char *path;              /* base/chk-<id> */
  strom__ckpt_meta *meta;
  strom__ckpt_skipped *skipped; /* newer folders passed over, newest first */
  int nskipped;
} strom__ckpt_found;

/* Finds the newest checkpoint in base with an id below before_id (0: any) that
 * validates at level; folders passed over on the way are listed in out->skipped with
 * the reason (no _metadata, a corrupt _metadata, a missing or damaged file).  Returns
 * 1 when one was found, 0 when none (out->id == -1), negative on an error listing
 * base.  The runtime calls it again with before_id = the failed id when restoring
 * from the checkpoint found fails (a block that does not verify). */
int strom__ckpt_find_latest(const char *base, strom__ckpt_verify level, int64_t before_id, strom__ckpt_found *out,
                            char *err, size_t errlen);
void strom__ckpt_found_free(strom__ckpt_found *f);

/* ---- deletion and retention ---- */

/* Deletes a checkpoint folder: _metadata first (so it stops existing at once), then
 * its files, then the folder.  A missing folder is fine. */
int strom__ckpt_delete(const char *dir, char *err, size_t errlen);
/* Keeps the newest num_retained (>= 1) complete checkpoints of base (a valid
 * _metadata that is not a savepoint's); deletes older complete ones and every folder
 * without a valid _metadata that is older than the newest complete one (failed or
 * subsumed attempts; newer ones may still be in progress).  Savepoints are never
 * deleted.  *deleted (may be NULL) gets how many folders were deleted. */
int strom__ckpt_retain(const char *base, int num_retained, int *deleted, char *err, size_t errlen);

#endif
