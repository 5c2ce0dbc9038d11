/*
 * agg_minmax.c -- MIN and MAX that retract (Flink's MinWithRetractAggFunction and
 * MaxWithRetractAggFunction), for aggregations (windowed or not) over an updating
 * input: a -U/-D may take out the current extreme, and the next one is only known if
 * every value is kept.  Each change rewrites the list, so a group's cost per row grows
 * with its live values (Flink keeps them in a MapView); a window's are bounded by it.  The accumulator is one VARCHAR column holding the window's values as a list
 * (a string as its u32 length then its bytes, any other value as its 16 bytes); a
 * retraction removes one equal value, and the result is the extreme of what is left
 * (NULL for none).  The list lives in the window's accumulator row, so it merges
 * (HOP's panes) by concatenation and is dropped with the window.
 */
#include "sql_int.h"

static bool text(const sql_agg *g) { return g->in_type.id == STROM_VARCHAR; }

static void put(strom_buf *b, const sql_agg *g, const sql_val *v) {
  if (text(g)) {
    uint32_t n = v->s.n;
    strom__buf_append(b, &n, 4);
    strom__buf_append(b, v->s.p, n);
  } else {
    strom__buf_append(b, &v->w.lo, 8);
    strom__buf_append(b, &v->w.hi, 8);
  }
}

/* The value at *p, *p advanced past it; false at the end (or on a torn list). */
static bool next(const sql_agg *g, const char **p, const char *end, sql_val *v) {
  *v = (sql_val){.null = false};
  if (text(g)) {
    uint32_t n;
    if (end - *p < 4) return false;
    memcpy(&n, *p, 4);
    if ((size_t)(end - *p - 4) < n) return false;
    v->s.p = *p + 4, v->s.n = n;
    *p += 4 + n;
    return true;
  }
  if (end - *p < 16) return false;
  memcpy(&v->w.lo, *p, 8);
  memcpy(&v->w.hi, *p + 8, 8);
  *p += 16;
  return true;
}

int sql_minmax_add(const sql_agg *g, strom_row *acc, const sql_val *v, bool retract) {
  size_t n;
  const char *p = strom_row_get_str(acc, g->acc, &n), *end = p + n;
  strom_buf b = {0};
  if (!retract) {
    if (n) strom__buf_append(&b, p, n);
    put(&b, g, v);
  } else {
    bool gone = false;
    sql_val e;
    for (const char *q = p; q < end;) {
      const char *at = q;
      if (!next(g, &q, end, &e)) break;
      if (!gone && sql_val_cmp(&g->in_type, &e, v) == 0 &&
          (!text(g) || (e.s.n == v->s.n && !memcmp(e.s.p, v->s.p, e.s.n))))
        gone = true;
      else
        strom__buf_append(&b, at, (size_t)(q - at));
    }
    if (!gone) return STROM_OK; /* a retraction of a value never added (late, or before its row): nothing to take */
  }
  int rc = strom_row_set_str(acc, g->acc, b.p ? b.p : "", b.len);
  strom__buf_free(&b);
  return rc;
}

int sql_minmax_merge(const sql_agg *g, strom_row *acc, const strom_row *o) {
  size_t na, nb;
  const char *a = strom_row_get_str(acc, g->acc, &na), *bp = strom_row_get_str(o, g->acc, &nb);
  if (!nb) return STROM_OK;
  strom_buf b = {0};
  if (na) strom__buf_append(&b, a, na);
  strom__buf_append(&b, bp, nb);
  int rc = strom_row_set_str(acc, g->acc, b.p, b.len);
  strom__buf_free(&b);
  return rc;
}

void sql_minmax_result(const sql_agg *g, const strom_row *acc, strom_row *out, int col) {
  size_t n;
  const char *p = strom_row_get_str(acc, g->acc, &n), *end = p + n;
  sql_val best = {.null = true}, e;
  while (p < end && next(g, &p, end, &e)) {
    int cmp = best.null ? 0 : sql_val_cmp(&g->in_type, &e, &best);
    if (best.null || (g->kind == SQL_AGG_MIN ? cmp < 0 : cmp > 0)) best = e;
  }
  sql_val_set(out, col, &best);
}
