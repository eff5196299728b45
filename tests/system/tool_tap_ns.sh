#!/usr/bin/env bash
# tapir-tap ns as uid 65534: a private user+network namespace with a ready TAP, where
# tapir-ping reaches the namespace's side without sudo. /dev/net/tun is replaced in this
# test's own mount namespace: 0600 (this machine's mode: refused, with the fix named),
# 0660 with a group the user is in, 0666 as Debian ships it. A nested user namespace
# with user.max_user_namespaces=0 shows the refusal where user namespaces are off.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tap/common.sh"
enter_mount_namespace "$@"
enter_namespace "$@"
ip link set lo up
OUT=$(mktemp -d)
HOLDER=
trap '[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null; rm -rf "$OUT"' EXIT
COPY=$OUT/bin
copy_bins "$COPY"
NS="$COPY/tapir-tap ns"

if ! as_nobody unshare --user --net true 2>/dev/null; then
    echo "SKIP: unprivileged user namespaces are disabled on this machine" >&2
    exit 77
fi

tun_copy 0600
check "/dev/net/tun 0600: exit 1" expect_rc 1 "$OUT/closed" as_nobody $NS -- true
check "... explains the mode" has "$OUT/closed" "cannot open /dev/net/tun (mode 0600)"
check "... names the fix" has "$OUT/closed" "chmod 0666 /dev/net/tun"

tun_copy 0660 4242
check "/dev/net/tun 0660 with the user in its group: works" expect_rc 0 "$OUT/group" \
    setpriv --reuid=65534 --regid=65534 --groups=4242 --inh-caps=-all \
    $NS -- "$COPY/tapir-ping" -c 2 -i 0.2 192.168.69.100
check "... 2 received" has "$OUT/group" "2 packets transmitted, 2 received"

tun_copy 0666
check "tapir-tap ns -- tapir-ping -c 3 192.168.69.100" expect_rc 0 "$OUT/ping" \
    as_nobody $NS -- "$COPY/tapir-ping" -c 3 -i 0.2 192.168.69.100
check "... 3 received" has "$OUT/ping" "3 packets transmitted, 3 received, 0% packet loss"
check "... IPv6 fdaa::100" expect_rc 0 "$OUT/ping6" \
    as_nobody $NS -- "$COPY/tapir-ping" -c 2 -i 0.2 fdaa::100
check "... link-local fe80::100" expect_rc 0 "$OUT/ping6ll" \
    as_nobody $NS -- "$COPY/tapir-ping" -c 1 fe80::100
check "inside: root of the namespace" test "$(as_nobody $NS -- id -u)" = 0
as_nobody $NS -- ip -j addr show dev tap0 >"$OUT/inside.json"
check "inside: tap0 with the default addresses" test "$(python3 -c '
import json, sys
addrs = json.load(open(sys.argv[1]))[0]["addr_info"]
print(" ".join(sorted("%s/%d" % (a["local"], a["prefixlen"]) for a in addrs)))' "$OUT/inside.json")" = \
    "192.168.69.100/24 fdaa::100/64 fe80::100/64"
check "inside: status" expect_rc 0 "$OUT/status" as_nobody $NS -- "$COPY/tapir-tap" status
check "... shows tap0 owned by the namespace's root" has "$OUT/status" "tap0: tap, owner 0"
check "--name and --addr" expect_rc 0 "$OUT/named" as_nobody $NS --name lab0 --addr 10.5.0.100/24 \
    -- "$COPY/tapir-ping" --tap lab0 --ip 10.5.0.1/24 --gw 10.5.0.100 -c 1 10.5.0.100
check "CMD's exit status" expect_rc 7 "$OUT/exit7" as_nobody $NS -- sh -c 'exit 7'
check "a missing CMD: 127" expect_rc 127 "$OUT/missing" as_nobody $NS -- /nonexistent/cmd
check "... says so" has "$OUT/missing" "cannot run /nonexistent/cmd"
check "no command: exit 2" expect_rc 2 "$OUT/nocmd" as_nobody $NS
check "nothing appeared outside" test "$(ip -o link | wc -l)" = 1

# Where user namespaces are off: a nested user namespace (root mapped to root, 65534 to
# 65534) whose user.max_user_namespaces is 0; the host's value is untouched.
unshare --user sleep 60 &
HOLDER=$!
for _ in $(seq 200); do
    [ "$(readlink /proc/$HOLDER/ns/user)" != "$(readlink /proc/self/ns/user)" ] && break
    sleep 0.01
done
python3 -c "
for f in ('uid_map', 'gid_map'):
    open('/proc/$HOLDER/' + f, 'w').write('0 0 1\n65534 65534 1\n')"
host_max=$(cat /proc/sys/user/max_user_namespaces)
check "userns off: exit 1" expect_rc 1 "$OUT/off" nsenter --user --target "$HOLDER" sh -c \
    "echo 0 >/proc/sys/user/max_user_namespaces && exec setpriv --reuid=65534 --regid=65534 --clear-groups $NS -- true"
check "... names the sysctl" has "$OUT/off" "user.max_user_namespaces is 0"
check "... names the alternative" has "$OUT/off" "sudo tapir-tap up"
check "the host's limit untouched" test "$(cat /proc/sys/user/max_user_namespaces)" = "$host_max"
finish
