#!/usr/bin/env bash
# ab.sh - interleaved A/B of two plugin builds against dissection, in one run (issue 14):
# median CPU of each, OLD/dissection, NEW/dissection and the median of the rounds' NEW/OLD.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: bench/ab.sh [--rounds N] [--case "TSHARK ARGS"] OLD.so NEW.so WORKLOAD...
#   e.g. bench/ab.sh $(bench/build_rev.sh 1f41dd5) build/modbus_an.so modbus-lossy-100k mixed-plant-100k
#        bench/ab.sh --rounds 3 $(bench/build_rev.sh 1f41dd5) build/modbus_an.so modbus-lossy-1m
# (bench/ab.py --help for the method). ~30 s a round at 100k packets, ~25 s per run at 1M.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec python3 "$here/ab.py" "$@"
