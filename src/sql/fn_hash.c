/*
 * fn_hash.c -- the hash and id functions of Flink's function reference: MD5, SHA1,
 * SHA224, SHA256, SHA384, SHA512, SHA2(s, bits) and UUID().  A hash is of the string's
 * UTF-8 bytes and is returned as lowercase hex, as Flink's EncodingUtils.hex gives it.
 * The digests are written here from their specifications (RFC 1321 for MD5, FIPS 180-4
 * for the SHA family), small enough that a library dependency would cost more.  UUID()
 * is a random version 4 id; it is not strict and has no arguments, so nothing folds it.
 */
#include <math.h>
#include <strings.h>
#include <sys/random.h>

#include "sql_int.h"

static const sql_type T_STR = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX}, T_INT = {.id = STROM_INT};

/* ---- the digests: each takes the whole message (strings are in memory anyway) ---- */

static uint32_t rol32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
static uint32_t ror32(uint32_t x, int k) { return (x >> k) | (x << (32 - k)); }
static uint64_t ror64(uint64_t x, int k) { return (x >> k) | (x << (64 - k)); }

/* Feeds msg plus the Merkle-Damgard padding (0x80, zeros, the bit length in lenbytes
 * bytes, big- or little-endian) to block() one block of bs bytes at a time. */
static void pad_blocks(const uint8_t *msg, size_t n, size_t bs, size_t lenbytes, bool big, void (*block)(void *st, const uint8_t *b),
                       void *st) {
  size_t i = 0;
  for (; i + bs <= n; i += bs) block(st, msg + i);
  uint8_t tail[256] = {0};
  size_t r = n - i;
  memcpy(tail, msg + i, r);
  tail[r] = 0x80;
  size_t total = r + 1 + lenbytes <= bs ? bs : 2 * bs;
  uint64_t bits = (uint64_t)n * 8;
  for (size_t k = 0; k < 8; k++) {
    uint8_t byte = (uint8_t)(bits >> (8 * k));
    if (big) tail[total - 1 - k] = byte;
    else tail[total - lenbytes + k] = byte;
  }
  block(st, tail);
  if (total == 2 * bs) block(st, tail + bs);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

/* MD5 (RFC 1321): per-round shifts and the sine-derived constants, computed once. */
static const int md5_s[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};
static void md5_block(void *st, const uint8_t *b) {
  uint32_t *h = st, m[16], a = h[0], bb = h[1], c = h[2], d = h[3];
  for (int i = 0; i < 16; i++) m[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
  for (int i = 0; i < 64; i++) {
    uint32_t f;
    int g;
    if (i < 16) f = (bb & c) | (~bb & d), g = i;
    else if (i < 32) f = (d & bb) | (~d & c), g = (5 * i + 1) % 16;
    else if (i < 48) f = bb ^ c ^ d, g = (3 * i + 5) % 16;
    else f = c ^ (bb | ~d), g = (7 * i) % 16;
    uint32_t k = (uint32_t)(fabs(sin((double)(i + 1))) * 4294967296.0);
    uint32_t t = d;
    d = c, c = bb;
    bb = bb + rol32(a + f + k + m[g], md5_s[(i / 16) * 4 + i % 4]);
    a = t;
  }
  h[0] += a, h[1] += bb, h[2] += c, h[3] += d;
}

static void sha1_block(void *st, const uint8_t *b) {
  uint32_t *h = st, w[80], a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 16; i++) w[i] = be32(b + 4 * i);
  for (int i = 16; i < 80; i++) w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) f = (bb & c) | (~bb & d), k = 0x5A827999;
    else if (i < 40) f = bb ^ c ^ d, k = 0x6ED9EBA1;
    else if (i < 60) f = (bb & c) | (bb & d) | (c & d), k = 0x8F1BBCDC;
    else f = bb ^ c ^ d, k = 0xCA62C1D6;
    uint32_t t = rol32(a, 5) + f + e + k + w[i];
    e = d, d = c, c = rol32(bb, 30), bb = a, a = t;
  }
  h[0] += a, h[1] += bb, h[2] += c, h[3] += d, h[4] += e;
}

static const uint32_t k256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
    0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
    0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
    0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
    0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static void sha256_block(void *st, const uint8_t *b) {
  uint32_t *h = st, w[64], v[8];
  for (int i = 0; i < 16; i++) w[i] = be32(b + 4 * i);
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(v, h, sizeof v);
  for (int i = 0; i < 64; i++) {
    uint32_t S1 = ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25), ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
    uint32_t t1 = v[7] + S1 + ch + k256[i] + w[i];
    uint32_t S0 = ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22), maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
    memmove(v + 1, v, 7 * sizeof *v);
    v[4] += t1;
    v[0] = t1 + S0 + maj;
  }
  for (int i = 0; i < 8; i++) h[i] += v[i];
}

static const uint64_t k512[80] = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538, 0x59f111f1b605d019,
    0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3,
    0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65, 0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
    0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b, 0xa2bfe8a14cf10364, 0xa81a664bbc423001,
    0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb,
    0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c, 0xd186b8c721c0c207,
    0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a,
    0x5fcb6fab3ad6faec, 0x6c44198c4a475817};

