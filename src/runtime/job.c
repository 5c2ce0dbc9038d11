/*
 * job.c -- from a job graph to running threads and back.
 *
 * Planning: every edge gets a concrete partitioner (forward when both ends have the
 * same parallelism, else rebalance, unless the user chose); a forward edge into an
 * operator with a single input and the same parallelism is chained (direct call);
 * each remaining chain head starts a chain that runs as one task per subtask.  Every
 * unchained edge becomes one channel per (producer, consumer) pair, or one per
 * subtask for forward edges.  Then every task gets a thread, and the caller's thread
 * waits for them, watching for cancellation.  The first failure cancels the rest.
 */
#include <time.h>
#include <unistd.h>

#include "../state/state.h"
#include "runtime.h"

int strom__task_start(strom_task *t);

static int node_par(const strom_job *j, const jg_node *n) {
  return n->parallelism > 0 ? n->parallelism : j->opts.parallelism;
}

static int edge_part(const strom_job *j, const jg_edge *e) {
  return strom__jg_edge_part(e, node_par(j, e->from), node_par(j, e->to));
}

/* Whether e, taken alone, may be a direct call: each producer subtask's rows all go to
 * the same consumer subtask.  A hash edge between single subtasks sends every row to the
 * one consumer, as a forward edge does; keyed state needs no channel (the keyed operator
 * sets each row's key itself), so with chain_keyed it chains like one. */
static bool chainable(const strom_job *j, const jg_edge *e) {
  int part = edge_part(j, e);
  if (part == STROM_PART_HASH && j->opts.chain_keyed && node_par(j, e->from) == 1 && node_par(j, e->to) == 1)
    part = STROM_PART_FORWARD;
  return part == STROM_PART_FORWARD && !e->to->new_chain && !e->from->is_sink && node_par(j, e->from) == node_par(j, e->to);
}

/* The physical plan.  opsof[node][subtask] and taskof[node][subtask] index it;
 * chained[node] (0 unknown, 1 no, 2 yes) says whether the node runs in its inputs' task. */
typedef struct plan {
  strom_op ***opsof;
  strom_task ***taskof;
  signed char *chained;
} plan;

static bool node_chained(const strom_job *j, plan *p, const jg_node *n);

static const jg_node *chain_head(const strom_job *j, plan *p, const jg_node *n) {
  while (node_chained(j, p, n)) n = n->in[0]->from;
  return n;
}

/* A one-input node chains to its producer over a chainable edge.  With chain_keyed, a
 * node of several inputs chains too when every input edge is chainable and all come
 * from one chain (a join of two views of one source): its inputs then arrive in one
 * thread, in order, and cross no channel. */
static bool node_chained(const strom_job *j, plan *p, const jg_node *n) {
  if (p->chained[n->id]) return p->chained[n->id] == 2;
  bool yes = n->nin == 1 && chainable(j, n->in[0]);
  if (n->nin > 1 && j->opts.chain_keyed) {
    yes = true;
    for (int k = 0; yes && k < n->nin; k++) yes = chainable(j, n->in[k]);
    const jg_node *h = yes ? chain_head(j, p, n->in[0]->from) : NULL;
    for (int k = 1; yes && k < n->nin; k++) yes = chain_head(j, p, n->in[k]->from) == h;
  }
  p->chained[n->id] = yes ? 2 : 1;
  return yes;
}

static bool is_chained(const strom_job *j, plan *p, const jg_edge *e) { return node_chained(j, p, e->to); }

static const strom_schema *port_schema(const jg *g, const jg_edge *e) {
  return e->from_port < 0 ? e->from->schema : g->tags[e->from_port]->schema;
}

void strom__job_cancel(strom_job *j);

static void cancel_all(strom_job *j) {
  atomic_store(&j->cancelled, true);
  for (int i = 0; i < j->ntasks; i++) strom__gate_cancel(&j->tasks[i]->gate);
}

void strom__job_cancel(strom_job *j) { cancel_all(j); }

void strom__job_fail(strom_job *j, int rc, char *msg) {
  pthread_mutex_lock(&j->mu);
  if (!j->err_rc) {
    j->err_rc = rc;
    j->err_msg = msg;
    strom__log(STROM_LOG_ERROR, "%s", msg ? msg : strom_strerror(rc));
  } else {
    free(msg);
  }
  pthread_mutex_unlock(&j->mu);
  cancel_all(j);
}

