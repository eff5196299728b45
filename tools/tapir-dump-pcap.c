/* tapir-dump: capture files. -w writes classic pcap ourselves (a 24-byte file header and
 * a 16-byte header per record, host byte order, microseconds, the format every reader
 * knows: https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html); -r reads with
 * libpcap's offline reader, so pcapng and the byte-swapped and nanosecond variants are
 * read too. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tapir-dump.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define WRITE_BUF     (1u << 20)

static int put_all(struct dump_writer *w, const void *p, size_t n)
{
    if (w->error)
        return w->error;
    if (fwrite(p, 1, n, w->f) != n)
        w->error = errno ? -errno : -EIO;
    return w->error;
}

int dump_writer_open(struct dump_writer *w, const char *path, int linktype, unsigned snaplen)
{
    memset(w, 0, sizeof *w);
    w->linktype = linktype;
    w->snaplen = snaplen;
    if (strcmp(path, "-") == 0) {
        w->f = stdout;
    } else {
        w->f = fopen(path, "wb");
        if (!w->f)
            return -errno;
        w->own = true;
    }
    /* Records go out in large writes; a reader of a live file sees them on exit. */
    setvbuf(w->f, NULL, _IOFBF, WRITE_BUF);
    struct {
        uint32_t magic;
        uint16_t major, minor;
        int32_t thiszone;
        uint32_t sigfigs, snaplen, linktype;
    } hdr = {PCAP_MAGIC_US, 2, 4, 0, 0, snaplen, (uint32_t)linktype};
    return put_all(w, &hdr, sizeof hdr);
}

int dump_writer_write(struct dump_writer *w, const struct dump_packet *p)
{
    uint32_t cap = p->caplen < w->snaplen ? p->caplen : w->snaplen;
    uint32_t rec[4] = {(uint32_t)p->sec, p->nsec / 1000, cap, p->len < cap ? cap : p->len};
    put_all(w, rec, sizeof rec);
    int rc = put_all(w, p->data, cap);
    if (rc == 0)
        w->packets++;
    return rc;
}

int dump_writer_close(struct dump_writer *w)
{
    if (!w->f)
        return w->error;
    if (fflush(w->f) != 0 && !w->error)
        w->error = -errno;
    if (w->own && fclose(w->f) != 0 && !w->error)
        w->error = -errno;
    w->f = NULL;
    return w->error;
}

int dump_reader_open(struct dump_reader *rd, const char *path, char *err)
{
    rd->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!rd->pcap)
        return -1;
    rd->linktype = pcap_datalink(rd->pcap);
    int snap = pcap_snapshot(rd->pcap);
    rd->snaplen = snap > 0 ? (unsigned)snap : DUMP_SNAPLEN_MAX;
    return 0;
}

int dump_reader_next(struct dump_reader *rd, struct dump_packet *p, char *err)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(rd->pcap, &h, &data);
    if (rc == 1) {
        p->sec = h->ts.tv_sec;
        p->nsec = (uint32_t)h->ts.tv_usec; /* nanoseconds at this precision */
        p->caplen = h->caplen;
        p->len = h->len;
        p->data = data;
        return 1;
    }
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(rd->pcap));
    return -1;
}

void dump_reader_close(struct dump_reader *rd)
{
    if (rd->pcap)
        pcap_close(rd->pcap);
    rd->pcap = NULL;
}
