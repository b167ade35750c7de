#!/usr/bin/env bash
# One large document through the vault service, and the memory it takes on each side.
#
#   benches/remote-stream.sh [--size MIB]
#
# Starts `sealroom serve` on 127.0.0.1 (port 0, self-signed key) over a fresh vault,
# deposits SIZE MiB (default 1024) of random bytes through it and reads it back, each
# under GNU time, and reports the wall time and peak resident memory of the client
# (deposit, read) and the service's peak (VmHWM from /proc). Random bytes do not
# compress, so every byte of the document crosses the connection both ways.
#
# Needs: cargo (it builds with `cargo build --release`), GNU time as /usr/bin/time,
# python3 (to read the status line), and 3 x SIZE MiB free under $TMPDIR. Loopback only.
set -euo pipefail
export LC_ALL=C
SIZE_MIB=1024
while [ $# -gt 0 ]; do
    case "$1" in
        --size) SIZE_MIB=$2; shift 2 ;;
        -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "remote-stream.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
(cd "$ROOT" && cargo build --release --quiet)
S="$ROOT/target/release/sealroom"
W=$(mktemp -d)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
export XDG_STATE_HOME="$W/state" SEALROOM_PASSPHRASE=unused
unset SEALROOM_VAULT SEALROOM_IDENTITY SEALROOM_SERVER_PIN

"$S" init --vault "$W/vault" >/dev/null
for who in registrar claimant respondent mediator archivist; do
    "$S" keygen --name "$who" -o "$W/$who.id" --no-passphrase >/dev/null 2>&1
    "$S" card -i "$W/$who.id" >"$W/$who.card"
done
"$S" --json serve --vault "$W/vault" --listen 127.0.0.1:0 --registrar "$W/registrar.card" >"$W/status" 2>"$W/serve.err" &
SERVER=$!
for _ in $(seq 100); do [ -s "$W/status" ] && break; sleep 0.1; done
URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$W/status")
PIN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pin"])' "$W/status")
"$S" --vault "$URL" --server-pin "$PIN" -i "$W/registrar.id" case open BIG-1 \
    --mediator "$W/mediator.card" --party "claimant=$W/claimant.card" \
    --party "respondent=$W/respondent.card" --archivist "$W/archivist.card" >/dev/null

head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$W/big.bin"
measure() { # label, command...
    local label=$1; shift
    /usr/bin/time -f '%e %M' -o "$W/time" "$@" >/dev/null
    read -r secs kib <"$W/time"
    printf '| %s | %s s | %s MiB |\n' "$label" "$secs" "$((kib / 1024))"
}
echo "| ${SIZE_MIB} MiB through the service | wall | peak RSS |"
echo "|---|---:|---:|"
measure "deposit (client)" "$S" --vault "$URL" -i "$W/claimant.id" deposit BIG-1 "$W/big.bin"
measure "read -o (client)" "$S" --vault "$URL" -i "$W/claimant.id" read BIG-1 1 -o "$W/back.bin"
cmp -s "$W/big.bin" "$W/back.bin" || { echo "remote-stream.sh: the document came back different" >&2; exit 1; }
HWM=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$SERVER/status")
printf '| service (both) | | %s MiB |\n' "$HWM"
