/*
 * fn_time2.c -- TO_DATE(string [, format]) and CONVERT_TZ(string, from_zone, to_zone),
 * as Flink's function reference defines them.  TO_DATE reads the text with
 * TO_TIMESTAMP's positional pattern reader (functions.c; default 'yyyy-MM-dd') and
 * gives NULL for text that does not match, as Flink does.
 *
 * CONVERT_TZ reads 'yyyy-MM-dd HH:mm:ss' as a wall-clock time in one zone and writes
 * it as the wall-clock time in another.  Region names (America/Los_Angeles) are read
 * from the system's compiled time zone files by src/core/tzif.c, not through the C
 * library's TZ variable: setenv there would race with getenv in other task threads.
 * A wall-clock time skipped by a DST jump moves forward and a doubled one takes the
 * earlier instant, as Flink's (java.util.TimeZone) parsing does.  Offsets written as
 * GMT+hh:mm / UTC-hh / +hh:mm are read here, because POSIX reads the sign of
 * "GMT-08:00" the other way round from Java, and Java's three-letter IDs (PST) are
 * mapped to their regions.  An unknown zone is UTC, as java.util.TimeZone makes it
 * GMT.
 */
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "../core/tzif.h"
#include "sql_int.h"

static const sql_type T_STR = {.id = STROM_VARCHAR, .p = SQL_VARCHAR_MAX};

static int ck_strings(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  for (int i = 0; i < e->n; i++) {
    if (!e->a[i]->type.id) e->a[i]->type = T_STR;
    if (e->a[i]->type.id != STROM_VARCHAR || e->a[i]->type.kind) {
      char got[64];
      sql_type_name(&e->a[i]->type, got, sizeof got);
      snprintf(err, errlen, "%s: argument %d is %s, expected a string", e->fn->name, i + 1, got);
      return STROM_EINVAL;
    }
    if (!(e->a[i] = sql_cast_to(a, e->a[i], &T_STR))) return STROM_ENOMEM;
  }
  if (!strcmp(e->fn->name, "TO_DATE")) e->type = (sql_type){.id = STROM_INT, .kind = SQL_K_DATE};
  else e->type = T_STR;
  return 0;
}

static int f_to_date(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  const sql_func *ts = sql_func_find("TO_TIMESTAMP");
  sql_expr call = *e;
  sql_val args[2] = {a[0], {.s = {.p = "yyyy-MM-dd", .n = 10}}};
  if (e->n > 1) args[1] = a[1];
  call.fn = ts, call.n = 2;
  sql_val t = {0};
  int rc = ts->eval(&call, args, &t, c);
  if (rc || t.null) return rc ? rc : (out->null = true, 0);
  int64_t day = 86400000, d = t.i / day;
  if (t.i % day < 0) d--;
  out->i = d;
  return 0;
}

/* ---- CONVERT_TZ ---- */

/* A fixed offset in seconds east of UTC written as GMT+h[h][:mm], UTC-hh:mm, +hhmm or Z. */
static bool fixed_offset(const char *z, long *secs) {
  if (!strcmp(z, "Z") || !strcmp(z, "UTC") || !strcmp(z, "GMT") || !strcmp(z, "UT")) return *secs = 0, true;
  if (!strncmp(z, "GMT", 3) || !strncmp(z, "UTC", 3)) z += 3;
  else if (!strncmp(z, "UT", 2)) z += 2;
  if (*z != '+' && *z != '-') return false;
  int sign = *z++ == '-' ? -1 : 1, h = 0, m = 0, digits = 0;
  while (isdigit((unsigned char)*z) && digits < 2) h = h * 10 + (*z++ - '0'), digits++;
  if (!digits) return false;
  if (*z == ':') z++;
  if (*z) {
    if (!isdigit((unsigned char)z[0]) || !isdigit((unsigned char)z[1]) || z[2]) return false;
    m = (z[0] - '0') * 10 + (z[1] - '0');
  }
  if (h > 18 || m > 59) return false;
  *secs = sign * (h * 3600L + m * 60L);
  return true;
}

/* Java's three-letter zone IDs (java.time.ZoneId.SHORT_IDS, which TimeZone.getTimeZone
 * also resolves): the region each stands for.  EST, MST and HST are zones of their own. */
static const char *const short_ids[][2] = {
    {"ACT", "Australia/Darwin"}, {"AET", "Australia/Sydney"}, {"AGT", "America/Argentina/Buenos_Aires"},
    {"ART", "Africa/Cairo"}, {"AST", "America/Anchorage"}, {"BET", "America/Sao_Paulo"}, {"BST", "Asia/Dhaka"},
    {"CAT", "Africa/Harare"}, {"CNT", "America/St_Johns"}, {"CST", "America/Chicago"}, {"CTT", "Asia/Shanghai"},
    {"EAT", "Africa/Addis_Ababa"}, {"ECT", "Europe/Paris"}, {"IET", "America/Indiana/Indianapolis"},
    {"IST", "Asia/Kolkata"}, {"JST", "Asia/Tokyo"}, {"MIT", "Pacific/Apia"}, {"NET", "Asia/Yerevan"},
    {"NST", "Pacific/Auckland"}, {"PLT", "Asia/Karachi"}, {"PNT", "America/Phoenix"}, {"PRT", "America/Puerto_Rico"},
    {"PST", "America/Los_Angeles"}, {"SST", "Pacific/Guadalcanal"}, {"VST", "Asia/Ho_Chi_Minh"},
};

