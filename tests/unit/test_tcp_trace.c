/* The per-connection trace: cfg.trace is called at every ACK a synchronized connection
 * takes, with the time, cwnd, ssthresh, srtt, rttvar, rto and bytes in flight; the app
 * writes each point as a CSV line. 20 ms of round trip (10 ms each way through the fault
 * injector) so the RTT estimator has something to measure; tapir_tcp_get_stats() reports
 * the same estimators. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netsim.h"
#include "tapir/error.h"
#include "tapir/socket/tcp.h"
#include "tapir/socket/tcp_iface.h"

#define BUF (64 * 1024)

/* What the app does with its trace: CSV lines into a buffer, checked as they come. */
struct recorder {
    char *csv;
    size_t cap, len;
    unsigned lines;
    const struct tapir_tcp_socket *socket;
    struct tapir_tcp_trace_point first, last;
};

static void record(void *ctx, const struct tapir_tcp_trace_point *p)
{
    struct recorder *r = ctx;
    if (r->socket == NULL)
        r->socket = p->socket;
    assert_ptr_equal(p->socket, r->socket); /* one recorder per connection */
    if (r->lines == 0)
        r->first = *p;
    else
        assert_true(p->time_us >= r->last.time_us); /* monotone */
    int n = tapir_tcp_trace_csv(p, r->csv + r->len, r->cap - r->len);
    assert_true(n > 0 && (size_t)n < r->cap - r->len);
    r->len += (size_t)n;
    r->lines++;
    r->last = *p;
}

static void recorder_init(struct recorder *r)
{
    memset(r, 0, sizeof *r);
    r->cap = 8 << 20;
    r->csv = malloc(r->cap);
    assert_non_null(r->csv);
    int n = tapir_tcp_trace_csv_header(r->csv, r->cap);
    assert_string_equal(r->csv,
                        "time_us,cwnd,ssthresh,srtt_us,rttvar_us,rto_us,in_flight,snd_una,snd_wnd,"
                        "ack\n");
    r->len = (size_t)n;
}

/* Every line parses back; time never goes backwards; returns the count of data lines. */
static unsigned check_csv(const struct recorder *r)
{
    const char *p = strchr(r->csv, '\n') + 1;
    unsigned lines = 0;
    long long prev = -1;
    while (*p) {
        long long t;
        unsigned long cwnd, ssthresh, in_flight, una, wnd, ack;
        unsigned long long srtt, rttvar, rto;
        int used = 0;
        assert_int_equal(sscanf(p, "%lld,%lu,%lu,%llu,%llu,%llu,%lu,%lu,%lu,%lu\n%n", &t, &cwnd,
                                &ssthresh, &srtt, &rttvar, &rto, &in_flight, &una, &wnd, &ack,
                                &used),
                         10);
        assert_true(used > 0);
        assert_true(t >= prev);
        prev = t;
        p += used;
        lines++;
    }
    assert_int_equal(prev, r->last.time_us);
    return lines;
}

