/*
 * match_nfa.c -- the MATCH_RECOGNIZE matcher of one partition (see match.h): partial
 * matches stepped row by row as Flink's CEP NFA steps its computation states under
 * strict contiguity, completed matches held back until no earlier partial match is
 * alive (Flink emits a match only when it cannot be overtaken), AFTER MATCH SKIP's
 * pruning, WITHIN's time-outs, and the terms that DEFINE and MEASURES read.
 *
 * A partial match is its first row and the variable of each row since: rows are
 * consecutive, so the row it reads next is always the next one of the partition.
 */
#include "match.h"

void mr_partial_free(mr_partial *p) {
  free(p->vars);
  p->vars = NULL;
}

static const strom_row *row_at(const mr_nfa *f, int64_t seq) { return f->rows[seq - f->first]; }

/* Index (0-based within the match) of the k-th row of var (-1: any), from the front or
 * the back; -1 when there is none. */
static int nth_row(const char *vars, int n, int var, int64_t k, bool back) {
  if (k < 0) return -1;
  for (int i = 0; i < n; i++) {
    int j = back ? n - 1 - i : i;
    if (var >= 0 && vars[j] != var + 1) continue;
    if (k-- == 0) return j;
  }
  return -1;
}

static int fill_term(mr_nfa *f, int t, int64_t start, const char *vars, int n) {
  const mr_term *m = &f->m->terms[t];
  int k = -1;
  sql_val v = {.null = true};
  switch (m->kind) {
    case MR_COL: k = nth_row(vars, n, m->var, 0, true); break;
    case MR_LAST: k = nth_row(vars, n, m->var, m->off, true); break;
    case MR_FIRST: k = nth_row(vars, n, m->var, m->off, false); break;
    case MR_PREV:
      k = nth_row(vars, n, m->var, 0, true);
      if (k >= 0) k = k - m->off >= 0 ? (int)(k - m->off) : -1;
      break;
    case MR_ROWTIME:
      if (n) v = (sql_val){.i = row_at(f, start + n - 1)->v[f->tcol].i};
      return sql_val_set(f->scratch, t, &v);
    case MR_PROCTIME: v = (sql_val){.i = f->now}; return sql_val_set(f->scratch, t, &v);
    case MR_AGG: {
      strom_row *acc = f->acc[t], *arg = f->argr[t];
      strom_row_clear(acc);
      sql_agg_init(&m->agg, 1, acc);
      for (int i = 0; i < n; i++) {
        if (m->var >= 0 && vars[i] != m->var + 1) continue;
        const strom_row *r = row_at(f, start + i);
        strom_row_clear(arg);
        if (m->arg) {
          sql_val a;
          if (sql_eval(m->arg, r, &f->ec, &a) || sql_val_set(arg, 0, &a)) return -1;
        }
        if (sql_agg_add(&m->agg, 1, acc, arg, false, &f->ec)) return -1;
      }
      sql_agg_result(&m->agg, 1, acc, f->scratch, t);
      return 0;
    }
  }
  if (k >= 0) sql_val_get(row_at(f, start + k), m->col, &v);
  return sql_val_set(f->scratch, t, &v);
}

static int eval_at(mr_nfa *f, const mr_cond *c, int64_t start, const char *vars, int n, sql_val *out) {
  strom_row_clear(f->scratch);
  for (int i = 0; i < c->n; i++)
    if (fill_term(f, c->terms[i], start, vars, n)) return -1;
  return sql_eval(c->e, f->scratch, &f->ec, out);
}

int mr_eval(mr_nfa *f, const mr_cond *c, const mr_partial *m, sql_val *out) {
  return eval_at(f, c, m->start, m->vars, m->n, out);
}

/* Whether the next row may be var's in partial p (its variables in vars, room for one more). */
static int holds(mr_nfa *f, const mr_partial *p, char *vars, int var) {
  const mr_cond *c = f->m->define[var];
  if (!c) return 1;
  vars[p->n] = (char)(var + 1);
  sql_val v;
  if (eval_at(f, c, p->start, vars, p->n + 1, &v)) return -1;
  return !v.null && v.i;
}

