/*
 * match_plan.c -- the MATCH_RECOGNIZE operator (Flink's CepOperator for SQL) and its
 * EXPLAIN line.  The input is keyed by the PARTITION BY columns (a constant without
 * them: one subtask, as Flink runs it at parallelism 1).  In event time a row waits in
 * map state under (timestamp, arrival number) for the watermark to pass its timestamp
 * (an event-time timer at it; rows at or behind the watermark are late and dropped),
 * then the rows of that timestamp are matched in order of the ORDER BY's further keys
 * (arrival order among equals).  In processing time a row is matched as it arrives.
 *
 * Between calls the matcher (match_nfa.c) lives in keyed state, laid out so that a row
 * costs the same however long the key's partial matches are (Flink's SharedBuffer keeps
 * each event once for the same reason): the rows partial matches may read in map state
 * by sequence number, each written once and removed once no partial or held match
 * starts at or before it; the partial matches as small records (their runs, not their
 * rows); the sequence numbers in a value.  WITHIN registers an event-time timer at the
 * oldest running partial match's start + WITHIN, so it is dropped (nothing emitted, as
 * Flink SQL) and its rows freed when the watermark passes, not at the key's next row.
 */
#include "match.h"
#include "rank.h"

enum { MR_CACHE = 8 }; /* rows read back from state, by sequence number mod MR_CACHE */

typedef struct matchop {
  const sql_match *m;
  int nin, nk, tcol;
  const strom_schema *pre, *pm, *meta, *terms, *k1, *k2, *cnt;
} matchop;

typedef struct match_local {
  strom_state *queue, *qn, *rows, *partials, *meta;
  rank_rows rr, q;      /* rr: the rows matched in this call, from sequence number base */
  int64_t base, first;  /* first: the lowest row in state */
  int64_t waiting;      /* rows in the queue */
  mr_nfa nfa;
  strom_row **pmrows;
  int cappm;
  strom_row *metarow, *key1, *key2, *cntrow;
  strom_row *cache[MR_CACHE];
  int64_t cseq[MR_CACHE];
} match_local;

enum { PM_START, PM_START_TS, PM_ELEM, PM_COUNT, PM_RUNS, PM_DONE };

/* The row of sequence number seq: this call's or a copy of the stored one. */
static const strom_row *row_of(void *c, int64_t seq) {
  match_local *l = c;
  if (seq >= l->base) return seq - l->base < l->rr.n ? l->rr.r[seq - l->base] : NULL;
  int s = (int)(seq & (MR_CACHE - 1));
  if (l->cseq[s] == seq) return l->cache[s];
  strom_row_set_bigint(l->key1, 0, seq);
  const strom_row *r = strom_state_map_get(l->rows, l->key1);
  if (!r) return NULL;
  strom_row_clear(l->cache[s]);
  if (strom_row_copy(l->cache[s], r) || strom__row_own_strings(l->cache[s])) return l->cseq[s] = -1, NULL;
  l->cseq[s] = seq;
  return l->cache[s];
}

static int op_open(strom_ctx *ctx) {
  const matchop *v = strom_ctx_data(ctx);
  match_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->rr.schema = l->q.schema = v->pre;
  strom_state_desc qd = {.name = "match-queue", .kind = STROM_STATE_MAP, .schema = v->pre, .map_key_schema = v->k2};
  strom_state_desc nd = {.name = "match-queue-n", .kind = STROM_STATE_MAP, .schema = v->cnt, .map_key_schema = v->k1};
  strom_state_desc rd = {.name = "match-rows", .kind = STROM_STATE_MAP, .schema = v->pre, .map_key_schema = v->k1};
  strom_state_desc pd = {.name = "match-partials", .kind = STROM_STATE_LIST, .schema = v->pm};
  strom_state_desc md = {.name = "match-seq", .kind = STROM_STATE_VALUE, .schema = v->meta};
  if (!(l->queue = strom_ctx_state(ctx, &qd)) || !(l->qn = strom_ctx_state(ctx, &nd)) ||
      !(l->rows = strom_ctx_state(ctx, &rd)) || !(l->partials = strom_ctx_state(ctx, &pd)) ||
      !(l->meta = strom_ctx_state(ctx, &md)))
    return STROM_EINVAL;
  mr_nfa *f = &l->nfa;
  f->m = v->m, f->tcol = v->tcol, f->row = row_of, f->rctx = l;
  int nt = v->m->nterms ? v->m->nterms : 1;
  if (!(f->scratch = strom_row_new(v->terms)) || !(f->argr = strom__calloc((size_t)nt, sizeof *f->argr)) ||
      !(f->acc = strom__calloc((size_t)nt, sizeof *f->acc)) || !(l->metarow = strom_row_new(v->meta)) ||
      !(f->runs = strom__calloc((size_t)v->m->nelems, sizeof *f->runs)) || !(l->key1 = strom_row_new(v->k1)) ||
      !(l->key2 = strom_row_new(v->k2)) || !(l->cntrow = strom_row_new(v->cnt)))
    return STROM_ENOMEM;
  for (int i = 0; i < MR_CACHE; i++) {
    l->cseq[i] = -1;
    if (!(l->cache[i] = strom_row_new(v->pre))) return STROM_ENOMEM;
  }
  for (int i = 0; i < v->m->nterms; i++)
    if (v->m->terms[i].kind == MR_AGG &&
        (!(f->argr[i] = strom_row_new(v->m->terms[i].args)) || !(f->acc[i] = strom_row_new(v->m->terms[i].accs))))
      return STROM_ENOMEM;
  return STROM_OK;
}

