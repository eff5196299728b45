#!/usr/bin/env bash
# Multicast membership between tapir and the Linux kernel over a TAP in a private network
# namespace. tcpdump on the kernel's side of tap0 sees what tapir-host --join sends:
# IGMPv3 and MLDv2 reports, each twice (robustness 2), with TTL/hop limit 1 and the Router
# Alert; a general query crafted with scapy (Linux is no querier) is answered with the
# current state; an IGMPv2 query turns tapir's answers into IGMPv2 reports. The kernel's
# UDP datagrams to the groups reach tapir only when it has joined them: tapir-host has no
# UDP socket on the port, so an accepted datagram counts as drop_no_socket and a refused
# one as drop_multicast_not_joined (the counters tapir-host prints on exit). ICMP echo to
# a group is not used: tapir, like Linux (icmp_echo_ignore_broadcasts), does not answer
# it. Then tapir-mcast GROUP PORT (IPv4 and IPv6) prints exactly the datagrams sent to
# its group and port, none for another group or port, and leaves the group on exit.
. "$(dirname "$0")/lib.sh"
enter_namespace "$@"
setup_tap tap0
OUT=$(mktemp -d)
DUMP_PID=
cleanup() {
    [ -n "$DUMP_PID" ] && kill "$DUMP_PID" 2>/dev/null
    [ -n "${TAPIR_PID:-}" ] && kill "$TAPIR_PID" 2>/dev/null
    rm -rf "$OUT"
}
trap cleanup EXIT
PY=/usr/bin/python3
# The kernel's own reports (it joins groups on tap0 too) are not what we look at.
FILTER='ether src 02:00:00:00:00:01 and (igmp or (ip6[6] == 0 and ip6[40] == 58))'

# dump_start NAME: tcpdump on tap0 into $OUT/NAME.pcap, back once it listens.
dump_start() {
    tcpdump -Z root -i tap0 -s 0 -U --immediate-mode -w "$OUT/$1.pcap" "$FILTER" \
        2>"$OUT/$1.tcpdump" &
    DUMP_PID=$!
    local i
    for i in $(seq 100); do
        grep -q "listening on" "$OUT/$1.tcpdump" && return 0
        sleep 0.05
    done
}
dump_stop() {
    sleep 0.2
    kill -TERM "$DUMP_PID"
    wait "$DUMP_PID" 2>/dev/null
    DUMP_PID=
}
# lines NAME: the capture as tcpdump -v prints it, one packet a line (IPv4 headers wrap).
lines() {
    tcpdump -nv -r "$OUT/$1.pcap" 2>/dev/null |
        awk '/^[ \t]/ { line = line " " $0; next } { if (line != "") print line; line = $0 }
             END { if (line != "") print line }'
}
# wait_count NAME PATTERN N SECONDS: until N captured packets match PATTERN (bounded).
wait_count() {
    local i
    for i in $(seq $(($4 * 10))); do
        [ "$(lines "$1" | grep -c -- "$2")" -ge "$3" ] && return 0
        sleep 0.1
    done
    return 1
}
count() {
    lines "$1" | grep -c -- "$2"
}

# send_udp N: N datagrams from the kernel to 239.1.2.3:5000 and to ff15::1234:5000, out of
# tap0 with TTL/hop limit 1.
send_udp() {
    $PY - "$1" <<'PY'
import socket, struct, sys
n = int(sys.argv[1])
idx = socket.if_nametoindex("tap0")
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s4.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("192.168.69.100"))
s4.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
for i in range(n):
    s4.sendto(b"to the group %d" % i, ("239.1.2.3", 5000))
    s6.sendto(b"to the group %d" % i, ("ff15::1234", 5000, 0, idx))
PY
}

# --- without --join: nothing reported, the datagrams refused ---------------------------
dump_start nojoin
start_tapir "$OUT/nojoin.log" "$BIN/tapir-host" --tap tap0
sleep 1.5
send_udp 5
sleep 0.5
stop_tapir
dump_stop
check "no --join: tapir sends no IGMP/MLD report" test "$(count nojoin 'igmp\|multicast listener')" = 0
check "no --join: the 10 datagrams are not delivered (drop_no_socket 0)" \
    test "$(counter "$OUT/nojoin.log" drop_no_socket)" = 0
check "no --join: they count as drop_multicast_not_joined" \
    test "$(counter "$OUT/nojoin.log" drop_multicast_not_joined)" -ge 10

# --- --join: the reports on the wire ----------------------------------------------------
dump_start join
# --no-slaac: the link-local address is usable at once, so every MLD report comes from it
# (during duplicate address detection they would come from ::, RFC 3810 §5.2.13).
start_tapir "$OUT/join.log" "$BIN/tapir-host" --tap tap0 --no-slaac --join 239.1.2.3 \
    --join ff15::1234
check "IGMPv3 report (to_ex 239.1.2.3) seen twice within 3 s" \
    wait_count join 'igmp v3 report, 1 group record(s) \[gaddr 239.1.2.3 to_ex, 0 source(s)\]' 2 3
check "MLDv2 report (to_ex ff15::1234) seen twice within 3 s" \
    wait_count join 'multicast listener report v2, 1 group record(s) \[gaddr ff15::1234 to_ex, 0 source(s)\]' 2 3
check "IGMP reports: TTL 1, Router Alert, to 224.0.0.22" \
    test "$(count join 'ttl 1, .*options (RA)).* > 224.0.0.22: igmp v3 report')" = 2