static int push(mr_nfa *f, mr_partial **np, int *n, int *cap, const mr_partial *p) {
  if (*n == *cap) {
    int c = *cap ? *cap * 2 : 8;
    mr_partial *q = realloc(*np, sizeof *q * (size_t)c);
    if (!q) return STROM_ENOMEM;
    *np = q, *cap = c;
  }
  mr_partial *d = &(*np)[(*n)++];
  *d = *p;
  if (!(d->vars = malloc((size_t)p->n + 1))) return (*n)--, STROM_ENOMEM;
  if (p->n) memcpy(d->vars, p->vars, (size_t)p->n);
  (void)f;
  return 0;
}

/* The successors of partial p (its variables in vars) in element i holding c rows, when
 * the next row comes. */
static int expand(mr_nfa *f, const mr_partial *p, char *vars, int i, int c, mr_partial **np, int *n, int *cap) {
  const mr_elem *e = &f->m->elems[i];
  /* Flink's NFACompiler guards the state after a greedy {n,m} (n < m, m > 1) or loop with
   * NOT(its take condition): the rest of the pattern never gets a row the greedy variable's
   * condition holds for, even once it has its maximum (an optional ? guards only itself) */
  bool guard = e->greedy && e->min != e->max && e->max != 1;
  bool proceed = c >= e->min && i + 1 < f->m->nelems;
  int cond = 0;
  if (e->max < 0 || c < e->max || (guard && proceed)) cond = holds(f, p, vars, e->var);
  if (cond < 0) return -1;
  int take = cond && (e->max < 0 || c < e->max);
  if (take) {
    vars[p->n] = (char)(e->var + 1);
    mr_partial s = *p;
    s.vars = vars, s.n = p->n + 1, s.elem = i, s.count = c + 1, s.done = false;
    bool last = i == f->m->nelems - 1, finish = c + 1 >= e->min;
    for (int j = i + 1; j < f->m->nelems && finish; j++) finish = f->m->elems[j].min == 0;
    bool more = !last || e->max < 0 || c + 1 < e->max;
    int rc = 0;
    if (finish) s.done = true, rc = push(f, np, n, cap, &s), s.done = false;
    if (!rc && more) rc = push(f, np, n, cap, &s);
    if (rc) return rc;
  }
  /* proceed past element i without the row (a greedy one not while it can take it) */
  if (proceed && !(e->greedy && (guard ? cond : take))) return expand(f, p, vars, i + 1, 0, np, n, cap);
  return 0;
}

static void drop_at(mr_nfa *f, int i) {
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
    f->p[best].vars = NULL;
    drop_at(f, best);
    int rc = emit(ctx, f, &m);
    if (rc) return mr_partial_free(&m), rc;
    int64_t pid = m.start;
    bool inclusive = true;
    if (f->m->skip == MR_SKIP_PAST_LAST) pid = m.start + m.n - 1;
    else if (f->m->skip == MR_SKIP_TO_FIRST || f->m->skip == MR_SKIP_TO_LAST) {
      int k = nth_row(m.vars, m.n, f->m->skip_var, 0, f->m->skip == MR_SKIP_TO_LAST);
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
  char *vars = NULL;
  for (int i = 0; i <= f->np && !rc; i++) {
    mr_partial fresh = {.start = f->next - 1, .start_ts = ts};
    mr_partial *p = i < f->np ? &f->p[i] : &fresh;
    if (p->done) {
      rc = push(f, &np, &n, &cap, p);
      continue;
    }
    char *v = realloc(vars, (size_t)p->n + 1);
    if (!v) {
      rc = STROM_ENOMEM;
      break;
    }
    vars = v;
    if (p->n) memcpy(vars, p->vars, (size_t)p->n);
    rc = expand(f, p, vars, p->n ? p->elem : 0, p->n ? p->count : 0, &np, &n, &cap);
  }
  free(vars);
  for (int i = 0; i < f->np; i++) mr_partial_free(&f->p[i]);
  free(f->p);
  f->p = np, f->np = n, f->capp = cap;
  return rc ? rc : flush(f, emit, ctx);
}

int64_t mr_nfa_low(const mr_nfa *f) {
  int64_t low = f->next;
  for (int i = 0; i < f->np; i++)
    if (f->p[i].start < low) low = f->p[i].start;
  return low;
}
