/* Fuzz the whole ingress path: frames into an interface (IPv4 and IPv6 addresses, ICMP
 * echo sockets, UDP sockets bound to a port on any address, to a unicast address and to a
 * group, a raw socket for protocol 253), through ARP/NDP, reassembly, ICMP, UDP and the
 * sockets, and whatever it sends in answer (the UDP echo answers every datagram). No input may crash it, read or write out of bounds, or leave it
 * unable to answer a clean ping afterwards.
 *
 * Input: a sequence of records [u8 clock step][u16 length][frame bytes]; the clock step
 * advances virtual time (steps of 50 ms) so neighbour and reassembly timers fire. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/iface.h"
#include "tapir/socket/icmp.h"
#include "tapir/socket/raw.h"
#include "tapir/socket/udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_dev {
    const uint8_t *frame;
    size_t len;
    bool pending;
    unsigned long sent;
};

static int fuzz_rx(void *ctx, struct tapir_frame *frames, int n)
{
    struct fuzz_dev *d = ctx;
    if (!d->pending || n < 1)
        return 0;
    d->pending = false;
    if (d->len > frames[0].cap)
        return 0;
    memcpy(frames[0].data, d->frame, d->len);
    frames[0].len = d->len;
    return 1;
}

static int fuzz_tx(void *ctx, const struct tapir_frame *frames, int n)
{
    struct fuzz_dev *d = ctx;
    /* Read every byte sent, so ASan checks the whole frame. */
    for (int i = 0; i < n; i++) {
        volatile uint8_t sum = 0;
        for (size_t k = 0; k < frames[i].len; k++)
            sum ^= frames[i].data[k];
        (void)sum;
    }
    d->sent += (unsigned long)n;
    return n;
}

static const struct tapir_device_ops fuzz_ops = {fuzz_rx, fuzz_tx, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *mem;
    static size_t mem_len;
    static uint8_t rxq[1 << 16], txq[1 << 16];
    static uint8_t urxq[3][1 << 17], utxq[3][1 << 17], rawq[2][1 << 17];
    static uint8_t dgram[65536];

    struct fuzz_dev fd = {0};
    struct tapir_device dev = {&fuzz_ops, &fd, TAPIR_MEDIUM_ETHERNET, 1500, 0};
    struct tapir_prng prng;
    tapir_prng_seed(&prng, 1);
    struct tapir_iface_config cfg;
    tapir_iface_config_default(&cfg);
    cfg.device = &dev;
    cfg.rng = tapir_prng_source(&prng);
    if (!mem) {
        mem_len = tapir_iface_mem_size(&cfg);
        mem = malloc(mem_len);
    }
    cfg.mem = mem;
    cfg.mem_len = mem_len;
    static struct tapir_iface iface;
    tapir_instant now = 1000000;
    if (tapir_iface_init(&iface, &cfg, now) != 0)
        abort();
    struct tapir_ipv4_addr a4 = {{192, 168, 69, 1}};
    struct tapir_ipv6_addr a6 = {{0xfd, 0xaa, [15] = 1}};
    tapir_iface_add_ipv4(&iface, &a4, 24, now);
    tapir_iface_add_ipv6(&iface, &a6, 64, now);
    struct tapir_ip_addr gw = {.version = TAPIR_IP_V4, .v4 = {{192, 168, 69, 100}}};
    tapir_iface_set_default_gateway(&iface, &gw);
    struct tapir_icmp_socket s4, s6;
    tapir_icmp_socket_init(&s4, TAPIR_IP_V4, 0x1234, rxq, sizeof rxq / 2, txq, sizeof txq / 2);
    tapir_icmp_socket_init(&s6, TAPIR_IP_V6, 0x1234, rxq + sizeof rxq / 2, sizeof rxq / 2,
                           txq + sizeof txq / 2, sizeof txq / 2);
    tapir_iface_add_socket(&iface, &s4.link);
    tapir_iface_add_socket(&iface, &s6.link);
    /* A request outstanding, so replies and errors have a socket to reach. */
    tapir_icmp_send_echo(&s4, &gw, 1, "tapir", 5);
    /* UDP: an echo on port 7 (any address), port 53 on fdaa::1, port 68 on a group. */
    static struct tapir_udp_socket u[3];
    static const struct tapir_ip_addr u6 = {.version = TAPIR_IP_V6, .v6 = {{0xfd, 0xaa, [15] = 1}}};
    static const struct tapir_ip_addr ug = {.version = TAPIR_IP_V4, .v4 = {{239, 1, 2, 3}}};
    const struct tapir_ip_addr *ua[3] = {NULL, &u6, &ug};
    const uint16_t up[3] = {7, 53, 68};
    for (int i = 0; i < 3; i++) {
        tapir_udp_socket_init(&u[i], urxq[i], sizeof urxq[i], utxq[i], sizeof utxq[i]);
        u[i].broadcast = true;
        if (tapir_udp_bind(&u[i], &iface, ua[i], up[i]) != 0)
            abort();
        tapir_iface_add_socket(&iface, &u[i].link);
    }
    /* A datagram out, so ICMP errors quoting it have a socket to reach. */
    tapir_udp_send(&u[0], &gw, 9, "tapir", 5);
    static struct tapir_raw_socket raw;
    tapir_raw_socket_init(&raw, TAPIR_IP_V4, 253, rawq[0], sizeof rawq[0], rawq[1], sizeof rawq[1]);
    tapir_iface_add_socket(&iface, &raw.link);

    size_t off = 0;
    while (off + 3 <= size) {
        now += (tapir_instant)data[off] * 50000;
        size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
        off += 3;
        if (len > size - off)
            len = size - off;
        fd.frame = data + off;
        fd.len = len;
        fd.pending = true;
        tapir_iface_poll(&iface, now);
        off += len;
        struct tapir_icmp_meta m;
        uint8_t buf[256];
        while (tapir_icmp_recv(&s4, &m, buf, sizeof buf) >= 0)
            ;
        while (tapir_icmp_recv(&s6, &m, buf, sizeof buf) >= 0)
            ;
        for (int i = 0; i < 3; i++) {
            struct tapir_udp_meta um;
            int n;
            while ((n = tapir_udp_recv(&u[i], &um, dgram, sizeof dgram)) >= 0)
                if (i == 0)
                    tapir_udp_send(&u[0], &um.remote, um.remote_port, dgram, (size_t)n);
            (void)tapir_udp_take_error(&u[i]);
        }
        struct tapir_raw_meta rm;
        while (tapir_raw_recv(&raw, &rm, dgram, sizeof dgram) >= 0)
            tapir_raw_send(&raw, &rm.src, dgram, 16);
    }
    /* Let every timer run out. */
    for (int i = 0; i < 8; i++) {
        now += 10 * TAPIR_US_PER_S;
        tapir_iface_poll(&iface, now);
    }
    return 0;
}
