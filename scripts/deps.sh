#!/usr/bin/env bash
# deps.sh - install the Debian 12 packages modbus_an needs (only those missing)
# Usage: scripts/deps.sh [--tests]   (--tests: also what scripts/test.sh needs)
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
pkgs=(build-essential cmake pkg-config libglib2.0-dev libwireshark-dev libwiretap-dev
      libwsutil-dev tshark python3 util-linux passwd libmodbus-dev tcpdump)
if [ "${1:-}" = "--tests" ]; then
    # the Python suites: pytest, parallel (xdist), unittest subTest reporting
    pkgs+=(python3-pytest python3-pytest-xdist python3-pytest-subtests)
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "deps.sh: installing ${missing[*]}"
$SUDO apt-get update -qq
# tshark asks whether non-root users may capture: answer no, quietly.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
