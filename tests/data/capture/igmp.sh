#!/usr/bin/env bash
# Golden IGMP messages from Linux, captured on veth-a in ns A (see lib.sh for the two
# namespaces). Every report is sent by ns B's kernel, which joins and leaves groups through
# python sockets; queries need a multicast router, which Linux is not, so ns A crafts them
# with scapy (TTL 1, Router Alert option, to 224.0.0.1 or the group, as RFC 2236 §2 and
# RFC 3376 §4.1 say) and B's kernel answers them.
#
#   igmp_v3_report.pcap   IGMPv3 reports (to 224.0.0.22) from B, each sent twice (robustness
#                         2, igmpv3_unsolicited_report_interval 100 ms): join 239.1.2.3
#                         (to_ex {}), a source-specific join of 232.1.1.1 from 192.168.69.1
#                         (allow {192.168.69.1}), leave 239.1.2.3 (to_in {}), leave 232.1.1.1
#                         (block {192.168.69.1})
#   igmp_v3_query.pcap    an IGMPv3 general query (scapy, from A; max resp code 10, QRV 2,
#                         QQIC 125) and B's current-state report (is_ex records for 239.1.2.3
#                         and 239.1.2.4), then a group-and-source-specific query for 239.1.2.3
#                         with 2 sources and B's answer
#   igmp_v2.pcap          with force_igmp_version=2 in B: an IGMPv2 general query (scapy, max
#                         resp time 1 s), B's v2 report answering it, the v2 report sent twice
#                         on joining 239.1.2.3 and the leave (to 224.0.0.2) on leaving it
#   igmp_v1.pcap          with force_igmp_version=1 in B: an IGMPv1 query (scapy, max resp 0)
#                         and B's v1 report for 239.1.2.4, then the v1 report sent twice on
#                         joining 239.1.2.3 (IGMPv1 has no leave)
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3

# cap_wait NAME COUNT SECONDS: wait until tests/data/NAME.pcap holds COUNT packets.
cap_wait() {
    local i n=0
    for i in $(seq $(($3 * 10))); do
        n=$(tcpdump -r "$OUT_DIR/$1.pcap" 2>/dev/null | wc -l)
        [ "$n" -ge "$2" ] && return 0
        sleep 0.1
    done
    echo "warning: $1.pcap holds $n packets, wanted $2" >&2
}

cap_setup
B sysctl -qw net.ipv4.conf.veth-b.igmpv3_unsolicited_report_interval=100
B sysctl -qw net.ipv4.conf.veth-b.igmpv2_unsolicited_report_interval=100
sleep 0.5

# A query from A: scapy builds it whole (IGMP checksum included) and sends it raw.
QUERY='
import sys
from scapy.all import Ether, IP, IPOption_Router_Alert, sendp
from scapy.contrib.igmp import IGMP
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mq
kind, group = sys.argv[1], sys.argv[2]
dst = "224.0.0.1" if group == "0.0.0.0" else group
g = [int(x) for x in dst.split(".")]
mac = "01:00:5e:%02x:%02x:%02x" % (g[1] & 0x7f, g[2], g[3])
ip = IP(src="192.168.69.1", dst=dst, ttl=1, options=[IPOption_Router_Alert()])
if kind == "v3":
    sources = sys.argv[3:]
    msg = IGMPv3(type=0x11, mrcode=10) / IGMPv3mq(gaddr=group, qrv=2, qqic=125,
                                                   numsrc=len(sources), srcaddrs=sources)
else:
    msg = IGMP(type=0x11, mrcode=10 if kind == "v2" else 0, gaddr=group)
sendp(Ether(src="02:00:00:00:00:01", dst=mac) / ip / msg, iface="veth-a", verbose=False)
'

# --- IGMPv3 reports -------------------------------------------------------------------------
cap_start igmp_v3_report igmp and src 192.168.69.100
B $PY - <<'PY'
import socket, struct, time
IFINDEX = socket.if_nametoindex("veth-b")
MCAST_JOIN_SOURCE_GROUP, MCAST_LEAVE_SOURCE_GROUP = 46, 47
def sockaddr_in(addr):
    # struct sockaddr_in padded to struct sockaddr_storage (128 bytes)
    raw = struct.pack("=HH4s", socket.AF_INET, 0, socket.inet_aton(addr))
    return raw + bytes(128 - len(raw))
