/* tapir-dump: capture through an AF_PACKET TPACKET_V3 ring, and the --l3 raw socket.
 *
 * TPACKET_V3 (Documentation/networking/packet_mmap.rst) shares a ring of blocks with the
 * kernel: the kernel fills a block with as many packets as fit and hands it over (status
 * TP_STATUS_USER) when it is full or after a timeout; we walk its packets in place and
 * hand it back. One poll() and no copy per block, which is what keeps up with a flooded
 * TAP; a recvfrom() per packet would not.
 *
 * One interface with an Ethernet (or loopback) header is captured raw, link type
 * Ethernet; one without a link header (TUN) raw, link type RAW; any other, and "any",
 * cooked (SOCK_DGRAM): the kernel strips the link header and we write a Linux cooked v2
 * header (LINKTYPE_LINUX_SLL2) into the room PACKET_RESERVE leaves before the packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tapir-dump.h"

#define BLOCK_SIZE (1u << 20) /* holds any frame up to the 256 KiB snap length */
#define FRAME_SIZE 2048u      /* only sizes the kernel's frame count check in V3 */
#define BLOCK_TOV  50u        /* ms: a quiet link still shows packets this soon */
#define TP3_HDRLEN (TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) + sizeof(struct sockaddr_ll))

static bool is_any(const char *ifname)
{
    return ifname == NULL || strcmp(ifname, "any") == 0;
}

int dump_iface_linktype(const char *ifname, int *linktype, bool *cooked, int *ifindex)
{
    if (is_any(ifname)) {
        *linktype = DUMP_LINKTYPE_SLL2;
        *cooked = true;
        *ifindex = 0;
        return 0;
    }
    unsigned idx = if_nametoindex(ifname);
    if (idx == 0 || strlen(ifname) >= IFNAMSIZ)
        return -ENODEV;
    *ifindex = (int)idx;
    /* SIOCGIFHWADDR answers on any socket and needs no privilege. */
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, ifname, strlen(ifname));
    int rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
    int err = errno;
    close(fd);
    if (rc != 0)
        return err == ENODEV ? -ENODEV : -err;
    switch (ifr.ifr_hwaddr.sa_family) {
    case ARPHRD_ETHER:
    case ARPHRD_LOOPBACK: /* lo carries an all-zero Ethernet header */
        *linktype = DUMP_LINKTYPE_ETHERNET;
        *cooked = false;
        break;
    case ARPHRD_NONE: /* TUN, WireGuard: the packet starts with the IP header */
        *linktype = DUMP_LINKTYPE_RAW;
        *cooked = false;
        break;
    default:
        *linktype = DUMP_LINKTYPE_SLL2;
        *cooked = true;
        break;
    }
    return 0;
}

int dump_ring_open(struct dump_ring *r, const struct dump_ring_options *o)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    int rc = dump_iface_linktype(o->ifname, &r->linktype, &r->cooked, &r->ifindex);
    if (rc < 0)
        return rc;
    /* Protocol 0: the socket receives nothing until dump_ring_start() binds it. */
    r->fd = socket(AF_PACKET, (r->cooked ? SOCK_DGRAM : SOCK_RAW) | SOCK_CLOEXEC, 0);
    if (r->fd < 0)
        return -errno;
    int v = TPACKET_V3;
    if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) != 0)
        goto fail;
    if (r->cooked) {
        unsigned reserve = DUMP_SLL2_LEN;
        if (setsockopt(r->fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof reserve) != 0)
            goto fail;
    }
    size_t blocks = o->ring_bytes / BLOCK_SIZE;
    if (blocks < 2)
        blocks = 2;
    struct tpacket_req3 req = {
        .tp_block_size = BLOCK_SIZE,
        .tp_block_nr = (unsigned)blocks,
        .tp_frame_size = FRAME_SIZE,
        .tp_frame_nr = (unsigned)(blocks * (BLOCK_SIZE / FRAME_SIZE)),
        .tp_retire_blk_tov = BLOCK_TOV,
    };
    if (setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0)
        goto fail;
    r->block_size = req.tp_block_size;
    r->block_count = req.tp_block_nr;
    r->timeout_ms = BLOCK_TOV;
    r->map_len = (size_t)r->block_size * r->block_count;
    r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, 0);
    if (r->map == MAP_FAILED) {
        r->map = NULL;
        goto fail;
    }
    if (o->promisc && r->ifindex != 0) {
        /* The membership ends when the socket closes. */
        struct packet_mreq mr = {.mr_ifindex = r->ifindex, .mr_type = PACKET_MR_PROMISC};
        if (setsockopt(r->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) != 0)
            goto fail;
    }
    return 0;
