#!/usr/bin/env bash
# Golden IPv4 and ICMPv4 packets from Linux. Every file holds a few Ethernet frames
# captured on veth-a (ns A, 192.168.69.1); the capture filter is "ip", so no ARP or IPv6.
#
#   icmpv4_echo.pcap           B pings A (iputils ping -c 1): echo request and the kernel's
#                              reply; then B pings A with -Q 0xb9 (DSCP 46, ECN ECT(1)):
#                              a request and reply with a non-zero TOS.
#   ipv4_frag.pcap             A pings B with -s 3000: the 3008-byte ICMP message leaves A in
#                              three fragments (offsets 0, 1480, 2960) and B's kernel sends
#                              the reply back in three fragments too.
#   ipv4_options.pcap          A pings B with -R (NOP + record route, IHL 15) and B's reply
#                              with the route recorded; then A pings B with -T tsonly
#                              (timestamp option, IHL 15) and B's reply with timestamps.
#   icmpv4_unreach.pcap        B sends one UDP datagram to A port 9 (a python socket; nothing
#                              listens there) and A's kernel answers ICMP port unreachable.
#   icmpv4_frag_needed.pcap    A pings C (192.168.70.2, a third namespace behind B, which
#                              routes) with -M do -s 1400; the B-C link has MTU 1280, so B
#                              drops the 1428-byte DF packet and sends ICMP fragmentation
#                              needed, next-hop MTU 1280 (RFC 1191), quoting 548 bytes.
#   icmpv4_time_exceeded.pcap  A pings C with -t 1: B's forwarding decrements the TTL to 0
#                              and B sends ICMP time exceeded in transit.
#   icmpv4_param_problem.pcap  B sends (scapy, written raw, because no tool sends it) an
#                              echo request whose one IP option is a timestamp option with
#                              length 1; A's kernel rejects the option and answers ICMP
#                              parameter problem, pointer 20 (the option's first octet).
#
# The router setup (B forwarding, ns C behind it) is made here, not in lib.sh: B gets
# veth-bc 192.168.70.1/24 and C veth-c 192.168.70.2/24, both MTU 1280; A routes
# 192.168.70.0/24 via B. Every namespace is created here and removed at exit.
. "$(dirname "$0")/lib.sh"
command -v ping >/dev/null || { echo "missing ping" >&2; exit 1; }

NSC=tapir-cap-c-$$
C() { ip netns exec "$NSC" "$@"; }
cleanup() {
    [ -z "$CAP_PID" ] || cap_stop
    cap_cleanup
    ip netns del "$NSC" 2>/dev/null || true
}
trap cleanup EXIT

cap_setup

# Let the neighbours resolve first, so the captures hold only the packets described.
A ping -c 1 -W 2 192.168.69.100 >/dev/null
B ping -c 1 -W 2 192.168.69.1 >/dev/null
sleep 1.1 # the kernel limits ICMP errors per peer; start each capture with a full bucket

cap_start icmpv4_echo ip
B timeout 5 ping -c 1 -W 2 192.168.69.1 >/dev/null
B timeout 5 ping -c 1 -W 2 -Q 0xb9 192.168.69.1 >/dev/null
cap_stop

cap_start ipv4_frag ip
A timeout 5 ping -c 1 -W 2 -s 3000 192.168.69.100 >/dev/null
cap_stop

cap_start ipv4_options ip
A timeout 5 ping -c 1 -W 2 -R 192.168.69.100 >/dev/null
A timeout 5 ping -c 1 -W 2 -T tsonly 192.168.69.100 >/dev/null
cap_stop

cap_start icmpv4_unreach ip
B timeout 5 /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"tapir\n", ("192.168.69.1", 9))
'
cap_stop

# The router: B forwards between A and C; the far link is narrower.
ip netns add "$NSC"
ip link add veth-bc netns "$NSB" type veth peer name veth-c netns "$NSC"
C ip link set lo up
B ip link set veth-bc mtu 1280
C ip link set veth-c mtu 1280
B ip addr add 192.168.70.1/24 dev veth-bc
C ip addr add 192.168.70.2/24 dev veth-c
B ip link set veth-bc up
C ip link set veth-c up
C ip route add default via 192.168.70.1
A ip route add 192.168.70.0/24 via 192.168.69.100
B sysctl -qw net.ipv4.ip_forward=1
# Check the path works (and resolve B's neighbour C) before capturing.
A timeout 5 ping -c 1 -W 2 192.168.70.2 >/dev/null
sleep 1.1

cap_start icmpv4_frag_needed ip
A timeout 5 ping -c 1 -W 2 -M do -s 1400 192.168.70.2 >/dev/null 2>&1 || true
cap_stop

cap_start icmpv4_time_exceeded ip
A timeout 5 ping -c 1 -W 2 -t 1 192.168.70.2 >/dev/null 2>&1 || true
cap_stop

cap_start icmpv4_param_problem ip
B timeout 10 /usr/bin/python3 - <<'PY'
import struct
from scapy.all import Ether, Raw, sendp, checksum

# IPv4 header with one 4-byte option: timestamp (68) whose length octet says 1, which
# RFC 791 does not allow (an option's length counts its type and length octets).
options = bytes([68, 1, 0, 0])
icmp = bytearray(struct.pack("!BBHHH", 8, 0, 0, 0x7a70, 1) + bytes(range(32)))
struct.pack_into("!H", icmp, 2, checksum(bytes(icmp)))
total = 20 + len(options) + len(icmp)
hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x46, 0, total, 0x2468, 0x4000, 64, 1, 0,
                            bytes([192, 168, 69, 100]), bytes([192, 168, 69, 1])) + options)
struct.pack_into("!H", hdr, 10, checksum(bytes(hdr)))
frame = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01", type=0x0800) / Raw(
    bytes(hdr) + bytes(icmp))
sendp(frame, iface="veth-b", verbose=False)
PY
cap_stop
