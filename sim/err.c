/* err.c - formatting located error messages */
#include "err.h"

#include <stdio.h>

int iov_err_vat(struct iov_err *e, int status, const char *file, int line, int col,
		const char *fmt, va_list ap)
{
	if (!e || e->status)
		return -1;              /* keep the first (root-cause) error */
	size_t n = 0, cap = sizeof(e->msg);
	int w;
	if (file && line > 0 && col > 0)
		w = snprintf(e->msg, cap, "%s:%d:%d: error: ", file, line, col);
	else if (file && line > 0)
		w = snprintf(e->msg, cap, "%s:%d: error: ", file, line);
	else if (file)
		w = snprintf(e->msg, cap, "%s: error: ", file);
	else
		w = snprintf(e->msg, cap, "error: ");
	if (w > 0)
		n = (size_t)w < cap ? (size_t)w : cap - 1;
	vsnprintf(e->msg + n, cap - n, fmt, ap);
	e->status = status ? status : IOV_INTERNAL;
	return -1;
}

int iov_err_at(struct iov_err *e, int status, const char *file, int line, int col,
	       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	iov_err_vat(e, status, file, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

int iov_err_set(struct iov_err *e, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	iov_err_vat(e, status, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return -1;
}
