/*
 * udf.c -- scalar user-defined functions written in C (include/strom/sql.h, "Scalar
 * user-defined functions").  CREATE FUNCTION name AS 'lib.so:symbol' [LANGUAGE C]
 * dlopens the library and takes symbol as a `const strom_sql_udf`; the function then
 * binds like a built-in (a sql_func whose eval converts the SQL values to the ABI's
 * strom_sql_value and back).  Functions live in the session until DROP FUNCTION or
 * the session's end, when their libraries are closed.  A function belongs to the
 * catalog and database it was created in (found from there only); a SYSTEM one to none.
 *
 * Two ABIs: a library built against ABI 1 lays its values out without ABI 2's tail
 * (precision, hi, nano), so it is called through ABI 1's layout below with its
 * arguments narrowed as ABI 1 promised (DECIMAL(p > 18) cast to DECIMAL(18, s),
 * TIMESTAMP(p > 3) as milliseconds); an ABI 2 function gets them whole.
 */
#include <dlfcn.h>
#include <strings.h>

#include "sql_int.h"
#include "unnest.h"

typedef struct sql_udf {
  sql_func f; /* first: e->fn points here */
  const strom_sql_udf *d;
  void *lib;
  char *name;
  int abi;
  int rprec; /* ABI 2's result_precision (0: the ABI 1 default); never read from an ABI 1 descriptor */
  char *catalog, *database; /* where it lives (catalog_ns.c); NULL for a SYSTEM function, seen everywhere */
  const strom_sql_table_fn *table; /* a table function (udtf.c): d is not read */
} sql_udf;

/* ABI 1's value, as libraries built against it laid it out. */
typedef struct udf_value_v1 {
  strom_type_id type;
  int is_null;
  int scale;
  int64_t i;
  double d;
  const char *s;
  size_t len;
} udf_value_v1;
typedef int (*udf_eval_v1)(strom_sql_udf_ctx *ctx, int argc, const udf_value_v1 *argv, udf_value_v1 *result);

static int at(const sql_node *n, char *err, size_t errlen, const char *fmt, const char *a, const char *b) {
  int k = snprintf(err, errlen, "line %d, column %d: ", n->line, n->col);
  if (k < 0 || (size_t)k >= errlen) k = 0;
  snprintf(err + k, errlen - (size_t)k, fmt, a, b);
  return STROM_EINVAL;
}

static int udf_check(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  const sql_udf *u = (const sql_udf *)e->fn;
  static const sql_type text = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX};
  for (int i = 0; i < e->n; i++) {
    if (!e->a[i]->type.id) e->a[i]->type = text; /* an untyped NULL */
    if (e->a[i]->type.kind == SQL_K_BYTES) continue; /* bytes arrive as a VARCHAR of the bytes themselves */
    if (e->a[i]->type.kind && !(e->a[i] = sql_cast_to(a, e->a[i], &text))) return STROM_ENOMEM;
    if (u->abi < 2 && sql_dec_wide(&e->a[i]->type)) { /* ABI 1's DECIMAL is an int64: 18 digits */
      sql_type d18 = {.id = STROM_DECIMAL, .p = 18, .s = e->a[i]->type.s > 18 ? 18 : e->a[i]->type.s};
      if (!(e->a[i] = sql_cast_to(a, e->a[i], &d18))) return STROM_ENOMEM;
    }
  }
  e->type = (sql_type){.id = u->d->result};
  if (u->d->result == STROM_VARCHAR) e->type.p = SQL_VARCHAR_MAX;
  if (u->d->result == STROM_TIMESTAMP) e->type.p = u->rprec ? u->rprec : 3;
  if (u->d->result == STROM_DECIMAL) e->type.p = u->rprec ? u->rprec : 18, e->type.s = u->d->result_scale;
  (void)err, (void)errlen;
  return 0;
}

static void *udf_alloc(strom_sql_udf_ctx *ctx, size_t n) { return sql_ectx_alloc(ctx->internal, n ? n : 1); }

