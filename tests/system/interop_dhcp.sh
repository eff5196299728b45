#!/usr/bin/env bash
# tapir-dhcp against dnsmasq in a private network namespace. Three TAPs, three subnets,
# three clients at once (so the whole test takes about one renew/rebind cycle):
#   tap0 (192.168.69.0/24): a lease from the pool .50-.60 (120 s, T1 20 s, T2 40 s); the
#        renewal at T1 goes unicast and is answered; then an nftables rule in this
#        namespace drops unicast DHCP to the server (ip daddr 192.168.69.100 udp dport 67),
#        so the next renewal goes unanswered and the client rebinds by broadcast at T2,
#        which dnsmasq answers; the rule is removed and SIGINT releases the lease (a
#        unicast RELEASE). Then tapir-host --dhcp on the same TAP takes a lease the same
#        way and is never 192.168.69.1 (the static default). dnsmasq's lease file is checked
#        after each step (present with tapir's MAC, then gone after the RELEASE).
#   tap1 (192.168.70.0/24): the client starts in INIT-REBOOT asking for 10.9.9.9;
#        dnsmasq (authoritative) NAKs it ("wrong network") and the client then gets a lease
#        by DISCOVER.
#   tap2 (192.168.71.0/24): dnsmasq offers 192.168.71.55 (pinned with --dhcp-host) and the
#        kernel side also owns 192.168.71.55, so it answers tapir's ARP probe: tapir
#        DECLINEs, waits 10 s and gets another address.
. "$(dirname "$0")/lib.sh"
enter_namespace "$@"
command -v dnsmasq >/dev/null || { echo "SKIP: no dnsmasq (apt-get install dnsmasq-base)" >&2; exit 77; }
command -v nft >/dev/null || { echo "SKIP: no nft (apt-get install nftables)" >&2; exit 77; }

ip link set lo up
for i in 0 1 2; do
    ip tuntap add dev tap$i mode tap
    ip link set tap$i up
    ip addr add 192.168.$((69 + i)).100/24 dev tap$i
done
ip addr add 192.168.71.55/24 dev tap2

OUT=$(mktemp -d)
DNSMASQ_PID=
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null
    rm -rf "$OUT"
}
trap cleanup EXIT

dnsmasq --keep-in-foreground --no-daemon --port=0 --no-resolv --no-hosts \
    --bind-interfaces --interface=tap0 --interface=tap1 --interface=tap2 --except-interface=lo \
    --no-ping --dhcp-authoritative \
    --dhcp-range=192.168.69.50,192.168.69.60,255.255.255.0,120s \
    --dhcp-range=192.168.70.50,192.168.70.60,255.255.255.0,120s \
    --dhcp-range=192.168.71.50,192.168.71.60,255.255.255.0,120s \
    --dhcp-host=02:00:00:00:00:03,192.168.71.55 \
    --dhcp-option=tag:tap0,option:router,192.168.69.100 \
    --dhcp-option=tag:tap0,option:mtu,1400 \
    --dhcp-option=option:dns-server,0.0.0.0 \
    --dhcp-option=option:T1,20 --dhcp-option=option:T2,40 \
    --dhcp-leasefile="$OUT/leases" --log-dhcp --log-facility="$OUT/dnsmasq.log" \
    --pid-file="$OUT/dnsmasq.pid" 2>"$OUT/dnsmasq.err" &
DNSMASQ_PID=$!
for i in $(seq 100); do grep -q "DHCP, sockets bound" "$OUT/dnsmasq.log" 2>/dev/null && break; sleep 0.05; done

