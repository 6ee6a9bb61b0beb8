#!/usr/bin/env bash
# tests/gui/gui_smoke.sh - GUI smoke test of modbus_an in the Qt Wireshark, under Xvfb.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# For each capture below this script:
#   * runs `wireshark -r CAPTURE -Y "modbus_an.delayed == 1" -z modbus_an,table`
#     through tests/tshark.sh --wireshark (so the freshly built plugin is loaded,
#     as an unprivileged user when called as root), on a private Xvfb display;
#   * waits (bounded) for the main window and for the plugin's Statistics
#     table "Modbus/TCP Transactions (modbus_an)" that -z opens;
#   * takes screenshots: the stats table, the main window with the modbus_an
#     tree expanded in the details pane (first pass), the same after the filter
#     is applied again from the filter bar (second pass: request frames now
#     know their outcome), Analyze > Expert Information opened through the menu
#     (limited to the display filter, then for all frames) and, once, the
#     opened Statistics menu;
#   * stops Wireshark and Xvfb.
# It exits non-zero when a window never appears or a screenshot is missing or
# blank. The screenshots are for a human (or an image-reading reviewer) to
# check; the script cannot read the numbers in them.
#
# Usage: tests/gui/gui_smoke.sh [OUTPUT_DIR]      (default /tmp/modbus_an_gui)
# Needs: Xvfb (xvfb), xdotool, import + identify (imagemagick), setsid
#        (util-linux), wireshark-qt, and a built plugin (build/modbus_an.so).
# Environment:
#   MODBUS_AN_GUI_HOME      private HOME for the GUI runs
#                           (default /tmp/modbus_an_gui_home.<uid>), kept apart
#                           from the tshark tests' HOME because the script
#                           writes Wireshark "recent" files there.
#   MODBUS_AN_GUI_CAPTURES  space-separated capture list (default: the two below)
#   MODBUS_AN_GUI_FILTER    display filter (default "modbus_an.delayed == 1")
#   MODBUS_AN_GUI_BUDGET    overall time limit in seconds (default 115)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-/tmp/modbus_an_gui}
filter=${MODBUS_AN_GUI_FILTER:-modbus_an.delayed == 1}
budget=${MODBUS_AN_GUI_BUDGET:-115}
captures=${MODBUS_AN_GUI_CAPTURES:-/work/shared/captures/mei-fc43-exception.pcap /work/shared/captures/gateway-pipelined-4units.pcap}
W=1600 H=1000