static void sha512_block(void *st, const uint8_t *b) {
  uint64_t *h = st, w[80], v[8];
  for (int i = 0; i < 16; i++) w[i] = be64(b + 8 * i);
  for (int i = 16; i < 80; i++) {
    uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
    uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(v, h, sizeof v);
  for (int i = 0; i < 80; i++) {
    uint64_t S1 = ror64(v[4], 14) ^ ror64(v[4], 18) ^ ror64(v[4], 41), ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
    uint64_t t1 = v[7] + S1 + ch + k512[i] + w[i];
    uint64_t S0 = ror64(v[0], 28) ^ ror64(v[0], 34) ^ ror64(v[0], 39), maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
    memmove(v + 1, v, 7 * sizeof *v);
    v[4] += t1;
    v[0] = t1 + S0 + maj;
  }
  for (int i = 0; i < 8; i++) h[i] += v[i];
}

/* The digest of msg by algorithm bits (5: MD5, 1: SHA-1, else the SHA-2 output size)
 * into out; returns its length in bytes, 0 for an unknown algorithm. */
static size_t digest(int bits, const uint8_t *msg, size_t n, uint8_t *out) {
  if (bits == 5) {
    uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    pad_blocks(msg, n, 64, 8, false, md5_block, h);
    for (int i = 0; i < 16; i++) out[i] = (uint8_t)(h[i / 4] >> (8 * (i % 4)));
    return 16;
  }
  if (bits == 1) {
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    pad_blocks(msg, n, 64, 8, true, sha1_block, h);
    for (int i = 0; i < 20; i++) out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
    return 20;
  }
  if (bits == 224 || bits == 256) {
    static const uint32_t i224[8] = {0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4};
    static const uint32_t i256[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint32_t h[8];
    memcpy(h, bits == 224 ? i224 : i256, sizeof h);
    pad_blocks(msg, n, 64, 8, true, sha256_block, h);
    for (int i = 0; i < bits / 8; i++) out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
    return (size_t)bits / 8;
  }
  if (bits == 384 || bits == 512) {
    static const uint64_t i384[8] = {0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
                                     0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4};
    static const uint64_t i512[8] = {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
                                     0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};
    uint64_t h[8];
    memcpy(h, bits == 384 ? i384 : i512, sizeof h);
    pad_blocks(msg, n, 128, 16, true, sha512_block, h);
    for (int i = 0; i < bits / 8; i++) out[i] = (uint8_t)(h[i / 8] >> (56 - 8 * (i % 8)));
    return (size_t)bits / 8;
  }
  return 0;
}

/* ---- the SQL functions ---- */

static int ck_hash(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  for (int i = 0; i < e->n; i++) {
    const sql_type *t = i ? &T_INT : &T_STR;
    if (!e->a[i]->type.id) e->a[i]->type = *t;
    if (e->a[i]->type.id == t->id && !e->a[i]->type.kind) continue;
    if (!sql_can_cast(&e->a[i]->type, t)) {
      snprintf(err, errlen, "%s: argument %d must be %s", e->fn->name, i + 1, i ? "an integer" : "a string");
      return STROM_EINVAL;
    }
    if (!(e->a[i] = sql_cast_to(a, e->a[i], t))) return STROM_ENOMEM;
  }
  e->type = T_STR;
  return 0;
}

static int f_hash(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  const char *n = e->fn->name;
  int bits = !strcmp(n, "MD5") ? 5 : !strcmp(n, "SHA1") ? 1 : !strcmp(n, "SHA2") ? (int)a[1].i : atoi(n + 3);
  uint8_t d[64];
  size_t k = digest(bits, (const uint8_t *)a[0].s.p, a[0].s.n, d);
  if (!k) { /* SHA2 with a length other than 224, 256, 384 or 512: Flink gives NULL */
    out->null = true;
    return 0;
  }
  char *p = sql_ectx_alloc(c, 2 * k + 1);
  if (!p) return STROM_ENOMEM;
  for (size_t i = 0; i < k; i++) p[2 * i] = "0123456789abcdef"[d[i] >> 4], p[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
  out->s.p = p, out->s.n = (uint32_t)(2 * k);
  return 0;
}

static int ck_uuid(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a, (void)err, (void)errlen;
  e->type = T_STR;
  e->type.not_null = true;
  return 0;
}

static int f_uuid(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e, (void)a;
  uint8_t r[16];
  if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) return sql_ectx_fail(c, "UUID: no random bytes from the system");
  r[6] = (uint8_t)((r[6] & 0x0F) | 0x40); /* version 4 */
  r[8] = (uint8_t)((r[8] & 0x3F) | 0x80); /* the RFC 4122 variant */
  char *p = sql_ectx_alloc(c, 37);
  if (!p) return STROM_ENOMEM;
  size_t k = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) p[k++] = '-';
    p[k++] = "0123456789abcdef"[r[i] >> 4], p[k++] = "0123456789abcdef"[r[i] & 15];
  }
  out->s.p = p, out->s.n = 36;
  return 0;
}

static const sql_func funcs[] = {
    {"MD5", 1, 1, true, ck_hash, f_hash},    {"SHA1", 1, 1, true, ck_hash, f_hash},   {"SHA224", 1, 1, true, ck_hash, f_hash},
    {"SHA256", 1, 1, true, ck_hash, f_hash}, {"SHA384", 1, 1, true, ck_hash, f_hash}, {"SHA512", 1, 1, true, ck_hash, f_hash},
    {"SHA2", 2, 2, true, ck_hash, f_hash},   {"UUID", 0, 0, false, ck_uuid, f_uuid},
};

const sql_func *sql_hash_func_find(const char *name) {
  return SQL_FUNC_IN(funcs, name);
}
