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

# 3. IOMMU: 64 B random DMA vs window, IOMMU off/on (4 KiB pages), against the
#    throughput table; unloaded latency medians against the latency table
gbps() { grep "\"$2_gbps\":" "$1/stats.json" | head -1 | sed 's/.*: *//; s/,//'; }
p50() { sed -n '/"latency_ns": {/,/}/p' "$1/stats.json" | grep '"p50"' | head -1 |
	sed 's/.*: *//; s/,//'; }
printf 'op,cache,window_kib,measured_off,measured_on,simulated_off,simulated_on\n' \
	>"$data/iommu-window.csv.tmp"
while read -r op cache rows; do
	for r in $rows; do
		kib=${r%%:*} m=${r#*:} moff=${m%/*} mon=${m#*/}
		for io in off on; do
			"$build/iovsim" run "$src/scenarios/validate/iommu-window.yaml" --kernel native \
				--quiet --no-plots -o "$out/w-$io" -p op="$op" -p cache="$cache" \
				-p window="${kib}KiB" -p iommu=$io
		done
		printf '%s,%s,%s,%s,%s,%s,%s\n' "$op" "$cache" "$kib" "$moff" "$mon" \
			"$(gbps "$out/w-off" "$op")" "$(gbps "$out/w-on" "$op")" >>"$data/iommu-window.csv.tmp"
	done
done <<'ROWS'
read cold 4:26.9/26.8 16:28.1/28.0 256:27.7/27.6 512:27.5/20.2 1024:27.6/14.3 1536:27.7/12.6 2048:27.9/11.7 3072:27.9/11.0 4096:28.0/10.7 8192:28.0/10.2 16384:28.1/9.9 32768:28.1/9.9 65536:28.1/9.8
read warm 4:31.5/31.4 16:32.2/32.1 256:32.5/32.4 512:32.5/22.3 1024:32.5/15.2 1536:32.5/13.0 2048:32.5/12.1 3072:32.6/11.3 4096:32.6/10.9 8192:32.6/10.4 16384:32.6/10.1 32768:29.1/9.9 65536:28.4/9.8
write cold 4:24.3/24.3 16:24.3/24.3 256:24.3/24.3 512:24.3/24.3 1024:24.3/19.4 1536:24.3/15.1 2048:24.3/13.6 3072:24.3/12.4 4096:24.3/11.9 8192:24.3/11.5 16384:24.3/11.3 32768:24.3/11.2 65536:24.3/11.2
ROWS
mv "$data/iommu-window.csv.tmp" "$data/iommu-window.csv"
printf 'cache,window_kib,measured_median_ns,simulated_median_ns\n' >"$data/iommu-latency.csv.tmp"
while read -r cache rows; do
	for r in $rows; do
		kib=${r%%:*} m=${r#*:}
		"$build/iovsim" run "$src/scenarios/validate/iommu-window.yaml" --kernel native --quiet \
			--no-plots -o "$out/l" -p cache="$cache" -p window="${kib}KiB" -p outstanding=1 \
			-p count=3000
		printf '%s,%s,%s,%s\n' "$cache" "$kib" "$m" "$(p50 "$out/l")" >>"$data/iommu-latency.csv.tmp"
	done
done <<'ROWS'
cold 8:600 256:600 512:600 1024:880 4096:880 65536:880
warm 8:560 256:560 512:560 1024:826 4096:840 65536:880
ROWS
mv "$data/iommu-latency.csv.tmp" "$data/iommu-latency.csv"
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
set output "$img/validation-iommu.png.tmp"
set terminal pngcairo size 1100,420 font ",10"
set multiplot layout 1,3
set logscale x 2
set xlabel "window (KiB)"
set ylabel "throughput (Gb/s)"
set yrange [0:45]
set key bottom left
do for [sel in "read,cold read,warm write,cold"] {
  set title "64 B random ".sel." (4 KiB IOMMU pages)"
  f = "< awk -F, '\$1\",\"\$2==\"".sel."\"' $data/iommu-window.csv"
  plot f using 3:4 with lines lw 1.5 lc "gray" title "measured, IOMMU off", \
       f using 3:5 with lines lw 1.5 lc "red" title "measured, IOMMU on", \
       f using 3:6 with points pt 6 lc "black" title "simulated, off", \
       f using 3:7 with points pt 7 lc "red" title "simulated, on"
}
unset multiplot
set output "$img/validation-iommu-latency.png.tmp"
set terminal pngcairo size 600,420 font ",10"
set title "64 B read latency, one at a time, IOMMU on (4 KiB pages)"
set ylabel "median latency (ns)"
set yrange [0:1000]
set key bottom right
plot "< grep ^cold $data/iommu-latency.csv" using 2:3 with linespoints pt 5 lc "blue" title "measured cold", \
     "< grep ^cold $data/iommu-latency.csv" using 2:4 with points pt 7 ps 1.2 lc "blue" title "simulated cold", \
     "< grep ^warm $data/iommu-latency.csv" using 2:3 with linespoints pt 5 lc "orange" title "measured warm", \
     "< grep ^warm $data/iommu-latency.csv" using 2:4 with points pt 7 ps 1.2 lc "orange" title "simulated warm"
GP
mv "$img/validation-iommu.png.tmp" "$img/validation-iommu.png"
mv "$img/validation-iommu-latency.png.tmp" "$img/validation-iommu-latency.png"
mv "$img/validation-bw.png.tmp" "$img/validation-bw.png"
mv "$img/validation-latency.png.tmp" "$img/validation-latency.png"
echo "wrote $data/{pcie-dma-bw,dma-latency,iommu-window,iommu-latency}.csv and $img/validation-{bw,latency,iommu,iommu-latency}.png"

# 4. the virtualization sections (exitless interrupts, SR-IOV vs virtio)
"$src/tools/validation_plots_virt.sh" "$build"
