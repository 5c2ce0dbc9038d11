/*
 * session.c -- a SQL session (include/strom/sql.h): runs the statements of a text in
 * order against the catalog and the SET configuration.  DDL changes the catalog; SET
 * is checked at once (Flink's configuration keys go to strom_env_set on a scratch
 * environment, the SQL-only keys here) and applied to every job the session starts;
 * INSERT statements are planned into one pending job, which runs when the text ends
 * or before a bare SELECT (so the INSERTs of a script are one job, a statement set);
 * a bare SELECT runs its own job and prints the changelog as a table.  The syntax
 * trees of a text stay alive as long as the session because views and computed
 * columns point into them.
 */
#include <strings.h>

#include "../api/api.h" /* strom__discard_as */
#include "batch.h"
#include "hint.h"
#include "parser.h"
#include "sql_int.h"

/* SQL-only configuration keys; every other key must be one strom_env_set knows. */
static const char *sql_keys[] = {"pipeline.name", "execution.runtime-mode", "table.exec.state.ttl",
                                 "sql-client.execution.result-mode", "table.local-time-zone", "table.dml-sync",
                                 "strom.join.watermark-expiry", "strom.optimizer.window-max-join", "strom.optimizer.join-aggregate",
                                 "table.exec.mini-batch.enabled",
                                 "table.exec.mini-batch.allow-latency", "table.exec.mini-batch.size",
                                 "table.exec.sink.not-null-enforcer", "state.savepoints.dir", NULL};

static void set_err(sql_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(sql_session *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->err, sizeof s->err, fmt, ap);
  va_end(ap);
}

strom_sql_session *strom_sql_session_new(FILE *out) {
  sql_session *s = strom__calloc(1, sizeof *s);
  if (!s) return NULL;
  s->out = out ? out : stdout;
  pthread_mutex_init(&s->out_mu, NULL);
  return s;
}

void strom_sql_session_free(strom_sql_session *s) {
  if (!s) return;
  sql_jobs_free(s); /* jobs.c: before the catalog their plans read */
  sql_catalog_free(&s->cat);
  sql_udf_free_all(s);
  for (int i = 0; i < s->nset; i++) free(s->set[i].key), free(s->set[i].value);
  free(s->set);
  for (size_t i = 0; i < s->nvars; i++) free((char *)s->vars[i].name), free((char *)s->vars[i].value);
  free(s->vars);
  for (int i = 0; i < s->narenas; i++) sql_arena_free(&s->arenas[i]);
  free(s->arenas);
  pthread_mutex_destroy(&s->out_mu);
  free(s);
}

int strom_sql_define(strom_sql_session *s, const char *name, const char *value) {
  if (!s || !name || !value) return STROM_EINVAL;
  for (size_t i = 0; i < s->nvars; i++)
    if (!strcmp(s->vars[i].name, name)) {
      char *v = strom__strdup(value);
      if (!v) return STROM_ENOMEM;
      free((char *)s->vars[i].value);
      s->vars[i].value = v;
      return STROM_OK;
    }
  sql_var *nv = strom__realloc(s->vars, sizeof *nv * (s->nvars + 1));
  if (!nv) return STROM_ENOMEM;
  s->vars = nv;
  char *n = strom__strdup(name), *v = strom__strdup(value);
  if (!n || !v) {
    free(n), free(v);
    return STROM_ENOMEM;
  }
  s->vars[s->nvars++] = (sql_var){n, v};
  return STROM_OK;
}

const char *strom_sql_errmsg(const strom_sql_session *s) { return s ? s->err : "no session"; }

void strom_sql_cancel(strom_sql_session *s) {
  if (!s) return;
  s->cancel = 1;
  strom_env *e = s->running;
  /* The foreground job, as Flink's client stops the statement it runs; with none (the
   * end of a script waiting for its background jobs) those */
  if (e) strom_env_cancel(e);
  else sql_jobs_cancel(s);
}

const char *sql_session_get(const sql_session *s, const char *key) {
  for (int i = 0; i < s->nset; i++)
    if (!strcmp(s->set[i].key, key)) return s->set[i].value;
  return NULL;
}

const char *strom_sql_get(const strom_sql_session *s, const char *key) { return s ? sql_session_get(s, key) : NULL; }

/* ---- SET / RESET ---- */

