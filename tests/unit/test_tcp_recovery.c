/* Loss recovery at the socket level (src/socket/tcp_recovery.c): one socket driven
 * directly with crafted segments through tapir__tcp_input() and tapir__tcp_dispatch(), so
 * every step can be checked to the byte: NewReno's window (RFC 6582 §3.2: 3 SMSS inflation,
 * 1 SMSS per further duplicate, deflation on a partial ACK, the exit) and the
 * retransmission that goes although pipe fills cwnd; SACK recovery with RACK; a peer that
 * reneges on its SACKs (RFC 2018 §8); invalid and D-SACK blocks; the receiver's one
 * duplicate ACK per out-of-order segment (RFC 5681 §4.2); the loss probe (RFC 8985 §7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "socket/tcp_recovery.h"

#define MSS 1460u /* no timestamps: the MSS is the peer's whole 1460 */
#define T0  1000000

static const struct tapir_ip_addr local = {.version = TAPIR_IP_V4, .v4 = {{192, 168, 69, 1}}};
static const struct tapir_ip_addr remote = {.version = TAPIR_IP_V4, .v4 = {{192, 168, 69, 100}}};

struct h {
    struct tapir_tcp_socket listener, child, *backlog[1];
    struct tapir_tcp_socket *s; /* the connection */
    uint8_t mem[4][256 * 1024];
    tapir_instant now;
    uint32_t una0;     /* our first data byte */
    uint32_t peer_seq; /* the peer's next sequence number */
};

static struct h H;

static void feed(struct tapir_tcp_repr *seg)
{
    struct tapir__tcp_env env = {.isn = 5000, .mtu = 1500};
    seg->src_port = 40000;
    seg->dst_port = 80;
    tapir__tcp_input(H.s ? H.s : &H.listener, H.now, &remote, &local, seg, &env);
}

/* Dispatch once; returns the segment or fails when there is none. */
static struct tapir__tcp_out out_;
static uint8_t outbuf[65536];

static const struct tapir_tcp_repr *next_out(void)
{
    assert_int_equal(tapir__tcp_dispatch(H.s, H.now, &out_, outbuf, sizeof outbuf), 1);
    return &out_.tcp;
}

static void expect_quiet(void)
{
    assert_int_equal(tapir__tcp_dispatch(H.s, H.now, &out_, outbuf, sizeof outbuf), 0);
}

/* An established connection (NewReno congestion control for exact arithmetic), SACK
 * negotiated or not, no timestamps, window scale 7 both ways. */
static void open_conn(bool sack)
{
    memset(&H, 0, sizeof H);
    H.now = T0;
    struct tapir_tcp_config cfg;
    tapir_tcp_config_default(&cfg);
    cfg.cc = TAPIR__CC_NEWRENO;
    cfg.nodelay = true;
    tapir_tcp_socket_init(&H.listener, &cfg, H.mem[0], sizeof H.mem[0], H.mem[1], sizeof H.mem[1]);
    tapir_tcp_socket_init(&H.child, &cfg, H.mem[2], sizeof H.mem[2], H.mem[3], sizeof H.mem[3]);
    H.backlog[0] = &H.child;
    struct tapir_tcp_endpoint l = {.addr = local, .port = 80};
    assert_int_equal(tapir_tcp_listen(&H.listener, &l, H.backlog, 1), 0);
    struct tapir_tcp_repr syn;
    memset(&syn, 0, sizeof syn);
    syn.flags = TAPIR_TCP_SYN;
    syn.seq = 777;
    syn.window = 65535;
    syn.has_mss = syn.has_wscale = true;
    syn.mss = MSS;
    syn.wscale = 7;
    syn.sack_permitted = sack;
    feed(&syn);
    H.s = &H.child;
    assert_int_equal(H.s->state, TAPIR_TCP_SYN_RECEIVED);
    next_out(); /* SYN-ACK */
    struct tapir_tcp_repr ack;
    memset(&ack, 0, sizeof ack);
    ack.flags = TAPIR_TCP_ACK;
    ack.seq = 778;
    ack.ack = H.s->iss + 1;
    ack.window = 2048; /* << 7: 256 KiB */
    feed(&ack);
    assert_int_equal(H.s->state, TAPIR_TCP_ESTABLISHED);
    assert_int_equal(H.s->sack_ok, sack);
    assert_int_equal(H.s->mss, MSS);
    H.una0 = H.s->snd_una;
    H.peer_seq = 778;
}