static void clear_partials(mr_nfa *f) {
  for (int i = 0; i < f->np; i++) mr_partial_free(&f->p[i]);
  f->np = 0;
}

static void op_close(strom_ctx *ctx) {
  match_local *l = strom_ctx_local(ctx);
  if (!l) return;
  mr_nfa *f = &l->nfa;
  clear_partials(f);
  free(f->p), free(f->runs);
  for (int i = 0; f->argr && i < f->m->nterms; i++) strom_row_free(f->argr[i]), strom_row_free(f->acc[i]);
  free(f->argr), free(f->acc);
  strom_row_free(f->scratch);
  sql_ectx_free(&f->ec);
  rank_rows_free(&l->rr), rank_rows_free(&l->q);
  for (int i = 0; i < l->cappm; i++) strom_row_free(l->pmrows[i]);
  for (int i = 0; i < MR_CACHE; i++) strom_row_free(l->cache[i]);
  free(l->pmrows);
  strom_row_free(l->metarow), strom_row_free(l->key1), strom_row_free(l->key2), strom_row_free(l->cntrow);
  free(l);
}

/* The key's matcher from state: its sequence numbers and partial matches (rows are read
 * as the matcher asks for them). */
static int load(match_local *l) {
  mr_nfa *f = &l->nfa;
  const strom_row *meta = strom_state_get(l->meta);
  l->first = meta ? meta->v[0].i : 0, f->next = meta ? meta->v[1].i : 0, l->waiting = meta ? meta->v[2].i : 0;
  l->base = f->next;
  rank_rows_clear(&l->rr);
  for (int i = 0; i < MR_CACHE; i++) l->cseq[i] = -1;
  clear_partials(f);
  f->dirty = false;
  size_t n = strom_state_list_size(l->partials);
  if ((int)n > f->capp) {
    mr_partial *p = realloc(f->p, sizeof *p * n);
    if (!p) return STROM_ENOMEM;
    f->p = p, f->capp = (int)n;
  }
  for (size_t i = 0; i < n; i++) {
    const strom_row *r = strom_state_list_get(l->partials, i);
    size_t len;
    const char *s = strom_row_get_str(r, PM_RUNS, &len);
    mr_partial *p = &f->p[f->np];
    *p = (mr_partial){.start = r->v[PM_START].i, .start_ts = r->v[PM_START_TS].i, .elem = (int)r->v[PM_ELEM].i,
                      .count = (int)r->v[PM_COUNT].i, .done = r->v[PM_DONE].i != 0};
    if (mr_partial_init(f, p)) return STROM_ENOMEM;
    f->np++;
    /* runs as decimal numbers separated by commas */
    for (size_t k = 0, e = 0; k < len && e < (size_t)f->m->nelems; k++) {
      if (s[k] == ',') e++;
      else p->runs[e] = p->runs[e] * 10 + (s[k] - '0');
    }
    for (int e = 0; e < f->m->nelems; e++) p->n += p->runs[e];
  }
  return STROM_OK;
}

