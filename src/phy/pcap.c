/* The pcap writer: records every frame in and out of a wrapped device. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "tapir/error.h"
#include "tapir/phy/pcap.h"

#define PCAP_MAGIC_US     0xa1b2c3d4u
#define PCAP_FILE_HDR_LEN 24
#define PCAP_REC_HDR_LEN  16

/* write() all of buf, retrying short writes and EINTR (a bounded number of times). */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
    int tries = 0;
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0) {
            if (errno == EINTR && ++tries < 64)
                continue;
            return -errno;
        }
        if (w == 0)
            return -EIO;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

static void note_error(struct tapir_pcap *p, int err, uint64_t lost)
{
    if (!p->error)
        p->error = err;
    p->write_errors += lost;
}

int tapir_pcap_flush(struct tapir_pcap *p)
{
    if (!p || p->fd < 0)
        return 0;
    if (p->buf_len == 0)
        return 0;
    int err = write_all(p->fd, p->buf, p->buf_len);
    if (err)
        note_error(p, err, p->buf_frames);
    p->buf_len = 0;
    p->buf_frames = 0;
    return err;
}

static void put32(uint8_t *b, uint32_t v)
{
    memcpy(b, &v, 4); /* host byte order: the magic number tells readers which */
}

static void put16(uint8_t *b, uint16_t v)
{
    memcpy(b, &v, 2);
}

static void record(struct tapir_pcap *p, tapir_instant now, const struct tapir_frame *f)
{
    if (p->fd < 0)
        return;
    size_t caplen = f->len < TAPIR_PCAP_SNAPLEN ? f->len : TAPIR_PCAP_SNAPLEN;
    uint8_t hdr[PCAP_REC_HDR_LEN];
    if (now < 0)
        now = 0;
    put32(hdr, (uint32_t)(now / TAPIR_US_PER_S));
    put32(hdr + 4, (uint32_t)(now % TAPIR_US_PER_S));
    put32(hdr + 8, (uint32_t)caplen);
    put32(hdr + 12, (uint32_t)f->len);
    p->frames++;
    if (p->buf_len + sizeof hdr + caplen > sizeof p->buf)
        (void)tapir_pcap_flush(p); /* a failure is counted and kept in p->error */
    if (sizeof hdr + caplen > sizeof p->buf) {
        /* A record bigger than the buffer goes straight to the file. */
        int err = write_all(p->fd, hdr, sizeof hdr);
        if (!err)
            err = write_all(p->fd, f->data, caplen);
        if (err)
            note_error(p, err, 1);
        return;
    }
    memcpy(p->buf + p->buf_len, hdr, sizeof hdr);
    if (caplen)
        memcpy(p->buf + p->buf_len + sizeof hdr, f->data, caplen);
    p->buf_len += sizeof hdr + caplen;
    p->buf_frames++;
}

static tapir_instant pcap_now(const struct tapir_pcap *p)
{
    return p->clock.now_us ? p->clock.now_us(p->clock.ctx) : 0;
}

static int pcap_rx(void *ctx, struct tapir_frame *frames, int n)
{
    struct tapir_pcap *p = ctx;
    int got = tapir_device_rx(p->inner, frames, n);
    if (got > 0) {
        tapir_instant now = pcap_now(p);
        for (int i = 0; i < got; i++)
            record(p, now, &frames[i]);
    }
    return got;
}

static int pcap_tx(void *ctx, const struct tapir_frame *frames, int n)
{
    struct tapir_pcap *p = ctx;
    int sent = tapir_device_tx(p->inner, frames, n);
    if (sent > 0) {
        tapir_instant now = pcap_now(p);
        for (int i = 0; i < sent; i++)
            record(p, now, &frames[i]);
    }
    return sent;
}

static int pcap_fd(void *ctx)
{
    return tapir_device_fd(((const struct tapir_pcap *)ctx)->inner);
}

static const struct tapir_device_ops pcap_ops = {pcap_rx, pcap_tx, pcap_fd};

static int start(struct tapir_pcap *p, const struct tapir_device *inner, int fd, bool own_fd,
                 struct tapir_clock clock)
{
    uint32_t linktype;
    switch (inner->medium) {
    case TAPIR_MEDIUM_ETHERNET:
        linktype = TAPIR_PCAP_LINKTYPE_ETHERNET;
        break;
    case TAPIR_MEDIUM_IP:
        linktype = TAPIR_PCAP_LINKTYPE_RAW;
        break;
    default:
        return TAPIR_EUNSUPPORTED;
    }
    memset(p, 0, offsetof(struct tapir_pcap, buf));
    p->dev.ops = &pcap_ops;
    p->dev.ctx = p;
    p->dev.medium = inner->medium;
    p->dev.mtu = inner->mtu;
    p->dev.caps = inner->caps;
    p->inner = inner;
    p->clock = clock;
    p->fd = fd;
    p->own_fd = own_fd;

    uint8_t h[PCAP_FILE_HDR_LEN];
    put32(h, PCAP_MAGIC_US);
    put16(h + 4, 2); /* version 2.4 */
    put16(h + 6, 4);
    put32(h + 8, 0);  /* thiszone */
    put32(h + 12, 0); /* sigfigs */
    put32(h + 16, TAPIR_PCAP_SNAPLEN);
    put32(h + 20, linktype);
    int err = write_all(fd, h, sizeof h);
    if (err) {
        p->fd = -1;
        p->own_fd = false;
    }
    return err;
}

int tapir_pcap_open(struct tapir_pcap *p, const struct tapir_device *inner, const char *path,
                    struct tapir_clock clock)
{
    if (!p || !inner || !path)
        return TAPIR_EINVAL;
    if (inner->medium != TAPIR_MEDIUM_ETHERNET && inner->medium != TAPIR_MEDIUM_IP)
        return TAPIR_EUNSUPPORTED;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int err = start(p, inner, fd, true, clock);
    if (err)
        close(fd);
    return err;
}

int tapir_pcap_open_fd(struct tapir_pcap *p, const struct tapir_device *inner, int fd,
                       struct tapir_clock clock)
{
    if (!p || !inner || fd < 0)
        return TAPIR_EINVAL;
    return start(p, inner, fd, false, clock);
}

int tapir_pcap_close(struct tapir_pcap *p)
{
    if (!p || p->fd < 0)
        return 0;
    int err = tapir_pcap_flush(p);
    if (p->own_fd && close(p->fd) < 0 && !err)
        err = -errno;
    p->fd = -1;
    p->own_fd = false;
    return err;
}
