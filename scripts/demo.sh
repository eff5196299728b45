#!/usr/bin/env bash
# make demo: what tapir can show today.
#
# The wire layer decodes packets captured from Linux (tests/data/*.pcap): one
# tcpdump-like line per packet, then every field of one TCP handshake packet.
set -eu
cd "$(dirname "$0")/.."
BIN=build/bin

echo "== tapir decodes packets that Linux sent (tests/data/*.pcap)"
for f in tests/data/*.pcap; do
    echo "-- $(basename "$f")"
    "$BIN/tapir-decode" "$f" | head -n 6
done

syn=$(ls tests/data/tcp*.pcap 2>/dev/null | head -n 1 || true)
if [ -n "$syn" ]; then
    echo
    echo "== every field of the first packet of $(basename "$syn") (tapir-decode -v)"
    "$BIN/tapir-decode" -v "$syn" | awk 'BEGIN{n=0} /^Ethernet II/{n++} n==1'
fi
echo
echo "Next: 'make check' runs every test; 'tapir-decode -e -v FILE.pcap' decodes your own captures."
