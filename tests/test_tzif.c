/*
 * test_tzif.c -- unit tests of the TZif reader (src/core/tzif.c) against the system's
 * zone files (tzdata) and hand-built files in a temporary TZDIR.  Expected offsets are
 * the published rules of each region (US: second Sunday of March to first Sunday of
 * November at 02:00; EU: last Sunday of March to last Sunday of October at 01:00 UTC;
 * Sydney: first Sunday of October to first Sunday of April; India: +05:30 all year),
 * at instants before, inside and after DST, and after 2037 where only the file's
 * POSIX TZ footer answers.  Gaps and overlaps follow java.time's ZonedDateTime.ofLocal.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/tzif.h"
#include "strom.h"
#include "test.h"

/* A wall-clock (or UTC) time as seconds since 1970, the fields read as UTC. */
static int64_t W(int y, int mo, int d, int h, int mi) {
  struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
  return (int64_t)timegm(&tm);
}

static int32_t off_at(const char *zone, int64_t utc) {
  int32_t o = -999999;
  int rc = strom__tz_offset(zone, utc, &o);
  return rc ? rc : o;
}

static int32_t off_wall(const char *zone, int64_t wall) {
  int32_t o = -999999;
  int rc = strom__tz_offset_local(zone, wall, &o);
  return rc ? rc : o;
}

TEST(los_angeles_by_instant) {
  CHECK_INT(off_at("America/Los_Angeles", W(2024, 1, 15, 0, 0)), -8 * 3600);
  CHECK_INT(off_at("America/Los_Angeles", W(2024, 7, 1, 0, 0)), -7 * 3600);
  /* 2024-03-10 02:00 PST is 10:00 UTC: the second before is still PST */
  CHECK_INT(off_at("America/Los_Angeles", W(2024, 3, 10, 10, 0) - 1), -8 * 3600);
  CHECK_INT(off_at("America/Los_Angeles", W(2024, 3, 10, 10, 0)), -7 * 3600);
  /* 1970 (listed transitions) and after 2038 (footer PST8PDT,M3.2.0,M11.1.0) */
  CHECK_INT(off_at("America/Los_Angeles", W(1970, 7, 1, 0, 0)), -7 * 3600);
  CHECK_INT(off_at("America/Los_Angeles", W(2040, 7, 1, 0, 0)), -7 * 3600);
  CHECK_INT(off_at("America/Los_Angeles", W(2040, 12, 1, 0, 0)), -8 * 3600);
  /* 2040: March 11 and November 4 are the Sundays; 02:00 PST = 10:00 UTC, 02:00 PDT = 09:00 UTC */
  CHECK_INT(off_at("America/Los_Angeles", W(2040, 3, 11, 10, 0) - 1), -8 * 3600);
  CHECK_INT(off_at("America/Los_Angeles", W(2040, 3, 11, 10, 0)), -7 * 3600);
  CHECK_INT(off_at("America/Los_Angeles", W(2040, 11, 4, 9, 0) - 1), -7 * 3600);
  CHECK_INT(off_at("America/Los_Angeles", W(2040, 11, 4, 9, 0)), -8 * 3600);
  /* far future and far past do not overflow */
  int32_t far = off_at("America/Los_Angeles", INT64_MAX);
  CHECK(far == -8 * 3600 || far == -7 * 3600);
  CHECK(off_at("America/Los_Angeles", INT64_MIN) > -9 * 3600);
}

