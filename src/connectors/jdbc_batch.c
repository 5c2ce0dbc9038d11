/*
 * jdbc_batch.c -- the PostgreSQL sink's batch: changes buffered as the text of their
 * values, written as multi-row statements, and carried in checkpoints.
 *
 * In upsert mode the batch keeps only the last change of each key (as Flink's reduced
 * buffer), so writing it is one INSERT ... ON CONFLICT (pk) DO UPDATE for the upserts
 * and one DELETE for the deletions, on disjoint keys, whose order does not matter.
 * Statements carry at most 65535 parameters (PostgreSQL's limit); statements of the
 * configured batch size are prepared once per connection, which spares the server
 * parsing and planning them every time.
 */
#include "jdbc_batch.h"

#include "../runtime/snapshot.h"

enum { MAX_PARAMS = 65535, NO_VALUE = UINT32_MAX, MAX_KEY = 256 };

static int grow_slots(strom_jdbc_batch *b) {
  int n = b->nslots ? b->nslots * 2 : 256;
  int *s = strom__calloc((size_t)n, sizeof *s);
  if (!s) return STROM_ENOMEM;
  for (int i = 0; i < b->n; i++) {
    size_t j = b->ch[i].hash & (size_t)(n - 1);
    while (s[j]) j = (j + 1) & (size_t)(n - 1);
    s[j] = i + 1;
  }
  free(b->slots);
  b->slots = s;
  b->nslots = n;
  return STROM_OK;
}

void strom__jdbc_batch_reset(strom_jdbc_batch *b) {
  b->n = 0;
  b->nvals = 0;
  b->arena.len = 0;
  if (b->slots) memset(b->slots, 0, (size_t)b->nslots * sizeof *b->slots);
}

void strom__jdbc_batch_free(strom_jdbc_batch *b) {
  free(b->ch);
  free(b->vals);
  free(b->slots);
  strom__buf_free(&b->arena);
  memset(b, 0, sizeof *b);
}

void strom__jdbc_writer_free(strom_jdbc_writer *w) {
  strom__buf_free(&w->sql);
  free(w->params);
  w->params = NULL;
  w->params_cap = 0;
}

/* Appends the text of row's values to the arena; *first receives the index of its
 * ncols offsets. */
static int put_values(strom_jdbc_batch *b, const strom_jdbc_stmts *s, const strom_row *row, uint32_t *first, char *err,
                      size_t errlen) {
  if (b->nvals + (size_t)s->ncols > b->vals_cap) {
    size_t cap = b->vals_cap ? b->vals_cap * 2 : 1024;
    while (cap < b->nvals + (size_t)s->ncols) cap *= 2;
    uint32_t *v = strom__realloc(b->vals, cap * sizeof *v);
    if (!v) return STROM_ENOMEM;
    b->vals = v;
    b->vals_cap = cap;
  }
  *first = (uint32_t)b->nvals;
  for (int i = 0; i < s->ncols; i++) {
    if (strom_row_is_null(row, i)) {
      b->vals[b->nvals++] = NO_VALUE;
      continue;
    }
    if (strom_schema_col_type(s->schema, i) == STROM_VARCHAR) {
      size_t n;
      const char *str = strom_row_get_str(row, i, &n);
      if (memchr(str, 0, n)) {
        snprintf(err, errlen, "table '%s', column %s: PostgreSQL text cannot hold a NUL byte", s->table,
                 strom_schema_col_name(s->schema, i));
        return STROM_EINVAL;
      }
    }
    if (b->arena.len > UINT32_MAX / 2) return STROM_ENOMEM;
    b->vals[b->nvals++] = (uint32_t)b->arena.len;
    if (strom__format_value(&b->arena, row, i, false) || strom__buf_append(&b->arena, "", 1)) return STROM_ENOMEM;
  }
  return STROM_OK;
}