/* Seconds east of UTC of zone at the UTC instant t (local: t is a wall-clock time). */
static long zone_offset(const char *zone, time_t t, bool local) {
  long off;
  if (fixed_offset(zone, &off)) return off;
  for (size_t i = 0; i < sizeof short_ids / sizeof *short_ids; i++)
    if (!strcmp(zone, short_ids[i][0])) zone = short_ids[i][1];
  int32_t o = 0; /* an unknown or unreadable zone stays 0: GMT, as in Java */
  if (local) strom__tz_offset_local(zone, (int64_t)t, &o);
  else strom__tz_offset(zone, (int64_t)t, &o);
  return o;
}

static int f_convert_tz(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e;
  char from[128], to[128];
  if (a[1].s.n >= sizeof from || a[2].s.n >= sizeof to) return out->null = true, 0;
  memcpy(from, a[1].s.p, a[1].s.n), from[a[1].s.n] = 0;
  memcpy(to, a[2].s.p, a[2].s.n), to[a[2].s.n] = 0;
  int y, mo, d, h, mi, s, used = 0;
  char text[64];
  if (a[0].s.n >= sizeof text) return out->null = true, 0;
  memcpy(text, a[0].s.p, a[0].s.n), text[a[0].s.n] = 0;
  if (sscanf(text, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) != 6 || text[used])
    return out->null = true, 0; /* Flink: NULL for text that does not parse */
  struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
  time_t wall = timegm(&tm), utc = wall - zone_offset(from, wall, true);
  time_t there = utc + zone_offset(to, utc, false);
  gmtime_r(&there, &tm);
  char *p = sql_ectx_alloc(c, 32);
  if (!p) return STROM_ENOMEM;
  int n = snprintf(p, 32, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                   tm.tm_min, tm.tm_sec);
  out->s.p = p, out->s.n = (uint32_t)n;
  return 0;
}

/* ---- TO_TIMESTAMP_LTZ(string [, format [, zone]]) (Flink 2.0) ---- */

/* The text is a wall-clock time in zone (UTC by default) read by TO_TIMESTAMP's pattern
 * reader with the format (by default 'yyyy-MM-dd HH:mm:ss.SSS', which the text must
 * match whole, as Flink's DateTimeFormatter does); the instant is a TIMESTAMP_LTZ(3).
 * Text that does not match gives NULL.  functions.c's TO_TIMESTAMP_LTZ hands a string
 * first argument here. */
static int ck_ltz_string(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  int rc = ck_strings(a, e, err, errlen);
  e->type = (sql_type){.id = STROM_TIMESTAMP, .p = 3, .ltz = true};
  return rc;
}

static int f_ltz_string(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  const sql_func *ts = sql_func_find("TO_TIMESTAMP");
  sql_expr call = *e;
  sql_val args[2] = {a[0], {.s = {.p = "yyyy-MM-dd HH:mm:ss.SSS", .n = 23}}};
  if (e->n > 1) args[1] = a[1];
  call.fn = ts, call.n = 2;
  sql_val t = {0};
  int rc = ts->eval(&call, args, &t, c);
  if (rc || t.null) return rc ? rc : (out->null = true, 0);
  long off = 0;
  if (e->n > 2) {
    char zone[128];
    if (a[2].s.n >= sizeof zone) return out->null = true, 0;
    memcpy(zone, a[2].s.p, a[2].s.n), zone[a[2].s.n] = 0;
    int64_t secs = t.i / 1000 - (t.i % 1000 < 0);
    off = zone_offset(zone, (time_t)secs, true);
  }
  out->i = t.i - (int64_t)off * 1000;
  return 0;
}

static const sql_func ltz_string = {"TO_TIMESTAMP_LTZ", 1, 3, true, ck_ltz_string, f_ltz_string};

const sql_func *sql_ltz_string_func(void) { return &ltz_string; }

/* ---- CURRENT_WATERMARK ---- */

_Thread_local strom_ctx *sql_calc_ctx;

/* CURRENT_WATERMARK(rowtime): the watermark of the operator evaluating it, typed as the
 * argument with precision 3; NULL before the first watermark and outside a projection
 * or filter (where Flink has no watermark either: VALUES). */
static int ck_current_watermark(sql_arena *a, sql_expr *e, char *err, size_t errlen) {
  (void)a;
  const sql_type *t = &e->a[0]->type;
  if (t->id != STROM_TIMESTAMP || t->kind) {
    char got[64];
    if (t->id) sql_type_name(t, got, sizeof got);
    else snprintf(got, sizeof got, "NULL");
    snprintf(err, errlen, "CURRENT_WATERMARK: argument 1 is %s, expected a rowtime attribute (TIMESTAMP or TIMESTAMP_LTZ)", got);
    return STROM_EINVAL;
  }
  e->type = (sql_type){.id = STROM_TIMESTAMP, .p = 3, .ltz = t->ltz};
  return 0;
}

static int f_current_watermark(const sql_expr *e, const sql_val *a, sql_val *out, sql_ectx *c) {
  (void)e, (void)a, (void)c;
  int64_t wm = sql_calc_ctx ? strom_ctx_watermark(sql_calc_ctx) : INT64_MIN;
  if (wm == INT64_MIN) out->null = true;
  else out->null = false, out->i = wm;
  return 0;
}

static const sql_func time2_funcs[] = {
    {"CURRENT_WATERMARK", 1, 1, false, ck_current_watermark, f_current_watermark},
    {"TO_DATE", 1, 2, true, ck_strings, f_to_date},
    {"CONVERT_TZ", 3, 3, true, ck_strings, f_convert_tz},
};

const sql_func *sql_time2_func_find(const char *name) {
  return SQL_FUNC_IN(time2_funcs, name);
}

void sql_time2_func_list(strom_buf *b) {
  for (size_t i = 0; i < sizeof time2_funcs / sizeof *time2_funcs; i++) strom__buf_printf(b, " %s", time2_funcs[i].name);
}
