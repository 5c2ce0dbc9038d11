/*
 * types_coll.c -- ARRAY<T> and MAP<K, V>.  A value is encoded into the bytes of a
 * VARCHAR column, so rows, state and the network carry it unchanged: a u32 count,
 * then each element (a map: each key, then its value) as a null byte and, unless
 * NULL, 8 bytes (integers, DOUBLE, DECIMAL, timestamps, dates; 16 for a DECIMAL wider
 * than 18 digits) or a u32 length and
 * bytes (strings, nested arrays and maps).  Element types are interned (a process-wide
 * list that only grows, one entry per distinct type), so a sql_type can point to them
 * wherever it is copied.  This file has the types, the text form (Flink's CAST to
 * STRING: [1, 2], {a=1, b=2}; read back from that or from JSON), the constructors
 * ARRAY[...] and MAP[...], element access a[i] / m[k] and CARDINALITY.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <strings.h>

#include "sql_int.h"

/* ---- interned element types ---- */

typedef struct interned {
  struct interned *next;
  sql_type t;
} interned;

static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;
static interned *intern_list;

static bool same_type(const sql_type *a, const sql_type *b) {
  if (a->id != b->id || a->kind != b->kind || a->p != b->p || a->s != b->s || a->ltz != b->ltz || a->not_null != b->not_null ||
      a->narrow != b->narrow)
    return false;
  return a->elem == b->elem && a->key == b->key; /* interned: equal types are the same pointer */
}

static const sql_type *intern(const sql_type *t) {
  pthread_mutex_lock(&intern_mu);
  interned *i = intern_list;
  while (i && !same_type(&i->t, t)) i = i->next;
  if (!i && (i = strom__malloc(sizeof *i))) {
    i->t = *t;
    i->next = intern_list;
    intern_list = i;
  }
  pthread_mutex_unlock(&intern_mu);
  return i ? &i->t : NULL;
}

static sql_type coll_type(sql_tkind kind, const sql_type *key, const sql_type *elem) {
  sql_type t = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX, .kind = (uint8_t)kind};
  t.elem = intern(elem);
  t.key = key ? intern(key) : NULL;
  return t;
}

/* ARRAY<elem>, for functions that return one (REGEXP_EXTRACT_ALL). */
sql_type sql_coll_array_type(const sql_type *elem) { return coll_type(SQL_K_ARRAY, NULL, elem); }

int sql_coll_type_from_ast(const sql_node *t, sql_type *out, char *err, size_t errlen) {
  bool arr = !strcmp(t->text, "ARRAY"), map = !strcmp(t->text, "MAP");
  if (!strcmp(t->text, "MULTISET") || !strcmp(t->text, "ROW")) return sql_rowv_type_from_ast(t, out, err, errlen); /* rowfn_val.c */
  if (!arr && !map) return 1;
  sql_type k, v;
  int rc = sql_type_from_ast(t->kids[0], arr ? &v : &k, err, errlen);
  if (!rc && map) rc = sql_type_from_ast(t->kids[1], &v, err, errlen);
  if (rc) return rc;
  bool nn = out->not_null;
  *out = coll_type(arr ? SQL_K_ARRAY : SQL_K_MAP, map ? &k : NULL, &v);
  out->not_null = nn;
  if (!out->elem || (map && !out->key)) return snprintf(err, errlen, "out of memory"), STROM_ENOMEM;
  return STROM_OK;
}

void sql_coll_type_name(const sql_type *t, char *buf, size_t cap) {
  if (t->kind >= SQL_K_ROWV) return sql_rowv_type_name(t, buf, cap); /* rowfn_val.c */
  char a[128], b[128];
  sql_type_name(t->elem, a, sizeof a);
  if (t->kind == SQL_K_ARRAY) snprintf(buf, cap, "ARRAY<%s>%s", a, t->not_null ? " NOT NULL" : "");
  else {
    sql_type_name(t->key, b, sizeof b);
    snprintf(buf, cap, "MAP<%s, %s>%s", b, a, t->not_null ? " NOT NULL" : "");
  }
}