int strom__jdbc_batch_add(strom_jdbc_batch *b, const strom_jdbc_stmts *s, const strom_row *row, bool del, char *err,
                          size_t errlen) {
  uint8_t key[MAX_KEY];
  int at = -1;
  uint64_t hash = 0;
  size_t klen = 0;
  if (s->npk) {
    klen = strom__key_bytes(row, s->pk, s->npk, key, sizeof key);
    if (klen > sizeof key) {
      snprintf(err, errlen, "table '%s': primary key longer than %d bytes", s->table, MAX_KEY);
      return STROM_EINVAL;
    }
    hash = strom__hash_bytes(key, klen);
    if ((b->n + 1) * 2 > b->nslots && grow_slots(b)) return STROM_ENOMEM;
    size_t j = hash & (size_t)(b->nslots - 1);
    for (; b->slots[j]; j = (j + 1) & (size_t)(b->nslots - 1)) {
      strom_jdbc_change *e = &b->ch[b->slots[j] - 1];
      if (e->hash == hash && e->klen == klen && !memcmp(b->arena.p + e->key, key, klen)) {
        at = b->slots[j] - 1;
        break;
      }
    }
    if (at < 0) b->slots[j] = b->n + 1;
  }
  if (at < 0) {
    if (b->n == b->cap) {
      int cap = b->cap ? b->cap * 2 : 256;
      strom_jdbc_change *ch = strom__realloc(b->ch, (size_t)cap * sizeof *ch);
      if (!ch) return STROM_ENOMEM;
      b->ch = ch;
      b->cap = cap;
    }
    at = b->n++;
    b->ch[at] = (strom_jdbc_change){.hash = hash, .klen = (uint32_t)klen, .key = (uint32_t)b->arena.len};
    if (klen && strom__buf_append(&b->arena, key, klen)) return STROM_ENOMEM;
  }
  b->ch[at].del = del;
  int rc = put_values(b, s, row, &b->ch[at].vals, err, errlen);
  if (rc == STROM_ENOMEM) snprintf(err, errlen, "out of memory");
  return rc;
}

/* ---- writing ---- */

static int reserve_params(strom_jdbc_writer *w, size_t n) {
  if (n <= w->params_cap) return STROM_OK;
  const char **p = strom__realloc(w->params, n * sizeof *p);
  if (!p) return STROM_ENOMEM;
  w->params = p;
  w->params_cap = n;
  return STROM_OK;
}

/* The text of a statement for `rows` rows of kind del into w->sql (NUL-terminated). */
static int statement_text(const strom_jdbc_stmts *s, strom_jdbc_writer *w, bool del, int rows) {
  int per_row = del ? s->npk : s->ncols;
  w->sql.len = 0;
  int rc = strom__buf_printf(&w->sql, "%s", del ? s->delete_head : s->insert_head);
  size_t np = 0;
  for (int i = 0; !rc && i < rows; i++) {
    rc = strom__buf_append(&w->sql, i ? ",(" : "(", i ? 2 : 1);
    for (int k = 0; !rc && k < per_row; k++) rc = strom__buf_printf(&w->sql, "%s$%zu", k ? "," : "", ++np);
    if (!rc) rc = strom__buf_append(&w->sql, ")", 1);
  }
  if (!rc) rc = strom__buf_printf(&w->sql, "%s", del ? ")" : s->insert_tail);
  return rc ? rc : strom__buf_append(&w->sql, "", 1);
}

/* One statement over changes [from, to) of kind del. */
static int run_statement(const strom_jdbc_batch *b, const strom_jdbc_stmts *s, strom_jdbc_writer *w, PGconn *c, bool del,
                         int from, int to, bool *transient, char *err, size_t errlen) {
  int per_row = del ? s->npk : s->ncols;
  size_t np = 0;
  int rows = 0;
  for (int i = from; i < to; i++) {
    const strom_jdbc_change *e = &b->ch[i];
    if (e->del != del) continue;
    if (reserve_params(w, np + (size_t)per_row)) return STROM_ENOMEM;
    rows++;
    for (int k = 0; k < per_row; k++) {
      uint32_t off = b->vals[e->vals + (del ? (uint32_t)s->pk[k] : (uint32_t)k)];
      w->params[np++] = off == NO_VALUE ? NULL : b->arena.p + off;
    }
  }
  if (!rows) return STROM_OK;
  PGresult *r;
  const char *name = del ? "strom_delete" : "strom_upsert";
  bool full = rows == s->max_rows;
  if (full && w->prepared_on[del] != w->conn_gen) {
    int rc = statement_text(s, w, del, rows);
    if (rc) return rc;
    r = PQprepare(c, name, w->sql.p, (int)np, NULL);
    if (r && PQresultStatus(r) == PGRES_COMMAND_OK) w->prepared_on[del] = w->conn_gen;
    PQclear(r);
  }
  if (full && w->prepared_on[del] == w->conn_gen) {
    r = PQexecPrepared(c, name, (int)np, w->params, NULL, NULL, 0);
  } else {
    int rc = statement_text(s, w, del, rows);
    if (rc) return rc;
    r = PQexecParams(c, w->sql.p, (int)np, NULL, w->params, NULL, NULL, 0);
  }
  if (r && PQresultStatus(r) == PGRES_COMMAND_OK) {
    PQclear(r);
    return STROM_OK;
  }
  *transient = strom__pg_transient(c, r);
  strom__pg_error(err, errlen, s->table, c, r);
  PQclear(r);
  return STROM_EIO;
}

