#!/usr/bin/env bash
# tapir-tap up/down/status in a private network (and mount) namespace: the addresses and
# routes exactly as asked, idempotent up and down, clear refusals (name taken, another
# owner, no privilege), a TAP and a TUN owned by uid 65534 that this user opens with
# copies of tapir-ping, and nothing left behind by down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tap/common.sh"
enter_mount_namespace "$@"
enter_namespace "$@"
ip link set lo up
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
TAP=$BIN/tapir-tap
COPY=$OUT/bin
copy_bins "$COPY"
# As Debian ships it, in this mount namespace only: the owner check is the kernel's.
tun_copy 0666

# ---- help ---------------------------------------------------------------------------------
check "tapir-tap --help lists every command" bash -c \
    "'$TAP' --help | grep -q '^  up ' && '$TAP' --help | grep -q '^  ns '"
for sub in up down status grant ns; do
    check "tapir-tap $sub --help" bash -c "'$TAP' $sub --help | grep -q 'usage: tapir-tap $sub'"
done
check "unknown command: exit 2" expect_rc 2 "$OUT/log" "$TAP" frobnicate
check "bad --addr: exit 2" expect_rc 2 "$OUT/log" "$TAP" up --addr 300.1.2.3/24
check "tapir-ping --help shows how to pick the device" bash -c \
    "'$BIN/tapir-ping' --help | grep -q -- '--tap NAME' && '$BIN/tapir-ping' --help | grep -q -- '--tun NAME'"

# ---- up: exactly the requested state ------------------------------------------------------
check "up --user 65534" expect_rc 0 "$OUT/up1" "$TAP" up --user 65534
check "up says up" has "$OUT/up1" "tap0: up (tap, owner 65534)"
want_addrs=$(printf '%s\n' 192.168.69.100/24 fdaa::100/64 fe80::100/64)
check "addresses exactly the defaults" test "$(addrs tap0)" = "$want_addrs"
check "IPv4 route" test "$(routes 4 tap0)" = "192.168.69.0/24 kernel"
check "IPv6 routes" test "$(routes 6 tap0)" = "$(printf '%s\n' 'fdaa::/64 kernel' 'fe80::/64 kernel')"
check "owner nobody" test "$(link_field tap0 user)" = nobody
check "persistent" test "$(link_field tap0 persist)" = True
check "a TAP" test "$(link_field tap0 type)" = tap
check "the record in the alias" test "$(link_field tap0 ifalias)" = \
    "tapir-tap: owner=65534, kind=tap, nat=-, forwarding_was=-"
check "IPv6 addresses usable at once (not tentative)" bash -c \
    "! ip -6 addr show dev tap0 | grep -q tentative"
check "administratively up" bash -c "ip -j link show tap0 | grep -q '\"UP\"'"
snapshot() { addrs tap0; routes 4 tap0; routes 6 tap0; link_field tap0 ifalias; }
before=$(snapshot)
check "up again: success" expect_rc 0 "$OUT/up2" "$TAP" up --user 65534
check "up again says already up" has "$OUT/up2" "tap0: already up"
check "up again: the same state" test "$(snapshot)" = "$before"

# ---- refusals -----------------------------------------------------------------------------
check "up for another owner: exit 1" expect_rc 1 "$OUT/owner" "$TAP" up --user 0
check "... says so" has "$OUT/owner" "already up for another owner (uid 65534)"
check "up --tun over the TAP: exit 1" expect_rc 1 "$OUT/kind" "$TAP" up --tun --user 65534
ip tuntap add dev other0 mode tap user 0
check "a name tapir-tap did not create: exit 1" expect_rc 1 "$OUT/taken" "$TAP" up --name other0
check "... says the name is taken" has "$OUT/taken" "the name other0 is taken"
check "down refuses a device it did not create" expect_rc 1 "$OUT/notours" "$TAP" down --name other0
check "... and leaves it" bash -c "ip link show other0 >/dev/null"
ip link del other0
check "no privilege: exit 1" expect_rc 1 "$OUT/nopriv" as_nobody "$COPY/tapir-tap" up --name tap9
check "... says what to do" has "$OUT/nopriv" "CAP_NET_ADMIN"
check "... names sudo" has "$OUT/nopriv" "sudo tapir-tap up"
check "... names ns" has "$OUT/nopriv" "tapir-tap ns -- CMD"

check "no TUN/TAP support: exit 1" bash -c "
    mount -t tmpfs -o mode=0755 none /dev/net &&
    { '$TAP' up --name t8 >'$OUT/notun' 2>&1; rc=\$?; umount /dev/net; [ \$rc = 1 ]; }"
check "... says so" has "$OUT/notun" "no TUN/TAP support here (/dev/net/tun is missing)"
check "the default owner under sudo is SUDO_UID" bash -c \
    "SUDO_UID=65534 '$TAP' up --name s0 >/dev/null && [ \"\$(ip -j -d link show s0 | grep -o '\"user\":\"[a-z]*\"')\" = '\"user\":\"nobody\"' ]"
