#!/usr/bin/env bash
# tapir on the other devices, against the kernel in a private network namespace: a TUN
# (bare IP packets, no ARP/NDP), an AF_PACKET raw socket on one end of a veth pair, and a
# TAP with the fault injector (losses counted by tapir match what ping saw).
. "$(dirname "$0")/lib.sh"
enter_namespace "$@"
ip link set lo up
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# --- TUN: the kernel routes 192.168.69.0/24 and fdaa::/64 into tun0.
ip tuntap add dev tun0 mode tun
ip link set tun0 up
ip addr add 192.168.69.100/24 dev tun0
ip -6 addr add fdaa::100/64 dev tun0 nodad
start_tapir "$OUT/tun.log" "$BIN/tapir-host" --tun tun0 --pcap "$OUT/tun.pcap"
check "TUN: kernel pings tapir (IPv4)" bash -c "ping -c 3 -i 0.05 -W 1 192.168.69.1 | grep -q ' 3 received'"
check "TUN: kernel pings tapir (IPv6)" bash -c "ping -6 -c 3 -i 0.05 -W 1 fdaa::1 | grep -q ' 3 received'"
check "TUN: fragmented ping" bash -c "ping -c 1 -W 1 -s 5000 192.168.69.1 | grep -q ' 1 received'"
stop_tapir
check "TUN: no ARP on a TUN" test "$(counter "$OUT/tun.log" arp_replies_sent)" = 0
check "TUN: the pcap is raw IP" bash -c "tcpdump -r '$OUT/tun.pcap' 2>&1 | head -1 | grep -q 'link-type RAW'"
ip link del tun0

# --- AF_PACKET on veth-t; the kernel's address is on its peer veth-k.
ip link add veth-t type veth peer name veth-k
ip link set veth-t up
ip link set veth-k up
ip addr add 192.168.69.100/24 dev veth-k
ip -6 addr add fdaa::100/64 dev veth-k nodad
start_tapir "$OUT/raw.log" "$BIN/tapir-host" --raw veth-t
check "raw: kernel pings tapir (IPv4)" bash -c "ping -c 3 -i 0.05 -W 1 192.168.69.1 | grep -q ' 3 received'"
check "raw: kernel pings tapir (IPv6)" bash -c "ping -6 -c 3 -i 0.05 -W 1 fdaa::1 | grep -q ' 3 received'"
stop_tapir
check "raw: tapir answered ARP" test "$(counter "$OUT/raw.log" arp_replies_sent)" -ge 1
ip link del veth-t

# --- TAP with 20 % loss each way on tapir's side: every ping lost is one the fault
# injector dropped (request on rx, or reply on tx).
setup_tap tap0
start_tapir "$OUT/fault.log" "$BIN/tapir-host" --tap tap0 --drop 20 --seed 3
ping -c 200 -i 0.01 -W 0.2 192.168.69.1 >"$OUT/ping.txt" 2>&1
stop_tapir
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$OUT/ping.txt")
dropped=$(($(counter "$OUT/fault.log" fault_rx_dropped) + $(counter "$OUT/fault.log" fault_tx_dropped)))
# ARP frames may be dropped too; the ping losses are the echo frames among them.
check "fault: losses happened ($dropped dropped)" test "$dropped" -gt 10
check "fault: ping received $received of 200, tapir echoed $(counter "$OUT/fault.log" echo_replies_sent)" \
    test "$received" -le "$(counter "$OUT/fault.log" echo_replies_sent)"
check "fault: exits 2 on a bad --drop" bash -c "'$BIN/tapir-host' --drop 120 >/dev/null 2>&1; [ \$? = 2 ]"
finish
