/*
 * jobgraph.c -- the logical plan shared by the DataStream API and (later) the SQL
 * planner: nodes (operator kind, configuration, parallelism, output schema) and the
 * edges between them with their partitioning.
 */
#include "runtime.h"

static int grow(void *arrp, int n) {
  void **arr = arrp;
  void *p = strom__realloc(*arr, (size_t)(n + 1) * sizeof(void *));
  if (!p) return STROM_ENOMEM;
  *arr = p;
  return STROM_OK;
}

jg_node *strom__jg_add_node(jg *g, const char *name, const strom_op_vt *vt, void *conf,
                            const strom_schema *schema) {
  jg_node *n = strom__calloc(1, sizeof *n);
  if (!n || grow(&g->nodes, g->nnodes)) {
    free(n);
    return NULL;
  }
  n->id = g->nnodes;
  n->name = strom__strdup(name);
  n->vt = vt;
  n->conf = conf;
  n->schema = strom__schema_ref(schema);
  g->nodes[g->nnodes++] = n;
  return n;
}

jg_edge *strom__jg_connect(jg *g, jg_node *from, int from_port, jg_node *to, int to_input,
                           int part, const int *keycols, int nkey) {
  jg_edge *e = strom__calloc(1, sizeof *e);
  if (!e || grow(&g->edges, g->nedges) || grow(&from->out, from->nout) || grow(&to->in, to->nin))
    goto fail;
  *e = (jg_edge){.from = from, .to = to, .from_port = from_port, .to_input = to_input, .part = part};
  if (nkey) {
    e->keycols = strom__malloc((size_t)nkey * sizeof(int));
    if (!e->keycols) goto fail;
    memcpy(e->keycols, keycols, (size_t)nkey * sizeof(int));
    e->nkey = nkey;
  }
  g->edges[g->nedges++] = e;
  from->out[from->nout++] = e;
  to->in[to->nin++] = e;
  return e;
fail:
  free(e);
  return NULL;
}

void strom__jg_free(jg *g) {
  for (int i = 0; i < g->nnodes; i++) {
    jg_node *n = g->nodes[i];
    if (n->vt && n->vt->free_conf && n->conf) n->vt->free_conf(n->conf);
    strom_schema_free(n->schema);
    free(n->name);
    free(n->uid);
    free(n->in);
    free(n->out);
    free(n);
  }
  for (int i = 0; i < g->nedges; i++) {
    free(g->edges[i]->keycols);
    free(g->edges[i]);
  }
  for (int i = 0; i < g->ntags; i++) {
    strom_schema_free(g->tags[i]->schema);
    free(g->tags[i]->name);
    free(g->tags[i]);
  }
  free(g->nodes);
  free(g->edges);
  free(g->tags);
  memset(g, 0, sizeof *g);
}

const strom_schema *strom__jg_input_schema(const jg *g, const jg_node *n, int input) {
  for (int i = 0; i < n->nin; i++) {
    const jg_edge *e = n->in[i];
    if (e->to_input == input) return e->from_port < 0 ? e->from->schema : g->tags[e->from_port]->schema;
  }
  return NULL;
}

int strom__jg_edge_part(const jg_edge *e, int from_par, int to_par) {
  if (e->part != STROM_PART_DEFAULT) return e->part;
  return from_par == to_par ? STROM_PART_FORWARD : STROM_PART_REBALANCE;
}
