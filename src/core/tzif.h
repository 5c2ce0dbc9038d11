/*
 * tzif.h -- internal reader of the system's compiled time zone files (TZif, RFC 8536,
 * versions 1-4) giving a region's UTC offset at an instant or at a wall-clock time.
 * It replaces the C library's TZ-variable route (setenv + tzset), which races with
 * every getenv in other threads.  Parsed zones are cached process-wide; nothing here
 * changes global state of the C library.
 */
#ifndef STROM_CORE_TZIF_H
#define STROM_CORE_TZIF_H

#include <stddef.h>
#include <stdint.h>

typedef struct strom__tz strom__tz;

/* Parses the n bytes of a TZif file.  Returns the zone (free it with strom__tz_free)
 * or NULL when the bytes are not a well-formed TZif file or memory runs out. */
strom__tz *strom__tz_parse(const uint8_t *p, size_t n);
void strom__tz_free(strom__tz *tz);

/* Seconds east of UTC in effect at the UTC instant utc (seconds since 1970). */
int32_t strom__tz_utc_offset(const strom__tz *tz, int64_t utc);

/* Seconds east of UTC that places the wall-clock time wall (the local fields counted
 * as if they were UTC seconds since 1970) in the zone.  As java.time's
 * ZonedDateTime.ofLocal and Flink's CONVERT_TZ do: a time skipped by a forward jump
 * takes the offset before the jump (so it moves forward by the gap), and a time that
 * occurs twice takes the offset before the backward jump (the earlier instant). */
int32_t strom__tz_local_offset(const strom__tz *tz, int64_t wall);

/* The same for an IANA region name ("America/Los_Angeles") read from $TZDIR or
 * /usr/share/zoneinfo, parsed once per file and cached.  STROM_EINVAL for a name with
 * "..", a leading '/', or a character outside [A-Za-z0-9_+-/]; STROM_EIO when no file
 * can be read; STROM_EPARSE when the file is not TZif; STROM_ENOMEM. */
int strom__tz_offset(const char *zone, int64_t utc, int32_t *off);
int strom__tz_offset_local(const char *zone, int64_t wall, int32_t *off);

#endif
