/*
 * agg_json.c -- the aggregates JSON_OBJECTAGG([KEY] k VALUE v [NULL|ABSENT ON NULL]) and
 * JSON_ARRAYAGG(v [NULL|ABSENT ON NULL]), as Flink's JsonObjectAggFunction and
 * JsonArrayAggFunction.  Flink wraps each value in JSON_STRING (WrapJsonAggFunction-
 * ArgumentsRule) and keeps the JSON texts in a MapView (key -> text) / ListView; here the
 * binder gives the aggregate one argument -- JSON_STRING(v), or for JSON_OBJECTAGG the
 * pair (k, JSON_STRING(v)) encoded as two values -- and the accumulator column holds the
 * entries in types_coll.c's encoding (a u32 count, then each STRING value), so it rides
 * in the group's or window's accumulator row like every other aggregate's state (kept
 * by the operators through the keyed state API), retracts, and merges across window
 * slices and sessions.
 *
 * Semantics as Flink's: JSON_OBJECTAGG defaults to NULL ON NULL, JSON_ARRAYAGG to ABSENT
 * ON NULL; a key seen twice fails the job ("Key 'k' is already present. Duplicate keys
 * are not allowed in JSON_OBJECTAGG ..."); a retraction removes the key / the first equal
 * array element; an empty group is {} / [].  JSON_OBJECTAGG's members are written in key
 * order (Flink's follow its MapView, i.e. the state backend's iteration order) and
 * JSON_ARRAYAGG's elements in arrival order.  Each change rewrites the column: O(entries)
 * per row, as RANK over updates costs.
 *
 * ARRAY_AGG(v) (Flink's ArrayAggFunction) rides on JSON_ARRAYAGG's list: each entry is
 * v in types_coll.c's element encoding instead of a JSON text, so the result is the
 * count and the entries side by side.  NULLs are kept (RESPECT NULLS, Flink's default;
 * IGNORE NULLS makes a NULL v a NULL entry, which the list skips as ABSENT ON NULL),
 * a retraction removes the first equal element, and a group with no rows gives NULL.
 * PERCENTILE keeps its (value, frequency) pairs the same way (agg_percentile.c).
 */
#include <strings.h>

#include "sql_int.h"

static const sql_type T_STR = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX};

bool sql_aggjson_name(const char *name) {
  return !strcasecmp(name, "JSON_OBJECTAGG") || !strcasecmp(name, "JSON_ARRAYAGG") || !strcasecmp(name, "COLLECT") ||
         !strcasecmp(name, "ARRAY_AGG") || !strcasecmp(name, "PERCENTILE");
}

/* (k, v) -> k's and v's encodings side by side (v may be NULL: JSON's null or absent). */
static int f_kv(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c) {
  (void)e;
  if (args[0].null) return sql_ectx_fail(c, "JSON_OBJECTAGG: a NULL key");
  strom_buf b = {0};
  sql_coll_put(&b, &T_STR, &args[0]);
  sql_coll_put(&b, &T_STR, &args[1]);
  return sql_coll_finish(&b, out, c);
}

static int ck_none(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a, (void)e, (void)err, (void)errlen;
  return 0;
}

static const sql_func kv_fn = {"$JSON_KV", 2, 2, false, ck_none, f_kv};

static sql_expr *call(sql_arena *a, const sql_func *f, sql_expr **args, int n, char *err, size_t errlen) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **av = sql_arena_alloc(a, sizeof *av * (size_t)n);
  if (!e || !av) return snprintf(err, errlen, "out of memory"), NULL;
  memcpy(av, args, sizeof *av * (size_t)n);
  *e = (sql_expr){.op = SQL_E_FUNC, .n = n, .a = av, .fn = f, .col = -1, .type = T_STR};
  if (f->check(a, e, err, errlen)) return NULL;
  return e;
}

