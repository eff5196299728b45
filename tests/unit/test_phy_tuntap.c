/* TAP and TUN devices, for real, inside a private network namespace this test creates
 * (it never touches the host's interfaces), checked against an AF_PACKET socket on the
 * same interface; and the privilege errors, from children that drop their privileges.
 * Exits 77 (skip) when it cannot get a namespace or /dev/net/tun; as root it never does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tapir/error.h"
#include "tapir/phy/packet.h"
#include "tapir/phy/tuntap.h"
#include "tapir/wire/checksum.h"
#include <arpa/inet.h>
#include <netinet/in.h>

static bool real_root; /* root in the initial user namespace when the test started */

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t w = write(fd, text, strlen(text));
    (void)w;
    close(fd);
}

/* Moves this process into a new, empty network namespace (plus a user namespace when
 * not root), or exits 77. Aborts if the namespace is not the empty one we expect. */
static void enter_private_netns(void)
{
    real_root = geteuid() == 0;
    if (unshare(CLONE_NEWNET) != 0) {
        uid_t uid = geteuid();
        gid_t gid = getegid();
        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
            fprintf(stderr, "skip: cannot create a network namespace: %s\n", strerror(errno));
            exit(77);
        }
        char map[64];
        write_file("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
        write_file("/proc/self/uid_map", map);
        snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
        write_file("/proc/self/gid_map", map);
    }
    /* Safety: a fresh namespace holds exactly one interface, lo. */
    struct if_nameindex *ni = if_nameindex();
    if (!ni || !ni[0].if_name || strcmp(ni[0].if_name, "lo") != 0 || ni[1].if_name) {
        fprintf(stderr, "not in a fresh network namespace: refusing to go on\n");
        abort();
    }
    if_freenameindex(ni);
    /* No IPv6 chatter (router solicitations, MLD) on the interfaces made here. */
    write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
    write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
}

/* Sets `name` up and waits until it runs. */
static void set_up(const char *name)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(s >= 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
    ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
    assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
    /* Wait (up to 3 s) until it runs: up, with a carrier. */
    for (int waited = 0; waited < 3000; waited += 10) {
        assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
        if (ifr.ifr_flags & IFF_RUNNING)
            break;
        usleep(10000);
    }
    assert_true(ifr.ifr_flags & IFF_RUNNING);
    close(s);
}

static int get_mtu(const char *name)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(s >= 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    assert_int_equal(ioctl(s, SIOCGIFMTU, &ifr), 0);
    close(s);
    return ifr.ifr_mtu;
}

#define RXCAP 2048
#define MAXF  16

/* Reads from `d` for up to ~2 s until `want` frames accepted by `match` arrived; copies
 * them into out[]. Returns how many. */
static int wait_frames(const struct tapir_device *d, bool (*match)(const uint8_t *, size_t),
                       uint8_t out[][RXCAP], size_t *out_len, int want, int timeout_ms)
{
    static uint8_t bufs[MAXF][RXCAP];
    struct tapir_frame f[MAXF];
    int found = 0;
    for (int waited = 0; found < want && waited < timeout_ms; waited += 20) {
        struct pollfd pfd = {tapir_device_fd(d), POLLIN, 0};
        if (poll(&pfd, 1, 20) < 0 && errno != EINTR)
            fail_msg("poll: %s", strerror(errno));
        for (int round = 0; round < 100; round++) {
            tapir_frames_carve(f, MAXF, &bufs[0][0], RXCAP);
            int n = tapir_device_rx(d, f, MAXF);
            assert_true(n >= 0);
            if (n == 0)
                break;
            for (int i = 0; i < n && found < want; i++)
                if (match(f[i].data, f[i].len)) {
                    memcpy(out[found], f[i].data, f[i].len);
                    out_len[found] = f[i].len;
                    found++;
                }
        }
    }
    return found;
}

#define ETHERTYPE_TEST 0x88b5 /* IEEE local experimental */

static bool is_test_eth(const uint8_t *f, size_t len)
{
    return len >= 14 && f[12] == 0x88 && f[13] == 0xb5;
}

static size_t make_eth(uint8_t *f, unsigned seq, size_t len)
{
    static const uint8_t hdr[14] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
                                    0,    0,    0,    0,    1,    0x88, 0xb5};
    memcpy(f, hdr, sizeof hdr);
    for (size_t i = 14; i < len; i++)
        f[i] = (uint8_t)(seq * 17u + i);
    f[14] = (uint8_t)seq;
    return len;
}

