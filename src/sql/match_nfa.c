/*
 * match_nfa.c -- the MATCH_RECOGNIZE matcher of one partition (see match.h): partial
 * matches stepped row by row as Flink's CEP NFA steps its computation states under
 * strict contiguity, completed matches held back until no earlier partial match is
 * alive (Flink emits a match only when it cannot be overtaken), AFTER MATCH SKIP's
 * pruning, WITHIN's time-outs, and the terms that DEFINE and MEASURES read.
 *
 * A partial match is its first row and the rows each pattern element took (its runs):
 * rows are consecutive and the elements come in order, so that says the variable of
 * every row in O(elements), and the row it reads next is always the next one of the
 * partition.  Nothing here grows with the rows a partial match holds, except an
 * aggregate's terms, which read the rows of their variable.
 */
#include "match.h"

void mr_partial_free(mr_partial *p) {
  free(p->runs);
  p->runs = NULL;
}

int mr_partial_init(const mr_nfa *f, mr_partial *p) {
  p->runs = calloc((size_t)f->m->nelems, sizeof *p->runs);
  return p->runs ? STROM_OK : STROM_ENOMEM;
}

/* Index (0-based within the match of n rows) of the k-th row of var (-1: any), from the
 * front or the back; -1 when there is none. */
static int nth_row(const mr_nfa *f, const int *runs, int n, int var, int64_t k, bool back) {
  const mr_elem *e = f->m->elems;
  if (k < 0) return -1;
  int off = back ? n : 0;
  for (int j = 0; j < f->m->nelems; j++) {
    int i = back ? f->m->nelems - 1 - j : j, r = runs[i];
    if (back) off -= r;
    if (r && (var < 0 || e[i].var == var)) {
      if (k < r) return back ? off + r - 1 - (int)k : off + (int)k;
      k -= r;
    }
    if (!back) off += r;
  }
  return -1;
}

static int missing(mr_nfa *f, int64_t start) {
  return sql_ectx_fail(&f->ec, "a row of the match from row %lld is missing from state", (long long)start);
}

static int fill_term(mr_nfa *f, int t, int64_t start, const int *runs, int n) {
  const mr_term *m = &f->m->terms[t];
  int k = -1;
  sql_val v = {.null = true};
  switch (m->kind) {
    case MR_COL: k = nth_row(f, runs, n, m->var, 0, true); break;
    case MR_LAST: k = nth_row(f, runs, n, m->var, m->off, true); break;
    case MR_FIRST: k = nth_row(f, runs, n, m->var, m->off, false); break;
    case MR_PREV:
      k = nth_row(f, runs, n, m->var, 0, true);
      if (k >= 0) k = k - m->off >= 0 ? (int)(k - m->off) : -1;
      break;
    case MR_ROWTIME:
      if (n) {
        const strom_row *r = f->row(f->rctx, start + n - 1);
        if (!r) return missing(f, start);
        v = (sql_val){.i = r->v[f->tcol].i};
      }
      return sql_val_set(f->scratch, t, &v);
    case MR_PROCTIME: v = (sql_val){.i = f->now}; return sql_val_set(f->scratch, t, &v);
    case MR_AGG: {
      strom_row *acc = f->acc[t], *arg = f->argr[t];
      strom_row_clear(acc);
      sql_agg_init(&m->agg, 1, acc);
      int off = 0;
      for (int i = 0; i < f->m->nelems; off += runs[i++]) {
        if (m->var >= 0 && f->m->elems[i].var != m->var) continue;
        for (int j = 0; j < runs[i]; j++) {
          const strom_row *r = f->row(f->rctx, start + off + j);
          if (!r) return missing(f, start);
          strom_row_clear(arg);
          if (m->arg) {
            sql_val a;
            if (sql_eval(m->arg, r, &f->ec, &a) || sql_val_set(arg, 0, &a)) return -1;
          }
          if (sql_agg_add(&m->agg, 1, acc, arg, false, &f->ec)) return -1;
        }
      }
      sql_agg_result(&m->agg, 1, acc, f->scratch, t);
      return 0;
    }
  }
  if (k >= 0) {
    const strom_row *r = f->row(f->rctx, start + k);
    if (!r) return missing(f, start);
    sql_val_get(r, m->col, &v);
  }
  return sql_val_set(f->scratch, t, &v);
}

