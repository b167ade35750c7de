#!/usr/bin/env bash
# sealroom against the stock tools, on this machine, in one run.
#
#   benches/compare.sh [--size MIB] [--docs N] [--runs N] [--out FILE | --no-doc]
#
# Times, on SIZE MiB (default 1024) of English-like text and of random bytes:
#   - `sealroom deposit` against `zstd -3 -T0 | age -r R` and against `age -r R` alone,
#   - `sealroom read` against `age -d | zstd -d` (and `age -d` alone for random bytes),
#   - the peak resident memory of each (GNU time),
#   - `disclose` of a 1 KiB document against a SIZE MiB one,
#   - `list`, `log --verify` and `case show` on a case of N documents (default 10,000),
# each RUNS times (default 3), stock and sealroom alternating, and reports medians and
# their ratios. The figures go to the screen and into FILE (default
# docs/performance.md, between its `compare.sh` markers; the rest of the page is kept).
#
# Needs, and installs nothing: cargo (it builds with `cargo build --release`), age and
# age-keygen, zstd, GNU time as /usr/bin/time, awk, and about 4 GiB free under $TMPDIR
# (default /tmp) plus SIZE x (2 x RUNS + 4) MiB of page cache, and 2 x SIZE MiB of
# memory it touches and frees before each timed command. On Debian:
#   apt-get install -y age zstd time
# Everything it makes lives in one temporary folder, removed at the end. Identities are
# made with --no-passphrase, so no passphrase KDF is ever timed.
set -euo pipefail
export LC_ALL=C

SIZE_MIB=1024
DOCS=10000
RUNS=3
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/docs/performance.md"
while [ $# -gt 0 ]; do
    case "$1" in
        --size) SIZE_MIB=$2; shift 2 ;;
        --docs) DOCS=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --no-doc) OUT=; shift ;;
        -h|--help) sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

missing=()
for tool in cargo age age-keygen zstd awk; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ! /usr/bin/time --version 2>&1 | grep -q GNU; then
    missing+=("GNU time at /usr/bin/time")
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "compare.sh needs: ${missing[*]}" >&2
    echo "On Debian: apt-get install -y age zstd time (and a Rust toolchain for cargo)." >&2
    exit 2
fi

say() { printf '%s\n' "$*" >&2; }

say "Building (cargo build --release)…"
cd "$ROOT"
# The path of the built target of kind $1 ("bin" or "bench") from cargo's JSON messages.
executable() { grep "\"kind\":\[\"$1\"\]" | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1; }
SEALROOM=$(cargo build --release --bin sealroom --message-format=json 2>/dev/null | executable bin)
HELPER=$(cargo bench --bench body --no-run --message-format=json 2>/dev/null | executable bench)
if [ ! -x "$SEALROOM" ] || [ ! -x "$HELPER" ]; then
    say "compare.sh: the build failed; run cargo build --release to see why"
    exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sealroom-compare.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/id"
export SEALROOM_VAULT="$WORK/vault" XDG_DATA_HOME="$WORK/xdg" XDG_STATE_HOME="$WORK/state"
unset SEALROOM_IDENTITY SEALROOM_PASSPHRASE
S="$SEALROOM"
ID="$WORK/id"
RESULTS="$WORK/results"
: > "$RESULTS"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date +%s)

BYTES=$((SIZE_MIB * 1024 * 1024))
say "Making ${SIZE_MIB} MiB of text and ${SIZE_MIB} MiB of random bytes in $WORK…"
"$HELPER" text "$BYTES" "$WORK/text.bin"
head -c "$BYTES" /dev/urandom > "$WORK/random.bin"
head -c 1024 "$WORK/text.bin" > "$WORK/small.txt"

say "Identities, vault and cases…"
PARTIES=()
for who in registrar mediator claimant archivist; do
    "$S" keygen --name "$who" -o "$ID/$who.id" --no-passphrase > "$ID/$who.card" 2>/dev/null
done
for i in $(seq 1 "$RUNS"); do
    "$S" keygen --name "party $i" -o "$ID/party$i.id" --no-passphrase > "$ID/party$i.card" 2>/dev/null
    PARTIES+=(--party "party$i=$ID/party$i.card")
done
"$S" init > /dev/null
for case in BENCH BENCH-10K; do
    "$S" case open "$case" -i "$ID/registrar.id" --mediator "$ID/mediator.card" \
        --party "claimant=$ID/claimant.card" "${PARTIES[@]}" \
        --archivist "$ID/archivist.card" > /dev/null 2>&1
done
age-keygen -o "$WORK/stock.key" 2> /dev/null
R=$(age-keygen -y "$WORK/stock.key")

# record NAME ELAPSED RSS_KIB CPU_S
record() { echo "$*" >> "$RESULTS"; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }

