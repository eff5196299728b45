/* Simultaneous open (RFC 9293 §3.5, figure 8): both ends connect to each other at once,
 * the SYNs cross, each answers with a SYN-ACK from SYN-RECEIVED, and both reach
 * ESTABLISHED with one connection between them; data then flows both ways. IPv4 and
 * IPv6, on the in-memory pair with a virtual clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "netsim.h"
#include "tapir/socket/tcp.h"

static void simultaneous_open(const char *a_addr, const char *b_addr)
{
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    static uint8_t mem[4][65536];
    static struct tapir_tcp_socket a, b;
    assert_int_equal(tapir_tcp_socket_init(&a, NULL, mem[0], sizeof mem[0], mem[1], sizeof mem[1]),
                     0);
    assert_int_equal(tapir_tcp_socket_init(&b, NULL, mem[2], sizeof mem[2], mem[3], sizeof mem[3]),
                     0);
    struct tapir_tcp_endpoint ea = {.addr = netsim_ip(a_addr), .port = 5000};
    struct tapir_tcp_endpoint eb = {.addr = netsim_ip(b_addr), .port = 6000};
    assert_int_equal(tapir_tcp_connect(&a, &ea, &eb, 100, 1500, n.clock.now_us), 0);
    assert_int_equal(tapir_tcp_connect(&b, &eb, &ea, 9000, 1500, n.clock.now_us), 0);
    tapir_iface_add_socket(&n.a.iface, &a.link);
    tapir_iface_add_socket(&n.b.iface, &b.link);

    /* The SYNs cross: A's leaves in A's poll, B's in B's poll of the same round, before
     * B has seen A's (netsim delivers A's frames to B at B's next poll). */
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(&a), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(tapir_tcp_state(&b), TAPIR_TCP_ESTABLISHED);
    /* One connection: each side's ISN+1 is acknowledged by the other. */
    assert_int_equal(a.snd_una, 101);
    assert_int_equal(b.snd_una, 9001);
    assert_int_equal(a.rcv_nxt, 9001);
    assert_int_equal(b.rcv_nxt, 101);
    assert_int_equal(a.stats.rto_expirations + b.stats.rto_expirations, 0);

    assert_int_equal(tapir_tcp_send(&a, "ping", 4), 4);
    assert_int_equal(tapir_tcp_send(&b, "pong!", 5), 5);
    netsim_settle(&n);
    char buf[8];
    assert_int_equal(tapir_tcp_recv(&b, buf, sizeof buf), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(tapir_tcp_recv(&a, buf, sizeof buf), 5);
    assert_memory_equal(buf, "pong!", 5);
    tapir_iface_remove_socket(&n.a.iface, &a.link);
    tapir_iface_remove_socket(&n.b.iface, &b.link);
    netsim_free(&n);
}

static void test_simultaneous_open_v4(void **state)
{
    (void)state;
    simultaneous_open("192.168.69.1", "192.168.69.100");
}

static void test_simultaneous_open_v6(void **state)
{
    (void)state;
    simultaneous_open("fdaa::1", "fdaa::100");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simultaneous_open_v4),
        cmocka_unit_test(test_simultaneous_open_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
