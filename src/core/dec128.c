/*
 * dec128.c -- wide DECIMAL values (precision 19..38): an unscaled 128-bit integer held
 * in the two words of a strom_value.  Text in and out, rescaling, and the products and
 * quotients whose exact intermediate needs more than 128 bits (38 digits times 38
 * digits), which go through a 256-bit unsigned integer of four 64-bit limbs.  Rounding
 * is half up (away from zero), as Flink's BigDecimal.setScale(s, HALF_UP); every
 * function works on magnitudes and puts the sign back, so no value is ever negated at
 * the type's minimum (|v| < 10^38 < 2^127).
 */
#include "core.h"

typedef unsigned __int128 u128;

/* 10^0 .. 10^38 (a 128-bit constant has no literal form in C: products of 64-bit ones). */
const unsigned __int128 strom__pow10_128[39] = {
    (u128)1ull, (u128)10ull, (u128)100ull,
    (u128)1000ull, (u128)10000ull, (u128)100000ull,
    (u128)1000000ull, (u128)10000000ull, (u128)100000000ull,
    (u128)1000000000ull, (u128)10000000000ull, (u128)100000000000ull,
    (u128)1000000000000ull, (u128)10000000000000ull, (u128)100000000000000ull,
    (u128)1000000000000000ull, (u128)10000000000000000ull, (u128)100000000000000000ull,
    (u128)1000000000000000000ull, (u128)10000000000000000000ull, (u128)10000000000000000000ull * 10ull,
    (u128)10000000000000000000ull * 100ull, (u128)10000000000000000000ull * 1000ull, (u128)10000000000000000000ull * 10000ull,
    (u128)10000000000000000000ull * 100000ull, (u128)10000000000000000000ull * 1000000ull, (u128)10000000000000000000ull * 10000000ull,
    (u128)10000000000000000000ull * 100000000ull, (u128)10000000000000000000ull * 1000000000ull, (u128)10000000000000000000ull * 10000000000ull,
    (u128)10000000000000000000ull * 100000000000ull, (u128)10000000000000000000ull * 1000000000000ull, (u128)10000000000000000000ull * 10000000000000ull,
    (u128)10000000000000000000ull * 100000000000000ull, (u128)10000000000000000000ull * 1000000000000000ull, (u128)10000000000000000000ull * 10000000000000000ull,
    (u128)10000000000000000000ull * 100000000000000000ull, (u128)10000000000000000000ull * 1000000000000000000ull, (u128)10000000000000000000ull * 10000000000000000000ull,
};

__int128 strom__dec128_pow10(int n) { return n >= 0 && n <= 38 ? (__int128)strom__pow10_128[n] : 0; }

static inline u128 umag(__int128 v) { return v < 0 ? (u128)0 - (u128)v : (u128)v; }

/* ---- 256-bit magnitudes ---- */

typedef struct {
  uint64_t w[4]; /* little-endian limbs */
} u256;

static u256 u256_of(u128 x) { return (u256){{(uint64_t)x, (uint64_t)(x >> 64), 0, 0}}; }

static u256 u256_mul(u128 a, u128 b) {
  uint64_t x[2] = {(uint64_t)a, (uint64_t)(a >> 64)}, y[2] = {(uint64_t)b, (uint64_t)(b >> 64)};
  u256 r = {{0, 0, 0, 0}};
  for (int i = 0; i < 2; i++) {
    u128 carry = 0;
    for (int j = 0; j < 2; j++) {
      u128 t = (u128)x[i] * y[j] + r.w[i + j] + carry;
      r.w[i + j] = (uint64_t)t;
      carry = t >> 64;
    }
    r.w[i + 2] = (uint64_t)carry;
  }
  return r;
}

/* x /= d; returns x % d. */
static uint64_t u256_divmod64(u256 *x, uint64_t d) {
  u128 rem = 0;
  for (int i = 3; i >= 0; i--) {
    u128 cur = rem << 64 | x->w[i];
    x->w[i] = (uint64_t)(cur / d);
    rem = cur % d;
  }
  return (uint64_t)rem;
}

static bool u256_fits128(const u256 *x) { return !x->w[2] && !x->w[3]; }
static u128 u256_lo(const u256 *x) { return (u128)x->w[1] << 64 | x->w[0]; }

