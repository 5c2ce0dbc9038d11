/*
 * stream.c -- the DataStream builders.  Each adds a node (and its input edge) to the
 * environment's job graph and returns a handle on the node's output.  A builder
 * given NULL returns NULL, and a builder that fails records the first error on the
 * environment, so strom_execute() can report it.
 */
#include <ctype.h>

#include "api.h"

static void stream_free(void *p) {
  strom_stream *s = p;
  free(s->keycols);
  free(s);
}

static strom_stream *new_stream(strom_env *env, jg_node *n, int port, const strom_schema *schema) {
  strom_stream *s = strom__calloc(1, sizeof(strom_keyed));
  if (!s || strom__env_own(env, s, stream_free)) {
    free(s);
    return strom__env_error(env, STROM_ENOMEM, "out of memory");
  }
  *s = (strom_stream){.env = env, .node = n, .port = port, .part = STROM_PART_DEFAULT, .schema = schema};
  return s;
}

/* A copy of in with another partitioning: Flink's virtual partition transformation. */
static strom_stream *repartition(strom_stream *in, int part, const int *keys, int nkey) {
  if (!in) return NULL;
  strom_stream *s = new_stream(in->env, in->node, in->port, in->schema);
  if (!s) return NULL;
  s->part = part;
  if (nkey) {
    s->keycols = strom__malloc((size_t)nkey * sizeof(int));
    if (!s->keycols) return strom__env_error(in->env, STROM_ENOMEM, "out of memory");
    memcpy(s->keycols, keys, (size_t)nkey * sizeof(int));
    s->nkey = nkey;
  }
  return s;
}

strom_stream *strom__add_node(strom_env *env, strom_stream *in, const char *name, const strom_op_vt *vt,
                              void *conf, const strom_schema *schema) {
  jg_node *n = strom__jg_add_node(&env->graph, name, vt, conf, schema);
  if (!n) {
    if (vt->free_conf && conf) vt->free_conf(conf);
    return strom__env_error(env, STROM_ENOMEM, "out of memory");
  }
  n->is_source = in == NULL;
  if (in && !strom__jg_connect(&env->graph, in->node, in->port, n, 0, in->part, in->keycols, in->nkey))
    return strom__env_error(env, STROM_ENOMEM, "out of memory");
  return new_stream(env, n, -1, n->schema);
}

int strom__add_sink(strom_stream *in, const char *name, const strom_op_vt *vt, void *conf) {
  if (!in) {
    if (vt->free_conf && conf) vt->free_conf(conf);
    return STROM_EINVAL;
  }
  strom_stream *s = strom__add_node(in->env, in, name, vt, conf, NULL);
  if (!s) return in->env->err_rc;
  s->node->is_sink = true;
  return STROM_OK;
}

static strom_fn_conf *fn_conf(strom_env *env, void *fn) {
  strom_fn_conf *c = strom__calloc(1, sizeof *c);
  if (!c) return strom__env_error(env, STROM_ENOMEM, "out of memory");
  c->fn = fn;
  return c;
}

static strom_stream *fn_node(strom_stream *in, const char *name, const strom_op_vt *vt, void *fn,
                             void *data, const strom_schema *out) {
  if (!in) return NULL;
  if (!fn) return strom__env_error(in->env, STROM_EINVAL, "%s: the function is NULL", name);
  strom_fn_conf *c = fn_conf(in->env, fn);
  if (!c) return NULL;
  strom_stream *s = strom__add_node(in->env, in, name, vt, c, out ? out : in->schema);
  if (s) s->node->udata = data;
  return s;
}

strom_stream *strom_map(strom_stream *in, const strom_schema *out, strom_map_fn fn, void *data) {
  return fn_node(in, "Map", &strom__op_map, (void *)fn, data, out);
}

strom_stream *strom_filter(strom_stream *in, strom_filter_fn fn, void *data) {
  return fn_node(in, "Filter", &strom__op_filter, (void *)fn, data, NULL);
}

strom_stream *strom_flat_map(strom_stream *in, const strom_schema *out, strom_flat_map_fn fn, void *data) {
  return fn_node(in, "FlatMap", &strom__op_flat_map, (void *)fn, data, out);
}

