/*
 * aggregates.c -- the aggregate functions COUNT, SUM, MIN, MAX and AVG over
 * accumulator rows.  One accumulator row holds every aggregate of a GROUP BY side by
 * side (columns given by sql_agg.acc), so a window or group keeps one row of state per
 * key.  SUM and AVG keep a count beside the sum so that they can retract (-U/-D input)
 * and give NULL for no values; MIN and MAX cannot retract without keeping every
 * value: a window aggregation over an updating input keeps them (agg_minmax.c), other
 * aggregations over one refuse them.  Result types are Flink's:
 * SUM and AVG of INT stay INT (AVG divides as integers), of DECIMAL(p, s) give
 * DECIMAL(38, s) and DECIMAL(38, max(6, s)) as in Flink: a 128-bit accumulator.
 */
#include "sql_int.h"

static sql_type sum_type(const sql_type *in) {
  if (in->id == STROM_DECIMAL) return (sql_type){.id = STROM_DECIMAL, .p = SQL_MAX_PRECISION, .s = in->s};
  if (in->id == STROM_INT) return (sql_type){.id = STROM_BIGINT}; /* accumulate wide, wrap at the end */
  return (sql_type){.id = in->id};
}

int sql_agg_acc_schema(sql_agg *aggs, int n, strom_schema *acc) {
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    sql_agg *g = &aggs[i];
    g->acc = strom_schema_ncols(acc);
    char name[32];
    snprintf(name, sizeof name, "a%d", i);
    if (sql_agg_more(g)) {
      rc = sql_agg_more_schema(g, i, acc);
      continue;
    }
    switch (g->kind) {
      case SQL_AGG_COUNT:
      case SQL_AGG_COUNT_STAR: rc = strom_schema_add(acc, name, STROM_BIGINT); break;
      case SQL_AGG_SUM:
      case SQL_AGG_AVG: {
        sql_type t = sum_type(&g->in_type);
        rc = sql_schema_add(acc, name, &t);
        snprintf(name, sizeof name, "n%d", i);
        if (!rc) rc = strom_schema_add(acc, name, STROM_BIGINT);
        break;
      }
      case SQL_AGG_MIN:
      case SQL_AGG_MAX:
        rc = g->keep_list ? strom_schema_add(acc, name, STROM_VARCHAR) : sql_schema_add(acc, name, &g->in_type);
        break;
      case SQL_AGG_JSON_OBJECT:
      case SQL_AGG_COLLECT:
      case SQL_AGG_JSON_ARRAY: rc = sql_aggjson_schema(g, acc, name); break; /* agg_json.c */
      default: break;
    }
  }
  return rc;
}

void sql_agg_init(const sql_agg *aggs, int n, strom_row *acc) {
  strom_row_clear(acc);
  for (int i = 0; i < n; i++) {
    const sql_agg *g = &aggs[i];
    switch (g->kind) {
      case SQL_AGG_COUNT:
      case SQL_AGG_COUNT_STAR: strom_row_set_bigint(acc, g->acc, 0); break;
      case SQL_AGG_SUM:
      case SQL_AGG_AVG:
        if (g->in_type.id == STROM_DOUBLE) strom_row_set_double(acc, g->acc, 0);
        else acc->nulls[g->acc] = 0, acc->v[g->acc].i = 0, acc->v[g->acc].w.hi = 0;
        strom_row_set_bigint(acc, g->acc + 1, 0);
        break;
      case SQL_AGG_JSON_OBJECT:
      case SQL_AGG_COLLECT:
      case SQL_AGG_JSON_ARRAY: sql_aggjson_init(g, acc); break; /* agg_json.c */
      case SQL_AGG_MIN:
      case SQL_AGG_MAX:
        if (g->keep_list) strom_row_set_str(acc, g->acc, "", 0); /* agg_minmax.c's empty list */
        break;
      default:
        if (sql_agg_more(g)) sql_agg_more_init(g, acc);
        break; /* MIN/MAX: NULL until the first value */
    }
  }
}

/* A DECIMAL sum in its 128-bit accumulator (wrapping; a sum past 38 digits is NULL at
 * the end, Flink's overflow). */
static inline void add_dec(strom_value *acc, __int128 x) {
  strom__dec128_put(acc, (__int128)((unsigned __int128)strom__dec128_get(acc) + (unsigned __int128)x));
}