/* ---- the encoding ---- */

static bool is_bytes(const sql_type *t) { return t->id == STROM_VARCHAR; }

static void put_val(strom_buf *b, const sql_type *t, const sql_val *v) {
  uint8_t null = v->null;
  strom__buf_append(b, &null, 1);
  if (v->null) return;
  if (is_bytes(t)) {
    uint32_t n = v->s.n;
    strom__buf_append(b, &n, 4);
    strom__buf_append(b, v->s.p, n);
  } else if (t->id == STROM_DOUBLE) strom__buf_append(b, &v->d, 8);
  else if (sql_dec_wide(t)) strom__buf_append(b, &v->w.lo, 8), strom__buf_append(b, &v->w.hi, 8); /* 16 bytes */
  else if (sql_ts_wide(t)) strom__buf_append(b, &v->ts.ms, 8), strom__buf_append(b, &v->ts.nano, 4); /* 12 bytes */
  else strom__buf_append(b, &v->i, 8);
}

/* The next encoded value at *p; false if the bytes are malformed. */
static bool get_val(const char **p, const char *end, const sql_type *t, sql_val *v) {
  if (*p >= end) return false;
  v->null = **p != 0;
  (*p)++;
  if (v->null) return true;
  if (is_bytes(t)) {
    uint32_t n;
    if (end - *p < 4) return false;
    memcpy(&n, *p, 4);
    *p += 4;
    if ((size_t)(end - *p) < n) return false;
    v->s.p = *p, v->s.n = n;
    *p += n;
    return true;
  }
  if (sql_dec_wide(t)) {
    if (end - *p < 16) return false;
    memcpy(&v->w.lo, *p, 8);
    memcpy(&v->w.hi, *p + 8, 8);
    *p += 16;
    return true;
  }
  if (sql_ts_wide(t)) {
    if (end - *p < 12) return false;
    memcpy(&v->ts.ms, *p, 8);
    memcpy(&v->ts.nano, *p + 8, 4);
    *p += 12;
    return v->ts.nano < 1000000;
  }
  if (end - *p < 8) return false;
  if (t->id == STROM_DOUBLE) memcpy(&v->d, *p, 8);
  else memcpy(&v->i, *p, 8);
  *p += 8;
  return true;
}

static bool get_count(const char **p, const char *end, uint32_t *n) {
  if (end - *p < 4) return false;
  memcpy(n, *p, 4);
  *p += 4;
  return true;
}

/* Copies the encoding in b into c's scratch as v. */
static int finish(strom_buf *b, sql_val *v, sql_ectx *c) {
  if (!b->p && strom__buf_append(b, "", 0)) return STROM_ENOMEM;
  char *p = sql_ectx_alloc(c, b->len ? b->len : 1);
  if (!p) return strom__buf_free(b), STROM_ENOMEM;
  memcpy(p, b->p, b->len);
  v->null = false, v->s.p = p, v->s.n = (uint32_t)b->len;
  strom__buf_free(b);
  return 0;
}

/* ---- text ---- */

void sql_coll_format(strom_buf *b, const sql_type *t, const sql_val *v) {
  if (t->kind >= SQL_K_ROWV) return sql_rowv_format(b, t, v); /* rowfn_val.c */
  const char *p = v->s.p, *end = p + v->s.n;
  uint32_t n;
  if (!get_count(&p, end, &n)) return (void)strom__buf_printf(b, "?");
  strom__buf_append(b, t->kind == SQL_K_ARRAY ? "[" : "{", 1);
  for (uint32_t i = 0; i < n; i++) {
    sql_val x;
    if (i) strom__buf_append(b, ", ", 2);
    if (t->kind == SQL_K_MAP) {
      if (!get_val(&p, end, t->key, &x)) break;
      sql_val_format(b, t->key, &x);
      strom__buf_append(b, "=", 1);
    }
    if (!get_val(&p, end, t->elem, &x)) break;
    sql_val_format(b, t->elem, &x);
  }
  strom__buf_append(b, t->kind == SQL_K_ARRAY ? "]" : "}", 1);
}

