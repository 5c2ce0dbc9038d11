/*
 * core.h -- internal definitions of the core layer: schemas, rows, their binary
 * encoding, key hashing and small helpers shared by every other layer.
 *
 * The core knows nothing about tasks, operators or jobs.  Rows are laid out as an
 * array of 16-byte values plus a null byte per column, so a user function reads a
 * field with one indexed load; strings point either into the row's own arena or
 * into memory the row does not own (a network buffer, an input row).
 */
#ifndef STROM_CORE_H
#define STROM_CORE_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strom.h"

#define STROM_UNUSED(x) ((void)(x))
#define STROM_LIKELY(x) __builtin_expect(!!(x), 1)
#define STROM_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- allocation: a failed allocation is reported, never ignored ---- */
void *strom__malloc(size_t n);
void *strom__calloc(size_t n, size_t sz);
void *strom__realloc(void *p, size_t n);
char *strom__strdup(const char *s);
char *strom__strndup(const char *s, size_t n);
/* Like snprintf into a malloc'd string. */
char *strom__aprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *strom__vaprintf(const char *fmt, va_list ap);

/* ---- schema ---- */
typedef struct strom_col {
  char *name;
  strom_type_id type;
  int precision, scale; /* DECIMAL; TIMESTAMP's precision (0..9 fractional digits) */
  /* The codec's view, fixed when the column is added: the type, or STROM__ENC_DEC128 for
   * a DECIMAL wider than 18 digits (16 bytes), so the codec's switches cost what they
   * did before wide decimals; keyw the column's key bytes (0 for VARCHAR). */
  uint8_t enc, keyw;
  /* The SQL type an INT or DOUBLE column holds when narrower (STROM__NARROW_*): text
   * only (a FLOAT is written as Java's Float.toString, a TINYINT read from text must fit
   * it); the codec does not read it. */
  uint8_t narrow;
} strom_col;
enum { STROM__NARROW_NONE, STROM__NARROW_TINYINT, STROM__NARROW_SMALLINT, STROM__NARROW_FLOAT };
#define STROM__ENC_DEC128 8 /* past strom_type_id's last (STROM_TIMESTAMP, 7) */
#define STROM__ENC_TS_WIDE 9 /* TIMESTAMP(4..9): milliseconds and nanoseconds, 12 bytes */

struct strom_schema {
  atomic_int refs;
  int ncols, cap;
  strom_col *cols;
  size_t fixed_size; /* encoded bytes of the fixed-width columns when all are non-null */
  int nstr;          /* number of VARCHAR columns */
  int nwide;         /* columns with a second word: DECIMAL of precision > 18 (16 bytes
                      * encoded), TIMESTAMP(4..9) (12 bytes; strom__hi_differs) */
  int n8;            /* number of columns encoded in exactly 8 bytes (the codec's fast path) */
};

strom_schema *strom__schema_ref(const strom_schema *s);
/* Adds a column named name of c's type with its precision and scale. */
int strom__schema_add_col(strom_schema *s, const char *name, const strom_col *c);
/* True when both have the same column types (names may differ). */
bool strom__schema_compatible(const strom_schema *a, const strom_schema *b);

/* ---- rows ---- */
typedef union strom_value {
  int64_t i; /* BOOLEAN, INT, BIGINT, DECIMAL, TIMESTAMP */
  double d;
  struct {
    const char *p;
    uint32_t n;
  } s;
  /* DECIMAL(p, s) with p > 18: the unscaled value's low word (aliasing i) and high
   * word (strom__dec128_get/put; dec128.c) */
  struct {
    uint64_t lo;
    int64_t hi;
  } w;
  /* TIMESTAMP(p > 3): ms is i; nano the nanoseconds within that millisecond
   * (0..999999).  A TIMESTAMP(0..3) column leaves nano undefined: readers look at its
   * column first (strom__ts_wide). */
  struct {
    int64_t ms;
    uint32_t nano;
  } ts;
} strom_value;

