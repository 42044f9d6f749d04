#!/bin/sh
# validation_plots_virt.sh - data and plots of docs/validation.md's
# virtualization sections: exitless interrupts and throughput (against ELI's
# published ranges) and SR-IOV versus virtio. Called by validation_plots.sh;
# runs alone too.
# usage: tools/validation_plots_virt.sh [BUILD_DIR]   (after make; needs gnuplot)
set -eu
build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
data=$src/docs/data img=$src/docs/img
iovsim=$build/iovsim
mkdir -p "$data" "$img"
out=$(mktemp -d)
. "$src/tests/scenarios/stats_flat.sh"

# run SCENARIO NAME ARGS...: a native-kernel run, flattened into $out/NAME.flat
run() {
	scen=$1 name=$2
	shift 2
	"$iovsim" run "$src/scenarios/validate/$scen.yaml" --kernel native --quiet --no-plots \
		-o "$out/$name" "$@" >/dev/null
	stats_flatten "$out/$name/stats.json" >"$out/$name.flat"
}
get() { stats_flat_get "$out/$1.flat" "$2"; }

# 1. ELI: a CPU-bound guest's RX throughput by delivery, as a share of bare
#    metal, at three interrupt rates (the NIC's moderation timer) and with the
#    indirect exit cost 0 / 1x / 2x of the direct one (no moderation).
printf 'setting,delivery,gbps,share_of_bare\n' >"$data/eli-throughput.csv.tmp"
for s in itr10us:10us:0 itr2us:2us:0 itr0:0ns:0 itr0-x1:0ns:1 itr0-x2:0ns:2; do
	label=${s%%:*} rest=${s#*:} itr=${rest%%:*} x=${rest#*:}
	for d in bare posted emulated_eoi emulated; do
		run eli-throughput "$label-$d" -p delivery=$d -p itr_time=$itr -p indirect=$x \
			-p count=20000
	done
	bare=$(get "$label-bare" components.nic0.vf1.rx_gbps)
	for d in bare posted emulated_eoi emulated; do
		g=$(get "$label-$d" components.nic0.vf1.rx_gbps)
		awk -v l="$label" -v d="$d" -v g="$g" -v b="$bare" \
			'BEGIN { printf "%s,%s,%.4f,%.4f\n", l, d, g, g / b }' >>"$data/eli-throughput.csv.tmp"
	done
done
mv "$data/eli-throughput.csv.tmp" "$data/eli-throughput.csv"

# 2. SR-IOV versus virtio: throughput (stream, 1500 B) and rr latency
printf 'run,gbps,rr_p50_us,exits_per_packet,host_cycles_per_byte\n' \
	>"$data/sriov-vs-virtio.csv.tmp"
for r in s-tx:sriov:stream:posted v-tx:virtio:stream:posted s-rr:sriov:rr:posted \
	s-rr-emulated:sriov:rr:emulated v-rr:virtio:rr:posted; do
	name=${r%%:*} rest=${r#*:} path=${rest%%:*} rest=${rest#*:} traffic=${rest%%:*}
	deliv=${rest#*:}
	count=20000
	[ "$traffic" = rr ] && count=2000
	run sriov-vs-virtio "$name" -p path=$path -p traffic=$traffic -p dir=tx -p count=$count \
		-p delivery=$deliv
	if [ $path = sriov ]; then
		g=$(get "$name" components.nic0.vf1.tx_gbps)
		[ "$traffic" = rr ] && g=$(get "$name" components.nic0.vf1.rx_gbps)
		lat=$(get "$name" components.nic0.gen0.rr_latency_ns.p50)
		pk=$(get "$name" nic.tx_packets) cyc=0
	else
		g=$(get "$name" components.vnet0.tx_gbps)
		[ "$traffic" = rr ] && g=$(get "$name" components.vnet0.rx_gbps)
		lat=$(get "$name" components.vnet0.gen0.rr_latency_ns.p50)
		pk=$(get "$name" components.vnet0.tx_packets)
		cyc=$(get "$name" components.vnet0.host_cycles_per_byte)
	fi
	ex=$(get "$name" vm_exits.total)
	awk -v n="$name" -v g="$g" -v l="${lat:-0}" -v e="$ex" -v p="$pk" -v c="${cyc:-0}" \
		'BEGIN { printf "%s,%.3f,%.3f,%.4f,%.3f\n", n, g, l / 1000, p ? e / p : 0, c }' \
		>>"$data/sriov-vs-virtio.csv.tmp"
done
mv "$data/sriov-vs-virtio.csv.tmp" "$data/sriov-vs-virtio.csv"
rm -rf "$out"

gnuplot <<GP
set terminal pngcairo size 900,480 font ",10"
set datafile separator ","
set output "$img/validation-eli.png.tmp"
set title "CPU-bound guest, RX throughput as a share of bare metal (eli-throughput.yaml)"
set ylabel "share of bare-metal throughput"
set yrange [0:1.08]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key below horizontal
set xlabel "NIC interrupt moderation (timer), and indirect exit cost as a multiple of the direct one"
set xtics ("10 us" 0, "2 us" 1, "none" 2, "none, 1x" 3, "none, 2x" 4)
set object 1 rect from graph 0, first 0.97 to graph 1, first 1.0 fc rgb "#9be39b" fs solid 0.35 noborder behind
set object 2 rect from graph 0, first 0.60 to graph 1, first 0.65 fc rgb "#f4a6a6" fs solid 0.45 noborder behind
set label 1 "ELI (exitless), published: 97-100 %" at graph 0.99, first 1.035 right font ",9" front
set label 2 "plain device assignment, published: 60-65 %" at graph 0.99, first 0.675 right font ",9" front
plot "< awk -F, '\$2==\"posted\"' $data/eli-throughput.csv" using 4 title "posted (exitless)" lc rgb "#2ca02c", \
     "< awk -F, '\$2==\"emulated_eoi\"' $data/eli-throughput.csv" using 4 title "emulated + EOI virt." lc rgb "#ff7f0e", \
     "< awk -F, '\$2==\"emulated\"' $data/eli-throughput.csv" using 4 title "emulated (plain assignment)" lc rgb "#d62728"
unset object 1
unset object 2
unset label 1
unset label 2
unset xlabel
set output "$img/validation-sriov-virtio.png.tmp"
set terminal pngcairo size 900,400 font ",10"
set multiplot layout 1,2
set title "stream TX, 1500 B frames"
set ylabel "Gb/s (frame bytes)"
set yrange [0:11]
set key off
set xtics ("VF" 0, "virtio-net" 1)
set arrow 1 from graph 0, first 9.48 to graph 1, first 9.48 nohead dt 2 lc rgb "#555555"
set label 3 "9.48 Gb/s: published VF TCP throughput (HPCA'10)" at graph 0.02, first 10.2 font ",9"
plot "< awk -F, '\$1==\"s-tx\" || \$1==\"v-tx\"' $data/sriov-vs-virtio.csv" using 2 lc rgb "#1f77b4"
unset arrow 1
unset label 3
set title "request/response, median latency"
set ylabel "us"
set yrange [0:*]
set xtics ("VF posted" 0, "VF emulated" 1, "virtio-net" 2)
plot "< awk -F, '\$1==\"s-rr\" || \$1==\"s-rr-emulated\" || \$1==\"v-rr\"' $data/sriov-vs-virtio.csv" using 3 lc rgb "#9467bd"
unset multiplot
GP
mv "$img/validation-eli.png.tmp" "$img/validation-eli.png"
mv "$img/validation-sriov-virtio.png.tmp" "$img/validation-sriov-virtio.png"
echo "wrote $data/{eli-throughput,sriov-vs-virtio}.csv and $img/validation-{eli,sriov-virtio}.png"
