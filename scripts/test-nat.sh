#!/usr/bin/env bash
# NAT tests (npm run test:nat): natter across Linux NATs in network namespaces, as root.
# Skips (exit 0) with a clear line when namespaces are not available; otherwise installs
# missing tools, clears leftovers of an earlier run, runs the lab checks and the matrix,
# and always removes the lab.
set -uo pipefail
cd "$(dirname "$0")/.."

skip() { echo "NAT tests SKIPPED: $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, nftables)"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
probe_ns=nl-probe-$$
timeout 10 ip netns add "$probe_ns" 2>/dev/null || skip "'ip netns add' failed (no CAP_SYS_ADMIN or no netns support)"
timeout 10 ip netns del "$probe_ns"

missing=()
for tool in nft:nftables conntrack:conntrack tcpdump:tcpdump tmux:tmux ss:iproute2; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-nat: installing ${missing[*]}"
  { timeout 300 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq "${missing[@]}"; } >/dev/null \
    || skip "could not install ${missing[*]} with apt-get"
fi

cleanup() { timeout 60 bash scripts/natlab.sh down || true; }
trap cleanup EXIT INT TERM
cleanup # leftovers (nl-* namespaces) of an interrupted run

timeout 900 node --import tsx --test --test-concurrency=1 --test-timeout=600000 test/nat/*.test.ts
