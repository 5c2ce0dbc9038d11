/*
 * fn_coll.c -- the ARRAY_* and MAP_* functions of Flink's function reference, on the
 * ARRAY and MAP values of types_coll.c (read and written through its encoding).
 * Element equality is Flink's: two NULL elements are equal (ARRAY_CONTAINS(a, NULL)
 * looks for a NULL element, ARRAY_DISTINCT keeps one NULL), otherwise values compare
 * as SQL compares them.  A needle is cast to the array's element type, as Flink does
 * implicitly; arrays of different element types meet at their common type
 * (ARRAY_UNION, ARRAY_CONCAT, MAP_UNION).  Maps keep their entries in insertion order;
 * where Flink's result order is unspecified (MAP_KEYS, MAP_VALUES) that order is used,
 * and a key given twice keeps its first place and its last value.
 */
#include <stdlib.h>
#include <strings.h>

#include "sql_int.h"

static const sql_type T_BOOL = {.id = STROM_BOOLEAN}, T_INT = {.id = STROM_INT},
                      T_STR = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX};

static int fail(char *err, size_t errlen, const sql_expr *e, const char *what) {
  snprintf(err, errlen, "%s: %s", e->fn->name, what);
  return STROM_EINVAL;
}

static bool is_kind(const sql_expr *x, sql_tkind k) { return x->type.kind == k; }

static int want_kind(const sql_expr *e, int i, sql_tkind k, char *err, size_t errlen) {
  if (is_kind(e->a[i], k)) return 0;
  char got[96], m[160];
  if (e->a[i]->type.id) sql_type_name(&e->a[i]->type, got, sizeof got);
  else snprintf(got, sizeof got, "NULL");
  snprintf(m, sizeof m, "argument %d is %s, expected %s", i + 1, got, k == SQL_K_ARRAY ? "an ARRAY" : "a MAP");
  return fail(err, errlen, e, m);
}

/* Numbers, strings, and otherwise each type: what an implicit cast stays within. */
static int family(const sql_type *t) {
  if (t->kind) return 100 + t->kind;
  if (sql_type_numeric(t)) return 1;
  return t->id == STROM_VARCHAR ? 2 : 10 + t->id;
}

/* Casts argument i to t (an untyped NULL becomes one of t). */
static int cast_arg(sql_arena *a, sql_expr *e, int i, const sql_type *t, char *err, size_t errlen) {
  if (!e->a[i]->type.id) e->a[i]->type = *t;
  if (family(t) != family(&e->a[i]->type) || !sql_can_cast(&e->a[i]->type, t)) {
    char want[96], got[96], m[240];
    sql_type_name(t, want, sizeof want);
    sql_type_name(&e->a[i]->type, got, sizeof got);
    snprintf(m, sizeof m, "argument %d is %s, expected %s", i + 1, got, want);
    return fail(err, errlen, e, m);
  }
  return (e->a[i] = sql_cast_to(a, e->a[i], t)) ? 0 : STROM_ENOMEM;
}

/* Arguments first..n-1 are collections of kind k; all are cast to their common type,
 * which becomes the result type. */
static int ck_common_coll(sql_arena *a, sql_expr *e, sql_tkind k, char *err, size_t errlen) {
  for (int i = 0; i < e->n; i++) {
    int rc = want_kind(e, i, k, err, errlen);
    if (rc) return rc;
  }
  sql_type el = *e->a[0]->type.elem, key = k == SQL_K_MAP ? *e->a[0]->type.key : (sql_type){0};
  for (int i = 1; i < e->n; i++) {
    if (family(e->a[i]->type.elem) != family(&el) || (k == SQL_K_MAP && family(e->a[i]->type.key) != family(&key))) {
      char want[96], got[96], m[240];
      sql_type_name(&e->a[0]->type, want, sizeof want);
      sql_type_name(&e->a[i]->type, got, sizeof got);
      snprintf(m, sizeof m, "argument %d is %s, expected %s", i + 1, got, want);
      return fail(err, errlen, e, m);
    }
    if (!sql_common_type(&el, e->a[i]->type.elem, &el) || (k == SQL_K_MAP && !sql_common_type(&key, e->a[i]->type.key, &key)))
      return fail(err, errlen, e, "the arguments have no common type");
  }
  el.not_null = key.not_null = false;
  if (el.id == STROM_VARCHAR && !el.kind) el.p = SQL_VARCHAR_MAX;
  if (key.id == STROM_VARCHAR && !key.kind) key.p = SQL_VARCHAR_MAX;
  e->type = k == SQL_K_MAP ? sql_coll_map_type(&key, &el) : sql_coll_array_type(&el);
  if (!e->type.elem) return STROM_ENOMEM;
  for (int i = 0; i < e->n; i++) {
    int rc = cast_arg(a, e, i, &e->type, err, errlen);
    if (rc) return rc;
  }
  return 0;
}