static int check_setting(sql_session *s, const char *key, const char *value, bool *unused) {
  *unused = false;
  for (int i = 0; sql_keys[i]; i++) {
    if (strcmp(key, sql_keys[i])) continue;
    int64_t ms;
    if (!strcmp(key, "execution.runtime-mode") && strcasecmp(value, "streaming") && strcasecmp(value, "batch"))
      return set_err(s, "SET '%s': expected 'streaming' or 'batch', got '%s'", key, value), STROM_EINVAL;
    if (!strcmp(key, "table.exec.state.ttl") && (!sql_parse_duration(value, &ms) || ms < 0))
      return set_err(s, "SET '%s': expected a duration such as '1 h' or '60000 ms', got '%s'", key, value), STROM_EINVAL;
    if (!strcmp(key, "sql-client.execution.result-mode") && strcasecmp(value, "tableau"))
      return set_err(s, "not supported yet: SET '%s' = '%s' (only 'tableau')", key, value), STROM_ENOTSUP;
    if ((!strcmp(key, "strom.join.watermark-expiry") || !strcmp(key, "strom.optimizer.window-max-join") ||
         !strcmp(key, "strom.optimizer.join-aggregate") ||
         !strcmp(key, "table.exec.mini-batch.enabled") || !strcmp(key, "table.dml-sync")) &&
        strcasecmp(value, "true") && strcasecmp(value, "false"))
      return set_err(s, "SET '%s': expected 'true' or 'false', got '%s'", key, value), STROM_EINVAL;
    if (!strcmp(key, "table.exec.mini-batch.allow-latency") && !sql_parse_duration(value, &ms))
      return set_err(s, "SET '%s': expected a duration such as '2 s' or '500 ms', got '%s'", key, value), STROM_EINVAL;
    if (!strcmp(key, "table.exec.mini-batch.size")) {
      char *end;
      long long n = strtoll(value, &end, 10);
      if (end == value || *end || n > INT32_MAX || n < -1)
        return set_err(s, "SET '%s': expected a number of rows such as '5000', got '%s'", key, value), STROM_EINVAL;
    }
    if (!strcmp(key, "table.exec.sink.not-null-enforcer") && strcasecmp(value, "ERROR") && strcasecmp(value, "DROP"))
      return set_err(s, "SET '%s': expected 'ERROR' or 'DROP', got '%s'", key, value), STROM_EINVAL;
    if (!strcmp(key, "table.local-time-zone") && strcmp(value, "UTC"))
      return set_err(s, "not supported yet: SET '%s' = '%s' (Strom computes in UTC)", key, value), STROM_ENOTSUP;
    return STROM_OK;
  }
  strom_env *e = strom_env_new(NULL);
  if (!e) return STROM_ENOMEM;
  int rc = strom_env_set(e, key, value);
  if (rc) {
    const char *m = strom_env_errmsg(e);
    if (strstr(m, "unknown option")) {
      /* Flink's client keeps any key, so scripts written for it set keys of its planner
       * and deployment (table.optimizer.*, state.backend, ...): kept, with a warning */
      strom__log(STROM_LOG_WARN,
                 "SET '%s': not a setting Strom uses; kept, with no effect (README.md, \"Configuration\", "
                 "lists the ones it uses)",
                 key);
      *unused = true;
      rc = STROM_OK;
    } else {
      set_err(s, "SET: %s", m);
    }
  }
  strom_env_free(e);
  return rc;
}

static void apply_sql_settings(sql_session *s) {
  const char *v = sql_session_get(s, "table.exec.state.ttl");
  s->state_ttl_ms = 0;
  if (v) sql_parse_duration(v, &s->state_ttl_ms);
  v = sql_session_get(s, "execution.runtime-mode");
  s->batch = v && !strcasecmp(v, "batch");
  if (s->batch) s->state_ttl_ms = 0; /* as in Flink, state TTL is for streaming: batch state lives to the end */
  v = sql_session_get(s, "strom.join.watermark-expiry");
  s->join_expiry = v && !strcasecmp(v, "true");
  v = sql_session_get(s, "strom.optimizer.window-max-join");
  s->winmax = !v || strcasecmp(v, "false");
  v = sql_session_get(s, "strom.optimizer.join-aggregate");
  s->joinagg = !v || strcasecmp(v, "false");
  /* Checked when a GROUP BY is planned (agg_minibatch.c): Flink wants both set. */
  v = sql_session_get(s, "table.exec.mini-batch.enabled");
  s->minibatch = v && !strcasecmp(v, "true") && !s->batch;
  v = sql_session_get(s, "table.exec.mini-batch.allow-latency");
  s->minibatch_latency_ms = -1;
  if (v) sql_parse_duration(v, &s->minibatch_latency_ms);
  v = sql_session_get(s, "table.exec.mini-batch.size");
  s->minibatch_size = v ? strtoll(v, NULL, 10) : -1;
}

