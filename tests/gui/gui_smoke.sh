#!/usr/bin/env bash
# tests/gui/gui_smoke.sh - GUI checks of modbus_an in the Qt Wireshark, under Xvfb.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Checks, on screen, that the GUI shows the same numbers as the ground truth
# of tests/captures/gen/gen_faults.pcap (issue 11, points 8, 10 and 11), with
# a screenshot of each check kept in the output folder:
#
#   status-bar "Displayed: N" (OCR with tesseract of the status bar, cropped,
#   upscaled and thresholded with ImageMagick) against the truth's count of
#     modbus_an.missed == 1   the requests whose expected_outcome is missed;
#     modbus_an.delayed == 1  the delayed requests AND their responses (both
#                             carry the flag; one PDU per frame in the
#                             generated captures), at delay_threshold 1.0 s
#                             (expected_delayed) or 2.0 s (expected_delayed_at_2s);
#   (a) typed in the filter bar after the file loaded, (b) after View > Reload
#   (Ctrl+R), (c) given at launch with `wireshark -r F -Y ...`, and (d) after
#   a preference change (delay_threshold 1.0 -> 2.0 in Edit > Preferences),
#   which redissects the file;
#   the status-bar expert indicator's colour right after loading, with and
#   without -Y (the colour of a few pixels at its centre: red = Error, the
#   worst severity of the capture: modbus_an.missed.expert);
#   Analyze > Expert Information (OCR of the dialog): the counts of "Request
#   never answered (missed)", "Delayed response (...)" (one per delayed
#   transaction, on its response) and "Late response (...)" against the truth;
#   an invalid delay_threshold ("abc") typed in Edit > Preferences: the
#   message `modbus_an: delay_threshold "abc" is not a number of seconds >= 0;
#   using 2 s.` (OCR of the dialog), the preferences file of the test HOME
#   keeps the previous valid value (`modbus_an.delay_threshold: 2.0`, never
#   "abc"), the analysis keeps using it (Displayed count), and the next start
#   of Wireshark shows no dialog (no Wireshark window besides the main one,
#   before or after the file is loaded: xdotool) and uses 2.0 s.
#
# Then, for each capture of MODBUS_AN_GUI_CAPTURES (screenshots only, for a
# human reviewer): the -z modbus_an,table statistics window, the main window
# with the modbus_an tree expanded before and after the filter is applied
# again, the Statistics menu, and Analyze > Expert Information.
#
# Each check prints "PASS|FAIL name: read X, want Y". The script ends with a
# summary and exits non-zero, with a one-line reason, on the first failed
# check (all checks still run) or when a window never appears.
#
# Usage: tests/gui/gui_smoke.sh [OUTPUT_DIR]      (default /tmp/modbus_an_gui)
# Needs: Xvfb (xvfb), xdotool, import + convert + identify (imagemagick),
#        tesseract (tesseract-ocr), python3, setsid (util-linux),
#        wireshark-qt, and a built plugin (build/modbus_an.so).
# Environment:
#   MODBUS_AN_GUI_HOME      private HOME for the GUI runs
#                           (default /tmp/modbus_an_gui_home.<uid>), kept apart
#                           from the tshark tests' HOME because the script
#                           writes Wireshark "recent" and "preferences" files
#                           there (its preferences file is removed first).
#   MODBUS_AN_GUI_CAPTURES  space-separated capture list for the screenshot
#                           tour (default: a shared capture, skipped when
#                           absent; "" for none)
#   MODBUS_AN_GUI_FILTER    the tour's display filter (default "modbus_an.delayed == 1")
#   MODBUS_AN_GUI_BUDGET    overall time limit in seconds (default 180; a run
#                           takes about 2 minutes)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-/tmp/modbus_an_gui}
filter=${MODBUS_AN_GUI_FILTER:-modbus_an.delayed == 1}
budget=${MODBUS_AN_GUI_BUDGET:-180}
captures=${MODBUS_AN_GUI_CAPTURES-/work/shared/captures/mei-fc43-exception.pcap}
cap=$repo/tests/captures/gen/gen_faults.pcap
truth=$repo/tests/captures/gen/gen_faults.truth.json
W=1600 H=1000

