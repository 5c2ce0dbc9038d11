/*
 * sink_partitioned.h -- the partitioned file sink (sink_partitioned.c): Flink's
 * filesystem sink with PARTITIONED BY, its part files committed by the same two-phase
 * commit as sink_files.c, and the success-file partition commit policy.
 */
#ifndef STROM_SINK_PARTITIONED_H
#define STROM_SINK_PARTITIONED_H
#include "strom.h"

typedef struct strom__partition_sink_opts {
  strom_file_sink_opts files;   /* rolling, per partition; the prefix of part files */
  int npart;                    /* partition columns: their indexes in the rows and names */
  const int *part_cols;
  const char *const *part_names;
  bool process_time;            /* sink.partition-commit.trigger = process-time */
  int64_t delay_ms;             /* sink.partition-commit.delay */
  const char *time_pattern;     /* '$dt $hm:00'; NULL: the first partition value */
  bool success_file;            /* sink.partition-commit.policy.kind = success-file */
  const char *success_name;     /* default "_SUCCESS" */
} strom__partition_sink_opts;

/* Writes each row's other columns as a CSV line into dir/k1=v1/k2=v2/part-... */
int strom__write_partitioned_files(strom_stream *in, const char *dir, const strom__partition_sink_opts *o);

/* The partition time of values vals[0..n) under pattern ('$name' replaced by the value of
 * that partition column), parsed as 'yyyy-MM-dd[ HH:mm[:ss[.SSS]]]' in UTC; false if
 * the result does not parse. */
bool strom__partition_time(const char *pattern, int n, const char *const *names, const char *const *vals, int64_t *ms);

#endif