/* Queue and send `n` full segments (checking each). */
static void send_segments(unsigned n)
{
    static uint8_t data[64 * MSS];
    assert_int_equal(tapir_tcp_send(H.s, data, n * MSS), (int)(n * MSS));
    for (unsigned i = 0; i < n; i++) {
        uint32_t want = H.s->snd_max;
        const struct tapir_tcp_repr *t = next_out();
        assert_int_equal(t->seq, want);
        assert_int_equal(t->payload_len, MSS);
    }
}

/* An ACK from the peer, with SACK blocks given as pairs of segment indexes [from, to). */
static void ack(uint32_t ackno, const unsigned *sack_segs, unsigned nblocks)
{
    struct tapir_tcp_repr a;
    memset(&a, 0, sizeof a);
    a.flags = TAPIR_TCP_ACK;
    a.seq = H.peer_seq;
    a.ack = ackno;
    a.window = 2048;
    for (unsigned i = 0; i < nblocks; i++) {
        a.sack[i].left = H.una0 + sack_segs[2 * i] * MSS;
        a.sack[i].right = H.una0 + sack_segs[2 * i + 1] * MSS;
    }
    a.sack_count = (uint8_t)nblocks;
    feed(&a);
}

static uint32_t seg_seq(unsigned i)
{
    return H.una0 + i * MSS;
}

