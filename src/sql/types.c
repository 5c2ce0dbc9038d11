/*
 * types.c -- SQL data types on Strom's row model.  Flink's types are mapped onto the
 * seven the rows carry (TINYINT/SMALLINT on INT, FLOAT on DOUBLE, their declared type
 * kept in sql_type.narrow: types_narrow.c; CHAR/STRING are VARCHAR, TIMESTAMP(p)/TIMESTAMP_LTZ(p) keep milliseconds); types the rows cannot
 * hold are refused by name so a script never silently changes meaning.  DECIMAL
 * precision follows Flink's rules up to its 38 digits: an int64 up to 18, 128 bits above
 * (decimal_wide.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql_int.h"

static int type_err(const sql_node *t, char *err, size_t errlen, const char *what) {
  snprintf(err, errlen, "line %d, column %d: %s", t->line, t->col, what);
  return STROM_ENOTSUP;
}

int sql_type_from_ast(const sql_node *t, sql_type *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  const char *n = t->text;
  out->not_null = (t->flags & SQL_F(NOT_NULL)) != 0;
  if (!strcmp(n, "BOOLEAN")) out->id = STROM_BOOLEAN;
  else if (!strcmp(n, "TINYINT") || !strcmp(n, "SMALLINT") || !strcmp(n, "INT")) {
    out->id = STROM_INT;
    out->narrow = n[0] == 'T' ? SQL_N_TINYINT : n[0] == 'S' ? SQL_N_SMALLINT : SQL_N_NONE; /* types_narrow.c */
  }
  else if (!strcmp(n, "BIGINT")) out->id = STROM_BIGINT;
  else if (!strcmp(n, "FLOAT") || !strcmp(n, "DOUBLE")) out->id = STROM_DOUBLE, out->narrow = n[0] == 'F' ? SQL_N_FLOAT : SQL_N_NONE;
  else if (!strcmp(n, "DECIMAL")) {
    out->id = STROM_DECIMAL;
    out->p = t->p < 0 ? 10 : t->p;
    out->s = t->s < 0 ? 0 : t->s;
    if (out->p < 1 || out->s > out->p)
      return type_err(t, err, errlen, "DECIMAL wants 1 <= precision and 0 <= scale <= precision");
    if (out->p > SQL_MAX_PRECISION) { /* Flink's maximum too */
      char m[160];
      snprintf(m, sizeof m, "DECIMAL(%d, %d): the precision must be between 1 and %d", out->p, out->s, SQL_MAX_PRECISION);
      return type_err(t, err, errlen, m);
    }
  } else if (!strcmp(n, "STRING")) out->id = STROM_VARCHAR, out->p = SQL_VARCHAR_MAX;
  else if (!strcmp(n, "VARCHAR") || !strcmp(n, "CHAR")) {
    out->id = STROM_VARCHAR;
    out->p = t->p < 0 ? (n[0] == 'C' ? 1 : 1) : t->p;
    out->chr = n[0] == 'C'; /* DESCRIBE and TYPEOF say CHAR(n) (fid_typeof.c) */
  } else if (!strcmp(n, "TIMESTAMP") || !strcmp(n, "TIMESTAMP_LTZ")) {
    out->id = STROM_TIMESTAMP;
    out->ltz = n[9] == '_';
    out->p = t->p < 0 ? 6 : t->p; /* Flink: a bare TIMESTAMP / TIMESTAMP_LTZ is TIMESTAMP(6) */
    if (t->p > 9) return type_err(t, err, errlen, "TIMESTAMP precision must be between 0 and 9");
  } else if (!strcmp(n, "BYTES") || !strcmp(n, "BINARY") || !strcmp(n, "VARBINARY")) {
    return sql_bytes_type_from_ast(t, out, err, errlen); /* types_bytes.c */
  } else {
    int rc = sql_temporal_type_from_ast(t, out, err, errlen);
    if (rc != 1) return rc;
    char m[160];
    snprintf(m, sizeof m, "not supported yet: type %s", n);
    return type_err(t, err, errlen, m);
  }
  return STROM_OK;
}