int strom__jdbc_batch_write(const strom_jdbc_batch *b, const strom_jdbc_stmts *s, strom_jdbc_writer *w, PGconn *c,
                            int *done, bool *transient, char *err, size_t errlen) {
  int step = MAX_PARAMS / s->ncols;
  while (*done < b->n) {
    int to = *done + step < b->n ? *done + step : b->n;
    int rc = run_statement(b, s, w, c, false, *done, to, transient, err, errlen);
    if (!rc && s->npk) rc = run_statement(b, s, w, c, true, *done, to, transient, err, errlen);
    if (rc == STROM_ENOMEM) snprintf(err, errlen, "out of memory");
    if (rc) return rc;
    *done = to;
  }
  return STROM_OK;
}

/* ---- in checkpoints: the count, then per change its kind and each value (a flag
 * byte, 1 = present, then the text) ---- */

int strom__jdbc_batch_encode(const strom_jdbc_batch *b, const strom_jdbc_stmts *s, strom_buf *out) {
  int rc = strom__put_varint(out, (uint64_t)b->n);
  for (int i = 0; !rc && i < b->n; i++) {
    rc = strom__buf_append(out, b->ch[i].del ? "\1" : "\0", 1);
    for (int k = 0; !rc && k < s->ncols; k++) {
      uint32_t off = b->vals[b->ch[i].vals + (uint32_t)k];
      if (off == NO_VALUE) rc = strom__buf_append(out, "\0", 1);
      else if (!(rc = strom__buf_append(out, "\1", 1)))
        rc = strom__put_bytes(out, b->arena.p + off, strlen(b->arena.p + off));
    }
  }
  return rc;
}

int strom__jdbc_batch_decode(strom_jdbc_batch *b, const strom_jdbc_stmts *s, const uint8_t **p, const uint8_t *end,
                             bool (*keep)(void *arg, const strom_row *row), void *arg, char *err, size_t errlen) {
  uint64_t n;
  if (!strom__get_varint(p, end, &n) || n > (uint64_t)(end - *p)) goto malformed;
  strom_row *row = strom_row_new(s->schema);
  if (!row) return STROM_ENOMEM;
  int rc = STROM_OK;
  for (uint64_t i = 0; !rc && i < n; i++) {
    strom_row_clear(row);
    if (*p >= end || **p > 1) {
      rc = STROM_EPARSE;
      break;
    }
    bool del = *(*p)++;
    for (int k = 0; !rc && k < s->ncols; k++) {
      const uint8_t *v;
      size_t len;
      if (*p >= end || **p > 1) rc = STROM_EPARSE;
      else if (*(*p)++ == 0) continue;
      else if (!strom__get_bytes(p, end, &v, &len)) rc = STROM_EPARSE;
      else if (strom__pg_parse_value(row, k, (const char *)v, len, err, errlen)) rc = STROM_EPARSE;
    }
    if (!rc && (!keep || keep(arg, row))) rc = strom__jdbc_batch_add(b, s, row, del, err, errlen);
  }
  strom_row_free(row);
  if (rc != STROM_EPARSE) return rc;
malformed:
  snprintf(err, errlen, "table '%s': malformed batch in the checkpoint", s->table);
  return STROM_EPARSE;
}
