/*
 * state_api.c -- the public state functions (strom_ctx_state, strom_state_*): they
 * check that the call fits the kind of the state and that rows have its schema,
 * record a message for the job when not, and call the backend (strom_state_vt).
 * Also the descriptor checks shared by every backend and the namespace entry points
 * of state.h.
 *
 * Operator state (strom_ctx_operator_state, strom_ctx_broadcast_state) lives in
 * op->opstate, created here on first use.  The runtime owns its teardown: it must
 * call strom__opstate_free(op->opstate) when the operator is closed (after close()).
 */
#include "../runtime/runtime.h"
#include "state_impl.h"

/* ---- failures ---- */

static int op_fail(strom_op *op, int rc, const char *msg) {
  if (op && op->task) strom__op_fail(op, rc, "%s", msg);
  else strom__log(STROM_LOG_DEBUG, "%s", msg);
  return rc;
}

int strom__state_fail(strom_state *s, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *m = strom__vaprintf(fmt, ap);
  va_end(ap);
  char *full = strom__aprintf("state '%s': %s", s && s->name ? s->name : "?", m ? m : "(no memory for the message)");
  op_fail(s && s->ctx ? s->ctx->op : NULL, rc, full ? full : "state failure");
  free(full);
  free(m);
  return rc;
}

const char *strom__state_kind_name(strom_state_kind k) {
  switch (k) {
    case STROM_STATE_VALUE: return "VALUE";
    case STROM_STATE_LIST: return "LIST";
    case STROM_STATE_MAP: return "MAP";
    case STROM_STATE_REDUCING: return "REDUCING";
    case STROM_STATE_AGGREGATING: return "AGGREGATING";
  }
  return "unknown";
}

/* ---- descriptors ---- */

int strom__state_head_init(strom_state *s, const strom_state_desc *d, int scope, strom_ctx *ctx, char *err,
                           size_t errlen) {
  memset(s, 0, sizeof *s);
  const char *name = d->name;
#define BAD(...) return snprintf(err, errlen, __VA_ARGS__), STROM_EINVAL
  if (!name || !*name) BAD("a state descriptor needs a name");
  if (d->kind < STROM_STATE_VALUE || d->kind > STROM_STATE_AGGREGATING)
    BAD("state '%s': unknown state kind %d", name, (int)d->kind);
  if (scope == STROM_STATE_SCOPE_OPERATOR && d->kind != STROM_STATE_LIST)
    BAD("state '%s': operator state must be a LIST state", name);
  if (scope == STROM_STATE_SCOPE_BROADCAST && d->kind != STROM_STATE_MAP)
    BAD("state '%s': broadcast state must be a MAP state", name);
  if (d->kind != STROM_STATE_AGGREGATING && !d->schema) BAD("state '%s': the descriptor has no schema", name);
  if (d->kind == STROM_STATE_MAP && !d->map_key_schema)
    BAD("state '%s': a MAP state needs map_key_schema", name);
  if (d->kind == STROM_STATE_REDUCING && !d->reduce) BAD("state '%s': a REDUCING state needs a reduce function", name);
  if (d->kind == STROM_STATE_AGGREGATING) {
    const strom_aggregate_def *a = d->aggregate;
    if (!a) BAD("state '%s': an AGGREGATING state needs an aggregate function", name);
    if (!a->acc_schema || !a->out_schema) BAD("state '%s': the aggregate needs acc_schema and out_schema", name);
    if (!a->create || !a->add || !a->result) BAD("state '%s': the aggregate needs create, add and result", name);
  }
  if (d->ttl.update != STROM_TTL_DISABLED) {
    if (d->ttl.update != STROM_TTL_ON_CREATE_AND_WRITE && d->ttl.update != STROM_TTL_ON_READ_AND_WRITE)
      BAD("state '%s': unknown TTL update type %d", name, (int)d->ttl.update);
    if (d->ttl.ttl_ms <= 0) BAD("state '%s': a TTL must be positive (ttl_ms %lld)", name, (long long)d->ttl.ttl_ms);
    if (scope != STROM_STATE_SCOPE_KEYED) BAD("state '%s': TTL is only supported for keyed state", name);
  }
#undef BAD
  if (!(s->name = strom__strdup(name))) return snprintf(err, errlen, "out of memory"), STROM_ENOMEM;
  s->kind = d->kind;
  s->scope = scope;
  s->schema = d->schema ? strom__schema_ref(d->schema) : NULL;
  s->map_key_schema = d->kind == STROM_STATE_MAP ? strom__schema_ref(d->map_key_schema) : NULL;
  s->reduce = d->kind == STROM_STATE_REDUCING ? d->reduce : NULL;
  if (d->kind == STROM_STATE_AGGREGATING) {
    s->agg = *d->aggregate;
    s->acc_schema = strom__schema_ref(d->aggregate->acc_schema);
    s->out_schema = strom__schema_ref(d->aggregate->out_schema);
  }
  if (d->ttl.update != STROM_TTL_DISABLED) s->ttl = d->ttl;
  s->ctx = ctx;
  return STROM_OK;
}

