#!/usr/bin/env bash
# build_fuzzer.sh - build the libFuzzer harness of the analysis core
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Compiles tests/fuzz/fuzz_core.c with every .c under core/ and tap/report/
# (globbed, so files moving between core/ subfolders need no change here)
# with Debian's clang: -fsanitize=fuzzer,address,undefined.
# Usage: tests/fuzz/build_fuzzer.sh [OUT]   (default: build-fuzz/fuzz_core)
# Env: CLANG (default: clang-14 if present, else clang).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/build-fuzz/fuzz_core}
cc=${CLANG:-$(command -v clang-14 || command -v clang)}
mkdir -p "$(dirname "$out")"

mapfile -t srcs < <(find "$repo/core" "$repo/tap/report" -name '*.c' | sort)
mapfile -t incs < <(find "$repo/core" "$repo/tap/report" -name '*.h' -printf '-I%h\n' | sort -u)
# shellcheck disable=SC2046
"$cc" -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
    -Wall -Wextra -Wno-unused-parameter \
    "${incs[@]}" $(pkg-config --cflags wireshark glib-2.0 sqlite3) \
    "$here/fuzz_core.c" "${srcs[@]}" \
    $(pkg-config --libs wireshark glib-2.0 sqlite3) -lm -o "$out"
echo "built $out (${#srcs[@]} core/report sources)"