# wait_line FILE PATTERN SECONDS: until FILE has a line matching PATTERN.
wait_line() {
    local i n=$(($3 * 10))
    for i in $(seq "$n"); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

start_client() { # NAME DURATION ARGS...
    local name=$1 dur=$2
    shift 2
    "$BIN/tapir-dhcp" --duration "$dur" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" &
    PIDS+=($!)
    eval "${name}_PID=$!"
}

start_client main 75 --tap tap0 --mac 02:00:00:00:00:01 --pcap "$OUT/main.pcap"
start_client nak 20 --tap tap1 --mac 02:00:00:00:00:02 --request 10.9.9.9
start_client decline 30 --tap tap2 --mac 02:00:00:00:00:03

# ---- tap0: lease, renew (unicast), rebind (broadcast), release ------------------------
check "tap0: lease obtained" wait_line "$OUT/main.out" '^lease 192\.168\.69\.(5[0-9]|60)/24 router 192\.168\.69\.100 dns 192\.168\.69\.100 lease-time 120$' 15
ADDR=$(sed -n 's/^lease \([0-9.]*\)\/.*/\1/p' "$OUT/main.out" | head -1)
check "tap0: dnsmasq's lease file holds it" wait_line "$OUT/leases" "02:00:00:00:00:01 ${ADDR:-none} " 5
check "tap0: the kernel pings the leased address" bash -c "ping -c 1 -W 2 '${ADDR:-192.168.69.1}' >/dev/null"
check "tap0: renewing at T1" wait_line "$OUT/main.out" '^renewing ' 25
check "tap0: renewed (unicast)" wait_line "$OUT/main.out" '^renewed ' 5
# From now on the server ignores unicast: the next renewal fails, the client rebinds.
nft -f - <<'NFT'
table inet tapir_dhcp_test {
    chain input {
        type filter hook input priority 0;
        iifname "tap0" ip daddr 192.168.69.100 udp dport 67 counter drop
    }
}
NFT
check "tap0: rebinding at T2" wait_line "$OUT/main.out" '^rebinding ' 45
check "tap0: renewed after rebinding" bash -c "wait_line() { for i in \$(seq 50); do [ \$(grep -c '^renewed ' '$OUT/main.out') -ge 2 ] && return 0; sleep 0.1; done; return 1; }; wait_line"
check "tap0: nftables dropped the unicast renewal" bash -c "nft list table inet tapir_dhcp_test | grep -q 'packets [1-9]'"
# Unicast reaches the server again, so the RELEASE (unicast) is heard.
nft delete table inet tapir_dhcp_test
kill -INT "$main_PID"
wait "$main_PID"
check "tap0: tapir-dhcp exits 0" test $? = 0
check "tap0: lost ... released" grep -q "^lost $ADDR released" "$OUT/main.out"
check "tap0: dnsmasq saw the RELEASE" wait_line "$OUT/dnsmasq.log" "DHCPRELEASE\(tap0\) $ADDR 02:00:00:00:00:01" 5
check "tap0: the lease file no longer holds it" bash -c "sleep 0.5; ! grep -q '02:00:00:00:00:01' '$OUT/leases'"
check "tap0: the pcap shows RENEW unicast and REBIND broadcast" bash -c "
    '$BIN/tapir-decode' '$OUT/main.pcap' > '$OUT/main.txt' &&
    grep -q '$ADDR.68 > 192.168.69.100.67: DHCP-REQUEST .* ciaddr $ADDR' '$OUT/main.txt' &&
    grep -q '$ADDR.68 > 255.255.255.255.67: DHCP-REQUEST .* ciaddr $ADDR' '$OUT/main.txt' &&
    grep -q 'DHCP-RELEASE' '$OUT/main.txt'"

# ---- tapir-host --dhcp on tap0: configured by the lease, never as 192.168.69.1 --------
"$BIN/tapir-host" --dhcp --tap tap0 --mac 02:00:00:00:00:04 --duration 12 \
    --pcap "$OUT/host.pcap" >"$OUT/host.out" 2>"$OUT/host.err" &
HOST_PID=$!
PIDS+=($HOST_PID)
check "tapir-host --dhcp: lease" wait_line "$OUT/host.out" '^lease 192\.168\.69\.' 10
HADDR=$(sed -n 's/^lease \([0-9.]*\)\/.*/\1/p' "$OUT/host.out" | head -1)
check "tapir-host --dhcp: answers ping on the leased address" bash -c "ping -c 1 -W 2 '${HADDR:-192.168.69.1}' >/dev/null"
check "tapir-host --dhcp: no 192.168.69.1" bash -c "! ping -c 1 -W 1 192.168.69.1 >/dev/null"
# The lease's MTU (option 26, 1400) is applied: a 1428-byte echo reply leaves in two
# fragments (the kernel's request, at its own 1500, in one piece).
check "tapir-host --dhcp: lease MTU 1400 reported" grep -q '^lease-details .* mtu 1400$' "$OUT/host.out"
check "tapir-host --dhcp: a 1400-byte ping is answered" \
    bash -c "ping -c 1 -W 2 -s 1400 '${HADDR:-192.168.69.1}' >/dev/null"
kill -INT "$HOST_PID"
wait "$HOST_PID"
check "tapir-host --dhcp: exits 0 and releases" bash -c "[ $? = 0 ] && grep -q '^lost ${HADDR:-none} released' '$OUT/host.out'"
check "tapir-host --dhcp: the reply went in fragments of at most 1400 bytes" bash -c "
    '$BIN/tapir-decode' '$OUT/host.pcap' | grep -c '^IP ${HADDR:-none} > 192.168.69.100: ICMP fragment' | grep -qx 2"
check "tapir-host --dhcp: never sent from 192.168.69.1" bash -c "
    '$BIN/tapir-decode' '$OUT/host.pcap' > '$OUT/host.txt' && ! grep -qE '^IP 192\.168\.69\.1[ .]|tell 192\.168\.69\.1,|192\.168\.69\.1 is-at' '$OUT/host.txt'"

# ---- tap1: NAK of an INIT-REBOOT request, then a lease ---------------------------------
check "tap1: NAK" wait_line "$OUT/nak.out" '^nak$' 5
check "tap1: dnsmasq NAKed 10.9.9.9" grep -q "DHCPNAK(tap1) 10.9.9.9 02:00:00:00:00:02 wrong network" "$OUT/dnsmasq.log"
check "tap1: then a lease" wait_line "$OUT/nak.out" '^lease 192\.168\.70\.' 15

# ---- tap2: the offered address is in use: DECLINE, then another ------------------------
check "tap2: declined 192.168.71.55" wait_line "$OUT/decline.out" '^declined 192\.168\.71\.55 ' 10
check "tap2: dnsmasq saw the DECLINE" grep -q "DHCPDECLINE(tap2) 192.168.71.55" "$OUT/dnsmasq.log"
check "tap2: another address after 10 s" wait_line "$OUT/decline.out" '^lease 192\.168\.71\.(5[0-46-9]|60)/' 20

for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
PIDS=()
if [ "$FAILS" != 0 ]; then
    for f in main nak decline; do echo "== $f.out"; cat "$OUT/$f.out"; echo "== $f.err"; tail -5 "$OUT/$f.err"; done
    echo "== dnsmasq.log"; grep -v "^$" "$OUT/dnsmasq.log" | grep -E "DHCP[A-Z]+\(" | head -60
fi
finish
