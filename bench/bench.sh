#!/usr/bin/env bash
# bench.sh - cost of modbus_an in tshark: median of N runs, as ratios against
# tshark with the plugin disabled, measured in the same run.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: bench/bench.sh [RUNS]   (needs build/modbus_an.so and ../shared/captures)
# Workloads (built once into a temp dir with mergecap/editcap):
#   modbus:    plant1-13plcs.pcap, 7 copies as new connections (bench/multiply.py):
#              107,709 packets, 111,832 Modbus/TCP PDUs, all decoded
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
python3 "$here/multiply.py" "$shared/plant1-13plcs.pcap" 7 "$work/modbus.pcap"
repeat "$shared/rpvst-per-vlan-roots.pcap" 140 "$work/unrelated.pcap"
chmod 644 "$work"/*.pcap

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timeit() { # timeit ARGS... -> median wall seconds of $runs runs
    for _ in $(seq "$runs"); do
        s=$(date +%s.%N); "$ts" "$@" >/dev/null 2>&1; e=$(date +%s.%N)
        echo "$e - $s" | bc -l
    done | median
}
mkdir -m 777 "$work/out"
printf "%-10s %8s %-58s %9s %7s\n" workload packets case median_s ratio
row() { printf "%-10s %8s %-58s %9.3f %7.3f\n" "$1" "$2" "$3" "$4" "$(echo "$4 / $5" | bc -l)"; }
for w in modbus unrelated; do
    f="$work/$w.pcap"
    n=$(capinfos -c -T -r "$f" | awk -F'\t' '{print $2}')
    base=$(timeit -r "$f" -q --disable-protocol modbus_an)
    row $w "$n" "tshark -q, plugin disabled (baseline)" "$base" "$base"
    # Wireshark's own Modbus dissection with a display filter (needs a tree too)
    own=$(timeit -r "$f" -q --disable-protocol modbus_an -Y "modbus.func_code")
    row $w "$n" "tshark -q -Y modbus.func_code, plugin disabled (own)" "$own" "$base"
    for args in "-q" "-q -z modbus_an,stat -o modbus_an.features:FALSE" "-q -z modbus_an,stat" \
                "-q -z modbus_an,features,$work/out/f.csv" "-2 -q -z modbus_an,stat"; do
        # shellcheck disable=SC2086
        t=$(timeit -r "$f" $args)
        row $w "$n" "tshark ${args/$work\/out\//}" "$t" "$base"
        case "$args" in
            "-q -z modbus_an,stat -o modbus_an.features:FALSE") t_off=$t ;;
            "-q -z modbus_an,stat") t_on=$t ;;
            *features,*) t_exp=$t ;;
        esac
    done
    [ "$w" = modbus ] || continue
    pdus=$(wc -l < "$work/out/f.csv"); pdus=$((pdus - 1))
    echo
    echo "Whole plugin, features on (-z modbus_an,stat) vs Wireshark's own Modbus dissection: $(echo "$t_on / $own" | bc -l | cut -c1-5)x (target <= 1.10)"
    echo "Feature extraction spec targets on $n packets / $pdus Modbus PDUs:"
    echo "  processing rate:         $(echo "$n / $t_on" | bc -l | cut -d. -f1) packets/s (target > 1000)"
    echo "  latency per PDU:         $(echo "$t_on * 1000 / $pdus" | bc -l | cut -c1-7) ms, whole tshark run incl. dissection (target < 1 ms)"
    echo "  feature overhead per PDU: $(echo "($t_on - $t_off) * 1000 / $pdus" | bc -l | cut -c1-7) ms (features on - off; target for window update < 0.1 ms)"
    echo "  CSV export:              $(echo "$t_exp / $own" | bc -l | cut -c1-5)x Wireshark's own dissection"
    for args in "--disable-protocol modbus_an" "-o modbus_an.features:FALSE -z modbus_an,stat" "-z modbus_an,stat"; do
        # shellcheck disable=SC2086
        rss=$( { /usr/bin/time -f "%M" "$ts" -r "$f" -q $args >/dev/null; } 2>&1 | tail -1)
        echo "  max RSS -q $args: $rss KiB ($(echo "$rss / 1024 * 10000 / $n" | bc -l | cut -c1-6) MiB per 10,000 packets)"
    done
    echo
done
