#!/usr/bin/env bash
# tapir-dump against tcpdump, in a private network namespace: tapir-host on a TAP answers
# the kernel's ping, TCP and UDP while both sniffers watch. Decoded lines equal tcpdump's;
# -w files hold the same bytes as tcpdump's own capture (Ethernet on one interface, Linux
# cooked v2 on any); -r/-w filtering and kernel-side filtering keep exactly the matching
# packets; a bounded flood written into a TAP is fully accounted for (captured + dropped);
# without privilege it exits 2 naming the three ways in; with CAP_NET_RAW (file or
# ambient capability) it captures and holds no capability once its socket is open; --l3
# sees the inbound TCP and nothing else.
. "$(dirname "$0")/lib.sh"
enter_namespace "$@"
setup_tap tap0
OUT=$(mktemp -d)
chmod 755 "$OUT"
DUMP="$BIN/tapir-dump"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    [ -n "${KEEP_OUT:-}" ] || rm -rf "$OUT"
}
trap cleanup EXIT
SCALE=${TAPIR_TEST_SCALE:-1}

# --no-offload: with offloads on the TAP the kernel leaves its TCP/UDP checksums partial
# (CHECKSUM_PARTIAL), which tapir's printers mark "[bad cksum]" and tcpdump without -v
# does not check; the comparisons here want the kernel's finished checksums.
start_tapir "$OUT/host.log" "$BIN/tapir-host" --tap tap0 --no-offload --echo 7000
PIDS+=("$TAPIR_PID")

# bg LOG PATTERN CMD...: starts CMD in the background (stderr to LOG) and waits up to 10 s
# for PATTERN in LOG. $BG is its pid.
bg() {
    local log=$1 pat=$2 i
    shift 2
    "$@" 2>"$log" &
    BG=$!
    PIDS+=("$BG")
    for i in $(seq 200); do
        grep -q "$pat" "$log" && return 0
        kill -0 "$BG" 2>/dev/null || break
        sleep 0.05
    done
    echo "FAIL: $* never printed '$pat':" >&2
    cat "$log" >&2
    return 1
}

# wait_exit PID SECONDS: waits for a background process to end by itself, bounded.
wait_exit() {
    local pid=$1 i
    for i in $(seq $(($2 * 20))); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid"; return $?; }
        sleep 0.05
    done
    echo "FAIL: pid $pid still running after $2 s" >&2
    kill -INT "$pid" 2>/dev/null
    wait "$pid"
    return 124
}

# stat_of LOG WHAT: the number in "N packets WHAT" that tapir-dump and tcpdump print.
stat_of() {
    awk -v w="$2" 'index($0, " packets " w) { n = $1 } END { print n + 0 }' "$1"
}

# Known traffic, in this order: U UDP datagrams to a closed port (each answered by an
# ICMP port unreachable), P pings (2P ICMP packets), one TCP echo exchange (its handshake
# is always three segments; what follows varies with timing).
P=4
U=3
traffic() {
    /usr/bin/python3 - <<'PY'
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    u.sendto(b"probe %d" % i, ("192.168.69.1", 9999))
    time.sleep(0.05)
PY
    ping -c $P -i 0.1 -W 1 192.168.69.1 >/dev/null
    /usr/bin/python3 - <<'PY'
import socket
s = socket.create_connection(("192.168.69.1", 7000), timeout=3)
s.sendall(b"tapir-dump says hello")
got = b""
while len(got) < 21:
    got += s.recv(100)
s.close()
PY
    sleep 0.3 # let the last replies and the FIN exchange cross the wire
}

# compare_pcaps A B: same number of packets, each with the same lengths and bytes.
compare_pcaps() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import struct, sys
def read(path):
    d = open(path, "rb").read()
    magic, = struct.unpack_from("<I", d, 0)
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), hex(magic)
    linktype, = struct.unpack_from("<I", d, 20)
    out, off = [], 24
    while off < len(d):
        _, _, cap, orig = struct.unpack_from("<IIII", d, off)
        out.append((orig, d[off + 16:off + 16 + cap]))
        off += 16 + cap
    return linktype, out
