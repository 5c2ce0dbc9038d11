/*
 * test_sql_fast.c -- the planner's speed paths must not change a result: compiled
 * expressions (src/sql/expr_fast.c) against the general evaluator (the same query with
 * STROM_SQL_INTERPRET=1) and hand-computed rows, on NULLs, overflow and every
 * comparison; the nexmark source's projection pushdown against the full source; a
 * computed rowtime evaluated in the watermark operator (and its NULL error).
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_test.h"
#include "strom.h"

/* The query's rows compiled and interpreted, each equal to expected. */
#define CHECK_BOTH(sql, expected)                        \
  do {                                                   \
    unsetenv("STROM_SQL_INTERPRET");                     \
    CHECK_ROWS(sql, false, expected);                    \
    setenv("STROM_SQL_INTERPRET", "1", 1);               \
    CHECK_ROWS(sql, false, expected);                    \
    unsetenv("STROM_SQL_INTERPRET");                     \
  } while (0)

#define T4 "FROM (VALUES (1, 10, CAST(2.50 AS DECIMAL(5, 2))), (2, CAST(NULL AS INT), CAST(NULL AS DECIMAL(5, 2))), " \
           "(CAST(NULL AS INT), 0, CAST(-1.25 AS DECIMAL(5, 2))), (3, 3, CAST(999.99 AS DECIMAL(5, 2)))) AS t(a, b, d)"

TEST(comparisons_and_logic_with_nulls) {
  /* column op literal, expression op literal, column op column; NULL compares to NULL */
  CHECK_BOTH("SELECT a = 2, a <> 2, a < 2, a > 2, a <= 2, a >= 2, a + 1 = 3, a = b, b > a " T4,
             "+I[FALSE, TRUE, TRUE, FALSE, TRUE, FALSE, FALSE, FALSE, TRUE]\n"
             "+I[TRUE, FALSE, FALSE, FALSE, TRUE, TRUE, TRUE, <NULL>, <NULL>]\n"
             "+I[<NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>]\n"
             "+I[FALSE, TRUE, FALSE, TRUE, FALSE, TRUE, FALSE, TRUE, FALSE]\n");
  /* three-valued AND / OR: FALSE AND NULL is FALSE, TRUE OR NULL is TRUE, NULL OR
   * FALSE is NULL, whichever side the NULL is on */
  CHECK_BOTH("SELECT a > 1 AND b > 0, a > 1 OR b > 0, b > 5 AND a > 0, b > 5 OR a > 5 " T4,
             "+I[FALSE, TRUE, TRUE, TRUE]\n"
             "+I[<NULL>, TRUE, <NULL>, <NULL>]\n"
             "+I[FALSE, <NULL>, FALSE, <NULL>]\n"
             "+I[TRUE, TRUE, FALSE, FALSE]\n");
  /* decimals of one scale compare as integers; MOD(...) = literal */
  CHECK_BOTH("SELECT d > 2.5, d = 999.99, MOD(b, 3) = 1 " T4,
             "+I[FALSE, FALSE, TRUE]\n+I[<NULL>, <NULL>, <NULL>]\n+I[FALSE, FALSE, FALSE]\n+I[TRUE, TRUE, FALSE]\n");
  /* [NOT] BETWEEN includes both ends; a NULL value gives NULL, a NULL bound NULL unless
   * the other bound fails (3 BETWEEN NULL AND 0 is FALSE, as x >= lo AND x <= hi in
   * Flink); decimals of one scale; bounds that are expressions */
  CHECK_BOTH("SELECT a BETWEEN 1 AND 2, a NOT BETWEEN 1 AND 2, b BETWEEN a AND 10, 3 BETWEEN a AND b, "
             "d BETWEEN -1.25 AND 2.50, a BETWEEN b - 10 AND b + 1 " T4,
             "+I[TRUE, FALSE, TRUE, TRUE, TRUE, TRUE]\n"
             "+I[TRUE, FALSE, <NULL>, <NULL>, <NULL>, <NULL>]\n"
             "+I[<NULL>, <NULL>, <NULL>, FALSE, TRUE, <NULL>]\n"
             "+I[FALSE, TRUE, TRUE, TRUE, FALSE, TRUE]\n");
}