/* The elements of an encoded array (keys too for a map, when keys is given). */
static int decode(const sql_type *t, const sql_val *v, sql_val **els, sql_val **keys, uint32_t *n, sql_ectx *c) {
  const char *p = v->s.p, *end = p + v->s.n;
  if (!sql_coll_count(&p, end, n)) return sql_ectx_fail(c, "malformed ARRAY or MAP value");
  if ((size_t)*n > v->s.n) return sql_ectx_fail(c, "malformed ARRAY or MAP value");
  *els = (sql_val *)(void *)sql_ectx_alloc(c, sizeof(sql_val) * (*n ? *n : 1));
  if (keys) *keys = (sql_val *)(void *)sql_ectx_alloc(c, sizeof(sql_val) * (*n ? *n : 1));
  if (!*els || (keys && !*keys)) return STROM_ENOMEM;
  for (uint32_t i = 0; i < *n; i++) {
    if (t->kind == SQL_K_MAP) {
      sql_val k;
      if (!sql_coll_get(&p, end, t->key, &k)) return sql_ectx_fail(c, "malformed MAP value");
      if (keys) (*keys)[i] = k;
    }
    if (!sql_coll_get(&p, end, t->elem, &(*els)[i])) return sql_ectx_fail(c, "malformed ARRAY or MAP value");
  }
  return 0;
}

static bool same(const sql_type *t, const sql_val *x, const sql_val *y) {
  if (x->null || y->null) return x->null && y->null;
  return sql_val_cmp(t, x, y) == 0;
}

/* Writes the n values of els (a map: with keys) as a value of type t. */
static int encode(const sql_type *t, const sql_val *keys, const sql_val *els, uint32_t n, sql_val *out, sql_ectx *c) {
  strom_buf b = {0};
  strom__buf_append(&b, &n, 4);
  for (uint32_t i = 0; i < n; i++) {
    if (keys) sql_coll_put(&b, t->key, &keys[i]);
    sql_coll_put(&b, t->elem, &els[i]);
  }
  return sql_coll_finish(&b, out, c);
}

/* ---- one array ---- */

static int ck_array_same(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  int rc = want_kind(e, 0, SQL_K_ARRAY, err, errlen);
  if (rc) return rc;
  e->type = e->a[0]->type;
  e->type.not_null = false;
  return 0;
}

/* (array, element) */
static int ck_needle(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = want_kind(e, 0, SQL_K_ARRAY, err, errlen);
  sql_type el = *e->a[0]->type.elem;
  el.not_null = false;
  if (!rc) rc = cast_arg(a, e, 1, &el, err, errlen);
  if (!strcmp(e->fn->name, "ARRAY_CONTAINS")) e->type = T_BOOL;
  else if (!strcmp(e->fn->name, "ARRAY_POSITION")) e->type = T_INT;
  else e->type = e->a[0]->type, e->type.not_null = false;
  return rc;
}

static int f_contains(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (a[0].null) return out->null = true, 0;
  const sql_type *el = e->a[0]->type.elem;
  sql_val *v;
  uint32_t n;
  int rc = decode(&e->a[0]->type, &a[0], &v, NULL, &n, c);
  if (rc) return rc;
  out->i = 0;
  for (uint32_t i = 0; i < n; i++)
    if (same(el, &v[i], &a[1])) {
      out->i = !strcmp(e->fn->name, "ARRAY_POSITION") ? (int64_t)i + 1 : 1;
      break;
    }
  return 0;
}

