#!/usr/bin/env bash
# Golden Ethernet and ARP frames from Linux: an ARP request and reply (iputils arping and
# the kernel's answer), a gratuitous ARP, and an 802.1Q-tagged frame.
. "$(dirname "$0")/lib.sh"
cap_setup

cap_start arp arp
B arping -c 1 -w 2 -I veth-b 192.168.69.1 >/dev/null
B arping -c 1 -U -I veth-b 192.168.69.100 >/dev/null || true
cap_stop

# The tagged frame: where the kernel has 8021q, a VLAN interface sends it; where it does
# not (this project's CI kernel has no VLAN or dummy links), scapy writes the same frame
# (VLAN 5, priority 3, an ICMP echo) onto veth-b. Either way Linux captures it on veth-a.
cap_start vlan vlan
if B ip link add link veth-b name veth-b.5 type vlan id 5 egress-qos-map 0:3 2>/dev/null; then
    B ip addr add 192.168.70.100/24 dev veth-b.5
    B ip link set veth-b.5 up
    B ip neigh add 192.168.70.1 lladdr 02:00:00:00:00:01 dev veth-b.5
    B ping -c 1 -W 1 192.168.70.1 >/dev/null || true
else
    B /usr/bin/python3 - <<'PY'
from scapy.all import Ether, Dot1Q, IP, ICMP, Raw, sendp
frame = (Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") /
         Dot1Q(prio=3, vlan=5) /
         IP(src="192.168.70.100", dst="192.168.70.1", id=0x1234, flags="DF") /
         ICMP(id=7, seq=1) / Raw(bytes(range(56))))
sendp(frame, iface="veth-b", verbose=False)
PY
fi
cap_stop
