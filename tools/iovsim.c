/* iovsim.c - the command-line front end: dispatch to sub-commands */
#include <stdio.h>
#include <string.h>

#include "cli.h"


static const char main_usage[] =
	"usage: iovsim <command> [options]\n"
	"\n"
	"A cycle-level simulator of PCIe, IOMMU and SR-IOV hardware.\n"
	"\n"
	"commands:\n"
	"  run FILE      run a scenario; write stats.json, summary.txt and plots\n"
	"  check FILE    validate a scenario without running it\n"
	"  audit FILE    IOMMU groups and root-complex bypass pairs of its PCIe topology\n"
	"  trace ...     gen | info | cat | convert: synthetic and recorded traces\n"
	"  plot DIR      re-render the plots of a finished run\n"
	"  compare RUN...  stats of several runs side by side (exits, interrupts, ...)\n"
	"  models        list the models and their parameters (--markdown for docs)\n"
	"  bench kernel  events per second of the bare event kernels\n"
	"\n"
	"  --version, --list-models, --help; 'iovsim <command> --help' for each.\n"
	"Exit status: 0 ok, 1 an expect: failed, 2 bad input or usage, 3 internal error.\n"
	"Docs: docs/user-guide.md\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(main_usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(main_usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("iovsim %s\n", IOVSIM_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "--list-models"))
		return cmd_models(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(cmd, "audit"))
		return cmd_audit(argc - 1, argv + 1);   /* tools/cmd_audit.c */
	if (!strcmp(cmd, "trace"))
		return cmd_trace(argc - 1, argv + 1);
	if (!strcmp(cmd, "plot"))
		return cmd_plot(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare"))
		return cmd_compare(argc - 1, argv + 1);
	if (!strcmp(cmd, "models"))
		return cmd_models(argc - 1, argv + 1);
	if (!strcmp(cmd, "bench")) {
		if (argc >= 3 && !strcmp(argv[2], "kernel"))
			return cmd_bench_kernel(argc - 2, argv + 2);
		fprintf(stderr, "usage: iovsim bench kernel [--kernel systemc|native|both] "
				"[--events N] [--pending P]\n");
		return 2;
	}
	fprintf(stderr, "iovsim: error: unknown command '%s'\n\n%s", cmd, main_usage);
	return 2;
}
