#!/usr/bin/env bash
# Golden DNS messages (RFC 1035) from dnsmasq, asked by a python3 stub in ns A. dnsmasq
# runs in ns B (192.168.69.100 / fdaa::100, port 53, no upstream servers, its records
# given on the command line); every file is captured on veth-a (ns A, 192.168.69.1 /
# fdaa::1, see lib.sh). The python stub builds each query by hand (no resolver library),
# all with RD set, from source port 40053, query IDs fixed below.
#
#   dns_a.pcap       id 4660: A? a.test. over IPv4; dnsmasq answers a.test A 192.168.69.7
#                    (AA, RA, its name compressed against the question).
#   dns_aaaa_ipv6.pcap  id 4661: AAAA? a.test. over IPv6 (fdaa::1 > fdaa::100), answered
#                    fdaa::7.
#   dns_cname.pcap   id 4662: A? c1.test.; the answer is a CNAME chain c1 -> c2 -> c3 ->
#                    a.test then the A record, every name a compression pointer.
#   dns_nxdomain.pcap  id 4663: A? missing.test. (test is --local, so dnsmasq answers
#                    NXDOMAIN itself).
#   dns_edns.pcap    id 4664: TXT? t.test. with an EDNS0 OPT record (RFC 6891, 1232-byte
#                    payload) in the additional section; the answer holds the TXT record
#                    ("hello world", "second string") and dnsmasq's OPT.
#   dns_mx_ptr.pcap  id 4665: MX? test. (mail.test, preference 10, and its A record in the
#                    additional section), id 4666: PTR? 7.69.168.192.in-addr.arpa.
#   dns_tc.pcap      id 4667: A? big.test. over UDP (40 A records do not fit in 512
#                    bytes: dnsmasq answers with TC set), then the same question over TCP
#                    (RFC 7766 length prefix, id 4668) and the whole answer.
. "$(dirname "$0")/lib.sh"

command -v dnsmasq >/dev/null || { echo "missing dnsmasq" >&2; exit 1; }
cap_setup

PY=/usr/bin/python3
A ip neigh replace 192.168.69.100 lladdr 02:00:00:00:00:02 dev veth-a
B ip neigh replace 192.168.69.1 lladdr 02:00:00:00:00:01 dev veth-b
A ip -6 neigh replace fdaa::100 lladdr 02:00:00:00:00:02 dev veth-a
B ip -6 neigh replace fdaa::1 lladdr 02:00:00:00:00:01 dev veth-b

BIG=()
for i in $(seq 1 40); do BIG+=("--host-record=big.test,10.0.0.$i"); done
PIDFILE=$(mktemp -u /tmp/tapir-cap-dnsmasq-$$-XXXX)
B dnsmasq --keep-in-foreground --no-resolv --no-hosts --conf-file=/dev/null --user=root \
    --port=53 --listen-address=192.168.69.100 --listen-address=fdaa::100 --bind-interfaces \
    --pid-file="$PIDFILE" --local=/test/ --local=/69.168.192.in-addr.arpa/ \
    --host-record=a.test,192.168.69.7,fdaa::7 \
    --cname=c1.test,c2.test --cname=c2.test,c3.test --cname=c3.test,a.test \
    --txt-record=t.test,"hello world","second string" \
    --mx-host=test,mail.test,10 --host-record=mail.test,192.168.69.25 \
    "${BIG[@]}" &
DNSMASQ=$!
trap 'kill $DNSMASQ 2>/dev/null || true; rm -f "$PIDFILE"; cap_cleanup' EXIT
for i in $(seq 100); do
    B ss -lnu | grep -q '192.168.69.100:53 ' && B ss -lnt | grep -q '192.168.69.100:53 ' && break
    sleep 0.05
done

ask() { # FAMILY SERVER ID NAME TYPE [edns] [tcp]
    A timeout 10 "$PY" - "$@" <<'PYEOF'
import socket, struct, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
server, qid, name, qtype = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
edns = "edns" in sys.argv[6:]
tcp = "tcp" in sys.argv[6:]
q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1 if edns else 0)
for label in name.rstrip(".").split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack(">HH", qtype, 1)
if edns:
    q += b"\0" + struct.pack(">HHIH", 41, 1232, 0, 0)
if tcp:
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((server, 53))
    s.sendall(struct.pack(">H", len(q)) + q)
    n = struct.unpack(">H", s.recv(2, socket.MSG_WAITALL))[0]
    s.recv(n, socket.MSG_WAITALL)
    s.close()
else:
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", 40053))
    s.sendto(q, (server, 53))
    s.recvfrom(4096)
PYEOF
}

cap_start dns_a port 53
ask 4 192.168.69.100 4660 a.test 1
cap_stop
cap_start dns_aaaa_ipv6 port 53
ask 6 fdaa::100 4661 a.test 28
cap_stop
cap_start dns_cname port 53
ask 4 192.168.69.100 4662 c1.test 1
cap_stop
cap_start dns_nxdomain port 53
ask 4 192.168.69.100 4663 missing.test 1
cap_stop
cap_start dns_edns port 53
ask 4 192.168.69.100 4664 t.test 16 edns
cap_stop
cap_start dns_mx_ptr port 53
ask 4 192.168.69.100 4665 test 15
ask 4 192.168.69.100 4666 7.69.168.192.in-addr.arpa 12
cap_stop
cap_start dns_tc port 53
ask 4 192.168.69.100 4667 big.test 1
ask 4 192.168.69.100 4668 big.test 1 tcp
cap_stop
