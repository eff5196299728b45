#!/usr/bin/env bash
# Offloads on a TAP (IFF_VNET_HDR + TUNSETOFFLOAD) against the Linux kernel in a private
# network namespace: tapir-host with --offload, kernel sockets moving 256 MiB (times
# TAPIR_TEST_SCALE) each way through the echo service and 256 MiB into discard and out of
# source, SHA-256 exact; IPv6 and a TUN too; curl over HTTP. The evidence that 64 KiB
# super-frames were used is tapir's own counters (no tcpdump, no ethtool): GSO frames sent
# and received, the segments they stood for, checksums the kernel left to us. Then the
# same TAP with --no-offload shows all those counters at zero.
. "$(dirname "$0")/lib.sh"
enter_namespace "$@"
setup_tap tap0
OUT=$(mktemp -d)
WWW=$OUT/www
trap 'kill "${TAPIR_PID:-}" 2>/dev/null; rm -rf "$OUT"' EXIT
SCALE=${TAPIR_TEST_SCALE:-1}
mkdir -p "$WWW"
head -c 5000000 /dev/urandom >"$WWW/blob"

# client MODE ADDR PORT BYTES: streams hashed on the fly (a random block of a prime
# length, repeated, so a misplaced chunk changes the hash), 60 s without progress fails.
client() {
    timeout 120 /usr/bin/python3 - "$@" <<'PY'
import hashlib, os, selectors, socket, sys
mode, addr, port, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(float(sys.argv[4]))
s = socket.create_connection((addr, port), timeout=30)
block = os.urandom(1000003)
def chunk(off, n):
    o = off % len(block)
    out = block[o:o + n]
    while len(out) < n:
        out += block[:n - len(out)]
    return out
if mode == "echo":
    sent_h, got_h = hashlib.sha256(), hashlib.sha256()
    sent = got = 0
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    pending = b""
    while got < size:
        events = sel.select(timeout=60)
        if not events:
            sys.exit(f"echo: stalled at {got} of {size}")
        for key, ev in events:
            if ev & selectors.EVENT_WRITE and sent < size:
                if not pending:
                    pending = chunk(sent, min(1 << 18, size - sent))
                try:
                    n = s.send(pending)
                except BlockingIOError:
                    n = 0
                sent_h.update(pending[:n])
                sent += n
                pending = pending[n:]
                if sent == size:
                    s.shutdown(socket.SHUT_WR)
                    sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                try:
                    data = s.recv(1 << 20)
                except BlockingIOError:
                    continue
                if not data:
                    sys.exit(f"echo: stream ended at {got} of {size}")
                got_h.update(data)
                got += len(data)
    if got_h.digest() != sent_h.digest():
        sys.exit("echo: SHA-256 differs")
elif mode == "discard":
    off = 0
    while off < size:
        data = chunk(off, min(1 << 20, size - off))
        s.sendall(data)
        off += len(data)
    s.shutdown(socket.SHUT_WR)
    if s.recv(1):
        sys.exit("discard: data came back")
elif mode == "source":
    want_h, got_h = hashlib.sha256(), hashlib.sha256()
    period = bytes(i % 251 for i in range(251)) * 4096
    got = 0
    while got < size:
        data = s.recv(min(1 << 20, size - got))
        if not data:
            sys.exit("source: ended early")
        got_h.update(data)
        got += len(data)
    off = 0
    while off < size:
        n = min(len(period), size - off)
        want_h.update(period[:n])
        off += n
    if got_h.digest() != want_h.digest():
        sys.exit("source: SHA-256 differs from bytes i mod 251")
s.close()
PY
}

big=$(echo "268435456*$SCALE/1" | bc)
mid=$(echo "33554432*$SCALE/1" | bc)
start_tapir "$OUT/host.log" "$BIN/tapir-host" --tap tap0 --offload --echo 7 --discard 9 \
    --source 19 --http "$WWW"
