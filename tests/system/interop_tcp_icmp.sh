#!/usr/bin/env bash
# ICMP errors from the Linux kernel for tapir's TCP, in a private network namespace:
# nftables on the kernel side answers tapir-get's SYN with an ICMP error, as a firewall or
# router would. Port unreachable (IPv4 3/3, ICMPv6 1/4) is a hard error: the connection
# attempt ends at once, refused. Host unreachable (IPv4 3/1, ICMPv6 1/3) is a soft error
# (RFC 9293 §3.9.2.2): tapir keeps sending its SYN (the kernel counts them) and reports
# the error when tapir-get gives up.
. "$(dirname "$0")/lib.sh"
enter_namespace "$@"
setup_tap tap0
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

nft -f - <<'EOF'
table inet tapir_icmp {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 81 counter reject with icmpx type port-unreachable
        tcp dport 82 counter reject with icmpx type host-unreachable
    }
}
EOF

# rejected PORT: how many SYNs the rule to PORT has answered.
rejected() {
    nft list chain inet tapir_icmp input | awk -v p="dport $1" \
        'index($0, p) { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# get URL WAIT LOG: tapir-get with -W WAIT, bounded; prints its exit status and how long
# it took, in tenths of a second.
get() {
    local start end rc
    start=$(date +%s%N)
    timeout 30 "$BIN/tapir-get" --tap tap0 -W "$2" -o /dev/null "$1" 2>"$3"
    rc=$?
    end=$(date +%s%N)
    echo "$rc $(((end - start) / 100000000))"
}

for url in http://192.168.69.100:81/ "http://[fdaa::100]:81/"; do
    read -r rc tenths < <(get "$url" 20 "$OUT/refused.log")
    check "$url: exit 2 (got $rc)" test "$rc" = 2
    check "$url: connection refused by the ICMP error" grep -q 'connection refused' "$OUT/refused.log"
    check "$url: at once, not after the 20 s wait (took ${tenths}00 ms)" test "$tenths" -lt 50
done
check "the kernel refused exactly two SYNs on port 81" test "$(rejected 81)" = 2

for url in http://192.168.69.100:82/ "http://[fdaa::100]:82/"; do
    before=$(rejected 82)
    read -r rc tenths < <(get "$url" 4 "$OUT/unreach.log")
    check "$url: exit 2 (got $rc)" test "$rc" = 2
    check "$url: still trying when tapir-get gave up" grep -q 'state SYN-SENT' "$OUT/unreach.log"
    check "$url: the soft error is reported" grep -q 'destination unreachable' "$OUT/unreach.log"
    # SYNs at 0, 1 s and 3 s (the RTO doubling from 1 s) before the 4 s wait ran out.
    check "$url: three SYNs despite the error (got $(($(rejected 82) - before)))" \
        test "$(($(rejected 82) - before))" = 3
done
finish