static int udf_eval(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  const sql_udf *u = (const sql_udf *)e->fn;
  strom_sql_value argv[64], r;
  for (int i = 0; i < e->n && i < 64; i++) {
    const sql_type *t = &e->a[i]->type;
    argv[i] = (strom_sql_value){.type = t->id, .is_null = a[i].null, .scale = t->id == STROM_DECIMAL ? t->s : 0,
                                .precision = t->id == STROM_DECIMAL || t->id == STROM_TIMESTAMP ? t->p : 0};
    if (a[i].null) continue;
    if (t->id == STROM_DOUBLE) argv[i].d = a[i].d;
    else if (t->id == STROM_VARCHAR) argv[i].s = a[i].s.p, argv[i].len = a[i].s.n;
    else if (t->id == STROM_DECIMAL) {
      __int128 x = sql_dec_get(t, &a[i]);
      argv[i].i = (int64_t)(uint64_t)x, argv[i].hi = (int64_t)(x >> 64);
    } else {
      argv[i].i = a[i].i;
      if (sql_ts_wide(t)) argv[i].nano = (int32_t)a[i].ts.nano;
    }
  }
  memset(&r, 0, sizeof r);
  char msg[200] = "";
  strom_sql_udf_ctx ctx = {.alloc = udf_alloc, .err = msg, .errlen = sizeof msg, .internal = c};
  int rc;
  if (u->abi < 2) {
    udf_value_v1 v1[64], r1 = {0};
    for (int i = 0; i < e->n && i < 64; i++)
      v1[i] = (udf_value_v1){argv[i].type, argv[i].is_null, argv[i].scale, argv[i].i, argv[i].d, argv[i].s, argv[i].len};
    rc = ((udf_eval_v1)(void (*)(void))u->d->eval)(&ctx, e->n, v1, &r1);
    r = (strom_sql_value){r1.type, r1.is_null, r1.scale, r1.i, r1.d, r1.s, r1.len, 0, 0, 0};
  } else {
    rc = u->d->eval(&ctx, e->n, argv, &r);
  }
  if (rc) return sql_ectx_fail(c, "function %s failed: %s", u->name, msg[0] ? msg : "(no message)");
  out->null = r.is_null != 0;
  if (out->null) return 0;
  if (r.type != u->d->result) return sql_ectx_fail(c, "function %s returned a value of another type than it declares", u->name);
  if (r.type == STROM_DOUBLE) out->d = r.d;
  else if (r.type == STROM_VARCHAR) {
    if (r.len > UINT32_MAX || (r.len && !r.s)) return sql_ectx_fail(c, "function %s returned a bad string", u->name);
    out->s.p = r.len ? r.s : "", out->s.n = (uint32_t)r.len;
  } else if (sql_dec_wide(&e->type)) {
    sql_dec_put(&e->type, (__int128)(((unsigned __int128)(uint64_t)r.hi << 64) | (uint64_t)r.i), out); /* overflow: NULL */
  } else if (sql_ts_wide(&e->type)) {
    if (r.nano < 0 || r.nano > 999999)
      return sql_ectx_fail(c, "function %s returned a TIMESTAMP with nano %d, outside 0..999999", u->name, (int)r.nano);
    out->ts.ms = r.i, out->ts.nano = (uint32_t)r.nano;
    sql_ts_truncate(out, e->type.p);
  } else out->i = r.i;
  return 0;
}

/* A function of database cat.db (NULL: the current one) or a SYSTEM one. */
static bool in_db(const sql_session *s, const sql_udf *u, const char *cat, const char *db) {
  if (!u->catalog) return true;
  return !strcmp(u->catalog, cat ? cat : sql_ns_catalog(&s->cat)) && !strcmp(u->database, db ? db : sql_ns_database(&s->cat));
}

static sql_udf *find_in(const sql_session *s, const char *name, const char *cat, const char *db, int *idx) {
  for (int i = 0; i < s->nudfs; i++)
    if (!strcasecmp(s->udfs[i]->name, name) && in_db(s, s->udfs[i], cat, db)) {
      if (idx) *idx = i;
      return s->udfs[i];
    }
  return NULL;
}

static sql_udf *find(const sql_session *s, const char *name, int *idx) { return find_in(s, name, NULL, NULL, idx); }

const sql_func *sql_udf_find(const sql_session *s, const char *name) {
  const char *dot = s ? strrchr(name, '.') : NULL;
  if (dot) { /* db.F or c.db.F (catalog_grammar.h): the function of that database */
    char q[512];
    snprintf(q, sizeof q, "%.*s", (int)(dot - name), name);
    char *db = strchr(q, '.');
    if (db) *db++ = 0;
    sql_udf *u = find_in(s, dot + 1, db ? q : sql_ns_catalog(&s->cat), db ? db : q, NULL);
    return u && u->catalog ? &u->f : NULL;
  }
  sql_udf *u = s ? find(s, name, NULL) : NULL;
  return u ? &u->f : NULL;
}

