#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-wireshark-versions.sh - build and test modbus_an against other
# Wireshark versions, each in a throw-away Debian root filesystem.
#
#   4.4 -> Debian 13 "trixie", 4.6 -> Debian unstable "sid", 4.0 -> this host.
#
# Usage: scripts/test-wireshark-versions.sh [4.0] [4.4] [4.6]   (default: 4.4 4.6)
#
# Each rootfs is made once with mmdebstrap under build-versions/<codename>/
# (the cache; ignored by git) and reused while it still carries the wanted
# Wireshark major.minor and the same package list. The work tree (tracked and
# untracked, not ignored files) is copied fresh to build-versions/<codename>/src
# and built there with -DMODBUS_AN_WERROR=ON. Must run as root (chroot).
#
# Environment:
#   MODBUS_AN_VERSION_TESTS    shell command run after a good build, inside the
#                              rootfs, as root, in /src. It sees MODBUS_AN_SO,
#                              MODBUS_AN_BUILD_DIR and MODBUS_AN_WS_VERSION.
#                              Default: prove that tshark loads the plugin.
#                              E.g. 'ctest --test-dir "$MODBUS_AN_BUILD_DIR" --output-on-failure'
#   MODBUS_AN_VERSION_LOGDIR   where logs go (default build-versions/logs)
#   MODBUS_AN_VERSION_REFRESH  1: remake the rootfs even if it could be reused
#   MODBUS_AN_VERSION_MIRROR   Debian mirror (default http://deb.debian.org/debian)
# shellcheck disable=SC2016,SC2317  # the inner scripts are single-quoted on purpose
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bv=$top/build-versions
logdir=${MODBUS_AN_VERSION_LOGDIR:-$bv/logs}
mirror=${MODBUS_AN_VERSION_MIRROR:-http://deb.debian.org/debian}
jobs=$(nproc)
test_user=modbus_an_test

# Packages of every rootfs. Changing this list remakes the rootfs.
pkgs=(build-essential cmake pkg-config libglib2.0-dev libwireshark-dev libwiretap-dev
      libwsutil-dev tshark python3 python3-pytest python3-pytest-xdist python3-pytest-subtests
      python3-jsonschema libmodbus-dev
      libsqlite3-dev sqlite3 util-linux passwd tcpdump)
pkgs_key=$(printf '%s\n' "${pkgs[@]}" | sort | tr '\n' ' ')

die() { echo "test-wireshark-versions.sh: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap --mode=root, chroot)"
for v in "$@"; do case $v in -h|--help) sed -n '3,25p' "$0"; exit 0;; esac; done
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(4.4 4.6)

suite_of() {
    case $1 in
        4.0) echo host ;;
        4.4) echo trixie ;;
        4.6) echo sid ;;
        *) return 1 ;;
    esac
}
for v in "${versions[@]}"; do suite_of "$v" >/dev/null || die "unknown version '$v' (4.0, 4.4, 4.6)"; done

mkdir -p "$bv" "$logdir"
# One run at a time: runs share the rootfs cache.
exec 9>"$bv/.lock"
flock -n 9 || die "another run holds $bv/.lock"

# Refuse to delete anything with a mount inside; never cross file systems.
safe_rm() {
    [ -e "$1" ] || return 0
    if findmnt -rn -o TARGET | grep -qF "$(readlink -f "$1")"; then
        die "something is mounted under $1; not deleting it"
    fi
    rm -rf --one-file-system "$1"
}

