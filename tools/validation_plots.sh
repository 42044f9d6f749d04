#!/bin/sh
# validation_plots.sh - regenerate the data and plots of docs/validation.md
# usage: tools/validation_plots.sh [BUILD_DIR]   (after make; needs gnuplot)
set -eu
build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
data=$src/docs/data img=$src/docs/img
mkdir -p "$data" "$img"

# 1. bandwidth: the grid of tests/unit/test_validate_bw.c, every point
IOVSIM_VALIDATION_CSV=$data/pcie-dma-bw.csv.tmp "$build/test_validate_bw" >/dev/null
mv "$data/pcie-dma-bw.csv.tmp" "$data/pcie-dma-bw.csv"

# 2. latency vs size on the Xeon E5-2630 v4 platform, against the calibration rows
out=$(mktemp -d)
printf 'size,measured_ns,simulated_ns\n' >"$data/dma-latency.csv.tmp"
for row in 64:546 256:626 512:706 1024:853 2048:1133; do
	size=${row%:*} want=${row#*:}
	"$build/iovsim" run "$src/scenarios/validate/dma-latency.yaml" --kernel native --quiet \
		--no-plots -o "$out/$size" -p size="$size"
	got=$(sed -n '/"latency_ns": {/,/}/p' "$out/$size/stats.json" | grep '"p50"' | head -1 |
		sed 's/.*: *//; s/,//')
	printf '%s,%s,%s\n' "$size" "$want" "$got" >>"$data/dma-latency.csv.tmp"
done
mv "$data/dma-latency.csv.tmp" "$data/dma-latency.csv"
rm -rf "$out"

gnuplot <<GP
set terminal pngcairo size 1100,460 font ",10"
set datafile separator ","
set output "$img/validation-bw.png.tmp"
set multiplot layout 1,2
set logscale x 2
set xlabel "DMA size (bytes)"
set ylabel "payload throughput (Gb/s)"
set key top left
set logscale y
set title "MPS 256, MRRS 512: reads solid, writes dashed; dots: simulated"
plot for [g in "1 3 5"] for [w in "1 16"] \
  "< awk -F, '\$1==".g." && \$2==".w." && \$5==0 && \$6==\"read\" && \$3==256 && \$4==512' $data/pcie-dma-bw.csv" \
  using 7:8 with lines lw 1.5 title "Gen".g." x".w, \
  for [g in "1 3 5"] for [w in "1 16"] \
  "< awk -F, '\$1==".g." && \$2==".w." && \$5==0 && \$6==\"read\" && \$3==256 && \$4==512' $data/pcie-dma-bw.csv" \
  using 7:9 with points pt 7 ps 0.6 lc "black" notitle, \
  for [g in "1 3 5"] for [w in "1 16"] \
  "< awk -F, '\$1==".g." && \$2==".w." && \$5==0 && \$6==\"write\" && \$3==256 && \$4==512' $data/pcie-dma-bw.csv" \
  using 7:8 with lines dt 2 lw 1.5 notitle, \
  for [g in "1 3 5"] for [w in "1 16"] \
  "< awk -F, '\$1==".g." && \$2==".w." && \$5==0 && \$6==\"write\" && \$3==256 && \$4==512' $data/pcie-dma-bw.csv" \
  using 7:9 with points pt 6 ps 0.6 lc "black" notitle
unset logscale y
set title "Every grid point: simulated vs analytical"
set ylabel "simulated vs analytical (%)"
set yrange [-2:2]
set key off
plot "$data/pcie-dma-bw.csv" every ::1 using (\$7*(1+0.08*(\$1-3))):11 with points pt 7 ps 0.5, 0 with lines lc "gray"
set yrange [*:*]
unset multiplot
set output "$img/validation-latency.png.tmp"
set terminal pngcairo size 600,420 font ",10"
unset logscale x
set logscale x 2
set title "DMA read latency, Xeon E5-2630 v4, data in LLC, no IOMMU"
set xlabel "DMA size (bytes)"
set ylabel "median latency (ns)"
set yrange [0:*]
plot "$data/dma-latency.csv" every ::1 using 1:2 with linespoints pt 5 title "measured (pcie-bench)", \
     "$data/dma-latency.csv" every ::1 using 1:3 with linespoints pt 7 title "simulated"
GP
mv "$img/validation-bw.png.tmp" "$img/validation-bw.png"
mv "$img/validation-latency.png.tmp" "$img/validation-latency.png"
echo "wrote $data/pcie-dma-bw.csv $data/dma-latency.csv $img/validation-bw.png $img/validation-latency.png"