static strom_align_group *align_group(strom_job *j, const char *name) {
  strom_align_group *g = j->align;
  while (g && strcmp(g->name, name)) g = g->next;
  if (!g && (g = strom__calloc(1, sizeof *g))) {
    g->name = strom__strdup(name);
    g->next = j->align;
    j->align = g;
  }
  return g;
}

strom_align_group *strom__job_align_join(strom_job *j, const char *name, int *slot) {
  pthread_mutex_lock(&j->mu);
  strom_align_group *g = align_group(j, name);
  if (g) {
    int n = atomic_load(&g->n);
    if (n == STROM_ALIGN_MAX_MEMBERS) {
      g = NULL;
    } else {
      atomic_store(&g->wm[n], INT64_MIN);
      atomic_store(&g->n, n + 1);
      *slot = n;
    }
  }
  pthread_mutex_unlock(&j->mu);
  return g;
}

static int plan_error(char **errmsg, int rc, char *msg) {
  *errmsg = msg;
  return rc;
}

static int validate(const strom_job *j, char **errmsg) {
  const jg *g = j->graph;
  bool sink = false;
  for (int i = 0; i < g->nnodes; i++) sink |= g->nodes[i]->is_sink;
  if (!sink) return plan_error(errmsg, STROM_EINVAL, strom__strdup("the job has no sink: add one (strom_print, strom_collect, ...)"));
  for (int i = 0; i < g->nedges; i++) {
    const jg_edge *e = g->edges[i];
    if (e->part == STROM_PART_FORWARD && node_par(j, e->from) != node_par(j, e->to))
      return plan_error(errmsg, STROM_EINVAL,
                        strom__aprintf("forward partitioning needs equal parallelism: %s (%d) -> %s (%d)",
                                       e->from->name, node_par(j, e->from), e->to->name, node_par(j, e->to)));
  }
  for (int i = 0; i < g->nnodes; i++) {
    int par = node_par(j, g->nodes[i]);
    if (par < 1 || par > 1024)
      return plan_error(errmsg, STROM_EINVAL, strom__aprintf("%s: parallelism must be 1..1024", g->nodes[i]->name));
    if (par > j->opts.max_parallelism)
      return plan_error(errmsg, STROM_EINVAL,
                        strom__aprintf("%s: parallelism %d is above the max parallelism %d (pipeline.max-parallelism): "
                                       "some subtasks would own no key group",
                                       g->nodes[i]->name, par, j->opts.max_parallelism));
  }
  return STROM_OK;
}

/* Targets are read on every record: their array gets its own cache lines. */
static int add_target(strom_out *o, out_target t) {
  out_target *a = strom__alloc_lines((size_t)(o->nt + 1) * sizeof *a);
  if (!a) return STROM_ENOMEM;
  if (o->nt) memcpy(a, o->t, (size_t)o->nt * sizeof *a);
  free(o->t);
  o->t = a;
  o->t[o->nt++] = t;
  bool direct = o->nt == 1 && t.op;
  o->direct = direct ? t.op->vt->process : NULL;
  o->direct_op = direct ? t.op : NULL;
  o->direct_input = direct ? t.input : 0;
  o->direct_w = o->nt == 1 && !t.op ? t.w : NULL;
  return STROM_OK;
}

static strom_op *op_new(strom_job *j, const jg_node *n, int s) {
  /* Operators of different subtasks are allocated one after another and each is read
   * on every record by its own thread: each gets its own cache lines. */
  strom_op *op = strom__alloc_lines(sizeof *op);
  if (!op) return NULL;
  op->vt = n->vt;
  op->node = n;
  op->conf = n->conf;
  op->ctx = (strom_ctx){.op = op, .data = n->udata, .subtask = s, .parallelism = node_par(j, n), .watermark = INT64_MIN, .timestamp = STROM_NO_TIMESTAMP};
  op->out.owner = op;
  op->nsides = j->graph->ntags;
  if (op->nsides) op->sides = strom__alloc_lines((size_t)op->nsides * sizeof *op->sides);
  for (int k = 0; k < op->nsides && op->sides; k++) op->sides[k].owner = op;
  if (n->schema) op->out.scratch = strom_row_new(n->schema);
  if (n->nin > 1 && (op->in_wm = strom__malloc((size_t)n->nin * sizeof *op->in_wm)))
    for (int k = 0; k < n->nin; k++) op->in_wm[k] = INT64_MIN;
  if ((op->nsides && !op->sides) || (n->schema && !op->out.scratch) || (n->nin > 1 && !op->in_wm)) {
    free(op->in_wm);
    strom_row_free(op->out.scratch);
    free(op->sides);
    free(op);
    return NULL;
  }
  return op;
}

