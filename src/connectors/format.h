/*
 * format.h -- record formats: the bytes of a Kafka record's key or value to columns of
 * a row, and back.  A format instance covers some columns of a row (all of them for a
 * value, the key.fields for a key); decoding sets only those columns.  json, csv and
 * raw are implemented (format_json.c, format_raw.c, format_csv.c); format.c
 * dispatches.
 */
#ifndef STROM_FORMAT_H
#define STROM_FORMAT_H

#include "../core/core.h"
#include "strom/kafka.h"

typedef struct strom_format {
  strom_format_opts o;
  const strom_schema *schema; /* of the whole row */
  int *cols, ncols;           /* the columns this format covers, in order */
  strom_row *scratch;         /* csv: a row of just the covered columns */
  strom_buf tmp;
  const uint8_t *raw_json;    /* json encoding: per covered column, 1 = the VARCHAR holds JSON
                               * text to embed as is (SQL ARRAY/MAP columns); NULL = none */
  bool row_markers;           /* json: some covered column is a SQL ROW's null marker "p.$" */
  struct strom__regex *db_re, *table_re; /* canal-json's database.include / table.include */
  void *re_work;
  strom_row **extra;          /* changelog rows past the caller's two (canal-json's batches) */
  int nextra;
  uint8_t *avro_col;          /* avro: per covered column, AVRO_* flags (format_avro.c) */
} strom_format;

/* Sets up f over the columns named in fields ("a;b" or "a,b"; NULL: every column).
 * On error writes why to err. */
int strom__format_init(strom_format *f, const strom_format_opts *o, const strom_schema *s, const char *fields,
                       char *err, size_t errlen);
void strom__format_free(strom_format *f);
/* Decodes p[0..n) into f's columns of r (strings copied into r).  p == NULL is a
 * Kafka null (tombstone): every covered column becomes NULL.  STROM_EPARSE with err. */
int strom__format_decode(strom_format *f, const char *p, size_t n, strom_row *r, char *err, size_t errlen);
/* The same for formats that may give several rows per record (debezium-json: an update
 * is -U then +U): rows go to r1 then r2 (same schema), *nrows says how many (0 for a
 * record that stands for no row, such as a Kafka tombstone after a delete). */
int strom__format_decode_changes(strom_format *f, const char *p, size_t n, strom_row *r1, strom_row *r2, int *nrows,
                                 char *err, size_t errlen);
/* Row i of a strom__format_decode_changes result: r1, r2, then rows f owns (NULL: no
 * memory).  Decoders take each row they fill with _new_row (which clears f's rows). */
strom_row *strom__format_row_at(strom_format *f, int i, strom_row *r1, strom_row *r2);
strom_row *strom__format_new_row(strom_format *f, int i, strom_row *r1, strom_row *r2);
/* Copies column i of src into column c of dst (same type). */
int strom__format_copy_col(strom_row *dst, int c, const strom_row *src, int i);
/* Whether the Java regex re matches all of s[0..n). */
bool strom__format_matches(strom_format *f, const struct strom__regex *re, const char *s, size_t n);
/* Appends the encoding of f's columns of r to b. */
int strom__format_encode(strom_format *f, const strom_row *r, strom_buf *b);

/* json (format_json.c) over the given columns. */
int strom__json_decode(const strom_format *f, const char *p, size_t n, strom_row *r, strom_buf *tmp, char *err,
                       size_t errlen);
int strom__json_encode(const strom_format *f, const strom_row *r, strom_buf *b);
/* Parses a whole JSON text without building anything; 0 if it is well formed.  For
 * the fuzz target and tests. */
int strom__json_validate(const char *p, size_t n);
/* In the JSON object p[0..n): the value of member name (its bytes: *vp, length *vn), 1 if found,
 * 0 if absent, STROM_EPARSE (with err) if the text is not an object. */
int strom__json_member(const char *p, size_t n, const char *name, const char **vp, size_t *vn, char *err,
                       size_t errlen);

/* In the JSON array p[0..n): the next element (*pos starts at 0 and is advanced), its
 * bytes *vp, length *vn; 1 if there is one, 0 at the end, STROM_EPARSE (with err) if the
 * text is not an array.  Expects text strom__json_member has already checked. */
int strom__json_element(const char *p, size_t n, size_t *pos, const char **vp, size_t *vn, char *err, size_t errlen);
/* The JSON string s[0..n) (with its quotes) unescaped into out; STROM_EPARSE if it is not one. */
int strom__json_string(const char *s, size_t n, strom_buf *out);

/* canal-json (format_canal.c), maxwell-json (format_maxwell.c): rows through
 * strom__format_row_at; nrows 0 for a record that is skipped (filtered out, DDL). */
int strom__canal_decode(strom_format *f, const char *p, size_t n, strom_row *r1, strom_row *r2, int *nrows, char *err,
                        size_t errlen);
int strom__canal_encode(const strom_format *f, const strom_row *r, strom_buf *b);
int strom__maxwell_decode(strom_format *f, const char *p, size_t n, strom_row *r1, strom_row *r2, int *nrows,
                          char *err, size_t errlen);
int strom__maxwell_encode(const strom_format *f, const strom_row *r, strom_buf *b);
/* The changelog formats' update: before (decoded from old, an object of only the changed
 * fields) takes the fields old lacks from after, as Flink fills them. */
int strom__cdc_fill_before(const strom_format *f, const char *old, size_t oldn, strom_row *before,
                           const strom_row *after);
/* The changelog formats' metadata (format_cdc_meta.c): key n bytes long of format fmt
 * (Flink's name without 'value.'), its index or -1; the column type it fills (and the
 * SQL type Flink declares); the keys of fmt appended to b as "value.k, ..."; and
 * column col of row set from message p[0..n) (NULL: a tombstone, NULL). */
int strom__cdc_meta_find(strom_format_kind fmt, const char *key, size_t n);
strom_type_id strom__cdc_meta_type(int i, const char **sql_type);
int strom__cdc_meta_list(strom_format_kind fmt, strom_buf *b);
int strom__cdc_meta_set(int i, const char *p, size_t n, strom_row *row, int col, strom_buf *tmp);

/* avro (format_avro.c): init checks the columns have an Avro type (err names the one that
 * has not) and reads the NOT NULL list. */
int strom__avro_init(strom_format *f, char *err, size_t errlen);
int strom__avro_decode(const strom_format *f, const char *p, size_t n, strom_row *r, char *err, size_t errlen);
int strom__avro_encode(const strom_format *f, const strom_row *r, strom_buf *b, char *err, size_t errlen);

/* debezium-json (format_debezium.c). */
int strom__debezium_decode(const strom_format *f, const char *p, size_t n, strom_row *r1, strom_row *r2, int *nrows,
                           strom_buf *tmp, char *err, size_t errlen);
int strom__debezium_encode(const strom_format *f, const strom_row *r, strom_buf *b);

/* strom_write_files for a stream of one VARCHAR column, each row written as it is on
 * its own line (formats that encode a row into text themselves: json lines). */
int strom__write_text_files(strom_stream *in, const char *dir, const strom_file_sink_opts *opts);

#endif