fail:
    rc = -errno;
    dump_ring_close(r);
    return rc;
}

int dump_ring_start(struct dump_ring *r)
{
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = r->ifindex,
    };
    if (bind(r->fd, (struct sockaddr *)&sll, sizeof sll) != 0)
        return -errno;
    return 0;
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The cooked v2 header, from the kernel's sockaddr_ll, just before the packet. */
static void fill_sll2(uint8_t *h, const struct sockaddr_ll *sll)
{
    memcpy(h, &sll->sll_protocol, 2); /* already big-endian */
    h[2] = h[3] = 0;
    uint32_t ifindex = (uint32_t)sll->sll_ifindex;
    put_be16(h + 4, (uint16_t)(ifindex >> 16));
    put_be16(h + 6, (uint16_t)ifindex);
    put_be16(h + 8, sll->sll_hatype);
    h[10] = sll->sll_pkttype;
    uint8_t halen = sll->sll_halen > 8 ? 8 : sll->sll_halen;
    h[11] = halen;
    memset(h + 12, 0, 8);
    memcpy(h + 12, sll->sll_addr, halen);
}

/* Walks one retired block. Returns packets handed over. */
static int walk_block(struct dump_ring *r, struct tpacket_block_desc *bd, dump_packet_fn fn,
                      void *ctx, bool *stopped)
{
    uint8_t *base = (uint8_t *)bd;
    uint32_t n = bd->hdr.bh1.num_pkts;
    uint32_t off = bd->hdr.bh1.offset_to_first_pkt;
    int done = 0;
    for (uint32_t i = 0; i < n && off != 0 && off < r->block_size; i++) {
        struct tpacket3_hdr *h = (struct tpacket3_hdr *)(base + off);
        const struct sockaddr_ll *sll =
            (const struct sockaddr_ll *)((uint8_t *)h + TPACKET_ALIGN(sizeof *h));
        struct dump_packet p = {
            .sec = h->tp_sec,
            .nsec = h->tp_nsec,
            .caplen = h->tp_snaplen,
            .len = h->tp_len,
            .data = (uint8_t *)h + h->tp_mac,
            /* A frame leaving through a device with checksum offload (a TAP with
             * IFF_VNET_HDR) carries a partial checksum: not bad, just not done yet. */
            .csum_not_ready = (h->tp_status & TP_STATUS_CSUMNOTREADY) != 0,
        };
        if (!r->cooked && r->linktype == DUMP_LINKTYPE_ETHERNET &&
            (h->tp_status & TP_STATUS_VLAN_VALID) && h->tp_mac >= TP3_HDRLEN + 4 &&
            p.caplen >= 12) {
            /* The kernel took the 802.1Q tag out of the frame into the metadata (a NIC's
             * offload, or its own untagging on receive); put it back between the source
             * MAC and the ethertype, as it was on the wire, in the room before the frame
             * (the kernel leaves at least 16 bytes there). */
            uint8_t *mac = (uint8_t *)h + h->tp_mac;
            memmove(mac - 4, mac, 12);
            uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) && h->hv1.tp_vlan_tpid
                                ? h->hv1.tp_vlan_tpid
                                : ETH_P_8021Q;
            put_be16(mac + 8, tpid);
            put_be16(mac + 10, (uint16_t)h->hv1.tp_vlan_tci);
            p.data = mac - 4;
            p.caplen += 4;
            p.len += 4;
        }
        if (r->cooked) {
            /* PACKET_RESERVE left room for the header before the packet; should a kernel
             * not have, the record is assembled in a buffer of our own. */
            uint8_t *sll2 = (uint8_t *)h + h->tp_mac - DUMP_SLL2_LEN;
            if (h->tp_mac < TP3_HDRLEN + DUMP_SLL2_LEN) {
                if (!r->bounce && !(r->bounce = malloc(DUMP_SNAPLEN_MAX + DUMP_SLL2_LEN)))
                    return -ENOMEM;
                sll2 = r->bounce;
                if (p.caplen > DUMP_SNAPLEN_MAX)
                    p.caplen = DUMP_SNAPLEN_MAX;
                memcpy(sll2 + DUMP_SLL2_LEN, p.data, p.caplen);
            }
            fill_sll2(sll2, sll);
            p.data = sll2;
            p.caplen += DUMP_SLL2_LEN;
            p.len += DUMP_SLL2_LEN;
        }
        done++;
        if (fn(ctx, &p) != 0) {
            *stopped = true;
            break;
        }
        off = h->tp_next_offset ? off + h->tp_next_offset : 0;
    }
    return done;
}

