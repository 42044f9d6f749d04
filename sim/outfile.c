/* outfile.c - atomic output files (temporary name, then rename) and mkdir -p */
#include "outfile.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(struct outfile *o, const char *path, struct iov_err *e)
{
	o->f = NULL;
	if (snprintf(o->path, sizeof(o->path), "%s", path) >= (int)sizeof(o->path))
		return iov_err_set(e, IOV_INTERNAL, "output path too long: '%s'", path);
	snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.%ld", o->path, (long)getpid());
	o->f = fopen(o->tmp, "w");
	if (!o->f)
		return iov_err_set(e, IOV_INTERNAL, "cannot write '%s': %s", o->tmp, strerror(errno));
	return 0;
}

int outfile_commit(struct outfile *o, struct iov_err *e)
{
	errno = 0;
	int bad = ferror(o->f) != 0;
	bad |= fflush(o->f) != 0;
	bad |= fsync(fileno(o->f)) != 0 && errno != EINVAL;
	bad |= fclose(o->f) != 0;
	o->f = NULL;
	if (bad || rename(o->tmp, o->path)) {
		int err = errno;
		unlink(o->tmp);
		return iov_err_set(e, IOV_INTERNAL, "cannot write '%s': %s", o->path,
				   err ? strerror(err) : "I/O error");
	}
	return 0;
}

void outfile_abort(struct outfile *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	unlink(o->tmp);
}

int outfile_write_all(const char *path, const void *data, size_t len, struct iov_err *e)
{
	struct outfile o;
	if (outfile_open(&o, path, e))
		return -1;
	if (fwrite(data, 1, len, o.f) != len) {
		outfile_abort(&o);
		return iov_err_set(e, IOV_INTERNAL, "cannot write '%s': %s", path, strerror(errno));
	}
	return outfile_commit(&o, e);
}

int outfile_mkdirs(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}
