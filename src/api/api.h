/*
 * api.h -- internals of the DataStream API: the environment (options, the job graph
 * being built, the first build error) and stream handles, which name a node's output
 * port plus the partitioning the next edge will use.
 */
#ifndef STROM_API_H
#define STROM_API_H

#include "../runtime/runtime.h"

struct strom_stream {
  strom_env *env;
  jg_node *node;
  int port; /* -1 main output, else a side output tag id */
  int part;
  int *keycols, nkey;
  const strom_schema *schema;
};

struct strom_keyed {
  struct strom_stream s;
};

struct strom_env {
  strom_env_opts opts;
  jg graph;
  int err_rc;
  char *err_msg;
  atomic_bool cancel;
  bool executed;
  int64_t (*now_ms)(void *);
  void *clock_data;
  char *checkpoint_dir, *restore_path; /* owned copies of the options' strings */
  int64_t ckpt_completed, ckpt_last;
  int restarts;
  strom_savepoint_req savepoint;
  strom_checkpoint_stats ckpt_stats;
  void **owned; /* streams and results, freed with the environment */
  int nowned;
  void (**owned_free)(void *);
};

/* Records the environment's first error; returns NULL for builders to pass on. */
void *strom__env_error(strom_env *env, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Hands p to the environment, which calls fn(p) when it is freed. */
int strom__env_own(strom_env *env, void *p, void (*fn)(void *));
/* A new node fed by in (or a source when in is NULL), and a stream on its output. */
strom_stream *strom__add_node(strom_env *env, strom_stream *in, const char *name, const strom_op_vt *vt,
                              void *conf, const strom_schema *schema);
/* The configuration of a keyed operator: a strom_fn_conf with in's key columns. */
strom_fn_conf *strom__keyed_conf(strom_stream *in, void *fn);
/* strom_key_by by column positions (planners whose column names may repeat). */
strom_keyed *strom__key_by_cols(strom_stream *in, const int *cols, int n);
/* A sink node fed by in. */
int strom__add_sink(strom_stream *in, const char *name, const strom_op_vt *vt, void *conf);
/* A discarding sink named name (sink_discard.c): a stand-in for a real one, as EXPLAIN's graph has. */
int strom__discard_as(strom_stream *in, const char *name);

#endif