TEST(case_dispatch_and_general_case) {
  /* CASE over one column's values (a view's event_type dispatch): a NULL key takes ELSE,
   * no ELSE gives NULL, the first match wins */
  CHECK_BOTH("SELECT CASE WHEN a = 1 THEN 'one' WHEN a = 3 THEN 'three' WHEN a = 1 THEN 'again' ELSE 'other' END, "
             "CASE WHEN a = 2 THEN b END, CASE WHEN a = 1 THEN 10 WHEN b = 0 THEN 20 END " T4,
             "+I[one, <NULL>, 10]\n+I[other, <NULL>, <NULL>]\n+I[other, <NULL>, 20]\n+I[three, <NULL>, <NULL>]\n");
}

TEST(arithmetic_casts_and_overflow) {
  /* INT wraps as in Flink; a DECIMAL product that overflows its precision is NULL;
   * literal * decimal; casts of integers and decimals to wider scales */
  CHECK_BOTH("SELECT CAST(2147483647 AS INT) + a, a * b - 1, 0.908 * CAST(b AS DECIMAL(18, 0)), d * d, "
             "CAST(a AS DECIMAL(4, 2)), CAST(d AS DECIMAL(8, 4)), CAST(b AS BIGINT) * 3000000000 " T4,
             "+I[-2147483648, 9, 9.080, 6.2500, 1.00, 2.5000, 30000000000]\n"
             "+I[-2147483647, <NULL>, <NULL>, <NULL>, 2.00, <NULL>, <NULL>]\n"
             "+I[<NULL>, <NULL>, 0.000, 1.5625, <NULL>, -1.2500, 0]\n"
             "+I[-2147483646, 8, 2.724, 999980.0001, 3.00, 999.9900, 9000000000]\n");
  /* overflow of the declared precision gives NULL (Flink's default), not a wrapped value */
  CHECK_BOTH("SELECT CAST(b AS DECIMAL(3, 2)), CAST(123456789012345678 AS DECIMAL(18, 2)) "
             "FROM (VALUES (9), (10)) AS t(b)",
             "+I[9.00, <NULL>]\n+I[<NULL>, <NULL>]\n");
  /* a literal cast is done once at plan time, but a failing one still fails at run time,
   * and TRY_CAST of it is NULL */
  CHECK_BOTH("SELECT TRY_CAST('x' AS INT), CAST('12' AS INT) + 1 FROM (VALUES (1)) AS t(a)", "+I[<NULL>, 13]\n");
  CHECK_ERR("SELECT CAST('x' AS INT) FROM (VALUES (1)) AS t(a)", "cannot cast 'x' to INT");
}

TEST(huge_interval_literals_are_refused) {
  /* found by fuzz_sql_plan: the milliseconds of these do not fit 64 bits */
  CHECK_ERR("SELECT TIMESTAMP '2020-01-01 00:00:00' + INTERVAL '99999999999999999' HOUR", "interval '99999999999999999' is out of range");
  CHECK_ERR("SELECT TIMESTAMP '2020-01-01 00:00:00' - INTERVAL '999999999999999 01:00:00' DAY TO SECOND",
            "is out of range");
  CHECK_BOTH("SELECT TIMESTAMP '2020-01-01 00:00:00' + INTERVAL '1 01:00:00' DAY TO SECOND",
             "+I[2020-01-02 01:00:00]\n");
  /* found by fuzz_sql_values: interval text whose months or milliseconds overflow */
  CHECK_ERR("SELECT CAST(s AS INTERVAL YEAR TO MONTH) FROM (VALUES ('-025555555555555555531-0')) AS t(s)",
            "cannot cast '-025555555555555555531-0' to INTERVAL YEAR TO MONTH");
  CHECK_ERR("SELECT CAST(s AS INTERVAL DAY TO SECOND) FROM (VALUES ('99999999999999 00:00:00')) AS t(s)",
            "cannot cast '99999999999999 00:00:00' to INTERVAL DAY TO SECOND");
  CHECK_BOTH("SELECT CAST(s AS INTERVAL YEAR TO MONTH) FROM (VALUES ('1-02')) AS t(s)", "+I[+1-02]\n");
}

