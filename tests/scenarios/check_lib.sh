# check_lib.sh - sourced by the validation scripts (sriov_vs_virtio.sh,
# eli_throughput.sh): run the script's scenario, read its stats, check a
# relation. The script sets iovsim, src (the source tree), scen, out and
# fail=0 before sourcing; check and a failed run set fail=1.
#   run NAME [ARGS...]     run $scen with ARGS into $out/NAME (native kernel)
#   get NAME KEY           a stat of run NAME ("" when absent)
#   check LABEL A OP B     OP one of eq ge le gt lt (numbers); prints ok / FAIL
. "$src/tests/scenarios/stats_flat.sh"

run() {
	name=$1; shift
	if ! "$iovsim" run "$scen" --kernel native --quiet --no-plots -o "$out/$name" "$@" \
		2>"$out/$name.err"; then
		echo "FAIL $name: run failed"; cat "$out/$name.err"; fail=1; return 1
	fi
	stats_flatten "$out/$name/stats.json" >"$out/$name.flat"
}
get() { stats_flat_get "$out/$1.flat" "$2"; }
check() {
	if awk -v a="$2" -v b="$4" -v op="$3" 'BEGIN {
		if (a == "" || b == "") exit 1
		if (op == "eq") ok = a == b; else if (op == "ge") ok = a >= b
		else if (op == "le") ok = a <= b; else if (op == "gt") ok = a > b; else ok = a < b
		exit !ok }'; then
		echo "ok   $1: $2 $3 $4"
	else
		echo "FAIL $1: $2 $3 $4"; fail=1
	fi
}
