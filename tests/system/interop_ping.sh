#!/usr/bin/env bash
# The Linux kernel and tapir ping each other over a TAP in a private network namespace:
# every size from 0 to the MTU and fragmented sizes, both IP versions, replies checked
# byte for byte by iputils ping; tapir-ping to the kernel; arping; the pcap file; no
# answer for an address tapir does not own; ICMP port unreachable seen by a kernel socket.
. "$(dirname "$0")/lib.sh"
enter_namespace "$@"
setup_tap tap0
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

start_tapir "$OUT/host.log" "$BIN/tapir-host" --tap tap0 --pcap "$OUT/host.pcap"

# ping_sizes V FROM TO: one ping per size; iputils compares every reply byte with what it
# sent and says "wrong data byte" when one differs.
ping_sizes() {
    local v=$1 from=$2 to=$3 dst bad=0 s
    dst=$([ "$v" = 6 ] && echo fdaa::1 || echo 192.168.69.1)
    for s in $(seq "$from" "$to"); do
        if ! out=$(ping -"$v" -c 1 -W 1 -s "$s" "$dst" 2>&1) ||
            ! grep -q ' 1 received' <<<"$out" || grep -q 'wrong data' <<<"$out"; then
            echo "ping -$v -s $s failed: $out" >&2
            bad=$((bad + 1))
            [ $bad -gt 5 ] && break
        fi
    done
    [ $bad = 0 ]
}

check "IPv4 ping, every size 0..1472" ping_sizes 4 0 1472
check "IPv4 ping, 8000 bytes (fragmented both ways)" ping_sizes 4 8000 8000
check "IPv4 ping -i 0.01 -c 50" bash -c "ping -c 50 -i 0.01 -W 1 192.168.69.1 | grep -q ' 50 received'"
check "IPv6 ping, every size 0..1452" ping_sizes 6 0 1452
check "IPv6 ping, 3000 bytes (fragmented both ways)" ping_sizes 6 3000 3000
check "arping gets tapir's MAC" bash -c "arping -c 1 -w 2 -I tap0 192.168.69.1 | grep -qi '02:00:00:00:00:01'"
check "no reply for an address tapir does not own" bash -c "! ping -c 1 -W 1 192.168.69.2 >/dev/null"

# A kernel UDP socket sending to a port nobody listens on gets ECONNREFUSED, from
# tapir's ICMP port unreachable.
check "UDP to a closed port: ECONNREFUSED" /usr/bin/python3 - <<'PY'
import socket, sys
for family, addr in ((socket.AF_INET, "192.168.69.1"), (socket.AF_INET6, "fdaa::1")):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((addr, 9))
    s.send(b"anyone?")
    try:
        s.recv(100)
        sys.exit(f"{addr}: got data")
    except ConnectionRefusedError:
        pass
    except socket.timeout:
        sys.exit(f"{addr}: no ICMP port unreachable")
PY

stop_tapir
check "tapir-host exits 0 on SIGINT" test $? = 0
frames=$(counter "$OUT/host.log" pcap_frames)
rx=$(counter "$OUT/host.log" rx_frames)
tx=$(counter "$OUT/host.log" tx_frames)
check "pcap holds every frame in and out ($rx + $tx)" test "$frames" = $((rx + tx))
check "tcpdump reads the pcap: $frames packets" \
    bash -c "[ \"\$(tcpdump -nr '$OUT/host.pcap' 2>/dev/null | wc -l)\" = '$frames' ]"
check "tapir reassembled fragments" test "$(counter "$OUT/host.log" reassembled)" -ge 2

# tapir-ping to the kernel, both versions, fragmented too.
# The first request waits for ARP; an interval longer than a slow (sanitizer) resolution
# keeps the second from replacing it in the one-packet neighbour queue.
tapir_ping() {
    local want=$1
    shift
    "$BIN/tapir-ping" --tap tap0 "$@" >"$OUT/ping.out" 2>"$OUT/ping.err"
    grep -q "$want" "$OUT/ping.out" || { cat "$OUT/ping.out" "$OUT/ping.err" >&2; return 1; }
}
check "tapir-ping 192.168.69.100" \
    tapir_ping '3 packets transmitted, 3 received, 0% packet loss' -c 3 -i 0.2 192.168.69.100
check "tapir-ping -s 4000 192.168.69.100" tapir_ping ' 2 received' -c 2 -i 0.2 -s 4000 192.168.69.100
check "tapir-ping -6 fdaa::100" \
    tapir_ping '3 packets transmitted, 3 received, 0% packet loss' -c 3 -i 0.2 fdaa::100
check "tapir-ping -6 -s 3000 fdaa::100" tapir_ping ' 1 received' -c 1 -s 3000 fdaa::100
check "tapir-ping -6 fe80::100 (link-local)" tapir_ping ' 1 received' -c 1 fe80::100
check "tapir-ping exits 1 when nothing answers" bash -c \
    "'$BIN/tapir-ping' --tap tap0 -c 1 -W 1 192.168.69.77 >/dev/null 2>&1; [ \$? = 1 ]"
# Without privilege the apps exit 2 and say what is missing and the ways to get it.
no_privilege() {
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
        "$BIN/tapir-host" --tap tap0 --duration 1 >/dev/null 2>"$OUT/nopriv.err"
    local rc=$?
    [ $rc = 2 ] && grep -q 'tapir-tap' "$OUT/nopriv.err" && grep -q 'namespace' "$OUT/nopriv.err" ||
        { echo "exit $rc:" >&2; cat "$OUT/nopriv.err" >&2; return 1; }
}
check "tapir-host without privilege: exit 2, names the ways in" no_privilege
check "tapir-ping exits 2 on a usage error" bash -c \
    "'$BIN/tapir-ping' --tap tap0 -c x 192.168.69.100 >/dev/null 2>&1; [ \$? = 2 ]"
finish
