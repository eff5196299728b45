/* The orphaned FIN-WAIT-2 timeout (tcp_lifecycle.c): a connection the application closed
 * (tapir_tcp_close()) whose peer acknowledged our FIN but never sends its own is given up
 * after cfg.fin_wait2_timeout_us (60 s by default, as Linux's tcp_fin_timeout), counted
 * from reaching FIN-WAIT-2 (or from close() when already there), silently; a later
 * segment of the peer meets a RST. A half-closed connection (tapir_tcp_shutdown() alone)
 * is never timed out: it still receives for as long as the peer sends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_timers_harness.h"

/* ctest-case: tcp_fin_wait2_orphan_timeout test_orphan_* */
/* ctest-case: tcp_fin_wait2_close_after_shutdown test_close_after_shutdown */
/* ctest-case: tcp_fin_wait2_half_close_kept test_half_close_* */
/* ctest-case: tcp_close_data_resets test_data_after_close_resets */

/* The closing side (`closer`, on the stack whose transmissions `closer_log` holds) closes
 * and the other (`peer`) never does: 60 s after FIN-WAIT-2 began, and not a microsecond
 * sooner, the closer is CLOSED without sending anything; the peer's FIN then meets a
 * RST. */
static void run_orphan(struct tt *t, struct tapir_tcp_socket *closer, struct tt_log *closer_log,
                       struct tapir_tcp_socket *peer)
{
    tapir_instant t0 = t->n.clock.now_us;
    assert_int_equal(tapir_tcp_close(closer), 0);
    netsim_settle(&t->n);
    assert_int_equal(tapir_tcp_state(closer), TAPIR_TCP_FIN_WAIT_2);
    assert_int_equal(tapir_tcp_state(peer), TAPIR_TCP_CLOSE_WAIT);
    assert_int_equal(closer->fin_wait2_at, t0 + 60 * TT_S);

    /* Half-way, the peer acknowledges again (a keepalive-like empty segment): the deadline
     * does not move. */
    netsim_advance(&t->n, 30 * TT_S);
    assert_int_equal(closer->fin_wait2_at, t0 + 60 * TT_S);
    unsigned sent = closer_log->count;

    netsim_advance(&t->n, t0 + 60 * TT_S - 1 - t->n.clock.now_us);
    assert_int_equal(tapir_tcp_state(closer), TAPIR_TCP_FIN_WAIT_2);
    assert_int_equal(closer->stats.fin_wait2_timeouts, 0);
    netsim_advance(&t->n, 1);
    assert_int_equal(tapir_tcp_state(closer), TAPIR_TCP_CLOSED);
    assert_false(tapir_tcp_is_open(closer));
    assert_int_equal(closer->error, TAPIR_ETIMEDOUT);
    assert_int_equal(closer->stats.fin_wait2_timeouts, 1);
    assert_int_equal(closer_log->count, sent); /* silently */
    assert_int_equal(tapir_tcp_state(peer), TAPIR_TCP_CLOSE_WAIT);

    /* The peer closes at last: its FIN finds no connection and is answered by a RST. */
    assert_int_equal(tapir_tcp_close(peer), 0);
    netsim_settle(&t->n);
    assert_int_equal(closer_log->count, sent + 1);
    assert_int_equal(closer_log->segs[sent].flags & TAPIR_TCP_RST, TAPIR_TCP_RST);
    assert_int_equal(tapir_tcp_state(peer), TAPIR_TCP_CLOSED);
    assert_int_equal(peer->error, TAPIR_ECONNRESET);
    assert_int_equal(peer->stats.fin_wait2_timeouts, 0);
}

/* The client (B) closes; IPv4. */
static void test_orphan_client_v4(void **state)
{
    (void)state;
    static struct tt t;
    tt_init(&t, false, NULL, 65536, NULL, 65536);
    tt_learn_neighbors(&t);
    tt_open(&t, "192.168.69.1", "192.168.69.100", 3000);
    run_orphan(&t, &t.client, &t.b_tx, t.server);
    tt_free(&t);
}

/* The accepted connection (A) closes; IPv6. */
static void test_orphan_server_v6(void **state)
{
    (void)state;
    static struct tt t;
    tt_init(&t, false, NULL, 65536, NULL, 65536);
    tt_learn_neighbors(&t);
    tt_open(&t, "fdaa::1", "fdaa::100", 3000);
    run_orphan(&t, t.server, &t.a_tx, &t.client);
    tt_free(&t);
}

/* RFC 1122 §4.2.2.13: data for an application that closed is lost, and a RST says so:
 * the peer sends after our close() and the orphan answers with a RST and is CLOSED; and
 * close() with received data still unread resets at once instead of sending a FIN. */