void strom__state_head_destroy(strom_state *s) {
  free(s->name);
  strom_schema_free(s->schema);
  strom_schema_free(s->map_key_schema);
  strom_schema_free(s->acc_schema);
  strom_schema_free(s->out_schema);
}

static bool compat(const strom_schema *a, const strom_schema *b) {
  return a == b || (a && b && strom__schema_compatible(a, b));
}

bool strom__state_head_matches(const strom_state *s, const strom_state_desc *d, char *err, size_t errlen) {
  const char *why = NULL;
  strom_state_ttl ttl = d->ttl.update == STROM_TTL_DISABLED ? (strom_state_ttl){0} : d->ttl;
  if (d->kind != s->kind) why = "a different kind";
  else if (d->schema && !compat(d->schema, s->schema)) why = "a different schema";
  else if (s->kind == STROM_STATE_MAP && !compat(d->map_key_schema, s->map_key_schema)) why = "a different map key schema";
  else if (s->kind == STROM_STATE_REDUCING && d->reduce != s->reduce) why = "a different reduce function";
  else if (s->kind == STROM_STATE_AGGREGATING &&
           (!d->aggregate || d->aggregate->create != s->agg.create || d->aggregate->add != s->agg.add ||
            d->aggregate->merge != s->agg.merge || d->aggregate->result != s->agg.result ||
            !compat(d->aggregate->acc_schema, s->acc_schema) || !compat(d->aggregate->out_schema, s->out_schema)))
    why = "a different aggregate function";
  else if (ttl.ttl_ms != s->ttl.ttl_ms || ttl.update != s->ttl.update) why = "a different TTL";
  if (!why) return true;
  snprintf(err, errlen, "state '%s' is already registered (as a %s state) with %s", s->name,
           strom__state_kind_name(s->kind), why);
  return false;
}

/* ---- registration ---- */

