#!/usr/bin/env bash
# tapir's stub resolver against dnsmasq on the kernel side of a TAP, in a private network
# namespace: A, AAAA and a three-step CNAME chain (tapir-dig prints them like
# `dig +noall +answer`); NXDOMAIN (exit 1); a first server that never answers (nobody has
# its address) is left after its second for the next, and one that answers with port
# unreachable at once; 40 A records do not fit in 512
# bytes, so dnsmasq sets TC and tapir asks again over TCP; nothing answering at all gives
# exit 2; tapir-ping and tapir-get take a name (a.test is an address of the kernel's TAP,
# with python's HTTP server on it).
. "$(dirname "$0")/lib.sh"
enter_namespace "$@"
command -v dnsmasq >/dev/null || { echo "SKIP: dnsmasq is not installed" >&2; exit 77; }
setup_tap tap0
ip addr add 192.168.69.7/24 dev tap0
ip -6 addr add fdaa::7/64 dev tap0 nodad
OUT=$(mktemp -d)
DNSMASQ_PID=
HTTP_PID=
cleanup() {
    [ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null
    [ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$OUT"
}
trap cleanup EXIT

BIG=()
for i in $(seq 1 40); do BIG+=("--host-record=big.test,10.0.0.$i"); done
dnsmasq --keep-in-foreground --no-resolv --no-hosts --conf-file=/dev/null --user=root \
    --port 53 --listen-address=192.168.69.100 --bind-interfaces \
    --pid-file="$OUT/dnsmasq.pid" --log-facility="$OUT/dnsmasq.log" --local=/test/ \
    --host-record=a.test,192.168.69.7,fdaa::7 \
    --cname=c1.test,c2.test --cname=c2.test,c3.test --cname=c3.test,a.test \
    "${BIG[@]}" &
DNSMASQ_PID=$!
for i in $(seq 100); do
    ss -lnu | grep -q '192.168.69.100:53 ' && ss -lnt | grep -q '192.168.69.100:53 ' && break
    sleep 0.05
done

# dig NAME ARGS...: tapir-dig's answer in $OUT/dig.out, its stderr in $OUT/dig.err, its
# exit status in $OUT/dig.rc.
dig() {
    "$BIN/tapir-dig" --tap tap0 "$@" >"$OUT/dig.out" 2>"$OUT/dig.err"
    echo $? >"$OUT/dig.rc"
}
# expect RC: the last dig's exit status; then the lines of its answer must equal stdin.
expect() {
    local want
    want=$(cat)
    if [ "$(cat "$OUT/dig.rc")" != "$1" ] || [ "$(cat "$OUT/dig.out")" != "$want" ]; then
        echo "exit $(cat "$OUT/dig.rc") (want $1); got:" >&2
        cat "$OUT/dig.out" "$OUT/dig.err" >&2
        echo "want:" >&2
        echo "$want" >&2
        return 1
    fi
}
T=$'\t'

dig a.test
check "A a.test" expect 0 <<<"a.test.${T}0${T}IN${T}A${T}192.168.69.7"
dig a.test -t AAAA
check "AAAA a.test" expect 0 <<<"a.test.${T}0${T}IN${T}AAAA${T}fdaa::7"
dig c1.test
check "A c1.test: a three-step CNAME chain" expect 0 <<EOF2
c1.test.${T}0${T}IN${T}CNAME${T}c2.test.
c2.test.${T}0${T}IN${T}CNAME${T}c3.test.
c3.test.${T}0${T}IN${T}CNAME${T}a.test.
a.test.${T}0${T}IN${T}A${T}192.168.69.7
EOF2
dig missing.test
check "missing.test: NXDOMAIN, exit 1" expect 1 </dev/null
check "NXDOMAIN is reported" grep -q 'does not exist' "$OUT/dig.err"

# 192.168.69.53 belongs to nobody: its query goes nowhere, and after 1 s the next server
# is asked.
start=$(date +%s%N)
dig a.test --dns 192.168.69.53 --dns 192.168.69.100
took=$(( ($(date +%s%N) - start) / 1000000 ))
check "dead first server, then the next" expect 0 <<<"a.test.${T}0${T}IN${T}A${T}192.168.69.7"
check "the answer came from the second server" grep -q 'SERVER: 192.168.69.100#53 (UDP)' "$OUT/dig.err"
check "after the first server's 1 s ($took ms)" test "$took" -ge 1000

# 192.168.69.7 is the kernel's, with nothing on port 53: its port unreachable sends tapir
# to the next server at once.
start=$(date +%s%N)
dig a.test --dns 192.168.69.7 --dns 192.168.69.100
took=$(( ($(date +%s%N) - start) / 1000000 ))
check "port unreachable first server, then the next" expect 0 <<<"a.test.${T}0${T}IN${T}A${T}192.168.69.7"
check "without waiting for its timeout ($took ms)" test "$took" -lt 900

dig big.test
check "big.test: 40 addresses" test "$(grep -c "${T}A${T}10\.0\.0\." "$OUT/dig.out")" = 40
check "big.test: exit 0" test "$(cat "$OUT/dig.rc")" = 0
check "big.test: answered over TCP after TC" grep -q 'SERVER: 192.168.69.100#53 (TCP)' "$OUT/dig.err"
check "big.test: every address once" \
    test "$(awk '{print $5}' "$OUT/dig.out" | sort -u | wc -l)" = 40

dig a.test @192.168.69.53 --duration 30
check "no server answers: exit 2" expect 2 </dev/null
check "timeout is reported" grep -q 'timed out\|not answer' "$OUT/dig.err"

# tapir-ping and tapir-get resolve names first.
"$BIN/tapir-ping" --tap tap0 -c 2 -i 0.3 a.test >"$OUT/ping.out" 2>"$OUT/ping.err"
check "tapir-ping a.test" grep -q '2 packets transmitted, 2 received' "$OUT/ping.out"
check "tapir-ping shows the name and address" grep -q '^PING a.test (192.168.69.7)' "$OUT/ping.out"
"$BIN/tapir-ping" --tap tap0 -c 1 -6 a.test >"$OUT/ping6.out" 2>"$OUT/ping6.err"
check "tapir-ping -6 a.test (AAAA)" grep -q '1 received' "$OUT/ping6.out"
"$BIN/tapir-ping" --tap tap0 -c 1 missing.test >"$OUT/pingx.out" 2>"$OUT/pingx.err"
check "tapir-ping missing.test: exit 2" test $? = 2
check "tapir-ping missing.test: says why" grep -q 'missing.test: .*does not exist' "$OUT/pingx.err"

WWW=$OUT/www
mkdir -p "$WWW"
head -c 100000 /dev/urandom >"$WWW/file.bin"
(cd "$WWW" && exec /usr/bin/python3 -m http.server --bind 192.168.69.7 8080 >/dev/null 2>&1) &
HTTP_PID=$!
for i in $(seq 100); do
    ss -lnt | grep -q '192.168.69.7:8080 ' && break
    sleep 0.05
done
"$BIN/tapir-get" --tap tap0 -o "$OUT/got.bin" http://a.test:8080/file.bin 2>"$OUT/get.err"
check "tapir-get http://a.test:8080/ exits 0" test $? = 0
check "tapir-get body matches" cmp -s "$WWW/file.bin" "$OUT/got.bin"
finish