static void test_tap(void **state)
{
    (void)state;
    struct tapir_tuntap tap;
    struct tapir_tuntap_options o = {.name = "tptap0"};
    assert_int_equal(tapir_tuntap_open(&tap, &o), 0);
    assert_string_equal(tap.name, "tptap0");
    assert_int_equal(tap.dev.medium, TAPIR_MEDIUM_ETHERNET);
    assert_int_equal(tap.dev.mtu, 1500);
    assert_int_equal(tap.dev.caps, 0);
    assert_true(tapir_device_fd(&tap.dev) >= 0);
    assert_int_equal(fcntl(tap.fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    set_up("tptap0");

    struct tapir_packet pk;
    struct tapir_packet_options po = {.ifname = "tptap0"};
    assert_int_equal(tapir_packet_open(&pk, &po), 0);
    assert_int_equal(pk.dev.medium, TAPIR_MEDIUM_ETHERNET);
    assert_int_equal(pk.dev.mtu, 1500);

    /* Nothing waiting: rx returns 0 (EAGAIN), it does not block. */
    struct tapir_frame f[5];
    static uint8_t bufs[5][RXCAP];
    tapir_frames_carve(f, 5, &bufs[0][0], RXCAP);
    while (tapir_device_rx(&tap.dev, f, 5) > 0)
        tapir_frames_carve(f, 5, &bufs[0][0], RXCAP);
    assert_int_equal(tapir_device_rx(&tap.dev, f, 5), 0);

    /* TAP -> kernel: a batch of five frames written in one call, seen on AF_PACKET. */
    static uint8_t sent[5][RXCAP];
    for (unsigned i = 0; i < 5; i++) {
        f[i].data = sent[i];
        f[i].len = make_eth(sent[i], i, 60 + i * 100);
    }
    assert_int_equal(tapir_device_tx(&tap.dev, f, 5), 5);
    assert_int_equal(tap.stats.tx_frames, 5);
    static uint8_t got[MAXF][RXCAP];
    size_t got_len[MAXF];
    assert_int_equal(wait_frames(&pk.dev, is_test_eth, got, got_len, 5, 2000), 5);
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(got_len[i], 60 + i * 100);
        assert_memory_equal(got[i], sent[i], got_len[i]);
    }

    /* kernel -> TAP: AF_PACKET transmits, the TAP reads exactly those bytes. */
    uint8_t frame[300];
    size_t len = make_eth(frame, 9, sizeof frame);
    struct tapir_frame one = {.data = frame, .len = len};
    assert_int_equal(tapir_device_tx(&pk.dev, &one, 1), 1);
    assert_int_equal(wait_frames(&tap.dev, is_test_eth, got, got_len, 1, 2000), 1);
    assert_int_equal(got_len[0], len);
    assert_memory_equal(got[0], frame, len);
    /* The AF_PACKET device does not see what it sent (PACKET_IGNORE_OUTGOING). */
    assert_int_equal(wait_frames(&pk.dev, is_test_eth, got, got_len, 1, 200), 0);

    /* A frame longer than the caller's buffer is discarded and counted. */
    assert_int_equal(tapir_device_tx(&pk.dev, &one, 1), 1);
    uint64_t dropped = tap.stats.rx_dropped;
    uint8_t small[100];
    for (int waited = 0; tap.stats.rx_dropped == dropped && waited < 2000; waited += 20) {
        struct pollfd pfd = {tap.fd, POLLIN, 0};
        poll(&pfd, 1, 20);
        struct tapir_frame s = {.data = small, .cap = sizeof small};
        tapir_device_rx(&tap.dev, &s, 1);
    }
    assert_true(tap.stats.rx_dropped > dropped);
    /* A buffer of exactly the frame's length is enough. */
    assert_int_equal(tapir_device_tx(&pk.dev, &one, 1), 1);
    uint8_t exact[300];
    bool delivered = false;
    for (int waited = 0; !delivered && waited < 2000; waited += 20) {
        struct pollfd pfd = {tap.fd, POLLIN, 0};
        poll(&pfd, 1, 20);
        struct tapir_frame s = {.data = exact, .cap = sizeof exact};
        if (tapir_device_rx(&tap.dev, &s, 1) == 1 && is_test_eth(exact, s.len)) {
            assert_int_equal(s.len, len);
            assert_memory_equal(exact, frame, len);
            delivered = true;
        }
    }
    assert_true(delivered);

    assert_int_equal(tapir_packet_close(&pk), 0);
    assert_int_equal(tapir_tuntap_close(&tap), 0);
    assert_int_equal(tapir_tuntap_close(&tap), 0);
    /* The device this process created is gone. */
    assert_int_equal(if_nametoindex("tptap0"), 0);
}

static bool is_test_ip(const uint8_t *f, size_t len)
{
    return len >= 20 && f[0] == 0x45 && f[9] == 253; /* protocol 253: experimental */
}

static size_t make_ipv4(uint8_t *p, unsigned seq, size_t len)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    p[8] = 64;
    p[9] = 253;
    static const uint8_t src[4] = {10, 9, 0, 1}, dst[4] = {10, 9, 0, 2};
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    p[10] = (uint8_t)(~sum >> 8);
    p[11] = (uint8_t)~sum;
    for (size_t i = 20; i < len; i++)
        p[i] = (uint8_t)(seq + i);
    return len;
}

