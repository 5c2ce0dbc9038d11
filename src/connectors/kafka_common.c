/*
 * kafka_common.c -- configuration and partition assignment shared by the Kafka source
 * (kafka_source.c) and sink (kafka_sink.c).
 */
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
