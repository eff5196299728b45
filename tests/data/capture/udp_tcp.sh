#!/usr/bin/env bash
# Golden UDP and TCP segments from Linux, over IPv4 and IPv6. Every file is captured on
# veth-a (ns A, 192.168.69.1 / fdaa::1); ns B is 192.168.69.100 / fdaa::100 (see lib.sh).
#
#   udp_ipv4.pcap  3 datagrams. B 192.168.69.100.40001 > A 192.168.69.1.40000, 32 bytes; A's
#                  reply, 12 bytes; a third from A, 5 bytes, sent with SO_NO_CHECK, so its
#                  checksum field is 0 ("no checksum", RFC 768). python3 sockets, the kernel
#                  builds every header.
#   udp_ipv6.pcap  2 datagrams: the same request and reply between fdaa::100 and fdaa::1.
#   tcp_ipv4.pcap  one whole TCP connection, B 192.168.69.100.40100 > A 192.168.69.1.40200,
#                  python3 sockets with TCP_NODELAY: the handshake (the kernel offers mss,
#                  sackOK, TS, wscale), a request, a reply, a second request, a 600-byte
#                  reply, then B shuts down its side (FIN) and A closes (FIN).
#   tcp_ipv6.pcap  the same conversation between [fdaa::100].40100 and [fdaa::1].40200.
#   tcp_rst.pcap   B connects to A's closed port 40999, over IPv4 then IPv6: each SYN is
#                  answered by the kernel's RST+ACK.
#   tcp_sack.pcap  SACK blocks from the Linux receiver in ns A (listener on 40300). The
#                  sender is scapy in ns B, speaking from 192.168.69.200, an address no
#                  kernel owns: A has a static neighbour entry sending it to B's MAC, and B's
#                  kernel drops what it does not own instead of answering with a RST (no
#                  firewall is needed). scapy completes the handshake (offering mss, sackOK,
#                  TS, wscale), then sends 50 bytes at +100 and 50 bytes at +200, leaving
#                  holes; the kernel's duplicate ACKs carry one, then two SACK blocks. scapy
#                  fills the holes (the kernel's ACKs shrink back to one block, then none)
#                  and ends with a RST. Only the ACKs with SACK are Linux's point here.
#   tcp_unknown_opt.pcap  scapy (from 192.168.69.200.40401) sends A's listener a SYN whose
#                  options are mss 1400, an unassigned option kind 99 of length 6
#                  (0xdeadbeef), nop, wscale 3, and EOL padding; the kernel skips kind 99 by
#                  its length and answers SYN+ACK (mss, nop, wscale); scapy resets.
#
# lib.sh switches transmit checksum offload off on both veth ends, so every captured
# checksum is complete, as on a real wire.
. "$(dirname "$0")/lib.sh"

cap_setup

PY=/usr/bin/python3


# Static neighbours, so no ARP or neighbour discovery is needed mid-capture (the captures
# filter on udp/tcp anyway), and the scapy peer's 192.168.69.200 reaches B's link.
A ip neigh replace 192.168.69.100 lladdr 02:00:00:00:00:02 dev veth-a
B ip neigh replace 192.168.69.1 lladdr 02:00:00:00:00:01 dev veth-b
A ip -6 neigh replace fdaa::100 lladdr 02:00:00:00:00:02 dev veth-a
B ip -6 neigh replace fdaa::1 lladdr 02:00:00:00:00:01 dev veth-b
A ip neigh replace 192.168.69.200 lladdr 02:00:00:00:00:02 dev veth-a

READY=$(mktemp -u /tmp/tapir-cap-ready-$$-XXXX)
# wait_ready: until the server in ns A has created $READY (it is listening/bound).
wait_ready() {
    local i
    for i in $(seq 100); do
        [ -e "$READY" ] && break
        sleep 0.05
    done
    rm -f "$READY"
}

# ---- UDP ----------------------------------------------------------------------------------
udp_exchange() { # FAMILY A-ADDR B-ADDR NOCHECK
    A timeout 10 "$PY" - "$1" "$2" "$3" "$READY" "$4" <<'PYEOF' &
import socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 40000))
open(sys.argv[4], "w").close()
data, peer = s.recvfrom(2048)
s.sendto(b"tapir reply\n", peer)
if sys.argv[5] == "1":
    n = socket.socket(fam, socket.SOCK_DGRAM)
    n.setsockopt(socket.SOL_SOCKET, 11, 1)  # SO_NO_CHECK: send with checksum 0
    n.bind((sys.argv[2], 40002))
    n.sendto(b"nock\n", peer)
PYEOF
    local srv=$!
    wait_ready
    B timeout 10 "$PY" - "$1" "$2" "$3" <<'PYEOF'
import socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[3], 40001))
s.sendto(b"tapir golden udp datagram 32 b.\n", (sys.argv[2], 40000))
s.settimeout(5)
s.recvfrom(2048)
PYEOF
    wait "$srv"
}

cap_start udp_ipv4 udp
udp_exchange 4 192.168.69.1 192.168.69.100 1
cap_stop