TEST(paris_kolkata_sydney_utc) {
  CHECK_INT(off_at("Europe/Paris", W(2024, 1, 15, 0, 0)), 3600);
  CHECK_INT(off_at("Europe/Paris", W(2024, 7, 1, 0, 0)), 7200);
  /* last Sunday of March 2024 is the 31st, at 01:00 UTC */
  CHECK_INT(off_at("Europe/Paris", W(2024, 3, 31, 1, 0) - 1), 3600);
  CHECK_INT(off_at("Europe/Paris", W(2024, 3, 31, 1, 0)), 7200);
  CHECK_INT(off_at("Europe/Paris", W(2050, 1, 15, 0, 0)), 3600);
  CHECK_INT(off_at("Europe/Paris", W(2050, 7, 1, 0, 0)), 7200);
  /* last Sunday of October 2050 is the 30th */
  CHECK_INT(off_at("Europe/Paris", W(2050, 10, 30, 1, 0) - 1), 7200);
  CHECK_INT(off_at("Europe/Paris", W(2050, 10, 30, 1, 0)), 3600);
  CHECK_INT(off_at("Asia/Kolkata", W(2024, 1, 15, 0, 0)), 19800);
  CHECK_INT(off_at("Asia/Kolkata", W(2100, 7, 1, 0, 0)), 19800);
  /* Sydney: DST over the new year; 2024-04-07 03:00 AEDT = 04-06 16:00 UTC */
  CHECK_INT(off_at("Australia/Sydney", W(2024, 1, 15, 0, 0)), 11 * 3600);
  CHECK_INT(off_at("Australia/Sydney", W(2024, 4, 6, 16, 0) - 1), 11 * 3600);
  CHECK_INT(off_at("Australia/Sydney", W(2024, 4, 6, 16, 0)), 10 * 3600);
  CHECK_INT(off_at("Australia/Sydney", W(2024, 7, 1, 0, 0)), 10 * 3600);
  CHECK_INT(off_at("Australia/Sydney", W(2045, 1, 15, 0, 0)), 11 * 3600);
  CHECK_INT(off_at("Australia/Sydney", W(2045, 7, 1, 0, 0)), 10 * 3600);
  CHECK_INT(off_at("Australia/Sydney", W(2045, 12, 31, 23, 0)), 11 * 3600);
  CHECK_INT(off_at("UTC", W(2024, 7, 1, 0, 0)), 0);
  CHECK_INT(off_at("Etc/UTC", W(2060, 7, 1, 0, 0)), 0);
}

TEST(wall_clock_gaps_and_overlaps) {
  /* ordinary wall times */
  CHECK_INT(off_wall("America/Los_Angeles", W(2024, 1, 15, 12, 0)), -8 * 3600);
  CHECK_INT(off_wall("America/Los_Angeles", W(2024, 7, 1, 12, 0)), -7 * 3600);
  /* 02:30 on 2024-03-10 does not exist: read with PST, it is 03:30 PDT */
  CHECK_INT(off_wall("America/Los_Angeles", W(2024, 3, 10, 1, 59)), -8 * 3600);
  CHECK_INT(off_wall("America/Los_Angeles", W(2024, 3, 10, 2, 30)), -8 * 3600);
  CHECK_INT(off_wall("America/Los_Angeles", W(2024, 3, 10, 3, 0)), -7 * 3600);
  /* 01:30 on 2024-11-03 occurs twice: the earlier (PDT) */
  CHECK_INT(off_wall("America/Los_Angeles", W(2024, 11, 3, 0, 59)), -7 * 3600);
  CHECK_INT(off_wall("America/Los_Angeles", W(2024, 11, 3, 1, 30)), -7 * 3600);
  CHECK_INT(off_wall("America/Los_Angeles", W(2024, 11, 3, 2, 0)), -8 * 3600);
  /* the same from the footer rule in 2040 */
  CHECK_INT(off_wall("America/Los_Angeles", W(2040, 3, 11, 2, 30)), -8 * 3600);
  CHECK_INT(off_wall("America/Los_Angeles", W(2040, 3, 11, 3, 30)), -7 * 3600);
  CHECK_INT(off_wall("America/Los_Angeles", W(2040, 11, 4, 1, 30)), -7 * 3600);
  CHECK_INT(off_wall("America/Los_Angeles", W(2040, 11, 4, 2, 30)), -8 * 3600);
  /* Sydney: 2024-10-06 02:30 skipped (AEST kept), 2024-04-07 02:30 doubled (AEDT) */
  CHECK_INT(off_wall("Australia/Sydney", W(2024, 10, 6, 2, 30)), 10 * 3600);
  CHECK_INT(off_wall("Australia/Sydney", W(2024, 10, 6, 3, 0)), 11 * 3600);
  CHECK_INT(off_wall("Australia/Sydney", W(2024, 4, 7, 2, 30)), 11 * 3600);
  CHECK_INT(off_wall("Australia/Sydney", W(2024, 4, 7, 3, 0)), 10 * 3600);
  /* Paris 2024-03-31 02:30 skipped, 2024-10-27 02:30 doubled */
  CHECK_INT(off_wall("Europe/Paris", W(2024, 3, 31, 2, 30)), 3600);
  CHECK_INT(off_wall("Europe/Paris", W(2024, 10, 27, 2, 30)), 7200);
  CHECK_INT(off_wall("Europe/Paris", W(2024, 10, 27, 3, 0)), 3600);
  CHECK_INT(off_wall("Asia/Kolkata", W(2024, 3, 10, 2, 30)), 19800);
}

