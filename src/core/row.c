/*
 * row.c -- rows: one allocation holding the header, the values and the null bytes.
 * Strings set with strom_row_set_str() live in the row's arena, which grows by
 * doubling; when it moves, the string values pointing into it are rebased.
 */
#include "core.h"

strom_row *strom_row_new(const strom_schema *s) {
  if (!s) return NULL;
  size_t n = (size_t)s->ncols;
  /* Own cache lines (a scratch or input row is written on every record); the null
   * bytes are padded to a multiple of 8 so that a reset can store 8 at a time. */
  strom_row *r = strom__alloc_lines(sizeof *r + n * sizeof(strom_value) + STROM_ROW_NULLS_SIZE(n));
  if (!r) return NULL;
  r->schema = strom__schema_ref(s);
  r->ncols = (int)n;
  r->v = (strom_value *)(r + 1);
  r->nulls = (uint8_t *)(r->v + n);
  r->arena = NULL;
  r->arena_cap = 0;
  strom__row_reset(r);
  return r;
}

void strom_row_free(strom_row *r) {
  if (!r) return;
  strom_schema_free((strom_schema *)r->schema);
  free(r->arena);
  free(r);
}

const strom_schema *strom_row_schema(const strom_row *r) { return r->schema; }
void strom_row_clear(strom_row *r) { strom__row_reset(r); }

bool strom_row_is_null(const strom_row *r, int c) { return r->nulls[c]; }
bool strom_row_get_bool(const strom_row *r, int c) { return !r->nulls[c] && r->v[c].i; }
int32_t strom_row_get_int(const strom_row *r, int c) { return r->nulls[c] ? 0 : (int32_t)r->v[c].i; }
int64_t strom_row_get_bigint(const strom_row *r, int c) { return r->nulls[c] ? 0 : r->v[c].i; }
double strom_row_get_double(const strom_row *r, int c) { return r->nulls[c] ? 0 : r->v[c].d; }
int64_t strom_row_get_decimal(const strom_row *r, int c) { return r->nulls[c] ? 0 : r->v[c].i; }
int64_t strom_row_get_timestamp(const strom_row *r, int c) { return r->nulls[c] ? 0 : r->v[c].i; }

const char *strom_row_get_str(const strom_row *r, int c, size_t *len) {
  if (r->nulls[c] || r->schema->cols[c].type != STROM_VARCHAR) {
    if (len) *len = 0;
    return "";
  }
  if (len) *len = r->v[c].s.n;
  return r->v[c].s.p;
}

void strom_row_set_null(strom_row *r, int c) { r->nulls[c] = 1; }
void strom_row_set_bool(strom_row *r, int c, bool v) { r->v[c].i = v; r->nulls[c] = 0; }
void strom_row_set_int(strom_row *r, int c, int32_t v) { r->v[c].i = v; r->nulls[c] = 0; }
void strom_row_set_bigint(strom_row *r, int c, int64_t v) { r->v[c].i = v; r->nulls[c] = 0; }
void strom_row_set_double(strom_row *r, int c, double v) { r->v[c].d = v; r->nulls[c] = 0; }
void strom_row_set_decimal(strom_row *r, int c, int64_t v) { r->v[c].i = v; r->nulls[c] = 0; }
void strom_row_set_timestamp(strom_row *r, int c, int64_t v) { strom__row_put_ts(r, c, v); }

void strom__row_set_ts(strom_row *r, int c, int64_t ms, uint32_t nano) {
  static const uint32_t unit[10] = {1000000, 100000, 10000, 1000, 100, 10, 1}; /* ns of the last digit, p = 3..9 */
  int p = r->schema->cols[c].precision;
  if (p < 3) { /* TIMESTAMP(0..2): whole seconds, tenths, hundredths */
    int64_t u = p == 0 ? 1000 : p == 1 ? 100 : 10;
    ms -= ((ms % u) + u) % u;
  }
  r->v[c].ts.ms = ms;
  r->v[c].ts.nano = p > 3 ? nano - nano % unit[p - 3] : 0;
  r->nulls[c] = 0;
}

int32_t strom_row_get_timestamp_nanos(const strom_row *r, int c) {
  return r->nulls[c] || !strom__ts_wide(&r->schema->cols[c]) ? 0 : (int32_t)r->v[c].ts.nano;
}

int strom_row_set_timestamp_nanos(strom_row *r, int c, int64_t ms, int32_t nanos) {
  if (nanos < 0 || nanos > 999999) return STROM_EINVAL;
  r->v[c].ts.ms = ms;
  r->v[c].ts.nano = (uint32_t)nanos;
  r->nulls[c] = 0;
  return STROM_OK;
}

void strom_row_get_decimal128(const strom_row *r, int c, int64_t *hi, uint64_t *lo) {
  __int128 v = r->nulls[c] ? 0 : strom__col_wide(&r->schema->cols[c]) ? strom__dec128_get(&r->v[c]) : r->v[c].i;
  if (hi) *hi = (int64_t)(v >> 64);
  if (lo) *lo = (uint64_t)v;
}

void strom_row_set_decimal128(strom_row *r, int c, int64_t hi, uint64_t lo) {
  r->nulls[c] = 0;
  if (strom__col_wide(&r->schema->cols[c])) r->v[c].w.lo = lo, r->v[c].w.hi = hi;
  else r->v[c].i = (int64_t)lo; /* a narrow column holds what fits its 18 digits */
}

void strom_row_set_str_ref(strom_row *r, int c, const char *s, size_t len) {
  r->v[c].s.p = s;
  r->v[c].s.n = (uint32_t)len;
  r->nulls[c] = 0;
}