/* x /= d for d < 2^127 by shift and subtract (the rare case: a numerator past 128
 * bits); returns x % d. */
static u128 u256_divmod128(u256 *x, u128 d) {
  if (!(d >> 64)) return u256_divmod64(x, (uint64_t)d);
  u128 rem = 0;
  u256 q = {{0, 0, 0, 0}};
  int top = 3;
  while (top > 0 && !x->w[top]) top--;
  for (int i = top * 64 + 63; i >= 0; i--) {
    rem = rem << 1 | ((x->w[i >> 6] >> (i & 63)) & 1);
    if (rem >= d) {
      rem -= d;
      q.w[i >> 6] |= (uint64_t)1 << (i & 63);
    }
  }
  *x = q;
  return rem;
}

/* x / 10^k rounded half up, into out if it fits 128 bits. */
static bool u256_div_pow10_round(u256 x, int k, u128 *out) {
  if (k > 0) {
    int left = k - 1;
    while (left > 0) {
      int step = left > 19 ? 19 : left;
      u256_divmod64(&x, (uint64_t)strom__dec128_pow10(step));
      left -= step;
    }
    uint64_t digit = u256_divmod64(&x, 10);
    if (digit >= 5) {
      for (int i = 0; i < 4 && !++x.w[i]; i++) {
      }
    }
  }
  if (!u256_fits128(&x)) return false;
  *out = u256_lo(&x);
  return true;
}

/* ---- arithmetic ---- */

bool strom__dec128_rescale(__int128 v, int from, int to, int p, __int128 *out) {
  u128 m = umag(v), r;
  if (to >= from) {
    if (to - from > 38) return m == 0 ? (*out = 0, true) : false;
    if (__builtin_mul_overflow(m, (u128)strom__dec128_pow10(to - from), &r)) return false;
  } else if (!u256_div_pow10_round(u256_of(m), from - to, &r)) {
    return false;
  }
  if (r >= (u128)strom__dec128_pow10(p > 38 ? 38 : p)) return false;
  *out = v < 0 ? -(__int128)r : (__int128)r;
  return true;
}

bool strom__dec128_mul(__int128 a, __int128 b, int drop, int p, __int128 *out) {
  u128 r;
  u256 prod = u256_mul(umag(a), umag(b));
  if (drop < 0) return false;
  if (!u256_div_pow10_round(prod, drop, &r) || r >= (u128)strom__dec128_pow10(p > 38 ? 38 : p)) return false;
  *out = (a < 0) != (b < 0) ? -(__int128)r : (__int128)r;
  return true;
}

bool strom__dec128_addsub(__int128 a, int sa, __int128 b, int sb, bool sub, int s, int p, __int128 *out) {
  int w = sa > sb ? sa : sb;
  __int128 x, y, v;
  if (w - sa <= 38 && w - sb <= 38 && !__builtin_mul_overflow(a, strom__dec128_pow10(w - sa), &x) &&
      !__builtin_mul_overflow(b, strom__dec128_pow10(w - sb), &y) &&
      !(sub ? __builtin_sub_overflow(x, y, &v) : __builtin_add_overflow(x, y, &v)))
    return strom__dec128_rescale(v, w, s, p, out);
  /* The aligned operands need more than 128 bits (a scale of up to 38 on 38 integer
   * digits): add their magnitudes as 256-bit numbers, sign and magnitude apart. */
  if (w - sa > 38 || w - sb > 38) return false;
  bool na = a < 0, nb = (b < 0) != sub;
  u256 ma = u256_mul(umag(a), (u128)strom__dec128_pow10(w - sa));
  u256 mb = u256_mul(umag(b), (u128)strom__dec128_pow10(w - sb));
  u256 m;
  bool neg;
  if (na == nb) {
    u128 carry = 0;
    for (int i = 0; i < 4; i++) {
      u128 t = (u128)ma.w[i] + mb.w[i] + carry;
      m.w[i] = (uint64_t)t;
      carry = t >> 64;
    }
    neg = na;
  } else {
    int cmp = 0;
    for (int i = 3; i >= 0 && !cmp; i--) cmp = ma.w[i] < mb.w[i] ? -1 : ma.w[i] > mb.w[i];
    const u256 *hi = cmp >= 0 ? &ma : &mb, *lo = cmp >= 0 ? &mb : &ma;
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
      u128 t = (u128)hi->w[i] - lo->w[i] - borrow;
      m.w[i] = (uint64_t)t;
      borrow = (uint64_t)(t >> 64) & 1;
    }
    neg = cmp >= 0 ? na : nb;
  }
  u128 r;
  if (s > w || !u256_div_pow10_round(m, w - s, &r) || r >= (u128)strom__dec128_pow10(p > 38 ? 38 : p)) return false;
  *out = neg ? -(__int128)r : (__int128)r;
  return true;
}