log() { printf '[gui_smoke %3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

for c in Xvfb xdotool import convert identify tesseract python3 setsid wireshark; do
    command -v "$c" >/dev/null 2>&1 ||
        die "missing command: $c (apt-get install -y xvfb xdotool imagemagick tesseract-ocr python3 util-linux wireshark-qt)"
done
[ -f "${MODBUS_AN_SO:-$repo/build/modbus_an.so}" ] || die "plugin not built (cmake --build $repo/build)"
if [ ! -r "$cap" ] || [ ! -r "$truth" ]; then die "missing $cap or $truth"; fi

mkdir -p "$out"
rm -f "$out"/*.png "$out"/*.log "$out"/*.txt
tmp=$(mktemp -d /tmp/modbus_an_gui.XXXXXX)
chmod 755 "$tmp"

# A HOME of its own: tests/tshark.sh creates it, copies the plugin into it
# and chowns it to the test user.
export MODBUS_AN_TEST_HOME=${MODBUS_AN_GUI_HOME:-/tmp/modbus_an_gui_home.$(id -u)}
gui_home=$MODBUS_AN_TEST_HOME
prefs_file=$gui_home/.config/wireshark/preferences

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

# ---- checks ------------------------------------------------------------------
npass=0 nfail=0 first_fail='' summarized=0
# check NAME READ WANT: one check of a value read on screen against the truth.
check() {
    local name=$1 got=$2 want=$3
    if [ "$got" = "$want" ]; then
        npass=$((npass + 1))
        log "PASS $name: read $got, want $want"
    else
        nfail=$((nfail + 1))
        log "FAIL $name: read ${got:-nothing}, want $want"
        [ -n "$first_fail" ] || first_fail="$name: read ${got:-nothing}, want $want"
    fi
    printf '%s\t%s\t%s\t%s\n' "$([ "$got" = "$want" ] && echo PASS || echo FAIL)" "$name" "$got" "$want" \
        >>"$out/checks.txt"
}
summary() {
    summarized=1
    log "checks: $npass passed, $nfail failed (details: $out/checks.txt; screenshots: $out)"
    if [ "$nfail" -gt 0 ]; then
        log "FAIL: $first_fail"
        return 1
    fi
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
    if [ "$rc" != 0 ] && [ "$summarized" = 0 ] && [ $((npass + nfail)) -gt 0 ]; then
        log "checks so far: $npass passed, $nfail failed"
    fi
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

# ---- the truth -----------------------------------------------------------------
read -r t_packets t_missed t_delayed1 t_delayed2 t_late t_delresp1 t_delresp2 < <(python3 - "$truth" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
r = t["requests"]
n = lambda f: sum(1 for q in r if f(q))
# A delayed transaction: its request and its response both carry
# modbus_an.delayed (generated captures: one PDU per frame).
d1 = n(lambda q: q["expected_delayed"])
d2 = n(lambda q: q["expected_delayed_at_2s"])
print(t["capture_packets"], n(lambda q: q["expected_outcome"] == "missed"), 2 * d1, 2 * d2,
      n(lambda q: q["expected_outcome"] == "late"), d1, d2)
EOF
)
log "truth ($truth): $t_packets packets; missed requests $t_missed; delayed frames $t_delayed1 at 1.0 s," \
    "$t_delayed2 at 2.0 s; late $t_late; delayed responses $t_delresp1 / $t_delresp2"
# Frames with a Modbus PDU by Wireshark's own mbtcp (each has feature records).
t_modbus=$(tshark -r "$cap" --disable-protocol modbus_an -Y mbtcp 2>/dev/null | wc -l)
log "frames with Modbus PDUs (tshark -Y mbtcp): $t_modbus"

# ---- X server ---------------------------------------------------------------
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

# Wait at most TIMEOUT seconds for window ID to be gone; false if it stays.
wait_gone() {
    local id=$1 timeout=$2 end
    end=$((SECONDS + timeout))
    while [ "$SECONDS" -lt "$end" ]; do
        x search --onlyvisible --class wireshark 2>/dev/null | grep -qx "$id" || return 0
        sleep 0.3
    done
    return 1
}

# The visible Wireshark windows other than window ID, one a line:
# "id WIDTHxHEIGHT+X+Y name". (Message boxes have no WM_NAME, only a
# _NET_WM_NAME that xdotool search --name does not match: found by class.)
other_windows() {
    local id=$1 w
    for w in $(x search --onlyvisible --class wireshark 2>/dev/null || true); do
        [ "$w" = "$id" ] && continue
        (
            eval "$(x getwindowgeometry --shell "$w" 2>/dev/null)"
            # shellcheck disable=SC2153 # set by the eval
            printf '%s %sx%s+%s+%s %s\n' "$w" "$WIDTH" "$HEIGHT" "$X" "$Y" "$(x getwindowname "$w" 2>/dev/null || true)"
        )
    done
}

# Set $dlg to "id geometry name" of the first visible Wireshark window other
# than the main window, waiting at most TIMEOUT seconds; empty if none.
dlg=
wait_dialog() {
    local timeout=$1 end
    end=$((SECONDS + timeout))
    dlg=
    while [ "$SECONDS" -lt "$end" ]; do
        dlg=$(other_windows "$main" | head -1)
        [ -z "$dlg" ] || return 0
        sleep 0.3
    done
}

# OCR the dialog $dlg into $dlg_text (screenshot TAG) and dismiss it (Return).
dlg_text=
read_and_close_dialog() {
    local tag=$1 id geom
    id=${dlg%% *} geom=${dlg#* }; geom=${geom%% *}
    sleep 0.5
    shot "$tag"
    dlg_text=$(ocr "$out/$tag.png" "$geom" 50 6 | tr '\n' ' ')
    printf '%s\n' "$dlg_text" >"$out/$tag.txt"
    log "dialog $dlg: $dlg_text"
    x windowfocus "$id" || true
    x key Return || true
    wait_gone "$id" 10 || die "the dialog $dlg did not close"
}

shots=()
shot() {
    local f="$out/$1.png"
    timeout 20 import -window root "$f" || die "import failed for $f"
    shots+=("$f")
    log "screenshot $f"
}

# ---- reading the screen ---------------------------------------------------------
# ocr IMG GEOMETRY THRESHOLD [PSM]: the text of a region of a screenshot,
# grey, upscaled 3x and thresholded (black text on any background colour).
ocr() {
    convert "$1" -crop "$2" +repage -colorspace Gray -resize 300% -threshold "$3%" "$tmp/ocr.png" &&
        timeout 20 tesseract "$tmp/ocr.png" - --psm "${4:-6}" 2>/dev/null | tr -s ' '
}

# "PACKETS DISPLAYED" read from a status-bar text on stdin, or nothing.
parse_statusbar() {
    python3 -c '
import re, sys
t = sys.stdin.read()
p = re.search(r"Pack\w*\s*[:;.]?\s*(\d+)", t)
d = re.search(r"D\w*ed\s*[:;.]?\s*(\d+)", t)
if p and d:
    print(p.group(1), d.group(1))'
}

# Read the status bar of the main window (at 0,0, W x H) into $sb_packets
# and $sb_displayed: a screenshot of it about every second until two
# consecutive readings agree and show every packet of the file, at most
# TIMEOUT s.
sb_packets='' sb_displayed=''
read_statusbar() {
    local timeout=${1:-20} end prev='' cur n=0 t
    end=$((SECONDS + timeout))
    sb_packets='' sb_displayed=''
    while [ "$SECONDS" -lt "$end" ]; do
        timeout 20 import -window root -crop "${W}x26+0+$((H - 24))" +repage "$tmp/sb.png" || true
        cur=
        for t in 50 40 60; do
            cur=$(ocr "$tmp/sb.png" "${W}x26+0+0" "$t" 7 | parse_statusbar)
            [ -z "$cur" ] || break
        done
        if [ -n "$cur" ] && [ "${cur%% *}" = "$t_packets" ] && [ "$cur" = "$prev" ]; then
            n=$((n + 1))
            if [ "$n" -ge 1 ]; then
                sb_packets=${cur%% *} sb_displayed=${cur##* }
                return 0
            fi
        else
            n=0
        fi
        prev=$cur
        sleep 0.5
    done
    sb_displayed=${prev##* }
    log "status bar never stable (last reading: '${prev:-unreadable}')"
}

# The severity shown by the status-bar expert indicator (left end of the
# main window's status bar), from the mean colour of its centre.
expert_colour() {
    local r g b
    read -r r g b < <(convert "$1" -crop 5x5+15+$((H - 13)) +repage -resize '1x1!' -depth 8 txt: |
        sed -n 's/.*srgb(\([0-9]*\),\([0-9]*\),\([0-9]*\)).*/\1 \2 \3/p')
    python3 - "$r" "$g" "$b" <<'EOF'
import sys
r, g, b = map(int, sys.argv[1:4])
if r > 170 and g < 160 and b < 160:
    s = "red"
elif r > 170 and g > 170 and b < 160:
    s = "yellow"
elif b > 170 and r < 170:
    s = "cyan/blue"
else:
    s = "grey"
print(f"{s}({r},{g},{b})")
EOF
}

