#!/usr/bin/env bash
# The README's first command after the packages: builds groupkey, runs the crypto self-test, serves
# the bundled demo group (1001, both protocols, demo pre-shared key) on loopback, registers one
# G-IKEv2 member to it and prints what the member received, then stops the server.
# PORT (default 848) chooses the UDP port; the demo secrets only ever run on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
PORT=${PORT:-848}

swift build -c release --product groupkey
bin=.build/release/groupkey
"$bin" selftest

log=$(mktemp)
"$bin" serve --listen "127.0.0.1:$PORT" >"$log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
    grep -q 'listening on' "$log" && break
    kill -0 $server 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
done
cat "$log"
"$bin" member join --server "127.0.0.1:$PORT" --group 1001 --id gm1.example --format json