typedef struct tp {
  const char *p, *end;
} tp;

static void tws(tp *x) {
  while (x->p < x->end && isspace((unsigned char)*x->p)) x->p++;
}

/* One element's text: a JSON string (unescaped into tmp), a bracketed nested value,
 * or the bytes up to the next ',' / ']' / '}' (or stop) at this level. */
static int element(tp *x, char stop, strom_buf *tmp, const char **s, size_t *n, bool *quoted) {
  tws(x);
  *quoted = false;
  if (x->p < x->end && *x->p == '"') {
    tmp->len = 0;
    for (x->p++; x->p < x->end && *x->p != '"'; x->p++) {
      char ch = *x->p;
      if (ch == '\\' && x->p + 1 < x->end) {
        ch = *++x->p;
        ch = ch == 'n' ? '\n' : ch == 't' ? '\t' : ch == 'r' ? '\r' : ch;
      }
      strom__buf_append(tmp, &ch, 1);
    }
    if (x->p >= x->end) return -1;
    x->p++;
    *s = tmp->p ? tmp->p : "", *n = tmp->len, *quoted = true;
    return 0;
  }
  const char *a = x->p;
  int depth = 0;
  for (; x->p < x->end; x->p++) {
    char ch = *x->p;
    if (ch == '[' || ch == '{') depth++;
    else if ((ch == ']' || ch == '}') && depth) depth--;
    else if (!depth && (ch == ',' || ch == ']' || ch == '}' || ch == stop)) break;
  }
  const char *z = x->p;
  while (z > a && isspace((unsigned char)z[-1])) z--;
  *s = a, *n = (size_t)(z - a);
  return 0;
}

int sql_coll_parse_elem(const sql_type *t, const char *s, size_t n, bool quoted, sql_val *v, sql_ectx *c) {
  if (!quoted && ((n == 4 && !strncasecmp(s, "null", 4)) || n == 0)) return v->null = true, 0;
  if (t->id == STROM_VARCHAR && !t->kind) {
    char *p = sql_ectx_alloc(c, n ? n : 1);
    if (!p) return STROM_ENOMEM;
    memcpy(p, s, n);
    v->null = false, v->s.p = p, v->s.n = (uint32_t)n;
    return 0;
  }
  return sql_val_parse(t, s, n, v, c);
}

int sql_coll_parse(const sql_type *t, const char *s, size_t n, sql_val *v, sql_ectx *c) {
  if (t->kind >= SQL_K_ROWV) return sql_rowv_parse(t, s, n, v, c); /* rowfn_val.c */
  tp x = {s, s + n};
  tws(&x);
  char open = t->kind == SQL_K_ARRAY ? '[' : '{', close = t->kind == SQL_K_ARRAY ? ']' : '}';
  if (x.p >= x.end || *x.p != open) return -1;
  x.p++;
  strom_buf b = {0}, tmp = {0};
  uint32_t count = 0;
  strom__buf_append(&b, &count, 4);
  int rc = 0;
  tws(&x);
  if (x.p < x.end && *x.p == close) x.p++;
  else
    for (;;) {
      const char *es;
      size_t en;
      bool q;
      sql_val kv, ev;
      if (t->kind == SQL_K_MAP) {
        if ((rc = element(&x, '=', &tmp, &es, &en, &q)) || (rc = sql_coll_parse_elem(t->key, es, en, q, &kv, c))) break;
        tws(&x);
        if (x.p >= x.end || (*x.p != '=' && *x.p != ':')) { rc = -1; break; }
        x.p++;
        put_val(&b, t->key, &kv);
      }
      if ((rc = element(&x, 0, &tmp, &es, &en, &q)) || (rc = sql_coll_parse_elem(t->elem, es, en, q, &ev, c))) break;
      put_val(&b, t->elem, &ev);
      count++;
      tws(&x);
      if (x.p < x.end && *x.p == ',') { x.p++; continue; }
      if (x.p < x.end && *x.p == close) { x.p++; break; }
      rc = -1;
      break;
    }
  strom__buf_free(&tmp);
  tws(&x);
  if (!rc && x.p != x.end) rc = -1;
  if (rc) return strom__buf_free(&b), rc == STROM_ENOMEM ? rc : -1;
  memcpy(b.p, &count, 4);
  return finish(&b, v, c);
}

