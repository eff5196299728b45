#!/usr/bin/env bash
# tapir-host --http against real clients in a private network namespace: curl downloads
# (1 GiB generated over IPv4 and a file over IPv6, SHA-256 compared), HEAD, keep-alive,
# the 403/404 rules (.., symlinks out of the directory), ab -k -c 200 with no failed
# request, 1,000 sequential connections, and nc with half-close against the echo service.
. "$(dirname "$0")/lib.sh"
enter_namespace "$@"
setup_tap tap0
OUT=$(mktemp -d)
WWW=$OUT/www
trap 'rm -rf "$OUT"' EXIT
SCALE=${TAPIR_TEST_SCALE:-1}
mkdir -p "$WWW/sub"
head -c 3000000 /dev/urandom >"$WWW/sub/blob"
echo "tapir" >"$WWW/index.html"
ln -s /etc/hostname "$WWW/outside"

start_tapir "$OUT/host.log" "$BIN/tapir-host" --tap tap0 --http "$WWW" --echo 7

big=$(echo "1073741824*$SCALE/1" | bc)
# The expected SHA-256 of /bytes/N: bytes i mod 251.
want=$(/usr/bin/python3 -c "
import hashlib, sys
n = $big; h = hashlib.sha256(); block = bytes(i % 251 for i in range(251)) * 4096
full, rest = divmod(n, len(block))
for _ in range(full): h.update(block)
h.update(block[:rest]); print(h.hexdigest())")
check "curl: /bytes/$big over IPv4, SHA-256 matches" bash -c \
    "[ \"\$(curl -sf --max-time 300 http://192.168.69.1/bytes/$big | sha256sum | cut -d' ' -f1)\" = '$want' ]"
check "curl: a 3 MB file over IPv6, identical" bash -c \
    "curl -sf --max-time 60 -o '$OUT/blob' 'http://[fdaa::1]/sub/blob' && cmp -s '$OUT/blob' '$WWW/sub/blob'"
check "curl: HEAD gives the length and no body" bash -c \
    "curl -sfI http://192.168.69.1/sub/blob | grep -q 'Content-Length: 3000000'"
check "curl: two requests on one connection (keep-alive)" bash -c \
    "[ \"\$(curl -s -o /dev/null -o /dev/null -w '%{num_connects}' http://192.168.69.1/ http://192.168.69.1/index.html)\" = 10 ]"
code() { curl -s -o /dev/null -w '%{http_code}' --path-as-is "$1"; }
check "403 for .." test "$(code 'http://192.168.69.1/../etc/hostname')" = 403
check "403 for a symlink out of the directory" test "$(code http://192.168.69.1/outside)" = 403
check "404 for a missing file" test "$(code http://192.168.69.1/missing)" = 404
check "ab -k -c 200 -n 20000: no failed request" bash -c \
    "ab -q -k -c 200 -n $(echo "20000*$SCALE/1" | bc) -s 30 http://192.168.69.1/index.html >'$OUT/ab.txt' 2>&1 &&
     grep -q '^Failed requests: *0' '$OUT/ab.txt' && ! grep -q '^Non-2xx responses' '$OUT/ab.txt'"
check "1,000 sequential connections from kernel clients" /usr/bin/python3 -c "
import socket, sys
for i in range(1000):
    s = socket.create_connection(('192.168.69.1', 80), timeout=10)
    s.sendall(b'GET /bytes/100 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
    data = b''
    while True:
        c = s.recv(4096)
        if not c:
            break
        data += c
    s.close()
    if not data.startswith(b'HTTP/1.1 200') or not data.endswith(bytes(range(100))):
        sys.exit('connection %d: %r' % (i, data[:60]))"
# netcat-openbsd -N: half-close after stdin ends; the echo comes back complete.
head -c 1000000 /dev/urandom >"$OUT/nc.in"
check "nc -N to the echo service: byte-exact with half-close" bash -c \
    "nc -N -w 10 192.168.69.1 7 <'$OUT/nc.in' >'$OUT/nc.out' && cmp -s '$OUT/nc.in' '$OUT/nc.out'"
stop_tapir
check "tapir counted the 403s and 404s" test "$(counter "$OUT/host.log" http_responses_4xx)" -ge 3

# tapir-get against python's HTTP server on the kernel side.
head -c "$big" /dev/urandom >"$WWW/big.bin"
(cd "$WWW" && exec /usr/bin/python3 -m http.server --bind 192.168.69.100 8000 >/dev/null 2>&1) &
SERVER=$!
for _ in $(seq 100); do
    /usr/bin/python3 -c "import socket; socket.create_connection(('192.168.69.100', 8000), 1)" \
        2>/dev/null && break
    sleep 0.05 # polling the port until the server listens; no event to wait on
done
check "tapir-get: $big bytes from python http.server, SHA-256 matches" bash -c \
    "'$BIN/tapir-get' --tap tap0 -o '$OUT/got.bin' http://192.168.69.100:8000/big.bin 2>'$OUT/get.err' &&
     [ \"\$(sha256sum <'$OUT/got.bin')\" = \"\$(sha256sum <'$WWW/big.bin')\" ]"
check "tapir-get prints a throughput line" grep -q 'Mbit/s' "$OUT/get.err"
check "tapir-get exits 1 on 404" bash -c \
    "'$BIN/tapir-get' --tap tap0 -o /dev/null http://192.168.69.100:8000/missing 2>/dev/null; [ \$? = 1 ]"
check "tapir-get exits 2 on a bad URL" bash -c "'$BIN/tapir-get' ftp://x 2>/dev/null; [ \$? = 2 ]"
kill "$SERVER"
finish
