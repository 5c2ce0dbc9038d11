/*
 * jdbc_lookup.c -- the lookup join against a PostgreSQL table (Flink's JDBC lookup
 * source in a processing-time temporal join).
 *
 * For each input row the operator looks up the table's rows whose key columns equal
 * the row's key values, with one prepared statement per subtask, and emits the input
 * columns followed by the fetched columns for every match (or once with NULLs, for a
 * left outer join without a match).  A cache of lookup.cache.max-rows keys keeps each
 * key's result, matches or none (Flink caches misses too), for lookup.cache.ttl of
 * processing time from when it was fetched (expire after write); when full, the
 * least recently used entry goes first (Flink's LRU lookup cache), so a hot key
 * stays cached while one-off keys pass through.  Transient failures reconnect and retry up to
 * lookup.max-retries times.
 */
#include "../api/api.h"
#include "pg_conn.h"

typedef struct lookup_conf {
  strom_pg_target t;
  strom_schema *table_schema;
  int *in_keys, nkeys;
  bool left_outer;
  int64_t cache_rows, ttl_ms;
  int max_retries;
  char *sql; /* SELECT cols FROM t WHERE k1 = $1 AND ... */
  strom_jdbc_lookup_cond cond; /* keeps a joined row, or NULL */
  void *cond_data;
} lookup_conf;

typedef struct entry {
  uint8_t *key;
  size_t klen;
  uint64_t hash;
  int64_t fetched;
  strom_row **rows;
  int nrows;
  struct entry *next_in_slot, *older, *newer;
} entry;

typedef struct lookup_state {
  PGconn *c;
  entry **slots;
  size_t nslots, n;
  entry *oldest, *newest; /* the recency list: oldest is the least recently used */
  uint8_t keybuf[256];
  strom_buf vals;
  char err[1024];
} lookup_state;

static void entry_free(entry *e) {
  for (int i = 0; i < e->nrows; i++) strom_row_free(e->rows[i]);
  free(e->rows);
  free(e->key);
  free(e);
}

static void unlink_recency(lookup_state *st, entry *e) {
  if (e->older) e->older->newer = e->newer;
  else st->oldest = e->newer;
  if (e->newer) e->newer->older = e->older;
  else st->newest = e->older;
  e->older = e->newer = NULL;
}

static void link_newest(lookup_state *st, entry *e) {
  e->older = st->newest;
  e->newer = NULL;
  if (st->newest) st->newest->newer = e;
  else st->oldest = e;
  st->newest = e;
}

static void cache_remove(lookup_state *st, entry *e) {
  entry **p = &st->slots[e->hash & (st->nslots - 1)];
  while (*p != e) p = &(*p)->next_in_slot;
  *p = e->next_in_slot;
  unlink_recency(st, e);
  st->n--;
  entry_free(e);
}

static entry *cache_find(lookup_state *st, uint64_t hash, const uint8_t *key, size_t klen) {
  if (!st->nslots) return NULL;
  for (entry *e = st->slots[hash & (st->nslots - 1)]; e; e = e->next_in_slot)
    if (e->hash == hash && e->klen == klen && !memcmp(e->key, key, klen)) return e;
  return NULL;
}

static int connect_db(strom_op *op) {
  lookup_conf *c = op->conf;
  lookup_state *st = op->state;
  if (st->c && PQstatus(st->c) == CONNECTION_OK) return STROM_OK;
  PQfinish(st->c);
  st->c = strom__pg_connect(&c->t, "lookup", st->err, sizeof st->err);
  if (!st->c) return STROM_ENET;
  PGresult *r = PQprepare(st->c, "strom_lookup", c->sql, c->nkeys, NULL);
  bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) strom__pg_error(st->err, sizeof st->err, c->t.table, st->c, r);
  PQclear(r);
  return ok ? STROM_OK : STROM_EINVAL;
}