TEST(bad_names_are_refused) {
  int32_t o;
  const char *bad[] = {"", "/etc/localtime", "../etc/passwd", "America/../../etc/passwd", "America/Los_Angeles/..",
                       "Foo.bar", "a b", "zone.tab", "America\\Los_Angeles", "Europe/Paris\n"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK_INT(strom__tz_offset(bad[i], 0, &o), STROM_EINVAL);
  CHECK_INT(strom__tz_offset("Nowhere/Else", 0, &o), STROM_EIO);
  CHECK_INT(strom__tz_offset("America", 0, &o), STROM_EIO); /* a directory */
  CHECK_INT(strom__tz_offset_local("Nowhere/Else", 0, &o), STROM_EIO);
}

/* ---- hand-built files ---- */

static size_t put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
  return 4;
}

static size_t header(uint8_t *p, char version, uint32_t timecnt, uint32_t typecnt, uint32_t charcnt) {
  memset(p, 0, 44);
  memcpy(p, "TZif", 4);
  p[4] = (uint8_t)version;
  put32(p + 32, timecnt), put32(p + 36, typecnt), put32(p + 40, charcnt);
  return 44;
}

/* Version 1: before 0 at +01:00, from 0 at +02:00. */
static size_t v1_file(uint8_t *p) {
  size_t n = header(p, 0, 1, 2, 8);
  n += put32(p + n, 0);
  p[n++] = 1;
  n += put32(p + n, 3600), p[n++] = 0, p[n++] = 0;
  n += put32(p + n, 7200), p[n++] = 1, p[n++] = 4;
  memcpy(p + n, "AAA\0BBB\0", 8), n += 8;
  return n;
}

/* Version 2 with no transitions, one type (offset o), and footer text. */
static size_t v2_file(uint8_t *p, int32_t o, const char *footer) {
  size_t n = 0;
  for (int pass = 0; pass < 2; pass++) {
    n += header(p + n, '2', 0, 1, 4);
    n += put32(p + n, (uint32_t)o), p[n++] = 0, p[n++] = 0;
    memcpy(p + n, "XXX", 4), n += 4;
  }
  n += (size_t)sprintf((char *)p + n, "\n%s\n", footer);
  return n;
}

static int32_t parsed_off(const uint8_t *p, size_t n, int64_t t, bool local) {
  strom__tz *tz = strom__tz_parse(p, n);
  if (!tz) return -999999;
  int32_t o = local ? strom__tz_local_offset(tz, t) : strom__tz_utc_offset(tz, t);
  strom__tz_free(tz);
  return o;
}

