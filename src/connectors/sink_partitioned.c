/*
 * sink_partitioned.c -- the partitioned file sink: Flink's filesystem sink with
 * PARTITIONED BY.  A row goes, as a CSV line of its non-partition columns, into the
 * directory of its partition, dir/k1=v1/k2=v2/ (values escaped as Flink escapes path
 * names: %XX for '/', ':', '=', '%' and the like; NULL or '' is
 * __DEFAULT_PARTITION__).  Each partition has its own in-progress part file, and the
 * files go through sink_files.c's two-phase commit: hidden while written, closed and
 * recorded as pending at a checkpoint's barrier, renamed visible when the checkpoint
 * completes (and on restore, for the checkpoint restored).
 *
 * Partition commit (the success-file policy): when a checkpoint completes, a partition
 * that had data before that checkpoint's barrier is committed, i.e. gets an empty
 * _SUCCESS file, once it is due: with the partition-time trigger when the watermark
 * the sink had at that barrier passed the partition's time (its values through
 * 'partition.time-extractor.timestamp-pattern') plus the delay; with the process-time
 * trigger when the processing time passed the partition's creation plus the delay.
 * At the end of a bounded input every partition is due, as in Flink.  Each subtask
 * commits the partitions it wrote to with its own watermark (Flink's single committer
 * takes the smallest of the writers'); the success file is idempotent.  A committed
 * partition is forgotten; a late row reopens it, and it is committed again.  The
 * snapshot holds the pending files and the partitions not committed yet, so a restored
 * job commits both (subtask 0 takes over every former subtask's, as sink_files.c).
 */
#include "sink_partitioned.h"

#include <errno.h>
#include <sys/stat.h>
#include <time.h>

#include "../runtime/snapshot.h"
#include "part_files.h"

typedef struct pconf {
  char *dir, *prefix, *success, *pattern;
  size_t max_part_bytes;
  int64_t rollover_ms, inactivity_ms, delay_ms;
  bool process_time, success_file;
  int npart;
  int *cols;
  char **names;
} pconf;

typedef struct part {
  char *spec;               /* "k1=v1/k2=v2" */
  int64_t time;             /* partition time (ms), INT64_MIN if none */
  int64_t created_ms;       /* processing time of its first row */
  int64_t ready_ckpt;       /* the first checkpoint that covers data of it; 0: none yet */
  FILE *f;
  char *cur;                /* visible name of the current file, relative to dir */
  size_t bytes;
  int64_t opened_ms, written_ms;
} part;

typedef struct wm_at {
  int64_t ckpt, wm;
} wm_at;

typedef struct pstate {
  part *p;
  int np, cap, last;
  strom__pending_list pend; /* names relative to the directory: "k1=v1/.../part-..." */
  wm_at *wms;
  int nwms, capwms;
  int64_t wm;
  bool ended;
  uint64_t next_part;
  char run[24];
  strom_buf line, key;
  char *prefix; /* strom__part_prefix's */
} pstate;

/* ---- partition time ---- */

static bool digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if ((*p)[i] < '0' || (*p)[i] > '9') return false;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return true;
}

static bool parse_ts(const char *s, int64_t *ms) {
  int y, mo, d, h = 0, mi = 0, sec = 0, milli = 0;
  if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' || !digits(&s, 2, &d)) return false;
  if (*s == ' ' || *s == 'T') {
    s++;
    if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi)) return false;
    if (*s == ':') {
      s++;
      if (!digits(&s, 2, &sec)) return false;
      if (*s == '.') {
        s++;
        int k = 0, m = 0;
        while (k < 3 && *s >= '0' && *s <= '9') m = m * 10 + (*s++ - '0'), k++;
        while (k++ < 3) m *= 10;
        milli = m;
      }
    }
  }
  if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return false;
  struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
  *ms = (int64_t)timegm(&tm) * 1000 + milli;
  return true;
}

bool strom__partition_time(const char *pattern, int n, const char *const *names, const char *const *vals, int64_t *ms) {
  if (!pattern) return n > 0 && vals[0] && parse_ts(vals[0], ms);
  strom_buf b = {0};
  for (const char *p = pattern; *p;) {
    int best = -1;
    size_t bl = 0;
    if (*p == '$')
      for (int i = 0; i < n; i++) { /* the longest name that follows '$' */
        size_t l = strlen(names[i]);
        if (!strncmp(p + 1, names[i], l) && l > bl) best = i, bl = l;
      }
    if (best >= 0) {
      if (vals[best]) strom__buf_append(&b, vals[best], strlen(vals[best]));
      p += 1 + bl;
    } else {
      strom__buf_append(&b, p++, 1);
    }
  }
  strom__buf_append(&b, "", 1);
  bool ok = b.p && parse_ts(b.p, ms);
  strom__buf_free(&b);
  return ok;
}