static int f_remove(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (a[0].null) return out->null = true, 0;
  sql_val *v;
  uint32_t n, k = 0;
  int rc = decode(&e->a[0]->type, &a[0], &v, NULL, &n, c);
  if (rc) return rc;
  for (uint32_t i = 0; i < n; i++)
    if (!same(e->type.elem, &v[i], &a[1])) v[k++] = v[i];
  return encode(&e->type, NULL, v, k, out, c);
}

static int f_distinct(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  sql_val *v;
  uint32_t n, k = 0;
  int rc = decode(&e->a[0]->type, &a[0], &v, NULL, &n, c);
  if (rc) return rc;
  for (uint32_t i = 0; i < n; i++) {
    bool seen = false;
    for (uint32_t j = 0; j < k && !seen; j++) seen = same(e->type.elem, &v[j], &v[i]);
    if (!seen) v[k++] = v[i];
  }
  return encode(&e->type, NULL, v, k, out, c);
}

static int f_reverse(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  sql_val *v;
  uint32_t n;
  int rc = decode(&e->a[0]->type, &a[0], &v, NULL, &n, c);
  if (rc) return rc;
  for (uint32_t i = 0; i < n / 2; i++) {
    sql_val t = v[i];
    v[i] = v[n - 1 - i], v[n - 1 - i] = t;
  }
  return encode(&e->type, NULL, v, n, out, c);
}

static int ck_slice(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = ck_array_same(a, e, err, errlen);
  for (int i = 1; !rc && i < e->n; i++) {
    if (e->a[i]->type.id && !sql_type_numeric(&e->a[i]->type)) return fail(err, errlen, e, "the offsets must be integers");
    rc = cast_arg(a, e, i, &T_INT, err, errlen);
  }
  return rc;
}

/* Offsets are 1-based, negative ones count from the end, 0 is the first element, and
 * an end before the start gives an empty array. */
static int f_slice(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  sql_val *v;
  uint32_t n;
  int rc = decode(&e->a[0]->type, &a[0], &v, NULL, &n, c);
  if (rc) return rc;
  if (!n) return *out = a[0], 0;
  int64_t from = a[1].i, to = e->n > 2 ? a[2].i : (int64_t)n;
  if (from < 0) from += (int64_t)n + 1;
  if (to < 0) to += (int64_t)n + 1;
  if (from < 1) from = 1;
  to = to == 0 ? 1 : to > (int64_t)n ? (int64_t)n : to;
  if (to < from) return encode(&e->type, NULL, v, 0, out, c);
  return encode(&e->type, NULL, v + from - 1, (uint32_t)(to - from + 1), out, c);
}

static int ck_minmax(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  int rc = want_kind(e, 0, SQL_K_ARRAY, err, errlen);
  if (rc) return rc;
  e->type = *e->a[0]->type.elem;
  e->type.not_null = false;
  if (e->type.kind >= SQL_K_ARRAY) return fail(err, errlen, e, "the elements must be comparable (not ARRAY or MAP)");
  if (e->type.id == STROM_BOOLEAN && strcmp(e->fn->name, "ARRAY_SORT")) /* Flink's MAX/MIN refuse BOOLEAN elements */
    return fail(err, errlen, e, "the elements must be numbers, strings or date-times, not BOOLEAN");
  return 0;
}

/* NULL elements are skipped; an empty (or all-NULL) array gives NULL. */
static int f_minmax(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  sql_val *v;
  uint32_t n;
  int rc = decode(&e->a[0]->type, &a[0], &v, NULL, &n, c);
  if (rc) return rc;
  bool most = !strcmp(e->fn->name, "ARRAY_MAX");
  out->null = true;
  for (uint32_t i = 0; i < n; i++) {
    if (v[i].null) continue;
    int r = out->null ? 0 : sql_val_cmp(&e->type, &v[i], out);
    if (out->null || (most ? r > 0 : r < 0)) *out = v[i];
  }
  return 0;
}

static int ck_join(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = want_kind(e, 0, SQL_K_ARRAY, err, errlen);
  if (rc) return rc;
  if (e->a[0]->type.elem->id != STROM_VARCHAR || e->a[0]->type.elem->kind) return fail(err, errlen, e, "the array's elements must be strings");
  for (int i = 1; !rc && i < e->n; i++) rc = cast_arg(a, e, i, &T_STR, err, errlen);
  e->type = T_STR;
  return rc;
}

