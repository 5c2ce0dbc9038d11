/*
 * kafka_common.c -- configuration, partition assignment and metadata column lists
 * shared by the Kafka source (kafka_source.c) and sink (kafka_sink.c).
 */
#include "format.h"
#include "kafka_common.h"

static int set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err, size_t errlen) {
  char why[256];
  if (rd_kafka_conf_set(conf, k, v, why, sizeof why) == RD_KAFKA_CONF_OK) return STROM_OK;
  snprintf(err, errlen, "Kafka property '%s' = '%s': %s", k, v, why);
  return STROM_EINVAL;
}

rd_kafka_conf_t *strom__kafka_conf(const char *servers, char *const *props, const char *const *own, char *err,
                                   size_t errlen) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (!conf) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  int rc = set(conf, "bootstrap.servers", servers, err, errlen);
  for (int i = 0; !rc && props && props[i]; i += 2) rc = set(conf, props[i], props[i + 1], err, errlen);
  for (int i = 0; !rc && own && own[i]; i += 2) rc = set(conf, own[i], own[i + 1], err, errlen);
  if (rc) {
    rd_kafka_conf_destroy(conf);
    return NULL;
  }
  return conf;
}

char **strom__kafka_props_dup(const char *const *props) {
  if (!props) return NULL;
  size_t n = 0;
  while (props[n] && props[n + 1]) n += 2;
  char **out = strom__calloc(n + 1, sizeof *out);
  for (size_t i = 0; out && i < n; i++)
    if (!(out[i] = strom__strdup(props[i]))) {
      strom__kafka_props_free(out);
      return NULL;
    }
  return out;
}

void strom__kafka_props_free(char **props) {
  for (size_t i = 0; props && props[i]; i++) free(props[i]);
  free(props);
}

const char *strom__kafka_prop(char *const *props, const char *key) {
  for (size_t i = 0; props && props[i]; i += 2)
    if (!strcmp(props[i], key)) return props[i + 1];
  return NULL;
}

int strom__kafka_owner(const char *topic, int32_t partition, int parallelism) {
  /* Java's String.hashCode (the same for ASCII topic names), so that a job moved from
   * Flink reads each partition on the subtask Flink would use. */
  uint32_t h = 0;
  for (const unsigned char *p = (const unsigned char *)topic; *p; p++) h = 31 * h + *p;
  uint32_t start = ((h * 31) & 0x7FFFFFFFu) % (uint32_t)parallelism;
  return (int)((start + (uint32_t)partition) % (uint32_t)parallelism);
}

