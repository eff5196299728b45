/* The event loop over a real interface on a fake device whose fd is a pipe: a frame waiting
 * or arriving during the wait is received within one round; the wait ends at max_wait, at
 * the interface's deadline and at a source's deadline (the only real-time checks, loose);
 * extra fds and sources run when ready or due (sources on a virtual clock, exactly);
 * handles deleted mid-round are not called; stop ends a round, run() and a wait from
 * another thread; the in-memory pair (no fd) and the fault injector as a source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tapir/error.h"
#include "tapir/iface.h"
#include "tapir/loop.h"
#include "tapir/phy/fault.h"
#include "tapir/phy/pair.h"
#include "tapir/wire/arp.h"
#include "tapir/wire/ethernet.h"
#include "tapir/wire/ipv4.h"

#define MS        TAPIR_US_PER_MS
#define LONG_WAIT (5 * (tapir_instant)TAPIR_US_PER_S) /* never reached when all is well */
/* How late a real-time wake may be: generous, because CI runs two tests at a time on two
 * cores and a process can lose the CPU for tens of milliseconds; still far below the
 * errors these checks catch (a wait of LONG_WAIT, or milliseconds taken for seconds). */
#define SLACK       (250 * MS)
#define FRAME_CAP   1600
#define MAC_US      "02:00:00:00:00:01"
#define MAC_PEER    "02:00:00:00:00:02"
#define IP_US       "192.168.69.1"
#define IP_PEER     "192.168.69.100"
#define PAIR_SLOTS  8
#define FAULT_SLOTS 8

/* ---- a fake device: frames travel through a pipe as [length, 2 bytes][bytes] ---------- */

struct pipe_dev {
    struct tapir_device dev;
    int rfd, wfd;
    int blind;    /* rx() calls still to answer "nothing" (as if the frame were not there) */
    int rx_calls; /* rx() calls made */
    int tx_frames;
    uint8_t last_tx[FRAME_CAP];
    size_t last_tx_len;
};

static int pipe_rx(void *ctx, struct tapir_frame *frames, int n)
{
    struct pipe_dev *d = ctx;
    d->rx_calls++;
    if (d->blind > 0) {
        d->blind--;
        return 0;
    }
    int got = 0;
    while (got < n) {
        uint16_t len;
        ssize_t r = read(d->rfd, &len, sizeof len);
        if (r < 0 && errno == EAGAIN)
            break;
        assert_int_equal(r, sizeof len);
        /* The writer put the whole record in one write() (below PIPE_BUF: atomic). */
        assert_true(len <= frames[got].cap);
        assert_int_equal(read(d->rfd, frames[got].data, len), len);
        frames[got].len = len;
        got++;
    }
    return got;
}

static int pipe_tx(void *ctx, const struct tapir_frame *frames, int n)
{
    struct pipe_dev *d = ctx;
    for (int i = 0; i < n; i++) {
        assert_true(frames[i].len <= sizeof d->last_tx);
        memcpy(d->last_tx, frames[i].data, frames[i].len);
        d->last_tx_len = frames[i].len;
        d->tx_frames++;
    }
    return n;
}

static int pipe_fd(void *ctx)
{
    return ((struct pipe_dev *)ctx)->rfd;
}

static const struct tapir_device_ops pipe_ops = {pipe_rx, pipe_tx, pipe_fd};

static void pipe_dev_open(struct pipe_dev *d)
{
    memset(d, 0, sizeof *d);
    int p[2];
    assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    d->rfd = p[0];
    d->wfd = p[1];
    d->dev.ops = &pipe_ops;
    d->dev.ctx = d;
    d->dev.medium = TAPIR_MEDIUM_ETHERNET;
    d->dev.mtu = 1500;
}

static void pipe_dev_write(struct pipe_dev *d, const uint8_t *frame, size_t len)
{
    uint8_t rec[2 + FRAME_CAP];
    uint16_t l = (uint16_t)len;
    memcpy(rec, &l, 2);
    memcpy(rec + 2, frame, len);
    assert_int_equal(write(d->wfd, rec, 2 + len), (ssize_t)(2 + len));
}

/* ---- frames from the peer ------------------------------------------------------------ */