/* ---- partitions ---- */

static void escape_value(strom_buf *b, const char *s, size_t n) {
  if (!n) {
    strom__buf_append(b, "__DEFAULT_PARTITION__", 21);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < ' ' || c == 0x7F || strchr("\"#%'*/:=?\\{[]^", c)) strom__buf_printf(b, "%%%02X", c);
    else strom__buf_append(b, s + i, 1);
  }
}

/* Makes dir/spec and its parents. */
static int make_dirs(strom_op *op, const pconf *c, const char *spec) {
  char *path = strom__aprintf("%s/%s", c->dir, spec);
  if (!path) return STROM_ENOMEM;
  int rc = STROM_OK;
  for (char *q = path + strlen(c->dir) + 1;; q++) {
    if (*q == '/' || !*q) {
      char was = *q;
      *q = 0;
      if (mkdir(path, 0777) && errno != EEXIST) rc = strom__part_io_fail(op, "cannot create directory", path);
      *q = was;
      if (rc || !was) break;
    }
  }
  free(path);
  return rc;
}

static part *find_part(strom_op *op, const strom_row *row, int64_t now, int *rc) {
  *rc = STROM_ENOMEM;
  const pconf *c = op->conf;
  pstate *st = op->state;
  st->key.len = 0;
  for (int i = 0; i < c->npart; i++) {
    size_t n = 0;
    const char *v = row->nulls[c->cols[i]] ? "" : NULL;
    strom_buf tmp = {0};
    if (!v) strom__format_value(&tmp, row, c->cols[i], false), v = tmp.p ? tmp.p : "", n = tmp.len;
    strom__buf_printf(&st->key, "%s%s=", i ? "/" : "", c->names[i]);
    escape_value(&st->key, v, n);
    strom__buf_free(&tmp);
  }
  strom__buf_append(&st->key, "", 1);
  if (!st->key.p) return NULL;
  if (st->last < st->np && !strcmp(st->p[st->last].spec, st->key.p)) return &st->p[st->last];
  for (int i = 0; i < st->np; i++)
    if (!strcmp(st->p[i].spec, st->key.p)) return &st->p[st->last = i];
  if (st->np == st->cap) {
    int cap = st->cap ? st->cap * 2 : 8;
    part *p = strom__realloc(st->p, (size_t)cap * sizeof *p);
    if (!p) return NULL;
    st->p = p, st->cap = cap;
  }
  part *p = &st->p[st->np];
  *p = (part){.time = INT64_MIN, .created_ms = now};
  if (!(p->spec = strom__strdup(st->key.p))) return NULL;
  /* the time from the raw values, as Flink's extractor sees them */
  const char *vals[16] = {0};
  strom_buf raw[16] = {{0}};
  int nv = c->npart < 16 ? c->npart : 16;
  for (int i = 0; i < nv; i++) {
    if (row->nulls[c->cols[i]]) continue;
    strom__format_value(&raw[i], row, c->cols[i], false);
    strom__buf_append(&raw[i], "", 1);
    vals[i] = raw[i].p;
  }
  if (!strom__partition_time(c->pattern, nv, (const char *const *)c->names, vals, &p->time)) p->time = INT64_MIN;
  for (int i = 0; i < nv; i++) strom__buf_free(&raw[i]);
  if (!c->process_time && c->success_file && p->time == INT64_MIN) {
    strom__op_fail(op, STROM_EINVAL, "partition '%s': its values give no partition time under the pattern '%s' "
                                     "(partition.time-extractor.timestamp-pattern, 'yyyy-MM-dd HH:mm:ss')",
                   p->spec, c->pattern ? c->pattern : "(the first partition column)");
    free(p->spec);
    *rc = STROM_EINVAL;
    return NULL;
  }
  if ((*rc = make_dirs(op, c, p->spec))) {
    free(p->spec);
    return NULL;
  }
  st->last = st->np++;
  return p;
}