/* Whether a column keeps nanoseconds beside its milliseconds (TIMESTAMP(4..9)). */
static inline bool strom__ts_wide(const struct strom_col *c) { return c->enc == STROM__ENC_TS_WIDE; }
/* Whether two values of column c whose i are equal differ in their second word: a wide
 * DECIMAL's high word or a TIMESTAMP(4..9)'s nanoseconds (only for schemas with nwide). */
static inline bool strom__hi_differs(const struct strom_col *c, const strom_value *a, const strom_value *b) {
  return c->enc == STROM__ENC_DEC128 ? a->w.hi != b->w.hi : c->enc == STROM__ENC_TS_WIDE && a->ts.nano != b->ts.nano;
}

struct strom_row {
  const strom_schema *schema;
  int64_t time;
  int ncols;
  uint8_t kind;     /* strom_row_kind: +I, -U, +U, -D */
  uint8_t *nulls;   /* 1 = NULL */
  strom_value *v;
  char *arena;      /* storage for strom_row_set_str copies */
  size_t arena_len, arena_cap;
};

/* A join's output row o: l's nl columns then r's nr; a NULL side pads its columns with
 * NULLs.  Strings are referenced, not copied. */
static inline void strom__row_fill_pair(strom_row *o, const strom_row *l, int nl, const strom_row *r, int nr) {
  if (l) {
    memcpy(o->nulls, l->nulls, (size_t)nl);
    memcpy(o->v, l->v, (size_t)nl * sizeof *o->v);
  } else {
    memset(o->nulls, 1, (size_t)nl);
  }
  if (r) {
    memcpy(o->nulls + nl, r->nulls, (size_t)nr);
    memcpy(o->v + nl, r->v, (size_t)nr * sizeof *o->v);
  } else {
    memset(o->nulls + nl, 1, (size_t)nr);
  }
}

/* Whether columns 0..n-1 of a and b (rows of schemas with the same types there) hold
 * equal values: NULL equals NULL, strings by their bytes, wide values by both words. */
static inline bool strom__row_prefix_equal(const strom_row *a, const strom_row *b, int n) {
  const strom_col *cols = a->schema->cols;
  bool wide = a->schema->nwide > 0;
  for (int i = 0; i < n; i++) {
    if (a->nulls[i] != b->nulls[i]) return false;
    if (a->nulls[i]) continue;
    if (cols[i].type == STROM_VARCHAR) {
      if (a->v[i].s.n != b->v[i].s.n || memcmp(a->v[i].s.p, b->v[i].s.p, a->v[i].s.n)) return false;
    } else if (a->v[i].i != b->v[i].i || (wide && strom__hi_differs(&cols[i], &a->v[i], &b->v[i]))) {
      return false;
    }
  }
  return true;
}

/* Bytes of null flags a row of n columns has: a multiple of 8, at least 8 (the
 * padding bytes after the last column mean nothing). */
#define STROM_ROW_NULLS_SIZE(n) ((size_t)(n) <= 8 ? (size_t)8 : ((size_t)(n) + 7) & ~(size_t)7)

/* strom_row_set_timestamp for the per-row paths of other layers. */
static inline void strom__row_put_ts(strom_row *r, int c, int64_t ms) {
  r->v[c].ts.ms = ms;
  r->v[c].ts.nano = 0; /* a TIMESTAMP(4..9) set by milliseconds is on the millisecond */
  r->nulls[c] = 0;
}

/* n columns' null flags and values into other arrays (not overlapping them): a row, or a
 * run of a joined row's columns.  The few columns most rows have are copied unrolled;
 * gcc makes a copy loop two memcpy calls, which cost more than the copy. */