static void op_free(strom_op *op) {
  if (!op) return;
  strom_row_free(op->out.scratch);
  free(op->out.t);
  for (int k = 0; k < op->nsides; k++) {
    strom_row_free(op->sides[k].scratch);
    free(op->sides[k].t);
  }
  free(op->sides);
  free(op->in_wm);
  strom__opstate_free(op->opstate);
  free(op);
}

static int add_writer(strom_task *t, strom_writer *w) {
  strom_writer **a = strom__realloc(t->writers, (size_t)(t->nwriters + 1) * sizeof *a);
  if (!a) return STROM_ENOMEM;
  t->writers = a;
  t->writers[t->nwriters++] = w;
  return STROM_OK;
}

static int add_channel(strom_job *j, strom_channel *c) {
  strom_channel **a = strom__realloc(j->chans, (size_t)(j->nchans + 1) * sizeof *a);
  if (!a) return STROM_ENOMEM;
  j->chans = a;
  j->chans[j->nchans++] = c;
  return STROM_OK;
}

static int build_task(strom_job *j, plan *p, jg_node *head, int s) {
  const jg *g = j->graph;
  strom_task *t = strom__alloc_lines(sizeof *t);
  if (!t) return STROM_ENOMEM;
  strom_task **tasks = strom__realloc(j->tasks, (size_t)(j->ntasks + 1) * sizeof *tasks);
  if (!tasks) {
    free(t);
    return STROM_ENOMEM;
  }
  j->tasks = tasks;
  j->tasks[j->ntasks++] = t;
  t->job = j;
  t->subtask = s;
  t->parallelism = node_par(j, head);
  t->watermark = INT64_MIN;
  if (strom__gate_init(&t->gate)) return STROM_ENOMEM;
  t->ops = strom__alloc_lines((size_t)g->nnodes * sizeof *t->ops);
  if (!t->ops) return STROM_ENOMEM;
  /* Breadth-first over chained edges: parents come before children (a node of several
   * inputs comes once, when its last input edge is reached). */
  strom_buf name = {0};
  int *reached = strom__calloc((size_t)g->nnodes, sizeof *reached);
  if (!reached) return STROM_ENOMEM;
  t->ops[t->nops++] = p->opsof[head->id][s];
  for (int q = 0; q < t->nops; q++) {
    strom_op *op = t->ops[q];
    op->task = t;
    p->taskof[op->node->id][s] = t;
    strom__buf_printf(&name, "%s%s", q ? " -> " : "", op->node->name);
    for (int k = 0; k < op->node->nout; k++) {
      jg_edge *e = op->node->out[k];
      if (is_chained(j, p, e) && ++reached[e->to->id] == e->to->nin) t->ops[t->nops++] = p->opsof[e->to->id][s];
    }
  }
  free(reached);
  strom__buf_printf(&name, " (%d/%d)", s + 1, t->parallelism);
  t->name = name.p;
  for (int k = 0; k < head->nin; k++) {
    const jg_edge *e = head->in[k];
    if (e->to_input + 1 > t->ninputs) t->ninputs = e->to_input + 1;
    if (!t->in_rows[e->to_input]) {
      t->in_rows[e->to_input] = strom_row_new(port_schema(g, e));
      if (!t->in_rows[e->to_input]) return STROM_ENOMEM;
    }
  }
  return STROM_OK;
}