/* The partial matches as small records: their runs, not their rows. */
static int store_partials(const matchop *v, match_local *l) {
  mr_nfa *f = &l->nfa;
  int rc;
  if (f->np > l->cappm) {
    strom_row **r = realloc(l->pmrows, sizeof *r * (size_t)f->np);
    if (!r) return STROM_ENOMEM;
    for (int i = l->cappm; i < f->np; i++) r[i] = NULL;
    l->pmrows = r, l->cappm = f->np;
  }
  char buf[256];
  for (int i = 0; i < f->np; i++) {
    const mr_partial *p = &f->p[i];
    if (!l->pmrows[i] && !(l->pmrows[i] = strom_row_new(v->pm))) return STROM_ENOMEM;
    strom_row *r = l->pmrows[i];
    strom_row_clear(r);
    strom_row_set_bigint(r, PM_START, p->start), strom_row_set_bigint(r, PM_START_TS, p->start_ts);
    strom_row_set_int(r, PM_ELEM, p->elem), strom_row_set_int(r, PM_COUNT, p->count);
    strom_row_set_bool(r, PM_DONE, p->done);
    size_t need = (size_t)f->m->nelems * 12, len = 0;
    char *s = need <= sizeof buf ? buf : malloc(need);
    if (!s) return STROM_ENOMEM;
    for (int e = 0; e <= p->elem && e < f->m->nelems; e++)
      len += (size_t)snprintf(s + len, need - len, "%s%d", e ? "," : "", p->runs[e]);
    rc = strom_row_set_str(r, PM_RUNS, s, len);
    if (s != buf) free(s);
    if (rc) return rc;
  }
  return strom_state_list_update(l->partials, (const strom_row *const *)l->pmrows, (size_t)f->np);
}

static int write_meta(match_local *l, int64_t low) {
  strom_row_set_bigint(l->metarow, 0, low);
  strom_row_set_bigint(l->metarow, 1, l->nfa.next);
  strom_row_set_bigint(l->metarow, 2, l->waiting);
  return strom_state_update(l->meta, l->metarow);
}

/* Writes back what changed: the rows of this call still read, the rows no longer
 * read removed, the partial matches; an idle key keeps nothing. */
static int store(const matchop *v, match_local *l) {
  mr_nfa *f = &l->nfa;
  int64_t low = mr_nfa_low(f);
  int rc;
  if (!f->np) {
    if (l->first < l->base) strom_state_clear(l->rows);
    strom_state_clear(l->partials);
  } else {
    for (int64_t s = low > l->base ? low : l->base; s < f->next; s++) {
      strom_row_set_bigint(l->key1, 0, s);
      if ((rc = strom_state_map_put(l->rows, l->key1, l->rr.r[s - l->base]))) return rc;
    }
    for (int64_t s = l->first, end = low < l->base ? low : l->base; s < end; s++) {
      strom_row_set_bigint(l->key1, 0, s);
      if ((rc = strom_state_map_remove(l->rows, l->key1))) return rc;
    }
    if (f->dirty && (rc = store_partials(v, l))) return rc;
  }
  l->first = low;
  if (!f->np && !l->waiting) return strom_state_clear(l->meta), STROM_OK;
  return write_meta(l, low);
}

typedef struct emit_ctx {
  const matchop *v;
  strom_out *out;
  strom_ctx *ctx;
} emit_ctx;

static int emit(void *c, mr_nfa *f, const mr_partial *m) {
  emit_ctx *e = c;
  const matchop *v = e->v;
  strom_row *o = strom_out_row(e->out);
  sql_ectx_reset(&f->ec);
  for (int i = 0; i < v->m->nmeasures; i++) {
    sql_val x;
    if (mr_eval(f, &v->m->measures[i], m, &x) || sql_val_set(o, v->m->npart + i, &x))
      return strom_ctx_fail(e->ctx, "MATCH_RECOGNIZE: %s", f->ec.err[0] ? f->ec.err : "a measure failed");
  }
  /* read last: the measures may have reused its copy (any row has the key's columns) */
  const strom_row *last = f->row(f->rctx, m->start + m->n - 1);
  if (!last) return strom_ctx_fail(e->ctx, "MATCH_RECOGNIZE: a matched row is missing from state");
  for (int i = 0; i < v->m->npart; i++) o->nulls[i] = last->nulls[v->nin + i], o->v[i] = last->v[v->nin + i];
  strom_row_set_time(o, v->m->proctime ? f->now : last->v[v->tcol].i);
  return strom_out_emit(e->out, o);
}

