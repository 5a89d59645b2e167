#!/usr/bin/env bash
# strongSwan's charon as an IKEv1 initiator against `groupkey serve` on loopback: Main Mode with
# the demo pre-shared key must end with the ISAKMP SA ESTABLISHED in `swanctl --list-sas`, an
# independent proof of our phase 1 (RFC 2409 §5: proposal, DH, SKEYID*, HASH_I/HASH_R, the App. B
# IV chain). Then charon asks for a CHILD_SA, i.e. Quick Mode, which a GDOI key server refuses
# with a protected Notify; the ISAKMP SA must still be ESTABLISHED afterwards.
# With MODE=aggressive the same runs in Aggressive Mode (PSK chosen by charon's ID).
# charon talks to a port other than 500 behind the non-ESP marker; the gateway accepts and
# answers in that framing. Needs root, strongswan-charon, strongswan-swanctl and a built binary.
#   scripts/interop/strongswan-ikev1-mainmode.sh .build/debug/groupkey [PORT]
# Exit 0 on success; the logs are printed on failure (KEEP=1 keeps the work directory).
set -euo pipefail
GROUPKEY=$(cd "$(dirname "${1:?usage: strongswan-ikev1-mainmode.sh GROUPKEY_BINARY [PORT]}")" && pwd)/$(basename "$1")
PORT=${2:-18849}
MODE=${MODE:-main}
W=$(mktemp -d)
. "$(dirname "$0")/charon-common.sh"
remove_work_directory_on_exit
AGGRESSIVE=no
[ "$MODE" = aggressive ] && AGGRESSIVE=yes

charon_write_strongswan_conf "$W" 5504 5505 "random nonce openssl pem pkcs1 x509 pubkey hmac kdf kernel-netlink socket-default vici" \
  "default=1 ike=2" "retransmit_tries = 2" "i_dont_care_about_security_and_use_aggressive_mode_psk = yes"
charon_write_ikev1_psk_initiator_conf "$W/swanctl.conf" "$PORT" aes256-sha256-modp2048 "$AGGRESSIVE"

serve_start --listen "127.0.0.2:$PORT" --log-level debug
wait_for_text "$W/serve.out" "listening on" || true

charon_start "$W"
U="--uri unix://$W/charon.vici"
swanctl --load-all --file "$W/swanctl.conf" $U >/dev/null 2>&1

fail() {
  echo "FAIL: $1"
  echo "--- charon"; grep -E "IKE|ISAKMP|packet|ID_PROT|AGGRESSIVE|QUICK|INFORMATIONAL|error|fail" "$W/charon.log" | tail -40 || true
  echo "--- groupkey serve"; tail -30 "$W/serve.log" || true
  exit 1
}

# 1. Phase 1 alone.
swanctl --initiate --ike gdoi --timeout 10 $U >"$W/initiate.out" 2>&1 || true
swanctl --list-sas $U >"$W/sas1.out" 2>&1 || true
cat "$W/sas1.out"
grep -q "ESTABLISHED, IKEv1" "$W/sas1.out" || fail "no ESTABLISHED IKEv1 SA after $MODE mode"
grep -q "groupkey-demo-psk" "$W/serve.log" && fail "the pre-shared key appeared in the server log"

# 2. Quick Mode, which a GDOI key server refuses; the ISAKMP SA must survive it.
swanctl --initiate --child qm --timeout 5 $U >"$W/child.out" 2>&1 || true
sleep 0.3
swanctl --list-sas $U >"$W/sas2.out" 2>&1 || true
grep -q "GDOI-PHASE2-REFUSED" "$W/serve.log" || fail "Quick Mode was not answered with a Notify"
grep -q "ESTABLISHED, IKEv1" "$W/sas2.out" || fail "the ISAKMP SA did not survive the refused Quick Mode"
[ "$(grep -c 'ESTABLISHED, IKEv1' "$W/sas2.out")" -eq 1 ] || fail "more than one ISAKMP SA after Quick Mode"

echo "--- charon"
grep -E "ID_PROT|AGGRESSIVE|QUICK_MODE|INFORMATIONAL|established|NO_PROPOSAL" "$W/charon.log" | head -20 || true
echo "--- groupkey serve"
grep -E "GDOI-" "$W/serve.log" | head -10 || true
echo "strongSwan IKEv1 $MODE mode with PSK: ISAKMP SA ESTABLISHED; Quick Mode refused and the SA kept: pass"
