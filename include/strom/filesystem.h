/*
 * strom/filesystem.h -- the filesystem source over a directory (Flink's FileSource
 * with monitorContinuously, text lines format): every file in the directory is read
 * line by line, and with a monitor interval, files that appear later are read too.
 */
#ifndef STROM_FILESYSTEM_H
#define STROM_FILESYSTEM_H

#include "../strom.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strom_monitor_opts {
  /* source.monitor-interval: how often the directory is listed for new files.  0 or
   * less: the source is bounded, reading the files present when it starts. */
  int64_t monitor_interval_ms;
} strom_monitor_opts;

/* Lines (schema: line VARCHAR) of the files in dir, each file read once and whole,
 * in name order per subtask; a file belongs to one subtask (by a hash of its name).
 * Names starting with '.' or '_' are skipped (files being written), so a writer should
 * create a file under such a name and rename it when complete; a file that changes
 * after it was read is not read again.  Checkpoints record the files read and the
 * offset in the file being read, so a resumed job reads every line exactly once, at
 * any parallelism.  opts may be NULL (bounded). */
strom_stream *strom_monitor_text(strom_env *env, const char *dir, const strom_monitor_opts *opts);

#ifdef __cplusplus
}
#endif
#endif /* STROM_FILESYSTEM_H */
