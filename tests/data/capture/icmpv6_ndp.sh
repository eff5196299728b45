#!/usr/bin/env bash
# Golden ICMPv6, NDP and MLD messages from Linux, all captured on veth-a in ns A (see lib.sh
# for the two namespaces). Two more private namespaces are added here and removed at exit:
#   ns C ("far side"): veth-c, fdbb::2/64, joined to ns A (veth-ac, fdbb::1/64) by a veth
#                      pair whose MTU is 1280; ns A forwards between fdaa::/64 and fdbb::/64
#                      for the error messages.
#   ns D ("neighbour"): a macvlan on veth-b (02:00:00:00:00:03, fdaa::3/64), i.e. a third
#                      host on the A-B link, so that ns A has a reason to send a redirect.
# Every packet below is sent by the Linux kernel (ping -6, python sockets, link changes) or by
# dnsmasq, except where "scapy" is said: an MLD query needs a multicast router, which Linux is
# not, so ns A crafts those with scapy and ns B's kernel answers them.
#
#   icmpv6_echo.pcap           echo request (B, ping -6 -s 56, id/seq set by ping) and reply (A)
#   icmpv6_unreach.pcap        destination unreachable from A: port unreachable (code 4: UDP from
#                              a python socket in B to a closed port of A), no route (code 0: B
#                              pings fdcc::1 through A, which has no route), address unreachable
#                              (code 3: B pings fdbb::99 through A, whose NS for it go unanswered)
#   icmpv6_too_big.pcap        packet too big, MTU 1280 (A cannot forward B's 1448-byte echo
#                              request to ns C), carrying 1232 bytes of the invoking packet
#   icmpv6_time_exceeded.pcap  time exceeded in transit (B's ping -6 -t 1 through A)
#   icmpv6_param_problem.pcap  parameter problem, unrecognized next header, pointer 6 (B sends
#                              an IPv6 packet with next header 253 from a raw python socket)
#   ndp_ns_na.pcap             multicast NS (B, with source link-layer option) and solicited NA
#                              (A: S and O flags, target link-layer option) after the neighbour
#                              caches were flushed; then A's unicast NUD probe NS and B's NA
#                              (no target link-layer option: the NS was unicast)
#   ndp_unsolicited_na.pcap    DAD NS for fdaa::200 (source ::, only a nonce option, type 14 of
#                              RFC 7527: an option unknown to tapir) and the unsolicited NA (to
#                              ff02::1, O flag, target link-layer option) that B sends when DAD
#                              completes, with ndisc_notify=1
#   ndp_rs.pcap                router solicitation from B when its link comes back up (with
#                              router_solicitations=1), with a source link-layer option
#   ndp_ra.pcap                router advertisement from dnsmasq in ns A (enable-ra, ra-only
#                              prefix fdaa::/64, MTU 1400): source link-layer, prefix
#                              information, MTU and RDNSS options
#   ndp_redirect.pcap          redirect from A (forwarding on) to B, which sent a packet for
#                              fdaa::3 (ns D) through A: target = destination = fdaa::3, target
#                              link-layer option, redirected header option
#   mld_v2_report.pcap         MLDv2 reports from B's kernel, each sent twice (robustness 2):
#                              join ff15::1234 (to_ex {}), a source-specific join of ff35::1234
#                              from fdaa::1 (allow {fdaa::1}), leave ff15::1234 (to_in {}),
#                              leave ff35::1234 (block {fdaa::1})
#   mld_v2_query.pcap          an MLDv2 general query (scapy, from A; QRV 2, QQIC 125) and B's
#                              current-state report (4 is_ex records), then a group-and-source-
#                              specific query for ff15::1234 with 2 sources and B's answer
#   mld_v1.pcap                with force_mld_version=1 in B: an MLDv1 general query (scapy,
#                              from A), B's two v1 reports answering it, the report sent twice
#                              on joining ff15::1234 and the done on leaving it
#
# The RA step needs dnsmasq (Debian package dnsmasq-base) and the redirect step a kernel with
# macvlan; without them those two files are left as they are.
. "$(dirname "$0")/lib.sh"

