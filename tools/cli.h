/* cli.h - the iovsim command's sub-commands and their shared helpers */
#ifndef IOVSIM_CLI_H
#define IOVSIM_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Each sub-command gets argv[0] = its own name and returns an exit status
 * (enum iov_status). */
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_bench_kernel(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_compare(int argc, char **argv);   /* stats of several runs side by side */

/* Print "iovsim: error: ..." style usage errors; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* -p NAME=VALUE (val split in place) and -C DIR: append, or print a usage
 * error and return its exit status (2). */
struct param_override;
int cli_param_override(const char *cmd, char *val, struct param_override *ovr, size_t *n,
		       size_t max);
int cli_config_dir(const char *cmd, const char *val, const char **dirs, size_t *n, size_t max);

#endif