TEST(joins_read_only_the_columns_used_above_them) {
  /* the planner narrows each join input to what the parent, the keys and the residual
   * read (pad and w are dropped below the joins); the results must not change */
  const char *t = "WITH a(k, x, pad) AS (VALUES (1, 10, 'p'), (2, 20, 'q'), (3, 30, 'r')), "
                  "b(k, y, z, w) AS (VALUES (1, 5, 11, 'u'), (1, 6, 9, 'v'), (2, 7, 25, 'w'), (4, 8, 99, 'x')), "
                  "c(y, label) AS (VALUES (5, 'five'), (7, 'seven')) ";
  char sql[1024];
  /* an aggregate over a join whose residual reads z (not in the output) */
  snprintf(sql, sizeof sql, "%s SELECT a.x, SUM(b.y) FROM a JOIN b ON a.k = b.k AND b.z > a.x GROUP BY a.x", t);
  CHECK_BOTH(sql, "+I[10, 5]\n+I[20, 7]\n");
  /* a three-way join: the inner join is pruned again below the outer one (outer joins'
   * padding over pruned inputs: test_sql_join) */
  snprintf(sql, sizeof sql,
           "%s SELECT c.label, a.x FROM a JOIN b ON a.k = b.k JOIN c ON b.y = c.y WHERE a.x > 5", t);
  CHECK_BOTH(sql, "+I[five, 10]\n+I[seven, 20]\n");
  /* a compiled residual: BETWEEN over timestamps with interval arithmetic (q4/q7's shape) */
  CHECK_BOTH("WITH a(k, t) AS (VALUES (1, TIMESTAMP '2026-01-01 10:00:00'), (2, TIMESTAMP '2026-01-01 10:00:05')), "
             "b(k, t, p) AS (VALUES (1, TIMESTAMP '2026-01-01 10:00:10', 7), (1, TIMESTAMP '2026-01-01 10:00:10.001', 8), "
             "(2, TIMESTAMP '2026-01-01 10:00:05', 9), (2, TIMESTAMP '2026-01-01 10:00:04.999', 10)) "
             "SELECT a.k, b.p FROM a JOIN b ON a.k = b.k AND b.t BETWEEN a.t AND a.t + INTERVAL '10' SECOND",
             "+I[1, 7]\n+I[2, 9]\n");
}

TEST(explain_of_having_on_an_aggregate_not_selected) {
  /* found by fuzz_sql_plan: EXPLAIN printed a CALC's filter with the output's column
   * names, reading past them when HAVING uses an aggregate the SELECT does not */
  char *out, err[512];
  int rc = run("CREATE TABLE t (a INT, b INT) WITH ('connector' = 'datagen');"
               "EXPLAIN SELECT a >= COUNT(*) FROM t GROUP BY a HAVING SUM(b) > 1;",
               &out, err, sizeof err);
  CHECK_INT(rc, 0);
  CHECK(strstr(out, "where=[(SUM(b) > 1)]") != NULL);
  free(out);
}

/* ---- the nexmark source's projection pushdown ---- */

typedef struct {
  int n;
  int64_t sum;
  uint64_t hash;
} digest;

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ULL; }

static void digest_row(digest *d, const strom_row *r) {
  const strom_schema *s = strom_row_schema(r);
  d->n++;
  for (int i = 0; i < strom_schema_ncols(s); i++) {
    if (strom_row_is_null(r, i)) {
      d->hash = mix(d->hash, 0xdead);
      continue;
    }
    const char *name = strom_schema_col_name(s, i);
    if (strom_schema_col_type(s, i) == STROM_VARCHAR) {
      size_t len;
      const char *p = strom_row_get_str(r, i, &len);
      for (size_t k = 0; k < len; k++) d->hash = mix(d->hash, (unsigned char)p[k]);
    } else {
      int64_t v = strom_schema_col_type(s, i) == STROM_INT ? strom_row_get_int(r, i) : strom_row_get_bigint(r, i);
      d->hash = mix(d->hash, (uint64_t)v);
      if (!strcmp(name, "bid_price")) d->sum += v;
    }
  }
  d->hash = mix(d->hash, (uint64_t)strom_row_time(r));
}

/* The columns named, in that order, from the full source (a projection by hand). */
static const char *cols[] = {"bid_price", "event_type", "person_name", "date_time", "auction_category", "bid_extra"};

