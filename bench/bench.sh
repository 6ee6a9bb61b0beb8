#!/usr/bin/env bash
# bench.sh - cost of modbus_an in tshark (issue 14): packets/s, CPU, peak memory and
# ratios against Wireshark's own dissection, on workloads of 100k and 1M packets.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: bench/bench.sh [--quick] [--runs N] [--runs-1m N] [--json FILE] [--callgrind] ... [RUNS]
#        (bench/bench.sh --help lists every option; RUNS=, RUNS_1M= work as environment too)
# Needs build/modbus_an.so (or MODBUS_AN_SO=...), ../shared/captures, tshark, editcap,
# mergecap, capinfos; valgrind for --callgrind.
#
# What it does (details: bench/README.md and the top of bench/bench.py):
#  * builds the workloads on demand into build-bench/ (bench/workloads.py; reused afterwards);
#  * for each workload, N rounds in which every case runs once, the order rotated each round;
#    tshark runs through tests/tshark.sh (unprivileged test user, only the plugin under test),
#    and bench/tsrun.py measures the tshark process itself (wall, user+sys CPU, ru_maxrss);
#  * prints one row per workload and case, then the issue's targets with MET / NOT MET.
# Cases: dissection (-q --disable-protocol modbus_an -z conv,tcp), own-tree
# (-q --disable-protocol modbus_an -Y modbus.func_code), plugin (-q -z modbus_an,stat),
# plugin-2pass (-2 ...), plugin-nofeat (-o modbus_an.features:FALSE), dissection-2pass.
# Time: --quick ~3 min; full (100k: 5 runs, 1M: 3 runs) ~30 min on 2 cores; first run also builds
# the workloads (~2 min).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec python3 "$here/bench.py" "$@"
