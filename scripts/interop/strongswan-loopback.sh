#!/usr/bin/env bash
# Runs two strongSwan charon daemons on loopback (an initiator on 127.0.0.1 and a responder on
# 127.0.0.2:$RPORT), establishes IKEv2 and IKEv1 Main Mode IKE SAs with several proposals, and
# leaves in $OUT: the capture (ike.pcap) and both charon logs at `ike = 4`, which print every
# derived key. scripts/interop/extract_strongswan_vectors.py turns them into test fixtures.
# Needs root, strongswan-charon, strongswan-swanctl, libstrongswan-extra-plugins and tcpdump.
set -euo pipefail
RPORT=${RPORT:-848}
OUT=${1:?usage: strongswan-loopback.sh OUTPUT_DIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
W=$(mktemp -d)

# name, proposal, IKE version
CONNS=(
  "v2modp aes128-sha256-modp2048 2"
  "v2gcm aes256gcm16-prfsha384-ecp384 2"
  "v2x25519 aes256-sha512-x25519 2"
  "v1modp aes128-sha256-modp2048 1"
  "v1sha1 aes256-sha1-modp2048 1"
  "v1legacy 3des-sha1-modp1024 1"
)

mkconf() { # name port natport
  mkdir -p "$W/$1"
  cat > "$W/$1/strongswan.conf" <<CONF
charon {
    port = $2
    port_nat_t = $3
    install_routes = no
    routing_table = 0
    load_modular = no
    load = random nonce openssl pem pkcs1 x509 pubkey curve25519 hmac gcm kdf kernel-netlink socket-default vici
    filelog {
        log {
            path = $W/$1/charon.log
            default = 1
            ike = 4
            flush_line = yes
        }
    }
    plugins {
        vici {
            socket = unix://$W/$1/charon.vici
        }
    }
}
CONF
}

all_proposals() { # version
  local list=()
  for c in "${CONNS[@]}"; do
    set -- $c
    if [ "$3" = "$VERSION_WANTED" ]; then list+=("$2"); fi
  done
  (IFS=,; echo "${list[*]}")
}

mkconns() { # name local remote localid remoteid remote_port_line
  {
    echo "connections {"
    for c in "${CONNS[@]}"; do
      set -- $c
      name=$1; proposal=$2; version=$3
      if [ "$version" = 2 ]; then lid=$LID; rid=$RID; else lid=$LADDR; rid=$RADDR; fi
      # IKEv1 responders pick a connection by address before they see a proposal, so the
      # responder offers every proposal of its version on each connection.
      if [ "$NAME" = resp ]; then proposal=$(VERSION_WANTED=$version all_proposals); fi
      cat <<CONF
  $name {
    version = $version
    local_addrs = $LADDR
    remote_addrs = $RADDR
    $RPORTLINE
    mobike = no
    encap = no
    fragmentation = no
    proposals = $proposal
    local {
      auth = psk
      id = $lid
    }
    remote {
      auth = psk
      id = $rid
    }
  }
CONF
    done
    cat <<CONF
}
secrets {
  ike-v2 {
    id-1 = gm1@example.test
    id-2 = gcks@example.test
    secret = "interop-psk-0123456789"
  }
  ike-v1 {
    id-1 = 127.0.0.1
    id-2 = 127.0.0.2
    secret = "interop-psk-0123456789"
  }
}
CONF
  } > "$W/$NAME/swanctl.conf"
}

start() { # name
  STRONGSWAN_CONF=$W/$1/strongswan.conf unshare -m sh -c "mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon" >"$W/$1/stdout.log" 2>&1 &
  echo $! > "$W/$1/pid"
  for _ in $(seq 100); do [ -S "$W/$1/charon.vici" ] && break; sleep 0.05; done
  swanctl --load-all --file "$W/$1/swanctl.conf" --uri "unix://$W/$1/charon.vici" >/dev/null 2>&1
}

mkconf resp "$RPORT" $((RPORT + 4000))
NAME=resp LADDR=127.0.0.2 RADDR=127.0.0.1 LID=gcks@example.test RID=gm1@example.test RPORTLINE="" mkconns
mkconf init 5500 5501
NAME=init LADDR=127.0.0.1 RADDR=127.0.0.2 LID=gm1@example.test RID=gcks@example.test RPORTLINE="remote_port = $RPORT" mkconns

tcpdump -i lo -U -w "$OUT/ike.pcap" "udp port $RPORT or udp port 5500" >/dev/null 2>&1 &
TD=$!
sleep 0.5
start resp
start init
for c in "${CONNS[@]}"; do
  set -- $c
  echo "$1: $(swanctl --initiate --ike "$1" --uri "unix://$W/init/charon.vici" 2>&1 | tail -1)"
done
swanctl --list-sas --uri "unix://$W/init/charon.vici" > "$OUT/list-sas.txt"
sleep 0.5
kill -INT $TD; wait $TD 2>/dev/null || true
kill "$(cat "$W/init/pid")" "$(cat "$W/resp/pid")"
cp "$W/init/charon.log" "$OUT/initiator.log"
cp "$W/resp/charon.log" "$OUT/responder.log"
rm -rf "$W"
echo "wrote $OUT/ike.pcap, $OUT/initiator.log, $OUT/responder.log"
