/* Fuzz a UDP socket's queues (src/socket/udp.c over the packet ring) through the calls
 * the interface and the application make, checked against a model: datagrams come out
 * of each queue in order, whole, with exactly the metadata they went in with, or are
 * refused with the right error and counted.
 *
 * Input: byte 0 picks the receive and send buffer sizes (256..8,000 bytes); then
 * operations, an opcode byte and three argument bytes each (missing ones read as 0):
 *   0 deliver    a datagram of a*8+b bytes from the interface (addresses from c)
 *   1 recv       take one into a buffer of a*8+b bytes (truncated reads included)
 *   2 send       queue a datagram of a*8+b bytes to one of four destinations (c)
 *   3 transmit   the interface takes the oldest queued datagram (peek, then done)
 *   4 icmp       an ICMP error reported on the socket, then take_error
 *   5 close/bind unbind (queues emptied) and bind again
 * Datagram k's byte i is (i + 7k) mod 256, so any byte from the wrong place shows. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "socket/udp_internal.h"
#include "tapir/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

#define MODEL_MAX 1024

struct entry {
    uint32_t k;
    size_t len;
    struct tapir_udp_meta meta;  /* received */
    struct tapir_ip_addr remote; /* sent */
    uint16_t port;
};

struct model {
    struct entry q[MODEL_MAX];
    size_t head, count;
};

static void push(struct model *m, const struct entry *e)
{
    CHECK(m->count < MODEL_MAX);
    m->q[(m->head + m->count++) % MODEL_MAX] = *e;
}

static struct entry pop(struct model *m)
{
    CHECK(m->count > 0);
    struct entry e = m->q[m->head];
    m->head = (m->head + 1) % MODEL_MAX;
    m->count--;
    return e;
}

static uint8_t byte_of(uint32_t k, size_t i)
{
    return (uint8_t)(i + 7u * k);
}

static struct tapir_ip_addr addr_of(uint8_t c)
{
    struct tapir_ip_addr a;
    memset(&a, 0, sizeof a);
    if (c & 1) {
        a.version = TAPIR_IP_V6;
        a.v6.bytes[0] = 0xfd;
        a.v6.bytes[15] = (uint8_t)(c | 1);
    } else {
        a.version = TAPIR_IP_V4;
        a.v4.bytes[0] = 10;
        a.v4.bytes[3] = (uint8_t)(c | 1);
    }
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t rxbuf[8000], txbuf[8000], payload[2304], out[2304];
    static struct model rxm, txm;
    if (size < 1)
        return 0;
    size_t cap = 256 + (size_t)data[0] * 30;
    struct tapir_udp_socket s;
    CHECK(tapir_udp_socket_init(&s, rxbuf, cap, txbuf, cap) == 0);
    s.local_port = 7; /* bound (binding proper needs an interface) */
    memset(&rxm, 0, sizeof rxm);
    memset(&txm, 0, sizeof txm);
    uint32_t next_k = 0;
    uint64_t dropped = 0, received = 0, sent = 0;
    for (size_t off = 1; off < size; off += 4) {
        uint8_t op = data[off] % 6;
        uint8_t a = off + 1 < size ? data[off + 1] : 0;
        uint8_t b = off + 2 < size ? data[off + 2] : 0;
        uint8_t c = off + 3 < size ? data[off + 3] : 0;
        size_t len = (size_t)a * 8 + b;
        switch (op) {
        case 0: {
            struct entry e;
            memset(&e, 0, sizeof e);
            e.k = next_k++;
            e.len = len;
            e.meta.remote = addr_of(c);
            e.meta.local = addr_of((uint8_t)(c + 2));
            e.meta.remote_port = (uint16_t)(c * 257 + a);
            e.meta.local_port = 7;
            e.meta.ttl = b;
            e.meta.received_at = (tapir_instant)e.k * 1000 + c;
            for (size_t i = 0; i < len; i++)
                payload[i] = byte_of(e.k, i);
            if (tapir__udp_socket_deliver(&s, &e.meta, payload, len)) {
                push(&rxm, &e);
                received++;
            } else {
                dropped++;
            }
            CHECK(s.stats.rx_dropped_full == dropped);
            CHECK(s.stats.datagrams_received == received);
            break;
        }
        case 1: {
            struct tapir_udp_meta m;
            int n = tapir_udp_recv(&s, &m, out, len);
            if (rxm.count == 0) {
                CHECK(n == TAPIR_EAGAIN);
                break;
            }
            struct entry e = pop(&rxm);
            CHECK(n == (int)e.len);
            CHECK(memcmp(&m, &e.meta, sizeof m) == 0);
            for (size_t i = 0; i < e.len && i < len; i++)
                CHECK(out[i] == byte_of(e.k, i));
            break;
        }
        case 2: {
            struct entry e;
            memset(&e, 0, sizeof e);
            e.k = next_k++;
            e.len = len;
            e.remote = addr_of(c);
            e.port = (uint16_t)(c % 4);
            for (size_t i = 0; i < len; i++)
                payload[i] = byte_of(e.k, i);
            bool fits = tapir_udp_can_send(&s, len);
            int rc = tapir_udp_send(&s, &e.remote, e.port, payload, len);
            if (e.port == 0) {
                CHECK(rc == TAPIR_EINVAL);
            } else if (fits) {
                CHECK(rc == (int)len);
                push(&txm, &e);
            } else {
                CHECK(rc == TAPIR_EAGAIN || rc == TAPIR_EMSGSIZE);
            }
            break;
        }
        case 3: {
            struct tapir__udp_tx tx;
            bool any = tapir__udp_socket_peek_tx(&s, &tx);
            CHECK(any == (txm.count > 0));
            if (!any)
                break;
            struct entry e = pop(&txm);
            CHECK(tx.len == e.len && tx.remote_port == e.port);
            CHECK(tapir_ip_equal(&tx.remote, &e.remote));
            CHECK(tx.local.version == TAPIR_IP_NONE && tx.ttl == 0);
            for (size_t i = 0; i < e.len; i++)
                CHECK(tx.data[i] == byte_of(e.k, i));
            tapir__udp_socket_tx_done(&s, b & 1 ? TAPIR_ENOROUTE : 0);
            if (!(b & 1))
                sent++;
            CHECK(s.stats.datagrams_sent == sent);
            CHECK(tapir_udp_take_error(&s) == (b & 1 ? TAPIR_ENOROUTE : 0));
            break;
        }
        case 4: {
            struct tapir_udp_icmp_error e;
            memset(&e, 0, sizeof e);
            e.from = addr_of(a);
            e.type = b;
            e.info = c;
            tapir__udp_socket_icmp(&s, &e, TAPIR_ECONNREFUSED);
            struct tapir_udp_icmp_error got;
            CHECK(tapir_udp_last_icmp(&s, &got) && memcmp(&got, &e, sizeof e) == 0);
            CHECK(tapir_udp_take_error(&s) == TAPIR_ECONNREFUSED);
            CHECK(tapir_udp_take_error(&s) == 0);
            break;
        }
        default:
            tapir_udp_close(&s);
            CHECK(!tapir_udp_can_recv(&s));
            CHECK(tapir_udp_send(&s, &txm.q[0].remote, 9, payload, 1) == TAPIR_EINVAL);
            s.local_port = 7;
            memset(&rxm, 0, sizeof rxm);
            memset(&txm, 0, sizeof txm);
            break;
        }
        CHECK(tapir_udp_can_recv(&s) == (rxm.count > 0));
    }
    return 0;
}
