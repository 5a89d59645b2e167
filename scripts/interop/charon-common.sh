# Shared by the strongSwan interop scripts (sourced, not run): writing charon's configuration,
# starting and stopping a charon of our own and `groupkey serve`, and waiting for them.
# A script sets W (its work directory) before calling these; the pids of what it started go in
# SERVE_PID, CHARON_PID and DUMP_PID (tcpdump), which remove_work_directory_on_exit ends.

# charon_write_strongswan_conf DIR PORT NAT_PORT PLUGINS LOG [SETTING...]
# Writes DIR/strongswan.conf for a charon on UDP PORT and NAT_PORT that leaves routes alone,
# loads only PLUGINS and answers swanctl on the vici socket DIR/charon.vici. LOG lists the log
# levels of DIR/charon.log as "subsystem=level ..." (empty: no log file). Each SETTING is one
# more line in the charon section, e.g. "retransmit_tries = 2".
charon_write_strongswan_conf() {
  local dir=$1 port=$2 nat_port=$3 plugins=$4 log=$5
  shift 5
  {
    echo "charon {"
    echo "    port = $port"
    echo "    port_nat_t = $nat_port"
    echo "    install_routes = no"
    echo "    routing_table = 0"
    local setting
    for setting in "$@"; do echo "    $setting"; done
    echo "    load_modular = no"
    echo "    load = $plugins"
    if [ -n "$log" ]; then
      echo "    filelog {"
      echo "        log {"
      echo "            path = $dir/charon.log"
      local level
      for level in $log; do echo "            ${level%%=*} = ${level#*=}"; done
      echo "            flush_line = yes"
      echo "        }"
      echo "    }"
    fi
    echo "    plugins {"
    echo "        vici {"
    echo "            socket = unix://$dir/charon.vici"
    echo "        }"
    echo "    }"
    echo "}"
  } >"$dir/strongswan.conf"
}

# charon_write_ikev1_psk_initiator_conf FILE PORT PROPOSALS AGGRESSIVE
# The swanctl.conf of charon as IKEv1 initiator from 127.0.0.1 to `groupkey serve` on
# 127.0.0.2:PORT with the demo pre-shared key: connection "gdoi" (AGGRESSIVE yes|no) and its
# child "qm", a Quick Mode that only starts when asked for.
charon_write_ikev1_psk_initiator_conf() {
  cat >"$1" <<CONF
connections {
  gdoi {
    version = 1
    aggressive = $4
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.2
    remote_port = $2
    mobike = no
    proposals = $3
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
}

# wait_for_text FILE TEXT [PID]
# Waits up to 10 s for TEXT to appear in FILE. Returns 0 when it does, 2 as soon as process PID
# (if given) has exited, 1 when the time is up.
wait_for_text() {
  local _
  for _ in $(seq 200); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then return 2; fi
    sleep 0.05
  done
  return 1
}

# wait_for_vici DIR: waits up to 10 s for charon's vici socket DIR/charon.vici; 1 if it never came.
wait_for_vici() {
  local _
  for _ in $(seq 200); do [ -S "$1/charon.vici" ] && return 0; sleep 0.05; done
  return 1
}

# charon_start DIR
# Starts charon in the background with DIR/strongswan.conf, in a private mount namespace with its
# own /run (so it never meets the system's charon), output in DIR/charon.out; sets CHARON_PID and
# returns once the vici socket is there (or after 10 s).
charon_start() {
  STRONGSWAN_CONF=$1/strongswan.conf unshare -m sh -c "mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon" \
    >"$1/charon.out" 2>&1 &
  CHARON_PID=$!
  wait_for_vici "$1" || true
}

# serve_start ARGUMENT...
# Starts `$GROUPKEY serve ARGUMENT...` in the background, output in $W/serve.out and its log in
# $W/serve.log; sets SERVE_PID. Wait for it with: wait_for_text "$W/serve.out" "listening on".
serve_start() {
  "$GROUPKEY" serve "$@" >"$W/serve.out" 2>"$W/serve.log" &
  SERVE_PID=$!
}

# remove_work_directory_on_exit
# On exit, ends whatever of charon, tcpdump (SIGKILL: a test runner may start us with SIGTERM
# blocked, which tcpdump inherits) and serve was started, then removes $W, or with KEEP set,
# prints where it is.
remove_work_directory_on_exit() {
  SERVE_PID=${SERVE_PID:-}
  CHARON_PID=${CHARON_PID:-}
  DUMP_PID=${DUMP_PID:-}
  trap _end_started_processes EXIT
}
_end_started_processes() {
  [ -n "$CHARON_PID" ] && kill "$CHARON_PID" 2>/dev/null || true
  [ -n "$DUMP_PID" ] && kill -KILL "$DUMP_PID" 2>/dev/null || true
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "work directory: $W"; else rm -rf "$W"; fi
}
