/* The AF_PACKET device on a veth pair inside a private network namespace this test
 * creates (it never touches the host's interfaces): exact bytes both ways, batches larger
 * than one recvmmsg/sendmmsg, its own frames not seen, oversize frames discarded with the
 * batch kept contiguous, and the open errors. Exits 77 when it cannot get a namespace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tapir/error.h"
#include "tapir/phy/packet.h"

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
    struct if_nameindex *ni = if_nameindex();
    if (!ni || !ni[0].if_name || strcmp(ni[0].if_name, "lo") != 0 || ni[1].if_name) {
        fprintf(stderr, "not in a fresh network namespace: refusing to go on\n");
        abort();
    }
    if_freenameindex(ni);
    write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
    write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
}

#define RXCAP 2048
#define MAXF  64

static bool is_test_eth(const uint8_t *f, size_t len)
{
    return len >= 16 && f[12] == 0x88 && f[13] == 0xb5;
}

static size_t make_eth(uint8_t *f, unsigned seq, size_t len)
{
    static const uint8_t hdr[14] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
                                    0,    0,    0,    0,    1,    0x88, 0xb5};
    memcpy(f, hdr, sizeof hdr);
    for (size_t i = 16; i < len; i++)
        f[i] = (uint8_t)(seq * 17u + i);
    f[14] = (uint8_t)(seq >> 8);
    f[15] = (uint8_t)seq;
    return len;
}

static unsigned seq_of(const uint8_t *f)
{
    return (unsigned)(f[14] << 8 | f[15]);
}

/* Reads test frames from `d` for up to timeout_ms into out[] (copies). */
static int wait_frames(const struct tapir_device *d, uint8_t out[][RXCAP], size_t *out_len,
                       int want, int timeout_ms)
{
    static uint8_t bufs[MAXF][RXCAP];
    struct tapir_frame f[MAXF];
    int found = 0;
    for (int waited = 0; found < want && waited < timeout_ms; waited += 20) {
        struct pollfd pfd = {tapir_device_fd(d), POLLIN, 0};
        poll(&pfd, 1, 20);
        for (int round = 0; round < 100; round++) {
            tapir_frames_carve(f, MAXF, &bufs[0][0], RXCAP);
            int n = tapir_device_rx(d, f, MAXF);
            assert_true(n >= 0);
            if (n == 0)
                break;
            for (int i = 0; i < n && found < want; i++)
                if (is_test_eth(f[i].data, f[i].len)) {
                    memcpy(out[found], f[i].data, f[i].len);
                    out_len[found] = f[i].len;
                    found++;
                }
        }
    }
    return found;
}

static struct tapir_packet va, vb;

/* True once `name` is up with a carrier (IFF_RUNNING), waiting up to 3 s. */
static bool wait_running(const char *name)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return false;
    bool running = false;
    for (int waited = 0; !running && waited < 3000; waited += 10) {
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
        running = ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_RUNNING);
        if (!running)
            usleep(10000);
    }
    close(s);
    return running;
}

/* Sends probe frames (ethertype 0x88b6, which the tests ignore) from `from` until `to`
 * receives one, up to 3 s: the link then carries frames. */
static bool link_carries(const struct tapir_device *from, const struct tapir_device *to)
{
    uint8_t probe[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 9, 0x88, 0xb6};
    static uint8_t bufs[8][RXCAP];
    struct tapir_frame f[8];
    for (int waited = 0; waited < 3000; waited += 50) {
        struct tapir_frame p = {.data = probe, .len = sizeof probe};
        if (tapir_device_tx(from, &p, 1) < 0)
            return false;
        struct pollfd pfd = {tapir_device_fd(to), POLLIN, 0};
        poll(&pfd, 1, 50);
        tapir_frames_carve(f, 8, &bufs[0][0], RXCAP);
        int n = tapir_device_rx(to, f, 8);
        for (int i = 0; i < n; i++)
            if (f[i].len >= 14 && f[i].data[12] == 0x88 && f[i].data[13] == 0xb6)
                return true;
    }
    return false;
}

static int setup_veth(void **state)
{
    (void)state;
    if (system("timeout 10 ip link add tpva type veth peer name tpvb") != 0 ||
        system("timeout 10 ip link set tpva up") != 0 ||
        system("timeout 10 ip link set tpvb up") != 0)
        return -1;
    struct tapir_packet_options a = {.ifname = "tpva"}, b = {.ifname = "tpvb", .promisc = true};
    if (tapir_packet_open(&va, &a) != 0 || tapir_packet_open(&vb, &b) != 0)
        return -1;
    if (!wait_running("tpva") || !wait_running("tpvb"))
        return -1;
    if (!link_carries(&va.dev, &vb.dev) || !link_carries(&vb.dev, &va.dev))
        return -1;
    /* Let stray probes arrive, then drop them. */
    usleep(50000);
    static uint8_t bufs[8][RXCAP];
    struct tapir_frame f[8];
    for (int round = 0; round < 100; round++) {
        tapir_frames_carve(f, 8, &bufs[0][0], RXCAP);
        if (tapir_device_rx(&va.dev, f, 8) <= 0 && tapir_device_rx(&vb.dev, f, 8) <= 0)
            break;
    }
    return 0;
}

