#!/bin/sh
# bench.sh - `make bench`: speed figures, printed, never asserted.
#  1. events per second of the bare event kernels (hold model);
#  2. DMA transactions per second through the first end-to-end path and through
#     the cycle-level fabric (link, root complex), both kernels;
#     through the IOMMU (IOTLB misses, page walks) and packets through the
#     SR-IOV NIC;
#  3. peak memory (max RSS) at two trace lengths: it should not grow with length.
set -eu
iovsim=${1:-build/iovsim}
out=${BENCH_OUT:-out/bench}
mkdir -p "$out"
# report_dma KERNEL DIR: DMA and events per second of a run, from its stats.json's host block.
report_dma() {
	awk -v k="$1" '/"events_per_s"/ {gsub(/[,]/,""); ev=$2} /"dma_per_s"/ {gsub(/[,]/,""); d=$2}
		/"wall_s"/ {gsub(/[,]/,""); w=$2}
		END {printf "kernel %-8s %.2f M DMA/s, %.1f M events/s, %.2f s wall\n", k, d/1e6, ev/1e6, w}' \
		"$2/stats.json"
}
echo "== bare event kernels"
"$iovsim" bench kernel --kernel both --events 20000000 --pending 1024
echo "== DMA through the first path (scenarios/bench/dma-path.yaml)"
for k in native systemc; do
	"$iovsim" run scenarios/bench/dma-path.yaml --kernel $k --quiet --no-plots -o "$out/dma-$k"
	report_dma $k "$out/dma-$k"
done
echo "== DMA through the PCIe fabric: device, Gen3 x8 link, root complex, memory"
echo "   (scenarios/validate/pcie-dma-bw.yaml, 1 M random 64 B reads, link-bound)"
for k in native systemc; do
	"$iovsim" run scenarios/validate/pcie-dma-bw.yaml --kernel $k --quiet --no-plots \
		-p count=1000000 -o "$out/fabric-$k" || true
	report_dma $k "$out/fabric-$k"
done
echo "== DMA through the IOMMU: 64 B random reads in a 64 MiB window, 4 KiB pages"
echo "   (scenarios/validate/iommu-window.yaml: most reads miss the IOTLB and walk)"
for k in native systemc; do
	"$iovsim" run scenarios/validate/iommu-window.yaml --kernel $k --quiet --no-plots \
		-p count=300000 -o "$out/iommu-$k" || true
	report_dma $k "$out/iommu-$k"
done
echo "== packets through the SR-IOV NIC: 14 VFs, 3 VMs, both directions, posted and"
echo "   emulated interrupts (scenarios/seed/sriov-partition.yaml, 20,000 packets per VF"
echo "   and direction)"
for k in native systemc; do
	"$iovsim" run scenarios/seed/sriov-partition.yaml --kernel $k --quiet --no-plots \
		-p count=20000 -o "$out/nic-$k" >/dev/null 2>&1 || true
	pkts=$("$iovsim" compare "$out/nic-$k" --stat nic.tx_packets --stat nic.rx_packets --csv |
		awk -F, 'NR > 1 {n += $2} END {print n}')
	awk -v k=$k -v p="$pkts" '/"events_per_s"/ {gsub(/[,]/,""); ev=$2}
		/"wall_s"/ {gsub(/[,]/,""); w=$2}
		END {printf "kernel %-8s %.3f M packets/s (%d packets), %.1f M events/s, %.2f s wall\n",
			k, p / w / 1e6, p, ev/1e6, w}' "$out/nic-$k/stats.json"
done
echo "== memory vs trace length (native kernel, max RSS)"
for n in 100000 1000000; do
	/usr/bin/time -f "%M" -o "$out/rss-$n" "$iovsim" run scenarios/bench/dma-path.yaml \
		--kernel native --quiet --no-plots -p count=$n -o "$out/rss-run-$n" 2>/dev/null || true
	# (the scenario's expect: is written for its default count; only the RSS matters here)
	echo "count $n: max RSS $(tail -n 1 "$out/rss-$n") KiB"
done
