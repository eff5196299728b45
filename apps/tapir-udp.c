/* tapir-udp: send or receive UDP datagrams from tapir's own stack.
 *
 *   tapir-udp send ADDR PORT      datagrams from stdin (one per line) or patterned ones
 *   tapir-udp recv PORT           print (or verify) what arrives
 *
 * Patterned datagram k (k from 0) of length L: when L >= 4 the first four bytes hold k
 * (big-endian), every other byte i is (i + k) mod 251; a receiver checks each byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/runtime.h"
#include "tapir/error.h"
#include "tapir/socket/udp.h"
#include "tapir/wire/icmpv4.h"
#include "tapir/wire/icmpv6.h"

#define MAX_DATAGRAM 65527

static void usage(FILE *out)
{
    fputs("usage: tapir-udp [OPTIONS] send ADDR PORT\n"
          "       tapir-udp [OPTIONS] recv PORT\n"
          "send: one datagram per line of stdin, or with --count patterned datagrams;\n"
          "  an ICMP error about them ends the program with status 1, naming it\n"
          "  (\"port unreachable from 192.168.69.100\").\n"
          "recv: print each datagram's source and length (its text with --print),\n"
          "  or check patterned ones with --verify.\n"
          "  --count N       send / receive N datagrams (recv: then exit)\n"
          "  --size S        bytes per patterned datagram (default 64)\n"
          "  --sizes A..B    sizes spread evenly over A..B instead\n"
          "  --interval S    seconds between datagrams (default: as fast as the queue goes)\n"
          "  --echo          send: expect every datagram back, checked byte by byte\n"
          "  --window N      send --echo: datagrams in flight at most (default 8, 0: no limit)\n"
          "  --wait S        send: how long to wait for errors or echoes at the end (default 1)\n"
          "  --port P        send: local port (default: ephemeral)\n"
          "  --broadcast     send: allow broadcast destinations\n"
          "  --verify        recv: every datagram must be patterned; exit 1 if not\n"
          "  --print         recv: print each datagram's bytes as text\n"
          "Exit status: 0 success, 1 ICMP error / lost or bad datagrams, 2 usage or device.\n\n",
          out);
    app_common_usage(out);
}

struct udp_app {
    bool send;
    struct tapir_ip_addr dst;
    char dst_text[TAPIR_IP_STRLEN];
    unsigned long port, local_port, count, size, size_min, size_max, window;
    bool sizes, echo, broadcast, verify, print, from_stdin;
    double interval_s, wait_s;
    /* stdin lines */
    char **lines;
    size_t *line_len;
    size_t line_count;
};

static size_t size_of(const struct udp_app *a, unsigned long k)
{
    if (!a->sizes)
        return a->size;
    if (a->count <= 1)
        return a->size_max;
    /* Evenly from min to max, both ends included. */
    return a->size_min +
           (size_t)((a->size_max - a->size_min) * (unsigned long long)k / (a->count - 1));
}

static void fill_pattern(uint8_t *buf, size_t len, uint32_t k)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)((i + k) % 251);
    if (len >= 4) {
        buf[0] = (uint8_t)(k >> 24);
        buf[1] = (uint8_t)(k >> 16);
        buf[2] = (uint8_t)(k >> 8);
        buf[3] = (uint8_t)k;
    }
}

/* Returns the datagram's index, or -1 when it is not a patterned datagram. */
static long check_pattern(const uint8_t *buf, size_t len)
{
    uint32_t k = 0;
    if (len >= 4)
        k = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
    for (size_t i = len >= 4 ? 4 : 0; i < len; i++)
        if (buf[i] != (uint8_t)((i + k) % 251))
            return -1;
    return (long)k;
}

/* "port unreachable", "packet too big (mtu 1280)", ... */
static void error_name(const struct tapir_udp_icmp_error *e, char *out, size_t cap)
{
    const char *name = NULL;
    if (e->version == TAPIR_IP_V4) {
        name = tapir_icmpv4_code_name(e->type, e->code);
        if (!name)
            name = tapir_icmpv4_type_name(e->type);
    } else {
        switch (e->type) {
        case 1: {
            static const char *const codes[] = {"no route to destination",
                                                "administratively prohibited",
                                                "beyond scope",
                                                "address unreachable",
                                                "port unreachable",
                                                "source address failed",
                                                "reject route"};
            name = e->code < 7 ? codes[e->code] : "destination unreachable";
            break;
        }
        default:
            name = tapir_icmpv6_type_name(e->type);
        }
    }
    if (!name)
        name = "ICMP error";
    if ((e->version == TAPIR_IP_V4 && e->type == 3 && e->code == 4) ||
        (e->version == TAPIR_IP_V6 && e->type == 2))
        snprintf(out, cap, "%s (mtu %u)", name, (unsigned)e->info);
    else
        snprintf(out, cap, "%s", name);
}

