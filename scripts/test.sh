#!/usr/bin/env bash
# test.sh - install what is missing, build (warnings are errors), run every
# test with ctest, then the ASan+UBSan build over all captures.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/deps.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMODBUS_AN_WERROR=ON -DMODBUS_AN_ASAN_DIR="$top/build-asan" >/dev/null
cmake --build build -j"$jobs"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMODBUS_AN_WERROR=ON -DMODBUS_AN_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
# The sanitizer build of the core's unit tests runs inside ctest below too.
ctest --test-dir build --output-on-failure -j"$jobs"
