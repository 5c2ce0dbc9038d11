/*
 * batch_plan.c -- what `SET 'execution.runtime-mode' = 'batch'` changes in a bound plan.
 * As in Flink, batch mode runs the same query to the same final result, but only over
 * bounded sources and without updates: a non-windowed GROUP BY (binder.c asks
 * s->batch) emits one row per group at the end of input (batch_agg.c), and an operator
 * whose streaming form still emits a changelog -- an outer regular join, a semi/anti join,
 * a Top-N or deduplication, INTERSECT/EXCEPT ALL -- has its output folded into final rows
 * (batch_final.c).  A changelog source (debezium-json, upsert-kafka) is refused, as Flink refuses it.  So no node
 * of a batch plan is a changelog, and append-only sinks take every query.  Window
 * aggregations and interval/window joins already emit final rows; the end-of-input
 * watermark fires what is left.
 */
#include <strings.h>

#include "batch.h"

bool sql_table_bounded(const sql_table *t, char *why, size_t whylen) {
  const char *c = t->conn->name, *v;
  why[0] = 0;
  if (!strcmp(c, "datagen")) {
    if (sql_table_option(t, "number-of-rows")) return true;
    for (int i = 0; i < t->nopts; i++) /* a sequence field ends the source */
      if (!strncmp(t->keys[i], "fields.", 7) && strlen(t->keys[i]) > 12 &&
          !strcmp(t->keys[i] + strlen(t->keys[i]) - 5, ".kind") && !strcmp(t->vals[i], "sequence"))
        return true;
    snprintf(why, whylen, "set 'number-of-rows' or a sequence field");
    return false;
  }
  if (!strcmp(c, "nexmark")) {
    if ((v = sql_table_option(t, "events.num")) && strcmp(v, "0")) return true;
    snprintf(why, whylen, "set 'events.num'");
    return false;
  }
  if (!strcmp(c, "kafka")) {
    if ((v = sql_table_option(t, "scan.bounded.mode")) && strcasecmp(v, "unbounded")) return true;
    snprintf(why, whylen, "set 'scan.bounded.mode' = 'latest-offset'");
    return false;
  }
  return true; /* filesystem and jdbc read what is there and end */
}

int sql_batch_plan(sql_plan *p, char *err, size_t errlen) {
  if (p->kind == SQL_P_SCAN) {
    char why[96];
    if (!sql_table_bounded(p->table, why, sizeof why)) {
      snprintf(err, errlen,
               "batch mode ('execution.runtime-mode' = 'batch') needs bounded sources, but table '%s' (connector "
               "'%s') is unbounded: %s, or run in streaming mode",
               p->table->name, p->table->conn->name, why);
      return STROM_EINVAL;
    }
    if (p->changelog) { /* Flink's batch mode takes no updates from a source either */
      snprintf(err, errlen,
               "batch mode ('execution.runtime-mode' = 'batch') doesn't support consuming update and delete changes, "
               "which table '%s' (%s '%s') produces; run in streaming mode",
               p->table->name, strcmp(p->table->conn->name, "kafka") ? "connector" : "format",
               strcmp(p->table->conn->name, "kafka") ? p->table->conn->name
               : sql_table_option(p->table, "value.format") ? sql_table_option(p->table, "value.format")
                                                            : sql_table_option(p->table, "format"));
      return STROM_EINVAL;
    }
  }
  if (p->in && sql_batch_plan(p->in, err, errlen)) return STROM_EINVAL;
  if (p->in2 && sql_batch_plan(p->in2, err, errlen)) return STROM_EINVAL;
  /* A GROUP BY emits final rows itself (the planner picks batch_agg.c); a CALC or a
   * UNION passes its input's rows on, which are final below this point. */
  if (p->changelog && (p->kind == SQL_P_JOIN || p->kind == SQL_P_OVER || p->kind == SQL_P_SETOP)) p->batch_final = true;
  p->changelog = false;
  return STROM_OK;
}
