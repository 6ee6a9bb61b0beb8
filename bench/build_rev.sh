#!/usr/bin/env bash
# build_rev.sh - build the plugin of a git revision (or of the working tree) into the
# bench cache, without touching build/ or the working tree; prints the .so path.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: bench/build_rev.sh [--fp] REV|worktree [OUTDIR]
#   REV       a commit (HEAD, 4bd2c24, a tag ...): its tree is exported with `git archive`
#             (read-only for the repository) into OUTDIR/src
#   worktree  the working tree as it is now (copied, so later edits cannot mix in)
#   --fp      frame pointers (-fno-omit-frame-pointer) for perf's --call-graph fp
#   OUTDIR    default: build-bench/so-<rev>[-fp]  (/build*/ is git-ignored)
# Build type RelWithDebInfo (-O2 -g), as scripts/test.sh and scripts/demo.sh build it.
# Used to get a stable "before" plugin while build/ is being rebuilt:
#   MODBUS_AN_SO=$(bench/build_rev.sh HEAD) bench/bench.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
fp=0
if [ "${1:-}" = "--fp" ]; then fp=1; shift; fi
rev=${1:?usage: bench/build_rev.sh [--fp] REV|worktree [OUTDIR]}
if [ "$rev" = worktree ]; then
    tag=worktree
else
    tag=$(git -C "$repo" rev-parse --short=10 "$rev^{commit}")
fi
suffix=""; [ $fp = 1 ] && suffix=-fp
out=${2:-$repo/build-bench/so-$tag$suffix}
mkdir -p "$out"
out=$(cd "$out" && pwd)
flags=""; [ $fp = 1 ] && flags="-fno-omit-frame-pointer"

if [ "$rev" = worktree ]; then
    rm -rf "$out/src"; mkdir -p "$out/src"
    # tracked + untracked-but-not-ignored files, as they are now
    (cd "$repo" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$out/src" 2>/dev/null) || true
elif [ ! -f "$out/src/.rev" ] || [ "$(cat "$out/src/.rev")" != "$tag" ]; then
    rm -rf "$out/src"; mkdir -p "$out/src"
    git -C "$repo" archive "$tag" | tar -x -C "$out/src"
    echo "$tag" > "$out/src/.rev"
fi
{
    cmake -S "$out/src" -B "$out/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMODBUS_AN_WERROR=OFF \
        -DCMAKE_C_FLAGS="$flags"
    cmake --build "$out/build" --target modbus_an -j"$(nproc)"
} >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; echo "build_rev.sh: build failed (log: $out/build.log)" >&2; exit 1; }
so="$out/build/modbus_an.so"
[ -f "$so" ] || { echo "build_rev.sh: no $so" >&2; exit 1; }
chmod -R a+rX "$out"
echo "$so"
