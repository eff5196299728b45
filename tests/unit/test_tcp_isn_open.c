/* Initial sequence numbers of real opens follow RFC 6528 (ISN = M + F(4-tuple, secret),
 * M a 4 µs clock): the listener's (passive) and tapir_tcp_connect_iface()'s (active), each
 * under its interface's secret. The same tuple a little later gets an ISN larger by the
 * elapsed time / 4 µs; other tuples get unrelated ones. (test_tcp_isn.c tests the function
 * itself.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "netsim.h"
#include "tapir/error.h"
#include "tapir/priv/tcp_isn.h"
#include "tapir/socket/tcp.h"
#include "tapir/socket/tcp_iface.h"

#define BUF 4096

static struct tapir__tcp_tuple tuple(const struct tapir_tcp_endpoint *local,
                                     const struct tapir_tcp_endpoint *remote)
{
    struct tapir__tcp_tuple t;
    memset(&t, 0, sizeof t);
    t.local = local->addr;
    t.remote = remote->addr;
    t.local_port = local->port;
    t.remote_port = remote->port;
    return t;
}

struct server {
    struct tapir_tcp_socket listener, pool[2], *backlog[2];
    uint8_t mem[3][2 * BUF];
};

static void server_open(struct netsim *n, struct server *sv, const struct tapir_tcp_endpoint *at)
{
    memset(sv, 0, sizeof *sv);
    assert_int_equal(
        tapir_tcp_socket_init(&sv->listener, NULL, sv->mem[0], BUF, sv->mem[0] + BUF, BUF), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(tapir_tcp_socket_init(&sv->pool[i], NULL, sv->mem[i + 1], BUF,
                                               sv->mem[i + 1] + BUF, BUF),
                         0);
        sv->backlog[i] = &sv->pool[i];
    }
    assert_int_equal(tapir_tcp_listen(&sv->listener, at, sv->backlog, 2), 0);
    tapir_iface_add_socket(&n->a.iface, &sv->listener.link);
}

/* B connects from `local` (explicit port and ISN) and aborts once A's child answered;
 * returns the child's ISN, checked against RFC 6528 under A's secret at `now`. */
static uint32_t passive_isn(struct netsim *n, struct server *sv, struct tapir_tcp_socket *client,
                            const struct tapir_tcp_endpoint *local,
                            const struct tapir_tcp_endpoint *remote)
{
    tapir_instant at = n->clock.now_us;
    assert_int_equal(tapir_tcp_connect(client, local, remote, 777, 1500, at), 0);
    netsim_settle(n);
    assert_int_equal(tapir_tcp_state(client), TAPIR_TCP_ESTABLISHED);
    struct tapir_tcp_socket *child = NULL;
    for (int i = 0; i < 2; i++)
        if (sv->pool[i].parent == &sv->listener && sv->pool[i].remote.port == local->port &&
            tapir_tcp_state(&sv->pool[i]) == TAPIR_TCP_ESTABLISHED)
            child = &sv->pool[i];
    assert_non_null(child);
    assert_int_equal(child->iss, client->irs);
    struct tapir__tcp_tuple t = tuple(remote, local); /* as A sees it */
    assert_int_equal(child->iss, tapir__tcp_isn(&n->a.iface.tcp.key, &t, at));
    uint32_t isn = child->iss;
    /* The client's RST frees the child (never accepted) for the next round. */
    tapir_tcp_abort(client);
    netsim_settle(n);
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_CLOSED);
    return isn;
}

