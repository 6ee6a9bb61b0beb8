#!/usr/bin/env bash
# profile.sh - where tshark -z modbus_an,stat spends its time: perf (software cpu-clock, frame
# pointers) on a frame-pointer build of the plugin; top 30 symbols (self and children) and the
# split between modbus_an.so, libwireshark, wsutil/wiretap, glib, libc and the kernel.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: bench/profile.sh [--rev REV|worktree] [--so PATH] [--workload NAME] [--label NAME]
#                         [--case "TSHARK ARGS"] [--top N]
#   (default)      build the working tree with frame pointers, as the issue says:
#                  cmake -S . -B build-prof -DCMAKE_BUILD_TYPE=RelWithDebInfo
#                        -DCMAKE_C_FLAGS=-fno-omit-frame-pointer   (target modbus_an only)
#   --rev REV      build a git revision instead (bench/build_rev.sh --fp REV: git archive into
#                  build-bench/so-<rev>-fp; "worktree" = a copy of the working tree as it is now)
#   --so PATH      profile this plugin as it is (no build; without frame pointers the callers of
#                  its functions are partly lost)
#   --workload     default modbus-lossy-100k (bench/workloads.py builds it on demand)
#   --case         default "-q -z modbus_an,stat"
#   --label        names the outputs (default: the plugin's sha256 prefix)
#   --top N        rows per table (default 30)
# Environment: PERF_FREQ (samples/s, default 10000), CALL_GRAPH (default fp; dwarf gives
# complete stacks through Debian's libraries, which have no frame pointers, at ~100x the data).
# Outputs: build-prof/perf-<label>.data (open with perf report -i ...) and
# build-prof/profile-<label>.txt (this script's report). Takes ~1 min (plus the build).
#
# tshark runs through tests/tshark.sh, i.e. as the unprivileged test user with only the
# plugin under test (root ignores personal plugin folders); perf runs as root around it and
# follows it across setpriv; the report keeps the samples of the tshark process only.
# Hardware counters are not available on this VM: cpu-clock is a software event.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
rev="" so="" workload=modbus-lossy-100k label="" case_args="-q -z modbus_an,stat" top=30
while [ $# -gt 0 ]; do
    case "$1" in
        --rev) rev=$2; shift 2 ;;
        --so) so=$(realpath "$2"); shift 2 ;;
        --workload) workload=$2; shift 2 ;;
        --label) label=$2; shift 2 ;;
        --case) case_args=$2; shift 2 ;;
        --top) top=$2; shift 2 ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        *) echo "profile.sh: unknown argument $1 (--help)" >&2; exit 2 ;;
    esac
done
command -v perf >/dev/null || { echo "profile.sh: perf is missing (apt-get install linux-perf)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || echo "profile.sh: not root: perf may be refused (perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid))" >&2

out="$repo/build-prof"
mkdir -p "$out"
if [ -n "$so" ]; then
    built="given: $so"
elif [ -n "$rev" ]; then
    echo "profile.sh: building $rev with frame pointers (bench/build_rev.sh --fp $rev) ..." >&2
    so=$("$here/build_rev.sh" --fp "$rev")
    built="bench/build_rev.sh --fp $rev"
else
    echo "profile.sh: building the working tree with frame pointers into build-prof/ ..." >&2
    {
        cmake -S "$repo" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMODBUS_AN_WERROR=OFF \
            -DCMAKE_C_FLAGS=-fno-omit-frame-pointer
        cmake --build "$out" --target modbus_an -j"$(nproc)"
    } >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; echo "profile.sh: build failed ($out/build.log)" >&2; exit 1; }
    so="$out/modbus_an.so"
    built="cmake -S . -B build-prof -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS=-fno-omit-frame-pointer (working tree, git $(git -C "$repo" rev-parse --short HEAD), $(git -C "$repo" status --porcelain | wc -l) changed files)"
fi
[ -f "$so" ] || { echo "profile.sh: no plugin at $so" >&2; exit 1; }
sha=$(sha256sum "$so" | cut -c1-16)
label=${label:-$sha}
fp_note="frame pointers: yes"
nfp=$(objdump -d --no-show-raw-insn "$so" 2>/dev/null | grep -c "mov    %rsp,%rbp" || true)
if [ "${nfp:-0}" -lt 20 ]; then
    fp_note="frame pointers: NO (not a -fno-omit-frame-pointer build: callers are partly lost)"
