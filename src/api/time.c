/*
 * time.c -- builders for event time and keyed stateful operators: timestamp and
 * watermark assignment, keyed process functions (one and two inputs) and windows.
 */
#include "api.h"

void *strom__watermark_conf(const strom_watermark_strategy *ws, const strom_schema *in, char *err, size_t errlen);
void *strom__window_slice_conf(const strom_window_def *def, const int *keycols, int nkey);
void *strom__window_conf(const strom_window_def *def, const strom_schema *in, const int *keycols, int nkey,
                         const strom_schema **out_schema, char *err, size_t errlen);

strom_stream *strom_assign_timestamps(strom_stream *in, const strom_watermark_strategy *ws) {
  if (!in) return NULL;
  if (!ws) return strom__env_error(in->env, STROM_EINVAL, "assign_timestamps: strategy is NULL");
  char err[256] = "out of memory";
  void *c = strom__watermark_conf(ws, in->schema, err, sizeof err);
  if (!c) return strom__env_error(in->env, STROM_EINVAL, "%s", err);
  strom_stream *s = strom__add_node(in->env, in, "Timestamps/Watermarks", &strom__op_watermarks, c, in->schema);
  if (s) s->node->udata = ws->data;
  return s;
}

strom_stream *strom_keyed_process(strom_keyed *k, const strom_process_def *def) {
  if (!k) return NULL;
  strom_stream *in = &k->s;
  if (!def || !def->process) return strom__env_error(in->env, STROM_EINVAL, "KeyedProcess: no process function");
  strom_fn_conf *c = strom__keyed_conf(in, NULL);
  if (!c) return NULL;
  c->def = *def;
  c->def.out_schema = NULL;
  strom_stream *s = strom__add_node(in->env, in, "KeyedProcess", &strom__op_keyed_process, c,
                                    def->out_schema ? def->out_schema : in->schema);
  if (s) s->node->udata = def->data;
  return s;
}

strom_stream *strom_keyed_co_process(strom_keyed *ka, strom_keyed *kb, const strom_process_def *def) {
  if (!ka || !kb) return NULL;
  strom_stream *a = &ka->s, *b = &kb->s;
  if (a->env != b->env) return strom__env_error(a->env, STROM_EINVAL, "keyed_co_process: streams of different environments");
  bool same = a->nkey == b->nkey;
  for (int i = 0; same && i < a->nkey; i++) {
    const strom_col *x = &a->schema->cols[a->keycols[i]], *y = &b->schema->cols[b->keycols[i]];
    same = x->type == y->type && x->scale == y->scale;
  }
  if (!same) return strom__env_error(a->env, STROM_ETYPE, "keyed_co_process: the two inputs' key columns differ in type");
  strom_stream *s = strom_keyed_process(ka, def);
  if (!s) return NULL;
  strom_fn_conf *c = s->node->conf;
  c->keycols2 = strom__malloc((size_t)b->nkey * sizeof(int));
  if (!c->keycols2) return strom__env_error(a->env, STROM_ENOMEM, "out of memory");
  memcpy(c->keycols2, b->keycols, (size_t)b->nkey * sizeof(int));
  c->nkey2 = b->nkey;
  strom_set_name(s, "KeyedCoProcess");
  if (!strom__jg_connect(&a->env->graph, b->node, b->port, s->node, 1, b->part, b->keycols, b->nkey))
    return strom__env_error(a->env, STROM_ENOMEM, "out of memory");
  return s;
}

void *strom__join_conf(bool interval, const strom_window_assigner *a, int64_t lower, int64_t upper, strom_join_fn fn,
                       const strom_schema *left, const strom_schema *right, const int *const keys[2],
                       const int nkey[2], char *err, size_t errlen);

/* Both joins: a keyed two-input operator fed by left (input 0) and right (input 1). */
static strom_stream *join(strom_keyed *kl, strom_keyed *kr, bool interval, const strom_window_assigner *a,
                          int64_t lower, int64_t upper, strom_join_fn fn, const strom_schema *out, void *data) {
  if (!kl || !kr) return NULL;
  strom_stream *l = &kl->s, *r = &kr->s;
  const char *name = interval ? "IntervalJoin" : "WindowJoin";
  if (l->env != r->env) return strom__env_error(l->env, STROM_EINVAL, "%s: streams of different environments", name);
  if (!out) return strom__env_error(l->env, STROM_EINVAL, "%s: out_schema is required", name);
  bool same = l->nkey == r->nkey;
  for (int i = 0; same && i < l->nkey; i++) {
    const strom_col *x = &l->schema->cols[l->keycols[i]], *y = &r->schema->cols[r->keycols[i]];
    same = x->type == y->type && x->scale == y->scale;
  }
  if (!same) return strom__env_error(l->env, STROM_ETYPE, "%s: the two inputs' key columns differ in type", name);
  char err[256] = "out of memory";
  const int *keys[2] = {l->keycols, r->keycols};
  const int nkey[2] = {l->nkey, r->nkey};
  void *c = strom__join_conf(interval, a, lower, upper, fn, l->schema, r->schema, keys, nkey, err, sizeof err);
  if (!c) return strom__env_error(l->env, STROM_EINVAL, "%s: %s", name, err);
  strom_stream *s = strom__add_node(l->env, l, name, &strom__op_join, c, out);
  if (!s) return NULL;
  s->node->udata = data;
  if (!strom__jg_connect(&l->env->graph, r->node, r->port, s->node, 1, r->part, r->keycols, r->nkey))
    return strom__env_error(l->env, STROM_ENOMEM, "out of memory");
  return s;
}

strom_stream *strom_window_join(strom_keyed *left, strom_keyed *right, strom_window_assigner assigner,
                                strom_join_fn fn, const strom_schema *out_schema, void *data) {
  return join(left, right, false, &assigner, 0, 0, fn, out_schema, data);
}

strom_stream *strom_interval_join(strom_keyed *left, strom_keyed *right, int64_t lower_ms, int64_t upper_ms,
                                  strom_join_fn fn, const strom_schema *out_schema, void *data) {
  return join(left, right, true, NULL, lower_ms, upper_ms, fn, out_schema, data);
}

strom_stream *strom_window(strom_keyed *k, const strom_window_def *def) {
  if (!k) return NULL;
  strom_stream *in = &k->s;
  if (!def) return strom__env_error(in->env, STROM_EINVAL, "window: definition is NULL");
  char err[256] = "out of memory";
  const strom_schema *out = NULL;
  void *c = strom__window_conf(def, in->schema, in->keycols, in->nkey, &out, err, sizeof err);
  if (!c) return strom__env_error(in->env, STROM_EINVAL, "%s", err);
  /* Validated by the generic configuration; the common cases take the sliced operator. */
  const strom_op_vt *vt = &strom__op_window;
  void *fast = strom__window_slice_conf(def, in->keycols, in->nkey);
  if (fast) {
    strom__op_window.free_conf(c);
    c = fast;
    vt = &strom__op_window_slice;
  }
  strom_stream *s = strom__add_node(in->env, in, "Window", vt, c, out);
  if (s) s->node->udata = def->data;
  return s;
}