la, a = read(sys.argv[1])
lb, b = read(sys.argv[2])
if la != lb or a != b:
    sys.exit(f"differ: link types {la}/{lb}, {len(a)}/{len(b)} packets, "
             f"{sum(len(x[1]) for x in a)}/{sum(len(x[1]) for x in b)} bytes")
print(f"{len(a)} packets, {sum(len(x[1]) for x in a)} bytes, link type {la}")
PY
}

# ---- 1. Decoded lines equal tcpdump -nS's, and -w equals tcpdump -w, on tap0 and any.
N=$((2 * U + 2 * P + 3)) # UDP + unreachables, echo + reply, the TCP handshake
FILTER='ip and (icmp or tcp or udp)'
bg "$OUT/lines.err" listening "$DUMP" -i tap0 -t -c $N $FILTER >"$OUT/lines.txt"
D1=$BG
bg "$OUT/w.err" listening "$DUMP" -i tap0 -c $N -w "$OUT/tapir.pcap" $FILTER
D2=$BG
bg "$OUT/wany.err" listening "$DUMP" -c $N -w "$OUT/tapir-any.pcap" $FILTER
D3=$BG
bg "$OUT/td.err" listening tcpdump -i tap0 -c $N -w "$OUT/tcpdump.pcap" $FILTER
T1=$BG
bg "$OUT/tdany.err" listening tcpdump -i any -y LINUX_SLL2 -c $N -w "$OUT/tcpdump-any.pcap" $FILTER
T2=$BG
traffic
check "tapir-dump -c $N (print) stops by itself" wait_exit $D1 10
check "tapir-dump -c $N -w stops by itself" wait_exit $D2 10
check "tapir-dump -c $N -w (any) stops by itself" wait_exit $D3 10
wait_exit $T1 10
wait_exit $T2 10
check "-c $N: exactly $N lines printed" test "$(wc -l <"$OUT/lines.txt")" = $N
check "-c $N: '$N packets captured'" test "$(stat_of "$OUT/lines.err" captured)" = $N
tcpdump -nS -t -r "$OUT/tcpdump.pcap" >"$OUT/tcpdump.txt" 2>/dev/null
check "decoded lines equal tcpdump -nS's (ICMP, TCP, UDP)" diff -u "$OUT/tcpdump.txt" "$OUT/lines.txt"
check "the lines hold ICMP echo, TCP and UDP" bash -c "grep -q 'ICMP echo reply' '$OUT/lines.txt' &&
    grep -q 'Flags \[S\.\]' '$OUT/lines.txt' && grep -q 'UDP, length 7' '$OUT/lines.txt'"
check "-w tap0: the same packets and bytes as tcpdump -w" \
    compare_pcaps "$OUT/tcpdump.pcap" "$OUT/tapir.pcap"
check "-w any: Linux cooked v2, the same bytes as tcpdump -y LINUX_SLL2" \
    compare_pcaps "$OUT/tcpdump-any.pcap" "$OUT/tapir-any.pcap"
check "tcpdump -r reads tapir's -w file: $N packets" \
    test "$(tcpdump -r "$OUT/tapir.pcap" 2>/dev/null | wc -l)" = $N
tcpdump -nS -t -r "$OUT/tcpdump-any.pcap" >"$OUT/tcpdump-any.txt" 2>/dev/null
"$DUMP" -t -r "$OUT/tapir-any.pcap" >"$OUT/any.txt" 2>/dev/null
check "-r of a cooked (any) file: lines equal tcpdump's, interface and direction too" \
    diff -u "$OUT/tcpdump-any.txt" "$OUT/any.txt"