static int do_set(sql_session *s, const sql_node *n) {
  if (n->nkids == 0) {
    /* list, sorted by key */
    for (int i = 0; i < s->nset; i++)
      for (int j = i + 1; j < s->nset; j++)
        if (strcmp(s->set[j].key, s->set[i].key) < 0) {
          sql_setting t = s->set[i];
          s->set[i] = s->set[j];
          s->set[j] = t;
        }
    for (int i = 0; i < s->nset; i++) fprintf(s->out, "'%s' = '%s'\n", s->set[i].key, s->set[i].value);
    return STROM_OK;
  }
  const char *key = n->kids[0]->text, *value = n->kids[1]->text;
  bool unused;
  int rc = check_setting(s, key, value, &unused);
  if (rc) return rc;
  for (int i = 0; i < s->nset; i++)
    if (!strcmp(s->set[i].key, key)) {
      char *v = strom__strdup(value);
      if (!v) return STROM_ENOMEM;
      free(s->set[i].value);
      s->set[i].value = v;
      s->set[i].unused = unused;
      apply_sql_settings(s);
      return STROM_OK;
    }
  sql_setting *ns = strom__realloc(s->set, sizeof *ns * (size_t)(s->nset + 1));
  if (!ns) return STROM_ENOMEM;
  s->set = ns;
  char *k = strom__strdup(key), *v = strom__strdup(value);
  if (!k || !v) {
    free(k), free(v);
    return STROM_ENOMEM;
  }
  s->set[s->nset++] = (sql_setting){k, v, unused};
  apply_sql_settings(s);
  return STROM_OK;
}

static int do_reset(sql_session *s, const sql_node *n) {
  for (int i = 0; i < s->nset;) {
    if (n->nkids == 0 || !strcmp(s->set[i].key, n->kids[0]->text)) {
      free(s->set[i].key), free(s->set[i].value);
      s->set[i] = s->set[--s->nset];
    } else i++;
  }
  apply_sql_settings(s);
  return STROM_OK;
}

/* ---- jobs ---- */

static sql_build *build_new(sql_session *s) {
  sql_build *b = strom__calloc(1, sizeof *b);
  if (!b) return NULL;
  b->sess = s;
  if (!(b->env = strom_env_new(NULL))) {
    free(b);
    return NULL;
  }
  for (int i = 0; i < s->nset; i++) {
    bool sql_only = false;
    for (int k = 0; sql_keys[k]; k++) sql_only |= !strcmp(s->set[i].key, sql_keys[k]);
    if (!sql_only && !s->set[i].unused) strom_env_set(b->env, s->set[i].key, s->set[i].value); /* checked at SET */
  }
  return b;
}

void sql_build_free(sql_build *b) {
  if (!b) return;
  strom_env_free(b->env);
  for (int i = b->nowned - 1; i >= 0; i--) b->owned_free[i](b->owned[i]);
  free(b->owned);
  free(b->owned_free);
  sql_arena_free(&b->arena);
  free(b->ins_plan);
  free(b->ins_table);
  free(b);
}

static int run_build(sql_session *s, sql_build *b, const char *default_name) {
  const char *name = sql_session_get(s, "pipeline.name");
  s->running = b->env;
  if (s->cancel) strom_env_cancel(b->env);
  int rc = strom_execute(b->env, name ? name : default_name);
  s->running = NULL;
  if (rc) set_err(s, "job failed: %s", strom_env_errmsg(b->env));
  return rc;
}

/* ---- statements ---- */

typedef struct exec {
  sql_session *s;
  sql_build *pending; /* INSERT jobs waiting for the end of the text */
  int ninserts;
} exec;

static int build_inserts(sql_session *s, sql_build *b, bool dry);

static int flush_pending(exec *x) {
  if (!x->pending) return STROM_OK;
  sql_build *b = x->pending;
  x->pending = NULL;
  int rc = build_inserts(x->s, b, false);
  const char *name = x->ninserts > 1 ? "insert-into (statement set)" : "insert-into";
  if (!rc && sql_dml_async(x->s)) { /* jobs.c: runs in the background, which owns b now */
    const char *pn = sql_session_get(x->s, "pipeline.name");
    x->ninserts = 0;
    return sql_job_submit(x->s, b, pn ? pn : name);
  }
  if (!rc) rc = run_build(x->s, b, name);
  if (!rc && b->overwrite && (rc = sql_overwrite_commit(b))) set_err(x->s, "%s", b->err); /* insert_overwrite.c */
  x->ninserts = 0;
  sql_build_free(b);
  return rc;
}

static int err_at(sql_session *s, const sql_node *n, const char *msg) {
  if (!strncmp(msg, "line ", 5)) set_err(s, "%s", msg);
  else set_err(s, "line %d, column %d: %s", n->line, n->col, msg);
  return STROM_EINVAL;
}