/* v's JSON text: JSON_STRING(v), or v itself when it is JSON_OBJECT / JSON_ARRAY (raw). */
static sql_expr *json_of(sql_arena *a, sql_expr *v, char *err, size_t errlen) {
  if (v->op == SQL_E_FUNC && v->fn && (!strcmp(v->fn->name, "JSON_OBJECT") || !strcmp(v->fn->name, "JSON_ARRAY"))) return v;
  const sql_func *js = sql_func_find("JSON_STRING");
  if (!js) return snprintf(err, errlen, "JSON_STRING is missing"), NULL;
  return call(a, js, &v, 1, err, errlen);
}

static bool is_clause(const sql_expr *x, bool *absent) {
  if (x->op != SQL_E_LIT || x->type.id != STROM_VARCHAR || x->lit.null) return false;
  if (x->lit.s.n == 12 && !memcmp(x->lit.s.p, "NULL ON NULL", 12)) return *absent = false, true;
  if (x->lit.s.n == 14 && !memcmp(x->lit.s.p, "ABSENT ON NULL", 14)) return *absent = true, true;
  return false;
}

sql_type sql_aggjson_type(const sql_agg *g, const sql_expr *arg) {
  return g->npct ? sql_pct_type(g) : sql_coll_array_type(&arg->a[0]->type); /* ARRAY_AGG: NULL for no rows */
}

/* ARRAY_AGG's entry: v's element encoding, a NULL v included. */
static int f_elem(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c) {
  strom_buf b = {0};
  sql_coll_put(&b, &e->a[0]->type, &args[0]);
  return sql_coll_finish(&b, out, c);
}

static const sql_func elem_fn = {"$ARRAY_ELEM", 1, 1, false, ck_none, f_elem};
static const sql_func elem_strict_fn = {"$ARRAY_ELEM", 1, 1, true, ck_none, f_elem}; /* IGNORE NULLS: NULL stays NULL */

sql_expr *sql_aggjson_arg(sql_arena *a, sql_agg *g, sql_expr **args, int nargs, char *err, size_t errlen) {
  if (g->text && !strncasecmp(g->text, "PERCENTILE(", 11)) return sql_pct_arg(a, g, args, nargs, err, errlen); /* agg_percentile.c */
  if (g->text && !strncasecmp(g->text, "ARRAY_AGG(", 10)) {
    const sql_expr *last = nargs == 2 ? args[1] : NULL;
    bool ignore = last && last->op == SQL_E_LIT && last->lit.s.n == 12 && !memcmp(last->lit.s.p, "IGNORE NULLS", 12);
    bool respect = last && last->op == SQL_E_LIT && last->lit.s.n == 13 && !memcmp(last->lit.s.p, "RESPECT NULLS", 13);
    if (nargs != 1 && !ignore && !respect) return snprintf(err, errlen, "ARRAY_AGG takes one argument"), NULL;
    if (!args[0]->type.id) args[0]->type = (sql_type){.id = STROM_INT}; /* an untyped NULL */
    g->array_agg = true;
    g->json_absent = ignore; /* a NULL entry is skipped */
    return call(a, ignore ? &elem_strict_fn : &elem_fn, args, 1, err, errlen);
  }
  bool obj = g->kind == SQL_AGG_JSON_OBJECT, absent = !obj;
  const char *name = obj ? "JSON_OBJECTAGG" : "JSON_ARRAYAGG";
  if (nargs > 0 && is_clause(args[nargs - 1], &absent)) nargs--;
  if (nargs != (obj ? 2 : 1)) {
    snprintf(err, errlen, "%s takes %s", name, obj ? "[KEY] key VALUE value [NULL | ABSENT ON NULL]" : "one value [NULL | ABSENT ON NULL]");
    return NULL;
  }
  g->json_absent = absent;
  if (obj) {
    const sql_type *kt = &args[0]->type;
    if (kt->id != STROM_VARCHAR || kt->kind) {
      char tn[64];
      sql_type_name(kt, tn, sizeof tn);
      snprintf(err, errlen, "JSON_OBJECTAGG: the key must be a string, got %s", tn);
      return NULL;
    }
    if (!kt->not_null) { /* Flink's input type strategy: a non-nullable character string */
      snprintf(err, errlen, "JSON_OBJECTAGG: the key must be NOT NULL (Flink requires a non-nullable string key; use COALESCE)");
      return NULL;
    }
    sql_expr *kv[2] = {args[0], json_of(a, args[1], err, errlen)};
    if (!kv[1]) return NULL;
    return call(a, &kv_fn, kv, 2, err, errlen);
  }
  return json_of(a, args[0], err, errlen);
}

