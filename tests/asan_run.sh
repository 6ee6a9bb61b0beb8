#!/usr/bin/env bash
# asan_run.sh - every capture through the ASan+UBSan build of the plugin
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Loads build-asan's modbus_an.so into stock tshark (LD_PRELOAD of GCC's
# sanitizer runtimes) and runs every capture, and copies with random byte
# errors (editcap -E, fixed seeds), through every analysis and output of the
# plugin; fails on any sanitizer report or tshark crash (exit status >= 128),
# naming the capture and the arguments.
#
# tshark reads one capture per start, so each start does as much as tshark
# allows at once - one capture, and every -z output that fits the mode:
#   plain  single pass, no protocol tree (-q), default preferences, every
#          output (the text sections, csv, netcsv, json, verdict, the
#          features and registers exports, the SQLite database);
#   tree2  -2 -V, default preferences, csv, json and the three GUI tables;
#   conf1  single pass -V with every non-default preference (feature windows
#          per direction, strict unit id; the register analysis from
#          hb_defs.json, pcap_monitor.json, both UATs, hb_stall_polls 1; the
#          network analysis's expected-server UAT and tight windows), every
#          output of the plugin;
#   conf2  the same with -2 and the topology file pcap_monitor_net.json.
# Every capture runs plain; all but the largest (CI time, as before) also
# conf2, and those of captures/gen, captures/net and ../shared/captures also
# tree2 and conf1 (the hand-made edge and feature captures of a few frames
# each add no line or branch there). The corrupted copies (editcap -E 0.02,
# seeds 1-3, as before) run once each: conf2, those of seed 2 plain. The
# former six separate modes of every capture (730 tshark starts) covered no
# line or branch of the plugin that these 194 do not (gcov; the one
# exception, a short-circuit in core/ma_feat.c's hash equality, depends on
# pointer values, not on the runs).
# Runs are independent and CPU-bound: N at a time (-j N, default nproc).
# To see what they cover: build with -DCMAKE_C_FLAGS=--coverage (and the
# same linker flags) and run MODBUS_AN_ASAN_RUN_NO_SANITIZER=1
# GCOV_PREFIX=DIR tests/asan_run.sh BUILD_DIR; gcov reads DIR's .gcda.
#
# Usage: tests/asan_run.sh [-j N] [--no-corrupt] BUILD_ASAN_DIR
#        tests/asan_run.sh --list [BUILD_DIR]   print the runs (mode, capture), run nothing
#   --no-corrupt  leave the corrupted copies out (scripts/test.sh: its fuzz
#                 stage runs 300 such copies of the same captures, with the
#                 same sanitizer build, -2 -V and every output)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jobs=$(nproc)
list=0 copies=1
while [ $# -gt 0 ]; do
    case $1 in
        -j) jobs=$2; shift 2 ;;
        -j*) jobs=${1#-j}; shift ;;
        --list) list=1; shift ;;
        --no-corrupt) copies=0; shift ;;
        *) break ;;
    esac
done
bdir=${1:-}
[ -n "$bdir" ] || [ $list = 1 ] || { echo "usage: asan_run.sh [-j N] BUILD_ASAN_DIR" >&2; exit 2; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
chmod 755 "$work"; mkdir -m 777 "$work/out"   # tshark runs as the unprivileged test user
shared=${MODBUS_AN_SHARED_CAPTURES:-}
[ -d "$here/../../shared/captures" ] && shared="$here/../../shared/captures"

# ---- the captures
caps=("$here"/captures/edge/*.pcap "$here"/captures/features/*.pcap "$here"/captures/gen/*.pcap)
for f in "$here"/captures/net/*.pcap "$here"/captures/conclusions/*.pcap; do [ -f "$f" ] && caps+=("$f"); done
if [ -n "$shared" ]; then
    for f in "$shared"/*.pcap "$shared"/*.pcapng; do [ -f "$f" ] && caps+=("$f"); done
fi
# Corrupted copies of the small captures: random byte errors, fixed seeds.
corrupt=()
for f in "$here"/captures/edge/*.pcap "$here"/captures/features/*.pcap "$here"/captures/gen/gen_faults.pcap \
         "$here"/captures/gen/gen_heartbeat.pcap "$shared"/digitalbond-diag-exceptions.pcap \
         "$here"/captures/net/gen_network.pcap "$here"/captures/net/gen_stp_modbus.pcap \
         "$shared"/rstp-tc-real-switch.pcap "$shared"/rpvst-per-vlan-roots.pcap; do
    [ -f "$f" ] && [ $copies = 1 ] || continue
    for seed in 1 2 3; do
        out="$work/corrupt-$seed-$(basename "$f")"
        editcap --seed "$seed" -E 0.02 "$f" "$out" 2>/dev/null && corrupt+=("$out")
    done
done

# ---- the runs: "mode<TAB>capture" per line
{
    for f in "${caps[@]}"; do
        printf 'plain\t%s\n' "$f"
        # the full tree on all but the largest captures (CI time), as before
        [ "$(stat -c %s "$f")" -lt 400000 ] || continue
        printf 'conf2\t%s\n' "$f"
        case $f in
            */captures/edge/* | */captures/features/*) ;;   # hand-made, a few frames each
            *) printf 'tree2\t%s\nconf1\t%s\n' "$f" "$f" ;;
        esac
    done
    for f in "${corrupt[@]}"; do
        case $f in
            */corrupt-2-*) printf 'plain\t%s\n' "$f" ;;
            *) printf 'conf2\t%s\n' "$f" ;;
        esac
    done
} > "$work/runs"
if [ $list = 1 ]; then
    sed "s|$work/|<tmp>/|" "$work/runs"
    exit 0