static strom_stream *process_node(strom_stream *in, const char *name, const strom_process_def *def) {
  if (!in) return NULL;
  if (!def || !def->process) return strom__env_error(in->env, STROM_EINVAL, "%s: no process function", name);
  strom_fn_conf *c = fn_conf(in->env, NULL);
  if (!c) return NULL;
  c->def = *def;
  c->def.out_schema = NULL; /* the node keeps its own reference */
  strom_stream *s = strom__add_node(in->env, in, name, &strom__op_process, c,
                                    def->out_schema ? def->out_schema : in->schema);
  if (s) s->node->udata = def->data;
  return s;
}

strom_stream *strom_process(strom_stream *in, const strom_process_def *def) {
  return process_node(in, "Process", def);
}

static bool same_env(strom_stream *a, strom_stream *b, const char *what) {
  if (a->env == b->env) return true;
  strom__env_error(a->env, STROM_EINVAL, "%s: the streams belong to different environments", what);
  return false;
}

strom_stream *strom_co_process(strom_stream *a, strom_stream *b, const strom_process_def *def) {
  if (!a || !b || !same_env(a, b, "co_process")) return NULL;
  strom_stream *s = process_node(a, "CoProcess", def);
  if (s && !strom__jg_connect(&a->env->graph, b->node, b->port, s->node, 1, b->part, b->keycols, b->nkey))
    return strom__env_error(a->env, STROM_ENOMEM, "out of memory");
  return s;
}

strom_stream *strom_union(strom_stream *a, strom_stream *b) {
  if (!a || !b || !same_env(a, b, "union")) return NULL;
  if (!strom__schema_compatible(a->schema, b->schema)) {
    char sa[256], sb[256];
    strom_schema_format(a->schema, sa, sizeof sa);
    strom_schema_format(b->schema, sb, sizeof sb);
    return strom__env_error(a->env, STROM_ETYPE, "union: schemas differ: (%s) vs (%s)", sa, sb);
  }
  strom_stream *s = strom__add_node(a->env, a, "Union", &strom__op_union, NULL, a->schema);
  if (s && !strom__jg_connect(&a->env->graph, b->node, b->port, s->node, 0, b->part, b->keycols, b->nkey))
    return strom__env_error(a->env, STROM_ENOMEM, "out of memory");
  return s;
}

strom_keyed *strom_key_by(strom_stream *in, const char *columns) {
  if (!in) return NULL;
  int keys[64], nkey = 0;
  const char *p = columns ? columns : "";
  char sch[512];
  for (;;) {
    while (isspace((unsigned char)*p) || *p == ',') p++;
    if (!*p) break;
    const char *start = p;
    while (*p && *p != ',' && !isspace((unsigned char)*p)) p++;
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(p - start), start);
    int c = strom_schema_find(in->schema, name);
    if (c < 0) {
      strom_schema_format(in->schema, sch, sizeof sch);
      return strom__env_error(in->env, STROM_EINVAL, "key_by: no column '%s' in (%s)", name, sch);
    }
    if (nkey == 64) return strom__env_error(in->env, STROM_EINVAL, "key_by: too many key columns");
    keys[nkey++] = c;
  }
  if (!nkey) return strom__env_error(in->env, STROM_EINVAL, "key_by: no key columns given");
  return (strom_keyed *)repartition(in, STROM_PART_HASH, keys, nkey);
}

strom_keyed *strom__key_by_cols(strom_stream *in, const int *cols, int n) {
  if (!in) return NULL;
  if (n < 1 || n > 64) return strom__env_error(in->env, STROM_EINVAL, "key_by: %d key columns", n);
  for (int i = 0; i < n; i++)
    if (cols[i] < 0 || cols[i] >= strom_schema_ncols(in->schema))
      return strom__env_error(in->env, STROM_EINVAL, "key_by: no column %d", cols[i]);
  return (strom_keyed *)repartition(in, STROM_PART_HASH, cols, n);
}

