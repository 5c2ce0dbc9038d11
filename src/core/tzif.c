/*
 * tzif.c -- reads the compiled time zone files of the IANA database (TZif, RFC 8536,
 * versions 1-4) and answers "what is the UTC offset of this region at this instant or
 * at this wall-clock time".  CONVERT_TZ uses it instead of swapping the TZ variable,
 * because setenv while task threads call getenv can crash (environ is reallocated).
 *
 * A file lists transitions (UTC instants) and the offset each starts; version 2+
 * files repeat the table with 64-bit times after the 32-bit one, and end with a POSIX
 * TZ string ("PST8PDT,M3.2.0,M11.1.0") that gives the rule for instants after the last
 * transition -- fat files stop listing at 2037, slim ones much earlier, so the rule is
 * what answers for future instants.  Leap-second records are skipped: "right/" zones
 * are read as if they had none.
 *
 * Every count, index and offset is checked before use: a malformed file is refused
 * (an unknown zone), never read past its end.  Parsed zones are immutable and cached
 * for the life of the process, keyed by their file path, under a mutex.
 */
#include "tzif.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

/* Offsets beyond a day either way do not occur in the database; the bound keeps all
 * arithmetic on them far from overflow. */
#define MAX_UTOFF (26 * 3600)
/* Instants are clamped to about +-35 million years, where day and year arithmetic in
 * int64 stays exact. */
#define MAX_INSTANT ((int64_t)1 << 50)
#define MAX_FILE (1 << 20)

/* A POSIX TZ rule date: Jn (1..365, February 29 never counted), n (0..365, counted),
 * or Mm.w.d (day d of week w of month m; week 5 is the last). */
typedef struct rule_date {
  char kind; /* 'J', 'n' or 'M' */
  int n, m, w, d;
  int32_t time; /* seconds after local midnight, in the offset in effect before it */
} rule_date;

typedef struct posix_tz {
  int32_t std_off, dst_off; /* seconds east of UTC */
  bool has_dst;
  rule_date start, end;
} posix_tz;

struct strom__tz {
  uint32_t ntimes, ntypes;
  int64_t *times;  /* ascending transition instants */
  uint8_t *idx;    /* the type each transition starts */
  int32_t *offs;   /* the UTC offset of each type */
  bool has_footer; /* instants after the last transition follow footer */
  posix_tz footer;
};

/* ---- calendar ---- */

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, m 1..12). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  int64_t py = y - 1; /* leap days in the years before y, against those before 1970 */
  int64_t leaps = floor_div(py, 4) - floor_div(py, 100) + floor_div(py, 400) - (492 - 19 + 4);
  int64_t days = (y - 1970) * 365 + leaps + before[m - 1] + (d - 1);
  if (m > 2 && is_leap(y)) days++;
  return days;
}

static int64_t year_of_day(int64_t day) {
  int64_t y = 1970 + floor_div(day * 400, 146097);
  while (days_from_civil(y, 1, 1) > day) y--;
  while (days_from_civil(y + 1, 1, 1) <= day) y++;
  return y;
}

/* The day (since 1970) a rule date falls on in year y. */
static int64_t rule_day(const rule_date *r, int64_t y) {
  int64_t jan1 = days_from_civil(y, 1, 1);
  if (r->kind == 'J') return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
  if (r->kind == 'n') return jan1 + r->n;
  int64_t first = days_from_civil(y, r->m, 1);
  int64_t next = r->m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, r->m + 1, 1);
  int dow = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
  int64_t day = first + (r->d - dow + 7) % 7 + (int64_t)(r->w - 1) * 7;
  while (day >= next) day -= 7;
  return day;
}

static int32_t footer_offset(const posix_tz *f, int64_t t) {
  if (!f->has_dst) return f->std_off;
  int64_t y = year_of_day(floor_div(t + f->std_off, 86400));
  int64_t start = rule_day(&f->start, y) * 86400 + f->start.time - f->std_off;
  int64_t end = rule_day(&f->end, y) * 86400 + f->end.time - f->dst_off;
  bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start); /* south: DST spans new year */
  return dst ? f->dst_off : f->std_off;
}

/* ---- POSIX TZ strings (the TZif footer) ---- */

