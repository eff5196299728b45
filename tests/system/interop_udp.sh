#!/usr/bin/env bash
# UDP between the Linux kernel and tapir over a TAP in a private network namespace:
# kernel sockets send 10,000 datagrams (scaled by TAPIR_TEST_SCALE) of sizes from 1 to
# the largest of each IP version (65507 / 65527 bytes, fragmented both ways) to
# tapir-host --udp-echo and check every echo byte for byte; broadcasts to the echo;
# tapir-udp sends to a kernel echo server and checks what comes back, receives and
# verifies what the kernel sends, and reports the ICMP port unreachable of a closed
# kernel port (exit 1, naming it).
. "$(dirname "$0")/lib.sh"
enter_namespace "$@"
setup_tap tap0
OUT=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$OUT"' EXIT
SCALE=${TAPIR_TEST_SCALE:-1}
COUNT=$(awk -v s="$SCALE" 'BEGIN { n = int(10000 * s); print n < 200 ? 200 : n }')

# The kernel's client: COUNT datagrams over both versions (alternating), a few in flight
# at once, each checked against what was sent. Sizes: the edges of each version (1, the
# largest unfragmented, one more, the largest) and then small, medium and large ones
# spread over every range.
cat >"$OUT/client.py" <<'PY'
import random, socket, sys, time
count = int(sys.argv[1])
WINDOW = 4
targets = {4: (socket.AF_INET, "192.168.69.1", [1, 2, 3, 4, 1472, 1473, 2953, 65506, 65507], 65507),
           6: (socket.AF_INET6, "fdaa::1", [1, 4, 1452, 1453, 2905, 65526, 65527], 65527)}
rng = random.Random(7)
def sizes(v, n):
    edges, top = targets[v][2], targets[v][3]
    out = list(edges)
    while len(out) < n:
        r = rng.random()
        if r < 0.6:
            out.append(rng.randint(1, 1500))
        elif r < 0.9:
            out.append(rng.randint(1501, 9000))
        else:
            out.append(rng.randint(9001, top))
    return out[:n]
def payload(seq, n):
    head = seq.to_bytes(4, "big")
    body = bytes(((i + seq) % 251) for i in range(256)) * (n // 256 + 1)
    return (head + body[4:n])[:n] if n >= 4 else body[:n]
socks, plan = {}, []
for v in (4, 6):
    fam, addr = targets[v][0], targets[v][1]
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
    s.setsockopt(socket.SOL_SOCKET, 32, 8 << 20)  # SO_SNDBUFFORCE
    s.connect((addr, 7))
    s.settimeout(5)
    socks[v] = s
half = count // 2
sz = {4: sizes(4, count - half), 6: sizes(6, half)}
total = {4: 0, 6: 0}
bytes_total = 0
start = time.time()
for v in (4, 6):
    s, seqs = socks[v], sz[v]
    pending = {}
    nxt = 0
    done = 0
    while done < len(seqs):
        while nxt < len(seqs) and len(pending) < WINDOW:
            d = payload(nxt, seqs[nxt])
            s.send(d)
            pending[(seqs[nxt], d[:4])] = d
            nxt += 1
        try:
            r = s.recv(70000)
        except socket.timeout:
            sys.exit(f"IPv{v}: no echo for {len(pending)} datagrams (sizes {[k[0] for k in pending]}) after {done}")
        key = (len(r), r[:4])
        d = pending.pop(key, None)
        if d is None:
            # tiny datagrams (< 4 bytes) share keys; match by content
            sys.exit(f"IPv{v}: unexpected echo of {len(r)} bytes")
        if r != d:
            sys.exit(f"IPv{v}: echo of {len(d)} bytes differs")
        done += 1
        total[v] += 1
        bytes_total += len(r)
print(f"echoed {total[4]} IPv4 and {total[6]} IPv6 datagrams, {bytes_total} bytes each way, "
      f"largest {max(sz[4])} / {max(sz[6])}, {time.time() - start:.1f} s")
PY

start_tapir "$OUT/host.log" "$BIN/tapir-host" --tap tap0 --udp-echo 7
check "kernel -> tapir-host --udp-echo -> kernel, $COUNT datagrams, byte-exact" \
    timeout 120 /usr/bin/python3 "$OUT/client.py" "$COUNT"

# Broadcasts to the echo (limited and directed): answered by unicast from 192.168.69.1.
check "broadcasts to the echo are answered" timeout 20 /usr/bin/python3 - <<'PY'
import socket, sys
for dst in ("255.255.255.255", "192.168.69.255"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"tap0")
    s.settimeout(3)
    s.sendto(b"who is there?", (dst, 7))
    try:
        data, src = s.recvfrom(100)
    except socket.timeout:
        sys.exit(f"{dst}: no answer")
    if data != b"who is there?" or src[0] != "192.168.69.1":
        sys.exit(f"{dst}: answer {data!r} from {src}")
PY
stop_tapir
check "tapir-host exits 0 on SIGINT" test $? = 0
check "the echo counted every datagram" \
    test "$(counter "$OUT/host.log" udp_echo_datagrams_out)" = $((COUNT + 2))
check "tapir reassembled the fragmented ones" test "$(counter "$OUT/host.log" reassembled)" -ge 20
check "no UDP datagram dropped" bash -c "! grep -E '^(drop_udp_malformed|udp_echo_rx_dropped_full [1-9])' '$OUT/host.log'"

# The same at the IPv6 minimum MTU on both sides (1280: 1232-byte fragments), fewer.
ip link set tap0 mtu 1280
start_tapir "$OUT/host1280.log" "$BIN/tapir-host" --tap tap0 --mtu 1280 --udp-echo 7 \
    --pcap "$OUT/mtu.pcap"
COUNT1280=$(awk -v c="$COUNT" 'BEGIN { n = int(c / 10); print n < 100 ? 100 : n }')
check "the echo at MTU 1280, $COUNT1280 datagrams, byte-exact" \
    timeout 60 /usr/bin/python3 "$OUT/client.py" "$COUNT1280"
stop_tapir
check "the echo at MTU 1280 counted every datagram" \
    test "$(counter "$OUT/host1280.log" udp_echo_datagrams_out)" = "$COUNT1280"
# Every frame tapir sent fits the MTU: 1280 bytes of IP in a 1294-byte Ethernet frame.
largest=$(tcpdump -nr "$OUT/mtu.pcap" -e 'ether src 02:00:00:00:00:01' 2>/dev/null |
    sed -n 's/.*, length \([0-9]*\): .*/\1/p' | sort -n | tail -1)
check "tapir's largest frame at MTU 1280 is 1294 bytes (got $largest)" test "$largest" = 1294
ip link set tap0 mtu 1500

# A broadcast from tapir reaches a kernel socket on the link.
bcast_test() {
    timeout 10 /usr/bin/python3 - <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"tap0")
s.bind(("0.0.0.0", 6767))
s.settimeout(8)
data, src = s.recvfrom(100)
sys.exit(0 if data == b"to everyone" and src[0] == "192.168.69.1" else f"got {data!r} from {src}")
PY
    local pid=$!
    sleep 0.3
    timeout 10 "$BIN/tapir-udp" --tap tap0 --broadcast --wait 0.2 send 255.255.255.255 6767 \
        <<<"to everyone" >/dev/null 2>&1
    wait $pid
}
check "tapir-udp --broadcast to 255.255.255.255 reaches the kernel" bcast_test

