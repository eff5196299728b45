/* The runtime shared by the apps (see runtime.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"
#include "tapir/error.h"
#include "tapir/wire/dissect.h"

/* Set by the signal handler: the app's only global state. The handler also stops the
 * loop, which wakes a wait already in progress (tapir_loop_stop is signal-safe). */
static volatile sig_atomic_t stop_requested;
static struct tapir_loop *signal_loop;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
    if (signal_loop)
        tapir_loop_stop(signal_loop);
}

tapir_instant app_now(void)
{
    return tapir_monotonic_now_us();
}

static void trace_frame(void *ctx, enum tapir_trace_dir dir, const uint8_t *frame, size_t len,
                        enum tapir_medium medium)
{
    (void)ctx;
    static char line[4096];
    struct tapir_text t;
    tapir_text_init(&t, line, sizeof line);
    tapir_frame_print(&t, frame, len, medium, 0);
    fprintf(stderr, "%s %s\n", dir == TAPIR_TRACE_RX ? "<" : ">", line);
}

/* Attaching to a TAP turns its carrier on, but the kernel applies the change through its
 * link watcher, which delays an event by up to a second after the previous one (when a
 * program just closed the same TAP): until then the kernel drops what it would send us,
 * ARP replies included. Wait, at most 2 s, until the kernel reports the link running
 * (IFF_RUNNING follows the operational state the link watcher sets). */
static void wait_link_running(const char *ifname)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    for (int i = 0; i < 200; i++) {
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0 || (ifr.ifr_flags & IFF_RUNNING))
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    close(fd);
}

static int fail(const struct app_runtime *rt, const char *what, int rc)
{
    fprintf(stderr, "%s: %s: %s\n", rt->prog, what, tapir_strerror(rc));
    return 2;
}

static int open_device(struct app_runtime *rt)
{
    const struct app_common *o = &rt->opt;
    char what[64];
    if (o->device_kind == APP_DEVICE_RAW) {
        struct tapir_packet_options po = {.ifname = o->device_name, .promisc = true, .mtu = o->mtu};
        int rc = tapir_packet_open(&rt->packet, &po);
        snprintf(what, sizeof what, "raw socket on %s", o->device_name);
        if (rc != 0)
            return fail(rt, what, rc);
        rt->has_packet = true;
        rt->dev = &rt->packet.dev;
        return 0;
    }
    struct tapir_tuntap_options to = {
        .name = o->device_name,
        .tun = o->device_kind == APP_DEVICE_TUN,
        .vnet_hdr = o->offload != APP_OFFLOAD_OFF,
    };
    int rc = tapir_tuntap_open(&rt->tuntap, &to);
    if (rc == TAPIR_EUNSUPPORTED && o->offload == APP_OFFLOAD_AUTO) {
        to.vnet_hdr = false; /* this kernel has no offloads for TAP/TUN: plain frames */
        rc = tapir_tuntap_open(&rt->tuntap, &to);
    }
    snprintf(what, sizeof what, "%s %s", to.tun ? "TUN" : "TAP", o->device_name);
    if (rc != 0)
        return fail(rt, what, rc);
    rt->has_tuntap = true;
    rt->dev = &rt->tuntap.dev;
    wait_link_running(rt->tuntap.name);
    if (o->mtu)
        rt->dev->mtu = o->mtu;
    return 0;
}

static int wrap_middleware(struct app_runtime *rt)
{
    const struct app_common *o = &rt->opt;
    if (o->drop_pct > 0 || o->dup_pct > 0 || o->reorder_pct > 0 || o->corrupt_pct > 0) {
        enum { SLOTS = 64 };
        size_t slot_cap = rt->dev->mtu + 64;
        if (rt->dev->caps & TAPIR_DEVICE_CAP_GSO)
            slot_cap = 65535 + 64; /* whole super-frames */
        rt->fault_slots = calloc(2 * SLOTS, sizeof *rt->fault_slots);
        rt->fault_mem = malloc(2 * SLOTS * slot_cap);
        if (!rt->fault_slots || !rt->fault_mem)
            return fail(rt, "fault injector", -ENOMEM);
        tapir_fault_slots_carve(rt->fault_slots, 2 * SLOTS, rt->fault_mem, slot_cap);
        struct tapir_fault_options fo;
        memset(&fo, 0, sizeof fo);
        fo.seed = o->seed;
        fo.clock = tapir_monotonic_clock();
        fo.rx.drop_pct = fo.tx.drop_pct = o->drop_pct;
        fo.rx.duplicate_pct = fo.tx.duplicate_pct = o->dup_pct;
        fo.rx.reorder_pct = fo.tx.reorder_pct = o->reorder_pct;
        fo.rx.corrupt_pct = fo.tx.corrupt_pct = o->corrupt_pct;
        int rc = tapir_fault_init(&rt->fault, rt->dev, &fo, rt->fault_slots, SLOTS,
                                  rt->fault_slots + SLOTS, SLOTS);
        if (rc != 0)
            return fail(rt, "fault injector", rc);
        rt->has_fault = true;
        rt->dev = &rt->fault.dev;
    }
    /* The pcap writer wraps outermost, so the capture shows what the stack saw and sent
     * (after injected faults on the way in, before them on the way out). */
    if (o->pcap_path) {
        int rc = tapir_pcap_open(&rt->pcap, rt->dev, o->pcap_path, tapir_monotonic_clock());
        if (rc != 0) {
            char what[300];
            snprintf(what, sizeof what, "pcap file %s", o->pcap_path);
            return fail(rt, what, rc);
        }
        rt->has_pcap = true;
        rt->dev = &rt->pcap.dev;
    }
    return 0;
}

