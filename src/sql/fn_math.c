/*
 * fn_math.c -- the trigonometric and logarithmic functions, PI(), E() and the random
 * functions RAND([seed]) and RAND_INTEGER([seed,] bound), as Flink's function
 * reference defines them: every one computes on DOUBLE (RAND_INTEGER gives INT) and
 * follows java.lang.Math, so DEGREES / RADIANS multiply by the same constants and
 * COT is 1 / tan.
 *
 * A seeded RAND is java.util.Random's sequence from that seed, one generator per call
 * site and task (Flink keeps one per operator instance), so results equal Flink's for
 * the same input order.  The generators live in a per-thread table keyed by a number
 * the call site gets at bind time: plans are shared read-only between tasks, and a
 * number, unlike an address, is never reused by a later statement.  Without a seed
 * the generator is seeded from the clock, and the value is computed per row (the
 * binder folds only VALUES rows, each of which is evaluated once anyway).
 */
#include <math.h>
#include <stdatomic.h>
#include <strings.h>
#include <time.h>

#include "sql_int.h"

static const sql_type T_INT = {.id = STROM_INT}, T_DOUBLE = {.id = STROM_DOUBLE};

static int fail(char *err, size_t errlen, const sql_expr *e, const char *what) {
  snprintf(err, errlen, "%s: %s", e->fn->name, what);
  return STROM_EINVAL;
}

static int arg_to(sql_arena *a, sql_expr *e, int i, const sql_type *t, char *err, size_t errlen) {
  if (!e->a[i]->type.id) e->a[i]->type = *t; /* untyped NULL */
  if (e->a[i]->type.id == t->id && !e->a[i]->type.kind) return 0;
  if (!sql_type_numeric(&e->a[i]->type) || !sql_can_cast(&e->a[i]->type, t)) {
    char got[48], m[128];
    sql_type_name(&e->a[i]->type, got, sizeof got);
    snprintf(m, sizeof m, "argument %d is %s, expected a number", i + 1, got);
    return fail(err, errlen, e, m);
  }
  return (e->a[i] = sql_cast_to(a, e->a[i], t)) ? 0 : STROM_ENOMEM;
}

static int ck_double(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  e->type = T_DOUBLE;
  for (int i = 0; i < e->n; i++) {
    int rc = arg_to(a, e, i, &T_DOUBLE, err, errlen);
    if (rc) return rc;
  }
  return 0;
}

static int f_trig(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)c;
  const char *n = e->fn->name;
  double x = e->n ? a[0].d : 0;
  if (!strcmp(n, "SIN")) out->d = sin(x);
  else if (!strcmp(n, "COS")) out->d = cos(x);
  else if (!strcmp(n, "TAN")) out->d = tan(x);
  else if (!strcmp(n, "COT")) out->d = 1.0 / tan(x);
  else if (!strcmp(n, "ASIN")) out->d = asin(x);
  else if (!strcmp(n, "ACOS")) out->d = acos(x);
  else if (!strcmp(n, "ATAN")) out->d = atan(x);
  else if (!strcmp(n, "ATAN2")) out->d = atan2(x, a[1].d);
  else if (!strcmp(n, "SINH")) out->d = sinh(x);
  else if (!strcmp(n, "COSH")) out->d = cosh(x);
  else if (!strcmp(n, "TANH")) out->d = tanh(x);
  else if (!strcmp(n, "DEGREES")) out->d = x * 57.29577951308232; /* Math.toDegrees */
  else if (!strcmp(n, "RADIANS")) out->d = x * 0.017453292519943295; /* Math.toRadians */
  else if (!strcmp(n, "PI")) out->d = M_PI;
  else if (!strcmp(n, "E")) out->d = M_E;
  else if (!strcmp(n, "LOG")) out->d = e->n == 1 ? log(x) : log(a[1].d) / log(x); /* LOG(base, x) */
  else out->null = true;
  return 0;
}

/* ---- java.util.Random ---- */

#define JR_MUL 0x5DEECE66DULL
#define JR_MASK ((1ULL << 48) - 1)

static uint64_t jr_scramble(int64_t seed) { return ((uint64_t)seed ^ JR_MUL) & JR_MASK; }

static int32_t jr_next(uint64_t *s, int bits) {
  *s = (*s * JR_MUL + 0xBULL) & JR_MASK;
  return (int32_t)(uint32_t)(*s >> (48 - bits));
}

static double jr_double(uint64_t *s) {
  int64_t hi = jr_next(s, 26), lo = jr_next(s, 27);
  return (double)((hi << 27) + lo) * 0x1.0p-53;
}

