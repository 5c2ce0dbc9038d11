/*
 * explain_mode.c -- EXPLAIN's details (Flink's ExplainDetail).  CHANGELOG_MODE adds to
 * each node of the plan the kinds of rows it emits, as Flink prints them:
 * changelogMode=[I] for insert-only, [I,UB,UA] for a non-windowed aggregate of an
 * insert-only input (it updates but never deletes a group), [I,UB,UA,D] for the other
 * updating nodes, [NONE] for a sink.  The printer (planner.c) calls
 * sql_explain_changelog_mark after each node; the lines it prints for a node fused into
 * another (a scan under its CALC) take the mode of the node's input.  JSON_EXECUTION_PLAN
 * adds the job graph the statement builds, as Flink's "== Physical Execution Plan ==" JSON
 * (strom_env_execution_plan).  ESTIMATED_COST and PLAN_ADVICE are refused by name: Strom
 * has no cost model and no advisor.
 */
#include <strings.h>

#include "hint.h"

static _Thread_local bool changelog_on, json_on;

bool sql_explain_json_on(void) { return json_on; }

bool sql_explain_changelog_on(void) { return changelog_on; }
void sql_explain_changelog(bool on) { changelog_on = on; }

int sql_explain_details(const char *details, char *err, size_t errlen) {
  changelog_on = json_on = false;
  for (const char *d = details; *d;) {
    size_t n = strcspn(d, ",");
    if (n == strlen("CHANGELOG_MODE") && !strncmp(d, "CHANGELOG_MODE", n)) changelog_on = true;
    else if (n == strlen("JSON_EXECUTION_PLAN") && !strncmp(d, "JSON_EXECUTION_PLAN", n)) json_on = true;
    else {
      const char *why = !strncmp(d, "ESTIMATED_COST", n) ? "Strom has no cost model" : "Strom has no plan advisor";
      snprintf(err, errlen,
               "not supported: EXPLAIN %.*s (%s; EXPLAIN, EXPLAIN CHANGELOG_MODE and JSON_EXECUTION_PLAN are)", (int)n, d,
               why);
      changelog_on = json_on = false;
      return STROM_EINVAL;
    }
    d += n + (d[n] == ',');
  }
  return STROM_OK;
}

static const char *mode_of(const sql_plan *p) {
  if (!p->changelog) return "I";
  if ((p->kind == SQL_P_CALC || p->kind == SQL_P_UNNEST) && p->in) return mode_of(p->in); /* row by row: its input's kinds */
  if (p->kind == SQL_P_AGG && !p->win.kind && p->in && !p->in->changelog) return "I,UB,UA";
  return "I,UB,UA,D";
}

/* Inserts ", changelogMode=[m]" before the last ')' of the line starting at at. */
static void annotate(strom_buf *o, size_t at, const char *m) {
  size_t end = at;
  while (end < o->len && o->p[end] != '\n') end++;
  if (memmem(o->p + at, end - at, "changelogMode=", 14)) return;
  size_t close = end;
  while (close > at && o->p[close - 1] != ')') close--;
  char ins[64];
  int k = close > at ? snprintf(ins, sizeof ins, ", changelogMode=[%s]", m) : snprintf(ins, sizeof ins, "(changelogMode=[%s])", m);
  size_t pos = close > at ? close - 1 : end;
  if (close > at && pos > at && o->p[pos - 1] == '(') k = snprintf(ins, sizeof ins, "changelogMode=[%s]", m); /* Name() */
  if (strom__buf_reserve(o, (size_t)k)) return;
  memmove(o->p + pos + k, o->p + pos, o->len - pos);
  memcpy(o->p + pos, ins, (size_t)k);
  o->len += (size_t)k;
  o->p[o->len] = 0;
}

void sql_explain_changelog_mark(strom_buf *o, size_t mark, const sql_plan *p) {
  if (!changelog_on || mark >= o->len) return;
  annotate(o, mark, mode_of(p));
  /* the node's other lines without a mode (its children have theirs by now): its input
   * printed fused into it, a scan under its CALC or aggregate, which emits what the input
   * does */
  const char *in = mode_of(p->in ? p->in : p);
  size_t at = mark;
  while (at < o->len && o->p[at] != '\n') at++;
  for (at++; at < o->len;) {
    annotate(o, at, in);
    while (at < o->len && o->p[at] != '\n') at++;
    at++;
  }
}

void sql_explain_changelog_fill(strom_buf *o) {
  if (!changelog_on) return;
  /* a line without a mode (a fused node) takes that of the nearest line above it that is
   * indented less */
  for (size_t at = 0; at < o->len;) {
    size_t end = at;
    while (end < o->len && o->p[end] != '\n') end++;
    if (o->p[at] != '=' && !memmem(o->p + at, end - at, "changelogMode=", 14)) {
      size_t ind = strspn(o->p + at, " ");
      char m[32] = "I";
      for (size_t up = at; up > 0;) {
        size_t ls = up - 1;
        while (ls > 0 && o->p[ls - 1] != '\n') ls--;
        const char *cm = memmem(o->p + ls, up - 1 - ls, "changelogMode=[", 15);
        if (strspn(o->p + ls, " ") < ind && cm) {
          size_t len = strcspn(cm + 15, "]");
          snprintf(m, sizeof m, "%.*s", (int)(len < sizeof m ? len : sizeof m - 1), cm + 15);
          break;
        }
        up = ls;
      }
      size_t before = o->len;
      annotate(o, at, m);
      end += o->len - before;
    }
    at = end + 1;
  }
}