static struct tapir_mac_addr mac(const char *text)
{
    struct tapir_mac_addr m;
    assert_int_equal(tapir_mac_addr_parse(text, &m), 0);
    return m;
}

static struct tapir_ipv4_addr ip4(const char *text)
{
    struct tapir_ipv4_addr a;
    assert_int_equal(tapir_ipv4_addr_parse(text, &a), 0);
    return a;
}

/* Broadcast "who has 192.168.69.1? tell 192.168.69.100". */
static size_t arp_request(uint8_t *buf)
{
    struct tapir_arp_repr arp = {
        .operation = TAPIR_ARP_REQUEST,
        .sender_mac = mac(MAC_PEER),
        .sender_ip = ip4(IP_PEER),
        .target_ip = ip4(IP_US),
    };
    assert_int_equal(tapir_arp_emit(&arp, buf + 14, FRAME_CAP - 14), TAPIR_ARP_LEN);
    struct tapir_eth_repr eth = {
        .dst = mac("ff:ff:ff:ff:ff:ff"),
        .src = mac(MAC_PEER),
        .ethertype = TAPIR_ETHERTYPE_ARP,
        .payload = buf + 14,
        .payload_len = TAPIR_ARP_LEN,
    };
    int n = tapir_eth_emit(&eth, buf, FRAME_CAP);
    assert_int_equal(n, 14 + TAPIR_ARP_LEN);
    return (size_t)n;
}

/* The first fragment of an ICMP datagram whose rest never comes. */
static size_t first_fragment(uint8_t *buf)
{
    static const uint8_t payload[8] = {8, 0, 0, 0, 0, 1, 0, 1};
    struct tapir_ipv4_repr ip = {
        .src = ip4(IP_PEER),
        .dst = ip4(IP_US),
        .protocol = 1,
        .ttl = 64,
        .ident = 0x1234,
        .more_frags = true,
        .payload = payload,
        .payload_len = sizeof payload,
    };
    int ipl = tapir_ipv4_emit(&ip, buf + 14, FRAME_CAP - 14);
    assert_int_equal(ipl, 28);
    struct tapir_eth_repr eth = {
        .dst = mac(MAC_US),
        .src = mac(MAC_PEER),
        .ethertype = TAPIR_ETHERTYPE_IPV4,
        .payload = buf + 14,
        .payload_len = (size_t)ipl,
    };
    int n = tapir_eth_emit(&eth, buf, FRAME_CAP);
    assert_int_equal(n, 14 + ipl);
    return (size_t)n;
}

/* ---- an interface with a loop on a device -------------------------------------------- */

struct rig {
    struct pipe_dev pd;
    struct tapir_pair pair;
    struct tapir_frame a_to_b[PAIR_SLOTS], b_to_a[PAIR_SLOTS];
    uint8_t pair_buf[2 * PAIR_SLOTS * FRAME_CAP];
    struct tapir_fault fault;
    struct tapir_fault_slot hold[2 * FAULT_SLOTS];
    uint8_t hold_buf[2 * FAULT_SLOTS * FRAME_CAP];
    struct tapir_virtual_clock vclock;
    struct tapir_prng prng;
    struct tapir_iface iface;
    void *mem;
    struct tapir_loop loop;
};

enum rig_device { RIG_PIPE, RIG_PAIR, RIG_PAIR_FAULT };