# ---- driving Wireshark -----------------------------------------------------------
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
    if [ "$(id -u)" = 0 ]; then chown -R "${MODBUS_AN_TEST_USER:-modbus_an_test}:" "$gui_home" 2>/dev/null || true; fi
}

# start_wireshark TAG ARGS...: wireshark ARGS on the display; sets $main
# once the window shows the file's name (the file is open). A dialog shown
# before (a preference error blocks the start until it is closed) is
# counted (start_dialogs), OCRed into start-TAG-dialog.txt and closed.
main='' start_dialogs=0
start_wireshark() {
    local tag=$1 base end
    shift
    write_recent
    log "wireshark $*"
    # setsid: a process group of its own, so stop_wireshark reaches wireshark
    # (a child of tests/tshark.sh) and anything it starts.
    setsid "$repo/tests/tshark.sh" --wireshark "$@" >"$out/wireshark-$tag.log" 2>&1 &
    ws_pgid=$!
    base=$(basename "$cap")
    start_dialogs=0 main=''
    end=$((SECONDS + 45))
    while [ "$SECONDS" -lt "$end" ]; do
        wait_window "^$(requote "$base")\$" 1; main=$win
        [ -z "$main" ] || break
        kill -0 -- "-$ws_pgid" 2>/dev/null || break
        # any window but the start window (named by Wireshark) is a dialog
        main=$(x search --onlyvisible --name '^The Wireshark Network Analyzer$' 2>/dev/null | head -1 || true)
        if [ -n "$main" ]; then
            dlg=$(other_windows "$main" | head -1)
            if [ -n "$dlg" ]; then
                start_dialogs=$((start_dialogs + 1))
                read_and_close_dialog "start-$tag-dialog$start_dialogs"
            fi
        fi
        main=''
    done
    [ -n "$main" ] || die "main window for $base never appeared (see $out/wireshark-$tag.log)"
    x windowsize "$main" "$W" "$H" windowmove "$main" 0 0 || true
}