/* The matcher's error as the job's (its expressions' message). */
static int matcher_rc(strom_ctx *ctx, mr_nfa *f, int rc) {
  if (rc < 0 && rc != STROM_ENOMEM && f->ec.err[0]) return strom_ctx_fail(ctx, "MATCH_RECOGNIZE: %s", f->ec.err);
  return rc;
}

static int step(strom_ctx *ctx, const matchop *v, match_local *l, const strom_row *r, strom_out *out) {
  mr_nfa *f = &l->nfa;
  int rc = rank_rows_push(&l->rr, r);
  if (rc) return rc;
  f->next++;
  emit_ctx e = {.v = v, .out = out, .ctx = ctx};
  sql_ectx_reset(&f->ec);
  return matcher_rc(ctx, f, mr_nfa_row(f, r->v[v->tcol].i, emit, &e));
}

static int op_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const matchop *v = strom_ctx_data(ctx);
  match_local *l = strom_ctx_local(ctx);
  if (strom_row_get_kind(in) != STROM_INSERT) return strom_ctx_fail(ctx, "MATCH_RECOGNIZE got an update row");
  int rc;
  if (v->m->proctime) {
    l->nfa.now = strom_ctx_now(ctx);
    if ((rc = load(l))) return rc;
    strom_row *r = (strom_row *)in; /* the time slot is set on a copy: rank_rows_push copies, then we overwrite */
    if ((rc = rank_rows_push(&l->q, r))) return rc;
    strom_row_set_bigint(l->q.r[l->q.n - 1], v->tcol, l->nfa.now);
    rc = step(ctx, v, l, l->q.r[l->q.n - 1], out);
    rank_rows_clear(&l->q);
    if (!rc) rc = store(v, l);
    /* WITHIN: the partial matches this row started time out then, even if no row follows */
    if (!rc && v->m->within > 0 && l->nfa.np) rc = strom_ctx_register_processing_timer(ctx, l->nfa.now + v->m->within);
    return rc;
  }
  if (in->nulls[v->tcol]) return STROM_OK;
  int64_t ts = in->v[v->tcol].i;
  if (ts <= strom_ctx_watermark(ctx)) return STROM_OK; /* late, as Flink's CepOperator drops it */
  strom_row_set_bigint(l->key1, 0, ts);
  const strom_row *c = strom_state_map_get(l->qn, l->key1);
  int32_t n = c ? (int32_t)c->v[0].i : 0;
  strom_row_set_bigint(l->key2, 0, ts), strom_row_set_int(l->key2, 1, n);
  strom_row_set_int(l->cntrow, 0, n + 1);
  if ((rc = strom_state_map_put(l->queue, l->key2, in)) || (rc = strom_state_map_put(l->qn, l->key1, l->cntrow)))
    return rc;
  /* the key's state exists while rows wait */
  const strom_row *meta = strom_state_get(l->meta);
  l->nfa.next = meta ? meta->v[1].i : 0, l->waiting = meta ? meta->v[2].i + 1 : 1;
  if ((rc = write_meta(l, meta ? meta->v[0].i : 0))) return rc;
  return strom_ctx_register_event_timer(ctx, ts);
}

/* Time, then the ORDER BY's further keys (NULLs first ascending, as Flink). */
static int cmp_rows(const matchop *v, const strom_row *a, const strom_row *b) {
  int64_t ta = a->v[v->tcol].i, tb = b->v[v->tcol].i;
  if (ta != tb) return ta < tb ? -1 : 1;
  for (int i = 0; i < v->m->norder; i++) {
    int c = v->tcol + 1 + i;
    sql_val x, y;
    sql_val_get(a, c, &x), sql_val_get(b, c, &y);
    int r = x.null || y.null ? (x.null == y.null ? 0 : x.null ? -1 : 1) : sql_val_cmp(&v->m->order[i]->type, &x, &y);
    if (v->m->desc[i]) r = -r;
    if (r) return r;
  }
  return 0;
}

