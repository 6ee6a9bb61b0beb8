#!/usr/bin/env bash
# demo.sh - install what is missing, build, install the plugin, and print the
# -z modbus_an,stat table of a bundled capture.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# As root the plugin goes to Wireshark's global plugin folder (Wireshark
# ignores personal plugin folders when run as root); otherwise to
# ~/.local/lib/wireshark/plugins/4.0/epan.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/deps.sh
system=OFF
[ "$(id -u)" = 0 ] && system=ON
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMODBUS_AN_INSTALL_SYSTEM=$system >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
cmake --install build
cap=${1:-tests/captures/gen/gen_faults.pcap}
echo "tshark -r $cap -q -z modbus_an,stat"
tshark -r "$cap" -q -z modbus_an,stat 2>/dev/null