for x in -x -xx; do
    tcpdump -nS -t $x -r "$OUT/tcpdump.pcap" >"$OUT/hex-tcpdump.txt" 2>/dev/null
    "$DUMP" -t $x -r "$OUT/tapir.pcap" >"$OUT/hex.txt" 2>/dev/null
    check "$x: the hex dump equals tcpdump's" diff -u "$OUT/hex-tcpdump.txt" "$OUT/hex.txt"
done
# -v keeps what the classic sniffer printed: the size, both addresses, the IP identification.
"$DUMP" -v -c 1 -r "$OUT/tapir.pcap" 'icmp[icmptype] = icmp-echo' >"$OUT/v.txt" 2>/dev/null
ident=$(tcpdump -nv -c 1 -r "$OUT/tapir.pcap" 'icmp[icmptype] = icmp-echo' 2>/dev/null |
    sed -n 's/.*, id \([0-9]*\), offset.*/\1/p')
check "-v: size, source, destination and IP identification ($ident)" bash -c "
    grep -q '^  length: 98$' '$OUT/v.txt' && grep -q '^  total length: 84$' '$OUT/v.txt' &&
    grep -q '^  source: 192.168.69.100$' '$OUT/v.txt' &&
    grep -q '^  destination: 192.168.69.1$' '$OUT/v.txt' &&
    grep -q '^  identification: $ident ' '$OUT/v.txt'"

# An 802.1Q tag the kernel moved into the packet's metadata (it untags every frame it
# receives before the packet taps see it) is put back in the frame, as libpcap does:
# tagged frames written into a TAP, byte for byte what tcpdump captured.
vlan_frames() {
    ip tuntap add dev tapv mode tap
    ip link set tapv up
    bg "$OUT/vl.err" listening "$DUMP" -i tapv -c 2 -w "$OUT/vlan.pcap" || return 1
    local d=$BG
    bg "$OUT/vlt.err" listening tcpdump -i tapv -c 2 -w "$OUT/vlan-tcpdump.pcap" || return 1
    local t=$BG
    /usr/bin/python3 - <<'PY'
import fcntl, os, struct
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", b"tapv", 0x0002 | 0x1000))
for prio_vid in (0x600a, 0x0fff):  # priority 3, VLAN 10; VLAN 4095
    os.write(fd, bytes.fromhex("ffffffffffff" "020000000098" "8100") + struct.pack("!H", prio_vid) +
             bytes.fromhex("0806" "0001080006040001" "020000000098" "0a090001"
                           "000000000000" "0a090002") + bytes(18))
PY
    wait_exit $d 10 && wait_exit $t 10 || return 1
    ip link del tapv
    compare_pcaps "$OUT/vlan-tcpdump.pcap" "$OUT/vlan.pcap" &&
        "$DUMP" -r "$OUT/vlan.pcap" -e -t 2>/dev/null | grep -q 'vlan 10, p 3'
}
check "802.1Q tag from the metadata put back (same bytes as tcpdump)" vlan_frames

# ---- 2. -r IN -w OUT FILTER keeps exactly the matching packets.
bg "$OUT/all.err" listening "$DUMP" -i tap0 -w "$OUT/all.pcap"
DA=$BG
traffic
kill -INT $DA
wait $DA
all=$(stat_of "$OUT/all.err" captured)
"$DUMP" -r "$OUT/all.pcap" -w "$OUT/icmp.pcap" icmp 2>"$OUT/r.err"
check "-r IN -w OUT icmp exits 0" test $? = 0
tcpdump -r "$OUT/all.pcap" -w "$OUT/icmp-tcpdump.pcap" icmp 2>/dev/null
want=$(tcpdump -r "$OUT/all.pcap" -w - icmp 2>/dev/null | tcpdump -r - 2>/dev/null | wc -l)
got=$(tcpdump -r "$OUT/icmp.pcap" 2>/dev/null | wc -l)
check "-r/-w icmp keeps $want of $all packets, as tcpdump does ($got)" \
    test "$got" = "$want" -a "$want" = $((2 * P + U)) -a "$all" -gt "$want"
