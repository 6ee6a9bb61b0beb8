#!/usr/bin/env bash
# make_captures.sh - build mbgen and hbgen, capture each scenario, write the ground truth
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage (as root: port 502 and tcpdump need it):
#   tests/generator/make_captures.sh [SCENARIO...]     (default: all)
# Writes tests/captures/gen/<scenario>.pcap and <scenario>.truth.json, then
# checks every capture against its truth with plain tshark (check_wire.py for
# the mbgen scenarios, check_hb_wire.py for gen_heartbeat from hbgen).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/tests/captures/gen
work=$(mktemp -d "${TMPDIR:-/tmp}/mbgen.XXXXXX")
tcpdump_pid=
gen_pid=
cleanup() {
    [ -n "$gen_pid" ] && kill "$gen_pid" 2>/dev/null || true
    [ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "make_captures.sh: run as root (port 502, tcpdump)" >&2; exit 1; }
mkdir -p "$out"

# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$work/mbgen" "$here/mbgen.c" \
    $(pkg-config --cflags --libs libmodbus) -lpthread
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$work/hbgen" "$here/hbgen.c" \
    $(pkg-config --cflags --libs libmodbus) -lpthread

start_capture() { # FILE PORT
    : >"$work/tcpdump.err"
    tcpdump -i lo -U --immediate-mode -Z root -w "$1" "tcp port $2" 2>"$work/tcpdump.err" &
    tcpdump_pid=$!
    for _ in $(seq 100); do
        grep -q "listening on" "$work/tcpdump.err" && break
        kill -0 "$tcpdump_pid" 2>/dev/null || { cat "$work/tcpdump.err" >&2; exit 1; }
        sleep 0.05
    done
    grep -q "listening on" "$work/tcpdump.err" || { echo "tcpdump did not start" >&2; exit 1; }
    sleep 0.3
}

stop_capture() {
    # --immediate-mode delivers each packet at once; give the last ones a
    # moment to reach the file before SIGINT (tcpdump drops what is queued).
    sleep 0.3
    kill -INT "$tcpdump_pid"
    wait "$tcpdump_pid" || true
    tcpdump_pid=
}

port_busy() { ss -Htln "sport = :$1" | grep -q .; }

run_scenario() { # NAME PORT HOLD
    local name=$1 port=$2 hold=$3 pcap=$out/$1.pcap raw=$work/$1.raw.json
    local t0=$SECONDS
    if port_busy "$port"; then echo "port $port is in use" >&2; exit 1; fi
    rm -f "$pcap" "$out/$name.truth.json"
    start_capture "$pcap" "$port"
    if [ "$hold" = hold ]; then
        # The last request stays pending: stop the capture before the
        # generator closes its connections (a server FIN would make it missed).
        rm -f "$work/hold"
        "$work/mbgen" "$name" "$raw" "$work/hold" &
        gen_pid=$!
        while [ ! -e "$work/hold" ]; do
            if ! kill -0 "$gen_pid" 2>/dev/null; then
                wait "$gen_pid" || true
                echo "mbgen $name failed" >&2
                exit 1
            fi
            sleep 0.02
        done
        stop_capture
        kill -TERM "$gen_pid"
        wait "$gen_pid" || true
        gen_pid=
    else
        if ! "$work/mbgen" "$name" "$raw"; then
            stop_capture
            echo "mbgen $name failed" >&2
            exit 1
        fi
        stop_capture
    fi
    python3 "$here/make_truth.py" "$raw" "$pcap" "$out/$name.truth.json"
    chmod 644 "$pcap" "$out/$name.truth.json"
    echo "$name: $((SECONDS - t0)) s, $(stat -c %s "$pcap") bytes"
}

# gen_heartbeat: hbgen (periodic polling, values computed per poll) and its
# own truth writer / wire check.
run_heartbeat() { # NAME PORT
    local name=$1 port=$2 pcap=$out/$1.pcap raw=$work/$1.raw.json
    local t0=$SECONDS
    if port_busy "$port"; then echo "port $port is in use" >&2; exit 1; fi
    rm -f "$pcap" "$out/$name.truth.json"
    start_capture "$pcap" "$port"
    if ! "$work/hbgen" "$name" "$raw"; then
        stop_capture
        echo "hbgen $name failed" >&2
        exit 1
    fi
    stop_capture
    python3 "$here/make_hb_truth.py" "$raw" "$out/$name.truth.json"
    chmod 644 "$pcap" "$out/$name.truth.json"
    echo "$name: $((SECONDS - t0)) s, $(stat -c %s "$pcap") bytes"
}

want=("$@")
wanted() { [ ${#want[@]} -eq 0 ] || [[ " ${want[*]} " == *" $1 "* ]]; }
start=$SECONDS
while read -r name port hold; do
    if wanted "$name"; then run_scenario "$name" "$port" "$hold"; fi
done < <("$work/mbgen" --list)
while read -r name port _; do
    if wanted "$name"; then run_heartbeat "$name" "$port"; fi
done < <("$work/hbgen" --list)
echo "generation: $((SECONDS - start)) s"

# Check every truth present, each with the checker of its generator (the
# formats differ).
truths() { # GENERATOR
    local name _
    while read -r name _; do
        if [ -e "$out/$name.truth.json" ]; then echo "$out/$name.truth.json"; fi
    done < <("$work/$1" --list)
}
mapfile -t mb_truths < <(truths mbgen)
mapfile -t hb_truths < <(truths hbgen)
status=0
if [ ${#mb_truths[@]} -gt 0 ]; then
    python3 "$here/check_wire.py" "${mb_truths[@]}" || status=1
fi
if [ ${#hb_truths[@]} -gt 0 ]; then
    python3 "$here/check_hb_wire.py" "${hb_truths[@]}" || status=1
fi

# Network-health captures (netgen, tests/captures/net/): all by default, or
# the ones named (gen_network, gen_stp_modbus).
net_want=()
for n in ${want[@]+"${want[@]}"}; do
    case $n in gen_network|gen_stp_modbus) net_want+=("$n") ;; esac
done
if [ ${#want[@]} -eq 0 ] || [ ${#net_want[@]} -gt 0 ]; then
    "$here/make_net_captures.sh" ${net_want[@]+"${net_want[@]}"} || status=1
fi
exit $status
