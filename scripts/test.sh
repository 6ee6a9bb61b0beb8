#!/usr/bin/env bash
# test.sh - install what is missing, build (warnings are errors) and run every
# test: the C unit tests (g_test programs, plain and ASan+UBSan, via ctest),
# the Python suites (pytest, parallel: tests/conftest.py) and every capture
# through the ASan+UBSan build of the plugin (tests/asan_run.sh), and a
# fixed sample of the fuzz run (tests/fuzz/run.sh --sample).
#
# The two build trees build at the same time, then the four test stages run
# at the same time (all CPU-bound, each with $(nproc) jobs); their output
# goes to build/test-logs/ and is shown when a stage fails. Exit status 1 on
# any failure; the last line sums up.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
t0=$(date +%s)
bash scripts/deps.sh --tests
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMODBUS_AN_WERROR=ON -DMODBUS_AN_ASAN_DIR="$top/build-asan" >/dev/null
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMODBUS_AN_WERROR=ON -DMODBUS_AN_SANITIZE=ON >/dev/null
logs=build/test-logs
rm -rf "$logs"; mkdir -p "$logs"

# Runs "$@" in the background, output to $logs/NAME.log; `finish NAME` waits
# for it and prints its log if it failed.
declare -A pids
stage() { local name=$1; shift; "$@" > "$logs/$name.log" 2>&1 & pids[$name]=$!; }
failed=()
finish() {
    local name=$1
    if ! wait "${pids[$name]}"; then
        failed+=("$name")
        echo "==================== $name FAILED ($logs/$name.log):"
        cat "$logs/$name.log"
    fi
}

stage build cmake --build build -j"$jobs"
stage build-asan cmake --build build-asan -j"$jobs"
finish build
finish build-asan
[ ${#failed[@]} -eq 0 ] || { echo "test.sh: build failed: ${failed[*]}"; exit 1; }
t_build=$(date +%s)

# Debian's python3-pytest is in /usr/bin/python3; a python3 earlier in PATH
# (pyenv, venv) may lack it.
py=python3
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import pytest, xdist, pytest_subtests' 2>/dev/null; then py=$p; break; fi
done

stage unit ctest --test-dir build -L unit -j"$jobs" --output-on-failure
stage pytest env MODBUS_AN_SO="$top/build/modbus_an.so" MODBUS_AN_PYTEST_SUMMARY="$top/$logs/pytest.json" \
    "$py" -m pytest -n "$jobs" --dist loadgroup tests
# (the corrupted copies are the fuzz stage's: it makes more of them, from the same captures)
stage asan tests/asan_run.sh -j "$jobs" --no-corrupt "$top/build-asan"
# a fixed sample of the fuzz run (tests/fuzz/run.sh; 300 files, 20 s of libFuzzer), its own HOME
stage fuzz env MODBUS_AN_TEST_HOME=/tmp/modbus_an_test_home.fuzz.$$ tests/fuzz/run.sh --sample 300 --no-build \
    --build-dir "$top/build" --asan-dir "$top/build-asan"
finish unit
finish pytest
finish asan
finish fuzz
rm -rf /tmp/modbus_an_test_home.fuzz.$$

# ---- summary
secs=$(( $(date +%s) - t0 ))
c_checks=$(grep -h -o -E '^# test_[a-z_]+: [0-9]+ checks passed' build/Testing/Temporary/LastTest.log 2>/dev/null |
           awk '{n += $3} END {print n + 0}' || true)
c_progs=$(grep -c -E '^# test_[a-z_]+: [0-9]+ checks passed' build/Testing/Temporary/LastTest.log 2>/dev/null || true)
py_sum=$("$py" -c 'import json, sys
try:
    d = json.load(open(sys.argv[1]))
    print("%d checks, %d tshark starts" % (d["checks"], d["tshark_starts"]))
except (OSError, ValueError, KeyError):
    print("no summary")' "$logs/pytest.json")
py_tests=$(grep -E '(passed|failed|error).* in [0-9.]+s' "$logs/pytest.log" | tail -1 |
           sed -E 's/^=+ //; s/ in [0-9.]+s.*//' || true)
asan_sum=$(grep -E '^asan_run: [0-9]+ tshark runs' "$logs/asan.log" |
           sed -E 's/^asan_run: ([0-9]+) tshark runs over ([0-9]+) captures.*/\1 ASan tshark runs over \2 captures/' || true)
fuzz_sum=$(grep -E '^RESULT:' "$logs/fuzz.log" | sed 's/^RESULT: //' || true)
tail -n 25 "$logs/pytest.log" | sed -n '/checks executed/,$p'
status="all passed"
[ ${#failed[@]} -eq 0 ] || status="FAILED: ${failed[*]}"
printf 'test.sh: %s in %dm%02ds (build %ds): C %s checks (%s programs, plain + ASan); Python %s (%s); sanitizer %s; fuzz sample %s\n' \
    "$status" $((secs / 60)) $((secs % 60)) $((t_build - t0)) "$c_checks" "$c_progs" "$py_tests" "$py_sum" \
    "${asan_sum:-not run}" "${fuzz_sum:-not run}"
[ ${#failed[@]} -eq 0 ]
