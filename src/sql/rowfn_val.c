/*
 * rowfn_val.c -- a ROW as one packed value, and MULTISET<T>.  Rows stay flat
 * (types_row.c, types_rowval.c) wherever a ROW is a column; where a ROW must be one value
 * -- an ARRAY or MAP element (`ARRAY[ROW(1, 'a')]`, `ARRAY<ROW<f0 INT>>` in DDL), a
 * JSON_OBJECT / JSON_ARRAY value -- it is packed into the bytes of a VARCHAR column as
 * types_coll.c packs an array: a u32 field count, then each field's encoding.  Its type
 * (SQL_K_ROWV) points through `elem` at an interned descriptor (field names and types),
 * so the code that compares types by their elem / key pointers tells ROW types apart
 * without a new field in sql_type.  A MULTISET<T> (SQL_K_MULTISET) is encoded as a
 * MAP<T, INT> of counts (Flink's MultisetData is such a map): key = T, elem = INT.
 * Texts are Flink's: CAST(ROW AS STRING) `(1, a)`, a multiset `{a=2, b=1}`; JSON writes
 * a ROW as an object of its field names and a multiset as an object of counts (Flink's
 * JsonGenerateUtils and json format).
 */
#include <ctype.h>
#include <pthread.h>
#include <strings.h>

#include "sql_int.h"

/* ---- descriptors ---- */

typedef struct rowdesc {
  sql_type anchor; /* first: a ROWV type's elem points here */
  int n;
  char **names;
  sql_type *types;
  struct rowdesc *next;
} rowdesc;

static pthread_mutex_t desc_mu = PTHREAD_MUTEX_INITIALIZER;
static rowdesc *desc_list;

static bool type_same(const sql_type *a, const sql_type *b) {
  return a->id == b->id && a->kind == b->kind && a->p == b->p && a->s == b->s && a->ltz == b->ltz &&
         a->not_null == b->not_null && a->elem == b->elem && a->key == b->key && a->narrow == b->narrow;
}

static const rowdesc *desc_of(const sql_type *t) { return (const rowdesc *)(const void *)t->elem; }

bool sql_rowv_is(const sql_type *t) { return t->kind == SQL_K_ROWV; }
int sql_rowv_nfields(const sql_type *t) { return t->kind == SQL_K_ROWV && t->elem ? desc_of(t)->n : 0; }
const char *sql_rowv_fname(const sql_type *t, int i) { return desc_of(t)->names[i]; }
const sql_type *sql_rowv_ftype(const sql_type *t, int i) { return &desc_of(t)->types[i]; }

sql_type sql_rowv_type(int n, const char *const *names, const sql_type *types) {
  sql_type out = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX, .kind = SQL_K_ROWV};
  pthread_mutex_lock(&desc_mu);
  rowdesc *d = desc_list;
  for (; d; d = d->next) {
    if (d->n != n) continue;
    int i = 0;
    while (i < n && !strcmp(d->names[i], names[i]) && type_same(&d->types[i], &types[i])) i++;
    if (i == n) break;
  }
  if (!d && (d = strom__calloc(1, sizeof *d))) {
    d->anchor = (sql_type){.id = STROM_BOOLEAN};
    d->n = n;
    d->names = strom__calloc((size_t)n + 1, sizeof *d->names);
    d->types = strom__calloc((size_t)n + 1, sizeof *d->types);
    bool ok = d->names && d->types;
    for (int i = 0; ok && i < n; i++) {
      d->types[i] = types[i];
      ok = (d->names[i] = strom__malloc(strlen(names[i]) + 1)) != NULL;
      if (ok) memcpy(d->names[i], names[i], strlen(names[i]) + 1);
    }
    if (ok) d->next = desc_list, desc_list = d;
    else d = NULL; /* out of memory: leaks the partial descriptor, as types_coll.c's intern may */
  }
  pthread_mutex_unlock(&desc_mu);
  out.elem = d ? &d->anchor : NULL;
  return out;
}