/* `virtual_clock`: the loop (and the fault injector) read rig->vclock, from 1 s. */
static struct rig *rig_new(enum rig_device kind, bool virtual_clock, tapir_instant reasm_us)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->vclock.now_us = TAPIR_US_PER_S;
    struct tapir_clock clock =
        virtual_clock ? tapir_virtual_clock_source(&r->vclock) : tapir_monotonic_clock();
    struct tapir_device *dev = &r->pd.dev;
    pipe_dev_open(&r->pd);
    if (kind != RIG_PIPE) {
        tapir_frames_carve(r->a_to_b, PAIR_SLOTS, r->pair_buf, FRAME_CAP);
        tapir_frames_carve(r->b_to_a, PAIR_SLOTS, r->pair_buf + PAIR_SLOTS * FRAME_CAP, FRAME_CAP);
        assert_int_equal(
            tapir_pair_init(&r->pair, r->a_to_b, PAIR_SLOTS, r->b_to_a, PAIR_SLOTS, NULL), 0);
        dev = &r->pair.a.dev;
    }
    if (kind == RIG_PAIR_FAULT) {
        tapir_fault_slots_carve(r->hold, 2 * FAULT_SLOTS, r->hold_buf, FRAME_CAP);
        struct tapir_fault_options fo;
        memset(&fo, 0, sizeof fo);
        fo.seed = 7;
        fo.clock = clock;
        fo.rx.delay_us = 1000;
        fo.tx.delay_us = 1000;
        assert_int_equal(tapir_fault_init(&r->fault, dev, &fo, r->hold, FAULT_SLOTS,
                                          r->hold + FAULT_SLOTS, FAULT_SLOTS),
                         0);
        dev = &r->fault.dev;
    }

    tapir_prng_seed(&r->prng, 1);
    struct tapir_iface_config cfg;
    tapir_iface_config_default(&cfg);
    cfg.device = dev;
    cfg.mac = mac(MAC_US);
    cfg.rng = tapir_prng_source(&r->prng);
    cfg.announce = false; /* nothing sent unless asked: exact tx counts */
    if (reasm_us)
        cfg.reasm_timeout_us = reasm_us;
    cfg.mem_len = tapir_iface_mem_size(&cfg);
    r->mem = malloc(cfg.mem_len);
    assert_non_null(r->mem);
    cfg.mem = r->mem;
    tapir_instant now = clock.now_us(clock.ctx);
    assert_int_equal(tapir_iface_init(&r->iface, &cfg, now), 0);
    struct tapir_ipv4_addr a = ip4(IP_US);
    assert_int_equal(tapir_iface_add_ipv4(&r->iface, &a, 24, now), 0);

    assert_int_equal(tapir_loop_init(&r->loop, &clock), 0);
    assert_int_equal(tapir_loop_set_iface(&r->loop, &r->iface), 0);
    return r;
}

static void rig_free(struct rig *r)
{
    tapir_loop_close(&r->loop);
    close(r->pd.rfd);
    close(r->pd.wfd);
    free(r->mem);
    free(r);
}

static const struct tapir_iface_stats *stats(const struct rig *r)
{
    return tapir_iface_stats(&r->iface);
}

/* The last frame sent is our ARP reply to the peer. */
static void assert_arp_reply(const uint8_t *frame, size_t len)
{
    struct tapir_eth_repr eth;
    assert_int_equal(tapir_eth_parse(frame, len, &eth), 0);
    assert_memory_equal(eth.dst.bytes, mac(MAC_PEER).bytes, 6);
    assert_int_equal(eth.ethertype, TAPIR_ETHERTYPE_ARP);
    struct tapir_arp_repr arp;
    assert_int_equal(tapir_arp_parse(eth.payload, eth.payload_len, &arp), 0);
    assert_int_equal(arp.operation, TAPIR_ARP_REPLY);
    assert_memory_equal(arp.sender_mac.bytes, mac(MAC_US).bytes, 6);
    assert_memory_equal(arp.target_ip.bytes, ip4(IP_PEER).bytes, 4);
}

/* ---- frames from the device ---------------------------------------------------------- */

static void test_frame_waiting_before_the_call(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PIPE, false, 0);
    uint8_t f[FRAME_CAP];
    pipe_dev_write(&r->pd, f, arp_request(f));

    /* Found by the first poll: no sleep, and the reply is already out. */
    assert_int_equal(tapir_loop_run_once(&r->loop, LONG_WAIT), TAPIR_LOOP_RX);
    assert_int_equal(stats(r)->rx_frames, 1);
    assert_int_equal(stats(r)->arp_replies_sent, 1);
    assert_int_equal(r->pd.tx_frames, 1);
    assert_arp_reply(r->pd.last_tx, r->pd.last_tx_len);

    /* Nothing left: a round that may not sleep says so. */
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    assert_int_equal(stats(r)->rx_frames, 1);
    assert_int_equal(r->pd.tx_frames, 1);
    rig_free(r);
}

