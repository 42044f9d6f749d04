#!/bin/sh
# run_cli_tests.sh - the command line's contract: exit codes, located errors,
# no output left behind on bad input, failing expectations named.
# usage: run_cli_tests.sh IOVSIM SOURCE_DIR OUT_DIR
set -u
iovsim=$1 src=$2 out=$3
data=$src/tests/cli/data
rm -rf "$out" && mkdir -p "$out"
fail=0

. "$(dirname "$0")/lib.sh"

expect_run version 0 '^iovsim [0-9]+\.[0-9]+' "$iovsim" --version
expect_run help 0 'usage: iovsim' "$iovsim" --help
expect_run run-help 0 'usage: iovsim run' "$iovsim" run --help
expect_run no-command 2 'usage' "$iovsim"
expect_run unknown-command 2 "unknown command 'frobnicate'" "$iovsim" frobnicate
expect_run run-no-file 2 'no scenario file' "$iovsim" run
expect_run run-bad-option 2 "unknown option '--bogus'" "$iovsim" run x.yaml --bogus
expect_run run-bad-kernel 2 'systemc or native' "$iovsim" run x.yaml --kernel gem5
expect_run run-missing-file 2 'nonexistent.yaml' "$iovsim" run "$out/nonexistent.yaml"
expect_run list-models 0 'dma_source' "$iovsim" --list-models

# Bad scenarios: located error, exit 2, and no output directory.
expect_run bad-syntax 2 'bad-syntax.yaml:[0-9]+:[0-9]+: error: ' \
	"$iovsim" run "$data/bad-syntax.yaml" -o "$out/bad-syntax.d"
expect_run bad-key 2 "bad-key.yaml:5:5: error: unknown key 'latncy'.*latency" \
	"$iovsim" run "$data/bad-key.yaml" -o "$out/bad-key.d"
expect_run bad-unit 2 'bad-unit.yaml:5:14: error: .*(unit|ns)' \
	"$iovsim" run "$data/bad-unit.yaml" -o "$out/bad-unit.d"
expect_run bad-type 2 "bad-type.yaml:4:11: error: unknown component type 'dram_controller'; known types: dma_source" \
	"$iovsim" run "$data/bad-type.yaml" -o "$out/bad-type.d"
expect_run bad-port 2 "bad-port.yaml:9:5: error: memory 'mem' has no port 'down'; its ports: port" \
	"$iovsim" run "$data/bad-port.yaml" -o "$out/bad-port.d"
expect_run bad-param 2 "unknown parameter 'nope'" \
	"$iovsim" run "$src/scenarios/quickstart.yaml" -p nope=1 -o "$out/bad-param.d"
expect_run bad-param-value 2 "quickstart.yaml:[0-9]+:[0-9]+: error: .*parameter 'size'" \
	"$iovsim" run "$src/scenarios/quickstart.yaml" -p size=big -o "$out/bad-param-value.d"
expect_run check-bad-key 2 "bad-key.yaml:5:5: error: unknown key 'latncy'" \
	"$iovsim" check "$data/bad-key.yaml"
for d in bad-syntax bad-key bad-unit bad-type bad-port bad-param bad-param-value; do
	if [ -e "$out/$d.d" ]; then echo "FAIL $d: output directory was created"; fail=1; fi
done

# A malformed trace line: located (FILE:LINE), exit 2, no stats.json.
expect_run bad-trace 2 'bad-trace.trace:4:[0-9]+: error: ' \
	"$iovsim" run "$data/bad-trace.yaml" -o "$out/bad-trace.d"
if [ -e "$out/bad-trace.d/stats.json" ]; then echo "FAIL bad-trace: stats.json written"; fail=1; fi

# A failing expectation: exit 1, names the stat and its value; outputs still written.
expect_run failing-expect 1 'expect failed: dma.latency_ns.p50 = [0-9.]+; wanted <= 10' \
	"$iovsim" run "$data/failing-expect.yaml" --quiet --no-plots -o "$out/failing-expect.d"
[ -f "$out/failing-expect.d/stats.json" ] || { echo "FAIL failing-expect: no stats.json"; fail=1; }

# check on a good scenario; -p override changes the run.
expect_run check-ok 0 'ok \(' "$iovsim" check "$src/scenarios/quickstart.yaml"
expect_run override 0 '' "$iovsim" run "$src/scenarios/quickstart.yaml" -p count=500 --quiet \
	--no-plots -o "$out/override.d"
grep -q '"reads": 500,' "$out/override.d/stats.json" || { echo "FAIL override: reads != 500"; fail=1; }
expect_run seed-override 0 '' "$iovsim" run "$src/scenarios/quickstart.yaml" -p count=500 \
	--seed 99 --quiet --no-plots -o "$out/seed.d"
grep -q '"seed": 99' "$out/seed.d/stats.json" || { echo "FAIL seed: seed 99 not in stats"; fail=1; }

"$iovsim" run "$src/scenarios/quickstart.yaml" -p count=300 --quiet --no-plots -o "$out/compare300.d"
# compare: runs side by side, labelled by the params that differ.
expect_run compare 0 'count=500 +count=300' "$iovsim" compare "$out/override.d" "$out/compare300.d" \
	--stat dma.reads
