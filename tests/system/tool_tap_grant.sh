#!/usr/bin/env bash
# tapir-tap grant: file capabilities on a copy of tapir-ping (getcap shows them), and
# what they do: uid 65534 runs the granted copy on a raw socket, the plain copy fails
# with exit 2; --raw alone, --remove, scripts refused, no CAP_SETFCAP refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tap/common.sh"
enter_namespace "$@"
ip link set lo up
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
TAP=$BIN/tapir-tap
COPY=$OUT/bin
copy_bins "$COPY"
cp "$COPY/tapir-ping" "$COPY/ping-caps"

check "grant (both by default)" expect_rc 0 "$OUT/g1" "$TAP" grant "$COPY/ping-caps"
check "getcap shows cap_net_admin,cap_net_raw=ep" bash -c \
    "getcap '$COPY/ping-caps' | grep -q 'cap_net_admin,cap_net_raw=ep'"
check "grant explains who gets them" has "$OUT/g1" "every user who can execute"
check "the plain copy has none" test -z "$(getcap "$COPY/tapir-ping")"

# What the capability does: a raw socket on a veth whose peer is the kernel.
ip link add rv0 type veth peer name rv1
ip link set rv0 up
ip link set rv1 up
ip addr add 192.168.71.100/24 dev rv1
raw_ping() {
    as_nobody "$COPY/$1" --raw rv0 --ip 192.168.71.1/24 --gw 192.168.71.100 \
        -c 2 -i 0.2 192.168.71.100
}
check "uid 65534 pings on a raw socket with the granted copy" expect_rc 0 "$OUT/p1" raw_ping ping-caps
check "... 2 received" has "$OUT/p1" "2 packets transmitted, 2 received"
check "the plain copy: exit 2, no permission" expect_rc 2 "$OUT/p2" raw_ping tapir-ping
check "... names tapir-tap grant" has "$OUT/p2" "tapir-tap grant"

check "grant --raw" expect_rc 0 "$OUT/g2" "$TAP" grant --raw "$COPY/ping-caps"
check "getcap: cap_net_raw=ep only" test "$(getcap "$COPY/ping-caps" | awk '{print $2}')" = cap_net_raw=ep
check "grant --admin" expect_rc 0 "$OUT/g3" "$TAP" grant --admin "$COPY/ping-caps"
check "getcap: cap_net_admin=ep only" test "$(getcap "$COPY/ping-caps" | awk '{print $2}')" = cap_net_admin=ep
check "grant --remove" expect_rc 0 "$OUT/g4" "$TAP" grant --remove "$COPY/ping-caps"
check "getcap: nothing" test -z "$(getcap "$COPY/ping-caps")"
check "grant --remove again: fine" expect_rc 0 "$OUT/g5" "$TAP" grant --remove "$COPY/ping-caps"

printf '#!/bin/sh\necho hi\n' >"$COPY/script.sh"
chmod 0755 "$COPY/script.sh"
check "a script: refused" expect_rc 1 "$OUT/g6" "$TAP" grant "$COPY/script.sh"
check "... says why" has "$OUT/g6" "ignores file capabilities on scripts"
check "a missing file: exit 1" expect_rc 1 "$OUT/g7" "$TAP" grant "$COPY/nothing"
check "no arguments: exit 2" expect_rc 2 "$OUT/g8" "$TAP" grant
check "without CAP_SETFCAP: exit 1" expect_rc 1 "$OUT/g9" as_nobody "$COPY/tapir-tap" grant "$COPY/ping-caps"
check "... says what to do" has "$OUT/g9" "CAP_SETFCAP"
finish