check "-r/-w icmp: the same bytes as tcpdump's" compare_pcaps "$OUT/icmp-tcpdump.pcap" "$OUT/icmp.pcap"

# ---- 3. A filter at capture time: the kernel passes only the matches.
bg "$OUT/kf.err" listening "$DUMP" -i tap0 -t icmp >"$OUT/kf.txt"
DK=$BG
traffic
kill -INT $DK
wait $DK
check "capture filter icmp: exactly the $((2 * P + U)) ICMP packets" \
    test "$(stat_of "$OUT/kf.err" captured)" = $((2 * P + U)) -a "$(wc -l <"$OUT/kf.txt")" = $((2 * P + U))
check "capture filter icmp: the kernel counted only those" \
    test "$(stat_of "$OUT/kf.err" "received by filter")" = $((2 * P + U))
check "capture filter icmp: nothing but ICMP printed" bash -c "! grep -v ' ICMP ' '$OUT/kf.txt'"
# A cooked (any) capture with a filter on the SLL2 header's fields, run by the kernel.
bg "$OUT/kfa.err" listening "$DUMP" -t 'inbound and icmp' >"$OUT/kfa.txt"
DK=$BG
traffic
kill -INT $DK
wait $DK
check "any, 'inbound and icmp': the $((P + U)) replies and unreachables" \
    test "$(stat_of "$OUT/kfa.err" captured)" = $((P + U)) -a "$(grep -c '^tap0  In  IP ' "$OUT/kfa.txt")" = $((P + U))

# ---- 4. Errors: unknown interface, bad filter, usage.
"$DUMP" -i nosuch0 >/dev/null 2>"$OUT/e1"
check "unknown interface: exit 1, named" bash -c "[ $? = 1 ] && grep -q \"no interface named 'nosuch0'\" '$OUT/e1'"
"$DUMP" -i tap0 'tcp port' >/dev/null 2>"$OUT/e2"
check "bad filter: exit 1 with libpcap's message" bash -c "[ $? = 1 ] && grep -q 'syntax error' '$OUT/e2'"
"$DUMP" -c 0 >/dev/null 2>&1
check "-c 0: usage error, exit 2" test $? = 2
check "--help names every option" bash -c "h=\$('$DUMP' --help) && for o in -i -c -w -r -v -x -e -n -t -s -B -p -l --l3 --user; do grep -q -- \"  \$o \" <<<\"\$h\" || { echo missing \$o; exit 1; }; done"