static void test_wakes_when_device_readable(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PIPE, false, 0);
    uint8_t f[FRAME_CAP];
    pipe_dev_write(&r->pd, f, arp_request(f));
    /* The first poll does not see it, as if the frame arrived just after that poll: the
     * fd's readiness must end the wait. A loop deaf to the fd would sleep LONG_WAIT and
     * report TIMEOUT as well as RX. */
    r->pd.blind = 1;
    assert_int_equal(tapir_loop_run_once(&r->loop, LONG_WAIT), TAPIR_LOOP_RX);
    assert_int_equal(r->pd.rx_calls, 2);
    assert_int_equal(stats(r)->rx_frames, 1);
    assert_int_equal(stats(r)->arp_replies_sent, 1);
    assert_arp_reply(r->pd.last_tx, r->pd.last_tx_len);
    rig_free(r);
}

/* ---- the wait ends at the deadline (the real-time checks) ----------------------------- */

static void test_max_wait(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PIPE, false, 0);
    assert_int_equal(tapir_loop_poll_at(&r->loop, tapir_monotonic_now_us()), TAPIR_INSTANT_NEVER);
    /* With epoll_pwait2() (microseconds), then as on a kernel without it (milliseconds,
     * rounded up: 20.3 ms waits 21). */
    for (int pass = 0; pass < 2; pass++) {
        r->loop.no_pwait2 = pass == 1;
        tapir_instant wait = 20 * MS + 300;
        tapir_instant t0 = tapir_monotonic_now_us();
        assert_int_equal(tapir_loop_run_once(&r->loop, wait), TAPIR_LOOP_TIMEOUT);
        tapir_instant dt = tapir_monotonic_now_us() - t0;
        assert_true(dt >= wait);
        assert_true(dt < wait + SLACK);
    }
    assert_int_equal(stats(r)->rx_frames, 0);
    rig_free(r);
}

static void test_iface_deadline(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PIPE, false, 20 * MS);
    uint8_t f[FRAME_CAP];
    pipe_dev_write(&r->pd, f, first_fragment(f));
    tapir_instant t0 = tapir_monotonic_now_us();
    assert_int_equal(tapir_loop_run_once(&r->loop, LONG_WAIT), TAPIR_LOOP_RX);
    /* The reassembly timer is now the interface's deadline: 20 ms after the fragment. */
    tapir_instant at = tapir_loop_poll_at(&r->loop, t0);
    assert_true(at >= t0 + 20 * MS);
    assert_true(at < tapir_monotonic_now_us() + 20 * MS + 1);
    assert_int_equal(stats(r)->drops[TAPIR_DROP_FRAG_TIMEOUT], 0);

    assert_int_equal(tapir_loop_run_once(&r->loop, LONG_WAIT), TAPIR_LOOP_DEADLINE);
    tapir_instant dt = tapir_monotonic_now_us() - t0;
    assert_true(dt >= 20 * MS);
    assert_true(dt < 20 * MS + SLACK);
    assert_int_equal(stats(r)->drops[TAPIR_DROP_FRAG_TIMEOUT], 1);
    rig_free(r);
}

/* A deadline source: due at `at`, then NEVER, or `repeat_us` later. */
struct timer {
    tapir_instant at;
    tapir_instant repeat_us;
    int calls;
    tapir_instant called_at;
    /* What due() also does, for the tests that need it. */
    struct tapir_loop *loop;
    int stop_at_call;                        /* calls tapir_loop_stop() on this call */
    struct tapir_loop_source *delete_handle; /* deletes this source */
    struct tapir_virtual_clock *advance;     /* moves this clock by repeat_us */
};

static tapir_instant timer_at(void *ctx, tapir_instant now)
{
    (void)now;
    return ((struct timer *)ctx)->at;
}

static void timer_due(void *ctx, tapir_instant now)
{
    struct timer *t = ctx;
    t->calls++;
    t->called_at = now;
    t->at = t->repeat_us ? now + t->repeat_us : TAPIR_INSTANT_NEVER;
    if (t->advance)
        t->advance->now_us += t->repeat_us;
    if (t->stop_at_call == t->calls)
        tapir_loop_stop(t->loop);
    if (t->delete_handle)
        assert_int_equal(tapir_loop_del_source(t->loop, t->delete_handle), 0);
}

