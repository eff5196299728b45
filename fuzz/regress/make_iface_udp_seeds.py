#!/usr/bin/python3
"""Write the UDP and raw-socket seeds of fuzz_iface into iface/ (run from fuzz/regress/).

Each seed is a sequence of records [u8 clock step][u16 length][frame]: frames a peer at
192.168.69.100 / fdaa::100 (02:00:00:00:00:02) sends to tapir at 192.168.69.1 / fdaa::1
(02:00:00:00:00:01), where the harness has UDP sockets on port 7 (any address, echoing),
53 (fdaa::1) and 68 (group 239.1.2.3) and a raw socket for protocol 253."""
import struct
from scapy.all import Ether, IP, IPv6, UDP, ICMP, ICMPv6DestUnreach, ICMPv6PacketTooBig, Raw, fragment, fragment6, IPv6ExtHdrFragment

ME, PEER = "02:00:00:00:00:01", "02:00:00:00:00:02"
def rec(frame, step=0):
    b = bytes(frame)
    return struct.pack("!BH", step, len(b)) + b
def v4(dst="192.168.69.1", src="192.168.69.100", mac=ME):
    return Ether(dst=mac, src=PEER) / IP(src=src, dst=dst)
def v6(dst="fdaa::1", src="fdaa::100", mac=ME):
    return Ether(dst=mac, src=PEER) / IPv6(src=src, dst=dst)

seeds = {
    "udp-unicast": [rec(v4() / UDP(sport=4000, dport=7) / Raw(b"hello")),
                    rec(v6() / UDP(sport=4000, dport=7) / Raw(b"hello6")),
                    rec(v6() / UDP(sport=4000, dport=53) / Raw(b"\x12\x34" + b"\0" * 10)),
                    rec(v4() / UDP(sport=4000, dport=9) / Raw(b"closed"))],
    "udp-broadcast": [rec(v4(dst="255.255.255.255", src="0.0.0.0", mac="ff:ff:ff:ff:ff:ff") /
                          UDP(sport=68, dport=7) / Raw(b"\x01" * 300)),
                      rec(v4(dst="192.168.69.255", mac="ff:ff:ff:ff:ff:ff") /
                          UDP(sport=68, dport=7) / Raw(b"directed")),
                      rec(v4(dst="239.1.2.3", mac="01:00:5e:01:02:03") / UDP(sport=5, dport=68) / Raw(b"group"))],
    "udp-checksum": [rec(v4() / UDP(sport=1, dport=7, chksum=0) / Raw(b"none")),
                     rec(v6() / UDP(sport=1, dport=7, chksum=0) / Raw(b"zero")),
                     rec(v4() / UDP(sport=1, dport=7, len=200) / Raw(b"short"))],
    "udp-fragments": [rec(f) for f in fragment(v4() / UDP(sport=4000, dport=7) / Raw(bytes(range(256)) * 12), 1480)] +
                     [rec(Ether(dst=ME, src=PEER) / f) for f in
                      fragment6(IPv6(src="fdaa::100", dst="fdaa::1") / IPv6ExtHdrFragment() /
                                UDP(sport=4000, dport=7) / Raw(bytes(range(256)) * 12), 1280)],
    "udp-icmp-errors": [rec(v4() / ICMP(type=3, code=3) / IP(src="192.168.69.1", dst="192.168.69.100") / UDP(sport=7, dport=9) / Raw(b"tapir")),
                        rec(v4() / ICMP(type=3, code=4, nexthopmtu=1400) / IP(src="192.168.69.1", dst="10.0.0.1") / UDP(sport=7, dport=53)),
                        rec(v4() / ICMP(type=11, code=0) / IP(src="192.168.69.1", dst="10.0.0.1") / UDP(sport=7, dport=53)),
                        rec(v6() / ICMPv6DestUnreach(code=4) / IPv6(src="fdaa::1", dst="fdaa::100") / UDP(sport=53, dport=9)),
                        rec(v6() / ICMPv6PacketTooBig(mtu=1280) / IPv6(src="fdaa::1", dst="fd00::1") / IPv6ExtHdrFragment(offset=0, m=1) / UDP(sport=7, dport=53))],
    "raw-253": [rec(Ether(dst=ME, src=PEER) / IP(src="192.168.69.100", dst="192.168.69.1", proto=253) / Raw(b"experimental" * 4)),
                rec(Ether(dst=ME, src=PEER) / IPv6(src="fdaa::100", dst="fdaa::1", nh=253) / Raw(b"experimental6"))],
}
for name, records in seeds.items():
    with open("iface/" + name, "wb") as f:
        f.write(b"".join(records))
