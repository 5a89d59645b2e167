#!/usr/bin/env bash
# The README's first command after the packages: builds groupkey, runs the crypto self-test, serves
# the bundled demo group (1001, both protocols, demo pre-shared key) on loopback, registers a GDOI
# member and a G-IKEv2 member to it, prints what each received and checks that both hold the same
# data-security SA (SPI and key octets), then stops the server.
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
gdoi=$("$bin" member join --server "127.0.0.1:$PORT" --group 1001 --protocol gdoi --id gm-legacy.example --show-keys)
echo "$gdoi"
gikev2=$("$bin" member join --server "127.0.0.1:$PORT" --group 1001 --protocol gikev2 --id gm-new.example --show-keys)
echo "$gikev2"
# The data-security SA of both members: the SPI line and the key line that follows it.
esp() { grep -A2 '^  esp SA SPI' | grep -E 'esp SA SPI|keys' | sed -E 's/:.*//; s/^ +//'; }
if [ "$(echo "$gdoi" | esp)" = "$(echo "$gikev2" | esp)" ] && [ -n "$(echo "$gdoi" | esp)" ]; then
    echo "both members hold the same SA: $(echo "$gdoi" | esp | head -n 1)"
else
    echo "the GDOI and G-IKEv2 members hold different SAs" >&2
    exit 1
fi
