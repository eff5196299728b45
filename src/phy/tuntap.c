/* TAP and TUN devices on /dev/net/tun: IFF_NO_PI, non-blocking, one read()/write() per
 * frame; with IFF_VNET_HDR each read and write starts with the virtio-net header (vnet.c)
 * and the kernel moves 64 KiB GSO super-frames and partial checksums (TUNSETOFFLOAD). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "frame.h"
#include "tapir/error.h"
#include "tapir/phy/tuntap.h"
#include "tapir/phy/vnet.h"

#define TUN_PATH "/dev/net/tun"

static int tuntap_rx(void *ctx, struct tapir_frame *frames, int n)
{
    struct tapir_tuntap *t = ctx;
    if (n < 0 || (n > 0 && !frames))
        return TAPIR_EINVAL;
    /* With IFF_VNET_HDR every read starts with the header: it goes in its own iovec before
     * the frame. Without it the header's iovec is left out of the call. */
    size_t hlen = t->vnet_hdr ? TAPIR_VNET_HDR_LEN : 0;
    int got = 0;
    /* Bounded: each read fills a frame, discards an oversize one, or ends the call. */
    for (int reads = 0; got < n && reads < 2 * n + 8; reads++) {
        struct tapir_frame *f = &frames[got];
        uint8_t hdr[TAPIR_VNET_HDR_LEN];
        /* One spare byte after the caller's buffer shows a frame that did not fit (the
         * driver cuts it to the room given, or on older kernels returns its full
         * length). */
        uint8_t spare;
        struct iovec iov[3] = {{hdr, sizeof hdr}, {f->data, f->cap}, {&spare, 1}};
        ssize_t r = hlen ? readv(t->fd, iov, 3) : readv(t->fd, iov + 1, 2);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return got ? got : -errno;
        }
        if (r == 0)
            break;
        if ((size_t)r < hlen || (size_t)r - hlen > f->cap) {
            t->stats.rx_dropped++; /* a (super-)frame larger than the caller's buffer */
            continue;
        }
        size_t len = (size_t)r - hlen;
        if (!hlen) {
            tapir__frame_clear_offload(f);
        } else if (tapir_vnet_hdr_parse(hdr, hlen, len, f) != 0) {
            t->stats.rx_dropped++;
            continue;
        }
        f->len = len;
        t->stats.rx_frames++;
        t->stats.rx_bytes += len;
        got++;
    }
    return got;
}

static int tuntap_tx(void *ctx, const struct tapir_frame *frames, int n)
{
    struct tapir_tuntap *t = ctx;
    if (n < 0 || (n > 0 && !frames))
        return TAPIR_EINVAL;
    int i = 0;
    int intr = 0;
    while (i < n) {
        const struct tapir_frame *f = &frames[i];
        ssize_t w;
        if (t->vnet_hdr) {
            /* IFF_VNET_HDR: the header in its own iovec before the frame. */
            uint8_t hdr[TAPIR_VNET_HDR_LEN];
            if (tapir_vnet_hdr_build(f, hdr, sizeof hdr) < 0) {
                t->stats.tx_dropped++; /* metadata the kernel would refuse */
                i++;
                continue;
            }
            struct iovec iov[2] = {{hdr, sizeof hdr}, {f->data, f->len}};
            w = writev(t->fd, iov, 2);
        } else {
            w = write(t->fd, f->data, f->len);
        }
        if (w < 0) {
            if (errno == EINTR && ++intr < 8)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                t->stats.tx_full += (uint64_t)(n - i);
                break;
            }
            /* The kernel refuses this frame (a TUN packet that is not IP, a frame too long):
             * it is taken and discarded, like a NIC drops a bad frame. With the virtio-net
             * header EFAULT counts the same, as it has since the offload path came in. */
            if (errno == EINVAL || errno == EMSGSIZE || (t->vnet_hdr && errno == EFAULT)) {
                t->stats.tx_dropped++;
                i++;
                continue;
            }
            return i ? i : -errno;
        }
        t->stats.tx_frames++;
        t->stats.tx_bytes += f->len;
        i++;
    }
    return i;
}

static int tuntap_fd(void *ctx)
{
    return ((const struct tapir_tuntap *)ctx)->fd;
}

static const struct tapir_device_ops tuntap_ops = {tuntap_rx, tuntap_tx, tuntap_fd};

