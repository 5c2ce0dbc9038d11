/*
 * types_io.c -- how columns of the SQL-only types (DATE, TIME, INTERVAL, ARRAY, MAP)
 * cross a connector.  The connectors and formats know the row model's seven types
 * only, so such a column is read and written as its text (Flink's CAST to STRING form:
 * 2021-03-04, 10:11:12, [1, 2], {a=1}; ARRAY and MAP as JSON for the filesystem json
 * format, which embeds it) and converted right after the source and right
 * before the sink by a projection of CASTs.  Tables without such columns pay nothing.
 * A FLOAT, TINYINT or SMALLINT column crosses as DOUBLE / INT and is narrowed on the way
 * in (types_narrow.c).
 */
#include "sql_int.h"

static bool has_text_io(const sql_table *t) {
  for (int i = 0; i < t->ncols; i++)
    if (!t->cols[i].computed && (t->cols[i].type.kind || t->cols[i].type.narrow)) return true;
  return false;
}

int sql_schema_add_io(strom_schema *s, const char *name, const sql_type *t) {
  if (t->kind) return strom_schema_add(s, name, STROM_VARCHAR);
  return sql_schema_add(s, name, t);
}

/* A projection of casts between the physical (text) and the SQL types of t's
 * physical columns; decode: text -> SQL. */
static strom_stream *convert(sql_build *b, const sql_table *t, strom_stream *in, bool decode) {
  if (!in || !has_text_io(t)) return in;
  /* a source gives every non-computed column; a sink takes the written ones */
#define CROSSES(c) (decode ? !(c)->computed : sql_col_written(c))
  int n = 0;
  for (int i = 0; i < t->ncols; i++) n += CROSSES(&t->cols[i]);
  sql_expr **ex = sql_arena_alloc(&b->arena, sizeof *ex * (size_t)n);
  strom_schema *out = strom_schema_new();
  if (!ex || !out) return strom_schema_free(out), NULL;
  static const sql_type text = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX};
  const char *fmt = sql_table_option(t, "format");
  bool json = fmt && !strcmp(fmt, "json") && !strcmp(t->conn->name, "filesystem"); /* its writer embeds JSON */
  int k = 0;
  for (int i = 0; i < t->ncols; i++) {
    const sql_table_col *c = &t->cols[i];
    if (!CROSSES(c)) continue;
    sql_type from = c->type.kind && decode ? text : c->type, to = c->type.kind && !decode ? text : c->type;
    /* the print sink prints SQL values itself, as Java's Row.toString (results.c) */
    bool keep = !decode && c->type.kind && c->type.kind != SQL_K_BYTES && !strcmp(t->conn->name, "print");
    sql_expr *e = sql_arena_alloc(&b->arena, sizeof *e);
    if (!e) return strom_schema_free(out), NULL;
    *e = (sql_expr){.op = SQL_E_COL, .col = k, .type = from};
    if (keep) e->type = c->type;
    else if (c->type.kind == SQL_K_BYTES) e = sql_bytes_io(&b->arena, e, &c->type, decode, sql_bytes_conn_format(t, c->name), c->name); /* types_bytes.c */
    else if (c->metadata && !strcmp(c->metadata, "headers") && sql_kafka_headers_map(&c->type))
      e = sql_kafka_headers_io(&b->arena, e, &c->type, decode); /* kafka_headers_map.c */
    else if (c->type.kind == SQL_K_ARRAY && !strcmp(t->conn->name, "jdbc")) e = sql_pg_array_io(&b->arena, e, &c->type, decode); /* types_pgarray.c */
    else if (!decode && json && c->type.kind >= SQL_K_ARRAY) e = sql_coll_to_json(&b->arena, e);
    else if (c->type.kind) e = sql_cast_to(&b->arena, e, &to);
    else if (!decode && sql_float_as_text(t, c)) e = sql_float_text(&b->arena, e, json); /* types_narrow.c */
    else if (c->type.narrow && decode) { /* a FLOAT read as a double is rounded to float, a TINYINT wraps (types_narrow.c) */
      e->type.narrow = SQL_N_NONE;
      e = sql_cast_to(&b->arena, e, &c->type);
    }
    if (!e) return strom_schema_free(out), NULL;
    ex[k++] = e;
    if (decode || keep ? sql_schema_add(out, c->name, &c->type) : sql_schema_add_sink_io(out, t, c))
      return strom_schema_free(out), NULL;
  }
#undef CROSSES
  if (sql_build_own(b, out, (void (*)(void *))strom_schema_free)) return NULL;
  return sql_calc_stream(b, in, ex, k, out, decode ? "Text to SQL types" : "SQL types to text");
}

strom_stream *sql_io_decode(sql_build *b, const sql_table *t, strom_stream *in) { return convert(b, t, in, true); }
strom_stream *sql_io_encode(sql_build *b, const sql_table *t, strom_stream *in) { return convert(b, t, in, false); }
