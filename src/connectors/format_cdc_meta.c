/*
 * format_cdc_meta.c -- the metadata the changelog formats read from a message, as
 * Flink's canal-json, maxwell-json and debezium-json declare it (the Kafka connector
 * offers them as 'value.<key>' METADATA columns, kafka_common.c / kafka_source.c):
 * the message's own members beside the row images, one value per message whatever
 * rows it carries.  A key is a member (Debezium's under "payload" when the message is
 * wrapped with its schema, "source" members one level down) read as a string, a
 * timestamp (milliseconds; Maxwell's "ts" in seconds, which Flink multiplies by 1000)
 * or JSON text (Debezium's "schema", the arrays and maps, which the SQL layer casts to
 * the column's ARRAY or MAP type).  An absent or null member is NULL.
 */
#include "format.h"

enum { M_STR, M_MS, M_S, M_JSON };

typedef struct cdc_meta {
  strom_format_kind fmt;
  const char *key, *member, *sub; /* the member, and within it sub (NULL: the member itself) */
  bool payload;                   /* debezium: inside "payload" when wrapped */
  int kind;
  const char *type; /* the SQL type Flink declares */
} cdc_meta;

static const cdc_meta KEYS[] = {
    {STROM_FORMAT_CANAL_JSON, "database", "database", NULL, false, M_STR, "STRING"},
    {STROM_FORMAT_CANAL_JSON, "table", "table", NULL, false, M_STR, "STRING"},
    {STROM_FORMAT_CANAL_JSON, "sql-type", "sqlType", NULL, false, M_JSON, "MAP<STRING, INT>"},
    {STROM_FORMAT_CANAL_JSON, "pk-names", "pkNames", NULL, false, M_JSON, "ARRAY<STRING>"},
    {STROM_FORMAT_CANAL_JSON, "ingestion-timestamp", "ts", NULL, false, M_MS, "TIMESTAMP_LTZ(3)"},
    {STROM_FORMAT_CANAL_JSON, "event-timestamp", "es", NULL, false, M_MS, "TIMESTAMP_LTZ(3)"},
    {STROM_FORMAT_MAXWELL_JSON, "database", "database", NULL, false, M_STR, "STRING"},
    {STROM_FORMAT_MAXWELL_JSON, "table", "table", NULL, false, M_STR, "STRING"},
    {STROM_FORMAT_MAXWELL_JSON, "primary-key-columns", "primary_key_columns", NULL, false, M_JSON, "ARRAY<STRING>"},
    {STROM_FORMAT_MAXWELL_JSON, "ingestion-timestamp", "ts", NULL, false, M_S, "TIMESTAMP_LTZ(3)"},
    {STROM_FORMAT_DEBEZIUM_JSON, "schema", "schema", NULL, false, M_JSON, "STRING"},
    {STROM_FORMAT_DEBEZIUM_JSON, "ingestion-timestamp", "ts_ms", NULL, true, M_MS, "TIMESTAMP_LTZ(3)"},
    {STROM_FORMAT_DEBEZIUM_JSON, "source.timestamp", "source", "ts_ms", true, M_MS, "TIMESTAMP_LTZ(3)"},
    {STROM_FORMAT_DEBEZIUM_JSON, "source.database", "source", "db", true, M_STR, "STRING"},
    {STROM_FORMAT_DEBEZIUM_JSON, "source.schema", "source", "schema", true, M_STR, "STRING"},
    {STROM_FORMAT_DEBEZIUM_JSON, "source.table", "source", "table", true, M_STR, "STRING"},
    {STROM_FORMAT_DEBEZIUM_JSON, "source.properties", "source", NULL, true, M_JSON, "MAP<STRING, STRING>"},
};
#define NKEYS ((int)(sizeof KEYS / sizeof KEYS[0]))

int strom__cdc_meta_find(strom_format_kind fmt, const char *key, size_t n) {
  for (int i = 0; i < NKEYS; i++)
    if (KEYS[i].fmt == fmt && strlen(KEYS[i].key) == n && !memcmp(KEYS[i].key, key, n)) return i;
  return -1;
}

strom_type_id strom__cdc_meta_type(int i, const char **sql_type) {
  if (sql_type) *sql_type = KEYS[i].type;
  return KEYS[i].kind == M_MS || KEYS[i].kind == M_S ? STROM_TIMESTAMP : STROM_VARCHAR;
}

int strom__cdc_meta_list(strom_format_kind fmt, strom_buf *b) {
  int rc = STROM_OK;
  for (int i = 0; i < NKEYS && !rc; i++)
    if (KEYS[i].fmt == fmt) rc = strom__buf_printf(b, "%svalue.%s", b->len ? ", " : "", KEYS[i].key);
  return rc;
}

/* Whether the JSON value v[0..n) is null. */
static bool is_null(const char *v, size_t n) { return n == 4 && !memcmp(v, "null", 4); }

int strom__cdc_meta_set(int i, const char *p, size_t n, strom_row *row, int col, strom_buf *tmp) {
  const cdc_meta *m = &KEYS[i];
  char err[64];
  const char *v;
  size_t vn;
  strom_row_set_null(row, col);
  if (!p) return STROM_OK; /* a tombstone */
  if (m->payload && strom__json_member(p, n, "payload", &v, &vn, err, sizeof err) == 1 && vn && v[0] == '{')
    p = v, n = vn;
  if (strom__json_member(p, n, m->member, &v, &vn, err, sizeof err) != 1 || is_null(v, vn)) return STROM_OK;
  if (m->sub && (!vn || v[0] != '{' || strom__json_member(v, vn, m->sub, &v, &vn, err, sizeof err) != 1 ||
                 is_null(v, vn)))
    return STROM_OK;
  if (m->kind == M_MS || m->kind == M_S) {
    /* a number, or a string holding one (Flink reads Debezium's source map as strings) */
    char num[32];
    size_t k = vn >= 2 && v[0] == '"' ? 1 : 0;
    snprintf(num, sizeof num, "%.*s", (int)(vn - 2 * k), v + k);
    char *end;
    long long x = strtoll(num, &end, 10);
    if (end == num || *end) return STROM_OK; /* not a whole number: no time */
    strom_row_set_timestamp(row, col, m->kind == M_S ? (int64_t)x * 1000 : (int64_t)x);
    return STROM_OK;
  }
  if (m->kind == M_STR && vn && v[0] == '"') {
    tmp->len = 0;
    if (strom__json_string(v, vn, tmp)) return STROM_OK;
    return strom_row_set_str(row, col, tmp->p ? tmp->p : "", tmp->len);
  }
  return strom_row_set_str(row, col, v, vn); /* JSON text, or a number as its text */
}
