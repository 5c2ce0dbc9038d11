/*
 * plan_json.c -- the job graph as JSON, in the shape of Flink's
 * StreamExecutionEnvironment#getExecutionPlan, which Flink's plan visualizer reads:
 * {"nodes": [{"id", "type", "pact", "contents", "parallelism", "predecessors": [{"id",
 * "ship_strategy", "side"}]}]}.  Nodes are the operators as built, before chaining
 * joins some into one task; an edge's ship strategy is the partitioning it runs with
 * (FORWARD, HASH, REBALANCE, BROADCAST), an unset one resolved as the job does
 * (strom__jg_edge_part).
 */
#include "api.h"

static int par_of(const strom_env *env, const jg_node *n) {
  return n->parallelism > 0 ? n->parallelism : env->opts.parallelism > 0 ? env->opts.parallelism : 1;
}

static const char *ship(const strom_env *env, const jg_edge *e) {
  switch (strom__jg_edge_part(e, par_of(env, e->from), par_of(env, e->to))) {
    case STROM_PART_FORWARD: return "FORWARD";
    case STROM_PART_HASH: return "HASH";
    case STROM_PART_BROADCAST: return "BROADCAST";
    default: return "REBALANCE";
  }
}

static int node_json(strom_buf *b, const strom_env *env, const jg_node *n) {
  const char *name = n->name ? n->name : "";
  int rc = strom__buf_printf(b, "{\n    \"id\" : %d,\n    \"type\" : ", n->id);
  if (!rc) rc = strom__buf_json_string(b, name, strlen(name));
  if (!rc)
    rc = strom__buf_printf(b, ",\n    \"pact\" : \"%s\",\n    \"contents\" : ",
                           n->is_source ? "Data Source" : n->is_sink ? "Data Sink" : "Operator");
  if (!rc) rc = strom__buf_json_string(b, name, strlen(name));
  if (!rc) rc = strom__buf_printf(b, ",\n    \"parallelism\" : %d", par_of(env, n));
  if (!rc && n->nin) rc = strom__buf_printf(b, ",\n    \"predecessors\" : [ ");
  for (int i = 0; i < n->nin && !rc; i++) {
    const jg_edge *e = n->in[i];
    rc = strom__buf_printf(b, "%s{\n      \"id\" : %d,\n      \"ship_strategy\" : \"%s\",\n      \"side\" : \"%s\"\n    }",
                           i ? ", " : "", e->from->id, ship(env, e), e->to_input ? "second" : "first");
  }
  if (!rc && n->nin) rc = strom__buf_printf(b, " ]");
  return rc ? rc : strom__buf_printf(b, "\n  }");
}

const char *strom_env_execution_plan(strom_env *env) {
  if (!env) return NULL;
  strom_buf b = {0};
  int rc = strom__buf_printf(&b, "{\n  \"nodes\" : [ ");
  for (int i = 0; i < env->graph.nnodes && !rc; i++) {
    if (i) rc = strom__buf_printf(&b, ", ");
    if (!rc) rc = node_json(&b, env, env->graph.nodes[i]);
  }
  if (!rc) rc = strom__buf_printf(&b, " ]\n}");
  if (rc || strom__env_own(env, b.p, free)) { /* the text lives as long as env */
    strom__buf_free(&b);
    return NULL;
  }
  return b.p;
}
