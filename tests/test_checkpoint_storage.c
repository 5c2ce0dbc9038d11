/*
 * test_checkpoint_storage.c -- the checkpoint storage layer (src/checkpoint/storage.h):
 * state files (blocks, key-group ranges, compression, checksums), _metadata, finding
 * the latest complete checkpoint, retention.  Every byte flip and every truncation of
 * a small state file and of a _metadata must be reported as an error, never crash
 * (the debug build runs this under ASan+UBSan).  Works in a folder under /tmp that is
 * removed at the end.
 */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "checkpoint/storage.h"
#include "test.h"

static char root[64];
static char err[1024];

/* ---- helpers ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return rng_state = x;
}
static size_t rnd_below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

/* n bytes: compressible (words from a small vocabulary) or random. */
static uint8_t *make_bytes(size_t n, bool compressible) {
  uint8_t *p = malloc(n ? n : 1);
  static const char *words[] = {"alpha ", "beta ", "gamma ", "sensor-17 ", "42 ", "window "};
  for (size_t i = 0; i < n;) {
    if (compressible) {
      const char *w = words[rnd_below(6)];
      for (; *w && i < n; w++) p[i++] = (uint8_t)*w;
    } else {
      p[i++] = (uint8_t)rnd();
    }
  }
  return p;
}

static char *path2(const char *a, const char *b) { return strom__aprintf("%s/%s", a, b); }

static uint8_t *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *p = malloc(len ? (size_t)len : 1);
  *n = fread(p, 1, (size_t)len, f);
  fclose(f);
  return p;
}

static int write_all_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = n ? fwrite(p, 1, n, f) : 0;
  return fclose(f) || w != n ? -1 : 0;
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(p);
}
static void rm_rf(const char *p) { nftw(p, rm_cb, 16, FTW_DEPTH | FTW_PHYS); }

static char *subdir(const char *name) {
  char *p = path2(root, name);
  rm_rf(p);
  mkdir(p, 0755);
  return p;
}

static bool exists(const char *dir, const char *name) {
  char *p = path2(dir, name);
  bool e = access(p, F_OK) == 0;
  free(p);
  return e;
}

/* The blocks of a file as a model: kind, key group, bytes. */
typedef struct mblock {
  int kind, kg;
  uint8_t *data;
  size_t len;
} mblock;
typedef struct model {
  mblock *b;
  int n, cap;
} model;

static void model_add(model *m, int kind, int kg, const void *p, size_t n) {
  if (m->n == m->cap) {
    m->cap = m->cap ? 2 * m->cap : 16;
    m->b = realloc(m->b, sizeof *m->b * (size_t)m->cap);
  }
  mblock *b = &m->b[m->n++];
  b->kind = kind;
  b->kg = kg;
  b->data = malloc(n ? n : 1);
  if (n) memcpy(b->data, p, n);
  b->len = n;
}
/* Appends to the last block when it has the same kind and key group (a writer may
 * split a long block into several of the same kind and key group). */
static void model_append(model *m, int kind, int kg, const void *p, size_t n) {
  mblock *l = m->n ? &m->b[m->n - 1] : NULL;
  if (!l || l->kind != kind || l->kg != kg) {
    model_add(m, kind, kg, p, n);
    return;
  }
  l->data = realloc(l->data, l->len + n + 1);
  if (n) memcpy(l->data + l->len, p, n);
  l->len += n;
}
static void model_free(model *m) {
  for (int i = 0; i < m->n; i++) free(m->b[i].data);
  free(m->b);
  memset(m, 0, sizeof *m);
}
/* The model merged the way model_append merges, keeping blocks that pass a filter. */
static void model_filtered(const model *in, model *out, bool filtered, int lo, int hi, bool unkeyed) {
  for (int i = 0; i < in->n; i++) {
    const mblock *b = &in->b[i];
    if (filtered && (b->kg == -1 ? !unkeyed : b->kg < lo || b->kg > hi)) continue;
    model_append(out, b->kind, b->kg, b->data, b->len);
  }
}
/* Reads every block of r (with its current filter) into a merged model. */
static int read_model(strom__ckpt_reader *r, model *out) {
  strom__ckpt_block b;
  int rc;
  while ((rc = strom__ckpt_reader_next(r, &b)) == 1) model_append(out, b.kind, b.key_group, b.data, b.len);
  return rc;
}
static bool model_equal(const model *a, const model *b) {
  if (a->n != b->n) return false;
  for (int i = 0; i < a->n; i++)
    if (a->b[i].kind != b->b[i].kind || a->b[i].kg != b->b[i].kg || a->b[i].len != b->b[i].len ||
        memcmp(a->b[i].data, b->b[i].data, a->b[i].len))
      return false;
  return true;
}

/* Writes the blocks of m into dir/name in chunks of random size; returns the status. */
static int write_model(const char *dir, const char *name, const model *m, const strom__ckpt_writer_opts *o,
                       strom__ckpt_file_info *info) {
  strom__ckpt_writer *w;
  int rc = strom__ckpt_writer_open(&w, dir, name, o, err, sizeof err);
  if (rc) return rc;
  for (int i = 0; i < m->n; i++) {
    const mblock *b = &m->b[i];
    if ((rc = strom__ckpt_writer_begin_block(w, b->kind, b->kg))) break;
    for (size_t off = 0; off < b->len;) {
      size_t n = b->len > 4096 && rnd_below(4) ? 1 + rnd_below(b->len / 3) : 1 + rnd_below(600);
      if (n > b->len - off) n = b->len - off;
      if ((rc = strom__ckpt_writer_write(w, b->data + off, n))) break;
      off += n;
    }
    if (rc || (rc = strom__ckpt_writer_end_block(w))) break;
  }
  if (rc) {
    snprintf(err, sizeof err, "%s", strom__ckpt_writer_errmsg(w));
    strom__ckpt_writer_abort(w);
    return rc;
  }
  return strom__ckpt_writer_close(w, info, err, sizeof err);
}

/* A small file of a few blocks: compressed, stored, empty, not keyed. */
static void small_model(model *m) {
  uint8_t *t = make_bytes(300, true), *r = make_bytes(40, false);
  model_add(m, STROM__CKPT_KIND_KEYED, 5, t, 300);
  model_add(m, STROM__CKPT_KIND_KEYED, 6, r, 40);
  model_add(m, STROM__CKPT_KIND_TIMERS, 6, "", 0);
  model_add(m, STROM__CKPT_KIND_OPERATOR, -1, "offset=17", 9);
  free(t);
  free(r);
}

/* A complete checkpoint id in base: one operator of parallelism 2, each subtask with a
 * small state file, and a source with extra bytes. */