NSC=tapir-cap-c-$$
NSD=tapir-cap-d-$$
DNSMASQ_PID=
C() { ip netns exec "$NSC" "$@"; }
D() { ip netns exec "$NSD" "$@"; }
PY=/usr/bin/python3

all_cleanup() {
    [ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null || true
    cap_cleanup
    ip netns del "$NSC" 2>/dev/null || true
    ip netns del "$NSD" 2>/dev/null || true
}
trap all_cleanup EXIT

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

# wait_dad NS DEV: wait until no address of DEV is tentative.
wait_dad() {
    local i
    for i in $(seq 50); do
        $1 ip -6 addr show dev "$2" tentative | grep -q inet6 || return 0
        sleep 0.1
    done
}

# ICMPv6 type of a packet without extension headers / behind one 8-byte Hop-by-Hop header
# (MLD, with its Router Alert), as tcpdump filters.
icmp6_type() { echo "(ip6 proto 58 and ip6[40] == $1)"; }
mld_type() { echo "(ip6[6] == 0 and ip6[40] == 58 and ip6[48] == $1)"; }

cap_setup

# --- router solicitation (first: the link goes down and up) ---------------------------------
# Taking veth-b down flushes its addresses; on link up the new link-local address passes DAD
# and B solicits routers (accept_ra is 1 on a fresh link). A's own RS (its carrier went down
# too) is filtered out.
B sysctl -qw net.ipv6.conf.veth-b.router_solicitations=1
cap_start ndp_rs "$(icmp6_type 133) and src fe80::ff:fe00:2"
B ip link set veth-b down
B ip link set veth-b up
cap_wait ndp_rs 1 6
cap_stop
B sysctl -qw net.ipv6.conf.veth-b.router_solicitations=0
B sysctl -qw net.ipv6.conf.veth-b.accept_ra=0
B ip -6 addr add fdaa::100/64 dev veth-b nodad
wait_dad A veth-a
wait_dad B veth-b
sleep 0.5

# --- echo -----------------------------------------------------------------------------------
B ping -6 -c 1 -W 2 fdaa::1 >/dev/null
cap_start icmpv6_echo "$(icmp6_type 128) or $(icmp6_type 129)"
B ping -6 -c 1 -W 2 fdaa::1 >/dev/null
cap_wait icmpv6_echo 2 3
cap_stop

# --- neighbour solicitation / advertisement -----------------------------------------------
# A probes a STALE entry after 1 s instead of 5, so the unicast NUD exchange comes quickly.
A sysctl -qw net.ipv6.neigh.veth-a.delay_first_probe_time=1
A ip -6 neigh flush dev veth-a
B ip -6 neigh flush dev veth-b
cap_start ndp_ns_na "$(icmp6_type 135) or $(icmp6_type 136)"
B ping -6 -c 1 -W 2 fdaa::1 >/dev/null
cap_wait ndp_ns_na 4 6
cap_stop

# --- DAD NS and unsolicited NA ------------------------------------------------------------
B sysctl -qw net.ipv6.conf.veth-b.ndisc_notify=1
cap_start ndp_unsolicited_na "$(icmp6_type 135) or $(icmp6_type 136)"
B ip -6 addr add fdaa::200/64 dev veth-b
cap_wait ndp_unsolicited_na 2 5
cap_stop
B sysctl -qw net.ipv6.conf.veth-b.ndisc_notify=0
B ip -6 addr del fdaa::200/64 dev veth-b

# --- router advertisement (dnsmasq) -------------------------------------------------------
if command -v dnsmasq >/dev/null; then
    cap_start ndp_ra "$(icmp6_type 134)"
    ip netns exec "$NSA" dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= --user=root \
        --leasefile-ro --port=0 --interface=veth-a --bind-interfaces --enable-ra \
        --dhcp-range=fdaa::,ra-only,64,1h --ra-param=veth-a,mtu:1400,60,1800 \
        --dhcp-option=option6:dns-server,[fdaa::1] >/dev/null 2>&1 &
    DNSMASQ_PID=$!
    cap_wait ndp_ra 1 8
    cap_stop
    kill "$DNSMASQ_PID" 2>/dev/null || true
    wait "$DNSMASQ_PID" 2>/dev/null || true
    DNSMASQ_PID=
else
    echo "dnsmasq not installed: ndp_ra.pcap not written" >&2
fi

# --- MLDv2 reports --------------------------------------------------------------------------
B sysctl -qw net.ipv6.conf.veth-b.mldv2_unsolicited_report_interval=100
cap_start mld_v2_report "$(mld_type 143) and src fe80::ff:fe00:2"
B $PY - <<'PY'
import socket, struct, time
IFINDEX = socket.if_nametoindex("veth-b")
MCAST_JOIN_SOURCE_GROUP, MCAST_LEAVE_SOURCE_GROUP = 46, 47
def sockaddr_in6(addr):
    # struct sockaddr_in6 padded to struct sockaddr_storage (128 bytes)
    raw = struct.pack("=HHI16sI", socket.AF_INET6, 0, 0, socket.inet_pton(socket.AF_INET6, addr), 0)
    return raw + bytes(128 - len(raw))
def group_source_req(group, source):
    # struct group_source_req: uint32 interface, padding to 8, two sockaddr_storage
    return struct.pack("=I4x", IFINDEX) + sockaddr_in6(group) + sockaddr_in6(source)
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
mreq = socket.inet_pton(socket.AF_INET6, "ff15::1234") + struct.pack("=I", IFINDEX)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
time.sleep(0.5)
gsr = group_source_req("ff35::1234", "fdaa::1")
s.setsockopt(socket.IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP, gsr)
time.sleep(0.5)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_LEAVE_GROUP, mreq)
time.sleep(0.5)
s.setsockopt(socket.IPPROTO_IPV6, MCAST_LEAVE_SOURCE_GROUP, gsr)
time.sleep(0.5)
PY
cap_stop

