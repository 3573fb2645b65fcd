#!/usr/bin/env bash
# Installs the system tools the test suite drives (tmux for the UI test; iproute2 (ip, ss),
# nftables, conntrack, tcpdump and procps (sysctl) for the NAT lab; Debian's chromium for the
# browser tests of the web view) when they are missing
# and we are root. Bounded in time; without root it only says what is missing (those tests
# then say they are skipped).
set -u
need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v ip >/dev/null 2>&1 && command -v ss >/dev/null 2>&1 || need+=(iproute2)
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v conntrack >/dev/null 2>&1 || need+=(conntrack)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
command -v sysctl >/dev/null 2>&1 || need+=(procps)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "test tools missing (${need[*]}); not root, so not installing them: the tests that need them will say they are skipped or fail clearly" >&2
  exit 0
fi
echo "installing test tools: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
timeout 300 apt-get update -qq >/dev/null 2>&1 || echo "apt-get update failed or timed out" >&2
timeout 300 apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || echo "apt-get install ${need[*]} failed or timed out" >&2
exit 0
