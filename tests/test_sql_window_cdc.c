/*
 * test_sql_window_cdc.c -- window aggregations over an updating input (Flink 1.19's
 * changelog window aggregation): a debezium-json topic on librdkafka's mock cluster
 * (tests/kafka_mock.h) whose updates move rows between windows, whose deletes empty
 * windows (which then emit nothing) and retract a MAX's current maximum, read by
 * TUMBLE, HOP, CUMULATE and SESSION aggregations, with and without DISTINCT, MIN and
 * MAX, and the legacy GROUP BY TUMBLE(...) / HOP(...) / SESSION(...).  Every expected row is computed by hand from the changes.
 */
#include "kafka_sql_test.h"

/* Windows of several keys fire together, in no set order: rows sorted. */
static char *query(const char *sql) { return query_rows(sql, true); }

#define ROW(id, k, v, s) "{\"id\": " #id ", \"k\": \"" k "\", \"v\": " #v ", \"ts\": \"2024-01-01 00:00:" s "\"}"
#define C(r) "{\"before\": null, \"after\": " r ", \"op\": \"c\"}"
#define U(b, a) "{\"before\": " b ", \"after\": " a ", \"op\": \"u\"}"
#define D(r) "{\"before\": " r ", \"after\": null, \"op\": \"d\"}"

/* The changes, and the rows they leave (what every window's result must equal):
 *   id 1 a 5 @01 -> a 6 @15 (moves from [00, 10) to [10, 20))
 *   id 2 a 7 @03, deleted
 *   id 3 b 4 @12, deleted (b's [10, 20) empties: no row for it)
 *   id 4 a 9 @04 -> a 2 @04 (retracts the MAX 9 of a's [00, 10))
 *   id 5 b 1 @25
 *   id 6 a 7 @02 (after id 2's 7: a's [00, 10) keeps one 7 when id 2 goes)
 * left: a 6 @15, a 2 @04, a 7 @02, b 1 @25. */
static const char *const CHANGES[] = {
    C(ROW(1, "a", 5, "01")),
    C(ROW(2, "a", 7, "03")),
    C(ROW(3, "b", 4, "12")),
    U(ROW(1, "a", 5, "01"), ROW(1, "a", 6, "15")),
    D(ROW(3, "b", 4, "12")),
    C(ROW(4, "a", 9, "04")),
    U(ROW(4, "a", 9, "04"), ROW(4, "a", 2, "04")),
    C(ROW(5, "b", 1, "25")),
    C(ROW(6, "a", 7, "02")),
    D(ROW(2, "a", 7, "03")),
};

/* The watermark lags an hour: no change is late, every window fires at the end. */
#define DDL                                                                                                     \
  "CREATE TABLE cdc (id INT, k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' HOUR) "  \
  "WITH ('connector' = 'kafka', 'topic' = 'wcdc', 'properties.bootstrap.servers' = '${BS}', "                 \
  "'format' = 'debezium-json', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');\n"

TEST(setup) {
  CHECK_INT(kmock_topic(&MOCK, "wcdc", 1), 0);
  CHECK_INT(produce("wcdc", CHANGES, NULL, (int)(sizeof CHANGES / sizeof *CHANGES)), 0);
}

TEST(source_is_the_changelog) {
  CHECK_QUERY(DDL "SELECT id, k, v FROM cdc;",
              "+I[1, a, 5]\n+I[2, a, 7]\n+I[3, b, 4]\n+I[4, a, 9]\n+I[5, b, 1]\n+I[6, a, 7]\n"
              "+U[1, a, 6]\n+U[4, a, 2]\n-D[2, a, 7]\n-D[3, b, 4]\n-U[1, a, 5]\n-U[4, a, 9]\n");
}

TEST(tumble_retracts_from_the_window_of_the_row_time) {
  /* a [00, 10): 2 @04, 7 @02; a [10, 20): 6; b [20, 30): 1; b [10, 20) emptied */
  CHECK_QUERY(DDL "SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS s, AVG(v) AS av, COUNT(v) AS nv "
                  "FROM TABLE(TUMBLE(TABLE cdc, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
                  "GROUP BY k, window_start, window_end;",
              "+I[a, 2024-01-01 00:00:00.000, 2024-01-01 00:00:10.000, 2, 9, 4, 2]\n"
              "+I[a, 2024-01-01 00:00:10.000, 2024-01-01 00:00:20.000, 1, 6, 6, 1]\n"
              "+I[b, 2024-01-01 00:00:20.000, 2024-01-01 00:00:30.000, 1, 1, 1, 1]\n");
}

