/* outfile.h - output files that appear complete or not at all, and mkdir -p */
#ifndef IOVSIM_OUTFILE_H
#define IOVSIM_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

/*
 * An output file is written to PATH.tmp.<pid> and renamed onto PATH by
 * outfile_commit, so a killed run never leaves a file under PATH that looks
 * complete. outfile_abort removes the temporary file.
 */
struct outfile {
	FILE *f;
	char path[4096], tmp[4160];
};

/* Open for writing. -1 with e set (IOV_INTERNAL) on failure. */
int outfile_open(struct outfile *o, const char *path, struct iov_err *e);
/* Flush, close and rename into place; on any error remove the temporary. */
int outfile_commit(struct outfile *o, struct iov_err *e);
void outfile_abort(struct outfile *o);

/* Write a whole buffer atomically. 0, or -1 with e set. */
int outfile_write_all(const char *path, const void *data, size_t len, struct iov_err *e);

/* mkdir -p. 0, or -1 with errno set. */
int outfile_mkdirs(const char *path);

#endif