static bool p_name(const char **s) {
  const char *p = *s;
  size_t n = 0;
  if (*p == '<') {
    p++;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '+' || *p == '-')
      p++, n++;
    if (*p++ != '>') return false;
  } else {
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) p++, n++;
  }
  *s = p;
  return n >= 3;
}

static bool p_num(const char **s, int max, int *out) {
  const char *p = *s;
  int v = 0, digits = 0;
  while (*p >= '0' && *p <= '9' && digits < 3) v = v * 10 + (*p++ - '0'), digits++;
  if (!digits || v > max) return false;
  *s = p, *out = v;
  return true;
}

/* [+-]hh[:mm[:ss]] in seconds; hours up to 167 as version 3 allows for rule times. */
static bool p_hms(const char **s, int32_t *out) {
  int sign = 1, h, m = 0, sec = 0;
  if (**s == '+' || **s == '-') sign = *(*s)++ == '-' ? -1 : 1;
  if (!p_num(s, 167, &h)) return false;
  if (**s == ':') {
    (*s)++;
    if (!p_num(s, 59, &m)) return false;
    if (**s == ':') {
      (*s)++;
      if (!p_num(s, 59, &sec)) return false;
    }
  }
  *out = sign * (h * 3600 + m * 60 + sec);
  return true;
}

static bool p_rule(const char **s, rule_date *r) {
  const char *p = *s;
  memset(r, 0, sizeof *r);
  if (*p == 'J') {
    p++, r->kind = 'J';
    if (!p_num(&p, 365, &r->n) || r->n < 1) return false;
  } else if (*p == 'M') {
    p++, r->kind = 'M';
    if (!p_num(&p, 12, &r->m) || r->m < 1 || *p++ != '.') return false;
    if (!p_num(&p, 5, &r->w) || r->w < 1 || *p++ != '.') return false;
    if (!p_num(&p, 6, &r->d)) return false;
  } else {
    r->kind = 'n';
    if (!p_num(&p, 365, &r->n)) return false;
  }
  r->time = 7200;
  if (*p == '/' && (p++, !p_hms(&p, &r->time))) return false;
  *s = p;
  return true;
}

/* Parses the n bytes at s (no NUL needed) as a POSIX TZ string; offsets in it count
 * west of UTC, so they are negated. */
static bool parse_posix(const char *s0, size_t n, posix_tz *f) {
  char buf[128];
  if (n >= sizeof buf) return false;
  memcpy(buf, s0, n), buf[n] = 0;
  const char *s = buf;
  int32_t off;
  memset(f, 0, sizeof *f);
  if (!p_name(&s) || !p_hms(&s, &off) || off > MAX_UTOFF || off < -MAX_UTOFF) return false;
  f->std_off = -off;
  if (!*s) return true;
  if (!p_name(&s)) return false;
  f->has_dst = true;
  f->dst_off = f->std_off + 3600;
  if (*s && *s != ',') {
    if (!p_hms(&s, &off) || off > MAX_UTOFF || off < -MAX_UTOFF) return false;
    f->dst_off = -off;
  }
  if (f->dst_off > MAX_UTOFF || f->dst_off < -MAX_UTOFF) return false; /* std + 1 h may be too far */
  if (!*s) { /* no rule: the US rule POSIX implementations assume */
    f->start = (rule_date){.kind = 'M', .m = 3, .w = 2, .d = 0, .time = 7200};
    f->end = (rule_date){.kind = 'M', .m = 11, .w = 1, .d = 0, .time = 7200};
    return true;
  }
  if (*s++ != ',' || !p_rule(&s, &f->start) || *s++ != ',' || !p_rule(&s, &f->end)) return false;
  return *s == 0;
}

/* ---- TZif ---- */

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

enum { C_ISUT, C_ISSTD, C_LEAP, C_TIME, C_TYPE, C_CHAR };

/* Reads a 44-byte header; returns the version byte or -1. */
static int header(const uint8_t *p, size_t n, uint32_t c[6]) {
  if (n < 44 || memcmp(p, "TZif", 4)) return -1;
  for (int i = 0; i < 6; i++) {
    c[i] = be32(p + 20 + 4 * i);
    if (c[i] > 1000000) return -1; /* keeps the size sums below far from overflow */
  }
  return p[4];
}