/* RFC 6582 §3.2 step by step, without SACK. */
static void test_newreno_window(void **state)
{
    (void)state;
    open_conn(false);
    struct tapir_tcp_socket *s = H.s;
    assert_int_equal(tapir__cc_cwnd(&s->cc), 10 * MSS); /* IW */
    send_segments(10);
    expect_quiet();
    static uint8_t more[2 * MSS];
    assert_int_equal(tapir_tcp_send(s, more, sizeof more), (int)sizeof more);
    ack(seg_seq(2), NULL, 0); /* slow start: cwnd 12 */
    assert_int_equal(tapir__cc_cwnd(&s->cc), 12 * MSS);
    ack(seg_seq(2), NULL, 0);
    ack(seg_seq(2), NULL, 0);
    assert_int_equal(s->rec.state, TAPIR__REC_OPEN);
    assert_int_equal(s->dupacks, 2);
    /* Third duplicate: ssthresh = FlightSize / 2 = 4 SMSS, cwnd = ssthresh + 3 SMSS. */
    ack(seg_seq(2), NULL, 0);
    assert_int_equal(s->rec.state, TAPIR__REC_FAST);
    assert_int_equal(s->recover, seg_seq(10));
    assert_int_equal(tapir__cc_ssthresh(&s->cc), 4 * MSS);
    assert_int_equal(tapir__cc_cwnd(&s->cc), 7 * MSS);
    assert_int_equal(s->stats.fast_retransmits, 1);
    /* pipe = 8 - 1 lost = 7 SMSS = cwnd, yet the fast retransmit goes. */
    assert_int_equal(tapir__tcp_rec_pipe(s), 7 * MSS);
    const struct tapir_tcp_repr *t = next_out();
    assert_int_equal(t->seq, seg_seq(2));
    assert_int_equal(s->stats.retransmissions, 1);
    assert_int_equal(tapir__tcp_rec_pipe(s), 8 * MSS);
    expect_quiet();
    /* Each further duplicate inflates by 1 SMSS: the second one lets a new segment go. */
    ack(seg_seq(2), NULL, 0);
    assert_int_equal(tapir__cc_cwnd(&s->cc), 8 * MSS);
    expect_quiet();
    ack(seg_seq(2), NULL, 0);
    assert_int_equal(tapir__cc_cwnd(&s->cc), 9 * MSS);
    t = next_out();
    assert_int_equal(t->seq, seg_seq(10));
    expect_quiet();
    /* A partial ACK (3 segments): deflate by 3, add 1; retransmit the next hole at once. */
    ack(seg_seq(5), NULL, 0);
    assert_int_equal(s->rec.state, TAPIR__REC_FAST);
    assert_int_equal(tapir__cc_cwnd(&s->cc), 7 * MSS);
    assert_int_equal(s->rec.counters.newreno_marked, 2);
    assert_int_equal(tapir__tcp_rec_pipe(s), 5 * MSS); /* 5..10 out, 5 lost */
    t = next_out();
    assert_int_equal(t->seq, seg_seq(5));
    assert_int_equal(s->stats.retransmissions, 2);
    t = next_out(); /* pipe 6 < cwnd 7: the last queued segment */
    assert_int_equal(t->seq, seg_seq(11));
    expect_quiet();
    /* The full ACK: recovery ends, cwnd = ssthresh = 4 SMSS (RFC 6582 §3.2 step 6, the
     * second option). */
    ack(seg_seq(10), NULL, 0);
    assert_int_equal(s->rec.state, TAPIR__REC_OPEN);
    assert_false(tapir__cc_in_recovery(&s->cc));
    assert_int_equal(tapir__cc_cwnd(&s->cc), 4 * MSS);
    assert_int_equal(s->dupacks, 0);
    /* Duplicates of ACK 10 start a new episode only at the third. */
    ack(seg_seq(10), NULL, 0);
    ack(seg_seq(10), NULL, 0);
    assert_int_equal(s->rec.state, TAPIR__REC_OPEN);
    ack(seg_seq(10), NULL, 0);
    assert_int_equal(s->rec.state, TAPIR__REC_FAST);
    assert_int_equal(s->stats.fast_retransmits, 2);
    assert_int_equal(next_out()->seq, seg_seq(10));
    assert_int_equal(tapir__tcp_rec_check(s), 0);
    assert_int_equal(s->rec.counters.rack_marked, 0);
    assert_int_equal(s->rec.pto_at, TAPIR_INSTANT_NEVER); /* no probe without SACK */
}

/* SACK: RACK marks the hole from the first ACK; the retransmission goes although pipe
 * fills cwnd; further SACKs let new data go as pipe shrinks. */
static void test_sack_recovery(void **state)
{
    (void)state;
    open_conn(true);
    struct tapir_tcp_socket *s = H.s;
    send_segments(10);
    /* The PTO is armed (no RTT sample yet: 1 s, but never after the RTO). */
    assert_int_equal(s->rec.pto_at, s->rto_at);
    ack(seg_seq(0), (const unsigned[]){1, 2}, 1);
    assert_int_equal(s->rec.log.segs_sacked, 1);
    /* One SACKed segment, no RTT yet: reo_wnd = 0 only from DupThresh on... min_RTT is 0
     * (everything at T0), so the window is 0 and RACK marks segment 0 at once. */
    assert_int_equal(s->rec.counters.rack_marked, 1);
    assert_int_equal(s->rec.state, TAPIR__REC_FAST);
    assert_int_equal(tapir__cc_ssthresh(&s->cc), 5 * MSS);
    assert_int_equal(tapir__cc_cwnd(&s->cc), 5 * MSS); /* RFC 6675: no inflation */
    assert_int_equal(tapir__tcp_rec_pipe(s), 8 * MSS);
    /* The probe timer runs in recovery too (no RTT sample: 1 s, capped by the RTO). */
    assert_int_equal(s->rec.pto_at, s->rto_at);
    const struct tapir_tcp_repr *t = next_out();
    assert_int_equal(t->seq, seg_seq(0));
    expect_quiet(); /* pipe 9 > cwnd 5 */
    /* More SACKs: RACK marks nothing new (everything sent at the same time was sent
     * before segment 5 already... only holes are lost: none). */
    ack(seg_seq(0), (const unsigned[]){1, 6}, 1);
    assert_int_equal(s->rec.counters.rack_marked, 1);
    assert_int_equal(tapir__tcp_rec_pipe(s), 5 * MSS);
    expect_quiet();
    ack(seg_seq(0), (const unsigned[]){1, 7}, 1);
    assert_int_equal(tapir__tcp_rec_pipe(s), 4 * MSS);
    /* Room for one new segment, but none is queued. */
    expect_quiet();
    ack(seg_seq(10), NULL, 0);
    assert_int_equal(s->rec.state, TAPIR__REC_OPEN);
    assert_int_equal(s->stats.retransmissions, 1);
    assert_int_equal(s->rec.log.count, 0);
    assert_int_equal(s->rec.sack.count, 0);
    assert_int_equal(tapir__tcp_rec_check(s), 0);
}