/* A field's type as a packed ROW keeps it: strings unbounded, nullable (ARRAY[...] does the same). */
static sql_type field_norm(const sql_type *t) {
  sql_type x = *t;
  if (!x.id) x = (sql_type){.id = STROM_INT};
  if (x.id == STROM_VARCHAR && !x.kind) x.p = SQL_VARCHAR_MAX, x.s = 0;
  x.not_null = false;
  return x;
}

int sql_rowv_type_from_ast(const sql_node *t, sql_type *out, char *err, size_t errlen) {
  bool nn = out->not_null;
  if (!strcmp(t->text, "MULTISET")) {
    sql_type el, cnt = {.id = STROM_INT, .not_null = true};
    int rc = sql_type_from_ast(t->kids[0], &el, err, errlen);
    if (rc) return rc;
    *out = sql_coll_map_type(&el, &cnt);
    out->kind = SQL_K_MULTISET;
  } else {
    if (t->nkids > 256) return snprintf(err, errlen, "line %d, column %d: a ROW type of more than 256 fields", t->line, t->col), STROM_ENOTSUP;
    const char *names[256];
    sql_type types[256];
    for (int i = 0; i < t->nkids; i++) {
      names[i] = t->kids[i]->kids[0]->text;
      types[i] = (sql_type){0};
      int rc = sql_type_from_ast(t->kids[i]->kids[1], &types[i], err, errlen);
      if (rc) return rc;
      for (int j = 0; j < i; j++)
        if (!strcmp(names[j], names[i]))
          return snprintf(err, errlen, "line %d, column %d: field '%s' given twice in a ROW type", t->kids[i]->line, t->kids[i]->col, names[i]), STROM_EINVAL;
    }
    *out = sql_rowv_type(t->nkids, names, types);
  }
  out->not_null = nn;
  if (!out->elem) return snprintf(err, errlen, "out of memory"), STROM_ENOMEM;
  return STROM_OK;
}

void sql_rowv_type_name(const sql_type *t, char *buf, size_t cap) {
  const char *nn = t->not_null ? " NOT NULL" : "";
  if (t->kind == SQL_K_MULTISET) {
    char a[128];
    sql_type_name(t->key, a, sizeof a);
    snprintf(buf, cap, "MULTISET<%s>%s", a, nn);
    return;
  }
  strom_buf b = {0};
  strom__buf_append(&b, "ROW<", 4);
  for (int i = 0; i < sql_rowv_nfields(t); i++) {
    char a[128];
    sql_type_name(sql_rowv_ftype(t, i), a, sizeof a);
    strom__buf_printf(&b, "%s`%s` %s", i ? ", " : "", sql_rowv_fname(t, i), a);
  }
  strom__buf_printf(&b, ">%s", nn);
  snprintf(buf, cap, "%.*s", (int)b.len, b.p ? b.p : "");
  strom__buf_free(&b);
}

/* ---- text ---- */

void sql_rowv_format(strom_buf *b, const sql_type *t, const sql_val *v) {
  const char *p = v->s.p, *end = p + v->s.n;
  uint32_t n;
  if (!sql_coll_count(&p, end, &n)) return (void)strom__buf_append(b, "?", 1);
  if (t->kind == SQL_K_MULTISET) { /* {a=2, b=1}: the map of counts */
    strom__buf_append(b, "{", 1);
    for (uint32_t i = 0; i < n; i++) {
      sql_val k, c;
      if (!sql_coll_get(&p, end, t->key, &k) || !sql_coll_get(&p, end, t->elem, &c)) break;
      if (i) strom__buf_append(b, ", ", 2);
      sql_val_format(b, t->key, &k);
      strom__buf_printf(b, "=%lld", (long long)c.i);
    }
    strom__buf_append(b, "}", 1);
    return;
  }
  strom__buf_append(b, "(", 1);
  for (uint32_t i = 0; i < n && (int)i < sql_rowv_nfields(t); i++) {
    sql_val x;
    if (!sql_coll_get(&p, end, sql_rowv_ftype(t, (int)i), &x)) break;
    if (i) strom__buf_append(b, ", ", 2);
    sql_val_format(b, sql_rowv_ftype(t, (int)i), &x);
  }
  strom__buf_append(b, ")", 1);
}

