#!/usr/bin/env bash
# A strongSwan charon as IKEv2 responder on 127.0.0.1:PORT, for our initiator's childless
# IKE_AUTH (RFC 6023) and for `groupkey bench register --strongswan`.
#   start DIR [PORT]  writes a throw-away PKI and the configuration into DIR, starts charon in the
#                     background (private mount namespace, pid in DIR/charon.pid) and returns once
#                     its connections are loaded. Connections, both offering
#                     aes256-sha256-modp2048 and aes256gcm16-prfsha256-x25519:
#                       psk   IDr sswan-psk.example, PSK "interop-psk-0123456789" for IDi gm-psk.example
#                             (and *.bench.example, the benchmark's identities);
#                       cert  IDr sswan.example with an RSA certificate (sent always); the initiator
#                             gm-cert.example authenticates with the ECDSA P-256 certificate
#                             DIR/gm.pem + DIR/gm.key; both chain to DIR/ca.pem.
#                     LOG=0 (the benchmark) turns charon's log down to errors.
#   stop DIR          stops that charon (by its pid) and leaves DIR/charon.log.
# Port PORT is not 500, so charon expects and sends the non-ESP marker. Needs root,
# strongswan-charon, strongswan-swanctl (plugins: openssl, curve25519, gcm, pem, pkcs1, pkcs8, x509)
# and the openssl command.
set -euo pipefail
MODE=${1:?usage: strongswan-ikev2-responder.sh start|stop DIR [PORT]}
W=${2:?usage: strongswan-ikev2-responder.sh start|stop DIR [PORT]}
PORT=${3:-18860}
mkdir -p "$W"
W=$(cd "$W" && pwd)
. "$(dirname "$0")/charon-common.sh"

if [ "$MODE" = stop ]; then
  if [ -f "$W/charon.pid" ]; then
    kill "$(cat "$W/charon.pid")" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$(cat "$W/charon.pid")" 2>/dev/null || break; sleep 0.05; done
    rm -f "$W/charon.pid"
  fi
  exit 0
fi
[ "$MODE" = start ] || { echo "unknown mode $MODE" >&2; exit 2; }

# Throw-away PKI: an ECDSA root, strongSwan's RSA leaf, our ECDSA leaf (RFC 4945 §3.1: the FQDN
# identities are dNSName subjectAltNames).
pki() { openssl "$@" >/dev/null 2>&1; }
pki req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ca.key" -out "$W/ca.pem" -days 2 \
  -subj "/CN=groupkey interop CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign"
leaf() { # name keyargs san
  pki req -new -newkey "$2" -nodes -keyout "$W/$1.key" -out "$W/$1.csr" -subj "/CN=$3" $4
  printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n' "$3" >"$W/$1.ext"
  pki x509 -req -in "$W/$1.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 -out "$W/$1.pem" -extfile "$W/$1.ext"
}
leaf sswan rsa:2048 sswan.example ""
leaf gm ec gm-cert.example "-pkeyopt ec_paramgen_curve:P-256"
# swanctl loads credentials from the x509, x509ca and private directories beside its swanctl.conf.
mkdir -p "$W/x509" "$W/x509ca" "$W/private"
cp "$W/sswan.pem" "$W/x509/"; cp "$W/ca.pem" "$W/x509ca/"; cp "$W/sswan.key" "$W/private/"

LEVEL=2
[ "${LOG:-1}" = 0 ] && LEVEL=-1
QUIET=$((LEVEL < 1 ? LEVEL : 1))
# The benchmark opens thousands of IKE SAs at once: no cookies, no half-open limit.
charon_write_strongswan_conf "$W" "$PORT" $((PORT + 1)) \
  "random nonce openssl pem pkcs1 pkcs8 x509 pubkey curve25519 gcm hmac kdf kernel-netlink socket-default vici" \
  "default=$QUIET ike=$LEVEL enc=$QUIET" "dos_protection = no" "init_limit_half_open = 0"
cat > "$W/swanctl.conf" <<CONF
connections {
  psk {
    version = 2
    local_addrs = 127.0.0.1
    mobike = no
    proposals = aes256-sha256-modp2048,aes256gcm16-prfsha256-x25519
    local {
      auth = psk
      id = sswan-psk.example
    }
    remote {
      auth = psk
    }
  }
  cert {
    version = 2
    local_addrs = 127.0.0.1
    mobike = no
    send_cert = always
    proposals = aes256-sha256-modp2048,aes256gcm16-prfsha256-x25519
    local {
      auth = pubkey
      certs = sswan.pem
      id = sswan.example
    }
    remote {
      auth = pubkey
      id = gm-cert.example
      cacerts = ca.pem
    }
  }
}
secrets {
  ike-interop {
    id-1 = gm-psk.example
    id-2 = *.bench.example
    secret = "interop-psk-0123456789"
  }
}
CONF

rm -f "$W/charon.vici"
# charon outlives this script: it must not keep any descriptor the caller may wait on (a
# pipe, or the socket Foundation's Process watches for its child's exit), so all above 2 close.
STRONGSWAN_CONF=$W/strongswan.conf setsid unshare -m bash -c \
  'for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done; mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon' \
  >"$W/charon.out" 2>&1 </dev/null &
echo $! > "$W/charon.pid"
wait_for_vici "$W" || { echo "charon did not start" >&2; cat "$W/charon.out" >&2; exit 1; }
swanctl --load-all --file "$W/swanctl.conf" --uri "unix://$W/charon.vici" >"$W/load.out" 2>&1 \
  || { cat "$W/load.out" >&2; exit 1; }
grep -q "loaded connection 'cert'" "$W/load.out" && grep -qE "loaded (RSA|ECDSA|private) key" "$W/load.out" \
  || { cat "$W/load.out" >&2; exit 1; }
echo "strongSwan responder on 127.0.0.1:$PORT"
