/*
 * agg_minmax.c -- MIN and MAX that retract (Flink's MinWithRetractAggFunction and
 * MaxWithRetractAggFunction), for aggregations (windowed or not) over an updating
 * input: a -U/-D may take out the current extreme, and the next one is only known if
 * every value is kept.  The accumulator is one VARCHAR column holding the values as
 * agg_more.c's value list (sql_vlist_update adds one or removes one equal value); the
 * result is the extreme of what is left (NULL for none).  Each change rewrites the
 * list, so a group's cost per row grows with its live values (Flink keeps them in a
 * MapView); a window's are bounded by it, merge (HOP's panes) by concatenation and go
 * with it.
 */
#include "sql_int.h"

void sql_minmax_result(const sql_agg *g, const strom_row *acc, strom_row *out, int col) {
  size_t n;
  const char *p = strom_row_get_str(acc, g->acc, &n), *end = p + n;
  sql_val best = {.null = true}, e;
  while (p < end && sql_vlist_next(&p, end, &g->in_type, &e)) {
    int cmp = best.null ? 0 : sql_val_cmp(&g->in_type, &e, &best);
    if (best.null || (g->kind == SQL_AGG_MIN ? cmp < 0 : cmp > 0)) best = e;
  }
  sql_val_set(out, col, &best);
}