fi

so="$bdir/modbus_an.so"
if [ -z "${MODBUS_AN_ASAN_RUN_NO_SANITIZER:-}" ]; then
    grep -q __asan_report <(nm -D "$so") || { echo "asan_run: $so is not an ASan build"; exit 1; }
    # Only tshark gets the sanitizer runtimes (other tools hang with them preloaded).
    export MODBUS_AN_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
fi
export MODBUS_AN_SO=$so
export ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$here/tshark.sh" --prove-loaded || exit 1

# The configuration files, where the unprivileged test user can read them.
cp "$here"/fixtures/hb/hb_defs.json "$here"/fixtures/hb/pcap_monitor.json "$here"/fixtures/net/pcap_monitor_net.json \
   "$work/out/"
o=$work/out
regs="-o modbus_an.hb_defs_file:$o/hb_defs.json"
regs+=" -o uat:modbus_an_registers:\"w\",\"\",\"\",\"holding\",\"0\",\"f32\",\"CDAB\""
regs+=" -o uat:modbus_an_heartbeats:\"u\",\"\",\"\",\"\",\"\",\"holding\",\"1\",\"32\",\"\",\"\""
regs+=" -o modbus_an.hb_stall_polls:1"
net="-o uat:modbus_an_expected:\"x\",\"127.0.0.1\",\"502\",\"\" -o modbus_an.connect_timeout:0.001"
net+=" -o modbus_an.retry_window:0 -o modbus_an.stp_window:1"
feat="-o modbus_an.feature_split_direction:TRUE -o modbus_an.strict_unit_id:TRUE"
clitaps() {  # the text outputs; $1: a name for the files they write
    echo "-z modbus_an,stat -z modbus_an,csv -z modbus_an,features,$o/$1-f.csv -z modbus_an,netcsv" \
         "-z modbus_an,registers,$o/$1-r.csv -z modbus_an,summary -z modbus_an,json -z modbus_an,verdict" \
         "-z modbus_an,polls -z modbus_an,heartbeats -z modbus_an,flows -z modbus_an,connections" \
         "-z modbus_an,tcp -z modbus_an,causes -z modbus_an,stp -z modbus_an,topology" \
         "-z modbus_an,sqlite,$o/$1.db"
}
guitaps="-z modbus_an,table -z modbus_an,flowtable -z modbus_an,nettable"
export here o regs net feat guitaps
export -f clitaps

run_one() {  # mode capture
    local mode=$1 f=$2 id args rc
    id=$(printf '%s %s' "$mode" "$f" | sha1sum | cut -c1-12)
    case $mode in
        plain) args="-q $(clitaps "$id")" ;;
        tree2) args="-2 -V -z modbus_an,csv -z modbus_an,json $guitaps" ;;
        conf1) args="-V $feat $regs -o modbus_an.pcap_monitor_file:$o/pcap_monitor.json $net $(clitaps "$id") $guitaps" ;;
        conf2) args="-2 -V $feat $regs -o modbus_an.pcap_monitor_file:$o/pcap_monitor_net.json $net $(clitaps "$id") $guitaps" ;;
        *) echo "asan_run: unknown mode $mode" >&2; return 1 ;;
    esac
    # word splitting as intended: the UAT values keep their literal quotes
    # shellcheck disable=SC2086
    "$here/tshark.sh" $args -r "$f" >/dev/null 2>"$o/$id.err"
    rc=$?
    if [ $rc -ge 128 ] || grep -q -E "AddressSanitizer|runtime error|LeakSanitizer" "$o/$id.err"; then
        { echo "FAIL: $mode $f (rc=$rc)"; echo "  tshark $args -r $f"; head -30 "$o/$id.err"; } > "$o/$id.fail"
        cat "$o/$id.fail"
        echo fail
    else
        echo ok
    fi
    rm -f "$o/$id.err" "$o/$id-f.csv" "$o/$id-f.csv.stats.csv" "$o/$id-r.csv" "$o/$id.db"
}
export -f run_one

start=$(date +%s)
tr '\t' '\n' < "$work/runs" | xargs -d '\n' -n 2 -P "$jobs" bash -c 'run_one "$1" "$2"' _ > "$work/results"
runs=$(grep -c -E '^(ok|fail)$' "$work/results")
fail=$(grep -c '^fail$' "$work/results")
grep -v -E '^(ok|fail)$' "$work/results"
echo "asan_run: $runs tshark runs over $((${#caps[@]} + ${#corrupt[@]})) captures (${#corrupt[@]} corrupted copies)," \
     "$jobs at a time, $(( $(date +%s) - start )) s"
echo "$((runs - fail)) passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$runs" -eq "$(wc -l < "$work/runs")" ]