"$TAP" down --name s0 >/dev/null
check "--group" bash -c "'$TAP' up --name g0 --user 65534 --group 4242 >/dev/null &&
    ip -d link show g0 | grep -q 'group 4242' && '$TAP' down --name g0 >/dev/null"

# ---- status -------------------------------------------------------------------------------
check "status" expect_rc 0 "$OUT/status" "$TAP" status
check "status: owner" has "$OUT/status" "tap0: tap, owner 65534 (nobody), up, no program attached"
check "status: address" has "$OUT/status" "inet  192.168.69.100/24"
check "status: IPv6 address" has "$OUT/status" "inet6 fdaa::100/64"
check "status: no NAT" has "$OUT/status" "nat: none"
check "status --name of an unmanaged device: exit 1" expect_rc 1 "$OUT/status3" "$TAP" status --name lo
check "status --name tap0" bash -c "'$TAP' status --name tap0 | grep -q '^tap0: tap'"
check "status as an unprivileged user" expect_rc 0 "$OUT/status2" as_nobody "$COPY/tapir-tap" status
check "... sees the same" has "$OUT/status2" "tap0: tap, owner 65534"

# ---- the owner opens it without privilege -------------------------------------------------
check "uid 65534 pings through its TAP with tapir-ping" expect_rc 0 "$OUT/ping" \
    as_nobody "$COPY/tapir-ping" --tap tap0 -c 3 -i 0.2 192.168.69.100
check "... 3 received" has "$OUT/ping" "3 packets transmitted, 3 received, 0% packet loss"
check "... and IPv6" expect_rc 0 "$OUT/ping6" \
    as_nobody "$COPY/tapir-ping" --tap tap0 -c 2 -i 0.2 fdaa::100
check "another user cannot open it" expect_rc 2 "$OUT/other" \
    setpriv --reuid=65533 --regid=65533 --clear-groups --inh-caps=-all \
    "$COPY/tapir-ping" --tap tap0 -c 1 192.168.69.100
check "the device kept its addresses after use" test "$(addrs tap0)" = "$want_addrs"

# ---- down ---------------------------------------------------------------------------------
fw_before=$(cat /proc/sys/net/ipv4/ip_forward)
check "down" expect_rc 0 "$OUT/down1" "$TAP" down
check "down says removed" has "$OUT/down1" "tap0: removed"
check "no tap0 left" bash -c "! ip link show tap0 2>/dev/null"
check "no 192.168.69.0/24 route left" test -z "$(ip -j route | python3 -c 'import json,sys; print([r for r in json.load(sys.stdin) if r["dst"].startswith("192.168.69")] or "")')"
check "no nftables table" test -z "$(nft list tables)"
check "forwarding unchanged" test "$(cat /proc/sys/net/ipv4/ip_forward)" = "$fw_before"
check "down again: success" expect_rc 0 "$OUT/down2" "$TAP" down
check "... nothing to do" has "$OUT/down2" "tap0: not present, nothing to do"
check "status after down" bash -c "'$TAP' status | grep -q 'no devices managed'"

# ---- other addresses, a TUN ---------------------------------------------------------------
check "up --name lab1 with own addresses" expect_rc 0 "$OUT/lab" "$TAP" up --name lab1 \
    --user 65534 --addr 10.9.8.7/16 --addr6 fd00:1::5/48 --addr6 fe80::5/64
check "lab1: exactly those addresses" test "$(addrs lab1)" = \
    "$(printf '%s\n' 10.9.8.7/16 fd00:1::5/48 fe80::5/64)"
check "lab1: IPv4 route" test "$(routes 4 lab1)" = "10.9.0.0/16 kernel"
check "lab1: IPv6 routes" test "$(routes 6 lab1)" = \
    "$(printf '%s\n' 'fd00:1::/48 kernel' 'fe80::/64 kernel')"
check "down --name lab1" expect_rc 0 "$OUT/labd" "$TAP" down --name lab1
check "up --tun --name tun0" expect_rc 0 "$OUT/tun" "$TAP" up --tun --name tun0 --user 65534
check "tun0 is a TUN" test "$(link_field tun0 type)" = tun
check "tun0: no link-local (no link layer)" test "$(addrs tun0)" = \
    "$(printf '%s\n' 192.168.69.100/24 fdaa::100/64)"
check "uid 65534 pings through its TUN" expect_rc 0 "$OUT/tunping" \
    as_nobody "$COPY/tapir-ping" --tun tun0 -c 2 -i 0.2 192.168.69.100
check "... 2 received" has "$OUT/tunping" "2 packets transmitted, 2 received"
check "down --name tun0" expect_rc 0 "$OUT/tund" "$TAP" down --name tun0
check "nothing left at the end" test "$(ip -o link | wc -l)" = 1
finish
