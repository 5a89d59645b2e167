#!/usr/bin/env bash
# Our GDOI member (`groupkey member join --protocol gdoi`) as the IKEv1 initiator against
# strongSwan's charon as responder on loopback: an independent check of our initiator's Main or
# Aggressive Mode with the demo pre-shared key: charon must log the IKE SA established. charon is
# no GDOI key server, so it takes our GROUPKEY-PULL (exchange 32) for a Quick Mode it cannot parse
# and answers with a protected error Notify: the member must decrypt it under the phase-1 SA,
# verify its HASH(1) (RFC 2409 §5.7), report the refusal and exit 1 with "phase 1 was
# established". The member then deletes its ISAKMP SA: charon must accept that protected Delete.
# charon listens on a port other than 500, so the member frames with the non-ESP marker.
# Needs root, strongswan-charon, strongswan-swanctl and a built binary.
#   MODE=main|aggressive scripts/interop/strongswan-ikev1-responder.sh .build/debug/groupkey [PORT]
set -euo pipefail
GROUPKEY=$(cd "$(dirname "${1:?usage: strongswan-ikev1-responder.sh GROUPKEY_BINARY [PORT]}")" && pwd)/$(basename "$1")
PORT=${2:-18860}
MODE=${MODE:-main}
W=$(mktemp -d)
. "$(dirname "$0")/charon-common.sh"
remove_work_directory_on_exit

charon_write_strongswan_conf "$W" "$PORT" $((PORT + 1)) "random nonce openssl pem pkcs1 x509 pubkey hmac kdf kernel-netlink socket-default vici" \
  "default=1 ike=2" "i_dont_care_about_security_and_use_aggressive_mode_psk = yes"
cat > "$W/swanctl.conf" <<CONF
connections {
  gm {
    version = 1
    aggressive = $([ "$MODE" = aggressive ] && echo yes || echo no)
    local_addrs = 127.0.0.2
    remote_addrs = 127.0.0.1
    proposals = aes256-sha256-modp2048
    local {
      auth = psk
      id = 127.0.0.2
    }
    remote {
      auth = psk
      id = gm.example
    }
  }
}
secrets {
  ike-demo {
    id-1 = 127.0.0.2
    id-2 = gm.example
    secret = "groupkey-demo-psk"
  }
}
CONF
charon_start "$W"
U="--uri unix://$W/charon.vici"
swanctl --load-all --file "$W/swanctl.conf" $U >/dev/null 2>&1

set +e
"$GROUPKEY" member join --server "127.0.0.2:$PORT" --group 1001 --protocol gdoi --phase1-mode "$MODE" --id gm.example \
  --non-esp-marker --timeout 10 --verbose >"$W/member.out" 2>"$W/member.log"
STATUS=$?
set -e
swanctl --list-sas $U >"$W/sas.out" 2>&1 || true
cat "$W/sas.out"
echo "--- groupkey member join (exit $STATUS)"
cat "$W/member.out"
grep -E "GDOI-" "$W/member.log" | head -6 || true
echo "--- charon"
grep -E "ID_PROT|AGGRESSIVE|QUICK_MODE|INFORMATIONAL|established|DELETE" "$W/charon.log" | head -14 || true
grep -q "IKE_SA gm\[[0-9]*\] established between" "$W/charon.log" || { echo "FAIL: charon did not establish the IKE SA"; exit 1; }
grep -q "received DELETE for IKE_SA gm" "$W/charon.log" || { echo "FAIL: charon did not accept the member's Delete"; exit 1; }
grep -q "phase 1 was established" "$W/member.out" || { echo "FAIL: the member did not report its phase 1"; exit 1; }
grep -q "GDOI-REFUSED" "$W/member.log" || { echo "FAIL: the member did not read charon's protected Notify"; exit 1; }
[ "$STATUS" -eq 1 ] || { echo "FAIL: member join should exit 1 (no group keys from charon)"; exit 1; }
echo "our IKEv1 $MODE mode initiator against strongSwan: IKE SA established, charon's Notify verified, our Delete accepted: pass"