int strom__kafka_meta_parse(const char *spec, const strom_schema *s, bool writable, strom_format_kind vfmt,
                            strom_kafka_meta **out, int *n, char **value_fields, char *err, size_t errlen) {
  static const struct {
    const char *name;
    strom_kafka_meta_key key;
    strom_type_id type;
    const char *type_name;
  } keys[] = {{"timestamp", STROM_KMETA_TIMESTAMP, STROM_TIMESTAMP, "TIMESTAMP(3) / TIMESTAMP_LTZ(3)"},
              {"partition", STROM_KMETA_PARTITION, STROM_INT, "INT"},
              {"offset", STROM_KMETA_OFFSET, STROM_BIGINT, "BIGINT"},
              {"topic", STROM_KMETA_TOPIC, STROM_VARCHAR, "STRING"},
              {"headers", STROM_KMETA_HEADERS, STROM_VARCHAR, "STRING (a JSON object; Flink's MAP<STRING, BYTES>)"},
              {"timestamp-type", STROM_KMETA_TIMESTAMP_TYPE, STROM_VARCHAR, "STRING"}};
  *out = NULL, *n = 0, *value_fields = NULL;
  if (!spec || !*spec) return STROM_OK;
  int ncols = strom_schema_ncols(s);
  strom_kafka_meta *m = strom__calloc((size_t)ncols + 1, sizeof *m);
  if (!m) return snprintf(err, errlen, "out of memory"), STROM_ENOMEM;
  int k = 0, rc = STROM_OK;
  for (const char *p = spec; *p && !rc;) {
    const char *end = strchr(p, ';'), *colon = strchr(p, ':');
    if (!end) end = p + strlen(p);
    if (!colon || colon > end) {
      snprintf(err, errlen, "metadata column '%.*s': expected column:key", (int)(end - p), p);
      rc = STROM_EINVAL;
      break;
    }
    char col[256];
    snprintf(col, sizeof col, "%.*s", (int)(colon - p), p);
    size_t kn = (size_t)(end - colon - 1);
    int ci = strom_schema_find(s, col), ki = -1;
    for (int i = 0; i < (int)(sizeof keys / sizeof keys[0]); i++)
      if (strlen(keys[i].name) == kn && !memcmp(keys[i].name, colon + 1, kn)) ki = i;
    if (ci >= 0 && kn > 6 && !memcmp(colon + 1, "value.", 6)) { /* the value format's own */
      int fk = strom__cdc_meta_find(vfmt, colon + 7, kn - 6);
      const char *sqlt;
      if (fk < 0) {
        strom_buf l = {0};
        strom__cdc_meta_list(vfmt, &l);
        snprintf(err, errlen, "metadata column '%s': the value format has no metadata key '%.*s'%s%s", col, (int)kn,
                 colon + 1, l.len ? " (it has: " : "", l.len ? l.p : "");
        if (l.len && strlen(err) + 2 < errlen) strcat(err, ")");
        strom__buf_free(&l);
        rc = STROM_EINVAL;
      } else if (writable) {
        snprintf(err, errlen, "metadata column '%s' ('%.*s') is read-only: the sink writes only timestamp and headers "
                 "(declare it VIRTUAL)", col, (int)kn, colon + 1);
        rc = STROM_EINVAL;
      } else if (strom_schema_col_type(s, ci) != strom__cdc_meta_type(fk, &sqlt)) {
        snprintf(err, errlen, "metadata column '%s' ('%.*s') must be %s", col, (int)kn, colon + 1, sqlt);
        rc = STROM_EINVAL;
      } else if (k < ncols) {
        m[k++] = (strom_kafka_meta){ci, STROM_KMETA_VALUE, fk};
      }
      p = *end ? end + 1 : end;
      continue;
    }
    if (ci < 0) {
      snprintf(err, errlen, "metadata column '%s' is not a column", col);
      rc = STROM_EINVAL;
    } else if (ki < 0) {
      snprintf(err, errlen, "metadata column '%s': unknown key '%.*s' (Kafka has timestamp, partition, offset, topic, "
               "headers, timestamp-type)", col, (int)kn, colon + 1);
      rc = STROM_EINVAL;
    } else if (strom_schema_col_type(s, ci) != keys[ki].type) {
      snprintf(err, errlen, "metadata column '%s' ('%s') must be %s", col, keys[ki].name, keys[ki].type_name);
      rc = STROM_EINVAL;
    } else if (writable && keys[ki].key != STROM_KMETA_TIMESTAMP && keys[ki].key != STROM_KMETA_HEADERS) {
      snprintf(err, errlen, "metadata column '%s' ('%s') is read-only: the sink writes only timestamp and headers "
               "(declare it VIRTUAL)", col, keys[ki].name);
      rc = STROM_EINVAL;
    } else {
      for (int i = 0; i < k; i++)
        if (m[i].col == ci) {
          snprintf(err, errlen, "column '%s' is given two metadata keys", col);
          rc = STROM_EINVAL;
        }
      if (!rc && k < ncols) m[k++] = (strom_kafka_meta){ci, keys[ki].key};
    }
    p = *end ? end + 1 : end;
  }
  strom_buf f = {0};
  for (int c = 0; !rc && c < ncols; c++) {
    bool meta = false;
    for (int i = 0; i < k; i++) meta |= m[i].col == c;
    if (!meta && strom__buf_printf(&f, "%s%s", f.len ? ";" : "", strom_schema_col_name(s, c))) rc = STROM_ENOMEM;
  }
  if (!rc && !f.len) {
    snprintf(err, errlen, "every column is a metadata column: the value format needs one");
    rc = STROM_EINVAL;
  }
  if (rc) {
    strom__buf_free(&f);
    free(m);
    return rc;
  }
  *out = m, *n = k, *value_fields = f.p;
  return STROM_OK;
}
