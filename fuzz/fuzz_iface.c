/* Fuzz the whole ingress path: frames into an interface (IPv4 and IPv6 addresses, an ICMP
 * echo socket open), through ARP/NDP, reassembly, ICMP and the socket, and whatever it
 * sends in answer. No input may crash it, read or write out of bounds, or leave it
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

    struct fuzz_dev fd = {0};
    struct tapir_device dev = {&fuzz_ops, &fd, TAPIR_MEDIUM_ETHERNET, 1500, 0};
    struct tapir_prng prng;
    tapir_prng_seed(&prng, 1);
    struct tapir_iface_config cfg;
    tapir_iface_config_default(&cfg);
    cfg.device = &dev;
    cfg.rng = tapir_prng_source(&prng);
    cfg.slaac = true; /* router advertisements, DAD and NUD are reachable from the input */
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
    /* Groups joined, so group-specific IGMP/MLD queries (the golden ones name these) and
     * datagrams to them get past the group filter. */
    struct tapir_ip_addr g4 = {.version = TAPIR_IP_V4, .v4 = {{239, 1, 2, 3}}};
    struct tapir_ip_addr g6 = {.version = TAPIR_IP_V6, .v6 = {{0xff, 0x15, [14] = 0x12, 0x34}}};
    tapir_iface_join_group(&iface, &g4, now);
    tapir_iface_join_group(&iface, &g6, now);
    struct tapir_icmp_socket s4, s6;
    tapir_icmp_socket_init(&s4, TAPIR_IP_V4, 0x1234, rxq, sizeof rxq / 2, txq, sizeof txq / 2);
    tapir_icmp_socket_init(&s6, TAPIR_IP_V6, 0x1234, rxq + sizeof rxq / 2, sizeof rxq / 2,
                           txq + sizeof txq / 2, sizeof txq / 2);
    tapir_iface_add_socket(&iface, &s4.link);
    tapir_iface_add_socket(&iface, &s6.link);
    /* A request outstanding, so replies and errors have a socket to reach. */
    tapir_icmp_send_echo(&s4, &gw, 1, "tapir", 5);

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
    }
    /* Let every timer run out. */
    for (int i = 0; i < 8; i++) {
        now += 10 * TAPIR_US_PER_S;
        tapir_iface_poll(&iface, now);
    }
    return 0;
}