/* ---- the accumulator column ---- */

int sql_aggjson_schema(const sql_agg *g, strom_schema *acc, const char *name) {
  (void)g;
  return strom_schema_add(acc, name, STROM_VARCHAR);
}

void sql_aggjson_init(const sql_agg *g, strom_row *acc) {
  uint32_t zero = 0;
  strom_row_set_str(acc, g->acc, (const char *)&zero, 4);
}

typedef struct entry {
  sql_val k, v;
} entry;

/* The entries of the column (pointing into it); -1 when malformed. */
static int entries(const sql_agg *g, const strom_row *acc, entry **out) {
  *out = NULL;
  if (acc->nulls[g->acc]) return 0;
  sql_val col;
  sql_val_get(acc, g->acc, &col);
  const char *p = col.s.p, *end = p + col.s.n;
  uint32_t n;
  if (!sql_coll_count(&p, end, &n) || n > col.s.n) return -1;
  entry *e = strom__calloc(n ? n : 1, sizeof *e);
  if (!e) return -1;
  for (uint32_t i = 0; i < n; i++)
    if ((g->kind == SQL_AGG_JSON_OBJECT && !sql_coll_get(&p, end, &T_STR, &e[i].k)) || !sql_coll_get(&p, end, &T_STR, &e[i].v))
      return free(e), -1;
  *out = e;
  return (int)n;
}

static int store(const sql_agg *g, strom_row *acc, const entry *e, int n) {
  strom_buf b = {0};
  uint32_t cnt = (uint32_t)n;
  strom__buf_append(&b, &cnt, 4);
  for (int i = 0; i < n; i++) {
    if (g->kind == SQL_AGG_JSON_OBJECT) sql_coll_put(&b, &T_STR, &e[i].k);
    sql_coll_put(&b, &T_STR, &e[i].v);
  }
  int rc = b.p ? strom_row_set_str(acc, g->acc, b.p, b.len) : STROM_ENOMEM;
  strom__buf_free(&b);
  return rc;
}

static int kcmp(const sql_val *a, const sql_val *b) {
  size_t n = a->s.n < b->s.n ? a->s.n : b->s.n;
  int c = memcmp(a->s.p, b->s.p, n);
  return c ? c : (a->s.n > b->s.n) - (a->s.n < b->s.n);
}

static bool veq(const sql_val *a, const sql_val *b) {
  return a->null == b->null && (a->null || (a->s.n == b->s.n && !memcmp(a->s.p, b->s.p, a->s.n)));
}

/* Folds one (k, v) / v into the entries e[0..*n) (room for one more). */
static int fold(const sql_agg *g, entry *e, int *n, const sql_val *k, const sql_val *v, bool retract, sql_ectx *c) {
  if (g->kind == SQL_AGG_JSON_ARRAY) {
    sql_val nv = v->null ? (sql_val){.s = {"null", 4}} : *v; /* Flink's NULL_STR */
    if (!retract) {
      if (!v->null || !g->json_absent) e[(*n)++].v = nv;
      return 0;
    }
    for (int i = 0; i < *n; i++)
      if (veq(&e[i].v, &nv)) {
        memmove(&e[i], &e[i + 1], sizeof *e * (size_t)(*n - i - 1));
        (*n)--;
        break;
      }
    return 0;
  }
  int i = 0;
  while (i < *n && kcmp(&e[i].k, k) < 0) i++;
  bool there = i < *n && !kcmp(&e[i].k, k);
  if (retract) { /* Flink's retract removes the key, whatever the value */
    if (there) memmove(&e[i], &e[i + 1], sizeof *e * (size_t)(*n - i - 1)), (*n)--;
    return 0;
  }
  if (there) {
    if (c)
      return sql_ectx_fail(c, "Key '%.*s' is already present. Duplicate keys are not allowed in JSON_OBJECTAGG. Please ensure that keys are unique.",
                           (int)(k->s.n > 200 ? 200 : k->s.n), k->s.p);
    return STROM_EINVAL;
  }
  if (v->null && g->json_absent) return 0;
  memmove(&e[i + 1], &e[i], sizeof *e * (size_t)(*n - i));
  e[i].k = *k, e[i].v = *v;
  (*n)++;
  return 0;
}