/* The next element at *p: a JSON string (unescaped into tmp), or the bytes up to a ',',
 * ':', '=' (when key) or closing bracket at this level. */
static int token(const char **p, const char *end, bool key, strom_buf *tmp, const char **s, size_t *n, bool *quoted) {
  while (*p < end && isspace((unsigned char)**p)) (*p)++;
  *quoted = false;
  if (*p < end && **p == '"') {
    tmp->len = 0;
    for ((*p)++; *p < end && **p != '"'; (*p)++) {
      char ch = **p;
      if (ch == '\\' && *p + 1 < end) {
        ch = *++*p;
        ch = ch == 'n' ? '\n' : ch == 't' ? '\t' : ch == 'r' ? '\r' : ch == 'b' ? '\b' : ch == 'f' ? '\f' : ch;
      }
      if (strom__buf_append(tmp, &ch, 1)) return STROM_ENOMEM;
    }
    if (*p >= end) return -1;
    (*p)++;
    *s = tmp->p ? tmp->p : "", *n = tmp->len, *quoted = true;
    return 0;
  }
  const char *a = *p;
  int depth = 0;
  bool str = false;
  for (; *p < end; (*p)++) {
    char ch = **p;
    if (str) {
      if (ch == '\\') (*p)++;
      else if (ch == '"') str = false;
    } else if (ch == '"') str = true;
    else if (ch == '[' || ch == '{' || ch == '(') depth++;
    else if ((ch == ']' || ch == '}' || ch == ')') && depth) depth--;
    else if (!depth && (ch == ',' || ch == ']' || ch == '}' || ch == ')' || (key && (ch == ':' || ch == '=')))) break;
  }
  const char *z = *p;
  while (z > a && isspace((unsigned char)z[-1])) z--;
  *s = a, *n = (size_t)(z - a);
  return 0;
}


static void skip_ws(const char **p, const char *end) {
  while (*p < end && isspace((unsigned char)**p)) (*p)++;
}

/* A ROW from `(1, a)` (its text, by position) or `{"f0": 1, "f1": "a"}` (JSON, by name:
 * a missing member is NULL, an unknown one ignored, as Flink's json format); a MULTISET
 * from `{a=2, b=1}` or `{"a": 2}`. */
int sql_rowv_parse(const sql_type *t, const char *s, size_t len, sql_val *v, sql_ectx *c) {
  const char *p = s, *end = s + len;
  skip_ws(&p, end);
  if (p >= end) return -1;
  char open = *p, close = open == '(' ? ')' : open == '{' ? '}' : open == '[' ? ']' : 0;
  bool ms = t->kind == SQL_K_MULTISET;
  if (!close || (ms && open != '{')) return -1;
  p++;
  int nf = ms ? 0 : sql_rowv_nfields(t);
  sql_val *vals = NULL;
  bool *seen = NULL;
  if (nf) {
    vals = (sql_val *)(void *)sql_ectx_alloc(c, sizeof *vals * (size_t)nf);
    seen = (bool *)sql_ectx_alloc(c, (size_t)nf);
    if (!vals || !seen) return STROM_ENOMEM;
    for (int i = 0; i < nf; i++) vals[i] = (sql_val){.null = true}, seen[i] = false;
  }
  strom_buf b = {0}, tmp = {0};
  uint32_t count = 0;
  if (ms) strom__buf_append(&b, &count, 4);
  int rc = 0, pos = 0;
  skip_ws(&p, end);
  if (p < end && *p == close) p++;
  else
    for (;;) {
      const char *es;
      size_t en;
      bool q;
      int idx = pos;
      sql_val kv;
      if (open == '{') { /* a member name (ROW) or an element (MULTISET), then ':' or '=' */
        if ((rc = token(&p, end, true, &tmp, &es, &en, &q))) break;
        if (ms) {
          if ((rc = sql_coll_parse_elem(t->key, es, en, q, &kv, c))) break;
        } else {
          idx = -1;
          for (int i = 0; i < nf && idx < 0; i++)
            if (strlen(sql_rowv_fname(t, i)) == en && !memcmp(sql_rowv_fname(t, i), es, en)) idx = i;
        }
        skip_ws(&p, end);
        if (p >= end || (*p != ':' && *p != '=')) { rc = -1; break; }
        p++;
      }
      if ((rc = token(&p, end, false, &tmp, &es, &en, &q))) break;
      if (ms) {
        sql_val cv;
        if ((rc = sql_coll_parse_elem(t->elem, es, en, q, &cv, c))) break;
        if (cv.null || cv.i < 1) { rc = -1; break; }
        sql_coll_put(&b, t->key, &kv), sql_coll_put(&b, t->elem, &cv);
        count++;
      } else if (idx >= 0 && idx < nf) {
        if ((rc = sql_coll_parse_elem(sql_rowv_ftype(t, idx), es, en, q, &vals[idx], c))) break;
        seen[idx] = true;
      } else if (open != '{') { rc = -1; break; } /* more fields than the type */
      pos++;
      skip_ws(&p, end);
      if (p < end && *p == ',') { p++; continue; }
      if (p < end && *p == close) { p++; break; }
      rc = -1;
      break;
    }
  strom__buf_free(&tmp);
  skip_ws(&p, end);
  if (!rc && p != end) rc = -1;
  if (!rc && !ms && open != '{' && pos != nf) rc = -1; /* positional: every field */
  if (rc) return strom__buf_free(&b), rc == STROM_ENOMEM ? rc : -1;
  if (ms) memcpy(b.p, &count, 4);
  else {
    uint32_t n = (uint32_t)nf;
    strom__buf_append(&b, &n, 4);
    for (int i = 0; i < nf; i++) sql_coll_put(&b, sql_rowv_ftype(t, i), &vals[i]);
  }
  return sql_coll_finish(&b, v, c);
}