bool sql_coll_can_cast(const sql_type *from, const sql_type *to) {
  if ((from->id == STROM_VARCHAR && !from->kind) || (to->id == STROM_VARCHAR && !to->kind)) return true;
  if (!from->id) return true; /* NULL */
  if (from->kind != to->kind) return false;
  if (from->kind >= SQL_K_ROWV) return sql_rowv_can_cast(from, to); /* rowfn_val.c */
  return sql_can_cast(from->elem, to->elem) && (!from->key || sql_can_cast(from->key, to->key));
}

/* ARRAY<INT> to ARRAY<BIGINT> and the like: element by element, through the text form. */
int sql_coll_cast(const sql_type *from, const sql_type *to, const sql_val *v, sql_val *out, sql_ectx *c) {
  if (from->elem == to->elem && from->key == to->key) return *out = *v, 0;
  if (from->kind == SQL_K_ROWV && to->kind == SQL_K_ROWV) return sql_rowv_cast(from, to, v, out, c); /* rowfn_val.c */
  strom_buf b = {0};
  sql_val_format(&b, from, v);
  int rc = sql_val_parse(to, b.p ? b.p : "", b.len, out, c);
  strom__buf_free(&b);
  if (rc) {
    char f[128], t[128];
    sql_type_name(from, f, sizeof f);
    sql_type_name(to, t, sizeof t);
    return sql_ectx_fail(c, "cannot cast a value of %s to %s", f, t);
  }
  return 0;
}

/* ---- constructors, access, CARDINALITY ---- */

static int ck_array(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  bool map = e->fn->name[0] == 'M';
  if (map && e->n % 2) return snprintf(err, errlen, "MAP[...] wants key, value pairs"), STROM_EINVAL;
  sql_type kt = {0}, vt = {0};
  for (int i = 0; i < e->n; i++) {
    sql_type *t = map && i % 2 == 0 ? &kt : &vt;
    if (!sql_common_type(t, &e->a[i]->type, t)) return snprintf(err, errlen, "the %s elements have no common type", map ? "MAP" : "ARRAY"), STROM_EINVAL;
  }
  if (!kt.id) kt = (sql_type){.id = STROM_INT};
  if (!vt.id) vt = (sql_type){.id = STROM_INT};
  if (vt.id == STROM_VARCHAR && !vt.kind) vt.p = SQL_VARCHAR_MAX;
  if (kt.id == STROM_VARCHAR && !kt.kind) kt.p = SQL_VARCHAR_MAX;
  kt.not_null = vt.not_null = false;
  for (int i = 0; i < e->n; i++)
    if (!(e->a[i] = sql_cast_to(a, e->a[i], map && i % 2 == 0 ? &kt : &vt))) return STROM_ENOMEM;
  e->type = coll_type(map ? SQL_K_MAP : SQL_K_ARRAY, map ? &kt : NULL, &vt);
  e->type.not_null = true;
  return 0;
}

static int f_array(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c) {
  strom_buf b = {0};
  bool map = e->type.kind == SQL_K_MAP;
  uint32_t n = (uint32_t)(map ? e->n / 2 : e->n);
  strom__buf_append(&b, &n, 4);
  for (int i = 0; i < e->n; i++) put_val(&b, map && i % 2 == 0 ? e->type.key : e->type.elem, &args[i]);
  return finish(&b, out, c);
}

static int ck_cardinality(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  if (e->a[0]->type.kind != SQL_K_ARRAY && e->a[0]->type.kind != SQL_K_MAP && e->a[0]->type.kind != SQL_K_MULTISET)
    return snprintf(err, errlen, "CARDINALITY wants an ARRAY or a MAP (or a MULTISET)"), STROM_EINVAL;
  e->type = (sql_type){.id = STROM_INT};
  return 0;
}