static void test_trace(void **state)
{
    (void)state;
    static struct netsim n;
    struct tapir_fault_options fo;
    memset(&fo, 0, sizeof fo);
    fo.seed = 3;
    netsim_init(&n, &fo, 0);
    netsim_settle(&n);
    n.fault.rx.opt.delay_us = 10 * TAPIR_US_PER_MS;
    n.fault.tx.opt.delay_us = 10 * TAPIR_US_PER_MS;

    static struct recorder client_rec, server_rec;
    recorder_init(&client_rec);
    recorder_init(&server_rec);
    struct tapir_tcp_config ccfg, scfg;
    tapir_tcp_config_default(&ccfg);
    ccfg.trace = record;
    ccfg.trace_ctx = &client_rec;
    tapir_tcp_config_default(&scfg);
    scfg.trace = record; /* set on the listener: its children inherit it */
    scfg.trace_ctx = &server_rec;

    static uint8_t mem[3][2 * BUF];
    static struct tapir_tcp_socket listener, child, *backlog[1], client;
    assert_int_equal(tapir_tcp_socket_init(&listener, &scfg, mem[0], BUF, mem[0] + BUF, BUF), 0);
    assert_int_equal(tapir_tcp_socket_init(&child, NULL, mem[1], BUF, mem[1] + BUF, BUF), 0);
    assert_int_equal(tapir_tcp_socket_init(&client, &ccfg, mem[2], BUF, mem[2] + BUF, BUF), 0);
    backlog[0] = &child;
    struct tapir_tcp_endpoint srv = {.addr = netsim_ip("192.168.69.1"), .port = 80};
    assert_int_equal(tapir_tcp_listen(&listener, &srv, backlog, 1), 0);
    tapir_iface_add_socket(&n.a.iface, &listener.link);
    tapir_instant start = n.clock.now_us;
    assert_int_equal(tapir_tcp_connect_iface(&n.b.iface, &client, &srv, start), 0);
    netsim_advance(&n, 100 * TAPIR_US_PER_MS);
    struct tapir_tcp_socket *sv = tapir_tcp_accept(&listener);
    assert_ptr_equal(sv, &child);
    /* The handshake: the SYN-ACK is not traced, the server's last ACK of it is. */
    assert_int_equal(client_rec.lines, 0);
    assert_int_equal(server_rec.lines, 1);
    /* ARP request and reply, SYN, SYN-ACK, ACK: five 10 ms trips. */
    assert_int_equal(server_rec.first.time_us, start + 50 * TAPIR_US_PER_MS);
    assert_int_equal(server_rec.first.in_flight, 0);

    /* The client sends; each ACK it takes is a line. */
    size_t total = 1 << 20, sent = 0, got = 0; /* small: not scaled */
    static uint8_t chunk[BUF];
    for (int round = 0; round < 100000 && got < total; round++) {
        while (sent < total) {
            size_t k = total - sent < sizeof chunk ? total - sent : sizeof chunk;
            memset(chunk, (int)(sent & 0xff), k);
            int w = tapir_tcp_send(&client, chunk, k);
            assert_true(w >= 0);
            sent += (size_t)w;
            if ((size_t)w < k)
                break;
        }
        int r;
        while ((r = tapir_tcp_recv(sv, chunk, sizeof chunk)) > 0)
            got += (size_t)r;
        netsim_advance(&n, 5 * TAPIR_US_PER_MS);
    }
    assert_int_equal(got, total);
    tapir_tcp_close(&client);
    netsim_advance(&n, 200 * TAPIR_US_PER_MS);
    tapir_tcp_close(sv);
    netsim_advance(&n, 200 * TAPIR_US_PER_MS);
    assert_int_equal(tapir_tcp_state(sv), TAPIR_TCP_CLOSED);
    assert_int_equal(tapir_tcp_state(&client), TAPIR_TCP_CLOSED); /* TIME-WAIT: a record */

    /* One line per ACK taken: everything the client received after the SYN-ACK; every
     * segment the child received (the SYN went to the listener). */
    assert_int_equal(client_rec.lines, client.stats.segments_received - 1);
    assert_int_equal(server_rec.lines, sv->stats.segments_received);
    assert_int_equal(check_csv(&client_rec), client_rec.lines);
    assert_int_equal(check_csv(&server_rec), server_rec.lines);
    /* (Segments that arrive in one poll share one ACK: a window's worth per round trip.) */
    assert_true(client_rec.lines >= 20);
    /* The first ACK came one round trip after the first data. */
    assert_true(client_rec.first.time_us >= start + 70 * TAPIR_US_PER_MS);
    /* At the end everything is acknowledged, the FIN included. */
    assert_int_equal(client_rec.last.in_flight, 0);
    assert_int_equal(client_rec.last.snd_una, client.iss + 1 + (uint32_t)total + 1);

    /* The estimators: 20 ms of path, plus up to 40 ms of delayed ACK. */
    struct tapir_tcp_stats st;
    tapir_tcp_get_stats(&client, &st);
    assert_int_equal(st.srtt_us, client_rec.last.srtt_us);
    assert_int_equal(st.rttvar_us, client_rec.last.rttvar_us);
    assert_int_equal(st.rto_us, client_rec.last.rto_us);
    assert_int_equal(st.cwnd, client_rec.last.cwnd);
    assert_int_equal(st.ssthresh, client_rec.last.ssthresh);
    assert_true(st.srtt_us >= 20000 && st.srtt_us <= 60000);
    assert_true(st.rto_us >= 200000); /* the 200 ms floor */
    assert_true(st.cwnd >= 10 * 1448);
    assert_int_equal(st.bytes_sent, total);
    assert_int_equal(st.retransmissions, 0);
    /* The live struct leaves the estimators out. */
    assert_int_equal(tapir_tcp_stats(&client)->srtt_us, 0);

    /* The CSV line itself, for a known point. */
    struct tapir_tcp_trace_point p;
    memset(&p, 0, sizeof p);
    p.time_us = 1234567;
    p.cwnd = 14480;
    p.ssthresh = UINT32_MAX;
    p.srtt_us = 20000;
    p.rttvar_us = 10000;
    p.rto_us = 200000;
    p.in_flight = 2896;
    p.snd_una = 1;
    p.snd_wnd = 65535;
    p.ack = 2;
    char line[128];
    const char *want = "1234567,14480,4294967295,20000,10000,200000,2896,1,65535,2\n";
    assert_int_equal(tapir_tcp_trace_csv(&p, line, sizeof line), (int)strlen(want));
    assert_string_equal(line, want);
    char small[8];
    assert_int_equal(tapir_tcp_trace_csv(&p, small, sizeof small), (int)strlen(want));
    assert_string_equal(small, "1234567"); /* cut, terminated */

    tapir_iface_remove_socket(&n.a.iface, &listener.link);
    tapir_iface_remove_socket(&n.b.iface, &client.link);
    free(client_rec.csv);
    free(server_rec.csv);
    netsim_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
