/*
 * test_join_regular.c -- the runtime's regular (changelog) join operator
 * (src/runtime/op_join_regular.c) driven from the DataStream API with the rows of its
 * two inputs in a known order: one generator makes both inputs and waits for the
 * join's output to show a row was processed before it emits the next.  Checks the
 * exact changelog of an outer join (null padding retracted by the first match and
 * restored when the last match is retracted) and state TTL on a virtual clock.
 */
#include <stdatomic.h>
#include <time.h>

#include "runtime/join_regular.h"
#include "join_script_test.h"

/* Whether each side is declared insert-only (its rows kept in a list), and the last
 * job's error. */
static bool append_only[2];
static char last_err[512];

/* Runs the script through a join of type t with ttl; the changelog as lines. */
static char *run_join(strom__join_type t, int64_t ttl_ms, const step *steps, int n) {
  atomic_store(&vclock, 1000);
  atomic_store(&outputs, 0);
  strom_env *env = strom_env_new(&(strom_env_opts){.parallelism = 2});
  strom_env_set_clock(env, virtual_now, NULL);
  strom_schema *s = strom_schema_parse("side INT, k INT, v VARCHAR", NULL, 0);
  strom_schema *o = strom_schema_parse("ls INT, lk INT, lv VARCHAR, rs INT, rk INT, rv VARCHAR", NULL, 0);
  script sc = {steps, n};
  strom_stream *in = strom_set_parallelism(strom_from_generator(env, s, (uint64_t)n, gen, &sc), 1);
  strom__regular_join_def d = {.type = t, .in_schema = {s, s}, .ncols = {3, 3}, .out_schema = o, .ttl_ms = ttl_ms,
                               .append_only = {append_only[0], append_only[1]}};
  strom_stream *j = strom__regular_join(strom_key_by(strom_filter(in, side0, NULL), "k"),
                                        strom_key_by(strom_filter(in, side1, NULL), "k"), &d);
  strom_process_def c = {.process = count_out};
  changelog[0] = 0;
  strom_discard(strom_set_parallelism(strom_process(j, &c), 1));
  int rc = strom_execute(env, "join");
  snprintf(last_err, sizeof last_err, "%s", rc ? strom_env_errmsg(env) : "");
  char *text = strdup(rc ? "job failed\n" : changelog);
  strom_env_free(env);
  strom_schema_free(s);
  strom_schema_free(o);
  return text;
}


TEST(left_join_changelog_in_order) {
  /* left a; right x matches (retracts the padding); right y matches too; x is
   * retracted, then y (the padding comes back); a left row retracted at the end */
  static const step s[] = {
      {0, 1, "a", STROM_INSERT, 0, 0},
      {1, 1, "x", STROM_INSERT, 1, 0},
      {1, 1, "y", STROM_INSERT, 3, 0},
      {1, 1, "x", STROM_DELETE, 4, 0},
      {1, 1, "y", STROM_UPDATE_BEFORE, 5, 0},
      {0, 1, "a", STROM_DELETE, 7, 0},
  };
  CHECK_TEXT(run_join(STROM__JOIN_LEFT, 0, s, 6),
             "+I[0, 1, a, null, null, null]\n"
             "-D[0, 1, a, null, null, null]\n+I[0, 1, a, 1, 1, x]\n"
             "+I[0, 1, a, 1, 1, y]\n"
             "-D[0, 1, a, 1, 1, x]\n"
             "-D[0, 1, a, 1, 1, y]\n+I[0, 1, a, null, null, null]\n"
             "-D[0, 1, a, null, null, null]\n");
}

TEST(inner_join_passes_the_input_kind_and_counts_duplicates) {
  /* two identical left rows: each right row joins twice; a -U/+U pair from the right
   * comes out as -U/+U pairs */
  static const step s[] = {
      {0, 1, "a", STROM_INSERT, 0, 0},
      {0, 1, "a", STROM_INSERT, 0, 0},
      {1, 1, "x", STROM_INSERT, 0, 0},
      {1, 1, "x", STROM_UPDATE_BEFORE, 2, 0},
      {1, 1, "z", STROM_UPDATE_AFTER, 4, 0},
  };
  CHECK_TEXT(run_join(STROM__JOIN_INNER, 0, s, 5),
             "+I[0, 1, a, 1, 1, x]\n+I[0, 1, a, 1, 1, x]\n"
             "-U[0, 1, a, 1, 1, x]\n-U[0, 1, a, 1, 1, x]\n"
             "+U[0, 1, a, 1, 1, z]\n+U[0, 1, a, 1, 1, z]\n");
}