static int op_timer(strom_ctx *ctx, int64_t time, strom_out *out) {
  const matchop *v = strom_ctx_data(ctx);
  match_local *l = strom_ctx_local(ctx);
  emit_ctx e = {.v = v, .out = out, .ctx = ctx};
  int rc;
  if (v->m->proctime) { /* WITHIN's time-out in processing time */
    l->nfa.now = time;
    if ((rc = load(l)) || (rc = matcher_rc(ctx, &l->nfa, mr_nfa_advance(&l->nfa, time, emit, &e)))) return rc;
    return store(v, l);
  }
  if (!strom_state_get(l->meta)) return STROM_OK;
  if ((rc = load(l))) return rc;
  /* the rows of this timestamp (those before had their own timers), in arrival order */
  strom_row_set_bigint(l->key1, 0, time);
  const strom_row *c = strom_state_map_get(l->qn, l->key1);
  int32_t due = c ? (int32_t)c->v[0].i : 0;
  rank_rows_clear(&l->q);
  for (int32_t i = 0; i < due; i++) {
    strom_row_set_bigint(l->key2, 0, time), strom_row_set_int(l->key2, 1, i);
    const strom_row *r = strom_state_map_get(l->queue, l->key2);
    if (r && (rc = rank_rows_push(&l->q, r))) return rc;
    if ((rc = strom_state_map_remove(l->queue, l->key2))) return rc;
  }
  if (due && (rc = strom_state_map_remove(l->qn, l->key1))) return rc;
  l->waiting -= due;
  if (v->m->norder) /* stable: the further ORDER BY keys, arrival order among equals */
    for (int i = 1; i < l->q.n; i++) {
      strom_row *t = l->q.r[i];
      int j = i;
      for (; j > 0 && cmp_rows(v, l->q.r[j - 1], t) > 0; j--) l->q.r[j] = l->q.r[j - 1];
      l->q.r[j] = t;
    }
  for (int i = 0; i < l->q.n && !rc; i++) rc = step(ctx, v, l, l->q.r[i], out);
  if (!rc) rc = matcher_rc(ctx, &l->nfa, mr_nfa_advance(&l->nfa, time, emit, &e));
  if (rc || (rc = store(v, l))) return rc;
  /* WITHIN: the oldest running partial match times out when the watermark passes it */
  int64_t oldest = mr_nfa_oldest(&l->nfa);
  if (v->m->within > 0 && oldest != INT64_MAX) return strom_ctx_register_event_timer(ctx, oldest + v->m->within);
  return STROM_OK;
}

