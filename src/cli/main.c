/*
 * main.c -- the `strom` command.  For now it runs the built-in jobs on the embedded
 * runtime (one process, one thread per subtask); SIGINT and SIGTERM cancel the
 * running job cleanly.
 */
#include <ctype.h>
#include <ftw.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strom.h"
#include "../connectors/nexmark.h"
#include "../connectors/nexmark_queries.h"

int strom__cmd_sql(int argc, char **argv); /* sql.c */

static strom_env *volatile running_env;
static volatile sig_atomic_t got_signal;

static void on_signal(int sig) {
  got_signal = sig;
  if (running_env) strom_env_cancel(running_env);
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: strom <command> [options]\n"
          "\n"
          "commands:\n"
          "  wordcount (--input FILE | --socket HOST:PORT) [-p N] [--output PATH] [--final]\n"
          "      counts words (lower-cased, split on non-alphanumerics); prints every\n"
          "      updated count as Flink's streaming WordCount does, or with --final only\n"
          "      the last count of each word (bounded input only)\n"
          "  nexmark generate --events N --out FILE [--seed S] [--rate R]\n"
          "      writes N Nexmark events as JSON lines in the source table's shape\n"
          "      ({\"event_type\":2,\"person\":null,\"auction\":null,\"bid\":{...}}, ISO-8601\n"
          "      times); R is the first-event rate in events/s of event time (default 10000000)\n"
          "  nexmark run --query qN [--events N] [-p P] [--rate R] [--seed S]\n"
          "      runs Nexmark query qN (q0-q5, q7, q8) as a DataStream job on N generated events\n"
          "      (default 10000000) into a blackhole sink, with exactly-once checkpoints every\n"
          "      10 s into a temporary directory (-D options override), and prints events/s,\n"
          "      CPU cores used, events/s per core, peak RSS and, for q5, q7 and q8, the\n"
          "      p50/p99 latency of results after the watermark passed their window's end\n"
          "  sql [-f script.sql] [--from PATH] [-D VAR=value ...]   runs Flink SQL (a script, or statements from stdin)\n"
          "  run SCRIPT.sql [--from PATH] [--allow-non-restored-state] [-D VAR=value ...]\n"
          "                                     runs a SQL script's job, resuming from a checkpoint or savepoint\n"
          "  version   prints the version\n"
          "  help      prints this text\n"
          "\n"
          "options of every job:\n"
          "  -p, --parallelism N        default parallelism (parallelism.default)\n"
          "  -D key=value               a configuration option, e.g. -D execution.buffer-timeout=10ms,\n"
          "                             -D execution.checkpointing.interval=10s -D state.checkpoints.dir=/tmp/ckpt\n"
          "  --from PATH                resume from a checkpoint or savepoint folder (the one holding\n"
          "                             _metadata), or the newest complete checkpoint under PATH\n"
          "  --allow-non-restored-state drop state of operators the job no longer has\n");
}

/* ---- wordcount ---- */

static int split_words(strom_ctx *ctx, const strom_row *in, strom_out *out) {
  (void)ctx;
  size_t n;
  const char *s = strom_row_get_str(in, 0, &n);
  char word[256];
  size_t i = 0;
  while (i < n) {
    while (i < n && !isalnum((unsigned char)s[i])) i++;
    size_t len = 0;
    while (i < n && isalnum((unsigned char)s[i])) {
      if (len < sizeof word) word[len++] = (char)tolower((unsigned char)s[i]);
      i++;
    }
    if (!len) continue;
    strom_row *r = strom_out_row(out);
    int rc = strom_row_set_str(r, 0, word, len);
    if (rc) return rc;
    strom_row_set_bigint(r, 1, 1);
    if ((rc = strom_out_emit(out, r))) return rc;
  }
  return 0;
}

static int add_counts(strom_ctx *ctx, const strom_row *acc, const strom_row *in, strom_row *out) {
  (void)ctx;
  strom_row_copy(out, acc);
  strom_row_set_bigint(out, 1, strom_row_get_bigint(acc, 1) + strom_row_get_bigint(in, 1));
  return 0;
}


