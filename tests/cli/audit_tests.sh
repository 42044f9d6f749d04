#!/bin/sh
# audit_tests.sh - `iovsim audit`: exit codes, located errors, the groups and
# bypass pairs of the seed scenarios, JSON, nothing written but stdout.
# usage: audit_tests.sh IOVSIM SOURCE_DIR OUT_DIR
set -u
[ $# -eq 3 ] || { echo "usage: audit_tests.sh IOVSIM SOURCE_DIR OUT_DIR" >&2; exit 2; }
iovsim=$1 src=$2 out=$3
case $iovsim in /*) ;; *) iovsim=$(pwd)/$iovsim ;; esac
case $src in /*) ;; *) src=$(pwd)/$src ;; esac
data=$src/tests/cli/data
ig=$src/scenarios/seed/isolation-groups.yaml
p2p=$src/scenarios/seed/p2p-switch.yaml
rm -rf "$out" && mkdir -p "$out" || exit 2
fail=0

. "$(dirname "$0")/lib.sh"

# has NAME FIXED_STRING: the last output of NAME contains the line fragment.
has() {
	if ! grep -qF -- "$2" "$out/$1.out"; then
		echo "FAIL $1: output lacks '$2':"; cat "$out/$1.out"; fail=1
	fi
}
hasnt() {
	if grep -qF -- "$2" "$out/$1.out"; then
		echo "FAIL $1: output has '$2'"; fail=1
	fi
}

# --- usage --------------------------------------------------------------------
expect_run help 0 'usage: iovsim audit FILE' "$iovsim" audit --help
expect_run main-help 0 'audit FILE' "$iovsim" --help
expect_run no-file 2 'iovsim audit: error: no scenario file given' "$iovsim" audit
expect_run bad-option 2 "unknown option '--bogus'" "$iovsim" audit "$ig" --bogus
expect_run two-files 2 'more than one scenario file' "$iovsim" audit "$ig" "$p2p"
expect_run p-no-value 2 '-p needs NAME=VALUE' "$iovsim" audit "$ig" -p
expect_run p-no-eq 2 "expected NAME=VALUE" "$iovsim" audit "$ig" -p count

# --- bad input: located error, exit 2, nothing on stdout ------------------------
expect_run missing-file 2 'nonexistent.yaml: error: ' "$iovsim" audit "$out/nonexistent.yaml"
expect_run bad-syntax 2 'bad-syntax.yaml:[0-9]+:[0-9]+: error: ' \
	"$iovsim" audit "$data/bad-syntax.yaml"
expect_run bad-key 2 "bad-key.yaml:5:5: error: unknown key 'latncy'" \
	"$iovsim" audit "$data/bad-key.yaml"
expect_run bad-type 2 "bad-type.yaml:4:11: error: unknown component type 'dram_controller'" \
	"$iovsim" audit "$data/bad-type.yaml"
expect_run unknown-param 2 "unknown parameter 'nope'" "$iovsim" audit "$p2p" -p nope=1
expect_run bad-acs 2 'p2p-switch.yaml:[0-9]+:[0-9]+: error: unknown ACS setting' \
	"$iovsim" audit "$p2p" -p acs=bogus
# a topology enumeration rejects: a pinned bus already used above it
cat >"$out/bad-bus.yaml" <<'EOF'
name: bad-bus
components:
  - {name: rc, type: pcie_root_complex, root_ports: 2}
  - {name: mem, type: memory}
  - {name: d0, type: dma_source, trace: {gen: seq, count: 1}}
  - {name: d1, type: dma_source, bus: 1, trace: {gen: seq, count: 1}}
connections:
  - [rc.mem, mem.port]
  - [rc.rp0, d0.up]
  - [rc.rp1, d1.up]
EOF
expect_run bad-bus 2 "bad-bus.yaml:6:5: error: 'd1' pins bus 1" "$iovsim" audit "$out/bad-bus.yaml"
for n in missing-file bad-syntax bad-key bad-type unknown-param bad-acs bad-bus; do
	if [ -s "$out/$n.out" ]; then echo "FAIL $n: wrote to stdout on bad input"; fail=1; fi
done

# --- no PCIe hierarchy: a note, exit 0 -------------------------------------------
expect_run no-rc 0 'no PCIe hierarchy \(no pcie_root_complex\)' \
	"$iovsim" audit "$src/scenarios/quickstart.yaml"
expect_run no-rc-json 0 '"root_complex": null' \
	"$iovsim" audit "$src/scenarios/quickstart.yaml" --json

# --- isolation-groups: tree, groups, bypass pairs ---------------------------------
if expect_run ig 0 '' "$iovsim" audit "$ig" --groups reach; then
	has ig "      02:00.0 sw.dp0: switch downstream port, bus [03-03], window 0xe0000000-0xe00fffff, ACS - (not isolating)"
	has ig "        03:00.0 dev_a: endpoint, vm0, BAR0 0xe0000000 (1 MiB), ACS -"
	has ig "        04:00.0 dev_b: endpoint, vm1, BAR0 0xe0100000 (1 MiB), ACS -"
	has ig "        05:00.* mfd0: multi-function device, 2 functions"
	has ig "          05:00.1 fb: endpoint (function 1), host, BAR0 0xe0300000 (64 KiB), ACS - (no RR CR)"
	has ig "    06:00.0 dev_c: endpoint, vm0, BAR0 0xe0400000 (1 MiB), ACS -"
	has ig "  group 0: 03:00.0 dev_a, 04:00.0 dev_b"
	has ig "sw.dp0 02:00.0 no ACS; sw.dp1 02:01.0 no ACS"
	has ig "  group 1: 05:00.0 fa, 05:00.1 fb"
	has ig "multi-function device mfd0 without ACS (RR CR) on functions fa, fb"
	has ig "  group 2: 06:00.0 dev_c"
	has ig "  dev_a -> dev_b via sw.dp0 (ACS -): crosses VMs: vm0 -> vm1"
	has ig "  dev_b -> dev_a via sw.dp1 (ACS -): crosses VMs: vm1 -> vm0"
	has ig "  fa -> fb via mfd0 (ACS - of fa)"
	has ig "summary: 11 functions, 3 IOMMU groups, 8 bypass pairs (6 crossing VMs), 4 redirected to the root complex, 0 blocked"
	hasnt ig "fa -> dev_a"          # sw.dp2 has ACS: redirected to the root complex
	[ -s "$out/ig.err" ] && { echo "FAIL ig: wrote to stderr"; fail=1; }
fi
# the same audit again: byte for byte
"$iovsim" audit "$ig" --groups reach >"$out/ig2.out" 2>/dev/null
cmp -s "$out/ig.out" "$out/ig2.out" || { echo "FAIL ig: output differs between runs"; fail=1; }

if expect_run ig-acs 0 '' "$iovsim" audit "$ig" -p dp_acs=all; then
	has ig-acs "  group 0: 03:00.0 dev_a"
	has ig-acs "  group 1: 04:00.0 dev_b"
	has ig-acs "  group 2: 05:00.0 fa, 05:00.1 fb"
	has ig-acs "summary: 11 functions, 4 IOMMU groups, 2 bypass pairs (0 crossing VMs), 10 redirected"
	hasnt ig-acs "dev_a -> dev_b"
fi

if expect_run ig-json 0 '' "$iovsim" audit "$ig" --json --groups reach; then
	has ig-json '"scenario": "isolation-groups",'
	has ig-json '{"id": 0, "members": ["03:00.0", "04:00.0"], "names": ["dev_a", "dev_b"], "reason": "peer-to-peer'
	has ig-json '{"from": "dev_a", "to": "dev_b", "from_bdf": "03:00.0", "to_bdf": "04:00.0", "via": "sw.dp0", "acs": "-", "cross_vm": true, "from_vm": "vm0", "to_vm": "vm1", "cross_group": false}'
	has ig-json '"bars": [{"addr": "0xe0100000", "size": 1048576}]'
	has ig-json '"redirected": 4'
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["groups"]) == 3 and len(d["bypass"]) == 8 and len(d["functions"]) == 11' \
			"$out/ig-json.out" 2>/dev/null || { echo "FAIL ig-json: not the JSON expected"; fail=1; }
	fi
fi

# Linux grouping (the default): each port without ACS roots its own group;
# the pair still reaches across and is flagged
if expect_run ig-linux 0 '' "$iovsim" audit "$ig"; then
	has ig-linux "  group 0: 03:00.0 dev_a"
	has ig-linux "  group 1: 04:00.0 dev_b"
	has ig-linux "  dev_a -> dev_b via sw.dp0 (ACS -): crosses VMs: vm0 -> vm1, crosses IOMMU groups 0 -> 1"
fi
expect_run bad-groups 2 '--groups takes linux or reach' "$iovsim" audit "$ig" --groups bogus

# --- p2p-switch: no ACS -> one group and a bypass pair; ACS -> redirected ------------
if expect_run p2p-none 0 '' "$iovsim" audit "$p2p" --groups reach; then
	has p2p-none "  group 0: 03:00.0 dev0, 04:00.0 dev1"
	has p2p-none "  dev0 -> dev1 via sw.dp0 (ACS -)"
fi
if expect_run p2p-all 0 '' "$iovsim" audit "$p2p" -p acs=all; then
	has p2p-all "      02:01.0 sw.dp1: switch downstream port, bus [04-04], window 0xe0100000-0xe01fffff, ACS SV TB RR CR UF DT"
	has p2p-all "0 bypass pairs (0 crossing VMs), 1 redirected to the root complex"
fi

# --- sriov-vfs: the PF with its SR-IOV capability, VFs below it, one group each -------
sr=$src/scenarios/seed/sriov-vfs.yaml
expect_run sriov-text 0 'summary: 16 functions, 15 IOMMU groups' "$iovsim" audit "$sr"
has sriov-text "01:00.0 nic0: endpoint, host, BAR0 0xe0000000 (1 MiB), ACS -, caps PCIe MSI-X SR-IOV, SR-IOV TotalVFs 64, NumVFs 14, offset 1, stride 1, ARI"
has sriov-text "      01:00.3 nic0.vf3: endpoint (VF 3 of nic0), vm1, BAR0 0xe0108000 (16 KiB), BAR1 0xe0208000 (16 KiB)"
has sriov-text "  group 14: 01:01.6 nic0.vf14"
hasnt sriov-text "nic0.vf15"
expect_run sriov-fewer 0 'summary: 6 functions, 5 IOMMU groups' "$iovsim" audit "$sr" -p num_vfs=4
expect_run sriov-json 0 '"pf": "nic0", "vf": 14' "$iovsim" audit "$sr" --json
expect_run sriov-too-many 2 'sriov-vfs.yaml:[0-9]+:[0-9]+: error: .*num_vfs 65 is more than total_vfs 64' \
	"$iovsim" audit "$sr" -p num_vfs=65

# --- sriov-partition: the NIC's embedded switch, its ports and the pairs across VMs ----
sp=$src/scenarios/seed/sriov-partition.yaml
if expect_run esw-text 0 'Embedded switches \(packets between these functions stay inside the device' \
	"$iovsim" audit "$sp"; then
	has esw-text "  nic0 01:00.0: forwards by destination MAC and VLAN, 15 ports"
	has esw-text "    01:00.0 nic0: host, untagged"
	has esw-text "    01:01.6 nic0.vf14: vm2, untagged"
	has esw-text "    nic0.vf1 <-> nic0.vf9 (untagged): crosses VMs: vm0 <-> vm1, crosses IOMMU groups 1 <-> 9"
	has esw-text "    nic0.vf12 <-> nic0.vf14 (untagged): crosses VMs: vm1 <-> vm2"
	hasnt esw-text "nic0.vf1 <-> nic0.vf2 "         # same VM: counted, not listed
	has esw-text "    105 pairs exchange packets inside nic0: 70 crossing VMs (listed), 35 within one VM"
	has esw-text ", 0 blocked, 105 embedded-switch pairs (70 crossing VMs)"
	n=$(grep -c 'crosses VMs' "$out/esw-text.out")
	[ "$n" -eq 70 ] || { echo "FAIL esw-text: $n pairs listed, not 70"; fail=1; }
fi
if expect_run esw-json 0 '"eswitch": \[' "$iovsim" audit "$sp" --json; then
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["eswitch"]; assert len(s) == 1 and s[0]["device"] == "nic0" and s[0]["enabled"] and len(s[0]["ports"]) == 15 and len(s[0]["pairs"]) == 105 and s[0]["pairs_cross_vm"] == 70 and sum(p["cross_vm"] for p in s[0]["pairs"]) == 70 and s[0]["ports"][13]["vm"] == "vm2" and s[0]["ports"][0]["vm"] is None' \
		"$out/esw-json.out" 2>/dev/null || { echo "FAIL esw-json: not the JSON expected"; fail=1; }
fi
sed 's/^    type: sriov_nic$/    type: sriov_nic\n    eswitch: false/' "$sp" >"$out/esw-off.yaml"
if expect_run esw-off 0 'nic0 01:00.0: disabled \(forwards nothing\)' "$iovsim" audit "$out/esw-off.yaml"; then
	has esw-off "    0 pairs exchange packets inside nic0: 0 crossing VMs (listed), 0 within one VM"
	hasnt esw-off "crosses VMs"
fi
expect_run esw-none 0 '' "$iovsim" audit "$ig"
hasnt esw-none "Embedded switches"
hasnt esw-none "embedded-switch pairs"

# --- stdout only: no files, no out/ directory ----------------------------------------
mkdir -p "$out/cwd"
(cd "$out/cwd" && "$iovsim" audit "$ig" >/dev/null 2>&1 && "$iovsim" audit "$ig" --json >/dev/null 2>&1)
if [ -n "$(ls -A "$out/cwd")" ]; then echo "FAIL no-files: audit wrote $(ls -A "$out/cwd")"; fail=1
else echo "ok   no-files"; fi

[ $fail -eq 0 ] && echo "audit tests: all passed"
exit $fail
