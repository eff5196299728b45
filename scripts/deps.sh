#!/usr/bin/env bash
# Installs, with apt-get, whatever tapir's build, tests, demo and fuzzers need that this
# machine lacks. Run as a non-root user, it prints the command to run instead.
# Usage: scripts/deps.sh [--check]   (--check: only report, exit 1 if something is missing)
set -eu

# Debian 12 package -> a file or command that proves it is installed.
PACKAGES="
cmake:/usr/bin/cmake
ninja-build:/usr/bin/ninja
pkg-config:/usr/bin/pkg-config
gcc:/usr/bin/gcc
clang:/usr/bin/clang
libclang-rt-dev:/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a
clang-format:/usr/bin/clang-format
libcmocka-dev:/usr/include/cmocka.h
libpcap-dev:/usr/include/pcap/pcap.h
libcap-dev:/usr/include/sys/capability.h
tcpdump:/usr/bin/tcpdump
tshark:/usr/bin/tshark
iproute2:/usr/sbin/ip
iputils-ping:/usr/bin/ping
iputils-arping:/usr/bin/arping
python3-scapy:/usr/lib/python3/dist-packages/scapy/__init__.py
python3-pytest:/usr/lib/python3/dist-packages/pytest/__init__.py
curl:/usr/bin/curl
apache2-utils:/usr/bin/ab
netcat-openbsd:/bin/nc.openbsd
bc:/usr/bin/bc
dnsmasq-base:/usr/sbin/dnsmasq
"

missing=""
for entry in $PACKAGES; do
    pkg=${entry%%:*}
    proof=${entry#*:}
    compgen -G "$proof" >/dev/null || missing="$missing $pkg"
done

if [ -z "$missing" ]; then
    exit 0
fi
if [ "${1:-}" = "--check" ]; then
    echo "missing packages:$missing" >&2
    exit 1
fi

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
    echo "tapir needs these Debian packages:$missing" >&2
    echo "install them with:  sudo apt-get update && sudo $cmd" >&2
    exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
$cmd -qq >/dev/null