int dump_ring_dispatch(struct dump_ring *r, int timeout_ms, dump_packet_fn fn, void *ctx,
                       bool *stopped)
{
    int total = 0;
    *stopped = false;
    for (unsigned k = 0; k < r->block_count && !*stopped; k++) {
        struct tpacket_block_desc *bd =
            (struct tpacket_block_desc *)(r->map + (size_t)r->next_block * r->block_size);
        /* Acquire: the packets are read only after the status says they are ours. */
        if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
            if (total > 0)
                break;
            struct pollfd pfd = {.fd = r->fd, .events = POLLIN | POLLERR};
            int rc = poll(&pfd, 1, timeout_ms);
            if (rc < 0)
                return -errno;
            if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
                return 0;
        }
        int n = walk_block(r, bd, fn, ctx, stopped);
        if (n < 0)
            return n;
        total += n;
        /* Release: hand the block back only once we are done reading it. */
        __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        r->next_block = (r->next_block + 1) % r->block_count;
    }
    return total;
}

int dump_ring_stats(struct dump_ring *r)
{
    struct tpacket_stats_v3 st;
    socklen_t len = sizeof st;
    memset(&st, 0, sizeof st);
    if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0)
        return -errno;
    /* The kernel counts dropped packets in tp_packets too: it is "received by filter". */
    r->received += st.tp_packets;
    r->drops += st.tp_drops;
    return 0;
}

void dump_ring_close(struct dump_ring *r)
{
    free(r->bounce);
    r->bounce = NULL;
    if (r->map)
        munmap(r->map, r->map_len);
    r->map = NULL;
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
}

/* ---- --l3 ---- */

int dump_l3_open(struct dump_l3 *l, const char *ifname)
{
    l->drops = 0;
    /* The classic sniffer's socket: the kernel hands it a copy of each inbound TCP
     * segment it delivers locally, IP header included, and nothing else. */
    l->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
    if (l->fd < 0)
        return -errno;
    int on = 1;
    if (setsockopt(l->fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on) != 0)
        goto fail;
    if (!is_any(ifname) &&
        setsockopt(l->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) != 0)
        goto fail;
    return 0;
fail:;
    int rc = -errno;
    close(l->fd);
    l->fd = -1;
    return rc;
}

int dump_l3_dispatch(struct dump_l3 *l, int timeout_ms, unsigned snaplen, dump_packet_fn fn,
                     void *ctx, bool *stopped)
{
    *stopped = false;
    struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
    int rc = poll(&pfd, 1, timeout_ms);
    if (rc < 0)
        return -errno;
    if (rc == 0)
        return 0;
    int done = 0;
    /* A bounded batch, so a flood cannot keep us from noticing a signal. */
    for (int i = 0; i < 256; i++) {
        char control[CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(struct timeval))];
        struct iovec iov = {.iov_base = l->buf, .iov_len = sizeof l->buf};
        struct msghdr msg = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = control,
            .msg_controllen = sizeof control,
        };
        ssize_t n = recvmsg(l->fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return done > 0 ? done : -errno;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                uint32_t d;
                memcpy(&d, CMSG_DATA(c), sizeof d);
                l->drops = d; /* a running total kept by the socket */
            }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint32_t cap = (size_t)n > sizeof l->buf ? (uint32_t)sizeof l->buf : (uint32_t)n;
        if (cap > snaplen)
            cap = snaplen;
        struct dump_packet p = {
            .sec = ts.tv_sec,
            .nsec = (uint32_t)ts.tv_nsec,
            .caplen = cap,
            .len = (uint32_t)n,
            .data = l->buf,
        };
        done++;
        if (fn(ctx, &p) != 0) {
            *stopped = true;
            break;
        }
    }
    return done;
}

void dump_l3_close(struct dump_l3 *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
}