# Regex-quote a fixed string for xdotool --name.
# shellcheck disable=SC2016 # a sed bracket expression, not a shell expansion
requote() { printf '%s' "$1" | sed 's/[][\.*^$()+?{}|]/\\&/g'; }

apply_filter() {
    x windowraise "$main"; x windowfocus "$main"; sleep 0.3
    x key ctrl+slash; sleep 0.3
    x key ctrl+a
    if [ -n "$1" ]; then x type --delay 5 "$1"; else x key BackSpace; fi
    x key Return
    sleep 1.5
}

# View > Reload (Ctrl+R), and wait until Wireshark has read the file again:
# its read byte count (/proc/PID/io rchar) grew by at least the file's size.
# (A reading of the status bar before the reload would show the count from
# before it, which can equal the right one.)
ws_rchar() {
    local pid
    pid=$(pgrep -g "$ws_pgid" -x wireshark | head -1 || true)
    [ -n "$pid" ] && sed -n 's/^rchar: //p' "/proc/$pid/io" 2>/dev/null || echo 0
}
reload() {
    local before size end
    before=$(ws_rchar) size=$(stat -c %s "$cap")
    x windowraise "$main"; x windowfocus "$main"; sleep 0.3
    x key ctrl+r
    end=$((SECONDS + 15))
    while [ "$(ws_rchar)" -lt $((before + size)) ]; do
        [ "$SECONDS" -lt "$end" ] || die "View > Reload (Ctrl+R) did not read the file again"
        sleep 0.3
    done
    sleep 1
}