static int eval_at(mr_nfa *f, const mr_cond *c, int64_t start, const int *runs, int n, sql_val *out) {
  strom_row_clear(f->scratch);
  for (int i = 0; i < c->n; i++)
    if (fill_term(f, c->terms[i], start, runs, n)) return -1;
  return sql_eval(c->e, f->scratch, &f->ec, out);
}

int mr_eval(mr_nfa *f, const mr_cond *c, const mr_partial *m, sql_val *out) {
  return eval_at(f, c, m->start, m->runs, m->n, out);
}

/* Whether the next row may be var's, taken by element i, in partial p (its runs in
 * f->runs, element i's not counting the row yet). */
static int holds(mr_nfa *f, const mr_partial *p, int i, int var) {
  const mr_cond *c = f->m->define[var];
  if (!c) return 1;
  sql_val v;
  f->runs[i]++;
  int rc = eval_at(f, c, p->start, f->runs, p->n + 1, &v);
  f->runs[i]--;
  if (rc) return -1;
  return !v.null && v.i;
}

static int push(mr_nfa *f, mr_partial **np, int *n, int *cap, const mr_partial *p, const int *runs) {
  if (*n == *cap) {
    int c = *cap ? *cap * 2 : 8;
    mr_partial *q = realloc(*np, sizeof *q * (size_t)c);
    if (!q) return STROM_ENOMEM;
    *np = q, *cap = c;
  }
  mr_partial *d = &(*np)[(*n)++];
  *d = *p;
  if (mr_partial_init(f, d)) return (*n)--, STROM_ENOMEM;
  memcpy(d->runs, runs, sizeof *runs * (size_t)f->m->nelems);
  return 0;
}

/* The successors of partial p (its runs in f->runs) in element i holding c rows, when
 * the next row comes. */
static int expand(mr_nfa *f, const mr_partial *p, int i, int c, mr_partial **np, int *n, int *cap) {
  const mr_elem *e = &f->m->elems[i];
  /* Flink's NFACompiler guards the state after a greedy {n,m} (n < m, m > 1) or loop with
   * NOT(its take condition): the rest of the pattern never gets a row the greedy variable's
   * condition holds for, even once it has its maximum (an optional ? guards only itself) */
  bool guard = e->greedy && e->min != e->max && e->max != 1;
  bool proceed = c >= e->min && i + 1 < f->m->nelems;
  int cond = 0;
  if (e->max < 0 || c < e->max || (guard && proceed)) cond = holds(f, p, i, e->var);
  if (cond < 0) return -1;
  int take = cond && (e->max < 0 || c < e->max);
  if (take) {
    mr_partial s = *p;
    s.n = p->n + 1, s.elem = i, s.count = c + 1, s.done = false;
    bool last = i == f->m->nelems - 1, finish = c + 1 >= e->min;
    for (int j = i + 1; j < f->m->nelems && finish; j++) finish = f->m->elems[j].min == 0;
    bool more = !last || e->max < 0 || c + 1 < e->max;
    int rc = 0;
    f->runs[i] = c + 1;
    if (finish) s.done = true, rc = push(f, np, n, cap, &s, f->runs), s.done = false;
    if (!rc && more) rc = push(f, np, n, cap, &s, f->runs);
    f->runs[i] = c;
    if (rc) return rc;
  }
  /* proceed past element i without the row (a greedy one not while it can take it) */
  if (proceed && !(e->greedy && (guard ? cond : take))) return expand(f, p, i + 1, 0, np, n, cap);
  return 0;
}

static void drop_at(mr_nfa *f, int i) {
  f->dirty = true;
  mr_partial_free(&f->p[i]);
  memmove(f->p + i, f->p + i + 1, sizeof *f->p * (size_t)(f->np - i - 1));
  f->np--;
}