static int f_cardinality(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c) {
  (void)e;
  const char *p = args[0].s.p;
  uint32_t n;
  if (!get_count(&p, p + args[0].s.n, &n)) return sql_ectx_fail(c, "malformed ARRAY or MAP value");
  out->null = false, out->i = n;
  return 0;
}

static int ck_none(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a, (void)e, (void)err, (void)errlen;
  return 0;
}

/* a[i] (1-based; NULL outside) and m[k] (NULL when absent) */
static int f_element(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c) {
  const sql_type *t = &e->a[0]->type;
  const char *p = args[0].s.p, *end = p + args[0].s.n;
  uint32_t n;
  if (!get_count(&p, end, &n)) return sql_ectx_fail(c, "malformed ARRAY or MAP value");
  out->null = true;
  for (uint32_t i = 0; i < n; i++) {
    sql_val k, v;
    bool hit;
    if (t->kind == SQL_K_MAP) {
      if (!get_val(&p, end, t->key, &k)) return sql_ectx_fail(c, "malformed MAP value");
      hit = !k.null && !sql_val_cmp(t->key, &k, &args[1]);
    } else hit = args[1].i == (int64_t)i + 1;
    if (!get_val(&p, end, t->elem, &v)) return sql_ectx_fail(c, "malformed ARRAY or MAP value");
    if (hit) {
      *out = v;
      return 0;
    }
  }
  return 0;
}

static const sql_func coll_funcs[] = {
    {"ARRAY", 0, 1000, false, ck_array, f_array},
    {"MAP", 0, 1000, false, ck_array, f_array},
    {"CARDINALITY", 1, 1, true, ck_cardinality, f_cardinality},
};
static const sql_func element_fn = {"ELEMENT_AT", 2, 2, true, ck_none, f_element};

const sql_func *sql_coll_func_find(const char *name) {
  if (sql_rowv_func_find(name)) return sql_rowv_func_find(name); /* MAP_ENTRIES (rowfn_val.c) */
  return SQL_FUNC_IN(coll_funcs, name);
}

sql_expr *sql_coll_index(sql_arena *a, sql_expr *x, sql_expr *i, char *err, size_t errlen) {
  const sql_type *t = &x->type;
  if (t->kind != SQL_K_ARRAY && t->kind != SQL_K_MAP) {
    char tn[64];
    sql_type_name(t, tn, sizeof tn);
    snprintf(err, errlen, "[] needs an ARRAY or a MAP, got %s", tn);
    return NULL;
  }
  sql_type it = t->kind == SQL_K_MAP ? *t->key : (sql_type){.id = STROM_BIGINT};
  if (!sql_can_cast(&i->type, &it) || (t->kind == SQL_K_ARRAY && i->type.id && !sql_type_numeric(&i->type))) {
    snprintf(err, errlen, "%s", t->kind == SQL_K_MAP ? "the key does not have the MAP's key type" : "an ARRAY index must be an integer");
    return NULL;
  }
  /* Flink's planner refuses a constant index below 1; a computed one gives NULL there */
  if (t->kind == SQL_K_ARRAY && i->op == SQL_E_LIT && !i->lit.null && sql_int64_type(&i->type) && i->lit.i < 1) {
    snprintf(err, errlen, "Array element access needs an index starting at 1 but was %lld.", (long long)i->lit.i);
    return NULL;
  }
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **args = sql_arena_alloc(a, 2 * sizeof *args);
  if (!e || !args || !(i = sql_cast_to(a, i, &it))) return snprintf(err, errlen, "out of memory"), NULL;
  args[0] = x, args[1] = i;
  *e = (sql_expr){.op = SQL_E_FUNC, .type = *t->elem, .n = 2, .a = args, .fn = &element_fn, .col = -1};
  e->type.not_null = false;
  return e;
}

/* ---- JSON (the json format writes ARRAY/MAP columns as JSON, not as text) ---- */