static int project_by_hand(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)ctx, (void)input;
  strom_row *o = strom_out_row(out);
  const strom_schema *s = strom_row_schema(in);
  for (int i = 0; i < 6; i++) {
    int c = strom_schema_find(s, cols[i]);
    if (strom_row_is_null(in, c)) continue;
    if (strom_schema_col_type(s, c) == STROM_VARCHAR) {
      size_t len;
      const char *p = strom_row_get_str(in, c, &len);
      strom_row_set_str(o, i, p, len);
    } else if (strom_schema_col_type(s, c) == STROM_INT) {
      strom_row_set_int(o, i, strom_row_get_int(in, c));
    } else {
      strom_row_set_bigint(o, i, strom_row_get_bigint(in, c));
    }
  }
  strom_row_set_time(o, strom_row_time(in));
  return strom_out_emit(out, o);
}

static void run_digest(bool pushed, digest *d) {
  strom_env *env = strom_env_new(NULL);
  strom_nexmark_opts o = {.events = 20000, .seed = 7};
  if (pushed) o.columns = "bid_price, event_type,person_name , date_time, auction_category, bid_extra";
  strom_stream *s = strom_nexmark_source(env, &o);
  if (!pushed) {
    strom_schema *sch = strom_schema_parse("bid_price BIGINT, event_type INT, person_name VARCHAR, date_time TIMESTAMP, "
                                           "auction_category BIGINT, bid_extra VARCHAR", NULL, 0);
    s = strom_process(s, &(strom_process_def){.process = project_by_hand, .out_schema = sch});
    strom_schema_free(sch);
  }
  strom_results *res = strom_collect(s);
  CHECK_INT(strom_execute(env, "digest"), STROM_OK);
  for (size_t i = 0; i < strom_results_count(res); i++) digest_row(d, strom_results_row(res, i));
  strom_env_free(env);
}

TEST(nexmark_projection_pushdown_equals_the_full_source) {
  digest full = {0, 0, 14695981039346656037ULL}, pushed = full;
  run_digest(false, &full);
  run_digest(true, &pushed);
  CHECK_INT(full.n, 20000);
  CHECK_INT(pushed.n, 20000);
  CHECK(full.sum > 0);
  CHECK(pushed.sum == full.sum);
  CHECK(pushed.hash == full.hash);
  /* bad column lists are refused by name */
  const char *bad[][2] = {{"bid_price, nope", "'nope' in columns is not a Nexmark column"},
                          {"bid_price, bid_price", "column 'bid_price' appears twice"},
                          {" , ", "columns names no column"}};
  for (int i = 0; i < 3; i++) {
    strom_env *env = strom_env_new(NULL);
    CHECK(!strom_nexmark_source(env, &(strom_nexmark_opts){.events = 10, .columns = bad[i][0]}));
    CHECK(strstr(strom_env_errmsg(env), bad[i][1]) != NULL);
    strom_env_free(env);
  }
}

/* EXPLAIN shows the plan as it runs: the source's projection (Flink's project=[...]),
 * CALCs merged, an aggregation's input narrowed to what it reads, mini-batch. */
TEST(explain_shows_the_optimized_plan) {
  const char *ddl = "CREATE TABLE nx (event_type INT, bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, "
                    "channel VARCHAR, url VARCHAR, dateTime TIMESTAMP(3), extra VARCHAR>) "
                    "WITH ('connector' = 'nexmark', 'seed' = '7');\n"
                    "CREATE TEMPORARY VIEW b AS SELECT bid.auction, bid.price, bid.url FROM nx WHERE event_type = 2;\n";
  char sql[2048], *out, err[512];
  snprintf(sql, sizeof sql, "%sEXPLAIN SELECT auction, price * 2 FROM b WHERE price > 10;", ddl);
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  const char *want = "Calc(select=[bid.auction AS auction, (bid.price * CAST(2 AS BIGINT)) AS EXPR$1], "
                     "where=[((event_type = 2) AND (bid.price > CAST(10 AS BIGINT)))])\n"
                     "  TableSourceScan(table=[nx], connector=[nexmark], project=[event_type, bid.auction, bid.price])\n";
  if (!strstr(out, want)) fprintf(stderr, "%s\n", out);
  CHECK(strstr(out, want) != NULL);
  free(out);
  snprintf(sql, sizeof sql,
           "%sSET 'table.exec.mini-batch.enabled' = 'true';\nSET 'table.exec.mini-batch.allow-latency' = '2 s';\n"
           "SET 'table.exec.mini-batch.size' = '5000';\nEXPLAIN SELECT auction, COUNT(*) FROM b GROUP BY auction;",
           ddl);
  CHECK_INT(run(sql, &out, err, sizeof err), 0);
  want = "GroupAggregate(groupBy=[auction], select=[COUNT(*)]) [changelog] [mini-batch: 5000 rows or 2000 ms]\n"
         "    Calc(select=[bid.auction AS auction], where=[(event_type = 2)])\n"
         "      TableSourceScan(table=[nx], connector=[nexmark], project=[event_type, bid.auction])\n";
  if (!strstr(out, want)) fprintf(stderr, "%s\n", out);
  CHECK(strstr(out, want) != NULL);
  free(out);
}