static size_t block_size(const uint32_t c[6], size_t tsize) {
  return (size_t)c[C_TIME] * (tsize + 1) + (size_t)c[C_TYPE] * 6 + c[C_CHAR] + (size_t)c[C_LEAP] * (tsize + 4) +
         c[C_ISSTD] + c[C_ISUT];
}

/* Fills tz from the data block at p (already known to be inside the input). */
static bool read_block(strom__tz *tz, const uint8_t *p, const uint32_t c[6], size_t tsize) {
  uint32_t nt = c[C_TIME], ny = c[C_TYPE];
  if (ny < 1 || ny > 256) return false;
  if ((c[C_ISSTD] && c[C_ISSTD] != ny) || (c[C_ISUT] && c[C_ISUT] != ny)) return false;
  tz->times = malloc(sizeof *tz->times * (nt ? nt : 1));
  tz->idx = malloc(nt ? nt : 1);
  tz->offs = malloc(sizeof *tz->offs * ny);
  if (!tz->times || !tz->idx || !tz->offs) return false;
  for (uint32_t i = 0; i < nt; i++) {
    const uint8_t *q = p + (size_t)i * tsize;
    tz->times[i] = tsize == 8 ? (int64_t)be64(q) : (int64_t)(int32_t)be32(q);
    if (i && tz->times[i] <= tz->times[i - 1]) return false;
  }
  p += (size_t)nt * tsize;
  for (uint32_t i = 0; i < nt; i++)
    if ((tz->idx[i] = p[i]) >= ny) return false;
  p += nt;
  for (uint32_t i = 0; i < ny; i++, p += 6) {
    int32_t off = (int32_t)be32(p);
    if (off > MAX_UTOFF || off < -MAX_UTOFF || p[4] > 1) return false;
    tz->offs[i] = off;
  }
  tz->ntimes = nt, tz->ntypes = ny;
  return true;
}

strom__tz *strom__tz_parse(const uint8_t *p, size_t n) {
  uint32_t c[6];
  int version = header(p, n, c);
  if (version != 0 && version != '2' && version != '3' && version != '4') return NULL;
  size_t b1 = block_size(c, 4);
  if (b1 > n - 44) return NULL;
  strom__tz *tz = calloc(1, sizeof *tz);
  if (!tz) return NULL;
  if (version == 0) {
    if (!read_block(tz, p + 44, c, 4)) goto bad;
    return tz;
  }
  /* version 2+: skip the 32-bit data to the 64-bit header, data and footer */
  p += 44 + b1, n -= 44 + b1;
  if (header(p, n, c) != version) goto bad;
  size_t b2 = block_size(c, 8);
  if (b2 > n - 44 || !read_block(tz, p + 44, c, 8)) goto bad;
  p += 44 + b2, n -= 44 + b2;
  if (n < 2 || p[0] != '\n') goto bad;
  const uint8_t *nl = memchr(p + 1, '\n', n - 1);
  if (!nl) goto bad;
  size_t flen = (size_t)(nl - p - 1);
  if (flen) {
    if (!parse_posix((const char *)p + 1, flen, &tz->footer)) goto bad;
    tz->has_footer = true;
  }
  return tz;
bad:
  strom__tz_free(tz);
  return NULL;
}

void strom__tz_free(strom__tz *tz) {
  if (!tz) return;
  free(tz->times), free(tz->idx), free(tz->offs), free(tz);
}

static int64_t clamp(int64_t t) { return t > MAX_INSTANT ? MAX_INSTANT : t < -MAX_INSTANT ? -MAX_INSTANT : t; }

int32_t strom__tz_utc_offset(const strom__tz *tz, int64_t t) {
  t = clamp(t);
  if (!tz->ntimes) return tz->has_footer ? footer_offset(&tz->footer, t) : tz->offs[0];
  if (t < tz->times[0]) return tz->offs[0];
  uint32_t lo = 0, hi = tz->ntimes; /* the last transition at or before t */
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (tz->times[mid] <= t) lo = mid;
    else hi = mid;
  }
  if (lo == tz->ntimes - 1 && tz->has_footer) return footer_offset(&tz->footer, t);
  return tz->offs[tz->idx[lo]];
}