# Before each timed command: flush dirty pages, then touch and free twice SIZE of memory
# (see `warm` in benches/body.rs: on a VM that hands freed memory back to its host, the
# next command to fill the page cache would otherwise pay, at random, for the host to
# fault it in again), so both sides of a comparison start from the same state.
settle() {
    sync
    "$HELPER" warm $((2 * SIZE_MIB))
}

# timed NAME COMMAND…: run once under GNU time; stdout goes to $WORK/stdout.
timed() {
    local name=$1 t0 t1 rss user sys
    shift
    settle
    t0=$(now)
    /usr/bin/time -f "%M %U %S" -o "$WORK/time" "$@" > "$WORK/stdout" 2> "$WORK/stderr"
    t1=$(now)
    read -r rss user sys < <(tail -n 1 "$WORK/time")
    record "$name" "$(elapsed "$t0" "$t1")" "$rss" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
}

# timed_pipe NAME 'A' 'B': time `A | B` (in sh); the memory is the sum of both processes.
timed_pipe() {
    local name=$1 t0 t1 m1 m2 u1 s1 u2 s2
    settle
    t0=$(now)
    sh -c "/usr/bin/time -f '%M %U %S' -o '$WORK/time1' $2 | /usr/bin/time -f '%M %U %S' -o '$WORK/time2' $3"
    t1=$(now)
    read -r m1 u1 s1 < <(tail -n 1 "$WORK/time1")
    read -r m2 u2 s2 < <(tail -n 1 "$WORK/time2")
    record "$name" "$(elapsed "$t0" "$t1")" $((m1 + m2)) \
        "$(awk -v a="$u1" -v b="$s1" -v c="$u2" -v d="$s2" 'BEGIN { print a + b + c + d }')"
}

# quick NAME COMMAND…: wall time only, for short commands.
quick() {
    local name=$1 t0 t1
    shift
    t0=$(now)
    "$@" > /dev/null 2>&1
    t1=$(now)
    record "$name" "$(elapsed "$t0" "$t1")" 0 0
}

deposit_json() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p" "$WORK/stdout" | head -n 1; }

for run in $(seq 1 "$RUNS"); do
    say "Deposit, run $run of $RUNS…"
    timed stock_random age -r "$R" -o "$WORK/r.age" "$WORK/random.bin"
    t0=$(now); sync "$WORK/r.age"; t1=$(now)
    record stock_random_fsync "$(elapsed "$t0" "$t1")" 0 0
    timed deposit_random "$S" deposit BENCH "$WORK/random.bin" -i "$ID/claimant.id" --json
    RANDOM_DOC=$(deposit_json num)
    RANDOM_BLOB=$(deposit_json blob_sha256)
    if [ "$run" -lt "$RUNS" ]; then rm -f "$WORK/r.age" "$SEALROOM_VAULT/blobs/$RANDOM_BLOB"; fi

    timed_pipe stock_text "zstd -3 -T0 -q -c '$WORK/text.bin'" "age -r '$R' -o '$WORK/t.age'"
    t0=$(now); sync "$WORK/t.age"; t1=$(now)
    record stock_text_fsync "$(elapsed "$t0" "$t1")" 0 0
    timed deposit_text "$S" deposit BENCH "$WORK/text.bin" -i "$ID/claimant.id" --json
    TEXT_DOC=$(deposit_json num)
    TEXT_BLOB=$(deposit_json blob_sha256)
    if [ "$run" -lt "$RUNS" ]; then rm -f "$WORK/t.age" "$SEALROOM_VAULT/blobs/$TEXT_BLOB"; fi
done
STOCK_TEXT_SIZE=$(stat -c %s "$WORK/t.age")
SEALROOM_TEXT_SIZE=$(stat -c %s "$SEALROOM_VAULT/blobs/$TEXT_BLOB")

for run in $(seq 1 "$RUNS"); do
    say "Read, run $run of $RUNS…"
    timed_pipe stock_read_text "age -d -i '$WORK/stock.key' '$WORK/t.age'" "zstd -d -q -o '$WORK/out'"
    rm -f "$WORK/out"
    timed read_text sh -c "'$S' read BENCH $TEXT_DOC -i '$ID/claimant.id' > '$WORK/out'"
    cmp -s "$WORK/out" "$WORK/text.bin" || { say "compare.sh: read gave other bytes"; exit 1; }
    rm -f "$WORK/out"
    timed stock_read_random age -d -i "$WORK/stock.key" -o "$WORK/out" "$WORK/r.age"
    rm -f "$WORK/out"
    timed read_random sh -c "'$S' read BENCH $RANDOM_DOC -i '$ID/claimant.id' > '$WORK/out'"
    rm -f "$WORK/out"
    timed read_text_o "$S" read BENCH "$TEXT_DOC" -o "$WORK/out" -i "$ID/claimant.id"
    rm -f "$WORK/out"
    timed read_text_o_sync "$S" read BENCH "$TEXT_DOC" -o "$WORK/out" --sync -i "$ID/claimant.id"
    rm -f "$WORK/out"
