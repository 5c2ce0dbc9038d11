/*
 * tjoin_lookup.c -- lookup joins (Flink's processing-time temporal join,
 * `JOIN d FOR SYSTEM_TIME AS OF l.proctime ON l.k = d.id`): each left row is joined
 * with the rows the right table holds for its key when the row is processed.  A
 * stateless operator chained after the left input: no keyed state, appends (a
 * changelog left input passes its row kinds on).
 *
 * - jdbc: the connector's lookup source (src/connectors/jdbc_lookup.c, an LRU cache of
 *   lookup.cache.max-rows keys kept lookup.cache.ttl): the left's columns and its keys
 *   (expressions of the left, cast to the table's key types) go in, the matches come
 *   out, the residual condition kept per match inside the lookup (so a LEFT join pads a
 *   row none of whose matches passes it); a second step drops the key columns.
 * - filesystem: as Flink, each subtask loads the whole table (csv or json lines, a file
 *   or a directory) into a hash table on its first row and loads it again once
 *   lookup.join.cache.ttl (default 60 min) of processing time has passed.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "../connectors/format.h"
#include "sql_int.h"
#include "strom/jdbc.h"

typedef struct lookup {
  const sql_table *t;
  int nl, nr, nkeys;
  sql_expr **lkeys; /* over the left's columns, of the table's key column types */
  int *rcols;       /* the table's key columns */
  const sql_expr *residual;
  bool left_outer;
  const strom_schema *phys, *keys;
  int64_t ttl_ms;
  int nskip; /* jdbc: the key columns between the left's and the table's columns */
  int pcol;  /* the left's PROCTIME() attribute: the row's processing time, read once */
} lookup;

static const strom_schema *own_schema(sql_build *b, strom_schema *s) {
  if (!s || sql_build_own(b, s, (void (*)(void *))strom_schema_free)) return NULL;
  return s;
}

static int residual_ok(strom_ctx *ctx, const lookup *k, const strom_row *joined) {
  if (!k->residual) return 1;
  sql_ectx c = {0};
  int r = sql_eval_pred(k->residual, joined, &c);
  if (r < 0) r = strom_ctx_fail(ctx, "join condition: %s", c.err[0] ? c.err : "evaluation failed");
  sql_ectx_free(&c);
  return r;
}

/* ---- filesystem: the whole table in a hash table ---- */

typedef struct fs_table {
  strom_row **rows;
  int *next; /* the next row of the same bucket, -1 at the end */
  size_t n, cap;
  int *head;
  size_t nbuckets;
  int64_t loaded; /* processing time of the load, INT64_MIN before the first */
  strom_row *key; /* the probe's key values */
} fs_table;

static void fs_clear(fs_table *f) {
  for (size_t i = 0; i < f->n; i++) strom_row_free(f->rows[i]);
  f->n = 0;
  free(f->head);
  f->head = NULL;
  f->nbuckets = 0;
}

static int fs_add(fs_table *f, strom_row *r) {
  if (f->n == f->cap) {
    size_t cap = f->cap ? 2 * f->cap : 64;
    strom_row **rows = strom__realloc(f->rows, cap * sizeof *rows);
    if (!rows) return STROM_ENOMEM;
    f->rows = rows;
    int *next = strom__realloc(f->next, cap * sizeof *next);
    if (!next) return STROM_ENOMEM;
    f->next = next, f->cap = cap;
  }
  f->rows[f->n++] = r;
  return STROM_OK;
}

static bool key_null(const strom_row *r, const int *cols, int n) {
  for (int i = 0; i < n; i++)
    if (r->nulls[cols[i]]) return true;
  return false;
}