strom_fn_conf *strom__keyed_conf(strom_stream *in, void *fn) {
  strom_fn_conf *c = fn_conf(in->env, fn);
  if (!c) return NULL;
  c->keycols = strom__malloc((size_t)in->nkey * sizeof(int));
  if (!c->keycols) {
    free(c);
    return strom__env_error(in->env, STROM_ENOMEM, "out of memory");
  }
  memcpy(c->keycols, in->keycols, (size_t)in->nkey * sizeof(int));
  c->nkey = in->nkey;
  return c;
}

strom_stream *strom_reduce(strom_keyed *k, strom_reduce_fn fn, void *data) {
  if (!k) return NULL;
  strom_stream *in = &k->s;
  if (!fn) return strom__env_error(in->env, STROM_EINVAL, "Reduce: the function is NULL");
  strom_fn_conf *c = strom__keyed_conf(in, (void *)fn);
  if (!c) return NULL;
  strom_stream *s = strom__add_node(in->env, in, "Reduce", &strom__op_reduce, c, in->schema);
  if (s) s->node->udata = data;
  return s;
}

strom_output_tag *strom_output_tag_new(strom_env *env, const char *name, const strom_schema *schema) {
  if (!env) return NULL;
  if (!name || !schema) return strom__env_error(env, STROM_EINVAL, "output tag: name and schema are required");
  jg *g = &env->graph;
  strom_output_tag *t = strom__calloc(1, sizeof *t);
  strom_output_tag **tags = strom__realloc(g->tags, (size_t)(g->ntags + 1) * sizeof *tags);
  if (!t || !tags) {
    free(t);
    return strom__env_error(env, STROM_ENOMEM, "out of memory");
  }
  g->tags = tags;
  t->id = g->ntags;
  t->name = strom__strdup(name);
  t->schema = strom__schema_ref(schema);
  g->tags[g->ntags++] = t;
  return t;
}

strom_stream *strom_side_output(strom_stream *in, const strom_output_tag *tag) {
  if (!in) return NULL;
  if (!tag) return strom__env_error(in->env, STROM_EINVAL, "side_output: tag is NULL");
  if (in->port >= 0) return strom__env_error(in->env, STROM_EINVAL, "side_output: of a side output");
  return new_stream(in->env, in->node, tag->id, tag->schema);
}

strom_stream *strom_rebalance(strom_stream *in) { return repartition(in, STROM_PART_REBALANCE, NULL, 0); }
strom_stream *strom_broadcast(strom_stream *in) { return repartition(in, STROM_PART_BROADCAST, NULL, 0); }
strom_stream *strom_forward(strom_stream *in) { return repartition(in, STROM_PART_FORWARD, NULL, 0); }

strom_stream *strom_set_parallelism(strom_stream *in, int p) {
  if (!in) return NULL;
  if (p < 1 || p > 1024) return strom__env_error(in->env, STROM_EINVAL, "%s: parallelism %d is not in 1..1024", in->node->name, p);
  if (in->node->non_parallel && p != 1)
    return strom__env_error(in->env, STROM_EINVAL, "%s is not a parallel source: its parallelism must be 1", in->node->name);
  in->node->parallelism = p;
  return in;
}

strom_stream *strom_set_name(strom_stream *in, const char *name) {
  if (!in || !name) return in;
  char *n = strom__strdup(name);
  if (!n) return strom__env_error(in->env, STROM_ENOMEM, "out of memory");
  free(in->node->name);
  in->node->name = n;
  return in;
}

strom_stream *strom_set_uid(strom_stream *in, const char *uid) {
  if (!in || !uid) return in;
  for (int i = 0; i < in->env->graph.nnodes; i++) {
    jg_node *n = in->env->graph.nodes[i];
    if (n != in->node && n->uid && !strcmp(n->uid, uid))
      return strom__env_error(in->env, STROM_EINVAL, "uid '%s' is used by two operators", uid);
  }
  free(in->node->uid);
  in->node->uid = strom__strdup(uid);
  return in;
}

strom_stream *strom_start_new_chain(strom_stream *in) {
  if (in) in->node->new_chain = true;
  return in;
}

const strom_schema *strom_stream_schema(const strom_stream *in) { return in ? in->schema : NULL; }
