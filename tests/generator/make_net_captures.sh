#!/usr/bin/env bash
# make_net_captures.sh - build netgen, capture the network-health scenarios, write the ground truth
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage (as root: port 502 and tcpdump need it):
#   tests/generator/make_net_captures.sh [gen_network] [gen_stp_modbus]   (default: both)
# Writes tests/captures/net/<name>.pcap and <name>.truth.json (see
# tests/generator/README.md, "netgen"), then checks both truths against
# their captures with plain tshark (check_net_wire.py). Exit status non-zero
# on any failure or mismatch.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/tests/captures/net
fixtures=$repo/tests/fixtures/net
rstp=${RSTP_PCAP:-/work/shared/captures/rstp-tc-real-switch.pcap}
work=$(mktemp -d "${TMPDIR:-/tmp}/netgen.XXXXXX")
tcpdump_pid=
cleanup() {
    [ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "make_net_captures.sh: run as root (port 502, tcpdump)" >&2; exit 1; }
mkdir -p "$out"

cc -std=c11 -Wall -Wextra -Werror -O2 -o "$work/netgen" \
    "$here/netgen.c" "$here/netgen_scenarios.c" "$here/netgen_net.c" -lpthread

# Every loopback address netgen uses, on port 502, must be free (nobody may
# listen on 127.0.0.11 and 127.0.0.99: refused / silent).
if ss -Htln 'sport = :502' | grep -q .; then
    echo "something listens on port 502:" >&2
    ss -Htln 'sport = :502' >&2
    exit 1
fi

FILTER='tcp port 502 and net 127.0.0.0/8 and not host 127.0.0.1'

start_capture() { # FILE
    : >"$work/tcpdump.err"
    tcpdump -i lo -U --immediate-mode -Z root -w "$1" "$FILTER" 2>"$work/tcpdump.err" &
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
    sleep 0.3
    kill -INT "$tcpdump_pid"
    wait "$tcpdump_pid" || true
    tcpdump_pid=
}

capture() { # MODE RAWPCAP RAWLOG
    start_capture "$2"
    if ! "$work/netgen" "$1" "$3"; then
        stop_capture
        echo "netgen $1 failed" >&2
        exit 1
    fi
    stop_capture
}

want=("$@")
wanted() { [ ${#want[@]} -eq 0 ] || [[ " ${want[*]} " == *" $1 "* ]]; }
start=$SECONDS
truths=()

if wanted gen_network; then
    t0=$SECONDS
    rm -f "$out/gen_network.pcap" "$out/gen_network.truth.json"
    capture network "$work/network.raw.pcap" "$work/network.raw.json"
    python3 "$here/make_net_truth.py" network "$work/network.raw.json" "$work/network.raw.pcap" \
        "$out/gen_network.pcap" "$out/gen_network.truth.json" "$fixtures/pcap_monitor_net.json"
    chmod 644 "$out/gen_network.pcap" "$out/gen_network.truth.json"
    echo "gen_network: $((SECONDS - t0)) s, $(stat -c %s "$out/gen_network.pcap") bytes"
fi

if wanted gen_stp_modbus; then
    t0=$SECONDS
    rm -f "$out/gen_stp_modbus.pcap" "$out/gen_stp_modbus.truth.json"
    capture stp "$work/stp.raw.pcap" "$work/stp.raw.json"
    python3 "$here/make_net_truth.py" stp "$work/stp.raw.json" "$work/stp.raw.pcap" "$rstp" \
        "$out/gen_stp_modbus.pcap" "$out/gen_stp_modbus.truth.json"
    chmod 644 "$out/gen_stp_modbus.pcap" "$out/gen_stp_modbus.truth.json"
    echo "gen_stp_modbus: $((SECONDS - t0)) s, $(stat -c %s "$out/gen_stp_modbus.pcap") bytes"
fi
echo "generation: $((SECONDS - start)) s"

for name in gen_network gen_stp_modbus; do
    if [ -e "$out/$name.truth.json" ]; then truths+=("$out/$name.truth.json"); fi
done
[ ${#truths[@]} -gt 0 ] || exit 0
python3 "$here/check_net_wire.py" "${truths[@]}"
