/* tapir-dump internals: the sniffer's pieces, one file per purpose.
 *
 *   tapir-dump.c         options, --help, the capture/read loop, the closing counts
 *   tapir-dump-ring.c    AF_PACKET capture through a TPACKET_V3 memory-mapped ring, and
 *                        the --l3 AF_INET raw socket
 *   tapir-dump-pcap.c    pcap files: the writer (-w) and libpcap's offline reader (-r)
 *   tapir-dump-filter.c  tcpdump filter expressions: libpcap compiles, the kernel runs
 *   tapir-dump-print.c   one line (or every field) per packet with tapir's wire printers
 *   tapir-dump-priv.c    the missing-privilege message and dropping every capability
 *
 * libpcap is used to compile filters and to read capture files, never to capture.
 */
#ifndef TAPIR_DUMP_H
#define TAPIR_DUMP_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define DUMP_PROG "tapir-dump"

/* Link types of the records we write and read (www.tcpdump.org/linktypes.html). */
#define DUMP_LINKTYPE_ETHERNET 1
#define DUMP_LINKTYPE_RAW      101
#define DUMP_LINKTYPE_SLL      113
#define DUMP_LINKTYPE_IPV4     228
#define DUMP_LINKTYPE_IPV6     229
#define DUMP_LINKTYPE_SLL2     276

/* Linux cooked v2 header: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1)
 * halen(1) address(8), all big-endian. */
#define DUMP_SLL2_LEN 20
#define DUMP_SLL_LEN  16

#define DUMP_SNAPLEN_MAX     262144
#define DUMP_RING_BYTES_DFLT (32u << 20)

/* One packet as captured or read: the bytes of a record in the capture's link type. */
struct dump_packet {
    int64_t sec;
    uint32_t nsec;
    uint32_t caplen; /* bytes at data */
    uint32_t len;    /* bytes on the wire */
    const uint8_t *data;
    bool csum_not_ready; /* live capture: the kernel has not filled the checksum in yet */
};

/* Called for each packet; a nonzero return stops the dispatch after this packet. */
typedef int (*dump_packet_fn)(void *ctx, const struct dump_packet *p);

/* ---- tapir-dump-ring.c ---- */

struct dump_ring_options {
    const char *ifname; /* NULL or "any": every interface, cooked (SLL2) */
    unsigned snaplen;
    size_t ring_bytes;
    bool promisc;
};

struct dump_ring {
    int fd;
    int ifindex;  /* 0 for any */
    bool cooked;  /* SOCK_DGRAM + an SLL2 header built in the ring */
    int linktype; /* of the records handed out */
    uint8_t *map;
    size_t map_len;
    unsigned block_size, block_count, next_block;
    unsigned timeout_ms; /* a block is handed over at most this long after its first packet */
    uint64_t received;   /* PACKET_STATISTICS, accumulated (they reset on each read) */
    uint64_t drops;
    uint8_t *bounce; /* only if the kernel left no room for the cooked header */
};

/* Where the interface's link type is decided: 0 and *linktype, or -ENODEV. Needs no
 * privilege, so a wrong name is reported before a missing capability. */
int dump_iface_linktype(const char *ifname, int *linktype, bool *cooked, int *ifindex);

/* Opens the socket and maps the ring; nothing is received until dump_ring_start().
 * Returns 0, -EPERM/-EACCES (no CAP_NET_RAW), -ENODEV, or another -errno. */
int dump_ring_open(struct dump_ring *r, const struct dump_ring_options *o);

/* Binds to ETH_P_ALL on the interface, after the filter is attached, so that no packet
 * reaches the ring unfiltered. Returns 0 or -errno. */
int dump_ring_start(struct dump_ring *r);

/* Hands every packet of every block the kernel has retired to fn, waiting up to
 * timeout_ms (-1: forever) for the first. Returns packets handed over (0 on timeout),
 * or -errno (-EINTR when a signal arrived). Stops early when fn returns nonzero. */
int dump_ring_dispatch(struct dump_ring *r, int timeout_ms, dump_packet_fn fn, void *ctx,
                       bool *stopped);