# A kernel echo server for tapir-udp, on both versions.
cat >"$OUT/echo.py" <<'PY'
import selectors, socket
sel = selectors.DefaultSelector()
for fam, addr in ((socket.AF_INET, "192.168.69.100"), (socket.AF_INET6, "fdaa::100")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)
    s.bind((addr, 7007))
    sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        data, src = key.fileobj.recvfrom(70000)
        key.fileobj.sendto(data, src)
PY
/usr/bin/python3 "$OUT/echo.py" &
PIDS="$PIDS $!"
sleep 0.3
N=$(awk -v s="$SCALE" 'BEGIN { n = int(400 * s); print n < 50 ? 50 : n }')
tapir_udp() {
    local want=$1
    shift
    timeout 60 "$BIN/tapir-udp" --tap tap0 "$@" >"$OUT/udp.out" 2>"$OUT/udp.err"
    local rc=$?
    grep -q -- "$want" "$OUT/udp.out" "$OUT/udp.err" && [ $rc = "${WANT_RC:-0}" ] ||
        { echo "exit $rc:" >&2; cat "$OUT/udp.out" "$OUT/udp.err" >&2; return 1; }
}
check "tapir-udp send --echo IPv4, $N datagrams of 1..65507" \
    tapir_udp "$N echoed, 0 bad" send --echo --count "$N" --sizes 1..65507 192.168.69.100 7007
check "tapir-udp send --echo IPv6, $N datagrams of 1..65527" \
    tapir_udp "$N echoed, 0 bad" send --echo --count "$N" --sizes 1..65527 fdaa::100 7007
check "tapir-udp send --echo from stdin" \
    tapir_udp "3 echoed" send --echo 192.168.69.100 7007 <<<$'one\ntwo\nthree'

# The ICMP port unreachable of a closed kernel port ends tapir-udp with status 1.
WANT_RC=1 check "tapir-udp to a closed IPv4 port: port unreachable" \
    tapir_udp "port unreachable from 192.168.69.100" send 192.168.69.100 9 <<<"anyone?"
WANT_RC=1 check "tapir-udp to a closed IPv6 port: port unreachable" \
    tapir_udp "port unreachable from fdaa::100" send fdaa::100 9 <<<"anyone?"

# tapir-udp recv verifies patterned datagrams the kernel sends, fragmented ones too.
recv_test() {
    local addr=$1
    "$BIN/tapir-udp" --tap tap0 --count 50 --verify recv 5005 >"$OUT/recv.out" 2>"$OUT/recv.err" &
    local pid=$!
    PIDS="$PIDS $pid"
    for _ in $(seq 100); do grep -q '^ready$' "$OUT/recv.err" && break; sleep 0.05; done
    timeout 30 /usr/bin/python3 - "$addr" <<'PY'
import socket, sys, time
addr = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
for k in range(50):
    n = 1 + k * 1336
    body = bytes(((i + k) % 251) for i in range(n))
    d = (k.to_bytes(4, "big") + body[4:]) if n >= 4 else body
    s.sendto(d, (addr, 5005))
    time.sleep(0.005)
PY
    timeout 20 tail --pid=$pid -f /dev/null || kill "$pid"
    wait $pid
    local rc=$?
    grep -q 'received 50 datagrams, 0 bad' "$OUT/recv.out" && [ $rc = 0 ] ||
        { echo "exit $rc:" >&2; cat "$OUT/recv.out" "$OUT/recv.err" >&2; return 1; }
}
check "tapir-udp recv --verify, IPv4" recv_test 192.168.69.1
check "tapir-udp recv --verify, IPv6" recv_test fdaa::1
finish
