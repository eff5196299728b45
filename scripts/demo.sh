#!/usr/bin/env bash
# make demo: the Linux kernel and tapir ping each other over a TAP, IPv4 and IPv6,
# fragmented and not, inside a private network namespace that vanishes afterwards.
set -eu
cd "$(dirname "$0")/.."
BIN=$PWD/build/bin

if [ "${TAPIR_DEMO_INNER:-}" != 1 ]; then
    # A private network namespace: as root a plain one; otherwise a user+network
    # namespace, where this machine allows one and /dev/net/tun is usable there.
    if [ "$(id -u)" = 0 ]; then
        TAPIR_DEMO_INNER=1 exec unshare --net "$0" "$@"
    fi
    if unshare --user --map-root-user --net true 2>/dev/null &&
        [ -r /dev/net/tun ] && [ -w /dev/net/tun ]; then
        TAPIR_DEMO_INNER=1 exec unshare --user --map-root-user --net "$0" "$@"
    fi
    echo "make demo: cannot make a private network namespace with a TAP as $(id -un)." >&2
    echo "  Run it as root (sudo make demo), or allow unprivileged user namespaces" >&2
    echo "  (sysctl kernel.unprivileged_userns_clone=1) and make /dev/net/tun usable." >&2
    exit 2
fi

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
OUT=$(mktemp -d /tmp/tapir-demo.XXXXXX)

say "A private network namespace with a TAP: the kernel's side is 192.168.69.100/24, fe80::100, fdaa::100"
ip link set lo up
ip tuntap add dev tap0 mode tap
ip link set tap0 up
ip addr add 192.168.69.100/24 dev tap0
ip -6 addr add fe80::100/64 dev tap0 nodad
ip -6 addr add fdaa::100/64 dev tap0 nodad
ip -brief addr show tap0

say "tapir-host on tap0: 192.168.69.1/24, fdaa::1/64, 02:00:00:00:00:01"
"$BIN/tapir-host" --tap tap0 --pcap "$OUT/tapir.pcap" --duration 60 2>"$OUT/host.log" &
HOST=$!
for _ in $(seq 200); do grep -q '^ready$' "$OUT/host.log" && break; sleep 0.05; done
grep -q '^ready$' "$OUT/host.log" || { cat "$OUT/host.log"; exit 1; }
echo "tapir-host is ready (pid $HOST)"

summary() { tail -n 2 | sed 's/^/    /'; }
say "The kernel pings tapir (iputils ping)"
echo "  ping -c 3 192.168.69.1";          ping -c 3 -i 0.2 192.168.69.1 | summary
echo "  ping -c 1 -s 3000 192.168.69.1 (fragmented both ways)"; ping -c 1 -s 3000 192.168.69.1 | summary
echo "  ping -6 -c 3 fdaa::1";            ping -6 -c 3 -i 0.2 fdaa::1 | summary
echo "  ping -6 -c 1 -s 3000 fdaa::1 (fragmented both ways)"; ping -6 -c 1 -s 3000 fdaa::1 | summary

kill -INT "$HOST"
wait "$HOST" || true
echo "  tapir-host's counters:"
grep -E '^(rx_frames|tx_frames|arp_replies_sent|ndp_adverts_sent|echo_replies_sent|reassembled|fragments_sent) ' \
    "$OUT/host.log" | sed 's/^/    /'

say "tapir pings the kernel (tapir-ping, its own stack on the same TAP)"
"$BIN/tapir-ping" --tap tap0 -c 3 -i 0.2 192.168.69.100 2>/dev/null
"$BIN/tapir-ping" --tap tap0 -c 3 -i 0.2 -6 fdaa::100 2>/dev/null

say "A short decoded trace of what tapir-host saw and sent (tapir-decode $OUT/tapir.pcap)"
"$BIN/tapir-decode" "$OUT/tapir.pcap" | head -n 14 | cut -c 1-150
echo
echo "The whole capture: $OUT/tapir.pcap (tcpdump -r or Wireshark read it)."
echo "The namespace and tap0 disappear now. Next: 'make check' runs every test."