# check_displayed NAME WANT: the status bar's Displayed count, after the
# display settled, against WANT; a screenshot named NAME.
check_displayed() {
    read_statusbar 20
    shot "$1"
    [ "$sb_packets" = "$t_packets" ] || log "status bar: Packets: ${sb_packets:-unreadable}"
    check "$1" "$sb_displayed" "$2"
}

# Set a modbus_an preference in Edit > Preferences > Advanced (search field,
# then a double click on the value) and press OK.
set_pref_gui() {
    local name=$1 value=$2 tag=$3 prefs row t
    x windowraise "$main"; x windowfocus "$main"; sleep 0.3
    x key ctrl+shift+p
    wait_window "Preferences" 20; prefs=$win
    [ -n "$prefs" ] || die "Edit > Preferences did not open"
    sleep 1
    # No window manager: the dialog is at 0,0; a fixed size fixes the
    # positions below.
    x windowsize "$prefs" 1400 900 windowmove "$prefs" 0 0; sleep 0.8
    x windowfocus "$prefs"; sleep 0.3
    x key End; sleep 1                          # the page list: Advanced (last)
    x mousemove 625 32 click 1; sleep 0.3       # Search:
    x key ctrl+a; x type --delay 5 "modbus_an.$name"; sleep 1.5
    x mousemove 792 115 click --repeat 2 --delay 80 1; sleep 0.8   # its Value cell
    x key ctrl+a; x type --delay 5 "$value"; x key Return; sleep 0.8
    shot "$tag"
    # white on the selection's blue: a lighter threshold than elsewhere
    for t in 65 75 50; do
        row=$(ocr "$out/$tag.png" "1080x24+320+103" "$t" 7 | tr '\n' ' ')
        case "$row" in *"$value"*) break ;; esac
    done
    log "preferences row: $row"
    case "$row" in
        *"$value"*) ;;
        *) die "could not type $value into modbus_an.$name in Edit > Preferences > Advanced (see $out/$tag.png)" ;;
    esac
    x mousemove 1176 875 click 1                # OK
    wait_gone "$prefs" 20 || die "the Preferences dialog did not close"
}

# Analyze > Expert Information: the last entry of the Analyze menu, reached
# with Up from the first one (Qt menus wrap); sets $expert.
expert=
open_expert() {
    local title=$1
    expert=
    for _try in 1 2; do
        x windowraise "$main"; x windowfocus "$main"; sleep 0.3
        x key alt+a; sleep 0.7
        x key Up Return
        wait_window "Expert Information.*$(requote "$title")" 10; expert=$win
        [ -n "$expert" ] && break
        x key Escape Escape || true
    done
    [ -n "$expert" ] || die "Analyze > Expert Information did not open"
    log "expert window $expert"
}

# ---- 1. the file loaded, filters typed, Ctrl+R, Expert Information ------------------
rm -f "$prefs_file"
start_wireshark 1-load -r "$cap" --log-level info --log-domains modbus_an
log "main window $main"
read_statusbar 30
shot g01-loaded
check "expert indicator after load (no filter)" "$(expert_colour "$out/g01-loaded.png" | cut -d'(' -f1)" red
log "expert indicator: $(expert_colour "$out/g01-loaded.png")"
check "Displayed after load (no filter)" "$sb_displayed" "$t_packets"

apply_filter "modbus_an.missed == 1"
check_displayed "g02-typed-missed" "$t_missed"
apply_filter "modbus_an.delayed == 1"
check_displayed "g03-typed-delayed" "$t_delayed1"
reload
check_displayed "g04-reload-delayed" "$t_delayed1"
apply_filter "modbus_an.missed == 1"
reload
check_displayed "g05-reload-missed" "$t_missed"
check "expert indicator after reload" "$(expert_colour "$out/g05-reload-missed.png" | cut -d'(' -f1)" red
# The GUI keeps every frame's feature records (tshark's single pass does not):
# a filter typed after loading re-dissects every frame and finds them, and the
# log (info level) says so.
apply_filter "modbus_an.feature.packet_length"
check_displayed "g05b-typed-feature" "$t_modbus"
wslog=$out/wireshark-1-load.log
check "GUI keeps feature records (log, each file init and never a single pass)" \
    "$(grep -q 'GUI: every frame keeps its feature records' "$wslog" &&
       ! grep -q 'single pass:' "$wslog" && echo yes || echo no)" yes