#define STROM__COPY_COL(c) (dn[c] = sn[c], dv[c] = sv[c])
static inline void strom__copy_cols(uint8_t *restrict dn, strom_value *restrict dv, const uint8_t *restrict sn,
                                    const strom_value *restrict sv, int n) {
  switch (n) {
    case 8: STROM__COPY_COL(7); __attribute__((fallthrough));
    case 7: STROM__COPY_COL(6); __attribute__((fallthrough));
    case 6: STROM__COPY_COL(5); __attribute__((fallthrough));
    case 5: STROM__COPY_COL(4); __attribute__((fallthrough));
    case 4: STROM__COPY_COL(3); __attribute__((fallthrough));
    case 3: STROM__COPY_COL(2); __attribute__((fallthrough));
    case 2: STROM__COPY_COL(1); __attribute__((fallthrough));
    case 1: STROM__COPY_COL(0); __attribute__((fallthrough));
    case 0: return;
    default:
      memcpy(dn, sn, (size_t)n);
      memcpy(dv, sv, (size_t)n * sizeof *dv);
  }
}
#undef STROM__COPY_COL

/* Resets every column to NULL without freeing the arena (cheap per record): up to 8
 * columns with one 8-byte store, not a call to memset. */
static inline void strom__row_reset(strom_row *r) {
  const uint64_t all_null = 0x0101010101010101ull;
  if (STROM_LIKELY(r->ncols <= 8)) memcpy(r->nulls, &all_null, 8);
  else memset(r->nulls, 1, (size_t)r->ncols);
  r->kind = STROM_INSERT;
  r->arena_len = 0;
  r->time = STROM_NO_TIMESTAMP;
}

/* Operators that keep records in state keep their timestamps as an extra last BIGINT
 * column: s plus "__timestamp".  Stamping copies src into dst (whose schema is
 * strom__schema_with_time(src's)) with the time; unstamping goes back. */
strom_schema *strom__schema_with_time(const strom_schema *s);
void strom__row_stamp(strom_row *dst, const strom_row *src);
void strom__row_unstamp(strom_row *dst, const strom_row *src);

/* Makes every string of r owned by r (copies referenced bytes into its arena). */
int strom__row_own_strings(strom_row *r);

/* ---- binary row encoding ----
 * A row is encoded as its null bitmap (one bit per column) followed by each non-null
 * value: BOOLEAN 1 byte, INT 4, BIGINT/DOUBLE/DECIMAL/TIMESTAMP 8 (little-endian,
 * TIMESTAMP(4..9) 12: the milliseconds, then the nanoseconds of the millisecond in 4;
 * unaligned), VARCHAR a varint length and the bytes.  The schema is not encoded:
 * both ends know it.  The encoding is used by channels, keyed state and checkpoints. */
size_t strom__row_strings_size(const strom_row *r); /* the VARCHAR columns' part */
static inline size_t strom__row_encoded_size(const strom_row *r) {
  const strom_schema *s = r->schema;
  size_t n = ((size_t)r->ncols + 7) / 8 + s->fixed_size;
  /* an over-estimate when fixed-width columns are NULL; that is fine */
  return STROM_LIKELY(!s->nstr) ? n : n + strom__row_strings_size(r);
}
/* Writes r at dst, at most strom__row_encoded_size(r) bytes (fewer when fixed-width
 * columns are NULL); returns the end. */
uint8_t *strom__row_encode(const strom_row *r, uint8_t *dst);
/* Encodes r into *buf (grown as needed, *cap its size); *len receives the length. */
int strom__row_encode_scratch(const strom_row *r, uint8_t **buf, size_t *cap, size_t *len);
/* Decodes into r (which has the right schema); strings point into src.  Returns the
 * end of the row, or NULL if the bytes are malformed or run past end. */
const uint8_t *strom__row_decode(strom_row *r, const uint8_t *src, const uint8_t *end);
/* The end of the encoded row of schema s at src without decoding it, or NULL if it
 * runs past end (a look-ahead: only strom__row_decode validates). */
const uint8_t *strom__row_skip(const strom_schema *s, const uint8_t *src, const uint8_t *end);

/* ---- key hashing ---- */
/* Writes the key columns of r into buf (a canonical byte form); returns the length
 * needed, which may exceed cap (then nothing useful was written). */
size_t strom__key_bytes(const strom_row *r, const int *cols, int ncols, uint8_t *buf, size_t cap);
uint64_t strom__hash_bytes(const void *p, size_t n);
/* Decodes key bytes (from strom__key_bytes) into r, whose columns are the key columns
 * in order; strings point into bytes.  Returns STROM_EPARSE if malformed. */
