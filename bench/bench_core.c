/*
 * bench_core.c -- throughput, CPU cost, memory and latency of the foundation's two
 * basic shapes of job, over generated rows:
 *
 *   map-filter    generator (id BIGINT, price BIGINT, name VARCHAR) -> map (price*2)
 *                 -> filter (keeps ~50%) -> discard, all chained: one task per subtask,
 *                 direct calls, no channel.
 *   keyby-reduce  generator (key BIGINT over 100k keys, value BIGINT, ts BIGINT)
 *                 -> key_by(key) -> reduce (sum) -> latency probe -> discard; every
 *                 record is encoded into a channel buffer, crosses threads and is
 *                 decoded, then reduced against heap keyed state.
 *
 * Each measurement runs in a forked child, so the peak RSS (VmHWM) and the CPU time
 * (getrusage RUSAGE_SELF: every thread of the job) belong to that run alone.  The
 * child sends its figures back over a pipe.  "rec/s/core" is records / CPU seconds,
 * the figure that compares with Flink's per-core throughput whatever the number of
 * threads.
 *
 * Latency (keyby-reduce): the generator stamps CLOCK_MONOTONIC ns into the ts column
 * of every 1024th record; a process function after the reduce records now - ts for
 * those records.  The jobs run flat out, so this is the latency under full load
 * (dominated by the records queued in the channel's buffers), not an idle round trip;
 * --rate R paces each generator subtask to R records/s to see latency below saturation
 * (then partly filled buffers wait for the buffer timeout, 100 ms by default).
 *
 *   bench_core [--records N] [--quick] [--runs R] [--jobs a,b] [--par 1,2] [--keys K]
 *              [--rate R] [--csv]
 *
 * --records N is the record count at parallelism 1; a run at parallelism p generates
 * N*p records, so every run takes about as long when the job scales.  Each
 * configuration runs R times (default 3) and the run with the median records/s is
 * printed, with the range over the runs.  "other" is the CPU time that the rest of the
 * machine used (or the hypervisor stole) during the printed run, from /proc/stat: when
 * it is not near 0, something else competed for the cores and the figures are low.
 * "gen/red_cpu" splits keyby-reduce's CPU time between the generator threads (which
 * also hash and encode into the channel) and the reducer threads (decode, reduce,
 * probe): the side that is near the wall time is the bottleneck.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "strom.h"

#define MAX_PAR 64
#define LAT_EVERY 1024 /* stamp every 1024th record */
static uint64_t NKEYS = 100000; /* --keys */

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

/* Peak resident set of this process in KiB (VmHWM), or -1. */
static long peak_rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "VmHWM:", 6)) {
      kb = strtol(line + 6, NULL, 10);
      break;
    }
  fclose(f);
  return kb;
}

/* CPU seconds that every CPU of the machine spent busy (not idle or iowait) so far, from
 * /proc/stat; with the process's own CPU time it shows how much other work ran during
 * a measurement.  Also the steal time (a hypervisor running someone else). */
static void machine_busy(double *busy, double *steal) {
  *busy = *steal = 0;
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return;
  unsigned long long v[10] = {0};
  int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                 &v[5], &v[6], &v[7], &v[8], &v[9]);
  fclose(f);
  if (n < 8) return;
  double hz = (double)sysconf(_SC_CLK_TCK);
  /* user nice system idle iowait irq softirq steal (guest time is inside user) */
  *busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / hz;
  *steal = (double)v[7] / hz;
}

/* ---- map-filter ---------------------------------------------------------------- */

static const char *const NAMES[] = {"apple", "pear", "plum", "cherry", "fig", "kiwi", "lime", "mango"};
static size_t NAME_LEN[8];

static int mf_gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, (int64_t)i);
  strom_row_set_bigint(out, 1, (int64_t)((i * 7919) % 10000));
  strom_row_set_str_ref(out, 2, NAMES[i & 7], NAME_LEN[i & 7]);
  return 1;
}

