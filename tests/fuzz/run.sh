#!/usr/bin/env bash
# tests/fuzz/run.sh - fuzz modbus_an at scale: mutated and random captures
# under the ASan+UBSan plugin, the core's libFuzzer harness, and floods
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 1. Captures: every capture of ../shared/captures and tests/ as it is;
#    copies with random byte errors (editcap -E at several rates and seeds)
#    and cut short (editcap -s); random Modbus/TCP streams on port 502 and
#    random BPDUs (tests/fuzz/gen_random.py). Each file once through tshark
#    with build-asan's plugin (GCC's ASan+UBSan preloaded, as
#    tests/asan_run.sh does), -2 -V and every -z modbus_an output in
#    Z_OUTPUTS, under one of the preference sets in PREFS, with a timeout.
#    A failure is a crash (rc >= 128), a hang (the timeout), a sanitizer
#    report, or an exception of modbus_an in the tree ("Dissector bug" /
#    "Malformed Packet: modbus_an"); its input and stderr are kept.
# 2. libFuzzer: tests/fuzz/fuzz_core.c (built by build_fuzzer.sh) from the
#    seed corpus for --fuzz-time seconds on --jobs workers.
# 3. Floods (tests/fuzz/flood.py, in a temporary folder): 250k/500k/1M
#    requests without answers and 25k/50k/100k short connections through
#    the release build (-q -z modbus_an,stat): max RSS, wall time, every
#    request counted (answered 0; missed + late + unanswered_at_end =
#    requests), time per packet at the largest size within 2x of the
#    smallest; and the same files through tshark without modbus_an
#    (--disable-protocol modbus_an -q -Y mbtcp: Wireshark's own Modbus
#    dissection) for comparison.
# Prints a one-screen summary; exits 1 on any failure.
#
# Usage: tests/fuzz/run.sh [--sample N] [--jobs J] [--timeout S] [--fuzz-time S]
#            [--flood-scale F] [--no-files] [--no-libfuzzer] [--no-floods]
#            [--keep DIR] [--no-build] [--build-dir DIR] [--asan-dir DIR]
#   --sample N     a fixed sample of N of the files made from the captures
#                  below 400 kB (CI), 20 s of libFuzzer on one worker, floods
#                  at scale 0.1,
#                  unless given otherwise
#   defaults: every file (>= 2,000), 300 s of libFuzzer, floods at scale 1
#   --keep DIR     failing inputs go there (default build-fuzz/failures)
#   --no-build     use the builds as they are (ctest runs it so); the fuzzer
#                  is still built when build-fuzz/ has none or one older than
#                  a source of it (core/, tap/report/, fuzz_core.c)
#   --build-dir, --asan-dir  the release and the sanitizer build (default
#                  build/ and build-asan/, configured and built when missing)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

# -z modbus_an outputs every file is dissected with; @OUT@ is a scratch
# folder of the run. Add new outputs here (ones tshark does not know yet
# are left out, and listed, at the start).
Z_OUTPUTS=(stat csv "features,@OUT@/features.csv" "registers,@OUT@/registers.csv" table flows flowtable nettable netcsv
           summary json "sqlite,@OUT@/modbus_an.sqlite" verdict polls heartbeats connections tcp causes stp topology
           registers schema)
# Preference sets, used in turn (file k gets PREFS[k % n]); @CFG@ holds the
# configuration files. Arguments are split at spaces.
PREFS=(
    ""
    "-o modbus_an.hb_defs_file:@CFG@/hb_defs.json -o modbus_an.pcap_monitor_file:@CFG@/pcap_monitor.json
     -o uat:modbus_an_registers:\"w\",\"\",\"\",\"holding\",\"0\",\"f32\",\"CDAB\"
     -o uat:modbus_an_heartbeats:\"u\",\"\",\"\",\"\",\"\",\"holding\",\"1\",\"32\",\"\",\"\"
     -o uat:modbus_an_expected:\"x\",\"10.0.0.1\",\"502\",\"\" -o modbus_an.hb_stall_polls:1
     -o modbus_an.connect_timeout:0.001 -o modbus_an.retry_window:0 -o modbus_an.stp_window:1"
    "-o modbus_an.max_pending:2 -o modbus_an.pair_tid_mismatch:TRUE -o modbus_an.feature_split_direction:TRUE
     -o modbus_an.strict_unit_id:TRUE -o modbus_an.delay_threshold:0 -o modbus_an.response_timeout:0
     -o modbus_an.duplicate_window:0.5 -o modbus_an.hb_auto:FALSE -o modbus_an.server_ports:1-65535"
)
EDIT_RATES=(0.002 0.01 0.05 0.2)   # editcap -E: probability that a byte is changed
EDIT_SEEDS=7                       # seeds per rate for captures under BIG bytes
BIG=400000                         # larger captures: rates 0.002 and 0.05, seed 1
SNAPLENS=(60 80)                   # editcap -s: packets cut short
RANDOM_N=(mbap 500 bpdu 120 mixed 120)
FLOOD_REQ=(250000 500000 1000000)
FLOOD_CONN=(25000 50000 100000)