/* Without a replacement, NULL elements are left out. */
static int f_join(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  sql_val *v;
  uint32_t n;
  int rc = decode(&e->a[0]->type, &a[0], &v, NULL, &n, c);
  if (rc) return rc;
  strom_buf b = {0};
  bool first = true;
  for (uint32_t i = 0; i < n; i++) {
    const sql_val *x = v[i].null ? (e->n > 2 ? &a[2] : NULL) : &v[i];
    if (!x) continue;
    if (!first) strom__buf_append(&b, a[1].s.p, a[1].s.n);
    strom__buf_append(&b, x->s.p, x->s.n);
    first = false;
  }
  size_t len = b.len;
  char *p = sql_ectx_alloc(c, len ? len : 1);
  if (p && len) memcpy(p, b.p, len);
  strom__buf_free(&b);
  if (!p) return STROM_ENOMEM;
  out->s.p = p, out->s.n = (uint32_t)len;
  return 0;
}

static int ck_sort(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = ck_minmax(a, e, err, errlen);
  if (rc) return rc;
  e->type = e->a[0]->type, e->type.not_null = false;
  for (int i = 1; !rc && i < e->n; i++) rc = cast_arg(a, e, i, &T_BOOL, err, errlen);
  return rc;
}

typedef struct sort_ctx {
  const sql_type *t;
  bool asc, nulls_first;
} sort_ctx;

static _Thread_local const sort_ctx *sorting;

static int sort_cmp(const void *x, const void *y) {
  const sql_val *p = x, *q = y;
  if (p->null || q->null) return p->null == q->null ? 0 : (p->null == sorting->nulls_first ? -1 : 1);
  int r = sql_val_cmp(sorting->t, p, q);
  return sorting->asc ? r : -r;
}

/* ARRAY_SORT(a [, ascending [, nulls_first]]): ascending puts NULLs first and
 * descending last, unless nulls_first says otherwise. */
static int f_sort(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  sql_val *v;
  uint32_t n;
  int rc = decode(&e->a[0]->type, &a[0], &v, NULL, &n, c);
  if (rc) return rc;
  sort_ctx s = {e->type.elem, e->n > 1 ? a[1].i != 0 : true, false};
  s.nulls_first = e->n > 2 ? a[2].i != 0 : s.asc;
  /* a stable order for equal elements: insertion sort (arrays are short) */
  sorting = &s;
  for (uint32_t i = 1; i < n; i++) {
    sql_val x = v[i];
    uint32_t j = i;
    while (j > 0 && sort_cmp(&v[j - 1], &x) > 0) v[j] = v[j - 1], j--;
    v[j] = x;
  }
  return encode(&e->type, NULL, v, n, out, c);
}

static int ck_element(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  int rc = want_kind(e, 0, SQL_K_ARRAY, err, errlen);
  if (rc) return rc;
  e->type = *e->a[0]->type.elem;
  e->type.not_null = false;
  return 0;
}

static int f_element(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  sql_val *v;
  uint32_t n;
  int rc = decode(&e->a[0]->type, &a[0], &v, NULL, &n, c);
  if (rc) return rc;
  if (n > 1) return sql_ectx_fail(c, "ELEMENT: the array has %u elements, expected at most one", n);
  if (!n) out->null = true;
  else *out = v[0];
  return 0;
}

/* ---- two or more arrays ---- */

static int ck_arrays(sql_arena *a, sql_expr *e, char *err, size_t errlen) { return ck_common_coll(a, e, SQL_K_ARRAY, err, errlen); }

static int f_concat_union(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  bool uni = !strcmp(e->fn->name, "ARRAY_UNION");
  sql_val *all = NULL;
  uint32_t total = 0;
  for (int i = 0; i < e->n; i++) {
    sql_val *v;
    uint32_t n;
    int rc = decode(&e->type, &a[i], &v, NULL, &n, c);
    if (rc) return rc;
    sql_val *grown = (sql_val *)(void *)sql_ectx_alloc(c, sizeof(sql_val) * (total + n + 1));
    if (!grown) return STROM_ENOMEM;
    if (total) memcpy(grown, all, sizeof(sql_val) * total);
    for (uint32_t j = 0; j < n; j++) {
      bool seen = false;
      for (uint32_t k = 0; uni && k < total && !seen; k++) seen = same(e->type.elem, &grown[k], &v[j]);
      if (!seen) grown[total++] = v[j];
    }
    all = grown;
  }
  return encode(&e->type, NULL, all, total, out, c);
}

