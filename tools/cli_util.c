/* cli_util.c - helpers shared by the sub-commands: usage errors, -p and -C */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "iovsim %s: error: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'iovsim %s --help')\n", cmd);
	return 2;
}

int cli_param_override(const char *cmd, char *val, struct param_override *ovr, size_t *n,
		       size_t max)
{
	if (!val)
		return cli_usage_error(cmd, "-p needs NAME=VALUE");
	char *eq = strchr(val, '=');
	if (!eq || eq == val)
		return cli_usage_error(cmd, "-p '%s': expected NAME=VALUE", val);
	if (*n == max)
		return cli_usage_error(cmd, "more than %zu -p options", max);
	*eq = '\0';                    /* split in place: argv outlives the command */
	ovr[*n].name = val;
	ovr[*n].value = eq + 1;
	(*n)++;
	return 0;
}

int cli_config_dir(const char *cmd, const char *val, const char **dirs, size_t *n, size_t max)
{
	if (!val)
		return cli_usage_error(cmd, "-C needs a directory");
	if (*n == max)
		return cli_usage_error(cmd, "more than %zu -C options", max);
	dirs[(*n)++] = val;
	return 0;
}
