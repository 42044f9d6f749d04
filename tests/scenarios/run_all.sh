#!/bin/sh
# run_all.sh - run every scenario under scenarios/ on both event kernels, check
# each one's expect: block (exit 0), and require identical stats.json outside
# the top-level "host" member.
# usage: run_all.sh IOVSIM SOURCE_DIR OUT_DIR
set -u
iovsim=$1 src=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
fail=0 n=0
# strip the host block: it is the last top-level member, written last
strip_host() { sed '/^  "host": {/,$d' "$1"; }
for f in $(find "$src/scenarios" -name '*.yaml' | sort); do
	rel=${f#"$src"/scenarios/}
	name=$(echo "$rel" | tr '/' '_' | sed 's/\.yaml$//')
	n=$((n + 1))
	for k in native systemc; do
		if ! "$iovsim" run "$f" --kernel $k --quiet --no-plots -o "$out/$name.$k" \
			2>"$out/$name.$k.err"; then
			echo "FAIL $rel on $k:"; cat "$out/$name.$k.err"; fail=1
		fi
	done
	if [ -f "$out/$name.native/stats.json" ] && [ -f "$out/$name.systemc/stats.json" ]; then
		strip_host "$out/$name.native/stats.json" >"$out/$name.native.json"
		strip_host "$out/$name.systemc/stats.json" >"$out/$name.systemc.json"
		if ! grep -q '"dma"' "$out/$name.native.json"; then
			echo "FAIL $rel: stats.json has no dma block"; fail=1
		fi
		if ! diff -u "$out/$name.native.json" "$out/$name.systemc.json" >"$out/$name.diff"; then
			echo "FAIL $rel: stats.json differs between kernels:"; head -40 "$out/$name.diff"
			fail=1
		fi
	fi
	[ $fail -eq 0 ] && echo "ok   $rel"
done
[ $n -gt 0 ] || { echo "FAIL no scenarios found"; exit 1; }
exit $fail