static int mf_map(strom_ctx *ctx, const strom_row *in, strom_row *out) {
  (void)ctx;
  size_t n;
  const char *s = strom_row_get_str(in, 2, &n);
  strom_row_set_bigint(out, 0, strom_row_get_bigint(in, 0));
  strom_row_set_bigint(out, 1, strom_row_get_bigint(in, 1) * 2);
  strom_row_set_str_ref(out, 2, s, n);
  return STROM_OK;
}

static int mf_filter(strom_ctx *ctx, const strom_row *in) {
  (void)ctx;
  return strom_row_get_bigint(in, 1) < 10000; /* price in [0, 10000) doubled: half pass */
}

/* ---- keyby-reduce ---------------------------------------------------------------- */

/* --rate: each generator subtask paces itself to RATE records/s (0: flat out), checking
 * the clock at every record so that the records flow evenly, not in bursts. */
static double RATE;
static struct pace {
  int64_t t0;
  uint64_t i0;
  char pad[48];
} PACE[MAX_PAR];

static void pace(strom_ctx *ctx, uint64_t i) {
  struct pace *p = &PACE[strom_ctx_subtask(ctx)];
  int64_t now = mono_ns();
  if (!p->t0) {
    p->t0 = now;
    p->i0 = i;
    return;
  }
  int64_t due = p->t0 + (int64_t)((double)(i - p->i0) * 1e9 / RATE);
  if (due > now + 20000) { /* sleep only when 20 us ahead: bursts stay short */
    struct timespec ts = {(time_t)((due - now) / 1000000000), (long)((due - now) % 1000000000)};
    nanosleep(&ts, NULL);
  }
}

/* CPU time of each reducer thread (reduce -> probe -> discard), taken when its probe
 * closes.  The generator threads have the rest of the process's CPU time (the main
 * thread only waits). */
static double RED_CPU[MAX_PAR];

static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int kr_gen(strom_ctx *ctx, uint64_t i, strom_row *out) {
  if (RATE > 0) pace(ctx, i);
  strom_row_set_bigint(out, 0, (int64_t)(i % NKEYS));
  strom_row_set_bigint(out, 1, (int64_t)(i & 0xff));
  strom_row_set_bigint(out, 2, (i % LAT_EVERY) == 0 ? mono_ns() : 0);
  return 1;
}

static int kr_sum(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_set_bigint(out, 0, strom_row_get_bigint(acc, 0));
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + strom_row_get_bigint(in, 1));
  strom_row_set_bigint(out, 2, strom_row_get_bigint(in, 2)); /* carry the probe's stamp */
  return STROM_OK;
}

/* Per-subtask latency samples and record counts; each subtask thread writes only its
 * own slot, and the main thread reads them after strom_execute() joined the threads. */
typedef struct probe_slot {
  int64_t *lat;
  size_t n, cap;
  uint64_t records;
  char pad[64];
} probe_slot;
static probe_slot PROBE[MAX_PAR];

static int probe_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input;
  (void)out;
  probe_slot *s = &PROBE[strom_ctx_subtask(ctx)];
  s->records++;
  int64_t ts = strom_row_get_bigint(in, 2);
  if (ts) {
    if (s->n == s->cap) {
      size_t cap = s->cap ? s->cap * 2 : 4096;
      int64_t *p = realloc(s->lat, cap * sizeof *p);
      if (!p) return strom_ctx_fail(ctx, "out of memory");
      s->lat = p;
      s->cap = cap;
    }
    s->lat[s->n++] = mono_ns() - ts;
  }
  return STROM_OK; /* emits nothing: the discard sink after it only ends the job */
}

static void probe_close(strom_ctx *ctx) { RED_CPU[strom_ctx_subtask(ctx)] = thread_cpu(); }

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* ---- running one measurement in a child -------------------------------------------- */