static int plan_insert(exec *x, sql_build *b, const sql_node *n, bool explain_only, strom_buf *explain) {
  sql_session *s = x->s;
  const sql_node *name = n->kids[0], *collist = NULL, *spec = NULL, *hints = NULL, *q = n->kids[n->nkids - 1];
  for (int i = 1; i < n->nkids - 1; i++) {
    if (n->kids[i]->kind == SQL_COLUMN_LIST) collist = n->kids[i];
    if (n->kids[i]->kind == SQL_PARTITION_SPEC) spec = n->kids[i];
    if (n->kids[i]->kind == SQL_HINTS) hints = n->kids[i];
  }
  char lm[300];
  sql_table *t = sql_catalog_lookup(&s->cat, name, lm, sizeof lm); /* catalog_ns.c */
  if (!t) return err_at(s, name, lm[0] ? lm : "table not found");
  if (t->view) return err_at(s, name, "cannot INSERT INTO a view");
  char herr[1024];
  if (hints && !(t = sql_hint_table(&b->arena, t, hints, herr, sizeof herr))) return err_at(s, hints, herr); /* hint_apply.c */
  char om[300];
  if ((n->flags & SQL_F(OVERWRITE)) && sql_overwrite_check(s->batch, t, om, sizeof om)) return err_at(s, n, om);
  if (!t->conn->sink) {
    char m[160];
    snprintf(m, sizeof m, "table '%s' (connector '%s') is a source only: it cannot be written", t->name, t->conn->name);
    return err_at(s, name, m);
  }
  char err[1024];
  if (spec && !(q = sql_insert_partition(&b->arena, t, spec, &collist, q, err, sizeof err))) return err_at(s, spec, err);
  sql_plan *p = sql_bind_query(s, &b->arena, q, err, sizeof err);
  if (!p || (s->batch && sql_batch_plan(p, err, sizeof err))) return err_at(s, q, err);
  if (!(p = sql_bind_insert_cast(&b->arena, p, t, collist, err, sizeof err))) return err_at(s, n, err);
  if (p->changelog && !t->conn->changelog_sink && !(t->conn->takes_changes && t->conn->takes_changes(t))) {
    char m[512];
    snprintf(m, sizeof m,
             "table sink '%s' (connector '%s') doesn't support consuming update changes, which the query produces "
             "(a non-windowed GROUP BY, or a regular join that is outer or reads updates); use a window aggregation, "
             "an interval or window join, or a print/blackhole sink",
             t->name, t->conn->name);
    return err_at(s, n, m);
  }
  if (explain) {
    strom__buf_printf(explain, "Sink(table=[%s.%s.%s], fields=[", t->catalog, t->database, t->name); /* as Flink's */
    for (int i = 0, k = 0; i < p->ncols; i++) { /* a ROW column once, by its name (its leaves are "r.x") */
      const char *c = p->cols[i].name, *dot = strchr(c, '.');
      size_t len = dot ? (size_t)(dot - c) : strlen(c);
      if (i && dot && !strncmp(p->cols[i - 1].name, c, len + 1)) continue;
      strom__buf_printf(explain, "%s%.*s", k++ ? ", " : "", (int)len, c);
    }
    strom__buf_printf(explain, "]%s)\n", sql_explain_changelog_on() ? ", changelogMode=[NONE]" : "");
    sql_plan_explain(explain, sql_plan_optimized(b, p), 1);
  }
  if (explain_only) return STROM_OK;
  if (sql_sink_not_null(s, &b->arena, p, t, err, sizeof err)) return err_at(s, n, err); /* sink_notnull.c */
  if ((n->flags & SQL_F(OVERWRITE)) && sql_overwrite_prepare(b, t)) return err_at(s, n, b->err[0] ? b->err : "out of memory");
  if (b->nins == b->capins) { /* built with the others when the statement set ends */
    int cap = b->capins ? 2 * b->capins : 8;
    const sql_plan **np = strom__realloc(b->ins_plan, sizeof *np * (size_t)cap);
    if (np) b->ins_plan = np;
    sql_table **nt = np ? strom__realloc(b->ins_table, sizeof *nt * (size_t)cap) : NULL;
    if (!nt) return STROM_ENOMEM;
    b->ins_table = nt, b->capins = cap;
  }
  b->ins_plan[b->nins] = p, b->ins_table[b->nins++] = t;
  x->ninserts++;
  return STROM_OK;
}

/* The pending INSERTs' streams and sinks: planned together, so a table read by several
 * of them (or twice by one) is one source, as Flink's sub-plan reuse across sinks. */
/* rc, or the build's first error (b->err, else the environment's), reported in s. */
static int build_status(sql_session *s, sql_build *b, int rc) {
  if (!rc && !b->err[0]) return STROM_OK;
  set_err(s, "%s", b->err[0] ? b->err : strom_env_errmsg(b->env));
  return rc ? rc : STROM_EINVAL;
}

static int build_inserts(sql_session *s, sql_build *b, bool dry) {
  strom_stream **st = strom__calloc((size_t)(b->nins ? b->nins : 1), sizeof *st);
  if (!st) return STROM_ENOMEM;
  int rc = sql_plan_stream_roots(b, b->ins_plan, b->nins, st);
  for (int i = 0; i < b->nins && !rc && !b->err[0]; i++) {
    const sql_table *t = b->ins_table[i];
    if (dry) { /* EXPLAIN's graph: a stand-in, as building the sink would create its files or connect */
      char name[300];
      snprintf(name, sizeof name, "Sink: %s (%s)", t->name, t->conn->name);
      rc = strom__discard_as(st[i], name);
      continue;
    }
    strom_stream *e = sql_io_encode(b, t, st[i]);
    rc = e ? t->conn->write(b, b->ins_table[i], e) : STROM_EINVAL;
  }
  free(st);
  return build_status(s, b, rc);
}