/* Random.nextInt(bound), bound > 0, with its rejection loop. */
static int32_t jr_int(uint64_t *s, int32_t bound) {
  int32_t r = jr_next(s, 31), m = bound - 1;
  if ((bound & m) == 0) return (int32_t)(((int64_t)bound * r) >> 31);
  for (int32_t u = r; (int32_t)((uint32_t)u - (uint32_t)(r = u % bound) + (uint32_t)m) < 0; u = jr_next(s, 31)) {}
  return r;
}

typedef struct gen {
  int64_t site;
  uint64_t state;
} gen;

static _Thread_local gen gens[128]; /* call sites with a generator, per task thread */
static _Thread_local unsigned gens_next;
static atomic_int_fast64_t next_site = 1;

/* This thread's generator of call site e (created from seed on first use). */
static uint64_t *site_gen(const sql_expr *e, int64_t seed, bool seeded) {
  for (unsigned i = 0; i < sizeof gens / sizeof *gens; i++)
    if (gens[i].site == e->aux) return &gens[i].state;
  gen *g = &gens[gens_next++ % (sizeof gens / sizeof *gens)];
  g->site = e->aux;
  if (!seeded) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    seed = (int64_t)ts.tv_nsec ^ ((int64_t)ts.tv_sec << 20) ^ (int64_t)(intptr_t)g;
  }
  g->state = jr_scramble(seed);
  return &g->state;
}

static bool is_int_lit(const sql_expr *x) {
  return x->op == SQL_E_LIT && (x->type.id == STROM_INT || x->type.id == STROM_BIGINT) && !x->type.kind;
}

/* RAND([seed]) -> DOUBLE; RAND_INTEGER([seed,] bound) -> INT.  The seed is a literal:
 * Flink creates the generator once, when the operator opens. */
static int ck_rand(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  bool integer = !strcmp(e->fn->name, "RAND_INTEGER");
  bool seeded = e->n == (integer ? 2 : 1);
  if (seeded && !is_int_lit(e->a[0]) && e->a[0]->op == SQL_E_LIT && !e->a[0]->type.id)
    return fail(err, errlen, e, "the seed must not be NULL");
  if (seeded && !is_int_lit(e->a[0])) return fail(err, errlen, e, "the seed must be an integer literal");
  for (int i = 0; i < e->n; i++) {
    int rc = arg_to(a, e, i, &T_INT, err, errlen);
    if (rc) return rc;
  }
  e->aux = atomic_fetch_add(&next_site, 1);
  e->type = integer ? T_INT : T_DOUBLE;
  return 0;
}

static int f_rand(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  bool integer = !strcmp(e->fn->name, "RAND_INTEGER");
  bool seeded = e->n == (integer ? 2 : 1);
  uint64_t *s = site_gen(e, seeded ? a[0].i : 0, seeded);
  if (!integer) {
    out->d = jr_double(s);
    return 0;
  }
  int64_t bound = a[e->n - 1].i;
  if (bound <= 0 || bound > INT32_MAX) return sql_ectx_fail(c, "RAND_INTEGER: the bound must be positive, got %lld", (long long)bound);
  out->i = jr_int(s, (int32_t)bound);
  return 0;
}

static const sql_func math_funcs[] = {
    {"SIN", 1, 1, true, ck_double, f_trig},     {"COS", 1, 1, true, ck_double, f_trig},
    {"TAN", 1, 1, true, ck_double, f_trig},     {"COT", 1, 1, true, ck_double, f_trig},
    {"ASIN", 1, 1, true, ck_double, f_trig},    {"ACOS", 1, 1, true, ck_double, f_trig},
    {"ATAN", 1, 1, true, ck_double, f_trig},    {"ATAN2", 2, 2, true, ck_double, f_trig},
    {"SINH", 1, 1, true, ck_double, f_trig},    {"COSH", 1, 1, true, ck_double, f_trig},
    {"TANH", 1, 1, true, ck_double, f_trig},    {"DEGREES", 1, 1, true, ck_double, f_trig},
    {"RADIANS", 1, 1, true, ck_double, f_trig}, {"PI", 0, 0, true, ck_double, f_trig},
    {"E", 0, 0, true, ck_double, f_trig},       {"LOG", 1, 2, true, ck_double, f_trig},
    {"RAND", 0, 1, false, ck_rand, f_rand},     {"RAND_INTEGER", 1, 2, true, ck_rand, f_rand},
};

const sql_func *sql_math_func_find(const char *name) {
  return SQL_FUNC_IN(math_funcs, name);
}

void sql_math_func_list(strom_buf *b) {
  for (size_t i = 0; i < sizeof math_funcs / sizeof *math_funcs; i++) strom__buf_printf(b, " %s", math_funcs[i].name);
}