/* ARRAY_EXCEPT / ARRAY_INTERSECT: the distinct elements of the first array (in its
 * order) that are not / are in the second. */
static int f_except_intersect(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  bool keep_common = !strcmp(e->fn->name, "ARRAY_INTERSECT");
  sql_val *x, *y;
  uint32_t nx, ny, k = 0;
  int rc = decode(&e->type, &a[0], &x, NULL, &nx, c);
  if (!rc) rc = decode(&e->type, &a[1], &y, NULL, &ny, c);
  if (rc) return rc;
  for (uint32_t i = 0; i < nx; i++) {
    bool seen = false, in_y = false;
    for (uint32_t j = 0; j < k && !seen; j++) seen = same(e->type.elem, &x[j], &x[i]);
    for (uint32_t j = 0; j < ny && !in_y; j++) in_y = same(e->type.elem, &y[j], &x[i]);
    if (!seen && in_y == keep_common) x[k++] = x[i];
  }
  return encode(&e->type, NULL, x, k, out, c);
}

/* ARRAY_APPEND(a, x) / ARRAY_PREPEND(a, x): a NULL x is added as a NULL element. */
static int f_append(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  if (a[0].null) return out->null = true, 0;
  sql_val *v;
  uint32_t n;
  int rc = decode(&e->a[0]->type, &a[0], &v, NULL, &n, c);
  if (rc) return rc;
  sql_val *w = (sql_val *)(void *)sql_ectx_alloc(c, sizeof(sql_val) * (n + 1));
  if (!w) return STROM_ENOMEM;
  bool front = !strcmp(e->fn->name, "ARRAY_PREPEND");
  memcpy(w + front, v, sizeof(sql_val) * n);
  w[front ? 0 : n] = a[1];
  return encode(&e->type, NULL, w, n + 1, out, c);
}

/* ---- maps ---- */

static int ck_map_part(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  int rc = want_kind(e, 0, SQL_K_MAP, err, errlen);
  if (rc) return rc;
  e->type = sql_coll_array_type(!strcmp(e->fn->name, "MAP_KEYS") ? e->a[0]->type.key : e->a[0]->type.elem);
  return e->type.elem ? 0 : STROM_ENOMEM;
}

static int f_map_part(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  sql_val *v, *k;
  uint32_t n;
  int rc = decode(&e->a[0]->type, &a[0], &v, &k, &n, c);
  if (rc) return rc;
  return encode(&e->type, NULL, !strcmp(e->fn->name, "MAP_KEYS") ? k : v, n, out, c);
}

/* Adds key -> val to the n entries (keys ks, values vs): a key already there keeps its
 * place and takes the new value, as a Java map's put does. */
static void put_entry(const sql_type *kt, sql_val *ks, sql_val *vs, uint32_t *n, const sql_val *key, const sql_val *val) {
  for (uint32_t i = 0; i < *n; i++)
    if (same(kt, &ks[i], key)) {
      vs[i] = *val;
      return;
    }
  ks[*n] = *key, vs[*n] = *val, (*n)++;
}

static int ck_map_from_arrays(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  int rc = want_kind(e, 0, SQL_K_ARRAY, err, errlen);
  if (!rc) rc = want_kind(e, 1, SQL_K_ARRAY, err, errlen);
  if (rc) return rc;
  e->type = sql_coll_map_type(e->a[0]->type.elem, e->a[1]->type.elem);
  return e->type.elem && e->type.key ? 0 : STROM_ENOMEM;
}