bool sql_rowv_can_cast(const sql_type *from, const sql_type *to) {
  if (from->kind != to->kind) return false;
  if (from->kind == SQL_K_MULTISET) return sql_can_cast(from->key, to->key);
  if (sql_rowv_nfields(from) != sql_rowv_nfields(to)) return false;
  for (int i = 0; i < sql_rowv_nfields(from); i++)
    if (!sql_can_cast(sql_rowv_ftype(from, i), sql_rowv_ftype(to, i))) return false;
  return true;
}

/* ---- JSON ---- */

void sql_rowv_json(strom_buf *b, const sql_type *t, const sql_val *v, int depth) {
  const char *p = v->s.p, *end = p + v->s.n;
  uint32_t n;
  if (!sql_coll_count(&p, end, &n)) return (void)strom__buf_append(b, "null", 4);
  strom__buf_append(b, "{", 1);
  for (uint32_t i = 0; i < n; i++) {
    sql_val k, x;
    bool ms = t->kind == SQL_K_MULTISET;
    if (ms && !sql_coll_get(&p, end, t->key, &k)) break;
    if (!ms && (int)i >= sql_rowv_nfields(t)) break;
    const sql_type *ft = ms ? t->elem : sql_rowv_ftype(t, (int)i);
    if (!sql_coll_get(&p, end, ft, &x)) break;
    if (i) strom__buf_append(b, ",", 1);
    strom_buf name = {0};
    if (ms) sql_val_format(&name, t->key, &k);
    else strom__buf_printf(&name, "%s", sql_rowv_fname(t, (int)i));
    sql_val nv = {.s = {name.p ? name.p : "", (uint32_t)name.len}};
    sql_coll_json(b, &(sql_type){.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX}, &nv, depth + 1);
    strom__buf_free(&name);
    strom__buf_append(b, ":", 1);
    sql_coll_json(b, ft, &x, depth + 1);
  }
  strom__buf_append(b, "}", 1);
}

/* ---- ROW(...) as a value: the leaves packed ---- */

static int f_pack(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c) {
  int first = e->aux ? 1 : 0; /* args[0]: the ROW's null marker */
  if (first && (args[0].null || !args[0].i)) return out->null = true, 0;
  strom_buf b = {0};
  uint32_t n = (uint32_t)(e->n - first);
  strom__buf_append(&b, &n, 4);
  for (int i = first; i < e->n; i++) sql_coll_put(&b, sql_rowv_ftype(&e->type, i - first), &args[i]);
  return sql_coll_finish(&b, out, c);
}