grep -Eq '^dma\.reads +500 +300$' "$out/compare.out" || { echo "FAIL compare: dma.reads row"; fail=1; }
expect_run compare-csv 0 '^dma\.reads,500,300$' "$iovsim" compare "$out/override.d" \
	"$out/compare300.d" --stat dma.reads --csv
expect_run compare-missing 2 'nonexistent/stats.json' "$iovsim" compare "$out/nonexistent"
expect_run compare-no-stat 2 'none of the runs has' "$iovsim" compare "$out/override.d" --stat no.such

# The run summary's packet sections: NIC (per VM and all) and virtio-net, only
# when the scenario has those components; on the terminal and in summary.txt.
sp=$src/scenarios/seed/sriov-partition.yaml
# sumline NAME REGEX: the terminal output and summary.txt of run NAME have a matching line
sumline() {
	for f in "$out/$1.out" "$out/$1.d/summary.txt"; do
		grep -Eq -- "$2" "$f" || { echo "FAIL $1: $(basename "$f") lacks /$2/"; fail=1; }
	done
}
if expect_run sum-nic 0 '^NIC packets +tx Gb/s +rx Gb/s +tx packets +rx packets +rx p50 ns +eswitch-local$' \
	"$iovsim" run "$sp" --no-plots -o "$out/sum-nic.d"; then
	sumline sum-nic '^NIC packets +tx Gb/s'
	sumline sum-nic '^  vm0 +5\.6[0-9]{2} +5\.6[0-9]{2} +24000 +24000 +[0-9]+\.[0-9] +0$'
	sumline sum-nic '^  vm1 +2\.8[0-9]{2} +2\.8[0-9]{2} +12000 +12000 +[0-9]+\.[0-9] +0$'
	sumline sum-nic '^  vm2 +1\.4[0-9]{2} +1\.4[0-9]{2} +6000 +6000 +[0-9]+\.[0-9] +0$'
	sumline sum-nic '^  all +9\.8[0-9]{2} +9\.8[0-9]{2} +42000 +42000 +[0-9]+\.[0-9] +0$'
	sumline sum-nic '^  0 RX drops, [0-9]+ interrupts, 0 packets kept inside the device'
	grep -q 'virtio-net packets' "$out/sum-nic.out" && { echo "FAIL sum-nic: a virtio section"; fail=1; }
fi
expect_run sum-eswitch 0 '' "$iovsim" run "$src/scenarios/seed/nic-trace.yaml" --no-plots \
	-o "$out/sum-eswitch.d"
sumline sum-eswitch '^  vm0 .* 2$'
sumline sum-eswitch '^  all +[0-9.]+ +[0-9.]+ +5 +5 +[0-9.]+ +2$'
if expect_run sum-virtio 0 '^virtio-net packets +tx Gb/s .* kicks +exits +host cyc/pkt$' \
	"$iovsim" run "$src/scenarios/validate/sriov-vs-virtio.yaml" -p path=virtio --no-plots \
	-o "$out/sum-virtio.d"; then
	sumline sum-virtio '^  vnet0 \(vm0\) +[0-9]+\.[0-9]{3} +[0-9.]+ +20000 +0 +[0-9.]+ +[0-9]+ +[0-9]+ +[1-9][0-9]*$'
fi
expect_run sum-none 0 '^DMA traffic' "$iovsim" run "$src/scenarios/quickstart.yaml" --no-plots \
	-o "$out/sum-none.d"
for f in "$out/sum-none.out" "$out/sum-none.d/summary.txt"; do
	grep -Eq 'NIC packets|virtio-net packets' "$f" && { echo "FAIL sum-none: packet section in $f"; fail=1; }
done

# trace sub-commands
expect_run trace-gen-help 0 'usage: iovsim trace gen' "$iovsim" trace gen --help
expect_run trace-bogus 2 '' "$iovsim" trace bogus
expect_run trace-gen 0 '' "$iovsim" trace gen --pattern random --window 1MiB --size 64 --count 1000 \
	--seed 3 -o "$out/gen.trace.gz"
expect_run trace-info 0 'records' "$iovsim" trace info "$out/gen.trace.gz"
expect_run trace-convert 0 '' "$iovsim" trace convert "$out/gen.trace.gz" "$out/gen.iovt"
"$iovsim" trace cat "$out/gen.trace.gz" >"$out/a.txt"
"$iovsim" trace cat "$out/gen.iovt" >"$out/b.txt"
cmp -s "$out/a.txt" "$out/b.txt" || { echo "FAIL trace convert changed the records"; fail=1; }
[ "$(grep -vc '^#' "$out/a.txt")" = 1000 ] || { echo "FAIL trace cat: not 1000 records"; fail=1; }
expect_run trace-convert-bad 2 'bad-trace.trace:4:[0-9]+: error: ' \
	"$iovsim" trace convert "$data/bad-trace.trace" "$out/bad-out.trace"
[ -e "$out/bad-out.trace" ] && { echo "FAIL trace convert left a bad output"; fail=1; }

# docs/models.md is generated from the parameter tables: it must be current.
"$iovsim" models --markdown >"$out/models.md"
if ! cmp -s "$out/models.md" "$src/docs/models.md"; then
	echo "FAIL docs/models.md is stale: run 'build/iovsim models --markdown > docs/models.md'"
	fail=1
fi

# No temporary files left next to the outputs.
if find "$out" -name '*.tmp.*' | grep -q .; then echo "FAIL temporary files left"; fail=1; fi
exit $fail