done

say "Disclose…"
timed small_deposit "$S" deposit BENCH "$WORK/small.txt" -i "$ID/claimant.id" --json
SMALL_DOC=$(deposit_json num)
for run in $(seq 1 "$RUNS"); do
    quick disclose_small "$S" disclose BENCH "$SMALL_DOC" --to "party$run" -i "$ID/claimant.id"
    quick disclose_big "$S" disclose BENCH "$RANDOM_DOC" --to "party$run" -i "$ID/claimant.id"
done

say "Filling case BENCH-10K with $DOCS documents through the library…"
t0=$(now)
"$HELPER" populate "$SEALROOM_VAULT" BENCH-10K "$ID/claimant.id" "$DOCS"
t1=$(now)
record populate "$(elapsed "$t0" "$t1")" 0 0
for run in $(seq 1 "$RUNS"); do
    timed list_10k "$S" list BENCH-10K -i "$ID/claimant.id"
    timed log_verify_10k "$S" log BENCH-10K --verify
    for _ in 1 2 3; do
        quick case_show_10k "$S" case show BENCH-10K
        quick case_show "$S" case show BENCH
    done
done
FINISHED=$(date +%s)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# Medians.
median() { awk -v n="$1" -v col="$2" '$1 == n { print $col }' "$RESULTS" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
all() { awk -v n="$1" '$1 == n { printf "%s%.2f", sep, $2; sep = ", " }' "$RESULTS"; }
T() { median "$1" 2; }
C() { awk -v v="$(median "$1" 4)" 'BEGIN { printf "%.2f", v }'; }
M() { awk -v k="$(median "$1" 3)" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
sum() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t ? "met" : "**missed**") }'; }
secs() { awk -v v="$1" 'BEGIN { printf "%.2f s", v }'; }
ms() { awk -v v="$1" 'BEGIN { printf "%.0f ms", v * 1000 }'; }

r_random=$(ratio "$(T deposit_random)" "$(T stock_random)")
r_random_d=$(ratio "$(T deposit_random)" "$(sum "$(T stock_random)" "$(T stock_random_fsync)")")
r_text=$(ratio "$(T deposit_text)" "$(T stock_text)")
r_text_d=$(ratio "$(T deposit_text)" "$(sum "$(T stock_text)" "$(T stock_text_fsync)")")
r_random_cpu=$(ratio "$(C deposit_random)" "$(C stock_random)")
r_read=$(ratio "$(T read_text)" "$(T stock_read_text)")
r_read_random=$(ratio "$(T read_random)" "$(T stock_read_random)")
r_read_o=$(ratio "$(T read_text_o)" "$(T stock_read_text)")
r_disclose=$(ratio "$(T disclose_big)" "$(T disclose_small)")
peak=0
for n in deposit_random deposit_text read_text read_random; do
    peak=$(awk -v a="$peak" -v b="$(M "$n")" 'BEGIN { print (b > a ? b : a) }')
done

