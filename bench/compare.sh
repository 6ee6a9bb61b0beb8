#!/usr/bin/env bash
# compare.sh - the same request/response timing on one workload (default modbus-lossy-100k)
# done by modbus_an, Wireshark's TRANSUM and MATE, and a scapy script; wall time, CPU and
# peak RSS of each (median of 3), their answers (paired requests, delayed, unanswered,
# response-time sum and percentiles) and whether they agree with modbus_an, per request,
# with the reasons where they do not.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: bench/compare.sh [--workload NAME|FILE.pcap] [--runs N] [--json FILE] [--keep DIR]
#        (bench/compare.sh --help for all options)
# Needs: build/modbus_an.so (or MODBUS_AN_SO), tshark with Debian's transum.so and mate.so
# (wireshark-common), python3-scapy (apt-get install python3-scapy; runs with /usr/bin/python3).
# Takes ~3 min on modbus-lossy-100k (scapy alone ~30 s a run).
# Files: bench/compare.py (the runs, parsing, agreement), bench/mate/modbus.mate (MATE's
# configuration), bench/scapy_delayed.py (the scapy detection, usable on its own).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec python3 "$here/compare.py" "$@"