static int connect_outputs(strom_job *j, plan *p, jg_node *n, int s) {
  const jg *g = j->graph;
  strom_op *op = p->opsof[n->id][s];
  for (int k = 0; k < n->nout; k++) {
    jg_edge *e = n->out[k];
    strom_out *o = e->from_port < 0 ? &op->out : &op->sides[e->from_port];
    if (is_chained(j, p, e)) {
      int edge = 0; /* which of several input edges, for their watermarks */
      for (int q = 0; e->to->nin > 1 && q < e->to->nin; q++)
        if (e->to->in[q] == e) edge = q + 1;
      if (add_target(o, (out_target){.op = p->opsof[e->to->id][s], .input = e->to_input, .edge = edge})) return STROM_ENOMEM;
      continue;
    }
    int part = edge_part(j, e), pto = node_par(j, e->to);
    strom_writer *w = strom__alloc_lines(sizeof *w);
    if (!w) return STROM_ENOMEM;
    strom_task *t = p->taskof[n->id][s];
    if (add_writer(t, w)) {
      free(w);
      return STROM_ENOMEM;
    }
    w->task = t;
    w->part = part;
    w->max_par = j->opts.max_parallelism;
    w->keycols = e->keycols;
    w->nkey = e->nkey;
    w->nchan = part == STROM_PART_FORWARD ? 1 : pto;
    w->chan = strom__alloc_lines((size_t)w->nchan * sizeof *w->chan);
    w->cur = strom__alloc_lines((size_t)w->nchan * sizeof *w->cur);
    if (!w->chan || !w->cur) return STROM_ENOMEM;
    for (int c = 0; c < w->nchan; c++) {
      strom_task *consumer = p->taskof[e->to->id][part == STROM_PART_FORWARD ? s : c];
      strom_channel *ch = strom__channel_new(&consumer->gate, e->to_input, j->opts.buffers_per_channel,
                                             j->opts.buffer_size);
      if (!ch || add_channel(j, ch)) {
        strom__channel_free(ch);
        return STROM_ENOMEM;
      }
      consumer->chans_per_input[e->to_input]++;
      w->chan[c] = ch;
    }
    if (add_target(o, (out_target){.w = w})) return STROM_ENOMEM;
  }
  (void)g;
  return STROM_OK;
}

static int build(strom_job *j, plan *p) {
  const jg *g = j->graph;
  /* Alignment groups know their size before any member starts, so a member that has
   * not started yet holds the others back. */
  for (int i = 0; i < g->nnodes; i++) {
    const char *name = g->nodes[i]->vt == &strom__op_watermarks ? strom__watermark_group(g->nodes[i]->conf) : NULL;
    strom_align_group *ag = name ? align_group(j, name) : NULL;
    if (name && !ag) return STROM_ENOMEM;
    if (ag) ag->expected += node_par(j, g->nodes[i]);
  }
  p->opsof = strom__calloc((size_t)g->nnodes, sizeof *p->opsof);
  p->taskof = strom__calloc((size_t)g->nnodes, sizeof *p->taskof);
  p->chained = strom__calloc((size_t)g->nnodes, sizeof *p->chained);
  if (!p->opsof || !p->taskof || !p->chained) return STROM_ENOMEM;
  for (int i = 0; i < g->nnodes; i++) {
    jg_node *n = g->nodes[i];
    int par = node_par(j, n);
    p->opsof[i] = strom__calloc((size_t)par, sizeof **p->opsof);
    p->taskof[i] = strom__calloc((size_t)par, sizeof **p->taskof);
    if (!p->opsof[i] || !p->taskof[i]) return STROM_ENOMEM;
    for (int s = 0; s < par; s++)
      if (!(p->opsof[i][s] = op_new(j, n, s))) return STROM_ENOMEM;
  }
  for (int i = 0; i < g->nnodes; i++) {
    jg_node *n = g->nodes[i];
    bool head = !node_chained(j, p, n);
    for (int s = 0; head && s < node_par(j, n); s++) {
      int rc = build_task(j, p, n, s);
      if (rc) return rc;
    }
  }
  for (int i = 0; i < g->nnodes; i++)
    for (int s = 0; s < node_par(j, g->nodes[i]); s++) {
      int rc = connect_outputs(j, p, g->nodes[i], s);
      if (rc) return rc;
    }
  return STROM_OK;
}