static int ck_pack(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a, (void)e, (void)err, (void)errlen;
  return 0;
}

static const sql_func pack_fn = {"ROW", 0, 1000, false, ck_pack, f_pack};

/* The leaves [lo, hi) whose paths, from off on, are one ROW level: its marker, then its
 * fields (a nested ROW packed first). */
static sql_expr *pack(sql_arena *a, const sql_node *const *nodes, const char *const *paths, int lo, int hi, size_t off,
                      sql_rowv_bind_fn bind, void *ctx, char *err, size_t errlen) {
  sql_expr *args[257];
  const char *names[256];
  sql_type types[256];
  int na = 0, nf = 0;
  bool marker = lo < hi && !strcmp(paths[lo] + off, "$");
  if (marker) {
    if (!(args[na++] = bind(ctx, nodes[lo]))) return NULL;
    lo++;
  }
  for (int i = lo; i < hi;) {
    const char *p = paths[i] + off, *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    int j = i + 1;
    while (j < hi && !strncmp(paths[j] + off, p, len) && (paths[j][off + len] == '.' || !paths[j][off + len])) j++;
    if (nf == 256) return snprintf(err, errlen, "a ROW value of more than 256 fields"), NULL;
    char *name = sql_arena_alloc(a, len + 1);
    if (!name) return snprintf(err, errlen, "out of memory"), NULL;
    memcpy(name, p, len), name[len] = 0;
    sql_expr *x = dot ? pack(a, nodes, paths, i, j, off + len + 1, bind, ctx, err, errlen) : bind(ctx, nodes[i]);
    if (!x) return NULL;
    types[nf] = field_norm(&x->type);
    if (!(x = sql_cast_to(a, x, &types[nf]))) return snprintf(err, errlen, "out of memory"), NULL;
    names[nf++] = name;
    args[na++] = x;
    i = j;
  }
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **av = sql_arena_alloc(a, sizeof *av * (size_t)(na ? na : 1));
  if (!e || !av) return snprintf(err, errlen, "out of memory"), NULL;
  memcpy(av, args, sizeof *av * (size_t)na);
  *e = (sql_expr){.op = SQL_E_FUNC, .n = na, .a = av, .fn = &pack_fn, .col = -1, .aux = marker};
  e->type = sql_rowv_type(nf, names, types);
  if (!e->type.elem) return snprintf(err, errlen, "out of memory"), NULL;
  e->type.not_null = !marker || (args[0]->op == SQL_E_LIT && !args[0]->lit.null);
  return e;
}

sql_expr *sql_rowv_pack(sql_arena *a, const sql_col *cols, int ncols, const sql_node *x, sql_rowv_bind_fn bind, void *ctx,
                        char *err, size_t errlen) {
  const sql_node **nodes;
  const char **paths;
  err[0] = 0;
  int n = sql_row_leaves(a, cols, ncols, x, &nodes, &paths, err, errlen);
  if (n <= 0) {
    if (!err[0]) snprintf(err, errlen, "not a ROW value");
    return NULL;
  }
  return pack(a, nodes, paths, 0, n, 0, bind, ctx, err, errlen);
}

/* ---- r.f: a field of a packed ROW ---- */

static int f_field(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c) {
  const sql_type *t = &e->a[0]->type;
  const char *p = args[0].s.p, *end = p + args[0].s.n;
  uint32_t n;
  if (!sql_coll_count(&p, end, &n) || e->aux >= (int64_t)n) return sql_ectx_fail(c, "malformed ROW value");
  for (int64_t i = 0; i <= e->aux; i++)
    if (!sql_coll_get(&p, end, sql_rowv_ftype(t, (int)i), out)) return sql_ectx_fail(c, "malformed ROW value");
  return 0;
}

static const sql_func field_fn = {"$FIELD", 1, 1, true, ck_pack, f_field};