/* A bare query's job: its stream into the tableau printer. */
static int build_select(sql_session *s, sql_build *b, const sql_plan *p) {
  strom_stream *st = sql_plan_stream_root(b, p);
  return build_status(s, b, st ? sql_print_sink(b, st, p->cols, p->ncols, NULL, SQL_TABLEAU) : STROM_EINVAL);
}

static int do_insert(exec *x, const sql_node *n) {
  if (!x->pending && !(x->pending = build_new(x->s))) return STROM_ENOMEM;
  return plan_insert(x, x->pending, n, false, NULL);
}

static int do_select(exec *x, const sql_node *q) {
  int rc = flush_pending(x);
  if (rc) return rc;
  sql_session *s = x->s;
  sql_build *b = build_new(s);
  if (!b) return STROM_ENOMEM;
  char err[1024];
  sql_plan *p = sql_bind_query(s, &b->arena, q, err, sizeof err);
  if (!p || (s->batch && sql_batch_plan(p, err, sizeof err))) {
    sql_build_free(b);
    return err_at(s, q, err);
  }
  if ((rc = build_select(s, b, p))) {
    sql_build_free(b);
    return rc;
  }
  s->last_rows = 0;
  sql_tableau_header(s->out, p->cols, p->ncols);
  rc = run_build(s, b, "collect");
  sql_tableau_footer(s->out, p->cols, p->ncols, s->last_rows);
  sql_build_free(b);
  return rc;
}

static int do_explain(exec *x, const sql_node *n) {
  sql_session *s = x->s;
  const sql_node *st = n->kids[0];
  char dm[300];
  if (n->text && sql_explain_details(n->text, dm, sizeof dm)) return err_at(s, n, dm); /* explain_mode.c */
  strom_buf o = {0};
  sql_build *b = build_new(s);
  if (!b) return STROM_ENOMEM;
  int rc = STROM_OK;
  /* JSON_EXECUTION_PLAN: the statement's job is built too (not run) for its graph */
  bool json = sql_explain_json_on(), inserts = st->kind == SQL_INSERT || st->kind == SQL_STATEMENT_SET;
  int before = x->ninserts;
  strom__buf_printf(&o, "== Optimized Physical Plan ==\n");
  if (st->kind == SQL_INSERT) rc = plan_insert(x, b, st, !json, &o);
  else if (st->kind == SQL_STATEMENT_SET)
    for (int i = 0; i < st->nkids && !rc; i++)
      rc = sql_ctas_is(st->kids[i]) ? err_at(s, st->kids[i], "not supported: EXPLAIN of CREATE TABLE ... AS SELECT")
                                    : plan_insert(x, b, st->kids[i], !json, &o);
  else if (st->kind == SQL_SELECT || st->kind == SQL_SETOP || st->kind == SQL_WITH || st->kind == SQL_VALUES ||
           st->kind == SQL_QUERY) {
    char err[1024];
    sql_plan *p = sql_bind_query(s, &b->arena, st, err, sizeof err);
    if (!p || (s->batch && sql_batch_plan(p, err, sizeof err))) rc = err_at(s, st, err);
    else sql_plan_explain(&o, sql_plan_optimized(b, p), 0);
    if (!rc && json) rc = build_select(s, b, p);
  } else rc = err_at(s, st, sql_ctas_is(st) ? "not supported: EXPLAIN of CREATE TABLE ... AS SELECT"
                                             : "EXPLAIN supports queries, INSERT and STATEMENT SET");
  x->ninserts = before;
  sql_explain_changelog_fill(&o);
  sql_explain_changelog(false);
  if (!rc && json && inserts) rc = build_inserts(s, b, true);
  if (!rc && json) {
    const char *plan = strom_env_execution_plan(b->env);
    if (!plan) rc = STROM_ENOMEM;
    else strom__buf_printf(&o, "\n== Physical Execution Plan ==\n%s\n", plan);
  }
  if (!rc) fwrite(o.p, 1, o.len, s->out), fflush(s->out);
  strom__buf_free(&o);
  sql_build_free(b);
  return rc;
}