/* The INSERTs of a statement set that read one table share its source (one task at
 * parallelism 1, where each used to run its own), and each sink gets every row. */
TEST(statement_set_inserts_share_a_source) {
  const char *bin = getenv("STROM_BIN");
  if (!bin || access(bin, X_OK)) {
    printf("     skip: STROM_BIN is not set to the strom binary (tests/run.sh sets it)\n");
    return;
  }
  char path[600], cmd[1400], line[256];
  snprintf(path, sizeof path, "%s/set.sql", tmp);
  FILE *f = fopen(path, "w");
  fprintf(f,
          "SET 'parallelism.default' = '1';\n"
          "CREATE TABLE nx (event_type INT, bid ROW<auction BIGINT, price BIGINT>) WITH ('connector' = 'nexmark', "
          "'seed' = '7', 'events.num' = '10000');\n"
          "CREATE TABLE a (auction BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s/a', 'format' = 'csv');\n"
          "CREATE TABLE b (price BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s/b', 'format' = 'csv');\n"
          "EXECUTE STATEMENT SET BEGIN\n"
          "INSERT INTO a SELECT bid.auction FROM nx WHERE event_type = 2;\n"
          "INSERT INTO b SELECT bid.price FROM nx WHERE event_type = 2 AND bid.price > 0;\n"
          "END;\n",
          tmp, tmp);
  fclose(f);
  snprintf(cmd, sizeof cmd, "STROM_LOG=info '%s' sql -f '%s' 2>&1 | grep -c 'job: 1 tasks'", bin, path);
  FILE *p = popen(cmd, "r");
  CHECK(fgets(line, sizeof line, p) != NULL);
  pclose(p);
  CHECK_INT(atoi(line), 1);
  /* 46 of every 50 events are bids */
  for (int i = 0; i < 2; i++) {
    snprintf(cmd, sizeof cmd, "cat %s/%s/part-* | wc -l", tmp, i ? "b" : "a");
    p = popen(cmd, "r");
    CHECK(fgets(line, sizeof line, p) != NULL);
    pclose(p);
    CHECK_INT(atoi(line), 9200);
  }
  /* The shared source reads the columns of both INSERTs (bid.auction and bid.price);
   * each INSERT alone reads only its own.  The rows must not differ. */
  f = fopen(path, "w");
  fprintf(f,
          "SET 'parallelism.default' = '1';\n"
          "CREATE TABLE nx (event_type INT, bid ROW<auction BIGINT, price BIGINT>) WITH ('connector' = 'nexmark', "
          "'seed' = '7', 'events.num' = '10000');\n"
          "CREATE TABLE a1 (auction BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s/a1', 'format' = 'csv');\n"
          "CREATE TABLE b1 (price BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s/b1', 'format' = 'csv');\n"
          "INSERT INTO a1 SELECT bid.auction FROM nx WHERE event_type = 2;\n"
          "INSERT INTO b1 SELECT bid.price FROM nx WHERE event_type = 2 AND bid.price > 0;\n",
          tmp, tmp);
  fclose(f);
  snprintf(cmd, sizeof cmd, "'%s' sql -f '%s' >/dev/null 2>&1", bin, path);
  CHECK_INT(system(cmd), 0);
  for (int i = 0; i < 2; i++) {
    snprintf(cmd, sizeof cmd, "cmp -s <(cat %s/%s/part-* | sort) <(cat %s/%s1/part-* | sort) && echo same", tmp, i ? "b" : "a", tmp,
             i ? "b" : "a");
    char sh[1600];
    snprintf(sh, sizeof sh, "bash -c '%s'", cmd);
    p = popen(sh, "r");
    CHECK(fgets(line, sizeof line, p) != NULL && !strcmp(line, "same\n"));
    pclose(p);
  }
}

