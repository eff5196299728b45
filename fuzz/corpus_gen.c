/* Builds the fuzz seed corpora from the golden packets.
 *
 * Usage: corpus_gen OUTDIR PCAP...
 * Every frame of every capture is dissected; each layer's bytes (from its start to the end
 * of its data, so without Ethernet padding) become one input in OUTDIR/<layer>/, and the
 * whole frame one input in OUTDIR/iface/ (for the whole-ingress harness). The harnesses'
 * names match the layers; ICMPv6 messages also seed the NDP and MLD harnesses. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tapir/wire/dissect.h"

static int write_input(const char *outdir, const char *sub, const char *stem, unsigned idx,
                       const uint8_t *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, sub);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "corpus_gen: mkdir %s: %s\n", path, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s/%s-%u", outdir, sub, stem, idx);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        fprintf(stderr, "corpus_gen: write %s: %s\n", path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

static int process(const char *outdir, const char *file)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(file, err);
    if (!p) {
        fprintf(stderr, "corpus_gen: %s\n", err);
        return -1;
    }
    enum tapir_medium medium =
        pcap_datalink(p) == DLT_EN10MB ? TAPIR_MEDIUM_ETHERNET : TAPIR_MEDIUM_IP;
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    char stem[256];
    snprintf(stem, sizeof stem, "%.*s", (int)(strcspn(base, ".")), base);

    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned idx = 0;
    int rc = 0;
    while (rc == 0 && pcap_next_ex(p, &h, &data) == 1) {
        struct tapir_dissection d;
        tapir_dissect(data, h->caplen, medium, &d);
        /* The ingress harness reads records: [clock step][u16 length][frame]. */
        static uint8_t record[3 + 65536];
        size_t flen = h->caplen < 65535 ? h->caplen : 65535;
        record[0] = 0;
        record[1] = (uint8_t)(flen >> 8);
        record[2] = (uint8_t)flen;
        memcpy(record + 3, data, flen);
        rc = write_input(outdir, "iface", stem, idx, record, 3 + flen);
        for (size_t i = 0; rc == 0 && i < d.count; i++) {
            if (d.layers[i].layer == TAPIR_LAYER_PAYLOAD)
                continue;
            const uint8_t *start = data + d.layers[i].offset;
            size_t len = d.layers[i].len;
            rc = write_input(outdir, tapir_layer_name(d.layers[i].layer), stem, idx, start, len);
            if (rc == 0 && d.layers[i].layer == TAPIR_LAYER_ICMPV6 && len > 0) {
                /* RFC 4861 types 133-137 are NDP; 130-132 and 143 are MLD. */
                uint8_t type = start[0];
                if (type >= 133 && type <= 137)
                    rc = write_input(outdir, "ndp", stem, idx, start, len);
                else if ((type >= 130 && type <= 132) || type == 143)
                    rc = write_input(outdir, "mld", stem, idx, start, len);
            }
        }
        idx++;
    }
    pcap_close(p);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: corpus_gen OUTDIR PCAP...\n");
        return 2;
    }
    if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "corpus_gen: mkdir %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    for (int i = 2; i < argc; i++)
        if (process(argv[1], argv[i]) != 0)
            return 1;
    return 0;
}