static void teardown(strom_job *j, plan *p) {
  const jg *g = j->graph;
  for (int i = 0; p->opsof && i < g->nnodes; i++) {
    for (int s = 0; p->opsof[i] && s < node_par(j, g->nodes[i]); s++) op_free(p->opsof[i][s]);
    free(p->opsof[i]);
    if (p->taskof) free(p->taskof[i]);
  }
  free(p->opsof);
  free(p->taskof);
  free(p->chained);
  for (int i = 0; i < j->ntasks; i++) {
    strom_task *t = j->tasks[i];
    for (int k = 0; k < t->nwriters; k++) {
      free(t->writers[k]->chan);
      free(t->writers[k]->cur);
      free(t->writers[k]);
    }
    free(t->writers);
    strom_row_free(t->in_rows[0]);
    strom_row_free(t->in_rows[1]);
    strom__task_uc_free(t);
    free((void *)t->replay);
    strom__gate_destroy(&t->gate);
    strom__task_ptimers_free(t);
    free(t->ops);
    free(t->name);
    free(t->err_msg);
    free(t);
  }
  free(j->tasks);
  for (int i = 0; i < j->nchans; i++) strom__channel_free(j->chans[i]);
  free(j->chans);
  for (strom_align_group *ag = j->align, *next; ag; ag = next) {
    next = ag->next;
    free(ag->name);
    free(ag);
  }
}

int strom__job_run(const jg *g, const strom_job_opts *opts, char **errmsg, strom_job_stats *stats) {
  strom_job j = {.graph = g, .opts = *opts};
  j.run_id = (uint64_t)strom__now_ms() << 20 ^ (uint64_t)getpid() ^ (uint64_t)strom__mono_ns();
  plan p = {0};
  *errmsg = NULL;
  atomic_init(&j.cancelled, false);
  atomic_init(&j.finished_tasks, 0);
  atomic_init(&j.notified, 0);
  atomic_init(&j.stopped, false);
  int rc = validate(&j, errmsg);
  if (rc) return rc;
  pthread_mutex_init(&j.mu, NULL);
  pthread_cond_init(&j.cv, NULL);
  rc = build(&j, &p);
  if (rc) {
    *errmsg = strom__aprintf("cannot build the job: %s", strom_strerror(rc));
    goto out;
  }
  char err[1024] = "";
  if ((rc = strom__coord_new(&j, err, sizeof err)) || (rc = strom__restore_load(&j, err, sizeof err))) {
    *errmsg = strom__aprintf("%s", err[0] ? err : strom_strerror(rc));
    goto out;
  }
  strom__log(STROM_LOG_INFO, "job: %d tasks, %d channels", j.ntasks, j.nchans);
  pthread_mutex_lock(&j.mu);
  for (int i = 0; i < j.ntasks; i++) {
    if (strom__task_start(j.tasks[i])) {
      pthread_mutex_unlock(&j.mu);
      strom__job_fail(&j, STROM_ENOMEM, strom__strdup("cannot start a task thread"));
      pthread_mutex_lock(&j.mu);
      break;
    }
    j.running++;
  }
  bool external = false;
  while (j.running > 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (j.coord ? 10 : 50) * 1000000;
    if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
    pthread_cond_timedwait(&j.cv, &j.mu, &ts);
    if (j.coord) {
      /* The coordinator writes state files: not under the job's lock. */
      pthread_mutex_unlock(&j.mu);
      strom__coord_tick(&j);
      pthread_mutex_lock(&j.mu);
    }
    if (!external && opts->external_cancel && atomic_load(opts->external_cancel)) {
      external = true;
      pthread_mutex_unlock(&j.mu);
      cancel_all(&j);
      pthread_mutex_lock(&j.mu);
    }
  }
  pthread_mutex_unlock(&j.mu);
  for (int i = 0; i < j.ntasks; i++)
    if (j.tasks[i]->started) pthread_join(j.tasks[i]->thread, NULL);
  rc = atomic_load(&j.stopped) && !j.err_rc ? STROM_OK : j.err_rc;
  *errmsg = j.err_msg;
  if (!rc && external) {
    rc = STROM_ECANCELED;
    *errmsg = strom__strdup("job cancelled");
  }
out:
  if (j.coord) {
    strom__coord_tick(&j); /* acknowledgements that arrived at the end */
    if (stats) strom__coord_stats(&j, stats);
  }
  strom__coord_free(&j);
  strom__restore_free(&j);
  teardown(&j, &p);
  pthread_cond_destroy(&j.cv);
  pthread_mutex_destroy(&j.mu);
  return rc;
}
