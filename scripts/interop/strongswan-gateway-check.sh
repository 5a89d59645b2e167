#!/usr/bin/env bash
# Sends a strongSwan charon's IKE_SA_INIT to `groupkey serve` on loopback and checks the answer.
# strongSwan offers no key-wrap transform (RFC 9838 §4.5.4), which a GCKS requires, so the
# expected result is NO_PROPOSAL_CHOSEN: that still proves an independent IKEv2 stack's
# IKE_SA_INIT is read through the gateway's classifier and the GCKS's parser, and that our
# answer is framed so charon parses it. Exit 0 when charon logs the NO_PROPOSAL_CHOSEN notify.
# Needs root, strongswan-charon, strongswan-swanctl and a built groupkey binary.
#   scripts/interop/strongswan-gateway-check.sh .build/debug/groupkey [PORT]
set -euo pipefail
GROUPKEY=$(cd "$(dirname "${1:?usage: strongswan-gateway-check.sh GROUPKEY_BINARY [PORT]}")" && pwd)/$(basename "$1")
PORT=${2:-18848}
W=$(mktemp -d)
SERVE_PID=""
CHARON_PID=""
cleanup() {
  [ -n "$CHARON_PID" ] && kill "$CHARON_PID" 2>/dev/null || true
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

cat > "$W/strongswan.conf" <<CONF
charon {
    port = 5502
    port_nat_t = 5503
    install_routes = no
    routing_table = 0
    retransmit_tries = 1
    load_modular = no
    load = random nonce openssl pem pkcs1 x509 pubkey hmac kdf kernel-netlink socket-default vici
    filelog {
        log {
            path = $W/charon.log
            default = 1
            ike = 2
            flush_line = yes
        }
    }
    plugins {
        vici {
            socket = unix://$W/charon.vici
        }
    }
}
CONF
cat > "$W/swanctl.conf" <<CONF
connections {
  gikev2 {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    remote_port = $PORT
    mobike = no
    encap = no
    proposals = aes256-sha256-modp2048
    local {
      auth = psk
      id = charon.example
    }
    remote {
      auth = psk
      id = groupkey-gcks
    }
  }
}
secrets {
  ike-demo {
    id-1 = charon.example
    secret = "groupkey-demo-psk"
  }
}
CONF

"$GROUPKEY" serve --listen "127.0.0.1:$PORT" --log-level debug >"$W/serve.out" 2>"$W/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$W/serve.out" 2>/dev/null && break; sleep 0.05; done

STRONGSWAN_CONF=$W/strongswan.conf unshare -m sh -c "mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon" >"$W/charon.out" 2>&1 &
CHARON_PID=$!
for _ in $(seq 100); do [ -S "$W/charon.vici" ] && break; sleep 0.05; done
swanctl --load-all --file "$W/swanctl.conf" --uri "unix://$W/charon.vici" >/dev/null 2>&1
swanctl --initiate --ike gikev2 --timeout 10 --uri "unix://$W/charon.vici" >"$W/initiate.out" 2>&1 || true

echo "--- charon"
grep -E "sending packet|received packet|parsed IKE_SA_INIT|NO_PROPOSAL" "$W/charon.log" || true
echo "--- groupkey serve"
grep -E "GCKS|GW-" "$W/serve.log" | head -5 || true
if grep -q "received NO_PROPOSAL_CHOSEN notify" "$W/charon.log"; then
  echo "strongSwan IKE_SA_INIT answered with NO_PROPOSAL_CHOSEN, as expected: pass"
else
  echo "no NO_PROPOSAL_CHOSEN from groupkey: fail"
  exit 1
fi