static void write_file(const char *path, const char *text);

/* ---- equal aggregations computed once ---- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

TEST(q5_with_its_two_equal_aggregations_computed_once) {
  /* Nexmark q5 reads the same HOP count of bids twice; the planner builds it once.  The
   * final rows (batch mode) must equal a reference computed here from the generator's
   * bids: per 10 s window sliding by 2 s, the auctions with the most bids. */
  enum { EVENTS = 30000, MAXW = 64, MAXA = 4096 };
  strom_env *env = strom_env_new(NULL);
  strom_results *res = strom_collect(strom_nexmark_source(
      env, &(strom_nexmark_opts){.events = EVENTS, .first_event_rate = 1000, .columns = "event_type, bid_auction, date_time"}));
  CHECK_INT(strom_execute(env, "bids"), STROM_OK);
  static int64_t cnt[MAXW][MAXA];
  int64_t auc[MAXA];
  int na = 0;
  memset(cnt, 0, sizeof cnt);
  int64_t t0 = INT64_MAX;
  for (size_t i = 0; i < strom_results_count(res); i++) {
    const strom_row *r = strom_results_row(res, i);
    if (strom_row_get_int(r, 0) == 2 && strom_row_get_timestamp(r, 2) < t0) t0 = strom_row_get_timestamp(r, 2);
  }
  int64_t base = t0 - t0 % 2000 - 8000; /* the first window start that holds a bid */
  for (size_t i = 0; i < strom_results_count(res); i++) {
    const strom_row *r = strom_results_row(res, i);
    if (strom_row_get_int(r, 0) != 2) continue;
    int64_t a = strom_row_get_bigint(r, 1), ts = strom_row_get_timestamp(r, 2);
    int k = 0;
    while (k < na && auc[k] != a) k++;
    if (k == na && na < MAXA) auc[na++] = a;
    for (int64_t st = ts - ts % 2000; st > ts - 10000; st -= 2000) cnt[(st - base) / 2000][k]++;
  }
  strom_env_free(env);
  char *lines[MAXW * 8];
  int nl = 0;
  for (int w = 0; w < MAXW; w++) {
    int64_t mx = 0;
    for (int k = 0; k < na; k++) mx = cnt[w][k] > mx ? cnt[w][k] : mx;
    for (int k = 0; mx && k < na && nl < MAXW * 8; k++)
      if (cnt[w][k] == mx && asprintf(&lines[nl], "+I[%lld, %lld]", (long long)auc[k], (long long)mx) > 0) nl++;
  }
  qsort(lines, (size_t)nl, sizeof *lines, cmp_str);
  size_t len = 1;
  for (int i = 0; i < nl; i++) len += strlen(lines[i]) + 1;
  char *want = calloc(1, len);
  for (int i = 0; i < nl; i++) strcat(strcat(want, lines[i]), "\n"), free(lines[i]);
  CHECK(nl > 10);
  char sql[2048];
  snprintf(sql, sizeof sql,
           "SET 'execution.runtime-mode' = 'batch';"
           "CREATE TABLE nx (event_type INT, bid_auction BIGINT, date_time TIMESTAMP(3), "
           "WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND) WITH ('connector' = 'nexmark', "
           "'events.num' = '%d', 'first-event.rate' = '1000');"
           "CREATE VIEW bid AS SELECT bid_auction AS auction, date_time AS dateTime FROM nx WHERE event_type = 2;"
           "SELECT AuctionBids.auction, AuctionBids.num FROM ("
           " SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime"
           " FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))"
           " GROUP BY auction, window_start, window_end) AS AuctionBids "
           "JOIN (SELECT MAX(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime FROM ("
           " SELECT COUNT(*) AS num, window_start AS starttime, window_end AS endtime"
           " FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))"
           " GROUP BY auction, window_start, window_end) AS CountBids"
           " GROUP BY CountBids.starttime, CountBids.endtime) AS MaxBids "
           "ON AuctionBids.starttime = MaxBids.starttime AND AuctionBids.endtime = MaxBids.endtime"
           " AND AuctionBids.num >= MaxBids.maxn",
           EVENTS);
  CHECK_ROWS(sql, true, want);
  free(want);
  /* aggregations that differ only in the function, a literal or the key are not shared */
  char path[512];
  snprintf(path, sizeof path, "%s/kv.csv", tmp);
  write_file(path, "1,5,a\n1,7,b\n2,1,a\n2,9,a\n");
  const char *t = "SET 'execution.runtime-mode' = 'batch';"
                  "CREATE TABLE t (k INT, v INT, g STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/kv.csv', "
                  "'format' = 'csv');";
  snprintf(sql, sizeof sql,
           "%s SELECT a.k, a.m, b.m, c.n, d.n FROM (SELECT k, MAX(v) AS m FROM t GROUP BY k) a "
           "JOIN (SELECT k, MIN(v) AS m FROM t GROUP BY k) b ON a.k = b.k "
           "JOIN (SELECT k, COUNT(*) AS n FROM t WHERE v > 1 GROUP BY k) c ON a.k = c.k "
           "JOIN (SELECT k, COUNT(*) AS n FROM t WHERE v > 6 GROUP BY k) d ON a.k = d.k",
           t);
  CHECK_ROWS(sql, true, "+I[1, 7, 5, 2, 1]\n+I[2, 9, 1, 1, 1]\n");
  snprintf(sql, sizeof sql,
           "%s SELECT a.x, a.n, b.n FROM (SELECT k AS x, COUNT(*) AS n FROM t GROUP BY k) a "
           "JOIN (SELECT g AS x, COUNT(*) AS n FROM t GROUP BY g) b ON CAST(a.x AS STRING) <> b.x",
           t);
  CHECK_ROWS(sql, true, "+I[1, 2, 1]\n+I[1, 2, 3]\n+I[2, 2, 1]\n+I[2, 2, 3]\n");
}