static int make_checkpoint(const char *base, int64_t id, bool savepoint) {
  char *dir;
  int rc = strom__ckpt_dir_create(base, id, &dir, err, sizeof err);
  if (rc) return rc;
  strom__ckpt_meta *m = strom__ckpt_meta_new(id, "job", 1000 + id, savepoint, 128);
  strom__ckpt_op_meta *op = strom__ckpt_meta_add_operator(m, "op3", 2);
  for (int s = 0; s < 2 && !rc; s++) {
    model mm = {0};
    small_model(&mm);
    strom__ckpt_file_info fi;
    char name[STROM__CKPT_NAME_MAX + 1];
    strom__ckpt_state_file_name(name, sizeof name, "op3", s);
    rc = write_model(dir, name, &mm, NULL, &fi);
    if (!rc) rc = strom__ckpt_meta_set_subtask(op, s, &fi, NULL, 0);
    model_free(&mm);
  }
  strom__ckpt_op_meta *src = strom__ckpt_meta_add_operator(m, "source", 1);
  if (!rc) rc = strom__ckpt_meta_set_subtask(src, 0, NULL, "pos=99", 6);
  if (!rc) rc = strom__ckpt_meta_write(dir, m, NULL, err, sizeof err);
  strom__ckpt_meta_free(m);
  free(dir);
  return rc;
}

static void flip_file_byte(const char *path, uint64_t off) {
  size_t n;
  uint8_t *p = read_all(path, &n);
  if (p && off < n) p[off] ^= 0x40;
  if (p) write_all_file(path, p, n);
  free(p);
}

/* ---- tests ---- */

TEST(round_trip_files_and_metadata) {
  char *base = subdir("roundtrip");
  char *dir;
  CHECK_INT(strom__ckpt_dir_create(base, 7, &dir, err, sizeof err), STROM_OK);
  CHECK(strstr(dir, "/chk-7") != NULL);
  _Atomic uint64_t counter = 0;
  uint64_t total0 = strom__ckpt_total_bytes_written();
  strom__ckpt_meta *meta = strom__ckpt_meta_new(7, "word count", 1700000000123, false, 128);
  strom__ckpt_op_meta *op = strom__ckpt_meta_add_operator(meta, "op3", 3);
  CHECK(op != NULL);
  model models[3] = {{0}};
  strom__ckpt_file_info infos[3];
  uint64_t file_bytes = 0;
  for (int s = 0; s < 3; s++) {
    model *m = &models[s];
    int lo, hi;
    strom__ckpt_key_group_range(128, 3, s, &lo, &hi);
    for (int kg = lo; kg <= hi; kg++) {
      int nb = (int)rnd_below(3); /* 0..2 blocks per key group and kind */
      for (int j = 0; j < nb; j++) {
        size_t len = rnd_below(5) == 0 ? 0 : rnd_below(3000);
        uint8_t *d = make_bytes(len, rnd_below(3) != 0);
        model_add(m, j ? STROM__CKPT_KIND_TIMERS : STROM__CKPT_KIND_KEYED, kg, d, len);
        free(d);
      }
    }
    /* multi-MB blocks: a compressible one and a random one */
    size_t big = (2u << 20) + rnd_below(1 << 20);
    uint8_t *d = make_bytes(big, s != 1);
    model_add(m, STROM__CKPT_KIND_KEYED, hi, d, big);
    free(d);
    model_add(m, STROM__CKPT_KIND_OPERATOR, -1, "list-state", 10);
    model_add(m, STROM__CKPT_KIND_CHANNEL, -1, "", 0);
    strom__ckpt_writer_opts o = {.bytes_written = &counter, .no_compression = s == 2};
    char name[STROM__CKPT_NAME_MAX + 1];
    strom__ckpt_state_file_name(name, sizeof name, "op3", s);
    CHECK_INT(write_model(dir, name, m, &o, &infos[s]), STROM_OK);
    CHECK_STR(infos[s].name, name);
    CHECK(!exists(dir, ".op3-0.state.tmp"));
    file_bytes += infos[s].size;
    char extra[16];
    snprintf(extra, sizeof extra, "pos-%d", s);
    CHECK_INT(strom__ckpt_meta_set_subtask(op, s, &infos[s], extra, strlen(extra)), STROM_OK);
  }
  CHECK_INT(atomic_load(&counter), file_bytes);
  strom__ckpt_op_meta *src = strom__ckpt_meta_add_operator(meta, "my source", 2);
  CHECK_INT(strom__ckpt_meta_set_subtask(src, 1, NULL, "\x00\x01\x02", 3), STROM_OK);
  CHECK_INT(strom__ckpt_meta_write(dir, meta, &counter, err, sizeof err), STROM_OK);
  size_t mlen;
  char *mpath = path2(dir, "_metadata");
  uint8_t *mbytes = read_all(mpath, &mlen);
  free(mpath);
  CHECK(mbytes != NULL);
  free(mbytes);
  CHECK_INT(atomic_load(&counter), file_bytes + mlen);
  CHECK(strom__ckpt_total_bytes_written() - total0 >= file_bytes + mlen);
  CHECK(!exists(dir, "._metadata.tmp"));

  /* whole-file checksums and sizes are the file's */
  for (int s = 0; s < 3; s++) {
    char *p = path2(dir, infos[s].name);
    size_t n;
    uint8_t *bytes = read_all(p, &n);
    free(p);
    CHECK_INT(n, infos[s].size);
    CHECK(XXH64(bytes, n, 0) == infos[s].checksum);
    free(bytes);
  }
  /* the compressed files are smaller than their raw bytes */
  CHECK(infos[0].size < infos[0].raw_bytes);

  strom__ckpt_meta *back;
  CHECK_INT(strom__ckpt_load(dir, STROM__CKPT_VERIFY_FULL, &back, err, sizeof err), STROM_OK);
  CHECK_INT(back->id, 7);
  CHECK_STR(back->job, "word count");
  CHECK_INT(back->timestamp_ms, 1700000000123);
  CHECK(!back->savepoint);
  CHECK_INT(back->max_parallelism, 128);
  CHECK_INT(back->nops, 2);
  const strom__ckpt_op_meta *bop = strom__ckpt_meta_find(back, "op3");
  CHECK(bop && bop->parallelism == 3);
  for (int s = 0; s < 3; s++) {
    CHECK_STR(bop->subtasks[s].file, infos[s].name);
    CHECK_INT(bop->subtasks[s].size, infos[s].size);
    CHECK(bop->subtasks[s].checksum == infos[s].checksum);
    CHECK_INT(bop->subtasks[s].extra_len, 5);
    CHECK(!memcmp(bop->subtasks[s].extra, "pos-", 4) && bop->subtasks[s].extra[4] == '0' + s);
  }
  const strom__ckpt_op_meta *bsrc = strom__ckpt_meta_find(back, "my source");
  CHECK(bsrc && bsrc->parallelism == 2);
  CHECK(bsrc->subtasks[0].file == NULL && bsrc->subtasks[0].extra_len == 0);
  CHECK(bsrc->subtasks[1].file == NULL && bsrc->subtasks[1].extra_len == 3);
  CHECK(!memcmp(bsrc->subtasks[1].extra, "\x00\x01\x02", 3));
  CHECK(strom__ckpt_meta_find(back, "nope") == NULL);
  strom_buf desc = {0};
  CHECK_INT(strom__ckpt_meta_describe(back, &desc), STROM_OK);
  CHECK(strstr(desc.p, "checkpoint 7 of job \"word count\"") && strstr(desc.p, "op3-2.state"));
  strom__buf_free(&desc);

  /* every file reads back exactly, using the sizes from _metadata */
  for (int s = 0; s < 3; s++) {
    strom__ckpt_reader *r;
    strom__ckpt_reader_opts ro = {.expect_size = bop->subtasks[s].size};
    CHECK_INT(strom__ckpt_reader_open(&r, dir, bop->subtasks[s].file, &ro, err, sizeof err), STROM_OK);
    model got = {0}, want = {0};
    int rc = read_model(r, &got);
    model_filtered(&models[s], &want, false, 0, 0, false);
    bool same = model_equal(&got, &want);
    /* rewinding gives the same blocks again */
    strom__ckpt_reader_rewind(r);
    model again = {0};
    int rc2 = read_model(r, &again);
    bool same2 = model_equal(&again, &want);
    model_free(&got);
    model_free(&want);
    model_free(&again);
    strom__ckpt_reader_close(r);
    CHECK_INT(rc, 0);
    CHECK_INT(rc2, 0);
    CHECK(same);
    CHECK(same2);
  }
  strom__ckpt_meta_free(back);
  strom__ckpt_meta_free(meta);
  for (int s = 0; s < 3; s++) model_free(&models[s]);

  strom__ckpt_found f;
  CHECK_INT(strom__ckpt_find_latest(base, STROM__CKPT_VERIFY_FULL, 0, &f, err, sizeof err), 1);
  CHECK_INT(f.id, 7);
  CHECK_INT(f.nskipped, 0);
  CHECK_STR(f.path, dir);
  strom__ckpt_found_free(&f);
  free(dir);
  free(base);
}