/* An error reported on the socket: print it and say so. */
static bool report_error(struct tapir_udp_socket *s)
{
    int err = tapir_udp_take_error(s);
    if (err == 0)
        return false;
    struct tapir_udp_icmp_error e;
    if ((err == TAPIR_ECONNREFUSED || err == TAPIR_EHOSTUNREACH || err == TAPIR_EMSGSIZE) &&
        tapir_udp_last_icmp(s, &e)) {
        char name[96], from[TAPIR_IP_STRLEN];
        error_name(&e, name, sizeof name);
        fprintf(stderr, "tapir-udp: %s from %s\n", name, tapir_ip_format(&e.from, from));
    } else {
        fprintf(stderr, "tapir-udp: sending: %s\n", tapir_strerror(err));
    }
    return true;
}

static int read_stdin(struct udp_app *a)
{
    size_t cap = 0;
    char *line = NULL;
    size_t n = 0;
    ssize_t len;
    while ((len = getline(&line, &n, stdin)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if ((size_t)len > MAX_DATAGRAM)
            len = MAX_DATAGRAM;
        if (a->line_count == cap) {
            cap = cap ? 2 * cap : 64;
            a->lines = realloc(a->lines, cap * sizeof *a->lines);
            a->line_len = realloc(a->line_len, cap * sizeof *a->line_len);
            if (!a->lines || !a->line_len)
                return -1;
        }
        a->lines[a->line_count] = malloc((size_t)len + 1);
        if (!a->lines[a->line_count])
            return -1;
        memcpy(a->lines[a->line_count], line, (size_t)len);
        a->line_len[a->line_count++] = (size_t)len;
    }
    free(line);
    return 0;
}

/* Has the interface resolved the link address the datagrams go to (the destination,
 * or the gateway of its version)? Broadcast and multicast need none. */
static bool next_hop_known(struct app_runtime *rt, const struct tapir_ip_addr *dst)
{
    if (rt->dev->medium == TAPIR_MEDIUM_IP)
        return true;
    if (dst->version == TAPIR_IP_V4 ? (dst->v4.bytes[0] >= 224) : (dst->v6.bytes[0] == 0xff))
        return true;
    if (tapir_iface_neighbor(&rt->iface, dst, NULL) == 1)
        return true;
    struct tapir_ip_addr gw;
    memset(&gw, 0, sizeof gw);
    gw.version = dst->version;
    if (dst->version == TAPIR_IP_V4 && rt->opt.has_gw)
        gw.v4 = rt->opt.gw;
    else if (dst->version == TAPIR_IP_V6 && rt->opt.has_gw6)
        gw.v6 = rt->opt.gw6;
    else
        return false;
    return tapir_iface_neighbor(&rt->iface, &gw, NULL) == 1;
}

static int run_send(struct app_runtime *rt, struct udp_app *a, struct tapir_udp_socket *s,
                    uint8_t *buf)
{
    unsigned long total = a->from_stdin ? a->line_count : a->count;
    unsigned long sent = 0, echoed = 0, bad = 0;
    unsigned long long bytes = 0;
    uint8_t *seen = a->echo ? calloc(total ? total : 1, 1) : NULL;
    tapir_instant interval = (tapir_instant)(a->interval_s * 1e6);
    tapir_instant next = app_now(), last_activity = app_now(), first_at = 0;
    tapir_instant wait = (tapir_instant)(a->wait_s * 1e6);
    int status = 0;
    while (!app_runtime_stopping(rt)) {
        tapir_instant now = app_now();
        /* While ARP/NDP resolves, the interface keeps what waits for the neighbour only up
         * to a limit (32): send one, and the rest once the neighbour is known (or after
         * 3 s), so a long burst loses nothing either. */
        bool hold = false;
        while (sent < total && now >= next) {
            hold = sent == 1 && now < first_at + 3 * (tapir_instant)TAPIR_US_PER_S &&
                   !next_hop_known(rt, &a->dst);
            if (hold)
                break;
            /* --echo: at most `window` datagrams in flight, so a burst cannot overrun
             * the queues on the way (UDP has no flow control of its own). */
            if (a->echo && a->window && sent - echoed - bad >= a->window)
                break;
            size_t len = a->from_stdin ? a->line_len[sent] : size_of(a, sent);
            const uint8_t *data = buf;
            if (a->from_stdin)
                data = (const uint8_t *)a->lines[sent];
            else
                fill_pattern(buf, len, (uint32_t)sent);
            if (!tapir_udp_can_send(s, len))
                break;
            int rc = tapir_udp_send(s, &a->dst, (uint16_t)a->port, data, len);
            if (rc < 0) {
                fprintf(stderr, "tapir-udp: sending %zu bytes: %s\n", len, tapir_strerror(rc));
                status = 1;
                goto out;
            }
            if (sent == 0)
                first_at = now;
            sent++;
            bytes += len;
            last_activity = now;
            if (interval) {
                next += interval;
                break;
            }
        }
        tapir_instant until = sent < total ? (interval ? next : now) : last_activity + wait;
        if (hold)
            until = now + 10 * (tapir_instant)TAPIR_US_PER_MS;
        app_runtime_step(rt, until);
        if (report_error(s)) {
            status = 1;
            goto out;
        }
        struct tapir_udp_meta m;
        int n;
        while ((n = tapir_udp_recv(s, &m, buf, MAX_DATAGRAM)) >= 0) {
            if (!a->echo)
                continue;
            long k = check_pattern(buf, (size_t)n);
            if (a->from_stdin) {
                echoed++;
            } else if (k < 0 || (unsigned long)k >= sent ||
                       (size_t)n != size_of(a, (unsigned long)k)) {
                bad++;
            } else if (!seen[k]) {
                seen[k] = 1;
                echoed++;
            }
            last_activity = app_now();
        }
        if (sent == total && (!a->echo || echoed == total))
            break;
        if (sent == total && app_now() >= last_activity + wait)
            break;
    }
    /* Errors about the last datagrams may still come: wait for them when not echoing. */
    if (!a->echo && status == 0) {
        tapir_instant end = app_now() + wait;
        while (!app_runtime_stopping(rt) && app_now() < end) {
            app_runtime_step(rt, end);
            if (report_error(s)) {
                status = 1;
                break;
            }
        }
    }
out:
    printf("sent %lu datagrams, %llu bytes", sent, bytes);
    if (a->echo)
        printf(", %lu echoed, %lu bad", echoed, bad);
    printf("\n");
    fflush(stdout);
    if (a->echo && (echoed != total || bad))
        status = 1;
    free(seen);
    return status;
}

static int run_recv(struct app_runtime *rt, struct udp_app *a, struct tapir_udp_socket *s,
                    uint8_t *buf)
{
    unsigned long got = 0, bad = 0;
    while (!app_runtime_stopping(rt) && (a->count == 0 || got < a->count)) {
        app_runtime_step(rt, TAPIR_INSTANT_NEVER);
        struct tapir_udp_meta m;
        int n;
        while ((n = tapir_udp_recv(s, &m, buf, MAX_DATAGRAM)) >= 0) {
            got++;
            char from[TAPIR_IP_STRLEN];
            tapir_ip_format(&m.remote, from);
            bool ok = !a->verify || check_pattern(buf, (size_t)n) >= 0;
            if (!ok)
                bad++;
            if (a->print)
                printf("from %s port %u: %d bytes: %.*s\n", from, m.remote_port, n, n, buf);
            else if (!a->verify || !ok)
                printf("from %s port %u: %d bytes%s\n", from, m.remote_port, n,
                       ok ? "" : " (BAD DATA)");
            if (a->count && got >= a->count)
                break;
        }
        fflush(stdout);
    }
    printf("received %lu datagrams, %lu bad\n", got, bad);
    return bad || (a->count && got < a->count) ? 1 : 0;
}

static int parse_sizes(const char *text, unsigned long *lo, unsigned long *hi)
{
    const char *dots = strstr(text, "..");
    if (!dots)
        return -1;
    char first[32];
    size_t n = (size_t)(dots - text);
    if (n == 0 || n >= sizeof first)
        return -1;
    memcpy(first, text, n);
    first[n] = '\0';
    if (app_parse_unsigned(first, MAX_DATAGRAM, lo) != 0 ||
        app_parse_unsigned(dots + 2, MAX_DATAGRAM, hi) != 0 || *lo > *hi)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    enum {
        OPT_COUNT = 2000,
        OPT_SIZE,
        OPT_SIZES,
        OPT_INTERVAL,
        OPT_ECHO,
        OPT_WAIT,
        OPT_PORT,
        OPT_BROADCAST,
        OPT_VERIFY,
        OPT_PRINT,
        OPT_WINDOW
    };
    static const struct option longopts[] = {
        APP_COMMON_LONG_OPTIONS,
        {"count", required_argument, NULL, OPT_COUNT},
        {"size", required_argument, NULL, OPT_SIZE},
        {"sizes", required_argument, NULL, OPT_SIZES},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"echo", no_argument, NULL, OPT_ECHO},
        {"wait", required_argument, NULL, OPT_WAIT},
        {"port", required_argument, NULL, OPT_PORT},
        {"broadcast", no_argument, NULL, OPT_BROADCAST},
        {"verify", no_argument, NULL, OPT_VERIFY},
        {"print", no_argument, NULL, OPT_PRINT},
        {"window", required_argument, NULL, OPT_WINDOW},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct udp_app a;
    a.size = 64;
    a.wait_s = 1;
    a.window = 8;
    struct app_common opt;
    app_common_defaults(&opt);
    int c;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case OPT_COUNT:
            bad = app_parse_unsigned(optarg, 100000000ul, &a.count);
            break;
        case OPT_SIZE:
            bad = app_parse_unsigned(optarg, MAX_DATAGRAM, &a.size);
            break;
        case OPT_SIZES:
            bad = parse_sizes(optarg, &a.size_min, &a.size_max);
            a.sizes = true;
            break;
        case OPT_INTERVAL:
            bad = app_parse_double(optarg, 0, 3600, &a.interval_s);
            break;
        case OPT_ECHO:
            a.echo = true;
            break;
        case OPT_WAIT:
            bad = app_parse_double(optarg, 0, 3600, &a.wait_s);
            break;
        case OPT_PORT:
            bad = app_parse_unsigned(optarg, 65535, &a.local_port);
            break;
        case OPT_BROADCAST:
            a.broadcast = true;
            break;
        case OPT_VERIFY:
            a.verify = true;
            break;
        case OPT_PRINT:
            a.print = true;
            break;
        case OPT_WINDOW:
            bad = app_parse_unsigned(optarg, 1000000ul, &a.window);
            break;
        default: {
            int r = app_common_option(&opt, "tapir-udp", c, optarg);
            if (r == 1)
                continue;
            if (r == 0)
                usage(stderr);
            return 2;
        }
        }
        if (bad) {
            fprintf(stderr, "tapir-udp: invalid value '%s'\n", optarg);
            return 2;
        }
    }
    int rest = argc - optind;
    if (rest >= 1 && strcmp(argv[optind], "send") == 0 && rest == 3) {
        a.send = true;
        if (tapir_ip_addr_parse(argv[optind + 1], &a.dst) != 0) {
            fprintf(stderr, "tapir-udp: '%s' is not an IPv4 or IPv6 address\n", argv[optind + 1]);
            return 2;
        }
        tapir_ip_format(&a.dst, a.dst_text);
        if (app_parse_unsigned(argv[optind + 2], 65535, &a.port) != 0 || a.port == 0) {
            fprintf(stderr, "tapir-udp: invalid port '%s'\n", argv[optind + 2]);
            return 2;
        }
        unsigned long max = a.dst.version == TAPIR_IP_V4 ? 65507 : 65527;
        if ((a.sizes ? a.size_max : a.size) > max) {
            fprintf(stderr, "tapir-udp: datagrams over %lu bytes do not fit\n", max);
            return 2;
        }
        a.from_stdin = a.count == 0;
    } else if (rest >= 1 && strcmp(argv[optind], "recv") == 0 && rest == 2) {
        if (app_parse_unsigned(argv[optind + 1], 65535, &a.local_port) != 0 || a.local_port == 0) {
            fprintf(stderr, "tapir-udp: invalid port '%s'\n", argv[optind + 1]);
            return 2;
        }
    } else {
        usage(stderr);
        return 2;
    }
    if (a.from_stdin && read_stdin(&a) != 0) {
        fprintf(stderr, "tapir-udp: out of memory\n");
        return 2;
    }

    size_t qlen = 16u << 20;
    uint8_t *rxq = malloc(qlen), *txq = malloc(qlen), *buf = malloc(MAX_DATAGRAM);
    if (!rxq || !txq || !buf) {
        fprintf(stderr, "tapir-udp: out of memory\n");
        return 2;
    }
    static struct app_runtime rt;
    int rc = app_runtime_open(&rt, "tapir-udp", &opt);
    if (rc != 0)
        return rc;
    static struct tapir_udp_socket s;
    tapir_udp_socket_init(&s, rxq, qlen, txq, qlen);
    s.broadcast = a.broadcast;
    rc = tapir_udp_bind(&s, &rt.iface, NULL, (uint16_t)a.local_port);
    if (rc != 0) {
        fprintf(stderr, "tapir-udp: binding port %lu: %s\n", a.local_port, tapir_strerror(rc));
        app_runtime_close(&rt);
        return 2;
    }
    tapir_iface_add_socket(&rt.iface, &s.link);
    int status = a.send ? run_send(&rt, &a, &s, buf) : run_recv(&rt, &a, &s, buf);
    tapir_iface_remove_socket(&rt.iface, &s.link);
    tapir_udp_close(&s);
    app_runtime_close(&rt);
    for (size_t i = 0; i < a.line_count; i++)
        free(a.lines[i]);
    free(a.lines);
    free(a.line_len);
    free(rxq);
    free(txq);
    free(buf);
    return status;
}
