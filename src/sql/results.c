/*
 * results.c -- where SQL rows become text: the print connector (Flink's PrintSink:
 * "+I[1, hello]", prefixed "N> " or "id:N> " when the sink is parallel or named, values
 * as Java's Row.toString shows them) and the tableau of a bare SELECT (Flink's SQL client
 * result mode 'tableau': an op column with +I/-U/+U/-D, fixed column widths from the
 * types, <NULL> for NULL, then "Received a total of N rows").  Both write to the
 * session's output under its lock, so rows of parallel subtasks never interleave
 * inside a line.
 */
#include <time.h>

#include "sql_int.h"

/* The columns as the output shows them: a ROW value's columns (types_rowval.c) as one,
 * named by their common prefix, 30 wide as the collections. */
typedef struct shown {
  sql_col col;
  int lo, hi;
  size_t seg;
} shown;

static shown *shown_cols(const sql_col *cols, int ncols, int *n) {
  shown *s = strom__calloc((size_t)(ncols ? ncols : 1), sizeof *s);
  *n = 0;
  for (int i = 0; s && i < ncols;) {
    shown *x = &s[(*n)++];
    x->lo = i;
    x->hi = i = sql_row_group_end(cols, ncols, i, &x->seg);
    x->col = cols[x->lo];
    if (x->seg) {
      char *nm = strom__malloc(x->seg);
      if (nm) snprintf(nm, x->seg, "%s", cols[x->lo].name);
      x->col.name = nm ? nm : "?";
      x->col.type = (sql_type){.id = STROM_VARCHAR, .kind = SQL_K_ARRAY};
    }
  }
  return s;
}

static void shown_free(shown *s, int n) {
  for (int i = 0; s && i < n; i++)
    if (s[i].seg && strcmp(s[i].col.name, "?")) free((char *)s[i].col.name);
  free(s);
}

typedef struct printer {
  sql_session *s;
  const sql_col *cols;
  int ncols;
  const char *ident;
  int mode;
  int *width;
  shown *shown; /* the columns as shown: ROW values as one */
  int nshown;
} printer;

static void printer_free(void *p) {
  printer *x = p;
  free(x->width);
  shown_free(x->shown, x->nshown);
  free(x);
}

