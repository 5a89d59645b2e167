#!/usr/bin/env bash
# strongSwan's charon as an IKEv1 initiator against `groupkey serve` on loopback, authenticating
# both ways with RSA signatures and X.509 certificates (RFC 2409 §5.1: CERT, SIG over HASH_I /
# HASH_R with PKCS #1 type-1 padding and no DigestInfo). A throwaway PKI is made with openssl:
# a root CA, the key server's certificate (gcks.example) and charon's (charon.example); the demo
# group is turned into a certificate group trusting that root. Success: `swanctl --list-sas`
# shows the ISAKMP SA ESTABLISHED. MODE=aggressive runs Aggressive Mode instead of Main Mode.
# Needs root, strongswan-charon, strongswan-swanctl, openssl and a built binary.
#   scripts/interop/strongswan-ikev1-rsa.sh .build/debug/groupkey [PORT]
set -euo pipefail
GROUPKEY=$(cd "$(dirname "${1:?usage: strongswan-ikev1-rsa.sh GROUPKEY_BINARY [PORT]}")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PORT=${2:-18851}
MODE=${MODE:-main}
W=$(mktemp -d)
. "$(dirname "$0")/charon-common.sh"
remove_work_directory_on_exit
AGGRESSIVE=no
[ "$MODE" = aggressive ] && AGGRESSIVE=yes

# A root CA and two RSA-2048 end-entity certificates naming their FQDN as subjectAltName.
cd "$W"
openssl req -x509 -newkey rsa:2048 -nodes -keyout root-key.pem -out root.pem -days 2 -subj "/O=groupkey interop/CN=interop root" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
for name in gcks charon; do
  openssl req -newkey rsa:2048 -nodes -keyout "$name-key.pem" -out "$name.csr" -subj "/O=groupkey interop/CN=$name.example" 2>/dev/null
  printf "subjectAltName=DNS:%s.example\nkeyUsage=critical,digitalSignature\n" "$name" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA root.pem -CAkey root-key.pem -CAcreateserial -days 2 -out "$name.pem" -extfile "$name.ext" 2>/dev/null
done
cd - >/dev/null
# swanctl reads credentials from x509/, x509ca/ and private/ beside its swanctl.conf.
mkdir -p "$W/x509" "$W/x509ca" "$W/private"
cp "$W/charon.pem" "$W/x509/"; cp "$W/root.pem" "$W/x509ca/"; cp "$W/charon-key.pem" "$W/private/"

# The demo group with certificate registration, trusting the interop root; the rekey-signing key
# reference is satisfied with the key server's key.
mkdir -p "$W/policies/anchors"
cp "$W/root.pem" "$W/policies/anchors/root.pem"
sed -e 's#<psk secret-ref="secrets:demo-psk"/>#<certificate trust-anchor="root"/>#' \
    -e 's#<group name=#<trust-anchor name="root" file="anchors/root.pem"/>\n  <group name=#' \
    "$ROOT/Policies/demo-group-1001.xml" > "$W/policies/group.xml"
echo "demo-rekey-signing-key = file:$W/gcks-key.pem" > "$W/secrets"

charon_write_strongswan_conf "$W" 5506 5507 "random nonce openssl pem pkcs1 pkcs8 x509 pubkey hmac kdf kernel-netlink socket-default vici" \
  "default=1 ike=2" "retransmit_tries = 2"
cat > "$W/swanctl.conf" <<CONF
connections {
  gdoi-rsa {
    version = 1
    aggressive = $AGGRESSIVE
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.2
    remote_port = $PORT
    mobike = no
    proposals = aes256-sha256-modp2048
    send_cert = always
    local {
      auth = pubkey
      certs = charon.pem
      id = charon.example
    }
    remote {
      auth = pubkey
      cacerts = root.pem
      id = gcks.example
    }
  }
}
CONF

serve_start --policies "$W/policies" --secrets "$W/secrets" --listen "127.0.0.2:$PORT" --id gcks.example \
  --cert "$W/gcks.pem" --key "$W/gcks-key.pem" --log-level debug
wait_for_text "$W/serve.out" "listening on" || true
grep -q "listening on" "$W/serve.out" || { echo "FAIL: serve did not start"; cat "$W/serve.log"; exit 1; }

charon_start "$W"
U="--uri unix://$W/charon.vici"
swanctl --load-all --file "$W/swanctl.conf" $U >"$W/load.out" 2>&1 || { echo "FAIL: swanctl --load-all"; cat "$W/load.out"; exit 1; }

swanctl --initiate --ike gdoi-rsa --timeout 10 $U >"$W/initiate.out" 2>&1 || true
swanctl --list-sas $U >"$W/sas.out" 2>&1 || true
cat "$W/sas.out"
echo "--- charon"
grep -E "ID_PROT|AGGRESSIVE|authentication|established|signature|certificate|error|fail" "$W/charon.log" | head -20 || true
echo "--- groupkey serve"
grep -E "GDOI-" "$W/serve.log" | head -10 || true
if grep -q "ESTABLISHED, IKEv1" "$W/sas.out"; then
  echo "strongSwan IKEv1 $MODE mode with RSA signatures: ISAKMP SA ESTABLISHED: pass"
else
  echo "FAIL: no ESTABLISHED IKEv1 SA with RSA signatures ($MODE mode)"
  exit 1
fi