static int fs_index(const lookup *k, fs_table *f) {
  size_t nb = 16;
  while (nb < 2 * f->n) nb *= 2;
  if (!(f->head = strom__malloc(nb * sizeof *f->head))) return STROM_ENOMEM;
  f->nbuckets = nb;
  for (size_t i = 0; i < nb; i++) f->head[i] = -1;
  for (size_t i = f->n; i-- > 0;) { /* backwards: each bucket lists rows in file order */
    if (key_null(f->rows[i], k->rcols, k->nkeys)) continue; /* a NULL key matches nothing */
    size_t b = strom__key_hash(f->rows[i], k->rcols, k->nkeys) & (nb - 1);
    f->next[i] = f->head[b];
    f->head[b] = (int)i;
  }
  return STROM_OK;
}

/* One file's lines into f. */
static int fs_load_file(strom_ctx *ctx, const lookup *k, fs_table *f, strom_format *fmt, const char *path) {
  FILE *in = fopen(path, "r");
  if (!in) return strom_ctx_fail(ctx, "lookup table '%s': cannot read '%s': %s", k->t->name, path, strerror(errno));
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int rc = STROM_OK;
  long lineno = 0;
  while (!rc && (len = getline(&line, &cap, in)) >= 0) {
    lineno++;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    if (!len) continue;
    strom_row *r = strom_row_new(k->phys);
    char err[256];
    if (!r) {
      rc = STROM_ENOMEM;
    } else if (strom__format_decode(fmt, line, (size_t)len, r, err, sizeof err)) {
      strom_row_free(r);
      if (!fmt->o.ignore_parse_errors)
        rc = strom_ctx_fail(ctx, "lookup table '%s': %s, line %ld: %s", k->t->name, path, lineno, err);
    } else if ((rc = fs_add(f, r))) {
      strom_row_free(r);
    }
  }
  free(line);
  fclose(in);
  return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int fs_load(strom_ctx *ctx, const lookup *k, fs_table *f, int64_t now) {
  fs_clear(f);
  const sql_table *t = k->t;
  const char *path = sql_table_option(t, "path"), *fmtname = sql_table_option(t, "format");
  const char *d = sql_table_option(t, "csv.field-delimiter");
  bool json = !strcmp(fmtname, "json");
  const char *ign = sql_table_option(t, json ? "json.ignore-parse-errors" : "csv.ignore-parse-errors");
  strom_format_opts o = {.kind = json ? STROM_FORMAT_JSON : STROM_FORMAT_CSV,
                         .ignore_parse_errors = ign && !strcasecmp(ign, "true"),
                         .csv_delimiter = d ? (strcmp(d, "\\t") ? d[0] : '\t') : ','};
  strom_format fmt;
  char err[256];
  if (strom__format_init(&fmt, &o, k->phys, NULL, err, sizeof err))
    return strom_ctx_fail(ctx, "lookup table '%s': %s", t->name, err);
  struct stat st;
  int rc = STROM_OK;
  if (stat(path, &st)) {
    rc = strom_ctx_fail(ctx, "lookup table '%s': cannot read '%s': %s", t->name, path, strerror(errno));
  } else if (!S_ISDIR(st.st_mode)) {
    rc = fs_load_file(ctx, k, f, &fmt, path);
  } else { /* every visible file, in name order, as the filesystem source reads them */
    DIR *dir = opendir(path);
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    if (!dir) rc = strom_ctx_fail(ctx, "lookup table '%s': cannot open '%s': %s", t->name, path, strerror(errno));
    while (dir && !rc && (de = readdir(dir))) {
      if (de->d_name[0] == '.' || de->d_name[0] == '_') continue;
      char *full = strom__aprintf("%s/%s", path, de->d_name);
      struct stat fs;
      char **nn = full ? strom__realloc(names, sizeof *nn * (n + 1)) : NULL;
      if (!nn) {
        free(full);
        rc = STROM_ENOMEM;
        break;
      }
      names = nn;
      if (stat(full, &fs) || !S_ISREG(fs.st_mode)) free(full);
      else names[n++] = full;
    }
    if (dir) closedir(dir);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
      if (!rc) rc = fs_load_file(ctx, k, f, &fmt, names[i]);
      free(names[i]);
    }
    free(names);
  }
  strom__format_free(&fmt);
  if (!rc) rc = fs_index(k, f);
  f->loaded = now;
  return rc;
}

