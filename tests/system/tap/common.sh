# Shared by the tapir-tap system tests (sourced after lib.sh; not a test itself: the
# system-test glob takes tests/system/*.sh only).
#
# These tests change /dev/net/tun's permissions and run programs as an unprivileged user.
# They do it in a private mount namespace, so the host's /dev/net/tun is never touched.

# enter_mount_namespace "$@": re-executes the test in a private mount namespace, before
# enter_namespace adds the network namespace.
enter_mount_namespace() {
    if [ "${TAPIR_IN_MNTNS:-}" = 1 ]; then
        return 0
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: needs root for private mount and network namespaces" >&2
        exit 77
    fi
    if ! unshare --mount --propagation private true 2>/dev/null; then
        echo "SKIP: this machine cannot create mount namespaces" >&2
        exit 77
    fi
    TAPIR_IN_MNTNS=1 exec unshare --mount --propagation private bash "$0" "$@"
}

# tun_copy MODE [GROUP]: a fresh /dev/net/tun node with MODE (and group) mounted over the
# real one in this mount namespace only. Opening it grants nothing by itself: the kernel
# still checks CAP_NET_ADMIN or the device owner at TUNSETIFF.
TUN_DIR=
tun_copy() {
    if [ -z "$TUN_DIR" ]; then
        TUN_DIR=$(mktemp -d)
        mount -t tmpfs -o mode=0755 tapir-tun "$TUN_DIR"
    fi
    rm -f "$TUN_DIR/tun"
    mknod -m "$1" "$TUN_DIR/tun" c 10 200
    [ -n "${2:-}" ] && chgrp "$2" "$TUN_DIR/tun"
    umount /dev/net/tun 2>/dev/null || true
    mount --bind "$TUN_DIR/tun" /dev/net/tun
}

# copy_bins DIR: copies of the programs in a directory every user can read and run (the
# build tree may not be readable by uid 65534).
copy_bins() {
    mkdir -p "$1"
    cp "$BIN/tapir-tap" "$BIN/tapir-ping" "$BIN/tapir-host" "$1/"
    chmod 0755 "$1" "$1"/*
    chmod a+x "$(dirname "$1")"
}

# as_nobody CMD...: runs CMD as uid/gid 65534 with no capabilities and no groups.
as_nobody() {
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"
}

# expect_rc RC LOG CMD...: CMD exits RC; its output (both streams) goes to LOG.
expect_rc() {
    local want=$1 log=$2
    shift 2
    "$@" >"$log" 2>&1
    local rc=$?
    [ "$rc" = "$want" ] && return 0
    echo "exit $rc (wanted $want): $*" >&2
    cat "$log" >&2
    return 1
}

# has LOG TEXT: LOG contains TEXT (fixed string).
has() {
    grep -qF -- "$2" "$1" || { echo "no '$2' in:" >&2; cat "$1" >&2; return 1; }
}

# addrs DEV: the device's addresses, "addr/len" sorted, one per line (from ip -j).
addrs() {
    ip -j addr show dev "$1" | python3 -c '
import json, sys
out = []
for link in json.load(sys.stdin):
    for a in link.get("addr_info", []):
        out.append("%s/%d" % (a["local"], a["prefixlen"]))
print("\n".join(sorted(out)))'
}

# routes V DEV: the main-table routes through DEV, "dst proto" sorted (ip -j route).
routes() {
    ip -j -"$1" route show dev "$2" | python3 -c '
import json, sys
print("\n".join(sorted("%s %s" % (r["dst"], r.get("protocol", "")) for r in json.load(sys.stdin))))'
}

# tun_info DEV FIELD: a field of ip -j -d link's tun info (user, persist, type) or ifalias.
link_field() {
    ip -j -d link show dev "$1" | python3 -c '
import json, sys
l = json.load(sys.stdin)[0]
f = sys.argv[1]
v = l.get("ifalias") if f == "ifalias" else l.get("linkinfo", {}).get("info_data", {}).get(f)
print("" if v is None else v)' "$2"
}
