/*
 * sql_input.h -- line input of the interactive `strom sql` (sql_input.c): edited lines
 * and a persistent history on a terminal, plain lines otherwise.
 */
#ifndef STROM_CLI_SQL_INPUT_H
#define STROM_CLI_SQL_INPUT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strom__sql_input strom__sql_input;

strom__sql_input *strom__sql_input_open(bool tty);
/* The next line with its '\n' (len bytes, owned by in until the next call), or NULL at
 * the end of input.  prompt is shown on a terminal only. */
char *strom__sql_input_line(strom__sql_input *in, const char *prompt, size_t *len);
/* Records a complete statement in the history (a terminal only). */
void strom__sql_input_statement(strom__sql_input *in, const char *text, size_t len);
void strom__sql_input_close(strom__sql_input *in);

#endif