/* Blocks beyond SND.MAX are refused; a D-SACK is noted and widens RACK's window. */
static void test_sack_validation(void **state)
{
    (void)state;
    open_conn(true);
    struct tapir_tcp_socket *s = H.s;
    send_segments(4);
    ack(seg_seq(1), (const unsigned[]){3, 9}, 1); /* ends past SND.MAX */
    assert_int_equal(s->rec.counters.sack_invalid, 1);
    assert_int_equal(s->rec.sack.count, 0);
    assert_int_equal(s->rec.log.segs_sacked, 0);
    ack(seg_seq(1), (const unsigned[]){0, 1, 2, 3}, 2); /* D-SACK of segment 0 */
    assert_int_equal(s->rec.counters.dsacks, 1);
    assert_int_equal(s->rec.rack.reo_wnd_mult, 2);
    assert_int_equal(s->rec.sack.count, 1);
    assert_true(tapir__sack_board_covers(&s->rec.sack, seg_seq(2), seg_seq(3)));
    assert_int_equal(s->stats.sack_blocks_seen, 3);
    assert_int_equal(tapir__tcp_rec_check(s), 0);
}

/* RFC 2018 §8: the peer SACKed segments 1-9 and then dropped them. The timeout finds the
 * first unacknowledged record SACKed: the scoreboard is forgotten and everything goes
 * again. */
static void test_reneging(void **state)
{
    (void)state;
    open_conn(true);
    struct tapir_tcp_socket *s = H.s;
    send_segments(10);
    ack(seg_seq(0), (const unsigned[]){1, 10}, 1);
    const struct tapir_tcp_repr *t = next_out();
    assert_int_equal(t->seq, seg_seq(0));
    ack(seg_seq(1), NULL, 0); /* segment 0 arrives; the rest was forgotten */
    assert_int_equal(s->rec.log.segs_sacked, 9);
    expect_quiet(); /* nothing is lost as far as the scoreboard knows */
    H.now = s->rto_at;
    t = next_out();
    assert_int_equal(s->stats.rto_expirations, 1);
    assert_int_equal(s->rec.counters.reneged, 1);
    assert_int_equal(s->rec.sack.count, 0);
    assert_int_equal(s->rec.log.segs_sacked, 0);
    assert_int_equal(s->rec.state, TAPIR__REC_LOSS);
    assert_int_equal(t->seq, seg_seq(1));
    expect_quiet(); /* cwnd 1 SMSS */
    ack(seg_seq(2), NULL, 0);
    assert_int_equal(next_out()->seq, seg_seq(2));
    assert_int_equal(next_out()->seq, seg_seq(3)); /* slow start: 2 SMSS */
    expect_quiet();
    assert_int_equal(tapir__tcp_rec_check(s), 0);
}