TEST(version1_and_footer_rules) {
  uint8_t f[512];
  size_t n = v1_file(f);
  CHECK_INT(parsed_off(f, n, -1, false), 3600);
  CHECK_INT(parsed_off(f, n, 0, false), 7200);
  CHECK_INT(parsed_off(f, n, W(2100, 1, 1, 0, 0), false), 7200);
  /* J60 is March 1 in every year; DST from 02:00 EST = 07:00 UTC */
  n = v2_file(f, -18000, "EST5EDT,J60,J300");
  CHECK_INT(parsed_off(f, n, W(2024, 3, 1, 7, 0) - 1, false), -18000);
  CHECK_INT(parsed_off(f, n, W(2024, 3, 1, 7, 0), false), -14400);
  CHECK_INT(parsed_off(f, n, W(2023, 3, 1, 7, 0), false), -14400);
  /* n59 counts February 29: it is 2024-02-29 but 2023-03-01 */
  n = v2_file(f, -18000, "EST5EDT,59,300");
  CHECK_INT(parsed_off(f, n, W(2024, 2, 29, 7, 0), false), -14400);
  CHECK_INT(parsed_off(f, n, W(2024, 2, 28, 12, 0), false), -18000);
  CHECK_INT(parsed_off(f, n, W(2023, 3, 1, 7, 0), false), -14400);
  /* quoted names, minutes, explicit DST offset and rule times */
  n = v2_file(f, 19800, "<+0530>-5:30");
  CHECK_INT(parsed_off(f, n, W(2024, 7, 1, 0, 0), false), 19800);
  n = v2_file(f, 36000, "<+10>-10<+1030>-10:30,M10.1.0,M4.1.0/2:30");
  CHECK_INT(parsed_off(f, n, W(2024, 1, 1, 0, 0), false), 37800);
  CHECK_INT(parsed_off(f, n, W(2024, 7, 1, 0, 0), false), 36000);
  /* all-year DST as version 3 writes it */
  n = v2_file(f, -10800, "<-03>3<-02>,0/0,J365/25");
  CHECK_INT(parsed_off(f, n, W(2024, 7, 1, 0, 0), false), -7200);
  CHECK_INT(parsed_off(f, n, W(2024, 1, 1, 0, 0), false), -7200);
  CHECK_INT(parsed_off(f, n, W(2024, 12, 31, 23, 0), false), -7200);
  /* an empty footer leaves the last type in force */
  n = v2_file(f, 3600, "");
  CHECK_INT(parsed_off(f, n, W(2024, 7, 1, 0, 0), false), 3600);
  CHECK_INT(parsed_off(f, n, W(2024, 7, 1, 0, 0), true), 3600);
  /* malformed footers */
  const char *bad[] = {"EST", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.0.0,M11.1.0", "EST5EDT,M3.2.7,M11.1.0",
                       "EST5EDT,J0,J300", "EST5EDT,J60", "EST500", "<+05", "EST5EDT,J60,J300x", "EST5x",
                       "AAA-26BBB,M3.2.0,M11.1.0" /* DST a day and 3 hours east */};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    n = v2_file(f, 0, bad[i]);
    CHECK(!strom__tz_parse(f, n));
  }
}

TEST(corrupt_files_are_refused) {
  uint8_t f[512];
  size_t n = v1_file(f);
  for (size_t k = 0; k < n; k++) CHECK(!strom__tz_parse(f, k)); /* every truncation */
  f[44 + 4] = 2; /* a transition to a type that does not exist */
  CHECK(!strom__tz_parse(f, n));
  n = v1_file(f);
  f[4] = '9'; /* unknown version */
  CHECK(!strom__tz_parse(f, n));
  n = v1_file(f);
  put32(f + 36, 0); /* no types */
  CHECK(!strom__tz_parse(f, n));
  n = v1_file(f);
  put32(f + 44 + 5, 0x7fffffff); /* an offset of 68 years */
  CHECK(!strom__tz_parse(f, n));
  n = v1_file(f);
  put32(f + 32, 0xffffffff); /* a count far past the end */
  CHECK(!strom__tz_parse(f, n));
  n = v2_file(f, 3600, "CET-1");
  strom__tz *tz = strom__tz_parse(f, n);
  CHECK(tz != NULL);
  strom__tz_free(tz);
  for (size_t k = 0; k < n; k++) CHECK(!strom__tz_parse(f, k));
}