bool strom__dec128_div(__int128 a, int up, __int128 b, int p, __int128 *out) {
  u128 ma = umag(a), mb = umag(b), q, r, lim;
  if (!mb) return false;
  if (p > 38) p = 38;
  lim = (u128)strom__dec128_pow10(p);
  if (up < 0) { /* a / (b 10^k): when b 10^k passes 128 bits it exceeds 2a, so 0 */
    u128 d;
    if (-up > 38 || __builtin_mul_overflow(mb, (u128)strom__dec128_pow10(-up), &d)) q = 0, r = 0, mb = 1;
    else q = ma / d, r = ma % d, mb = d;
  } else {
    /* Long division up to 38 digits at a time: the remainder (< b < 2^127) times 10^38
     * fits 256 bits; the quotient gains those digits while it stays below 10^p. */
    q = ma / mb, r = ma % mb;
    while (up > 0) {
      int k = up > 38 ? 38 : up;
      if (q && (k > p || q >= (u128)strom__dec128_pow10(p - k))) return false;
      u128 pk = (u128)strom__dec128_pow10(k);
      u256 num = u256_mul(r, pk);
      r = u256_divmod128(&num, mb);
      q = q * pk + u256_lo(&num);
      up -= k;
    }
  }
  if (r >= mb - r) q++; /* half up: 2r >= b, without overflowing 2r */
  if (q >= lim) return false;
  *out = (a < 0) != (b < 0) ? -(__int128)q : (__int128)q;
  return true;
}

/* ---- text ---- */

void strom__dec128_format(strom_buf *b, __int128 v, int scale) {
  char d[48];
  u128 m = umag(v);
  int n = 0;
  /* digits from the least significant, 19 at a time (two 128-bit divisions at most) */
  char rev[48];
  do {
    uint64_t chunk = (uint64_t)(m % (u128)10000000000000000000ull);
    m /= (u128)10000000000000000000ull;
    for (int i = 0; i < 19 && (chunk || m); i++) rev[n++] = (char)('0' + chunk % 10), chunk /= 10;
  } while (m);
  while (n < scale + 1) rev[n++] = '0';
  for (int i = 0; i < n; i++) d[i] = rev[n - 1 - i];
  if (v < 0) strom__buf_append(b, "-", 1);
  strom__buf_append(b, d, (size_t)(n - scale));
  if (scale) {
    strom__buf_append(b, ".", 1);
    strom__buf_append(b, d + n - scale, (size_t)scale);
  }
}

int strom__dec128_parse(const char *s, size_t n, int p, int scale, bool round, __int128 *out) {
  size_t i = 0;
  bool neg = false;
  if (p > 38) p = 38;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  u128 v = 0;
  int intd = 0, frac = 0;
  bool any = false, up = false;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, any = true) {
    if (v == 0 && s[i] == '0') continue;
    if (++intd > p - scale) return -2;
    v = v * 10 + (u128)(s[i] - '0');
  }
  if (i < n && s[i] == '.') {
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, any = true) {
      if (frac < scale) v = v * 10 + (u128)(s[i] - '0'), frac++;
      else if (!round && s[i] != '0') return -3;
      else if (frac == scale) up = s[i] >= '5', frac++;
    }
  }
  if (!any || i != n) return -1;
  for (; frac < scale; frac++) v *= 10;
  if (up) v += 1;
  if (v >= (u128)strom__dec128_pow10(p)) return -2;
  *out = neg ? -(__int128)v : (__int128)v;
  return 0;
}
