/*
 * jdbc_batch.h -- the PostgreSQL sink's batch of changes: rows buffered as the text of
 * their values (in upsert mode one entry per primary key, the last change winning),
 * written as multi-row statements, and encoded into / decoded from checkpoints.
 */
#ifndef STROM_JDBC_BATCH_H
#define STROM_JDBC_BATCH_H

#include "pg_conn.h"

/* What a sink's statements look like: fixed when the sink is built. */
typedef struct strom_jdbc_stmts {
  const char *table;
  const strom_schema *schema;
  int ncols;
  const int *pk; /* upsert mode when npk > 0 */
  int npk;
  int max_rows;            /* the batch size whose statements are prepared */
  const char *insert_head; /* "INSERT INTO t (a, b) VALUES " */
  const char *insert_tail; /* " ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b" or "" */
  const char *delete_head; /* "DELETE FROM t WHERE (a) IN (" */
} strom_jdbc_stmts;

typedef struct strom_jdbc_change {
  uint32_t vals; /* index of the first of ncols value offsets in vals */
  bool del;      /* -D: delete by key */
  uint64_t hash; /* of the key bytes (upsert) */
  uint32_t key, klen; /* key bytes in the arena */
} strom_jdbc_change;

typedef struct strom_jdbc_batch {
  strom_jdbc_change *ch;
  int n, cap;
  uint32_t *vals; /* ncols offsets per change into the arena (UINT32_MAX: NULL) */
  size_t nvals, vals_cap;
  strom_buf arena;
  int *slots; /* upsert: open addressing, change index + 1 */
  int nslots;
} strom_jdbc_batch;

/* Per connection: scratch for statements, and which statements are prepared on it. */
typedef struct strom_jdbc_writer {
  strom_buf sql;
  const char **params;
  size_t params_cap;
  /* Connections made or reset so far (bump it on every new connection), and the one
   * on which the full-batch upsert [0] and delete [1] statements are prepared. */
  uint64_t conn_gen, prepared_on[2];
} strom_jdbc_writer;

/* Adds a change (+I/+U: upsert or insert; del: delete by key). */
int strom__jdbc_batch_add(strom_jdbc_batch *b, const strom_jdbc_stmts *s, const strom_row *row, bool del, char *err,
                          size_t errlen);
void strom__jdbc_batch_reset(strom_jdbc_batch *b);
void strom__jdbc_batch_free(strom_jdbc_batch *b);
/* Writes changes [*done, n) on c; *done advances past what was written, so a retry
 * goes on where a failure happened; *transient says whether a retry may help. */
int strom__jdbc_batch_write(const strom_jdbc_batch *b, const strom_jdbc_stmts *s, strom_jdbc_writer *w, PGconn *c,
                            int *done, bool *transient, char *err, size_t errlen);
/* Appends the batch to out; decoding adds the changes for which keep(arg, row) is true
 * (all when keep is NULL) to b and advances *p. */
int strom__jdbc_batch_encode(const strom_jdbc_batch *b, const strom_jdbc_stmts *s, strom_buf *out);
int strom__jdbc_batch_decode(strom_jdbc_batch *b, const strom_jdbc_stmts *s, const uint8_t **p, const uint8_t *end,
                             bool (*keep)(void *arg, const strom_row *row), void *arg, char *err, size_t errlen);
void strom__jdbc_writer_free(strom_jdbc_writer *w);

#endif