sql_expr *sql_rowv_field(sql_arena *a, sql_expr *x, const char *name, char *err, size_t errlen) {
  if (x->type.kind != SQL_K_ROWV) {
    char tn[128];
    sql_type_name(&x->type, tn, sizeof tn);
    snprintf(err, errlen, "field access .%s needs a ROW value, got %s", name, tn);
    return NULL;
  }
  int k = -1, nf = sql_rowv_nfields(&x->type);
  for (int i = 0; i < nf && k < 0; i++)
    if (!strcmp(sql_rowv_fname(&x->type, i), name)) k = i;
  for (int i = 0; i < nf && k < 0; i++)
    if (!strcasecmp(sql_rowv_fname(&x->type, i), name)) k = i;
  if (k < 0) {
    char tn[256];
    sql_type_name(&x->type, tn, sizeof tn);
    snprintf(err, errlen, "no field named %s in %s", name, tn);
    return NULL;
  }
  sql_expr *e = sql_arena_alloc(a, sizeof *e);
  sql_expr **av = sql_arena_alloc(a, sizeof *av);
  if (!e || !av) return snprintf(err, errlen, "out of memory"), NULL;
  av[0] = x;
  *e = (sql_expr){.op = SQL_E_FUNC, .n = 1, .a = av, .fn = &field_fn, .col = -1, .aux = k, .type = *sql_rowv_ftype(&x->type, k)};
  e->type.not_null = false;
  return e;
}

/* The functions that take a packed ROW (or a value holding one) as an argument; others
 * refuse it, as before (UPPER(person)). */