static void test_data_after_close_resets(void **state)
{
    (void)state;
    static struct tt t;
    tt_init(&t, false, NULL, 65536, NULL, 65536);
    tt_learn_neighbors(&t);
    tt_open(&t, "192.168.69.1", "192.168.69.100", 3000);
    assert_int_equal(tapir_tcp_close(&t.client), 0);
    netsim_settle(&t.n);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_FIN_WAIT_2);
    unsigned sent = t.b_tx.count;
    assert_int_equal(tapir_tcp_send(t.server, "more", 4), 4);
    netsim_settle(&t.n);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_CLOSED);
    assert_int_equal(t.b_tx.count, sent + 1);
    assert_int_equal(t.b_tx.segs[sent].flags & TAPIR_TCP_RST, TAPIR_TCP_RST);
    assert_int_equal(tapir_tcp_state(t.server), TAPIR_TCP_CLOSED);
    assert_int_equal(t.server->error, TAPIR_ECONNRESET);
    tt_free(&t);

    /* Unread data at close(): RST, not FIN. */
    tt_init(&t, false, NULL, 65536, NULL, 65536);
    tt_learn_neighbors(&t);
    tt_open(&t, "fdaa::1", "fdaa::100", 3000);
    assert_int_equal(tapir_tcp_send(t.server, "unread", 6), 6);
    netsim_settle(&t.n);
    assert_true(tapir_tcp_can_recv(&t.client)); /* 6 bytes the application never reads */
    sent = t.b_tx.count;
    assert_int_equal(tapir_tcp_close(&t.client), 0);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_CLOSED);
    netsim_settle(&t.n);
    assert_int_equal(t.b_tx.count, sent + 1);
    assert_int_equal(t.b_tx.segs[sent].flags & (TAPIR_TCP_RST | TAPIR_TCP_FIN), TAPIR_TCP_RST);
    assert_int_equal(tapir_tcp_state(t.server), TAPIR_TCP_CLOSED);
    assert_int_equal(t.server->error, TAPIR_ECONNRESET);
    tt_free(&t);
}

/* shutdown() then, 100 s later, close(), with a 5 s timeout: the 5 s count from close(). */
static void test_close_after_shutdown(void **state)
{
    (void)state;
    static struct tt t;
    struct tapir_tcp_config cfg;
    tapir_tcp_config_default(&cfg);
    cfg.fin_wait2_timeout_us = 5 * TT_S;
    tt_init(&t, false, NULL, 65536, &cfg, 65536);
    tt_learn_neighbors(&t);
    tt_open(&t, "192.168.69.1", "192.168.69.100", 3000);
    assert_int_equal(tapir_tcp_shutdown(&t.client), 0);
    netsim_settle(&t.n);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_FIN_WAIT_2);
    assert_int_equal(t.client.fin_wait2_at, TAPIR_INSTANT_NEVER);
    netsim_advance(&t.n, 100 * TT_S);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_FIN_WAIT_2);
    tapir_instant t1 = t.n.clock.now_us;
    assert_int_equal(tapir_tcp_close(&t.client), 0);
    netsim_settle(&t.n);
    assert_int_equal(t.client.fin_wait2_at, t1 + 5 * TT_S);
    netsim_advance(&t.n, 5 * TT_S - 1);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_FIN_WAIT_2);
    netsim_advance(&t.n, 1);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_CLOSED);
    assert_int_equal(t.client.error, TAPIR_ETIMEDOUT);
    assert_int_equal(t.client.stats.fin_wait2_timeouts, 1);
    tt_free(&t);
}

/* shutdown() alone: ten minutes in FIN-WAIT-2, nothing sent either way, then the peer's
 * data and FIN arrive and the connection ends normally (TIME-WAIT, a record). */
static void run_half_close(const char *a, const char *b)
{
    static struct tt t;
    tt_init(&t, false, NULL, 65536, NULL, 65536);
    tt_learn_neighbors(&t);
    tt_open(&t, a, b, 3000);
    assert_int_equal(tapir_tcp_shutdown(&t.client), 0);
    netsim_settle(&t.n);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_FIN_WAIT_2);
    unsigned a_sent = t.a_tx.count, b_sent = t.b_tx.count;
    netsim_advance(&t.n, 600 * TT_S);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_FIN_WAIT_2);
    assert_int_equal(t.a_tx.count, a_sent);
    assert_int_equal(t.b_tx.count, b_sent);
    assert_int_equal(tapir_tcp_send(t.server, "late", 4), 4);
    assert_int_equal(tapir_tcp_close(t.server), 0);
    netsim_settle(&t.n);
    char buf[8];
    assert_int_equal(tapir_tcp_recv(&t.client, buf, sizeof buf), 4);
    assert_memory_equal(buf, "late", 4);
    assert_int_equal(tapir_tcp_recv(&t.client, buf, sizeof buf), 0);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_CLOSED);
    assert_int_equal(t.client.error, 0);
    assert_int_equal(t.client.stats.fin_wait2_timeouts, 0);
    assert_int_equal(tapir__tcp_tw_count(&t.n.b.iface.tcp_time_wait), 1);
    assert_int_equal(tapir_tcp_state(t.server), TAPIR_TCP_CLOSED);
    assert_int_equal(t.server->error, 0);
    tt_free(&t);
}

static void test_half_close_v4(void **state)
{
    (void)state;
    run_half_close("192.168.69.1", "192.168.69.100");
}

static void test_half_close_v6(void **state)
{
    (void)state;
    run_half_close("fdaa::1", "fdaa::100");
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orphan_client_v4),     cmocka_unit_test(test_orphan_server_v6),
        cmocka_unit_test(test_close_after_shutdown), cmocka_unit_test(test_half_close_v4),
        cmocka_unit_test(test_half_close_v6),        cmocka_unit_test(test_data_after_close_resets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