static void add_sum(const sql_agg *g, strom_row *acc, const sql_val *v, int sign) {
  if (g->in_type.id == STROM_DOUBLE) acc->v[g->acc].d = sql_fid_float_add(g, acc->v[g->acc].d, sign * v->d); /* fid_agg.c */
  else if (g->in_type.id == STROM_DECIMAL) add_dec(&acc->v[g->acc], sign * sql_dec_get(&g->in_type, v));
  else acc->v[g->acc].i = (int64_t)((uint64_t)acc->v[g->acc].i + (uint64_t)(sign * v->i));
  acc->v[g->acc + 1].i += sign;
}

bool sql_agg_is_minmax64(const sql_agg *g) {
  return (g->kind == SQL_AGG_MAX || g->kind == SQL_AGG_MIN) && !g->distinct && g->filter < 0 && !g->keep_list &&
         sql_int64_type(&g->in_type);
}

int sql_agg_add(const sql_agg *aggs, int n, strom_row *acc, const strom_row *in, bool retract, sql_ectx *c) {
  for (int i = 0; i < n; i++) {
    const sql_agg *g = &aggs[i];
    if (g->distinct) continue; /* sql_distinct_add folds each value once */
    if (g->filter >= 0 && (in->nulls[g->filter] || !in->v[g->filter].i)) continue;
    if (g->kind == SQL_AGG_COUNT_STAR) {
      acc->v[g->acc].i += retract ? -1 : 1;
      continue;
    }
    if (sql_agg_more(g)) {
      int rc = sql_agg_more_add(g, acc, in, retract, c);
      if (rc) return rc;
      continue;
    }
    if ((g->kind == SQL_AGG_MAX || g->kind == SQL_AGG_MIN) && !retract && !g->keep_list && sql_int64_type(&g->in_type)) {
      sql_agg_minmax_add(g, acc, in);
      continue;
    }
    if (g->kind >= SQL_AGG_JSON_OBJECT) { /* JSON_*AGG count NULLs, COLLECT skips them (agg_json.c) */
      int rc = sql_aggjson_add(g, acc, in, retract, c);
      if (rc) return rc;
      continue;
    }
    sql_val v = {.null = false};
    if (g->arg >= 0) {
      sql_val_get(in, g->arg, &v);
      if (v.null) continue; /* aggregates skip NULLs; COUNT(*) has no argument */
    }
    int sign = retract ? -1 : 1;
    switch (g->kind) {
      case SQL_AGG_COUNT:
      case SQL_AGG_COUNT_STAR: acc->v[g->acc].i += sign; break;
      case SQL_AGG_SUM:
      case SQL_AGG_AVG: add_sum(g, acc, &v, sign); break;
      case SQL_AGG_MIN:
      case SQL_AGG_MAX: {
        if (g->keep_list) {
          int rc = sql_vlist_update(g, acc, &v, retract); /* agg_more.c: MIN/MAX keep their values (agg_minmax.c) */
          if (rc) return rc;
          break;
        }
        if (retract) {
          sql_ectx_fail(c, "%s cannot retract a row: its input is an updating result", g->kind == SQL_AGG_MIN ? "MIN" : "MAX");
          return STROM_ENOTSUP;
        }
        sql_val cur;
        sql_val_get(acc, g->acc, &cur);
        int cmp = cur.null ? 0 : sql_val_cmp(&g->in_type, &v, &cur);
        if (cur.null || (g->kind == SQL_AGG_MIN ? cmp < 0 : cmp > 0)) {
          int rc = sql_val_set(acc, g->acc, &v);
          if (rc) return rc;
        }
        break;
      }
      default: break; /* JSON_*AGG, COLLECT: above */
    }
  }
  return 0;
}

