#!/usr/bin/env bash
# Independent check of our IKEv2 encryption, for both registration suites: tshark (Wireshark's
# IKEv2 dissector) decrypts every SK payload of loopback registrations captured with tcpdump,
# with the keys our debug key log (--ike-key-log) wrote.
#   cbc  `groupkey member join` against `groupkey serve` (demo group: AES-CBC-256 +
#        HMAC-SHA2-256-128, MODP-2048);
#   gcm  `groupkey bench register` with 3 members (X25519, AES-GCM-16-256, PRF-HMAC-SHA2-256:
#        an AEAD suite, which tshark's table names "AES-GCM-256 with 16 octet ICV [RFC5282]"
#        with integrity "NONE").
# Fails on any malformed packet, any "Integrity Checksum Data is incorrect" (a wrong ICV, RFC 7296
# §3.14; for AES-GCM the tag), or any encrypted payload tshark could not decrypt. Not run in CI:
# needs root (tcpdump on lo), tcpdump, tshark and a built groupkey binary. The key logs hold live
# keys of throw-away IKE SAs and are deleted on exit.
#   scripts/interop/tshark-registration-check.sh .build/debug/groupkey [PORT] [cbc|gcm|both]
# KEEP=1 keeps the captures and key logs in the temporary directory it prints, for a look by hand.
set -euo pipefail
GROUPKEY=$(cd "$(dirname "${1:?usage: tshark-registration-check.sh GROUPKEY_BINARY [PORT] [cbc|gcm|both]}")" && pwd)/$(basename "$1")
PORT=${2:-18849}
SUITES=${3:-both}
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

capture_start() { # name
  tcpdump -i lo -U --immediate-mode -n -w "$W/$1.pcap" "udp port $PORT" 2>"$W/$1.tcpdump.err" &
  DUMP_PID=$!
  for _ in $(seq 50); do grep -q 'listening on' "$W/$1.tcpdump.err" && break; sleep 0.1; done
}
capture_stop() {
  sleep 1.5  # let tcpdump write what the ring buffer still holds
  kill "$DUMP_PID"; wait "$DUMP_PID" 2>/dev/null || true; DUMP_PID=""
}

# No non-ESP marker: the members do not ask for one, so port PORT carries bare IKEv2 that
# -d ...,isakmp dissects directly.
cbc() {
  "$GROUPKEY" serve --listen "127.0.0.1:$PORT" --ike-key-log "$W/cbc.keys" --log-level warning >"$W/serve.out" 2>"$W/serve.err" &
  SERVE_PID=$!
  for _ in $(seq 100); do
    grep -q 'listening on' "$W/serve.out" && break
    kill -0 "$SERVE_PID" 2>/dev/null || { cat "$W/serve.err"; exit 1; }
    sleep 0.1
  done
  capture_start cbc
  "$GROUPKEY" member join --server "127.0.0.1:$PORT" --group 1001 --id tshark.example >"$W/member.out"
  capture_stop
  kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""
  echo "cbc member: $(head -1 "$W/member.out")"
  verify cbc 4
}

gcm() {
  capture_start gcm
  # One warm-up member and 2 timed ones: 3 registrations, 12 messages.
  "$GROUPKEY" bench register --members 2 --concurrency 1 --runs 1 --port "$PORT" --ike-key-log "$W/gcm.keys" >"$W/bench.out"
  capture_stop
  echo "gcm bench: $(tail -2 "$W/bench.out" | head -1)"
  grep -q '"AES-GCM-256 with 16 octet ICV \[RFC5282\]"' "$W/gcm.keys" || { echo "FAIL: the key log names no AES-GCM-256 SA"; return 1; }
  verify gcm 12
}

verify() { # name minimum-frames
  local name=$1 minimum=$2
  echo "$name key log: $(wc -l <"$W/$name.keys") IKE SA line(s)"
  # One -o per key log line: each adds a record to the ikev2_decryption_table UAT.
  local UAT=()
  while IFS= read -r line; do UAT+=(-o "uat:ikev2_decryption_table:$line"); done <"$W/$name.keys"
  local TSHARK=(tshark -n -r "$W/$name.pcap" -d "udp.port==$PORT,isakmp" "${UAT[@]}")
  "${TSHARK[@]}" | tee "$W/$name.summary.txt"
  "${TSHARK[@]}" -V >"$W/$name.detail.txt"
  local frames encrypted decrypted malformed bad_icv good_icv
  frames=$(wc -l <"$W/$name.summary.txt")
  encrypted=$("${TSHARK[@]}" -Y 'isakmp.enc.data' | wc -l)
  decrypted=$("${TSHARK[@]}" -Y 'isakmp.enc.decrypted' | wc -l)
  malformed=$("${TSHARK[@]}" -Y '_ws.malformed || _ws.expert.severity >= "error"' | wc -l)
  bad_icv=$(grep -c 'Integrity Checksum Data is incorrect' "$W/$name.detail.txt" || true)
  good_icv=$(grep -c 'Integrity Checksum Data: .*\[correct\]' "$W/$name.detail.txt" || true)
  echo "$name: frames=$frames encrypted=$encrypted decrypted=$decrypted malformed=$malformed bad_icv=$bad_icv correct_icv=$good_icv"
  grep -m 12 -E 'Integrity Checksum Data|Encryption Algorithm|Payload: (Group|Identification - Group|Key Download|Group Security)|Decrypted Data' "$W/$name.detail.txt" || true
  local fail=0
  [ "$frames" -ge "$minimum" ] || { echo "FAIL $name: expected at least $minimum IKE messages"; fail=1; }
  [ "$encrypted" -ge $((minimum / 2)) ] || { echo "FAIL $name: expected every GSA_AUTH message to be encrypted"; fail=1; }
  [ "$decrypted" -eq "$encrypted" ] || { echo "FAIL $name: tshark decrypted $decrypted of $encrypted SK payloads"; fail=1; }
  [ "$malformed" -eq 0 ] || { echo "FAIL $name: $malformed malformed frame(s)"; fail=1; }
  [ "$bad_icv" -eq 0 ] || { echo "FAIL $name: $bad_icv wrong ICV(s)"; fail=1; }
  [ "$good_icv" -eq "$encrypted" ] || { echo "FAIL $name: tshark marked $good_icv of $encrypted ICVs correct"; fail=1; }
  [ "$fail" -eq 0 ] && echo "PASS $name: tshark parsed and decrypted every message, every ICV correct"
  return "$fail"
}

status=0
case "$SUITES" in
  cbc) cbc || status=1 ;;
  gcm) gcm || status=1 ;;
  both) cbc || status=1; gcm || status=1 ;;
  *) echo "suite is cbc, gcm or both"; exit 2 ;;
esac
exit "$status"