/* Java's LocalDateTime.toString: seconds only when not zero, millis only when not zero. */
static void java_timestamp(strom_buf *b, int64_t ms, bool instant) {
  int64_t secs = ms / 1000;
  int milli = (int)(ms % 1000);
  if (milli < 0) secs--, milli += 1000;
  time_t t = (time_t)secs;
  struct tm tm;
  gmtime_r(&t, &tm);
  strom__buf_printf(b, "%04d-%02d-%02dT%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
  if (tm.tm_sec || milli) strom__buf_printf(b, ":%02d", tm.tm_sec);
  if (milli) strom__buf_printf(b, ".%03d", milli);
  if (instant) strom__buf_append(b, "Z", 1);
}

static void print_value(strom_buf *b, const sql_type *t, const sql_val *v) {
  if (v->null) strom__buf_append(b, "null", 4);
  else if (t->id == STROM_BOOLEAN) strom__buf_printf(b, "%s", v->i ? "true" : "false");
  else if (t->kind == SQL_K_BYTES) sql_bytes_java(b, v);
  else if (t->id == STROM_TIMESTAMP && t->p > 3) sql_ts_java(b, v, true, t->ltz);
  else if (t->id == STROM_TIMESTAMP) java_timestamp(b, v->i, t->ltz);
  else if (t->kind >= SQL_K_ARRAY) sql_coll_java(b, t, v, print_value); /* rowfn_val.c */
  else sql_val_format(b, t, v);
}

static int type_width(const sql_type *t) {
  if (t->kind) return t->kind == SQL_K_DATE ? 10 : t->kind == SQL_K_TIME ? 12 : 30;
  switch (t->id) {
    case STROM_BOOLEAN: return 6;
    case STROM_INT: return sql_narrow_bits(t) ? 6 : 11; /* Flink: TINYINT 4, SMALLINT 6, at least "<NULL>" */
    case STROM_BIGINT: return 20;
    case STROM_DOUBLE: return 22;
    case STROM_DECIMAL: return t->p + 2;
    case STROM_VARCHAR: return t->p < 30 ? (t->p < 6 ? 6 : t->p) : 30;
    case STROM_TIMESTAMP: return t->p == 0 ? 19 : 20 + t->p;
  }
  return 6;
}

static int col_width(const sql_col *c) {
  int n = (int)strlen(c->name), w = type_width(&c->type);
  return n > w ? n : w;
}

static void tableau_field(strom_buf *b, const sql_type *t, const sql_val *v) {
  if (v->null) strom__buf_append(b, "NULL", 4);
  else sql_val_format(b, t, v);
}

static void rule(FILE *f, const sql_col *cols, int ncols) {
  fputs("+----+", f);
  for (int i = 0; i < ncols; i++) {
    int w = col_width(&cols[i]);
    for (int k = 0; k < w + 2; k++) fputc('-', f);
    fputc('+', f);
  }
  fputc('\n', f);
}

void sql_tableau_header(FILE *f, const sql_col *all, int nall) {
  int ncols;
  shown *sh = shown_cols(all, nall, &ncols);
  if (!sh) return;
  sql_col *cols = strom__calloc((size_t)(ncols ? ncols : 1), sizeof *cols);
  for (int i = 0; cols && i < ncols; i++) cols[i] = sh[i].col;
  if (!cols) ncols = 0;
  rule(f, cols, ncols);
  fputs("| op |", f);
  for (int i = 0; i < ncols; i++) fprintf(f, " %*s |", col_width(&cols[i]), cols[i].name);
  fputc('\n', f);
  rule(f, cols, ncols);
  fflush(f);
  free(cols);
  shown_free(sh, ncols);
}

void sql_tableau_footer(FILE *f, const sql_col *all, int nall, int64_t rows) {
  int ncols;
  shown *sh = shown_cols(all, nall, &ncols);
  sql_col *cols = sh ? strom__calloc((size_t)(ncols ? ncols : 1), sizeof *cols) : NULL;
  for (int i = 0; cols && i < ncols; i++) cols[i] = sh[i].col;
  if (!cols) ncols = 0;
  if (rows) rule(f, cols, ncols);
  if (rows) fprintf(f, "Received a total of %lld row%s\n", (long long)rows, rows == 1 ? "" : "s");
  else fprintf(f, "Empty set\n");
  fflush(f);
  free(cols);
  shown_free(sh, ncols);
}

static int print_process(strom_ctx *ctx, int input, const strom_row *in, strom_out *out) {
  (void)input, (void)out;
  printer *p = strom_ctx_data(ctx);
  strom_buf b = {0};
  const char *kind = strom_row_kind_str(strom_row_get_kind(in));
  if (p->mode == SQL_TABLEAU) {
    strom__buf_printf(&b, "| %s |", kind);
    strom_buf v = {0};
    for (int s = 0; s < p->nshown; s++) {
      const shown *sh = &p->shown[s];
      int i = sh->lo;
      sql_val x;
      sql_val_get(in, i, &x);
      v.len = 0;
      if (sh->seg) sql_row_format(&v, p->cols, in, sh->lo, sh->hi, sh->seg, false, tableau_field);
      else if (x.null) strom__buf_printf(&v, "<NULL>");
      else sql_val_format(&v, &p->cols[i].type, &x);
      int w = col_width(&sh->col);
      if ((int)v.len > w) strom__buf_printf(&b, " %.*s... |", w - 3, v.p);
      else strom__buf_printf(&b, " %*.*s |", w, (int)v.len, v.p ? v.p : "");
    }
    strom__buf_free(&v);
  } else {
    int par = strom_ctx_parallelism(ctx), sub = strom_ctx_subtask(ctx) + 1;
    if (p->ident && *p->ident) {
      if (par > 1) strom__buf_printf(&b, "%s:%d> ", p->ident, sub);
      else strom__buf_printf(&b, "%s> ", p->ident);
    } else if (par > 1) {
      strom__buf_printf(&b, "%d> ", sub);
    }
    strom__buf_printf(&b, "%s[", kind);
    for (int s = 0; s < p->nshown; s++) {
      const shown *sh = &p->shown[s];
      sql_val x;
      sql_val_get(in, sh->lo, &x);
      if (s) strom__buf_append(&b, ", ", 2);
      if (sh->seg) sql_row_format(&b, p->cols, in, sh->lo, sh->hi, sh->seg, true, print_value);
      else print_value(&b, &p->cols[sh->lo].type, &x);
    }
    strom__buf_append(&b, "]", 1);
  }
  strom__buf_append(&b, "\n", 1);
  FILE *f = p->mode == SQL_PRINT_STDERR ? stderr : p->s->out;
  pthread_mutex_lock(&p->s->out_mu);
  fwrite(b.p, 1, b.len, f);
  if (p->mode == SQL_TABLEAU) fflush(f);
  pthread_mutex_unlock(&p->s->out_mu);
  strom__buf_free(&b);
  if (p->mode == SQL_TABLEAU) p->s->last_rows++; /* one subtask: no race */
  return STROM_OK;
}

static int print_finish(strom_ctx *ctx, strom_out *out) {
  (void)out;
  printer *p = strom_ctx_data(ctx);
  pthread_mutex_lock(&p->s->out_mu);
  fflush(p->mode == SQL_PRINT_STDERR ? stderr : p->s->out);
  pthread_mutex_unlock(&p->s->out_mu);
  return STROM_OK;
}

int sql_print_sink(sql_build *b, strom_stream *in, const sql_col *cols, int ncols, const char *identifier, int mode) {
  return sql_print_sink_at(b, in, cols, ncols, identifier, mode, 0);
}

int sql_print_sink_at(sql_build *b, strom_stream *in, const sql_col *cols, int ncols, const char *identifier, int mode,
                      int parallelism) {
  printer *p = strom__calloc(1, sizeof *p);
  if (!p) return STROM_ENOMEM;
  p->s = b->sess;
  p->cols = cols;
  p->ncols = ncols;
  p->ident = identifier;
  p->mode = mode;
  if (!(p->shown = shown_cols(cols, ncols, &p->nshown))) {
    free(p);
    return STROM_ENOMEM;
  }
  if (sql_build_own(b, p, printer_free)) return STROM_ENOMEM;
  strom_stream *s = strom_process(in, &(strom_process_def){.process = print_process, .finish = print_finish, .data = p});
  if (mode == SQL_TABLEAU || parallelism) s = strom_set_parallelism(s, mode == SQL_TABLEAU ? 1 : parallelism);
  s = strom_set_name(s, mode == SQL_TABLEAU ? "Collect" : "Print");
  return strom_discard(s);
}
