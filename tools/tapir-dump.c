/* tapir-dump: a small tcpdump built on tapir's wire printers.
 *
 * The classic raw-socket sniffer (open a raw socket, print each packet's size, addresses
 * and IP identification) grown up: AF_PACKET capture through a TPACKET_V3 ring that keeps
 * up with a flooded TAP, tcpdump filter expressions run in the kernel, pcap files in and
 * out, and the privilege it needs used once and dropped. --l3 keeps the classic AF_INET
 * raw socket, to show how little of the traffic it sees. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tapir-dump.h"
#include "tapir/wire/dissect.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

struct options {
    const char *ifname;
    const char *read_path;
    const char *write_path;
    const char *user;
    char *filter;
    unsigned long long count; /* 0: no limit */
    unsigned snaplen;
    size_t ring_bytes;
    bool promisc;
    bool l3;
    bool line_buffered;
    struct dump_print_options print;
};

/* What the per-packet callback needs. */
struct run {
    const struct options *o;
    int linktype;
    bool live;
    struct dump_filter filter;
    struct dump_writer writer;
    bool writing;
    unsigned long long handled; /* packets that passed the filter: printed or written */
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: tapir-dump [-i IFACE] [-c N] [-w FILE | -r FILE] [-evxnt] [-s SNAPLEN]\n"
            "                  [-B KIB] [-p] [-l] [--l3] [--user NAME] [FILTER...]\n"
            "\n"
            "Capture packets and print them with tapir's own wire printers, one\n"
            "tcpdump-like line each (Ethernet, ARP, IPv4, IPv6, ICMP, ICMPv6, UDP, TCP).\n"
            "Stop with Ctrl-C or -c; the counts go to stderr: packets captured, packets\n"
            "the filter let through, and packets the kernel dropped because the ring was\n"
            "full.\n"
            "\n"
            "  -i IFACE     capture on IFACE (default: any, every interface, in Linux\n"
            "               cooked v2 form: the interface and direction start each line)\n"
            "  -c N         stop after N packets (those that pass the filter)\n"
            "  -w FILE      write the packets to a pcap file instead of printing them\n"
            "               (- for stdout). Link type: Ethernet for one Ethernet interface,\n"
            "               raw IP for one without a link header (TUN), Linux cooked v2\n"
            "               (LINKTYPE_LINUX_SLL2, 276) for any\n"
            "  -r FILE      read packets from a pcap or pcapng file (- for stdin)\n"
            "               instead of capturing; with -w, copy the ones FILTER keeps\n"
            "  -v           verbose: after each line, the frame's size and every field of\n"
            "               every header (the IPv4 block holds the classic sniffer's total\n"
            "               length, identification, source and destination)\n"
            "  -x           also print each packet in hex, from the network header on;\n"
            "               -xx from the link header on\n"
            "  -e           print the link-level header\n"
            "  -n           no name lookups (accepted for tcpdump's sake: tapir-dump never\n"
            "               looks names up)\n"
            "  -t           no timestamp on each line\n"
            "  -s SNAPLEN   keep at most SNAPLEN bytes of each packet (default and 0: %u)\n"
            "  -B KIB       size of the capture ring in KiB (default %u); a larger ring\n"
            "               rides out longer bursts without drops\n"
            "  -p           do not put the interface into promiscuous mode\n"
            "  -l           flush stdout after each line (to watch through a pipe)\n"
            "  --l3         the classic program's socket instead: socket(AF_INET,\n"
            "               SOCK_RAW, IPPROTO_TCP). It shows what an L3 raw socket sees and\n"
            "               what it does not: only inbound TCP delivered to this host, IPv4\n"
            "               only, from the IP header on (no link header), and no outbound\n"
            "               packets at all. No kernel drop count either: only what the\n"
            "               socket's full queue dropped. -i binds it to one interface\n"
            "  --user NAME  once the socket is open, switch to user NAME (its group, no\n"
            "               other groups); needs root. Output files are created after the\n"
            "               switch, as NAME\n"
            "  -h, --help   this help\n"
            "\n"
            "FILTER is a tcpdump (pcap-filter(7)) expression, compiled by libpcap and run\n"
            "by the kernel on each packet before it reaches the ring; with -r it is applied\n"
            "to the file's packets. Bad expressions are reported with libpcap's message.\n"
            "The kernel runs it on frames whose 802.1Q tag it has already moved aside (the\n"
            "tag is put back in what is printed and written), so 'vlan' expressions match\n"
            "in files (-r) but not when capturing.\n"
            "\n"
            "Privileges: capturing needs CAP_NET_RAW. tapir-dump uses it to open its\n"
            "socket, then drops every capability (and sets no_new_privs). Without it,\n"
            "tapir-dump exits with status 2 and names the three ways in: the capability\n"
            "(sudo tapir-tap grant --raw $(command -v tapir-dump)), a private namespace\n"
            "(tapir-tap ns -- tapir-dump ...), or root.\n"
            "\n"
            "Examples:\n"
            "  tapir-dump -i tap0                       every packet on tap0, one line each\n"
            "  tapir-dump -i tap0 -c 10 icmp            the first ten ICMP packets\n"
            "  tapir-dump -i tap0 -v 'tcp port 80'      HTTP, every header field\n"
            "  tapir-dump -w all.pcap                   all interfaces into a file\n"
            "  tapir-dump -r all.pcap -w icmp.pcap icmp keep the ICMP packets of a file\n"
            "  tapir-dump -r all.pcap -e -x             read a file: link headers and hex\n"
            "  sudo tapir-dump --l3                     what the classic raw socket sees\n"
            "  sudo tapir-dump -i eth0 --user $USER     capture as root, run as you\n"
            "\n"
            "Exit status: 0 done, 1 an error (unknown interface, bad filter, file),\n"
            "2 bad usage or no privilege.\n",
            DUMP_SNAPLEN_MAX, DUMP_RING_BYTES_DFLT >> 10);
}