# --- MLDv2 queries (scapy in A) and B's answers -----------------------------------------
B $PY - <<'PY' &
import socket, struct, time
IFINDEX = socket.if_nametoindex("veth-b")
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for g in ("ff15::1234", "ff15::5678"):
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                 socket.inet_pton(socket.AF_INET6, g) + struct.pack("=I", IFINDEX))
time.sleep(6)
PY
JOIN_PID=$!
sleep 1.5
cap_start mld_v2_query "$(mld_type 130) or $(mld_type 143)"
A $PY - <<'PY'
import time
import socket
from scapy.all import Ether, IPv6, IPv6ExtHdrHopByHop, RouterAlert, sendp
from scapy.layers.inet6 import ICMPv6MLQuery2
from scapy.utils6 import in6_getnsmac
def query(dst, group, sources):
    # 33:33 and the low 32 bits of the group (RFC 2464 §7)
    mac = in6_getnsmac(socket.inet_pton(socket.AF_INET6, dst))
    return (Ether(src="02:00:00:00:00:01", dst=mac)
            / IPv6(src="fe80::ff:fe00:1", dst=dst, hlim=1)
            / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
            / ICMPv6MLQuery2(mrd=500, mladdr=group, S=0, QRV=2, QQIC=125, sources=sources))
sendp(query("ff02::1", "::", []), iface="veth-a", verbose=False)
time.sleep(1.5)
sendp(query("ff15::1234", "ff15::1234", ["fdaa::1", "fdaa::2"]), iface="veth-a", verbose=False)
time.sleep(1.5)
PY
cap_stop
wait "$JOIN_PID" || true