check "MLD reports: hop limit 1, Router Alert, from fe80::ff:fe00:1 to ff02::16" \
    test "$(count join 'hlim 1, .*fe80::ff:fe00:1 > ff02::16: HBH (rtalert: 0x0000)')" = 2

# --- the kernel's datagrams now reach tapir ------------------------------------------------
send_udp 5

# --- a general query (scapy on the kernel's side) is answered with the current state ----
query() {
    $PY - "$1" "$(ip -br link show tap0 | awk '{ print $3 }')" <<'PY'
import sys
from scapy.all import Ether, IP, IPOption_Router_Alert, IPv6, IPv6ExtHdrHopByHop, RouterAlert, sendp
from scapy.contrib.igmp import IGMP
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mq
from scapy.layers.inet6 import ICMPv6MLQuery2
kind = sys.argv[1]
src = sys.argv[2]
if kind == "mld":
    pkt = (Ether(src=src, dst="33:33:00:00:00:01")
           / IPv6(src="fe80::100", dst="ff02::1", hlim=1)
           / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
           / ICMPv6MLQuery2(mrd=1000, mladdr="::", QRV=2, QQIC=125))
else:
    ip = IP(src="192.168.69.100", dst="224.0.0.1", ttl=1, options=[IPOption_Router_Alert()])
    if kind == "v3":
        msg = IGMPv3(type=0x11, mrcode=10) / IGMPv3mq(gaddr="0.0.0.0", qrv=2, qqic=125)
    else:
        msg = IGMP(type=0x11, mrcode=10, gaddr="0.0.0.0")
    pkt = Ether(src=src, dst="01:00:5e:00:00:01") / ip / msg
sendp(pkt, iface="tap0", verbose=False)
PY
}
query v3
check "IGMPv3 general query answered (is_ex 239.1.2.3) within 1 s" \
    wait_count join 'igmp v3 report, 1 group record(s) \[gaddr 239.1.2.3 is_ex, 0 source(s)\]' 1 2
query mld
check "MLDv2 general query answered (is_ex ff15::1234 and the solicited-node group)" \
    wait_count join 'multicast listener report v2, 2 group record(s) \[gaddr ff15::1234 is_ex, 0 source(s)\] \[gaddr ff02::1:ff00:1 is_ex, 0 source(s)\]' 1 2
query v2
check "IGMPv2 query answered with an IGMPv2 report to 239.1.2.3" \
    wait_count join '> 239.1.2.3: igmp v2 report 239.1.2.3' 1 2

stop_tapir
check "tapir-host exits 0 on SIGINT" test $? = 0
dump_stop
check "--join: the 10 datagrams are accepted (drop_no_socket 10)" \
    test "$(counter "$OUT/join.log" drop_no_socket)" = 10
check "--join: tapir counts every report it sent" \
    test "$(counter "$OUT/join.log" mcast_reports_sent)" = "$(count join 'igmp\|multicast listener')"
if [ "$FAILS" != 0 ]; then
    lines join >&2
    cat "$OUT/join.log" >&2
fi

# --- tapir-mcast: a UDP socket on the group gets that group's datagrams, only those -------
# send_to GROUP PORT N: N datagrams "to GROUP k" from the kernel out of tap0.
send_to() {
    $PY - "$@" <<'PY'
import socket, sys
group, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
idx = socket.if_nametoindex("tap0")
if ":" in group:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    dst = (group, port, 0, idx)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("192.168.69.100"))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    dst = (group, port)
for k in range(n):
    s.sendto(b"to %s %d" % (group.encode(), k), dst)
PY
}
# mcast_app NAME GROUP OTHER_GROUP: tapir-mcast GROUP 5000 --count 3 while the kernel sends
# 2 datagrams to OTHER_GROUP:5000, 2 to GROUP:5001 and 3 to GROUP:5000.
mcast_app() {
    local name=$1 group=$2 other=$3 i
    dump_start "$name"
    "$BIN/tapir-mcast" --tap tap0 --no-slaac --count 3 "$group" 5000 >"$OUT/$name.out" \
        2>"$OUT/$name.err" &
    local pid=$!
    for i in $(seq 100); do
        grep -q "^joined $group" "$OUT/$name.out" 2>/dev/null && break
        sleep 0.05
    done
    check "tapir-mcast $group: its join report is on the wire" \
        wait_count "$name" 'report' 1 5
    send_to "$other" 5000 2
    send_to "$group" 5001 2
    send_to "$group" 5000 3
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill "$pid" 2>/dev/null
    wait "$pid"
    check "tapir-mcast $group: exits 0 after --count 3" test $? = 0
    dump_stop
    check "tapir-mcast $group: exactly the group's 3 datagrams on port 5000, in order" \
        diff <(grep '^from' "$OUT/$name.out" | sed 's/ port [0-9]*:/:/') \
        <(for k in 0 1 2; do
            n=$(printf 'to %s %d' "$group" $k | wc -c)
            src=192.168.69.100
            case $group in *:*) src=fdaa::100 ;; esac
            echo "from $src: $n bytes: to $group $k"
        done)
    check "tapir-mcast $group: the leave went out on exit" wait_count "$name" "$4" 1 2
}
mcast_app app4 239.1.2.3 239.1.2.4 'gaddr 239.1.2.3 to_in'
mcast_app app6 ff15::1234 ff15::1235 'gaddr ff15::1234 to_in'

check "tapir-host --join rejects a unicast address (exit 2)" bash -c \
    "'$BIN/tapir-host' --tap tap0 --join 192.168.69.7 >/dev/null 2>&1; [ \$? = 2 ]"
finish