tmp_rootfs=
cleanup() { [ -z "$tmp_rootfs" ] || safe_rm "$tmp_rootfs"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Wireshark's major.minor installed in a rootfs (no chroot needed).
ws_in() {
    { dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${Version}' libwireshark-dev 2>/dev/null || true; } |
        sed -E 's/^([0-9]+:)?([0-9]+\.[0-9]+).*/\2/'
}

# Run a command inside ROOT (empty: on the host). Private mount and PID
# namespaces: /proc, /dev and /dev/shm vanish with the command, and so does
# every process it leaves behind - nothing to unmount, nothing left running.
run_in() {
    local root=$1; shift
    if [ -z "$root" ]; then "$@"; return; fi
    unshare --mount --propagation private --pid --fork --kill-child --mount-proc="$root/proc" \
        bash -c 'mount --bind /dev "$0/dev" && mount -t tmpfs -o mode=1777 tmpfs "$0/dev/shm" && exec chroot "$0" "$@"' \
        "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        MODBUS_AN_SO="${MODBUS_AN_SO:-}" MODBUS_AN_BUILD_DIR="${MODBUS_AN_BUILD_DIR:-}" \
        MODBUS_AN_WS_VERSION="${MODBUS_AN_WS_VERSION:-}" "$@"
}

# Make ROOT for SUITE unless a usable one is there. Sets rootfs_note.
ensure_rootfs() {
    local ver=$1 suite=$2 root=$3 t0 secs have
    if [ -f "$root/.modbus_an-rootfs" ] && [ "${MODBUS_AN_VERSION_REFRESH:-0}" != 1 ]; then
        have=$(ws_in "$root")
        if [ "$have" = "$ver" ] && grep -qxF "pkgs=$pkgs_key" "$root/.modbus_an-rootfs"; then
            rootfs_note="reused (made in $(sed -n 's/^create_seconds=//p' "$root/.modbus_an-rootfs") s)"
            return 0
        fi
        echo "== $ver: $root has Wireshark '${have:-?}' or another package list: remaking it"
    fi
    safe_rm "$root"
    tmp_rootfs=$bv/.$suite.new
    safe_rm "$tmp_rootfs"
    echo "== $ver: making $suite rootfs with mmdebstrap (log: $logdir/$ver-rootfs.log)"
    command -v mmdebstrap >/dev/null || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
    }
    t0=$(date +%s)
    # mmdebstrap mounts /proc etc. in the target while it works: its own mount
    # namespace makes sure those mounts die with it. Check-Valid-Until=false:
    # sid's Release file is valid for a week only, and a mirror that lags
    # behind (or a skewed clock) must not stop a throw-away test rootfs.
    if ! unshare --mount --propagation private \
        mmdebstrap --mode=root --variant=apt --components=main \
            --aptopt='APT::Install-Recommends "false"' --aptopt='Acquire::Check-Valid-Until "false"' \
            --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
            --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
            --include="$(IFS=,; echo "${pkgs[*]}")" \
            "$suite" "$tmp_rootfs" "$mirror" >"$logdir/$ver-rootfs.log" 2>&1; then
        tail -20 "$logdir/$ver-rootfs.log" >&2
        return 1
    fi
    secs=$(( $(date +%s) - t0 ))
    have=$(ws_in "$tmp_rootfs")
    {
        echo "suite=$suite"
        echo "pkgs=$pkgs_key"
        echo "created=$(date -u +%FT%TZ)"
        echo "create_seconds=$secs"
        echo "libwireshark_dev=$(dpkg-query --admindir="$tmp_rootfs/var/lib/dpkg" -W -f='${Version}' libwireshark-dev)"
        echo "tshark=$(dpkg-query --admindir="$tmp_rootfs/var/lib/dpkg" -W -f='${Version}' tshark)"
    } >"$tmp_rootfs/.modbus_an-rootfs"
    mv "$tmp_rootfs" "$root"
    tmp_rootfs=
    rootfs_note="made in $secs s"
    [ "$have" = "$ver" ] || { echo "== $ver: $suite now carries Wireshark $have, not $ver" >&2; return 1; }
}

# Copy the work tree (as git sees it, without ignored files) to DEST.
copy_tree() {
    local dest=$1
    safe_rm "$dest"
    mkdir -p "$dest"
    (cd "$top" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf -) | tar -C "$dest" -xf -
}

# The default test: an unprivileged user (Wireshark ignores personal plugins
# as root) with a private HOME gets the plugin in the personal plugin folder
# that this tshark reports; `tshark -G plugins` must list exactly that file.
default_test='set -euo pipefail
u='"$test_user"'
id -u "$u" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$u"
home=$(mktemp -d /tmp/modbus_an_home.XXXXXX)
trap "rm -rf \"$home\"" EXIT
mkdir -p "$home/no-extcap"; chown -R "$u:" "$home"
as_user() { setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups \
    env HOME="$home" XDG_CONFIG_HOME="$home/.config" WIRESHARK_EXTCAP_DIR="$home/no-extcap" "$@"; }
pers=$(as_user tshark -G folders | sed -n "s/^Personal Plugins:[[:space:]]*//p")
[ -n "$pers" ] || { echo "tshark -G folders names no personal plugin folder"; exit 1; }
pdir=$pers/epan
install -D -m 0644 "$MODBUS_AN_SO" "$pdir/modbus_an.so"; chown -R "$u:" "$home"
echo "personal plugin folder: $pdir"
out=$(as_user tshark -G plugins 2>"$home/err") || { echo "$out"; cat "$home/err"; exit 1; }
cat "$home/err"
line=$(printf "%s\n" "$out" | grep -F modbus_an.so) || { echo "$out"; echo "modbus_an.so is not listed"; exit 1; }
echo "$line"
printf "%s\n" "$line" | grep -qF "$pdir/modbus_an.so" || { echo "listed from another path"; exit 1; }
! grep -qi modbus_an "$home/err" || { echo "tshark complained about the plugin"; exit 1; }'
tests_cmd=${MODBUS_AN_VERSION_TESTS:-$default_test}

results=()
failed=0
for ver in "${versions[@]}"; do
    suite=$(suite_of "$ver")
    rootfs_note=host root=
    build_s=- test_s=- tshark_v='?'
    if [ "$suite" = host ]; then
        src=$bv/host/src
    else
        root=$bv/$suite
        t0=$(date +%s)
        if ! ensure_rootfs "$ver" "$suite" "$root"; then
            results+=("$ver: FAIL: could not make the $suite rootfs (see $logdir/$ver-rootfs.log)")
            failed=1; continue
        fi
        rootfs_note="$rootfs_note; ready in $(( $(date +%s) - t0 )) s; $(du -sh --one-file-system "$root" | cut -f1)"
        src=$root/src
    fi
    tshark_v=$(run_in "$root" tshark --version 2>/dev/null | sed -n 's/^TShark (Wireshark) \([0-9][0-9.]*[0-9]\).*/\1/p')
    copy_tree "$src"
    echo "== $ver: building in ${src#"$top"/} (tshark $tshark_v; log: $logdir/$ver-build.log)"
    export MODBUS_AN_BUILD_DIR=build-$ver MODBUS_AN_WS_VERSION=$ver
    dir=/src
    [ -n "$root" ] || dir=$src
    export MODBUS_AN_SO=$dir/build-$ver/modbus_an.so
    t0=$(date +%s)
    # -k: keep going, so the log holds every error of every file.
    if run_in "$root" bash -c 'cd "$0" && cmake -S . -B "$MODBUS_AN_BUILD_DIR" -DMODBUS_AN_WERROR=ON &&
            cmake --build "$MODBUS_AN_BUILD_DIR" -j"$1" -- -k' "$dir" "$jobs" >"$logdir/$ver-build.log" 2>&1; then
        build=ok
    else
        build=failed
        grep -E 'error:|warning:' "$logdir/$ver-build.log" | head -5 >&2 || true
    fi
    build_s=$(( $(date +%s) - t0 ))
    if [ "$build" = ok ]; then
        echo "== $ver: testing (log: $logdir/$ver-tests.log)"
        t0=$(date +%s)
        if run_in "$root" bash -c 'cd "$0" && exec bash -c "$1"' "$dir" "$tests_cmd" >"$logdir/$ver-tests.log" 2>&1; then
            results+=("$ver: build ok, tests ok (tshark $tshark_v)")
        else
            tail -15 "$logdir/$ver-tests.log" >&2
            results+=("$ver: FAIL: build ok, tests failed, see $logdir/$ver-tests.log (tshark $tshark_v)")
            failed=1
        fi
        test_s=$(( $(date +%s) - t0 ))
    else
        results+=("$ver: FAIL: build failed, see $logdir/$ver-build.log (tshark $tshark_v)")
        failed=1
    fi
    results+=("     rootfs: $rootfs_note; build ${build_s} s; tests ${test_s} s")
done
unset MODBUS_AN_SO MODBUS_AN_BUILD_DIR MODBUS_AN_WS_VERSION

echo "== results"
printf '%s\n' "${results[@]}"
exit $failed