static int f_map_from_arrays(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  sql_val *ks, *vs;
  uint32_t nk, nv, n = 0;
  int rc = decode(&e->a[0]->type, &a[0], &ks, NULL, &nk, c);
  if (!rc) rc = decode(&e->a[1]->type, &a[1], &vs, NULL, &nv, c);
  if (rc) return rc;
  if (nk != nv) return sql_ectx_fail(c, "MAP_FROM_ARRAYS: the keys array has %u elements and the values array %u; they must be equally long", nk, nv);
  sql_val *k2 = (sql_val *)(void *)sql_ectx_alloc(c, sizeof(sql_val) * (nk + 1)), *v2 = (sql_val *)(void *)sql_ectx_alloc(c, sizeof(sql_val) * (nk + 1));
  if (!k2 || !v2) return STROM_ENOMEM;
  for (uint32_t i = 0; i < nk; i++) put_entry(e->type.key, k2, v2, &n, &ks[i], &vs[i]);
  return encode(&e->type, k2, v2, n, out, c);
}

static int ck_maps(sql_arena *a, sql_expr *e, char *err, size_t errlen) { return ck_common_coll(a, e, SQL_K_MAP, err, errlen); }

/* MAP_UNION(m1, m2, ...): a later map's value wins for a key in both. */
static int f_map_union(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  uint32_t cap = 0;
  for (int i = 0; i < e->n; i++) cap += a[i].s.n / 2 + 1; /* each entry takes at least two bytes */
  sql_val *ks = (sql_val *)(void *)sql_ectx_alloc(c, sizeof(sql_val) * cap), *vs = (sql_val *)(void *)sql_ectx_alloc(c, sizeof(sql_val) * cap);
  if (!ks || !vs) return STROM_ENOMEM;
  uint32_t total = 0;
  for (int i = 0; i < e->n; i++) {
    sql_val *k, *v;
    uint32_t n;
    int rc = decode(&e->type, &a[i], &v, &k, &n, c);
    if (rc) return rc;
    for (uint32_t j = 0; j < n; j++) put_entry(e->type.key, ks, vs, &total, &k[j], &v[j]);
  }
  return encode(&e->type, ks, vs, total, out, c);
}

static const sql_func coll_funcs[] = {
    {"ARRAY_CONTAINS", 2, 2, false, ck_needle, f_contains},
    {"ARRAY_POSITION", 2, 2, true, ck_needle, f_contains},
    {"ARRAY_REMOVE", 2, 2, false, ck_needle, f_remove},
    {"ARRAY_DISTINCT", 1, 1, true, ck_array_same, f_distinct},
    {"ARRAY_REVERSE", 1, 1, true, ck_array_same, f_reverse},
    {"ARRAY_SLICE", 2, 3, true, ck_slice, f_slice},
    {"ARRAY_MAX", 1, 1, true, ck_minmax, f_minmax},
    {"ARRAY_MIN", 1, 1, true, ck_minmax, f_minmax},
    {"ARRAY_JOIN", 2, 3, true, ck_join, f_join},
    {"ARRAY_SORT", 1, 3, true, ck_sort, f_sort},
    {"ARRAY_UNION", 2, 2, true, ck_arrays, f_concat_union},
    {"ARRAY_CONCAT", 1, 64, true, ck_arrays, f_concat_union},
    {"ARRAY_EXCEPT", 2, 2, true, ck_arrays, f_except_intersect},
    {"ARRAY_INTERSECT", 2, 2, true, ck_arrays, f_except_intersect},
    {"ARRAY_APPEND", 2, 2, false, ck_needle, f_append},
    {"ARRAY_PREPEND", 2, 2, false, ck_needle, f_append},
    {"ELEMENT", 1, 1, true, ck_element, f_element},
    {"MAP_KEYS", 1, 1, true, ck_map_part, f_map_part},
    {"MAP_VALUES", 1, 1, true, ck_map_part, f_map_part},
    {"MAP_FROM_ARRAYS", 2, 2, true, ck_map_from_arrays, f_map_from_arrays},
    {"MAP_UNION", 1, 64, true, ck_maps, f_map_union},
};

const sql_func *sql_fncoll_func_find(const char *name) {
  return SQL_FUNC_IN(coll_funcs, name);
}

void sql_fncoll_func_list(strom_buf *b) {
  for (size_t i = 0; i < sizeof coll_funcs / sizeof *coll_funcs; i++) strom__buf_printf(b, " %s", coll_funcs[i].name);
}