static int close_file(strom_op *op, part *p, int64_t ckpt) {
  if (!p->f) return STROM_OK;
  const pconf *c = op->conf;
  char *name = p->cur;
  p->cur = NULL;
  int rc = strom__part_close(op, c->dir, name, &p->f);
  if (!rc) rc = strom__pending_add(&((pstate *)op->state)->pend, ckpt, name);
  if (rc) free(name);
  return rc;
}

static int open_file(strom_op *op, part *p, int64_t now) {
  const pconf *c = op->conf;
  pstate *st = op->state;
  p->cur = strom__aprintf("%s/%s-%d-%s-%llu", p->spec, st->prefix, op->ctx.subtask, st->run, (unsigned long long)st->next_part++);
  p->bytes = 0;
  p->opened_ms = now;
  return p->cur ? strom__part_create(op, c->dir, p->cur, &p->f) : STROM_ENOMEM;
}

static void free_part(part *p) {
  if (p->f) fclose(p->f);
  free(p->cur);
  free(p->spec);
}

/* ---- the operator ---- */

static int p_open(strom_op *op) {
  pconf *c = op->conf;
  pstate *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  st->wm = INT64_MIN;
  snprintf(st->run, sizeof st->run, "%llx", (unsigned long long)op->task->job->run_id);
  if (!(st->prefix = strom__part_prefix(op, c->prefix))) return STROM_ENOMEM;
  if (mkdir(c->dir, 0777) && errno != EEXIST) return strom__part_io_fail(op, "cannot create directory", c->dir);
  return STROM_OK;
}

static int p_process(strom_op *op, int input, const strom_row *row) {
  STROM_UNUSED(input);
  const pconf *c = op->conf;
  pstate *st = op->state;
  int64_t now = strom__job_now(op->task->job);
  int rc;
  part *p = find_part(op, row, now, &rc);
  if (!p) return rc;
  if (p->f && c->inactivity_ms && now - p->written_ms >= c->inactivity_ms && (rc = close_file(op, p, INT64_MAX - 1))) return rc;
  if (!p->f && (rc = open_file(op, p, now))) return rc;
  p->written_ms = now;
  st->line.len = 0;
  bool first = true;
  for (int i = 0; i < row->ncols; i++) {
    bool is_part = false;
    for (int k = 0; k < c->npart; k++) is_part |= c->cols[k] == i;
    if (is_part) continue;
    if ((!first && strom__buf_append(&st->line, ",", 1)) || strom__format_value(&st->line, row, i, true)) return STROM_ENOMEM;
    first = false;
  }
  if (strom__buf_append(&st->line, "\n", 1)) return STROM_ENOMEM;
  if (fwrite(st->line.p, 1, st->line.len, p->f) != st->line.len) return strom__part_io_fail(op, "writing", p->cur);
  p->bytes += st->line.len;
  if (p->bytes >= c->max_part_bytes || (c->rollover_ms && now - p->opened_ms >= c->rollover_ms))
    return close_file(op, p, INT64_MAX - 1);
  return STROM_OK;
}

static int p_watermark(strom_op *op, int64_t wm) {
  pstate *st = op->state;
  if (wm > st->wm) st->wm = wm;
  return STROM_OK;
}

static int p_snapshot(strom_op *op, int64_t ckpt, strom_snapshot *s) {
  pstate *st = op->state;
  int rc = STROM_OK;
  strom__pending_assign(&st->pend, ckpt);
  for (int i = 0; !rc && i < st->np; i++) {
    rc = close_file(op, &st->p[i], ckpt);
    if (!st->p[i].ready_ckpt) st->p[i].ready_ckpt = ckpt;
  }
  if (!rc && st->nwms == st->capwms) {
    int cap = st->capwms ? st->capwms * 2 : 4;
    wm_at *w = strom__realloc(st->wms, (size_t)cap * sizeof *w);
    if (!w) return STROM_ENOMEM;
    st->wms = w, st->capwms = cap;
  }
  if (!rc) st->wms[st->nwms++] = (wm_at){ckpt, st->ended ? INT64_MAX : st->wm};
  /* "f" + a pending file's name; "p" + time + ' ' + spec of a partition not committed yet */
  strom_buf b = {0}, e = {0};
  for (int i = 0; !rc && i < st->pend.n; i++) {
    e.len = 0;
    rc = strom__buf_printf(&e, "f%s", st->pend.p[i].name) < 0 ? STROM_ENOMEM : strom__put_bytes(&b, e.p, e.len);
  }
  for (int i = 0; !rc && i < st->np; i++) {
    e.len = 0;
    rc = strom__buf_printf(&e, "p%lld %s", (long long)st->p[i].time, st->p[i].spec) < 0 ? STROM_ENOMEM
                                                                                       : strom__put_bytes(&b, e.p, e.len);
  }
  if (!rc) rc = strom__snap_add(s, STROM_SNAP_USER, -1, b.p, b.len);
  strom__buf_free(&b);
  strom__buf_free(&e);
  return rc;
}

