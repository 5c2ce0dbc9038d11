/*
 * op_state.c -- operator-scoped state (not keyed), one instance per operator subtask:
 * operator list state (Flink's ListState from OperatorStateStore#getListState) and
 * broadcast map state (MapState from getBroadcastState, kept identical on every
 * subtask by whoever writes it).
 *
 * Both are heap states on a private one-key backend: the key is empty and fixed, so
 * every access finds the subtask's single value, and the whole heap machinery (list
 * and map storage, namespaces, snapshot iteration) serves as is.  TTL is not
 * supported for operator state (as in Flink).  The runtime frees the instance with
 * strom__opstate_free(op->opstate) at teardown.
 */
#include "state_impl.h"

struct strom_opstate {
  strom_kstate *ks;
};

strom_opstate *strom__opstate_new(void) {
  strom_opstate *os = strom__calloc(1, sizeof *os);
  if (!os) return NULL;
  if (!(os->ks = strom__kstate_new(&(strom_kstate_opts){.max_parallelism = 1}))) {
    free(os);
    return NULL;
  }
  static const uint8_t empty_key[1];
  strom__kstate_set_key(os->ks, empty_key, 0, strom__hash_bytes(empty_key, 0));
  return os;
}

void strom__opstate_free(strom_opstate *os) {
  if (!os) return;
  strom__kstate_free(os->ks);
  free(os);
}

strom_state *strom__opstate_register(strom_opstate *os, const strom_state_desc *d, bool broadcast, strom_ctx *ctx,
                                     char *err, size_t errlen) {
  if (!os) {
    snprintf(err, errlen, "no operator state");
    return NULL;
  }
  if (d && d->kind != (broadcast ? STROM_STATE_MAP : STROM_STATE_LIST)) {
    snprintf(err, errlen, "state '%s': %s state must be a %s state", d->name ? d->name : "",
             broadcast ? "broadcast" : "operator", broadcast ? "MAP" : "LIST");
    return NULL;
  }
  return strom__kstate_register_scoped(os->ks, d, broadcast ? STROM_STATE_SCOPE_BROADCAST : STROM_STATE_SCOPE_OPERATOR,
                                       ctx, err, errlen);
}

strom_kstate *strom__opstate_backend(strom_opstate *os) { return os ? os->ks : NULL; }

int strom__opstate_foreach(strom_opstate *os, strom_state_visit_fn fn, void *arg) {
  return os ? strom__kstate_foreach(os->ks, fn, arg) : STROM_OK;
}

int strom__opstate_restore(strom_opstate *os, const strom_state_entry *e) {
  return os ? strom__kstate_restore(os->ks, e) : STROM_EINVAL;
}