/* The receiver sends one duplicate ACK per out-of-order segment, and one ACK when the hole
 * fills. */
static void test_dupacks_owed(void **state)
{
    (void)state;
    open_conn(true);
    struct tapir_tcp_socket *s = H.s;
    static uint8_t payload[MSS];
    for (unsigned i = 1; i <= 3; i++) {
        struct tapir_tcp_repr d;
        memset(&d, 0, sizeof d);
        d.flags = TAPIR_TCP_ACK;
        d.seq = H.peer_seq + i * MSS;
        d.ack = s->snd_una;
        d.window = 2048;
        d.payload = payload;
        d.payload_len = MSS;
        feed(&d);
    }
    assert_int_equal(s->rec.dupacks_owed, 3);
    for (unsigned i = 0; i < 3; i++) {
        const struct tapir_tcp_repr *t = next_out();
        assert_int_equal(t->flags, TAPIR_TCP_ACK);
        assert_int_equal(t->payload_len, 0);
        assert_int_equal(t->ack, H.peer_seq);
        assert_int_equal(t->sack_count, 1);
        assert_int_equal(t->sack[0].left, H.peer_seq + MSS);
        assert_int_equal(t->sack[0].right, H.peer_seq + 4 * MSS);
    }
    expect_quiet();
    assert_int_equal(tapir__tcp_poll_at(s), TAPIR_INSTANT_NEVER);
    /* Two more out of order, then the hole filled before anything went out: the
     * duplicates they owed would repeat an old ACK; one ACK goes. */
    for (unsigned i = 4; i <= 5; i++) {
        struct tapir_tcp_repr o;
        memset(&o, 0, sizeof o);
        o.flags = TAPIR_TCP_ACK;
        o.seq = H.peer_seq + i * MSS;
        o.ack = s->snd_una;
        o.window = 2048;
        o.payload = payload;
        o.payload_len = MSS;
        feed(&o);
    }
    assert_int_equal(s->rec.dupacks_owed, 2);
    struct tapir_tcp_repr d;
    memset(&d, 0, sizeof d);
    d.flags = TAPIR_TCP_ACK;
    d.seq = H.peer_seq;
    d.ack = s->snd_una;
    d.window = 2048;
    d.payload = payload;
    d.payload_len = MSS;
    feed(&d); /* fills the hole: one immediate ACK */
    assert_int_equal(s->rec.dupacks_owed, 0);
    const struct tapir_tcp_repr *t = next_out();
    assert_int_equal(t->ack, H.peer_seq + 6 * MSS);
    assert_int_equal(t->sack_count, 0);
    expect_quiet();
}

/* RFC 8985 §7: the PTO after an RTT sample, the probe repeating the last segment when
 * nothing new is queued, and the ACK past it without a D-SACK: one cwnd reduction. */
