#!/usr/bin/env bash
# bench.sh - cost of modbus_an in tshark: median of N runs, as ratios against
# tshark with the plugin disabled, measured in the same run.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: bench/bench.sh [RUNS]   (needs build/modbus_an.so and ../shared/captures)
# Workloads (built once into a temp dir with mergecap/editcap):
#   modbus:    plant1-13plcs.pcap repeated 7x (~100k packets of Modbus/TCP)
#   unrelated: the non-Modbus EtherNet/IP + STP capture repeated (~100k packets)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
runs=${1:-5}
ts="$here/../tests/tshark.sh"
shared="$here/../../shared/captures"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

repeat() { # repeat FILE N OUT: N time-shifted copies, appended
    local f=$1 n=$2 out=$3 parts=() dur
    dur=$(capinfos -u -T -r "$f" | awk -F'\t' '{print int($2)+1}')
    for i in $(seq 0 $((n - 1))); do
        editcap -t $((i * dur)) "$f" "$work/part$i.pcap"
        parts+=("$work/part$i.pcap")
    done
    mergecap -a -w "$out" "${parts[@]}"; rm -f "${parts[@]}"
}
repeat "$shared/plant1-13plcs.pcap" 7 "$work/modbus.pcap"
repeat "$shared/rpvst-per-vlan-roots.pcap" 140 "$work/unrelated.pcap"
chmod 644 "$work"/*.pcap

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timeit() { # timeit ARGS... -> median wall seconds of $runs runs
    for _ in $(seq "$runs"); do
        s=$(date +%s.%N); "$ts" "$@" >/dev/null 2>&1; e=$(date +%s.%N)
        echo "$e - $s" | bc -l
    done | median
}
printf "%-10s %8s %-46s %9s %7s\n" workload packets case median_s ratio
for w in modbus unrelated; do
    f="$work/$w.pcap"
    n=$(capinfos -c -T -r "$f" | awk -F'\t' '{print $2}')
    base=$(timeit -r "$f" -q --disable-protocol modbus_an)
    printf "%-10s %8s %-46s %9.3f %7.3f\n" $w "$n" "tshark -q, plugin disabled (baseline)" "$base" 1
    for args in "-q" "-q -z modbus_an,stat" "-2 -q -z modbus_an,stat"; do
        # shellcheck disable=SC2086
        t=$(timeit -r "$f" $args)
        printf "%-10s %8s %-46s %9.3f %7.3f\n" $w "$n" "tshark $args" "$t" "$(echo "$t / $base" | bc -l)"
    done
    # Wireshark's own Modbus dissection with a display filter (needs a tree too)
    t=$(timeit -r "$f" -q --disable-protocol modbus_an -Y "modbus.func_code")
    printf "%-10s %8s %-46s %9.3f %7.3f\n" $w "$n" "tshark -q -Y modbus.func_code, plugin disabled" "$t" "$(echo "$t / $base" | bc -l)"
done