static int bring_up(struct app_runtime *rt)
{
    const struct app_common *o = &rt->opt;
    tapir_instant now = app_now();
    tapir_prng_seed(&rt->prng, o->seed);
    struct tapir_iface_config cfg;
    tapir_iface_config_default(&cfg);
    cfg.device = rt->dev;
    cfg.mac = o->mac;
    cfg.mtu = o->mtu;
    cfg.rng = tapir_prng_source(&rt->prng);
    cfg.slaac = o->slaac;
    if (o->verbose)
        cfg.trace = trace_frame;
    cfg.mem_len = tapir_iface_mem_size(&cfg);
    rt->iface_mem = malloc(cfg.mem_len);
    if (!rt->iface_mem)
        return fail(rt, "interface memory", -ENOMEM);
    cfg.mem = rt->iface_mem;
    int rc = tapir_iface_init(&rt->iface, &cfg, now);
    if (rc != 0)
        return fail(rt, "interface", rc);
    if (o->has_ip && (rc = tapir_iface_add_ipv4(&rt->iface, &o->ip, o->ip_prefix, now)) != 0)
        return fail(rt, "--ip", rc);
    if (o->has_ip6 && (rc = tapir_iface_add_ipv6(&rt->iface, &o->ip6, o->ip6_prefix, now)) != 0)
        return fail(rt, "--ip6", rc);
    if (o->has_gw) {
        struct tapir_ip_addr gw = {.version = TAPIR_IP_V4, .v4 = o->gw};
        if ((rc = tapir_iface_set_default_gateway(&rt->iface, &gw)) != 0)
            return fail(rt, "--gw", rc);
    }
    if (o->has_gw6) {
        struct tapir_ip_addr gw = {.version = TAPIR_IP_V6, .v6 = o->gw6};
        if ((rc = tapir_iface_set_default_gateway(&rt->iface, &gw)) != 0)
            return fail(rt, "--gw6", rc);
    }
    for (unsigned i = 0; i < o->join_count; i++)
        if ((rc = tapir_iface_join_group(&rt->iface, &o->joins[i], now)) != 0)
            return fail(rt, "--join", rc);
    /* The event loop sleeps on the device until a frame or the next deadline; held
     * frames of the fault injector are a deadline of their own. */
    if ((rc = tapir_loop_init(&rt->loop, NULL)) != 0)
        return fail(rt, "event loop", rc);
    rt->has_loop = true;
    signal_loop = &rt->loop;
    if ((rc = tapir_loop_set_iface(&rt->loop, &rt->iface)) != 0)
        return fail(rt, "event loop", rc);
    if (rt->has_fault && (rc = tapir_loop_add_fault(&rt->loop, &rt->fault_source, &rt->fault)) != 0)
        return fail(rt, "event loop", rc);
    return 0;
}

int app_runtime_open(struct app_runtime *rt, const char *prog, const struct app_common *opt)
{
    memset(rt, 0, sizeof *rt);
    rt->prog = prog;
    rt->opt = *opt;
    rt->deadline = TAPIR_INSTANT_NEVER;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    fprintf(stderr, "seed %llu\n", (unsigned long long)opt->seed);
    int rc = open_device(rt);
    if (rc == 0)
        rc = wrap_middleware(rt);
    if (rc == 0)
        rc = bring_up(rt);
    if (rc != 0) {
        app_runtime_close(rt);
        return rc;
    }
    rt->started_at = app_now();
    if (opt->duration_s > 0)
        rt->deadline = rt->started_at + (tapir_instant)(opt->duration_s * 1e6);
    fprintf(stderr, "ready\n");
    return 0;
}

