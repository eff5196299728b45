/* Cost of parsing one TCP/IPv4 frame (Ethernet, IPv4 with header checksum, TCP with its
 * options and the pseudo-header checksum over 1448 bytes of payload), in ns per packet,
 * and the same for the headers alone (checksum not verified), so the two figures show
 * where the time goes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tapir/wire/checksum.h"
#include "tapir/wire/ethernet.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/tcp.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t build_frame(uint8_t *frame, size_t cap, size_t payload_len)
{
    static uint8_t payload[9000];
    for (size_t i = 0; i < payload_len; i++)
        payload[i] = (uint8_t)(i * 7);
    struct tapir_pseudo_header ph = {.protocol = TAPIR_IP_PROTO_TCP};
    ph.src.version = ph.dst.version = TAPIR_IP_V4;
    tapir_ipv4_addr_parse("192.168.69.100", &ph.src.v4);
    tapir_ipv4_addr_parse("192.168.69.1", &ph.dst.v4);
    struct tapir_tcp_repr tcp;
    memset(&tcp, 0, sizeof tcp);
    tcp.src_port = 40000;
    tcp.dst_port = 80;
    tcp.seq = 1000;
    tcp.ack = 2000;
    tcp.flags = TAPIR_TCP_ACK | TAPIR_TCP_PSH;
    tcp.window = 501;
    tcp.has_timestamps = true;
    tcp.ts_val = 1;
    tcp.ts_ecr = 2;
    tcp.payload = payload;
    tcp.payload_len = payload_len;
    size_t at = TAPIR_ETH_HEADER_LEN + TAPIR_IPV4_HEADER_LEN;
    int tl = tapir_tcp_emit(&tcp, &ph, frame + at, cap - at);
    struct tapir_ipv4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.src = ph.src.v4;
    ip.dst = ph.dst.v4;
    ip.protocol = TAPIR_IP_PROTO_TCP;
    ip.ttl = 64;
    ip.dont_frag = true;
    ip.payload_len = (size_t)tl;
    int il = tapir_ipv4_emit(&ip, frame + TAPIR_ETH_HEADER_LEN, cap - TAPIR_ETH_HEADER_LEN);
    struct tapir_eth_repr eth = {.dst = {{2, 0, 0, 0, 0, 1}},
                                 .src = {{2, 0, 0, 0, 0, 2}},
                                 .ethertype = TAPIR_ETHERTYPE_IPV4,
                                 .payload_len = (size_t)il};
    return (size_t)tapir_eth_emit(&eth, frame, cap);
}

/* Returns ns per parse; `verify` selects the TCP checksum check. */
static double measure(const uint8_t *frame, size_t len, int verify, long iters)
{
    volatile uint32_t sink = 0;
    double t0 = now_s();
    for (long i = 0; i < iters; i++) {
        struct tapir_eth_repr eth;
        struct tapir_ipv4_repr ip;
        struct tapir_tcp_repr tcp;
        if (tapir_eth_parse(frame, len, &eth) != 0 ||
            tapir_ipv4_parse(eth.payload, eth.payload_len, &ip) != 0)
            return -1;
        struct tapir_pseudo_header ph = {.protocol = ip.protocol};
        ph.src.version = ph.dst.version = TAPIR_IP_V4;
        ph.src.v4 = ip.src;
        ph.dst.v4 = ip.dst;
        if (tapir_tcp_parse(ip.payload, ip.payload_len, verify ? &ph : NULL, &tcp) != 0)
            return -1;
        sink += tcp.seq;
    }
    (void)sink;
    return (now_s() - t0) / (double)iters * 1e9;
}

int main(void)
{
    static uint8_t frame[9100];
    printf("%-10s %18s %18s\n", "payload", "ns/frame (csum)", "ns/frame (hdrs)");
    static const size_t sizes[] = {0, 1448, 8948};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t len = build_frame(frame, sizeof frame, sizes[i]);
        long iters = 2000000;
        double with = measure(frame, len, 1, iters);
        double without = measure(frame, len, 0, iters * 5);
        printf("%-10zu %18.1f %18.1f\n", sizes[i], with, without);
    }
    return 0;
}
