#!/usr/bin/env bash
# The cost of deciding from the signed log: everyday acts on a case of N statements.
#
#   benches/acts.sh [--docs N] [--runs N]
#
# Opens a case, fills it with N small documents through the library (as one member
# with a state folder, so each deposit replays only what came since), then times with
# the release binary, RUNS times each: `list` (N readable documents), a small
# `deposit`, a small `read`, `case show` and `log --verify` (everything from the
# charter on). Last, a member on another machine joins (verifying the whole log once)
# and reads. Prints a Markdown table of medians. Needs cargo, awk and bc; makes
# everything in one temporary folder, removed at the end.
set -euo pipefail
export LC_ALL=C
DOCS=10000
RUNS=5
while [ $# -gt 0 ]; do
    case "$1" in
        --docs) DOCS=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "acts.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
executable() {
    awk -v kind="$1" -F'"executable":"' '
        index($0, "\"kind\":[\"" kind "\"]") && NF > 1 { split($2, a, "\""); print a[1] }' | tail -n 1
}
S=$(cargo build --release --bin sealroom --message-format=json 2>/dev/null | executable bin)
HELPER=$(cargo bench --bench body --no-run --message-format=json 2>/dev/null | executable bench)
W=$(mktemp -d "${TMPDIR:-/tmp}/sealroom-acts.XXXXXX")
trap 'rm -rf "$W"' EXIT
export HOME="$W/home" XDG_DATA_HOME="$W/xdg" XDG_STATE_HOME="$W/state" SEALROOM_VAULT="$W/vault"
unset SEALROOM_IDENTITY SEALROOM_PASSPHRASE
mkdir -p "$HOME"
"$S" init >/dev/null
for p in registrar mediator claimant respondent archivist; do
    "$S" keygen --name "$p" -o "$W/$p.id" --no-passphrase >"$W/$p.card" 2>/dev/null
done
"$S" -i "$W/registrar.id" case open BIG --mediator "$W/mediator.card" \
    --party claimant="$W/claimant.card" --party respondent="$W/respondent.card" \
    --archivist "$W/archivist.card" >/dev/null
t0=$(date +%s.%N)
"$HELPER" populate "$SEALROOM_VAULT" BIG "$W/claimant.id" "$DOCS" 2>/dev/null
t1=$(date +%s.%N)
echo "small document" >"$W/small.txt"
declare -A T
timed() {
    local name=$1; shift
    local a b
    a=$(date +%s.%N); "$@" >/dev/null 2>&1; b=$(date +%s.%N)
    T[$name]="${T[$name]:-} $(echo "$b - $a" | bc)"
}
for _ in $(seq 1 "$RUNS"); do
    timed list "$S" list BIG -i "$W/claimant.id"
    timed deposit "$S" deposit BIG "$W/small.txt" -i "$W/claimant.id"
    timed read "$S" read BIG 1 -i "$W/mediator.id"
    timed show "$S" case show BIG
    timed verify "$S" log BIG --verify
done
export XDG_STATE_HOME="$W/state-elsewhere"
timed join "$S" case join BIG --trust-on-first-use
timed first_read "$S" read BIG 1 -i "$W/mediator.id"
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'; }
statements=$(( DOCS + 1 ))
echo "| act on a case of $statements statements ($DOCS documents) | median of $RUNS (s) |"
echo "|---|---:|"
echo "| \`list\` ($DOCS readable) | $(echo "${T[list]}" | median) |"
echo "| small \`deposit\` | $(echo "${T[deposit]}" | median) |"
echo "| small \`read\` | $(echo "${T[read]}" | median) |"
echo "| \`case show\` | $(echo "${T[show]}" | median) |"
echo "| \`log --verify\` (from the charter) | $(echo "${T[verify]}" | median) |"
echo "| \`case join\` on another machine (whole log, once) | $(echo "${T[join]}" | median) |"
echo "| first \`read\` there after joining | $(echo "${T[first_read]}" | median) |"
echo "(populate: $(echo "$t1 - $t0" | bc) s for $DOCS deposits through the library)"
