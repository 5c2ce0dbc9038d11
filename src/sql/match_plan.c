/*
 * match_plan.c -- the MATCH_RECOGNIZE operator (Flink's CepOperator for SQL) and its
 * EXPLAIN line.  The input is keyed by the PARTITION BY columns (a constant without
 * them: one subtask, as Flink runs it at parallelism 1).  In event time a row waits in
 * LIST state for the watermark to pass its timestamp (an event-time timer at it; rows
 * at or behind the watermark are late and dropped), then the rows of the timestamps
 * passed are matched in order of time and the ORDER BY's further keys (arrival order
 * among equals).  In processing time a row is matched as it arrives.  Between calls the
 * matcher (match_nfa.c) lives in keyed state: the rows partial matches may still read,
 * the partial and completed-but-held matches, and the sequence numbers, so a restored
 * job resumes the same matches.
 */
#include "match.h"
#include "rank.h"

typedef struct matchop {
  const sql_match *m;
  int nin, nk, tcol;
  const strom_schema *pre, *pm, *meta, *terms;
} matchop;

typedef struct match_local {
  strom_state *queue, *rows, *partials, *meta;
  rank_rows rr, q;
  mr_nfa nfa;
  strom_row **pmrows;
  int cappm;
  strom_row *metarow;
} match_local;

enum { PM_START, PM_START_TS, PM_ELEM, PM_COUNT, PM_VARS, PM_DONE };

static int op_open(strom_ctx *ctx) {
  const matchop *v = strom_ctx_data(ctx);
  match_local *l = strom__calloc(1, sizeof *l);
  if (!l) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, l);
  l->rr.schema = l->q.schema = v->pre;
  strom_state_desc qd = {.name = "match-queue", .kind = STROM_STATE_LIST, .schema = v->pre};
  strom_state_desc rd = {.name = "match-rows", .kind = STROM_STATE_LIST, .schema = v->pre};
  strom_state_desc pd = {.name = "match-partials", .kind = STROM_STATE_LIST, .schema = v->pm};
  strom_state_desc md = {.name = "match-seq", .kind = STROM_STATE_VALUE, .schema = v->meta};
  if (!(l->queue = strom_ctx_state(ctx, &qd)) || !(l->rows = strom_ctx_state(ctx, &rd)) ||
      !(l->partials = strom_ctx_state(ctx, &pd)) || !(l->meta = strom_ctx_state(ctx, &md)))
    return STROM_EINVAL;
  mr_nfa *f = &l->nfa;
  f->m = v->m, f->tcol = v->tcol;
  int nt = v->m->nterms ? v->m->nterms : 1;
  if (!(f->scratch = strom_row_new(v->terms)) || !(f->argr = strom__calloc((size_t)nt, sizeof *f->argr)) ||
      !(f->acc = strom__calloc((size_t)nt, sizeof *f->acc)) || !(l->metarow = strom_row_new(v->meta)))
    return STROM_ENOMEM;
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
  free(f->p);
  for (int i = 0; f->argr && i < f->m->nterms; i++) strom_row_free(f->argr[i]), strom_row_free(f->acc[i]);
  free(f->argr), free(f->acc);
  strom_row_free(f->scratch);
  sql_ectx_free(&f->ec);
  rank_rows_free(&l->rr), rank_rows_free(&l->q);
  for (int i = 0; i < l->cappm; i++) strom_row_free(l->pmrows[i]);
  free(l->pmrows);
  strom_row_free(l->metarow);
  free(l);
}

/* The key's matcher from state. */
static int load(const matchop *v, match_local *l) {
  mr_nfa *f = &l->nfa;
  const strom_row *meta = strom_state_get(l->meta);
  f->first = meta ? meta->v[0].i : 0, f->next = meta ? meta->v[1].i : 0;
  int rc = rank_rows_load(&l->rr, l->rows);
  if (rc) return rc;
  f->rows = (const strom_row **)l->rr.r;
  clear_partials(f);
  size_t n = strom_state_list_size(l->partials);
  if ((int)n > f->capp) {
    mr_partial *p = realloc(f->p, sizeof *p * n);
    if (!p) return STROM_ENOMEM;
    f->p = p, f->capp = (int)n;
  }
  for (size_t i = 0; i < n; i++) {
    const strom_row *r = strom_state_list_get(l->partials, i);
    size_t len;
    const char *s = strom_row_get_str(r, PM_VARS, &len);
    mr_partial *p = &f->p[f->np];
    *p = (mr_partial){.start = r->v[PM_START].i, .start_ts = r->v[PM_START_TS].i, .elem = (int)r->v[PM_ELEM].i,
                      .count = (int)r->v[PM_COUNT].i, .n = (int)len, .done = r->v[PM_DONE].i != 0};
    if (!(p->vars = malloc(len + 1))) return STROM_ENOMEM;
    for (size_t k = 0; k < len; k++) p->vars[k] = (char)(s[k] - 32); /* stored printable */
    f->np++;
  }
  (void)v;
  return STROM_OK;
}

