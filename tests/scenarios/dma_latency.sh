#!/bin/sh
# dma_latency.sh - the Xeon E5-2630 v4 latency calibration: run
# scenarios/validate/dma-latency.yaml per transfer size and compare the median
# with the no-IOMMU rows of ../shared/calibration/xeon-e5-2630v4.md (copied
# below with their source); each must be within 5 %.
# usage: dma_latency.sh IOVSIM SOURCE_DIR OUT_DIR
set -u
iovsim=$1 src=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
fail=0
# size llc measured-median-ns   (calibration: "latency vs transfer size, data in
# LLC" row, and "IOMMU off, Cold/HWarm, 8 KiB window" medians)
while read -r size llc want; do
	d="$out/s$size-l$llc"
	if ! "$iovsim" run "$src/scenarios/validate/dma-latency.yaml" --kernel native --quiet \
		--no-plots -o "$d" -p size="$size" -p llc="$llc" 2>"$d.err"; then
		echo "FAIL size $size llc $llc: run failed"; cat "$d.err"; fail=1; continue
	fi
	got=$(sed -n '/"latency_ns": {/,/}/p' "$d/stats.json" | grep '"p50"' | head -1 |
		sed 's/.*: *//; s/,//')
	ok=$(awk -v g="$got" -v w="$want" 'BEGIN { e = (g - w) / w * 100;
		printf "%+.1f", e; exit (e > 5 || e < -5) }') || { fail=1; echo "FAIL size $size llc $llc: median $got ns, measured $want ns ($ok %)"; continue; }
	echo "ok   size $size llc $llc: median $got ns, measured $want ns ($ok %)"
done <<'ROWS'
64 1 546
256 1 626
512 1 706
1024 1 853
2048 1 1133
64 0 600
ROWS
exit $fail