/* Queries the table for in's key: the result's rows into e. */
static int fetch(strom_op *op, const strom_row *in, entry *e) {
  lookup_conf *c = op->conf;
  lookup_state *st = op->state;
  const char *params[64];
  size_t offs[64];
  st->vals.len = 0;
  for (int k = 0; k < c->nkeys; k++) {
    offs[k] = st->vals.len;
    if (strom__format_value(&st->vals, in, c->in_keys[k], false) || strom__buf_append(&st->vals, "", 1))
      return STROM_ENOMEM;
  }
  for (int k = 0; k < c->nkeys; k++) params[k] = strom_row_is_null(in, c->in_keys[k]) ? NULL : st->vals.p + offs[k];
  for (int attempt = 0;; attempt++) {
    int rc = connect_db(op);
    PGresult *r = NULL;
    bool transient = rc == STROM_ENET;
    if (!rc) {
      r = PQexecPrepared(st->c, "strom_lookup", c->nkeys, params, NULL, NULL, 0);
      if (r && PQresultStatus(r) == PGRES_TUPLES_OK) {
        int n = PQntuples(r), ncols = strom_schema_ncols(c->table_schema);
        e->rows = n ? strom__calloc((size_t)n, sizeof *e->rows) : NULL;
        if (n && !e->rows) rc = STROM_ENOMEM;
        for (int i = 0; !rc && i < n; i++) {
          if (!(e->rows[i] = strom_row_new(c->table_schema))) rc = STROM_ENOMEM;
          else e->nrows++;
          for (int k = 0; !rc && k < ncols; k++) {
            if (PQgetisnull(r, i, k)) continue;
            char why[256];
            if (strom__pg_parse_value(e->rows[i], k, PQgetvalue(r, i, k), (size_t)PQgetlength(r, i, k), why, sizeof why)) {
              snprintf(st->err, sizeof st->err, "table '%s', column %s: %s", c->t.table,
                       strom_schema_col_name(c->table_schema, k), why);
              rc = STROM_EPARSE;
            }
          }
        }
        PQclear(r);
        return rc;
      }
      transient = strom__pg_transient(st->c, r);
      strom__pg_error(st->err, sizeof st->err, c->t.table, st->c, r);
      PQclear(r);
      rc = STROM_EIO;
    }
    if (!transient || attempt >= c->max_retries) return rc;
    strom__pg_backoff(attempt);
  }
}

/* The cached (or freshly fetched) result for in's key. */
static int lookup(strom_op *op, const strom_row *in, entry **out, bool *owned) {
  lookup_conf *c = op->conf;
  lookup_state *st = op->state;
  size_t klen = strom__key_bytes(in, c->in_keys, c->nkeys, st->keybuf, sizeof st->keybuf);
  bool cacheable = c->cache_rows > 0 && klen <= sizeof st->keybuf;
  uint64_t hash = cacheable ? strom__hash_bytes(st->keybuf, klen) : 0;
  int64_t now = strom__job_now(op->task->job);
  entry *e = cacheable ? cache_find(st, hash, st->keybuf, klen) : NULL;
  if (e && (c->ttl_ms <= 0 || now - e->fetched < c->ttl_ms)) {
    if (e != st->newest) {
      unlink_recency(st, e);
      link_newest(st, e);
    }
    *out = e, *owned = false;
    return STROM_OK;
  }
  if (e) cache_remove(st, e);
  if (!(e = strom__calloc(1, sizeof *e))) return STROM_ENOMEM;
  int rc = fetch(op, in, e);
  if (rc || !cacheable) {
    *out = e, *owned = true;
    return rc;
  }
  if (!(e->key = strom__malloc(klen))) {
    *out = e, *owned = true;
    return STROM_OK;
  }
  memcpy(e->key, st->keybuf, klen);
  e->klen = klen;
  e->hash = hash;
  e->fetched = now;
  if ((int64_t)st->n >= c->cache_rows && st->oldest) cache_remove(st, st->oldest);
  if (!st->nslots) {
    size_t n = 64;
    while ((int64_t)n < c->cache_rows && n < ((size_t)1 << 24)) n *= 2;
    if (!(st->slots = strom__calloc(n, sizeof *st->slots))) {
      *out = e, *owned = true;
      return STROM_OK;
    }
    st->nslots = n;
  }
  entry **slot = &st->slots[hash & (st->nslots - 1)];
  e->next_in_slot = *slot;
  *slot = e;
  link_newest(st, e);
  st->n++;
  *out = e, *owned = false;
  return STROM_OK;
}