static int teardown_veth(void **state)
{
    (void)state;
    tapir_packet_close(&va);
    tapir_packet_close(&vb);
    return system("timeout 10 ip link del tpva") == 0 ? 0 : -1;
}

static void test_exchange(void **state)
{
    (void)state;
    assert_int_equal(va.dev.medium, TAPIR_MEDIUM_ETHERNET);
    assert_int_equal(va.dev.mtu, 1500);
    assert_true(va.ifindex > 0);
    assert_string_equal(vb.name, "tpvb");
    assert_true(tapir_device_fd(&va.dev) >= 0);

    /* 40 frames in one tx call (two sendmmsg batches) from A; B reads them all, in order,
     * exact; A sees none of its own. */
    static uint8_t sent[40][RXCAP];
    struct tapir_frame f[40];
    memset(f, 0, sizeof f);
    for (unsigned i = 0; i < 40; i++) {
        f[i].data = sent[i];
        f[i].len = make_eth(sent[i], i, 60 + i * 30);
    }
    uint64_t before = va.stats.tx_frames; /* the setup's probes count too */
    assert_int_equal(tapir_device_tx(&va.dev, f, 40), 40);
    assert_int_equal(va.stats.tx_frames - before, 40);
    static uint8_t got[MAXF][RXCAP];
    size_t got_len[MAXF];
    assert_int_equal(wait_frames(&vb.dev, got, got_len, 40, 3000), 40);
    for (unsigned i = 0; i < 40; i++) {
        assert_int_equal(seq_of(got[i]), i);
        assert_int_equal(got_len[i], f[i].len);
        assert_memory_equal(got[i], sent[i], got_len[i]);
    }
    assert_int_equal(wait_frames(&va.dev, got, got_len, 1, 200), 0);

    /* And back. */
    assert_int_equal(tapir_device_tx(&vb.dev, &f[7], 1), 1);
    assert_int_equal(wait_frames(&va.dev, got, got_len, 1, 2000), 1);
    assert_int_equal(got_len[0], f[7].len);
    assert_memory_equal(got[0], sent[7], f[7].len);
    assert_int_equal(wait_frames(&vb.dev, got, got_len, 1, 200), 0);
}

/* Frames longer than their buffer are discarded; the others come back contiguous, each
 * buffer still one of the caller's. */
static void test_oversize_compaction(void **state)
{
    (void)state;
    static uint8_t sent[6][RXCAP];
    struct tapir_frame f[6];
    memset(f, 0, sizeof f);
    for (unsigned i = 0; i < 6; i++) {
        f[i].data = sent[i];
        f[i].len = make_eth(sent[i], 100 + i, i % 2 ? 64 : 400);
    }
    uint64_t dropped = vb.stats.rx_dropped;
    assert_int_equal(tapir_device_tx(&va.dev, f, 6), 6);
    static uint8_t small[8][128];
    struct tapir_frame r[8];
    int got = 0;
    unsigned want_seq = 101;
    for (int waited = 0; want_seq < 106 && waited < 2000; waited += 20) {
        struct pollfd pfd = {vb.fd, POLLIN, 0};
        poll(&pfd, 1, 20);
        tapir_frames_carve(r, 8, &small[0][0], 128);
        int n = tapir_device_rx(&vb.dev, r, 8);
        assert_true(n >= 0);
        for (int i = 0; i < n; i++) {
            bool ours = false;
            for (int k = 0; k < 8; k++)
                ours = ours || r[i].data == small[k];
            assert_true(ours);
            assert_int_equal(r[i].cap, 128);
            if (!is_test_eth(r[i].data, r[i].len))
                continue;
            assert_int_equal(seq_of(r[i].data), want_seq);
            assert_int_equal(r[i].len, 64);
            assert_memory_equal(r[i].data, sent[want_seq - 100], 64);
            want_seq += 2;
            got++;
        }
    }
    assert_int_equal(got, 3);
    assert_true(vb.stats.rx_dropped >= dropped + 3);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct tapir_packet p;
    struct tapir_packet_options o = {.ifname = "tpnothere0"};
    assert_int_equal(tapir_packet_open(&p, &o), TAPIR_ENODEV);
    assert_int_equal(p.fd, -1);
    o.ifname = "a-name-too-long-for-linux";
    assert_int_equal(tapir_packet_open(&p, &o), TAPIR_EINVAL);
    o.ifname = NULL;
    assert_int_equal(tapir_packet_open(&p, &o), TAPIR_EINVAL);
    assert_int_equal(tapir_packet_open(&p, NULL), TAPIR_EINVAL);
    /* lo: Ethernet framing with zero addresses; an explicit MTU is reported as given. */
    o.ifname = "lo";
    o.mtu = 9000;
    assert_int_equal(tapir_packet_open(&p, &o), 0);
    assert_int_equal(p.dev.medium, TAPIR_MEDIUM_ETHERNET);
    assert_int_equal(p.dev.mtu, 9000);
    assert_int_equal(tapir_packet_close(&p), 0);
    assert_int_equal(tapir_packet_close(&p), 0);
}

int main(void)
{
    enter_private_netns();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exchange),
        cmocka_unit_test(test_oversize_compaction),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, setup_veth, teardown_veth);
}
