#!/usr/bin/env bash
# Golden IPv6 packets from Linux (RFC 8200 fixed header and extension headers):
#
#   ipv6_ping.pcap  ping -6 echo request fdaa::100 -> fdaa::1 and the kernel's echo reply
#                   (iputils ping; the kernel's automatic flow labels).
#   ipv6_frag.pcap  ping -6 -s 3000: the request in three fragments (Fragment header,
#                   offsets 0/1448/2896) and the kernel's reply, fragmented the same way.
#   ipv6_hbh.pcap   an MLDv2 report from ns B's kernel when a socket there joins ff02::1234
#                   (python IPV6_JOIN_GROUP): Hop-by-Hop header with Router Alert + PadN.
#   ipv6_ext.pcap   packets the kernel will not originate, written by scapy from ns B, each
#                   followed by the kernel's answer from ns A:
#                   1. Destination Options (PadN) + ICMPv6 echo request -> echo reply;
#                   2. Routing header type 0, segments left 0 + echo request -> echo reply;
#                   3. Segment Routing header (type 4), segments left 1 + echo request,
#                      no answer (SRv6 is disabled in ns A: the kernel drops it);
#                   4. Hop-by-Hop (PadN, an unknown skippable option 0x1e) + Destination
#                      Options + Routing type 0 (segments left 0) + Destination Options
#                      + echo request -> echo reply;
#                   5. Routing header of unknown type 253, segments left 1 + echo request
#                      -> ICMPv6 parameter problem pointing at the routing type.
#   ipv6_udp.pcap   a UDP datagram "hello tapir" from a python socket in ns B to a python
#                   socket bound to [fdaa::1]:7777 in ns A.
#
# Static neighbour entries keep neighbour discovery out of the captures, and the filters
# keep out the MLD reports and router solicitations the links send on their own.
. "$(dirname "$0")/lib.sh"
cap_setup
A ip -6 neigh replace fdaa::100 lladdr 02:00:00:00:00:02 dev veth-a nud permanent
B ip -6 neigh replace fdaa::1 lladdr 02:00:00:00:00:01 dev veth-b nud permanent
cap_start ipv6_ping icmp6 and 'ip6[40] == 128 or ip6[40] == 129'
B timeout 5 ping -6 -c 1 -W 2 fdaa::1 >/dev/null
cap_stop

cap_start ipv6_frag ip6 and 'ip6[6] == 44'
B timeout 5 ping -6 -c 1 -W 2 -s 3000 fdaa::1 >/dev/null
cap_stop

# MLD is on by default; only the first unsolicited report (of the robustness-variable
# repeats) is kept so the file does not depend on timer jitter.
B sysctl -qw net.ipv6.conf.veth-b.force_mld_version=2
cap_start ipv6_hbh -c 1 ip6 and 'ip6[6] == 0'
B timeout 5 /usr/bin/python3 - <<'PY'
import socket, struct, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
group = socket.inet_pton(socket.AF_INET6, "ff02::1234")
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
             group + struct.pack("@I", socket.if_nametoindex("veth-b")))
time.sleep(1.5)
PY
cap_finish

cap_start ipv6_ext ip6 and not dst host ff02::16 and not dst host ff02::2
B timeout 20 /usr/bin/python3 - <<'PY'
from scapy.all import (Ether, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, IPv6ExtHdrSegmentRouting, ICMPv6EchoRequest,
                       PadN, HBHOptUnknown, Raw, sendp)
import time
eth = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")
ip = IPv6(src="fdaa::100", dst="fdaa::1", hlim=64, fl=0xbeef)
def echo(seq):
    return ICMPv6EchoRequest(id=0x7461, seq=seq, data=b"tapir-ext-%d" % seq)
pkts = [
    eth / ip / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)]) / echo(1),
    eth / ip / IPv6ExtHdrRouting(type=0, segleft=0, addresses=["fdaa::1"]) / echo(2),
    eth / IPv6(src="fdaa::100", dst="fdaa::1", hlim=64) /
        IPv6ExtHdrSegmentRouting(segleft=1, lastentry=1,
                                 addresses=["fdaa::2", "fdaa::1"]) / echo(3),
    eth / ip / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0" * 2),
                                           HBHOptUnknown(otype=0x1e, optdata=b"\x01\x02")]) /
        IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)]) /
        IPv6ExtHdrRouting(type=0, segleft=0, addresses=["fdaa::1"]) /
        IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)]) / echo(4),
    eth / ip / IPv6ExtHdrRouting(type=253, segleft=1, addresses=["fdaa::1"]) / echo(5),
]
for p in pkts:
    sendp(p, iface="veth-b", verbose=False)
    time.sleep(0.2)
PY
cap_stop

cap_start ipv6_udp udp port 7777
A timeout 5 /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("fdaa::1", 7777))
s.settimeout(4)
s.recvfrom(100)
' &
RECV=$!
sleep 0.5
B timeout 5 /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("fdaa::100", 40000))
s.sendto(b"hello tapir", ("fdaa::1", 7777))
'
wait "$RECV" || true
cap_stop