static int job_options(strom_env *env, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  if ((!strcmp(a, "-p") || !strcmp(a, "--parallelism")) && *i + 1 < argc)
    return strom_env_set(env, "parallelism.default", argv[++*i]);
  if (!strcmp(a, "--from") && *i + 1 < argc) return strom_env_set(env, "execution.savepoint.path", argv[++*i]);
  if (!strcmp(a, "--allow-non-restored-state")) return strom_env_set(env, "execution.savepoint.ignore-unclaimed-state", "true");
  if (!strcmp(a, "-D") && *i + 1 < argc) {
    char *kv = argv[++*i], *eq = strchr(kv, '=');
    if (!eq) return STROM_EINVAL;
    *eq = 0;
    int rc = strom_env_set(env, kv, eq + 1);
    *eq = '=';
    return rc;
  }
  return 1; /* not a job option */
}

static int cmd_wordcount(int argc, char **argv) {
  const char *input = NULL, *sock = NULL, *output = NULL;
  bool final = false;
  strom_env *env = strom_env_new(NULL);
  if (!env) return 1;
  for (int i = 2; i < argc; i++) {
    int rc = job_options(env, argc, argv, &i);
    if (rc == 0) continue;
    if (rc < 0) {
      fprintf(stderr, "strom: %s\n", strom_env_errmsg(env)[0] ? strom_env_errmsg(env) : "bad option");
      strom_env_free(env);
      return 2;
    }
    if (!strcmp(argv[i], "--input") && i + 1 < argc) input = argv[++i];
    else if (!strcmp(argv[i], "--socket") && i + 1 < argc) sock = argv[++i];
    else if (!strcmp(argv[i], "--output") && i + 1 < argc) output = argv[++i];
    else if (!strcmp(argv[i], "--final")) final = true;
    else if (!input && !sock && argv[i][0] != '-') input = argv[i];
    else {
      fprintf(stderr, "strom wordcount: unknown argument '%s'\n", argv[i]);
      strom_env_free(env);
      return 2;
    }
  }
  if (!input == !sock) {
    fprintf(stderr, "strom wordcount: give exactly one of --input FILE or --socket HOST:PORT\n");
    strom_env_free(env);
    return 2;
  }
  strom_stream *lines;
  if (sock) {
    char host[256];
    int port = 0;
    const char *colon = strrchr(sock, ':');
    if (!colon || colon - sock >= (long)sizeof host || (port = atoi(colon + 1)) <= 0) {
      fprintf(stderr, "strom wordcount: --socket wants HOST:PORT, got '%s'\n", sock);
      strom_env_free(env);
      return 2;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - sock), sock);
    lines = strom_socket_text(env, host, port);
  } else {
    lines = strom_read_text(env, input);
  }
  strom_schema *wc = strom_schema_parse("word VARCHAR, count BIGINT", NULL, 0);
  strom_stream *words = strom_set_name(strom_flat_map(lines, wc, split_words, NULL), "Tokenizer");
  strom_stream *counts = strom_set_name(strom_reduce(strom_key_by(words, "word"), add_counts, NULL), "Count");
  strom_results *finals = NULL;
  if (final) finals = strom_collect(counts);
  else if (output) strom_write_csv(counts, output);
  else strom_print(counts);
  running_env = env;
  if (got_signal) strom_env_cancel(env); /* a signal that came before running_env was set */
  int rc = strom_execute(env, "WordCount");
  running_env = NULL;
  if (rc == 0 && finals) {
    /* The last update of each word is its highest count; sorting groups the words. */
    strom_results_sort(finals);
    size_t n = strom_results_count(finals);
    for (size_t k = 0; k < n;) {
      size_t l1, l2;
      const char *w = strom_row_get_str(strom_results_row(finals, k), 0, &l1);
      long long max = 0;
      for (; k < n; k++) {
        const strom_row *r = strom_results_row(finals, k);
        const char *w2 = strom_row_get_str(r, 0, &l2);
        if (l1 != l2 || memcmp(w, w2, l1)) break;
        if (strom_row_get_bigint(r, 1) > max) max = strom_row_get_bigint(r, 1);
      }
      printf("%.*s,%lld\n", (int)l1, w, max);
    }
  }
  if (rc) fprintf(stderr, "strom: %s\n", strom_env_errmsg(env));
  strom_schema_free(wc);
  strom_env_free(env);
  if (rc == STROM_ECANCELED) return got_signal ? 128 + got_signal : 1;
  return rc ? 1 : 0;
}

