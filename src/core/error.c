/*
 * error.c -- names of status codes.  The table is generated from STROM_ERRNO_MAP in
 * strom.h so the enum, the names and the messages can never disagree.
 */
#include "core.h"

const char *strom_strerror(int status) {
  switch (status) {
#define STROM__ERRNO_CASE(name, code, msg) \
  case code:                               \
    return msg;
    STROM_ERRNO_MAP(STROM__ERRNO_CASE)
#undef STROM__ERRNO_CASE
  }
  return "unknown error";
}