static void print_names(FILE *f, const char *title, const char **names, int n) {
  int w = (int)strlen(title);
  for (int i = 0; i < n; i++)
    if ((int)strlen(names[i]) > w) w = (int)strlen(names[i]);
  char line[300];
  int k = 0;
  line[k++] = '+';
  for (int i = 0; i < w + 2 && k < 290; i++) line[k++] = '-';
  line[k++] = '+';
  line[k] = 0;
  fprintf(f, "%s\n| %-*s |\n%s\n", line, w, title, line);
  for (int i = 0; i < n; i++) fprintf(f, "| %-*s |\n", w, names[i]);
  if (n) fprintf(f, "%s\n%d row%s in set\n", line, n, n == 1 ? "" : "s");
  else fprintf(f, "Empty set\n");
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int do_show(sql_session *s, const sql_node *n) {
  const char *what = n->text;
  int crc = sql_catalog_show(s, n); /* catalog_ns.c: names by catalog and database */
  if (crc != 1) return crc;
  if (!strcasecmp(what, "JOBS")) return sql_jobs_show(s); /* jobs.c */
  if (!strcasecmp(what, "TABLES") || !strcasecmp(what, "VIEWS")) {
    bool views = what[0] == 'V' || what[0] == 'v';
    const char **names = strom__calloc((size_t)s->cat.n + 1, sizeof *names);
    if (!names) return STROM_ENOMEM;
    int k = 0;
    for (int i = 0; i < s->cat.n; i++)
      if (!views || s->cat.t[i]->view) names[k++] = s->cat.t[i]->name;
    qsort(names, (size_t)k, sizeof *names, cmp_names);
    print_names(s->out, views ? "view name" : "table name", names, k);
    free(names);
    return STROM_OK;
  }
  if (!strcasecmp(what, "FUNCTIONS")) {
    strom_buf b = {0};
    sql_func_list(&b);
    strom__buf_printf(&b, " COUNT SUM MIN MAX AVG");
    sql_udf_list(s, &b);
    fprintf(s->out, "%s\n", b.p);
    strom__buf_free(&b);
    return STROM_OK;
  }
  if (!strcasecmp(what, "CATALOGS") || !strcasecmp(what, "DATABASES")) {
    const char *one = what[0] == 'C' || what[0] == 'c' ? "default_catalog" : "default_database";
    print_names(s->out, what[0] == 'C' || what[0] == 'c' ? "catalog name" : "database name", &one, 1);
    return STROM_OK;
  }
  if (sql_show_modules(s, n) == STROM_OK) return STROM_OK; /* docs_show.c */
  char mm[200];
  int mrc = sql_fid_modules(n, mm, sizeof mm); /* fid_modules.c: USE MODULES, [UN]LOAD MODULE */
  if (mrc <= 0) return mrc ? err_at(s, n, mm) : STROM_OK;
  return err_at(s, n, "not supported yet: this SHOW statement");
}

/* Flink's DESCRIBE prints the table SHOW COLUMNS prints (catalog_show.c). */
static int do_describe(exec *x, const sql_node *n) {
  sql_session *s = x->s;
  char lm[300];
  sql_table *t = sql_catalog_lookup(&s->cat, n->kids[0], lm, sizeof lm);
  if (!t) return err_at(s, n->kids[0], lm[0] ? lm : "table or view not found");
  return sql_show_columns(s, n, t);
}

static int do_create_table(sql_session *s, const sql_node *n) {
  const char *cat, *db, *name;
  char lm[300];
  if (sql_ns_resolve(&s->cat, n->kids[0], &cat, &db, &name, lm, sizeof lm)) return err_at(s, n->kids[0], lm);
  if (sql_ns_read_only(s, n->kids[0], "CreateTable", cat, db, name)) return STROM_EINVAL; /* a jdbc catalog */
  if (sql_ns_find(&s->cat, cat, db, name)) {
    if (n->flags & SQL_F(IF_NOT_EXISTS)) return STROM_OK;
    return err_at(s, n->kids[0], "a table or view with this name already exists");
  }
  sql_table *t;
  char err[1024];
  int rc = sql_table_like(s, n, &n); /* catalog_like.c: CREATE TABLE ... LIKE merged into one definition */
  if (rc) return rc;
  rc = sql_table_from_ast(n, &t, err, sizeof err);
  if (rc) return err_at(s, n, err), rc;
  /* bind the scan once: computed columns and the watermark column must type-check */
  if (t->conn->source || t->ncols) {
    sql_arena a = {0};
    sql_plan *p = sql_bind_scan(&a, t, t->name, err, sizeof err);
    sql_arena_free(&a);
    if (!p) {
      sql_table_free(t);
      return err_at(s, n, err);
    }
  }
  t->catalog = strom__strdup(cat), t->database = strom__strdup(db);
  if ((rc = sql_catalog_add(&s->cat, t))) sql_table_free(t);
  return rc;
}

static int do_create_view(sql_session *s, const sql_node *n) {
  const char *cat, *db, *name;
  char lm[300];
  if (sql_ns_resolve(&s->cat, n->kids[0], &cat, &db, &name, lm, sizeof lm)) return err_at(s, n->kids[0], lm);
  if (sql_ns_read_only(s, n->kids[0], "CreateView", cat, db, name)) return STROM_EINVAL; /* a jdbc catalog */
  if (sql_ns_find(&s->cat, cat, db, name)) {
    if (n->flags & SQL_F(IF_NOT_EXISTS)) return STROM_OK;
    return err_at(s, n->kids[0], "a table or view with this name already exists");
  }
  const sql_node *collist = n->nkids > 2 ? n->kids[1] : NULL, *q = n->kids[n->nkids - 1];
  sql_arena a = {0};
  char err[1024];
  sql_plan *p = sql_bind_query(s, &a, q, err, sizeof err);
  int ncols = p ? p->ncols : 0, nvalues = 0; /* nvalues: a ROW value's columns count once (types_rowval.c) */
  size_t seg;
  for (int i = 0; i < ncols; i = sql_row_group_end(p->cols, ncols, i, &seg)) nvalues++;
  sql_arena_free(&a);
  if (!p) return err_at(s, q, err);
  if (collist && collist->nkids != ncols && collist->nkids != nvalues)
    return err_at(s, collist, "the column list does not match the query's columns");
  sql_table *t = strom__calloc(1, sizeof *t);
  if (!t || !(t->name = strom__strdup(name))) {
    free(t);
    return STROM_ENOMEM;
  }
  t->view = true;
  t->query = q;
  t->column_list = collist;
  t->wm_col = -1;
  t->catalog = strom__strdup(cat), t->database = strom__strdup(db);
  sql_view_text(s, t, n); /* catalog_show.c: SHOW CREATE VIEW */
  int rc = sql_catalog_add(&s->cat, t);
  if (rc) sql_table_free(t);
  return rc;
}

/* CREATE / [CREATE OR] REPLACE TABLE ... AS query (ctas.c): the table now, its INSERT
 * with the pending ones.  IF NOT EXISTS on an existing table inserts into it, as Flink. */
static int do_ctas(exec *x, const sql_node *n) {
  sql_session *s = x->s;
  char err[1200];
  if (sql_ctas_check(n, err, sizeof err)) return err_at(s, n, err);
  const char *cat, *db, *name;
  if (sql_ns_resolve(&s->cat, n->kids[0], &cat, &db, &name, err, sizeof err)) return err_at(s, n->kids[0], err);
  sql_table *old = sql_ns_find(&s->cat, cat, db, name);
  bool replace = n->flags & (SQL_F(REPLACE) | SQL_F(OR_REPLACE));
  if ((n->flags & SQL_F(REPLACE)) && !old) {
    snprintf(err, sizeof err, "The table `%s`.`%s`.`%s` to be replaced doesn't exist. You can try to use CREATE TABLE AS "
             "statement or CREATE OR REPLACE TABLE AS statement.", cat, db, name);
    return err_at(s, n->kids[0], err);
  }
  if (old && replace && old->view) return err_at(s, n->kids[0], "REPLACE TABLE cannot replace a view");
  sql_node *ddl, *ins;
  int rc = sql_ctas_build(s, &s->arenas[s->narenas - 1], n, &ddl, &ins, err, sizeof err);
  if (rc) return err_at(s, n, err);
  if (old && replace) { /* the INSERTs before run first: their plans point at the old table */
    if ((rc = flush_pending(x))) return rc;
    if (sql_ns_read_only(s, n->kids[0], "DropTable", old->catalog, old->database, old->name)) return STROM_EINVAL;
    sql_catalog_remove(&s->cat, old);
  }
  if (!(old && !replace && (n->flags & SQL_F(IF_NOT_EXISTS))) && (rc = do_create_table(s, ddl))) return rc;
  return do_insert(x, ins);
}

static int do_drop(sql_session *s, const sql_node *n, bool view) {
  char lm[300];
  sql_table *t = sql_catalog_lookup(&s->cat, n->kids[0], lm, sizeof lm);
  if (!t || t->view != view) {
    if (n->flags & SQL_F(IF_EXISTS)) return STROM_OK;
    return err_at(s, n->kids[0], lm[0] ? lm : view ? "view not found" : "table not found");
  }
  if (sql_ns_read_only(s, n->kids[0], view ? "DropView" : "DropTable", t->catalog, t->database, t->name)) return STROM_EINVAL;
  sql_catalog_remove(&s->cat, t);
  return STROM_OK;
}

/* Whether n may drop, replace or change a table, view or function (those of a statement set too). */
static bool removes_from_catalog(const sql_node *n) {
  if (n->kind == SQL_STATEMENT_SET) {
    for (int i = 0; i < n->nkids; i++)
      if (removes_from_catalog(n->kids[i])) return true;
    return false;
  }
  return n->kind == SQL_DROP_TABLE || n->kind == SQL_DROP_VIEW || n->kind == SQL_DROP_FUNCTION ||
         (n->kind == SQL_CATALOG_STMT && (!strncmp(n->text, "drop-", 5) || !strncmp(n->text, "alter-", 6))) ||
         ((n->kind == SQL_CREATE_TABLE || n->kind == SQL_CREATE_VIEW || n->kind == SQL_CREATE_FUNCTION) &&
          (n->flags & (SQL_F(OR_REPLACE) | SQL_F(REPLACE))));
}

static int statement(exec *x, const sql_node *n) {
  sql_session *s = x->s;
  const sql_node *tp = sql_fid_time_check(n); /* fid_time.c: TIME(p > 3), refused as Flink's planner does */
  if (tp) {
    char tm[80];
    snprintf(tm, sizeof tm, "TIME precision is not supported: %d", tp->p);
    return err_at(s, tp, tm);
  }
  /* A running background job's plan reads the catalog: nothing it may use goes (jobs.c) */
  bool drops = removes_from_catalog(n);
  bool jobs = n->kind == SQL_STOP_JOB || (n->kind == SQL_SHOW && !strcasecmp(n->text, "JOBS"));
  if (drops || jobs) { /* the INSERTs before are submitted first: they are jobs to see, stop or guard */
    int rc = flush_pending(x);
    if (rc) return rc;
  }
  if (drops && sql_jobs_guard(s, n, "cannot drop or change a table, view or function")) return STROM_EINVAL;
  switch (n->kind) {
    case SQL_STOP_JOB: return sql_job_stop(s, n); /* jobs.c */
    case SQL_SET: /* the INSERTs before a change of runtime mode run in the mode they were planned in */
      if (n->nkids && !strcmp(n->kids[0]->text, "execution.runtime-mode")) {
        int rc = flush_pending(x);
        if (rc) return rc;
      }
      return do_set(s, n);
    case SQL_RESET: return do_reset(s, n);
    case SQL_CREATE_TABLE: return sql_ctas_is(n) ? do_ctas(x, n) : do_create_table(s, n);
    case SQL_CREATE_VIEW: return do_create_view(s, n);
    case SQL_DROP_TABLE:
    case SQL_DROP_VIEW:
    case SQL_CATALOG_STMT: { /* the INSERTs before run first: their plans point at the tables */
      int rc = n->kind == SQL_CATALOG_STMT && strncmp(n->text, "drop-", 5) && strncmp(n->text, "alter-", 6) ? 0 : flush_pending(x);
      if (rc) return rc;
      return n->kind == SQL_CATALOG_STMT ? sql_catalog_stmt(s, n) : do_drop(s, n, n->kind == SQL_DROP_VIEW);
    }
    case SQL_SHOW: return do_show(s, n);
    case SQL_DESCRIBE: return do_describe(x, n);
    case SQL_EXPLAIN: return do_explain(x, n);
    case SQL_INSERT: return do_insert(x, n);
    case SQL_STATEMENT_SET: {
      for (int i = 0; i < n->nkids; i++) {
        int rc = n->kids[i]->kind == SQL_CREATE_TABLE ? do_ctas(x, n->kids[i]) : do_insert(x, n->kids[i]);
        if (rc) return rc;
      }
      return flush_pending(x);
    }
    case SQL_CREATE_FUNCTION:
    case SQL_DROP_FUNCTION: {
      char m[1200];
      int rc = n->kind == SQL_CREATE_FUNCTION ? sql_udf_create(s, n, m, sizeof m) : sql_udf_drop(s, n, m, sizeof m);
      if (rc) set_err(s, "%s", m);
      return rc;
    }
    case SQL_SELECT:
    case SQL_SETOP:
    case SQL_WITH:
    case SQL_VALUES:
    case SQL_QUERY: return do_select(x, n);
    default: return err_at(s, n, "not supported yet: this statement");
  }
}

int strom_sql_execute(strom_sql_session *s, const char *text, size_t len) {
  if (!s || !text) return STROM_EINVAL;
  s->err[0] = 0;
  s->cancel = 0;
  sql_arena *na = strom__realloc(s->arenas, sizeof *na * (size_t)(s->narenas + 1));
  if (!na) return STROM_ENOMEM;
  s->arenas = na;
  sql_arena *a = &s->arenas[s->narenas++];
  memset(a, 0, sizeof *a);
  sql_node *script = sql_parse_script(a, text, len, s->vars, s->nvars, s->err, sizeof s->err);
  if (!script) return STROM_EINVAL;
  s->text = sql_arena_strndup(a, text, len); /* views keep their text (catalog_show.c) */
  exec x = {.s = s};
  int rc = STROM_OK;
  for (int i = 0; i < script->nkids && !rc; i++) {
    rc = statement(&x, script->kids[i]);
    if (!rc && s->cancel) rc = STROM_ECANCELED;
  }
  if (!rc) rc = flush_pending(&x);
  sql_build_free(x.pending);
  if (rc == STROM_ECANCELED && !s->err[0]) set_err(s, "cancelled");
  return rc;
}