/* The offset a day earlier is the one before any transition near wall (transitions in
 * the database are weeks apart).  If reading wall with it lands in its own span, it
 * is the answer (also for a doubled time: the earlier instant).  Otherwise the offset
 * where that lands is tried; if that does not hold either, wall is in a gap and keeps
 * the earlier offset, which moves it forward by the gap. */
int32_t strom__tz_local_offset(const strom__tz *tz, int64_t wall) {
  wall = clamp(wall);
  int32_t before = strom__tz_utc_offset(tz, wall - 86400);
  int32_t there = strom__tz_utc_offset(tz, wall - before);
  if (there == before) return before;
  if (strom__tz_utc_offset(tz, wall - there) == there) return there;
  return before;
}

/* ---- the process-wide cache of zone files ---- */

typedef struct tz_entry {
  char *path;
  strom__tz *tz; /* NULL: rc says why the file is not a zone */
  int rc;
} tz_entry;

#define MAX_CACHED 4096

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static tz_entry *cache;
static size_t ncache, capcache;

static bool valid_name(const char *z) {
  if (!*z || *z == '/' || strstr(z, "..") || strlen(z) > 255) return false;
  for (const char *p = z; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
          *p == '+' || *p == '-' || *p == '/'))
      return false;
  return true;
}

static int load_file(const char *path, strom__tz **out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return STROM_EIO;
  struct stat st;
  uint8_t *buf = NULL;
  int rc = STROM_EIO;
  if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE) goto done;
  size_t n = (size_t)st.st_size, got = 0;
  if (!(buf = malloc(n ? n : 1))) {
    rc = STROM_ENOMEM;
    goto done;
  }
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r <= 0) goto done;
    got += (size_t)r;
  }
  *out = strom__tz_parse(buf, n);
  rc = *out ? STROM_OK : STROM_EPARSE;
done:
  free(buf);
  close(fd);
  return rc;
}

/* Finds or loads the zone; the returned zone lives as long as the process. */
static int zone_get(const char *zone, const strom__tz **out) {
  if (!valid_name(zone)) return STROM_EINVAL;
  const char *dir = getenv("TZDIR");
  if (!dir || !*dir) dir = "/usr/share/zoneinfo";
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, zone) >= sizeof path) return STROM_EINVAL;
  pthread_mutex_lock(&cache_mu);
  int rc = STROM_OK;
  size_t i;
  for (i = 0; i < ncache; i++)
    if (!strcmp(cache[i].path, path)) break;
  if (i < ncache) {
    *out = cache[i].tz, rc = cache[i].rc;
    goto done;
  }
  strom__tz *tz = NULL;
  rc = load_file(path, &tz);
  *out = tz;
  if (rc == STROM_ENOMEM) goto done;
  /* Real zones are always kept (the files on disk bound them); unknown names only
   * while there is room, so rows full of made-up names cannot grow the table. */
  if (!tz && ncache >= MAX_CACHED) goto done;
  if (ncache == capcache) {
    size_t cap = capcache ? capcache * 2 : 16;
    tz_entry *nc = realloc(cache, cap * sizeof *nc);
    if (!nc) {
      strom__tz_free(tz), *out = NULL, rc = STROM_ENOMEM;
      goto done;
    }
    cache = nc, capcache = cap;
  }
  char *p = strdup(path);
  if (!p) {
    strom__tz_free(tz), *out = NULL, rc = STROM_ENOMEM;
    goto done;
  }
  cache[ncache++] = (tz_entry){.path = p, .tz = tz, .rc = rc};
done:
  pthread_mutex_unlock(&cache_mu);
  return rc;
}

int strom__tz_offset(const char *zone, int64_t utc, int32_t *off) {
  const strom__tz *tz;
  int rc = zone_get(zone, &tz);
  if (rc) return rc;
  *off = strom__tz_utc_offset(tz, utc);
  return STROM_OK;
}

int strom__tz_offset_local(const char *zone, int64_t wall, int32_t *off) {
  const strom__tz *tz;
  int rc = zone_get(zone, &tz);
  if (rc) return rc;
  *off = strom__tz_local_offset(tz, wall);
  return STROM_OK;
}