TEST(insert_only_sides_are_lists_with_the_same_changelog) {
  /* inner: both sides lists, duplicates kept (each right row joins both a's) */
  static const step in[] = {
      {0, 1, "a", STROM_INSERT, 0, 0},
      {0, 1, "a", STROM_INSERT, 0, 0},
      {1, 1, "x", STROM_INSERT, 0, 0},
      {0, 2, "c", STROM_INSERT, 2, 0},
      {0, 1, "b", STROM_INSERT, 2, 0},
  };
  const char *want = "+I[0, 1, a, 1, 1, x]\n+I[0, 1, a, 1, 1, x]\n+I[0, 1, b, 1, 1, x]\n";
  for (int lists = 0; lists < 2; lists++) {
    append_only[0] = append_only[1] = lists;
    CHECK_TEXT(run_join(STROM__JOIN_INNER, 0, in, 5), want);
  }
  /* LEFT: the left (outer) side stays a map with its match counts, the right is a
   * list; the padding is retracted by the first match as before */
  static const step left[] = {
      {0, 1, "a", STROM_INSERT, 0, 0},
      {1, 1, "x", STROM_INSERT, 1, 0},
      {0, 1, "b", STROM_INSERT, 3, 0},
  };
  append_only[0] = append_only[1] = true;
  CHECK_TEXT(run_join(STROM__JOIN_LEFT, 0, left, 3),
             "+I[0, 1, a, null, null, null]\n-D[0, 1, a, null, null, null]\n+I[0, 1, a, 1, 1, x]\n+I[0, 1, b, 1, 1, x]\n");
  /* a retraction on a side declared insert-only fails the job, saying so */
  static const step bad[] = {
      {0, 1, "a", STROM_INSERT, 0, 0},
      {0, 1, "a", STROM_DELETE, 0, 0},
  };
  CHECK_TEXT(run_join(STROM__JOIN_INNER, 0, bad, 2), "job failed\n");
  CHECK(strstr(last_err, "a -D row reached the left input, which the plan takes for insert-only") != NULL);
  append_only[0] = append_only[1] = false;
}

TEST(state_ttl_expires_rows_by_the_clock) {
  /* the left row is stored at clock 1000; the right row comes 10 s later: with a 5 s TTL
   * the left row is gone (nothing joins), without TTL the padding is replaced */
  static const step s[] = {
      {0, 1, "a", STROM_INSERT, 0, 0},
      {1, 1, "x", STROM_INSERT, 1, 10000},
  };
  CHECK_TEXT(run_join(STROM__JOIN_LEFT, 5000, s, 2), "+I[0, 1, a, null, null, null]\n");
  CHECK_TEXT(run_join(STROM__JOIN_LEFT, 0, s, 2),
             "+I[0, 1, a, null, null, null]\n-D[0, 1, a, null, null, null]\n+I[0, 1, a, 1, 1, x]\n");
  /* within the TTL it still joins */
  static const step s2[] = {
      {0, 1, "a", STROM_INSERT, 0, 0},
      {1, 1, "x", STROM_INSERT, 1, 4000},
  };
  CHECK_TEXT(run_join(STROM__JOIN_LEFT, 5000, s2, 2),
             "+I[0, 1, a, null, null, null]\n-D[0, 1, a, null, null, null]\n+I[0, 1, a, 1, 1, x]\n");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(left_join_changelog_in_order);
  RUN(inner_join_passes_the_input_kind_and_counts_duplicates);
  RUN(insert_only_sides_are_lists_with_the_same_changelog);
  RUN(state_ttl_expires_rows_by_the_clock);
  TEST_MAIN_END();
}