static int arena_grow(strom_row *r, size_t need) {
  size_t cap = r->arena_cap ? r->arena_cap : 64;
  while (cap < r->arena_len + need) cap *= 2;
  char *old = r->arena;
  char *a = strom__realloc(old, cap);
  if (!a) return STROM_ENOMEM;
  if (a != old && old) {
    for (int i = 0; i < r->ncols; i++) {
      if (r->schema->cols[i].type != STROM_VARCHAR || r->nulls[i]) continue;
      const char *p = r->v[i].s.p;
      if (p >= old && p <= old + r->arena_len) r->v[i].s.p = a + (p - old);
    }
  }
  r->arena = a;
  r->arena_cap = cap;
  return STROM_OK;
}

int strom_row_set_str(strom_row *r, int c, const char *s, size_t len) {
  if (len > UINT32_MAX) return STROM_EINVAL;
  if (len == 0) { /* a fresh row has no arena: never hand out a NULL pointer */
    strom_row_set_str_ref(r, c, "", 0);
    return STROM_OK;
  }
  if (r->arena_len + len > r->arena_cap) {
    /* s may be a string of this row (another column): find it again after the move. */
    bool own = r->arena && s >= r->arena && s < r->arena + r->arena_len;
    size_t off = own ? (size_t)(s - r->arena) : 0;
    if (arena_grow(r, len)) return STROM_ENOMEM;
    if (own) s = r->arena + off;
  }
  char *dst = r->arena + r->arena_len;
  if (len) memcpy(dst, s, len);
  r->arena_len += len;
  strom_row_set_str_ref(r, c, dst, len);
  return STROM_OK;
}

int strom__row_own_strings(strom_row *r) {
  if (!r->schema->nstr) return STROM_OK;
  size_t need = 0;
  for (int i = 0; i < r->ncols; i++)
    if (r->schema->cols[i].type == STROM_VARCHAR && !r->nulls[i]) need += r->v[i].s.n;
  /* The old arena is reused when it is big enough and no source is in it (a row
   * copied again and again, as Top-N's, then allocates nothing); else a fresh one. */
  char *a = r->arena;
  bool reuse = a && r->arena_cap >= need && need;
  for (int i = 0; reuse && i < r->ncols; i++)
    if (r->schema->cols[i].type == STROM_VARCHAR && !r->nulls[i] && r->v[i].s.p >= a && r->v[i].s.p < a + r->arena_cap)
      reuse = false;
  if (!reuse && !(a = strom__malloc(need))) return STROM_ENOMEM;
  size_t off = 0;
  for (int i = 0; i < r->ncols; i++) {
    if (r->schema->cols[i].type != STROM_VARCHAR || r->nulls[i]) continue;
    if (r->v[i].s.n) memcpy(a + off, r->v[i].s.p, r->v[i].s.n);
    r->v[i].s.p = a + off;
    off += r->v[i].s.n;
  }
  if (!reuse) {
    free(r->arena);
    r->arena = a;
    r->arena_cap = need;
  }
  r->arena_len = need;
  return STROM_OK;
}

int strom_row_copy(strom_row *dst, const strom_row *src) {
  if (dst->ncols != src->ncols) return STROM_ETYPE;
  strom__copy_cols(dst->nulls, dst->v, src->nulls, src->v, src->ncols);
  dst->time = src->time;
  dst->kind = src->kind;
  return STROM_OK;
}

int64_t strom_row_time(const strom_row *r) { return r->time; }
void strom_row_set_time(strom_row *r, int64_t t) { r->time = t; }

strom_row_kind strom_row_get_kind(const strom_row *r) { return (strom_row_kind)r->kind; }
void strom_row_set_kind(strom_row *r, strom_row_kind k) { r->kind = (uint8_t)(k & 3); }
const char *strom_row_kind_str(strom_row_kind k) {
  static const char *const names[4] = {"+I", "-U", "+U", "-D"};
  return names[k & 3];
}

int strom__row_format_buf(strom_buf *b, const strom_row *r) {
  strom__buf_append(b, strom_row_kind_str((strom_row_kind)r->kind), 2);
  strom__buf_append(b, "[", 1);
  for (int i = 0; i < r->ncols; i++) {
    if (i) strom__buf_append(b, ", ", 2);
    strom__format_value(b, r, i, false);
  }
  return strom__buf_append(b, "]", 1);
}

int strom_row_format(const strom_row *r, char *buf, size_t cap) {
  strom_buf b = {0};
  strom__row_format_buf(&b, r);
  int n = (int)b.len;
  if (cap) snprintf(buf, cap, "%s", b.p ? b.p : "");
  strom__buf_free(&b);
  return n;
}

void strom__row_stamp(strom_row *dst, const strom_row *src) {
  int n = src->ncols;
  memcpy(dst->v, src->v, (size_t)n * sizeof *dst->v);
  memcpy(dst->nulls, src->nulls, (size_t)n);
  dst->v[n].i = src->time;
  dst->nulls[n] = src->time == STROM_NO_TIMESTAMP;
  dst->time = src->time;
  dst->kind = src->kind;
}

void strom__row_unstamp(strom_row *dst, const strom_row *src) {
  int n = dst->ncols;
  memcpy(dst->v, src->v, (size_t)n * sizeof *dst->v);
  memcpy(dst->nulls, src->nulls, (size_t)n);
  dst->time = src->nulls[n] ? STROM_NO_TIMESTAMP : src->v[n].i;
  dst->kind = src->kind;
}