/* Emits the completed matches no earlier partial match can overtake, pruning by the
 * skip mode after each. */
static int flush(mr_nfa *f, mr_emit_fn emit, void *ctx) {
  for (;;) {
    int best = -1;
    int64_t alive = INT64_MAX;
    for (int i = 0; i < f->np; i++) {
      if (!f->p[i].done) {
        if (f->p[i].start < alive) alive = f->p[i].start;
      } else if (best < 0 || f->p[i].start < f->p[best].start) best = i;
    }
    if (best < 0 || alive < f->p[best].start) return 0;
    mr_partial m = f->p[best];
    f->p[best].runs = NULL;
    drop_at(f, best);
    int rc = emit(ctx, f, &m);
    if (rc) return mr_partial_free(&m), rc;
    int64_t pid = m.start;
    bool inclusive = true;
    if (f->m->skip == MR_SKIP_PAST_LAST) pid = m.start + m.n - 1;
    else if (f->m->skip == MR_SKIP_TO_FIRST || f->m->skip == MR_SKIP_TO_LAST) {
      int k = nth_row(f, m.runs, m.n, f->m->skip_var, 0, f->m->skip == MR_SKIP_TO_LAST);
      if (k < 0) { /* as Flink's throwExceptionOnMiss, which SQL's translation sets */
        int v = f->m->skip_var;
        mr_partial_free(&m);
        return sql_ectx_fail(&f->ec, "Could not skip to %s. No such element in the found match", f->m->vars[v]);
      }
      pid = m.start + k;
      inclusive = false;
    }
    mr_partial_free(&m);
    for (int i = 0; i < f->np;)
      if (inclusive ? f->p[i].start <= pid : f->p[i].start < pid) drop_at(f, i);
      else i++;
  }
}

int mr_nfa_advance(mr_nfa *f, int64_t ts, mr_emit_fn emit, void *ctx) {
  if (f->m->within > 0) {
    for (int i = 0; i < f->np;) {
      if (!f->p[i].done && ts - f->p[i].start_ts >= f->m->within) drop_at(f, i);
      else i++;
    }
  }
  return flush(f, emit, ctx);
}

int mr_nfa_row(mr_nfa *f, int64_t ts, mr_emit_fn emit, void *ctx) {
  int rc = mr_nfa_advance(f, ts, emit, ctx);
  if (rc) return rc;
  mr_partial *np = NULL;
  int n = 0, cap = 0;
  size_t rsz = sizeof *f->runs * (size_t)f->m->nelems;
  for (int i = 0; i <= f->np && !rc; i++) {
    mr_partial fresh = {.start = f->next - 1, .start_ts = ts};
    mr_partial *p = i < f->np ? &f->p[i] : &fresh;
    if (p->done) { /* moved as it is */
      if (n == cap) {
        int c = cap ? cap * 2 : 8;
        mr_partial *q = realloc(np, sizeof *q * (size_t)c);
        if (!q) {
          rc = STROM_ENOMEM;
          break;
        }
        np = q, cap = c;
      }
      np[n++] = *p;
      p->runs = NULL;
      continue;
    }
    if (p->n) memcpy(f->runs, p->runs, rsz);
    else memset(f->runs, 0, rsz);
    rc = expand(f, p, p->n ? p->elem : 0, p->n ? p->count : 0, &np, &n, &cap);
  }
  for (int i = 0; i < f->np; i++) mr_partial_free(&f->p[i]);
  free(f->p);
  f->p = np, f->np = n, f->capp = cap;
  f->dirty = true;
  return rc ? rc : flush(f, emit, ctx);
}

int64_t mr_nfa_low(const mr_nfa *f) {
  int64_t low = f->next;
  for (int i = 0; i < f->np; i++)
    if (f->p[i].start < low) low = f->p[i].start;
  return low;
}

int64_t mr_nfa_oldest(const mr_nfa *f) {
  int64_t t = INT64_MAX;
  for (int i = 0; i < f->np; i++)
    if (!f->p[i].done && f->p[i].start_ts < t) t = f->p[i].start_ts;
  return t;
}