# ---- 5. Flood: a bounded burst written into a TAP, every frame accounted for.
# flood RING_KIB OUT COUNT [stopped] ARGS...: with "stopped", tapir-dump is SIGSTOPped
# during the burst and gets SIGINT before SIGCONT, so every frame is still in the ring
# when it is told to stop: only its drain on exit can count them.
flood() {
    local ring=$1 out=$2 count=$3 stopped=
    shift 3
    [ "${1:-}" = stopped ] && { stopped=1; shift; }
    ip tuntap add dev tapf mode tap
    ip link set tapf up
    bg "$OUT/flood.err" listening "$DUMP" -i tapf -B "$ring" "$@" 'udp port 8080' >"$out" || return 1
    local d=$BG
    [ -n "$stopped" ] && kill -STOP $d
    /usr/bin/python3 - "$count" >"$OUT/flood.out" <<'PY'
import fcntl, os, struct, sys, time
count = int(sys.argv[1])
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", b"tapf", 0x0002 | 0x1000))  # TUNSETIFF TAP|NO_PI
# 60-byte IPv4/UDP frames to a MAC nobody has: the kernel drops them after the packet taps.
frame = bytes.fromhex("020000000099" "020000000098" "0800"
                      "4500002e00004000401126bd0a0000010a000002"
                      "1f901f90001a0000") + b"x" * 18
t0 = time.monotonic()
for _ in range(count):
    os.write(fd, frame)
dt = time.monotonic() - t0
print(f"{count} {dt:.3f}")
PY
    local sent secs rx
    read -r sent secs <"$OUT/flood.out"
    rx=$(awk '/RX:/ { getline; print $2 }' < <(ip -s link show tapf))
    kill -INT $d
    [ -n "$stopped" ] && kill -CONT $d
    wait $d
    ip link del tapf
    local cap rcv drop
    cap=$(stat_of "$OUT/flood.err" captured)
    rcv=$(stat_of "$OUT/flood.err" "received by filter")
    drop=$(stat_of "$OUT/flood.err" "dropped by kernel")
    echo "flood (ring ${ring} KiB $*): sent $sent in $secs s ($(echo "$sent / $secs" | bc) frames/s);" \
        "kernel rx $rx; captured $cap, dropped $drop, received by filter $rcv"
    # The kernel's own counters agree with what was sent...
    [ "$rx" = "$sent" ] || { echo "tapf counted $rx of $sent" >&2; return 1; }
    [ "$rcv" = "$sent" ] || { echo "filter passed $rcv of $sent" >&2; return 1; }
    # ... so every frame is either captured or counted as dropped.
    [ $((cap + drop)) = "$sent" ] || { echo "captured+dropped $((cap + drop)) != $sent" >&2; return 1; }

}
FLOOD=$(echo "200000 * $SCALE / 1" | bc)
check "flood of $FLOOD frames, -w: captured + dropped = sent" flood 32768 /dev/null "$FLOOD" -w "$OUT/flood.pcap"
check "flood -w: the file holds every captured frame" \
    test "$(tcpdump -r "$OUT/flood.pcap" 2>/dev/null | wc -l)" = "$(stat_of "$OUT/flood.err" captured)"
HALF=$((FLOOD / 2))
check "flood of $HALF frames while tapir-dump is stopped: all taken from the ring on exit" \
    flood 65536 /dev/null "$HALF" stopped -w "$OUT/flood.pcap"
check "stopped: every frame captured, none dropped" \
    test "$(stat_of "$OUT/flood.err" captured)" = "$HALF" -a "$(stat_of "$OUT/flood.err" dropped)" = 0
check "flood of $FLOOD frames, small ring, printing -v -x: captured + dropped = sent" \
    flood 1024 "$OUT/flood.txt" "$FLOOD" -v -x
check "flood printing: one line per captured frame" \
    test "$(grep -c '^[0-9:.]* IP 10.0.0.1.8080 > 10.0.0.2.8080: UDP, length 18$' "$OUT/flood.txt")" = \
    "$(stat_of "$OUT/flood.err" captured)"

# ---- 6. Privileges.
mkdir "$OUT/bin"
cp "$DUMP" "$OUT/bin/tapir-dump"
chmod 755 "$OUT/bin" "$OUT/bin/tapir-dump"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
"${NOBODY[@]}" "$OUT/bin/tapir-dump" -i tap0 -c 1 >/dev/null 2>"$OUT/nopriv.err"
rc=$?
check "unprivileged: exit 2 ($rc)" test $rc = 2
check "unprivileged: names the three ways in" bash -c "grep -q 'tapir-tap grant --raw' '$OUT/nopriv.err' &&
    grep -q 'tapir-tap ns --' '$OUT/nopriv.err' && grep -q 'as root' '$OUT/nopriv.err'"

# capeff PID: "CapEff CapPrm CapAmb NoNewPrivs" of a process.
capeff() {
    awk '/^(CapEff|CapPrm|CapAmb|NoNewPrivs):/ { printf "%s ", $2 }' "/proc/$1/status"
}
privileged_run() {
    local what=$1
    shift
    bg "$OUT/cap.err" listening "$@" -i tap0 -c 2 -t icmp >"$OUT/cap.txt" || return 1
    local d=$BG caps
    caps=$(capeff $d)
    ping -c 1 -W 1 192.168.69.1 >/dev/null
    wait_exit $d 10 || return 1
    echo "$what: CapEff CapPrm CapAmb NoNewPrivs = $caps"
    [ "$caps" = "0000000000000000 0000000000000000 0000000000000000 1 " ] || return 1
    [ "$(wc -l <"$OUT/cap.txt")" = 2 ] || { cat "$OUT/cap.txt" "$OUT/cap.err" >&2; return 1; }
}
if setcap cap_net_raw+ep "$OUT/bin/tapir-dump" 2>/dev/null; then
    check "file capability: captures as nobody, no capability left once open" \
        privileged_run "setcap cap_net_raw+ep" "${NOBODY[@]}" "$OUT/bin/tapir-dump"
    setcap -r "$OUT/bin/tapir-dump"