static int fs_open(strom_ctx *ctx) {
  const lookup *k = strom_ctx_data(ctx);
  fs_table *f = strom__calloc(1, sizeof *f);
  if (!f) return STROM_ENOMEM;
  strom_ctx_set_local(ctx, f);
  f->loaded = INT64_MIN;
  return (f->key = strom_row_new(k->keys)) ? STROM_OK : STROM_ENOMEM;
}

static void fs_close(strom_ctx *ctx) {
  fs_table *f = strom_ctx_local(ctx);
  if (!f) return;
  fs_clear(f);
  free(f->rows);
  free(f->next);
  strom_row_free(f->key);
  free(f);
}

static bool same_key(const lookup *k, const strom_row *key, const strom_row *r) {
  for (int i = 0; i < k->nkeys; i++) {
    int c = k->rcols[i];
    if (strom_schema_col_type(k->phys, c) == STROM_VARCHAR) {
      if (key->v[i].s.n != r->v[c].s.n || memcmp(key->v[i].s.p, r->v[c].s.p, r->v[c].s.n)) return false;
    } else if (strom_schema_col_type(k->phys, c) == STROM_DOUBLE) {
      if (key->v[i].d != r->v[c].d) return false;
    } else if (key->v[i].i != r->v[c].i || (r->schema->nwide && strom__hi_differs(&r->schema->cols[c], &key->v[i], &r->v[c]))) {
      return false;
    }
  }
  return true;
}

static void fill(const lookup *k, strom_row *o, const strom_row *l, const strom_row *r) {
  for (int i = 0; i < k->nl; i++) o->nulls[i] = l->nulls[i], o->v[i] = l->v[i];
  for (int i = 0; i < k->nr; i++) {
    o->nulls[k->nl + i] = r ? r->nulls[i] : 1;
    if (r) o->v[k->nl + i] = r->v[i];
  }
  strom_row_set_kind(o, strom_row_get_kind(l));
  strom_row_set_time(o, strom_row_time(l));
}

static int fs_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const lookup *k = strom_ctx_data(ctx);
  fs_table *f = strom_ctx_local(ctx);
  int rc;
  /* the row's PROCTIME() value is the clock when it was processed: no second read */
  int64_t now = in->nulls[k->pcol] ? strom_ctx_now(ctx) : in->v[k->pcol].i;
  if (f->loaded == INT64_MIN || now - f->loaded >= k->ttl_ms)
    if ((rc = fs_load(ctx, k, f, now))) return rc;
  /* the probe's key values, as the table's key types */
  bool null = false;
  sql_ectx c;
  sql_ectx_init(&c);
  for (int i = 0; i < k->nkeys && !null; i++) {
    sql_val v;
    if (sql_eval(k->lkeys[i], in, &c, &v)) {
      rc = strom_ctx_fail(ctx, "lookup key: %s", c.err[0] ? c.err : "evaluation failed");
      sql_ectx_free(&c);
      return rc;
    }
    if (v.null) null = true;
    else if ((rc = sql_val_set(f->key, i, &v))) break;
  }
  if (c.chunks) sql_ectx_free(&c);
  if (rc) return rc;
  bool any = false;
  if (!null) {
    static const int cols[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    size_t b = strom__key_hash(f->key, cols, k->nkeys) & (f->nbuckets - 1);
    for (int i = f->head[b]; i >= 0; i = f->next[i]) {
      if (!same_key(k, f->key, f->rows[i])) continue;
      strom_row *o = strom_out_row(out);
      fill(k, o, in, f->rows[i]);
      int ok = residual_ok(ctx, k, o);
      if (ok < 0) return ok;
      if (!ok) continue;
      any = true;
      if ((rc = strom_out_emit(out, o))) return rc;
    }
  }
  if (any || !k->left_outer) return STROM_OK;
  strom_row *o = strom_out_row(out);
  fill(k, o, in, NULL);
  return strom_out_emit(out, o);
}