/* ---- nexmark ---- */

static bool parse_u64(const char *s, uint64_t *out) {
  char *end;
  if (!s || !*s || *s == '-') return false;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end) return false;
  *out = v;
  return true;
}

static long peak_rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmHWM:", 6)) kb = atol(line + 6);
  if (f) fclose(f);
  return kb;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

/* strom nexmark run --query qN --events N [-p P] [-D k=v ...]: the query as a DataStream
 * job, the generator inside, a blackhole sink, checkpoints on as in Flink's runs;
 * prints throughput, cores, memory and (windowed queries) latency. */
static int cmd_nexmark_run(int argc, char **argv) {
  strom_env *env = strom_env_new(NULL);
  uint64_t events = 10000000, rate = 0, seed = 0;
  int q = -1;
  char ckpt[] = "/tmp/strom-nexmark-XXXXXX";
  if (!env || !mkdtemp(ckpt)) {
    perror("strom nexmark run: temporary checkpoint directory");
    strom_env_free(env);
    return 1;
  }
  /* Defaults first, so that -D can override them. */
  strom_env_set(env, "execution.checkpointing.interval", "10 s");
  strom_env_set(env, "state.checkpoints.dir", ckpt);
  int status = 2;
  strom__nexmark_latency *lat = NULL;
  for (int i = 3; i < argc; i++) {
    int rc = job_options(env, argc, argv, &i);
    if (rc == 0) continue;
    if (rc < 0) {
      fprintf(stderr, "strom nexmark run: %s\n", strom_env_errmsg(env));
      goto out;
    }
    char *end = NULL;
    if (!strcmp(argv[i], "--query") && i + 1 < argc && (argv[i + 1][0] == 'q' || argv[i + 1][0] == 'Q') &&
        (q = (int)strtol(argv[i + 1] + 1, &end, 10), end != argv[i + 1] + 1 && !*end))
      i++;
    else if (!strcmp(argv[i], "--events") && i + 1 < argc && parse_u64(argv[i + 1], &events) && events > 0) i++;
    else if (!strcmp(argv[i], "--rate") && i + 1 < argc && parse_u64(argv[i + 1], &rate) && rate > 0) i++;
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc && parse_u64(argv[i + 1], &seed)) i++;
    else {
      fprintf(stderr, "strom nexmark run: bad argument '%s'\n", argv[i]);
      goto out;
    }
  }
  bool windowed = q == 5 || q == 7 || q == 8;
  if (windowed && !(lat = strom__nexmark_latency_new())) {
    fprintf(stderr, "strom nexmark run: out of memory\n");
    status = 1;
    goto out;
  }
  strom_stream *src = strom_nexmark_source(env, &(strom_nexmark_opts){.events = events, .first_event_rate = rate, .seed = seed});
  strom_stream *res = strom__nexmark_query_probed(env, q, src, lat);
  if (!res) {
    if (strom_env_errmsg(env)[0]) fprintf(stderr, "strom nexmark run: %s\n", strom_env_errmsg(env));
    else fprintf(stderr, "strom nexmark run: q%d is not written as a DataStream job (q0-q5, q7 and q8 are)\n", q);
    goto out;
  }
  strom_discard(res);
  running_env = env;
  if (got_signal) strom_env_cancel(env);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  double c0 = cpu_seconds();
  int rc = strom_execute(env, "nexmark");
  clock_gettime(CLOCK_MONOTONIC, &b);
  running_env = NULL;
  double wall = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9, cpu = cpu_seconds() - c0;
  if (rc) {
    fprintf(stderr, "strom: %s\n", strom_env_errmsg(env));
    status = rc == STROM_ECANCELED && got_signal ? 128 + got_signal : 1;
    goto out;
  }
  printf("q%d: %llu events in %.2f s: %.0f events/s, %.2f cores used, %.0f events/s per core, peak RSS %.1f MB, "
         "%lld checkpoints",
         q, (unsigned long long)events, wall, (double)events / wall, cpu / wall, (double)events / cpu,
         (double)peak_rss_kb() / 1024, (long long)strom_env_checkpoints_completed(env));
  if (lat) {
    double p50, p99;
    size_t n = strom__nexmark_latency_stats(lat, &p50, &p99);
    printf(", latency p50 %.1f ms p99 %.1f ms (%zu results)", p50, p99, n);
  }
  printf("\n");
  status = 0;