else
    check "setcap works here (libcap2-bin, a file system with xattrs)" false
fi
check "ambient capability: captures as nobody, no capability left once open" \
    privileged_run "ambient cap_net_raw" setpriv --reuid=65534 --regid=65534 --clear-groups \
    --inh-caps=+net_raw --ambient-caps=+net_raw "$OUT/bin/tapir-dump"
check "root: no capability left once open" privileged_run "root" "$DUMP"
user_switch() {
    bg "$OUT/user.err" listening "$DUMP" -i tap0 -c 1 --user nobody -w "$OUT/bin/user.pcap" icmp ||
        return 1
    local d=$BG uid
    uid=$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "/proc/$d/status")
    local caps
    caps=$(capeff $d)
    ping -c 1 -W 1 192.168.69.1 >/dev/null
    wait_exit $d 10 || return 1
    echo "--user nobody: uids $uid, caps $caps, file owner $(stat -c %u "$OUT/bin/user.pcap")"
    [ "$uid" = 65534655346553465534 ] && [ "${caps%% *}" = 0000000000000000 ] &&
        [ "$(stat -c %u "$OUT/bin/user.pcap")" = 65534 ]
}
chmod 777 "$OUT/bin"
check "--user nobody: runs as nobody, no capability, file created as nobody" user_switch

# ---- 7. --l3: the classic raw socket sees inbound TCP only.
bg "$OUT/l3.err" listening "$DUMP" --l3 -t >"$OUT/l3.txt"
DL=$BG
traffic
kill -INT $DL
wait $DL
l3=$(stat_of "$OUT/l3.err" captured)
check "--l3 sees tapir's TCP segments to the kernel ($l3)" \
    bash -c "[ $l3 -ge 3 ] && grep -q '^IP 192.168.69.1.7000 > 192.168.69.100.[0-9]*: Flags \[S\.\]' '$OUT/l3.txt'"
check "--l3 sees nothing outbound, no ICMP, no UDP, no ARP" \
    bash -c "! grep -v '^IP 192.168.69.1.7000 > 192.168.69.100' '$OUT/l3.txt'"
check "--l3 prints one line per segment" test "$(wc -l <"$OUT/l3.txt")" = "$l3"

stop_tapir

# ---- 8. Offload: with tapir-host's default offloads the kernel sends its TCP segments
# into the TAP with partial checksums; the ring marks them TP_STATUS_CSUMNOTREADY and the
# live lines must not call them bad (a file keeps no such mark: -r would, as tcpdump -v).
start_tapir "$OUT/off.log" "$BIN/tapir-host" --tap tap0 --echo 7000
bg "$OUT/off.err" listening "$DUMP" -i tap0 -t -c 6 tcp >"$OUT/off.txt"
DO=$BG
/usr/bin/python3 - <<'PY'
import socket
s = socket.create_connection(("192.168.69.1", 7000), timeout=3)
s.sendall(b"offloaded checksums")
s.recv(100)
s.close()
PY
wait_exit $DO 10
stop_tapir
check "offload: the kernel's segments are shown without '[bad cksum]'" \
    bash -c "grep -q '192.168.69.100.[0-9]* > 192.168.69.1.7000' '$OUT/off.txt' &&
        ! grep -q 'bad cksum' '$OUT/off.txt'"
finish
