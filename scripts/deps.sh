#!/usr/bin/env bash
# deps.sh - install the Debian 12 packages modbus_an needs (only those missing)
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: scripts/deps.sh [--tests | --gui]
#   --tests  also what scripts/test.sh needs (pytest-xdist, pytest-subtests)
#   --gui    also the packages of the GUI smoke test (tests/gui/gui_smoke.sh):
#          the Qt Wireshark, an X server without a screen, xdotool,
#          ImageMagick and tesseract (OCR). Not needed by scripts/test.sh.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libglib2.0-dev libwireshark-dev libwiretap-dev
      libwsutil-dev tshark python3 python3-pytest util-linux passwd libmodbus-dev tcpdump libsqlite3-dev
      sqlite3 python3-jsonschema
      clang libclang-rt-14-dev time)  # tests/fuzz: libFuzzer harness, max RSS of the floods
if [ "${1:-}" = "--tests" ]; then
    # the Python suites: pytest, parallel (xdist), unittest subTest reporting
    pkgs+=(python3-pytest-xdist python3-pytest-subtests)
fi
if [ "${1:-}" = "--gui" ]; then
    pkgs+=(wireshark-qt xvfb xdotool imagemagick tesseract-ocr tesseract-ocr-eng)
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