static int collect_add(const sql_agg *g, strom_row *acc, const sql_val *x, int64_t times);

int sql_aggjson_add(const sql_agg *g, strom_row *acc, const strom_row *in, bool retract, sql_ectx *c) {
  if (g->kind == SQL_AGG_COLLECT) {
    sql_val x;
    sql_val_get(in, g->arg, &x);
    if (x.null) return 0; /* Flink's CollectAggFunction skips NULLs */
    int rc = collect_add(g, acc, &x, retract ? -1 : 1);
    return rc ? sql_ectx_fail(c, "malformed COLLECT state") : 0;
  }
  sql_val x, k = {0}, v;
  sql_val_get(in, g->arg, &x);
  if (g->kind == SQL_AGG_JSON_OBJECT) {
    const char *p = x.s.p, *end = p + x.s.n;
    if (x.null || !sql_coll_get(&p, end, &T_STR, &k) || !sql_coll_get(&p, end, &T_STR, &v) || k.null)
      return sql_ectx_fail(c, "JSON_OBJECTAGG: a NULL key");
  } else v = x;
  entry *e;
  int n = entries(g, acc, &e);
  if (n < 0) return sql_ectx_fail(c, "malformed JSON aggregate state");
  entry *grown = realloc(e, sizeof *e * (size_t)(n + 1));
  if (!grown) return free(e), STROM_ENOMEM;
  e = grown;
  /* the entries point into acc's column: copy the new key / value first, store writes anew */
  int rc = fold(g, e, &n, &k, &v, retract, c);
  if (!rc) rc = store(g, acc, e, n);
  free(e);
  return rc;
}

int sql_aggjson_merge(const sql_agg *g, strom_row *acc, const strom_row *o) {
  if (g->kind == SQL_AGG_COLLECT) {
    if (o->nulls[g->acc]) return 0;
    sql_val col;
    sql_val_get(o, g->acc, &col);
    const char *p = col.s.p, *end = p + col.s.n;
    uint32_t n;
    if (!sql_coll_count(&p, end, &n)) return STROM_EINVAL;
    for (uint32_t i = 0; i < n; i++) {
      sql_val x, cnt;
      if (!sql_coll_get(&p, end, g->type.key, &x) || !sql_coll_get(&p, end, g->type.elem, &cnt)) return STROM_EINVAL;
      int rc = collect_add(g, acc, &x, cnt.i);
      if (rc) return rc;
    }
    return 0;
  }
  entry *a, *b;
  int na = entries(g, acc, &a), nb = entries(g, o, &b);
  if (na < 0 || nb < 0) return free(a), free(b), STROM_EINVAL;
  entry *m = strom__calloc((size_t)(na + nb + 1), sizeof *m);
  int rc = m ? 0 : STROM_ENOMEM;
  if (m && na) memcpy(m, a, sizeof *m * (size_t)na);
  int n = na;
  for (int i = 0; i < nb && !rc; i++) rc = fold(g, m, &n, &b[i].k, &b[i].v, false, NULL);
  if (!rc) rc = store(g, acc, m, n);
  free(a), free(b), free(m);
  return rc;
}

