# Shared by the system tests (sourced): a private network namespace holding a TAP whose
# host side has the classic addresses, and helpers to run tapir on it.
#
# Every test re-executes itself inside `unshare --net` (a fresh network namespace that
# dies with the test), so nothing here can reach or change the host's network.
set -u

BIN=${TAPIR_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
FAILS=0
PASSES=0

enter_namespace() {
    if [ "${TAPIR_IN_NETNS:-}" = 1 ]; then
        return 0
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: needs root for a private network namespace with a TAP" >&2
        exit 77
    fi
    if ! unshare --net true 2>/dev/null || [ ! -e /dev/net/tun ]; then
        echo "SKIP: this machine cannot create network namespaces or has no /dev/net/tun" >&2
        exit 77
    fi
    TAPIR_IN_NETNS=1 exec unshare --net bash "$0" "$@"
}

# The TAP the kernel side uses: 192.168.69.100/24, fe80::100/64, fdaa::100/64 (nodad,
# usable at once), persistent so tapir attaches to it by name.
setup_tap() {
    local name=${1:-tap0} mtu=${2:-1500}
    ip link set lo up
    ip tuntap add dev "$name" mode tap
    ip link set "$name" mtu "$mtu" up
    ip addr add 192.168.69.100/24 dev "$name"
    ip -6 addr add fe80::100/64 dev "$name" nodad
    ip -6 addr add fdaa::100/64 dev "$name" nodad
}

# start_tapir LOG ARGS...: runs a tapir program in the background; returns when it has
# printed "ready" (or fails the test after 10 s). $TAPIR_PID is its pid.
start_tapir() {
    local log=$1
    shift
    "$@" 2>"$log" &
    TAPIR_PID=$!
    local i
    for i in $(seq 200); do
        grep -q '^ready$' "$log" && return 0
        kill -0 "$TAPIR_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "FAIL: $1 never became ready:" >&2
    cat "$log" >&2
    exit 1
}

stop_tapir() {
    kill -INT "$TAPIR_PID" 2>/dev/null || true
    wait "$TAPIR_PID"
    local rc=$?
    TAPIR_PID=
    return $rc
}

# counter LOG NAME: the value of a "name value" counter line (0 when absent).
counter() {
    awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }' "$1"
}

check() {
    local what=$1
    shift
    if "$@"; then
        PASSES=$((PASSES + 1))
    else
        FAILS=$((FAILS + 1))
        echo "FAIL: $what" >&2
    fi
}

finish() {
    echo "$PASSES passed, $FAILS failed"
    [ "$FAILS" = 0 ]
}
