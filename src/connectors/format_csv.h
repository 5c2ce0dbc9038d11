/*
 * format_csv.h -- the CSV format: one record per line, fields split by a delimiter,
 * RFC 4180 double-quote quoting ("" inside a quoted field is one quote).
 */
#ifndef STROM_FORMAT_CSV_H
#define STROM_FORMAT_CSV_H

#include "../core/core.h"

/* Parses one line into r (whose strings are copied into r).  On error returns
 * STROM_EPARSE and writes to err what was wrong and in which column. */
int strom__csv_parse(strom_row *r, const char *line, size_t n, char delim, char *err, size_t errlen);
/* Appends r as one CSV line (with '\n'). */
int strom__csv_format(strom_buf *b, const strom_row *r);

#endif
