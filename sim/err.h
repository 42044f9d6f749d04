/* err.h - error values: a message with its location and the exit status it maps to */
#ifndef IOVSIM_ERR_H
#define IOVSIM_ERR_H

#include <stdarg.h>

/*
 * Exit statuses of the iovsim command (BRIEF.md contract).
 */
enum iov_status {
	IOV_OK = 0,
	IOV_EXPECT_FAILED = 1,  /* a scenario's expect: assertion failed */
	IOV_BAD_INPUT = 2,      /* bad scenario, trace or command line */
	IOV_INTERNAL = 3,       /* a bug or an environment failure (I/O, memory) */
};

/*
 * An error travels up by return code (-1) with the details in a caller-owned
 * struct iov_err. Only the first error is kept: later calls do not overwrite it,
 * so the root cause survives unwinding. msg holds the whole line to print,
 * e.g. "scen.yaml:12:5: error: unknown key 'latncy' in memory 'mem0'; allowed: ...".
 */
struct iov_err {
	int status;             /* enum iov_status; 0 while no error is set */
	char msg[1024];
};

/* Set "FILE:LINE:COL: error: ..." (col <= 0 omits the column, line <= 0 both). Returns -1. */
int iov_err_at(struct iov_err *e, int status, const char *file, int line, int col,
	       const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Set "error: ..." with no location. Returns -1. */
int iov_err_set(struct iov_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int iov_err_vat(struct iov_err *e, int status, const char *file, int line, int col,
		const char *fmt, va_list ap);

static inline void iov_err_clear(struct iov_err *e) { e->status = 0; e->msg[0] = '\0'; }

#endif