TEST(blocks_split_at_write_boundaries) {
  char *dir = subdir("split");
  strom__ckpt_writer *w;
  strom__ckpt_writer_opts o = {.block_target = 1000};
  CHECK_INT(strom__ckpt_writer_open(&w, dir, "s.state", &o, err, sizeof err), STROM_OK);
  CHECK(exists(dir, ".s.state.tmp"));
  CHECK(!exists(dir, "s.state"));
  CHECK_INT(strom__ckpt_writer_begin_block(w, STROM__CKPT_KIND_KEYED, 9), STROM_OK);
  /* records: a 2-byte length and that many bytes, written one per call */
  int nrec = 0;
  size_t total = 0;
  for (; total < 20000; nrec++) {
    uint8_t rec[302];
    size_t len = 1 + rnd_below(300);
    rec[0] = (uint8_t)len;
    rec[1] = (uint8_t)(len >> 8);
    memset(rec + 2, 'a' + nrec % 26, len);
    CHECK_INT(strom__ckpt_writer_write(w, rec, len + 2), STROM_OK);
    total += len + 2;
  }
  uint8_t *huge = make_bytes(5000, true); /* a write bigger than the target: one block */
  huge[0] = 0xff;
  CHECK_INT(strom__ckpt_writer_write(w, huge, 5000), STROM_OK);
  free(huge);
  strom__ckpt_file_info fi;
  CHECK_INT(strom__ckpt_writer_close(w, &fi, err, sizeof err), STROM_OK); /* ends the open block */
  CHECK(exists(dir, "s.state") && !exists(dir, ".s.state.tmp"));
  CHECK_INT(fi.raw_bytes, total + 5000);
  CHECK(fi.blocks >= total / 1000);
  strom__ckpt_reader *r;
  CHECK_INT(strom__ckpt_reader_open(&r, dir, "s.state", NULL, err, sizeof err), STROM_OK);
  CHECK_INT(strom__ckpt_reader_nblocks(r), fi.blocks);
  strom__ckpt_block b;
  int seen = 0, rc;
  bool whole = true, saw_huge = false;
  while ((rc = strom__ckpt_reader_next(r, &b)) == 1) {
    if (b.kind != STROM__CKPT_KIND_KEYED || b.key_group != 9) whole = false;
    if (b.len && b.data[0] == 0xff) {
      saw_huge = b.len == 5000;
      continue;
    }
    if (b.len > 1000) whole = false;
    for (size_t off = 0; off < b.len;) { /* every block holds whole records */
      if (b.len - off < 2) {
        whole = false;
        break;
      }
      size_t len = b.data[off] | (size_t)b.data[off + 1] << 8;
      if (len > b.len - off - 2 || b.data[off + 2] != 'a' + seen % 26) {
        whole = false;
        break;
      }
      off += len + 2;
      seen++;
    }
  }
  strom__ckpt_reader_close(r);
  CHECK_INT(rc, 0);
  CHECK(whole);
  CHECK(saw_huge);
  CHECK_INT(seen, nrec);
  free(dir);
}