def group_source_req(group, source):
    # struct group_source_req: uint32 interface, padding to 8, two sockaddr_storage
    return struct.pack("=I4x", IFINDEX) + sockaddr_in(group) + sockaddr_in(source)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# struct ip_mreqn: group, local address (any), interface index
mreq = socket.inet_aton("239.1.2.3") + socket.inet_aton("0.0.0.0") + struct.pack("=i", IFINDEX)
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
time.sleep(0.5)
gsr = group_source_req("232.1.1.1", "192.168.69.1")
s.setsockopt(socket.IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP, gsr)
time.sleep(0.5)
s.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, mreq)
time.sleep(0.5)
s.setsockopt(socket.IPPROTO_IP, MCAST_LEAVE_SOURCE_GROUP, gsr)
time.sleep(0.5)
PY
cap_stop

# --- B keeps two groups joined while A queries ------------------------------------------
join_two() {
    B $PY - "$1" <<'PY' &
import socket, struct, sys, time
IFINDEX = socket.if_nametoindex("veth-b")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for g in ("239.1.2.3", "239.1.2.4"):
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(g) + socket.inet_aton("0.0.0.0") + struct.pack("=i", IFINDEX))
time.sleep(float(sys.argv[1]))
PY
    JOIN_PID=$!
    sleep 1.5 # the unsolicited reports are over
}

# --- IGMPv3 queries ------------------------------------------------------------------------
join_two 6
cap_start igmp_v3_query igmp
A $PY -c "$QUERY" v3 0.0.0.0
cap_wait igmp_v3_query 2 3
sleep 0.3
A $PY -c "$QUERY" v3 239.1.2.3 192.168.69.1 192.168.69.2
cap_wait igmp_v3_query 4 3
cap_stop
wait "$JOIN_PID" || true

# --- IGMPv2 ------------------------------------------------------------------------------
B sysctl -qw net.ipv4.conf.veth-b.force_igmp_version=2
sleep 0.3
cap_start igmp_v2 igmp
B $PY - <<'PY' &
import socket, struct, time
IFINDEX = socket.if_nametoindex("veth-b")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             socket.inet_aton("239.1.2.4") + socket.inet_aton("0.0.0.0") + struct.pack("=i", IFINDEX))
time.sleep(8)
PY
JOIN_PID=$!
sleep 1.5
# Only now: the join's own reports above are not part of this file.
kill -TERM "$CAP_PID"; wait "$CAP_PID" || true; CAP_PID=
cap_start igmp_v2 igmp
A $PY -c "$QUERY" v2 0.0.0.0
cap_wait igmp_v2 2 3
sleep 0.3
B $PY - <<'PY'
import socket, struct, time
IFINDEX = socket.if_nametoindex("veth-b")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
mreq = socket.inet_aton("239.1.2.3") + socket.inet_aton("0.0.0.0") + struct.pack("=i", IFINDEX)
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
time.sleep(0.5)
s.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, mreq)
time.sleep(0.3)
PY
cap_stop
kill "$JOIN_PID" 2>/dev/null || true
wait "$JOIN_PID" 2>/dev/null || true

# --- IGMPv1 ------------------------------------------------------------------------------
B sysctl -qw net.ipv4.conf.veth-b.force_igmp_version=1
sleep 0.3
B $PY - <<'PY' &
import socket, struct, time
IFINDEX = socket.if_nametoindex("veth-b")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             socket.inet_aton("239.1.2.4") + socket.inet_aton("0.0.0.0") + struct.pack("=i", IFINDEX))
time.sleep(20)
PY
JOIN_PID=$!
sleep 1.5
cap_start igmp_v1 igmp
A $PY -c "$QUERY" v1 0.0.0.0
# IGMPv1 has no max resp field: hosts answer within 10 s (RFC 1112 appendix I).
cap_wait igmp_v1 2 12
sleep 0.3
B $PY - <<'PY'
import socket, struct, time
IFINDEX = socket.if_nametoindex("veth-b")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
mreq = socket.inet_aton("239.1.2.3") + socket.inet_aton("0.0.0.0") + struct.pack("=i", IFINDEX)
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
time.sleep(0.5)
PY
cap_stop
kill "$JOIN_PID" 2>/dev/null || true
wait "$JOIN_PID" 2>/dev/null || true
B sysctl -qw net.ipv4.conf.veth-b.force_igmp_version=0