out:
  strom_env_free(env);
  strom__nexmark_latency_free(lat);
  nftw(ckpt, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return status;
}

static int cmd_nexmark(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[2], "run")) return cmd_nexmark_run(argc, argv);
  if (argc < 3 || strcmp(argv[2], "generate")) {
    fprintf(stderr, "strom nexmark: subcommands are 'generate --events N --out FILE [--seed S] [--rate R]' and "
                    "'run --query qN [--events N] [-p P] [--rate R] [--seed S]'\n");
    return 2;
  }
  uint64_t events = 0, seed = 0, rate = 0;
  bool have_events = false;
  const char *out = NULL;
  for (int i = 3; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool ok;
    if (!strcmp(a, "--events")) ok = parse_u64(v, &events), have_events = true, i++;
    else if (!strcmp(a, "--seed")) ok = parse_u64(v, &seed), i++;
    else if (!strcmp(a, "--rate")) ok = parse_u64(v, &rate) && rate > 0, i++;
    else if (!strcmp(a, "--out") && v) ok = true, out = v, i++;
    else ok = false;
    if (!ok) {
      fprintf(stderr, "strom nexmark generate: bad argument '%s%s%s'\n", a, v ? " " : "", v ? v : "");
      return 2;
    }
  }
  if (!have_events || !out) {
    fprintf(stderr, "strom nexmark generate: --events N and --out FILE are required\n");
    return 2;
  }
  FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
  if (!f) {
    perror(out);
    return 1;
  }
  nexmark_config c = {.seed = seed, .first_event_rate = rate};
  strom__nexmark_defaults(&c);
  static nexmark_event ev;
  char line[4096];
  for (uint64_t n = 0; n < events && !got_signal; n++) {
    strom__nexmark_event(&c, n, &ev);
    size_t len = strom__nexmark_json(&ev, line, sizeof line - 1);
    if (len >= sizeof line - 1) {
      fprintf(stderr, "strom nexmark generate: event %llu too long\n", (unsigned long long)n);
      return 1;
    }
    line[len++] = '\n';
    if (fwrite(line, 1, len, f) != len) break;
  }
  int bad = ferror(f) | (f != stdout ? fclose(f) : fflush(f));
  if (bad) {
    perror(out);
    return 1;
  }
  return got_signal ? 128 + got_signal : 0;
}

/* strom run SCRIPT.sql [options]: the job a SQL script defines (Flink's `flink run`; the
 * options are those of `strom sql`, --from PATH resumes from a checkpoint/savepoint). */
static int cmd_run(int argc, char **argv) {
  if (argc < 3 || argv[2][0] == '-') {
    fprintf(stderr, "usage: strom run SCRIPT.sql [--from PATH] [--allow-non-restored-state] [-D VAR=value ...]\n");
    return 2;
  }
  size_t len = strlen(argv[2]);
  if (len < 5 || strcmp(argv[2] + len - 4, ".sql")) {
    fprintf(stderr, "strom run: '%s' is not a SQL script (.sql); built-in jobs run as `strom wordcount` and "
            "`strom nexmark run`\n", argv[2]);
    return 2;
  }
  char **args = calloc((size_t)argc + 2, sizeof *args);
  if (!args) return 1;
  args[0] = argv[0];
  args[1] = "sql";
  args[2] = "-f";
  for (int i = 2; i < argc; i++) args[i + 1] = argv[i];
  int rc = strom__cmd_sql(argc + 1, args);
  free(args);
  return rc;
}

int main(int argc, char **argv) {
  struct sigaction sa = {.sa_handler = on_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
    printf("strom %s\n", STROM_VERSION);
    return 0;
  }
  if (!strcmp(argv[1], "wordcount")) return cmd_wordcount(argc, argv);
  if (!strcmp(argv[1], "nexmark")) return cmd_nexmark(argc, argv);
  if (!strcmp(argv[1], "sql")) return strom__cmd_sql(argc, argv);
  if (!strcmp(argv[1], "run")) return cmd_run(argc, argv);
  fprintf(stderr, "strom: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