# Expert Information for every frame (no display filter).
apply_filter ""
read_statusbar 20
open_expert "$(basename "$cap")"
# narrow, so that the counts (right-aligned) are near their summaries
x windowsize "$expert" 1000 720 windowmove "$expert" 0 $((H - 720)) windowraise "$expert"
expert_text=
end=$((SECONDS + 15))
while [ "$SECONDS" -lt "$end" ]; do
    sleep 1
    shot g06-expert
    expert_text=$(ocr "$out/g06-expert.png" "1000x400+0+$((H - 720 + 20))" 40 6)
    case "$expert_text" in *"never answered"*) break ;; esac
done
printf '%s\n' "$expert_text" >"$out/g06-expert.txt"
# The count: the last number of the summary's line.
expert_count() {
    printf '%s\n' "$expert_text" | grep -F -- "$1" | head -1 | grep -oE '[0-9]+ *$' | tr -d ' ' || true
}
check "expert: Request never answered (missed)" "$(expert_count "never answered (missed)")" "$t_missed"
check "expert: Delayed response (response time > delay_threshold)" "$(expert_count "Delayed response")" "$t_delresp1"
check "expert: Late response (after response_timeout)" "$(expert_count "Late response")" "$t_late"
x windowfocus "$expert"; x key Escape
wait_gone "$expert" 10 || die "the Expert Information dialog did not close"

# ---- 2. a preference change that redissects: delay_threshold 1.0 -> 2.0 -------
apply_filter "modbus_an.delayed == 1"
read_statusbar 20
set_pref_gui delay_threshold 2.0 g07-prefs-2.0
sleep 2
check_displayed "g08-after-pref-2.0-delayed" "$t_delayed2"

# ---- 3. an invalid value: rejected, the previous one kept and stored ----------
set_pref_gui delay_threshold abc g09-prefs-abc
wait_dialog 15
msg=
if [ -n "$dlg" ]; then
    read_and_close_dialog g10-invalid-message
    msg=$dlg_text
else
    shot g10-invalid-message
