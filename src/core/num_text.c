/*
 * num_text.c -- DOUBLE and FLOAT as text, the way Java's Double.toString and
 * Float.toString write them, since Flink's formats (Jackson for json and csv), its JDBC
 * and Kafka writers and its printing all go through those.  The digits are the
 * shortest (at least two) that read back as the same value, the nearest such when
 * there are several; they are placed plain for 1e-3 <= |x| < 1e7 ("1.1", "100.0",
 * "0.001") and as d.dddE<exp> otherwise ("1.0E7", "1.0E-5"); NaN, Infinity, -Infinity,
 * 0.0 and -0.0 are spelled out.  The format, the SQL layer's values, its JSON
 * functions and the sinks all call this one formatter.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static bool reads_back(const char *e, double d, bool single) {
  return single ? strtof(e, NULL) == (float)d : strtod(e, NULL) == d;
}

/* The shortest decimal digits (into dg, no dot, no sign) of d and its exponent. */
static int shortest_digits(double d, bool single, char *dg, int *exp10) {
  char e[40];
  /* Below this many significant digits at most one decimal of that length lies within
   * half a unit in the last place of a normal value (a decimal step is wider than the
   * binary one), and it is the rounded one, so one printf answers for every shorter
   * length: its digits with the trailing zeros cut.  Subnormals have fewer bits and go
   * digit by digit. */
  int fast = single ? 6 : 15, full = single ? 9 : 17;
  bool normal = single ? fabsf((float)d) >= FLT_MIN : fabs(d) >= DBL_MIN;
  int prec = normal ? fast : 2;
  for (;; prec++) {
    snprintf(e, sizeof e, "%.*e", prec - 1, d);
    if (prec >= full || reads_back(e, d, single)) break;
  }
  int nd = 0;
  const char *p = e + (*e == '-');
  for (; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9') dg[nd++] = *p;
  *exp10 = atoi(p + 1);
  /* Java keeps at least two digits: 4.9E-324, not 5.0E-324. */
  while (nd > 2 && dg[nd - 1] == '0') nd--;
  if (nd == 2 && dg[1] == '0') nd = 1;
  return nd;
}

size_t strom__double_text(char *out, double d, bool single) {
  if (single) d = (double)(float)d; /* first: a double past FLT_MAX is a float Infinity */
  if (isnan(d)) return (size_t)sprintf(out, "NaN");
  if (isinf(d)) return (size_t)sprintf(out, d > 0 ? "Infinity" : "-Infinity");
  if (d == 0) return (size_t)sprintf(out, signbit(d) ? "-0.0" : "0.0");
  char dg[24];
  int exp10, nd = shortest_digits(d, single, dg, &exp10);
  char *o = out;
  if (d < 0) *o++ = '-';
  double a = fabs(d);
  if (a >= 1e-3 && a < 1e7) {
    if (exp10 >= 0) {
      for (int i = 0; i <= exp10; i++) *o++ = i < nd ? dg[i] : '0';
      *o++ = '.';
      if (nd > exp10 + 1) memcpy(o, dg + exp10 + 1, (size_t)(nd - exp10 - 1)), o += nd - exp10 - 1;
      else *o++ = '0';
    } else {
      *o++ = '0', *o++ = '.';
      for (int i = 0; i < -exp10 - 1; i++) *o++ = '0';
      memcpy(o, dg, (size_t)nd), o += nd;
    }
  } else {
    *o++ = dg[0], *o++ = '.';
    if (nd > 1) memcpy(o, dg + 1, (size_t)(nd - 1)), o += nd - 1;
    else *o++ = '0';
    o += sprintf(o, "E%d", exp10);
  }
  *o = 0;
  return (size_t)(o - out);
}

int strom__format_double(strom_buf *b, double d, bool single) {
  char t[STROM__DOUBLE_TEXT_MAX];
  return strom__buf_append(b, t, strom__double_text(t, d, single));
}
