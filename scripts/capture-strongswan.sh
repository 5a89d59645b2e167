#!/bin/bash
# Captures strongSwan's own IKEv2 IKE_SA_INIT/IKE_AUTH and IKEv1 Main Mode messages on loopback
# (two charon instances, pre-shared key, responder on UDP 848) and writes them as JSON fixtures
# for the codec tests. Needs root, strongSwan (charon, swanctl), tcpdump and python3.
# Run: sudo scripts/capture-strongswan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RPORT=848
W=$(mktemp -d /tmp/groupkey-ss.XXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

write_conf() { # name ike-port nat-port
mkdir -p "$W/$1"
cat > "$W/$1/strongswan.conf" <<CONF
charon {
    port = $2
    port_nat_t = $3
    install_routes = no
    routing_table = 0
    load_modular = no
    load = random nonce openssl pem pkcs1 x509 pubkey curve25519 hmac gcm kdf kernel-netlink socket-default vici
    plugins {
        vici {
            socket = unix://$W/$1/charon.vici
        }
    }
}
CONF
}

write_connections() { # name local remote local-id remote-id extra-line
cat > "$W/$1/swanctl.conf" <<CONF
connections {
  v2 {
    version = 2
    local_addrs = $2
    remote_addrs = $3
    $6
    mobike = no
    encap = no
    fragmentation = no
    proposals = aes256-sha256-modp2048
    local {
      auth = psk
      id = $4
    }
    remote {
      auth = psk
      id = $5
    }
  }
  v1 {
    version = 1
    local_addrs = $2
    remote_addrs = $3
    $6
    proposals = aes128-sha256-modp2048
    local {
      auth = psk
      id = $2
    }
    remote {
      auth = psk
      id = $3
    }
  }
}
secrets {
  ike-v2 {
    id-1 = gm1@example.test
    id-2 = gcks@example.test
    secret = "capture-only-psk"
  }
  ike-v1 {
    id-1 = 127.0.0.1
    id-2 = 127.0.0.2
    secret = "capture-only-psk"
  }
}
CONF
}

start_charon() { # name
  STRONGSWAN_CONF="$W/$1/strongswan.conf" unshare -m sh -c "mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon" \
    >"$W/$1/stdout.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do [ -S "$W/$1/charon.vici" ] && break; sleep 0.05; done
  swanctl --load-all --file "$W/$1/swanctl.conf" --uri "unix://$W/$1/charon.vici" >/dev/null
}

write_conf responder $RPORT $((RPORT + 4000))
write_connections responder 127.0.0.2 127.0.0.1 gcks@example.test gm1@example.test ""
write_conf initiator 5500 5501
write_connections initiator 127.0.0.1 127.0.0.2 gm1@example.test gcks@example.test "remote_port = $RPORT"
tcpdump -i lo -U -w "$W/ike.pcap" "udp port $RPORT or udp port 5500" >/dev/null 2>&1 &
TCPDUMP=$!
PIDS+=($TCPDUMP)
sleep 0.5
start_charon responder
start_charon initiator
swanctl --initiate --ike v2 --uri "unix://$W/initiator/charon.vici" >/dev/null
swanctl --initiate --ike v1 --uri "unix://$W/initiator/charon.vici" >/dev/null
sleep 0.5
kill -INT $TCPDUMP; wait $TCPDUMP 2>/dev/null || true
python3 scripts/pcap-to-fixtures.py "$W/ike.pcap" "$(charon --version 2>/dev/null || /usr/lib/ipsec/charon --version 2>&1 | head -1)"
rm -rf "$W"