# --- MLDv1 --------------------------------------------------------------------------------
B sysctl -qw net.ipv6.conf.veth-b.force_mld_version=1
B sysctl -qw net.ipv6.conf.veth-b.mldv1_unsolicited_report_interval=100
cap_start mld_v1 "$(mld_type 130) or $(mld_type 131) or $(mld_type 132)"
A $PY - <<'PY'
import time
from scapy.all import Ether, IPv6, IPv6ExtHdrHopByHop, RouterAlert, sendp
from scapy.layers.inet6 import ICMPv6MLQuery
sendp(Ether(src="02:00:00:00:00:01", dst="33:33:00:00:00:01")
      / IPv6(src="fe80::ff:fe00:1", dst="ff02::1", hlim=1)
      / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
      / ICMPv6MLQuery(mrd=500, mladdr="::"), iface="veth-a", verbose=False)
time.sleep(1)
PY
B $PY - <<'PY'
import socket, struct, time
IFINDEX = socket.if_nametoindex("veth-b")
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
mreq = socket.inet_pton(socket.AF_INET6, "ff15::1234") + struct.pack("=I", IFINDEX)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
time.sleep(0.5)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_LEAVE_GROUP, mreq)
time.sleep(0.3)
PY
cap_stop
B sysctl -qw net.ipv6.conf.veth-b.force_mld_version=0

# --- errors from a router: ns A forwards to ns C over a 1280-byte-MTU link ------------------
ip netns add "$NSC"
ip link add veth-ac netns "$NSA" mtu 1280 type veth peer name veth-c netns "$NSC" mtu 1280
C ip link set lo up
A sysctl -qw net.ipv6.conf.all.forwarding=1
A ip -6 addr add fdbb::1/64 dev veth-ac nodad
C ip -6 addr add fdbb::2/64 dev veth-c nodad
A ip link set veth-ac up
C ip link set veth-c up
C ip -6 route add default via fdbb::1 dev veth-c
B ip -6 route add fdbb::/64 via fdaa::1 dev veth-b
B ip -6 route add fdcc::/64 via fdaa::1 dev veth-b
sleep 1
B ping -6 -c 1 -W 2 fdbb::2 >/dev/null

cap_start icmpv6_too_big "$(icmp6_type 2)"
B ping -6 -c 1 -W 1 -s 1400 fdbb::2 >/dev/null || true
cap_wait icmpv6_too_big 1 3
cap_stop

cap_start icmpv6_time_exceeded "$(icmp6_type 3)"
B ping -6 -c 1 -W 1 -t 1 fdbb::2 >/dev/null || true
cap_wait icmpv6_time_exceeded 1 3
cap_stop

cap_start icmpv6_unreach "$(icmp6_type 1)"
B $PY - <<'PY'
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b"tapir", ("fdaa::1", 4444))
PY
cap_wait icmpv6_unreach 1 3
B ping -6 -c 1 -W 1 fdcc::1 >/dev/null || true
cap_wait icmpv6_unreach 2 3
B ping -6 -c 1 -W 5 fdbb::99 >/dev/null || true
cap_wait icmpv6_unreach 3 6
cap_stop

cap_start icmpv6_param_problem "$(icmp6_type 4)"
B $PY - <<'PY'
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 253)
s.sendto(b"tapir experimental protocol 253", ("fdaa::1", 0))
PY
cap_wait icmpv6_param_problem 1 3
cap_stop

# --- redirect: ns D is a third host on the A-B link; B is told to reach it through A ------
if B ip link add link veth-b name veth-d address 02:00:00:00:00:03 type macvlan mode bridge \
    2>/dev/null; then
    ip netns add "$NSD"
    B ip link set veth-d netns "$NSD"
    D ip link set lo up
    D ip -6 addr add fdaa::3/64 dev veth-d nodad
    D ip link set veth-d up
    B ip -6 route add fdaa::3/128 via fe80::ff:fe00:1 dev veth-b
    sleep 1
    # A resolves fdaa::3 first, so its redirect can carry fdaa::3's link-layer address.
    A ping -6 -c 1 -W 2 fdaa::3 >/dev/null
    cap_start ndp_redirect "$(icmp6_type 137)"
    B ping -6 -c 1 -W 1 fdaa::3 >/dev/null || true
    cap_wait ndp_redirect 1 3
    cap_stop
else
    echo "this kernel has no macvlan: ndp_redirect.pcap not written" >&2
fi
