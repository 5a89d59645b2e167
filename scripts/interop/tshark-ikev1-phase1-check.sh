#!/usr/bin/env bash
# tshark, an independent dissector, decrypts a real IKEv1 Main Mode to `groupkey serve` on loopback
# with the keys `serve --ike-key-log FILE` writes to FILE.ikev1 (ikev1_decryption_table lines):
# strongSwan's charon initiates (PSK, IPsec DOI), then tries Quick Mode, which the key server
# refuses with a protected Notify. Passes when tshark reports no malformed frame, shows the
# decrypted ID and HASH of messages 5 and 6, and the decrypted NO-PROPOSAL-CHOSEN of our
# Informational (phase-2 IV from the last phase-1 block, RFC 2409 App. B).
# (tshark 4.0 reads a phase-1 SA under the GDOI DOI as a GDOI SA, so it cannot follow a GDOI
# member's Main Mode; charon's IPsec-DOI phase 1 is decoded as such.)
# Needs root, tshark, tcpdump, strongswan-charon, strongswan-swanctl and a built binary.
#   scripts/interop/tshark-ikev1-phase1-check.sh .build/debug/groupkey [PORT]
set -euo pipefail
GROUPKEY=$(cd "$(dirname "${1:?usage: tshark-ikev1-phase1-check.sh GROUPKEY_BINARY [PORT]}")" && pwd)/$(basename "$1")
PORT=${2:-18870}
W=$(mktemp -d)
SERVE_PID=""
DUMP_PID=""
CHARON_PID=""
cleanup() {
  [ -n "$CHARON_PID" ] && kill "$CHARON_PID" 2>/dev/null || true
  [ -n "$DUMP_PID" ] && kill -KILL "$DUMP_PID" 2>/dev/null || true
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "work directory: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

cat > "$W/strongswan.conf" <<CONF
charon {
    port = 5508
    port_nat_t = 5509
    install_routes = no
    routing_table = 0
    retransmit_tries = 1
    load_modular = no
    load = random nonce openssl pem pkcs1 x509 pubkey hmac kdf kernel-netlink socket-default vici
    plugins {
        vici {
            socket = unix://$W/charon.vici
        }
    }
}
CONF
cat > "$W/swanctl.conf" <<CONF
connections {
  gdoi {
    version = 1
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.2
    remote_port = $PORT
    mobike = no
    proposals = aes128-sha256-modp2048
    local {
      auth = psk
      id = 127.0.0.1
    }
    remote {
      auth = psk
      id = 127.0.0.2
    }
    children {
      qm {
        esp_proposals = aes128-sha256
        local_ts = 127.0.0.1/32
        remote_ts = 127.0.0.2/32
        mode = transport
        start_action = none
      }
    }
  }
}
secrets {
  ike-demo {
    id-1 = 127.0.0.1
    id-2 = 127.0.0.2
    secret = "groupkey-demo-psk"
  }
}
CONF

tcpdump -i lo -U -w "$W/ike.pcap" "udp port $PORT" >"$W/tcpdump.log" 2>&1 &
DUMP_PID=$!
# Traffic only once tcpdump is capturing.
for _ in $(seq 200); do grep -q "listening on" "$W/tcpdump.log" 2>/dev/null && break; sleep 0.05; done
"$GROUPKEY" serve --listen "127.0.0.2:$PORT" --ike-key-log "$W/keys" >"$W/serve.out" 2>"$W/serve.log" &
SERVE_PID=$!
for _ in $(seq 200); do grep -q "listening on" "$W/serve.out" 2>/dev/null && break; sleep 0.05; done
STRONGSWAN_CONF=$W/strongswan.conf unshare -m sh -c "mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon" >"$W/charon.out" 2>&1 &
CHARON_PID=$!
for _ in $(seq 100); do [ -S "$W/charon.vici" ] && break; sleep 0.05; done
U="--uri unix://$W/charon.vici"
sleep 0.3
swanctl --load-all --file "$W/swanctl.conf" $U >/dev/null 2>&1
swanctl --initiate --child qm --timeout 5 $U >/dev/null 2>&1 || true
sleep 0.5
# SIGKILL: a test runner may start us with SIGTERM blocked, which tcpdump inherits; -U has
# written every packet already.
kill -KILL "$DUMP_PID"; wait "$DUMP_PID" 2>/dev/null || true; DUMP_PID=""

KEYLINE=$(head -1 "$W/keys.ikev1" 2>/dev/null || true)
[ -n "$KEYLINE" ] || { echo "FAIL: no line in the IKEv1 key log"; exit 1; }
tshark -r "$W/ike.pcap" -d "udp.port==$PORT,udpencap" -o "uat:ikev1_decryption_table:$KEYLINE" -V >"$W/dissect.txt" 2>/dev/null
FRAMES=$(tshark -r "$W/ike.pcap" 2>/dev/null | wc -l)
MALFORMED=$(grep -c -i "malformed" "$W/dissect.txt" || true)
echo "frames: $FRAMES, malformed: $MALFORMED"
fail() { echo "FAIL: $1"; grep -E "Exchange type|Payload:|Encrypted Data|Malformed" "$W/dissect.txt" | head -60; exit 1; }
[ "$MALFORMED" -eq 0 ] || fail "tshark found malformed frames"
[ "$(grep -c 'Payload: Identification (5)' "$W/dissect.txt")" -ge 2 ] || fail "messages 5 and 6 not decrypted"
grep -q "Payload: Hash (8)" "$W/dissect.txt" || fail "no decrypted HASH payload"
grep -q "NO-PROPOSAL-CHOSEN" "$W/dissect.txt" || fail "our Informational's Notify not decrypted"
echo "tshark decrypted Main Mode and our protected Notify with the IKEv1 key log, no malformed frames: pass"