static void test_tun(void **state)
{
    (void)state;
    struct tapir_tuntap tun;
    struct tapir_tuntap_options o = {.name = "tptun0", .tun = true};
    assert_int_equal(tapir_tuntap_open(&tun, &o), 0);
    assert_int_equal(tun.dev.medium, TAPIR_MEDIUM_IP);
    set_up("tptun0");
    struct tapir_packet pk;
    struct tapir_packet_options po = {.ifname = "tptun0"};
    assert_int_equal(tapir_packet_open(&pk, &po), 0);
    assert_int_equal(pk.dev.medium, TAPIR_MEDIUM_IP); /* ARPHRD_NONE */

    uint8_t pkt[3][200];
    struct tapir_frame f[3];
    memset(f, 0, sizeof f);
    for (unsigned i = 0; i < 3; i++) {
        f[i].data = pkt[i];
        f[i].len = make_ipv4(pkt[i], i, 40 + i * 50);
    }
    /* TUN -> kernel: bare IP packets, no packet information header. */
    assert_int_equal(tapir_device_tx(&tun.dev, f, 3), 3);
    static uint8_t got[MAXF][RXCAP];
    size_t got_len[MAXF];
    assert_int_equal(wait_frames(&pk.dev, is_test_ip, got, got_len, 3, 2000), 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(got_len[i], f[i].len);
        assert_memory_equal(got[i], pkt[i], f[i].len);
    }
    /* kernel -> TUN. */
    assert_int_equal(tapir_device_tx(&pk.dev, &f[2], 1), 1);
    assert_int_equal(wait_frames(&tun.dev, is_test_ip, got, got_len, 1, 2000), 1);
    assert_int_equal(got_len[0], f[2].len);
    assert_memory_equal(got[0], pkt[2], f[2].len);

    /* Not an IP packet: the kernel refuses it; it is taken, discarded and counted. */
    uint8_t junk[40] = {0};
    struct tapir_frame j = {.data = junk, .len = sizeof junk};
    assert_int_equal(tapir_device_tx(&tun.dev, &j, 1), 1);
    assert_int_equal(tun.stats.tx_dropped, 1);

    assert_int_equal(tapir_packet_close(&pk), 0);
    assert_int_equal(tapir_tuntap_close(&tun), 0);
}

static void test_mtu_and_options(void **state)
{
    (void)state;
    struct tapir_tuntap t;
    struct tapir_tuntap_options o = {.name = "tptap1", .mtu = 1400};
    assert_int_equal(tapir_tuntap_open(&t, &o), 0);
    assert_int_equal(t.dev.mtu, 1400);
    assert_int_equal(get_mtu("tptap1"), 1400);
    assert_int_equal(tapir_tuntap_close(&t), 0);

    /* No name: the kernel picks one. */
    assert_int_equal(tapir_tuntap_open(&t, NULL), 0);
    assert_true(strncmp(t.name, "tap", 3) == 0);
    assert_true(if_nametoindex(t.name) > 0);
    assert_int_equal(tapir_tuntap_close(&t), 0);

    struct tapir_tuntap_options l = {.name = "a-name-too-long-for-linux"};
    assert_int_equal(tapir_tuntap_open(&t, &l), TAPIR_EINVAL);
    assert_int_equal(tapir_tuntap_open(NULL, &l), TAPIR_EINVAL);
}

static bool is_udp_9999(const uint8_t *f, size_t len)
{
    return len >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 17 && f[36] == 0x27 &&
           f[37] == 0x0f;
}

