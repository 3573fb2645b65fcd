#!/usr/bin/env bash
# natlab: a tiny internet of Linux network namespaces with NAT routers (docs/MANUAL.md §9).
#
#   nl-inet   the "public internet": bridge br0, 203.0.113.0/24 (TEST-NET-3)
#   nl-srv    server host 203.0.113.10 (discovery servers on 8000-8002)
#   nl-nat1   router 203.0.113.11 <-> LAN 10.1.0.1/24   (absent when c1's type is none)
#   nl-nat2   router 203.0.113.12 <-> LAN 10.2.0.1/24   (absent when c2's type is none)
#   nl-c1     10.1.0.2 behind nl-nat1, or 203.0.113.21 on the bridge when type is none
#   nl-c1b    10.1.0.3 on c1's LAN (same NAT), or 203.0.113.23 when type is none
#   nl-c2     10.2.0.2 behind nl-nat2, or 203.0.113.22 when type is none
#
# Usage (root):
#   natlab.sh up TYPE1 TYPE2 [--c1b]   TYPE: none | cone | symmetric
#   natlab.sh down                     remove every nl-* namespace
#   natlab.sh exec NS CMD...           run CMD inside namespace NS
#   natlab.sh impair NAT LOSS% DUP%    loss/duplication on NAT's WAN side, both directions
#   natlab.sh udp-timeout NAT SECS     conntrack UDP timeouts inside NAT (per-netns sysctl)
#   natlab.sh flush NAT                forget NAT's UDP mappings; the next ones get new ports
#   natlab.sh status                   namespaces, addresses, rules, conntrack
#
# Every namespace and veth lives inside nl-* namespaces; the root namespace is not touched.
set -euo pipefail

T=10 # seconds: bound for every single ip/nft/conntrack call
NET=203.0.113

die() { echo "natlab: $*" >&2; exit 1; }
ipx() { timeout "$T" ip "$@"; }
in_ns() { local ns=$1; shift; timeout "$T" ip netns exec "$ns" "$@"; }

lab_namespaces() { timeout "$T" ip netns list | awk '{print $1}' | grep '^nl-' || true; }

down() {
  local ns
  for ns in $(lab_namespaces); do
    # Kill what still runs inside (servers, clients), then the namespace itself.
    local pids; pids=$(timeout "$T" ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
    ipx netns del "$ns" 2>/dev/null || true
  done
}

new_ns() {
  ipx netns add "$1"
  in_ns "$1" ip link set lo up
  # IPv4 only: no IPv6 link-local chatter in captures.
  in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# veth between the internet bridge and a host: "v-NAME" in nl-inet, "wan0" in the host.
plug_public() {
  local host=$1 addr=$2
  ipx -n nl-inet link add "v-${host#nl-}" type veth peer name wan0 netns "$host"
  ipx -n nl-inet link set "v-${host#nl-}" master br0 up
  ipx -n "$host" addr add "$addr/24" dev wan0
  ipx -n "$host" link set wan0 up
}

# veth between a router's LAN bridge (lan0) and a client: "p-NAME" in the router, "eth0" in the client.
plug_lan() {
  local router=$1 host=$2 addr=$3 gw=$4
  ipx -n "$router" link add "p-${host#nl-}" type veth peer name eth0 netns "$host"
  ipx -n "$router" link set "p-${host#nl-}" master lan0 up
  ipx -n "$host" addr add "$addr/24" dev eth0
  ipx -n "$host" link set eth0 up
  ipx -n "$host" route add default via "$gw"
}

# NAT rules. Both types drop unsolicited inbound on the WAN: without it the router itself
# answers a peer's early punch, takes the tuple, and the client's own flow is remapped to
# another port (cone-to-cone punching then fails). Linux masquerade does no hairpinning.
nat_rules() {
  local type=$1 masq
  case $type in
    # Port-preserving: the client's source port is kept when free, whatever the destination
    # (endpoint-independent mapping); inbound only from endpoints it sent to = port-restricted cone.
    cone) masq='oifname "wan0" meta l4proto udp masquerade to :20000-60000
                oifname "wan0" masquerade' ;;
    # A fresh random port for every new 5-tuple: endpoint-dependent mapping.
    symmetric) masq='oifname "wan0" masquerade fully-random' ;;
    *) die "unknown NAT type $type" ;;
  esac
  cat <<EOF
table ip natlab {
  chain wan_guard {
    type filter hook prerouting priority mangle; policy accept;
    iifname "wan0" ct state new counter drop comment "unsolicited inbound"
  }
  chain impair_in {
    type filter hook forward priority filter; policy accept;
  }
  chain nat_out {
    type nat hook postrouting priority srcnat; policy accept;
    $masq
  }
  chain impair_out {
    type filter hook postrouting priority 200; policy accept;
  }
}
EOF
}