TEST(tumble_with_where_grouping_sets_and_other_aggregates) {
  /* the WHERE drops the 7s (their -D too): a [00, 10) keeps 2 */
  CHECK_QUERY(DDL "SELECT k, window_start, COUNT(*) AS n, MAX(v) AS hi "
                  "FROM TABLE(TUMBLE(TABLE cdc, DESCRIPTOR(ts), INTERVAL '10' SECOND)) WHERE v < 7 "
                  "GROUP BY k, window_start, window_end;",
              "+I[a, 2024-01-01 00:00:00.000, 1, 2]\n"
              "+I[a, 2024-01-01 00:00:10.000, 1, 6]\n"
              "+I[b, 2024-01-01 00:00:20.000, 1, 1]\n");
  CHECK_QUERY(DDL "SELECT k, window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE cdc, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
                  "GROUP BY GROUPING SETS ((k, window_start, window_end), (window_start, window_end));",
              "+I[<NULL>, 2024-01-01 00:00:00.000, 2]\n+I[<NULL>, 2024-01-01 00:00:10.000, 1]\n"
              "+I[<NULL>, 2024-01-01 00:00:20.000, 1]\n+I[a, 2024-01-01 00:00:00.000, 2]\n"
              "+I[a, 2024-01-01 00:00:10.000, 1]\n+I[b, 2024-01-01 00:00:20.000, 1]\n");
  /* a [00, 10) is left with 2 (id 4's update, arrived first) then 7 (id 6): STDDEV_POP 2.5 as INT */
  CHECK_QUERY(DDL "SELECT k, window_start, LISTAGG(CAST(v AS STRING)) AS l, FIRST_VALUE(v) AS f, LAST_VALUE(v) AS la, "
                  "STDDEV_POP(v) AS sd FROM TABLE(TUMBLE(TABLE cdc, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
                  "GROUP BY k, window_start, window_end;",
              "+I[a, 2024-01-01 00:00:00.000, 2,7, 2, 7, 2]\n"
              "+I[a, 2024-01-01 00:00:10.000, 6, 6, 6, 0]\n"
              "+I[b, 2024-01-01 00:00:20.000, 1, 1, 1, 0]\n");
}

TEST(tumble_counts_only) {
  CHECK_QUERY(DDL "SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE cdc, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
                  "GROUP BY window_start, window_end;",
              "+I[2024-01-01 00:00:00.000, 2]\n+I[2024-01-01 00:00:10.000, 1]\n+I[2024-01-01 00:00:20.000, 1]\n");
}

TEST(hop_retracts_from_both_windows) {
  /* every row in two 10 s windows sliding by 5 s */
  CHECK_QUERY(DDL "SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS s "
                  "FROM TABLE(HOP(TABLE cdc, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) "
                  "GROUP BY k, window_start, window_end;",
              "+I[a, 2023-12-31 23:59:55.000, 2024-01-01 00:00:05.000, 2, 9]\n"
              "+I[a, 2024-01-01 00:00:00.000, 2024-01-01 00:00:10.000, 2, 9]\n"
              "+I[a, 2024-01-01 00:00:10.000, 2024-01-01 00:00:20.000, 1, 6]\n"
              "+I[a, 2024-01-01 00:00:15.000, 2024-01-01 00:00:25.000, 1, 6]\n"
              "+I[b, 2024-01-01 00:00:20.000, 2024-01-01 00:00:30.000, 1, 1]\n"
              "+I[b, 2024-01-01 00:00:25.000, 2024-01-01 00:00:35.000, 1, 1]\n");
}

TEST(cumulate_retracts_from_every_step) {
  /* steps of 5 s in 10 s windows: a row at 15 is only in [10, 20) */
  CHECK_QUERY(DDL "SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS s "
                  "FROM TABLE(CUMULATE(TABLE cdc, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) "
                  "GROUP BY k, window_start, window_end;",
              "+I[a, 2024-01-01 00:00:00.000, 2024-01-01 00:00:05.000, 2, 9]\n"
              "+I[a, 2024-01-01 00:00:00.000, 2024-01-01 00:00:10.000, 2, 9]\n"
              "+I[a, 2024-01-01 00:00:10.000, 2024-01-01 00:00:20.000, 1, 6]\n"
              "+I[b, 2024-01-01 00:00:20.000, 2024-01-01 00:00:30.000, 1, 1]\n");
}