int strom__key_decode(strom_row *r, const uint8_t *bytes, size_t n);
/* Hash of the key columns of r (equal keys give equal hashes on every subtask). */
uint64_t strom__key_hash(const strom_row *r, const int *cols, int ncols);
/* Flink's assignment: key group = hash % max_parallelism; operator index =
 * key_group * parallelism / max_parallelism.  max_parallelism is a power of two by
 * default (128): then a mask and a shift give the same results without a division. */
static inline bool strom__pow2(int n) { return n > 0 && (n & (n - 1)) == 0; }
static inline int strom__key_group(uint64_t hash, int max_par) {
  if (STROM_LIKELY(strom__pow2(max_par))) return (int)(hash & (uint64_t)(max_par - 1));
  return (int)(hash % (uint64_t)max_par);
}
/* The key groups [*lo, *hi] that subtask s of par owns (the inverse of the above). */
static inline void strom__subtask_key_groups(int s, int par, int max_par, int *lo, int *hi) {
  *lo = (s * max_par + par - 1) / par;
  *hi = ((s + 1) * max_par - 1) / par;
}

static inline int strom__key_group_owner(int kg, int max_par, int par) {
  if (STROM_LIKELY(strom__pow2(max_par))) return (int)(((int64_t)kg * par) >> __builtin_ctz((unsigned)max_par));
  return (int)((int64_t)kg * par / max_par);
}