GIB="${SIZE_MIB} MiB"
if [ "$SIZE_MIB" = 1024 ]; then GIB="1 GiB"; fi
report() {
    cat <<EOF
Measured $(date -u +%Y-%m-%d) by \`benches/compare.sh --size $SIZE_MIB --docs $DOCS --runs $RUNS\`
at commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo " (with uncommitted changes)"),
in $(awk -v s="$((FINISHED - STARTED))" 'BEGIN { printf "%.0f", s / 60 }') min; medians of $RUNS runs, stock and sealroom alternating.

Machine: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores,
$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), scratch on $(df -T "$WORK" | awk 'NR == 2 { print $2 }');
load average $LOAD_START at the start, $LOAD_END at the end (other jobs share it).
Tools: $(age --version | head -n 1) (age), $(zstd --version | sed 's/^\*\*\* //; s/ \*\*\*$//; s/, by.*//'), $(rustc --version 2>/dev/null | cut -d' ' -f1-2).

| Measure | sealroom | stock | ratio | target | |
|---|---:|---:|---:|---:|---|
| deposit $GIB random vs \`age -r\` | $(secs "$(T deposit_random)") | $(secs "$(T stock_random)") | $r_random | | |
| … vs \`age -r\` then fsync of its output | | $(secs "$(sum "$(T stock_random)" "$(T stock_random_fsync)")") | $r_random_d | ≤ 1.00 | $(verdict "$r_random_d" 1.0) |
| … CPU time (user + system) vs \`age -r\`'s | $(C deposit_random) s | $(C stock_random) s | $r_random_cpu | ≤ 1.50 | $(verdict "$r_random_cpu" 1.5) |
| deposit $GIB text vs \`zstd -3 -T0 \| age -r\` | $(secs "$(T deposit_text)") | $(secs "$(T stock_text)") | $r_text | | |
| … vs the same then fsync of its output | | $(secs "$(sum "$(T stock_text)" "$(T stock_text_fsync)")") | $r_text_d | ≤ 1.00 | $(verdict "$r_text_d" 1.0) |
| read $GIB text vs \`age -d \| zstd -d\` | $(secs "$(T read_text)") | $(secs "$(T stock_read_text)") | $r_read | ≤ 1.10 | $(verdict "$r_read" 1.1) |
| read $GIB random vs \`age -d\` | $(secs "$(T read_random)") | $(secs "$(T stock_read_random)") | $r_read_random | | |
| read $GIB text with \`-o FILE\` vs \`age -d \| zstd -d -o FILE\` | $(secs "$(T read_text_o)") | $(secs "$(T stock_read_text)") | $r_read_o | ≤ 1.00 | $(verdict "$r_read_o" 1.0) |
| … with \`--sync\` (fsyncs FILE) | $(secs "$(T read_text_o_sync)") | | | | |
| disclose: $GIB document vs 1 KiB | $(ms "$(T disclose_big)") | $(ms "$(T disclose_small)") | $r_disclose | ≤ 1.5 | $(verdict "$r_disclose" 1.5) |
| \`list\`, $DOCS documents | $(secs "$(T list_10k)") | | | < 1 s | $(verdict "$(T list_10k)" 1.0) |
| \`log --verify\`, $DOCS documents | $(secs "$(T log_verify_10k)") | | | | |
| \`case show\`, $DOCS documents | $(ms "$(T case_show_10k)") | | | < 50 ms | $(verdict "$(T case_show_10k)" 0.05) |
| \`case show\`, small case | $(ms "$(T case_show)") | | | < 50 ms | $(verdict "$(T case_show)" 0.05) |

Peak resident memory (MiB; target ≤ 64 for deposit and read):

| | sealroom | stock |
|---|---:|---:|
| deposit $GIB random | $(M deposit_random) | $(M stock_random) (\`age -r\`) |
| deposit $GIB text | $(M deposit_text) | $(M stock_text) (\`zstd\` + \`age\`) |
| read $GIB text | $(M read_text) | $(M stock_read_text) (\`age\` + \`zstd\`) |
| read $GIB random | $(M read_random) | $(M stock_read_random) (\`age -d\`) |

CPU time (user + system, all threads and processes; medians, seconds). The load on the
machine affects it much less than it affects elapsed time:

| | sealroom | stock |
|---|---:|---:|
| deposit $GIB random | $(C deposit_random) | $(C stock_random) |
| deposit $GIB text | $(C deposit_text) | $(C stock_text) |
| read $GIB text | $(C read_text) | $(C stock_read_text) |
| read $GIB random | $(C read_random) | $(C stock_read_random) |

Worst peak: $peak MiB ($(verdict "$peak" 64)). Compressed text: sealroom's blob $SEALROOM_TEXT_SIZE bytes,
stock \`zstd -3 -T0 | age\` $STOCK_TEXT_SIZE bytes. Filling the $DOCS-document case through the
library took $(secs "$(T populate)").

Every run, in seconds (elapsed; in run order):

| | runs |
|---|---|
$(for n in stock_random stock_random_fsync deposit_random stock_text stock_text_fsync deposit_text \
    stock_read_text read_text stock_read_random read_random read_text_o read_text_o_sync disclose_small disclose_big \
    list_10k log_verify_10k case_show_10k case_show; do echo "| $n | $(all "$n") |"; done)
EOF
}

REPORT=$(report)
printf '%s\n' "$REPORT"
if [ -n "$OUT" ]; then
    BEGIN='<!-- compare.sh:begin (written by benches/compare.sh; edits here are replaced) -->'
    END='<!-- compare.sh:end -->'
    if [ ! -f "$OUT" ] || ! grep -qF -- "$END" "$OUT"; then
        printf '# Performance\n\n%s\n%s\n' "$BEGIN" "$END" >> "$OUT"
    fi
    printf '%s\n' "$REPORT" > "$WORK/report"
    awk -v begin="$BEGIN" -v end="$END" -v report="$WORK/report" '
        index($0, "<!-- compare.sh:begin") == 1 { print begin; while ((getline line < report) > 0) print line; skip = 1; next }
        index($0, end) == 1 { skip = 0 }
        !skip { print }
    ' "$OUT" > "$WORK/out.md"
    cat "$WORK/out.md" > "$OUT"
    say "Wrote the figures to $OUT."
fi