TEST(distinct_values_leave_with_their_last_row) {
  /* a [00, 10) saw 5, 7, 9, 2, 7 and keeps 2 and 7 (id 2's 7 goes, id 6's stays) */
  CHECK_QUERY(DDL "SELECT k, window_start, COUNT(DISTINCT v) AS d, SUM(DISTINCT v) AS sd "
                  "FROM TABLE(TUMBLE(TABLE cdc, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
                  "GROUP BY k, window_start, window_end;",
              "+I[a, 2024-01-01 00:00:00.000, 2, 9]\n"
              "+I[a, 2024-01-01 00:00:10.000, 1, 6]\n"
              "+I[b, 2024-01-01 00:00:20.000, 1, 1]\n");
  CHECK_QUERY(DDL "SELECT k, window_end, COUNT(DISTINCT v) AS d "
                  "FROM TABLE(CUMULATE(TABLE cdc, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) "
                  "GROUP BY k, window_start, window_end;",
              "+I[a, 2024-01-01 00:00:05.000, 2]\n"
              "+I[a, 2024-01-01 00:00:10.000, 2]\n"
              "+I[a, 2024-01-01 00:00:20.000, 1]\n"
              "+I[b, 2024-01-01 00:00:30.000, 1]\n");
}

TEST(min_max_keep_their_values_to_retract) {
  /* a [00, 10) saw 5, 7, -5, 9, -9, 2, 7, -7: the MIN 5 and then the MAX 9 were retracted */
  CHECK_QUERY(DDL "SELECT k, window_start, MIN(v) AS lo, MAX(v) AS hi, COUNT(*) AS n "
                  "FROM TABLE(TUMBLE(TABLE cdc, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
                  "GROUP BY k, window_start, window_end;",
              "+I[a, 2024-01-01 00:00:00.000, 2, 7, 2]\n"
              "+I[a, 2024-01-01 00:00:10.000, 6, 6, 1]\n"
              "+I[b, 2024-01-01 00:00:20.000, 1, 1, 1]\n");
  /* strings, no key: b4 left [10, 20), where it was the MAX */
  CHECK_QUERY(DDL "SELECT window_start, MIN(k || CAST(v AS STRING)) AS lo, MAX(k || CAST(v AS STRING)) AS hi "
                  "FROM TABLE(TUMBLE(TABLE cdc, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end;",
              "+I[2024-01-01 00:00:00.000, a2, a7]\n"
              "+I[2024-01-01 00:00:10.000, a6, a6]\n"
              "+I[2024-01-01 00:00:20.000, b1, b1]\n");
  CHECK_QUERY(DDL "SELECT k, window_start, MIN(v) AS lo, MAX(v) AS hi "
                  "FROM TABLE(HOP(TABLE cdc, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) "
                  "GROUP BY k, window_start, window_end;",
              "+I[a, 2023-12-31 23:59:55.000, 2, 7]\n"
              "+I[a, 2024-01-01 00:00:00.000, 2, 7]\n"
              "+I[a, 2024-01-01 00:00:10.000, 6, 6]\n"
              "+I[a, 2024-01-01 00:00:15.000, 6, 6]\n"
              "+I[b, 2024-01-01 00:00:20.000, 1, 1]\n"
              "+I[b, 2024-01-01 00:00:25.000, 1, 1]\n");
  CHECK_QUERY(DDL "SELECT k, window_end, MIN(v) AS lo, MAX(v) AS hi, COUNT(DISTINCT v) AS d "
                  "FROM TABLE(CUMULATE(TABLE cdc, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) "
                  "GROUP BY k, window_start, window_end;",
              "+I[a, 2024-01-01 00:00:05.000, 2, 7, 2]\n"
              "+I[a, 2024-01-01 00:00:10.000, 2, 7, 2]\n"
              "+I[a, 2024-01-01 00:00:20.000, 6, 6, 1]\n"
              "+I[b, 2024-01-01 00:00:30.000, 1, 1, 1]\n");
  /* a GROUP BY without a window keeps them too (rows sorted): a's MIN 5 and MAX 9
   * leave, b empties (-D) and comes back; id 6's 7 and id 2's retracted 7 change
   * nothing, so the final table is [a, 7, 2], [b, 1, 1] */
  CHECK_QUERY(DDL "SELECT k, MAX(v), MIN(v) FROM cdc GROUP BY k;",
              "+I[a, 5, 5]\n+I[b, 1, 1]\n+I[b, 4, 4]\n+U[a, 7, 2]\n+U[a, 7, 5]\n+U[a, 7, 6]\n+U[a, 7, 6]\n"
              "+U[a, 7, 7]\n+U[a, 9, 6]\n-D[b, 4, 4]\n-U[a, 5, 5]\n-U[a, 7, 5]\n-U[a, 7, 6]\n-U[a, 7, 6]\n"
              "-U[a, 7, 7]\n-U[a, 9, 6]\n");
}