/* SIOCGIFMTU, after SIOCSIFMTU when `set` is not 0. Returns the MTU or -errno. */
static int interface_mtu(const char *name, unsigned set)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, name, strnlen(name, IFNAMSIZ - 1));
    int ret;
    if (set) {
        ifr.ifr_mtu = (int)set;
        if (ioctl(s, SIOCSIFMTU, &ifr) < 0) {
            ret = -errno;
            goto out;
        }
    }
    if (ioctl(s, SIOCGIFMTU, &ifr) < 0) {
        ret = -errno;
        goto out;
    }
    ret = ifr.ifr_mtu;
out:
    close(s);
    return ret;
}

/* The 10-byte header (set explicitly: another program may have changed the size on a
 * persistent device), then TUNSETOFFLOAD: TUN_F_CSUM lets the kernel hand us partial
 * checksums, TSO4/TSO6 lets it hand us TCP super-frames (drivers/net/tun.c set_offload()
 * turns them into the device's NETIF_F_HW_CSUM / TSO / TSO6 features). What we write may
 * carry both whatever this says. */
static int enable_offload(int fd)
{
    int size = TAPIR_VNET_HDR_LEN;
    if (ioctl(fd, TUNSETVNETHDRSZ, &size) < 0)
        return errno == EINVAL ? TAPIR_EUNSUPPORTED : -errno;
    if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) < 0)
        return errno == EINVAL ? TAPIR_EUNSUPPORTED : -errno;
    return 0;
}

int tapir_tuntap_open(struct tapir_tuntap *t, const struct tapir_tuntap_options *opt)
{
    static const struct tapir_tuntap_options defaults = {NULL, false, false, 0};
    if (!t)
        return TAPIR_EINVAL;
    if (!opt)
        opt = &defaults;
    memset(t, 0, sizeof *t);
    t->fd = -1;
    size_t name_len = opt->name ? strlen(opt->name) : 0;
    if (name_len >= IFNAMSIZ || name_len >= TAPIR_IFNAMSIZ)
        return TAPIR_EINVAL;
    if (opt->mtu > (unsigned)INT32_MAX)
        return TAPIR_EINVAL;

    int fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        switch (errno) {
        case ENOENT:
        case ENODEV:
        case ENXIO:
            return TAPIR_ENOTUNDEV;
        case EACCES:
        case EPERM:
            return TAPIR_ENOPERM_TUN;
        default:
            return -errno;
        }
    }

    int err;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = (short)((opt->tun ? IFF_TUN : IFF_TAP) | IFF_NO_PI);
    if (opt->vnet_hdr) {
        /* TUNGETFEATURES lists what this kernel's tun driver accepts. */
        unsigned features = 0;
        if (ioctl(fd, TUNGETFEATURES, &features) < 0 || !(features & IFF_VNET_HDR)) {
            err = TAPIR_EUNSUPPORTED;
            goto fail;
        }
        ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_VNET_HDR);
    }
    if (name_len)
        memcpy(ifr.ifr_name, opt->name, name_len);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        err = (errno == EPERM || errno == EACCES) ? TAPIR_ENOPERM_TUN : -errno;
        goto fail;
    }
    memcpy(t->name, ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ - 1));

    if (opt->vnet_hdr && (err = enable_offload(fd)) != 0)
        goto fail;
    /* Without the header, offloads a previous user left on a persistent device must go:
     * the kernel would hand us super-frames we cannot tell from plain ones. */
    if (!opt->vnet_hdr)
        (void)ioctl(fd, TUNSETOFFLOAD, 0ul);

    int mtu = interface_mtu(t->name, opt->mtu);
    if (mtu < 0) {
        err = mtu;
        goto fail;
    }

    t->fd = fd;
    t->dev.ops = &tuntap_ops;
    t->dev.ctx = t;
    t->dev.medium = opt->tun ? TAPIR_MEDIUM_IP : TAPIR_MEDIUM_ETHERNET;
    t->dev.mtu = (unsigned)mtu;
    t->dev.caps = opt->vnet_hdr ? TAPIR_DEVICE_CAP_GSO | TAPIR_DEVICE_CAP_CSUM_TX : 0;
    t->vnet_hdr = opt->vnet_hdr;
    return 0;

fail:
    close(fd);
    memset(t->name, 0, sizeof t->name);
    return err;
}

int tapir_tuntap_close(struct tapir_tuntap *t)
{
    if (!t || t->fd < 0)
        return 0;
    int ret = close(t->fd) < 0 ? -errno : 0;
    t->fd = -1;
    return ret;
}