static void test_source_deadline_real_time(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PIPE, false, 0);
    struct tapir_loop_source h;
    tapir_instant t0 = tapir_monotonic_now_us();
    struct timer t = {.at = t0 + 20 * MS};
    assert_int_equal(tapir_loop_add_source(&r->loop, &h, timer_at, timer_due, &t), 0);
    assert_int_equal(tapir_loop_run_once(&r->loop, LONG_WAIT), TAPIR_LOOP_DEADLINE);
    tapir_instant dt = tapir_monotonic_now_us() - t0;
    assert_int_equal(t.calls, 1);
    assert_true(t.called_at >= t0 + 20 * MS);
    assert_true(dt < 20 * MS + SLACK);
    rig_free(r);
}

/* ---- sources on a virtual clock ------------------------------------------------------ */

static void test_source_due_virtual_clock(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PIPE, true, 0);
    tapir_instant t0 = r->vclock.now_us;
    struct tapir_loop_source h;
    struct timer t = {.at = t0 + 500};
    assert_int_equal(tapir_loop_add_source(&r->loop, &h, timer_at, timer_due, &t), 0);
    assert_int_equal(tapir_loop_poll_at(&r->loop, t0), t0 + 500);

    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    r->vclock.now_us = t0 + 499;
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    assert_int_equal(t.calls, 0);

    r->vclock.now_us = t0 + 500;
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_DEADLINE);
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.called_at, t0 + 500);
    assert_int_equal(tapir_loop_poll_at(&r->loop, t0 + 500), TAPIR_INSTANT_NEVER);

    /* One-shot: not again. A deadline already past is due at once (no sleep). */
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    assert_int_equal(t.calls, 1);
    t.at = t0;
    assert_int_equal(tapir_loop_poll_at(&r->loop, t0 + 500), t0 + 500);
    assert_int_equal(tapir_loop_run_once(&r->loop, LONG_WAIT), TAPIR_LOOP_DEADLINE);
    assert_int_equal(t.calls, 2);

    assert_int_equal(tapir_loop_del_source(&r->loop, &h), 0);
    assert_int_equal(tapir_loop_del_source(&r->loop, &h), TAPIR_EINVAL);
    t.at = t0;
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    assert_int_equal(t.calls, 2);
    rig_free(r);
}

static void test_source_deleted_mid_round(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PIPE, true, 0);
    struct tapir_loop_source h1, h2;
    /* Both due; whichever runs first deletes the other, which must not run. */
    struct timer t1 = {.at = 0, .loop = &r->loop, .delete_handle = &h2};
    struct timer t2 = {.at = 0, .loop = &r->loop, .delete_handle = &h1};
    assert_int_equal(tapir_loop_add_source(&r->loop, &h1, timer_at, timer_due, &t1), 0);
    assert_int_equal(tapir_loop_add_source(&r->loop, &h2, timer_at, timer_due, &t2), 0);
    assert_int_equal(tapir_loop_add_source(&r->loop, &h2, timer_at, timer_due, &t2), TAPIR_EINVAL);
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_DEADLINE);
    assert_int_equal(t1.calls + t2.calls, 1);
    rig_free(r);
}

/* ---- extra fds ----------------------------------------------------------------------- */

struct reader {
    int calls;
    int fd;
    unsigned events;
    bool consume;            /* read what made it readable */
    struct tapir_loop *loop; /* for stop / delete */
    bool stop;
    struct tapir_loop_fd *delete_handle;
};

static void reader_fn(void *ctx, int fd, unsigned events, tapir_instant now)
{
    (void)now;
    struct reader *rd = ctx;
    rd->calls++;
    rd->fd = fd;
    rd->events = events;
    if (rd->consume) {
        uint8_t b[16];
        ssize_t n = read(fd, b, sizeof b);
        (void)n;
    }
    if (rd->stop)
        tapir_loop_stop(rd->loop);
    if (rd->delete_handle)
        assert_int_equal(tapir_loop_del_fd(rd->loop, rd->delete_handle), 0);
}