TEST(legacy_group_window) {
  CHECK_QUERY(DDL "SELECT k, TUMBLE_START(ts, INTERVAL '10' SECOND) AS ws, COUNT(*) AS n, SUM(v) AS s FROM cdc "
                  "GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND);",
              "+I[a, 2024-01-01 00:00:00.000, 2, 9]\n"
              "+I[a, 2024-01-01 00:00:10.000, 1, 6]\n"
              "+I[b, 2024-01-01 00:00:20.000, 1, 1]\n");
  CHECK_QUERY(DDL "SELECT k, HOP_END(ts, INTERVAL '5' SECOND, INTERVAL '10' SECOND) AS we, MAX(v) AS hi FROM cdc "
                  "WHERE k = 'a' GROUP BY k, HOP(ts, INTERVAL '5' SECOND, INTERVAL '10' SECOND);",
              "+I[a, 2024-01-01 00:00:05.000, 7]\n"
              "+I[a, 2024-01-01 00:00:10.000, 7]\n"
              "+I[a, 2024-01-01 00:00:20.000, 6]\n"
              "+I[a, 2024-01-01 00:00:25.000, 6]\n");
}

TEST(session_takes_retractions_into_the_session_of_their_time) {
  /* gap 5 s per k: a's @01, @03, @04, @02 merge into [01, 09) (a retraction's own
   * [t, t + 5) lies inside its row's session, so it merges there); id 1 then leaves for
   * [15, 20) but a session never shrinks: [01, 09) keeps its start, as Flink's legacy
   * session windows over retractions.  b's [12, 17) empties: no row. */
  CHECK_QUERY(DDL "SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi "
                  "FROM TABLE(SESSION(TABLE cdc PARTITION BY k, DESCRIPTOR(ts), INTERVAL '5' SECOND)) "
                  "GROUP BY k, window_start, window_end;",
              "+I[a, 2024-01-01 00:00:01.000, 2024-01-01 00:00:09.000, 2, 9, 7]\n"
              "+I[a, 2024-01-01 00:00:15.000, 2024-01-01 00:00:20.000, 1, 6, 6]\n"
              "+I[b, 2024-01-01 00:00:25.000, 2024-01-01 00:00:30.000, 1, 1, 1]\n");
  CHECK_QUERY(DDL "SELECT k, window_start, COUNT(DISTINCT v) AS d, MIN(v) AS lo, AVG(v) AS av "
                  "FROM TABLE(SESSION(TABLE cdc PARTITION BY k, DESCRIPTOR(ts), INTERVAL '5' SECOND)) "
                  "GROUP BY k, window_start, window_end;",
              "+I[a, 2024-01-01 00:00:01.000, 2, 2, 4]\n"
              "+I[a, 2024-01-01 00:00:15.000, 1, 6, 6]\n"
              "+I[b, 2024-01-01 00:00:25.000, 1, 1, 1]\n");
  /* DISTINCT: a value counts while more of its rows add it than retract it (5 and 9 do not) */
  CHECK_QUERY(DDL "SELECT k, SESSION_START(ts, INTERVAL '5' SECOND) AS ws, COUNT(DISTINCT v) AS d, "
                  "SUM(DISTINCT v) AS sd, COUNT(*) AS n FROM cdc GROUP BY k, SESSION(ts, INTERVAL '5' SECOND);",
              "+I[a, 2024-01-01 00:00:01.000, 2, 9, 2]\n"
              "+I[a, 2024-01-01 00:00:15.000, 1, 6, 1]\n"
              "+I[b, 2024-01-01 00:00:25.000, 1, 1, 1]\n");
}

/* A SESSION TVF with no aggregation holds rows until their session closes; a retraction
 * of a row already sent with its session cannot follow it there, so an updating input
 * is refused by name (an aggregation over the TVF takes it, as above). */
TEST(session_tvf_alone_refuses_an_updating_input) {
  char *got = query(DDL "SELECT * FROM TABLE(SESSION(TABLE cdc PARTITION BY k, DESCRIPTOR(ts), INTERVAL '5' SECOND));");
  CHECK(!strncmp(got, "error: ", 7) && strstr(got, "SESSION window TVF without an aggregation over an updating input"));
  if (strncmp(got, "error: ", 7)) fprintf(stderr, "  got: %s\n", got);
  free(got);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (kmock_start_or_fail(&MOCK)) return 1;
  RUN(setup);
  RUN(source_is_the_changelog);
  RUN(tumble_retracts_from_the_window_of_the_row_time);
  RUN(tumble_with_where_grouping_sets_and_other_aggregates);
  RUN(tumble_counts_only);
  RUN(hop_retracts_from_both_windows);
  RUN(cumulate_retracts_from_every_step);
  RUN(distinct_values_leave_with_their_last_row);
  RUN(min_max_keep_their_values_to_retract);
  RUN(legacy_group_window);
  RUN(session_takes_retractions_into_the_session_of_their_time);
  RUN(session_tvf_alone_refuses_an_updating_input);
  kmock_stop(&MOCK);
  TEST_MAIN_END();
}
