#!/usr/bin/env bash
# Golden DHCPv4 messages (RFC 2131, RFC 2132). The server is dnsmasq in ns B on veth-b
# (192.168.69.100, authoritative, pool .50-.60, 120 s leases, T1 20 s / T2 40 s, router,
# two DNS servers, domain name, MTU 1400; 02:00:00:00:00:01 is pinned to 192.168.69.50 so
# the captures do not depend on dnsmasq's address hash). The client side is ns A, whose
# veth-a has no IPv4 address. Captured on veth-a.
#
#   dhcpv4_dora.pcap  busybox udhcpc (package udhcpc) as the client, asking for the MTU too:
#                     DISCOVER (broadcast), OFFER, REQUEST (broadcast), ACK; then SIGUSR1
#                     makes udhcpc renew (REQUEST unicast to the server, ciaddr set) and the
#                     ACK; then SIGUSR2 makes it release (RELEASE unicast). A hook script
#                     applies the lease to veth-a, so the kernel sends the unicast ones
#                     (and may ARP for the server first: only UDP is captured). dnsmasq's
#                     OFFER/ACKs carry server id, lease time, T1, T2, netmask, broadcast,
#                     router, DNS, domain name and MTU.
#   dhcpv4_nak.pcap   scapy in ns A sends the REQUEST of an INIT-REBOOT client (RFC 2131
#                     §4.3.2: requested address 10.9.9.9, no server id, broadcast); dnsmasq,
#                     authoritative, answers the real DHCPNAK with its message "wrong network".
#
# Regenerating changes the transaction ids, so tests/unit/test_wire_dhcpv4.c and
# tests/data/decoded/dhcpv4_*.txt change with them.
. "$(dirname "$0")/lib.sh"

command -v udhcpc >/dev/null || { echo "missing udhcpc (apt-get install udhcpc)" >&2; exit 1; }
command -v dnsmasq >/dev/null || { echo "missing dnsmasq (apt-get install dnsmasq-base)" >&2; exit 1; }

cap_setup
A ip addr flush dev veth-a

TMP=$(mktemp -d /tmp/tapir-cap-dhcp-XXXX)
DNSMASQ_PID=
UDHCPC_PID=
dhcp_cleanup() {
    [ -n "$UDHCPC_PID" ] && kill "$UDHCPC_PID" 2>/dev/null || true
    [ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null || true
    cap_cleanup
    rm -rf "$TMP"
}
trap dhcp_cleanup EXIT

ip netns exec "$NSB" dnsmasq --keep-in-foreground --no-daemon --port=0 --no-resolv \
    --no-hosts --bind-interfaces --interface=veth-b --no-ping --dhcp-authoritative \
    --dhcp-range=192.168.69.50,192.168.69.60,255.255.255.0,120s \
    --dhcp-host=02:00:00:00:00:01,192.168.69.50 \
    --dhcp-option=option:router,192.168.69.100 \
    --dhcp-option=option:dns-server,192.168.69.100,192.168.69.101 \
    --dhcp-option=option:domain-name,tapir.test --dhcp-option=option:mtu,1400 \
    --dhcp-option=option:T1,20 --dhcp-option=option:T2,40 \
    --dhcp-leasefile="$TMP/leases" --pid-file="$TMP/dnsmasq.pid" 2>"$TMP/dnsmasq.log" &
DNSMASQ_PID=$!
sleep 0.5

# wait_for PATTERN FILE: until FILE holds PATTERN (5 s at most).
wait_for() {
    local i
    for i in $(seq 100); do
        grep -q "$1" "$2" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "timed out waiting for '$1' in $2" >&2
    cat "$2" >&2
    return 1
}

cap_start dhcpv4_dora udp port 67 or udp port 68
cat >"$TMP/script" <<'SCRIPT'
#!/bin/sh
# udhcpc's hook: apply the lease, so the renewal and the release go out unicast.
case "$1" in
    bound|renew) ip addr replace "$ip/$subnet" dev "$interface" ;;
    deconfig) ip addr flush dev "$interface" ;;
esac
SCRIPT
chmod +x "$TMP/script"
ip netns exec "$NSA" udhcpc -f -i veth-a -s "$TMP/script" -O mtu -t 3 -T 1 >"$TMP/udhcpc.log" 2>&1 &
UDHCPC_PID=$!
wait_for "lease of 192.168.69.50 obtained" "$TMP/udhcpc.log"
kill -USR1 "$UDHCPC_PID"
wait_for "DHCPACK.*\$" "$TMP/dnsmasq.log"
for i in $(seq 100); do
    [ "$(grep -c 'DHCPACK' "$TMP/dnsmasq.log")" -ge 2 ] && break
    sleep 0.05
done
sleep 0.3
kill -USR2 "$UDHCPC_PID"
wait_for "DHCPRELEASE" "$TMP/dnsmasq.log"
kill "$UDHCPC_PID"
wait "$UDHCPC_PID" || true
UDHCPC_PID=
cap_stop

cap_start dhcpv4_nak udp port 67 or udp port 68
ip netns exec "$NSA" timeout 10 /usr/bin/python3 - <<'PYEOF'
from scapy.all import Ether, IP, UDP, BOOTP, DHCP, sendp, conf
conf.verb = 0
mac = "02:00:00:00:00:01"
p = (Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
     IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67) /
     BOOTP(op=1, xid=0x7a9e1c05, flags=0x8000, chaddr=bytes.fromhex("020000000001") + bytes(10)) /
     DHCP(options=[("message-type", "request"), ("requested_addr", "10.9.9.9"),
                   ("param_req_list", [1, 3, 6]), "end"]))
sendp(p, iface="veth-a")
PYEOF
wait_for "DHCPNAK" "$TMP/dnsmasq.log"
cap_stop
cat "$TMP/dnsmasq.log"