bdir="$repo/build" adir="$repo/build-asan"
sample=0 jobs=$(nproc) tmo=60 fuzz_time="" scale="" keep="$repo/build-fuzz/failures"
do_files=1 do_fuzz=1 do_floods=1 do_build=1
while [ $# -gt 0 ]; do
    case $1 in
    --sample) sample=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --timeout) tmo=$2; shift ;;
    --fuzz-time) fuzz_time=$2; shift ;;
    --flood-scale) scale=$2; shift ;;
    --keep) keep=$2; shift ;;
    --build-dir) bdir=$(realpath "$2"); shift ;;
    --asan-dir) adir=$(realpath "$2"); shift ;;
    --no-files) do_files=0 ;;
    --no-libfuzzer) do_fuzz=0 ;;
    --no-floods) do_floods=0 ;;
    --no-build) do_build=0 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$fuzz_time" ] || fuzz_time=$([ "$sample" -gt 0 ] && echo 20 || echo 300)
[ -n "$scale" ] || scale=$([ "$sample" -gt 0 ] && echo 0.1 || echo 1)
t_start=$(date +%s)

# ---- builds ----
if [ $do_build = 1 ]; then
    { [ -f "$bdir/CMakeCache.txt" ] || cmake -S "$repo" -B "$bdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo; } >/dev/null &&
        cmake --build "$bdir" -j"$jobs" >/dev/null || { echo "run.sh: release build failed" >&2; exit 1; }
    { [ -f "$adir/CMakeCache.txt" ] ||
        cmake -S "$repo" -B "$adir" -DCMAKE_BUILD_TYPE=Debug -DMODBUS_AN_SANITIZE=ON; } >/dev/null &&
        cmake --build "$adir" -j"$jobs" >/dev/null || { echo "run.sh: sanitizer build failed" >&2; exit 1; }
fi
# (--no-build still rebuilds a fuzzer older than a source it is made of)
stale_fuzzer() {
    [ ! -x "$repo/build-fuzz/fuzz_core" ] ||
        [ -n "$(find "$repo/core" "$repo/tap/report" "$here/fuzz_core.c" -name '*.[ch]' \
                 -newer "$repo/build-fuzz/fuzz_core" -print -quit)" ]
}
if [ $do_fuzz = 1 ] && { [ $do_build = 1 ] || stale_fuzzer; }; then
    "$here/build_fuzzer.sh" "$repo/build-fuzz/fuzz_core" >/dev/null || { echo "run.sh: fuzzer build failed" >&2; exit 1; }
fi
asan_so="$adir/modbus_an.so"
grep -q __asan_report <(nm -D "$asan_so" 2>/dev/null) || { echo "run.sh: $asan_so is not an ASan build" >&2; exit 1; }

work=$(mktemp -d /tmp/modbus_an_fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/in" "$keep" && chmod 755 "$work/in"
mkdir -m 777 "$work/out"
mkdir -m 755 "$work/cfg"
cp "$repo/tests/fixtures/hb/hb_defs.json" "$repo/tests/fixtures/hb/pcap_monitor.json" "$work/cfg/" && chmod 644 "$work/cfg/"*

export MODBUS_AN_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS
MODBUS_AN_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:abort_on_error=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
san() { MODBUS_AN_SO=$asan_so "$repo/tests/tshark.sh" "$@"; }
fail=0
summary=()

# ---- 1. captures ----
if [ $do_files = 1 ]; then
    san --prove-loaded >/dev/null || { echo "run.sh: the sanitizer plugin is not loaded" >&2; exit 1; }
    known=$(san -z help 2>&1 | tr -d ' ')  # tshark lists them on stderr
    zargs=() znames=() skipped=()
    for z in "${Z_OUTPUTS[@]}"; do
        if grep -qx "modbus_an,${z%%,*}" <<<"$known"; then
            zargs+=(-z "modbus_an,$z") znames+=("${z%%,*}")
        else
            skipped+=("${z%%,*}")
        fi
    done

    # Recipes, one a line: orig FILE | edit FILE RATE SEED | snap FILE LEN | rnd KIND SEED
    mapfile -t caps < <({ find "$repo/../shared/captures" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \)
                          find "$repo/tests" -type f \( -name '*.pcap' -o -name '*.pcapng' \); } 2>/dev/null | sort)
    recipes=()
    if [ "$sample" -gt 0 ]; then
        # The sample leaves the large captures out: the sanitizer stage of
        # scripts/test.sh (tests/asan_run.sh) runs every original already,
        # and their copies are what makes the full run long.
        small=()
        for f in "${caps[@]}"; do [ "$(stat -c %s "$f")" -lt $BIG ] && small+=("$f"); done
        caps=("${small[@]}")
    fi
    for f in "${caps[@]}"; do recipes+=("orig $f"); done
    for f in "${caps[@]}"; do
        if [ "$(stat -c %s "$f")" -lt $BIG ]; then
            for r in "${EDIT_RATES[@]}"; do for s in $(seq 1 $EDIT_SEEDS); do recipes+=("edit $f $r $s"); done; done
            for l in "${SNAPLENS[@]}"; do recipes+=("snap $f $l"); done
        else
            recipes+=("edit $f 0.002 1" "edit $f 0.05 1")
        fi
    done
    for ((k = 0; k < ${#RANDOM_N[@]}; k += 2)); do
        for s in $(seq 1 "${RANDOM_N[k+1]}"); do recipes+=("rnd ${RANDOM_N[k]} $s"); done
    done
    if [ "$sample" -gt 0 ] && [ "$sample" -lt ${#recipes[@]} ]; then
        # a fixed sample spread evenly over the list (every kind of file)
        picked=()
        for ((k = 0; k < sample; k++)); do picked+=("${recipes[k * ${#recipes[@]} / sample]}"); done
        recipes=("${picked[@]}")
    fi
    printf '%s\n' "${recipes[@]}" > "$work/recipes"

    # One file: make it, dissect it, classify the run (one result line).
    one() {
        local k=$1 kind f a b in d rc secs bugs status t0
        read -r kind f a b <<<"$2"
        in="$work/in/$k"
        case $kind in
        orig) in=$f ;;
        edit) in="$in-$(basename "$f")"; editcap -E "$a" --seed "$b" "$f" "$in" >/dev/null 2>&1 ;;
        snap) in="$in-$(basename "$f")"; editcap -s "$a" "$f" "$in" >/dev/null 2>&1 ;;
        rnd) in=$(python3 "$here/gen_random.py" "$work/in" "--$f" 1 --seed "$a") ;;
        esac
        [ -f "$in" ] || { echo "genfail 0 0 0 $2" >>"$work/results"; return; }
        d="$work/out/$k"; mkdir -m 777 "$d"
        local prefs=${PREFS[k % ${#PREFS[@]}]}
        prefs=${prefs//@CFG@/$work/cfg}
        local z=("${zargs[@]//@OUT@/$d}")
        t0=$(date +%s.%N)
        # shellcheck disable=SC2086
        bugs=$({ timeout -k 5 "$tmo" env MODBUS_AN_SO="$asan_so" "$repo/tests/tshark.sh" -2 -V -r "$in" "${z[@]}" $prefs \
                     2>"$d/err"; echo $? >"$d/rc"; } |
               grep -c -E 'Dissector bug, protocol modbus_an|Malformed Packet: modbus_an')
        rc=$(cat "$d/rc"); secs=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
        status=ok
        if [ "$rc" = 124 ] || { [ "$rc" = 137 ] && [ "${secs%.*}" -ge "$tmo" ]; }; then status=hang
        elif [ "$rc" -ge 128 ]; then status=crash
        elif grep -q -E 'AddressSanitizer|runtime error|LeakSanitizer|UndefinedBehaviorSanitizer' "$d/err"; then status=sanitizer
        elif [ "$bugs" -gt 0 ]; then status=dissector_bug
        elif [ "$rc" != 0 ]; then status=rc$rc
        fi
        case $status in
        ok|rc*) ;;
        *) local base; base="$keep/$status-$k-$(basename "$in")"
           cp "$in" "$base"; cp "$d/err" "$base.stderr"
           echo "tshark -2 -V -r $(basename "$in") ${z[*]} $prefs" >"$base.args" ;;
        esac
        echo "$status $rc $secs $bugs $2" >>"$work/results"
        rm -rf "$d"
        [ "$kind" = orig ] || rm -f "$in"
    }
    export -f one
    export work here repo keep tmo asan_so
    export zargs_s="${zargs[*]}" prefs_n=${#PREFS[@]}
    : >"$work/results"
    t0=$(date +%s)
    # The arrays go to the workers through a sourced file (bash exports no arrays).
    declare -p zargs PREFS >"$work/arrays"
    awk '{print NR-1; print}' "$work/recipes" | tr '\n' '\0' |
        xargs -0 -n 2 -P "$jobs" bash -c 'source "$work/arrays"; one "$@"' _
    files_wall=$(( $(date +%s) - t0 ))

    n_files=$(wc -l <"$work/results")
    cnt() { awk -v s="$1" '$1 == s' "$work/results" | wc -l; }
    crashes=$(cnt crash) hangs=$(cnt hang) sanit=$(cnt sanitizer) dbugs=$(cnt dissector_bug) genfail=$(cnt genfail)
    others=$(awk '$1 ~ /^rc/' "$work/results" | wc -l)
    kinds=$(awk '{print $5}' "$work/results" | sort | uniq -c | awk '{printf "%s %s, ", $1, $2}')
    rnd_kinds=$(awk '$5 == "rnd" {print $6}' "$work/results" | sort | uniq -c | awk '{printf "%s %s ", $1, $2}')
    slowest=$(sort -k3 -g -r "$work/results" | head -1 | awk '{printf "%.1f s (%s)", $3, $6}')
    bad=$((crashes + hangs + sanit + dbugs + genfail))
    [ $bad -eq 0 ] || fail=$((fail + bad))
    summary+=("Captures: $n_files files (${kinds%, }; random: ${rnd_kinds% })")
    summary+=("  each: ASan+UBSan tshark -2 -V -z modbus_an,{${znames[*]}} (${#PREFS[@]} preference sets in turn), timeout ${tmo} s")
    [ ${#skipped[@]} -eq 0 ] || summary+=("  -z outputs not in this build, left out: ${skipped[*]}")
    summary+=("  crashes (rc>=128) $crashes   hangs $hangs   sanitizer reports $sanit   modbus_an exceptions $dbugs   not generated $genfail")
    summary+=("  other exit codes (tshark refused a damaged file; not failures): $others   slowest: $slowest   wall: $((files_wall / 60))m$((files_wall % 60))s on $jobs jobs")
    [ $bad -eq 0 ] || summary+=("  FAILED inputs kept in $keep: $(awk '$1 !~ /^(ok|rc)/ {print $1": "$6}' "$work/results" | head -5 | tr '\n' ';')")
fi

# ---- 2. libFuzzer ----
if [ $do_fuzz = 1 ]; then
    fz="$repo/build-fuzz/fuzz_core"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp "$here/corpus/"* "$work/corpus/"
    t0=$(date +%s)
    fjobs=$jobs
    [ "$sample" -gt 0 ] && fjobs=1   # the CI sample: one worker
    (cd "$work" && "$fz" -fork="$fjobs" -max_total_time="$fuzz_time" -rss_limit_mb=4096 -timeout=30 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/fuzz.log" 2>&1)
    frc=$?
    last=$(grep -E '^#[0-9]+: cov:' "$work/fuzz.log" | tail -1)
    execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
    cov=$(sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/cov \1, features \2, corpus \3/' <<<"$last")
    ocr=$(sed -E 's/.*oom\/timeout\/crash: ([0-9\/]+).*/\1/' <<<"$last")
    nart=$(find "$work/artifacts" -type f | wc -l)
    summary+=("libFuzzer (fuzz_core, $fjobs workers, $(( $(date +%s) - t0 )) s, $(ls "$here/corpus" | wc -l) seeds): ${execs:-0} executions, ${cov:-no status line}; oom/timeout/crash ${ocr:-?}, artifacts $nart")
    if [ $frc -ne 0 ] || [ "$nart" -gt 0 ] || grep -q -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error' "$work/fuzz.log"; then
        fail=$((fail + 1))
        cp "$work/artifacts/"* "$keep/" 2>/dev/null
        grep -m3 -E 'ERROR:|runtime error' "$work/fuzz.log" | sed 's/^/  /' >"$work/fuzzerr"
        summary+=("  FAILED (rc $frc); artifacts in $keep:" "$(cat "$work/fuzzerr")")
    fi
fi

# ---- 3. floods ----
if [ $do_floods = 1 ]; then
    rel="$bdir/modbus_an.so"
    mkdir -m 755 "$work/flood"
    MODBUS_AN_SO=$rel MODBUS_AN_PRELOAD= "$repo/tests/tshark.sh" --prove-loaded >/dev/null ||
        { echo "run.sh: the release plugin is not loaded" >&2; exit 1; }
    summary+=("Floods (release build; plugin: -q -z modbus_an,stat; Wireshark alone: --disable-protocol modbus_an -q -Y mbtcp):")
    summary+=("$(printf '  %-8s %8s %8s %7s %7s %7s %7s %5s %7s  %s' kind N packets wall_s RSS_MiB ws_s ws_MiB x_ws us/pkt counted)")
    # measure LABEL ARGS...: sets m_rss (KiB) and m_wall (s); output in $work/flood/out
    measure() {
        /usr/bin/time -f '%M %e' -o "$work/flood/time" env MODBUS_AN_SO="$rel" MODBUS_AN_PRELOAD= \
            "$repo/tests/tshark.sh" "$@" >"$work/flood/out" 2>"$work/flood/err"
        local rc=$?
        read -r m_rss m_wall < <(tail -1 "$work/flood/time")
        return $rc
    }
    for kind in requests conns; do
        if [ $kind = requests ]; then sizes=("${FLOOD_REQ[@]}"); else sizes=("${FLOOD_CONN[@]}"); fi
        first_us="" first_n="" last_us=""
        for n0 in "${sizes[@]}"; do
            n=$(awk -v n="$n0" -v s="$scale" 'BEGIN { printf "%d", n * s }')
            f="$work/flood/$kind-$n.pcap"
            read -r _ packets _ requests _ _ < <(python3 "$here/flood.py" $kind "$n" "$f")
            chmod 644 "$f"
            measure -q -r "$f" -z modbus_an,stat; rc=$?
            p_rss=$m_rss p_wall=$m_wall
            # the TOTAL row's Req Answ Late Miss UnEnd, found by the header's names ("Pair Unit ..."
            # has two tokens before the counts, as "TOTAL *" has)
            read -r req answ late miss unend < <(awk '
                $1 == "Pair" { for (i = 1; i <= NF; i++) col[$i] = i }
                $1 == "TOTAL" && $2 == "*" { print $col["Req"], $col["Answ"], $col["Late"], $col["Miss"], $col["UnEnd"]; exit }' "$work/flood/out")
            measure --disable-protocol modbus_an -q -r "$f" -Y mbtcp; brc=$?
            ok=yes
            if [ $rc -ne 0 ] || [ $brc -ne 0 ] || [ "${req:-x}" != "$requests" ] || [ "${answ:-x}" != 0 ] ||
               [ $(( ${miss:-0} + ${late:-0} + ${unend:-0} )) -ne "$requests" ]; then
                ok="NO (rc $rc/$brc req ${req:-?} answered ${answ:-?} missed ${miss:-?} late ${late:-?} unanswered_at_end ${unend:-?} of $requests)"
                fail=$((fail + 1))
            else
                ok="yes: $req requests = $miss missed + $unend unanswered_at_end"
            fi
            us=$(awk -v w="$p_wall" -v p="$packets" 'BEGIN { printf "%.2f", w * 1e6 / p }')
            summary+=("$(awk -v k=$kind -v n="$n" -v p="$packets" -v w="$p_wall" -v r="$p_rss" -v bw="$m_wall" \
                             -v br="$m_rss" -v us="$us" -v ok="$ok" 'BEGIN {
                             printf "  %-8s %8s %8s %7s %7.0f %7s %7.0f %5.2f %7s  %s", k, n, p, w, r / 1024, bw,
                                    br / 1024, (bw > 0 ? w / bw : 0), us, ok }')")
            [ -n "$first_us" ] || { first_us=$us; first_n=$n; }
            last_us=$us last_n=$n
            rm -f "$f"
        done
        ratio=$(awk -v a="$last_us" -v b="$first_us" 'BEGIN { printf "%.2f", a / b }')
        lin="linear"
        if awk -v r="$ratio" 'BEGIN { exit !(r > 2.0) }'; then lin="NOT linear"; fail=$((fail + 1)); fi
        summary+=("  $kind: time per packet at $last_n / at $first_n = $ratio ($lin; limit 2.0)")
    done
fi

# ---- summary ----
wall=$(( $(date +%s) - t_start ))
echo "=================================================================="
echo "modbus_an fuzz run: $([ "$sample" -gt 0 ] && echo "sample of $sample" || echo full), $(git -C "$repo" rev-parse --short HEAD 2>/dev/null), $(date -u '+%Y-%m-%d %H:%M UTC'), $((wall / 60))m$((wall % 60))s"
printf '%s\n' "${summary[@]}"
if [ $fail -eq 0 ]; then echo "RESULT: PASS"; else echo "RESULT: FAIL ($fail)"; fi
echo "=================================================================="
[ $fail -eq 0 ]