/* UDP 10.9.0.1:5555 -> 10.9.0.2:7777 carrying "offload", its checksum field holding the
 * pseudo-header sum only (what CSUM_PARTIAL promises), from `mac` to the TAP's MAC. */
static size_t make_partial_udp(uint8_t *f, const uint8_t *dst_mac)
{
    static const uint8_t ip[20] = {0x45, 0, 0,  35, 0, 1, 0x40, 0, 64, 17,
                                   0,    0, 10, 9,  0, 1, 10,   9, 0,  2};
    memcpy(f, dst_mac, 6);
    memcpy(f + 6, "\x02\0\0\0\0\x01", 6);
    f[12] = 0x08;
    f[13] = 0x00;
    memcpy(f + 14, ip, 20);
    uint16_t hs = tapir_checksum(f + 14, 20);
    f[24] = (uint8_t)(hs >> 8);
    f[25] = (uint8_t)hs;
    uint8_t *u = f + 34;
    u[0] = 0x15, u[1] = 0xb3, u[2] = 0x1e, u[3] = 0x61, u[4] = 0, u[5] = 15;
    memcpy(u + 8, "offload", 7);
    struct tapir_ipv4_addr s = {{10, 9, 0, 1}}, d = {{10, 9, 0, 2}};
    uint16_t ps = (uint16_t)~tapir_csum_finish(tapir_csum_pseudo_ipv4(&s, &d, 17, 15));
    u[6] = (uint8_t)(ps >> 8);
    u[7] = (uint8_t)ps;
    return 14 + 20 + 15;
}

/* IFF_VNET_HDR + TUNSETOFFLOAD: the caps, plain frames unchanged, a partial checksum from
 * the kernel (finishing it gives the right sum), and one we send that the kernel takes
 * only because the frame says it is partial. */
static void test_vnet_tap(void **state)
{
    (void)state;
    struct tapir_tuntap tap;
    struct tapir_tuntap_options o = {.name = "tptap3", .vnet_hdr = true};
    assert_int_equal(tapir_tuntap_open(&tap, &o), 0);
    assert_true(tap.vnet_hdr);
    assert_int_equal(tap.dev.caps, TAPIR_DEVICE_CAP_GSO | TAPIR_DEVICE_CAP_CSUM_TX);
    set_up("tptap3");
    assert_int_equal(system("timeout 10 ip addr add 10.9.0.2/24 dev tptap3 && "
                            "timeout 10 ip neigh add 10.9.0.1 lladdr 02:00:00:00:00:01 dev tptap3"),
                     0);
    struct tapir_packet pk;
    struct tapir_packet_options po = {.ifname = "tptap3"};
    assert_int_equal(tapir_packet_open(&pk, &po), 0);

    /* A plain frame goes out as it was (the header is not part of it). */
    static uint8_t sent[RXCAP], got[MAXF][RXCAP];
    size_t got_len[MAXF];
    struct tapir_frame f = {.data = sent, .len = make_eth(sent, 3, 200)};
    assert_int_equal(tapir_device_tx(&tap.dev, &f, 1), 1);
    assert_int_equal(wait_frames(&pk.dev, is_test_eth, got, got_len, 1, 2000), 1);
    assert_int_equal(got_len[0], 200);
    assert_memory_equal(got[0], sent, 200);

    /* The kernel's UDP to 10.9.0.1:9999 arrives with its checksum left partial. */
    int us = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(us >= 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9999)};
    inet_pton(AF_INET, "10.9.0.1", &to.sin_addr);
    assert_int_equal(sendto(us, "partial", 7, 0, (struct sockaddr *)&to, sizeof to), 7);
    static uint8_t rxb[RXCAP];
    struct tapir_frame r = {.data = rxb, .cap = sizeof rxb};
    bool seen = false;
    for (int waited = 0; !seen && waited < 2000; waited += 20) {
        struct pollfd pfd = {tap.fd, POLLIN, 0};
        poll(&pfd, 1, 20);
        r.data = rxb;
        r.cap = sizeof rxb;
        while (!seen && tapir_device_rx(&tap.dev, &r, 1) == 1)
            seen = is_udp_9999(rxb, r.len);
    }
    assert_true(seen);
    assert_int_equal(r.flags, TAPIR_FRAME_CSUM_PARTIAL);
    assert_int_equal(r.gso_type, TAPIR_GSO_NONE);
    assert_int_equal(r.csum_start, 34);
    assert_int_equal(r.csum_offset, 6);
    struct tapir_ipv4_addr s = {{10, 9, 0, 2}}, d = {{10, 9, 0, 1}};
    uint16_t finished = tapir_checksum(rxb + 34, r.len - 34);
    rxb[40] = rxb[41] = 0;
    uint16_t full = tapir_csum_finish(tapir_csum_add(
        tapir_csum_pseudo_ipv4(&s, &d, 17, (uint16_t)(r.len - 34)), rxb + 34, r.len - 34));
    assert_int_equal(finished, full);

    /* Ours, partial: without the flag the kernel drops it (a wrong checksum), with it the
     * socket gets the datagram. */
    int rs = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(7777)};
    assert_int_equal(bind(rs, (struct sockaddr *)&me, sizeof me), 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "tptap3");
    assert_int_equal(ioctl(us, SIOCGIFHWADDR, &ifr), 0);
    f.len = make_partial_udp(sent, (const uint8_t *)ifr.ifr_hwaddr.sa_data);
    assert_int_equal(tapir_device_tx(&tap.dev, &f, 1), 1);
    char msg[32];
    usleep(100000);
    assert_int_equal(recv(rs, msg, sizeof msg, 0), -1);
    f.flags = TAPIR_FRAME_CSUM_PARTIAL;
    f.csum_start = 34;
    f.csum_offset = 6;
    assert_int_equal(tapir_device_tx(&tap.dev, &f, 1), 1);
    ssize_t got_n = -1;
    for (int waited = 0; got_n < 0 && waited < 2000; waited += 20) {
        struct pollfd pfd = {rs, POLLIN, 0};
        poll(&pfd, 1, 20);
        got_n = recv(rs, msg, sizeof msg, 0);
    }
    assert_int_equal(got_n, 7);
    assert_memory_equal(msg, "offload", 7);
    /* Metadata the kernel would refuse is dropped and counted, not written. */
    f.gso_type = TAPIR_GSO_TCPV4;
    f.gso_size = 0;
    uint64_t dropped = tap.stats.tx_dropped;
    assert_int_equal(tapir_device_tx(&tap.dev, &f, 1), 1);
    assert_int_equal(tap.stats.tx_dropped, dropped + 1);

    close(us);
    close(rs);
    assert_int_equal(tapir_packet_close(&pk), 0);
    assert_int_equal(tapir_tuntap_close(&tap), 0);

    /* Opened without offloads: no caps, no header. */
    struct tapir_tuntap_options plain = {.name = "tptap4"};
    assert_int_equal(tapir_tuntap_open(&tap, &plain), 0);
    assert_int_equal(tap.dev.caps, 0);
    assert_false(tap.vnet_hdr);
    assert_int_equal(tapir_tuntap_close(&tap), 0);
}