/* ---- jdbc: the connector's lookup source, then the residual ---- */

static int jdbc_after(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  const lookup *k = strom_ctx_data(ctx);
  strom_row *o = strom_out_row(out);
  for (int i = 0; i < k->nl; i++) o->nulls[i] = in->nulls[i], o->v[i] = in->v[i];
  for (int i = 0; i < k->nr; i++) o->nulls[k->nl + i] = in->nulls[k->nl + k->nskip + i], o->v[k->nl + i] = in->v[k->nl + k->nskip + i];
  strom_row_set_kind(o, strom_row_get_kind(in));
  strom_row_set_time(o, strom_row_time(in));
  int ok = residual_ok(ctx, k, o);
  return ok <= 0 ? ok : strom_out_emit(out, o);
}

/* The residual over the connector's joined row (the left's columns, the keys, the
 * table's): kept per match, so a LEFT join pads the rows none of whose matches is kept. */
static int jdbc_cond(const strom_row *joined, void *data, char *err, size_t errlen) {
  sql_ectx c = {0};
  int r = sql_eval_pred(data, joined, &c);
  if (r < 0) snprintf(err, errlen, "join condition: %s", c.err[0] ? c.err : "evaluation failed");
  sql_ectx_free(&c);
  return r;
}

/* e with the columns from split on moved by shift. */
static sql_expr *shift_cols(sql_arena *a, const sql_expr *e, int split, int shift) {
  sql_expr *c = sql_arena_alloc(a, sizeof *c);
  if (!c) return NULL;
  *c = *e;
  c->fast = NULL;
  if (e->op == SQL_E_COL && e->col >= split) c->col += shift;
  if (e->n) {
    if (!(c->a = sql_arena_alloc(a, sizeof(sql_expr *) * (size_t)e->n))) return NULL;
    for (int i = 0; i < e->n; i++)
      if (!(c->a[i] = shift_cols(a, e->a[i], split, shift))) return NULL;
  }
  return c;
}

static strom_stream *jdbc_lookup(sql_build *b, const sql_plan *p, lookup *k, strom_stream *ls) {
  const sql_table *t = k->t;
  /* the left's columns under names no table column has, then its keys */
  int n = k->nl + k->nkeys;
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)n);
  strom_schema *s = strom_schema_new();
  strom_buf names = {0}, tkeys = {0};
  char nm[32];
  if (!ex || !s) return strom_schema_free(s), NULL;
  for (int i = 0; i < n; i++) {
    if (i < k->nl) {
      if (!(ex[i] = sql_arena_alloc(&b->arena, sizeof *ex[i]))) return strom_schema_free(s), NULL;
      ex[i]->op = SQL_E_COL, ex[i]->col = i, ex[i]->type = p->in->cols[i].type;
      snprintf(nm, sizeof nm, "$l%d", i);
    } else {
      ex[i] = k->lkeys[i - k->nl];
      snprintf(nm, sizeof nm, "$k%d", i - k->nl);
      strom__buf_printf(&names, "%s%s", i > k->nl ? ", " : "", nm);
      strom__buf_printf(&tkeys, "%s%s", i > k->nl ? ", " : "", t->cols[k->rcols[i - k->nl]].name);
    }
    sql_schema_add(s, nm, &ex[i]->type);
  }
  const strom_schema *ks = own_schema(b, s);
  strom_schema *ts = strom_schema_new();
  for (int i = 0; ts && i < t->ncols; i++)
    if (sql_schema_add(ts, t->cols[i].name, &t->cols[i].type)) strom_schema_free(ts), ts = NULL;
  const strom_schema *tss = own_schema(b, ts);
  size_t nkv = 0;
  const char **kv = sql_arena_alloc(&b->arena, sizeof *kv * (size_t)(2 * t->nopts + 2));
  strom_jdbc_opts o;
  char err[512];
  strom_stream *r = NULL;
  if (!ks || !tss || !kv || !names.p) goto done;
  for (int i = 0; i < t->nopts; i++)
    if (strcmp(t->keys[i], "scan.watermark.emit.strategy")) kv[2 * nkv] = t->keys[i], kv[2 * nkv++ + 1] = t->vals[i];
  if (strom_jdbc_opts_from_pairs(&o, kv, nkv, err, sizeof err)) {
    sql_build_fail(b, "table '%s': %s", t->name, err);
    goto done;
  }
  strom_stream *proj = sql_calc_stream(b, ls, ex, n, ks, "Lookup key projection");
  sql_expr *cond = k->residual ? shift_cols(&b->arena, k->residual, k->nl, k->nkeys) : NULL;
  if (k->residual && !cond) goto done;
  strom_stream *j = proj ? strom_jdbc_lookup_join_where(proj, names.p, tss, tkeys.p, k->left_outer, &o,
                                                        cond ? jdbc_cond : NULL, cond) : NULL;
  k->residual = NULL; /* applied by the lookup itself */
  if (!j) {
    sql_build_fail(b, "lookup join on table '%s': %s", t->name, strom_env_errmsg(b->env));
    goto done;
  }
  k->nskip = k->nkeys;
  const strom_schema *os = own_schema(b, sql_plan_schema(p));
  if (os)
    r = strom_set_name(strom_process(j, &(strom_process_def){.process = jdbc_after, .data = k, .out_schema = os}),
                       k->residual ? "LookupJoin residual" : "LookupJoin project");
