/* AF_PACKET raw socket bound to one interface, batched with recvmmsg()/sendmmsg(). */
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "frame.h"
#include "tapir/error.h"
#include "tapir/phy/packet.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* Linux 4.20 */
#endif

#define BATCH 32 /* messages per recvmmsg()/sendmmsg() call (stack arrays) */

static void frame_swap(struct tapir_frame *a, struct tapir_frame *b)
{
    struct tapir_frame t = *a;
    *a = *b;
    *b = t;
}

static int packet_rx(void *ctx, struct tapir_frame *frames, int n)
{
    struct tapir_packet *p = ctx;
    if (n < 0 || (n > 0 && !frames))
        return TAPIR_EINVAL;
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_ll from[BATCH];
    int got = 0;
    int rounds = n / BATCH + 8; /* bounded: a round that discards everything still counts */
    while (got < n && rounds-- > 0) {
        int k = n - got < BATCH ? n - got : BATCH;
        memset(msgs, 0, sizeof(msgs[0]) * (size_t)k);
        for (int j = 0; j < k; j++) {
            iov[j].iov_base = frames[got + j].data;
            iov[j].iov_len = frames[got + j].cap;
            msgs[j].msg_hdr.msg_iov = &iov[j];
            msgs[j].msg_hdr.msg_iovlen = 1;
            msgs[j].msg_hdr.msg_name = &from[j];
            msgs[j].msg_hdr.msg_namelen = sizeof from[j];
        }
        int r = recvmmsg(p->fd, msgs, (unsigned)k, MSG_DONTWAIT, NULL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return got ? got : -errno;
        }
        if (r == 0)
            break;
        int w = got;
        for (int j = 0; j < r; j++) {
            int idx = got + j;
            if (msgs[j].msg_hdr.msg_flags & MSG_TRUNC) {
                p->stats.rx_dropped++;
                continue;
            }
            /* Only seen on kernels without PACKET_IGNORE_OUTGOING. */
            if (from[j].sll_pkttype == PACKET_OUTGOING)
                continue;
            struct tapir_frame *f = &frames[idx];
            f->len = msgs[j].msg_len;
            tapir__frame_clear_offload(f);
            p->stats.rx_frames++;
            p->stats.rx_bytes += f->len;
            /* Keep the frames returned contiguous: the discarded frame's buffer moves
             * up to where this one was. */
            if (idx != w)
                frame_swap(&frames[idx], &frames[w]);
            w++;
        }
        got = w;
        if (r < k)
            break; /* the socket is drained */
    }
    return got;
}

/* The link-layer protocol of a frame, for sll_protocol (network byte order). */
static uint16_t frame_protocol(const struct tapir_packet *p, const struct tapir_frame *f)
{
    if (p->dev.medium == TAPIR_MEDIUM_IP) {
        if (f->len >= 1 && f->data[0] >> 4 == 4)
            return htons(ETH_P_IP);
        if (f->len >= 1 && f->data[0] >> 4 == 6)
            return htons(ETH_P_IPV6);
        return 0;
    }
    if (f->len >= 14)
        return htons((uint16_t)(f->data[12] << 8 | f->data[13]));
    return 0;
}