/* A persistent TAP made by `ip tuntap add` (as an administrator would for a user):
 * opening attaches to it, it outlives the close, and opening it as a TUN fails. */
static void test_attach_existing(void **state)
{
    (void)state;
    assert_int_equal(system("timeout 10 ip tuntap add tptap9 mode tap"), 0);
    unsigned idx = if_nametoindex("tptap9");
    assert_true(idx > 0);
    struct tapir_tuntap t;
    struct tapir_tuntap_options o = {.name = "tptap9"};
    assert_int_equal(tapir_tuntap_open(&t, &o), 0);
    assert_int_equal(if_nametoindex("tptap9"), idx);
    struct tapir_tuntap t2;
    struct tapir_tuntap_options tun = {.name = "tptap9", .tun = true};
    assert_int_equal(tapir_tuntap_open(&t2, &tun), -EINVAL);
    assert_int_equal(t2.fd, -1);
    assert_int_equal(tapir_tuntap_close(&t), 0);
    assert_int_equal(if_nametoindex("tptap9"), idx);
    assert_int_equal(system("timeout 10 ip tuntap del tptap9 mode tap"), 0);
}

/* Runs `fn` in a child and returns the two codes it reports (or fails). */
static void in_child(void (*fn)(int out[2]), int out[2])
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        alarm(20);
        int r[2] = {1, 1};
        fn(r);
        ssize_t w = write(p[1], r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(p[1]);
    ssize_t n = read(p[0], out, 2 * sizeof(int));
    close(p[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(n, 2 * sizeof(int));
}

static void try_open(int r[2])
{
    struct tapir_tuntap t;
    struct tapir_tuntap_options o = {.name = "tpdenied0"};
    r[0] = tapir_tuntap_open(&t, &o);
    struct tapir_packet p;
    struct tapir_packet_options po = {.ifname = "lo"};
    r[1] = tapir_packet_open(&p, &po);
}

/* Unprivileged user in its own network namespace: /dev/net/tun (0600 here, 0666 on most
 * systems) and AF_PACKET are both refused. */
static void child_nobody(int r[2])
{
    if (unshare(CLONE_NEWNET) != 0 || setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
        setuid(65534) != 0)
        _exit(2);
    try_open(r);
}

/* A user namespace without a mapping: the process keeps its uid for file access, so it
 * may open /dev/net/tun, but has no capability over the network namespace, so creating a
 * TAP fails in TUNSETIFF; AF_PACKET is refused likewise. */
static void child_userns(int r[2])
{
    if (unshare(CLONE_NEWUSER) != 0)
        _exit(3);
    try_open(r);
}

/* A private mount namespace with /dev/net/tun made world-writable on a tmpfs, then an
 * unprivileged uid: open succeeds and TUNSETIFF is refused (EPERM). */
static void child_open_ok_create_denied(int r[2])
{
    if (unshare(CLONE_NEWNS | CLONE_NEWNET) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", "/dev/net", "tmpfs", 0, "mode=0755") != 0 ||
        mknod("/dev/net/tun", S_IFCHR | 0666, makedev(10, 200)) != 0 ||
        chmod("/dev/net/tun", 0666) != 0)
        _exit(4);
    if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
        _exit(5);
    int fd = open("/dev/net/tun", O_RDWR);
    if (fd < 0)
        _exit(6); /* the open must succeed for this case to mean anything */
    close(fd);
    try_open(r);
}

/* /dev/net/tun hidden under an empty tmpfs in a private mount namespace. */
static void child_no_tun(int r[2])
{
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", "/dev/net", "tmpfs", 0, "mode=0755") != 0)
        _exit(7);
    struct tapir_tuntap t;
    r[0] = tapir_tuntap_open(&t, NULL);
    r[1] = 0;
}

static void assert_advice(int code)
{
    const char *s = tapir_strerror(code);
    assert_non_null(strstr(s, "tapir-tap"));
    assert_non_null(strstr(s, "namespace"));
}

static void test_privilege_errors(void **state)
{
    (void)state;
    int r[2];
    in_child(child_userns, r);
    assert_int_equal(r[0], TAPIR_ENOPERM_TUN);
    assert_int_equal(r[1], TAPIR_ENOPERM_RAW);
    if (real_root) {
        in_child(child_nobody, r);
        assert_int_equal(r[0], TAPIR_ENOPERM_TUN);
        assert_int_equal(r[1], TAPIR_ENOPERM_RAW);
        in_child(child_open_ok_create_denied, r);
        assert_int_equal(r[0], TAPIR_ENOPERM_TUN);
        assert_int_equal(r[1], TAPIR_ENOPERM_RAW);
        in_child(child_no_tun, r);
        assert_int_equal(r[0], TAPIR_ENOTUNDEV);
        assert_non_null(strstr(tapir_strerror(TAPIR_ENOTUNDEV), "modprobe tun"));
    }
    assert_advice(TAPIR_ENOPERM_TUN);
    assert_advice(TAPIR_ENOPERM_RAW);
    assert_non_null(strstr(tapir_strerror(TAPIR_ENOPERM_TUN), "CAP_NET_ADMIN"));
    assert_non_null(strstr(tapir_strerror(TAPIR_ENOPERM_RAW), "CAP_NET_RAW"));
    assert_string_equal(tapir_error_name(TAPIR_ENOPERM_TUN), "TAPIR_ENOPERM_TUN");
    assert_string_equal(tapir_error_name(TAPIR_ENOPERM_RAW), "TAPIR_ENOPERM_RAW");
    assert_string_equal(tapir_error_name(TAPIR_ENOTUNDEV), "TAPIR_ENOTUNDEV");
    assert_string_equal(tapir_error_name(TAPIR_ENODEV), "TAPIR_ENODEV");
}

int main(void)
{
    enter_private_netns();
    /* Without /dev/net/tun access (an unprivileged run) there is nothing to test. */
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "skip: cannot open /dev/net/tun: %s\n", strerror(errno));
        return 77;
    }
    close(fd);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tap),
        cmocka_unit_test(test_tun),
        cmocka_unit_test(test_mtu_and_options),
        cmocka_unit_test(test_vnet_tap),
        cmocka_unit_test(test_attach_existing),
        cmocka_unit_test(test_privilege_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