typedef struct result {
  int rc;
  char err[200];
  uint64_t records, out_records;
  double wall, cpu;
  double other_cpu, steal; /* CPU seconds of other processes, and stolen, during the run */
  double gen_cpu, red_cpu;  /* keyby-reduce: CPU seconds of the generator and reducer threads */
  long hwm_kb;
  uint64_t nlat;
  double p50_us, p99_us, max_us;
} result;

enum { JOB_MAP_FILTER, JOB_KEYBY_REDUCE, NJOBS };
static const char *const JOB_NAMES[NJOBS] = {"map-filter", "keyby-reduce"};

static int build(strom_env *env, int job, uint64_t records, strom_schema **schema) {
  if (job == JOB_MAP_FILTER) {
    *schema = strom_schema_parse("id BIGINT, price BIGINT, name VARCHAR", NULL, 0);
    strom_stream *s = strom_from_generator(env, *schema, records, mf_gen, NULL);
    s = strom_map(s, NULL, mf_map, NULL);
    s = strom_filter(s, mf_filter, NULL);
    return strom_discard(s);
  }
  *schema = strom_schema_parse("key BIGINT, value BIGINT, ts BIGINT", NULL, 0);
  strom_stream *s = strom_from_generator(env, *schema, records, kr_gen, NULL);
  s = strom_reduce(strom_key_by(s, "key"), kr_sum, NULL);
  s = strom_process(s, &(strom_process_def){.process = probe_process, .close = probe_close});
  return strom_discard(s);
}

static void run_child(int job, int par, uint64_t records, result *r) {
  memset(r, 0, sizeof *r);
  r->records = records;
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = par});
  strom_schema *schema = NULL;
  build(env, job, records, &schema);
  double b0, s0, b1, s1;
  machine_busy(&b0, &s0);
  double c0 = cpu_seconds();
  int64_t t0 = mono_ns();
  r->rc = strom_execute(env, JOB_NAMES[job]);
  int64_t t1 = mono_ns();
  double c1 = cpu_seconds();
  machine_busy(&b1, &s1);
  if (r->rc) snprintf(r->err, sizeof r->err, "%s", strom_env_errmsg(env));
  r->wall = (double)(t1 - t0) / 1e9;
  r->cpu = c1 - c0;
  r->other_cpu = b1 - b0 - r->cpu;
  if (r->other_cpu < 0) r->other_cpu = 0;
  r->steal = s1 - s0;
  r->hwm_kb = peak_rss_kb();
  if (job == JOB_KEYBY_REDUCE) {
    size_t n = 0;
    for (int s = 0; s < par; s++) {
      r->red_cpu += RED_CPU[s];
      n += PROBE[s].n;
      r->out_records += PROBE[s].records;
    }
    int64_t *all = malloc((n ? n : 1) * sizeof *all);
    if (all) {
      size_t k = 0;
      for (int s = 0; s < par; s++) {
        memcpy(all + k, PROBE[s].lat, PROBE[s].n * sizeof *all);
        k += PROBE[s].n;
      }
      qsort(all, n, sizeof *all, cmp_i64);
      r->nlat = n;
      if (n) {
        r->p50_us = all[n * 50 / 100] / 1e3;
        r->p99_us = all[n * 99 / 100] / 1e3;
        r->max_us = all[n - 1] / 1e3;
      }
      free(all);
    }
    r->gen_cpu = r->cpu - r->red_cpu;
    if (!r->rc && r->out_records != records) {
      r->rc = -100;
      snprintf(r->err, sizeof r->err, "sink saw %llu records, expected %llu",
               (unsigned long long)r->out_records, (unsigned long long)records);
    }
  }
  strom_schema_free(schema);
  strom_env_free(env);
}