/* ---- growable byte buffer ---- */
typedef struct strom_buf {
  char *p;
  size_t len, cap;
} strom_buf;
int strom__buf_reserve(strom_buf *b, size_t extra);
int strom__buf_append(strom_buf *b, const void *p, size_t n);
int strom__buf_printf(strom_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s[0..n) as a quoted JSON string (quote, backslash and control bytes escaped). */
int strom__buf_json_string(strom_buf *b, const char *s, size_t n);
void strom__buf_free(strom_buf *b);

/* ---- value formatting and parsing (CSV, print) ---- */
/* Appends the text form of column col of r (NULL as "null" for print, "" for csv). */
int strom__format_value(strom_buf *b, const strom_row *r, int col, bool csv);
/* A double as Java's Double.toString writes it (single: Float.toString of (float)d),
 * into out (STROM__DOUBLE_TEXT_MAX bytes, NUL-terminated); returns its length.
 * num_text.c. */
#define STROM__DOUBLE_TEXT_MAX 32
size_t strom__double_text(char *out, double d, bool single);
int strom__format_double(strom_buf *b, double d, bool single);
/* Appends the row as Flink prints it: "+I[a, 1]" (its kind, then the values). */
int strom__row_format_buf(strom_buf *b, const strom_row *r);
/* A timestamp as "yyyy-MM-dd HH:mm:ss[.fraction]" (sep between date and time), the
 * fraction as Flink prints TIMESTAMP(precision): at least precision digits, more when
 * nano has them.  nano is read only when precision > 3. */
int strom__format_ts(strom_buf *b, int64_t ms, uint32_t nano, int precision, char sep);
/* The TIMESTAMP(3) form, "yyyy-MM-dd HH:mm:ss.SSS" (strom__format_ts's common case, cheaper). */
void strom__format_ts_ms(strom_buf *b, int64_t ms);
/* "yyyy-MM-dd[( |T)HH:mm:ss[.f{1,9}][Z]]" to milliseconds and the nanoseconds of the
 * millisecond; -1 if malformed or outside years 0000..9999. */
int strom__parse_ts(const char *s, size_t n, int64_t *ms, uint32_t *nano);
/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Hinnant's algorithms). */
int64_t strom__days_from_civil(int64_t y, int64_t m, int64_t d);
void strom__civil_from_days(int64_t days, int64_t *y, int64_t *m, int64_t *d);
/* Sets a TIMESTAMP column to ms and nano, truncated to the column's precision. */
void strom__row_set_ts(strom_row *r, int col, int64_t ms, uint32_t nano);
/* Parses text into column col of r (copying strings); on error writes why to err. */
int strom__parse_value(strom_row *r, int col, const char *s, size_t n, char *err, size_t errlen);

/* ---- wide DECIMAL (precision 19..38; dec128.c) ----
 * A DECIMAL of precision <= 18 is the unscaled int64 in v.i, as always; a wider one is
 * an unscaled 128-bit integer in v.w (two's complement, lo aliasing v.i).  Encoded
 * rows and key bytes carry 16 bytes (lo, then hi) for it, 8 for the narrow one. */
#define STROM_DEC64_DIGITS 18
#define STROM_DEC_MAX_DIGITS 38
static inline bool strom__col_wide(const strom_col *c) { return c->type == STROM_DECIMAL && c->precision > STROM_DEC64_DIGITS; }
static inline __int128 strom__dec128_get(const strom_value *v) {
  return (__int128)(((unsigned __int128)(uint64_t)v->w.hi << 64) | v->w.lo);
}
static inline void strom__dec128_put(strom_value *v, __int128 x) {
  v->w.lo = (uint64_t)x;
  v->w.hi = (int64_t)(x >> 64);
}
__int128 strom__dec128_pow10(int n); /* 10^n for 0 <= n <= 38, else 0 */
extern const unsigned __int128 strom__pow10_128[39];
/* True when |v| < 10^p (p <= 38). */
static inline bool strom__dec128_fits(__int128 v, int p) {
  unsigned __int128 m = v < 0 ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
  return m < strom__pow10_128[p > STROM_DEC_MAX_DIGITS ? STROM_DEC_MAX_DIGITS : p];
}
/* v at scale from to scale to (half up); false if it needs more than p digits. */
bool strom__dec128_rescale(__int128 v, int from, int to, int p, __int128 *out);
/* a * b / 10^drop (half up), exact through 256 bits; false past p digits. */
bool strom__dec128_mul(__int128 a, __int128 b, int drop, int p, __int128 *out);
/* a (scale sa) + or - b (scale sb) at scale s (half up); false past p digits. */
bool strom__dec128_addsub(__int128 a, int sa, __int128 b, int sb, bool sub, int s, int p, __int128 *out);
/* a * 10^up / b (half up; up may be negative); false past p digits or b == 0. */
bool strom__dec128_div(__int128 a, int up, __int128 b, int p, __int128 *out);
/* Appends v (unscaled) with scale digits after the point. */
void strom__dec128_format(strom_buf *b, __int128 v, int scale);
/* Text to an unscaled value of precision p and scale s: 0, -1 malformed, -2 more than
 * p digits, -3 more fractional digits than s (only when !round; round: half up). */
int strom__dec128_parse(const char *s, size_t n, int p, int scale, bool round, __int128 *out);

/* ---- time ---- */
int64_t strom__now_ms(void);     /* wall clock */
int64_t strom__mono_ns(void);    /* monotonic */

/* ---- logging (stderr; level from STROM_LOG=debug|info|warn|error) ---- */
enum { STROM_LOG_DEBUG, STROM_LOG_INFO, STROM_LOG_WARN, STROM_LOG_ERROR };
void strom__log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- cache lines ----
 * Objects that a thread writes on every record (operators, their scratch rows, input
 * rows, writers, channels) get cache lines of their own: zeroed memory aligned to 64
 * bytes with the size rounded up to 64, so that no other thread's object shares a
 * line with them (false sharing).  Free with free(). */
#define STROM_CACHE_LINE 64
static inline size_t strom__round_line(size_t n) {
  return n ? (n + STROM_CACHE_LINE - 1) & ~(size_t)(STROM_CACHE_LINE - 1) : STROM_CACHE_LINE;
}
static inline void *strom__alloc_lines(size_t n) {
  n = strom__round_line(n);
  void *p = aligned_alloc(STROM_CACHE_LINE, n);
  if (STROM_LIKELY(p)) memset(p, 0, n);
  else strom__log(STROM_LOG_ERROR, "out of memory allocating %zu bytes", n);
  return p;
}

#endif