const strom_sql_table_fn *sql_udf_table_find(const sql_session *s, const char *name) {
  const sql_func *f = sql_udf_find(s, name);
  return f ? ((const sql_udf *)f)->table : NULL;
}

static void udf_free(sql_udf *u) {
  if (!u) return;
  if (u->lib) dlclose(u->lib);
  free(u->name);
  free(u->catalog);
  free(u->database);
  free(u);
}

int sql_udf_create(sql_session *s, const sql_node *n, char *err, size_t errlen) {
  const sql_node *nm = n->kids[0], *id = n->kids[1], *lang = n->nkids > 2 ? n->kids[2] : NULL;
  const char *name = nm->kids[nm->nkids - 1]->text;
  if (lang && strcasecmp(lang->text, "C"))
    return at(lang, err, errlen, "not supported yet: LANGUAGE %s functions (Strom loads C functions: AS 'lib.so:symbol' LANGUAGE C)%s", lang->text, "");
  if (sql_func_find(name)) return at(nm, err, errlen, "function %s is a built-in function%s", name, "");
  const char *cat = NULL, *db = NULL, *obj;
  char nsm[300];
  if (!(n->flags & SQL_F(SYSTEM)) && sql_ns_resolve(&s->cat, nm, &cat, &db, &obj, nsm, sizeof nsm))
    return at(nm, err, errlen, "%s%s", nsm, "");
  if (cat && !(n->flags & SQL_F(TEMPORARY)) && sql_ns_read_only(s, nm, "CreateFunction", cat, db, obj)) /* a jdbc catalog */
    return snprintf(err, errlen, "%s", s->err), STROM_EINVAL;
  if (find_in(s, name, cat, db, NULL)) {
    if (n->flags & SQL_F(IF_NOT_EXISTS)) return STROM_OK;
    return at(nm, err, errlen, "function %s already exists%s", name, "");
  }
  const char *spec = id->text, *colon = strrchr(spec, ':');
  if (!colon || colon == spec || !colon[1])
    return at(id, err, errlen, "a C function is named 'library.so:symbol', got '%s'%s", spec, "");
  char lib[1024];
  snprintf(lib, sizeof lib, "%.*s", (int)(colon - spec), spec);
  sql_udf *u = strom__calloc(1, sizeof *u);
  if (!u || !(u->name = strom__strdup(name))) return free(u), STROM_ENOMEM;
  if (cat && (!(u->catalog = strom__strdup(cat)) || !(u->database = strom__strdup(db)))) return udf_free(u), STROM_ENOMEM;
  dlerror();
  if (!(u->lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL))) {
    const char *why = dlerror();
    at(id, err, errlen, "cannot load library '%s': %s", lib, why ? why : "unknown error");
    udf_free(u);
    return STROM_EINVAL;
  }
  if (!(u->d = dlsym(u->lib, colon + 1))) {
    at(id, err, errlen, "library '%s' has no symbol '%s'", lib, colon + 1);
    udf_free(u);
    return STROM_EINVAL;
  }
  const strom_sql_udf *d = u->d;
  char m[160];
  if (sql_udtf_is(u->d)) { /* LATERAL TABLE's (udtf.c) */
    sql_udtf_check(u->table = (const strom_sql_table_fn *)u->d, m, sizeof m);
    if (m[0]) {
      at(id, err, errlen, "'%s' is not a Strom table function: %s", spec, m);
      udf_free(u);
      return STROM_EINVAL;
    }
    u->f = (sql_func){.name = u->name, .min_args = 0, .max_args = 64, .check = sql_udtf_scalar_check};
    goto keep;
  }
  /* the symbol may be anything: read it only when it can be the descriptor */
  if ((uintptr_t)d % _Alignof(strom_sql_udf)) snprintf(m, sizeof m, "the symbol is not a strom_sql_udf");
  else if (d->abi != 1 && d->abi != STROM_SQL_UDF_ABI) snprintf(m, sizeof m, "ABI version %d, expected 1 or %d", d->abi, STROM_SQL_UDF_ABI);
  else if (d->result < STROM_BOOLEAN || d->result > STROM_TIMESTAMP) snprintf(m, sizeof m, "an unknown result type %d", (int)d->result);
  else if (d->min_args < 0 || d->max_args < d->min_args || d->max_args > 64) snprintf(m, sizeof m, "bad argument counts %d..%d", d->min_args, d->max_args);
  else if (!d->eval) snprintf(m, sizeof m, "no eval function");
  else m[0] = 0;
  /* ABI 1's descriptor ends before result_precision */
  int rprec = !m[0] && d->abi >= 2 ? d->result_precision : 0;
  if (m[0]) {
  } else if (d->result == STROM_DECIMAL && (rprec < 0 || rprec > 38)) snprintf(m, sizeof m, "a DECIMAL result precision %d outside 1..38", rprec);
  else if (d->result == STROM_DECIMAL && (d->result_scale < 0 || d->result_scale > (rprec ? rprec : 18))) snprintf(m, sizeof m, "a bad DECIMAL scale");
  else if (d->result == STROM_TIMESTAMP && (rprec < 0 || rprec > 9)) snprintf(m, sizeof m, "a TIMESTAMP result precision %d outside 1..9", rprec);
  u->abi = d->abi, u->rprec = d->result == STROM_DECIMAL || d->result == STROM_TIMESTAMP ? rprec : 0;
  if (m[0]) {
    at(id, err, errlen, "'%s' is not a Strom scalar function: %s", spec, m);
    udf_free(u);
    return STROM_EINVAL;
  }
  u->f = (sql_func){.name = u->name, .min_args = d->min_args, .max_args = d->max_args, .strict = d->null_on_null != 0,
                    .check = udf_check, .eval = udf_eval};