/* ---- computed columns folded into the scan ---- */

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

TEST(computed_rowtime_and_computed_columns_in_the_scan) {
  char path[512];
  snprintf(path, sizeof path, "%s/ev.csv", tmp);
  write_file(path, "1,1000,5\n2,4000,7\n1,2500,9\n3,12000,1\n");
  /* the rowtime is a CASE over the physical columns (as Nexmark's ddl.sql), evaluated
   * by the watermark operator; k2 is a computed column used twice (planned the old
   * way); windows see the rowtime: [0, 10 s) has 3 rows (sum 21), [10 s, 20 s) one */
  const char *ddl = "CREATE TABLE ev (k INT, ms BIGINT, v INT, "
                    "ts AS CASE WHEN k = 1 THEN TO_TIMESTAMP_LTZ(ms, 3) ELSE TO_TIMESTAMP_LTZ(ms + 0, 3) END, "
                    "k2 AS k * 2, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) "
                    "WITH ('connector' = 'filesystem', 'path' = '${TMP}/ev.csv', 'format' = 'csv');";
  char sql[2048];
  snprintf(sql, sizeof sql,
           "%s SELECT window_start, COUNT(*), SUM(v) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
           "GROUP BY window_start, window_end",
           ddl);
  CHECK_BOTH(sql, "+I[1970-01-01 00:00:00.000, 3, 21]\n+I[1970-01-01 00:00:10.000, 1, 1]\n");
  snprintf(sql, sizeof sql, "%s SELECT k, ts, k2 + k2 FROM ev WHERE v > 4", ddl);
  CHECK_BOTH(sql, "+I[1, 1970-01-01 00:00:01.000, 4]\n+I[2, 1970-01-01 00:00:04.000, 8]\n+I[1, 1970-01-01 00:00:02.500, 4]\n");
  /* a NULL rowtime fails the job, naming the column */
  write_file(path, "1,1000,5\n2,4000,7\n");
  snprintf(sql, sizeof sql,
           "CREATE TABLE ev (k INT, ms BIGINT, v INT, ts AS CASE WHEN k = 1 THEN TO_TIMESTAMP_LTZ(ms, 3) END, "
           "WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = '${TMP}/ev.csv', 'format' = 'csv'); "
           "SELECT k FROM ev");
  CHECK_ERR(sql, "the timestamp column 'ts' is NULL");
}