static int packet_tx(void *ctx, const struct tapir_frame *frames, int n)
{
    struct tapir_packet *p = ctx;
    if (n < 0 || (n > 0 && !frames))
        return TAPIR_EINVAL;
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_ll to[BATCH];
    int sent = 0;
    int intr = 0;
    while (sent < n) {
        int k = n - sent < BATCH ? n - sent : BATCH;
        memset(msgs, 0, sizeof(msgs[0]) * (size_t)k);
        memset(to, 0, sizeof(to[0]) * (size_t)k);
        for (int j = 0; j < k; j++) {
            const struct tapir_frame *f = &frames[sent + j];
            iov[j].iov_base = f->data;
            iov[j].iov_len = f->len;
            to[j].sll_family = AF_PACKET;
            to[j].sll_ifindex = p->ifindex;
            to[j].sll_protocol = frame_protocol(p, f);
            msgs[j].msg_hdr.msg_iov = &iov[j];
            msgs[j].msg_hdr.msg_iovlen = 1;
            msgs[j].msg_hdr.msg_name = &to[j];
            msgs[j].msg_hdr.msg_namelen = sizeof to[j];
        }
        int r = sendmmsg(p->fd, msgs, (unsigned)k, MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EINTR && ++intr < 8)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
                p->stats.tx_full += (uint64_t)(n - sent);
                break;
            }
            if (errno == EMSGSIZE || errno == EINVAL) {
                /* The kernel refuses this frame (too long, too short): it is taken and
                 * discarded, like a NIC drops a bad frame. */
                p->stats.tx_dropped++;
                sent++;
                continue;
            }
            return sent ? sent : -errno;
        }
        for (int j = 0; j < r; j++) {
            p->stats.tx_frames++;
            p->stats.tx_bytes += frames[sent + j].len;
        }
        /* When r < k, the next call reports what stopped the batch. */
        sent += r;
    }
    return sent;
}

static int packet_fd(void *ctx)
{
    return ((const struct tapir_packet *)ctx)->fd;
}

static const struct tapir_device_ops packet_ops = {packet_rx, packet_tx, packet_fd};

static int ioctl_err(void)
{
    return errno == ENODEV || errno == ENXIO ? TAPIR_ENODEV : -errno;
}

int tapir_packet_open(struct tapir_packet *p, const struct tapir_packet_options *opt)
{
    if (!p || !opt || !opt->ifname)
        return TAPIR_EINVAL;
    memset(p, 0, sizeof *p);
    p->fd = -1;
    size_t name_len = strlen(opt->ifname);
    if (name_len == 0 || name_len >= IFNAMSIZ || name_len >= TAPIR_IFNAMSIZ)
        return TAPIR_EINVAL;

    /* Protocol 0: the socket receives nothing until bind() names the interface. */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno == EPERM || errno == EACCES ? TAPIR_ENOPERM_RAW : -errno;

    int err;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, opt->ifname, name_len);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        err = ioctl_err();
        goto fail;
    }
    int ifindex = ifr.ifr_ifindex;
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
        err = ioctl_err();
        goto fail;
    }
    enum tapir_medium medium;
    switch (ifr.ifr_hwaddr.sa_family) {
    case ARPHRD_ETHER:
    case ARPHRD_LOOPBACK:
        medium = TAPIR_MEDIUM_ETHERNET;
        break;
    case ARPHRD_NONE:
#ifdef ARPHRD_RAWIP
    case ARPHRD_RAWIP:
#endif
        medium = TAPIR_MEDIUM_IP;
        break;
    default:
        err = TAPIR_EUNSUPPORTED;
        goto fail;
    }
    if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
        err = ioctl_err();
        goto fail;
    }
    unsigned mtu = opt->mtu ? opt->mtu : (unsigned)ifr.ifr_mtu;

    /* Not fatal on kernels before 4.20: rx() then skips PACKET_OUTGOING frames. */
    int one = 1;
    (void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);

    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = ifindex;
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
        err = ioctl_err();
        goto fail;
    }
    if (opt->promisc) {
        struct packet_mreq mr;
        memset(&mr, 0, sizeof mr);
        mr.mr_ifindex = ifindex;
        mr.mr_type = PACKET_MR_PROMISC;
        if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) {
            err = -errno;
            goto fail;
        }
    }

    p->fd = fd;
    p->ifindex = ifindex;
    memcpy(p->name, opt->ifname, name_len);
    p->dev.ops = &packet_ops;
    p->dev.ctx = p;
    p->dev.medium = medium;
    p->dev.mtu = mtu;
    p->dev.caps = 0;
    return 0;

fail:
    close(fd);
    return err;
}

int tapir_packet_close(struct tapir_packet *p)
{
    if (!p || p->fd < 0)
        return 0;
    int ret = close(p->fd) < 0 ? -errno : 0;
    p->fd = -1;
    return ret;
}
