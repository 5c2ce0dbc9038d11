/*
 * hint_apply.c -- what the SQL hints of hint_grammar.h mean.
 *
 * OPTIONS('k' = 'v', ...) after a table name (Flink's dynamic table options, on by default
 * as table.dynamic-table-options.enabled is): the table is read or written, for that use
 * only, with these options over its WITH options.  The result is a copy of the table in
 * the statement's arena, checked exactly as CREATE TABLE checks its options, so a bad key
 * is refused with the connector's valid ones and the hint's line and column.
 *
 * Query hints right after SELECT: Flink's join hints (BROADCAST, SHUFFLE_HASH,
 * SHUFFLE_MERGE, NEST_LOOP), LOOKUP and STATE_TTL are accepted and change nothing here --
 * Strom picks its joins itself and has one state TTL per job; a hint Flink does not know
 * is refused with Flink's message, and OPTIONS in the wrong place is refused too, so no
 * OPTIONS hint is ever dropped silently.
 */
#include <strings.h>

#include "hint.h"

static int at(char *err, size_t errlen, const sql_node *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int at(char *err, size_t errlen, const sql_node *n, const char *fmt, ...) {
  int k = snprintf(err, errlen, "line %d, column %d: ", n->line, n->col);
  if (k < 0 || (size_t)k >= errlen) k = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
  va_end(ap);
  return STROM_EINVAL;
}

static const char *const query_hints[] = {"BROADCAST", "SHUFFLE_HASH", "SHUFFLE_MERGE", "NEST_LOOP", "LOOKUP", "STATE_TTL", NULL};

static bool known_query_hint(const char *name) {
  for (int i = 0; query_hints[i]; i++)
    if (!strcasecmp(name, query_hints[i])) return true;
  return false;
}

/* An OPTIONS hint has 'key' = 'value' pairs only, at least one. */
static int check_options_hint(const sql_node *h, char *err, size_t errlen) {
  if (!h->nkids || h->kids[0]->kind != SQL_OPTION) return at(err, errlen, h, "Hint [OPTIONS] only support non empty key value options");
  for (int i = 0; i < h->nkids; i++)
    for (int j = 0; j < i; j++)
      if (!strcmp(h->kids[i]->kids[0]->text, h->kids[j]->kids[0]->text))
        return at(err, errlen, h->kids[i], "option '%s' is given twice in the OPTIONS hint", h->kids[i]->kids[0]->text);
  return STROM_OK;
}

int sql_hint_query(const sql_node *hints, char *err, size_t errlen) {
  for (int i = 0; i < hints->nkids; i++) {
    const sql_node *h = hints->kids[i];
    if (!strcasecmp(h->text, "OPTIONS"))
      return at(err, errlen, h, "the OPTIONS hint belongs right after a table name (FROM t /*+ OPTIONS('k' = 'v') */), not after SELECT");
    if (!known_query_hint(h->text)) return at(err, errlen, h, "Hint: %s should be registered in the HintStrategyTable", h->text);
    bool kv = !strcasecmp(h->text, "LOOKUP") || !strcasecmp(h->text, "STATE_TTL");
    if (!h->nkids) return at(err, errlen, h, "Invalid hint: %s needs %s", h->text, kv ? "'key' = 'value' options" : "the names of tables or views");
    if (kv != (h->kids[0]->kind == SQL_OPTION))
      return at(err, errlen, h, "Invalid hint: %s takes %s", h->text, kv ? "'key' = 'value' options" : "table or view names, not 'key' = 'value' options");
  }
  return STROM_OK;
}

sql_table *sql_hint_table(sql_arena *a, sql_table *t, const sql_node *hints, char *err, size_t errlen) {
  err[0] = 0;
  const sql_node *opts[16];
  int nh = 0, nnew = 0;
  for (int i = 0; i < hints->nkids; i++) {
    const sql_node *h = hints->kids[i];
    if (strcasecmp(h->text, "OPTIONS")) {
      if (known_query_hint(h->text))
        at(err, errlen, h, "%s is a query hint: it goes right after SELECT (SELECT /*+ %s(...) */ ...), not after a table name", h->text, h->text);
      else at(err, errlen, h, "Hint: %s should be registered in the HintStrategyTable", h->text);
      return NULL;
    }
    if (check_options_hint(h, err, errlen)) return NULL;
    if (nh == (int)(sizeof opts / sizeof *opts)) return at(err, errlen, h, "too many OPTIONS hints on one table"), NULL;
    opts[nh++] = h;
    nnew += h->nkids;
  }
  if (!nh) return t;
  sql_table *c = sql_arena_alloc(a, sizeof *c);
  int cap = t->nopts + nnew + 1;
  const char **keys = sql_arena_alloc(a, sizeof *keys * (size_t)cap), **vals = sql_arena_alloc(a, sizeof *vals * (size_t)cap);
  if (!c || !keys || !vals) return snprintf(err, errlen, "out of memory"), NULL;
  *c = *t;
  int n = t->nopts;
  memcpy(keys, t->keys, sizeof *keys * (size_t)n);
  memcpy(vals, t->vals, sizeof *vals * (size_t)n);
  for (int i = 0; i < nh; i++) /* a later hint wins over an earlier one, both over WITH */
    for (int j = 0; j < opts[i]->nkids; j++) {
      const char *k = opts[i]->kids[j]->kids[0]->text, *v = opts[i]->kids[j]->kids[1]->text;
      int o = 0;
      while (o < n && strcmp(keys[o], k)) o++;
      keys[o] = k, vals[o] = v;
      if (o == n) n++;
    }
  c->keys = keys, c->vals = vals, c->nopts = n;
  /* as CREATE TABLE checks them (catalog.c), naming the hint's option that fails */
  char m[768] = "";
  const char *conn = sql_table_option(c, "connector");
  if (!(c->conn = sql_connector_find(conn)))
    snprintf(m, sizeof m, "unknown connector '%s' (known: datagen, filesystem, print, blackhole, nexmark, kafka, jdbc)", conn);
  else if (!sql_connector_check_options(c, m, sizeof m) && c->conn->validate)
    c->conn->validate(c, m, sizeof m);
  for (int k = 0; !m[0] && k < c->ncols; k++)
    if (c->cols[k].metadata && !c->conn->has_metadata)
      snprintf(m, sizeof m, "connector '%s' has no metadata columns (column '%s')", conn, c->cols[k].name);
  if (!m[0] && c->partitioned_by) {
    char pm[768];
    if (sql_fs_partition_check(c, c->partitioned_by, pm, sizeof pm)) snprintf(m, sizeof m, "%s", pm);
  }
  if (!m[0]) return c;
  const sql_node *where = opts[0];
  for (int i = 0; i < nh && where == opts[0]; i++) /* the option the message quotes, else the first hint */
    for (int j = 0; j < opts[i]->nkids && where == opts[0]; j++) {
      char q[300];
      snprintf(q, sizeof q, "'%s'", opts[i]->kids[j]->kids[0]->text);
      if (strstr(m, q)) where = opts[i]->kids[j];
    }
  at(err, errlen, where, "table '%s' with its OPTIONS hint: %s", t->name, m);
  return NULL;
}