log() { printf '[gui_smoke %3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

for c in Xvfb xdotool import identify setsid wireshark; do
    command -v "$c" >/dev/null 2>&1 || die "missing command: $c (apt-get install -y xvfb xdotool imagemagick util-linux wireshark-qt)"
done
[ -f "${MODBUS_AN_SO:-$repo/build/modbus_an.so}" ] || die "plugin not built (cmake --build $repo/build)"

mkdir -p "$out"
rm -f "$out"/*.png "$out"/*.log
tmp=$(mktemp -d /tmp/modbus_an_gui.XXXXXX)

# A HOME of its own: tests/tshark.sh creates it, copies the plugin into it
# and chowns it to the test user.
export MODBUS_AN_TEST_HOME=${MODBUS_AN_GUI_HOME:-/tmp/modbus_an_gui_home.$(id -u)}
gui_home=$MODBUS_AN_TEST_HOME

xvfb_pid='' ws_pgid='' watchdog_pid=''
stop_wireshark() {
    [ -n "$ws_pgid" ] || return 0
    kill -TERM -- "-$ws_pgid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 -- "-$ws_pgid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$ws_pgid" 2>/dev/null || true
    ws_pgid=
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_wireshark
    if [ -n "$xvfb_pid" ]; then
        kill -TERM "$xvfb_pid" 2>/dev/null || true
        wait "$xvfb_pid" 2>/dev/null || true
    fi
    if [ -n "$watchdog_pid" ]; then kill "$watchdog_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'log "FAIL: line $LINENO: $BASH_COMMAND"' ERR
trap 'log "interrupted"; exit 130' INT
trap 'log "FAIL: over the time budget (${budget}s)"; exit 124' TERM

# Overall time limit: the watchdog sends us SIGTERM; every blocking step
# below is bounded, so the trap runs soon after.
main_pid=$$
(
    trap 'kill "$sp" 2>/dev/null; exit 0' TERM
    sleep "$budget" & sp=$!
    wait "$sp" && kill -TERM "$main_pid" 2>/dev/null
) &
watchdog_pid=$!

# --- X server ---------------------------------------------------------------
# -displayfd picks a free display number; -ac lets the unprivileged test user
# connect (no TCP listener, so only local processes can).
Xvfb -displayfd 3 -ac -nolisten tcp -screen 0 "${W}x${H}x24" 3>"$tmp/display" \
    >"$out/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do
    [ -s "$tmp/display" ] && break
    kill -0 "$xvfb_pid" 2>/dev/null || die "Xvfb exited (see $out/xvfb.log)"
    sleep 0.1
done
[ -s "$tmp/display" ] || die "Xvfb did not start within 10 s"
DISPLAY=":$(tr -dc 0-9 <"$tmp/display")"
export DISPLAY
unset XAUTHORITY
log "Xvfb on $DISPLAY"

x() { timeout 10 xdotool "$@"; }

# Set $win to the id of the first visible window whose name matches REGEX,
# waiting at most TIMEOUT seconds; empty if none appeared. (Not run in a
# $(...) subshell, so the watchdog's SIGTERM is handled between polls.)
win=
wait_window() {
    local regex=$1 timeout=$2 end
    win=
    end=$((SECONDS + timeout))
    while [ "$SECONDS" -lt "$end" ]; do
        win=$(x search --onlyvisible --name "$regex" 2>/dev/null | head -1 || true)
        [ -z "$win" ] || return 0
        if [ -n "$ws_pgid" ] && ! kill -0 -- "-$ws_pgid" 2>/dev/null; then
            log "wireshark exited"
            return 0
        fi
        sleep 0.3
    done
}

shots=()
shot() {
    local f="$out/$1.png"
    timeout 20 import -window root "$f" || die "import failed for $f"
    shots+=("$f")
    log "screenshot $f"
}

# Regex-quote a fixed string for xdotool --name.
# shellcheck disable=SC2016 # a sed bracket expression, not a shell expansion
requote() { printf '%s' "$1" | sed 's/[][\.*^$()+?{}|]/\\&/g'; }

write_recent() {
    # Main window at 0,0 filling the screen, packet bytes hidden so the
    # details pane is wide.
    local d="$gui_home/.config/wireshark"
    mkdir -p "$d"
    cat >"$d/recent_common" <<EOF
# Written by tests/gui/gui_smoke.sh
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: $W
gui.geometry_main_height: $H
gui.geometry_main_maximized: FALSE
privs.warn_if_elevated: FALSE
EOF
    cat >"$d/recent" <<EOF
# Written by tests/gui/gui_smoke.sh
gui.packet_list_show: TRUE
gui.tree_view_show: TRUE
gui.byte_view_show: FALSE
gui.statusbar_show: TRUE
EOF
}

# Select the first displayed packet, move the focus to the packet details
# pane, collapse everything and open the last top-level item: the modbus_an
# tree (a post-dissector adds it last). End and Home only move inside the tree
# when it has the focus (otherwise they are Go > First/Last Packet).
expand_modbus_an() {
    local main=$1
    x windowraise "$main"; x windowfocus "$main"; sleep 0.3
    x mousemove 40 120 click 1   # first row of the packet list (not its header)
    sleep 0.5
    x key Tab                    # packet list -> packet details
    sleep 0.3
    x key ctrl+Left              # View > Collapse All
    sleep 0.3
    x key End Right
    sleep 0.8
}

run_capture() {
    local cap=$1 n=$2 withmenu=$3 base tag main table expert
    base=$(basename "$cap")
    tag=$(printf '%d-%s' "$n" "${base%.*}")
    [ -r "$cap" ] || die "capture not readable: $cap"
    write_recent
    log "wireshark -r $cap -Y '$filter' -z modbus_an,table"
    # setsid: a process group of its own, so stop_wireshark reaches wireshark
    # (a child of tests/tshark.sh) and anything it starts.
    setsid "$repo/tests/tshark.sh" --wireshark -r "$cap" -Y "$filter" -z modbus_an,table \
        >"$out/wireshark-$tag.log" 2>&1 &
    ws_pgid=$!

    wait_window "^$(requote "$base")\$" 45; main=$win
    [ -n "$main" ] || die "main window for $base never appeared (see $out/wireshark-$tag.log)"
    log "main window $main"
    wait_window "Modbus/TCP Transactions .modbus_an.*$(requote "$base")" 30; table=$win
    [ -n "$table" ] || die "stats table 'Modbus/TCP Transactions (modbus_an)' never appeared (-z modbus_an,table)"
    log "stats table window $table"
    sleep 2   # let the table's retap finish before anything else retaps

    x windowsize "$main" "$W" "$H" windowmove "$main" 0 0
    # 1. the statistics table, wide enough for all columns.
    x windowsize "$table" "$W" 480 windowmove "$table" 0 $((H - 480)) windowraise "$table"
    sleep 1
    shot "$tag-1-stats-table"

    # 2. main window: packet list after the first pass, modbus_an tree open.
    expand_modbus_an "$main"
    shot "$tag-2-main-first-pass"

    # 3. apply the same filter again from the filter bar (Ctrl+/ focuses it):
    # now every frame has been dissected once, so request frames know their
    # outcome too.  This also shows the filter text in the bar, which -Y
    # leaves empty in Wireshark 4.0.
    x windowfocus "$main"; sleep 0.2
    x key ctrl+slash; sleep 0.3
    x key ctrl+a; x type --delay 5 "$filter"; x key Return
    sleep 2
    expand_modbus_an "$main"
    shot "$tag-3-main-refiltered"

    if [ "$withmenu" = 1 ]; then
        # 4. the Statistics menu, to see where (whether) the table is listed.
        x windowfocus "$main"; sleep 0.2
        x key alt+s; sleep 1
        shot "$tag-4-statistics-menu"
        x key Escape; sleep 0.3
    fi

    # 5. Analyze > Expert Information: the last entry of the Analyze menu,
    # reached with Up from the first one (Qt menus wrap).
    for _try in 1 2; do
        x windowraise "$main"; x windowfocus "$main"; sleep 0.3
        x key alt+a; sleep 0.7
        x key Up Return
        wait_window "Expert Information.*$(requote "$base")" 10; expert=$win
        [ -n "$expert" ] && break
        x key Escape Escape || true
    done
    [ -n "$expert" ] || die "Analyze > Expert Information did not open"
    log "expert window $expert"
    sleep 2
    x windowsize "$expert" "$W" 720 windowmove "$expert" 0 $((H - 720)) windowraise "$expert"
    sleep 1
    shot "$tag-5-expert-limited"
    # Untick "Limit to Display Filter" (bottom left of the dialog) to list the
    # entries of all frames.
    x mousemove 18 $((H - 55)) click 1
    sleep 2
    shot "$tag-6-expert-all"

    stop_wireshark
}

i=1
for cap in $captures; do
    run_capture "$cap" "$i" "$([ "$i" = 1 ] && echo 1 || echo 0)"
    i=$((i + 1))
done

# Every screenshot must exist, be the screen's size and not be blank.
fail=0
for f in "${shots[@]}"; do
    if [ ! -s "$f" ]; then log "missing or empty: $f"; fail=1; continue; fi
    read -r w h k < <(identify -format '%w %h %k\n' "$f" 2>/dev/null || echo "0 0 0")
    if [ "$w" != "$W" ] || [ "$h" != "$H" ] || [ "${k:-0}" -lt 16 ]; then
        log "bad screenshot $f (${w}x${h}, $k colours)"; fail=1
    fi
done
[ "$fail" = 0 ] || die "bad screenshots"
log "OK: ${#shots[@]} screenshots in $out (${SECONDS}s)"