/* Adds the kernel's counters since the last call to r->received and r->drops. */
int dump_ring_stats(struct dump_ring *r);

void dump_ring_close(struct dump_ring *r);

/* --l3: socket(AF_INET, SOCK_RAW, IPPROTO_TCP), records in LINKTYPE_RAW. */
struct dump_l3 {
    int fd;
    uint64_t drops; /* SO_RXQ_OVFL: datagrams the socket's full queue dropped */
    uint8_t buf[65536];
};

int dump_l3_open(struct dump_l3 *l, const char *ifname);
int dump_l3_dispatch(struct dump_l3 *l, int timeout_ms, unsigned snaplen, dump_packet_fn fn,
                     void *ctx, bool *stopped);
void dump_l3_close(struct dump_l3 *l);

/* ---- tapir-dump-pcap.c ---- */

struct dump_writer {
    FILE *f;
    bool own;
    int linktype;
    unsigned snaplen;
    uint64_t packets;
    int error; /* first -errno, sticky */
};

/* "-" writes to stdout. Returns 0 or -errno. */
int dump_writer_open(struct dump_writer *w, const char *path, int linktype, unsigned snaplen);
int dump_writer_write(struct dump_writer *w, const struct dump_packet *p);
int dump_writer_close(struct dump_writer *w);

struct dump_reader {
    pcap_t *pcap;
    int linktype;
    unsigned snaplen;
};

/* Opens a capture file (pcap or pcapng; "-" is stdin) with nanosecond timestamps.
 * Returns 0, or -1 with libpcap's message in err. */
int dump_reader_open(struct dump_reader *rd, const char *path, char *err);
/* 1 and *p filled, 0 at the end, -1 on a read error (message in err). */
int dump_reader_next(struct dump_reader *rd, struct dump_packet *p, char *err);
void dump_reader_close(struct dump_reader *rd);

/* ---- tapir-dump-filter.c ---- */

struct dump_filter {
    bool active;   /* an expression was given */
    bool userland; /* the kernel cannot run it: tested on each record instead */
    struct bpf_program prog;
};

/* Compiles expr (NULL or empty: no filter) for records of `linktype`, with pcap
 * (optional: the offline reader's handle) or pcap_open_dead. Returns 0, or -1 with
 * libpcap's message in err. */
int dump_filter_compile(struct dump_filter *f, const char *expr, int linktype, unsigned snaplen,
                        pcap_t *pcap, char *err);

/* Attaches the filter (or, without one, a program that only cuts packets at snaplen) to a
 * socket with SO_ATTACH_FILTER. For a cooked socket the program is rewritten to run on
 * the network-layer packet the kernel sees: SLL2 header loads become the kernel's
 * ancillary loads (protocol, ifindex, packet type); a program reading other header bytes
 * is left to userland. Returns 0 or -errno. */
int dump_filter_attach(struct dump_filter *f, int fd, bool cooked, unsigned snaplen);

/* True when the packet passes (always without a filter, or when the kernel filtered). */
bool dump_filter_match(const struct dump_filter *f, const struct dump_packet *p, bool live);

void dump_filter_free(struct dump_filter *f);

/* ---- tapir-dump-print.c ---- */

struct dump_print_options {
    unsigned flags; /* TAPIR_PRINT_LINK, TAPIR_PRINT_VERBOSE */
    int hex;        /* 1: -x (from the network layer), 2: -xx (whole record) */
    bool no_time;   /* -t */
};

void dump_print(FILE *out, const struct dump_print_options *o, int linktype,
                const struct dump_packet *p);

/* ---- tapir-dump-priv.c ---- */

/* The three ways to get CAP_NET_RAW for tapir-dump, on stderr. */
void dump_priv_explain(FILE *out);

/* Looks the user up (before anything is opened). Returns 0 or -1 with a message. */
int dump_priv_lookup(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen);

/* Right after the socket is open: with a user, setgroups/setgid/setuid to it; then clear
 * every capability (effective, permitted, inheritable, ambient) and set no_new_privs so
 * nothing can bring one back. Returns 0 or -1 with a message. */
int dump_priv_drop(bool change_user, uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