static int write_success(strom_op *op, const part *p) {
  const pconf *c = op->conf;
  char *path = strom__aprintf("%s/%s/%s", c->dir, p->spec, c->success);
  if (!path) return STROM_ENOMEM;
  FILE *f = fopen(path, "w");
  int rc = f && !fclose(f) ? STROM_OK : strom__part_io_fail(op, "cannot write", path);
  free(path);
  return rc;
}

/* Commits the files of checkpoints <= ckpt, then the partitions due at wm. */
static int commit_upto(strom_op *op, int64_t ckpt, int64_t wm) {
  const pconf *c = op->conf;
  pstate *st = op->state;
  int rc = strom__pending_commit(op, c->dir, &st->pend, ckpt);
  if (rc || !c->success_file) return rc;
  int64_t now = strom__job_now(op->task->job);
  int k = 0;
  for (int i = 0; i < st->np; i++) {
    part *p = &st->p[i];
    bool due = p->ready_ckpt && p->ready_ckpt <= ckpt && !p->f &&
               (wm == INT64_MAX || (c->process_time ? now >= p->created_ms + c->delay_ms
                                                    : p->time != INT64_MIN && wm > p->time + c->delay_ms));
    if (due && !rc) {
      rc = write_success(op, p);
      free_part(p);
    } else {
      st->p[k++] = *p;
    }
  }
  st->np = k;
  st->last = 0;
  return rc;
}

static int p_notify(strom_op *op, int64_t ckpt) {
  pstate *st = op->state;
  int64_t wm = INT64_MIN; /* the watermark at this checkpoint's barrier (watermarks only grow) */
  int k = 0;
  for (int i = 0; i < st->nwms; i++) {
    if (st->wms[i].ckpt <= ckpt) {
      if (st->wms[i].wm > wm) wm = st->wms[i].wm;
    } else {
      st->wms[k++] = st->wms[i];
    }
  }
  st->nwms = k;
  return commit_upto(op, ckpt, wm);
}

/* A snapshot entry: a pending file is committed (its checkpoint completed); a partition
 * not committed yet is known again, to be committed when a checkpoint makes it due. */
static int restore_entry(strom_op *op, const char *e) {
  pstate *st = op->state;
  if (e[0] == 'f') return strom__part_commit(op, ((const pconf *)op->conf)->dir, e + 1);
  char *sp = NULL;
  long long t = e[0] == 'p' ? strtoll(e + 1, &sp, 10) : 0;
  if (!sp || *sp != ' ' || !sp[1]) return strom__op_fail(op, STROM_EPARSE, "restoring %s: malformed snapshot", op->node->name);
  for (int i = 0; i < st->np; i++)
    if (!strcmp(st->p[i].spec, sp + 1)) return STROM_OK;
  if (st->np == st->cap) {
    int cap = st->cap ? st->cap * 2 : 8;
    part *p = strom__realloc(st->p, (size_t)cap * sizeof *p);
    if (!p) return STROM_ENOMEM;
    st->p = p, st->cap = cap;
  }
  part *p = &st->p[st->np];
  *p = (part){.time = (int64_t)t, .created_ms = strom__job_now(op->task->job), .ready_ckpt = 1};
  if (!(p->spec = strom__strdup(sp + 1))) return STROM_ENOMEM;
  st->np++;
  return STROM_OK;
}

