/* fn_json.c -- placeholder */
#include "sql_int.h"
const sql_func *sql_json_func_find(const char *name) { (void)name; return NULL; }
