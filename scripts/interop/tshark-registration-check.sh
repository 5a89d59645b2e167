#!/usr/bin/env bash
# Independent check of our IKEv2 encryption: captures a `groupkey member join` against
# `groupkey serve` on loopback with tcpdump, then has tshark (Wireshark's IKEv2 dissector)
# decrypt every SK payload with the keys `serve --ike-key-log` wrote. Fails on any malformed
# packet, any "Integrity Checksum Data is incorrect" (a wrong ICV, RFC 7296 §3.14), or any
# encrypted payload tshark could not decrypt. Not run in CI: needs root (tcpdump on lo),
# tcpdump, tshark and a built groupkey binary. The key log holds live keys of the demo group
# (public anyway) and is deleted on exit.
#   scripts/interop/tshark-registration-check.sh .build/debug/groupkey [PORT]
# KEEP=1 keeps the capture and key log in the temporary directory it prints, for a look by hand.
set -euo pipefail
GROUPKEY=$(cd "$(dirname "${1:?usage: tshark-registration-check.sh GROUPKEY_BINARY [PORT]}")" && pwd)/$(basename "$1")
PORT=${2:-18849}
W=$(mktemp -d)
SERVE_PID=""
DUMP_PID=""
cleanup() {
  [ -n "$DUMP_PID" ] && kill "$DUMP_PID" 2>/dev/null || true
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

# The demo group registers with AES-CBC-256 + HMAC-SHA2-256-128 (Policies/demo-group-1001.xml),
# so tshark checks both the ICV and the decryption. No non-ESP marker: the member does not ask
# for one, so port PORT carries bare IKEv2 that -d ...,isakmp dissects directly.
"$GROUPKEY" serve --listen "127.0.0.1:$PORT" --ike-key-log "$W/ike-keys" --log-level warning >"$W/serve.out" 2>"$W/serve.err" &
SERVE_PID=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$W/serve.out" && break
  kill -0 "$SERVE_PID" 2>/dev/null || { cat "$W/serve.err"; exit 1; }
  sleep 0.1
done

tcpdump -i lo -U --immediate-mode -n -w "$W/capture.pcap" "udp port $PORT" 2>"$W/tcpdump.err" &
DUMP_PID=$!
for _ in $(seq 50); do grep -q 'listening on' "$W/tcpdump.err" && break; sleep 0.1; done

"$GROUPKEY" member join --server "127.0.0.1:$PORT" --group 1001 --id tshark.example >"$W/member.out"
sleep 1.5  # let tcpdump write what the ring buffer still holds
kill "$DUMP_PID"; wait "$DUMP_PID" 2>/dev/null || true; DUMP_PID=""
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""

echo "member: $(head -1 "$W/member.out")"
echo "key log: $(wc -l <"$W/ike-keys") IKE SA line(s)"
# One -o per key log line: each adds a record to the ikev2_decryption_table UAT.
UAT=()
while IFS= read -r line; do UAT+=(-o "uat:ikev2_decryption_table:$line"); done <"$W/ike-keys"
TSHARK=(tshark -n -r "$W/capture.pcap" -d "udp.port==$PORT,isakmp" "${UAT[@]}")

"${TSHARK[@]}" | tee "$W/summary.txt"
"${TSHARK[@]}" -V >"$W/detail.txt"
frames=$(wc -l <"$W/summary.txt")
encrypted=$("${TSHARK[@]}" -Y 'isakmp.enc.data' | wc -l)
decrypted=$("${TSHARK[@]}" -Y 'isakmp.enc.decrypted' | wc -l)
malformed=$("${TSHARK[@]}" -Y '_ws.malformed || _ws.expert.severity >= "error"' | wc -l)
bad_icv=$(grep -c 'Integrity Checksum Data is incorrect' "$W/detail.txt" || true)
good_icv=$(grep -c 'Integrity Checksum Data: .*\[correct\]' "$W/detail.txt" || true)
echo "frames=$frames encrypted=$encrypted decrypted=$decrypted malformed=$malformed bad_icv=$bad_icv correct_icv=$good_icv"
grep -m 12 -E 'Integrity Checksum Data|Payload: (Group|Identification - Group|Key Download|Group Security)|Decrypted Data' "$W/detail.txt" || true

fail=0
[ "$frames" -ge 4 ] || { echo "FAIL: expected at least 4 IKE messages"; fail=1; }
[ "$encrypted" -ge 2 ] || { echo "FAIL: expected the GSA_AUTH exchange to be encrypted"; fail=1; }
[ "$decrypted" -eq "$encrypted" ] || { echo "FAIL: tshark decrypted $decrypted of $encrypted SK payloads"; fail=1; }
[ "$malformed" -eq 0 ] || { echo "FAIL: $malformed malformed frame(s)"; fail=1; }
[ "$bad_icv" -eq 0 ] || { echo "FAIL: $bad_icv wrong ICV(s)"; fail=1; }
[ "$good_icv" -eq "$encrypted" ] || { echo "FAIL: tshark marked $good_icv of $encrypted ICVs correct"; fail=1; }
[ "$fail" -eq 0 ] && echo "PASS: tshark parsed and decrypted every message, every ICV correct"
exit "$fail"
