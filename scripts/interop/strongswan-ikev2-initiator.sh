#!/usr/bin/env bash
# strongSwan initiates IKEv2 to `groupkey serve` (demo group) on loopback, three ways:
#   childless  IKE_SA_INIT + IKE_AUTH without a Child SA (RFC 6023), the demo PSK: charon must log
#              our encrypted IKE_AUTH answer parsed, our PSK AUTH verified and the IKE SA established.
#   child      the same with a Child SA requested: the IKE SA is established and the Child SA refused
#              with NO_PROPOSAL_CHOSEN (RFC 7296 §1.2; a GCKS serves no IKEv2 Child SAs).
#   wrongpsk   a PSK no group holds: charon must log SK{N(AUTHENTICATION_FAILED)} parsed.
# strongSwan offers no Key Wrap Algorithm transform, so the GCKS makes a plain IKE SA (see
# Sources/GIKEv2/GCKSResponder+SAInit.swift and +IKEAuth.swift). On a port other than 500 charon
# puts a non-ESP marker before each message; the gateway answers in the same framing. Parsing any
# of these answers needs SK_er/SK_ar, the Encrypted payload and its ICV to agree with charon's.
# Prints one "check NAME: pass|FAIL" line per check and exits 0 only when all pass.
# Needs root, strongswan-charon, strongswan-swanctl and a built groupkey binary.
#   scripts/interop/strongswan-ikev2-initiator.sh .build/debug/groupkey [PORT]
# KEEP=1 keeps the logs in the temporary directory it prints.
set -euo pipefail
GROUPKEY=$(cd "$(dirname "${1:?usage: strongswan-ikev2-initiator.sh GROUPKEY_BINARY [PORT]}")" && pwd)/$(basename "$1")
PORT=${2:-18848}
W=$(mktemp -d)
. "$(dirname "$0")/charon-common.sh"
remove_work_directory_on_exit

charon_write_strongswan_conf "$W" $((PORT + 2)) $((PORT + 3)) "random nonce openssl pem pkcs1 x509 pubkey hmac kdf kernel-netlink socket-default vici" \
  "default=1 ike=2" "retransmit_tries = 1"
conn() { # name local-id
  cat <<CONF
  $1 {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    remote_port = $PORT
    mobike = no
    encap = no
    proposals = aes256-sha256-modp2048
    local {
      auth = psk
      id = $2
    }
    remote {
      auth = psk
      id = groupkey-gcks
    }
CONF
  if [ "$1" = child ]; then
    cat <<CONF
    children {
      child {
        esp_proposals = aes256gcm16
        local_ts = 127.0.0.1/32
        remote_ts = 127.0.0.1/32
      }
    }
CONF
  fi
  echo "  }"
}
{
  echo "connections {"
  conn childless childless.example
  conn child child.example
  conn wrongpsk wrong.example
  cat <<CONF
}
secrets {
  ike-demo {
    id-1 = childless.example
    id-2 = child.example
    secret = "groupkey-demo-psk"
  }
  ike-wrong {
    id-1 = wrong.example
    secret = "not-the-demo-psk"
  }
}
CONF
} > "$W/swanctl.conf"

serve_start --listen "127.0.0.1:$PORT" --log-level info
wait_for_text "$W/serve.out" "listening on" "$SERVE_PID" || [ $? -ne 2 ] || { cat "$W/serve.log"; exit 1; }

charon_start "$W"
swanctl --load-all --file "$W/swanctl.conf" --uri "unix://$W/charon.vici" >"$W/load.out" 2>&1
initiate() { swanctl --initiate "$@" --timeout 10 --uri "unix://$W/charon.vici" >>"$W/initiate.out" 2>&1 || true; }
initiate --ike childless
initiate --child child
initiate --ike wrongpsk

echo "--- charon"
grep -E "sending packet|received packet|parsed IKE_AUTH|authentication of|established|NO_PROP|AUTH_FAILED|CHILD_SA" "$W/charon.log" || true
echo "--- groupkey serve"
grep -E "GCKS-" "$W/serve.log" | head -10 || true

fail=0
check() { # name pattern...
  local name=$1; shift
  local ok=1
  for pattern in "$@"; do grep -qE "$pattern" "$W/charon.log" || { ok=0; echo "  missing: $pattern"; }; done
  if [ $ok = 1 ]; then echo "check $name: pass"; else echo "check $name: FAIL"; fail=1; fi
}
check childless "parsed IKE_SA_INIT response 0 \[.*CHDLESS_SUP" "parsed IKE_AUTH response 1 \[ IDr AUTH \]" \
  "authentication of 'groupkey-gcks' with pre-shared key successful" "IKE_SA childless\[[0-9]+\] established"
check child "parsed IKE_AUTH response 1 \[ IDr AUTH N\(NO_PROP\) \]" "IKE_SA child\[[0-9]+\] established" \
  "received NO_PROPOSAL_CHOSEN notify"
check wrongpsk "parsed IKE_AUTH response 1 \[ N\(AUTH_FAILED\) \]" "received AUTHENTICATION_FAILED notify error"
exit "$fail"
