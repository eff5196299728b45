/* The pcap writer: frames in and out of a wrapped device, read back with libpcap (link
 * type, count, timestamps, bytes) and, when installed, with tcpdump -r. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tapir/error.h"
#include "tapir/phy/loopback.h"
#include "tapir/phy/pair.h"
#include "tapir/phy/pcap.h"

struct expect {
    tapir_instant at;
    const uint8_t *data;
    size_t len;
};

static void temp_path(char *path, size_t cap)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/tapir-pcap-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

static void check_file(const char *path, int linktype, const struct expect *e, size_t n)
{
    /* The file header names the LINKTYPE_ value (101 for raw IP); libpcap maps it to
     * its DLT_ value (DLT_RAW, 12 on Linux). */
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    uint8_t fh[24];
    assert_int_equal(fread(fh, 1, sizeof fh, fp), sizeof fh);
    fclose(fp);
    uint32_t magic, file_linktype;
    memcpy(&magic, fh, 4);
    memcpy(&file_linktype, fh + 20, 4);
    assert_int_equal(magic, 0xa1b2c3d4u);
    assert_int_equal(file_linktype, linktype);

    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (!p)
        fail_msg("libpcap cannot read %s: %s", path, err);
    assert_int_equal(pcap_datalink(p), linktype == 101 ? DLT_RAW : DLT_EN10MB);
    assert_int_equal(pcap_snapshot(p), TAPIR_PCAP_SNAPLEN);
    struct pcap_pkthdr *h;
    const u_char *data;
    size_t count = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        assert_true(count < n);
        const struct expect *x = &e[count];
        assert_int_equal(h->ts.tv_sec, x->at / 1000000);
        assert_int_equal(h->ts.tv_usec, x->at % 1000000);
        assert_int_equal(h->caplen, x->len);
        assert_int_equal(h->len, x->len);
        assert_memory_equal(data, x->data, x->len);
        count++;
    }
    pcap_close(p);
    assert_int_equal(count, n);
}

/* tcpdump, when present, reads the file and prints one timestamped line per frame. */
static void check_tcpdump(const char *path, size_t n)
{
    if (system("command -v tcpdump >/dev/null 2>&1") != 0)
        return;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "timeout 20 tcpdump -nn -r '%s' 2>/dev/null | grep -c '^[0-9][0-9]:'",
             path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    unsigned long lines = 0;
    assert_int_equal(fscanf(f, "%lu", &lines), 1);
    assert_int_equal(pclose(f), 0);
    assert_int_equal(lines, n);
}

static void test_ethernet_in_and_out(void **state)
{
    (void)state;
    /* Loopback: every frame goes out (tx) and comes back in (rx). */
    struct tapir_loopback lb;
    struct tapir_frame slots[4];
    static uint8_t storage[4 * 2048];
    tapir_frames_carve(slots, 4, storage, 2048);
    assert_int_equal(tapir_loopback_init(&lb, slots, 4, NULL), 0);

    char path[4096];
    temp_path(path, sizeof path);
    struct tapir_virtual_clock vc = {1500000}; /* 1.5 s */
    static struct tapir_pcap pc;
    assert_int_equal(tapir_pcap_open(&pc, &lb.dev, path, tapir_virtual_clock_source(&vc)), 0);
    const struct tapir_device *d = &pc.dev;
    assert_int_equal(d->medium, TAPIR_MEDIUM_ETHERNET);
    assert_int_equal(d->mtu, lb.dev.mtu);
    assert_int_equal(tapir_device_fd(d), -1);

    uint8_t out[3][1514];
    struct tapir_frame tx[3];
    memset(tx, 0, sizeof tx);
    static const size_t lens[3] = {60, 1514, 42};
    for (unsigned i = 0; i < 3; i++) {
        for (size_t j = 0; j < lens[i]; j++)
            out[i][j] = (uint8_t)(i + j * 3u);
        tx[i].data = out[i];
        tx[i].len = lens[i];
    }
    assert_int_equal(tapir_device_tx(d, tx, 3), 3);
    vc.now_us = 2000001;
    uint8_t in[4][2048];
    struct tapir_frame rx[4];
    tapir_frames_carve(rx, 4, &in[0][0], 2048);
    assert_int_equal(tapir_device_rx(d, rx, 4), 3);
    assert_int_equal(tapir_device_rx(d, rx, 4), 0); /* nothing received, nothing written */
    assert_int_equal(pc.frames, 6);
    assert_int_equal(tapir_pcap_close(&pc), 0);
    assert_int_equal(tapir_pcap_close(&pc), 0);

    struct expect e[6];
    for (unsigned i = 0; i < 3; i++) {
        e[i] = (struct expect){1500000, out[i], lens[i]};
        e[3 + i] = (struct expect){2000001, out[i], lens[i]};
    }
    check_file(path, 1, e, 6);
    check_tcpdump(path, 6);
    unlink(path);
}

