#!/bin/sh
# irq_exits.sh - VM exits per interrupt: run scenarios/validate/irq-exits.yaml for
# every delivery (emulated|posted) x eoi_virt (on|off) x vcpu (running|halted)
# at two rates, and hold the counts to what the model promises
# (docs/validation.md, "Interrupts and VM exits"; FACTS.md: emulated delivery
# costs two exits, one with EOI virtualization, posted none):
#   running:  emulated = exactly 2 exits per interrupt (external_interrupt, eoi),
#             1 with EOI virtualization (external_interrupt); posted = 0;
#             no wakeups;
#   halted:   one host wakeup per interrupt and no external-interrupt exit
#             (the vCPU is not in guest mode when the interrupt comes);
#             emulated: an EOI exit unless EOI virtualization is on; posted:
#             no EOI exit; the idle guest's HLT afterwards is one halt exit
#             per interrupt; with idle_halt=off (the guest stays awake after
#             the first wakeup) posted has 0 exits at all.
# Prints the table that docs/validation.md shows.
# usage: irq_exits.sh IOVSIM SOURCE_DIR OUT_DIR
set -u
iovsim=$1 src=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
fail=0
scen="$src/scenarios/validate/irq-exits.yaml"
count=1000

# flatten NAME's stats.json into NAME.flat: one "a.b.c=value" per line
flatten() {
	awk '
	/^ *"[^"]*": \{/ { match($0, /"[^"]*"/); st[++n] = substr($0, RSTART + 1, RLENGTH - 2); next }
	/^ *\}/ { n--; next }
	/^ *"[^"]*": / { match($0, /"[^"]*"/); k = substr($0, RSTART + 1, RLENGTH - 2)
		v = $0; sub(/^[^:]*: */, "", v); sub(/,$/, "", v); p = ""
		for (i = 1; i <= n; i++) p = p st[i] "."
		print p k "=" v }' "$out/$1/stats.json" >"$out/$1.flat"
}
get() { grep "^$2=" "$out/$1.flat" | head -1 | sed 's/^[^=]*=//'; }

run() {
	name=$1; shift
	if ! "$iovsim" run "$scen" --kernel native --quiet --no-plots -o "$out/$name" \
		-p count=$count "$@" 2>"$out/$name.err"; then
		echo "FAIL $name: run failed"; cat "$out/$name.err"; fail=1; return 1
	fi
	flatten "$name"
}
# expect NAME STAT WANTED
expect() {
	got=$(get "$1" "$2")
	if [ "$got" = "$3" ]; then echo "ok   $1: $2 = $got"
	else echo "FAIL $1: $2 = $got, wanted $3"; fail=1; fi
}

printf '%-34s %8s %8s %8s %8s %8s %11s %13s\n' "configuration" "exits/irq" "ext_int" "eoi" \
	"halt" "wakeups" "cycles/irq" "latency p50 ns" >"$out/table.txt"
row() {
	name=$1 path=$2
	awk -v n="$name" -v t="$(get "$name" vm_exits.total)" -v x="$(get "$name" \
		vm_exits.by_reason.external_interrupt)" -v eo="$(get "$name" vm_exits.by_reason.eoi)" \
		-v h="$(get "$name" vm_exits.by_reason.halt)" -v w="$(get "$name" interrupts.wakeups)" \
		-v cy="$(get "$name" hypervisor.cpu_cycles)" -v c=$count \
		-v l="$(get "$name" interrupts.latency_ns.$path.p50)" 'BEGIN {
		printf "%-34s %8.2f %8d %8d %8d %8d %11.0f %13.0f\n", n, t / c, x, eo, h, w, cy / c, l }' \
		>>"$out/table.txt"
}

two=$((2 * count))
for rate in 10000 100000; do
	for d in emulated posted; do
		for eoi in off on; do
			n="running-$d-eoi_$eoi-$rate"
			run "$n" -p delivery=$d -p eoi_virt=$eoi -p vcpu=running -p rate=$rate || continue
			expect "$n" interrupts.delivered $count
			expect "$n" interrupts.wakeups 0
			if [ $d = posted ]; then
				expect "$n" vm_exits.total 0
			elif [ $eoi = off ]; then
				expect "$n" vm_exits.total $two
				expect "$n" vm_exits.by_reason.eoi $count
			else
				expect "$n" vm_exits.total $count
				expect "$n" vm_exits.by_reason.eoi 0
			fi
			[ $d = emulated ] && expect "$n" vm_exits.by_reason.external_interrupt $count
			[ $rate = 100000 ] && row "$n" $d

			n="halted-$d-eoi_$eoi-$rate"
			run "$n" -p delivery=$d -p eoi_virt=$eoi -p vcpu=halted -p rate=$rate || continue
			expect "$n" interrupts.delivered $count
			expect "$n" interrupts.wakeups $count
			expect "$n" vm_exits.by_reason.external_interrupt 0
			expect "$n" vm_exits.by_reason.halt $count
			if [ $d = emulated ] && [ $eoi = off ]; then
				expect "$n" vm_exits.by_reason.eoi $count
				expect "$n" vm_exits.total $two
			else
				expect "$n" vm_exits.by_reason.eoi 0
				expect "$n" vm_exits.total $count
			fi
			[ $rate = 100000 ] && row "$n" ${d}_wakeup
		done
	done
done
n=halted-posted-awake
if run "$n" -p delivery=posted -p vcpu=halted -p idle_halt=off; then
	expect "$n" vm_exits.total 0
	expect "$n" interrupts.wakeups 1
	expect "$n" interrupts.delivered $count
fi
echo; cat "$out/table.txt"
exit $fail