TEST(key_group_range_reads) {
  char *dir = subdir("range");
  model m = {0};
  int order[128];
  for (int i = 0; i < 128; i++) order[i] = i;
  for (int i = 127; i > 0; i--) {
    int j = (int)rnd_below((size_t)i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (int i = 0; i < 128; i++) {
    int kg = order[i];
    char buf[64];
    int n = snprintf(buf, sizeof buf, "state of key group %d", kg);
    model_add(&m, STROM__CKPT_KIND_KEYED, kg, buf, (size_t)n);
    if (kg % 3 == 0) model_add(&m, STROM__CKPT_KIND_TIMERS, kg, buf, (size_t)n / 2);
    if (i % 40 == 0) model_add(&m, STROM__CKPT_KIND_OPERATOR, -1, "op", 2);
  }
  strom__ckpt_file_info fi;
  CHECK_INT(write_model(dir, "r.state", &m, NULL, &fi), STROM_OK);
  strom__ckpt_reader *r;
  CHECK_INT(strom__ckpt_reader_open(&r, dir, "r.state", NULL, err, sizeof err), STROM_OK);
  static const int ranges[][2] = {{0, 127}, {0, 0}, {127, 127}, {10, 20}, {43, 85}, {5, 4}, {200, 300}, {-5, 3}};
  for (size_t k = 0; k < sizeof ranges / sizeof *ranges; k++)
    for (int unkeyed = 0; unkeyed < 2; unkeyed++) {
      strom__ckpt_reader_filter(r, ranges[k][0], ranges[k][1], unkeyed);
      model got = {0}, want = {0};
      int rc = read_model(r, &got);
      model_filtered(&m, &want, true, ranges[k][0], ranges[k][1], unkeyed);
      bool same = model_equal(&got, &want);
      int n = got.n;
      model_free(&got);
      model_free(&want);
      if (rc != 0 || !same)
        fprintf(stderr, "  range [%d, %d] unkeyed %d: rc %d, %d blocks\n", ranges[k][0], ranges[k][1], unkeyed, rc, n);
      CHECK_INT(rc, 0);
      CHECK(same);
    }
  /* the index describes each block without reading it */
  CHECK_INT(strom__ckpt_reader_nblocks(r), m.n);
  for (int i = 0; i < m.n; i++) {
    int kind, kg;
    uint64_t raw;
    strom__ckpt_reader_block_info(r, (uint64_t)i, &kind, &kg, NULL, &raw, NULL);
    CHECK(kind == m.b[i].kind && kg == m.b[i].kg && raw == m.b[i].len);
  }
  int kind_past = -1;
  strom__ckpt_reader_block_info(r, (uint64_t)m.n, &kind_past, NULL, NULL, NULL, NULL);
  CHECK_INT(kind_past, 0);
  strom__ckpt_reader_close(r);

  /* blocks outside the range are not read: a corrupt one does not matter to a range
   * that excludes it and is reported by one that includes it */
  int victim = -1;
  for (int i = 0; i < m.n && victim < 0; i++)
    if (m.b[i].kg == 100 && m.b[i].kind == STROM__CKPT_KIND_KEYED) victim = i;
  CHECK(victim >= 0);
  CHECK_INT(strom__ckpt_reader_open(&r, dir, "r.state", NULL, err, sizeof err), STROM_OK);
  uint64_t off, clen;
  strom__ckpt_reader_block_info(r, (uint64_t)victim, NULL, NULL, &off, NULL, &clen);
  strom__ckpt_reader_close(r);
  char *p = path2(dir, "r.state");
  flip_file_byte(p, off + STROM__CKPT_BLOCK_HEADER_SIZE + clen / 2);
  free(p);
  CHECK_INT(strom__ckpt_reader_open(&r, dir, "r.state", NULL, err, sizeof err), STROM_OK);
  strom__ckpt_reader_filter(r, 0, 99, true);
  model got = {0};
  int rc = read_model(r, &got);
  model_free(&got);
  CHECK_INT(rc, 0);
  strom__ckpt_reader_filter(r, 90, 110, false);
  rc = read_model(r, &got);
  model_free(&got);
  CHECK_INT(rc, STROM_EPARSE);
  char want[128];
  snprintf(want, sizeof want, "range/r.state: block %d at offset %" PRIu64 ": checksum mismatch", victim, off);
  CHECK_STR(strom__ckpt_reader_errmsg(r), want);
  /* the reader stays usable for the other blocks */
  strom__ckpt_reader_filter(r, 101, 127, false);
  rc = read_model(r, &got);
  model_free(&got);
  CHECK_INT(rc, 0);
  strom__ckpt_reader_close(r);
  model_free(&m);

  /* ranges agree with the key group owner */
  static const int shapes[][2] = {{128, 1}, {128, 3}, {128, 7}, {128, 128}, {10, 4}, {32768, 5}};
  for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
    int maxp = shapes[k][0], par = shapes[k][1], next = 0;
    for (int i = 0; i < par; i++) {
      int lo, hi;
      strom__ckpt_key_group_range(maxp, par, i, &lo, &hi);
      CHECK_INT(lo, next);
      for (int kg = lo; kg <= hi; kg++) CHECK_INT(strom__key_group_owner(kg, maxp, par), i);
      next = hi + 1;
    }
    CHECK_INT(next, maxp);
  }
  free(dir);
}

/* Opens a state file image and reads every block; returns the first error. */
static int read_image(const uint8_t *p, size_t n, uint64_t expect_size, char *msg, size_t cap) {
  strom__ckpt_reader *r;
  strom__ckpt_reader_opts o = {.expect_size = expect_size, .max_block_bytes = 1 << 20};
  msg[0] = 0;
  int rc = strom__ckpt_reader_open_mem(&r, p, n, "chk-1/x.state", &o, msg, cap);
  if (rc) return rc;
  strom__ckpt_block b;
  while ((rc = strom__ckpt_reader_next(r, &b)) == 1) {
  }
  if (rc) snprintf(msg, cap, "%s", strom__ckpt_reader_errmsg(r));
  strom__ckpt_reader_close(r);
  return rc;
}

TEST(state_file_every_flip_and_truncation_detected) {
  char *dir = subdir("chk-1");
  model m = {0};
  small_model(&m);
  strom__ckpt_file_info fi;
  CHECK_INT(write_model(dir, "x.state", &m, NULL, &fi), STROM_OK);
  model_free(&m);
  char *path = path2(dir, "x.state");
  size_t n;
  uint8_t *orig = read_all(path, &n);
  CHECK(orig && n == fi.size && n < 1000);
  CHECK_INT(read_image(orig, n, n, err, sizeof err), 0);
  uint8_t *img = malloc(n);
  char msg[512];
  static const uint8_t xors[] = {0x01, 0x80, 0xff, 0x10};
  for (size_t i = 0; i < n; i++)
    for (size_t x = 0; x < sizeof xors; x++) {
      memcpy(img, orig, n);
      img[i] ^= xors[x];
      int rc = read_image(img, n, 0, msg, sizeof msg);
      if (rc != STROM_EPARSE || strncmp(msg, "chk-1/x.state: ", 15))
        fprintf(stderr, "  flip %#x at %zu: rc %d, \"%s\"\n", xors[x], i, rc, msg);
      CHECK_INT(rc, STROM_EPARSE);
      CHECK(!strncmp(msg, "chk-1/x.state: ", 15));
    }
  /* the same through files on disk, and the whole-file check agrees */
  for (size_t i = 0; i < n; i++) {
    memcpy(img, orig, n);
    img[i] ^= 0x55;
    CHECK_INT(write_all_file(path, img, n), 0);
    strom__ckpt_reader *r;
    strom__ckpt_reader_opts o = {.expect_size = n};
    int rc = strom__ckpt_reader_open(&r, dir, "x.state", &o, msg, sizeof msg);
    if (!rc) {
      strom__ckpt_block b;
      while ((rc = strom__ckpt_reader_next(r, &b)) == 1) {
      }
      if (rc) snprintf(msg, sizeof msg, "%s", strom__ckpt_reader_errmsg(r));
      strom__ckpt_reader_close(r);
    }
    CHECK_INT(rc, STROM_EPARSE);
    CHECK(!strncmp(msg, "chk-1/x.state: ", 15));
    CHECK_INT(strom__ckpt_file_verify(dir, &fi, msg, sizeof msg), STROM_EPARSE);
    CHECK_STR(msg, "chk-1/x.state: checksum mismatch (the file is corrupt)");
  }
  /* every truncation, with and without the size from _metadata, and extra bytes */
  for (size_t len = 0; len < n; len++) {
    int rc = read_image(orig, len, 0, msg, sizeof msg);
    CHECK_INT(rc, STROM_EPARSE);
    CHECK(msg[0] != 0);
    rc = read_image(orig, len, n, msg, sizeof msg);
    CHECK_INT(rc, STROM_EPARSE);
    char want[128];
    snprintf(want, sizeof want, "chk-1/x.state: size %zu, expected %zu (truncated)", len, n);
    CHECK_STR(msg, want);
  }
  for (size_t len = 0; len < n; len += 7) {
    CHECK_INT(write_all_file(path, orig, len), 0);
    strom__ckpt_reader *r;
    CHECK_INT(strom__ckpt_reader_open(&r, dir, "x.state", NULL, msg, sizeof msg), STROM_EPARSE);
    CHECK(strstr(msg, "chk-1/x.state: ") == msg);
    CHECK_INT(strom__ckpt_file_verify(dir, &fi, msg, sizeof msg), STROM_EPARSE);
    CHECK(strstr(msg, "(truncated)") != NULL);
  }
  uint8_t *longer = malloc(n + 3);
  memcpy(longer, orig, n);
  memcpy(longer + n, "abc", 3);
  int rc = read_image(longer, n + 3, 0, msg, sizeof msg);
  free(longer);
  CHECK_INT(rc, STROM_EPARSE);
  /* a block's body flipped: the message names the block and its offset */
  memcpy(img, orig, n);
  img[STROM__CKPT_FILE_HEADER_SIZE + STROM__CKPT_BLOCK_HEADER_SIZE + 3] ^= 1;
  CHECK_INT(read_image(img, n, 0, msg, sizeof msg), STROM_EPARSE);
  CHECK_STR(msg, "chk-1/x.state: block 0 at offset 16: checksum mismatch");
  /* a missing file */
  unlink(path);
  strom__ckpt_reader *r;
  CHECK(strom__ckpt_reader_open(&r, dir, "x.state", NULL, msg, sizeof msg) < 0);
  CHECK(strstr(msg, "chk-1/x.state: cannot open") == msg);
  free(img);
  free(orig);
  free(path);
  free(dir);
}

TEST(metadata_every_flip_and_truncation_detected) {
  strom__ckpt_meta *m = strom__ckpt_meta_new(12, "j", 5, true, 16);
  strom__ckpt_op_meta *op = strom__ckpt_meta_add_operator(m, "a", 2);
  strom__ckpt_file_info fi = {.name = "a-0.state", .size = 100, .checksum = 0x1234};
  CHECK_INT(strom__ckpt_meta_set_subtask(op, 0, &fi, "xy", 2), STROM_OK);
  strom__ckpt_meta_add_operator(m, "b", 1);
  strom_buf b = {0};
  CHECK_INT(strom__ckpt_meta_encode(m, &b, err, sizeof err), STROM_OK);
  strom__ckpt_meta_free(m);
  size_t n = b.len;
  const uint8_t *orig = (const uint8_t *)b.p;
  strom__ckpt_meta *back;
  CHECK_INT(strom__ckpt_meta_decode(orig, n, "chk-12/_metadata", &back, err, sizeof err), STROM_OK);
  CHECK(back->savepoint && back->id == 12 && back->nops == 2 && back->max_parallelism == 16);
  CHECK_STR(back->ops[0].subtasks[0].file, "a-0.state");
  CHECK(back->ops[0].subtasks[1].file == NULL);
  strom__ckpt_meta_free(back);
  uint8_t *img = malloc(n);
  char msg[512];
  for (size_t i = 0; i < n; i++)
    for (int x = 1; x < 256; x += 37) {
      memcpy(img, orig, n);
      img[i] ^= (uint8_t)x;
      back = (strom__ckpt_meta *)1;
      int rc = strom__ckpt_meta_decode(img, n, "chk-12/_metadata", &back, msg, sizeof msg);
      CHECK_INT(rc, STROM_EPARSE);
      CHECK(back == NULL);
      CHECK(!strncmp(msg, "chk-12/_metadata: ", 18));
    }
  for (size_t len = 0; len < n; len++) {
    int rc = strom__ckpt_meta_decode(orig, len, "chk-12/_metadata", &back, msg, sizeof msg);
    CHECK_INT(rc, STROM_EPARSE);
    CHECK(strstr(msg, "truncated") != NULL);
  }
  /* on disk: _metadata flipped or truncated is reported by meta_read */
  char *dir = subdir("chk-12");
  char *path = path2(dir, "_metadata");
  for (size_t i = 0; i < n; i++) {
    memcpy(img, orig, n);
    img[i] ^= 0x20;
    CHECK_INT(write_all_file(path, img, n), 0);
    CHECK_INT(strom__ckpt_meta_read(dir, &back, msg, sizeof msg), STROM_EPARSE);
    CHECK(!strncmp(msg, "chk-12/_metadata: ", 18));
  }
  CHECK_INT(write_all_file(path, orig, n / 2), 0);
  CHECK_INT(strom__ckpt_meta_read(dir, &back, msg, sizeof msg), STROM_EPARSE);
  char want[128];
  snprintf(want, sizeof want, "chk-12/_metadata: %zu bytes, but the header says %zu (truncated)", n / 2, n);
  CHECK_STR(msg, want);
  CHECK_INT(write_all_file(path, orig, n), 0);
  CHECK_INT(strom__ckpt_meta_read(dir, &back, msg, sizeof msg), STROM_OK);
  strom__ckpt_meta_free(back);
  unlink(path);
  CHECK_INT(strom__ckpt_meta_read(dir, &back, msg, sizeof msg), STROM_EINVAL);
  CHECK_STR(msg, "chk-12/_metadata: missing (the checkpoint is not complete)");
  free(path);
  free(dir);
  free(img);
  strom__buf_free(&b);
}

TEST(metadata_refuses_invalid) {
  strom__ckpt_meta *m = strom__ckpt_meta_new(1, "j", 0, false, 4);
  strom_buf b = {0};
  strom__ckpt_meta_add_operator(m, "a", 5); /* parallelism above max parallelism */
  CHECK_INT(strom__ckpt_meta_encode(m, &b, err, sizeof err), STROM_EINVAL);
  CHECK(strstr(err, "parallelism 5 out of range") != NULL);
  m->ops[0].parallelism = 1;
  strom__ckpt_meta_add_operator(m, "a", 1);
  CHECK_INT(strom__ckpt_meta_encode(m, &b, err, sizeof err), STROM_EINVAL);
  CHECK(strstr(err, "appears twice") != NULL);
  free(m->ops[1].uid);
  m->ops[1].uid = strom__strdup("b");
  strom__ckpt_file_info fi = {.name = "../evil", .size = 1};
  CHECK_INT(strom__ckpt_meta_set_subtask(&m->ops[0], 0, &fi, NULL, 0), STROM_OK);
  CHECK_INT(strom__ckpt_meta_encode(m, &b, err, sizeof err), STROM_EINVAL);
  CHECK(strstr(err, "bad file name") != NULL);
  snprintf(fi.name, sizeof fi.name, "same.state");
  CHECK_INT(strom__ckpt_meta_set_subtask(&m->ops[0], 0, &fi, NULL, 0), STROM_OK);
  CHECK_INT(strom__ckpt_meta_set_subtask(&m->ops[1], 0, &fi, NULL, 0), STROM_OK);
  CHECK_INT(strom__ckpt_meta_encode(m, &b, err, sizeof err), STROM_EINVAL);
  CHECK(strstr(err, "listed twice") != NULL);
  CHECK_INT(strom__ckpt_meta_set_subtask(&m->ops[1], 0, NULL, NULL, 0), STROM_OK);
  CHECK_INT(strom__ckpt_meta_set_subtask(&m->ops[1], 1, NULL, NULL, 0), STROM_EINVAL);
  CHECK_INT(strom__ckpt_meta_encode(m, &b, err, sizeof err), STROM_OK);
  CHECK_INT(b.len > 0, 1);
  strom__ckpt_meta_free(m);
  strom__buf_free(&b);
}

TEST(writer_misuse_and_names) {
  char *dir = subdir("misuse");
  strom__ckpt_writer *w;
  CHECK_INT(strom__ckpt_writer_open(&w, dir, "../x", NULL, err, sizeof err), STROM_EINVAL);
  CHECK_INT(strom__ckpt_writer_open(&w, dir, ".hidden", NULL, err, sizeof err), STROM_EINVAL);
  CHECK_INT(strom__ckpt_writer_open(&w, dir, "_metadata", NULL, err, sizeof err), STROM_EINVAL);
  char *nodir = path2(dir, "no/such");
  CHECK_INT(strom__ckpt_writer_open(&w, nodir, "a.state", NULL, err, sizeof err), STROM_EIO);
  CHECK(strstr(err, "such/a.state: cannot create") == err);
  free(nodir);
  CHECK_INT(strom__ckpt_writer_open(&w, dir, "a.state", NULL, err, sizeof err), STROM_OK);
  CHECK_INT(strom__ckpt_writer_write(w, "x", 1), STROM_ESTATE);
  CHECK(strstr(strom__ckpt_writer_errmsg(w), "misuse/a.state: write outside a block") != NULL);
  CHECK_INT(strom__ckpt_writer_begin_block(w, 1, 0), STROM_ESTATE); /* errors are sticky */
  CHECK_INT(strom__ckpt_writer_close(w, NULL, err, sizeof err), STROM_ESTATE);
  CHECK(!exists(dir, "a.state") && !exists(dir, ".a.state.tmp"));
  CHECK_INT(strom__ckpt_writer_open(&w, dir, "a.state", NULL, err, sizeof err), STROM_OK);
  CHECK_INT(strom__ckpt_writer_begin_block(w, 0, 0), STROM_EINVAL);
  strom__ckpt_writer_abort(w);
  CHECK_INT(strom__ckpt_writer_open(&w, dir, "a.state", NULL, err, sizeof err), STROM_OK);
  CHECK_INT(strom__ckpt_writer_begin_block(w, 1, 32768), STROM_EINVAL);
  strom__ckpt_writer_abort(w);
  CHECK(!exists(dir, ".a.state.tmp"));
  /* an empty file is valid */
  strom__ckpt_file_info fi;
  CHECK_INT(strom__ckpt_writer_open(&w, dir, "e.state", NULL, err, sizeof err), STROM_OK);
  CHECK_INT(strom__ckpt_writer_bytes(w), STROM__CKPT_FILE_HEADER_SIZE);
  CHECK_INT(strom__ckpt_writer_close(w, &fi, err, sizeof err), STROM_OK);
  CHECK_INT(fi.size, STROM__CKPT_FILE_HEADER_SIZE + STROM__CKPT_FOOTER_SIZE);
  CHECK_INT(fi.blocks, 0);
  strom__ckpt_reader *r;
  CHECK_INT(strom__ckpt_reader_open(&r, dir, "e.state", NULL, err, sizeof err), STROM_OK);
  strom__ckpt_block b;
  CHECK_INT(strom__ckpt_reader_next(r, &b), 0);
  CHECK_INT(strom__ckpt_reader_read(r, 3, &b), 0);
  strom__ckpt_reader_close(r);

  char name[STROM__CKPT_NAME_MAX + 1];
  strom__ckpt_state_file_name(name, sizeof name, "op3", 1);
  CHECK_STR(name, "op3-1.state");
  strom__ckpt_state_file_name(name, sizeof name, "a b/c.d", 0);
  CHECK_STR(name, "a%20b%2Fc%2Ed-0.state");
  char long1[600], long2[600], name2[STROM__CKPT_NAME_MAX + 1];
  memset(long1, 'u', 599);
  long1[599] = 0;
  memcpy(long2, long1, 600);
  long2[598] = 'v';
  strom__ckpt_state_file_name(name, sizeof name, long1, 12);
  strom__ckpt_state_file_name(name2, sizeof name2, long2, 12);
  CHECK(strlen(name) <= STROM__CKPT_NAME_MAX && strchr(name, '~') != NULL);
  CHECK(strcmp(name, name2) != 0);
  CHECK(strstr(name, "-12.state") != NULL);
  CHECK_INT(strom__ckpt_writer_open(&w, dir, name, NULL, err, sizeof err), STROM_OK);
  strom__ckpt_writer_abort(w);

  CHECK_INT(strom__ckpt_parse_dir_name("chk-0"), 0);
  CHECK_INT(strom__ckpt_parse_dir_name("chk-42"), 42);
  CHECK_INT(strom__ckpt_parse_dir_name("chk-042"), -1);
  CHECK_INT(strom__ckpt_parse_dir_name("chk-"), -1);
  CHECK_INT(strom__ckpt_parse_dir_name("chk-4x"), -1);
  CHECK_INT(strom__ckpt_parse_dir_name("chk--4"), -1);
  CHECK_INT(strom__ckpt_parse_dir_name("chk-99999999999999999999"), -1);
  CHECK_INT(strom__ckpt_parse_dir_name("savepoint-1"), -1);
  free(dir);
}

TEST(dir_create_reuses_failed_attempts) {
  char *base = path2(root, "create/nested");
  char *dir;
  CHECK_INT(strom__ckpt_dir_create(base, 4, &dir, err, sizeof err), STROM_OK);
  char *stale = path2(dir, "stale.state");
  CHECK_INT(write_all_file(stale, "x", 1), 0);
  free(dir);
  CHECK_INT(strom__ckpt_dir_create(base, 4, &dir, err, sizeof err), STROM_OK); /* no _metadata: reused */
  CHECK(access(stale, F_OK) != 0);
  free(stale);
  free(dir);
  CHECK_INT(make_checkpoint(base, 5, false), STROM_OK);
  CHECK_INT(strom__ckpt_dir_create(base, 5, &dir, err, sizeof err), STROM_EINVAL);
  CHECK(strstr(err, "checkpoint 5 already exists") != NULL);
  CHECK(dir == NULL);
  free(base);
}

TEST(incomplete_checkpoint_ignored) {
  char *base = subdir("incomplete");
  CHECK_INT(make_checkpoint(base, 1, false), STROM_OK);
  char *dir;
  CHECK_INT(strom__ckpt_dir_create(base, 2, &dir, err, sizeof err), STROM_OK); /* never completed */
  model m = {0};
  small_model(&m);
  strom__ckpt_file_info fi;
  CHECK_INT(write_model(dir, "op3-0.state", &m, NULL, &fi), STROM_OK);
  model_free(&m);
  free(dir);
  char *other = path2(base, "shared");
  mkdir(other, 0755);
  free(other);
  other = path2(base, "chk-007");
  mkdir(other, 0755);
  free(other);
  other = path2(base, "chk-9"); /* a file, not a folder */
  CHECK_INT(write_all_file(other, "x", 1), 0);
  free(other);
  strom__ckpt_dir_entry *v;
  int n;
  CHECK_INT(strom__ckpt_list(base, &v, &n, err, sizeof err), STROM_OK);
  CHECK_INT(n, 2);
  CHECK(v[0].id == 1 && v[0].has_metadata && v[1].id == 2 && !v[1].has_metadata);
  free(v);
  strom__ckpt_found f;
  CHECK_INT(strom__ckpt_find_latest(base, STROM__CKPT_VERIFY_FULL, 0, &f, err, sizeof err), 1);
  CHECK_INT(f.id, 1);
  CHECK_INT(f.nskipped, 1);
  CHECK_INT(f.skipped[0].id, 2);
  CHECK_STR(f.skipped[0].reason, "chk-2: no _metadata (incomplete or failed)");
  strom__ckpt_found_free(&f);
  char *chk2 = path2(base, "chk-2");
  strom__ckpt_meta *meta;
  CHECK_INT(strom__ckpt_load(chk2, STROM__CKPT_VERIFY_METADATA, &meta, err, sizeof err), STROM_EINVAL);
  CHECK(meta == NULL);
  free(chk2);
  /* a base that does not exist has no checkpoint */
  char *none = path2(root, "does-not-exist");
  CHECK_INT(strom__ckpt_find_latest(none, STROM__CKPT_VERIFY_FULL, 0, &f, err, sizeof err), 0);
  CHECK_INT(f.id, -1);
  strom__ckpt_found_free(&f);
  free(none);
  free(base);
}

TEST(latest_falls_back_past_corrupt_checkpoints) {
  char *base = subdir("fallback");
  for (int id = 1; id <= 3; id++) CHECK_INT(make_checkpoint(base, id, false), STROM_OK);
  strom__ckpt_found f;
  CHECK_INT(strom__ckpt_find_latest(base, STROM__CKPT_VERIFY_FULL, 0, &f, err, sizeof err), 1);
  CHECK_INT(f.id, 3);
  strom__ckpt_found_free(&f);

  /* the newest _metadata is corrupt */
  char *p = path2(base, "chk-3/_metadata");
  flip_file_byte(p, 30);
  free(p);
  CHECK_INT(strom__ckpt_find_latest(base, STROM__CKPT_VERIFY_METADATA, 0, &f, err, sizeof err), 1);
  CHECK_INT(f.id, 2);
  CHECK_INT(f.nskipped, 1);
  CHECK_INT(f.skipped[0].id, 3);
  CHECK_STR(f.skipped[0].reason, "chk-3/_metadata: checksum mismatch");
  CHECK(f.meta && f.meta->id == 2 && strom__ckpt_meta_find(f.meta, "op3"));
  strom__ckpt_found_free(&f);

  /* a state file of chk-2 is truncated: found by the size check */
  p = path2(base, "chk-2/op3-1.state");
  CHECK_INT(truncate(p, 50), 0);
  free(p);
  CHECK_INT(strom__ckpt_find_latest(base, STROM__CKPT_VERIFY_METADATA, 0, &f, err, sizeof err), 1);
  CHECK_INT(f.id, 2); /* the metadata alone is fine */
  strom__ckpt_found_free(&f);
  CHECK_INT(strom__ckpt_find_latest(base, STROM__CKPT_VERIFY_SIZES, 0, &f, err, sizeof err), 1);
  CHECK_INT(f.id, 1);
  CHECK_INT(f.nskipped, 2);
  CHECK_INT(f.skipped[1].id, 2);
  CHECK(strstr(f.skipped[1].reason, "chk-2/op3-1.state: size 50, expected ") == f.skipped[1].reason);
  CHECK(strstr(f.skipped[1].reason, "(truncated)") != NULL);
  strom__ckpt_found_free(&f);

  /* a state file of chk-1 has a flipped byte: only the full check sees it */
  p = path2(base, "chk-1/op3-0.state");
  flip_file_byte(p, 70);
  free(p);
  CHECK_INT(strom__ckpt_find_latest(base, STROM__CKPT_VERIFY_SIZES, 0, &f, err, sizeof err), 1);
  CHECK_INT(f.id, 1);
  strom__ckpt_found_free(&f);
  CHECK_INT(strom__ckpt_find_latest(base, STROM__CKPT_VERIFY_FULL, 0, &f, err, sizeof err), 0);
  CHECK_INT(f.id, -1);
  CHECK_INT(f.nskipped, 3);
  CHECK_STR(f.skipped[2].reason, "chk-1/op3-0.state: checksum mismatch (the file is corrupt)");
  strom__ckpt_found_free(&f);

  /* a missing state file, and a _metadata copied into the wrong folder */
  CHECK_INT(make_checkpoint(base, 4, false), STROM_OK);
  CHECK_INT(make_checkpoint(base, 5, false), STROM_OK);
  p = path2(base, "chk-5/op3-0.state");
  unlink(p);
  free(p);
  char *dir6;
  CHECK_INT(strom__ckpt_dir_create(base, 6, &dir6, err, sizeof err), STROM_OK);
  char *from = path2(base, "chk-4/_metadata"), *to = path2(dir6, "_metadata");
  size_t n;
  uint8_t *bytes = read_all(from, &n);
  CHECK_INT(write_all_file(to, bytes, n), 0);
  free(bytes);
  free(from);
  free(to);
  free(dir6);
  CHECK_INT(strom__ckpt_find_latest(base, STROM__CKPT_VERIFY_SIZES, 0, &f, err, sizeof err), 1);
  CHECK_INT(f.id, 4);
  CHECK_INT(f.nskipped, 2);
  CHECK_STR(f.skipped[0].reason, "chk-6/_metadata: holds checkpoint 4");
  CHECK_STR(f.skipped[1].reason, "chk-5/op3-0.state: missing");
  strom__ckpt_found_free(&f);

  /* restoring from 4 failed later: look below it */
  CHECK_INT(strom__ckpt_find_latest(base, STROM__CKPT_VERIFY_SIZES, 4, &f, err, sizeof err), 1);
  CHECK_INT(f.id, 1);
  CHECK_INT(f.nskipped, 2); /* 3 and 2 */
  CHECK_INT(f.skipped[0].id, 3);
  strom__ckpt_found_free(&f);
  free(base);
}

static int count_dirs(const char *base, int64_t *ids, int cap) {
  strom__ckpt_dir_entry *v;
  int n;
  if (strom__ckpt_list(base, &v, &n, err, sizeof err)) return -1;
  for (int i = 0; i < n && i < cap; i++) ids[i] = v[i].id;
  free(v);
  return n;
}

TEST(retention_keeps_last_n) {
  for (int keep = 1; keep <= 4; keep++) {
    char *base = subdir("retain");
    for (int id = 1; id <= 6; id++) CHECK_INT(make_checkpoint(base, id, false), STROM_OK);
    int deleted;
    CHECK_INT(strom__ckpt_retain(base, keep, &deleted, err, sizeof err), STROM_OK);
    CHECK_INT(deleted, 6 - keep);
    int64_t ids[16];
    CHECK_INT(count_dirs(base, ids, 16), keep);
    for (int i = 0; i < keep; i++) CHECK_INT(ids[i], 6 - keep + 1 + i);
    strom__ckpt_found f;
    CHECK_INT(strom__ckpt_find_latest(base, STROM__CKPT_VERIFY_FULL, 0, &f, err, sizeof err), 1);
    CHECK_INT(f.id, 6);
    strom__ckpt_found_free(&f);
    free(base);
  }
  /* a mix: 1 complete, 2 savepoint, 3 failed, 4 complete, 5 corrupt _metadata,
   * 6 and 7 complete, 8 in progress */
  char *base = subdir("retain");
  CHECK_INT(make_checkpoint(base, 1, false), STROM_OK);
  CHECK_INT(make_checkpoint(base, 2, true), STROM_OK);
  char *dir;
  CHECK_INT(strom__ckpt_dir_create(base, 3, &dir, err, sizeof err), STROM_OK);
  free(dir);
  CHECK_INT(make_checkpoint(base, 4, false), STROM_OK);
  CHECK_INT(make_checkpoint(base, 5, false), STROM_OK);
  char *p = path2(base, "chk-5/_metadata");
  flip_file_byte(p, 20);
  free(p);
  CHECK_INT(make_checkpoint(base, 6, false), STROM_OK);
  CHECK_INT(make_checkpoint(base, 7, false), STROM_OK);
  CHECK_INT(strom__ckpt_dir_create(base, 8, &dir, err, sizeof err), STROM_OK);
  free(dir);
  int deleted;
  CHECK_INT(strom__ckpt_retain(base, 2, &deleted, err, sizeof err), STROM_OK);
  CHECK_INT(deleted, 4);
  int64_t ids[16];
  CHECK_INT(count_dirs(base, ids, 16), 4);
  CHECK(ids[0] == 2 && ids[1] == 6 && ids[2] == 7 && ids[3] == 8);
  CHECK_INT(strom__ckpt_retain(base, 1, &deleted, err, sizeof err), STROM_OK);
  CHECK_INT(deleted, 1);
  CHECK_INT(count_dirs(base, ids, 16), 3);
  CHECK(ids[0] == 2 && ids[1] == 7 && ids[2] == 8);
  CHECK_INT(strom__ckpt_retain(base, 1, &deleted, err, sizeof err), STROM_OK);
  CHECK_INT(deleted, 0);
  CHECK_INT(strom__ckpt_retain(base, 0, &deleted, err, sizeof err), STROM_EINVAL);
  /* without any complete checkpoint nothing is deleted (all may be in progress) */
  char *base2 = subdir("retain2");
  CHECK_INT(strom__ckpt_dir_create(base2, 1, &dir, err, sizeof err), STROM_OK);
  free(dir);
  CHECK_INT(strom__ckpt_retain(base2, 1, &deleted, err, sizeof err), STROM_OK);
  CHECK_INT(deleted, 0);
  CHECK_INT(count_dirs(base2, ids, 16), 1);
  /* deleting a folder removes it whole; a missing one is fine */
  char *chk7 = path2(base, "chk-7");
  CHECK_INT(strom__ckpt_delete(chk7, err, sizeof err), STROM_OK);
  CHECK(access(chk7, F_OK) != 0);
  CHECK_INT(strom__ckpt_delete(chk7, err, sizeof err), STROM_OK);
  free(chk7);
  free(base2);
  free(base);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(root, sizeof root, "/tmp/strom-ckpt-XXXXXX");
  if (!mkdtemp(root)) {
    perror("mkdtemp");
    return 1;
  }
  RUN(round_trip_files_and_metadata);
  RUN(blocks_split_at_write_boundaries);
  RUN(key_group_range_reads);
  RUN(state_file_every_flip_and_truncation_detected);
  RUN(metadata_every_flip_and_truncation_detected);
  RUN(metadata_refuses_invalid);
  RUN(writer_misuse_and_names);
  RUN(dir_create_reuses_failed_attempts);
  RUN(incomplete_checkpoint_ignored);
  RUN(latest_falls_back_past_corrupt_checkpoints);
  RUN(retention_keeps_last_n);
  rm_rf(root);
  TEST_MAIN_END();
}