static void write_file(const char *path, const void *p, size_t n) {
  FILE *fp = fopen(path, "wb");
  if (!fp) return;
  fwrite(p, 1, n, fp);
  fclose(fp);
}

TEST(tzdir_with_real_truncated_and_corrupt_files) {
  char dir[] = "/tmp/strom_tzif_XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  /* a real file copied in, then a truncated and a scribbled copy */
  FILE *fp = fopen("/usr/share/zoneinfo/America/Los_Angeles", "rb");
  CHECK(fp != NULL);
  if (!fp) return;
  static uint8_t la[1 << 16];
  size_t n = fread(la, 1, sizeof la, fp);
  fclose(fp);
  char path[256], sub[256];
  snprintf(sub, sizeof sub, "%s/Test", dir);
  mkdir(sub, 0700);
  snprintf(path, sizeof path, "%s/Test/Good", dir);
  write_file(path, la, n);
  snprintf(path, sizeof path, "%s/Test/Truncated", dir);
  write_file(path, la, n / 2);
  snprintf(path, sizeof path, "%s/Test/Empty", dir);
  write_file(path, la, 0);
  la[n - 3] = '!'; /* inside the footer: PST8PDT,M3.2.0,M11.1!0 */
  snprintf(path, sizeof path, "%s/Test/Corrupt", dir);
  write_file(path, la, n);
  setenv("TZDIR", dir, 1);
  int32_t o;
  CHECK_INT(off_at("Test/Good", W(2024, 7, 1, 0, 0)), -7 * 3600);
  CHECK_INT(off_at("Test/Good", W(2040, 12, 1, 0, 0)), -8 * 3600);
  CHECK_INT(strom__tz_offset("Test/Truncated", 0, &o), STROM_EPARSE);
  CHECK_INT(strom__tz_offset("Test/Empty", 0, &o), STROM_EPARSE);
  CHECK_INT(strom__tz_offset("Test/Corrupt", 0, &o), STROM_EPARSE);
  CHECK_INT(strom__tz_offset("Test/Corrupt", 0, &o), STROM_EPARSE); /* cached answer too */
  CHECK_INT(strom__tz_offset("America/Los_Angeles", 0, &o), STROM_EIO); /* not in this TZDIR */
  unsetenv("TZDIR");
  CHECK_INT(off_at("America/Los_Angeles", W(2024, 7, 1, 0, 0)), -7 * 3600);
  const char *names[] = {"Good", "Truncated", "Empty", "Corrupt"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/Test/%s", dir, names[i]);
    unlink(path);
  }
  rmdir(sub);
  rmdir(dir);
}

/* Task threads look zones up at once while the cache fills: every answer is right and
 * (under ThreadSanitizer) nothing races. */
static void *lookups(void *arg) {
  static const char *zones[] = {"America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Sao_Paulo"};
  static const int32_t july[] = {-4 * 3600, 2 * 3600, 9 * 3600, -3 * 3600};
  intptr_t wrong = 0, k = (intptr_t)arg;
  for (int i = 0; i < 2000; i++) {
    size_t z = (size_t)(i + k) % 4;
    int32_t o;
    if (strom__tz_offset(zones[z], W(2024, 7, 1, 0, 0), &o) || o != july[z]) wrong++;
  }
  return (void *)wrong;
}

TEST(concurrent_lookups) {
  pthread_t th[4];
  for (intptr_t i = 0; i < 4; i++) pthread_create(&th[i], NULL, lookups, (void *)i);
  for (int i = 0; i < 4; i++) {
    void *wrong;
    pthread_join(th[i], &wrong);
    CHECK_INT((intptr_t)wrong, 0);
  }
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  RUN(los_angeles_by_instant);
  RUN(paris_kolkata_sydney_utc);
  RUN(wall_clock_gaps_and_overlaps);
  RUN(bad_names_are_refused);
  RUN(version1_and_footer_rules);
  RUN(corrupt_files_are_refused);
  RUN(tzdir_with_real_truncated_and_corrupt_files);
  RUN(concurrent_lookups);
  TEST_MAIN_END();
}
