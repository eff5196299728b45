#!/usr/bin/env bash
# Runs every command of docs/privileges.md, in order: each line of its ```sh blocks, the
# lines with sudo as root (sudo stripped), the others as uid 65534 ($USER=nobody, in a
# group netdev), in a private network and mount namespace where /dev/net/tun starts at
# this machine's 0600 (so the doc's own fix is what opens it) and eth0 is a veth. Every
# line must succeed, and at the end nothing the doc set up may remain.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tap/common.sh"
enter_mount_namespace "$@"
enter_namespace "$@"
ip link set lo up
SRC=${TAPIR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
DOC=$SRC/docs/privileges.md
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
chmod 0755 "$WORK"
copy_bins "$WORK/build/bin"
chown 65534:65534 "$WORK"
export PATH=$WORK/build/bin:$PATH

# A group netdev (Debian has one; this machine may not), in this mount namespace only.
NETDEV=4243
if getent group netdev >/dev/null; then
    NETDEV=$(getent group netdev | cut -d: -f3)
else
    cp /etc/group "$WORK/group"
    echo "netdev:x:$NETDEV:" >>"$WORK/group"
    mount --bind "$WORK/group" /etc/group
fi
tun_copy 0600
ip link add eth0 type veth peer name eth0p
fw_before=$(cat /proc/sys/net/ipv4/ip_forward)
links_before=$(ip -o link | wc -l)

mapfile -t LINES < <(awk '/^```sh$/ { on = 1; next } /^```/ { on = 0 } on && NF && $1 !~ /^#/' "$DOC")
check "the doc has commands to run" test "${#LINES[@]}" -ge 20
cd "$WORK" || exit 1
n=0
for line in "${LINES[@]}"; do
    n=$((n + 1))
    log=$WORK/cmd$n.log
    if [[ $line == sudo\ * ]]; then
        check "doc, as root: ${line#sudo }" expect_rc 0 "$log" \
            env USER=nobody bash -c "${line#sudo }"
    else
        check "doc, as a user: $line" expect_rc 0 "$log" \
            setpriv --reuid=65534 --regid=65534 --groups="$NETDEV" --inh-caps=-all \
            env USER=nobody HOME="$WORK" bash -c "$line"
    fi
done
# The outputs the doc promises.
check "the pings in the doc got their answers" test \
    "$(cat "$WORK"/cmd*.log | grep -c '3 packets transmitted, 3 received')" -ge 5
check "getcap showed cap_net_raw" bash -c "cat '$WORK'/cmd*.log | grep -q 'tapir-ping-raw cap_net_raw=ep'"
check "nft showed the masquerade rule" bash -c "cat '$WORK'/cmd*.log | grep -q 'oifname \"eth0\" masquerade'"
check "ns ran status inside" bash -c "cat '$WORK'/cmd*.log | grep -q 'tap0: tap, owner 0'"
check "nothing left: links" test "$(ip -o link | wc -l)" = "$links_before"
check "nothing left: nftables" test -z "$(nft list tables)"
check "nothing left: forwarding" test "$(cat /proc/sys/net/ipv4/ip_forward)" = "$fw_before"
finish
