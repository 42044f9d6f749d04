#!/bin/sh
# eli_throughput.sh - what interrupt delivery costs a CPU-bound guest: run
# scenarios/validate/eli-throughput.yaml (one VF, one vCPU, an RX stream at line
# rate, 4,000 application cycles per packet) for delivery bare | posted |
# emulated_eoi | emulated and hold the SHAPE to ELI's (ASPLOS'12, FACTS.md:
# exitless 97-100 % of bare metal, plain device assignment 60-65 %, 1.3-1.6x;
# docs/validation.md, "Exitless interrupts and throughput"):
#   1. every run is CPU-bound (vCPU saturated, below line rate), no host CPU in
#      the data path;
#   2. exits: none for bare and posted; emulated: one external-interrupt exit
#      per MSI (or an injection at another exit's entry), one EOI exit per
#      handler (MSIs merged into a pending vIRR bit have none); emulated_eoi: no
#      EOI exits;
#   3. throughput, with the NIC's interrupt moderation (itr_time 10 us) and
#      without (0): posted within 1 % of bare; emulated at least 1.5 points
#      below posted; bare >= posted > emulated_eoi > emulated; without
#      moderation emulated below 80 % of bare (there emulated_eoi is only held
#      within 3 % of emulated: its EOI exits are ~0.1 % of the vCPU);
#   4. sensitivity: exits' indirect cost (exit_indirect_factor 0, 1, 2 x the
#      direct cost) and the interrupt rate (itr_time 10 us, 2 us, 0) lower the
#      emulated runs' throughput monotonically; posted has no exits to lose to.
# Prints the tables that docs/validation.md shows.
# usage: eli_throughput.sh IOVSIM SOURCE_DIR OUT_DIR
set -u
iovsim=$1 src=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
fail=0
scen="$src/scenarios/validate/eli-throughput.yaml"
. "$src/tests/scenarios/check_lib.sh"      # run, get, check
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }'; }
sum() { awk -v a="$1" -v b="$2" 'BEGIN { print a + b }'; }

g=components.nic0.vf1.rx_gbps
for d in bare posted emulated_eoi emulated; do
	run $d -p delivery=$d
done
for x in 1 2; do
	run emulated_eoi-x$x -p delivery=emulated_eoi -p indirect=$x
	run emulated-x$x -p delivery=emulated -p indirect=$x
done
run posted-x2 -p delivery=posted -p indirect=2
for d in bare posted emulated_eoi emulated; do
	run $d-itr0 -p delivery=$d -p itr_time=0ns
done
for x in 1 2; do
	run emulated-itr0-x$x -p delivery=emulated -p itr_time=0ns -p indirect=$x
done
for d in bare posted emulated; do
	run $d-itr2 -p delivery=$d -p itr_time=2us
done

echo "1. CPU-bound: the vCPU is saturated, below line rate, no host CPU for data"
for r in bare posted emulated_eoi emulated; do
	check "$r vCPU utilization >= 0.99" "$(get $r vcpus.vm0.utilization)" ge 0.99
	check "$r Gb/s < 9" "$(get $r $g)" lt 9
	check "$r RX drops > 0 (the guest cannot keep up)" "$(get $r components.nic0.vf1.rx_drops)" gt 0
	check "$r host work cycles = 0" "$(get $r hypervisor.work_cycles)" eq 0
	check "$r guest work = the driver's and application's" \
		"$(get $r vcpus.vm0.guest_work_cycles)" gt 0
done

echo "2. exits per interrupt"
for r in bare posted; do
	check "$r VM exits = 0" "$(get $r vm_exits.total)" eq 0
	check "$r guest utilization = utilization" "$(get $r vcpus.vm0.guest_utilization)" eq \
		"$(get $r vcpus.vm0.utilization)"
done
check "emulated: eoi exits = handlers" "$(get emulated vm_exits.by_reason.eoi)" eq \
	"$(get emulated interrupts.delivered)"
check "emulated: external exits + exitless injections = handled + merged" \
	"$(sum "$(get emulated vm_exits.by_reason.external_interrupt)" \
	       "$(get emulated interrupts.exitless_injections)")" eq \
	"$(sum "$(get emulated interrupts.delivered)" "$(get emulated interrupts.merged)")"
check "emulated_eoi: no EOI exits" "$(get emulated_eoi vm_exits.by_reason.eoi)" eq 0
check "emulated_eoi: external exits + exitless injections = handled + merged" \
	"$(sum "$(get emulated_eoi vm_exits.by_reason.external_interrupt)" \
	       "$(get emulated_eoi interrupts.exitless_injections)")" eq \
	"$(sum "$(get emulated_eoi interrupts.delivered)" "$(get emulated_eoi interrupts.merged)")"
check "emulated: some MSIs merge into a pending vIRR bit (busy vCPU)" \
	"$(get emulated interrupts.merged)" gt 0
check "emulated: root-mode time > 0" "$(get emulated vcpus.vm0.root_ns)" gt 0
check "emulated: guest share < posted's" "$(get emulated vcpus.vm0.guest_utilization)" lt \
	"$(get posted vcpus.vm0.guest_utilization)"