int sql_agg_merge(const sql_agg *aggs, int n, strom_row *acc, const strom_row *o) {
  for (int i = 0; i < n; i++) {
    const sql_agg *g = &aggs[i];
    if (sql_agg_more(g)) {
      int rc = sql_agg_more_merge(g, acc, o);
      if (rc) return rc;
      continue;
    }
    switch (g->kind) {
      case SQL_AGG_COUNT:
      case SQL_AGG_COUNT_STAR: acc->v[g->acc].i += o->v[g->acc].i; break;
      case SQL_AGG_SUM:
      case SQL_AGG_AVG:
        if (g->in_type.id == STROM_DOUBLE) acc->v[g->acc].d = sql_fid_float_add(g, acc->v[g->acc].d, o->v[g->acc].d); /* fid_agg.c */
        else if (g->in_type.id == STROM_DECIMAL) add_dec(&acc->v[g->acc], strom__dec128_get(&o->v[g->acc]));
        else acc->v[g->acc].i += o->v[g->acc].i;
        acc->v[g->acc + 1].i += o->v[g->acc + 1].i;
        break;
      case SQL_AGG_MIN:
      case SQL_AGG_MAX: {
        if (g->keep_list) {
          int rc = sql_vlist_merge(g, acc, o);
          if (rc) return rc;
          break;
        }
        sql_val a, b;
        sql_val_get(acc, g->acc, &a);
        sql_val_get(o, g->acc, &b);
        if (b.null) break;
        int cmp = a.null ? 0 : sql_val_cmp(&g->in_type, &b, &a);
        if (a.null || (g->kind == SQL_AGG_MIN ? cmp < 0 : cmp > 0)) {
          int rc = sql_val_set(acc, g->acc, &b);
          if (rc) return rc;
        }
        break;
      }
      case SQL_AGG_JSON_OBJECT:
      case SQL_AGG_COLLECT:
      case SQL_AGG_JSON_ARRAY: { /* agg_json.c */
        int rc = sql_aggjson_merge(g, acc, o);
        if (rc) return rc;
        break;
      }
      default: break;
    }
  }
  return 0;
}

void sql_agg_result(const sql_agg *aggs, int n, const strom_row *acc, strom_row *out, int oc) {
  for (int i = 0; i < n; i++) {
    const sql_agg *g = &aggs[i];
    int col = oc + i;
    if (sql_agg_more(g)) {
      sql_agg_more_result(g, acc, out, col);
      continue;
    }
    switch (g->kind) {
      case SQL_AGG_COUNT:
      case SQL_AGG_COUNT_STAR: strom_row_set_bigint(out, col, acc->v[g->acc].i); break;
      case SQL_AGG_SUM:
      case SQL_AGG_AVG: {
        int64_t cnt = acc->v[g->acc + 1].i;
        if (cnt <= 0) {
          strom_row_set_null(out, col);
          break;
        }
        out->nulls[col] = 0;
        if (g->in_type.id == STROM_DOUBLE) {
          double s = acc->v[g->acc].d;
          out->v[col].d = g->kind == SQL_AGG_AVG ? s / (double)cnt : s;
        } else if (g->in_type.id == STROM_DECIMAL) {
          __int128 s = strom__dec128_get(&acc->v[g->acc]), r = s;
          bool ok = g->kind == SQL_AGG_SUM ? strom__dec128_fits(s, g->type.p)
                                           : strom__dec128_div(s, g->type.s - g->in_type.s, cnt, g->type.p, &r);
          sql_val v = {0};
          if (ok) sql_dec_put(&g->type, r, &v);
          if (!ok || v.null) strom_row_set_null(out, col);
          else out->v[col].i = v.i, out->v[col].w.hi = v.w.hi;
        } else {
          int64_t s = acc->v[g->acc].i, v = g->kind == SQL_AGG_AVG ? s / cnt : s;
          out->v[col].i = g->type.id == STROM_INT ? (int32_t)(uint32_t)(uint64_t)v : v;
        }
        if (g->type.narrow) { /* SUM of TINYINT wraps as Flink's byte sum, of FLOAT rounds (types_narrow.c) */
          sql_val nv;
          sql_val_get(out, col, &nv);
          sql_narrow_fix(&g->type, &nv);
          sql_val_set(out, col, &nv);
        }
        break;
      }
      case SQL_AGG_MIN:
      case SQL_AGG_MAX: {
        if (g->keep_list) {
          sql_minmax_result(g, acc, out, col);
          break;
        }
        sql_val v;
        sql_val_get(acc, g->acc, &v);
        sql_val_set(out, col, &v);
        break;
      }
      case SQL_AGG_JSON_OBJECT:
      case SQL_AGG_COLLECT:
      case SQL_AGG_JSON_ARRAY: sql_aggjson_result(g, acc, out, col); break; /* agg_json.c */
      default: break;
    }
  }
}
