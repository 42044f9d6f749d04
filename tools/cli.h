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

/* Print "iovsim: error: ..." style usage errors; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