bool sql_rowv_arg_ok(const char *fn) {
  static const char *ok[] = {"ARRAY", "MAP", "JSON_OBJECT", "JSON_ARRAY", "JSON_STRING", "CARDINALITY", "ELEMENT",
                             "ARRAY_CONTAINS", "ARRAY_DISTINCT", "ARRAY_REVERSE", "ARRAY_SLICE", "ARRAY_CONCAT", "ARRAY_UNION",
                             "ARRAY_REMOVE", "ARRAY_POSITION", "ARRAY_APPEND", "ARRAY_PREPEND", "MAP_KEYS", "MAP_VALUES",
                             "MAP_UNION", "MAP_ENTRIES", "MAP_FROM_ARRAYS", "IFNULL", "COALESCE", "IF", "NULLIF", "COLLECT"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    if (!strcasecmp(ok[i], fn)) return true;
  return false;
}

/* ---- Java's text (the print sink) ---- */

void sql_coll_java(strom_buf *b, const sql_type *t, const sql_val *v,
                   void (*leaf)(strom_buf *b, const sql_type *t, const sql_val *v)) {
  const char *p = v->s.p, *end = p + v->s.n;
  uint32_t n;
  if (!sql_coll_count(&p, end, &n)) return (void)strom__buf_append(b, "?", 1);
  bool arr = t->kind == SQL_K_ARRAY, row = t->kind == SQL_K_ROWV, keyed = !arr && !row;
  strom__buf_append(b, arr ? "[" : row ? "+I[" : "{", arr ? 1 : row ? 3 : 1);
  for (uint32_t i = 0; i < n; i++) {
    sql_val k, x;
    if (row && (int)i >= sql_rowv_nfields(t)) break;
    const sql_type *et = row ? sql_rowv_ftype(t, (int)i) : t->elem;
    if (keyed && !sql_coll_get(&p, end, t->key, &k)) break;
    if (!sql_coll_get(&p, end, et, &x)) break;
    if (i) strom__buf_append(b, ", ", 2);
    if (keyed) leaf(b, t->key, &k), strom__buf_append(b, "=", 1);
    leaf(b, et, &x);
  }
  strom__buf_append(b, arr || row ? "]" : "}", 1);
}

/* ---- common type and casts between ROW types ---- */

/* Field by field (the names of a), as Calcite's leastRestrictive for ROW types. */
bool sql_rowv_common_type(const sql_type *a, const sql_type *b, sql_type *out) {
  int n = sql_rowv_nfields(a);
  if (a->kind != SQL_K_ROWV || b->kind != SQL_K_ROWV || n != sql_rowv_nfields(b) || n > 256) return false;
  const char *names[256];
  sql_type types[256];
  for (int i = 0; i < n; i++) {
    names[i] = sql_rowv_fname(a, i);
    if (!sql_common_type(sql_rowv_ftype(a, i), sql_rowv_ftype(b, i), &types[i])) return false;
    types[i] = field_norm(&types[i]);
  }
  *out = sql_rowv_type(n, names, types);
  out->not_null = a->not_null && b->not_null;
  return out->elem != NULL;
}

int sql_rowv_cast(const sql_type *from, const sql_type *to, const sql_val *v, sql_val *out, sql_ectx *c) {
  const char *p = v->s.p, *end = p + v->s.n;
  uint32_t n;
  if (!sql_coll_count(&p, end, &n) || (int)n != sql_rowv_nfields(from) || (int)n != sql_rowv_nfields(to))
    return sql_ectx_fail(c, "malformed ROW value");
  strom_buf b = {0};
  strom__buf_append(&b, &n, 4);
  for (uint32_t i = 0; i < n; i++) {
    sql_val x, y;
    if (!sql_coll_get(&p, end, sql_rowv_ftype(from, (int)i), &x)) return strom__buf_free(&b), sql_ectx_fail(c, "malformed ROW value");
    int rc = x.null ? (y = x, 0) : sql_val_cast(sql_rowv_ftype(from, (int)i), sql_rowv_ftype(to, (int)i), &x, &y, c);
    if (rc) return strom__buf_free(&b), rc;
    sql_coll_put(&b, sql_rowv_ftype(to, (int)i), &y);
  }
  return sql_coll_finish(&b, out, c);
}

/* ---- MULTISET<T> and MAP_ENTRIES ---- */

sql_type sql_multiset_type(const sql_type *elem) {
  sql_type el = field_norm(elem), cnt = {.id = STROM_INT, .not_null = true};
  sql_type t = sql_coll_map_type(&el, &cnt);
  t.kind = SQL_K_MULTISET;
  return t;
}

/* MAP_ENTRIES(m): ARRAY<ROW<key K, value V>> in the map's order (Flink's MapEntriesFunction). */
static int ck_entries(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  const sql_type *m = &e->a[0]->type;
  if (m->kind != SQL_K_MAP) {
    char tn[128];
    sql_type_name(m, tn, sizeof tn);
    return snprintf(err, errlen, "MAP_ENTRIES wants a MAP, got %s", tn), STROM_EINVAL;
  }
  const char *names[2] = {"key", "value"};
  sql_type types[2] = {*m->key, *m->elem};
  sql_type row = sql_rowv_type(2, names, types);
  if (!row.elem) return snprintf(err, errlen, "out of memory"), STROM_ENOMEM;
  e->type = sql_coll_array_type(&row);
  e->type.not_null = e->a[0]->type.not_null;
  return 0;
}

static int f_entries(const sql_expr *e, const sql_val *args, sql_val *out, sql_ectx *c) {
  const sql_type *m = &e->a[0]->type, *row = e->type.elem;
  const char *p = args[0].s.p, *end = p + args[0].s.n;
  uint32_t n, two = 2;
  if (!sql_coll_count(&p, end, &n)) return sql_ectx_fail(c, "malformed MAP value");
  strom_buf b = {0}, r = {0};
  strom__buf_append(&b, &n, 4);
  for (uint32_t i = 0; i < n; i++) {
    sql_val k, v;
    if (!sql_coll_get(&p, end, m->key, &k) || !sql_coll_get(&p, end, m->elem, &v)) {
      strom__buf_free(&b), strom__buf_free(&r);
      return sql_ectx_fail(c, "malformed MAP value");
    }
    r.len = 0;
    strom__buf_append(&r, &two, 4);
    sql_coll_put(&r, m->key, &k), sql_coll_put(&r, m->elem, &v);
    sql_val rv = {.s = {r.p, (uint32_t)r.len}};
    sql_coll_put(&b, row, &rv);
  }
  strom__buf_free(&r);
  return sql_coll_finish(&b, out, c);
}

static const sql_func entries_fn = {"MAP_ENTRIES", 1, 1, true, ck_entries, f_entries};

const sql_func *sql_rowv_func_find(const char *name) { return !strcasecmp(name, "MAP_ENTRIES") ? &entries_fn : NULL; }