static void test_fd_callback(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PIPE, false, 0);
    int p[2];
    assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    struct tapir_loop_fd h;
    struct reader rd = {.consume = true};
    r->loop.no_pwait2 = true; /* epoll_wait(), as on a kernel older than 5.11 */
    assert_int_equal(tapir_loop_add_fd(&r->loop, &h, p[0], TAPIR_LOOP_IN, reader_fn, &rd), 0);
    assert_int_equal(tapir_loop_add_fd(&r->loop, &h, p[0], TAPIR_LOOP_IN, reader_fn, &rd),
                     TAPIR_EINVAL);
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    assert_int_equal(rd.calls, 0);

    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(tapir_loop_run_once(&r->loop, LONG_WAIT), TAPIR_LOOP_FD);
    assert_int_equal(rd.calls, 1);
    assert_int_equal(rd.fd, p[0]);
    assert_int_equal(rd.events, TAPIR_LOOP_IN);
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    assert_int_equal(rd.calls, 1);

    /* The writer hangs up: reported whether asked or not. */
    close(p[1]);
    assert_int_equal(tapir_loop_run_once(&r->loop, LONG_WAIT), TAPIR_LOOP_FD);
    assert_int_equal(rd.calls, 2);
    assert_true(rd.events & TAPIR_LOOP_HUP);

    assert_int_equal(tapir_loop_del_fd(&r->loop, &h), 0);
    assert_int_equal(tapir_loop_del_fd(&r->loop, &h), TAPIR_EINVAL);
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    assert_int_equal(rd.calls, 2);
    close(p[0]);
    rig_free(r);
}

static void test_fd_deleted_mid_round(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PIPE, false, 0);
    int p1[2], p2[2];
    assert_int_equal(pipe2(p1, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(pipe2(p2, O_NONBLOCK | O_CLOEXEC), 0);
    struct tapir_loop_fd h1, h2;
    /* Both readable in the same round; whichever runs first deletes the other. */
    struct reader r1 = {.loop = &r->loop, .delete_handle = &h2};
    struct reader r2 = {.loop = &r->loop, .delete_handle = &h1};
    assert_int_equal(tapir_loop_add_fd(&r->loop, &h1, p1[0], TAPIR_LOOP_IN, reader_fn, &r1), 0);
    assert_int_equal(tapir_loop_add_fd(&r->loop, &h2, p2[0], TAPIR_LOOP_IN, reader_fn, &r2), 0);
    assert_int_equal(write(p1[1], "x", 1), 1);
    assert_int_equal(write(p2[1], "x", 1), 1);
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_FD);
    assert_int_equal(r1.calls + r2.calls, 1);
    for (int i = 0; i < 2; i++) {
        close(p1[i]);
        close(p2[i]);
    }
    rig_free(r);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PIPE, false, 0);
    struct tapir_loop_fd h;
    struct reader rd = {0};
    assert_int_equal(tapir_loop_add_fd(&r->loop, &h, -1, TAPIR_LOOP_IN, reader_fn, &rd),
                     TAPIR_EINVAL);
    assert_int_equal(tapir_loop_add_fd(&r->loop, &h, r->pd.wfd, 0, reader_fn, &rd), TAPIR_EINVAL);
    assert_int_equal(tapir_loop_add_fd(&r->loop, &h, r->pd.wfd, TAPIR_LOOP_IN, NULL, &rd),
                     TAPIR_EINVAL);
    /* The device fd is already watched. */
    assert_int_equal(tapir_loop_add_fd(&r->loop, &h, r->pd.rfd, TAPIR_LOOP_IN, reader_fn, &rd),
                     -EEXIST);
    struct tapir_loop_source s;
    assert_int_equal(tapir_loop_add_source(&r->loop, &s, NULL, timer_due, NULL), TAPIR_EINVAL);
    assert_int_equal(tapir_loop_add_source(&r->loop, &s, timer_at, NULL, NULL), TAPIR_EINVAL);
    assert_int_equal(tapir_loop_add_fault(&r->loop, &s, NULL), TAPIR_EINVAL);
    tapir_loop_close(&r->loop);
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_EINVAL);
    tapir_loop_close(&r->loop); /* twice is fine */
    rig_free(r);
}

/* ---- stop ---------------------------------------------------------------------------- */