/* Copies column from of src into column to of dst (same type; strings referenced). */
static void copy_col(strom_row *dst, int to, const strom_row *src, int from) {
  if (strom_row_is_null(src, from)) {
    strom_row_set_null(dst, to);
    return;
  }
  switch (strom_schema_col_type(strom_row_schema(src), from)) {
    case STROM_BOOLEAN: strom_row_set_bool(dst, to, strom_row_get_bool(src, from)); break;
    case STROM_INT: strom_row_set_int(dst, to, strom_row_get_int(src, from)); break;
    case STROM_BIGINT: strom_row_set_bigint(dst, to, strom_row_get_bigint(src, from)); break;
    case STROM_DOUBLE: strom_row_set_double(dst, to, strom_row_get_double(src, from)); break;
    case STROM_DECIMAL: {
      int64_t hi;
      uint64_t lo;
      strom_row_get_decimal128(src, from, &hi, &lo);
      strom_row_set_decimal128(dst, to, hi, lo);
      break;
    }
    case STROM_TIMESTAMP:
      strom_row_set_timestamp_nanos(dst, to, strom_row_get_timestamp(src, from), strom_row_get_timestamp_nanos(src, from));
      break;
    case STROM_VARCHAR: {
      size_t n;
      const char *s = strom_row_get_str(src, from, &n);
      strom_row_set_str_ref(dst, to, s, n);
      break;
    }
  }
}

static int emit_joined(strom_op *op, const strom_row *in, const strom_row *match) {
  lookup_conf *c = op->conf;
  strom_row *o = op->out.scratch;
  strom__row_reset(o);
  int nin = strom_schema_ncols(strom_row_schema(in)), nt = strom_schema_ncols(c->table_schema);
  for (int i = 0; i < nin; i++) copy_col(o, i, in, i);
  for (int i = 0; match && i < nt; i++) copy_col(o, nin + i, match, i);
  strom_row_set_kind(o, strom_row_get_kind(in));
  strom_row_set_time(o, strom_row_time(in));
  if (match && c->cond) {
    lookup_state *st = op->state;
    st->err[0] = 0;
    int keep = c->cond(o, c->cond_data, st->err, sizeof st->err);
    if (keep < 0) return strom__op_fail(op, STROM_EUSER, "%s", st->err[0] ? st->err : "join condition failed");
    if (!keep) return 1; /* not kept: the caller pads the row if nothing was */
  }
  return strom__emit(&op->out, o);
}

static int lookup_process(strom_op *op, int input, const strom_row *in) {
  STROM_UNUSED(input);
  lookup_conf *c = op->conf;
  lookup_state *st = op->state;
  entry *e = NULL;
  bool owned = false;
  int rc = lookup(op, in, &e, &owned);
  if (rc) {
    if (owned && e) entry_free(e);
    return strom__op_fail(op, rc, "%s", rc == STROM_ENOMEM ? "out of memory" : st->err);
  }
  int kept = 0;
  for (int i = 0; rc >= 0 && i < e->nrows; i++)
    if (!(rc = emit_joined(op, in, e->rows[i]))) kept++;
  if (rc > 0) rc = STROM_OK; /* the last match was not kept */
  if (!rc && !kept && c->left_outer) rc = emit_joined(op, in, NULL);
  if (owned) entry_free(e);
  return rc;
}

static int lookup_open(strom_op *op) {
  lookup_state *st = strom__calloc(1, sizeof *st);
  if (!st) return STROM_ENOMEM;
  op->state = st;
  int rc = connect_db(op);
  return rc ? strom__op_fail(op, rc, "%s", st->err) : STROM_OK;
}

static void lookup_close(strom_op *op) {
  lookup_state *st = op->state;
  if (!st) return;
  while (st->oldest) cache_remove(st, st->oldest);
  free(st->slots);
  PQfinish(st->c);
  strom__buf_free(&st->vals);
  free(st);
}

static void lookup_conf_free(void *p) {
  lookup_conf *c = p;
  strom__pg_target_free(&c->t);
  strom_schema_free(c->table_schema);
  free(c->in_keys);
  free(c->sql);
  free(c);
}

static const strom_op_vt lookup_vt = {.kind = "JDBC Lookup Join",
                                      .open = lookup_open,
                                      .process = lookup_process,
                                      .close = lookup_close,
                                      .free_conf = lookup_conf_free};

strom_stream *strom_jdbc_lookup_join(strom_stream *in, const char *in_keys, const strom_schema *table_schema,
                                     const char *table_keys, bool left_outer, const strom_jdbc_opts *o) {
  return strom_jdbc_lookup_join_where(in, in_keys, table_schema, table_keys, left_outer, o, NULL, NULL);
}

