#!/bin/sh
# iommu_window.sh - the IOMMU calibration on the Xeon E5-2630 v4: run
# scenarios/validate/iommu-window.yaml (64 B random DMA in a window, 4 KiB IOMMU
# pages) and hold it to the measurements of
# ../shared/calibration/xeon-e5-2630v4.md (copied below):
#   1. no loss up to 256 KiB: IOMMU on >= 95 % of IOMMU off (reads, writes);
#   2. a clear loss where the measurement has one: on <= 85 % of off (reads from
#      512 KiB, writes from 1 MiB; writes measured no loss at 512 KiB: >= 95 %);
#   3. the 64 MiB plateau within 10 % of the measured Gb/s (reads and writes,
#      cold and warm);
#   4. the median latency step per IOTLB miss (one read at a time: median in a
#      window where nearly every read misses minus the 8 KiB median) within
#      15 % of the measured step;
#   5. no loss with superpages: on >= 95 % of off at 64 MiB.
#   6. every IOMMU-on point of the table below within 10 % of the measurement.
# usage: iommu_window.sh IOVSIM SOURCE_DIR OUT_DIR
set -u
iovsim=$1 src=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
fail=0
scen="$src/scenarios/validate/iommu-window.yaml"

# run NAME PARAMS... -> stats in $out/NAME
run() {
	name=$1; shift
	if ! "$iovsim" run "$scen" --kernel native --quiet --no-plots -o "$out/$name" "$@" \
		2>"$out/$name.err"; then
		echo "FAIL $name: run failed"; cat "$out/$name.err"; fail=1; return 1
	fi
}
# first value of "KEY": in NAME's stats.json (the dma block comes first)
stat() {
	grep "\"$2\":" "$out/$1/stats.json" | head -1 | sed 's/.*: *//; s/,//'
}
gbps() {
	case $2 in read) stat "$1" read_gbps ;; *) stat "$1" write_gbps ;; esac
}
# check LABEL GOT OP(ge|le|within) REF TOLERANCE%
check() {
	r=$(awk -v g="$2" -v op="$3" -v ref="$4" -v tol="$5" 'BEGIN {
		if (op == "within") { e = (g - ref) / ref * 100; ok = e <= tol && e >= -tol;
			printf "%s: %.2f vs %.2f (%+.1f %%, limit %s %%)", ok ? "ok  " : "FAIL", g, ref, e, tol }
		else { q = g / ref * 100; ok = op == "ge" ? q >= tol : q <= tol;
			printf "%s: %.2f / %.2f = %.1f %% (%s %s %%)", ok ? "ok  " : "FAIL", g, ref, q,
				op == "ge" ? ">=" : "<=", tol }
		exit !ok }')
	st=$?
	echo "${r%%:*} $1: ${r#*: }"
	[ $st -eq 0 ] || fail=1
}

# op window measured-Gb/s (Cold, IOMMU on)
while read -r op win want; do
	run "$op-$win" -p op="$op" -p window="$win" || continue
	got=$(gbps "$op-$win" "$op")
	check "6. $op $win on (Gb/s)" "$got" within "$want" 10
done <<'ROWS'
read 256KiB 27.6
read 512KiB 20.2
read 1MiB 14.3
read 2MiB 11.7
read 4MiB 10.7
read 64MiB 9.8
write 256KiB 24.3
write 512KiB 24.3
write 1MiB 19.4
write 2MiB 13.6
write 4MiB 11.9
write 64MiB 11.2
ROWS
for op in read write; do
	run "$op-off-256KiB" -p op=$op -p window=256KiB -p iommu=off
	run "$op-off-64MiB" -p op=$op -p window=64MiB -p iommu=off
	run "$op-sp-64MiB" -p op=$op -p window=64MiB -p superpages=on
	run "$op-warm-64MiB" -p op=$op -p window=64MiB -p cache=warm
done
v() { gbps "$1" "${1%%-*}"; }

echo "1. no loss up to 256 KiB"
check "read 256KiB on/off" "$(v read-256KiB)" ge "$(v read-off-256KiB)" 95
check "write 256KiB on/off" "$(v write-256KiB)" ge "$(v write-off-256KiB)" 95
echo "2. loss where measured"
check "read 512KiB on/off" "$(v read-512KiB)" le "$(v read-off-256KiB)" 85
check "read 1MiB on/off" "$(v read-1MiB)" le "$(v read-off-256KiB)" 85
check "write 512KiB on/off (measured: no loss)" "$(v write-512KiB)" ge "$(v write-off-256KiB)" 95
check "write 1MiB on/off" "$(v write-1MiB)" le "$(v write-off-256KiB)" 85
echo "3. 64 MiB plateau"
check "read cold 64MiB" "$(v read-64MiB)" within 9.8 10
check "write cold 64MiB" "$(v write-64MiB)" within 11.2 10
check "read warm 64MiB" "$(v read-warm-64MiB)" within 9.8 10
check "write warm 64MiB" "$(v write-warm-64MiB)" within 11.1 10
echo "5. superpages: no loss"
check "read 64MiB superpages/off" "$(v read-sp-64MiB)" ge "$(v read-off-64MiB)" 95
check "write 64MiB superpages/off" "$(v write-sp-64MiB)" ge "$(v write-off-64MiB)" 95

echo "4. median latency step per IOTLB miss (one read at a time)"
# cache base-window miss-window measured-step (medians: cold 600 -> 880, warm 560 -> 840)
while read -r cache base win want; do
	run "lat-$cache-$base" -p outstanding=1 -p count=3000 -p cache="$cache" -p window="$base" || continue
	run "lat-$cache-$win" -p outstanding=1 -p count=3000 -p cache="$cache" -p window="$win" || continue
	step=$(awk -v a="$(stat "lat-$cache-$win" p50)" -v b="$(stat "lat-$cache-$base" p50)" \
		'BEGIN { print a - b }')
	check "step $cache $win - $base (ns)" "$step" within "$want" 15
done <<'ROWS'
cold 8KiB 64MiB 280
cold 8KiB 4MiB 280
warm 8KiB 4MiB 280
ROWS
exit $fail