static void test_stop_run_once(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PIPE, false, 0);
    /* Pending before the round: it does not sleep, and reports it once. */
    tapir_loop_stop(&r->loop);
    assert_int_equal(tapir_loop_run_once(&r->loop, LONG_WAIT), TAPIR_LOOP_STOP);
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    /* Twice before a round: still one report (the eventfd was emptied). */
    tapir_loop_stop(&r->loop);
    tapir_loop_stop(&r->loop);
    assert_int_equal(tapir_loop_run_once(&r->loop, LONG_WAIT), TAPIR_LOOP_STOP);
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    rig_free(r);
}

static void test_stop_run_from_callbacks(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PIPE, false, 0);
    /* From an fd callback. */
    int p[2];
    assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    struct tapir_loop_fd h;
    struct reader rd = {.consume = true, .loop = &r->loop, .stop = true};
    assert_int_equal(tapir_loop_add_fd(&r->loop, &h, p[0], TAPIR_LOOP_IN, reader_fn, &rd), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(tapir_loop_run(&r->loop, TAPIR_INSTANT_NEVER), TAPIR_LOOP_STOP);
    assert_int_equal(rd.calls, 1);
    assert_int_equal(tapir_loop_del_fd(&r->loop, &h), 0);
    close(p[0]);
    close(p[1]);

    /* From a source, the third time it is due (1 us apart, real time). */
    struct tapir_loop_source s;
    struct timer t = {.at = 0, .repeat_us = 1, .loop = &r->loop, .stop_at_call = 3};
    assert_int_equal(tapir_loop_add_source(&r->loop, &s, timer_at, timer_due, &t), 0);
    assert_int_equal(tapir_loop_run(&r->loop, TAPIR_INSTANT_NEVER), TAPIR_LOOP_STOP);
    assert_int_equal(t.calls, 3);
    rig_free(r);
}

static void test_run_until(void **state)
{
    (void)state;
    /* A source moving the virtual clock 1 ms each time it is due: run() ends when the
     * clock reaches `until`, after exactly 10 of them. */
    struct rig *r = rig_new(RIG_PIPE, true, 0);
    tapir_instant t0 = r->vclock.now_us;
    struct tapir_loop_source s;
    struct timer t = {.at = t0, .repeat_us = MS, .advance = &r->vclock};
    assert_int_equal(tapir_loop_add_source(&r->loop, &s, timer_at, timer_due, &t), 0);
    assert_int_equal(tapir_loop_run(&r->loop, t0 + 10 * MS), TAPIR_LOOP_TIMEOUT);
    assert_int_equal(t.calls, 10);
    assert_int_equal(r->vclock.now_us, t0 + 10 * MS);
    /* `until` already past: no round at all. */
    assert_int_equal(tapir_loop_run(&r->loop, t0), TAPIR_LOOP_TIMEOUT);
    assert_int_equal(t.calls, 10);
    rig_free(r);
}

/* The other thread: waits (spinning, not sleeping) until the loop's thread is asleep in
 * the kernel, then stops the loop. */
struct stopper {
    struct tapir_loop *loop;
    pid_t tid;             /* the loop's thread */
    atomic_int give_up;    /* set by the loop's thread once run() returned */
    atomic_int saw_asleep; /* the loop's thread was seen sleeping before the stop */
};

static char thread_state(pid_t tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return '?';
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *paren = strrchr(buf, ')'); /* "tid (comm) S ..." */
    return paren && paren[1] == ' ' ? paren[2] : '?';
}

static void *stopper(void *arg)
{
    struct stopper *st = arg;
    while (!atomic_load(&st->give_up)) {
        if (thread_state(st->tid) == 'S') {
            atomic_store(&st->saw_asleep, 1);
            break;
        }
    }
    tapir_loop_stop(st->loop);
    return NULL;
}

static void test_stop_from_another_thread(void **state)
{
    (void)state;
    /* The stop lands while the loop sleeps in epoll with nothing else to wake it: the
     * eventfd must end the wait (a stop that only set the flag would be seen after
     * LONG_WAIT, reported with TIMEOUT). */
    struct rig *r = rig_new(RIG_PIPE, false, 0);
    struct stopper st = {.loop = &r->loop, .tid = gettid()};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, stopper, &st), 0);
    int rc = tapir_loop_run_once(&r->loop, LONG_WAIT);
    atomic_store(&st.give_up, 1);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(rc, TAPIR_LOOP_STOP);
    assert_int_equal(atomic_load(&st.saw_asleep), 1);
    rig_free(r);
}