void sql_type_name(const sql_type *t, char *buf, size_t cap) {
  const char *nn = t->not_null ? " NOT NULL" : "";
  if (t->kind) return sql_temporal_type_name(t, buf, cap);
  if (t->narrow && (t->id == STROM_INT || t->id == STROM_DOUBLE)) {
    snprintf(buf, cap, "%s%s", sql_narrow_name(t), nn);
    return;
  }
  switch (t->id) {
    case STROM_BOOLEAN: snprintf(buf, cap, "BOOLEAN%s", nn); return;
    case STROM_INT: snprintf(buf, cap, "INT%s", nn); return;
    case STROM_BIGINT: snprintf(buf, cap, "BIGINT%s", nn); return;
    case STROM_DOUBLE: snprintf(buf, cap, "DOUBLE%s", nn); return;
    case STROM_DECIMAL: snprintf(buf, cap, "DECIMAL(%d, %d)%s", t->p, t->s, nn); return;
    case STROM_VARCHAR:
      if (t->chr && t->p != SQL_VARCHAR_MAX) snprintf(buf, cap, "CHAR(%d)%s", t->p, nn); /* fid_typeof.c */
      else if (t->p == SQL_VARCHAR_MAX) snprintf(buf, cap, "STRING%s", nn);
      else snprintf(buf, cap, "VARCHAR(%d)%s", t->p, nn);
      return;
    case STROM_TIMESTAMP: snprintf(buf, cap, "%s(%d)%s", t->ltz ? "TIMESTAMP_LTZ" : "TIMESTAMP", t->p, nn); return;
  }
  snprintf(buf, cap, "NULL");
}

bool sql_type_numeric(const sql_type *t) {
  return !t->kind && (t->id == STROM_INT || t->id == STROM_BIGINT || t->id == STROM_DOUBLE || t->id == STROM_DECIMAL);
}

int sql_dec_overflow(const sql_type *t, sql_val *out, sql_ectx *c) {
  (void)t, (void)c;
  out->null = true;
  return 0;
}

sql_type sql_decimal(int p, int s) {
  /* Flink (Calcite) keeps the integer digits and gives up scale first, down to 6. */
  if (p > SQL_MAX_PRECISION) {
    int intd = p - s;
    int keep = s < 6 ? s : 6;
    s = SQL_MAX_PRECISION - intd > keep ? SQL_MAX_PRECISION - intd : keep;
    p = SQL_MAX_PRECISION;
    if (s > p) s = p;
  }
  return (sql_type){.id = STROM_DECIMAL, .p = p, .s = s};
}

sql_type sql_type_as_decimal(const sql_type *t) {
  if (t->id == STROM_DECIMAL) return *t;
  if (t->id == STROM_INT) /* Flink: TINYINT DECIMAL(3, 0), SMALLINT DECIMAL(5, 0), INT DECIMAL(10, 0) */
    return (sql_type){.id = STROM_DECIMAL, .p = t->narrow == SQL_N_TINYINT ? 3 : t->narrow == SQL_N_SMALLINT ? 5 : 10, .s = 0};
  return (sql_type){.id = STROM_DECIMAL, .p = t->id == STROM_BIGINT ? 19 : SQL_MAX_PRECISION, .s = 0};
}

int sql_schema_add(strom_schema *s, const char *name, const sql_type *t) {
  if (t->id == STROM_DECIMAL) return strom_schema_add_decimal(s, name, t->p, t->s);
  if (t->id == STROM_TIMESTAMP && !t->kind) return strom_schema_add_timestamp(s, name, t->p);
  if (t->narrow && !t->kind) return sql_schema_add_narrow(s, name, t); /* types_narrow.c */
  return strom_schema_add(s, name, t->id ? t->id : STROM_INT);
}