static void test_passive(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    static struct server sv;
    struct tapir_tcp_endpoint srv = {.addr = netsim_ip("192.168.69.1"), .port = 80};
    server_open(&n, &sv, &srv);
    static struct tapir_tcp_socket client;
    static uint8_t cmem[2 * BUF];
    assert_int_equal(tapir_tcp_socket_init(&client, NULL, cmem, BUF, cmem + BUF, BUF), 0);
    tapir_iface_add_socket(&n.b.iface, &client.link);
    struct tapir_tcp_endpoint cl = {.addr = netsim_ip("192.168.69.100"), .port = 40000};

    uint32_t first = passive_isn(&n, &sv, &client, &cl, &srv);
    /* Same tuple, 20 µs and then 1 s + 8 µs later: 5 ticks, then 250,002 more. */
    n.clock.now_us += 20;
    uint32_t second = passive_isn(&n, &sv, &client, &cl, &srv);
    assert_int_equal(second - first, 5);
    n.clock.now_us += TAPIR_US_PER_S + 8;
    uint32_t third = passive_isn(&n, &sv, &client, &cl, &srv);
    assert_int_equal(third - second, 250002);

    /* Other tuples at the same instant: one port away, another address family. Nothing
     * ties their ISNs to the first tuple's (a 4 µs clock alone would differ by 0). */
    tapir_instant now = n.clock.now_us;
    struct tapir_tcp_endpoint cl2 = {.addr = cl.addr, .port = 40001};
    uint32_t other_port = passive_isn(&n, &sv, &client, &cl2, &srv);
    assert_int_equal(n.clock.now_us, now);
    uint32_t d = other_port - third;
    assert_true(d > 1000000 && d < 0xffffffffu - 1000000);
    tapir_iface_remove_socket(&n.a.iface, &sv.listener.link);

    static struct server sv6;
    struct tapir_tcp_endpoint srv6 = {.addr = netsim_ip("fdaa::1"), .port = 80};
    server_open(&n, &sv6, &srv6);
    struct tapir_tcp_endpoint cl6 = {.addr = netsim_ip("fdaa::100"), .port = 40000};
    uint32_t v6 = passive_isn(&n, &sv6, &client, &cl6, &srv6);
    d = v6 - third;
    assert_true(d > 1000000 && d < 0xffffffffu - 1000000);
    tapir_iface_remove_socket(&n.a.iface, &sv6.listener.link);
    tapir_iface_remove_socket(&n.b.iface, &client.link);
    netsim_free(&n);
}

/* Active opens through tapir_tcp_connect_iface(): the ISN is RFC 6528's under B's secret;
 * with the port range pinned to one port, the same tuple 12 µs later is 3 ticks ahead. */
static void test_active(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    static struct tapir_tcp_socket client;
    static uint8_t cmem[2 * BUF];
    assert_int_equal(tapir_tcp_socket_init(&client, NULL, cmem, BUF, cmem + BUF, BUF), 0);
    struct tapir_iface *b = &n.b.iface;
    struct tapir_tcp_endpoint srv = {.addr = netsim_ip("192.168.69.1"), .port = 443};
    assert_int_equal(tapir_iface_tcp_port_range(b, 55555, 55555), 0);

    tapir_instant t0 = n.clock.now_us;
    assert_int_equal(tapir_tcp_connect_iface(b, &client, &srv, t0), 0);
    struct tapir__tcp_tuple t = tuple(&client.local, &srv);
    assert_int_equal(client.local.port, 55555);
    uint32_t first = client.iss;
    assert_int_equal(first, tapir__tcp_isn(&b->tcp.key, &t, t0));
    /* A's secret is another: the same tuple seen from A has an unrelated ISN. */
    struct tapir__tcp_tuple mirrored = tuple(&srv, &client.local);
    assert_int_not_equal(first, tapir__tcp_isn(&n.a.iface.tcp.key, &mirrored, t0));
    assert_int_not_equal(first, tapir__tcp_isn(&n.a.iface.tcp.key, &t, t0));
    /* The SYN carries it (A has no listener on 443: its RST ends the attempt). */
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(&client), TAPIR_TCP_CLOSED);
    assert_int_equal(client.snd_una, first);
    assert_int_equal(client.error, TAPIR_ECONNREFUSED);

    n.clock.now_us += 12;
    assert_int_equal(tapir_tcp_connect_iface(b, &client, &srv, n.clock.now_us), 0);
    assert_int_equal(client.local.port, 55555);
    assert_int_equal(client.iss - first, 3);

    /* Another remote port at the same instant: unrelated. */
    tapir_tcp_abort(&client);
    struct tapir_tcp_endpoint srv2 = {.addr = srv.addr, .port = 444};
    assert_int_equal(tapir_tcp_connect_iface(b, &client, &srv2, n.clock.now_us), 0);
    uint32_t d = client.iss - (first + 3);
    assert_true(d > 1000000 && d < 0xffffffffu - 1000000);
    tapir_iface_remove_socket(b, &client.link);
    netsim_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passive),
        cmocka_unit_test(test_active),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