/* ---- devices without an fd, and the fault injector ----------------------------------- */

static void test_pair_without_fd(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_PAIR, true, 0);
    assert_int_equal(tapir_device_fd(&r->pair.a.dev), -1);
    uint8_t f[FRAME_CAP];
    struct tapir_frame fr = {.data = f, .cap = sizeof f, .len = arp_request(f)};
    assert_int_equal(tapir_device_tx(&r->pair.b.dev, &fr, 1), 1);
    /* Nothing to sleep on, but the frame is found by the round's first poll. */
    assert_int_equal(tapir_loop_run_once(&r->loop, LONG_WAIT), TAPIR_LOOP_RX);
    assert_int_equal(stats(r)->rx_frames, 1);
    assert_int_equal(r->pair.b.rxq.len, 1); /* the ARP reply */
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    rig_free(r);
}

static void test_fault_injector_source(void **state)
{
    (void)state;
    /* 1 ms of delay each way: neither the held request nor the held reply makes any fd
     * readable; the loop learns when they are due from the fault source. */
    struct rig *r = rig_new(RIG_PAIR_FAULT, true, 0);
    tapir_instant t0 = r->vclock.now_us;
    struct tapir_loop_source s;
    assert_int_equal(tapir_loop_add_fault(&r->loop, &s, &r->fault), 0);
    uint8_t f[FRAME_CAP];
    struct tapir_frame fr = {.data = f, .cap = sizeof f, .len = arp_request(f)};
    assert_int_equal(tapir_device_tx(&r->pair.b.dev, &fr, 1), 1);

    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    assert_int_equal(stats(r)->rx_frames, 0);
    assert_int_equal(r->fault.rx.counters.delayed, 1);
    assert_int_equal(tapir_loop_poll_at(&r->loop, t0), t0 + 1000);

    r->vclock.now_us = t0 + 999;
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    assert_int_equal(stats(r)->rx_frames, 0);

    /* The clock moved while the loop was not sleeping: the round's first poll takes the
     * released frame (and the round does not sleep after it). */
    r->vclock.now_us = t0 + 1000;
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_RX);
    assert_int_equal(stats(r)->rx_frames, 1);
    assert_int_equal(stats(r)->arp_replies_sent, 1);
    assert_int_equal(r->pair.b.rxq.len, 0); /* the reply is held on its way out */
    assert_int_equal(tapir_loop_poll_at(&r->loop, t0 + 1000), t0 + 2000);

    /* Due tx frames leave with the first poll too (the fault injector's rx() releases
     * them); nothing is left for the wait to reach. */
    r->vclock.now_us = t0 + 2000;
    assert_int_equal(tapir_loop_run_once(&r->loop, 0), TAPIR_LOOP_TIMEOUT);
    assert_int_equal(r->pair.b.rxq.len, 1);
    /* Nothing held: what is left is the interface's own timer (the peer's ARP entry). */
    assert_int_equal(tapir_fault_poll_at(&r->fault), TAPIR_INSTANT_NEVER);
    assert_int_equal(tapir_loop_poll_at(&r->loop, t0 + 2000),
                     tapir_iface_poll_at(&r->iface, t0 + 2000));
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_waiting_before_the_call),
        cmocka_unit_test(test_wakes_when_device_readable),
        cmocka_unit_test(test_max_wait),
        cmocka_unit_test(test_iface_deadline),
        cmocka_unit_test(test_source_deadline_real_time),
        cmocka_unit_test(test_source_due_virtual_clock),
        cmocka_unit_test(test_source_deleted_mid_round),
        cmocka_unit_test(test_fd_callback),
        cmocka_unit_test(test_fd_deleted_mid_round),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_stop_run_once),
        cmocka_unit_test(test_stop_run_from_callbacks),
        cmocka_unit_test(test_run_until),
        cmocka_unit_test(test_stop_from_another_thread),
        cmocka_unit_test(test_pair_without_fd),
        cmocka_unit_test(test_fault_injector_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
