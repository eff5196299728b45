#!/usr/bin/env bash
# tapir-tap up --nat: the nftables table tapir-<name> with one masquerade rule for the
# outgoing interface, IPv4 forwarding on and restored by down (whatever it was, also
# with two NATed devices), and NAT actually translating: a host behind the TAP reaches a
# peer namespace through out0 with the address of out0. All inside private namespaces.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tap/common.sh"
enter_namespace "$@"
ip link set lo up
OUT=$(mktemp -d)
PEER=
cleanup() {
    [ -n "$PEER" ] && kill "$PEER" 2>/dev/null
    rm -rf "$OUT"
}
trap cleanup EXIT
TAP=$BIN/tapir-tap

# The way out: veth out0 here, its peer in a second namespace (held by a sleeping
# process) as 10.77.0.2, the "other network".
unshare --net sleep 600 &
PEER=$!
for _ in $(seq 100); do [ "$(readlink /proc/$PEER/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.02; done
ip link add out0 type veth peer name out1 netns /proc/$PEER/ns/net
ip addr add 10.77.0.1/24 dev out0
ip link set out0 up
nsenter --net=/proc/$PEER/ns/net sh -c 'ip link set lo up; ip addr add 10.77.0.2/24 dev out1; ip link set out1 up'

# nat_rule TABLE: "oifname masquerade" of the one rule, from nft -j.
nat_rule() {
    nft -j list table ip "$1" | python3 -c '
import json, sys
rules = [o["rule"] for o in json.load(sys.stdin)["nftables"] if "rule" in o]
assert len(rules) == 1, rules
oif = masq = None
for e in rules[0]["expr"]:
    if "match" in e and e["match"]["left"].get("meta", {}).get("key") == "oifname":
        oif = e["match"]["right"]
    if "masquerade" in e:
        masq = "masquerade"
print(oif, masq, rules[0]["chain"])'
}

echo 0 >/proc/sys/net/ipv4/ip_forward
check "up --nat out0" expect_rc 0 "$OUT/up" "$TAP" up --user 0 --nat out0
check "... says so" has "$OUT/up" "NAT out of out0, ip_forward 1 (was 0)"
check "table ip tapir-tap0 with one masquerade rule for out0" \
    test "$(nat_rule tapir-tap0)" = "out0 masquerade postrouting"
check "the chain is a nat postrouting hook" bash -c \
    "nft -j list table ip tapir-tap0 | grep -q '\"hook\": \"postrouting\"'"
check "forwarding 1" test "$(cat /proc/sys/net/ipv4/ip_forward)" = 1
check "the record" test "$(link_field tap0 ifalias)" = \
    "tapir-tap: owner=0, kind=tap, nat=out0, forwarding_was=0"
check "up --nat again: one rule still" expect_rc 0 "$OUT/up2" "$TAP" up --user 0 --nat out0
check "... one rule" test "$(nat_rule tapir-tap0)" = "out0 masquerade postrouting"
check "... record unchanged (forwarding_was 0, not 1)" test "$(link_field tap0 ifalias)" = \
    "tapir-tap: owner=0, kind=tap, nat=out0, forwarding_was=0"
check "up --nat elsewhere: exit 1" expect_rc 1 "$OUT/up3" "$TAP" up --user 0 --nat lo
check "--nat to a missing interface: exit 1" expect_rc 1 "$OUT/up4" "$TAP" up --name t9 --nat nope0
check "... says so" has "$OUT/up4" "no such interface"
check "... creates nothing" bash -c "! ip link show t9 2>/dev/null"
check "status shows the NAT" bash -c \
    "'$TAP' status | grep -q 'nat: masquerade out of out0, table ip tapir-tap0 present; ip_forward 1 (was 0)'"

# NAT at work: tapir behind tap0 pings the peer, which has no route back to
# 192.168.69.0/24, so a reply proves the source became out0's 10.77.0.1.
check "tapir reaches 10.77.0.2 through the NAT" expect_rc 0 "$OUT/ping" \
    "$BIN/tapir-ping" --tap tap0 -c 2 -i 0.2 10.77.0.2
check "... the peer answered out0's address (conntrack)" bash -c \
    "nsenter --net=/proc/$PEER/ns/net ip neigh show | grep -q 10.77.0.1"

check "down" expect_rc 0 "$OUT/down" "$TAP" down
check "... says restored" has "$OUT/down" "NAT table removed, ip_forward restored to 0"
check "no table left" bash -c "! nft list table ip tapir-tap0 2>/dev/null"
check "no tables at all" test -z "$(nft list tables)"
check "forwarding back to 0" test "$(cat /proc/sys/net/ipv4/ip_forward)" = 0
check "down again" expect_rc 0 "$OUT/down2" "$TAP" down

# Forwarding was already on: it stays on.
echo 1 >/proc/sys/net/ipv4/ip_forward
"$TAP" up --user 0 --nat out0 >/dev/null
check "was 1: recorded" test "$(link_field tap0 ifalias)" = \
    "tapir-tap: owner=0, kind=tap, nat=out0, forwarding_was=1"
"$TAP" down >/dev/null
check "was 1: still 1 after down" test "$(cat /proc/sys/net/ipv4/ip_forward)" = 1

# Two NATed devices: the first down leaves forwarding on, the last restores it.
echo 0 >/proc/sys/net/ipv4/ip_forward
"$TAP" up --user 0 --nat out0 >/dev/null
"$TAP" up --name tap1 --user 0 --addr 192.168.70.100/24 --nat out0 >/dev/null
check "second NAT inherits the original value" test "$(link_field tap1 ifalias)" = \
    "tapir-tap: owner=0, kind=tap, nat=out0, forwarding_was=0"
check "two tables" test "$(nft list tables | sort | tr '\n' ' ')" = \
    "table ip tapir-tap0 table ip tapir-tap1 "
"$TAP" down >/dev/null
check "first down: forwarding stays on for the other" test "$(cat /proc/sys/net/ipv4/ip_forward)" = 1
check "... its table gone, the other's kept" test "$(nft list tables)" = "table ip tapir-tap1"
"$TAP" down --name tap1 >/dev/null
check "last down: forwarding restored" test "$(cat /proc/sys/net/ipv4/ip_forward)" = 0
check "no tables" test -z "$(nft list tables)"

# A table left by a failed up (no device) is removed by down.
nft add table ip tapir-tap0
check "down removes an orphan table" expect_rc 0 "$OUT/orphan" "$TAP" down
check "... says so" has "$OUT/orphan" "removed its NAT table"
check "... gone" test -z "$(nft list tables)"
finish
