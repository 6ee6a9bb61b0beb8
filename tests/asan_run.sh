#!/usr/bin/env bash
# asan_run.sh - every capture through the ASan+UBSan build of the plugin
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Loads build-asan's modbus_an.so into stock tshark (LD_PRELOAD of GCC's
# sanitizer runtimes), dissects every capture with the full tree (-V, -2),
# the stat tables, and copies with random byte errors (editcap -E, fixed
# seeds), and fails on any sanitizer report or tshark crash.
# Usage: tests/asan_run.sh BUILD_ASAN_DIR
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bdir=${1:?usage: asan_run.sh BUILD_ASAN_DIR}
so="$bdir/modbus_an.so"
grep -q __asan_report <(nm -D "$so") || { echo "asan_run: $so is not an ASan build"; exit 1; }
export MODBUS_AN_SO=$so
# Only tshark gets the sanitizer runtimes (other tools hang with them preloaded).
preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
san() {
    MODBUS_AN_PRELOAD=$preload ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$here/tshark.sh" "$@"
}
san --prove-loaded || exit 1

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
chmod 755 "$work"; mkdir -m 777 "$work/out"   # tshark runs as the unprivileged test user
shared="$here/../../shared/captures"
caps=("$here"/captures/edge/*.pcap "$here"/captures/features/*.pcap "$here"/captures/gen/*.pcap)
for f in "$here"/captures/net/*.pcap "$here"/captures/conclusions/*.pcap; do [ -f "$f" ] && caps+=("$f"); done
for f in "$shared"/*.pcap "$shared"/*.pcapng; do [ -f "$f" ] && caps+=("$f"); done
# Corrupted copies of the small captures: random byte errors, fixed seeds.
n=0
for f in "$here"/captures/edge/*.pcap "$here"/captures/features/*.pcap "$here"/captures/gen/gen_faults.pcap \
         "$here"/captures/gen/gen_heartbeat.pcap "$shared"/digitalbond-diag-exceptions.pcap \
         "$here"/captures/net/gen_network.pcap "$here"/captures/net/gen_stp_modbus.pcap \
         "$shared"/rstp-tc-real-switch.pcap "$shared"/rpvst-per-vlan-roots.pcap; do
    [ -f "$f" ] || continue
    for seed in 1 2 3; do
        out="$work/corrupt-$seed-$(basename "$f")"
        editcap --seed "$seed" -E 0.02 "$f" "$out" 2>/dev/null && caps+=("$out") && n=$((n + 1))
    done
done

# Register analysis with every configuration source: the files are copied
# where the unprivileged test user can read them.
cp "$here"/fixtures/hb/hb_defs.json "$here"/fixtures/hb/pcap_monitor.json "$work/out/"
regs_mode="-2 -V -o modbus_an.hb_defs_file:$work/out/hb_defs.json -o modbus_an.pcap_monitor_file:$work/out/pcap_monitor.json"
regs_mode+=" -o uat:modbus_an_registers:\"w\",\"\",\"\",\"holding\",\"0\",\"f32\",\"CDAB\""
regs_mode+=" -o uat:modbus_an_heartbeats:\"u\",\"\",\"\",\"\",\"\",\"holding\",\"1\",\"32\",\"\",\"\""
regs_mode+=" -z modbus_an,registers,$work/out/r.csv -o modbus_an.hb_stall_polls:1"
# Network analysis with its topology file, the UAT and tight windows.
[ -f "$here"/fixtures/net/pcap_monitor_net.json ] && cp "$here"/fixtures/net/pcap_monitor_net.json "$work/out/"
net_mode="-2 -V -o modbus_an.pcap_monitor_file:$work/out/pcap_monitor_net.json -z modbus_an,stat -z modbus_an,netcsv -z modbus_an,nettable"
net_mode+=" -o uat:modbus_an_expected:\"x\",\"127.0.0.1\",\"502\",\"\" -o modbus_an.connect_timeout:0.001"
net_mode+=" -o modbus_an.retry_window:0 -o modbus_an.stp_window:1"

fail=0 runs=0
for f in "${caps[@]}"; do
    modes=("-q -z modbus_an,stat -z modbus_an,csv -z modbus_an,features,$work/out/f.csv -z modbus_an,summary
            -z modbus_an,json -z modbus_an,verdict -z modbus_an,polls -z modbus_an,heartbeats -z modbus_an,flows
            -z modbus_an,connections -z modbus_an,tcp -z modbus_an,causes -z modbus_an,stp -z modbus_an,topology
            -z modbus_an,netcsv -z modbus_an,sqlite,$work/out/all.db")
    # the full tree in two passes on all but the largest captures (CI time),
    # once with the feature preferences that change the windows
    if [ "$(stat -c %s "$f")" -lt 400000 ]; then
        modes+=("-2 -V" "-2 -q -z modbus_an,table -z modbus_an,flowtable -z modbus_an,nettable -z modbus_an,json"
                "-V -o modbus_an.feature_split_direction:TRUE -o modbus_an.strict_unit_id:TRUE"
                "$regs_mode" "$net_mode")
    fi
    for mode in "${modes[@]}"; do
        # shellcheck disable=SC2086
        san $mode -r "$f" >/dev/null 2>"$work/err"
        rc=$?
        runs=$((runs + 1))
        if [ $rc -ge 128 ] || grep -q -E "AddressSanitizer|runtime error|LeakSanitizer" "$work/err"; then
            echo "FAIL: $mode $f (rc=$rc)"; head -30 "$work/err"; fail=$((fail + 1))
        fi
    done
done
echo "asan_run: $runs tshark runs over ${#caps[@]} captures ($n corrupted copies)"
echo "$((runs - fail)) passed, $fail failed"
[ $fail -eq 0 ]