static bool parse_ull(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > max)
        return false;
    *out = v;
    return true;
}

/* Joins the remaining arguments with spaces, as tcpdump does. */
static char *join_args(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = calloc(1, len);
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* 0 to go on, 1 to exit 0 (help), 2 for bad usage. */
static int parse_options(int argc, char **argv, struct options *o)
{
    enum { OPT_L3 = 256, OPT_USER };
    static const struct option longs[] = {
        {"help", no_argument, NULL, 'h'},
        {"l3", no_argument, NULL, OPT_L3},
        {"user", required_argument, NULL, OPT_USER},
        {NULL, 0, NULL, 0},
    };
    *o = (struct options){
        .snaplen = DUMP_SNAPLEN_MAX, .ring_bytes = DUMP_RING_BYTES_DFLT, .promisc = true};
    unsigned long long v;
    int c;
    while ((c = getopt_long(argc, argv, "+i:c:w:r:vxentls:B:ph", longs, NULL)) != -1) {
        switch (c) {
        case 'i':
            o->ifname = optarg;
            break;
        case 'c':
            if (!parse_ull(optarg, ~0ull, &v) || v == 0) {
                fprintf(stderr, "%s: -c %s: give a positive count\n", DUMP_PROG, optarg);
                return 2;
            }
            o->count = v;
            break;
        case 'w':
            o->write_path = optarg;
            break;
        case 'r':
            o->read_path = optarg;
            break;
        case 'v':
            o->print.flags |= TAPIR_PRINT_VERBOSE;
            break;
        case 'x':
            o->print.hex++;
            break;
        case 'e':
            o->print.flags |= TAPIR_PRINT_LINK;
            break;
        case 'n':
            break;
        case 't':
            o->print.no_time = true;
            break;
        case 'l':
            o->line_buffered = true;
            break;
        case 's':
            if (!parse_ull(optarg, DUMP_SNAPLEN_MAX, &v)) {
                fprintf(stderr, "%s: -s %s: give 0..%u bytes\n", DUMP_PROG, optarg,
                        DUMP_SNAPLEN_MAX);
                return 2;
            }
            o->snaplen = v == 0 ? DUMP_SNAPLEN_MAX : (unsigned)v;
            break;
        case 'B':
            if (!parse_ull(optarg, 1u << 22, &v) || v < 1024) {
                fprintf(stderr, "%s: -B %s: give 1024..4194304 KiB\n", DUMP_PROG, optarg);
                return 2;
            }
            o->ring_bytes = (size_t)v << 10;
            break;
        case 'p':
            o->promisc = false;
            break;
        case OPT_L3:
            o->l3 = true;
            break;
        case OPT_USER:
            o->user = optarg;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            fprintf(stderr, "(%s --help lists the options)\n", DUMP_PROG);
            return 2;
        }
    }
    if (o->read_path && (o->ifname || o->l3)) {
        fprintf(stderr, "%s: -r reads a file: -i and --l3 are for capturing\n", DUMP_PROG);
        return 2;
    }
    if (o->print.hex > 2)
        o->print.hex = 2;
    if (optind < argc) {
        o->filter = join_args(argc - optind, argv + optind);
        if (!o->filter) {
            fprintf(stderr, "%s: out of memory\n", DUMP_PROG);
            return 2;
        }
    }
    return 0;
}

static int on_packet(void *ctx, const struct dump_packet *p)
{
    struct run *r = ctx;
    if (!dump_filter_match(&r->filter, p, r->live))
        return 0;
    r->handled++;
    if (r->writing) {
        if (dump_writer_write(&r->writer, p) != 0)
            return 1; /* the error is reported once the loop ends */
    } else {
        dump_print(stdout, &r->o->print, r->linktype, p);
    }
    return r->o->count && r->handled >= r->o->count;
}

/* libpcap numbers raw IP DLT_RAW in its API and 101 in files. */
static int dlt_of(int linktype)
{
    return linktype == DUMP_LINKTYPE_RAW ? DLT_RAW : linktype;
}

static int open_writer(struct run *r, unsigned snaplen)
{
    if (!r->o->write_path)
        return 0;
    int rc = dump_writer_open(&r->writer, r->o->write_path, r->linktype, snaplen);
    if (rc != 0) {
        fprintf(stderr, "%s: %s: %s\n", DUMP_PROG, r->o->write_path, strerror(-rc));
        return 1;
    }
    r->writing = true;
    return 0;
}

static int close_writer(struct run *r)
{
    if (!r->writing)
        return 0;
    int rc = dump_writer_close(&r->writer);
    if (rc != 0) {
        fprintf(stderr, "%s: %s: %s\n", DUMP_PROG, r->o->write_path, strerror(-rc));
        return 1;
    }
    return 0;
}

static int read_file(const struct options *o)
{
    char err[PCAP_ERRBUF_SIZE];
    struct dump_reader rd;
    if (dump_reader_open(&rd, o->read_path, err) != 0) {
        fprintf(stderr, "%s: %s\n", DUMP_PROG, err);
        return 1;
    }
    struct run r = {.o = o, .linktype = rd.linktype};
    if (dump_filter_compile(&r.filter, o->filter, rd.linktype, rd.snaplen, rd.pcap, err) != 0) {
        fprintf(stderr, "%s: bad filter '%s': %s\n", DUMP_PROG, o->filter, err);
        dump_reader_close(&rd);
        return 1;
    }
    int status = open_writer(&r, rd.snaplen);
    struct dump_packet p;
    int rc = 0;
    while (status == 0 && !stop_requested && (rc = dump_reader_next(&rd, &p, err)) == 1)
        if (on_packet(&r, &p) != 0)
            break;
    if (rc < 0) {
        fprintf(stderr, "%s: %s: %s\n", DUMP_PROG, o->read_path, err);
        status = 1;
    }
    if (r.writing && r.writer.error)
        status = 1;
    status |= close_writer(&r);
    fflush(stdout);
    fprintf(stderr, "%llu packets read\n", r.handled);
    dump_filter_free(&r.filter);
    dump_reader_close(&rd);
    return status;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static int no_privilege(int rc)
{
    if (rc == -EPERM || rc == -EACCES) {
        dump_priv_explain(stderr);
        return 2;
    }
    fprintf(stderr, "%s: cannot open the capture socket: %s\n", DUMP_PROG, strerror(-rc));
    return 1;
}

/* After the socket is open: the user switch and the capability drop, then the output. */
static int after_open(struct run *r, bool change_user, uid_t uid, gid_t gid, unsigned snaplen)
{
    char err[256];
    if (dump_priv_drop(change_user, uid, gid, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", DUMP_PROG, err);
        return 1;
    }
    return open_writer(r, snaplen);
}

static void listening(const struct options *o, int linktype)
{
    int dlt = dlt_of(linktype);
    const char *name = pcap_datalink_val_to_name(dlt);
    const char *desc = pcap_datalink_val_to_description(dlt);
    fprintf(stderr, "%s: listening on %s%s, link-type %s (%s), snapshot length %u bytes\n",
            DUMP_PROG, o->ifname ? o->ifname : "any", o->l3 ? " (--l3: AF_INET raw TCP)" : "",
            name ? name : "?", desc ? desc : "?", o->snaplen);
    fflush(stderr);
}

static int capture_l3(const struct options *o, bool change_user, uid_t uid, gid_t gid)
{
    struct run r = {.o = o, .linktype = DUMP_LINKTYPE_RAW, .live = true};
    char err[PCAP_ERRBUF_SIZE];
    if (dump_filter_compile(&r.filter, o->filter, DLT_RAW, o->snaplen, NULL, err) != 0) {
        fprintf(stderr, "%s: bad filter '%s': %s\n", DUMP_PROG, o->filter, err);
        return 1;
    }
    static struct dump_l3 l;
    int rc = dump_l3_open(&l, o->ifname);
    if (rc == -ENODEV) {
        fprintf(stderr, "%s: no interface named '%s' (list them with ip link)\n", DUMP_PROG,
                o->ifname);
        return 1;
    }
    if (rc < 0)
        return no_privilege(rc);
    int status = 0;
    if ((rc = dump_filter_attach(&r.filter, l.fd, false, o->snaplen)) != 0) {
        fprintf(stderr, "%s: SO_ATTACH_FILTER: %s\n", DUMP_PROG, strerror(-rc));
        status = 1;
    }
    if (status == 0)
        status = after_open(&r, change_user, uid, gid, o->snaplen);
    if (status == 0)
        listening(o, r.linktype);
    while (status == 0 && !stop_requested) {
        bool stopped;
        rc = dump_l3_dispatch(&l, 200, o->snaplen, on_packet, &r, &stopped);
        if (rc < 0 && rc != -EINTR) {
            fprintf(stderr, "%s: recvmsg: %s\n", DUMP_PROG, strerror(-rc));
            status = 1;
        }
        if (stopped || (r.writing && r.writer.error))
            break;
    }
    if (r.writing && r.writer.error)
        status = 1;
    status |= close_writer(&r);
    fflush(stdout);
    fprintf(stderr, "%llu packets captured\n%llu packets dropped by the socket's full queue\n",
            r.handled, (unsigned long long)l.drops);
    dump_l3_close(&l);
    dump_filter_free(&r.filter);
    return status;
}

static int capture(const struct options *o, bool change_user, uid_t uid, gid_t gid)
{
    struct run r = {.o = o, .live = true};
    bool cooked;
    int ifindex;
    int rc = dump_iface_linktype(o->ifname, &r.linktype, &cooked, &ifindex);
    if (rc != 0) {
        if (rc == -ENODEV)
            fprintf(stderr, "%s: no interface named '%s' (list them with ip link)\n", DUMP_PROG,
                    o->ifname);
        else
            fprintf(stderr, "%s: %s: %s\n", DUMP_PROG, o->ifname, strerror(-rc));
        return 1;
    }
    /* Compiled before the socket opens, so a bad expression is reported unprivileged. */
    char err[PCAP_ERRBUF_SIZE];
    if (dump_filter_compile(&r.filter, o->filter, dlt_of(r.linktype), o->snaplen, NULL, err) != 0) {
        fprintf(stderr, "%s: bad filter '%s': %s\n", DUMP_PROG, o->filter, err);
        return 1;
    }
    struct dump_ring ring;
    struct dump_ring_options ro = {.ifname = o->ifname,
                                   .snaplen = o->snaplen,
                                   .ring_bytes = o->ring_bytes,
                                   .promisc = o->promisc};
    rc = dump_ring_open(&ring, &ro);
    if (rc != 0) {
        dump_filter_free(&r.filter);
        if (rc == -ENODEV) {
            fprintf(stderr, "%s: no interface named '%s' (list them with ip link)\n", DUMP_PROG,
                    o->ifname);
            return 1;
        }
        return no_privilege(rc);
    }
    int status = 0;
    if ((rc = dump_filter_attach(&r.filter, ring.fd, ring.cooked, o->snaplen)) != 0) {
        fprintf(stderr, "%s: SO_ATTACH_FILTER: %s\n", DUMP_PROG, strerror(-rc));
        status = 1;
    }
    if (status == 0)
        status = after_open(&r, change_user, uid, gid, o->snaplen);
    if (status == 0 && (rc = dump_ring_start(&ring)) != 0) {
        fprintf(stderr, "%s: bind: %s\n", DUMP_PROG, strerror(-rc));
        status = 1;
    }
    if (status == 0)
        listening(o, r.linktype);
    bool stopped = false;
    while (status == 0 && !stop_requested && !stopped) {
        rc = dump_ring_dispatch(&ring, 200, on_packet, &r, &stopped);
        if (rc < 0 && rc != -EINTR) {
            fprintf(stderr, "%s: capture: %s\n", DUMP_PROG, strerror(-rc));
            status = 1;
        }
        if (r.writing && r.writer.error)
            break;
    }
    /* Interrupted: take what the kernel already accepted, so that captured + dropped
     * accounts for every packet that passed the filter. The block being filled is handed
     * over within the ring's timeout; bounded, in case traffic never stops. */
    for (unsigned i = 0; status == 0 && !stopped && i < ring.block_count + 2; i++) {
        rc = dump_ring_dispatch(&ring, (int)(2 * ring.timeout_ms), on_packet, &r, &stopped);
        if (rc == 0 || (rc < 0 && rc != -EINTR) || (r.writing && r.writer.error))
            break;
    }
    dump_ring_stats(&ring);
    if (r.writing && r.writer.error)
        status = 1;
    status |= close_writer(&r);
    fflush(stdout);
    fprintf(stderr,
            "%llu packets captured\n%llu packets received by filter\n"
            "%llu packets dropped by kernel\n",
            r.handled, (unsigned long long)ring.received, (unsigned long long)ring.drops);
    dump_ring_close(&ring);
    dump_filter_free(&r.filter);
    return status;
}

int main(int argc, char **argv)
{
    struct options o;
    int rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    uid_t uid = 0;
    gid_t gid = 0;
    if (o.user) {
        char err[256];
        if (dump_priv_lookup(o.user, &uid, &gid, err, sizeof err) != 0) {
            fprintf(stderr, "%s: %s\n", DUMP_PROG, err);
            free(o.filter);
            return 1;
        }
    }
    if (o.line_buffered)
        setvbuf(stdout, NULL, _IOLBF, 0);
    install_signals();
    if (o.read_path)
        rc = read_file(&o);
    else if (o.l3)
        rc = capture_l3(&o, o.user != NULL, uid, gid);
    else
        rc = capture(&o, o.user != NULL, uid, gid);
    free(o.filter);
    return rc;
}