static void json_string(strom_buf *b, const char *s, size_t n) {
  strom__buf_append(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '"' || ch == '\\') strom__buf_printf(b, "\\%c", ch);
    else if (ch < 0x20) strom__buf_printf(b, "\\u%04x", ch);
    else strom__buf_append(b, s + i, 1);
  }
  strom__buf_append(b, "\"", 1);
}

static void json_value(strom_buf *b, const sql_type *t, const sql_val *v, int depth) {
  if (v->null || depth > 64) return (void)strom__buf_append(b, "null", 4);
  if (t->kind >= SQL_K_ROWV) return sql_rowv_json(b, t, v, depth); /* rowfn_val.c */
  if (t->kind >= SQL_K_ARRAY) {
    const char *p = v->s.p, *end = p + v->s.n;
    uint32_t n;
    if (!get_count(&p, end, &n)) return (void)strom__buf_append(b, "null", 4);
    strom__buf_append(b, t->kind == SQL_K_ARRAY ? "[" : "{", 1);
    for (uint32_t i = 0; i < n; i++) {
      sql_val x;
      if (i) strom__buf_append(b, ",", 1);
      if (t->kind == SQL_K_MAP) {
        if (!get_val(&p, end, t->key, &x)) break;
        strom_buf k = {0};
        sql_val_format(&k, t->key, &x);
        json_string(b, k.p ? k.p : "", k.len);
        strom__buf_free(&k);
        strom__buf_append(b, ":", 1);
      }
      if (!get_val(&p, end, t->elem, &x)) break;
      json_value(b, t->elem, &x, depth + 1);
    }
    strom__buf_append(b, t->kind == SQL_K_ARRAY ? "]" : "}", 1);
    return;
  }
  if (t->id == STROM_BOOLEAN) return (void)strom__buf_printf(b, "%s", v->i ? "true" : "false");
  if (t->id == STROM_DOUBLE && !isfinite(v->d)) return (void)strom__buf_append(b, "null", 4);
  strom_buf x = {0};
  sql_val_format(&x, t, v);
  if (!t->kind && (t->id == STROM_INT || t->id == STROM_BIGINT || t->id == STROM_DOUBLE || t->id == STROM_DECIMAL))
    strom__buf_append(b, x.p, x.len);
  else json_string(b, x.p ? x.p : "", x.len);
  strom__buf_free(&x);
}

static int f_to_json(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c) {
  strom_buf b = {0};
  json_value(&b, &e->a[0]->type, &args[0], 0);
  if (!b.p && strom__buf_append(&b, "", 0)) return STROM_ENOMEM;
  char *p = sql_ectx_alloc(c, b.len ? b.len : 1);
  if (!p) return strom__buf_free(&b), STROM_ENOMEM;
  memcpy(p, b.p, b.len);
  out->null = false, out->s.p = p, out->s.n = (uint32_t)b.len;
  strom__buf_free(&b);
  return 0;
}

static const sql_func to_json_fn = {"TO_JSON", 1, 1, true, ck_none, f_to_json};

sql_expr *sql_coll_to_json(sql_arena *a, sql_expr *x) {
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **args = sql_arena_alloc(a, sizeof *args);
  if (!e || !args) return NULL;
  args[0] = x;
  *e = (sql_expr){.op = SQL_E_FUNC, .type = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX}, .n = 1, .a = args, .fn = &to_json_fn, .col = -1};
  return e;
}

/* ---- the encoding for the collection functions (fn_coll.c) ---- */

bool sql_coll_get(const char **p, const char *end, const sql_type *t, sql_val *v) { return get_val(p, end, t, v); }
bool sql_coll_count(const char **p, const char *end, uint32_t *n) { return get_count(p, end, n); }
void sql_coll_put(strom_buf *b, const sql_type *t, const sql_val *v) { put_val(b, t, v); }
int sql_coll_finish(strom_buf *b, sql_val *v, sql_ectx *c) { return finish(b, v, c); }
sql_type sql_coll_map_type(const sql_type *key, const sql_type *elem) { return coll_type(SQL_K_MAP, key, elem); }
void sql_coll_json(strom_buf *b, const sql_type *t, const sql_val *v, int depth) { json_value(b, t, v, depth); }