fi

# The workload (built on demand), readable by the test user.
wl_line=$(python3 "$here/workloads.py" "$workload")
pcap=$(printf '%s\n' "$wl_line" | cut -f2)
packets=$(printf '%s\n' "$wl_line" | cut -f3)
pdus=$(printf '%s\n' "$wl_line" | cut -f4)

data="$out/perf-$label.data"
report="$out/profile-$label.txt"
freq=${PERF_FREQ:-10000}
cg=${CALL_GRAPH:-fp}
MODBUS_AN_SO=$so "$repo/tests/tshark.sh" --prove-loaded >&2
echo "profile.sh: perf record -e cpu-clock -F $freq -g --call-graph $cg ... tshark -r $workload $case_args" >&2
# shellcheck disable=SC2086
perf record -e cpu-clock -F "$freq" -g --call-graph "$cg" -o "$data" -- \
    env MODBUS_AN_SO="$so" "$repo/tests/tshark.sh" -r "$pcap" $case_args >/dev/null 2>"$out/perf-record.log" ||
    { tail -20 "$out/perf-record.log" >&2; exit 1; }

# The report: head closes perf's pipe early, which must not stop the script.
set +e +o pipefail
rep() { perf report -i "$data" --comm tshark --percentage relative -g none --stdio -q "$@" 2>/dev/null; }
{
    echo "modbus_an profile - $(date '+%Y-%m-%d %H:%M:%S %z'), $(tshark --version 2>/dev/null | head -1)"
    echo "plugin: $so (sha256 $sha...); $built; $fp_note"
    echo "run: tshark -r $workload ($packets packets, $pdus Modbus PDUs) $case_args, through tests/tshark.sh"
    echo "perf: cpu-clock (software), $freq Hz, call graph $cg; $(grep -o '([0-9]* samples)' "$out/perf-record.log" | head -1) in all processes"
    echo "Percentages: of the tshark process's samples. Debian's libraries have no frame"
    echo "pointers: 'children' totals are complete for modbus_an.so's own call chains and only"
    echo "approximate through libwireshark/glib. Debian ships no debug symbols by default: some"
    echo "libwireshark entries are addresses (static functions)."
    echo
    echo "== Self time by component (tshark process only)"
    perf report -i "$data" --sort comm,dso -g none --stdio -q --no-children 2>/dev/null |
    awk '$2 == "tshark" { p=$1; sub("%","",p); d=$3;
            g="other";
            if (d ~ /^modbus_an/) g="modbus_an.so";
            else if (d ~ /^libwireshark/) g="libwireshark";
            else if (d ~ /^libwsutil|^libwiretap/) g="wsutil/wiretap (Wireshark)";
            else if (d ~ /^libglib|^libgobject/) g="glib";
            else if (d ~ /^libc\.|^ld-linux|^libm\./) g="libc/ld.so";
            else if (d ~ /kernel/) g="kernel";
            else if (d == "tshark") g="tshark binary";
            s[g]+=p; tot+=p }
         END { for (g in s) printf "  %6.2f%%  %s\n", 100*s[g]/tot, g }' | sort -rn
    echo
    echo "== Top $top symbols by self time"
    rep --no-children --sort dso,sym | grep -v '^$' | head -"$top"
    echo
    echo "== Top $top symbols by children (self + callees)   [Children  Self  DSO  Symbol]"
    echo "   (rows of broken stacks - [unknown] - left out)"
    rep --children --sort dso,sym | grep -v '^$' | grep -v '\[unknown\]' | head -"$top"
    echo
    echo "== Top $top symbols of modbus_an.so by self time (percent of modbus_an.so's own samples)"
    rep --no-children --sort sym --dsos modbus_an.so | grep -v '^$' | head -"$top"
    echo
    echo "== Top $top symbols of modbus_an.so by children (percent of the samples whose stack holds modbus_an.so)"
    rep --children --sort sym --dsos modbus_an.so | grep -v '^$' | head -"$top"
} | tee "$report"
echo >&2
echo "profile.sh: report $report; data $data (perf report -i $data --comm tshark)" >&2