keep:;
  sql_udf **a = strom__realloc(s->udfs, sizeof *a * (size_t)(s->nudfs + 1));
  if (!a) return udf_free(u), STROM_ENOMEM;
  s->udfs = a;
  a[s->nudfs++] = u;
  return STROM_OK;
}

int sql_udf_drop(sql_session *s, const sql_node *n, char *err, size_t errlen) {
  const sql_node *nm = n->kids[0];
  const char *name = nm->kids[nm->nkids - 1]->text, *cat = NULL, *db = NULL, *obj;
  char m[300];
  if (!(n->flags & SQL_F(SYSTEM)) && nm->nkids > 1 && sql_ns_resolve(&s->cat, nm, &cat, &db, &obj, m, sizeof m)) {
    if (n->flags & SQL_F(IF_EXISTS)) return STROM_OK;
    return at(nm, err, errlen, "%s%s", m, "");
  }
  int i;
  sql_udf *u = find_in(s, name, cat, db, &i);
  if (!u) {
    if (n->flags & SQL_F(IF_EXISTS)) return STROM_OK;
    return at(nm, err, errlen, "function %s does not exist%s", name, "");
  }
  udf_free(u);
  memmove(&s->udfs[i], &s->udfs[i + 1], sizeof *s->udfs * (size_t)(s->nudfs - i - 1));
  s->nudfs--;
  return STROM_OK;
}

void sql_udf_list(const sql_session *s, strom_buf *b) {
  for (int i = 0; i < s->nudfs; i++)
    if (in_db(s, s->udfs[i], NULL, NULL)) strom__buf_printf(b, " %s", s->udfs[i]->name);
}

int sql_udf_drop_ns(sql_session *s, const char *cat, const char *db, bool count_only) {
  int n = 0;
  for (int i = 0; i < s->nudfs;) {
    sql_udf *u = s->udfs[i];
    if (!u->catalog || strcmp(u->catalog, cat) || (db && strcmp(u->database, db))) {
      i++;
      continue;
    }
    n++;
    if (count_only) {
      i++;
      continue;
    }
    udf_free(u);
    memmove(&s->udfs[i], &s->udfs[i + 1], sizeof *s->udfs * (size_t)(s->nudfs - i - 1));
    s->nudfs--;
  }
  return n;
}

void sql_udf_free_all(sql_session *s) {
  for (int i = 0; i < s->nudfs; i++) udf_free(s->udfs[i]);
  free(s->udfs);
  s->udfs = NULL;
  s->nudfs = 0;
}