/* Keeps what the matcher still needs; an idle key keeps nothing. */
static int store(const matchop *v, match_local *l) {
  mr_nfa *f = &l->nfa;
  int64_t low = mr_nfa_low(f);
  int k = (int)(low - f->first), n = (int)(f->next - f->first), rc;
  if (!f->np) {
    strom_state_clear(l->rows), strom_state_clear(l->partials);
  } else {
    if ((rc = strom_state_list_update(l->rows, (const strom_row *const *)f->rows + k, (size_t)(n - k)))) return rc;
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
      char *s = p->n <= (int)sizeof buf ? buf : malloc((size_t)p->n);
      if (!s) return STROM_ENOMEM;
      for (int j = 0; j < p->n; j++) s[j] = (char)(p->vars[j] + 32);
      rc = strom_row_set_str(r, PM_VARS, s, (size_t)p->n);
      if (s != buf) free(s);
      if (rc) return rc;
    }
    if ((rc = strom_state_list_update(l->partials, (const strom_row *const *)l->pmrows, (size_t)f->np))) return rc;
  }
  if (!f->np && !strom_state_list_size(l->queue)) return strom_state_clear(l->meta), STROM_OK;
  strom_row_set_bigint(l->metarow, 0, f->np ? low : f->next);
  strom_row_set_bigint(l->metarow, 1, f->next);
  return strom_state_update(l->meta, l->metarow);
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
  const strom_row *first = f->rows[m->start - f->first], *last = f->rows[m->start + m->n - 1 - f->first];
  for (int i = 0; i < v->m->npart; i++) o->nulls[i] = first->nulls[v->nin + i], o->v[i] = first->v[v->nin + i];
  sql_ectx_reset(&f->ec);
  for (int i = 0; i < v->m->nmeasures; i++) {
    sql_val x;
    if (mr_eval(f, &v->m->measures[i], m, &x) || sql_val_set(o, v->m->npart + i, &x))
      return strom_ctx_fail(e->ctx, "MATCH_RECOGNIZE: %s", f->ec.err[0] ? f->ec.err : "a measure failed");
  }
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
  f->rows = (const strom_row **)l->rr.r;
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
    if ((rc = load(v, l))) return rc;
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
  if ((rc = strom_state_add(l->queue, in))) return rc;
  if (!strom_state_get(l->meta)) { /* the key's state exists while rows wait */
    strom_row_set_bigint(l->metarow, 0, 0), strom_row_set_bigint(l->metarow, 1, 0);
    if ((rc = strom_state_update(l->meta, l->metarow))) return rc;
  }
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
  int rc;
  if (v->m->proctime) { /* WITHIN's time-out in processing time */
    emit_ctx e = {.v = v, .out = out, .ctx = ctx};
    l->nfa.now = time;
    if ((rc = load(v, l)) || (rc = matcher_rc(ctx, &l->nfa, mr_nfa_advance(&l->nfa, time, emit, &e)))) return rc;
    return store(v, l);
  }
  if ((rc = rank_rows_load(&l->q, l->queue))) return rc;
  /* the due rows, stably sorted, to the front */
  int due = 0;
  for (int i = 0; i < l->q.n; i++)
    if (l->q.r[i]->v[v->tcol].i <= time) {
      strom_row *t = l->q.r[i];
      memmove(l->q.r + due + 1, l->q.r + due, sizeof *l->q.r * (size_t)(i - due)); /* the rows not due yet */
      int j = due++;
      for (; j > 0 && cmp_rows(v, l->q.r[j - 1], t) > 0; j--) l->q.r[j] = l->q.r[j - 1];
      l->q.r[j] = t;
    }
  if (!due) return STROM_OK;
  if ((rc = load(v, l))) return rc;
  for (int i = 0; i < due && !rc; i++) rc = step(ctx, v, l, l->q.r[i], out);
  if (!rc) {
    emit_ctx e = {.v = v, .out = out, .ctx = ctx};
    rc = matcher_rc(ctx, &l->nfa, mr_nfa_advance(&l->nfa, time, emit, &e));
  }
  if (rc) return rc;
  if (due == l->q.n) strom_state_clear(l->queue);
  else if ((rc = strom_state_list_update(l->queue, (const strom_row *const *)l->q.r + due, (size_t)(l->q.n - due)))) return rc;
  return store(v, l);
}

strom_stream *sql_match_stream(sql_build *b, const sql_plan *p, strom_stream *in) {
  if (!in) return NULL;
  sql_match *m = p->match;
  int nk = m->npart ? m->npart : 1, n = nk + 1 + m->norder;
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)n);
  matchop *v = sql_arena_alloc(&b->arena, sizeof *v);
  strom_schema *os = sql_plan_schema(p), *pm = strom_schema_new(), *meta = strom_schema_new(), *terms = strom_schema_new();
  strom_schema *all[] = {os, pm, meta, terms};
  for (int i = 0; i < 4; i++)
    if (!all[i] || sql_build_own(b, all[i], (void (*)(void *))strom_schema_free)) {
      for (int j = i + (all[i] != NULL); j < 4; j++) strom_schema_free(all[j]);
      return NULL;
    }
  if (!ex || !v || strom_schema_add(pm, "start", STROM_BIGINT) || strom_schema_add(pm, "start_ts", STROM_BIGINT) ||
      strom_schema_add(pm, "elem", STROM_INT) || strom_schema_add(pm, "count", STROM_INT) ||
      strom_schema_add(pm, "vars", STROM_VARCHAR) || strom_schema_add(pm, "done", STROM_BOOLEAN) ||
      strom_schema_add(meta, "first", STROM_BIGINT) || strom_schema_add(meta, "next", STROM_BIGINT))
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
  *v = (matchop){.m = m, .nin = p->in->ncols, .nk = nk, .tcol = p->in->ncols + nk, .pre = pre, .pm = pm, .meta = meta, .terms = terms};
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
