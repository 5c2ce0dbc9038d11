/*
 * log.c -- the engine's log (stderr) and its clocks.  The level comes from the
 * STROM_LOG environment variable, read once.
 */
#include <pthread.h>
#include <time.h>

#include "core.h"

static int log_level = -1;

static int level_from_env(void) {
  const char *e = getenv("STROM_LOG");
  if (!e) return STROM_LOG_WARN;
  if (!strcmp(e, "debug")) return STROM_LOG_DEBUG;
  if (!strcmp(e, "info")) return STROM_LOG_INFO;
  if (!strcmp(e, "error")) return STROM_LOG_ERROR;
  return STROM_LOG_WARN;
}

void strom__log(int level, const char *fmt, ...) {
  int min = __atomic_load_n(&log_level, __ATOMIC_RELAXED);
  if (min < 0) {
    min = level_from_env();
    __atomic_store_n(&log_level, min, __ATOMIC_RELAXED);
  }
  if (level < min) return;
  static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = snprintf(line, sizeof line, "strom %s: ", names[level]);
  vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  va_end(ap);
  fprintf(stderr, "%s\n", line);
}

int64_t strom__now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t strom__mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
