#!/usr/bin/env bash
# `groupkey bench register` with the strongSwan comparison: starts a charon responder
# (strongswan-ikev2-responder.sh, log off), runs the benchmark against our in-process GCKS and
# against charon with the same generator and suite (X25519, AES-GCM-16-256, PRF-HMAC-SHA2-256,
# PSK), reports rates, CPU per IKE SA of both and the ratios, and stops charon.
# Use a release build; needs root and the strongSwan packages.
#   scripts/interop/bench-register-vs-strongswan.sh .build/release/groupkey [MEMBERS] [RUNS] [PORT]
set -euo pipefail
GROUPKEY=${1:?usage: bench-register-vs-strongswan.sh GROUPKEY_BINARY [MEMBERS] [RUNS] [PORT]}
MEMBERS=${2:-3000}
RUNS=${3:-3}
PORT=${4:-28880}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap '"$HERE/strongswan-ikev2-responder.sh" stop "$W"; rm -rf "$W"' EXIT
LOG=0 "$HERE/strongswan-ikev2-responder.sh" start "$W" "$PORT" >/dev/null
"$GROUPKEY" bench register --members "$MEMBERS" --concurrency 32 --runs "$RUNS" \
  --strongswan "127.0.0.1:$PORT" --strongswan-pid "$(cat "$W/charon.pid")"
