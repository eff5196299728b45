#!/usr/bin/env bash
# IPv6 stateless autoconfiguration against real programs: radvd on the kernel side of the
# TAP advertises fdab::/64 (on-link, autonomous) and an MTU of 1400; tapir forms its
# address from the MAC (modified EUI-64), passes duplicate address detection, says so,
# and the kernel pings the address. Then the kernel already owns the address tapir would
# form: tapir's DAD probe is answered and tapir reports the duplicate and does not use it.
. "$(dirname "$0")/lib.sh"
enter_namespace "$@"
setup_tap tap0
OUT=$(mktemp -d)
RADVD_PID=
cleanup() {
    [ -n "${TAPIR_PID:-}" ] && kill -INT "$TAPIR_PID" 2>/dev/null
    [ -n "$RADVD_PID" ] && kill "$RADVD_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$OUT"
}
trap cleanup EXIT

# The address tapir forms for a MAC in fdab::/64 (RFC 4291 Appendix A).
slaac_addr() {
    python3 - "$1" <<'PY'
import ipaddress, sys
m = [int(x, 16) for x in sys.argv[1].split(":")]
iid = bytes([m[0] ^ 2, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]])
print(ipaddress.IPv6Address(bytes.fromhex("fdab000000000000") + iid))
PY
}

# The kernel routes fdab::/64 on the TAP; radvd needs forwarding on to act as a router
# (this namespace's setting only).
sysctl -qw net.ipv6.conf.all.forwarding=1
ip -6 addr add fdab::100/64 dev tap0 nodad
cat >"$OUT/radvd.conf" <<'CONF'
interface tap0 {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 4;
    AdvDefaultLifetime 60;
    AdvLinkMTU 1400;
    prefix fdab::/64 {
        AdvOnLink on;
        AdvAutonomous on;
        AdvValidLifetime 600;
        AdvPreferredLifetime 300;
    };
};
CONF
radvd -n -C "$OUT/radvd.conf" -p "$OUT/radvd.pid" -m stderr -d 1 2>"$OUT/radvd.log" &
RADVD_PID=$!

# wait_line LOG REGEX SECONDS: poll the log for a line (bounded).
wait_line() {
    local i
    for i in $(seq $(($3 * 20))); do
        grep -Eq "$2" "$1" && return 0
        sleep 0.05
    done
    echo "no line /$2/ in $1 after $3 s:" >&2
    cat "$1" >&2
    return 1
}

# 1. tapir autoconfigures and the kernel reaches the address.
ADDR=$(slaac_addr 02:00:00:00:00:01)
start_tapir "$OUT/host.log" "$BIN/tapir-host" --tap tap0 --mac 02:00:00:00:00:01
check "tapir's link-local address passes DAD" \
    wait_line "$OUT/host.log" '^slaac link-local fe80::ff:fe00:1$' 10
check "tapir forms $ADDR/64 from radvd's prefix, router named" \
    wait_line "$OUT/host.log" "^slaac $ADDR/64 router fe80::" 20
check "tapir takes the advertised MTU" wait_line "$OUT/host.log" '^mtu 1400$' 1
check "tapir learned the router" wait_line "$OUT/host.log" '^router fe80::[0-9a-f:]+ lifetime 60$' 1
check "the kernel pings $ADDR" bash -c "ping -6 -c 3 -i 0.2 -W 2 $ADDR | grep -q ' 3 received'"
check "1400-byte MTU: a 2000-byte ping comes back (fragmented by tapir)" \
    bash -c "ping -6 -c 1 -W 2 -s 2000 $ADDR | grep -q ' 1 received'"
stop_tapir
check "tapir-host exits 0" test $? = 0
check "no duplicate in the first run" bash -c "! grep -q '^dad duplicate' '$OUT/host.log'"

# 2. The kernel owns the address tapir would form for another MAC: a duplicate.
MAC2=02:00:00:00:00:07
ADDR2=$(slaac_addr $MAC2)
ip -6 addr add "$ADDR2/64" dev tap0 nodad
start_tapir "$OUT/dup.log" "$BIN/tapir-host" --tap tap0 --mac $MAC2
check "tapir detects that $ADDR2 is taken" wait_line "$OUT/dup.log" "^dad duplicate $ADDR2$" 20
sleep 1.5 # longer than RetransTimer: a missed duplicate would be assigned by now
check "tapir never uses $ADDR2" bash -c "! grep -q '^slaac $ADDR2' '$OUT/dup.log'"
stop_tapir
check "tapir-host exits 0 after the duplicate" test $? = 0
check "radvd still running (it served both runs)" kill -0 "$RADVD_PID"
finish