bool app_runtime_stopping(const struct app_runtime *rt)
{
    return stop_requested || app_now() >= rt->deadline;
}

void app_runtime_step(struct app_runtime *rt, tapir_instant until)
{
    tapir_instant now = app_now();
    if (rt->deadline < until)
        until = rt->deadline;
    /* One round: poll, sleep on the device until a frame, a deadline or `until`, poll
     * again; a signal ends the sleep at once. */
    tapir_loop_run_once(&rt->loop, until > now ? until - now : 0);
}

static void print_counters(const struct app_runtime *rt)
{
    const struct tapir_iface_stats *s = tapir_iface_stats(&rt->iface);
    fprintf(stderr, "rx_frames %llu\n", (unsigned long long)s->rx_frames);
    fprintf(stderr, "rx_bytes %llu\n", (unsigned long long)s->rx_bytes);
    fprintf(stderr, "tx_frames %llu\n", (unsigned long long)s->tx_frames);
    fprintf(stderr, "tx_bytes %llu\n", (unsigned long long)s->tx_bytes);
    fprintf(stderr, "arp_requests_sent %llu\n", (unsigned long long)s->arp_requests_sent);
    fprintf(stderr, "arp_replies_sent %llu\n", (unsigned long long)s->arp_replies_sent);
    fprintf(stderr, "ndp_solicits_sent %llu\n", (unsigned long long)s->ndp_solicits_sent);
    fprintf(stderr, "ndp_adverts_sent %llu\n", (unsigned long long)s->ndp_adverts_sent);
    fprintf(stderr, "echo_replies_sent %llu\n", (unsigned long long)s->echo_replies_sent);
    fprintf(stderr, "icmp_errors_sent %llu\n", (unsigned long long)s->icmp_errors_sent);
    fprintf(stderr, "reassembled %llu\n", (unsigned long long)s->reassembled);
    fprintf(stderr, "fragments_sent %llu\n", (unsigned long long)s->fragments_sent);
    fprintf(stderr, "mcast_reports_sent %llu\n", (unsigned long long)s->mcast_reports_sent);
    fprintf(stderr, "gso_frames_sent %llu\n", (unsigned long long)s->gso_frames_sent);
    fprintf(stderr, "gso_segments_sent %llu\n", (unsigned long long)s->gso_segments_sent);
    fprintf(stderr, "gso_frames_received %llu\n", (unsigned long long)s->gso_frames_received);
    fprintf(stderr, "csum_offloaded_rx %llu\n", (unsigned long long)s->csum_offloaded_rx);
    for (int i = 0; i < TAPIR_DROP_COUNT_; i++)
        if (s->drops[i])
            fprintf(stderr, "drop_%s %llu\n", tapir_drop_reason_name((enum tapir_drop_reason)i),
                    (unsigned long long)s->drops[i]);
    if (rt->has_fault) {
        const struct tapir_fault_counters *c[2] = {&rt->fault.rx.counters, &rt->fault.tx.counters};
        const char *dir[2] = {"rx", "tx"};
        for (int i = 0; i < 2; i++) {
            fprintf(stderr, "fault_%s_dropped %llu\n", dir[i], (unsigned long long)c[i]->dropped);
            fprintf(stderr, "fault_%s_duplicated %llu\n", dir[i],
                    (unsigned long long)c[i]->duplicated);
            fprintf(stderr, "fault_%s_reordered %llu\n", dir[i],
                    (unsigned long long)c[i]->reordered);
            fprintf(stderr, "fault_%s_corrupted %llu\n", dir[i],
                    (unsigned long long)c[i]->corrupted);
        }
    }
    if (rt->has_pcap)
        fprintf(stderr, "pcap_frames %llu\n", (unsigned long long)rt->pcap.frames);
}

void app_runtime_close(struct app_runtime *rt)
{
    if (rt->iface_mem)
        print_counters(rt);
    if (rt->has_loop) {
        signal_loop = NULL;
        tapir_loop_close(&rt->loop);
        rt->has_loop = false;
    }
    if (rt->has_pcap)
        tapir_pcap_close(&rt->pcap);
    if (rt->has_tuntap)
        tapir_tuntap_close(&rt->tuntap);
    if (rt->has_packet)
        tapir_packet_close(&rt->packet);
    free(rt->iface_mem);
    free(rt->fault_slots);
    free(rt->fault_mem);
    rt->iface_mem = NULL;
    rt->fault_slots = NULL;
    rt->fault_mem = NULL;
    rt->has_pcap = rt->has_tuntap = rt->has_packet = rt->has_fault = false;
}