strom_stream *strom_jdbc_lookup_join_where(strom_stream *in, const char *in_keys, const strom_schema *table_schema,
                                           const char *table_keys, bool left_outer, const strom_jdbc_opts *o,
                                           strom_jdbc_lookup_cond cond, void *cond_data) {
  if (!in) return NULL;
  char err[512] = "out of memory";
  if (!table_schema || !o) return strom__env_error(in->env, STROM_EINVAL, "jdbc lookup join: table schema and options are required");
  lookup_conf *c = strom__calloc(1, sizeof *c);
  if (!c) return strom__env_error(in->env, STROM_ENOMEM, "out of memory");
  c->table_schema = strom__schema_ref(table_schema);
  int rc = strom__pg_target_init(&c->t, o, err, sizeof err), ntk = 0;
  int *tk = NULL;
  if (!rc && (!(c->in_keys = strom__pg_cols(in->schema, in_keys, &c->nkeys, err, sizeof err)) ||
              !(tk = strom__pg_cols(table_schema, table_keys, &ntk, err, sizeof err))))
    rc = STROM_EINVAL;
  if (!rc && (ntk != c->nkeys || c->nkeys > 64)) {
    snprintf(err, sizeof err, "%d input key columns for %d table key columns", c->nkeys, ntk);
    rc = STROM_EINVAL;
  }
  for (int k = 0; !rc && k < ntk; k++)
    if (strom_schema_col_type(in->schema, c->in_keys[k]) != strom_schema_col_type(table_schema, tk[k])) {
      snprintf(err, sizeof err, "key column %s and table column %s differ in type",
               strom_schema_col_name(in->schema, c->in_keys[k]), strom_schema_col_name(table_schema, tk[k]));
      rc = STROM_ETYPE;
    }
  strom_buf q = {0};
  if (!rc) {
    rc = strom__buf_printf(&q, "SELECT ");
    if (!rc) rc = strom__pg_col_list(&q, table_schema, NULL);
    if (!rc) rc = strom__buf_printf(&q, " FROM %s WHERE ", c->t.table);
    for (int k = 0; !rc && k < ntk; k++)
      rc = strom__buf_printf(&q, "%s%s = $%d", k ? " AND " : "", strom_schema_col_name(table_schema, tk[k]), k + 1);
    if (!rc && !(c->sql = strom__strndup(q.p, q.len))) rc = STROM_ENOMEM;
    if (rc == STROM_ENOMEM) snprintf(err, sizeof err, "out of memory");
  }
  strom__buf_free(&q);
  free(tk);
  /* The output: in's columns, then the table's. */
  strom_schema *out = NULL;
  if (!rc && !(out = strom_schema_new())) rc = STROM_ENOMEM;
  const strom_schema *parts[2] = {in->schema, table_schema};
  for (int p = 0; !rc && p < 2; p++)
    for (int i = 0; !rc && i < strom_schema_ncols(parts[p]); i++) {
      const char *name = strom_schema_col_name(parts[p], i);
      if (strom_schema_find(out, name) >= 0) {
        snprintf(err, sizeof err, "column '%s' is both in the input and in the table's columns", name);
        rc = STROM_EINVAL;
      } else if (strom_schema_col_type(parts[p], i) == STROM_DECIMAL) {
        rc = strom_schema_add_decimal(out, name, strom_schema_col_precision(parts[p], i), strom_schema_col_scale(parts[p], i));
      } else {
        rc = strom__schema_add_col(out, name, &parts[p]->cols[i]);
      }
    }
  if (rc) {
    strom_schema_free(out);
    lookup_conf_free(c);
    return strom__env_error(in->env, rc, "jdbc lookup join: %s", err);
  }
  c->left_outer = left_outer;
  c->cond = cond, c->cond_data = cond_data;
  c->cache_rows = o->cache_max_rows;
  c->ttl_ms = o->cache_ttl_ms;
  c->max_retries = o->lookup_max_retries < 0 ? 0 : o->lookup_max_retries;
  strom_stream *s = strom__add_node(in->env, in, "JDBC Lookup Join", &lookup_vt, c, out);
  strom_schema_free(out);
  return s;
}