cap_start udp_ipv6 udp
udp_exchange 6 fdaa::1 fdaa::100 0
cap_stop

# ---- TCP: a whole connection ---------------------------------------------------------------
tcp_conversation() { # FAMILY A-ADDR B-ADDR
    A timeout 10 "$PY" - "$1" "$2" "$READY" <<'PYEOF' &
import socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[2], 40200))
s.listen(1)
open(sys.argv[3], "w").close()
c, _ = s.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
c.recv(100)
c.sendall(b"welcome\n")
c.recv(100)
c.sendall(bytes(i % 251 for i in range(600)))
while c.recv(100):
    pass
c.close()
PYEOF
    local srv=$!
    wait_ready
    B timeout 10 "$PY" - "$1" "$2" "$3" <<'PYEOF'
import socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.bind((sys.argv[3], 40100))
s.connect((sys.argv[2], 40200))
s.sendall(b"hello tapir\n")
s.recv(100)
s.sendall(b"second\n")
got = 0
while got < 600:
    got += len(s.recv(1000))
s.shutdown(socket.SHUT_WR)
while s.recv(100):
    pass
s.close()
PYEOF
    wait "$srv"
}

cap_start tcp_ipv4 tcp
tcp_conversation 4 192.168.69.1 192.168.69.100
cap_stop

cap_start tcp_ipv6 tcp
tcp_conversation 6 fdaa::1 fdaa::100
cap_stop

# ---- TCP: RST from a closed port -----------------------------------------------------------
cap_start tcp_rst tcp
for dst in 192.168.69.1 fdaa::1; do
    B timeout 5 "$PY" - "$dst" <<'PYEOF'
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.bind(("fdaa::100" if fam == socket.AF_INET6 else "192.168.69.100", 40500))
try:
    s.connect((sys.argv[1], 40999))
except ConnectionRefusedError:
    pass
PYEOF
done
cap_stop

# ---- TCP: SACK and an unknown option, with scapy as the peer --------------------------------
A timeout 20 "$PY" - "$READY" <<'PYEOF' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.168.69.1", 40300))
s.listen(4)
open(sys.argv[1], "w").close()
c, _ = s.accept()
time.sleep(3)  # keep the connection open (and unread) while scapy plays
PYEOF
LISTENER=$!
wait_ready

cap_start tcp_sack tcp
B timeout 15 "$PY" - <<'PYEOF'
import time
from scapy.all import Ether, IP, TCP, Raw, srp1, sendp
L2 = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")
ip = IP(src="192.168.69.200", dst="192.168.69.1")
def seg(flags, seq, ack, ts, data=b""):
    opts = [("NOP", None), ("NOP", None), ("Timestamp", (ts, peer_ts))]
    p = L2 / ip / TCP(sport=40400, dport=40300, flags=flags, seq=seq, ack=ack, window=502,
                      options=opts)
    return p / Raw(data) if data else p
synack = srp1(L2 / ip / TCP(sport=40400, dport=40300, flags="S", seq=1000, window=64240,
                            options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (100, 0)),
                                     ("NOP", None), ("WScale", 7)]),
              iface="veth-b", timeout=3, verbose=False)
isn = synack[TCP].seq
peer_ts = dict(synack[TCP].options)["Timestamp"][0]
ack = isn + 1
base = 1001
sendp(seg("A", base, ack, 101), iface="veth-b", verbose=False)
time.sleep(0.1)
sendp(seg("PA", base + 100, ack, 102, b"B" * 50), iface="veth-b", verbose=False)
time.sleep(0.1)
sendp(seg("PA", base + 200, ack, 103, b"C" * 50), iface="veth-b", verbose=False)
time.sleep(0.1)
sendp(seg("PA", base, ack, 104, b"A" * 100), iface="veth-b", verbose=False)
time.sleep(0.1)
sendp(seg("PA", base + 150, ack, 105, b"b" * 50), iface="veth-b", verbose=False)
time.sleep(0.1)
sendp(L2 / ip / TCP(sport=40400, dport=40300, flags="R", seq=base + 250, window=0),
      iface="veth-b", verbose=False)
PYEOF
cap_stop

cap_start tcp_unknown_opt tcp
B timeout 10 "$PY" - <<'PYEOF'
from scapy.all import Ether, IP, TCP, srp1, sendp
L2 = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")
ip = IP(src="192.168.69.200", dst="192.168.69.1")
syn = L2 / ip / TCP(sport=40401, dport=40300, flags="S", seq=5000, window=29200,
                    options=[("MSS", 1400), (99, b"\xde\xad\xbe\xef"), ("NOP", None),
                             ("WScale", 3), ("EOL", None)])
synack = srp1(syn, iface="veth-b", timeout=3, verbose=False)
sendp(L2 / ip / TCP(sport=40401, dport=40300, flags="R", seq=5001, window=0),
      iface="veth-b", verbose=False)
PYEOF
cap_stop
wait "$LISTENER" || true