check "echo $big bytes each way over IPv4, SHA-256" client echo 192.168.69.1 7 "$big"
check "discard $big bytes over IPv4" client discard 192.168.69.1 9 "$big"
check "source $big bytes over IPv4, SHA-256" client source 192.168.69.1 19 "$big"
check "echo $mid bytes each way over IPv6, SHA-256" client echo fdaa::1 7 "$mid"
want=$(/usr/bin/python3 -c "
import hashlib
n = $mid; h = hashlib.sha256(); block = bytes(i % 251 for i in range(251)) * 4096
full, rest = divmod(n, len(block))
for _ in range(full): h.update(block)
h.update(block[:rest]); print(h.hexdigest())")
check "curl: /bytes/$mid over IPv4, SHA-256" bash -c \
    "[ \"\$(curl -sf --max-time 60 http://192.168.69.1/bytes/$mid | sha256sum | cut -d' ' -f1)\" = '$want' ]"
check "curl: a 5 MB file over IPv6, identical" bash -c \
    "curl -sf --max-time 60 -o '$OUT/got' 'http://[fdaa::1]/blob' && cmp -s '$OUT/got' '$WWW/blob'"
stop_tapir
check "tapir-host exits 0" test $? = 0
L=$OUT/host.log
sent=$(counter "$L" gso_frames_sent)
segs=$(counter "$L" gso_segments_sent)
recv=$(counter "$L" gso_frames_received)
echo "offload: gso_frames_sent $sent for $segs segments, gso_frames_received $recv," \
    "csum_offloaded_rx $(counter "$L" csum_offloaded_rx), tx_frames $(counter "$L" tx_frames)," \
    "rx_frames $(counter "$L" rx_frames)"
# Out: more than half of what tapir sent (echo + source + HTTP) went as super-frames of
# 10 segments or more on average. In: the kernel sent super-frames and left checksums
# partial. No segment was refused for its checksum or size.
check "super-frames sent carry most of the data" test "$segs" -gt $((2 * big / 1448 / 2))
check "super-frames sent average 10 segments or more" test "$segs" -ge $((10 * sent))
check "super-frames received" test "$recv" -gt $((big / 65536 / 4))
check "checksums left to us by the kernel" test "$(counter "$L" csum_offloaded_rx)" -gt "$recv"
check "no TCP segment dropped as malformed" test "$(counter "$L" drop_tcp_malformed)" = 0
check "no frame dropped as too big" test "$(counter "$L" drop_too_big)" = 0

# A TUN with offloads: the same metadata without a link header.
ip tuntap add dev tun0 mode tun
ip link set tun0 up
ip addr add 10.70.0.100/24 dev tun0
start_tapir "$OUT/tun.log" "$BIN/tapir-host" --tun tun0 --offload --ip 10.70.0.1/24 \
    --gw 10.70.0.100 --echo 7
check "TUN: echo $mid bytes each way, SHA-256" client echo 10.70.0.1 7 "$mid"
stop_tapir
check "TUN: super-frames both ways" bash -c \
    "[ $(counter "$OUT/tun.log" gso_frames_sent) -gt 0 ] && [ $(counter "$OUT/tun.log" gso_frames_received) -gt 0 ]"

# The same TAP without offloads: plain frames only, nothing counted.
start_tapir "$OUT/plain.log" "$BIN/tapir-host" --tap tap0 --no-offload --echo 7
check "--no-offload: echo $mid bytes each way, SHA-256" client echo 192.168.69.1 7 "$mid"
stop_tapir
P=$OUT/plain.log
check "--no-offload: no super-frame, no offloaded checksum" bash -c \
    "[ $(counter "$P" gso_frames_sent) = 0 ] && [ $(counter "$P" gso_frames_received) = 0 ] && [ $(counter "$P" csum_offloaded_rx) = 0 ]"
check "--no-offload: no frame too big for tapir" test "$(counter "$P" drop_too_big)" = 0

finish
