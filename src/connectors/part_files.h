/*
 * part_files.h -- what the two file sinks share (sink_files.c, sink_partitioned.c): part
 * files written under a hidden in-progress name, closed and made pending at a
 * checkpoint's barrier, renamed to their visible names when that checkpoint completes
 * (idempotently, so a restore can finish the commits of the checkpoint it restores), and
 * the removal of in-progress files that earlier runs left behind.
 */
#ifndef STROM_PART_FILES_H
#define STROM_PART_FILES_H

#include <stdio.h>

#include "../api/api.h"

/* A closed part file waiting for checkpoint ckpt (INT64_MAX - 1: the next one) to complete;
 * name is relative to the sink's directory and owned. */
typedef struct strom__pending {
  int64_t ckpt;
  char *name;
} strom__pending;

typedef struct strom__pending_list {
  strom__pending *p;
  int n, cap;
} strom__pending_list;

/* dir/name, or dir/[sub/].base.inprogress for the file while it is written. */
char *strom__part_path(const char *dir, const char *name, bool inprogress);
int strom__part_io_fail(strom_op *op, const char *what, const char *path);
/* Creates the in-progress file of name for writing. */
int strom__part_create(strom_op *op, const char *dir, const char *name, FILE **f);
/* Flushes, syncs and closes *f (NULL after; nothing when already NULL). */
int strom__part_close(strom_op *op, const char *dir, const char *name, FILE **f);
/* Renames name's in-progress file to name; one renamed before is fine. */
int strom__part_commit(strom_op *op, const char *dir, const char *name);

int strom__pending_add(strom__pending_list *l, int64_t ckpt, char *name);
/* The files pending for "the next checkpoint" now wait for ckpt. */
void strom__pending_assign(strom__pending_list *l, int64_t ckpt);
/* Commits the files of checkpoints up to ckpt and forgets them. */
int strom__pending_commit(strom_op *op, const char *dir, strom__pending_list *l, int64_t ckpt);
void strom__pending_free(strom__pending_list *l);

/* Deletes the in-progress files of prefix in dir, and in its k=v partition directories
 * down to depth levels, that are not run's (no checkpoint pre-committed them). */
int strom__part_delete_leftovers(strom_op *op, const char *dir, const char *prefix, const char *run, int depth);
/* The name prefix of op's files: prefix-<sink>, the sink's node in the job, which keeps
 * two sinks writing into one directory (two INSERTs of a statement set) from taking each
 * other's names or deleting each other's files on restore, as Flink's
 * part-<uuid>-<subtask>-<n> does (the node is the same in the restored job).  Owned. */
char *strom__part_prefix(const strom_op *op, const char *prefix);

#endif