static void test_probe(void **state)
{
    (void)state;
    open_conn(true);
    struct tapir_tcp_socket *s = H.s;
    send_segments(4);
    H.now = T0 + 10000;
    ack(seg_seq(2), NULL, 0); /* the first segment was timed: SRTT 10 ms */
    assert_int_equal(tapir__rto_srtt(&s->rto), 10000);
    /* Two segments in flight: PTO = 2 SRTT + 2 ms. */
    assert_int_equal(s->rec.pto_at, H.now + 22000);
    assert_int_equal(tapir__tcp_poll_at(s), H.now + 22000);
    H.now += 22000;
    const struct tapir_tcp_repr *t = next_out();
    assert_int_equal(t->seq, seg_seq(3));
    assert_int_equal(s->stats.retransmissions, 1);
    assert_int_equal(s->rec.counters.tlp_probes, 1);
    assert_true(s->rec.tlp_active);
    assert_true(s->rec.tlp_is_retrans);
    assert_int_equal(s->rto_at, H.now + tapir__rto_current(&s->rto));
    assert_int_equal(s->rec.pto_at, TAPIR_INSTANT_NEVER);
    expect_quiet();
    uint32_t events = s->cc.congestion_events;
    /* An ACK of exactly the probe's end, without a D-SACK: the original's or the probe's?
     * No verdict yet (RFC 8985 §7.4, as Linux reads it). */
    ack(seg_seq(4), NULL, 0);
    assert_true(s->rec.tlp_active);
    assert_int_equal(s->cc.congestion_events, events);
    /* New data, and an ACK beyond the probe with no D-SACK for it: only the probe arrived,
     * it repaired a loss. */
    static uint8_t more[MSS];
    assert_int_equal(tapir_tcp_send(s, more, MSS), (int)MSS);
    assert_int_equal(next_out()->seq, seg_seq(4));
    ack(seg_seq(5), NULL, 0);
    assert_false(s->rec.tlp_active);
    assert_int_equal(s->rec.counters.tlp_recoveries, 1);
    assert_int_equal(s->cc.congestion_events, events + 1);
    assert_false(tapir__cc_in_recovery(&s->cc));
    assert_int_equal(s->rec.state, TAPIR__REC_OPEN);
    assert_int_equal(s->stats.rto_expirations, 0);
    /* Nothing in flight: no PTO. */
    assert_int_equal(s->rec.pto_at, TAPIR_INSTANT_NEVER);
}

/* The probe repeats the last segment even when new data is queued (a departure from RFC
 * 8985 §7.3, explained in tcp_output.c): the receiver acknowledges a duplicate at once. A
 * D-SACK for it says the original arrived: no loss, no reduction; then new data goes. */
static void test_probe_repeats_last(void **state)
{
    (void)state;
    open_conn(true);
    struct tapir_tcp_socket *s = H.s;
    static uint8_t data[15 * MSS];
    assert_int_equal(tapir_tcp_send(s, data, 14 * MSS), (int)(14 * MSS));
    for (unsigned i = 0; i < 10; i++)
        next_out();
    expect_quiet();
    H.now = T0 + 10000;
    ack(seg_seq(2), NULL, 0); /* SRTT 10 ms; cwnd 12 */
    for (unsigned i = 10; i < 14; i++)
        assert_int_equal(next_out()->seq, seg_seq(i));
    expect_quiet();
    assert_int_equal(tapir__tcp_rec_pipe(s), tapir__cc_cwnd(&s->cc));
    assert_int_equal(tapir_tcp_send(s, data, MSS), (int)MSS); /* one more, cwnd full */
    expect_quiet();
    assert_int_equal(s->rec.pto_at, H.now + 22000);
    H.now += 22000;
    const struct tapir_tcp_repr *t = next_out();
    assert_int_equal(t->seq, seg_seq(13));
    assert_int_equal(t->payload_len, MSS);
    assert_int_equal(s->stats.retransmissions, 1);
    assert_int_equal(s->rec.counters.tlp_probes, 1);
    assert_true(s->rec.tlp_active);
    assert_true(s->rec.tlp_is_retrans);
    expect_quiet(); /* the new segment waits for the ACK: cwnd is full */
    uint32_t events = s->cc.congestion_events;
    ack(seg_seq(14), (const unsigned[]){13, 14}, 1); /* everything, and a D-SACK */
    assert_false(s->rec.tlp_active);
    assert_int_equal(s->rec.counters.tlp_recoveries, 0);
    assert_int_equal(s->rec.counters.dsacks, 1);
    assert_int_equal(s->cc.congestion_events, events);
    t = next_out();
    assert_int_equal(t->seq, seg_seq(14));
    assert_int_equal(s->stats.retransmissions, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newreno_window),     cmocka_unit_test(test_sack_recovery),
        cmocka_unit_test(test_sack_validation),    cmocka_unit_test(test_reneging),
        cmocka_unit_test(test_dupacks_owed),       cmocka_unit_test(test_probe),
        cmocka_unit_test(test_probe_repeats_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
