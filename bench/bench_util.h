/*
 * bench_util.h -- what the benchmarks share: clocks, CPU time, peak memory, and running
 * one measurement in a forked child so that its peak RSS and CPU time are its own.
 */
#ifndef STROM_BENCH_UTIL_H
#define STROM_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline double bench_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of every thread of the process (user + system). */
static inline double bench_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

/* A field of /proc/self/status in kB, e.g. "VmHWM:" (peak RSS) or "VmRSS:". */
static inline long bench_status_kb(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, field, strlen(field))) kb = atol(line + strlen(field));
  if (f) fclose(f);
  return kb;
}

/* Runs fn(arg, fd) in a forked child, which writes size bytes of results to fd and
 * exits; the parent reads them into out.  Returns 0 when all size bytes came back. */
static inline int bench_in_child(void (*fn)(void *arg, int fd), void *arg, void *out, size_t size) {
  int p[2];
  if (pipe(p)) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(p[0]);
    fn(arg, p[1]);
    _exit(0);
  }
  close(p[1]);
  ssize_t n = read(p[0], out, size);
  close(p[0]);
  int st;
  waitpid(pid, &st, 0);
  return n == (ssize_t)size ? 0 : -1;
}

#endif
