/* test_yaml.h - for unit tests: a config document from YAML text (include after cmocka.h) */
#ifndef IOVSIM_TEST_YAML_H
#define IOVSIM_TEST_YAML_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* Write text to a temporary file and load it; fails the test on error.
 * The caller frees the document with cfg_doc_free. */
static inline struct cfg_doc *yaml_doc(const char *text)
{
	char path[] = "/tmp/iovsim-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct iov_err e = { 0 };
	struct cfg_doc *d = cfg_doc_load(path, &e);
	unlink(path);
	if (!d)
		fail_msg("%s", e.msg);
	return d;
}

#endif