echo "3. throughput against bare (itr_time 10 us, the NIC's default; and 0: no moderation)"
for i in "" -itr0; do
	b=$(get bare$i $g)
	check "bare$i >= posted$i" "$b" ge "$(get posted$i $g)"
	check "posted$i > emulated_eoi$i" "$(get posted$i $g)" gt "$(get emulated_eoi$i $g)"
	if [ -z "$i" ]; then
		check "emulated_eoi$i > emulated$i" "$(get emulated_eoi$i $g)" gt "$(get emulated$i $g)"
	else
		# An interrupt per packet: ~99.6 % of the MSIs merge into a pending vIRR bit,
		# so EOI exits are one per handler run (~80 in the run, ~0.1 % of the vCPU),
		# below the run-to-run spread of this regime: no ordering, within 3 %.
		check "emulated_eoi$i >= 0.97 x emulated$i" "$(get emulated_eoi$i $g)" ge \
			"$(awk -v x="$(get emulated$i $g)" 'BEGIN { print 0.97 * x }')"
	fi
	check "posted$i / bare$i >= 0.99" "$(ratio "$(get posted$i $g)" "$b")" ge 0.99
	check "emulated$i / bare$i <= posted$i / bare$i - 0.015" "$(ratio "$(get emulated$i $g)" "$b")" \
		le "$(awk -v r="$(ratio "$(get posted$i $g)" "$b")" 'BEGIN { print r - 0.015 }')"
done
check "no moderation: emulated / bare < 0.8" "$(ratio "$(get emulated-itr0 $g)" \
	"$(get bare-itr0 $g)")" lt 0.8

echo "4. sensitivity: indirect exit costs and interrupt rate"
check "emulated: indirect 1x < 0" "$(get emulated-x1 $g)" lt "$(get emulated $g)"
check "emulated: indirect 2x < 1x" "$(get emulated-x2 $g)" lt "$(get emulated-x1 $g)"
check "emulated_eoi: indirect 1x < 0" "$(get emulated_eoi-x1 $g)" lt "$(get emulated_eoi $g)"
check "emulated_eoi: indirect 2x < 1x" "$(get emulated_eoi-x2 $g)" lt "$(get emulated_eoi-x1 $g)"
check "no moderation, emulated: indirect 1x < 0" "$(get emulated-itr0-x1 $g)" lt \
	"$(get emulated-itr0 $g)"
check "no moderation, emulated: indirect 2x < 1x" "$(get emulated-itr0-x2 $g)" lt \
	"$(get emulated-itr0-x1 $g)"
check "emulated 2x: lost guest cycles = 2 x exit cycles" \
	"$(get emulated-x2 vcpus.vm0.indirect_cycles)" eq \
	"$(awk -v c="$(get emulated-x2 vm_exits.cycles)" 'BEGIN { print 2 * c }')"
check "posted: indirect 2x changes nothing (no exits)" "$(get posted-x2 $g)" eq "$(get posted $g)"
check "itr 2 us: emulated between no moderation and 10 us" "$(get emulated-itr2 $g)" lt \
	"$(get emulated $g)"
check "itr 2 us: emulated above no moderation" "$(get emulated-itr2 $g)" gt \
	"$(get emulated-itr0 $g)"
check "itr 2 us: posted / bare >= 0.99" "$(ratio "$(get posted-itr2 $g)" "$(get bare-itr2 $g)")" \
	ge 0.99

# the tables of docs/validation.md
{
	printf '| run | Gb/s | / bare | handlers / s | VM exits / s | vCPU: guest / root / indirect (%%) |\n'
	printf '|---|---|---|---|---|---|\n'
	for r in bare posted emulated_eoi emulated emulated_eoi-x1 emulated-x1 emulated_eoi-x2 \
		 emulated-x2 bare-itr2 posted-itr2 emulated-itr2 bare-itr0 posted-itr0 \
		 emulated_eoi-itr0 emulated-itr0 emulated-itr0-x1 emulated-itr0-x2; do
		case $r in *itr2*) base=bare-itr2 ;; *itr0*) base=bare-itr0 ;; *) base=bare ;; esac
		awk -v r="$r" -v gb="$(get $r $g)" -v b="$(get $base $g)" \
			-v ips="$(get $r interrupts.per_second)" -v eps="$(get $r vm_exits.per_second)" \
			-v gu="$(get $r vcpus.vm0.guest_ns)" -v ro="$(get $r vcpus.vm0.root_ns)" \
			-v ix="$(get $r vcpus.vm0.indirect_ns)" -v id="$(get $r vcpus.vm0.idle_ns)" 'BEGIN {
			t = gu + ro + ix + id
			printf "| %s | %.3f | %.3f | %.0f | %.0f | %.1f / %.1f / %.1f |\n", r, gb, gb / b,
				ips, eps, 100 * gu / t, 100 * ro / t, 100 * ix / t }'
	done
} >"$out/table.md"
cat "$out/table.md"
exit $fail