/* A rowtime CASE that picks one of several timestamp columns by an integer column (as
 * Nexmark's datagen table declares it) is read by the watermark operator without the
 * evaluator: each kind must take its own column, a NULL or unmatched kind the ELSE. */
TEST(rowtime_picking_a_column_by_kind) {
  char path[512];
  snprintf(path, sizeof path, "%s/kinds.csv", tmp);
  write_file(path,
             "0,1970-01-01 00:00:01,1970-01-01 00:00:30,,1\n"
             "1,1970-01-01 00:00:50,1970-01-01 00:00:02,,2\n"
             "2,,,1970-01-01 00:00:12,4\n"
             ",,,1970-01-01 00:00:15,8\n"
             "5,1970-01-01 00:00:40,,1970-01-01 00:00:03,16\n");
  const char *ddl = "CREATE TABLE kinds (k INT, a TIMESTAMP(3), b TIMESTAMP(3), c TIMESTAMP(3), v INT, "
                    "ts AS CASE WHEN k = 0 THEN a WHEN k = 1 THEN b ELSE c END, "
                    "WATERMARK FOR ts AS ts - INTERVAL '10' SECOND) "
                    "WITH ('connector' = 'filesystem', 'path' = '${TMP}/kinds.csv', 'format' = 'csv');";
  char sql[2048];
  /* [0 s, 10 s): 1 s, 2 s and 3 s (1 + 2 + 16); [10 s, 20 s): 12 s and 15 s (4 + 8) */
  snprintf(sql, sizeof sql,
           "%s SELECT window_start, COUNT(*), SUM(v) FROM TABLE(TUMBLE(TABLE kinds, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
           "GROUP BY window_start, window_end",
           ddl);
  CHECK_BOTH(sql, "+I[1970-01-01 00:00:00.000, 3, 19]\n+I[1970-01-01 00:00:10.000, 2, 12]\n");
  /* the first WHEN that matches wins: kind 0 takes a (1 s), not b (30 s) */
  const char *ddl2 = "CREATE TABLE kinds (k INT, a TIMESTAMP(3), b TIMESTAMP(3), c TIMESTAMP(3), v INT, "
                     "ts AS CASE WHEN k = 0 THEN a WHEN k = 0 THEN b WHEN k = 1 THEN b ELSE c END, "
                     "WATERMARK FOR ts AS ts - INTERVAL '10' SECOND) "
                     "WITH ('connector' = 'filesystem', 'path' = '${TMP}/kinds.csv', 'format' = 'csv');";
  snprintf(sql, sizeof sql, "%s SELECT v, ts FROM kinds WHERE k = 0", ddl2);
  CHECK_BOTH(sql, "+I[1, 1970-01-01 00:00:01.000]\n");
  /* the column a kind picks is NULL: the job fails naming the rowtime */
  write_file(path, "0,1970-01-01 00:00:01,,,1\n1,1970-01-01 00:00:05,,,2\n");
  snprintf(sql, sizeof sql, "%s SELECT v FROM kinds", ddl);
  CHECK_ERR(sql, "the timestamp column 'ts' is NULL");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-fast-%d", (int)getpid());
  mkdir(tmp, 0777);
  RUN(comparisons_and_logic_with_nulls);
  RUN(case_dispatch_and_general_case);
  RUN(arithmetic_casts_and_overflow);
  RUN(huge_interval_literals_are_refused);
  RUN(explain_of_having_on_an_aggregate_not_selected);
  RUN(joins_read_only_the_columns_used_above_them);
  RUN(nexmark_projection_pushdown_equals_the_full_source);
  RUN(computed_rowtime_and_computed_columns_in_the_scan);
  RUN(rowtime_picking_a_column_by_kind);
  RUN(q5_with_its_two_equal_aggregations_computed_once);
  RUN(explain_shows_the_optimized_plan);
  RUN(statement_set_inserts_share_a_source);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  TEST_MAIN_END();
}