void sql_aggjson_result(const sql_agg *g, const strom_row *acc, strom_row *out, int col) {
  if (g->kind == SQL_AGG_COLLECT) { /* the counts that are positive (a retraction may run ahead) */
    sql_val v;
    sql_val_get(acc, g->acc, &v);
    const char *p = v.s.p, *end = p + v.s.n;
    uint32_t n, k = 0;
    strom_buf b = {0};
    strom__buf_append(&b, &k, 4);
    if (!v.null && sql_coll_count(&p, end, &n))
      for (uint32_t i = 0; i < n; i++) {
        sql_val x, cnt;
        if (!sql_coll_get(&p, end, g->type.key, &x) || !sql_coll_get(&p, end, g->type.elem, &cnt)) break;
        if (cnt.i > 0) sql_coll_put(&b, g->type.key, &x), sql_coll_put(&b, g->type.elem, &cnt), k++;
      }
    if (b.p) memcpy(b.p, &k, 4), strom_row_set_str(out, col, b.p, b.len);
    else strom_row_set_null(out, col);
    strom__buf_free(&b);
    return;
  }
  entry *e;
  int n = entries(g, acc, &e);
  strom_buf b = {0};
  if (g->npct) { /* PERCENTILE (agg_percentile.c) */
    sql_val *v = n > 0 ? malloc(sizeof *v * (size_t)n) : NULL;
    for (int i = 0; v && i < n; i++) v[i] = e[i].v;
    sql_pct_result(g, v, v ? n : 0, out, col);
    free(v), free(e);
    return;
  }
  if (g->array_agg) { /* the count, then the elements as they are encoded */
    uint32_t cnt = (uint32_t)(n > 0 ? n : 0);
    strom__buf_append(&b, &cnt, 4);
    for (int i = 0; i < n; i++) strom__buf_append(&b, e[i].v.s.p, e[i].v.s.n);
    free(e);
    if (!b.p || n <= 0) strom_row_set_null(out, col);
    else strom_row_set_str(out, col, b.p, b.len);
    strom__buf_free(&b);
    return;
  }
  bool obj = g->kind == SQL_AGG_JSON_OBJECT;
  strom__buf_append(&b, obj ? "{" : "[", 1);
  for (int i = 0; i < n; i++) {
    if (i) strom__buf_append(&b, ",", 1);
    if (obj) {
      sql_coll_json(&b, &T_STR, &e[i].k, 1);
      strom__buf_append(&b, ":", 1);
    }
    if (e[i].v.null) strom__buf_append(&b, "null", 4);
    else strom__buf_append(&b, e[i].v.s.p, e[i].v.s.n);
  }
  strom__buf_append(&b, obj ? "}" : "]", 1);
  free(e);
  if (!b.p) strom_row_set_null(out, col);
  else strom_row_set_str(out, col, b.p, b.len);
  strom__buf_free(&b);
}

/* ---- COLLECT: a MULTISET of the values, as value -> count (Flink's CollectAggFunction) ---- */

/* Adds times (negative: retracts) to x's count; the entries stay ordered by value, an
 * entry whose count reaches 0 goes. */
static int collect_add(const sql_agg *g, strom_row *acc, const sql_val *x, int64_t times) {
  const sql_type *kt = g->type.key, *ct = g->type.elem;
  sql_val col = {.null = true};
  if (!acc->nulls[g->acc]) sql_val_get(acc, g->acc, &col);
  const char *p = col.null ? NULL : col.s.p, *end = p ? p + col.s.n : NULL;
  uint32_t n = 0, k = 0;
  if (p && !sql_coll_count(&p, end, &n)) return STROM_EINVAL;
  strom_buf b = {0};
  strom__buf_append(&b, &k, 4);
  bool done = false;
  for (uint32_t i = 0; i <= n; i++) {
    sql_val y, cnt;
    bool last = i == n;
    if (!last && (!sql_coll_get(&p, end, kt, &y) || !sql_coll_get(&p, end, ct, &cnt))) return strom__buf_free(&b), STROM_EINVAL;
    int cmp = last ? -1 : sql_val_cmp(kt, x, &y); /* at the end: x goes last */
    if (!done && cmp <= 0) { /* x goes here */
      sql_val nc = {.i = (cmp == 0 ? cnt.i : 0) + times};
      if (nc.i) sql_coll_put(&b, kt, x), sql_coll_put(&b, ct, &nc), k++;
      done = true;
      if (cmp == 0) continue;
    }
    if (!last) sql_coll_put(&b, kt, &y), sql_coll_put(&b, ct, &cnt), k++;
  }
  memcpy(b.p, &k, 4);
  int rc = strom_row_set_str(acc, g->acc, b.p, b.len);
  strom__buf_free(&b);
  return rc;
}