strom_stream *sql_match_stream(sql_build *b, const sql_plan *p, strom_stream *in) {
  if (!in) return NULL;
  sql_match *m = p->match;
  int nk = m->npart ? m->npart : 1, n = nk + 1 + m->norder;
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)n);
  matchop *v = sql_arena_alloc(&b->arena, sizeof *v);
  strom_schema *os = sql_plan_schema(p), *pm = strom_schema_new(), *meta = strom_schema_new(), *terms = strom_schema_new();
  strom_schema *k1 = strom_schema_new(), *k2 = strom_schema_new(), *cnt = strom_schema_new();
  strom_schema *all[] = {os, pm, meta, terms, k1, k2, cnt};
  int nall = (int)(sizeof all / sizeof *all);
  for (int i = 0; i < nall; i++)
    if (!all[i] || sql_build_own(b, all[i], (void (*)(void *))strom_schema_free)) {
      for (int j = i + (all[i] != NULL); j < nall; j++) strom_schema_free(all[j]);
      return NULL;
    }
  if (!ex || !v || strom_schema_add(pm, "start", STROM_BIGINT) || strom_schema_add(pm, "start_ts", STROM_BIGINT) ||
      strom_schema_add(pm, "elem", STROM_INT) || strom_schema_add(pm, "count", STROM_INT) ||
      strom_schema_add(pm, "runs", STROM_VARCHAR) || strom_schema_add(pm, "done", STROM_BOOLEAN) ||
      strom_schema_add(meta, "first", STROM_BIGINT) || strom_schema_add(meta, "next", STROM_BIGINT) ||
      strom_schema_add(meta, "waiting", STROM_BIGINT) || strom_schema_add(k1, "seq", STROM_BIGINT) ||
      strom_schema_add(k2, "ts", STROM_BIGINT) || strom_schema_add(k2, "i", STROM_INT) ||
      strom_schema_add(cnt, "n", STROM_INT))
    return NULL;
  char name[24];
  for (int i = 0; i < m->nterms; i++) {
    mr_term *t = &m->terms[i];
    snprintf(name, sizeof name, "t%d", i);
    if (sql_schema_add(terms, name, &t->type)) return NULL;
    if (t->kind != MR_AGG) continue;
    strom_schema *args = strom_schema_new(), *accs = strom_schema_new();
    if (!args || sql_build_own(b, args, (void (*)(void *))strom_schema_free)) return strom_schema_free(args), strom_schema_free(accs), NULL;
    if (!accs || sql_build_own(b, accs, (void (*)(void *))strom_schema_free)) return strom_schema_free(accs), NULL;
    sql_type at = t->arg ? t->agg.in_type : (sql_type){.id = STROM_INT};
    if (sql_schema_add(args, "arg", &at) || sql_agg_acc_schema(&t->agg, 1, accs)) return NULL;
    t->args = args, t->accs = accs;
    if (t->arg) sql_expr_compile(t->arg);
  }
  for (int i = 0; i < m->nvars; i++)
    if (m->define[i]) sql_expr_compile(m->define[i]->e);
  for (int i = 0; i < m->nmeasures; i++) sql_expr_compile(m->measures[i].e);
  if (!m->npart) /* as Flink, which warns the same */
    strom__log(STROM_LOG_WARN, "MATCH_RECOGNIZE without PARTITION BY runs in one task (every row goes to one key)");
  for (int i = 0; i < nk; i++) {
    if (m->npart) ex[i] = m->part[i];
    else if ((ex[i] = sql_arena_alloc(&b->arena, sizeof *ex[i]))) *ex[i] = (sql_expr){.op = SQL_E_LIT, .type = {.id = STROM_INT}};
    else return NULL;
  }
  if (!(ex[nk] = sql_arena_alloc(&b->arena, sizeof *ex[nk]))) return NULL;
  if (m->proctime) *ex[nk] = (sql_expr){.op = SQL_E_LIT, .type = {.id = STROM_BIGINT}};
  else *ex[nk] = (sql_expr){.op = SQL_E_COL, .col = m->time_col, .type = p->in->cols[m->time_col].type};
  for (int i = 0; i < m->norder; i++) ex[nk + 1 + i] = m->order[i];
  const strom_schema *pre = NULL;
  strom_keyed *ks = rank_key_by(b, p, in, ex, n, nk, &pre);
  if (!ks) return NULL;
  *v = (matchop){.m = m, .nin = p->in->ncols, .nk = nk, .tcol = p->in->ncols + nk, .pre = pre, .pm = pm, .meta = meta, .terms = terms,
               .k1 = k1, .k2 = k2, .cnt = cnt};
  strom_process_def d = {.open = op_open, .process = op_process, .close = op_close, .on_timer = op_timer,
                         .data = v, .out_schema = os};
  strom_stream *s = strom_set_name(strom_keyed_process(ks, &d), "Match");
  return s && !m->npart ? strom_set_parallelism(s, 1) : s; /* one key: one task, as Flink */
}

void sql_match_explain(strom_buf *o, const sql_plan *p) {
  const sql_match *m = p->match;
  strom__buf_printf(o, "Match(partitionBy=[");
  for (int i = 0; i < m->npart; i++) strom__buf_printf(o, "%s%s", i ? ", " : "", p->in->cols[m->part[i]->col].name);
  strom__buf_printf(o, "], orderBy=[%s ASC", p->in->cols[m->time_col].name);
  for (int i = 0; i < m->norder; i++) {
    strom__buf_printf(o, ", ");
    sql_expr_print(o, m->order[i], p->in->cols);
    strom__buf_printf(o, m->desc[i] ? " DESC" : " ASC");
  }
  strom__buf_printf(o, "], measures=[");
  for (int i = 0; i < m->nmeasures; i++) {
    strom__buf_printf(o, "%s", i ? ", " : "");
    sql_show_expr(o, m->measure_ast[i]);
    strom__buf_printf(o, " AS %s", m->names[i]);
  }
  static const char *const skip[] = {"SKIP TO NEXT ROW", "SKIP PAST LAST ROW", "SKIP TO FIRST ", "SKIP TO LAST "};
  strom__buf_printf(o, "], rowsPerMatch=[ONE ROW PER MATCH], after=[%s%s], pattern=[%s]", skip[m->skip],
                    m->skip_var >= 0 ? m->vars[m->skip_var] : "", m->pattern_text);
  if (m->within) strom__buf_printf(o, ", within=[%lldms]", (long long)m->within);
  strom__buf_printf(o, ", define=[");
  bool any = false;
  for (int i = 0; i < m->nvars; i++) {
    if (!m->define[i]) continue;
    strom__buf_printf(o, "%s%s=", any ? ", " : "", m->vars[i]);
    sql_show_expr(o, m->define_ast[i]);
    any = true;
  }
  strom__buf_printf(o, "])\n");
}