static int ctx_fail(strom_ctx *ctx, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int ctx_fail(strom_ctx *ctx, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *m = strom__vaprintf(fmt, ap);
  va_end(ap);
  op_fail(ctx ? ctx->op : NULL, rc, m ? m : "state failure");
  free(m);
  return rc;
}

strom_state *strom_ctx_state(strom_ctx *ctx, const strom_state_desc *d) {
  if (!ctx) return NULL;
  if (!d) return ctx_fail(ctx, STROM_EINVAL, "strom_ctx_state: no state descriptor"), NULL;
  if (!ctx->op || !ctx->op->kstate)
    return ctx_fail(ctx, STROM_ESTATE, "state '%s': keyed state is only available on a keyed stream (use strom_key_by)",
                    d->name ? d->name : ""),
           NULL;
  char err[256] = "";
  strom_state *s = strom__kstate_register(ctx->op->kstate, d, ctx, err, sizeof err);
  if (!s) ctx_fail(ctx, STROM_EINVAL, "%s", err);
  return s;
}

static strom_state *op_scoped(strom_ctx *ctx, const strom_state_desc *d, bool broadcast) {
  const char *fn = broadcast ? "strom_ctx_broadcast_state" : "strom_ctx_operator_state";
  if (!ctx) return NULL;
  if (!d) return ctx_fail(ctx, STROM_EINVAL, "%s: no state descriptor", fn), NULL;
  if (!ctx->op) return NULL;
  if (!ctx->op->opstate && !(ctx->op->opstate = strom__opstate_new()))
    return ctx_fail(ctx, STROM_ENOMEM, "state '%s': out of memory", d->name ? d->name : ""), NULL;
  char err[256] = "";
  strom_state *s = strom__opstate_register(ctx->op->opstate, d, broadcast, ctx, err, sizeof err);
  if (!s) ctx_fail(ctx, STROM_EINVAL, "%s", err);
  return s;
}

strom_state *strom_ctx_operator_state(strom_ctx *ctx, const strom_state_desc *d) { return op_scoped(ctx, d, false); }
strom_state *strom_ctx_broadcast_state(strom_ctx *ctx, const strom_state_desc *d) { return op_scoped(ctx, d, true); }

/* ---- checks ---- */

#define K(k) (1u << (k))

static bool kind_ok(strom_state *s, const char *fn, unsigned kinds) {
  if (!s) return false;
  if (kinds & K(s->kind)) return true;
  strom__state_fail(s, STROM_EINVAL, "%s does not apply to a %s state", fn, strom__state_kind_name(s->kind));
  return false;
}

static int row_ok(strom_state *s, const char *fn, const strom_row *r, const strom_schema *sc, const char *what) {
  if (!r) return strom__state_fail(s, STROM_EINVAL, "%s: the %s row is NULL", fn, what);
  if (!sc || r->schema == sc) return STROM_OK;
  const strom_schema **seen = sc == s->schema ? &s->seen_val : &s->seen_key;
  if (r->schema == *seen) return STROM_OK;
  if (compat(r->schema, sc)) {
    *seen = r->schema;
    return STROM_OK;
  }
  char have[200], want[200];
  strom_schema_format(r->schema, have, sizeof have);
  strom_schema_format(sc, want, sizeof want);
  return strom__state_fail(s, STROM_ETYPE, "%s: the %s row (%s) does not match the state's schema (%s)", fn, what,
                           have, want);
}

/* ---- the public accessors ---- */

const strom_row *strom_state_get(strom_state *s) {
  if (!kind_ok(s, "strom_state_get", K(STROM_STATE_VALUE) | K(STROM_STATE_REDUCING) | K(STROM_STATE_AGGREGATING)))
    return NULL;
  return s->vt->get(s);
}

int strom_state_update(strom_state *s, const strom_row *v) {
  if (!kind_ok(s, "strom_state_update", K(STROM_STATE_VALUE))) return STROM_EINVAL;
  if (!v) {
    s->vt->clear(s);
    return STROM_OK;
  }
  int rc = row_ok(s, "strom_state_update", v, s->schema, "value");
  return rc ? rc : s->vt->update(s, v);
}

int strom_state_add(strom_state *s, const strom_row *v) {
  if (!kind_ok(s, "strom_state_add", K(STROM_STATE_LIST) | K(STROM_STATE_REDUCING) | K(STROM_STATE_AGGREGATING)))
    return STROM_EINVAL;
  int rc = row_ok(s, "strom_state_add", v, s->schema, "added");
  return rc ? rc : s->vt->add(s, v);
}

void strom_state_clear(strom_state *s) {
  if (s) s->vt->clear(s);
}

size_t strom_state_list_size(strom_state *s) {
  if (!kind_ok(s, "strom_state_list_size", K(STROM_STATE_LIST))) return 0;
  return s->vt->list_size(s);
}

const strom_row *strom_state_list_get(strom_state *s, size_t i) {
  if (!kind_ok(s, "strom_state_list_get", K(STROM_STATE_LIST))) return NULL;
  return s->vt->list_get(s, i);
}

int strom_state_list_add_all(strom_state *s, const strom_row *const *rows, size_t n) {
  if (!kind_ok(s, "strom_state_list_add_all", K(STROM_STATE_LIST))) return STROM_EINVAL;
  if (n && !rows) return strom__state_fail(s, STROM_EINVAL, "strom_state_list_add_all: rows is NULL");
  for (size_t i = 0; i < n; i++) { /* rows of one schema (a batch's) are checked once */
    int rc = i && rows[i] && rows[i]->schema == rows[i - 1]->schema ? STROM_OK
                                                                     : row_ok(s, "strom_state_list_add_all", rows[i], s->schema, "added");
    if (rc) return rc;
  }
  if (!n) return STROM_OK;
  if (s->vt->list_add_all) return s->vt->list_add_all(s, rows, n);
  for (size_t i = 0; i < n; i++) {
    int rc = s->vt->add(s, rows[i]);
    if (rc) return rc;
  }
  return STROM_OK;
}

int strom_state_list_update(strom_state *s, const strom_row *const *rows, size_t n) {
  if (!kind_ok(s, "strom_state_list_update", K(STROM_STATE_LIST))) return STROM_EINVAL;
  if (n && !rows) return strom__state_fail(s, STROM_EINVAL, "strom_state_list_update: rows is NULL");
  for (size_t i = 0; i < n; i++) {
    int rc = row_ok(s, "strom_state_list_update", rows[i], s->schema, "list");
    if (rc) return rc;
  }
  return s->vt->list_update(s, rows, n);
}

int strom_state_list_insert(strom_state *s, size_t index, const strom_row *row, size_t max_len) {
  if (!kind_ok(s, "strom_state_list_insert", K(STROM_STATE_LIST))) return STROM_EINVAL;
  int rc = row_ok(s, "strom_state_list_insert", row, s->schema, "list");
  return rc ? rc : s->vt->list_insert(s, index, row, max_len);
}

const strom_row *strom_state_map_get(strom_state *s, const strom_row *key) {
  if (!kind_ok(s, "strom_state_map_get", K(STROM_STATE_MAP))) return NULL;
  if (row_ok(s, "strom_state_map_get", key, s->map_key_schema, "key")) return NULL;
  return s->vt->map_get(s, key);
}

int strom_state_map_put(strom_state *s, const strom_row *key, const strom_row *value) {
  if (!kind_ok(s, "strom_state_map_put", K(STROM_STATE_MAP))) return STROM_EINVAL;
  int rc = row_ok(s, "strom_state_map_put", key, s->map_key_schema, "key");
  if (!rc) rc = row_ok(s, "strom_state_map_put", value, s->schema, "value");
  return rc ? rc : s->vt->map_put(s, key, value);
}

int strom_state_map_remove(strom_state *s, const strom_row *key) {
  if (!kind_ok(s, "strom_state_map_remove", K(STROM_STATE_MAP))) return STROM_EINVAL;
  int rc = row_ok(s, "strom_state_map_remove", key, s->map_key_schema, "key");
  return rc ? rc : s->vt->map_remove(s, key);
}

int strom_state_map_next(strom_state *s, size_t *pos, const strom_row **key, const strom_row **value) {
  if (!kind_ok(s, "strom_state_map_next", K(STROM_STATE_MAP))) return STROM_EINVAL;
  if (!pos || !key || !value) return strom__state_fail(s, STROM_EINVAL, "strom_state_map_next: NULL argument");
  return s->vt->map_next(s, pos, key, value);
}

/* ---- namespaces (state.h) ---- */

int strom__state_set_namespace(strom_state *s, const void *ns, size_t nslen) {
  if (!s || (nslen && !ns)) return STROM_EINVAL;
  return s->vt->set_namespace(s, ns, nslen);
}

int strom__state_merge_namespaces(strom_state *s, const void *target, size_t tlen, const void *const *srcs,
                                  const size_t *slens, size_t n) {
  if (!kind_ok(s, "merging namespaces", K(STROM_STATE_LIST) | K(STROM_STATE_REDUCING) | K(STROM_STATE_AGGREGATING)))
    return STROM_EINVAL;
  if ((tlen && !target) || (n && (!srcs || !slens)))
    return strom__state_fail(s, STROM_EINVAL, "merging namespaces: NULL namespace");
  for (size_t i = 0; i < n; i++)
    if (slens[i] && !srcs[i]) return strom__state_fail(s, STROM_EINVAL, "merging namespaces: NULL namespace");
  if (s->kind == STROM_STATE_AGGREGATING && !s->agg.merge)
    return strom__state_fail(s, STROM_ENOTSUP,
                             "the aggregate function has no merge function, which merging namespaces (session "
                             "windows) needs");
  if (!n) return STROM_OK;
  return s->vt->merge_namespaces(s, target, tlen, srcs, slens, n);
}
