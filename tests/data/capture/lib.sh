# Shared setup for the golden-packet capture scripts (sourced, not run).
#
# Two private network namespaces joined by a veth pair, created and removed by the
# script that sources this. Nothing here touches the host's own network:
#   ns A ("stack" side): veth-a, 02:00:00:00:00:01, 192.168.69.1/24, fdaa::1/64
#   ns B ("host" side):  veth-b, 02:00:00:00:00:02, 192.168.69.100/24, fdaa::100/64
# fe80:: addresses are the kernel's EUI-64 link-locals for those MACs
# (fe80::ff:fe00:1 and fe80::ff:fe00:2).
set -eu

[ "$(id -u)" = 0 ] || { echo "capture scripts need root (network namespaces)" >&2; exit 1; }
for tool in ip tcpdump; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

OUT_DIR=$(cd "$(dirname "$0")/.." && pwd)
NSA=tapir-cap-a-$$
NSB=tapir-cap-b-$$
CAP_PID=
A() { ip netns exec "$NSA" "$@"; }
B() { ip netns exec "$NSB" "$@"; }

cap_cleanup() {
    [ -n "$CAP_PID" ] && kill "$CAP_PID" 2>/dev/null || true
    ip netns del "$NSA" 2>/dev/null || true
    ip netns del "$NSB" 2>/dev/null || true
}
trap cap_cleanup EXIT

NO_TX_CSUM='
import array, fcntl, socket, struct, sys
SIOCETHTOOL, ETHTOOL_STXCSUM = 0x8946, 0x17
value = array.array("I", [ETHTOOL_STXCSUM, 0])
ifr = struct.pack("16sP", sys.argv[1].encode(), value.buffer_info()[0]).ljust(40, b"\0")
fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), SIOCETHTOOL, ifr)
'

# cap_setup [MTU]: the two namespaces, veth, addresses (no DAD, so they work at once).
cap_setup() {
    local mtu=${1:-1500}
    ip netns add "$NSA"
    ip netns add "$NSB"
    ip link add veth-a netns "$NSA" type veth peer name veth-b netns "$NSB"
    A ip link set lo up
    B ip link set lo up
    A ip link set veth-a address 02:00:00:00:00:01 mtu "$mtu"
    B ip link set veth-b address 02:00:00:00:00:02 mtu "$mtu"
    # Quiet links: no router solicitations unless a script wants them (the per-interface
    # value: the all/default ones no longer reach an interface that already exists).
    A sysctl -qw net.ipv6.conf.veth-a.router_solicitations=0
    B sysctl -qw net.ipv6.conf.veth-b.router_solicitations=0
    # veth leaves checksums to a "hardware" that never fills them in, so captures would
    # hold partial UDP/TCP checksums: turn TX checksum offload off (the ETHTOOL_STXCSUM
    # ioctl that `ethtool -K DEV tx off` uses; no ethtool binary needed).
    A /usr/bin/python3 -c "$NO_TX_CSUM" veth-a
    B /usr/bin/python3 -c "$NO_TX_CSUM" veth-b
    A ip addr add 192.168.69.1/24 dev veth-a
    B ip addr add 192.168.69.100/24 dev veth-b
    A ip -6 addr add fdaa::1/64 dev veth-a nodad
    B ip -6 addr add fdaa::100/64 dev veth-b nodad
    A ip link set veth-a up
    B ip link set veth-b up
    # Let link-local DAD finish, so the captures hold only what the script generates.
    local i
    for i in $(seq 50); do
        if ! A ip -6 addr show dev veth-a tentative | grep -q inet6 &&
           ! B ip -6 addr show dev veth-b tentative | grep -q inet6; then
            break
        fi
        sleep 0.1
    done
}

# cap_start NAME [FILTER...]: start capturing on veth-a into tests/data/NAME.pcap.
# Returns once tcpdump has opened the interface.
cap_start() {
    local name=$1
    shift
    local log
    log=$(mktemp)
    # Not through A(): a shell function in the background is a subshell, and stopping
    # that would leave tcpdump running. "ip netns exec" execs tcpdump, so $! is its pid.
    ip netns exec "$NSA" tcpdump -Z root -i veth-a -s 0 -U --immediate-mode \
        -w "$OUT_DIR/$name.pcap" "$@" 2>"$log" &
    CAP_PID=$!
    local i
    for i in $(seq 100); do
        grep -q "listening on" "$log" && break
        sleep 0.05
    done
    rm -f "$log"
}

# cap_stop: let the last packets land, then stop tcpdump (SIGTERM: background jobs of a
# script ignore SIGINT) and wait for it to flush.
cap_stop() {
    sleep 0.3
    kill -TERM "$CAP_PID"
    wait "$CAP_PID" || true
    CAP_PID=
}

# cap_finish: stop a capture started with "-c N" once it has its N packets (or after 5 s).
cap_finish() {
    local i
    for i in $(seq 50); do
        kill -0 "$CAP_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" || true
    CAP_PID=
}
