#!/usr/bin/env bash
# tests/tshark.sh - run tshark (or wireshark) with the freshly built modbus_an plugin.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Wireshark ignores the personal plugin folder and WIRESHARK_PLUGIN_DIR when it
# runs as root. So this wrapper:
#   * copies the built plugin ($MODBUS_AN_SO, default build/modbus_an.so) into
#     a private HOME ($MODBUS_AN_TEST_HOME) at .local/lib/wireshark/plugins/<major.minor>/epan/
#     (the version of the installed tshark: 4.0, 4.4, 4.6);
#   * when called as root, runs tshark as the unprivileged user
#     $MODBUS_AN_TEST_USER (created on first use), with that HOME;
#   * copies a `-r FILE` that the test user cannot read into its HOME;
#   * points WIRESHARK_EXTCAP_DIR at an empty folder: `tshark -G plugins`
#     would otherwise run every extcap (androiddump hangs under LD_PRELOAD);
#   * points WIRESHARK_PLUGIN_DIR (which, unprivileged, replaces the global
#     plugin folder) at an empty folder, so a copy installed system-wide
#     (scripts/demo.sh as root) cannot shadow the build under test.
# Run `tests/tshark.sh --prove-loaded` to check that tshark lists exactly the
# plugin file just built (same SHA-256) - tests do that before anything else.
#
# Usage: tests/tshark.sh [--wireshark] [tshark args...]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
so=${MODBUS_AN_SO:-$repo/build/modbus_an.so}
user=${MODBUS_AN_TEST_USER:-modbus_an_test}
prog=tshark
if [ "${1:-}" = "--wireshark" ]; then prog=wireshark; shift; fi

[ -f "$so" ] || { echo "tests/tshark.sh: plugin not built: $so" >&2; exit 2; }

uid=$EUID
gid=
if [ "$uid" = 0 ]; then
    if ! gid=$(id -g "$user" 2>/dev/null); then
        # Concurrent first runs: one useradd wins, the others then see the user.
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null && break
            id -u "$user" >/dev/null 2>&1 && break
            sleep 0.3
        done
        gid=$(id -g "$user")
    fi
fi
# One private HOME per plugin file: two checkouts (or a build and its
# sanitizer build) testing at once never swap each other's plugin. (The
# Python suites give each pytest-xdist worker its own, MODBUS_AN_TEST_HOME.)
if [ -z "${MODBUS_AN_TEST_HOME:-}" ]; then
    tag=$(readlink -f "$so" | sha256sum | cut -c1-12)
    if [ "$uid" = 0 ]; then
        home=/tmp/modbus_an_test_home.$user.$tag
    else
        home=/tmp/modbus_an_test_home.$uid.$tag
    fi
else
    home=$MODBUS_AN_TEST_HOME
fi
# The personal plugin folder is named after the Wireshark major.minor.
wsver=${MODBUS_AN_WS_VERSION:-$(dpkg-query -W -f='${Version}' tshark 2>/dev/null | sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p')}
[ -n "$wsver" ] || wsver=$(tshark -v 2>/dev/null | sed -n '1s/.* \([0-9]*\.[0-9]*\)\.[0-9].*/\1/p')
pdir="$home/.local/lib/wireshark/plugins/${wsver:-4.0}/epan"
fresh=0
if [ ! -d "$pdir" ] || [ ! -d "$home/inputs" ] || [ ! -d "$home/no-extcap" ] || [ ! -d "$home/no-global-plugins" ]; then
    mkdir -p "$pdir" "$home/inputs" "$home/no-extcap" "$home/no-global-plugins"
    fresh=1
fi
# Copy only when changed; a temp name + rename keeps concurrent runs safe.
if ! cmp -s "$so" "$pdir/modbus_an.so"; then
    cp "$so" "$pdir/.modbus_an.so.$$" && mv -f "$pdir/.modbus_an.so.$$" "$pdir/modbus_an.so"
    fresh=1
fi
# The HOME belongs to the test user (only after a change: concurrent runs of
# one HOME - tests/asan_run.sh - may rename their temp files meanwhile).
if [ "$uid" = 0 ] && [ $fresh = 1 ]; then chown -R "$user:" "$home" 2>/dev/null || true; fi

# MODBUS_AN_PRELOAD becomes LD_PRELOAD of tshark alone (sanitizer runtimes).
pre=()
[ -n "${MODBUS_AN_PRELOAD:-}" ] && pre=("LD_PRELOAD=$MODBUS_AN_PRELOAD")
run() {
    if [ "$uid" = 0 ]; then
        setpriv --reuid="$user" --regid="$gid" --clear-groups \
            env WIRESHARK_PLUGIN_DIR="$home/no-global-plugins" HOME="$home" XDG_CONFIG_HOME="$home/.config" \
            WIRESHARK_EXTCAP_DIR="$home/no-extcap" "${pre[@]}" "$@"
    else
        env WIRESHARK_PLUGIN_DIR="$home/no-global-plugins" HOME="$home" XDG_CONFIG_HOME="$home/.config" \
            WIRESHARK_EXTCAP_DIR="$home/no-extcap" "${pre[@]}" "$@"
    fi
}

if [ "${1:-}" = "--prove-loaded" ]; then
    want=$(sha256sum "$so" | cut -d' ' -f1)
    line=$(run tshark -G plugins 2>/dev/null | grep -F "modbus_an.so" || true)
    [ -n "$line" ] || { echo "modbus_an.so is not loaded by tshark" >&2; exit 1; }
    path=$(printf '%s\n' "$line" | awk -F'\t' '{print $NF}' | head -1)
    [ "$path" = "$pdir/modbus_an.so" ] || { echo "tshark loaded $path, not $pdir/modbus_an.so" >&2; exit 1; }
    got=$(sha256sum "$path" | cut -d' ' -f1)
    [ "$got" = "$want" ] || { echo "loaded plugin differs from the build ($got != $want)" >&2; exit 1; }
    echo "loaded: $path sha256=$got"
    exit 0
fi

# Make every `-r FILE` readable for the test user.
args=()
while [ $# -gt 0 ]; do
    a=$1; shift
    if [ "$a" = "-r" ] && [ $# -gt 0 ] && [ "$1" != "-" ]; then
        f=$(realpath "$1"); shift
        if [ "$uid" = 0 ] && ! setpriv --reuid="$user" --regid="$gid" --clear-groups test -r "$f"; then
            dst="$home/inputs/$(printf '%s' "$f" | sha1sum | cut -c1-12)-$(basename "$f")"
            # complete or not there: a concurrent run never reads a partial copy
            cmp -s "$f" "$dst" 2>/dev/null ||
                { cp "$f" "$dst.$$" && chown "$user:" "$dst.$$" && mv -f "$dst.$$" "$dst"; }
            f=$dst
        fi
        args+=("-r" "$f")
    else
        args+=("$a")
    fi
done
cd "$home"
run "$prog" "${args[@]}"