static int measure(int job, int par, uint64_t records, result *r) {
  int fd[2];
  if (pipe(fd)) return -1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fd[0]);
    result cr;
    run_child(job, par, records, &cr);
    const char *p = (const char *)&cr;
    size_t left = sizeof cr;
    while (left) {
      ssize_t w = write(fd[1], p, left);
      if (w <= 0) _exit(2);
      p += w;
      left -= (size_t)w;
    }
    _exit(0);
  }
  close(fd[1]);
  size_t got = 0;
  char *p = (char *)r;
  while (got < sizeof *r) {
    ssize_t n = read(fd[0], p + got, sizeof *r - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (got != sizeof *r) {
    memset(r, 0, sizeof *r);
    r->rc = -101;
    snprintf(r->err, sizeof r->err, "benchmark child died (status %d)", status);
  }
  return 0;
}

/* ---- main ---------------------------------------------------------------------- */

static int cmp_rate(const void *a, const void *b) {
  const result *x = a, *y = b;
  double rx = x->records / x->wall, ry = y->records / y->wall;
  return (rx > ry) - (rx < ry);
}

static void usage(void) {
  fprintf(stderr,
          "usage: bench_core [--records N] [--quick] [--runs R] [--jobs map-filter,keyby-reduce]\n"
          "                  [--par 1,2] [--keys K] [--rate R] [--csv]\n"
          "  --records N  records per run at parallelism 1 (a run at parallelism p makes N*p);\n"
          "               default: 60M for map-filter, 10M for keyby-reduce\n"
          "  --keys K     distinct keys of keyby-reduce (default 100000)\n"
          "  --rate R     pace each keyby-reduce generator subtask to R records/s (latency\n"
          "               below saturation); default records: 3 s worth\n"
          "  --quick      a smoke run: 2M records, 1 run\n"
          "  --runs R     runs per configuration (default 3); the median by records/s is shown\n");
}

int main(int argc, char **argv) {
  uint64_t records = 0;
  int runs = 3, csv = 0, quick = 0;
  int want[NJOBS] = {1, 1};
  int pars[16] = {1, 2}, npar = 2;
  for (int i = 0; i < 8; i++) NAME_LEN[i] = strlen(NAMES[i]);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--records") && i + 1 < argc) {
      records = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--quick")) {
      quick = 1;
    } else if (!strcmp(a, "--runs") && i + 1 < argc) {
      runs = atoi(argv[++i]);
      if (runs < 1 || runs > 100) runs = 1;
    } else if (!strcmp(a, "--keys") && i + 1 < argc) {
      NKEYS = strtoull(argv[++i], NULL, 10);
      if (!NKEYS) NKEYS = 1;
    } else if (!strcmp(a, "--rate") && i + 1 < argc) {
      RATE = strtod(argv[++i], NULL);
    } else if (!strcmp(a, "--csv")) {
      csv = 1;
    } else if (!strcmp(a, "--jobs") && i + 1 < argc) {
      /* A comma-separated list of job names or prefixes ("map", "keyby-reduce"). */
      memset(want, 0, sizeof want);
      for (const char *l = argv[++i]; *l;) {
        size_t n = strcspn(l, ",");
        int any = 0;
        for (int j = 0; j < NJOBS; j++)
          if (n && !strncmp(JOB_NAMES[j], l, n)) want[j] = any = 1;
        if (!any) {
          usage();
          return 2;
        }
        l += n + (l[n] == ',');
      }
    } else if (!strcmp(a, "--par") && i + 1 < argc) {
      npar = 0;
      for (char *s = argv[++i], *e; *s && npar < 16; s = *e ? e + 1 : e) {
        long p = strtol(s, &e, 10);
        if (e == s || p < 1 || p > MAX_PAR) {
          usage();
          return 2;
        }
        pars[npar++] = (int)p;
      }
    } else {
      usage();
      return 2;
    }
  }
  if (quick) {
    if (!records) records = 2000000;
    runs = 1;
  }
  if (csv)
    printf("job,parallelism,records,wall_s,records_per_s,cpu_s,records_per_cpu_s,peak_rss_mib,"
           "lat_p50_us,lat_p99_us,lat_max_us,gen_cpu_s,reduce_cpu_s,other_cpu_s,steal_s,min_records_per_s,"
           "max_records_per_s\n");
  else
    printf("%-20s %3s %11s %7s %11s %7s %11s %7s %7s %7s %7s %11s %6s  %s\n", "job", "par", "records",
           "wall_s", "rec/s", "cpu_s", "rec/s/core", "rss_MiB", "p50_us", "p99_us", "max_us",
           "gen/red_cpu", "other", "rec/s over runs");
  int failed = 0;
  for (int job = 0; job < NJOBS; job++) {
    if (!want[job]) continue;
    uint64_t base = records ? records : job == JOB_MAP_FILTER ? 60000000ull : 10000000ull;
    char label[48];
    snprintf(label, sizeof label, "%s", JOB_NAMES[job]);
    if (job == JOB_KEYBY_REDUCE && RATE > 0) {
      if (!records) base = (uint64_t)(RATE * 3); /* about 3 s */
      if (RATE >= 1e6) snprintf(label, sizeof label, "%s@%gM/s", JOB_NAMES[job], RATE / 1e6);
      else snprintf(label, sizeof label, "%s@%gk/s", JOB_NAMES[job], RATE / 1e3);
    }
    for (int pi = 0; pi < npar; pi++) {
      int par = pars[pi];
      result res[100];
      int ok = 1;
      for (int k = 0; k < runs; k++) {
        if (measure(job, par, base * (uint64_t)par, &res[k]) || res[k].rc) {
          fprintf(stderr, "%s p=%d: failed (%d): %s\n", label, par, res[k].rc, res[k].err);
          ok = 0;
          break;
        }
      }
      if (!ok) {
        failed = 1;
        continue;
      }
      qsort(res, (size_t)runs, sizeof *res, cmp_rate);
      const result *m = &res[runs / 2];
      double lo = res[0].records / res[0].wall, hi = res[runs - 1].records / res[runs - 1].wall;
      double rate = m->records / m->wall, per_core = m->cpu > 0 ? m->records / m->cpu : 0;
      int lat = job == JOB_KEYBY_REDUCE && m->nlat;
      if (csv) {
        printf("%s,%d,%llu,%.3f,%.0f,%.3f,%.0f,%.1f,", label, par, (unsigned long long)m->records,
               m->wall, rate, m->cpu, per_core, m->hwm_kb / 1024.0);
        if (lat) printf("%.0f,%.0f,%.0f,%.3f,%.3f,", m->p50_us, m->p99_us, m->max_us, m->gen_cpu, m->red_cpu);
        else printf(",,,,,");
        printf("%.2f,%.2f,%.0f,%.0f\n", m->other_cpu, m->steal, lo, hi);
      } else {
        char l50[32] = "-", l99[32] = "-", lmax[32] = "-", split[32] = "-";
        if (lat) {
          snprintf(split, sizeof split, "%.2f/%.2f", m->gen_cpu, m->red_cpu);
          snprintf(l50, sizeof l50, "%.0f", m->p50_us);
          snprintf(l99, sizeof l99, "%.0f", m->p99_us);
          snprintf(lmax, sizeof lmax, "%.0f", m->max_us);
        }
        printf("%-20s %3d %11llu %7.3f %11.0f %7.3f %11.0f %7.1f %7s %7s %7s %11s %6.2f  %.1fM-%.1fM (%d run%s)\n",
               label, par, (unsigned long long)m->records, m->wall, rate, m->cpu, per_core,
               m->hwm_kb / 1024.0, l50, l99, lmax, split, m->other_cpu + m->steal, lo / 1e6, hi / 1e6, runs,
               runs == 1 ? "" : "s");
      }
      fflush(stdout);
    }
  }
  return failed;
}