static void test_raw_ip_and_big_files(void **state)
{
    (void)state;
    /* An IP-medium pair: link type 101. Enough frames to flush the buffer several times,
     * and one frame larger than the buffer. */
    enum { SLOT = 70000, N = 200 };
    struct tapir_pair pair;
    struct tapir_frame ab[2], ba[2];
    uint8_t *store = calloc(4, SLOT);
    assert_non_null(store);
    tapir_frames_carve(ab, 2, store, SLOT);
    tapir_frames_carve(ba, 2, store + 2 * SLOT, SLOT);
    struct tapir_pair_options po = {TAPIR_MEDIUM_IP, 65535};
    assert_int_equal(tapir_pair_init(&pair, ab, 2, ba, 2, &po), 0);

    char path[4096];
    temp_path(path, sizeof path);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    struct tapir_virtual_clock vc = {0};
    static struct tapir_pcap pc;
    assert_int_equal(
        tapir_pcap_open_fd(&pc, &pair.a.dev, fileno(fp), tapir_virtual_clock_source(&vc)), 0);

    uint8_t *frames = malloc((size_t)N * 1400);
    uint8_t *big = malloc(SLOT);
    assert_true(frames && big);
    struct expect *e = calloc(N + 2, sizeof *e);
    assert_non_null(e);
    uint8_t rxbuf[SLOT];
    struct tapir_frame rx;
    for (unsigned i = 0; i < N; i++) {
        uint8_t *f = frames + (size_t)i * 1400;
        f[0] = 0x45;
        for (size_t j = 1; j < 1400; j++)
            f[j] = (uint8_t)(i ^ j);
        vc.now_us = (tapir_instant)i * 1000;
        struct tapir_frame t = {.data = f, .len = 1400};
        assert_int_equal(tapir_device_tx(&pc.dev, &t, 1), 1);
        tapir_frames_carve(&rx, 1, rxbuf, sizeof rxbuf);
        assert_int_equal(tapir_device_rx(&pair.b.dev, &rx, 1), 1); /* drained, unrecorded */
        e[i] = (struct expect){vc.now_us, f, 1400};
    }
    /* A 65000-byte super-frame from B, recorded on A's rx. */
    big[0] = 0x60;
    for (size_t j = 1; j < 65000; j++)
        big[j] = (uint8_t)(j * 5u);
    struct tapir_frame t = {.data = big, .len = 65000};
    assert_int_equal(tapir_device_tx(&pair.b.dev, &t, 1), 1);
    vc.now_us = 3000000;
    tapir_frames_carve(&rx, 1, rxbuf, sizeof rxbuf);
    assert_int_equal(tapir_device_rx(&pc.dev, &rx, 1), 1);
    e[N] = (struct expect){3000000, big, 65000};
    assert_int_equal(tapir_pcap_close(&pc), 0);
    assert_int_equal(pc.write_errors, 0);
    assert_int_equal(pc.error, 0);
    assert_int_equal(fclose(fp), 0); /* the writer left the caller's fd open */

    check_file(path, 101, e, N + 1);
    check_tcpdump(path, N + 1);
    unlink(path);
    free(e);
    free(big);
    free(frames);
    free(store);
}

static void test_errors(void **state)
{
    (void)state;
    struct tapir_loopback lb;
    struct tapir_frame slot;
    uint8_t buf[64];
    tapir_frames_carve(&slot, 1, buf, sizeof buf);
    assert_int_equal(tapir_loopback_init(&lb, &slot, 1, NULL), 0);
    static struct tapir_pcap pc;
    struct tapir_clock c = {0};
    assert_int_equal(tapir_pcap_open(&pc, &lb.dev, "/nonexistent-dir/x.pcap", c), -ENOENT);
    assert_int_equal(tapir_pcap_open(&pc, NULL, "/tmp/x", c), TAPIR_EINVAL);
    assert_int_equal(tapir_pcap_open_fd(&pc, &lb.dev, -1, c), TAPIR_EINVAL);
    lb.dev.medium = (enum tapir_medium)7;
    assert_int_equal(tapir_pcap_open_fd(&pc, &lb.dev, 1, c), TAPIR_EUNSUPPORTED);

    /* A write that fails never fails the device: records are lost and counted. */
    lb.dev.medium = TAPIR_MEDIUM_ETHERNET;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(tapir_pcap_open_fd(&pc, &lb.dev, fds[1], c), 0);
    close(fds[0]); /* the reader goes away: writes fail with EPIPE */
    signal(SIGPIPE, SIG_IGN);
    uint8_t f[60] = {1};
    struct tapir_frame t = {.data = f, .len = sizeof f};
    assert_int_equal(tapir_device_tx(&pc.dev, &t, 1), 1);
    assert_int_equal(tapir_pcap_flush(&pc), -EPIPE);
    assert_int_equal(pc.write_errors, 1);
    assert_int_equal(pc.error, -EPIPE);
    assert_int_equal(tapir_pcap_close(&pc), 0);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet_in_and_out),
        cmocka_unit_test(test_raw_ip_and_big_files),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
