/* Fuzz the TCP state machine: arbitrary segments, with a valid 4-tuple so they reach it,
 * fed to a socket brought into each state (listening, SYN-SENT, SYN-RECEIVED, established,
 * closing), with the socket's output and timers run after each. No input may crash it,
 * overrun a buffer, or leave its sequence variables inconsistent.
 *
 * Input: [state selector][records...], each record [flags byte][u16 length][TCP segment
 * bytes]; flag bit 0 rewrites seq/ack relative to the socket's rcv_nxt/snd_una so that
 * many segments land inside the window; bits 4-7 advance the clock (steps of 50 ms). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/socket/tcp_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct tapir_ip_addr local = {.version = TAPIR_IP_V4, .v4 = {{192, 168, 69, 1}}};
static const struct tapir_ip_addr remote = {.version = TAPIR_IP_V4, .v4 = {{192, 168, 69, 100}}};

static void drain(struct tapir_tcp_socket *s, tapir_instant now)
{
    static uint8_t buf[65536];
    struct tapir__tcp_out out;
    for (int i = 0; i < 64 && tapir__tcp_dispatch(s, now, &out, buf, sizeof buf) == 1; i++) {
        if (out.tcp.payload_len > sizeof buf)
            abort();
    }
    /* The invariants every state keeps. */
    if (seq_gt(s->snd_una, s->snd_nxt) || seq_gt(s->snd_nxt, s->snd_max))
        abort();
    if (tapir__byte_ring_len(&s->rx) > s->rx.cap || tapir__byte_ring_len(&s->tx) > s->tx.cap)
        abort();
}

static void feed(struct tapir_tcp_socket *s, tapir_instant now, const struct tapir_tcp_repr *seg)
{
    struct tapir__tcp_env env = {.isn = 12345, .mtu = 1500};
    tapir__tcp_input(s, now, &remote, &local, seg, &env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t mem[6][8192];
    static struct tapir_tcp_socket s, child, *backlog[1];
    if (size < 1)
        return 0;
    tapir_instant now = 1000000;
    tapir_tcp_socket_init(&s, NULL, mem[0], sizeof mem[0], mem[1], sizeof mem[1]);
    tapir_tcp_socket_init(&child, NULL, mem[2], sizeof mem[2], mem[3], sizeof mem[3]);
    struct tapir_tcp_endpoint l = {.addr = local, .port = 80};
    struct tapir_tcp_endpoint r = {.addr = remote, .port = 40000};
    struct tapir_tcp_socket *target = &s;
    unsigned mode = data[0] % 5;
    struct tapir_tcp_repr syn;
    memset(&syn, 0, sizeof syn);
    syn.src_port = 40000;
    syn.dst_port = 80;
    syn.seq = 777;
    syn.window = 65535;
    syn.has_mss = syn.has_wscale = syn.sack_permitted = syn.has_timestamps = true;
    syn.mss = 1460;
    syn.wscale = 7;
    syn.ts_val = 5;
    if (mode == 0) {
        backlog[0] = &child;
        tapir_tcp_listen(&s, &l, backlog, 1);
    } else if (mode == 1) {
        tapir_tcp_connect(&s, &l, &r, 1000, 1500, now); /* SYN-SENT */
        drain(&s, now);
    } else {
        backlog[0] = &child;
        tapir_tcp_listen(&s, &l, backlog, 1);
        syn.flags = TAPIR_TCP_SYN;
        feed(&s, now, &syn); /* the child goes SYN-RECEIVED */
        drain(&child, now);
        target = &child;
        if (mode >= 3) {
            struct tapir_tcp_repr ack = syn;
            ack.flags = TAPIR_TCP_ACK;
            ack.seq = 778;
            ack.ack = child.iss + 1;
            ack.has_mss = ack.has_wscale = ack.sack_permitted = false;
            feed(&child, now, &ack); /* established */
            tapir_tcp_send(&child, "0123456789", 10);
            drain(&child, now);
            if (mode == 4)
                tapir_tcp_close(&child); /* FIN-WAIT-1 */
            drain(&child, now);
        }
    }
    size_t off = 1;
    while (off + 3 <= size) {
        uint8_t flags = data[off];
        size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
        off += 3;
        if (len > size - off)
            len = size - off;
        now += (tapir_instant)(flags >> 4) * 50000;
        struct tapir_tcp_repr seg;
        if (tapir_tcp_parse(data + off, len, NULL, &seg) == 0) {
            seg.src_port = 40000;
            seg.dst_port = 80;
            if (flags & 1) {
                seg.seq += target->rcv_nxt;
                seg.ack += target->snd_una;
            }
            feed(mode == 0 ? &s : target, now, &seg);
        }
        off += len;
        uint8_t sink[512];
        while (tapir_tcp_recv(target, sink, sizeof sink) > 0)
            ;
        drain(target, now);
        if (mode == 0)
            drain(&child, now);
    }
    for (int i = 0; i < 20; i++) {
        now += 5 * TAPIR_US_PER_S;
        drain(target, now);
    }
    return 0;
}