add_router() {
  local n=$1 type=$2 router=nl-nat$1
  new_ns "$router"
  plug_public "$router" "$NET.1$n"
  ipx -n "$router" link add lan0 type bridge
  ipx -n "$router" addr add "10.$n.0.1/24" dev lan0
  ipx -n "$router" link set lan0 up
  in_ns "$router" sysctl -qw net.ipv4.ip_forward=1
  nat_rules "$type" | in_ns "$router" nft -f -
}

# add_client NAME N TYPE LAN_HOST PUBLIC_HOST
add_client() {
  local host=$1 n=$2 type=$3 lan_host=$4 pub_host=$5
  new_ns "$host"
  if [ "$type" = none ]; then
    plug_public "$host" "$NET.$pub_host"
  else
    plug_lan "nl-nat$n" "$host" "10.$n.0.$lan_host" "10.$n.0.1"
  fi
}

up() {
  local t1=${1:-} t2=${2:-} c1b=${3:-}
  [ -n "$t1" ] && [ -n "$t2" ] || die "usage: up TYPE1 TYPE2 [--c1b]"
  down
  new_ns nl-inet
  ipx -n nl-inet link add br0 type bridge
  ipx -n nl-inet link set br0 up
  new_ns nl-srv
  plug_public nl-srv "$NET.10"
  [ "$t1" != none ] && add_router 1 "$t1"
  [ "$t2" != none ] && add_router 2 "$t2"
  add_client nl-c1 1 "$t1" 2 21
  add_client nl-c2 2 "$t2" 2 22
  [ "$c1b" = --c1b ] && add_client nl-c1b 1 "$t1" 3 23
  echo "natlab: up c1=$t1 c2=$t2${c1b:+ c1b}"
}

impair() {
  local router=$1 loss=$2 dup=$3
  in_ns "$router" nft flush chain ip natlab impair_in
  in_ns "$router" nft flush chain ip natlab impair_out
  # Inbound: drop/dup in forward, after de-NAT, so a duplicate is addressed to the client.
  # Outbound: after source NAT (priority 200 > srcnat), so a duplicate carries the public
  # address (nft dup sends an untracked clone that is never NATed).
  in_ns "$router" nft -f - <<EOF
add rule ip natlab impair_in iifname "wan0" numgen random mod 100 < $loss counter drop
add rule ip natlab impair_in iifname "wan0" numgen random mod 100 < $dup counter dup to ip daddr device "lan0"
add rule ip natlab impair_out oifname "wan0" numgen random mod 100 < $loss counter drop
add rule ip natlab impair_out oifname "wan0" numgen random mod 100 < $dup counter dup to ip daddr device "wan0"
EOF
}

udp_timeout() {
  in_ns "$1" sysctl -qw net.netfilter.nf_conntrack_udp_timeout="$2"
  in_ns "$1" sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream="$2"
}

# A NAT reboot as a peer sees it. Port-preserving masquerade would hand the client's source
# port out again after a plain flush, so first pin each LAN flow's source port to a new public
# port (one-port snat range: endpoint-independent, still a cone), then delete the mappings.
flush() {
  local router=$1 n=${1#nl-nat} pub="$NET.1${1#nl-nat}" line src sport old new
  local -A seen=()
  while read -r line; do
    # "udp 17 28 src=LAN dst=R sport=S dport=D src=R dst=PUB sport=D dport=PUBPORT ..."
    src=$(grep -o 'src=[0-9.]*' <<<"$line" | head -1 | cut -d= -f2)
    sport=$(grep -o 'sport=[0-9]*' <<<"$line" | head -1 | cut -d= -f2)
    old=$(grep -o 'dport=[0-9]*' <<<"$line" | tail -1 | cut -d= -f2)
    case $src in "10.$n."*) ;; *) continue ;; esac
    [ -z "${seen[$src:$sport]:-}" ] || continue
    seen[$src:$sport]=1
    new=$(( 20000 + (old - 20000 + 1 + RANDOM % 30000) % 40000 ))
    in_ns "$router" nft insert rule ip natlab nat_out ip saddr "$src" udp sport "$sport" \
      snat ip to "$pub:$new"
    echo "natlab: $router $src:$sport was $pub:$old, now $pub:$new"
  done < <(in_ns "$router" conntrack -L -p udp 2>/dev/null)
  in_ns "$router" conntrack -D -p udp >/dev/null 2>&1 || true
}

status() {
  local ns
  for ns in $(lab_namespaces); do
    echo "== $ns"
    ipx -n "$ns" -br addr | grep -v '^lo'
    case $ns in nl-nat*)
      in_ns "$ns" nft list table ip natlab | grep -E 'drop|dup|masq|snat' || true
      in_ns "$ns" conntrack -L -p udp 2>/dev/null || true ;;
    esac
  done
}

cmd=${1:-}; shift || true
case $cmd in
  up) up "$@" ;;
  down) down ;;
  exec) ns=$1; shift; exec ip netns exec "$ns" "$@" ;;
  impair) impair "$@" ;;
  udp-timeout) udp_timeout "$@" ;;
  flush) flush "$@" ;;
  status) status ;;
  *) sed -n '2,22p' "$0"; exit 2 ;;
esac