done:
  strom__buf_free(&names);
  strom__buf_free(&tkeys);
  return r;
}

strom_stream *sql_lookup_stream(sql_build *b, const sql_plan *p) {
  const sql_join *j = p->join;
  const sql_table *t = p->in2->table;
  strom_stream *ls = sql_plan_stream(b, p->in);
  lookup *k = sql_arena_alloc(&b->arena, sizeof *k);
  int *rcols = sql_arena_alloc(&b->arena, sizeof *rcols * (size_t)j->nkeys);
  if (!ls || !k || !rcols) return NULL;
  if (j->nkeys > 16) return sql_build_fail(b, "a lookup join on more than 16 key columns"), NULL;
  for (int i = 0; i < j->nkeys; i++) rcols[i] = j->rkeys[i]->col;
  *k = (lookup){.t = t, .nl = p->in->ncols, .nr = p->in2->ncols, .nkeys = j->nkeys, .lkeys = j->lkeys,
                .rcols = rcols, .residual = j->residual, .left_outer = j->type == SQL_J_LEFT, .ttl_ms = 3600000,
                .pcol = j->asof};
  if (!strcmp(t->conn->name, "jdbc")) return jdbc_lookup(b, p, k, ls);
  const char *ttl = sql_table_option(t, "lookup.join.cache.ttl");
  if (ttl && !sql_parse_duration(ttl, &k->ttl_ms))
    return sql_build_fail(b, "table '%s': 'lookup.join.cache.ttl' is not a duration: '%s'", t->name, ttl), NULL;
  strom_schema *phys = strom_schema_new(), *keys = strom_schema_new();
  for (int i = 0; phys && i < t->ncols; i++)
    if (sql_schema_add(phys, t->cols[i].name, &t->cols[i].type)) strom_schema_free(phys), phys = NULL;
  char nm[16];
  for (int i = 0; keys && i < k->nkeys; i++) {
    snprintf(nm, sizeof nm, "k%d", i);
    if (sql_schema_add(keys, nm, &t->cols[rcols[i]].type)) strom_schema_free(keys), keys = NULL;
  }
  for (int i = 0; i < k->nkeys; i++) sql_expr_compile(k->lkeys[i]);
  k->phys = own_schema(b, phys);
  k->keys = own_schema(b, keys);
  const strom_schema *os = own_schema(b, sql_plan_schema(p));
  if (!k->phys || !k->keys || !os) return NULL;
  strom_process_def d = {.open = fs_open, .process = fs_process, .close = fs_close, .data = k, .out_schema = os};
  return strom_set_name(strom_process(ls, &d), "LookupJoin");
}