fi
# OCR drops underscores and the space in "2 s": match loosely.
ok=$(printf '%s' "$msg" | python3 -c '
import re, sys
t = sys.stdin.read()
print("yes" if re.search(r"modbus.?an:.*delay.?threshold.*abc.*not a number of seconds.*using\s*2\s*s", t, re.S) else "no")')
check "message for delay_threshold \"abc\"" "$ok" yes
sleep 2   # the previous value is saved from an idle callback
cp "$prefs_file" "$out/preferences-after-invalid.txt" 2>/dev/null || true
stored=$(grep -E '^#?modbus_an\.delay_threshold:' "$prefs_file" 2>/dev/null | tr '\n' ';' || true)
log "preferences file: ${stored:-no delay_threshold line}"
check "preferences file has no \"abc\"" \
    "$(grep -cE '^#?modbus_an\.delay_threshold:.*abc' "$prefs_file" 2>/dev/null || true)" 0
check "preferences file keeps the previous value" \
    "$(sed -n 's/^modbus_an\.delay_threshold: *//p' "$prefs_file" 2>/dev/null | head -1)" 2.0
check_displayed "g11-after-invalid-delayed" "$t_delayed2"
stop_wireshark

# ---- 4. next starts: no dialog, -Y at launch ------------------------------------
start_wireshark 2-restart -r "$cap" -Y "modbus_an.delayed == 1"
sleep 2
read_statusbar 30
shot g12-restart-Y-delayed-2.0
others=$(other_windows "$main")
[ -z "$others" ] || log "other windows: $others"
check "dialogs at the next start" "$((start_dialogs + $(printf '%s' "$others" | grep -c . || true)))" 0
check "g12-restart-Y-delayed-2.0 (stored threshold 2.0)" "$sb_displayed" "$t_delayed2"
stop_wireshark

start_wireshark 3-Y-delayed -r "$cap" -Y "modbus_an.delayed == 1" -o modbus_an.delay_threshold:1.0
check_displayed "g13-launch-Y-delayed" "$t_delayed1"
check "expert indicator after load with -Y delayed" "$(expert_colour "$out/g13-launch-Y-delayed.png" | cut -d'(' -f1)" red
stop_wireshark

start_wireshark 4-Y-missed -r "$cap" -Y "modbus_an.missed == 1"
check_displayed "g14-launch-Y-missed" "$t_missed"
check "expert indicator after load with -Y missed" "$(expert_colour "$out/g14-launch-Y-missed.png" | cut -d'(' -f1)" red
stop_wireshark

# ---- 5. screenshot tour of other captures (no checks) -----------------------------
# Select the first displayed packet, move the focus to the packet details
# pane, collapse everything and open the last top-level item: the modbus_an
# tree (a post-dissector adds it last). End and Home only move inside the tree
# when it has the focus (otherwise they are Go > First/Last Packet).
expand_modbus_an() {
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
    local c=$1 n=$2 withmenu=$3 base tag table
    base=$(basename "$c")
    tag=$(printf 't%d-%s' "$n" "${base%.*}")
    log "wireshark -r $c -Y '$filter' -z modbus_an,table"
    write_recent
    setsid "$repo/tests/tshark.sh" --wireshark -r "$c" -Y "$filter" -z modbus_an,table \
        >"$out/wireshark-$tag.log" 2>&1 &
    ws_pgid=$!
    wait_window "^$(requote "$base")\$" 45; main=$win
    [ -n "$main" ] || die "main window for $base never appeared (see $out/wireshark-$tag.log)"
    wait_window "Modbus/TCP Transactions .modbus_an.*$(requote "$base")" 30; table=$win
    [ -n "$table" ] || die "stats table 'Modbus/TCP Transactions (modbus_an)' never appeared (-z modbus_an,table)"
    sleep 2   # let the table's retap finish before anything else retaps

    x windowsize "$main" "$W" "$H" windowmove "$main" 0 0
    x windowsize "$table" "$W" 480 windowmove "$table" 0 $((H - 480)) windowraise "$table"
    sleep 1
    shot "$tag-1-stats-table"
    expand_modbus_an
    shot "$tag-2-main-loaded"
    x windowfocus "$main"; sleep 0.2
    x key ctrl+slash; sleep 0.3
    x key ctrl+a; x type --delay 5 "$filter"; x key Return
    sleep 2
    expand_modbus_an
    shot "$tag-3-main-refiltered"
    if [ "$withmenu" = 1 ]; then
        x windowfocus "$main"; sleep 0.2
        x key alt+s; sleep 1
        shot "$tag-4-statistics-menu"
        x key Escape; sleep 0.3
    fi
    open_expert "$base"
    sleep 2
    x windowsize "$expert" "$W" 720 windowmove "$expert" 0 $((H - 720)) windowraise "$expert"
    sleep 1
    shot "$tag-5-expert"
    stop_wireshark
}

i=1
for c in $captures; do
    if [ -r "$c" ]; then
        run_capture "$c" "$i" "$([ "$i" = 1 ] && echo 1 || echo 0)"
    else
        log "tour: $c not readable, skipped"
    fi
    i=$((i + 1))
done

# Every screenshot must exist, be the screen's size and not be blank.
for f in "${shots[@]}"; do
    if [ ! -s "$f" ]; then check "screenshot $f" missing ok; continue; fi
    read -r w h k < <(identify -format '%w %h %k\n' "$f" 2>/dev/null || echo "0 0 0")
    if [ "$w" != "$W" ] || [ "$h" != "$H" ] || [ "${k:-0}" -lt 16 ]; then
        check "screenshot $f" "${w}x${h}, $k colours" "${W}x${H}, >= 16 colours"
    fi
done
if ! summary; then exit 1; fi
log "OK: ${#shots[@]} screenshots in $out (${SECONDS}s)"