static int p_restore(strom_op *op, const strom_restore *r, int kg_lo, int kg_hi) {
  STROM_UNUSED(kg_lo);
  STROM_UNUSED(kg_hi);
  if (op->ctx.subtask != 0) return STROM_OK;
  for (int i = 0; i < r->n; i++) {
    if (r->b[i].kind != STROM_SNAP_USER) continue;
    const uint8_t *p = r->b[i].p, *end = p + r->b[i].len;
    while (p < end) {
      const uint8_t *name;
      size_t n;
      if (!strom__get_bytes(&p, end, &name, &n) || n < 2 || (name[0] != 'f' && name[0] != 'p') || memchr(name, 0, n) ||
          (n >= 3 && !memcmp(name + 1, "..", 2)) || memmem(name, n, "/..", 3) || (name[1] == '/'))
        return strom__op_fail(op, STROM_EPARSE, "restoring %s: malformed snapshot", op->node->name);
      char *nm = strom__strndup((const char *)name, n);
      int rc = nm ? restore_entry(op, nm) : STROM_ENOMEM;
      free(nm);
      if (rc) return rc;
    }
  }
  const pconf *c = op->conf;
  return strom__part_delete_leftovers(op, c->dir, ((pstate *)op->state)->prefix, ((pstate *)op->state)->run, c->npart);
}

static int p_finish(strom_op *op) {
  pstate *st = op->state;
  st->ended = true; /* every partition is due at the end of the input, as in Flink */
  int rc = STROM_OK;
  for (int i = 0; !rc && i < st->np; i++) rc = close_file(op, &st->p[i], INT64_MAX - 1);
  /* with checkpoints, the final checkpoint commits (its snapshot records the end) */
  if (rc || strom__job_checkpointing(op->task->job)) return rc;
  for (int i = 0; i < st->np; i++) st->p[i].ready_ckpt = 1;
  return commit_upto(op, INT64_MAX, INT64_MAX);
}

static void p_close(strom_op *op) {
  pstate *st = op->state;
  if (!st) return;
  for (int i = 0; i < st->np; i++) free_part(&st->p[i]);
  free(st->p);
  strom__pending_free(&st->pend);
  free(st->wms);
  strom__buf_free(&st->line);
  strom__buf_free(&st->key);
  free(st->prefix);
  free(st);
}

static void pconf_free(void *v) {
  pconf *c = v;
  free(c->dir);
  free(c->prefix);
  free(c->success);
  free(c->pattern);
  free(c->cols);
  for (int i = 0; i < c->npart; i++) free(c->names[i]);
  free(c->names);
  free(c);
}

static const strom_op_vt part_vt = {.kind = "Partitioned File Sink",
                                    .open = p_open,
                                    .process = p_process,
                                    .watermark = p_watermark,
                                    .finish = p_finish,
                                    .close = p_close,
                                    .free_conf = pconf_free,
                                    .snapshot = p_snapshot,
                                    .restore = p_restore,
                                    .notify_complete = p_notify};

int strom__write_partitioned_files(strom_stream *in, const char *dir, const strom__partition_sink_opts *o) {
  if (!in) return STROM_EINVAL;
  const char *prefix = o->files.prefix ? o->files.prefix : "part";
  if (!dir || !*prefix || strchr(prefix, '/') || o->npart < 1 || o->npart > 16) {
    strom__env_error(in->env, STROM_EINVAL, "partitioned file sink: a directory, 1 to 16 partition columns and a prefix without '/'");
    return STROM_EINVAL;
  }
  pconf *c = strom__calloc(1, sizeof *c);
  if (!c) return STROM_ENOMEM;
  c->npart = 0;
  c->cols = strom__calloc((size_t)o->npart, sizeof *c->cols);
  c->names = strom__calloc((size_t)o->npart, sizeof *c->names);
  c->dir = strom__strdup(dir);
  c->prefix = strom__strdup(prefix);
  c->success = strom__strdup(o->success_name ? o->success_name : "_SUCCESS");
  c->pattern = o->time_pattern ? strom__strdup(o->time_pattern) : NULL;
  bool ok = c->cols && c->names && c->dir && c->prefix && c->success && (!o->time_pattern || c->pattern);
  for (int i = 0; ok && i < o->npart; i++) {
    c->cols[i] = o->part_cols[i];
    ok = (c->names[i] = strom__strdup(o->part_names[i])) != NULL;
    c->npart++;
  }
  if (!ok) {
    pconf_free(c);
    return STROM_ENOMEM;
  }
  c->max_part_bytes = o->files.max_part_bytes ? o->files.max_part_bytes : (size_t)128 << 20;
  c->rollover_ms = o->files.rollover_interval_ms;
  c->inactivity_ms = o->files.inactivity_interval_ms;
  c->delay_ms = o->delay_ms;
  c->process_time = o->process_time;
  c->success_file = o->success_file;
  return strom__add_sink(in, "Partitioned File Sink", &part_vt, c);
}
